#include "common/l2_book.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <new>
#include <random>
#include <vector>

// Counts every allocation in this test binary so the update path can be shown not to allocate.
namespace {
std::atomic<std::uint64_t> g_allocations{0};
// Out of line so GCC's -Wmismatched-new-delete does not pair the inlined operators with free().
[[gnu::noinline]] void* allocate(std::size_t n) noexcept { return std::malloc(n == 0 ? 1 : n); }
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }

namespace peregrine::common {
namespace {

constexpr std::int64_t kTick = 1'000'000;  // 0.01
constexpr std::int64_t kLot = 1'000;       // 0.00001
constexpr BookSide kBid = BookSide::kBid;
constexpr BookSide kAsk = BookSide::kAsk;
using R = BookApplyResult;

Price px(std::int64_t ticks) { return Price::from_raw(ticks * kTick); }
Qty qt(std::int64_t lots) { return Qty::from_raw(lots * kLot); }
Level lv(std::int64_t ticks, std::int64_t lots) { return Level{px(ticks), qt(lots)}; }

BookDelta delta(BookSide side, Price price, Qty qty, std::uint8_t flags = 0,
                std::uint64_t seq = 0) {
  BookDelta d;
  d.side = side;
  d.price = price;
  d.qty = qty;
  d.flags = flags;
  d.venue_seq = seq;
  d.ts_venue = static_cast<Nanos>(seq) * 1000;
  return d;
}
BookDelta marker(std::uint8_t flags) { return delta(kBid, Price{}, Qty{}, flags); }

// Loads a snapshot as a gateway would: begin marker, one delta per level, end marker.
R load(L2Book& book, const std::vector<Level>& bids, const std::vector<Level>& asks) {
  EXPECT_EQ(book.apply(marker(book_flags::kSnapshotBegin)), R::kApplied);
  for (const Level& l : bids) EXPECT_EQ(book.apply(delta(kBid, l.price, l.qty)), R::kApplied);
  for (const Level& l : asks) EXPECT_EQ(book.apply(delta(kAsk, l.price, l.qty)), R::kApplied);
  return book.apply(marker(book_flags::kSnapshotEnd));
}

std::vector<Level> levels_of(const L2Book& book, BookSide side) {
  std::vector<Level> out;
  book.for_each_level(side, [&](const Level& l) { out.push_back(l); });
  return out;
}

TEST(L2Book, EmptyBook) {
  L2Book book;
  EXPECT_TRUE(book.is_empty());
  EXPECT_FALSE(book.is_valid());
  EXPECT_FALSE(book.has_bid());
  EXPECT_FALSE(book.has_ask());
  EXPECT_FALSE(book.is_crossed());
  EXPECT_EQ(book.best_bid(), Level{});
  EXPECT_EQ(book.best_ask(), Level{});
  EXPECT_EQ(book.mid(), Price{});
  EXPECT_EQ(book.spread(), Price{});
  EXPECT_EQ(book.depth(kBid), 0u);
  EXPECT_EQ(book.level(kAsk, 0), Level{});
  EXPECT_EQ(book.qty_at(kBid, px(100)), Qty{});
  EXPECT_EQ(book.qty_within(kBid, 10), Qty{});
  EXPECT_EQ(book.capacity(kBid), L2Book::kDefaultCapacity);
  EXPECT_EQ(book.capacity(kAsk), L2Book::kDefaultCapacity);
  EXPECT_EQ(to_string(R::kApplied), "applied");
  EXPECT_EQ(to_string(R::kSnapshotUnmatched), "snapshot_unmatched");
}

TEST(L2Book, InsertReplaceDeleteBothSides) {
  L2Book book;
  EXPECT_EQ(book.set_level(kBid, px(100), qt(5)), R::kApplied);
  EXPECT_EQ(book.set_level(kBid, px(99), qt(7)), R::kApplied);
  EXPECT_EQ(book.set_level(kBid, px(101), qt(1)), R::kApplied);
  EXPECT_EQ(book.set_level(kAsk, px(103), qt(2)), R::kApplied);
  EXPECT_EQ(book.set_level(kAsk, px(102), qt(3)), R::kApplied);
  EXPECT_EQ(book.set_level(kAsk, px(104), qt(4)), R::kApplied);
  EXPECT_EQ(levels_of(book, kBid), (std::vector<Level>{lv(101, 1), lv(100, 5), lv(99, 7)}));
  EXPECT_EQ(levels_of(book, kAsk), (std::vector<Level>{lv(102, 3), lv(103, 2), lv(104, 4)}));

  // Replace sets the absolute quantity.
  EXPECT_EQ(book.set_level(kBid, px(100), qt(9)), R::kApplied);
  EXPECT_EQ(book.set_level(kAsk, px(102), qt(1)), R::kApplied);
  EXPECT_EQ(book.qty_at(kBid, px(100)), qt(9));
  EXPECT_EQ(book.best_ask(), lv(102, 1));
  EXPECT_EQ(book.depth(kBid), 3u);

  // Delete best, middle and worst.
  EXPECT_EQ(book.set_level(kBid, px(101), Qty{}), R::kApplied);
  EXPECT_EQ(book.best_bid(), lv(100, 9));
  EXPECT_EQ(book.set_level(kAsk, px(103), Qty{}), R::kApplied);
  EXPECT_EQ(book.set_level(kAsk, px(104), Qty{}), R::kApplied);
  EXPECT_EQ(levels_of(book, kAsk), (std::vector<Level>{lv(102, 1)}));
  EXPECT_EQ(book.qty_at(kAsk, px(103)), Qty{});
  EXPECT_EQ(book.set_level(kBid, px(100), Qty{}), R::kApplied);
  EXPECT_EQ(book.set_level(kBid, px(99), Qty{}), R::kApplied);
  EXPECT_FALSE(book.has_bid());
  EXPECT_EQ(book.best_bid(), Level{});
  EXPECT_EQ(book.missing_deletes(), 0u);
  EXPECT_EQ(book.growths(), 0u);
}

TEST(L2Book, BestMidSpread) {
  L2Book book;
  ASSERT_EQ(load(book, {lv(100, 5), lv(99, 1)}, {lv(102, 3), lv(105, 1)}), R::kSnapshotValid);
  EXPECT_TRUE(book.has_bid() && book.has_ask());
  EXPECT_EQ(book.best_bid(), lv(100, 5));
  EXPECT_EQ(book.best_ask(), lv(102, 3));
  EXPECT_EQ(book.best(kAsk), lv(102, 3));
  EXPECT_EQ(book.mid(), px(101));
  EXPECT_EQ(book.spread(), px(2));
  EXPECT_FALSE(book.is_crossed());

  // Mid is the floor of the average in raw units.
  L2Book raw;
  ASSERT_EQ(raw.set_level(kBid, Price::from_raw(3), qt(1)), R::kApplied);
  EXPECT_EQ(raw.mid(), Price{});  // one side only: no mid, no spread
  EXPECT_EQ(raw.spread(), Price{});
  ASSERT_EQ(raw.set_level(kAsk, Price::from_raw(6), qt(1)), R::kApplied);
  EXPECT_EQ(raw.mid(), Price::from_raw(4));
  EXPECT_EQ(raw.spread(), Price::from_raw(3));

  // No overflow at the top of the range.
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  L2Book top;
  ASSERT_EQ(top.set_level(kBid, Price::from_raw(big - 2), qt(1)), R::kApplied);
  ASSERT_EQ(top.set_level(kAsk, Price::from_raw(big), qt(1)), R::kApplied);
  EXPECT_EQ(top.mid(), Price::from_raw(big - 1));
}

TEST(L2Book, LevelAccessAndIteration) {
  L2Book book;
  // 30 levels per side inserted out of order, deeper than the linear top scan.
  for (std::int64_t t : {7,  1,  30, 15, 22, 3, 9, 28, 11, 19, 2,  26, 5,  13, 17,
                         24, 29, 6,  21, 10, 8, 4, 27, 12, 18, 25, 16, 23, 14, 20}) {
    ASSERT_EQ(book.set_level(kBid, px(t), qt(t)), R::kApplied);
    ASSERT_EQ(book.set_level(kAsk, px(100 + t), qt(t)), R::kApplied);
  }
  ASSERT_EQ(book.depth(kBid), 30u);
  for (std::size_t i = 0; i < 30; ++i) {
    const auto t = static_cast<std::int64_t>(i);
    EXPECT_EQ(book.level(kBid, i), lv(30 - t, 30 - t));
    EXPECT_EQ(book.level(kAsk, i), lv(101 + t, 1 + t));
  }
  EXPECT_EQ(book.level(kBid, 30), Level{});
  EXPECT_EQ(book.qty_at(kBid, px(17)), qt(17));
  EXPECT_EQ(book.qty_at(kAsk, px(17)), Qty{});
  EXPECT_EQ(book.qty_at(kBid, px(31)), Qty{});
  EXPECT_EQ(book.qty_at(kBid, px(0) + Price::from_raw(1)), Qty{});

  std::vector<Level> top3;
  book.for_each_level(
      kAsk, [&](const Level& l) { top3.push_back(l); }, 3);
  EXPECT_EQ(top3, (std::vector<Level>{lv(101, 1), lv(102, 2), lv(103, 3)}));
  int visited = 0;
  book.for_each_level(kBid, [&](const Level& l) {
    ++visited;
    return l.price > px(28);  // stops after visiting 28
  });
  EXPECT_EQ(visited, 3);

  EXPECT_EQ(book.qty_within(kBid, 0), Qty{});
  EXPECT_EQ(book.qty_within(kBid, 2), qt(30 + 29));
  EXPECT_EQ(book.qty_within(kAsk, 1000), qt(465));
  EXPECT_EQ(book.cumulative_qty_to_price(kBid, px(28)), qt(30 + 29 + 28));
  EXPECT_EQ(book.cumulative_qty_to_price(kAsk, px(102) + Price::from_raw(1)), qt(1 + 2));
  EXPECT_EQ(book.cumulative_qty_to_price(kAsk, px(100)), Qty{});
  EXPECT_EQ(book.cumulative_qty_to_price(kBid, px(0)), qt(465));
  ASSERT_EQ(book.set_level(kBid, px(50), Qty::max()), R::kApplied);  // sums saturate
  EXPECT_EQ(book.qty_within(kBid, 2), Qty::max());
  EXPECT_EQ(book.cumulative_qty_to_price(kBid, px(1)), Qty::max());
}

// Every depth around the scan blocks and the binary search: each existing price is found, each
// gap accepts an insert in the right place and gives the level back on delete.
TEST(L2Book, SearchAtEveryDepthAndPosition) {
  for (std::int64_t n = 0; n <= 45; ++n) {
    for (BookSide side : {kBid, kAsk}) {
      L2Book book;
      // Levels on even ticks 2..2n; bids best = 2n, asks best = 2.
      for (std::int64_t i = 1; i <= n; ++i) {
        ASSERT_EQ(book.set_level(side, px(2 * i), qt(i)), R::kApplied);
      }
      ASSERT_EQ(book.depth(side), static_cast<std::size_t>(n));
      for (std::int64_t t = 0; t <= 2 * n + 2; ++t) {
        const bool present = t >= 2 && t <= 2 * n && t % 2 == 0;
        ASSERT_EQ(book.qty_at(side, px(t)), present ? qt(t / 2) : Qty{}) << n << " " << t;
        if (t == 0 || present) continue;
        ASSERT_EQ(book.set_level(side, px(t), qt(1000)), R::kApplied);
        const std::vector<Level> levels = levels_of(book, side);
        ASSERT_EQ(levels.size(), static_cast<std::size_t>(n + 1));
        for (std::size_t i = 1; i < levels.size(); ++i) {
          ASSERT_TRUE(side == kBid ? levels[i - 1].price > levels[i].price
                                   : levels[i - 1].price < levels[i].price);
        }
        ASSERT_EQ(book.qty_at(side, px(t)), qt(1000));
        ASSERT_EQ(book.set_level(side, px(t), Qty{}), R::kApplied);
        ASSERT_EQ(book.set_level(side, px(t), Qty{}), R::kMissingDelete);
      }
      ASSERT_EQ(book.depth(side), static_cast<std::size_t>(n));
    }
  }
}

TEST(L2Book, SnapshotReplacesOldLevels) {
  L2Book book;
  ASSERT_EQ(load(book, {lv(100, 1), lv(99, 2), lv(98, 3)}, {lv(101, 1), lv(102, 2)}),
            R::kSnapshotValid);
  ASSERT_TRUE(book.is_valid());
  // A snapshot begin carrying the first level clears everything first.
  EXPECT_EQ(book.apply(delta(kBid, px(90), qt(4), book_flags::kSnapshotBegin)), R::kApplied);
  EXPECT_FALSE(book.is_valid());
  EXPECT_TRUE(book.is_building_snapshot());
  EXPECT_EQ(levels_of(book, kBid), (std::vector<Level>{lv(90, 4)}));
  EXPECT_FALSE(book.has_ask());
  EXPECT_EQ(book.apply(delta(kAsk, px(95), qt(5), book_flags::kSnapshotEnd)), R::kSnapshotValid);
  EXPECT_TRUE(book.is_valid());
  EXPECT_FALSE(book.is_building_snapshot());
  EXPECT_EQ(levels_of(book, kAsk), (std::vector<Level>{lv(95, 5)}));
  EXPECT_EQ(book.qty_at(kBid, px(100)), Qty{});
  EXPECT_EQ(book.snapshots(), 2u);

  // One delta may carry both flags; an empty snapshot is two markers.
  EXPECT_EQ(
      book.apply(delta(kAsk, px(50), qt(1), book_flags::kSnapshotBegin | book_flags::kSnapshotEnd)),
      R::kSnapshotValid);
  EXPECT_EQ(book.depth(kBid), 0u);
  EXPECT_EQ(book.best_ask(), lv(50, 1));
  EXPECT_EQ(load(book, {}, {}), R::kSnapshotValid);
  EXPECT_TRUE(book.is_empty());
  EXPECT_TRUE(book.is_valid());
  EXPECT_EQ(book.rejected_deltas(), 0u);
}

TEST(L2Book, CrossedSnapshotStaysInvalid) {
  L2Book book;
  EXPECT_EQ(load(book, {lv(101, 1)}, {lv(100, 1)}), R::kSnapshotCrossed);
  EXPECT_FALSE(book.is_valid());
  EXPECT_TRUE(book.is_crossed());
  EXPECT_EQ(book.crossed_snapshots(), 1u);
  EXPECT_EQ(book.last_reset_reason(), ResetReason::kCrossedBook);
  // Locked (bid == ask) counts as crossed.
  EXPECT_EQ(load(book, {lv(100, 1)}, {lv(100, 1)}), R::kSnapshotCrossed);
  EXPECT_EQ(book.crossed_snapshots(), 2u);
  EXPECT_FALSE(book.is_valid());
  // Fixing the book incrementally does not make it valid; only a snapshot does.
  EXPECT_EQ(book.apply(delta(kAsk, px(100), Qty{})), R::kApplied);
  EXPECT_FALSE(book.is_valid());
  EXPECT_EQ(load(book, {lv(99, 1)}, {lv(100, 1)}), R::kSnapshotValid);
  EXPECT_TRUE(book.is_valid());
  EXPECT_EQ(book.crossed_events(), 0u);
}

TEST(L2Book, InvalidateThenSnapshotRestoresValidity) {
  L2Book book;
  ASSERT_EQ(load(book, {lv(99, 1)}, {lv(101, 1)}), R::kSnapshotValid);
  book.invalidate(ResetReason::kSequenceGap);
  EXPECT_FALSE(book.is_valid());
  EXPECT_EQ(book.last_reset_reason(), ResetReason::kSequenceGap);
  EXPECT_EQ(book.invalidations(), 1u);
  // Levels are kept and deltas still applied while invalid.
  EXPECT_EQ(book.best_bid(), lv(99, 1));
  EXPECT_EQ(book.apply(delta(kBid, px(100), qt(2))), R::kApplied);
  EXPECT_EQ(book.best_bid(), lv(100, 2));
  EXPECT_FALSE(book.is_valid());
  // A snapshot end without a begin is ignored.
  EXPECT_EQ(book.apply(marker(book_flags::kSnapshotEnd)), R::kSnapshotUnmatched);
  EXPECT_EQ(book.unmatched_snapshot_ends(), 1u);
  EXPECT_FALSE(book.is_valid());
  // A reset in the middle of a snapshot abandons it.
  EXPECT_EQ(book.apply(marker(book_flags::kSnapshotBegin)), R::kApplied);
  EXPECT_EQ(book.apply(delta(kBid, px(98), qt(1))), R::kApplied);
  book.invalidate(ResetReason::kQueueOverflow);
  EXPECT_FALSE(book.is_building_snapshot());
  EXPECT_EQ(book.apply(delta(kAsk, px(99), qt(1), book_flags::kSnapshotEnd)),
            R::kSnapshotUnmatched);
  EXPECT_FALSE(book.is_valid());
  // A full snapshot restores validity.
  EXPECT_EQ(load(book, {lv(97, 3)}, {lv(98, 3)}), R::kSnapshotValid);
  EXPECT_TRUE(book.is_valid());
  EXPECT_EQ(book.qty_at(kAsk, px(99)), Qty{});

  book.clear();
  EXPECT_TRUE(book.is_empty());
  EXPECT_FALSE(book.is_valid());
  EXPECT_EQ(book.capacity(kBid), L2Book::kDefaultCapacity);
}

TEST(L2Book, IncrementalCrossInvalidatesAndIsCounted) {
  constexpr auto kEnd = book_flags::kEndOfBatch;
  L2Book book;
  ASSERT_EQ(load(book, {lv(99, 1), lv(98, 1)}, {lv(101, 1), lv(102, 1)}), R::kSnapshotValid);
  EXPECT_EQ(book.apply(delta(kBid, px(100), qt(1), kEnd)), R::kApplied);  // inside the spread
  EXPECT_EQ(book.apply(delta(kAsk, px(100), qt(1), kEnd)), R::kCrossed);  // locks the book
  EXPECT_FALSE(book.is_valid());
  EXPECT_TRUE(book.is_crossed());
  EXPECT_EQ(book.crossed_events(), 1u);
  EXPECT_EQ(book.last_reset_reason(), ResetReason::kCrossedBook);
  // Already invalid: reported once, not counted again.
  EXPECT_EQ(book.apply(delta(kBid, px(101), qt(1))), R::kApplied);
  EXPECT_EQ(book.crossed_events(), 1u);
  EXPECT_EQ(load(book, {lv(99, 1)}, {lv(101, 1)}), R::kSnapshotValid);
  EXPECT_TRUE(book.is_valid());
  // Deletes never cross; an ask through the bid does.
  EXPECT_EQ(book.apply(delta(kAsk, px(101), Qty{}, kEnd)), R::kApplied);
  EXPECT_TRUE(book.is_valid());
  EXPECT_EQ(book.apply(delta(kAsk, px(98), qt(1), kEnd)), R::kCrossed);
  EXPECT_EQ(book.crossed_events(), 2u);
}

// One venue message moves the market up: the new bid (102) comes before the delete of the ask
// it replaces (101), as Binance's "b" before "a" and Coinbase's update lists do. The book is
// crossed between the two deltas but not at the end of the message, so it stays valid.
TEST(L2Book, CrossWithinOneMessageIsJudgedAtItsEnd) {
  constexpr auto kEnd = book_flags::kEndOfBatch;
  L2Book book;
  ASSERT_EQ(load(book, {lv(100, 1)}, {lv(101, 1), lv(103, 1)}), R::kSnapshotValid);
  EXPECT_EQ(book.apply(delta(kBid, px(102), qt(1))), R::kApplied);
  EXPECT_TRUE(book.is_crossed());
  EXPECT_TRUE(book.is_valid());  // mid-message
  EXPECT_EQ(book.apply(delta(kAsk, px(101), Qty{}, kEnd)), R::kApplied);
  EXPECT_TRUE(book.is_valid());
  EXPECT_FALSE(book.is_crossed());
  EXPECT_EQ(book.crossed_events(), 0u);
  // A message that ends crossed invalidates the book, even when its last delta is a delete.
  EXPECT_EQ(book.apply(delta(kBid, px(104), qt(1))), R::kApplied);
  EXPECT_EQ(book.apply(delta(kBid, px(100), Qty{}, kEnd)), R::kCrossed);
  EXPECT_FALSE(book.is_valid());
  EXPECT_EQ(book.crossed_events(), 1u);
}

TEST(L2Book, DeletingMissingLevelIsCounted) {
  L2Book book;
  ASSERT_EQ(load(book, {lv(99, 1)}, {lv(101, 1)}), R::kSnapshotValid);
  EXPECT_EQ(book.apply(delta(kBid, px(98), Qty{}, 0, 7)), R::kMissingDelete);
  EXPECT_EQ(book.apply(delta(kAsk, px(99), Qty{}, book_flags::kEndOfBatch, 8)), R::kMissingDelete);
  EXPECT_EQ(book.set_level(kBid, px(101), Qty{}), R::kMissingDelete);  // price of the other side
  EXPECT_EQ(book.missing_deletes(), 3u);
  EXPECT_TRUE(book.is_valid());
  EXPECT_EQ(book.depth(kBid), 1u);
  EXPECT_EQ(book.depth(kAsk), 1u);
  EXPECT_EQ(book.last_seq(), 8u);  // still in sequence
  EXPECT_EQ(book.last_ts_venue(), 8'000);
}

TEST(L2Book, BadDeltasAreRejected) {
  L2Book book;
  ASSERT_EQ(load(book, {lv(99, 1)}, {lv(101, 1)}), R::kSnapshotValid);
  ASSERT_EQ(book.apply(delta(kBid, px(99), qt(2), 0, 10)), R::kApplied);
  EXPECT_EQ(book.apply(delta(kBid, px(98), Qty::from_raw(-1), 0, 11)), R::kRejected);
  EXPECT_EQ(book.apply(delta(kAsk, Price{}, qt(1), 0, 12)), R::kRejected);
  EXPECT_EQ(book.apply(delta(kAsk, px(-5), qt(1), 0, 13)), R::kRejected);
  EXPECT_EQ(book.apply(delta(kAsk, px(-5), Qty{}, 0, 14)), R::kRejected);
  EXPECT_EQ(book.set_level(kBid, px(99), qt(-3)), R::kRejected);
  EXPECT_EQ(book.apply(delta(static_cast<BookSide>(7), px(99), qt(1), 0, 15)), R::kRejected);
  EXPECT_EQ(book.rejected_deltas(), 6u);
  EXPECT_EQ(book.last_seq(), 10u);  // rejected deltas do not advance the sequence
  EXPECT_EQ(book.last_ts_venue(), 10'000);
  EXPECT_EQ(levels_of(book, kBid), (std::vector<Level>{lv(99, 2)}));
  EXPECT_EQ(levels_of(book, kAsk), (std::vector<Level>{lv(101, 1)}));
  EXPECT_TRUE(book.is_valid());

  // A rejected level makes its snapshot invalid, even if otherwise fine.
  EXPECT_EQ(book.apply(marker(book_flags::kSnapshotBegin)), R::kApplied);
  EXPECT_EQ(book.apply(delta(kBid, px(97), qt(1))), R::kApplied);
  EXPECT_EQ(book.apply(delta(kAsk, px(98), Qty::from_raw(-1))), R::kRejected);
  EXPECT_EQ(book.apply(delta(kAsk, px(99), qt(1), book_flags::kSnapshotEnd)), R::kSnapshotRejected);
  EXPECT_FALSE(book.is_valid());
  EXPECT_EQ(book.rejected_snapshots(), 1u);
  EXPECT_EQ(book.rejected_deltas(), 7u);
  EXPECT_EQ(load(book, {lv(97, 1)}, {lv(99, 1)}), R::kSnapshotValid);

  // A flagged delta with a bad level still clears and then ends the snapshot as rejected.
  EXPECT_EQ(
      book.apply(delta(kBid, px(-1), qt(1), book_flags::kSnapshotBegin | book_flags::kSnapshotEnd)),
      R::kSnapshotRejected);
  EXPECT_TRUE(book.is_empty());
  EXPECT_FALSE(book.is_valid());
}

TEST(L2Book, CapacityGrowthIsCounted) {
  L2Book book(4);
  EXPECT_EQ(book.capacity(kBid), 4u);
  for (std::int64_t t = 1; t <= 4; ++t) ASSERT_EQ(book.set_level(kBid, px(t), qt(1)), R::kApplied);
  EXPECT_EQ(book.growths(), 0u);
  ASSERT_EQ(book.set_level(kBid, px(2), qt(5)), R::kApplied);  // replace: no growth
  EXPECT_EQ(book.growths(), 0u);
  ASSERT_EQ(book.set_level(kBid, px(100), qt(1)), R::kApplied);
  EXPECT_EQ(book.growths(), 1u);
  EXPECT_GE(book.capacity(kBid), 5u);
  EXPECT_EQ(book.capacity(kAsk), 4u);
  EXPECT_EQ(book.depth(kBid), 5u);
  EXPECT_EQ(book.best_bid(), lv(100, 1));
  EXPECT_EQ(book.qty_at(kBid, px(2)), qt(5));
  // A snapshot keeps the grown capacity.
  const std::size_t cap = book.capacity(kBid);
  EXPECT_EQ(load(book, {lv(1, 1)}, {lv(2, 1)}), R::kSnapshotValid);
  EXPECT_EQ(book.capacity(kBid), cap);
}

TEST(L2Book, UpdatePathDoesNotAllocateAfterWarmup) {
  L2Book book;
  std::vector<Level> bids, asks;
  for (std::int64_t i = 0; i < 1000; ++i) {
    bids.push_back(lv(100'000 - 2 * i, 1 + i));
    asks.push_back(lv(100'001 + 2 * i, 1 + i));
  }
  std::mt19937_64 rng(7);
  std::vector<BookDelta> deltas;
  for (int i = 0; i < 50'000; ++i) {
    const BookSide side = (rng() & 1) != 0 ? kBid : kAsk;
    const auto off = static_cast<std::int64_t>(rng() % 3000);
    const std::int64_t t = side == kBid ? 100'000 - off : 100'001 + off;
    const auto q = static_cast<std::int64_t>(rng() % 4);  // a quarter are deletes
    std::uint8_t flags = 0;
    if (i % 10'000 == 0) flags = book_flags::kSnapshotBegin;
    if (i % 10'000 == 9'999) flags = book_flags::kSnapshotEnd;
    deltas.push_back(delta(side, px(t), qt(q), flags, static_cast<std::uint64_t>(i)));
  }
  ASSERT_EQ(load(book, bids, asks), R::kSnapshotValid);
  const std::size_t bid_cap = book.capacity(kBid);
  const std::size_t ask_cap = book.capacity(kAsk);

  const std::uint64_t before = g_allocations.load();
  std::uint64_t sum = 0;
  for (const BookDelta& d : deltas) {
    sum += static_cast<std::uint64_t>(book.apply(d));
    sum += static_cast<std::uint64_t>(book.best_bid().qty.raw() + book.mid().raw());
    sum += static_cast<std::uint64_t>(book.qty_at(d.side, d.price).raw());
    if (d.venue_seq % 1000 == 0) book.invalidate(ResetReason::kSequenceGap);
  }
  const std::uint64_t after = g_allocations.load();
  EXPECT_EQ(after - before, 0u);
  EXPECT_NE(sum, 0u);
  EXPECT_EQ(book.growths(), 0u);
  EXPECT_EQ(book.capacity(kBid), bid_cap);
  EXPECT_EQ(book.capacity(kAsk), ask_cap);
  EXPECT_GT(book.depth(kBid), 500u);
}

// Reference book: std::map per side and the documented validity rules, written independently.
struct RefBook {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;  // best first
  std::map<std::int64_t, std::int64_t> asks;                  // best first
  bool valid = false;
  bool building = false;
  bool snapshot_rejected = false;
  std::uint64_t missing = 0, rejected = 0, crossed = 0, last_seq = 0;

  bool is_crossed() const {
    return !bids.empty() && !asks.empty() && bids.begin()->first >= asks.begin()->first;
  }
  template <typename M>
  static R set(M& m, std::int64_t p, std::int64_t q, std::uint64_t& missing) {
    if (q != 0) {
      m[p] = q;
    } else if (m.erase(p) == 0) {
      ++missing;
      return R::kMissingDelete;
    }
    return R::kApplied;
  }
  R apply(const BookDelta& d) {
    const bool begin = (d.flags & book_flags::kSnapshotBegin) != 0,
               end = (d.flags & book_flags::kSnapshotEnd) != 0;
    if (begin) {
      bids.clear();
      asks.clear();
      valid = false;
      building = true;
      snapshot_rejected = false;
    }
    R r = R::kApplied;
    const std::int64_t p = d.price.raw(), q = d.qty.raw();
    if (!((begin || end) && p == 0 && q == 0)) {
      if (q < 0 || p <= 0) {
        ++rejected;
        r = R::kRejected;
        if (building) snapshot_rejected = true;
      } else {
        r = d.side == kBid ? set(bids, p, q, missing) : set(asks, p, q, missing);
      }
    }
    if (r != R::kRejected) last_seq = d.venue_seq;
    if (end) {
      if (!building) return R::kSnapshotUnmatched;
      building = false;
      if (snapshot_rejected) return R::kSnapshotRejected;
      if (is_crossed()) return R::kSnapshotCrossed;
      valid = true;
      return R::kSnapshotValid;
    }
    if ((d.flags & book_flags::kEndOfBatch) != 0 && valid && is_crossed()) {
      valid = false;
      ++crossed;
      return R::kCrossed;
    }
    return r;
  }
  template <typename M>
  static std::vector<Level> list(const M& m) {
    std::vector<Level> out;
    for (const auto& [p, q] : m) out.push_back(Level{Price::from_raw(p), Qty::from_raw(q)});
    return out;
  }
};

TEST(L2Book, RandomizedAgainstReferenceBook) {
  std::mt19937_64 rng(20240601);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  // Bids live in ticks [1, 220], asks in [180, 400]: the overlap makes incremental crosses.
  auto random_price = [&](BookSide side) {
    return side == kBid ? uniform(1, 220) : uniform(180, 400);
  };
  L2Book book(64);  // small, so growth is exercised too
  RefBook ref;
  std::uint64_t seq = 0;
  std::vector<BookDelta> batch;
  constexpr int kSteps = 200'000;
  int steps = 0;
  while (steps < kSteps) {
    batch.clear();
    const std::int64_t dice = uniform(0, 9999);
    if (dice < 15) {  // snapshot, mostly uncrossed
      const std::int64_t gap = uniform(-10, 20);
      const std::int64_t bid_top = uniform(50, 200);
      const auto nb = uniform(0, 150), na = uniform(0, 150);
      for (std::int64_t i = 0; i < nb; ++i) {
        batch.push_back(delta(kBid, px(uniform(1, bid_top)), qt(uniform(1, 50))));
      }
      for (std::int64_t i = 0; i < na; ++i) {
        batch.push_back(delta(kAsk, px(uniform(bid_top + gap, 400)), qt(uniform(1, 50))));
      }
      if (uniform(0, 9) == 0 && !batch.empty()) batch.back().qty = Qty::from_raw(-1);
      if (batch.empty() || uniform(0, 1) == 0) batch.insert(batch.begin(), marker(0));
      if (uniform(0, 1) == 0) batch.push_back(marker(0));
      batch.front().flags |= book_flags::kSnapshotBegin;
      batch.back().flags |= book_flags::kSnapshotEnd;
    } else if (dice < 25) {
      book.invalidate(ResetReason::kSequenceGap);
      ref.valid = false;
      ref.building = false;
      continue;
    } else if (dice < 30) {
      batch.push_back(marker(book_flags::kSnapshotEnd));  // unmatched unless building
    } else if (dice < 80) {                               // bad input
      const BookSide side = uniform(0, 1) != 0 ? kBid : kAsk;
      batch.push_back(uniform(0, 1) != 0 ? delta(side, px(uniform(1, 400)), qt(-uniform(1, 9)))
                                         : delta(side, px(-uniform(0, 9)), qt(uniform(0, 9))));
    } else {
      const BookSide side = uniform(0, 1) != 0 ? kBid : kAsk;
      std::int64_t t = random_price(side);
      const auto& m_size = side == kBid ? ref.bids.size() : ref.asks.size();
      if (uniform(0, 9) < 6 && m_size > 0) {  // near the top: most real traffic
        const std::int64_t best =
            (side == kBid ? ref.bids.begin()->first : ref.asks.begin()->first) / kTick;
        t = std::max<std::int64_t>(1, best + (side == kBid ? -1 : 1) * uniform(-2, 12));
      }
      const std::int64_t q = uniform(0, 9) < 3 ? 0 : uniform(1, 100);
      // Half the updates end a venue message (crossing is judged there), half are mid-message.
      batch.push_back(delta(side, px(t), qt(q), uniform(0, 1) != 0 ? book_flags::kEndOfBatch : 0));
    }
    for (BookDelta& d : batch) {
      d.venue_seq = ++seq;
      ++steps;
      const R want = ref.apply(d);
      ASSERT_EQ(book.apply(d), want) << "step " << steps;
      ASSERT_EQ(book.is_valid(), ref.valid) << "step " << steps;
      ASSERT_EQ(book.is_crossed(), ref.is_crossed());
      ASSERT_EQ(book.depth(kBid), ref.bids.size());
      ASSERT_EQ(book.depth(kAsk), ref.asks.size());
      ASSERT_EQ(book.best_bid().price.raw(), ref.bids.empty() ? 0 : ref.bids.begin()->first);
      ASSERT_EQ(book.best_bid().qty.raw(), ref.bids.empty() ? 0 : ref.bids.begin()->second);
      ASSERT_EQ(book.best_ask().qty.raw(), ref.asks.empty() ? 0 : ref.asks.begin()->second);
      ASSERT_EQ(book.best_ask().price.raw(), ref.asks.empty() ? 0 : ref.asks.begin()->first);
      ASSERT_EQ(book.last_seq(), ref.last_seq);
      const std::int64_t probe = uniform(1, 400) * kTick;
      const auto bq = ref.bids.find(probe), aq = ref.asks.find(probe);
      ASSERT_EQ(book.qty_at(kBid, Price::from_raw(probe)).raw(),
                bq == ref.bids.end() ? 0 : bq->second);
      ASSERT_EQ(book.qty_at(kAsk, Price::from_raw(probe)).raw(),
                aq == ref.asks.end() ? 0 : aq->second);
      if (steps % 997 == 0) {
        ASSERT_EQ(levels_of(book, kBid), RefBook::list(ref.bids));
        ASSERT_EQ(levels_of(book, kAsk), RefBook::list(ref.asks));
        const auto n = static_cast<std::size_t>(uniform(0, 40));
        const std::int64_t limit = uniform(150, 400) * kTick;
        std::int64_t within = 0, to_price = 0;
        std::size_t i = 0;
        for (const auto& [price, q] : ref.bids) within += i++ < n ? q : 0;
        for (const auto& [price, q] : ref.asks) to_price += price <= limit ? q : 0;
        ASSERT_EQ(book.qty_within(kBid, n).raw(), within);
        ASSERT_EQ(book.cumulative_qty_to_price(kAsk, Price::from_raw(limit)).raw(), to_price);
        if (!ref.bids.empty() && !ref.asks.empty()) {
          ASSERT_EQ(book.mid().raw(), (ref.bids.begin()->first + ref.asks.begin()->first) / 2);
        }
      }
    }
  }
  EXPECT_EQ(book.missing_deletes(), ref.missing);
  EXPECT_EQ(book.rejected_deltas(), ref.rejected);
  EXPECT_EQ(book.crossed_events(), ref.crossed);
  // The mix must actually exercise every path.
  EXPECT_GT(book.snapshots(), 100u);
  EXPECT_GT(book.crossed_snapshots(), 10u);
  EXPECT_GT(book.rejected_snapshots(), 10u);
  EXPECT_GT(book.crossed_events(), 100u);
  EXPECT_GT(book.missing_deletes(), 100u);
  EXPECT_GT(book.unmatched_snapshot_ends(), 10u);
  EXPECT_GT(book.growths(), 0u);
}

// Deep books (many runs of kBlockLevels): random inserts, replaces and deletes at every depth,
// both sides, against std::map, with every query compared, including level(i) and iteration
// across run boundaries, and the side's capacity honoured without any growth or allocation.
TEST(L2Book, DeepBookRandomizedAgainstMap) {
  constexpr std::size_t kCap = 3000;
  L2Book book(kCap);
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;  // best first
  std::map<std::int64_t, std::int64_t> asks;                  // best first
  std::mt19937_64 rng(99);
  std::uint64_t checks = 0;
  std::uint64_t book_allocs = 0;  // allocations inside set_level (the maps allocate)
  for (int step = 0; step < 300'000; ++step) {
    const BookSide side = (rng() & 1) != 0 ? kBid : kAsk;
    const std::size_t size = side == kBid ? bids.size() : asks.size();
    // Phases: grow towards capacity, then churn, then drain, so runs split, spill and merge.
    const int phase = (step / 20'000) % 3;
    const std::uint64_t del_pct = phase == 0 ? 20 : (phase == 1 ? 50 : 80);
    // Price ticks 1..8000: bids and asks are separate books here (crossing is not the point).
    std::int64_t t = 1 + static_cast<std::int64_t>(rng() % 8000);
    if (rng() % 4 == 0 && size > 0) {  // a price that exists: replace or delete it
      const auto& any = side == kBid ? *std::next(bids.begin(), static_cast<long>(rng() % size))
                                     : *std::next(asks.begin(), static_cast<long>(rng() % size));
      t = any.first / kTick;
    }
    const bool del = rng() % 100 < del_pct;
    const std::int64_t q = del ? 0 : 1 + static_cast<std::int64_t>(rng() % 1000);
    const bool exists = side == kBid ? bids.count(t * kTick) != 0 : asks.count(t * kTick) != 0;
    if (!del && !exists && size >= kCap) continue;  // stay within the reserved capacity
    const R want = del && !exists ? R::kMissingDelete : R::kApplied;
    const std::uint64_t a0 = g_allocations.load();
    const R got = book.set_level(side, px(t), qt(q));
    book_allocs += g_allocations.load() - a0;
    ASSERT_EQ(got, want) << step;
    if (side == kBid) {
      if (del)
        bids.erase(t * kTick);
      else
        bids[t * kTick] = q * kLot;
    } else {
      if (del)
        asks.erase(t * kTick);
      else
        asks[t * kTick] = q * kLot;
    }
    ASSERT_EQ(book.depth(kBid), bids.size());
    ASSERT_EQ(book.depth(kAsk), asks.size());
    ASSERT_EQ(book.best_bid().price.raw(), bids.empty() ? 0 : bids.begin()->first);
    ASSERT_EQ(book.best_ask().price.raw(), asks.empty() ? 0 : asks.begin()->first);
    ASSERT_EQ(book.qty_at(side, px(t)).raw(), del ? 0 : q * kLot);
    if (step % 2'000 == 0) {
      ASSERT_EQ(levels_of(book, kBid), RefBook::list(bids)) << step;
      ASSERT_EQ(levels_of(book, kAsk), RefBook::list(asks)) << step;
      for (int k = 0; k < 20; ++k) {
        const std::size_t i = rng() % (bids.size() + 2);
        const Level want_level = i < bids.size() ? RefBook::list(bids)[i] : Level{};
        ASSERT_EQ(book.level(kBid, i), want_level) << step << " " << i;
        std::int64_t sum = 0;
        std::size_t n = 0;
        for (auto it = bids.begin(); it != bids.end() && n < i; ++it, ++n) sum += it->second;
        ASSERT_EQ(book.qty_within(kBid, i).raw(), sum);
        const std::int64_t lim = 1 + static_cast<std::int64_t>(rng() % 8000);
        std::int64_t cum = 0;
        for (auto it = asks.begin(); it != asks.end() && it->first <= lim * kTick; ++it) {
          cum += it->second;
        }
        ASSERT_EQ(book.cumulative_qty_to_price(kAsk, px(lim)).raw(), cum);
        ++checks;
      }
    }
  }
  EXPECT_EQ(book_allocs, 0u) << "the update path allocated";
  EXPECT_EQ(book.growths(), 0u);
  EXPECT_EQ(book.capacity(kBid), kCap);
  EXPECT_GT(checks, 1000u);
}

// The capacity guarantee holds for the most fragmenting patterns: fill a side to capacity in
// ascending, descending and alternating order, delete every other level, refill the gaps.
TEST(L2Book, CapacityHoldsInAnyArrangement) {
  constexpr std::size_t kCap = 1000;
  for (int pattern = 0; pattern < 3; ++pattern) {
    for (BookSide side : {kBid, kAsk}) {
      L2Book book(kCap);
      auto tick_at = [&](std::size_t i) -> std::int64_t {
        const auto k = static_cast<std::int64_t>(i);
        if (pattern == 0) return 1 + 2 * k;
        if (pattern == 1) return 2 * static_cast<std::int64_t>(kCap) - 2 * k;
        return (i % 2 == 0) ? 1 + k : 2 * static_cast<std::int64_t>(kCap) - k;  // both ends in
      };
      for (std::size_t i = 0; i < kCap; ++i) {
        ASSERT_EQ(book.set_level(side, px(tick_at(i)), qt(1)), R::kApplied);
      }
      for (int round = 0; round < 3; ++round) {
        // Delete every other level (by rank), then insert new prices just beside the survivors.
        const std::vector<Level> before = levels_of(book, side);
        for (std::size_t i = 0; i < before.size(); i += 2) {
          ASSERT_EQ(book.set_level(side, before[i].price, Qty{}), R::kApplied);
        }
        std::size_t added = 0;
        for (std::int64_t t = 1; book.depth(side) < kCap; ++t) {
          if (book.qty_at(side, px(t)).is_zero()) {
            ASSERT_EQ(book.set_level(side, px(t), qt(2)), R::kApplied);
            ++added;
          }
        }
        ASSERT_GT(added, 0u);
        ASSERT_EQ(book.depth(side), kCap);
      }
      const std::vector<Level> all = levels_of(book, side);
      ASSERT_EQ(all.size(), kCap);
      for (std::size_t i = 1; i < all.size(); ++i) {
        ASSERT_TRUE(side == kBid ? all[i - 1].price > all[i].price
                                 : all[i - 1].price < all[i].price);
      }
      EXPECT_EQ(book.growths(), 0u) << "pattern " << pattern;
      // One more level is the first growth; everything stays correct across it.
      const Level extra = lv(side == kBid ? 100'000 : 0 + 100'000, 7);
      ASSERT_EQ(book.set_level(side, extra.price, extra.qty), R::kApplied);
      EXPECT_EQ(book.growths(), 1u);
      EXPECT_GT(book.capacity(side), kCap);
      EXPECT_EQ(book.qty_at(side, extra.price), extra.qty);
      EXPECT_EQ(book.depth(side), kCap + 1);
    }
  }
}

}  // namespace
}  // namespace peregrine::common
