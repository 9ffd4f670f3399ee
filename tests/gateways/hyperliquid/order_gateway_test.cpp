#include "gateways/hyperliquid/order_gateway.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/hyperliquid/order_gateway_fixture.hpp"
#include "gateways/net/test_server.hpp"  // loopback servers of the net tests

namespace peregrine::gateways::hyperliquid {
namespace {

using namespace gw_test;  // NOLINT: the shared fixture of the gateway tests

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
