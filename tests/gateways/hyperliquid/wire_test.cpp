#include "gateways/hyperliquid/wire.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>

#include "support/test_data.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

using common::Price;
using common::Qty;
using common::RoundMode;

Price px(std::string_view s) { return Price::parse(s).value(); }
Qty qty(std::string_view s) { return Qty::parse(s).value(); }

std::string wire_px(std::string_view s, int szd, Market m = Market::kPerp) {
  char buf[common::kDecimalMaxChars];
  auto r = price_to_wire(px(s), szd, m, buf);
  return r ? std::string(buf, *r) : "error: " + std::string(to_string(r.error()));
}

TEST(HyperliquidWire, DocExamplesForPerpPrices) {
  // venue doc §5.2
  EXPECT_EQ(check_price(px("1234.5"), 0, Market::kPerp), WireError::kOk);
  EXPECT_EQ(check_price(px("1234.56"), 0, Market::kPerp), WireError::kTooManySigFigs);
  EXPECT_EQ(check_price(px("0.001234"), 0, Market::kPerp), WireError::kOk);
  EXPECT_EQ(check_price(px("0.0012345"), 0, Market::kPerp), WireError::kTooManyDecimals);
  EXPECT_EQ(check_price(px("0.01234"), 1, Market::kPerp), WireError::kOk);
  EXPECT_EQ(check_price(px("0.012345"), 1, Market::kPerp), WireError::kTooManyDecimals);
  EXPECT_EQ(check_price(px("123456"), 5, Market::kPerp), WireError::kOk);  // integers always
  EXPECT_EQ(check_price(px("12345.6"), 0, Market::kPerp), WireError::kTooManySigFigs);
  EXPECT_EQ(check_price(px("0.0001234"), 1, Market::kSpot), WireError::kOk);
  EXPECT_EQ(check_price(px("0"), 0, Market::kPerp), WireError::kNonPositive);
  EXPECT_EQ(check_price(px("-1"), 0, Market::kPerp), WireError::kNonPositive);
  EXPECT_EQ(check_price(px("1"), 7, Market::kPerp), WireError::kBadSzDecimals);
}

TEST(HyperliquidWire, WireStringsAreShortestAndExact) {
  EXPECT_EQ(wire_px("1670.1", 4), "1670.1");
  EXPECT_EQ(wire_px("1670.10000", 4), "1670.1");
  EXPECT_EQ(wire_px("100", 4), "100");
  EXPECT_EQ(wire_px("2000.0", 2), "2000");  // never "2000.0": it hashes differently
  EXPECT_EQ(wire_px("105234.5", 5),
            "error: more than 5 significant figures (only integer prices may have more)");
  EXPECT_EQ(wire_px("1234.56", 5), "error: too many decimals for this asset");
  char buf[common::kDecimalMaxChars];
  auto s = size_to_wire(qty("0.01470"), 4, buf);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::string(buf, *s), "0.0147");
  EXPECT_EQ(size_to_wire(qty("0.00147"), 4, buf).error(), WireError::kTooManyDecimals);
  EXPECT_EQ(size_to_wire(qty("0"), 4, buf).error(), WireError::kNonPositive);
}

TEST(HyperliquidWire, RoundingLandsOnValidPrices) {
  auto r = [](std::string_view s, int szd, Market m, RoundMode mode) {
    auto p = round_price(px(s), szd, m, mode);
    return p ? p->to_string() : "error";
  };
  EXPECT_EQ(r("12345.6", 0, Market::kPerp, RoundMode::kNearestEven), "12346");
  EXPECT_EQ(r("12345.6", 0, Market::kPerp, RoundMode::kDown), "12345");
  EXPECT_EQ(r("0.00123456", 0, Market::kPerp, RoundMode::kUp), "0.001235");
  EXPECT_EQ(r("99999.5", 0, Market::kPerp, RoundMode::kUp), "100000");
  EXPECT_EQ(r("0.0000001", 0, Market::kPerp, RoundMode::kDown), "error");
  // Every rounded value passes the validity check (property over a sweep of magnitudes).
  for (std::int64_t raw = 1; raw < 900'000'000'000'000; raw = raw * 7 + 3) {
    for (int szd = 0; szd <= 5; ++szd) {
      auto p = round_price(Price::from_raw(raw), szd, Market::kPerp, RoundMode::kNearestEven);
      if (!p) continue;
      EXPECT_EQ(check_price(*p, szd, Market::kPerp), WireError::kOk) << p->to_string();
    }
  }
}

// The TS SDK's formatPrice/formatSize cases (truncation semantics = RoundMode::kTowardZero).
TEST(HyperliquidWire, MatchesPublishedFormatCases) {
  const auto path = std::filesystem::path(PEREGRINE_SOURCE_DIR) / ".." / "shared" / "vectors" /
                    "hyperliquid.json";
  if (!std::filesystem::exists(path)) {
    if (peregrine::testing::in_ci()) FAIL() << "vectors missing under CI";
    GTEST_SKIP() << "vectors not found: " << path;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.load(path.string()).get(root), simdjson::SUCCESS);
  int checked = 0;
  for (auto c : root["price_size_format_cases"]["cases"].get_array()) {
    const std::string_view fn = c["fn"].get_string().value();
    const std::string_view input = c["input"].get_string().value();
    const std::string_view expected = c["expected"].get_string().value();
    const int szd = static_cast<int>(c["szDecimals"].get_int64().value());
    SCOPED_TRACE(std::string(fn) + " " + std::string(input));
    const bool expect_error = expected.find("throws") != std::string_view::npos;
    if (fn == "formatPrice") {
      const Market m = c["market"].get_string().value() == "spot" ? Market::kSpot : Market::kPerp;
      // One input has 9 decimals (finer than Price holds); truncating it first is what the
      // TS SDK's truncation does anyway.
      auto p = round_price(Price::parse(input, common::ParseMode::kTruncate).value(), szd, m,
                           RoundMode::kTowardZero);
      if (expect_error) {
        EXPECT_FALSE(p.ok());
      } else {
        ASSERT_TRUE(p.ok());
        EXPECT_EQ(p->to_string(), expected);
      }
    } else {
      auto q = round_size(Qty::parse(input, common::ParseMode::kTruncate).value(), szd,
                          RoundMode::kTowardZero);
      if (expect_error) {
        EXPECT_FALSE(q.ok());
      } else {
        ASSERT_TRUE(q.ok());
        EXPECT_EQ(q->to_string(), expected);
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 31);
  // float_to_wire: canonical strings (the Rust SDK's cases; our decimals never print "-0").
  for (auto c : root["float_to_wire_cases"].get_array()) {
    const std::string_view input = c["input"].get_string().value();
    SCOPED_TRACE(std::string(input));
    EXPECT_EQ(Price::parse(input).value().to_string(), c["expected"].get_string().value());
  }
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
