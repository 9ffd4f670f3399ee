// Hyperliquid reconciliation: compares what the order gateway believes (its OrderTable and the
// fills it reported) with the venue's answers (openOrders, userFills, orderStatus) and produces
// the corrective events. Called on the order gateway thread, off the hot path (allocates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/events.hpp"
#include "gateways/hyperliquid/order_codec.hpp"
#include "gateways/hyperliquid/order_table.hpp"

namespace peregrine::gateways::hyperliquid {

struct ReconcileResult {
  std::vector<common::ExecEvent> events;        // corrections, in the order to deliver them
  std::vector<common::ClientOrderId> to_query;  // believed open, absent: ask orderStatus
  std::size_t corrections = 0;                  // == events.size()
  std::size_t foreign_orders = 0;               // open at the venue, not sent this session
  std::size_t foreign_fills = 0;                // fills of orders not sent this session
};

class Reconciler {
 public:
  // Fills the venue reports that were never reported become Fill events (orders this session
  // sent only; older history is marked seen and skipped). Open orders whose state differs from
  // the last report become OrderUpdates. Orders believed live that the venue does not list
  // and that have no request in flight go to `to_query`. Updates `table` and `seen`.
  // `fill_twaps` (empty, or one per fill) gives each fill's twapId: slice fills of a native
  // TWAP belong to that TWAP's order. TWAP orders are never in openOrders and never queried.
  [[nodiscard]] ReconcileResult reconcile(OrderTable& table, SeenFills& seen,
                                          std::span<const OpenOrderInfo> open_orders,
                                          std::span<const common::Fill> fills, common::Nanos now,
                                          std::span<const std::uint64_t> fill_twaps = {}) const;

  // One orderStatus answer about `cloid`: the update to report when it differs from what the
  // gateway last said (found -> the venue's status; unknownOid for an order believed live ->
  // kCancelled with kUnknownOrder). Nothing when the order is not tracked or nothing changed.
  [[nodiscard]] ReconcileResult apply_status(OrderTable& table, const common::ClientOrderId& cloid,
                                             const OrderStatusInfo& info, common::Nanos now) const;

  // The dedup key of a fill: tid alone is shared by both sides of a self-trade.
  [[nodiscard]] static std::uint64_t fill_key(const common::Fill& f) noexcept {
    return f.fill_id * 0x9e3779b97f4a7c15ull ^ f.venue_order_id.lo;
  }
};

// Records `u` as the latest report for `o` (status, terminal flag, oid).
void remember(OrderTable& table, TrackedOrder& o, const common::OrderUpdate& u) noexcept;

}  // namespace peregrine::gateways::hyperliquid
