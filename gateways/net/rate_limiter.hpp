// RateLimiter: token buckets by weight mirroring a venue's documented limits (several windows per
// venue, endpoint classes charging subsets of them), corrected from the venue's usage headers.
// Owning (order gateway) thread only; time is passed in.
//
// Why it is fast: a fixed array of at most kMaxBuckets buckets and kMaxClasses classes, each
// class a bit mask over the buckets; try_acquire refills and checks only its class's buckets with
// integer arithmetic (tokens are kept scaled by the window length, so refill is exact: no
// division, no floating point, no allocation, no branch on the number of windows beyond the mask).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/events.hpp"

namespace peregrine::gateways::net {

// What a bucket counts, so a venue header can be matched to the right bucket.
enum class LimitKind : std::uint8_t {
  kRequestWeight,  // per-IP request weight (Binance X-MBX-USED-WEIGHT, Hyperliquid REST weight)
  kOrders,         // order count (Binance X-MBX-ORDER-COUNT)
  kRequests,       // plain request count (Bybit per-endpoint, Coinbase, Bybit per-IP)
  kWsMessages,     // messages sent on websockets (Hyperliquid 2000/min)
};

struct BucketSpec {
  LimitKind kind = LimitKind::kRequests;
  std::uint32_t limit = 0;      // weight allowed per window
  common::Nanos window_ns = 0;  // window length
  std::string_view name;        // for logs and the control plane; static storage
};

struct RateLimiterConfig {
  static constexpr std::size_t kMaxBuckets = 12;
  static constexpr std::size_t kMaxClasses = 12;
  std::array<BucketSpec, kMaxBuckets> buckets{};
  std::size_t bucket_count = 0;
  // class_masks[c] bit b set: a request of class c is charged its weight on bucket b.
  std::array<std::uint32_t, kMaxClasses> class_masks{};
  std::size_t class_count = 0;
  std::string_view source;  // where the numbers come from (../shared/venues/*.md section)

  // Start-up helpers for building a config; return the new index.
  std::size_t add_bucket(BucketSpec spec) noexcept;
  std::size_t add_class(std::uint32_t mask) noexcept;
};

struct Acquire {
  bool allowed = false;
  // When not allowed: nanoseconds until the request would be allowed (if nothing else is
  // charged meanwhile); -1 when it can never be (weight above a bucket's limit, unknown class).
  common::Nanos wait_ns = 0;
};

class RateLimiter {
 public:
  // Buckets start full at time `start`.
  explicit RateLimiter(const RateLimiterConfig& config, common::Nanos start = 0) noexcept;

  // Charges `weight` on every bucket of `cls` if all of them have room, else charges nothing and
  // says how long to wait. A request that would break a limit is never sent: the caller waits or
  // denies it back to the core.
  [[nodiscard]] Acquire try_acquire(std::size_t cls, std::uint32_t weight,
                                    common::Nanos now) noexcept;

  // Same check without charging.
  [[nodiscard]] Acquire peek(std::size_t cls, std::uint32_t weight, common::Nanos now) noexcept;

  // The venue reported `used` weight in its current window for the bucket of this kind and
  // window length (Binance X-MBX-USED-WEIGHT-1M: kRequestWeight, 60 s). The venue is
  // authoritative when it says we used more than we counted (other processes on the same IP, a
  // restart); when it says less we keep our own, more conservative count, since responses to
  // requests still in flight have not been counted by the venue yet. Returns false when no
  // bucket matches.
  bool update_from_header(LimitKind kind, common::Nanos window_ns, std::uint32_t used,
                          common::Nanos now) noexcept;

  // Parses a Binance header name/value pair (X-MBX-USED-WEIGHT-<n><unit>,
  // X-MBX-ORDER-COUNT-<n><unit>, unit S/M/H/D, any case) and applies it. False when the name is
  // not one of those, the value is not a number, or no bucket matches.
  bool update_from_binance_header(std::string_view name, std::string_view value,
                                  common::Nanos now) noexcept;

  // Remaining weight in bucket b at `now` (rounded down).
  [[nodiscard]] std::uint32_t available(std::size_t bucket, common::Nanos now) noexcept;

  [[nodiscard]] std::size_t bucket_count() const noexcept { return config_.bucket_count; }
  [[nodiscard]] const BucketSpec& bucket(std::size_t b) const noexcept {
    return config_.buckets[b];
  }
  [[nodiscard]] std::uint64_t denied() const noexcept { return denied_; }
  [[nodiscard]] std::uint64_t header_corrections() const noexcept { return corrections_; }

 private:
  void refill(std::size_t b, common::Nanos now) noexcept;
  [[nodiscard]] Acquire check(std::size_t cls, std::uint32_t weight, common::Nanos now) noexcept;

  RateLimiterConfig config_;
  // tokens·window_ns: refilling dt nanoseconds adds dt·limit, exactly.
  std::array<std::int64_t, RateLimiterConfig::kMaxBuckets> scaled_{};
  std::array<common::Nanos, RateLimiterConfig::kMaxBuckets> last_{};
  std::uint64_t denied_ = 0;
  std::uint64_t corrections_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Venue presets (numbers from ../shared/venues/*.md; read the live values from the venue where
// it publishes them, e.g. Binance exchangeInfo.rateLimits, and build a config from those).

namespace binance {
// binance_usdm.md §5 "Rate limits" and §3.2 (order placement: weight 0 on IP, 1 on each order
// counter): REQUEST_WEIGHT 2400/1 min, ORDERS 300/10 s and 1200/1 min.
inline constexpr std::size_t kClassRest = 0;   // market data, account queries: IP weight
inline constexpr std::size_t kClassOrder = 1;  // new/amend order: both order counters
[[nodiscard]] RateLimiterConfig usdm_limits() noexcept;
}  // namespace binance

namespace bybit {
// bybit_v5.md §7 "Rate limits": 600 requests / 5 s per IP; per UID per endpoint, rolling 1 s:
// create/amend/cancel/cancel-all/batch 10/s, order realtime, position list, wallet balance 50/s.
inline constexpr std::size_t kClassCreate = 0;
inline constexpr std::size_t kClassAmend = 1;
inline constexpr std::size_t kClassCancel = 2;
inline constexpr std::size_t kClassCancelAll = 3;
inline constexpr std::size_t kClassBatch = 4;
inline constexpr std::size_t kClassOrderQuery = 5;  // /v5/order/realtime
inline constexpr std::size_t kClassPosition = 6;    // /v5/position/list
inline constexpr std::size_t kClassWallet = 7;      // /v5/account/wallet-balance
inline constexpr std::size_t kClassPublic = 8;      // market data: IP limit only
[[nodiscard]] RateLimiterConfig linear_limits() noexcept;
}  // namespace bybit

namespace hyperliquid {
// hyperliquid.md §11 "Rate limits and user limits": REST weight 1200/min per IP; WS 2000
// messages/min sent. The per-address action budget grows with traded volume and is not a token
// bucket: the venue's own reply (and info userRateLimit) governs it.
inline constexpr std::size_t kClassRest = 0;       // /exchange and /info: IP weight
inline constexpr std::size_t kClassWsMessage = 1;  // any message sent on a websocket
[[nodiscard]] RateLimiterConfig limits() noexcept;
// /exchange weight: 1 + floor(batch_length / 40).
[[nodiscard]] constexpr std::uint32_t exchange_weight(std::uint32_t batch_length) noexcept {
  return 1 + batch_length / 40;
}
// /info weight by request type: 2 for the cheap ones, 60 for userRole, 20 otherwise (the
// per-item surcharges of history queries are added by the caller once the reply size is known).
[[nodiscard]] std::uint32_t info_weight(std::string_view type) noexcept;
}  // namespace hyperliquid

namespace coinbase {
// coinbase_advanced.md §5 "Rate limits" (approximate, third-party aggregation): private
// ~30 requests/s per user, public ~10 requests/s per IP.
inline constexpr std::size_t kClassPrivate = 0;
inline constexpr std::size_t kClassPublic = 1;
[[nodiscard]] RateLimiterConfig advanced_limits() noexcept;
}  // namespace coinbase

}  // namespace peregrine::gateways::net
