// Confluence analyzer components on known inputs, and the executor's policy: thresholds,
// score-scaled capped sizing, cooldown, one position per asset, exits and alerts.
#include <gtest/gtest.h>

#include "strategies/confluence/analyzer.hpp"
#include "strategies/confluence/executor.hpp"
#include "strategies/params.hpp"
#include "strategies/support/fake_context.hpp"

namespace peregrine::strategies::confluence {
namespace {

using common::Money;
using common::Qty;
using common::Side;
using common::VenueId;
using strategies::testing::FakeContext;
using strategies::testing::kSec;
using strategies::testing::qt;

TEST(Analyzer, ComponentMappingsOnKnownInputs) {
  EXPECT_DOUBLE_EQ(Analyzer::imbalance_score(10, 10), 50);
  EXPECT_DOUBLE_EQ(Analyzer::imbalance_score(30, 10), 75);
  EXPECT_DOUBLE_EQ(Analyzer::imbalance_score(0, 10), 0);
  EXPECT_DOUBLE_EQ(Analyzer::imbalance_score(0, 0), 50);
  EXPECT_DOUBLE_EQ(Analyzer::flow_score(9, 1), 90);
  EXPECT_DOUBLE_EQ(Analyzer::momentum_score(1, 2), 75);
  EXPECT_DOUBLE_EQ(Analyzer::momentum_score(-5, 2), 0);
  EXPECT_DOUBLE_EQ(Analyzer::spread_score(0.5, 1, 10), 100);
  EXPECT_DOUBLE_EQ(Analyzer::spread_score(5.5, 1, 10), 50);
  EXPECT_DOUBLE_EQ(Analyzer::spread_score(12, 1, 10), 0);
}

TEST(Analyzer, BookImbalanceOverTopLevels) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kBinance, "BTC", 0.1, 0.001);
  AnalyzerConfig cfg;
  cfg.depth_levels = 2;
  Analyzer a(cfg);
  // Top two: bids 3+1, asks 1+1 -> (4-2)/6 -> 66.67; the third ask level is ignored.
  ctx.set_levels(id, {{100.0, 3}, {99.9, 1}, {99.8, 50}}, {{100.1, 1}, {100.2, 1}, {100.3, 50}});
  const auto& c = a.on_book(ctx.book(id), ctx.clock().now_ns());
  EXPECT_NEAR(c.imbalance, 66.6667, 1e-3);
  EXPECT_DOUBLE_EQ(c.flow, 50);
  EXPECT_DOUBLE_EQ(c.momentum, 50);
  // One 0.1 tick at 100 is ~10 bp: at the wide end, so almost no confidence.
  EXPECT_NEAR(c.spread, Analyzer::spread_score(0.1 / 100.05 * 1e4, 1, 10), 1e-9);
  EXPECT_LT(c.spread, 1);
}

TEST(Analyzer, TradeFlowWindowForgetsOldTrades) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kBinance, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  AnalyzerConfig cfg;
  cfg.flow_window = std::chrono::seconds(32);
  Analyzer a(cfg);
  common::Trade t;
  t.instrument = id;
  t.qty = qt(3);
  t.aggressor = Side::kBuy;
  a.on_trade(t, ctx.clock().now_ns());
  t.qty = qt(1);
  t.aggressor = Side::kSell;
  a.on_trade(t, ctx.clock().now_ns());
  EXPECT_DOUBLE_EQ(a.on_book(ctx.book(id), ctx.clock().now_ns()).flow, 75);
  ctx.advance_by(40 * kSec);
  EXPECT_DOUBLE_EQ(a.on_book(ctx.book(id), ctx.clock().now_ns()).flow, 50);
}

TEST(Analyzer, MomentumNormalizedByVolatility) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kBinance, "BTC", 0.01, 0.001);
  AnalyzerConfig cfg;
  cfg.momentum_samples = 5;
  Analyzer a(cfg);
  // Steady rise with alternating step sizes: strong z, score near 100.
  const double path[] = {100, 100.2, 100.3, 100.5, 100.6};
  for (double m : path) {
    ctx.set_mid(id, m);
    a.on_book(ctx.book(id), ctx.clock().now_ns());
    ctx.advance_by(kSec);
  }
  EXPECT_GT(a.momentum_z(), 2);
  EXPECT_DOUBLE_EQ(a.last().momentum, 100);
  // A choppy path with no net move: z = 0.
  Analyzer b(cfg);
  for (double m : {100.0, 100.5, 100.0, 100.5, 100.0}) {
    ctx.set_mid(id, m);
    b.on_book(ctx.book(id), ctx.clock().now_ns());
    ctx.advance_by(kSec);
  }
  EXPECT_NEAR(b.momentum_z(), 0, 1e-9);
  EXPECT_NEAR(b.last().momentum, 50, 1e-6);
}

TEST(Analyzer, WideSpreadPullsTheScoreToFifty) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kBinance, "BTC", 0.01, 0.001);
  AnalyzerConfig cfg;
  cfg.w_flow = 0;
  cfg.w_momentum = 0;  // imbalance only
  cfg.spread_weight = 1;
  Analyzer a(cfg);
  ctx.set_book_sizes(id, 99.99, 9, 100.0, 1);  // ~1 bp: imbalance 90 at full strength
  EXPECT_NEAR(a.on_book(ctx.book(id), 0).score, 90, 1e-3);
  ctx.set_book_sizes(id, 99.0, 9, 101.0, 1);  // 200 bp: no confidence
  EXPECT_NEAR(a.on_book(ctx.book(id), 0).score, 50, 1e-6);
}

ExecutorConfig exec_cfg() {
  ExecutorConfig c;
  c.use_analyzer = false;
  c.base_notional = Money::from_raw(1'000LL * 100'000'000LL);
  c.max_notional = Money::from_raw(1'500LL * 100'000'000LL);
  c.scale = 1.0;
  c.cooldown = std::chrono::seconds(60);
  return c;
}

struct Rig {
  FakeContext ctx;
  common::InstrumentId id;
  std::unique_ptr<ConfluenceExecutor> s;
  explicit Rig(ExecutorConfig cfg = exec_cfg()) {
    id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
    ctx.set_mid(id, 100);
    s = std::make_unique<ConfluenceExecutor>(common::StrategyId{4}, cfg, id);
  }
  void signal(double score) {
    Signal sig;
    sig.asset = ctx.instruments().asset_of(id);
    sig.score = score;
    sig.source = 1;
    s->on_signal(ctx, sig);
    ctx.pump(*s);
  }
};

TEST(Executor, SizingScalesPastThresholdAndIsCapped) {
  Rig r;
  EXPECT_DOUBLE_EQ(r.s->notional_for(69.9), 0);
  EXPECT_DOUBLE_EQ(r.s->notional_for(50), 0);
  EXPECT_DOUBLE_EQ(r.s->notional_for(70), 1000);
  EXPECT_DOUBLE_EQ(r.s->notional_for(76), 1200);   // 20% past -> x1.2
  EXPECT_DOUBLE_EQ(r.s->notional_for(100), 1500);  // 2000 capped by max_notional
  EXPECT_DOUBLE_EQ(r.s->notional_for(24), 1200);   // mirrored for shorts
}

TEST(Executor, LongAtThresholdWithBracketAndAlert) {
  Rig r;
  r.signal(69.9);
  EXPECT_TRUE(r.ctx.intents.empty());
  r.signal(76);
  auto o = r.ctx.new_orders();
  ASSERT_GE(o.size(), 2u);
  EXPECT_EQ(o[0].side, Side::kBuy);
  EXPECT_EQ(o[0].tif, common::TimeInForce::kIoc);
  EXPECT_EQ(o[0].qty, qt(12));  // 1200 / 100
  EXPECT_EQ(r.s->state(), ConfluenceExecutor::State::kInPosition);
  EXPECT_EQ(r.ctx.position(r.id), qt(12));
  // Bracket: take-profit resting 2% above the 100.1 fill, stop 1% below.
  EXPECT_TRUE(r.s->bracket().active());
  EXPECT_EQ(o[1].price, strategies::testing::px(102.1));
  EXPECT_EQ(r.s->bracket().stop_price(), strategies::testing::px(99.1));
  EXPECT_TRUE(r.ctx.noted("ALERT entry long"));
}

TEST(Executor, OnePositionPerAssetAndExitOnOppositeSignal) {
  Rig r;
  r.signal(80);
  const auto n = r.ctx.new_orders().size();
  r.signal(95);  // already long: nothing
  EXPECT_EQ(r.ctx.new_orders().size(), n);
  r.signal(40);  // neutral: hold
  EXPECT_EQ(r.ctx.new_orders().size(), n);
  r.signal(25);  // opposite: exit (not reverse)
  EXPECT_EQ(r.s->state(), ConfluenceExecutor::State::kFlat);
  EXPECT_EQ(r.ctx.position(r.id), Qty{});
  EXPECT_TRUE(r.ctx.resting().empty());  // the take-profit was cancelled
  EXPECT_TRUE(r.ctx.noted("ALERT exit (opposite signal)"));
  EXPECT_EQ(r.s->exits(), 1u);
  const auto last = r.ctx.new_orders().back();
  EXPECT_EQ(last.side, Side::kSell);
  EXPECT_TRUE(last.flags & common::intent_flags::kReduceOnly);
}

TEST(Executor, CooldownBlocksReentry) {
  Rig r;
  r.signal(80);
  r.signal(20);  // exit
  ASSERT_EQ(r.s->state(), ConfluenceExecutor::State::kFlat);
  const auto n = r.ctx.new_orders().size();
  r.ctx.advance_by(30 * kSec);
  r.signal(10);  // within 60 s cooldown
  EXPECT_EQ(r.ctx.new_orders().size(), n);
  r.ctx.advance_by(31 * kSec);
  r.signal(10);
  EXPECT_GT(r.ctx.new_orders().size(), n);
  EXPECT_EQ(r.s->side(), Side::kSell);
  EXPECT_EQ(r.ctx.position(r.id), qt(-15));  // 1500 (capped) / 100
}

TEST(Executor, BracketStopExitsAndAlerts) {
  Rig r;
  r.signal(80);
  r.ctx.set_mid(r.id, 98.5);
  r.ctx.step(*r.s, r.id);
  EXPECT_EQ(r.s->state(), ConfluenceExecutor::State::kFlat);
  EXPECT_EQ(r.ctx.position(r.id), Qty{});
  EXPECT_TRUE(r.ctx.noted("ALERT exit (bracket stop-loss)"));
}

TEST(Executor, RejectionAlertsAndStaysFlat) {
  Rig r;
  r.ctx.deny_next(1);
  r.signal(80);
  EXPECT_EQ(r.s->state(), ConfluenceExecutor::State::kFlat);
  EXPECT_TRUE(r.ctx.noted("ALERT rejected"));
  EXPECT_GE(r.s->rejections(), 1u);
}

TEST(Executor, PostOnlyEntryTimesOut) {
  auto cfg = exec_cfg();
  cfg.entry = EntryStyle::kPostOnly;
  Rig r(cfg);
  r.signal(80);
  ASSERT_EQ(r.ctx.new_orders().size(), 1u);
  EXPECT_EQ(r.ctx.new_orders()[0].tif, common::TimeInForce::kPostOnly);
  r.ctx.advance_by(11 * kSec);
  r.ctx.pump(*r.s);
  EXPECT_EQ(r.ctx.intents.back().action, common::IntentAction::kCancel);
  EXPECT_EQ(r.s->state(), ConfluenceExecutor::State::kFlat);
}

ExecutorConfig auto_cfg() {
  ExecutorConfig c = exec_cfg();
  c.auto_venue = true;  // what the engine sets for `venue: auto`
  return c;
}

TEST(Executor, VenueAutoEntersWhereTheRouterPoints) {
  Rig r(auto_cfg());
  auto other = r.ctx.add_instrument(VenueId::kBybit, "BTC", 0.1, 0.001);
  r.ctx.set_mid(other, 100);
  r.ctx.set_route(other);
  r.signal(80);
  EXPECT_EQ(r.ctx.new_orders()[0].instrument, other);
  EXPECT_EQ(r.ctx.new_orders()[0].venue, VenueId::kBybit);
  EXPECT_EQ(r.ctx.position(other), qt(13.333));  // 1333.33 / 100 on the lot
  EXPECT_EQ(r.ctx.position(r.id), Qty{});
  EXPECT_TRUE(r.ctx.noted("on bybit"));
}

TEST(Executor, AFixedVenueNeverAsksTheRouter) {
  Rig r;  // venue named in the config: auto_venue stays false
  auto other = r.ctx.add_instrument(VenueId::kBybit, "BTC", 0.1, 0.001);
  r.ctx.set_mid(other, 100);
  r.ctx.set_route(other);
  r.signal(80);
  EXPECT_EQ(r.ctx.new_orders()[0].instrument, r.id);
  EXPECT_EQ(r.ctx.position(other), Qty{});
}

TEST(Executor, VenueAutoWithoutARouterUsesTheHomeVenue) {
  Rig r(auto_cfg());  // route() answers "no router" (invalid id)
  r.signal(80);
  EXPECT_EQ(r.ctx.new_orders()[0].instrument, r.id);
  EXPECT_EQ(r.ctx.position(r.id), qt(13.333));
}

TEST(Executor, VenueAutoExitsOnTheVenueHoldingThePosition) {
  Rig r(auto_cfg());
  auto bybit = r.ctx.add_instrument(VenueId::kBybit, "BTC", 0.1, 0.001);
  auto coinbase = r.ctx.add_instrument(VenueId::kCoinbase, "BTC", 0.1, 0.001);
  r.ctx.set_mid(bybit, 100);
  r.ctx.set_mid(coinbase, 100);
  r.ctx.set_route(bybit);
  r.signal(80);
  ASSERT_EQ(r.s->state(), ConfluenceExecutor::State::kInPosition);
  // The router now prefers Coinbase; the exit must still close the Bybit position.
  r.ctx.set_route(coinbase);
  r.signal(20);
  EXPECT_EQ(r.s->state(), ConfluenceExecutor::State::kFlat);
  const auto exit = r.ctx.new_orders().back();
  EXPECT_EQ(exit.instrument, bybit);
  EXPECT_TRUE(exit.flags & common::intent_flags::kReduceOnly);
  EXPECT_EQ(r.ctx.position(bybit), Qty{});
  EXPECT_EQ(r.ctx.position(coinbase), Qty{});
  // The bracket stayed on Bybit too: nothing was ever sent to Coinbase.
  for (const auto& o : r.ctx.new_orders()) EXPECT_NE(o.instrument, coinbase);
  // The next entry (after the cooldown) asks again and goes to Coinbase.
  r.ctx.advance_by(61 * kSec);
  r.signal(80);
  EXPECT_EQ(r.ctx.new_orders().back().instrument, coinbase);
}

TEST(Executor, VenueAutoIgnoresARouteForAnotherAsset) {
  Rig r(auto_cfg());
  auto eth = r.ctx.add_instrument(VenueId::kBybit, "ETH", 0.01, 0.001);
  r.ctx.set_mid(eth, 100);
  r.ctx.set_route(eth);
  r.signal(80);
  EXPECT_EQ(r.ctx.new_orders()[0].instrument, r.id);
  EXPECT_EQ(r.ctx.position(eth), Qty{});
}

TEST(Executor, AnalyzerDrivesEntries) {
  auto cfg = exec_cfg();
  cfg.use_analyzer = true;
  cfg.analyzer.w_flow = 0;
  cfg.analyzer.w_momentum = 0;
  Rig r(cfg);
  r.ctx.set_book_sizes(r.id, 99.9, 2, 100.0, 2);  // balanced: 50
  r.ctx.step(*r.s, r.id);
  EXPECT_TRUE(r.ctx.intents.empty());
  r.ctx.set_book_sizes(r.id, 99.9, 9, 100.0, 1);  // 90 with a 10 bp spread -> 70
  r.ctx.step(*r.s, r.id);
  EXPECT_NEAR(r.s->analyzer().last().score, 70, 0.5);
  r.ctx.set_book_sizes(r.id, 99.95, 9, 100.0, 1);  // 5 bp: stronger
  r.ctx.step(*r.s, r.id);
  EXPECT_EQ(r.s->state(), ConfluenceExecutor::State::kInPosition);
}

TEST(ExecutorConfig, FlatAnalyzerKeysAndErrors) {
  ParamMap ok = {{"long_threshold", "75"}, {"analyzer.depth_levels", "10"}, {"entry", "post_only"}};
  auto r =
      load_params<ExecutorConfig>(ok, [](common::ConfigNode& n, ExecutorConfig& c) { load(n, c); });
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.value.analyzer.depth_levels, 10);
  EXPECT_EQ(r.value.entry, EntryStyle::kPostOnly);
  ParamMap bad = {{"long_threshold", "40"},
                  {"max_notional", "10"},
                  {"analyzer.z_full", "abc"},
                  {"analyser.typo", "1"}};
  auto e = load_params<ExecutorConfig>(
      bad, [](common::ConfigNode& n, ExecutorConfig& c) { load(n, c); });
  EXPECT_EQ(e.errors.size(), 4u);
}

}  // namespace
}  // namespace peregrine::strategies::confluence
