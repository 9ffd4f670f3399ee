// Hyperliquid market-data codec: one WebSocket text frame -> normalized MdEvents (l2Book, trades),
// plus bbo, allMids and control frames. Owned and called by ONE thread (the HL md gateway agent).
#pragma once

#include <simdjson.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/result.hpp"

namespace peregrine::gateways::hyperliquid {

// Why it is fast: simdjson On-Demand walks the frame once with key dispatch (keys may come in any
// order), decimals go straight from the input bytes to int64 (common::Price::parse), and every
// output lands in buffers sized at construction, so a frame allocates nothing after warm-up.
// This header also holds CodecError and the detail:: JSON helpers that order_codec shares.

enum class MdFrameKind : std::uint8_t {
  kBook,    // l2Book: events() = one full snapshot as BookDeltas (empty for an unknown coin)
  kTrades,  // trades: events() = Trades (unknown coins skipped and counted)
  kBbo,     // bbo: bbo() (no MdEvent: the book snapshot stays the source of depth)
  kAllMids,
  kSubscriptionResponse,  // subscription()
  kPong,
  kVenueError,  // `error` channel: venue_error() holds the text
  kHello,       // the plain-text "Websocket connection established." frame
};

// Failure taxonomy shared by this venue's codecs (md_codec, order_codec).
enum class CodecError : std::uint8_t {
  kOk = 0,
  kEmpty,           // zero-length or whitespace-only input
  kNotJson,         // non-JSON text other than the WS hello frame
  kNoPadding,       // buffer lacks simdjson::SIMDJSON_PADDING bytes after the input
  kTooLarge,        // *_unpadded() input above the parser's kMaxFrameBytes
  kBadJson,         // syntax error, truncated document
  kWrongType,       // a field has the wrong JSON type
  kMissingField,    // a required field is absent (or levels is not [bids, asks])
  kBadDecimal,      // a price/size string that common::Price::parse rejects
  kBadValue,        // side not B/A, non-positive price, time out of range, ...
  kUnknownChannel,  // a WS channel the codec does not handle
  kCapacity,        // more entries than the fixed output buffers hold
};
inline constexpr std::size_t kCodecErrorCount = static_cast<std::size_t>(CodecError::kCapacity) + 1;
[[nodiscard]] std::string_view to_string(CodecError e) noexcept;

// The plain-text frame HL sends first on every WS connection.
inline constexpr std::string_view kHelloFrame = "Websocket connection established.";

// Top of book from the `bbo` channel. A missing side (null on the wire) has has_* = false.
struct Bbo {
  common::Nanos ts_venue = 0;
  common::Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;  // data.time in ms (HL has no sequence numbers)
  common::Price bid_price;
  common::Qty bid_qty;
  common::Price ask_price;
  common::Qty ask_qty;
  std::uint32_t bid_orders = 0;
  std::uint32_t ask_orders = 0;
  common::InstrumentId instrument;  // invalid for an unknown coin (counted)
  bool has_bid = false;
  bool has_ask = false;
};

// One allMids entry. `coin` points into the parser and is valid until the next parse.
struct Mid {
  std::string_view coin;
  common::Price price;
  common::InstrumentId instrument;  // invalid when not in the registry (not counted: allMids
                                    // lists every coin on the venue)
};

// Echo of a (un)subscribe request; views are valid until the next parse.
struct SubscriptionAck {
  std::string_view method;  // "subscribe" / "unsubscribe"
  std::string_view type;    // subscription.type, e.g. "l2Book"
  std::string_view coin;    // subscription.coin, empty when the feed has none
};

// Written only by the owning thread (single writer, relaxed stores), readable from any thread.
struct alignas(64) MdCounters {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> book_frames{0};
  std::atomic<std::uint64_t> trade_frames{0};
  std::atomic<std::uint64_t> bbo_frames{0};
  std::atomic<std::uint64_t> mid_frames{0};
  std::atomic<std::uint64_t> control_frames{0};  // pong, subscriptionResponse, hello
  std::atomic<std::uint64_t> venue_errors{0};    // `error` channel frames
  std::atomic<std::uint64_t> unknown_coin{0};    // book/bbo frames and trades dropped
  std::atomic<std::uint64_t> malformed{0};       // every parse that returned an error
  std::array<std::atomic<std::uint64_t>, kCodecErrorCount> by_error{};

  [[nodiscard]] std::uint64_t errors(CodecError e) const noexcept {
    return by_error[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
};

namespace detail {

// A reusable padded staging buffer for inputs that arrive without SIMDJSON_PADDING. It grows
// only when an input is larger than every earlier one, so steady state allocates nothing.
class PaddedCopy {
 public:
  explicit PaddedCopy(std::size_t initial)
      : buf_(new char[initial + simdjson::SIMDJSON_PADDING]),
        cap_(initial + simdjson::SIMDJSON_PADDING) {}
  // False when `in` is above max_bytes or memory is exhausted.
  [[nodiscard]] bool assign(std::string_view in, std::size_t max_bytes) noexcept;
  [[nodiscard]] simdjson::padded_string_view view() const noexcept {
    return simdjson::padded_string_view(buf_.get(), len_, cap_);
  }

 private:
  std::unique_ptr<char[]> buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
};

}  // namespace detail

// Semantics of the normalized output:
// * l2Book is a full snapshot on every push, so each frame becomes one snapshot run that REPLACES
//   the book: bids (levels[0], best first) then asks (levels[1]); the first delta carries
//   kSnapshotBegin, the last kSnapshotEnd | kEndOfBatch. An empty book becomes one zero-qty delta
//   carrying all three flags, so the consumer still clears its book.
// * HL has no sequence numbers: venue_seq = the venue's time in ms (data.time for books, the
//   trade's time for trades). It is not gap-detectable; it only orders events.
// * ts_venue = time ms * 1e6; ts_recv is whatever the caller passes (taken at frame receipt).
// * A frame either fully succeeds or yields no output: outputs are staged and cleared on error.
class MdParser {
 public:
  static constexpr std::size_t kMaxEvents = 1024;  // HL sends <= 20 levels/side; trade bursts
  static constexpr std::size_t kMaxMids = 4096;
  static constexpr std::size_t kInitialCapacity = 1u << 16;  // simdjson document capacity
  static constexpr std::size_t kMaxFrameBytes = 16u << 20;   // parse_unpadded() limit

  // `registry` must outlive the parser and not change while it is in use.
  explicit MdParser(const common::InstrumentRegistry& registry);
  MdParser(const MdParser&) = delete;
  MdParser& operator=(const MdParser&) = delete;
  ~MdParser();

  // Zero-copy entry point. The bytes after the frame up to the view's capacity must be readable
  // and capacity - size must be >= simdjson::SIMDJSON_PADDING (64), else kNoPadding.
  [[nodiscard]] common::Result<MdFrameKind, CodecError> parse(simdjson::padded_string_view frame,
                                                              common::Nanos ts_recv) noexcept;
  // Same, for a receive buffer `data[0, capacity)` holding a frame of `len` bytes.
  [[nodiscard]] common::Result<MdFrameKind, CodecError> parse(const char* data, std::size_t len,
                                                              std::size_t capacity,
                                                              common::Nanos ts_recv) noexcept {
    return parse(simdjson::padded_string_view(data, len, capacity), ts_recv);
  }
  // Copies the frame into an internal padded buffer first (replay, tests). The buffer only grows
  // when a frame is larger than every earlier one.
  [[nodiscard]] common::Result<MdFrameKind, CodecError> parse_unpadded(
      std::string_view frame, common::Nanos ts_recv) noexcept;

  // Outputs of the last successful parse; valid until the next parse call.
  [[nodiscard]] std::span<const common::MdEvent> events() const noexcept {
    return {events_.get(), event_count_};
  }
  [[nodiscard]] const Bbo& bbo() const noexcept { return bbo_; }
  [[nodiscard]] std::span<const Mid> mids() const noexcept { return {mids_.get(), mid_count_}; }
  [[nodiscard]] const SubscriptionAck& subscription() const noexcept { return subscription_; }
  [[nodiscard]] std::string_view venue_error() const noexcept { return venue_error_; }
  [[nodiscard]] const MdCounters& counters() const noexcept { return counters_; }

 private:
  CodecError dispatch(simdjson::padded_string_view frame, common::Nanos ts_recv,
                      MdFrameKind& kind) noexcept;
  CodecError stage_levels(simdjson::ondemand::value& levels) noexcept;
  common::Result<MdFrameKind, CodecError> fail(CodecError e) noexcept;
  CodecError parse_book(simdjson::ondemand::value& data, common::Nanos ts_recv) noexcept;
  CodecError parse_trades(simdjson::ondemand::value& data, common::Nanos ts_recv) noexcept;
  CodecError parse_bbo(simdjson::ondemand::value& data, common::Nanos ts_recv) noexcept;
  CodecError parse_mids(simdjson::ondemand::value& data) noexcept;
  CodecError parse_subscription(simdjson::ondemand::value& data) noexcept;
  void clear_outputs() noexcept;

  const common::InstrumentRegistry& registry_;
  simdjson::ondemand::parser parser_;
  std::unique_ptr<common::MdEvent[]> events_;
  std::size_t event_count_ = 0;
  std::unique_ptr<Mid[]> mids_;
  std::size_t mid_count_ = 0;
  Bbo bbo_;
  SubscriptionAck subscription_;
  std::string_view venue_error_;
  detail::PaddedCopy copy_{kInitialCapacity};  // parse_unpadded() staging
  MdCounters counters_;
};

// ---- JSON field helpers shared by this venue's codecs (md_codec.cpp, order_codec.cpp) --------
// Not an API for other callers. Each returns CodecError::kOk or the first problem found.
namespace detail {

namespace od = simdjson::ondemand;
using Key = od::raw_json_string;
inline constexpr CodecError kOk = CodecError::kOk;
inline constexpr std::uint64_t kMaxMillis =
    static_cast<std::uint64_t>(std::numeric_limits<common::Nanos>::max() / 1'000'000);

// Single writer: a relaxed load + store is enough and avoids a locked RMW on the hot path.
inline void bump(std::atomic<std::uint64_t>& c) noexcept {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

[[nodiscard]] CodecError map_simdjson(simdjson::error_code e) noexcept;
[[nodiscard]] inline CodecError sj(simdjson::error_code e) noexcept {
  return e == simdjson::SUCCESS ? kOk : map_simdjson(e);
}

// Records a required field as seen when it parsed: `return mark(seen, 4u, get_x(...));`.
inline CodecError mark(unsigned& seen, unsigned bit, CodecError e) noexcept {
  if (e == kOk) seen |= bit;
  return e;
}

// One pass over an object's fields, keys in any order: fn(Key, od::value&) -> CodecError.
template <typename Fn>
CodecError each_field(od::object& obj, Fn&& fn) {
  for (auto item : obj) {
    od::field f;
    if (const CodecError e = sj(std::move(item).get(f)); e != kOk) return e;
    if (const CodecError e = fn(f.key(), f.value()); e != kOk) return e;
  }
  return kOk;
}
template <typename Fn>
CodecError each_field(od::value& v, Fn&& fn) {
  od::object obj;
  if (const CodecError e = sj(v.get_object().get(obj)); e != kOk) return e;
  return each_field(obj, fn);
}
// fn(od::value&) -> CodecError for each array element.
template <typename Fn>
CodecError each_element(od::array& arr, Fn&& fn) {
  for (auto element : arr) {
    od::value item;
    if (const CodecError e = sj(std::move(element).get(item)); e != kOk) return e;
    if (const CodecError e = fn(item); e != kOk) return e;
  }
  return kOk;
}
template <typename Fn>
CodecError each_element(od::value& v, Fn&& fn) {
  od::array arr;
  if (const CodecError e = sj(v.get_array().get(arr)); e != kOk) return e;
  return each_element(arr, fn);
}

inline CodecError get_str(od::value& v, std::string_view& out) noexcept {
  return sj(v.get_string().get(out));
}
inline CodecError get_bool(od::value& v, bool& out) noexcept { return sj(v.get_bool().get(out)); }
inline CodecError get_u64(od::value& v, std::uint64_t& out) noexcept {
  return sj(v.get_uint64().get(out));
}

inline CodecError get_u32(od::value& v, std::uint32_t& out) noexcept {
  std::uint64_t x = 0;
  if (const CodecError e = get_u64(v, x); e != kOk) return e;
  if (x > std::numeric_limits<std::uint32_t>::max()) return CodecError::kBadValue;
  out = static_cast<std::uint32_t>(x);
  return kOk;
}
// Allocating overload for start-up parsers (/info).
inline CodecError get_str(od::value& v, std::string& out) {
  std::string_view s;
  if (const CodecError e = get_str(v, s); e != kOk) return e;
  out = s;
  return kOk;
}

// Exact decimal from a JSON string (HL sends prices and sizes as strings).
template <typename Tag>
CodecError get_fixed(od::value& v, common::Fixed<Tag>& out,
                     common::ParseMode mode = common::ParseMode::kExact) noexcept {
  std::string_view s;
  if (const CodecError e = get_str(v, s); e != kOk) return e;
  const auto r = common::Fixed<Tag>::parse(s, mode);
  if (!r) return CodecError::kBadDecimal;
  out = *r;
  return kOk;
}
// A decimal string or null (present = false).
template <typename Tag>
CodecError get_opt_fixed(od::value& v, common::Fixed<Tag>& out, bool& present) noexcept {
  bool is_null = false;
  if (const CodecError e = sj(v.is_null().get(is_null)); e != kOk) return e;
  present = !is_null;
  return is_null ? kOk : get_fixed(v, out);
}
// A string or null (-> empty); Str is std::string_view or std::string.
template <typename Str>
CodecError get_opt_str(od::value& v, Str& out) {
  bool is_null = false;
  if (const CodecError e = sj(v.is_null().get(is_null)); e != kOk) return e;
  out = {};
  return is_null ? kOk : get_str(v, out);
}
// Epoch milliseconds (a JSON number) -> ns, range-checked.
inline CodecError get_millis(od::value& v, std::uint64_t& ms, common::Nanos& ns) noexcept {
  if (const CodecError e = get_u64(v, ms); e != kOk) return e;
  if (ms > kMaxMillis) return CodecError::kBadValue;
  ns = static_cast<common::Nanos>(ms) * 1'000'000;
  return kOk;
}
// "B" (bid / buyer aggressor) or "A" (ask / seller aggressor).
inline CodecError get_side(od::value& v, common::Side& side) noexcept {
  std::string_view s;
  if (const CodecError e = get_str(v, s); e != kOk) return e;
  if (s != "B" && s != "A") return CodecError::kBadValue;
  side = s == "B" ? common::Side::kBuy : common::Side::kSell;
  return kOk;
}

// Resolves coin names with a one-entry cache: a frame almost always carries one coin.
struct CoinCache {
  const common::InstrumentRegistry& registry;
  std::string_view coin{};
  common::InstrumentId id{};
  bool primed = false;
  common::InstrumentId find(std::string_view c) noexcept {
    if (!primed || c != coin) {
      coin = c;
      id = registry.find(common::VenueId::kHyperliquid, c);
      primed = true;
    }
    return id;
  }
};

// Before simdjson: kOk when the text starts like JSON; sets *hello for the greeting frame.
[[nodiscard]] CodecError classify(std::string_view text, bool* hello) noexcept;

}  // namespace detail

}  // namespace peregrine::gateways::hyperliquid
