// OMS order table: submit + venue ack + full fill of one order (records recycle in steady state).
#include <benchmark/benchmark.h>

#include "common/instrument.hpp"
#include "engine/oms/order_table.hpp"

namespace {

using namespace peregrine;  // NOLINT: bench brevity

void BM_Oms_SubmitAckFill(benchmark::State& state) {
  common::InstrumentRegistry reg;
  common::Instrument i;
  static_cast<void>(i.symbol.assign("BTC"));
  static_cast<void>(i.asset.assign("BTC"));
  i.tick = common::Price::parse("1").value();
  i.lot = common::Qty::parse("0.001").value();
  static_cast<void>(reg.add(i));
  engine::oms::OrderTable table(engine::oms::OmsConfig{4096, 8, 8, 65536}, reg);

  common::OrderIntent in;
  in.instrument = common::InstrumentId{0};
  in.price = common::Price::parse("100").value();
  in.qty = common::Qty::parse("1").value();
  common::OrderUpdate ack;
  ack.status = common::OrderStatus::kNew;
  common::Fill fill;
  fill.price = in.price;
  fill.qty = in.qty;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    ++seq;
    in.cloid = common::ClientOrderId{7, seq};
    ack.cloid = in.cloid;
    ack.venue_order_id = common::VenueOrderId::from_int(seq);
    fill.cloid = in.cloid;
    fill.fill_id = seq;
    benchmark::DoNotOptimize(table.submit(in, 1));
    benchmark::DoNotOptimize(table.on_update(ack));
    benchmark::DoNotOptimize(table.on_fill(fill));
  }
  if (table.open_count() != 0) state.SkipWithError("orders left open");
}
BENCHMARK(BM_Oms_SubmitAckFill);

}  // namespace
