// Backoff: jittered exponential reconnect delays (base·2^n capped, jitter from an injected Rng),
// reset once a connection has stayed up long enough. Owning (gateway) thread only.
#pragma once

#include <cstdint>

#include "common/events.hpp"
#include "common/rng.hpp"

namespace peregrine::gateways::net {

struct BackoffPolicy {
  common::Nanos base_ns = 100'000'000;    // first retry after ~100 ms
  common::Nanos cap_ns = 30'000'000'000;  // never wait more than 30 s
  // Fraction of each delay that is randomized, in 1/1000: the delay is drawn uniformly from
  // [d·(1 − j), d] so a fleet of clients dropped together does not reconnect in lockstep.
  std::uint32_t jitter_permille = 500;
  // A connection that stayed open this long counts as healthy: the next failure starts over.
  common::Nanos reset_after_ns = 30'000'000'000;
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}) noexcept : policy_(policy) {}

  // Delay before the next attempt; advances the attempt count. Draws once from `rng` when
  // jitter is on, so a test with the same seed sees the same sequence.
  [[nodiscard]] common::Nanos next_delay(common::Rng& rng) noexcept;

  // The un-jittered delay for attempt n (0-based): min(cap, base·2^n).
  [[nodiscard]] common::Nanos ceiling(std::uint32_t attempt) const noexcept;

  void on_connected(common::Nanos now) noexcept { connected_at_ = now; }
  // Resets the attempt count if the connection that just dropped had been up long enough.
  void on_disconnected(common::Nanos now) noexcept;
  void reset() noexcept { attempt_ = 0; }

  [[nodiscard]] std::uint32_t attempt() const noexcept { return attempt_; }
  [[nodiscard]] const BackoffPolicy& policy() const noexcept { return policy_; }

 private:
  BackoffPolicy policy_;
  std::uint32_t attempt_ = 0;
  common::Nanos connected_at_ = -1;
};

}  // namespace peregrine::gateways::net
