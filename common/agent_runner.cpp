#include "common/agent_runner.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <system_error>

namespace peregrine::common {

// ---------------------------------------------------------------------------------------------
// BackoffIdle

BackoffIdle::BackoffIdle(std::uint32_t max_spins, std::uint32_t max_yields,
                         std::chrono::nanoseconds min_park,
                         std::chrono::nanoseconds max_park) noexcept
    : max_spins_(max_spins),
      max_yields_(max_yields),
      min_park_(std::max(min_park, std::chrono::nanoseconds::zero())),
      max_park_(std::max(max_park, min_park_)),
      park_(min_park_) {}

void BackoffIdle::idle_step() noexcept {
  switch (state_) {
    case State::kNotIdle:
      state_ = State::kSpinning;
      spins_ = 1;
      cpu_pause();
      break;
    case State::kSpinning:
      cpu_pause();
      if (++spins_ > max_spins_) {
        state_ = State::kYielding;
        yields_ = 0;
      }
      break;
    case State::kYielding:
      if (++yields_ > max_yields_) {
        state_ = State::kParking;
        park_ = min_park_;
      } else {
        std::this_thread::yield();
      }
      break;
    case State::kParking:
      ++parks_;
      std::this_thread::sleep_for(park_);
      park_ = std::min(park_ * 2, max_park_);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Thread helpers

int set_current_thread_name(std::string_view name) noexcept {
  char buf[kMaxThreadNameLength + 1] = {};
  const std::size_t len = std::min(name.size(), kMaxThreadNameLength);
  std::memcpy(buf, name.data(), len);
  return pthread_setname_np(pthread_self(), buf);
}

int pin_current_thread(int cpu) noexcept {
  // CPU_SET past CPU_SETSIZE writes out of bounds: reject before touching the set.
  if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// ---------------------------------------------------------------------------------------------
// AgentRunnerBase

AgentRunnerBase::AgentRunnerBase(std::string_view agent_name, AgentRunnerOptions options)
    : thread_name_(options.thread_name.empty() ? std::string(agent_name)
                                               : std::move(options.thread_name)),
      cpu_(options.cpu) {
  if (thread_name_.size() > kMaxThreadNameLength) thread_name_.resize(kMaxThreadNameLength);
}

std::string AgentRunnerBase::last_error() const {
  const std::lock_guard lock(error_mutex_);
  return last_error_;
}

void AgentRunnerBase::prepare_thread() noexcept {
  worker_id_ = std::this_thread::get_id();
  if (!thread_name_.empty()) {
    name_error_.store(set_current_thread_name(thread_name_), std::memory_order_release);
  }
  if (cpu_ != kNoCpu) {
    pin_error_.store(pin_current_thread(cpu_), std::memory_order_release);
  }
}

void AgentRunnerBase::signal_started() noexcept {
  started_.store(true, std::memory_order_release);
  started_.notify_all();
}

void AgentRunnerBase::wait_started() noexcept { started_.wait(false, std::memory_order_acquire); }

bool AgentRunnerBase::join_thread() noexcept {
  // The agent's own thread must not touch thread_: the owner may still be assigning it.
  if (worker_id_ == std::this_thread::get_id()) return false;
  if (!thread_.joinable()) return true;
  try {
    thread_.join();
  } catch (const std::system_error&) {
    return false;  // only on a deadlock or invalid thread, both excluded above
  }
  return true;
}

void AgentRunnerBase::record_current_exception(std::string_view where) noexcept {
  try {
    std::string text(where);
    try {
      throw;
    } catch (const std::exception& e) {
      text += ": ";
      text += e.what();
    } catch (...) {
      text += ": unknown exception";
    }
    const std::lock_guard lock(error_mutex_);
    last_error_ = std::move(text);
  } catch (...) {
    // Out of memory while describing the error: the count below still records it.
  }
  // After the text, so a reader that sees the count also sees its message.
  error_count_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace peregrine::common
