// Recorder files: raw-frame round trip, import of real captures from ../shared/data (both
// formats) checked frame by frame against the capture reader, deterministic output, dump JSON.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "common/agent_runner.hpp"
#include "engine/journal/journal_reader.hpp"
#include "engine/journal/recorder.hpp"
#include "engine/journal/recorder_format.hpp"
#include "engine/journal/recorder_import.hpp"
#include "support/test_data.hpp"

namespace peregrine::engine::journal {
namespace {

namespace fs = std::filesystem;
namespace cap = gateways::capture;

fs::path temp_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("pg_recorder_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(Recorder, RawFrameRoundTrip) {
  RawFrame f;
  f.ts_recv = 1'700'000'000'123'456'789;
  f.venue = common::VenueId::kBybit;
  f.kind = FrameKind::kHttp;
  f.conn = "BYBIT.ws.2";
  f.bytes = std::string_view("{\"a\":\"\\u00e9\\n\"}\0tail", 22);  // binary-safe
  std::vector<unsigned char> payload;
  ASSERT_TRUE(encode_raw_frame(f, &payload));
  RawFrame back;
  ASSERT_TRUE(decode_raw_frame(f.ts_recv, payload, &back));
  EXPECT_EQ(back.ts_recv, f.ts_recv);
  EXPECT_EQ(back.venue, f.venue);
  EXPECT_EQ(back.kind, f.kind);
  EXPECT_EQ(back.conn, f.conn);
  EXPECT_EQ(back.bytes, f.bytes);
  payload.resize(5);  // shorter than its connection id
  EXPECT_FALSE(decode_raw_frame(0, payload, &back));
}

// Imports `rel` and compares every frame with what the capture reader yields directly.
void check_import(const fs::path& in, cap::CaptureFormat format, common::VenueId venue,
                  const std::string& name) {
  const auto dir = temp_dir(name);
  const auto out = dir / "out.pgr";
  ImportStats st;
  std::string err;
  ASSERT_TRUE(import_capture(in.string(), format, venue, out.string(), &st, &err)) << err;
  ASSERT_GT(st.frames, 100u);

  auto capture = cap::CaptureReader::open(in.string(), format, &err);
  ASSERT_TRUE(capture) << err;
  auto reader = JournalReader::open(out.string(), &err);
  ASSERT_TRUE(reader) << err;
  EXPECT_EQ(reader->header().kind, FileKind::kRecorder);
  EXPECT_EQ(reader->header().created_ns, st.first_ts);
  cap::CaptureRecord rec;
  RecordView v;
  std::uint64_t n = 0;
  while (capture->next(&rec)) {
    ASSERT_EQ(reader->next(&v), JournalReader::Next::kRecord) << "frame " << n;
    ASSERT_EQ(v.type, RecordType::kRawFrame);
    RawFrame f;
    ASSERT_TRUE(decode_raw_frame(v.ts, v.payload, &f));
    ASSERT_EQ(f.ts_recv, rec.ts_ns) << n;
    ASSERT_EQ(f.bytes, rec.payload) << n;
    ASSERT_EQ(f.venue, venue);
    ASSERT_EQ(f.kind, frame_kind(rec.kind));
    ASSERT_EQ(f.conn, frame_channel(rec));
    if (n == 0) {
      const std::string json = raw_frame_json(v);
      EXPECT_NE(json.find("\"type\":\"raw_frame\""), std::string::npos);
      EXPECT_NE(json.find("\"venue\":\"" + std::string(enum_name(venue)) + "\""), std::string::npos)
          << json;
      EXPECT_NE(json.find("\"ts_recv\":" + std::to_string(rec.ts_ns)), std::string::npos);
    }
    ++n;
  }
  EXPECT_TRUE(capture->error().empty()) << capture->error();
  EXPECT_EQ(reader->next(&v), JournalReader::Next::kEnd);
  EXPECT_EQ(n, st.frames);

  // Converting twice gives the same bytes.
  const auto out2 = dir / "out2.pgr";
  ASSERT_TRUE(import_capture(in.string(), format, venue, out2.string(), &st, &err)) << err;
  EXPECT_EQ(slurp(out), slurp(out2));
}

TEST(Recorder, ImportsAnHftbacktestCapture) {
  PEREGRINE_REQUIRE_DATA(path, "binance/spot/btcusdt_20230405.dat.gz");
  check_import(path, cap::CaptureFormat::kHftbacktest, common::VenueId::kBinance, "hft");
}

TEST(Recorder, ImportsACryptofeedCapture) {
  PEREGRINE_REQUIRE_DATA(path, "bybit/BYBIT.jsonl.zst");
  check_import(path, cap::CaptureFormat::kCryptofeed, common::VenueId::kBybit, "cf");
}

TEST(Recorder, BinanceStreamNameBecomesTheChannel) {
  cap::CaptureRecord r;
  r.payload = R"({"stream":"btcusdt@depth@0ms","data":{}})";
  EXPECT_EQ(frame_channel(r), "btcusdt@depth@0ms");
  r.conn = "BYBIT.ws.2";
  EXPECT_EQ(frame_channel(r), "BYBIT.ws.2");
}

TEST(Recorder, MissingInputIsAClearError) {
  const auto dir = temp_dir("missing");
  ImportStats st;
  std::string err;
  EXPECT_FALSE(import_capture((dir / "nope.gz").string(), cap::CaptureFormat::kHftbacktest,
                              common::VenueId::kBinance, (dir / "o.pgr").string(), &st, &err));
  EXPECT_FALSE(err.empty());
}

}  // namespace
}  // namespace peregrine::engine::journal

namespace peregrine::engine::journal {
namespace {

std::vector<RawFrame> read_frames(const fs::path& p, std::vector<JournalRecord>* gaps,
                                  std::vector<std::string>* storage) {
  std::vector<RawFrame> out;
  std::string err;
  auto r = JournalReader::open(p.string(), &err);
  EXPECT_TRUE(r) << err;
  if (!r) return out;
  RecordView v;
  while (r->next(&v) == JournalReader::Next::kRecord) {
    if (v.type == RecordType::kGap) {
      JournalRecord g;
      EXPECT_TRUE(decode_payload(v.type, v.payload.data(), v.payload.size(), &g));
      gaps->push_back(g);
      continue;
    }
    RawFrame f;
    EXPECT_TRUE(decode_raw_frame(v.ts, v.payload, &f));
    storage->push_back(std::string(f.conn) + '\0' + std::string(f.bytes));
    out.push_back(f);
  }
  // Re-point views at stable storage (the reader's buffer is reused per record).
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::string& s = (*storage)[storage->size() - out.size() + i];
    const std::size_t z = s.find('\0');
    out[i].conn = std::string_view(s).substr(0, z);
    out[i].bytes = std::string_view(s).substr(z + 1);
  }
  EXPECT_EQ(r->corruption().reason, "");
  return out;
}

TEST(RecorderAgent, ChunksAndReassemblesFramesOfEverySize) {
  const auto dir = temp_dir("agent");
  common::ReplayClock clock(77);
  RecorderConfig cfg;
  cfg.path = (dir / "r.pgr").string();
  cfg.producers = 2;
  cfg.chunks_per_producer = 256;
  Recorder rec(cfg, clock);
  std::string err;
  ASSERT_TRUE(rec.open(&err)) << err;
  std::vector<std::string> frames;
  for (std::size_t n : {0u, 1u, 199u, 200u, 201u, 5000u}) {
    std::string s(n, 'a');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + n) % 26);
    frames.push_back(s);
  }
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ASSERT_TRUE(rec.producer(i % 2).try_record(static_cast<Nanos>(1000 + i),
                                               common::VenueId::kBinance, FrameKind::kRecv,
                                               i % 2 == 0 ? "depth" : "trade", frames[i]));
  }
  rec.on_close();
  EXPECT_EQ(rec.frames_written(), frames.size());
  std::vector<JournalRecord> gaps;
  std::vector<std::string> storage;
  const auto back = read_frames(cfg.path, &gaps, &storage);
  ASSERT_EQ(back.size(), frames.size());
  EXPECT_TRUE(gaps.empty());
  // Producer 0's frames come first (drained in producer order), each in its own order.
  std::vector<std::string> expect_order;
  for (std::size_t i = 0; i < frames.size(); i += 2) expect_order.push_back(frames[i]);
  for (std::size_t i = 1; i < frames.size(); i += 2) expect_order.push_back(frames[i]);
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].bytes, expect_order[i]) << i;
    EXPECT_EQ(back[i].conn, i < 3 ? "depth" : "trade");
    EXPECT_EQ(back[i].venue, common::VenueId::kBinance);
  }
  std::string e2;
  auto r = JournalReader::open(cfg.path, &e2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header().created_ns, 77);
}

TEST(RecorderAgent, FullRingDropsWholeFramesAndLeavesAGap) {
  const auto dir = temp_dir("agentfull");
  common::ReplayClock clock(0);
  RecorderConfig cfg;
  cfg.path = (dir / "r.pgr").string();
  cfg.producers = 1;
  cfg.chunks_per_producer = 4;
  Recorder rec(cfg, clock);
  std::string err;
  ASSERT_TRUE(rec.open(&err)) << err;
  auto& p = rec.producer(0);
  ASSERT_TRUE(p.try_record(1, common::VenueId::kBybit, FrameKind::kRecv, "c", "small"));
  // Needs 50 chunks: some go in, then the ring is full and the frame is dropped.
  EXPECT_FALSE(
      p.try_record(2, common::VenueId::kBybit, FrameKind::kRecv, "c", std::string(10'000, 'x')));
  EXPECT_FALSE(p.try_record(3, common::VenueId::kBybit, FrameKind::kRecv, std::string(40, 'c'),
                            "conn too long"));
  EXPECT_EQ(p.dropped(), 2u);
  while (rec.do_work() > 0) {
  }
  ASSERT_TRUE(p.try_record(4, common::VenueId::kBybit, FrameKind::kRecv, "c", "after"));
  rec.on_close();
  EXPECT_EQ(rec.partial_discarded(), 1u);
  std::vector<JournalRecord> gaps;
  std::vector<std::string> storage;
  const auto back = read_frames(cfg.path, &gaps, &storage);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].bytes, "small");
  EXPECT_EQ(back[1].bytes, "after");
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].gap.dropped, 2u);
  EXPECT_EQ(gaps[0].gap.ts_recv, 4);
}

TEST(RecorderAgent, GatewayThreadsAndTheWriterThread) {
  const auto dir = temp_dir("agentthreads");
  common::ReplayClock clock(0);
  RecorderConfig cfg;
  cfg.path = (dir / "r.pgr").string();
  cfg.producers = 2;
  cfg.chunks_per_producer = 64;
  Recorder rec(cfg, clock);
  constexpr int kFrames = 2000;
  {
    common::AgentRunner<Recorder> runner(rec);
    ASSERT_TRUE(runner.start());
    std::vector<std::thread> gateways;
    for (std::size_t g = 0; g < 2; ++g) {
      gateways.emplace_back([&rec, g] {
        for (int i = 0; i < kFrames; ++i) {
          const std::string body = std::to_string(g) + ":" + std::to_string(i) +
                                   std::string(static_cast<std::size_t>(i % 700), 'z');
          while (!rec.producer(g).try_record(i, common::VenueId::kHyperliquid, FrameKind::kRecv,
                                             "ws", body)) {
            std::this_thread::yield();
          }
        }
      });
    }
    for (auto& t : gateways) t.join();
    runner.stop();
  }
  std::vector<JournalRecord> gaps;
  std::vector<std::string> storage;
  const auto back = read_frames(cfg.path, &gaps, &storage);
  const std::uint64_t dropped = rec.producer(0).dropped() + rec.producer(1).dropped();
  EXPECT_EQ(back.size(), 2u * kFrames);
  std::uint64_t gap_total = 0;
  for (const auto& g : gaps) gap_total += g.gap.dropped;
  EXPECT_EQ(gap_total, dropped);
  std::array<int, 2> next{0, 0};
  for (const auto& f : back) {
    const std::size_t g = f.bytes[0] == '0' ? 0 : 1;
    const std::string prefix = std::to_string(g) + ":" + std::to_string(next[g]);
    ASSERT_EQ(f.bytes.substr(0, prefix.size()), prefix);
    ASSERT_EQ(f.bytes.size(), prefix.size() + static_cast<std::size_t>(next[g] % 700));
    ++next[g];
  }
  EXPECT_EQ(next[0], kFrames);
  EXPECT_EQ(next[1], kFrames);
}

}  // namespace
}  // namespace peregrine::engine::journal
