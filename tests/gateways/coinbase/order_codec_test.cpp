#include "gateways/coinbase/order_codec.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

namespace peregrine::gateways::coinbase {
namespace {

using common::Money;
using common::Price;
using common::Qty;
using common::RejectReason;

const common::ClientOrderId kCloid{0x0123456789abcdefull, 0xfedcba9876543210ull};
constexpr std::string_view kUuid = "01234567-89ab-cdef-fedc-ba9876543210";

std::string build(const CreateOrderRequest& req) {
  char buf[1024];
  const auto r = build_create_order(req, buf, sizeof(buf));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.error()));
  return r.ok() ? std::string(buf, *r) : std::string();
}

CreateOrderRequest base(OrderConfig config) {
  CreateOrderRequest r;
  r.cloid = kCloid;
  r.product_id = "BTC-USD";
  r.side = common::Side::kBuy;
  r.config = config;
  r.base_size = *Qty::parse("0.00100000");
  r.limit_price = *Price::parse("65083.67");
  return r;
}

std::string head(std::string_view side = "BUY") {
  return std::string(R"({"client_order_id":")") + std::string(kUuid) +
         R"(","product_id":"BTC-USD","side":")" + std::string(side) + R"(","order_configuration":)";
}

TEST(BuildCreateOrder, LimitGtcPostOnly) {
  auto r = base(OrderConfig::kLimitGtc);
  r.post_only = true;
  EXPECT_EQ(build(r), head() + R"({"limit_limit_gtc":{"base_size":"0.001","limit_price":)"
                               R"("65083.67","post_only":true}}})");
  r.post_only = false;
  r.side = common::Side::kSell;
  EXPECT_EQ(build(r), head("SELL") + R"({"limit_limit_gtc":{"base_size":"0.001","limit_price":)"
                                     R"("65083.67","post_only":false}}})");
}

TEST(BuildCreateOrder, MarketByBaseOrQuote) {
  auto r = base(OrderConfig::kMarketIoc);
  r.limit_price = Price{};
  EXPECT_EQ(build(r), head() + R"({"market_market_ioc":{"base_size":"0.001"}}})");
  r.base_size = Qty{};
  r.quote_size = *Money::parse("1");
  // The official SDK's market buy example: {"market_market_ioc":{"quote_size":"1"}}.
  EXPECT_EQ(build(r), head() + R"({"market_market_ioc":{"quote_size":"1"}}})");
  r.base_size = *Qty::parse("1");
  char buf[512];
  EXPECT_EQ(build_create_order(r, buf, sizeof(buf)).error(), BuildError::kBadSize);
  r.base_size = Qty{};
  r.quote_size = Money{};
  EXPECT_EQ(build_create_order(r, buf, sizeof(buf)).error(), BuildError::kBadSize);
}

TEST(BuildCreateOrder, SorLimitIocFokAndStopLimit) {
  EXPECT_EQ(build(base(OrderConfig::kSorLimitIoc)),
            head() + R"({"sor_limit_ioc":{"base_size":"0.001","limit_price":"65083.67"}}})");
  EXPECT_EQ(build(base(OrderConfig::kLimitFok)),
            head() + R"({"limit_limit_fok":{"base_size":"0.001","limit_price":"65083.67"}}})");
  auto r = base(OrderConfig::kStopLimitGtc);
  r.stop_price = *Price::parse("65000.5");
  r.stop_direction = StopDirection::kStopDown;
  EXPECT_EQ(build(r), head() + R"({"stop_limit_stop_limit_gtc":{"base_size":"0.001",)"
                               R"("limit_price":"65083.67","stop_price":"65000.5",)"
                               R"("stop_direction":"STOP_DIRECTION_STOP_DOWN"}}})");
  r.stop_direction = StopDirection::kStopUp;
  EXPECT_NE(build(r).find(R"("stop_direction":"STOP_DIRECTION_STOP_UP")"), std::string::npos);
}

TEST(BuildCreateOrder, ValidatesAndNeverWritesPastTheBuffer) {
  char buf[512];
  auto r = base(OrderConfig::kLimitGtc);
  r.product_id = "BTC\"USD";
  EXPECT_EQ(build_create_order(r, buf, sizeof(buf)).error(), BuildError::kBadProduct);
  r = base(OrderConfig::kLimitGtc);
  r.cloid = {};
  EXPECT_EQ(build_create_order(r, buf, sizeof(buf)).error(), BuildError::kNullCloid);
  r = base(OrderConfig::kLimitGtc);
  r.limit_price = Price{};
  EXPECT_EQ(build_create_order(r, buf, sizeof(buf)).error(), BuildError::kBadPrice);
  r = base(OrderConfig::kStopLimitGtc);
  EXPECT_EQ(build_create_order(r, buf, sizeof(buf)).error(), BuildError::kBadStop);

  const std::string full = build(base(OrderConfig::kLimitGtc));
  for (std::size_t cap = 0; cap < full.size(); ++cap) {
    std::array<char, 600> guard;
    guard.fill('#');
    const auto res = build_create_order(base(OrderConfig::kLimitGtc), guard.data(), cap);
    ASSERT_FALSE(res.ok()) << cap;
    EXPECT_EQ(res.error(), BuildError::kOverflow);
    for (std::size_t i = cap; i < guard.size(); ++i) ASSERT_EQ(guard[i], '#') << cap;
  }
  std::array<char, 600> exact;
  const auto fits = build_create_order(base(OrderConfig::kLimitGtc), exact.data(), full.size());
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(std::string(exact.data(), *fits), full);
}

TEST(CreateOrderFromIntent, MapsTheEngineOrderTypes) {
  common::OrderIntent in;
  in.cloid = kCloid;
  in.side = common::Side::kSell;
  in.qty = *Qty::parse("2");
  in.price = *Price::parse("100");
  in.type = common::OrderType::kLimit;
  const auto config = [&](common::TimeInForce tif) {
    in.tif = tif;
    const auto r = create_order_from_intent(in, "ETH-USD");
    EXPECT_TRUE(r.ok());
    return *r;
  };
  EXPECT_EQ(config(common::TimeInForce::kGtc).config, OrderConfig::kLimitGtc);
  EXPECT_FALSE(config(common::TimeInForce::kGtc).post_only);
  EXPECT_TRUE(config(common::TimeInForce::kPostOnly).post_only);
  EXPECT_EQ(config(common::TimeInForce::kIoc).config, OrderConfig::kSorLimitIoc);
  EXPECT_EQ(config(common::TimeInForce::kFok).config, OrderConfig::kLimitFok);

  in.type = common::OrderType::kMarket;
  in.tif = common::TimeInForce::kIoc;
  auto m = create_order_from_intent(in, "ETH-USD");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->config, OrderConfig::kMarketIoc);
  EXPECT_EQ(build(*m), std::string(R"({"client_order_id":")") + std::string(kUuid) +
                           R"(","product_id":"ETH-USD","side":"SELL","order_configuration":)"
                           R"({"market_market_ioc":{"base_size":"2"}}})");

  in.type = common::OrderType::kStopLimit;
  in.tif = common::TimeInForce::kGtc;
  in.trigger_price = *Price::parse("95");
  auto s = create_order_from_intent(in, "ETH-USD");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stop_direction, StopDirection::kStopDown);  // sell stop: on the way down
  in.side = common::Side::kBuy;
  EXPECT_EQ(create_order_from_intent(in, "ETH-USD")->stop_direction, StopDirection::kStopUp);
  in.type = common::OrderType::kTakeProfitLimit;
  EXPECT_EQ(create_order_from_intent(in, "ETH-USD")->stop_direction, StopDirection::kStopDown);

  in.type = common::OrderType::kStopMarket;
  EXPECT_EQ(create_order_from_intent(in, "ETH-USD").error(), BuildError::kUnsupported);
  in.type = common::OrderType::kLimit;
  in.flags = common::intent_flags::kReduceOnly;
  EXPECT_EQ(create_order_from_intent(in, "ETH-USD").error(), BuildError::kUnsupported);
  in.flags = 0;
  in.action = common::IntentAction::kCancel;
  EXPECT_EQ(create_order_from_intent(in, "ETH-USD").error(), BuildError::kUnsupported);
}

TEST(BuildBatchCancel, StringAndParsedIds) {
  char buf[8192];
  const std::array<std::string_view, 2> ids = {"a0b1c2d3-0000-4000-8000-000000000001",
                                               "a0b1c2d3-0000-4000-8000-000000000002"};
  auto r = build_batch_cancel(ids, buf, sizeof(buf));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string_view(buf, *r), R"({"order_ids":["a0b1c2d3-0000-4000-8000-000000000001",)"
                                       R"("a0b1c2d3-0000-4000-8000-000000000002"]})");
  const std::array<common::VenueOrderId, 2> parsed = {*common::VenueOrderId::parse(ids[0]),
                                                      *common::VenueOrderId::parse(ids[1])};
  auto p = build_batch_cancel(parsed, buf, sizeof(buf));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::string_view(buf, *p), std::string_view(buf, *r));

  EXPECT_EQ(build_batch_cancel(std::span<const std::string_view>{}, buf, sizeof(buf)).error(),
            BuildError::kTooMany);
  std::vector<std::string_view> many(kMaxBatchCancel + 1, ids[0]);
  EXPECT_EQ(build_batch_cancel(many, buf, sizeof(buf)).error(), BuildError::kTooMany);
  const std::array<std::string_view, 1> bad = {"x\"y"};
  EXPECT_EQ(build_batch_cancel(bad, buf, sizeof(buf)).error(), BuildError::kBadId);
  const std::array<common::VenueOrderId, 1> numeric = {common::VenueOrderId::from_int(7)};
  EXPECT_EQ(build_batch_cancel(numeric, buf, sizeof(buf)).error(), BuildError::kBadId);
}

TEST(BuildTargets, QueryStringsAsTheSdkSendsThem) {
  char buf[1024];
  const std::array<std::string_view, 2> products = {"BTC-USD", "ETH-USD"};
  ListOrdersQuery q;
  q.product_ids = products;
  q.order_status = "OPEN";
  q.limit = 100;
  auto r = build_list_orders_target(q, buf, sizeof(buf));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string_view(buf, *r),
            "/api/v3/brokerage/orders/historical/batch?product_ids=BTC-USD&product_ids=ETH-USD"
            "&order_status=OPEN&limit=100");
  q.cursor = "a b/c=";
  r = build_list_orders_target(q, buf, sizeof(buf));
  EXPECT_TRUE(std::string_view(buf, *r).ends_with("&cursor=a%20b%2Fc%3D"));
  EXPECT_EQ(build_list_orders_target({}, buf, sizeof(buf)).value(), kListOrders.path.size());

  const std::array<std::string_view, 1> order = {"1234"};
  const std::array<std::string_view, 1> product = {"product_id_1"};
  ListFillsQuery f;
  f.order_ids = order;
  f.product_ids = product;
  f.limit = 2;
  f.cursor = "abc";
  r = build_list_fills_target(f, buf, sizeof(buf));
  ASSERT_TRUE(r.ok());
  // The SDK's get_fills test query (minus its retail_portfolio_id).
  EXPECT_EQ(std::string_view(buf, *r),
            "/api/v3/brokerage/orders/historical/fills?order_ids=1234&product_ids=product_id_1"
            "&limit=2&cursor=abc");

  r = build_accounts_target(250, {}, buf, sizeof(buf));
  EXPECT_EQ(std::string_view(buf, *r), "/api/v3/brokerage/accounts?limit=250");
  r = build_products_target("SPOT", products, buf, sizeof(buf));
  EXPECT_EQ(std::string_view(buf, *r),
            "/api/v3/brokerage/products?product_type=SPOT&product_ids=BTC-USD&product_ids=ETH-USD");
  r = build_get_order_target("a0b1c2d3-0000-4000-8000-000000000001", buf, sizeof(buf));
  EXPECT_EQ(std::string_view(buf, *r),
            "/api/v3/brokerage/orders/historical/a0b1c2d3-0000-4000-8000-000000000001");
  EXPECT_EQ(build_get_order_target("../x", buf, sizeof(buf)).error(), BuildError::kBadId);
  EXPECT_EQ(build_accounts_target(1, {}, buf, 5).error(), BuildError::kOverflow);
}

TEST(RejectReason, VenueCodesMapToEngineReasons) {
  EXPECT_EQ(reject_reason_from_code("INSUFFICIENT_FUND"), RejectReason::kInsufficientMargin);
  EXPECT_EQ(reject_reason_from_code("PREVIEW_INSUFFICIENT_FUND"),
            RejectReason::kInsufficientMargin);
  EXPECT_EQ(reject_reason_from_code("INSUFFICIENT_FUNDS"), RejectReason::kInsufficientMargin);
  EXPECT_EQ(reject_reason_from_code("INVALID_LIMIT_PRICE_POST_ONLY"),
            RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(reject_reason_from_code("PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY"),
            RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(reject_reason_from_code("UNKNOWN_FAILURE_REASON"), RejectReason::kOther);
  EXPECT_EQ(reject_reason_from_code("DUPLICATE_CLIENT_ORDER_ID"), RejectReason::kDuplicateClientId);
  EXPECT_EQ(reject_reason_from_code("DUPLICATE_CANCEL_REQUEST"), RejectReason::kOther);
  EXPECT_EQ(reject_reason_from_code("UNKNOWN_CANCEL_ORDER"), RejectReason::kUnknownOrder);
  EXPECT_EQ(reject_reason_from_code("UNKNOWN_CANCEL_FAILURE_REASON"), RejectReason::kOther);
  EXPECT_EQ(reject_reason_from_code("INVALID_SIZE_PRECISION"), RejectReason::kInvalidQty);
  EXPECT_EQ(reject_reason_from_code("PREVIEW_INVALID_BASE_SIZE_TOO_SMALL"),
            RejectReason::kMinNotional);
  EXPECT_EQ(reject_reason_from_code("INVALID_PRICE_PRECISION"), RejectReason::kInvalidPrice);
  EXPECT_EQ(reject_reason_from_code("INVALID_NO_LIQUIDITY"), RejectReason::kNoLiquidity);
  EXPECT_EQ(reject_reason_from_code("rate_limit_exceeded"), RejectReason::kRateLimited);
  EXPECT_EQ(reject_reason_from_code("UNAUTHENTICATED"), RejectReason::kBadSignature);
  EXPECT_EQ(reject_reason_from_code(""), RejectReason::kOther);
  EXPECT_EQ(reject_reason_from_code(std::string(500, 'X')), RejectReason::kOther);
  EXPECT_TRUE(is_uninformative_code("UNKNOWN_PREVIEW_FAILURE_REASON"));
  EXPECT_TRUE(is_uninformative_code("REJECT_REASON_UNSPECIFIED"));
  EXPECT_FALSE(is_uninformative_code("UNKNOWN_CANCEL_ORDER"));
}

TEST(OrderStatus, UserChannelStatuses) {
  using common::OrderStatus;
  EXPECT_EQ(map_order_status("OPEN", false).status, OrderStatus::kNew);
  EXPECT_EQ(map_order_status("OPEN", true).status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(map_order_status("PENDING", false).status, OrderStatus::kPendingNew);
  EXPECT_EQ(map_order_status("FILLED", true).status, OrderStatus::kFilled);
  EXPECT_EQ(map_order_status("CANCEL_QUEUED", false).status, OrderStatus::kPendingCancel);
  EXPECT_EQ(map_order_status("CANCELLED", true).status, OrderStatus::kCancelled);
  EXPECT_EQ(map_order_status("EXPIRED", false).status, OrderStatus::kExpired);
  EXPECT_EQ(map_order_status("FAILED", false).status, OrderStatus::kRejected);
  EXPECT_FALSE(map_order_status("WHATEVER", false).known);
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
