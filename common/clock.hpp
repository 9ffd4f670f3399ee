// Injected time sources. Code under engine/, strategies/ and common/ reads time only through
// a Clock (tools/lint enforces it), so live, paper and replay run the same code.
// TscClock and WallClock may be read from any thread; a ReplayClock belongs to its driver.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/events.hpp"

namespace peregrine::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds. Monotonic for TscClock/SteadyClock, epoch-based for WallClock, event time
  // for ReplayClock.
  [[nodiscard]] virtual Nanos now_ns() const noexcept = 0;
};

// steady_clock, for tests and as the TscClock fallback.
class SteadyClock final : public Clock {
 public:
  [[nodiscard]] Nanos now_ns() const noexcept override;
};

// Epoch nanoseconds from the system clock: venue timestamps, nonces, log lines.
class WallClock final : public Clock {
 public:
  [[nodiscard]] Nanos now_ns() const noexcept override;
};

// Why it is fast: rdtsc is ~20 cycles and needs no syscall or vDSO page; ticks become ns with
// one 128-bit multiply and shift (no division). Calibrated once against steady_clock at
// construction; its readings are on the steady_clock timeline. Falls back to steady_clock
// when the CPU has no invariant TSC (the constructor checks CPUID).
//
// kEpoch puts the readings on the wall-clock timeline instead (offset taken once at
// calibration; still monotonic). A live session uses it so that its stamps and the epoch
// stamps that venue signing needs (order gateways run on a WallClock) are one timeline: every
// latency and journal timestamp is then comparable. The two drift apart only by the TSC
// calibration error (parts per million) and by any wall-clock step after start.
enum class TscTimeline : std::uint8_t { kSteady, kEpoch };

class TscClock final : public Clock {
 public:
  // Calibrates over `calibration_ns` (default 20 ms) of busy waiting.
  explicit TscClock(Nanos calibration_ns = 20'000'000, TscTimeline timeline = TscTimeline::kSteady);
  [[nodiscard]] Nanos now_ns() const noexcept override;
  [[nodiscard]] bool uses_tsc() const noexcept { return uses_tsc_; }
  [[nodiscard]] double ticks_per_ns() const noexcept { return ticks_per_ns_; }
  [[nodiscard]] static std::uint64_t read_ticks() noexcept;

 private:
  bool uses_tsc_ = false;
  std::uint64_t base_ticks_ = 0;
  Nanos base_ns_ = 0;
  Nanos offset_ns_ = 0;     // timeline - steady_clock (0 for kSteady)
  std::uint64_t mult_ = 0;  // ns = (ticks * mult_) >> kShift
  double ticks_per_ns_ = 0;
  static constexpr int kShift = 32;
};

// Time is whatever the last event said. Moves only forward; an older timestamp is ignored and
// counted (recordings can carry small reorderings across streams).
class ReplayClock final : public Clock {
 public:
  explicit ReplayClock(Nanos start = 0) noexcept : now_(start) {}
  [[nodiscard]] Nanos now_ns() const noexcept override {
    return now_.load(std::memory_order_relaxed);
  }
  void advance_to(Nanos t) noexcept {
    if (t >= now_.load(std::memory_order_relaxed)) {
      now_.store(t, std::memory_order_relaxed);
    } else {
      backwards_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  [[nodiscard]] std::uint64_t backwards_steps() const noexcept {
    return backwards_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<Nanos> now_;
  std::atomic<std::uint64_t> backwards_{0};
};

}  // namespace peregrine::common
