// OrderReconciler: see order_reconciler.hpp.
#include "gateways/order_reconciler.hpp"

#include <algorithm>

#include "gateways/hyperliquid/reconcile.hpp"

namespace peregrine::gateways {

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

}  // namespace peregrine::gateways
