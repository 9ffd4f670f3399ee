// The journal / recorder file reader (engine/journal/journal_reader.hpp) and the payload
// decoders behind `pgtool journal dump` on corrupt files. The first byte picks the shape:
//  * 'r' (or an even byte): the rest is a whole file, read record by record until the end or
//    the first corruption, each record decoded and printed as JSON;
//  * 'f' (or an odd byte): a well-framed file is built around the rest (64-byte header, then
//    '\n'-separated chunks, each = u16 record type + payload, correct CRCs, and a torn tail when
//    the input ends in '!'), so the decoders see arbitrary payloads behind valid framing. All
//    records must read back exactly as written.
// Files go to a per-process scratch path under $TMPDIR.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/journal/journal_export.hpp"
#include "engine/journal/journal_format.hpp"
#include "engine/journal/journal_reader.hpp"
#include "engine/journal/recorder_format.hpp"
#include "fuzz_target.hpp"

namespace peregrine::fuzz {
namespace {

namespace jr = engine::journal;

const std::string& scratch_path() {
  static const std::string path =
      (std::filesystem::temp_directory_path() /
       ("peregrine-fuzz-journal-" + std::to_string(::getpid()) + ".bin"))
          .string();
  return path;
}

void write_file(const std::string& path, const unsigned char* p, std::size_t n) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  if (n != 0) FUZZ_CHECK(std::fwrite(p, 1, n, f) == n);
  FUZZ_CHECK(std::fclose(f) == 0);
}

// Reads every record; returns them (copies) and whether the file ended cleanly.
std::vector<std::pair<std::uint16_t, std::vector<unsigned char>>> read_all(const std::string& path,
                                                                           bool* clean) {
  std::vector<std::pair<std::uint16_t, std::vector<unsigned char>>> out;
  *clean = false;
  std::string error;
  auto reader = jr::JournalReader::open(path, &error);
  if (!reader) {
    FUZZ_CHECK(!error.empty());
    return out;
  }
  const bool recorder = reader->header().kind == jr::FileKind::kRecorder;
  jr::RecordView v;
  for (;;) {
    const auto next = reader->next(&v);
    if (next == jr::JournalReader::Next::kEnd) {
      *clean = true;
      FUZZ_CHECK(reader->good_end() == reader->file_size());
      break;
    }
    if (next == jr::JournalReader::Next::kCorrupt) {
      FUZZ_CHECK(!reader->corruption().reason.empty());
      FUZZ_CHECK(reader->corruption().offset == reader->good_end());
      FUZZ_CHECK(reader->good_end() < reader->file_size());
      FUZZ_CHECK(reader->next(&v) == jr::JournalReader::Next::kCorrupt);  // sticky
      break;
    }
    FUZZ_CHECK(v.payload.size() <= jr::kMaxPayload);
    FUZZ_CHECK(reader->good_end() <= reader->file_size());
    const std::string json = recorder ? jr::raw_frame_json(v) : jr::record_json(v);
    FUZZ_CHECK(!json.empty() && json.front() == '{' && json.back() == '}');
    jr::JournalRecord rec;
    static_cast<void>(jr::decode_payload(v.type, v.payload.data(), v.payload.size(), &rec));
    jr::RawFrame frame;
    if (jr::decode_raw_frame(v.ts, v.payload, &frame)) {
      FUZZ_CHECK(4 + frame.conn.size() + frame.bytes.size() == v.payload.size());
    }
    out.emplace_back(static_cast<std::uint16_t>(v.type),
                     std::vector<unsigned char>(v.payload.begin(), v.payload.end()));
  }
  FUZZ_CHECK(reader->records_read() == out.size());
  return out;
}

}  // namespace

PEREGRINE_FUZZ_TARGET(journal) {
  if (size == 0 || size > (1u << 20)) return;
  const std::string& path = scratch_path();
  bool clean = false;
  if (data[0] == 'r' || (data[0] != 'f' && data[0] % 2 == 0)) {
    write_file(path, data + 1, size - 1);
    static_cast<void>(read_all(path, &clean));
    return;
  }
  // Framed: header + chunks with valid CRCs.
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool torn = !rest.empty() && rest.back() == '!';
  jr::FileHeader h;
  h.kind = (size % 2 == 0) ? jr::FileKind::kRecorder : jr::FileKind::kJournal;
  h.created_ns = 1;
  h.engine_id = "fuzz";
  std::vector<unsigned char> file(jr::kFileHeaderSize);
  jr::encode_file_header(h, file.data());
  std::vector<std::pair<std::uint16_t, std::vector<unsigned char>>> want;
  std::size_t start = 0;
  while (start < rest.size() && want.size() < 64) {
    std::size_t nl = rest.find('\n', start);
    if (nl == std::string_view::npos) nl = rest.size();
    const std::string_view chunk = rest.substr(start, nl - start);
    start = nl + 1;
    if (chunk.size() < 2) continue;
    const auto type = static_cast<std::uint16_t>(static_cast<unsigned char>(chunk[0]) |
                                                 (static_cast<unsigned char>(chunk[1]) << 8));
    const std::string_view payload = chunk.substr(2);
    const std::size_t at = file.size();
    file.resize(at + jr::kRecordOverhead + payload.size());
    unsigned char* p = file.data() + at;
    jr::put_le<std::uint32_t>(p, static_cast<std::uint32_t>(payload.size()));
    jr::put_le<std::uint16_t>(p + 4, type);
    jr::put_le<std::uint16_t>(p + 6, 1);
    jr::put_le<std::int64_t>(p + 8, static_cast<std::int64_t>(at));
    if (!payload.empty()) std::memcpy(p + jr::kRecordHeaderSize, payload.data(), payload.size());
    const std::uint32_t crc = jr::crc32c(0, p, jr::kRecordHeaderSize + payload.size());
    jr::put_le<std::uint32_t>(p + jr::kRecordHeaderSize + payload.size(), crc);
    want.emplace_back(type, std::vector<unsigned char>(payload.begin(), payload.end()));
  }
  if (torn) file.insert(file.end(), {0x10, 0x00, 0x00});  // a torn length field
  write_file(path, file.data(), file.size());
  const auto got = read_all(path, &clean);
  FUZZ_CHECK(got == want);
  FUZZ_CHECK(clean == !torn);
}

PEREGRINE_FUZZ_SEEDS(journal) { return {}; }

}  // namespace peregrine::fuzz
