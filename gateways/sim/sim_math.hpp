// Exact fixed-point helpers of the simulator (notional, fees, margin). Any thread; pure functions.
// Everything goes through __int128 so price x qty x rate never overflows or loses a digit.
#pragma once

#include <cstdint>

#include "common/decimal.hpp"
#include "common/events.hpp"

namespace peregrine::gateways::sim::detail {

// num / den rounded to nearest, halves away from zero; den > 0.
[[nodiscard]] constexpr std::int64_t div_round(__int128 num, __int128 den) noexcept {
  __int128 q = num / den;
  const __int128 r = num % den;
  const __int128 twice = r < 0 ? -2 * r : 2 * r;
  if (twice >= den) q += num < 0 ? -1 : 1;
  return static_cast<std::int64_t>(q);
}

// num / den rounded up for num >= 0; den > 0.
[[nodiscard]] constexpr std::int64_t div_ceil(__int128 num, __int128 den) noexcept {
  return static_cast<std::int64_t>((num + den - 1) / den);
}

// price x qty in quote units (1e-8), rounded half away from zero. The maker and the taker of a
// match get the very same value, which is what makes cash conservation exact.
[[nodiscard]] constexpr common::Money notional_of(common::Price p, common::Qty q) noexcept {
  return common::Money::from_raw(div_round(common::notional_raw(p, q), common::kDecimalScale));
}

// Fee = price x qty x ppm / 1e6, computed from the exact product and rounded once.
[[nodiscard]] constexpr common::Money fee_of(common::Price p, common::Qty q,
                                             std::int64_t ppm) noexcept {
  return common::Money::from_raw(div_round(
      common::notional_raw(p, q) * ppm, static_cast<__int128>(common::kDecimalScale) * 1'000'000));
}

// Initial margin |price x qty| / leverage, rounded up (the venue never under-reserves).
[[nodiscard]] constexpr common::Money margin_of(common::Price p, common::Qty q, int lev) noexcept {
  __int128 n = common::notional_raw(p, q);
  if (n < 0) n = -n;
  return common::Money::from_raw(
      div_ceil(n, static_cast<__int128>(common::kDecimalScale) * (lev > 0 ? lev : 1)));
}

[[nodiscard]] constexpr bool is_trigger_type(common::OrderType t) noexcept {
  return t == common::OrderType::kStopMarket || t == common::OrderType::kStopLimit ||
         t == common::OrderType::kTakeProfitMarket || t == common::OrderType::kTakeProfitLimit;
}
[[nodiscard]] constexpr bool has_limit_price(common::OrderType t) noexcept {
  return t == common::OrderType::kLimit || t == common::OrderType::kStopLimit ||
         t == common::OrderType::kTakeProfitLimit;
}
[[nodiscard]] constexpr bool is_market_type(common::OrderType t) noexcept {
  return t == common::OrderType::kMarket || t == common::OrderType::kStopMarket ||
         t == common::OrderType::kTakeProfitMarket;
}
// Would a trigger order fire at `ref`? Stops fire when the price moves against the position they
// protect (buy: rises to the trigger), take-profits when it moves in favour (sell: rises to it).
[[nodiscard]] constexpr bool trigger_hit(common::OrderType t, common::Side s, common::Price trigger,
                                         common::Price ref) noexcept {
  const bool stop = t == common::OrderType::kStopMarket || t == common::OrderType::kStopLimit;
  const bool rises = (s == common::Side::kBuy) == stop;
  return rises ? ref >= trigger : ref <= trigger;
}

}  // namespace peregrine::gateways::sim::detail
