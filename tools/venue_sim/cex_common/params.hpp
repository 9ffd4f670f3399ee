// Request-parameter helpers shared by the CEX protocols: form/query decoding, integer and decimal
// parsing with clear failures, constant-time hex comparison. Simulator thread only (stateless).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/decimal.hpp"

namespace peregrine::venue_sim::cex {

// Decoded "a=1&b=2" (application/x-www-form-urlencoded: '+' is a space, %XX decoded). A name
// that appears twice keeps its first value (Binance: the query string wins over the body, so the
// query is added first).
class Params {
 public:
  // False when a %XX escape is malformed (the pairs before it are kept).
  bool add_form(std::string_view text);
  void set(std::string name, std::string value);
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept;
  [[nodiscard]] bool has(std::string_view name) const noexcept { return get(name).has_value(); }
  [[nodiscard]] std::string_view get_or(std::string_view name,
                                        std::string_view fallback) const noexcept {
    const auto v = get(name);
    return v ? *v : fallback;
  }
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& items() const noexcept {
    return items_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Percent-decoding; nullopt on a malformed escape.
[[nodiscard]] std::optional<std::string> url_decode(std::string_view in, bool plus_is_space);

// Whole decimal integer (optional leading '-'), no junk, no overflow.
[[nodiscard]] std::optional<std::int64_t> parse_int(std::string_view s) noexcept;

// Exact decimal; nullopt when not a decimal or finer than 1e-8.
template <typename T>
[[nodiscard]] std::optional<T> parse_decimal(std::string_view s) noexcept {
  auto r = T::parse(s);
  if (!r) return std::nullopt;
  return *r;
}

// Compares without an early exit, case-insensitively for hex letters (Binance accepts either).
[[nodiscard]] bool hex_equal_ci(std::string_view a, std::string_view b) noexcept;

// Lowercase hex HMAC-SHA256 of the concatenated parts with `secret`.
[[nodiscard]] std::string hmac_hex(std::string_view secret,
                                   std::initializer_list<std::string_view> parts);

// "btcusdt" -> "BTCUSDT".
[[nodiscard]] std::string to_upper(std::string_view s);
[[nodiscard]] std::string to_lower(std::string_view s);

// ISO-8601 / RFC 3339 UTC with microseconds ("2026-11-21T18:06:48.123456Z") from epoch ns.
[[nodiscard]] std::string rfc3339(std::int64_t epoch_ns);

}  // namespace peregrine::venue_sim::cex
