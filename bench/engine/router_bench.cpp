// Router: venue selection over three candidate venues with 20-level books.
#include <benchmark/benchmark.h>

#include "common/instrument.hpp"
#include "common/l2_book.hpp"
#include "engine/router/router.hpp"

namespace {

using namespace peregrine;  // NOLINT: bench brevity

void BM_Router_Select(benchmark::State& state) {
  common::InstrumentRegistry reg;
  const common::VenueId venues[3] = {common::VenueId::kHyperliquid, common::VenueId::kBinance,
                                     common::VenueId::kCoinbase};
  for (common::VenueId v : venues) {
    common::Instrument i;
    i.venue = v;
    static_cast<void>(i.symbol.assign("BTC"));
    static_cast<void>(i.asset.assign("BTC"));
    i.tick = common::Price::parse("1").value();
    i.lot = common::Qty::parse("0.001").value();
    i.taker_fee =
        common::Rate::parse(v == common::VenueId::kBinance ? "0.0005" : "0.00045").value();
    static_cast<void>(reg.add(i));
  }
  common::L2Book books[3] = {common::L2Book(64), common::L2Book(64), common::L2Book(64)};
  std::array<engine::router::VenueInput, common::kVenueCount> inputs{};
  for (std::uint32_t b = 0; b < 3; ++b) {
    for (int lvl = 0; lvl < 20; ++lvl) {
      common::BookDelta d;
      d.qty = common::Qty::from_units(1 + b).value();
      d.side = common::BookSide::kBid;
      d.price = common::Price::from_units(100 - lvl).value();
      d.flags = lvl == 0 ? common::book_flags::kSnapshotBegin : 0;
      static_cast<void>(books[b].apply(d));
      d.side = common::BookSide::kAsk;
      d.price = common::Price::from_units(101 + lvl).value();
      d.flags = lvl == 19 ? common::book_flags::kSnapshotEnd : 0;
      static_cast<void>(books[b].apply(d));
    }
    inputs[common::index(venues[b])] = {common::InstrumentId{b}, &books[b], true};
  }
  engine::router::RouterConfig cfg;
  engine::router::VenueSelector sel(cfg, reg);
  engine::router::AllocationManager alloc(cfg);
  engine::router::VenueStats stats(0.1);
  for (common::VenueId v : venues) {
    stats.on_ack_latency(v, 1'000'000 + 100'000 * static_cast<int>(v));
    stats.on_outcome(v, false);
  }
  const auto view = alloc.evaluate({70, 0, 0, 30});
  const common::Qty need = common::Qty::parse("12.5").value();
  for (auto _ : state) {
    auto d = sel.select(inputs, common::Side::kBuy, need, common::Price{}, false, stats, &view);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Router_Select);

}  // namespace
