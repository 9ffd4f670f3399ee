// Internal helpers shared by exec_parser.cpp and user_stream.cpp (simdjson On-Demand field
// readers returning ExecError). Not part of the public API; same thread rules as ExecParser.
#pragma once

#include <simdjson.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <string_view>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "gateways/binance/exec_parser.hpp"

namespace peregrine::gateways::binance::detail {

namespace od = simdjson::ondemand;

inline constexpr std::uint64_t kMaxMillis =
    static_cast<std::uint64_t>(std::numeric_limits<common::Nanos>::max() / 1'000'000);

// Single writer: a relaxed load + store avoids a locked RMW on the hot path.
inline void bump(std::atomic<std::uint64_t>& c) noexcept {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

[[nodiscard]] inline ExecError from_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::INCORRECT_TYPE:
      return ExecError::kWrongType;
    case simdjson::NO_SUCH_FIELD:
      return ExecError::kMissingField;
    case simdjson::INSUFFICIENT_PADDING:
      return ExecError::kNoPadding;
    case simdjson::EMPTY:
      return ExecError::kEmpty;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return ExecError::kBadValue;
    default:
      return ExecError::kBadJson;
  }
}

#define PEREGRINE_BN_TRY(expr)                                        \
  do {                                                                \
    if (const ExecError e_ = (expr); e_ != ExecError::kOk) return e_; \
  } while (0)
#define PEREGRINE_BN_SJ(expr)                                              \
  do {                                                                     \
    if (const simdjson::error_code sj_ = (expr); sj_ != simdjson::SUCCESS) \
      return ::peregrine::gateways::binance::detail::from_simdjson(sj_);   \
  } while (0)

// Order and fill decimals: exact.
template <typename Tag>
[[nodiscard]] ExecError get_exact(od::value& v, common::Fixed<Tag>& out) noexcept {
  std::string_view s;
  PEREGRINE_BN_SJ(v.get_string().get(s));
  const auto r = common::Fixed<Tag>::parse(s);
  if (!r) return ExecError::kBadDecimal;
  out = *r;
  return ExecError::kOk;
}

// Valuation decimals (PnL, breakeven, balances) may carry more than 8 decimals: truncated.
template <typename Tag>
[[nodiscard]] ExecError get_value(od::value& v, common::Fixed<Tag>& out) noexcept {
  std::string_view s;
  PEREGRINE_BN_SJ(v.get_string().get(s));
  const auto r = common::Fixed<Tag>::parse(s, common::ParseMode::kTruncate);
  if (!r) return ExecError::kBadDecimal;
  out = *r;
  return ExecError::kOk;
}

[[nodiscard]] inline ExecError get_millis(od::value& v, common::Nanos& ns) noexcept {
  std::uint64_t ms = 0;
  PEREGRINE_BN_SJ(v.get_uint64().get(ms));
  if (ms > kMaxMillis) return ExecError::kBadValue;
  ns = static_cast<common::Nanos>(ms) * 1'000'000;
  return ExecError::kOk;
}

// An integer sent as a number or as a decimal string ("leverage":"10", "code":"200").
[[nodiscard]] inline ExecError get_int_any(od::value& v, std::int64_t& out) noexcept {
  od::json_type t;
  PEREGRINE_BN_SJ(v.type().get(t));
  if (t == od::json_type::number) {
    PEREGRINE_BN_SJ(v.get_int64().get(out));
    return ExecError::kOk;
  }
  std::string_view s;
  PEREGRINE_BN_SJ(v.get_string().get(s));
  if (s.empty() || s.size() > 18) return ExecError::kBadValue;
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '-') {
    neg = true;
    i = 1;
    if (s.size() == 1) return ExecError::kBadValue;
  }
  std::int64_t r = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return ExecError::kBadValue;
    r = r * 10 + (s[i] - '0');
  }
  out = neg ? -r : r;
  return ExecError::kOk;
}

// true/false sent as a JSON bool or as a string ("isAutoAddMargin":"false").
[[nodiscard]] inline ExecError get_bool_any(od::value& v, bool& out) noexcept {
  od::json_type t;
  PEREGRINE_BN_SJ(v.type().get(t));
  if (t == od::json_type::boolean) {
    PEREGRINE_BN_SJ(v.get_bool().get(out));
    return ExecError::kOk;
  }
  std::string_view s;
  PEREGRINE_BN_SJ(v.get_string().get(s));
  if (s == "true") {
    out = true;
  } else if (s == "false") {
    out = false;
  } else {
    return ExecError::kBadValue;
  }
  return ExecError::kOk;
}

[[nodiscard]] inline ExecError parse_side(std::string_view s, common::Side& out) noexcept {
  if (s == "BUY") {
    out = common::Side::kBuy;
  } else if (s == "SELL") {
    out = common::Side::kSell;
  } else {
    return ExecError::kBadValue;
  }
  return ExecError::kOk;
}

[[nodiscard]] inline ExecError parse_position_side(std::string_view s,
                                                   common::PositionSide& out) noexcept {
  if (s == "BOTH") {
    out = common::PositionSide::kBoth;
  } else if (s == "LONG") {
    out = common::PositionSide::kLong;
  } else if (s == "SHORT") {
    out = common::PositionSide::kShort;
  } else {
    return ExecError::kBadValue;
  }
  return ExecError::kOk;
}

// Conditional type words -> OrderType; false for LIMIT/MARKET/unknown.
[[nodiscard]] inline bool parse_conditional_type(std::string_view s,
                                                 common::OrderType& out) noexcept {
  if (s == "STOP_MARKET") {
    out = common::OrderType::kStopMarket;
  } else if (s == "STOP") {
    out = common::OrderType::kStopLimit;
  } else if (s == "TAKE_PROFIT_MARKET") {
    out = common::OrderType::kTakeProfitMarket;
  } else if (s == "TAKE_PROFIT") {
    out = common::OrderType::kTakeProfitLimit;
  } else if (s == "TRAILING_STOP_MARKET") {
    out = common::OrderType::kTrailingStopMarket;
  } else {
    return false;
  }
  return true;
}

}  // namespace peregrine::gateways::binance::detail
