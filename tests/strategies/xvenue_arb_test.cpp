// Cross-venue arbitrage on scripted books: fee threshold, staleness, health, in-flight blocking,
// leg failure handling, sizing on both lot grids; learning from outcomes (required edge, back-off,
// relaxation), persistence, leg pricing, repeat guard, per-pair PnL and inventory.
#include "strategies/xvenue_arb.hpp"

#include <gtest/gtest.h>

#include "strategies/params.hpp"
#include "strategies/support/fake_context.hpp"

namespace peregrine::strategies {
namespace {

using common::Qty;
using common::Side;
using common::VenueId;
using testing::FakeContext;
using testing::qt;

struct Rig {
  FakeContext ctx;
  common::InstrumentId a, b;
  std::unique_ptr<XvenueArb> s;
  // Venue A: taker 4.5 bp, lot 0.001; venue B: taker 5 bp, lot 0.01 (ETH-like grids).
  explicit Rig(XvenueArbConfig cfg = defaults(), double lot_a = 0.001, double lot_b = 0.01) {
    a = ctx.add_instrument(VenueId::kHyperliquid, "ETH", 0.01, lot_a, 0.00045);
    b = ctx.add_instrument(VenueId::kBinance, "ETH", 0.01, lot_b, 0.0005);
    s = std::make_unique<XvenueArb>(common::StrategyId{5}, cfg,
                                    std::vector<common::InstrumentId>{a, b});
  }
  // The plain threshold behaviour: no learned surcharge before outcomes, act on the first
  // update, legs at the touch, no repeat guard. Tests of those features turn them on.
  static XvenueArbConfig defaults() {
    XvenueArbConfig c;
    c.min_edge_bps = 10;
    c.slippage_buffer_bps = 0;
    c.safety_edge_bps = 0;
    c.prior_fail_rate = 0;
    c.persist_updates = 1;
    c.limit_slack_share = 0;
    c.repeat_guard = common::Duration(0);
    return c;
  }
  // A asks `ask_a`, B bids `bid_b`; the other sides are far away so only one direction trades.
  void quote(double ask_a, double bid_b, double qa = 5, double qb = 5) {
    ctx.advance_by(testing::kSec / 100);
    ctx.set_book_sizes(a, ask_a - 1, 5, ask_a, qa);
    ctx.set_book_sizes(b, bid_b, qb, bid_b + 1, 5);
    ctx.step(*s, a);
    ctx.step(*s, b);
  }
  // 100 ms later, quote(): with a repeat guard of 50 ms the second update of the same quote
  // does not resend the same pair, so each round is at most one pair.
  void round(double ask_a, double bid_b) {
    ctx.advance_by(testing::kSec / 10);
    quote(ask_a, bid_b);
  }
};

// Required gross spread for a 10 bp net edge: 4.5 + 5 + 10 = 19.5 bp of the ask.
TEST(XvenueArb, EdgeJustBelowThresholdDoesNotTrade) {
  Rig r;
  r.quote(2000.00, 2000.00 * (1 + 0.00194));  // 19.4 bp gross
  EXPECT_TRUE(r.ctx.new_orders().empty());
  EXPECT_NEAR(r.s->last_edge_bps(), 9.9, 0.05);
}

TEST(XvenueArb, EdgeJustAboveThresholdTradesBothLegsAsIoc) {
  Rig r;
  r.quote(2000.00, 2000.00 * (1 + 0.00196));  // 19.6 bp gross = 10.1 bp net
  auto o = r.ctx.new_orders();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].instrument, r.a);
  EXPECT_EQ(o[0].side, Side::kBuy);
  EXPECT_EQ(o[1].instrument, r.b);
  EXPECT_EQ(o[1].side, Side::kSell);
  for (const auto& i : o) EXPECT_EQ(i.tif, common::TimeInForce::kIoc);
  EXPECT_EQ(o[0].price, testing::px(2000.00));
  EXPECT_EQ(o[0].qty, qt(5));
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kBothFilled), 1u);
  EXPECT_EQ(r.ctx.position(r.a), qt(5));
  EXPECT_EQ(r.ctx.position(r.b), qt(-5));
  EXPECT_GT(r.s->realized_pnl(), 0);
  EXPECT_TRUE(r.ctx.noted("outcome both_filled"));
}

TEST(XvenueArb, ReverseDirectionIsFoundToo) {
  Rig r;
  r.ctx.set_book_sizes(r.b, 1999, 5, 2000, 5);  // B cheap
  r.ctx.set_book_sizes(r.a, 2005, 5, 2006, 5);  // A rich: buy B, sell A (25 bp gross)
  r.ctx.step(*r.s, r.a);
  r.ctx.step(*r.s, r.b);
  auto o = r.ctx.new_orders();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].instrument, r.b);
  EXPECT_EQ(o[0].side, Side::kBuy);
  EXPECT_EQ(o[1].instrument, r.a);
}

TEST(XvenueArb, StaleBookNeverTrades) {
  Rig r;
  r.ctx.set_book_sizes(r.a, 1999, 5, 2000, 5);
  r.ctx.step(*r.s, r.a);
  r.ctx.advance_by(testing::kSec);  // A's last update is now 1 s old (> 500 ms)
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.ctx.step(*r.s, r.b);
  EXPECT_TRUE(r.ctx.new_orders().empty());
  r.ctx.step(*r.s, r.a);  // A refreshed: now it trades
  EXPECT_EQ(r.ctx.new_orders().size(), 2u);
}

TEST(XvenueArb, InvalidBookNeverTrades) {
  Rig r;
  r.ctx.set_book_sizes(r.a, 1999, 5, 2000, 5);
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.ctx.invalidate(r.b);
  r.ctx.step(*r.s, r.a);
  r.ctx.step(*r.s, r.b);
  EXPECT_TRUE(r.ctx.new_orders().empty());
}

TEST(XvenueArb, UnhealthyVenueNeverTrades) {
  Rig r;
  r.ctx.set_venue_healthy(VenueId::kBinance, false);
  r.quote(2000, 2010);
  EXPECT_TRUE(r.ctx.new_orders().empty());
  r.ctx.set_venue_healthy(VenueId::kBinance, true);
  common::VenueStatus st;
  st.venue = VenueId::kHyperliquid;
  st.state = common::VenueState::kStale;
  r.s->on_venue_status(r.ctx, st);
  r.quote(2000, 2010);
  EXPECT_TRUE(r.ctx.new_orders().empty());
  st.state = common::VenueState::kConnected;
  r.s->on_venue_status(r.ctx, st);
  r.quote(2000, 2010);
  EXPECT_GE(r.ctx.new_orders().size(), 2u);
  EXPECT_GE(r.s->pairs_sent(), 1u);
}

TEST(XvenueArb, InFlightPairBlocksTheNext) {
  Rig r;
  r.ctx.set_book_sizes(r.a, 1999, 5, 2000, 5);
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.s->on_book(r.ctx, r.a);  // no pump: reports not yet delivered
  r.s->on_book(r.ctx, r.b);
  EXPECT_TRUE(r.s->in_flight());
  EXPECT_EQ(r.ctx.new_orders().size(), 2u);
  r.s->on_book(r.ctx, r.a);
  EXPECT_EQ(r.ctx.new_orders().size(), 2u);
  r.ctx.pump(*r.s);
  EXPECT_FALSE(r.s->in_flight());
  r.ctx.step(*r.s, r.a);
  EXPECT_EQ(r.ctx.new_orders().size(), 4u);
}

TEST(XvenueArb, LegFailureUnwindsOnTheFilledVenueWithinCap) {
  Rig r;
  r.ctx.set_ioc_fill_ratio(r.b, 0.0);  // the sell leg gets nothing
  r.quote(2000, 2010);
  auto o = r.ctx.new_orders();
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o[2].instrument, r.a);
  EXPECT_EQ(o[2].side, Side::kSell);
  EXPECT_EQ(o[2].qty, qt(5));
  EXPECT_EQ(o[2].tif, common::TimeInForce::kIoc);
  // Best bid on A is 1999; the 0.5% cap puts the limit at 1989.005 -> 1989.01 (rounded up).
  EXPECT_EQ(o[2].price, testing::px(1989.01));
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 1u);
  EXPECT_EQ(r.ctx.position(r.a), Qty{});
  EXPECT_EQ(r.ctx.position(r.b), Qty{});
  EXPECT_LT(r.s->realized_pnl(), 0);  // paid the spread and fees: honest loss
  EXPECT_FALSE(r.s->in_flight());
}

TEST(XvenueArb, PartialLegCompletesOnOtherVenueWhenConfigured) {
  auto cfg = Rig::defaults();
  cfg.leg_policy = LegPolicy::kComplete;
  Rig r(cfg);
  r.ctx.set_next_ioc_fill_ratio(r.b, 0.6);  // the sell leg sells 3 of 5
  r.ctx.set_book_sizes(r.a, 1999, 5, 2000, 5);
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.s->on_book(r.ctx, r.a);  // b not seen yet: no trade
  r.ctx.step(*r.s, r.b);
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kCompleted), 1u);
  EXPECT_EQ(r.ctx.position(r.a), qt(5));
  EXPECT_EQ(r.ctx.position(r.b), qt(-5));
  auto o = r.ctx.new_orders();
  ASSERT_GE(o.size(), 3u);
  EXPECT_EQ(o[2].instrument, r.b);
  EXPECT_EQ(o[2].side, Side::kSell);
  EXPECT_EQ(o[2].qty, qt(2));
}

TEST(XvenueArb, UnwindThatCannotFillIsStuckAndHalts) {
  auto cfg = Rig::defaults();
  cfg.max_unwind_attempts = 2;
  Rig r(cfg);
  r.ctx.set_ioc_fill_ratio(r.b, 0.0);
  r.ctx.set_ioc_fill_ratio(r.a, 1.0);
  // Make A's bid disappear beyond the cap after the buy: the unwind IOC cannot fill.
  r.ctx.set_book_sizes(r.a, 1999, 5, 2000, 5);
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.s->on_book(r.ctx, r.a);
  r.s->on_book(r.ctx, r.b);
  r.ctx.set_ioc_fill_ratio(r.a, 0.0);  // the buy has already filled at submit
  r.ctx.pump(*r.s);
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kStuck), 1u);
  EXPECT_TRUE(r.s->halted());
  EXPECT_TRUE(r.ctx.noted("halted"));
  const auto n = r.ctx.new_orders().size();
  r.quote(2000, 2010);
  EXPECT_EQ(r.ctx.new_orders().size(), n);
}

// The paper session found it: the risk gate refuses an identical intent within its duplicate
// window, and an unwind resent at once was that intent again, three times, so the pair went
// "stuck" and the strategy halted. A refused unwind now waits, re-prices and is sent again.
TEST(XvenueArb, RefusedUnwindIsRetriedAfterAPauseNotAtOnce) {
  Rig r;
  r.ctx.set_ioc_fill_ratio(r.b, 0.0);  // the sell leg gets nothing: unwind the buy on A
  r.ctx.set_book_sizes(r.a, 1999, 5, 2000, 5);
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.s->on_book(r.ctx, r.a);
  r.s->on_book(r.ctx, r.b);
  ASSERT_EQ(r.ctx.new_orders().size(), 2u);
  r.ctx.deny_next(1);  // the first unwind order is refused
  r.ctx.pump(*r.s);
  EXPECT_EQ(r.ctx.intents.size(), 3u);  // legs + the refused unwind, nothing resent yet
  EXPECT_TRUE(r.s->in_flight());
  EXPECT_FALSE(r.s->halted());
  r.ctx.advance_by(testing::kSec / 20);  // 50 ms: still inside the pause
  r.ctx.pump(*r.s);
  EXPECT_EQ(r.ctx.intents.size(), 3u);
  r.ctx.advance_by(testing::kSec / 10);  // past the 100 ms pause: re-priced and sent
  r.ctx.pump(*r.s);
  ASSERT_EQ(r.ctx.intents.size(), 4u);
  EXPECT_EQ(r.ctx.intents[3].instrument, r.a);
  EXPECT_EQ(r.ctx.intents[3].side, Side::kSell);
  EXPECT_NE(r.ctx.intents[3].cloid, r.ctx.intents[2].cloid);
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 1u);
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kStuck), 0u);
  EXPECT_FALSE(r.s->halted());
  EXPECT_EQ(r.ctx.position(r.a), Qty{});
  EXPECT_FALSE(r.ctx.noted("halted"));
}

// Every attempt refused: stuck once (one note, one outcome), with the matched quantity's PnL
// only (nothing matched here), never the unmatched leg's notional.
TEST(XvenueArb, UnwindRefusedEveryTimeIsStuckOnce) {
  auto cfg = Rig::defaults();
  cfg.max_unwind_attempts = 2;
  Rig r(cfg);
  r.ctx.set_ioc_fill_ratio(r.b, 0.0);
  r.ctx.set_book_sizes(r.a, 1999, 5, 2000, 5);
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.s->on_book(r.ctx, r.a);
  r.s->on_book(r.ctx, r.b);
  r.ctx.deny_next(10);
  for (int i = 0; i < 10; ++i) {
    r.ctx.pump(*r.s);
    r.ctx.advance_by(testing::kSec / 5);
  }
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kStuck), 1u);
  EXPECT_TRUE(r.s->halted());
  EXPECT_EQ(r.ctx.intents.size(), 4u);  // two legs, two refused unwinds
  // The buy's fee only (5 x 2000 x 4.5 bp): the long residual stays an open position, not a
  // -10000 "loss".
  EXPECT_NEAR(r.s->realized_pnl(), -4.5, 1e-6);
}

TEST(XvenueArb, SizeOnBothLotGridsAndCaps) {
  auto cfg = Rig::defaults();
  cfg.max_notional = common::Money::from_raw(5'000LL * 100'000'000LL);  // 2.5 ETH at 2000
  Rig r(cfg, 0.004, 0.006);                                             // lcm = 0.012
  r.quote(2000, 2010, 10, 10);
  auto o = r.ctx.new_orders();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].qty, qt(2.496));  // floor(2.5 / 0.012) * 0.012
  EXPECT_TRUE(o[0].qty.on_grid(qt(0.004)));
  EXPECT_TRUE(o[0].qty.on_grid(qt(0.006)));
}

TEST(XvenueArb, SizeLimitedByTopOfBookAndPositionRoom) {
  auto cfg = Rig::defaults();
  cfg.max_position = qt(3);
  Rig r(cfg);
  r.ctx.set_position(r.a, qt(2));  // room to buy 1 on A
  r.quote(2000, 2010, 1.5, 0.7);
  auto o = r.ctx.new_orders();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].qty, qt(0.7));  // min(top qty 1.5 / 0.7, room 1)
}

// --- Learning from outcomes --------------------------------------------------------------------

// One unwound pair on the Rig: buy 5 @ 2000 on A (fee 4.5), B sells nothing, unwind sells 5 @ 1999
// on A (fee 4.49775): PnL = 5 x (1999 - 2000) - 8.99775 = -13.99775 on a 10000 notional.
constexpr double kUnwoundPnl = -13.99775;

TEST(XvenueArb, FailureRateRaisesRequiredEdgeAfterUnwindsAndRelaxesAfterSuccesses) {
  auto cfg = Rig::defaults();
  cfg.learn_alpha = 0.5;
  cfg.backoff_after = 1000;  // no cool-down in this test
  cfg.stats_half_life = common::Duration(0);
  cfg.repeat_guard = std::chrono::milliseconds(50);
  Rig r(cfg);
  const auto now = [&] { return r.ctx.clock().now_ns(); };
  r.round(2000, 2000 * (1 + 0.0025));  // 25 bp gross = 15.5 bp net: trades at a 10 bp floor
  ASSERT_EQ(r.s->outcomes(XvenueArb::Outcome::kBothFilled), 1u);
  EXPECT_NEAR(r.s->required_edge_bps(0, 1, now()), 10.0, 1e-9);

  r.ctx.set_ioc_fill_ratio(r.b, 0.0);
  r.round(2000, 2010);  // unwound
  ASSERT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 1u);
  const double pf = r.s->failure_rate(0, 1, now());
  EXPECT_NEAR(pf, 0.5, 1e-9);
  // Cost prior = both taker fees (9.5 bp), one EWMA step toward the realized 13.99775 bp.
  const double cost = r.s->failure_cost_bps(0, 1, now());
  EXPECT_NEAR(cost, 9.5 + 0.5 * (-kUnwoundPnl - 9.5), 1e-6);
  const double req1 = r.s->required_edge_bps(0, 1, now());
  EXPECT_NEAR(req1, 10.0 + pf * cost / (1.0 - pf), 1e-9);
  EXPECT_GT(req1, 20.0);

  // The same 15.5 bp edge that traded before is no longer enough.
  r.ctx.set_ioc_fill_ratio(r.b, 1.0);
  const auto n = r.ctx.new_orders().size();
  r.round(2000, 2000 * (1 + 0.0025));
  EXPECT_EQ(r.ctx.new_orders().size(), n);
  EXPECT_NEAR(r.s->required_edge_bps(), req1, 1e-9);

  // Successes relax it step by step until the 15.5 bp edge trades again.
  double prev = req1;
  for (int i = 0; i < 3; ++i) {
    r.round(2000, 2010);
    const double req = r.s->required_edge_bps(0, 1, now());
    EXPECT_LT(req, prev);
    prev = req;
  }
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kBothFilled), 4u);
  EXPECT_LT(prev, 15.5);
  r.round(2000, 2000 * (1 + 0.0025));
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kBothFilled), 5u);
}

TEST(XvenueArb, EstimatesRelaxTowardPriorsWhenQuiet) {
  auto cfg = Rig::defaults();
  cfg.learn_alpha = 1.0;
  cfg.backoff_after = 1000;
  cfg.stats_half_life = std::chrono::seconds(10);
  Rig r(cfg);
  r.ctx.set_ioc_fill_ratio(r.b, 0.0);
  r.quote(2000, 2010);
  const auto t0 = r.ctx.clock().now_ns();
  EXPECT_NEAR(r.s->failure_rate(0, 1, t0), 1.0, 1e-9);
  EXPECT_NEAR(r.s->failure_rate(0, 1, t0 + 10 * testing::kSec), 0.5, 1e-9);  // one half-life
  EXPECT_GT(r.s->required_edge_bps(0, 1, t0), 100.0);
  EXPECT_LT(r.s->required_edge_bps(0, 1, t0 + 120 * testing::kSec), 10.1);
}

TEST(XvenueArb, BackOffAfterConsecutiveFailuresThenRecovers) {
  auto cfg = Rig::defaults();
  cfg.learn_alpha = 0.01;  // keep the required edge low: this test is about the pause
  cfg.backoff_after = 2;
  cfg.backoff_base = std::chrono::milliseconds(500);
  cfg.backoff_max = std::chrono::seconds(1);
  cfg.repeat_guard = std::chrono::milliseconds(50);
  Rig r(cfg);
  r.ctx.set_ioc_fill_ratio(r.b, 0.0);
  r.round(2000, 2010);
  EXPECT_EQ(r.s->backoffs(), 0u);
  r.round(2000, 2010);
  ASSERT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 2u);
  EXPECT_EQ(r.s->backoffs(), 1u);
  EXPECT_EQ(r.s->cooldown_until(0, 1), r.ctx.clock().now_ns() + testing::kSec / 2);
  EXPECT_TRUE(r.ctx.noted("backoff 2 failures in a row: pause 500 ms"));
  const auto n = r.ctx.new_orders().size();
  for (int i = 0; i < 4; ++i) r.round(2000, 2010);  // 110 .. 440 ms: cooling down
  EXPECT_EQ(r.ctx.new_orders().size(), n);
  r.round(2000, 2010);  // 550 ms: one more try, fails again: the pause doubles
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 3u);
  EXPECT_EQ(r.s->cooldown_until(0, 1), r.ctx.clock().now_ns() + testing::kSec);
  r.round(2000, 2010);
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 3u);
  r.ctx.advance_by(testing::kSec);
  r.round(2000, 2010);  // fails again: capped at backoff_max (1 s), not 2 s
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 4u);
  EXPECT_EQ(r.s->cooldown_until(0, 1), r.ctx.clock().now_ns() + testing::kSec);
  // The venue fills again: after the pause a pair fills and the streak is over.
  r.ctx.set_ioc_fill_ratio(r.b, 1.0);
  r.ctx.advance_by(testing::kSec);
  r.round(2000, 2010);
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kBothFilled), 1u);
  r.round(2000, 2010);  // no pause after a success
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kBothFilled), 2u);
  EXPECT_EQ(r.s->backoffs(), 3u);
}

TEST(XvenueArb, EdgeMustPersistForConsecutiveUpdates) {
  auto cfg = Rig::defaults();
  cfg.persist_updates = 3;
  Rig r(cfg);
  r.quote(2000, 2010);  // A alone (B never seen), then B: held on 1 evaluation
  EXPECT_TRUE(r.ctx.new_orders().empty());
  r.quote(2000, 2010);  // 2, then 3: acts on the third
  EXPECT_EQ(r.ctx.new_orders().size(), 2u);
  // A flicker: above, below, above, above: the dip restarts the count.
  r.quote(2000, 2010);  // (the count of the persisting edge carries on across the pair)
  const auto n = r.ctx.new_orders().size();
  r.quote(2000, 2001);  // gone on both evaluations
  r.ctx.advance_by(testing::kSec / 100);
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.ctx.step(*r.s, r.b);  // 1
  r.ctx.step(*r.s, r.a);  // 2
  EXPECT_EQ(r.ctx.new_orders().size(), n);
  r.ctx.step(*r.s, r.b);  // 3
  EXPECT_EQ(r.ctx.new_orders().size(), n + 2);
}

TEST(XvenueArb, EdgeMustPersistForMinimumTime) {
  auto cfg = Rig::defaults();
  cfg.persist_min = std::chrono::milliseconds(50);
  cfg.repeat_guard = std::chrono::milliseconds(100);  // one pair, not one per update
  Rig r(cfg);
  r.quote(2000, 2010);                              // first seen at t (on B's update)
  for (int i = 0; i < 4; ++i) r.quote(2000, 2010);  // t + 40 ms
  EXPECT_TRUE(r.ctx.new_orders().empty());
  r.quote(2000, 2010);  // t + 50 ms
  EXPECT_EQ(r.ctx.new_orders().size(), 2u);
}

// --- Leg pricing, duplicates and report ordering -----------------------------------------------

TEST(XvenueArb, LegLimitsGoThroughTheTouchByAShareOfTheSurplus) {
  auto cfg = Rig::defaults();
  cfg.slippage_buffer_bps = 2;
  cfg.limit_slack_share = 0.5;
  Rig r(cfg);
  r.quote(2000, 2010);  // 50 bp gross - 9.5 fees - 2 buffer = 38.5 net; 28.5 above the floor
  auto o = r.ctx.new_orders();
  ASSERT_EQ(o.size(), 2u);
  // Each leg 0.5 x (2 + 28.5) / 2 = 7.625 bp through, whole ticks toward the touch:
  // 2000 x 7.625 bp = 1.525 -> 1.52; 2010 x 7.625 bp = 1.5326 -> 1.53.
  EXPECT_EQ(o[0].price, testing::px(2001.52));
  EXPECT_EQ(o[1].price, testing::px(2008.47));
  // Worst case (both legs fill at their limits): 50 - 2 x 7.625 gross = 25.25 bp after fees,
  // i.e. the floor plus half the surplus; at share 1 it would be the floor itself.
  const double worst = (2008.47 - 2001.52) / 2001.52 * 1e4 - 9.5;
  EXPECT_NEAR(worst, 25.25, 0.1);
  // The fills take the resting touch (2000 / 2010): the slack costs nothing when not needed.
  EXPECT_NEAR(r.s->realized_pnl(), 5 * 10.0 - 4.5 - 5.025, 1e-6);
}

TEST(XvenueArb, IdenticalLegsAreNotResentWithinTheRepeatGuard) {
  auto cfg = Rig::defaults();
  cfg.repeat_guard = std::chrono::milliseconds(100);
  Rig r(cfg);
  r.quote(2000, 2010);
  ASSERT_EQ(r.ctx.new_orders().size(), 2u);
  r.quote(2000, 2010);  // 10 ms later the same two intents: the risk gate would refuse them
  EXPECT_EQ(r.ctx.new_orders().size(), 2u);
  r.quote(2000, 2010.5);  // the buy leg is still the same intent: nothing
  EXPECT_EQ(r.ctx.new_orders().size(), 2u);
  r.quote(2000.5, 2010.5);  // both legs differ: sent once (not again on B's update)
  EXPECT_EQ(r.ctx.new_orders().size(), 4u);
  r.quote(2000, 2010);  // the first pair's legs again (30 ms old, not the latest): nothing
  EXPECT_EQ(r.ctx.new_orders().size(), 4u);
  r.ctx.advance_by(testing::kSec / 10);
  r.quote(2000.5, 2010.5);  // the guard has passed
  EXPECT_EQ(r.ctx.new_orders().size(), 6u);
}

// A terminal report that leads its fills (a REST "FILLED" before the user stream's fills) must
// not read as an unfilled leg: the pair waits for the fills.
TEST(XvenueArb, ReportBeforeFillsIsNotALegFailure) {
  Rig r;
  r.ctx.set_update_before_fills(true);
  r.quote(2000, 2010);
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kBothFilled), 1u);
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 0u);
  EXPECT_EQ(r.ctx.new_orders().size(), 2u);
  EXPECT_NEAR(r.s->realized_pnl(), 50.0 - 4.5 - 5.025, 1e-6);
  EXPECT_DOUBLE_EQ(r.s->net_inventory(), 0.0);
}

// --- Honest per-pair PnL -------------------------------------------------------------------------

TEST(XvenueArb, PerPairPnlIncludesUnwindFillsAndAllFees) {
  auto cfg = Rig::defaults();
  cfg.repeat_guard = std::chrono::milliseconds(50);
  Rig r(cfg);
  r.ctx.set_ioc_fill_ratio(r.b, 0.0);
  r.round(2000, 2010);
  ASSERT_EQ(r.s->outcomes(XvenueArb::Outcome::kUnwound), 1u);
  EXPECT_NEAR(r.s->realized_pnl(), kUnwoundPnl, 1e-6);
  EXPECT_NEAR(r.s->fees_paid(), 4.5 + 4.49775, 1e-6);
  EXPECT_NEAR(r.s->gross_captured(), -5.0, 1e-6);
  // Flat again, so the strategy's PnL is the account's cash change.
  EXPECT_NEAR(r.s->realized_pnl(), r.ctx.equity(), 1e-6);
  EXPECT_NEAR(r.s->fees_paid(), r.ctx.fees_paid(), 1e-6);
  EXPECT_TRUE(r.ctx.noted("outcome unwound #1 pnl -13.99"));
  EXPECT_TRUE(r.ctx.noted("fees 8.99"));
  // Then a filled pair: +50 - 4.5 - 5.025.
  r.ctx.set_ioc_fill_ratio(r.b, 1.0);
  r.round(2000, 2010);
  EXPECT_NEAR(r.s->realized_pnl(), kUnwoundPnl + 40.475, 1e-6);
  EXPECT_TRUE(r.ctx.noted("outcome both_filled #2 pnl 40.47"));
}

// --- Inventory -----------------------------------------------------------------------------------

// A stuck long (halt_on_stuck off) is worked off by the next pair's larger sell leg, and the
// closed inventory is realized against its cost.
TEST(XvenueArb, NetDriftIsFlattenedByTheNextPair) {
  auto cfg = Rig::defaults();
  cfg.max_unwind_attempts = 1;
  cfg.halt_on_stuck = false;
  Rig r(cfg);
  r.ctx.set_ioc_fill_ratio(r.b, 0.0);
  r.ctx.set_book_sizes(r.a, 1999, 5, 2000, 5);
  r.ctx.set_book_sizes(r.b, 2010, 5, 2011, 5);
  r.s->on_book(r.ctx, r.a);
  r.s->on_book(r.ctx, r.b);
  r.ctx.set_ioc_fill_ratio(r.a, 0.0);  // the buy filled at submit; the unwind gets nothing
  r.ctx.pump(*r.s);
  ASSERT_EQ(r.s->outcomes(XvenueArb::Outcome::kStuck), 1u);
  EXPECT_FALSE(r.s->halted());
  EXPECT_DOUBLE_EQ(r.s->net_inventory(), 5.0);
  EXPECT_NEAR(r.s->realized_pnl(), -4.5, 1e-6);  // the residual is carried at cost
  r.ctx.set_ioc_fill_ratio(r.a, 1.0);
  r.ctx.set_ioc_fill_ratio(r.b, 1.0);
  r.quote(2000, 2010, 5, 10);
  // A's update: the pair with 5 extra on the sell leg; B's update: a balanced pair again.
  auto o = r.ctx.new_orders();
  ASSERT_EQ(o.size(), 7u);  // legs, the failed unwind, then two pairs
  EXPECT_EQ(o[3].qty, qt(5));
  EXPECT_EQ(o[4].side, Side::kSell);
  EXPECT_EQ(o[4].qty, qt(10));  // 5 for the pair + 5 of drift
  EXPECT_EQ(o[5].qty, qt(5));
  EXPECT_EQ(o[6].qty, qt(5));
  EXPECT_EQ(r.s->outcomes(XvenueArb::Outcome::kBothFilled), 2u);
  EXPECT_NEAR(r.s->net_inventory(), 0.0, 1e-9);
  EXPECT_EQ(r.ctx.position(r.a), qt(15));
  EXPECT_EQ(r.ctx.position(r.b), qt(-15));
  // Flattening pair: 5 x (2010 - 2000) - 4.5 - 10.05 fees, plus the inventory's 5 closed at
  // 2010 against its 2000 cost; the balanced pair: 50 - 4.5 - 5.025.
  EXPECT_NEAR(r.s->realized_pnl(), -4.5 + (50 - 4.5 - 10.05 + 50) + (50 - 4.5 - 5.025), 1e-6);
}

// Three venues, two directions over the bar: the one that reduces the venues' positions wins
// a small edge difference (inventory_pref_bps), not a large one.
TEST(XvenueArb, PrefersTheDirectionThatReducesInventory) {
  for (const double pref : {0.0, 5.0}) {
    auto cfg = Rig::defaults();
    cfg.inventory_pref_bps = pref;
    FakeContext ctx;
    const auto a = ctx.add_instrument(VenueId::kHyperliquid, "ETH", 0.01, 0.001, 0.00045);
    const auto b = ctx.add_instrument(VenueId::kBinance, "ETH", 0.01, 0.001, 0.00045);
    const auto c = ctx.add_instrument(VenueId::kBybit, "ETH", 0.01, 0.001, 0.00045);
    XvenueArb s(common::StrategyId{5}, cfg, {a, b, c});
    ctx.set_position(a, qt(3));                 // long on A from earlier pairs
    ctx.set_book_sizes(b, 1990, 5, 2000, 5);    // B is cheap: buy here
    ctx.set_book_sizes(a, 2009, 5, 2020, 5);    // sell A: 45 bp gross
    ctx.set_book_sizes(c, 2009.5, 5, 2020, 5);  // sell C: 47.5 bp gross
    s.on_book(ctx, a);
    s.on_book(ctx, c);
    ctx.step(s, b);  // all three seen: both directions out of B qualify
    auto o = ctx.new_orders();
    ASSERT_EQ(o.size(), 2u) << pref;
    EXPECT_EQ(o[0].instrument, b);
    EXPECT_EQ(o[1].instrument, pref > 0 ? a : c) << pref;
  }
}

TEST(XvenueArbConfig, PaperKeysAndErrors) {
  ParamMap ok = {{"other_venue", "bybit"}, {"min_edge_bps", "3"}, {"max_qty", "0.5"}};
  auto r = load_params<XvenueArbConfig>(
      ok, [](common::ConfigNode& n, XvenueArbConfig& c) { load(n, c); });
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.value.other_venue, VenueId::kBybit);
  EXPECT_EQ(r.value.max_qty, qt(0.5));
  ParamMap bad = {
      {"other_venue", "kraken"}, {"leg_policy", "pray"}, {"max_book_age", "0s"}, {"x", "1"}};
  auto e = load_params<XvenueArbConfig>(
      bad, [](common::ConfigNode& n, XvenueArbConfig& c) { load(n, c); });
  EXPECT_EQ(e.errors.size(), 4u);
}

TEST(XvenueArbConfig, LearningKeysAndErrors) {
  ParamMap ok = {
      {"safety_edge_bps", "2"},    {"learn_alpha", "0.3"},     {"prior_fail_rate", "0.2"},
      {"backoff_after", "3"},      {"backoff_base", "250ms"},  {"backoff_max", "5s"},
      {"persist_updates", "4"},    {"persist_min", "20ms"},    {"limit_slack_share", "0.25"},
      {"halt_on_stuck", "false"},  {"stats_half_life", "30s"}, {"fill_wait", "2s"},
      {"inventory_pref_bps", "1"}, {"repeat_guard", "0s"}};
  auto r = load_params<XvenueArbConfig>(
      ok, [](common::ConfigNode& n, XvenueArbConfig& c) { load(n, c); });
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.value.backoff_after, 3);
  EXPECT_EQ(r.value.backoff_base, std::chrono::milliseconds(250));
  EXPECT_EQ(r.value.persist_updates, 4);
  EXPECT_EQ(r.value.persist_min, std::chrono::milliseconds(20));
  EXPECT_FALSE(r.value.halt_on_stuck);
  EXPECT_DOUBLE_EQ(r.value.limit_slack_share, 0.25);
  ParamMap bad = {{"learn_alpha", "0"},     {"prior_fail_rate", "1.5"},
                  {"backoff_base", "1s"},   {"backoff_max", "500ms"},
                  {"persist_updates", "0"}, {"limit_slack_share", "2"},
                  {"fill_wait", "0s"},      {"max_required_edge_bps", "5"}};
  auto e = load_params<XvenueArbConfig>(
      bad, [](common::ConfigNode& n, XvenueArbConfig& c) { load(n, c); });
  ASSERT_EQ(e.errors.size(), 7u);
  std::string all;
  for (const auto& x : e.errors) all += x.to_string() + "\n";
  EXPECT_NE(all.find("backoff_max"), std::string::npos) << all;
  EXPECT_NE(all.find("max_required_edge_bps"), std::string::npos) << all;
}

}  // namespace
}  // namespace peregrine::strategies
