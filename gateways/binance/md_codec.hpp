// Binance market-data codec (USD-M, COIN-M, spot): one WS frame or REST depth snapshot -> depth,
// trades, bookTicker. Owned and called by ONE thread (the Binance md gateway agent or a replay).
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
#include "gateways/binance/symbols.hpp"

namespace peregrine::gateways::binance {

// Why it is fast: simdjson On-Demand walks the frame ONCE with key dispatch (keys may come in any
// order, in or out of the {"stream","data"} envelope), the event type is decided after the walk
// from the fields seen and their JSON types, decimals go straight from the input bytes to int64
// (common::Price/Qty::parse), and every output lands in buffers sized at construction: a frame
// allocates nothing after warm-up.

enum class MdFrameKind : std::uint8_t {
  kDepth,       // depthUpdate: depth() (futures carry pu/T; spot does not)
  kSnapshot,    // REST GET /depth body {"lastUpdateId",..,"bids","asks"}: snapshot()
  kTrade,       // trade or aggTrade: trade()
  kBookTicker,  // bookTicker (futures have e/E/T; spot carries only u,s,b,B,a,A): book_ticker()
  kSubscriptionResponse,  // {"result":..,"id":..}
  kVenueError,            // {"error":{"code","msg"},"id"}
  kOther,  // a well-formed event this codec does not normalize (markPrice, kline, ...): counted
};

enum class MdError : std::uint8_t {
  kOk = 0,
  kEmpty,         // zero-length or whitespace-only frame
  kNoPadding,     // buffer lacks simdjson::SIMDJSON_PADDING bytes after the frame
  kTooLarge,      // parse_unpadded() frame above kMaxFrameBytes
  kBadJson,       // syntax error, truncated document, not an object
  kWrongType,     // a field has the wrong JSON type
  kMissingField,  // a required field of the event type is absent
  kBadDecimal,    // a price/qty string common::Price/Qty::parse rejects
  kBadValue,      // a level that is not [price, qty], negative qty, time out of range, U > u ...
  kUnknownFrame,  // an object with no "e" that is neither a snapshot, bookTicker nor control
  kCapacity,      // more levels than kMaxDeltas
};
inline constexpr std::size_t kMdErrorCount = static_cast<std::size_t>(MdError::kCapacity) + 1;
[[nodiscard]] std::string_view to_string(MdError e) noexcept;

// One diff-depth event. `deltas` lists every level change of the message with the DELETIONS
// FIRST (then the inserts/updates, each group bids before asks, wire order kept): a consumer that
// applies level by level then never sees a transient cross that the message itself resolves.
// The last delta carries kEndOfBatch; an event with no levels has no deltas. Every delta has
// venue_seq = u and ts_venue = E.
struct DepthUpdate {
  std::uint64_t first_id = 0;      // U
  std::uint64_t last_id = 0;       // u
  std::uint64_t prev_last_id = 0;  // pu: the previous event's u (futures only)
  bool has_prev = false;           // pu present
  common::Nanos ts_venue = 0;      // E (event time)
  common::Nanos ts_txn = 0;        // T (transaction time; 0 on spot)
  common::Nanos ts_recv = 0;
  common::InstrumentId instrument;  // from `s`; invalid when not in the SymbolTable (counted)
  std::span<const common::BookDelta> deltas;
};

// A full book as a run kSnapshotBegin .. kSnapshotEnd | kEndOfBatch: bids then asks, each side
// WORST level first (the reverse of the wire, so that L2Book builds it by appending);
// an empty book is one zero marker delta carrying all three flags. venue_seq = lastUpdateId,
// ts_venue = E (0 on spot, whose snapshot has no E).
struct DepthSnapshot {
  std::uint64_t last_update_id = 0;
  common::Nanos ts_venue = 0;
  common::Nanos ts_txn = 0;
  common::Nanos ts_recv = 0;
  common::InstrumentId instrument;
  std::span<const common::BookDelta> deltas;
};

// Best bid/offer. `venue_seq` = u, the same sequence as depth u: when it equals the last applied
// depth u, a correctly maintained book must show exactly this top of book.
struct BookTicker {
  common::Nanos ts_venue = 0;  // E (0 on spot)
  common::Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;  // u
  common::Price bid_price;
  common::Qty bid_qty;
  common::Price ask_price;
  common::Qty ask_qty;
  common::InstrumentId instrument;
};

// Written only by the owning thread (single writer, relaxed stores), readable from any thread.
struct alignas(64) MdCounters {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> depth_frames{0};
  std::atomic<std::uint64_t> snapshot_frames{0};
  std::atomic<std::uint64_t> trade_frames{0};
  std::atomic<std::uint64_t> book_ticker_frames{0};
  std::atomic<std::uint64_t> control_frames{0};  // subscription responses
  std::atomic<std::uint64_t> venue_errors{0};
  std::atomic<std::uint64_t> other_frames{0};    // well-formed, not normalized
  std::atomic<std::uint64_t> unknown_symbol{0};  // events whose `s` is not in the SymbolTable
  std::atomic<std::uint64_t> malformed{0};       // every parse that returned an error
  std::array<std::atomic<std::uint64_t>, kMdErrorCount> by_error{};

  [[nodiscard]] std::uint64_t errors(MdError e) const noexcept {
    return by_error[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
};

// Normalization: ts_venue = E (ms) * 1e6 for depth/bookTicker, T for trades; ts_recv is whatever
// the caller passes; Trade.venue_seq = trade id (`t`, or `a` for aggTrade); aggressor = SELL when
// `m` (buyer is maker). Unknown symbols are not dropped: the event carries an invalid instrument
// and unknown_symbol is counted (routing is the gateway's job). A frame either fully succeeds or
// yields no output.
class MdParser {
 public:
  static constexpr std::size_t kMaxDeltas = 16384;           // spot /depth limit=5000: 10000
  static constexpr std::size_t kInitialCapacity = 1u << 20;  // simdjson document capacity
  static constexpr std::size_t kMaxFrameBytes = 16u << 20;   // parse_unpadded() limit

  // `symbols` must outlive the parser and not change while it is in use.
  explicit MdParser(const SymbolTable& symbols);
  MdParser(const MdParser&) = delete;
  MdParser& operator=(const MdParser&) = delete;
  ~MdParser();

  // Zero-copy entry point. capacity - size must be >= simdjson::SIMDJSON_PADDING, else kNoPadding.
  [[nodiscard]] common::Result<MdFrameKind, MdError> parse(simdjson::padded_string_view frame,
                                                           common::Nanos ts_recv) noexcept;
  [[nodiscard]] common::Result<MdFrameKind, MdError> parse(const char* data, std::size_t len,
                                                           std::size_t capacity,
                                                           common::Nanos ts_recv) noexcept {
    return parse(simdjson::padded_string_view(data, len, capacity), ts_recv);
  }
  // Copies into an internal padded buffer first (replay, tests, REST bodies).
  [[nodiscard]] common::Result<MdFrameKind, MdError> parse_unpadded(std::string_view frame,
                                                                    common::Nanos ts_recv) noexcept;
  // A REST /depth body for the instrument the caller asked for (the spot body names no symbol).
  // Anything but a snapshot is kUnknownFrame.
  [[nodiscard]] common::Result<MdFrameKind, MdError> parse_snapshot_unpadded(
      std::string_view body, common::InstrumentId instrument, common::Nanos ts_recv) noexcept;

  // Outputs of the last successful parse; valid until the next parse call.
  [[nodiscard]] const DepthUpdate& depth() const noexcept { return depth_; }
  [[nodiscard]] const DepthSnapshot& snapshot() const noexcept { return snapshot_; }
  [[nodiscard]] const common::Trade& trade() const noexcept { return trade_; }
  [[nodiscard]] const BookTicker& book_ticker() const noexcept { return ticker_; }
  // The combined-stream name ("btcusdt@depth@0ms"); empty for raw payloads.
  [[nodiscard]] std::string_view stream() const noexcept { return stream_; }
  // The `e` of a kOther frame, the error msg of a kVenueError frame.
  [[nodiscard]] std::string_view text() const noexcept { return text_; }
  [[nodiscard]] const MdCounters& counters() const noexcept { return counters_; }

 private:
  struct Fields;
  common::Result<MdFrameKind, MdError> run(simdjson::padded_string_view frame,
                                           common::Nanos ts_recv, bool snapshot_only) noexcept;
  MdError dispatch(simdjson::padded_string_view frame, common::Nanos ts_recv,
                   MdFrameKind& kind) noexcept;
  MdError on_field(simdjson::ondemand::field& f, Fields& fs) noexcept;
  MdError stage_levels(simdjson::ondemand::value& v, common::BookSide side) noexcept;
  MdError finish(Fields& fs, common::Nanos ts_recv, MdFrameKind& kind) noexcept;
  MdError finish_depth(Fields& fs, common::Nanos ts_recv) noexcept;
  MdError finish_snapshot(Fields& fs, common::Nanos ts_recv) noexcept;
  common::InstrumentId resolve(std::string_view symbol) noexcept;
  common::Result<MdFrameKind, MdError> fail(MdError e) noexcept;
  const char* pad(std::string_view in, MdError& err) noexcept;
  void clear_outputs() noexcept;

  const SymbolTable& symbols_;
  simdjson::ondemand::parser parser_;
  // Deletions are staged in deltas_ and updates in adds_; finish_depth() appends adds_ to deltas_.
  std::unique_ptr<common::BookDelta[]> deltas_;
  std::unique_ptr<common::BookDelta[]> adds_;
  std::size_t zero_count_ = 0;
  std::size_t add_count_ = 0;
  DepthUpdate depth_;
  DepthSnapshot snapshot_;
  common::Trade trade_;
  BookTicker ticker_;
  std::string_view stream_;
  std::string_view text_;
  common::Symbol last_symbol_;  // one-entry cache for resolve() (a copy: views die per frame)
  common::InstrumentId last_id_;
  bool last_known_ = false;
  std::unique_ptr<char[]> copy_buf_;
  std::size_t copy_cap_ = 0;
  MdCounters counters_;
};

}  // namespace peregrine::gateways::binance
