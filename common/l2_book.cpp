#include "common/l2_book.hpp"

#include <cstring>

namespace peregrine::common {
namespace {

// Both sides share one code path: a level's key is its raw price XOR a per-side mask (0 for
// bids, all ones for asks, which reverses the order), so each side is sorted ascending by key,
// worst first, and "better" is always "greater key". No branch on the side in the search.
[[nodiscard]] constexpr std::int64_t side_mask(BookSide side) noexcept {
  return side == BookSide::kBid ? 0 : -1;
}

[[nodiscard]] inline std::int64_t key_of(const Level& l, std::int64_t mask) noexcept {
  return l.price.raw() ^ mask;
}

// Index in [0, n] of the first of the n sorted levels at `data` that is not worse than `key`, by
// a branch-free binary search (a run below the best one: no reason to favour its top).
[[nodiscard]] inline std::size_t lower_bound_pos(const Level* data, std::size_t n, std::int64_t key,
                                                 std::int64_t mask) noexcept {
  if (n == 0) return 0;
  const Level* base = data;
  std::size_t len = n;
  while (len > 1) {
    const std::size_t half = len / 2;
    base = key_of(base[half - 1], mask) < key ? base + half : base;
    len -= half;
  }
  const auto pos = static_cast<std::size_t>(base - data);
  return key_of(*base, mask) < key ? pos + 1 : pos;
}

// Index in [0, n] of the first of the n sorted levels at `data` that is not worse than `key`:
// where the level is, or where it would be inserted. The top levels are compared in blocks of
// kScanBlock without branches (count how many are at least as good: they are contiguous at the
// back), so the only branch per block is "found in this block", which is well predicted when
// traffic is near the top. A key deeper than kTopScanLevels goes on to a branch-free binary
// search of the rest.
[[nodiscard]] inline std::size_t find_pos(const Level* data, std::size_t n, std::int64_t key,
                                          std::int64_t mask) noexcept {
  constexpr std::size_t kScanBlock = 8;
  static_assert(L2Book::kTopScanLevels % kScanBlock == 0);
  std::size_t hi = n;  // every level at index >= hi is known not worse than `key`
  for (std::size_t b = 0; b < L2Book::kTopScanLevels / kScanBlock; ++b) {
    std::size_t not_worse = 0;
    if (hi < kScanBlock) {
      for (std::size_t j = 0; j < hi; ++j) {
        not_worse += static_cast<std::size_t>(key_of(data[j], mask) >= key);
      }
      return hi - not_worse;
    }
    const Level* block = data + (hi - kScanBlock);
    for (std::size_t j = 0; j < kScanBlock; ++j) {
      not_worse += static_cast<std::size_t>(key_of(block[j], mask) >= key);
    }
    if (not_worse < kScanBlock) return hi - not_worse;
    hi -= kScanBlock;
  }
  if (hi == 0) return 0;
  // Lower bound over [0, hi).
  const Level* base = data;
  std::size_t len = hi;
  while (len > 1) {
    const std::size_t half = len / 2;
    base = key_of(base[half - 1], mask) < key ? base + half : base;
    len -= half;
  }
  const auto pos = static_cast<std::size_t>(base - data);
  return key_of(*base, mask) < key ? pos + 1 : pos;
}

// The run that holds `key` or where it belongs: the last run whose first key is <= key (run 0
// if none). The best run is checked first, then the run `hint` (the last one updated) and its
// two neighbours: a venue message lists its levels in price order, so consecutive deep updates
// usually fall in the same or the next run. Otherwise a binary search of the run directory.
template <typename Runs>
[[nodiscard]] inline std::size_t find_run(const Runs& runs, std::int64_t key,
                                          std::size_t hint) noexcept {
  const std::size_t k = runs.size();
  if (k <= 1 || runs[k - 1].first_key <= key) return k == 0 ? 0 : k - 1;
  // Here runs[k - 1].first_key > key, so the answer is below k - 1. Run j holds key iff
  // first_key(j) <= key < first_key(j + 1) (or j == 0 and key < first_key(1)).
  if (hint < k - 1) {
    const bool at_or_after = hint == 0 || runs[hint].first_key <= key;
    if (at_or_after) {
      if (runs[hint + 1].first_key > key) return hint;
      if (hint + 2 < k && runs[hint + 2].first_key > key) return hint + 1;
    } else if (runs[hint - 1].first_key <= key || hint == 1) {
      return hint - 1;
    }
  }
  // Count of runs in [0, k - 1) with first_key <= key, branch-free.
  const auto* base = runs.data();
  std::size_t len = k - 1;
  while (len > 1) {
    const std::size_t half = len / 2;
    base = base[half].first_key <= key ? base + half : base;
    len -= half;
  }
  // base only ever moves onto a run with first_key <= key, so base == 0 covers "none".
  return static_cast<std::size_t>(base - runs.data());
}

constexpr std::size_t kB = L2Book::kBlockLevels;

// A delete merges two adjacent runs when they fit in kMergeLevels together (not kB: a full run
// that splits on an insert must not merge right back on the next delete, which a level that
// comes and goes at a run boundary would otherwise do on every message).
constexpr std::size_t kMergeLevels = 3 * kB / 4;

// Runs needed for `capacity` levels: any two adjacent runs hold more than kMergeLevels levels
// (a split leaves full neighbours; a delete merges below that), so n levels use fewer than
// 2n/kMergeLevels + 1 runs; one more covers the transient run of a split.
[[nodiscard]] constexpr std::size_t runs_for(std::size_t capacity) noexcept {
  return 2 * capacity / kMergeLevels + 2;
}

}  // namespace

std::string_view to_string(BookApplyResult r) noexcept {
  switch (r) {
    case BookApplyResult::kApplied:
      return "applied";
    case BookApplyResult::kMissingDelete:
      return "missing_delete";
    case BookApplyResult::kRejected:
      return "rejected";
    case BookApplyResult::kCrossed:
      return "crossed";
    case BookApplyResult::kSnapshotValid:
      return "snapshot_valid";
    case BookApplyResult::kSnapshotCrossed:
      return "snapshot_crossed";
    case BookApplyResult::kSnapshotRejected:
      return "snapshot_rejected";
    case BookApplyResult::kSnapshotUnmatched:
      return "snapshot_unmatched";
  }
  return "unknown";
}

L2Book::L2Book(std::size_t capacity_per_side) {
  reserve(sides_[0], capacity_per_side);
  reserve(sides_[1], capacity_per_side);
}

void L2Book::reserve(Side& s, std::size_t capacity) {
  const std::size_t need = runs_for(capacity);
  const std::size_t have = s.blocks.size();
  if (need > have) {
    s.blocks.resize(need);
    s.free.reserve(need);
    for (std::size_t i = need; i-- > have;) s.free.push_back(static_cast<std::uint32_t>(i));
    s.runs.reserve(need);
  }
  s.capacity = capacity;
}

void L2Book::clear_side(Side& s) noexcept {
  for (const Run& r : s.runs) s.free.push_back(r.block);  // capacity covers every block
  s.runs.clear();
  s.count = 0;
}

// Inserts `l` at position `pos` of run `r` (pos in [0, n]); the caller checked capacity.
void L2Book::insert_at(Side& s, std::size_t r, std::size_t pos, Level l,
                       std::int64_t mask) noexcept {
  ++s.count;
  if (s.runs.empty()) {
    const std::uint32_t b = s.free.back();
    s.free.pop_back();
    s.blocks[b].lv[0] = l;
    s.runs.push_back(Run{key_of(l, mask), b, 1});
    return;
  }
  Run& run = s.runs[r];
  Level* lv = s.blocks[run.block].lv;
  if (run.n < kB) {
    std::memmove(lv + pos + 1, lv + pos, (run.n - pos) * sizeof(Level));
    lv[pos] = l;
    ++run.n;
    if (pos == 0) run.first_key = key_of(l, mask);
    return;
  }
  // Full run. Spill the worst level into the previous (worse) run if it has room; pos >= 1
  // there, since a run other than the first starts at or below any key located in it.
  if (r > 0 && s.runs[r - 1].n < kB && pos > 0) {
    Run& prev = s.runs[r - 1];
    s.blocks[prev.block].lv[prev.n++] = lv[0];
    std::memmove(lv, lv + 1, (pos - 1) * sizeof(Level));
    lv[pos - 1] = l;
    run.first_key = key_of(lv[0], mask);
    return;
  }
  // Or the best level (or `l` itself if it is the best) into the next (better) run.
  if (r + 1 < s.runs.size() && s.runs[r + 1].n < kB) {
    Run& next = s.runs[r + 1];
    Level* nlv = s.blocks[next.block].lv;
    std::memmove(nlv + 1, nlv, next.n * sizeof(Level));
    ++next.n;
    if (pos == kB) {
      nlv[0] = l;
    } else {
      nlv[0] = lv[kB - 1];
      std::memmove(lv + pos + 1, lv + pos, (kB - 1 - pos) * sizeof(Level));
      lv[pos] = l;
      if (pos == 0) run.first_key = key_of(l, mask);
    }
    next.first_key = key_of(nlv[0], mask);
    return;
  }
  // Split. Appending at either end of the side (snapshots, new best or worst prices) starts a
  // new run instead of halving a full one, so a snapshot fills its runs completely.
  const std::size_t h = pos == kB ? kB : (pos == 0 && r == 0 ? 0 : kB / 2);
  const std::uint32_t nb = s.free.back();
  s.free.pop_back();
  Level* hi = s.blocks[nb].lv;
  std::memcpy(hi, lv + h, (kB - h) * sizeof(Level));
  run.n = static_cast<std::uint32_t>(h);
  const auto at = s.runs.begin() + static_cast<std::ptrdiff_t>(r + 1);
  // Within the reserved capacity: never allocates.
  auto it = s.runs.insert(at, Run{0, nb, static_cast<std::uint32_t>(kB - h)});
  Run& upper = *it;
  Run& lower = s.runs[r];
  if (pos < h || (pos == h && h < kB)) {
    Level* llv = s.blocks[lower.block].lv;
    std::memmove(llv + pos + 1, llv + pos, (lower.n - pos) * sizeof(Level));
    llv[pos] = l;
    ++lower.n;
  } else {
    const std::size_t p = pos - h;
    std::memmove(hi + p + 1, hi + p, (upper.n - p) * sizeof(Level));
    hi[p] = l;
    ++upper.n;
  }
  lower.first_key = key_of(s.blocks[lower.block].lv[0], mask);
  upper.first_key = key_of(hi[0], mask);
}

// Removes the level at `pos` of run `r`, then merges neighbours that fit in kMergeLevels.
void L2Book::erase_at(Side& s, std::size_t r, std::size_t pos, std::int64_t mask) noexcept {
  --s.count;
  Run& run = s.runs[r];
  Level* lv = s.blocks[run.block].lv;
  --run.n;
  std::memmove(lv + pos, lv + pos + 1, (run.n - pos) * sizeof(Level));
  if (run.n == 0) {
    s.free.push_back(run.block);
    s.runs.erase(s.runs.begin() + static_cast<std::ptrdiff_t>(r));
    return;  // the neighbours were already more than kMergeLevels together
  }
  if (pos == 0) run.first_key = key_of(lv[0], mask);
  // Merge run j + 1 into run j (both exist, together <= kB levels).
  auto merge_next = [&s](std::size_t j) noexcept {
    Run& a = s.runs[j];
    const Run& b = s.runs[j + 1];
    std::memcpy(s.blocks[a.block].lv + a.n, s.blocks[b.block].lv, b.n * sizeof(Level));
    a.n += b.n;
    s.free.push_back(b.block);
    s.runs.erase(s.runs.begin() + static_cast<std::ptrdiff_t>(j + 1));
  };
  if (r > 0 && s.runs[r - 1].n + s.runs[r].n <= kMergeLevels) {
    merge_next(r - 1);
    --r;
  }
  if (r + 1 < s.runs.size() && s.runs[r].n + s.runs[r + 1].n <= kMergeLevels) merge_next(r);
}

BookApplyResult L2Book::set_level(BookSide side, Price price, Qty qty) noexcept {
  if (qty.is_negative() || !price.is_positive() || side > BookSide::kAsk) [[unlikely]] {
    ++rejected_deltas_;
    return BookApplyResult::kRejected;
  }
  Side& s = sides_[static_cast<std::size_t>(side)];
  const std::int64_t mask = side_mask(side);
  const std::int64_t key = price.raw() ^ mask;
  const std::size_t r = find_run(s.runs, key, s.hint);
  s.hint = r;
  std::size_t pos = 0;
  bool found = false;
  if (!s.runs.empty()) {
    const Run& run = s.runs[r];
    const Level* lv = s.blocks[run.block].lv;
    pos = r + 1 == s.runs.size() ? find_pos(lv, run.n, key, mask)
                                 : lower_bound_pos(lv, run.n, key, mask);
    found = pos < run.n && lv[pos].price == price;
  }
  if (qty.is_zero()) {
    if (!found) [[unlikely]] {
      ++missing_deletes_;
      return BookApplyResult::kMissingDelete;
    }
    erase_at(s, r, pos, mask);  // moves only levels of this run (and a merge)
    return BookApplyResult::kApplied;
  }
  if (found) {
    s.blocks[s.runs[r].block].lv[pos].qty = qty;
    return BookApplyResult::kApplied;
  }
  if (s.count >= s.capacity) [[unlikely]] {
    ++growths_;  // allocates a larger pool (moves the blocks; run indices stay valid)
    reserve(s, s.capacity < 8 ? s.capacity + 8 : s.capacity * 2);
  }
  insert_at(s, r, pos, Level{price, qty}, mask);
  return BookApplyResult::kApplied;
}

BookApplyResult L2Book::apply(const BookDelta& d) noexcept {
  const bool begin = (d.flags & book_flags::kSnapshotBegin) != 0;
  const bool end = (d.flags & book_flags::kSnapshotEnd) != 0;
  if (begin) [[unlikely]] {
    clear_side(sides_[0]);  // keeps capacity
    clear_side(sides_[1]);
    valid_ = false;
    building_ = true;
    snapshot_rejected_ = false;
  }
  const bool marker = (begin || end) && d.price.is_zero() && d.qty.is_zero();
  BookApplyResult r = BookApplyResult::kApplied;
  if (!marker) [[likely]] {
    r = set_level(d.side, d.price, d.qty);
  }
  if (r == BookApplyResult::kRejected) [[unlikely]] {
    if (building_) snapshot_rejected_ = true;
  } else {
    last_seq_ = d.venue_seq;
    last_ts_venue_ = d.ts_venue;
  }
  if (end) [[unlikely]] {
    return finish_snapshot();
  }
  // A venue message may cross the book between its own deltas (a new bid above an ask that a
  // later delta of the same message removes), so crossing is judged once the message is
  // complete: at kEndOfBatch. While building a snapshot it is judged at kSnapshotEnd.
  if ((d.flags & book_flags::kEndOfBatch) != 0 && valid_ && is_crossed()) [[unlikely]] {
    ++crossed_events_;
    valid_ = false;
    last_reset_reason_ = ResetReason::kCrossedBook;
    return BookApplyResult::kCrossed;
  }
  return r;
}

BookApplyResult L2Book::finish_snapshot() noexcept {
  if (!building_) {
    ++unmatched_snapshot_ends_;
    return BookApplyResult::kSnapshotUnmatched;
  }
  building_ = false;
  if (snapshot_rejected_) {
    ++rejected_snapshots_;
    return BookApplyResult::kSnapshotRejected;
  }
  if (is_crossed()) {
    ++crossed_snapshots_;
    last_reset_reason_ = ResetReason::kCrossedBook;
    return BookApplyResult::kSnapshotCrossed;
  }
  valid_ = true;
  ++snapshots_;
  return BookApplyResult::kSnapshotValid;
}

void L2Book::invalidate(ResetReason reason) noexcept {
  valid_ = false;
  building_ = false;
  last_reset_reason_ = reason;
  ++invalidations_;
}

void L2Book::clear() noexcept {
  clear_side(sides_[0]);
  clear_side(sides_[1]);
  valid_ = false;
  building_ = false;
}

Qty L2Book::qty_at(BookSide side, Price price) const noexcept {
  const Side& s = side_of(side);
  if (s.runs.empty()) return Qty{};
  const std::int64_t mask = side_mask(side);
  const Run& run = s.runs[find_run(s.runs, price.raw() ^ mask, s.hint)];
  const Level* lv = s.blocks[run.block].lv;
  const std::size_t i = find_pos(lv, run.n, price.raw() ^ mask, mask);
  return i < run.n && lv[i].price == price ? lv[i].qty : Qty{};
}

Qty L2Book::qty_within(BookSide side, std::size_t n) const noexcept {
  std::int64_t sum = 0;
  bool saturated = false;
  for_each_level(
      side,
      [&](const Level& l) noexcept {
        saturated = __builtin_add_overflow(sum, l.qty.raw(), &sum);
        return !saturated;
      },
      n);
  return saturated ? Qty::max() : Qty::from_raw(sum);
}

Qty L2Book::cumulative_qty_to_price(BookSide side, Price limit) const noexcept {
  const std::int64_t mask = side_mask(side);
  const std::int64_t key = limit.raw() ^ mask;
  std::int64_t sum = 0;
  bool saturated = false;
  for_each_level(side, [&](const Level& l) noexcept {
    if (key_of(l, mask) < key) return false;
    saturated = __builtin_add_overflow(sum, l.qty.raw(), &sum);
    return !saturated;
  });
  return saturated ? Qty::max() : Qty::from_raw(sum);
}

}  // namespace peregrine::common
