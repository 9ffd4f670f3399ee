#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "common/events.hpp"
#include "common/mpsc_queue.hpp"
#include "common/spsc_queue.hpp"

namespace peregrine::common {
namespace {

TEST(SpscQueue, BoundedFifo) {
  SpscQueue<std::uint64_t> q(8);
  std::uint64_t v = 0;
  EXPECT_FALSE(q.try_pop(v));
  std::size_t pushed = 0;
  while (q.try_push(pushed)) ++pushed;
  EXPECT_GE(pushed, 8u);  // moodycamel rounds capacity up to its block size
  EXPECT_LE(pushed, 64u);
  for (std::size_t i = 0; i < pushed; ++i) {
    ASSERT_TRUE(q.try_pop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(q.try_pop(v));
}

TEST(SpscQueue, TwoThreadsPreserveOrderAndLoseNothing) {
  SpscQueue<MdEvent> q(1024);
  constexpr std::uint64_t kCount = 200'000;
  std::thread producer([&] {
    for (std::uint64_t i = 1; i <= kCount; ++i) {
      BookDelta d;
      d.venue_seq = i;
      while (!q.try_push(MdEvent(d))) std::this_thread::yield();
    }
  });
  std::uint64_t expected = 1;
  MdEvent e;
  while (expected <= kCount) {
    if (q.try_pop(e)) {
      ASSERT_EQ(e.delta.venue_seq, expected);
      ++expected;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  EXPECT_FALSE(q.try_pop(e));
}

TEST(MpscQueue, ManyProducersEachInOrder) {
  constexpr int kProducers = 3;
  constexpr std::uint64_t kPerProducer = 50'000;
  MpscQueue<std::uint64_t> q(1024, kProducers);
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&q, p] {
      auto& token = q.producer(static_cast<std::size_t>(p));
      for (std::uint64_t i = 0; i < kPerProducer; ++i) {
        const std::uint64_t v = (static_cast<std::uint64_t>(p) << 32) | i;
        while (!token.try_push(v)) std::this_thread::yield();
      }
    });
  }
  std::vector<std::uint64_t> next(kProducers, 0);
  std::uint64_t total = 0;
  std::uint64_t buf[64];
  while (total < kProducers * kPerProducer) {
    const std::size_t n = q.try_pop_bulk(buf, 64);
    for (std::size_t i = 0; i < n; ++i) {
      const auto p = static_cast<std::size_t>(buf[i] >> 32);
      ASSERT_LT(p, next.size());
      ASSERT_EQ(buf[i] & 0xffffffffu, next[p]);  // per-producer FIFO
      ++next[p];
    }
    total += n;
    if (n == 0) std::this_thread::yield();
  }
  for (auto& t : threads) t.join();
  std::uint64_t v = 0;
  EXPECT_FALSE(q.try_pop(v));
}

TEST(MpscQueue, EachSlotIsBoundedAndCannotStarveAnother) {
  MpscQueue<std::uint64_t> q(256, 2);
  auto& a = q.producer(0);
  auto& b = q.producer(1);
  std::size_t pushed_a = 0;
  while (pushed_a < 1'000'000 && a.try_push(pushed_a)) ++pushed_a;
  EXPECT_LT(pushed_a, 1'000'000u);  // bounded: try_push said "full" instead of allocating
  EXPECT_GE(pushed_a, 256u);
  EXPECT_LE(pushed_a, 256u + 64u);  // rounded up to one block at most
  // Slot 0 being full leaves slot 1 its whole capacity.
  std::size_t pushed_b = 0;
  while (pushed_b < 1'000'000 && b.try_push(pushed_b)) ++pushed_b;
  EXPECT_EQ(pushed_b, pushed_a);
  // Draining makes room again: blocks are reused, not lost.
  std::uint64_t v = 0;
  std::size_t popped = 0;
  while (q.try_pop(v)) ++popped;
  EXPECT_EQ(popped, pushed_a + pushed_b);
  EXPECT_TRUE(a.try_push(1));
}

}  // namespace
}  // namespace peregrine::common
