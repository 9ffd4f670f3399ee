// Internal to the Bybit exec codec (order_parser.cpp, order_rest.cpp): simdjson On-Demand
// accessors with ExecError results. Not part of the public API; any thread; no allocation.
#pragma once

#include <simdjson.h>

#include <string_view>
#include <utility>

#include "gateways/bybit/order_codec.hpp"
#include "gateways/bybit/wire.hpp"

namespace peregrine::gateways::bybit::exec_json {

namespace od = simdjson::ondemand;
using common::Nanos;
using detail::bump;

inline ExecError from_simdjson(simdjson::error_code e) noexcept {
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

// Early return on the first problem. A range-for (not if-init) so nested uses inside lambdas
// passed to each_field do not shadow each other.
#define PEREGRINE_BYBIT_EXEC_TRY(expr)                                 \
  for (const ExecError peregrine_bybit_e : {ExecError{expr}}) {        \
    if (peregrine_bybit_e != ExecError::kOk) return peregrine_bybit_e; \
  }
#define PEREGRINE_BYBIT_EXEC_SJ(expr)                                                      \
  for (const simdjson::error_code peregrine_bybit_sj : {simdjson::error_code{expr}}) {     \
    if (peregrine_bybit_sj != simdjson::SUCCESS) return from_simdjson(peregrine_bybit_sj); \
  }

// Iterates the fields of an object value: fn(raw key, value) -> ExecError.
template <typename Fn>
inline ExecError each_field(od::value& v, Fn&& fn) noexcept {
  od::object obj;
  PEREGRINE_BYBIT_EXEC_SJ(v.get_object().get(obj));
  for (auto item : obj) {
    od::field f;
    PEREGRINE_BYBIT_EXEC_SJ(std::move(item).get(f));
    PEREGRINE_BYBIT_EXEC_TRY(fn(f.key(), f.value()));
  }
  return ExecError::kOk;
}

// Iterates the elements of an array value: fn(value) -> ExecError.
template <typename Fn>
inline ExecError each_element(od::value& v, Fn&& fn) noexcept {
  od::array arr;
  PEREGRINE_BYBIT_EXEC_SJ(v.get_array().get(arr));
  for (auto item : arr) {
    od::value e;
    PEREGRINE_BYBIT_EXEC_SJ(std::move(item).get(e));
    PEREGRINE_BYBIT_EXEC_TRY(fn(e));
  }
  return ExecError::kOk;
}

inline ExecError get_str(od::value& v, std::string_view& out) noexcept {
  PEREGRINE_BYBIT_EXEC_SJ(v.get_string().get(out));
  return ExecError::kOk;
}

inline ExecError get_bool(od::value& v, bool& out) noexcept {
  PEREGRINE_BYBIT_EXEC_SJ(v.get_bool().get(out));
  return ExecError::kOk;
}

// Prices and quantities are exact; "" (Bybit's "not applicable") reads as zero.
template <typename Tag>
inline ExecError get_fixed(od::value& v, common::Fixed<Tag>& out) noexcept {
  std::string_view s;
  PEREGRINE_BYBIT_EXEC_SJ(v.get_string().get(s));
  if (s.empty()) {
    out = common::Fixed<Tag>{};
    return ExecError::kOk;
  }
  const auto r = common::Fixed<Tag>::parse(s);
  if (!r) return ExecError::kBadDecimal;
  out = *r;
  return ExecError::kOk;
}

// Money and ratios (PnL, balances, margin rates) may carry digits below 1e-8: truncated.
template <typename Tag>
inline ExecError get_fixed_trunc(od::value& v, common::Fixed<Tag>& out) noexcept {
  std::string_view s;
  PEREGRINE_BYBIT_EXEC_SJ(v.get_string().get(s));
  if (s.empty()) {
    out = common::Fixed<Tag>{};
    return ExecError::kOk;
  }
  const auto r = common::Fixed<Tag>::parse(s, common::ParseMode::kTruncate);
  if (!r) return ExecError::kBadDecimal;
  out = *r;
  return ExecError::kOk;
}

inline ExecError get_ms(od::value& v, std::uint64_t& ms, Nanos& ns) noexcept {
  PEREGRINE_BYBIT_EXEC_SJ(detail::get_u64_any(v, ms));
  if (ms > detail::kMaxMillis) return ExecError::kBadValue;
  ns = static_cast<Nanos>(ms) * 1'000'000;
  return ExecError::kOk;
}

inline ExecError get_side(od::value& v, common::Side& out) noexcept {
  std::string_view s;
  PEREGRINE_BYBIT_EXEC_SJ(v.get_string().get(s));
  if (s == "Buy") {
    out = common::Side::kBuy;
  } else if (s == "Sell") {
    out = common::Side::kSell;
  } else {
    return ExecError::kBadValue;
  }
  return ExecError::kOk;
}

inline ExecError get_small_uint(od::value& v, std::uint8_t& out) noexcept {
  std::uint64_t n = 0;
  PEREGRINE_BYBIT_EXEC_SJ(detail::get_u64_any(v, n));
  if (n > 255) return ExecError::kBadValue;
  out = static_cast<std::uint8_t>(n);
  return ExecError::kOk;
}

// orderId: UUID (derivatives) or decimal (spot); "" -> null.
inline ExecError get_order_id(od::value& v, common::VenueOrderId& out) noexcept {
  std::string_view s;
  PEREGRINE_BYBIT_EXEC_SJ(v.get_string().get(s));
  if (s.empty()) {
    out = common::VenueOrderId{};
    return ExecError::kOk;
  }
  const auto r = common::VenueOrderId::parse(s);
  if (!r) return ExecError::kBadValue;
  out = *r;
  return ExecError::kOk;
}

// orderLinkId: ours when it parses as "pg" + 32 hex; anything else (UI, other tools) is kept as
// text only.
inline ExecError get_link_id(od::value& v, std::string_view& text, common::ClientOrderId& cloid,
                             bool& has) noexcept {
  PEREGRINE_BYBIT_EXEC_SJ(v.get_string().get(text));
  const auto r = common::ClientOrderId::parse_binance(text);
  has = r.ok();
  cloid = r.ok() ? *r : common::ClientOrderId{};
  return ExecError::kOk;
}

inline ExecError mark(unsigned& seen, unsigned bit, ExecError e) noexcept {
  if (e == ExecError::kOk) seen |= bit;
  return e;
}

inline ExecError parse_ack(od::value& v, OrderAck& ack) noexcept {
  return each_field(v, [&](od::raw_json_string k, od::value& val) {
    if (k == "orderId") return get_order_id(val, ack.order_id);
    if (k == "orderLinkId") return get_link_id(val, ack.order_link_id, ack.cloid, ack.has_cloid);
    return ExecError::kOk;
  });
}

inline ExecError open_root(od::parser& parser, simdjson::padded_string_view in, od::document& doc,
                           od::object& root) noexcept {
  const std::string_view text(in.data(), in.size());
  std::size_t first = 0;
  while (first < text.size() && detail::is_space(text[first])) ++first;
  if (first == text.size()) return ExecError::kEmpty;
  if (text[first] != '{') return ExecError::kNotJson;
  PEREGRINE_BYBIT_EXEC_SJ(parser.iterate(in).get(doc));
  PEREGRINE_BYBIT_EXEC_SJ(doc.get_object().get(root));
  return ExecError::kOk;
}

}  // namespace peregrine::gateways::bybit::exec_json
