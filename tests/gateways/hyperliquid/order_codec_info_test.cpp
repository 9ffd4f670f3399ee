// /info parsers of the Hyperliquid order codec against recorded venue answers.
#include <gtest/gtest.h>

#include "gateways/hyperliquid/order_codec.hpp"
#include "gateways/hyperliquid/order_codec_fixture.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

using namespace codec_test;  // NOLINT: the shared fixture of the codec tests
using common::ClientOrderId;
using common::Money;
using common::OrderStatus;
using common::Price;
using common::Qty;

TEST_F(OrderCodecTest, InfoMeta) {
  const auto r = info_.parse_meta(kMeta);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].name, "BTC");
  EXPECT_EQ((*r)[0].asset, 0);
  EXPECT_EQ((*r)[0].size_decimals, 5);
  EXPECT_EQ((*r)[0].max_leverage, 50u);
  EXPECT_TRUE((*r)[1].only_isolated);
  EXPECT_EQ((*r)[2].asset, 2);
  EXPECT_TRUE((*r)[2].is_delisted);
  EXPECT_FALSE((*r)[0].is_delisted);
}

TEST_F(OrderCodecTest, InfoMetaAndAssetCtxs) {
  const std::string body = R"([{"universe":[{"name":"A","szDecimals":2,"maxLeverage":3},)"
                           R"({"name":"B","szDecimals":0,"maxLeverage":5}]},[)" +
                           std::string(kCtx) + "," + std::string(kCtxNullMid) + "]]";
  const auto r = info_.parse_meta_and_asset_ctxs(body);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->universe.size(), 2u);
  ASSERT_EQ(r->ctxs.size(), 2u);
  EXPECT_EQ(r->ctxs[0].mark_price, *Price::parse("14.3161"));
  EXPECT_TRUE(r->ctxs[0].has_mid);
  EXPECT_EQ(r->ctxs[0].mid_price, *Price::parse("14.314"));
  EXPECT_EQ(r->ctxs[0].oracle_price, *Price::parse("14.32"));
  EXPECT_EQ(r->ctxs[0].funding, *common::Rate::parse("0.0000125"));
  EXPECT_FALSE(r->ctxs[1].has_mid);
  EXPECT_EQ(r->ctxs[1].funding, *common::Rate::parse("-0.00000012"));  // truncated
  // ctx count must match the universe.
  const auto bad =
      info_.parse_meta_and_asset_ctxs(R"([{"universe":[]},[)" + std::string(kCtx) + "]]");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), CodecError::kBadValue);
}

TEST_F(OrderCodecTest, InfoClearinghouseState) {
  const auto r = info_.parse_clearinghouse_state(kClearinghouse);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->positions.size(), 2u);
  const PositionInfo& p = r->positions[0];
  EXPECT_EQ(p.coin, "ETH");
  EXPECT_EQ(p.instrument, eth_);
  EXPECT_EQ(p.size, *Qty::parse("0.0335"));
  EXPECT_TRUE(p.has_entry_price);
  EXPECT_EQ(p.entry_price, *Price::parse("2986.3"));
  EXPECT_EQ(p.unrealized_pnl, *Money::parse("-0.0134"));
  EXPECT_EQ(p.leverage_type, LeverageType::kIsolated);
  EXPECT_EQ(p.leverage, 20u);
  EXPECT_EQ(p.liquidation_price, *Price::parse("2866.26936529"));
  const PositionInfo& q = r->positions[1];
  EXPECT_FALSE(q.instrument.valid());
  EXPECT_TRUE(q.size.is_negative());
  EXPECT_FALSE(q.has_entry_price);
  EXPECT_FALSE(q.has_liquidation_price);
  EXPECT_EQ(q.leverage_type, LeverageType::kCross);
  EXPECT_EQ(info_.unknown_coins(), 1u);
  EXPECT_EQ(r->account_value, *Money::parse("13109.482328"));
  EXPECT_EQ(r->total_margin_used, *Money::parse("4.967826"));
  EXPECT_EQ(r->withdrawable, *Money::parse("13104.514502"));
  EXPECT_EQ(r->ts_venue, 1708622398623'000'000);
}

TEST_F(OrderCodecTest, InfoOpenOrders) {
  auto r = info_.parse_open_orders(kOpenOrders);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->size(), 2u);
  const OpenOrderInfo& o = (*r)[0];
  EXPECT_EQ(o.instrument, btc_);
  EXPECT_EQ(o.side, common::Side::kSell);
  EXPECT_EQ(o.limit_price, *Price::parse("29792"));
  EXPECT_TRUE(o.size.is_zero());
  EXPECT_EQ(o.orig_size, *Qty::parse("0.5"));
  EXPECT_EQ(o.oid, common::VenueOrderId::from_int(91490942));
  EXPECT_TRUE(o.has_cloid);
  EXPECT_EQ(o.cloid, cloid());
  EXPECT_TRUE(o.reduce_only);
  EXPECT_EQ(o.ts_venue, 1681247412573'000'000);
  EXPECT_FALSE((*r)[1].has_cloid);

  r = info_.parse_open_orders(kFrontendOpenOrders);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE((*r)[0].is_trigger);
  EXPECT_EQ((*r)[0].trigger_price, *Price::parse("29500"));
  EXPECT_EQ((*r)[0].order_type, "Stop Market");
  EXPECT_EQ((*r)[0].trigger_condition, "Price below 29500");
  EXPECT_EQ((*r)[0].tif, "");
  EXPECT_FALSE((*r)[0].has_cloid);
  EXPECT_EQ((*r)[1].tif, "Alo");
  EXPECT_EQ((*r)[1].order_type, "Limit");
  EXPECT_TRUE(info_.parse_open_orders("[]")->empty());
}

TEST_F(OrderCodecTest, InfoOrderStatus) {
  auto r = info_.parse_order_status(kOrderStatus);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_TRUE(r->found);
  EXPECT_EQ(r->status_text, "filled");
  EXPECT_EQ(r->status.status, OrderStatus::kFilled);
  EXPECT_EQ(r->status_ts, 1724361546645'000'000);
  EXPECT_EQ(r->order.instrument, eth_);
  EXPECT_EQ(r->order.orig_size, *Qty::parse("0.0076"));
  EXPECT_EQ(r->order.tif, "FrontendMarket");
  EXPECT_EQ(r->order.order_type, "Market");
  EXPECT_TRUE(r->order.reduce_only);
  r = info_.parse_order_status(R"({"status":"unknownOid"})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->found);
  EXPECT_FALSE(info_.parse_order_status(R"({"status":"weird"})").ok());
}

TEST_F(OrderCodecTest, InfoUserFills) {
  const std::string body = "[" + std::string(kWsFill) +
                           R"(,{"coin":"@107","px":"21","sz":"1","side":"A","time":2,"oid":1,)"
                           R"("crossed":true,"fee":"0.1","feeToken":"HYPE","tid":9}])";
  const auto r = info_.parse_user_fills(body);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->size(), 1u);  // the spot fill has no instrument here
  expect_ws_fill((*r)[0], avax_);
  EXPECT_EQ(info_.unknown_coins(), 1u);
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
