// L2Book benchmarks: update cost by depth, insert/delete, top-of-book reads and a replay-like mix.
// Inputs are precomputed; the timed loops only apply deltas and read the book.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <type_traits>
#include <vector>

#include "common/l2_book.hpp"

namespace peregrine::common {
namespace {

constexpr std::int64_t kTick = 1'000'000;  // 0.01
constexpr std::int64_t kLot = 1'000;
constexpr std::int64_t kBestBidTick = 6'000'000;  // 60000.00
constexpr std::size_t kLevels = 1000;
constexpr std::size_t kInputs = 1 << 14;  // power of two: the loops index with a mask
constexpr std::size_t kMask = kInputs - 1;

Price px(std::int64_t ticks) { return Price::from_raw(ticks * kTick); }
Qty qt(std::int64_t lots) { return Qty::from_raw(lots * kLot); }

// Levels every 2 ticks so a level can be inserted between any two; the spread is 1 tick.
std::int64_t level_tick(BookSide side, std::size_t depth) {
  const auto d = static_cast<std::int64_t>(depth);
  return side == BookSide::kBid ? kBestBidTick - 2 * d : kBestBidTick + 1 + 2 * d;
}

BookDelta delta(BookSide side, std::int64_t tick, std::int64_t lots, std::uint64_t seq = 0) {
  BookDelta d;
  d.side = side;
  d.price = px(tick);
  d.qty = qt(lots);
  d.venue_seq = seq;
  return d;
}

void load(L2Book& book) {
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < kLevels; ++i) {
    for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
      BookDelta d = delta(side, level_tick(side, i), 1 + static_cast<std::int64_t>(i % 50), ++seq);
      if (seq == 1) d.flags = book_flags::kSnapshotBegin;
      if (seq == 2 * kLevels) d.flags = book_flags::kSnapshotEnd;
      benchmark::DoNotOptimize(book.apply(d));
    }
  }
  if (!book.is_valid() || book.depth(BookSide::kBid) != kLevels) std::abort();
}

BookSide random_side(std::mt19937_64& rng) {
  return (rng() & 1) != 0 ? BookSide::kBid : BookSide::kAsk;
}

// Replaces the quantity at a random depth in [0, max_depth): the book's shape never changes.
std::vector<BookDelta> replaces(std::size_t max_depth, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<BookDelta> out;
  for (std::size_t i = 0; i < kInputs; ++i) {
    const BookSide side = random_side(rng);
    const std::size_t depth = rng() % max_depth;
    out.push_back(delta(side, level_tick(side, depth), 1 + static_cast<std::int64_t>(rng() % 100)));
  }
  return out;
}

void run_replaces(benchmark::State& state, std::size_t max_depth) {
  L2Book book;
  load(book);
  const std::vector<BookDelta> in = replaces(max_depth, 42);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.apply(in[i++ & kMask]));
  }
  state.SetItemsProcessed(state.iterations());
  if (book.growths() != 0) state.SkipWithError("book grew");
}

void BM_L2Book_UpdateTop(benchmark::State& state) { run_replaces(state, 5); }
BENCHMARK(BM_L2Book_UpdateTop);

void BM_L2Book_UpdateDeep(benchmark::State& state) { run_replaces(state, kLevels); }
BENCHMARK(BM_L2Book_UpdateDeep);

// Inserts a new level just below depth state.range(0), then deletes it: two applies per item.
void BM_L2Book_InsertDelete(benchmark::State& state) {
  L2Book book;
  load(book);
  const auto depth = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(7);
  std::vector<BookDelta> inserts;
  for (std::size_t i = 0; i < kInputs; ++i) {
    const BookSide side = random_side(rng);
    const std::int64_t gap = side == BookSide::kBid ? -1 : 1;  // the free tick behind the level
    inserts.push_back(delta(side, level_tick(side, depth) + gap, 7));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    BookDelta d = inserts[i++ & kMask];
    benchmark::DoNotOptimize(book.apply(d));
    d.qty = Qty{};
    benchmark::DoNotOptimize(book.apply(d));
  }
  state.SetItemsProcessed(state.iterations());
  if (book.depth(BookSide::kBid) != kLevels) state.SkipWithError("book changed");
}
BENCHMARK(BM_L2Book_InsertDelete)->Arg(0)->Arg(4)->Arg(16)->Arg(100)->Arg(900);

void BM_L2Book_BestBidAsk(benchmark::State& state) {
  L2Book book;
  load(book);
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.best_bid());
    benchmark::DoNotOptimize(book.best_ask());
    benchmark::DoNotOptimize(book.mid());
    benchmark::ClobberMemory();  // the book could have changed between reads
  }
}
BENCHMARK(BM_L2Book_BestBidAsk);

void BM_L2Book_QtyAt(benchmark::State& state) {
  L2Book book;
  load(book);
  const std::vector<BookDelta> in = replaces(static_cast<std::size_t>(state.range(0)), 3);
  std::size_t i = 0;
  for (auto _ : state) {
    const BookDelta& d = in[i++ & kMask];
    benchmark::DoNotOptimize(book.qty_at(d.side, d.price));
  }
}
BENCHMARK(BM_L2Book_QtyAt)->Arg(8)->Arg(kLevels);

// A replay-like stream generated from a live-looking book: mostly top-10 replaces, inserts and
// deletes close to the touch (the spread opens and closes), some deep traffic and trades
// clearing the best level. The stream ends with the deltas that restore the starting book, so it
// can be replayed in a loop.
std::vector<BookDelta> replay_mix(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  L2Book gen(8192);
  load(gen);
  std::map<std::int64_t, std::int64_t> start[2];
  for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
    gen.for_each_level(
        side, [&](const Level& l) { start[static_cast<int>(side)][l.price.raw()] = l.qty.raw(); });
  }
  std::vector<BookDelta> out;
  constexpr std::size_t kMixLen = 1 << 15;
  while (out.size() < kMixLen) {
    const BookSide side = random_side(rng);
    const std::uint64_t dice = rng() % 100;
    const std::size_t depth = dice < 90 ? rng() % 10 : 10 + rng() % (gen.depth(side) - 10);
    const Level at = gen.level(side, depth);
    const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % 100);
    BookDelta d = delta(side, at.price.raw() / kTick, lots);
    if (dice < 60 || dice >= 90) {                    // replace the quantity
    } else if (dice < 72 && gen.depth(side) > 900) {  // a level empties
      d.qty = Qty{};
    } else if (dice < 77 && depth == 0) {  // improve the touch if the spread allows
      const std::int64_t step = side == BookSide::kBid ? 1 : -1;
      const Price p = at.price + Price::from_raw(step * kTick);
      const Level other = gen.best(side == BookSide::kBid ? BookSide::kAsk : BookSide::kBid);
      if (side == BookSide::kBid ? p < other.price : p > other.price) d.price = p;
    } else if (gen.depth(side) < 1100) {  // a level appears behind the touch
      const std::int64_t step = side == BookSide::kBid ? -1 : 1;
      d.price = at.price + Price::from_raw(step * kTick);
    }
    if (gen.apply(d) == BookApplyResult::kApplied) out.push_back(d);
  }
  for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {  // restore the starting book
    const auto& want = start[static_cast<int>(side)];
    std::vector<Level> now;
    gen.for_each_level(side, [&](const Level& l) { now.push_back(l); });
    for (const Level& l : now) {
      if (want.count(l.price.raw()) == 0) out.push_back(delta(side, l.price.raw() / kTick, 0));
    }
    for (const auto& [p, q] : want) {
      if (gen.qty_at(side, Price::from_raw(p)).raw() != q) {
        BookDelta d = delta(side, p / kTick, 0);
        d.qty = Qty::from_raw(q);
        out.push_back(d);
      }
    }
  }
  return out;
}

void BM_L2Book_ReplayMix(benchmark::State& state) {
  L2Book book;
  load(book);
  const std::vector<BookDelta> in = replay_mix(11);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.apply(in[i]));
    // What a strategy reads after each update.
    benchmark::DoNotOptimize(book.best_bid());
    benchmark::DoNotOptimize(book.best_ask());
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  if (book.growths() != 0 || book.crossed_events() != 0) state.SkipWithError("unexpected state");
}
BENCHMARK(BM_L2Book_ReplayMix);

// The same stream on a std::map per side: the node-based book L2Book replaces.
void BM_L2Book_ReplayMixStdMap(benchmark::State& state) {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  for (std::size_t i = 0; i < kLevels; ++i) {
    bids[px(level_tick(BookSide::kBid, i)).raw()] = 1;
    asks[px(level_tick(BookSide::kAsk, i)).raw()] = 1;
  }
  const std::vector<BookDelta> in = replay_mix(11);
  std::size_t i = 0;
  for (auto _ : state) {
    const BookDelta& d = in[i];
    auto apply = [&](auto& m) {
      if (d.qty.is_zero()) {
        m.erase(d.price.raw());
      } else {
        m[d.price.raw()] = d.qty.raw();
      }
    };
    d.side == BookSide::kBid ? apply(bids) : apply(asks);
    benchmark::DoNotOptimize(bids.begin()->second);
    benchmark::DoNotOptimize(asks.begin()->second);
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_L2Book_ReplayMixStdMap);

// --- Deep books: Binance-like traffic over 5000 levels a side ---------------------------------
//
// Half the changes land in the top 50 levels, half anywhere in the 5000; a third replace a
// quantity, the rest insert a level behind an existing one and delete the level inserted 64
// changes earlier (so the book keeps its shape and the stream loops). The same stream runs on
// L2Book, on FlatSideBook (the previous L2Book design: one sorted vector a side, best at the end,
// every insert/delete shifting all better levels) and on a std::map per side.

constexpr std::size_t kDeepLevels = 5000;

// The previous L2Book's storage and search, kept here as the before/after reference.
class FlatSideBook {
 public:
  explicit FlatSideBook(std::size_t cap) {
    side_[0].reserve(cap);
    side_[1].reserve(cap);
  }
  void set(BookSide side, Price price, Qty qty) noexcept {
    std::vector<Level>& v = side_[static_cast<std::size_t>(side)];
    const std::int64_t mask = side == BookSide::kBid ? 0 : -1;
    const std::int64_t key = price.raw() ^ mask;
    // Lower bound from the top: 16 levels scanned, then binary search (as the old find_pos).
    std::size_t hi = v.size();
    std::size_t pos = 0;
    bool done = false;
    for (int b = 0; b < 2 && !done; ++b) {
      if (hi < 8) {
        std::size_t nw = 0;
        for (std::size_t j = 0; j < hi; ++j)
          nw += static_cast<std::size_t>((v[j].price.raw() ^ mask) >= key);
        pos = hi - nw;
        done = true;
        break;
      }
      std::size_t nw = 0;
      for (std::size_t j = hi - 8; j < hi; ++j)
        nw += static_cast<std::size_t>((v[j].price.raw() ^ mask) >= key);
      if (nw < 8) {
        pos = hi - nw;
        done = true;
      } else {
        hi -= 8;
      }
    }
    if (!done) {
      const Level* base = v.data();
      std::size_t len = hi;
      if (len == 0) {
        pos = 0;
      } else {
        while (len > 1) {
          const std::size_t half = len / 2;
          base = (base[half - 1].price.raw() ^ mask) < key ? base + half : base;
          len -= half;
        }
        pos = static_cast<std::size_t>(base - v.data());
        if ((base->price.raw() ^ mask) < key) ++pos;
      }
    }
    const bool found = pos < v.size() && v[pos].price == price;
    const auto at = v.begin() + static_cast<std::ptrdiff_t>(pos);
    if (qty.is_zero()) {
      if (found) v.erase(at);
    } else if (found) {
      v[pos].qty = qty;
    } else {
      v.insert(at, Level{price, qty});
    }
  }
  [[nodiscard]] Level best(BookSide side) const noexcept {
    const auto& v = side_[static_cast<std::size_t>(side)];
    return v.empty() ? Level{} : v.back();
  }

 private:
  std::vector<Level> side_[2];
};

std::int64_t deep_tick(BookSide side, std::size_t depth) { return level_tick(side, depth); }

std::vector<BookDelta> deep_mix(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<BookDelta> out;
  std::vector<BookDelta> pending;  // inserted levels waiting for their delete, FIFO
  std::map<std::int64_t, int> live[2];
  constexpr std::size_t kLag = 64;
  std::size_t head = 0;
  while (out.size() < (1u << 15)) {
    const BookSide side = random_side(rng);
    const std::size_t depth = (rng() & 1) != 0 ? rng() % 50 : rng() % kDeepLevels;
    if (rng() % 3 == 0) {
      out.push_back(
          delta(side, deep_tick(side, depth), 1 + static_cast<std::int64_t>(rng() % 100)));
      continue;
    }
    const std::int64_t gap = side == BookSide::kBid ? -1 : 1;  // the free tick behind the level
    const std::int64_t t = deep_tick(side, depth) + gap;
    if (live[static_cast<int>(side)].count(t) != 0) continue;
    live[static_cast<int>(side)][t] = 1;
    out.push_back(delta(side, t, 7));
    pending.push_back(delta(side, t, 0));
    if (pending.size() - head > kLag) {
      const BookDelta d = pending[head++];
      live[static_cast<int>(d.side)].erase(d.price.raw() / kTick);
      out.push_back(d);
    }
  }
  for (; head < pending.size(); ++head) out.push_back(pending[head]);
  return out;
}

template <typename Book>
void load_deep(Book& book) {
  for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
    for (std::size_t i = kDeepLevels; i-- > 0;) {  // worst first, as the gateways deliver
      if constexpr (std::is_same_v<Book, L2Book>) {
        benchmark::DoNotOptimize(book.set_level(side, px(deep_tick(side, i)), qt(1)));
      } else {
        book.set(side, px(deep_tick(side, i)), qt(1));
      }
    }
  }
}

void BM_L2Book_DeepMix(benchmark::State& state) {
  L2Book book(2 * kDeepLevels);
  load_deep(book);
  const std::vector<BookDelta> in = deep_mix(5);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.apply(in[i]));
    benchmark::DoNotOptimize(book.best_bid());
    benchmark::DoNotOptimize(book.best_ask());
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  if (book.growths() != 0 || book.missing_deletes() != 0) state.SkipWithError("unexpected state");
}
BENCHMARK(BM_L2Book_DeepMix);

void BM_L2Book_DeepMixFlatVectorBefore(benchmark::State& state) {
  FlatSideBook book(2 * kDeepLevels);
  load_deep(book);
  const std::vector<BookDelta> in = deep_mix(5);
  std::size_t i = 0;
  for (auto _ : state) {
    book.set(in[i].side, in[i].price, in[i].qty);
    benchmark::DoNotOptimize(book.best(BookSide::kBid));
    benchmark::DoNotOptimize(book.best(BookSide::kAsk));
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_L2Book_DeepMixFlatVectorBefore);

void BM_L2Book_DeepMixStdMap(benchmark::State& state) {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  for (std::size_t i = 0; i < kDeepLevels; ++i) {
    bids[px(deep_tick(BookSide::kBid, i)).raw()] = 1;
    asks[px(deep_tick(BookSide::kAsk, i)).raw()] = 1;
  }
  const std::vector<BookDelta> in = deep_mix(5);
  std::size_t i = 0;
  for (auto _ : state) {
    const BookDelta& d = in[i];
    auto apply = [&](auto& m) {
      if (d.qty.is_zero()) {
        m.erase(d.price.raw());
      } else {
        m[d.price.raw()] = d.qty.raw();
      }
    };
    d.side == BookSide::kBid ? apply(bids) : apply(asks);
    benchmark::DoNotOptimize(bids.begin()->second);
    benchmark::DoNotOptimize(asks.begin()->second);
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_L2Book_DeepMixStdMap);

// The shallow replay-like mix on the previous flat-vector design (before/after in one run).
void BM_L2Book_ReplayMixFlatVectorBefore(benchmark::State& state) {
  FlatSideBook book(4096);
  for (std::size_t i = kLevels; i-- > 0;) {
    book.set(BookSide::kBid, px(level_tick(BookSide::kBid, i)),
             qt(1 + static_cast<std::int64_t>(i % 50)));
    book.set(BookSide::kAsk, px(level_tick(BookSide::kAsk, i)),
             qt(1 + static_cast<std::int64_t>(i % 50)));
  }
  const std::vector<BookDelta> in = replay_mix(11);
  std::size_t i = 0;
  for (auto _ : state) {
    book.set(in[i].side, in[i].price, in[i].qty);
    benchmark::DoNotOptimize(book.best(BookSide::kBid));
    benchmark::DoNotOptimize(book.best(BookSide::kAsk));
    if (++i == in.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_L2Book_ReplayMixFlatVectorBefore);

}  // namespace
}  // namespace peregrine::common
