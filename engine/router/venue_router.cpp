#include "engine/router/venue_router.hpp"

namespace peregrine::engine::router {

VenueRouter::VenueRouter(const RouterConfig& config,
                         const common::InstrumentRegistry& registry) noexcept
    : config_(config),
      manager_(config),
      selector_(config, registry),
      stats_(config.ewma_alpha),
      alloc_(manager_.evaluate({})) {
  state_.fill(common::VenueState::kDown);  // a venue is a candidate once its gateway says so
}

void VenueRouter::on_venue_status(const common::VenueStatus& s) noexcept {
  const std::size_t v = common::index(s.venue);
  if (v < state_.size()) state_[v] = s.state;
}

void VenueRouter::on_answer(VenueId v, common::Nanos ack_latency, bool error) noexcept {
  if (common::index(v) >= kVenueCount) return;
  if (error) {
    ++counters_.errors;
  } else {
    ++counters_.acks;
  }
  stats_.on_outcome(v, error);
  if (!error && ack_latency >= 0) stats_.on_ack_latency(v, ack_latency);
}

bool VenueRouter::update_allocation(const std::array<double, kVenueCount>& gross, common::Nanos now,
                                    RebalanceSignal* edge) noexcept {
  const bool was = alloc_.rebalance;
  alloc_ = manager_.evaluate(gross);
  if (alloc_.rebalance == was) return false;
  if (alloc_.rebalance) ++counters_.rebalance_on;
  if (edge != nullptr) {
    RebalanceSignal e;
    e.ts = now;
    e.on = alloc_.rebalance;
    e.threshold = config_.rebalance_threshold;
    double worst = -1;
    for (std::size_t v = 0; v < kVenueCount; ++v) {
      const double a = alloc_.drift[v] < 0 ? -alloc_.drift[v] : alloc_.drift[v];
      if (a > worst) {
        worst = a;
        e.worst = common::kAllVenues[v];
        e.worst_drift = alloc_.drift[v];
      }
    }
    *edge = e;
  }
  return true;
}

RouteDecision VenueRouter::select(std::array<VenueInput, kVenueCount> inputs, common::Side side,
                                  common::Qty qty, common::Price limit, bool maker) noexcept {
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    inputs[v].healthy = inputs[v].healthy && state_[v] == common::VenueState::kConnected;
  }
  RouteDecision d = selector_.select(inputs, side, qty, limit, maker, stats_, &alloc_);
  if (d.found) {
    ++counters_.routes;
    ++counters_.routed_to[common::index(d.venue)];
  } else {
    ++counters_.no_route;
  }
  return d;
}

}  // namespace peregrine::engine::router
