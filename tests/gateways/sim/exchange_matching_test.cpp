// Matching rules of the simulated exchange, one by one.
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

namespace peregrine::gateways::sim::testing {
namespace {

using common::BookSide;
using common::OrderStatus;
using common::OrderType;
using common::TimeInForce;

TEST_F(SimTest, PriceTimePriorityFillsBestPriceThenOldestFirst) {
  const auto b1 = go(limit(b_, kSell, "100.1", "1"));
  const auto c1 = go(limit(c_, kSell, "100.0", "1"));  // better price, later
  const auto b2 = go(limit(b_, kSell, "100.0", "1"));  // same price, after c1
  ASSERT_EQ(b1.error, SimError::kNone);
  const auto r = go(limit(a_, kBuy, "100.1", "1.5"));
  EXPECT_EQ(r.status, OrderStatus::kFilled);
  EXPECT_EQ(r.filled, Q("1.5"));
  EXPECT_EQ(ex_.find_order(c_, c1.order_id)->status, OrderStatus::kFilled);
  EXPECT_EQ(ex_.find_order(b_, b2.order_id)->filled, Q("0.5"));
  EXPECT_EQ(ex_.find_order(b_, b2.order_id)->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(ex_.find_order(b_, b1.order_id)->filled, Q("0"));
  const auto asks = levels(BookSide::kAsk);
  ASSERT_EQ(asks.size(), 2u);
  EXPECT_EQ(asks[0].price, P("100.0"));
  EXPECT_EQ(asks[0].qty, Q("0.5"));
  EXPECT_EQ(asks[1].price, P("100.1"));
}

TEST_F(SimTest, PartialFillRestsRemainderAsMaker) {
  go(limit(b_, kSell, "100", "0.4"));
  const auto r = go(limit(a_, kBuy, "100.5", "1"));
  EXPECT_EQ(r.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(r.filled, Q("0.4"));
  EXPECT_EQ(ex_.best(btc_, BookSide::kBid), P("100.5"));
  EXPECT_FALSE(ex_.best(btc_, BookSide::kAsk).has_value());
  const SimOrder* o = ex_.find_order(a_, r.order_id);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->remaining(), Q("0.6"));
  EXPECT_EQ(o->avg_price(), P("100"));
  EXPECT_EQ(ex_.last_trade_price(btc_), P("100"));
}

TEST_F(SimTest, IocFillsWhatItCanAndExpiresTheRest) {
  go(limit(b_, kSell, "100", "0.4"));
  const auto r = go(limit(a_, kBuy, "100", "1", TimeInForce::kIoc));
  EXPECT_EQ(r.error, SimError::kNone);
  EXPECT_EQ(r.status, OrderStatus::kExpired);
  EXPECT_EQ(r.filled, Q("0.4"));
  EXPECT_FALSE(ex_.best(btc_, BookSide::kBid).has_value());
  const auto none = go(limit(a_, kBuy, "99", "1", TimeInForce::kIoc));
  EXPECT_EQ(none.error, SimError::kIocNoLiquidity);
  EXPECT_EQ(none.status, OrderStatus::kExpired);
  EXPECT_EQ(ex_.find_order(a_, none.order_id)->status, OrderStatus::kExpired);
}

TEST_F(SimTest, FokIsAllOrNothing) {
  go(limit(b_, kSell, "100", "0.4"));
  go(limit(c_, kSell, "100.2", "0.4"));
  rec_.clear();
  const auto r = go(limit(a_, kBuy, "100.1", "0.5", TimeInForce::kFok));
  EXPECT_EQ(r.error, SimError::kFokNotFilled);
  EXPECT_EQ(r.status, OrderStatus::kExpired);
  EXPECT_TRUE(rec_.fills.empty());
  EXPECT_EQ(levels(BookSide::kAsk)[0].qty, Q("0.4"));  // untouched
  const auto ok = go(limit(a_, kBuy, "100.2", "0.8", TimeInForce::kFok));
  EXPECT_EQ(ok.status, OrderStatus::kFilled);
  EXPECT_EQ(ok.filled, Q("0.8"));
  EXPECT_FALSE(ex_.best(btc_, BookSide::kAsk).has_value());
}

TEST_F(SimTest, PostOnlyRejectedWhenItWouldTake) {
  go(limit(b_, kSell, "100", "1"));
  const auto r = go(limit(a_, kBuy, "100", "1", TimeInForce::kPostOnly));
  EXPECT_EQ(r.error, SimError::kPostOnlyWouldCross);
  EXPECT_EQ(r.status, OrderStatus::kRejected);
  EXPECT_EQ(ex_.trade_count(), 0u);
  const auto ok = go(limit(a_, kBuy, "99.9", "1", TimeInForce::kPostOnly));
  EXPECT_EQ(ok.error, SimError::kNone);
  EXPECT_EQ(ok.status, OrderStatus::kNew);
  EXPECT_EQ(ex_.best(btc_, BookSide::kBid), P("99.9"));
}

TEST_F(SimTest, MarketSweepsLevelsAndExpiresRest) {
  go(limit(b_, kSell, "100", "0.1"));
  go(limit(c_, kSell, "101", "0.2"));
  const auto r = go(market(a_, kBuy, "0.5"));
  EXPECT_EQ(r.error, SimError::kNone);
  EXPECT_EQ(r.status, OrderStatus::kExpired);
  EXPECT_EQ(r.filled, Q("0.3"));
  const SimOrder* o = ex_.find_order(a_, r.order_id);
  EXPECT_EQ(o->filled_notional, M("30.2"));  // 10 + 20.2
  // avg = 30.2 / 0.3 = 100.666666666...
  EXPECT_EQ(o->avg_price(), P("100.66666667"));
  const auto empty = go(market(a_, kBuy, "0.1"));
  EXPECT_EQ(empty.error, SimError::kIocNoLiquidity);
  EXPECT_EQ(empty.status, OrderStatus::kExpired);
}

TEST_F(SimTest, ValidationErrorsAreSpecific) {
  EXPECT_EQ(go(limit(a_, kBuy, "100.05", "1")).error, SimError::kPriceOffTick);
  EXPECT_EQ(go(limit(a_, kBuy, "100", "0.0005")).error, SimError::kQtyOffLot);
  EXPECT_EQ(go(limit(a_, kBuy, "100", "0")).error, SimError::kQtyNotPositive);
  EXPECT_EQ(go(limit(a_, kBuy, "100", "-1")).error, SimError::kQtyNotPositive);
  EXPECT_EQ(go(limit(a_, kBuy, "0", "1")).error, SimError::kPriceNotPositive);
  EXPECT_EQ(go(limit(a_, kBuy, "100", "0.049")).error, SimError::kBelowMinNotional);
  EXPECT_EQ(go(limit(a_, kBuy, "100", "0.05")).error, SimError::kNone);  // exactly 5
  EXPECT_EQ(go(limit(99, kBuy, "100", "1")).error, SimError::kUnknownAccount);
  auto bad = limit(a_, kBuy, "100", "1");
  bad.instrument = common::InstrumentId{7};
  EXPECT_EQ(go(bad).error, SimError::kUnknownInstrument);
  auto hedge = limit(a_, kBuy, "100", "1");
  hedge.position_side = common::PositionSide::kLong;  // one-way account
  EXPECT_EQ(go(hedge).error, SimError::kInvalidPositionSide);
  // Market min-notional uses the best opposite price.
  go(limit(b_, kSell, "100", "1"));
  EXPECT_EQ(go(market(a_, kBuy, "0.01")).error, SimError::kBelowMinNotional);
  // A rejected validation creates no order.
  EXPECT_EQ(go(limit(a_, kBuy, "100.05", "1")).order_id, 0u);
}

TEST_F(SimTest, DuplicateClientIdAmongOpenOrdersOnly) {
  auto r = limit(a_, kBuy, "99", "1");
  ASSERT_TRUE(r.client_id.from("pg0001"));
  const auto first = go(r);
  ASSERT_EQ(first.error, SimError::kNone);
  EXPECT_EQ(go(r).error, SimError::kDuplicateClientId);
  auto other = limit(b_, kBuy, "99", "1");
  other.client_id = r.client_id;  // another account may use the same text
  EXPECT_EQ(go(other).error, SimError::kNone);
  EXPECT_EQ(ex_.cancel_by_client_id(a_, btc_, "pg0001", ++now_), SimError::kNone);
  EXPECT_EQ(ex_.cancel_by_client_id(a_, btc_, "pg0001", ++now_), SimError::kOrderNotOpen);
  EXPECT_EQ(ex_.cancel_by_client_id(a_, btc_, "nope", ++now_), SimError::kUnknownOrder);
  const auto again = go(r);  // closed orders do not block reuse
  EXPECT_EQ(again.error, SimError::kNone);
  EXPECT_EQ(ex_.find_by_client_id(a_, "pg0001")->id, again.order_id);
  ClientId too_long;
  EXPECT_FALSE(too_long.from(std::string(kMaxClientIdLen + 1, 'x')));
  EXPECT_TRUE(too_long.empty());
}

TEST_F(SimTest, CancelErrorsAndBookUpdate) {
  const auto r = go(limit(a_, kBuy, "99", "1"));
  go(limit(b_, kBuy, "99", "2"));
  EXPECT_EQ(ex_.cancel(b_, btc_, r.order_id, ++now_), SimError::kUnknownOrder);  // not b's
  EXPECT_EQ(ex_.cancel(a_, btc_, 424242, ++now_), SimError::kUnknownOrder);
  rec_.clear();
  EXPECT_EQ(ex_.cancel(a_, btc_, r.order_id, ++now_), SimError::kNone);
  EXPECT_EQ(ex_.cancel(a_, btc_, r.order_id, ++now_), SimError::kOrderNotOpen);
  EXPECT_EQ(ex_.find_order(a_, r.order_id)->status, OrderStatus::kCancelled);
  const std::vector<std::string> want = {"level bid 99 2", "order 1 cancelled 0"};
  EXPECT_EQ(rec_.log, want);
}

TEST_F(SimTest, ModifyPriorityRules) {
  const auto a1 = go(limit(a_, kSell, "100", "1"));
  const auto b1 = go(limit(b_, kSell, "100", "1"));
  // Decrease keeps priority: a1 still first.
  EXPECT_EQ(ex_.modify(a_, btc_, a1.order_id, P("100"), Q("0.5"), ++now_).error, SimError::kNone);
  EXPECT_EQ(levels(BookSide::kAsk)[0].qty, Q("1.5"));
  go(limit(c_, kBuy, "100", "0.5"));
  EXPECT_EQ(ex_.find_order(a_, a1.order_id)->status, OrderStatus::kFilled);
  EXPECT_EQ(ex_.find_order(b_, b1.order_id)->filled, Q("0"));

  // Increase loses priority: b2 (behind b1... ) goes to the back.
  const auto a2 = go(limit(a_, kSell, "100", "1"));  // queue: b1, a2
  EXPECT_EQ(ex_.modify(b_, btc_, b1.order_id, P("100"), Q("2"), ++now_).error, SimError::kNone);
  go(limit(c_, kBuy, "100", "1"));  // queue now a2, b1 -> a2 fills
  EXPECT_EQ(ex_.find_order(a_, a2.order_id)->status, OrderStatus::kFilled);
  EXPECT_EQ(ex_.find_order(b_, b1.order_id)->filled, Q("0"));

  // Price change loses priority and may cross.
  const auto bid = go(limit(c_, kBuy, "99", "1"));
  const auto m = ex_.modify(c_, btc_, bid.order_id, P("100"), Q("1"), ++now_);
  EXPECT_EQ(m.error, SimError::kNone);
  EXPECT_EQ(m.status, OrderStatus::kFilled);
  EXPECT_EQ(ex_.find_order(b_, b1.order_id)->filled, Q("1"));
  // Qty at or below filled is refused; order untouched.
  EXPECT_EQ(ex_.modify(b_, btc_, b1.order_id, P("100"), Q("1"), ++now_).error,
            SimError::kQtyNotPositive);
  EXPECT_EQ(ex_.modify(b_, btc_, b1.order_id, P("100.01"), Q("1.5"), ++now_).error,
            SimError::kPriceOffTick);
  EXPECT_EQ(ex_.modify(b_, btc_, 9999, P("100"), Q("1.5"), ++now_).error, SimError::kUnknownOrder);
}

TEST_F(SimTest, ModifyPostOnlyThatWouldCrossIsRefused) {
  go(limit(b_, kSell, "100", "1"));
  const auto r = go(limit(a_, kBuy, "99", "1", TimeInForce::kPostOnly));
  EXPECT_EQ(ex_.modify(a_, btc_, r.order_id, P("100"), Q("1"), ++now_).error,
            SimError::kPostOnlyWouldCross);
  EXPECT_EQ(ex_.find_order(a_, r.order_id)->price, P("99"));
  EXPECT_EQ(ex_.best(btc_, BookSide::kBid), P("99"));
}

TEST_F(SimTest, SelfTradeExpiresTheRestingOrder) {
  const auto own = go(limit(a_, kSell, "100", "1"));
  const auto other = go(limit(b_, kSell, "100", "1"));
  const auto r = go(limit(a_, kBuy, "100", "1"));
  EXPECT_EQ(r.status, OrderStatus::kFilled);
  EXPECT_EQ(ex_.find_order(a_, own.order_id)->status, OrderStatus::kExpired);
  EXPECT_EQ(ex_.find_order(a_, own.order_id)->filled, Q("0"));
  EXPECT_EQ(ex_.find_order(b_, other.order_id)->status, OrderStatus::kFilled);
  EXPECT_EQ(ex_.position(a_, btc_).qty, Q("1"));
}

TEST_F(SimTest, StopBuyTriggersWhenPriceRisesToTrigger) {
  go(limit(b_, kSell, "100", "0.1"));
  go(limit(c_, kBuy, "100", "0.1"));  // last = 100
  OrderRequest stop = market(a_, kBuy, "0.5");
  stop.type = OrderType::kStopMarket;
  stop.trigger_price = P("99");  // already above: would trigger immediately
  EXPECT_EQ(go(stop).error, SimError::kInvalidTrigger);
  stop.trigger_price = P("101");
  const auto s = go(stop);
  ASSERT_EQ(s.error, SimError::kNone);
  EXPECT_EQ(s.status, OrderStatus::kNew);
  EXPECT_FALSE(ex_.find_order(a_, s.order_id)->triggered);
  go(limit(b_, kSell, "100.5", "0.1"));
  go(limit(b_, kSell, "101", "1"));
  go(limit(c_, kBuy, "100.5", "0.1"));  // last 100.5: not yet
  EXPECT_FALSE(ex_.find_order(a_, s.order_id)->triggered);
  go(limit(c_, kBuy, "101", "0.1"));  // last 101: fires, buys 0.5 at 101
  const SimOrder* o = ex_.find_order(a_, s.order_id);
  EXPECT_TRUE(o->triggered);
  EXPECT_EQ(o->status, OrderStatus::kFilled);
  EXPECT_EQ(o->filled, Q("0.5"));
  EXPECT_EQ(ex_.position(a_, btc_).qty, Q("0.5"));
}

TEST_F(SimTest, TakeProfitSellTriggersOnRiseAndStopSellOnFall) {
  go(limit(b_, kSell, "100", "2"));
  go(limit(a_, kBuy, "100", "2"));  // a long 2 @ 100, last 100
  OrderRequest tp;
  tp.account = a_;
  tp.instrument = btc_;
  tp.side = kSell;
  tp.type = OrderType::kTakeProfitLimit;
  tp.price = P("104");
  tp.trigger_price = P("105");
  tp.qty = Q("1");
  tp.reduce_only = true;
  const auto t = go(tp);
  ASSERT_EQ(t.error, SimError::kNone);
  OrderRequest sl = tp;
  sl.type = OrderType::kStopMarket;
  sl.trigger_price = P("95");
  const auto s = go(sl);
  ASSERT_EQ(s.error, SimError::kNone);
  // Rise to 105: TP fires as a sell limit 104, rests (no bid), then fills.
  go(limit(c_, kSell, "105", "0.1"));
  go(limit(b_, kBuy, "105", "0.1"));
  const SimOrder* tpo = ex_.find_order(a_, t.order_id);
  EXPECT_TRUE(tpo->triggered);
  EXPECT_EQ(tpo->status, OrderStatus::kNew);
  EXPECT_EQ(ex_.best(btc_, BookSide::kAsk), P("104"));
  EXPECT_FALSE(ex_.find_order(a_, s.order_id)->triggered);
  go(limit(b_, kBuy, "104", "1"));
  EXPECT_EQ(ex_.find_order(a_, t.order_id)->status, OrderStatus::kFilled);
  // Fall to 95: the stop sells the remaining 1 at market.
  go(limit(b_, kBuy, "94", "5"));
  go(limit(c_, kBuy, "95", "0.1"));
  go(limit(b_, kSell, "95", "0.1"));
  const SimOrder* so = ex_.find_order(a_, s.order_id);
  EXPECT_TRUE(so->triggered);
  EXPECT_EQ(so->status, OrderStatus::kFilled);
  EXPECT_EQ(ex_.position(a_, btc_).qty, Q("0"));
}

TEST_F(SimTest, ReduceOnlyStopWithoutPositionExpiresWhenFired) {
  go(limit(b_, kSell, "100", "0.1"));
  go(limit(c_, kBuy, "100", "0.1"));
  OrderRequest sl = market(a_, kSell, "1");
  sl.type = OrderType::kStopMarket;
  sl.trigger_price = P("99");
  sl.reduce_only = true;
  const auto s = go(sl);
  ASSERT_EQ(s.error, SimError::kNone);
  go(limit(b_, kBuy, "99", "0.1"));
  go(limit(c_, kSell, "99", "0.1"));
  EXPECT_EQ(ex_.find_order(a_, s.order_id)->status, OrderStatus::kExpired);
  EXPECT_EQ(ex_.position(a_, btc_).qty, Q("0"));
}

TEST_F(SimTest, TrailingStopIsUnsupported) {
  OrderRequest r = market(a_, kSell, "1");
  r.type = OrderType::kTrailingStopMarket;
  r.trigger_price = P("100");
  EXPECT_EQ(go(r).error, SimError::kUnsupportedOrderType);
}

TEST_F(SimTest, EventSequenceOfACrossingOrder) {
  go(limit(b_, kSell, "100", "1"));  // order 1
  rec_.clear();
  go(limit(a_, kBuy, "100.1", "1.5"));  // order 2: fills 1, rests 0.5
  const std::vector<std::string> want = {
      "order 2 new 0",    "trade 100 1 buy", "fill 1 1 maker",
      "order 1 filled 1", "position 1 -1",   "balance 1",
      "level ask 100 0",  "fill 2 1 taker",  "order 2 partially_filled 1",
      "position 0 1",     "balance 0",       "level bid 100.1 0.5",
  };
  EXPECT_EQ(rec_.log, want);
}

TEST_F(SimTest, BookLevelEventsOnRestAndPartialTake) {
  go(limit(b_, kSell, "100", "1"));
  go(limit(c_, kSell, "100", "2"));
  rec_.clear();
  go(limit(a_, kBuy, "100", "0.5", TimeInForce::kIoc));
  std::vector<std::string> levels_seen;
  for (const auto& l : rec_.log)
    if (l.rfind("level", 0) == 0) levels_seen.push_back(l);
  const std::vector<std::string> want = {"level ask 100 2.5"};
  EXPECT_EQ(levels_seen, want);
}

}  // namespace
}  // namespace peregrine::gateways::sim::testing
