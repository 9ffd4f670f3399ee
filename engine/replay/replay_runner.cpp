// The replay driver; see replay_runner.hpp.
#include "engine/replay/replay_runner.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "common/rng.hpp"
#include "engine/journal/journal_writer.hpp"
#include "engine/replay/hyperliquid_feed.hpp"
#include "engine/replay/replay_input.hpp"
#include "engine/replay/signal_file.hpp"
#include "engine/router/venue_router.hpp"
#include "engine/session/control_bridge.hpp"
#include "engine/session/wiring.hpp"

namespace peregrine::engine::replay {

namespace {

using common::Nanos;

// Drain the journal ring well before it could fill: one core cycle journals at most a few
// records per event of its bounded batches.
constexpr std::size_t kJournalHeadroom = 4096;
// The diff streams carry the whole book (5000+ levels a side on BTCUSDT): no growth in replay.
constexpr std::size_t kBookCapacity = 16384;
constexpr std::size_t kMaxSettleSteps = 1'000'000;

StagePercentiles percentiles(const common::LatencyHistogram& h) noexcept {
  return StagePercentiles{h.count(), h.p50(), h.p99(), h.p999()};
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t salt) noexcept {
  common::Rng r(seed ^ (salt * 0x9e3779b97f4a7c15ULL));
  return r.next();
}

void add(FeedStats& to, const FeedStats& s) noexcept {
  to.frames += s.frames;
  to.malformed += s.malformed;
  to.unknown_symbol += s.unknown_symbol;
  to.depth += s.depth;
  to.snapshots += s.snapshots;
  to.trades += s.trades;
  to.book_tickers += s.book_tickers;
  to.other += s.other;
  to.gaps += s.gaps;
  to.events += s.events;
}

class Driver final : public MdOut {
 public:
  Driver(const EngineConfig& config, const ReplayOptions& options, ReplayResult& result)
      : config_(config), options_(options), result_(result) {}

  bool build(std::string* error) {
    if (!input_.open(options_.inputs, error)) return false;
    build_registry(config_, instruments_);
    flow_ = make_order_flow(config_, instruments_);
    CoreOptions co;
    co.id_salt = mix(options_.seed, 0x5a17);
    co.book_capacity = kBookCapacity;
    core_ = std::make_unique<Core>(instruments_, clock_, *flow_, co);
    // The same router as a live session: `venue: auto` strategies route among the replayed
    // venues (the others never report connected), learning ack latency from the latency model.
    router_ = std::make_unique<router::VenueRouter>(config_.router, instruments_);
    core_->set_router(router_.get());
    for (const auto& f : input_.files()) {
      const auto v = static_cast<std::size_t>(f->venue());
      if (f->venue() != common::VenueId::kBinance && f->venue() != common::VenueId::kHyperliquid) {
        *error = f->path() + ": " + std::string(venue_key(f->venue())) +
                 " frames: replay decodes Binance and Hyperliquid inputs only so far";
        return false;
      }
      if (!venue_enabled(f->venue())) {
        *error =
            f->path() + ": " + std::string(venue_key(f->venue())) + " is not enabled in the config";
        return false;
      }
      if (queues_[v]) continue;
      queues_[v] = std::make_unique<VenueQueues>();
      const Core& core = *core_;
      const std::size_t n = instruments_.size();
      venues_[v] = std::make_unique<SimVenue>(
          f->venue(), instruments_,
          [&core, n](common::InstrumentId id) -> const common::L2Book* {
            return id.valid() && id.value < n ? &core.book(id) : nullptr;
          },
          options_.latency, mix(options_.seed, v + 1));
      core_->connect_md(f->venue(), &queues_[v]->md);
      core_->connect_exec(f->venue(), &queues_[v]->exec);
      core_->connect_orders(f->venue(), &queues_[v]->orders);
      result_.venue_active[v] = true;
      result_.stats.venue_enabled[v] = true;
    }
    if (queues_[static_cast<std::size_t>(common::VenueId::kBinance)]) {
      feed_ = std::make_unique<BinanceFeed>(instruments_, *this);
    }
    if (queues_[static_cast<std::size_t>(common::VenueId::kHyperliquid)]) {
      hl_feed_ = std::make_unique<HyperliquidFeed>(instruments_, *this);
    }
    strategies_ = make_strategies(config_, instruments_);
    relays_ = wrap_signal_relays(config_, instruments_, strategies_);
    if (!options_.signals_path.empty()) {
      if (!load_signal_file(options_.signals_path, instruments_, &signals_, error)) return false;
      result_.signals_loaded = signals_.size();
    }
    result_.stats.set_strategy_name(0, "manual");
    std::size_t slot = 1;
    for (BuiltStrategy& s : strategies_) {
      const common::StrategyId id = core_->add_strategy(s.strategy.get());
      if (id.value < kMaxSessionStrategies) result_.stats.set_strategy_name(id.value, s.name);
      slot = id.value + 1u;
    }
    result_.stats.strategy_count = static_cast<std::uint16_t>(slot);
    return true;
  }

  // Returns false with *error on an input read error or a journal that cannot be written.
  bool run(std::string* error, bool* input_error) {
    Frame f;
    if (!input_.next(&f)) {
      *input_error = true;
      *error = input_.error().empty() ? "the inputs hold no frames" : input_.error();
      return false;
    }
    result_.first_ts = f.ts_recv;
    clock_.advance_to(f.ts_recv);
    if (!options_.journal_path.empty()) {
      std::error_code ec;
      std::filesystem::remove(options_.journal_path, ec);  // a replay's journal is regenerated
      journal::JournalWriterConfig jc;
      jc.path = options_.journal_path;
      jc.fsync = journal::FsyncPolicy::kNever;
      jc.config_hash = options_.config_hash;
      jc.engine_id = "peregrine-replay";
      writer_ = std::make_unique<journal::JournalWriter>(jc, clock_);  // header time: first frame
      if (!writer_->open(error)) return false;
      observer_ = std::make_unique<journal::JournalObserver>(*writer_, clock_, options_.md_journal);
      core_->set_observer(observer_.get());
    }
    const Nanos wall_start = options_.wall != nullptr ? options_.wall->now_ns() : 0;
    core_->start();
    for (std::size_t v = 0; v < common::kVenueCount; ++v) {
      if (!venues_[v]) continue;
      common::VenueStatus s;
      s.ts_venue = f.ts_recv;
      s.ts_recv = f.ts_recv;
      s.venue = static_cast<common::VenueId>(v);
      s.state = common::VenueState::kConnected;  // a live gateway says so once its feed is up
      emit(common::MdEvent(s));
    }
    pump();
    do {
      ++result_.frames;
      settle(f.ts_recv);
      deliver_signals(f.ts_recv);
      clock_.advance_to(f.ts_recv);
      result_.last_ts = std::max(result_.last_ts, f.ts_recv);
      if (f.venue == common::VenueId::kBinance && feed_) {
        feed_->on_frame(f.payload, f.ts_recv, f.symbol_hint, f.market_hint);
      } else if (f.venue == common::VenueId::kHyperliquid && hl_feed_) {
        hl_feed_->on_frame(f.payload, f.ts_recv);
      } else {
        ++result_.skipped_frames;
      }
      pump();
    } while (input_.next(&f));
    if (!input_.error().empty()) {
      *input_error = true;
      *error = input_.error();
      return false;
    }
    // Orders in flight at the end of the recording still get their answers; signals after the
    // last frame have no market to act on.
    settle(SimVenue::kNever);
    result_.signals_unused += signals_.size() - next_signal_;
    if (options_.wall != nullptr) {
      result_.wall_seconds = static_cast<double>(options_.wall->now_ns() - wall_start) / 1e9;
    }
    finish();
    return true;
  }

  // MdOut: the venue sees the event first, then the core's queue gets it. A full queue is
  // drained by running the core right here (single thread: nothing else would).
  void emit(const common::MdEvent& e) noexcept override {
    const auto v = static_cast<std::size_t>(venue_of(e));
    if (v >= common::kVenueCount || !queues_[v]) return;
    venues_[v]->on_md(e, clock_.now_ns());
    while (!queues_[v]->md.try_push(e)) cycle();
  }

 private:
  static common::VenueId venue_of(const common::MdEvent& e) noexcept {
    switch (e.kind) {
      case common::MdKind::kBookDelta:
        return e.delta.venue;
      case common::MdKind::kTrade:
        return e.trade.venue;
      case common::MdKind::kBookReset:
        return e.reset.venue;
      case common::MdKind::kVenueStatus:
        return e.status.venue;
    }
    return common::VenueId::kBinance;
  }

  bool venue_enabled(common::VenueId v) const noexcept {
    for (const VenueConfig& vc : config_.venues) {
      if (vc.venue == v) return vc.enabled;
    }
    return false;
  }

  // One core cycle, then intents to their venues and the journal drained when it fills up.
  int cycle() noexcept {
    int work = core_->do_work();
    const Nanos now = clock_.now_ns();
    for (std::size_t v = 0; v < common::kVenueCount; ++v) {
      if (!queues_[v]) continue;
      common::OrderIntent intent;
      while (queues_[v]->orders.try_pop(intent)) {
        venues_[v]->send(intent, now);
        ++work;
      }
      // Zero latency: what arrived now is handled now.
      if (venues_[v]->next_due() <= now) work += venues_[v]->run_due(now, queues_[v]->exec);
    }
    drain_journal(false);
    return work;
  }

  void pump() noexcept {
    for (std::size_t i = 0; i < options_.max_pump_cycles; ++i) {
      if (cycle() == 0) return;
    }
    ++result_.pump_capped;
  }

  // Venue work (order arrivals, reports) due at or before t, in time order.
  void settle(Nanos t) noexcept {
    // Bounded by count: after the last frame a strategy answering every report with a new
    // order could otherwise keep the venue busy forever.
    for (std::size_t i = 0; i < kMaxSettleSteps; ++i) {
      Nanos due = SimVenue::kNever;
      for (const auto& v : venues_) {
        if (v) due = std::min(due, v->next_due());
      }
      if (due == SimVenue::kNever || due > t) return;
      clock_.advance_to(due);
      const Nanos now = clock_.now_ns();
      for (std::size_t v = 0; v < common::kVenueCount; ++v) {
        if (venues_[v]) static_cast<void>(venues_[v]->run_due(now, queues_[v]->exec));
      }
      pump();
    }
  }

  // Signals due at or before t, each at its own time: venue work due before it first, then the
  // executors of its asset, then the core runs on what they submitted.
  void deliver_signals(Nanos t) noexcept {
    while (next_signal_ < signals_.size() && signals_[next_signal_].ts <= t) {
      const ReplaySignal& rs = signals_[next_signal_++];
      settle(rs.ts);
      clock_.advance_to(rs.ts);
      strategies::confluence::Signal s;
      s.asset = rs.asset;
      s.score = rs.score;
      s.ts = rs.ts;
      s.source = 2;  // replay file
      bool used = false;
      for (SignalRelay* r : relays_) {
        if (r->asset() == rs.asset && r->deliver(s)) {
          ++result_.signals_delivered;
          used = true;
        }
      }
      if (!used) ++result_.signals_unused;
      pump();
    }
  }

  void drain_journal(bool all) noexcept {
    if (!writer_) return;
    const std::uint64_t pending = writer_->appended() + writer_->gaps_queued() - writer_->written();
    if (!all && pending + kJournalHeadroom < writer_->queue_capacity()) return;
    while (writer_->do_work() > 0) {
    }
  }

  void finish() {
    pump();
    drain_journal(true);
    if (writer_) {
      writer_->on_close();
      result_.journal_records = writer_->written();
      result_.journal_bytes = writer_->bytes();
      result_.journal_dropped = writer_->dropped();
      result_.journal_errors = writer_->write_errors();
    }
    const Nanos now = clock_.now_ns();
    SessionStats& s = result_.stats;
    s.elapsed = now - result_.first_ts;
    const CoreCounters& c = core_->counters();
    result_.core = c;
    s.md_events = c.md_events;
    s.exec_events = c.exec_events;
    s.denials_by_reason = c.denied_by_reason;
    s.latency[static_cast<std::size_t>(StatsStage::kMdToStrategy)] =
        percentiles(core_->latency(CoreStage::kMdToStrategy));
    s.latency[static_cast<std::size_t>(StatsStage::kSubmitToQueued)] =
        percentiles(core_->latency(CoreStage::kSubmitToQueued));
    s.latency[static_cast<std::size_t>(StatsStage::kExecToStrategy)] =
        percentiles(core_->latency(CoreStage::kExecToStrategy));
    flow_->fill_stats(s, now);
    for (std::size_t v = 0; v < common::kVenueCount; ++v) {
      if (venues_[v]) result_.venues[v] = venues_[v]->stats();
    }
    if (feed_) add(result_.feed, feed_->stats());
    if (hl_feed_) add(result_.feed, hl_feed_->stats());
    result_.clock_backwards = clock_.backwards_steps();
    result_.router_routes = router_->counters().routes;
    result_.router_no_route = router_->counters().no_route;
  }

  const EngineConfig& config_;
  const ReplayOptions& options_;
  ReplayResult& result_;
  common::ReplayClock clock_;
  common::InstrumentRegistry instruments_;
  MergedInput input_;
  std::unique_ptr<SessionOrderFlow> flow_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<router::VenueRouter> router_;
  std::vector<BuiltStrategy> strategies_;
  std::vector<SignalRelay*> relays_;  // owned by strategies_
  std::vector<ReplaySignal> signals_;
  std::size_t next_signal_ = 0;
  std::array<std::unique_ptr<VenueQueues>, common::kVenueCount> queues_;
  std::array<std::unique_ptr<SimVenue>, common::kVenueCount> venues_;
  std::unique_ptr<BinanceFeed> feed_;
  std::unique_ptr<HyperliquidFeed> hl_feed_;
  std::unique_ptr<journal::JournalWriter> writer_;
  std::unique_ptr<journal::JournalObserver> observer_;
};

}  // namespace

bool parse_md_journaling(std::string_view s, journal::MdJournaling* out) noexcept {
  if (s == "none") {
    *out = journal::MdJournaling::kNone;
  } else if (s == "nodeltas") {
    *out = journal::MdJournaling::kNoDeltas;
  } else if (s == "all") {
    *out = journal::MdJournaling::kAll;
  } else {
    return false;
  }
  return true;
}

ReplayResult run_replay(const EngineConfig& config, const ReplayOptions& options) {
  ReplayResult result;
  try {
    Driver d(config, options, result);
    std::string error;
    bool built = false;
    try {
      built = d.build(&error);
    } catch (const std::exception& e) {
      error = e.what();  // the config's registry or a strategy's parameters
    }
    if (!built) {
      result.status = ReplayResult::Status::kInputError;
      result.error = error;
      return result;
    }
    bool input_error = false;
    if (!d.run(&error, &input_error)) {
      result.status =
          input_error ? ReplayResult::Status::kInputError : ReplayResult::Status::kRunError;
      result.error = error;
    }
  } catch (const std::exception& e) {
    // Start-up errors of the config's pieces (registry, strategy parameters).
    result.status = ReplayResult::Status::kRunError;
    result.error = e.what();
  }
  return result;
}

}  // namespace peregrine::engine::replay
