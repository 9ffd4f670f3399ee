// TWAP: works a parent quantity over a duration in slices (own slicing, seeded jitter, limit or
// IOC slices), or hands the whole parent to Hyperliquid's native twapOrder as one intent.
// Strategy thread only; the schedule is built at construction, on_timer never allocates.
#pragma once

#include <cstdint>
#include <vector>

#include "common/config.hpp"
#include "common/rng.hpp"
#include "strategies/algos/market_ioc.hpp"
#include "strategies/strategy.hpp"

namespace peregrine::strategies::algos {

enum class SliceType : std::uint8_t {
  kIoc,    // marketable IOC at best +/- slippage_pct
  kLimit,  // post-only at our side's best; unfilled remainder rolls into the next slice
};

struct TwapConfig {
  common::Side side = common::Side::kBuy;
  common::Qty total_qty;  // required, > 0
  common::Duration duration = std::chrono::minutes(30);
  int slices = 30;
  double randomize = 0.0;  // each slice starts up to this fraction of the interval late
  SliceType slice_type = SliceType::kIoc;
  double slippage_pct = 0.5;
  bool reduce_only = false;
  bool native = false;  // Hyperliquid twapOrder (duration 5..1440 whole minutes)
  std::uint64_t seed = 1;
};

void load(common::ConfigNode& n, TwapConfig& out);

class Twap final : public Strategy {
 public:
  Twap(common::StrategyId id, TwapConfig cfg, common::InstrumentId ins);

  [[nodiscard]] std::string_view name() const noexcept override { return "twap"; }
  void on_start(StrategyContext& ctx) noexcept override;
  void on_book(StrategyContext& ctx, common::InstrumentId id) noexcept override;
  void on_timer(StrategyContext& ctx, std::uint64_t token) noexcept override;
  void on_fill(StrategyContext& ctx, const common::Fill& f) noexcept override;
  void on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept override;

  // Stops the algo: native mode cancels the venue TWAP (twapCancel through the gateway) and is
  // done when the venue's terminal update arrives; sliced mode sends no more slices and
  // cancels the resting one. False when there is nothing left to stop.
  bool cancel(StrategyContext& ctx) noexcept;

  [[nodiscard]] common::Qty filled() const noexcept { return filled_; }
  // Native mode: the venue TWAP's order (its client order id) and its last reported status.
  [[nodiscard]] const common::ClientOrderId& native_order() const noexcept { return native_; }
  [[nodiscard]] common::OrderStatus native_status() const noexcept { return native_status_; }
  [[nodiscard]] bool done() const noexcept { return done_; }
  [[nodiscard]] int slices_sent() const noexcept { return sent_; }
  // Offsets from start of each slice, fixed at construction (seeded).
  [[nodiscard]] const std::vector<common::Nanos>& schedule() const noexcept { return offsets_; }

 private:
  void fire_slice(StrategyContext& ctx, int i) noexcept;
  [[nodiscard]] common::Qty target_through(StrategyContext& ctx, int i) const noexcept;

  common::StrategyId id_;
  TwapConfig cfg_;
  common::InstrumentId ins_;
  std::vector<common::Nanos> offsets_;
  common::Nanos start_ = 0;
  common::Qty filled_;
  common::ClientOrderId working_;  // the resting limit slice, if any
  common::ClientOrderId native_;   // the venue TWAP (native mode)
  common::OrderStatus native_status_ = common::OrderStatus::kPendingNew;
  int sent_ = 0;
  int pending_slice_ = -1;  // a slice whose book was invalid at its time
  bool started_ = false;
  bool done_ = false;
};

}  // namespace peregrine::strategies::algos
