// Session: assembles and runs the engine's threads; see session.hpp.
#include "engine/session/session.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "common/agent_runner.hpp"
#include "common/clock.hpp"
#include "common/rng.hpp"
#include "engine/core/core.hpp"
#include "engine/session/wiring.hpp"

namespace peregrine::engine {

namespace {

constexpr common::Nanos kPublishEvery = 250'000'000;  // core -> session statistics
constexpr common::Nanos kStatusEvery = 1'000'000'000;

StagePercentiles percentiles(const common::LatencyHistogram& h) noexcept {
  return StagePercentiles{h.count(), h.p50(), h.p99(), h.p999()};
}

// Everything the session thread shows, copied on the core thread.
void collect(const Core& core, const SessionOrderFlow& flow, common::Nanos start, common::Nanos now,
             SessionStats& s) noexcept {
  s.elapsed = now - start;
  const CoreCounters& c = core.counters();
  s.md_events = c.md_events;
  s.exec_events = c.exec_events;
  s.denials_by_reason = c.denied_by_reason;
  s.latency[static_cast<std::size_t>(StatsStage::kMdToStrategy)] =
      percentiles(core.latency(CoreStage::kMdToStrategy));
  s.latency[static_cast<std::size_t>(StatsStage::kSubmitToQueued)] =
      percentiles(core.latency(CoreStage::kSubmitToQueued));
  s.latency[static_cast<std::size_t>(StatsStage::kExecToStrategy)] =
      percentiles(core.latency(CoreStage::kExecToStrategy));
  flow.fill_stats(s, now);
}

// The core thread's agent: the core loop plus a periodic statistics copy for the session.
class CoreAgent {
 public:
  CoreAgent(Core& core, SessionOrderFlow& flow, const SessionStats& names,
            common::SpscQueue<SessionStats>& out, common::Nanos start) noexcept
      : core_(core), flow_(flow), names_(names), out_(out), start_(start) {}
  [[nodiscard]] std::string_view name() const noexcept { return "pg-core"; }
  int do_work() noexcept {
    int work = core_.do_work();
    const common::Nanos now = core_.clock().now_ns();
    if (now >= next_publish_) {
      next_publish_ = now + kPublishEvery;
      stats_ = names_;
      collect(core_, flow_, start_, now, stats_);
      // A full queue means the session thread has not caught up: skip this copy.
      static_cast<void>(out_.try_push(stats_));
      ++work;
    }
    return work;
  }

 private:
  Core& core_;
  SessionOrderFlow& flow_;
  const SessionStats& names_;
  common::SpscQueue<SessionStats>& out_;
  common::Nanos start_;
  common::Nanos next_publish_ = 0;
  SessionStats stats_;
};

}  // namespace

struct Session::Impl {
  common::TscClock clock;
  common::InstrumentRegistry instruments;
  std::array<std::unique_ptr<VenueQueues>, common::kVenueCount> queues;
  std::vector<std::unique_ptr<VenueRuntime>> venues;
  std::unique_ptr<SessionOrderFlow> flow;
  std::vector<BuiltStrategy> strategies;
  std::unique_ptr<Core> core;
  SessionStats names;  // strategy names and enabled venues: the template of every snapshot
  common::SpscQueue<SessionStats> stats_queue{8};
};

Session::Session(const EngineConfig& config, SessionOptions options)
    : config_(config), options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  report_ = options_.report_path.empty()
                ? std::filesystem::path(config_.engine.journal_dir) / "report.json"
                : options_.report_path;
}

Session::~Session() {
  if (impl_) {
    for (auto& v : impl_->venues) v->stop();
  }
}

void Session::build() {
  Impl& m = *impl_;
  build_registry(config_, m.instruments);
  m.flow = make_order_flow(config_, m.instruments);
  CoreOptions opts;
  opts.id_salt = common::os_entropy_u64();  // client order ids never repeat across restarts
  m.core = std::make_unique<Core>(m.instruments, m.clock, *m.flow, opts);

  for (const VenueConfig& v : config_.venues) {
    if (!v.enabled) continue;
    const auto vi = static_cast<std::size_t>(v.venue);
    m.queues[vi] = std::make_unique<VenueQueues>();
    std::string why;
    auto rt = make_venue_runtime(v, config_, m.instruments, m.clock, *m.queues[vi], why);
    if (!rt) {
      notes_.push_back(std::string(venue_key(v.venue)) + ": not traded in this session: " + why);
      continue;
    }
    m.core->connect_md(v.venue, &m.queues[vi]->md);
    m.core->connect_exec(v.venue, &m.queues[vi]->exec);
    m.core->connect_orders(v.venue, &m.queues[vi]->orders);
    m.names.venue_enabled[vi] = true;
    m.venues.push_back(std::move(rt));
  }

  m.strategies = make_strategies(config_, m.instruments);
  m.names.set_strategy_name(0, "manual");
  std::size_t slot = 1;
  for (BuiltStrategy& s : m.strategies) {
    const common::StrategyId id = m.core->add_strategy(s.strategy.get());
    if (id.value < kMaxSessionStrategies) m.names.set_strategy_name(id.value, s.name);
    slot = id.value + 1u;
  }
  m.names.strategy_count = static_cast<std::uint16_t>(slot);
}

SessionStats Session::run(std::ostream& status) {
  Impl& m = *impl_;
  const common::Nanos start = m.clock.now_ns();
  std::optional<common::Nanos> duration = options_.duration;
  if (!duration && config_.engine.duration) duration = config_.engine.duration->count();

  for (auto& v : m.venues) v->start();
  m.core->start();
  CoreAgent agent(*m.core, *m.flow, m.names, m.stats_queue, start);
  common::AgentRunnerOptions ropts;
  ropts.thread_name = "pg-core";
  ropts.cpu = config_.engine.core_cpu;
  common::AgentRunner<CoreAgent, common::BackoffIdle> runner(agent, common::BackoffIdle{}, ropts);
  if (!runner.start()) throw std::runtime_error("could not start the core thread");

  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  SessionStats latest = m.names;
  SessionStats shown = m.names;
  common::Nanos next_status = start + kStatusEvery;
  while (!stop_.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    SessionStats s;
    while (m.stats_queue.try_pop(s)) latest = s;
    const common::Nanos now = m.clock.now_ns();
    if (duration && now - start >= *duration) break;
    if (options_.live_status && now >= next_status) {
      next_status += kStatusEvery;
      for (auto& v : m.venues) v->fill_stats(latest);
      status << (tty ? "\r" : "") << status_line(latest, shown) << (tty ? "" : "\n");
      status.flush();
      shown = latest;
    }
  }
  runner.stop();
  // The core thread has joined: its state can be read here directly.
  SessionStats final_stats = m.names;
  collect(*m.core, *m.flow, start, m.clock.now_ns(), final_stats);
  for (auto& v : m.venues) {
    v->fill_stats(final_stats);
    v->stop();
  }
  if (options_.live_status && tty) status << '\n';
  if (runner.error_count() > 0) {
    notes_.push_back("core thread reported an error: " + runner.last_error());
  }
  return final_stats;
}

}  // namespace peregrine::engine
