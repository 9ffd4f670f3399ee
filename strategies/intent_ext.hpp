// Strategy-local extensions of common::OrderIntent that the engine maps to venue features.
// Any thread (constants only). Until common/events.hpp grows first-class fields for these, the
// high bits of OrderIntent::flags carry them (common uses bits 0-1); see docs/strategies.md.
#pragma once

#include <cstdint>

#include "common/events.hpp"

namespace peregrine::strategies::intent_ext {

// Route to the configured hedge account (Hyperliquid sub-account via vaultAddress) instead of
// the main account of the same venue.
inline constexpr std::uint8_t kHedgeAccount = 1u << 5;
// Hyperliquid native twapOrder: qty = total size, side, reduce-only from kReduceOnly,
// trigger_price.raw() = duration in whole minutes, kTwapRandomize = the venue's "t" flag.
// type is kMarket (a TWAP is a sequence of market slices at the venue).
inline constexpr std::uint8_t kNativeTwap = 1u << 6;
inline constexpr std::uint8_t kTwapRandomize = 1u << 7;

[[nodiscard]] constexpr bool is_native_twap(const common::OrderIntent& i) noexcept {
  return (i.flags & kNativeTwap) != 0;
}
[[nodiscard]] constexpr std::int64_t twap_minutes(const common::OrderIntent& i) noexcept {
  return i.trigger_price.raw();
}

}  // namespace peregrine::strategies::intent_ext
