#include "gateways/coinbase/rest_codec.hpp"

#include <gtest/gtest.h>

#include <string>

#include "gateways/capture/capture_reader.hpp"
#include "support/test_data.hpp"

namespace peregrine::gateways::coinbase {
namespace {

using common::Money;
using common::Price;
using common::Qty;

TEST(RestParser, ProductsFromTheRecordedMarketProductsResponse) {
  PEREGRINE_REQUIRE_DATA(path, "coinbase/COINBASE.jsonl.zst");
  std::string error;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kCryptofeed, &error);
  ASSERT_NE(reader, nullptr) << error;
  capture::CaptureRecord rec;
  std::string body;
  while (reader->next(&rec)) {
    if (rec.kind == capture::RecordKind::kHttp) {
      body.assign(rec.payload);
      break;
    }
  }
  ASSERT_FALSE(body.empty());
  RestParser parser;
  const auto products = parser.parse_products(body);
  ASSERT_TRUE(products.ok()) << to_string(products.error());
  EXPECT_EQ(products->size(), 920u);  // num_products in the response
  EXPECT_EQ(parser.skipped(), 0u);
  const ProductInfo* btc = nullptr;
  for (const auto& p : *products) {
    if (p.product_id == "BTC-USD") btc = &p;
  }
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->price_increment, *Price::parse("0.01"));
  EXPECT_EQ(btc->base_increment, *Qty::parse("0.00000001"));
  EXPECT_EQ(btc->base_max_size, *Qty::parse("3400"));
  EXPECT_EQ(btc->quote_min_size, *Money::parse("1"));
  EXPECT_EQ(btc->quote_max_size, *Money::parse("150000000"));
  EXPECT_EQ(btc->base_currency, "BTC");
  EXPECT_EQ(btc->quote_currency, "USD");
  EXPECT_EQ(btc->status, "online");
  EXPECT_FALSE(btc->trading_disabled);

  const common::Instrument inst = to_instrument(*btc);
  EXPECT_EQ(inst.symbol.view(), "BTC-USD");
  EXPECT_EQ(inst.asset.view(), "BTC");
  EXPECT_EQ(inst.tick, *Price::parse("0.01"));
  EXPECT_EQ(inst.kind, common::InstrumentKind::kSpot);
  common::InstrumentRegistry reg;
  EXPECT_TRUE(reg.add(inst).ok());
}

TEST(RestParser, ProductsSkipUnrepresentableTicks) {
  RestParser parser;
  const auto r = parser.parse_products(
      R"({"products":[{"product_id":"PEPE-USD","price_increment":"0.000000001","base_increment":"1"},)"
      R"({"product_id":"BTC-PERP-INTX","price_increment":"0.1","base_increment":"0.0001",)"
      R"("base_max_size":"1000000000000","product_type":"FUTURE","future_product_details":)"
      R"({"contract_expiry_type":"PERPETUAL"}},{"product_id":"X-USD","quote_increment":"0.5",)"
      R"("base_increment":"1"}],"num_products":3})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(parser.skipped(), 1u);
  EXPECT_EQ((*r)[0].base_max_size, Qty{}) << "beyond 9.2e10: informational, zeroed";
  EXPECT_EQ(to_instrument((*r)[0]).kind, common::InstrumentKind::kPerpetual);
  EXPECT_EQ((*r)[1].price_increment, *Price::parse("0.5")) << "quote_increment fallback";
  EXPECT_EQ(parser.parse_products(R"({"num_products":0})").error(), CodecError::kMissingField);
  EXPECT_EQ(parser.parse_products("not json").error(), CodecError::kNotJson);
}

TEST(RestParser, Accounts) {
  RestParser parser;
  const auto r = parser.parse_accounts(
      R"({"accounts":[{"uuid":"8bfc20d7-f7c6-4422-bf07-8243ca4169fe","name":"BTC Wallet",)"
      R"("currency":"BTC","available_balance":{"value":"1.23","currency":"BTC"},"default":false,)"
      R"("active":true,"created_at":"2021-05-31T09:59:59Z","updated_at":"2021-05-31T09:59:59Z",)"
      R"("deleted_at":null,"type":"ACCOUNT_TYPE_CRYPTO","ready":true,)"
      R"("hold":{"value":"0.5","currency":"BTC"}}],"has_next":true,"cursor":"789100","size":1})");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].currency, "BTC");
  EXPECT_EQ(r->items[0].available, *Money::parse("1.23"));
  EXPECT_EQ(r->items[0].hold, *Money::parse("0.5"));
  EXPECT_TRUE(r->items[0].active);
  EXPECT_TRUE(r->has_next);
  EXPECT_EQ(r->cursor, "789100");
}

TEST(RestParser, OrdersWithVenuePrecisionAverages) {
  common::InstrumentRegistry reg;
  common::Instrument i;
  i.venue = common::VenueId::kCoinbase;
  ASSERT_TRUE(i.symbol.assign("BTC-USD"));
  ASSERT_TRUE(i.asset.assign("BTC"));
  i.tick = *Price::parse("0.01");
  i.lot = *Qty::parse("0.00000001");
  ASSERT_TRUE(reg.add(i).ok());
  RestParser parser(&reg);
  const std::string order =
      R"({"order_id":"0000-000000-000000","product_id":"BTC-USD"})";  // not a UUID: skipped
  const auto r = parser.parse_orders(
      std::string(R"({"orders":[{"order_id":"11111111-1111-4111-8111-111111111111",)") +
      R"("product_id":"BTC-USD","user_id":"u","order_configuration":{"limit_limit_gtc":)"
      R"({"base_size":"0.001","limit_price":"65000.01","post_only":true}},"side":"BUY",)"
      R"("client_order_id":"01234567-89ab-cdef-fedc-ba9876543210","status":"OPEN",)"
      R"("time_in_force":"GOOD_UNTIL_CANCELLED","created_time":"2024-12-05T14:01:07.278515Z",)"
      R"("completion_percentage":"40","filled_size":"0.0004","average_filled_price":)"
      R"("102795.8999998081720639","fee":"","number_of_fills":"2","filled_value":"41.11",)"
      R"("pending_cancel":false,"size_in_quote":false,"total_fees":"0.011166253101737",)"
      R"("order_type":"LIMIT","reject_reason":"REJECT_REASON_UNSPECIFIED"},)" +
      order + R"(],"sequence":"0","has_next":false,"cursor":""})");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(parser.skipped(), 1u);
  EXPECT_EQ(parser.inexact(), 1u);
  const OrderInfo& o = r->items[0];
  EXPECT_TRUE(o.has_cloid);
  EXPECT_EQ(o.instrument.value, 0u);
  EXPECT_EQ(o.config_kind, "limit_limit_gtc");
  EXPECT_EQ(o.base_size, *Qty::parse("0.001"));
  EXPECT_EQ(o.limit_price, *Price::parse("65000.01"));
  EXPECT_TRUE(o.post_only);
  EXPECT_EQ(o.status.status, common::OrderStatus::kPartiallyFilled);
  EXPECT_EQ(o.average_filled_price, *Price::parse("102795.89999980"));
  EXPECT_EQ(o.number_of_fills, 2u);
  EXPECT_EQ(o.created_time, 1'733'407'267'278'515'000);

  const auto one = parser.parse_order(
      R"({"order":{"order_id":"11111111-1111-4111-8111-111111111111","product_id":"ETH-USD",)"
      R"("side":"SELL","status":"CANCELLED","order_configuration":{"sor_limit_ioc":)"
      R"({"base_size":"1","limit_price":"1900"}}}})");
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->instrument.valid());
  EXPECT_EQ(one->status.status, common::OrderStatus::kCancelled);
  EXPECT_EQ(parser.parse_order(R"({"orders":[]})").error(), CodecError::kMissingField);
}

TEST(RestParser, Fills) {
  RestParser parser;
  const auto r = parser.parse_fills(
      R"({"fills":[{"entry_id":"b88b82cc89e326a2778874795102cbafd08dab979a88a0f2ca0b4d8fd6c4cd2a",)"
      R"("trade_id":"1068572091","order_id":"11111111-1111-4111-8111-111111111111",)"
      R"("trade_time":"2023-01-18T01:37:38.092466Z","trade_type":"FILL","price":"21220.64",)"
      R"("size":"0.0046830664333996","commission":"0.0000280983986004","product_id":"BTC-USD",)"
      R"("sequence_timestamp":"2023-01-18T01:37:38.092520Z","liquidity_indicator":"MAKER",)"
      R"("size_in_quote":true,"user_id":"1111111-1111-1111-1111-111111111111","side":"BUY"},)"
      R"({"trade_id":"x","price":"","size":"1","side":"BUY"}],"cursor":"next"})");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(parser.skipped(), 1u);
  const FillInfo& f = r->items[0];
  EXPECT_EQ(f.fill.fill_id, 1068572091u);
  EXPECT_EQ(f.fill.price, *Price::parse("21220.64"));
  EXPECT_EQ(f.fill.qty, *Qty::parse("0.00468306"));
  EXPECT_EQ(f.fill.fee, *Money::parse("0.00002809"));
  EXPECT_EQ(f.fill.liquidity, common::Liquidity::kMaker);
  EXPECT_EQ(f.fill.venue_order_id.to_string(), "11111111-1111-4111-8111-111111111111");
  EXPECT_TRUE(f.size_in_quote);
  EXPECT_EQ(f.fill.ts_venue, 1'674'005'858'092'466'000);
  EXPECT_EQ(r->cursor, "next");
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
