#include "engine/journal/journal_writer.hpp"

#include <stdexcept>
#include <utility>

namespace peregrine::engine::journal {

JournalWriter::JournalWriter(JournalWriterConfig config, const common::Clock& clock)
    : config_(std::move(config)), clock_(clock), queue_(config_.queue_capacity) {}

JournalWriter::~JournalWriter() = default;

bool JournalWriter::open(std::string* error) {
  if (file_) return true;
  FileHeader h;
  h.kind = FileKind::kJournal;
  h.created_ns = clock_.now_ns();
  h.config_hash = config_.config_hash;
  h.engine_id = config_.engine_id;
  file_ = JournalFile::open(config_.path, h, config_.buffer_bytes, &open_result_, error);
  if (file_) bump(writer_.bytes, file_->bytes_in_file());
  last_sync_ns_ = h.created_ns;
  return file_ != nullptr;
}

void JournalWriter::on_start() {
  std::string error;
  if (!open(&error)) throw std::runtime_error("journal: " + error);
}

void JournalWriter::write_one(const JournalRecord& r) noexcept {
  unsigned char payload[kMaxEncodedPayload];
  const std::size_t n = encode_payload(r, payload);
  bool ok = false;
  try {
    // Only an oversized record can make append() allocate; journal payloads never are.
    ok = file_->append(r.type, kPayloadVersion, r.ts(), payload, static_cast<std::uint32_t>(n));
  } catch (...) {
    ok = false;
  }
  if (ok) {
    bump(writer_.written);
    bump(writer_.bytes, kRecordOverhead + n);
    unsynced_ = true;
  } else {
    bump(writer_.errors);
  }
}

void JournalWriter::maybe_sync(bool drained) noexcept {
  if (!drained) return;
  bool flushed = false;
  try {
    flushed = file_->flush();
  } catch (...) {
  }
  if (!flushed) {
    bump(writer_.errors);
    return;
  }
  if (!unsynced_) return;
  bool want = false;
  switch (config_.fsync) {
    case FsyncPolicy::kNever:
    case FsyncPolicy::kOnClose:
      break;
    case FsyncPolicy::kEveryBatch:
      want = true;
      break;
    case FsyncPolicy::kInterval:
      want = clock_.now_ns() - last_sync_ns_ >= config_.fsync_interval_ns;
      break;
  }
  if (!want) return;
  bool synced = false;
  try {
    synced = file_->sync();
  } catch (...) {
  }
  if (synced) {
    bump(writer_.syncs);
    unsynced_ = false;
    last_sync_ns_ = clock_.now_ns();
  } else {
    bump(writer_.errors);
  }
}

int JournalWriter::do_work() noexcept {
  if (!file_) return 0;
  int n = 0;
  JournalRecord r;
  const auto batch = static_cast<int>(config_.batch);
  while (n < batch && queue_.try_pop(r)) {
    write_one(r);
    ++n;
  }
  // A short batch means the ring is empty: push what we have to the kernel now rather than
  // waiting for the buffer to fill, so a reader (or a crash) sees recent records.
  if (n < batch && (n > 0 || file_->buffered() > 0)) maybe_sync(true);
  if (n == 0 && unsynced_ && config_.fsync == FsyncPolicy::kInterval) maybe_sync(true);
  return n;
}

void JournalWriter::on_close() {
  if (!file_) return;
  JournalRecord r;
  while (queue_.try_pop(r)) write_one(r);
  if (config_.fsync == FsyncPolicy::kNever) {
    if (!file_->flush()) bump(writer_.errors);
    return;
  }
  if (file_->sync()) {
    bump(writer_.syncs);
    unsynced_ = false;
  } else {
    bump(writer_.errors);
  }
}

}  // namespace peregrine::engine::journal
