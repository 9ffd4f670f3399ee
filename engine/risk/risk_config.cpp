#include "engine/risk/risk_config.hpp"

#include <array>
#include <string_view>

namespace peregrine::engine::risk {

namespace {
using common::ConfigNode;
using common::Sign;

constexpr std::array<common::EnumName<GridPolicy>, 2> kGridNames{{
    {"deny", GridPolicy::kDeny},
    {"round", GridPolicy::kRound},
}};
constexpr std::array<common::EnumName<BreachAction>, 2> kBreachNames{{
    {"reduce_only", BreachAction::kReduceOnly},
    {"halt", BreachAction::kHalt},
}};

void load_overrides(ConfigNode& n, InstrumentOverrides& o) {
  const auto money = common::decimal_parser<Money>(Sign::kNonNegative);
  n.optional("enabled", &o.enabled);
  n.optional("grid", &o.grid, common::enum_parser(kGridNames));
  n.optional("max_order_qty", &o.max_order_qty, common::decimal_parser<Qty>(Sign::kNonNegative));
  n.optional("max_order_notional", &o.max_order_notional, money);
  n.optional("collar_bps", &o.collar_bps, common::int_parser<std::int64_t>(0, 100'000));
  n.optional("fat_finger_bps", &o.fat_finger_bps, common::int_parser<std::int64_t>(0, 100'000));
  n.optional("max_position_notional", &o.max_position_notional, money);
  n.optional("max_open_orders", &o.max_open_orders,
             common::int_parser<std::uint32_t>(0, 1'000'000));
  n.optional("self_trade_check", &o.self_trade_check);
}

void load_venue_limits(ConfigNode& n, VenueLimits& v) {
  const auto money = common::decimal_parser<Money>(Sign::kNonNegative);
  bool enabled = v.enabled;
  if (n.optional("enabled", &enabled, v.enabled)) v.enabled = enabled;
  Money gross = v.max_gross_exposure;
  if (n.optional("max_gross_exposure", &gross, v.max_gross_exposure, money)) {
    v.max_gross_exposure = gross;
  }
  std::uint32_t u = 0;
  if (n.optional("max_open_orders", &u, v.max_open_orders,
                 common::int_parser<std::uint32_t>(0, 1'000'000))) {
    v.max_open_orders = u;
  }
  if (n.optional("orders_per_sec", &u, v.orders_per_sec,
                 common::int_parser<std::uint32_t>(0, 100'000))) {
    v.orders_per_sec = u;
  }
  if (n.optional("burst", &u, v.burst, common::int_parser<std::uint32_t>(0, 100'000))) {
    v.burst = u;
  }
  n.optional_map("instruments", &v.instruments, load_overrides);
}

void load_asset_limits(ConfigNode& n, AssetLimits& a) {
  const auto money = common::decimal_parser<Money>(Sign::kNonNegative);
  n.optional("max_position_notional", &a.max_position_notional, Money{}, money);
  n.optional("max_gross_exposure", &a.max_gross_exposure, Money{}, money);
  n.optional_map("instruments", &a.instruments, load_overrides);
}

// Nanoseconds from a config duration, without std::chrono arithmetic at call sites.
[[nodiscard]] Nanos to_nanos(common::Duration d) noexcept { return static_cast<Nanos>(d.count()); }
}  // namespace

void InstrumentOverrides::apply_to(InstrumentLimits& l) const noexcept {
  if (enabled) l.enabled = *enabled;
  if (grid) l.grid = *grid;
  if (max_order_qty) l.max_order_qty = *max_order_qty;
  if (max_order_notional) l.max_order_notional = *max_order_notional;
  if (collar_bps) l.collar_bps = *collar_bps;
  if (fat_finger_bps) l.fat_finger_bps = *fat_finger_bps;
  if (max_position_notional) l.max_position_notional = *max_position_notional;
  if (max_open_orders) l.max_open_orders = *max_open_orders;
  if (self_trade_check) l.self_trade_check = *self_trade_check;
}

RiskGateConfig from_engine_risk(const RiskConfig& risk) {
  RiskGateConfig c;
  c.defaults.max_order_qty = risk.max_order_qty;
  c.defaults.max_order_notional = risk.max_order_notional;
  c.defaults.max_position_notional = risk.max_position_notional;
  // price_collar_pct is a Rate at 1e-8 of a percent: 1 % = 100 bps = raw 1e8.
  c.defaults.collar_bps = risk.price_collar_pct.raw() / 1'000'000;
  c.defaults.fat_finger_bps = c.defaults.collar_bps * 2;
  for (VenueLimits& v : c.venues) {
    v.max_gross_exposure = risk.max_gross_exposure;
    v.orders_per_sec = static_cast<std::uint32_t>(risk.max_orders_per_sec);
    v.burst = static_cast<std::uint32_t>(risk.max_orders_per_sec);
  }
  c.global.max_open_orders = static_cast<std::uint32_t>(risk.max_open_orders);
  c.global.max_daily_loss = risk.max_daily_loss;
  c.global.max_drawdown = risk.max_drawdown;
  return c;
}

void load_risk_gate_config(ConfigNode& n, RiskGateConfig& out) {
  InstrumentOverrides defaults;
  load_overrides(n, defaults);
  defaults.apply_to(out.defaults);

  GlobalLimits& g = out.global;
  std::uint32_t u = 0;
  if (n.optional("max_open_orders_per_strategy", &u, g.max_open_orders_per_strategy,
                 common::int_parser<std::uint32_t>(0, 1'000'000))) {
    g.max_open_orders_per_strategy = u;
  }
  BreachAction action = g.daily_loss_action;
  if (n.optional("daily_loss_action", &action, g.daily_loss_action,
                 common::enum_parser(kBreachNames))) {
    g.daily_loss_action = action;
  }
  if (n.optional("drawdown_action", &action, g.drawdown_action,
                 common::enum_parser(kBreachNames))) {
    g.drawdown_action = action;
  }
  common::Duration window{g.duplicate_window_ns};
  if (n.optional("duplicate_window", &window, window)) g.duplicate_window_ns = to_nanos(window);
  bool exempt = g.exempt_reducing_from_min_notional;
  if (n.optional("exempt_reducing_from_min_notional", &exempt, exempt)) {
    g.exempt_reducing_from_min_notional = exempt;
  }

  n.optional_map("venues", &out.venues,
                 [](ConfigNode& vn, std::array<VenueLimits, common::kVenueCount>& venues) {
                   // Each venue map is optional; absent keeps the seeded limits.
                   for (common::VenueId v : common::kAllVenues) {
                     vn.map_if_present(venue_key(v), &venues[common::index(v)], load_venue_limits);
                   }
                 });
  n.map_of("assets", &out.assets, load_asset_limits);
  n.map_of("listings", &out.listings, [](ConfigNode& item, InstrumentOverrides& o) {
    load_overrides(item, o);
    const std::string_view key = item.name();
    const auto at = key.find('@');
    common::VenueId venue{};
    if (at == std::string_view::npos || at == 0 ||
        !common::parse_venue(key.substr(at + 1), &venue)) {
      item.error("listing key must be ASSET@venue (e.g. BTC@binance)");
    }
  });
}

}  // namespace peregrine::engine::risk
