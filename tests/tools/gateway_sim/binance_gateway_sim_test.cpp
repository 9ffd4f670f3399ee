// Proof tests: the real Binance USD-M gateways (md + order, gateways/net transports) against the
// in-process venue simulator on loopback, checked against the simulator's truth.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "gateways/binance/md_gateway.hpp"
#include "gateways/binance/order_gateway.hpp"
#include "gateways/binance/signer.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/json/cex_gateway_common.hpp"
#include "gateways/net/rate_gate.hpp"
#include "tools/gateway_sim/gateway_sim_support.hpp"

namespace peregrine::gwsim {
namespace {

namespace bn = gateways::binance;
namespace net = gateways::net;
using common::ClientOrderId;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

constexpr common::Nanos kMs = 1'000'000;

struct Options {
  bool md = true;
  bool orders = false;
  bool trades = true;
  common::Nanos request_timeout_ns = 2'000 * kMs;
  gateways::RateGate* rate = nullptr;
  gateways::Breaker* breaker = nullptr;
};

net::WsOptions ws_options() {
  net::WsOptions o;
  o.backoff.base_ns = 20 * kMs;
  o.backoff.cap_ns = 200 * kMs;
  o.backoff.reset_after_ns = 100 * kMs;
  return o;
}

// What the engine wires for Binance (engine/session/venues.cpp), driven on the test thread.
struct BnStack {
  explicit BnStack(Options o)
      : sim(quiet_config(common::VenueId::kBinance)),
        admin(sim.admin_port(), "binance"),
        reg(registry_of(sim.server().config(), common::VenueId::kBinance)),
        btc(reg.find(common::VenueId::kBinance, "BTCUSDT")),
        mirror(btc) {
    const auto port = std::to_string(sim.server().venue_port(common::VenueId::kBinance));
    const std::string ws_base = "ws://127.0.0.1:" + port;
    const std::string rest_base = "http://127.0.0.1:" + port;
    net::HttpOptions ho;
    ho.request_timeout_ns = o.request_timeout_ns;
    ho.connect_timeout_ns = 1'000 * kMs;
    // Enough keep-alive connections for a burst (the default 2 answers kBusy to a third
    // concurrent request; see docs/net.md "Proof against the simulator").
    ho.pool_size = 8;
    std::string err;
    if (o.md) {
      md_ws = std::make_unique<gateways::hyperliquid::NetWsTransport>(md_loop, clock, md_rng,
                                                                      ws_options());
      md_rest = std::make_unique<gateways::cex::NetRestTransport>(md_loop, clock, ho);
      bn::MdGatewayConfig cfg;
      cfg.symbols = {"BTCUSDT"};
      if (!o.trades) cfg.trade_suffix = "";
      md = std::make_unique<bn::BinanceMdGateway>(reg, *md_ws, nullptr, *md_rest, md_q, clock, cfg);
      EXPECT_TRUE(md_rest->start(rest_base, &err)) << err;
      EXPECT_EQ(md_ws->connect(ws_base + "/stream"), net::WsConnectResult::kStarted);
    }
    if (o.orders) {
      signer = std::make_unique<bn::Signer>(
          std::make_unique<bn::HmacSigner>("sim-binance-api-key", "sim-binance-api-secret"));
      user_ws = std::make_unique<gateways::hyperliquid::NetWsTransport>(order_loop, clock,
                                                                        order_rng, ws_options());
      rest = std::make_unique<gateways::cex::NetRestTransport>(order_loop, clock, ho);
      bn::OrderGatewayConfig cfg;
      cfg.on_listen_key = [this, ws_base](std::string_view key) {
        static_cast<void>(user_ws->connect(ws_base + "/ws/" + std::string(key)));
      };
      order = std::make_unique<bn::BinanceOrderGateway>(reg, *rest, user_ws.get(), intents, exec,
                                                        *signer, clock, std::move(cfg), o.rate,
                                                        o.breaker);
      EXPECT_TRUE(rest->start(rest_base, &err)) << err;
    }
  }

  int step() {
    int w = 0;
    if (md) {
      w += md->do_work();
      w += mirror.drain(md_q);
    }
    if (order) {
      w += order->do_work();
      w += view.drain(exec);
    }
    return w;
  }
  std::function<int()> stepper() {
    return [this] { return step(); };
  }
  bool until(const std::function<bool()>& done, int iters = 40'000) {
    return pump_until(stepper(), done, iters);
  }
  bool book_ok(std::string* why, std::size_t levels = 20) {
    return book_matches_truth(stepper(), admin, "BTCUSDT", mirror, levels, why);
  }
  bool order_ready() {
    return until([&] {
      return !order->listen_key().empty() && user_ws->state() == gateways::LinkState::kOpen;
    });
  }

  common::OrderIntent intent(ClientOrderId id, common::Side side, Price px, std::string_view qty,
                             common::TimeInForce tif = common::TimeInForce::kGtc,
                             std::uint8_t flags = 0) const {
    common::OrderIntent i;
    i.action = common::IntentAction::kNew;
    i.venue = common::VenueId::kBinance;
    i.cloid = id;
    i.instrument = btc;
    i.strategy = common::StrategyId{1};
    i.side = side;
    i.price = px;
    i.qty = *Qty::parse(qty);
    i.tif = tif;
    i.flags = flags;
    return i;
  }
  void submit(const common::OrderIntent& i) { ASSERT_TRUE(intents.try_push(i)); }
  void cancel(ClientOrderId id) {
    common::OrderIntent i;
    i.action = common::IntentAction::kCancel;
    i.venue = common::VenueId::kBinance;
    i.instrument = btc;
    i.cloid = id;
    i.target = id;
    submit(i);
  }
  std::size_t at_venue(ClientOrderId id) {
    const std::string want = lower(id.to_binance());
    std::size_t n = 0;
    for (const auto& o : admin.open_orders()) n += o.client_id == want ? 1u : 0u;
    return n;
  }
  Price best(bool bid) {
    const TruthBook t = admin.book("BTCUSDT");
    const auto& v = bid ? t.bids : t.asks;
    EXPECT_FALSE(v.empty());
    return v.empty() ? Price{} : v.front().price;
  }

  venue_sim::SimHarness sim;
  Admin admin;
  common::InstrumentRegistry reg;
  common::InstrumentId btc;
  common::WallClock clock;  // signed requests carry epoch-ms timestamps
  common::Rng md_rng{21};
  common::Rng order_rng{22};
  net::NetLoop md_loop;
  net::NetLoop order_loop;
  common::SpscQueue<common::MdEvent> md_q{16384};
  common::SpscQueue<common::OrderIntent> intents{1024};
  common::SpscQueue<common::ExecEvent> exec{16384};
  std::unique_ptr<gateways::hyperliquid::NetWsTransport> md_ws;
  std::unique_ptr<gateways::cex::NetRestTransport> md_rest;
  std::unique_ptr<bn::BinanceMdGateway> md;
  std::unique_ptr<bn::Signer> signer;
  std::unique_ptr<gateways::hyperliquid::NetWsTransport> user_ws;
  std::unique_ptr<gateways::cex::NetRestTransport> rest;
  std::unique_ptr<bn::BinanceOrderGateway> order;
  BookMirror mirror;
  OrderView view;
};

ClientOrderId cid(std::uint64_t n) { return ClientOrderId{0xb1a4ce00cafe0000ull, n}; }

// ---- market data -----------------------------------------------------------------------------

TEST(BinanceGatewaySim, BookEqualsTruthAfterStreaming) {
  BnStack s({});
  ASSERT_TRUE(s.until([&] { return s.mirror.snapshots >= 1; }));
  for (int i = 0; i < 5; ++i) {
    const auto before = s.mirror.deltas;
    s.admin.move("BTC", i % 2 == 0 ? 0.05 : -0.05);
    ASSERT_TRUE(s.until([&] { return s.mirror.deltas > before; })) << "move " << i;
  }
  std::string why;
  EXPECT_TRUE(s.book_ok(&why)) << why;
  EXPECT_EQ(s.md->counters().parse_errors.get(), 0u);
  EXPECT_EQ(s.mirror.resets, 0u);
  EXPECT_EQ(s.mirror.last_state, common::VenueState::kConnected);
}

TEST(BinanceGatewaySim, SequenceGapResetsAndResyncs) {
  BnStack s({});
  ASSERT_TRUE(s.until([&] { return s.mirror.snapshots >= 1; }));
  std::string why;
  ASSERT_TRUE(s.book_ok(&why)) << why;
  for (std::uint64_t n = 1; n <= 2; ++n) {
    const auto snapshots = s.mirror.snapshots;
    s.admin.arm("\"skip_seq\":1");
    s.admin.move("BTC", n % 2 == 0 ? 0.1 : -0.1);
    ASSERT_TRUE(s.until([&] {
      return s.mirror.reset_reasons[common::ResetReason::kSequenceGap] == n &&
             s.mirror.snapshots > snapshots;
    })) << "gap "
        << n;
    EXPECT_TRUE(s.book_ok(&why)) << "after gap " << n << ": " << why;
  }
  EXPECT_EQ(s.admin.fault_counter("seq_skipped"), 2u);
  EXPECT_EQ(s.md->counters().resets.get(), 2u);  // one book, one reset per injected gap
}

TEST(BinanceGatewaySim, DisconnectsResetAndResync) {
  BnStack s({});
  ASSERT_TRUE(s.until([&] { return s.mirror.snapshots >= 1; }));
  std::string why;
  const char* kinds[] = {"\"drop_ws\":1", "\"reset_ws\":1"};
  for (int k = 0; k < 2; ++k) {
    const auto resets = s.mirror.reset_reasons[common::ResetReason::kReconnect];
    const auto reconnects = s.md->counters().reconnects.get();
    const auto snapshots = s.mirror.snapshots;
    s.admin.arm(kinds[k]);
    ASSERT_TRUE(s.until([&] {
      return s.md->counters().reconnects.get() == reconnects + 1 && s.mirror.snapshots > snapshots;
    })) << kinds[k];
    EXPECT_EQ(s.mirror.reset_reasons[common::ResetReason::kReconnect], resets + 1) << kinds[k];
    EXPECT_TRUE(s.book_ok(&why)) << kinds[k] << ": " << why;
  }
  EXPECT_EQ(s.admin.fault_counter("ws_dropped"), 1u);
  EXPECT_EQ(s.admin.fault_counter("ws_reset"), 1u);
  EXPECT_EQ(s.md->counters().reconnects.get(), 2u);
}

TEST(BinanceGatewaySim, MalformedFrameIsCountedAndTheGapResynced) {
  BnStack s({.trades = false});  // depth diffs only: the replaced frame is a diff
  ASSERT_TRUE(s.until([&] { return s.mirror.snapshots >= 1; }));
  const auto snapshots = s.mirror.snapshots;
  s.admin.arm("\"malformed\":1");
  s.admin.move("BTC", 0.1);
  ASSERT_TRUE(s.until([&] { return s.md->counters().parse_errors.get() == 1; }));
  // The lost diff breaks the pu -> u chain at the next one: reset, snapshot, book as the truth.
  s.admin.move("BTC", -0.1);
  ASSERT_TRUE(s.until([&] {
    return s.mirror.reset_reasons[common::ResetReason::kSequenceGap] == 1 &&
           s.mirror.snapshots > snapshots;
  }));
  std::string why;
  EXPECT_TRUE(s.book_ok(&why)) << why;
  EXPECT_EQ(s.admin.fault_counter("malformed_frames"), 1u);
  EXPECT_EQ(s.md->counters().parse_errors.get(), 1u);
}

// ---- orders ----------------------------------------------------------------------------------

TEST(BinanceGatewaySim, OrderRoundTrips) {
  BnStack s({.md = false, .orders = true});
  ASSERT_TRUE(s.order_ready());
  const Price bid = s.best(true);
  const Price ask = s.best(false);

  s.submit(s.intent(cid(1), common::Side::kBuy, bid - usd(500), "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(1), OrderStatus::kNew); }));
  EXPECT_EQ(s.at_venue(cid(1)), 1u);
  s.cancel(cid(1));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(1), OrderStatus::kCancelled); }));
  EXPECT_EQ(s.at_venue(cid(1)), 0u);

  s.submit(s.intent(cid(2), common::Side::kSell, bid, "0.002", common::TimeInForce::kGtc,
                    common::intent_flags::kReduceOnly));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(2), OrderStatus::kRejected); }));
  EXPECT_EQ(s.view.find(cid(2))->last.reject, RejectReason::kReduceOnlyWouldIncrease);

  s.submit(s.intent(cid(3), common::Side::kBuy, ask, "0.002", common::TimeInForce::kPostOnly));
  ASSERT_TRUE(s.until([&] {
    const auto* e = s.view.find(cid(3));
    return e != nullptr &&
           (e->last.status == OrderStatus::kRejected || e->last.status == OrderStatus::kExpired);
  }));
  // The REST answer says -5022 (kPostOnlyWouldCross), but the simulator also publishes the
  // record-less rejection on the user stream ("REJECTED", mapped to kOther) and whichever
  // arrives first wins the gateway's status dedup (docs/net.md, "Proof against the simulator").
  const RejectReason why3 = s.view.find(cid(3))->last.reject;
  EXPECT_TRUE(why3 == RejectReason::kPostOnlyWouldCross || why3 == RejectReason::kOther)
      << s.view.trail(cid(3));
  EXPECT_EQ(s.at_venue(cid(3)), 0u);

  s.submit(
      s.intent(cid(4), common::Side::kBuy, ask + usd(200), "0.002", common::TimeInForce::kIoc));
  ASSERT_TRUE(s.until([&] {
    const auto* e = s.view.find(cid(4));
    return e != nullptr && e->fills >= 1 && e->last.status == OrderStatus::kFilled;
  }));
  EXPECT_EQ(s.view.find(cid(4))->last.filled_qty, *Qty::parse("0.002"));
}

TEST(BinanceGatewaySim, FirstAnswerCarriesTheCreateTimingsWithTheUserStreamOn) {
  BnStack s({.md = false, .orders = true});
  ASSERT_TRUE(s.order_ready());
  expect_timed_first_answers(s, cid);
  // Each order was reported by both the stream and the REST answer; the second was dropped.
  EXPECT_GE(s.order->counters().duplicates.get(), 10u);
}

TEST(BinanceGatewaySim, LostResponseLeavesExactlyOneOrder) {
  BnStack s({.md = false, .orders = true, .request_timeout_ns = 400 * kMs});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - *Price::parse("300");
  s.admin.arm("\"lose_response\":1");
  s.submit(s.intent(cid(10), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(10), OrderStatus::kNew); }));
  EXPECT_EQ(s.admin.fault_counter("responses_lost"), 1u);
  // The request timed out: the gateway asked the venue by cloid instead of sending it again.
  ASSERT_TRUE(s.until([&] { return s.order->in_flight() == 0; }));
  EXPECT_GE(s.order->counters().status_queries.get(), 1u);
  EXPECT_EQ(s.at_venue(cid(10)), 1u);
}

TEST(BinanceGatewaySim, Http429IsRefusedOnceAndTheGatewayRecovers) {
  BnStack s({.md = false, .orders = true});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - *Price::parse("300");
  s.admin.arm("\"http_error\":1,\"http_error_status\":429");  // with Retry-After: 1 (s)
  const common::Nanos t0 = s.clock.now_ns();
  s.submit(s.intent(cid(20), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(20), OrderStatus::kRejected); }));
  EXPECT_EQ(s.view.find(cid(20))->last.reject, RejectReason::kRateLimited);
  EXPECT_EQ(s.at_venue(cid(20)), 0u);
  // The venue's Retry-After paused the gateway for about that long.
  EXPECT_EQ(s.order->counters().rate_limit_pauses.get(), 1u);
  const common::Nanos until = s.order->paused_until_ns();
  EXPECT_GE(until, t0 + 1'000 * kMs);
  EXPECT_LE(until, s.clock.now_ns() + 1'000 * kMs);

  // During the pause an order is refused here: nothing reaches the venue.
  const auto sends = s.order->counters().sends.get();
  s.submit(s.intent(cid(21), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(21), OrderStatus::kRejected); }));
  EXPECT_LT(s.clock.now_ns(), until) << "the test was too slow to observe the pause";
  EXPECT_EQ(s.view.find(cid(21))->last.reject, RejectReason::kRateLimited);
  EXPECT_EQ(s.order->counters().sends.get(), sends);
  EXPECT_EQ(s.at_venue(cid(21)), 0u);
  EXPECT_EQ(s.admin.fault_counter("http_errors"), 1u);  // the one armed 429, nothing since

  // After Retry-After the gateway sends again.
  while (s.clock.now_ns() < until) pump_for(s.stepper(), 50);
  s.submit(s.intent(cid(22), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(22), OrderStatus::kNew); }));
  EXPECT_EQ(s.at_venue(cid(22)), 1u);
  EXPECT_EQ(s.order->counters().rate_limit_pauses.get(), 1u);
}

// The venue's X-MBX-USED-WEIGHT-1M reaches the gateway's limiter (LimiterRateGate): the
// listenKey and order requests cost weight the limiter never charged itself.
TEST(BinanceGatewaySim, UsedWeightHeadersCorrectTheRateLimiter) {
  net::RateLimiter limiter(net::binance::usdm_limits(), common::WallClock{}.now_ns());
  net::LimiterRateGate gate(limiter, net::binance::kClassOrder);
  BnStack s({.md = false, .orders = true, .rate = &gate});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - *Price::parse("300");
  s.submit(s.intent(cid(30), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(30), OrderStatus::kNew); }));
  EXPECT_GE(gate.headers_applied(), 2u);  // listenKey + order answers at least
  EXPECT_GE(limiter.header_corrections(), 1u);
  // Bucket 0 is REQUEST_WEIGHT 2400/1 min: orders do not charge it here, the venue's count did.
  EXPECT_LT(limiter.available(0, s.clock.now_ns()), 2400u);
}

TEST(BinanceGatewaySim, RateGateNeverSendsOverTheLimit) {
  LimiterGate gate(5, 1'000 * kMs, common::WallClock{}.now_ns());
  BnStack s({.md = false, .orders = true, .rate = &gate});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - *Price::parse("300");
  const auto allowed0 = gate.allowed;
  const auto sends0 = s.order->counters().sends.get();
  for (std::uint64_t i = 0; i < 12; ++i) {
    s.submit(s.intent(cid(100 + i), common::Side::kBuy,
                      px - Price::from_raw(10'000'000 * static_cast<std::int64_t>(i)), "0.002"));
  }
  ASSERT_TRUE(s.until([&] {
    std::size_t done = 0;
    for (std::uint64_t i = 0; i < 12; ++i) {
      const auto* e = s.view.find(cid(100 + i));
      done += e != nullptr &&
              (e->last.status == OrderStatus::kNew || e->last.status == OrderStatus::kRejected);
    }
    return done == 12;
  }));
  std::size_t accepted = 0, limited = 0;
  for (std::uint64_t i = 0; i < 12; ++i) {
    const auto* e = s.view.find(cid(100 + i));
    if (e->last.status == OrderStatus::kNew) ++accepted;
    if (e->last.reject == RejectReason::kRateLimited) ++limited;
  }
  EXPECT_LE(gate.allowed - allowed0, 5u);
  EXPECT_LE(accepted, 5u);
  EXPECT_EQ(accepted + limited, 12u);
  EXPECT_EQ(s.order->counters().sends.get() - sends0, gate.allowed - allowed0);
  EXPECT_EQ(s.admin.open_orders().size(), accepted);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  s.submit(s.intent(cid(200), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(200), OrderStatus::kNew); }));
}

TEST(BinanceGatewaySim, BreakerOpensAfterErrorsAndClosesAfterCoolOff) {
  net::BreakerConfig bc;
  bc.failure_threshold = 3;
  bc.open_ns = 500 * kMs;
  NetBreaker breaker(bc);
  BnStack s({.md = false, .orders = true, .breaker = &breaker});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - *Price::parse("300");
  s.admin.arm("\"http_error\":1000,\"http_error_status\":500");
  for (std::uint64_t i = 0; i < 3 && breaker.breaker_.opens() == 0; ++i) {
    s.submit(s.intent(cid(300 + i), common::Side::kBuy, px, "0.002"));
    ASSERT_TRUE(s.until(
        [&] { return breaker.breaker_.failures() >= i + 1 || breaker.breaker_.opens() > 0; }));
  }
  ASSERT_TRUE(s.until([&] { return breaker.breaker_.opens() == 1; }));
  const auto sends = s.order->counters().sends.get();
  s.submit(s.intent(cid(310), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(310), OrderStatus::kRejected); }));
  EXPECT_EQ(s.view.find(cid(310))->last.reject, RejectReason::kRateLimited);
  EXPECT_EQ(s.order->counters().sends.get(), sends);
  s.admin.arm("\"clear\":true");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(s.until([&] { return s.order->in_flight() == 0; }));
  s.submit(s.intent(cid(320), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(320), OrderStatus::kNew); }));
  EXPECT_EQ(breaker.breaker_.state(), net::BreakerState::kClosed);
  // The gateway keeps asking about the orders whose answers were 500s: a half-open probe made
  // while the venue still fails opens the breaker again, so it may have opened more than once.
  EXPECT_GE(breaker.breaker_.opens(), 1u);
  for (std::uint64_t i = 0; i < 3; ++i) EXPECT_LE(s.at_venue(cid(300 + i)), 1u);
}

// ---- reconnect storm -------------------------------------------------------------------------

TEST(BinanceGatewaySim, ReconnectStormNoDuplicates) {
  BnStack s({.md = true, .orders = true});
  ASSERT_TRUE(s.order_ready());
  ASSERT_TRUE(s.until([&] { return s.mirror.snapshots >= 1; }));
  const Price px = s.best(true) - *Price::parse("400");
  std::uint64_t next = 1000;
  std::vector<ClientOrderId> sent;
  for (int storm = 0; storm < 10; ++storm) {
    for (int k = 0; k < 2; ++k) {
      const ClientOrderId id = cid(next++);
      s.submit(s.intent(id, common::Side::kBuy,
                        px - Price::from_raw(10'000'000 * static_cast<std::int64_t>(next % 50)),
                        "0.002"));
      sent.push_back(id);
    }
    if (sent.size() >= 3) s.cancel(sent[sent.size() - 3]);
    pump_for(s.stepper(), 750);
    s.admin.arm("\"drop_ws\":2");
  }
  ASSERT_TRUE(s.until([&] {
    return s.order->in_flight() == 0 && s.mirror.book.is_valid() &&
           s.user_ws->state() == gateways::LinkState::kOpen;
  }));
  pump_for(s.stepper(), 500);
  const auto truth = s.admin.open_orders();
  std::set<std::string> at_venue;
  for (const auto& o : truth) {
    EXPECT_TRUE(at_venue.insert(o.client_id).second) << "duplicate order " << o.client_id;
  }
  std::set<std::string> believed;
  for (const auto& id : s.view.live()) believed.insert(lower(id.to_binance()));
  EXPECT_EQ(believed, at_venue);
  EXPECT_GE(s.admin.fault_counter("ws_dropped"), 10u);
  EXPECT_GE(s.md->counters().reconnects.get(), 5u);
  std::string why;
  EXPECT_TRUE(s.book_ok(&why)) << why;
}

}  // namespace
}  // namespace peregrine::gwsim
