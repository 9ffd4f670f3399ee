#include "common/l2_book.hpp"

namespace peregrine::common {
namespace {

// Both sides share one code path: a level's key is its raw price XOR a per-side mask (0 for
// bids, all ones for asks, which reverses the order), so each side is sorted ascending by key,
// worst first, and "better" is always "greater key". No branch on the side in the search.
[[nodiscard]] constexpr std::int64_t side_mask(BookSide side) noexcept {
  return side == BookSide::kBid ? 0 : -1;
}

// Index of the first level that is not worse than `price`: where `price` is, or where it would
// be inserted. The top levels are compared in blocks of kScanBlock without branches (count how
// many are at least as good: they are contiguous at the back), so the only branch per block is
// "found in this block", which is well predicted when traffic is near the top. A price deeper
// than kTopScanLevels goes on to a branch-free binary search of the rest.
[[nodiscard]] inline std::size_t find_pos(const std::vector<Level>& v, Price price,
                                          std::int64_t mask) noexcept {
  constexpr std::size_t kScanBlock = 8;
  static_assert(L2Book::kTopScanLevels % kScanBlock == 0);
  const std::int64_t key = price.raw() ^ mask;
  const Level* data = v.data();
  std::size_t hi = v.size();  // every level at index >= hi is known not worse than `price`
  for (std::size_t b = 0; b < L2Book::kTopScanLevels / kScanBlock; ++b) {
    std::size_t not_worse = 0;
    if (hi < kScanBlock) {
      for (std::size_t j = 0; j < hi; ++j) {
        not_worse += static_cast<std::size_t>((data[j].price.raw() ^ mask) >= key);
      }
      return hi - not_worse;
    }
    const Level* block = data + (hi - kScanBlock);
    for (std::size_t j = 0; j < kScanBlock; ++j) {
      not_worse += static_cast<std::size_t>((block[j].price.raw() ^ mask) >= key);
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
    base = (base[half - 1].price.raw() ^ mask) < key ? base + half : base;
    len -= half;
  }
  const auto pos = static_cast<std::size_t>(base - data);
  return (base->price.raw() ^ mask) < key ? pos + 1 : pos;
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
  levels_[0].reserve(capacity_per_side);
  levels_[1].reserve(capacity_per_side);
}

BookApplyResult L2Book::set_level(BookSide side, Price price, Qty qty) noexcept {
  if (qty.is_negative() || !price.is_positive() || side > BookSide::kAsk) [[unlikely]] {
    ++rejected_deltas_;
    return BookApplyResult::kRejected;
  }
  std::vector<Level>& v = levels_[static_cast<std::size_t>(side)];
  const std::size_t i = find_pos(v, price, side_mask(side));
  const bool found = i < v.size() && v[i].price == price;
  const auto at = v.begin() + static_cast<std::ptrdiff_t>(i);
  if (qty.is_zero()) {
    if (!found) [[unlikely]] {
      ++missing_deletes_;
      return BookApplyResult::kMissingDelete;
    }
    v.erase(at);  // shifts only the levels better than this one
    return BookApplyResult::kApplied;
  }
  if (found) {
    v[i].qty = qty;
    return BookApplyResult::kApplied;
  }
  if (v.size() == v.capacity()) [[unlikely]] {
    ++growths_;  // the insert below reallocates
  }
  v.insert(at, Level{price, qty});
  return BookApplyResult::kApplied;
}

BookApplyResult L2Book::apply(const BookDelta& d) noexcept {
  const bool begin = (d.flags & book_flags::kSnapshotBegin) != 0;
  const bool end = (d.flags & book_flags::kSnapshotEnd) != 0;
  if (begin) [[unlikely]] {
    levels_[0].clear();  // keeps capacity
    levels_[1].clear();
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
  levels_[0].clear();
  levels_[1].clear();
  valid_ = false;
  building_ = false;
}

Qty L2Book::qty_at(BookSide side, Price price) const noexcept {
  const auto& v = side_of(side);
  const std::size_t i = find_pos(v, price, side_mask(side));
  return i < v.size() && v[i].price == price ? v[i].qty : Qty{};
}

Qty L2Book::qty_within(BookSide side, std::size_t n) const noexcept {
  const auto& v = side_of(side);
  const std::size_t stop = n < v.size() ? v.size() - n : 0;
  std::int64_t sum = 0;
  for (std::size_t i = v.size(); i > stop; --i) {
    if (__builtin_add_overflow(sum, v[i - 1].qty.raw(), &sum)) return Qty::max();  // saturate
  }
  return Qty::from_raw(sum);
}

Qty L2Book::cumulative_qty_to_price(BookSide side, Price limit) const noexcept {
  const auto& v = side_of(side);
  const std::int64_t mask = side_mask(side);
  const std::int64_t key = limit.raw() ^ mask;
  std::int64_t sum = 0;
  for (std::size_t i = v.size(); i > 0 && (v[i - 1].price.raw() ^ mask) >= key; --i) {
    if (__builtin_add_overflow(sum, v[i - 1].qty.raw(), &sum)) return Qty::max();  // saturate
  }
  return Qty::from_raw(sum);
}

}  // namespace peregrine::common
