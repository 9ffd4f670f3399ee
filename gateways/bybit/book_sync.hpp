// Sequence state of one Bybit `orderbook.{depth}.{symbol}` topic: decides whether a message
// replaces the book, extends it, or reveals a gap. Owned by the thread parsing that connection.
#pragma once

#include <cstdint>

namespace peregrine::gateways::bybit {

// Rules (venue doc §5.2, checked against the capture in ../shared/data/bybit):
//  * a `snapshot` always replaces the book (Bybit re-sends one when it has a problem);
//  * `u == 1` means the service restarted: the message is a snapshot whatever its `type`;
//  * a delta must carry u == previous u + 1. The doc does not promise this; it holds over every
//    topic of the capture (0 gaps). Anything else (a jump, a repeat, going backwards) is a gap:
//    the book is invalid until the next snapshot, which on Bybit means resubscribing the topic;
//  * deltas that arrive while waiting for that snapshot are dropped (they cannot be bridged:
//    Bybit has no REST snapshot that shares the WS `u` except for the 1000-level book).
class BookSync {
 public:
  enum class Action : std::uint8_t {
    kApplySnapshot,  // replace the book with this message
    kApplyDelta,     // apply on top of the book
    kGap,            // sequence broken: emit BookReset, resubscribe, wait for a snapshot
    kDropUnsynced,   // no snapshot yet (or since the last gap): ignore
  };

  [[nodiscard]] Action on_message(bool is_snapshot, std::uint64_t u) noexcept {
    if (is_snapshot || u == 1) {
      synced_ = true;
      last_u_ = u;
      return Action::kApplySnapshot;
    }
    if (!synced_) return Action::kDropUnsynced;
    if (u == last_u_ + 1) {
      last_u_ = u;
      return Action::kApplyDelta;
    }
    synced_ = false;
    return Action::kGap;
  }

  // Reconnect or resubscribe: wait for a snapshot again.
  void reset() noexcept { synced_ = false; }

  [[nodiscard]] bool synced() const noexcept { return synced_; }
  // u of the last message applied (0 before the first snapshot).
  [[nodiscard]] std::uint64_t last_u() const noexcept { return last_u_; }

 private:
  std::uint64_t last_u_ = 0;
  bool synced_ = false;
};

}  // namespace peregrine::gateways::bybit
