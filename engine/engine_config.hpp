// EngineConfig: the typed contents of a Peregrine YAML config (engine, venues, instruments, risk,
// strategies, control) and its loader. Start-up only: main loads it before any agent starts;
// afterwards it is read-only and may be read from any thread. The format is docs/configuration.md.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/decimal.hpp"
#include "common/ids.hpp"
#include "common/instrument.hpp"
#include "engine/router/router.hpp"

namespace peregrine::engine {

enum class Mode : std::uint8_t { kPaper, kLive, kReplay };
enum class StrategyType : std::uint8_t { kFibHedger, kConfluence, kXvenueArb, kTwap };

// Fee rates and percentages, exact like prices (0.00045 = 4.5 bp; negative for rebates).
using common::Rate;

inline constexpr std::array<common::EnumName<Mode>, 3> kModeNames{{
    {"paper", Mode::kPaper},
    {"live", Mode::kLive},
    {"replay", Mode::kReplay},
}};
inline constexpr std::array<common::EnumName<StrategyType>, 4> kStrategyTypeNames{{
    {"fib_hedger", StrategyType::kFibHedger},
    {"confluence", StrategyType::kConfluence},
    {"xvenue_arb", StrategyType::kXvenueArb},
    {"twap", StrategyType::kTwap},
}};
// The config keys under `venues:` and `instruments[i].venues:`.
inline constexpr std::array<common::EnumName<common::VenueId>, common::kVenueCount> kVenueNames{{
    {"hyperliquid", common::VenueId::kHyperliquid},
    {"binance", common::VenueId::kBinance},
    {"bybit", common::VenueId::kBybit},
    {"coinbase", common::VenueId::kCoinbase},
}};

[[nodiscard]] std::string_view to_string(Mode m) noexcept;
[[nodiscard]] std::string_view to_string(StrategyType t) noexcept;
// The config key of a venue ("hyperliquid", ...).
[[nodiscard]] std::string_view venue_key(common::VenueId v) noexcept;

// A CPU to pin a thread to; -1 = do not pin.
inline constexpr int kNoPin = -1;

struct EngineSection {
  Mode mode = Mode::kPaper;
  std::string name = "peregrine";
  int core_cpu = kNoPin;
  std::string journal_dir = "journal";
  std::optional<common::Duration> duration;  // stop after this long; absent: run until stopped
  std::string replay_input;                  // recording to replay (replay mode only)
};

// One venue. Only the credential fields of that venue are read; the others stay empty.
struct VenueConfig {
  common::VenueId venue = common::VenueId::kHyperliquid;
  bool enabled = false;
  bool testnet = false;
  common::Url rest_url;
  common::Url ws_url;
  int md_cpu = kNoPin;
  int order_cpu = kNoPin;
  // Hyperliquid: API (agent) wallet key, 0x + 64 hex. Coinbase: EC private key, PEM.
  common::Secret private_key;
  std::optional<std::string> account_address;  // Hyperliquid master account when trading as agent
  std::optional<std::string> vault_address;    // Hyperliquid vault or subaccount
  // Binance, Bybit.
  common::Secret api_key;
  common::Secret api_secret;
  // Coinbase CDP key name, "organizations/{org}/apiKeys/{id}".
  std::string key_name;
  // The cash the engine assumes the account started with (quote currency), for /api/balances:
  // the engine's own view (start + realized PnL - fees + unrealized), not a venue report.
  common::Money starting_balance;
};

// One instrument on one venue.
struct VenueListing {
  common::VenueId venue = common::VenueId::kHyperliquid;
  std::string symbol;  // venue's own name: BTC, BTCUSDT, BTC-PERP-INTX (fits common::Symbol)
  common::Price tick;
  common::Qty lot;
  common::Money min_notional;
  Rate maker_fee;
  Rate taker_fee;
  std::optional<int> size_decimals;  // Hyperliquid szDecimals (required there)
  std::optional<int> asset_index;    // Hyperliquid asset id (required there)
};

// A canonical asset and where it trades.
struct InstrumentConfig {
  std::string asset;  // BTC
  std::vector<VenueListing> listings;

  [[nodiscard]] const VenueListing* on(common::VenueId v) const noexcept;
};

// Global pre-trade limits; every one is required so a config can never trade unlimited.
struct RiskConfig {
  common::Qty max_order_qty;
  common::Money max_order_notional;
  common::Money max_position_notional;
  common::Money max_gross_exposure;
  int max_open_orders = 0;
  int max_orders_per_sec = 0;
  Rate price_collar_pct;  // reject limit prices further than this percent from the mid
  common::Money max_daily_loss;
  common::Money max_drawdown;
};

struct StrategyConfig {
  std::string name;
  StrategyType type = StrategyType::kFibHedger;
  bool enabled = true;
  common::VenueId venue = common::VenueId::kHyperliquid;
  // `venue: auto` (or no venue): the router picks the venue per entry (confluence only). `venue`
  // is then the first enabled venue listing the asset, whose book drives the strategy's signals.
  bool venue_auto = false;
  std::string asset;
  // Strategy-specific scalars, kept as text for the strategy to parse and validate.
  std::map<std::string, std::string, std::less<>> params;
};

struct ControlConfig {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8470;
  common::Secret api_key;  // required unless bind is a loopback address
};

// Where alerts (fills, rejects, halts, disconnects) go besides the log.
struct AlertsConfig {
  std::string webhook_url;             // http(s) URL for HTTP POST JSON; empty: log only
  std::int64_t deny_window_ms = 1000;  // risk denials within a window become one summary alert
};

// The router (docs/configuration.md `router`): allocation targets, rebalance threshold, venue
// selection weights and the over-target policy. Absent: RouterConfig's defaults (80% Hyperliquid,
// 20% Coinbase, 5% threshold, weights 0.3/0.4/0.2/0.1, penalize).
using RouterConfig = router::RouterConfig;

struct EngineConfig {
  EngineSection engine;
  std::vector<VenueConfig> venues;  // in kVenueNames order, only those configured
  std::vector<InstrumentConfig> instruments;
  RiskConfig risk;
  std::vector<StrategyConfig> strategies;
  ControlConfig control;
  AlertsConfig alerts;
  RouterConfig router;

  [[nodiscard]] const VenueConfig* venue(common::VenueId v) const noexcept;
  [[nodiscard]] const InstrumentConfig* instrument(std::string_view asset) const noexcept;
};

// The loader, for composing into a larger document; checks across sections included.
void load_engine_config(common::ConfigNode& root, EngineConfig& out);

[[nodiscard]] common::LoadResult<EngineConfig> load_engine_config_file(
    const std::filesystem::path& path, const common::LoadOptions& options = {});
[[nodiscard]] common::LoadResult<EngineConfig> load_engine_config_string(
    std::string_view yaml, const common::LoadOptions& options = {});

}  // namespace peregrine::engine
