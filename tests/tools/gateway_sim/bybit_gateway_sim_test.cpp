// Proof tests: the real Bybit v5 gateways (md + order, gateways/net transports) against the
// in-process venue simulator on loopback, checked against the simulator's truth: book equality
// under gaps/disconnects/malformed frames, order round trips, a lost response, the venue's
// rate-limit shapes (retCode 10006, HTTP 403), the breaker, TLS, reconciliation and a
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
#include "gateways/bybit/md_gateway.hpp"
#include "gateways/bybit/order_gateway.hpp"
#include "gateways/bybit/signer.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/json/cex_gateway_common.hpp"
#include "tools/gateway_sim/gateway_sim_support.hpp"

namespace peregrine::gwsim {
namespace {

namespace bb = gateways::bybit;
namespace net = gateways::net;
using common::ClientOrderId;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

constexpr common::Nanos kMs = 1'000'000;

struct Options {
  bool tls = false;
  bool md = true;
  bool orders = false;
  bool trades = true;
  common::Nanos request_timeout_ns = 2'000 * kMs;
  common::Nanos ip_ban_backoff_ns = 600'000 * kMs;
  gateways::RateGate* rate = nullptr;
  gateways::Breaker* breaker = nullptr;
};

net::TlsOptions tls_options(const venue_sim::Server& server, bool tls) {
  net::TlsOptions t;
  if (tls) {
    t.use_system_trust = false;
    t.extra_ca_pem = server.cert_pem();  // verification stays on
  }
  return t;
}

net::WsOptions ws_options(const venue_sim::Server& server, bool tls) {
  net::WsOptions o;
  o.backoff.base_ns = 20 * kMs;
  o.backoff.cap_ns = 200 * kMs;
  o.backoff.reset_after_ns = 100 * kMs;
  o.tls = tls_options(server, tls);
  return o;
}

// What the engine wires for Bybit (engine/session/venue_bybit.cpp), driven on the test thread.
struct BbStack {
  explicit BbStack(Options o)
      : sim(quiet_config(common::VenueId::kBybit, o.tls)),
        admin(sim.admin_port(), "bybit"),
        reg(registry_of(sim.server().config(), common::VenueId::kBybit)),
        btc(reg.find(common::VenueId::kBybit, "BTCUSDT")),
        signer("SimBybitApiKey01", "SimBybitApiSecret01"),
        mirror(btc) {
    const auto port = std::to_string(sim.server().venue_port(common::VenueId::kBybit));
    const std::string ws_base = std::string(o.tls ? "wss" : "ws") + "://127.0.0.1:" + port;
    const std::string rest_base = std::string(o.tls ? "https" : "http") + "://127.0.0.1:" + port;
    net::HttpOptions ho;
    ho.request_timeout_ns = o.request_timeout_ns;
    ho.connect_timeout_ns = 1'000 * kMs;
    ho.pool_size = 8;  // as the engine: overlapping orders, cancels and queries
    ho.tls = tls_options(sim.server(), o.tls);
    std::string err;
    if (o.md) {
      md_ws = std::make_unique<gateways::hyperliquid::NetWsTransport>(
          md_loop, clock, md_rng, ws_options(sim.server(), o.tls));
      bb::MdGatewayConfig cfg;
      cfg.symbols = {"BTCUSDT"};
      cfg.trades = o.trades;
      md = std::make_unique<bb::BybitMdGateway>(reg, *md_ws, md_q, clock, cfg);
      EXPECT_EQ(md_ws->connect(ws_base + "/v5/public/linear"), net::WsConnectResult::kStarted);
    }
    if (o.orders) {
      user_ws = std::make_unique<gateways::hyperliquid::NetWsTransport>(
          order_loop, clock, order_rng, ws_options(sim.server(), o.tls));
      rest = std::make_unique<gateways::cex::NetRestTransport>(order_loop, clock, ho);
      bb::OrderGatewayConfig cfg;
      cfg.ip_ban_backoff_ns = o.ip_ban_backoff_ns;
      order = std::make_unique<bb::BybitOrderGateway>(reg, *rest, user_ws.get(), intents, exec,
                                                      signer, clock, cfg, o.rate, o.breaker);
      EXPECT_TRUE(rest->start(rest_base, &err)) << err;
      EXPECT_EQ(user_ws->connect(ws_base + "/v5/private"), net::WsConnectResult::kStarted);
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
  // Authenticated, subscribed, and the connect-time reconciliation done.
  bool order_ready() {
    return until([&] {
      return order->stream_ready() && order->reconcile_counters().rounds.get() >= 1 &&
             !order->reconciling() && order->in_flight() == 0;
    });
  }

  common::OrderIntent intent(ClientOrderId id, common::Side side, Price px, std::string_view qty,
                             common::TimeInForce tif = common::TimeInForce::kGtc,
                             std::uint8_t flags = 0) const {
    common::OrderIntent i;
    i.action = common::IntentAction::kNew;
    i.venue = common::VenueId::kBybit;
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
    i.venue = common::VenueId::kBybit;
    i.instrument = btc;
    i.cloid = id;
    i.target = id;
    submit(i);
  }
  void amend(ClientOrderId id, Price px, std::string_view qty) {
    common::OrderIntent i;
    i.action = common::IntentAction::kModify;
    i.venue = common::VenueId::kBybit;
    i.instrument = btc;
    i.target = id;
    i.price = px;
    i.qty = *Qty::parse(qty);
    submit(i);
  }
  const TruthOrder* venue_order(ClientOrderId id, std::vector<TruthOrder>& open) {
    const std::string want = lower(id.to_binance());  // orderLinkId
    for (const auto& o : open)
      if (o.client_id == want) return &o;
    return nullptr;
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
  common::WallClock clock;  // signed requests and the auth "expires" carry epoch ms
  common::Rng md_rng{31};
  common::Rng order_rng{32};
  net::NetLoop md_loop;
  net::NetLoop order_loop;
  bb::Signer signer;
  common::SpscQueue<common::MdEvent> md_q{16384};
  common::SpscQueue<common::OrderIntent> intents{1024};
  common::SpscQueue<common::ExecEvent> exec{16384};
  std::unique_ptr<gateways::hyperliquid::NetWsTransport> md_ws;
  std::unique_ptr<bb::BybitMdGateway> md;
  std::unique_ptr<gateways::hyperliquid::NetWsTransport> user_ws;
  std::unique_ptr<gateways::cex::NetRestTransport> rest;
  std::unique_ptr<bb::BybitOrderGateway> order;
  BookMirror mirror;
  OrderView view;
};

ClientOrderId cid(std::uint64_t n) { return ClientOrderId{0xb7b17000cafe0000ull, n}; }

// ---- market data -----------------------------------------------------------------------------

TEST(BybitGatewaySim, BookEqualsTruthAfterStreaming) {
  BbStack s({});
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

TEST(BybitGatewaySim, SequenceGapResetsAndResyncs) {
  BbStack s({});
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

TEST(BybitGatewaySim, DisconnectsResetAndResync) {
  BbStack s({});
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

TEST(BybitGatewaySim, MalformedFrameIsCountedAndTheGapResynced) {
  BbStack s({.trades = false});  // orderbook frames only: the replaced frame is a delta
  ASSERT_TRUE(s.until([&] { return s.mirror.snapshots >= 1; }));
  const auto snapshots = s.mirror.snapshots;
  s.admin.arm("\"malformed\":1");
  s.admin.move("BTC", 0.1);
  ASSERT_TRUE(s.until([&] { return s.md->counters().parse_errors.get() == 1; }));
  // The lost delta breaks the u chain at the next one: reset, resubscribe, book as the truth.
  s.admin.move("BTC", -0.1);
  ASSERT_TRUE(s.until([&] {
    return s.mirror.reset_reasons[common::ResetReason::kSequenceGap] == 1 &&
           s.mirror.snapshots > snapshots;
  }));
  std::string why;
  EXPECT_TRUE(s.book_ok(&why)) << why;
  EXPECT_EQ(s.admin.fault_counter("malformed_frames"), 1u);
  EXPECT_EQ(s.md->counters().parse_errors.get(), 1u);
  EXPECT_EQ(s.md->counters().resets.get(), 1u);
}

// ---- TLS -------------------------------------------------------------------------------------

TEST(BybitGatewaySim, TlsWithTheSimulatorsCertificateVerified) {
  BbStack s({.tls = true, .md = true, .orders = true});
  ASSERT_FALSE(s.sim.server().cert_pem().empty());
  ASSERT_TRUE(s.until([&] { return s.mirror.snapshots >= 1; }));
  ASSERT_TRUE(s.order_ready());
  s.admin.move("BTC", 0.05);
  std::string why;
  EXPECT_TRUE(s.book_ok(&why)) << why;
  EXPECT_GE(s.md_ws->client().counters().connects.load(), 1u);
  // A signed order over https, its update over the wss private stream.
  s.submit(s.intent(cid(1), common::Side::kBuy, s.best(true) - usd(500), "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(1), OrderStatus::kNew); }));
  EXPECT_EQ(s.at_venue(cid(1)), 1u);
  s.cancel(cid(1));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(1), OrderStatus::kCancelled); }));
  EXPECT_EQ(s.at_venue(cid(1)), 0u);
}

TEST(BybitGatewaySim, TlsWithoutTrustingTheCertificateNeverConnects) {
  venue_sim::SimHarness sim(quiet_config(common::VenueId::kBybit, true));
  const auto reg = registry_of(sim.server().config(), common::VenueId::kBybit);
  common::WallClock clock;
  common::Rng rng{3};
  net::NetLoop loop;
  net::WsOptions o = ws_options(sim.server(), false);
  o.tls.use_system_trust = false;
  gateways::hyperliquid::NetWsTransport ws(loop, clock, rng, o);
  common::SpscQueue<common::MdEvent> q(1024);
  bb::MdGatewayConfig cfg;
  cfg.symbols = {"BTCUSDT"};
  bb::BybitMdGateway md(reg, ws, q, clock, cfg);
  const auto port = std::to_string(sim.server().venue_port(common::VenueId::kBybit));
  ASSERT_EQ(ws.connect("wss://127.0.0.1:" + port + "/v5/public/linear"),
            net::WsConnectResult::kStarted);
  BookMirror mirror(reg.find(common::VenueId::kBybit, "BTCUSDT"));
  pump_for([&] { return md.do_work() + mirror.drain(q); }, 2'000);
  EXPECT_EQ(ws.client().counters().connects.load(), 0u);
  EXPECT_GE(ws.client().counters().connect_failures.load(), 1u);
  EXPECT_EQ(mirror.snapshots, 0u);
}

// ---- orders ----------------------------------------------------------------------------------

TEST(BybitGatewaySim, OrderRoundTrips) {
  BbStack s({.md = false, .orders = true});
  ASSERT_TRUE(s.order_ready());
  const Price bid = s.best(true);

  // Rests, is amended (price and qty), is cancelled.
  s.submit(s.intent(cid(1), common::Side::kBuy, bid - usd(500), "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(1), OrderStatus::kNew); }));
  EXPECT_EQ(s.at_venue(cid(1)), 1u);
  const Price amended = bid - usd(400) + *Price::parse("0.5");
  s.amend(cid(1), amended, "0.003");
  ASSERT_TRUE(s.until([&] {
    const auto* e = s.view.find(cid(1));
    return e != nullptr && e->last.price == amended;
  })) << s.view.trail(cid(1));
  EXPECT_EQ(s.view.find(cid(1))->last.qty, *Qty::parse("0.003"));
  auto open = s.admin.open_orders();
  const TruthOrder* t = s.venue_order(cid(1), open);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->price, amended);
  EXPECT_EQ(t->qty, *Qty::parse("0.003"));
  s.cancel(cid(1));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(1), OrderStatus::kCancelled); }));
  EXPECT_EQ(s.at_venue(cid(1)), 0u);

  // Reduce-only without a position.
  s.submit(s.intent(cid(2), common::Side::kSell, bid, "0.002", common::TimeInForce::kGtc,
                    common::intent_flags::kReduceOnly));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(2), OrderStatus::kRejected); }));
  EXPECT_EQ(s.view.find(cid(2))->last.reject, RejectReason::kReduceOnlyWouldIncrease);
  EXPECT_EQ(s.at_venue(cid(2)), 0u);

  // Post-only through the touch: accepted, then cancelled by the venue -> rejected for the core.
  s.submit(s.intent(cid(3), common::Side::kBuy, s.best(false) + usd(500), "0.002",
                    common::TimeInForce::kPostOnly));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(3), OrderStatus::kRejected); }))
      << s.view.trail(cid(3));
  EXPECT_EQ(s.view.find(cid(3))->last.reject, RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(s.view.find(cid(3))->fills, 0u);
  EXPECT_EQ(s.at_venue(cid(3)), 0u);

  // Marketable: fills on the private stream, one kFilled for the core (REST/stream dedup).
  const Price through = s.best(false) + usd(500);
  s.submit(s.intent(cid(4), common::Side::kBuy, through, "0.002", common::TimeInForce::kIoc));
  ASSERT_TRUE(s.until([&] {
    const auto* e = s.view.find(cid(4));
    return e != nullptr && e->fills >= 1 && e->last.status == OrderStatus::kFilled;
  })) << s.view.trail(cid(4));
  EXPECT_EQ(s.view.find(cid(4))->last.filled_qty, *Qty::parse("0.002"));
  std::size_t filled = 0;
  for (auto st : s.view.find(cid(4))->history) filled += st == OrderStatus::kFilled ? 1 : 0;
  EXPECT_EQ(filled, 1u);

  // Reduce-only now that a long position exists: accepted.
  s.submit(s.intent(cid(5), common::Side::kSell, s.best(false) + usd(500), "0.001",
                    common::TimeInForce::kGtc, common::intent_flags::kReduceOnly));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(5), OrderStatus::kNew); }))
      << s.view.trail(cid(5));
  EXPECT_EQ(s.at_venue(cid(5)), 1u);
  EXPECT_EQ(s.order->counters().parse_errors.get(), 0u);
}

TEST(BybitGatewaySim, FirstAnswerCarriesTheCreateTimingsWithTheStreamOn) {
  BbStack s({.md = false, .orders = true});
  ASSERT_TRUE(s.order_ready());
  expect_timed_first_answers(s, cid);
}

TEST(BybitGatewaySim, LostResponseLeavesExactlyOneOrder) {
  BbStack s({.md = false, .orders = true, .request_timeout_ns = 400 * kMs});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - usd(300);
  s.admin.arm("\"lose_response\":1");
  s.submit(s.intent(cid(10), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(10), OrderStatus::kNew); }));
  EXPECT_EQ(s.admin.fault_counter("responses_lost"), 1u);
  // The request timed out: the gateway asked the venue by orderLinkId, never sent it again.
  ASSERT_TRUE(s.until(
      [&] { return s.order->in_flight() == 0 && s.order->counters().status_queries.get() >= 1; }));
  EXPECT_EQ(s.order->counters().retries.get(), 0u);
  pump_for(s.stepper(), 1'500);  // nothing may create a second order afterwards
  EXPECT_EQ(s.at_venue(cid(10)), 1u);
  EXPECT_EQ(s.admin.open_orders().size(), 1u);
  std::size_t news = 0;
  for (auto st : s.view.find(cid(10))->history) news += st == OrderStatus::kNew ? 1 : 0;
  EXPECT_EQ(news, 1u);
}

// The per-UID limit: HTTP 200 + retCode 10006 + X-Bapi-Limit-Reset-Timestamp (1 s ahead in the
// simulator). Nothing is sent until the reset; then orders flow again.
TEST(BybitGatewaySim, TooManyVisitsBacksOffUntilTheResetAndRecovers) {
  BbStack s({.md = false, .orders = true});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - usd(300);
  s.admin.arm("\"http_error\":1,\"http_error_status\":429");
  const common::Nanos t0 = s.clock.now_ns();
  s.submit(s.intent(cid(20), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(20), OrderStatus::kRejected); }));
  EXPECT_EQ(s.view.find(cid(20))->last.reject, RejectReason::kRateLimited);
  EXPECT_EQ(s.order->rate_limit_hits(), 1u);
  // The reset header says ~1 s from the refusal, not the 1 s default back-off from now.
  EXPECT_GT(s.order->backoff_until_ns(), t0 + 500 * kMs);
  EXPECT_LT(s.order->backoff_until_ns(), t0 + 1'600 * kMs);
  // While backed off: refused locally, nothing sent.
  const auto sends = s.order->counters().sends.get();
  s.submit(s.intent(cid(21), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(21), OrderStatus::kRejected); }));
  EXPECT_EQ(s.view.find(cid(21))->last.reject, RejectReason::kRateLimited);
  EXPECT_EQ(s.order->counters().sends.get(), sends);
  ASSERT_TRUE(s.until([&] { return s.clock.now_ns() >= s.order->backoff_until_ns(); }));
  s.submit(s.intent(cid(22), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(22), OrderStatus::kNew); }));
  EXPECT_EQ(s.at_venue(cid(20)), 0u);
  EXPECT_EQ(s.at_venue(cid(21)), 0u);
  EXPECT_EQ(s.at_venue(cid(22)), 1u);
  EXPECT_EQ(s.admin.fault_counter("http_errors"), 1u);
}

// The IP limit: HTTP 403 without an envelope. The venue says wait >= 10 min (the default); the
// test configures 300 ms.
TEST(BybitGatewaySim, Http403IpLimitBacksOffAndRecovers) {
  BbStack s({.md = false, .orders = true, .ip_ban_backoff_ns = 300 * kMs});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - usd(300);
  s.admin.arm("\"http_error\":1,\"http_error_status\":403");
  s.submit(s.intent(cid(30), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(30), OrderStatus::kRejected); }));
  EXPECT_EQ(s.view.find(cid(30))->last.reject, RejectReason::kRateLimited);
  EXPECT_EQ(s.order->rate_limit_hits(), 1u);
  const auto sends = s.order->counters().sends.get();
  s.submit(s.intent(cid(31), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(31), OrderStatus::kRejected); }));
  EXPECT_EQ(s.order->counters().sends.get(), sends);
  ASSERT_TRUE(s.until([&] { return s.clock.now_ns() >= s.order->backoff_until_ns(); }));
  s.submit(s.intent(cid(32), common::Side::kBuy, px, "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(32), OrderStatus::kNew); }));
  EXPECT_EQ(s.at_venue(cid(32)), 1u);
  EXPECT_EQ(s.admin.open_orders().size(), 1u);
}

TEST(BybitGatewaySim, RateGateNeverSendsOverTheLimit) {
  LimiterGate gate(5, 1'000 * kMs, common::WallClock{}.now_ns());
  BbStack s({.md = false, .orders = true, .rate = &gate});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - usd(300);
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
}

TEST(BybitGatewaySim, BreakerOpensAfterErrorsAndClosesAfterCoolOff) {
  net::BreakerConfig bc;
  bc.failure_threshold = 3;
  bc.open_ns = 500 * kMs;
  NetBreaker breaker(bc);
  BbStack s({.md = false, .orders = true, .breaker = &breaker});
  ASSERT_TRUE(s.order_ready());
  const Price px = s.best(true) - usd(300);
  s.admin.arm("\"http_error\":1000,\"http_error_status\":500");
  for (std::uint64_t i = 0; i < 3 && breaker.breaker_.opens() == 0; ++i) {
    s.submit(s.intent(cid(300 + i), common::Side::kBuy, px, "0.002"));
    ASSERT_TRUE(s.until(
        [&] { return breaker.breaker_.failures() >= i + 1 || breaker.breaker_.opens() > 0; }));
  }
  ASSERT_TRUE(s.until([&] { return breaker.breaker_.opens() >= 1; }));
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
  EXPECT_GE(breaker.breaker_.opens(), 1u);
  // The 500s never reached the matching engine; once recv_window has passed with the order
  // still absent, the gateway may re-send it under the same orderLinkId: at most one each.
  for (std::uint64_t i = 0; i < 3; ++i) EXPECT_LE(s.at_venue(cid(300 + i)), 1u);
}

// ---- reconciliation --------------------------------------------------------------------------

// The stream's reports of an order are lost (malformed frames): the core heard only the REST
// ack. Reconciliation on demand finds it not listed open, asks by orderLinkId and corrects it.
TEST(BybitGatewaySim, ReconcileCorrectsWhatTheStreamLost) {
  BbStack s({.md = false, .orders = true});
  ASSERT_TRUE(s.order_ready());
  const auto rounds = s.order->reconcile_counters().rounds.get();
  // A resting order the stream reported: the listing confirms it, no correction.
  s.submit(s.intent(cid(40), common::Side::kBuy, s.best(true) - usd(500), "0.002"));
  ASSERT_TRUE(s.until([&] { return s.view.has_status(cid(40), OrderStatus::kNew); }));
  // A marketable IOC while every private frame is replaced by garbage: the core hears kNew
  // from the REST ack only; its fills and "Filled" are lost.
  s.admin.arm("\"malformed\":1000");
  s.submit(s.intent(cid(41), common::Side::kBuy, s.best(false) + usd(500), "0.002",
                    common::TimeInForce::kIoc));
  ASSERT_TRUE(s.until([&] {
    return s.view.has_status(cid(41), OrderStatus::kNew) && s.order->in_flight() == 0;
  })) << s.view.trail(cid(41));
  pump_for(s.stepper(), 1'000);
  s.admin.arm("\"clear\":true");
  ASSERT_GE(s.admin.fault_counter("malformed_frames"), 1u);
  ASSERT_EQ(s.at_venue(cid(41)), 0u);
  ASSERT_EQ(s.view.find(cid(41))->last.status, OrderStatus::kNew) << s.view.trail(cid(41));
  const auto corrections = s.order->counters().reconcile_corrections.get();
  s.order->request_reconcile();
  ASSERT_TRUE(s.until([&] {
    return !s.order->reconciling() && s.order->in_flight() == 0 &&
           s.view.has_status(cid(41), OrderStatus::kFilled);
  })) << s.view.trail(cid(41));
  EXPECT_EQ(s.view.find(cid(41))->last.filled_qty, *Qty::parse("0.002"));
  EXPECT_EQ(s.order->reconcile_counters().rounds.get(), rounds + 1);
  EXPECT_EQ(s.order->reconcile_counters().gone_queried.get(), 1u);
  EXPECT_EQ(s.order->reconcile_counters().gone_closed.get(), 1u);
  EXPECT_EQ(s.order->counters().reconcile_corrections.get(), corrections + 1);
  EXPECT_TRUE(s.view.has_status(cid(40), OrderStatus::kNew));
  EXPECT_EQ(s.at_venue(cid(40)), 1u);
  // A private-stream reconnect runs a round by itself; nothing left to correct.
  const auto reconnects = s.order->counters().reconnects.get();
  s.admin.arm("\"drop_ws\":1");
  ASSERT_TRUE(s.until([&] {
    return s.order->counters().reconnects.get() > reconnects && s.order->stream_ready() &&
           s.order->reconcile_counters().rounds.get() >= rounds + 2 && !s.order->reconciling();
  }));
  EXPECT_EQ(s.order->counters().reconcile_corrections.get(), corrections + 1);
  EXPECT_EQ(s.order->reconcile_counters().failed_rounds.get(), 0u);
}

// ---- reconnect storm -------------------------------------------------------------------------

// Both streams dropped every 2 s while orders flow, for PEREGRINE_STORM_SECONDS (default 20 for
// CI; the full storm is 60). No crash, no duplicate order, the core's view of live
// orders equals the venue's after reconciliation, the book equals the truth.
TEST(BybitGatewaySim, ReconnectStormNoDuplicatesAndReconciles) {
  int seconds = 20;
  if (const char* env = std::getenv("PEREGRINE_STORM_SECONDS")) {
    seconds = std::clamp(std::atoi(env), 4, 600);
  }
  const int drops = seconds / 2;
  BbStack s({.md = true, .orders = true});
  ASSERT_TRUE(s.order_ready());
  ASSERT_TRUE(s.until([&] { return s.mirror.snapshots >= 1; }));
  const Price px = s.best(true) - usd(400);
  std::uint64_t next = 1000;
  std::vector<ClientOrderId> sent;
  const auto start = std::chrono::steady_clock::now();
  for (int storm = 0; storm < drops; ++storm) {
    const auto round_end = start + std::chrono::seconds(2 * (storm + 1));
    // Orders flow while the connections drop: two new, one cancel, one amend per round.
    for (int k = 0; k < 2; ++k) {
      const ClientOrderId id = cid(next++);
      s.submit(s.intent(id, common::Side::kBuy, px - usd(static_cast<std::int64_t>(next % 50)),
                        "0.002"));
      sent.push_back(id);
    }
    if (sent.size() >= 3) s.cancel(sent[sent.size() - 3]);
    if (sent.size() >= 4) s.amend(sent[sent.size() - 4], px - usd(60), "0.003");
    pump_for(s.stepper(), 500);
    s.admin.arm("\"drop_ws\":2");  // the public and the private stream
    while (std::chrono::steady_clock::now() < round_end) pump_for(s.stepper(), 50);
  }
  ASSERT_TRUE(s.until([&] {
    return s.order->in_flight() == 0 && !s.order->reconciling() && s.order->stream_ready() &&
           s.mirror.book.is_valid();
  }));
  s.order->request_reconcile();
  ASSERT_TRUE(s.until([&] { return !s.order->reconciling() && s.order->in_flight() == 0; }));
  pump_for(s.stepper(), 500);

  const auto truth = s.admin.open_orders();
  std::set<std::string> at_venue;
  for (const auto& o : truth) {
    EXPECT_TRUE(at_venue.insert(o.client_id).second) << "duplicate order " << o.client_id;
  }
  std::set<std::string> believed;
  for (const auto& id : s.view.live()) believed.insert(lower(id.to_binance()));
  EXPECT_EQ(believed, at_venue);
  EXPECT_GE(s.admin.fault_counter("ws_dropped"), static_cast<std::uint64_t>(drops));
  EXPECT_GE(s.md->counters().reconnects.get(), static_cast<std::uint64_t>(drops / 2));
  EXPECT_GE(s.order->reconcile_counters().rounds.get(), static_cast<std::uint64_t>(drops / 2));
  std::string why;
  EXPECT_TRUE(s.book_ok(&why)) << why;
  std::printf(
      "storm: %d s, %d drops, ws_dropped=%llu md_reconnects=%llu rounds=%llu "
      "corrections=%llu open=%zu\n",
      seconds, drops, static_cast<unsigned long long>(s.admin.fault_counter("ws_dropped")),
      static_cast<unsigned long long>(s.md->counters().reconnects.get()),
      static_cast<unsigned long long>(s.order->reconcile_counters().rounds.get()),
      static_cast<unsigned long long>(s.order->counters().reconcile_corrections.get()),
      truth.size());
}

}  // namespace
}  // namespace peregrine::gwsim
