#include "common/instrument.hpp"

#include <gtest/gtest.h>

namespace peregrine::common {
namespace {

Instrument make(VenueId venue, std::string_view symbol, std::string_view asset,
                std::string_view tick, std::string_view lot) {
  Instrument i;
  i.venue = venue;
  EXPECT_TRUE(i.symbol.assign(symbol));
  EXPECT_TRUE(i.asset.assign(asset));
  i.tick = Price::parse(tick).value();
  i.lot = Qty::parse(lot).value();
  return i;
}

TEST(InstrumentRegistry, MapsCanonicalAssetAcrossVenues) {
  InstrumentRegistry reg;
  auto hl = make(VenueId::kHyperliquid, "BTC", "BTC", "1", "0.00001");
  hl.asset_index = 0;
  hl.size_decimals = 5;
  const auto hl_id = reg.add(hl).value();
  const auto bn_id = reg.add(make(VenueId::kBinance, "BTCUSDT", "BTC", "0.1", "0.001")).value();
  const auto by_id = reg.add(make(VenueId::kBybit, "BTCUSDT", "BTC", "0.1", "0.001")).value();
  const auto cb_id =
      reg.add(make(VenueId::kCoinbase, "BTC-PERP-INTX", "BTC", "0.1", "0.0001")).value();
  const auto eth_id = reg.add(make(VenueId::kBinance, "ETHUSDT", "ETH", "0.01", "0.001")).value();

  EXPECT_EQ(reg.size(), 5u);
  EXPECT_EQ(reg.find(VenueId::kBinance, "BTCUSDT"), bn_id);
  EXPECT_EQ(reg.find(VenueId::kBybit, "BTCUSDT"), by_id);  // same symbol, other venue
  EXPECT_FALSE(reg.find(VenueId::kCoinbase, "BTCUSDT").valid());
  const AssetId btc = reg.find_asset("BTC");
  ASSERT_TRUE(btc.valid());
  EXPECT_EQ(reg.asset_name(btc), "BTC");
  EXPECT_EQ(reg.asset_of(cb_id), btc);
  EXPECT_EQ(reg.on_venue(btc, VenueId::kHyperliquid), hl_id);
  EXPECT_EQ(reg.on_venue(btc, VenueId::kCoinbase), cb_id);
  EXPECT_EQ(reg.instruments_of(btc).size(), 4u);
  const AssetId eth = reg.asset_of(eth_id);
  EXPECT_FALSE(reg.on_venue(eth, VenueId::kHyperliquid).valid());
  EXPECT_EQ(reg.get(hl_id).asset_index, 0);
  EXPECT_EQ(reg.get(hl_id).size_decimals, 5);
  EXPECT_EQ(reg.get(hl_id).id, hl_id);
}

TEST(InstrumentRegistry, RejectsBadSpecs) {
  InstrumentRegistry reg;
  ASSERT_TRUE(reg.add(make(VenueId::kBinance, "BTCUSDT", "BTC", "0.1", "0.001")).ok());
  EXPECT_EQ(reg.add(make(VenueId::kBinance, "BTCUSDT", "BTC", "0.1", "0.001")).error(),
            RegistryError::kDuplicate);
  // A second BTC instrument on the same venue would make cross-venue mapping ambiguous.
  EXPECT_EQ(reg.add(make(VenueId::kBinance, "BTCUSDC", "BTC", "0.1", "0.001")).error(),
            RegistryError::kDuplicate);
  EXPECT_EQ(reg.add(make(VenueId::kBybit, "X", "X", "0", "0.001")).error(),
            RegistryError::kBadTick);
  EXPECT_EQ(reg.add(make(VenueId::kBybit, "X", "X", "0.1", "-1")).error(), RegistryError::kBadLot);
  Instrument empty = make(VenueId::kBybit, "X", "X", "0.1", "1");
  EXPECT_TRUE(empty.symbol.assign(""));
  EXPECT_EQ(reg.add(empty).error(), RegistryError::kBadSymbol);
  Symbol s;
  EXPECT_FALSE(s.assign("THIS-SYMBOL-IS-FAR-TOO-LONG-TO-FIT"));
  EXPECT_EQ(reg.size(), 1u);
}

TEST(Instrument, RoundsAndChecksGrid) {
  const auto i = make(VenueId::kBinance, "BTCUSDT", "BTC", "0.1", "0.001");
  EXPECT_TRUE(i.price_on_tick(Price::parse("61800.2").value()));
  EXPECT_FALSE(i.price_on_tick(Price::parse("61800.25").value()));
  EXPECT_TRUE(i.qty_on_lot(Qty::parse("0.012").value()));
  EXPECT_FALSE(i.qty_on_lot(Qty::parse("0.0125").value()));
  EXPECT_EQ(i.round_price(Price::parse("61800.25").value(), RoundMode::kUp).value().to_string(),
            "61800.3");
  EXPECT_EQ(i.round_qty(Qty::parse("0.0125").value(), RoundMode::kTowardZero).value().to_string(),
            "0.012");
}

}  // namespace
}  // namespace peregrine::common
