// RateGate (the order gateways' seam) over a RateLimiter: one request class, and the venue's
// usage headers (Binance X-MBX-USED-WEIGHT-* / X-MBX-ORDER-COUNT-*) correct its buckets.
// Owning (order gateway) thread only, like the limiter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateways/gateway_types.hpp"
#include "gateways/net/rate_limiter.hpp"

namespace peregrine::gateways::net {

class LimiterRateGate final : public RateGate {
 public:
  // `limiter` must outlive the gate; `cls` is the class every request of this gateway charges
  // (binance::kClassOrder for the order gateway).
  LimiterRateGate(RateLimiter& limiter, std::size_t cls) noexcept : limiter_(limiter), cls_(cls) {}

  [[nodiscard]] bool try_acquire(std::uint32_t weight, common::Nanos now) noexcept override {
    return limiter_.try_acquire(cls_, weight, now).allowed;
  }
  void on_usage_header(std::string_view name, std::string_view value,
                       common::Nanos now) noexcept override {
    if (limiter_.update_from_binance_header(name, value, now)) ++headers_applied_;
  }

  [[nodiscard]] std::uint64_t headers_applied() const noexcept { return headers_applied_; }

 private:
  RateLimiter& limiter_;
  std::size_t cls_;
  std::uint64_t headers_applied_ = 0;
};

}  // namespace peregrine::gateways::net
