// Portfolio arithmetic, exact to the last 1e-8: open, add, partial close, flip, hedge legs,
// fees, realized/unrealized, aggregates per venue/asset/strategy, daily PnL and drawdown.
#define PEREGRINE_COUNT_ALLOCS
#include "engine/portfolio/portfolio.hpp"

#include <gtest/gtest.h>

#include "engine/oms/engine_test_support.hpp"

namespace peregrine::engine::portfolio {
namespace {

using common::PositionSide;
using common::Side;
using testing::engine_core::AllocScope;
using testing::engine_core::make_registry;
using testing::engine_core::money;
using testing::engine_core::px;
using testing::engine_core::qty;

class PortfolioTest : public ::testing::Test {
 protected:
  PortfolioTest() : reg_(make_registry()), pf_(PortfolioConfig{8, 4}, reg_) {}
  FillResult trade(std::uint32_t inst, Side side, const char* q, const char* price,
                   const char* fee = "0", PositionSide ps = PositionSide::kBoth,
                   std::uint16_t strategy = 1) {
    common::Fill f;
    f.instrument = InstrumentId{inst};
    f.venue = reg_.get(f.instrument).venue;
    f.side = side;
    f.qty = qty(q);
    f.price = px(price);
    f.fee = money(fee);
    f.strategy = StrategyId{strategy};
    return pf_.on_fill(f, ps);
  }
  common::InstrumentRegistry reg_;
  Portfolio pf_;
};

TEST(PositionTest, OpenAddPartialCloseExact) {
  Position p;
  EXPECT_EQ(p.apply(qty("1"), px("100")), 0);
  EXPECT_EQ(p.apply(qty("1"), px("101")), 0);
  EXPECT_EQ(p.avg_entry(), px("100.5"));
  EXPECT_EQ(money_from_raw16(p.apply(-qty("1"), px("105"))), money("4.5"));
  EXPECT_EQ(p.qty(), qty("1"));
  EXPECT_EQ(p.avg_entry(), px("100.5"));
  EXPECT_EQ(p.unrealized(px("110")), money("9.5"));
  EXPECT_EQ(money_from_raw16(p.apply(-qty("1"), px("99"))), money("-1.5"));
  EXPECT_TRUE(p.flat());
  EXPECT_EQ(p.realized(), money("3"));
  EXPECT_EQ(p.basis_raw(), 0);
}

TEST(PositionTest, RoundTripWithRepeatingAverageIsExactWhenFlat) {
  Position p;
  // Three buys whose average is 100.333..., closed in two uneven pieces.
  static_cast<void>(p.apply(qty("1"), px("100")));
  static_cast<void>(p.apply(qty("1"), px("100")));
  static_cast<void>(p.apply(qty("1"), px("101")));
  static_cast<void>(p.apply(-qty("1"), px("102")));
  static_cast<void>(p.apply(-qty("2"), px("103")));
  // sells 102 + 206 = 308, buys 301: exactly 7 even though the average never was exact.
  EXPECT_EQ(p.realized(), money("7"));
}

TEST(PositionTest, FlipLongToShortOpensRestAtFillPrice) {
  Position p;
  static_cast<void>(p.apply(qty("1"), px("100")));
  EXPECT_EQ(money_from_raw16(p.apply(-qty("3"), px("110"))), money("10"));
  EXPECT_EQ(p.qty(), -qty("2"));
  EXPECT_EQ(p.avg_entry(), px("110"));
  EXPECT_EQ(p.unrealized(px("100")), money("20"));  // short 2 from 110, mark 100
  EXPECT_EQ(money_from_raw16(p.apply(qty("2"), px("105"))), money("10"));
  EXPECT_TRUE(p.flat());
}

TEST_F(PortfolioTest, FeesRealizedAndUnrealizedTotals) {
  trade(0, Side::kBuy, "2", "100", "0.09");
  trade(0, Side::kSell, "0.5", "104", "0.0234");
  EXPECT_EQ(pf_.position(InstrumentId{0}), qty("1.5"));
  EXPECT_EQ(pf_.realized(InstrumentId{0}), money("2"));
  EXPECT_EQ(pf_.fees(InstrumentId{0}), money("0.1134"));
  pf_.mark(InstrumentId{0}, px("102"));
  EXPECT_EQ(pf_.unrealized(InstrumentId{0}), money("3"));
  EXPECT_EQ(pf_.total_pnl(), money("4.8866"));  // 2 - 0.1134 + 3
  EXPECT_EQ(pf_.realized(common::VenueId::kHyperliquid), money("2"));
  EXPECT_EQ(pf_.gross_notional_raw(common::VenueId::kHyperliquid),
            common::notional_raw(px("102"), qty("1.5")));
}

TEST_F(PortfolioTest, HedgeModeLegsAreIndependent) {
  trade(0, Side::kBuy, "1", "100", "0", PositionSide::kLong);
  trade(0, Side::kSell, "2", "101", "0", PositionSide::kShort);
  const Legs& legs = pf_.legs(InstrumentId{0});
  EXPECT_EQ(legs.long_leg().qty(), qty("1"));
  EXPECT_EQ(legs.short_leg().qty(), -qty("2"));
  EXPECT_EQ(pf_.position(InstrumentId{0}), -qty("1"));
  // Close the long leg with a sell on the long side: realized from the long leg only.
  const FillResult r = trade(0, Side::kSell, "1", "103", "0", PositionSide::kLong);
  EXPECT_EQ(money_from_raw16(r.realized_raw), money("3"));
  EXPECT_EQ(legs.short_leg().qty(), -qty("2"));
  // Over-closing a leg is refused beyond its size and counted.
  const FillResult over = trade(0, Side::kBuy, "3", "100", "0", PositionSide::kShort);
  EXPECT_EQ(over.excess, qty("1"));
  EXPECT_EQ(pf_.hedge_overcloses(), 1u);
  EXPECT_TRUE(legs.short_leg().flat());
  EXPECT_EQ(pf_.realized(), money("5"));  // 3 + 2 x (101 - 100)
}

TEST_F(PortfolioTest, AggregatesPerAssetAndStrategy) {
  trade(0, Side::kBuy, "1", "100", "0.1", PositionSide::kBoth, 1);     // BTC@hyperliquid
  trade(1, Side::kSell, "0.4", "101", "0.2", PositionSide::kBoth, 2);  // BTC@coinbase
  const common::AssetId btc = reg_.find_asset("BTC");
  EXPECT_EQ(pf_.asset_position(btc), qty("0.6"));
  trade(0, Side::kSell, "1", "102", "0", PositionSide::kBoth, 1);
  EXPECT_EQ(pf_.strategy_realized(StrategyId{1}), money("2"));
  EXPECT_EQ(pf_.strategy_realized(StrategyId{2}), money("0"));
  EXPECT_EQ(pf_.strategy_fees(StrategyId{2}), money("0.2"));
  pf_.mark(InstrumentId{1}, px("100"));
  EXPECT_EQ(pf_.strategy_unrealized(StrategyId{2}), money("0.4"));
  EXPECT_EQ(pf_.asset_position(btc), -qty("0.4"));
}

TEST_F(PortfolioTest, DailyPnlHighWaterMarkAndDrawdown) {
  trade(0, Side::kBuy, "1", "100");
  pf_.mark(InstrumentId{0}, px("110"));
  EXPECT_EQ(pf_.high_water_mark(), money("10"));
  pf_.start_day();
  pf_.mark(InstrumentId{0}, px("104"));
  EXPECT_EQ(pf_.daily_pnl(), money("-6"));
  EXPECT_EQ(pf_.drawdown(), money("6"));
  EXPECT_EQ(pf_.total_pnl(), money("4"));
}

TEST_F(PortfolioTest, BalancesAccrueBetweenReports) {
  pf_.set_balance(common::VenueId::kHyperliquid, money("1000"));
  trade(0, Side::kBuy, "1", "100", "0.5");
  trade(0, Side::kSell, "1", "101", "0.5");
  EXPECT_EQ(pf_.balance(common::VenueId::kHyperliquid), money("1000"));  // +1 - 1 fees
  trade(0, Side::kBuy, "1", "100", "0");
  trade(0, Side::kSell, "1", "103", "0");
  EXPECT_EQ(pf_.balance(common::VenueId::kHyperliquid), money("1003"));
  pf_.set_balance(common::VenueId::kHyperliquid, money("990"));
  EXPECT_EQ(pf_.balance(common::VenueId::kHyperliquid), money("990"));
}

TEST_F(PortfolioTest, BadFillIsRejectedAndCounted) {
  common::Fill f;
  f.instrument = InstrumentId{99};
  f.qty = qty("1");
  f.price = px("1");
  EXPECT_FALSE(pf_.on_fill(f, PositionSide::kBoth).ok);
  EXPECT_EQ(pf_.rejected_fills(), 1u);
}

TEST_F(PortfolioTest, UpdatesDoNotAllocate) {
  AllocScope scope;
  for (int i = 0; i < 100; ++i) {
    trade(0, Side::kBuy, "1", "100", "0.1");
    pf_.mark(InstrumentId{0}, px("101"));
    trade(0, Side::kSell, "1", "102", "0.1");
  }
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_EQ(pf_.realized(), money("200"));
}

}  // namespace
}  // namespace peregrine::engine::portfolio
