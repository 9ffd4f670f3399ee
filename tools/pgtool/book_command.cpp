// pgtool book: rebuild order books from recorded captures (files in order) through the real venue
// codecs and print ONE JSON summary. One function per venue below; a venue whose rebuild is not
// wired yet fails with "not implemented yet for <venue>" (exit 2).
// Exit status: 0 clean, 1 a checkpoint mismatch or a crossed valid book, 2 usage/read errors.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateways/binance/book_replay.hpp"
#include "gateways/bybit/book_rebuild.hpp"
#include "gateways/capture/capture_reader.hpp"
#include "gateways/coinbase/md_codec.hpp"
#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace peregrine::tools {
namespace {

namespace bn = gateways::binance;
namespace cap = gateways::capture;

struct BookOptions {
  std::string venue;
  std::vector<std::string> inputs;
  cap::CaptureFormat format = cap::CaptureFormat::kHftbacktest;
  std::string format_name = "hftbacktest";
};

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string levels_json(const common::L2Book& book, common::BookSide side, std::size_t n) {
  std::string out = "[";
  book.for_each_level(
      side,
      [&](const common::Level& l) {
        if (out.size() > 1) out += ",";
        out += "[\"" + l.price.to_string() + "\",\"" + l.qty.to_string() + "\"]";
      },
      n);
  return out + "]";
}

int book_binance(const BookOptions& o, bn::Market market) {
  bn::BookReplay replay(market);
  for (const std::string& f : o.inputs) {
    std::string error;
    if (!replay.replay_file(f, o.format, &error)) throw UsageError{"--input " + f + ": " + error};
  }
  const bn::ReplayStats& s = replay.stats();
  const common::L2Book& book = replay.book();
  std::string files = "[";
  for (const std::string& f : o.inputs) files += (files.size() > 1 ? "," : "") + json_string(f);
  files += "]";
  std::string out = "{";
  auto field = [&out](std::string_view k, const std::string& v) {
    if (out.size() > 1) out += ",";
    out += json_string(k) + ":" + v;
  };
  auto num = [&field](std::string_view k, std::uint64_t v) { field(k, std::to_string(v)); };
  field("venue", json_string(o.venue));
  field("format", json_string(o.format_name));
  field("files", files);
  num("messages", s.messages);
  num("depth_events", s.depth_events);
  num("applied_depth_events", s.applied);
  num("snapshots", s.snapshots);
  num("trades", s.trades);
  num("book_tickers", s.book_tickers);
  num("other", s.other);
  num("malformed", s.malformed);
  num("gaps", s.gaps);
  num("resyncs", s.resyncs);
  num("stale_events", s.stale_events);
  num("stale_snapshots", s.stale_snapshots);
  num("crossed_books", s.crossed);
  num("checkpoints", s.checkpoints);
  num("mismatches", s.mismatches);
  num("late_checkpoints", s.late_checkpoints);
  num("late_mismatches", s.late_mismatches);
  if (!s.first_mismatch.empty()) field("first_mismatch", json_string(s.first_mismatch));
  field("sync_state", json_string(bn::to_string(replay.sync().state())));
  field("valid", book.is_valid() ? "true" : "false");
  num("last_update_id", replay.sync().last_update_id());
  num("bid_levels", book.depth(common::BookSide::kBid));
  num("ask_levels", book.depth(common::BookSide::kAsk));
  field("top", "{\"bids\":" + levels_json(book, common::BookSide::kBid, 5) +
                   ",\"asks\":" + levels_json(book, common::BookSide::kAsk, 5) + "}");
  out += "}";
  std::printf("%s\n", out.c_str());
  const bool crossed_valid = s.crossed != 0 || (book.is_valid() && book.is_crossed());
  return (s.mismatches != 0 || s.late_mismatches != 0 || crossed_valid) ? 1 : 0;
}

int book_binance_usdm(const BookOptions& o) { return book_binance(o, bn::Market::kUsdm); }
int book_binance_spot(const BookOptions& o) { return book_binance(o, bn::Market::kSpot); }
int book_binance_coinm(const BookOptions& o) { return book_binance(o, bn::Market::kCoinm); }

// Dispatch points for the other venues: each owner wires its codec's rebuild here (bybit and
// coinbase expose rebuild_books(CaptureReader&, ...) in their md code) and prints the same JSON
// fields.
[[noreturn]] int not_implemented(const BookOptions& o) {
  throw UsageError{"book: not implemented yet for " + o.venue};
}
std::string levels_json(const std::vector<common::Level>& levels) {
  std::string out = "[";
  for (const auto& l : levels) {
    if (out.size() > 1) out += ",";
    out += "[\"" + l.price.to_string() + "\",\"" + l.qty.to_string() + "\"]";
  }
  return out + "]";
}

// Small JSON object builder shared by the cryptofeed-format venues below.
class JsonObject {
 public:
  void field(std::string_view k, const std::string& v) {
    if (out_.size() > 1) out_ += ",";
    out_ += json_string(k) + ":" + v;
  }
  void num(std::string_view k, std::uint64_t v) { field(k, std::to_string(v)); }
  std::string str() const { return out_ + "}"; }

 private:
  std::string out_ = "{";
};

std::unique_ptr<cap::CaptureReader> open_capture(const std::string& f, const BookOptions& o) {
  std::string error;
  auto reader = cap::CaptureReader::open(f, o.format, &error);
  if (!reader) throw UsageError{"--input " + f + ": " + error};
  return reader;
}

// Bybit: each file is one capture (its connections are rebuilt separately).
int book_bybit(const BookOptions& o) {
  std::string books = "[";
  std::uint64_t bad = 0;
  JsonObject totals;
  totals.field("venue", json_string(o.venue));
  totals.field("format", json_string(o.format_name));
  std::uint64_t messages = 0, depth = 0, gaps = 0, resyncs = 0, crossed = 0, checkpoints = 0,
                mismatches = 0, malformed = 0;
  for (const std::string& f : o.inputs) {
    auto reader = open_capture(f, o);
    const gateways::bybit::BookRebuildSummary s = gateways::bybit::rebuild_books(*reader);
    if (!s.error.empty()) throw UsageError{"--input " + f + ": " + s.error};
    messages += s.messages;
    depth += s.depth_events;
    gaps += s.gaps;
    resyncs += s.resyncs;
    crossed += s.crossed;
    checkpoints += s.checkpoints;
    mismatches += s.mismatches;
    malformed += s.malformed;
    for (const auto& b : s.books) {
      JsonObject j;
      j.field("conn", json_string(b.conn));
      j.field("topic", json_string(b.topic));
      j.num("snapshots", b.snapshots);
      j.num("deltas", b.deltas);
      j.num("gaps", b.gaps);
      j.num("crossed", b.crossed);
      j.field("valid", b.valid ? "true" : "false");
      j.field("top", "{\"bids\":" + levels_json(b.bids) + ",\"asks\":" + levels_json(b.asks) + "}");
      books += (books.size() > 1 ? "," : "") + j.str();
      if (b.valid && !b.bids.empty() && !b.asks.empty() &&
          b.bids.front().price >= b.asks.front().price) {
        ++bad;
      }
    }
  }
  totals.num("messages", messages);
  totals.num("depth_events", depth);
  totals.num("gaps", gaps);
  totals.num("resyncs", resyncs);
  totals.num("crossed_books", crossed);
  totals.num("checkpoints", checkpoints);
  totals.num("mismatches", mismatches);
  totals.num("malformed", malformed);
  totals.field("books", books + "]");
  std::printf("%s\n", totals.str().c_str());
  return (mismatches != 0 || crossed != 0 || bad != 0) ? 1 : 0;
}

// Coinbase: one capture file is one connection (sequence_num is per connection).
int book_coinbase(const BookOptions& o) {
  std::string books = "[";
  JsonObject totals;
  totals.field("venue", json_string(o.venue));
  totals.field("format", json_string(o.format_name));
  std::uint64_t messages = 0, depth = 0, gaps = 0, resyncs = 0, crossed = 0, malformed = 0, bad = 0;
  for (const std::string& f : o.inputs) {
    auto reader = open_capture(f, o);
    const gateways::coinbase::BookRebuildSummary s = gateways::coinbase::rebuild_books(*reader);
    if (!s.error.empty()) throw UsageError{"--input " + f + ": " + s.error};
    messages += s.messages;
    depth += s.depth_events;
    gaps += s.gaps;
    resyncs += s.resyncs;
    crossed += s.crossed;
    malformed += s.malformed;
    for (const auto& b : s.books) {
      JsonObject j;
      j.field("product", json_string(b.product));
      j.field("valid", b.valid ? "true" : "false");
      j.num("bid_levels", b.bid_depth);
      j.num("ask_levels", b.ask_depth);
      j.field("top", "{\"bids\":" + levels_json(b.bids) + ",\"asks\":" + levels_json(b.asks) + "}");
      books += (books.size() > 1 ? "," : "") + j.str();
      if (b.valid && !b.bids.empty() && !b.asks.empty() &&
          b.bids.front().price >= b.asks.front().price) {
        ++bad;
      }
    }
  }
  totals.num("messages", messages);
  totals.num("depth_events", depth);
  totals.num("gaps", gaps);
  totals.num("resyncs", resyncs);
  totals.num("crossed_books", crossed);
  totals.num("malformed", malformed);
  totals.field("books", books + "]");
  std::printf("%s\n", totals.str().c_str());
  return (crossed != 0 || bad != 0) ? 1 : 0;
}
int book_hyperliquid(const BookOptions& o) { not_implemented(o); }

struct VenueEntry {
  std::string_view name;
  int (*fn)(const BookOptions&);
};
constexpr VenueEntry kVenues[] = {
    {"binance-usdm", &book_binance_usdm},   {"binance-spot", &book_binance_spot},
    {"binance-coinm", &book_binance_coinm}, {"bybit", &book_bybit},
    {"coinbase", &book_coinbase},           {"hyperliquid", &book_hyperliquid},
};

BookOptions parse_options(const std::vector<std::string>& argv) {
  BookOptions o;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--venue" || a == "--format") {
      if (i + 1 >= argv.size()) throw UsageError{a + " needs a value"};
      const std::string& v = argv[++i];
      if (a == "--venue") {
        o.venue = v;
      } else {
        if (!cap::parse_capture_format(v, &o.format)) {
          throw UsageError{"--format: expected hftbacktest or cryptofeed, got '" + v + "'"};
        }
        o.format_name = v;
      }
    } else if (a == "--input") {
      const std::size_t before = o.inputs.size();
      while (i + 1 < argv.size() && !argv[i + 1].starts_with("--")) o.inputs.push_back(argv[++i]);
      if (o.inputs.size() == before) throw UsageError{"--input needs at least one file"};
    } else {
      throw UsageError{"unknown argument '" + a + "'"};
    }
  }
  if (o.venue.empty()) throw UsageError{"missing required --venue"};
  if (o.inputs.empty()) throw UsageError{"missing required --input"};
  return o;
}

int book(const std::vector<std::string>& argv) {
  const BookOptions o = parse_options(argv);
  for (const VenueEntry& v : kVenues) {
    if (v.name == o.venue) return v.fn(o);
  }
  std::string names;
  for (const VenueEntry& v : kVenues) names += (names.empty() ? "" : "|") + std::string(v.name);
  throw UsageError{"--venue: expected " + names + ", got '" + o.venue + "'"};
}

PGTOOL_COMMAND(
    "book", "",
    "  pgtool book --venue binance-usdm|binance-spot|binance-coinm|bybit|coinbase|hyperliquid\n"
    "              --input FILE... [--format hftbacktest|cryptofeed]\n"
    "      rebuilds the books of the captures (files in order) and prints one JSON summary:\n"
    "      messages, depth events, gaps, resyncs, crossed books, checkpoints (Binance: best\n"
    "      bid/ask price and qty at every bookTicker whose u is the last applied depth u),\n"
    "      mismatches and the final top 5 levels. Exit 1 on a mismatch or a crossed valid book.",
    &book);

}  // namespace
}  // namespace peregrine::tools
