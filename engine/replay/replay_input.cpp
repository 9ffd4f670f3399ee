// Replay inputs; see replay_input.hpp.
#include "engine/replay/replay_input.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "engine/journal/journal_reader.hpp"
#include "engine/journal/recorder_format.hpp"
#include "gateways/capture/capture_reader.hpp"

namespace peregrine::engine::replay {

namespace {

namespace capture = gateways::capture;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// "btcusdt_20240808.gz" -> "BTCUSDT"; "btcusd_perp_..." -> "BTCUSD_PERP".
std::string symbol_from_path(const std::string& path) {
  std::string stem = std::filesystem::path(path).filename().string();
  const auto dot = stem.find('.');
  if (dot != std::string::npos) stem.resize(dot);
  const auto last = stem.rfind('_');
  if (last == std::string::npos) return upper(stem);
  return upper(stem.substr(0, last));
}

std::string market_from_path(const std::string& path) {
  if (path.find("spot") != std::string::npos) return "spot";
  if (path.find("coinm") != std::string::npos || path.find("_perp") != std::string::npos) {
    return "coinm";
  }
  return "usdm";
}

bool has_magic(const std::string& path, const std::array<char, 8>& magic) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char buf[8] = {};
  const std::size_t n = std::fread(buf, 1, sizeof(buf), f);
  std::fclose(f);
  return n == sizeof(buf) && std::memcmp(buf, magic.data(), sizeof(buf)) == 0;
}

class CaptureInput final : public InputFile {
 public:
  CaptureInput(std::unique_ptr<capture::CaptureReader> reader) : reader_(std::move(reader)) {}
  bool next(Frame* out) override {
    capture::CaptureRecord rec;
    while (reader_->next(&rec)) {
      if (rec.kind != capture::RecordKind::kRecv && rec.kind != capture::RecordKind::kHttp) {
        continue;
      }
      out->ts_recv = rec.ts_ns;
      out->venue = venue_;
      out->http = rec.kind == capture::RecordKind::kHttp;
      out->payload = rec.payload;
      out->source = source_;
      out->symbol_hint = symbol_hint_;
      out->market_hint = market_hint_;
      ++frames_;
      return true;
    }
    if (!reader_->error().empty()) error_ = path_ + ": " + reader_->error();
    return false;
  }
  friend class InputFile;

 private:
  std::unique_ptr<capture::CaptureReader> reader_;
};

class RecorderInput final : public InputFile {
 public:
  explicit RecorderInput(std::unique_ptr<journal::JournalReader> reader)
      : reader_(std::move(reader)) {}
  bool next(Frame* out) override {
    journal::RecordView v;
    for (;;) {
      const journal::JournalReader::Next n = reader_->next(&v);
      if (n == journal::JournalReader::Next::kEnd) return false;
      if (n != journal::JournalReader::Next::kRecord) {
        error_ = path_ + ": corrupt record at offset " +
                 std::to_string(reader_->corruption().offset) + ": " + reader_->corruption().reason;
        return false;
      }
      if (v.type != journal::RecordType::kRawFrame) continue;  // gaps: the recorder's own drops
      journal::RawFrame f;
      if (!journal::decode_raw_frame(v.ts, v.payload, &f)) {
        ++bad_;
        continue;
      }
      if (f.kind != journal::FrameKind::kRecv && f.kind != journal::FrameKind::kHttp) continue;
      out->ts_recv = f.ts_recv;
      out->venue = f.venue;
      out->http = f.kind == journal::FrameKind::kHttp;
      out->payload = f.bytes;
      out->source = source_;
      out->symbol_hint = symbol_hint_;
      out->market_hint = market_hint_;
      ++frames_;
      return true;
    }
  }
  friend class InputFile;

 private:
  std::unique_ptr<journal::JournalReader> reader_;
  std::uint64_t bad_ = 0;
};

}  // namespace

std::string_view to_string(InputFormat f) noexcept {
  switch (f) {
    case InputFormat::kHftbacktest:
      return "hftbacktest";
    case InputFormat::kCryptofeed:
      return "cryptofeed";
    case InputFormat::kRecorder:
      return "recorder";
  }
  return "unknown";
}

std::unique_ptr<InputFile> InputFile::open(const std::string& path, std::size_t source,
                                           std::string* error) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    *error = path + ": no such file";
    return nullptr;
  }
  std::unique_ptr<InputFile> in;
  if (has_magic(path, journal::kRecorderMagic)) {
    auto reader = journal::JournalReader::open(path, error);
    if (!reader) return nullptr;
    auto r = std::make_unique<RecorderInput>(std::move(reader));
    r->format_ = InputFormat::kRecorder;
    // The venue of the first frame names the file; every frame carries its own.
    journal::RecordView v;
    auto probe = journal::JournalReader::open(path, error);
    if (!probe) return nullptr;
    while (probe->next(&v) == journal::JournalReader::Next::kRecord) {
      journal::RawFrame f;
      if (v.type == journal::RecordType::kRawFrame &&
          journal::decode_raw_frame(v.ts, v.payload, &f)) {
        r->venue_ = f.venue;
        break;
      }
    }
    r->market_hint_ = "usdm";
    in = std::move(r);
  } else if (has_magic(path, journal::kJournalMagic)) {
    *error = path + ": a journal (normalized events), not a recording of raw frames";
    return nullptr;
  } else {
    // Sniff the first line: hftbacktest "<ts> <json>" or a cryptofeed JSON record.
    auto lines = capture::LineReader::open(path, error);
    if (!lines) return nullptr;
    std::string_view first;
    if (!lines->next(&first)) {
      *error = path + ": " + (lines->error().empty() ? "empty file" : lines->error());
      return nullptr;
    }
    capture::CaptureFormat cf;
    common::VenueId venue = common::VenueId::kBinance;
    if (first.starts_with("{\"t\":")) {
      cf = capture::CaptureFormat::kCryptofeed;
      const auto ex = first.find("\"exchange\":\"");
      const std::string_view name =
          ex == std::string_view::npos ? std::string_view{} : first.substr(ex + 12, 8);
      if (name.starts_with("BYBIT")) {
        venue = common::VenueId::kBybit;
      } else if (name.starts_with("COINBASE")) {
        venue = common::VenueId::kCoinbase;
      } else {
        *error = path + ": cryptofeed capture of an exchange replay does not know";
        return nullptr;
      }
    } else {
      const auto space = first.find(' ');
      const std::string_view json =
          space == std::string_view::npos ? std::string_view{} : first.substr(space + 1);
      bool digits = space != std::string_view::npos && space > 0;
      for (std::size_t i = 0; digits && i < space; ++i) digits = first[i] >= '0' && first[i] <= '9';
      if (!digits || !json.starts_with("{")) {
        *error = path +
                 ": unknown format (expected '<timestamp> <json>' lines, cryptofeed JSON "
                 "lines or a PGRECORD file)";
        return nullptr;
      }
      cf = capture::CaptureFormat::kHftbacktest;
      if (json.starts_with("{\"stream\"") || json.find("\"lastUpdateId\"") != std::string::npos) {
        venue = common::VenueId::kBinance;
      } else if (json.starts_with("{\"channel\"")) {
        venue = common::VenueId::kHyperliquid;
      } else {
        *error = path + ": cannot tell the venue from the first frame";
        return nullptr;
      }
    }
    auto reader = capture::CaptureReader::open(path, cf, error);
    if (!reader) return nullptr;
    auto c = std::make_unique<CaptureInput>(std::move(reader));
    c->format_ = cf == capture::CaptureFormat::kHftbacktest ? InputFormat::kHftbacktest
                                                            : InputFormat::kCryptofeed;
    c->venue_ = venue;
    c->market_hint_ = venue == common::VenueId::kBinance ? market_from_path(path) : "";
    in = std::move(c);
  }
  in->path_ = path;
  in->source_ = source;
  in->symbol_hint_ = in->format_ == InputFormat::kHftbacktest ? symbol_from_path(path) : "";
  return in;
}

bool MergedInput::open(const std::vector<std::string>& paths, std::string* error) {
  if (paths.empty()) {
    *error = "no input files";
    return false;
  }
  for (const std::string& p : paths) {
    auto f = InputFile::open(p, files_.size(), error);
    if (!f) return false;
    files_.push_back(std::move(f));
  }
  heads_.resize(files_.size());
  live_.assign(files_.size(), false);
  for (std::size_t i = 0; i < files_.size(); ++i) {
    live_[i] = files_[i]->next(&heads_[i]);
    if (!live_[i] && !files_[i]->error().empty()) {
      *error = files_[i]->error();
      return false;
    }
  }
  return true;
}

bool MergedInput::next(Frame* out) {
  if (last_ != SIZE_MAX) {
    // The previous frame's payload view stays valid until now: advance its input only here.
    live_[last_] = files_[last_]->next(&heads_[last_]);
    if (!live_[last_] && !files_[last_]->error().empty()) {
      error_ = files_[last_]->error();
      return false;
    }
    last_ = SIZE_MAX;
  }
  std::size_t best = SIZE_MAX;
  for (std::size_t i = 0; i < heads_.size(); ++i) {
    if (!live_[i]) continue;
    if (best == SIZE_MAX || heads_[i].ts_recv < heads_[best].ts_recv) best = i;
  }
  if (best == SIZE_MAX) return false;
  *out = heads_[best];
  last_ = best;
  return true;
}

}  // namespace peregrine::engine::replay
