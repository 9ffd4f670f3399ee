#include "gateways/hyperliquid/order_gateway.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "gateways/crypto/keccak.hpp"
#include "gateways/hyperliquid/json_action.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/net/test_server.hpp"  // loopback servers of the net tests
#include "support/fake_transports.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

using common::ClientOrderId;
using common::ExecEvent;
using common::ExecKind;
using common::OrderIntent;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;
using test::FakeClock;
using test::FakeHttp;
using test::FakeWs;

constexpr common::Nanos kMs = 1'000'000;
constexpr std::string_view kAccount = "0x00000000000000000000000000000000000000aa";

common::Instrument make_instrument(std::string_view symbol, std::int32_t asset, int szd) {
  common::Instrument i;
  i.venue = common::VenueId::kHyperliquid;
  EXPECT_TRUE(i.symbol.assign(symbol));
  EXPECT_TRUE(i.asset.assign(symbol));
  i.tick = *Price::parse("0.1");
  i.lot = *Qty::parse("0.00001");
  i.asset_index = asset;
  i.size_decimals = static_cast<std::int8_t>(szd);
  return i;
}

constexpr ClientOrderId kCloid{0x1234567890abcdefull, 0x1234567890abcdefull};
constexpr ClientOrderId kCloid2{0x1111, 0x2222};

struct Fixture {
  explicit Fixture(bool presigned = true, bool with_ws = false, std::size_t out_cap = 255)
      : intents(64), out(out_cap) {
    btc = *registry.add(make_instrument("BTC", 0, 5));
    eth = *registry.add(make_instrument("ETH", 1, 4));
    key = *crypto::EcdsaKey::from_hex(
        "0x0123456789012345678901234567890123456789012345678901234567890123");
    pool = std::make_unique<crypto::PresignPool>(key, 16);
    if (presigned) {
      while (pool->refill(16) > 0) {
      }
    }
    nonces = std::make_unique<NonceManager>(clock, "");
    OrderGatewayConfig cfg;
    cfg.account = std::string(kAccount);
    gw = std::make_unique<HlOrderGateway>(registry, http, with_ws ? &ws : nullptr, intents, out,
                                          *pool, *nonces, clock, cfg);
  }

  OrderIntent new_order(ClientOrderId cloid, std::string_view px, std::string_view sz,
                        common::TimeInForce tif = common::TimeInForce::kGtc) const {
    OrderIntent i;
    i.action = common::IntentAction::kNew;
    i.cloid = cloid;
    i.instrument = btc;
    i.strategy = common::StrategyId{7};
    i.side = common::Side::kBuy;
    i.price = *Price::parse(px);
    i.qty = *Qty::parse(sz);
    i.tif = tif;
    return i;
  }
  void submit(const OrderIntent& i) {
    EXPECT_TRUE(intents.try_push(i));
    gw->do_work();
  }
  std::vector<ExecEvent> drain() { return test::drain(out); }
  // Places kCloid and acks it as resting with oid 77738308.
  void place_resting() {
    submit(new_order(kCloid, "42000", "0.001"));
    http.answer(
        http.posts.back().id,
        R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":77738308}}]}}})");
    gw->do_work();
    drain();
  }

  common::InstrumentRegistry registry;
  common::InstrumentId btc, eth;
  FakeClock clock{1'700'000'000'000 * kMs};  // epoch ns: the nonce manager reads ms
  FakeHttp http;
  FakeWs ws{/*always_open=*/true};
  common::SpscQueue<OrderIntent> intents;
  common::SpscQueue<ExecEvent> out;
  std::shared_ptr<const crypto::EcdsaKey> key;
  std::unique_ptr<crypto::PresignPool> pool;
  std::unique_ptr<NonceManager> nonces;
  std::unique_ptr<HlOrderGateway> gw;
};

// The pieces of a posted /exchange body, read back with simdjson.
struct Body {
  std::string action;  // minified action JSON
  std::uint64_t nonce = 0;
  crypto::RecoverableSignature sig;
  bool ok = false;
};
Body read_body(const std::string& text) {
  Body b;
  simdjson::dom::parser p;
  simdjson::dom::element root;
  if (p.parse(text).get(root)) return b;
  simdjson::dom::element action;
  std::string_view r, s;
  std::uint64_t v = 0;
  if (root["action"].get(action) || root["nonce"].get(b.nonce) || root["signature"]["r"].get(r) ||
      root["signature"]["s"].get(s) || root["signature"]["v"].get(v)) {
    return b;
  }
  b.action = simdjson::minify(action);
  if (!crypto::parse_hex(r, b.sig.r.data(), 32) || !crypto::parse_hex(s, b.sig.s.data(), 32)) {
    return b;
  }
  b.sig.recid = static_cast<std::uint8_t>(v - 27);
  b.ok = true;
  return b;
}

// What `pgtool hl sign` computes from an action JSON and a nonce (mainnet, no vault).
crypto::Hash32 digest_of(const std::string& action_json, std::uint64_t nonce) {
  static char buf[1 << 14];
  ByteSink sink(buf, sizeof(buf));
  const auto r = json_to_msgpack(action_json, sink);
  EXPECT_TRUE(r.ok) << r.error;
  L1Options opts;
  opts.nonce = nonce;
  return l1_digest(action_hash(sink.view(), opts), true);
}

std::string hex0x(const std::array<std::uint8_t, 32>& a) { return crypto::to_hex0x(a.data(), 32); }

constexpr std::string_view kBtcOrderAction =
    R"({"type":"order","orders":[{"a":0,"b":true,"p":"42000","s":"0.001","r":false,)"
    R"("t":{"limit":{"tif":"Gtc"}},"c":"0x1234567890abcdef1234567890abcdef"}],"grouping":"na"})";

TEST(HlOrderGateway, NewIntentIsSignedFromThePoolAndRecoversToTheKey) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000", "0.001"));
  ASSERT_EQ(f.http.posts.size(), 1u);
  EXPECT_EQ(f.http.posts[0].target, "/exchange");
  const Body b = read_body(f.http.posts[0].body);
  ASSERT_TRUE(b.ok) << f.http.posts[0].body;
  EXPECT_EQ(b.action, kBtcOrderAction);
  EXPECT_EQ(b.nonce, 1'700'000'000'000u);
  crypto::Address who{};
  ASSERT_TRUE(crypto::recover_address(digest_of(b.action, b.nonce), b.sig, &who));
  EXPECT_EQ(who, f.key->address());
  EXPECT_TRUE(crypto::is_low_s(b.sig));
  EXPECT_EQ(f.pool->presigned_used(), 1u);
  EXPECT_EQ(f.gw->counters().presign_fallbacks.get(), 0u);
  EXPECT_EQ(f.gw->counters().sends.get(), 1u);
  EXPECT_EQ(f.gw->last_body(), f.http.posts[0].body);
}

TEST(HlOrderGateway, EmptyPoolFallsBackToRfc6979AndTheBodyIsWhatPgtoolSigns) {
  Fixture f(/*presigned=*/false);
  f.submit(f.new_order(kCloid, "42000", "0.001"));
  ASSERT_EQ(f.http.posts.size(), 1u);
  const Body b = read_body(f.http.posts[0].body);
  ASSERT_TRUE(b.ok);
  const auto sig = f.key->sign(digest_of(std::string(kBtcOrderAction), b.nonce));
  const std::string want = R"({"action":)" + std::string(kBtcOrderAction) +
                           R"(,"nonce":1700000000000,"signature":{"r":")" + hex0x(sig.r) +
                           R"(","s":")" + hex0x(sig.s) + R"(","v":)" + std::to_string(sig.v()) +
                           "}}";
  EXPECT_EQ(f.http.posts[0].body, want);
  EXPECT_EQ(f.gw->counters().presign_fallbacks.get(), 1u);
}

TEST(HlOrderGateway, TriggerReduceOnlyAndPostOnlyMapToTheVenueFields) {
  Fixture f;
  OrderIntent stop = f.new_order(kCloid, "41000", "0.5");
  stop.side = common::Side::kSell;
  stop.type = common::OrderType::kStopMarket;
  stop.trigger_price = *Price::parse("41500");
  stop.flags = common::intent_flags::kReduceOnly;
  f.submit(stop);
  OrderIntent alo = f.new_order(kCloid2, "2412.7", "1.5", common::TimeInForce::kPostOnly);
  alo.instrument = f.eth;
  f.submit(alo);
  ASSERT_EQ(f.http.posts.size(), 2u);
  EXPECT_EQ(read_body(f.http.posts[0].body).action,
            R"({"type":"order","orders":[{"a":0,"b":false,"p":"41000","s":"0.5","r":true,)"
            R"("t":{"trigger":{"isMarket":true,"triggerPx":"41500","tpsl":"sl"}},)"
            R"("c":"0x1234567890abcdef1234567890abcdef"}],"grouping":"na"})");
  EXPECT_EQ(
      read_body(f.http.posts[1].body).action,
      R"({"type":"order","orders":[{"a":1,"b":true,"p":"2412.7","s":"1.5","r":false,)"
      R"("t":{"limit":{"tif":"Alo"}},"c":"0x00000000000011110000000000002222"}],"grouping":"na"})");
}

TEST(HlOrderGateway, InvalidIntentIsRejectedLocallyAndNothingIsSent) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000.5", "0.001"));  // 6 significant figures
  OrderIntent fok = f.new_order(kCloid2, "42000", "0.001", common::TimeInForce::kFok);
  f.submit(fok);
  EXPECT_TRUE(f.http.posts.empty());
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kRejected);
  EXPECT_EQ(ev[0].update.reject, RejectReason::kInvalidPrice);
  EXPECT_EQ(ev[0].update.cloid, kCloid);
  EXPECT_EQ(ev[1].update.reject, RejectReason::kOther);
  EXPECT_EQ(f.gw->counters().rejects.get(), 2u);
}

TEST(HlOrderGateway, RestingResponseIsAnAckWithTheVenueOid) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000", "0.001"));
  f.http.answer(
      1,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":77738308}}]}}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_EQ(ev[0].kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kNew);
  EXPECT_EQ(ev[0].update.venue_order_id.lo, 77738308u);
  EXPECT_EQ(ev[0].update.cloid, kCloid);
  EXPECT_EQ(ev[0].update.strategy.value, 7);
  EXPECT_EQ(f.gw->counters().acks.get(), 1u);
  EXPECT_EQ(f.gw->in_flight(), 0u);
}

TEST(HlOrderGateway, FilledResponseIsAFillReportAndIocRemainderIsCancelled) {
  Fixture f;
  f.submit(f.new_order(kCloid, "1900", "0.02"));
  f.http.answer(
      1,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"filled":{"totalSz":"0.02","avgPx":"1891.4","oid":77747314}}]}}})");
  f.submit(f.new_order(kCloid2, "1900", "0.05", common::TimeInForce::kIoc));
  f.http.answer(
      2,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"filled":{"totalSz":"0.02","avgPx":"1891.4","oid":77747315}}]}}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kFilled);
  EXPECT_EQ(ev[0].update.filled_qty, *Qty::parse("0.02"));
  EXPECT_EQ(ev[0].update.avg_price, *Price::parse("1891.4"));
  EXPECT_EQ(ev[0].update.venue_order_id.lo, 77747314u);
  EXPECT_EQ(ev[1].update.status, OrderStatus::kCancelled);
  EXPECT_EQ(ev[1].update.filled_qty, *Qty::parse("0.02"));
}

TEST(HlOrderGateway, ErrorStatusIsARejectWithTheReason) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000", "0.0001"));
  f.http.answer(
      1,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"error":"Order must have minimum value of $10."}]}}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kRejected);
  EXPECT_EQ(ev[0].update.reject, RejectReason::kMinNotional);
  EXPECT_EQ(f.gw->counters().rejects.get(), 1u);
}

TEST(HlOrderGateway, TimeoutQueriesByCloidAndDoesNotResendAnOrderThatExists) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000", "0.001"));
  f.http.fail(1, HttpOutcome::kTimeout);
  f.gw->do_work();
  ASSERT_EQ(f.http.posts.size(), 2u);
  EXPECT_EQ(f.http.posts[1].target, "/info");
  EXPECT_EQ(f.http.posts[1].body,
            R"({"type":"orderStatus","user":"0x00000000000000000000000000000000000000aa",)"
            R"("oid":"0x1234567890abcdef1234567890abcdef"})");
  EXPECT_TRUE(f.drain().empty());  // nothing is known yet
  f.http.answer(
      2,
      R"({"status":"order","order":{"order":{"coin":"BTC","side":"B","limitPx":"42000.0",)"
      R"("sz":"0.001","oid":555,"timestamp":1700000000001,"origSz":"0.001",)"
      R"("cloid":"0x1234567890abcdef1234567890abcdef"},"status":"open","statusTimestamp":1700000000002}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kNew);
  EXPECT_EQ(ev[0].update.venue_order_id.lo, 555u);
  EXPECT_EQ(f.http.count("/exchange"), 1u);  // exactly one order
  EXPECT_EQ(f.gw->counters().status_queries.get(), 1u);
  EXPECT_EQ(f.gw->in_flight(), 0u);
}

TEST(HlOrderGateway, MaybeSentOrderTheVenueNeverSawIsSentAgainWithANewNonce) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000", "0.001"));
  f.http.fail(1, HttpOutcome::kMaybeSent);
  f.gw->do_work();
  f.http.answer(2, R"({"status":"unknownOid"})");
  f.gw->do_work();
  ASSERT_EQ(f.http.posts.size(), 3u);
  EXPECT_EQ(f.http.posts[2].target, "/exchange");
  const Body first = read_body(f.http.posts[0].body);
  const Body again = read_body(f.http.posts[2].body);
  EXPECT_EQ(again.action, first.action);
  EXPECT_GT(again.nonce, first.nonce);
  crypto::Address who{};
  ASSERT_TRUE(crypto::recover_address(digest_of(again.action, again.nonce), again.sig, &who));
  EXPECT_EQ(who, f.key->address());
  f.http.answer(
      3,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":9}}]}}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kNew);
  EXPECT_EQ(f.gw->counters().retries.get(), 1u);
}

TEST(HlOrderGateway, ServerErrorIsAnUnknownOutcomeToo) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000", "0.001"));
  f.http.answer(1, "<html>bad gateway</html>", 502);
  f.gw->do_work();
  ASSERT_EQ(f.http.posts.size(), 2u);
  EXPECT_EQ(f.http.posts[1].target, "/info");
}

TEST(HlOrderGateway, NotSentIsResentOnceThenRejected) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000", "0.001"));
  f.http.fail(1, HttpOutcome::kNotSent);
  f.gw->do_work();
  ASSERT_EQ(f.http.count("/exchange"), 2u);
  f.http.fail(2, HttpOutcome::kNotSent);
  f.gw->do_work();
  EXPECT_EQ(f.http.count("/exchange"), 2u);
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kRejected);
  EXPECT_EQ(f.gw->hl_counters().not_sent_retries.get(), 1u);
}

TEST(HlOrderGateway, NonceErrorIsResignedWithAFreshNonceOnce) {
  Fixture f;
  f.submit(f.new_order(kCloid, "42000", "0.001"));
  const Body first = read_body(f.http.posts[0].body);
  f.http.answer(1, R"({"status":"err","response":"Invalid nonce: duplicate nonce 1700000000000"})");
  f.gw->do_work();
  ASSERT_EQ(f.http.posts.size(), 2u);
  const Body second = read_body(f.http.posts[1].body);
  EXPECT_GT(second.nonce, first.nonce);
  EXPECT_EQ(second.action, first.action);
  crypto::Address who{};
  ASSERT_TRUE(crypto::recover_address(digest_of(second.action, second.nonce), second.sig, &who));
  EXPECT_EQ(who, f.key->address());
  EXPECT_EQ(f.gw->hl_counters().nonce_retries.get(), 1u);
  EXPECT_TRUE(f.drain().empty());
  // A second nonce error is final.
  f.http.answer(2, R"({"status":"err","response":"Invalid nonce: duplicate nonce 1"})");
  f.gw->do_work();
  EXPECT_EQ(f.http.posts.size(), 2u);
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kRejected);
  EXPECT_EQ(ev[0].update.reject, RejectReason::kBadNonce);
}

TEST(HlOrderGateway, CancelGoesByCloidAndSuccessIsCancelled) {
  Fixture f;
  f.place_resting();
  OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.target = kCloid;
  c.instrument = f.btc;
  f.submit(c);
  ASSERT_EQ(f.http.posts.size(), 2u);
  EXPECT_EQ(
      read_body(f.http.posts[1].body).action,
      R"({"type":"cancelByCloid","cancels":[{"asset":0,"cloid":"0x1234567890abcdef1234567890abcdef"}]})");
  f.http.answer(2,
                R"({"status":"ok","response":{"type":"cancel","data":{"statuses":["success"]}}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kCancelled);
  EXPECT_EQ(ev[0].update.venue_order_id.lo, 77738308u);
}

TEST(HlOrderGateway, CancelOfAnOrderAlreadyGoneAsksTheVenueWhichWay) {
  Fixture f;
  f.place_resting();
  OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.target = kCloid;
  f.submit(c);
  f.http.answer(
      2,
      R"({"status":"ok","response":{"type":"cancel","data":{"statuses":[{"error":"Order was never placed, already canceled, or filled."}]}}})");
  f.gw->do_work();
  ASSERT_EQ(f.http.posts.size(), 3u);
  EXPECT_EQ(f.http.posts[2].target, "/info");
  f.http.answer(
      3,
      R"({"status":"order","order":{"order":{"coin":"BTC","side":"B","limitPx":"42000.0",)"
      R"("sz":"0.0","oid":77738308,"timestamp":1,"origSz":"0.001"},"status":"filled","statusTimestamp":2}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kFilled);
  EXPECT_EQ(ev[0].update.filled_qty, *Qty::parse("0.001"));
}

TEST(HlOrderGateway, ModifyByCloidAndAckCarriesTheNewPrice) {
  Fixture f;
  f.place_resting();
  OrderIntent m = f.new_order(kCloid, "41000", "0.002");
  m.action = common::IntentAction::kModify;
  m.target = kCloid;
  m.cloid = {};
  f.submit(m);
  ASSERT_EQ(f.http.posts.size(), 2u);
  EXPECT_EQ(
      read_body(f.http.posts[1].body).action,
      R"({"type":"modify","oid":"0x1234567890abcdef1234567890abcdef","order":{"a":0,"b":true,)"
      R"("p":"41000","s":"0.002","r":false,"t":{"limit":{"tif":"Gtc"}},)"
      R"("c":"0x1234567890abcdef1234567890abcdef"}})");
  f.http.answer(2, R"({"status":"ok","response":{"type":"default"}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kNew);
  EXPECT_EQ(ev[0].update.price, *Price::parse("41000"));
  EXPECT_EQ(ev[0].update.qty, *Qty::parse("0.002"));
}

TEST(HlOrderGateway, CancelAllCancelsEveryOpenOrderInOneAction) {
  Fixture f;
  f.place_resting();
  f.submit(f.new_order(kCloid2, "42000", "0.001"));
  f.http.answer(
      2,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":2}}]}}})");
  f.gw->do_work();
  f.drain();
  OrderIntent all;
  all.action = common::IntentAction::kCancelAll;
  f.submit(all);
  ASSERT_EQ(f.http.posts.size(), 3u);
  const std::string action = read_body(f.http.posts[2].body).action;
  EXPECT_NE(action.find(R"("cloid":"0x1234567890abcdef1234567890abcdef")"), std::string::npos);
  EXPECT_NE(action.find(R"("cloid":"0x00000000000011110000000000002222")"), std::string::npos);
  f.http.answer(
      3,
      R"({"status":"ok","response":{"type":"cancel","data":{"statuses":["success","success"]}}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kCancelled);
  EXPECT_EQ(ev[1].update.status, OrderStatus::kCancelled);
}

const std::string kFill =
    R"({"coin":"BTC","px":"42000.0","sz":"0.001","side":"B","time":1700000000100,"startPosition":"0",)"
    R"("dir":"Open Long","closedPnl":"0.0","hash":"0xa1","oid":77738308,"crossed":false,"fee":"0.01",)"
    R"("feeToken":"USDC","tid":118906512037719})";

TEST(HlOrderGateway, UserFillsAreReportedOnceAcrossStreams) {
  Fixture f(true, true);
  f.ws.open();
  f.gw->do_work();
  // orderUpdates, userFills, userEvents, userTwapSliceFills, userTwapHistory
  EXPECT_EQ(f.ws.sent.size(), 5u);
  EXPECT_EQ(
      f.ws.sent[1],
      R"({"method":"subscribe","subscription":{"type":"userFills","user":"0x00000000000000000000000000000000000000aa"}})");
  f.drain();
  f.place_resting();
  f.ws.text(R"({"channel":"userFills","data":{"user":"0xaa","fills":[)" + kFill + "]}}");
  f.ws.text(R"({"channel":"user","data":{"fills":[)" + kFill + "]}}");  // same fill again
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_EQ(ev[0].kind, ExecKind::kFill);
  EXPECT_EQ(ev[0].fill.cloid, kCloid);  // resolved through the oid
  EXPECT_EQ(ev[0].fill.strategy.value, 7);
  EXPECT_EQ(ev[0].fill.fill_id, 118906512037719u);
  EXPECT_EQ(ev[0].fill.liquidity, common::Liquidity::kMaker);
  EXPECT_EQ(f.gw->counters().fills.get(), 1u);
  EXPECT_EQ(f.gw->counters().duplicates.get(), 1u);
}

TEST(HlOrderGateway, SnapshotHistoryOfOtherOrdersIsNotReported) {
  Fixture f(true, true);
  f.ws.open();
  f.ws.text(R"({"channel":"userFills","data":{"isSnapshot":true,"user":"0xaa","fills":[)" + kFill +
            "]}}");
  f.gw->do_work();
  for (const auto& e : f.drain()) EXPECT_NE(e.kind, ExecKind::kFill);
}

TEST(HlOrderGateway, OrderUpdatesAreForwardedOnceAndStaleOnesDropped) {
  Fixture f(true, true);
  f.place_resting();
  const std::string open =
      R"({"channel":"orderUpdates","data":[{"order":{"coin":"BTC","side":"B","limitPx":"42000.0","sz":"0.001",)"
      R"("oid":77738308,"timestamp":1,"origSz":"0.001","cloid":"0x1234567890abcdef1234567890abcdef"},)"
      R"("status":"open","statusTimestamp":2}]})";
  const std::string canceled =
      R"({"channel":"orderUpdates","data":[{"order":{"coin":"BTC","side":"B","limitPx":"42000.0","sz":"0.001",)"
      R"("oid":77738308,"timestamp":1,"origSz":"0.001"},"status":"canceled","statusTimestamp":3}]})";
  f.ws.text(open);      // same as the ack already reported
  f.ws.text(canceled);  // found by oid
  f.ws.text(open);      // late: the order is terminal
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kCancelled);
  EXPECT_EQ(ev[0].update.cloid, kCloid);
  EXPECT_EQ(f.gw->counters().duplicates.get(), 1u);
  EXPECT_EQ(f.gw->counters().out_of_order.get(), 1u);
}

TEST(HlOrderGateway, ReconnectReconcilesAndReportsWhatWasMissed) {
  Fixture f(true, true);
  f.place_resting();  // kCloid resting, oid 77738308
  f.submit(f.new_order(kCloid2, "42000", "0.001"));
  f.http.answer(
      2,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":2}}]}}})");
  f.gw->do_work();
  f.drain();
  f.ws.open();
  f.gw->do_work();
  ASSERT_EQ(f.http.posts.size(), 5u);  // openOrders, userFills, clearinghouseState
  EXPECT_TRUE(f.gw->reconciling());
  // kCloid2 still open; kCloid gone (and one fill of it was missed).
  f.http.answer(
      3, R"([{"coin":"BTC","limitPx":"42000.0","oid":2,"side":"B","sz":"0.001","timestamp":1,)"
         R"("origSz":"0.001","cloid":"0x00000000000011110000000000002222"}])");
  f.http.answer(4, "[" + kFill + "]");
  f.http.answer(
      5,
      R"({"assetPositions":[],"crossMaintenanceMarginUsed":"0.0","crossMarginSummary":)"
      R"({"accountValue":"100.0","totalMarginUsed":"0.0","totalNtlPos":"0.0","totalRawUsd":"100.0"},)"
      R"("marginSummary":{"accountValue":"100.0","totalMarginUsed":"0.0","totalNtlPos":"0.0",)"
      R"("totalRawUsd":"100.0"},"time":1,"withdrawable":"100.0"})");
  f.gw->do_work();
  EXPECT_FALSE(f.gw->reconciling());
  ASSERT_TRUE(f.gw->account_state().has_value());
  ASSERT_EQ(f.http.posts.size(), 6u);  // status query for kCloid
  EXPECT_NE(f.http.posts[5].body.find("0x1234567890abcdef1234567890abcdef"), std::string::npos);
  f.http.answer(
      6,
      R"({"status":"order","order":{"order":{"coin":"BTC","side":"B","limitPx":"42000.0",)"
      R"("sz":"0.0","oid":77738308,"timestamp":1,"origSz":"0.001"},"status":"filled","statusTimestamp":2}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, ExecKind::kVenueStatus);
  ASSERT_EQ(ev[1].kind, ExecKind::kFill);
  EXPECT_EQ(ev[1].fill.cloid, kCloid);
  ASSERT_EQ(ev[2].kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(ev[2].update.status, OrderStatus::kFilled);
  EXPECT_EQ(f.gw->counters().reconcile_corrections.get(), 2u);
  EXPECT_EQ(f.gw->hl_counters().reconciles.get(), 1u);
}

// ---- native TWAP ----------------------------------------------------------------------------

OrderIntent twap_intent(const Fixture& f, ClientOrderId cloid, std::string_view sz,
                        std::int64_t minutes, std::uint8_t extra_flags = 0) {
  OrderIntent i;
  i.action = common::IntentAction::kNew;
  i.cloid = cloid;
  i.instrument = f.btc;
  i.strategy = common::StrategyId{7};
  i.side = common::Side::kBuy;
  i.type = common::OrderType::kMarket;  // price 0: a TWAP has none
  i.qty = *Qty::parse(sz);
  i.trigger_price = Price::from_raw(minutes);
  i.flags = static_cast<std::uint8_t>(kIntentNativeTwap | extra_flags);
  return i;
}

std::string twap_running(std::uint64_t id) {
  return R"({"status":"ok","response":{"type":"twapOrder","data":{"status":{"running":{"twapId":)" +
         std::to_string(id) + "}}}}}";
}

// A BTC slice fill: on userFills (with "twapId") or on userTwapSliceFills.
std::string slice_fill(std::uint64_t tid, std::string_view sz, std::uint64_t twap_id) {
  return R"({"coin":"BTC","px":"42000","sz":")" + std::string(sz) +
         R"(","side":"B","time":1700000000100,"startPosition":"0","dir":"Open Long","closedPnl":"0.0",)"
         R"("hash":"0x00","oid":)" +
         std::to_string(900 + tid) + R"(,"crossed":true,"fee":"0.01","feeToken":"USDC","tid":)" +
         std::to_string(tid) + R"(,"twapId":)" + std::to_string(twap_id) + "}";
}
std::string on_user_fills(const std::string& fill) {
  return R"({"channel":"userFills","data":{"user":"0xaa","fills":[)" + fill + "]}}";
}
std::string on_slice_fills(const std::string& fill, std::uint64_t twap_id, bool snapshot = false) {
  return std::string(R"({"channel":"userTwapSliceFills","data":{)") +
         (snapshot ? R"("isSnapshot":true,)" : "") + R"("user":"0xaa","twapSliceFills":[{"fill":)" +
         fill + R"(,"twapId":)" + std::to_string(twap_id) + "}]}}";
}
std::string twap_history(std::uint64_t id, std::string_view status, std::string_view executed,
                         std::string_view sz = "0.3", bool snapshot = false) {
  return std::string(R"({"channel":"userTwapHistory","data":{)") +
         (snapshot ? R"("isSnapshot":true,)" : "") +
         R"("user":"0xaa","history":[{"time":1700000000,"state":{"coin":"BTC","user":"0xaa",)"
         R"("side":"B","sz":")" +
         std::string(sz) + R"(","executedSz":")" + std::string(executed) +
         R"(","executedNtl":"0","minutes":5,"reduceOnly":false,"randomize":false,)"
         R"("timestamp":1700000000000},"status":{"status":")" +
         std::string(status) + R"(","description":""},"twapId":)" + std::to_string(id) + "}]}}";
}

std::vector<ExecEvent> updates_only(const std::vector<ExecEvent>& ev) {
  std::vector<ExecEvent> out;
  for (const auto& e : ev) {
    if (e.kind == ExecKind::kOrderUpdate) out.push_back(e);
  }
  return out;
}

TEST(HlOrderGateway, NativeTwapIsSignedAsTwapOrderAndMinutesOutOfRangeAreRefused) {
  Fixture f;
  f.submit(
      twap_intent(f, kCloid, "0.3", 30, common::intent_flags::kReduceOnly | kIntentTwapRandomize));
  ASSERT_EQ(f.http.posts.size(), 1u);
  const Body b = read_body(f.http.posts[0].body);
  ASSERT_TRUE(b.ok) << f.http.posts[0].body;
  EXPECT_EQ(b.action,
            R"({"type":"twapOrder","twap":{"a":0,"b":true,"s":"0.3","r":true,"m":30,"t":true}})");
  crypto::Address who{};
  ASSERT_TRUE(crypto::recover_address(digest_of(b.action, b.nonce), b.sig, &who));
  EXPECT_EQ(who, f.key->address());

  for (const std::int64_t minutes : {std::int64_t{4}, std::int64_t{1441}, std::int64_t{0}}) {
    f.submit(twap_intent(f, ClientOrderId{0x77, static_cast<std::uint64_t>(minutes + 1)}, "0.3",
                         minutes));
  }
  f.submit(twap_intent(f, ClientOrderId{0x78, 1}, "0.000001", 5));  // below the lot
  EXPECT_EQ(f.http.posts.size(), 1u);                               // nothing else was sent
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ev[i].update.status, OrderStatus::kRejected);
    EXPECT_EQ(ev[i].update.reject, RejectReason::kOther);
  }
  EXPECT_EQ(ev[3].update.reject, RejectReason::kInvalidQty);
  EXPECT_EQ(f.gw->hl_counters().twap_refused.get(), 4u);

  f.http.answer(1, R"({"status":"ok","response":{"type":"twapOrder","data":{"status":)"
                   R"x({"error":"Invalid TWAP duration: 1 min(s)"}}}})x");
  f.gw->do_work();
  const auto rej = f.drain();
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_EQ(rej[0].update.cloid, kCloid);
  EXPECT_EQ(rej[0].update.status, OrderStatus::kRejected);
}

TEST(HlOrderGateway, TwapSliceFillsAreReportedOnceAndFillTheOrder) {
  Fixture f(true, true);
  f.submit(twap_intent(f, kCloid, "0.3", 5));
  f.http.answer(1, twap_running(9));
  f.gw->do_work();
  auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kNew);
  EXPECT_TRUE(ev[0].update.venue_order_id.is_null());  // a twapId is not an oid

  f.ws.text(twap_history(9, "activated", "0"));           // already acked: nothing
  f.ws.text(on_user_fills(slice_fill(1, "0.1", 9)));      // slice 1 on userFills
  f.ws.text(on_slice_fills(slice_fill(1, "0.1", 9), 9));  // the same slice again
  f.ws.text(on_slice_fills(slice_fill(2, "0.2", 9), 9));  // slice 2 only here
  f.ws.text(twap_history(9, "finished", "0.3"));
  f.gw->do_work();
  ev = f.drain();
  ASSERT_EQ(ev.size(), 4u);
  ASSERT_EQ(ev[0].kind, ExecKind::kFill);
  EXPECT_EQ(ev[0].fill.cloid, kCloid);
  EXPECT_EQ(ev[0].fill.strategy.value, 7);
  EXPECT_EQ(ev[0].fill.qty, *Qty::parse("0.1"));
  ASSERT_EQ(ev[1].kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(ev[1].update.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(ev[1].update.filled_qty, *Qty::parse("0.1"));
  ASSERT_EQ(ev[2].kind, ExecKind::kFill);
  EXPECT_EQ(ev[2].fill.qty, *Qty::parse("0.2"));
  ASSERT_EQ(ev[3].kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(ev[3].update.status, OrderStatus::kFilled);
  EXPECT_EQ(ev[3].update.filled_qty, *Qty::parse("0.3"));
  EXPECT_EQ(ev[3].update.avg_price, *Price::parse("42000"));
  EXPECT_EQ(f.gw->counters().fills.get(), 2u);
  EXPECT_GE(f.gw->counters().duplicates.get(), 2u);  // the repeated slice, the late "finished"
  EXPECT_EQ(f.gw->hl_counters().unknown_orders.get(), 0u);
}

TEST(HlOrderGateway, TwapCancelSendsTwapCancelAndEndsWhenTheLastSliceIsIn) {
  Fixture f(true, true);
  f.submit(twap_intent(f, kCloid, "0.3", 5));
  OrderIntent cancel;
  cancel.action = common::IntentAction::kCancel;
  cancel.target = kCloid;
  cancel.instrument = f.btc;
  f.submit(cancel);  // before the twapId is known: held
  EXPECT_EQ(f.http.posts.size(), 1u);
  f.http.answer(1, twap_running(9));
  f.gw->do_work();
  ASSERT_EQ(f.http.posts.size(), 2u);
  EXPECT_EQ(read_body(f.http.posts[1].body).action, R"({"type":"twapCancel","a":0,"t":9})");
  f.ws.text(on_user_fills(slice_fill(1, "0.1", 9)));
  f.http.answer(2,
                R"({"status":"ok","response":{"type":"twapCancel","data":{"status":"success"}}})");
  f.ws.text(twap_history(9, "terminated", "0.15"));  // one more slice is still on its way
  f.gw->do_work();
  auto ev = updates_only(f.drain());
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kNew);
  EXPECT_EQ(ev[1].update.status, OrderStatus::kPartiallyFilled);
  f.ws.text(on_slice_fills(slice_fill(2, "0.05", 9), 9));
  f.ws.text(on_user_fills(slice_fill(2, "0.05", 9)));  // repeated: counted once
  f.gw->do_work();
  const auto all = f.drain();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].kind, ExecKind::kFill);
  EXPECT_EQ(all[1].update.status, OrderStatus::kCancelled);
  EXPECT_EQ(all[1].update.filled_qty, *Qty::parse("0.15"));
  EXPECT_EQ(all[1].update.qty, *Qty::parse("0.3"));

  // A second cancel: the order is terminal, refused locally without a request.
  f.submit(cancel);
  EXPECT_EQ(f.http.posts.size(), 2u);
  const auto again = f.drain();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].update.reject, RejectReason::kUnknownOrder);
}

TEST(HlOrderGateway, LostTwapAnswerIsAdoptedFromTheHistoryAndNeverQueriedAsAnOrder) {
  Fixture f(true, true);
  f.submit(twap_intent(f, kCloid, "0.3", 5));
  f.http.fail(1, HttpOutcome::kTimeout);
  f.gw->do_work();
  EXPECT_EQ(f.http.posts.size(), 1u);  // no orderStatus query: it knows no TWAPs
  EXPECT_TRUE(f.drain().empty());
  f.ws.open();  // subscriptions + a reconciliation round
  f.ws.text(twap_history(9, "activated", "0", "0.3", /*snapshot=*/true));
  f.gw->do_work();
  ASSERT_EQ(f.http.posts.size(), 4u);
  f.http.answer(2, "[]");  // openOrders: TWAPs are never listed
  f.http.answer(3, "[" + slice_fill(1, "0.1", 9) + "]");
  f.http.answer(
      4,
      R"({"assetPositions":[],"crossMaintenanceMarginUsed":"0.0","crossMarginSummary":)"
      R"({"accountValue":"100.0","totalMarginUsed":"0.0","totalNtlPos":"0.0","totalRawUsd":"100.0"},)"
      R"("marginSummary":{"accountValue":"100.0","totalMarginUsed":"0.0","totalNtlPos":"0.0",)"
      R"("totalRawUsd":"100.0"},"time":1,"withdrawable":"100.0"})");
  f.gw->do_work();
  EXPECT_FALSE(f.gw->reconciling());
  EXPECT_EQ(f.http.posts.size(), 4u);  // the running TWAP was not taken for a lost order
  const auto ev = f.drain();
  std::vector<ExecEvent> mine;
  for (const auto& e : ev) {
    if (e.kind != ExecKind::kVenueStatus) mine.push_back(e);
  }
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].update.status, OrderStatus::kNew);  // adopted from the history
  ASSERT_EQ(mine[1].kind, ExecKind::kFill);             // missed slice, from userFills
  EXPECT_EQ(mine[1].fill.cloid, kCloid);
  EXPECT_EQ(mine[2].update.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(f.gw->hl_counters().twap_adopted.get(), 1u);
  // The same slice on the stream afterwards is a duplicate.
  f.ws.text(on_slice_fills(slice_fill(1, "0.1", 9), 9, true));
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
}

TEST(HlOrderGateway, SliceFillsOfTwapsThisSessionNeverSentAreCountedNotReported) {
  Fixture f(true, true);
  f.ws.text(on_slice_fills(slice_fill(1, "0.1", 77), 77));
  f.ws.text(twap_history(77, "finished", "0.1"));
  f.gw->do_work();
  for (const auto& e : f.drain()) EXPECT_EQ(e.kind, ExecKind::kVenueStatus);
  EXPECT_EQ(f.gw->hl_counters().twap_unknown.get(), 2u);
}

TEST(HlOrderGateway, FullExecQueueKeepsReportsInOrderUntilSpaceReturns) {
  Fixture f(true, false, 1);  // the core's queue holds one report
  f.submit(f.new_order(kCloid, "42000", "0.0001"));
  f.submit(f.new_order(kCloid2, "42000", "0.0001"));
  f.http.answer(
      1,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":1}}]}}})");
  f.http.answer(
      2,
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":2}}]}}})");
  f.gw->do_work();
  EXPECT_GE(f.gw->counters().queue_full.get(), 1u);
  std::vector<ExecEvent> got;
  for (int i = 0; i < 4 && got.size() < 2; ++i) {
    for (const auto& e : f.drain()) got.push_back(e);
    f.gw->do_work();
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].update.cloid, kCloid);
  EXPECT_EQ(got[1].update.cloid, kCloid2);
}

// ---- the adapter onto gateways/net, against the net tests' loopback HTTP server -------------

struct HttpRecorder final : public HttpListener {
  void on_http_response(const HttpResponse& r) noexcept override {
    seen.push_back({r.request_id, r.outcome, r.status, std::string(r.body)});
  }
  struct Seen {
    std::uint64_t id;
    HttpOutcome outcome;
    int status;
    std::string body;
  };
  std::vector<Seen> seen;
};

TEST(NetHttpTransport, PostsTheSignedBodyOverKeepAliveAndMapsOutcomes) {
  net::testing::HttpTestServer server;  // answers "<METHOD> <target> <body>"
  net::testing::ManualClock clock;
  net::NetLoop loop;
  NetHttpTransport http(loop, clock);
  HttpRecorder rec;
  http.set_listener(&rec);
  ASSERT_TRUE(http.start("http://127.0.0.1:" + std::to_string(server.port())));
  const std::string body = R"({"action":{"type":"noop"},"nonce":1})";
  const std::uint64_t id = http.post("/exchange", body);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(net::testing::pump(
      loop.io(), [&] { return http.poll(); }, [&] { return rec.seen.size() == 1; }));
  EXPECT_EQ(rec.seen[0].id, id);
  EXPECT_EQ(rec.seen[0].outcome, HttpOutcome::kOk);
  EXPECT_EQ(rec.seen[0].status, 200);
  EXPECT_EQ(rec.seen[0].body, "POST /exchange " + body);

  NetHttpTransport refused(loop, clock);
  refused.set_listener(&rec);
  ASSERT_TRUE(refused.start("http://127.0.0.1:" + std::to_string(net::testing::closed_port())));
  ASSERT_NE(refused.post("/exchange", body), 0u);
  ASSERT_TRUE(net::testing::pump(
      loop.io(), [&] { return refused.poll(); }, [&] { return rec.seen.size() == 2; }));
  EXPECT_EQ(rec.seen[1].outcome, HttpOutcome::kNotSent);
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
