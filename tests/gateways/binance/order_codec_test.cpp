#include "gateways/binance/order_codec.hpp"

#include <gtest/gtest.h>

#include <string>

#include "alloc_counter.hpp"
#include "gateways/crypto/hmac_sha256.hpp"

namespace peregrine::gateways::binance {
namespace {

using common::ClientOrderId;
using common::OrderType;
using common::Price;
using common::Qty;
using common::Side;
using common::TimeInForce;

constexpr std::string_view kKey =
    "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83";
constexpr std::string_view kSecret =
    "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
constexpr std::int64_t kTs = 1591702613943;
constexpr ClientOrderId kCloid{0x0123456789abcdefull, 0xfedcba9876543210ull};
constexpr std::string_view kCloidText = "pg0123456789abcdeffedcba9876543210";

Price px(std::string_view s) { return Price::parse(s).value(); }
Qty qty(std::string_view s) { return Qty::parse(s).value(); }

// The expected request: `params` then "&timestamp=..&recvWindow=5000&signature=<hmac>", the
// signature computed independently with OpenSSL's one-shot HMAC.
std::string signed_query(std::string_view params) {
  std::string s(params);
  s += (s.empty() ? "" : "&");
  s += "timestamp=" + std::to_string(kTs) + "&recvWindow=5000";
  const auto d = crypto::hmac_sha256_openssl(kSecret, s);
  char h[64];
  crypto::to_hex(d, h);
  return s + "&signature=" + std::string(h, 64);
}

class OrderCodecTest : public ::testing::Test {
 protected:
  Signer signer_{std::make_unique<HmacSigner>(kKey, kSecret)};
  OrderCodec codec_{signer_};
  char buf_[OrderCodec::kMaxRequestBytes];

  void expect(const OrderCodec::Built& r, HttpMethod m, std::string_view path,
              std::string_view params) {
    ASSERT_TRUE(r.ok()) << to_string(r.error());
    EXPECT_EQ(r->method, m);
    EXPECT_EQ(r->path, path);
    EXPECT_EQ(r->query, signed_query(params));
    EXPECT_TRUE(r->body.empty());
    EXPECT_EQ(r->security, Security::kSigned);
  }
  NewOrder limit(TimeInForce tif) {
    NewOrder o;
    o.symbol = "BTCUSDT";
    o.cloid = kCloid;
    o.side = Side::kBuy;
    o.type = OrderType::kLimit;
    o.tif = tif;
    o.price = px("61800.10");
    o.qty = qty("0.002");
    return o;
  }
};

TEST_F(OrderCodecTest, LimitOrdersEveryTimeInForce) {
  const std::pair<TimeInForce, std::string_view> cases[] = {{TimeInForce::kGtc, "GTC"},
                                                            {TimeInForce::kIoc, "IOC"},
                                                            {TimeInForce::kFok, "FOK"},
                                                            {TimeInForce::kPostOnly, "GTX"}};
  for (const auto& [tif, word] : cases) {
    expect(codec_.new_order(limit(tif), kTs, buf_), HttpMethod::kPost, "/fapi/v1/order",
           "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=" + std::string(word) +
               "&quantity=0.002&price=61800.1&newClientOrderId=" + std::string(kCloidText));
  }
}

TEST_F(OrderCodecTest, MarketReduceOnlyAndResultResponse) {
  NewOrder o;
  o.symbol = "ETHUSDT";
  o.cloid = kCloid;
  o.side = Side::kSell;
  o.type = OrderType::kMarket;
  o.qty = qty("1.5");
  o.price = px("99");  // ignored for MARKET
  o.reduce_only = true;
  o.response = ResponseType::kResult;
  expect(codec_.new_order(o, kTs, buf_), HttpMethod::kPost, "/fapi/v1/order",
         "symbol=ETHUSDT&side=SELL&type=MARKET&quantity=1.5&reduceOnly=true&newClientOrderId=" +
             std::string(kCloidText) + "&newOrderRespType=RESULT");
}

TEST_F(OrderCodecTest, HedgeModePositionSide) {
  NewOrder o = limit(TimeInForce::kGtc);
  o.position_side = common::PositionSide::kShort;
  o.side = Side::kSell;
  expect(codec_.new_order(o, kTs, buf_), HttpMethod::kPost, "/fapi/v1/order",
         "symbol=BTCUSDT&side=SELL&positionSide=SHORT&type=LIMIT&timeInForce=GTC&quantity=0.002&"
         "price=61800.1&newClientOrderId=" +
             std::string(kCloidText));
  o.reduce_only = true;  // the venue refuses reduceOnly in hedge mode
  EXPECT_EQ(codec_.new_order(o, kTs, buf_).error(), BuildError::kInvalid);
}

TEST_F(OrderCodecTest, InvalidNewOrders) {
  NewOrder o = limit(TimeInForce::kGtc);
  o.price = Price{};
  EXPECT_EQ(codec_.new_order(o, kTs, buf_).error(), BuildError::kInvalid);
  o = limit(TimeInForce::kGtc);
  o.qty = Qty{};
  EXPECT_EQ(codec_.new_order(o, kTs, buf_).error(), BuildError::kInvalid);
  o = limit(TimeInForce::kGtc);
  o.type = OrderType::kStopMarket;  // -4120 on this endpoint since 2025-12-09
  EXPECT_EQ(codec_.new_order(o, kTs, buf_).error(), BuildError::kInvalid);
  o = limit(TimeInForce::kGtc);
  o.symbol = "";
  EXPECT_EQ(codec_.new_order(o, kTs, buf_).error(), BuildError::kInvalid);
  // No client id: the field is left out.
  o = limit(TimeInForce::kGtc);
  o.cloid = ClientOrderId{};
  expect(codec_.new_order(o, kTs, buf_), HttpMethod::kPost, "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.002&price=61800.1");
}

TEST_F(OrderCodecTest, BufferTooSmall) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{10}, std::size_t{150}, std::size_t{200}}) {
    const auto r = codec_.new_order(limit(TimeInForce::kGtc), kTs, std::span<char>(buf_, cap));
    ASSERT_FALSE(r.ok()) << cap;
    EXPECT_EQ(r.error(), BuildError::kBufferFull);
  }
}

TEST_F(OrderCodecTest, BodyPlacement) {
  OrderCodec body_codec(signer_, 5000, ParamPlacement::kBody);
  const auto r = body_codec.new_order(limit(TimeInForce::kIoc), kTs, buf_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->query.empty());
  EXPECT_EQ(r->body, signed_query("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&"
                                  "quantity=0.002&price=61800.1&newClientOrderId=" +
                                  std::string(kCloidText)));
  // GET stays in the query string.
  const auto g = body_codec.open_orders("BTCUSDT", kTs, buf_);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->query, signed_query("symbol=BTCUSDT"));
  EXPECT_TRUE(g->body.empty());
}

TEST_F(OrderCodecTest, AlgoOrders) {
  AlgoOrder o;
  o.symbol = "BTCUSDT";
  o.client_algo_id = kCloid;
  o.side = Side::kSell;
  o.type = OrderType::kStopMarket;
  o.qty = qty("0.010");
  o.trigger_price = px("60000");
  o.reduce_only = true;
  const std::string id = "&clientAlgoId=" + std::string(kCloidText);
  expect(codec_.new_algo_order(o, kTs, buf_), HttpMethod::kPost, "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&quantity=0.01&"
         "triggerPrice=60000&workingType=CONTRACT_PRICE&reduceOnly=true" +
             id);

  o.type = OrderType::kStopLimit;
  o.price = px("59990.5");
  o.tif = TimeInForce::kPostOnly;
  o.working_type = WorkingType::kMarkPrice;
  o.price_protect = true;
  o.reduce_only = false;
  expect(codec_.new_algo_order(o, kTs, buf_), HttpMethod::kPost, "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP&timeInForce=GTX&quantity=0.01&"
         "price=59990.5&triggerPrice=60000&workingType=MARK_PRICE&priceProtect=true" +
             id);

  o = AlgoOrder{};
  o.symbol = "BTCUSDT";
  o.client_algo_id = kCloid;
  o.side = Side::kBuy;
  o.type = OrderType::kTakeProfitMarket;
  o.trigger_price = px("50000");
  o.close_position = true;
  o.position_side = common::PositionSide::kShort;
  expect(codec_.new_algo_order(o, kTs, buf_), HttpMethod::kPost, "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&positionSide=SHORT&type=TAKE_PROFIT_MARKET&"
         "triggerPrice=50000&workingType=CONTRACT_PRICE&closePosition=true" +
             id);

  o.type = OrderType::kTakeProfitLimit;
  o.close_position = false;
  o.qty = qty("1");
  o.price = px("50001");
  o.tif = TimeInForce::kGtc;
  expect(codec_.new_algo_order(o, kTs, buf_), HttpMethod::kPost, "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&positionSide=SHORT&type=TAKE_PROFIT&"
         "timeInForce=GTC&quantity=1&price=50001&triggerPrice=50000&workingType=CONTRACT_PRICE" +
             id);

  o = AlgoOrder{};
  o.symbol = "ETHUSDT";
  o.client_algo_id = kCloid;
  o.side = Side::kSell;
  o.type = OrderType::kTrailingStopMarket;
  o.qty = qty("0.5");
  o.activate_price = px("3000");
  o.callback_rate = common::Rate::parse("1.5").value();
  expect(codec_.new_algo_order(o, kTs, buf_), HttpMethod::kPost, "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=ETHUSDT&side=SELL&type=TRAILING_STOP_MARKET&quantity=0.5&"
         "activatePrice=3000&callbackRate=1.5&workingType=CONTRACT_PRICE" +
             id);
}

TEST_F(OrderCodecTest, InvalidAlgoOrders) {
  AlgoOrder o;
  o.symbol = "BTCUSDT";
  o.type = OrderType::kStopMarket;
  o.qty = qty("1");
  EXPECT_EQ(codec_.new_algo_order(o, kTs, buf_).error(), BuildError::kInvalid);  // no trigger
  o.trigger_price = px("1");
  o.type = OrderType::kLimit;
  EXPECT_EQ(codec_.new_algo_order(o, kTs, buf_).error(), BuildError::kInvalid);
  o.type = OrderType::kStopLimit;  // no limit price
  EXPECT_EQ(codec_.new_algo_order(o, kTs, buf_).error(), BuildError::kInvalid);
  o.type = OrderType::kStopMarket;
  o.close_position = true;  // closePosition with a quantity
  EXPECT_EQ(codec_.new_algo_order(o, kTs, buf_).error(), BuildError::kInvalid);
  o.qty = Qty{};
  o.reduce_only = true;  // closePosition with reduceOnly
  EXPECT_EQ(codec_.new_algo_order(o, kTs, buf_).error(), BuildError::kInvalid);
  o = AlgoOrder{};
  o.symbol = "BTCUSDT";
  o.type = OrderType::kTrailingStopMarket;
  o.qty = qty("1");
  EXPECT_EQ(codec_.new_algo_order(o, kTs, buf_).error(), BuildError::kInvalid);  // no callback
}

TEST_F(OrderCodecTest, FromIntent) {
  common::OrderIntent in;
  in.cloid = kCloid;
  in.side = Side::kBuy;
  in.type = OrderType::kLimit;
  in.tif = TimeInForce::kPostOnly;
  in.price = px("61800.1");
  in.qty = qty("0.002");
  expect(codec_.from_intent(in, "BTCUSDT", kTs, buf_), HttpMethod::kPost, "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.002&price=61800.1&"
         "newClientOrderId=" +
             std::string(kCloidText));
  in.type = OrderType::kTrailingStopMarket;
  in.side = Side::kSell;
  in.trigger_price = Price::from_units(150).value();  // 150 bp = 1.5 %
  in.flags = common::intent_flags::kReduceOnly;
  expect(codec_.from_intent(in, "BTCUSDT", kTs, buf_), HttpMethod::kPost, "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=TRAILING_STOP_MARKET&quantity=0.002&"
         "callbackRate=1.5&workingType=CONTRACT_PRICE&reduceOnly=true&clientAlgoId=" +
             std::string(kCloidText));
  in.type = OrderType::kStopMarket;
  in.trigger_price = px("60000");
  in.flags = common::intent_flags::kClosePosition;
  expect(codec_.from_intent(in, "BTCUSDT", kTs, buf_), HttpMethod::kPost, "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice=60000&"
         "workingType=CONTRACT_PRICE&closePosition=true&clientAlgoId=" +
             std::string(kCloidText));
  in.action = common::IntentAction::kCancel;
  EXPECT_EQ(codec_.from_intent(in, "BTCUSDT", kTs, buf_).error(), BuildError::kInvalid);
}

TEST_F(OrderCodecTest, CancelsAndQueries) {
  expect(codec_.cancel_order("BTCUSDT", kCloid, kTs, buf_), HttpMethod::kDelete, "/fapi/v1/order",
         "symbol=BTCUSDT&origClientOrderId=" + std::string(kCloidText));
  expect(codec_.cancel_order_by_id("BTCUSDT", 22542179, kTs, buf_), HttpMethod::kDelete,
         "/fapi/v1/order", "symbol=BTCUSDT&orderId=22542179");
  expect(codec_.cancel_algo_order(kCloid, kTs, buf_), HttpMethod::kDelete, "/fapi/v1/algoOrder",
         "clientAlgoId=" + std::string(kCloidText));
  expect(codec_.cancel_all("BTCUSDT", kTs, buf_), HttpMethod::kDelete, "/fapi/v1/allOpenOrders",
         "symbol=BTCUSDT");
  expect(codec_.cancel_all_algo("BTCUSDT", kTs, buf_), HttpMethod::kDelete,
         "/fapi/v1/algoOpenOrders", "symbol=BTCUSDT");
  expect(codec_.open_orders("BTCUSDT", kTs, buf_), HttpMethod::kGet, "/fapi/v1/openOrders",
         "symbol=BTCUSDT");
  expect(codec_.open_orders("", kTs, buf_), HttpMethod::kGet, "/fapi/v1/openOrders", "");
  expect(codec_.open_algo_orders("", kTs, buf_), HttpMethod::kGet, "/fapi/v1/openAlgoOrders", "");
  expect(codec_.query_order("BTCUSDT", kCloid, kTs, buf_), HttpMethod::kGet, "/fapi/v1/order",
         "symbol=BTCUSDT&origClientOrderId=" + std::string(kCloidText));
  EXPECT_EQ(codec_.cancel_order("BTCUSDT", ClientOrderId{}, kTs, buf_).error(),
            BuildError::kInvalid);
  EXPECT_EQ(codec_.cancel_all("", kTs, buf_).error(), BuildError::kInvalid);
  EXPECT_EQ(codec_.cancel_order_by_id("BTCUSDT", 0, kTs, buf_).error(), BuildError::kInvalid);
}

TEST_F(OrderCodecTest, AccountLeverageCountdown) {
  expect(codec_.position_risk("BTCUSDT", kTs, buf_), HttpMethod::kGet, "/fapi/v2/positionRisk",
         "symbol=BTCUSDT");
  expect(codec_.position_risk("", kTs, buf_), HttpMethod::kGet, "/fapi/v2/positionRisk", "");
  expect(codec_.balance(kTs, buf_), HttpMethod::kGet, "/fapi/v2/balance", "");
  expect(codec_.account(kTs, buf_), HttpMethod::kGet, "/fapi/v3/account", "");
  expect(codec_.set_leverage("BTCUSDT", 20, kTs, buf_), HttpMethod::kPost, "/fapi/v1/leverage",
         "symbol=BTCUSDT&leverage=20");
  EXPECT_EQ(codec_.set_leverage("BTCUSDT", 0, kTs, buf_).error(), BuildError::kInvalid);
  EXPECT_EQ(codec_.set_leverage("BTCUSDT", 126, kTs, buf_).error(), BuildError::kInvalid);
  expect(codec_.countdown_cancel_all("BTCUSDT", 120000, kTs, buf_), HttpMethod::kPost,
         "/fapi/v1/countdownCancelAll", "symbol=BTCUSDT&countdownTime=120000");
  expect(codec_.countdown_cancel_all("BTCUSDT", 0, kTs, buf_), HttpMethod::kPost,
         "/fapi/v1/countdownCancelAll", "symbol=BTCUSDT&countdownTime=0");
}

TEST_F(OrderCodecTest, ListenKeyAndDepthSnapshot) {
  const RestRequest start = OrderCodec::start_listen_key();
  EXPECT_EQ(start.method, HttpMethod::kPost);
  EXPECT_EQ(start.path, "/fapi/v1/listenKey");
  EXPECT_TRUE(start.query.empty() && start.body.empty());
  EXPECT_EQ(start.security, Security::kApiKey);
  EXPECT_EQ(OrderCodec::keepalive_listen_key().method, HttpMethod::kPut);
  EXPECT_EQ(OrderCodec::close_listen_key().method, HttpMethod::kDelete);
  EXPECT_EQ(codec_.api_key(), kKey);

  const auto d = depth_snapshot_request(Market::kUsdm, "BTCUSDT", 1000, buf_);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->path, "/fapi/v1/depth");
  EXPECT_EQ(d->query, "symbol=BTCUSDT&limit=1000");
  EXPECT_EQ(d->security, Security::kNone);
  EXPECT_EQ(depth_snapshot_request(Market::kSpot, "BTCUSDT", 5000, buf_)->path, "/api/v3/depth");
  EXPECT_EQ(depth_snapshot_request(Market::kCoinm, "BTCUSD_PERP", 100, buf_)->path,
            "/dapi/v1/depth");
  EXPECT_EQ(to_string(HttpMethod::kDelete), "DELETE");
}

TEST_F(OrderCodecTest, BuildingAllocatesNothing) {
  const NewOrder o = limit(TimeInForce::kGtc);
  testing::binance::AllocScope scope;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(codec_.new_order(o, kTs + i, buf_).ok());
    ASSERT_TRUE(codec_.cancel_order("BTCUSDT", kCloid, kTs + i, buf_).ok());
  }
  EXPECT_EQ(scope.count(), 0u);
}

}  // namespace
}  // namespace peregrine::gateways::binance
