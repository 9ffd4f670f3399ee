// Each strategy's decision on a book update beside an empty strategy, same binary, same context.
// The books are prebuilt and steady (no order results), so this times the decision itself:
// reading the book, updating state, and concluding "nothing to do".
#include <benchmark/benchmark.h>

#include "strategies/confluence/executor.hpp"
#include "strategies/fib_hedger.hpp"
#include "strategies/xvenue_arb.hpp"
#include "tests/strategies/support/fake_context.hpp"

namespace {

using peregrine::common::InstrumentId;
using peregrine::common::StrategyId;
using peregrine::common::VenueId;
using peregrine::strategies::Strategy;
using peregrine::strategies::StrategyContext;
using peregrine::strategies::testing::FakeContext;
using peregrine::strategies::testing::qt;

class Empty final : public Strategy {
 public:
  std::string_view name() const noexcept override { return "empty"; }
  void on_book(StrategyContext& ctx, InstrumentId id) noexcept override {
    benchmark::DoNotOptimize(&ctx);
    benchmark::DoNotOptimize(id);
  }
};

struct Market {
  FakeContext ctx;
  InstrumentId a, b;
  Market() {
    a = ctx.add_instrument(VenueId::kHyperliquid, "BTC", 0.1, 0.001);
    b = ctx.add_instrument(VenueId::kBinance, "BTC", 0.1, 0.001);
    ctx.set_book(a, 60000.0, 60000.1, 2, 20);
    ctx.set_book(b, 60000.0, 60000.1, 2, 20);
  }
};

void run(benchmark::State& state, Market& m, Strategy& s) {
  Strategy* sp = &s;
  for (auto _ : state) {
    sp->on_book(m.ctx, m.a);
    benchmark::ClobberMemory();
  }
}

void BM_Strategy_Empty(benchmark::State& state) {
  Market m;
  Empty s;
  run(state, m, s);
}
BENCHMARK(BM_Strategy_Empty);

void BM_FibHedger_OnBook(benchmark::State& state) {
  Market m;
  peregrine::strategies::FibHedgerConfig cfg;
  cfg.order_qty = qt(1);
  cfg.hedge_venue = VenueId::kBinance;
  peregrine::strategies::FibHedger s(StrategyId{1}, cfg, m.a, m.b);
  m.ctx.step(s, m.a);  // enter; then every update is a steady decision
  if (s.state() != peregrine::strategies::FibHedger::State::kActive) state.SkipWithError("entry");
  run(state, m, s);
}
BENCHMARK(BM_FibHedger_OnBook);

void BM_Confluence_OnBook(benchmark::State& state) {
  Market m;
  peregrine::strategies::confluence::ExecutorConfig cfg;  // analyzer on; balanced book = 50
  peregrine::strategies::confluence::ConfluenceExecutor s(StrategyId{2}, cfg, m.a);
  run(state, m, s);
  if (!m.ctx.intents.empty()) state.SkipWithError("traded");
}
BENCHMARK(BM_Confluence_OnBook);

void BM_XvenueArb_OnBook(benchmark::State& state) {
  Market m;
  peregrine::strategies::XvenueArbConfig cfg;
  cfg.max_book_age = std::chrono::hours(1);
  peregrine::strategies::XvenueArb s(StrategyId{3}, cfg, {m.a, m.b});
  s.on_book(m.ctx, m.b);  // both books seen: every pair is evaluated, none has an edge
  run(state, m, s);
  if (!m.ctx.intents.empty()) state.SkipWithError("traded");
}
BENCHMARK(BM_XvenueArb_OnBook);

}  // namespace
