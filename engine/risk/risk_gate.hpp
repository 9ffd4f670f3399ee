// RiskGate: the synchronous pre-trade check every intent passes before the OMS registers it,
// the risk state (normal / reducing-only / halted) and the kill switch.
// Strategy-core thread only; check() is O(1), allocation-free, lock-free and never throws.
//
// Why it is fast: limits are resolved per instrument at construction into one flat array;
// open-order and position aggregates are maintained incrementally by the OrderTable and the
// Portfolio, so every check is a handful of loads and compares. Checks run in the documented
// order (docs/risk.md) and stop at the first denial.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/l2_book.hpp"
#include "engine/oms/order_table.hpp"
#include "engine/portfolio/portfolio.hpp"
#include "engine/risk/risk_config.hpp"

namespace peregrine::engine::risk {

using common::DenyReason;
using common::OrderIntent;

enum class RiskState : std::uint8_t { kNormal, kReducingOnly, kHalted };
[[nodiscard]] std::string_view to_string(RiskState s) noexcept;

struct RiskDecision {
  bool allowed = false;
  bool rounded = false;        // the intent's price or qty was rounded onto the grid
  common::OrderDenied denied;  // filled in when !allowed
};

class RiskGate {
 public:
  // Start-up only. `max_instruments` must match the OrderTable/Portfolio configs.
  RiskGate(const RiskGateConfig& config, const common::InstrumentRegistry& registry,
           oms::OrderTable& orders, const portfolio::Portfolio& portfolio,
           std::size_t max_instruments);

  // The pre-trade check. New and modify intents run every check; cancels pass unless the
  // target is unknown; cancel-all always passes. May round `intent` (GridPolicy::kRound).
  // `book` is the intent's instrument book. A new order that passes consumes one rate token.
  [[nodiscard]] RiskDecision check(OrderIntent& intent, const common::L2Book& book,
                                   common::Nanos now) noexcept;

  // A cancel was sent: it spends rate budget (down to minus one burst) but is never blocked.
  void on_cancel_sent(common::VenueId v, common::Nanos now) noexcept;
  void on_venue_status(const common::VenueStatus& s) noexcept;
  // Re-evaluates daily loss and drawdown (the core calls it after fills and marks; check()
  // does too). Escalates only: normal -> reducing-only -> halted.
  void evaluate_pnl() noexcept;

  // Kill switch: halts and returns one cancel intent per open order (the core sends them and
  // arms the venues' dead-man switches). The span stays valid until the next kill().
  [[nodiscard]] std::span<const OrderIntent> kill(common::Nanos now) noexcept;
  // Operator action (control API): back to normal after a halt or reducing-only.
  void resume() noexcept { state_ = RiskState::kNormal; }
  void set_state(RiskState s) noexcept { state_ = s; }
  [[nodiscard]] RiskState state() const noexcept { return state_; }

  [[nodiscard]] std::uint64_t denied(DenyReason r) const noexcept {
    return denied_[static_cast<std::size_t>(r)];
  }
  [[nodiscard]] std::uint64_t allowed() const noexcept { return allowed_; }
  [[nodiscard]] std::uint64_t rounded() const noexcept { return rounded_; }
  [[nodiscard]] const InstrumentLimits& limits(common::InstrumentId id) const noexcept {
    return limits_[id.value];
  }
  // Whole tokens left in a venue's budget (after refilling to `now`).
  [[nodiscard]] std::int64_t tokens(common::VenueId v, common::Nanos now) noexcept;

 private:
  struct Bucket {
    std::int64_t nano_tokens = 0;  // tokens x 1e9, so refill is elapsed_ns x rate exactly
    std::int64_t capacity = 0;
    std::int64_t floor = 0;  // cancels may overdraw down to here
    std::int64_t rate = 0;   // tokens per second
    common::Nanos last = 0;
    bool started = false;
  };
  struct DupEntry {
    std::uint64_t hash = 0;
    common::Nanos ts = 0;
  };
  static constexpr std::size_t kDupSlots = 1024;
  static constexpr std::int64_t kNanoPerToken = 1'000'000'000;

  [[nodiscard]] RiskDecision deny(const OrderIntent& intent, DenyReason r,
                                  common::Nanos now) noexcept;
  [[nodiscard]] bool is_reducing(const OrderIntent& intent) const noexcept;
  void refill(Bucket& b, common::Nanos now) noexcept;
  [[nodiscard]] static std::uint64_t intent_hash(const OrderIntent& i) noexcept;

  RiskGateConfig config_;
  const common::InstrumentRegistry& registry_;
  oms::OrderTable& orders_;
  const portfolio::Portfolio& portfolio_;
  std::vector<InstrumentLimits> limits_;
  std::vector<AssetLimits> asset_limits_;
  std::array<common::VenueState, common::kVenueCount> venue_state_{};
  std::array<bool, common::kVenueCount> venue_seen_{};
  std::array<Bucket, common::kVenueCount> buckets_{};
  std::array<DupEntry, kDupSlots> dup_{};
  std::vector<OrderIntent> kill_list_;
  std::array<std::uint64_t, common::kDenyReasonCount> denied_{};
  std::uint64_t allowed_ = 0;
  std::uint64_t rounded_ = 0;
  RiskState state_ = RiskState::kNormal;
};

}  // namespace peregrine::engine::risk
