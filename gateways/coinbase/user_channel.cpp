// Coinbase order gateway: the `user` channel (subscription, link state, order and fill
// reports) and the reports every path ends in (updates, fills, rejections to the core).
#include "gateways/coinbase/order_gateway.hpp"

namespace peregrine::gateways::coinbase {

namespace {

using common::ExecEvent;
using common::Nanos;
using common::OrderStatus;
using common::RejectReason;

std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  return x;
}

}  // namespace

// ---- user channel ----------------------------------------------------------------------------

bool CoinbaseOrderGateway::subscribe_user(bool subscribe) noexcept {
  const std::string_view jwt = jwts_.ws->current(clock_.now_ns());
  if (jwt.empty()) {
    cb_counters_.jwt_misses.add();
    return false;
  }
  // heartbeats keep the connection open through quiet periods (channels close after 60-90 s).
  for (const std::string_view channel :
       {std::string_view("user"), std::string_view("heartbeats")}) {
    if (!subscribe && channel != "user") continue;
    const std::size_t n =
        build_subscribe(subscribe, channel, user_products_, jwt, sub_buf_.get(), sub_cap_);
    if (n == 0 || !ws_->send_text(std::string_view(sub_buf_.get(), n))) return false;
    counters_.sends.add();
  }
  return true;
}

void CoinbaseOrderGateway::emit_link(common::VenueState state) noexcept {
  common::VenueStatus st;
  st.ts_recv = clock_.now_ns();
  st.venue = common::VenueId::kCoinbase;
  st.state = state;
  emit(ExecEvent(st));
}

void CoinbaseOrderGateway::on_ws_open() noexcept {
  parser_.reset_connection();
  rec_on_snapshot_ = config_.reconcile_on_subscribe;  // the snapshot proves the channel is live
  user_sub_pending_ = !subscribe_user(true);
  user_sub_not_before_ = clock_.now_ns() + config_.retry_ns;
  emit_link(common::VenueState::kConnected);
}

void CoinbaseOrderGateway::on_ws_close() noexcept {
  user_sub_pending_ = false;
  emit_link(common::VenueState::kDown);
}

void CoinbaseOrderGateway::on_ws_text(const WsFrame& frame) noexcept {
  counters_.frames.add();
  const Nanos ts = frame.ts_recv != 0 ? frame.ts_recv : clock_.now_ns();
  const bool padded = frame.capacity >= frame.size + simdjson::SIMDJSON_PADDING;
  const auto k = padded
                     ? parser_.parse_user(
                           simdjson::padded_string_view(frame.data, frame.size, frame.capacity), ts)
                     : parser_.parse_user_unpadded(frame.text(), ts);
  if (!k) {
    counters_.parse_errors.add();
    return;
  }
  if (parser_.gap_detected()) {
    // Missed user messages: a fresh subscription's snapshot restates every open order.
    cb_counters_.user_gaps.add();
    (void)subscribe_user(false);
    rec_on_snapshot_ = config_.reconcile_on_subscribe;
    user_sub_pending_ = !subscribe_user(true);
    user_sub_not_before_ = clock_.now_ns() + config_.retry_ns;
  }
  if (rec_on_snapshot_ && parser_.user_snapshot()) {
    // Subscribed: whatever happens from now on is on the channel; what happened before (while
    // the channel was down) is in the venue's REST state.
    rec_on_snapshot_ = false;
    request_reconcile();
  }
  if (*k != UserFrameKind::kOrders) return;
  // Fills first: the core sees the execution, then the order state that includes it.
  for (const common::Fill& f : parser_.fills()) {
    const common::Qty* cumulative = nullptr;
    for (const common::OrderUpdate& u : parser_.order_updates()) {
      if (u.venue_order_id == f.venue_order_id) cumulative = &u.filled_qty;
    }
    apply_fill(f, cumulative);
  }
  for (const common::OrderUpdate& u : parser_.order_updates()) {
    // The channel's FAILED has no reason; the create answer in flight has it: let that decide.
    const hyperliquid::TrackedOrder* o = order_of(u.cloid, u.venue_order_id);
    if (u.status == OrderStatus::kRejected && o != nullptr && o->in_flight) continue;
    apply_update(u);
  }
}

// ---- reports ---------------------------------------------------------------------------------

void CoinbaseOrderGateway::apply_update(const common::OrderUpdate& u) noexcept {
  hyperliquid::TrackedOrder* o = order_of(u.cloid, u.venue_order_id);
  if (o == nullptr) return;  // not ours (manual, another session) or long forgotten
  const common::OrderUpdate& prev = o->last;
  const bool same = u.status == prev.status && u.filled_qty == prev.filled_qty;
  if (o->terminal || (o->acked && same)) {
    counters_.duplicates.add();
    return;
  }
  if (u.filled_qty < prev.filled_qty) {  // an older state than the core already has
    counters_.out_of_order.add();
    return;
  }
  common::OrderUpdate m = u;
  m.cloid = prev.cloid;
  m.strategy = prev.strategy;
  m.instrument = prev.instrument;
  m.side = prev.side;
  m.venue = common::VenueId::kCoinbase;
  // Terminal user updates zero leaves_quantity: the order keeps its original size and price.
  if (m.qty < prev.qty || m.qty.is_zero()) m.qty = prev.qty;
  if (m.price.is_zero()) m.price = prev.price;
  if (m.venue_order_id.is_null()) m.venue_order_id = prev.venue_order_id;
  if (m.ts_sent <= 0 || m.ts_recv <= 0) {  // stamped: keep its clock
    m.ts_sent = 0;
    m.ts_recv = clock_.now_ns();
    // The user channel's first word on an order usually beats the create's REST answer (which
    // is then a duplicate): it takes the create's timings (issue #6).
    if (!o->acked) {
      for (Request& r : requests_) {
        if (r.kind != ReqKind::kOrder || r.subject != m.cloid) continue;
        if (r.ts_sent > 0 && !r.stamped) {
          m.ts_intent = r.intent.ts_recv;
          m.ts_sent = r.ts_sent;
          r.stamped = true;
        }
        break;
      }
    }
  }
  table_.index_oid(m.venue_order_id.lo, m.cloid);  // no-op while the venue id is unknown
  const bool rejected = m.status == OrderStatus::kRejected;
  o->acked = o->acked || (!rejected && m.status != OrderStatus::kPendingNew);
  o->in_flight = false;
  o->last = m;
  o->last.ts_intent = 0;  // timings belong to this answer, not to later restatements
  o->last.ts_sent = 0;
  if (rejected) counters_.rejects.add();
  if (hyperliquid::is_terminal(m.status)) {
    table_.note_terminal(m.cloid);
    o->terminal = true;
  }
  emit(ExecEvent(m));
}

void CoinbaseOrderGateway::apply_fill(const common::Fill& f,
                                      const common::Qty* cumulative) noexcept {
  // ExecParser's fill id is hash(order id, number_of_fills); qty and price join the key so two
  // executions reported under one count (the simulator always says "1") stay distinct.
  const std::uint64_t key = mix(f.fill_id ^ mix(static_cast<std::uint64_t>(f.qty.raw())) ^
                                (static_cast<std::uint64_t>(f.price.raw()) << 1));
  const hyperliquid::TrackedOrder* o = order_of(f.cloid, f.venue_order_id);
  if (o == nullptr) return;  // not ours
  if (!seen_fills_.insert(key)) {
    counters_.duplicates.add();
    return;
  }
  common::Fill g = f;
  if (cumulative != nullptr) {
    // Reconciliation may have reported part of this execution already (it happened while the
    // channel was down): the core hears each unit of filled quantity once.
    const FillTally* t = tally_.find(o->last.cloid);
    const std::int64_t left = cumulative->raw() - (t != nullptr ? t->qty_raw : 0);
    if (left <= 0) {
      cb_counters_.fills_clipped.add();
      counters_.duplicates.add();
      return;
    }
    if (g.qty.raw() > left) {
      cb_counters_.fills_clipped.add();
      g.fee = common::Money::from_raw(static_cast<std::int64_t>(
          static_cast<__int128>(g.fee.raw()) * left / (g.qty.raw() != 0 ? g.qty.raw() : 1)));
      g.qty = common::Qty::from_raw(left);
    }
  }
  g.cloid = o->last.cloid;
  g.strategy = o->last.strategy;
  g.instrument = o->last.instrument;
  g.side = o->last.side;
  g.venue = common::VenueId::kCoinbase;
  emit_fill(g);
}

void CoinbaseOrderGateway::emit_fill(const common::Fill& g) noexcept {
  FillTally* t = tally_.upsert(g.cloid);
  if (t == nullptr) {
    // Full: forget the tallies of orders the table has pruned (bounded sweep), then retry.
    std::array<common::ClientOrderId, 64> stale{};
    std::size_t n = 0;
    tally_.for_each([&](const common::ClientOrderId& c, FillTally&) {
      if (n < stale.size() && table_.find(c) == nullptr) stale[n++] = c;
    });
    for (std::size_t i = 0; i < n; ++i) (void)tally_.erase(stale[i]);
    t = tally_.upsert(g.cloid);
  }
  if (t != nullptr) {
    t->qty_raw += g.qty.raw();
    t->value_raw += static_cast<__int128>(g.price.raw()) * g.qty.raw();
    t->fee_raw += g.fee.raw();
  }
  if (g.instrument.valid() && g.instrument.value < positions_.size()) {
    positions_[g.instrument.value].fills_raw +=
        g.side == common::Side::kBuy ? g.qty.raw() : -g.qty.raw();
  }
  counters_.fills.add();
  emit(ExecEvent(g));
}

void CoinbaseOrderGateway::note_rate_limited(const HttpResponse& resp, Nanos now) noexcept {
  cb_counters_.rate_limited.add();
  counters_.rate_limit_pauses.add();
  const Nanos pause = resp.retry_after_ms > 0 ? static_cast<Nanos>(resp.retry_after_ms) * 1'000'000
                                              : config_.rate_limit_pause_ns;
  if (now + pause > pause_until_) pause_until_ = now + pause;
}

void CoinbaseOrderGateway::reject_new(const common::OrderIntent& in, RejectReason reason) noexcept {
  if (const hyperliquid::TrackedOrder* o = in.cloid.is_null() ? nullptr : table_.find(in.cloid)) {
    common::OrderUpdate u = o->last;
    u.status = OrderStatus::kRejected;
    u.reject = reason;
    apply_update(u);
    return;
  }
  // Never tracked (no cloid, table full): the core still hears why.
  common::OrderUpdate u = pending_update(in);
  u.ts_recv = clock_.now_ns();
  u.status = OrderStatus::kRejected;
  u.reject = reason;
  counters_.rejects.add();
  emit(ExecEvent(u));
}

void CoinbaseOrderGateway::refuse(const common::ClientOrderId& cloid,
                                  RejectReason reason) noexcept {
  // A refused cancel or modify leaves the order as it was: its last state again, with the reason.
  counters_.rejects.add();
  if (const hyperliquid::TrackedOrder* o = cloid.is_null() ? nullptr : table_.find(cloid)) {
    restate(*o, reason);
  }
}

void CoinbaseOrderGateway::restate(const hyperliquid::TrackedOrder& o, RejectReason why) noexcept {
  common::OrderUpdate u = o.last;
  u.ts_recv = clock_.now_ns();
  u.reject = why;
  emit(ExecEvent(u));
}

hyperliquid::TrackedOrder* CoinbaseOrderGateway::order_of(
    const common::ClientOrderId& cloid, const common::VenueOrderId& oid) noexcept {
  if (!cloid.is_null()) {
    if (hyperliquid::TrackedOrder* o = table_.find(cloid)) return o;
  }
  return oid.is_null() ? nullptr : table_.find_oid(oid.lo);
}

void CoinbaseOrderGateway::emit(const ExecEvent& e) noexcept {
  // Execution reports are never dropped: what the core's queue refuses waits, in order.
  outbox_.push(e, counters_.queue_full);
}

}  // namespace peregrine::gateways::coinbase
