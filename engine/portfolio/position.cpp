#include "engine/portfolio/position.hpp"

#include <limits>

namespace peregrine::engine::portfolio {

Money money_from_raw16(__int128 raw) noexcept {
  constexpr __int128 kScale = common::kDecimalScale;
  const bool neg = raw < 0;
  const __int128 mag = neg ? -raw : raw;
  __int128 q = mag / kScale;
  if ((mag % kScale) * 2 >= kScale) ++q;
  constexpr __int128 kMax = std::numeric_limits<std::int64_t>::max();
  if (q > kMax) q = kMax;
  return Money::from_raw(static_cast<std::int64_t>(neg ? -q : q));
}

Price Position::avg_entry() const noexcept {
  if (qty_.is_zero()) return Price{};
  const __int128 q = qty_.raw();
  const __int128 b = basis_;
  // basis and qty share a sign, so the quotient is the positive entry price.
  __int128 r = b / q;
  const __int128 rem = b % q;
  const __int128 rem_abs = rem < 0 ? -rem : rem;
  const __int128 q_abs = q < 0 ? -q : q;
  if (rem_abs * 2 >= q_abs) ++r;
  return Price::from_raw(static_cast<std::int64_t>(r));
}

__int128 Position::apply(Qty signed_qty, Price price) noexcept {
  if (signed_qty.is_zero()) return 0;
  const bool same_direction = qty_.is_zero() || (qty_.is_positive() == signed_qty.is_positive());
  if (same_direction) {
    qty_ += signed_qty;
    basis_ += common::notional_raw(price, signed_qty);
    return 0;
  }
  // Closing part, signed like the position.
  const Qty fill_abs = signed_qty.abs();
  const Qty pos_abs = qty_.abs();
  const bool full = fill_abs >= pos_abs;
  const Qty closed = full ? qty_ : -signed_qty;
  const __int128 removed = full ? basis_ : common::notional_raw(avg_entry(), closed);
  const __int128 pnl = common::notional_raw(price, closed) - removed;
  realized_ += pnl;
  qty_ -= closed;
  basis_ -= removed;
  const Qty rest = signed_qty + closed;  // opposite signs: what is left opens the other way
  if (!rest.is_zero()) {
    qty_ = rest;
    basis_ = common::notional_raw(price, rest);
  }
  return pnl;
}

__int128 Position::apply_leg(Qty signed_qty, Price price, bool long_leg, Qty* excess) noexcept {
  *excess = Qty{};
  const bool opening = long_leg ? signed_qty.is_positive() : signed_qty.is_negative();
  if (opening || signed_qty.is_zero()) return apply(signed_qty, price);
  const Qty room = qty_.abs();
  if (signed_qty.abs() > room) {
    *excess = signed_qty.abs() - room;
    signed_qty = long_leg ? -room : room;
  }
  return apply(signed_qty, price);
}

}  // namespace peregrine::engine::portfolio
