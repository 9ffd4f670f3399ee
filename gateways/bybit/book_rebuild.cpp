#include "gateways/bybit/book_rebuild.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "gateways/bybit/md_codec.hpp"

namespace peregrine::gateways::bybit {
namespace {

struct BookState {
  RebuiltBook report;
  std::unique_ptr<common::L2Book> book;
  bool gap_pending = false;  // a gap was seen; the next snapshot is a resync
};

struct Connection {
  std::unique_ptr<MdParser> parser;
  std::map<std::uint32_t, std::size_t> book_of;  // instrument id -> index into books
};

std::vector<common::Level> levels_of(const common::L2Book& book, common::BookSide side) {
  std::vector<common::Level> out;
  out.reserve(book.depth(side));
  book.for_each_level(side, [&out](const common::Level& l) { out.push_back(l); });
  return out;
}

// True when the snapshot in `events` holds exactly the levels of `book`.
bool snapshot_matches(const common::L2Book& book, std::span<const common::MdEvent> events) {
  std::vector<common::Level> bids;
  std::vector<common::Level> asks;
  for (const common::MdEvent& e : events) {
    const common::BookDelta& d = e.delta;
    if (d.qty.is_zero()) continue;  // the empty-snapshot marker
    (d.side == common::BookSide::kBid ? bids : asks).push_back({d.price, d.qty});
  }
  std::sort(bids.begin(), bids.end(), [](auto& a, auto& b) { return a.price > b.price; });
  std::sort(asks.begin(), asks.end(), [](auto& a, auto& b) { return a.price < b.price; });
  return bids == levels_of(book, common::BookSide::kBid) &&
         asks == levels_of(book, common::BookSide::kAsk);
}

void apply_all(BookState& s, std::span<const common::MdEvent> events) {
  for (const common::MdEvent& e : events) {
    if (e.kind != common::MdKind::kBookDelta) continue;
    const common::BookApplyResult r = s.book->apply(e.delta);
    if (r == common::BookApplyResult::kCrossed || r == common::BookApplyResult::kSnapshotCrossed) {
      ++s.report.crossed;
    }
    ++s.report.depth_events;
  }
}

void on_book_frame(BookState& s, const MdParser& parser) {
  const BookFrame& f = parser.book();
  const auto events = parser.events();
  switch (f.outcome) {
    case BookOutcome::kSnapshot:
      if (s.report.snapshots == 0) s.report.first_u = f.u;
      if (s.book->is_valid()) {
        ++s.report.checkpoints;
        if (!snapshot_matches(*s.book, events)) ++s.report.mismatches;
      }
      if (s.gap_pending) {
        ++s.report.resyncs;
        s.gap_pending = false;
      }
      apply_all(s, events);
      ++s.report.snapshots;
      s.report.last_u = f.u;
      break;
    case BookOutcome::kDelta:
      apply_all(s, events);
      ++s.report.deltas;
      s.report.last_u = f.u;
      break;
    case BookOutcome::kGap:
      s.book->invalidate(common::ResetReason::kSequenceGap);
      ++s.report.gaps;
      s.gap_pending = true;
      break;
    case BookOutcome::kDropped:
      ++s.report.dropped;
      break;
    case BookOutcome::kUnknownSymbol:
    case BookOutcome::kDepthMismatch:
      break;
  }
}

void append_levels(std::string& out, const char* label, const std::vector<common::Level>& levels) {
  out += "    ";
  out += label;
  out += ':';
  for (std::size_t i = 0; i < levels.size(); ++i) {
    out += i == 0 ? " " : " | ";
    out += levels[i].price.to_string();
    out += " x ";
    out += levels[i].qty.to_string();
  }
  out += '\n';
}

}  // namespace

BookRebuildSummary rebuild_books(capture::CaptureReader& reader,
                                 const BookRebuildOptions& options) {
  BookRebuildSummary summary;
  std::map<std::string, Connection> connections;
  std::vector<BookState> books;
  capture::CaptureRecord rec;
  while (reader.next(&rec)) {
    ++summary.records;
    if (rec.kind != capture::RecordKind::kRecv) continue;
    if (!options.conn.empty() && rec.conn != options.conn) continue;
    Connection& conn = connections[std::string(rec.conn)];
    if (!conn.parser) {
      conn.parser = std::make_unique<MdParser>(SymbolTable{});
      conn.parser->enable_auto_bind(0);
    }
    ++summary.messages;
    const auto kind = conn.parser->parse_unpadded(rec.payload, rec.ts_ns);
    if (!kind) {
      ++summary.malformed;
      continue;
    }
    if (*kind == MdFrameKind::kTrades) {
      ++summary.trade_messages;
      summary.trades += conn.parser->events().size();
      continue;
    }
    if (*kind != MdFrameKind::kBook) {
      ++summary.other;
      continue;
    }
    ++summary.book_messages;
    const BookFrame& f = conn.parser->book();
    if (!f.instrument.valid() || (!options.symbol.empty() && f.symbol != options.symbol)) {
      ++summary.other;
      continue;
    }
    auto [it, inserted] = conn.book_of.try_emplace(f.instrument.value, books.size());
    if (inserted) {
      BookState s;
      s.report.conn = std::string(rec.conn);
      s.report.topic = std::string(f.topic);
      s.book = std::make_unique<common::L2Book>();
      books.push_back(std::move(s));
    }
    on_book_frame(books[it->second], *conn.parser);
  }
  summary.error = reader.error();

  for (BookState& s : books) {
    RebuiltBook& r = s.report;
    r.valid = s.book->is_valid();
    r.bid_depth = s.book->depth(common::BookSide::kBid);
    r.ask_depth = s.book->depth(common::BookSide::kAsk);
    for (std::size_t i = 0; i < options.top_levels && i < r.bid_depth; ++i) {
      r.bids.push_back(s.book->level(common::BookSide::kBid, i));
    }
    for (std::size_t i = 0; i < options.top_levels && i < r.ask_depth; ++i) {
      r.asks.push_back(s.book->level(common::BookSide::kAsk, i));
    }
    summary.depth_events += r.depth_events;
    summary.gaps += r.gaps;
    summary.resyncs += r.resyncs;
    summary.dropped += r.dropped;
    summary.crossed += r.crossed;
    summary.checkpoints += r.checkpoints;
    summary.mismatches += r.mismatches;
    summary.books.push_back(std::move(r));
  }
  return summary;
}

std::string format_summary(const BookRebuildSummary& s) {
  std::string out;
  out += "bybit: " + std::to_string(s.messages) + " messages (" + std::to_string(s.book_messages) +
         " orderbook, " + std::to_string(s.trade_messages) + " trade with " +
         std::to_string(s.trades) + " trades, " + std::to_string(s.other) + " other, " +
         std::to_string(s.malformed) + " malformed), " + std::to_string(s.depth_events) +
         " depth events, " + std::to_string(s.gaps) + " gaps, " + std::to_string(s.resyncs) +
         " resyncs, " + std::to_string(s.crossed) + " crossed, " + std::to_string(s.checkpoints) +
         " checkpoints (" + std::to_string(s.mismatches) + " mismatches)\n";
  if (!s.error.empty()) out += "capture error: " + s.error + "\n";
  for (const RebuiltBook& b : s.books) {
    out += "  " + (b.conn.empty() ? std::string() : b.conn + " ") + b.topic + ": " +
           std::to_string(b.snapshots) + " snapshot + " + std::to_string(b.deltas) + " deltas, u " +
           std::to_string(b.first_u) + ".." + std::to_string(b.last_u) + ", gaps " +
           std::to_string(b.gaps) + ", resyncs " + std::to_string(b.resyncs) + ", crossed " +
           std::to_string(b.crossed) + ", checkpoints " + std::to_string(b.checkpoints) + " (" +
           std::to_string(b.mismatches) + " mismatched), " + std::to_string(b.bid_depth) + "x" +
           std::to_string(b.ask_depth) + " levels, " + (b.valid ? "valid" : "INVALID") + "\n";
    append_levels(out, "bids", b.bids);
    append_levels(out, "asks", b.asks);
  }
  return out;
}

}  // namespace peregrine::gateways::bybit
