// Randomized invariants: 10k random orders, cancels and amends across accounts (one in hedge
// mode), checked after every call.
#include <gtest/gtest.h>

#include <array>

#include "common/rng.hpp"
#include "sim_fixture.hpp"

namespace peregrine::gateways::sim::testing {
namespace {

using common::BookSide;
using common::InstrumentId;
using common::Money;
using common::OrderType;
using common::PositionSide;
using common::Qty;
using common::TimeInForce;

class FilledNeverExceedsQty : public Listener {
 public:
  void on_order(const SimOrder& o) override {
    if (o.filled > o.qty || o.filled.is_negative()) ++violations;
  }
  void on_fill(const SimFill& f) override {
    if (!f.qty.is_positive()) ++violations;
  }
  int violations = 0;
};

TEST(SimInvariants, RandomFlowKeepsBookPositionsAndCashConsistent) {
  Exchange ex("rand");
  FilledNeverExceedsQty guard;
  ex.set_listener(&guard);
  std::array<InstrumentId, 2> inst{};
  for (int i = 0; i < 2; ++i) {
    SimInstrumentSpec s;
    s.symbol = i == 0 ? "BTC" : "ETH";
    s.asset = s.symbol;
    s.tick = P("0.1");
    s.lot = Q("0.001");
    s.min_notional = M("1");
    s.maker_fee_ppm = i == 0 ? -50 : 150;
    s.taker_fee_ppm = 450;
    s.max_leverage = 50;
    inst[static_cast<std::size_t>(i)] = ex.add_instrument(s);
  }
  constexpr int kAccounts = 5;
  const Money initial = M("50000");
  for (int i = 0; i < kAccounts; ++i) {
    ex.add_account("acc" + std::to_string(i), initial, /*hedge_mode=*/i == 4);
  }
  common::Rng rng(12345);
  std::vector<std::pair<AccountId, OrderId>> placed;
  common::Nanos now = 1;
  std::size_t fills_seen = 0;

  auto check = [&](int step) {
    for (const InstrumentId id : inst) {
      const auto bid = ex.best(id, BookSide::kBid);
      const auto ask = ex.best(id, BookSide::kAsk);
      if (bid && ask) {
        ASSERT_LT(*bid, *ask) << "crossed book at step " << step;
      }
      Qty net;
      for (AccountId a = 0; a < kAccounts; ++a) {
        for (const auto ps : {PositionSide::kBoth, PositionSide::kLong, PositionSide::kShort})
          net += ex.position(a, id, ps).qty;
      }
      ASSERT_TRUE(net.is_zero()) << "positions do not net to zero at step " << step;
      // Aggregated levels equal the sum of the resting orders.
      Qty book;
      std::vector<BookLevel> lv(256);
      for (const auto side : {BookSide::kBid, BookSide::kAsk}) {
        const std::size_t n = ex.book_levels(id, side, lv);
        for (std::size_t i = 0; i < n; ++i) book += lv[i].qty;
      }
      Qty resting;
      for (AccountId a = 0; a < kAccounts; ++a) {
        ex.for_each_open_order(a, id, [&](const SimOrder& o) {
          ASSERT_LE(o.filled, o.qty);
          if (o.type == OrderType::kLimit || o.triggered) resting += o.remaining();
        });
      }
      ASSERT_EQ(book, resting) << "level totals drifted at step " << step;
    }
    // Cash conservation, exact. Every match moves the same notional from buyer to seller, so
    // realized PnL summed over accounts equals the cost basis still held in open positions
    // (the counterpart of their unrealized PnL); with every position flat this is
    // sum(wallet change) == -sum(fees).
    Money wallet_change, fees, cost;
    for (AccountId a = 0; a < kAccounts; ++a) {
      wallet_change += ex.balance(a).wallet - initial;
      for (const InstrumentId id : inst) {
        for (const auto ps : {PositionSide::kBoth, PositionSide::kLong, PositionSide::kShort}) {
          const SimPosition p = ex.position(a, id, ps);
          fees += p.fees_paid;
          cost += p.cost_basis;
        }
      }
    }
    ASSERT_EQ(wallet_change + fees, cost) << "cash not conserved at step " << step;
  };

  for (int step = 0; step < 10'000; ++step) {
    ++now;
    const auto acc = static_cast<AccountId>(rng.uniform(kAccounts));
    const InstrumentId id = inst[rng.uniform(2)];
    const std::uint64_t op = rng.uniform(100);
    if (op < 60) {
      OrderRequest r;
      r.account = acc;
      r.instrument = id;
      r.side = rng.uniform(2) == 0 ? common::Side::kBuy : common::Side::kSell;
      const std::uint64_t kind = rng.uniform(20);
      r.type = kind < 14   ? OrderType::kLimit
               : kind < 16 ? OrderType::kMarket
               : kind < 18 ? OrderType::kStopMarket
                           : OrderType::kTakeProfitLimit;
      static constexpr std::array<TimeInForce, 4> kTifs = {
          TimeInForce::kGtc, TimeInForce::kIoc, TimeInForce::kFok, TimeInForce::kPostOnly};
      r.tif = kTifs[rng.uniform(4)];
      r.price = common::Price::from_raw((995 + static_cast<std::int64_t>(rng.uniform(11))) *
                                        10'000'000);  // 99.5 .. 100.5
      r.trigger_price =
          common::Price::from_raw((990 + static_cast<std::int64_t>(rng.uniform(21))) * 10'000'000);
      r.qty = Qty::from_raw((1 + static_cast<std::int64_t>(rng.uniform(500))) * 100'000);
      r.reduce_only = rng.uniform(8) == 0;
      if (acc == 4)
        r.position_side = rng.uniform(2) == 0 ? PositionSide::kLong : PositionSide::kShort;
      const SubmitResult res = ex.submit(r, now);
      if (res.order_id != 0) placed.emplace_back(acc, res.order_id);
      if (res.filled > r.qty) FAIL() << "filled more than asked";
    } else if (op < 85 && !placed.empty()) {
      const auto [a, oid] = placed[rng.uniform(placed.size())];
      const SimOrder* o = ex.find_order(a, oid);
      if (o != nullptr) static_cast<void>(ex.cancel(a, o->instrument, oid, now));
    } else if (op < 97 && !placed.empty()) {
      const auto [a, oid] = placed[rng.uniform(placed.size())];
      const SimOrder* o = ex.find_order(a, oid);
      if (o != nullptr) {
        const auto px = common::Price::from_raw(
            o->price.raw() + (static_cast<std::int64_t>(rng.uniform(5)) - 2) * 10'000'000);
        const auto q =
            Qty::from_raw(o->qty.raw() + (static_cast<std::int64_t>(rng.uniform(5)) - 2) * 100'000);
        static_cast<void>(ex.modify(a, o->instrument, oid, px, q, now));
      }
    } else {
      static_cast<void>(ex.cancel_all(acc, std::nullopt, now));
    }
    check(step);
    if (::testing::Test::HasFatalFailure()) return;
  }
  for (AccountId a = 0; a < kAccounts; ++a) {
    ex.for_each_fill(a, [&](const SimFill&) { ++fills_seen; });
  }
  EXPECT_EQ(guard.violations, 0);
  EXPECT_GT(ex.trade_count(), 1000u);  // the flow really traded
  EXPECT_GT(fills_seen, 2000u);
}

}  // namespace
}  // namespace peregrine::gateways::sim::testing
