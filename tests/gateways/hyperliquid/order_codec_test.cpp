#include "gateways/hyperliquid/order_codec.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "gateways/hyperliquid/order_codec_fixture.hpp"

// Counts heap allocations while g_count_allocs is set, to prove the hot path allocates nothing.
namespace {
std::atomic<bool> g_count_allocs{false};
std::atomic<std::size_t> g_allocs{0};
void* counted_alloc(std::size_t n) noexcept {
  if (g_count_allocs.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
void* checked(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace
void* operator new(std::size_t n) { return checked(counted_alloc(n)); }
void* operator new[](std::size_t n) { return checked(counted_alloc(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace peregrine::gateways::hyperliquid {
namespace {

using namespace codec_test;  // NOLINT: the shared fixture of the codec tests
using common::ClientOrderId;
using common::Money;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

TEST_F(OrderCodecTest, RestingAndFilled) {
  auto r = exchange(kResting);
  EXPECT_EQ(r.kind, ResponseKind::kOrder);
  ASSERT_EQ(r.statuses.size(), 1u);
  EXPECT_EQ(r.statuses[0].kind, ActionStatusKind::kResting);
  EXPECT_EQ(r.statuses[0].oid, common::VenueOrderId::from_int(77738308));
  EXPECT_FALSE(r.statuses[0].has_cloid);

  r = exchange(kFilled);
  ASSERT_EQ(r.statuses.size(), 1u);
  const ActionStatus& s = r.statuses[0];
  EXPECT_EQ(s.kind, ActionStatusKind::kFilled);
  EXPECT_EQ(s.oid, common::VenueOrderId::from_int(77747314));
  EXPECT_EQ(s.filled_qty, *Qty::parse("0.02"));
  EXPECT_EQ(s.avg_price, *Price::parse("1891.4"));
}

TEST_F(OrderCodecTest, EveryOrderStatusKindInOneBatch) {
  const auto r = exchange(kMixedBatch);
  ASSERT_EQ(r.statuses.size(), 5u);
  EXPECT_EQ(r.statuses[0].kind, ActionStatusKind::kResting);
  EXPECT_TRUE(r.statuses[0].has_cloid);
  EXPECT_EQ(r.statuses[0].cloid, cloid());
  EXPECT_EQ(r.statuses[1].kind, ActionStatusKind::kFilled);
  EXPECT_EQ(r.statuses[1].cloid, cloid());
  EXPECT_EQ(r.statuses[2].kind, ActionStatusKind::kError);
  EXPECT_EQ(r.statuses[2].reject, RejectReason::kMinNotional);
  EXPECT_EQ(r.statuses[2].text, "Order must have minimum value of $10.");
  EXPECT_EQ(r.statuses[3].kind, ActionStatusKind::kWaitingForFill);
  EXPECT_EQ(r.statuses[4].kind, ActionStatusKind::kWaitingForTrigger);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(r.status_for(i, 5), &r.statuses[i]);
  EXPECT_EQ(r.status_for(5, 5), nullptr);
  EXPECT_EQ(r.status_for(0, 4), nullptr);  // count fits neither shape
}

TEST_F(OrderCodecTest, PreValidationErrorAppliesToTheWholeBatch) {
  const auto r = exchange(
      R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"error":"Order price too far from oracle"}]}}})");
  ASSERT_EQ(r.statuses.size(), 1u);
  for (std::size_t i = 0; i < 3; ++i) {
    const ActionStatus* s = r.status_for(i, 3);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->kind, ActionStatusKind::kError);
    EXPECT_EQ(s->reject, RejectReason::kOther);
  }
  // One resting status for three orders is not a pre-validation error.
  EXPECT_EQ(exchange(kResting).status_for(0, 3), nullptr);
}

TEST_F(OrderCodecTest, CancelDefaultAndTwap) {
  auto r = exchange(kCancel);
  EXPECT_EQ(r.kind, ResponseKind::kCancel);
  ASSERT_EQ(r.statuses.size(), 2u);
  EXPECT_EQ(r.statuses[0].kind, ActionStatusKind::kSuccess);
  EXPECT_EQ(r.statuses[1].kind, ActionStatusKind::kError);
  EXPECT_EQ(r.statuses[1].reject, RejectReason::kUnknownOrder);

  r = exchange(kDefault);
  EXPECT_EQ(r.kind, ResponseKind::kDefault);
  EXPECT_TRUE(r.statuses.empty());

  r = exchange(kTwapRunning);
  EXPECT_EQ(r.kind, ResponseKind::kTwapOrder);
  ASSERT_EQ(r.statuses.size(), 1u);
  EXPECT_EQ(r.statuses[0].kind, ActionStatusKind::kTwapRunning);
  EXPECT_EQ(r.statuses[0].twap_id, 77738308u);

  r = exchange(kTwapError);
  ASSERT_EQ(r.statuses.size(), 1u);
  EXPECT_EQ(r.statuses[0].kind, ActionStatusKind::kError);
  EXPECT_EQ(r.statuses[0].text, "Invalid TWAP duration: 1 min(s)");
  EXPECT_EQ(r.statuses[0].reject, RejectReason::kOther);

  r = exchange(kTwapCancel);
  EXPECT_EQ(r.kind, ResponseKind::kTwapCancel);
  ASSERT_EQ(r.statuses.size(), 1u);
  EXPECT_EQ(r.statuses[0].kind, ActionStatusKind::kSuccess);
  r = exchange(
      R"({"status":"ok","response":{"type":"twapCancel","data":{"status":{"error":"TWAP was never placed, already canceled, or filled."}}}})");
  EXPECT_EQ(r.statuses[0].reject, RejectReason::kUnknownOrder);

  r = exchange(R"({"response":{"data":{"statuses":["mystery"]},"type":"order"},"status":"ok"})");
  ASSERT_EQ(r.statuses.size(), 1u);
  EXPECT_EQ(r.statuses[0].kind, ActionStatusKind::kUnknown);
  EXPECT_EQ(r.statuses[0].text, "mystery");
  EXPECT_EQ(parser_.counters().unknown_status.load(), 1u);
  r = exchange(R"({"status":"ok","response":{"type":"setReferrer"}})");
  EXPECT_EQ(r.kind, ResponseKind::kOther);
}

TEST_F(OrderCodecTest, TopLevelErrors) {
  auto r = exchange(kTopLevelErr);
  EXPECT_EQ(r.kind, ResponseKind::kError);
  EXPECT_EQ(r.reject, RejectReason::kBadSignature);
  EXPECT_EQ(r.error.substr(0, 28), "L1 error: User or API Wallet");
  EXPECT_EQ(r.status_for(0, 1), nullptr);
  r = exchange(
      R"({"status":"err","response":"Must deposit before performing actions. User: 0xabc"})");
  EXPECT_EQ(r.reject, RejectReason::kBadSignature);
  r = exchange(R"({"status":"err","response":"Invalid nonce: duplicate nonce 1700000000000"})");
  EXPECT_EQ(r.reject, RejectReason::kBadNonce);
}

TEST_F(OrderCodecTest, ErrorStringMapping) {
  const std::pair<std::string_view, RejectReason> cases[] = {
      {"Price must be divisible by tick size.", RejectReason::kInvalidPrice},
      {"Order must have minimum value of $10.", RejectReason::kMinNotional},
      {"Order must have minimum value of 10 USDC.", RejectReason::kMinNotional},
      {"Insufficient margin to place order.", RejectReason::kInsufficientMargin},
      {"Reduce only order would increase position.", RejectReason::kReduceOnlyWouldIncrease},
      {"Post only order would have immediately matched, bbo was 1891.3@1891.4.",
       RejectReason::kPostOnlyWouldCross},
      {"Order could not immediately match against any resting orders.", RejectReason::kNoLiquidity},
      {"No liquidity available for market order.", RejectReason::kNoLiquidity},
      {"Invalid TP/SL price.", RejectReason::kOther},
      {"Order would increase open interest while open interest is capped", RejectReason::kOther},
      {"Order has insufficient spot balance to trade", RejectReason::kInsufficientMargin},
      {"Order price too far from oracle", RejectReason::kOther},
      {"Order would cause position to exceed margin tier limit at current leverage",
       RejectReason::kOther},
      {"Order was never placed, already canceled, or filled.", RejectReason::kUnknownOrder},
      {"L1 error: User or API Wallet 0xabc does not exist.", RejectReason::kBadSignature},
      {"Must deposit before performing actions. User: 0xabc", RejectReason::kBadSignature},
      {"Invalid nonce: duplicate nonce 123", RejectReason::kBadNonce},
      {"too many pending post requests id=1234", RejectReason::kRateLimited},
      {"", RejectReason::kOther},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(reject_reason_from_text(text), want) << text;
}

TEST_F(OrderCodecTest, OrderStatusStrings) {
  const Qty one = *Qty::parse("1"), half = *Qty::parse("0.5");
  EXPECT_EQ(map_order_status("open", one, one).status, OrderStatus::kNew);
  EXPECT_EQ(map_order_status("open", half, one).status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(map_order_status("triggered", one, one).status, OrderStatus::kNew);
  EXPECT_EQ(map_order_status("filled", Qty{}, one).status, OrderStatus::kFilled);
  for (std::string_view s :
       {"canceled", "marginCanceled", "vaultWithdrawalCanceled", "openInterestCapCanceled",
        "selfTradeCanceled", "reduceOnlyCanceled", "siblingFilledCanceled", "delistedCanceled",
        "liquidatedCanceled", "scheduledCancel", "outcomeSettledCanceled", "internalCancel"}) {
    const auto m = map_order_status(s, one, one);
    EXPECT_TRUE(m.known) << s;
    EXPECT_EQ(m.status, OrderStatus::kCancelled) << s;
    EXPECT_EQ(m.reject, RejectReason::kNone) << s;
  }
  const std::pair<std::string_view, RejectReason> rejected[] = {
      {"rejected", RejectReason::kOther},
      {"tickRejected", RejectReason::kInvalidPrice},
      {"minTradeNtlRejected", RejectReason::kMinNotional},
      {"perpMarginRejected", RejectReason::kInsufficientMargin},
      {"reduceOnlyRejected", RejectReason::kReduceOnlyWouldIncrease},
      {"badAloPxRejected", RejectReason::kPostOnlyWouldCross},
      {"iocCancelRejected", RejectReason::kNoLiquidity},
      {"badTriggerPxRejected", RejectReason::kInvalidPrice},
      {"marketOrderNoLiquidityRejected", RejectReason::kNoLiquidity},
      {"positionIncreaseAtOpenInterestCapRejected", RejectReason::kOther},
      {"positionFlipAtOpenInterestCapRejected", RejectReason::kOther},
      {"tooAggressiveAtOpenInterestCapRejected", RejectReason::kOther},
      {"openInterestIncreaseRejected", RejectReason::kOther},
      {"insufficientSpotBalanceRejected", RejectReason::kInsufficientMargin},
      {"oracleRejected", RejectReason::kOther},
      {"perpMaxPositionRejected", RejectReason::kOther},
      {"tooManyOpenOrdersRejected", RejectReason::kOther},
  };
  for (const auto& [s, want] : rejected) {
    const auto m = map_order_status(s, one, one);
    EXPECT_TRUE(m.known) << s;
    EXPECT_EQ(m.status, OrderStatus::kRejected) << s;
    EXPECT_EQ(m.reject, want) << s;
  }
  const auto unknown = map_order_status("brandNewStatus", one, one);
  EXPECT_FALSE(unknown.known);
  EXPECT_EQ(unknown.status, OrderStatus::kCancelled);
  EXPECT_EQ(unknown.reject, RejectReason::kUnknownOutcome);
}

TEST_F(OrderCodecTest, PostResponses) {
  EXPECT_EQ(ws(kPostAction), ExecFrameKind::kPost);
  EXPECT_EQ(parser_.post().id, 256u);
  EXPECT_EQ(parser_.post().kind, PostKind::kAction);
  EXPECT_EQ(parser_.post().action.kind, ResponseKind::kOrder);
  ASSERT_EQ(parser_.post().action.statuses.size(), 1u);
  EXPECT_EQ(parser_.post().action.statuses[0].oid, common::VenueOrderId::from_int(88383));

  EXPECT_EQ(ws(kPostInfo), ExecFrameKind::kPost);
  EXPECT_EQ(parser_.post().id, 123u);
  EXPECT_EQ(parser_.post().kind, PostKind::kInfo);

  EXPECT_EQ(ws(kPostError), ExecFrameKind::kPost);
  EXPECT_EQ(parser_.post().id, 9u);
  EXPECT_EQ(parser_.post().kind, PostKind::kError);
  EXPECT_EQ(parser_.post().reject, RejectReason::kPostOnlyWouldCross);

  // Top-level err inside a post payload.
  ws(R"({"channel":"post","data":{"response":{"payload":{"response":"Invalid nonce: duplicate nonce 5",)"
     R"("status":"err"},"type":"action"},"id":10}})");
  EXPECT_EQ(parser_.post().id, 10u);
  EXPECT_EQ(parser_.post().action.kind, ResponseKind::kError);
  EXPECT_EQ(parser_.post().action.reject, RejectReason::kBadNonce);
}

TEST_F(OrderCodecTest, OrderUpdates) {
  EXPECT_EQ(ws(kOrderUpdates, 42), ExecFrameKind::kOrderUpdates);
  const auto u = parser_.order_updates();
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].instrument, btc_);
  EXPECT_EQ(u[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u[0].cloid, cloid());
  EXPECT_EQ(u[0].venue_order_id, common::VenueOrderId::from_int(91490942));
  EXPECT_EQ(u[0].price, *Price::parse("29792"));
  EXPECT_EQ(u[0].qty, *Qty::parse("0.03"));
  EXPECT_EQ(u[0].filled_qty, *Qty::parse("0.02"));
  EXPECT_EQ(u[0].side, common::Side::kBuy);
  EXPECT_EQ(u[0].ts_venue, 1681247412600'000'000);
  EXPECT_EQ(u[0].venue_seq, 1681247412600u);
  EXPECT_EQ(u[0].ts_recv, 42);
  EXPECT_EQ(u[1].instrument, eth_);
  EXPECT_EQ(u[1].status, OrderStatus::kRejected);
  EXPECT_EQ(u[1].reject, RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(u[1].side, common::Side::kSell);
  EXPECT_TRUE(u[1].cloid.is_null());

  // Unknown status: terminal + unknown outcome, counted. Unknown coin: dropped, counted.
  ws(R"({"channel":"orderUpdates","data":[{"order":{"coin":"BTC","side":"B","limitPx":"1","sz":"1","oid":3,)"
     R"("timestamp":1,"origSz":"1"},"status":"somethingNew","statusTimestamp":2},)"
     R"({"order":{"coin":"DOGE","side":"B","limitPx":"1","sz":"1","oid":4,"timestamp":1},"status":"open",)"
     R"("statusTimestamp":2}]})");
  ASSERT_EQ(parser_.order_updates().size(), 1u);
  EXPECT_EQ(parser_.order_updates()[0].status, OrderStatus::kCancelled);
  EXPECT_EQ(parser_.order_updates()[0].reject, RejectReason::kUnknownOutcome);
  EXPECT_EQ(parser_.counters().unknown_status.load(), 1u);
  EXPECT_EQ(parser_.counters().unknown_coin.load(), 1u);
}

TEST_F(OrderCodecTest, UserFillsAndUserEvents) {
  const std::string snapshot =
      R"({"channel":"userFills","data":{"isSnapshot":true,"user":"0xabc","fills":[)" +
      std::string(kWsFill) + "]}}";
  EXPECT_EQ(ws(snapshot, 5), ExecFrameKind::kUserFills);
  EXPECT_TRUE(parser_.fills_snapshot());
  ASSERT_EQ(parser_.fills().size(), 1u);
  expect_ws_fill(parser_.fills()[0], avax_);
  EXPECT_EQ(parser_.fills()[0].ts_recv, 5);

  ws(R"({"channel":"userFills","data":{"user":"0xabc","fills":[{"coin":"BTC","px":"100","sz":"1","side":"A",)"
     R"("time":1,"oid":2,"tid":3,"fee":"-0.001","crossed":true}]}})");
  EXPECT_FALSE(parser_.fills_snapshot());
  ASSERT_EQ(parser_.fills().size(), 1u);
  EXPECT_EQ(parser_.fills()[0].liquidity, common::Liquidity::kTaker);
  EXPECT_EQ(parser_.fills()[0].side, common::Side::kSell);
  EXPECT_TRUE(parser_.fills()[0].fee.is_negative());
  EXPECT_TRUE(parser_.fills()[0].cloid.is_null());

  EXPECT_EQ(ws(R"({"channel":"user","data":{"fills":[)" + std::string(kWsFill) + "]}}"),
            ExecFrameKind::kUserEvents);
  EXPECT_EQ(parser_.user_event(), UserEventKind::kFills);
  ASSERT_EQ(parser_.fills().size(), 1u);
  expect_ws_fill(parser_.fills()[0], avax_);

  ws(R"({"channel":"user","data":{"nonUserCancel":[{"coin":"ETH","oid":77},{"coin":"NOPE","oid":78}]}})");
  EXPECT_EQ(parser_.user_event(), UserEventKind::kNonUserCancel);
  ASSERT_EQ(parser_.order_updates().size(), 1u);
  EXPECT_EQ(parser_.order_updates()[0].status, OrderStatus::kCancelled);
  EXPECT_EQ(parser_.order_updates()[0].venue_order_id, common::VenueOrderId::from_int(77));
  EXPECT_EQ(parser_.order_updates()[0].instrument, eth_);

  ws(R"({"channel":"user","data":{"funding":{"time":1,"coin":"ETH","usdc":"-0.1","szi":"1","fundingRate":"0.0001","nSamples":null}}})");
  EXPECT_EQ(parser_.user_event(), UserEventKind::kFunding);
  ws(R"({"channel":"user","data":{"liquidation":{"lid":1,"liquidator":"0x1","liquidated_user":"0x2",)"
     R"("liquidated_ntl_pos":"1","liquidated_account_value":"1"}}})");
  EXPECT_EQ(parser_.user_event(), UserEventKind::kLiquidation);
  EXPECT_TRUE(parser_.fills().empty());
}

TEST_F(OrderCodecTest, TwapIdOnFillsSliceFillsAndHistory) {
  // userFills: "twapId":null on an ordinary fill, a number on a slice fill (either order).
  ws(R"({"channel":"userFills","data":{"user":"0xabc","fills":[)"
     R"({"coin":"BTC","px":"100","sz":"1","side":"B","time":1,"oid":2,"tid":3,"fee":"0.1",)"
     R"("crossed":true,"twapId":null},)"
     R"({"twapId":3156,"coin":"BTC","px":"101","sz":"0.5","side":"B","time":2,"oid":4,"tid":5,)"
     R"("fee":"0.1","crossed":true,"hash":"0x00"}]}})");
  ASSERT_EQ(parser_.fills().size(), 2u);
  ASSERT_EQ(parser_.fill_twap_ids().size(), 2u);
  EXPECT_EQ(parser_.fill_twap_ids()[0], 0u);
  EXPECT_EQ(parser_.fill_twap_ids()[1], 3156u);
  EXPECT_EQ(parser_.fills()[1].qty, *Qty::parse("0.5"));

  // userTwapSliceFills: {"fill":{WsFill},"twapId":N}; the docs' info example shape.
  EXPECT_EQ(
      ws(R"({"channel":"userTwapSliceFills","data":{"isSnapshot":true,"user":"0xabc",)"
         R"("twapSliceFills":[{"fill":)" +
             std::string(kWsFill) +
             R"(,"twapId":3156},{"twapId":7,"fill":{"coin":"NOPE","px":"1","sz":"1","side":"B",)"
             R"("time":1,"oid":1,"tid":1,"fee":"0","crossed":true}}]}})",
         9),
      ExecFrameKind::kTwapSliceFills);
  EXPECT_TRUE(parser_.fills_snapshot());
  ASSERT_EQ(parser_.fills().size(), 1u);  // the unknown coin is dropped and counted
  expect_ws_fill(parser_.fills()[0], avax_);
  EXPECT_EQ(parser_.fill_twap_ids()[0], 3156u);
  EXPECT_EQ(parser_.fills()[0].ts_recv, 9);

  // userTwapHistory: activated / finished / terminated / error and an unknown status string.
  const std::string state =
      R"("state":{"coin":"BTC","user":"0xabc","side":"A","sz":"0.3","executedSz":"0.1",)"
      R"("executedNtl":"10.5","minutes":5,"reduceOnly":true,"randomize":false,"timestamp":1})";
  EXPECT_EQ(ws(R"({"channel":"userTwapHistory","data":{"user":"0xabc","history":[)"
               R"({"time":1700000000,)" +
               state +
               R"(,"status":{"status":"activated","description":""},"twapId":11},)"
               R"({"time":1700000001,)" +
               state +
               R"(,"status":{"status":"terminated","description":""},"twapId":11},)"
               R"({)" +
               state +
               R"(,"status":{"status":"finished"}},)"
               R"({)" +
               state +
               R"(,"status":{"status":"error","description":"x"},"twapId":12},)"
               R"({)" +
               state + R"(,"status":{"status":"paused"},"twapId":13}]}})"),
            ExecFrameKind::kTwapHistory);
  EXPECT_FALSE(parser_.fills_snapshot());
  const auto h = parser_.twap_history();
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h[0].status, TwapStatus::kActivated);
  EXPECT_EQ(h[0].twap_id, 11u);
  EXPECT_EQ(h[0].instrument, btc_);
  EXPECT_EQ(h[0].side, common::Side::kSell);
  EXPECT_EQ(h[0].size, *Qty::parse("0.3"));
  EXPECT_EQ(h[0].executed, *Qty::parse("0.1"));
  EXPECT_EQ(h[0].executed_ntl, *Money::parse("10.5"));
  EXPECT_TRUE(h[0].reduce_only);
  EXPECT_EQ(h[0].ts_venue, 1'700'000'000'000'000'000);
  EXPECT_EQ(h[1].status, TwapStatus::kTerminated);
  EXPECT_EQ(h[2].status, TwapStatus::kFinished);
  EXPECT_EQ(h[2].twap_id, 0u);  // absent in the docs' sketch
  EXPECT_EQ(h[3].status, TwapStatus::kError);
  EXPECT_EQ(h[4].status, TwapStatus::kUnknown);

  // Malformed: a slice fill without its twapId, disagreeing ids, a history entry without state.
  const auto before = parser_.counters().malformed.load();
  EXPECT_FALSE(parser_.parse_ws_unpadded(
      R"({"channel":"userTwapSliceFills","data":{"twapSliceFills":[{"fill":)" +
          std::string(kWsFill) + "}]}}",
      1));
  EXPECT_FALSE(parser_.parse_ws_unpadded(
      R"({"channel":"userTwapSliceFills","data":{"twapSliceFills":[{"twapId":1,"fill":{"coin":"BTC",)"
      R"("px":"1","sz":"1","side":"B","time":1,"oid":1,"tid":1,"fee":"0","crossed":true,"twapId":2}}]}})",
      1));
  EXPECT_FALSE(parser_.parse_ws_unpadded(
      R"({"channel":"userTwapHistory","data":{"history":[{"status":{"status":"finished"},"twapId":1}]}})",
      1));
  EXPECT_EQ(parser_.counters().malformed.load(), before + 3);
  EXPECT_TRUE(parser_.twap_history().empty());

  // /info userFills keeps the twapId per fill when asked.
  std::vector<std::uint64_t> ids;
  const auto fills = info_.parse_user_fills(
      R"([{"coin":"BTC","px":"100","sz":"1","side":"B","time":1,"oid":2,"tid":3,"fee":"0.1",)"
      R"("crossed":true,"twapId":42},{"coin":"BTC","px":"100","sz":"1","side":"B","time":1,)"
      R"("oid":2,"tid":4,"fee":"0.1","crossed":true,"twapId":null}])",
      &ids);
  ASSERT_TRUE(fills.ok());
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], 42u);
  EXPECT_EQ(ids[1], 0u);
}

TEST_F(OrderCodecTest, ControlFrames) {
  EXPECT_EQ(ws("Websocket connection established."), ExecFrameKind::kHello);
  EXPECT_EQ(ws(R"({"channel":"pong"})"), ExecFrameKind::kPong);
  EXPECT_EQ(
      ws(R"({"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"orderUpdates","user":"0xabc"}}})"),
      ExecFrameKind::kSubscriptionResponse);
  EXPECT_EQ(ws(R"({"channel":"error","data":"too many pending post requests id=1234"})"),
            ExecFrameKind::kVenueError);
  EXPECT_EQ(parser_.venue_error(), "too many pending post requests id=1234");
  EXPECT_EQ(parser_.counters().venue_errors.load(), 1u);
}

TEST_F(OrderCodecTest, MalformedInputsAreErrorsAndCounted) {
  const std::pair<std::string_view, CodecError> exchange_cases[] = {
      {"", CodecError::kEmpty},
      {"Internal Server Error", CodecError::kNotJson},
      {R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":1}})",
       CodecError::kBadJson},
      {R"({"status":"maybe","response":"x"})", CodecError::kBadValue},
      {R"({"status":"ok"})", CodecError::kMissingField},
      {R"({"status":"err","response":{"x":1}})", CodecError::kWrongType},
      {R"({"status":"ok","response":{"type":"order"}})", CodecError::kMissingField},
      {R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{}}]}}})",
       CodecError::kMissingField},
      {R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":"1"}}]}}})",
       CodecError::kWrongType},
      {R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"filled":{"totalSz":"1.2.3","avgPx":"1","oid":1}}]}}})",
       CodecError::kBadDecimal},
      {R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":1,"cloid":"0x12"}}]}}})",
       CodecError::kBadValue},
      {R"({"code":422,"msg":"Failed to deserialize the JSON body into the target type"})",
       CodecError::kMissingField},
  };
  for (const auto& [body, want] : exchange_cases) {
    const auto r = parser_.parse_exchange_unpadded(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error(), want) << body << " -> " << to_string(r.error());
  }
  const std::pair<std::string_view, CodecError> ws_cases[] = {
      {"", CodecError::kEmpty},
      {"hello", CodecError::kNotJson},
      {R"({"channel":"trades","data":[]})", CodecError::kUnknownChannel},
      {R"({"channel":"orderUpdates","data":{}})", CodecError::kWrongType},
      {R"({"channel":"orderUpdates","data":[{"order":{"coin":"BTC"},"status":"open","statusTimestamp":1}]})",
       CodecError::kMissingField},
      {R"({"channel":"orderUpdates","data":[{"order":{"coin":"BTC","side":"S","limitPx":"1","sz":"1","oid":1,"timestamp":1},"status":"open","statusTimestamp":1}]})",
       CodecError::kBadValue},
      {R"({"channel":"userFills","data":{"fills":[{"coin":"BTC","px":"1"}]}})",
       CodecError::kMissingField},
      {R"({"channel":"userFills","data":{"isSnapshot":"yes","fills":[]}})", CodecError::kWrongType},
      {R"({"channel":"userFills","data":{}})", CodecError::kMissingField},
      {R"({"channel":"post","data":{"id":1}})", CodecError::kMissingField},
      {R"({"channel":"post","data":{"id":1,"response":{"type":"what","payload":1}}})",
       CodecError::kBadValue},
      {R"({"channel":"post","data":{"id":-1,"response":{"type":"info","payload":1}}})",
       CodecError::kWrongType},
      {R"({"channel":"error","data":[1]})", CodecError::kWrongType},
      {R"({"channel":"user","data":{"fills":[{"coin":"BTC","px":"x","sz":"1","side":"A","time":1,"oid":2,"tid":3,"fee":"0","crossed":true}]}})",
       CodecError::kBadDecimal},
  };
  for (const auto& [frame, want] : ws_cases) {
    const auto r = parser_.parse_ws_unpadded(frame, 0);
    ASSERT_FALSE(r.ok()) << frame;
    EXPECT_EQ(r.error(), want) << frame << " -> " << to_string(r.error());
    EXPECT_TRUE(parser_.order_updates().empty());
    EXPECT_TRUE(parser_.fills().empty());
  }
  const std::size_t n = std::size(exchange_cases) + std::size(ws_cases);
  EXPECT_EQ(parser_.counters().malformed.load(), n);
  EXPECT_EQ(parser_.counters().frames.load(), n);

  EXPECT_EQ(info_.parse_meta("").error(), CodecError::kEmpty);
  EXPECT_EQ(info_.parse_meta(R"({"universe":[{"name":"BTC"}]})").error(),
            CodecError::kMissingField);
  EXPECT_EQ(
      info_.parse_meta(R"({"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50})").error(),
      CodecError::kBadJson);
  EXPECT_EQ(info_.parse_clearinghouse_state(R"({"assetPositions":[]})").error(),
            CodecError::kMissingField);
  EXPECT_EQ(info_.parse_open_orders(R"({"coin":"BTC"})").error(), CodecError::kWrongType);
  EXPECT_EQ(info_.parse_user_fills(R"([{"coin":"BTC","px":"1.2.3"}])").error(),
            CodecError::kBadDecimal);
}

TEST_F(OrderCodecTest, HotPathIsZeroCopyAndAllocatesNothingAfterWarmUp) {
  const std::string fills = R"({"channel":"userFills","data":{"isSnapshot":true,"fills":[)" +
                            std::string(kWsFill) + "]}}";
  std::vector<simdjson::padded_string> ws, ex;
  for (auto f : {kPostAction, kPostError, kOrderUpdates, std::string_view(fills)})
    ws.emplace_back(f);
  for (auto b : {kResting, kMixedBatch, kCancel, kTwapRunning, kTopLevelErr}) ex.emplace_back(b);
  const auto run = [&] {
    std::size_t ok = 0;
    for (const auto& p : ws) ok += parser_.parse_ws(p, 1).ok() ? 1u : 0u;
    for (const auto& p : ex) ok += parser_.parse_exchange(p).ok() ? 1u : 0u;
    return ok;
  };
  ASSERT_EQ(run(), ws.size() + ex.size());  // warm-up
  g_allocs = 0;
  g_count_allocs = true;
  const std::size_t ok = run() + run();
  g_count_allocs = false;
  EXPECT_EQ(g_allocs.load(), 0u);
  EXPECT_EQ(ok, 2 * (ws.size() + ex.size()));
}

TEST_F(OrderCodecTest, TooManyStatusesHitsCapacity) {
  std::string body = R"({"status":"ok","response":{"type":"cancel","data":{"statuses":["success")";
  for (std::size_t i = 0; i < ExecParser::kMaxStatuses; ++i) body += R"(,"success")";
  const auto r = parser_.parse_exchange_unpadded(body + "]}}}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), CodecError::kCapacity);
}

// Mutated fixtures: never a crash (ASan/UBSan in CI), always success or an error value.
TEST_F(OrderCodecTest, MutationFuzzNeverCrashes) {
  const std::vector<std::string> exchange_seeds = {
      std::string(kResting),   std::string(kFilled),     std::string(kMixedBatch),
      std::string(kCancel),    std::string(kDefault),    std::string(kTwapRunning),
      std::string(kTwapError), std::string(kTwapCancel), std::string(kTopLevelErr)};
  const std::vector<std::string> ws_seeds = {
      std::string(kPostAction),
      std::string(kPostInfo),
      std::string(kPostError),
      std::string(kOrderUpdates),
      R"({"channel":"userFills","data":{"isSnapshot":true,"fills":[)" + std::string(kWsFill) +
          "]}}",
      R"({"channel":"user","data":{"fills":[)" + std::string(kWsFill) + "]}}",
      R"({"channel":"user","data":{"nonUserCancel":[{"coin":"ETH","oid":77}]}})",
      R"({"channel":"error","data":"x"})"};
  const std::vector<std::string> info_seeds = {
      std::string(kMeta),
      std::string(kClearinghouse),
      std::string(kOpenOrders),
      std::string(kFrontendOpenOrders),
      std::string(kOrderStatus),
      "[" + std::string(kWsFill) + "]",
      R"([{"universe":[{"name":"A","szDecimals":2,"maxLeverage":3}]},[)" + std::string(kCtx) +
          "]]"};

  const char* seed = std::getenv("PEREGRINE_FUZZ_SEED");  // to explore beyond the CI seed
  std::mt19937_64 rng(seed != nullptr ? std::strtoull(seed, nullptr, 0) : 20250126);
  auto pick = [&](std::size_t n) {
    return static_cast<std::size_t>(rng() % std::max<std::size_t>(n, 1));
  };
  auto mutate = [&](std::string s) {
    for (std::size_t m = 0, n = 1 + pick(4); m < n && !s.empty(); ++m) {
      switch (pick(4)) {
        case 0:
          s.resize(pick(s.size()));
          break;
        case 1:
          for (std::size_t k = 0, c = 1 + pick(8); k < c && !s.empty(); ++k) {
            s[pick(s.size())] = static_cast<char>(rng() & 0xff);
          }
          break;
        case 2: {
          const std::size_t at = pick(s.size());
          s.erase(at, pick(s.size() - at + 1));
          break;
        }
        default:
          s[pick(s.size())] = std::string_view("{}[]\":,0123456789.-e nulltrfaBA\\")[pick(33)];
          break;
      }
    }
    return s;
  };
  constexpr int kIterations = 20'000;
  std::size_t hot_calls = 0, hot_failed = 0;
  for (int i = 0; i < kIterations; ++i) {
    switch (i % 3) {
      case 0: {
        ++hot_calls;
        const auto r =
            parser_.parse_exchange_unpadded(mutate(exchange_seeds[pick(exchange_seeds.size())]));
        if (!r.ok()) {
          ++hot_failed;
          EXPECT_NE(r.error(), CodecError::kOk);
        } else {
          EXPECT_LE(r->statuses.size(), ExecParser::kMaxStatuses);
        }
        break;
      }
      case 1: {
        ++hot_calls;
        const auto r = parser_.parse_ws_unpadded(mutate(ws_seeds[pick(ws_seeds.size())]), i);
        if (!r.ok()) {
          ++hot_failed;
          EXPECT_LT(static_cast<std::size_t>(r.error()), kCodecErrorCount);
          EXPECT_TRUE(parser_.fills().empty() && parser_.order_updates().empty());
        }
        break;
      }
      default: {
        const std::string s = mutate(info_seeds[pick(info_seeds.size())]);
        const auto ok_or_error = [](const auto& r) {
          return r.ok() || r.error() != CodecError::kOk;
        };
        EXPECT_TRUE(ok_or_error(info_.parse_meta(s)));
        EXPECT_TRUE(ok_or_error(info_.parse_meta_and_asset_ctxs(s)));
        EXPECT_TRUE(ok_or_error(info_.parse_clearinghouse_state(s)));
        EXPECT_TRUE(ok_or_error(info_.parse_open_orders(s)));
        EXPECT_TRUE(ok_or_error(info_.parse_order_status(s)));
        EXPECT_TRUE(ok_or_error(info_.parse_user_fills(s)));
        break;
      }
    }
  }
  EXPECT_EQ(parser_.counters().frames.load(), hot_calls);
  EXPECT_EQ(parser_.counters().malformed.load(), hot_failed);
  EXPECT_GT(hot_failed, 0u);
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
