// Execution algorithms: market-via-IOC pricing, TWAP slicing and timing, brackets (OCO), and
// the trailing stop, each driven through the FakeContext simulator.
#include <gtest/gtest.h>

#include "strategies/algos/bracket.hpp"
#include "strategies/algos/market_ioc.hpp"
#include "strategies/algos/twap.hpp"
#include "strategies/intent_ext.hpp"
#include "strategies/params.hpp"
#include "strategies/support/fake_context.hpp"

namespace peregrine::strategies::algos {
namespace {

using common::IntentAction;
using common::OrderType;
using common::Qty;
using common::Side;
using common::TimeInForce;
using common::VenueId;
using strategies::testing::FakeContext;
using strategies::testing::kSec;
using strategies::testing::px;
using strategies::testing::qt;

// --- market via IOC ---

TEST(MarketIoc, BuyCapsAtBestPlusSlippageRoundedDown) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 1, 0.001);
  ctx.set_levels(id, {{99, 1}}, {{100, 0.5}, {103, 1}, {105, 1}, {106, 9}});
  MarketIocConfig cfg;  // 5%
  auto q = price_market_ioc(ctx.book(id), ctx.instruments().get(id), Side::kBuy, qt(10), cfg);
  ASSERT_EQ(q.error, MarketIocError::kOk);
  EXPECT_EQ(q.limit, px(105));  // 100 * 1.05 = 105 exactly
  EXPECT_EQ(q.qty, qt(2.5));    // only 0.5 + 1 + 1 rest within the cap
  cfg.slippage_cap = 0.049;     // 104.9 -> 104 (down: never beyond the cap)
  q = price_market_ioc(ctx.book(id), ctx.instruments().get(id), Side::kBuy, qt(1), cfg);
  EXPECT_EQ(q.limit, px(104));
  EXPECT_EQ(q.qty, qt(1));
}

TEST(MarketIoc, SellCapsAtBestMinusSlippageRoundedUpAndSizedToBook) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.5, 0.01);
  ctx.set_levels(id, {{200, 0.333}, {195, 1}, {185, 5}}, {{201, 1}});
  MarketIocConfig cfg;
  cfg.slippage_cap = 0.03;  // 194 -> on the 0.5 grid rounding up: 194
  auto q = price_market_ioc(ctx.book(id), ctx.instruments().get(id), Side::kSell, qt(5), cfg);
  EXPECT_EQ(q.limit, px(194));
  EXPECT_EQ(q.qty, qt(1.33));  // 1.333 rounded down to the lot
  cfg.slippage_cap = 0.0001;   // below one tick still allows the best price
  q = price_market_ioc(ctx.book(id), ctx.instruments().get(id), Side::kSell, qt(5), cfg);
  EXPECT_EQ(q.limit, px(200));
  EXPECT_EQ(q.qty, qt(0.33));
}

TEST(MarketIoc, RefusesInvalidOrEmptyBooks) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 1, 0.001, 0, 0, 0.01);
  MarketIocConfig cfg;
  EXPECT_EQ(price_market_ioc(ctx.book(id), ctx.instruments().get(id), Side::kBuy, qt(1), cfg).error,
            MarketIocError::kBookInvalid);
  ctx.set_levels(id, {{99, 1}}, {});
  EXPECT_EQ(price_market_ioc(ctx.book(id), ctx.instruments().get(id), Side::kBuy, qt(1), cfg).error,
            MarketIocError::kNoLiquidity);
  ctx.set_levels(id, {{99, 1}}, {{100, 0.005}});
  EXPECT_EQ(price_market_ioc(ctx.book(id), ctx.instruments().get(id), Side::kBuy, qt(1), cfg).error,
            MarketIocError::kBelowMinQty);
}

// --- TWAP ---

TwapConfig twap_cfg() {
  TwapConfig c;
  c.side = Side::kBuy;
  c.total_qty = qt(1);
  c.duration = std::chrono::seconds(100);
  c.slices = 3;
  return c;
}

TEST(Twap, IocSlicesOnScheduleSumToTotalOnLotGrid) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  Twap t(common::StrategyId{9}, twap_cfg(), id);
  const auto t0 = ctx.clock().now_ns();
  t.on_start(ctx);
  ctx.pump(t);  // slice 0 is due now
  ASSERT_EQ(ctx.new_orders().size(), 1u);
  EXPECT_EQ(ctx.new_orders()[0].qty, qt(0.333));
  EXPECT_EQ(ctx.new_orders()[0].tif, TimeInForce::kIoc);
  ctx.advance(t0 + 33 * kSec);
  ctx.pump(t);
  EXPECT_EQ(ctx.new_orders().size(), 1u);  // not before 33.33 s
  ctx.advance(t0 + 34 * kSec);
  ctx.pump(t);
  ASSERT_EQ(ctx.new_orders().size(), 2u);
  EXPECT_EQ(ctx.new_orders()[1].qty, qt(0.333));
  ctx.advance(t0 + 67 * kSec);
  ctx.pump(t);
  ASSERT_EQ(ctx.new_orders().size(), 3u);
  EXPECT_EQ(ctx.new_orders()[2].qty, qt(0.334));  // the last slice takes the remainder
  EXPECT_EQ(ctx.position(id), qt(1));
  EXPECT_TRUE(t.done());
}

TEST(Twap, RandomizedScheduleIsSeededAndBounded) {
  auto c = twap_cfg();
  c.slices = 10;
  c.randomize = 0.5;
  c.seed = 77;
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  Twap a(common::StrategyId{1}, c, id), b(common::StrategyId{1}, c, id);
  EXPECT_EQ(a.schedule(), b.schedule());
  c.seed = 78;
  Twap d(common::StrategyId{1}, c, id);
  EXPECT_NE(a.schedule(), d.schedule());
  const common::Nanos interval = 10 * kSec;
  bool any_jitter = false;
  for (std::size_t i = 0; i < a.schedule().size(); ++i) {
    const common::Nanos base = interval * static_cast<common::Nanos>(i);
    EXPECT_GE(a.schedule()[i], base);
    EXPECT_LT(a.schedule()[i], base + interval / 2);
    any_jitter |= a.schedule()[i] != base;
  }
  EXPECT_TRUE(any_jitter);
}

TEST(Twap, PartialIocFillCatchesUpInTheNextSlice) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  Twap t(common::StrategyId{9}, twap_cfg(), id);
  const auto t0 = ctx.clock().now_ns();
  ctx.set_next_ioc_fill_ratio(id, 0.5);
  t.on_start(ctx);
  ctx.pump(t);
  EXPECT_EQ(t.filled(), qt(0.1665));
  ctx.advance(t0 + 34 * kSec);
  ctx.pump(t);
  EXPECT_EQ(ctx.new_orders()[1].qty, qt(0.499));  // 0.666 - 0.1665, down to the lot
}

TEST(Twap, LimitSlicesPostPassivelyAndRollTheRemainder) {
  auto c = twap_cfg();
  c.slice_type = SliceType::kLimit;
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  Twap t(common::StrategyId{9}, c, id);
  const auto t0 = ctx.clock().now_ns();
  t.on_start(ctx);
  ctx.pump(t);
  auto o = ctx.new_orders();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].tif, TimeInForce::kPostOnly);
  EXPECT_EQ(o[0].price, px(99.9));  // our side's best
  ctx.advance(t0 + 34 * kSec);
  ctx.pump(t);  // unfilled: cancel it and post the cumulative target
  ASSERT_EQ(ctx.intents.size(), 3u);
  EXPECT_EQ(ctx.intents[1].action, IntentAction::kCancel);
  EXPECT_EQ(ctx.intents[1].target, o[0].cloid);
  EXPECT_EQ(ctx.intents[2].qty, qt(0.666));
  ctx.set_mid(id, 99.5);  // trades through our bid: filled as maker
  ctx.pump(t);
  EXPECT_EQ(t.filled(), qt(0.666));
  ctx.advance(t0 + 67 * kSec);
  ctx.pump(t);  // the last slice crosses to finish
  EXPECT_EQ(ctx.intents.back().tif, TimeInForce::kIoc);
  EXPECT_EQ(ctx.intents.back().qty, qt(0.334));
  EXPECT_EQ(t.filled(), qt(1));
}

TEST(Twap, NativeEmitsOneHyperliquidTwapIntent) {
  auto c = twap_cfg();
  c.native = true;
  c.duration = std::chrono::minutes(30);
  c.randomize = 0.2;
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  Twap t(common::StrategyId{9}, c, id);
  t.on_start(ctx);
  ctx.pump(t);
  ASSERT_EQ(ctx.intents.size(), 1u);
  const auto& o = ctx.intents[0];
  EXPECT_TRUE(intent_ext::is_native_twap(o));
  EXPECT_EQ(intent_ext::twap_minutes(o), 30);
  EXPECT_TRUE(o.flags & intent_ext::kTwapRandomize);
  EXPECT_EQ(o.qty, qt(1));
  EXPECT_EQ(o.type, OrderType::kMarket);
}

TEST(Twap, NativeSeesTheSliceFillsAndEndsOnTheVenueTerminalUpdate) {
  auto c = twap_cfg();
  c.native = true;
  c.duration = std::chrono::minutes(5);
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  Twap t(common::StrategyId{9}, c, id);
  t.on_start(ctx);
  ctx.pump(t);  // the venue accepted it: resting
  ASSERT_EQ(ctx.intents.size(), 1u);
  const common::ClientOrderId venue_twap = ctx.intents[0].cloid;
  EXPECT_EQ(t.native_order(), venue_twap);
  EXPECT_FALSE(t.done());  // running at the venue
  EXPECT_EQ(t.native_status(), common::OrderStatus::kNew);
  // Slices as the gateway reports them: fills on the TWAP's order, then its end.
  common::Fill f;
  f.cloid = venue_twap;
  f.instrument = id;
  f.strategy = common::StrategyId{9};
  f.side = Side::kBuy;
  f.price = px(100);
  for (double q : {0.3, 0.7}) {
    f.qty = qt(q);
    t.on_fill(ctx, f);
  }
  EXPECT_EQ(t.filled(), qt(1));
  common::OrderUpdate u;
  u.cloid = venue_twap;
  u.instrument = id;
  u.qty = qt(1);
  u.filled_qty = qt(1);
  u.status = common::OrderStatus::kFilled;
  t.on_order_update(ctx, u);
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.native_status(), common::OrderStatus::kFilled);
  EXPECT_FALSE(t.cancel(ctx));  // nothing left to stop
  EXPECT_EQ(ctx.intents.size(), 1u);
}

TEST(Twap, CancellingTheNativeAlgoCancelsTheVenueTwap) {
  auto c = twap_cfg();
  c.native = true;
  c.duration = std::chrono::minutes(5);
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  Twap t(common::StrategyId{9}, c, id);
  t.on_start(ctx);
  ctx.pump(t);
  common::Fill f;
  f.cloid = t.native_order();
  f.instrument = id;
  f.price = px(100);
  f.qty = qt(0.2);
  t.on_fill(ctx, f);
  ASSERT_TRUE(t.cancel(ctx));
  ASSERT_EQ(ctx.intents.size(), 2u);
  EXPECT_EQ(ctx.intents[1].action, IntentAction::kCancel);
  EXPECT_EQ(ctx.intents[1].target, t.native_order());
  EXPECT_EQ(ctx.intents[1].instrument, id);
  EXPECT_FALSE(t.done());  // until the venue says the TWAP ended
  ctx.pump(t);             // the cancel lands: kCancelled
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.native_status(), common::OrderStatus::kCancelled);
  EXPECT_EQ(t.filled(), qt(0.2));
}

TEST(Twap, CancellingTheSlicedAlgoStopsItsSlices) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  Twap t(common::StrategyId{9}, twap_cfg(), id);
  const auto t0 = ctx.clock().now_ns();
  t.on_start(ctx);
  ctx.pump(t);
  ASSERT_EQ(ctx.new_orders().size(), 1u);
  EXPECT_TRUE(t.cancel(ctx));
  EXPECT_TRUE(t.done());
  ctx.advance(t0 + 70 * kSec);
  ctx.pump(t);
  EXPECT_EQ(ctx.new_orders().size(), 1u);  // no more slices
}

TEST(TwapConfig, ParsesPaperKeysAndRejectsBadNative) {
  ParamMap ok = {{"side", "buy"}, {"total_qty", "0.01"}, {"duration", "30m"}, {"slices", "30"}};
  auto r = load_params<TwapConfig>(ok, [](common::ConfigNode& n, TwapConfig& c) { load(n, c); });
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.value.slices, 30);
  ParamMap bad = {{"native", "true"}, {"duration", "90s"}, {"slices", "0"}};
  auto e = load_params<TwapConfig>(bad, [](common::ConfigNode& n, TwapConfig& c) { load(n, c); });
  std::string all;
  for (const auto& x : e.errors) all += x.to_string() + "\n";
  EXPECT_NE(all.find("total_qty"), std::string::npos) << all;
  EXPECT_NE(all.find("whole minutes"), std::string::npos) << all;
  EXPECT_NE(all.find("slices"), std::string::npos) << all;
}

// --- brackets ---

struct BracketRig : Strategy {
  Bracket br;
  std::string_view name() const noexcept override { return "bracket_rig"; }
  void on_book(StrategyContext& ctx, common::InstrumentId id) noexcept override {
    br.on_book(ctx, id);
  }
  void on_fill(StrategyContext& ctx, const common::Fill& f) noexcept override {
    br.on_fill(ctx, f);
  }
  void on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept override {
    br.on_order_update(ctx, u);
  }
};

TEST(Bracket, EmulatedTakeProfitFillDisarmsStop) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  ctx.set_position(id, qt(1));
  BracketRig rig;
  BracketConfig cfg;  // SL 1%, TP 2%
  rig.br.arm(ctx, common::StrategyId{2}, id, Side::kBuy, qt(1), px(100), {1, 1}, cfg);
  ASSERT_EQ(ctx.intents.size(), 1u);
  EXPECT_EQ(ctx.intents[0].price, px(102));
  EXPECT_EQ(ctx.intents[0].side, Side::kSell);
  EXPECT_EQ(ctx.intents[0].tif, TimeInForce::kGtc);
  EXPECT_TRUE(ctx.intents[0].flags & common::intent_flags::kReduceOnly);
  EXPECT_EQ(rig.br.stop_price(), px(99));
  ctx.set_mid(id, 102.2);
  ctx.step(rig, id);
  EXPECT_EQ(rig.br.exit(), Bracket::Exit::kTakeProfit);
  EXPECT_FALSE(rig.br.active());
  EXPECT_EQ(ctx.position(id), Qty{});
  ctx.set_mid(id, 95);  // far through the stop: nothing more is sent
  ctx.step(rig, id);
  EXPECT_EQ(ctx.intents.size(), 1u);
}

TEST(Bracket, EmulatedStopCancelsTakeProfitFirst) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  ctx.set_position(id, qt(-2));
  BracketRig rig;
  BracketConfig cfg;
  rig.br.arm(ctx, common::StrategyId{2}, id, Side::kSell, qt(2), px(100), {1, 1}, cfg);
  EXPECT_EQ(ctx.intents[0].price, px(98));
  EXPECT_EQ(rig.br.stop_price(), px(101));
  ctx.set_mid(id, 100.8);  // ask 100.9: not yet
  ctx.step(rig, id);
  EXPECT_EQ(ctx.intents.size(), 1u);
  ctx.set_mid(id, 101.0);  // ask 101.1 >= 101
  ctx.step(rig, id);
  ASSERT_EQ(ctx.intents.size(), 3u);
  EXPECT_EQ(ctx.intents[1].action, IntentAction::kCancel);
  EXPECT_EQ(ctx.intents[1].target, ctx.intents[0].cloid);
  EXPECT_EQ(ctx.intents[2].side, Side::kBuy);
  EXPECT_EQ(ctx.intents[2].tif, TimeInForce::kIoc);
  EXPECT_EQ(rig.br.exit(), Bracket::Exit::kStopLoss);
  EXPECT_EQ(ctx.position(id), Qty{});
  EXPECT_TRUE(ctx.resting().empty());
}

TEST(Bracket, NativeEmitsLinkedTriggersAndCancelsTheOther) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kBinance, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  ctx.set_position(id, qt(1));
  BracketRig rig;
  BracketConfig cfg;
  cfg.native = true;
  const common::ClientOrderId parent{7, 7};
  rig.br.arm(ctx, common::StrategyId{2}, id, Side::kBuy, qt(1), px(100), parent, cfg);
  ASSERT_EQ(ctx.intents.size(), 2u);
  EXPECT_EQ(ctx.intents[0].type, OrderType::kTakeProfitMarket);
  EXPECT_EQ(ctx.intents[0].trigger_price, px(102));
  EXPECT_EQ(ctx.intents[1].type, OrderType::kStopMarket);
  EXPECT_EQ(ctx.intents[1].trigger_price, px(99));
  for (const auto& i : ctx.intents) {
    EXPECT_EQ(i.target, parent);
    EXPECT_TRUE(i.flags & common::intent_flags::kReduceOnly);
  }
  ctx.set_mid(id, 98.9);  // venue-side stop triggers
  ctx.step(rig, id);
  ASSERT_EQ(ctx.intents.size(), 3u);
  EXPECT_EQ(ctx.intents[2].action, IntentAction::kCancel);
  EXPECT_EQ(ctx.intents[2].target, ctx.intents[0].cloid);
  EXPECT_EQ(rig.br.exit(), Bracket::Exit::kStopLoss);
  EXPECT_EQ(ctx.position(id), Qty{});
  EXPECT_TRUE(ctx.resting().empty());
}

// --- trailing stop ---

TEST(TrailingStop, FollowsTheHighAndFiresOnce) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  ctx.set_position(id, qt(1));
  TrailingStop ts;
  TrailingStopConfig cfg;
  cfg.callback_pct = 2;
  ts.arm(ctx, common::StrategyId{2}, id, Side::kBuy, qt(1), cfg);
  for (double m : {101.0, 104.0, 110.0, 108.0}) {
    ctx.set_mid(id, m);
    ts.on_book(ctx, id);
  }
  EXPECT_DOUBLE_EQ(ts.extreme(), 110);
  EXPECT_TRUE(ctx.intents.empty());  // 108 > 107.8
  ctx.set_mid(id, 107.7);
  ts.on_book(ctx, id);
  ASSERT_EQ(ctx.intents.size(), 1u);
  EXPECT_EQ(ctx.intents[0].side, Side::kSell);
  EXPECT_TRUE(ctx.intents[0].flags & common::intent_flags::kReduceOnly);
  EXPECT_TRUE(ts.fired());
  ctx.set_mid(id, 100);
  ts.on_book(ctx, id);
  EXPECT_EQ(ctx.intents.size(), 1u);
}

TEST(TrailingStop, NativeIsOneTrailingStopMarketIntent) {
  FakeContext ctx;
  auto id = ctx.add_instrument(VenueId::kBinance, "BTC", 0.1, 0.001);
  ctx.set_mid(id, 100);
  TrailingStop ts;
  TrailingStopConfig cfg;
  cfg.native = true;
  cfg.callback_pct = 1.5;
  ts.arm(ctx, common::StrategyId{2}, id, Side::kSell, qt(1), cfg);
  ASSERT_EQ(ctx.intents.size(), 1u);
  EXPECT_EQ(ctx.intents[0].type, OrderType::kTrailingStopMarket);
  EXPECT_EQ(ctx.intents[0].side, Side::kBuy);
  EXPECT_EQ(ctx.intents[0].trigger_price, px(150));  // callback in basis points
}

}  // namespace
}  // namespace peregrine::strategies::algos
