#include "gateways/hyperliquid/reconcile.hpp"

namespace peregrine::gateways::hyperliquid {

namespace {

using common::ExecEvent;
using common::OrderStatus;
using common::OrderUpdate;

// The update an /info order implies, carrying the tracked order's identity.
OrderUpdate update_from(const TrackedOrder& o, const OpenOrderInfo& info, StatusMapping st,
                        common::Nanos ts_venue, common::Nanos now) {
  OrderUpdate u = o.last;
  u.ts_venue = ts_venue;
  u.ts_recv = now;
  u.venue_seq = static_cast<std::uint64_t>(ts_venue / 1'000'000);
  if (!info.oid.is_null()) u.venue_order_id = info.oid;
  u.price = info.limit_price;
  if (info.orig_size.raw() > 0) u.qty = info.orig_size;
  u.filled_qty = common::Qty::from_raw(u.qty.raw() - info.size.raw());
  if (u.filled_qty.is_negative()) u.filled_qty = common::Qty{};
  u.status = st.status;
  u.reject =
      st.status == OrderStatus::kRejected || !st.known ? st.reject : common::RejectReason::kNone;
  return u;
}

bool differs(const OrderUpdate& a, const OrderUpdate& b) noexcept {
  return a.status != b.status || a.filled_qty != b.filled_qty || a.price != b.price ||
         a.qty != b.qty || !(a.venue_order_id == b.venue_order_id);
}

}  // namespace

void remember(OrderTable& table, TrackedOrder& o, const OrderUpdate& u) noexcept {
  const bool was_terminal = o.terminal;
  o.last = u;
  o.terminal = is_terminal(u.status);
  if (o.terminal && !was_terminal) table.note_terminal(u.cloid);
  if (u.status != OrderStatus::kPendingNew && u.status != OrderStatus::kRejected) o.acked = true;
  if (!u.venue_order_id.is_null() && !u.venue_order_id.is_uuid) {
    table.index_oid(u.venue_order_id.lo, u.cloid);
  }
}

ReconcileResult Reconciler::reconcile(OrderTable& table, SeenFills& seen,
                                      std::span<const OpenOrderInfo> open_orders,
                                      std::span<const common::Fill> fills, common::Nanos now,
                                      std::span<const std::uint64_t> fill_twaps) const {
  ReconcileResult out;
  // Fills first: an order found filled below is then consistent with the fills already out.
  for (std::size_t i = 0; i < fills.size(); ++i) {
    const common::Fill& f = fills[i];
    const std::uint64_t twap_id = i < fill_twaps.size() ? fill_twaps[i] : 0;
    if (!seen.insert(fill_key(f))) continue;
    TrackedOrder* o = nullptr;
    if (twap_id != 0) {
      o = table.find_twap(twap_id);
    } else {
      o = f.cloid.is_null() ? nullptr : table.find(f.cloid);
      if (o == nullptr) o = table.find_oid(f.venue_order_id.lo);
    }
    if (o == nullptr) {
      ++out.foreign_fills;
      continue;
    }
    common::Fill fill = f;
    fill.ts_recv = now;
    fill.cloid = o->last.cloid;
    fill.strategy = o->last.strategy;
    fill.side = o->last.side;
    out.events.emplace_back(fill);
  }

  // Open orders at the venue.
  std::vector<common::ClientOrderId> listed;
  listed.reserve(open_orders.size());
  for (const auto& info : open_orders) {
    TrackedOrder* o = info.has_cloid ? table.find(info.cloid) : nullptr;
    if (o == nullptr && !info.oid.is_null()) o = table.find_oid(info.oid.lo);
    if (o == nullptr) {
      ++out.foreign_orders;
      continue;
    }
    listed.push_back(o->last.cloid);
    const common::Qty orig = info.orig_size.raw() > 0 ? info.orig_size : o->last.qty;
    const StatusMapping st = map_order_status("open", info.size, orig);
    const OrderUpdate u = update_from(*o, info, st, info.ts_venue, now);
    if (differs(u, o->last) || o->terminal) {
      remember(table, *o, u);
      out.events.emplace_back(u);
    }
  }

  // Believed live but not listed: gone (filled or cancelled) while we were not looking.
  table.for_each([&](const common::ClientOrderId& cloid, TrackedOrder& o) {
    if (o.terminal || o.in_flight || o.is_twap) return;  // TWAPs: the TWAP history says
    for (const auto& c : listed) {
      if (c == cloid) return;
    }
    out.to_query.push_back(cloid);
  });
  out.corrections = out.events.size();
  return out;
}

ReconcileResult Reconciler::apply_status(OrderTable& table, const common::ClientOrderId& cloid,
                                         const OrderStatusInfo& info, common::Nanos now) const {
  ReconcileResult out;
  TrackedOrder* o = table.find(cloid);
  if (o == nullptr) return out;
  OrderUpdate u;
  if (info.found) {
    u = update_from(*o, info.order, info.status,
                    info.status_ts != 0 ? info.status_ts : info.order.ts_venue, now);
  } else {
    if (o->terminal) return out;
    u = o->last;
    u.ts_recv = now;
    u.status = OrderStatus::kCancelled;
    u.reject = common::RejectReason::kUnknownOrder;
  }
  if (!differs(u, o->last) && u.reject == o->last.reject) return out;
  remember(table, *o, u);
  out.events.emplace_back(u);
  out.corrections = 1;
  return out;
}

}  // namespace peregrine::gateways::hyperliquid
