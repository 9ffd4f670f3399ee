// The simulator's configuration (configs/venue_sim.yaml, docs/venue_sim.md): defaults, YAML
// loading with every error reported at once, and CLI overrides. Start-up only, one thread.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/decimal.hpp"
#include "common/ids.hpp"
#include "tools/venue_sim/faults.hpp"
#include "tools/venue_sim/venue_context.hpp"

namespace peregrine::venue_sim {

// Synthetic market parameters for one asset, shared by every venue that lists it.
struct AssetMarketConfig {
  std::string asset;                // "BTC"
  common::Price start_price;        // fair value at start
  double vol_bps_per_sqrt_s = 5.0;  // random-walk volatility of the fair value
  int levels = 20;                  // resting levels per side kept by background makers
  common::Qty level_size;           // mean size per level
  double spread_ticks = 2.0;        // makers' spread in ticks
  double place_rate_hz = 5.0;       // background maker arrivals (Poisson)
  double cancel_rate_hz = 5.0;      // background cancels (Poisson)
  double taker_rate_hz = 2.0;       // background taker arrivals (Poisson)
  // Per venue (by config name): constant basis in bps and how far the venue lags fair value.
  std::map<std::string, double, std::less<>> basis_bps;
  std::map<std::string, std::int64_t, std::less<>> lag_ms;
  // Scheduled dislocations (what cross-venue arbitrage trades on): every `every_s` seconds one
  // venue of `venues`, in turn, quotes `bps` away from fair value (sign alternating) for
  // `duration_ms`. Off when every_s is 0. Deterministic: no randomness.
  struct Dislocations {
    double every_s = 0;
    double bps = 0;
    std::int64_t duration_ms = 0;
    std::vector<std::string> venues;
  } dislocations;
};

struct SimVenueSettings {
  bool enabled = true;
  SimVenueConfig venue;
  VenueFaults faults;  // armed at start
};

struct SimConfig {
  std::uint64_t seed = 1;
  std::uint32_t tick_ms = 1;
  std::string host = "127.0.0.1";
  std::uint16_t admin_port = 8100;
  bool hl_mainnet = true;                     // phantom-agent source "a" (mainnet) or "b"
  std::uint32_t hl_twap_slice_ms = 30000;     // Hyperliquid native TWAP: time between slices
  std::uint32_t slow_consumer_limit = 10000;  // default per-session WS send-queue bound
  std::string cert_pem_path;                  // where to write the TLS cert (empty: nowhere)
  std::array<SimVenueSettings, common::kVenueCount> venues;  // indexed by common::index(VenueId)
  std::vector<AssetMarketConfig> assets;
};

// Built-in defaults: 127.0.0.1, admin 8100, venues 8101..8104, BTC/ETH/SOL everywhere, the
// accounts and keys of configs/paper.yaml.
[[nodiscard]] SimConfig default_sim_config();

// Loads `path` over the defaults. Unknown keys and bad values are all reported.
[[nodiscard]] common::LoadResult<SimConfig> load_sim_config_file(const std::filesystem::path& path);
[[nodiscard]] common::LoadResult<SimConfig> load_sim_config_string(std::string_view yaml);

// --port-base N: admin N, Hyperliquid N+1, Binance N+2, Bybit N+3, Coinbase N+4 (0: all ephemeral).
void apply_port_base(SimConfig& cfg, std::uint16_t base);

[[nodiscard]] std::string_view venue_config_name(common::VenueId v) noexcept;

}  // namespace peregrine::venue_sim
