// Recorder: gateways hand raw venue frames (with our receive time) to a side thread that appends
// them to a recorder file (docs/journal.md). Each gateway thread owns one Producer (SPSC); the
// recorder agent (do_work/on_start/on_close) runs on its own thread with a back-off idle.
//
// Why the gateway side is cheap: a frame is copied in fixed 256-byte chunks into that gateway's
// preallocated ring; no allocation, lock or syscall. A frame that does not fit is dropped whole
// (the writer discards any partial chunks) and counted; a gap record marks the loss.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/spsc_queue.hpp"
#include "engine/journal/journal_file.hpp"
#include "engine/journal/recorder_format.hpp"

namespace peregrine::engine::journal {

struct FrameChunk {
  static constexpr std::size_t kDataCapacity = 200;
  static constexpr std::size_t kConnCapacity = 24;
  static constexpr std::uint8_t kFirst = 1;
  static constexpr std::uint8_t kLast = 2;
  Nanos ts_recv = 0;
  std::uint32_t frame_len = 0;     // whole frame, on the first chunk
  std::uint32_t drops_before = 0;  // frames this producer dropped since its last good one
  std::uint16_t len = 0;           // bytes of data used in this chunk
  std::uint8_t flags = 0;
  common::VenueId venue = common::VenueId::kHyperliquid;
  FrameKind kind = FrameKind::kRecv;
  std::uint8_t conn_len = 0;
  std::array<char, kConnCapacity> conn{};
  std::array<char, kDataCapacity> data{};
};
static_assert(std::is_trivially_copyable_v<FrameChunk> && sizeof(FrameChunk) <= 256);

struct RecorderConfig {
  std::string path;
  std::size_t producers = 4;               // one per gateway thread
  std::size_t chunks_per_producer = 8192;  // ~2 MB of frames in flight per gateway
  std::size_t buffer_bytes = 1u << 20;
  bool fsync_on_close = true;
  std::string engine_id = "peregrine";
};

class Recorder {
 public:
  class Producer {
   public:
    explicit Producer(std::size_t chunks) : queue_(chunks) {}
    // The owning gateway thread. False when the frame was dropped (ring full, or conn longer
    // than 24 bytes); counted either way.
    [[nodiscard]] bool try_record(Nanos ts_recv, common::VenueId venue, FrameKind kind,
                                  std::string_view conn, std::string_view bytes) noexcept;
    [[nodiscard]] std::uint64_t dropped() const noexcept {
      return dropped_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t recorded() const noexcept {
      return recorded_.load(std::memory_order_relaxed);
    }

   private:
    friend class Recorder;
    bool drop() noexcept {
      ++pending_drops_;
      dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return false;
    }
    common::SpscQueue<FrameChunk> queue_;
    alignas(64) std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> recorded_{0};
    // Writer side: the frame being reassembled.
    std::vector<char> assembling_;
    FrameChunk head_;
    bool in_frame_ = false;
    std::uint32_t pending_drops_ = 0;  // producer side: drops not yet carried by a frame
  };

  // `clock` stamps the header's created time.
  Recorder(RecorderConfig config, const common::Clock& clock);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  [[nodiscard]] bool open(std::string* error);
  // Start-up: hand producer(i) to gateway thread i.
  [[nodiscard]] Producer& producer(std::size_t i) noexcept { return *producers_[i]; }
  [[nodiscard]] std::size_t producer_count() const noexcept { return producers_.size(); }

  [[nodiscard]] std::string_view name() const noexcept { return "recorder"; }
  void on_start();
  int do_work() noexcept;
  void on_close();

  [[nodiscard]] std::uint64_t frames_written() const noexcept {
    return written_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t partial_discarded() const noexcept {
    return partial_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t write_errors() const noexcept {
    return errors_.load(std::memory_order_relaxed);
  }

 private:
  int drain(Producer& p, std::size_t max_chunks) noexcept;
  void emit(Producer& p) noexcept;

  RecorderConfig config_;
  const common::Clock& clock_;
  std::vector<std::unique_ptr<Producer>> producers_;
  std::unique_ptr<JournalFile> file_;
  std::vector<unsigned char> payload_;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> partial_{0};
  std::atomic<std::uint64_t> errors_{0};
};

}  // namespace peregrine::engine::journal
