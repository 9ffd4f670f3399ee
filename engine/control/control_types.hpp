// What the core and the control plane exchange, by queue only: the ControlSnapshot the core
// publishes, the ControlCommand the control plane sends back, and the ControlReply to a command.
// Any thread; all plain trivially-copyable rows so they cross SPSC queues without allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/latency_histogram.hpp"
#include "common/spsc_queue.hpp"

namespace peregrine::engine::control {

using common::Nanos;

// Fixed-capacity text; assign() cuts at capacity (these are labels, never secrets).
template <std::size_t N>
struct FixedText {
  std::array<char, N> data{};
  std::uint8_t len = 0;
  static_assert(N < 256);
  void assign(std::string_view s) noexcept {
    const std::size_t n = s.size() < N ? s.size() : N;
    std::memcpy(data.data(), s.data(), n);
    len = static_cast<std::uint8_t>(n);
  }
  [[nodiscard]] bool fits(std::string_view s) const noexcept { return s.size() <= N; }
  [[nodiscard]] std::string_view view() const noexcept { return {data.data(), len}; }
};

// ---------------------------------------------------------------------------------------------
// Snapshot rows (core → control plane).

// The engine's own view of one venue account, not a venue report: the configured starting
// balance plus what the engine booked from its fills (realized PnL, fees) and marks.
struct BalanceRow {
  common::VenueId venue = common::VenueId::kHyperliquid;
  FixedText<15> asset;     // quote currency: "USDC", "USDT"
  common::Money starting;  // venues.<name>.starting_balance
  common::Money realized_pnl;
  common::Money fees;
  common::Money unrealized_pnl;
  common::Money available;  // starting + realized - fees (cash; no margin model)
  common::Money total;      // equity: available + unrealized
};

struct PositionRow {
  common::VenueId venue = common::VenueId::kHyperliquid;
  FixedText<23> symbol;  // venue symbol
  FixedText<15> asset;   // canonical asset
  common::InstrumentId instrument;
  common::StrategyId strategy;
  common::Qty qty;  // signed: negative = short
  common::Price avg_entry;
  common::Price mark;
  common::Money unrealized_pnl;
  common::Money realized_pnl;
  common::Money fees;
};

struct OrderRow {
  common::VenueId venue = common::VenueId::kHyperliquid;
  FixedText<23> symbol;
  common::ClientOrderId cloid;
  common::VenueOrderId venue_order_id;
  common::StrategyId strategy;
  common::Side side = common::Side::kBuy;
  common::OrderType type = common::OrderType::kLimit;
  common::TimeInForce tif = common::TimeInForce::kGtc;
  common::OrderStatus status = common::OrderStatus::kNew;
  bool reduce_only = false;
  common::Price price;
  common::Qty qty;
  common::Qty filled_qty;
  Nanos created_ns = 0;
};

struct AllocationRow {
  common::VenueId venue = common::VenueId::kHyperliquid;
  std::int32_t target_bp = 0;  // target share of notional, basis points
  std::int32_t actual_bp = 0;
  std::int32_t drift_bp = 0;  // actual - target
  bool rebalance = false;     // |drift| beyond the router's threshold
  bool healthy = false;       // a router candidate now (connected, gate healthy)
  common::Money target_notional;
  common::Money actual_notional;
  std::int64_t ack_latency_ns = -1;  // router's EWMA of the ack latency; -1: no sample yet
  std::int32_t error_ppm = 0;        // router's EWMA of the reject rate, parts per million
  std::uint64_t routed = 0;          // intents the router sent here
};

// The router's summary (allocation signal and thresholds) next to the per-venue rows.
struct RouterView {
  bool enabled = false;  // the session runs a router
  bool rebalance = false;
  std::int32_t threshold_bp = 0;
  std::int32_t max_drift_bp = 0;
  std::uint64_t routes = 0;
  std::uint64_t no_route = 0;
  std::uint64_t rebalance_signals = 0;  // rising edges so far
};

enum class RiskState : std::uint8_t { kNormal, kReducingOnly, kHalted };
[[nodiscard]] std::string_view to_string(RiskState s) noexcept;

struct RiskView {
  RiskState state = RiskState::kNormal;
  bool kill_switch = false;
  common::Money daily_pnl;
  common::Money max_daily_loss;
  common::Money drawdown;
  common::Money max_drawdown;
  common::Money gross_exposure;
  common::Money max_gross_exposure;
  std::uint32_t open_orders = 0;
  std::uint32_t max_open_orders = 0;
  std::uint64_t accepted = 0;
  std::array<std::uint64_t, common::kDenyReasonCount> denied{};  // by common::DenyReason
};

// Prometheus histogram buckets (upper bounds, ns) shared by every stage.
inline constexpr std::array<std::uint64_t, 16> kLatencyBucketBoundsNs = {
    100,    250,     500,     1'000,   2'500,     5'000,     10'000,     25'000,
    50'000, 100'000, 250'000, 500'000, 1'000'000, 5'000'000, 25'000'000, 100'000'000};

struct StageLatency {
  FixedText<23> stage;  // "md_to_core", "tick_to_trade", "order_ack", ...
  std::uint64_t count = 0;
  std::uint64_t sum_ns = 0;
  std::uint64_t p50_ns = 0;
  std::uint64_t p90_ns = 0;
  std::uint64_t p99_ns = 0;
  std::uint64_t p999_ns = 0;
  std::uint64_t max_ns = 0;
  // cumulative[i] = samples <= kLatencyBucketBoundsNs[i] (bucket-resolution, see the helper).
  std::array<std::uint64_t, kLatencyBucketBoundsNs.size()> cumulative{};
};

// Core side, off the per-event path (once per publish): summarizes a histogram without
// allocating. A histogram bucket counts toward `le` when its highest value is <= le, so the
// reported counts never overstate how fast we were.
void fill_stage_latency(std::string_view stage, const common::LatencyHistogram& h,
                        StageLatency* out) noexcept;

struct CounterRow {
  FixedText<47> name;  // snake_case, becomes peregrine_<name>_total
  std::uint64_t value = 0;
};
struct GaugeRow {
  FixedText<47> name;  // becomes peregrine_<name>
  std::int64_t value = 0;
};

struct ControlSnapshot {
  static constexpr std::size_t kMaxBalances = 32;
  static constexpr std::size_t kMaxPositions = 64;
  static constexpr std::size_t kMaxOrders = 256;
  static constexpr std::size_t kMaxStages = 8;
  static constexpr std::size_t kMaxCounters = 48;
  static constexpr std::size_t kMaxGauges = 16;

  std::uint64_t seq = 0;  // increases with every publish
  Nanos ts = 0;           // core clock at publish
  Nanos started_ns = 0;
  FixedText<15> mode;  // "live", "paper", "replay"
  std::array<common::VenueState, common::kVenueCount> venue_state{};

  std::uint32_t balance_count = 0;
  std::uint32_t position_count = 0;
  std::uint32_t order_count = 0;
  std::uint32_t stage_count = 0;
  std::uint32_t counter_count = 0;
  std::uint32_t gauge_count = 0;
  bool orders_truncated = false;  // more open orders than kMaxOrders

  std::array<BalanceRow, kMaxBalances> balances{};
  std::array<PositionRow, kMaxPositions> positions{};
  std::array<OrderRow, kMaxOrders> orders{};
  std::array<AllocationRow, common::kVenueCount> allocation{};
  RouterView router;
  RiskView risk;
  std::array<StageLatency, kMaxStages> latency{};
  std::array<CounterRow, kMaxCounters> counters{};
  std::array<GaugeRow, kMaxGauges> gauges{};
};
static_assert(std::is_trivially_copyable_v<ControlSnapshot>);

// ---------------------------------------------------------------------------------------------
// Commands (control plane → core) and replies (core → control plane).

enum class CommandKind : std::uint8_t {
  kNewOrder,        // manual order through the risk gate; needs a reply
  kClosePosition,   // close `asset` on every venue (or `venue`); needs a reply
  kReducePosition,  // reduce by `fraction` or `qty`; needs a reply
  kKill,            // halt, cancel everything, arm dead-man switches; fire and forget
  kSignal,          // confluence signal; fire and forget
};
[[nodiscard]] std::string_view to_string(CommandKind k) noexcept;

struct ControlCommand {
  std::uint64_t request_id = 0;  // echoed in the ControlReply
  Nanos ts = 0;                  // control-plane clock when received
  CommandKind kind = CommandKind::kNewOrder;
  bool has_venue = false;
  common::VenueId venue = common::VenueId::kHyperliquid;
  FixedText<23> symbol;  // venue symbol, or empty when `asset` names the instrument
  FixedText<15> asset;
  common::Side side = common::Side::kBuy;
  common::OrderType type = common::OrderType::kLimit;
  common::TimeInForce tif = common::TimeInForce::kGtc;
  bool reduce_only = false;
  bool has_price = false;
  bool by_fraction = false;  // kReducePosition: fraction (else qty)
  common::Price price;
  common::Qty qty;
  std::int64_t fraction_raw = 0;  // 1e-8 fixed point, (0, 1]
  std::int64_t score_raw = 0;     // kSignal: 0..100 at 1e-8
  Nanos signal_ts = 0;            // kSignal: the source's timestamp (0 = not given)
  FixedText<23> source;           // kSignal
};
static_assert(std::is_trivially_copyable_v<ControlCommand>);

enum class ReplyStatus : std::uint8_t {
  kAccepted,  // order passed the risk gate (cloid set) or the action was taken
  kDenied,    // risk gate said no (deny_reason)
  kRejected,  // the core could not act (unknown asset, no position, ...; message says why)
};

struct ControlReply {
  std::uint64_t request_id = 0;
  ReplyStatus status = ReplyStatus::kAccepted;
  common::DenyReason deny_reason = common::DenyReason::kHalted;
  common::ClientOrderId cloid;
  FixedText<95> message;
};
static_assert(std::is_trivially_copyable_v<ControlReply>);

// The three queues between the core and the control plane. Core thread: push snapshots and
// replies, pop commands. Control thread: the other ends.
struct ControlChannel {
  explicit ControlChannel(std::size_t command_capacity = 256, std::size_t snapshot_capacity = 4)
      : snapshots(snapshot_capacity), commands(command_capacity), replies(command_capacity) {}
  common::SpscQueue<ControlSnapshot> snapshots;  // full: the core skips this publish
  common::SpscQueue<ControlCommand> commands;    // full: the API answers 503
  common::SpscQueue<ControlReply> replies;       // full: the core retries next cycle
};

}  // namespace peregrine::engine::control
