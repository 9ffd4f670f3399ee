// ExecOutbox: execution reports waiting for room in the core's queue, oldest first, in a ring
// sized at construction. Shared by the CEX order gateways. Owning gateway thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/events.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/gateway_types.hpp"

namespace peregrine::gateways {

class ExecOutbox {
 public:
  // Start-up: `capacity` (>= 1) reports are held at most; more are counted as overflow.
  ExecOutbox(common::SpscQueue<common::ExecEvent>& out, std::size_t capacity)
      : out_(out), ring_(capacity == 0 ? 1 : capacity) {}

  // Never drops while the ring has room; counts `queue_full` each time the queue refuses.
  // Order matters to the core (ack before fill before cancel): once anything waits, all wait.
  void push(const common::ExecEvent& e, PaddedCounter& queue_full) noexcept {
    if (held_ == 0 && out_.try_push(e)) return;
    queue_full.add();
    if (held_ == ring_.size()) {
      ++overflow_;  // lost: reconciliation must restate the order
      return;
    }
    std::size_t slot = first_ + held_;
    if (slot >= ring_.size()) slot -= ring_.size();
    ring_[slot] = e;
    ++held_;
  }

  // Moves what the queue takes now; returns how many.
  int flush() noexcept {
    int moved = 0;
    while (held_ > 0) {
      if (!out_.try_push(ring_[first_])) break;
      first_ = first_ + 1 == ring_.size() ? 0 : first_ + 1;
      --held_;
      ++moved;
    }
    return moved;
  }

  [[nodiscard]] std::uint64_t overflow() const noexcept { return overflow_; }
  [[nodiscard]] std::size_t held() const noexcept { return held_; }

 private:
  common::SpscQueue<common::ExecEvent>& out_;
  std::vector<common::ExecEvent> ring_;
  std::size_t first_ = 0;
  std::size_t held_ = 0;
  std::uint64_t overflow_ = 0;
};

}  // namespace peregrine::gateways
