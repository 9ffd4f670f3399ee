// Loads the WebSocket frames of the recorded Coinbase capture for the codec tests. Test thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "gateways/capture/capture_reader.hpp"

namespace peregrine::gateways::coinbase::testing {

struct Frame {
  std::int64_t ts_ns = 0;
  std::string json;
};

inline std::vector<Frame> load_frames(const std::filesystem::path& path) {
  std::vector<Frame> out;
  std::string error;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kCryptofeed, &error);
  if (!reader) return out;
  capture::CaptureRecord rec;
  while (reader->next(&rec)) {
    if (rec.kind == capture::RecordKind::kRecv)
      out.push_back({rec.ts_ns, std::string(rec.payload)});
  }
  return out;
}

inline constexpr const char* kCapturePath = "coinbase/COINBASE.jsonl.zst";

}  // namespace peregrine::gateways::coinbase::testing
