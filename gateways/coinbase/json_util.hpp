// Internal to gateways/coinbase: fixed-buffer JSON/query writer, simdjson helpers, RFC 3339 time.
// Any thread (stateless helpers); a FixedWriter belongs to its caller's thread.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "gateways/coinbase/codec_error.hpp"

namespace peregrine::gateways::coinbase::detail {

namespace od = simdjson::ondemand;

// Writes front to back into a caller-owned range; overflow sets a flag instead of throwing.
class FixedWriter {
 public:
  FixedWriter(char* out, std::size_t capacity) noexcept : out_(out), cap_(capacity) {}
  void put(char c) noexcept {
    if (size_ >= cap_) {
      overflow_ = true;
      return;
    }
    out_[size_++] = c;
  }
  void put(std::string_view s) noexcept {
    if (s.size() > cap_ - size_) {
      overflow_ = true;
      return;
    }
    if (!s.empty()) std::memcpy(out_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  template <typename Tag>
  void put_fixed(common::Fixed<Tag> v) noexcept {
    char buf[common::kDecimalMaxChars];
    put(std::string_view(buf, v.format(buf)));
  }
  void put_u64(std::uint64_t v) noexcept {
    char tmp[24];
    std::size_t n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) put(tmp[--n]);
  }
  // A JSON string whose bytes were validated as needing no escape (see is_plain_token).
  void put_quoted(std::string_view s) noexcept {
    put('"');
    put(s);
    put('"');
  }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  char* out_;
  std::size_t cap_;
  std::size_t size_ = 0;
  bool overflow_ = false;
};

// Product ids, order ids, enum names: letters, digits and -_.: only, so they need no JSON escape
// and no URL encoding. Anything else is refused by the builders rather than escaped.
[[nodiscard]] inline bool is_plain_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// RFC 3986 percent-encoding of a query value (cursors are opaque venue strings).
inline void put_query_value(FixedWriter& w, std::string_view s) noexcept {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      w.put(c);
    } else {
      w.put('%');
      w.put(kHex[u >> 4]);
      w.put(kHex[u & 0xf]);
    }
  }
}

// 64-bit FNV-1a: stable ids for venue strings that are not integers (trade ids, order ids).
[[nodiscard]] constexpr std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// Decimal digits only, no sign, fits uint64 ("1068572090" trade ids).
[[nodiscard]] inline bool parse_u64(std::string_view s, std::uint64_t* out) noexcept {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// "2026-08-09T21:05:48.228568804Z", "...48.170326Z", "...48Z", "+00:00"/"+0000" offsets, and a
// space instead of 'T'. With `lenient_tail`, text after the offset is ignored and " +0000 UTC"
// is accepted (the Go time.String() form of heartbeats' current_time). Fractions beyond 9
// digits are truncated. Years 1970..2261 (int64 nanoseconds).
[[nodiscard]] bool parse_time(std::string_view s, common::Nanos* out, bool lenient_tail) noexcept;

[[nodiscard]] constexpr CodecError from_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::INCORRECT_TYPE:
      return CodecError::kWrongType;
    case simdjson::NO_SUCH_FIELD:
      return CodecError::kMissingField;
    case simdjson::INSUFFICIENT_PADDING:
      return CodecError::kNoPadding;
    case simdjson::EMPTY:
      return CodecError::kEmpty;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return CodecError::kBadValue;
    case simdjson::CAPACITY:
      return CodecError::kTooLarge;
    default:
      return CodecError::kBadJson;
  }
}

// Early-return helpers: the codecs report the first problem of an input and stop.
#define PEREGRINE_CB_TRY(expr)                                         \
  do {                                                                 \
    if (const ::peregrine::gateways::coinbase::CodecError e_ = (expr); \
        e_ != ::peregrine::gateways::coinbase::CodecError::kOk)        \
      return e_;                                                       \
  } while (0)
#define PEREGRINE_CB_SJ(expr)                                              \
  do {                                                                     \
    if (const simdjson::error_code sj_ = (expr); sj_ != simdjson::SUCCESS) \
      return ::peregrine::gateways::coinbase::detail::from_simdjson(sj_);  \
  } while (0)

// A decimal string field. Exact by default; kTruncate for venue-computed values (averages,
// fees) that Coinbase renders with up to 16+ decimals.
template <typename Tag>
[[nodiscard]] CodecError get_fixed(od::value& v, common::Fixed<Tag>& out,
                                   common::ParseMode mode = common::ParseMode::kExact) noexcept {
  std::string_view s;
  PEREGRINE_CB_SJ(v.get_string().get(s));
  const auto r = common::Fixed<Tag>::parse(s, mode);
  if (!r) return CodecError::kBadDecimal;
  out = *r;
  return CodecError::kOk;
}

// Same, where the venue may send "" for "not applicable" (e.g. limit_price of a market order):
// "" leaves `out` at zero.
template <typename Tag>
[[nodiscard]] CodecError get_fixed_or_empty(
    od::value& v, common::Fixed<Tag>& out,
    common::ParseMode mode = common::ParseMode::kExact) noexcept {
  std::string_view s;
  PEREGRINE_CB_SJ(v.get_string().get(s));
  if (s.empty()) {
    out = common::Fixed<Tag>{};
    return CodecError::kOk;
  }
  const auto r = common::Fixed<Tag>::parse(s, mode);
  if (!r) return CodecError::kBadDecimal;
  out = *r;
  return CodecError::kOk;
}

[[nodiscard]] inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Leading whitespace skipped; kEmpty / kNotJson for inputs simdjson should never see.
[[nodiscard]] inline CodecError precheck(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  if (i == text.size()) return CodecError::kEmpty;
  return text[i] == '{' ? CodecError::kOk : CodecError::kNotJson;
}

}  // namespace peregrine::gateways::coinbase::detail
