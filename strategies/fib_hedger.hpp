// Fibonacci hedger (the seed's HyperTrader system): manages one long or short position, hedges
// and scales out on Fibonacci retracements of the swing since entry, trails a stop, and re-arms
// on a new swing extreme. Strategy thread only; on_book/on_fill never allocate or throw.
//
// Retracement for a long: r = (high - mid) / (high - anchor), where high is the swing high since
// entry (valid-book mid) and anchor the swing low before entry (lowest mid over the lookback, or
// the entry price). A short mirrors it. r is undefined (no level fires) until the swing
// |high - anchor| reaches min_range_pct of the anchor. Each step fires once per swing; only a new
// extreme that beats the old one by rearm_pct and is itself a swing of min_range_pct from the
// pullback re-arms the ladder, so a flickering price cannot fire twice.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/config.hpp"
#include "strategies/algos/market_ioc.hpp"
#include "strategies/strategy.hpp"

namespace peregrine::strategies {

// Where the hedge lives.
enum class HedgeMode : std::uint8_t {
  kOtherVenue,  // hedge_venue's instrument of the same asset
  kHedgeMode,   // same venue, opposite positionSide (Binance/Bybit hedge mode)
  kSubAccount,  // same venue, second account (Hyperliquid vaultAddress); intent_ext flag
  // One-way account: the hedge degrades to a reduce-only net reduction of hedge_ratio x the armed
  // size (journaled); the reduce fractions then apply to what is left, (1 - hedge_ratio) x armed,
  // so the ladder never closes the position, and a re-arm buys back exactly what the hedge sold.
  kOneWay,
};
enum class AnchorMode : std::uint8_t { kLookback, kEntry };

struct FibHedgerConfig {
  common::Side side = common::Side::kBuy;  // "side": long/buy or short/sell
  common::Qty order_qty;                   // > 0: open this size at start; 0: adopt position
  AnchorMode anchor = AnchorMode::kLookback;
  common::Duration swing_lookback = std::chrono::hours(4);
  // No level fires while |extreme - anchor| < this % of the anchor: with an entry anchor the range
  // starts at zero, and a retracement of a swing smaller than costs + noise is not a signal.
  double min_range_pct = 0.5;
  double hedge_level = 0.236;                 // r at which the hedge opens
  double hedge_ratio = 0.5;                   // hedge size as a fraction of the position
  std::vector<double> levels = {0.382, 0.5};  // reduce levels, ascending
  std::vector<double> reduce_fractions;       // per level, of the armed size; default 0.25 each
  double trailing_stop_pct = 3.0;             // close all this % beyond the swing extreme; 0 off
  double rearm_pct = 0.1;                     // a new extreme must beat the old by this % to re-arm
  double slippage_pct = 0.5;                  // IOC cap for every order the hedger sends
  HedgeMode hedge_mode = HedgeMode::kOtherVenue;
  std::optional<common::VenueId> hedge_venue;  // kOtherVenue: required
};

// Reads the keys above (hedge_venue given and different from the strategy's venue implies
// other_venue). Unknown keys and bad values are errors, all reported.
void load(common::ConfigNode& n, FibHedgerConfig& out);

class FibHedger final : public Strategy {
 public:
  enum class State : std::uint8_t { kWaitBook, kEntering, kActive, kDone };
  static constexpr std::size_t kMaxLevels = 8;
  static constexpr std::size_t kBuckets = 128;  // lookback ring for the pre-entry anchor

  // `hedge` is the instrument for kOtherVenue/kSubAccount (invalid: same as `main`).
  FibHedger(common::StrategyId id, FibHedgerConfig cfg, common::InstrumentId main,
            common::InstrumentId hedge = {});

  [[nodiscard]] std::string_view name() const noexcept override { return "fib_hedger"; }
  void on_start(StrategyContext& ctx) noexcept override;
  void on_book(StrategyContext& ctx, common::InstrumentId id) noexcept override;
  void on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept override;
  void on_fill(StrategyContext& ctx, const common::Fill& f) noexcept override;
  void on_denied(StrategyContext& ctx, const common::OrderDenied& d) noexcept override;

  // Introspection for tests, metrics and the control API.
  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] common::Qty main_qty() const noexcept { return main_qty_; }
  [[nodiscard]] common::Qty hedge_qty() const noexcept { return hedge_qty_; }
  [[nodiscard]] double anchor() const noexcept { return anchor_; }
  [[nodiscard]] double extreme() const noexcept { return extreme_; }
  [[nodiscard]] double entry_price() const noexcept { return entry_px_; }
  [[nodiscard]] std::uint64_t hedges_opened() const noexcept { return hedges_opened_; }
  [[nodiscard]] std::uint64_t hedges_removed() const noexcept { return hedges_removed_; }
  [[nodiscard]] std::uint64_t reductions() const noexcept { return reductions_; }
  [[nodiscard]] std::uint64_t rearms() const noexcept { return rearms_; }
  [[nodiscard]] bool stopped_out() const noexcept { return stopped_; }

 private:
  enum class Role : std::uint8_t {
    kNone,
    kEntry,
    kReduce,
    kHedgeOpen,
    kHedgeClose,
    kStopMain,
    kStopHedge
  };
  struct Inflight {
    common::ClientOrderId cloid;
    Role role = Role::kNone;
    common::Qty applied;  // filled quantity already applied (from fills or cumulative updates)
  };
  struct Bucket {
    common::Nanos epoch = -1;
    double lo = 0;
    double hi = 0;
  };

  [[nodiscard]] bool better(double a, double b) const noexcept { return long_ ? a > b : a < b; }
  void apply_fill(Role role, common::Qty qty, common::Price price) noexcept;
  void record_sample(common::Nanos now, double mid) noexcept;
  [[nodiscard]] double lookback_anchor(common::Nanos now, double fallback) const noexcept;
  // True when extreme - base (oriented) is at least min_range_pct of base: a swing worth a ladder.
  [[nodiscard]] bool real_swing(double base, double extreme) const noexcept;
  void activate(StrategyContext& ctx, double mid) noexcept;
  void run_ladder(StrategyContext& ctx, double mid) noexcept;
  void rearm(StrategyContext& ctx, double mid) noexcept;
  void stop_out(StrategyContext& ctx, double mid) noexcept;
  [[nodiscard]] bool busy(Role r) const noexcept;
  // Sends an IOC priced by market_ioc; returns true if the venue queue accepted it.
  bool send(StrategyContext& ctx, Role role, common::InstrumentId ins, common::Side side,
            common::Qty qty, bool reduce_only, common::PositionSide ps,
            std::uint8_t extra_flags) noexcept;
  [[nodiscard]] Inflight* find(common::ClientOrderId c) noexcept;
  [[nodiscard]] common::Qty lots_of(StrategyContext& ctx, double qty) const noexcept;
  // The hedge order's venue/instrument/flags for the configured mode.
  bool send_hedge(StrategyContext& ctx, bool open, common::Qty qty, Role role) noexcept;

  common::StrategyId id_;
  FibHedgerConfig cfg_;
  common::InstrumentId main_;
  common::InstrumentId hedge_;
  bool long_;
  State state_ = State::kWaitBook;
  std::array<Inflight, 8> inflight_{};
  std::array<bool, kMaxLevels> fired_{};
  bool hedge_fired_ = false;
  bool stopped_ = false;
  common::Qty main_qty_;   // size of the managed position (absolute)
  common::Qty hedge_qty_;  // size of the hedge (absolute; one-way: what the degraded hedge sold)
  common::Qty armed_qty_;  // size when the ladder was armed: base of the reduce fractions
  double entry_px_ = 0;
  double entry_notional_ = 0;
  double entry_filled_ = 0;
  double anchor_ = 0;
  double extreme_ = 0;
  double pullback_ = 0;  // furthest adverse mid since the last extreme
  std::array<Bucket, kBuckets> ring_{};
  common::Nanos bucket_ns_ = 1;
  std::uint64_t hedges_opened_ = 0;
  std::uint64_t hedges_removed_ = 0;
  std::uint64_t reductions_ = 0;
  std::uint64_t rearms_ = 0;
};

}  // namespace peregrine::strategies
