// BybitOrderGateway against scripted transports: exact signed requests, acks, retCode rejects on
// HTTP 200, unknown outcomes settled by a query (never a blind resend), private-WS auth,
// heartbeat and dedup of fills and order updates.
#include "gateways/bybit/order_gateway.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/fake_transports.hpp"

namespace peregrine::gateways::bybit {
namespace {

using common::ExecEvent;
using common::ExecKind;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

constexpr common::Nanos kMs = 1'000'000;
constexpr std::int64_t kStartMs = 1'790'000'000'000;
constexpr std::string_view kKey = "BybitTestKey01";
constexpr std::string_view kSecret = "BybitTestSecret-not-real";
constexpr std::string_view kLink = "pg00000000000000a100000000000000b2";
constexpr common::ClientOrderId kCloid{0xa1, 0xb2};

class RefuseAll final : public RateGate {
 public:
  bool try_acquire(std::uint32_t, common::Nanos) noexcept override { return false; }
};

std::string ok_ack(std::string_view order_id = "1321003749386327552") {
  return R"({"retCode":0,"retMsg":"OK","result":{"orderId":")" + std::string(order_id) +
         R"(","orderLinkId":")" + std::string(kLink) +
         R"("},"retExtInfo":{},"time":1790000000100})";
}

std::string error_body(int code, std::string_view msg) {
  return R"({"retCode":)" + std::to_string(code) + R"(,"retMsg":")" + std::string(msg) +
         R"(","result":{},"retExtInfo":{},"time":1790000000100})";
}

// One order entry as the order topic and /v5/order/realtime carry it.
std::string order_entry(std::string_view status, std::string_view cum, std::string_view price,
                        std::string_view reject = "EC_NoError") {
  return R"({"orderId":"1321003749386327552","orderLinkId":")" + std::string(kLink) +
         R"(","symbol":"BTCUSDT","price":")" + std::string(price) +
         R"(","qty":"0.010","side":"Buy","orderStatus":")" + std::string(status) +
         R"(","cancelType":"UNKNOWN","rejectReason":")" + std::string(reject) +
         R"(","avgPrice":"","leavesQty":"0.010","cumExecQty":")" + std::string(cum) +
         R"(","timeInForce":"GTC","orderType":"Limit","stopOrderType":"","triggerPrice":"",)"
         R"("positionIdx":0,"reduceOnly":false,"closeOnTrigger":false,)"
         R"("updatedTime":"1790000000200"})";
}

std::string order_frame(const std::string& entry) {
  return R"({"id":"5923240c6880ab-c59f-420b-9adb-3639adc9dd90","topic":"order",)"
         R"("creationTime":1790000000200,"data":[)" +
         entry + "]}";
}

std::string realtime_body(const std::string& entries) {
  return R"({"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[)" + entries +
         R"(],"nextPageCursor":""},"retExtInfo":{},"time":1790000000300})";
}

std::string exec_frame(std::string_view exec_id, std::string_view qty) {
  return R"({"id":"592324803b2785-26fa-4214-9963-bdd4727f07be","topic":"execution",)"
         R"("creationTime":1790000000250,"data":[{"category":"linear","symbol":"BTCUSDT",)"
         R"("execFee":"0.0325","execId":")" +
         std::string(exec_id) + R"(","execPrice":"65000","execQty":")" + std::string(qty) +
         R"(","execType":"Trade","isMaker":false,"orderId":"1321003749386327552",)"
         R"("orderLinkId":")" +
         std::string(kLink) + R"(","side":"Buy","execTime":"1790000000240","seq":4688002127}]})";
}

common::OrderIntent new_intent() {
  common::OrderIntent in;
  in.action = common::IntentAction::kNew;
  in.cloid = kCloid;
  in.instrument = common::InstrumentId{0};
  in.strategy = common::StrategyId{3};
  in.venue = common::VenueId::kBybit;
  in.side = common::Side::kBuy;
  in.type = common::OrderType::kLimit;
  in.tif = common::TimeInForce::kGtc;
  in.price = *Price::parse("65000");
  in.qty = *Qty::parse("0.01");
  return in;
}

common::OrderIntent about(common::IntentAction action) {
  common::OrderIntent in;
  in.action = action;
  in.target = kCloid;
  in.venue = common::VenueId::kBybit;
  return in;
}

struct Rig {
  explicit Rig(bool stream = false, RateGate* rate = nullptr, OrderGatewayConfig cfg = {})
      : signer(kKey, kSecret) {
    common::Instrument i;
    i.venue = common::VenueId::kBybit;
    EXPECT_TRUE(i.symbol.assign("BTCUSDT"));
    EXPECT_TRUE(i.asset.assign("BTC"));
    i.tick = *Price::parse("0.1");
    i.lot = *Qty::parse("0.001");
    (void)registry.add(i);
    gw = std::make_unique<BybitOrderGateway>(registry, rest, stream ? &ws : nullptr, intents, out,
                                             signer, clock, cfg, rate);
  }
  void submit(const common::OrderIntent& in) {
    ASSERT_TRUE(intents.try_push(in));
    gw->do_work();
  }
  void answer(std::size_t index, int status, std::string body,
              HttpOutcome outcome = HttpOutcome::kOk) {
    ASSERT_LT(index, rest.reqs.size());
    rest.answer(rest.reqs[index].id, status, std::move(body), outcome);
    gw->do_work();
  }
  std::vector<common::OrderUpdate> updates() {
    std::vector<common::OrderUpdate> v;
    for (const auto& e : test::drain(out)) {
      if (e.kind == ExecKind::kOrderUpdate) v.push_back(e.update);
      if (e.kind == ExecKind::kFill) fills.push_back(e.fill);
      if (e.kind == ExecKind::kVenueStatus) states.push_back(e.status.state);
    }
    return v;
  }
  // An authenticated, subscribed private stream.
  void open_stream() {
    ws.open();
    gw->do_work();
    ws.text(R"({"success":true,"ret_msg":"","op":"auth","conn_id":"c1"})");
    gw->do_work();
    ws.text(R"({"success":true,"ret_msg":"","op":"subscribe","conn_id":"c1","req_id":"pg-sub"})");
    gw->do_work();
    // The connect-time reconciliation asks for the open orders: none yet. Later indices count
    // from the first request after it.
    ASSERT_EQ(rest.reqs.size(), 1u);
    EXPECT_EQ(rest.reqs[0].target, "/v5/order/realtime?category=linear&settleCoin=USDT&limit=50");
    rest.answer(rest.reqs[0].id, 200, realtime_body(""));
    gw->do_work();
    EXPECT_FALSE(gw->reconciling());
    rest.reqs.clear();
  }

  common::InstrumentRegistry registry;
  test::FakeClock clock{kStartMs * kMs};  // epoch: it timestamps signed requests
  test::FakeRest rest;
  test::FakeWs ws;
  common::SpscQueue<common::OrderIntent> intents{64};
  common::SpscQueue<ExecEvent> out{256};
  Signer signer;
  std::unique_ptr<BybitOrderGateway> gw;
  std::vector<common::Fill> fills;
  std::vector<common::VenueState> states;
};

std::string header(const test::FakeRest::Req& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<absent>";
}

// The X-BAPI-SIGN header must be HMAC(secret, timestamp + key + recv_window + payload).
void expect_signed(const test::FakeRest::Req& r, std::string_view payload) {
  EXPECT_EQ(header(r, "X-BAPI-API-KEY"), kKey);
  EXPECT_EQ(header(r, "X-BAPI-TIMESTAMP"), std::to_string(kStartMs));
  EXPECT_EQ(header(r, "X-BAPI-RECV-WINDOW"), "5000");
  EXPECT_EQ(header(r, "X-BAPI-SIGN-TYPE"), "2");
  const Signer check(kKey, kSecret);
  RestAuth auth;
  check.sign_rest(static_cast<std::uint64_t>(kStartMs), 5000, payload, auth);
  EXPECT_EQ(header(r, "X-BAPI-SIGN"), auth.sign());
  EXPECT_EQ(header(r, "X-BAPI-SIGN").find(kSecret), std::string::npos);
}

TEST(BybitOrderGateway, CreateIsTheExactSignedRequestAndAckMaps) {
  Rig g;
  g.submit(new_intent());
  ASSERT_EQ(g.rest.reqs.size(), 1u);
  const auto& r = g.rest.reqs[0];
  EXPECT_EQ(r.method, HttpMethod::kPost);
  EXPECT_EQ(r.target, "/v5/order/create");
  EXPECT_EQ(r.body, R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",)"
                    R"("qty":"0.01","price":"65000","timeInForce":"GTC","positionIdx":0,)"
                    R"("orderLinkId":")" +
                        std::string(kLink) + R"("})");
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  expect_signed(r, r.body);

  g.answer(0, 200, ok_ack());
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(u[0].cloid, kCloid);
  EXPECT_EQ(u[0].strategy, common::StrategyId{3});
  EXPECT_EQ(u[0].venue, common::VenueId::kBybit);
  EXPECT_EQ(u[0].venue_order_id, common::VenueOrderId::from_int(1321003749386327552ull));
  EXPECT_EQ(u[0].price, *Price::parse("65000"));
  EXPECT_EQ(g.gw->in_flight(), 0u);
  EXPECT_EQ(g.gw->counters().acks.get(), 1u);
}

TEST(BybitOrderGateway, RetCodeOnHttp200IsARejectWithItsReason) {
  struct Case {
    int code;
    const char* msg;
    RejectReason want;
  };
  for (const Case c :
       {Case{110007, "ab not enough for new order", RejectReason::kInsufficientMargin},
        Case{10006, "Too many visits!", RejectReason::kRateLimited},
        Case{110017, "reduce-only rule not satisfied", RejectReason::kReduceOnlyWouldIncrease},
        Case{10004, "error sign!", RejectReason::kBadSignature},
        Case{110072, "OrderLinkedID is duplicate", RejectReason::kDuplicateClientId},
        Case{10001, "params error: qty invalid", RejectReason::kInvalidQty}}) {
    Rig g;
    g.submit(new_intent());
    g.answer(0, 200, error_body(c.code, c.msg));
    const auto u = g.updates();
    ASSERT_EQ(u.size(), 1u) << c.code;
    EXPECT_EQ(u[0].status, OrderStatus::kRejected) << c.code;
    EXPECT_EQ(u[0].reject, c.want) << c.code;
    EXPECT_EQ(g.rest.reqs.size(), 1u) << "a reject is final: no query, no resend";
  }
}

TEST(BybitOrderGateway, HttpStatusWithoutEnvelopeMaps) {
  Rig g;
  g.submit(new_intent());
  g.answer(0, 429, "Too Many Requests");
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].reject, RejectReason::kRateLimited);
  EXPECT_EQ(g.gw->counters().parse_errors.get(), 1u);
}

TEST(BybitOrderGateway, TimeoutQueriesByOrderLinkIdAndNeverResendsAFoundOrder) {
  Rig g;
  g.submit(new_intent());
  g.answer(0, 0, "", HttpOutcome::kTimeout);
  ASSERT_EQ(g.rest.reqs.size(), 2u);
  const auto& q = g.rest.reqs[1];
  EXPECT_EQ(q.method, HttpMethod::kGet);
  ASSERT_TRUE(q.target.starts_with("/v5/order/realtime?category=linear&symbol=BTCUSDT"))
      << q.target;
  EXPECT_NE(q.target.find("orderLinkId=" + std::string(kLink)), std::string::npos);
  EXPECT_TRUE(q.body.empty());
  expect_signed(q, q.target.substr(q.target.find('?') + 1));
  EXPECT_TRUE(g.updates().empty()) << "nothing is reported before the venue answers";

  g.answer(1, 200, realtime_body(order_entry("New", "0", "65000")));
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(g.rest.count(HttpMethod::kPost, "/v5/order/create"), 1u);
  EXPECT_EQ(g.gw->in_flight(), 0u);
  EXPECT_EQ(g.gw->counters().status_queries.get(), 1u);
}

TEST(BybitOrderGateway, ServerErrorAndUnknownRetCodeAlsoQueryFirst) {
  for (const std::string& body :
       {std::string("<html>502 Bad Gateway</html>"), error_body(10016, "Internal server error")}) {
    Rig g;
    g.submit(new_intent());
    g.answer(0, body.starts_with("<") ? 502 : 200, body);
    ASSERT_EQ(g.rest.reqs.size(), 2u) << body;
    EXPECT_EQ(g.rest.reqs[1].method, HttpMethod::kGet) << body;
    g.answer(1, 200, realtime_body(order_entry("Filled", "0.010", "65000")));
    const auto u = g.updates();
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].status, OrderStatus::kFilled);
    EXPECT_EQ(g.rest.count(HttpMethod::kPost, "/v5/order/create"), 1u);
  }
}

TEST(BybitOrderGateway, AbsentOrderIsResentOnlyAfterRecvWindowAndASecondQuery) {
  Rig g;
  g.submit(new_intent());
  g.answer(0, 0, "", HttpOutcome::kMaybeSent);
  g.answer(1, 200, realtime_body(""));
  EXPECT_EQ(g.rest.reqs.size(), 2u) << "absent inside recv_window proves nothing";
  g.clock.now += 3000 * kMs;
  g.gw->do_work();
  EXPECT_EQ(g.rest.reqs.size(), 2u);
  g.clock.now += 3001 * kMs;  // past recv_window + 1 s skew
  g.gw->do_work();
  ASSERT_EQ(g.rest.reqs.size(), 3u);
  EXPECT_EQ(g.rest.reqs[2].method, HttpMethod::kGet) << "asked again before any resend";
  g.answer(2, 200, realtime_body(""));
  ASSERT_EQ(g.rest.reqs.size(), 4u);
  EXPECT_EQ(g.rest.reqs[3].target, "/v5/order/create");
  EXPECT_EQ(g.rest.reqs[3].body, g.rest.reqs[0].body) << "same orderLinkId";
  g.answer(3, 200, ok_ack());
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(g.gw->counters().retries.get(), 1u);
}

TEST(BybitOrderGateway, NoResendsAllowedRejectsAnAbsentOrderAsUnknown) {
  OrderGatewayConfig cfg;
  cfg.max_resends = 0;
  Rig g(false, nullptr, cfg);
  g.submit(new_intent());
  g.answer(0, 0, "", HttpOutcome::kTimeout);
  g.clock.now += 7000 * kMs;
  g.answer(1, 200, realtime_body(""));
  ASSERT_EQ(g.rest.reqs.size(), 2u);
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kRejected);
  EXPECT_EQ(u[0].reject, RejectReason::kUnknownOrder);
}

TEST(BybitOrderGateway, QueriesAreBoundedThenUnknownOutcomeIsReported) {
  Rig g;
  g.submit(new_intent());
  g.answer(0, 0, "", HttpOutcome::kTimeout);
  for (std::size_t i = 1; i <= 3; ++i) g.answer(i, 0, "", HttpOutcome::kTimeout);
  EXPECT_EQ(g.rest.reqs.size(), 4u);
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kPendingNew);
  EXPECT_EQ(u[0].reject, RejectReason::kUnknownOutcome);
  EXPECT_EQ(g.gw->in_flight(), 0u);
}

TEST(BybitOrderGateway, NotSentIsResentOnceWithoutAQuery) {
  Rig g;
  g.submit(new_intent());
  g.answer(0, 0, "", HttpOutcome::kNotSent);
  ASSERT_EQ(g.rest.reqs.size(), 2u);
  EXPECT_EQ(g.rest.reqs[1].target, "/v5/order/create");
  g.answer(1, 0, "", HttpOutcome::kNotSent);
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kRejected);
  EXPECT_EQ(g.rest.reqs.size(), 2u);
}

TEST(BybitOrderGateway, CancelAmendAndCancelAllBodies) {
  Rig g;
  g.submit(new_intent());
  g.answer(0, 200, ok_ack());
  common::OrderIntent amend = about(common::IntentAction::kModify);
  amend.price = *Price::parse("64990.5");
  amend.qty = *Qty::parse("0.02");
  g.submit(amend);
  ASSERT_EQ(g.rest.reqs.size(), 2u);
  EXPECT_EQ(g.rest.reqs[1].target, "/v5/order/amend");
  EXPECT_EQ(g.rest.reqs[1].body, R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":")" +
                                     std::string(kLink) + R"(","qty":"0.02","price":"64990.5"})");
  expect_signed(g.rest.reqs[1], g.rest.reqs[1].body);
  g.answer(1, 200, ok_ack());
  auto u = g.updates();
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1].status, OrderStatus::kNew);
  EXPECT_EQ(u[1].price, *Price::parse("64990.5"));
  EXPECT_EQ(u[1].qty, *Qty::parse("0.02"));

  g.submit(about(common::IntentAction::kCancel));
  ASSERT_EQ(g.rest.reqs.size(), 3u);
  EXPECT_EQ(g.rest.reqs[2].target, "/v5/order/cancel");
  EXPECT_EQ(g.rest.reqs[2].body, R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":")" +
                                     std::string(kLink) + R"("})");
  g.answer(2, 200, ok_ack());
  u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kCancelled);

  common::OrderIntent all = about(common::IntentAction::kCancelAll);
  all.target = {};
  g.submit(all);
  ASSERT_EQ(g.rest.reqs.size(), 4u);
  EXPECT_EQ(g.rest.reqs[3].target, "/v5/order/cancel-all");
  EXPECT_EQ(g.rest.reqs[3].body, R"({"category":"linear","settleCoin":"USDT"})");
  all.instrument = common::InstrumentId{0};
  g.submit(all);
  ASSERT_EQ(g.rest.reqs.size(), 5u);
  EXPECT_EQ(g.rest.reqs[4].body, R"({"category":"linear","symbol":"BTCUSDT"})");
}

TEST(BybitOrderGateway, RefusedAmendAndCancelUseThePendingStatusWithAReason) {
  Rig g;
  g.submit(new_intent());
  g.answer(0, 200, ok_ack());
  (void)g.updates();
  common::OrderIntent amend = about(common::IntentAction::kModify);
  amend.price = *Price::parse("1");
  g.submit(amend);
  g.answer(1, 200, error_body(110003, "Order price is out of permissible range"));
  auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kPendingReplace);
  EXPECT_EQ(u[0].reject, RejectReason::kInvalidPrice);
  EXPECT_EQ(u[0].price, *Price::parse("65000")) << "the old order stands";

  // "Not exists or too late": the venue is asked what happened; here it had filled.
  g.submit(about(common::IntentAction::kCancel));
  g.answer(2, 200, error_body(110001, "order not exists or too late to cancel"));
  ASSERT_EQ(g.rest.reqs.size(), 4u);
  EXPECT_EQ(g.rest.reqs[3].method, HttpMethod::kGet);
  g.answer(3, 200, realtime_body(order_entry("Filled", "0.010", "65000")));
  u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kFilled);
  EXPECT_EQ(u[0].filled_qty, *Qty::parse("0.01"));

  // A cancel of a finished order never reaches the venue.
  g.submit(about(common::IntentAction::kCancel));
  EXPECT_EQ(g.rest.reqs.size(), 4u);
  u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kPendingCancel);
  EXPECT_EQ(u[0].reject, RejectReason::kUnknownOrder);
}

TEST(BybitOrderGateway, RateGateRefusalRejectsWithoutSending) {
  RefuseAll refuse;
  Rig g(false, &refuse);
  g.submit(new_intent());
  EXPECT_TRUE(g.rest.reqs.empty());
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].reject, RejectReason::kRateLimited);
  EXPECT_EQ(g.gw->counters().throttled.get(), 1u);
}

TEST(BybitOrderGateway, UnknownInstrumentAndDuplicateCloidNeverSend) {
  Rig g;
  common::OrderIntent bad = new_intent();
  bad.instrument = common::InstrumentId{9};
  g.submit(bad);
  EXPECT_TRUE(g.rest.reqs.empty());
  g.submit(new_intent());
  g.submit(new_intent());
  EXPECT_EQ(g.rest.reqs.size(), 1u);
  EXPECT_EQ(g.gw->counters().duplicates.get(), 1u);
}

TEST(BybitOrderGateway, PrivateStreamAuthenticatesSubscribesAndPings) {
  Rig g(true);
  g.ws.open();
  g.gw->do_work();
  ASSERT_EQ(g.ws.sent.size(), 1u);
  const std::string expires = std::to_string(kStartMs + 10'000);
  char sig[kSignatureHexLen];
  g.signer.sign_ws_auth(static_cast<std::uint64_t>(kStartMs + 10'000), sig);
  EXPECT_EQ(g.ws.sent[0], R"({"req_id":"pg-auth","op":"auth","args":[")" + std::string(kKey) +
                              "\"," + expires + ",\"" + std::string(sig, kSignatureHexLen) +
                              "\"]}");
  g.ws.text(R"({"success":true,"ret_msg":"","op":"auth","conn_id":"c1"})");
  g.gw->do_work();
  ASSERT_EQ(g.ws.sent.size(), 2u);
  EXPECT_NE(g.ws.sent[1].find(R"("args":["order","execution"])"), std::string::npos);
  EXPECT_FALSE(g.gw->stream_ready());
  g.ws.text(R"({"success":true,"ret_msg":"","op":"subscribe","conn_id":"c1"})");
  g.gw->do_work();
  EXPECT_TRUE(g.gw->stream_ready());
  (void)g.updates();
  EXPECT_EQ(g.states, std::vector<common::VenueState>{common::VenueState::kConnected});

  g.clock.now += 19'000 * kMs;
  g.gw->do_work();
  EXPECT_EQ(g.ws.sent.size(), 2u);
  g.clock.now += 1'001 * kMs;
  g.gw->do_work();
  ASSERT_EQ(g.ws.sent.size(), 3u);
  EXPECT_NE(g.ws.sent[2].find(R"("op":"ping")"), std::string::npos);
  g.ws.text(R"({"req_id":"pg-ping","op":"pong","args":["1790000020000"],"conn_id":"c1"})");
  g.gw->do_work();
  EXPECT_EQ(g.gw->counters().parse_errors.get(), 0u);

  g.ws.close();
  g.gw->do_work();
  (void)g.updates();
  EXPECT_EQ(g.states.back(), common::VenueState::kDown);
}

TEST(BybitOrderGateway, FailedAuthReconnectsAndIsCounted) {
  Rig g(true);
  g.ws.open();
  g.gw->do_work();
  g.ws.text(R"({"success":false,"ret_msg":"Invalid sign","op":"auth","conn_id":"c1"})");
  g.gw->do_work();
  EXPECT_EQ(g.gw->auth_failures(), 1u);
  EXPECT_EQ(g.ws.reconnect_calls, 1);
  EXPECT_EQ(g.ws.sent.size(), 1u) << "no subscribe without auth";
}

TEST(BybitOrderGateway, StreamFillsDedupByExecIdAndUpdatesDedupAgainstTheRestAck) {
  Rig g(true);
  g.open_stream();
  g.submit(new_intent());
  g.ws.text(order_frame(order_entry("New", "0", "65000")));  // the stream beats the REST ack
  g.gw->do_work();
  g.answer(0, 200, ok_ack());
  auto u = g.updates();
  ASSERT_EQ(u.size(), 1u) << "New once, whichever arrives first";

  g.ws.text(exec_frame("e-1", "0.004"));
  g.ws.text(exec_frame("e-1", "0.004"));  // replayed after a reconnect
  g.ws.text(order_frame(order_entry("PartiallyFilled", "0.004", "65000")));
  g.ws.text(order_frame(order_entry("PartiallyFilled", "0.004", "65000")));
  g.ws.text(exec_frame("e-2", "0.006"));
  g.ws.text(order_frame(order_entry("Filled", "0.010", "65000")));
  g.gw->do_work();
  u = g.updates();
  ASSERT_EQ(g.fills.size(), 2u);
  EXPECT_EQ(g.fills[0].qty, *Qty::parse("0.004"));
  EXPECT_EQ(g.fills[0].cloid, kCloid);
  EXPECT_EQ(g.fills[0].strategy, common::StrategyId{3});
  EXPECT_EQ(g.fills[1].qty, *Qty::parse("0.006"));
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u[1].status, OrderStatus::kFilled);
  EXPECT_EQ(g.gw->counters().fills.get(), 2u);
  EXPECT_GE(g.gw->counters().duplicates.get(), 2u);
}

TEST(BybitOrderGateway, PostOnlyThatWouldTakeIsARejectForTheCore) {
  Rig g(true);
  g.open_stream();
  common::OrderIntent in = new_intent();
  in.tif = common::TimeInForce::kPostOnly;
  g.submit(in);
  EXPECT_NE(g.rest.reqs[0].body.find(R"("timeInForce":"PostOnly")"), std::string::npos);
  g.answer(0, 200, ok_ack());
  g.ws.text(order_frame(order_entry("Cancelled", "0", "65000", "EC_PostOnlyWillTakeLiquidity")));
  g.gw->do_work();
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(u[1].status, OrderStatus::kRejected);
  EXPECT_EQ(u[1].reject, RejectReason::kPostOnlyWouldCross);
}

TEST(BybitOrderGateway, BadFramesAreCountedAndChangeNothing) {
  Rig g(true);
  g.open_stream();
  g.submit(new_intent());
  g.answer(0, 200, ok_ack());
  (void)g.updates();
  for (const char* bad : {"", "{", "[1,2]", R"({"topic":"order","data":[{"symbol":"BTCUSDT"}]})",
                          R"({"topic":"nope","data":[]})", "\xff\xfe"}) {
    g.ws.text(bad);
  }
  g.gw->do_work();
  EXPECT_EQ(g.gw->counters().parse_errors.get(), 6u);
  EXPECT_TRUE(g.updates().empty());
  EXPECT_EQ(g.gw->orders().find(kCloid)->last.status, OrderStatus::kNew);
}

TEST(BybitOrderGateway, FullCoreQueueHoldsReportsInOrder) {
  Rig g;
  // Fill the core's queue so the gateway must hold its reports.
  common::ExecEvent filler;
  while (g.out.try_push(filler)) {
  }
  g.submit(new_intent());
  g.answer(0, 200, ok_ack());
  g.submit(about(common::IntentAction::kCancel));
  g.answer(1, 200, ok_ack());
  EXPECT_GE(g.gw->counters().queue_full.get(), 1u);
  (void)test::drain(g.out);
  g.gw->do_work();
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(u[1].status, OrderStatus::kCancelled);
  EXPECT_EQ(g.gw->backlog_overflow(), 0u);
}

TEST(BybitOrderGateway, ReconcileCorrectsFromTheListingAndAsksAboutTheRest) {
  Rig g(true);
  g.open_stream();
  g.submit(new_intent());
  g.answer(0, 200, ok_ack());
  ASSERT_EQ(g.updates().size(), 1u);
  // The stream lost a partial fill: the listing shows it.
  g.gw->request_reconcile();
  ASSERT_EQ(g.rest.reqs.size(), 2u);
  EXPECT_TRUE(g.gw->reconciling());
  g.answer(1, 200, realtime_body(order_entry("PartiallyFilled", "0.004", "65000")));
  auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u[0].filled_qty, *Qty::parse("0.004"));
  EXPECT_EQ(u[0].cloid, kCloid);
  EXPECT_EQ(u[0].strategy, common::StrategyId{3});
  EXPECT_EQ(g.gw->reconcile_counters().state_changes.get(), 1u);
  // Then it is no longer listed: asked by orderLinkId (closed ones too), found filled.
  g.gw->request_reconcile();
  g.answer(2, 200, realtime_body(""));
  ASSERT_EQ(g.rest.reqs.size(), 4u);
  EXPECT_NE(g.rest.reqs[3].target.find("orderLinkId="), std::string::npos);
  EXPECT_NE(g.rest.reqs[3].target.find("openOnly=1"), std::string::npos);
  g.answer(3, 200, realtime_body(order_entry("Filled", "0.010", "65000")));
  u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kFilled);
  EXPECT_EQ(g.gw->reconcile_counters().gone_queried.get(), 1u);
  EXPECT_EQ(g.gw->reconcile_counters().gone_closed.get(), 1u);
  EXPECT_EQ(g.gw->counters().reconcile_corrections.get(), 2u);
  // The stream's late "Filled" is a duplicate now.
  g.ws.text(order_frame(order_entry("Filled", "0.010", "65000")));
  g.gw->do_work();
  EXPECT_TRUE(g.updates().empty());
}

TEST(BybitOrderGateway, FailedListingRetriesTheWholeRound) {
  Rig g(true);
  g.open_stream();
  g.gw->request_reconcile();
  ASSERT_EQ(g.rest.reqs.size(), 1u);
  g.answer(0, 0, "", HttpOutcome::kTimeout);
  EXPECT_EQ(g.gw->reconcile_counters().failed_rounds.get(), 1u);
  EXPECT_TRUE(g.gw->reconciling());
  g.gw->do_work();
  EXPECT_EQ(g.rest.reqs.size(), 1u) << "paced";
  g.clock.now += 250 * kMs;
  g.gw->do_work();
  ASSERT_EQ(g.rest.reqs.size(), 2u);
  g.answer(1, 200, realtime_body(""));
  EXPECT_FALSE(g.gw->reconciling());
  EXPECT_TRUE(g.updates().empty());
}

TEST(BybitOrderGateway, TooManyVisitsHoldsEverythingUntilTheResetTimestamp) {
  Rig g;
  g.submit(new_intent());
  HttpResponse r;
  r.request_id = g.rest.reqs[0].id;
  r.status = 200;
  r.body = R"({"retCode":10006,"retMsg":"Too many visits!","result":{},"retExtInfo":{},"time":1})";
  const std::string reset = std::to_string(kStartMs + 700);
  r.rate_headers.add("X-Bapi-Limit-Reset-Timestamp", reset);
  g.gw->on_http_response(r);
  auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].reject, RejectReason::kRateLimited);
  EXPECT_EQ(g.gw->rate_limit_hits(), 1u);
  EXPECT_EQ(g.gw->backoff_until_ns(), (kStartMs + 700) * kMs);
  common::OrderIntent second = new_intent();
  second.cloid = common::ClientOrderId{7, 8};
  g.submit(second);
  EXPECT_EQ(g.rest.reqs.size(), 1u) << "nothing sent before the reset";
  u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].reject, RejectReason::kRateLimited);
  g.clock.now += 700 * kMs;
  common::OrderIntent third = new_intent();
  third.cloid = common::ClientOrderId{7, 9};
  g.submit(third);
  EXPECT_EQ(g.rest.reqs.size(), 2u);
}

TEST(BybitOrderGateway, Http403WithoutAHeaderBacksOffForTheIpBan) {
  OrderGatewayConfig cfg;
  Rig g(false, nullptr, cfg);
  g.submit(new_intent());
  g.answer(0, 403, "access too frequent");
  const auto u = g.updates();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].reject, RejectReason::kRateLimited);
  EXPECT_EQ(g.gw->backoff_until_ns(), kStartMs * kMs + cfg.ip_ban_backoff_ns);
}

TEST(BybitOrderGateway, BadConfigThrows) {
  OrderGatewayConfig cfg;
  cfg.max_status_queries = 0;
  EXPECT_THROW(Rig(false, nullptr, cfg), std::invalid_argument);
}

}  // namespace
}  // namespace peregrine::gateways::bybit
