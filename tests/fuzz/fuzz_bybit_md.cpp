// Bybit v5 public market data (orderbook.N.SYMBOL snapshot/delta, publicTrade, op acks, pong,
// other topics): every '\n'-separated frame through one MdParser (its per-topic sequence state
// included) and the book events into L2Books, as the md gateway does. Inputs of odd length also
// turn on auto-binding of unknown symbols (the replay path).
#include <string>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "gateways/bybit/md_codec.hpp"

namespace peregrine::fuzz {
namespace {

namespace bb = gateways::bybit;
namespace bf = common::book_flags;
constexpr auto kVenue = common::VenueId::kBybit;

void check_book(const bb::MdParser& p) {
  const auto ev = p.events();
  switch (p.book().outcome) {
    case bb::BookOutcome::kSnapshot:
      FUZZ_CHECK(!ev.empty());
      FUZZ_CHECK((ev.front().delta.flags & bf::kSnapshotBegin) != 0);
      FUZZ_CHECK((ev.back().delta.flags & (bf::kSnapshotEnd | bf::kEndOfBatch)) ==
                 (bf::kSnapshotEnd | bf::kEndOfBatch));
      break;
    case bb::BookOutcome::kDelta:
      if (!ev.empty()) FUZZ_CHECK((ev.back().delta.flags & bf::kEndOfBatch) != 0);
      for (const common::MdEvent& e : ev) FUZZ_CHECK(e.kind == common::MdKind::kBookDelta);
      break;
    case bb::BookOutcome::kGap:
      FUZZ_CHECK(ev.size() == 1 && ev.front().kind == common::MdKind::kBookReset);
      FUZZ_CHECK(ev.front().reset.reason == common::ResetReason::kSequenceGap);
      break;
    default:
      FUZZ_CHECK(ev.empty());
      break;
  }
}

}  // namespace

PEREGRINE_FUZZ_TARGET(bybit_md) {
  bb::SymbolTable symbols;
  static_cast<void>(symbols.bind("BTCUSDT", common::InstrumentId{0}));
  static_cast<void>(symbols.bind("ETHUSDT", common::InstrumentId{1}));
  bb::MdParser parser(symbols);
  if (size % 2 == 1) parser.enable_auto_bind(2);
  BookChecker books(kVenue);
  Monotonic mono;
  std::string padded;
  std::uint64_t calls = 0;
  for (const std::string_view frame : split_frames(data, size)) {
    const auto ts = static_cast<common::Nanos>(calls);
    const std::uint64_t malformed = parser.counters().malformed.load();
    const auto r = [&] {
      if (calls % 2 == 0) return parser.parse_unpadded(frame, ts);
      padded.assign(frame);
      padded.append(simdjson::SIMDJSON_PADDING, '\0');
      return parser.parse(padded.data(), frame.size(), padded.size(), ts);
    }();
    ++calls;
    FUZZ_CHECK(parser.counters().frames.load() == calls);
    if (!r) {
      FUZZ_CHECK(parser.events().empty());
      FUZZ_CHECK(parser.counters().malformed.load() == malformed + 1);
      FUZZ_CHECK(!bb::to_string(r.error()).empty());
    } else {
      FUZZ_CHECK(parser.counters().malformed.load() == malformed);
      FUZZ_CHECK(parser.events().size() <= bb::MdParser::kMaxEvents);
      if (*r == bb::MdFrameKind::kBook) check_book(parser);
      for (const common::MdEvent& e : parser.events()) {
        if (e.kind == common::MdKind::kTrade) {
          FUZZ_CHECK(*r == bb::MdFrameKind::kTrades);
          check_trade(e.trade, kVenue);
        } else {
          FUZZ_CHECK(*r == bb::MdFrameKind::kBook);
          books.event(e);
        }
      }
      if (*r != bb::MdFrameKind::kBook && *r != bb::MdFrameKind::kTrades) {
        FUZZ_CHECK(parser.events().empty());
      }
    }
    books.end_of_frame();
    const bb::MdCounters& c = parser.counters();
    std::size_t i = 0;
    for (const auto* v :
         {&c.frames, &c.book_frames, &c.snapshots, &c.restarts, &c.deltas, &c.gaps,
          &c.dropped_unsynced, &c.depth_mismatch, &c.trade_frames, &c.trades, &c.control_frames,
          &c.other_frames, &c.venue_errors, &c.unknown_symbol, &c.malformed}) {
      mono.check(i++, v->load());
    }
  }
}

PEREGRINE_FUZZ_SEEDS(bybit_md) {
  return capture_seeds("bybit/BYBIT.jsonl.zst", gateways::capture::CaptureFormat::kCryptofeed, 4,
                       96);
}

}  // namespace peregrine::fuzz
