// The real Coinbase md and order gateways, over the real net transports, against the in-process
// venue simulator on ephemeral loopback ports: the core-side book equals the simulator's truth
// (also after a sequence gap), a resting limit and its cancel, a marketable order filled on the
// user channel, a post-only reject, and lost responses that must leave exactly one order.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/md_gateway.hpp"
#include "gateways/coinbase/order_codec.hpp"
#include "gateways/coinbase/order_gateway.hpp"
#include "gateways/coinbase/test_keys.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/json/cex_gateway_common.hpp"
#include "gateways/net/net_loop.hpp"
#include "tools/gateway_sim/gateway_sim_support.hpp"

namespace peregrine::gwsim {
namespace {

namespace cb = gateways::coinbase;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

constexpr const char* kProduct = "BTC-PERP-INTX";
constexpr const char* kKeyName = "organizations/gwsim/apiKeys/cb";

venue_sim::SimConfig coinbase_config(const std::string& public_pem) {
  venue_sim::SimConfig cfg = quiet_config(VenueId::kCoinbase);
  auto& acct = cfg.venues[common::index(VenueId::kCoinbase)].venue.accounts.at(0);
  acct.cb_key_name = kKeyName;
  acct.cb_public_key_pem = public_pem;
  return cfg;
}

std::shared_ptr<const cb::EcKey> fresh_key() {
  auto k = cb::EcKey::from_pem(
      cb::testing::to_pem(cb::testing::generate_ec().get(), cb::testing::PemKind::kSec1));
  EXPECT_TRUE(k.ok());
  return *k;
}

class CoinbaseGatewaySim : public ::testing::Test {
 protected:
  CoinbaseGatewaySim()
      : key_(fresh_key()),
        cfg_(coinbase_config(key_->public_pem())),
        h_(cfg_),
        admin_(h_.admin_port(), "coinbase"),
        registry_(registry_of(cfg_, VenueId::kCoinbase)),
        rng_(11),
        minter_(key_, kKeyName),
        create_jwt_(minter_, cb::kCreateOrder.method, cb::kCreateOrder.path),
        cancel_jwt_(minter_, cb::kBatchCancel.method, cb::kBatchCancel.path),
        list_jwt_(minter_, cb::kListOrders.method, cb::kListOrders.path),
        md_jwt_(cb::JwtCache::websocket(minter_)),
        user_jwt_(cb::JwtCache::websocket(minter_)),
        btc_(registry_.find(VenueId::kCoinbase, kProduct)) {
    refresh_jwts();
  }

  std::string base() {
    return "127.0.0.1:" + std::to_string(h_.server().venue_port(VenueId::kCoinbase));
  }
  // The tests run single-threaded: the JWT side thread's work is done in the pump step.
  void refresh_jwts() {
    for (cb::JwtCache* c :
         {&create_jwt_, &cancel_jwt_, &list_jwt_, md_jwt_.get(), user_jwt_.get()}) {
      ASSERT_NE(c->refresh(clock_.now_ns()), cb::JwtCache::Refresh::kFailed);
    }
  }
  void start_md() {
    md_ws_ = std::make_unique<gateways::hyperliquid::NetWsTransport>(md_loop_, clock_, rng_,
                                                                     gateways::net::WsOptions{});
    cb::MdGatewayConfig c;
    c.products = {kProduct, "ETH-PERP-INTX"};
    md_ = std::make_unique<cb::CoinbaseMdGateway>(registry_, *md_ws_, md_out_, clock_, c,
                                                  md_jwt_.get());
    ASSERT_EQ(md_ws_->connect("ws://" + base() + "/ws"), gateways::net::WsConnectResult::kStarted);
  }
  void start_orders(bool user_channel) {
    gateways::net::HttpOptions http;
    http.request_timeout_ns = 400'000'000;  // a lost response surfaces quickly
    rest_ = std::make_unique<gateways::cex::NetRestTransport>(order_loop_, clock_, http);
    std::string error;
    ASSERT_TRUE(rest_->start("http://" + base(), &error)) << error;
    if (user_channel) {
      user_ws_ = std::make_unique<gateways::hyperliquid::NetWsTransport>(
          order_loop_, clock_, rng_, gateways::net::WsOptions{});
    }
    order_ = std::make_unique<cb::CoinbaseOrderGateway>(
        registry_, *rest_, user_ws_.get(), intents_, exec_out_,
        cb::OrderGatewayJwts{&create_jwt_, &cancel_jwt_, &list_jwt_, user_jwt_.get()}, clock_,
        cb::OrderGatewayConfig{});
    if (user_channel) {
      ASSERT_EQ(user_ws_->connect("ws://" + base() + "/ws/user"),
                gateways::net::WsConnectResult::kStarted);
      // The subscription's snapshot (seq 0) shows the channel is live.
      ASSERT_TRUE(pump_until(step_fn(), [&] { return order_->codec_counters().parses.load() > 0; }))
          << "user channel";
    }
  }

  std::function<int()> step_fn() {
    return [this] {
      refresh_jwts();
      int w = 0;
      if (md_) w += md_->do_work();
      if (order_) w += order_->do_work();
      w += mirror_.drain(md_out_);
      w += view_.drain(exec_out_);
      return w;
    };
  }
  bool pump(const std::function<bool()>& done) { return pump_until(step_fn(), done); }

  common::OrderIntent limit(std::uint64_t n, common::Side side, Price price,
                            common::TimeInForce tif = common::TimeInForce::kGtc) {
    common::OrderIntent in;
    in.action = common::IntentAction::kNew;
    in.cloid = common::ClientOrderId{0xc0ffeeull, n};
    in.instrument = btc_;
    in.strategy = common::StrategyId{2};
    in.venue = VenueId::kCoinbase;
    in.side = side;
    in.type = common::OrderType::kLimit;
    in.tif = tif;
    in.price = price;
    in.qty = *Qty::parse("0.001");
    return in;
  }
  void send(const common::OrderIntent& in) { ASSERT_TRUE(intents_.try_push(in)); }
  std::size_t open_with(const common::ClientOrderId& c) {
    std::size_t n = 0;
    for (const auto& o : admin_.open_orders()) n += o.client_id == c.to_uuid() ? 1u : 0u;
    return n;
  }

  std::shared_ptr<const cb::EcKey> key_;
  venue_sim::SimConfig cfg_;
  venue_sim::SimHarness h_;
  Admin admin_;
  common::InstrumentRegistry registry_;
  common::WallClock clock_;
  common::Rng rng_;
  cb::JwtMinter minter_;
  cb::JwtCache create_jwt_;
  cb::JwtCache cancel_jwt_;
  cb::JwtCache list_jwt_;
  std::unique_ptr<cb::JwtCache> md_jwt_;
  std::unique_ptr<cb::JwtCache> user_jwt_;
  common::InstrumentId btc_;
  gateways::net::NetLoop md_loop_;
  gateways::net::NetLoop order_loop_;
  common::SpscQueue<common::MdEvent> md_out_{1 << 16};
  common::SpscQueue<common::OrderIntent> intents_{64};
  common::SpscQueue<common::ExecEvent> exec_out_{1024};
  std::unique_ptr<gateways::hyperliquid::NetWsTransport> md_ws_;
  std::unique_ptr<gateways::hyperliquid::NetWsTransport> user_ws_;
  std::unique_ptr<gateways::cex::NetRestTransport> rest_;
  std::unique_ptr<cb::CoinbaseMdGateway> md_;
  std::unique_ptr<cb::CoinbaseOrderGateway> order_;
  BookMirror mirror_{btc_};
  OrderView view_;
};

TEST_F(CoinbaseGatewaySim, StreamedBookEqualsTheSimulatorTruth) {
  start_md();
  ASSERT_TRUE(pump([&] {
    return mirror_.last_state == common::VenueState::kConnected && mirror_.book.is_valid();
  }));
  std::string why;
  EXPECT_TRUE(book_matches_truth(step_fn(), admin_, kProduct, mirror_, 20, &why)) << why;
  EXPECT_EQ(md_->counters().parse_errors.get(), 0u);
  EXPECT_EQ(md_->cb_counters().sequence_gaps.get(), 0u);
  EXPECT_EQ(md_->cb_counters().jwt_misses.get(), 0u);
}

TEST_F(CoinbaseGatewaySim, SequenceGapResetsResubscribesAndConvergesAgain) {
  start_md();
  ASSERT_TRUE(pump([&] { return mirror_.book.is_valid(); }));
  admin_.arm("\"skip_seq\":1");
  admin_.move("BTC", 0.2);  // book updates that carry the skipped sequence number
  ASSERT_TRUE(pump([&] {
    return mirror_.reset_reasons[common::ResetReason::kSequenceGap] >= 1 &&
           mirror_.book.is_valid() && mirror_.last_state == common::VenueState::kConnected;
  })) << "gaps "
      << md_->cb_counters().sequence_gaps.get();
  EXPECT_GE(md_->cb_counters().resubscribes.get(), 1u);
  EXPECT_EQ(admin_.fault_counter("seq_skipped"), 1u);
  std::string why;
  EXPECT_TRUE(book_matches_truth(step_fn(), admin_, kProduct, mirror_, 20, &why)) << why;
}

TEST_F(CoinbaseGatewaySim, RestingLimitIsCancelled) {
  start_orders(true);
  const Price bid = admin_.book(kProduct).bids.at(0).price;
  const auto in = limit(1, common::Side::kBuy, bid - usd(2000));
  send(in);
  ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kNew); }));
  EXPECT_EQ(open_with(in.cloid), 1u);
  EXPECT_FALSE(view_.find(in.cloid)->last.venue_order_id.is_null());
  common::OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.target = in.cloid;
  c.venue = VenueId::kCoinbase;
  send(c);
  ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kCancelled); }));
  EXPECT_EQ(open_with(in.cloid), 0u);
  // REST ack + channel OPEN, then the cancel answer + channel CANCELLED: each state once.
  EXPECT_EQ(view_.find(in.cloid)->history,
            (std::vector<OrderStatus>{OrderStatus::kNew, OrderStatus::kCancelled}));
  EXPECT_EQ(order_->counters().parse_errors.get(), 0u);
}

TEST_F(CoinbaseGatewaySim, MarketableOrderFillsOnTheUserChannel) {
  start_orders(true);
  const Price ask = admin_.book(kProduct).asks.at(0).price;
  const auto in = limit(2, common::Side::kBuy, ask + usd(20), common::TimeInForce::kIoc);
  send(in);
  ASSERT_TRUE(pump([&] {
    const auto* e = view_.find(in.cloid);
    return e != nullptr && e->last.status == OrderStatus::kFilled && e->fills > 0 &&
           e->last.filled_qty == in.qty;
  })) << "fills "
      << view_.fills;
  const auto& hist = view_.find(in.cloid)->history;
  EXPECT_EQ(std::count(hist.begin(), hist.end(), OrderStatus::kFilled), 1);
  EXPECT_EQ(open_with(in.cloid), 0u);
  EXPECT_EQ(order_->counters().fills.get(), view_.fills);
}

TEST_F(CoinbaseGatewaySim, PostOnlyThatWouldCrossIsRejected) {
  start_orders(true);
  const Price ask = admin_.book(kProduct).asks.at(0).price;
  const auto in = limit(3, common::Side::kBuy, ask, common::TimeInForce::kPostOnly);
  send(in);
  ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kRejected); }));
  EXPECT_EQ(view_.find(in.cloid)->last.reject, RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(open_with(in.cloid), 0u);
  EXPECT_EQ(view_.fills, 0u);
}

TEST_F(CoinbaseGatewaySim, LostResponseIsSettledByAQueryWithExactlyOneOrder) {
  start_orders(false);  // no user channel: only the query can tell
  admin_.arm("\"lose_response\":1");
  const Price bid = admin_.book(kProduct).bids.at(0).price;
  const auto in = limit(4, common::Side::kBuy, bid - usd(1500));
  send(in);
  ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kNew); }));
  EXPECT_GE(order_->counters().status_queries.get(), 1u);
  EXPECT_EQ(order_->counters().retries.get(), 0u) << "found by the query, never re-sent";
  EXPECT_EQ(admin_.fault_counter("responses_lost"), 1u);
  pump_for(step_fn(), 200);  // nothing later may create a second order
  EXPECT_EQ(open_with(in.cloid), 1u);
  EXPECT_EQ(admin_.open_orders().size(), 1u);
}

TEST_F(CoinbaseGatewaySim, LostResponseWithTheUserChannelStillMakesOneOrder) {
  start_orders(true);
  admin_.arm("\"lose_response\":1");
  const Price bid = admin_.book(kProduct).bids.at(0).price;
  const auto in = limit(5, common::Side::kBuy, bid - usd(1500));
  send(in);
  ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kNew); }));
  // Past the request timeout: the gateway must not re-send once the channel settled it.
  pump_for(step_fn(), 3000);
  EXPECT_EQ(open_with(in.cloid), 1u);
  EXPECT_EQ(admin_.open_orders().size(), 1u);
  EXPECT_EQ(order_->in_flight(), 0u);
}

}  // namespace
}  // namespace peregrine::gwsim
