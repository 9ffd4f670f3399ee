// Bybit v5 public market-data codec: one WebSocket text frame -> normalized MdEvents (orderbook
// snapshot/delta with `u` sequence checks, publicTrade). Owned and called by ONE thread: the md
// gateway agent of one connection (linear and spot each have their own parser and books).
#pragma once

#include <simdjson.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/events.hpp"
#include "common/result.hpp"
#include "gateways/bybit/book_sync.hpp"
#include "gateways/bybit/symbols.hpp"

namespace peregrine::gateways::bybit {

// Why it is fast: simdjson On-Demand walks the frame once with key dispatch (Bybit's key order
// differs between depths and categories), decimals go straight from the input bytes to int64
// (common::Price::parse), the topic's symbol is found in a small cached table, and every output
// lands in buffers sized at construction: a frame allocates nothing after warm-up.

enum class MdFrameKind : std::uint8_t {
  kBook,          // orderbook.*: book() says what happened; events() holds the BookDeltas or
                  // one BookReset (empty when the symbol is unknown or the topic is unsynced)
  kTrades,        // publicTrade.*: events() = Trades
  kSubscription,  // {"op":"subscribe"|"unsubscribe",...}: control()
  kPong,          // {"op":"ping"|"pong",...}
  kOther,         // a topic this codec does not normalize (tickers, kline, allLiquidation, ...)
};

enum class MdError : std::uint8_t {
  kOk = 0,
  kEmpty,         // zero-length or whitespace-only frame
  kNotJson,       // does not start with '{'
  kNoPadding,     // buffer lacks simdjson::SIMDJSON_PADDING bytes after the frame
  kTooLarge,      // parse_unpadded() frame above kMaxFrameBytes
  kBadJson,       // syntax error, truncated document
  kWrongType,     // a field has the wrong JSON type
  kMissingField,  // a required field is absent
  kBadDecimal,    // a price/size string that common::Price::parse rejects
  kBadValue,      // side not Buy/Sell, type not snapshot/delta, non-positive price, bad time ...
  kBadTopic,      // topic malformed ("orderbook.x.BTCUSDT") or neither topic nor op present
  kCapacity,      // more events than the fixed output buffer holds
};
inline constexpr std::size_t kMdErrorCount = static_cast<std::size_t>(MdError::kCapacity) + 1;
[[nodiscard]] std::string_view to_string(MdError e) noexcept;

// What an orderbook frame did to its topic's book.
enum class BookOutcome : std::uint8_t {
  kSnapshot,       // events() = one snapshot run replacing the book (includes u == 1 restarts)
  kDelta,          // events() = the changed levels, the last one flagged kEndOfBatch
  kGap,            // events() = one BookReset(kSequenceGap); resubscribe book().topic
  kDropped,        // delta while waiting for a snapshot; no events
  kUnknownSymbol,  // symbol not in the table; no events (counted)
  kDepthMismatch,  // a second depth for a symbol already tracked at another depth (counted)
};

struct BookFrame {
  BookOutcome outcome = BookOutcome::kDropped;
  common::InstrumentId instrument;
  std::uint64_t u = 0;       // data.u: the per-topic update id (also each BookDelta's venue_seq)
  std::uint64_t seq = 0;     // data.seq: cross sequence, comparable across depths
  std::uint64_t prev_u = 0;  // kGap: the last u applied before the gap
  std::uint32_t depth = 0;   // 1, 50, 200, 1000 (spot also 1, 50, 200)
  std::string_view topic;    // "orderbook.200.BTCUSDT"; valid until the next parse
  std::string_view symbol;
  bool restart = false;  // kSnapshot triggered by u == 1 (service restart)
};

// {"success":..,"ret_msg":..,"op":..,"conn_id":..,"req_id":..}; views valid until the next parse.
struct ControlFrame {
  std::string_view op;
  std::string_view ret_msg;
  std::string_view conn_id;
  std::string_view req_id;
  bool success = true;
};

// Written only by the owning thread (single writer, relaxed stores), readable from any thread.
struct alignas(64) MdCounters {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> book_frames{0};
  std::atomic<std::uint64_t> snapshots{0};  // applied, including restarts
  std::atomic<std::uint64_t> restarts{0};   // u == 1
  std::atomic<std::uint64_t> deltas{0};     // applied
  std::atomic<std::uint64_t> gaps{0};
  std::atomic<std::uint64_t> dropped_unsynced{0};
  std::atomic<std::uint64_t> depth_mismatch{0};
  std::atomic<std::uint64_t> trade_frames{0};
  std::atomic<std::uint64_t> trades{0};
  std::atomic<std::uint64_t> control_frames{0};
  std::atomic<std::uint64_t> other_frames{0};
  std::atomic<std::uint64_t> venue_errors{0};    // control frames with success:false
  std::atomic<std::uint64_t> unknown_symbol{0};  // book frames and trades dropped
  std::atomic<std::uint64_t> malformed{0};       // every parse that returned an error
  std::array<std::atomic<std::uint64_t>, kMdErrorCount> by_error{};

  [[nodiscard]] std::uint64_t errors(MdError e) const noexcept {
    return by_error[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
};

// Semantics of the normalized output:
// * A snapshot becomes one run that REPLACES the book: the first delta carries kSnapshotBegin,
//   the last kSnapshotEnd | kEndOfBatch (bids first, then asks, in wire order). An empty snapshot
//   becomes one zero-qty marker carrying all three flags so the consumer still clears its book.
// * A delta becomes one BookDelta per level (qty 0 deletes), the last flagged kEndOfBatch;
//   deletions come first (see deletions_first()), otherwise wire order.
// * venue_seq = data.u for book events; ts_venue = the frame's `ts` (ms -> ns). Trades:
//   venue_seq = seq (cross sequence), ts_venue = T, trade_id = i when it is a decimal integer
//   (spot) else FNV-1a of the string (linear UUIDs), aggressor = S (the taker side).
// * ts_recv is whatever the caller passes (taken at frame receipt).
// * A frame either fully succeeds or yields no output and leaves the topic's sequence state
//   untouched; the next delta then shows the gap.
class MdParser {
 public:
  static constexpr std::size_t kMaxEvents = 4096;            // orderbook.1000 snapshot = 2000
  static constexpr std::size_t kInitialCapacity = 1u << 18;  // simdjson document capacity
  static constexpr std::size_t kMaxFrameBytes = 16u << 20;   // parse_unpadded() limit

  // The table is copied: the parser owns the per-symbol sequence state. Start-up.
  explicit MdParser(const SymbolTable& symbols);
  MdParser(const MdParser&) = delete;
  MdParser& operator=(const MdParser&) = delete;
  ~MdParser();

  // Replay and tools: symbols not in the table are bound on first sight to
  // InstrumentId{first_id}, {first_id + 1}, ... (until the table is full).
  void enable_auto_bind(std::uint32_t first_id) noexcept {
    auto_bind_ = true;
    next_auto_id_ = first_id;
  }

  // Zero-copy entry point. capacity - size must be >= simdjson::SIMDJSON_PADDING, else kNoPadding.
  [[nodiscard]] common::Result<MdFrameKind, MdError> parse(simdjson::padded_string_view frame,
                                                           common::Nanos ts_recv) noexcept;
  [[nodiscard]] common::Result<MdFrameKind, MdError> parse(const char* data, std::size_t len,
                                                           std::size_t capacity,
                                                           common::Nanos ts_recv) noexcept {
    return parse(simdjson::padded_string_view(data, len, capacity), ts_recv);
  }
  // Copies the frame into an internal padded buffer first (replay, tests).
  [[nodiscard]] common::Result<MdFrameKind, MdError> parse_unpadded(std::string_view frame,
                                                                    common::Nanos ts_recv) noexcept;

  // Reconnect: every topic waits for a fresh snapshot.
  void reset_all() noexcept;

  // Outputs of the last successful parse; valid until the next parse call.
  [[nodiscard]] std::span<const common::MdEvent> events() const noexcept {
    return {events_.get(), event_count_};
  }
  [[nodiscard]] const BookFrame& book() const noexcept { return book_; }
  [[nodiscard]] const ControlFrame& control() const noexcept { return control_; }
  [[nodiscard]] const MdCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const SymbolTable& symbols() const noexcept { return symbols_; }
  // Sequence state of a symbol's book (index from symbols().find()).
  [[nodiscard]] const BookSync& sync(std::size_t index) const noexcept { return sync_[index]; }

 private:
  MdError dispatch(simdjson::padded_string_view frame, common::Nanos ts_recv,
                   MdFrameKind& kind) noexcept;
  MdError stage_levels(simdjson::ondemand::value& v, common::BookSide side) noexcept;
  MdError finish_book(std::string_view symbol, bool is_snapshot, std::uint64_t ms,
                      common::Nanos ts_recv) noexcept;
  MdError parse_trades(simdjson::ondemand::value& data, common::Nanos ts_recv,
                       common::InstrumentId id) noexcept;
  void deletions_first() noexcept;
  int lookup(std::string_view symbol) noexcept;
  common::Result<MdFrameKind, MdError> fail(MdError e) noexcept;
  void clear_outputs() noexcept;

  simdjson::ondemand::parser parser_;
  SymbolTable symbols_;
  std::unique_ptr<BookSync[]> sync_;
  std::unique_ptr<std::uint32_t[]> depth_;  // per symbol: the orderbook depth tracked, 0 = none
  std::unique_ptr<common::MdEvent[]> events_;
  std::unique_ptr<common::MdEvent[]> scratch_;  // deletions_first() staging
  std::size_t event_count_ = 0;
  BookFrame book_;
  ControlFrame control_;
  bool auto_bind_ = false;
  std::uint32_t next_auto_id_ = 0;
  std::unique_ptr<char[]> copy_buf_;  // parse_unpadded() staging, frame + padding
  std::size_t copy_cap_ = 0;
  MdCounters counters_;
};

// Parses "orderbook.{depth}.{symbol}" / "publicTrade.{symbol}" topics. Exposed for tests.
enum class TopicKind : std::uint8_t { kOrderbook, kPublicTrade, kOther, kMalformed };
struct Topic {
  TopicKind kind = TopicKind::kMalformed;
  std::uint32_t depth = 0;
  std::string_view symbol;
};
[[nodiscard]] Topic parse_topic(std::string_view topic) noexcept;

// {"req_id":"..","op":"subscribe","args":["t1","t2"]} (req_id omitted when empty); `op` is
// "subscribe" or "unsubscribe". Returns the length, or 0 when `cap` is too small or a topic holds
// a character that would need JSON escaping. Used to resync a topic after a gap.
[[nodiscard]] std::size_t write_subscription(std::string_view op,
                                             std::span<const std::string_view> topics,
                                             std::string_view req_id, char* out,
                                             std::size_t cap) noexcept;

}  // namespace peregrine::gateways::bybit
