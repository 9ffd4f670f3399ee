// JournalFile: the synchronous appender under JournalWriter and the recorder: creates a file with
// its header, or reopens one (truncating a torn tail) and appends framed records through a
// buffer. One thread (the writer agent, or pgtool); does I/O, so never on the hot path.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/journal/journal_reader.hpp"

namespace peregrine::engine::journal {

struct OpenResult {
  bool created = false;                // a new file with a fresh header
  std::uint64_t truncated_bytes = 0;   // torn tail removed on reopen
  std::uint64_t existing_records = 0;  // good records found on reopen
  std::string truncated_reason;        // why the tail was cut (empty if it was not)
};

class JournalFile {
 public:
  // Opens `path` for appending. A missing or empty file gets `header`; an existing file must be
  // of the same kind, and a torn tail is truncated. Corruption before the tail is refused
  // (nullptr, *error names offset and reason) so a bad disk never loses good records silently.
  static std::unique_ptr<JournalFile> open(const std::string& path, const FileHeader& header,
                                           std::size_t buffer_bytes, OpenResult* result,
                                           std::string* error) {
    *result = OpenResult{};
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
    std::uint64_t append_at = kFileHeaderSize;
    if (exists) {
      auto reader = JournalReader::open(path, error);
      if (!reader) return nullptr;
      if (reader->header().kind != header.kind) {
        *error = path + ": exists and is a different kind of file";
        return nullptr;
      }
      RecordView view;
      JournalReader::Next n;
      while ((n = reader->next(&view)) == JournalReader::Next::kRecord) {
      }
      if (n == JournalReader::Next::kCorrupt) {
        const Corruption& c = reader->corruption();
        if (!c.at_tail) {
          *error = path + ": corrupt record at offset " + std::to_string(c.offset) + ": " +
                   c.reason + " (not at the tail; refusing to append)";
          return nullptr;
        }
        result->truncated_bytes = reader->file_size() - c.offset;
        result->truncated_reason = c.reason;
      }
      append_at = reader->good_end();
      result->existing_records = reader->records_read();
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      *error = "cannot open " + path + " for writing: " + std::strerror(errno);
      return nullptr;
    }
    std::unique_ptr<JournalFile> f(new JournalFile(fd, buffer_bytes));
    if (!exists) {
      unsigned char hdr[kFileHeaderSize];
      encode_file_header(header, hdr);
      if (::ftruncate(fd, 0) != 0 || !f->write_all(hdr, kFileHeaderSize)) {
        *error = "cannot write header to " + path + ": " + std::strerror(errno);
        return nullptr;
      }
      result->created = true;
    } else {
      if (::ftruncate(fd, static_cast<off_t>(append_at)) != 0 ||
          ::lseek(fd, static_cast<off_t>(append_at), SEEK_SET) < 0) {
        *error = "cannot truncate " + path + ": " + std::strerror(errno);
        return nullptr;
      }
    }
    f->bytes_in_file_ = append_at;
    return f;
  }

  ~JournalFile() {
    static_cast<void>(flush());
    ::close(fd_);
  }
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;

  // Buffers one framed record; flushes first when the buffer cannot hold it. False on a write
  // error (counted; the record is lost and the caller counts it).
  [[nodiscard]] bool append(RecordType type, std::uint16_t version, Nanos ts,
                            const unsigned char* payload, std::uint32_t len) {
    const std::size_t need = kRecordOverhead + len;
    if (used_ + need > buffer_.size()) {
      if (!flush()) return false;
      if (need > buffer_.size()) buffer_.resize(need);  // oversized raw frame: off the hot path
    }
    used_ += frame_record(type, version, ts, payload, len, buffer_.data() + used_);
    ++records_;
    return true;
  }

  // Writes buffered bytes to the file (no fsync).
  [[nodiscard]] bool flush() {
    if (used_ == 0) return true;
    const bool ok = write_all(buffer_.data(), used_);
    if (ok) bytes_in_file_ += used_;
    used_ = 0;
    return ok;
  }

  // flush() then fdatasync(): the records are on disk when this returns true.
  [[nodiscard]] bool sync() {
    if (!flush()) return false;
    if (::fdatasync(fd_) != 0) {
      ++write_errors_;
      return false;
    }
    ++syncs_;
    return true;
  }

  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }
  [[nodiscard]] std::uint64_t bytes_in_file() const noexcept { return bytes_in_file_; }
  [[nodiscard]] std::size_t buffered() const noexcept { return used_; }
  [[nodiscard]] std::uint64_t write_errors() const noexcept { return write_errors_; }
  [[nodiscard]] std::uint64_t syncs() const noexcept { return syncs_; }

 private:
  JournalFile(int fd, std::size_t buffer_bytes)
      : fd_(fd), buffer_(buffer_bytes < 4096 ? 4096 : buffer_bytes) {}

  bool write_all(const unsigned char* p, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        ++write_errors_;
        return false;
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }

  int fd_;
  std::vector<unsigned char> buffer_;
  std::size_t used_ = 0;
  std::uint64_t bytes_in_file_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t write_errors_ = 0;
  std::uint64_t syncs_ = 0;
};

}  // namespace peregrine::engine::journal
