#include "common/decimal.hpp"

#include <cstring>

#if (defined(__SSSE3__) && defined(__SSE4_1__)) || defined(__AVX2__)
#include <immintrin.h>
#endif

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
Result<std::int64_t, DecimalError> parse_fixed_generic(std::string_view s,
                                                       ParseMode mode) noexcept {
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

namespace {

constexpr std::uint64_t kAsciiZeros = 0x3030303030303030ULL;

[[nodiscard]] inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// True if all 8 bytes of a little-endian word are ASCII digits '0'..'9'.
[[nodiscard]] inline bool all_digits8(std::uint64_t v) noexcept {
  // High nibble must be 3, and adding 6 must not carry a digit above '9' out of that nibble.
  return ((v & 0xF0F0F0F0F0F0F0F0ULL) |
          (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) == 0x3333333333333333ULL;
}

// 8 ASCII digits (first character in the lowest byte, i.e. most significant) to their value.
[[nodiscard]] inline std::uint32_t digits8_value(std::uint64_t v) noexcept {
  v -= kAsciiZeros;
  v = v * 10 + (v >> 8);  // byte pairs: 2-digit values in every other byte
  // Combine the four 2-digit values: (d0d1 * 10^6 + d2d3 * 10^4) + (d4d5 * 10^2 + d6d7).
  const std::uint64_t lo = v & 0x000000FF000000FFULL;
  const std::uint64_t hi = (v >> 16) & 0x000000FF000000FFULL;
  return static_cast<std::uint32_t>(
      (lo * (100 + (1'000'000ULL << 32)) + hi * (1 + (10'000ULL << 32))) >> 32);
}

constexpr std::int64_t kPow10[9] = {1,       10,        100,        1'000,      10'000,
                                    100'000, 1'000'000, 10'000'000, 100'000'000};

}  // namespace

// The venues' plain form. Returns false (caller falls back to parse_fixed_generic) for anything
// else; when it returns true, `out` is exactly what parse_fixed_generic returns: at most 10
// integer digits and 8 fraction digits cannot overflow (< 10^18 < 2^63) or lose precision.
[[nodiscard]] static inline bool parse_plain(std::string_view s, std::int64_t& out) noexcept {
  const char* const begin = s.data();
  const char* const end = begin + s.size();
  const char* p = begin;
  if (p == end) return false;
  const bool negative = *p == '-';
  if (negative || *p == '+') ++p;
  const char* const int_begin = p;
  std::uint64_t int_part = 0;
  while (p != end && static_cast<unsigned char>(*p - '0') <= 9) {
    int_part = int_part * 10 + static_cast<unsigned char>(*p - '0');
    ++p;
  }
  const auto int_len = p - int_begin;
  if (int_len > 10) return false;
  std::uint64_t frac = 0;  // in units of 1e-8
  if (p != end) {
    if (*p != '.') return false;
    ++p;
    const auto frac_len = end - p;
    if (frac_len > 8 || (frac_len == 0 && int_len == 0)) return false;
    if (frac_len > 0) {
      if (s.size() >= 8) {
        // The fraction is the tail of the string: load the 8 bytes that end there, move the
        // fraction digits to the low bytes and pad with '0' on the right (scales to 1e-8).
        std::uint64_t w = load8(end - 8) >> (8 * (8 - frac_len));
        if (frac_len < 8) w |= kAsciiZeros << (8 * frac_len);
        if (!all_digits8(w)) return false;
        frac = digits8_value(w);
      } else {
        for (const char* q = p; q != end; ++q) {
          const auto d = static_cast<unsigned char>(*q - '0');
          if (d > 9) return false;
          frac = frac * 10 + d;
        }
        frac *= static_cast<std::uint64_t>(kPow10[8 - frac_len]);
      }
    }
  } else if (int_len == 0) {
    return false;
  }
  const auto magnitude =
      static_cast<std::int64_t>(int_part * static_cast<std::uint64_t>(kDecimalScale) + frac);
  out = negative ? -magnitude : magnitude;
  return true;
}

Result<std::int64_t, DecimalError> parse_fixed(std::string_view s, ParseMode mode) noexcept {
  std::int64_t v = 0;
  if (parse_plain(s, v)) [[likely]] {
    return v;
  }
  return parse_fixed_generic(s, mode);
}

#if defined(__SSSE3__) && defined(__SSE4_1__)
// The plain form with at most 8 integer and 8 fraction digits, 16 bytes at a time: one load,
// digit and dot masks, a shuffle that drops the dot and aligns the digits as 8 integer + 8
// fraction places (zeros elsewhere), and the usual multiply-add ladder 2 -> 4 -> 8 digits.
// Returns false for anything else (the caller falls back). Reads 16 bytes from p.
[[nodiscard]] static inline bool parse_plain16(const char* p, std::size_t n,
                                               std::int64_t& out) noexcept {
  if (n == 0 || n > 16) return false;
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i d = _mm_sub_epi8(raw, _mm_set1_epi8('0'));
  const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
  const __m128i is_dot = _mm_cmpeq_epi8(raw, _mm_set1_epi8('.'));
  const unsigned range = (1u << n) - 1;  // n <= 16
  const unsigned digits = static_cast<unsigned>(_mm_movemask_epi8(is_digit)) & range;
  const unsigned dots = static_cast<unsigned>(_mm_movemask_epi8(is_dot)) & range;
  if ((digits | dots) != range || (dots & (dots - 1)) != 0) return false;
  const int int_len = dots != 0 ? __builtin_ctz(dots) : static_cast<int>(n);
  const int frac_len = dots != 0 ? static_cast<int>(n) - int_len - 1 : 0;
  if (int_len > 8 || frac_len > 8 || int_len + frac_len == 0) return false;
  // Byte k of the aligned digits: integer digit for k < 8 (right-aligned), fraction digit for
  // k >= 8 (left-aligned); source index k - 8 + int_len, plus one past the dot; 0x80 = zero.
  const __m128i after_dot = _mm_cmpgt_epi8(iota, _mm_set1_epi8(7));  // -1 for k >= 8
  __m128i ctl =
      _mm_sub_epi8(_mm_add_epi8(iota, _mm_set1_epi8(static_cast<char>(int_len - 8))), after_dot);
  const __m128i unused =
      _mm_or_si128(_mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(8 - int_len)), iota),
                   _mm_cmpgt_epi8(iota, _mm_set1_epi8(static_cast<char>(7 + frac_len))));
  ctl = _mm_or_si128(ctl, unused);
  const __m128i aligned = _mm_shuffle_epi8(d, ctl);
  const __m128i two = _mm_maddubs_epi16(
      aligned, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
  const __m128i four = _mm_madd_epi16(two, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
  const __m128i packed = _mm_packus_epi32(four, four);
  const __m128i eight =
      _mm_madd_epi16(packed, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
  const auto int_part = static_cast<std::uint32_t>(_mm_cvtsi128_si32(eight));
  const auto frac = static_cast<std::uint32_t>(_mm_extract_epi32(eight, 1));
  out = static_cast<std::int64_t>(int_part) * kDecimalScale + static_cast<std::int64_t>(frac);
  return true;
}

Result<std::int64_t, DecimalError> parse_fixed_padded(std::string_view s, ParseMode mode) noexcept {
  const char* p = s.data();
  std::size_t n = s.size();
  bool negative = false;
  if (n != 0 && (*p == '-' || *p == '+')) {  // at most 17 bytes used of kDecimalReadAhead
    negative = *p == '-';
    ++p;
    --n;
  }
  std::int64_t v = 0;
  if (parse_plain16(p, n, v)) [[likely]] {
    return negative ? -v : v;
  }
  return parse_fixed(s, mode);
}
#else
Result<std::int64_t, DecimalError> parse_fixed_padded(std::string_view s, ParseMode mode) noexcept {
  return parse_fixed(s, mode);
}
#endif

#if defined(__AVX2__)
// parse_plain16 for two strings at once, one per 128-bit lane: every step of the ladder is
// in-lane, so the pair costs about what one number does.
bool parse_plain_pair_padded(std::string_view a, std::string_view b, std::int64_t& va,
                             std::int64_t& vb) noexcept {
  const std::size_t na = a.size();
  const std::size_t nb = b.size();
  if (na - 1 > 15 || nb - 1 > 15) return false;  // each 1..16 bytes (unsigned wrap for 0)
  const __m256i raw = _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a.data()))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.data())), 1);
  const __m256i iota = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1,
                                        2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m256i d = _mm256_sub_epi8(raw, _mm256_set1_epi8('0'));
  const __m256i is_digit = _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d);
  const __m256i is_dot = _mm256_cmpeq_epi8(raw, _mm256_set1_epi8('.'));
  const std::uint32_t range = ((1u << na) - 1) | (((1u << nb) - 1) << 16);
  const std::uint32_t digits = static_cast<std::uint32_t>(_mm256_movemask_epi8(is_digit)) & range;
  const std::uint32_t dots = static_cast<std::uint32_t>(_mm256_movemask_epi8(is_dot)) & range;
  if ((digits | dots) != range) return false;
  const std::uint32_t dots_a = dots & 0xFFFFu;
  const std::uint32_t dots_b = dots >> 16;
  if ((dots_a & (dots_a - 1)) != 0 || (dots_b & (dots_b - 1)) != 0) return false;
  const int int_a = dots_a != 0 ? __builtin_ctz(dots_a) : static_cast<int>(na);
  const int frac_a = dots_a != 0 ? static_cast<int>(na) - int_a - 1 : 0;
  const int int_b = dots_b != 0 ? __builtin_ctz(dots_b) : static_cast<int>(nb);
  const int frac_b = dots_b != 0 ? static_cast<int>(nb) - int_b - 1 : 0;
  if (int_a > 8 || frac_a > 8 || int_a + frac_a == 0 || int_b > 8 || frac_b > 8 ||
      int_b + frac_b == 0) {
    return false;
  }
  auto per_lane = [](int x, int y) noexcept {
    return _mm256_setr_m128i(_mm_set1_epi8(static_cast<char>(x)),
                             _mm_set1_epi8(static_cast<char>(y)));
  };
  const __m256i after_dot = _mm256_cmpgt_epi8(iota, _mm256_set1_epi8(7));
  __m256i ctl = _mm256_sub_epi8(_mm256_add_epi8(iota, per_lane(int_a - 8, int_b - 8)), after_dot);
  const __m256i unused = _mm256_or_si256(_mm256_cmpgt_epi8(per_lane(8 - int_a, 8 - int_b), iota),
                                         _mm256_cmpgt_epi8(iota, per_lane(7 + frac_a, 7 + frac_b)));
  ctl = _mm256_or_si256(ctl, unused);
  const __m256i aligned = _mm256_shuffle_epi8(d, ctl);
  const __m256i two = _mm256_maddubs_epi16(aligned, _mm256_set1_epi16(0x010A));  // bytes 10, 1
  const __m256i four = _mm256_madd_epi16(two, _mm256_set1_epi32(0x00010064));    // 100, 1
  const __m256i packed = _mm256_packus_epi32(four, four);
  const __m256i eight = _mm256_madd_epi16(packed, _mm256_set1_epi32(0x00012710));  // 10000, 1
  const auto a_int = static_cast<std::uint32_t>(_mm256_extract_epi32(eight, 0));
  const auto a_frac = static_cast<std::uint32_t>(_mm256_extract_epi32(eight, 1));
  const auto b_int = static_cast<std::uint32_t>(_mm256_extract_epi32(eight, 4));
  const auto b_frac = static_cast<std::uint32_t>(_mm256_extract_epi32(eight, 5));
  va = static_cast<std::int64_t>(a_int) * kDecimalScale + static_cast<std::int64_t>(a_frac);
  vb = static_cast<std::int64_t>(b_int) * kDecimalScale + static_cast<std::int64_t>(b_frac);
  return true;
}
#else
bool parse_plain_pair_padded(std::string_view, std::string_view, std::int64_t&,
                             std::int64_t&) noexcept {
  return false;
}
#endif

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
