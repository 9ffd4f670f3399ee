// Prometheus text exposition (format 0.0.4) of the latest ControlSnapshot and the control
// plane's own counters. Control-plane thread only.
#pragma once

#include <cstdint>
#include <string>

#include "engine/control/control_types.hpp"

namespace peregrine::engine::control {

// The control plane's own counters (control thread writes, anyone may read a copy).
struct ControlServerStats {
  std::uint64_t requests = 0;
  std::uint64_t unauthorized = 0;        // 401
  std::uint64_t bad_requests = 0;        // 400
  std::uint64_t not_found = 0;           // 404
  std::uint64_t method_not_allowed = 0;  // 405
  std::uint64_t timeouts = 0;            // 504: the core did not answer in time
  std::uint64_t queue_full = 0;          // 503: command queue full
  std::uint64_t late_replies = 0;        // replies after their request timed out
  std::uint64_t commands_sent = 0;
  std::uint64_t snapshots_received = 0;
  std::uint64_t errors = 0;  // I/O and internal errors
};

// `snapshot` may be null (no publish yet): only the control plane's own series are written.
[[nodiscard]] std::string prometheus_text(const ControlSnapshot* snapshot,
                                          const ControlServerStats& stats, Nanos now);

}  // namespace peregrine::engine::control
