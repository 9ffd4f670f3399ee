// LatencyHistogram: fixed-size log-linear histogram of nanosecond latencies (HdrHistogram-like).
// Single writer: one thread records; copy it (trivially copyable) to hand a snapshot to another.
//
// Why it is fast: record() is a handful of integer instructions on a fixed std::array. The bucket
// index is derived from the position of the highest set bit (std::countl_zero, one LZCNT/BSR)
// plus the next kSubBucketBits bits of the value: no loop, no search, no floating point, no
// allocation, no branch other than the clamp (a conditional move). Queries (percentile, text,
// JSON) scan the buckets and belong off the hot path.
//
// Layout and error bound: values 0..127 each get an exact bucket. Every power-of-two range
// [2^e, 2^(e+1)) with e >= 7 is split into 64 linear sub-buckets of width 2^(e-6). A query
// reports the highest value of the bucket holding the requested sample, clamped to max(), so it
// never under-reports and over-reports by less than 1/64 of the true value:
//   true <= reported < true * (1 + max_relative_error()),  max_relative_error() = 1/64 = 1.5625%.
// Values above kHighestTrackableNs (2^40 - 1 ns, about 18 minutes) are clamped into the top
// bucket and counted in overflow_count(); min() and max() stay exact for every value.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

namespace peregrine::common {

class LatencyHistogram {
 public:
  // 2^6 sub-buckets per power of two.
  static constexpr int kSubBucketBits = 6;
  static constexpr int kHighestBit = 40;
  static constexpr std::uint64_t kHighestTrackableNs = (std::uint64_t{1} << kHighestBit) - 1;

  // Number of buckets: 2^(k+1) exact ones for 0..2^(k+1)-1, then 2^k per remaining power of two.
  static constexpr std::size_t kBucketCount =
      (std::size_t{1} << (kSubBucketBits + 1)) +
      (static_cast<std::size_t>(kHighestBit - kSubBucketBits - 1) << kSubBucketBits);

  // Records one sample. O(1), allocation-free, branch-free apart from a conditional move.
  void record(std::uint64_t ns) noexcept {
    const bool over = ns > kHighestTrackableNs;
    const std::uint64_t clamped = over ? kHighestTrackableNs : ns;
    ++counts_[bucket_index(clamped)];
    ++count_;
    sum_ += clamped;
    overflow_ += static_cast<std::uint64_t>(over);
    min_ = ns < min_ ? ns : min_;
    max_ = ns > max_ ? ns : max_;
  }

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  // Samples above kHighestTrackableNs (recorded as kHighestTrackableNs in the buckets).
  [[nodiscard]] std::uint64_t overflow_count() const noexcept { return overflow_; }
  // Exact; 0 when empty.
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  // Exact over the (clamped) samples; 0 when empty.
  [[nodiscard]] double mean() const noexcept;

  // Nearest-rank percentile, q in [0, 100]: the sample of rank ceil(q * n / 100) (at least 1),
  // reported as described above. q <= 0 gives min(), q >= 100 gives max(); empty gives 0.
  [[nodiscard]] std::uint64_t percentile(double q) const noexcept;
  [[nodiscard]] std::uint64_t p50() const noexcept { return percentile(50.0); }
  [[nodiscard]] std::uint64_t p90() const noexcept { return percentile(90.0); }
  [[nodiscard]] std::uint64_t p99() const noexcept { return percentile(99.0); }
  [[nodiscard]] std::uint64_t p999() const noexcept { return percentile(99.9); }

  // Adds every sample of `other`, as if they had been recorded here.
  void merge(const LatencyHistogram& other) noexcept;
  void reset() noexcept { *this = LatencyHistogram{}; }

  // "n=1000 p50=812ns p90=901ns p99=1203ns p99.9=2047ns max=2100ns"
  [[nodiscard]] std::string to_text() const;
  // {"count":1000,"p50":812,"p90":901,"p99":1203,"p999":2047,"max":2100,"mean":830.5}
  [[nodiscard]] std::string to_json() const;

  // Bound on (reported - true) / true for any percentile.
  [[nodiscard]] static constexpr double max_relative_error() noexcept {
    return 1.0 / static_cast<double>(std::uint64_t{1} << kSubBucketBits);
  }

  // Bucket arithmetic, public for tests and for code that exports raw buckets.
  // The shift b is 0 below 2^(k+1) and grows by one per power of two above it.
  [[nodiscard]] static constexpr std::size_t bucket_index(std::uint64_t ns) noexcept {
    constexpr std::uint64_t kExactMask = (std::uint64_t{1} << (kSubBucketBits + 1)) - 1;
    const int b = (63 - kSubBucketBits) - std::countl_zero(ns | kExactMask);
    return (static_cast<std::size_t>(b) << kSubBucketBits) + static_cast<std::size_t>(ns >> b);
  }
  [[nodiscard]] static constexpr std::uint64_t bucket_lowest(std::size_t index) noexcept {
    const int b = bucket_shift(index);
    return static_cast<std::uint64_t>(index - (static_cast<std::size_t>(b) << kSubBucketBits)) << b;
  }
  [[nodiscard]] static constexpr std::uint64_t bucket_highest(std::size_t index) noexcept {
    return bucket_lowest(index) + ((std::uint64_t{1} << bucket_shift(index)) - 1);
  }
  [[nodiscard]] std::uint64_t bucket_count_at(std::size_t index) const noexcept {
    return counts_[index];
  }

 private:
  [[nodiscard]] static constexpr int bucket_shift(std::size_t index) noexcept {
    const std::size_t hi = index >> kSubBucketBits;
    return static_cast<int>(hi == 0 ? 0 : hi - 1);
  }

  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;  // of clamped samples; wraps only past 2^64 ns (584 years) in total
  std::uint64_t overflow_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

static_assert(std::is_trivially_copyable_v<LatencyHistogram>, "sent by copy between threads");
static_assert(LatencyHistogram::bucket_index(LatencyHistogram::kHighestTrackableNs) ==
                  LatencyHistogram::kBucketCount - 1,
              "top bucket holds the highest trackable value");
static_assert(LatencyHistogram::bucket_highest(LatencyHistogram::kBucketCount - 1) ==
                  LatencyHistogram::kHighestTrackableNs,
              "bucket bounds and index agree at the top");

}  // namespace peregrine::common
