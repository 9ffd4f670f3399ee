#include "common/decimal.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace peregrine::common {
namespace {

std::int64_t raw_of(std::string_view s, ParseMode m = ParseMode::kExact) {
  auto r = Price::parse(s, m);
  EXPECT_TRUE(r.ok()) << s;
  return r ? r->raw() : 0;
}

DecimalError error_of(std::string_view s, ParseMode m = ParseMode::kExact) {
  auto r = Price::parse(s, m);
  EXPECT_FALSE(r.ok()) << s << " parsed as " << (r ? r->raw() : 0);
  return r ? DecimalError::kOk : r.error();
}

TEST(Decimal, ParsesVenueForms) {
  EXPECT_EQ(raw_of("61800.20"), 6'180'020'000'000);
  EXPECT_EQ(raw_of("0.00100000"), 100'000);
  EXPECT_EQ(raw_of("1e-05"), 1'000);
  EXPECT_EQ(raw_of("1E-5"), 1'000);
  EXPECT_EQ(raw_of("2.5e3"), 250'000'000'000);
  EXPECT_EQ(raw_of("+12"), 1'200'000'000);
  EXPECT_EQ(raw_of("-0.5"), -50'000'000);
  EXPECT_EQ(raw_of(".5"), 50'000'000);
  EXPECT_EQ(raw_of("5."), 500'000'000);
  EXPECT_EQ(raw_of("0.00000001"), 1);
  EXPECT_EQ(raw_of("-0"), 0);
  EXPECT_EQ(raw_of("000123.4500"), 12'345'000'000);
  EXPECT_EQ(raw_of("0.100000000000000"), 10'000'000);  // trailing zeros past 1e-8 are exact
  EXPECT_EQ(raw_of("0e500"), 0);
  EXPECT_EQ(raw_of("92233720368.54775807"), INT64_MAX);
  EXPECT_EQ(raw_of("-92233720368.54775807"), -INT64_MAX);
}

TEST(Decimal, RejectsGarbage) {
  EXPECT_EQ(error_of(""), DecimalError::kEmpty);
  EXPECT_EQ(error_of("-"), DecimalError::kEmpty);
  EXPECT_EQ(error_of("1.2.3"), DecimalError::kMultiplePoints);
  EXPECT_EQ(error_of("nan"), DecimalError::kInvalidChar);
  EXPECT_EQ(error_of("inf"), DecimalError::kInvalidChar);
  EXPECT_EQ(error_of("."), DecimalError::kNoDigits);
  EXPECT_EQ(error_of("1e"), DecimalError::kBadExponent);
  EXPECT_EQ(error_of("1e+"), DecimalError::kBadExponent);
  EXPECT_EQ(error_of("1e99999"), DecimalError::kBadExponent);
  EXPECT_EQ(error_of("1,5"), DecimalError::kInvalidChar);
  EXPECT_EQ(error_of(" 1"), DecimalError::kInvalidChar);
  EXPECT_EQ(error_of("1 "), DecimalError::kInvalidChar);
  EXPECT_EQ(error_of("--1"), DecimalError::kInvalidChar);
  EXPECT_EQ(error_of("0x10"), DecimalError::kInvalidChar);
  EXPECT_EQ(error_of("9999999999999999999"), DecimalError::kOverflow);   // 19 digits
  EXPECT_EQ(error_of("92233720368.54775808"), DecimalError::kOverflow);  // INT64_MAX + 1 raw
  EXPECT_EQ(error_of("1e300"), DecimalError::kOverflow);
  EXPECT_EQ(error_of("0.000000001"), DecimalError::kTooManyDecimals);
  EXPECT_EQ(error_of("1e-9"), DecimalError::kTooManyDecimals);
}

TEST(Decimal, TruncatesOnlyWhenAsked) {
  EXPECT_EQ(raw_of("0.123456789", ParseMode::kTruncate), 12'345'678);
  EXPECT_EQ(raw_of("-0.123456789", ParseMode::kTruncate), -12'345'678);
  EXPECT_EQ(error_of("0.123456789"), DecimalError::kTooManyDecimals);
}

TEST(Decimal, FormatsShortestExact) {
  EXPECT_EQ(Price::from_raw(6'180'020'000'000).to_string(), "61800.2");
  EXPECT_EQ(Price::from_raw(100'000).to_string(), "0.001");
  EXPECT_EQ(Price::from_raw(1).to_string(), "0.00000001");
  EXPECT_EQ(Price::from_raw(-1).to_string(), "-0.00000001");
  EXPECT_EQ(Price::from_raw(0).to_string(), "0");
  EXPECT_EQ(Price::from_raw(100'000'000'000).to_string(), "1000");
  EXPECT_EQ(Price::from_raw(INT64_MAX).to_string(), "92233720368.54775807");
  EXPECT_EQ(Price::from_raw(INT64_MIN).to_string(), "-92233720368.54775808");
  EXPECT_EQ(Price::parse("-0.0000").value().to_string(), "0");  // never "-0"
}

TEST(Decimal, RoundTripsRandomValues) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200'000; ++i) {
    const auto raw = static_cast<std::int64_t>(rng() >> (rng() % 64)) * ((rng() & 1) ? 1 : -1);
    if (raw == INT64_MIN) continue;
    const auto p = Price::from_raw(raw);
    auto back = Price::parse(p.to_string());
    ASSERT_TRUE(back.ok()) << p.to_string();
    ASSERT_EQ(back->raw(), raw) << p.to_string();
  }
}

TEST(Decimal, CheckedArithmeticReportsOverflow) {
  const auto big = Price::max();
  EXPECT_FALSE(big.checked_add(Price::from_raw(1)).ok());
  EXPECT_EQ(big.checked_add(Price::from_raw(1)).error(), DecimalError::kOverflow);
  EXPECT_FALSE((-big).checked_sub(Price::from_raw(2)).ok());
  EXPECT_FALSE(big.checked_mul(2).ok());
  EXPECT_EQ(Price::from_raw(5).checked_add(Price::from_raw(7)).value().raw(), 12);
  EXPECT_EQ(Price::from_raw(5).checked_sub(Price::from_raw(7)).value().raw(), -2);
  EXPECT_EQ(Qty::from_raw(3).checked_mul(-4).value().raw(), -12);
  EXPECT_FALSE(Price::from_units(100'000'000'000).ok());
  EXPECT_EQ(Price::from_units(61800).value().to_string(), "61800");
}

TEST(Decimal, NotionalUsesWideIntermediate) {
  const auto px = Price::parse("61800.2").value();
  const auto qty = Qty::parse("0.001").value();
  EXPECT_EQ(notional(px, qty).value().to_string(), "61.8002");
  // The product is exact in __int128; only a result beyond the Money range is an error.
  const auto huge = Price::parse("90000000000").value();
  EXPECT_FALSE(notional(huge, Qty::parse("2").value()).ok());
  // Rounding of sub-1e-8 results.
  const auto tiny_px = Price::parse("0.00000003").value();
  const auto half = Qty::parse("0.5").value();  // 1.5e-8 -> nearest even 2e-8
  EXPECT_EQ(notional(tiny_px, half, RoundMode::kNearestEven).value().raw(), 2);
  EXPECT_EQ(notional(tiny_px, half, RoundMode::kDown).value().raw(), 1);
  EXPECT_EQ(notional(tiny_px, half, RoundMode::kUp).value().raw(), 2);
  EXPECT_EQ(notional(Price::from_raw(-3), half, RoundMode::kDown).value().raw(), -2);
}

TEST(Decimal, RoundsToIncrement) {
  const auto tick = Price::parse("0.1").value();
  auto r = [&](std::string_view s, RoundMode m) {
    return Price::parse(s).value().round_to(tick, m).value().to_string();
  };
  EXPECT_EQ(r("61800.25", RoundMode::kDown), "61800.2");
  EXPECT_EQ(r("61800.25", RoundMode::kUp), "61800.3");
  EXPECT_EQ(r("61800.25", RoundMode::kNearestEven), "61800.2");
  EXPECT_EQ(r("61800.35", RoundMode::kNearestEven), "61800.4");
  EXPECT_EQ(r("61800.26", RoundMode::kNearestEven), "61800.3");
  EXPECT_EQ(r("-1.25", RoundMode::kDown), "-1.3");
  EXPECT_EQ(r("-1.25", RoundMode::kUp), "-1.2");
  EXPECT_EQ(r("-1.25", RoundMode::kTowardZero), "-1.2");
  EXPECT_EQ(r("-1.25", RoundMode::kNearestEven), "-1.2");
  EXPECT_EQ(r("-1.35", RoundMode::kNearestEven), "-1.4");
  EXPECT_EQ(r("5", RoundMode::kUp), "5");
  EXPECT_FALSE(Price::from_raw(5).round_to(Price::zero(), RoundMode::kDown).ok());
  EXPECT_FALSE(Price::max().round_to(Price::from_raw(3), RoundMode::kUp).ok());
  EXPECT_TRUE(Price::parse("61800.2").value().on_grid(tick));
  EXPECT_FALSE(Price::parse("61800.25").value().on_grid(tick));
}

TEST(Decimal, FromDoubleAlwaysLandsOnGrid) {
  const auto tick = Price::parse("0.5").value();
  EXPECT_EQ(Price::from_double(100.26, tick, RoundMode::kNearestEven).value().to_string(), "100.5");
  EXPECT_EQ(Price::from_double(100.24, tick, RoundMode::kDown).value().to_string(), "100");
  // 0.1 + 0.2 is 0.30000000000000004 in binary; it must not leak past the grid.
  const auto cent = Price::parse("0.01").value();
  EXPECT_EQ(Price::from_double(0.1 + 0.2, cent, RoundMode::kUp).value().to_string(), "0.3");
  EXPECT_FALSE(Price::from_double(1e300, tick, RoundMode::kDown).ok());
  EXPECT_FALSE(
      Price::from_double(std::numeric_limits<double>::quiet_NaN(), tick, RoundMode::kDown).ok());
}

TEST(Decimal, ErrorsHaveText) {
  EXPECT_EQ(to_string(DecimalError::kTooManyDecimals), "more than 8 decimal places");
  EXPECT_EQ(to_string(DecimalError::kOverflow), "number out of range");
}

}  // namespace
}  // namespace peregrine::common
