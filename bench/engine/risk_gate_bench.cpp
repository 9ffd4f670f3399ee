// Pre-trade risk gate: one allowed new order with every check enabled (target p50 <= 50 ns).
#include <benchmark/benchmark.h>

#include "common/instrument.hpp"
#include "common/l2_book.hpp"
#include "engine/oms/order_table.hpp"
#include "engine/portfolio/portfolio.hpp"
#include "engine/risk/risk_gate.hpp"

namespace {

using namespace peregrine;  // NOLINT: bench brevity

common::InstrumentRegistry risk_bench_registry() {
  common::InstrumentRegistry reg;
  common::Instrument i;
  static_cast<void>(i.symbol.assign("BTC"));
  static_cast<void>(i.asset.assign("BTC"));
  i.tick = common::Price::parse("1").value();
  i.lot = common::Qty::parse("0.001").value();
  i.min_notional = common::Money::parse("10").value();
  static_cast<void>(reg.add(i));
  return reg;
}

void BM_RiskGate_Check(benchmark::State& state) {
  const auto reg = risk_bench_registry();
  engine::oms::OrderTable orders(engine::oms::OmsConfig{1024, 8, 8, 1024}, reg);
  engine::portfolio::Portfolio pf(engine::portfolio::PortfolioConfig{8, 8}, reg);
  engine::risk::RiskGateConfig cfg;
  cfg.defaults.max_order_qty = common::Qty::parse("5").value();
  cfg.defaults.max_order_notional = common::Money::parse("1000").value();
  cfg.defaults.collar_bps = 100;
  cfg.defaults.fat_finger_bps = 500;
  cfg.defaults.max_position_notional = common::Money::parse("100000").value();
  cfg.defaults.max_open_orders = 100;
  for (auto& v : cfg.venues) {
    v.max_gross_exposure = common::Money::parse("1000000").value();
    v.max_open_orders = 100;
    v.orders_per_sec = 100'000;
  }
  cfg.assets["BTC"].max_position_notional = common::Money::parse("100000").value();
  cfg.assets["BTC"].max_gross_exposure = common::Money::parse("1000000").value();
  cfg.global.max_open_orders = 100;
  cfg.global.max_open_orders_per_strategy = 100;
  cfg.global.max_daily_loss = common::Money::parse("5000").value();
  cfg.global.max_drawdown = common::Money::parse("10000").value();
  cfg.global.duplicate_window_ns = 1'000;
  engine::risk::RiskGate gate(cfg, reg, orders, pf, 8);
  common::VenueStatus up;
  up.state = common::VenueState::kConnected;
  gate.on_venue_status(up);

  common::L2Book book(64);
  common::BookDelta d;
  d.price = common::Price::parse("100").value();
  d.qty = common::Qty::parse("10").value();
  d.flags = common::book_flags::kSnapshotBegin;
  static_cast<void>(book.apply(d));
  d.side = common::BookSide::kAsk;
  d.price = common::Price::parse("101").value();
  d.flags = common::book_flags::kSnapshotEnd;
  static_cast<void>(book.apply(d));

  // A resting sell far away, so the self-trade check has something to compare against.
  common::OrderIntent rest;
  rest.cloid = common::ClientOrderId{9, 9};
  rest.instrument = common::InstrumentId{0};
  rest.side = common::Side::kSell;
  rest.price = common::Price::parse("101").value();
  rest.qty = common::Qty::parse("1").value();
  static_cast<void>(orders.submit(rest, 0));

  common::OrderIntent in;
  in.instrument = common::InstrumentId{0};
  in.side = common::Side::kBuy;
  in.price = common::Price::parse("100").value();
  in.qty = common::Qty::parse("1").value();
  common::Nanos now = 1'000'000'000;
  std::uint64_t seq = 0;
  std::uint64_t denied = 0;
  for (auto _ : state) {
    common::OrderIntent x = in;
    x.cloid = common::ClientOrderId{1, ++seq};
    now += 20'000;  // past the duplicate window; the bucket refills faster than we spend
    const auto r = gate.check(x, book, now);
    denied += r.allowed ? 0 : 1;
    benchmark::DoNotOptimize(r);
  }
  if (denied != 0)
    state.SkipWithError("an order was denied: the benchmark is not measuring the allow path");
}
BENCHMARK(BM_RiskGate_Check);

}  // namespace
