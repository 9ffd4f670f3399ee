// Book rebuilds from the recorded Binance captures (../shared/data/binance, SOURCES.md §1).
#include "gateways/binance/book_replay.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "support/test_data.hpp"

namespace peregrine::gateways::binance {
namespace {

using common::BookSide;
using common::Price;
using common::Qty;

ReplayStats replay(Market market, const std::vector<std::filesystem::path>& files, BookReplay& r) {
  for (const auto& f : files) {
    std::string error;
    EXPECT_TRUE(r.replay_file(f.string(), capture::CaptureFormat::kHftbacktest, &error))
        << f << ": " << error;
  }
  static_cast<void>(market);
  return r.stats();
}

void expect_clean(const ReplayStats& s, const BookReplay& r) {
  EXPECT_EQ(s.malformed, 0u);
  EXPECT_EQ(s.snapshots, 1u);
  EXPECT_EQ(s.gaps, 0u);
  EXPECT_EQ(s.resyncs, 0u);
  EXPECT_EQ(s.crossed, 0u);
  EXPECT_EQ(s.mismatches, 0u) << s.first_mismatch;
  EXPECT_EQ(s.late_mismatches, 0u) << s.first_mismatch;
  EXPECT_TRUE(r.book().is_valid());
  EXPECT_TRUE(r.sync().synced());
  EXPECT_FALSE(r.book().is_crossed());
  EXPECT_GT(s.applied, 0u);
}

TEST(BinanceBookReplay, UsdmBtcusdtCheckpoints) {
  PEREGRINE_REQUIRE_DATA(path, "binance/usdm/btcusdt_20240808.gz");
  BookReplay r(Market::kUsdm);
  const ReplayStats s = replay(Market::kUsdm, {path}, r);
  expect_clean(s, r);
  EXPECT_EQ(s.depth_events, 6551u);
  EXPECT_EQ(s.book_tickers, 66089u);
  EXPECT_EQ(s.trades, 21313u);
  EXPECT_EQ(s.checkpoints, 126u);
  EXPECT_EQ(s.late_checkpoints, 503u);  // tickers that arrived before their depth event
}

TEST(BinanceBookReplay, UsdmEthusdtCheckpoints) {
  PEREGRINE_REQUIRE_DATA(path, "binance/usdm/ethusdt_20240808.gz");
  BookReplay r(Market::kUsdm);
  const ReplayStats s = replay(Market::kUsdm, {path}, r);
  expect_clean(s, r);
  EXPECT_EQ(s.depth_events, 6586u);
  EXPECT_EQ(s.checkpoints, 80u);
  EXPECT_EQ(s.late_checkpoints, 471u);
}

// Spot (depth@100ms) and COIN-M bookTickers always arrive before the depth event with the same u,
// so there are no on-arrival checkpoints; the late checks carry the comparison there.
TEST(BinanceBookReplay, SpotTwoDaysBackToBack) {
  const std::pair<const char*, std::uint64_t> cases[] = {{"btcusdt", 1072}, {"ethusdt", 1056}};
  for (const auto& [sym, late] : cases) {
    PEREGRINE_REQUIRE_DATA(day1, std::string("binance/spot/") + sym + "_20240808.gz");
    PEREGRINE_REQUIRE_DATA(day2, std::string("binance/spot/") + sym + "_20240809.gz");
    BookReplay r(Market::kSpot);
    const ReplayStats s = replay(Market::kSpot, {day1, day2}, r);
    SCOPED_TRACE(sym);
    expect_clean(s, r);
    EXPECT_EQ(r.sync().overlaps(), 0u);  // U == previous u + 1 throughout
    EXPECT_EQ(s.checkpoints, 0u);
    EXPECT_EQ(s.late_checkpoints, late);
  }
}

TEST(BinanceBookReplay, CoinmTwoDaysBackToBack) {
  const std::pair<const char*, std::uint64_t> cases[] = {{"btcusd_perp", 1885},
                                                         {"ethusd_perp", 2278}};
  for (const auto& [sym, late] : cases) {
    PEREGRINE_REQUIRE_DATA(day1, std::string("binance/coinm/") + sym + "_20240808.gz");
    PEREGRINE_REQUIRE_DATA(day2, std::string("binance/coinm/") + sym + "_20240809.gz");
    BookReplay r(Market::kCoinm);
    const ReplayStats s = replay(Market::kCoinm, {day1, day2}, r);
    SCOPED_TRACE(sym);
    expect_clean(s, r);
    EXPECT_EQ(s.checkpoints, 0u);
    EXPECT_EQ(s.late_checkpoints, late);
  }
}

// ---- A deleted depth event: gap, BookReset, resync from an independent reference book ----------

// The reference: plain ordered maps fed every diff straight from the parser after the documented
// bridge, without BookSync or L2Book.
struct ReferenceBook {
  std::map<Price, Qty, std::greater<>> bids;
  std::map<Price, Qty> asks;
  std::uint64_t last_u = 0;
  bool synced = false;

  void load(const DepthSnapshot& s) {
    bids.clear();
    asks.clear();
    for (const auto& d : s.deltas) apply(d);
    last_u = s.last_update_id;
  }
  void apply(const common::BookDelta& d) {
    if (d.price.is_zero()) return;
    if (d.side == BookSide::kBid) {
      if (d.qty.is_zero()) {
        bids.erase(d.price);
      } else {
        bids[d.price] = d.qty;
      }
    } else {
      if (d.qty.is_zero()) {
        asks.erase(d.price);
      } else {
        asks[d.price] = d.qty;
      }
    }
  }
  // Futures rules, written out independently of BookSync.
  void on_depth(const DepthUpdate& u) {
    if (!synced) {
      if (u.last_id < last_u || u.first_id > last_u) return;
      synced = true;
    } else {
      ASSERT_EQ(u.prev_last_id, last_u) << "the capture itself has a gap";
    }
    for (const auto& d : u.deltas) apply(d);
    last_u = u.last_id;
  }
  // A snapshot run of the whole book at last_u, as a REST snapshot would deliver it.
  std::vector<common::BookDelta> snapshot_run() const {
    std::vector<common::BookDelta> out;
    for (const auto& [p, q] : bids) {
      common::BookDelta d;
      d.price = p;
      d.qty = q;
      d.side = BookSide::kBid;
      d.venue_seq = last_u;
      out.push_back(d);
    }
    for (const auto& [p, q] : asks) {
      common::BookDelta d;
      d.price = p;
      d.qty = q;
      d.side = BookSide::kAsk;
      d.venue_seq = last_u;
      out.push_back(d);
    }
    out.front().flags |= common::book_flags::kSnapshotBegin;
    out.back().flags |= common::book_flags::kSnapshotEnd | common::book_flags::kEndOfBatch;
    return out;
  }
};

// Counts what the sink sees while applying to an L2Book.
class CountingSink final : public BookSink {
 public:
  explicit CountingSink(common::L2Book& book) : inner_(book) {}
  void on_deltas(std::span<const common::BookDelta> d) noexcept override { inner_.on_deltas(d); }
  void on_reset(const common::BookReset& r) noexcept override {
    resets.push_back(r);
    inner_.on_reset(r);
  }
  std::vector<common::BookReset> resets;
  L2BookSink inner_;
};

TEST(BinanceBookReplay, DeletedDepthEventIsAGapAndResyncRecovers) {
  PEREGRINE_REQUIRE_DATA(path, "binance/usdm/btcusdt_20240808.gz");
  std::string error;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kHftbacktest, &error);
  ASSERT_TRUE(reader) << error;

  SymbolTable symbols;
  MdParser parser(symbols);
  ReferenceBook ref;
  std::vector<DepthUpdate> pre_snapshot;  // the reference buffers like the venue says
  std::vector<std::vector<common::BookDelta>> pre_levels;

  common::L2Book book;
  CountingSink sink(book);
  BookSync sync(Market::kUsdm, common::InstrumentId{0});

  constexpr std::size_t kDeleteAt = 2000;  // the 2000th depth event of the file
  constexpr std::size_t kResyncAfter = 7;  // depth events between the gap and the new snapshot
  std::size_t depth_no = 0;
  std::size_t gap_at = 0;
  std::vector<common::BookDelta> resync_run;
  bool ref_loaded = false;
  std::uint64_t checkpoints_after = 0, mismatches_after = 0;

  capture::CaptureRecord rec;
  while (reader->next(&rec)) {
    const auto k = parser.parse_unpadded(rec.payload, rec.ts_ns);
    ASSERT_TRUE(k.ok());
    if (*k == MdFrameKind::kSnapshot) {
      ref.load(parser.snapshot());
      ref_loaded = true;
      for (std::size_t i = 0; i < pre_snapshot.size(); ++i) {
        pre_snapshot[i].deltas = pre_levels[i];
        ref.on_depth(pre_snapshot[i]);
      }
      ASSERT_EQ(sync.on_snapshot(parser.snapshot(), sink), SnapshotOutcome::kApplied);
      continue;
    }
    if (*k == MdFrameKind::kBookTicker) {
      const BookTicker& t = parser.book_ticker();
      if (gap_at != 0 && sync.synced() && book.is_valid() && t.venue_seq == sync.last_update_id()) {
        ++checkpoints_after;
        if (book.best_bid() != common::Level{t.bid_price, t.bid_qty} ||
            book.best_ask() != common::Level{t.ask_price, t.ask_qty}) {
          ++mismatches_after;
        }
      }
      continue;
    }
    if (*k != MdFrameKind::kDepth) continue;
    const DepthUpdate& u = parser.depth();
    ++depth_no;
    if (!ref_loaded) {
      pre_snapshot.push_back(u);
      pre_levels.emplace_back(u.deltas.begin(), u.deltas.end());
    } else {
      ref.on_depth(u);
    }
    if (depth_no == kDeleteAt) continue;  // lost on the way to the gateway
    const DepthOutcome out = sync.on_depth(u, sink);
    if (depth_no == kDeleteAt + 1) {
      ASSERT_EQ(out, DepthOutcome::kGap);
      ASSERT_EQ(sink.resets.size(), 1u);
      EXPECT_EQ(sink.resets[0].reason, common::ResetReason::kSequenceGap);
      EXPECT_FALSE(book.is_valid());
      EXPECT_TRUE(sync.wants_snapshot());
      sync.mark_snapshot_requested();
      gap_at = depth_no;
    } else if (gap_at != 0 && depth_no < gap_at + kResyncAfter) {
      EXPECT_EQ(out, DepthOutcome::kBuffered);
    }
    if (gap_at != 0 && depth_no == gap_at + kResyncAfter) {
      // The "REST snapshot" arrives: the reference book at this event's u.
      EXPECT_EQ(out, DepthOutcome::kBuffered);
      resync_run = ref.snapshot_run();
      DepthSnapshot snap;
      snap.last_update_id = ref.last_u;
      snap.deltas = resync_run;
      ASSERT_EQ(sync.on_snapshot(snap, sink), SnapshotOutcome::kApplied);
      EXPECT_TRUE(sync.synced());
      EXPECT_TRUE(book.is_valid());
      EXPECT_EQ(sync.last_update_id(), ref.last_u);
    }
  }
  ASSERT_TRUE(reader->error().empty()) << reader->error();
  ASSERT_NE(gap_at, 0u);
  EXPECT_EQ(sync.gaps(), 1u);
  EXPECT_EQ(sync.resyncs(), 1u);
  EXPECT_EQ(sink.resets.size(), 1u);
  EXPECT_TRUE(book.is_valid());
  EXPECT_GT(checkpoints_after, 10u);
  EXPECT_EQ(mismatches_after, 0u);
  // After the resync the whole book equals the independent reference, level by level.
  ASSERT_EQ(book.depth(BookSide::kBid), ref.bids.size());
  ASSERT_EQ(book.depth(BookSide::kAsk), ref.asks.size());
  std::size_t i = 0;
  for (const auto& [p, q] : ref.bids) {
    ASSERT_EQ(book.level(BookSide::kBid, i), (common::Level{p, q})) << i;
    ++i;
  }
  i = 0;
  for (const auto& [p, q] : ref.asks) {
    ASSERT_EQ(book.level(BookSide::kAsk, i), (common::Level{p, q})) << i;
    ++i;
  }
}

}  // namespace
}  // namespace peregrine::gateways::binance
