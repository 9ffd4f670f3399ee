// Router: scoring with scripted books and stats, allocation drift and the rebalance signal,
// over-target penalty/exclusion, health filtering, and no allocation.
#define PEREGRINE_COUNT_ALLOCS
#include "engine/router/router.hpp"

#include <gtest/gtest.h>

#include "engine/oms/engine_test_support.hpp"

namespace peregrine::engine::router {
namespace {

using common::InstrumentId;
using common::Side;
using testing::engine_core::add_level;
using testing::engine_core::AllocScope;
using testing::engine_core::make_registry;
using testing::engine_core::px;
using testing::engine_core::qty;
using testing::engine_core::set_book;

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : reg_(make_registry()), stats_(0.5) {
    set_book(hl_, px("100"), qty("10"), px("101"), qty("10"));
    set_book(cb_, px("100"), qty("1"), px("101"), qty("1"));
    set_book(bn_, px("100"), qty("5"), px("101"), qty("5"));
    inputs_[0] = {InstrumentId{0}, &hl_, true};
    inputs_[3] = {InstrumentId{1}, &cb_, true};
    inputs_[1] = {InstrumentId{3}, &bn_, true};
  }
  common::InstrumentRegistry reg_;
  VenueStats stats_;
  common::L2Book hl_{16}, cb_{16}, bn_{16};
  std::array<VenueInput, kVenueCount> inputs_{};
  RouterConfig cfg_;
};

TEST_F(RouterTest, ScoresAreNormalizedAndWeighted) {
  stats_.on_ack_latency(VenueId::kHyperliquid, 2'000'000);
  stats_.on_ack_latency(VenueId::kCoinbase, 1'000'000);
  stats_.on_ack_latency(VenueId::kBinance, 1'500'000);
  stats_.on_outcome(VenueId::kCoinbase, true);
  VenueSelector sel(cfg_, reg_);
  const RouteDecision d =
      sel.select(inputs_, Side::kBuy, qty("4"), px("0"), false, stats_, nullptr);
  ASSERT_TRUE(d.found);
  const VenueScore& hl = d.scores[0];
  const VenueScore& bn = d.scores[1];
  const VenueScore& cb = d.scores[3];
  // Fees (taker): coinbase 3 bp best, binance 5 bp worst, hyperliquid 4.5 bp in between.
  EXPECT_DOUBLE_EQ(cb.fees, 1.0);
  EXPECT_DOUBLE_EQ(bn.fees, 0.0);
  EXPECT_NEAR(hl.fees, 0.25, 1e-9);
  // Liquidity: hl and binance cover 4, coinbase 1/4 of it.
  EXPECT_DOUBLE_EQ(hl.liquidity, 1.0);
  EXPECT_DOUBLE_EQ(bn.liquidity, 1.0);
  EXPECT_DOUBLE_EQ(cb.liquidity, 0.0);
  EXPECT_DOUBLE_EQ(hl.latency, 0.0);
  EXPECT_DOUBLE_EQ(cb.latency, 1.0);
  EXPECT_DOUBLE_EQ(bn.latency, 0.5);
  EXPECT_DOUBLE_EQ(cb.reliability, 0.0);
  EXPECT_DOUBLE_EQ(hl.reliability, 1.0);
  EXPECT_NEAR(hl.total, 0.3 * 0.25 + 0.4 + 0.0 + 0.1, 1e-12);
  EXPECT_NEAR(bn.total, 0.0 + 0.4 + 0.1 + 0.1, 1e-12);
  EXPECT_EQ(d.venue, VenueId::kBinance);  // 0.6 beats hl 0.575 and cb 0.5
  EXPECT_EQ(d.instrument, InstrumentId{3});
}

TEST_F(RouterTest, LimitBoundsTheDepthCounted) {
  add_level(cb_, common::BookSide::kAsk, px("102"), qty("10"));
  VenueSelector sel(cfg_, reg_);
  RouteDecision d = sel.select(inputs_, Side::kBuy, qty("4"), px("102"), false, stats_, nullptr);
  EXPECT_DOUBLE_EQ(d.scores[3].liquidity, 1.0);
  d = sel.select(inputs_, Side::kBuy, qty("4"), px("101"), false, stats_, nullptr);
  EXPECT_DOUBLE_EQ(d.scores[3].liquidity, 0.0);
}

TEST_F(RouterTest, UnhealthyOrInvalidVenuesAreNotCandidates) {
  inputs_[1].healthy = false;
  hl_.invalidate(common::ResetReason::kStaleFeed);
  VenueSelector sel(cfg_, reg_);
  const RouteDecision d =
      sel.select(inputs_, Side::kSell, qty("1"), px("0"), false, stats_, nullptr);
  ASSERT_TRUE(d.found);
  EXPECT_EQ(d.venue, VenueId::kCoinbase);
  EXPECT_FALSE(d.scores[0].candidate);
  EXPECT_FALSE(d.scores[1].candidate);
  inputs_[3].healthy = false;
  EXPECT_FALSE(sel.select(inputs_, Side::kSell, qty("1"), px("0"), false, stats_, nullptr).found);
}

TEST_F(RouterTest, AllocationDriftAndRebalanceSignal) {
  AllocationManager alloc(cfg_);
  EXPECT_DOUBLE_EQ(alloc.targets()[0], 0.8);
  EXPECT_DOUBLE_EQ(alloc.targets()[3], 0.2);
  AllocationView v = alloc.evaluate({0, 0, 0, 0});
  EXPECT_FALSE(v.rebalance);  // nothing deployed
  v = alloc.evaluate({78, 0, 0, 22});
  EXPECT_NEAR(v.drift[0], -0.02, 1e-12);
  EXPECT_FALSE(v.rebalance);
  v = alloc.evaluate({70, 0, 0, 30});
  EXPECT_NEAR(v.drift[3], 0.1, 1e-12);
  EXPECT_NEAR(v.max_abs_drift, 0.1, 1e-12);
  EXPECT_TRUE(v.rebalance);
  RouterConfig even = cfg_;
  even.target_share = {1, 1, 0, 0};
  EXPECT_DOUBLE_EQ(AllocationManager(even).targets()[1], 0.5);
}

TEST_F(RouterTest, OverTargetVenueIsPenalizedOrExcluded) {
  inputs_[1] = {};
  // Equal books and stats for hl and coinbase; coinbase far over its 20% target.
  set_book(cb_, px("100"), qty("10"), px("101"), qty("10"));
  AllocationManager alloc(cfg_);
  const AllocationView v = alloc.evaluate({50, 0, 0, 50});
  VenueSelector sel(cfg_, reg_);
  RouteDecision d = sel.select(inputs_, Side::kBuy, qty("1"), px("0"), false, stats_, nullptr);
  EXPECT_EQ(d.venue, VenueId::kCoinbase);  // cheaper fees win unsteered
  d = sel.select(inputs_, Side::kBuy, qty("1"), px("0"), false, stats_, &v);
  EXPECT_TRUE(d.scores[3].penalized_over_target);
  EXPECT_EQ(d.venue, VenueId::kHyperliquid);
  RouterConfig ex = cfg_;
  ex.over_target = OverTargetPolicy::kExclude;
  VenueSelector sel_ex(ex, reg_);
  d = sel_ex.select(inputs_, Side::kBuy, qty("1"), px("0"), false, stats_, &v);
  EXPECT_TRUE(d.scores[3].excluded_over_target);
  EXPECT_EQ(d.venue, VenueId::kHyperliquid);
  inputs_[0] = {};  // only the over-target venue is left: still routed, never stranded
  d = sel_ex.select(inputs_, Side::kBuy, qty("1"), px("0"), false, stats_, &v);
  ASSERT_TRUE(d.found);
  EXPECT_EQ(d.venue, VenueId::kCoinbase);
}

TEST_F(RouterTest, EwmaStats) {
  VenueStats s(0.5);
  s.on_ack_latency(VenueId::kBybit, 100);
  s.on_ack_latency(VenueId::kBybit, 300);
  EXPECT_DOUBLE_EQ(s.latency_ewma(VenueId::kBybit), 200);
  s.on_outcome(VenueId::kBybit, true);
  s.on_outcome(VenueId::kBybit, false);
  EXPECT_DOUBLE_EQ(s.error_rate(VenueId::kBybit), 0.25);
}

TEST_F(RouterTest, SelectDoesNotAllocate) {
  VenueSelector sel(cfg_, reg_);
  AllocationManager alloc(cfg_);
  AllocScope scope;
  for (int i = 0; i < 100; ++i) {
    const AllocationView v = alloc.evaluate({80, 0, 0, 20});
    static_cast<void>(sel.select(inputs_, Side::kBuy, qty("2"), px("0"), false, stats_, &v));
  }
  EXPECT_EQ(scope.count(), 0u);
}

}  // namespace
}  // namespace peregrine::engine::router
