// Replay inputs: recorded venue frames from capture files (hftbacktest "<ts> <json>" lines,
// cryptofeed JSON lines, gz/zst/plain) or the recorder's own PGRECORD files, merged across
// files by receive timestamp. Replay thread only; start-up and reading may allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/events.hpp"
#include "common/ids.hpp"

namespace peregrine::engine::replay {

enum class InputFormat : std::uint8_t { kHftbacktest, kCryptofeed, kRecorder };
[[nodiscard]] std::string_view to_string(InputFormat f) noexcept;

struct Frame {
  common::Nanos ts_recv = 0;
  common::VenueId venue = common::VenueId::kBinance;
  bool http = false;             // a REST body (snapshot) rather than a WS frame
  std::string_view payload;      // valid until the next call on the same input
  std::size_t source = 0;        // index of the input it came from
  std::string_view symbol_hint;  // the file's symbol from its name ("BTCUSDT"), may be empty
  std::string_view market_hint;  // "usdm", "coinm" or "spot" (Binance captures), may be empty
};

class InputFile {
 public:
  // Detects the format and venue from the content (and, for Binance, the market from the path).
  // nullptr with *error for a missing, unreadable, garbled or unknown file.
  static std::unique_ptr<InputFile> open(const std::string& path, std::size_t source,
                                         std::string* error);
  virtual ~InputFile() = default;
  // False at end of file, or on a read error (error() is then non-empty).
  virtual bool next(Frame* out) = 0;
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] InputFormat format() const noexcept { return format_; }
  // The venue of the file's frames (a recorder file may mix venues: the first frame's).
  [[nodiscard]] common::VenueId venue() const noexcept { return venue_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }

 protected:
  std::string error_;
  std::string path_;
  std::string symbol_hint_;
  std::string market_hint_;
  InputFormat format_ = InputFormat::kHftbacktest;
  common::VenueId venue_ = common::VenueId::kBinance;
  std::size_t source_ = 0;
  std::uint64_t frames_ = 0;
};

// K-way merge by ts_recv; ties go to the earlier input, then file order (deterministic).
class MergedInput {
 public:
  // False with *error naming the file when any input cannot be opened.
  [[nodiscard]] bool open(const std::vector<std::string>& paths, std::string* error);
  [[nodiscard]] bool next(Frame* out);
  // Non-empty after next() returned false because of a read error.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] const std::vector<std::unique_ptr<InputFile>>& files() const noexcept {
    return files_;
  }

 private:
  std::vector<std::unique_ptr<InputFile>> files_;
  std::vector<Frame> heads_;
  std::vector<bool> live_;
  std::size_t last_ = SIZE_MAX;  // input whose head was handed out last: advance it first
  std::string error_;
};

}  // namespace peregrine::engine::replay
