// Exchange: the book, price-time matching, fills, order retirement and stop/take-profit triggers.
#include <algorithm>

#include "gateways/sim/exchange.hpp"
#include "gateways/sim/sim_math.hpp"

namespace peregrine::gateways::sim {

using common::InstrumentId;
using common::Liquidity;
using common::Money;
using common::Nanos;
using common::OrderStatus;
using common::OrderType;
using common::Price;
using common::Qty;
using common::Side;
using common::TimeInForce;

namespace {
common::BookSide book_side(Side s) noexcept {
  return s == Side::kBuy ? common::BookSide::kBid : common::BookSide::kAsk;
}
}  // namespace

std::uint32_t Exchange::alloc_node() {
  if (!free_.empty()) {
    const std::uint32_t s = free_.back();
    free_.pop_back();
    nodes_[s] = Node{};
    return s;
  }
  nodes_.emplace_back();
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

void Exchange::free_node(std::uint32_t slot) noexcept {
  // free_ has capacity for every node ever allocated once reserve() caught up; push_back here
  // only allocates when the pool itself grew, never in steady state.
  free_.push_back(slot);
}

void Exchange::link_account(Account& a, std::uint32_t slot) noexcept {
  Node& n = nodes_[slot];
  n.acc_prev = a.open_tail;
  n.acc_next = kNil;
  if (a.open_tail != kNil) {
    nodes_[a.open_tail].acc_next = slot;
  } else {
    a.open_head = slot;
  }
  a.open_tail = slot;
  ++a.open_count;
}

void Exchange::unlink_account(Account& a, std::uint32_t slot) noexcept {
  Node& n = nodes_[slot];
  if (n.acc_prev != kNil) {
    nodes_[n.acc_prev].acc_next = n.acc_next;
  } else {
    a.open_head = n.acc_next;
  }
  if (n.acc_next != kNil) {
    nodes_[n.acc_next].acc_prev = n.acc_prev;
  } else {
    a.open_tail = n.acc_prev;
  }
  n.acc_prev = n.acc_next = kNil;
  --a.open_count;
}

Exchange::Level* Exchange::find_level(InstrumentState& inst, Side side, Price price) noexcept {
  auto& v = side == Side::kBuy ? inst.bids : inst.asks;
  // Most activity is at the top: check the back before searching.
  if (!v.empty() && v.back().price == price) return &v.back();
  auto it = side == Side::kBuy
                ? std::lower_bound(v.begin(), v.end(), price,
                                   [](const Level& l, Price p) { return l.price < p; })
                : std::lower_bound(v.begin(), v.end(), price,
                                   [](const Level& l, Price p) { return l.price > p; });
  return it != v.end() && it->price == price ? &*it : nullptr;
}

void Exchange::emit_level(InstrumentId id, Side side, const Level* lvl, Price price, Nanos now) {
  if (listener_ == nullptr) return;
  listener_->on_book_level(id, book_side(side), price, lvl != nullptr ? lvl->qty : Qty{}, now);
}

void Exchange::book_insert(InstrumentState& inst, std::uint32_t slot, Nanos now) {
  Node& n = nodes_[slot];
  const SimOrder& o = n.order;
  auto& v = o.side == Side::kBuy ? inst.bids : inst.asks;
  Level* lvl = find_level(inst, o.side, o.price);
  if (lvl == nullptr) {
    auto it = o.side == Side::kBuy
                  ? std::lower_bound(v.begin(), v.end(), o.price,
                                     [](const Level& l, Price p) { return l.price < p; })
                  : std::lower_bound(v.begin(), v.end(), o.price,
                                     [](const Level& l, Price p) { return l.price > p; });
    it = v.insert(it, Level{o.price, Qty{}, 0, kNil, kNil});
    lvl = &*it;
  }
  n.prev = lvl->tail;
  n.next = kNil;
  if (lvl->tail != kNil) {
    nodes_[lvl->tail].next = slot;
  } else {
    lvl->head = slot;
  }
  lvl->tail = slot;
  ++lvl->count;
  lvl->qty += o.remaining();
  n.in_book = true;
  emit_level(o.instrument, o.side, lvl, o.price, now);
}

void Exchange::book_remove(InstrumentState& inst, std::uint32_t slot, Nanos now) noexcept {
  Node& n = nodes_[slot];
  if (!n.in_book) return;
  const SimOrder& o = n.order;
  Level* lvl = find_level(inst, o.side, o.price);
  n.in_book = false;
  if (lvl == nullptr) return;  // cannot happen: an order in the book has its level
  if (n.prev != kNil) {
    nodes_[n.prev].next = n.next;
  } else {
    lvl->head = n.next;
  }
  if (n.next != kNil) {
    nodes_[n.next].prev = n.prev;
  } else {
    lvl->tail = n.prev;
  }
  n.prev = n.next = kNil;
  lvl->qty -= o.remaining();
  --lvl->count;
  if (lvl->count == 0) {
    auto& v = o.side == Side::kBuy ? inst.bids : inst.asks;
    v.erase(v.begin() + (lvl - v.data()));
    emit_level(o.instrument, o.side, nullptr, o.price, now);
  } else {
    emit_level(o.instrument, o.side, lvl, o.price, now);
  }
}

bool Exchange::crosses(const InstrumentState& inst, const SimOrder& o) const noexcept {
  const auto& opp = o.side == Side::kBuy ? inst.asks : inst.bids;
  if (opp.empty()) return false;
  if (detail::is_market_type(o.type)) return true;
  return o.side == Side::kBuy ? opp.back().price <= o.price : opp.back().price >= o.price;
}

Qty Exchange::fillable(const InstrumentState& inst, const SimOrder& o) const noexcept {
  const auto& opp = o.side == Side::kBuy ? inst.asks : inst.bids;
  const bool market = detail::is_market_type(o.type);
  Qty want = o.remaining();
  if (o.reduce_only) {
    want = std::min(want, reducible(accounts_[o.account], o.instrument, o.side, o.position_side));
  }
  Qty got;
  for (auto it = opp.rbegin(); it != opp.rend() && got < want; ++it) {
    if (!market && (o.side == Side::kBuy ? it->price > o.price : it->price < o.price)) break;
    for (std::uint32_t s = it->head; s != kNil && got < want; s = nodes_[s].next) {
      // Own orders are expired on contact (self-trade prevention), so they provide nothing.
      if (nodes_[s].order.account != o.account) got += nodes_[s].order.remaining();
    }
  }
  return std::min(got, want);
}

void Exchange::match(std::uint32_t taker, Nanos now) {
  const SimOrder& t = nodes_[taker].order;
  InstrumentState& inst = instruments_[t.instrument.value];
  auto& opp = t.side == Side::kBuy ? inst.asks : inst.bids;
  const bool market = detail::is_market_type(t.type);
  while (t.remaining().is_positive() && !opp.empty()) {
    const Level& lvl = opp.back();
    if (!market && (t.side == Side::kBuy ? lvl.price > t.price : lvl.price < t.price)) break;
    const std::uint32_t m = lvl.head;
    const SimOrder& mo = nodes_[m].order;
    if (mo.account == t.account) {
      // Self-trade prevention, expire-maker (Binance EXPIRE_MAKER, Bybit CancelMaker).
      close_order(m, OrderStatus::kExpired, now, true);
      continue;
    }
    Qty qty = std::min(t.remaining(), mo.remaining());
    if (t.reduce_only) {
      const Qty r = reducible(accounts_[t.account], t.instrument, t.side, t.position_side);
      if (r.is_zero()) break;
      qty = std::min(qty, r);
    }
    if (mo.reduce_only) {
      const Qty r = reducible(accounts_[mo.account], mo.instrument, mo.side, mo.position_side);
      if (r.is_zero()) {
        close_order(m, OrderStatus::kExpired, now, true);
        continue;
      }
      qty = std::min(qty, r);
    }
    execute(m, taker, qty, now);
  }
}

void Exchange::execute(std::uint32_t maker, std::uint32_t taker, Qty qty, Nanos now) {
  SimOrder& mo = nodes_[maker].order;
  InstrumentState& inst = instruments_[mo.instrument.value];
  const Price price = mo.price;
  const std::uint64_t trade_id = ++trade_seq_;
  inst.last_trade = price;
  if (listener_) {
    listener_->on_trade(mo.instrument, price, qty, nodes_[taker].order.side, trade_id, now);
  }
  Level* lvl = find_level(inst, mo.side, price);
  lvl->qty -= qty;
  apply_fill(maker, price, qty, Liquidity::kMaker, trade_id, now);
  if (mo.remaining().is_zero()) {
    close_order(maker, OrderStatus::kFilled, now, false);  // book_remove reports the level
  } else {
    emit_level(mo.instrument, mo.side, lvl, price, now);
  }
  apply_fill(taker, price, qty, Liquidity::kTaker, trade_id, now);
}

void Exchange::apply_fill(std::uint32_t slot, Price price, Qty qty, Liquidity liq,
                          std::uint64_t trade_id, Nanos now) {
  Node& n = nodes_[slot];
  SimOrder& o = n.order;
  Account& a = accounts_[o.account];
  const SimInstrumentSpec& spec = instruments_[o.instrument.value].spec;
  const Money notional = detail::notional_of(price, qty);
  o.filled += qty;
  o.filled_notional += notional;
  o.updated = now;
  o.status = o.remaining().is_zero() ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
  const Money fee = detail::fee_of(
      price, qty, liq == Liquidity::kMaker ? spec.maker_fee_ppm : spec.taker_fee_ppm);
  const Money realized =
      update_position(a, o.instrument, o.position_side, o.side, price, qty, notional);
  pos_ref(a, o.instrument, o.position_side).fees_paid += fee;
  a.wallet += realized - fee;
  if (n.in_book) set_reserved(a, n);

  SimFill f;
  f.trade_id = trade_id;
  f.order_id = o.id;
  f.client_id = o.client_id;
  f.account = o.account;
  f.instrument = o.instrument;
  f.side = o.side;
  f.price = price;
  f.qty = qty;
  f.fee = fee;
  f.liquidity = liq;
  f.realized_pnl = realized;
  f.position_side = o.position_side;
  f.ts = now;
  if (a.fills.size() < kFillsKept) {
    a.fills.push_back(f);
  } else {
    a.fills[a.fills_next] = f;
  }
  a.fills_next = (a.fills_next + 1) % kFillsKept;
  if (listener_) {
    listener_->on_fill(f);
    listener_->on_order(o);
  }
  emit_account(o.account, o.instrument, o.position_side);
}

void Exchange::close_order(std::uint32_t slot, OrderStatus status, Nanos now, bool emit) {
  Node& n = nodes_[slot];
  SimOrder& o = n.order;
  InstrumentState& inst = instruments_[o.instrument.value];
  Account& a = accounts_[o.account];
  book_remove(inst, slot, now);
  if (n.in_triggers) {
    auto it = std::find(inst.triggers.begin(), inst.triggers.end(), slot);
    if (it != inst.triggers.end()) inst.triggers.erase(it);
    n.in_triggers = false;
  }
  unlink_account(a, slot);
  a.order_margin -= n.reserved;
  n.reserved = Money{};
  o.status = status;
  o.updated = now;
  if (emit) emit_order(o);
  archive(a, o);
  free_node(slot);
}

void Exchange::archive(Account& a, const SimOrder& o) {
  const auto account = static_cast<std::uint64_t>(o.account);
  std::size_t idx = a.closed_next;
  if (a.closed.size() < kClosedOrdersKept) {
    idx = a.closed.size();
    a.closed.push_back(o);
  } else {
    // Evict the oldest closed order from both indexes before reusing its cell.
    const SimOrder& old = a.closed[idx];
    const std::uint64_t old_v = kClosedBit | (account << 32) | idx;
    static_cast<void>(by_id_.erase(old.id, old_v));
    if (!old.client_id.empty())
      static_cast<void>(by_client_.erase(client_key(old.account, old.client_id.view()), old.id));
    a.closed[idx] = o;
  }
  a.closed_next = (idx + 1) % kClosedOrdersKept;
  std::uint64_t open_v = 0;
  if (by_id_.find(o.id, &open_v)) {
    static_cast<void>(by_id_.update(o.id, open_v, kClosedBit | (account << 32) | idx));
  }
}

SubmitResult Exchange::start_order(std::uint32_t slot, Nanos now) {
  const SimOrder& o = nodes_[slot].order;
  InstrumentState& inst = instruments_[o.instrument.value];
  const OrderId id = o.id;
  const bool market = detail::is_market_type(o.type);
  const bool ioc = market || o.tif == TimeInForce::kIoc || o.tif == TimeInForce::kFok;
  const bool cross = crosses(inst, o);
  if (!market && o.tif == TimeInForce::kPostOnly && cross) {
    close_order(slot, OrderStatus::kRejected, now, true);
    return SubmitResult{SimError::kPostOnlyWouldCross, id, OrderStatus::kRejected, Qty{}};
  }
  if (o.tif == TimeInForce::kFok && fillable(inst, o) < o.remaining()) {
    close_order(slot, OrderStatus::kExpired, now, true);
    return SubmitResult{SimError::kFokNotFilled, id, OrderStatus::kExpired, Qty{}};
  }
  if (!cross && ioc) {
    close_order(slot, OrderStatus::kExpired, now, true);
    return SubmitResult{SimError::kIocNoLiquidity, id, OrderStatus::kExpired, Qty{}};
  }
  emit_order(o);
  if (cross) match(slot, now);
  const SimOrder& after = nodes_[slot].order;
  const Qty filled = after.filled;
  if (after.remaining().is_zero()) {
    close_order(slot, OrderStatus::kFilled, now, false);
    return SubmitResult{SimError::kNone, id, OrderStatus::kFilled, filled};
  }
  if (ioc) {
    close_order(slot, OrderStatus::kExpired, now, true);
    return SubmitResult{filled.is_zero() ? SimError::kIocNoLiquidity : SimError::kNone, id,
                        OrderStatus::kExpired, filled};
  }
  const OrderStatus status = after.status;
  book_insert(inst, slot, now);
  set_reserved(accounts_[after.account], nodes_[slot]);
  return SubmitResult{SimError::kNone, id, status, filled};
}

void Exchange::check_triggers(InstrumentId id, Nanos now) {
  if (in_trigger_pass_) return;  // the outer pass picks up cascades
  in_trigger_pass_ = true;
  InstrumentState& inst = instruments_[id.value];
  // Each pass fires everything hit at the current last price; firing trades and may move it,
  // so repeat until quiet. Terminates: every fired order leaves the trigger list.
  while (inst.last_trade.is_positive() && !inst.triggers.empty()) {
    trigger_scratch_.clear();
    for (const std::uint32_t s : inst.triggers) {
      const SimOrder& o = nodes_[s].order;
      if (detail::trigger_hit(o.type, o.side, o.trigger_price, inst.last_trade))
        trigger_scratch_.push_back(s);
    }
    if (trigger_scratch_.empty()) break;
    // Copy: fire_trigger may run a nested check (guarded) that reuses the scratch buffer.
    const std::vector<std::uint32_t> batch = trigger_scratch_;
    for (const std::uint32_t s : batch) {
      if (nodes_[s].in_triggers) fire_trigger(s, now);
    }
  }
  in_trigger_pass_ = false;
}

void Exchange::fire_trigger(std::uint32_t slot, Nanos now) {
  Node& n = nodes_[slot];
  SimOrder& o = n.order;
  InstrumentState& inst = instruments_[o.instrument.value];
  Account& a = accounts_[o.account];
  auto it = std::find(inst.triggers.begin(), inst.triggers.end(), slot);
  if (it != inst.triggers.end()) inst.triggers.erase(it);
  n.in_triggers = false;
  o.triggered = true;
  o.updated = now;
  const Qty can_reduce = reducible(a, o.instrument, o.side, o.position_side);
  if (o.reduce_only) {
    // Checked now rather than at submission: a protective stop may be placed before the entry.
    if (can_reduce.is_zero()) {
      close_order(slot, OrderStatus::kExpired, now, true);
      return;
    }
    o.qty = std::min(o.qty, can_reduce);
  } else {
    n.margin_qty = o.qty - std::min(o.qty, can_reduce);
    Price ref = o.price;
    if (detail::is_market_type(o.type)) {
      const auto b = best(o.instrument,
                          o.side == Side::kBuy ? common::BookSide::kAsk : common::BookSide::kBid);
      ref = b ? *b : o.trigger_price;
    }
    if (n.margin_qty.is_positive() &&
        required_margin(ref, n.margin_qty, leverage(o.account, o.instrument)) >
            balance(o.account).available) {
      close_order(slot, OrderStatus::kRejected, now, true);
      return;
    }
  }
  static_cast<void>(start_order(slot, now));
}

}  // namespace peregrine::gateways::sim
