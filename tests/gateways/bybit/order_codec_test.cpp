// Request builders (byte-exact) and reject-reason mapping.
#include "gateways/bybit/order_codec.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace peregrine::gateways::bybit {
namespace {

using common::OrderType;
using common::Price;
using common::Qty;
using common::RejectReason;
using common::Side;
using common::TimeInForce;

Price px(std::string_view s) { return *Price::parse(s); }
Qty qty(std::string_view s) { return *Qty::parse(s); }

constexpr common::ClientOrderId kCloid{0x0123456789abcdefull, 0x0011223344556677ull};
constexpr std::string_view kLink = "pg0123456789abcdef0011223344556677";

std::string build(const std::function<BuildResult(char*, std::size_t)>& fn) {
  char buf[1024];
  const BuildResult r = fn(buf, sizeof(buf));
  if (!r) return "error: " + std::string(to_string(r.error()));
  return std::string(buf, *r);
}

std::string create(const NewOrder& o) {
  return build([&](char* b, std::size_t n) { return write_create_order(o, b, n); });
}

BuildError create_error(const NewOrder& o) {
  char buf[1024];
  const BuildResult r = write_create_order(o, buf, sizeof(buf));
  return r ? BuildError::kOk : r.error();
}

NewOrder limit_buy() {
  NewOrder o;
  o.symbol = "BTCUSDT";
  o.cloid = kCloid;
  o.side = Side::kBuy;
  o.type = OrderType::kLimit;
  o.qty = qty("0.001");
  o.price = px("65000.50");
  return o;
}

TEST(BybitCreateOrder, LimitGtcWithOrderLinkId) {
  EXPECT_EQ(create(limit_buy()),
            R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",)"
            R"("qty":"0.001","price":"65000.5","timeInForce":"GTC","positionIdx":0,)"
            R"("orderLinkId":"pg0123456789abcdef0011223344556677"})");
  EXPECT_LE(kLink.size(), 36u);
}

TEST(BybitCreateOrder, EveryTimeInForce) {
  NewOrder o = limit_buy();
  o.cloid = {};
  for (const auto& [tif, text] : {std::pair{TimeInForce::kGtc, "GTC"},
                                  {TimeInForce::kIoc, "IOC"},
                                  {TimeInForce::kFok, "FOK"},
                                  {TimeInForce::kPostOnly, "PostOnly"}}) {
    o.tif = tif;
    EXPECT_EQ(create(o), std::string(R"({"category":"linear","symbol":"BTCUSDT","side":"Buy",)"
                                     R"("orderType":"Limit","qty":"0.001","price":"65000.5",)"
                                     R"("timeInForce":")") +
                             text + R"(","positionIdx":0})");
  }
}

TEST(BybitCreateOrder, MarketReduceOnlyHedgeShort) {
  NewOrder o;
  o.symbol = "ETHUSDT";
  o.cloid = kCloid;
  o.side = Side::kBuy;
  o.type = OrderType::kMarket;
  o.tif = TimeInForce::kIoc;  // ignored: market orders are always IOC on the venue
  o.qty = qty("1.50");
  o.position_idx = position_idx_for(common::PositionSide::kShort);
  o.reduce_only = true;
  EXPECT_EQ(create(o), R"({"category":"linear","symbol":"ETHUSDT","side":"Buy",)"
                       R"("orderType":"Market","qty":"1.5","positionIdx":2,)"
                       R"("orderLinkId":"pg0123456789abcdef0011223344556677","reduceOnly":true})");
}

TEST(BybitCreateOrder, TakeProfitStopLossOnCreate) {
  NewOrder o = limit_buy();
  o.cloid = {};
  o.position_idx = 1;
  o.take_profit = px("70000");
  o.stop_loss = px("60000");
  o.tp_trigger_by = TriggerBy::kMarkPrice;
  EXPECT_EQ(create(o), R"({"category":"linear","symbol":"BTCUSDT","side":"Buy",)"
                       R"("orderType":"Limit","qty":"0.001","price":"65000.5",)"
                       R"("timeInForce":"GTC","positionIdx":1,"takeProfit":"70000",)"
                       R"("stopLoss":"60000","tpTriggerBy":"MarkPrice"})");
}

TEST(BybitCreateOrder, ConditionalOrders) {
  NewOrder o;
  o.symbol = "BTCUSDT";
  o.qty = qty("0.01");
  o.side = Side::kSell;
  o.type = OrderType::kStopMarket;
  o.trigger_price = px("60000");
  o.trigger_by = TriggerBy::kMarkPrice;
  o.close_on_trigger = true;
  o.reduce_only = true;
  // A sell stop fires on a fall.
  EXPECT_EQ(create(o), R"({"category":"linear","symbol":"BTCUSDT","side":"Sell",)"
                       R"("orderType":"Market","qty":"0.01","triggerDirection":2,)"
                       R"("triggerPrice":"60000","triggerBy":"MarkPrice","positionIdx":0,)"
                       R"("reduceOnly":true,"closeOnTrigger":true})");
  NewOrder b;
  b.symbol = "BTCUSDT";
  b.qty = qty("0.01");
  b.side = Side::kBuy;
  b.type = OrderType::kStopLimit;
  b.trigger_price = px("70000");
  b.price = px("70100");
  EXPECT_EQ(create(b), R"({"category":"linear","symbol":"BTCUSDT","side":"Buy",)"
                       R"("orderType":"Limit","qty":"0.01","price":"70100",)"
                       R"("triggerDirection":1,"triggerPrice":"70000","timeInForce":"GTC",)"
                       R"("positionIdx":0})");
  NewOrder tp = o;
  tp.type = OrderType::kTakeProfitMarket;  // a sell take-profit fires on a rise
  tp.trigger_price = px("80000");
  tp.trigger_by = TriggerBy::kDefault;
  tp.close_on_trigger = false;
  EXPECT_EQ(create(tp), R"({"category":"linear","symbol":"BTCUSDT","side":"Sell",)"
                        R"("orderType":"Market","qty":"0.01","triggerDirection":1,)"
                        R"("triggerPrice":"80000","positionIdx":0,"reduceOnly":true})");
  tp.trigger_direction = TriggerDirection::kFall;  // explicit wins
  EXPECT_NE(create(tp).find(R"("triggerDirection":2)"), std::string::npos);
}

TEST(BybitCreateOrder, SpotLimitPostOnly) {
  NewOrder o;
  o.category = Category::kSpot;
  o.symbol = "BTCUSDT";
  o.side = Side::kBuy;
  o.qty = qty("0.01");
  o.price = px("28000");
  o.tif = TimeInForce::kPostOnly;
  EXPECT_EQ(create(o), R"({"category":"spot","symbol":"BTCUSDT","side":"Buy",)"
                       R"("orderType":"Limit","qty":"0.01","price":"28000",)"
                       R"("timeInForce":"PostOnly"})");
  o.reduce_only = true;
  EXPECT_EQ(create_error(o), BuildError::kUnsupported);
}

TEST(BybitCreateOrder, RejectsInvalidOrders) {
  NewOrder o = limit_buy();
  o.symbol = "btcusdt";
  EXPECT_EQ(create_error(o), BuildError::kBadSymbol);
  o.symbol = "BTC\"USDT";
  EXPECT_EQ(create_error(o), BuildError::kBadSymbol);
  o = limit_buy();
  o.qty = Qty{};
  EXPECT_EQ(create_error(o), BuildError::kBadQty);
  o = limit_buy();
  o.price = Price{};
  EXPECT_EQ(create_error(o), BuildError::kMissingPrice);
  o.price = -px("1");
  EXPECT_EQ(create_error(o), BuildError::kBadPrice);
  o = limit_buy();
  o.type = OrderType::kMarket;
  o.tif = TimeInForce::kPostOnly;
  EXPECT_EQ(create_error(o), BuildError::kBadCombination);
  o = limit_buy();
  o.reduce_only = true;
  o.take_profit = px("70000");
  EXPECT_EQ(create_error(o), BuildError::kBadCombination);
  o = limit_buy();
  o.type = OrderType::kStopMarket;
  EXPECT_EQ(create_error(o), BuildError::kMissingTrigger);
  o.type = OrderType::kTrailingStopMarket;
  EXPECT_EQ(create_error(o), BuildError::kUnsupported);
  o = limit_buy();
  o.position_idx = 3;
  EXPECT_EQ(create_error(o), BuildError::kBadValue);
}

TEST(BybitCreateOrder, FromIntent) {
  common::OrderIntent in;
  in.cloid = kCloid;
  in.side = Side::kSell;
  in.type = OrderType::kLimit;
  in.tif = TimeInForce::kIoc;
  in.qty = qty("2");
  in.price = px("1923.28");
  in.position_side = common::PositionSide::kLong;
  in.flags = common::intent_flags::kReduceOnly;
  EXPECT_EQ(create(new_order_from_intent(in, "ETHUSDT")),
            R"({"category":"linear","symbol":"ETHUSDT","side":"Sell","orderType":"Limit",)"
            R"("qty":"2","price":"1923.28","timeInForce":"IOC","positionIdx":1,)"
            R"("orderLinkId":"pg0123456789abcdef0011223344556677","reduceOnly":true})");
}

// Every builder: each too-small buffer gives kOverflow and never writes past its end.
TEST(BybitBuilders, OverflowNeverWritesPastTheBuffer) {
  const NewOrder o = limit_buy();
  const std::string full = create(o);
  for (std::size_t cap = 0; cap < full.size(); ++cap) {
    std::string buf(full.size() + 8, '#');
    const BuildResult r = write_create_order(o, buf.data(), cap);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), BuildError::kOverflow);
    EXPECT_EQ(buf.substr(cap), std::string(full.size() + 8 - cap, '#')) << cap;
  }
  char exact[256];
  EXPECT_EQ(*write_create_order(o, exact, full.size()), full.size());
}

common::VenueOrderId uuid_id() {
  return *common::VenueOrderId::parse("c6f055d9-7f21-4079-913d-e6523a9cfffa");
}

TEST(BybitAmendOrder, DocExampleShape) {
  AmendOrder a;
  a.ref.symbol = "ETHPERP";
  a.ref.cloid = kCloid;
  a.trigger_price = px("1145");
  a.qty = qty("0.15");
  a.price = px("1050");
  a.has_take_profit = a.has_stop_loss = true;  // "0" cancels both
  EXPECT_EQ(build([&](char* b, std::size_t n) { return write_amend_order(a, b, n); }),
            R"({"category":"linear","symbol":"ETHPERP",)"
            R"("orderLinkId":"pg0123456789abcdef0011223344556677","triggerPrice":"1145",)"
            R"("qty":"0.15","price":"1050","takeProfit":"0","stopLoss":"0"})");
  AmendOrder p;
  p.ref.symbol = "XRPUSDT";
  p.ref.order_id = uuid_id();
  p.price = px("0.5");
  EXPECT_EQ(build([&](char* b, std::size_t n) { return write_amend_order(p, b, n); }),
            R"({"category":"linear","symbol":"XRPUSDT",)"
            R"("orderId":"c6f055d9-7f21-4079-913d-e6523a9cfffa","price":"0.5"})");
  AmendOrder none;
  none.ref = p.ref;
  EXPECT_EQ(build([&](char* b, std::size_t n) { return write_amend_order(none, b, n); }),
            "error: invalid combination of order fields");
  AmendOrder noid;
  noid.ref.symbol = "XRPUSDT";
  noid.price = px("1");
  EXPECT_EQ(build([&](char* b, std::size_t n) { return write_amend_order(noid, b, n); }),
            "error: no order id, client id or filter");
}

TEST(BybitCancelOrder, ByOrderIdOrLinkId) {
  OrderRef r;
  r.symbol = "BTCPERP";
  r.order_id = uuid_id();
  EXPECT_EQ(build([&](char* b, std::size_t n) { return write_cancel_order(r, b, n); }),
            R"({"category":"linear","symbol":"BTCPERP",)"
            R"("orderId":"c6f055d9-7f21-4079-913d-e6523a9cfffa"})");
  r.order_id = {};
  r.cloid = kCloid;
  EXPECT_EQ(build([&](char* b, std::size_t n) { return write_cancel_order(r, b, n); }),
            R"({"category":"linear","symbol":"BTCPERP",)"
            R"("orderLinkId":"pg0123456789abcdef0011223344556677"})");
  r.cloid = {};
  EXPECT_EQ(build([&](char* b, std::size_t n) { return write_cancel_order(r, b, n); }),
            "error: no order id, client id or filter");
}

TEST(BybitCancelAll, ScopesAndFilter) {
  const auto run = [](const CancelAll& c) {
    return build([&](char* b, std::size_t n) { return write_cancel_all(c, b, n); });
  };
  CancelAll c;
  c.settle_coin = "USDT";
  EXPECT_EQ(run(c), R"({"category":"linear","settleCoin":"USDT"})");
  c.symbol = "BTCUSDT";  // symbol wins, only one scope is sent
  c.filter = OrderFilter::kStopOrder;
  EXPECT_EQ(run(c), R"({"category":"linear","symbol":"BTCUSDT","orderFilter":"StopOrder"})");
  CancelAll none;
  EXPECT_EQ(run(none), "error: no order id, client id or filter");
  none.category = Category::kSpot;
  EXPECT_EQ(run(none), R"({"category":"spot"})");
  CancelAll bad;
  bad.base_coin = "btc";
  EXPECT_EQ(run(bad), "error: bad coin");
}

TEST(BybitOpenOrdersQuery, Variants) {
  const auto run = [](const OpenOrdersQuery& q) {
    return build([&](char* b, std::size_t n) { return write_open_orders_query(q, b, n); });
  };
  OpenOrdersQuery q;
  q.symbol = "ETHUSDT";
  q.limit = 1;
  EXPECT_EQ(run(q), "category=linear&symbol=ETHUSDT&limit=1");
  q.closed_too = true;
  q.filter = OrderFilter::kOrder;
  q.limit = 50;
  q.cursor = "page_args%3Dfd4300ae-7847-404e-b947-b46980a4d140%26symbol%3D6%26";
  EXPECT_EQ(run(q),
            "category=linear&symbol=ETHUSDT&openOnly=1&orderFilter=Order&limit=50&"
            "cursor=page_args%3Dfd4300ae-7847-404e-b947-b46980a4d140%26symbol%3D6%26");
  OpenOrdersQuery by_id;
  by_id.order_id = common::VenueOrderId::from_int(1321003749386327552ull);
  by_id.cloid = kCloid;
  EXPECT_EQ(run(by_id),
            "category=linear&orderId=1321003749386327552&"
            "orderLinkId=pg0123456789abcdef0011223344556677");
  OpenOrdersQuery settle;
  settle.settle_coin = "USDT";
  EXPECT_EQ(run(settle), "category=linear&settleCoin=USDT");
  OpenOrdersQuery bad = q;
  bad.cursor = "a&b=c";
  EXPECT_EQ(run(bad), "error: bad cursor");
  bad = q;
  bad.limit = 51;
  EXPECT_EQ(run(bad), "error: value out of range");
  EXPECT_EQ(run(OpenOrdersQuery{}), "error: no order id, client id or filter");
}

TEST(BybitPositionsQuery, Variants) {
  const auto run = [](const PositionsQuery& q) {
    return build([&](char* b, std::size_t n) { return write_positions_query(q, b, n); });
  };
  PositionsQuery q;
  q.symbol = "BTCUSDT";
  EXPECT_EQ(run(q), "category=linear&symbol=BTCUSDT");
  PositionsQuery s;
  s.settle_coin = "USDT";
  s.limit = 200;
  s.cursor = "abc%3D1";
  EXPECT_EQ(run(s), "category=linear&settleCoin=USDT&limit=200&cursor=abc%3D1");
  EXPECT_EQ(run(PositionsQuery{}), "error: no order id, client id or filter");
  s.limit = 201;
  EXPECT_EQ(run(s), "error: value out of range");
}

TEST(BybitWalletQuery, Coins) {
  const auto run = [](std::string_view coins) {
    return build([&](char* b, std::size_t n) { return write_wallet_balance_query(coins, b, n); });
  };
  EXPECT_EQ(run(""), "accountType=UNIFIED");
  EXPECT_EQ(run("USDT,USDC"), "accountType=UNIFIED&coin=USDT,USDC");
  EXPECT_EQ(run("usdt"), "error: bad coin");
  EXPECT_EQ(run("USDT,,USDC"), "error: bad coin");
  EXPECT_EQ(run("USDT,"), "error: bad coin");
}

TEST(BybitSetLeverage, DocExample) {
  const auto run = [](std::string_view buy, std::string_view sell) {
    return build([&](char* b, std::size_t n) {
      return write_set_leverage("BTCUSDT", *common::Rate::parse(buy), *common::Rate::parse(sell), b,
                                n);
    });
  };
  EXPECT_EQ(run("6", "6"),
            R"({"category":"linear","symbol":"BTCUSDT","buyLeverage":"6","sellLeverage":"6"})");
  EXPECT_EQ(run("12.50", "10"), R"({"category":"linear","symbol":"BTCUSDT",)"
                                R"("buyLeverage":"12.5","sellLeverage":"10"})");
  EXPECT_EQ(run("0", "6"), "error: value out of range");
  EXPECT_EQ(run("6", "201"), "error: value out of range");
}

TEST(BybitDisconnectCancelAll, WindowAndProduct) {
  const auto run = [](DcpProduct p, std::uint32_t w) {
    return build([&](char* b, std::size_t n) { return write_disconnect_cancel_all(p, w, b, n); });
  };
  EXPECT_EQ(run(DcpProduct::kDerivatives, 40), R"({"product":"DERIVATIVES","timeWindow":40})");
  EXPECT_EQ(run(DcpProduct::kOptions, 3), R"({"product":"OPTIONS","timeWindow":3})");
  EXPECT_EQ(run(DcpProduct::kSpot, 300), R"({"product":"SPOT","timeWindow":300})");
  EXPECT_EQ(run(DcpProduct::kDerivatives, 2), "error: value out of range");
  EXPECT_EQ(run(DcpProduct::kDerivatives, 301), "error: value out of range");
  EXPECT_EQ(path::kDisconnectCancelAll, "/v5/order/disconnected-cancel-all");
}

TEST(BybitVenueOrderId, RendersAsReceived) {
  char buf[40];
  for (const std::string_view s :
       {"c6f055d9-7f21-4079-913d-e6523a9cfffa", "1321003749386327552", "0"}) {
    const auto id = common::VenueOrderId::parse(s);
    ASSERT_TRUE(id.ok()) << s;
    EXPECT_EQ(std::string_view(buf, write_venue_order_id(*id, buf)), s);
  }
}

TEST(BybitRejectReason, RetCodes) {
  EXPECT_EQ(reject_reason_from_code(0, "OK"), RejectReason::kNone);
  EXPECT_EQ(reject_reason_from_code(110007, "Insufficient available balance"),
            RejectReason::kInsufficientMargin);
  EXPECT_EQ(reject_reason_from_code(110004, ""), RejectReason::kInsufficientMargin);
  EXPECT_EQ(reject_reason_from_code(110012, ""), RejectReason::kInsufficientMargin);
  EXPECT_EQ(reject_reason_from_code(10006, "Too many visits!"), RejectReason::kRateLimited);
  EXPECT_EQ(reject_reason_from_code(10018, ""), RejectReason::kRateLimited);
  EXPECT_EQ(reject_reason_from_code(10429, ""), RejectReason::kRateLimited);
  EXPECT_EQ(reject_reason_from_code(110001, "Order does not exist"), RejectReason::kUnknownOrder);
  EXPECT_EQ(reject_reason_from_code(110008, ""), RejectReason::kUnknownOrder);
  EXPECT_EQ(reject_reason_from_code(10004, "error sign!"), RejectReason::kBadSignature);
  EXPECT_EQ(reject_reason_from_code(10003, "API key is invalid."), RejectReason::kBadSignature);
  EXPECT_EQ(reject_reason_from_code(10002,
                                    "invalid request, please check your server timestamp "
                                    "or recv_window param"),
            RejectReason::kOther);
  EXPECT_EQ(reject_reason_from_code(110072, "OrderLinkedID is duplicate"),
            RejectReason::kDuplicateClientId);
  EXPECT_EQ(reject_reason_from_code(10001, "Qty invalid"), RejectReason::kInvalidQty);
  EXPECT_EQ(reject_reason_from_code(10001, "params error: price invalid"),
            RejectReason::kInvalidPrice);
  EXPECT_EQ(reject_reason_from_code(10001, "position idx not match position mode"),
            RejectReason::kOther);
  EXPECT_EQ(reject_reason_from_code(110017,
                                    "current position is zero, cannot fix reduce-only "
                                    "order qty"),
            RejectReason::kReduceOnlyWouldIncrease);
  EXPECT_EQ(reject_reason_from_code(110017, "orderQty will be truncated to zero."),
            RejectReason::kInvalidQty);
  EXPECT_EQ(reject_reason_from_code(110003, ""), RejectReason::kInvalidPrice);
  EXPECT_EQ(reject_reason_from_code(170134, "Order price decimal too long."),
            RejectReason::kInvalidPrice);
  EXPECT_EQ(reject_reason_from_code(170137, ""), RejectReason::kInvalidQty);
  EXPECT_EQ(reject_reason_from_code(110094, ""), RejectReason::kMinNotional);
  EXPECT_EQ(reject_reason_from_code(170218, ""), RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(reject_reason_from_code(10016, "Internal System Error."),
            RejectReason::kUnknownOutcome);
  EXPECT_EQ(reject_reason_from_code(123456, "new code"), RejectReason::kOther);
}

TEST(BybitRejectReason, HttpAndOrderStream) {
  EXPECT_EQ(reject_reason_from_http(200), RejectReason::kNone);
  EXPECT_EQ(reject_reason_from_http(403), RejectReason::kRateLimited);
  EXPECT_EQ(reject_reason_from_http(429), RejectReason::kRateLimited);
  EXPECT_EQ(reject_reason_from_http(401), RejectReason::kBadSignature);
  EXPECT_EQ(reject_reason_from_http(502), RejectReason::kUnknownOutcome);
  EXPECT_EQ(reject_reason_from_http(404), RejectReason::kOther);
  EXPECT_EQ(reject_reason_from_ec("EC_NoError"), RejectReason::kNone);
  EXPECT_EQ(reject_reason_from_ec("EC_PerCancelRequest"), RejectReason::kNone);
  EXPECT_EQ(reject_reason_from_ec("EC_PostOnlyWillTakeLiquidity"),
            RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(reject_reason_from_ec("EC_NoImmediateQtyToFill"), RejectReason::kNoLiquidity);
  EXPECT_EQ(reject_reason_from_ec("EC_OrigClOrdIDDoesNotExist"), RejectReason::kUnknownOrder);
  EXPECT_EQ(reject_reason_from_ec("EC_DuplicatedClOrdID"), RejectReason::kDuplicateClientId);
  EXPECT_EQ(reject_reason_from_ec("EC_InvalidPriceScale"), RejectReason::kInvalidPrice);
  EXPECT_EQ(reject_reason_from_ec("EC_QtyCannotBeZero"), RejectReason::kInvalidQty);
  EXPECT_EQ(reject_reason_from_ec("EC_Others"), RejectReason::kOther);
}

}  // namespace
}  // namespace peregrine::gateways::bybit
