// Position: one signed position leg with an exact cost basis and realized PnL.
// Plain value type; owned by the strategy-core thread (Portfolio).
//
// Exactness: the cost basis and realized PnL are kept in raw price x qty units (1e-16) in
// __int128, so opening, adding and closing never round; a partial close removes basis at the
// average entry (rounded to 1e-8 once), and a full close removes exactly what is left, so a
// round trip that ends flat realizes exactly sum(sells) - sum(buys).
#pragma once

#include <cstdint>

#include "common/decimal.hpp"
#include "common/events.hpp"

namespace peregrine::engine::portfolio {

using common::Money;
using common::Price;
using common::Qty;

// raw 1e-16 -> Money (1e-8), rounded half away from zero, saturating.
[[nodiscard]] Money money_from_raw16(__int128 raw) noexcept;
[[nodiscard]] constexpr __int128 raw16_from_money(Money m) noexcept {
  return static_cast<__int128>(m.raw()) * common::kDecimalScale;
}

class Position {
 public:
  // Applies a signed fill (positive = buy). Returns the realized PnL of the closed part in
  // raw 1e-16 units. A fill larger than the position flips it: the rest opens at `price`.
  __int128 apply(Qty signed_qty, Price price) noexcept;
  // Hedge-mode leg: the leg may not cross zero (long stays >= 0, short <= 0). The part of a
  // reducing fill beyond the leg's size is not applied and is returned in *excess.
  __int128 apply_leg(Qty signed_qty, Price price, bool long_leg, Qty* excess) noexcept;

  [[nodiscard]] Qty qty() const noexcept { return qty_; }
  [[nodiscard]] bool flat() const noexcept { return qty_.is_zero(); }
  [[nodiscard]] __int128 basis_raw() const noexcept { return basis_; }
  [[nodiscard]] __int128 realized_raw() const noexcept { return realized_; }
  [[nodiscard]] Money realized() const noexcept { return money_from_raw16(realized_); }
  // Average entry price rounded to nearest 1e-8; zero when flat.
  [[nodiscard]] Price avg_entry() const noexcept;
  [[nodiscard]] __int128 unrealized_raw(Price mark) const noexcept {
    return common::notional_raw(mark, qty_) - basis_;
  }
  [[nodiscard]] Money unrealized(Price mark) const noexcept {
    return money_from_raw16(unrealized_raw(mark));
  }

 private:
  Qty qty_;
  __int128 basis_ = 0;  // signed like qty_: sum of price x signed qty of the open part
  __int128 realized_ = 0;
};

}  // namespace peregrine::engine::portfolio
