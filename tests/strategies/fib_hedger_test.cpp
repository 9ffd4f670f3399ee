// Fibonacci hedger on scripted price paths through the FakeContext simulator.
#include "strategies/fib_hedger.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "common/rng.hpp"
#include "strategies/intent_ext.hpp"
#include "strategies/params.hpp"
#include "strategies/support/fake_context.hpp"

namespace peregrine::strategies {
namespace {

using common::IntentAction;
using common::PositionSide;
using common::Qty;
using common::Side;
using testing::FakeContext;
using testing::qt;

struct Rig {
  FakeContext ctx;
  common::InstrumentId main;
  common::InstrumentId hedge;
  std::unique_ptr<FibHedger> s;

  explicit Rig(FibHedgerConfig cfg, bool same_instrument_hedge = false,
               bool update_before_fills = false) {
    ctx.set_update_before_fills(update_before_fills);
    main = ctx.add_instrument(common::VenueId::kHyperliquid, "BTC", 0.01, 0.001);
    hedge = ctx.add_instrument(common::VenueId::kBinance, "BTC", 0.01, 0.001);
    s = std::make_unique<FibHedger>(common::StrategyId{3}, std::move(cfg), main,
                                    same_instrument_hedge ? common::InstrumentId{} : hedge);
    s->on_start(ctx);
  }
  void mid(double m) {
    ctx.advance_by(testing::kSec);
    ctx.set_mid(main, m);
    ctx.set_mid(hedge, m);
    ctx.step(*s, main);
  }
  // Walks the mid from `from` to `to` in `n` equal steps (excluding `from`).
  void walk(double from, double to, int n) {
    for (int i = 1; i <= n; ++i) mid(from + (to - from) * i / n);
  }
  std::vector<common::OrderIntent> orders_on(common::InstrumentId id) const {
    std::vector<common::OrderIntent> out;
    for (const auto& i : ctx.new_orders()) {
      if (i.instrument == id) out.push_back(i);
    }
    return out;
  }
};

FibHedgerConfig base_cfg() {
  FibHedgerConfig c;
  c.order_qty = qt(1);
  c.anchor = AnchorMode::kEntry;
  c.trailing_stop_pct = 0;  // off unless a test wants it
  c.hedge_mode = HedgeMode::kOtherVenue;
  c.hedge_venue = common::VenueId::kBinance;
  c.reduce_fractions = {0.25, 0.25};
  return c;
}

TEST(FibHedger, EntersAndTracksSwing) {
  Rig r(base_cfg());
  r.mid(100);
  ASSERT_EQ(r.s->state(), FibHedger::State::kActive);
  EXPECT_EQ(r.s->main_qty(), qt(1));
  EXPECT_NEAR(r.s->entry_price(), 100.01, 1e-9);  // bought at the ask
  EXPECT_EQ(r.ctx.position(r.main), qt(1));
  r.walk(100, 110, 10);
  EXPECT_DOUBLE_EQ(r.s->extreme(), 110);
  EXPECT_EQ(r.ctx.new_orders().size(), 1u);  // only the entry on the way up
}

// Found in a paper session: the venue's "filled" ack arrived before the user stream's fill, the
// entry looked unfilled and the hedger re-entered on every book.
TEST(FibHedger, TerminalUpdateBeforeFillsCountsTheEntryOnce) {
  Rig r(base_cfg(), false, /*update_before_fills=*/true);
  r.mid(100);
  ASSERT_EQ(r.s->state(), FibHedger::State::kActive);
  EXPECT_EQ(r.s->main_qty(), qt(1));  // from the update's cumulative qty; the late fill is not
  r.walk(100, 101, 5);                // counted again
  EXPECT_EQ(r.ctx.new_orders().size(), 1u);
  EXPECT_EQ(r.s->main_qty(), qt(1));
}

TEST(FibHedger, EachLevelFiresExactlyOnceDespiteFlicker) {
  Rig r(base_cfg());
  r.mid(100);
  r.walk(100, 110, 10);
  // range = 110 - 100.01 = 9.99: 0.236 -> 107.642, 0.382 -> 106.184, 0.5 -> 105.005
  for (int k = 0; k < 10; ++k) {  // flicker across the hedge level
    r.mid(107.60);
    r.mid(107.70);
  }
  auto hedges = r.orders_on(r.hedge);
  ASSERT_EQ(hedges.size(), 1u);
  EXPECT_EQ(hedges[0].side, Side::kSell);
  EXPECT_EQ(hedges[0].qty, qt(0.5));
  EXPECT_EQ(hedges[0].tif, common::TimeInForce::kIoc);
  EXPECT_EQ(r.ctx.position(r.hedge), qt(-0.5));
  for (int k = 0; k < 10; ++k) {  // flicker across 0.382
    r.mid(106.10);
    r.mid(106.30);
  }
  for (int k = 0; k < 10; ++k) {  // and across 0.5
    r.mid(104.90);
    r.mid(105.10);
  }
  r.mid(103);
  auto mains = r.orders_on(r.main);
  ASSERT_EQ(mains.size(), 3u);  // entry + two reductions
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(mains[i].side, Side::kSell);
    EXPECT_EQ(mains[i].qty, qt(0.25));
    EXPECT_TRUE(mains[i].flags & common::intent_flags::kReduceOnly);
  }
  EXPECT_EQ(r.s->hedges_opened(), 1u);
  EXPECT_EQ(r.s->reductions(), 2u);
  EXPECT_EQ(r.ctx.position(r.main), qt(0.5));
  EXPECT_EQ(r.orders_on(r.hedge).size(), 1u);
}

TEST(FibHedger, NewHighRemovesHedgeAndRearms) {
  Rig r(base_cfg());
  r.mid(100);
  r.walk(100, 110, 10);
  r.mid(107.5);
  ASSERT_EQ(r.s->hedge_qty(), qt(0.5));
  r.mid(110.05);  // a marginal new high (< 0.1% above 110) must not churn the hedge
  EXPECT_EQ(r.s->hedge_qty(), qt(0.5));
  EXPECT_EQ(r.s->hedges_removed(), 0u);
  r.mid(110.2);
  EXPECT_EQ(r.s->hedges_removed(), 1u);
  EXPECT_EQ(r.s->rearms(), 1u);
  EXPECT_EQ(r.s->hedge_qty(), Qty{});
  EXPECT_EQ(r.ctx.position(r.hedge), Qty{});
  auto hedges = r.orders_on(r.hedge);
  ASSERT_EQ(hedges.size(), 2u);
  EXPECT_EQ(hedges[1].side, Side::kBuy);
  EXPECT_TRUE(hedges[1].flags & common::intent_flags::kReduceOnly);
  // Re-anchored on the pullback low 107.5: range 2.7, 0.236 -> 109.56.
  EXPECT_DOUBLE_EQ(r.s->anchor(), 107.5);
  r.mid(109.7);
  EXPECT_EQ(r.s->hedges_opened(), 1u);
  r.mid(109.5);
  EXPECT_EQ(r.s->hedges_opened(), 2u);
  EXPECT_EQ(r.ctx.position(r.hedge), qt(-0.5));
}

TEST(FibHedger, TrailingStopClosesEverything) {
  auto cfg = base_cfg();
  cfg.trailing_stop_pct = 3;
  Rig r(cfg);
  r.mid(100);
  r.walk(100, 110, 10);
  r.mid(107.6);  // hedge (r ~ 0.24)
  ASSERT_EQ(r.ctx.position(r.hedge), qt(-0.5));
  r.mid(106.8);  // 2.9% below the high: still holding
  EXPECT_EQ(r.ctx.position(r.main), qt(1));
  r.mid(106.6);  // 3.1% below
  EXPECT_TRUE(r.s->stopped_out());
  EXPECT_EQ(r.s->state(), FibHedger::State::kDone);
  EXPECT_EQ(r.ctx.position(r.main), Qty{});
  EXPECT_EQ(r.ctx.position(r.hedge), Qty{});
  EXPECT_TRUE(r.ctx.noted("trailing stop"));
  const auto n = r.ctx.intents.size();
  r.walk(106.6, 95, 5);  // done: no more orders
  EXPECT_EQ(r.ctx.intents.size(), n);
}

TEST(FibHedger, ShortMirror) {
  auto cfg = base_cfg();
  cfg.side = Side::kSell;
  Rig r(cfg);
  r.mid(100);
  EXPECT_EQ(r.ctx.position(r.main), qt(-1));
  EXPECT_NEAR(r.s->entry_price(), 99.99, 1e-9);
  r.walk(100, 90, 10);
  // range = 90 - 99.99: 0.236 -> 92.358, 0.382 -> 93.816, 0.5 -> 94.995
  r.mid(92.2);
  EXPECT_EQ(r.s->hedges_opened(), 0u);
  r.mid(92.4);
  ASSERT_EQ(r.s->hedges_opened(), 1u);
  EXPECT_EQ(r.orders_on(r.hedge)[0].side, Side::kBuy);
  EXPECT_EQ(r.ctx.position(r.hedge), qt(0.5));
  r.mid(93.9);
  r.mid(95.1);
  EXPECT_EQ(r.s->reductions(), 2u);
  EXPECT_EQ(r.ctx.position(r.main), qt(-0.5));
  auto mains = r.orders_on(r.main);
  EXPECT_EQ(mains.back().side, Side::kBuy);
  // New low beyond the rearm margin removes the hedge.
  r.mid(89.8);
  EXPECT_EQ(r.s->hedges_removed(), 1u);
  EXPECT_EQ(r.ctx.position(r.hedge), Qty{});
}

TEST(FibHedger, ShortTrailingStop) {
  auto cfg = base_cfg();
  cfg.side = Side::kSell;
  cfg.trailing_stop_pct = 2;
  Rig r(cfg);
  r.mid(100);
  r.walk(100, 90, 10);
  r.mid(91.7);  // 1.9% above the low
  EXPECT_FALSE(r.s->stopped_out());
  r.mid(91.9);
  EXPECT_TRUE(r.s->stopped_out());
  EXPECT_EQ(r.ctx.position(r.main), Qty{});
}

TEST(FibHedger, OneWayDegradesToNetReductionAndSaysSo) {
  auto cfg = base_cfg();
  cfg.hedge_mode = HedgeMode::kOneWay;
  Rig r(cfg, true);
  EXPECT_TRUE(r.ctx.noted("one-way"));
  r.mid(100);
  r.walk(100, 110, 10);
  r.mid(107.5);
  auto mains = r.orders_on(r.main);
  ASSERT_EQ(mains.size(), 2u);
  EXPECT_EQ(mains[1].side, Side::kSell);
  EXPECT_EQ(mains[1].qty, qt(0.5));
  EXPECT_TRUE(mains[1].flags & common::intent_flags::kReduceOnly);
  EXPECT_TRUE(r.orders_on(r.hedge).empty());
  EXPECT_EQ(r.ctx.position(r.main), qt(0.5));
  EXPECT_TRUE(r.ctx.noted("degraded to net reduction"));
  r.mid(110.5);  // removal buys the size back
  EXPECT_EQ(r.ctx.position(r.main), qt(1));
  EXPECT_EQ(r.s->main_qty(), qt(1));
}

// Evaluation finding 1: with an entry anchor the swing starts at zero, so the first small dip was
// a "deep retracement" and fired the whole ladder seconds into a trend.
TEST(FibHedger, NoLevelFiresBelowMinRange) {
  Rig r(base_cfg());  // min_range_pct default 0.5
  r.mid(100);
  r.walk(100, 100.4, 4);                     // swing 0.39 on 100.01: 0.39% < 0.5%
  r.mid(100.05);                             // r = 0.9 of that swing
  r.mid(99.9);                               // and below the anchor
  EXPECT_EQ(r.ctx.new_orders().size(), 1u);  // only the entry
  EXPECT_EQ(r.s->hedges_opened(), 0u);
  EXPECT_EQ(r.s->reductions(), 0u);
  r.walk(99.9, 101, 11);  // swing 0.99%: the ladder is live, r measured on the whole swing
  r.mid(100.8);           // r = 0.20
  EXPECT_EQ(r.s->hedges_opened(), 0u);
  r.mid(100.7);  // r = 0.30
  EXPECT_EQ(r.s->hedges_opened(), 1u);
  EXPECT_EQ(r.s->reductions(), 0u);
  EXPECT_EQ(r.ctx.position(r.hedge), qt(-0.5));
}

TEST(FibHedger, ShortNoLevelFiresBelowMinRange) {
  auto cfg = base_cfg();
  cfg.side = Side::kSell;
  Rig r(cfg);
  r.mid(100);
  r.walk(100, 99.6, 4);  // swing 0.39 on 99.99
  r.mid(99.95);
  EXPECT_EQ(r.ctx.new_orders().size(), 1u);
  r.walk(99.95, 99, 10);  // swing 0.99%: hedge at 99.234
  r.mid(99.2);
  EXPECT_EQ(r.s->hedges_opened(), 0u);
  r.mid(99.3);
  EXPECT_EQ(r.s->hedges_opened(), 1u);
  EXPECT_EQ(r.ctx.position(r.hedge), qt(0.5));
}

// Before the swing exists (price straight down from the entry) the ladder is silent, but the
// trailing stop must still protect the position.
TEST(FibHedger, TrailingStopGuardsBeforeAnySwing) {
  auto cfg = base_cfg();
  cfg.trailing_stop_pct = 3;
  Rig r(cfg);
  r.mid(100);
  r.mid(98);  // 2.0% below the entry 100.01
  EXPECT_FALSE(r.s->stopped_out());
  r.mid(96.9);  // 3.1% below
  EXPECT_TRUE(r.s->stopped_out());
  EXPECT_EQ(r.s->state(), FibHedger::State::kDone);
  EXPECT_EQ(r.ctx.position(r.main), Qty{});
  EXPECT_EQ(r.s->hedges_opened(), 0u);
}

// Evaluation finding 2: one-way, the degraded hedge (0.5) plus 0.25 + 0.25 flattened the whole
// position and skipped 0.618; the new high then bought 0.5 back. Now the fractions apply to what
// the hedge left, every level fires, and the re-arm buys back exactly what the hedge sold.
TEST(FibHedger, OneWayLadderNeverOverClosesAndBuysBackOnlyTheHedge) {
  auto cfg = base_cfg();
  cfg.hedge_mode = HedgeMode::kOneWay;
  cfg.levels = {0.382, 0.5, 0.618};
  cfg.reduce_fractions = {0.25, 0.25, 0.25};
  Rig r(cfg, true);
  r.mid(100);
  r.walk(100, 110, 10);
  // range 9.99: 0.236 -> 107.642, 0.382 -> 106.184, 0.5 -> 105.005, 0.618 -> 103.836
  r.mid(107.5);
  EXPECT_EQ(r.ctx.position(r.main), qt(0.5));
  r.mid(106.1);
  r.mid(104.9);
  r.mid(103.7);
  auto mains = r.orders_on(r.main);
  ASSERT_EQ(mains.size(), 5u);  // entry, degraded hedge, three reductions
  EXPECT_EQ(mains[1].qty, qt(0.5));
  for (std::size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(mains[i].side, Side::kSell);
    EXPECT_EQ(mains[i].qty, qt(0.125));  // 0.25 of the 0.5 the hedge left
    EXPECT_TRUE(mains[i].flags & common::intent_flags::kReduceOnly);
  }
  EXPECT_EQ(r.s->reductions(), 3u);
  EXPECT_EQ(r.ctx.position(r.main), qt(0.125));
  EXPECT_EQ(r.s->main_qty(), qt(0.125));
  EXPECT_EQ(r.s->hedge_qty(), qt(0.5));
  r.walk(103.7, 110.2, 10);  // a real new high: 0.18% above 110, 6.3% above the pullback
  EXPECT_EQ(r.s->hedges_removed(), 1u);
  EXPECT_EQ(r.s->rearms(), 1u);
  mains = r.orders_on(r.main);
  ASSERT_EQ(mains.size(), 6u);
  EXPECT_EQ(mains[5].side, Side::kBuy);
  EXPECT_EQ(mains[5].qty, qt(0.5));
  EXPECT_FALSE(mains[5].flags & common::intent_flags::kReduceOnly);
  EXPECT_EQ(r.ctx.position(r.main), qt(0.625));
  EXPECT_EQ(r.s->main_qty(), qt(0.625));
  EXPECT_EQ(r.s->hedge_qty(), Qty{});
  // The next ladder is sized on the re-armed 0.625: hedge 0.3125 -> 0.312 (lot 0.001).
  EXPECT_DOUBLE_EQ(r.s->anchor(), 103.7);
  r.mid(108.6);  // range 6.5, 0.236 -> 108.666
  EXPECT_EQ(r.s->hedges_opened(), 2u);
  EXPECT_EQ(r.ctx.position(r.main), qt(0.313));
}

// One-way: a new high past rearm_pct that is not a swing of min_range_pct from the pullback does
// not buy the degraded hedge back (the churn seen on the captures); a real new swing does.
TEST(FibHedger, OneWayBuyBackWaitsForARealNewSwing) {
  auto cfg = base_cfg();
  cfg.hedge_mode = HedgeMode::kOneWay;
  cfg.min_range_pct = 5;
  Rig r(cfg, true);
  r.mid(100);
  r.walk(100, 110, 10);  // 10% swing
  r.mid(107.6);          // hedge (r = 0.24)
  ASSERT_EQ(r.ctx.position(r.main), qt(0.5));
  r.mid(110.2);  // 0.18% above 110 but only 2.4% above the pullback 107.6
  EXPECT_EQ(r.s->hedges_removed(), 0u);
  EXPECT_EQ(r.s->rearms(), 0u);
  EXPECT_EQ(r.ctx.position(r.main), qt(0.5));
  EXPECT_EQ(r.orders_on(r.main).size(), 2u);
  r.mid(109);  // back under the old high: r = 0.1, nothing fires twice
  EXPECT_EQ(r.s->hedges_opened(), 1u);
  r.mid(113.1);  // 5.1% above the pullback
  EXPECT_EQ(r.s->hedges_removed(), 1u);
  EXPECT_EQ(r.s->rearms(), 1u);
  EXPECT_EQ(r.ctx.position(r.main), qt(1));
  EXPECT_DOUBLE_EQ(r.s->anchor(), 107.6);
}

TEST(FibHedger, HedgeModeUsesOppositePositionSide) {
  auto cfg = base_cfg();
  cfg.hedge_mode = HedgeMode::kHedgeMode;
  Rig r(cfg, true);
  r.mid(100);
  r.walk(100, 110, 10);
  r.mid(107.5);
  auto mains = r.orders_on(r.main);
  ASSERT_EQ(mains.size(), 2u);
  EXPECT_EQ(mains[0].position_side, PositionSide::kLong);
  EXPECT_EQ(mains[1].position_side, PositionSide::kShort);
  EXPECT_EQ(mains[1].side, Side::kSell);
  EXPECT_FALSE(mains[1].flags & common::intent_flags::kReduceOnly);
}

TEST(FibHedger, SubAccountFlagsTheHedge) {
  auto cfg = base_cfg();
  cfg.hedge_mode = HedgeMode::kSubAccount;
  Rig r(cfg, true);
  r.mid(100);
  r.walk(100, 110, 10);
  r.mid(107.5);
  auto mains = r.orders_on(r.main);
  ASSERT_EQ(mains.size(), 2u);
  EXPECT_TRUE(mains[1].flags & intent_ext::kHedgeAccount);
  EXPECT_FALSE(mains[0].flags & intent_ext::kHedgeAccount);
}

TEST(FibHedger, LookbackAnchorAdoptsExistingPosition) {
  auto cfg = base_cfg();
  cfg.order_qty = Qty{};
  cfg.anchor = AnchorMode::kLookback;
  cfg.swing_lookback = std::chrono::minutes(10);
  Rig r(cfg);
  r.mid(98);
  r.mid(95);  // the swing low before the position exists
  r.mid(99);
  EXPECT_EQ(r.s->state(), FibHedger::State::kWaitBook);
  r.ctx.set_position(r.main, qt(2));
  r.mid(100);
  ASSERT_EQ(r.s->state(), FibHedger::State::kActive);
  EXPECT_DOUBLE_EQ(r.s->anchor(), 95);
  EXPECT_EQ(r.s->main_qty(), qt(2));
  r.mid(105);
  // range 10: hedge at 102.64
  r.mid(102.7);
  EXPECT_EQ(r.s->hedges_opened(), 0u);
  r.mid(102.6);
  EXPECT_EQ(r.s->hedges_opened(), 1u);
  EXPECT_EQ(r.ctx.position(r.hedge), qt(-1));
}

TEST(FibHedger, InvalidBookNeverTrades) {
  Rig r(base_cfg());
  r.mid(100);
  r.walk(100, 110, 10);
  r.ctx.invalidate(r.main);
  r.ctx.step(*r.s, r.main);
  r.ctx.set_mid(r.main, 104);
  r.ctx.invalidate(r.main);
  r.ctx.step(*r.s, r.main);
  EXPECT_EQ(r.ctx.new_orders().size(), 1u);
}

TEST(FibHedger, DeniedEntryRetries) {
  Rig r(base_cfg());
  r.ctx.deny_next(1);
  r.mid(100);
  EXPECT_EQ(r.s->state(), FibHedger::State::kWaitBook);
  r.mid(100);
  EXPECT_EQ(r.s->state(), FibHedger::State::kActive);
}

TEST(FibHedgerConfig, DefaultsAndPaperKeys) {
  ParamMap p = {{"hedge_venue", "binance"},
                {"swing_lookback", "4h"},
                {"levels", "0.382,0.5,0.618"},
                {"order_qty", "0.001"}};
  auto r = load_params<FibHedgerConfig>(
      p, [](common::ConfigNode& n, FibHedgerConfig& c) { load(n, c); });
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.value.hedge_mode, HedgeMode::kOtherVenue);
  EXPECT_EQ(r.value.levels.size(), 3u);
  EXPECT_EQ(r.value.reduce_fractions.size(), 3u);
  EXPECT_EQ(r.value.order_qty, qt(0.001));
  EXPECT_DOUBLE_EQ(r.value.hedge_level, 0.236);
  EXPECT_EQ(r.value.swing_lookback, std::chrono::hours(4));
  EXPECT_DOUBLE_EQ(r.value.min_range_pct, 0.5);
}

TEST(FibHedgerConfig, MinRangePct) {
  ParamMap p = {{"hedge_venue", "binance"}, {"min_range_pct", "0.1"}};
  auto r = load_params<FibHedgerConfig>(
      p, [](common::ConfigNode& n, FibHedgerConfig& c) { load(n, c); });
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_DOUBLE_EQ(r.value.min_range_pct, 0.1);
  for (const char* bad : {"-0.1", "51", "abc"}) {
    ParamMap q = {{"hedge_venue", "binance"}, {"min_range_pct", bad}};
    auto e = load_params<FibHedgerConfig>(
        q, [](common::ConfigNode& n, FibHedgerConfig& c) { load(n, c); });
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.errors[0].to_string().find("min_range_pct"), std::string::npos) << bad;
  }
}

TEST(FibHedgerConfig, ReportsEveryErrorAtOnce) {
  ParamMap p = {
      {"hedge_level", "2"}, {"levels", "0.5,0.382"},       {"reduce_fractions", "0.6,0.6"},
      {"bogus", "1"},       {"hedge_mode", "other_venue"}, {"order_qty", "-1"}};
  auto r = load_params<FibHedgerConfig>(
      p, [](common::ConfigNode& n, FibHedgerConfig& c) { load(n, c); }, "strategies[0].params");
  std::string all;
  for (const auto& e : r.errors) all += e.to_string() + "\n";
  EXPECT_NE(all.find("strategies[0].params.hedge_level"), std::string::npos) << all;
  EXPECT_NE(all.find("levels: must be ascending"), std::string::npos) << all;
  EXPECT_NE(all.find("reduce_fractions: must sum"), std::string::npos) << all;
  EXPECT_NE(all.find("bogus"), std::string::npos) << all;
  EXPECT_NE(all.find("hedge_venue: required"), std::string::npos) << all;
  EXPECT_NE(all.find("order_qty"), std::string::npos) << all;
  EXPECT_GE(r.errors.size(), 6u);
}

// A long trend then a retrace: the hedger against buy-and-hold of the same size from the same
// entry. Reports upside captured and maximum drawdown (also in docs/strategies.md).
TEST(FibHedgerPath, TrendThenRetraceBeatsBuyAndHoldOnDrawdown) {
  auto cfg = base_cfg();
  cfg.trailing_stop_pct = 6;
  cfg.reduce_fractions = {0.25, 0.25};
  Rig r(cfg);
  common::Rng rng(42);
  double m = 100;
  r.mid(m);
  const double entry = r.s->entry_price();
  double peak_eq = 0, mdd_strat = 0, peak_bh = 0, mdd_bh = 0, peak_mid = m;
  auto track = [&] {
    const double eq = r.ctx.equity();
    const double bh = m - entry;  // 1 unit, no fees
    peak_eq = std::max(peak_eq, eq);
    peak_bh = std::max(peak_bh, bh);
    mdd_strat = std::max(mdd_strat, peak_eq - eq);
    mdd_bh = std::max(mdd_bh, peak_bh - bh);
    peak_mid = std::max(peak_mid, m);
  };
  // 2000 steps of +0.025% drift with 0.15% noise, then 1500 steps of -0.04% drift.
  for (int i = 0; i < 2000; ++i) {
    m *= 1.0 + 0.00025 + 0.0015 * rng.normal();
    r.mid(std::round(m * 100) / 100);
    track();
  }
  for (int i = 0; i < 1500; ++i) {
    m *= 1.0 - 0.0004 + 0.0015 * rng.normal();
    r.mid(std::round(m * 100) / 100);
    track();
  }
  const double strat = r.ctx.equity();
  const double bh = m - entry;
  const double upside = peak_mid - entry;
  std::cout << "trend-then-retrace: entry " << entry << " peak " << peak_mid << " end " << m
            << "\n  hedger PnL " << strat << " (" << 100 * strat / upside
            << "% of the upside), max drawdown " << mdd_strat << "\n  buy-and-hold PnL " << bh
            << " (" << 100 * bh / upside << "% of the upside), max drawdown " << mdd_bh
            << "\n  hedges " << r.s->hedges_opened() << " removed " << r.s->hedges_removed()
            << " reductions " << r.s->reductions() << " stopped " << r.s->stopped_out() << " fees "
            << r.ctx.fees_paid() << "\n";
  EXPECT_GT(upside, 0);
  EXPECT_LT(mdd_strat, mdd_bh);
  EXPECT_GT(strat, bh);
}

}  // namespace
}  // namespace peregrine::strategies
