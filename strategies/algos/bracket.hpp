// Bracket (stop-loss + take-profit, one-cancels-other) and trailing stop attached to a position,
// emulated in the core or emitted as native trigger intents for the gateway to map.
// Strategy thread only; every method is noexcept and allocation-free.
//
// Emulated bracket: the take-profit rests as a reduce-only GTC limit; the stop is watched on the
// book and fires as a reduce-only IOC capped by slippage_pct, after cancelling the take-profit.
// A take-profit fill shrinks the stop's quantity; a full fill disarms it (OCO).
// Native bracket: two reduce-only intents whose `target` is the entry's cloid (the grouping key
// for Hyperliquid normalTpsl, Binance algoOrder, Bybit tpsl-on-create): kStopMarket with
// trigger_price = stop and kTakeProfitMarket with trigger_price = take-profit. When one reports a
// fill the other is cancelled here too, so venues without native OCO are still covered.
#pragma once

#include <cstdint>

#include "common/events.hpp"
#include "strategies/strategy.hpp"

namespace peregrine::strategies::algos {

struct BracketConfig {
  double stop_loss_pct = 1.0;    // distance from entry; 0 = no stop
  double take_profit_pct = 2.0;  // distance from entry; 0 = no take-profit
  double slippage_pct = 0.5;     // cap on the emulated stop's IOC
  bool native = false;
};

class Bracket {
 public:
  enum class Exit : std::uint8_t { kNone, kStopLoss, kTakeProfit, kCancelled };

  // Position side: kBuy = protecting a long. `entry` anchors both distances.
  void arm(StrategyContext& ctx, common::StrategyId sid, common::InstrumentId ins,
           common::Side position, common::Qty qty, common::Price entry,
           common::ClientOrderId parent, const BracketConfig& cfg) noexcept;
  void on_book(StrategyContext& ctx, common::InstrumentId id) noexcept;
  void on_fill(StrategyContext& ctx, const common::Fill& f) noexcept;
  void on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept;
  // Cancels whatever rests (the position is being closed another way).
  void disarm(StrategyContext& ctx) noexcept;

  [[nodiscard]] bool active() const noexcept { return active_; }
  [[nodiscard]] Exit exit() const noexcept { return exit_; }
  [[nodiscard]] common::Price stop_price() const noexcept { return stop_; }
  [[nodiscard]] common::Price take_profit_price() const noexcept { return tp_; }
  [[nodiscard]] common::Qty remaining() const noexcept { return remaining_; }
  [[nodiscard]] bool owns(common::ClientOrderId c) const noexcept {
    return !c.is_null() && (c == tp_cloid_ || c == sl_cloid_);
  }

 private:
  void cancel(StrategyContext& ctx, common::ClientOrderId& c) noexcept;
  [[nodiscard]] common::OrderIntent base(StrategyContext& ctx) const noexcept;

  BracketConfig cfg_;
  common::StrategyId sid_;
  common::InstrumentId ins_;
  common::Side position_ = common::Side::kBuy;
  common::Qty remaining_;
  common::Price stop_;
  common::Price tp_;
  common::ClientOrderId parent_;
  common::ClientOrderId tp_cloid_;
  common::ClientOrderId sl_cloid_;
  bool active_ = false;
  bool stop_sent_ = false;
  Exit exit_ = Exit::kNone;
};

struct TrailingStopConfig {
  double callback_pct = 1.0;  // distance behind the best mid since arming
  double slippage_pct = 0.5;
  bool native = false;  // Binance TRAILING_STOP_MARKET (trigger_price = callback in bp, as units)
};

// Emulated: follows the most favourable mid; fires a reduce-only IOC when the mid comes back
// callback_pct from it. Native: one kTrailingStopMarket intent, price = activation (current mid).
class TrailingStop {
 public:
  void arm(StrategyContext& ctx, common::StrategyId sid, common::InstrumentId ins,
           common::Side position, common::Qty qty, const TrailingStopConfig& cfg) noexcept;
  void on_book(StrategyContext& ctx, common::InstrumentId id) noexcept;
  void on_fill(const common::Fill& f) noexcept;
  [[nodiscard]] bool active() const noexcept { return active_; }
  [[nodiscard]] bool fired() const noexcept { return fired_; }
  [[nodiscard]] double extreme() const noexcept { return extreme_; }
  [[nodiscard]] double stop_level() const noexcept;

 private:
  TrailingStopConfig cfg_;
  common::StrategyId sid_;
  common::InstrumentId ins_;
  common::Side position_ = common::Side::kBuy;
  common::Qty qty_;
  common::ClientOrderId cloid_;
  double extreme_ = 0;
  bool active_ = false;
  bool fired_ = false;
};

}  // namespace peregrine::strategies::algos
