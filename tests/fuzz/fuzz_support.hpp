// Shared pieces of the fuzz harnesses: the L2Book invariant checker that every market-data
// harness pushes its BookDeltas through, and the capture reader that turns recorded frames into
// test-time seeds. Fuzz harnesses only (they allocate freely).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/events.hpp"
#include "common/l2_book.hpp"
#include "fuzz_target.hpp"
#include "gateways/capture/capture_reader.hpp"

namespace peregrine::fuzz {

// Applies BookDeltas and BookResets to one L2Book per instrument the way the core does and
// checks what must hold whatever the venue sent:
//  * every delta has a known side and a non-negative quantity;
//  * a book that completed a batch (kEndOfBatch / kSnapshotEnd) is never valid while crossed;
//  * a valid book's best bid is below its best ask and its mid lies between them;
//  * the book's counters never go down.
class BookChecker {
 public:
  explicit BookChecker(common::VenueId venue) : venue_(venue) {}

  void delta(const common::BookDelta& d) {
    FUZZ_CHECK(d.side == common::BookSide::kBid || d.side == common::BookSide::kAsk);
    FUZZ_CHECK(!d.qty.is_negative());
    FUZZ_CHECK(d.venue == venue_);
    Entry& e = book(d.instrument.value);
    static_cast<void>(e.book->apply(d));
    const std::uint8_t end = common::book_flags::kEndOfBatch | common::book_flags::kSnapshotEnd;
    if ((d.flags & end) != 0) check(e);
  }
  void reset(const common::BookReset& r) {
    Entry& e = book(r.instrument.value);
    e.book->invalidate(r.reason);
    FUZZ_CHECK(!e.book->is_valid());
    check(e);
  }
  void event(const common::MdEvent& ev) {
    if (ev.kind == common::MdKind::kBookDelta) delta(ev.delta);
    if (ev.kind == common::MdKind::kBookReset) reset(ev.reset);
  }
  // End of one venue message: every book it touched is consistent.
  void end_of_frame() {
    for (auto& [id, e] : books_) check(e);
  }

 private:
  struct Entry {
    std::unique_ptr<common::L2Book> book;
    std::uint64_t counters[8] = {};
  };
  Entry& book(std::uint32_t id) {
    // Bounded: a mutated instrument id must not grow the map without limit.
    if (books_.size() >= 64 && books_.find(id) == books_.end()) id = 0;
    Entry& e = books_[id];
    if (!e.book) e.book = std::make_unique<common::L2Book>(256);
    return e;
  }
  static void check(Entry& e) {
    const common::L2Book& b = *e.book;
    if (b.is_valid()) {
      FUZZ_CHECK(!b.is_crossed());
      if (b.has_bid() && b.has_ask()) {
        FUZZ_CHECK(b.best_bid().price < b.best_ask().price);
        FUZZ_CHECK(b.mid() >= b.best_bid().price && b.mid() <= b.best_ask().price);
        FUZZ_CHECK(b.spread().is_positive());
      }
    }
    const std::uint64_t now[8] = {b.growths(),        b.missing_deletes(),   b.rejected_deltas(),
                                  b.crossed_events(), b.crossed_snapshots(), b.rejected_snapshots(),
                                  b.snapshots(),      b.invalidations()};
    for (int i = 0; i < 8; ++i) {
      FUZZ_CHECK(now[i] >= e.counters[i]);
      e.counters[i] = now[i];
    }
  }
  common::VenueId venue_;
  std::map<std::uint32_t, Entry> books_;
};

// Counters must only grow: remember the last value of each and check on every update.
class Monotonic {
 public:
  void check(std::size_t i, std::uint64_t v) {
    if (i >= last_.size()) last_.resize(i + 1, 0);
    FUZZ_CHECK(v >= last_[i]);
    last_[i] = v;
  }

 private:
  std::vector<std::uint64_t> last_;
};

// What every normalized execution output must look like, whatever the venue sent.
inline void check_order_update(const common::OrderUpdate& u, common::VenueId venue) {
  FUZZ_CHECK(u.venue == venue);
  FUZZ_CHECK(u.side == common::Side::kBuy || u.side == common::Side::kSell);
  FUZZ_CHECK(static_cast<int>(u.status) <= static_cast<int>(common::OrderStatus::kPendingReplace));
  FUZZ_CHECK(!u.qty.is_negative());
  FUZZ_CHECK(!u.filled_qty.is_negative());
}
// `known_instrument`: the parser drops fills of symbols it does not know (HL, Bybit, Coinbase);
// Binance's user stream passes them on with an invalid instrument for the gateway to judge.
inline void check_fill(const common::Fill& f, common::VenueId venue, bool known_instrument = true) {
  FUZZ_CHECK(f.venue == venue);
  FUZZ_CHECK(f.side == common::Side::kBuy || f.side == common::Side::kSell);
  FUZZ_CHECK(f.liquidity == common::Liquidity::kMaker || f.liquidity == common::Liquidity::kTaker);
  if (known_instrument) FUZZ_CHECK(f.instrument.valid());
  FUZZ_CHECK(!f.qty.is_negative());
}
inline void check_trade(const common::Trade& t, common::VenueId venue) {
  FUZZ_CHECK(t.venue == venue);
  FUZZ_CHECK(t.aggressor == common::Side::kBuy || t.aggressor == common::Side::kSell);
  FUZZ_CHECK(t.instrument.valid());
  FUZZ_CHECK(t.price.is_positive());
  FUZZ_CHECK(t.qty.is_positive());
}

// ---- capture seeds (gtest mode) -----------------------------------------------------------

inline std::filesystem::path data_root() {
  if (const char* env = std::getenv("PEREGRINE_DATA"); env != nullptr && *env != '\0') return env;
#ifdef PEREGRINE_SOURCE_DIR
  return std::filesystem::path(PEREGRINE_SOURCE_DIR) / ".." / "shared" / "data";
#else
  return std::filesystem::path("..") / "shared" / "data";
#endif
}

// Received frames of a recorded capture (never copied into the repo), `per_seed` consecutive
// frames joined by '\n' into one seed, at most `max_seeds` seeds; frames longer than
// `max_frame` bytes (multi-MB snapshots) are skipped. `prefix` is prepended to every frame (the
// entry-point tag of harnesses that take one). Empty when the file is missing.
inline std::vector<std::string> capture_seeds(const std::string& relative,
                                              gateways::capture::CaptureFormat format,
                                              std::size_t per_seed, std::size_t max_seeds,
                                              std::string_view prefix = {},
                                              std::size_t max_frame = 16384) {
  std::vector<std::string> out;
  const std::filesystem::path path = data_root() / relative;
  std::string error;
  auto reader = gateways::capture::CaptureReader::open(path.string(), format, &error);
  if (!reader) return out;
  gateways::capture::CaptureRecord rec;
  std::string seed;
  std::size_t in_seed = 0;
  while (out.size() < max_seeds && reader->next(&rec)) {
    if (rec.kind != gateways::capture::RecordKind::kRecv || rec.payload.size() > max_frame)
      continue;
    if (in_seed != 0) seed += '\n';
    seed += prefix;
    seed += rec.payload;
    if (++in_seed == per_seed) {
      out.push_back(std::move(seed));
      seed.clear();
      in_seed = 0;
    }
  }
  if (in_seed != 0 && out.size() < max_seeds) out.push_back(std::move(seed));
  return out;
}

}  // namespace peregrine::fuzz
