// VenueRouter: the router as a session runs it. It holds the selection statistics the core
// feeds from OMS events (ack latency, rejects), venue health from VenueStatus, and the current
// allocation view with its rebalance signal (raised and cleared with hysteresis-free edges).
// Strategy-core thread only; nothing allocates after construction.
#pragma once

#include <array>
#include <cstdint>

#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/instrument.hpp"
#include "engine/router/router.hpp"

namespace peregrine::engine::router {

// A rebalance edge: the signal went on (some venue drifted beyond the threshold) or off.
struct RebalanceSignal {
  common::Nanos ts = 0;
  bool on = false;
  VenueId worst = VenueId::kHyperliquid;  // the venue with the largest |drift|
  double worst_drift = 0;                 // its actual - target share
  double threshold = 0;
};

struct VenueRouterCounters {
  std::uint64_t routes = 0;    // route() calls that found a venue
  std::uint64_t no_route = 0;  // route() calls with no candidate (asset unlisted, all unhealthy)
  std::array<std::uint64_t, kVenueCount> routed_to{};
  std::uint64_t rebalance_on = 0;  // rising edges of the rebalance signal
  std::uint64_t acks = 0;
  std::uint64_t errors = 0;
};

class VenueRouter {
 public:
  VenueRouter(const RouterConfig& config, const common::InstrumentRegistry& registry) noexcept;

  // --- Fed by the core ---
  void on_venue_status(const common::VenueStatus& s) noexcept;
  // The first answer to a new order: its ack latency (negative: answered without an ack, e.g.
  // an IOC filled at once) and whether the venue refused it (reject, timeout).
  void on_answer(VenueId v, common::Nanos ack_latency, bool error) noexcept;
  // Re-evaluates allocation from each venue's gross notional (any unit). Returns true, and
  // fills `edge`, when the rebalance signal changed.
  bool update_allocation(const std::array<double, kVenueCount>& gross, common::Nanos now,
                         RebalanceSignal* edge) noexcept;

  // Chooses a venue; health here is the venue's last VenueStatus (the caller ANDs in its own
  // view: risk gate, queue wiring). Steers by the last evaluated allocation.
  [[nodiscard]] RouteDecision select(std::array<VenueInput, kVenueCount> inputs, common::Side side,
                                     common::Qty qty, common::Price limit, bool maker) noexcept;

  [[nodiscard]] bool connected(VenueId v) const noexcept {
    return state_[common::index(v)] == common::VenueState::kConnected;
  }
  [[nodiscard]] const AllocationView& allocation() const noexcept { return alloc_; }
  [[nodiscard]] const AllocationManager& allocation_manager() const noexcept { return manager_; }
  [[nodiscard]] const VenueStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const RouterConfig& config() const noexcept { return config_; }
  [[nodiscard]] const VenueRouterCounters& counters() const noexcept { return counters_; }

 private:
  RouterConfig config_;
  AllocationManager manager_;
  VenueSelector selector_;
  VenueStats stats_;
  AllocationView alloc_;
  std::array<common::VenueState, kVenueCount> state_{};  // kDown until a status says otherwise
  VenueRouterCounters counters_;
};

}  // namespace peregrine::engine::router
