// Cross-venue arbitrage (the seed's arbitrage coordinator): buys one venue's ask and sells
// another's bid for the same canonical asset when the edge beats both taker fees and a buffer,
// with both legs as IOC limits in one core cycle, then unwinds or completes any leg mismatch.
// Strategy thread only; on_book/on_fill never allocate or throw.
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
  int max_unwind_attempts = 3;       // then the pair is "stuck" and the strategy halts
  // A refused unwind/complete order (e.g. the risk gate's duplicate window) is re-priced and
  // sent again after this pause, not at once: an immediate retry is the same intent again.
  common::Duration unwind_retry = std::chrono::milliseconds(100);
  std::optional<common::VenueId> other_venue;  // used by the engine to pick the instruments
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
  [[nodiscard]] double realized_pnl() const noexcept { return realized_pnl_; }
  // Last computed best edge in basis points (for metrics), NaN-free: 0 before any book.
  [[nodiscard]] double last_edge_bps() const noexcept { return last_edge_bps_; }

 private:
  struct Leg {
    common::ClientOrderId cloid;
    common::InstrumentId ins;
    common::Side side = common::Side::kBuy;
    double filled = 0;
    double notional = 0;  // sum of price * qty
    double fees = 0;
    bool done = false;
  };
  struct Pair {
    bool active = false;
    bool unwinding = false;
    int attempts = 0;
    bool retry_pending = false;  // a refused fix order waits for kRetryToken
    Leg legs[2];
    Leg fix;  // the current unwind/complete order
  };

  [[nodiscard]] int slot_of(common::InstrumentId id) const noexcept;
  [[nodiscard]] bool tradable(StrategyContext& ctx, int slot, common::Nanos now) const noexcept;
  [[nodiscard]] common::Qty size_pair(StrategyContext& ctx, int buy, int sell) const noexcept;
  bool send_ioc(StrategyContext& ctx, common::InstrumentId ins, common::Side side,
                common::Price limit, common::Qty qty, Leg* leg) noexcept;
  [[nodiscard]] Leg* leg_of(common::ClientOrderId c) noexcept;
  void try_resolve(StrategyContext& ctx) noexcept;
  static constexpr std::uint64_t kRetryToken = 1;
  void finish(StrategyContext& ctx, Outcome o) noexcept;

  common::StrategyId id_;
  XvenueArbConfig cfg_;
  std::array<common::InstrumentId, kMaxLegs> ins_{};
  std::array<common::Nanos, kMaxLegs> last_update_{};
  std::array<bool, common::kVenueCount> venue_ok_{true, true, true, true};
  std::size_t n_ = 0;
  Pair pair_;
  bool halted_ = false;
  std::uint64_t pairs_sent_ = 0;
  std::array<std::uint64_t, 5> outcomes_{};
  double realized_pnl_ = 0;
  double last_edge_bps_ = 0;
};

}  // namespace peregrine::strategies
