#include "common/latency_histogram.hpp"

#include <cmath>
#include <cstdio>

namespace peregrine::common {
namespace {

// snprintf's return is the untruncated length; never read past the buffer.
std::string make_string(const char* buf, std::size_t size, int n) {
  if (n <= 0) return {};
  const auto len = static_cast<std::size_t>(n);
  return std::string(buf, len < size ? len : size - 1);
}

}  // namespace

double LatencyHistogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t LatencyHistogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  // NaN compares false everywhere, so test the in-range case positively.
  if (!(q > 0.0)) return min_;
  if (q >= 100.0) return max_;

  // Nearest rank; multiplying before dividing keeps q = 99.9, n = 1000 at exactly 999.
  const double exact_rank = std::ceil(q * static_cast<double>(count_) / 100.0);
  std::uint64_t rank = exact_rank < 1.0 ? 1 : static_cast<std::uint64_t>(exact_rank);
  if (rank > count_) rank = count_;

  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t highest = bucket_highest(i);
      return highest < max_ ? highest : max_;
    }
  }
  return max_;  // unreachable while counts_ and count_ agree
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  overflow_ += other.overflow_;
  if (other.min_ < min_) min_ = other.min_;
  if (other.max_ > max_) max_ = other.max_;
}

std::string LatencyHistogram::to_text() const {
  char buf[192];
  const int n = std::snprintf(
      buf, sizeof(buf), "n=%llu p50=%lluns p90=%lluns p99=%lluns p99.9=%lluns max=%lluns",
      static_cast<unsigned long long>(count_), static_cast<unsigned long long>(p50()),
      static_cast<unsigned long long>(p90()), static_cast<unsigned long long>(p99()),
      static_cast<unsigned long long>(p999()), static_cast<unsigned long long>(max()));
  return make_string(buf, sizeof(buf), n);
}

std::string LatencyHistogram::to_json() const {
  char buf[256];
  const int n = std::snprintf(
      buf, sizeof(buf),
      "{\"count\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu,"
      "\"mean\":%.1f}",
      static_cast<unsigned long long>(count_), static_cast<unsigned long long>(p50()),
      static_cast<unsigned long long>(p90()), static_cast<unsigned long long>(p99()),
      static_cast<unsigned long long>(p999()), static_cast<unsigned long long>(max()), mean());
  return make_string(buf, sizeof(buf), n);
}

}  // namespace peregrine::common
