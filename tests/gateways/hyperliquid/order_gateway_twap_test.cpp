// Native TWAP through the Hyperliquid order gateway over fake transports: the twapOrder body,
// slice fills from both streams reported once, the end, cancel, and a lost answer adopted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateways/hyperliquid/order_gateway.hpp"
#include "gateways/hyperliquid/order_gateway_fixture.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

using namespace gw_test;  // NOLINT: the shared fixture of the gateway tests

inline OrderIntent twap_intent(const Fixture& f, ClientOrderId cloid, std::string_view sz,
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

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
