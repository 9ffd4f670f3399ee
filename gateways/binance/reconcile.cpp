// Binance order gateway: reconciliation glue (open orders after every user-stream (re)connect
// and on request). The comparison itself is gateways::OrderReconciler.
#include "gateways/binance/order_gateway.hpp"

namespace peregrine::gateways::binance {

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
