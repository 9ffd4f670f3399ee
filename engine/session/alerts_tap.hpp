// AlertsTap: the core's observer slot fanned out to the journal and to operator alerts (fills,
// venue rejects, aggregated risk denials, halts/kills, venue disconnects). Core thread only; it
// never blocks or allocates: alerts are fixed-size records pushed into the alerter's SPSC queue.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "engine/alerts/webhook_alerter.hpp"
#include "engine/core/core.hpp"
#include "engine/session/session_stats.hpp"

namespace peregrine::engine {

class SessionOrderFlow;

struct AlertsTapOptions {
  // The first denial of a quiet period is alerted at once; the rest of the window is counted
  // and summarised in one alert when it closes, so a denial storm costs one alert per window.
  Nanos deny_window_ns = 1'000'000'000;
};

struct AlertsTapCounters {
  std::uint64_t published = 0;
  std::uint64_t queue_full = 0;          // the alerter's queue refused (also counted there)
  std::uint64_t denials_aggregated = 0;  // denials folded into a summary
};

class AlertsTap final : public CoreObserver {
 public:
  // `next` (the journal's observer) may be null. `flow` (may be null) is polled for risk state
  // changes the gate makes on its own (loss limits).
  AlertsTap(CoreObserver* next, alerts::WebhookAlerter& alerter, const SessionOrderFlow* flow,
            AlertsTapOptions options = {}) noexcept
      : next_(next), alerter_(alerter), flow_(flow), options_(options) {}

  void on_md(const common::MdEvent& e) noexcept override {
    if (next_ != nullptr) next_->on_md(e);
  }
  void on_intent(const common::OrderIntent& i) noexcept override {
    if (next_ != nullptr) next_->on_intent(i);
  }
  void on_denied(const common::OrderDenied& d) noexcept override;
  void on_exec(const common::ExecEvent& e) noexcept override;
  void on_note(common::StrategyId strategy, std::string_view text) noexcept override {
    if (next_ != nullptr) next_->on_note(strategy, text);
  }
  // The router's allocation drifted beyond its threshold, or came back: one alert per edge.
  void on_rebalance(const router::RebalanceSignal& s) noexcept override;

  // The operator's kill switch (ControlBridge's kill listener).
  void on_kill(Nanos now, std::uint64_t cancels_sent) noexcept;
  static void kill_listener(void* self, Nanos now, std::uint64_t cancels_sent) noexcept {
    static_cast<AlertsTap*>(self)->on_kill(now, cancels_sent);
  }
  // Every core cycle: closes a due denial window and notices gate state changes. O(1).
  int poll(Nanos now) noexcept;

  [[nodiscard]] const AlertsTapCounters& counters() const noexcept { return counters_; }

 private:
  void publish(const alerts::Alert& a) noexcept;
  void close_window(Nanos now) noexcept;

  CoreObserver* next_;
  alerts::WebhookAlerter& alerter_;
  const SessionOrderFlow* flow_;
  AlertsTapOptions options_;
  AlertsTapCounters counters_;

  // Denial window: open while window_end_ > 0.
  Nanos window_end_ = 0;
  std::uint64_t window_count_ = 0;  // denials after the first, not yet alerted
  common::OrderDenied last_denied_{};
  std::array<std::uint32_t, common::kDenyReasonCount> window_reasons_{};

  RiskMode last_mode_ = RiskMode::kNormal;
  std::array<common::VenueState, common::kVenueCount> venue_state_{};
  std::array<bool, common::kVenueCount> venue_seen_{};
};

}  // namespace peregrine::engine
