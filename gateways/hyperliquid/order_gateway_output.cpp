// HlOrderGateway's output: order updates with their timings, and the in-order backlog that
// keeps execution reports when the core's queue is full. Gateway thread only.
#include "gateways/hyperliquid/order_gateway.hpp"

namespace peregrine::gateways::hyperliquid {

using common::ExecEvent;
using common::OrderStatus;
using common::OrderUpdate;
using common::RejectReason;

void HlOrderGateway::report(TrackedOrder& o, OrderStatus status, RejectReason reject,
                            const Request* r, const HttpResponse* resp) noexcept {
  OrderUpdate u = o.last;
  u.ts_recv = clock_.now_ns();
  u.status = status;
  u.reject = reject;
  u.ts_intent = 0;
  u.ts_sent = 0;
  if (r != nullptr && resp != nullptr && resp->ts_sent > 0 && !r->stamped) {
    // The answer's own timings, all on the transport's clock; ts_recv is when it was read.
    u.ts_intent = r->intent.ts_recv;
    u.ts_sent = resp->ts_sent;
    if (resp->ts_recv > 0) u.ts_recv = resp->ts_recv;
  } else if (r == nullptr && o.last.status == OrderStatus::kPendingNew) {
    // The user stream's first word on a new order can beat the /exchange answer (under load
    // it does): it takes the order request's timings, and the answer then carries none.
    for (Request& q : requests_) {
      if (q.kind != ReqKind::kOrder || q.subject != o.last.cloid) continue;
      if (q.ts_sent > 0 && !q.stamped) {
        u.ts_intent = q.intent.ts_recv;
        u.ts_sent = q.ts_sent;
        q.stamped = true;
      }
      break;
    }
  }
  remember(table_, o, u);
  o.last.ts_intent = 0;  // later restatements of the order carry no timings
  o.last.ts_sent = 0;
  emit(ExecEvent(u));
}

void HlOrderGateway::emit(const ExecEvent& e) noexcept {
  // Execution reports are never dropped: what the core's queue refuses waits here, in order.
  if (backlog_count_ == 0 && out_.try_push(e)) return;
  counters_.queue_full.add();
  if (backlog_count_ == backlog_.size()) {
    hl_counters_.backlog_overflow.add();  // lost: reconciliation will restate the orders
    return;
  }
  backlog_[(backlog_head_ + backlog_count_) % backlog_.size()] = e;
  ++backlog_count_;
}

int HlOrderGateway::flush_backlog() noexcept {
  int n = 0;
  while (backlog_count_ > 0 && out_.try_push(backlog_[backlog_head_])) {
    backlog_head_ = (backlog_head_ + 1) % backlog_.size();
    --backlog_count_;
    ++n;
  }
  return n;
}

void HlOrderGateway::emit_status(common::VenueState s) noexcept {
  common::VenueStatus st;
  st.ts_recv = clock_.now_ns();
  st.venue = common::VenueId::kHyperliquid;
  st.state = s;
  emit(ExecEvent(st));
}

}  // namespace peregrine::gateways::hyperliquid
