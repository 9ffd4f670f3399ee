#include "gateways/net/rate_limiter.hpp"

#include <algorithm>
#include <charconv>

#include "common/assert.hpp"

namespace peregrine::gateways::net {

namespace {
constexpr common::Nanos kSecond = 1'000'000'000;
constexpr common::Nanos kMinute = 60 * kSecond;

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(b[i]);
    const auto la = (ca >= 'A' && ca <= 'Z') ? ca + 32 : ca;
    const auto lb = (cb >= 'A' && cb <= 'Z') ? cb + 32 : cb;
    if (la != lb) return false;
  }
  return true;
}
}  // namespace

std::size_t RateLimiterConfig::add_bucket(BucketSpec spec) noexcept {
  PEREGRINE_ASSERT(bucket_count < kMaxBuckets);
  buckets[bucket_count] = spec;
  return bucket_count++;
}

std::size_t RateLimiterConfig::add_class(std::uint32_t mask) noexcept {
  PEREGRINE_ASSERT(class_count < kMaxClasses);
  class_masks[class_count] = mask;
  return class_count++;
}

RateLimiter::RateLimiter(const RateLimiterConfig& config, common::Nanos start) noexcept
    : config_(config) {
  for (std::size_t b = 0; b < config_.bucket_count; ++b) {
    const BucketSpec& spec = config_.buckets[b];
    scaled_[b] = static_cast<std::int64_t>(spec.limit) * spec.window_ns;
    last_[b] = start;
  }
}

void RateLimiter::refill(std::size_t b, common::Nanos now) noexcept {
  const BucketSpec& spec = config_.buckets[b];
  if (now <= last_[b]) return;  // time never runs backwards for a bucket
  const std::int64_t full = static_cast<std::int64_t>(spec.limit) * spec.window_ns;
  // Capping dt at one window keeps dt·limit inside int64 and a full window refills anyway.
  const common::Nanos dt = std::min(now - last_[b], spec.window_ns);
  scaled_[b] = std::min(full, scaled_[b] + dt * static_cast<std::int64_t>(spec.limit));
  last_[b] = now;
}

Acquire RateLimiter::check(std::size_t cls, std::uint32_t weight, common::Nanos now) noexcept {
  if (cls >= config_.class_count) return {false, -1};
  std::uint32_t mask = config_.class_masks[cls];
  common::Nanos wait = 0;
  while (mask != 0) {
    const auto b = static_cast<std::size_t>(__builtin_ctz(mask));
    mask &= mask - 1;
    const BucketSpec& spec = config_.buckets[b];
    if (weight > spec.limit) return {false, -1};
    refill(b, now);
    const std::int64_t need = static_cast<std::int64_t>(weight) * spec.window_ns;
    if (scaled_[b] < need) {
      // ceil((need - have) / limit): the first nanosecond at which the bucket holds `weight`.
      const std::int64_t missing = need - scaled_[b];
      const common::Nanos w = (missing + spec.limit - 1) / spec.limit;
      wait = std::max(wait, w);
    }
  }
  return {wait == 0, wait};
}

Acquire RateLimiter::peek(std::size_t cls, std::uint32_t weight, common::Nanos now) noexcept {
  return check(cls, weight, now);
}

Acquire RateLimiter::try_acquire(std::size_t cls, std::uint32_t weight,
                                 common::Nanos now) noexcept {
  const Acquire result = check(cls, weight, now);
  if (!result.allowed) {
    ++denied_;
    return result;
  }
  std::uint32_t mask = config_.class_masks[cls];
  while (mask != 0) {
    const auto b = static_cast<std::size_t>(__builtin_ctz(mask));
    mask &= mask - 1;
    scaled_[b] -= static_cast<std::int64_t>(weight) * config_.buckets[b].window_ns;
  }
  return result;
}

bool RateLimiter::update_from_header(LimitKind kind, common::Nanos window_ns, std::uint32_t used,
                                     common::Nanos now) noexcept {
  bool matched = false;
  for (std::size_t b = 0; b < config_.bucket_count; ++b) {
    const BucketSpec& spec = config_.buckets[b];
    if (spec.kind != kind || spec.window_ns != window_ns) continue;
    matched = true;
    refill(b, now);
    const std::int64_t remaining =
        static_cast<std::int64_t>(spec.limit) - static_cast<std::int64_t>(used);
    const std::int64_t venue_scaled = std::max<std::int64_t>(remaining, 0) * spec.window_ns;
    if (venue_scaled < scaled_[b]) {
      scaled_[b] = venue_scaled;
      ++corrections_;
    }
  }
  return matched;
}

bool RateLimiter::update_from_binance_header(std::string_view name, std::string_view value,
                                             common::Nanos now) noexcept {
  constexpr std::string_view kWeight = "x-mbx-used-weight-";
  constexpr std::string_view kOrders = "x-mbx-order-count-";
  LimitKind kind;
  std::string_view interval;
  if (name.size() > kWeight.size() && iequals(name.substr(0, kWeight.size()), kWeight)) {
    kind = LimitKind::kRequestWeight;
    interval = name.substr(kWeight.size());
  } else if (name.size() > kOrders.size() && iequals(name.substr(0, kOrders.size()), kOrders)) {
    kind = LimitKind::kOrders;
    interval = name.substr(kOrders.size());
  } else {
    return false;
  }
  // "<n><unit>": n digits then one of S, M, H, D.
  const char unit = interval.back();
  common::Nanos unit_ns = 0;
  switch (unit) {
    case 's':
    case 'S':
      unit_ns = kSecond;
      break;
    case 'm':
    case 'M':
      unit_ns = kMinute;
      break;
    case 'h':
    case 'H':
      unit_ns = 60 * kMinute;
      break;
    case 'd':
    case 'D':
      unit_ns = 24 * 60 * kMinute;
      break;
    default:
      return false;
  }
  std::uint32_t count = 0;
  const std::string_view digits = interval.substr(0, interval.size() - 1);
  if (digits.empty() || digits.size() > 4) return false;
  auto [p1, e1] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (e1 != std::errc{} || p1 != digits.data() + digits.size() || count == 0) return false;
  std::uint32_t used = 0;
  auto [p2, e2] = std::from_chars(value.data(), value.data() + value.size(), used);
  if (e2 != std::errc{} || p2 != value.data() + value.size()) return false;
  return update_from_header(kind, unit_ns * count, used, now);
}

std::uint32_t RateLimiter::available(std::size_t bucket, common::Nanos now) noexcept {
  if (bucket >= config_.bucket_count) return 0;
  refill(bucket, now);
  return static_cast<std::uint32_t>(scaled_[bucket] / config_.buckets[bucket].window_ns);
}

// ---------------------------------------------------------------------------------------------
// Presets

namespace binance {
RateLimiterConfig usdm_limits() noexcept {
  RateLimiterConfig c;
  c.source = "binance_usdm.md §5 Rate limits; §3.2 POST /fapi/v1/order weights";
  const auto weight =
      c.add_bucket({LimitKind::kRequestWeight, 2400, kMinute, "binance.request_weight.1m"});
  const auto orders10s =
      c.add_bucket({LimitKind::kOrders, 300, 10 * kSecond, "binance.orders.10s"});
  const auto orders1m = c.add_bucket({LimitKind::kOrders, 1200, kMinute, "binance.orders.1m"});
  c.add_class(1U << weight);                          // kClassRest
  c.add_class((1U << orders10s) | (1U << orders1m));  // kClassOrder
  return c;
}
}  // namespace binance

namespace bybit {
RateLimiterConfig linear_limits() noexcept {
  RateLimiterConfig c;
  c.source = "bybit_v5.md §7 Rate limits (UTA2.0 Pro defaults, linear)";
  const auto ip = c.add_bucket({LimitKind::kRequests, 600, 5 * kSecond, "bybit.ip.5s"});
  const auto create = c.add_bucket({LimitKind::kRequests, 10, kSecond, "bybit.order_create"});
  const auto amend = c.add_bucket({LimitKind::kRequests, 10, kSecond, "bybit.order_amend"});
  const auto cancel = c.add_bucket({LimitKind::kRequests, 10, kSecond, "bybit.order_cancel"});
  const auto cancel_all =
      c.add_bucket({LimitKind::kRequests, 10, kSecond, "bybit.order_cancel_all"});
  const auto batch = c.add_bucket({LimitKind::kRequests, 10, kSecond, "bybit.order_batch"});
  const auto realtime = c.add_bucket({LimitKind::kRequests, 50, kSecond, "bybit.order_realtime"});
  const auto position = c.add_bucket({LimitKind::kRequests, 50, kSecond, "bybit.position_list"});
  const auto wallet = c.add_bucket({LimitKind::kRequests, 50, kSecond, "bybit.wallet_balance"});
  const std::uint32_t ip_bit = 1U << ip;
  c.add_class(ip_bit | (1U << create));
  c.add_class(ip_bit | (1U << amend));
  c.add_class(ip_bit | (1U << cancel));
  c.add_class(ip_bit | (1U << cancel_all));
  c.add_class(ip_bit | (1U << batch));
  c.add_class(ip_bit | (1U << realtime));
  c.add_class(ip_bit | (1U << position));
  c.add_class(ip_bit | (1U << wallet));
  c.add_class(ip_bit);
  return c;
}
}  // namespace bybit

namespace hyperliquid {
RateLimiterConfig limits() noexcept {
  RateLimiterConfig c;
  c.source = "hyperliquid.md §11 Rate limits and user limits";
  const auto rest = c.add_bucket({LimitKind::kRequestWeight, 1200, kMinute, "hl.rest_weight.1m"});
  const auto ws = c.add_bucket({LimitKind::kWsMessages, 2000, kMinute, "hl.ws_messages.1m"});
  c.add_class(1U << rest);
  c.add_class(1U << ws);
  return c;
}

std::uint32_t info_weight(std::string_view type) noexcept {
  constexpr std::string_view kCheap[] = {
      "l2Book",        "allMids", "clearinghouseState", "orderStatus", "spotClearinghouseState",
      "exchangeStatus"};
  for (std::string_view cheap : kCheap) {
    if (type == cheap) return 2;
  }
  if (type == "userRole") return 60;
  return 20;
}
}  // namespace hyperliquid

namespace coinbase {
RateLimiterConfig advanced_limits() noexcept {
  RateLimiterConfig c;
  c.source = "coinbase_advanced.md §5 Rate limits (approximate)";
  const auto priv = c.add_bucket({LimitKind::kRequests, 30, kSecond, "coinbase.private"});
  const auto pub = c.add_bucket({LimitKind::kRequests, 10, kSecond, "coinbase.public"});
  c.add_class(1U << priv);
  c.add_class(1U << pub);
  return c;
}
}  // namespace coinbase

}  // namespace peregrine::gateways::net
