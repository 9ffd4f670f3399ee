// Hyperliquid market data (l2Book, trades, bbo, allMids, subscriptionResponse, pong, error,
// hello): every '\n'-separated frame of the input goes through one MdParser, as the md gateway
// feeds them, alternating the padded and the copying entry point; book snapshots are applied to
// an L2Book.
#include <string>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "gateways/hyperliquid/md_codec.hpp"

namespace peregrine::fuzz {
namespace {

namespace hl = gateways::hyperliquid;

const common::InstrumentRegistry& registry() {
  static const common::InstrumentRegistry reg = [] {
    common::InstrumentRegistry r;
    for (const char* coin : {"BTC", "ETH", "SOL"}) {
      common::Instrument i;
      i.venue = common::VenueId::kHyperliquid;
      static_cast<void>(i.symbol.assign(coin));
      static_cast<void>(i.asset.assign(coin));
      i.tick = common::Price::from_raw(1);
      i.lot = common::Qty::from_raw(1);
      static_cast<void>(r.add(i));
    }
    return r;
  }();
  return reg;
}

void check_frame(const hl::MdParser& p, hl::MdFrameKind kind, BookChecker& books) {
  FUZZ_CHECK(p.events().size() <= hl::MdParser::kMaxEvents);
  FUZZ_CHECK(p.mids().size() <= hl::MdParser::kMaxMids);
  for (const common::MdEvent& e : p.events()) {
    FUZZ_CHECK(kind == hl::MdFrameKind::kBook || kind == hl::MdFrameKind::kTrades);
    if (e.kind == common::MdKind::kBookDelta) {
      FUZZ_CHECK(kind == hl::MdFrameKind::kBook);
      FUZZ_CHECK(e.delta.instrument.valid());
      books.delta(e.delta);
    } else {
      FUZZ_CHECK(e.kind == common::MdKind::kTrade);
      FUZZ_CHECK(kind == hl::MdFrameKind::kTrades);
      check_trade(e.trade, common::VenueId::kHyperliquid);
    }
  }
  if (kind == hl::MdFrameKind::kBook && !p.events().empty()) {
    // One snapshot run: begins with kSnapshotBegin, ends with kSnapshotEnd | kEndOfBatch.
    namespace bf = common::book_flags;
    FUZZ_CHECK((p.events().front().delta.flags & bf::kSnapshotBegin) != 0);
    FUZZ_CHECK((p.events().back().delta.flags & (bf::kSnapshotEnd | bf::kEndOfBatch)) ==
               (bf::kSnapshotEnd | bf::kEndOfBatch));
  }
  if (kind == hl::MdFrameKind::kBbo) {
    const hl::Bbo& b = p.bbo();
    if (b.has_bid) FUZZ_CHECK(!b.bid_qty.is_negative());
    if (b.has_ask) FUZZ_CHECK(!b.ask_qty.is_negative());
  }
}

}  // namespace

PEREGRINE_FUZZ_TARGET(hl_md) {
  hl::MdParser parser(registry());
  BookChecker books(common::VenueId::kHyperliquid);
  Monotonic mono;
  std::string padded;
  std::uint64_t calls = 0;
  for (const std::string_view frame : split_frames(data, size)) {
    const std::uint64_t malformed = parser.counters().malformed.load();
    const auto ts = static_cast<common::Nanos>(calls);
    const auto r = [&] {
      if (calls % 2 == 0) return parser.parse_unpadded(frame, ts);
      padded.assign(frame);
      padded.append(simdjson::SIMDJSON_PADDING, '\0');
      return parser.parse(padded.data(), frame.size(), padded.size(), ts);
    }();
    ++calls;
    FUZZ_CHECK(parser.counters().frames.load() == calls);
    if (!r) {
      FUZZ_CHECK(r.error() != hl::CodecError::kOk);
      FUZZ_CHECK(parser.events().empty() && parser.mids().empty());
      FUZZ_CHECK(parser.counters().malformed.load() == malformed + 1);
      FUZZ_CHECK(parser.counters().errors(r.error()) > 0);
      FUZZ_CHECK(!hl::to_string(r.error()).empty());
    } else {
      FUZZ_CHECK(parser.counters().malformed.load() == malformed);
      check_frame(parser, *r, books);
    }
    books.end_of_frame();
    const hl::MdCounters& c = parser.counters();
    std::size_t i = 0;
    for (const auto* v : {&c.frames, &c.book_frames, &c.trade_frames, &c.bbo_frames, &c.mid_frames,
                          &c.control_frames, &c.venue_errors, &c.unknown_coin, &c.malformed}) {
      mono.check(i++, v->load());
    }
  }
}

PEREGRINE_FUZZ_SEEDS(hl_md) {
  return capture_seeds("hyperliquid/btcusd_20250126.gz",
                       gateways::capture::CaptureFormat::kHftbacktest, 3, 64);
}

}  // namespace peregrine::fuzz
