#include "common/decimal.hpp"

#include <cstring>

namespace peregrine::common {

std::string_view to_string(DecimalError e) noexcept {
  switch (e) {
    case DecimalError::kOk:
      return "ok";
    case DecimalError::kEmpty:
      return "empty number";
    case DecimalError::kInvalidChar:
      return "invalid character in number";
    case DecimalError::kMultiplePoints:
      return "more than one decimal point";
    case DecimalError::kNoDigits:
      return "no digits";
    case DecimalError::kBadExponent:
      return "bad exponent";
    case DecimalError::kTooManyDecimals:
      return "more than 8 decimal places";
    case DecimalError::kOverflow:
      return "number out of range";
    case DecimalError::kDivideByZero:
      return "increment must be positive";
  }
  return "unknown decimal error";
}

namespace detail {
namespace {

constexpr unsigned __int128 kMaxMagnitude = static_cast<unsigned __int128>(INT64_MAX);

}  // namespace

// One pass over the characters: sign, integer digits, optional fraction, optional exponent.
// The value is sum(d_i * 10^p_i) in units of 1e-8, where p_i is each digit's power of ten
// after applying the exponent and the 8-place scale. Digits with p_i < 0 are below the
// resolution: they must be zero (kExact) or are dropped (kTruncate, toward zero).
Result<std::int64_t, DecimalError> parse_fixed(std::string_view s, ParseMode mode) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
  if (p == end) return Unexpected{DecimalError::kEmpty};

  bool negative = false;
  if (*p == '+' || *p == '-') {
    negative = *p == '-';
    ++p;
    if (p == end) return Unexpected{DecimalError::kEmpty};
  }

  const char* int_begin = p;
  while (p != end && *p >= '0' && *p <= '9') ++p;
  const char* int_end = p;
  const char* frac_begin = p;
  const char* frac_end = p;
  if (p != end && *p == '.') {
    ++p;
    frac_begin = p;
    while (p != end && *p >= '0' && *p <= '9') ++p;
    frac_end = p;
    if (p != end && *p == '.') return Unexpected{DecimalError::kMultiplePoints};
  }
  if (int_begin == int_end && frac_begin == frac_end) {
    if (p != end && *p != 'e' && *p != 'E' && *p != '.')
      return Unexpected{DecimalError::kInvalidChar};
    return Unexpected{DecimalError::kNoDigits};
  }

  int exponent = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '+' || *p == '-')) {
      exp_negative = *p == '-';
      ++p;
    }
    if (p == end) return Unexpected{DecimalError::kBadExponent};
    int digits = 0;
    while (p != end && *p >= '0' && *p <= '9') {
      if (++digits > 4) return Unexpected{DecimalError::kBadExponent};
      exponent = exponent * 10 + (*p - '0');
      ++p;
    }
    if (digits == 0) return Unexpected{DecimalError::kBadExponent};
    if (exp_negative) exponent = -exponent;
  }
  if (p != end) {
    if (*p == '.') return Unexpected{DecimalError::kMultiplePoints};
    return Unexpected{DecimalError::kInvalidChar};
  }

  // Power of ten (in raw 1e-8 units) of the first integer digit.
  const auto int_len = static_cast<int>(int_end - int_begin);
  int power = int_len - 1 + exponent + kDecimalPlaces;
  unsigned __int128 acc = 0;
  int last_power = 0;
  bool any_kept = false;
  auto digit_at = [&](int i) noexcept -> int {
    return i < int_len ? int_begin[i] - '0' : frac_begin[i - int_len] - '0';
  };
  const int total = int_len + static_cast<int>(frac_end - frac_begin);
  for (int i = 0; i < total; ++i, --power) {
    const int d = digit_at(i);
    if (power < 0) {
      if (d != 0 && mode == ParseMode::kExact) return Unexpected{DecimalError::kTooManyDecimals};
      continue;
    }
    if (!any_kept) {
      acc = static_cast<unsigned>(d);
      any_kept = true;
    } else {
      acc = acc * 10 + static_cast<unsigned>(d);
    }
    last_power = power;
    if (acc > kMaxMagnitude) return Unexpected{DecimalError::kOverflow};
  }
  // Scale up by the powers of ten the written digits did not reach (e.g. "1e5", "12").
  for (; any_kept && last_power > 0 && acc != 0; --last_power) {
    acc *= 10;
    if (acc > kMaxMagnitude) return Unexpected{DecimalError::kOverflow};
  }
  const auto magnitude = static_cast<std::int64_t>(acc);
  return negative ? -magnitude : magnitude;
}

std::size_t format_fixed(std::int64_t raw, char* out) noexcept {
  if (raw == 0) {
    out[0] = '0';
    return 1;
  }
  // Unsigned magnitude so INT64_MIN cannot overflow.
  std::uint64_t mag =
      raw < 0 ? ~static_cast<std::uint64_t>(raw) + 1 : static_cast<std::uint64_t>(raw);
  std::uint64_t int_part = mag / static_cast<std::uint64_t>(kDecimalScale);
  std::uint64_t frac = mag % static_cast<std::uint64_t>(kDecimalScale);

  char buf[kDecimalMaxChars];
  char* w = buf + sizeof(buf);  // write backwards
  if (frac != 0) {
    int places = kDecimalPlaces;
    while (frac % 10 == 0) {  // drop trailing zeros
      frac /= 10;
      --places;
    }
    for (int i = 0; i < places; ++i) {
      *--w = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    *--w = '.';
  }
  do {
    *--w = static_cast<char>('0' + int_part % 10);
    int_part /= 10;
  } while (int_part != 0);
  if (raw < 0) *--w = '-';
  const auto len = static_cast<std::size_t>(buf + sizeof(buf) - w);
  std::memcpy(out, w, len);
  return len;
}

Result<std::int64_t, DecimalError> round_fixed(std::int64_t raw, std::int64_t increment,
                                               RoundMode mode) noexcept {
  if (increment <= 0) return Unexpected{DecimalError::kDivideByZero};
  std::int64_t q = raw / increment;  // truncates toward zero
  const std::int64_t r = raw % increment;
  if (r != 0) {
    switch (mode) {
      case RoundMode::kDown:
        if (r < 0) --q;
        break;
      case RoundMode::kUp:
        if (r > 0) ++q;
        break;
      case RoundMode::kTowardZero:
        break;
      case RoundMode::kNearestEven: {
        // Compare 2|r| with the increment without overflow: |r| < increment <= INT64_MAX.
        const auto abs_r = static_cast<std::uint64_t>(r < 0 ? -r : r);
        const auto half_cmp = abs_r * 2;  // < 2^64
        const auto inc = static_cast<std::uint64_t>(increment);
        const bool away = half_cmp > inc || (half_cmp == inc && (q % 2 != 0));
        if (away) q += r < 0 ? -1 : 1;
        break;
      }
    }
  }
  std::int64_t out = 0;
  if (__builtin_mul_overflow(q, increment, &out) || out == INT64_MIN) {
    return Unexpected{DecimalError::kOverflow};
  }
  return out;
}

}  // namespace detail

Result<Money, DecimalError> notional(Price p, Qty q, RoundMode mode) noexcept {
  const __int128 n = notional_raw(p, q);  // units of 1e-16
  const __int128 scale = kDecimalScale;
  __int128 quot = n / scale;
  const __int128 rem = n % scale;
  if (rem != 0) {
    switch (mode) {
      case RoundMode::kDown:
        if (rem < 0) --quot;
        break;
      case RoundMode::kUp:
        if (rem > 0) ++quot;
        break;
      case RoundMode::kTowardZero:
        break;
      case RoundMode::kNearestEven: {
        const __int128 twice = (rem < 0 ? -rem : rem) * 2;
        if (twice > scale || (twice == scale && (quot % 2 != 0))) quot += rem < 0 ? -1 : 1;
        break;
      }
    }
  }
  if (quot > INT64_MAX || quot <= INT64_MIN) return Unexpected{DecimalError::kOverflow};
  return Money::from_raw(static_cast<std::int64_t>(quot));
}

}  // namespace peregrine::common
