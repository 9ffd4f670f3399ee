// Stable lower-case names of every enum that appears in a journal, for the JSON dump and CSV
// export (the names are part of the documented output). Any thread; header-only.
#pragma once

#include <string_view>

#include "common/events.hpp"
#include "engine/journal/journal_format.hpp"

namespace peregrine::engine::journal {

// Each returns "" for a value outside the enum (the caller prints the number instead).
[[nodiscard]] inline std::string_view enum_name(common::VenueId v) noexcept {
  switch (v) {
    case common::VenueId::kHyperliquid:
      return "hyperliquid";
    case common::VenueId::kBinance:
      return "binance";
    case common::VenueId::kBybit:
      return "bybit";
    case common::VenueId::kCoinbase:
      return "coinbase";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::BookSide v) noexcept {
  switch (v) {
    case common::BookSide::kBid:
      return "bid";
    case common::BookSide::kAsk:
      return "ask";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::Side v) noexcept {
  switch (v) {
    case common::Side::kBuy:
      return "buy";
    case common::Side::kSell:
      return "sell";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::ResetReason v) noexcept {
  switch (v) {
    case common::ResetReason::kSequenceGap:
      return "sequence_gap";
    case common::ResetReason::kStaleFeed:
      return "stale_feed";
    case common::ResetReason::kQueueOverflow:
      return "queue_overflow";
    case common::ResetReason::kReconnect:
      return "reconnect";
    case common::ResetReason::kMalformedFrame:
      return "malformed_frame";
    case common::ResetReason::kCrossedBook:
      return "crossed_book";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::VenueState v) noexcept {
  switch (v) {
    case common::VenueState::kConnected:
      return "connected";
    case common::VenueState::kStale:
      return "stale";
    case common::VenueState::kResyncing:
      return "resyncing";
    case common::VenueState::kDown:
      return "down";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::IntentAction v) noexcept {
  switch (v) {
    case common::IntentAction::kNew:
      return "new";
    case common::IntentAction::kCancel:
      return "cancel";
    case common::IntentAction::kModify:
      return "modify";
    case common::IntentAction::kCancelAll:
      return "cancel_all";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::OrderType v) noexcept {
  switch (v) {
    case common::OrderType::kLimit:
      return "limit";
    case common::OrderType::kMarket:
      return "market";
    case common::OrderType::kStopMarket:
      return "stop_market";
    case common::OrderType::kStopLimit:
      return "stop_limit";
    case common::OrderType::kTakeProfitMarket:
      return "take_profit_market";
    case common::OrderType::kTakeProfitLimit:
      return "take_profit_limit";
    case common::OrderType::kTrailingStopMarket:
      return "trailing_stop_market";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::TimeInForce v) noexcept {
  switch (v) {
    case common::TimeInForce::kGtc:
      return "gtc";
    case common::TimeInForce::kIoc:
      return "ioc";
    case common::TimeInForce::kFok:
      return "fok";
    case common::TimeInForce::kPostOnly:
      return "post_only";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::PositionSide v) noexcept {
  switch (v) {
    case common::PositionSide::kBoth:
      return "both";
    case common::PositionSide::kLong:
      return "long";
    case common::PositionSide::kShort:
      return "short";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::DenyReason v) noexcept {
  if (static_cast<std::size_t>(v) >= common::kDenyReasonCount) return {};
  return common::to_string(v);
}

[[nodiscard]] inline std::string_view enum_name(common::OrderStatus v) noexcept {
  if (static_cast<std::uint8_t>(v) >
      static_cast<std::uint8_t>(common::OrderStatus::kPendingReplace))
    return {};
  return common::to_string(v);
}

[[nodiscard]] inline std::string_view enum_name(common::RejectReason v) noexcept {
  switch (v) {
    case common::RejectReason::kNone:
      return "none";
    case common::RejectReason::kInsufficientMargin:
      return "insufficient_margin";
    case common::RejectReason::kPostOnlyWouldCross:
      return "post_only_would_cross";
    case common::RejectReason::kReduceOnlyWouldIncrease:
      return "reduce_only_would_increase";
    case common::RejectReason::kInvalidPrice:
      return "invalid_price";
    case common::RejectReason::kInvalidQty:
      return "invalid_qty";
    case common::RejectReason::kMinNotional:
      return "min_notional";
    case common::RejectReason::kRateLimited:
      return "rate_limited";
    case common::RejectReason::kUnknownOrder:
      return "unknown_order";
    case common::RejectReason::kDuplicateClientId:
      return "duplicate_client_id";
    case common::RejectReason::kBadSignature:
      return "bad_signature";
    case common::RejectReason::kBadNonce:
      return "bad_nonce";
    case common::RejectReason::kNoLiquidity:
      return "no_liquidity";
    case common::RejectReason::kUnknownOutcome:
      return "unknown_outcome";
    case common::RejectReason::kOther:
      return "other";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(common::Liquidity v) noexcept {
  switch (v) {
    case common::Liquidity::kMaker:
      return "maker";
    case common::Liquidity::kTaker:
      return "taker";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(NoteSeverity v) noexcept {
  switch (v) {
    case NoteSeverity::kInfo:
      return "info";
    case NoteSeverity::kWarning:
      return "warning";
    case NoteSeverity::kError:
      return "error";
  }
  return {};
}

[[nodiscard]] inline std::string_view enum_name(PairResult v) noexcept { return to_string(v); }

}  // namespace peregrine::engine::journal
