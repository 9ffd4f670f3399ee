// Every pre-trade check, allowed and denied; reducing-only and halted; the rate budget with an
// injected clock; self-trade; duplicates; cancels; kill switch; config; no allocation.
#define PEREGRINE_COUNT_ALLOCS
#include "engine/risk/risk_gate.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "engine/oms/engine_test_support.hpp"

namespace peregrine::engine::risk {
namespace {

using common::InstrumentId;
using common::OrderIntent;
using common::Side;
using common::VenueId;
using testing::engine_core::AllocScope;
using testing::engine_core::make_registry;
using testing::engine_core::money;
using testing::engine_core::px;
using testing::engine_core::qty;
using testing::engine_core::set_book;

constexpr common::Nanos kMs = 1'000'000;

class RiskGateTest : public ::testing::Test {
 protected:
  RiskGateTest() : reg_(make_registry()) {
    cfg_.defaults.max_order_qty = qty("5");
    cfg_.defaults.max_order_notional = money("400");
    cfg_.defaults.collar_bps = 100;
    cfg_.defaults.fat_finger_bps = 500;
    cfg_.defaults.max_position_notional = money("600");
    cfg_.defaults.max_open_orders = 3;
    for (auto& v : cfg_.venues) {
      v.max_gross_exposure = money("100000");
      v.max_open_orders = 10;
      v.orders_per_sec = 1000;
    }
    cfg_.global.max_open_orders = 20;
    cfg_.global.max_open_orders_per_strategy = 5;
    cfg_.global.max_daily_loss = money("50");
    cfg_.global.max_drawdown = money("80");
    cfg_.global.duplicate_window_ns = kMs;
    rebuild();
  }
  void rebuild() {
    gate_.reset();
    orders_ = std::make_unique<oms::OrderTable>(oms::OmsConfig{64, 8, 8, 64}, reg_);
    pf_ = std::make_unique<portfolio::Portfolio>(portfolio::PortfolioConfig{8, 8}, reg_);
    gate_ = std::make_unique<RiskGate>(cfg_, reg_, *orders_, *pf_, 8);
    for (VenueId v : {VenueId::kHyperliquid, VenueId::kCoinbase}) {
      common::VenueStatus s;
      s.venue = v;
      s.state = common::VenueState::kConnected;
      gate_->on_venue_status(s);
    }
    set_book(book_, px("100"), qty("10"), px("101"), qty("10"));  // mid 100.5
  }
  OrderIntent buy(const char* q = "1", const char* price = "100", std::uint32_t inst = 0) {
    OrderIntent in;
    in.cloid = common::ClientOrderId{1, ++seq_};
    in.instrument = InstrumentId{inst};
    in.venue = reg_.get(in.instrument).venue;
    in.strategy = common::StrategyId{1};
    in.side = Side::kBuy;
    in.price = px(price);
    in.qty = qty(q);
    return in;
  }
  OrderIntent sell(const char* q = "1", const char* price = "101") {
    OrderIntent in = buy(q, price);
    in.side = Side::kSell;
    return in;
  }
  // Runs the check at a fresh time so the duplicate window never interferes by accident.
  RiskDecision run(OrderIntent in) {
    now_ += 10 * kMs;
    return gate_->check(in, book_, now_);
  }
  common::DenyReason reason(OrderIntent in) {
    const RiskDecision d = run(in);
    EXPECT_FALSE(d.allowed);
    return d.denied.reason;
  }
  void rest(const OrderIntent& in) {
    ASSERT_EQ(orders_->submit(in, now_).result, oms::OmsResult::kApplied);
  }
  void fill(Side side, const char* q, const char* price) {
    common::Fill f;
    f.instrument = InstrumentId{0};
    f.side = side;
    f.qty = qty(q);
    f.price = px(price);
    ASSERT_TRUE(pf_->on_fill(f, common::PositionSide::kBoth).ok);
  }

  common::InstrumentRegistry reg_;
  RiskGateConfig cfg_;
  std::unique_ptr<oms::OrderTable> orders_;
  std::unique_ptr<portfolio::Portfolio> pf_;
  std::unique_ptr<RiskGate> gate_;
  common::L2Book book_{64};
  common::Nanos now_ = 1'000 * kMs;
  std::uint64_t seq_ = 0;
};

using R = common::DenyReason;

TEST_F(RiskGateTest, AllowsAValidOrder) {
  const RiskDecision d = run(buy());
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.rounded);
  EXPECT_EQ(gate_->allowed(), 1u);
}

TEST_F(RiskGateTest, InstrumentDisabledAndVenueMismatch) {
  cfg_.listings["ETH@hyperliquid"].enabled = false;
  rebuild();
  EXPECT_EQ(reason(buy("1", "100", 2)), R::kInstrumentDisabled);
  OrderIntent wrong = buy();
  wrong.venue = VenueId::kBybit;
  EXPECT_EQ(reason(wrong), R::kInstrumentDisabled);
  OrderIntent bad = buy();
  bad.instrument = InstrumentId{};
  EXPECT_EQ(reason(bad), R::kInstrumentDisabled);
  EXPECT_TRUE(run(buy()).allowed);
  EXPECT_EQ(gate_->denied(R::kInstrumentDisabled), 3u);
}

TEST_F(RiskGateTest, VenueMustBeConnected) {
  EXPECT_EQ(reason(buy("1", "100", 3)), R::kVenueUnhealthy);  // binance: never seen
  common::VenueStatus s;
  s.venue = VenueId::kHyperliquid;
  s.state = common::VenueState::kResyncing;
  gate_->on_venue_status(s);
  EXPECT_EQ(reason(buy()), R::kVenueUnhealthy);
  s.state = common::VenueState::kConnected;
  gate_->on_venue_status(s);
  EXPECT_TRUE(run(buy()).allowed);
}

TEST_F(RiskGateTest, BookMustBeValid) {
  book_.invalidate(common::ResetReason::kSequenceGap);
  EXPECT_EQ(reason(buy()), R::kBookInvalid);
}

TEST_F(RiskGateTest, TickAndLotDenyOrRound) {
  EXPECT_EQ(reason(buy("1", "100.5")), R::kOffTick);
  EXPECT_EQ(reason(buy("1.0005", "100")), R::kOffLot);
  cfg_.defaults.grid = GridPolicy::kRound;
  rebuild();
  OrderIntent in = buy("1.0005", "100.7");
  const RiskDecision d = gate_->check(in, book_, now_);
  ASSERT_TRUE(d.allowed);
  EXPECT_TRUE(d.rounded);
  EXPECT_EQ(in.price, px("100"));  // buys round down (never more aggressive)
  EXPECT_EQ(in.qty, qty("1"));
  OrderIntent s = sell("1", "100.2");
  now_ += 10 * kMs;
  ASSERT_TRUE(gate_->check(s, book_, now_).allowed);
  EXPECT_EQ(s.price, px("101"));                        // sells round up
  EXPECT_EQ(reason(buy("0.0004", "100")), R::kOffLot);  // rounds to zero
}

TEST_F(RiskGateTest, MinNotional) {
  EXPECT_EQ(reason(buy("0.05", "100")), R::kBelowMinNotional);  // 5 < 10
  EXPECT_TRUE(run(buy("0.1", "100")).allowed);
  // A position-reducing order may close dust below it.
  fill(Side::kBuy, "0.05", "100");
  EXPECT_TRUE(run(sell("0.05", "101")).allowed);
}

TEST_F(RiskGateTest, MaxOrderQtyAndNotional) {
  EXPECT_EQ(reason(buy("6", "100")), R::kMaxOrderQty);
  EXPECT_EQ(reason(buy("4.5", "100")), R::kMaxOrderNotional);  // 450 > 400
  EXPECT_TRUE(run(buy("4", "100")).allowed);
}

TEST_F(RiskGateTest, CollarAndFatFinger) {
  EXPECT_EQ(reason(buy("1", "102")), R::kPriceCollar);  // 149 bps from 100.5
  EXPECT_EQ(reason(buy("1", "110")), R::kFatFinger);    // 945 bps
  EXPECT_EQ(reason(sell("1", "90")), R::kFatFinger);
  EXPECT_TRUE(run(buy("1", "101")).allowed);  // 49 bps
}

TEST_F(RiskGateTest, MaxPositionCountsOpenOrdersAtWorstCase) {
  fill(Side::kBuy, "3", "100");
  rest(buy("2", "99"));
  // 3 held + 2 open + 1 new = 6 x 100.5 = 603 > 600.
  EXPECT_EQ(reason(buy("1", "100")), R::kMaxPosition);
  EXPECT_TRUE(run(buy("0.9", "100")).allowed);  // 5.9 x 100.5 = 592.95
}

TEST_F(RiskGateTest, AssetPositionAcrossVenues) {
  cfg_.assets["BTC"].max_position_notional = money("300");
  rebuild();
  rest(buy("2", "100"));
  OrderIntent cb = buy("1", "100", 1);  // BTC on coinbase: 3 BTC net across venues
  EXPECT_EQ(reason(cb), R::kMaxPosition);
}

TEST_F(RiskGateTest, GrossExposurePerVenueAndAsset) {
  cfg_.venues[0].max_gross_exposure = money("250");
  rebuild();
  rest(buy("2", "100"));
  EXPECT_EQ(reason(sell("1", "101")), R::kMaxGrossExposure);  // 200 + 101 > 250
  cfg_.venues[0].max_gross_exposure = money("100000");
  cfg_.assets["BTC"].max_gross_exposure = money("150");
  rebuild();
  EXPECT_EQ(reason(buy("2", "100")), R::kMaxGrossExposure);
}

TEST_F(RiskGateTest, OpenOrderCaps) {
  rest(buy("0.1", "90"));
  rest(buy("0.1", "91"));
  rest(buy("0.1", "92"));
  EXPECT_EQ(reason(buy("0.1", "100")), R::kOpenOrderCap);  // instrument cap 3
  cfg_.defaults.max_open_orders = 0;
  cfg_.global.max_open_orders_per_strategy = 2;
  rebuild();
  rest(buy("0.1", "90"));
  rest(buy("0.1", "91"));
  EXPECT_EQ(reason(buy("0.1", "100")), R::kOpenOrderCap);
  OrderIntent other = buy("0.1", "100");
  other.strategy = common::StrategyId{2};
  EXPECT_TRUE(run(other).allowed);
}

TEST_F(RiskGateTest, RateBudgetRefillsWithInjectedClock) {
  cfg_.venues[0].orders_per_sec = 2;
  cfg_.venues[0].burst = 2;
  rebuild();
  common::Nanos t = now_;
  auto at = [&](OrderIntent in, common::Nanos when) { return gate_->check(in, book_, when); };
  EXPECT_TRUE(at(buy("1", "100"), t).allowed);
  EXPECT_TRUE(at(buy("1.1", "100"), t + 1).allowed);
  RiskDecision d = at(buy("1.2", "100"), t + 2);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.denied.reason, R::kRateBudget);
  EXPECT_FALSE(at(buy("1.3", "100"), t + 400 * kMs).allowed);  // 0.8 token
  EXPECT_TRUE(at(buy("1.4", "100"), t + 501 * kMs).allowed);   // one token back
  // A denied order (collar) never spends a token; cancels overdraw but are never blocked.
  t += 2000 * kMs;
  EXPECT_EQ(gate_->tokens(VenueId::kHyperliquid, t), 2);
  EXPECT_FALSE(at(buy("1", "110"), t).allowed);
  EXPECT_EQ(gate_->tokens(VenueId::kHyperliquid, t), 2);
  for (int i = 0; i < 5; ++i) gate_->on_cancel_sent(VenueId::kHyperliquid, t);
  EXPECT_EQ(gate_->tokens(VenueId::kHyperliquid, t), -2);
  EXPECT_FALSE(at(buy("1", "100"), t).allowed);
}

TEST_F(RiskGateTest, DailyLossGoesReducingOnlyThenDrawdownHalts) {
  fill(Side::kBuy, "5", "100");
  pf_->mark(InstrumentId{0}, px("89"));  // -55 today
  gate_->evaluate_pnl();
  EXPECT_EQ(gate_->state(), RiskState::kReducingOnly);
  EXPECT_EQ(reason(buy("1", "100")), R::kReducingOnly);
  EXPECT_TRUE(run(sell("1", "101")).allowed);             // reduces the long
  EXPECT_EQ(reason(sell("6", "101")), R::kReducingOnly);  // would flip short
  pf_->mark(InstrumentId{0}, px("84"));                   // -80: drawdown limit, action halt
  EXPECT_EQ(reason(sell("1", "100")), R::kHalted);
  EXPECT_EQ(gate_->state(), RiskState::kHalted);
  gate_->resume();
  EXPECT_EQ(gate_->state(), RiskState::kNormal);
}

TEST_F(RiskGateTest, ReduceOnlyFlagMustReduce) {
  OrderIntent in = sell("1", "101");
  in.flags = common::intent_flags::kReduceOnly;
  EXPECT_EQ(reason(in), R::kReducingOnly);  // flat: nothing to reduce
  fill(Side::kBuy, "2", "100");
  in.cloid = common::ClientOrderId{1, ++seq_};
  EXPECT_TRUE(run(in).allowed);
}

TEST_F(RiskGateTest, SelfTradeAgainstOurRestingOrders) {
  rest(sell("1", "101"));
  EXPECT_EQ(reason(buy("1", "101")), R::kSelfTrade);
  OrderIntent mkt = buy("1", "0");
  mkt.type = common::OrderType::kMarket;
  EXPECT_EQ(reason(mkt), R::kSelfTrade);
  EXPECT_TRUE(run(buy("1", "100")).allowed);
  cfg_.defaults.self_trade_check = false;
  rebuild();
  rest(sell("1", "101"));
  EXPECT_TRUE(run(buy("1", "101")).allowed);
}

TEST_F(RiskGateTest, DuplicateCloidAndIdenticalIntentWithinWindow) {
  const OrderIntent first = buy();
  rest(first);
  EXPECT_EQ(reason(first), R::kDuplicateIntent);
  OrderIntent a = buy("1", "101");
  OrderIntent b = a;
  b.cloid = common::ClientOrderId{1, ++seq_};
  ASSERT_TRUE(gate_->check(a, book_, now_).allowed);
  RiskDecision d = gate_->check(b, book_, now_ + kMs / 2);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.denied.reason, R::kDuplicateIntent);
  EXPECT_EQ(d.denied.cloid, b.cloid);
  EXPECT_TRUE(gate_->check(b, book_, now_ + 2 * kMs).allowed);
}

TEST_F(RiskGateTest, CancelsPassUnlessUnknown) {
  const OrderIntent o = buy();
  rest(o);
  gate_->set_state(RiskState::kHalted);
  OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.target = o.cloid;
  EXPECT_TRUE(run(c).allowed);
  c.target = common::ClientOrderId{5, 5};
  EXPECT_EQ(reason(c), R::kUnknownOrder);
  OrderIntent all;
  all.action = common::IntentAction::kCancelAll;
  EXPECT_TRUE(run(all).allowed);
  EXPECT_EQ(reason(buy("1", "99")), R::kHalted);
}

TEST_F(RiskGateTest, ModifyNeedsAnOpenTarget) {
  const OrderIntent o = buy();
  rest(o);
  OrderIntent m = buy("1", "101");
  m.action = common::IntentAction::kModify;
  m.target = o.cloid;
  EXPECT_TRUE(run(m).allowed);
  m.target = common::ClientOrderId{8, 8};
  EXPECT_EQ(reason(m), R::kUnknownOrder);
}

TEST_F(RiskGateTest, KillSwitchHaltsAndCancelsEveryOpenOrder) {
  rest(buy("1", "95"));
  rest(sell("1", "105"));
  OrderIntent cb = buy("1", "100", 1);
  rest(cb);
  const auto cancels = gate_->kill(now_);
  EXPECT_EQ(gate_->state(), RiskState::kHalted);
  ASSERT_EQ(cancels.size(), 3u);
  std::size_t seen = 0;
  orders_->for_each_open([&](const oms::OrderRecord& r) {
    EXPECT_EQ(cancels[seen].action, common::IntentAction::kCancel);
    EXPECT_EQ(cancels[seen].target, r.intent.cloid);
    EXPECT_EQ(cancels[seen].venue, r.intent.venue);
    ++seen;
  });
  EXPECT_EQ(seen, 3u);
  EXPECT_EQ(reason(buy("1", "99")), R::kHalted);
}

TEST_F(RiskGateTest, ChecksDoNotAllocate) {
  rest(sell("1", "105"));
  AllocScope scope;
  for (int i = 0; i < 200; ++i) {
    OrderIntent in = buy("1", i % 2 == 0 ? "100" : "150");
    static_cast<void>(gate_->check(in, book_, now_ + i * 10 * kMs));
  }
  static_cast<void>(gate_->kill(now_));
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_EQ(gate_->allowed(), 100u);
  EXPECT_EQ(gate_->denied(R::kFatFinger), 100u);
}

TEST(RiskConfigTest, SeededFromEngineRiskAndLayeredFromYaml) {
  RiskConfig r;
  r.max_order_qty = qty("5");
  r.max_order_notional = money("50000");
  r.max_position_notional = money("200000");
  r.max_gross_exposure = money("500000");
  r.max_open_orders = 200;
  r.max_orders_per_sec = 50;
  r.price_collar_pct = common::Rate::parse("5").value();
  r.max_daily_loss = money("5000");
  r.max_drawdown = money("10000");
  const RiskGateConfig seed = from_engine_risk(r);
  EXPECT_EQ(seed.defaults.collar_bps, 500);
  EXPECT_EQ(seed.defaults.fat_finger_bps, 1000);
  EXPECT_EQ(seed.venues[0].orders_per_sec, 50u);
  EXPECT_EQ(seed.global.max_open_orders, 200u);

  const auto loaded = common::load_config_string<RiskGateConfig>(
      "grid: round\n"
      "fat_finger_bps: 800\n"
      "drawdown_action: reduce_only\n"
      "duplicate_window: 5ms\n"
      "venues:\n  coinbase: {orders_per_sec: 5, max_open_orders: 7}\n"
      "assets:\n  BTC: {max_position_notional: \"1000\", instruments: {max_order_qty: \"2\"}}\n"
      "listings:\n  \"ETH@hyperliquid\": {enabled: false}\n",
      [&](common::ConfigNode& n, RiskGateConfig& c) {
        c = seed;
        load_risk_gate_config(n, c);
      });
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  const RiskGateConfig& c = loaded.value;
  EXPECT_EQ(c.defaults.grid, GridPolicy::kRound);
  EXPECT_EQ(c.defaults.fat_finger_bps, 800);
  EXPECT_EQ(c.defaults.collar_bps, 500);
  EXPECT_EQ(c.global.drawdown_action, BreachAction::kReduceOnly);
  EXPECT_EQ(c.global.duplicate_window_ns, 5 * kMs);
  EXPECT_EQ(c.venues[3].orders_per_sec, 5u);
  EXPECT_EQ(c.venues[3].max_open_orders, 7u);
  EXPECT_EQ(c.venues[0].orders_per_sec, 50u);  // untouched venue keeps the seed

  const auto reg = make_registry();
  oms::OrderTable orders(oms::OmsConfig{16, 8, 4, 16}, reg);
  portfolio::Portfolio pf(portfolio::PortfolioConfig{8, 4}, reg);
  RiskGate gate(c, reg, orders, pf, 8);
  EXPECT_EQ(gate.limits(InstrumentId{0}).max_order_qty, qty("2"));  // BTC asset override
  EXPECT_EQ(gate.limits(InstrumentId{2}).max_order_qty, qty("5"));
  EXPECT_FALSE(gate.limits(InstrumentId{2}).enabled);

  const auto bad = common::load_config_string<RiskGateConfig>(
      "colar_bps: 5\nlistings:\n  BTC: {enabled: true}\n",
      [](common::ConfigNode& n, RiskGateConfig& cfg) { load_risk_gate_config(n, cfg); });
  EXPECT_EQ(bad.errors.size(), 2u);
}

}  // namespace
}  // namespace peregrine::engine::risk
