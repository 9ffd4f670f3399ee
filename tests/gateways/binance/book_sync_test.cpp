#include "gateways/binance/book_sync.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace peregrine::gateways::binance {
namespace {

using common::BookDelta;
using common::BookSide;
using common::Price;
using common::Qty;
namespace bf = common::book_flags;

// Records what BookSync emits.
class RecordingSink final : public BookSink {
 public:
  void on_deltas(std::span<const BookDelta> deltas) noexcept override {
    batches.emplace_back(deltas.begin(), deltas.end());
  }
  void on_reset(const common::BookReset& reset) noexcept override { resets.push_back(reset); }
  std::vector<std::vector<BookDelta>> batches;
  std::vector<common::BookReset> resets;
};

// A diff carrying one level whose price encodes the event's u (so tests can see what was
// forwarded).
struct Event {
  std::vector<BookDelta> deltas;
  DepthUpdate update;
};

Event diff(std::uint64_t first, std::uint64_t last, std::uint64_t prev, bool has_prev = true) {
  Event e;
  BookDelta d;
  d.price = Price::from_units(static_cast<std::int64_t>(last)).value();
  d.qty = Qty::from_units(1).value();
  d.side = BookSide::kBid;
  d.venue_seq = last;
  d.flags = bf::kEndOfBatch;
  e.deltas.push_back(d);
  e.update.first_id = first;
  e.update.last_id = last;
  e.update.prev_last_id = prev;
  e.update.has_prev = has_prev;
  e.update.ts_venue = static_cast<common::Nanos>(last);
  return e;
}

const DepthUpdate& view(Event& e) {
  e.update.deltas = e.deltas;
  return e.update;
}

struct Snapshot {
  std::vector<BookDelta> deltas;
  DepthSnapshot snap;
};

Snapshot snapshot(std::uint64_t last_update_id) {
  Snapshot s;
  BookDelta bid;
  bid.price = Price::from_units(1).value();
  bid.qty = Qty::from_units(1).value();
  bid.side = BookSide::kBid;
  bid.flags = bf::kSnapshotBegin;
  BookDelta ask = bid;
  ask.price = Price::from_units(1'000'000'000).value();
  ask.side = BookSide::kAsk;
  ask.flags = bf::kSnapshotEnd | bf::kEndOfBatch;
  s.deltas = {bid, ask};
  s.snap.last_update_id = last_update_id;
  return s;
}

const DepthSnapshot& view(Snapshot& s) {
  s.snap.deltas = s.deltas;
  return s.snap;
}

std::uint64_t forwarded_u(const std::vector<BookDelta>& batch) {
  return static_cast<std::uint64_t>(batch[0].price.raw() / common::kDecimalScale);
}

TEST(BookSync, FuturesBuffersThenBridgesAndChainsOnPu) {
  BookSync sync(Market::kUsdm, common::InstrumentId{1});
  RecordingSink sink;
  EXPECT_TRUE(sync.wants_snapshot());
  sync.mark_snapshot_requested();
  EXPECT_FALSE(sync.wants_snapshot());
  // Events before the snapshot: 100..110 (pu 99), 111..120, 121..130.
  Event a = diff(100, 110, 99), b = diff(111, 120, 110), c = diff(121, 130, 120);
  EXPECT_EQ(sync.on_depth(view(a), sink), DepthOutcome::kBuffered);
  EXPECT_EQ(sync.on_depth(view(b), sink), DepthOutcome::kBuffered);
  EXPECT_EQ(sync.on_depth(view(c), sink), DepthOutcome::kBuffered);
  EXPECT_TRUE(sink.batches.empty());
  // lastUpdateId 115: a is stale (u < 115), b bridges (U <= 115 <= u), c chains (pu == 120).
  Snapshot s = snapshot(115);
  EXPECT_EQ(sync.on_snapshot(view(s), sink), SnapshotOutcome::kApplied);
  ASSERT_EQ(sink.batches.size(), 3u);
  EXPECT_EQ(sink.batches[0].size(), 2u);  // the snapshot run
  EXPECT_EQ(forwarded_u(sink.batches[1]), 120u);
  EXPECT_EQ(forwarded_u(sink.batches[2]), 130u);
  EXPECT_TRUE(sync.synced());
  EXPECT_EQ(sync.last_update_id(), 130u);
  EXPECT_EQ(sync.stale_events(), 1u);
  EXPECT_EQ(sync.buffered_events(), 0u);
  // Live: continuity by pu (U jumps freely on futures).
  Event d = diff(140, 150, 130);
  EXPECT_EQ(sync.on_depth(view(d), sink), DepthOutcome::kApplied);
  // A duplicate is stale, not a gap.
  EXPECT_EQ(sync.on_depth(view(d), sink), DepthOutcome::kStale);
  // pu != previous u: gap -> reset, awaiting snapshot, event kept for the bridge.
  Event e = diff(160, 170, 155);
  EXPECT_EQ(sync.on_depth(view(e), sink), DepthOutcome::kGap);
  ASSERT_EQ(sink.resets.size(), 1u);
  EXPECT_EQ(sink.resets[0].reason, common::ResetReason::kSequenceGap);
  EXPECT_EQ(sink.resets[0].instrument.value, 1u);
  EXPECT_EQ(sink.resets[0].venue_seq, 150u);
  EXPECT_EQ(sync.state(), SyncState::kAwaitingSnapshot);
  EXPECT_TRUE(sync.wants_snapshot());
  EXPECT_EQ(sync.buffered_events(), 1u);
  EXPECT_EQ(sync.gaps(), 1u);
  // Resync with a snapshot at 165, inside the buffered event.
  Snapshot s2 = snapshot(165);
  EXPECT_EQ(sync.on_snapshot(view(s2), sink), SnapshotOutcome::kApplied);
  EXPECT_TRUE(sync.synced());
  EXPECT_EQ(sync.last_update_id(), 170u);
  EXPECT_EQ(sync.resyncs(), 1u);
  EXPECT_EQ(sync.on_snapshot(view(s2), sink), SnapshotOutcome::kRejected);
}

TEST(BookSync, FuturesSnapshotNewerThanBufferWaitsForBridge) {
  BookSync sync(Market::kCoinm, common::InstrumentId{2});
  RecordingSink sink;
  Event a = diff(100, 110, 99);
  EXPECT_EQ(sync.on_depth(view(a), sink), DepthOutcome::kBuffered);
  Snapshot s = snapshot(125);
  EXPECT_EQ(sync.on_snapshot(view(s), sink), SnapshotOutcome::kApplied);
  EXPECT_EQ(sync.state(), SyncState::kBridging);
  Event b = diff(111, 120, 110);  // u < 125: stale
  EXPECT_EQ(sync.on_depth(view(b), sink), DepthOutcome::kStale);
  Event c = diff(121, 130, 120);  // spans 125: bridge (pu not checked on the bridge)
  EXPECT_EQ(sync.on_depth(view(c), sink), DepthOutcome::kApplied);
  EXPECT_TRUE(sync.synced());
  // u == lastUpdateId also bridges (futures rule U <= id <= u).
  BookSync sync2(Market::kUsdm, common::InstrumentId{2});
  Snapshot s2 = snapshot(130);
  EXPECT_EQ(sync2.on_snapshot(view(s2), sink), SnapshotOutcome::kApplied);
  EXPECT_EQ(sync2.on_depth(view(c), sink), DepthOutcome::kApplied);
  // The first event after the snapshot starting beyond it is a gap.
  BookSync sync3(Market::kUsdm, common::InstrumentId{2});
  Snapshot s3 = snapshot(100);
  EXPECT_EQ(sync3.on_snapshot(view(s3), sink), SnapshotOutcome::kApplied);
  EXPECT_EQ(sync3.on_depth(view(c), sink), DepthOutcome::kGap);
}

TEST(BookSync, SnapshotTooOldIsRefused) {
  BookSync sync(Market::kUsdm, common::InstrumentId{1});
  RecordingSink sink;
  Event a = diff(200, 210, 199);
  EXPECT_EQ(sync.on_depth(view(a), sink), DepthOutcome::kBuffered);
  sync.mark_snapshot_requested();
  Snapshot old = snapshot(150);  // the stream starts after it: cannot bridge
  EXPECT_EQ(sync.on_snapshot(view(old), sink), SnapshotOutcome::kTooOld);
  EXPECT_TRUE(sink.batches.empty());
  EXPECT_TRUE(sync.wants_snapshot());
  EXPECT_EQ(sync.stale_snapshots(), 1u);
  EXPECT_EQ(sync.buffered_events(), 1u);
  Snapshot ok = snapshot(205);
  EXPECT_EQ(sync.on_snapshot(view(ok), sink), SnapshotOutcome::kApplied);
  EXPECT_TRUE(sync.synced());
}

TEST(BookSync, FuturesEventWithoutPuIsRejected) {
  BookSync sync(Market::kUsdm, common::InstrumentId{1});
  RecordingSink sink;
  Snapshot s = snapshot(100);
  ASSERT_EQ(sync.on_snapshot(view(s), sink), SnapshotOutcome::kApplied);
  Event a = diff(95, 105, 90);
  ASSERT_EQ(sync.on_depth(view(a), sink), DepthOutcome::kApplied);
  Event b = diff(106, 110, 0, false);
  EXPECT_EQ(sync.on_depth(view(b), sink), DepthOutcome::kRejected);
  EXPECT_EQ(sync.rejected_events(), 1u);
  // The next diff chains on the dropped one: the pu check catches the hole.
  Event c = diff(111, 120, 110);
  EXPECT_EQ(sync.on_depth(view(c), sink), DepthOutcome::kGap);
}

TEST(BookSync, SpotRules) {
  BookSync sync(Market::kSpot, common::InstrumentId{5});
  RecordingSink sink;
  Event a = diff(100, 110, 0, false), b = diff(111, 120, 0, false), c = diff(121, 125, 0, false);
  ASSERT_EQ(sync.on_depth(view(a), sink), DepthOutcome::kBuffered);
  ASSERT_EQ(sync.on_depth(view(b), sink), DepthOutcome::kBuffered);
  ASSERT_EQ(sync.on_depth(view(c), sink), DepthOutcome::kBuffered);
  // lastUpdateId 110: a (u <= 110) dropped; b bridges (U <= 111 <= u); c: U == 120 + 1.
  Snapshot s = snapshot(110);
  ASSERT_EQ(sync.on_snapshot(view(s), sink), SnapshotOutcome::kApplied);
  ASSERT_EQ(sink.batches.size(), 3u);
  EXPECT_EQ(forwarded_u(sink.batches[1]), 120u);
  EXPECT_EQ(forwarded_u(sink.batches[2]), 125u);
  EXPECT_EQ(sync.stale_events(), 1u);
  Event d = diff(126, 130, 0, false);
  EXPECT_EQ(sync.on_depth(view(d), sink), DepthOutcome::kApplied);
  Event overlap = diff(128, 135, 0, false);  // U < previous u + 1 < u: applied, counted
  EXPECT_EQ(sync.on_depth(view(overlap), sink), DepthOutcome::kApplied);
  EXPECT_EQ(sync.overlaps(), 1u);
  Event stale = diff(131, 135, 0, false);
  EXPECT_EQ(sync.on_depth(view(stale), sink), DepthOutcome::kStale);
  Event gap = diff(137, 140, 0, false);  // U > 135 + 1
  EXPECT_EQ(sync.on_depth(view(gap), sink), DepthOutcome::kGap);
  EXPECT_EQ(sink.resets.size(), 1u);
  // Spot bridge needs U <= id + 1: a snapshot at 135 bridges the buffered 137..140? No: 137 > 136.
  Snapshot s2 = snapshot(135);
  EXPECT_EQ(sync.on_snapshot(view(s2), sink), SnapshotOutcome::kTooOld);
  Snapshot s3 = snapshot(136);
  EXPECT_EQ(sync.on_snapshot(view(s3), sink), SnapshotOutcome::kApplied);
  EXPECT_TRUE(sync.synced());
  EXPECT_EQ(sync.last_update_id(), 140u);
}

TEST(BookSync, GapInsideTheBufferKeepsTheRest) {
  BookSync sync(Market::kUsdm, common::InstrumentId{1});
  RecordingSink sink;
  Event a = diff(100, 110, 99), b = diff(111, 120, 110), c = diff(131, 140, 130),
        d = diff(141, 150, 140);
  for (Event* e : {&a, &b, &c, &d})
    ASSERT_EQ(sync.on_depth(view(*e), sink), DepthOutcome::kBuffered);
  Snapshot s = snapshot(105);
  EXPECT_EQ(sync.on_snapshot(view(s), sink), SnapshotOutcome::kApplied);
  // a bridged, b chained, c broke the chain: reset, c and d kept for the next snapshot.
  EXPECT_EQ(sink.resets.size(), 1u);
  EXPECT_EQ(sync.state(), SyncState::kAwaitingSnapshot);
  EXPECT_EQ(sync.buffered_events(), 2u);
  Snapshot s2 = snapshot(145);
  EXPECT_EQ(sync.on_snapshot(view(s2), sink), SnapshotOutcome::kApplied);
  EXPECT_TRUE(sync.synced());
  EXPECT_EQ(sync.last_update_id(), 150u);
}

TEST(BookSync, BoundedBufferOverflowResets) {
  BookSync sync(Market::kUsdm, common::InstrumentId{1}, /*max_events=*/4, /*max_deltas=*/100);
  RecordingSink sink;
  std::vector<Event> events;
  for (std::uint64_t i = 0; i < 6; ++i)
    events.push_back(diff(100 + i * 10, 109 + i * 10, 99 + i * 10));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(sync.on_depth(view(events[i]), sink), DepthOutcome::kBuffered);
  }
  EXPECT_EQ(sync.on_depth(view(events[4]), sink), DepthOutcome::kOverflow);
  EXPECT_EQ(sync.overflows(), 1u);
  ASSERT_EQ(sink.resets.size(), 1u);
  EXPECT_EQ(sink.resets[0].reason, common::ResetReason::kQueueOverflow);
  EXPECT_EQ(sync.buffered_events(), 1u);  // restarted from the overflowing event
  EXPECT_EQ(sync.on_depth(view(events[5]), sink), DepthOutcome::kBuffered);
  // A snapshot older than what is left is too old; a newer one bridges.
  Snapshot old = snapshot(120);
  EXPECT_EQ(sync.on_snapshot(view(old), sink), SnapshotOutcome::kTooOld);
  Snapshot ok = snapshot(145);
  EXPECT_EQ(sync.on_snapshot(view(ok), sink), SnapshotOutcome::kApplied);
  EXPECT_TRUE(sync.synced());
  EXPECT_EQ(sync.max_buffered_events(), 4u);
  // Level capacity counts too.
  BookSync tiny(Market::kUsdm, common::InstrumentId{1}, 100, 1);
  Event x = diff(1, 2, 0), y = diff(3, 4, 2);
  EXPECT_EQ(tiny.on_depth(view(x), sink), DepthOutcome::kBuffered);
  EXPECT_EQ(tiny.on_depth(view(y), sink), DepthOutcome::kOverflow);
}

TEST(BookSync, ExplicitResetAndL2BookSink) {
  common::L2Book book(64);
  L2BookSink sink(book);
  BookSync sync(Market::kUsdm, common::InstrumentId{1});
  Snapshot s = snapshot(100);
  ASSERT_EQ(sync.on_snapshot(view(s), sink), SnapshotOutcome::kApplied);
  EXPECT_TRUE(book.is_valid());
  Event a = diff(95, 105, 90);
  ASSERT_EQ(sync.on_depth(view(a), sink), DepthOutcome::kApplied);
  EXPECT_EQ(book.best_bid().price, Price::from_units(105).value());
  sync.reset(common::ResetReason::kReconnect, 7, sink);
  EXPECT_FALSE(book.is_valid());
  EXPECT_EQ(book.last_reset_reason(), common::ResetReason::kReconnect);
  EXPECT_EQ(sink.resets(), 1u);
  EXPECT_EQ(sync.state(), SyncState::kAwaitingSnapshot);
  EXPECT_TRUE(sync.wants_snapshot());
  EXPECT_EQ(to_string(sync.state()), "awaiting_snapshot");
  // A crossing diff on a valid book is counted by the sink.
  Snapshot s2 = snapshot(200);
  ASSERT_EQ(sync.on_snapshot(view(s2), sink), SnapshotOutcome::kApplied);
  Event cross = diff(195, 2'000'000'000, 190);  // bid above the ask
  ASSERT_EQ(sync.on_depth(view(cross), sink), DepthOutcome::kApplied);
  EXPECT_EQ(sink.crossed(), 1u);
  EXPECT_FALSE(book.is_valid());
}

}  // namespace
}  // namespace peregrine::gateways::binance
