#include "gateways/net/circuit_breaker.hpp"

#include <algorithm>

namespace peregrine::gateways::net {

std::string_view to_string(BreakerState state) noexcept {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(BreakerConfig config) noexcept : config_(config) {
  config_.failure_threshold =
      std::clamp<std::uint32_t>(config_.failure_threshold, 1, BreakerConfig::kMaxThreshold);
  config_.half_open_probes = std::max<std::uint32_t>(config_.half_open_probes, 1);
}

void CircuitBreaker::transition(BreakerState to, common::Nanos now) {
  const BreakerState from = state_;
  if (from == to) return;
  state_ = to;
  if (listener_) listener_(from, to, now);
}

void CircuitBreaker::trip(common::Nanos now) {
  ++opens_;
  open_until_ = now + config_.open_ns;
  recent_count_ = 0;
  recent_head_ = 0;
  probes_admitted_ = 0;
  probes_succeeded_ = 0;
  transition(BreakerState::kOpen, now);
}

BreakerState CircuitBreaker::state(common::Nanos now) noexcept {
  if (state_ == BreakerState::kOpen && now >= open_until_) {
    probes_admitted_ = 0;
    probes_succeeded_ = 0;
    transition(BreakerState::kHalfOpen, now);
  }
  return state_;
}

bool CircuitBreaker::allow(common::Nanos now) noexcept {
  switch (state(now)) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      ++shed_;
      return false;
    case BreakerState::kHalfOpen:
      if (probes_admitted_ < config_.half_open_probes) {
        ++probes_admitted_;
        return true;
      }
      ++shed_;
      return false;
  }
  return false;
}

void CircuitBreaker::on_success(common::Nanos now) noexcept {
  if (state(now) != BreakerState::kHalfOpen) return;
  if (++probes_succeeded_ >= config_.half_open_probes) {
    recent_count_ = 0;
    recent_head_ = 0;
    transition(BreakerState::kClosed, now);
  }
}

void CircuitBreaker::on_failure(FailureKind kind, common::Nanos now) noexcept {
  if (kind == FailureKind::kRejected) return;
  ++failures_;
  switch (state(now)) {
    case BreakerState::kOpen:
      return;  // late outcome of a request sent before opening: already open
    case BreakerState::kHalfOpen:
      trip(now);
      return;
    case BreakerState::kClosed:
      break;
  }
  const std::uint32_t n = config_.failure_threshold;
  recent_[recent_head_] = now;
  recent_head_ = (recent_head_ + 1) % n;
  if (recent_count_ < n) ++recent_count_;
  // recent_head_ now points at the oldest of the last n failures (when the ring is full).
  if (recent_count_ == n && now - recent_[recent_head_] < config_.window_ns) trip(now);
}

}  // namespace peregrine::gateways::net
