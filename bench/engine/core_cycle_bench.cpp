// The whole core cycle, event -> decision -> risk -> queued intent, on one thread: a book delta
// enters the core's market-data queue, Core::do_work() drains it into the L2Book, the strategy's
// on_book decides to submit, the real session order flow (risk gate + OMS) admits the intent and
// it lands in the venue's order queue. Each cycle is timed with the TSC clock and recorded in a
// LatencyHistogram: p50/p99/p99.9 are reported as counters (ns, wall time of the cycle only),
// beside two floors measured the same way in the same binary:
//   - BM_CoreCycle_Floor_SpscHandoffs: the bare queue hand-offs of the cycle (MdEvent push/pop
//     and OrderIntent push/pop on the same thread), no core;
//   - BM_CoreCycle_EmptyStrategy: the same event through the core to a strategy that decides
//     nothing (queue + book + notify).
// The benchmark's own CPU time per iteration also includes the untimed part of each iteration
// (the "gateway" pops the intent and answers with a cancel, which the core applies).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/l2_book.hpp"
#include "common/latency_histogram.hpp"
#include "common/spsc_queue.hpp"
#include "engine/core/core.hpp"
#include "engine/session/wiring.hpp"
#include "strategies/strategy.hpp"

namespace {

namespace pg = peregrine;
using pg::common::Nanos;

constexpr const char* kCycleConfig = R"(
engine:
  mode: paper
  journal_dir: /tmp/unused
venues:
  binance:
    enabled: true
    rest_url: http://127.0.0.1:8102
    ws_url: ws://127.0.0.1:8102
    api_key: bench-key
    api_secret: bench-secret
instruments:
  - asset: BTC
    venues:
      binance: {symbol: BTCUSDT, tick: "0.10", lot: "0.001", min_notional: "100",
                maker_fee: "0.0002", taker_fee: "0.0005"}
risk:
  max_order_qty: "5"
  max_order_notional: "50000"
  max_position_notional: "200000"
  max_gross_exposure: "500000"
  max_open_orders: 200
  max_orders_per_sec: 10000
  price_collar_pct: "5"
  max_daily_loss: "5000"
  max_drawdown: "10000"
)";

constexpr Nanos kStart = 1'700'000'000'000'000'000;
// Replay time per cycle: past the risk gate's duplicate-intent window (50 ms by default; every
// cycle submits the same intent) and well inside the rate limit.
constexpr Nanos kStep = 100'000'000;

// The cycle's timer: a calibrated TSC clock (the same one the engine uses for its stages).
const pg::common::TscClock& tsc() {
  static const pg::common::TscClock c;
  return c;
}

void report(benchmark::State& state, const pg::common::LatencyHistogram& h) {
  state.counters["p50_ns"] = static_cast<double>(h.p50());
  state.counters["p99_ns"] = static_cast<double>(h.p99());
  state.counters["p999_ns"] = static_cast<double>(h.p999());
}

// Submits one passive buy at the best bid on every book update (the decision under test).
class SubmitOnBook final : public pg::strategies::Strategy {
 public:
  std::string_view name() const noexcept override { return "bench_submit_on_book"; }
  void on_book(pg::strategies::StrategyContext& ctx,
               pg::common::InstrumentId id) noexcept override {
    const pg::common::L2Book& book = ctx.book(id);
    if (!book.is_valid() || !book.has_bid()) return;
    pg::common::OrderIntent in;
    in.cloid = ctx.next_order_id();
    in.instrument = id;
    in.venue = pg::common::VenueId::kBinance;
    in.side = pg::common::Side::kBuy;
    in.type = pg::common::OrderType::kLimit;
    in.tif = pg::common::TimeInForce::kGtc;
    in.price = book.best_bid().price;
    in.qty = qty_;
    if (ctx.submit(in) == pg::strategies::SubmitResult::kAccepted) ++accepted;
  }
  std::uint64_t accepted = 0;

 private:
  pg::common::Qty qty_ = pg::common::Qty::parse("0.01").value();
};

class DecideNothing final : public pg::strategies::Strategy {
 public:
  std::string_view name() const noexcept override { return "bench_empty"; }
  void on_book(pg::strategies::StrategyContext& ctx,
               pg::common::InstrumentId id) noexcept override {
    seen += static_cast<std::uint64_t>(ctx.book(id).best_bid().qty.raw() != 0);
  }
  std::uint64_t seen = 0;
};

// One Binance BTCUSDT instrument, the session's real order flow, a core with one strategy, the
// venue connected and a valid two-level book.
struct Rig {
  pg::engine::EngineConfig cfg;
  pg::common::InstrumentRegistry reg;
  std::unique_ptr<pg::engine::SessionOrderFlow> flow;
  pg::common::ReplayClock clock{kStart};
  std::unique_ptr<pg::engine::Core> core;
  pg::engine::VenueQueues q;
  pg::common::InstrumentId id;
  std::string error;

  explicit Rig(pg::strategies::Strategy& s) {
    auto loaded = pg::engine::load_engine_config_string(kCycleConfig);
    if (!loaded.ok()) {
      error = loaded.errors.front().to_string();
      return;
    }
    cfg = loaded.value;
    pg::engine::build_registry(cfg, reg);
    id = reg.find(pg::common::VenueId::kBinance, "BTCUSDT");
    flow = pg::engine::make_order_flow(cfg, reg);
    core = std::make_unique<pg::engine::Core>(reg, clock, *flow);
    core->connect_md(pg::common::VenueId::kBinance, &q.md);
    core->connect_exec(pg::common::VenueId::kBinance, &q.exec);
    core->connect_orders(pg::common::VenueId::kBinance, &q.orders);
    core->add_strategy(&s);
    core->start();

    pg::common::MdEvent up;
    up.kind = pg::common::MdKind::kVenueStatus;
    up.status = pg::common::VenueStatus{};
    up.status.venue = pg::common::VenueId::kBinance;
    up.status.state = pg::common::VenueState::kConnected;
    up.status.ts_recv = kStart;
    static_cast<void>(q.md.try_push(up));
    pg::common::MdEvent bid = delta(pg::common::BookSide::kBid, "60000.0", "1");
    bid.delta.flags = pg::common::book_flags::kSnapshotBegin;
    pg::common::MdEvent ask = delta(pg::common::BookSide::kAsk, "60000.1", "1");
    ask.delta.flags = pg::common::book_flags::kSnapshotEnd | pg::common::book_flags::kEndOfBatch;
    static_cast<void>(q.md.try_push(bid));
    static_cast<void>(q.md.try_push(ask));
    while (core->do_work() > 0) {
    }
    // The snapshot itself made the submitting strategy trade once: answer it, and step past the
    // duplicate-intent window before the first timed cycle.
    answer_orders();
    clock.advance_to(clock.now_ns() + kStep);
    if (!core->book(id).is_valid()) error = "the bench book is not valid";
  }

  pg::common::MdEvent delta(pg::common::BookSide side, std::string_view px,
                            std::string_view qty) const {
    pg::common::MdEvent e;
    e.kind = pg::common::MdKind::kBookDelta;
    e.delta = pg::common::BookDelta{};
    e.delta.instrument = id;
    e.delta.venue = pg::common::VenueId::kBinance;
    e.delta.side = side;
    e.delta.price = pg::common::Price::parse(px).value();
    e.delta.qty = pg::common::Qty::parse(qty).value();
    e.delta.ts_venue = clock.now_ns();
    e.delta.ts_recv = clock.now_ns();
    return e;
  }

  // The venue side: pop every queued intent and cancel it, so open orders never accumulate.
  std::uint64_t answer_orders() {
    std::uint64_t n = 0;
    pg::common::OrderIntent oi;
    while (q.orders.try_pop(oi)) {
      pg::common::OrderUpdate u;
      u.cloid = oi.cloid;
      u.instrument = oi.instrument;
      u.strategy = oi.strategy;
      u.venue = oi.venue;
      u.side = oi.side;
      u.price = oi.price;
      u.qty = oi.qty;
      u.status = pg::common::OrderStatus::kCancelled;
      u.ts_venue = u.ts_recv = clock.now_ns();
      static_cast<void>(q.exec.try_push(pg::common::ExecEvent(u)));
      ++n;
    }
    while (core->do_work() > 0) {
    }
    return n;
  }
};

// Floor: the cycle's two queue hand-offs without the core (same thread, warm cache lines).
void BM_CoreCycle_Floor_SpscHandoffs(benchmark::State& state) {
  pg::common::SpscQueue<pg::common::MdEvent> md(1 << 16);
  pg::common::SpscQueue<pg::common::OrderIntent> orders(1 << 12);
  pg::common::MdEvent e;
  e.kind = pg::common::MdKind::kBookDelta;
  e.delta = pg::common::BookDelta{};
  pg::common::OrderIntent in;
  pg::common::LatencyHistogram h;
  const pg::common::TscClock& clk = tsc();
  std::uint64_t sink = 0;
  for (auto _ : state) {
    const Nanos t0 = clk.now_ns();
    static_cast<void>(md.try_push(e));
    pg::common::MdEvent got;
    static_cast<void>(md.try_pop(got));
    in.price = got.delta.price;
    static_cast<void>(orders.try_push(in));
    pg::common::OrderIntent out;
    static_cast<void>(orders.try_pop(out));
    const Nanos t1 = clk.now_ns();
    sink += static_cast<std::uint64_t>(out.price.raw());
    h.record(static_cast<std::uint64_t>(t1 - t0));
    e.delta.price = pg::common::Price::from_raw(e.delta.price.raw() + 1);
  }
  benchmark::DoNotOptimize(sink);
  report(state, h);
}
BENCHMARK(BM_CoreCycle_Floor_SpscHandoffs);

// Event -> core -> book -> strategy that decides nothing.
void BM_CoreCycle_EmptyStrategy(benchmark::State& state) {
  DecideNothing s;
  Rig rig(s);
  if (!rig.error.empty()) {
    state.SkipWithError(rig.error.c_str());
    return;
  }
  pg::common::MdEvent up = rig.delta(pg::common::BookSide::kBid, "60000.0", "1");
  up.delta.flags = pg::common::book_flags::kEndOfBatch;
  const pg::common::Qty q1 = pg::common::Qty::parse("1").value();
  const pg::common::Qty q2 = pg::common::Qty::parse("2").value();
  pg::common::LatencyHistogram h;
  const pg::common::TscClock& clk = tsc();
  std::uint64_t i = 0;
  const std::uint64_t seen_before = s.seen;
  for (auto _ : state) {
    up.delta.qty = (++i & 1) != 0 ? q2 : q1;
    up.delta.ts_recv = rig.clock.now_ns();
    const Nanos t0 = clk.now_ns();
    static_cast<void>(rig.q.md.try_push(up));
    static_cast<void>(rig.core->do_work());
    const Nanos t1 = clk.now_ns();
    h.record(static_cast<std::uint64_t>(t1 - t0));
    rig.clock.advance_to(rig.clock.now_ns() + kStep);
  }
  if (s.seen - seen_before != static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("the strategy did not see every book update");
  }
  report(state, h);
}
BENCHMARK(BM_CoreCycle_EmptyStrategy);

// The full cycle: event -> core -> book -> strategy decides -> risk gate + OMS -> order queue.
void BM_CoreCycle_EventToQueuedIntent(benchmark::State& state) {
  SubmitOnBook s;
  Rig rig(s);
  if (!rig.error.empty()) {
    state.SkipWithError(rig.error.c_str());
    return;
  }
  pg::common::MdEvent up = rig.delta(pg::common::BookSide::kBid, "60000.0", "1");
  up.delta.flags = pg::common::book_flags::kEndOfBatch;
  const pg::common::Qty q1 = pg::common::Qty::parse("1").value();
  const pg::common::Qty q2 = pg::common::Qty::parse("2").value();
  pg::common::LatencyHistogram h;
  const pg::common::TscClock& clk = tsc();
  std::uint64_t i = 0;
  std::uint64_t queued = 0;
  const std::uint64_t accepted_before = s.accepted;
  for (auto _ : state) {
    up.delta.qty = (++i & 1) != 0 ? q2 : q1;
    up.delta.ts_recv = rig.clock.now_ns();
    const Nanos t0 = clk.now_ns();
    static_cast<void>(rig.q.md.try_push(up));
    static_cast<void>(rig.core->do_work());
    const Nanos t1 = clk.now_ns();
    h.record(static_cast<std::uint64_t>(t1 - t0));
    // Untimed by the histogram: the venue side answers, the core applies the cancel.
    queued += rig.answer_orders();
    rig.clock.advance_to(rig.clock.now_ns() + kStep);
  }
  const auto iters = static_cast<std::uint64_t>(state.iterations());
  if (s.accepted - accepted_before != iters || queued != iters) {
    state.SkipWithError("not every cycle queued an intent (risk denied or queue full)");
  }
  report(state, h);
  state.counters["denied"] = static_cast<double>(rig.core->counters().denied);
}
BENCHMARK(BM_CoreCycle_EventToQueuedIntent);

}  // namespace
