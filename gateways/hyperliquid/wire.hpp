// Hyperliquid price/size wire rules (venue doc §5): which Price/Qty values are valid for an
// asset, their exact wire strings, and rounding onto a valid value. Any thread; no allocation.
//
// Rules: size has at most szDecimals decimals; price has at most (6 perp | 8 spot) - szDecimals
// decimals and at most 5 significant figures, except that integer prices are always valid.
// Wire strings are the shortest exact decimal: no exponent, no trailing zeros, never "-0".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/decimal.hpp"
#include "common/result.hpp"

namespace peregrine::gateways::hyperliquid {

enum class Market : std::uint8_t { kPerp, kSpot };

enum class WireError : std::uint8_t {
  kOk = 0,
  kNonPositive,      // prices and sizes must be > 0
  kTooManyDecimals,  // finer than the asset allows
  kTooManySigFigs,   // > 5 significant figures on a non-integer price
  kBadSzDecimals,    // szDecimals outside 0..8 (or above the market's max decimals)
  kRoundsToZero,     // rounding onto the grid left nothing
  kOverflow,
};
[[nodiscard]] std::string_view to_string(WireError e) noexcept;

inline constexpr int kMaxSigFigs = 5;
[[nodiscard]] constexpr int max_price_decimals(int sz_decimals, Market m) noexcept {
  const int d = (m == Market::kPerp ? 6 : 8) - sz_decimals;
  return d < 0 ? 0 : d;
}

// Number of decimals in the shortest rendering of `raw` (0..8).
[[nodiscard]] int decimals_of(std::int64_t raw) noexcept;
// Significant figures of a non-integer value as the venue counts them (leading zeros excluded).
[[nodiscard]] int sig_figs_of(std::int64_t raw) noexcept;

[[nodiscard]] WireError check_price(common::Price px, int sz_decimals, Market m) noexcept;
[[nodiscard]] WireError check_size(common::Qty sz, int sz_decimals) noexcept;

// Writes the wire string of a valid value into `out` (>= common::kDecimalMaxChars bytes) and
// returns its length, or an error saying why the value is not valid for the asset.
[[nodiscard]] common::Result<std::size_t, WireError> price_to_wire(common::Price px,
                                                                   int sz_decimals, Market m,
                                                                   char* out) noexcept;
[[nodiscard]] common::Result<std::size_t, WireError> size_to_wire(common::Qty sz, int sz_decimals,
                                                                  char* out) noexcept;

// Rounds onto the nearest valid price in `mode` direction (choose kDown for bids, kUp for asks
// when being conservative; kTowardZero mirrors the TS SDK's formatPrice). Sign is preserved.
[[nodiscard]] common::Result<common::Price, WireError> round_price(common::Price px,
                                                                   int sz_decimals, Market m,
                                                                   common::RoundMode mode) noexcept;
[[nodiscard]] common::Result<common::Qty, WireError> round_size(common::Qty sz, int sz_decimals,
                                                                common::RoundMode mode) noexcept;

}  // namespace peregrine::gateways::hyperliquid
