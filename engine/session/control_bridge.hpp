// The core-thread side of the control plane: ControlFlowTap (an OrderFlow decorator that adds the
// kill gate and the open-order list the flow seam lacks), SignalRelay (hands control-API signals
// to a confluence executor) and ControlBridge (snapshots out, commands in). Core thread only,
// except construction and the add_*/set_* wiring, which happen at start-up.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "engine/control/control_types.hpp"
#include "engine/core/core.hpp"
#include "engine/session/session_stats.hpp"
#include "engine/session/wiring.hpp"
#include "strategies/confluence/executor.hpp"

namespace peregrine::engine {

namespace journal {
class JournalWriter;
}

// Sits between the Core and the session's order flow. The kill switch halts the flow's real
// risk gate (SessionOrderFlow::halt) and cancels what the flow's order table lists
// (for_each_open); the tap's own halt flag only covers flows without a gate. The tap still
// keeps a small mirror of what it admitted, with venue ids and creation times, for the
// snapshot's order rows and the per-instrument entry price the flow seam does not expose; it
// is exact for everything admitted through it, because every admit/unsend/update/fill passes
// here.
class ControlFlowTap final : public SessionOrderFlow {
 public:
  struct OpenOrder {
    common::OrderIntent intent;  // as admitted (price/qty after the gate's rounding)
    common::VenueOrderId venue_order_id;
    common::OrderStatus status = common::OrderStatus::kPendingNew;
    common::Qty filled;
    Nanos created_ns = 0;
  };
  struct InstrumentBook {
    common::Qty qty;        // signed, from the fills seen here
    __int128 cost_raw = 0;  // signed entry notional of `qty`, 1e-16 units
    __int128 realized_raw = 0;
    common::Money fees;
  };
  // Open orders beyond this are still traded, just not listed or cancelled by kill (counted).
  static constexpr std::size_t kMaxTracked = 1024;

  ControlFlowTap(SessionOrderFlow& inner, const common::InstrumentRegistry& instruments);

  [[nodiscard]] std::optional<common::DenyReason> admit(common::OrderIntent& intent,
                                                        Nanos now) noexcept override;
  void unsend(const common::OrderIntent& intent, Nanos now) noexcept override;
  OrderAnswer on_update(const common::OrderUpdate& u, Nanos now) noexcept override;
  [[nodiscard]] bool on_fill(const common::Fill& f, Nanos now) noexcept override;
  void on_venue_status(const common::VenueStatus& s, Nanos now) noexcept override {
    inner_.on_venue_status(s, now);
  }
  void on_book(common::InstrumentId id, const common::L2Book& book, Nanos now) noexcept override {
    inner_.on_book(id, book, now);
  }
  [[nodiscard]] common::Qty position(common::InstrumentId id) const noexcept override {
    return inner_.position(id);
  }
  [[nodiscard]] bool venue_healthy(common::VenueId v) const noexcept override {
    return !halted_ && inner_.venue_healthy(v);
  }
  [[nodiscard]] __int128 venue_gross_raw(common::VenueId v) const noexcept override {
    return inner_.venue_gross_raw(v);
  }
  void fill_stats(SessionStats& s, Nanos now) const noexcept override;
  void halt(Nanos now) noexcept override {
    halted_ = true;
    inner_.halt(now);
  }
  [[nodiscard]] RiskMode risk_mode() const noexcept override {
    return halted_ ? RiskMode::kHalted : inner_.risk_mode();
  }
  // The flow's order table when it has one (it also holds orders beyond kMaxTracked), else
  // the tap's list.
  bool visit_open(OpenOrderVisitor fn, void* ctx) const noexcept override;

  // Kill switch: halted_ is the tap's copy (set by halt(now)); from then on no new or modified
  // order is admitted (cancels still are).
  [[nodiscard]] bool halted() const noexcept { return halted_; }

  [[nodiscard]] std::size_t open_count() const noexcept { return open_count_; }
  [[nodiscard]] const OpenOrder& open_order(std::size_t i) const noexcept { return open_[i]; }
  [[nodiscard]] const InstrumentBook& instrument_book(common::InstrumentId id) const noexcept {
    return books_[id.value < books_.size() ? id.value : 0];
  }
  [[nodiscard]] std::uint64_t untracked() const noexcept { return untracked_; }
  [[nodiscard]] std::uint64_t halted_denials() const noexcept { return halted_denials_; }

 private:
  [[nodiscard]] std::size_t find(common::ClientOrderId cloid) const noexcept;
  void forget(std::size_t i) noexcept;

  SessionOrderFlow& inner_;
  const common::InstrumentRegistry& instruments_;
  // Linear lookups: a session keeps tens of orders open, where a scan of contiguous rows is
  // cheaper than hashing, and the array never allocates after construction.
  std::unique_ptr<OpenOrder[]> open_;
  std::size_t open_count_ = 0;
  std::vector<InstrumentBook> books_;  // index = InstrumentId; sized at construction
  std::uint64_t untracked_ = 0;
  std::uint64_t halted_denials_ = 0;
  bool halted_ = false;
};

// Wraps a confluence executor so the bridge can call on_signal with the executor's own
// StrategyContext, which the core hands out only through strategy callbacks (captured in
// on_start; the core owns it for the session). Every other callback is forwarded unchanged.
class SignalRelay final : public strategies::Strategy {
 public:
  SignalRelay(std::unique_ptr<strategies::Strategy> inner,
              strategies::confluence::ConfluenceExecutor& executor, common::AssetId asset) noexcept
      : inner_(std::move(inner)), executor_(executor), asset_(asset) {}

  [[nodiscard]] std::string_view name() const noexcept override { return inner_->name(); }
  void on_start(strategies::StrategyContext& ctx) noexcept override {
    ctx_ = &ctx;
    inner_->on_start(ctx);
  }
  void on_book(strategies::StrategyContext& ctx, common::InstrumentId id) noexcept override {
    inner_->on_book(ctx, id);
  }
  void on_trade(strategies::StrategyContext& ctx, const common::Trade& t) noexcept override {
    inner_->on_trade(ctx, t);
  }
  void on_order_update(strategies::StrategyContext& ctx,
                       const common::OrderUpdate& u) noexcept override {
    inner_->on_order_update(ctx, u);
  }
  void on_fill(strategies::StrategyContext& ctx, const common::Fill& f) noexcept override {
    inner_->on_fill(ctx, f);
  }
  void on_denied(strategies::StrategyContext& ctx, const common::OrderDenied& d) noexcept override {
    inner_->on_denied(ctx, d);
  }
  void on_venue_status(strategies::StrategyContext& ctx,
                       const common::VenueStatus& s) noexcept override {
    inner_->on_venue_status(ctx, s);
  }
  void on_timer(strategies::StrategyContext& ctx, std::uint64_t token) noexcept override {
    inner_->on_timer(ctx, token);
  }

  [[nodiscard]] common::AssetId asset() const noexcept { return asset_; }
  // False before the core started the strategy (no context yet).
  bool deliver(const strategies::confluence::Signal& s) noexcept {
    if (ctx_ == nullptr) return false;
    executor_.on_signal(*ctx_, s);
    return true;
  }

 private:
  std::unique_ptr<strategies::Strategy> inner_;
  strategies::confluence::ConfluenceExecutor& executor_;
  common::AssetId asset_;
  strategies::StrategyContext* ctx_ = nullptr;
};

struct ControlBridgeOptions {
  Nanos publish_every = 250'000'000;
  std::size_t max_commands_per_cycle = 16;  // bounds one do_work's control work
  // Commands are an operator's, not the market's: polling their queue once per millisecond
  // instead of every core cycle keeps the idle cost of do_work to one clock read. 0: every call.
  Nanos command_poll_every = 1'000'000;
  std::string_view mode = "paper";
  // The control server answers POST /api/kill with 202 and waits for no reply; set when it
  // waits (the reply then carries the number of cancels sent).
  bool reply_to_kill = false;
  // Market orders (manual and close/reduce) are priced as an IOC limit this far through the
  // best price, so venues without a market order (Hyperliquid) get a bounded price. Kept inside
  // the risk gate's price collar.
  double market_slippage = 0.01;
  // Limits shown in /api/risk (from the config's risk section).
  common::Money max_daily_loss;
  common::Money max_drawdown;
  common::Money max_gross_exposure;
  std::uint32_t max_open_orders = 0;
  // /api/balances: the account each venue started with (venues.<name>.starting_balance).
  std::array<common::Money, common::kVenueCount> starting_balance{};
};

struct ControlBridgeCounters {
  std::uint64_t commands = 0;
  std::uint64_t orders_accepted = 0;
  std::uint64_t orders_denied = 0;
  std::uint64_t rejected = 0;  // commands the core could not act on (bad asset, no position...)
  std::uint64_t kills = 0;
  std::uint64_t kill_cancels_sent = 0;  // over every kill
  std::uint64_t last_kill_cancels = 0;
  std::uint64_t kill_overflow = 0;  // open orders beyond the kill list (not cancelled by us)
  std::uint64_t signals = 0;
  std::uint64_t signals_delivered = 0;  // executor deliveries (one signal may reach several)
  std::uint64_t replies_dropped = 0;    // reply buffer overflow (never expected)
  std::uint64_t snapshots_published = 0;
  std::uint64_t snapshots_skipped = 0;  // queue full: the control thread is behind
};

class ControlBridge {
 public:
  // Everything referenced must outlive the bridge. `flow` must be the OrderFlow the core runs on.
  ControlBridge(Core& core, ControlFlowTap& flow, control::ControlChannel& channel,
                ControlBridgeOptions options);
  ControlBridge(const ControlBridge&) = delete;
  ControlBridge& operator=(const ControlBridge&) = delete;

  // Start-up wiring.
  void add_signal_relay(SignalRelay* relay) { relays_.push_back(relay); }
  void set_journal(const journal::JournalWriter* writer) noexcept { journal_ = writer; }
  // Called on the core thread after each kill, with the cancels sent (the alerts tap).
  using KillListener = void (*)(void* ctx, Nanos now, std::uint64_t cancels_sent) noexcept;
  void set_kill_listener(KillListener fn, void* ctx) noexcept {
    on_kill_ = fn;
    on_kill_ctx_ = ctx;
  }
  void set_started(Nanos started_ns) noexcept { started_ns_ = started_ns; }
  void set_venue_enabled(common::VenueId v, bool on) noexcept {
    venue_enabled_[static_cast<std::size_t>(v) % common::kVenueCount] = on;
  }

  // Core thread, from the core agent's do_work: flushes held replies, executes at most
  // max_commands_per_cycle commands and publishes a snapshot when one is due.
  int do_work() noexcept;
  // Core thread: builds a snapshot now (also used by do_work).
  void fill_snapshot(control::ControlSnapshot& out) noexcept;

  [[nodiscard]] const ControlBridgeCounters& counters() const noexcept { return counters_; }

 private:
  struct Outcome {  // of one submitted order
    strategies::SubmitResult result = strategies::SubmitResult::kDenied;
    common::DenyReason reason = common::DenyReason::kHalted;
  };
  void execute(const control::ControlCommand& cmd) noexcept;
  void new_order(const control::ControlCommand& cmd) noexcept;
  void close_or_reduce(const control::ControlCommand& cmd) noexcept;
  void kill(const control::ControlCommand& cmd) noexcept;
  void signal(const control::ControlCommand& cmd) noexcept;
  // Snapshot parts: the engine's per-venue balances and the router's allocation view.
  void fill_balances(control::ControlSnapshot& s) noexcept;
  void fill_allocation(control::ControlSnapshot& s,
                       const std::array<__int128, common::kVenueCount>& marked,
                       __int128 marked_total) noexcept;
  Outcome submit(common::OrderIntent& intent) noexcept;
  // Prices a market intent from the book; false (and `why` set) when the book cannot.
  bool price_market(common::OrderIntent& intent, const char** why) noexcept;
  void reply(std::uint64_t request_id, control::ReplyStatus status, std::string_view message,
             common::ClientOrderId cloid = {},
             common::DenyReason reason = common::DenyReason::kHalted) noexcept;
  int flush_replies() noexcept;

  Core& core_;
  ControlFlowTap& flow_;
  control::ControlChannel& channel_;
  ControlBridgeOptions options_;
  std::vector<SignalRelay*> relays_;
  const journal::JournalWriter* journal_ = nullptr;
  KillListener on_kill_ = nullptr;
  void* on_kill_ctx_ = nullptr;
  std::array<bool, common::kVenueCount> venue_enabled_{};
  Nanos started_ns_ = 0;
  Nanos next_publish_ = 0;
  Nanos next_poll_ = 0;
  std::uint64_t seq_ = 0;

  static constexpr std::size_t kHeldReplies = 64;
  std::array<control::ControlReply, kHeldReplies> held_{};  // replies the queue refused
  std::size_t held_head_ = 0;
  std::size_t held_count_ = 0;

  std::unique_ptr<control::ControlSnapshot> snapshot_;  // scratch, ~70 KB: not on the stack
  std::unique_ptr<SessionStats> stats_;                 // scratch for the flow's figures
  std::unique_ptr<common::OrderIntent[]> kill_list_;    // scratch, kMaxTracked
  ControlBridgeCounters counters_;
};

}  // namespace peregrine::engine
