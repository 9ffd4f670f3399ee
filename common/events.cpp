#include "common/events.hpp"

namespace peregrine::common {

std::string_view to_string(DenyReason r) noexcept {
  switch (r) {
    case DenyReason::kInstrumentDisabled:
      return "instrument_disabled";
    case DenyReason::kVenueUnhealthy:
      return "venue_unhealthy";
    case DenyReason::kBookInvalid:
      return "book_invalid";
    case DenyReason::kOffTick:
      return "off_tick";
    case DenyReason::kOffLot:
      return "off_lot";
    case DenyReason::kBelowMinNotional:
      return "below_min_notional";
    case DenyReason::kMaxOrderQty:
      return "max_order_qty";
    case DenyReason::kMaxOrderNotional:
      return "max_order_notional";
    case DenyReason::kPriceCollar:
      return "price_collar";
    case DenyReason::kFatFinger:
      return "fat_finger";
    case DenyReason::kMaxPosition:
      return "max_position";
    case DenyReason::kMaxGrossExposure:
      return "max_gross_exposure";
    case DenyReason::kOpenOrderCap:
      return "open_order_cap";
    case DenyReason::kRateBudget:
      return "rate_budget";
    case DenyReason::kReducingOnly:
      return "reducing_only";
    case DenyReason::kHalted:
      return "halted";
    case DenyReason::kSelfTrade:
      return "self_trade";
    case DenyReason::kDuplicateIntent:
      return "duplicate_intent";
    case DenyReason::kUnknownOrder:
      return "unknown_order";
    case DenyReason::kQueueFull:
      return "queue_full";
  }
  return "unknown";
}

std::string_view to_string(OrderStatus s) noexcept {
  switch (s) {
    case OrderStatus::kPendingNew:
      return "pending_new";
    case OrderStatus::kNew:
      return "new";
    case OrderStatus::kPartiallyFilled:
      return "partially_filled";
    case OrderStatus::kFilled:
      return "filled";
    case OrderStatus::kPendingCancel:
      return "pending_cancel";
    case OrderStatus::kCancelled:
      return "cancelled";
    case OrderStatus::kRejected:
      return "rejected";
    case OrderStatus::kExpired:
      return "expired";
    case OrderStatus::kPendingReplace:
      return "pending_replace";
  }
  return "unknown";
}

}  // namespace peregrine::common
