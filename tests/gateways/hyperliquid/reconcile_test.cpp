#include "gateways/hyperliquid/reconcile.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace peregrine::gateways::hyperliquid {
namespace {

using common::ClientOrderId;
using common::ExecKind;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

constexpr ClientOrderId kA{1, 1};
constexpr ClientOrderId kB{1, 2};
constexpr ClientOrderId kC{1, 3};

class ReconcileTest : public ::testing::Test {
 protected:
  ReconcileTest() : table_(64), seen_(64) {
    common::Instrument i;
    i.venue = common::VenueId::kHyperliquid;
    EXPECT_TRUE(i.symbol.assign("BTC"));
    EXPECT_TRUE(i.asset.assign("BTC"));
    i.tick = *Price::parse("1");
    i.lot = *Qty::parse("0.00001");
    i.asset_index = 0;
    i.size_decimals = 5;
    btc_ = *registry_.add(i);
  }

  // A tracked order as the gateway reported it last: resting with `oid`.
  TrackedOrder& track(ClientOrderId cloid, std::uint64_t oid, OrderStatus status) {
    TrackedOrder* o = table_.add(cloid);
    common::OrderUpdate u;
    u.cloid = cloid;
    u.venue_order_id = common::VenueOrderId::from_int(oid);
    u.price = *Price::parse("42000");
    u.qty = *Qty::parse("0.01");
    u.instrument = btc_;
    u.strategy = common::StrategyId{3};
    u.status = status;
    remember(table_, *o, u);
    return *o;
  }
  OpenOrderInfo open(ClientOrderId cloid, std::uint64_t oid, std::string_view remaining) {
    OpenOrderInfo o;
    o.coin = "BTC";
    o.instrument = btc_;
    o.limit_price = *Price::parse("42000");
    o.size = *Qty::parse(remaining);
    o.orig_size = *Qty::parse("0.01");
    o.oid = common::VenueOrderId::from_int(oid);
    o.cloid = cloid;
    o.has_cloid = true;
    o.ts_venue = 5'000'000;
    return o;
  }
  common::Fill fill(std::uint64_t tid, std::uint64_t oid) {
    common::Fill f;
    f.fill_id = tid;
    f.venue_order_id = common::VenueOrderId::from_int(oid);
    f.price = *Price::parse("42000");
    f.qty = *Qty::parse("0.004");
    f.instrument = btc_;
    return f;
  }

  common::InstrumentRegistry registry_;
  common::InstrumentId btc_;
  OrderTable table_;
  SeenFills seen_;
  Reconciler rec_;
};

TEST_F(ReconcileTest, NothingDiffersNothingIsCorrected) {
  track(kA, 10, OrderStatus::kNew);
  const std::vector<OpenOrderInfo> open_orders = {open(kA, 10, "0.01")};
  const auto r = rec_.reconcile(table_, seen_, open_orders, {}, 1);
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.to_query.empty());
  EXPECT_EQ(r.corrections, 0u);
}

TEST_F(ReconcileTest, PartialFillSeenOnlyInOpenOrdersBecomesAnUpdate) {
  track(kA, 10, OrderStatus::kNew);
  const std::vector<OpenOrderInfo> open_orders = {open(kA, 10, "0.006")};
  const auto r = rec_.reconcile(table_, seen_, open_orders, {}, 1);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].update.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(r.events[0].update.filled_qty, *Qty::parse("0.004"));
  EXPECT_EQ(r.events[0].update.strategy.value, 3);
  EXPECT_EQ(table_.find(kA)->last.status, OrderStatus::kPartiallyFilled);
  // A second round with the same answer corrects nothing.
  EXPECT_TRUE(rec_.reconcile(table_, seen_, open_orders, {}, 2).events.empty());
}

TEST_F(ReconcileTest, OrderWeThoughtDeadButTheVenueListsIsReopened) {
  TrackedOrder& o = track(kA, 0, OrderStatus::kRejected);
  EXPECT_TRUE(o.terminal);
  const std::vector<OpenOrderInfo> open_orders = {open(kA, 11, "0.01")};
  const auto r = rec_.reconcile(table_, seen_, open_orders, {}, 1);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].update.status, OrderStatus::kNew);
  EXPECT_EQ(r.events[0].update.venue_order_id.lo, 11u);
  EXPECT_FALSE(table_.find(kA)->terminal);
  EXPECT_EQ(table_.find_oid(11), table_.find(kA));  // indexed by the new oid
}

TEST_F(ReconcileTest, OrderBelievedOpenButNotListedIsQueriedUnlessInFlight) {
  track(kA, 10, OrderStatus::kNew);
  track(kB, 11, OrderStatus::kNew).in_flight = true;
  track(kC, 12, OrderStatus::kCancelled);
  const auto r = rec_.reconcile(table_, seen_, {}, {}, 1);
  EXPECT_TRUE(r.events.empty());
  ASSERT_EQ(r.to_query.size(), 1u);
  EXPECT_EQ(r.to_query[0], kA);
}

TEST_F(ReconcileTest, MissedFillIsReportedOnceAndForeignFillsAreNot) {
  track(kA, 10, OrderStatus::kNew);
  const std::vector<common::Fill> fills = {fill(500, 10), fill(501, 999)};
  auto r =
      rec_.reconcile(table_, seen_, std::vector<OpenOrderInfo>{open(kA, 10, "0.006")}, fills, 7);
  ASSERT_EQ(r.events.size(), 2u);
  ASSERT_EQ(r.events[0].kind, ExecKind::kFill);  // fills first, then the order state
  EXPECT_EQ(r.events[0].fill.cloid, kA);
  EXPECT_EQ(r.events[0].fill.strategy.value, 3);
  EXPECT_EQ(r.events[0].fill.ts_recv, 7);
  EXPECT_EQ(r.events[1].kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(r.foreign_fills, 1u);
  EXPECT_EQ(r.corrections, 2u);
  r = rec_.reconcile(table_, seen_, std::vector<OpenOrderInfo>{open(kA, 10, "0.006")}, fills, 8);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.foreign_fills, 0u);  // remembered as seen
}

TEST_F(ReconcileTest, SelfTradeFillsShareATidButAreBothKept) {
  track(kA, 10, OrderStatus::kNew);
  track(kB, 11, OrderStatus::kNew);
  const std::vector<common::Fill> fills = {fill(500, 10), fill(500, 11)};
  const auto r = rec_.reconcile(table_, seen_, {}, fills, 1);
  std::size_t n = 0;
  for (const auto& e : r.events) n += e.kind == ExecKind::kFill ? 1u : 0u;
  EXPECT_EQ(n, 2u);
}

TEST_F(ReconcileTest, StatusAnswerFilledClosesTheOrder) {
  track(kA, 10, OrderStatus::kNew);
  OrderStatusInfo info;
  info.found = true;
  info.order = open(kA, 10, "0");
  info.status = map_order_status("filled", info.order.size, info.order.orig_size);
  info.status_ts = 9'000'000;
  const auto r = rec_.apply_status(table_, kA, info, 1);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].update.status, OrderStatus::kFilled);
  EXPECT_EQ(r.events[0].update.filled_qty, *Qty::parse("0.01"));
  EXPECT_EQ(r.events[0].update.venue_seq, 9u);
  EXPECT_TRUE(table_.find(kA)->terminal);
  EXPECT_TRUE(rec_.apply_status(table_, kA, info, 2).events.empty());  // already said
}

TEST_F(ReconcileTest, StatusAnswerUnknownForALiveOrderIsACancelWithReason) {
  track(kA, 10, OrderStatus::kNew);
  OrderStatusInfo unknown;
  const auto r = rec_.apply_status(table_, kA, unknown, 1);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].update.status, OrderStatus::kCancelled);
  EXPECT_EQ(r.events[0].update.reject, RejectReason::kUnknownOrder);
  EXPECT_TRUE(rec_.apply_status(table_, kA, unknown, 2).events.empty());
  EXPECT_TRUE(rec_.apply_status(table_, kC, unknown, 2).events.empty());  // not ours
}

TEST(OrderTable, ManyOrdersComeAndGoWithoutLosingAny) {
  OrderTable t(256);
  for (std::uint64_t round = 0; round < 20; ++round) {
    for (std::uint64_t i = 0; i < 100; ++i) {
      TrackedOrder* o = t.add({round, i});
      ASSERT_NE(o, nullptr);
      o->last.cloid = {round, i};
      o->last.venue_order_id = common::VenueOrderId::from_int(round * 1000 + i + 1);
      t.index_oid(round * 1000 + i + 1, {round, i});
      o->terminal = true;
      t.note_terminal({round, i});
    }
    for (std::uint64_t i = 0; i < 100; ++i) {
      ASSERT_NE(t.find({round, i}), nullptr);
      ASSERT_EQ(t.find_oid(round * 1000 + i + 1), t.find({round, i}));
    }
    EXPECT_EQ(t.prune_terminal(50, 1000), 50u);  // down to `keep`, oldest first
    EXPECT_EQ(t.find({round, 0}), nullptr);
    EXPECT_NE(t.find({round, 99}), nullptr);
    while (t.prune_terminal(0, 7) > 0) {
    }
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.find({round, 5}), nullptr);
  }
}

TEST(SeenFills, RemembersTheNewestCapacityIds) {
  SeenFills s(4);
  for (std::uint64_t id = 1; id <= 6; ++id) EXPECT_TRUE(s.insert(id));
  EXPECT_FALSE(s.insert(6));
  EXPECT_FALSE(s.contains(1));
  EXPECT_FALSE(s.contains(2));
  EXPECT_TRUE(s.contains(3));
  EXPECT_EQ(s.size(), 4u);
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
