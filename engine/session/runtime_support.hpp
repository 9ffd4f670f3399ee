// Shared pieces of the per-venue runtimes (venues.cpp, venue_bybit.cpp, venue_coinbase.cpp):
// the agent-runner flavour, thread options and TLS options. Start-up thread only.
#pragma once

#include <memory>
#include <string>

#include "common/agent_runner.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/instrument.hpp"
#include "engine/engine_config.hpp"
#include "engine/session/wiring.hpp"
#include "gateways/net/tls.hpp"

namespace peregrine::engine {

// Paper and laptop runs share a few cores with the simulator: gateways back off when idle.
// A pinned production deployment would use BusySpinIdle on isolated cores.
template <typename A>
using GatewayRunner = common::AgentRunner<A, common::BackoffIdle>;

inline common::AgentRunnerOptions gateway_runner_options(std::string name, int cpu) {
  common::AgentRunnerOptions o;
  o.thread_name = std::move(name);
  o.cpu = cpu;
  return o;
}

// Real venues: system trust store, certificate and host verification on (the defaults).
// Loopback plain TCP needs nothing.
inline gateways::net::TlsOptions gateway_tls_for(const common::Url& url) {
  static_cast<void>(url);
  return gateways::net::TlsOptions{};
}

// Per-venue runtimes defined in their own files (venue_<name>.cpp). Throw std::runtime_error
// naming the problem (never a secret) on a start-up error.
[[nodiscard]] std::unique_ptr<VenueRuntime> make_bybit_runtime(
    const VenueConfig& venue, const EngineConfig& config,
    const common::InstrumentRegistry& instruments, const common::Clock& clock, VenueQueues& queues);
[[nodiscard]] std::unique_ptr<VenueRuntime> make_coinbase_runtime(
    const VenueConfig& venue, const EngineConfig& config,
    const common::InstrumentRegistry& instruments, const common::Clock& clock, VenueQueues& queues);

}  // namespace peregrine::engine
