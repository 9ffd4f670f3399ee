// A running engine: the core thread, one market-data and one order gateway per enabled venue,
// the journal and control-plane side threads, and the session thread that prints the live
// status and the summary. Built and driven from main(); run() blocks until the duration ends
// or stop() is called (SIGINT).
#pragma once

#include <atomic>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/events.hpp"
#include "engine/engine_config.hpp"
#include "engine/session/session_stats.hpp"

namespace peregrine::engine {

struct SessionOptions {
  std::optional<common::Nanos> duration;  // overrides engine.duration from the config
  bool live_status = true;                // one status line per second
  std::filesystem::path report_path;      // report.json; empty: <journal_dir>/report.json
  bool journal = true;  // <journal_dir>/session-<epoch ms>.pgj, written on its own thread
  // The HTTP control plane on control.bind:control.port, on its own thread. The key is
  // control.api_key, else the environment's PEREGRINE_API_KEY (without one every request is 401).
  bool control_plane = true;
  // Operator alerts (fills, rejects, risk denials aggregated, halts, venue disconnects) on
  // stderr from their own thread, and POSTed as JSON to this webhook when set (else the
  // environment's PEREGRINE_ALERT_WEBHOOK; http only).
  bool alerts = true;
  std::string alert_webhook_url;
};

class Session {
 public:
  explicit Session(const EngineConfig& config, SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Builds everything (instruments, queues, gateways, strategies). Start-up errors are thrown
  // as std::runtime_error with a message that names the problem.
  void build();
  // Runs until the duration passes or stop(); prints the status line to `status` and returns
  // the final statistics. The summary table and report.json are written by the caller.
  SessionStats run(std::ostream& status);
  // Any thread (signal handler path sets the flag only).
  void stop() noexcept { stop_.store(true, std::memory_order_release); }
  [[nodiscard]] const std::filesystem::path& report_path() const noexcept { return report_; }
  [[nodiscard]] const std::vector<std::string>& notes() const noexcept { return notes_; }
  // The journal file of this session (empty without one); valid after build().
  [[nodiscard]] const std::filesystem::path& journal_path() const noexcept { return journal_; }

 private:
  struct Impl;
  const EngineConfig& config_;
  SessionOptions options_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_{false};
  std::filesystem::path report_;
  std::filesystem::path journal_;
  std::size_t journal_note_ = 0;    // index in notes_ of the journal's line
  std::vector<std::string> notes_;  // start-up facts for the operator (venues skipped, ...)
};

}  // namespace peregrine::engine
