// ControlServer: the HTTP control plane (Boost.Beast, 127.0.0.1 by default) as an agent on its
// own side thread: do_work() polls its io_context, takes the core's latest ControlSnapshot,
// answers GETs from it, turns POSTs into ControlCommands and waits for ControlReplies by queue.
// It never reads core state directly. Construction/open on any thread; the rest on its thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "engine/control/control_types.hpp"
#include "engine/control/metrics.hpp"

namespace peregrine::engine::control {

struct ControlServerConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8780;  // 0: an ephemeral port (tests); see port()
  // Compared in constant time with X-API-Key. Empty: every authenticated request gets 401.
  std::string api_key;
  bool metrics_public = false;             // serve GET /metrics without a key
  Nanos reply_timeout_ns = 2'000'000'000;  // core answer deadline → 504
  std::size_t max_body_bytes = 16 * 1024;
  std::size_t max_connections = 64;
  std::size_t max_pending = 256;  // POSTs waiting for the core; more → 503
  Nanos idle_timeout_ns = 30'000'000'000;
};

class ControlServer {
 public:
  // `channel` and `clock` must outlive the server. The clock paces reply timeouts.
  ControlServer(ControlServerConfig config, ControlChannel& channel, const common::Clock& clock);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Start-up: binds and listens. False with *error (never mentions the API key).
  [[nodiscard]] bool open(std::string* error);
  // The bound port (after open()).
  [[nodiscard]] std::uint16_t port() const noexcept;

  // Agent interface (control thread).
  [[nodiscard]] std::string_view name() const noexcept { return "control"; }
  void on_start();  // open() if needed; throws std::runtime_error on failure
  int do_work() noexcept;
  void on_close();

  // Any thread: a copy of the counters.
  [[nodiscard]] ControlServerStats stats() const noexcept;

  struct Impl;  // opaque: keeps Beast out of this header

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace peregrine::engine::control
