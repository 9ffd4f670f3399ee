// Start-up wiring of a session: the pieces a Session is assembled from, each built from the
// config. Start-up thread only; the objects returned then belong to the threads named below.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/spsc_queue.hpp"
#include "engine/core/core.hpp"
#include "engine/engine_config.hpp"
#include "engine/session/session_stats.hpp"
#include "strategies/strategy.hpp"

namespace peregrine::engine {

// The queues between one venue's gateways and the core (owned by the session).
struct VenueQueues {
  explicit VenueQueues(std::size_t md_capacity = 1 << 16, std::size_t exec_capacity = 1 << 13,
                       std::size_t order_capacity = 1 << 12)
      : md(md_capacity), exec(exec_capacity), orders(order_capacity) {}
  common::SpscQueue<common::MdEvent> md;          // md gateway -> core
  common::SpscQueue<common::ExecEvent> exec;      // order gateway -> core
  common::SpscQueue<common::OrderIntent> orders;  // core -> order gateway
};

// One venue's gateways running on their own threads.
class VenueRuntime {
 public:
  virtual ~VenueRuntime() = default;
  virtual void start() = 0;          // starts the gateway threads
  virtual void stop() noexcept = 0;  // stops and joins them
  // Gateway-side latency (intent popped -> written, written -> answer) and link state, read by
  // the session thread (atomics / snapshots only).
  virtual void fill_stats(SessionStats& s) const noexcept = 0;
};

// Builds every instrument of the config into `out` (ids in config order). Throws
// std::runtime_error naming the instrument on a registry error.
void build_registry(const EngineConfig& config, common::InstrumentRegistry& out);

// The venue's gateways, or nullptr with `why` set when this build cannot trade there yet.
[[nodiscard]] std::unique_ptr<VenueRuntime> make_venue_runtime(
    const VenueConfig& venue, const EngineConfig& config,
    const common::InstrumentRegistry& instruments, const common::Clock& clock, VenueQueues& queues,
    std::string& why);

// One open order as the flow's order table holds it; valid during the visit only.
struct OpenOrderView {
  const common::OrderIntent& intent;  // live price/qty (after any replace)
  common::VenueOrderId venue_order_id;
  common::OrderStatus status;
  common::Qty filled;
  common::Nanos created_ns;
};

// Risk gate + OMS + portfolio behind the core's OrderFlow seam, with the session's PnL table.
// Core thread only.
class SessionOrderFlow : public OrderFlow {
 public:
  using OpenOrderVisitor = void (*)(void* ctx, const OpenOrderView& o) noexcept;

  // Copies the per-strategy/venue figures and the risk state into `s` (core thread).
  virtual void fill_stats(SessionStats& s, common::Nanos now) const noexcept = 0;
  // Kill switch on the real risk gate: halted from `now` on, so every new/modify is denied by
  // the gate itself and the risk state reads halted. A flow without a gate ignores it.
  virtual void halt(common::Nanos now) noexcept { static_cast<void>(now); }
  // The gate's state, cheap enough to poll every core cycle.
  [[nodiscard]] virtual RiskMode risk_mode() const noexcept { return RiskMode::kNormal; }
  // Visits the order table's open orders, oldest first. False when the flow keeps no order
  // table (nothing visited): the caller then relies on its own list.
  virtual bool visit_open(OpenOrderVisitor fn, void* ctx) const noexcept {
    static_cast<void>(fn);
    static_cast<void>(ctx);
    return false;
  }
  // fn(const OpenOrderView&) noexcept; no allocation (the callable is passed by address).
  template <typename Fn>
  bool for_each_open(Fn&& fn) const noexcept {
    using F = std::remove_reference_t<Fn>;
    return visit_open(
        [](void* ctx, const OpenOrderView& o) noexcept { (*static_cast<F*>(ctx))(o); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }
};
[[nodiscard]] std::unique_ptr<SessionOrderFlow> make_order_flow(
    const EngineConfig& config, const common::InstrumentRegistry& instruments);

struct BuiltStrategy {
  std::string name;  // the config's name ("fib_btc"), not the strategy type
  std::unique_ptr<strategies::Strategy> strategy;
};
// The enabled strategies of the config, in config order, with strategy ids 1, 2, ... in that
// order (the core assigns the same ids as they are added). Throws std::runtime_error listing
// every bad parameter (path and reason).
[[nodiscard]] std::vector<BuiltStrategy> make_strategies(
    const EngineConfig& config, const common::InstrumentRegistry& instruments);

class SignalRelay;
// Wraps each confluence executor in `built` (make_strategies' result for `config`) in a
// SignalRelay, so external signals (control API, replay signal file) reach it with its own
// context. Returns the relays, owned by `built`, in config order.
[[nodiscard]] std::vector<SignalRelay*> wrap_signal_relays(
    const EngineConfig& config, const common::InstrumentRegistry& instruments,
    std::vector<BuiltStrategy>& built);

}  // namespace peregrine::engine
