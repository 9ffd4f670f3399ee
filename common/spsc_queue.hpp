// SpscQueue: bounded single-producer/single-consumer queue (moodycamel ReaderWriterQueue).
// Exactly one producer thread and one consumer thread; try_push/try_pop only, never blocks.
//
// Why it is fast: moodycamel's queue is a ring of cache-line-separated blocks with one atomic
// index per side, so a push or pop is a couple of relaxed loads and one release store. It is
// sized once at construction and try_enqueue never allocates, so the hot path cannot either.
#pragma once

#include <cstddef>
#include <type_traits>

// Must come before moodycamel: its atomicops.h expands the AE_TSAN_ANNOTATE_* hooks when it is
// parsed, so definitions that come later are silently ignored (kept in its own include block
// so include sorting cannot move it).
#include "common/tsan_annotations.hpp"

#include <readerwriterqueue/readerwriterqueue.h>

namespace peregrine::common {

template <typename T>
class SpscQueue {
  static_assert(std::is_trivially_copyable_v<T>, "queue elements must be trivially copyable");

 public:
  explicit SpscQueue(std::size_t capacity) : queue_(capacity), capacity_(capacity) {}
  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;

  // Producer thread. False when full; the caller decides what full means (see call sites).
  [[nodiscard]] bool try_push(const T& v) noexcept { return queue_.try_enqueue(v); }
  // Consumer thread. False when empty.
  [[nodiscard]] bool try_pop(T& out) noexcept { return queue_.try_dequeue(out); }
  // Either thread; approximate.
  [[nodiscard]] std::size_t size_approx() const noexcept { return queue_.size_approx(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  moodycamel::ReaderWriterQueue<T> queue_;
  std::size_t capacity_;
};

}  // namespace peregrine::common
