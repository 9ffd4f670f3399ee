// Binance market data: WS frames (diff depth, trade, aggTrade, bookTicker, subscription
// responses, errors, other events) and REST /depth snapshot bodies, through one MdParser and a
// BookSync per symbol into L2Books, as the md gateway wires them. Each '\n'-separated frame
// starts with a tag: w = WS frame, s = REST snapshot for BTCUSDT, t = REST snapshot for ETHUSDT
// (any other byte: byte % 3). BTCUSDT syncs as USD-M futures (pu chain), ETHUSDT as spot.
#include <string>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "gateways/binance/book_sync.hpp"
#include "gateways/binance/md_codec.hpp"

namespace peregrine::fuzz {
namespace {

namespace bn = gateways::binance;
constexpr auto kVenue = common::VenueId::kBinance;

// Forwards BookSync output to the L2Books, checking each run on the way.
class Sink final : public bn::BookSink {
 public:
  explicit Sink(BookChecker& books) : books_(books) {}
  void on_deltas(std::span<const common::BookDelta> deltas) noexcept override {
    FUZZ_CHECK(!deltas.empty());
    const std::uint32_t id = deltas.front().instrument.value;
    for (const common::BookDelta& d : deltas) {
      FUZZ_CHECK(d.instrument.value == id);
      books_.delta(d);
    }
  }
  void on_reset(const common::BookReset& reset) noexcept override { books_.reset(reset); }

 private:
  BookChecker& books_;
};

void check_deltas(std::span<const common::BookDelta> deltas, common::InstrumentId id) {
  FUZZ_CHECK(deltas.size() <= bn::MdParser::kMaxDeltas);
  for (const common::BookDelta& d : deltas) {
    FUZZ_CHECK(d.instrument == id);
    FUZZ_CHECK(d.side == common::BookSide::kBid || d.side == common::BookSide::kAsk);
    FUZZ_CHECK(!d.qty.is_negative());
  }
}

}  // namespace

PEREGRINE_FUZZ_TARGET(binance_md) {
  bn::SymbolTable symbols;
  static_cast<void>(symbols.add("BTCUSDT", common::InstrumentId{0}));
  static_cast<void>(symbols.add("ETHUSDT", common::InstrumentId{1}));
  bn::MdParser parser(symbols);
  bn::BookSync syncs[2] = {bn::BookSync(bn::Market::kUsdm, common::InstrumentId{0}, 64, 4096),
                           bn::BookSync(bn::Market::kSpot, common::InstrumentId{1}, 64, 4096)};
  BookChecker books(kVenue);
  Sink sink(books);
  Monotonic mono;
  std::uint64_t calls = 0;
  for (std::string_view frame : split_frames(data, size)) {
    const auto ts = static_cast<common::Nanos>(++calls);
    const std::size_t entry = pick_entry(frame, "wst");
    const std::uint64_t malformed = parser.counters().malformed.load();
    const auto r =
        entry == 0 ? parser.parse_unpadded(frame, ts)
                   : parser.parse_snapshot_unpadded(
                         frame, common::InstrumentId{static_cast<std::uint32_t>(entry - 1)}, ts);
    FUZZ_CHECK(parser.counters().frames.load() == calls);
    if (!r) {
      FUZZ_CHECK(parser.counters().malformed.load() == malformed + 1);
      FUZZ_CHECK(parser.depth().deltas.empty() && parser.snapshot().deltas.empty());
      FUZZ_CHECK(!bn::to_string(r.error()).empty());
    } else {
      FUZZ_CHECK(parser.counters().malformed.load() == malformed);
      switch (*r) {
        case bn::MdFrameKind::kDepth: {
          const bn::DepthUpdate& d = parser.depth();
          if (!d.instrument.valid()) break;  // unknown symbol: counted, dropped
          FUZZ_CHECK(d.instrument.value < 2);
          FUZZ_CHECK(d.first_id <= d.last_id);
          check_deltas(d.deltas, d.instrument);
          bn::BookSync& sync = syncs[d.instrument.value];
          static_cast<void>(sync.on_depth(d, sink));
          FUZZ_CHECK(sync.buffered_events() <= 64);
          break;
        }
        case bn::MdFrameKind::kSnapshot: {
          const bn::DepthSnapshot& s = parser.snapshot();
          if (!s.instrument.valid() || s.instrument.value >= 2) break;
          check_deltas(s.deltas, s.instrument);
          bn::BookSync& sync = syncs[s.instrument.value];
          if (sync.state() != bn::SyncState::kAwaitingSnapshot) break;  // the gateway's rule
          if (sync.wants_snapshot()) sync.mark_snapshot_requested();
          if (sync.on_snapshot(s, sink) == bn::SnapshotOutcome::kApplied) {
            FUZZ_CHECK(sync.state() != bn::SyncState::kAwaitingSnapshot);
          }
          break;
        }
        case bn::MdFrameKind::kTrade:
          if (parser.trade().instrument.valid()) check_trade(parser.trade(), kVenue);
          break;
        case bn::MdFrameKind::kBookTicker: {
          const bn::BookTicker& t = parser.book_ticker();
          FUZZ_CHECK(!t.bid_qty.is_negative() && !t.ask_qty.is_negative());
          break;
        }
        default:
          break;
      }
    }
    books.end_of_frame();
    const bn::MdCounters& c = parser.counters();
    std::size_t i = 0;
    for (const auto* v :
         {&c.frames, &c.depth_frames, &c.snapshot_frames, &c.trade_frames, &c.book_ticker_frames,
          &c.control_frames, &c.venue_errors, &c.other_frames, &c.unknown_symbol, &c.malformed}) {
      mono.check(i++, v->load());
    }
    for (const bn::BookSync& s : syncs) {
      mono.check(i++, s.gaps());
      mono.check(i++, s.snapshots());
      mono.check(i++, s.applied());
      mono.check(i++, s.resets());
    }
  }
}

PEREGRINE_FUZZ_SEEDS(binance_md) {
  auto seeds = capture_seeds("binance/usdm/btcusdt_20240808.gz",
                             gateways::capture::CaptureFormat::kHftbacktest, 4, 64, "w");
  auto spot = capture_seeds("binance/spot/ethusdt_20240808.gz",
                            gateways::capture::CaptureFormat::kHftbacktest, 4, 32, "w");
  seeds.insert(seeds.end(), spot.begin(), spot.end());
  return seeds;
}

}  // namespace peregrine::fuzz
