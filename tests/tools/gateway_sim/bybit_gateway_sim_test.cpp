// The real Bybit order gateway, over the real net transports, against the in-process venue
// simulator on ephemeral loopback ports: resting, amend, cancel, fills on the private stream,
// post-only and reduce-only rejects, and a lost response that must leave exactly one order.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "gateways/bybit/order_gateway.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/json/cex_gateway_common.hpp"
#include "gateways/net/net_loop.hpp"
#include "tools/venue_sim/sim_client.hpp"
#include "tools/venue_sim/sim_harness.hpp"

namespace peregrine::venue_sim {
namespace {

namespace bb = gateways::bybit;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

constexpr int kMaxPumps = 6000;  // x 1 ms: a bound, never a target

SimConfig bybit_only() {
  SimConfig cfg = harness_config(false);
  for (auto v : common::kAllVenues) {
    cfg.venues[common::index(v)].enabled = v == common::VenueId::kBybit;
  }
  return cfg;
}

struct OpenOrder {
  std::string client_id;
  std::string price;
  std::string qty;
};

class BybitGatewaySim : public ::testing::Test {
 protected:
  BybitGatewaySim()
      : h_(bybit_only()),
        admin_(h_.admin_port()),
        rng_(42),
        signer_("SimBybitApiKey01", "SimBybitApiSecret01") {
    common::Instrument i;
    i.venue = common::VenueId::kBybit;
    EXPECT_TRUE(i.symbol.assign("BTCUSDT"));
    EXPECT_TRUE(i.asset.assign("BTC"));
    i.tick = *Price::parse("0.1");
    i.lot = *Qty::parse("0.001");
    (void)registry_.add(i);
    gateways::net::HttpOptions http;
    http.request_timeout_ns = 400'000'000;  // a lost response surfaces quickly
    rest_ = std::make_unique<gateways::cex::NetRestTransport>(loop_, clock_, http);
    ws_ = std::make_unique<gateways::hyperliquid::NetWsTransport>(loop_, clock_, rng_,
                                                                  gateways::net::WsOptions{});
    gw_ = std::make_unique<bb::BybitOrderGateway>(registry_, *rest_, ws_.get(), intents_, out_,
                                                  signer_, clock_, bb::OrderGatewayConfig{});
    const std::string base = "127.0.0.1:" + std::to_string(port());
    std::string error;
    EXPECT_TRUE(rest_->start("http://" + base, &error)) << error;
    EXPECT_EQ(ws_->connect("ws://" + base + "/v5/private"),
              gateways::net::WsConnectResult::kStarted);
  }

  std::uint16_t port() { return h_.server().venue_port(common::VenueId::kBybit); }

  // Runs the gateway until `done` holds or the pump bound is reached.
  bool pump(const std::function<bool()>& done, int max_pumps = kMaxPumps) {
    for (int i = 0; i < max_pumps; ++i) {
      gw_->do_work();
      collect();
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  void collect() {
    common::ExecEvent e;
    while (out_.try_pop(e)) {
      if (e.kind == common::ExecKind::kOrderUpdate) updates_.push_back(e.update);
      if (e.kind == common::ExecKind::kFill) fills_.push_back(e.fill);
    }
  }
  const common::OrderUpdate* last_of(const common::ClientOrderId& c) const {
    const common::OrderUpdate* u = nullptr;
    for (const auto& x : updates_)
      if (x.cloid == c) u = &x;
    return u;
  }
  bool reached(const common::ClientOrderId& c, OrderStatus s) const {
    const auto* u = last_of(c);
    return u != nullptr && u->status == s;
  }
  void ready() {
    ASSERT_TRUE(pump([&] { return gw_->stream_ready(); })) << "private stream";
  }

  common::OrderIntent limit(std::uint64_t n, common::Side side, std::string_view price,
                            std::string_view qty = "0.001") {
    common::OrderIntent in;
    in.action = common::IntentAction::kNew;
    in.cloid = common::ClientOrderId{0xb7b17ull, n};
    in.instrument = common::InstrumentId{0};
    in.strategy = common::StrategyId{1};
    in.venue = common::VenueId::kBybit;
    in.side = side;
    in.type = common::OrderType::kLimit;
    in.price = *Price::parse(price);
    in.qty = *Qty::parse(qty);
    return in;
  }
  void send(const common::OrderIntent& in) { ASSERT_TRUE(intents_.try_push(in)); }

  simdjson::dom::element truth() {
    const auto r = admin_.request("GET", "/admin/truth?venue=bybit");
    EXPECT_EQ(r.status, 200);
    truth_text_ = r.body;
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(truth_text_).get(root), simdjson::SUCCESS);
    return root["venues"]["bybit"];
  }
  std::vector<OpenOrder> open_orders() {
    std::vector<OpenOrder> v;
    simdjson::dom::array list;
    if (truth()["accounts"].at(0)["open_orders"].get(list) != simdjson::SUCCESS) return v;
    for (auto o : list) {
      OpenOrder x;
      x.client_id = std::string(o["client_id"].get_string().value_unsafe());
      x.price = std::string(o["price"].get_string().value_unsafe());
      x.qty = std::string(o["qty"].get_string().value_unsafe());
      v.push_back(x);
    }
    return v;
  }
  std::string best(const char* side) {
    std::string_view p;
    EXPECT_EQ(truth()["books"]["BTCUSDT"][side].at(0).at(0).get_string().get(p), simdjson::SUCCESS);
    return std::string(p);
  }
  static std::string link_of(const common::ClientOrderId& c) { return c.to_binance(); }

  SimHarness h_;
  SimHttpClient admin_;
  common::WallClock clock_;
  common::Rng rng_;
  bb::Signer signer_;
  common::InstrumentRegistry registry_;
  gateways::net::NetLoop loop_;
  std::unique_ptr<gateways::cex::NetRestTransport> rest_;
  std::unique_ptr<gateways::hyperliquid::NetWsTransport> ws_;
  common::SpscQueue<common::OrderIntent> intents_{64};
  common::SpscQueue<common::ExecEvent> out_{1024};
  std::unique_ptr<bb::BybitOrderGateway> gw_;
  std::vector<common::OrderUpdate> updates_;
  std::vector<common::Fill> fills_;
  simdjson::dom::parser parser_;
  std::string truth_text_;
};

TEST_F(BybitGatewaySim, LimitOrderRestsIsAmendedAndCancelled) {
  ready();
  const auto in = limit(1, common::Side::kBuy, "50000");
  send(in);
  ASSERT_TRUE(pump([&] { return reached(in.cloid, OrderStatus::kNew); }));
  auto open = open_orders();
  ASSERT_EQ(open.size(), 1u) << truth_text_;
  EXPECT_EQ(open[0].client_id, link_of(in.cloid));
  EXPECT_EQ(Price::parse(open[0].price).value(), *Price::parse("50000"));

  common::OrderIntent amend;
  amend.action = common::IntentAction::kModify;
  amend.target = in.cloid;
  amend.venue = common::VenueId::kBybit;
  amend.price = *Price::parse("50100.5");
  amend.qty = *Qty::parse("0.002");
  send(amend);
  ASSERT_TRUE(pump([&] {
    const auto* u = last_of(in.cloid);
    return u != nullptr && u->price == *Price::parse("50100.5");
  }));
  EXPECT_EQ(last_of(in.cloid)->qty, *Qty::parse("0.002"));
  open = open_orders();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(Price::parse(open[0].price).value(), *Price::parse("50100.5"));
  EXPECT_EQ(Qty::parse(open[0].qty).value(), *Qty::parse("0.002"));

  common::OrderIntent cancel = amend;
  cancel.action = common::IntentAction::kCancel;
  send(cancel);
  ASSERT_TRUE(pump([&] { return reached(in.cloid, OrderStatus::kCancelled); }));
  EXPECT_TRUE(open_orders().empty()) << truth_text_;
  EXPECT_EQ(gw_->counters().parse_errors.get(), 0u);
}

TEST_F(BybitGatewaySim, MarketableOrderFillsOnThePrivateStream) {
  ready();
  const auto px = *Price::parse(best("asks"));
  // Well through the touch, so the moving synthetic market cannot leave it resting.
  const Price through = px + *Price::parse("500");
  char buf[common::kDecimalMaxChars];
  const auto in = limit(2, common::Side::kBuy, std::string_view(buf, through.format(buf)));
  send(in);
  ASSERT_TRUE(pump([&] {
    Qty sum;
    for (const auto& f : fills_) sum = sum + f.qty;
    return reached(in.cloid, OrderStatus::kFilled) && sum == *Qty::parse("0.001");
  })) << "fills "
      << fills_.size();
  for (const auto& f : fills_) {
    EXPECT_EQ(f.cloid, in.cloid);
    EXPECT_EQ(f.strategy, common::StrategyId{1});
    EXPECT_EQ(f.venue, common::VenueId::kBybit);
    EXPECT_LE(f.price, through);
  }
  EXPECT_TRUE(open_orders().empty());
  std::size_t filled_reports = 0;
  for (const auto& u : updates_) filled_reports += u.status == OrderStatus::kFilled ? 1 : 0;
  EXPECT_EQ(filled_reports, 1u) << "REST/stream dedup";
}

TEST_F(BybitGatewaySim, PostOnlyThatWouldCrossIsRejected) {
  ready();
  // Far enough through the touch that the moving synthetic market cannot uncross it.
  const Price through = *Price::parse(best("asks")) + *Price::parse("500");
  char buf[common::kDecimalMaxChars];
  auto in = limit(3, common::Side::kBuy, std::string_view(buf, through.format(buf)));
  in.tif = common::TimeInForce::kPostOnly;
  send(in);
  ASSERT_TRUE(pump([&] { return reached(in.cloid, OrderStatus::kRejected); }));
  EXPECT_EQ(last_of(in.cloid)->reject, RejectReason::kPostOnlyWouldCross);
  EXPECT_TRUE(fills_.empty());
  EXPECT_TRUE(open_orders().empty());
}

TEST_F(BybitGatewaySim, ReduceOnlyWithoutAPositionIsRejected) {
  auto in = limit(4, common::Side::kSell, "200000");
  in.flags = common::intent_flags::kReduceOnly;
  send(in);
  ASSERT_TRUE(pump([&] { return reached(in.cloid, OrderStatus::kRejected); }));
  EXPECT_EQ(last_of(in.cloid)->reject, RejectReason::kReduceOnlyWouldIncrease);
  EXPECT_TRUE(open_orders().empty());
}

TEST_F(BybitGatewaySim, LostResponseLeavesExactlyOneOrderAtTheVenue) {
  const auto r = admin_.request("POST", "/admin/faults", R"({"venue":"bybit","lose_response":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto in = limit(5, common::Side::kBuy, "51000");
  send(in);
  // The private stream may report the order first; the lost create is still settled by a query
  // (never a resend) once the request times out.
  ASSERT_TRUE(pump([&] {
    return reached(in.cloid, OrderStatus::kNew) && gw_->counters().status_queries.get() >= 1 &&
           gw_->in_flight() == 0;
  }));
  EXPECT_EQ(gw_->counters().retries.get(), 0u);
  // Keep running after the query settled it: nothing may create a second order.
  (void)pump([] { return false; }, 300);
  const auto open = open_orders();
  ASSERT_EQ(open.size(), 1u) << truth_text_;
  EXPECT_EQ(open[0].client_id, link_of(in.cloid));
  simdjson::dom::element t = truth();
  std::uint64_t lost = 0;
  EXPECT_EQ(t["faults"]["responses_lost"].get(lost), simdjson::SUCCESS);
  EXPECT_EQ(lost, 1u);
  std::size_t news = 0;
  for (const auto& u : updates_) news += u.cloid == in.cloid && u.status == OrderStatus::kNew;
  EXPECT_EQ(news, 1u);
}

}  // namespace
}  // namespace peregrine::venue_sim
