// OrderTable: the real-world edges one by one, fill accounting, lookups, open-order aggregates,
// recycling, and no allocation on the hot path.
#define PEREGRINE_COUNT_ALLOCS
#include "engine/oms/order_table.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "engine/oms/engine_test_support.hpp"

namespace peregrine::engine::oms {
namespace {

using common::OrderStatus;
using common::Side;
using testing::engine_core::AllocScope;
using testing::engine_core::make_registry;
using testing::engine_core::money;
using testing::engine_core::px;
using testing::engine_core::qty;

class OrderTableTest : public ::testing::Test {
 protected:
  OrderTableTest() : reg_(make_registry()), table_(config(), reg_) {}
  static OmsConfig config() {
    OmsConfig c;
    c.max_orders = 8;
    c.max_instruments = 8;
    c.max_strategies = 4;
    c.fill_dedup_capacity = 4;
    return c;
  }
  common::OrderIntent intent(std::uint64_t n, Side side = Side::kBuy, const char* price = "100",
                             const char* q = "2", std::uint32_t inst = 0) {
    common::OrderIntent in;
    in.cloid = ClientOrderId{9, n};
    in.instrument = InstrumentId{inst};
    in.venue = reg_.get(in.instrument).venue;
    in.strategy = common::StrategyId{1};
    in.side = side;
    in.price = px(price);
    in.qty = qty(q);
    return in;
  }
  common::Fill fill(std::uint64_t n, std::uint64_t fill_id, const char* q, const char* price,
                    const char* fee = "0.01") {
    common::Fill f;
    f.cloid = ClientOrderId{9, n};
    f.fill_id = fill_id;
    f.qty = qty(q);
    f.price = px(price);
    f.fee = money(fee);
    f.ts_recv = 50;
    return f;
  }
  common::OrderUpdate update(std::uint64_t n, OrderStatus s, const char* cum = "0") {
    common::OrderUpdate u;
    u.cloid = ClientOrderId{9, n};
    u.status = s;
    u.filled_qty = qty(cum);
    u.ts_recv = 40;
    return u;
  }
  const OrderRecord& rec(std::uint64_t n) { return *table_.find(ClientOrderId{9, n}); }

  common::InstrumentRegistry reg_;
  OrderTable table_;
};

TEST_F(OrderTableTest, SubmitAckFillsAccountPriceFeesAndTimestamps) {
  ASSERT_EQ(table_.submit(intent(1), 10).result, OmsResult::kApplied);
  const OmsEvent ack = table_.on_update(update(1, OrderStatus::kNew));
  EXPECT_EQ(ack.after, OrderStatus::kNew);
  EXPECT_EQ(ack.ack_latency, 30);
  EXPECT_EQ(table_.on_fill(fill(1, 100, "0.5", "100")).after, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(table_.on_fill(fill(1, 101, "1.5", "101")).after, OrderStatus::kFilled);
  const OrderRecord& r = rec(1);
  EXPECT_EQ(r.filled_qty, qty("2"));
  EXPECT_EQ(r.avg_price(), px("100.75"));  // (50 + 151.5) / 2
  EXPECT_EQ(r.fees, money("0.02"));
  EXPECT_EQ(r.ts_submit, 10);
  EXPECT_EQ(r.ts_ack, 40);
  EXPECT_EQ(r.ts_first_fill, 50);
  EXPECT_EQ(table_.open_count(), 0u);
}

TEST_F(OrderTableTest, DuplicateFillIsBookedOnce) {
  ASSERT_EQ(table_.submit(intent(1), 0).result, OmsResult::kApplied);
  EXPECT_EQ(table_.on_fill(fill(1, 7, "1", "100")).result, OmsResult::kApplied);
  EXPECT_EQ(table_.on_fill(fill(1, 7, "1", "100")).result, OmsResult::kDuplicateFill);
  EXPECT_EQ(rec(1).filled_qty, qty("1"));
  EXPECT_EQ(rec(1).status, OrderStatus::kPartiallyFilled);  // fill before ack: out of order
  // Same fill id on another venue is a different fill.
  common::Fill other = fill(1, 7, "1", "100");
  other.venue = common::VenueId::kBinance;
  EXPECT_EQ(table_.on_fill(other).result, OmsResult::kApplied);
  EXPECT_EQ(rec(1).status, OrderStatus::kFilled);
}

TEST_F(OrderTableTest, FillAfterCancelRequestAndLateFillAfterCancelAck) {
  ASSERT_EQ(table_.submit(intent(1), 0).result, OmsResult::kApplied);
  ASSERT_EQ(table_.on_update(update(1, OrderStatus::kNew)).result, OmsResult::kApplied);
  ASSERT_EQ(table_.request_cancel(ClientOrderId{9, 1}, 1).after, OrderStatus::kPendingCancel);
  OmsEvent ev = table_.on_fill(fill(1, 1, "0.5", "100"));
  EXPECT_EQ(ev.after, OrderStatus::kPendingCancel);
  EXPECT_TRUE(ev.flags & edge_flags::kFillAfterCancelRequest);
  EXPECT_EQ(table_.on_update(update(1, OrderStatus::kCancelled, "0.5")).after,
            OrderStatus::kCancelled);
  EXPECT_EQ(table_.open_count(), 0u);
  // The venue reports another fill that executed before the cancel landed.
  ev = table_.on_fill(fill(1, 2, "0.25", "99"));
  EXPECT_EQ(ev.result, OmsResult::kApplied);
  EXPECT_EQ(ev.after, OrderStatus::kCancelled);
  EXPECT_TRUE(ev.flags & edge_flags::kLateFill);
  EXPECT_EQ(rec(1).filled_qty, qty("0.75"));
  EXPECT_EQ(table_.late_fills(), 1u);
  EXPECT_EQ(table_.open_count(), 0u);  // a late fill never reopens the order
}

TEST_F(OrderTableTest, CancelOfFilledOrderIsBenign) {
  ASSERT_EQ(table_.submit(intent(1), 0).result, OmsResult::kApplied);
  ASSERT_EQ(table_.on_fill(fill(1, 1, "2", "100")).after, OrderStatus::kFilled);
  const OmsEvent ev = table_.request_cancel(ClientOrderId{9, 1}, 1);
  EXPECT_EQ(ev.result, OmsResult::kIgnored);
  EXPECT_TRUE(ev.flags & edge_flags::kCancelOfClosed);
  EXPECT_EQ(table_.illegal_total(), 0u);
}

TEST_F(OrderTableTest, CumulativeQuantityGoingBackwardsIsIgnored) {
  ASSERT_EQ(table_.submit(intent(1), 0).result, OmsResult::kApplied);
  ASSERT_EQ(table_.on_update(update(1, OrderStatus::kPartiallyFilled, "1.5")).after,
            OrderStatus::kPartiallyFilled);
  const OmsEvent ev = table_.on_update(update(1, OrderStatus::kPartiallyFilled, "0.5"));
  EXPECT_EQ(ev.result, OmsResult::kIgnored);
  EXPECT_TRUE(ev.flags & edge_flags::kOutOfOrder);
  EXPECT_EQ(rec(1).venue_cum_qty, qty("1.5"));
  EXPECT_EQ(rec(1).leaves(), qty("0.5"));
  EXPECT_EQ(table_.stale_updates(), 1u);
  // A late "new" after the partial is ignored too.
  EXPECT_EQ(table_.on_update(update(1, OrderStatus::kNew)).result, OmsResult::kIgnored);
  // Cumulative reaching the order qty completes it even if labelled partial.
  EXPECT_EQ(table_.on_update(update(1, OrderStatus::kPartiallyFilled, "2")).after,
            OrderStatus::kFilled);
}

TEST_F(OrderTableTest, UnknownOrdersAndBadInputAreCounted) {
  EXPECT_EQ(table_.on_fill(fill(5, 1, "1", "100")).result, OmsResult::kUnknownOrder);
  EXPECT_EQ(table_.on_update(update(5, OrderStatus::kNew)).result, OmsResult::kUnknownOrder);
  EXPECT_EQ(table_.request_cancel(ClientOrderId{9, 5}, 0).result, OmsResult::kUnknownOrder);
  common::OrderIntent bad = intent(0);
  bad.cloid = ClientOrderId{};
  EXPECT_EQ(table_.submit(bad, 0).result, OmsResult::kBadInput);
  ASSERT_EQ(table_.submit(intent(1), 0).result, OmsResult::kApplied);
  EXPECT_EQ(table_.submit(intent(1), 0).result, OmsResult::kDuplicateOrder);
  EXPECT_EQ(table_.on_fill(fill(1, 3, "0", "100")).result, OmsResult::kBadInput);
  EXPECT_EQ(table_.results(OmsResult::kUnknownOrder), 3u);
}

TEST_F(OrderTableTest, VenueOrderIdMapsBackToTheOrder) {
  ASSERT_EQ(table_.submit(intent(1), 0).result, OmsResult::kApplied);
  common::OrderUpdate u = update(1, OrderStatus::kNew);
  u.venue_order_id = common::VenueOrderId::from_int(777);
  ASSERT_EQ(table_.on_update(u).result, OmsResult::kApplied);
  ASSERT_NE(table_.find_venue(common::VenueId::kHyperliquid, u.venue_order_id), nullptr);
  common::Fill f = fill(1, 9, "2", "100");
  f.cloid = ClientOrderId{};  // the venue's trade report names only its own id
  f.venue_order_id = u.venue_order_id;
  EXPECT_EQ(table_.on_fill(f).after, OrderStatus::kFilled);
}

TEST_F(OrderTableTest, ReplaceAppliesNewPriceAndQtyOnAck) {
  ASSERT_EQ(table_.submit(intent(1), 0).result, OmsResult::kApplied);
  ASSERT_EQ(table_.on_update(update(1, OrderStatus::kNew)).result, OmsResult::kApplied);
  EXPECT_EQ(table_.open_qty(InstrumentId{0}, Side::kBuy), qty("2"));
  ASSERT_EQ(table_.request_replace(ClientOrderId{9, 1}, px("99"), qty("3"), 1).after,
            OrderStatus::kPendingReplace);
  EXPECT_EQ(table_.on_update(update(1, OrderStatus::kNew)).after, OrderStatus::kNew);
  EXPECT_EQ(rec(1).intent.price, px("99"));
  EXPECT_EQ(table_.open_qty(InstrumentId{0}, Side::kBuy), qty("3"));
  // A refused replace keeps the old order.
  ASSERT_EQ(table_.request_replace(ClientOrderId{9, 1}, px("98"), qty("1"), 2).result,
            OmsResult::kApplied);
  common::OrderUpdate rej = update(1, OrderStatus::kPendingReplace);
  rej.reject = common::RejectReason::kInvalidPrice;
  EXPECT_EQ(table_.on_update(rej).after, OrderStatus::kNew);
  EXPECT_EQ(rec(1).intent.price, px("99"));
}

TEST_F(OrderTableTest, CancelRejectRestoresOpenState) {
  ASSERT_EQ(table_.submit(intent(1), 0).result, OmsResult::kApplied);
  ASSERT_EQ(table_.on_fill(fill(1, 1, "1", "100")).result, OmsResult::kApplied);
  ASSERT_EQ(table_.request_cancel(ClientOrderId{9, 1}, 1).result, OmsResult::kApplied);
  common::OrderUpdate rej = update(1, OrderStatus::kPendingCancel, "1");
  rej.reject = common::RejectReason::kOther;
  EXPECT_EQ(table_.on_update(rej).after, OrderStatus::kPartiallyFilled);
}

TEST_F(OrderTableTest, OpenCountsAndAggregates) {
  ASSERT_EQ(table_.submit(intent(1, Side::kBuy, "100", "2", 0), 0).result, OmsResult::kApplied);
  ASSERT_EQ(table_.submit(intent(2, Side::kSell, "105", "1", 0), 0).result, OmsResult::kApplied);
  ASSERT_EQ(table_.submit(intent(3, Side::kBuy, "50", "1", 1), 0).result, OmsResult::kApplied);
  EXPECT_EQ(table_.open_count(), 3u);
  EXPECT_EQ(table_.open_count(common::VenueId::kHyperliquid), 2u);
  EXPECT_EQ(table_.open_count(common::VenueId::kCoinbase), 1u);
  EXPECT_EQ(table_.open_count(InstrumentId{0}), 2u);
  EXPECT_EQ(table_.open_count(common::StrategyId{1}), 3u);
  EXPECT_EQ(table_.open_qty(InstrumentId{0}, Side::kBuy), qty("2"));
  const common::AssetId btc = reg_.find_asset("BTC");
  EXPECT_EQ(table_.open_qty(btc, Side::kBuy), qty("3"));
  EXPECT_EQ(table_.open_notional_raw(common::VenueId::kHyperliquid),
            common::notional_raw(px("100"), qty("2")) + common::notional_raw(px("105"), qty("1")));
  Price best;
  ASSERT_TRUE(table_.best_own_price(InstrumentId{0}, Side::kSell, &best));
  EXPECT_EQ(best, px("105"));
  // A partial fill reduces the open quantity; the close removes the rest.
  ASSERT_EQ(table_.on_fill(fill(1, 1, "0.5", "100")).result, OmsResult::kApplied);
  EXPECT_EQ(table_.open_qty(InstrumentId{0}, Side::kBuy), qty("1.5"));
  ASSERT_EQ(table_.on_update(update(2, OrderStatus::kCancelled)).result, OmsResult::kApplied);
  EXPECT_FALSE(table_.best_own_price(InstrumentId{0}, Side::kSell, &best));
  EXPECT_EQ(table_.open_count(InstrumentId{0}), 1u);
  std::vector<std::uint64_t> open;
  table_.for_each_open([&](const OrderRecord& r) { open.push_back(r.intent.cloid.lo); });
  EXPECT_EQ(open, (std::vector<std::uint64_t>{1, 3}));
}

TEST_F(OrderTableTest, FullTableRecyclesOldestClosedOrder) {
  for (std::uint64_t n = 1; n <= 8; ++n) {
    ASSERT_EQ(table_.submit(intent(n), 0).result, OmsResult::kApplied);
  }
  EXPECT_EQ(table_.submit(intent(9), 0).result, OmsResult::kTableFull);
  ASSERT_EQ(table_.on_update(update(3, OrderStatus::kRejected)).result, OmsResult::kApplied);
  ASSERT_EQ(table_.on_update(update(2, OrderStatus::kRejected)).result, OmsResult::kApplied);
  EXPECT_EQ(table_.submit(intent(9), 0).result, OmsResult::kApplied);
  EXPECT_EQ(table_.find(ClientOrderId{9, 3}), nullptr);  // oldest closed went first
  EXPECT_NE(table_.find(ClientOrderId{9, 2}), nullptr);
}

TEST_F(OrderTableTest, DedupWindowForgetsOldestFillIds) {
  ASSERT_EQ(table_.submit(intent(1, Side::kBuy, "100", "100"), 0).result, OmsResult::kApplied);
  for (std::uint64_t id = 1; id <= 5; ++id) {
    ASSERT_EQ(table_.on_fill(fill(1, id, "1", "100")).result, OmsResult::kApplied);
  }
  EXPECT_EQ(table_.on_fill(fill(1, 5, "1", "100")).result, OmsResult::kDuplicateFill);
  EXPECT_EQ(table_.on_fill(fill(1, 1, "1", "100")).result, OmsResult::kApplied);  // evicted
}

TEST_F(OrderTableTest, HotPathDoesNotAllocate) {
  AllocScope scope;
  for (std::uint64_t round = 0; round < 50; ++round) {
    for (std::uint64_t k = 1; k <= 4; ++k) {
      const std::uint64_t n = round * 10 + k;
      ASSERT_EQ(table_.submit(intent(n), 0).result, OmsResult::kApplied);
      ASSERT_EQ(table_.on_update(update(n, OrderStatus::kNew)).result, OmsResult::kApplied);
      ASSERT_EQ(table_.on_fill(fill(n, n * 2, "1", "100")).result, OmsResult::kApplied);
      ASSERT_EQ(table_.request_cancel(ClientOrderId{9, n}, 1).result, OmsResult::kApplied);
      ASSERT_EQ(table_.on_update(update(n, OrderStatus::kCancelled, "1")).result,
                OmsResult::kApplied);
    }
  }
  EXPECT_EQ(scope.count(), 0u);
}

}  // namespace
}  // namespace peregrine::engine::oms
