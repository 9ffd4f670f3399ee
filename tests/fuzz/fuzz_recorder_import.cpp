// `pgtool record import` (engine/journal/recorder_import.hpp): capture lines in hftbacktest
// ("<ns> <json>") or cryptofeed (one JSON object a line) form, plain or zstd-compressed, are
// converted into a recorder file. Any input gives a file or an error; a file must read back
// cleanly with exactly the frames and bytes the import reported. The first byte picks the
// format: h = hftbacktest (Binance), c = cryptofeed (Bybit), z = the rest is a .zst stream
// read as cryptofeed (any other byte: byte % 3). Files go to per-process scratch paths.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "engine/journal/journal_reader.hpp"
#include "engine/journal/recorder_format.hpp"
#include "engine/journal/recorder_import.hpp"
#include "fuzz_target.hpp"

namespace peregrine::fuzz {
namespace {

namespace jr = engine::journal;
namespace cap = gateways::capture;

std::string scratch(const char* suffix) {
  return (std::filesystem::temp_directory_path() /
          ("peregrine-fuzz-import-" + std::to_string(::getpid()) + suffix))
      .string();
}

}  // namespace

PEREGRINE_FUZZ_TARGET(recorder_import) {
  if (size > (1u << 20)) return;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::size_t entry = pick_entry(body, "hcz");
  static const std::string plain = scratch(".jsonl"), zst = scratch(".zst"),
                           out = scratch(".pgrec");
  const std::string& in = entry == 2 ? zst : plain;
  {
    std::FILE* f = std::fopen(in.c_str(), "wb");
    FUZZ_CHECK(f != nullptr);
    if (!body.empty()) FUZZ_CHECK(std::fwrite(body.data(), 1, body.size(), f) == body.size());
    FUZZ_CHECK(std::fclose(f) == 0);
  }
  const cap::CaptureFormat format =
      entry == 0 ? cap::CaptureFormat::kHftbacktest : cap::CaptureFormat::kCryptofeed;
  const common::VenueId venue = entry == 0 ? common::VenueId::kBinance : common::VenueId::kBybit;
  jr::ImportStats stats;
  std::string error;
  if (!jr::import_capture(in, format, venue, out, &stats, &error)) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  FUZZ_CHECK(error.empty());
  auto reader = jr::JournalReader::open(out, &error);
  FUZZ_CHECK(reader != nullptr);
  FUZZ_CHECK(reader->header().kind == jr::FileKind::kRecorder);
  std::uint64_t frames = 0, bytes = 0;
  jr::RecordView v;
  jr::JournalReader::Next next;
  while ((next = reader->next(&v)) == jr::JournalReader::Next::kRecord) {
    FUZZ_CHECK(v.type == jr::RecordType::kRawFrame);
    jr::RawFrame f;
    FUZZ_CHECK(jr::decode_raw_frame(v.ts, v.payload, &f));
    FUZZ_CHECK(f.venue == venue);
    if (frames == 0) FUZZ_CHECK(f.ts_recv == stats.first_ts);
    ++frames;
    bytes += f.bytes.size();
    const std::string json = jr::raw_frame_json(v);
    FUZZ_CHECK(!json.empty() && json.front() == '{' && json.back() == '}');
  }
  FUZZ_CHECK(next == jr::JournalReader::Next::kEnd);
  FUZZ_CHECK(frames == stats.frames);
  FUZZ_CHECK(bytes == stats.bytes);
}

PEREGRINE_FUZZ_SEEDS(recorder_import) { return {}; }

}  // namespace peregrine::fuzz
