// L2Book: the price-level (L2) order book of one instrument, maintained from BookDelta events.
// Strategy thread only: the core applies market data and strategies read it on the same thread.
//
// Why it is fast: each side is a short sequence of fixed-size blocks ("runs") of at most
// kBlockLevels sorted levels (16 bytes a level), ordered worst to best, with the BEST level at
// the END of the last run. A level is found by checking the best run first (almost every venue
// update is near the top), then the run of the previous update and its neighbours (a venue
// message lists its levels in price order), and otherwise a binary search over the runs' first
// keys; inside the best run, the top kTopScanLevels are compared from the back in blocks of 8
// without data-dependent branches and only a deeper position falls back to a branch-free binary
// search. An insert or
// delete moves at most one run's levels (<= 1 KB), at any depth: Binance keeps 5000+ levels a
// side and touches them all, and a single sorted vector had to shift thousands of levels for
// every deep change. A full run first spills one level into a neighbour with room, and only
// then splits; a delete merges two neighbours that fit in 3/4 of a run together (not a whole
// run: a level that comes and goes at a run boundary would split and re-merge on every message).
// So any two adjacent runs hold more than 48 levels, a side of n levels uses fewer than
// 2n/48 + 1 runs, and the run pool sized at construction holds `capacity` levels in any
// arrangement. Below the best run the level search is a plain binary search.
// Both sides share one code path (asks compare on the bitwise-inverted price), so a feed
// alternating sides costs no mispredicted side branch. best_bid()/best_ask() read the last
// level of the last run: O(1). Nothing allocates after construction unless a side outgrows its
// reserved capacity, which is counted in growths() (and, being noexcept, terminates if even that
// allocation fails). No locks, no exceptions, no logging.
//
// Validity: a book is valid only between a snapshot that ended uncrossed and the next
// invalidate(), crossed incremental update, or snapshot begin. Strategies must not trade on an
// invalid book. Deltas arriving while invalid are still applied (the gateway may be replaying
// buffered deltas), but only a kSnapshotEnd after a kSnapshotBegin makes the book valid again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/decimal.hpp"
#include "common/events.hpp"

namespace peregrine::common {

struct Level {
  Price price;
  Qty qty;  // zero means "no level" where a query returns a Level for an empty position
  constexpr bool operator==(const Level&) const noexcept = default;
};
static_assert(sizeof(Level) == 16 && std::is_trivially_copyable_v<Level>);

// Outcome of L2Book::apply / set_level. Everything except kApplied and kSnapshotValid is also
// counted on the book; kCrossed, kSnapshotCrossed and kSnapshotRejected mean "resync".
enum class BookApplyResult : std::uint8_t {
  kApplied,            // level inserted, replaced or deleted (or a pure snapshot-begin marker)
  kMissingDelete,      // qty 0 for a price not in the book; harmless, book unchanged
  kRejected,           // negative qty, non-positive price or unknown side; level not applied
  kCrossed,            // an incremental update crossed a valid book; book is now invalid
  kSnapshotValid,      // kSnapshotEnd processed; the book is uncrossed and valid
  kSnapshotCrossed,    // kSnapshotEnd processed; the snapshot is crossed, book stays invalid
  kSnapshotRejected,   // kSnapshotEnd processed; a level of the snapshot was rejected, invalid
  kSnapshotUnmatched,  // kSnapshotEnd without a kSnapshotBegin since the last reset; ignored
};
[[nodiscard]] std::string_view to_string(BookApplyResult r) noexcept;

class L2Book {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;  // levels per side
  // Levels compared from the top of a run before binary search. 16 beat 8 and 32 on the
  // replay-like mix of l2_book_bench (8 wins only on uniformly deep traffic).
  static constexpr std::size_t kTopScanLevels = 16;
  // Levels per run: an insert or delete moves at most this many levels.
  static constexpr std::size_t kBlockLevels = 64;

  // Allocates both sides up front; start-up only.
  explicit L2Book(std::size_t capacity_per_side = kDefaultCapacity);

  // Applies one delta in this order: kSnapshotBegin (clear both sides, start building), the
  // level (unless it is a pure marker: a snapshot flag with price 0 and qty 0), kSnapshotEnd
  // (validate). A rejected level inside a snapshot makes that snapshot invalid. last_seq() and
  // last_ts_venue() follow every delta that is not rejected.
  [[nodiscard]] BookApplyResult apply(const BookDelta& d) noexcept;

  // Primitive used by apply(): qty > 0 inserts or replaces the absolute quantity, qty == 0
  // deletes. Returns kApplied, kMissingDelete or kRejected (both counted). Does not check for a
  // crossed book and does not change validity.
  [[nodiscard]] BookApplyResult set_level(BookSide side, Price price, Qty qty) noexcept;

  // Marks the book invalid until the next complete snapshot; abandons a snapshot in progress.
  // Levels are kept (and further deltas applied) so a resync can build on them if it wishes.
  void invalidate(ResetReason reason) noexcept;
  // Drops every level and marks the book invalid. Keeps capacity and counters.
  void clear() noexcept;

  // --- Queries (O(1) unless stated) ---
  // Best level, or Level{} (price 0, qty 0) when the side is empty.
  [[nodiscard]] Level best_bid() const noexcept { return best(BookSide::kBid); }
  [[nodiscard]] Level best_ask() const noexcept { return best(BookSide::kAsk); }
  [[nodiscard]] Level best(BookSide side) const noexcept {
    const Side& s = side_of(side);
    return s.count == 0 ? Level{} : s.top();
  }
  [[nodiscard]] bool has_bid() const noexcept { return bids().count != 0; }
  [[nodiscard]] bool has_ask() const noexcept { return asks().count != 0; }
  [[nodiscard]] bool is_empty() const noexcept { return !has_bid() && !has_ask(); }
  // Best bid >= best ask (a locked book counts as crossed). False if either side is empty.
  [[nodiscard]] bool is_crossed() const noexcept {
    return has_bid() && has_ask() && bids().top().price >= asks().top().price;
  }
  [[nodiscard]] bool is_valid() const noexcept { return valid_; }
  // Between a kSnapshotBegin and its kSnapshotEnd.
  [[nodiscard]] bool is_building_snapshot() const noexcept { return building_; }

  // Floor of (best bid + best ask) / 2 in raw units; zero when either side is empty.
  [[nodiscard]] Price mid() const noexcept {
    if (!has_bid() || !has_ask()) return Price{};
    const std::int64_t b = bids().top().price.raw();
    const std::int64_t a = asks().top().price.raw();
    // floor((a + b) / 2) without overflow (C++20 >> on negatives is arithmetic).
    return Price::from_raw((b >> 1) + (a >> 1) + (b & a & 1));
  }
  // Best ask - best bid (negative when crossed); zero when either side is empty.
  [[nodiscard]] Price spread() const noexcept {
    if (!has_bid() || !has_ask()) return Price{};
    return asks().top().price - bids().top().price;
  }

  [[nodiscard]] std::size_t depth(BookSide side) const noexcept { return side_of(side).count; }
  // i-th best level (0 = best), or Level{} when i >= depth(side). O(1 + i / kBlockLevels).
  [[nodiscard]] Level level(BookSide side, std::size_t i) const noexcept {
    const Side& s = side_of(side);
    if (i >= s.count) return Level{};
    for (std::size_t r = s.runs.size(); r-- > 0;) {
      const Run& run = s.runs[r];
      if (i < run.n) return s.blocks[run.block].lv[run.n - 1 - i];
      i -= run.n;
    }
    return Level{};
  }
  // Calls fn(const Level&) from the best level outward, for at most max_levels levels. If fn
  // returns bool, returning false stops early. O(levels visited).
  template <typename Fn>
  void for_each_level(BookSide side, Fn&& fn,
                      std::size_t max_levels = std::numeric_limits<std::size_t>::max()) const {
    const Side& s = side_of(side);
    std::size_t left = max_levels;
    for (std::size_t r = s.runs.size(); r-- > 0;) {
      const Run& run = s.runs[r];
      const Level* lv = s.blocks[run.block].lv;
      for (std::size_t i = run.n; i-- > 0;) {
        if (left-- == 0) return;
        if constexpr (std::is_same_v<std::invoke_result_t<Fn&, const Level&>, bool>) {
          if (!fn(lv[i])) return;
        } else {
          fn(lv[i]);
        }
      }
    }
  }
  // Quantity resting at exactly `price`, zero if none. O(kTopScanLevels + log depth).
  [[nodiscard]] Qty qty_at(BookSide side, Price price) const noexcept;
  // Sum of the quantities of the best n levels (fewer if the side is shallower); saturates at
  // Qty::max(). O(n).
  [[nodiscard]] Qty qty_within(BookSide side, std::size_t n) const noexcept;
  // Sum of the quantities priced at `limit` or better (bids >= limit, asks <= limit): what a
  // marketable order limited at `limit` could take. O(levels summed).
  [[nodiscard]] Qty cumulative_qty_to_price(BookSide side, Price limit) const noexcept;

  [[nodiscard]] std::uint64_t last_seq() const noexcept { return last_seq_; }
  [[nodiscard]] Nanos last_ts_venue() const noexcept { return last_ts_venue_; }
  [[nodiscard]] ResetReason last_reset_reason() const noexcept { return last_reset_reason_; }

  // --- Counters (lifetime of the book; read by the control plane via the owning thread) ---
  [[nodiscard]] std::uint64_t growths() const noexcept { return growths_; }
  [[nodiscard]] std::uint64_t missing_deletes() const noexcept { return missing_deletes_; }
  [[nodiscard]] std::uint64_t rejected_deltas() const noexcept { return rejected_deltas_; }
  // Incremental updates that crossed a valid book (each also returned kCrossed).
  [[nodiscard]] std::uint64_t crossed_events() const noexcept { return crossed_events_; }
  [[nodiscard]] std::uint64_t crossed_snapshots() const noexcept { return crossed_snapshots_; }
  [[nodiscard]] std::uint64_t rejected_snapshots() const noexcept { return rejected_snapshots_; }
  [[nodiscard]] std::uint64_t unmatched_snapshot_ends() const noexcept {
    return unmatched_snapshot_ends_;
  }
  [[nodiscard]] std::uint64_t snapshots() const noexcept { return snapshots_; }  // valid ones
  [[nodiscard]] std::uint64_t invalidations() const noexcept { return invalidations_; }
  // Levels a side holds without allocating (in any arrangement); changes only when growths()
  // does.
  [[nodiscard]] std::size_t capacity(BookSide side) const noexcept {
    return side_of(side).capacity;
  }

 private:
  struct Block {
    Level lv[kBlockLevels];
  };
  // One block in a side's order. first_key is the key (price ^ side mask) of lv[0], the worst
  // level of the run; n >= 1.
  struct Run {
    std::int64_t first_key;
    std::uint32_t block;
    std::uint32_t n;
  };
  struct Side {
    std::vector<Run> runs;            // worst to best; capacity reserved for the pool size
    std::vector<Block> blocks;        // the pool
    std::vector<std::uint32_t> free;  // unused block indices
    std::size_t count = 0;            // levels
    std::size_t capacity = 0;         // levels guaranteed to fit
    std::size_t hint = 0;             // run of the last set_level (a search hint only)
    [[nodiscard]] const Level& top() const noexcept {
      const Run& r = runs.back();
      return blocks[r.block].lv[r.n - 1];
    }
  };

  [[nodiscard]] const Side& side_of(BookSide s) const noexcept {
    return sides_[static_cast<std::size_t>(s)];
  }
  [[nodiscard]] const Side& bids() const noexcept { return sides_[0]; }
  [[nodiscard]] const Side& asks() const noexcept { return sides_[1]; }
  [[nodiscard]] BookApplyResult finish_snapshot() noexcept;
  static void reserve(Side& s, std::size_t capacity);
  static void clear_side(Side& s) noexcept;
  static void insert_at(Side& s, std::size_t r, std::size_t pos, Level l,
                        std::int64_t mask) noexcept;
  static void erase_at(Side& s, std::size_t r, std::size_t pos, std::int64_t mask) noexcept;

  // Indexed by BookSide.
  Side sides_[2];
  std::uint64_t last_seq_ = 0;
  Nanos last_ts_venue_ = 0;
  std::uint64_t growths_ = 0;
  std::uint64_t missing_deletes_ = 0;
  std::uint64_t rejected_deltas_ = 0;
  std::uint64_t crossed_events_ = 0;
  std::uint64_t crossed_snapshots_ = 0;
  std::uint64_t rejected_snapshots_ = 0;
  std::uint64_t unmatched_snapshot_ends_ = 0;
  std::uint64_t snapshots_ = 0;
  std::uint64_t invalidations_ = 0;
  bool valid_ = false;
  bool building_ = false;
  bool snapshot_rejected_ = false;  // a level of the snapshot in progress was rejected
  ResetReason last_reset_reason_ = ResetReason::kReconnect;  // a new book has never synced
};

}  // namespace peregrine::common
