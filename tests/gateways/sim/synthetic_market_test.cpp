// SyntheticMarket: determinism for a seed, a live two-sided book on tick/lot with trades, resting
// orders filled when the fair value moves through them, and venue dislocation.
#include <gtest/gtest.h>

#include <memory>

#include "gateways/sim/synthetic_market.hpp"
#include "sim_fixture.hpp"

namespace peregrine::gateways::sim::testing {
namespace {

using common::BookSide;
using common::Nanos;

constexpr Nanos kStep = 10'000'000;  // 10 ms

class TapeListener : public Listener {
 public:
  void on_trade(common::InstrumentId, common::Price p, common::Qty q, common::Side s,
                std::uint64_t id, Nanos ts) override {
    tape.push_back(std::to_string(id) + " " + p.to_string() + " " + q.to_string() + " " +
                   (s == common::Side::kBuy ? "B" : "S") + " " + std::to_string(ts));
  }
  void on_book_level(common::InstrumentId, BookSide, common::Price p, common::Qty q,
                     Nanos) override {
    if (!p.on_grid(tick) || !q.on_grid(lot) || q.is_negative()) ++off_grid;
  }
  std::vector<std::string> tape;
  common::Price tick;
  common::Qty lot;
  int off_grid = 0;
};

struct World {
  explicit World(std::uint64_t seed) : market(seed) {
    for (std::size_t v = 0; v < 2; ++v) {
      auto ex = std::make_unique<Exchange>(v == 0 ? "hl" : "bn");
      SimInstrumentSpec s;
      s.symbol = v == 0 ? "BTC" : "BTCUSDT";
      s.asset = "BTC";
      s.tick = v == 0 ? P("1") : P("0.1");
      s.lot = v == 0 ? Q("0.00001") : Q("0.001");
      s.min_notional = M("5");
      s.maker_fee_ppm = 150;
      s.taker_fee_ppm = 450;
      s.max_leverage = 40;
      inst[v] = ex->add_instrument(s);
      liq[v] = ex->add_account("liquidity", M("10000000000"));
      me[v] = ex->add_account("me", M("1000000"));
      tapes[v].tick = s.tick;
      tapes[v].lot = s.lot;
      ex->set_listener(&tapes[v]);
      venues[v] = std::move(ex);
    }
    AssetMarketConfig cfg;
    cfg.asset = "BTC";
    cfg.start_price = 60000;
    cfg.vol_per_sqrt_s = 0.0005;
    cfg.levels = 20;
    cfg.level_qty = 0.5;
    cfg.spread_ticks = 2;
    cfg.taker_rate_hz = 5;
    cfg.cancel_rate_hz = 5;
    cfg.place_rate_hz = 5;
    market.add_asset(cfg, {VenueLeg{venues[0].get(), inst[0], liq[0], 0.0, 0},
                           VenueLeg{venues[1].get(), inst[1], liq[1], 2.0, 50'000'000}});
  }
  std::array<std::unique_ptr<Exchange>, 2> venues;
  std::array<common::InstrumentId, 2> inst{};
  std::array<AccountId, 2> liq{}, me{};
  std::array<TapeListener, 2> tapes;
  SyntheticMarket market;
};

TEST(SyntheticMarket, SameSeedSameTrades) {
  World w1(7), w2(7), w3(8);
  for (int i = 1; i <= 1500; ++i) {
    w1.market.step(i * kStep);
    w2.market.step(i * kStep);
    w3.market.step(i * kStep);
  }
  for (std::size_t v = 0; v < 2; ++v) {
    ASSERT_GT(w1.tapes[v].tape.size(), 20u);
    EXPECT_EQ(w1.tapes[v].tape, w2.tapes[v].tape);
    EXPECT_NE(w1.tapes[v].tape, w3.tapes[v].tape);
  }
  EXPECT_EQ(w1.market.fair_value("BTC"), w2.market.fair_value("BTC"));
}

TEST(SyntheticMarket, TwoSidedBookOnTickAndLotWithTrades) {
  World w(1);
  for (int i = 1; i <= 1000; ++i) {
    w.market.step(i * kStep);
    for (std::size_t v = 0; v < 2; ++v) {
      const auto bid = w.venues[v]->best(w.inst[v], BookSide::kBid);
      const auto ask = w.venues[v]->best(w.inst[v], BookSide::kAsk);
      ASSERT_TRUE(bid && ask) << "one-sided book at step " << i;
      ASSERT_LT(*bid, *ask);
      ASSERT_GE(w.venues[v]->level_count(w.inst[v], BookSide::kBid),
                10u);  // takers may eat a few after refill
    }
  }
  const double fair = w.market.fair_value("BTC");
  for (std::size_t v = 0; v < 2; ++v) {
    EXPECT_EQ(w.tapes[v].off_grid, 0);
    EXPECT_GT(w.venues[v]->trade_count(), 20u);
    const auto mid = w.venues[v]->mark_price(w.inst[v]).to_double();
    EXPECT_NEAR(mid / fair, 1.0, 0.01);
  }
}

TEST(SyntheticMarket, RestingOrderFillsWhenFairValueMovesThroughIt) {
  World w(3);
  for (int i = 1; i <= 10; ++i) w.market.step(i * kStep);
  const double fair = w.market.fair_value("BTC");
  OrderRequest r;
  r.account = w.me[0];
  r.instrument = w.inst[0];
  r.side = common::Side::kBuy;
  r.price = common::Price::from_units(static_cast<std::int64_t>(fair * 0.995)).value();
  r.qty = Q("0.01");
  const auto res = w.venues[0]->submit(r, 10 * kStep);
  ASSERT_EQ(res.error, SimError::kNone);
  w.market.step(11 * kStep);
  EXPECT_EQ(w.venues[0]->find_order(w.me[0], res.order_id)->status, common::OrderStatus::kNew);
  w.market.move_fair_value("BTC", -2.0);
  w.market.step(12 * kStep);
  EXPECT_EQ(w.venues[0]->find_order(w.me[0], res.order_id)->status, common::OrderStatus::kFilled);
  EXPECT_EQ(w.venues[0]->position(w.me[0], w.inst[0]).qty, Q("0.01"));
}

TEST(SyntheticMarket, DislocationShiftsOneVenue) {
  World w(5);
  w.market.step(kStep);
  w.market.dislocate("BTC", w.venues[1].get(), 50.0, 1'000'000'000, kStep);
  w.market.step(2 * kStep);
  w.market.step(3 * kStep);  // past the 50 ms lag of venue 1
  w.market.step(8 * kStep);
  const double hl = w.venues[0]->mark_price(w.inst[0]).to_double();
  const double bn = (w.venues[1]->best(w.inst[1], BookSide::kBid)->to_double() +
                     w.venues[1]->best(w.inst[1], BookSide::kAsk)->to_double()) /
                    2;
  EXPECT_GT(bn / hl - 1.0, 0.004);  // ~52 bp apart (2 basis + 50 dislocation)
  for (int i = 9; i <= 150; ++i) w.market.step(i * kStep);
  const double hl2 = w.venues[0]->best(w.inst[0], BookSide::kBid)->to_double();
  const double bn2 = w.venues[1]->best(w.inst[1], BookSide::kBid)->to_double();
  EXPECT_LT(std::abs(bn2 / hl2 - 1.0), 0.002);  // back to the 2 bp basis
}

}  // namespace
}  // namespace peregrine::gateways::sim::testing
