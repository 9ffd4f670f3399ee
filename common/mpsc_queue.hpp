// MpscQueue: bounded multi-producer/single-consumer queue (moodycamel ConcurrentQueue).
// Up to `max_producers` producer threads, each using its own Producer slot; one consumer.
//
// Why it is fast: each producer slot holds a moodycamel producer token, i.e. a private
// sub-queue, so pushes from different threads never contend on a shared index.
// Why it is bounded and fair: every slot's blocks are allocated here, at construction, and
// there is no shared block pool. A push uses try_enqueue, which never allocates: a full slot is
// reported, never grown, and a busy producer cannot take the blocks of a quiet one (with a
// shared pool one producer can hold every block and starve the others forever).
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

// Must come before moodycamel: its atomicops.h expands the AE_TSAN_ANNOTATE_* hooks when it is
// parsed, so definitions that come later are silently ignored (kept in its own include block
// so include sorting cannot move it).
#include "common/tsan_annotations.hpp"

#include <concurrentqueue/concurrentqueue.h>

#include "common/assert.hpp"

namespace peregrine::common {

struct MpscQueueTraits : moodycamel::ConcurrentQueueDefaultTraits {
  static constexpr std::size_t BLOCK_SIZE = 64;
};

template <typename T>
class MpscQueue {
  static_assert(std::is_trivially_copyable_v<T>, "queue elements must be trivially copyable");
  static_assert(std::is_default_constructible_v<T>, "construction pre-fills each slot");
  using Queue = moodycamel::ConcurrentQueue<T, MpscQueueTraits>;

 public:
  class Producer {
   public:
    explicit Producer(Queue& q) : queue_(&q), token_(q) {}
    // The producer thread that owns this slot. False when the slot is full.
    [[nodiscard]] bool try_push(const T& v) noexcept { return queue_->try_enqueue(token_, v); }

   private:
    friend class MpscQueue;
    Queue* queue_;
    moodycamel::ProducerToken token_;
  };

  // Start-up: allocates `capacity_per_producer` elements (rounded up to blocks of 64) for each
  // of `max_producers` slots.
  MpscQueue(std::size_t capacity_per_producer, std::size_t max_producers)
      : queue_(0, max_producers, 0), capacity_per_producer_(capacity_per_producer) {
    producers_.reserve(max_producers);
    for (std::size_t i = 0; i < max_producers; ++i) {
      auto p = std::make_unique<Producer>(queue_);
      // Fill once with allocation allowed, then drain: the slot keeps its blocks for reuse.
      for (std::size_t k = 0; k < capacity_per_producer; ++k) queue_.enqueue(p->token_, T{});
      T sink;
      while (queue_.try_dequeue_from_producer(p->token_, sink)) {
      }
      producers_.push_back(std::move(p));
    }
  }
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // Each slot must be used by one thread at a time (hand one to each producer at start-up).
  [[nodiscard]] Producer& producer(std::size_t slot) noexcept {
    PEREGRINE_ASSERT(slot < producers_.size());
    return *producers_[slot];
  }
  [[nodiscard]] std::size_t producer_count() const noexcept { return producers_.size(); }

  // Consumer thread. False when empty.
  [[nodiscard]] bool try_pop(T& out) noexcept { return queue_.try_dequeue(out); }
  // Consumer thread: pop up to `max` elements into `out`; returns the number popped.
  [[nodiscard]] std::size_t try_pop_bulk(T* out, std::size_t max) noexcept {
    return queue_.try_dequeue_bulk(out, max);
  }
  [[nodiscard]] std::size_t size_approx() const noexcept { return queue_.size_approx(); }
  [[nodiscard]] std::size_t capacity_per_producer() const noexcept {
    return capacity_per_producer_;
  }

 private:
  Queue queue_;
  std::vector<std::unique_ptr<Producer>> producers_;
  std::size_t capacity_per_producer_;
};

}  // namespace peregrine::common
