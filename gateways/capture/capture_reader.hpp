// Reads recorded venue captures line by line: gzip (.gz), zstd (.zst) or plain text, in the
// formats of ../shared/data (hftbacktest "<local ts> <raw json>", cryptofeed format 2 JSON lines).
// Off the hot path (replay set-up, tests, pgtool); one thread per reader; may allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace peregrine::gateways::capture {

// Decompressing line reader. Lines are returned without the trailing newline.
class LineReader {
 public:
  // nullptr with *error set when the file cannot be opened or the format is unknown.
  static std::unique_ptr<LineReader> open(const std::string& path, std::string* error);
  virtual ~LineReader() = default;
  // False at end of file or on a read error (then error() is non-empty).
  virtual bool next(std::string_view* line) = 0;
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 protected:
  std::string error_;
};

enum class CaptureFormat : std::uint8_t { kHftbacktest, kCryptofeed };

enum class RecordKind : std::uint8_t { kRecv, kHttp, kSend, kOther };

struct CaptureRecord {
  std::int64_t ts_ns = 0;  // local receive time, ns since epoch (0 when the line has none)
  RecordKind kind = RecordKind::kRecv;
  std::string_view conn;     // cryptofeed connection id ("BYBIT.ws.2"), empty otherwise
  std::string_view payload;  // the raw venue message (JSON text), valid until the next call
};

// hftbacktest timestamps are ns in the 2024 files and µs in the 2023 .dat files; values below
// 1e17 are taken as µs (see ../shared/data/SOURCES.md).
class CaptureReader {
 public:
  static std::unique_ptr<CaptureReader> open(const std::string& path, CaptureFormat format,
                                             std::string* error);
  // False at end or on error (error() then says what and on which line).
  bool next(CaptureRecord* out);
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::uint64_t line_number() const noexcept { return line_no_; }

 private:
  CaptureReader(std::unique_ptr<LineReader> lines, CaptureFormat format)
      : lines_(std::move(lines)), format_(format) {}
  std::unique_ptr<LineReader> lines_;
  CaptureFormat format_;
  simdjson::dom::parser parser_;
  std::string payload_;
  std::string conn_;
  std::string error_;
  std::uint64_t line_no_ = 0;
};

// "hftbacktest" / "cryptofeed" → format; false if unknown.
[[nodiscard]] bool parse_capture_format(std::string_view s, CaptureFormat* out) noexcept;

}  // namespace peregrine::gateways::capture
