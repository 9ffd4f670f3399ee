// Rebuilds a Binance book from recorded frames (parser -> BookSync -> L2Book) and checks it against
// every bookTicker at the same u. Off the hot path (pgtool, tests): one thread; allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/l2_book.hpp"
#include "gateways/binance/book_sync.hpp"
#include "gateways/binance/md_codec.hpp"
#include "gateways/binance/symbols.hpp"
#include "gateways/capture/capture_reader.hpp"

namespace peregrine::gateways::binance {

struct ReplayStats {
  std::uint64_t messages = 0;      // every payload fed
  std::uint64_t depth_events = 0;  // depthUpdate frames parsed
  std::uint64_t snapshots = 0;     // REST snapshot lines parsed
  std::uint64_t trades = 0;
  std::uint64_t book_tickers = 0;
  std::uint64_t other = 0;      // control / unnormalized events
  std::uint64_t malformed = 0;  // parse errors
  std::uint64_t applied = 0;    // depth events forwarded to the book
  std::uint64_t gaps = 0;
  std::uint64_t resyncs = 0;  // snapshots applied after the first
  std::uint64_t stale_events = 0;
  std::uint64_t stale_snapshots = 0;
  std::uint64_t crossed = 0;      // a valid book that became crossed (L2Book kCrossed/
                                  // kSnapshotCrossed)
  std::uint64_t checkpoints = 0;  // bookTickers with u == last applied depth u on a valid book
  std::uint64_t mismatches = 0;   // checkpoints where best bid/ask price or qty differ
  // bookTickers that arrived BEFORE the depth event with the same u (the usual order on spot and
  // COIN-M), checked when that event is applied. Not part of `checkpoints`.
  std::uint64_t late_checkpoints = 0;
  std::uint64_t late_mismatches = 0;
  std::string first_mismatch;  // human-readable description of the first mismatch
};

// One market, one symbol per replay (the captures hold one symbol each).
class BookReplay {
 public:
  // The diff streams carry the whole book (5000+ levels a side on BTCUSDT), not just the
  // snapshot's 1000: reserve enough that the book never reallocates.
  static constexpr std::size_t kBookCapacity = 16384;
  explicit BookReplay(Market market);
  BookReplay(const BookReplay&) = delete;
  BookReplay& operator=(const BookReplay&) = delete;

  // One raw venue message (WS frame or REST snapshot body) received at ts_recv.
  void on_message(std::string_view payload, common::Nanos ts_recv);
  // Every record of one capture file, in order; false with *error on a read error.
  bool replay_file(const std::string& path, capture::CaptureFormat format, std::string* error);

  [[nodiscard]] const ReplayStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const common::L2Book& book() const noexcept { return book_; }
  [[nodiscard]] const BookSync& sync() const noexcept { return sync_; }
  [[nodiscard]] const MdParser& parser() const noexcept { return parser_; }

 private:
  void check(const BookTicker& t);
  void check_late();
  bool compare(const BookTicker& t, bool late);

  SymbolTable symbols_;
  MdParser parser_;
  BookSync sync_;
  common::L2Book book_;
  L2BookSink sink_;
  ReplayStats stats_;
  // Tickers ahead of the book, oldest first (bounded: the oldest is dropped when full).
  static constexpr std::size_t kMaxPending = 256;
  std::array<BookTicker, kMaxPending> pending_{};
  std::size_t pending_head_ = 0;
  std::size_t pending_count_ = 0;
};

}  // namespace peregrine::gateways::binance
