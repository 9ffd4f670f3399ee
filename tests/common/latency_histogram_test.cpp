#include "common/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace peregrine::common {
namespace {

using Samples = std::vector<std::uint64_t>;

// Histograms are ~18 KB; keep them off the test's stack.
std::unique_ptr<LatencyHistogram> make_histogram(const Samples& samples) {
  auto h = std::make_unique<LatencyHistogram>();
  for (const std::uint64_t v : samples) h->record(v);
  return h;
}

// Nearest-rank percentile over sorted samples, the definition the header documents.
std::uint64_t exact_percentile(const Samples& sorted, double q) {
  if (q <= 0.0) return sorted.front();
  if (q >= 100.0) return sorted.back();
  const double r = std::ceil(q * static_cast<double>(sorted.size()) / 100.0);
  auto rank = static_cast<std::size_t>(std::max(r, 1.0));
  rank = std::min(rank, sorted.size());
  return sorted[rank - 1];
}

void expect_within_bound(const Samples& samples) {
  const auto h = make_histogram(samples);
  Samples sorted = samples;
  std::sort(sorted.begin(), sorted.end());

  ASSERT_EQ(h->count(), samples.size());
  EXPECT_EQ(h->min(), sorted.front());
  EXPECT_EQ(h->max(), sorted.back());
  long double sum = 0;
  for (const std::uint64_t v : samples) sum += static_cast<long double>(v);
  EXPECT_NEAR(h->mean(), static_cast<double>(sum / static_cast<long double>(samples.size())),
              1e-6 * h->mean() + 1e-9);

  for (const double q :
       {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.99, 100.0}) {
    const std::uint64_t exact = exact_percentile(sorted, q);
    const std::uint64_t reported = h->percentile(q);
    // Never under-reports; over-reports by less than the documented relative error.
    EXPECT_GE(reported, exact) << "q=" << q;
    EXPECT_LE(static_cast<double>(reported - exact),
              static_cast<double>(exact) * LatencyHistogram::max_relative_error())
        << "q=" << q << " exact=" << exact << " reported=" << reported;
  }
  EXPECT_EQ(h->p50(), h->percentile(50.0));
  EXPECT_EQ(h->p90(), h->percentile(90.0));
  EXPECT_EQ(h->p99(), h->percentile(99.0));
  EXPECT_EQ(h->p999(), h->percentile(99.9));
}

TEST(LatencyHistogramTest, ErrorBoundIsOneIn64) {
  EXPECT_DOUBLE_EQ(LatencyHistogram::max_relative_error(), 1.0 / 64.0);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGaps) {
  EXPECT_EQ(LatencyHistogram::bucket_lowest(0), 0u);
  for (std::size_t i = 0; i + 1 < LatencyHistogram::kBucketCount; ++i) {
    ASSERT_EQ(LatencyHistogram::bucket_highest(i) + 1, LatencyHistogram::bucket_lowest(i + 1))
        << "i=" << i;
    ASSERT_EQ(LatencyHistogram::bucket_index(LatencyHistogram::bucket_lowest(i)), i);
    ASSERT_EQ(LatencyHistogram::bucket_index(LatencyHistogram::bucket_highest(i)), i);
  }
  EXPECT_EQ(LatencyHistogram::bucket_highest(LatencyHistogram::kBucketCount - 1),
            LatencyHistogram::kHighestTrackableNs);
}

TEST(LatencyHistogramTest, BucketWidthWithinRelativeError) {
  for (std::size_t i = 0; i < LatencyHistogram::kBucketCount; ++i) {
    const std::uint64_t lo = LatencyHistogram::bucket_lowest(i);
    const std::uint64_t hi = LatencyHistogram::bucket_highest(i);
    if (lo < 128) {
      ASSERT_EQ(lo, hi) << "small values are exact";
    } else {
      ASSERT_LE(static_cast<double>(hi - lo),
                static_cast<double>(lo) * LatencyHistogram::max_relative_error());
    }
  }
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  Samples samples;
  for (std::uint64_t v = 0; v < 128; ++v) samples.push_back(v);
  const auto h = make_histogram(samples);
  for (std::uint64_t v = 1; v <= 128; ++v) {
    EXPECT_EQ(h->percentile(static_cast<double>(v) * 100.0 / 128.0), v - 1);
  }
}

TEST(LatencyHistogramTest, UniformDistribution) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> dist(0, 2'000'000);
  Samples samples(100'000);
  for (auto& v : samples) v = dist(rng);
  expect_within_bound(samples);
}

TEST(LatencyHistogramTest, LognormalDistribution) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(2'000.0), 1.2);
  Samples samples(100'000);
  for (auto& v : samples) v = static_cast<std::uint64_t>(dist(rng));
  expect_within_bound(samples);
}

TEST(LatencyHistogramTest, ExponentialDistribution) {
  std::mt19937_64 rng(99);
  std::exponential_distribution<double> dist(1.0 / 5'000.0);
  Samples samples(50'000);
  for (auto& v : samples) v = static_cast<std::uint64_t>(dist(rng));
  expect_within_bound(samples);
}

TEST(LatencyHistogramTest, ConstantDistribution) {
  const Samples samples(1'000, 812);
  expect_within_bound(samples);
  const auto h = make_histogram(samples);
  // Clamping to max() makes every percentile of a constant exact.
  EXPECT_EQ(h->p50(), 812u);
  EXPECT_EQ(h->p999(), 812u);
  EXPECT_DOUBLE_EQ(h->mean(), 812.0);
}

TEST(LatencyHistogramTest, BimodalDistribution) {
  std::mt19937_64 rng(1234);
  std::normal_distribution<double> fast(600.0, 50.0);
  std::normal_distribution<double> slow(80'000.0, 5'000.0);
  std::bernoulli_distribution pick_slow(0.05);
  Samples samples(100'000);
  for (auto& v : samples) {
    const double x = pick_slow(rng) ? slow(rng) : fast(rng);
    v = static_cast<std::uint64_t>(std::max(x, 0.0));
  }
  expect_within_bound(samples);
  const auto h = make_histogram(samples);
  EXPECT_LT(h->p90(), 2'000u);
  EXPECT_GT(h->p99(), 50'000u);
}

TEST(LatencyHistogramTest, WideRangeAcrossAllPowersOfTwo) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> bits(0, LatencyHistogram::kHighestBit - 1);
  Samples samples(50'000);
  for (auto& v : samples) {
    const int b = bits(rng);
    v = (std::uint64_t{1} << b) + (rng() & ((std::uint64_t{1} << b) - 1));
  }
  expect_within_bound(samples);
}

TEST(LatencyHistogramTest, EmptyHistogram) {
  const auto h = std::make_unique<LatencyHistogram>();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0u);
  EXPECT_EQ(h->max(), 0u);
  EXPECT_EQ(h->mean(), 0.0);
  EXPECT_EQ(h->percentile(0.0), 0u);
  EXPECT_EQ(h->percentile(50.0), 0u);
  EXPECT_EQ(h->percentile(100.0), 0u);
  EXPECT_EQ(h->p999(), 0u);
  EXPECT_EQ(h->overflow_count(), 0u);
  EXPECT_EQ(h->to_text(), "n=0 p50=0ns p90=0ns p99=0ns p99.9=0ns max=0ns");
  EXPECT_EQ(h->to_json(), R"({"count":0,"p50":0,"p90":0,"p99":0,"p999":0,"max":0,"mean":0.0})");
}

TEST(LatencyHistogramTest, OutOfRangeQuantilesClamp) {
  const auto h = make_histogram({10, 20, 30});
  EXPECT_EQ(h->percentile(-5.0), 10u);
  EXPECT_EQ(h->percentile(250.0), 30u);
  EXPECT_EQ(h->percentile(std::numeric_limits<double>::quiet_NaN()), 10u);
}

TEST(LatencyHistogramTest, OverflowClampsIntoTopBucket) {
  auto h = std::make_unique<LatencyHistogram>();
  const std::uint64_t huge = std::uint64_t{1} << 50;
  h->record(100);
  h->record(huge);
  h->record(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(h->count(), 3u);
  EXPECT_EQ(h->overflow_count(), 2u);
  EXPECT_EQ(h->min(), 100u);
  EXPECT_EQ(h->max(), std::numeric_limits<std::uint64_t>::max());  // exact, not clamped
  EXPECT_EQ(h->bucket_count_at(LatencyHistogram::kBucketCount - 1), 2u);
  EXPECT_EQ(h->p99(), LatencyHistogram::kHighestTrackableNs);
  EXPECT_EQ(h->percentile(100.0), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(h->percentile(10.0), 100u);

  // The highest trackable value itself is not an overflow.
  auto edge = std::make_unique<LatencyHistogram>();
  edge->record(LatencyHistogram::kHighestTrackableNs);
  EXPECT_EQ(edge->overflow_count(), 0u);
  EXPECT_EQ(edge->p50(), LatencyHistogram::kHighestTrackableNs);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(77);
  std::uniform_int_distribution<std::uint64_t> small(50, 5'000);
  std::uniform_int_distribution<std::uint64_t> large(10'000, 10'000'000);
  Samples a(20'000), b(30'000);
  for (auto& v : a) v = small(rng);
  for (auto& v : b) v = large(rng);
  b.push_back(std::uint64_t{1} << 45);  // one overflow travels too

  auto merged = make_histogram(a);
  merged->merge(*make_histogram(b));
  Samples all = a;
  all.insert(all.end(), b.begin(), b.end());
  const auto whole = make_histogram(all);

  EXPECT_EQ(std::memcmp(merged.get(), whole.get(), sizeof(LatencyHistogram)), 0);
  EXPECT_EQ(merged->count(), whole->count());
  EXPECT_EQ(merged->min(), whole->min());
  EXPECT_EQ(merged->max(), std::uint64_t{1} << 45);
  EXPECT_EQ(merged->overflow_count(), 1u);
  EXPECT_EQ(merged->p50(), whole->p50());
  EXPECT_EQ(merged->p999(), whole->p999());
  EXPECT_EQ(merged->to_json(), whole->to_json());
}

TEST(LatencyHistogramTest, MergeWithEmptyKeepsMinAndMax) {
  auto h = make_histogram({300, 400});
  const auto empty = std::make_unique<LatencyHistogram>();
  h->merge(*empty);
  EXPECT_EQ(h->count(), 2u);
  EXPECT_EQ(h->min(), 300u);
  EXPECT_EQ(h->max(), 400u);

  auto into_empty = std::make_unique<LatencyHistogram>();
  into_empty->merge(*h);
  EXPECT_EQ(into_empty->min(), 300u);
  EXPECT_EQ(into_empty->max(), 400u);
  EXPECT_EQ(into_empty->to_json(), h->to_json());
}

TEST(LatencyHistogramTest, ResetEmpties) {
  auto h = make_histogram({1, 2, std::uint64_t{1} << 60});
  h->reset();
  const auto empty = std::make_unique<LatencyHistogram>();
  EXPECT_EQ(std::memcmp(h.get(), empty.get(), sizeof(LatencyHistogram)), 0);
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0u);
  h->record(5);
  EXPECT_EQ(h->min(), 5u);
}

TEST(LatencyHistogramTest, CopyIsASnapshot) {
  auto h = make_histogram({1'000, 2'000, 3'000});
  auto copy = std::make_unique<LatencyHistogram>();
  std::memcpy(copy.get(), h.get(), sizeof(LatencyHistogram));  // what a queue does
  h->record(1'000'000);
  EXPECT_EQ(copy->count(), 3u);
  EXPECT_EQ(copy->max(), 3'000u);
  EXPECT_EQ(h->count(), 4u);
}

TEST(LatencyHistogramTest, TextAndJsonCarryTheNumbers) {
  Samples samples;
  for (std::uint64_t v = 1; v <= 100; ++v) samples.push_back(v);  // all in exact buckets
  const auto h = make_histogram(samples);
  EXPECT_EQ(h->to_text(), "n=100 p50=50ns p90=90ns p99=99ns p99.9=100ns max=100ns");
  EXPECT_EQ(h->to_json(),
            R"({"count":100,"p50":50,"p90":90,"p99":99,"p999":100,"max":100,"mean":50.5})");
}

TEST(LatencyHistogramTest, TextAndJsonUseBucketedValues) {
  Samples samples;
  for (std::uint64_t v = 1; v <= 1'000; ++v) samples.push_back(v * 1'000);
  const auto h = make_histogram(samples);
  const std::string text = h->to_text();
  const std::string json = h->to_json();
  EXPECT_NE(text.find("n=1000 p50=" + std::to_string(h->p50()) + "ns"), std::string::npos) << text;
  EXPECT_NE(text.find("p99.9=" + std::to_string(h->p999()) + "ns max=1000000ns"), std::string::npos)
      << text;
  EXPECT_NE(json.find("\"count\":1000,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"p99\":" + std::to_string(h->p99()) + ","), std::string::npos) << json;
  EXPECT_NE(json.find("\"max\":1000000,\"mean\":500500.0}"), std::string::npos) << json;
  // p50 is the 500th sample (500000 ns) reported within the bound.
  EXPECT_GE(h->p50(), 500'000u);
  EXPECT_LE(h->p50(), 500'000u + 500'000u / 64);
}

}  // namespace
}  // namespace peregrine::common
