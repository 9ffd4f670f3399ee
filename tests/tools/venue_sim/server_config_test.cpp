// The simulator's config: defaults, the shipped configs/venue_sim.yaml, and errors reported
// all at once.
#include <gtest/gtest.h>

#include <string>

#include "tools/venue_sim/sim_config.hpp"

namespace peregrine::venue_sim {
namespace {

using common::VenueId;

TEST(ServerConfig, DefaultsMatchTheDocumentedPortsAndKeys) {
  const SimConfig c = default_sim_config();
  EXPECT_EQ(c.admin_port, 8100);
  EXPECT_EQ(c.venues[common::index(VenueId::kHyperliquid)].venue.port, 8101);
  EXPECT_EQ(c.venues[common::index(VenueId::kCoinbase)].venue.port, 8104);
  const auto& hl = c.venues[common::index(VenueId::kHyperliquid)].venue;
  ASSERT_EQ(hl.accounts.size(), 1u);
  EXPECT_EQ(hl.accounts[0].hl_private_key,
            "0x0123456789012345678901234567890123456789012345678901234567890123");
  EXPECT_EQ(hl.instruments.size(), 3u);
  EXPECT_EQ(c.venues[common::index(VenueId::kBinance)].venue.accounts[0].api_key,
            "sim-binance-api-key");
}

TEST(ServerConfig, ShippedConfigLoadsAndEqualsTheDefaults) {
  auto r = load_sim_config_file(std::string(PEREGRINE_SOURCE_DIR) + "/configs/venue_sim.yaml");
  for (const auto& e : r.errors) ADD_FAILURE() << e;
  const SimConfig d = default_sim_config();
  for (VenueId v : common::kAllVenues) {
    const auto& a = r.value.venues[common::index(v)].venue;
    const auto& b = d.venues[common::index(v)].venue;
    EXPECT_EQ(a.port, b.port);
    ASSERT_EQ(a.instruments.size(), b.instruments.size());
    for (std::size_t i = 0; i < a.instruments.size(); ++i) {
      EXPECT_EQ(a.instruments[i].symbol, b.instruments[i].symbol);
      EXPECT_EQ(a.instruments[i].tick, b.instruments[i].tick);
      EXPECT_EQ(a.instruments[i].lot, b.instruments[i].lot);
      EXPECT_EQ(a.instruments[i].taker_fee_ppm, b.instruments[i].taker_fee_ppm);
    }
    EXPECT_EQ(a.accounts[0].cb_public_key_pem, b.accounts[0].cb_public_key_pem);
  }
  EXPECT_EQ(r.value.assets.size(), 3u);
}

TEST(ServerConfig, EveryErrorIsReportedAtOnce) {
  const auto r = load_sim_config_string(R"(
seed: 1
tick_ms: 0
colour: blue
venues:
  hyperliquid:
    port: 99999
    instruments:
      - {asset: BTC, symbol: BTC, tick: "-1", lot: "0.001"}
  kraken: {}
market:
  - {asset: BTC, basis_bps: {mars: 1}}
)");
  ASSERT_GE(r.errors.size(), 6u);
  std::string all;
  for (const auto& e : r.errors) all += e.to_string() + "\n";
  EXPECT_NE(all.find("tick_ms"), std::string::npos) << all;
  EXPECT_NE(all.find("colour"), std::string::npos) << all;
  EXPECT_NE(all.find("venues.hyperliquid.port"), std::string::npos) << all;
  EXPECT_NE(all.find("tick"), std::string::npos) << all;
  EXPECT_NE(all.find("kraken"), std::string::npos) << all;
  EXPECT_NE(all.find("mars"), std::string::npos) << all;
}

TEST(ServerConfig, PortBaseAssignsConsecutivePorts) {
  SimConfig c = default_sim_config();
  apply_port_base(c, 9000);
  EXPECT_EQ(c.admin_port, 9000);
  EXPECT_EQ(c.venues[common::index(VenueId::kHyperliquid)].venue.port, 9001);
  EXPECT_EQ(c.venues[common::index(VenueId::kBinance)].venue.port, 9002);
  EXPECT_EQ(c.venues[common::index(VenueId::kBybit)].venue.port, 9003);
  EXPECT_EQ(c.venues[common::index(VenueId::kCoinbase)].venue.port, 9004);
}

TEST(ServerConfig, NonLoopbackHostIsRefused) {
  const auto r = load_sim_config_string("host: 0.0.0.0\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].to_string().find("loopback"), std::string::npos);
}

}  // namespace
}  // namespace peregrine::venue_sim
