// WebhookAlerter: sends Alerts to the log and, if configured, as HTTP POST JSON to a webhook.
// try_publish() runs on the core thread (one producer); the agent side (do_work) on its own side
// thread with a back-off idle. Delivery is bounded: the queue, the attempts and each attempt's
// time; every loss is counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/spsc_queue.hpp"
#include "engine/alerts/alert.hpp"

namespace peregrine::engine::alerts {

struct WebhookConfig {
  std::string url;  // "http://host:port/path"; empty: log only. (https is not supported yet.)
  std::size_t queue_capacity = 1024;
  int max_attempts = 3;
  common::Nanos retry_backoff_ns = 500'000'000;  // doubles after each failed attempt
  common::Nanos attempt_timeout_ns = 2'000'000'000;
};

// The log line sink (alerts thread). Default: one line on stderr.
using AlertLogSink = std::function<void(std::string_view line)>;

class WebhookAlerter {
 public:
  WebhookAlerter(WebhookConfig config, const common::Clock& clock, AlertLogSink log = {});
  ~WebhookAlerter();
  WebhookAlerter(const WebhookAlerter&) = delete;
  WebhookAlerter& operator=(const WebhookAlerter&) = delete;

  // Start-up: validates the URL. False with *error.
  [[nodiscard]] bool configure(std::string* error);

  // Core thread. False when the queue is full (the alert is dropped and counted).
  [[nodiscard]] bool try_publish(const Alert& a) noexcept {
    if (queue_.try_push(a)) return true;
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return false;
  }

  // Agent (alerts thread). An attempt blocks for at most attempt_timeout_ns.
  [[nodiscard]] std::string_view name() const noexcept { return "alerts"; }
  int do_work() noexcept;

  // JSON body of one alert (public for tests and docs).
  [[nodiscard]] static std::string to_json(const Alert& a);

  // Any thread.
  [[nodiscard]] std::uint64_t dropped() const noexcept { return load(dropped_); }
  [[nodiscard]] std::uint64_t sent() const noexcept { return load(sent_); }
  [[nodiscard]] std::uint64_t failed() const noexcept { return load(failed_); }  // gave up
  [[nodiscard]] std::uint64_t failed_attempts() const noexcept { return load(failed_attempts_); }
  [[nodiscard]] std::uint64_t logged() const noexcept { return load(logged_); }

 private:
  static std::uint64_t load(const std::atomic<std::uint64_t>& c) noexcept {
    return c.load(std::memory_order_relaxed);
  }
  static void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  // One POST; true on a 2xx answer. *why says what failed otherwise.
  bool post(const std::string& body, std::string* why) noexcept;

  WebhookConfig config_;
  const common::Clock& clock_;
  AlertLogSink log_;
  common::SpscQueue<Alert> queue_;
  std::string host_, port_, path_;
  bool configured_ = false;
  // The alert being delivered (alerts thread only).
  bool in_flight_ = false;
  Alert current_;
  std::string current_body_;
  int attempts_ = 0;
  common::Nanos next_attempt_ns_ = 0;

  alignas(64) std::atomic<std::uint64_t> dropped_{0};  // core thread writes
  alignas(64) std::atomic<std::uint64_t> sent_{0};     // alerts thread writes the rest
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> failed_attempts_{0};
  std::atomic<std::uint64_t> logged_{0};
};

}  // namespace peregrine::engine::alerts
