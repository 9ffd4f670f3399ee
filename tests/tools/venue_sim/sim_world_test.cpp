// The simulator's world: scheduled dislocations from the config move one venue's quotes off
// fair value, in turn and with alternating sign, and nothing else.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "gateways/sim/exchange.hpp"
#include "tools/venue_sim/sim_config.hpp"
#include "tools/venue_sim/sim_world.hpp"

namespace peregrine::venue_sim {
namespace {

using common::VenueId;
constexpr common::Nanos kMs = 1'000'000;

double mid(SimWorld& w, VenueId v, std::string_view symbol) {
  auto* ex = w.exchange(v);
  const auto id = ex->find_instrument(symbol);
  const auto bid = ex->best(*id, common::BookSide::kBid);
  const auto ask = ex->best(*id, common::BookSide::kAsk);
  if (!bid || !ask) return 0;
  return (bid->to_double() + ask->to_double()) / 2;
}

// Runs the world to `until` in 1 ms steps from `from`.
void run(SimWorld& w, common::Nanos from, common::Nanos until) {
  for (common::Nanos t = from; t <= until; t += kMs) w.step(t);
}

TEST(SimWorld, ShippedConfigSchedulesEthDislocationsOnBybitThenBinance) {
  auto r = load_sim_config_file(std::string(PEREGRINE_SOURCE_DIR) + "/configs/venue_sim.yaml");
  ASSERT_TRUE(r.errors.empty());
  const auto& eth = r.value.assets[1];
  ASSERT_EQ(eth.asset, "ETH");
  EXPECT_DOUBLE_EQ(eth.dislocations.every_s, 5.0);
  EXPECT_DOUBLE_EQ(eth.dislocations.bps, 30.0);
  EXPECT_EQ(eth.dislocations.duration_ms, 1500);
  ASSERT_EQ(eth.dislocations.venues.size(), 2u);
  EXPECT_EQ(eth.dislocations.venues[0], "bybit");
}

TEST(SimWorld, BadDislocationsAreReported) {
  const auto r = load_sim_config_string(R"(
market:
  - {asset: ETH, dislocations: {every_s: 1, bps: 30, duration_ms: 5000, venues: [mars]}}
)");
  std::string all;
  for (const auto& e : r.errors) all += e.to_string() + "\n";
  EXPECT_NE(all.find("mars"), std::string::npos) << all;
  EXPECT_NE(all.find("duration_ms"), std::string::npos) << all;
}

TEST(SimWorld, DislocationMovesOneVenueInTurnWithAlternatingSign) {
  auto r = load_sim_config_string(R"(
seed: 7
market:
  - asset: ETH
    vol_bps_per_sqrt_s: 0
    dislocations: {every_s: 1, bps: 200, duration_ms: 400, venues: [bybit, binance]}
)");
  ASSERT_TRUE(r.errors.empty());
  SimConfig cfg = r.value;
  SimWorld w(cfg);
  const common::Nanos t0 = 1'000'000'000;
  run(w, t0, t0 + 900 * kMs);  // before the first period: both venues at fair value
  const double bn0 = mid(w, VenueId::kBinance, "ETHUSDT");
  const double by0 = mid(w, VenueId::kBybit, "ETHUSDT");
  ASSERT_GT(bn0, 0);
  EXPECT_NEAR(by0 / bn0, 1.0, 0.0010);

  // 1st: Bybit +200 bp.
  run(w, t0 + 901 * kMs, t0 + 1200 * kMs);
  EXPECT_NEAR(mid(w, VenueId::kBybit, "ETHUSDT") / mid(w, VenueId::kBinance, "ETHUSDT"), 1.02,
              0.004);
  // Over after 400 ms.
  run(w, t0 + 1201 * kMs, t0 + 1900 * kMs);
  EXPECT_NEAR(mid(w, VenueId::kBybit, "ETHUSDT") / mid(w, VenueId::kBinance, "ETHUSDT"), 1.0,
              0.002);
  // 2nd: Binance +200 bp.
  run(w, t0 + 1901 * kMs, t0 + 2200 * kMs);
  EXPECT_NEAR(mid(w, VenueId::kBinance, "ETHUSDT") / mid(w, VenueId::kBybit, "ETHUSDT"), 1.02,
              0.004);
  // 3rd (second round): Bybit -200 bp.
  run(w, t0 + 2201 * kMs, t0 + 3200 * kMs);
  EXPECT_NEAR(mid(w, VenueId::kBybit, "ETHUSDT") / mid(w, VenueId::kBinance, "ETHUSDT"), 0.98,
              0.004);
}

}  // namespace
}  // namespace peregrine::venue_sim
