// Router: the allocation manager (target notional share per venue, drift, rebalance signal)
// and venue selection for intents without a venue (fees, liquidity, latency, reliability).
// Strategy-core thread only; no allocation after construction. Scores are doubles: they rank
// venues and never become prices or sizes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/instrument.hpp"
#include "common/l2_book.hpp"

namespace peregrine::engine::router {

using common::kVenueCount;
using common::VenueId;

// How a venue above its allocation target is treated in selection. "Above" means its drift
// (actual - target share) exceeds rebalance_threshold. kPenalize multiplies its total score by
// over_target_penalty; kExclude drops it unless every candidate is over target (an intent is
// never left without a venue for allocation reasons alone). Components are min-max normalized
// across the candidates (1 = best; all equal = 1); liquidity is the fraction of the needed size
// the visible book covers (to `limit` when given); a venue with no latency sample scores 0.5.
enum class OverTargetPolicy : std::uint8_t { kPenalize, kExclude };

struct RouterConfig {
  // Target share of total gross notional per venue (need not sum to 1; normalized).
  std::array<double, kVenueCount> target_share{0.8, 0.0, 0.0, 0.2};
  double rebalance_threshold = 0.05;  // |actual - target| share that raises the signal
  double w_fees = 0.3;
  double w_liquidity = 0.4;
  double w_latency = 0.2;
  double w_reliability = 0.1;
  double ewma_alpha = 0.1;  // weight of each new latency / outcome sample
  OverTargetPolicy over_target = OverTargetPolicy::kPenalize;
  double over_target_penalty = 0.5;  // score multiplier for a venue over target + threshold
  std::size_t depth_levels = 20;     // book levels scanned for liquidity
};

struct AllocationView {
  std::array<double, kVenueCount> target{};  // normalized targets
  std::array<double, kVenueCount> actual{};  // share of total gross notional
  std::array<double, kVenueCount> drift{};   // actual - target
  double max_abs_drift = 0;
  bool rebalance = false;  // some venue drifted beyond the threshold
};

class AllocationManager {
 public:
  explicit AllocationManager(const RouterConfig& config) noexcept;
  // gross[v]: the venue's gross notional (positions, optionally + open orders), any unit.
  [[nodiscard]] AllocationView evaluate(
      const std::array<double, kVenueCount>& gross) const noexcept;
  [[nodiscard]] const std::array<double, kVenueCount>& targets() const noexcept { return target_; }

 private:
  std::array<double, kVenueCount> target_{};
  double threshold_ = 0;
};

// Per-venue execution statistics the core feeds from OMS events.
class VenueStats {
 public:
  explicit VenueStats(double alpha) noexcept : alpha_(alpha) {}
  void on_ack_latency(VenueId v, common::Nanos latency) noexcept;
  // One request outcome: error = reject, timeout or transport error.
  void on_outcome(VenueId v, bool error) noexcept;
  [[nodiscard]] double latency_ewma(VenueId v) const noexcept { return lat_[common::index(v)]; }
  [[nodiscard]] double error_rate(VenueId v) const noexcept { return err_[common::index(v)]; }
  [[nodiscard]] bool has_latency(VenueId v) const noexcept { return lat_seen_[common::index(v)]; }

 private:
  double alpha_;
  std::array<double, kVenueCount> lat_{};
  std::array<double, kVenueCount> err_{};
  std::array<bool, kVenueCount> lat_seen_{};
};

struct VenueScore {
  double fees = 0;  // each component in [0, 1] across the candidates, 1 = best
  double liquidity = 0;
  double latency = 0;
  double reliability = 0;
  double total = 0;
  bool candidate = false;  // lists the asset, healthy, valid book
  bool excluded_over_target = false;
  bool penalized_over_target = false;
};

struct RouteDecision {
  bool found = false;
  VenueId venue = VenueId::kHyperliquid;
  common::InstrumentId instrument;
  std::array<VenueScore, kVenueCount> scores{};
};

// What the selector reads for one venue; the core fills it from its books and status.
struct VenueInput {
  common::InstrumentId instrument;  // the asset's listing on this venue (invalid: none)
  const common::L2Book* book = nullptr;
  bool healthy = false;
};

class VenueSelector {
 public:
  VenueSelector(const RouterConfig& config, const common::InstrumentRegistry& registry) noexcept
      : config_(config), registry_(registry) {}

  // Chooses a venue for `side`/`qty` of one canonical asset. `limit` bounds the depth counted
  // (zero: the best depth_levels levels). `alloc` may be null (no allocation steering).
  [[nodiscard]] RouteDecision select(const std::array<VenueInput, kVenueCount>& inputs,
                                     common::Side side, common::Qty qty, common::Price limit,
                                     bool maker, const VenueStats& stats,
                                     const AllocationView* alloc) const noexcept;

 private:
  RouterConfig config_;
  const common::InstrumentRegistry& registry_;
};

}  // namespace peregrine::engine::router
