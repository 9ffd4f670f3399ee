// Journal and recorder file layout (docs/journal.md): file header, record framing, CRC32C and the
// JournalRecord the core hands to the writer. Any thread; header-only so pgtool can read files.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <nmmintrin.h>

#include "common/events.hpp"

namespace peregrine::engine::journal {

static_assert(std::endian::native == std::endian::little, "the file layout is little-endian");

using common::Nanos;

// ---------------------------------------------------------------------------------------------
// File header: 64 bytes at offset 0, then records back to back.

inline constexpr std::array<char, 8> kJournalMagic = {'P', 'G', 'J', 'O', 'U', 'R', 'N', 'L'};
inline constexpr std::array<char, 8> kRecorderMagic = {'P', 'G', 'R', 'E', 'C', 'O', 'R', 'D'};
inline constexpr std::uint16_t kFormatVersion = 1;
inline constexpr std::size_t kFileHeaderSize = 64;
inline constexpr std::size_t kEngineIdCapacity = 24;

enum class FileKind : std::uint8_t { kJournal, kRecorder };

struct FileHeader {
  FileKind kind = FileKind::kJournal;
  std::uint16_t version = kFormatVersion;
  Nanos created_ns = 0;           // from the injected clock, never wall time read here
  std::uint64_t config_hash = 0;  // identity of the config the engine ran with
  std::string_view engine_id;     // engine build/version label, at most 24 bytes
};

// ---------------------------------------------------------------------------------------------
// Record framing: u32 length | u16 type | u16 version | i64 ts | payload[length] | u32 crc32c.
// The CRC covers everything before it in the record (length included), so a torn length is
// caught as well as a torn payload.

inline constexpr std::size_t kRecordHeaderSize = 16;
inline constexpr std::size_t kRecordTrailerSize = 4;
inline constexpr std::size_t kRecordOverhead = kRecordHeaderSize + kRecordTrailerSize;
// Larger lengths are corruption; a Binance REST depth snapshot (~60 KB) fits with room.
inline constexpr std::uint32_t kMaxPayload = 16u << 20;

enum class RecordType : std::uint16_t {
  kBookDelta = 1,
  kTrade = 2,
  kBookReset = 3,
  kVenueStatus = 4,
  kOrderIntent = 5,
  kOrderDenied = 6,
  kOrderAccepted = 7,
  kOrderUpdate = 8,
  kFill = 9,
  kStrategyNote = 10,
  kPairOutcome = 11,
  kGap = 12,
  kRawFrame = 100,  // recorder files only
};

[[nodiscard]] constexpr std::string_view to_string(RecordType t) noexcept {
  switch (t) {
    case RecordType::kBookDelta:
      return "book_delta";
    case RecordType::kTrade:
      return "trade";
    case RecordType::kBookReset:
      return "book_reset";
    case RecordType::kVenueStatus:
      return "venue_status";
    case RecordType::kOrderIntent:
      return "order_intent";
    case RecordType::kOrderDenied:
      return "order_denied";
    case RecordType::kOrderAccepted:
      return "order_accepted";
    case RecordType::kOrderUpdate:
      return "order_update";
    case RecordType::kFill:
      return "fill";
    case RecordType::kStrategyNote:
      return "strategy_note";
    case RecordType::kPairOutcome:
      return "pair_outcome";
    case RecordType::kGap:
      return "gap";
    case RecordType::kRawFrame:
      return "raw_frame";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Journal-only payloads (the common/ events are journaled as they are).

// The risk gate let an intent through (the counterpart of common::OrderDenied).
struct OrderAccepted {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;
  common::ClientOrderId cloid;
  common::InstrumentId instrument;
  common::StrategyId strategy;
  common::VenueId venue = common::VenueId::kHyperliquid;
};

enum class NoteSeverity : std::uint8_t { kInfo, kWarning, kError };

// Short free text from a strategy ("hedge degraded to net reduction"), truncated to fit.
struct StrategyNote {
  static constexpr std::size_t kCapacity = 104;
  Nanos ts_recv = 0;
  common::StrategyId strategy;
  NoteSeverity severity = NoteSeverity::kInfo;
  std::uint8_t length = 0;
  std::array<char, kCapacity> text{};

  // Hot-path safe: no allocation; longer text is cut at kCapacity bytes.
  void set_text(std::string_view s) noexcept {
    const std::size_t n = s.size() < kCapacity ? s.size() : kCapacity;
    std::memcpy(text.data(), s.data(), n);
    length = static_cast<std::uint8_t>(n);
  }
  [[nodiscard]] std::string_view view() const noexcept { return {text.data(), length}; }
};

enum class PairResult : std::uint8_t { kBothFilled, kHedged, kUnwound, kCancelled, kFailed };

[[nodiscard]] constexpr std::string_view to_string(PairResult r) noexcept {
  switch (r) {
    case PairResult::kBothFilled:
      return "both_filled";
    case PairResult::kHedged:
      return "hedged";
    case PairResult::kUnwound:
      return "unwound";
    case PairResult::kCancelled:
      return "cancelled";
    case PairResult::kFailed:
      return "failed";
  }
  return "unknown";
}

// The end of one cross-venue arbitrage pair (both legs done, or what happened instead).
struct PairOutcome {
  Nanos ts_recv = 0;
  std::uint64_t pair_id = 0;
  common::ClientOrderId buy_cloid;
  common::ClientOrderId sell_cloid;
  common::Price buy_price;
  common::Price sell_price;
  common::Qty qty;
  common::Money pnl;  // net of fees, quote currency
  common::Money fees;
  common::InstrumentId buy_instrument;
  common::InstrumentId sell_instrument;
  common::StrategyId strategy;
  common::VenueId buy_venue = common::VenueId::kHyperliquid;
  common::VenueId sell_venue = common::VenueId::kHyperliquid;
  PairResult result = PairResult::kBothFilled;
};

// Written by the writer side when the core found the ring full: `dropped` records are missing
// between the previous record and this one, with receive times first_ts..last_ts.
struct Gap {
  Nanos ts_recv = 0;
  std::uint64_t dropped = 0;
  Nanos first_ts = 0;
  Nanos last_ts = 0;
};

// ---------------------------------------------------------------------------------------------
// What the core hands to the writer: one tagged union, copied into the SPSC ring.

struct JournalRecord {
  RecordType type = RecordType::kGap;
  union {
    common::BookDelta book_delta;
    common::Trade trade;
    common::BookReset book_reset;
    common::VenueStatus venue_status;
    common::OrderIntent intent;
    common::OrderDenied denied;
    OrderAccepted accepted;
    common::OrderUpdate update;
    common::Fill fill;
    StrategyNote note;
    PairOutcome pair;
    Gap gap;
  };

  JournalRecord() noexcept : gap() {}
  explicit JournalRecord(const common::BookDelta& e) noexcept
      : type(RecordType::kBookDelta), book_delta(e) {}
  explicit JournalRecord(const common::Trade& e) noexcept : type(RecordType::kTrade), trade(e) {}
  explicit JournalRecord(const common::BookReset& e) noexcept
      : type(RecordType::kBookReset), book_reset(e) {}
  explicit JournalRecord(const common::VenueStatus& e) noexcept
      : type(RecordType::kVenueStatus), venue_status(e) {}
  explicit JournalRecord(const common::OrderIntent& e) noexcept
      : type(RecordType::kOrderIntent), intent(e) {}
  explicit JournalRecord(const common::OrderDenied& e) noexcept
      : type(RecordType::kOrderDenied), denied(e) {}
  explicit JournalRecord(const OrderAccepted& e) noexcept
      : type(RecordType::kOrderAccepted), accepted(e) {}
  explicit JournalRecord(const common::OrderUpdate& e) noexcept
      : type(RecordType::kOrderUpdate), update(e) {}
  explicit JournalRecord(const common::Fill& e) noexcept : type(RecordType::kFill), fill(e) {}
  explicit JournalRecord(const StrategyNote& e) noexcept
      : type(RecordType::kStrategyNote), note(e) {}
  explicit JournalRecord(const PairOutcome& e) noexcept : type(RecordType::kPairOutcome), pair(e) {}
  explicit JournalRecord(const Gap& e) noexcept : type(RecordType::kGap), gap(e) {}

  // The record's timestamp in the file framing: our receive/decision time.
  [[nodiscard]] Nanos ts() const noexcept;
};
static_assert(std::is_trivially_copyable_v<JournalRecord> && sizeof(JournalRecord) <= 136);

inline Nanos JournalRecord::ts() const noexcept {
  switch (type) {
    case RecordType::kBookDelta:
      return book_delta.ts_recv;
    case RecordType::kTrade:
      return trade.ts_recv;
    case RecordType::kBookReset:
      return book_reset.ts_recv;
    case RecordType::kVenueStatus:
      return venue_status.ts_recv;
    case RecordType::kOrderIntent:
      return intent.ts_recv;
    case RecordType::kOrderDenied:
      return denied.ts_recv;
    case RecordType::kOrderAccepted:
      return accepted.ts_recv;
    case RecordType::kOrderUpdate:
      return update.ts_recv;
    case RecordType::kFill:
      return fill.ts_recv;
    case RecordType::kStrategyNote:
      return note.ts_recv;
    case RecordType::kPairOutcome:
      return pair.ts_recv;
    case RecordType::kGap:
      return gap.ts_recv;
    case RecordType::kRawFrame:
      break;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// CRC32C (Castagnoli). Why it is fast: the SSE4.2 crc32 instruction folds 8 bytes per cycle-ish,
// so checksumming a 120-byte record costs a few ns on the writer thread.

[[nodiscard]] inline std::uint32_t crc32c(std::uint32_t crc, const void* data,
                                          std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  while (n >= 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p);
    ++p;
    --n;
  }
  return ~c32;
}

// Little-endian helpers for the framing (plain memcpy on x86, spelled out for the reader).
template <typename T>
inline void put_le(unsigned char* out, T v) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  std::memcpy(out, &v, sizeof(T));
}
template <typename T>
[[nodiscard]] inline T get_le(const unsigned char* in) noexcept {
  T v{};
  std::memcpy(&v, in, sizeof(T));
  return v;
}

// Writes the 64-byte header: magic(8) version(2) header_size(2) kind(1) reserved(3)
// created_ns(8) config_hash(8) engine_id(24, NUL padded) reserved(4) crc32c(4).
inline void encode_file_header(const FileHeader& h, unsigned char* out) noexcept {
  std::memset(out, 0, kFileHeaderSize);
  const auto& magic = h.kind == FileKind::kJournal ? kJournalMagic : kRecorderMagic;
  std::memcpy(out, magic.data(), magic.size());
  put_le<std::uint16_t>(out + 8, h.version);
  put_le<std::uint16_t>(out + 10, static_cast<std::uint16_t>(kFileHeaderSize));
  out[12] = static_cast<unsigned char>(h.kind);
  put_le<std::int64_t>(out + 16, h.created_ns);
  put_le<std::uint64_t>(out + 24, h.config_hash);
  const std::size_t n =
      h.engine_id.size() < kEngineIdCapacity ? h.engine_id.size() : kEngineIdCapacity;
  std::memcpy(out + 32, h.engine_id.data(), n);
  put_le<std::uint32_t>(out + 60, crc32c(0, out, 60));
}

// Owned copy of a decoded header (engine_id points into it).
struct DecodedHeader {
  FileKind kind = FileKind::kJournal;
  std::uint16_t version = 0;
  Nanos created_ns = 0;
  std::uint64_t config_hash = 0;
  std::array<char, kEngineIdCapacity> engine_id{};
  std::size_t engine_id_len = 0;
  [[nodiscard]] std::string_view engine() const noexcept {
    return {engine_id.data(), engine_id_len};
  }
};

// Empty string_view on success, otherwise the reason.
[[nodiscard]] inline std::string_view decode_file_header(const unsigned char* in, std::size_t n,
                                                         DecodedHeader* out) noexcept {
  if (n < kFileHeaderSize) return "file shorter than the 64-byte header";
  if (std::memcmp(in, kJournalMagic.data(), 8) == 0) {
    out->kind = FileKind::kJournal;
  } else if (std::memcmp(in, kRecorderMagic.data(), 8) == 0) {
    out->kind = FileKind::kRecorder;
  } else {
    return "bad magic (not a Peregrine journal or recording)";
  }
  if (get_le<std::uint32_t>(in + 60) != crc32c(0, in, 60)) return "header crc mismatch";
  out->version = get_le<std::uint16_t>(in + 8);
  if (out->version != kFormatVersion) return "unsupported format version";
  if (get_le<std::uint16_t>(in + 10) != kFileHeaderSize) return "unexpected header size";
  if (in[12] != static_cast<unsigned char>(out->kind)) return "header kind disagrees with magic";
  out->created_ns = get_le<std::int64_t>(in + 16);
  out->config_hash = get_le<std::uint64_t>(in + 24);
  std::memcpy(out->engine_id.data(), in + 32, kEngineIdCapacity);
  out->engine_id_len = 0;
  while (out->engine_id_len < kEngineIdCapacity && out->engine_id[out->engine_id_len] != '\0') {
    ++out->engine_id_len;
  }
  return {};
}

// Frames one record into `out` (must hold kRecordOverhead + payload_len bytes); returns the
// number of bytes written.
inline std::size_t frame_record(RecordType type, std::uint16_t version, Nanos ts,
                                const unsigned char* payload, std::uint32_t payload_len,
                                unsigned char* out) noexcept {
  put_le<std::uint32_t>(out, payload_len);
  put_le<std::uint16_t>(out + 4, static_cast<std::uint16_t>(type));
  put_le<std::uint16_t>(out + 6, version);
  put_le<std::int64_t>(out + 8, ts);
  if (payload_len > 0) std::memcpy(out + kRecordHeaderSize, payload, payload_len);
  const std::size_t body = kRecordHeaderSize + payload_len;
  put_le<std::uint32_t>(out + body, crc32c(0, out, body));
  return body + kRecordTrailerSize;
}

}  // namespace peregrine::engine::journal
