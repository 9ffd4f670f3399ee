// Converts a recorded capture (hftbacktest or cryptofeed, read by gateways/capture) into a
// Peregrine recorder file. Off the hot path (pgtool, tests); one thread; header-only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "engine/journal/journal_file.hpp"
#include "engine/journal/recorder_format.hpp"
#include "gateways/capture/capture_reader.hpp"

namespace peregrine::engine::journal {

struct ImportStats {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  Nanos first_ts = 0;
  Nanos last_ts = 0;
};

// The channel of a frame: cryptofeed's connection id, else the Binance combined-stream name
// ({"stream":"btcusdt@depth@0ms",...}), else empty.
[[nodiscard]] inline std::string_view frame_channel(const gateways::capture::CaptureRecord& r) {
  if (!r.conn.empty()) return r.conn;
  constexpr std::string_view kPrefix = "{\"stream\":\"";
  if (r.payload.substr(0, kPrefix.size()) == kPrefix) {
    const std::size_t end = r.payload.find('"', kPrefix.size());
    if (end != std::string_view::npos)
      return r.payload.substr(kPrefix.size(), end - kPrefix.size());
  }
  return {};
}

[[nodiscard]] inline FrameKind frame_kind(gateways::capture::RecordKind k) noexcept {
  switch (k) {
    case gateways::capture::RecordKind::kRecv:
      return FrameKind::kRecv;
    case gateways::capture::RecordKind::kHttp:
      return FrameKind::kHttp;
    case gateways::capture::RecordKind::kSend:
      return FrameKind::kSend;
    case gateways::capture::RecordKind::kOther:
      return FrameKind::kOther;
  }
  return FrameKind::kOther;
}

// Writes `out` afresh (an existing file is replaced). The header's created time is the first
// frame's receive time, so converting the same capture twice gives identical files.
[[nodiscard]] inline bool import_capture(const std::string& in,
                                         gateways::capture::CaptureFormat format,
                                         common::VenueId venue, const std::string& out,
                                         ImportStats* stats, std::string* error) {
  *stats = ImportStats{};
  auto reader = gateways::capture::CaptureReader::open(in, format, error);
  if (!reader) return false;
  gateways::capture::CaptureRecord rec;
  const bool any = reader->next(&rec);
  if (!any && !reader->error().empty()) {
    *error = in + ": " + reader->error();
    return false;
  }
  std::remove(out.c_str());
  FileHeader h;
  h.kind = FileKind::kRecorder;
  h.created_ns = any ? rec.ts_ns : 0;
  h.engine_id = "pgtool record import";
  OpenResult res;
  auto file = JournalFile::open(out, h, 1u << 20, &res, error);
  if (!file) return false;
  std::vector<unsigned char> payload;
  for (bool have = any; have; have = reader->next(&rec)) {
    RawFrame f;
    f.ts_recv = rec.ts_ns;
    f.venue = venue;
    f.kind = frame_kind(rec.kind);
    f.conn = frame_channel(rec);
    f.bytes = rec.payload;
    if (!encode_raw_frame(f, &payload) || payload.size() > kMaxPayload) {
      *error = in + ": line " + std::to_string(reader->line_number()) + ": frame too large";
      return false;
    }
    if (!file->append(RecordType::kRawFrame, kRawFrameVersion, f.ts_recv, payload.data(),
                      static_cast<std::uint32_t>(payload.size()))) {
      *error = out + ": write error";
      return false;
    }
    if (stats->frames == 0) stats->first_ts = f.ts_recv;
    stats->last_ts = f.ts_recv;
    ++stats->frames;
    stats->bytes += f.bytes.size();
  }
  if (!reader->error().empty()) {
    *error = in + ": " + reader->error();
    return false;
  }
  if (!file->sync()) {
    *error = out + ": write error";
    return false;
  }
  return true;
}

}  // namespace peregrine::engine::journal
