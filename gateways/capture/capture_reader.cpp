#include "gateways/capture/capture_reader.hpp"

#include <zlib.h>
#include <zstd.h>

#include <charconv>
#include <cstdio>
#include <vector>

namespace peregrine::gateways::capture {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Splits a byte stream into lines; subclasses refill `buf_`.
class BufferedLines : public LineReader {
 public:
  bool next(std::string_view* line) override {
    for (;;) {
      const auto nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        *line = std::string_view(buf_).substr(pos_, nl - pos_);
        if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
        pos_ = nl + 1;
        return true;
      }
      if (eof_) {
        if (pos_ < buf_.size()) {
          *line = std::string_view(buf_).substr(pos_);
          pos_ = buf_.size();
          return true;
        }
        return false;
      }
      buf_.erase(0, pos_);
      pos_ = 0;
      if (!fill()) return false;
    }
  }

 protected:
  virtual bool fill() = 0;  // appends to buf_, sets eof_; false on error
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
};

class GzLines final : public BufferedLines {
 public:
  explicit GzLines(gzFile f) : f_(f) { gzbuffer(f_, 1 << 17); }
  ~GzLines() override { gzclose(f_); }

 private:
  bool fill() override {
    char chunk[1 << 16];
    const int n = gzread(f_, chunk, sizeof(chunk));
    if (n < 0) {
      int errnum = 0;
      error_ = std::string("gzip read error: ") + gzerror(f_, &errnum);
      return false;
    }
    if (n == 0) eof_ = true;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  gzFile f_;
};

class ZstdLines final : public BufferedLines {
 public:
  ZstdLines(std::FILE* f) : f_(f), ds_(ZSTD_createDStream()), in_(ZSTD_DStreamInSize()) {
    ZSTD_initDStream(ds_);
  }
  ~ZstdLines() override {
    ZSTD_freeDStream(ds_);
    std::fclose(f_);
  }

 private:
  bool fill() override {
    std::vector<char> out(ZSTD_DStreamOutSize());
    for (;;) {
      if (input_.pos == input_.size) {
        const std::size_t n = std::fread(in_.data(), 1, in_.size(), f_);
        if (n == 0) {
          if (std::ferror(f_)) {
            error_ = "read error";
            return false;
          }
          if (!frame_done_) {
            error_ = "truncated zstd stream";
            return false;
          }
          eof_ = true;
          return true;
        }
        input_ = ZSTD_inBuffer{in_.data(), n, 0};
      }
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      const std::size_t r = ZSTD_decompressStream(ds_, &output, &input_);
      if (ZSTD_isError(r)) {
        error_ = std::string("zstd error: ") + ZSTD_getErrorName(r);
        return false;
      }
      frame_done_ = r == 0;
      if (output.pos > 0) {
        buf_.append(out.data(), output.pos);
        return true;
      }
    }
  }
  std::FILE* f_;
  ZSTD_DStream* ds_;
  std::vector<char> in_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool frame_done_ = true;
};

}  // namespace

std::unique_ptr<LineReader> LineReader::open(const std::string& path, std::string* error) {
  if (ends_with(path, ".zst")) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      *error = "cannot open " + path;
      return nullptr;
    }
    return std::make_unique<ZstdLines>(f);
  }
  // zlib reads gzip and, transparently, plain text.
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot open " + path;
    return nullptr;
  }
  return std::make_unique<GzLines>(f);
}

bool parse_capture_format(std::string_view s, CaptureFormat* out) noexcept {
  if (s == "hftbacktest") {
    *out = CaptureFormat::kHftbacktest;
    return true;
  }
  if (s == "cryptofeed") {
    *out = CaptureFormat::kCryptofeed;
    return true;
  }
  return false;
}

std::unique_ptr<CaptureReader> CaptureReader::open(const std::string& path, CaptureFormat format,
                                                   std::string* error) {
  auto lines = LineReader::open(path, error);
  if (!lines) return nullptr;
  return std::unique_ptr<CaptureReader>(new CaptureReader(std::move(lines), format));
}

bool CaptureReader::next(CaptureRecord* out) {
  std::string_view line;
  while (lines_->next(&line)) {
    ++line_no_;
    if (line.empty()) continue;
    if (format_ == CaptureFormat::kHftbacktest) {
      // npos is checked before it is added to a pointer; a negative timestamp, or one in
      // microseconds too large to scale to ns, is rejected (found by tests/fuzz).
      const auto space = line.find(' ');
      std::int64_t ts = -1;
      const auto [p, ec] = space == std::string_view::npos
                               ? std::from_chars_result{line.data(), std::errc::invalid_argument}
                               : std::from_chars(line.data(), line.data() + space, ts);
      if (ec != std::errc() || p != line.data() + space || ts < 0 ||
          (ts < 100'000'000'000'000'000LL && ts > INT64_MAX / 1000)) {
        error_ = "line " + std::to_string(line_no_) + ": expected '<timestamp> <json>'";
        return false;
      }
      out->ts_ns = ts < 100'000'000'000'000'000LL ? ts * 1000 : ts;
      out->kind = RecordKind::kRecv;
      out->conn = {};
      out->payload = line.substr(space + 1);
      return true;
    }
    simdjson::dom::element rec;
    if (parser_.parse(line.data(), line.size()).get(rec)) {
      error_ = "line " + std::to_string(line_no_) + ": bad JSON";
      return false;
    }
    std::string_view t;
    if (rec["t"].get(t)) {
      error_ = "line " + std::to_string(line_no_) + ": no record type \"t\"";
      return false;
    }
    out->kind = t == "recv"   ? RecordKind::kRecv
                : t == "http" ? RecordKind::kHttp
                : t == "send" ? RecordKind::kSend
                              : RecordKind::kOther;
    double ts = 0;
    if (rec["ts"].get(ts)) ts = 0;
    // Seconds beyond the int64 ns range would make the cast UB (found by tests/fuzz).
    if (!(ts > -9.2e9 && ts < 9.2e9)) {
      error_ = "line " + std::to_string(line_no_) + ": timestamp out of range";
      return false;
    }
    out->ts_ns = static_cast<std::int64_t>(ts * 1e9);
    std::string_view conn;
    conn_ = rec["conn"].get(conn) ? std::string() : std::string(conn);
    out->conn = conn_;
    std::string_view data;
    if (rec["data"].get(data)) {
      out->payload = {};
    } else {
      payload_.assign(data);  // unescaped raw message
      out->payload = payload_;
    }
    return true;
  }
  if (!lines_->error().empty()) error_ = lines_->error();
  return false;
}

}  // namespace peregrine::gateways::capture
