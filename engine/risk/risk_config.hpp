// Configuration of the pre-trade risk gate: global, per-venue, per-asset and per-listing limits,
// and the loader for the optional `risk_gate:` YAML section. Start-up only (any one thread);
// RiskGate resolves it into flat per-instrument tables at construction.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/config.hpp"
#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "engine/engine_config.hpp"

namespace peregrine::engine::risk {

using common::Money;
using common::Nanos;
using common::Qty;

// Off-grid price or size: deny (kOffTick/kOffLot) or round passively (buys down, sells up;
// sizes toward zero) and pass the rounded intent on.
enum class GridPolicy : std::uint8_t { kDeny, kRound };
// What breaching the daily-loss or drawdown limit does.
enum class BreachAction : std::uint8_t { kReduceOnly, kHalt };

// Limits that apply per instrument. Zero means "no limit" for the numeric caps.
struct InstrumentLimits {
  bool enabled = true;
  GridPolicy grid = GridPolicy::kDeny;
  Qty max_order_qty;
  Money max_order_notional;
  std::int64_t collar_bps = 0;      // limit price vs valid mid; 0 = off
  std::int64_t fat_finger_bps = 0;  // wider band, reported as kFatFinger; 0 = off
  Money max_position_notional;      // |position + open same side + order| x price
  std::uint32_t max_open_orders = 0;
  bool self_trade_check = true;
};

// Optional overrides layered: defaults <- venue <- asset <- listing (asset@venue).
struct InstrumentOverrides {
  std::optional<bool> enabled;
  std::optional<GridPolicy> grid;
  std::optional<Qty> max_order_qty;
  std::optional<Money> max_order_notional;
  std::optional<std::int64_t> collar_bps;
  std::optional<std::int64_t> fat_finger_bps;
  std::optional<Money> max_position_notional;
  std::optional<std::uint32_t> max_open_orders;
  std::optional<bool> self_trade_check;
  void apply_to(InstrumentLimits& l) const noexcept;
};

struct VenueLimits {
  bool enabled = true;
  Money max_gross_exposure;           // positions + open orders, notional; 0 = no limit
  std::uint32_t max_open_orders = 0;  // 0 = no limit
  // Token bucket kept below the venue's own limit: refill per second and burst size.
  std::uint32_t orders_per_sec = 0;  // 0 = no budget check
  std::uint32_t burst = 0;           // 0 = orders_per_sec
  InstrumentOverrides instruments;   // defaults for this venue's instruments
};

struct AssetLimits {
  Money max_position_notional;  // |net across venues incl. open orders| x price; 0 = off
  Money max_gross_exposure;     // sum over venues of |positions| + open orders; 0 = off
  InstrumentOverrides instruments;
};

struct GlobalLimits {
  std::uint32_t max_open_orders = 0;               // 0 = no limit
  std::uint32_t max_open_orders_per_strategy = 0;  // 0 = no limit
  Money max_daily_loss;                            // 0 = off
  BreachAction daily_loss_action = BreachAction::kReduceOnly;
  Money max_drawdown;  // 0 = off
  BreachAction drawdown_action = BreachAction::kHalt;
  Nanos duplicate_window_ns = 50'000'000;  // identical intent within this window; 0 = off
  bool exempt_reducing_from_min_notional = true;
};

struct RiskGateConfig {
  InstrumentLimits defaults;
  std::array<VenueLimits, common::kVenueCount> venues{};
  std::map<std::string, AssetLimits, std::less<>> assets;            // by canonical asset
  std::map<std::string, InstrumentOverrides, std::less<>> listings;  // "BTC@binance"
  GlobalLimits global;
};

// Seeds a gate config from the engine's required `risk:` section: order caps, position and
// gross limits (per instrument and per venue), open orders (global), rate budget (per venue),
// collar (fat finger at twice the collar), daily loss and drawdown.
[[nodiscard]] RiskGateConfig from_engine_risk(const RiskConfig& risk);

// Reads the optional `risk_gate:` section on top of `out` (keys: grid, fat_finger_bps,
// collar_bps, duplicate_window, daily_loss_action, drawdown_action, max_open_orders_per_strategy,
// venues: {hyperliquid: {...}}, assets: {BTC: {...}}, listings: {"BTC@binance": {...}}).
// Format in docs/risk.md. Unknown keys are errors.
void load_risk_gate_config(common::ConfigNode& n, RiskGateConfig& out);

}  // namespace peregrine::engine::risk
