// Connection counters: written by the owning gateway thread, read by any thread (control plane).
// Single writer, so a relaxed load + store replaces a locked read-modify-write.
#pragma once

#include <atomic>
#include <cstdint>

namespace peregrine::gateways::net {

// Bumps a single-writer counter without a locked instruction.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

struct alignas(64) ConnectionCounters {
  std::atomic<std::uint64_t> connect_attempts{0};  // every attempt, the first included
  std::atomic<std::uint64_t> reconnect_attempts{0};
  std::atomic<std::uint64_t> connects{0};  // attempts that reached the open state
  std::atomic<std::uint64_t> connect_failures{0};
  std::atomic<std::uint64_t> disconnects{0};  // open connections that ended
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<std::uint64_t> frames_out{0};
  std::atomic<std::uint64_t> send_rejected{0};  // queue full, not open, too large
  std::atomic<std::uint64_t> stale{0};          // idle timeouts reported
  std::atomic<std::uint64_t> pings_in{0};
  std::atomic<std::uint64_t> pongs_in{0};
  std::atomic<std::uint64_t> pings_out{0};
};

}  // namespace peregrine::gateways::net
