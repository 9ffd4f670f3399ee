// Benchmarks for LatencyHistogram: the hot-path record() and the off-path percentile query.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "common/latency_histogram.hpp"

namespace {

using peregrine::common::LatencyHistogram;

// Lognormal-ish latencies from ~100 ns to ~1 ms, precomputed so the RNG is not measured.
// A power-of-two count lets the loop index wrap with a mask.
std::vector<std::uint64_t> make_samples(std::size_t n) {
  std::mt19937_64 rng(2024);
  std::lognormal_distribution<double> dist(7.0, 1.5);  // median e^7 ~ 1.1 us
  std::vector<std::uint64_t> samples(n);
  for (auto& v : samples) v = static_cast<std::uint64_t>(dist(rng));
  return samples;
}

constexpr std::size_t kSampleCount = 1 << 16;

void BM_LatencyHistogram_Record(benchmark::State& state) {
  const std::vector<std::uint64_t> samples = make_samples(kSampleCount);
  auto histogram = std::make_unique<LatencyHistogram>();
  std::size_t i = 0;
  for (auto _ : state) {
    histogram->record(samples[i]);
    i = (i + 1) & (kSampleCount - 1);
  }
  benchmark::DoNotOptimize(histogram->count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LatencyHistogram_Record);

void BM_LatencyHistogram_Percentile(benchmark::State& state) {
  const std::vector<std::uint64_t> samples = make_samples(kSampleCount);
  auto histogram = std::make_unique<LatencyHistogram>();
  for (const std::uint64_t v : samples) histogram->record(v);
  const double q = static_cast<double>(state.range(0)) / 10.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(histogram->percentile(q));
  }
}
// q in tenths of a percent: p50, p99, p99.9.
BENCHMARK(BM_LatencyHistogram_Percentile)->Arg(500)->Arg(990)->Arg(999);

}  // namespace
