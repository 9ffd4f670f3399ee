// Cross-venue arbitrage on scripted books: fee threshold, staleness, health, in-flight blocking,
// leg failure handling, and sizing on both lot grids.
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
  static XvenueArbConfig defaults() {
    XvenueArbConfig c;
    c.min_edge_bps = 10;
    c.slippage_buffer_bps = 0;
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

}  // namespace
}  // namespace peregrine::strategies
