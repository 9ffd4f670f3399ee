// What a venue protocol gets from the simulator: its matching engine, its fault switches and its
// slice of the config (accounts, keys, instruments). Built at start-up; simulator thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/decimal.hpp"
#include "common/ids.hpp"
#include "tools/venue_sim/faults.hpp"
#include "tools/venue_sim/venue_protocol.hpp"

namespace peregrine::gateways::sim {
class Exchange;
}

namespace peregrine::venue_sim {

// One trading account on one simulated venue and the credentials that authenticate it.
// Only the fields of the account's venue are used.
struct SimAccountConfig {
  std::string name;               // "default", "mm", ...
  std::uint32_t account_id = 0;   // the Exchange's AccountId, filled in by the server
  common::Money initial_balance;  // quote currency (USDC / USDT / USD)
  bool hedge_mode = false;        // Binance dualSidePosition / Bybit positionIdx 1|2
  // Hyperliquid: the account's master key (hex "0x..." 32 bytes); the address is derived.
  // Agent addresses ("0x..." 20 bytes) approved to sign L1 actions for it.
  std::string hl_private_key;
  std::vector<std::string> hl_agents;
  // Binance / Bybit: API key and HMAC secret.
  std::string api_key;
  std::string api_secret;
  // Coinbase CDP: key name ("organizations/.../apiKeys/...") and its EC P-256 public key (PEM).
  std::string cb_key_name;
  std::string cb_public_key_pem;
};

// One instrument as the venue lists it. Decimal fields are exact decimal strings in config.
struct SimInstrumentConfig {
  std::string asset;   // canonical asset: "BTC"
  std::string symbol;  // venue symbol: "BTC", "BTCUSDT", "BTC-PERP-INTX"
  common::Price tick;
  common::Qty lot;
  common::Money min_notional;
  common::Price initial_price;     // where the synthetic fair value starts
  std::int64_t maker_fee_ppm = 0;  // fee rates in parts per million of notional (150 = 0.015%)
  std::int64_t taker_fee_ppm = 0;
  int max_leverage = 20;
  int size_decimals = 0;            // Hyperliquid szDecimals
  int asset_index = 0;              // Hyperliquid asset id
  std::uint32_t instrument_id = 0;  // the Exchange's id, filled in by the server
};

struct SimVenueConfig {
  common::VenueId venue = common::VenueId::kHyperliquid;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool tls = false;
  std::vector<SimAccountConfig> accounts;
  std::vector<SimInstrumentConfig> instruments;
};

struct VenueContext {
  gateways::sim::Exchange& exchange;
  VenueFaults& faults;
  const SimVenueConfig& config;
};

// Protocol factories, one per venue (tools/venue_sim/<venue>/<venue>_protocol.cpp).
[[nodiscard]] std::unique_ptr<VenueProtocol> make_hyperliquid_protocol(VenueContext& ctx);
[[nodiscard]] std::unique_ptr<VenueProtocol> make_binance_protocol(VenueContext& ctx);
[[nodiscard]] std::unique_ptr<VenueProtocol> make_bybit_protocol(VenueContext& ctx);
[[nodiscard]] std::unique_ptr<VenueProtocol> make_coinbase_protocol(VenueContext& ctx);

}  // namespace peregrine::venue_sim
