#include "gateways/binance/reconcile.hpp"

#include <algorithm>

#include "gateways/binance/order_gateway.hpp"
#include "gateways/hyperliquid/reconcile.hpp"

namespace peregrine::gateways::binance {

namespace {

using common::OrderStatus;
using common::OrderUpdate;

bool differs(const OrderUpdate& a, const OrderUpdate& b) noexcept {
  return a.status != b.status || a.filled_qty != b.filled_qty ||
         !(a.venue_order_id == b.venue_order_id);
}

// The venue's state of `o`, carrying the identity the core knows it by.
OrderUpdate corrected(const hyperliquid::TrackedOrder& o, const OrderUpdate& venue,
                      common::Nanos now) noexcept {
  OrderUpdate u = o.last;
  u.ts_venue = venue.ts_venue;
  u.ts_recv = now;
  u.venue_seq = venue.venue_seq;
  u.status = venue.status;
  u.filled_qty = venue.filled_qty;
  if (venue.avg_price.raw() != 0) u.avg_price = venue.avg_price;
  if (venue.price.raw() != 0) u.price = venue.price;
  if (venue.qty.raw() != 0) u.qty = venue.qty;
  if (!venue.venue_order_id.is_null()) u.venue_order_id = venue.venue_order_id;
  u.reject = venue.status == OrderStatus::kRejected ? venue.reject : common::RejectReason::kNone;
  return u;
}

}  // namespace

OrderReconciler::OrderReconciler(std::size_t capacity)
    : events_(capacity), to_query_(capacity), listed_(capacity) {}

void OrderReconciler::compare_open(hyperliquid::OrderTable& table,
                                   std::span<const OrderUpdate> open, common::Nanos now,
                                   ReconcileCounters& counters) noexcept {
  event_count_ = 0;
  query_count_ = 0;
  listed_count_ = 0;
  counters.rounds.add();
  for (const OrderUpdate& v : open) {
    hyperliquid::TrackedOrder* o = v.cloid.is_null() ? nullptr : table.find(v.cloid);
    if (o == nullptr && !v.venue_order_id.is_null()) o = table.find_oid(v.venue_order_id.lo);
    if (o == nullptr) {
      counters.foreign_orders.add();
      continue;
    }
    if (listed_count_ < listed_.size()) listed_[listed_count_++] = o->last.cloid;
    if (o->in_flight) continue;  // its request's answer settles it
    if (v.ts_venue != 0 && v.ts_venue < o->last.ts_venue) continue;  // stale listing
    if (!differs(v, o->last) && !o->terminal) continue;
    if (event_count_ == events_.size()) continue;  // the next round finds it again
    const OrderUpdate u = corrected(*o, v, now);
    (o->terminal ? counters.revived : counters.state_changes).add();
    hyperliquid::remember(table, *o, u);
    events_[event_count_++] = u;
  }
  const auto listed = std::span<const common::ClientOrderId>(listed_.data(), listed_count_);
  table.for_each([&](const common::ClientOrderId& cloid, hyperliquid::TrackedOrder& o) {
    if (o.terminal || o.in_flight || query_count_ == to_query_.size()) return;
    if (std::find(listed.begin(), listed.end(), cloid) != listed.end()) return;
    to_query_[query_count_++] = cloid;
    counters.gone_queried.add();
  });
}

bool OrderReconciler::apply_status(hyperliquid::OrderTable& table,
                                   const common::ClientOrderId& cloid, const OrderUpdate* venue,
                                   common::Nanos now, ReconcileCounters& counters,
                                   OrderUpdate& out) noexcept {
  hyperliquid::TrackedOrder* o = table.find(cloid);
  if (o == nullptr || o->in_flight) return false;
  OrderUpdate u;
  if (venue != nullptr) {
    if (venue->ts_venue != 0 && venue->ts_venue < o->last.ts_venue) return false;
    if (!differs(*venue, o->last)) return false;
    u = corrected(*o, *venue, now);
    if (hyperliquid::is_terminal(u.status)) counters.gone_closed.add();
  } else {
    if (o->terminal) return false;
    u = o->last;
    u.ts_recv = now;
    u.status = OrderStatus::kCancelled;
    u.reject = common::RejectReason::kUnknownOrder;
    counters.gone_unknown.add();
  }
  hyperliquid::remember(table, *o, u);
  out = u;
  return true;
}

// ---- BinanceOrderGateway: the reconciliation round ---------------------------------------------

namespace {
constexpr common::Nanos kRoundRetryNs = 200'000'000;  // a snapshot that could not be sent
constexpr std::uint32_t kOpenOrdersWeight = 40;       // openOrders without a symbol
}  // namespace

void BinanceOrderGateway::request_reconcile() noexcept {
  if (reconciling()) return;
  rec_wanted_ = true;
  rec_retry_ns_ = 0;
  (void)run_reconcile(clock_.now_ns());
}

int BinanceOrderGateway::run_reconcile(common::Nanos now) noexcept {
  if (!rec_wanted_ || now < rec_retry_ns_) return 0;
  Request* r = gate(now, kOpenOrdersWeight) ? alloc_request(ReqKind::kOpenOrders) : nullptr;
  if (r == nullptr || !send(*r)) {
    if (r != nullptr) free_request(*r);
    rec_retry_ns_ = now + kRoundRetryNs;
    return 0;
  }
  rec_wanted_ = false;
  rec_pending_ = true;
  return 1;
}

void BinanceOrderGateway::on_open_orders_answer(Request& r, const HttpResponse& resp) noexcept {
  free_request(r);
  rec_pending_ = false;
  const common::Nanos now = clock_.now_ns();
  if (resp.outcome != HttpOutcome::kOk) {
    rec_counters_.failed_rounds.add();
    rec_wanted_ = true;  // try again: a partial view would produce false corrections
    rec_retry_ns_ = now + kRoundRetryNs;
    return;
  }
  const auto p = parser_.parse_open_orders(resp.status, resp.body);
  if (!p || !p->ok) {
    if (!p) counters_.parse_errors.add();
    rec_counters_.failed_rounds.add();
    rec_wanted_ = true;
    rec_retry_ns_ = now + kRoundRetryNs;
    return;
  }
  reconciler_.compare_open(table_, parser_.orders(), now, rec_counters_);
  for (const auto& u : reconciler_.events()) emit(common::ExecEvent(u));
  counters_.reconcile_corrections.add(reconciler_.events().size());
  for (const auto& cloid : reconciler_.to_query()) {
    const hyperliquid::TrackedOrder* o = table_.find(cloid);
    if (o == nullptr || !gate(now, 1)) break;  // the next round asks about the rest
    Request* q = alloc_request(ReqKind::kStatusQuery);
    if (q == nullptr) break;
    q->query_for = ReqKind::kFree;
    q->subject = cloid;
    q->intent.instrument = o->last.instrument;
    counters_.status_queries.add();
    if (!send(*q)) free_request(*q);
  }
}

void BinanceOrderGateway::on_reconcile_query(Request& r, const HttpResponse& resp) noexcept {
  const common::ClientOrderId cloid = r.subject;
  free_request(r);
  if (resp.outcome != HttpOutcome::kOk) return;  // the next round asks again
  const auto p = parser_.parse_order(resp.status, resp.body, cloid);
  if (!p) {
    counters_.parse_errors.add();
    return;
  }
  const bool unknown = !p->ok && p->error.reason == common::RejectReason::kUnknownOrder;
  if (!p->ok && !unknown) return;
  common::OrderUpdate u;
  if (reconciler_.apply_status(table_, cloid, unknown ? nullptr : &parser_.order(), clock_.now_ns(),
                               rec_counters_, u)) {
    counters_.reconcile_corrections.add();
    emit(common::ExecEvent(u));
  }
}

}  // namespace peregrine::gateways::binance
