#include "engine/portfolio/portfolio.hpp"

namespace peregrine::engine::portfolio {

namespace {
[[nodiscard]] std::size_t at_least_one(std::size_t n) noexcept { return n == 0 ? 1 : n; }
}  // namespace

Portfolio::Portfolio(const PortfolioConfig& config, const common::InstrumentRegistry& registry)
    : inst_(at_least_one(config.max_instruments)),
      strat_legs_(at_least_one(config.max_instruments) * at_least_one(config.max_strategies)),
      strat_(at_least_one(config.max_strategies)),
      asset_(registry.asset_count()) {
  for (std::size_t i = 0; i < inst_.size() && i < registry.size(); ++i) {
    const InstrumentId id{static_cast<std::uint32_t>(i)};
    inst_[i].asset = registry.asset_of(id);
    inst_[i].venue = registry.get(id).venue;
  }
}

void Portfolio::refresh(std::size_t i) noexcept {
  InstState& s = inst_[i];
  const Price mark = s.mark;
  const __int128 unreal = s.legs.unrealized_raw(mark);
  const __int128 gross = common::notional_raw(mark, s.legs.gross_qty());
  VenueState& v = venue_[common::index(s.venue)];
  unreal_raw_ += unreal - s.unreal_raw;
  v.gross_raw += gross - s.gross_raw;
  if (s.asset.valid() && s.asset.value < asset_.size()) {
    asset_[s.asset.value].gross_raw += gross - s.gross_raw;
  }
  s.unreal_raw = unreal;
  s.gross_raw = gross;
  const __int128 total = total_pnl_raw();
  if (total > hwm_raw_) hwm_raw_ = total;
}

FillResult Portfolio::on_fill(const common::Fill& f, PositionSide side) noexcept {
  FillResult out;
  const std::size_t i = f.instrument.value;
  if (i >= inst_.size() || f.strategy.value >= strat_.size() || !f.qty.is_positive() ||
      !f.price.is_positive()) {
    ++rejected_fills_;
    out.ok = false;
    return out;
  }
  InstState& s = inst_[i];
  const Qty signed_qty = f.side == common::Side::kBuy ? f.qty : -f.qty;
  const auto leg = static_cast<std::size_t>(side);
  Legs& sl = strat_legs_[f.strategy.value * inst_.size() + i];
  const Qty before_net = s.legs.net_qty();
  __int128 strat_realized = 0;
  if (side == PositionSide::kBoth) {
    out.realized_raw = s.legs.leg[0].apply(signed_qty, f.price);
    strat_realized = sl.leg[0].apply(signed_qty, f.price);
  } else {
    const bool long_leg = side == PositionSide::kLong;
    out.realized_raw = s.legs.leg[leg].apply_leg(signed_qty, f.price, long_leg, &out.excess);
    Qty strat_excess;
    strat_realized = sl.leg[leg].apply_leg(signed_qty, f.price, long_leg, &strat_excess);
    if (out.excess.is_positive()) ++hedge_overcloses_;
  }
  s.fees += f.fee;
  fees_ += f.fee;
  realized_raw_ += out.realized_raw;
  VenueState& v = venue_[common::index(s.venue)];
  v.realized_raw += out.realized_raw;
  v.fees += f.fee;
  StratState& st = strat_[f.strategy.value];
  // The strategy's own legs decide its realized PnL (it may close what another strategy opened
  // at the account level).
  st.realized_raw += strat_realized;
  st.fees += f.fee;
  if (s.asset.valid() && s.asset.value < asset_.size()) {
    asset_[s.asset.value].net_qty += s.legs.net_qty() - before_net;
  }
  if (s.mark.is_zero()) s.mark = f.price;  // until a book mid arrives, the last fill marks it
  refresh(i);
  return out;
}

void Portfolio::mark(InstrumentId id, Price mark) noexcept {
  if (id.value >= inst_.size() || !mark.is_positive()) return;
  inst_[id.value].mark = mark;
  refresh(id.value);
}

void Portfolio::set_balance(VenueId v, Money balance) noexcept {
  VenueState& s = venue_[common::index(v)];
  s.reported_balance = balance;
  s.realized_at_report_raw = s.realized_raw;
  s.fees_at_report = s.fees;
}

Money Portfolio::balance(VenueId v) const noexcept {
  const VenueState& s = venue_[common::index(v)];
  const __int128 accrued =
      s.realized_raw - s.realized_at_report_raw - raw16_from_money(s.fees - s.fees_at_report);
  return s.reported_balance + money_from_raw16(accrued);
}

void Portfolio::start_day() noexcept { day_start_raw_ = total_pnl_raw(); }

Money Portfolio::strategy_unrealized(StrategyId s) const noexcept {
  if (s.value >= strat_.size()) return Money{};
  __int128 sum = 0;
  for (std::size_t i = 0; i < inst_.size(); ++i) {
    sum += strat_legs_[s.value * inst_.size() + i].unrealized_raw(inst_[i].mark);
  }
  return money_from_raw16(sum);
}

}  // namespace peregrine::engine::portfolio
