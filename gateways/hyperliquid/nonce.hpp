// Hyperliquid nonces (venue doc §12): per signer, strictly increasing across threads and
// restarts, millisecond timestamps kept inside the venue's (T - 2 days, T + 1 day) window.
// next() may be called from any thread: one CAS on the fast path, no lock, no syscall.
//
// Restarts: a lease (high-water mark) is persisted to a file before any nonce above it is
// handed out, so a restarted process starts above everything it may have used. The lease is
// extended ahead of time by maintain() (a side thread, once a second); only if it runs out
// does next() persist synchronously (counted in sync_persists()).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "common/clock.hpp"

namespace peregrine::gateways::hyperliquid {

class NonceManager {
 public:
  static constexpr std::uint64_t kDefaultLeaseMs = 60'000;

  // `wall_clock` gives epoch ns. `persist_path` empty = no persistence (tests, replay).
  // Throws std::runtime_error if the file exists but cannot be read or parsed (start-up).
  NonceManager(const common::Clock& wall_clock, std::string persist_path,
               std::uint64_t lease_ms = kDefaultLeaseMs);

  // max(now_ms, last + 1), never repeated. Returns 0 only if persistence failed (the caller
  // must not sign with it; counted in persist_failures()).
  [[nodiscard]] std::uint64_t next() noexcept;

  // Side thread: extend the persisted lease when less than half of it is left.
  void maintain() noexcept;

  // The venue said "nonce too low / duplicate": skip past `at_least` so nothing below is reused.
  void skip_to(std::uint64_t at_least) noexcept;

  [[nodiscard]] std::uint64_t last() const noexcept {
    return last_.load(std::memory_order_acquire);
  }
  [[nodiscard]] std::uint64_t leased_until() const noexcept {
    return leased_until_.load(std::memory_order_acquire);
  }
  // Nonces handed out ahead of the wall clock (more than one per ms, or a restart lease).
  [[nodiscard]] std::uint64_t ahead_of_clock() const noexcept {
    return ahead_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t sync_persists() const noexcept {
    return sync_persists_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t persist_failures() const noexcept {
    return persist_failures_.load(std::memory_order_relaxed);
  }
  // True when the last nonce is more than a day ahead of the clock (the venue would reject).
  [[nodiscard]] bool outside_window() const noexcept;

 private:
  [[nodiscard]] std::uint64_t now_ms() const noexcept;
  bool extend_lease(std::uint64_t needed) noexcept;  // takes persist_mutex_
  bool persist(std::uint64_t value) noexcept;

  const common::Clock& clock_;
  std::string path_;
  std::uint64_t lease_ms_;
  alignas(64) std::atomic<std::uint64_t> last_{0};
  alignas(64) std::atomic<std::uint64_t> leased_until_{0};
  std::atomic<std::uint64_t> ahead_{0};
  std::atomic<std::uint64_t> sync_persists_{0};
  std::atomic<std::uint64_t> persist_failures_{0};
  std::mutex persist_mutex_;  // persistence only, never on the fast path
};

}  // namespace peregrine::gateways::hyperliquid
