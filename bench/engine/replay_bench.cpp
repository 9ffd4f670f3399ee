// Replay throughput: raw Binance USD-M depth frames from the recorded capture through the real
// parser, sequencer, the core's book and the strategies on one core, in messages (frames) per
// second — beside the physical floor measured in the same run (a bare simdjson On-Demand walk
// over the same bytes) and the whole `peregrine replay` path (gzip, merge, journal).
#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "engine/core/core.hpp"
#include "engine/replay/binance_feed.hpp"
#include "engine/replay/replay_runner.hpp"
#include "engine/session/wiring.hpp"
#include "gateways/capture/capture_reader.hpp"

namespace {

namespace pg = peregrine;
namespace fs = std::filesystem;

constexpr const char* kCapture = "binance/usdm/btcusdt_20240808.gz";

constexpr const char* kConfig = R"(
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
  bybit:
    enabled: true
    rest_url: http://127.0.0.1:8103
    ws_url: ws://127.0.0.1:8103/v5/public/linear
    api_key: BenchKey
    api_secret: BenchSecret
instruments:
  - asset: BTC
    venues:
      binance: {symbol: BTCUSDT, tick: "0.10", lot: "0.001", min_notional: "100",
                maker_fee: "0.0002", taker_fee: "0.0005"}
      bybit: {symbol: BTCUSDT, tick: "0.10", lot: "0.001", min_notional: "5",
              maker_fee: "0.0002", taker_fee: "0.00055"}
risk:
  max_order_qty: "5"
  max_order_notional: "50000"
  max_position_notional: "200000"
  max_gross_exposure: "500000"
  max_open_orders: 200
  max_orders_per_sec: 50
  price_collar_pct: "5"
  max_daily_loss: "5000"
  max_drawdown: "10000"
strategies:
  - name: arb_btc
    type: xvenue_arb
    venue: binance
    asset: BTC
    params: {other_venue: bybit, min_edge_bps: "3", max_qty: "0.5"}
  - name: twap_btc
    type: twap
    venue: binance
    asset: BTC
    params: {side: buy, total_qty: "0.01", duration: 5m, slices: "10"}
)";

fs::path data_root() {
  if (const char* env = std::getenv("PEREGRINE_DATA"); env != nullptr && *env != '\0') return env;
  return fs::path(PEREGRINE_SOURCE_DIR) / ".." / "shared" / "data";
}

struct Frames {
  std::string snapshot;
  pg::common::Nanos snapshot_ts = 0;
  std::vector<simdjson::padded_string> depth;  // padded: the parser reads them in place
  std::vector<pg::common::Nanos> ts;
  std::size_t bytes = 0;
  std::string error;
};

// The capture's depthUpdate frames and its REST snapshot, read once.
const Frames& frames() {
  static const Frames f = [] {
    Frames out;
    const std::string path = (data_root() / kCapture).string();
    auto reader = pg::gateways::capture::CaptureReader::open(
        path, pg::gateways::capture::CaptureFormat::kHftbacktest, &out.error);
    if (!reader) return out;
    pg::gateways::capture::CaptureRecord rec;
    while (reader->next(&rec)) {
      if (rec.payload.find("depthUpdate") != std::string_view::npos) {
        out.depth.emplace_back(rec.payload);
        out.ts.push_back(rec.ts_ns);
        out.bytes += rec.payload.size();
      } else if (out.snapshot.empty() &&
                 rec.payload.find("lastUpdateId") != std::string_view::npos) {
        out.snapshot.assign(rec.payload);
        out.snapshot_ts = rec.ts_ns;
      }
    }
    if (out.depth.empty()) out.error = "no depth frames in " + path;
    return out;
  }();
  return f;
}

// The floor: simdjson On-Demand visits every value of every frame (strings as raw views, no
// decimal conversion, no book).
void BM_Replay_Floor_SimdjsonWalk(benchmark::State& state) {
  const Frames& f = frames();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  simdjson::ondemand::parser parser;
  std::uint64_t sink = 0;
  for (auto _ : state) {
    for (const simdjson::padded_string& frame : f.depth) {
      simdjson::ondemand::document doc = parser.iterate(frame);
      simdjson::ondemand::object data;
      if (doc["data"].get_object().get(data)) continue;
      for (auto field : data) {
        simdjson::ondemand::value v = field.value();
        simdjson::ondemand::json_type t;
        if (v.type().get(t)) break;
        if (t == simdjson::ondemand::json_type::array) {
          for (auto level : v.get_array()) {
            for (auto x : level.get_array()) {
              std::string_view s;
              if (!x.get_string().get(s)) sink += s.size();
            }
          }
        } else {
          std::string_view raw = v.raw_json_token();
          sink += raw.size();
        }
      }
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.depth.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.bytes));
}
BENCHMARK(BM_Replay_Floor_SimdjsonWalk)->Unit(benchmark::kMillisecond);

// MdOut straight into the core's queue; a full queue runs the core (as the replay driver does).
class CoreOut final : public pg::engine::replay::MdOut {
 public:
  CoreOut(pg::engine::Core& core, pg::common::SpscQueue<pg::common::MdEvent>& q)
      : core_(core), q_(q) {}
  void emit(const pg::common::MdEvent& e) noexcept override {
    while (!q_.try_push(e)) static_cast<void>(core_.do_work());
  }

 private:
  pg::engine::Core& core_;
  pg::common::SpscQueue<pg::common::MdEvent>& q_;
};

// Parse (MdParser) + sequence (BookSync) + the core's L2 book + strategies' on_book, per frame.
void BM_Replay_ParseBookStrategies(benchmark::State& state) {
  const Frames& f = frames();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  auto cfg = pg::engine::load_engine_config_string(kConfig);
  if (!cfg.ok()) {
    state.SkipWithError(cfg.errors.front().to_string().c_str());
    return;
  }
  pg::common::InstrumentRegistry reg;
  pg::engine::build_registry(cfg.value, reg);
  auto flow = pg::engine::make_order_flow(cfg.value, reg);
  pg::common::ReplayClock clock(f.snapshot_ts);
  pg::engine::CoreOptions co;
  co.book_capacity = 16384;
  pg::engine::Core core(reg, clock, *flow, co);
  pg::engine::VenueQueues q;
  core.connect_md(pg::common::VenueId::kBinance, &q.md);
  core.connect_exec(pg::common::VenueId::kBinance, &q.exec);
  core.connect_orders(pg::common::VenueId::kBinance, &q.orders);
  auto strategies = pg::engine::make_strategies(cfg.value, reg);
  for (auto& s : strategies) core.add_strategy(s.strategy.get());
  core.start();
  CoreOut out(core, q.md);
  std::uint64_t events = 0;  // normalized md events (level deltas) out of the timed frames
  for (auto _ : state) {
    state.PauseTiming();
    // A fresh sequencer per pass so every pass applies every diff (not "stale" repeats).
    auto feed = std::make_unique<pg::engine::replay::BinanceFeed>(reg, out);
    feed->on_frame(f.snapshot, f.snapshot_ts, "BTCUSDT", "usdm");
    while (core.do_work() > 0) {
    }
    const std::uint64_t before = feed->stats().events;  // the snapshot run
    state.ResumeTiming();
    for (std::size_t i = 0; i < f.depth.size(); ++i) {
      clock.advance_to(f.ts[i]);
      feed->on_frame(std::string_view(f.depth[i].data(), f.depth[i].size()), f.ts[i], "BTCUSDT",
                     "usdm");
      static_cast<void>(core.do_work());
    }
    while (core.do_work() > 0) {
    }
    events += feed->stats().events - before;
    if (feed->stats().malformed != 0) state.SkipWithError("malformed frames");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.depth.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.bytes));
  state.counters["md_events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["book_errors"] = static_cast<double>(core.counters().book_errors);
}
BENCHMARK(BM_Replay_ParseBookStrategies)->Unit(benchmark::kMillisecond);

// The whole `peregrine replay` over the capture file (every stream: depth, bookTicker, trade):
// gzip, line split, merge, parse, book, strategies, in-process venue, journal (nodeltas).
void BM_Replay_EndToEnd(benchmark::State& state) {
  const fs::path input = data_root() / kCapture;
  if (!fs::exists(input)) {
    state.SkipWithError("recorded data not found (set PEREGRINE_DATA)");
    return;
  }
  auto cfg = pg::engine::load_engine_config_string(kConfig);
  pg::engine::replay::ReplayOptions o;
  o.inputs = {input.string()};
  o.journal_path =
      (fs::temp_directory_path() / ("pg_replay_bench_" + std::to_string(::getpid()) + ".pgj"))
          .string();
  std::uint64_t frames_read = 0;
  for (auto _ : state) {
    const auto r = pg::engine::replay::run_replay(cfg.value, o);
    if (r.status != pg::engine::replay::ReplayResult::Status::kOk) {
      state.SkipWithError(r.error.c_str());
      break;
    }
    frames_read += r.frames;
  }
  fs::remove(o.journal_path);
  state.SetItemsProcessed(static_cast<std::int64_t>(frames_read));
}
BENCHMARK(BM_Replay_EndToEnd)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
