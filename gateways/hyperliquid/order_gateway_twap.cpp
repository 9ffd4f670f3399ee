// HlOrderGateway, native TWAP: the twapOrder / twapCancel answers, slice fills and the TWAP
// history (order_gateway.cpp holds the intents and signing, order_gateway_stream.cpp the user
// stream). Same thread and hot-path rules as the rest of the gateway: no allocation, no throw.
#include "gateways/hyperliquid/order_gateway.hpp"

namespace peregrine::gateways::hyperliquid {

namespace {

using common::OrderStatus;
using common::RejectReason;

}  // namespace

RejectReason HlOrderGateway::map_twap(const common::OrderIntent& in,
                                      TwapOrderAction& out) const noexcept {
  if (!in.instrument.valid() || in.instrument.value >= registry_.size()) {
    return RejectReason::kOther;
  }
  const common::Instrument& inst = registry_.get(in.instrument);
  if (inst.venue != common::VenueId::kHyperliquid || inst.asset_index < 0 ||
      inst.size_decimals < 0 || inst.kind == common::InstrumentKind::kSpot) {
    return RejectReason::kOther;
  }
  const std::int64_t minutes = in.trigger_price.raw();  // whole minutes (intent_ext.hpp)
  if (minutes < kTwapMinMinutes || minutes > kTwapMaxMinutes) return RejectReason::kOther;
  if (!in.qty.is_positive() || check_size(in.qty, inst.size_decimals) != WireError::kOk) {
    return RejectReason::kInvalidQty;
  }
  out = TwapOrderAction{};
  out.asset = static_cast<std::uint32_t>(inst.asset_index);
  out.is_buy = in.side == common::Side::kBuy;
  out.size = in.qty;
  out.reduce_only = (in.flags & common::intent_flags::kReduceOnly) != 0;
  out.minutes = static_cast<std::uint32_t>(minutes);
  out.randomize = (in.flags & kIntentTwapRandomize) != 0;
  return RejectReason::kNone;
}

void HlOrderGateway::forget_pending_twap(const common::ClientOrderId& cloid) noexcept {
  for (std::size_t i = 0; i < pending_twap_count_; ++i) {
    if (pending_twaps_[i] == cloid) {
      pending_twaps_[i] = pending_twaps_[--pending_twap_count_];
      return;
    }
  }
}

TrackedOrder* HlOrderGateway::twap_for(std::uint64_t twap_id, common::InstrumentId ins,
                                       common::Side side, common::Qty size) noexcept {
  if (TrackedOrder* o = table_.find_twap(twap_id)) return o;
  if (twap_id == 0) return nullptr;
  // A TWAP we sent whose answer has not named it yet (lost, or slower than the stream).
  for (std::size_t i = 0; i < pending_twap_count_; ++i) {
    TrackedOrder* o = table_.find(pending_twaps_[i]);
    if (o == nullptr || o->terminal || o->twap_id != 0) continue;
    if (o->last.instrument != ins || o->last.side != side) continue;
    if (size.raw() != 0 && o->last.qty != size) continue;
    o->twap_id = twap_id;
    table_.index_twap(twap_id, o->last.cloid);
    forget_pending_twap(o->last.cloid);
    hl_counters_.twap_adopted.add();
    if (o->last.status == OrderStatus::kPendingNew) {  // it runs: acked before its first fill
      counters_.acks.add();
      report(*o, OrderStatus::kNew, RejectReason::kNone);
    }
    return o;
  }
  return nullptr;
}

void HlOrderGateway::apply_twap_status(Request& r, const ActionStatus& st,
                                       const HttpResponse& resp) noexcept {
  TrackedOrder* o = table_.find(r.subject);
  if (o == nullptr) return;
  if (st.kind == ActionStatusKind::kError) {
    forget_pending_twap(r.subject);
    counters_.rejects.add();
    report(*o, OrderStatus::kRejected, st.reject, &r, &resp);
    return;
  }
  if (st.kind != ActionStatusKind::kTwapRunning || st.twap_id == 0) {
    counters_.parse_errors.add();  // an answer a twapOrder never gets: the stream settles it
    return;
  }
  forget_pending_twap(r.subject);
  if (o->twap_id != st.twap_id) {
    if (o->twap_id != 0) table_.unindex_twap(o->twap_id);  // adopted the wrong one earlier
    o->twap_id = st.twap_id;
    table_.index_twap(st.twap_id, r.subject);
  }
  counters_.acks.add();
  if (o->last.status == OrderStatus::kPendingNew) {
    report(*o, OrderStatus::kNew, RejectReason::kNone, &r, &resp);
  }
  if (o->twap_cancel_wanted && !o->terminal) {
    o->twap_cancel_wanted = false;
    (void)send_twap_cancel(r.subject);
  }
}

bool HlOrderGateway::send_twap_cancel(const common::ClientOrderId& cloid) noexcept {
  TrackedOrder* o = table_.find(cloid);
  if (o == nullptr || o->terminal) return false;
  if (o->twap_id == 0) {
    o->twap_cancel_wanted = true;
    return true;
  }
  Request* r = alloc_request(ReqKind::kTwapCancel);
  if (r == nullptr) {
    counters_.throttled.add();
    report(*o, o->last.status, RejectReason::kRateLimited);
    return false;
  }
  r->subject = cloid;
  r->intent.instrument = o->last.instrument;
  if (send_action(*r)) return true;
  on_action_failed(*r, RejectReason::kRateLimited);
  return false;
}

void HlOrderGateway::apply_twap_cancel_status(Request& r, const ActionStatus& st,
                                              const HttpResponse& resp) noexcept {
  TrackedOrder* o = table_.find(r.subject);
  if (o == nullptr || o->terminal) return;
  if (st.kind == ActionStatusKind::kSuccess) {
    counters_.acks.add();
    // The end comes as a "terminated" history entry with the executed size, after the last
    // slice fills. Without a user stream nothing else will come: end it now.
    if (ws_ == nullptr) {
      o->twap_end_pending = true;
      o->twap_end_status = OrderStatus::kCancelled;
      o->twap_end_executed = o->last.filled_qty;
      end_twap(*o);
    }
    return;
  }
  // "TWAP was never placed, already canceled, or filled": it ended (the history says how).
  report(*o, o->last.status, st.kind == ActionStatusKind::kError ? st.reject : RejectReason::kOther,
         &r, &resp);
}

void HlOrderGateway::on_twap_fill(TrackedOrder& o, const common::Fill& f) noexcept {
  o.last.filled_qty += f.qty;
  o.twap_notional_raw += common::notional_raw(f.price, f.qty);
  if (o.last.filled_qty.is_positive()) {
    o.last.avg_price = common::Price::from_raw(
        static_cast<std::int64_t>(o.twap_notional_raw / o.last.filled_qty.raw()));
  }
  if (o.terminal) {  // a slice fill after the end was reported: the Fill went out, no update
    counters_.out_of_order.add();
    return;
  }
  if (o.twap_end_pending && o.last.filled_qty >= o.twap_end_executed) {
    end_twap(o);
    return;
  }
  report(o, o.last.filled_qty >= o.last.qty ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled,
         RejectReason::kNone);
}

void HlOrderGateway::end_twap(TrackedOrder& o) noexcept {
  if (o.terminal) return;
  o.twap_end_pending = false;
  const OrderStatus s = o.last.filled_qty >= o.last.qty ? OrderStatus::kFilled : o.twap_end_status;
  report(o, s, s == OrderStatus::kRejected ? RejectReason::kOther : RejectReason::kNone);
}

void HlOrderGateway::on_twap_history(const TwapHistoryEntry& e, bool snapshot) noexcept {
  TrackedOrder* o = twap_for(e.twap_id, e.instrument, e.side, e.size);
  if (o == nullptr) {
    if (!snapshot) hl_counters_.twap_unknown.add();
    return;
  }
  if (o->terminal) {
    if (e.status != TwapStatus::kActivated) counters_.duplicates.add();
    return;
  }
  switch (e.status) {
    case TwapStatus::kActivated:
      if (o->last.status == OrderStatus::kPendingNew) {
        counters_.acks.add();
        report(*o, OrderStatus::kNew, RejectReason::kNone);
      }
      return;
    case TwapStatus::kFinished:
    case TwapStatus::kTerminated:
    case TwapStatus::kError:
      o->twap_end_pending = true;
      o->twap_end_executed = e.executed;
      o->twap_end_status = e.status == TwapStatus::kError && e.executed.is_zero()
                               ? OrderStatus::kRejected
                               : OrderStatus::kCancelled;
      // The venue's executed size is what its slice fills add up to: end once they are in.
      if (o->last.filled_qty >= e.executed) end_twap(*o);
      return;
    case TwapStatus::kUnknown:
      return;
  }
}

void HlOrderGateway::settle_twaps() noexcept {
  // A reconciliation round just replayed every fill the venue lists: an ended TWAP still
  // waiting for fills will not get them (e.g. older than the venue's fill history).
  table_.for_each([&](const common::ClientOrderId&, TrackedOrder& o) {
    if (o.is_twap && o.twap_end_pending && !o.terminal) end_twap(o);
  });
}

}  // namespace peregrine::gateways::hyperliquid
