#include "gateways/coinbase/json_util.hpp"

namespace peregrine::gateways::coinbase {

std::string_view to_string(CodecError e) noexcept {
  switch (e) {
    case CodecError::kOk:
      return "ok";
    case CodecError::kEmpty:
      return "empty input";
    case CodecError::kNotJson:
      return "not a JSON object";
    case CodecError::kNoPadding:
      return "input buffer lacks SIMDJSON_PADDING";
    case CodecError::kTooLarge:
      return "input too large";
    case CodecError::kBadJson:
      return "malformed JSON";
    case CodecError::kWrongType:
      return "field has the wrong JSON type";
    case CodecError::kMissingField:
      return "required field missing";
    case CodecError::kBadDecimal:
      return "bad decimal string";
    case CodecError::kBadValue:
      return "value out of range";
    case CodecError::kUnknownChannel:
      return "unknown channel";
    case CodecError::kCapacity:
      return "input exceeds output capacity";
  }
  return "unknown codec error";
}

namespace detail {
namespace {

constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

constexpr bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// Reads exactly n digits at s[pos]; advances pos.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, unsigned* out) noexcept {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  *out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) noexcept {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

bool parse_time(std::string_view s, common::Nanos* out, bool lenient_tail) noexcept {
  std::size_t p = 0;
  unsigned year = 0, mon = 0, day = 0, hh = 0, mm = 0, ss = 0;
  if (!digits(s, p, 4, &year) || !expect(s, p, '-') || !digits(s, p, 2, &mon) ||
      !expect(s, p, '-') || !digits(s, p, 2, &day)) {
    return false;
  }
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return false;
  ++p;
  if (!digits(s, p, 2, &hh) || !expect(s, p, ':') || !digits(s, p, 2, &mm) || !expect(s, p, ':') ||
      !digits(s, p, 2, &ss)) {
    return false;
  }
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || year > 2261 || mon < 1 || mon > 12 || day < 1) return false;
  const unsigned mdays = kDays[mon - 1] + (mon == 2 && is_leap(year) ? 1u : 0u);
  if (day > mdays || hh > 23 || mm > 59 || ss > 60) return false;
  if (ss == 60) ss = 59;  // a leap second lands on the last representable second

  std::int64_t frac_ns = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    std::size_t n = 0;
    std::int64_t scale = 100'000'000;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (n < 9) {
        frac_ns += static_cast<std::int64_t>(s[p] - '0') * scale;
        scale /= 10;
      }
      ++n;
      ++p;
    }
    if (n == 0) return false;
  }

  std::int64_t offset_s = 0;
  if (lenient_tail && p < s.size() && s[p] == ' ') ++p;  // "... +0000 UTC m=+..."
  if (p >= s.size()) return false;
  if (s[p] == 'Z' || s[p] == 'z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    const bool neg = s[p] == '-';
    ++p;
    unsigned oh = 0, om = 0;
    if (!digits(s, p, 2, &oh)) return false;
    if (p < s.size() && s[p] == ':') ++p;
    if (!digits(s, p, 2, &om) || oh > 23 || om > 59) return false;
    offset_s = (static_cast<std::int64_t>(oh) * 3600 + static_cast<std::int64_t>(om) * 60) *
               (neg ? -1 : 1);
  } else {
    return false;
  }
  if (p != s.size() && !lenient_tail) return false;

  const std::int64_t days = days_from_civil(year, mon, day);
  const std::int64_t secs = days * 86400 + static_cast<std::int64_t>(hh) * 3600 +
                            static_cast<std::int64_t>(mm) * 60 + static_cast<std::int64_t>(ss) -
                            offset_s;
  if (secs < 0 || secs > 9'223'372'035) return false;
  *out = secs * 1'000'000'000 + frac_ns;
  return true;
}

}  // namespace detail
}  // namespace peregrine::gateways::coinbase
