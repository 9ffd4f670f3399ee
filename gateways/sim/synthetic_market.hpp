// SyntheticMarket: seeded random-walk fair values and a liquidity provider + taker flow that keep
// each leg's Exchange book alive. Same thread as the Exchanges it drives.
// Deterministic: same seed + same step() times + same external orders = same books and trades.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/rng.hpp"
#include "gateways/sim/exchange.hpp"
#include "gateways/sim/types.hpp"

namespace peregrine::gateways::sim {

struct AssetMarketConfig {
  std::string asset;
  double start_price = 0;
  double vol_per_sqrt_s = 0.0005;  // log-return standard deviation per sqrt(second)
  int levels = 20;                 // ladder depth per side
  double level_qty = 1.0;          // mean size per level, base units
  double spread_ticks = 2;
  double taker_rate_hz = 2;
  double cancel_rate_hz = 5;
  double place_rate_hz = 5;
};

struct VenueLeg {
  Exchange* exchange = nullptr;
  common::InstrumentId instrument;
  AccountId liquidity_account = 0;
  double basis_bps = 0;
  common::Nanos lag = 0;  // this venue sees the fair value `lag` late
};

class SyntheticMarket {
 public:
  explicit SyntheticMarket(std::uint64_t seed);

  // Start-up. Adds (or reuses) an account "synthetic-taker" on each leg's Exchange for the taker
  // flow, so takers never self-trade with the ladder.
  void add_asset(const AssetMarketConfig& cfg, std::vector<VenueLeg> legs);
  // Advances fair values to `now`, then maintains every leg's ladder and runs the Poisson flow.
  void step(common::Nanos now);
  void move_fair_value(std::string_view asset, double pct);
  // Temporary extra basis on one venue until now + duration.
  void dislocate(std::string_view asset, Exchange* venue, double bps, common::Nanos duration,
                 common::Nanos now);
  [[nodiscard]] double fair_value(std::string_view asset) const noexcept;
  [[nodiscard]] std::uint64_t orders_sent() const noexcept { return orders_sent_; }

 private:
  struct LegState {
    VenueLeg leg;
    AccountId taker_account = 0;
    common::Price tick;
    common::Qty lot;
    std::vector<OrderId> bids;  // our ladder orders (may include already-closed ones)
    std::vector<OrderId> asks;
    double extra_bps = 0;
    common::Nanos extra_until = 0;
    common::Nanos next_taker = 0, next_cancel = 0, next_place = 0;
    bool scheduled = false;
  };
  struct AssetState {
    AssetMarketConfig cfg;
    double fair = 0;
    std::deque<std::pair<common::Nanos, double>> history;  // for lagged legs
    common::Nanos max_lag = 0;
    std::vector<LegState> legs;
  };

  [[nodiscard]] double lagged_fair(const AssetState& a, common::Nanos at) const noexcept;
  void maintain(AssetState& a, LegState& l, common::Nanos now);
  void run_flow(AssetState& a, LegState& l, common::Nanos now);
  void place(AssetState& a, LegState& l, common::Side side, common::Price price, common::Nanos now);
  [[nodiscard]] common::Qty random_qty(const AssetState& a, const LegState& l, double mean);
  AssetState* find(std::string_view asset) noexcept;
  [[nodiscard]] const AssetState* find(std::string_view asset) const noexcept;

  common::Rng rng_;
  std::vector<AssetState> assets_;
  common::Nanos last_ = 0;
  bool started_ = false;
  std::uint64_t orders_sent_ = 0;
};

}  // namespace peregrine::gateways::sim
