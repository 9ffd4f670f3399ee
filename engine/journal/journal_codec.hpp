// Field lists of every journal payload and the packed encoder/decoder built on them. Any thread;
// header-only (pgtool reads journals without linking the engine).
//
// One field list per record type drives the binary layout, decoding and the JSON dump, so the
// three cannot disagree. Payloads are packed field by field (no struct padding), which is what
// makes two journals of the same input byte-identical.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "engine/journal/journal_format.hpp"

namespace peregrine::engine::journal {

// Version of every payload layout below; bump a type's version when its field list changes.
inline constexpr std::uint16_t kPayloadVersion = 1;
// Upper bound of any encoded JournalRecord payload (the note's text is the largest).
inline constexpr std::size_t kMaxEncodedPayload = 192;

// A length-prefixed text field (u8 length + bytes), viewed in place.
template <std::size_t N>
struct TextField {
  std::uint8_t& length;
  std::array<char, N>& text;
};
template <std::size_t N>
struct ConstTextField {
  const std::uint8_t& length;
  const std::array<char, N>& text;
};

template <typename E, typename T>
concept Is = std::same_as<std::remove_const_t<E>, T>;

#define PEREGRINE_JOURNAL_EVENT_HEAD(e, v) \
  v("ts_venue", e.ts_venue);               \
  v("ts_recv", e.ts_recv);                 \
  v("venue_seq", e.venue_seq)

template <typename E, typename V>
requires Is<E, common::BookDelta>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("instrument", e.instrument);
  v("side", e.side);
  v("price", e.price);
  v("qty", e.qty);
  v("flags", e.flags);
}

template <typename E, typename V>
requires Is<E, common::Trade>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("instrument", e.instrument);
  v("price", e.price);
  v("qty", e.qty);
  v("trade_id", e.trade_id);
  v("aggressor", e.aggressor);
}

template <typename E, typename V>
requires Is<E, common::BookReset>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("instrument", e.instrument);
  v("reason", e.reason);
}

template <typename E, typename V>
requires Is<E, common::VenueStatus>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("state", e.state);
}

template <typename E, typename V>
requires Is<E, common::OrderIntent>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("instrument", e.instrument);
  v("strategy", e.strategy);
  v("action", e.action);
  v("cloid", e.cloid);
  v("target", e.target);
  v("side", e.side);
  v("type", e.type);
  v("tif", e.tif);
  v("position_side", e.position_side);
  v("price", e.price);
  v("qty", e.qty);
  v("trigger_price", e.trigger_price);
  v("flags", e.flags);
}

template <typename E, typename V>
requires Is<E, common::OrderDenied>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("instrument", e.instrument);
  v("strategy", e.strategy);
  v("cloid", e.cloid);
  v("reason", e.reason);
}

template <typename E, typename V>
requires Is<E, OrderAccepted>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("instrument", e.instrument);
  v("strategy", e.strategy);
  v("cloid", e.cloid);
}

template <typename E, typename V>
requires Is<E, common::OrderUpdate>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("instrument", e.instrument);
  v("strategy", e.strategy);
  v("cloid", e.cloid);
  v("venue_order_id", e.venue_order_id);
  v("status", e.status);
  v("reject", e.reject);
  v("side", e.side);
  v("price", e.price);
  v("qty", e.qty);
  v("filled_qty", e.filled_qty);
  v("avg_price", e.avg_price);
}

template <typename E, typename V>
requires Is<E, common::Fill>
void visit_fields(E& e, V&& v) {
  PEREGRINE_JOURNAL_EVENT_HEAD(e, v);
  v("venue", e.venue);
  v("instrument", e.instrument);
  v("strategy", e.strategy);
  v("cloid", e.cloid);
  v("venue_order_id", e.venue_order_id);
  v("fill_id", e.fill_id);
  v("side", e.side);
  v("price", e.price);
  v("qty", e.qty);
  v("fee", e.fee);
  v("liquidity", e.liquidity);
}

#undef PEREGRINE_JOURNAL_EVENT_HEAD

template <typename E, typename V>
requires Is<E, StrategyNote>
void visit_fields(E& e, V&& v) {
  v("ts_recv", e.ts_recv);
  v("strategy", e.strategy);
  v("severity", e.severity);
  if constexpr (std::is_const_v<E>) {
    const ConstTextField<StrategyNote::kCapacity> text{e.length, e.text};
    v("text", text);
  } else {
    TextField<StrategyNote::kCapacity> text{e.length, e.text};
    v("text", text);
  }
}

template <typename E, typename V>
requires Is<E, PairOutcome>
void visit_fields(E& e, V&& v) {
  v("ts_recv", e.ts_recv);
  v("pair_id", e.pair_id);
  v("strategy", e.strategy);
  v("result", e.result);
  v("buy_venue", e.buy_venue);
  v("buy_instrument", e.buy_instrument);
  v("buy_cloid", e.buy_cloid);
  v("buy_price", e.buy_price);
  v("sell_venue", e.sell_venue);
  v("sell_instrument", e.sell_instrument);
  v("sell_cloid", e.sell_cloid);
  v("sell_price", e.sell_price);
  v("qty", e.qty);
  v("pnl", e.pnl);
  v("fees", e.fees);
}

template <typename E, typename V>
requires Is<E, Gap>
void visit_fields(E& e, V&& v) {
  v("ts_recv", e.ts_recv);
  v("dropped", e.dropped);
  v("first_ts", e.first_ts);
  v("last_ts", e.last_ts);
}

// Calls visit_fields on the member that `r.type` names; false for kRawFrame/unknown types.
template <typename R, typename V>
requires Is<R, JournalRecord>
bool visit_record(R& r, V&& v) {
  switch (r.type) {
    case RecordType::kBookDelta:
      visit_fields(r.book_delta, v);
      return true;
    case RecordType::kTrade:
      visit_fields(r.trade, v);
      return true;
    case RecordType::kBookReset:
      visit_fields(r.book_reset, v);
      return true;
    case RecordType::kVenueStatus:
      visit_fields(r.venue_status, v);
      return true;
    case RecordType::kOrderIntent:
      visit_fields(r.intent, v);
      return true;
    case RecordType::kOrderDenied:
      visit_fields(r.denied, v);
      return true;
    case RecordType::kOrderAccepted:
      visit_fields(r.accepted, v);
      return true;
    case RecordType::kOrderUpdate:
      visit_fields(r.update, v);
      return true;
    case RecordType::kFill:
      visit_fields(r.fill, v);
      return true;
    case RecordType::kStrategyNote:
      visit_fields(r.note, v);
      return true;
    case RecordType::kPairOutcome:
      visit_fields(r.pair, v);
      return true;
    case RecordType::kGap:
      visit_fields(r.gap, v);
      return true;
    case RecordType::kRawFrame:
      break;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Packed encoding: integers and enums little-endian at their own width, Price/Qty/Money as the
// raw i64, InstrumentId u32, StrategyId u16, ClientOrderId hi,lo (u64 each), VenueOrderId
// hi,lo,is_uuid (u64,u64,u8), text u8 length + bytes.

class PayloadEncoder {
 public:
  explicit PayloadEncoder(unsigned char* out) noexcept : out_(out) {}
  [[nodiscard]] std::size_t size() const noexcept { return n_; }

  template <typename T>
  void operator()(std::string_view /*name*/, const T& f) noexcept {
    if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) {
      put(f);
    } else if constexpr (requires { f.raw(); }) {
      put(f.raw());
    } else if constexpr (Is<T, common::InstrumentId>) {
      put(f.value);
    } else if constexpr (Is<T, common::StrategyId>) {
      put(f.value);
    } else if constexpr (Is<T, common::ClientOrderId>) {
      put(f.hi);
      put(f.lo);
    } else if constexpr (Is<T, common::VenueOrderId>) {
      put(f.hi);
      put(f.lo);
      put(static_cast<std::uint8_t>(f.is_uuid ? 1 : 0));
    } else {
      put(f.length);
      std::memcpy(out_ + n_, f.text.data(), f.length);
      n_ += f.length;
    }
  }

 private:
  template <typename T>
  void put(T v) noexcept {
    std::memcpy(out_ + n_, &v, sizeof(T));
    n_ += sizeof(T);
  }
  unsigned char* out_;
  std::size_t n_ = 0;
};

class PayloadDecoder {
 public:
  PayloadDecoder(const unsigned char* in, std::size_t n) noexcept : in_(in), n_(n) {}
  // True when every field was present and nothing was left over.
  [[nodiscard]] bool complete() const noexcept { return ok_ && pos_ == n_; }
  [[nodiscard]] bool ok() const noexcept { return ok_; }

  template <typename T>
  void operator()(std::string_view /*name*/, T& f) noexcept {
    if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) {
      get(f);
    } else if constexpr (requires { f.raw(); }) {
      std::int64_t raw = 0;
      get(raw);
      f = T::from_raw(raw);
    } else if constexpr (Is<T, common::InstrumentId>) {
      get(f.value);
    } else if constexpr (Is<T, common::StrategyId>) {
      get(f.value);
    } else if constexpr (Is<T, common::ClientOrderId>) {
      get(f.hi);
      get(f.lo);
    } else if constexpr (Is<T, common::VenueOrderId>) {
      get(f.hi);
      get(f.lo);
      std::uint8_t u = 0;
      get(u);
      f.is_uuid = u != 0;
    } else {
      std::uint8_t len = 0;
      get(len);
      if (!ok_ || len > f.text.size() || pos_ + len > n_) {
        ok_ = false;
        return;
      }
      std::memcpy(f.text.data(), in_ + pos_, len);
      f.length = len;
      pos_ += len;
    }
  }

 private:
  template <typename T>
  void get(T& v) noexcept {
    if (!ok_ || pos_ + sizeof(T) > n_) {
      ok_ = false;
      return;
    }
    std::memcpy(&v, in_ + pos_, sizeof(T));
    pos_ += sizeof(T);
  }
  const unsigned char* in_;
  std::size_t n_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Encodes r's payload into out (>= kMaxEncodedPayload bytes); returns its size (0 if the type
// has no field list).
[[nodiscard]] inline std::size_t encode_payload(const JournalRecord& r,
                                                unsigned char* out) noexcept {
  PayloadEncoder enc(out);
  if (!visit_record(r, enc)) return 0;
  return enc.size();
}

// Decodes a payload of `type` into *out. False for an unknown type or a payload that does not
// match the field list exactly.
[[nodiscard]] inline bool decode_payload(RecordType type, const unsigned char* in, std::size_t n,
                                         JournalRecord* out) noexcept {
  *out = JournalRecord{};
  out->type = type;
  // Value-initialize the active member so decoded records compare equal field by field.
  switch (type) {
    case RecordType::kBookDelta:
      out->book_delta = {};
      break;
    case RecordType::kTrade:
      out->trade = {};
      break;
    case RecordType::kBookReset:
      out->book_reset = {};
      break;
    case RecordType::kVenueStatus:
      out->venue_status = {};
      break;
    case RecordType::kOrderIntent:
      out->intent = {};
      break;
    case RecordType::kOrderDenied:
      out->denied = {};
      break;
    case RecordType::kOrderAccepted:
      out->accepted = {};
      break;
    case RecordType::kOrderUpdate:
      out->update = {};
      break;
    case RecordType::kFill:
      out->fill = {};
      break;
    case RecordType::kStrategyNote:
      out->note = {};
      break;
    case RecordType::kPairOutcome:
      out->pair = {};
      break;
    case RecordType::kGap:
      out->gap = {};
      break;
    case RecordType::kRawFrame:
      return false;
    default:
      return false;
  }
  PayloadDecoder dec(in, n);
  if (!visit_record(*out, dec)) return false;
  return dec.complete();
}

}  // namespace peregrine::engine::journal
