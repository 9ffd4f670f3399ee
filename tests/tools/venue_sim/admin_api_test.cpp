// The admin port: health, truth JSON shape and filtering, fault and market endpoints with
// their validation.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>
#include <thread>

#include "tools/venue_sim/sim_client.hpp"
#include "tools/venue_sim/sim_harness.hpp"

namespace peregrine::venue_sim {
namespace {

using namespace std::chrono_literals;

class AdminApi : public ::testing::Test {
 protected:
  // Best BTC bid on Hyperliquid from the truth, 0 while that side is empty.
  double best_bid() {
    const auto r = admin_.request("GET", "/admin/truth?venue=hyperliquid");
    simdjson::dom::parser p;
    std::string_view px;
    if (p.parse(r.body)["venues"]["hyperliquid"]["books"]["BTC"]["bids"].at(0).at(0).get(px) !=
        simdjson::SUCCESS) {
      return 0;
    }
    return std::stod(std::string(px));
  }

  SimHarness h_;
  SimHttpClient admin_{h_.admin_port()};
};

TEST_F(AdminApi, HealthListsVenuePorts) {
  const auto r = admin_.request("GET", "/admin/health");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"hyperliquid\":" + std::to_string(h_.hl_port())), std::string::npos)
      << r.body;
}

TEST_F(AdminApi, TruthHasBooksAccountsAndFaultCounters) {
  for (int i = 0; i < 200 && best_bid() == 0; ++i) std::this_thread::sleep_for(5ms);
  const auto r = admin_.request("GET", "/admin/truth");
  ASSERT_EQ(r.status, 200);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_EQ(p.parse(r.body).get(doc), simdjson::SUCCESS) << r.body.substr(0, 300);
  auto hl = doc["venues"]["hyperliquid"];
  simdjson::dom::array bids, asks, accounts;
  ASSERT_EQ(hl["books"]["BTC"]["bids"].get(bids), simdjson::SUCCESS);
  ASSERT_EQ(hl["books"]["BTC"]["asks"].get(asks), simdjson::SUCCESS);
  EXPECT_GT(bids.size(), 0u);
  EXPECT_LE(bids.size(), 20u);
  EXPECT_LE(asks.size(), 20u);
  ASSERT_EQ(hl["accounts"].get(accounts), simdjson::SUCCESS);
  ASSERT_GE(accounts.size(), 1u);
  std::string_view wallet, name;
  EXPECT_EQ(accounts.at(0)["name"].get(name), simdjson::SUCCESS);
  EXPECT_EQ(name, "default");
  EXPECT_EQ(accounts.at(0)["balance"]["wallet"].get(wallet), simdjson::SUCCESS);
  EXPECT_EQ(wallet, "100000");
  simdjson::dom::array orders, positions;
  EXPECT_EQ(accounts.at(0)["open_orders"].get(orders), simdjson::SUCCESS);
  EXPECT_EQ(accounts.at(0)["positions"].get(positions), simdjson::SUCCESS);
  std::uint64_t drops = 99;
  EXPECT_EQ(hl["faults"]["ws_dropped"].get(drops), simdjson::SUCCESS);
  EXPECT_EQ(drops, 0u);
}

TEST_F(AdminApi, TruthFiltersByVenue) {
  EXPECT_EQ(admin_.request("GET", "/admin/truth?venue=hyperliquid").status, 200);
  const auto bad = admin_.request("GET", "/admin/truth?venue=kraken");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("kraken"), std::string::npos);
  // Binance is disabled in this harness: filtered to nothing.
  EXPECT_EQ(admin_.request("GET", "/admin/truth?venue=binance").body.find("hyperliquid"),
            std::string::npos);
}

TEST_F(AdminApi, FaultsValidateEveryKey) {
  auto r = admin_.request("POST", "/admin/faults", R"({"venue":"hyperliquid","drop_wss":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("drop_wss"), std::string::npos) << r.body;
  r = admin_.request("POST", "/admin/faults", R"({"venue":"hyperliquid","http_error":-1})");
  EXPECT_EQ(r.status, 400);
  r = admin_.request("POST", "/admin/faults", R"({"venue":"nowhere","http_error":1})");
  EXPECT_EQ(r.status, 400);
  r = admin_.request("POST", "/admin/faults", R"({"http_error_status":200})");
  EXPECT_EQ(r.status, 400);
  r = admin_.request("POST", "/admin/faults", "[1,2]");
  EXPECT_EQ(r.status, 400);
  // A rejected request armed nothing.
  SimHttpClient venue(h_.hl_port());
  EXPECT_EQ(venue.request("POST", "/info", R"({"type":"allMids"})").status, 200);
  r = admin_.request("POST", "/admin/faults",
                     R"({"venue":"hyperliquid","http_error":1,"http_error_status":503})");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("hyperliquid"), std::string::npos);
  EXPECT_EQ(venue.request("POST", "/info", R"({"type":"allMids"})").status, 503);
}

TEST_F(AdminApi, MarketMoveShiftsTheBook) {
  double before = 0;
  for (int i = 0; i < 200 && (before = best_bid()) == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_GT(before, 0);
  const auto r = admin_.request("POST", "/admin/market", R"({"asset":"BTC","move_pct":5})");
  ASSERT_EQ(r.status, 200) << r.body;
  double after = 0;
  for (int i = 0; i < 400; ++i) {
    after = best_bid();
    if (after > before * 1.03) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GT(after, before * 1.03);
}

TEST_F(AdminApi, MarketValidation) {
  EXPECT_EQ(admin_.request("POST", "/admin/market", R"({"asset":"DOGE","move_pct":1})").status,
            400);
  EXPECT_EQ(admin_.request("POST", "/admin/market", R"({"asset":"BTC","dislocate_bps":40})").status,
            400);  // needs venue and duration_ms
  EXPECT_EQ(admin_.request("POST", "/admin/market", R"({"asset":"BTC","bogus":1})").status, 400);
  EXPECT_EQ(admin_
                .request("POST", "/admin/market",
                         R"({"asset":"BTC","venue":"hyperliquid","dislocate_bps":40,)"
                         R"("duration_ms":3000})")
                .status,
            200);
}

}  // namespace
}  // namespace peregrine::venue_sim
