// CoinbaseOrderGateway against scripted fakes: request bytes and the Bearer JWT, ack/reject
// mapping, unknown outcome -> query by client_order_id -> exactly one order, cancels by venue id,
// the user channel (fills synthesized and deduplicated, REST ack vs channel dedup), refusals.
#include "gateways/coinbase/order_gateway.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/test_keys.hpp"
#include "support/fake_transports.hpp"

namespace peregrine::gateways::coinbase {
namespace {

using common::ExecEvent;
using common::ExecKind;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;
using test::drain;
using test::FakeClock;
using test::FakeRest;
using test::FakeWs;

constexpr common::Nanos kSec = 1'000'000'000;
constexpr common::Nanos kT0 = 1'790'000'000 * kSec;
constexpr const char* kKeyName = "organizations/test/apiKeys/orders";
constexpr const char* kOid = "00000000-0000-4000-8000-00000000002a";
constexpr const char* kProduct = "BTC-PERP-INTX";

Price px(std::string_view s) { return *Price::parse(s); }
Qty qty(std::string_view s) { return *Qty::parse(s); }

std::string create_ok(const std::string& cloid, std::string_view oid = kOid) {
  return std::string(R"({"success":true,"order_id":")") + std::string(oid) +
         R"(","success_response":{"order_id":")" + std::string(oid) +
         R"(","product_id":"BTC-PERP-INTX","side":"BUY","client_order_id":")" + cloid +
         R"("},"order_configuration":{}})";
}

std::string create_failed(std::string_view code) {
  return std::string(
             R"({"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"","error_response":{"error":")") +
         std::string(code) +
         R"(","message":"no","error_details":"no","new_order_failure_reason":")" +
         std::string(code) + R"("},"order_configuration":{}})";
}

std::string user_frame(std::uint64_t seq, std::string_view type, const std::string& cloid,
                       std::string_view status, std::string_view cum, std::string_view leaves,
                       std::string_view value, std::string_view fees, std::string_view fills) {
  return std::string(R"({"channel":"user","client_id":"","timestamp":"2026-09-21T10:00:01Z",)") +
         R"("sequence_num":)" + std::to_string(seq) + R"(,"events":[{"type":")" +
         std::string(type) + R"(","orders":[{"order_id":")" + kOid + R"(","client_order_id":")" +
         cloid + R"(","cumulative_quantity":")" + std::string(cum) + R"(","leaves_quantity":")" +
         std::string(leaves) + R"(","avg_price":"60000","total_fees":")" + std::string(fees) +
         R"(","status":")" + std::string(status) + R"(","product_id":"BTC-PERP-INTX",)" +
         R"("creation_time":"2026-09-21T10:00:00Z","order_side":"BUY","order_type":"LIMIT",)"
         R"("time_in_force":"GOOD_UNTIL_CANCELLED","limit_price":"60000","stop_price":"",)"
         R"("filled_value":")" +
         std::string(value) + R"(","number_of_fills":")" + std::string(fills) +
         R"(","post_only":false,"cancel_reason":"","reject_reason":""}]}]})";
}

std::string orders_page(const std::string& cloid, std::string_view status,
                        std::string_view filled) {
  return std::string(R"({"orders":[{"order_id":")") + kOid +
         R"(","product_id":"BTC-PERP-INTX","user_id":"u","order_configuration":{"limit_limit_gtc":{"base_size":"0.01","limit_price":"60000","post_only":false}},"side":"BUY","client_order_id":")" +
         cloid + R"(","status":")" + std::string(status) +
         R"(","time_in_force":"GOOD_UNTIL_CANCELLED","created_time":"2026-09-21T10:00:00Z","completion_percentage":"0","filled_size":")" +
         std::string(filled) +
         R"(","average_filled_price":"60000","number_of_fills":"0","filled_value":"0","pending_cancel":false,"size_in_quote":false,"total_fees":"0","order_type":"LIMIT","reject_reason":"","settled":false,"product_type":"FUTURE"}],"sequence":"0","has_next":false,"cursor":""})";
}

struct Fixture {
  explicit Fixture(bool user = false, bool refresh = true)
      : clock(kT0), intents(64), out(256), user_ws(true) {
    common::Instrument i;
    i.venue = common::VenueId::kCoinbase;
    EXPECT_TRUE(i.symbol.assign(kProduct));
    EXPECT_TRUE(i.asset.assign("BTC"));
    i.tick = px("0.1");
    i.lot = qty("0.0001");
    EXPECT_TRUE(reg.add(i).ok());
    auto k =
        EcKey::from_pem(testing::to_pem(testing::generate_ec().get(), testing::PemKind::kSec1));
    EXPECT_TRUE(k.ok());
    key = *k;
    minter = std::make_unique<JwtMinter>(key, kKeyName);
    create = std::make_unique<JwtCache>(*minter, kCreateOrder.method, kCreateOrder.path);
    cancel = std::make_unique<JwtCache>(*minter, kBatchCancel.method, kBatchCancel.path);
    list = std::make_unique<JwtCache>(*minter, kListOrders.method, kListOrders.path);
    ws_jwt = JwtCache::websocket(*minter);
    if (refresh) {
      for (JwtCache* c : {create.get(), cancel.get(), list.get(), ws_jwt.get()}) {
        EXPECT_EQ(c->refresh(clock.now), JwtCache::Refresh::kMinted);
      }
    }
    OrderGatewayJwts j{create.get(), cancel.get(), list.get(), ws_jwt.get()};
    gw = std::make_unique<CoinbaseOrderGateway>(reg, rest, user ? &user_ws : nullptr, intents, out,
                                                j, clock, OrderGatewayConfig{});
  }
  common::OrderIntent limit(std::uint64_t n, common::TimeInForce tif = common::TimeInForce::kGtc) {
    common::OrderIntent in;
    in.cloid = common::ClientOrderId{0x1111, n};
    in.instrument = common::InstrumentId{0};
    in.venue = common::VenueId::kCoinbase;
    in.side = common::Side::kBuy;
    in.type = common::OrderType::kLimit;
    in.tif = tif;
    in.price = px("60000");
    in.qty = qty("0.01");
    in.strategy = common::StrategyId{3};
    return in;
  }
  std::vector<ExecEvent> submit(const common::OrderIntent& in) {
    EXPECT_TRUE(intents.try_push(in));
    (void)gw->do_work();
    return drain(out);
  }
  std::vector<ExecEvent> answer(std::uint64_t id, int status, std::string body,
                                HttpOutcome outcome = HttpOutcome::kOk) {
    rest.answer(id, status, std::move(body), outcome);
    (void)gw->do_work();
    return drain(out);
  }
  std::vector<ExecEvent> user(std::string frame) {
    user_ws.text(std::move(frame));
    (void)gw->do_work();
    return drain(out);
  }

  FakeClock clock;
  common::InstrumentRegistry reg;
  FakeRest rest;
  common::SpscQueue<common::OrderIntent> intents;
  common::SpscQueue<ExecEvent> out;
  FakeWs user_ws;
  std::shared_ptr<const EcKey> key;
  std::unique_ptr<JwtMinter> minter;
  std::unique_ptr<JwtCache> create, cancel, list, ws_jwt;
  std::unique_ptr<CoinbaseOrderGateway> gw;
};

std::string header(const FakeRest::Req& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

// Copies: the events are usually a temporary.
std::vector<common::OrderUpdate> updates(const std::vector<ExecEvent>& ev) {
  std::vector<common::OrderUpdate> u;
  for (const auto& e : ev) {
    if (e.kind == ExecKind::kOrderUpdate) u.push_back(e.update);
  }
  return u;
}

TEST(CoinbaseOrderGateway, PostOnlyLimitRequestBytesAndBearerJwt) {
  Fixture f;
  const auto in = f.limit(1, common::TimeInForce::kPostOnly);
  EXPECT_TRUE(f.submit(in).empty());
  ASSERT_EQ(f.rest.reqs.size(), 1u);
  const auto& r = f.rest.reqs[0];
  EXPECT_EQ(r.method, HttpMethod::kPost);
  EXPECT_EQ(r.target, "/api/v3/brokerage/orders");
  EXPECT_EQ(r.body, R"({"client_order_id":")" + in.cloid.to_uuid() +
                        R"(","product_id":"BTC-PERP-INTX","side":"BUY","order_configuration":)"
                        R"({"limit_limit_gtc":{"base_size":"0.01","limit_price":"60000",)"
                        R"("post_only":true}}})");
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  const std::string auth = header(r, "Authorization");
  ASSERT_TRUE(auth.starts_with("Bearer "));
  JwtVerifyOptions opt;
  opt.now_s = kT0 / kSec;
  opt.key_name = kKeyName;
  opt.uri = "POST api.coinbase.com/api/v3/brokerage/orders";
  const auto claims = verify_jwt(auth.substr(7), *f.key, opt);
  EXPECT_TRUE(claims.ok()) << (claims.ok() ? "" : to_string(claims.error()));
}

TEST(CoinbaseOrderGateway, IocAndMarketUseTheirConfigurations) {
  Fixture f;
  (void)f.submit(f.limit(1, common::TimeInForce::kIoc));
  auto m = f.limit(2);
  m.type = common::OrderType::kMarket;
  m.tif = common::TimeInForce::kIoc;
  m.price = Price{};
  (void)f.submit(m);
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  EXPECT_NE(
      f.rest.reqs[0].body.find(R"({"sor_limit_ioc":{"base_size":"0.01","limit_price":"60000"}})"),
      std::string::npos)
      << f.rest.reqs[0].body;
  EXPECT_NE(f.rest.reqs[1].body.find(R"({"market_market_ioc":{"base_size":"0.01"}})"),
            std::string::npos)
      << f.rest.reqs[1].body;
}

TEST(CoinbaseOrderGateway, SuccessResponseIsAnAckWithTheVenueOrderId) {
  Fixture f;
  const auto in = f.limit(1);
  (void)f.submit(in);
  const auto ev = f.answer(1, 200, create_ok(in.cloid.to_uuid()));
  const auto u = updates(ev);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(u[0].cloid, in.cloid);
  EXPECT_EQ(u[0].venue_order_id.to_string(), kOid);
  EXPECT_EQ(u[0].strategy, in.strategy);
  EXPECT_EQ(u[0].qty, in.qty);
  EXPECT_EQ(f.gw->counters().acks.get(), 1u);
}

TEST(CoinbaseOrderGateway, FailuresMapToRejectReasons) {
  Fixture f;
  struct Case {
    int status;
    std::string body;
    RejectReason want;
  };
  const std::vector<Case> cases = {
      {200, create_failed("INVALID_LIMIT_PRICE_POST_ONLY"), RejectReason::kPostOnlyWouldCross},
      {200, create_failed("INSUFFICIENT_FUND"), RejectReason::kInsufficientMargin},
      {400, R"({"error":"INVALID_ARGUMENT","message":"bad"})", RejectReason::kOther},
      {401, "Unauthorized\n", RejectReason::kBadSignature},
      {429, R"({"error":"RATE_LIMIT","message":"slow down"})", RejectReason::kRateLimited},
  };
  std::uint64_t n = 0;
  for (const auto& c : cases) {
    ++n;
    (void)f.submit(f.limit(n));
    const auto u = updates(f.answer(n, c.status, c.body));
    ASSERT_EQ(u.size(), 1u) << c.body;
    EXPECT_EQ(u[0].status, OrderStatus::kRejected) << c.body;
    EXPECT_EQ(u[0].reject, c.want) << c.body;
  }
  EXPECT_EQ(f.rest.reqs.size(), cases.size());  // never re-sent
}

TEST(CoinbaseOrderGateway, UnknownOutcomeQueriesByClientOrderIdBeforeAnythingElse) {
  Fixture f;
  const auto in = f.limit(1);
  (void)f.submit(in);
  EXPECT_TRUE(f.answer(1, 0, {}, HttpOutcome::kTimeout).empty());
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  const auto& q = f.rest.reqs[1];
  EXPECT_EQ(q.method, HttpMethod::kGet);
  EXPECT_TRUE(q.target.starts_with("/api/v3/brokerage/orders/historical/batch?")) << q.target;
  EXPECT_NE(q.target.find("product_ids=BTC-PERP-INTX"), std::string::npos) << q.target;
  JwtVerifyOptions opt;
  opt.now_s = kT0 / kSec;
  opt.key_name = kKeyName;
  opt.uri = "GET api.coinbase.com/api/v3/brokerage/orders/historical/batch";  // no query
  EXPECT_TRUE(verify_jwt(header(q, "Authorization").substr(7), *f.key, opt).ok());
  const auto u = updates(f.answer(2, 200, orders_page(in.cloid.to_uuid(), "OPEN", "0")));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(u[0].venue_order_id.to_string(), kOid);
  EXPECT_EQ(f.rest.count(HttpMethod::kPost, "/api/v3/brokerage/orders"), 1u);  // exactly one
  EXPECT_EQ(f.gw->in_flight(), 0u);
}

TEST(CoinbaseOrderGateway, NotFoundAfterALostAnswerResendsTheSameClientOrderIdOnce) {
  Fixture f;
  const auto in = f.limit(1);
  (void)f.submit(in);
  (void)f.answer(1, 0, {}, HttpOutcome::kMaybeSent);
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  (void)f.answer(2, 200, R"({"orders":[],"sequence":"0","has_next":false,"cursor":""})");
  ASSERT_EQ(f.rest.reqs.size(), 3u);
  EXPECT_EQ(f.rest.reqs[2].target, "/api/v3/brokerage/orders");
  EXPECT_EQ(f.rest.reqs[2].body, f.rest.reqs[0].body);  // same client_order_id: idempotent
  const auto u = updates(f.answer(3, 200, create_ok(in.cloid.to_uuid())));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(f.gw->counters().retries.get(), 1u);
}

TEST(CoinbaseOrderGateway, NotSentIsResentOnceThenRejected) {
  Fixture f;
  (void)f.submit(f.limit(1));
  EXPECT_TRUE(f.answer(1, 0, {}, HttpOutcome::kNotSent).empty());
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  EXPECT_EQ(f.rest.reqs[1].target, "/api/v3/brokerage/orders");
  const auto u = updates(f.answer(2, 0, {}, HttpOutcome::kNotSent));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kRejected);
}

TEST(CoinbaseOrderGateway, CancelGoesByVenueIdAndWaitsForTheAck) {
  Fixture f;
  const auto in = f.limit(1);
  (void)f.submit(in);
  common::OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.target = in.cloid;
  c.venue = common::VenueId::kCoinbase;
  EXPECT_TRUE(f.submit(c).empty());
  EXPECT_EQ(f.rest.reqs.size(), 1u);  // no venue id yet: held
  EXPECT_EQ(f.gw->cb_counters().deferred_cancels.get(), 1u);
  (void)f.answer(1, 200, create_ok(in.cloid.to_uuid()));
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  const auto& r = f.rest.reqs[1];
  EXPECT_EQ(r.target, "/api/v3/brokerage/orders/batch_cancel");
  EXPECT_EQ(r.body, std::string(R"({"order_ids":[")") + kOid + R"("]})");
  JwtVerifyOptions opt;
  opt.now_s = kT0 / kSec;
  opt.key_name = kKeyName;
  opt.uri = "POST api.coinbase.com/api/v3/brokerage/orders/batch_cancel";
  EXPECT_TRUE(verify_jwt(header(r, "Authorization").substr(7), *f.key, opt).ok());
  const auto u = updates(f.answer(
      2, 200,
      std::string(
          R"({"results":[{"success":true,"failure_reason":"UNKNOWN_CANCEL_FAILURE_REASON","order_id":")") +
          kOid + R"("}]})"));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kCancelled);
  EXPECT_EQ(u[0].cloid, in.cloid);
}

TEST(CoinbaseOrderGateway, ModifyIsRefusedWithTheOrderUnchanged) {
  Fixture f;
  const auto in = f.limit(1);
  (void)f.submit(in);
  (void)f.answer(1, 200, create_ok(in.cloid.to_uuid()));
  common::OrderIntent m = in;
  m.action = common::IntentAction::kModify;
  m.target = in.cloid;
  m.price = px("59000");
  const auto u = updates(f.submit(m));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_EQ(u[0].price, px("60000"));
  EXPECT_EQ(u[0].reject, RejectReason::kOther);
  EXPECT_EQ(f.gw->cb_counters().modify_refused.get(), 1u);
  EXPECT_EQ(f.rest.reqs.size(), 1u);
}

TEST(CoinbaseOrderGateway, WithoutAFreshJwtNothingIsSent) {
  Fixture f(false, false);
  const auto u = updates(f.submit(f.limit(1)));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kRejected);
  EXPECT_TRUE(f.rest.reqs.empty());
  EXPECT_EQ(f.gw->cb_counters().jwt_misses.get(), 1u);
}

TEST(CoinbaseOrderGateway, UserChannelFillsAreDeduplicatedAndTheAckReachesTheCoreOnce) {
  Fixture f(true);
  f.user_ws.open();
  (void)f.gw->do_work();
  (void)drain(f.out);
  ASSERT_EQ(f.user_ws.sent.size(), 2u);
  EXPECT_NE(f.user_ws.sent[0].find(R"("channel":"user")"), std::string::npos);
  EXPECT_NE(f.user_ws.sent[0].find(R"("jwt":")"), std::string::npos);
  EXPECT_NE(f.user_ws.sent[1].find(R"("channel":"heartbeats")"), std::string::npos);

  const auto in = f.limit(1);
  (void)f.submit(in);
  const std::string c = in.cloid.to_uuid();
  // The channel reports OPEN before the REST answer: the core hears kNew once.
  auto u = updates(f.user(user_frame(0, "update", c, "OPEN", "0", "0.01", "0", "0", "0")));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kNew);
  EXPECT_TRUE(updates(f.answer(1, 200, create_ok(c))).empty());
  // A partial fill: one Fill from the cumulative increase, then the order state.
  auto ev = f.user(user_frame(1, "update", c, "OPEN", "0.004", "0.006", "240", "0.12", "1"));
  ASSERT_EQ(ev.size(), 2u);
  ASSERT_EQ(ev[0].kind, ExecKind::kFill);
  EXPECT_EQ(ev[0].fill.qty, qty("0.004"));
  EXPECT_EQ(ev[0].fill.price, px("60000"));
  EXPECT_EQ(ev[0].fill.cloid, in.cloid);
  EXPECT_EQ(ev[0].fill.strategy, in.strategy);
  ASSERT_EQ(ev[1].kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(ev[1].update.status, OrderStatus::kPartiallyFilled);
  // The same message again (a replay) adds nothing.
  EXPECT_TRUE(
      f.user(user_frame(2, "update", c, "OPEN", "0.004", "0.006", "240", "0.12", "1")).empty());
  // The rest fills; the terminal update keeps the original size.
  ev = f.user(user_frame(3, "update", c, "FILLED", "0.01", "0", "600", "0.3", "2"));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].fill.qty, qty("0.006"));
  EXPECT_EQ(ev[1].update.status, OrderStatus::kFilled);
  EXPECT_EQ(ev[1].update.qty, qty("0.01"));
  EXPECT_EQ(f.gw->counters().fills.get(), 2u);
}

TEST(CoinbaseOrderGateway, ChannelFailedWaitsForTheCreateAnswersReason) {
  Fixture f(true);
  f.user_ws.open();
  (void)f.gw->do_work();
  (void)drain(f.out);
  const auto in = f.limit(1, common::TimeInForce::kPostOnly);
  (void)f.submit(in);
  const std::string c = in.cloid.to_uuid();
  // FAILED without a reason arrives first: held while the create request is in flight.
  EXPECT_TRUE(
      updates(f.user(user_frame(0, "update", c, "FAILED", "0", "0", "0", "0", "0"))).empty());
  const auto u = updates(f.answer(1, 200, create_failed("INVALID_LIMIT_PRICE_POST_ONLY")));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kRejected);
  EXPECT_EQ(u[0].reject, RejectReason::kPostOnlyWouldCross);
}

TEST(CoinbaseOrderGateway, CancelAllBatchesEveryOpenOrderByVenueId) {
  Fixture f;
  for (std::uint64_t n = 1; n <= 3; ++n) {
    const auto in = f.limit(n);
    (void)f.submit(in);
    char oid[40];
    std::snprintf(oid, sizeof oid, "00000000-0000-4000-8000-0000000000%02llu",
                  static_cast<unsigned long long>(n));
    (void)f.answer(n, 200, create_ok(in.cloid.to_uuid(), oid));
  }
  common::OrderIntent all;
  all.action = common::IntentAction::kCancelAll;
  all.venue = common::VenueId::kCoinbase;
  (void)f.submit(all);
  ASSERT_EQ(f.rest.reqs.size(), 4u);
  const auto& body = f.rest.reqs[3].body;
  EXPECT_EQ(f.rest.reqs[3].target, "/api/v3/brokerage/orders/batch_cancel");
  for (const char* id : {"-000000000001", "-000000000002", "-000000000003"}) {
    EXPECT_NE(body.find(id), std::string::npos) << body;
  }
}

TEST(CoinbaseOrderGateway, UserChannelGapResubscribesForASnapshot) {
  Fixture f(true);
  f.user_ws.open();
  (void)f.gw->do_work();
  f.user_ws.sent.clear();
  (void)f.user(user_frame(0, "snapshot", "x", "OPEN", "0", "1", "0", "0", "0"));
  (void)f.user(user_frame(5, "update", "x", "OPEN", "0", "1", "0", "0", "0"));
  EXPECT_EQ(f.gw->cb_counters().user_gaps.get(), 1u);
  ASSERT_GE(f.user_ws.sent.size(), 2u);
  EXPECT_NE(f.user_ws.sent[0].find(R"({"type":"unsubscribe")"), std::string::npos);
  EXPECT_NE(f.user_ws.sent[1].find(R"({"type":"subscribe")"), std::string::npos);
}

// ---- reconciliation and 429 -------------------------------------------------------------------

std::vector<common::Fill> fills_of(const std::vector<ExecEvent>& ev) {
  std::vector<common::Fill> f;
  for (const auto& e : ev) {
    if (e.kind == ExecKind::kFill) f.push_back(e.fill);
  }
  return f;
}

// An order acknowledged over REST, then the user channel connected (its subscription sent).
struct Acked {
  explicit Acked(Fixture& fx) : f(fx), in(f.limit(1)), c(in.cloid.to_uuid()) {
    (void)f.submit(in);
    (void)f.answer(1, 200, create_ok(c));
    f.clock.now += kSec;  // the listing asked for later than the ack
    f.user_ws.open();
    (void)f.gw->do_work();
    (void)drain(f.out);
  }
  // The channel's snapshot starts the round: the id of its GET.
  std::uint64_t snapshot() {
    (void)f.user(user_frame(0, "snapshot", c, "OPEN", "0", "0.01", "0", "0", "0"));
    EXPECT_EQ(f.rest.reqs.size(), 2u);
    if (f.rest.reqs.size() < 2) return 0;
    EXPECT_EQ(f.rest.reqs[1].target.find("/api/v3/brokerage/orders/historical/batch"), 0u);
    EXPECT_NE(f.rest.reqs[1].target.find("order_status=OPEN"), std::string::npos);
    EXPECT_TRUE(f.gw->reconciling());
    return f.rest.reqs[1].id;
  }
  Fixture& f;
  common::OrderIntent in;
  std::string c;
};

TEST(CoinbaseOrderGateway, ReconciliationRecoversAFillTheChannelMissedExactlyOnce) {
  Fixture f(true);
  Acked a(f);
  const std::uint64_t id = a.snapshot();
  // The venue says 0.004 filled (at 60000) while the core heard nothing: one Fill, then the state.
  const auto ev = f.answer(id, 200, orders_page(a.c, "OPEN", "0.004"));
  ASSERT_EQ(ev.size(), 2u);
  ASSERT_EQ(ev[0].kind, ExecKind::kFill);
  EXPECT_EQ(ev[0].fill.qty, qty("0.004"));
  EXPECT_EQ(ev[0].fill.price, px("60000"));
  EXPECT_EQ(ev[0].fill.cloid, a.in.cloid);
  ASSERT_EQ(ev[1].kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(ev[1].update.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(ev[1].update.filled_qty, qty("0.004"));
  EXPECT_FALSE(f.gw->reconciling());
  EXPECT_EQ(f.gw->cb_counters().fills_recovered.get(), 1u);
  EXPECT_EQ(f.gw->reconcile_counters().state_changes.get(), 1u);
  // The channel then reports the same execution: nothing new reaches the core.
  EXPECT_TRUE(
      fills_of(f.user(user_frame(1, "update", a.c, "OPEN", "0.004", "0.006", "240", "0", "1")))
          .empty());
  EXPECT_EQ(f.gw->cb_counters().fills_clipped.get(), 1u);
  // The rest fills on the channel: only the remainder.
  const auto rest =
      fills_of(f.user(user_frame(2, "update", a.c, "FILLED", "0.01", "0", "600", "0", "2")));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].qty, qty("0.006"));
  EXPECT_EQ(f.gw->counters().fills.get(), 2u);
}

TEST(CoinbaseOrderGateway, AListingOlderThanTheChannelDoesNotReviveACancelledOrder) {
  Fixture f(true);
  Acked a(f);
  const std::uint64_t id = a.snapshot();
  f.clock.now += kSec;
  auto u = updates(f.user(user_frame(1, "update", a.c, "CANCELLED", "0", "0", "0", "0", "0")));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, OrderStatus::kCancelled);
  // The listing was taken before the cancel: it still shows the order open.
  EXPECT_TRUE(f.answer(id, 200, orders_page(a.c, "OPEN", "0")).empty());
  EXPECT_EQ(f.gw->reconcile_counters().revived.get(), 0u);
  EXPECT_EQ(f.rest.reqs.size(), 2u);  // nothing to ask about: the order is closed
  EXPECT_FALSE(f.gw->reconciling());
}

TEST(CoinbaseOrderGateway, AnOrderGoneFromTheListingIsAskedForByIdAndSettled) {
  Fixture f(true);
  Acked a(f);
  const std::uint64_t id = a.snapshot();
  EXPECT_TRUE(
      f.answer(id, 200, R"({"orders":[],"sequence":"0","has_next":false,"cursor":""})").empty());
  ASSERT_EQ(f.rest.reqs.size(), 3u);
  EXPECT_NE(f.rest.reqs[2].target.find(std::string("order_ids=") + kOid), std::string::npos)
      << f.rest.reqs[2].target;
  // Filled while the channel was down.
  const auto ev = f.answer(f.rest.reqs[2].id, 200, orders_page(a.c, "FILLED", "0.01"));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, ExecKind::kFill);
  EXPECT_EQ(ev[0].fill.qty, qty("0.01"));
  EXPECT_EQ(ev[1].update.status, OrderStatus::kFilled);
  EXPECT_EQ(f.gw->reconcile_counters().gone_queried.get(), 1u);
  EXPECT_EQ(f.gw->reconcile_counters().gone_closed.get(), 1u);
  EXPECT_EQ(f.gw->fill_position(common::InstrumentId{0}), qty("0.01"));
  EXPECT_FALSE(f.gw->reconciling());
}

TEST(CoinbaseOrderGateway, AFailedListingIsRetriedAndNeverCorrectsFromAPartialView) {
  Fixture f(true);
  Acked a(f);
  const std::uint64_t id = a.snapshot();
  EXPECT_TRUE(f.answer(id, 503, "oops").empty());
  EXPECT_EQ(f.gw->reconcile_counters().failed_rounds.get(), 1u);
  EXPECT_TRUE(f.gw->reconciling());
  f.clock.now += kSec;
  (void)f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 3u);
  EXPECT_NE(f.rest.reqs[2].target.find("order_status=OPEN"), std::string::npos);
  EXPECT_TRUE(f.answer(f.rest.reqs[2].id, 200, orders_page(a.c, "OPEN", "0")).empty());
  EXPECT_FALSE(f.gw->reconciling());
  EXPECT_EQ(f.gw->counters().reconcile_corrections.get(), 0u);
}

TEST(CoinbaseOrderGateway, Http429PausesEveryRequestThenSendingResumes) {
  Fixture f;
  const auto a = f.limit(1);
  (void)f.submit(a);
  // Advanced Trade may answer 429 with an HTML page and no Retry-After: the default pause.
  const auto u = updates(f.answer(1, 429, "<html><head><title>Coinbase</title></head></html>"));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].reject, RejectReason::kRateLimited);
  EXPECT_EQ(f.gw->cb_counters().rate_limited.get(), 1u);
  EXPECT_EQ(f.gw->paused_until(), f.clock.now + OrderGatewayConfig{}.rate_limit_pause_ns);
  const auto b = f.limit(2);
  const auto ub = updates(f.submit(b));
  ASSERT_EQ(ub.size(), 1u);
  EXPECT_EQ(ub[0].reject, RejectReason::kRateLimited);
  EXPECT_EQ(f.rest.reqs.size(), 1u);  // refused here, nothing sent
  EXPECT_EQ(f.gw->cb_counters().paused_refusals.get(), 1u);
  f.clock.now += OrderGatewayConfig{}.rate_limit_pause_ns;
  (void)f.submit(f.limit(3));
  EXPECT_EQ(f.rest.reqs.size(), 2u);
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
