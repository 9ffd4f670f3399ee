// Exchange: positions (one-way and hedge), realized PnL, cross margin and balance reporting.
#include <algorithm>
#include <cstdlib>

#include "gateways/sim/exchange.hpp"
#include "gateways/sim/sim_math.hpp"

namespace peregrine::gateways::sim {

using common::InstrumentId;
using common::Money;
using common::PositionSide;
using common::Price;
using common::Qty;
using common::Side;

namespace {
std::size_t pos_index(InstrumentId id, PositionSide ps) noexcept {
  return static_cast<std::size_t>(id.value) * 3 + static_cast<std::size_t>(ps);
}
}  // namespace

SimPosition& Exchange::pos_ref(Account& a, InstrumentId id, PositionSide ps) {
  const std::size_t need = instruments_.size() * 3;
  if (a.positions.size() < need) a.positions.resize(need);
  SimPosition& p = a.positions[pos_index(id, ps)];
  p.side = ps;
  return p;
}

const SimPosition* Exchange::pos_ptr(const Account& a, InstrumentId id,
                                     PositionSide ps) const noexcept {
  const std::size_t i = pos_index(id, ps);
  return i < a.positions.size() ? &a.positions[i] : nullptr;
}

Qty Exchange::reducible(const Account& a, InstrumentId id, Side side,
                        PositionSide ps) const noexcept {
  const SimPosition* p = pos_ptr(a, id, ps);
  if (p == nullptr) return Qty{};
  const std::int64_t q = p->qty.raw();
  // A buy reduces a short, a sell reduces a long (the same rule covers both hedge legs, whose
  // signs are fixed: kLong >= 0, kShort <= 0).
  if (side == Side::kBuy && q < 0) return Qty::from_raw(-q);
  if (side == Side::kSell && q > 0) return Qty::from_raw(q);
  return Qty{};
}

Money Exchange::required_margin(Price price, Qty qty, int lev) const noexcept {
  return detail::margin_of(price, qty, lev);
}

void Exchange::set_reserved(Account& a, Node& n) {
  Money want;
  if (n.in_book) {
    const Qty q = std::min(n.order.remaining(), n.margin_qty);
    if (q.is_positive()) {
      want = required_margin(n.order.price, q, leverage(n.order.account, n.order.instrument));
    }
  }
  a.order_margin += want - n.reserved;
  n.reserved = want;
}

Money Exchange::update_position(Account& a, InstrumentId id, PositionSide ps, Side side,
                                Price price, Qty qty, Money notional) {
  SimPosition& p = pos_ref(a, id, ps);
  const std::int64_t sign = side == Side::kBuy ? 1 : -1;
  const std::int64_t q_old = p.qty.raw();
  Money realized;
  if (q_old == 0 || (q_old > 0) == (sign > 0)) {
    p.qty += Qty::from_raw(sign * qty.raw());
    p.cost_basis += sign > 0 ? notional : -notional;
  } else {
    const std::int64_t held = std::llabs(q_old);
    const std::int64_t close = std::min(qty.raw(), held);
    const Money close_notional =
        close == qty.raw() ? notional : detail::notional_of(price, Qty::from_raw(close));
    // The closed share of the cost basis; exact when the whole position closes.
    const Money released = Money::from_raw(
        close == held ? p.cost_basis.raw()
                      : detail::div_round(static_cast<__int128>(p.cost_basis.raw()) * close, held));
    const Money cash = sign > 0 ? -close_notional : close_notional;
    realized = cash - released;
    p.cost_basis -= released;
    p.qty += Qty::from_raw(sign * close);
    if (close < qty.raw()) {
      // One-way flip: the rest opens a new position at this fill's price.
      const Money open_notional = notional - close_notional;
      p.qty += Qty::from_raw(sign * (qty.raw() - close));
      p.cost_basis = sign > 0 ? open_notional : -open_notional;
    }
    p.realized_pnl += realized;
  }
  if (p.qty.is_zero()) {
    p.entry_price = Price{};
    p.cost_basis = Money{};
  } else {
    p.entry_price = Price::from_raw(detail::div_round(
        static_cast<__int128>(std::llabs(p.cost_basis.raw())) * common::kDecimalScale,
        std::llabs(p.qty.raw())));
  }
  return realized;
}

void Exchange::emit_order(const SimOrder& o) {
  if (listener_) listener_->on_order(o);
}

void Exchange::emit_account(AccountId a, InstrumentId id, PositionSide ps) {
  if (listener_ == nullptr) return;
  listener_->on_position(a, id, position(a, id, ps));
  listener_->on_balance(a, balance(a));
}

SimPosition Exchange::position(AccountId account, InstrumentId instrument,
                               PositionSide side) const noexcept {
  SimPosition p;
  p.side = side;
  if (valid_account(account) && valid_instrument(instrument)) {
    const SimPosition* s = pos_ptr(accounts_[account], instrument, side);
    if (s != nullptr) p = *s;
    p.side = side;
    p.leverage = leverage(account, instrument);
  }
  return p;
}

SimBalance Exchange::balance(AccountId account) const noexcept {
  SimBalance b;
  if (!valid_account(account)) return b;
  const Account& a = accounts_[account];
  b.wallet = a.wallet;
  Money pos_margin;
  const std::size_t n = std::min(a.positions.size(), instruments_.size() * 3);
  for (std::size_t i = 0; i < n; ++i) {
    const SimPosition& p = a.positions[i];
    if (p.qty.is_zero()) continue;
    const InstrumentId id{static_cast<std::uint32_t>(i / 3)};
    Price mark = mark_price(id);
    if (!mark.is_positive()) mark = p.entry_price;
    b.unrealized += p.unrealized(mark);
    pos_margin += detail::margin_of(mark, p.qty, leverage(account, id));
  }
  b.margin_used = pos_margin + a.order_margin;
  b.available = b.wallet + b.unrealized - b.margin_used;
  return b;
}

}  // namespace peregrine::gateways::sim
