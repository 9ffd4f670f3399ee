#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string_view>

namespace peregrine::common {
namespace {

TEST(Ids, VenueNamesRoundTrip) {
  for (VenueId v : kAllVenues) {
    VenueId back{};
    ASSERT_TRUE(parse_venue(to_string(v), &back));
    EXPECT_EQ(back, v);
  }
  VenueId out{};
  EXPECT_FALSE(parse_venue("binance-spot", &out));
  EXPECT_FALSE(parse_venue("", &out));
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Binance newClientOrderId: ^[\.A-Z\:/a-z0-9_-]{1,36}$
bool binance_alphabet(std::string_view s) {
  if (s.empty() || s.size() > 36) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == ':' || c == '/' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// ^0x[0-9a-f]{32}$
bool hl_cloid(std::string_view s) {
  if (s.size() != 34 || s[0] != '0' || s[1] != 'x') return false;
  for (char c : s.substr(2)) {
    if (!is_lower_hex(c)) return false;
  }
  return true;
}

// ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$
bool uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_lower_hex(s[i])) return false;
  }
  return true;
}

TEST(Ids, ClientOrderIdRendersForEachVenueAndRoundTrips) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const ClientOrderId id{rng(), rng()};
    const auto cloid = id.to_cloid();
    const auto binance = id.to_binance();
    const auto u = id.to_uuid();
    ASSERT_TRUE(hl_cloid(cloid)) << cloid;
    ASSERT_TRUE(binance_alphabet(binance)) << binance;
    ASSERT_TRUE(uuid(u)) << u;
    EXPECT_EQ(ClientOrderId::parse_cloid(cloid).value(), id);
    EXPECT_EQ(ClientOrderId::parse_binance(binance).value(), id);
    EXPECT_EQ(ClientOrderId::parse_uuid(u).value(), id);
  }
  EXPECT_EQ((ClientOrderId{0, 1}.to_cloid()), "0x00000000000000000000000000000001");
  EXPECT_EQ((ClientOrderId{0x0123456789abcdefULL, 0xfedcba9876543210ULL}.to_uuid()),
            "01234567-89ab-cdef-fedc-ba9876543210");
}

TEST(Ids, ClientOrderIdRejectsBadInput) {
  EXPECT_EQ(ClientOrderId::parse_cloid("").error(), IdError::kBadLength);
  EXPECT_EQ(ClientOrderId::parse_cloid("0x0000").error(), IdError::kBadLength);
  EXPECT_EQ(ClientOrderId::parse_cloid("1x00000000000000000000000000000001").error(),
            IdError::kBadPrefix);
  EXPECT_EQ(ClientOrderId::parse_cloid("0x0000000000000000000000000000000g").error(),
            IdError::kBadChar);
  EXPECT_EQ(ClientOrderId::parse_binance("xx00000000000000000000000000000001").error(),
            IdError::kBadPrefix);
  EXPECT_EQ(ClientOrderId::parse_uuid("01234567x89ab-cdef-fedc-ba9876543210").error(),
            IdError::kBadChar);
  EXPECT_EQ(ClientOrderId::parse_uuid("0123456789abcdeffedcba9876543210").error(),
            IdError::kBadLength);
  // Uppercase hex is accepted on input (venues echo what we sent, but be liberal).
  EXPECT_TRUE(ClientOrderId::parse_cloid("0x0000000000000000000000000000000A").ok());
}

TEST(Ids, GeneratorIsUniqueAndCarriesStrategy) {
  ClientOrderIdGenerator gen(0xabcdef);
  std::set<ClientOrderId> seen;
  for (int i = 0; i < 10'000; ++i) {
    const auto id = gen.next(StrategyId{static_cast<std::uint16_t>(i % 3)});
    EXPECT_TRUE(seen.insert(id).second);
    EXPECT_EQ(ClientOrderIdGenerator::strategy_of(id).value, i % 3);
    EXPECT_FALSE(id.is_null());
  }
}

TEST(Ids, VenueOrderIdParsesIntegersAndUuids) {
  const auto hl = VenueOrderId::parse("77738308").value();
  EXPECT_FALSE(hl.is_uuid);
  EXPECT_EQ(hl.lo, 77738308u);
  EXPECT_EQ(hl.to_string(), "77738308");
  const auto bybit = VenueOrderId::parse("1321003749386327552").value();
  EXPECT_EQ(bybit.to_string(), "1321003749386327552");
  const auto cb = VenueOrderId::parse("0000-0000-0000-0000").ok();
  EXPECT_FALSE(cb);
  const auto uuid = VenueOrderId::parse("11111111-2222-3333-4444-555555555555").value();
  EXPECT_TRUE(uuid.is_uuid);
  EXPECT_EQ(uuid.to_string(), "11111111-2222-3333-4444-555555555555");
  EXPECT_FALSE(VenueOrderId::parse("").ok());
  EXPECT_FALSE(VenueOrderId::parse("12a").ok());
  EXPECT_FALSE(VenueOrderId::parse("99999999999999999999").ok());  // > uint64
}

}  // namespace
}  // namespace peregrine::common
