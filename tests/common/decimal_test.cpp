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

// parse_fixed (fast path for plain venue strings, generic fallback) must agree exactly with
// parse_fixed_generic, the original one-pass parser, on every input: value or error, both modes.
// Each candidate is parsed as a view into a larger buffer with digits and dots on both sides, so
// a fast path that read outside its view would disagree.
struct DiffStats {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::uint64_t pairs = 0;  // parse_plain_pair_padded took both
};

// parse_plain_pair_padded(a, b) either declines or gives exactly the generic values of both.
void expect_pair_consistent(std::string_view a, std::string_view b, DiffStats& st) {
  std::int64_t va = -1;
  std::int64_t vb = -1;
  if (!detail::parse_plain_pair_padded(a, b, va, vb)) return;
  ++st.pairs;
  const auto ra = detail::parse_fixed_generic(a, ParseMode::kExact);
  const auto rb = detail::parse_fixed_generic(b, ParseMode::kExact);
  ASSERT_TRUE(ra.ok() && rb.ok()) << "pair took '" << a << "', '" << b << "'";
  ASSERT_EQ(va, *ra) << "pair '" << a << "', '" << b << "'";
  ASSERT_EQ(vb, *rb) << "pair '" << a << "', '" << b << "'";
}

// `readable_ahead`: s.data()[0, kDecimalReadAhead) is readable, so parse_fixed_padded is checked
// too.
void expect_same(std::string_view s, DiffStats& st, bool readable_ahead = false) {
  for (const ParseMode m : {ParseMode::kExact, ParseMode::kTruncate}) {
    const auto ref = detail::parse_fixed_generic(s, m);
    const auto fast = detail::parse_fixed(s, m);
    ASSERT_EQ(fast.ok(), ref.ok()) << "'" << s << "' mode " << static_cast<int>(m);
    if (ref.ok()) {
      ASSERT_EQ(*fast, *ref) << "'" << s << "' mode " << static_cast<int>(m);
      ++st.ok;
    } else {
      ASSERT_EQ(fast.error(), ref.error()) << "'" << s << "' mode " << static_cast<int>(m);
      ++st.failed;
    }
    if (!readable_ahead) continue;
    const auto padded = detail::parse_fixed_padded(s, m);
    ASSERT_EQ(padded.ok(), ref.ok()) << "padded '" << s << "' mode " << static_cast<int>(m);
    if (ref.ok()) {
      ASSERT_EQ(*padded, *ref) << "padded '" << s << "' mode " << static_cast<int>(m);
    } else {
      ASSERT_EQ(padded.error(), ref.error()) << "padded '" << s << "' mode " << static_cast<int>(m);
    }
  }
}

void expect_same_in_context(std::string_view s, std::mt19937_64& rng, DiffStats& st) {
  static constexpr char kNeighbours[] = "0123456789.9";
  std::string buf;
  const std::size_t pre = rng() % 10;
  for (std::size_t i = 0; i < pre; ++i) buf += kNeighbours[rng() % 12];
  buf += s;
  // Digits and dots after the view, at least up to the padded parser's read-ahead.
  const std::size_t post = rng() % 10 + kDecimalReadAhead;
  for (std::size_t i = 0; i < post; ++i) buf += kNeighbours[rng() % 12];
  const std::string_view view = std::string_view(buf).substr(pre, s.size());
  expect_same(view, st, true);
  // As a pair with itself and with a venue-like neighbour (both orders).
  static const std::string kOther = "61800.10" + std::string(kDecimalReadAhead, '7');
  const std::string_view other(kOther.data(), 8);
  expect_pair_consistent(view, view, st);
  expect_pair_consistent(view, other, st);
  expect_pair_consistent(other, view, st);
}

std::string random_plain(std::mt19937_64& rng) {
  std::string s;
  const auto r = rng() % 100;
  if (r < 10) {
    s += '-';
  } else if (r < 14) {
    s += '+';
  }
  // Mostly 0-11 integer digits (10 is the fast path's limit), sometimes many leading zeros.
  std::size_t int_len = rng() % 13;
  if (rng() % 20 == 0) int_len += rng() % 12;
  const bool leading_zeros = rng() % 8 == 0;
  for (std::size_t i = 0; i < int_len; ++i) {
    s += static_cast<char>('0' + ((leading_zeros && i < int_len / 2) ? 0 : rng() % 10));
  }
  if (rng() % 10 < 8) {
    s += '.';
    const std::size_t frac_len = rng() % 12;  // 8 is the resolution
    const bool trailing_zeros = rng() % 4 == 0;
    for (std::size_t i = 0; i < frac_len; ++i) {
      s += static_cast<char>('0' + ((trailing_zeros && i >= 6) ? 0 : rng() % 10));
    }
  }
  if (rng() % 10 == 0) {
    s += (rng() & 1) != 0 ? 'e' : 'E';
    if (rng() % 2 == 0) s += (rng() & 1) != 0 ? '-' : '+';
    const std::size_t exp_len = rng() % 6;
    for (std::size_t i = 0; i < exp_len; ++i) s += static_cast<char>('0' + rng() % 10);
  }
  return s;
}

std::string mutate(std::string s, std::mt19937_64& rng) {
  static constexpr char kAlphabet[] = "0123456789.+-eE x/:\x7f\x80";
  const char c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
  switch (rng() % 3) {
    case 0:
      s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), c);
      break;
    case 1:
      if (at < s.size()) s[at] = c;
      break;
    default:
      if (at < s.size()) s.erase(at, 1);
      break;
  }
  return s;
}

TEST(Decimal, FastPathMatchesGenericParserOnEdgeCases) {
  DiffStats st;
  std::mt19937_64 rng(1);
  const char* const kEdges[] = {"",
                                "-",
                                "+",
                                ".",
                                "-.",
                                "+.",
                                "0",
                                "-0",
                                "+0",
                                "0.",
                                ".0",
                                "-.0",
                                "00",
                                "0.0",
                                "5.",
                                ".5",
                                "0.00000000",
                                "0.00000001",
                                "-0.00000001",
                                "0.000000001",
                                "0.000000010",
                                "0.123456789",
                                "1.123456780",
                                "9999999999",
                                "9999999999.99999999",
                                "-9999999999.99999999",
                                "99999999999",
                                "92233720368.54775807",
                                "92233720368.54775808",
                                "-92233720368.54775807",
                                "-92233720368.54775808",
                                "00000000000000000001.5",
                                "01234567890.1",
                                "1234567890.12345678",
                                "12345678901.1",
                                "61800.10",
                                "61800.1",
                                "0.001",
                                "105234.5",
                                "1e5",
                                "1e-8",
                                "1e-9",
                                "1.5e",
                                "1.5e+",
                                "1..2",
                                "1.2.3",
                                ".1.",
                                "1.2e3.4",
                                "12a",
                                "a12",
                                "1 ",
                                " 1",
                                "1,5",
                                "0x10",
                                "1-",
                                "--1",
                                "+-1",
                                "1.-2",
                                "1.+2",
                                "9.9999999e",
                                "12345678.",
                                ".12345678",
                                ".123456789",
                                "1234567.1",
                                "123456789.12345678",
                                "0.1234567\x7f",
                                "12345678\x80",
                                "12345678.12345678",
                                "-12345678.12345678",
                                "+12345678.12345678",
                                "12345678.123456789",
                                "123456789.1234567",
                                "1234567890123456",
                                "12345678901234567",
                                "00000000.00000000",
                                "0000000000000000",
                                ".0000000",
                                "1.",
                                "+.5",
                                "-5.",
                                "1/2",
                                "1:2",
                                "12345678.1234567/"};
  for (const char* e : kEdges) {
    expect_same(e, st);
    expect_same_in_context(e, rng, st);
  }
  EXPECT_GT(st.ok, 40u);
  EXPECT_GT(st.failed, 40u);
}

TEST(Decimal, FastPathMatchesGenericParserOnRandomStrings) {
  DiffStats st;
  std::mt19937_64 rng(20261122);
#if defined(PEREGRINE_SANITIZED)
  constexpr int kRounds = 50'000;  // ASan/UBSan run this ~20x slower; CI's hour is shared
#else
  constexpr int kRounds = 600'000;
#endif
  for (int i = 0; i < kRounds; ++i) {
    std::string s = random_plain(rng);
    expect_same_in_context(s, rng, st);
    for (int k = 0; k < 2; ++k) {  // the same string one and two mutations away
      s = mutate(std::move(s), rng);
      expect_same_in_context(s, rng, st);
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Short random strings over the whole alphabet of a number (and a few bytes that are not).
  static constexpr char kAlphabet[] = "0123456789012345678901234567890123456789.....--++eE x";
  for (int i = 0; i < kRounds; ++i) {
    std::string s(rng() % 22, '0');
    for (char& c : s) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    expect_same_in_context(s, rng, st);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Both outcomes are exercised in bulk (4 x kRounds candidates x 2 modes x 3 parsers: 2.4M
  // candidates in a normal build).
  constexpr auto kRoundsU = static_cast<std::size_t>(kRounds);
  EXPECT_GT(st.ok, 2 * kRoundsU);
  EXPECT_GT(st.failed, 2 * kRoundsU);
#if defined(__AVX2__)
  EXPECT_GT(st.pairs, kRoundsU * 5 / 6);
#endif
}

TEST(Decimal, ErrorsHaveText) {
  EXPECT_EQ(to_string(DecimalError::kTooManyDecimals), "more than 8 decimal places");
  EXPECT_EQ(to_string(DecimalError::kOverflow), "number out of range");
}

}  // namespace
}  // namespace peregrine::common
