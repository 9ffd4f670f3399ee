#include "gateways/binance/order_gateway.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/fake_transports.hpp"

namespace peregrine::gateways::binance {
namespace {

using common::ExecEvent;
using common::ExecKind;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;
using test::FakeClock;
using test::FakeRest;
using test::FakeWs;

constexpr common::Nanos kMs = 1'000'000;
constexpr std::string_view kKey = "test-api-key";
constexpr std::string_view kSecret = "test-api-secret-0123456789";
constexpr std::string_view kCloidText = "pg0123456789abcdeffedcba9876543210";
constexpr common::ClientOrderId kCloid{0x0123456789abcdefull, 0xfedcba9876543210ull};

class RefuseAll final : public RateGate {
 public:
  bool try_acquire(std::uint32_t, common::Nanos) noexcept override { return false; }
};

// POST /fapi/v1/order answers (venue docs shape, as in exec_parser_test).
std::string order_body(std::string_view status, std::string_view executed = "0") {
  return R"({"orderId":22542179,"symbol":"BTCUSDT","status":")" + std::string(status) +
         R"(","clientOrderId":"pg0123456789abcdeffedcba9876543210","price":"61800.10",)"
         R"("avgPrice":"0.00","origQty":"0.010","executedQty":")" +
         std::string(executed) +
         R"(","cumQty":"0","cumQuote":"0","timeInForce":"GTC","type":"LIMIT","reduceOnly":false,)"
         R"("closePosition":false,"side":"BUY","positionSide":"BOTH","stopPrice":"0",)"
         R"("workingType":"CONTRACT_PRICE","priceProtect":false,"origType":"LIMIT",)"
         R"("priceMatch":"NONE","selfTradePreventionMode":"EXPIRE_MAKER","goodTillDate":0,)"
         R"("updateTime":1723161256100})";
}

std::string trade_update(std::string_view x, std::string_view status, std::string_view last_qty,
                         std::string_view cum_qty, std::uint64_t trade_id) {
  return R"({"e":"ORDER_TRADE_UPDATE","T":1723161256322,"E":1723161256330,"o":{"s":"BTCUSDT",)"
         R"("c":"pg0123456789abcdeffedcba9876543210","S":"BUY","o":"LIMIT","f":"GTC","q":"0.010",)"
         R"("p":"61800.10","ap":"61800.10000","sp":"0","x":")" +
         std::string(x) + R"(","X":")" + std::string(status) + R"(","i":22542179,"l":")" +
         std::string(last_qty) + R"(","z":")" + std::string(cum_qty) +
         R"(","L":"61800.10","N":"USDT","n":"0.04944008","T":1723161256322,"t":)" +
         std::to_string(trade_id) +
         R"(,"b":"370.8006","a":"0","m":true,"R":false,"wt":"CONTRACT_PRICE","ot":"LIMIT",)"
         R"("ps":"BOTH","cp":false,"rp":"0","pP":false,"si":0,"ss":0,"V":"EXPIRE_MAKER",)"
         R"("pm":"NONE","gtd":0}})";
}

common::OrderIntent new_intent() {
  common::OrderIntent in;
  in.action = common::IntentAction::kNew;
  in.cloid = kCloid;
  in.instrument = common::InstrumentId{0};
  in.strategy = common::StrategyId{7};
  in.venue = common::VenueId::kBinance;
  in.side = common::Side::kBuy;
  in.type = common::OrderType::kLimit;
  in.tif = common::TimeInForce::kGtc;
  in.price = *Price::parse("61800.1");
  in.qty = *Qty::parse("0.01");
  return in;
}

struct Fixture {
  explicit Fixture(bool user = false, RateGate* rate = nullptr, std::size_t queue = 256)
      : out(queue), signer(std::make_unique<HmacSigner>(kKey, kSecret)) {
    common::Instrument i;
    i.venue = common::VenueId::kBinance;
    EXPECT_TRUE(i.symbol.assign("BTCUSDT"));
    EXPECT_TRUE(i.asset.assign("BTC"));
    i.tick = *Price::parse("0.1");
    i.lot = *Qty::parse("0.001");
    (void)registry.add(i);
    OrderGatewayConfig cfg;
    cfg.on_listen_key = [this](std::string_view k) { keys.emplace_back(k); };
    gw = std::make_unique<BinanceOrderGateway>(registry, rest, user ? &ws : nullptr, intents, out,
                                               signer, clock, cfg, rate);
  }
  std::vector<ExecEvent> drain() { return test::drain(out); }
  void submit(const common::OrderIntent& in) {
    ASSERT_TRUE(intents.try_push(in));
    gw->do_work();
  }
  std::vector<common::OrderUpdate> updates() {
    std::vector<common::OrderUpdate> v;
    for (const auto& e : drain())
      if (e.kind == ExecKind::kOrderUpdate) v.push_back(e.update);
    return v;
  }

  common::InstrumentRegistry registry;
  FakeClock clock{1723161256000 * kMs};  // epoch: it timestamps signed requests
  FakeRest rest;
  FakeWs ws{/*always_open=*/true};
  common::SpscQueue<common::OrderIntent> intents{64};
  common::SpscQueue<ExecEvent> out;
  Signer signer;
  std::vector<std::string> keys;
  std::unique_ptr<BinanceOrderGateway> gw;
};

// The query string up to "&signature=" must be what the project's signer signs.
void expect_signed(const std::string& target) {
  const auto q = target.find('?');
  ASSERT_NE(q, std::string::npos);
  const std::string query = target.substr(q + 1);
  const auto s = query.rfind("&signature=");
  ASSERT_NE(s, std::string::npos);
  HmacSigner h(kKey, kSecret);
  char sig[HmacSigner::kSignatureChars];
  ASSERT_EQ(h.sign(query.substr(0, s), {}, sig), HmacSigner::kSignatureChars);
  EXPECT_EQ(query.substr(s + 11), std::string(sig, HmacSigner::kSignatureChars));
}

TEST(BinanceOrderGateway, NewOrderIsTheExactSignedRequestAndAckMaps) {
  Fixture f;
  f.submit(new_intent());
  ASSERT_EQ(f.rest.reqs.size(), 1u);
  const auto& r = f.rest.reqs[0];
  EXPECT_EQ(r.method, gateways::HttpMethod::kPost);
  const std::string prefix =
      "/fapi/v1/order?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&"
      "price=61800.1&newClientOrderId=" +
      std::string(kCloidText);
  EXPECT_EQ(r.target.substr(0, prefix.size()), prefix) << r.target;
  EXPECT_NE(r.target.find("&timestamp=1723161256000&recvWindow=5000&signature="), std::string::npos)
      << r.target;
  expect_signed(r.target);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "X-MBX-APIKEY");
  EXPECT_EQ(r.headers[0].second, kKey);
  EXPECT_TRUE(r.body.empty());

  f.rest.answer(1, 200, order_body("NEW"));
  f.gw->do_work();
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(u[0].cloid, kCloid);
  EXPECT_EQ(u[0].venue_order_id.lo, 22542179u);
  EXPECT_EQ(u[0].strategy, common::StrategyId{7});
  EXPECT_EQ(u[0].venue, common::VenueId::kBinance);
  EXPECT_EQ(f.gw->counters().acks.get(), 1u);
  EXPECT_EQ(f.gw->in_flight(), 0u);
}

TEST(BinanceOrderGateway, VenueRejectMapsReason) {
  Fixture f;
  f.submit(new_intent());
  f.rest.answer(1, 400, R"({"code":-2019,"msg":"Margin is insufficient."})");
  f.gw->do_work();
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kRejected);
  EXPECT_EQ(u[0].reject, RejectReason::kInsufficientMargin);
  EXPECT_EQ(u[0].cloid, kCloid);
  EXPECT_EQ(u[0].strategy, common::StrategyId{7});
  EXPECT_EQ(f.gw->counters().rejects.get(), 1u);
}

TEST(BinanceOrderGateway, TimeoutQueriesByClientIdAndNeverResendsBlindly) {
  Fixture f;
  f.submit(new_intent());
  f.rest.answer(1, 0, "", HttpOutcome::kTimeout);
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  const auto& q = f.rest.reqs[1];
  EXPECT_EQ(q.method, gateways::HttpMethod::kGet);
  EXPECT_TRUE(q.target.starts_with("/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=" +
                                   std::string(kCloidText)))
      << q.target;
  expect_signed(q.target);
  f.rest.answer(2, 200, order_body("NEW"));
  f.gw->do_work();
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(f.rest.count(gateways::HttpMethod::kPost, "/fapi/v1/order"), 1u);  // no duplicate order
  EXPECT_EQ(f.gw->counters().status_queries.get(), 1u);
}

TEST(BinanceOrderGateway, Unknown503ThenNotFoundWaitsRecvWindowThenResendsOnce) {
  Fixture f;
  f.submit(new_intent());
  f.rest.answer(
      1, 503,
      R"({"code":-1000,"msg":"Unknown error, please check your request or try again later."})");
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 2u);  // the status query
  f.rest.answer(2, 400, R"({"code":-2013,"msg":"Order does not exist."})");
  f.gw->do_work();
  // Not final yet: the original may still arrive within recvWindow.
  EXPECT_EQ(f.rest.reqs.size(), 2u);
  EXPECT_TRUE(f.updates().empty());
  f.clock.now += 7'000 * kMs;
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 3u);
  EXPECT_EQ(f.rest.reqs[2].method, gateways::HttpMethod::kGet);
  f.rest.answer(3, 400, R"({"code":-2013,"msg":"Order does not exist."})");
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 4u);
  EXPECT_EQ(f.rest.reqs[3].method,
            gateways::HttpMethod::kPost);  // now safe to send again, same cloid
  EXPECT_NE(f.rest.reqs[3].target.find(kCloidText), std::string::npos);
  expect_signed(f.rest.reqs[3].target);
  EXPECT_EQ(f.gw->counters().retries.get(), 1u);
  f.rest.answer(4, 200, order_body("NEW"));
  f.gw->do_work();
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
}

TEST(BinanceOrderGateway, RepeatedUnknownGivesUpWithUnknownOutcome) {
  Fixture f;
  f.submit(new_intent());
  f.rest.answer(1, 0, "", HttpOutcome::kMaybeSent);
  f.gw->do_work();
  for (std::uint64_t id = 2; id <= 4; ++id) {
    f.rest.answer(id, 0, "", HttpOutcome::kTimeout);
    f.gw->do_work();
  }
  EXPECT_EQ(f.gw->counters().status_queries.get(), 3u);
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kPendingNew);
  EXPECT_EQ(u[0].reject, RejectReason::kUnknownOutcome);
  EXPECT_EQ(f.rest.count(gateways::HttpMethod::kPost, "/fapi/v1/order"), 1u);
  EXPECT_EQ(f.gw->in_flight(), 0u);
}

TEST(BinanceOrderGateway, UserStreamFillsAndUpdatesAreDeduplicated) {
  Fixture f(true);
  f.gw->do_work();  // POST listenKey
  ASSERT_EQ(f.rest.reqs.size(), 1u);
  EXPECT_EQ(f.rest.reqs[0].method, gateways::HttpMethod::kPost);
  EXPECT_EQ(f.rest.reqs[0].target, "/fapi/v1/listenKey");
  ASSERT_EQ(f.rest.reqs[0].headers.size(), 1u);
  EXPECT_EQ(f.rest.reqs[0].headers[0].second, kKey);
  f.rest.answer(1, 200,
                R"({"listenKey":"pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf"})");
  f.gw->do_work();
  ASSERT_EQ(f.keys.size(), 1u);
  EXPECT_EQ(f.keys[0], "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf");

  f.submit(new_intent());
  f.rest.answer(2, 200, order_body("NEW"));
  f.ws.text(trade_update("NEW", "NEW", "0", "0", 0));  // the stream's NEW repeats the ack
  f.ws.text(trade_update("TRADE", "PARTIALLY_FILLED", "0.004", "0.004", 5266583935));
  f.ws.text(trade_update("TRADE", "PARTIALLY_FILLED", "0.004", "0.004", 5266583935));  // replay
  f.ws.text(trade_update("TRADE", "FILLED", "0.006", "0.010", 5266583936));
  f.gw->do_work();
  std::vector<ExecKind> kinds;
  std::vector<OrderStatus> statuses;
  std::vector<std::uint64_t> fill_ids;
  for (const auto& e : f.drain()) {
    kinds.push_back(e.kind);
    if (e.kind == ExecKind::kOrderUpdate) statuses.push_back(e.update.status);
    if (e.kind == ExecKind::kFill) {
      fill_ids.push_back(e.fill.fill_id);
      EXPECT_EQ(e.fill.cloid, kCloid);
      EXPECT_EQ(e.fill.strategy, common::StrategyId{7});
    }
  }
  EXPECT_EQ(statuses, (std::vector<OrderStatus>{OrderStatus::kNew, OrderStatus::kPartiallyFilled,
                                                OrderStatus::kFilled}));
  EXPECT_EQ(fill_ids, (std::vector<std::uint64_t>{5266583935u, 5266583936u}));
  EXPECT_EQ(f.gw->counters().fills.get(), 2u);
  EXPECT_GE(f.gw->counters().duplicates.get(), 2u);  // NEW again, the replayed fill + update
}

TEST(BinanceOrderGateway, ListenKeyExpiryMakesANewKey) {
  Fixture f(true);
  f.gw->do_work();
  f.rest.answer(1, 200, R"({"listenKey":"k1"})");
  f.gw->do_work();
  f.ws.text(R"({"e":"listenKeyExpired","E":1576653824250,"listenKey":"k1"})");
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  EXPECT_EQ(f.rest.reqs[1].target, "/fapi/v1/listenKey");
  f.rest.answer(2, 200, R"({"listenKey":"k2"})");
  f.gw->do_work();
  EXPECT_EQ(f.keys, (std::vector<std::string>{"k1", "k2"}));
  // Keep-alive after 30 minutes is a PUT.
  f.clock.now += 31LL * 60 * 1'000 * kMs;
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 3u);
  EXPECT_EQ(f.rest.reqs[2].method, gateways::HttpMethod::kPut);
}

TEST(BinanceOrderGateway, CancelByClientIdAndUnknownCancelQueries) {
  Fixture f;
  f.submit(new_intent());
  f.rest.answer(1, 200, order_body("NEW"));
  f.gw->do_work();
  f.drain();
  common::OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.target = kCloid;
  c.venue = common::VenueId::kBinance;
  f.submit(c);  // instrument taken from the tracked order
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  EXPECT_EQ(f.rest.reqs[1].method, gateways::HttpMethod::kDelete);
  EXPECT_TRUE(f.rest.reqs[1].target.starts_with("/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=" +
                                                std::string(kCloidText)))
      << f.rest.reqs[1].target;
  expect_signed(f.rest.reqs[1].target);
  f.rest.answer(2, 400, R"({"code":-2011,"msg":"Unknown order sent."})");
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 3u);  // filled meanwhile? ask
  EXPECT_EQ(f.rest.reqs[2].method, gateways::HttpMethod::kGet);
  f.rest.answer(3, 200, order_body("FILLED", "0.010"));
  f.gw->do_work();
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kFilled);
  EXPECT_EQ(u[0].filled_qty, *Qty::parse("0.01"));
}

TEST(BinanceOrderGateway, RateGateRefusalRejectsWithoutSending) {
  RefuseAll refuse;
  Fixture f(false, &refuse);
  f.submit(new_intent());
  EXPECT_TRUE(f.rest.reqs.empty());
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kRejected);
  EXPECT_EQ(u[0].reject, RejectReason::kRateLimited);
  EXPECT_EQ(f.gw->counters().throttled.get(), 1u);
}

TEST(BinanceOrderGateway, FullExecQueueKeepsReportsInOrder) {
  Fixture f(false, nullptr, 1);
  // Occupy the queue so every report goes to the backlog.
  while (f.out.try_push(ExecEvent(common::Fill{}))) {
  }
  f.submit(new_intent());
  f.rest.answer(1, 200, order_body("NEW"));
  f.gw->do_work();
  EXPECT_GE(f.gw->counters().queue_full.get(), 1u);
  auto first = f.drain();  // the fillers
  f.gw->do_work();
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(f.gw->backlog_overflow(), 0u);
}

TEST(BinanceOrderGateway, ModifyIsRefusedAndUnknownInstrumentRejected) {
  Fixture f;
  common::OrderIntent bad = new_intent();
  bad.instrument = common::InstrumentId{5};
  f.submit(bad);
  auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kRejected);
  EXPECT_TRUE(f.rest.reqs.empty());
}

// ---- reconciliation ----------------------------------------------------------------------------

// GET /fapi/v1/openOrders item for kCloid (or for a foreign client id).
std::string open_item(std::string_view status, std::string_view executed, std::uint64_t update_ms,
                      std::string_view client = kCloidText, std::uint64_t oid = 22542179) {
  return R"({"orderId":)" + std::to_string(oid) + R"(,"symbol":"BTCUSDT","status":")" +
         std::string(status) + R"(","clientOrderId":")" + std::string(client) +
         R"(","price":"61800.10","avgPrice":"0","origQty":"0.010","executedQty":")" +
         std::string(executed) +
         R"(","cumQuote":"0","timeInForce":"GTC","type":"LIMIT","reduceOnly":false,)"
         R"("closePosition":false,"side":"BUY","positionSide":"BOTH","stopPrice":"0",)"
         R"("workingType":"CONTRACT_PRICE","priceProtect":false,"origType":"LIMIT",)"
         R"("time":1723161256000,"updateTime":)" +
         std::to_string(update_ms) + "}";
}

// An order acked NEW (request 1), the user stream opened (reconciliation starts: request 2).
struct RecFixture : Fixture {
  RecFixture() : Fixture(false) {
    submit(new_intent());
    rest.answer(1, 200, order_body("NEW"));
    gw->do_work();
    (void)drain();
    gw->on_ws_open();  // what a (re)connected user stream does
    (void)drain();     // VenueStatus kConnected
  }
  const FakeRest::Req& last() const { return rest.reqs.back(); }
};

TEST(BinanceOrderGatewayReconcile, OpenAndInSyncProducesNothing) {
  RecFixture f;
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  EXPECT_EQ(f.last().method, gateways::HttpMethod::kGet);
  EXPECT_EQ(f.last().target.rfind("/fapi/v1/openOrders?timestamp=", 0), 0u) << f.last().target;
  EXPECT_TRUE(f.gw->reconciling());
  f.gw->request_reconcile();  // one round at a time
  EXPECT_EQ(f.rest.reqs.size(), 2u);
  f.rest.answer(2, 200, "[" + open_item("NEW", "0", 1723161256100) + "]");
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.rest.reqs.size(), 2u);  // nothing to ask about
  EXPECT_FALSE(f.gw->reconciling());
  const auto& c = f.gw->reconcile_counters();
  EXPECT_EQ(c.rounds.get(), 1u);
  EXPECT_EQ(c.state_changes.get() + c.revived.get() + c.gone_queried.get() + c.foreign_orders.get(),
            0u);
  EXPECT_EQ(f.gw->counters().reconcile_corrections.get(), 0u);
}

TEST(BinanceOrderGatewayReconcile, PartialFillMissedWhileDownIsCorrected) {
  RecFixture f;
  f.rest.answer(2, 200, "[" + open_item("PARTIALLY_FILLED", "0.004", 1723161257000) + "]");
  f.gw->do_work();
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].cloid, kCloid);
  EXPECT_EQ(u[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u[0].filled_qty, *Qty::parse("0.004"));
  EXPECT_EQ(u[0].strategy, common::StrategyId{7});
  EXPECT_EQ(f.gw->reconcile_counters().state_changes.get(), 1u);
  EXPECT_EQ(f.gw->counters().reconcile_corrections.get(), 1u);
  // A second round with the same answer: already in sync.
  f.gw->request_reconcile();
  f.rest.answer(3, 200, "[" + open_item("PARTIALLY_FILLED", "0.004", 1723161257000) + "]");
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.gw->counters().reconcile_corrections.get(), 1u);
}

TEST(BinanceOrderGatewayReconcile, VanishedOrderIsQueriedAndItsFillOrCancelReported) {
  for (const char* final_status : {"FILLED", "CANCELED"}) {
    RecFixture f;
    f.rest.answer(2, 200, "[]");
    f.gw->do_work();
    EXPECT_TRUE(f.drain().empty());
    ASSERT_EQ(f.rest.reqs.size(), 3u);
    EXPECT_EQ(f.last().target.rfind(
                  "/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=" + std::string(kCloidText), 0),
              0u)
        << f.last().target;
    const bool filled = std::string_view(final_status) == "FILLED";
    f.rest.answer(3, 200, order_body(final_status, filled ? "0.010" : "0"));
    f.gw->do_work();
    const auto u = f.updates();
    ASSERT_EQ(u.size(), 1u) << final_status;
    EXPECT_EQ(u[0].status, filled ? OrderStatus::kFilled : OrderStatus::kCancelled);
    const auto& c = f.gw->reconcile_counters();
    EXPECT_EQ(c.gone_queried.get(), 1u);
    EXPECT_EQ(c.gone_closed.get(), 1u);
    EXPECT_EQ(f.gw->counters().reconcile_corrections.get(), 1u);
    // Terminal now: a late stream update for it is a duplicate, and a new round asks nothing.
    f.gw->request_reconcile();
    f.rest.answer(4, 200, "[]");
    f.gw->do_work();
    EXPECT_EQ(f.rest.reqs.size(), 4u);
    EXPECT_TRUE(f.drain().empty());
  }
}

TEST(BinanceOrderGatewayReconcile, VanishedOrderUnknownToTheVenueIsReportedCancelled) {
  RecFixture f;
  f.rest.answer(2, 200, "[]");
  f.gw->do_work();
  f.rest.answer(3, 400, R"({"code":-2013,"msg":"Order does not exist."})");
  f.gw->do_work();
  const auto u = f.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kCancelled);
  EXPECT_EQ(u[0].reject, RejectReason::kUnknownOrder);
  EXPECT_EQ(f.gw->reconcile_counters().gone_unknown.get(), 1u);
}

TEST(BinanceOrderGatewayReconcile, ForeignOpenOrderIsCountedNotAdopted) {
  RecFixture f;
  f.rest.answer(2, 200,
                "[" + open_item("NEW", "0", 1723161256100) + "," +
                    open_item("NEW", "0", 1723161256100, "web_manual_order_1", 999) + "]");
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.gw->reconcile_counters().foreign_orders.get(), 1u);
  EXPECT_EQ(f.gw->orders().find_oid(999), nullptr);
  EXPECT_EQ(f.gw->counters().reconcile_corrections.get(), 0u);
}

TEST(BinanceOrderGatewayReconcile, StaleListingDoesNotUndoANewerStreamUpdate) {
  RecFixture f;
  // The stream reports the fill after the snapshot was taken but before its answer arrived.
  const std::string frame = trade_update("TRADE", "FILLED", "0.010", "0.010", 7001);
  f.gw->on_ws_text(WsFrame{frame.data(), frame.size(), frame.size(), 0});
  ASSERT_EQ(f.updates().size(), 1u);  // the fill's update (the Fill itself is not counted)
  f.rest.answer(2, 200, "[" + open_item("NEW", "0", 1723161256200) + "]");
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.gw->reconcile_counters().revived.get(), 0u);
}

TEST(BinanceOrderGatewayReconcile, FailedSnapshotIsRetriedAndCorrectsNothing) {
  RecFixture f;
  f.rest.answer(2, 0, "", HttpOutcome::kTimeout);
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.gw->reconcile_counters().failed_rounds.get(), 1u);
  EXPECT_TRUE(f.gw->reconciling());
  f.clock.now += 1'000 * kMs;
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 3u);
  EXPECT_EQ(f.last().target.rfind("/fapi/v1/openOrders?", 0), 0u);
  f.rest.answer(3, 200, "not json");
  f.gw->do_work();
  EXPECT_EQ(f.gw->reconcile_counters().failed_rounds.get(), 2u);
  EXPECT_EQ(f.gw->counters().reconcile_corrections.get(), 0u);
}

TEST(BinanceOrderGatewayReconcile, OrderWithARequestInFlightIsLeftToIt) {
  Fixture f;
  f.submit(new_intent());  // no answer yet
  f.gw->on_ws_open();
  (void)f.drain();
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  f.rest.answer(2, 200, "[]");
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.rest.reqs.size(), 2u);  // no status query about the in-flight order
  EXPECT_EQ(f.gw->reconcile_counters().gone_queried.get(), 0u);
}

}  // namespace
}  // namespace peregrine::gateways::binance
