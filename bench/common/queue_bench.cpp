// Queue round trip between two threads beside its physical floor, a raw atomic ping-pong.
// Both need two cores; on a loaded machine the numbers say more about scheduling than queues.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "common/events.hpp"
#include "common/mpsc_queue.hpp"
#include "common/spsc_queue.hpp"

namespace {

using peregrine::common::BookDelta;
using peregrine::common::MdEvent;
using peregrine::common::MpscQueue;
using peregrine::common::SpscQueue;

inline void cpu_relax() noexcept { __builtin_ia32_pause(); }

// Floor: one cache line bounced between two cores and back.
void BM_AtomicPingPong_RoundTrip(benchmark::State& state) {
  alignas(64) std::atomic<std::uint64_t> ping{0};
  alignas(64) std::atomic<std::uint64_t> pong{0};
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    std::uint64_t seen = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const std::uint64_t v = ping.load(std::memory_order_acquire);
      if (v != seen) {
        seen = v;
        pong.store(v, std::memory_order_release);
      } else {
        cpu_relax();
      }
    }
  });
  std::uint64_t i = 0;
  for (auto _ : state) {
    ++i;
    ping.store(i, std::memory_order_release);
    while (pong.load(std::memory_order_acquire) != i) cpu_relax();
  }
  stop.store(true);
  echo.join();
}
BENCHMARK(BM_AtomicPingPong_RoundTrip)->UseRealTime();

// Our SPSC wrapper carrying a real 64-byte market-data event there and back.
void BM_SpscQueue_RoundTrip(benchmark::State& state) {
  SpscQueue<MdEvent> there(1024);
  SpscQueue<MdEvent> back(1024);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    MdEvent e;
    while (!stop.load(std::memory_order_relaxed)) {
      if (there.try_pop(e)) {
        while (!back.try_push(e)) cpu_relax();
      } else {
        cpu_relax();
      }
    }
  });
  BookDelta d;
  MdEvent out;
  for (auto _ : state) {
    ++d.venue_seq;
    while (!there.try_push(MdEvent(d))) cpu_relax();
    while (!back.try_pop(out)) cpu_relax();
    benchmark::DoNotOptimize(out);
  }
  stop.store(true);
  echo.join();
}
BENCHMARK(BM_SpscQueue_RoundTrip)->UseRealTime();

// Same-thread push+pop: the queue's own cost without any cache-line transfer.
void BM_SpscQueue_PushPopSameThread(benchmark::State& state) {
  SpscQueue<MdEvent> q(1024);
  BookDelta d;
  MdEvent out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(q.try_push(MdEvent(d)));
    benchmark::DoNotOptimize(q.try_pop(out));
  }
}
BENCHMARK(BM_SpscQueue_PushPopSameThread);

// MPSC wrapper there, SPSC back (the execution-report path shape).
void BM_MpscQueue_RoundTrip(benchmark::State& state) {
  MpscQueue<MdEvent> there(1024, 1);
  SpscQueue<MdEvent> back(1024);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    MdEvent e;
    while (!stop.load(std::memory_order_relaxed)) {
      if (there.try_pop(e)) {
        while (!back.try_push(e)) cpu_relax();
      } else {
        cpu_relax();
      }
    }
  });
  auto& producer = there.producer(0);
  BookDelta d;
  MdEvent out;
  for (auto _ : state) {
    ++d.venue_seq;
    while (!producer.try_push(MdEvent(d))) cpu_relax();
    while (!back.try_pop(out)) cpu_relax();
    benchmark::DoNotOptimize(out);
  }
  stop.store(true);
  echo.join();
}
BENCHMARK(BM_MpscQueue_RoundTrip)->UseRealTime();

}  // namespace
