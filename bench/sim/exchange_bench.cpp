// Simulated exchange cost per order request (submit + match + events), so the simulator is never
// the bottleneck of an engine benchmark.
#include <benchmark/benchmark.h>

#include <vector>

#include "gateways/sim/exchange.hpp"
#include "gateways/sim/synthetic_market.hpp"

namespace {

using namespace peregrine;
using gateways::sim::Exchange;
using gateways::sim::OrderRequest;

// Counts events like a protocol layer would touch them, without formatting.
class CountingListener : public gateways::sim::Listener {
 public:
  void on_order(const gateways::sim::SimOrder& o) override { n_ += o.id; }
  void on_fill(const gateways::sim::SimFill& f) override { n_ += f.trade_id; }
  void on_book_level(common::InstrumentId, common::BookSide, common::Price p, common::Qty,
                     common::Nanos) override {
    n_ += static_cast<std::uint64_t>(p.raw());
  }
  std::uint64_t n_ = 0;
};

struct Setup {
  Setup() : ex("bench") {
    gateways::sim::SimInstrumentSpec s;
    s.symbol = "BTC";
    s.asset = "BTC";
    s.tick = common::Price::parse("0.1").value();
    s.lot = common::Qty::parse("0.001").value();
    s.maker_fee_ppm = 150;
    s.taker_fee_ppm = 450;
    inst = ex.add_instrument(s);
    maker = ex.add_account("maker", common::Money::from_units(10'000'000'000).value());
    taker = ex.add_account("taker", common::Money::from_units(10'000'000'000).value());
    ex.set_max_open_orders(maker, 1'000'000);
    ex.set_listener(&listener);
  }
  OrderRequest req(gateways::sim::AccountId acc, common::Side side, std::int64_t px_tenths,
                   std::int64_t lots) const {
    OrderRequest r;
    r.account = acc;
    r.instrument = inst;
    r.side = side;
    r.price = common::Price::from_raw(px_tenths * 10'000'000);
    r.qty = common::Qty::from_raw(lots * 100'000);
    return r;
  }
  Exchange ex;
  CountingListener listener;
  common::InstrumentId inst;
  gateways::sim::AccountId maker = 0, taker = 0;
};

// A resting limit order joining one of 20 levels, then cancelled in batches outside the timing.
void BM_SimExchange_SubmitRest(benchmark::State& state) {
  Setup s;
  std::vector<gateways::sim::OrderId> ids;
  ids.reserve(4096);
  common::Nanos now = 0;
  std::int64_t i = 0;
  for (auto _ : state) {
    const auto r = s.ex.submit(s.req(s.maker, common::Side::kBuy, 600000 - (i++ % 20), 1), ++now);
    ids.push_back(r.order_id);
    if (ids.size() == 4096) {
      state.PauseTiming();
      for (const auto id : ids) benchmark::DoNotOptimize(s.ex.cancel(s.maker, s.inst, id, now));
      ids.clear();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimExchange_SubmitRest);

// An IOC taker fully filled by the head order of the best level (one level, one maker), the
// maker replenished outside the timing.
void BM_SimExchange_SubmitCross(benchmark::State& state) {
  Setup s;
  common::Nanos now = 0;
  for (int k = 0; k < 100; ++k) {
    static_cast<void>(s.ex.submit(s.req(s.maker, common::Side::kSell, 600010, 1), ++now));
  }
  int left = 100;
  for (auto _ : state) {
    OrderRequest r = s.req(s.taker, common::Side::kBuy, 600010, 1);
    r.tif = common::TimeInForce::kIoc;
    benchmark::DoNotOptimize(s.ex.submit(r, ++now));
    if (--left == 0) {
      state.PauseTiming();
      for (int k = 0; k < 100; ++k) {
        static_cast<void>(s.ex.submit(s.req(s.maker, common::Side::kSell, 600010, 1), ++now));
      }
      left = 100;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimExchange_SubmitCross);

// Cancel of a resting order among ~4k on 20 levels.
void BM_SimExchange_Cancel(benchmark::State& state) {
  Setup s;
  common::Nanos now = 0;
  std::vector<gateways::sim::OrderId> ids;
  auto refill = [&] {
    ids.clear();
    for (std::int64_t k = 0; k < 4096; ++k) {
      ids.push_back(
          s.ex.submit(s.req(s.maker, common::Side::kBuy, 600000 - (k % 20), 1), ++now).order_id);
    }
  };
  refill();
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.ex.cancel(s.maker, s.inst, ids[next++], ++now));
    if (next == ids.size()) {
      state.PauseTiming();
      refill();
      next = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimExchange_Cancel);

// One 10 ms step of a BTC market on two venues (ladder upkeep + Poisson flow).
void BM_SimExchange_SyntheticStep(benchmark::State& state) {
  Exchange a("a"), b("b");
  gateways::sim::SimInstrumentSpec spec;
  spec.symbol = "BTC";
  spec.asset = "BTC";
  spec.tick = common::Price::parse("1").value();
  spec.lot = common::Qty::parse("0.0001").value();
  const auto ia = a.add_instrument(spec);
  const auto ib = b.add_instrument(spec);
  const auto big = common::Money::from_units(10'000'000'000).value();
  const auto la = a.add_account("liq", big);
  const auto lb = b.add_account("liq", big);
  gateways::sim::SyntheticMarket m(42);
  gateways::sim::AssetMarketConfig cfg;
  cfg.asset = "BTC";
  cfg.start_price = 60000;
  cfg.levels = 20;
  cfg.level_qty = 0.5;
  cfg.taker_rate_hz = 20;
  cfg.cancel_rate_hz = 20;
  cfg.place_rate_hz = 20;
  m.add_asset(cfg, {{&a, ia, la, 0.0, 0}, {&b, ib, lb, 1.0, 20'000'000}});
  common::Nanos now = 0;
  for (auto _ : state) m.step(now += 10'000'000);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimExchange_SyntheticStep);

}  // namespace
