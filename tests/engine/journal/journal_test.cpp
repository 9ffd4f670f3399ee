// Journal: round trip of every record type, torn-tail recovery, corruption reports, byte-identical
// output, queue-full accounting, JSON dump and CSV export.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/agent_runner.hpp"
#include "common/clock.hpp"
#include "engine/journal/journal_export.hpp"
#include "engine/journal/journal_writer.hpp"

namespace peregrine::engine::journal {
namespace {

namespace fs = std::filesystem;
using common::Money;
using common::Price;
using common::Qty;

fs::path temp_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("pg_journal_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

Price px(const char* s) { return Price::parse(s).value(); }
Qty qy(const char* s) { return Qty::parse(s).value(); }

// One record of every type, each field set to something distinctive.
std::vector<JournalRecord> every_type() {
  std::vector<JournalRecord> v;
  common::BookDelta d;
  d.ts_venue = 11;
  d.ts_recv = 1000;
  d.venue_seq = 7;
  d.price = px("61800.5");
  d.qty = qy("0.25");
  d.instrument = {3};
  d.venue = common::VenueId::kBinance;
  d.side = common::BookSide::kAsk;
  d.flags = common::book_flags::kEndOfBatch;
  v.emplace_back(d);
  common::Trade t;
  t.ts_recv = 1001;
  t.price = px("61801");
  t.qty = qy("1.5");
  t.trade_id = 99;
  t.instrument = {3};
  t.venue = common::VenueId::kBybit;
  t.aggressor = common::Side::kSell;
  v.emplace_back(t);
  common::BookReset br;
  br.ts_recv = 1002;
  br.instrument = {4};
  br.reason = common::ResetReason::kCrossedBook;
  v.emplace_back(br);
  common::VenueStatus vs;
  vs.ts_recv = 1003;
  vs.venue = common::VenueId::kCoinbase;
  vs.state = common::VenueState::kStale;
  v.emplace_back(vs);
  common::OrderIntent in;
  in.ts_recv = 1004;
  in.cloid = {0x1122, 0x3344};
  in.price = px("100.25");
  in.qty = qy("2");
  in.trigger_price = px("99");
  in.instrument = {5};
  in.strategy = {2};
  in.side = common::Side::kSell;
  in.type = common::OrderType::kStopLimit;
  in.tif = common::TimeInForce::kIoc;
  in.flags = common::intent_flags::kReduceOnly;
  v.emplace_back(in);
  common::OrderDenied dn;
  dn.ts_recv = 1005;
  dn.cloid = {1, 2};
  dn.instrument = {5};
  dn.strategy = {2};
  dn.reason = common::DenyReason::kPriceCollar;
  v.emplace_back(dn);
  OrderAccepted ac;
  ac.ts_recv = 1006;
  ac.cloid = {1, 3};
  ac.instrument = {5};
  ac.venue = common::VenueId::kBinance;
  v.emplace_back(ac);
  common::OrderUpdate up;
  up.ts_recv = 1007;
  up.cloid = {1, 3};
  up.venue_order_id = common::VenueOrderId::from_int(123456);
  up.price = px("100.25");
  up.qty = qy("2");
  up.filled_qty = qy("0.5");
  up.avg_price = px("100.2");
  up.status = common::OrderStatus::kPartiallyFilled;
  up.reject = common::RejectReason::kNone;
  v.emplace_back(up);
  common::Fill fl;
  fl.ts_recv = 1008;
  fl.cloid = {1, 3};
  fl.venue_order_id = {0xaaaa, 0xbbbb, true};
  fl.fill_id = 42;
  fl.price = px("100.2");
  fl.qty = qy("0.5");
  fl.fee = Money::parse("-0.01").value();
  fl.liquidity = common::Liquidity::kMaker;
  v.emplace_back(fl);
  StrategyNote note;
  note.ts_recv = 1009;
  note.strategy = {4};
  note.severity = NoteSeverity::kWarning;
  note.set_text("hedge degraded to net reduction \"BTC\"");
  v.emplace_back(note);
  PairOutcome po;
  po.ts_recv = 1010;
  po.pair_id = 77;
  po.buy_cloid = {9, 1};
  po.sell_cloid = {9, 2};
  po.buy_price = px("100");
  po.sell_price = px("100.3");
  po.qty = qy("1");
  po.pnl = Money::parse("0.25").value();
  po.fees = Money::parse("0.05").value();
  po.buy_venue = common::VenueId::kHyperliquid;
  po.sell_venue = common::VenueId::kCoinbase;
  po.result = PairResult::kHedged;
  v.emplace_back(po);
  Gap g;
  g.ts_recv = 1011;
  g.dropped = 5;
  g.first_ts = 900;
  g.last_ts = 950;
  v.emplace_back(g);
  return v;
}

std::vector<unsigned char> encoded(const JournalRecord& r) {
  std::vector<unsigned char> b(kMaxEncodedPayload);
  b.resize(encode_payload(r, b.data()));
  return b;
}

JournalWriterConfig config_for(const fs::path& p, std::size_t capacity = 1024) {
  JournalWriterConfig c;
  c.path = p.string();
  c.queue_capacity = capacity;
  c.fsync = FsyncPolicy::kNever;
  c.config_hash = 0xfeedbeef;
  c.engine_id = "peregrine-test";
  return c;
}

// Writes `records` through a JournalWriter driven on this thread.
void write_journal(const fs::path& p, const std::vector<JournalRecord>& records, Nanos created) {
  common::ReplayClock clock(created);
  JournalWriter w(config_for(p), clock);
  std::string err;
  ASSERT_TRUE(w.open(&err)) << err;
  for (const auto& r : records) ASSERT_TRUE(w.try_append(r));
  while (w.do_work() > 0) {
  }
  w.on_close();
  EXPECT_EQ(w.written(), records.size());
  EXPECT_EQ(w.write_errors(), 0u);
}

struct ReadBack {
  std::vector<RecordView> views;
  std::vector<JournalRecord> records;
  JournalReader::Next end = JournalReader::Next::kEnd;
  Corruption corruption;
};

ReadBack read_all(const fs::path& p) {
  ReadBack out;
  std::string err;
  auto r = JournalReader::open(p.string(), &err);
  EXPECT_TRUE(r) << err;
  if (!r) return out;
  RecordView v;
  while ((out.end = r->next(&v)) == JournalReader::Next::kRecord) {
    JournalRecord rec;
    EXPECT_TRUE(decode_payload(v.type, v.payload.data(), v.payload.size(), &rec));
    out.views.push_back(v);
    out.records.push_back(rec);
  }
  out.corruption = r->corruption();
  return out;
}

TEST(Journal, RoundTripsEveryRecordType) {
  const auto dir = temp_dir("roundtrip");
  const auto path = dir / "j.pgj";
  const auto input = every_type();
  write_journal(path, input, 5'000);

  std::string err;
  auto reader = JournalReader::open(path.string(), &err);
  ASSERT_TRUE(reader) << err;
  EXPECT_EQ(reader->header().kind, FileKind::kJournal);
  EXPECT_EQ(reader->header().created_ns, 5'000);
  EXPECT_EQ(reader->header().config_hash, 0xfeedbeefu);
  EXPECT_EQ(reader->header().engine(), "peregrine-test");

  const ReadBack back = read_all(path);
  ASSERT_EQ(back.end, JournalReader::Next::kEnd);
  ASSERT_EQ(back.records.size(), input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    EXPECT_EQ(back.records[i].type, input[i].type) << i;
    EXPECT_EQ(back.views[i].ts, input[i].ts()) << i;
    EXPECT_EQ(back.views[i].version, kPayloadVersion);
    EXPECT_EQ(encoded(back.records[i]), encoded(input[i])) << to_string(input[i].type);
  }
  // Spot checks that decoding fills the real fields, not just equal bytes.
  EXPECT_EQ(back.records[0].book_delta.price, px("61800.5"));
  EXPECT_EQ(back.records[0].book_delta.side, common::BookSide::kAsk);
  EXPECT_EQ(back.records[4].intent.cloid, (common::ClientOrderId{0x1122, 0x3344}));
  EXPECT_EQ(back.records[8].fill.venue_order_id, (common::VenueOrderId{0xaaaa, 0xbbbb, true}));
  EXPECT_EQ(back.records[8].fill.fee.to_string(), "-0.01");
  EXPECT_EQ(back.records[9].note.view(), "hedge degraded to net reduction \"BTC\"");
  EXPECT_EQ(back.records[10].pair.result, PairResult::kHedged);
  EXPECT_EQ(back.records[11].gap.dropped, 5u);
}

TEST(Journal, NoteTextIsTruncatedNotOverflowed) {
  StrategyNote n;
  n.set_text(std::string(500, 'x'));
  EXPECT_EQ(n.view().size(), StrategyNote::kCapacity);
}

TEST(Journal, TornTailIsTruncatedOnReopen) {
  const auto dir = temp_dir("torn");
  const auto path = dir / "j.pgj";
  auto input = every_type();
  input.resize(3);
  write_journal(path, input, 1);
  const auto full = fs::file_size(path);
  fs::resize_file(path, full - 5);  // a crash mid-write of the third record

  const ReadBack torn = read_all(path);
  EXPECT_EQ(torn.records.size(), 2u);
  ASSERT_EQ(torn.end, JournalReader::Next::kCorrupt);
  EXPECT_TRUE(torn.corruption.at_tail);
  EXPECT_NE(torn.corruption.reason.find("truncated record"), std::string::npos);

  common::ReplayClock clock(2);
  JournalWriter w(config_for(path), clock);
  std::string err;
  ASSERT_TRUE(w.open(&err)) << err;
  EXPECT_FALSE(w.open_result().created);
  EXPECT_EQ(w.open_result().existing_records, 2u);
  EXPECT_EQ(w.open_result().truncated_bytes,
            torn.corruption.offset > 0 ? full - 5 - torn.corruption.offset : 0u);
  ASSERT_TRUE(w.try_append(input[2]));
  while (w.do_work() > 0) {
  }
  w.on_close();

  const ReadBack healed = read_all(path);
  EXPECT_EQ(healed.end, JournalReader::Next::kEnd);
  ASSERT_EQ(healed.records.size(), 3u);
  EXPECT_EQ(encoded(healed.records[2]), encoded(input[2]));
  EXPECT_EQ(fs::file_size(path), full);  // same bytes as the uninterrupted journal
}

TEST(Journal, TornCrcAtTailIsTruncatedToo) {
  const auto dir = temp_dir("torncrc");
  const auto path = dir / "j.pgj";
  auto input = every_type();
  input.resize(2);
  write_journal(path, input, 1);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x5a');  // last byte of the last CRC
  }
  const ReadBack torn = read_all(path);
  EXPECT_EQ(torn.corruption.reason, "crc mismatch");
  EXPECT_TRUE(torn.corruption.at_tail);
  OpenResult res;
  std::string err;
  FileHeader h;
  auto f = JournalFile::open(path.string(), h, 4096, &res, &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ(res.existing_records, 1u);
  EXPECT_EQ(res.truncated_reason, "crc mismatch");
}

TEST(Journal, CorruptionInTheMiddleIsReportedWithOffsetAndRefused) {
  const auto dir = temp_dir("corrupt");
  const auto path = dir / "j.pgj";
  const auto input = every_type();
  write_journal(path, input, 1);
  const ReadBack good = read_all(path);
  ASSERT_GE(good.views.size(), 4u);
  const std::uint64_t third = good.views[2].offset;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(third + kRecordHeaderSize + 2));
    f.put('\x7f');
  }
  const ReadBack bad = read_all(path);
  EXPECT_EQ(bad.records.size(), 2u);
  ASSERT_EQ(bad.end, JournalReader::Next::kCorrupt);
  EXPECT_EQ(bad.corruption.offset, third);
  EXPECT_EQ(bad.corruption.reason, "crc mismatch");
  EXPECT_FALSE(bad.corruption.at_tail);

  common::ReplayClock clock(0);
  JournalWriter w(config_for(path), clock);
  std::string err;
  EXPECT_FALSE(w.open(&err));
  EXPECT_NE(err.find("offset " + std::to_string(third)), std::string::npos) << err;
  EXPECT_NE(err.find("refusing"), std::string::npos) << err;
}

TEST(Journal, ImpossibleLengthIsReported) {
  const auto dir = temp_dir("len");
  const auto path = dir / "j.pgj";
  write_journal(path, every_type(), 1);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(kFileHeaderSize));
    const unsigned char huge[4] = {0xff, 0xff, 0xff, 0x7f};
    f.write(reinterpret_cast<const char*>(huge), 4);
  }
  const ReadBack bad = read_all(path);
  EXPECT_EQ(bad.corruption.offset, kFileHeaderSize);
  EXPECT_NE(bad.corruption.reason.find("exceeds the maximum"), std::string::npos);
}

TEST(Journal, BadHeaderIsRejected) {
  const auto dir = temp_dir("hdr");
  const auto path = dir / "j.pgj";
  std::ofstream(path) << "not a journal at all, just some text that is long enough to be a header";
  std::string err;
  EXPECT_FALSE(JournalReader::open(path.string(), &err));
  EXPECT_NE(err.find("bad magic"), std::string::npos) << err;
}

TEST(Journal, IdenticalInputGivesByteIdenticalFiles) {
  const auto dir = temp_dir("ident");
  auto input = every_type();
  // Leave garbage in struct padding: the packed encoding must not copy it.
  std::vector<JournalRecord> dirty = input;
  for (auto& r : dirty) {
    JournalRecord copy = r;
    std::memset(static_cast<void*>(&r), 0xa5, sizeof(r));
    r.type = copy.type;
    const auto bytes = encoded(copy);
    JournalRecord back;
    ASSERT_TRUE(decode_payload(copy.type, bytes.data(), bytes.size(), &back));
    // Copy field values over the garbage, leaving padding dirty.
    PayloadDecoder dec(bytes.data(), bytes.size());
    ASSERT_TRUE(visit_record(r, dec));
  }
  write_journal(dir / "a.pgj", input, 42);
  write_journal(dir / "b.pgj", dirty, 42);
  write_journal(dir / "c.pgj", input, 43);
  const std::string a = slurp(dir / "a.pgj");
  EXPECT_EQ(a, slurp(dir / "b.pgj"));
  const std::string c = slurp(dir / "c.pgj");
  ASSERT_EQ(a.size(), c.size());
  EXPECT_NE(a, c);  // only the created time differs...
  EXPECT_EQ(a.substr(kFileHeaderSize), c.substr(kFileHeaderSize));  // ...in the header
}

TEST(Journal, QueueFullIsCountedAndLeavesAGapRecord) {
  const auto dir = temp_dir("full");
  const auto path = dir / "j.pgj";
  common::ReplayClock clock(0);
  JournalWriter w(config_for(path, 8), clock);
  std::string err;
  ASSERT_TRUE(w.open(&err)) << err;
  common::Trade t;
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  for (int i = 0; i < 200; ++i) {
    t.ts_recv = 100 + i;
    t.trade_id = static_cast<std::uint64_t>(i);
    if (w.try_append(t)) {
      ++accepted;
    } else {
      ++refused;
    }
  }
  ASSERT_GT(refused, 0u);
  EXPECT_EQ(w.dropped(), refused);
  EXPECT_EQ(w.appended(), accepted);
  while (w.do_work() > 0) {
  }
  t.ts_recv = 5000;
  t.trade_id = 9999;
  ASSERT_TRUE(w.try_append(t));  // space is back: the gap goes in first
  EXPECT_EQ(w.gaps_queued(), 1u);
  while (w.do_work() > 0) {
  }
  w.on_close();

  const ReadBack back = read_all(path);
  ASSERT_EQ(back.records.size(), accepted + 2);
  const JournalRecord& gap = back.records[accepted];
  ASSERT_EQ(gap.type, RecordType::kGap);
  EXPECT_EQ(gap.gap.dropped, refused);
  EXPECT_EQ(gap.gap.first_ts, static_cast<Nanos>(100 + accepted));
  EXPECT_EQ(gap.gap.last_ts, 299);
  EXPECT_EQ(gap.gap.ts_recv, 5000);
  EXPECT_EQ(back.records.back().trade.trade_id, 9999u);
}

TEST(Journal, WriterThreadDrainsEverythingFromTheCore) {
  const auto dir = temp_dir("thread");
  const auto path = dir / "j.pgj";
  common::ReplayClock clock(0);
  auto cfg = config_for(path, 256);
  cfg.fsync = FsyncPolicy::kOnClose;
  JournalWriter w(cfg, clock);
  std::uint64_t refused = 0;
  {
    common::AgentRunner<JournalWriter> runner(w);
    ASSERT_TRUE(runner.start());
    common::BookDelta d;
    for (int i = 0; i < 20'000; ++i) {
      d.venue_seq = static_cast<std::uint64_t>(i);
      while (!w.try_append(d)) {
        ++refused;  // the test core retries; a real core counts and moves on
        std::this_thread::yield();
      }
    }
    runner.stop();
  }
  EXPECT_EQ(w.appended(), 20'000u);
  EXPECT_EQ(w.written(), 20'000u + w.gaps_queued());
  const ReadBack back = read_all(path);
  EXPECT_EQ(back.end, JournalReader::Next::kEnd);
  EXPECT_EQ(back.records.size(), w.written());
  EXPECT_EQ(w.syncs(), 1u);
  std::uint64_t deltas = 0;
  std::uint64_t dropped_in_gaps = 0;
  for (const auto& r : back.records) {
    if (r.type == RecordType::kBookDelta) {
      EXPECT_EQ(r.book_delta.venue_seq, deltas);
      ++deltas;
    } else {
      dropped_in_gaps += r.gap.dropped;
    }
  }
  EXPECT_EQ(deltas, 20'000u);
  EXPECT_EQ(dropped_in_gaps, refused);
}

TEST(JournalExport, DumpNamesEveryField) {
  const auto dir = temp_dir("dump");
  write_journal(dir / "j.pgj", every_type(), 1);
  std::string err;
  auto r = JournalReader::open((dir / "j.pgj").string(), &err);
  ASSERT_TRUE(r);
  RecordView v;
  std::vector<std::string> lines;
  while (r->next(&v) == JournalReader::Next::kRecord) lines.push_back(record_json(v));
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(
      lines[0],
      "{\"offset\":64,\"type\":\"book_delta\",\"type_id\":1,\"version\":1,\"ts\":1000,"
      "\"length\":47,\"ts_venue\":11,\"ts_recv\":1000,\"venue_seq\":7,\"venue\":\"binance\","
      "\"instrument\":3,\"side\":\"ask\",\"price\":\"61800.5\",\"qty\":\"0.25\",\"flags\":4}");
  EXPECT_NE(lines[4].find("\"cloid\":\"0x00000000000011220000000000003344\""), std::string::npos)
      << lines[4];
  EXPECT_NE(lines[4].find("\"type\":\"stop_limit\",\"tif\":\"ioc\""), std::string::npos);
  EXPECT_NE(lines[5].find("\"reason\":\"" +
                          std::string(common::to_string(common::DenyReason::kPriceCollar)) + "\""),
            std::string::npos);
  EXPECT_NE(lines[8].find("\"fee\":\"-0.01\",\"liquidity\":\"maker\""), std::string::npos);
  EXPECT_NE(lines[9].find("\"text\":\"hedge degraded to net reduction \\\"BTC\\\"\""),
            std::string::npos)
      << lines[9];
  EXPECT_NE(lines[10].find("\"result\":\"hedged\""), std::string::npos);
  EXPECT_NE(lines[11].find("\"dropped\":5"), std::string::npos);
}

TEST(JournalExport, CsvTablesAndDerivedPositions) {
  const auto dir = temp_dir("csv");
  std::vector<JournalRecord> in;
  common::OrderIntent intent;
  intent.ts_recv = 10;
  intent.cloid = {0, 1};
  intent.price = px("100");
  intent.qty = qy("2");
  intent.instrument = {1};
  in.emplace_back(intent);
  OrderAccepted acc;
  acc.ts_recv = 11;
  acc.cloid = {0, 1};
  acc.instrument = {1};
  in.emplace_back(acc);
  common::OrderDenied den;
  den.ts_recv = 12;
  den.cloid = {0, 2};
  den.instrument = {1};
  den.reason = common::DenyReason::kMaxPosition;
  in.emplace_back(den);
  common::Fill f;
  f.instrument = {1};
  f.cloid = {0, 1};
  f.fee = Money::parse("0.1").value();
  f.ts_recv = 20;
  f.side = common::Side::kBuy;
  f.price = px("100");
  f.qty = qy("2");
  in.emplace_back(f);
  f.ts_recv = 21;
  f.side = common::Side::kSell;
  f.price = px("110");
  f.qty = qy("0.5");
  in.emplace_back(f);
  f.ts_recv = 22;
  f.venue = common::VenueId::kCoinbase;
  f.side = common::Side::kSell;
  f.price = px("50");
  f.qty = qy("1");
  in.emplace_back(f);
  common::OrderUpdate up;
  up.ts_recv = 23;
  up.cloid = {0, 1};
  up.status = common::OrderStatus::kFilled;
  up.qty = qy("2");
  up.filled_qty = qy("2");
  in.emplace_back(up);

  CsvExporter ex;
  std::string err;
  ASSERT_TRUE(ex.open(dir.string(), &err)) << err;
  for (const auto& r : in) ex.add(r);
  ASSERT_TRUE(ex.finish(&err)) << err;
  EXPECT_EQ(ex.stats().orders, 2u);
  EXPECT_EQ(ex.stats().executions, 3u);
  EXPECT_EQ(ex.stats().risk_events, 2u);

  const std::string positions = slurp(dir / "positions.csv");
  EXPECT_EQ(positions,
            "venue,instrument,net_qty,avg_entry,realized_pnl,fees,fills,last_ts\n"
            "hyperliquid,1,1.5,100,5,0.2,2,21\n"
            "coinbase,1,-1,50,0,0.1,1,22\n");
  const std::string risk = slurp(dir / "risk_events.csv");
  EXPECT_NE(risk.find("11,accepted,hyperliquid,1,0,0x00000000000000000000000000000001,\n"),
            std::string::npos)
      << risk;
  EXPECT_NE(risk.find("12,denied,hyperliquid,1,0,0x00000000000000000000000000000002,"),
            std::string::npos);
  const std::string orders = slurp(dir / "orders.csv");
  EXPECT_EQ(orders.rfind("ts,event,venue,", 0), 0u);
  EXPECT_NE(orders.find("10,intent,hyperliquid,1,0,0x00000000000000000000000000000001,,new,,buy,"
                        "limit,gtc,100,2,,,,0\n"),
            std::string::npos)
      << orders;
  const std::string execs = slurp(dir / "executions.csv");
  EXPECT_NE(execs.find("21,0,hyperliquid,1,0,0x00000000000000000000000000000001,,0,sell,110,0.5,"
                       "0.1,taker\n"),
            std::string::npos)
      << execs;
}

TEST(JournalExport, DerivedPositionFlipsThroughZero) {
  DerivedPosition p;
  common::Fill f;
  f.side = common::Side::kBuy;
  f.price = px("10");
  f.qty = qy("1");
  p.apply(f);
  f.side = common::Side::kSell;
  f.price = px("12");
  f.qty = qy("3");
  p.apply(f);
  EXPECT_EQ(common::Qty::from_raw(p.qty_raw).to_string(), "-2");
  EXPECT_EQ(p.avg_entry().to_string(), "12");
  EXPECT_EQ(p.realized_pnl().to_string(), "2");
}

}  // namespace
}  // namespace peregrine::engine::journal
