// Cross-venue arbitrage (the seed's arbitrage coordinator): buys one venue's ask and sells
// another's bid for the same canonical asset when the edge beats both taker fees, a buffer and
// what leg failures have been costing, with both legs as IOC limits in one core cycle, then
// unwinds or completes any leg mismatch.
//
// It learns from its own outcomes: per venue pair, EWMAs of the leg-failure rate, the miss rate
// and the realized cost of a failed pair (bps of notional, from the actual fills and fees) raise
// the required edge; consecutive failures start an exponential cool-down; an edge must persist
// for `persist_updates` evaluations (and `persist_min`) before it is traded. Estimates relax
// toward their priors with `stats_half_life` of quiet time, so a backed-off pair comes back.
// Every pair's PnL (entry legs + fix fills + all fees) is journaled through ctx.note().
// Strategy thread only; on_book/on_fill/on_order_update never allocate, throw or log.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/config.hpp"
#include "strategies/strategy.hpp"

namespace peregrine::strategies {

enum class LegPolicy : std::uint8_t {
  kUnwind,    // trade the excess back on the venue that filled
  kComplete,  // finish the missing leg on the other venue
};

struct XvenueArbConfig {
  double min_edge_bps = 10;        // net of both taker fees and the buffer (10 bp = 0.1%)
  double slippage_buffer_bps = 2;  // subtracted from the edge for the cost of being late
  common::Qty max_qty;             // per pair; 0 = no cap beyond notional and book
  common::Money max_notional = common::Money::from_raw(10'000LL * 100'000'000LL);
  common::Qty max_position;  // per venue, absolute; 0 = no limit
  common::Duration max_book_age = std::chrono::milliseconds(500);
  LegPolicy leg_policy = LegPolicy::kUnwind;
  double unwind_slippage_pct = 0.5;  // cap for unwind/complete IOCs
  int max_unwind_attempts = 3;       // then the pair is "stuck"
  bool halt_on_stuck = true;         // false: keep trading, pairs work the residual off
  // A refused unwind/complete order (e.g. the risk gate's duplicate window) is re-priced and
  // sent again after this pause, not at once: an immediate retry is the same intent again.
  common::Duration unwind_retry = std::chrono::milliseconds(100);
  std::optional<common::VenueId> other_venue;  // used by the engine to pick the instruments

  // --- Learning from outcomes (per venue pair) ---
  double safety_edge_bps = 1;          // added to the required edge
  double learn_alpha = 0.2;            // EWMA weight of one pair outcome
  double prior_fail_rate = 0.1;        // leg-failure rate before any outcome (and relaxed toward)
  double prior_fail_cost_bps = 0;      // cost of a failed pair before any; 0 = both taker fees
  double max_required_edge_bps = 200;  // cap on the required edge (keeps it finite)
  common::Duration stats_half_life = std::chrono::seconds(60);  // 0 = estimates never relax
  // --- Back-off after consecutive failed pairs (missed, unwound, completed, stuck) ---
  int backoff_after = 2;  // failures in a row before a cool-down
  common::Duration backoff_base = std::chrono::milliseconds(500);
  common::Duration backoff_max = std::chrono::seconds(30);
  // --- Persistence: the edge held on this many consecutive evaluations and this long ---
  int persist_updates = 2;
  common::Duration persist_min = common::Duration(0);
  // --- Leg pricing: each IOC limit goes through the touch by this share of half of
  // (slippage buffer + edge above the requirement); 0 = at the touch. At 1 a worst-case fill of
  // both legs still makes the required edge.
  double limit_slack_share = 0.5;
  // An identical leg (instrument, side, price, qty) is not resent within this window (the risk
  // gate would refuse it as a duplicate and leave the pair one-legged).
  common::Duration repeat_guard = std::chrono::milliseconds(100);
  // A terminal report that claims more than the fills seen waits this long for the fills, then
  // the report's cumulative quantity and average price are used.
  common::Duration fill_wait = std::chrono::seconds(1);
  // Ranking only: bp added per unit (of pair size) a pair reduces the two venues' gross position.
  double inventory_pref_bps = 2;
};

void load(common::ConfigNode& n, XvenueArbConfig& out);

class XvenueArb final : public Strategy {
 public:
  static constexpr std::size_t kMaxLegs = common::kVenueCount;
  enum class Outcome : std::uint8_t { kBothFilled, kMissed, kUnwound, kCompleted, kStuck };

  // `instruments`: the same canonical asset on two or more venues (at most one per venue).
  XvenueArb(common::StrategyId id, XvenueArbConfig cfg,
            const std::vector<common::InstrumentId>& instruments);

  [[nodiscard]] std::string_view name() const noexcept override { return "xvenue_arb"; }
  void on_book(StrategyContext& ctx, common::InstrumentId id) noexcept override;
  void on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept override;
  void on_fill(StrategyContext& ctx, const common::Fill& f) noexcept override;
  void on_denied(StrategyContext& ctx, const common::OrderDenied& d) noexcept override;
  void on_venue_status(StrategyContext& ctx, const common::VenueStatus& s) noexcept override;
  void on_timer(StrategyContext& ctx, std::uint64_t token) noexcept override;

  [[nodiscard]] bool in_flight() const noexcept { return pair_.active; }
  [[nodiscard]] bool halted() const noexcept { return halted_; }
  [[nodiscard]] std::uint64_t pairs_sent() const noexcept { return pairs_sent_; }
  [[nodiscard]] std::uint64_t outcomes(Outcome o) const noexcept {
    return outcomes_[static_cast<std::size_t>(o)];
  }
  // Net of every fee, quote currency: matched pair PnL plus inventory closed against its cost.
  [[nodiscard]] double realized_pnl() const noexcept { return realized_pnl_; }
  [[nodiscard]] double fees_paid() const noexcept { return fees_paid_; }
  // realized_pnl() + fees_paid(): what the price differences captured before fees.
  [[nodiscard]] double gross_captured() const noexcept { return realized_pnl_ + fees_paid_; }
  // Last computed best edge in basis points (for metrics), NaN-free: 0 before any book.
  [[nodiscard]] double last_edge_bps() const noexcept { return last_edge_bps_; }
  // The edge the last evaluated best direction had to beat (bp), 0 before any book.
  [[nodiscard]] double required_edge_bps() const noexcept {
    return last_best_a_ < 0 ? 0.0 : required_edge_bps(last_best_a_, last_best_b_, last_eval_);
  }
  // Estimates for the venue pair of instrument slots a and b (order-free; slots follow the
  // constructor's instrument order), relaxed to now.
  [[nodiscard]] double failure_rate(int a, int b, common::Nanos now) const noexcept;
  [[nodiscard]] double miss_rate(int a, int b, common::Nanos now) const noexcept;
  [[nodiscard]] double failure_cost_bps(int a, int b, common::Nanos now) const noexcept;
  [[nodiscard]] double required_edge_bps(int a, int b, common::Nanos now) const noexcept;
  // Of the first two slots (the configured venue pair), for metrics.
  [[nodiscard]] double failure_rate(common::Nanos now) const noexcept {
    return failure_rate(0, 1, now);
  }
  [[nodiscard]] common::Nanos cooldown_until(int a, int b) const noexcept {
    return stats_[pair_index(a, b)].cooldown_until;
  }
  [[nodiscard]] std::uint64_t backoffs() const noexcept { return backoffs_; }
  // This strategy's own net quantity across its venues (from its fills): 0 when flat.
  [[nodiscard]] double net_inventory() const noexcept;
  [[nodiscard]] double own_position(int slot) const noexcept {
    return own_pos_[static_cast<std::size_t>(slot)];
  }

 private:
  struct Leg {
    common::ClientOrderId cloid;
    common::InstrumentId ins;
    common::Side side = common::Side::kBuy;
    double filled = 0;    // from fills
    double notional = 0;  // sum of price * qty of the fills
    double fees = 0;
    double reported = 0;    // cumulative quantity in the latest order update
    double report_avg = 0;  // its average price
    bool terminal = false;  // a final order status (or a denial) arrived
    bool done = false;      // terminal and every reported fill seen (or fill_wait passed)
    int slot = -1;
    double limit = 0;
    double synth = 0;  // booked from the report after fill_wait; real fills absorb it
  };
  struct Pair {
    bool active = false;
    bool unwinding = false;
    bool needed_fix = false;
    int attempts = 0;
    bool retry_pending = false;  // a refused fix order waits for kRetryToken
    bool wait_pending = false;   // a leg waits for fills its report announced
    common::Nanos wait_deadline = 0;
    std::uint64_t id = 0;
    int buy_slot = -1, sell_slot = -1;
    double lo = 0, hi = 0;  // accepted range of bought - sold (flattening extra)
    double notional = 0;    // planned matched notional, for bps
    double edge_bps = 0, required_bps = 0;
    // Every fill of the pair (legs and fix orders).
    double bought = 0, bought_notional = 0, sold = 0, sold_notional = 0, fees = 0;
    Leg legs[2];
    Leg fix;  // the current unwind/complete order
  };
  struct Stats {  // per unordered venue pair
    double p_fail = 0, p_miss = 0, cost_bps = 0;
    common::Nanos updated = 0;  // 0: priors only
    int consecutive = 0;
    common::Nanos cooldown_until = 0;
  };
  struct Persist {
    int count = 0;
    common::Nanos since = 0;
  };
  struct LastLeg {
    common::InstrumentId ins;
    common::Side side = common::Side::kBuy;
    common::Price price;
    common::Qty qty;
    common::Nanos at = 0;
  };
  struct Recent {  // legs of finished pairs: late fills still count
    common::ClientOrderId cloid;
    int slot = -1;
    double synth = 0;
    double synth_price = 0;
  };

  [[nodiscard]] static std::size_t pair_index(int a, int b) noexcept {
    const int lo = a < b ? a : b, hi = a < b ? b : a;
    return static_cast<std::size_t>(lo) * kMaxLegs + static_cast<std::size_t>(hi);
  }
  [[nodiscard]] double relax(double value, double prior, common::Nanos updated,
                             common::Nanos now) const noexcept;
  [[nodiscard]] double prior_cost_bps(int a, int b) const noexcept;
  [[nodiscard]] int slot_of(common::InstrumentId id) const noexcept;
  [[nodiscard]] bool tradable(StrategyContext& ctx, int slot, common::Nanos now) const noexcept;
  [[nodiscard]] common::Qty size_pair(StrategyContext& ctx, int buy, int sell) const noexcept;
  [[nodiscard]] common::Qty flatten_extra(StrategyContext& ctx, int buy, int sell,
                                          common::Qty q) const noexcept;
  [[nodiscard]] double inventory_score(StrategyContext& ctx, int buy, int sell) const noexcept;
  [[nodiscard]] bool repeats(common::InstrumentId ins, common::Side side, common::Price p,
                             common::Qty q, common::Nanos now) const noexcept;
  void send_pair(StrategyContext& ctx, int buy, int sell, double edge, double required,
                 common::Nanos now) noexcept;
  void record_sent(common::InstrumentId ins, common::Side side, common::Price p, common::Qty q,
                   common::Nanos now) noexcept;
  bool send_ioc(StrategyContext& ctx, common::InstrumentId ins, common::Side side,
                common::Price limit, common::Qty qty, Leg* leg) noexcept;
  [[nodiscard]] Leg* leg_of(common::ClientOrderId c) noexcept;
  void mark_terminal(StrategyContext& ctx, Leg& l) noexcept;
  void try_resolve(StrategyContext& ctx) noexcept;
  static constexpr std::uint64_t kRetryToken = 1;
  static constexpr std::uint64_t kFillWaitToken = 2;
  void finish(StrategyContext& ctx, Outcome o) noexcept;
  void learn(StrategyContext& ctx, Outcome o, double pnl, common::Nanos now) noexcept;
  // Own inventory at average cost; returns the PnL realized by the part that closes it.
  double add_inventory(double qty, double price) noexcept;
  void book_fill(Leg& l, double qty, double price, double fee) noexcept;
  void late_fill(StrategyContext& ctx, const common::Fill& f) noexcept;
  void remember(const Leg& l) noexcept;

  common::StrategyId id_;
  XvenueArbConfig cfg_;
  std::array<common::InstrumentId, kMaxLegs> ins_{};
  std::array<common::Nanos, kMaxLegs> last_update_{};
  std::array<double, kMaxLegs> own_pos_{};
  std::array<double, kMaxLegs> taker_bps_{};
  // The last legs sent (pairs and fix orders), for the repeat guard: the risk gate refuses an
  // identical intent against any recent order, not only the latest one.
  static constexpr std::size_t kSent = 64;
  std::array<LastLeg, kSent> sent_{};
  std::size_t sent_next_ = 0;
  std::array<bool, common::kVenueCount> venue_ok_{true, true, true, true};
  std::array<Stats, kMaxLegs * kMaxLegs> stats_{};
  std::array<Persist, kMaxLegs * kMaxLegs> persist_{};  // [buy * kMaxLegs + sell]
  static constexpr std::size_t kRecent = 16;
  std::array<Recent, kRecent> recent_{};
  std::size_t recent_next_ = 0;
  std::size_t n_ = 0;
  Pair pair_;
  bool halted_ = false;
  std::uint64_t pairs_sent_ = 0;
  std::uint64_t backoffs_ = 0;
  std::array<std::uint64_t, 5> outcomes_{};
  double realized_pnl_ = 0;
  double fees_paid_ = 0;
  double inv_qty_ = 0;    // own net inventory carried (asset units, signed)
  double inv_price_ = 0;  // its average cost
  double last_edge_bps_ = 0;
  int last_best_a_ = -1, last_best_b_ = -1;  // the best direction at the last evaluation
  common::Nanos last_eval_ = 0;
};

}  // namespace peregrine::strategies
