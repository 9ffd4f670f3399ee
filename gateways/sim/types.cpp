#include "gateways/sim/types.hpp"

#include "gateways/sim/sim_math.hpp"

namespace peregrine::gateways::sim {

std::string_view to_string(SimError e) noexcept {
  switch (e) {
    case SimError::kNone:
      return "none";
    case SimError::kUnknownInstrument:
      return "unknown instrument";
    case SimError::kUnknownAccount:
      return "unknown account";
    case SimError::kPriceOffTick:
      return "price not a multiple of the tick size";
    case SimError::kQtyOffLot:
      return "quantity not a multiple of the lot size";
    case SimError::kQtyNotPositive:
      return "quantity must be positive";
    case SimError::kPriceNotPositive:
      return "price must be positive";
    case SimError::kBelowMinNotional:
      return "order notional below the minimum";
    case SimError::kPostOnlyWouldCross:
      return "post-only order would have taken liquidity";
    case SimError::kReduceOnlyWouldIncrease:
      return "reduce-only order would increase the position";
    case SimError::kReduceOnlyNoPosition:
      return "reduce-only order without a position";
    case SimError::kInsufficientMargin:
      return "insufficient margin";
    case SimError::kFokNotFilled:
      return "fill-or-kill order could not be filled entirely";
    case SimError::kIocNoLiquidity:
      return "no liquidity for immediate-or-cancel order";
    case SimError::kUnknownOrder:
      return "unknown order";
    case SimError::kDuplicateClientId:
      return "duplicate client order id";
    case SimError::kOrderNotOpen:
      return "order is not open";
    case SimError::kInvalidTrigger:
      return "invalid trigger price (or would trigger immediately)";
    case SimError::kInvalidLeverage:
      return "invalid leverage";
    case SimError::kMaxOpenOrders:
      return "too many open orders";
    case SimError::kInvalidPositionSide:
      return "position side does not match the position mode";
    case SimError::kUnsupportedOrderType:
      return "unsupported order type";
    case SimError::kClientIdTooLong:
      return "client order id too long";
  }
  return "unknown error";
}

common::Price SimOrder::avg_price() const noexcept {
  if (filled.raw() <= 0) return common::Price{};
  return common::Price::from_raw(detail::div_round(
      static_cast<__int128>(filled_notional.raw()) * common::kDecimalScale, filled.raw()));
}

common::Money SimPosition::unrealized(common::Price mark) const noexcept {
  if (qty.is_zero()) return common::Money{};
  return detail::notional_of(mark, qty) - cost_basis;
}

common::Money SimPosition::margin(common::Price mark) const noexcept {
  return detail::margin_of(mark, qty, leverage);
}

}  // namespace peregrine::gateways::sim
