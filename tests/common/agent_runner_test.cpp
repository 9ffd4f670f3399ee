#include "common/agent_runner.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace peregrine::common {
namespace {

using namespace std::chrono_literals;

// Polls until pred() holds or the timeout passes; keeps every test bounded in time.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

// Does one unit of work per call and remembers what its thread looked like.
struct CountingAgent {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<int> starts{0};
  std::atomic<int> closes{0};
  std::atomic<int> last_cpu{-1};
  std::atomic<bool> saw_other_cpu{false};
  bool check_cpu = false;
  int expected_cpu = 0;
  char name_seen[16] = {};  // written in on_start(), read after start() returns
  std::thread::id start_thread;
  std::thread::id work_thread;

  int do_work() noexcept {
    if (calls.fetch_add(1, std::memory_order_relaxed) == 0)
      work_thread = std::this_thread::get_id();
    if (check_cpu) {
      const int cpu = sched_getcpu();
      last_cpu.store(cpu, std::memory_order_relaxed);
      if (cpu != expected_cpu) saw_other_cpu.store(true, std::memory_order_relaxed);
    }
    return 1;
  }
  std::string_view name() const { return "counting"; }
  void on_start() {
    starts.fetch_add(1);
    start_thread = std::this_thread::get_id();
    pthread_getname_np(pthread_self(), name_seen, sizeof(name_seen));
  }
  void on_close() { closes.fetch_add(1); }
};

// Never finds work; has no hooks.
struct IdleAgent {
  std::atomic<std::uint64_t> calls{0};
  int do_work() noexcept {
    calls.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  std::string_view name() const { return "idle"; }
};

struct ThrowingStartAgent {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<int> closes{0};
  int do_work() noexcept {
    calls.fetch_add(1, std::memory_order_relaxed);
    return 1;
  }
  std::string_view name() const { return "throws-start"; }
  void on_start() { throw std::runtime_error("boom"); }
  void on_close() { closes.fetch_add(1); }
};

struct ThrowingCloseAgent {
  int do_work() noexcept { return 0; }
  std::string_view name() const { return "throws-close"; }
  void on_close() { throw 42; }  // not a std::exception
};

static_assert(Agent<CountingAgent> && AgentWithOnStart<CountingAgent>);
static_assert(Agent<IdleAgent> && !AgentWithOnStart<IdleAgent> && !AgentWithOnClose<IdleAgent>);
static_assert(IdleStrategy<BusySpinIdle> && IdleStrategy<BackoffIdle> &&
              IdleStrategy<SleepingIdle> && IdleStrategy<NoOpIdle>);

struct NotAnAgent {
  int do_work() { return 0; }  // not noexcept
  std::string_view name() const { return "x"; }
};
static_assert(!Agent<NotAnAgent>);

TEST(AgentRunnerTest, CountersLiveOnTheirOwnCacheLine) { EXPECT_EQ(alignof(AgentRunnerBase), 64u); }

TEST(AgentRunnerTest, RunsAgentUntilStopped) {
  CountingAgent agent;
  AgentRunner runner(agent, BusySpinIdle{});
  EXPECT_FALSE(runner.is_running());
  ASSERT_TRUE(runner.start());
  EXPECT_TRUE(runner.is_running());
  EXPECT_EQ(agent.starts.load(), 1);  // on_start() has returned when start() does
  ASSERT_TRUE(wait_until([&] { return runner.iterations() >= 1000; }));
  EXPECT_GE(runner.work_done(), 1u);

  runner.stop();
  EXPECT_FALSE(runner.is_running());
  EXPECT_EQ(agent.closes.load(), 1);
  const std::uint64_t calls = agent.calls.load();
  EXPECT_EQ(runner.iterations(), calls);
  EXPECT_EQ(runner.work_done(), calls);
  EXPECT_NE(agent.work_thread, std::this_thread::get_id());
  EXPECT_EQ(agent.work_thread, agent.start_thread);

  std::this_thread::sleep_for(10ms);
  EXPECT_EQ(agent.calls.load(), calls) << "no work after stop() returned";
  EXPECT_EQ(runner.error_count(), 0u);
  EXPECT_EQ(runner.pin_error(), 0);
}

TEST(AgentRunnerTest, StopIsIdempotentAndStartIsOneShot) {
  CountingAgent agent;
  AgentRunner runner(agent, BusySpinIdle{});
  runner.stop();  // before start: nothing to do, and the runner is spent
  EXPECT_FALSE(runner.start());
  EXPECT_EQ(agent.starts.load(), 0);
  EXPECT_EQ(agent.closes.load(), 0);

  CountingAgent agent2;
  AgentRunner runner2(agent2, BusySpinIdle{});
  ASSERT_TRUE(runner2.start());
  EXPECT_FALSE(runner2.start());
  runner2.stop();
  runner2.stop();
  runner2.stop();
  EXPECT_FALSE(runner2.start());
  EXPECT_EQ(agent2.starts.load(), 1);
  EXPECT_EQ(agent2.closes.load(), 1);
}

TEST(AgentRunnerTest, DestructorStopsAndJoins) {
  CountingAgent agent;
  {
    AgentRunner runner(agent, BusySpinIdle{});
    ASSERT_TRUE(runner.start());
    ASSERT_TRUE(wait_until([&] { return agent.calls.load() > 10; }));
  }
  EXPECT_EQ(agent.closes.load(), 1);
  const std::uint64_t calls = agent.calls.load();
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(agent.calls.load(), calls);
}

TEST(AgentRunnerTest, NamesTheThreadTruncatedTo15Chars) {
  CountingAgent agent;
  AgentRunner runner(agent, BusySpinIdle{}, {.thread_name = "peregrine-md-hyperliquid"});
  EXPECT_EQ(runner.thread_name(), "peregrine-md-hy");
  ASSERT_TRUE(runner.start());
  EXPECT_EQ(runner.name_error(), 0);
  EXPECT_STREQ(agent.name_seen, "peregrine-md-hy");
  runner.stop();
}

TEST(AgentRunnerTest, DefaultThreadNameIsTheAgentName) {
  CountingAgent agent;
  AgentRunner runner(agent, BusySpinIdle{});
  ASSERT_TRUE(runner.start());
  EXPECT_STREQ(agent.name_seen, "counting");
  runner.stop();
}

TEST(AgentRunnerTest, PinsToCpu0) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  if (!CPU_ISSET(0, &allowed)) GTEST_SKIP() << "CPU 0 is not in this process's CPU set";

  CountingAgent agent;
  agent.check_cpu = true;
  agent.expected_cpu = 0;
  AgentRunner runner(agent, BusySpinIdle{}, {.thread_name = "pinned", .cpu = 0});
  ASSERT_TRUE(runner.start());
  EXPECT_EQ(runner.pin_error(), 0);
  ASSERT_TRUE(wait_until([&] { return agent.calls.load() >= 1000; }));
  runner.stop();
  EXPECT_EQ(agent.last_cpu.load(), 0);
  EXPECT_FALSE(agent.saw_other_cpu.load());
}

TEST(AgentRunnerTest, InvalidCpuRecordsPinErrorAndStillRuns) {
  for (const int cpu : {4096, 1023, -7}) {
    CountingAgent agent;
    AgentRunner runner(agent, BusySpinIdle{}, {.thread_name = "badpin", .cpu = cpu});
    ASSERT_TRUE(runner.start());
    EXPECT_EQ(runner.pin_error(), EINVAL) << "cpu=" << cpu;
    EXPECT_TRUE(runner.is_running());
    ASSERT_TRUE(wait_until([&] { return agent.calls.load() >= 100; })) << "cpu=" << cpu;
    runner.stop();
    EXPECT_EQ(agent.closes.load(), 1);
  }
}

TEST(AgentRunnerTest, PinHelperRejectsOutOfRangeCpus) {
  EXPECT_EQ(pin_current_thread(-1), EINVAL);
  EXPECT_EQ(pin_current_thread(CPU_SETSIZE), EINVAL);
  EXPECT_EQ(pin_current_thread(100'000), EINVAL);
}

TEST(AgentRunnerTest, OnStartExceptionIsCaughtAndCounted) {
  ThrowingStartAgent agent;
  AgentRunner runner(agent, BusySpinIdle{});
  ASSERT_TRUE(runner.start());
  EXPECT_EQ(runner.error_count(), 1u);
  EXPECT_EQ(runner.last_error(), "on_start: boom");
  // Like Aeron: a failed start skips the work loop but still closes.
  ASSERT_TRUE(wait_until([&] { return agent.closes.load() == 1; }));
  EXPECT_FALSE(runner.is_running());
  runner.stop();
  EXPECT_EQ(agent.calls.load(), 0u);
  EXPECT_EQ(runner.iterations(), 0u);
  EXPECT_EQ(agent.closes.load(), 1);
}

TEST(AgentRunnerTest, OnCloseExceptionIsCaughtAndCounted) {
  ThrowingCloseAgent agent;
  AgentRunner runner(agent, SleepingIdle(100us));
  ASSERT_TRUE(runner.start());
  runner.stop();
  EXPECT_EQ(runner.error_count(), 1u);
  EXPECT_EQ(runner.last_error(), "on_close: unknown exception");
}

TEST(AgentRunnerTest, AgentCanStopItself) {
  // Holds a callback rather than the runner: naming AgentRunner<Self> inside Self would check
  // the Agent concept on an incomplete type.
  struct SelfStopping {
    std::function<void()> stop_self;
    std::uint64_t calls = 0;  // agent thread only until joined
    int do_work() noexcept {
      if (++calls == 50) stop_self();  // stop() from its own thread only requests the stop
      return 1;
    }
    std::string_view name() const { return "self-stop"; }
  };
  SelfStopping agent;
  AgentRunner runner(agent, BusySpinIdle{});
  agent.stop_self = [&runner] { runner.stop(); };
  ASSERT_TRUE(runner.start());
  ASSERT_TRUE(wait_until([&] { return !runner.is_running(); }));
  runner.stop();  // the owner joins
  EXPECT_EQ(agent.calls, 50u);
  EXPECT_EQ(runner.iterations(), 50u);
}

TEST(AgentRunnerTest, ManualModeDrivesTheAgentOnTheCallersThread) {
  CountingAgent agent;
  AgentRunner runner(agent, NoOpIdle{});
  EXPECT_EQ(runner.invoke_once(), 1);
  EXPECT_TRUE(runner.is_running());
  EXPECT_EQ(agent.starts.load(), 1);
  EXPECT_EQ(agent.start_thread, std::this_thread::get_id());
  EXPECT_EQ(agent.work_thread, std::this_thread::get_id());
  for (int i = 0; i < 9; ++i) EXPECT_EQ(runner.invoke_once(), 1);
  EXPECT_EQ(agent.starts.load(), 1);
  EXPECT_EQ(agent.calls.load(), 10u);
  EXPECT_EQ(runner.iterations(), 10u);
  EXPECT_EQ(runner.work_done(), 10u);
  EXPECT_FALSE(runner.start()) << "manual and threaded modes do not mix";

  runner.stop();
  EXPECT_FALSE(runner.is_running());
  EXPECT_EQ(agent.closes.load(), 1);
  EXPECT_EQ(runner.invoke_once(), 0);
  EXPECT_EQ(agent.calls.load(), 10u);
  runner.stop();
  EXPECT_EQ(agent.closes.load(), 1);
}

TEST(AgentRunnerTest, ManualModeWithFailedStartDoesNoWork) {
  ThrowingStartAgent agent;
  AgentRunner runner(agent, NoOpIdle{});
  EXPECT_EQ(runner.invoke_once(), 0);
  EXPECT_EQ(runner.invoke_once(), 0);
  EXPECT_EQ(agent.calls.load(), 0u);
  EXPECT_EQ(runner.error_count(), 1u);
  EXPECT_FALSE(runner.is_running());
  runner.stop();
  EXPECT_EQ(agent.closes.load(), 1);
}

TEST(BackoffIdleTest, SpinsThenYieldsThenParksWithExponentialBackoff) {
  BackoffIdle idle(3, 2, 1us, 8us);
  EXPECT_EQ(idle.state(), BackoffIdle::State::kNotIdle);
  int steps = 0;
  while (idle.state() != BackoffIdle::State::kParking && steps < 100) {
    idle.idle(0);
    ++steps;
  }
  ASSERT_EQ(idle.state(), BackoffIdle::State::kParking);
  EXPECT_EQ(steps, 1 + 3 + 3);  // enter spinning, 3 more spins, 2 yields + the switch to parking
  EXPECT_EQ(idle.parks(), 0u);

  EXPECT_EQ(idle.park_period(), 1us);
  idle.idle(0);
  EXPECT_EQ(idle.parks(), 1u);
  EXPECT_EQ(idle.park_period(), 2us);
  idle.idle(0);
  EXPECT_EQ(idle.park_period(), 4us);
  idle.idle(0);
  EXPECT_EQ(idle.park_period(), 8us);
  idle.idle(0);
  EXPECT_EQ(idle.park_period(), 8us) << "capped at max_park";
  EXPECT_EQ(idle.parks(), 4u);

  idle.idle(1);  // work resets to spinning
  EXPECT_EQ(idle.state(), BackoffIdle::State::kNotIdle);
  EXPECT_EQ(idle.park_period(), 1us);
  idle.idle(0);
  EXPECT_EQ(idle.state(), BackoffIdle::State::kSpinning);
}

TEST(BackoffIdleTest, BadParkBoundsAreClamped) {
  BackoffIdle idle(0, 0, 50us, 10us);  // max below min
  for (int i = 0; i < 3; ++i) idle.idle(0);
  ASSERT_EQ(idle.state(), BackoffIdle::State::kParking);
  idle.idle(0);
  EXPECT_EQ(idle.park_period(), 50us);
}

TEST(BackoffIdleTest, RunnerWithBackoffSleepsWhenIdle) {
  IdleAgent agent;
  AgentRunner runner(agent, BackoffIdle(10, 5, 1ms, 4ms));
  ASSERT_TRUE(runner.start());
  std::this_thread::sleep_for(100ms);
  const std::uint64_t iterations = runner.iterations();
  runner.stop();
  // A spinning loop would do millions of cycles in 100 ms; parking at >= 1 ms allows ~120.
  EXPECT_GT(iterations, 0u);
  EXPECT_LT(iterations, 2'000u);
  EXPECT_EQ(runner.work_done(), 0u);
}

TEST(SleepingIdleTest, SleepsOnlyWhenIdle) {
  SleepingIdle idle(1ms);
  EXPECT_EQ(idle.period(), 1ms);
  IdleAgent agent;
  AgentRunner runner(agent, SleepingIdle(1ms));
  ASSERT_TRUE(runner.start());
  std::this_thread::sleep_for(50ms);
  const std::uint64_t iterations = runner.iterations();
  runner.stop();
  EXPECT_GT(iterations, 0u);
  EXPECT_LT(iterations, 1'000u);
}

TEST(BusySpinIdleTest, NeverBlocks) {
  BusySpinIdle idle;
  for (int i = 0; i < 1'000; ++i) idle.idle(0);
  idle.idle(5);
  idle.reset();
  SUCCEED();
}

TEST(ThreadHelpersTest, SetCurrentThreadNameTruncates) {
  std::thread t([] {
    EXPECT_EQ(set_current_thread_name("a-very-long-thread-name"), 0);
    char buf[16] = {};
    pthread_getname_np(pthread_self(), buf, sizeof(buf));
    EXPECT_STREQ(buf, "a-very-long-thr");
  });
  t.join();
}

}  // namespace
}  // namespace peregrine::common
