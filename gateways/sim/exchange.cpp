// Exchange: start-up, order entry (submit / cancel / modify), timers and queries.
#include "gateways/sim/exchange.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "gateways/sim/sim_math.hpp"

namespace peregrine::gateways::sim {

using common::InstrumentId;
using common::Money;
using common::Nanos;
using common::OrderStatus;
using common::OrderType;
using common::PositionSide;
using common::Price;
using common::Qty;
using common::Side;
using common::TimeInForce;
using detail::has_limit_price;
using detail::is_trigger_type;
using detail::trigger_hit;

Exchange::Exchange(std::string venue_name) : venue_name_(std::move(venue_name)) {
  nodes_.reserve(1024);
  free_.reserve(1024);
}

InstrumentId Exchange::add_instrument(const SimInstrumentSpec& spec) {
  if (!spec.tick.is_positive()) throw std::invalid_argument("sim instrument: tick must be > 0");
  if (!spec.lot.is_positive()) throw std::invalid_argument("sim instrument: lot must be > 0");
  if (spec.symbol.empty()) throw std::invalid_argument("sim instrument: empty symbol");
  if (find_instrument(spec.symbol))
    throw std::invalid_argument("sim instrument: duplicate symbol " + spec.symbol);
  InstrumentState st;
  st.spec = spec;
  if (st.spec.max_leverage <= 0) st.spec.max_leverage = kDefaultLeverage;
  st.bids.reserve(64);
  st.asks.reserve(64);
  instruments_.push_back(std::move(st));
  return InstrumentId{static_cast<std::uint32_t>(instruments_.size() - 1)};
}

AccountId Exchange::add_account(std::string name, Money initial_balance, bool hedge_mode) {
  Account a;
  a.name = std::move(name);
  a.hedge = hedge_mode;
  a.wallet = initial_balance;
  accounts_.push_back(std::move(a));
  return static_cast<AccountId>(accounts_.size() - 1);
}

void Exchange::deposit(AccountId account, Money amount) {
  if (!valid_account(account)) return;
  accounts_[account].wallet += amount;
  if (listener_) listener_->on_balance(account, balance(account));
}

void Exchange::set_max_open_orders(AccountId account, std::size_t n) noexcept {
  if (valid_account(account)) accounts_[account].max_open = n;
}

std::uint64_t Exchange::client_key(AccountId a, std::string_view cid) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ (std::uint64_t{a} * 0x9e3779b97f4a7c15ULL);
  for (const char c : cid) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint32_t Exchange::open_slot(OrderId id) const noexcept {
  std::uint64_t v = 0;
  if (!by_id_.find(id, &v) || (v & kClosedBit) != 0) return kNil;
  return static_cast<std::uint32_t>(v);
}

SimError Exchange::validate(const OrderRequest& req, PositionSide* ps) const noexcept {
  if (!valid_account(req.account)) return SimError::kUnknownAccount;
  if (!valid_instrument(req.instrument)) return SimError::kUnknownInstrument;
  const Account& a = accounts_[req.account];
  const InstrumentState& inst = instruments_[req.instrument.value];
  if (req.type == OrderType::kTrailingStopMarket) return SimError::kUnsupportedOrderType;
  if (!req.qty.is_positive()) return SimError::kQtyNotPositive;
  if (!req.qty.on_grid(inst.spec.lot)) return SimError::kQtyOffLot;
  if (has_limit_price(req.type)) {
    if (!req.price.is_positive()) return SimError::kPriceNotPositive;
    if (!req.price.on_grid(inst.spec.tick)) return SimError::kPriceOffTick;
  }
  if (is_trigger_type(req.type)) {
    if (!req.trigger_price.is_positive() || !req.trigger_price.on_grid(inst.spec.tick))
      return SimError::kInvalidTrigger;
    const Price ref = inst.last_trade.is_positive() ? inst.last_trade : mark_price(req.instrument);
    if (ref.is_positive() && trigger_hit(req.type, req.side, req.trigger_price, ref))
      return SimError::kInvalidTrigger;
  }
  if (a.hedge) {
    if (req.position_side == PositionSide::kBoth) return SimError::kInvalidPositionSide;
  } else if (req.position_side != PositionSide::kBoth) {
    return SimError::kInvalidPositionSide;
  }
  *ps = req.position_side;
  if (a.open_count >= a.max_open) return SimError::kMaxOpenOrders;
  if (!req.client_id.empty()) {
    const std::string_view cid = req.client_id.view();
    std::uint64_t found = 0;
    const bool dup = by_client_.find_if(
        client_key(req.account, cid),
        [&](std::uint64_t id) {
          const std::uint32_t slot = open_slot(id);
          return slot != kNil && nodes_[slot].order.account == req.account &&
                 nodes_[slot].order.client_id == cid;
        },
        &found);
    if (dup) return SimError::kDuplicateClientId;
  }
  return SimError::kNone;
}

SubmitResult Exchange::submit(const OrderRequest& req, Nanos now) {
  PositionSide ps = PositionSide::kBoth;
  const SimError err = validate(req, &ps);
  if (err != SimError::kNone) return SubmitResult{err, 0, OrderStatus::kRejected, Qty{}};
  Account& a = accounts_[req.account];
  InstrumentState& inst = instruments_[req.instrument.value];
  const bool trigger = is_trigger_type(req.type);
  const bool market = req.type == OrderType::kMarket || req.type == OrderType::kStopMarket ||
                      req.type == OrderType::kTakeProfitMarket;
  // In hedge mode the closing side of a position side can only ever reduce it (Binance: SELL
  // LONG closes), so it is treated as reduce-only.
  const bool closing = a.hedge && ((ps == PositionSide::kLong && req.side == Side::kSell) ||
                                   (ps == PositionSide::kShort && req.side == Side::kBuy));
  const bool reduce_only = req.reduce_only || closing;
  Qty qty = req.qty;
  const Qty can_reduce = reducible(a, req.instrument, req.side, ps);
  if (reduce_only && !trigger) {
    const SimPosition* p = pos_ptr(a, req.instrument, ps);
    if (p == nullptr || p->qty.is_zero()) {
      return SubmitResult{SimError::kReduceOnlyNoPosition, 0, OrderStatus::kRejected, Qty{}};
    }
    if (can_reduce.is_zero()) {
      return SubmitResult{SimError::kReduceOnlyWouldIncrease, 0, OrderStatus::kRejected, Qty{}};
    }
    qty = std::min(qty, can_reduce);
  }
  // The price the order is valued at for min-notional and margin.
  Price ref = req.price;
  if (req.type == OrderType::kMarket) {
    const auto b = best(req.instrument,
                        req.side == Side::kBuy ? common::BookSide::kAsk : common::BookSide::kBid);
    ref = b ? *b : Price{};
  } else if (market) {
    ref = req.trigger_price;
  }
  if (!reduce_only && !req.exempt_min_notional && ref.is_positive() &&
      detail::notional_of(ref, qty) < inst.spec.min_notional) {
    return SubmitResult{SimError::kBelowMinNotional, 0, OrderStatus::kRejected, Qty{}};
  }
  const Qty margin_qty = reduce_only ? Qty{} : qty - std::min(qty, can_reduce);
  if (!trigger && margin_qty.is_positive() && ref.is_positive()) {
    const Money need = required_margin(ref, margin_qty, leverage(req.account, req.instrument));
    if (need > balance(req.account).available) {
      return SubmitResult{SimError::kInsufficientMargin, 0, OrderStatus::kRejected, Qty{}};
    }
  }

  const std::uint32_t slot = alloc_node();
  Node& n = nodes_[slot];
  SimOrder& o = n.order;
  o = SimOrder{};
  o.id = next_order_id_++;
  o.client_id = req.client_id;
  o.account = req.account;
  o.instrument = req.instrument;
  o.side = req.side;
  o.type = req.type;
  o.tif = req.tif;
  o.position_side = ps;
  o.price = has_limit_price(req.type) ? req.price : Price{};
  o.trigger_price = trigger ? req.trigger_price : Price{};
  o.qty = qty;
  o.status = OrderStatus::kNew;
  o.reduce_only = reduce_only;
  o.created = now;
  o.updated = now;
  n.margin_qty = margin_qty;
  n.reserved = Money{};
  by_id_.insert(o.id, slot);
  if (!o.client_id.empty()) by_client_.insert(client_key(o.account, o.client_id.view()), o.id);
  link_account(a, slot);

  if (trigger) {
    n.in_triggers = true;
    inst.triggers.push_back(slot);
    emit_order(o);
    return SubmitResult{SimError::kNone, o.id, OrderStatus::kNew, Qty{}};
  }
  const SubmitResult r = start_order(slot, now);
  check_triggers(req.instrument, now);
  return r;
}

SimError Exchange::cancel(AccountId account, InstrumentId instrument, OrderId id, Nanos now) {
  if (!valid_account(account)) return SimError::kUnknownAccount;
  if (!valid_instrument(instrument)) return SimError::kUnknownInstrument;
  const std::uint32_t slot = open_slot(id);
  if (slot == kNil) {
    const SimOrder* o = find_order(account, id);
    return o != nullptr && o->instrument == instrument ? SimError::kOrderNotOpen
                                                       : SimError::kUnknownOrder;
  }
  const SimOrder& o = nodes_[slot].order;
  if (o.account != account || o.instrument != instrument) return SimError::kUnknownOrder;
  close_order(slot, OrderStatus::kCancelled, now, true);
  return SimError::kNone;
}

SimError Exchange::cancel_by_client_id(AccountId account, InstrumentId instrument,
                                       std::string_view client_id, Nanos now) {
  if (!valid_account(account)) return SimError::kUnknownAccount;
  if (!valid_instrument(instrument)) return SimError::kUnknownInstrument;
  if (client_id.size() > kMaxClientIdLen) return SimError::kUnknownOrder;
  const SimOrder* o = find_by_client_id(account, client_id);
  if (o == nullptr || o->instrument != instrument) return SimError::kUnknownOrder;
  if (!o->is_open()) return SimError::kOrderNotOpen;
  return cancel(account, instrument, o->id, now);
}

SubmitResult Exchange::modify(AccountId account, InstrumentId instrument, OrderId id,
                              Price new_price, Qty new_qty, Nanos now) {
  auto fail = [](SimError e) { return SubmitResult{e, 0, OrderStatus::kRejected, Qty{}}; };
  if (!valid_account(account)) return fail(SimError::kUnknownAccount);
  if (!valid_instrument(instrument)) return fail(SimError::kUnknownInstrument);
  const std::uint32_t slot = open_slot(id);
  if (slot == kNil) {
    const SimOrder* o = find_order(account, id);
    return fail(o != nullptr ? SimError::kOrderNotOpen : SimError::kUnknownOrder);
  }
  Node& n = nodes_[slot];
  SimOrder& o = n.order;
  if (o.account != account || o.instrument != instrument) return fail(SimError::kUnknownOrder);
  InstrumentState& inst = instruments_[instrument.value];
  Account& a = accounts_[account];
  const bool limit = has_limit_price(o.type);
  if (!limit) new_price = o.price;  // market-type triggers have no price to amend
  if (!new_qty.is_positive()) return fail(SimError::kQtyNotPositive);
  if (!new_qty.on_grid(inst.spec.lot)) return fail(SimError::kQtyOffLot);
  if (limit && !new_price.is_positive()) return fail(SimError::kPriceNotPositive);
  if (limit && !new_price.on_grid(inst.spec.tick)) return fail(SimError::kPriceOffTick);
  if (new_qty <= o.filled) return fail(SimError::kQtyNotPositive);
  const Qty can_reduce = reducible(a, instrument, o.side, o.position_side);
  if (o.reduce_only && !n.in_triggers) {
    if (can_reduce.is_zero()) return fail(SimError::kReduceOnlyWouldIncrease);
    new_qty = std::min(new_qty, o.filled + can_reduce);
  }
  const Price value_at = limit ? new_price : o.trigger_price;
  if (!o.reduce_only && detail::notional_of(value_at, new_qty) < inst.spec.min_notional)
    return fail(SimError::kBelowMinNotional);
  const Qty new_remaining = new_qty - o.filled;
  const Qty margin_qty =
      o.reduce_only ? Qty{} : new_remaining - std::min(new_remaining, can_reduce);
  if (!n.in_triggers && margin_qty.is_positive()) {
    const Money need = required_margin(new_price, margin_qty, leverage(account, instrument));
    if (need - n.reserved > balance(account).available) return fail(SimError::kInsufficientMargin);
  }
  SimOrder probe = o;
  probe.price = new_price;
  if (n.in_book && o.tif == TimeInForce::kPostOnly && new_price != o.price &&
      crosses(inst, probe)) {
    return fail(SimError::kPostOnlyWouldCross);
  }

  n.margin_qty = margin_qty;
  if (n.in_triggers) {
    o.price = new_price;
    o.qty = new_qty;
    o.updated = now;
    emit_order(o);
    return SubmitResult{SimError::kNone, o.id, o.status, o.filled};
  }
  if (new_price == o.price && new_qty <= o.qty) {
    // Shrinking in place keeps time priority.
    Level* lvl = find_level(inst, o.side, o.price);
    const Qty cut = o.qty - new_qty;
    o.qty = new_qty;
    o.updated = now;
    set_reserved(a, n);
    emit_order(o);
    if (lvl != nullptr && cut.is_positive()) {
      lvl->qty -= cut;
      emit_level(instrument, o.side, lvl, lvl->price, now);
    }
    return SubmitResult{SimError::kNone, o.id, o.status, o.filled};
  }
  book_remove(inst, slot, now);
  o.price = new_price;
  o.qty = new_qty;
  o.updated = now;
  emit_order(o);
  const OrderId oid = o.id;
  if (crosses(inst, o)) match(slot, now);
  SubmitResult r{SimError::kNone, oid, OrderStatus::kNew, Qty{}};
  if (nodes_[slot].order.remaining().is_zero()) {
    r.status = OrderStatus::kFilled;
    r.filled = nodes_[slot].order.filled;
    close_order(slot, OrderStatus::kFilled, now, false);
  } else {
    book_insert(inst, slot, now);
    set_reserved(a, nodes_[slot]);
    r.status = nodes_[slot].order.status;
    r.filled = nodes_[slot].order.filled;
  }
  check_triggers(instrument, now);
  return r;
}

std::size_t Exchange::cancel_all(AccountId account, std::optional<InstrumentId> instrument,
                                 Nanos now) {
  if (!valid_account(account)) return 0;
  std::vector<std::uint32_t> victims;
  for (std::uint32_t s = accounts_[account].open_head; s != kNil; s = nodes_[s].acc_next) {
    if (!instrument || nodes_[s].order.instrument == *instrument) victims.push_back(s);
  }
  for (const std::uint32_t s : victims) close_order(s, OrderStatus::kCancelled, now, true);
  return victims.size();
}

SimError Exchange::set_leverage(AccountId account, InstrumentId instrument, int lev) {
  if (!valid_account(account)) return SimError::kUnknownAccount;
  if (!valid_instrument(instrument)) return SimError::kUnknownInstrument;
  if (lev < 1 || lev > instruments_[instrument.value].spec.max_leverage)
    return SimError::kInvalidLeverage;
  Account& a = accounts_[account];
  if (a.leverage.size() < instruments_.size()) a.leverage.resize(instruments_.size(), 0);
  a.leverage[instrument.value] = lev;
  for (std::uint32_t s = a.open_head; s != kNil; s = nodes_[s].acc_next) {
    if (nodes_[s].order.instrument == instrument) set_reserved(a, nodes_[s]);
  }
  return SimError::kNone;
}

int Exchange::leverage(AccountId account, InstrumentId instrument) const noexcept {
  if (!valid_account(account) || !valid_instrument(instrument)) return kDefaultLeverage;
  const Account& a = accounts_[account];
  if (instrument.value < a.leverage.size() && a.leverage[instrument.value] > 0)
    return a.leverage[instrument.value];
  return std::min(kDefaultLeverage, instruments_[instrument.value].spec.max_leverage);
}

void Exchange::set_dead_man(AccountId account, Nanos fire_at) {
  if (valid_account(account)) accounts_[account].dead_man_at = fire_at;
}

void Exchange::advance(Nanos now) {
  for (AccountId id = 0; id < accounts_.size(); ++id) {
    Account& a = accounts_[id];
    if (a.dead_man_at > 0 && now >= a.dead_man_at) {
      a.dead_man_at = 0;
      cancel_all(id, std::nullopt, now);
    }
  }
}

void Exchange::set_mark_price(InstrumentId instrument, Price price) {
  if (valid_instrument(instrument)) instruments_[instrument.value].mark = price;
}

const SimInstrumentSpec& Exchange::spec(InstrumentId id) const {
  if (!valid_instrument(id)) throw std::out_of_range("sim: unknown instrument");
  return instruments_[id.value].spec;
}

std::optional<InstrumentId> Exchange::find_instrument(std::string_view symbol) const noexcept {
  for (std::size_t i = 0; i < instruments_.size(); ++i) {
    if (instruments_[i].spec.symbol == symbol) return InstrumentId{static_cast<std::uint32_t>(i)};
  }
  return std::nullopt;
}

std::size_t Exchange::book_levels(InstrumentId id, common::BookSide side,
                                  std::span<BookLevel> out) const noexcept {
  if (!valid_instrument(id)) return 0;
  const auto& v =
      side == common::BookSide::kBid ? instruments_[id.value].bids : instruments_[id.value].asks;
  const std::size_t n = std::min(out.size(), v.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Level& l = v[v.size() - 1 - i];
    out[i] = BookLevel{l.price, l.qty, l.count};
  }
  return n;
}

std::size_t Exchange::level_count(InstrumentId id, common::BookSide side) const noexcept {
  if (!valid_instrument(id)) return 0;
  return side == common::BookSide::kBid ? instruments_[id.value].bids.size()
                                        : instruments_[id.value].asks.size();
}

std::optional<Price> Exchange::best(InstrumentId id, common::BookSide side) const noexcept {
  if (!valid_instrument(id)) return std::nullopt;
  const auto& v =
      side == common::BookSide::kBid ? instruments_[id.value].bids : instruments_[id.value].asks;
  if (v.empty()) return std::nullopt;
  return v.back().price;
}

Price Exchange::last_trade_price(InstrumentId id) const noexcept {
  return valid_instrument(id) ? instruments_[id.value].last_trade : Price{};
}

Price Exchange::mark_price(InstrumentId id) const noexcept {
  if (!valid_instrument(id)) return Price{};
  const InstrumentState& inst = instruments_[id.value];
  if (inst.mark.is_positive()) return inst.mark;
  if (inst.last_trade.is_positive()) return inst.last_trade;
  if (!inst.bids.empty() && !inst.asks.empty()) {
    return Price::from_raw((inst.bids.back().price.raw() + inst.asks.back().price.raw()) / 2);
  }
  return Price{};
}

const SimOrder* Exchange::find_order(AccountId account, OrderId id) const noexcept {
  std::uint64_t v = 0;
  if (!valid_account(account) || !by_id_.find(id, &v)) return nullptr;
  const SimOrder* o = nullptr;
  if ((v & kClosedBit) != 0) {
    const auto acc = static_cast<AccountId>((v >> 32) & 0x7fffffffu);
    const auto idx = static_cast<std::size_t>(v & 0xffffffffu);
    if (acc != account) return nullptr;
    o = &accounts_[acc].closed[idx];
  } else {
    o = &nodes_[static_cast<std::uint32_t>(v)].order;
  }
  return o->account == account ? o : nullptr;
}

const SimOrder* Exchange::find_by_client_id(AccountId account,
                                            std::string_view client_id) const noexcept {
  if (!valid_account(account) || client_id.empty()) return nullptr;
  const SimOrder* best_match = nullptr;
  std::uint64_t unused = 0;
  static_cast<void>(by_client_.find_if(
      client_key(account, client_id),
      [&](std::uint64_t id) {
        const SimOrder* o = find_order(account, id);
        if (o == nullptr || o->client_id.view() != client_id) return false;
        if (best_match == nullptr || (o->is_open() && !best_match->is_open()) ||
            (o->is_open() == best_match->is_open() && o->id > best_match->id)) {
          best_match = o;
        }
        return false;
      },
      &unused));
  return best_match;
}

void Exchange::for_each_open_order(AccountId account, std::optional<InstrumentId> instrument,
                                   const std::function<void(const SimOrder&)>& fn) const {
  if (!valid_account(account)) return;
  for (std::uint32_t s = accounts_[account].open_head; s != kNil; s = nodes_[s].acc_next) {
    if (!instrument || nodes_[s].order.instrument == *instrument) fn(nodes_[s].order);
  }
}

std::size_t Exchange::open_order_count(AccountId account) const noexcept {
  return valid_account(account) ? accounts_[account].open_count : 0;
}

void Exchange::for_each_fill(AccountId account,
                             const std::function<void(const SimFill&)>& fn) const {
  if (!valid_account(account)) return;
  const Account& a = accounts_[account];
  const std::size_t n = a.fills.size();
  const std::size_t start = n < kFillsKept ? 0 : a.fills_next;
  for (std::size_t i = 0; i < n; ++i) fn(a.fills[(start + i) % n]);
}

std::optional<AccountId> Exchange::find_account(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    if (accounts_[i].name == name) return static_cast<AccountId>(i);
  }
  return std::nullopt;
}

bool Exchange::hedge_mode(AccountId account) const noexcept {
  return valid_account(account) && accounts_[account].hedge;
}

}  // namespace peregrine::gateways::sim
