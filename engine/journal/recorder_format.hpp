// Recorder files: raw venue frames with our receive timestamps, in the journal's framing
// (magic PGRECORD, record type kRawFrame). Any thread; header-only so pgtool can convert and dump.
//
// kRawFrame payload: u8 venue | u8 kind | u16 conn_len | conn bytes | frame bytes (the rest).
// The record header's ts is the receive time in epoch ns.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/journal/journal_export.hpp"
#include "engine/journal/journal_format.hpp"

namespace peregrine::engine::journal {

inline constexpr std::uint16_t kRawFrameVersion = 1;

enum class FrameKind : std::uint8_t { kRecv = 0, kHttp = 1, kSend = 2, kOther = 3 };

[[nodiscard]] constexpr std::string_view to_string(FrameKind k) noexcept {
  switch (k) {
    case FrameKind::kRecv:
      return "recv";
    case FrameKind::kHttp:
      return "http";
    case FrameKind::kSend:
      return "send";
    case FrameKind::kOther:
      return "other";
  }
  return "unknown";
}

struct RawFrame {
  Nanos ts_recv = 0;
  common::VenueId venue = common::VenueId::kHyperliquid;
  FrameKind kind = FrameKind::kRecv;
  std::string_view conn;   // connection/channel id ("BYBIT.ws.2", "depth"), at most 65535 bytes
  std::string_view bytes;  // the frame exactly as received
};

// Replaces `out` with the payload of `f`. False if conn is too long for its u16 length.
[[nodiscard]] inline bool encode_raw_frame(const RawFrame& f, std::vector<unsigned char>* out) {
  if (f.conn.size() > 0xffff) return false;
  out->resize(4 + f.conn.size() + f.bytes.size());
  unsigned char* p = out->data();
  p[0] = static_cast<unsigned char>(f.venue);
  p[1] = static_cast<unsigned char>(f.kind);
  put_le<std::uint16_t>(p + 2, static_cast<std::uint16_t>(f.conn.size()));
  if (!f.conn.empty()) std::memcpy(p + 4, f.conn.data(), f.conn.size());
  if (!f.bytes.empty()) std::memcpy(p + 4 + f.conn.size(), f.bytes.data(), f.bytes.size());
  return true;
}

// Views into `payload`; false when it is too short for its own conn length.
[[nodiscard]] inline bool decode_raw_frame(Nanos ts, std::span<const unsigned char> payload,
                                           RawFrame* out) noexcept {
  if (payload.size() < 4) return false;
  const auto conn_len = get_le<std::uint16_t>(payload.data() + 2);
  if (4u + conn_len > payload.size()) return false;
  const auto* chars = reinterpret_cast<const char*>(payload.data());
  out->ts_recv = ts;
  out->venue = static_cast<common::VenueId>(payload[0]);
  out->kind = static_cast<FrameKind>(payload[1]);
  out->conn = std::string_view(chars + 4, conn_len);
  out->bytes = std::string_view(chars + 4 + conn_len, payload.size() - 4 - conn_len);
  return true;
}

// {"offset":64,"type":"raw_frame","ts_recv":...,"venue":"binance","kind":"recv","conn":"...",
//  "length":N,"frame":"<the frame as a JSON string>"}; gap records print as in the journal.
[[nodiscard]] inline std::string raw_frame_json(const RecordView& v) {
  if (v.type != RecordType::kRawFrame) return record_json(v);
  RawFrame f;
  std::string out = "{\"offset\":" + std::to_string(v.offset) + ",\"type\":\"raw_frame\"";
  if (!decode_raw_frame(v.ts, v.payload, &f)) {
    return out + ",\"error\":\"payload shorter than its connection id\"}";
  }
  out += ",\"ts_recv\":" + std::to_string(f.ts_recv) + ",\"venue\":";
  out += field_text(f.venue, true);
  out += ",\"kind\":";
  append_json_string(out, to_string(f.kind));
  out += ",\"conn\":";
  append_json_string(out, f.conn);
  out += ",\"length\":" + std::to_string(f.bytes.size()) + ",\"frame\":";
  append_json_string(out, f.bytes);
  out += '}';
  return out;
}

}  // namespace peregrine::engine::journal
