// The real Coinbase md and order gateways, over the real net transports, against the in-process
// venue simulator on ephemeral loopback ports: the core-side book equals the simulator's truth
// (also after a sequence gap), a resting limit and its cancel, a marketable order filled on the
// user channel, a post-only reject, and lost responses that must leave exactly one order; the
// md faults (gap, drop, reset, malformed), amend and reduce-only refusals, 429 pause, breaker,
// reconciliation of what the user channel missed (orders, fills, positions), TLS, and a
// reconnect storm (PEREGRINE_STORM_SECONDS, default 20).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <thread>
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
constexpr const char* kPortfolio = "00000000-0000-4000-a000-000000000000";
constexpr const char* kPositionsPath =
    "/api/v3/brokerage/intx/positions/00000000-0000-4000-a000-000000000000";
constexpr common::Nanos kMs = 1'000'000;

gateways::net::WsOptions fast_ws(const venue_sim::Server& server, bool tls,
                                 common::Nanos base_ns = 20 * kMs) {
  gateways::net::WsOptions o;
  o.backoff.base_ns = base_ns;
  o.backoff.cap_ns = base_ns * 10;
  o.backoff.jitter_permille = 0;
  o.backoff.reset_after_ns = 100 * kMs;
  if (tls) {
    o.tls.use_system_trust = false;
    o.tls.extra_ca_pem = server.cert_pem();  // verification stays on
  }
  return o;
}

venue_sim::SimConfig coinbase_config(const std::string& public_pem, bool tls = false) {
  venue_sim::SimConfig cfg = quiet_config(VenueId::kCoinbase, tls);
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
  explicit CoinbaseGatewaySim(bool tls = false)
      : tls_(tls),
        key_(fresh_key()),
        cfg_(coinbase_config(key_->public_pem(), tls)),
        h_(cfg_),
        admin_(h_.admin_port(), "coinbase"),
        registry_(registry_of(cfg_, VenueId::kCoinbase)),
        rng_(11),
        minter_(key_, kKeyName),
        create_jwt_(minter_, cb::kCreateOrder.method, cb::kCreateOrder.path),
        cancel_jwt_(minter_, cb::kBatchCancel.method, cb::kBatchCancel.path),
        list_jwt_(minter_, cb::kListOrders.method, cb::kListOrders.path),
        positions_jwt_(minter_, "GET", kPositionsPath),
        md_jwt_(cb::JwtCache::websocket(minter_)),
        user_jwt_(cb::JwtCache::websocket(minter_)),
        btc_(registry_.find(VenueId::kCoinbase, kProduct)) {
    refresh_jwts();
  }

  std::string base() {
    return "127.0.0.1:" + std::to_string(h_.server().venue_port(VenueId::kCoinbase));
  }
  std::string ws_url(std::string_view path) {
    return std::string(tls_ ? "wss://" : "ws://") + base() + std::string(path);
  }
  // The tests run single-threaded: the JWT side thread's work is done in the pump step.
  void refresh_jwts() {
    for (cb::JwtCache* c : {&create_jwt_, &cancel_jwt_, &list_jwt_, &positions_jwt_, md_jwt_.get(),
                            user_jwt_.get()}) {
      ASSERT_NE(c->refresh(clock_.now_ns()), cb::JwtCache::Refresh::kFailed);
    }
  }
  void start_md() {
    md_ws_ = std::make_unique<gateways::hyperliquid::NetWsTransport>(md_loop_, clock_, rng_,
                                                                     fast_ws(h_.server(), tls_));
    cb::MdGatewayConfig c;
    c.products = {kProduct, "ETH-PERP-INTX"};
    md_ = std::make_unique<cb::CoinbaseMdGateway>(registry_, *md_ws_, md_out_, clock_, c,
                                                  md_jwt_.get());
    ASSERT_EQ(md_ws_->connect(ws_url("/ws")), gateways::net::WsConnectResult::kStarted);
  }
  struct OrderOpts {
    bool user_channel = true;
    common::Nanos user_backoff_ns = 20 * kMs;
    gateways::RateGate* rate = nullptr;
    gateways::Breaker* breaker = nullptr;
  };
  void start_orders(bool user_channel) { start_orders(OrderOpts{.user_channel = user_channel}); }
  void start_orders(const OrderOpts& opts) {
    gateways::net::HttpOptions http;
    http.request_timeout_ns = 400'000'000;  // a lost response surfaces quickly
    http.pool_size = 8;
    if (tls_) {
      http.tls.use_system_trust = false;
      http.tls.extra_ca_pem = h_.server().cert_pem();
    }
    rest_ = std::make_unique<gateways::cex::NetRestTransport>(order_loop_, clock_, http);
    std::string error;
    ASSERT_TRUE(rest_->start(std::string(tls_ ? "https://" : "http://") + base(), &error)) << error;
    if (opts.user_channel) {
      user_ws_ = std::make_unique<gateways::hyperliquid::NetWsTransport>(
          order_loop_, clock_, rng_, fast_ws(h_.server(), tls_, opts.user_backoff_ns));
    }
    cb::OrderGatewayConfig cfg;
    cfg.portfolio_uuid = kPortfolio;
    order_ = std::make_unique<cb::CoinbaseOrderGateway>(
        registry_, *rest_, user_ws_.get(), intents_, exec_out_,
        cb::OrderGatewayJwts{&create_jwt_, &cancel_jwt_, &list_jwt_, user_jwt_.get(),
                             &positions_jwt_},
        clock_, cfg, opts.rate, opts.breaker);
    if (opts.user_channel) {
      ASSERT_EQ(user_ws_->connect(ws_url("/ws/user")), gateways::net::WsConnectResult::kStarted);
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
  common::OrderIntent cancel_of(const common::ClientOrderId& target) {
    common::OrderIntent c;
    c.action = common::IntentAction::kCancel;
    c.target = target;
    c.cloid = target;
    c.venue = VenueId::kCoinbase;
    c.instrument = btc_;
    return c;
  }
  // The first reconciliation (after the user channel's snapshot) is over.
  bool settled() {
    return pump([&] { return !order_->reconciling() && order_->in_flight() == 0; });
  }
  std::size_t open_with(const common::ClientOrderId& c) {
    std::size_t n = 0;
    for (const auto& o : admin_.open_orders()) n += o.client_id == c.to_uuid() ? 1u : 0u;
    return n;
  }

  bool tls_ = false;
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
  cb::JwtCache positions_jwt_;
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

TEST_F(CoinbaseGatewaySim, FirstAnswerCarriesTheCreateTimingsWithTheUserChannelOn) {
  start_orders(true);
  const Price bid = admin_.book(kProduct).bids.at(0).price;
  for (std::uint64_t n = 1; n <= 10; ++n) {
    auto in = limit(100 + n, common::Side::kBuy, bid - usd(2000 + static_cast<std::int64_t>(n)));
    in.ts_recv = clock_.now_ns();  // as the core stamps an intent it hands to a gateway
    send(in);
    ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kNew); }))
        << view_.trail(in.cloid);
    EXPECT_TRUE(view_.first_answer_timed(in.cloid, in.ts_recv)) << n;
  }
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

// ---- market data faults ----------------------------------------------------------------------

TEST_F(CoinbaseGatewaySim, BookEqualsTruthAfterStreamingMoves) {
  start_md();
  ASSERT_TRUE(pump([&] { return mirror_.book.is_valid(); }));
  for (int i = 0; i < 4; ++i) {
    const auto before = mirror_.deltas;
    admin_.move("BTC", i % 2 == 0 ? 0.05 : -0.05);
    ASSERT_TRUE(pump([&] { return mirror_.deltas > before; })) << "move " << i;
  }
  std::string why;
  EXPECT_TRUE(book_matches_truth(step_fn(), admin_, kProduct, mirror_, 20, &why)) << why;
  EXPECT_EQ(mirror_.resets, 0u);
  EXPECT_EQ(md_->counters().parse_errors.get(), 0u);
}

TEST_F(CoinbaseGatewaySim, DisconnectsResetAndResync) {
  start_md();
  ASSERT_TRUE(pump([&] { return mirror_.book.is_valid(); }));
  const char* kinds[] = {"\"drop_ws\":1", "\"reset_ws\":1"};
  for (int k = 0; k < 2; ++k) {
    const auto resets = mirror_.reset_reasons[common::ResetReason::kReconnect];
    const auto snapshots = mirror_.snapshots;
    admin_.arm(kinds[k]);
    ASSERT_TRUE(pump([&] {
      return mirror_.reset_reasons[common::ResetReason::kReconnect] == resets + 1 &&
             mirror_.snapshots > snapshots && mirror_.book.is_valid();
    })) << kinds[k];
    std::string why;
    EXPECT_TRUE(book_matches_truth(step_fn(), admin_, kProduct, mirror_, 20, &why))
        << kinds[k] << ": " << why;
  }
  EXPECT_EQ(admin_.fault_counter("ws_dropped"), 1u);
  EXPECT_EQ(admin_.fault_counter("ws_reset"), 1u);
  EXPECT_EQ(mirror_.reset_reasons[common::ResetReason::kReconnect], 2u);
}

TEST_F(CoinbaseGatewaySim, MalformedFrameIsCountedAndTheGapResynced) {
  start_md();
  ASSERT_TRUE(pump([&] { return mirror_.book.is_valid(); }));
  const auto snapshots = mirror_.snapshots;
  admin_.arm("\"malformed\":1");
  admin_.move("BTC", 0.1);
  ASSERT_TRUE(pump([&] { return md_->counters().parse_errors.get() == 1; }));
  // The lost frame's sequence_num is missing at the next one: reset, resubscribe, snapshot.
  admin_.move("BTC", -0.1);
  ASSERT_TRUE(pump([&] {
    return mirror_.reset_reasons[common::ResetReason::kSequenceGap] == 1 &&
           mirror_.snapshots > snapshots && mirror_.book.is_valid();
  })) << "gaps "
      << md_->cb_counters().sequence_gaps.get();
  std::string why;
  EXPECT_TRUE(book_matches_truth(step_fn(), admin_, kProduct, mirror_, 20, &why)) << why;
  EXPECT_EQ(admin_.fault_counter("malformed_frames"), 1u);
  EXPECT_EQ(md_->counters().parse_errors.get(), 1u);
  EXPECT_EQ(md_->cb_counters().sequence_gaps.get(), 1u);
}

// ---- orders ----------------------------------------------------------------------------------

TEST_F(CoinbaseGatewaySim, AmendAndReduceOnlyAreRefusedAndNothingChangesAtTheVenue) {
  start_orders(true);
  ASSERT_TRUE(settled());
  const Price bid = admin_.book(kProduct).bids.at(0).price;
  const auto in = limit(30, common::Side::kBuy, bid - usd(2000));
  send(in);
  ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kNew); }));
  // Amend: the gateway does not use POST /orders/edit (nor does the simulator have it): the
  // order's state again, with the reason, and the venue's order untouched.
  common::OrderIntent m = in;
  m.action = common::IntentAction::kModify;
  m.target = in.cloid;
  m.price = bid - usd(1900);
  const auto updates = view_.find(in.cloid)->history.size();
  send(m);
  ASSERT_TRUE(pump([&] { return view_.find(in.cloid)->history.size() > updates; }));
  EXPECT_EQ(view_.find(in.cloid)->last.status, OrderStatus::kNew);
  EXPECT_EQ(view_.find(in.cloid)->last.reject, RejectReason::kOther);
  EXPECT_EQ(order_->cb_counters().modify_refused.get(), 1u);
  ASSERT_EQ(admin_.open_orders().size(), 1u);
  EXPECT_EQ(admin_.open_orders().at(0).price, bid - usd(2000));
  // Reduce-only: the documented create-order body has no such field: refused before sending.
  auto ro = limit(31, common::Side::kSell, bid + usd(2000));
  ro.flags = common::intent_flags::kReduceOnly;
  const auto sends = order_->counters().sends.get();
  send(ro);
  ASSERT_TRUE(pump([&] { return view_.has_status(ro.cloid, OrderStatus::kRejected); }));
  EXPECT_EQ(order_->counters().sends.get(), sends);
  EXPECT_EQ(open_with(ro.cloid), 0u);
  EXPECT_EQ(admin_.open_orders().size(), 1u);
}

TEST_F(CoinbaseGatewaySim, Http429PausesSendingAndRecovers) {
  start_orders(true);
  ASSERT_TRUE(settled());
  const Price px = admin_.book(kProduct).bids.at(0).price - usd(1500);
  admin_.arm("\"http_error\":1,\"http_error_status\":429");
  const auto a = limit(40, common::Side::kBuy, px);
  send(a);
  ASSERT_TRUE(pump([&] { return view_.has_status(a.cloid, OrderStatus::kRejected); }));
  EXPECT_EQ(view_.find(a.cloid)->last.reject, RejectReason::kRateLimited);
  EXPECT_EQ(order_->cb_counters().rate_limited.get(), 1u);
  EXPECT_GT(order_->paused_until(), clock_.now_ns());
  // Inside the pause (the simulator's Retry-After: 1 s) nothing is sent.
  const auto sends = order_->counters().sends.get();
  const auto b = limit(41, common::Side::kBuy, px);
  send(b);
  ASSERT_TRUE(pump([&] { return view_.has_status(b.cloid, OrderStatus::kRejected); }));
  EXPECT_EQ(view_.find(b.cloid)->last.reject, RejectReason::kRateLimited);
  EXPECT_EQ(order_->counters().sends.get(), sends);
  EXPECT_GE(order_->cb_counters().paused_refusals.get(), 1u);
  // After it: accepted.
  ASSERT_TRUE(pump([&] { return clock_.now_ns() > order_->paused_until(); }));
  const auto c = limit(42, common::Side::kBuy, px);
  send(c);
  ASSERT_TRUE(pump([&] { return view_.has_status(c.cloid, OrderStatus::kNew); }));
  EXPECT_EQ(admin_.fault_counter("http_errors"), 1u);
  EXPECT_EQ(open_with(a.cloid) + open_with(b.cloid), 0u);
  EXPECT_EQ(open_with(c.cloid), 1u);
}

TEST_F(CoinbaseGatewaySim, BreakerOpensAfterErrorsAndClosesAfterCoolOff) {
  gateways::net::BreakerConfig bc;
  bc.failure_threshold = 3;
  bc.open_ns = 500 * kMs;
  NetBreaker breaker(bc);
  start_orders(OrderOpts{.user_channel = true, .breaker = &breaker});
  ASSERT_TRUE(settled());
  const Price px = admin_.book(kProduct).bids.at(0).price - usd(1500);
  admin_.arm("\"http_error\":1000,\"http_error_status\":500");
  for (std::uint64_t i = 0; i < 3 && breaker.breaker_.opens() == 0; ++i) {
    send(limit(50 + i, common::Side::kBuy, px));
    ASSERT_TRUE(
        pump([&] { return breaker.breaker_.failures() >= i + 1 || breaker.breaker_.opens() > 0; }));
  }
  ASSERT_TRUE(pump([&] { return breaker.breaker_.opens() >= 1; }));
  const auto refused = limit(60, common::Side::kBuy, px);
  send(refused);
  ASSERT_TRUE(pump([&] { return view_.has_status(refused.cloid, OrderStatus::kRejected); }));
  EXPECT_EQ(view_.find(refused.cloid)->last.reject, RejectReason::kRateLimited);
  admin_.arm("\"clear\":true");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(pump([&] { return order_->in_flight() == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const auto ok = limit(61, common::Side::kBuy, px);
  send(ok);
  ASSERT_TRUE(pump([&] { return view_.has_status(ok.cloid, OrderStatus::kNew); }))
      << view_.trail(ok.cloid);
  EXPECT_EQ(breaker.breaker_.state(), gateways::net::BreakerState::kClosed);
  // The 5xx answers were unknown outcomes: at most one order each, never two.
  for (std::uint64_t i = 0; i < 3; ++i) {
    EXPECT_LE(open_with(limit(50 + i, common::Side::kBuy, px).cloid), 1u);
  }
}

// ---- reconciliation --------------------------------------------------------------------------

TEST_F(CoinbaseGatewaySim, FillWhileTheUserChannelIsDownIsRecoveredByReconciliation) {
  // A slow reconnect (1.5 s, no jitter) leaves a window in which only REST works.
  start_orders(OrderOpts{.user_channel = true, .user_backoff_ns = 1'500 * kMs});
  ASSERT_TRUE(settled());
  EXPECT_EQ(order_->reconcile_counters().rounds.get(), 1u);
  EXPECT_EQ(order_->counters().reconcile_corrections.get(), 0u);  // in sync at start
  const Price bid = admin_.book(kProduct).bids.at(0).price;
  const Price ask = admin_.book(kProduct).asks.at(0).price;
  const auto rest = limit(70, common::Side::kBuy, bid - usd(2000));
  send(rest);
  ASSERT_TRUE(pump([&] { return view_.has_status(rest.cloid, OrderStatus::kNew); }));
  const common::Qty pos0 = order_->venue_position(btc_);
  admin_.arm("\"drop_ws\":1");
  ASSERT_TRUE(pump([&] { return user_ws_->state() != gateways::LinkState::kOpen; }));
  // While the channel is down: an IOC that fills (the REST answer only says "accepted").
  const auto ioc = limit(71, common::Side::kBuy, ask + usd(20), common::TimeInForce::kIoc);
  send(ioc);
  ASSERT_TRUE(pump([&] { return view_.has_status(ioc.cloid, OrderStatus::kNew); }));
  EXPECT_EQ(view_.find(ioc.cloid)->fills, 0u);
  ASSERT_NE(user_ws_->state(), gateways::LinkState::kOpen) << "the channel came back too soon";
  // Reconnect -> snapshot -> reconciliation: the fill and the final state reach the core once.
  ASSERT_TRUE(pump([&] {
    const auto* e = view_.find(ioc.cloid);
    return e != nullptr && e->last.status == OrderStatus::kFilled && e->fills == 1;
  })) << view_.trail(ioc.cloid);
  ASSERT_TRUE(settled());
  EXPECT_EQ(view_.find(ioc.cloid)->last.filled_qty, ioc.qty);
  EXPECT_GE(order_->cb_counters().fills_recovered.get(), 1u);
  EXPECT_GE(order_->reconcile_counters().gone_closed.get(), 1u);
  EXPECT_GE(order_->reconcile_counters().rounds.get(), 2u);
  EXPECT_TRUE(view_.has_status(rest.cloid, OrderStatus::kNew));  // untouched
  pump_for(step_fn(), 300);
  EXPECT_EQ(view_.find(ioc.cloid)->fills, 1u);  // nothing later reports it again
  // Positions: the venue's (GET /intx/positions) equals what the reported fills add up to.
  order_->request_reconcile();
  ASSERT_TRUE(settled());
  EXPECT_GE(order_->cb_counters().position_rounds.get(), 2u);
  EXPECT_EQ(order_->venue_position(btc_) - pos0, ioc.qty);
  EXPECT_EQ(order_->fill_position(btc_), ioc.qty);
  EXPECT_EQ(order_->cb_counters().position_mismatches.get(), 0u);
}

TEST_F(CoinbaseGatewaySim, OnDemandReconciliationInSyncCorrectsNothing) {
  start_orders(true);
  ASSERT_TRUE(settled());
  const Price bid = admin_.book(kProduct).bids.at(0).price;
  for (std::uint64_t i = 0; i < 3; ++i) {
    send(limit(80 + i, common::Side::kBuy, bid - usd(1500 + static_cast<std::int64_t>(i))));
  }
  ASSERT_TRUE(pump([&] { return view_.live().size() == 3; }));
  const auto rounds = order_->reconcile_counters().rounds.get();
  order_->request_reconcile();
  ASSERT_TRUE(settled());
  EXPECT_EQ(order_->reconcile_counters().rounds.get(), rounds + 1);
  EXPECT_EQ(order_->counters().reconcile_corrections.get(), 0u);
  EXPECT_EQ(order_->reconcile_counters().foreign_orders.get(), 0u);
  EXPECT_EQ(admin_.open_orders().size(), 3u);
}

// ---- TLS -------------------------------------------------------------------------------------

class CoinbaseGatewaySimTls : public CoinbaseGatewaySim {
 protected:
  CoinbaseGatewaySimTls() : CoinbaseGatewaySim(true) {}
};

TEST_F(CoinbaseGatewaySimTls, TlsWithTheSimulatorsCertificateVerified) {
  ASSERT_FALSE(h_.server().cert_pem().empty());
  start_md();
  start_orders(true);
  ASSERT_TRUE(pump([&] { return mirror_.book.is_valid(); }));
  admin_.move("BTC", 0.05);
  std::string why;
  EXPECT_TRUE(book_matches_truth(step_fn(), admin_, kProduct, mirror_, 20, &why)) << why;
  ASSERT_TRUE(settled());
  const Price bid = admin_.book(kProduct).bids.at(0).price;
  const auto in = limit(90, common::Side::kBuy, bid - usd(2000));
  send(in);
  ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kNew); }));
  send(cancel_of(in.cloid));
  ASSERT_TRUE(pump([&] { return view_.has_status(in.cloid, OrderStatus::kCancelled); }));
  EXPECT_GE(md_ws_->client().counters().connects.load(), 1u);
  EXPECT_EQ(open_with(in.cloid), 0u);
}

// ---- reconnect storm -------------------------------------------------------------------------

TEST_F(CoinbaseGatewaySim, ReconnectStormNoDuplicatesAndReconciles) {
  int seconds = 20;
  if (const char* env = std::getenv("PEREGRINE_STORM_SECONDS")) seconds = std::atoi(env);
  seconds = std::clamp(seconds, 2, 600);
  start_md();
  start_orders(true);
  ASSERT_TRUE(pump([&] { return mirror_.book.is_valid(); }));
  ASSERT_TRUE(settled());
  const Price px = admin_.book(kProduct).bids.at(0).price - usd(1500);
  std::uint64_t next = 1000;
  std::vector<common::ClientOrderId> sent;
  const auto start = std::chrono::steady_clock::now();
  int storms = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(seconds)) {
    const auto tick = std::chrono::steady_clock::now();
    for (int k = 0; k < 2; ++k) {
      const auto in =
          limit(next, common::Side::kBuy,
                px - Price::from_raw(1'000'000'000 * static_cast<std::int64_t>(next % 40)));
      ++next;
      send(in);
      sent.push_back(in.cloid);
    }
    if (sent.size() >= 4) {  // the previous tick's two orders
      send(cancel_of(sent[sent.size() - 4]));
      send(cancel_of(sent[sent.size() - 3]));
    }
    // Every 2 s: both connections (md + user) dropped.
    admin_.arm("\"drop_ws\":2");
    ++storms;
    while (std::chrono::steady_clock::now() - tick < std::chrono::seconds(2)) {
      if (step_fn()() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  ASSERT_TRUE(pump([&] {
    return user_ws_->state() == gateways::LinkState::kOpen && mirror_.book.is_valid() &&
           !order_->reconciling() && order_->in_flight() == 0;
  }));
  order_->request_reconcile();
  ASSERT_TRUE(settled());
  pump_for(step_fn(), 500);
  const auto truth = admin_.open_orders();
  std::set<std::string> at_venue;
  for (const auto& o : truth) {
    EXPECT_TRUE(at_venue.insert(o.client_id).second) << "duplicate order " << o.client_id;
  }
  std::set<std::string> believed;
  for (const auto& id : view_.live()) believed.insert(lower(id.to_uuid()));
  EXPECT_EQ(believed, at_venue);
  EXPECT_GE(at_venue.size(), 2u);  // the last two were never cancelled
  EXPECT_GE(admin_.fault_counter("ws_dropped"), static_cast<std::uint64_t>(storms));
  EXPECT_GE(order_->reconcile_counters().rounds.get(), static_cast<std::uint64_t>(storms / 2));
  std::string why;
  EXPECT_TRUE(book_matches_truth(step_fn(), admin_, kProduct, mirror_, 20, &why)) << why;
  std::printf("storm: %d s, %d drops, %llu reconciliation rounds, %llu corrections\n", seconds,
              storms, static_cast<unsigned long long>(order_->reconcile_counters().rounds.get()),
              static_cast<unsigned long long>(order_->counters().reconcile_corrections.get()));
}

}  // namespace
}  // namespace peregrine::gwsim
