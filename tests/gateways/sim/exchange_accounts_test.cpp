// Accounts of the simulated exchange: fees, realized PnL, margin, reduce-only, hedge mode,
// dead-man switch and the bounded history rings.
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

namespace peregrine::gateways::sim::testing {
namespace {

using common::OrderStatus;
using common::PositionSide;
using common::TimeInForce;

TEST_F(SimTest, FeesAndRealizedPnlAreExact) {
  // b sells 0.3 @ 100.1 to a (a taker 5 bp, b maker 2 bp).
  go(limit(b_, kSell, "100.1", "0.3"));
  go(limit(a_, kBuy, "100.1", "0.3"));
  // notional 30.03; taker fee 0.015015; maker fee 0.006006.
  EXPECT_EQ(ex_.balance(a_).wallet, M("100000") - M("0.015015"));
  EXPECT_EQ(ex_.balance(b_).wallet, M("100000") - M("0.006006"));
  SimPosition pa = ex_.position(a_, btc_);
  EXPECT_EQ(pa.qty, Q("0.3"));
  EXPECT_EQ(pa.entry_price, P("100.1"));
  EXPECT_EQ(pa.cost_basis, M("30.03"));
  // Add 0.1 @ 101.3: entry = (30.03 + 10.13) / 0.4 = 100.4.
  go(limit(c_, kSell, "101.3", "0.1"));
  go(limit(a_, kBuy, "101.3", "0.1"));
  EXPECT_EQ(ex_.position(a_, btc_).entry_price, P("100.4"));
  // a sells 0.25 @ 102 as maker: realized = 0.25 * (102 - 100.4) = 0.4.
  go(limit(a_, kSell, "102", "0.25"));
  rec_.clear();
  go(limit(c_, kBuy, "102", "0.25"));
  pa = ex_.position(a_, btc_);
  EXPECT_EQ(pa.qty, Q("0.15"));
  EXPECT_EQ(pa.realized_pnl, M("0.4"));
  EXPECT_EQ(pa.entry_price, P("100.4"));
  ASSERT_EQ(rec_.fills.size(), 2u);
  EXPECT_EQ(rec_.fills[0].account, a_);
  EXPECT_EQ(rec_.fills[0].realized_pnl, M("0.4"));
  EXPECT_EQ(rec_.fills[0].fee, M("0.0051"));  // 25.5 * 2 bp
  EXPECT_EQ(rec_.fills[0].liquidity, common::Liquidity::kMaker);
  const common::Money fees_a = M("0.015015") + M("0.0050650") + M("0.0051");
  EXPECT_EQ(ex_.balance(a_).wallet, M("100000") + M("0.4") - fees_a);
  EXPECT_EQ(pa.fees_paid, fees_a);
  // Unrealized at mark 101: 0.15 * (101 - 100.4) = 0.09.
  ex_.set_mark_price(btc_, P("101"));
  EXPECT_EQ(ex_.balance(a_).unrealized, M("0.09"));
}

TEST_F(SimTest, NegativeMakerFeeIsARebate) {
  SimInstrumentSpec s = ex_.spec(btc_);
  s.symbol = "ETHUSDT";
  s.maker_fee_ppm = -100;
  const auto eth = ex_.add_instrument(s);
  OrderRequest r = limit(b_, kSell, "2000", "1");
  r.instrument = eth;
  go(r);
  r = limit(a_, kBuy, "2000", "1");
  r.instrument = eth;
  go(r);
  EXPECT_EQ(ex_.balance(b_).wallet, M("100000.2"));
  EXPECT_EQ(ex_.balance(a_).wallet, M("99999"));
}

TEST_F(SimTest, PositionFlipRealizesAndReopensAtFillPrice) {
  go(limit(b_, kSell, "100", "1"));
  go(limit(a_, kBuy, "100", "1"));
  go(limit(b_, kBuy, "110", "3"));
  go(limit(a_, kSell, "110", "3"));  // closes 1 (+10), opens short 2 @ 110
  const SimPosition p = ex_.position(a_, btc_);
  EXPECT_EQ(p.qty, Q("-2"));
  EXPECT_EQ(p.entry_price, P("110"));
  EXPECT_EQ(p.realized_pnl, M("10"));
  EXPECT_EQ(p.cost_basis, M("-220"));
}

TEST_F(SimTest, MarginRejectionAndReducingOrdersAllowed) {
  const AccountId poor = ex_.add_account("poor", M("100"));
  // 20x default leverage: 100 USDT buys at most 2000 notional.
  EXPECT_EQ(ex_.leverage(poor, btc_), 20);
  EXPECT_EQ(go(limit(poor, kBuy, "100", "20.01")).error, SimError::kInsufficientMargin);
  const auto ok = go(limit(poor, kBuy, "100", "19"));
  ASSERT_EQ(ok.error, SimError::kNone);
  EXPECT_EQ(ex_.balance(poor).margin_used, M("95"));
  EXPECT_EQ(go(limit(poor, kBuy, "100", "1.01")).error, SimError::kInsufficientMargin);
  EXPECT_EQ(ex_.set_leverage(poor, btc_, 51), SimError::kInvalidLeverage);
  EXPECT_EQ(ex_.set_leverage(poor, btc_, 0), SimError::kInvalidLeverage);
  EXPECT_EQ(ex_.set_leverage(poor, btc_, 40), SimError::kNone);
  EXPECT_EQ(ex_.balance(poor).margin_used, M("47.5"));  // open order re-reserved at 40x
  // Fill it; then a reducing sell larger than "available" still goes through.
  go(limit(b_, kSell, "100", "19"));
  EXPECT_EQ(ex_.position(poor, btc_).qty, Q("19"));
  ex_.set_mark_price(btc_, P("96"));  // -76 unrealized: little left available
  EXPECT_LT(ex_.balance(poor).available, M("0") + M("10"));
  EXPECT_EQ(go(limit(poor, kBuy, "96", "1")).error, SimError::kInsufficientMargin);
  const auto close = go(limit(poor, kSell, "97", "19"));
  EXPECT_EQ(close.error, SimError::kNone);
}

TEST_F(SimTest, ReduceOnlyRules) {
  EXPECT_EQ(
      [&] {
        auto r = limit(a_, kSell, "100", "1");
        r.reduce_only = true;
        return go(r).error;
      }(),
      SimError::kReduceOnlyNoPosition);
  go(limit(b_, kSell, "100", "0.5"));
  go(limit(a_, kBuy, "100", "0.5"));  // a long 0.5
  auto up = limit(a_, kBuy, "99", "1");
  up.reduce_only = true;
  EXPECT_EQ(go(up).error, SimError::kReduceOnlyWouldIncrease);
  go(limit(c_, kBuy, "101", "5"));
  auto down = limit(a_, kSell, "101", "2");
  down.reduce_only = true;
  const auto r = go(down);
  EXPECT_EQ(r.error, SimError::kNone);
  EXPECT_EQ(r.filled, Q("0.5"));  // clipped to the position
  EXPECT_EQ(ex_.find_order(a_, r.order_id)->qty, Q("0.5"));
  EXPECT_EQ(ex_.position(a_, btc_).qty, Q("0"));
}

TEST_F(SimTest, HedgeModeKeepsLongAndShortApart) {
  const AccountId h = ex_.add_account("hedger", M("100000"), true);
  auto open_long = limit(h, kBuy, "100", "1");
  EXPECT_EQ(go(open_long).error, SimError::kInvalidPositionSide);  // kBoth in hedge mode
  open_long.position_side = PositionSide::kLong;
  go(limit(b_, kSell, "100", "1"));
  ASSERT_EQ(go(open_long).status, OrderStatus::kFilled);
  auto open_short = limit(h, kSell, "102", "2");
  open_short.position_side = PositionSide::kShort;
  go(limit(b_, kBuy, "102", "2"));
  ASSERT_EQ(go(open_short).status, OrderStatus::kFilled);
  EXPECT_EQ(ex_.position(h, btc_, PositionSide::kLong).qty, Q("1"));
  EXPECT_EQ(ex_.position(h, btc_, PositionSide::kShort).qty, Q("-2"));
  EXPECT_EQ(ex_.position(h, btc_, PositionSide::kBoth).qty, Q("0"));
  // SELL LONG closes (implicitly reduce-only, clipped to the long's 1).
  go(limit(b_, kBuy, "105", "5"));
  auto close_long = limit(h, kSell, "105", "3");
  close_long.position_side = PositionSide::kLong;
  const auto r = go(close_long);
  EXPECT_EQ(r.filled, Q("1"));
  EXPECT_EQ(ex_.position(h, btc_, PositionSide::kLong).qty, Q("0"));
  EXPECT_EQ(ex_.position(h, btc_, PositionSide::kLong).realized_pnl, M("5"));
  EXPECT_EQ(ex_.position(h, btc_, PositionSide::kShort).qty, Q("-2"));
  // BUY SHORT without a short would be an increase of nothing: refused.
  auto bad = limit(h, kBuy, "90", "1");
  bad.position_side = PositionSide::kLong;
  bad.reduce_only = true;
  EXPECT_EQ(go(bad).error, SimError::kReduceOnlyNoPosition);
}

TEST_F(SimTest, DeadManCancelsOnceWhenItFires) {
  go(limit(a_, kBuy, "99", "1"));
  go(limit(a_, kSell, "101", "1"));
  go(limit(b_, kBuy, "98", "1"));
  ex_.set_dead_man(a_, 5'000);
  ex_.advance(4'999);
  EXPECT_EQ(ex_.open_order_count(a_), 2u);
  rec_.clear();
  ex_.advance(5'000);
  EXPECT_EQ(ex_.open_order_count(a_), 0u);
  EXPECT_EQ(ex_.open_order_count(b_), 1u);
  std::size_t cancels = 0;
  for (const auto& o : rec_.orders) cancels += o.status == OrderStatus::kCancelled ? 1 : 0;
  EXPECT_EQ(cancels, 2u);
  go(limit(a_, kBuy, "99", "1"));
  ex_.advance(6'000);  // does not fire again
  EXPECT_EQ(ex_.open_order_count(a_), 1u);
  ex_.set_dead_man(a_, 7'000);
  ex_.set_dead_man(a_, 0);  // disarmed
  ex_.advance(8'000);
  EXPECT_EQ(ex_.open_order_count(a_), 1u);
}

TEST_F(SimTest, CancelAllFiltersByInstrument) {
  SimInstrumentSpec s = ex_.spec(btc_);
  s.symbol = "ETHUSDT";
  const auto eth = ex_.add_instrument(s);
  go(limit(a_, kBuy, "99", "1"));
  auto r = limit(a_, kBuy, "99", "1");
  r.instrument = eth;
  go(r);
  EXPECT_EQ(ex_.cancel_all(a_, eth, ++now_), 1u);
  EXPECT_EQ(ex_.open_order_count(a_), 1u);
  EXPECT_EQ(ex_.cancel_all(a_, std::nullopt, ++now_), 1u);
  EXPECT_EQ(ex_.find_instrument("ETHUSDT"), eth);
  EXPECT_FALSE(ex_.find_instrument("XRPUSDT").has_value());
  EXPECT_EQ(ex_.find_account("bob"), b_);
}

TEST_F(SimTest, ClosedOrdersAndFillsAreBoundedRings) {
  ex_.set_listener(nullptr);
  OrderId first = 0;
  const std::size_t n = Exchange::kClosedOrdersKept + 50;
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = go(limit(a_, kBuy, "99", "1"));
    if (i == 0) first = r.order_id;
    ASSERT_EQ(ex_.cancel(a_, btc_, r.order_id, ++now_), SimError::kNone);
  }
  EXPECT_EQ(ex_.find_order(a_, first), nullptr);  // evicted
  EXPECT_EQ(ex_.cancel(a_, btc_, first, ++now_), SimError::kUnknownOrder);
  std::size_t fills = 0;
  for (std::size_t i = 0; i < Exchange::kFillsKept + 10; ++i) {
    go(limit(b_, kSell, "100", "0.1"));
    go(limit(a_, kBuy, "100", "0.1"));
  }
  ex_.for_each_fill(a_, [&](const SimFill& f) {
    ++fills;
    EXPECT_EQ(f.qty, Q("0.1"));
  });
  EXPECT_EQ(fills, Exchange::kFillsKept);
}

}  // namespace
}  // namespace peregrine::gateways::sim::testing
