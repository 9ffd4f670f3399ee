#include "engine/journal/recorder.hpp"

#include <cstring>
#include <stdexcept>
#include <utility>

#include "engine/journal/journal_codec.hpp"

namespace peregrine::engine::journal {
namespace {

void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

bool Recorder::Producer::try_record(Nanos ts_recv, common::VenueId venue, FrameKind kind,
                                    std::string_view conn, std::string_view bytes) noexcept {
  if (conn.size() > FrameChunk::kConnCapacity || bytes.size() > kMaxPayload / 2) {
    return drop();
  }
  FrameChunk c;
  c.ts_recv = ts_recv;
  c.frame_len = static_cast<std::uint32_t>(bytes.size());
  c.drops_before = pending_drops_;
  c.venue = venue;
  c.kind = kind;
  c.conn_len = static_cast<std::uint8_t>(conn.size());
  std::memcpy(c.conn.data(), conn.data(), conn.size());
  std::size_t off = 0;
  bool first = true;
  do {
    const std::size_t n = bytes.size() - off < FrameChunk::kDataCapacity
                              ? bytes.size() - off
                              : FrameChunk::kDataCapacity;
    c.len = static_cast<std::uint16_t>(n);
    c.flags = static_cast<std::uint8_t>((first ? FrameChunk::kFirst : 0) |
                                        (off + n == bytes.size() ? FrameChunk::kLast : 0));
    if (n > 0) std::memcpy(c.data.data(), bytes.data() + off, n);
    if (!queue_.try_push(c)) {
      // Chunks already pushed form a partial frame; the writer drops it at the next kFirst,
      // and the next good frame carries this drop in drops_before.
      return drop();
    }
    off += n;
    first = false;
    c.drops_before = 0;
  } while (off < bytes.size());
  pending_drops_ = 0;
  bump(recorded_);
  return true;
}

Recorder::Recorder(RecorderConfig config, const common::Clock& clock)
    : config_(std::move(config)), clock_(clock) {
  producers_.reserve(config_.producers);
  for (std::size_t i = 0; i < config_.producers; ++i) {
    producers_.push_back(std::make_unique<Producer>(config_.chunks_per_producer));
  }
}

Recorder::~Recorder() = default;

bool Recorder::open(std::string* error) {
  if (file_) return true;
  FileHeader h;
  h.kind = FileKind::kRecorder;
  h.created_ns = clock_.now_ns();
  h.engine_id = config_.engine_id;
  OpenResult res;
  file_ = JournalFile::open(config_.path, h, config_.buffer_bytes, &res, error);
  return file_ != nullptr;
}

void Recorder::on_start() {
  std::string error;
  if (!open(&error)) throw std::runtime_error("recorder: " + error);
}

void Recorder::emit(Producer& p) noexcept {
  try {
    // A gap record right where this producer lost frames.
    if (p.head_.drops_before != 0) {
      Gap g;
      g.ts_recv = p.head_.ts_recv;
      g.dropped = p.head_.drops_before;
      g.first_ts = g.ts_recv;
      g.last_ts = g.ts_recv;
      unsigned char buf[kMaxEncodedPayload];
      const std::size_t n = encode_payload(JournalRecord(g), buf);
      if (!file_->append(RecordType::kGap, kPayloadVersion, g.ts_recv, buf,
                         static_cast<std::uint32_t>(n))) {
        bump(errors_);
      }
    }
    RawFrame f;
    f.ts_recv = p.head_.ts_recv;
    f.venue = p.head_.venue;
    f.kind = p.head_.kind;
    f.conn = std::string_view(p.head_.conn.data(), p.head_.conn_len);
    f.bytes = std::string_view(p.assembling_.data(), p.assembling_.size());
    if (!encode_raw_frame(f, &payload_) ||
        !file_->append(RecordType::kRawFrame, kRawFrameVersion, f.ts_recv, payload_.data(),
                       static_cast<std::uint32_t>(payload_.size()))) {
      bump(errors_);
      return;
    }
    bump(written_);
  } catch (...) {
    bump(errors_);
  }
}

int Recorder::drain(Producer& p, std::size_t max_chunks) noexcept {
  int work = 0;
  FrameChunk c;
  for (std::size_t i = 0; i < max_chunks && p.queue_.try_pop(c); ++i) {
    ++work;
    if ((c.flags & FrameChunk::kFirst) != 0) {
      if (p.in_frame_) bump(partial_);  // the producer gave up on the previous frame
      p.in_frame_ = true;
      p.head_ = c;
      try {
        p.assembling_.clear();
        p.assembling_.reserve(c.frame_len);
      } catch (...) {
        p.in_frame_ = false;
        bump(errors_);
        continue;
      }
    } else if (!p.in_frame_) {
      continue;  // tail of a frame whose start we discarded
    }
    try {
      p.assembling_.insert(p.assembling_.end(), c.data.data(), c.data.data() + c.len);
    } catch (...) {
      p.in_frame_ = false;
      bump(errors_);
      continue;
    }
    if ((c.flags & FrameChunk::kLast) != 0) {
      emit(p);
      p.in_frame_ = false;
    }
  }
  return work;
}

int Recorder::do_work() noexcept {
  if (!file_) return 0;
  int work = 0;
  for (auto& p : producers_) work += drain(*p, 1024);
  if (work > 0) {
    try {
      if (!file_->flush()) bump(errors_);
    } catch (...) {
      bump(errors_);
    }
  }
  return work;
}

void Recorder::on_close() {
  if (!file_) return;
  while (do_work() > 0) {
  }
  const bool ok = config_.fsync_on_close ? file_->sync() : file_->flush();
  if (!ok) bump(errors_);
}

}  // namespace peregrine::engine::journal
