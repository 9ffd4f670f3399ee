// Decimal parse/format beside strtod/snprintf, the usual (inexact) alternatives.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/decimal.hpp"

namespace {

using peregrine::common::kDecimalMaxChars;
using peregrine::common::Price;

constexpr std::array<std::string_view, 8> kInputs = {
    "61800.20", "0.00100000", "3051.7", "1e-05", "0.0147", "105234.5", "2.12345678", "17"};

void BM_Decimal_Parse(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = Price::parse(kInputs[i++ & 7]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Decimal_Parse);

// The general parser alone (every form; before the plain fast path existed, Price::parse was
// exactly this).
void BM_Decimal_ParseGenericBefore(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = peregrine::common::detail::parse_fixed_generic(kInputs[i++ & 7],
                                                            peregrine::common::ParseMode::kExact);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Decimal_ParseGenericBefore);

// What the venues send in book levels: plain digits and one dot (no exponent).
constexpr std::array<std::string_view, 8> kVenueInputs = {
    "61800.20", "0.001", "3051.7", "0.0147", "105234.5", "2.12345678", "17", "0.00100000"};

void BM_Decimal_ParseVenue(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = Price::parse(kVenueInputs[i++ & 7]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Decimal_ParseVenue);

void BM_Decimal_ParseVenueGenericBefore(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = peregrine::common::detail::parse_fixed_generic(kVenueInputs[i++ & 7],
                                                            peregrine::common::ParseMode::kExact);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Decimal_ParseVenueGenericBefore);

// Floor-ish reference: libc strtod (not exact, allocation-free, widely used for this job).
void BM_Decimal_StrtodReference(benchmark::State& state) {
  std::array<std::array<char, 16>, 8> buf{};
  for (std::size_t k = 0; k < kInputs.size(); ++k) {
    kInputs[k].copy(buf[k].data(), kInputs[k].size());
  }
  std::size_t i = 0;
  for (auto _ : state) {
    double v = std::strtod(buf[i++ & 7].data(), nullptr);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_Decimal_StrtodReference);

void BM_Decimal_Format(benchmark::State& state) {
  std::array<Price, 8> prices{};
  for (std::size_t k = 0; k < kInputs.size(); ++k) prices[k] = Price::parse(kInputs[k]).value();
  char out[kDecimalMaxChars];
  std::size_t i = 0;
  for (auto _ : state) {
    auto n = prices[i++ & 7].format(out);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Decimal_Format);

void BM_Decimal_SnprintfReference(benchmark::State& state) {
  const std::array<double, 8> values = {61800.2, 0.001,    3051.7,     1e-05,
                                        0.0147,  105234.5, 2.12345678, 17};
  char out[32];
  std::size_t i = 0;
  for (auto _ : state) {
    int n = std::snprintf(out, sizeof(out), "%.8g", values[i++ & 7]);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Decimal_SnprintfReference);

void BM_Decimal_RoundToTick(benchmark::State& state) {
  const Price tick = Price::parse("0.1").value();
  std::int64_t raw = 6'180'012'345'678;
  for (auto _ : state) {
    auto r = Price::from_raw(raw++).round_to(tick, peregrine::common::RoundMode::kNearestEven);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Decimal_RoundToTick);

}  // namespace
