// Shared fixtures for the OMS / portfolio / risk / router tests: a small instrument registry,
// books from a few levels, and a counting allocator. Test thread only.
// Include alloc counting (PEREGRINE_COUNT_ALLOCS defined before the include) from ONE .cpp per
// binary: it replaces the global operator new/delete.
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>
#include <string_view>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/l2_book.hpp"

namespace peregrine::testing::engine_core {

using common::Price;
using common::Qty;

inline Price px(std::string_view s) { return Price::parse(s).value(); }
inline Qty qty(std::string_view s) { return Qty::parse(s).value(); }
inline common::Money money(std::string_view s) { return common::Money::parse(s).value(); }

// 0: BTC@hyperliquid (tick 1, lot 0.001, min notional 10), 1: BTC@coinbase (tick 0.01, lot
// 0.0001, min notional 1), 2: ETH@hyperliquid (tick 0.1, lot 0.01), 3: BTC@binance.
inline common::InstrumentRegistry make_registry() {
  common::InstrumentRegistry reg;
  auto add = [&](common::VenueId v, std::string_view sym, std::string_view asset,
                 std::string_view tick, std::string_view lot, std::string_view min_notional,
                 std::string_view maker, std::string_view taker) {
    common::Instrument i;
    i.venue = v;
    static_cast<void>(i.symbol.assign(sym));
    static_cast<void>(i.asset.assign(asset));
    i.tick = px(tick);
    i.lot = qty(lot);
    i.min_notional = money(min_notional);
    i.maker_fee = common::Rate::parse(maker).value();
    i.taker_fee = common::Rate::parse(taker).value();
    static_cast<void>(reg.add(i));
  };
  add(common::VenueId::kHyperliquid, "BTC", "BTC", "1", "0.001", "10", "0.00015", "0.00045");
  add(common::VenueId::kCoinbase, "BTC-PERP-INTX", "BTC", "0.01", "0.0001", "1", "0", "0.0003");
  add(common::VenueId::kHyperliquid, "ETH", "ETH", "0.1", "0.01", "10", "0.00015", "0.00045");
  add(common::VenueId::kBinance, "BTCUSDT", "BTC", "0.1", "0.001", "100", "0.0002", "0.0005");
  return reg;
}

// A valid book with one level a side, or more via add_level.
inline void set_book(common::L2Book& book, Price bid, Qty bid_qty, Price ask, Qty ask_qty) {
  book.clear();
  common::BookDelta d;
  d.side = common::BookSide::kBid;
  d.price = bid;
  d.qty = bid_qty;
  d.flags = common::book_flags::kSnapshotBegin;
  static_cast<void>(book.apply(d));
  d.side = common::BookSide::kAsk;
  d.price = ask;
  d.qty = ask_qty;
  d.flags = common::book_flags::kSnapshotEnd;
  static_cast<void>(book.apply(d));
}
inline void add_level(common::L2Book& book, common::BookSide side, Price p, Qty q) {
  static_cast<void>(book.set_level(side, p, q));
}

}  // namespace peregrine::testing::engine_core

#ifdef PEREGRINE_COUNT_ALLOCS
namespace peregrine::testing::engine_core {
inline std::atomic<bool> g_count{false};
inline std::atomic<std::size_t> g_allocs{0};
struct AllocScope {
  AllocScope() noexcept {
    g_allocs.store(0);
    g_count.store(true);
  }
  ~AllocScope() { g_count.store(false); }
  AllocScope(const AllocScope&) = delete;
  AllocScope& operator=(const AllocScope&) = delete;
  [[nodiscard]] std::size_t count() const noexcept { return g_allocs.load(); }
};
[[gnu::noinline]] inline void* raw_alloc(std::size_t n) noexcept {
  if (g_count.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
[[gnu::noinline]] inline void raw_free(void* p) noexcept { std::free(p); }
inline void* counted_alloc(std::size_t n) {
  if (void* p = raw_alloc(n)) return p;
  throw std::bad_alloc();
}
}  // namespace peregrine::testing::engine_core

void* operator new(std::size_t n) { return peregrine::testing::engine_core::counted_alloc(n); }
void* operator new[](std::size_t n) { return peregrine::testing::engine_core::counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return peregrine::testing::engine_core::raw_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { peregrine::testing::engine_core::raw_free(p); }
void operator delete[](void* p) noexcept { peregrine::testing::engine_core::raw_free(p); }
void operator delete(void* p, std::size_t) noexcept {
  peregrine::testing::engine_core::raw_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  peregrine::testing::engine_core::raw_free(p);
}
#endif
