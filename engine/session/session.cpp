// Session: assembles and runs the engine's threads; see session.hpp.
#include "engine/session/session.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "common/agent_runner.hpp"
#include "common/clock.hpp"
#include "common/rng.hpp"
#include "engine/alerts/webhook_alerter.hpp"
#include "engine/control/control_server.hpp"
#include "engine/core/core.hpp"
#include "engine/journal/journal_observer.hpp"
#include "engine/journal/journal_writer.hpp"
#include "engine/session/alerts_tap.hpp"
#include "engine/session/control_bridge.hpp"
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
  s.latency[static_cast<std::size_t>(StatsStage::kIntentToWire)] =
      percentiles(core.latency(CoreStage::kIntentToWire));
  s.latency[static_cast<std::size_t>(StatsStage::kWireToAck)] =
      percentiles(core.latency(CoreStage::kWireToAck));
  flow.fill_stats(s, now);
}

// The core thread's agent: the core loop, the control plane's core side (bounded per call) and
// a periodic statistics copy for the session.
class CoreAgent {
 public:
  CoreAgent(Core& core, SessionOrderFlow& flow, ControlBridge* bridge, AlertsTap* alerts,
            const SessionStats& names, common::SpscQueue<SessionStats>& out,
            common::Nanos start) noexcept
      : core_(core),
        flow_(flow),
        bridge_(bridge),
        alerts_(alerts),
        names_(names),
        out_(out),
        start_(start) {}
  [[nodiscard]] std::string_view name() const noexcept { return "pg-core"; }
  int do_work() noexcept {
    int work = core_.do_work();
    if (bridge_ != nullptr) work += bridge_->do_work();
    const common::Nanos now = core_.clock().now_ns();
    if (alerts_ != nullptr) work += alerts_->poll(now);
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
  ControlBridge* bridge_;
  AlertsTap* alerts_;
  const SessionStats& names_;
  common::SpscQueue<SessionStats>& out_;
  common::Nanos start_;
  common::Nanos next_publish_ = 0;
  SessionStats stats_;
};

}  // namespace

struct Session::Impl {
  common::TscClock clock{
      20'000'000, common::TscTimeline::kEpoch};  // one timeline with the gateways' WallClocks
  common::InstrumentRegistry instruments;
  std::array<std::unique_ptr<VenueQueues>, common::kVenueCount> queues;
  std::vector<std::unique_ptr<VenueRuntime>> venues;
  std::unique_ptr<SessionOrderFlow> flow;
  std::unique_ptr<ControlFlowTap> tap;  // what the core runs on: flow + kill gate + order list
  std::vector<BuiltStrategy> strategies;
  std::unique_ptr<router::VenueRouter> router;  // the core's venue selection and allocation
  std::unique_ptr<Core> core;
  SessionStats names;  // strategy names and enabled venues: the template of every snapshot
  common::SpscQueue<SessionStats> stats_queue{8};

  std::unique_ptr<journal::JournalWriter> journal;
  std::unique_ptr<journal::JournalObserver> observer;
  std::unique_ptr<control::ControlChannel> channel;
  std::unique_ptr<ControlBridge> bridge;
  std::unique_ptr<control::ControlServer> server;
  std::unique_ptr<alerts::WebhookAlerter> alerter;
  std::unique_ptr<AlertsTap> alerts_tap;  // the core's observer when alerts are on
  // Declared after their agents so they stop (and join) before the agents are destroyed.
  std::unique_ptr<common::AgentRunner<journal::JournalWriter, common::BackoffIdle>> journal_runner;
  std::unique_ptr<common::AgentRunner<control::ControlServer, common::BackoffIdle>> server_runner;
  std::unique_ptr<common::AgentRunner<alerts::WebhookAlerter, common::BackoffIdle>> alerts_runner;
};

namespace {

std::string journal_file_name() {
  // The wall clock only names the file (sessions sort by start); event times come from `clock`.
  const common::WallClock wall;
  return "session-" + std::to_string(wall.now_ns() / 1'000'000) + ".pgj";
}

std::string alert_webhook_url(const SessionOptions& o, const AlertsConfig& c) {
  if (!o.alert_webhook_url.empty()) return o.alert_webhook_url;
  if (!c.webhook_url.empty()) return c.webhook_url;
  const char* env = std::getenv("PEREGRINE_ALERT_WEBHOOK");  // start-up only, before any thread
  return env != nullptr ? std::string(env) : std::string();
}

std::string control_api_key(const ControlConfig& c) {
  if (!c.api_key.empty()) return c.api_key.reveal();
  const char* env = std::getenv("PEREGRINE_API_KEY");  // start-up only, before any thread
  return env != nullptr ? std::string(env) : std::string();
}

}  // namespace

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
  m.tap = std::make_unique<ControlFlowTap>(*m.flow, m.instruments);
  CoreOptions opts;
  opts.id_salt = common::os_entropy_u64();  // client order ids never repeat across restarts
  m.core = std::make_unique<Core>(m.instruments, m.clock, *m.tap, opts);
  m.router = std::make_unique<router::VenueRouter>(config_.router, m.instruments);
  m.core->set_router(m.router.get());

  if (options_.journal) {
    const std::filesystem::path dir(config_.engine.journal_dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    journal_ = dir / journal_file_name();
    journal::JournalWriterConfig jc;
    jc.path = journal_.string();
    jc.engine_id = config_.engine.name;
    m.journal = std::make_unique<journal::JournalWriter>(std::move(jc), m.clock);
    std::string error;
    if (!m.journal->open(&error)) {
      throw std::runtime_error("journal " + journal_.string() + ": " + error);
    }
    m.observer = std::make_unique<journal::JournalObserver>(*m.journal, m.clock,
                                                            journal::MdJournaling::kNoDeltas);
    m.core->set_observer(m.observer.get());
  }

  if (options_.alerts) {
    alerts::WebhookConfig wc;
    wc.url = alert_webhook_url(options_, config_.alerts);
    m.alerter = std::make_unique<alerts::WebhookAlerter>(wc, m.clock);
    std::string error;
    if (!m.alerter->configure(&error)) {
      // The URL is the operator's; the session still trades and logs alerts on stderr.
      notes_.push_back("alerts: webhook not used: " + error);
      wc.url.clear();
      m.alerter = std::make_unique<alerts::WebhookAlerter>(wc, m.clock);
      static_cast<void>(m.alerter->configure(&error));
    } else {
      notes_.push_back(wc.url.empty() ? "alerts: stderr only (no webhook configured)"
                                      : "alerts: stderr and webhook");
    }
    // Fan-out: the core has one observer slot, shared by the journal and the alerts.
    AlertsTapOptions ao;
    ao.deny_window_ns = config_.alerts.deny_window_ms * 1'000'000;
    m.alerts_tap = std::make_unique<AlertsTap>(m.observer.get(), *m.alerter, m.tap.get(), ao);
    m.core->set_observer(m.alerts_tap.get());
  }

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
  // The confluence executors take control-API signals through a relay.
  const std::vector<SignalRelay*> relays = wrap_signal_relays(config_, m.instruments, m.strategies);
  m.names.set_strategy_name(0, "manual");
  std::size_t slot = 1;
  for (BuiltStrategy& s : m.strategies) {
    const common::StrategyId id = m.core->add_strategy(s.strategy.get());
    if (id.value < kMaxSessionStrategies) m.names.set_strategy_name(id.value, s.name);
    slot = id.value + 1u;
  }
  m.names.strategy_count = static_cast<std::uint16_t>(slot);

  if (options_.control_plane) {
    m.channel = std::make_unique<control::ControlChannel>();
    ControlBridgeOptions bo;
    bo.mode = to_string(config_.engine.mode);
    bo.max_daily_loss = config_.risk.max_daily_loss;
    bo.max_drawdown = config_.risk.max_drawdown;
    bo.max_gross_exposure = config_.risk.max_gross_exposure;
    bo.max_open_orders = static_cast<std::uint32_t>(std::max(config_.risk.max_open_orders, 0));
    for (const VenueConfig& v : config_.venues) {
      bo.starting_balance[common::index(v.venue)] = v.starting_balance;
    }
    m.bridge = std::make_unique<ControlBridge>(*m.core, *m.tap, *m.channel, bo);
    for (SignalRelay* r : relays) m.bridge->add_signal_relay(r);
    m.bridge->set_journal(m.journal.get());
    if (m.alerts_tap) m.bridge->set_kill_listener(&AlertsTap::kill_listener, m.alerts_tap.get());
    for (std::size_t v = 0; v < common::kVenueCount; ++v) {
      m.bridge->set_venue_enabled(static_cast<common::VenueId>(v), m.names.venue_enabled[v]);
    }
    control::ControlServerConfig sc;
    sc.bind_address = config_.control.bind;
    sc.port = config_.control.port;
    sc.api_key = control_api_key(config_.control);
    if (sc.api_key.empty()) {
      notes_.push_back(
          "control API: no key (control.api_key or PEREGRINE_API_KEY): every request gets 401");
    }
    m.server = std::make_unique<control::ControlServer>(std::move(sc), *m.channel, m.clock);
    std::string error;
    if (m.server->open(&error)) {
      notes_.push_back("control API on http://" + config_.control.bind + ":" +
                       std::to_string(m.server->port()));
    } else {
      // The session still trades; the operator learns why there is no API.
      notes_.push_back("control API not started: " + error);
      m.server.reset();
    }
  }
  if (m.journal) {
    journal_note_ = notes_.size();
    notes_.push_back("journal: " + journal_.string());
  }
}

SessionStats Session::run(std::ostream& status) {
  Impl& m = *impl_;
  const common::Nanos start = m.clock.now_ns();
  std::optional<common::Nanos> duration = options_.duration;
  if (!duration && config_.engine.duration) duration = config_.engine.duration->count();

  if (m.journal) {
    m.journal_runner =
        std::make_unique<common::AgentRunner<journal::JournalWriter, common::BackoffIdle>>(
            *m.journal, common::BackoffIdle{},
            common::AgentRunnerOptions{"pg-journal", common::kNoCpu});
    if (!m.journal_runner->start()) throw std::runtime_error("could not start the journal thread");
  }
  if (m.alerter) {
    m.alerts_runner =
        std::make_unique<common::AgentRunner<alerts::WebhookAlerter, common::BackoffIdle>>(
            *m.alerter, common::BackoffIdle{},
            common::AgentRunnerOptions{"pg-alerts", common::kNoCpu});
    if (!m.alerts_runner->start()) throw std::runtime_error("could not start the alerts thread");
  }
  if (m.server) {
    m.server_runner =
        std::make_unique<common::AgentRunner<control::ControlServer, common::BackoffIdle>>(
            *m.server, common::BackoffIdle{},
            common::AgentRunnerOptions{"pg-control", common::kNoCpu});
    if (!m.server_runner->start()) throw std::runtime_error("could not start the control thread");
  }
  if (m.bridge) m.bridge->set_started(start);
  for (auto& v : m.venues) v->start();
  m.core->start();
  CoreAgent agent(*m.core, *m.tap, m.bridge.get(), m.alerts_tap.get(), m.names, m.stats_queue,
                  start);
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
  if (m.server_runner) m.server_runner->stop();
  runner.stop();
  // The core thread has joined: its state can be read here directly.
  SessionStats final_stats = m.names;
  collect(*m.core, *m.tap, start, m.clock.now_ns(), final_stats);
  for (auto& v : m.venues) {
    v->fill_stats(final_stats);
    v->stop();
  }
  if (options_.live_status && tty) status << '\n';
  if (runner.error_count() > 0) {
    notes_.push_back("core thread reported an error: " + runner.last_error());
  }
  if (m.journal_runner) {
    m.journal_runner->stop();  // after the core: on_close drains what the core appended
    // Replaces the start-up note: the same path, now with what was written.
    notes_[journal_note_] =
        ("journal: " + journal_.string() + ": " + std::to_string(m.journal->written()) +
         " records written, " + std::to_string(m.journal->dropped()) + " dropped" +
         (m.journal->write_errors() > 0
              ? ", " + std::to_string(m.journal->write_errors()) + " write errors"
              : std::string()));
    if (m.journal_runner->error_count() > 0) {
      notes_.push_back("journal thread reported an error: " + m.journal_runner->last_error());
    }
  }
  if (m.alerts_runner) {
    m.alerts_runner->stop();  // after the core: nothing is published any more
    const alerts::WebhookAlerter& a = *m.alerter;
    if (a.logged() > 0 || a.dropped() > 0) {
      notes_.push_back("alerts: " + std::to_string(a.logged()) + " logged, " +
                       std::to_string(a.sent()) + " posted, " + std::to_string(a.failed()) +
                       " failed, " + std::to_string(a.dropped()) + " dropped");
    }
  }
  if (m.server_runner && m.server_runner->error_count() > 0) {
    notes_.push_back("control thread reported an error: " + m.server_runner->last_error());
  }
  if (m.bridge) {
    const ControlBridgeCounters& c = m.bridge->counters();
    if (c.commands > 0) {
      notes_.push_back("control API: " + std::to_string(c.commands) + " commands, " +
                       std::to_string(c.kills) + " kills (" + std::to_string(c.kill_cancels_sent) +
                       " cancels sent)");
    }
  }
  return final_stats;
}

}  // namespace peregrine::engine
