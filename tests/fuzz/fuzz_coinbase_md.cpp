// Coinbase Advanced Trade market data (l2_data snapshot/update, market_trades, heartbeats,
// subscriptions, ticker and other ignored channels, error): every '\n'-separated frame through
// one MdParser (the per-connection sequence_num check included) and the book events into
// L2Books, as the md gateway does. A frame that is exactly "!" is a reconnect
// (reset_connection()).
#include <string>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "gateways/coinbase/md_codec.hpp"

namespace peregrine::fuzz {
namespace {

namespace cb = gateways::coinbase;
constexpr auto kVenue = common::VenueId::kCoinbase;

const common::InstrumentRegistry& registry() {
  static const common::InstrumentRegistry reg = [] {
    common::InstrumentRegistry r;
    for (const char* p : {"BTC-USD", "ETH-USD"}) {
      common::Instrument i;
      i.venue = kVenue;
      static_cast<void>(i.symbol.assign(p));
      static_cast<void>(i.asset.assign(std::string_view(p).substr(0, 3)));
      i.tick = common::Price::from_raw(1);
      i.lot = common::Qty::from_raw(1);
      static_cast<void>(r.add(i));
    }
    return r;
  }();
  return reg;
}

}  // namespace

PEREGRINE_FUZZ_TARGET(coinbase_md) {
  cb::MdParser parser(registry(), 8192);
  BookChecker books(kVenue);
  Monotonic mono;
  std::string padded;
  std::uint64_t calls = 0;
  for (const std::string_view frame : split_frames(data, size)) {
    if (frame == "!") {
      parser.reset_connection();
      FUZZ_CHECK(!parser.has_sequence());
      continue;
    }
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
    } else {
      FUZZ_CHECK(parser.counters().malformed.load() == malformed);
      FUZZ_CHECK(parser.books().size() <= cb::MdParser::kMaxProducts);
      bool data_seen = false;
      for (const common::MdEvent& e : parser.events()) {
        switch (e.kind) {
          case common::MdKind::kBookReset:
            FUZZ_CHECK(!data_seen);  // resets of a gap come first
            FUZZ_CHECK(parser.gap_detected());
            books.reset(e.reset);
            break;
          case common::MdKind::kBookDelta:
            data_seen = true;
            FUZZ_CHECK(*r == cb::MdFrameKind::kL2Data);
            FUZZ_CHECK(e.delta.instrument.valid());
            books.delta(e.delta);
            break;
          case common::MdKind::kTrade:
            data_seen = true;
            FUZZ_CHECK(*r == cb::MdFrameKind::kMarketTrades);
            check_trade(e.trade, kVenue);
            break;
          case common::MdKind::kVenueStatus:
            FUZZ_CHECK(false);  // the codec never emits VenueStatus
            break;
        }
      }
      if (*r == cb::MdFrameKind::kL2Data && !parser.events().empty() &&
          parser.events().back().kind == common::MdKind::kBookDelta) {
        FUZZ_CHECK((parser.events().back().delta.flags & common::book_flags::kEndOfBatch) != 0);
      }
    }
    static_cast<void>(parser.take_resync_request());
    FUZZ_CHECK(!parser.take_resync_request());  // true at most once per gap
    books.end_of_frame();
    const cb::MdCounters& c = parser.counters();
    std::size_t i = 0;
    for (const auto* v :
         {&c.frames, &c.l2_frames, &c.trade_frames, &c.heartbeat_frames, &c.subscription_frames,
          &c.ignored_frames, &c.venue_errors, &c.snapshots, &c.deltas, &c.trades,
          &c.updates_dropped, &c.snapshot_trades_skipped, &c.unknown_product, &c.sequence_gaps,
          &c.book_resets, &c.heartbeat_gaps, &c.malformed}) {
      mono.check(i++, v->load());
    }
  }
}

PEREGRINE_FUZZ_SEEDS(coinbase_md) {
  return capture_seeds("coinbase/COINBASE.jsonl.zst", gateways::capture::CaptureFormat::kCryptofeed,
                       4, 96);
}

}  // namespace peregrine::fuzz
