// AgentRunner: runs an Agent's do_work() loop on a named, optionally pinned thread (Aeron style).
// Owning thread: start/stop/invoke_once. Any thread: counters, is_running, pin_error, errors.
//
// Why it is fast: the agent and idle strategy are template parameters, so do_work() and idle()
// inline into the loop with no virtual call. Each cycle touches one stop flag (a plain load on
// x86) and two single-writer counters (plain store, no locked RMW) on their own cache line, so a
// control-plane reader never shares a line with anything else the agent writes.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "common/assert.hpp"

namespace peregrine::common {

// ---------------------------------------------------------------------------------------------
// Agent

// An agent does a bounded slice of work per call and reports how much (0 = nothing to do).
// Optional hooks `void on_start()` and `void on_close()` run on the agent's thread, before the
// first and after the last do_work(); they may throw (start-up/shutdown code), do_work() may not.
template <typename A>
concept Agent = requires(A& agent, const A& const_agent) {
  { agent.do_work() }
  noexcept->std::same_as<int>;
  { const_agent.name() } -> std::convertible_to<std::string_view>;
};

template <typename A>
concept AgentWithOnStart = Agent<A> && requires(A& agent) {
  agent.on_start();
};
template <typename A>
concept AgentWithOnClose = Agent<A> && requires(A& agent) {
  agent.on_close();
};

// ---------------------------------------------------------------------------------------------
// Idle strategies: called after every do_work() with its result; reset() when work resumes.

template <typename I>
concept IdleStrategy = requires(I& idle, int work_count) {
  { idle.idle(work_count) }
  noexcept;
  { idle.reset() }
  noexcept;
};

// Tells the CPU we are spinning: saves power and avoids the memory-order flush on loop exit.
inline void cpu_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Never gives up the core: for the core loop and gateways on isolated CPUs.
class BusySpinIdle {
 public:
  void idle(int work_count) noexcept {
    if (work_count <= 0) cpu_pause();
  }
  void reset() noexcept {}
};

// Does nothing between cycles; for manual mode and for agents that block in do_work().
class NoOpIdle {
 public:
  void idle(int /*work_count*/) noexcept {}
  void reset() noexcept {}
};

// Sleeps a fixed time whenever a cycle found no work: for side threads where latency is moot.
class SleepingIdle {
 public:
  explicit SleepingIdle(std::chrono::nanoseconds period) noexcept : period_(period) {}
  void idle(int work_count) noexcept {
    if (work_count <= 0) std::this_thread::sleep_for(period_);
  }
  void reset() noexcept {}
  [[nodiscard]] std::chrono::nanoseconds period() const noexcept { return period_; }

 private:
  std::chrono::nanoseconds period_;
};

// Spins, then yields, then sleeps with exponential backoff from min_park to max_park while the
// agent stays idle; any work resets it to spinning. For side threads that must still react fast.
class BackoffIdle {
 public:
  enum class State : std::uint8_t { kNotIdle, kSpinning, kYielding, kParking };

  static constexpr std::uint32_t kDefaultMaxSpins = 10;
  static constexpr std::uint32_t kDefaultMaxYields = 5;
  static constexpr std::chrono::nanoseconds kDefaultMinPark = std::chrono::microseconds(1);
  static constexpr std::chrono::nanoseconds kDefaultMaxPark = std::chrono::milliseconds(1);

  BackoffIdle() noexcept = default;
  BackoffIdle(std::uint32_t max_spins, std::uint32_t max_yields, std::chrono::nanoseconds min_park,
              std::chrono::nanoseconds max_park) noexcept;

  void idle(int work_count) noexcept {
    if (work_count > 0) {
      reset();
      return;
    }
    idle_step();
  }
  void reset() noexcept {
    state_ = State::kNotIdle;
    spins_ = 0;
    yields_ = 0;
    park_ = min_park_;
  }

  [[nodiscard]] State state() const noexcept { return state_; }
  // Sleep the next parked cycle will take.
  [[nodiscard]] std::chrono::nanoseconds park_period() const noexcept { return park_; }
  // Number of sleeps taken since construction (never reset): lets tests see it parked.
  [[nodiscard]] std::uint64_t parks() const noexcept { return parks_; }

 private:
  void idle_step() noexcept;  // out of line: only reached when there was no work

  std::uint32_t max_spins_ = kDefaultMaxSpins;
  std::uint32_t max_yields_ = kDefaultMaxYields;
  std::chrono::nanoseconds min_park_ = kDefaultMinPark;
  std::chrono::nanoseconds max_park_ = kDefaultMaxPark;
  State state_ = State::kNotIdle;
  std::uint32_t spins_ = 0;
  std::uint32_t yields_ = 0;
  std::chrono::nanoseconds park_ = kDefaultMinPark;
  std::uint64_t parks_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Thread helpers (Linux), usable on their own.

inline constexpr std::size_t kMaxThreadNameLength = 15;  // the kernel's limit, without the NUL
inline constexpr int kNoCpu = -1;

// Names the calling thread, truncated to kMaxThreadNameLength. Returns 0 or an errno value.
int set_current_thread_name(std::string_view name) noexcept;
// Pins the calling thread to one CPU. Returns 0 or an errno value (EINVAL for a CPU that does
// not exist or is outside the allowed set); the thread is left as it was on failure.
int pin_current_thread(int cpu) noexcept;

// ---------------------------------------------------------------------------------------------
// Runner

struct AgentRunnerOptions {
  std::string thread_name;  // empty: the agent's name(); truncated to 15 characters
  int cpu = kNoCpu;         // kNoCpu: not pinned
};

// Everything that does not depend on the agent type, compiled once in agent_runner.cpp.
class AgentRunnerBase {
 public:
  AgentRunnerBase(const AgentRunnerBase&) = delete;
  AgentRunnerBase& operator=(const AgentRunnerBase&) = delete;

  // True from start() (or the first invoke_once()) until stop(), or until on_start() threw.
  [[nodiscard]] bool is_running() const noexcept {
    return running_.load(std::memory_order_acquire);
  }
  // Asks the loop to finish its current cycle and exit; any thread, including the agent's own.
  void request_stop() noexcept { running_.store(false, std::memory_order_release); }

  // 0 if pinned or not asked to pin; otherwise the errno from pinning (the agent runs unpinned).
  // Valid once start() has returned.
  [[nodiscard]] int pin_error() const noexcept {
    return pin_error_.load(std::memory_order_acquire);
  }
  [[nodiscard]] int name_error() const noexcept {
    return name_error_.load(std::memory_order_acquire);
  }

  [[nodiscard]] std::uint64_t iterations() const noexcept {
    return counters_.iterations.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t work_done() const noexcept {
    return counters_.work_done.load(std::memory_order_relaxed);
  }
  // Exceptions caught from on_start()/on_close(), and the text of the last one.
  [[nodiscard]] std::uint64_t error_count() const noexcept {
    return error_count_.load(std::memory_order_acquire);
  }
  [[nodiscard]] std::string last_error() const;

  [[nodiscard]] const std::string& thread_name() const noexcept { return thread_name_; }
  [[nodiscard]] int cpu() const noexcept { return cpu_; }

 protected:
  enum class Mode : std::uint8_t { kNew, kThread, kManual, kStopped };

  AgentRunnerBase(std::string_view agent_name, AgentRunnerOptions options);
  ~AgentRunnerBase() = default;

  // Runs on the new thread before on_start(): names and pins it, records failures.
  void prepare_thread() noexcept;
  // Publishes "on_start() has returned" to the thread blocked in start().
  void signal_started() noexcept;
  void wait_started() noexcept;
  // Joins the thread. False, without joining, when called from the agent's own thread.
  [[nodiscard]] bool join_thread() noexcept;
  // Records the exception being handled; call only inside a catch block.
  void record_current_exception(std::string_view where) noexcept;

  // Single writer (the agent's thread, or the caller in manual mode): plain stores suffice.
  void count_cycle(int work) noexcept {
    counters_.iterations.store(counters_.iterations.load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
    if (work > 0) {
      counters_.work_done.store(
          counters_.work_done.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(work),
          std::memory_order_relaxed);
    }
  }

  struct alignas(64) Counters {
    std::atomic<std::uint64_t> iterations{0};
    std::atomic<std::uint64_t> work_done{0};
  };

  Counters counters_;  // alone on its cache line (alignas pads it and what follows)
  alignas(64) std::atomic<bool> running_{false};
  std::atomic<bool> started_{false};
  std::atomic<int> pin_error_{0};
  std::atomic<int> name_error_{0};
  std::atomic<std::uint64_t> error_count_{0};
  Mode mode_ = Mode::kNew;  // owning thread only
  std::string thread_name_;
  int cpu_;
  std::thread thread_;
  std::thread::id worker_id_;  // written by the worker first thing; lets stop() spot self-calls
  mutable std::mutex error_mutex_;  // guards last_error_; taken only on start/close failures
  std::string last_error_;
};

template <Agent A, IdleStrategy I = BackoffIdle>
class AgentRunner : public AgentRunnerBase {
 public:
  // The agent is borrowed and must outlive the runner.
  explicit AgentRunner(A& agent, I idle = I{}, AgentRunnerOptions options = {})
      : AgentRunnerBase(std::string_view(agent.name()), std::move(options)),
        agent_(agent),
        idle_(std::move(idle)) {}
  ~AgentRunner() { stop(); }

  // Starts the thread and returns once it is named, pinned (or has recorded pin_error()) and
  // on_start() has returned. One-shot: false if already started, stopped, or in manual mode.
  // Throws std::system_error if the thread cannot be created (start-up path).
  bool start() {
    if (mode_ != Mode::kNew) return false;
    // Set before the thread exists so the agent may read them (thread creation synchronizes).
    mode_ = Mode::kThread;
    running_.store(true, std::memory_order_release);
    try {
      thread_ = std::thread([this] { run(); });
    } catch (...) {
      running_.store(false, std::memory_order_release);
      mode_ = Mode::kNew;
      throw;
    }
    wait_started();
    return true;
  }

  // Stops the loop, joins the thread (on_close() has run when this returns) and is idempotent.
  // In manual mode it calls on_close() on the caller's thread. Called from the agent itself it
  // only requests the stop (a thread cannot join itself); the owner's stop() then joins.
  void stop() noexcept {
    request_stop();
    switch (mode_) {
      case Mode::kThread:
        if (!join_thread()) return;
        break;
      case Mode::kManual:
        call_on_close();
        break;
      case Mode::kNew:
      case Mode::kStopped:
        break;
    }
    mode_ = Mode::kStopped;
  }

  // Manual mode: drives one cycle on the caller's thread (replay, tests). The first call runs
  // on_start(); stop() runs on_close(). Never mixes with start(). Returns do_work()'s result,
  // or 0 without calling it once stopped or if on_start() threw.
  int invoke_once() noexcept {
    PEREGRINE_ASSERT(mode_ != Mode::kThread);
    if (mode_ == Mode::kNew) {
      mode_ = Mode::kManual;
      running_.store(call_on_start(), std::memory_order_release);
    }
    if (!running_.load(std::memory_order_relaxed)) return 0;
    const int work = agent_.do_work();
    count_cycle(work);
    return work;
  }

  [[nodiscard]] A& agent() noexcept { return agent_; }

 private:
  void run() noexcept {
    prepare_thread();
    if (!call_on_start()) running_.store(false, std::memory_order_release);
    signal_started();
    while (running_.load(std::memory_order_acquire)) {
      const int work = agent_.do_work();
      count_cycle(work);
      idle_.idle(work);
    }
    call_on_close();
  }

  bool call_on_start() noexcept {
    if constexpr (AgentWithOnStart<A>) {
      try {
        agent_.on_start();
      } catch (...) {
        record_current_exception("on_start");
        return false;
      }
    }
    return true;
  }

  void call_on_close() noexcept {
    if constexpr (AgentWithOnClose<A>) {
      try {
        agent_.on_close();
      } catch (...) {
        record_current_exception("on_close");
      }
    }
  }

  A& agent_;
  I idle_;
};

}  // namespace peregrine::common
