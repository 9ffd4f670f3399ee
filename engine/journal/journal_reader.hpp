// JournalReader: iterates the records of a journal or recorder file and reports corruption
// precisely (byte offset and reason). One thread per reader; off the hot path; header-only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/journal/journal_format.hpp"

namespace peregrine::engine::journal {

struct RecordView {
  std::uint64_t offset = 0;  // of the record's length field
  RecordType type = RecordType::kGap;
  std::uint16_t version = 0;
  Nanos ts = 0;
  std::span<const unsigned char> payload;  // valid until the next call to next()
};

struct Corruption {
  std::uint64_t offset = 0;  // where the bad record starts
  std::string reason;
  // The bad bytes run to the end of the file: a torn write, safe to truncate on reopen.
  bool at_tail = false;
};

class JournalReader {
 public:
  enum class Next : std::uint8_t { kRecord, kEnd, kCorrupt };

  // nullptr with *error set when the file cannot be opened or its header is bad.
  static std::unique_ptr<JournalReader> open(const std::string& path, std::string* error) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      *error = "cannot open " + path;
      return nullptr;
    }
    std::unique_ptr<JournalReader> r(new JournalReader(f));
    if (std::fseek(f, 0, SEEK_END) != 0) {
      *error = "cannot seek " + path;
      return nullptr;
    }
    r->file_size_ = static_cast<std::uint64_t>(std::ftell(f));
    std::rewind(f);
    unsigned char hdr[kFileHeaderSize];
    const std::size_t got = std::fread(hdr, 1, kFileHeaderSize, f);
    const std::string_view why = decode_file_header(hdr, got, &r->header_);
    if (!why.empty()) {
      *error = path + ": " + std::string(why);
      return nullptr;
    }
    r->pos_ = kFileHeaderSize;
    return r;
  }

  ~JournalReader() {
    if (file_ != nullptr) std::fclose(file_);
  }
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  [[nodiscard]] const DecodedHeader& header() const noexcept { return header_; }
  [[nodiscard]] std::uint64_t file_size() const noexcept { return file_size_; }
  // End of the last good record (where an appender would continue).
  [[nodiscard]] std::uint64_t good_end() const noexcept { return pos_; }
  [[nodiscard]] const Corruption& corruption() const noexcept { return corruption_; }
  [[nodiscard]] std::uint64_t records_read() const noexcept { return records_; }

  // After kCorrupt every later call returns kCorrupt again: nothing past a bad record is
  // trusted, since its length field may be the damaged part.
  Next next(RecordView* out) {
    if (!corruption_.reason.empty()) return Next::kCorrupt;
    if (pos_ == file_size_) return Next::kEnd;
    const std::uint64_t remaining = file_size_ - pos_;
    unsigned char hdr[kRecordHeaderSize];
    if (remaining < kRecordHeaderSize || !read_exact(hdr, kRecordHeaderSize)) {
      return corrupt("truncated record header (" + std::to_string(remaining) + " bytes left)",
                     true);
    }
    const auto len = get_le<std::uint32_t>(hdr);
    if (len > kMaxPayload) {
      return corrupt("record length " + std::to_string(len) + " exceeds the maximum " +
                         std::to_string(kMaxPayload),
                     false);
    }
    const std::uint64_t total = kRecordOverhead + std::uint64_t{len};
    if (total > remaining) {
      return corrupt("truncated record: needs " + std::to_string(total) + " bytes, " +
                         std::to_string(remaining) + " left",
                     true);
    }
    buf_.resize(kRecordHeaderSize + len + kRecordTrailerSize);
    std::memcpy(buf_.data(), hdr, kRecordHeaderSize);
    if (!read_exact(buf_.data() + kRecordHeaderSize, len + kRecordTrailerSize)) {
      return corrupt("read error", true);
    }
    const auto stored = get_le<std::uint32_t>(buf_.data() + kRecordHeaderSize + len);
    const std::uint32_t computed = crc32c(0, buf_.data(), kRecordHeaderSize + len);
    if (stored != computed) {
      return corrupt("crc mismatch", total == remaining);
    }
    out->offset = pos_;
    out->type = static_cast<RecordType>(get_le<std::uint16_t>(hdr + 4));
    out->version = get_le<std::uint16_t>(hdr + 6);
    out->ts = get_le<std::int64_t>(hdr + 8);
    out->payload = std::span<const unsigned char>(buf_.data() + kRecordHeaderSize, len);
    pos_ += total;
    ++records_;
    return Next::kRecord;
  }

 private:
  explicit JournalReader(std::FILE* f) : file_(f) {}

  bool read_exact(unsigned char* p, std::size_t n) { return std::fread(p, 1, n, file_) == n; }

  Next corrupt(std::string reason, bool at_tail) {
    corruption_.offset = pos_;
    corruption_.reason = std::move(reason);
    corruption_.at_tail = at_tail;
    return Next::kCorrupt;
  }

  std::FILE* file_;
  DecodedHeader header_;
  std::uint64_t file_size_ = 0;
  std::uint64_t pos_ = 0;
  std::uint64_t records_ = 0;
  std::vector<unsigned char> buf_;
  Corruption corruption_;
};

}  // namespace peregrine::engine::journal
