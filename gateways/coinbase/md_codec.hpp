// Coinbase market-data codec: one WS frame -> MdEvents, with the per-connection sequence check.
// MdParser: ONE thread (Coinbase md gateway); build_subscribe: any; rebuild_books: tools/tests.
#pragma once

#include <simdjson.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/l2_book.hpp"
#include "common/result.hpp"
#include "gateways/coinbase/codec_error.hpp"

namespace peregrine::gateways::capture {
class CaptureReader;
}

namespace peregrine::gateways::coinbase {

inline constexpr std::string_view kMarketDataWsUrl = "wss://advanced-trade-ws.coinbase.com";
inline constexpr std::string_view kUserWsUrl = "wss://advanced-trade-ws-user.coinbase.com";

enum class MdFrameKind : std::uint8_t {
  kL2Data,         // events(): BookResets (after a gap) then BookDeltas
  kMarketTrades,   // events(): BookResets (after a gap) then Trades (live updates only)
  kHeartbeats,     // heartbeat()
  kSubscriptions,  // subscriptions()
  kIgnored,        // ticker, ticker_batch, candles, status: sequence-checked, otherwise counted
  kVenueError,     // {"type":"error","message":...}: venue_error()
};

// Last `heartbeats` message. The counter should rise by one a second.
struct Heartbeat {
  std::uint64_t counter = 0;
  common::Nanos current_time =
      0;  // venue clock ("2026-08-09 21:05:48.85 +0000 UTC ..."), 0 if unparsable
  common::Nanos ts_venue = 0;  // envelope timestamp
  common::Nanos ts_recv = 0;
};

// One (channel, product) pair of a `subscriptions` message; views valid until the next parse.
struct SubscriptionEntry {
  std::string_view channel;
  std::string_view product;
};

// One product this connection has seen in l2_data, and whether its book waits for a snapshot.
struct BookState {
  common::Symbol product;
  common::InstrumentId instrument;
  bool awaiting_snapshot = true;
};

// Written only by the owning thread (single writer, relaxed stores), readable from any thread.
struct alignas(64) MdCounters {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> l2_frames{0};
  std::atomic<std::uint64_t> trade_frames{0};
  std::atomic<std::uint64_t> heartbeat_frames{0};
  std::atomic<std::uint64_t> subscription_frames{0};
  std::atomic<std::uint64_t> ignored_frames{0};  // ticker, ticker_batch, candles, status
  std::atomic<std::uint64_t> venue_errors{0};
  std::atomic<std::uint64_t> snapshots{0};        // l2 snapshot runs emitted
  std::atomic<std::uint64_t> deltas{0};           // BookDeltas emitted
  std::atomic<std::uint64_t> trades{0};           // Trades emitted
  std::atomic<std::uint64_t> updates_dropped{0};  // l2 update runs for a book awaiting snapshot
  std::atomic<std::uint64_t> snapshot_trades_skipped{0};
  std::atomic<std::uint64_t> unknown_product{0};  // runs / trades for products not in the registry
  std::atomic<std::uint64_t> sequence_gaps{0};
  std::atomic<std::uint64_t> book_resets{0};
  std::atomic<std::uint64_t> heartbeat_gaps{0};  // heartbeat_counter jumps (informational)
  std::atomic<std::uint64_t> malformed{0};       // every parse that returned an error
  std::array<std::atomic<std::uint64_t>, kCodecErrorCount> by_error{};

  [[nodiscard]] std::uint64_t errors(CodecError e) const noexcept {
    return by_error[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
};

// Semantics of the normalized output:
// * sequence_num is one counter per WebSocket CONNECTION across all channels (the capture in
//   ../shared/data/coinbase runs 0..1029 over l2_data, ticker, market_trades, heartbeats, candles
//   and subscriptions). Every frame is checked; the first frame sets the baseline. Any other value
//   than last + 1 is a gap: events() starts with one BookReset(kSequenceGap) per book of this
//   connection, every book waits for a snapshot (l2 updates for it are dropped and counted), and
//   take_resync_request() turns true once: the caller resubscribes `level2` (Coinbase has no
//   REST patch for a gap). A frame that fails to parse does not advance the sequence, so the
//   next good frame reports the gap.
// * l2_data: new_quantity is the ABSOLUTE level size ("0" deletes). A snapshot run REPLACES the
//   book: first delta kSnapshotBegin, last kSnapshotEnd; an empty snapshot is one zero marker
//   delta. The last delta of each product's run in a message carries kEndOfBatch. side "bid" ->
//   kBid, "offer" (or "ask") -> kAsk. ts_venue = envelope timestamp (per-level event_time is not
//   monotonic and is skipped), venue_seq = sequence_num.
// * market_trades: side is the MAKER's side (a trade at the ask is "SELL"; checked against the
//   rebuilt book on the capture: 71 of 71 at-touch trades), so aggressor = the opposite. The
//   subscription's snapshot (recent history) is skipped and counted; ts_venue = trade time.
// * A frame either fully succeeds or yields no output.
class MdParser {
 public:
  static constexpr std::size_t kDefaultMaxEvents = 1u << 17;  // levels in one snapshot message
  static constexpr std::size_t kMaxProducts = 64;
  static constexpr std::size_t kMaxRuns = 64;  // product runs in one l2_data message
  static constexpr std::size_t kMaxSubscriptions = 256;
  static constexpr std::size_t kInitialCapacity = 1u << 20;  // simdjson document capacity
  static constexpr std::size_t kMaxFrameBytes = 64u << 20;   // parse_unpadded() limit

  // `registry` must outlive the parser and not change while it is in use. `max_events` bounds
  // the levels of one snapshot message (BTC-USD sent 46,000 in the capture).
  explicit MdParser(const common::InstrumentRegistry& registry,
                    std::size_t max_events = kDefaultMaxEvents);
  MdParser(const MdParser&) = delete;
  MdParser& operator=(const MdParser&) = delete;
  ~MdParser();

  // Zero-copy entry point: capacity - size must be >= simdjson::SIMDJSON_PADDING (64).
  [[nodiscard]] common::Result<MdFrameKind, CodecError> parse(simdjson::padded_string_view frame,
                                                              common::Nanos ts_recv) noexcept;
  [[nodiscard]] common::Result<MdFrameKind, CodecError> parse(const char* data, std::size_t len,
                                                              std::size_t capacity,
                                                              common::Nanos ts_recv) noexcept {
    return parse(simdjson::padded_string_view(data, len, capacity), ts_recv);
  }
  // Copies into an internal padded buffer first (replay, tests).
  [[nodiscard]] common::Result<MdFrameKind, CodecError> parse_unpadded(
      std::string_view frame, common::Nanos ts_recv) noexcept;

  // New connection: forget the sequence; every book waits for its snapshot. No events.
  void reset_connection() noexcept;

  // Outputs of the last parse; valid until the next parse call.
  [[nodiscard]] std::span<const common::MdEvent> events() const noexcept {
    return {events_.get() + out_begin_, out_end_ - out_begin_};
  }
  [[nodiscard]] const Heartbeat& heartbeat() const noexcept { return heartbeat_; }
  [[nodiscard]] std::span<const SubscriptionEntry> subscriptions() const noexcept {
    return {subscriptions_.data(), subscription_count_};
  }
  [[nodiscard]] std::string_view venue_error() const noexcept { return venue_error_; }
  [[nodiscard]] bool gap_detected() const noexcept { return gap_; }
  [[nodiscard]] bool has_sequence() const noexcept { return has_seq_; }
  [[nodiscard]] std::uint64_t last_sequence() const noexcept { return next_seq_ - 1; }
  // True once after each gap: resubscribe level2 for this connection's products (books()).
  [[nodiscard]] bool take_resync_request() noexcept {
    const bool r = resync_request_;
    resync_request_ = false;
    return r;
  }
  [[nodiscard]] std::span<const BookState> books() const noexcept {
    return {books_.data(), book_count_};
  }
  [[nodiscard]] const MdCounters& counters() const noexcept { return counters_; }

 private:
  struct Run {
    std::size_t begin = 0;
    std::size_t count = 0;
    std::size_t book = 0;  // index into books_
    bool snapshot = false;
  };
  common::Result<MdFrameKind, CodecError> fail(CodecError e) noexcept;
  CodecError dispatch(simdjson::padded_string_view frame, common::Nanos ts_recv,
                      MdFrameKind& kind) noexcept;
  CodecError parse_l2(simdjson::ondemand::array& events) noexcept;
  CodecError parse_l2_event(simdjson::ondemand::object& event) noexcept;
  CodecError parse_trades(simdjson::ondemand::array& events, common::Nanos ts_recv) noexcept;
  CodecError parse_heartbeats(simdjson::ondemand::array& events) noexcept;
  CodecError parse_subscriptions(simdjson::ondemand::array& events) noexcept;
  // Applies the sequence rule and the per-book snapshot state to the staged runs.
  void commit_l2(common::Nanos ts_venue, common::Nanos ts_recv) noexcept;
  void on_sequence(std::uint64_t seq, common::Nanos ts_venue, common::Nanos ts_recv) noexcept;
  std::size_t book_index(std::string_view product) noexcept;  // kMaxProducts when unknown/full
  common::InstrumentId instrument_of(std::string_view product) noexcept;

  const common::InstrumentRegistry& registry_;
  simdjson::ondemand::parser parser_;
  std::size_t max_events_;
  std::unique_ptr<common::MdEvent[]> events_;  // [0, kMaxProducts) reserved for BookResets
  std::size_t out_begin_ = 0;
  std::size_t out_end_ = 0;
  std::size_t staged_ = 0;  // staged events live at [kMaxProducts, kMaxProducts + staged_)
  std::array<Run, kMaxRuns> runs_{};
  std::size_t run_count_ = 0;
  std::array<BookState, kMaxProducts> books_{};
  std::size_t book_count_ = 0;
  std::size_t last_book_ = kMaxProducts;
  Heartbeat heartbeat_;
  bool has_heartbeat_ = false;
  std::array<SubscriptionEntry, kMaxSubscriptions> subscriptions_{};
  std::size_t subscription_count_ = 0;
  std::string_view venue_error_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t frame_seq_ = 0;
  bool has_seq_ = false;
  bool gap_ = false;
  bool resync_request_ = false;
  std::unique_ptr<char[]> copy_buf_;
  std::size_t copy_cap_ = 0;
  MdCounters counters_;
};

// {"type":"subscribe"|"unsubscribe","product_ids":[...],"channel":"level2","jwt":"..."} (one
// channel per message, as the official SDK sends it; jwt omitted when empty). Returns the length,
// 0 when it does not fit or a product/channel is not a plain token. Any thread; no allocation.
[[nodiscard]] std::size_t build_subscribe(bool subscribe, std::string_view channel,
                                          std::span<const std::string_view> product_ids,
                                          std::string_view jwt, char* out,
                                          std::size_t cap) noexcept;

// ---- Capture replay (pgtool book --venue coinbase, tests) ------------------------------------

struct BookTop {
  std::string product;
  common::InstrumentId instrument;
  bool valid = false;  // L2Book::is_valid() at the end of the capture
  std::size_t bid_depth = 0;
  std::size_t ask_depth = 0;
  std::vector<common::Level> bids;  // best first, at most RebuildOptions::top_levels
  std::vector<common::Level> asks;
};

struct BookRebuildSummary {
  std::uint64_t records = 0;       // capture lines read (header, http, send, recv)
  std::uint64_t messages = 0;      // WebSocket messages fed to the parser
  std::uint64_t l2_messages = 0;   // l2_data messages parsed
  std::uint64_t depth_events = 0;  // BookDeltas applied to books
  std::uint64_t snapshots = 0;     // snapshots that left a valid book
  std::uint64_t trades = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t gaps = 0;         // sequence_num discontinuities
  std::uint64_t book_resets = 0;  // BookResets applied
  std::uint64_t resyncs = 0;      // resubscribe requests the parser raised (one per gap)
  std::uint64_t crossed = 0;      // crossed books: kCrossed / kSnapshotCrossed apply results
  std::uint64_t malformed = 0;    // messages the parser rejected
  std::uint64_t dropped = 0;      // messages removed on purpose (RebuildOptions::drop_messages)
  std::uint64_t first_sequence = 0;
  std::uint64_t last_sequence = 0;
  std::string error;           // capture read error; empty when the whole file was read
  std::vector<BookTop> books;  // sorted by product
};

struct RebuildOptions {
  std::size_t top_levels = 5;
  // Instruments for product ids. nullptr: built from the capture's GET .../products response
  // (tick = price_increment, lot = base_increment), plus `products` with 1e-8 ticks.
  const common::InstrumentRegistry* registry = nullptr;
  std::vector<std::string> products;
  // Zero-based indexes of WebSocket messages to drop before parsing (gap tests).
  std::vector<std::uint64_t> drop_messages;
  std::size_t book_capacity = 1u << 16;  // levels per side (BTC-USD had 27,236 offers)
};

// Replays the recv records of a cryptofeed capture of wss://advanced-trade-ws.coinbase.com
// through MdParser into one L2Book per product. Off the hot path; allocates.
[[nodiscard]] BookRebuildSummary rebuild_books(capture::CaptureReader& reader,
                                               const RebuildOptions& options = {});

}  // namespace peregrine::gateways::coinbase
