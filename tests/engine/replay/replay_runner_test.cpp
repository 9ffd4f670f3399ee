// run_replay end to end: raw frames through the real Binance parser and sequencer into the same
// core and strategies as a live session, orders matched in-process, the journal written inline.
// Proves byte-identical journals for identical runs and that latency/seed changes show up.
#include "engine/replay/replay_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "engine/journal/journal_file.hpp"
#include "engine/journal/journal_reader.hpp"
#include "engine/journal/recorder_format.hpp"
#include "engine/replay/replay_input.hpp"
#include "gateways/capture/capture_reader.hpp"
#include "support/test_data.hpp"

namespace peregrine::engine::replay {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = R"(
engine:
  mode: paper
  name: replay-test
  journal_dir: /tmp/unused
venues:
  binance:
    enabled: true
    rest_url: http://127.0.0.1:8102
    ws_url: ws://127.0.0.1:8102
    api_key: test-key
    api_secret: test-secret
instruments:
  - asset: BTC
    venues:
      binance:
        symbol: BTCUSDT
        tick: "0.10"
        lot: "0.001"
        min_notional: "5"
        maker_fee: "0.0002"
        taker_fee: "0.0005"
risk:
  max_order_qty: "5"
  max_order_notional: "1000000"
  max_position_notional: "2000000"
  max_gross_exposure: "5000000"
  max_open_orders: 200
  max_orders_per_sec: 50
  price_collar_pct: "5"
  max_daily_loss: "5000"
  max_drawdown: "10000"
strategies:
  - name: twap_btc
    type: twap
    venue: binance
    asset: BTC
    params:
      side: buy
      total_qty: "0.4"
      duration: DURATION
      slices: "4"
      slice_type: limit
)";

EngineConfig config(const std::string& duration) {
  std::string text = kConfig;
  text.replace(text.find("DURATION"), 8, duration);
  auto r = load_engine_config_string(text);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().to_string());
  return r.value;
}

class ReplayRunnerTest : public ::testing::Test {
 protected:
  ReplayRunnerTest() {
    dir_ = fs::temp_directory_path() /
           ("peregrine_replay_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  ~ReplayRunnerTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A small USD-M capture in the hftbacktest format: a diff before the REST snapshot (bridged
  // as Binance documents), then 10 s of trades into the 100.0 bid that refill it, and one
  // malformed frame.
  std::string write_synthetic() {
    const fs::path p = dir_ / "btcusdt_20250101.txt";
    std::ofstream out(p);
    const std::int64_t t0 = 1'735'689'600'000'000'000;
    std::int64_t ms = 1'735'689'600'000;
    std::uint64_t u = 101;
    auto depth = [&](std::int64_t ts, std::uint64_t first, std::uint64_t last, std::uint64_t prev,
                     const std::string& bids, const std::string& asks) {
      out << ts << R"( {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":)" << ms
          << R"(,"T":)" << ms << R"(,"s":"BTCUSDT","U":)" << first << R"(,"u":)" << last
          << R"(,"pu":)" << prev << R"(,"b":[)" << bids << R"(],"a":[)" << asks << "]}}\n";
    };
    depth(t0, 95, 101, 90, R"(["100.00","5.000"])", "");
    out << t0 + 1'000'000
        << R"( {"lastUpdateId":100,"E":1735689600000,"T":1735689600000,"bids":[["100.00","5.000"],["99.90","2.000"]],"asks":[["100.10","3.000"],["100.20","4.000"]]})"
        << "\n";
    for (int i = 1; i <= 200; ++i) {
      const std::int64_t ts = t0 + std::int64_t{i} * 50'000'000;
      ms += 50;
      out << ts << R"( {"stream":"btcusdt@trade","data":{"e":"trade","E":)" << ms << R"(,"T":)"
          << ms << R"(,"s":"BTCUSDT","t":)" << i
          << R"(,"p":"100.00","q":"0.700","X":"MARKET","m":true}})"
          << "\n";
      depth(ts + 1'000, u + 1, u + 2, u, R"(["100.00","5.000"])",
            i % 2 == 0 ? R"(["100.10","3.500"])" : R"(["100.10","3.000"])");
      u += 2;
      if (i == 100)
        out << ts + 2'000 << R"( {"stream":"btcusdt@trade","data":{"e":"tra)"
            << "\n";
    }
    return p.string();
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  ReplayOptions options(const std::string& input, const std::string& journal) const {
    ReplayOptions o;
    o.inputs = {input};
    o.journal_path = (dir_ / journal).string();
    o.md_journal = journal::MdJournaling::kAll;
    o.latency.kind = LatencySpec::Kind::kLognormal;
    o.latency.median = 3'000'000;
    o.latency.sigma = 0.5;
    o.seed = 11;
    return o;
  }

  fs::path dir_;
};

TEST_F(ReplayRunnerTest, SyntheticCaptureTradesThroughTheRealCoreAndQueueModel) {
  const std::string input = write_synthetic();
  const EngineConfig cfg = config("8s");
  const ReplayResult r = run_replay(cfg, options(input, "a.pgj"));
  ASSERT_EQ(r.status, ReplayResult::Status::kOk) << r.error;
  EXPECT_EQ(r.frames, 403u);
  EXPECT_EQ(r.feed.malformed, 1u);  // counted and skipped, the replay goes on
  EXPECT_EQ(r.feed.snapshots, 1u);
  EXPECT_EQ(r.feed.gaps, 0u);
  EXPECT_EQ(r.feed.trades, 200u);
  EXPECT_EQ(r.core.book_errors, 0u);
  const SimVenueStats& v = r.venues[static_cast<std::size_t>(common::VenueId::kBinance)];
  EXPECT_GE(v.new_orders, 4u);
  EXPECT_GT(v.maker_fills, 0u);  // post-only slices filled once the queue ahead drained
  EXPECT_GT(v.queue_trades, 0u);
  const PnlCell twap = r.stats.strategy_total(1);
  EXPECT_EQ(twap.volume, common::Qty::parse("0.4").value());  // the last slice crosses
  EXPECT_EQ(r.journal_dropped, 0u);
  EXPECT_GT(r.journal_records, 600u);  // 400 deltas and 200 trades (kAll), intents, reports

  std::string error;
  auto reader = journal::JournalReader::open(options(input, "a.pgj").journal_path, &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->header().created_ns, 1'735'689'600'000'000'000);  // the replay clock
  EXPECT_EQ(reader->header().engine(), "peregrine-replay");
}

TEST_F(ReplayRunnerTest, SameInputSameJournalByteForByte) {
  const std::string input = write_synthetic();
  const EngineConfig cfg = config("8s");
  ReplayOptions a = options(input, "a.pgj");
  ReplayOptions b = options(input, "b.pgj");
  ASSERT_EQ(run_replay(cfg, a).status, ReplayResult::Status::kOk);
  ASSERT_EQ(run_replay(cfg, b).status, ReplayResult::Status::kOk);
  const std::string ja = read(a.journal_path);
  ASSERT_GT(ja.size(), 1000u);
  EXPECT_TRUE(ja == read(b.journal_path));
  // Re-running into an existing journal regenerates it rather than appending.
  ASSERT_EQ(run_replay(cfg, b).status, ReplayResult::Status::kOk);
  EXPECT_TRUE(ja == read(b.journal_path));

  ReplayOptions seed = options(input, "seed.pgj");
  seed.seed = 12;
  ASSERT_EQ(run_replay(cfg, seed).status, ReplayResult::Status::kOk);
  EXPECT_FALSE(ja == read(seed.journal_path));

  ReplayOptions slow = options(input, "slow.pgj");
  slow.latency.kind = LatencySpec::Kind::kFixed;
  slow.latency.fixed = 40'000'000;
  ASSERT_EQ(run_replay(cfg, slow).status, ReplayResult::Status::kOk);
  EXPECT_FALSE(ja == read(slow.journal_path));

  ReplayOptions none = options(input, "none.pgj");
  none.md_journal = journal::MdJournaling::kNone;
  const ReplayResult rn = run_replay(cfg, none);
  ASSERT_EQ(rn.status, ReplayResult::Status::kOk);
  EXPECT_LT(read(none.journal_path).size(), ja.size() / 2);
}

TEST_F(ReplayRunnerTest, BadInputsAreInputErrorsNotCrashes) {
  const EngineConfig cfg = config("8s");
  ReplayOptions o = options((dir_ / "missing.gz").string(), "x.pgj");
  ReplayResult r = run_replay(cfg, o);
  EXPECT_EQ(r.status, ReplayResult::Status::kInputError);
  EXPECT_NE(r.error.find("missing.gz"), std::string::npos);

  const fs::path garbled = dir_ / "garbled.gz";
  {
    std::ofstream g(garbled, std::ios::binary);
    g << "\x1f\x8b\x08\x00 not really gzip \xff\xfe";
  }
  r = run_replay(cfg, options(garbled.string(), "x.pgj"));
  EXPECT_EQ(r.status, ReplayResult::Status::kInputError) << r.error;

  const fs::path text = dir_ / "notes.txt";
  {
    std::ofstream t(text);
    t << "hello world\n";
  }
  r = run_replay(cfg, options(text.string(), "x.pgj"));
  EXPECT_EQ(r.status, ReplayResult::Status::kInputError);
  EXPECT_NE(r.error.find("unknown format"), std::string::npos) << r.error;

  const fs::path empty = dir_ / "empty.txt";
  { std::ofstream e(empty); }
  r = run_replay(cfg, options(empty.string(), "x.pgj"));
  EXPECT_EQ(r.status, ReplayResult::Status::kInputError);

  o = options(write_synthetic(), "x.pgj");
  o.inputs.clear();
  EXPECT_EQ(run_replay(cfg, o).status, ReplayResult::Status::kInputError);
}

TEST_F(ReplayRunnerTest, RecordedBinanceCaptureIsDeterministic) {
  // The shortest USD-M BTC file (3 min): two full replays stay well inside the ASan budget.
  PEREGRINE_REQUIRE_DATA(path, "binance/usdm/btcusdt_20240718.gz");
  const EngineConfig cfg = config("2m");
  ReplayOptions a = options(path.string(), "a.pgj");
  a.md_journal = journal::MdJournaling::kNoDeltas;
  ReplayOptions b = a;
  b.journal_path = (dir_ / "b.pgj").string();
  const ReplayResult ra = run_replay(cfg, a);
  ASSERT_EQ(ra.status, ReplayResult::Status::kOk) << ra.error;
  EXPECT_EQ(ra.frames, 3326u + 7113u + 974u + 1u);  // SOURCES.md line counts
  EXPECT_EQ(ra.feed.malformed, 0u);
  EXPECT_EQ(ra.feed.gaps, 0u);
  EXPECT_EQ(ra.feed.snapshots, 1u);
  EXPECT_EQ(ra.core.book_errors, 0u);
  EXPECT_GT(ra.core.book_updates, 50000u);
  EXPECT_GT(ra.core.intents, 4u);
  const PnlCell twap = ra.stats.strategy_total(1);
  EXPECT_EQ(twap.volume, common::Qty::parse("0.4").value());
  EXPECT_EQ(ra.journal_dropped, 0u);
  ASSERT_EQ(run_replay(cfg, b).status, ReplayResult::Status::kOk);
  const std::string ja = read(a.journal_path);
  EXPECT_TRUE(ja == read(b.journal_path));
}

// The recorder's own format replays exactly like the capture it was converted from: same
// frames, same clock, so the same journal byte for byte.
TEST_F(ReplayRunnerTest, RecorderFileReplaysLikeItsCapture) {
  const std::string input = write_synthetic();
  const std::string rec = (dir_ / "synthetic.pgr").string();
  {
    std::string error;
    auto reader = gateways::capture::CaptureReader::open(
        input, gateways::capture::CaptureFormat::kHftbacktest, &error);
    ASSERT_TRUE(reader) << error;
    journal::FileHeader h;
    h.kind = journal::FileKind::kRecorder;
    h.created_ns = 1;
    h.engine_id = "test";
    journal::OpenResult opened;
    auto file = journal::JournalFile::open(rec, h, 1 << 16, &opened, &error);
    ASSERT_TRUE(file) << error;
    gateways::capture::CaptureRecord r;
    std::vector<unsigned char> payload;
    while (reader->next(&r)) {
      journal::RawFrame f;
      f.ts_recv = r.ts_ns;
      f.venue = common::VenueId::kBinance;
      f.bytes = r.payload;
      ASSERT_TRUE(journal::encode_raw_frame(f, &payload));
      ASSERT_TRUE(file->append(journal::RecordType::kRawFrame, journal::kRawFrameVersion, f.ts_recv,
                               payload.data(), static_cast<std::uint32_t>(payload.size())));
    }
    ASSERT_TRUE(file->flush());
  }
  const EngineConfig cfg = config("8s");
  const ReplayOptions a = options(input, "capture.pgj");
  const ReplayOptions b = options(rec, "recorder.pgj");
  const ReplayResult ra = run_replay(cfg, a);
  const ReplayResult rb = run_replay(cfg, b);
  ASSERT_EQ(ra.status, ReplayResult::Status::kOk) << ra.error;
  ASSERT_EQ(rb.status, ReplayResult::Status::kOk) << rb.error;
  EXPECT_EQ(rb.frames, ra.frames);
  EXPECT_TRUE(read(a.journal_path) == read(b.journal_path));
}

// Inputs are merged by receive time; equal times keep input order.
TEST_F(ReplayRunnerTest, InputsMergeByReceiveTime) {
  auto write = [&](const char* name, std::initializer_list<std::int64_t> ts) {
    const fs::path p = dir_ / name;
    std::ofstream out(p);
    for (const std::int64_t t : ts) {
      out << t << R"( {"stream":"btcusdt@trade","data":{"t":)" << t << "}}\n";
    }
    return p.string();
  };
  const std::string a = write("a_1.txt", {100, 300, 300, 500});
  const std::string b = write("b_1.txt", {200, 300, 400});
  MergedInput in;
  std::string error;
  ASSERT_TRUE(in.open({a, b}, &error)) << error;
  Frame f;
  std::vector<std::pair<std::int64_t, std::size_t>> got;
  while (in.next(&f)) got.emplace_back(f.ts_recv / 1000, f.source);  // µs-scale values -> ns
  const std::vector<std::pair<std::int64_t, std::size_t>> want = {
      {100, 0}, {200, 1}, {300, 0}, {300, 0}, {300, 1}, {400, 1}, {500, 0}};
  EXPECT_EQ(got, want);
  EXPECT_TRUE(in.error().empty());
}

// A confluence executor with no analyzer, `venue: auto`: only the signal file can make it trade,
// and only the router can pick its venue.
EngineConfig signal_config() {
  std::string text = kConfig;
  text.resize(text.find("strategies:"));
  text += R"(strategies:
  - name: conf_btc
    type: confluence
    venue: auto
    asset: BTC
    params:
      use_analyzer: false
      base_notional: "50"
      max_notional: "100"
      cooldown: 1s
      stop_loss_pct: "5"
      take_profit_pct: "5"
router:
  targets: {binance: "1"}
)";
  auto r = load_engine_config_string(text);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().to_string());
  return r.value;
}

TEST_F(ReplayRunnerTest, SignalFileDrivesAConfluenceExecutorThroughTheRouter) {
  const std::string input = write_synthetic();
  const EngineConfig cfg = signal_config();
  const std::int64_t t0 = 1'735'689'600'000'000'000;
  const fs::path signals = dir_ / "signals.jsonl";
  {
    std::ofstream out(signals);
    // Out of time order on purpose (sorted on load); a blank line is skipped.
    out << R"({"asset":"BTC","score":12,"ts":)" << t0 + 6'000'000'000 << R"(,"source":"file"})"
        << "\n\n"
        << R"({"asset":"BTC","score":"91.5","ts":)" << t0 + 2'000'000'000 << R"(,"source":"file"})"
        << "\n";
  }
  ReplayOptions o = options(input, "sig.pgj");
  o.signals_path = signals.string();
  const ReplayResult r = run_replay(cfg, o);
  ASSERT_EQ(r.status, ReplayResult::Status::kOk) << r.error;
  EXPECT_EQ(r.signals_loaded, 2u);
  EXPECT_EQ(r.signals_delivered, 2u);
  EXPECT_EQ(r.signals_unused, 0u);
  EXPECT_GE(r.router_routes, 1u);  // venue: auto went through the router
  EXPECT_EQ(r.router_no_route, 0u);
  const PnlCell conf = r.stats.strategy_total(1);
  EXPECT_GE(conf.orders, 2u);  // the long entry, then the exit on the opposite signal
  EXPECT_GT(conf.fills, 0u);

  // Same inputs, same journal; without the file the executor never trades.
  ReplayOptions again = options(input, "sig2.pgj");
  again.signals_path = signals.string();
  ASSERT_EQ(run_replay(cfg, again).status, ReplayResult::Status::kOk);
  EXPECT_TRUE(read(o.journal_path) == read(again.journal_path));
  const ReplayResult quiet = run_replay(cfg, options(input, "nosig.pgj"));
  ASSERT_EQ(quiet.status, ReplayResult::Status::kOk) << quiet.error;
  EXPECT_EQ(quiet.stats.strategy_total(1).orders, 0u);
}

TEST_F(ReplayRunnerTest, BadSignalFileIsAnInputErrorNamingTheLine) {
  const std::string input = write_synthetic();
  const EngineConfig cfg = signal_config();
  auto run_with = [&](const std::string& body) {
    const fs::path signals = dir_ / "bad.jsonl";
    std::ofstream(signals) << body;
    ReplayOptions o = options(input, "bad.pgj");
    o.signals_path = signals.string();
    return run_replay(cfg, o);
  };
  const std::string ok = R"({"asset":"BTC","score":80,"ts":1735689601000000000,"source":"f"})";
  const struct {
    std::string body;
    std::string want;
  } cases[] = {
      {ok + "\n{\"asset\":\"BTC\",\"score\":80", "bad.jsonl:2: "},
      {ok + "\n" + R"({"asset":"BTC","score":180,"ts":1,"source":"f"})", "bad.jsonl:2: score"},
      {R"({"asset":"BTC","score":80,"source":"f"})", "bad.jsonl:1: ts: required"},
      {R"({"asset":"DOGE","score":80,"ts":5,"source":"f"})", "bad.jsonl:1: asset: 'DOGE'"},
      {R"({"asset":"BTC","score":80,"ts":5,"source":"f","extra":1})", "bad.jsonl:1: "},
  };
  for (const auto& c : cases) {
    const ReplayResult r = run_with(c.body);
    EXPECT_EQ(r.status, ReplayResult::Status::kInputError) << c.body;
    EXPECT_NE(r.error.find(c.want), std::string::npos) << r.error;
  }
  ReplayOptions missing = options(input, "m.pgj");
  missing.signals_path = (dir_ / "nope.jsonl").string();
  const ReplayResult rm = run_replay(cfg, missing);
  EXPECT_EQ(rm.status, ReplayResult::Status::kInputError);
  EXPECT_NE(rm.error.find("cannot open the signal file"), std::string::npos) << rm.error;
}

TEST_F(ReplayRunnerTest, HyperliquidCaptureDrivesTheHyperliquidVenue) {
  PEREGRINE_REQUIRE_DATA(path, "hyperliquid/btcusd_20250126.gz");
  auto parsed = load_engine_config_file(fs::path(PEREGRINE_SOURCE_DIR) / "configs/paper.yaml");
  ASSERT_TRUE(parsed.ok());
  ReplayOptions o = options(path.string(), "hl.pgj");
  const ReplayResult r = run_replay(parsed.value, o);
  ASSERT_EQ(r.status, ReplayResult::Status::kOk) << r.error;
  EXPECT_EQ(r.frames, 55u);  // SOURCES.md: 46 l2Book + 9 trades
  EXPECT_EQ(r.feed.malformed, 0u);
  EXPECT_EQ(r.feed.snapshots, 46u);
  EXPECT_TRUE(r.venue_active[static_cast<std::size_t>(common::VenueId::kHyperliquid)]);
  EXPECT_FALSE(r.venue_active[static_cast<std::size_t>(common::VenueId::kBinance)]);
  EXPECT_GT(r.core.book_updates, 46u * 20u);
  EXPECT_EQ(r.core.book_errors, 0u);
}

}  // namespace
}  // namespace peregrine::engine::replay
