// Rebuilds every Bybit orderbook topic of a recorded capture through the real codec (MdParser)
// into common::L2Book and reports sequence health. Off the hot path: pgtool book, tests; one
// thread; allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/l2_book.hpp"
#include "gateways/capture/capture_reader.hpp"

namespace peregrine::gateways::bybit {

struct RebuiltBook {
  std::string conn;                // capture connection id ("BYBIT.ws.2"); "" for hftbacktest files
  std::string topic;               // "orderbook.200.BTCUSDT"
  std::uint64_t snapshots = 0;     // snapshot messages applied (including u == 1 restarts)
  std::uint64_t deltas = 0;        // delta messages applied
  std::uint64_t depth_events = 0;  // BookDelta events applied to the book
  std::uint64_t gaps = 0;          // BookReset(kSequenceGap) emitted
  std::uint64_t resyncs = 0;       // snapshots that made the book valid again after a gap
  std::uint64_t dropped = 0;       // deltas dropped while waiting for a snapshot
  std::uint64_t crossed = 0;       // L2Book kCrossed / kSnapshotCrossed results
  std::uint64_t checkpoints = 0;   // later snapshots compared with the book rebuilt so far
  std::uint64_t mismatches = 0;    // ... that differed in any level
  std::uint64_t first_u = 0;       // u of the first snapshot
  std::uint64_t last_u = 0;        // u of the last message applied
  bool valid = false;              // L2Book::is_valid() at the end
  std::size_t bid_depth = 0;       // levels per side at the end
  std::size_t ask_depth = 0;
  std::vector<common::Level> bids;  // best first, at most options.top_levels
  std::vector<common::Level> asks;
};

struct BookRebuildOptions {
  std::size_t top_levels = 5;
  std::string conn;    // only this connection when non-empty
  std::string symbol;  // only this symbol when non-empty
};

struct BookRebuildSummary {
  std::uint64_t records = 0;        // capture records read (every kind)
  std::uint64_t messages = 0;       // received WS messages parsed
  std::uint64_t book_messages = 0;  // orderbook messages (every outcome)
  std::uint64_t trade_messages = 0;
  std::uint64_t trades = 0;
  std::uint64_t depth_events = 0;  // sum over books
  std::uint64_t gaps = 0;          // sums over books ...
  std::uint64_t resyncs = 0;
  std::uint64_t dropped = 0;
  std::uint64_t crossed = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t mismatches = 0;
  std::uint64_t malformed = 0;     // messages the codec rejected
  std::uint64_t other = 0;         // control frames and topics not rebuilt (tickers, kline, ...)
  std::vector<RebuiltBook> books;  // in order of first appearance
  std::string error;               // capture read error; empty when the whole file was read
};

// Reads `reader` to the end. Each connection gets its own MdParser and books (Bybit names the
// linear perp and the spot pair alike), symbols are bound as they appear. A later snapshot of a
// book that is valid is first compared level by level with the rebuilt book (a checkpoint).
[[nodiscard]] BookRebuildSummary rebuild_books(capture::CaptureReader& reader,
                                               const BookRebuildOptions& options = {});

// Human-readable report (pgtool book): totals, then one block per book with its top levels.
[[nodiscard]] std::string format_summary(const BookRebuildSummary& summary);

}  // namespace peregrine::gateways::bybit
