// BybitOrderGateway: reconciliation rounds (open-order pages compared by the shared
// OrderReconciler, then per-order status questions) and the venue's rate-limit
// back-off. Gateway thread, off the intent path; every buffer is sized at construction.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "gateways/bybit/order_gateway.hpp"

namespace peregrine::gateways::bybit {

namespace {

using common::Nanos;

constexpr Nanos kNsPerMs = 1'000'000;
constexpr Nanos kRoundRetryNs = 200 * kNsPerMs;  // a page that could not be sent or read

// X-Bapi-Limit-Reset-Timestamp: epoch milliseconds; 0 when absent or not a number.
std::int64_t parse_ms(std::string_view v) noexcept {
  if (v.empty() || v.size() > 18) return 0;
  std::int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

void BybitOrderGateway::note_rate_limit(const HttpResponse& resp, bool ip_ban) noexcept {
  // Wall clock (epoch): the reset header is an epoch timestamp and clock_ is epoch-based.
  const Nanos now = clock_.now_ns();
  Nanos until = 0;
  const std::int64_t reset_ms = parse_ms(resp.rate_headers.find("X-Bapi-Limit-Reset-Timestamp"));
  if (reset_ms > 0) until = reset_ms * kNsPerMs;
  if (until <= now && resp.retry_after_ms > 0) {
    until = now + static_cast<Nanos>(resp.retry_after_ms) * kNsPerMs;
  }
  if (until <= now)
    until = now + (ip_ban ? config_.ip_ban_backoff_ns : config_.rate_limit_backoff_ns);
  // A reset far in the future is believed only for an IP ban; a per-UID limit resets in ~1 s.
  if (!ip_ban) until = std::min(until, now + 10 * config_.rate_limit_backoff_ns);
  backoff_until_ns_ = std::max(backoff_until_ns_, until);
  counters_.rate_limit_pauses.add();
}

void BybitOrderGateway::request_reconcile() noexcept {
  if (reconciling()) return;
  rec_wanted_ = true;
  rec_retry_ns_ = 0;
  rec_count_ = 0;
  rec_pages_ = 0;
  rec_cursor_len_ = 0;
  (void)run_reconcile(clock_.now_ns());
}

int BybitOrderGateway::run_reconcile(Nanos now) noexcept {
  if (!rec_wanted_ || now < rec_retry_ns_) return 0;
  Pending* p = admit(now) ? claim(Op::kOpenOrders) : nullptr;
  if (p == nullptr || !transmit(*p)) {
    if (p != nullptr) release(*p);
    rec_retry_ns_ = now + kRoundRetryNs;
    return 0;
  }
  rec_wanted_ = false;
  rec_pending_ = true;
  return 1;
}

void BybitOrderGateway::retry_round(Nanos now) noexcept {
  // A partial view would produce false corrections: the whole round starts again.
  rec_counters_.failed_rounds.add();
  rec_count_ = 0;
  rec_pages_ = 0;
  rec_cursor_len_ = 0;
  rec_wanted_ = true;
  rec_retry_ns_ = std::max(now + kRoundRetryNs, backoff_until_ns_);
}

void BybitOrderGateway::answer_open_orders(Pending& p, const HttpResponse& resp) noexcept {
  release(p);
  rec_pending_ = false;
  const Nanos now = clock_.now_ns();
  const RestResponse* r =
      resp.outcome == HttpOutcome::kOk ? parse_answer(RestEndpoint::kOpenOrders, resp) : nullptr;
  if (r == nullptr || !r->ok()) {
    retry_round(now);
    return;
  }
  for (const common::OrderUpdate& u : parser_.order_updates()) {
    if (rec_count_ == rec_open_.size()) break;  // more than max_orders open: queries settle it
    rec_open_[rec_count_++] = u;
  }
  ++rec_pages_;
  const std::string_view cursor = r->next_cursor;
  if (!cursor.empty() && parser_.order_updates().size() >= config_.reconcile_page) {
    if (cursor.size() > rec_cursor_.size() || rec_pages_ >= config_.reconcile_max_pages) {
      retry_round(now);
      return;
    }
    std::copy(cursor.begin(), cursor.end(), rec_cursor_.begin());
    rec_cursor_len_ = cursor.size();
    rec_wanted_ = true;  // the next page on the next cycle
    rec_retry_ns_ = 0;
    return;
  }
  finish_round(now);
}

std::size_t BybitOrderGateway::mark_in_flight() noexcept {
  // Orders with a create/amend/cancel/query outstanding are left to that request's answer.
  std::size_t n = 0;
  for (const Pending& q : pending_) {
    if (q.op == Op::kIdle || q.op == Op::kOpenOrders || q.op == Op::kRecQuery) continue;
    hyperliquid::TrackedOrder* o = q.cloid.is_null() ? nullptr : table_.find(q.cloid);
    if (o == nullptr || o->in_flight || n == marked_.size()) continue;
    o->in_flight = true;
    marked_[n++] = o;
  }
  return n;
}

void BybitOrderGateway::unmark_in_flight(std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) marked_[i]->in_flight = false;
}

void BybitOrderGateway::finish_round(Nanos now) noexcept {
  const std::size_t marked = mark_in_flight();
  reconciler_.compare_open(table_,
                           std::span<const common::OrderUpdate>(rec_open_.data(), rec_count_), now,
                           rec_counters_);
  unmark_in_flight(marked);
  rec_count_ = 0;
  rec_pages_ = 0;
  rec_cursor_len_ = 0;
  for (const common::OrderUpdate& u : reconciler_.events()) emit(common::ExecEvent(u));
  counters_.reconcile_corrections.add(reconciler_.events().size());
  for (const common::ClientOrderId& cloid : reconciler_.to_query()) {
    const hyperliquid::TrackedOrder* o = table_.find(cloid);
    if (o == nullptr || !admit(now)) break;  // the next round asks about the rest
    Pending* q = claim(Op::kRecQuery);
    if (q == nullptr) break;
    q->cloid = cloid;
    q->intent.instrument = o->last.instrument;
    counters_.status_queries.add();
    if (!transmit(*q)) release(*q);
  }
}

void BybitOrderGateway::answer_rec_query(Pending& p, const HttpResponse& resp) noexcept {
  const common::ClientOrderId cloid = p.cloid;
  release(p);
  const RestResponse* r =
      resp.outcome == HttpOutcome::kOk ? parse_answer(RestEndpoint::kOpenOrders, resp) : nullptr;
  if (r == nullptr || !r->ok()) return;  // the next round asks again
  hyperliquid::TrackedOrder* o = table_.find(cloid);
  // Settled by the stream meanwhile (its word is the newest), or left to a request in flight.
  if (o == nullptr || o->terminal) return;
  const common::OrderUpdate* found = nullptr;
  for (const common::OrderUpdate& u : parser_.order_updates()) {
    if (u.cloid == cloid) found = &u;
  }
  // A closed order is final, whatever its timestamp says: the REST ack we reported carries the
  // response's "time", which may be later than the order's own updatedTime.
  common::OrderUpdate closed;
  if (found != nullptr && hyperliquid::is_terminal(found->status)) {
    closed = *found;
    closed.ts_venue = std::max(closed.ts_venue, o->last.ts_venue);
    found = &closed;
  }
  const std::size_t marked = mark_in_flight();
  common::OrderUpdate u;
  const bool corrected =
      reconciler_.apply_status(table_, cloid, found, clock_.now_ns(), rec_counters_, u);
  unmark_in_flight(marked);
  if (!corrected) return;
  // Bybit cancels a crossing post-only order: for the core it never lived (as report() says).
  if (u.status == common::OrderStatus::kCancelled &&
      u.reject == common::RejectReason::kPostOnlyWouldCross && u.filled_qty.is_zero()) {
    u.status = common::OrderStatus::kRejected;
    o->last.status = u.status;
  }
  counters_.reconcile_corrections.add();
  emit(common::ExecEvent(u));
}

}  // namespace peregrine::gateways::bybit
