#include "engine/session/session_stats.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <sstream>
#include <string>

namespace peregrine::engine {
namespace {

using common::Money;
using common::VenueId;

SessionStats sample() {
  SessionStats s;
  s.elapsed = 20'000'000'000;
  s.md_events = 123456;
  s.strategy_count = 2;
  s.set_strategy_name(0, "manual");
  s.set_strategy_name(1, "fib_btc");
  s.venue_enabled[0] = true;
  s.venue_enabled[1] = true;
  PnlCell& a = s.cells[1][static_cast<std::size_t>(VenueId::kHyperliquid)];
  a.orders = 10;
  a.fills = 4;
  a.realized = Money::parse("12.5").value();
  a.fees = Money::parse("0.75").value();
  a.unrealized = Money::parse("-1.25").value();
  PnlCell& b = s.cells[0][static_cast<std::size_t>(VenueId::kBinance)];
  b.orders = 1;
  b.denials = 2;
  s.denials_by_reason[static_cast<std::size_t>(common::DenyReason::kPriceCollar)] = 2;
  s.latency[0] = StagePercentiles{100, 1500, 9000, 20000};
  return s;
}

TEST(SessionStats, TotalsAddUpExactly) {
  const SessionStats s = sample();
  const PnlCell t = s.total();
  EXPECT_EQ(t.orders, 11u);
  EXPECT_EQ(t.fills, 4u);
  EXPECT_EQ(t.net(), Money::parse("10.5").value());  // 12.5 - 1.25 - 0.75
  EXPECT_EQ(s.venue_total(VenueId::kBinance).denials, 2u);
  EXPECT_EQ(s.strategy_total(1).orders, 10u);
  EXPECT_EQ(s.strategy_name(1), "fib_btc");
}

TEST(SessionStats, ReportJsonIsValidAndCarriesEveryFigure) {
  std::ostringstream os;
  write_report_json(os, sample());
  const std::string text = os.str();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  EXPECT_EQ(std::string_view(doc["total"]["net_pnl"].get_string().value()), "10.5");
  EXPECT_EQ(uint64_t(doc["venues"]["hyperliquid"]["fills"].get_uint64().value()), 4u);
  EXPECT_EQ(
      uint64_t(
          doc["strategies"]["fib_btc"]["venues"]["hyperliquid"]["orders"].get_uint64().value()),
      10u);
  EXPECT_EQ(uint64_t(doc["denials_by_reason"]["price_collar"].get_uint64().value()), 2u);
  EXPECT_EQ(uint64_t(doc["latency_ns"]["md_to_strategy"]["p99"].get_uint64().value()), 9000u);
}

TEST(SessionStats, SummaryAndStatusLineNameTheFigures) {
  std::ostringstream os;
  write_summary(os, sample());
  const std::string text = os.str();
  EXPECT_NE(text.find("fib_btc"), std::string::npos);
  EXPECT_NE(text.find("price_collar: 2"), std::string::npos);
  EXPECT_NE(text.find("md_to_strategy"), std::string::npos);
  EXPECT_NE(text.find("10.50"), std::string::npos);
  SessionStats before;
  const std::string line = status_line(sample(), before);
  EXPECT_NE(line.find("orders     11"), std::string::npos) << line;
  EXPECT_NE(line.find("risk normal"), std::string::npos) << line;
}

}  // namespace
}  // namespace peregrine::engine
