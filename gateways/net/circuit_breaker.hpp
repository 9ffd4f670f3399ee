// CircuitBreaker: stops sending to a failing venue (closed → open after `failure_threshold`
// failures within a rolling window; open → half-open after `open_ns`; half-open → closed after
// `half_open_probes` successes, back to open on any failure). Owning (gateway) thread only; time
// is passed in. The gateway maps open to VenueStatus kDown so the core stops routing there.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "common/events.hpp"

namespace peregrine::gateways::net {

enum class BreakerState : std::uint8_t { kClosed, kOpen, kHalfOpen };
[[nodiscard]] std::string_view to_string(BreakerState state) noexcept;

enum class FailureKind : std::uint8_t {
  kError,        // transport error, 5xx
  kTimeout,      // no answer in time
  kRateLimited,  // 429/418, Bybit 10006: the venue asks us to slow down
  kRejected,     // a business reject: counted, never trips the breaker (the venue is healthy)
};

struct BreakerConfig {
  static constexpr std::uint32_t kMaxThreshold = 64;
  std::uint32_t failure_threshold = 5;  // failures within window_ns that open the breaker
  common::Nanos window_ns = 10'000'000'000;
  common::Nanos open_ns = 5'000'000'000;  // how long to stay open before probing
  std::uint32_t half_open_probes = 1;     // successes needed (and requests let through)
};

class CircuitBreaker {
 public:
  // Called on every state change, on the owning thread, from inside the call that caused it.
  using Listener = std::function<void(BreakerState from, BreakerState to, common::Nanos now)>;

  explicit CircuitBreaker(BreakerConfig config = {}) noexcept;

  void set_listener(Listener listener) { listener_ = std::move(listener); }

  // May a request go out now? Moves open → half-open once open_ns has passed. In half-open it
  // admits at most half_open_probes requests until their outcomes are known.
  [[nodiscard]] bool allow(common::Nanos now) noexcept;

  void on_success(common::Nanos now) noexcept;
  void on_failure(FailureKind kind, common::Nanos now) noexcept;
  void on_timeout(common::Nanos now) noexcept { on_failure(FailureKind::kTimeout, now); }

  // State as of `now` (applies the open → half-open timeout without admitting anything).
  [[nodiscard]] BreakerState state(common::Nanos now) noexcept;
  [[nodiscard]] BreakerState state() const noexcept { return state_; }

  [[nodiscard]] std::uint64_t failures() const noexcept { return failures_; }
  [[nodiscard]] std::uint64_t opens() const noexcept { return opens_; }
  [[nodiscard]] std::uint64_t rejected_while_open() const noexcept { return shed_; }

 private:
  void transition(BreakerState to, common::Nanos now);
  void trip(common::Nanos now);

  BreakerConfig config_;
  BreakerState state_ = BreakerState::kClosed;
  // Timestamps of the most recent failures, a ring of failure_threshold entries: the breaker
  // trips when the oldest of them is still inside the window.
  std::array<common::Nanos, BreakerConfig::kMaxThreshold> recent_{};
  std::uint32_t recent_count_ = 0;
  std::uint32_t recent_head_ = 0;
  common::Nanos open_until_ = 0;
  std::uint32_t probes_admitted_ = 0;
  std::uint32_t probes_succeeded_ = 0;
  std::uint64_t failures_ = 0;
  std::uint64_t opens_ = 0;
  std::uint64_t shed_ = 0;
  Listener listener_;
};

}  // namespace peregrine::gateways::net
