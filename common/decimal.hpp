// Price and Qty: exact fixed-point decimals, int64 at 1e-8 (the finest step any venue uses).
// Any thread; all functions are noexcept and allocation-free except to_string().
//
// Why it is fast and exact: values are plain int64 mantissas. Parsing walks the digits once
// and never goes through double; formatting writes digits backwards into a stack buffer;
// price x qty widens to __int128 so a notional can never overflow silently.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace peregrine::common {

inline constexpr int kDecimalPlaces = 8;
inline constexpr std::int64_t kDecimalScale = 100'000'000;
// Longest rendering: "-92233720368.54775807" (21 chars). Buffers of this size always suffice.
inline constexpr std::size_t kDecimalMaxChars = 24;

enum class DecimalError : std::uint8_t {
  kOk = 0,
  kEmpty,            // "" or only a sign
  kInvalidChar,      // anything that is not a digit, sign, '.', or exponent
  kMultiplePoints,   // "1.2.3"
  kNoDigits,         // "." or "+.e5"
  kBadExponent,      // "1e", "1e+", exponent out of range
  kTooManyDecimals,  // finer than 1e-8 with ParseMode::kExact
  kOverflow,         // magnitude above int64 at 1e-8 (about 9.2e10), or arithmetic overflow
  kDivideByZero,     // rounding to a zero or negative increment
};

[[nodiscard]] std::string_view to_string(DecimalError e) noexcept;

// Bytes that parse_padded() may read from the start of its input, past its end: e.g. a token
// inside a simdjson padded buffer (SIMDJSON_PADDING = 64) is always safe.
inline constexpr std::size_t kDecimalReadAhead = 32;

// What to do with digits finer than 1e-8 when parsing.
enum class ParseMode : std::uint8_t { kExact, kTruncate };

// Rounding to an increment (tick or lot). kDown/kUp are toward -inf/+inf.
enum class RoundMode : std::uint8_t { kDown, kUp, kTowardZero, kNearestEven };

namespace detail {
// Shared implementation for every fixed-point type; the tagged wrappers below add type safety.
// A fast path takes the venues' plain form ([sign] up to 10 integer digits ['.' up to 8
// fraction digits], nothing else) with 8-digits-at-a-time (SWAR) conversion; everything else
// (exponents, long fractions, leading zeros past 10 digits, every error) goes to
// parse_fixed_generic, so results and errors are identical by construction (and checked
// against parse_fixed_generic by a randomized differential test).
[[nodiscard]] Result<std::int64_t, DecimalError> parse_fixed(std::string_view s,
                                                             ParseMode mode) noexcept;
// The general one-pass parser (any form, every error); also the reference for parse_fixed.
[[nodiscard]] Result<std::int64_t, DecimalError> parse_fixed_generic(std::string_view s,
                                                                     ParseMode mode) noexcept;
// parse_fixed for a string inside a larger readable buffer: reads kDecimalReadAhead bytes from
// s.data() whatever s.size() is (those past the end never affect the result), which lets the
// plain form be validated and converted 16 bytes at a time (SSE4.1). Same results and errors.
[[nodiscard]] Result<std::int64_t, DecimalError> parse_fixed_padded(std::string_view s,
                                                                    ParseMode mode) noexcept;
// Two unsigned plain decimals (each at most 8 integer and 8 fraction digits, no sign) in one
// 32-byte pass (AVX2), both under parse_fixed_padded's read-ahead rule: true with both values
// when both are in that form, false otherwise (then nothing is written: parse each one).
[[nodiscard]] bool parse_plain_pair_padded(std::string_view a, std::string_view b, std::int64_t& va,
                                           std::int64_t& vb) noexcept;
// Writes the shortest exact rendering (no exponent, no trailing zeros, never "-0").
// Returns the length written; `out` must hold kDecimalMaxChars.
std::size_t format_fixed(std::int64_t raw, char* out) noexcept;
[[nodiscard]] Result<std::int64_t, DecimalError> round_fixed(std::int64_t raw,
                                                             std::int64_t increment,
                                                             RoundMode mode) noexcept;
}  // namespace detail

template <typename Tag>
class Fixed {
 public:
  constexpr Fixed() noexcept = default;

  [[nodiscard]] static constexpr Fixed from_raw(std::int64_t raw) noexcept { return Fixed(raw); }
  // Whole units, e.g. Price::from_units(61800) == 61800.00000000.
  [[nodiscard]] static constexpr Result<Fixed, DecimalError> from_units(
      std::int64_t units) noexcept {
    std::int64_t raw = 0;
    if (__builtin_mul_overflow(units, kDecimalScale, &raw))
      return Unexpected{DecimalError::kOverflow};
    return Fixed(raw);
  }
  [[nodiscard]] static Result<Fixed, DecimalError> parse(
      std::string_view s, ParseMode mode = ParseMode::kExact) noexcept {
    auto r = detail::parse_fixed(s, mode);
    if (!r) return Unexpected{r.error()};
    return Fixed(*r);
  }
  // parse() for a string inside a larger buffer: s.data()[0, kDecimalReadAhead) must be
  // readable even when s is shorter (a token of a simdjson-padded frame). Faster, same results.
  [[nodiscard]] static Result<Fixed, DecimalError> parse_padded(
      std::string_view s, ParseMode mode = ParseMode::kExact) noexcept {
    auto r = detail::parse_fixed_padded(s, mode);
    if (!r) return Unexpected{r.error()};
    return Fixed(*r);
  }
  // Strategies may compute in double; coming back always rounds explicitly onto a grid.
  [[nodiscard]] static Result<Fixed, DecimalError> from_double(double v, Fixed increment,
                                                               RoundMode mode) noexcept {
    const double scaled = v * static_cast<double>(kDecimalScale);
    if (!(scaled > -9.2e18 && scaled < 9.2e18)) return Unexpected{DecimalError::kOverflow};
    // Snap to the nearest raw unit first (double noise), then onto the grid with `mode`.
    const auto raw = static_cast<std::int64_t>(scaled + (scaled >= 0 ? 0.5 : -0.5));
    return Fixed(raw).round_to(increment, mode);
  }

  [[nodiscard]] constexpr std::int64_t raw() const noexcept { return raw_; }
  [[nodiscard]] constexpr double to_double() const noexcept {
    return static_cast<double>(raw_) / static_cast<double>(kDecimalScale);
  }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return raw_ == 0; }
  [[nodiscard]] constexpr bool is_negative() const noexcept { return raw_ < 0; }
  [[nodiscard]] constexpr bool is_positive() const noexcept { return raw_ > 0; }

  std::size_t format(char* out) const noexcept { return detail::format_fixed(raw_, out); }
  [[nodiscard]] std::string to_string() const {
    char buf[kDecimalMaxChars];
    return std::string(buf, format(buf));
  }

  [[nodiscard]] constexpr Result<Fixed, DecimalError> checked_add(Fixed o) const noexcept {
    std::int64_t r = 0;
    if (__builtin_add_overflow(raw_, o.raw_, &r) || r == kMin) {
      return Unexpected{DecimalError::kOverflow};
    }
    return Fixed(r);
  }
  [[nodiscard]] constexpr Result<Fixed, DecimalError> checked_sub(Fixed o) const noexcept {
    std::int64_t r = 0;
    if (__builtin_sub_overflow(raw_, o.raw_, &r) || r == kMin) {
      return Unexpected{DecimalError::kOverflow};
    }
    return Fixed(r);
  }
  // Scale by a plain integer count (e.g. 3 lots).
  [[nodiscard]] constexpr Result<Fixed, DecimalError> checked_mul(std::int64_t k) const noexcept {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(raw_, k, &r) || r == kMin)
      return Unexpected{DecimalError::kOverflow};
    return Fixed(r);
  }

  [[nodiscard]] Result<Fixed, DecimalError> round_to(Fixed increment,
                                                     RoundMode mode) const noexcept {
    auto r = detail::round_fixed(raw_, increment.raw_, mode);
    if (!r) return Unexpected{r.error()};
    return Fixed(*r);
  }
  [[nodiscard]] constexpr bool on_grid(Fixed increment) const noexcept {
    return increment.raw_ > 0 && raw_ % increment.raw_ == 0;
  }

  // Unchecked arithmetic for values already known to be in range (books, positions);
  // asserted in debug builds.
  constexpr Fixed operator+(Fixed o) const noexcept {
    std::int64_t r = 0;
    const bool overflow = __builtin_add_overflow(raw_, o.raw_, &r);
    PEREGRINE_ASSERT(!overflow);
    static_cast<void>(overflow);
    return Fixed(r);
  }
  constexpr Fixed operator-(Fixed o) const noexcept {
    std::int64_t r = 0;
    const bool overflow = __builtin_sub_overflow(raw_, o.raw_, &r);
    PEREGRINE_ASSERT(!overflow);
    static_cast<void>(overflow);
    return Fixed(r);
  }
  constexpr Fixed operator-() const noexcept {
    PEREGRINE_ASSERT(raw_ != kMin);
    return Fixed(-raw_);
  }
  constexpr Fixed& operator+=(Fixed o) noexcept { return *this = *this + o; }
  constexpr Fixed& operator-=(Fixed o) noexcept { return *this = *this - o; }
  [[nodiscard]] constexpr Fixed abs() const noexcept { return raw_ < 0 ? -*this : *this; }

  constexpr auto operator<=>(const Fixed&) const noexcept = default;

  static constexpr Fixed zero() noexcept { return Fixed(0); }
  static constexpr Fixed max() noexcept { return Fixed(std::numeric_limits<std::int64_t>::max()); }

 private:
  static constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr explicit Fixed(std::int64_t raw) noexcept : raw_(raw) {}
  std::int64_t raw_ = 0;
};

struct PriceTag {};
struct QtyTag {};
using Price = Fixed<PriceTag>;
using Qty = Fixed<QtyTag>;
// Quote-currency amounts (notional, PnL, fees, balances), same 1e-8 scale.
struct MoneyTag {};
using Money = Fixed<MoneyTag>;

static_assert(sizeof(Price) == 8 && std::is_trivially_copyable_v<Price>);

// price x qty in raw units of 1e-16; never overflows (|p|,|q| < 2^63).
[[nodiscard]] constexpr __int128 notional_raw(Price p, Qty q) noexcept {
  return static_cast<__int128>(p.raw()) * static_cast<__int128>(q.raw());
}

// price x qty as Money, rounded with `mode`; overflow reported.
[[nodiscard]] Result<Money, DecimalError> notional(
    Price p, Qty q, RoundMode mode = RoundMode::kNearestEven) noexcept;

}  // namespace peregrine::common
