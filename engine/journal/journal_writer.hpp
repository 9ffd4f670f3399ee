// JournalWriter: the core's journal. try_append() runs on the core thread (one producer); the
// writer agent (do_work/on_start/on_close) runs on its own side thread with a back-off idle.
//
// Why the core side is cheap: try_append copies one ~128-byte record into a preallocated SPSC
// ring and bumps a single-writer counter; it never allocates, blocks, formats or touches a file.
// Encoding, CRC and write(2) all happen on the writer thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/spsc_queue.hpp"
#include "engine/journal/journal_codec.hpp"
#include "engine/journal/journal_file.hpp"

namespace peregrine::engine::journal {

enum class FsyncPolicy : std::uint8_t {
  kNever,       // the OS decides (fastest; a crash may lose the last seconds)
  kEveryBatch,  // fdatasync after every drained batch (safest, slowest)
  kInterval,    // fdatasync at most once per fsync_interval_ns while data is unsynced
  kOnClose,     // once, when the writer stops
};

struct JournalWriterConfig {
  std::string path;
  std::size_t queue_capacity = 1u << 16;  // records; full → counted, then a Gap record
  std::size_t batch = 512;                // records drained per do_work()
  std::size_t buffer_bytes = 256u << 10;  // write(2) granularity
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  Nanos fsync_interval_ns = 100'000'000;
  std::uint64_t config_hash = 0;
  std::string engine_id = "peregrine";
};

class JournalWriter {
 public:
  // `clock` stamps the header's created time and paces kInterval fsyncs; it must outlive this.
  JournalWriter(JournalWriterConfig config, const common::Clock& clock);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Start-up (any thread, before the agent runs): opens or reopens the file. False with *error.
  [[nodiscard]] bool open(std::string* error);
  [[nodiscard]] const OpenResult& open_result() const noexcept { return open_result_; }

  // ---- core thread -------------------------------------------------------------------------
  // Never blocks or allocates. False when the ring is full: the record is dropped and counted,
  // and a Gap record naming how many were lost goes in ahead of the next accepted record.
  [[nodiscard]] bool try_append(const JournalRecord& r) noexcept {
    if (gap_.dropped != 0) {
      Gap g = gap_;
      g.ts_recv = r.ts();
      if (!queue_.try_push(JournalRecord(g))) return drop(r);
      gap_ = Gap{};
      bump(core_.gaps);
    }
    if (!queue_.try_push(r)) return drop(r);
    bump(core_.appended);
    return true;
  }
  template <typename E>
  [[nodiscard]] bool try_append(const E& event) noexcept {
    return try_append(JournalRecord(event));
  }

  // ---- writer thread (Agent) ---------------------------------------------------------------
  [[nodiscard]] std::string_view name() const noexcept { return "journal"; }
  // Throws std::runtime_error when the file cannot be opened (start-up path).
  void on_start();
  int do_work() noexcept;
  // Drains what is queued, flushes and fsyncs (unless kNever).
  void on_close();

  // ---- any thread: counters ----------------------------------------------------------------
  [[nodiscard]] std::uint64_t appended() const noexcept { return load(core_.appended); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return load(core_.dropped); }
  [[nodiscard]] std::uint64_t gaps_queued() const noexcept { return load(core_.gaps); }
  [[nodiscard]] std::uint64_t written() const noexcept { return load(writer_.written); }
  [[nodiscard]] std::uint64_t write_errors() const noexcept { return load(writer_.errors); }
  [[nodiscard]] std::uint64_t syncs() const noexcept { return load(writer_.syncs); }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return load(writer_.bytes); }
  [[nodiscard]] std::size_t queue_capacity() const noexcept { return queue_.capacity(); }

 private:
  struct alignas(64) CoreCounters {
    std::atomic<std::uint64_t> appended{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> gaps{0};
  };
  struct alignas(64) WriterCounters {
    std::atomic<std::uint64_t> written{0};
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> syncs{0};
    std::atomic<std::uint64_t> bytes{0};
  };

  // Single writer per counter: a plain load+store, no locked read-modify-write.
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  static std::uint64_t load(const std::atomic<std::uint64_t>& c) noexcept {
    return c.load(std::memory_order_relaxed);
  }

  bool drop(const JournalRecord& r) noexcept {
    const Nanos ts = r.ts();
    if (gap_.dropped == 0) gap_.first_ts = ts;
    gap_.last_ts = ts;
    ++gap_.dropped;
    bump(core_.dropped);
    return false;
  }

  void write_one(const JournalRecord& r) noexcept;
  void maybe_sync(bool drained) noexcept;

  JournalWriterConfig config_;
  const common::Clock& clock_;
  common::SpscQueue<JournalRecord> queue_;
  Gap gap_;  // core thread only: drops not yet reported
  CoreCounters core_;
  WriterCounters writer_;
  std::unique_ptr<JournalFile> file_;  // writer thread after open()
  OpenResult open_result_;
  Nanos last_sync_ns_ = 0;
  bool unsynced_ = false;
};

}  // namespace peregrine::engine::journal
