#include "engine/oms/order_table.hpp"

namespace peregrine::engine::oms {

namespace {
constexpr std::size_t kBuy = 0;
constexpr std::size_t kSell = 1;

// Zero-sized tables would make every probe loop forever; a config of 0 means "one".
[[nodiscard]] std::size_t at_least_one(std::size_t n) noexcept { return n == 0 ? 1 : n; }
}  // namespace

Price OrderRecord::avg_price() const noexcept {
  if (!filled_qty.is_positive()) return Price{};
  const __int128 q = filled_qty.raw();
  __int128 r = fill_notional_raw / q;
  const __int128 rem = fill_notional_raw % q;
  if (rem * 2 >= q) ++r;
  return Price::from_raw(static_cast<std::int64_t>(r));
}

OrderTable::OrderTable(const OmsConfig& config, const common::InstrumentRegistry& registry)
    : recs_(at_least_one(config.max_orders)),
      by_cloid_(at_least_one(config.max_orders)),
      by_venue_id_(at_least_one(config.max_orders)),
      fills_seen_(at_least_one(config.fill_dedup_capacity)),
      fill_ring_(at_least_one(config.fill_dedup_capacity)),
      inst_(at_least_one(config.max_instruments)),
      asset_leaves_(registry.asset_count()),
      asset_notional_(registry.asset_count()),
      open_by_strategy_(at_least_one(config.max_strategies)) {
  free_.reserve(recs_.size());
  for (std::size_t i = recs_.size(); i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
  retired_.resize(recs_.size());
  for (std::size_t i = 0; i < inst_.size() && i < registry.size(); ++i) {
    inst_[i].asset = registry.asset_of(InstrumentId{static_cast<std::uint32_t>(i)});
  }
}

std::uint32_t OrderTable::slot_of(ClientOrderId cloid) const noexcept {
  const std::uint32_t* s = by_cloid_.find(cloid);
  return s == nullptr ? kNoSlot : *s;
}

std::uint32_t OrderTable::locate(ClientOrderId cloid, VenueId venue,
                                 const common::VenueOrderId& voi) const noexcept {
  if (!cloid.is_null()) {
    const std::uint32_t s = slot_of(cloid);
    if (s != kNoSlot) return s;
  }
  if (!voi.is_null()) {
    const std::uint32_t* s = by_venue_id_.find(VenueKey{voi, venue});
    if (s != nullptr) return *s;
  }
  return kNoSlot;
}

const OrderRecord* OrderTable::find(ClientOrderId cloid) const noexcept {
  const std::uint32_t s = slot_of(cloid);
  return s == kNoSlot ? nullptr : &recs_[s];
}

const OrderRecord* OrderTable::find_venue(VenueId venue,
                                          const common::VenueOrderId& id) const noexcept {
  const std::uint32_t* s = by_venue_id_.find(VenueKey{id, venue});
  return s == nullptr ? nullptr : &recs_[*s];
}

std::uint32_t OrderTable::acquire_slot() noexcept {
  if (!free_.empty()) {
    const std::uint32_t s = free_.back();
    free_.pop_back();
    return s;
  }
  if (retired_size_ == 0) return kNoSlot;
  // Recycle the longest-closed record: late fills for it are the least likely.
  const std::uint32_t s = retired_[retired_head_];
  retired_head_ = (retired_head_ + 1) % retired_.size();
  --retired_size_;
  release_slot(s);
  free_.pop_back();
  return s;
}

void OrderTable::release_slot(std::uint32_t slot) noexcept {
  OrderRecord& r = recs_[slot];
  by_cloid_.erase(r.intent.cloid);
  if (!r.venue_order_id.is_null()) {
    by_venue_id_.erase(VenueKey{r.venue_order_id, r.intent.venue});
  }
  r = OrderRecord{};
  free_.push_back(slot);
}

void OrderTable::unaccount(std::uint32_t slot) noexcept {
  const OrderRecord& r = recs_[slot];
  if (!is_open(r.status)) return;
  const std::size_t side = side_index(r.intent.side);
  InstState& is = inst_[r.intent.instrument.value];
  const Qty leaves = r.leaves();
  const __int128 notional = common::notional_raw(r.intent.price, leaves);
  is.leaves[side] -= leaves;
  if (is.asset.valid() && is.asset.value < asset_leaves_.size()) {
    asset_leaves_[is.asset.value][side] -= leaves;
    asset_notional_[is.asset.value] -= notional;
  }
  venue_notional_[common::index(r.intent.venue)] -= notional;
  if (r.intent.price.is_positive() && r.intent.price == is.best[side]) is.best_dirty[side] = true;
}

void OrderTable::account(std::uint32_t slot) noexcept {
  const OrderRecord& r = recs_[slot];
  if (!is_open(r.status)) return;
  const std::size_t side = side_index(r.intent.side);
  InstState& is = inst_[r.intent.instrument.value];
  const Qty leaves = r.leaves();
  const __int128 notional = common::notional_raw(r.intent.price, leaves);
  is.leaves[side] += leaves;
  if (is.asset.valid() && is.asset.value < asset_leaves_.size()) {
    asset_leaves_[is.asset.value][side] += leaves;
    asset_notional_[is.asset.value] += notional;
  }
  venue_notional_[common::index(r.intent.venue)] += notional;
  const Price p = r.intent.price;
  if (p.is_positive() && !is.best_dirty[side]) {
    Price& b = is.best[side];
    if (b.is_zero() || (side == kBuy ? p > b : p < b)) b = p;
  }
}

bool OrderTable::best_own_price(InstrumentId id, common::Side side, Price* out) noexcept {
  if (id.value >= inst_.size()) return false;
  InstState& is = inst_[id.value];
  const std::size_t si = side_index(side);
  if (is.best_dirty[si]) {
    Price best{};
    for (std::uint32_t i = is.head; i != kNoSlot; i = recs_[i].next_inst) {
      const OrderRecord& r = recs_[i];
      if (r.intent.side != side || !r.intent.price.is_positive()) continue;
      if (best.is_zero() || (si == kBuy ? r.intent.price > best : r.intent.price < best)) {
        best = r.intent.price;
      }
    }
    is.best[si] = best;
    is.best_dirty[si] = false;
  }
  *out = is.best[si];
  return is.best[si].is_positive();
}

OmsEvent OrderTable::finish(OmsEvent ev) noexcept {
  ++results_[static_cast<std::size_t>(ev.result)];
  return ev;
}

OmsEvent OrderTable::submit(const common::OrderIntent& intent, Nanos now) noexcept {
  OmsEvent ev;
  ev.input = OrderInput::kSubmit;
  if (intent.cloid.is_null() || !intent.qty.is_positive() ||
      intent.instrument.value >= inst_.size() ||
      intent.strategy.value >= open_by_strategy_.size()) {
    ev.result = OmsResult::kBadInput;
    return finish(ev);
  }
  if (const std::uint32_t existing = slot_of(intent.cloid); existing != kNoSlot) {
    ev.result = OmsResult::kDuplicateOrder;
    ev.slot = existing;
    ev.before = ev.after = recs_[existing].status;
    return finish(ev);
  }
  const std::uint32_t s = acquire_slot();
  if (s == kNoSlot) {
    ev.result = OmsResult::kTableFull;
    return finish(ev);
  }
  OrderRecord& r = recs_[s];
  r = OrderRecord{};
  r.intent = intent;
  r.intent.action = common::IntentAction::kNew;
  r.status = OrderStatus::kPendingNew;
  r.ts_submit = now;
  r.ts_last = now;
  r.in_use = true;
  static_cast<void>(by_cloid_.insert(intent.cloid, s));  // cannot fail: sized to max_orders

  // Append to the all-open list and to the instrument's list.
  r.prev_open = open_tail_;
  if (open_tail_ != kNoSlot) {
    recs_[open_tail_].next_open = s;
  } else {
    open_head_ = s;
  }
  open_tail_ = s;
  InstState& is = inst_[intent.instrument.value];
  r.next_inst = is.head;
  if (is.head != kNoSlot) recs_[is.head].prev_inst = s;
  is.head = s;
  ++is.open;
  ++open_by_venue_[common::index(intent.venue)];
  ++open_by_strategy_[intent.strategy.value];
  ++open_total_;
  account(s);

  ev.result = OmsResult::kApplied;
  ev.before = ev.after = OrderStatus::kPendingNew;
  ev.slot = s;
  return finish(ev);
}

// The single place a transition is applied. Aggregates are re-derived around it; a record
// that closes leaves the open lists and joins the recycling ring.
OmsEvent OrderTable::run(std::uint32_t slot, OrderInput input, Nanos now) noexcept {
  OrderRecord& r = recs_[slot];
  OmsEvent ev;
  ev.input = input;
  ev.slot = slot;
  ev.before = r.status;
  const Transition t = transition(r.status, input);
  ev.flags = t.flags;
  r.edge_flags_seen = static_cast<std::uint8_t>(r.edge_flags_seen | t.flags);
  if ((t.flags & edge_flags::kLateFill) != 0) ++late_fills_;
  switch (t.disposition) {
    case Disposition::kIllegal:
      ++illegal_[index(r.status)][index(input)];
      ++illegal_total_;
      ev.result = OmsResult::kIllegal;
      ev.after = r.status;
      return ev;
    case Disposition::kIgnore:
      ev.result = OmsResult::kIgnored;
      ev.after = r.status;
      return ev;
    case Disposition::kApply:
      break;
  }
  const OrderStatus next = resolve(t.target, r.status, r.executed().is_positive());
  const bool was_open = is_open(r.status);
  unaccount(slot);
  r.status = next;
  r.ts_last = now;
  account(slot);
  if (was_open && !is_open(next)) {
    // Leave the open lists.
    if (r.prev_open != kNoSlot) {
      recs_[r.prev_open].next_open = r.next_open;
    } else {
      open_head_ = r.next_open;
    }
    if (r.next_open != kNoSlot) {
      recs_[r.next_open].prev_open = r.prev_open;
    } else {
      open_tail_ = r.prev_open;
    }
    InstState& is = inst_[r.intent.instrument.value];
    if (r.prev_inst != kNoSlot) {
      recs_[r.prev_inst].next_inst = r.next_inst;
    } else {
      is.head = r.next_inst;
    }
    if (r.next_inst != kNoSlot) recs_[r.next_inst].prev_inst = r.prev_inst;
    r.prev_open = r.next_open = r.prev_inst = r.next_inst = kNoSlot;
    --is.open;
    --open_by_venue_[common::index(r.intent.venue)];
    --open_by_strategy_[r.intent.strategy.value];
    --open_total_;
    if (!r.retire_queued) {
      r.retire_queued = true;
      retired_[(retired_head_ + retired_size_) % retired_.size()] = slot;
      ++retired_size_;
    }
  }
  ev.result = OmsResult::kApplied;
  ev.after = next;
  return ev;
}

OmsEvent OrderTable::apply(ClientOrderId cloid, OrderInput input, Nanos now) noexcept {
  const std::uint32_t s = slot_of(cloid);
  if (s == kNoSlot || input == OrderInput::kSubmit) {
    OmsEvent ev;
    ev.input = input;
    ev.result = s == kNoSlot ? OmsResult::kUnknownOrder : OmsResult::kDuplicateOrder;
    return finish(ev);
  }
  OmsEvent ev = run(s, input, now);
  if (input == OrderInput::kAck && ev.result == OmsResult::kApplied && recs_[s].ts_ack == 0) {
    recs_[s].ts_ack = now;
    ev.ack_latency = now - recs_[s].ts_submit;
  }
  return finish(ev);
}

OmsEvent OrderTable::request_cancel(ClientOrderId cloid, Nanos now) noexcept {
  return apply(cloid, OrderInput::kCancelRequest, now);
}

OmsEvent OrderTable::request_replace(ClientOrderId cloid, Price price, Qty qty,
                                     Nanos now) noexcept {
  const std::uint32_t s = slot_of(cloid);
  if (s == kNoSlot) return apply(cloid, OrderInput::kReplaceRequest, now);
  if (!qty.is_positive() || price.is_negative()) {
    OmsEvent ev;
    ev.input = OrderInput::kReplaceRequest;
    ev.result = OmsResult::kBadInput;
    ev.slot = s;
    ev.before = ev.after = recs_[s].status;
    return finish(ev);
  }
  OmsEvent ev = run(s, OrderInput::kReplaceRequest, now);
  if (ev.result == OmsResult::kApplied) {
    recs_[s].pending_price = price;
    recs_[s].pending_qty = qty;
  }
  return finish(ev);
}

OmsEvent OrderTable::on_update(const common::OrderUpdate& u) noexcept {
  const std::uint32_t s = locate(u.cloid, u.venue, u.venue_order_id);
  OmsEvent ev;
  if (s == kNoSlot) {
    ev.result = OmsResult::kUnknownOrder;
    return finish(ev);
  }
  OrderRecord& r = recs_[s];
  if (r.venue_order_id.is_null() && !u.venue_order_id.is_null()) {
    if (by_venue_id_.insert(VenueKey{u.venue_order_id, r.intent.venue}, s)) {
      r.venue_order_id = u.venue_order_id;
    }
  }

  bool stale = false;
  if (u.filled_qty < r.venue_cum_qty) {
    // Cumulative quantity never goes backwards: an older report overtaken by a newer one.
    stale = true;
    ++stale_updates_;
  }

  OrderInput input;
  switch (u.status) {
    case OrderStatus::kNew:
      input = r.status == OrderStatus::kPendingReplace ? OrderInput::kReplaceAck : OrderInput::kAck;
      break;
    case OrderStatus::kPartiallyFilled:
    case OrderStatus::kFilled:
      input = OrderInput::kPartialFill;  // refined below from the cumulative quantity
      break;
    case OrderStatus::kCancelled:
      input = OrderInput::kCancelAck;
      break;
    case OrderStatus::kRejected:
      input = OrderInput::kReject;
      break;
    case OrderStatus::kExpired:
      input = OrderInput::kExpire;
      break;
    case OrderStatus::kPendingCancel:
      if (u.reject == common::RejectReason::kNone) {
        ev.result = OmsResult::kIgnored;  // venue echo of our own cancel request
        ev.slot = s;
        ev.before = ev.after = r.status;
        return finish(ev);
      }
      input = OrderInput::kCancelReject;
      break;
    case OrderStatus::kPendingReplace:
      if (u.reject == common::RejectReason::kNone) {
        ev.result = OmsResult::kIgnored;
        ev.slot = s;
        ev.before = ev.after = r.status;
        return finish(ev);
      }
      input = OrderInput::kReplaceReject;
      break;
    case OrderStatus::kPendingNew:
    default:
      ev.result = OmsResult::kIgnored;
      ev.slot = s;
      ev.before = ev.after = r.status;
      return finish(ev);
  }

  const bool fill_input = input == OrderInput::kPartialFill;
  if (fill_input && stale) {
    ev.result = OmsResult::kIgnored;
    ev.flags = edge_flags::kOutOfOrder;
    ev.slot = s;
    ev.before = ev.after = r.status;
    return finish(ev);
  }
  // The cumulative quantity is a fact whatever the status claims; take it before the table so
  // the fill/partial decision and kRestoreOpen see it.
  if (!stale && u.filled_qty > r.venue_cum_qty) {
    unaccount(s);
    r.venue_cum_qty = u.filled_qty;
    account(s);
    if (u.filled_qty > r.intent.qty) {
      ++overfills_;
      ev.overfill = true;
    }
  }
  if (fill_input && r.executed() >= r.intent.qty) input = OrderInput::kFill;
  if (input == OrderInput::kReject) r.reject = u.reject;

  const bool overfill = ev.overfill;
  ev = run(s, input, u.ts_recv);
  ev.overfill = overfill;
  if (stale) ev.flags = static_cast<std::uint8_t>(ev.flags | edge_flags::kOutOfOrder);
  if (ev.result == OmsResult::kApplied) {
    if (input == OrderInput::kAck && r.ts_ack == 0) {
      r.ts_ack = u.ts_recv;
      ev.ack_latency = u.ts_recv - r.ts_submit;
    }
    if (input == OrderInput::kReplaceAck) {
      unaccount(s);
      if (r.pending_qty.is_positive()) {
        r.intent.price = r.pending_price;
        r.intent.qty = r.pending_qty;
      }
      r.pending_price = Price{};
      r.pending_qty = Qty{};
      account(s);
      // The new quantity may already be covered by what has executed.
      if (r.executed() >= r.intent.qty) ev = run(s, OrderInput::kFill, u.ts_recv);
    }
  }
  if (input == OrderInput::kReplaceReject && ev.result == OmsResult::kApplied) {
    r.pending_price = Price{};
    r.pending_qty = Qty{};
  }
  return finish(ev);
}

void OrderTable::remember_fill(FillKey key) noexcept {
  FillKey& slot = fill_ring_[fill_ring_next_];
  if (slot.fill_id != 0) fills_seen_.erase(slot);  // forget the oldest when the ring is full
  slot = key;
  fill_ring_next_ = (fill_ring_next_ + 1) % fill_ring_.size();
  static_cast<void>(fills_seen_.insert(key, 1));
}

OmsEvent OrderTable::on_fill(const common::Fill& f) noexcept {
  OmsEvent ev;
  ev.input = OrderInput::kPartialFill;
  if (!f.qty.is_positive() || f.price.is_negative()) {
    ev.result = OmsResult::kBadInput;
    return finish(ev);
  }
  const std::uint32_t s = locate(f.cloid, f.venue, f.venue_order_id);
  if (s == kNoSlot) {
    ev.result = OmsResult::kUnknownOrder;
    return finish(ev);
  }
  ev.slot = s;
  OrderRecord& r = recs_[s];
  ev.before = ev.after = r.status;
  if (f.fill_id != 0) {
    const FillKey key{f.fill_id, f.venue};
    if (fills_seen_.find(key) != nullptr) {
      ev.result = OmsResult::kDuplicateFill;
      return finish(ev);
    }
    remember_fill(key);
  } else {
    ++fills_without_id_;
  }
  // A distinct fill is a fact: book it on the record whatever the state machine says, so avg
  // price and fees match what the portfolio books.
  unaccount(s);
  r.filled_qty += f.qty;
  r.fill_notional_raw += common::notional_raw(f.price, f.qty);
  r.fees += f.fee;
  ++r.fill_count;
  if (r.ts_first_fill == 0) r.ts_first_fill = f.ts_recv;
  account(s);
  const bool overfill = r.filled_qty > r.intent.qty;
  if (overfill) ++overfills_;
  const OrderInput input =
      r.executed() >= r.intent.qty ? OrderInput::kFill : OrderInput::kPartialFill;
  ev = run(s, input, f.ts_recv);
  ev.overfill = overfill;
  return finish(ev);
}

}  // namespace peregrine::engine::oms
