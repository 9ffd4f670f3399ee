// Portfolio: positions per venue instrument (one-way net leg and hedge-mode long/short legs),
// per strategy, aggregates per venue and canonical asset, PnL, balances, daily PnL and drawdown.
// Strategy-core thread only; no allocation after construction; every update O(1).
//
// Why updates are O(1): each instrument caches its unrealized PnL and gross notional; a fill or
// a new mark subtracts the old cached values from the venue/asset/total aggregates and adds the
// new ones, so risk reads totals without scanning positions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/instrument.hpp"
#include "engine/portfolio/position.hpp"

namespace peregrine::engine::portfolio {

using common::InstrumentId;
using common::PositionSide;
using common::StrategyId;
using common::VenueId;

struct PortfolioConfig {
  std::size_t max_instruments = 256;
  std::size_t max_strategies = 64;
};

// One instrument's (or one strategy's share of one instrument's) three legs.
struct Legs {
  std::array<Position, 3> leg;  // indexed by PositionSide: kBoth (net), kLong, kShort
  [[nodiscard]] const Position& net() const noexcept { return leg[0]; }
  [[nodiscard]] const Position& long_leg() const noexcept { return leg[1]; }
  [[nodiscard]] const Position& short_leg() const noexcept { return leg[2]; }
  // Signed exposure over all legs (hedge legs sum: long + short).
  [[nodiscard]] Qty net_qty() const noexcept { return leg[0].qty() + leg[1].qty() + leg[2].qty(); }
  [[nodiscard]] Qty gross_qty() const noexcept {
    return leg[0].qty().abs() + leg[1].qty().abs() + leg[2].qty().abs();
  }
  [[nodiscard]] __int128 realized_raw() const noexcept {
    return leg[0].realized_raw() + leg[1].realized_raw() + leg[2].realized_raw();
  }
  [[nodiscard]] __int128 unrealized_raw(Price mark) const noexcept {
    return leg[0].unrealized_raw(mark) + leg[1].unrealized_raw(mark) + leg[2].unrealized_raw(mark);
  }
};

struct FillResult {
  __int128 realized_raw = 0;  // PnL realized by this fill, 1e-16 units
  Qty excess;                 // hedge leg: reducing quantity beyond the leg (not applied)
  bool ok = true;             // false: instrument or strategy out of range (nothing booked)
};

class Portfolio {
 public:
  Portfolio(const PortfolioConfig& config, const common::InstrumentRegistry& registry);

  // Books a fill. `side` is the order's position side (kBoth for one-way accounts); `strategy`
  // the order's owner (the fill's own field is used when the order is unknown).
  FillResult on_fill(const common::Fill& f, PositionSide side) noexcept;
  // Marks an instrument (valid book mid). Non-positive marks are ignored.
  void mark(InstrumentId id, Price mark) noexcept;
  // Venue-reported balance; local PnL and fees accrue on top until the next report.
  void set_balance(VenueId v, Money balance) noexcept;
  // Starts a new trading day: daily PnL counts from the current total.
  void start_day() noexcept;

  // --- Per instrument ---
  [[nodiscard]] const Legs& legs(InstrumentId id) const noexcept { return inst_[id.value].legs; }
  [[nodiscard]] Qty position(InstrumentId id) const noexcept {
    return id.value < inst_.size() ? inst_[id.value].legs.net_qty() : Qty{};
  }
  [[nodiscard]] Price mark_price(InstrumentId id) const noexcept {
    return id.value < inst_.size() ? inst_[id.value].mark : Price{};
  }
  [[nodiscard]] Money fees(InstrumentId id) const noexcept { return inst_[id.value].fees; }
  [[nodiscard]] Money realized(InstrumentId id) const noexcept {
    return money_from_raw16(inst_[id.value].legs.realized_raw());
  }
  [[nodiscard]] Money unrealized(InstrumentId id) const noexcept {
    return money_from_raw16(inst_[id.value].unreal_raw);
  }

  // --- Per venue / asset ---
  [[nodiscard]] Money balance(VenueId v) const noexcept;
  [[nodiscard]] __int128 gross_notional_raw(VenueId v) const noexcept {
    return venue_[common::index(v)].gross_raw;
  }
  [[nodiscard]] Money realized(VenueId v) const noexcept {
    return money_from_raw16(venue_[common::index(v)].realized_raw);
  }
  [[nodiscard]] Money fees(VenueId v) const noexcept { return venue_[common::index(v)].fees; }
  [[nodiscard]] Qty asset_position(common::AssetId a) const noexcept {
    return a.value < asset_.size() ? asset_[a.value].net_qty : Qty{};
  }
  [[nodiscard]] __int128 gross_notional_raw(common::AssetId a) const noexcept {
    return a.value < asset_.size() ? asset_[a.value].gross_raw : 0;
  }

  // --- Per strategy (its own fills only) ---
  [[nodiscard]] const Legs& strategy_legs(StrategyId s, InstrumentId id) const noexcept {
    return strat_legs_[s.value * inst_.size() + id.value];
  }
  [[nodiscard]] Money strategy_realized(StrategyId s) const noexcept {
    return money_from_raw16(strat_[s.value].realized_raw);
  }
  [[nodiscard]] Money strategy_fees(StrategyId s) const noexcept { return strat_[s.value].fees; }
  // Snapshot query, O(instruments): not for the hot path.
  [[nodiscard]] Money strategy_unrealized(StrategyId s) const noexcept;

  // --- Totals (O(1)) ---
  [[nodiscard]] Money realized() const noexcept { return money_from_raw16(realized_raw_); }
  [[nodiscard]] Money fees() const noexcept { return fees_; }
  [[nodiscard]] Money unrealized() const noexcept { return money_from_raw16(unreal_raw_); }
  // realized - fees + unrealized.
  [[nodiscard]] __int128 total_pnl_raw() const noexcept {
    return realized_raw_ - raw16_from_money(fees_) + unreal_raw_;
  }
  [[nodiscard]] Money total_pnl() const noexcept { return money_from_raw16(total_pnl_raw()); }
  [[nodiscard]] Money daily_pnl() const noexcept {
    return money_from_raw16(total_pnl_raw() - day_start_raw_);
  }
  // Raw 1e-16 forms for the risk gate: no 128-bit division on its path.
  [[nodiscard]] __int128 daily_pnl_raw() const noexcept { return total_pnl_raw() - day_start_raw_; }
  [[nodiscard]] __int128 drawdown_raw() const noexcept { return hwm_raw_ - total_pnl_raw(); }
  [[nodiscard]] Money high_water_mark() const noexcept { return money_from_raw16(hwm_raw_); }
  [[nodiscard]] Money drawdown() const noexcept {
    return money_from_raw16(hwm_raw_ - total_pnl_raw());
  }
  [[nodiscard]] std::uint64_t hedge_overcloses() const noexcept { return hedge_overcloses_; }
  [[nodiscard]] std::uint64_t rejected_fills() const noexcept { return rejected_fills_; }

 private:
  struct InstState {
    Legs legs;
    Money fees;
    Price mark;
    __int128 unreal_raw = 0;
    __int128 gross_raw = 0;
    common::AssetId asset;
    VenueId venue = VenueId::kHyperliquid;
  };
  struct VenueState {
    Money reported_balance;
    __int128 realized_raw = 0;
    __int128 realized_at_report_raw = 0;
    Money fees;
    Money fees_at_report;
    __int128 gross_raw = 0;
  };
  struct AssetState {
    Qty net_qty;
    __int128 gross_raw = 0;
  };
  struct StratState {
    __int128 realized_raw = 0;
    Money fees;
  };

  // Re-derives one instrument's cached unrealized and gross notional into the aggregates.
  void refresh(std::size_t i) noexcept;

  std::vector<InstState> inst_;
  std::vector<Legs> strat_legs_;  // [strategy * max_instruments + instrument]
  std::vector<StratState> strat_;
  std::vector<AssetState> asset_;
  std::array<VenueState, common::kVenueCount> venue_{};
  __int128 realized_raw_ = 0;
  Money fees_;
  __int128 unreal_raw_ = 0;
  __int128 day_start_raw_ = 0;
  __int128 hwm_raw_ = 0;
  std::uint64_t hedge_overcloses_ = 0;
  std::uint64_t rejected_fills_ = 0;
};

}  // namespace peregrine::engine::portfolio
