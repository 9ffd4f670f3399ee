// peregrine-venue-sim's network server: one io_context on one thread (the simulator thread)
// serving every enabled venue's port (HTTP/1.1 keep-alive + WebSocket, plain or TLS) and the
// admin port, driving the simulated exchanges from a 1 ms timer and applying venue-neutral
// faults. start() and the port getters: the owning thread before run(); stop(): any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/ids.hpp"
#include "tools/venue_sim/sim_config.hpp"

namespace peregrine::venue_sim {

// Read by the status line and tests from any thread (single writer: the simulator thread).
struct ServerStats {
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> ws_frames_out{0};
  std::atomic<std::uint64_t> ws_frames_in{0};
  std::atomic<std::uint64_t> ws_sessions{0};  // currently open
  std::atomic<std::uint64_t> orders{0};       // orders accepted by the exchanges
  std::atomic<std::uint64_t> fills{0};
  std::atomic<std::uint64_t> ticks{0};
};

class Server {
 public:
  explicit Server(SimConfig cfg);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Builds the exchanges and protocols, binds every listener (port 0: ephemeral). False with a
  // one-line reason (no secrets) when something cannot start.
  [[nodiscard]] bool start(std::string* error);
  // Runs the io_context on the calling thread until stop(); that thread is the simulator thread.
  void run();
  // Any thread: closes listeners and sessions and makes run() return.
  void stop();

  [[nodiscard]] std::uint16_t admin_port() const noexcept;
  [[nodiscard]] std::uint16_t venue_port(common::VenueId v) const noexcept;  // 0: disabled
  [[nodiscard]] const ServerStats& stats() const noexcept;
  [[nodiscard]] const SimConfig& config() const noexcept;
  // PEM of the generated certificate (empty when no venue uses TLS).
  [[nodiscard]] const std::string& cert_pem() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace peregrine::venue_sim
