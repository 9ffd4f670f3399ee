// HlOrderGateway, second half: the user WS stream and reconciliation rounds (order_gateway.cpp
// holds intents, signing and /exchange responses).
#include <utility>

#include "gateways/hyperliquid/order_gateway.hpp"
#include "gateways/hyperliquid/text_buffer.hpp"

namespace peregrine::gateways::hyperliquid {

namespace {

using common::ExecEvent;
using common::Nanos;
using common::OrderStatus;
using common::OrderUpdate;
using detail::Text;

constexpr std::string_view kPing = R"({"method":"ping"})";
constexpr Nanos kReconcileRetryNs = 10'000'000;  // unsent reconciliation parts: next try

}  // namespace

int HlOrderGateway::poll_user_stream() noexcept {
  if (ws_ == nullptr) return 0;
  int work = ws_->poll();
  const Nanos now = clock_.now_ns();
  if (ws_open_ && now - last_ws_tx_ns_ >= config_.ping_interval_ns) {
    (void)ws_send(kPing);
    last_ws_tx_ns_ = now;
    ++work;
  }
  return work;
}

// ---- reconciliation --------------------------------------------------------------------------

void HlOrderGateway::request_reconcile() noexcept {
  if (reconciling()) return;
  rec_ok_ = true;
  rec_open_.clear();
  rec_fills_.clear();
  rec_fill_twaps_.clear();
  rec_unsent_ = 0b111;
  rec_retry_ns_ = 0;
  (void)post_reconcile_parts(clock_.now_ns());
  if (reconcile_pending_ == 0) counters_.throttled.add();
}

// Posts the parts of the round not sent yet. A part the transport or the rate gate cannot take
// now (a keep-alive pool of two connections never takes three /info requests at once) stays
// pending and is posted from do_work once a slot frees, instead of failing the whole round.
int HlOrderGateway::post_reconcile_parts(Nanos now) noexcept {
  if (rec_unsent_ == 0 || now < rec_retry_ns_) return 0;
  char buf[256];
  const ReqKind kinds[] = {ReqKind::kOpenOrders, ReqKind::kUserFills, ReqKind::kAccountState};
  const std::string_view types[] = {"openOrders", "userFills", "clearinghouseState"};
  int posted = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto bit = static_cast<std::uint8_t>(1u << i);
    if ((rec_unsent_ & bit) == 0) continue;
    Text t(buf, sizeof(buf));
    t.add(R"({"type":")");
    t.add(types[i]);
    t.add(R"(","user":")");
    t.add(config_.account);
    t.add("\"}");
    if (!t.ok()) {  // an account too long for the buffer: the round can never succeed
      rec_ok_ = false;
      rec_unsent_ = static_cast<std::uint8_t>(rec_unsent_ & ~bit);
      continue;
    }
    Request* r = alloc_request(kinds[i]);
    if (r == nullptr) break;
    if (!post_info(*r, t.view())) {
      free_request(*r);
      break;
    }
    rec_unsent_ = static_cast<std::uint8_t>(rec_unsent_ & ~bit);
    ++reconcile_pending_;
    ++posted;
  }
  if (rec_unsent_ != 0) rec_retry_ns_ = now + kReconcileRetryNs;
  if (rec_unsent_ == 0 && reconcile_pending_ == 0) finish_reconcile();
  return posted;
}

void HlOrderGateway::on_reconcile_part(Request& r, const HttpResponse& resp) noexcept {
  const ReqKind kind = r.kind;
  free_request(r);
  --reconcile_pending_;
  if (resp.outcome != HttpOutcome::kOk || resp.status != 200) {
    rec_ok_ = false;
  } else {
    try {
      if (kind == ReqKind::kOpenOrders) {
        auto p = info_parser_.parse_open_orders(resp.body);
        if (p) rec_open_ = std::move(p).value();
        rec_ok_ = rec_ok_ && p.ok();
      } else if (kind == ReqKind::kUserFills) {
        auto p = info_parser_.parse_user_fills(resp.body, &rec_fill_twaps_);
        if (p) rec_fills_ = std::move(p).value();
        rec_ok_ = rec_ok_ && p.ok();
      } else {
        auto p = info_parser_.parse_clearinghouse_state(resp.body);
        if (p) account_state_ = std::move(p).value();
        rec_ok_ = rec_ok_ && p.ok();
      }
    } catch (...) {  // allocation failure: treat as a failed round
      rec_ok_ = false;
    }
    if (!rec_ok_) counters_.parse_errors.add();
  }
  if (reconcile_pending_ == 0 && rec_unsent_ == 0) finish_reconcile();
}

void HlOrderGateway::finish_reconcile() noexcept {
  if (!rec_ok_) return;  // partial answers would produce false corrections; try again later
  try {
    auto result = reconciler_.reconcile(table_, seen_fills_, rec_open_, rec_fills_, clock_.now_ns(),
                                        rec_fill_twaps_);
    for (const auto& e : result.events) {
      if (e.kind == common::ExecKind::kFill) {
        counters_.fills.add();
        emit(e);
        // A TWAP slice the stream missed: the order's progress moves with it.
        TrackedOrder* o = table_.find(e.fill.cloid);
        if (o != nullptr && o->is_twap) on_twap_fill(*o, e.fill);
        continue;
      }
      emit(e);
    }
    counters_.reconcile_corrections.add(result.corrections);
    hl_counters_.unknown_orders.add(result.foreign_orders + result.foreign_fills);
    for (const auto& cloid : result.to_query) {
      Request* q = alloc_request(ReqKind::kStatusQuery);
      if (q == nullptr) break;  // the next round picks up the rest
      q->subject = cloid;
      if (!send_status_query(*q, ReqKind::kFree)) free_request(*q);
    }
    settle_twaps();
    hl_counters_.reconciles.add();
  } catch (...) {
    counters_.parse_errors.add();
  }
}

// ---- user stream -----------------------------------------------------------------------------

void HlOrderGateway::on_ws_open() noexcept {
  if (ws_open_) return;
  ws_open_ = true;
  counters_.reconnects.add();
  char buf[256];
  for (std::string_view type :
       {"orderUpdates", "userFills", "userEvents", "userTwapSliceFills", "userTwapHistory"}) {
    Text t(buf, sizeof(buf));
    t.add(R"({"method":"subscribe","subscription":{"type":")");
    t.add(type);
    t.add(R"(","user":")");
    t.add(config_.account);
    t.add("\"}}");
    if (t.ok()) (void)ws_send(t.view());
  }
  emit_status(common::VenueState::kConnected);
  request_reconcile();  // whatever happened while the stream was down
}

void HlOrderGateway::on_ws_close() noexcept {
  if (!ws_open_) return;  // a failed reconnect attempt: already reported
  ws_open_ = false;
  emit_status(common::VenueState::kResyncing);
}

void HlOrderGateway::on_ws_text(const WsFrame& frame) noexcept {
  counters_.frames.add();
  const Nanos now = frame.ts_recv != 0 ? frame.ts_recv : clock_.now_ns();
  const bool padded = frame.capacity >= frame.size + simdjson::SIMDJSON_PADDING;
  const auto r =
      padded ? exec_parser_.parse_ws(
                   simdjson::padded_string_view(frame.data, frame.size, frame.capacity), now)
             : exec_parser_.parse_ws_unpadded(frame.text(), now);
  if (!r) {
    counters_.parse_errors.add();
    return;
  }
  switch (*r) {
    case ExecFrameKind::kOrderUpdates:
      for (const auto& u : exec_parser_.order_updates()) on_ws_update(u);
      break;
    case ExecFrameKind::kUserFills:
    case ExecFrameKind::kTwapSliceFills: {
      const auto fills = exec_parser_.fills();
      const auto twaps = exec_parser_.fill_twap_ids();
      for (std::size_t i = 0; i < fills.size(); ++i) {
        on_ws_fill(fills[i], exec_parser_.fills_snapshot(), twaps[i]);
      }
      break;
    }
    case ExecFrameKind::kTwapHistory:
      for (const auto& e : exec_parser_.twap_history()) {
        on_twap_history(e, exec_parser_.fills_snapshot());
      }
      break;
    case ExecFrameKind::kUserEvents:
      if (exec_parser_.user_event() == UserEventKind::kFills) {
        const auto fills = exec_parser_.fills();
        const auto twaps = exec_parser_.fill_twap_ids();
        for (std::size_t i = 0; i < fills.size(); ++i) on_ws_fill(fills[i], false, twaps[i]);
      } else if (exec_parser_.user_event() == UserEventKind::kNonUserCancel) {
        for (const auto& u : exec_parser_.order_updates()) on_ws_update(u);
      }
      break;
    default:
      break;
  }
}

void HlOrderGateway::on_ws_update(const OrderUpdate& in) noexcept {
  TrackedOrder* o = in.cloid.is_null() ? nullptr : table_.find(in.cloid);
  if (o == nullptr && !in.venue_order_id.is_null()) o = table_.find_oid(in.venue_order_id.lo);
  if (o == nullptr) {
    hl_counters_.unknown_orders.add();
    return;
  }
  OrderUpdate u = in;
  u.cloid = o->last.cloid;
  u.strategy = o->last.strategy;
  u.instrument = o->last.instrument;
  if (u.venue_order_id.is_null()) u.venue_order_id = o->last.venue_order_id;
  if (u.price.raw() == 0) u.price = o->last.price;  // nonUserCancel carries only the oid
  if (u.qty.raw() == 0) u.qty = o->last.qty;
  if (u.filled_qty.raw() == 0) u.filled_qty = o->last.filled_qty;
  if (u.avg_price.raw() == 0) u.avg_price = o->last.avg_price;
  if (o->terminal && !is_terminal(u.status)) {
    counters_.out_of_order.add();  // e.g. "open" arriving after our own terminal report
    return;
  }
  // Once terminal, the same status again is a repeat even when it brings the oid the first
  // report lacked (a rejection answered on /exchange, then pushed on orderUpdates).
  if (u.status == o->last.status && u.filled_qty == o->last.filled_qty &&
      (u.venue_order_id == o->last.venue_order_id || o->terminal)) {
    counters_.duplicates.add();
    return;
  }
  if (u.status == OrderStatus::kRejected) counters_.rejects.add();
  remember(table_, *o, u);
  emit(ExecEvent(u));
}

void HlOrderGateway::on_ws_fill(const common::Fill& in, bool snapshot,
                                std::uint64_t twap_id) noexcept {
  if (!seen_fills_.insert(Reconciler::fill_key(in))) {
    counters_.duplicates.add();  // also: the same slice on userFills and userTwapSliceFills
    return;
  }
  // A slice fill belongs to its TWAP (the slice's own oid is the venue's, never ours).
  TrackedOrder* o =
      twap_id != 0 ? twap_for(twap_id, in.instrument, in.side, common::Qty{}) : nullptr;
  if (o == nullptr && twap_id == 0) {
    o = in.cloid.is_null() ? nullptr : table_.find(in.cloid);
    if (o == nullptr) o = table_.find_oid(in.venue_order_id.lo);
  }
  if (o == nullptr) {
    // History from before this session (snapshot) or another client's order: remembered as
    // seen, not reported.
    if (!snapshot) hl_counters_.unknown_orders.add();
    if (!snapshot && twap_id != 0) hl_counters_.twap_unknown.add();
    return;
  }
  common::Fill f = in;
  f.cloid = o->last.cloid;
  f.strategy = o->last.strategy;
  counters_.fills.add();
  if (snapshot) counters_.reconcile_corrections.add();  // missed while the stream was down
  emit(ExecEvent(f));
  if (o->is_twap) on_twap_fill(*o, f);
}

bool HlOrderGateway::ws_send(std::string_view frame) noexcept {
  if (ws_ == nullptr || !ws_->send_text(frame)) return false;
  last_ws_tx_ns_ = clock_.now_ns();
  return true;
}

}  // namespace peregrine::gateways::hyperliquid
