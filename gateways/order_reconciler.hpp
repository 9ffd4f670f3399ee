// Open-order reconciliation for the CEX order gateways (Binance, Bybit, Coinbase): compares the
// OrderTable with the venue's open-order list and order-status answers, producing corrective
// OrderUpdates. Called on the order gateway thread, off the intent path; buffers are sized at
// construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/events.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/hyperliquid/order_table.hpp"

namespace peregrine::gateways {

// Per-kind counts of what reconciliation found (readable from any thread).
struct ReconcileCounters {
  PaddedCounter rounds;          // open-order snapshots compared
  PaddedCounter failed_rounds;   // snapshots that could not be fetched or parsed
  PaddedCounter state_changes;   // listed open order whose status/fill differed from our view
  PaddedCounter revived;         // listed open, but we had reported it terminal
  PaddedCounter gone_queried;    // believed open, not listed: status asked
  PaddedCounter gone_closed;     // ... and the venue said filled/cancelled/expired
  PaddedCounter gone_unknown;    // ... and the venue does not know it (reported cancelled)
  PaddedCounter foreign_orders;  // open at the venue, not ours or not tracked: reported only
};

// Semantics mirror hyperliquid::Reconciler: an order whose venue state differs from the last
// report becomes one OrderUpdate (identity from the table, state from the venue) and the table
// is updated; orders with a request in flight are left to that request; unknown open orders are
// counted, never adopted. A listing older than our last report of an order is not applied
// (the stream overtook the snapshot).
class OrderReconciler {
 public:
  // `capacity`: the most orders one snapshot or round can involve (allocated here, once).
  explicit OrderReconciler(std::size_t capacity);

  // One open-order snapshot. Afterwards events() holds the corrections and to_query() the
  // orders believed open that the venue did not list (ask their status one by one).
  void compare_open(hyperliquid::OrderTable& table, std::span<const common::OrderUpdate> open,
                    common::Nanos now, ReconcileCounters& counters) noexcept;

  // One order-status answer about `cloid`: `venue` = the order as the venue reports it, or null
  // when the venue does not know it. Returns true and sets `out` when a correction is due.
  bool apply_status(hyperliquid::OrderTable& table, const common::ClientOrderId& cloid,
                    const common::OrderUpdate* venue, common::Nanos now,
                    ReconcileCounters& counters, common::OrderUpdate& out) noexcept;

  [[nodiscard]] std::span<const common::OrderUpdate> events() const noexcept {
    return {events_.data(), event_count_};
  }
  [[nodiscard]] std::span<const common::ClientOrderId> to_query() const noexcept {
    return {to_query_.data(), query_count_};
  }

 private:
  std::vector<common::OrderUpdate> events_;
  std::size_t event_count_ = 0;
  std::vector<common::ClientOrderId> to_query_;
  std::size_t query_count_ = 0;
  std::vector<common::ClientOrderId> listed_;
  std::size_t listed_count_ = 0;
};

}  // namespace peregrine::gateways
