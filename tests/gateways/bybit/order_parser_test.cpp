// REST responses and private-WebSocket frames. Fixtures are the venue docs' examples
// (bybit-exchange/docs, docs/v5/...), verbatim unless a comment says what was changed.
#include <gtest/gtest.h>

#include <string>

#include "alloc_counter.hpp"
#include "gateways/bybit/order_codec.hpp"

namespace peregrine::gateways::bybit {
namespace {

using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

Price px(std::string_view s) { return *Price::parse(s); }
Qty qty(std::string_view s) { return *Qty::parse(s); }
common::Money money(std::string_view s) { return *common::Money::parse(s); }

SymbolTable table() {
  SymbolTable t;
  EXPECT_TRUE(t.bind("BTCUSDT", common::InstrumentId{0}));
  EXPECT_TRUE(t.bind("ETHUSDT", common::InstrumentId{1}));
  EXPECT_TRUE(t.bind("XRPUSDT", common::InstrumentId{2}));
  EXPECT_TRUE(t.bind("ICPUSDT", common::InstrumentId{3}));
  EXPECT_TRUE(t.bind("BTCUSD", common::InstrumentId{4}));
  return t;
}

class BybitExecParserTest : public ::testing::Test {
 protected:
  RestResponse rest(RestEndpoint ep, std::string_view body) {
    const auto r = parser_.parse_rest_unpadded(ep, body, 7);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.error()));
    return r.ok() ? *r : RestResponse{};
  }
  ExecFrameKind ws(std::string_view frame) {
    const auto r = parser_.parse_ws_unpadded(frame, 9);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.error()));
    return r.ok() ? *r : ExecFrameKind::kOther;
  }
  ExecParser parser_{table()};
};

// docs/v5/order/create-order.mdx response example.
TEST_F(BybitExecParserTest, CreateOrderAck) {
  const RestResponse r = rest(RestEndpoint::kCreateOrder, R"({
    "retCode": 0, "retMsg": "OK",
    "result": {"orderId": "1321003749386327552", "orderLinkId": "spot-test-postonly"},
    "retExtInfo": {}, "time": 1672211918471})");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.reject, RejectReason::kNone);
  EXPECT_EQ(r.ack.order_id, common::VenueOrderId::from_int(1321003749386327552ull));
  EXPECT_EQ(r.ack.order_link_id, "spot-test-postonly");
  EXPECT_FALSE(r.ack.has_cloid);
  EXPECT_EQ(r.ts_venue, 1672211918471LL * 1'000'000);

  // Our own orderLinkId parses back to the engine's client order id.
  const RestResponse ours =
      rest(RestEndpoint::kCreateOrder, R"({"retCode":0,"retMsg":"OK","result":{"orderId":)"
                                       R"("c6f055d9-7f21-4079-913d-e6523a9cfffa","orderLinkId":)"
                                       R"("pg0123456789abcdef0011223344556677"},"retExtInfo":{},)"
                                       R"("time":1672217093461})");
  EXPECT_TRUE(ours.ack.has_cloid);
  EXPECT_EQ(ours.ack.cloid, (common::ClientOrderId{0x0123456789abcdefull, 0x0011223344556677ull}));
  EXPECT_TRUE(ours.ack.order_id.is_uuid);
}

// HTTP 200 does not mean success: retCode decides.
TEST_F(BybitExecParserTest, RetCodeErrorsWithHttp200) {
  struct Case {
    std::string_view body;
    std::int64_t code;
    RejectReason reason;
  };
  const Case cases[] = {
      {R"({"retCode":110007,"retMsg":"ab not enough for new order","result":{},)"
       R"("retExtInfo":{},"time":1672211918471})",
       110007, RejectReason::kInsufficientMargin},
      {R"({"retCode":10004,"retMsg":"error sign! origin_string[1672211918471XXXXX5000{}]",)"
       R"("result":{},"retExtInfo":{},"time":1672211918471})",
       10004, RejectReason::kBadSignature},
      {R"({"retCode":10002,"retMsg":"invalid request, please check your server timestamp or )"
       R"(recv_window param. req_timestamp[1672211918471],server_timestamp[1672211928471],)"
       R"(recv_window[5000]","result":{},"retExtInfo":{},"time":1672211928471})",
       10002, RejectReason::kOther},
      {R"({"retCode":10006,"retMsg":"Too many visits!","result":null,"retExtInfo":null,)"
       R"("time":1672211918471})",
       10006, RejectReason::kRateLimited},
      {R"({"retCode":110072,"retMsg":"OrderLinkedID is duplicate","result":{},)"
       R"("retExtInfo":{},"time":1672211918471})",
       110072, RejectReason::kDuplicateClientId},
      {R"({"retCode":110001,"retMsg":"order not exists or too late to cancel","result":{},)"
       R"("retExtInfo":{},"time":1672211918471})",
       110001, RejectReason::kUnknownOrder},
  };
  for (const Case& c : cases) {
    const RestResponse r = rest(RestEndpoint::kCreateOrder, c.body);
    EXPECT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.ret_code, c.code);
    EXPECT_EQ(r.reject, c.reason) << c.body;
    EXPECT_FALSE(r.ret_msg.empty());
  }
  EXPECT_EQ(parser_.counters().rejects.load(), std::size(cases));
}

// docs/v5/order/amend-order.mdx and cancel-order.mdx response examples.
TEST_F(BybitExecParserTest, AmendAndCancelAcks) {
  for (const RestEndpoint ep : {RestEndpoint::kAmendOrder, RestEndpoint::kCancelOrder}) {
    const RestResponse r = rest(ep, R"({"retCode": 0, "retMsg": "OK", "result": {
        "orderId": "c6f055d9-7f21-4079-913d-e6523a9cfffa", "orderLinkId": "linear-004"},
        "retExtInfo": {}, "time": 1672217093461})");
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.ack.order_id, *common::VenueOrderId::parse("c6f055d9-7f21-4079-913d-e6523a9cfffa"));
    EXPECT_EQ(r.ack.order_link_id, "linear-004");
  }
}

// docs/v5/order/cancel-all.mdx response example.
TEST_F(BybitExecParserTest, CancelAll) {
  const RestResponse r = rest(RestEndpoint::kCancelAll, R"({
    "retCode": 0, "retMsg": "OK",
    "result": {"list": [{"orderId": "1616024329462743808", "orderLinkId": "1616024329462743809"},
                        {"orderId": "1616024287544869632", "orderLinkId": "1616024287544869633"}],
               "success": "1"},
    "retExtInfo": {}, "time": 1707381118116})");
  EXPECT_TRUE(r.cancel_all_success);
  ASSERT_EQ(parser_.acks().size(), 2u);
  EXPECT_EQ(parser_.acks()[1].order_id, common::VenueOrderId::from_int(1616024287544869632ull));
  EXPECT_EQ(parser_.acks()[1].order_link_id, "1616024287544869633");
}

// docs/v5/order/open-order.mdx response example.
TEST_F(BybitExecParserTest, OpenOrders) {
  const RestResponse r = rest(RestEndpoint::kOpenOrders, R"({
    "retCode": 0, "retMsg": "OK",
    "result": {
        "list": [{
            "orderId": "fd4300ae-7847-404e-b947-b46980a4d140", "orderLinkId": "test-000005",
            "blockTradeId": "", "symbol": "ETHUSDT", "price": "1600.00", "qty": "0.10",
            "side": "Buy", "isLeverage": "", "positionIdx": 1, "orderStatus": "New",
            "cancelType": "UNKNOWN", "rejectReason": "EC_NoError", "avgPrice": "0",
            "leavesQty": "0.10", "leavesValue": "160", "cumExecQty": "0.00", "cumExecValue": "0",
            "cumExecFee": "0", "timeInForce": "GTC", "orderType": "Limit",
            "stopOrderType": "UNKNOWN", "orderIv": "", "triggerPrice": "0.00",
            "takeProfit": "2500.00", "stopLoss": "1500.00", "tpTriggerBy": "LastPrice",
            "slTriggerBy": "LastPrice", "triggerDirection": 0, "triggerBy": "UNKNOWN",
            "lastPriceOnCreated": "", "reduceOnly": false, "closeOnTrigger": false,
            "smpType": "None", "smpGroup": 0, "smpOrderId": "", "tpslMode": "Full",
            "tpLimitPrice": "", "slLimitPrice": "", "placeType": "",
            "createdTime": "1684738540559", "updatedTime": "1684738540561",
            "cumFeeDetail": {"MNT": "0.00242968"}}],
        "nextPageCursor": "page_args%3Dfd4300ae-7847-404e-b947-b46980a4d140%26symbol%3D6%26",
        "category": "linear"},
    "retExtInfo": {}, "time": 1684765770483})");
  EXPECT_EQ(r.next_cursor, "page_args%3Dfd4300ae-7847-404e-b947-b46980a4d140%26symbol%3D6%26");
  ASSERT_EQ(parser_.order_updates().size(), 1u);
  const common::OrderUpdate& u = parser_.order_updates()[0];
  const OrderDetail& d = parser_.order_details()[0];
  EXPECT_EQ(u.instrument, common::InstrumentId{1});
  EXPECT_EQ(u.status, OrderStatus::kNew);
  EXPECT_EQ(u.reject, RejectReason::kNone);
  EXPECT_EQ(u.side, common::Side::kBuy);
  EXPECT_EQ(u.price, px("1600"));
  EXPECT_EQ(u.qty, qty("0.1"));
  EXPECT_TRUE(u.filled_qty.is_zero());
  EXPECT_TRUE(u.avg_price.is_zero());
  EXPECT_EQ(u.ts_venue, 1684738540561LL * 1'000'000);
  EXPECT_EQ(u.venue_seq, 1684738540561u);
  EXPECT_EQ(u.venue, common::VenueId::kBybit);
  EXPECT_EQ(u.ts_recv, 7);
  EXPECT_EQ(d.position_idx, 1);
  EXPECT_EQ(d.type, common::OrderType::kLimit);
  EXPECT_EQ(d.tif, common::TimeInForce::kGtc);
  EXPECT_EQ(d.leaves_qty, qty("0.1"));
  EXPECT_EQ(d.order_link_id, "test-000005");
  EXPECT_FALSE(d.has_cloid);
}

// docs/v5/position/position.mdx response example (inverse BTCUSD: a short).
TEST_F(BybitExecParserTest, PositionList) {
  rest(RestEndpoint::kPositions, R"({"retCode": 0, "retMsg": "OK", "result": {"list": [{
      "positionIdx": 0, "riskId": 1, "riskLimitValue": "150", "symbol": "BTCUSD", "side": "Sell",
      "size": "300", "avgPrice": "27464.50441675", "positionValue": "0.01092319", "tradeMode": 0,
      "positionStatus": "Normal", "autoAddMargin": 1, "adlRankIndicator": 2, "leverage": "10",
      "positionBalance": "0.00139186", "markPrice": "28224.50", "liqPrice": "",
      "bustPrice": "999999.00", "positionMM": "0.0000015", "positionIM": "0.00010923",
      "tpslMode": "Full", "takeProfit": "0.00", "stopLoss": "0.00", "trailingStop": "0.00",
      "unrealisedPnl": "-0.00029413", "curRealisedPnl": "0.00013123",
      "cumRealisedPnl": "-0.00096902", "seq": 5723621632, "isReduceOnly": false,
      "mmrSysUpdateTime": "", "leverageSysUpdatedTime": "", "sessionAvgPrice": "",
      "createdTime": "1676538056258", "updatedTime": "1697673600012"}],
      "nextPageCursor": "", "category": "inverse"}, "retExtInfo": {}, "time": 1697684980172})");
  ASSERT_EQ(parser_.positions().size(), 1u);
  const PositionInfo& p = parser_.positions()[0];
  EXPECT_EQ(p.instrument, common::InstrumentId{4});
  EXPECT_EQ(p.size, -qty("300"));
  EXPECT_EQ(p.entry_price, px("27464.50441675"));
  EXPECT_EQ(p.mark_price, px("28224.5"));
  EXPECT_TRUE(p.liq_price.is_zero());
  EXPECT_EQ(p.unrealised_pnl, money("-0.00029413"));
  EXPECT_EQ(p.cum_realised_pnl, money("-0.00096902"));
  EXPECT_EQ(p.leverage, *common::Rate::parse("10"));
  EXPECT_EQ(p.seq, 5723621632);
  EXPECT_EQ(p.status, PositionStatus::kNormal);
  EXPECT_EQ(p.ts_venue, 1697673600012LL * 1'000'000);
}

// docs/v5/account/wallet-balance.mdx response example.
TEST_F(BybitExecParserTest, WalletBalance) {
  rest(RestEndpoint::kWalletBalance, R"({"retCode": 0, "retMsg": "OK", "result": {"list": [{
      "totalEquity": "18070.32797922", "accountIMRate": "0.0101",
      "totalMarginBalance": "18070.32797922", "totalInitialMargin": "182.60183684",
      "accountType": "UNIFIED", "totalAvailableBalance": "17887.72614237", "accountMMRate": "0",
      "totalPerpUPL": "-0.11001349", "totalWalletBalance": "18070.43799271",
      "totalMaintenanceMargin": "0.38106773",
      "coin": [{"availableToBorrow": "2.5", "accruedInterest": "0",
                "availableToWithdraw": "0.805994", "totalOrderIM": "0", "equity": "0.805994",
                "totalPositionMM": "0", "usdValue": "12920.95352538", "unrealisedPnl": "0",
                "borrowAmount": "0", "totalPositionIM": "0", "walletBalance": "0.805994",
                "cumRealisedPnl": "0", "coin": "BTC"}]}]},
      "retExtInfo": {}, "time": 1672125441042})");
  ASSERT_EQ(parser_.wallets().size(), 1u);
  const WalletAccount& w = parser_.wallets()[0];
  EXPECT_EQ(w.account_type, "UNIFIED");
  EXPECT_EQ(w.total_equity, money("18070.32797922"));
  EXPECT_EQ(w.total_available_balance, money("17887.72614237"));
  EXPECT_EQ(w.total_perp_upl, money("-0.11001349"));
  EXPECT_EQ(w.account_im_rate, *common::Rate::parse("0.0101"));
  ASSERT_EQ(w.coin_count, 1u);
  const WalletCoin& c = parser_.coins()[w.first_coin];
  EXPECT_EQ(c.coin, "BTC");
  EXPECT_EQ(c.usd_value, money("12920.95352538"));
  EXPECT_EQ(c.wallet_balance, money("0.805994"));
}

// docs/v5/position/leverage.mdx; docs/v5/order/dcp.mdx (no result, no time).
TEST_F(BybitExecParserTest, EmptyResults) {
  EXPECT_TRUE(rest(RestEndpoint::kSetLeverage, R"({"retCode": 0, "retMsg": "OK", "result": {},
      "retExtInfo": {}, "time": 1672281607343})")
                  .ok());
  const RestResponse same =
      rest(RestEndpoint::kSetLeverage, R"({"retCode":110043,"retMsg":"Set leverage not modified",)"
                                       R"("result":{},"retExtInfo":{},"time":1672281607343})");
  EXPECT_EQ(same.ret_code, 110043);  // the caller treats "not modified" as done
  const RestResponse dcp =
      rest(RestEndpoint::kDisconnectCancelAll, R"({"retCode": 0, "retMsg": "success"})");
  EXPECT_TRUE(dcp.ok());
  EXPECT_EQ(dcp.ts_venue, 0);
}

TEST_F(BybitExecParserTest, MalformedRestBodies) {
  for (const std::string_view body :
       {std::string_view(""), std::string_view("   "), std::string_view("<html>502</html>"),
        std::string_view(R"({"retMsg":"OK"})"), std::string_view(R"({"retCode":0,"retMsg":)"),
        std::string_view(R"({"retCode":"0"})"), std::string_view(R"({"retCode":0} trailing)"),
        std::string_view(R"({"retCode":0,"result":{"orderId":"not-an-id"}})")}) {
    EXPECT_FALSE(parser_.parse_rest_unpadded(RestEndpoint::kCreateOrder, body, 0).ok()) << body;
  }
  EXPECT_EQ(parser_.counters().malformed.load(), 8u);
}

// docs/v5/websocket/private/execution.mdx stream example.
TEST_F(BybitExecParserTest, ExecutionTopic) {
  ASSERT_EQ(ws(R"({
    "id": "592324803b2785-26fa-4214-9963-bdd4727f07be", "topic": "execution",
    "creationTime": 1672364174455,
    "data": [{"category": "linear", "symbol": "XRPUSDT", "execFee": "0.005061",
              "execId": "7e2ae69c-4edf-5800-a352-893d52b446aa", "execPrice": "0.3374",
              "execQty": "25", "execType": "Trade", "execValue": "8.435", "isMaker": false,
              "feeRate": "0.0006", "tradeIv": "", "markIv": "", "blockTradeId": "",
              "markPrice": "0.3391", "indexPrice": "", "underlyingPrice": "", "leavesQty": "0",
              "orderId": "f6e324ff-99c2-4e89-9739-3086e47f9381", "orderLinkId": "",
              "orderPrice": "0.3207", "orderQty": "25", "orderType": "Market",
              "stopOrderType": "UNKNOWN", "side": "Sell", "execTime": "1672364174443",
              "isLeverage": "0"}]})"),
            ExecFrameKind::kFills);
  ASSERT_EQ(parser_.fills().size(), 1u);
  const common::Fill& f = parser_.fills()[0];
  EXPECT_EQ(f.instrument, common::InstrumentId{2});
  EXPECT_EQ(f.price, px("0.3374"));
  EXPECT_EQ(f.qty, qty("25"));
  EXPECT_EQ(f.fee, money("0.005061"));
  EXPECT_EQ(f.side, common::Side::kSell);
  EXPECT_EQ(f.liquidity, common::Liquidity::kTaker);
  EXPECT_EQ(f.ts_venue, 1672364174443LL * 1'000'000);
  EXPECT_EQ(f.ts_recv, 9);
  EXPECT_NE(f.fill_id, 0u);
  EXPECT_TRUE(f.venue_order_id.is_uuid);
  EXPECT_EQ(parser_.fill_details()[0].exec_id, "7e2ae69c-4edf-5800-a352-893d52b446aa");
  EXPECT_EQ(parser_.fill_details()[0].exec_type, ExecType::kTrade);
}

TEST_F(BybitExecParserTest, FundingExecutionIsNotAFill) {
  ASSERT_EQ(ws(R"({"id":"1","topic":"execution","creationTime":1672364174455,"data":[)"
               R"({"category":"linear","symbol":"BTCUSDT","execFee":"0.01","execId":"f1",)"
               R"("execPrice":"65000","execQty":"0.1","execType":"Funding","isMaker":false,)"
               R"("orderId":"","orderLinkId":"","side":"Buy","execTime":"1672364174443"}]})"),
            ExecFrameKind::kFills);
  EXPECT_TRUE(parser_.fills().empty());
  EXPECT_EQ(parser_.counters().non_trade_execs.load(), 1u);
}

// docs/v5/websocket/private/fast-execution.mdx stream example.
TEST_F(BybitExecParserTest, FastExecutionTopic) {
  ASSERT_EQ(ws(R"({"topic": "execution.fast", "creationTime": 1716800399338, "data": [{
      "category": "linear", "symbol": "ICPUSDT",
      "execId": "3510f361-0add-5c7b-a2e7-9679810944fc", "execPrice": "12.015", "execQty": "3000",
      "orderId": "443d63fa-b4c3-4297-b7b1-23bca88b04dc", "isMaker": false,
      "orderLinkId": "test-00001", "side": "Sell", "execTime": "1716800399334",
      "seq": 34771365464}]})"),
            ExecFrameKind::kFills);
  ASSERT_EQ(parser_.fills().size(), 1u);
  EXPECT_EQ(parser_.fills()[0].venue_seq, 34771365464u);
  EXPECT_TRUE(parser_.fills()[0].fee.is_zero());
  EXPECT_TRUE(parser_.fill_details()[0].fast);
  EXPECT_FALSE(parser_.fill_details()[0].has_cloid);
}

// The order topic, shaped like docs/v5/websocket/private/order.mdx (whose example is an option,
// not in the table: dropped and counted) with linear values.
TEST_F(BybitExecParserTest, OrderTopic) {
  ASSERT_EQ(ws(R"({"id": "5923240c6880ab-c59f-420b-9adb-3639adc9dd90", "topic": "order",
      "creationTime": 1672364262474, "data": [{
        "symbol": "ETH-30DEC22-1400-C", "orderId": "5cf98598-39a7-459e-97bf-76ca765ee020",
        "side": "Sell", "orderType": "Market", "cancelType": "UNKNOWN", "price": "72.5",
        "qty": "1", "orderIv": "", "timeInForce": "IOC", "orderStatus": "Filled",
        "orderLinkId": "", "lastPriceOnCreated": "", "reduceOnly": false, "leavesQty": "",
        "leavesValue": "", "cumExecQty": "1", "cumExecValue": "75", "avgPrice": "75",
        "blockTradeId": "", "positionIdx": 0, "cumExecFee": "0.358635", "closedPnl": "0",
        "createdTime": "1672364262444", "updatedTime": "1672364262457",
        "rejectReason": "EC_NoError", "stopOrderType": "", "tpslMode": "", "triggerPrice": "",
        "takeProfit": "", "stopLoss": "", "tpTriggerBy": "", "slTriggerBy": "",
        "tpLimitPrice": "", "slLimitPrice": "", "triggerDirection": 0, "triggerBy": "",
        "closeOnTrigger": false, "category": "option", "placeType": "price", "smpType": "None",
        "smpGroup": 0, "smpOrderId": "", "feeCurrency": "", "cumFeeDetail": {"MNT": "0.00242968"}
      }]})"),
            ExecFrameKind::kOrders);
  EXPECT_TRUE(parser_.order_updates().empty());
  EXPECT_EQ(parser_.counters().unknown_symbol.load(), 1u);

  ASSERT_EQ(ws(R"({"id":"a","topic":"order","creationTime":1672364262474,"data":[{)"
               R"("symbol":"BTCUSDT","orderId":"5cf98598-39a7-459e-97bf-76ca765ee020",)"
               R"("side":"Buy","orderType":"Limit","cancelType":"UNKNOWN","price":"65000.1",)"
               R"("qty":"0.010","timeInForce":"PostOnly","orderStatus":"PartiallyFilled",)"
               R"("orderLinkId":"pg0123456789abcdef0011223344556677","reduceOnly":false,)"
               R"("leavesQty":"0.004","cumExecQty":"0.006","avgPrice":"65000.1",)"
               R"("positionIdx":0,"updatedTime":"1672364262457","rejectReason":"EC_NoError",)"
               R"("stopOrderType":"","triggerPrice":"","closeOnTrigger":false,)"
               R"("category":"linear","cumFeeDetail":{"USDT":"0.1"}}]})"),
            ExecFrameKind::kOrders);
  ASSERT_EQ(parser_.order_updates().size(), 1u);
  const common::OrderUpdate& u = parser_.order_updates()[0];
  EXPECT_EQ(u.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u.filled_qty, qty("0.006"));
  EXPECT_EQ(u.avg_price, px("65000.1"));
  EXPECT_EQ(u.cloid, (common::ClientOrderId{0x0123456789abcdefull, 0x0011223344556677ull}));
  EXPECT_EQ(parser_.order_details()[0].tif, common::TimeInForce::kPostOnly);
}

std::string order_frame(std::string_view status, std::string_view reject,
                        std::string_view cancel_type) {
  return std::string(R"({"topic":"order.linear","creationTime":1,"data":[{"symbol":"BTCUSDT",)") +
         R"("orderId":"5cf98598-39a7-459e-97bf-76ca765ee020","side":"Sell","orderType":"Limit",)" +
         R"("price":"70000","qty":"0.01","orderStatus":")" + std::string(status) +
         R"(","rejectReason":")" + std::string(reject) + R"(","cancelType":")" +
         std::string(cancel_type) + R"(","cumExecQty":"0.01","avgPrice":"70000",)" +
         R"("updatedTime":"1672364262457"}]})";
}

TEST_F(BybitExecParserTest, OrderRejectReasons) {
  struct Case {
    std::string_view status, reject, cancel;
    OrderStatus want_status;
    RejectReason want_reject;
  };
  const Case cases[] = {
      {"Cancelled", "EC_PostOnlyWillTakeLiquidity", "UNKNOWN", OrderStatus::kCancelled,
       RejectReason::kPostOnlyWouldCross},
      {"Cancelled", "EC_NoError", "CancelByReduceOnly", OrderStatus::kCancelled,
       RejectReason::kReduceOnlyWouldIncrease},
      {"Cancelled", "EC_PerCancelRequest", "CancelByUser", OrderStatus::kCancelled,
       RejectReason::kNone},
      {"Rejected", "EC_NoImmediateQtyToFill", "UNKNOWN", OrderStatus::kRejected,
       RejectReason::kNoLiquidity},
      // A cancel that raced a fill: the second "Filled" reports the failed cancel.
      {"Filled", "EC_OrigClOrdIDDoesNotExist", "CancelByUser", OrderStatus::kFilled,
       RejectReason::kUnknownOrder},
      {"Deactivated", "EC_NoError", "UNKNOWN", OrderStatus::kCancelled, RejectReason::kNone},
      {"Untriggered", "EC_NoError", "UNKNOWN", OrderStatus::kNew, RejectReason::kNone},
      {"SomethingNew", "EC_NoError", "UNKNOWN", OrderStatus::kCancelled,
       RejectReason::kUnknownOutcome},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(ws(order_frame(c.status, c.reject, c.cancel)), ExecFrameKind::kOrders);
    ASSERT_EQ(parser_.order_updates().size(), 1u);
    EXPECT_EQ(parser_.order_updates()[0].status, c.want_status) << c.status;
    EXPECT_EQ(parser_.order_updates()[0].reject, c.want_reject) << c.status << " " << c.reject;
  }
  EXPECT_EQ(parser_.counters().unknown_status.load(), 1u);
}

// docs/v5/websocket/private/position.mdx stream example.
TEST_F(BybitExecParserTest, PositionTopic) {
  ASSERT_EQ(ws(R"({"id": "1003076014fb7eedb-c7e6-45d6-a8c1-270f0169171a", "topic": "position",
      "creationTime": 1697682317044, "data": [{
        "positionIdx": 2, "tradeMode": 0, "riskId": 1, "riskLimitValue": "2000000",
        "symbol": "BTCUSDT", "side": "", "size": "0", "entryPrice": "0", "leverage": "10",
        "positionValue": "0", "positionBalance": "0", "markPrice": "28184.5", "positionIM": "0",
        "positionMM": "0", "takeProfit": "0", "stopLoss": "0", "trailingStop": "0",
        "unrealisedPnl": "0", "curRealisedPnl": "1.26", "cumRealisedPnl": "-25.06579337",
        "sessionAvgPrice": "0", "createdTime": "1694402496913", "updatedTime": "1697682317038",
        "tpslMode": "Full", "liqPrice": "0", "bustPrice": "", "category": "linear",
        "positionStatus": "Normal", "adlRankIndicator": 0, "autoAddMargin": 0,
        "leverageSysUpdatedTime": "", "mmrSysUpdatedTime": "", "seq": 8327597863,
        "isReduceOnly": false}]})"),
            ExecFrameKind::kPositions);
  ASSERT_EQ(parser_.positions().size(), 1u);
  const PositionInfo& p = parser_.positions()[0];
  EXPECT_EQ(p.instrument, common::InstrumentId{0});
  EXPECT_TRUE(p.size.is_zero());
  EXPECT_EQ(p.position_idx, 2);
  EXPECT_EQ(p.cur_realised_pnl, money("1.26"));
  EXPECT_EQ(p.cum_realised_pnl, money("-25.06579337"));
  EXPECT_EQ(p.seq, 8327597863);
}

// docs/v5/websocket/private/wallet.mdx stream example (first coin shown; same shape for all).
TEST_F(BybitExecParserTest, WalletTopic) {
  ASSERT_EQ(ws(R"({"id": "5923248e5d0ee3-faeb-4864-87e4-9cd63f785c1b", "topic": "wallet",
      "creationTime": 1690873065683, "data": [{
        "accountIMRate": "0.4782", "accountMMRate": "0.0151", "totalEquity": "19620.93864593",
        "totalWalletBalance": "18331.93856433", "totalMarginBalance": "18230.83251552",
        "totalAvailableBalance": "9511.52641225", "totalPerpUPL": "-101.10604881",
        "totalInitialMargin": "8719.30610327", "totalMaintenanceMargin": "277.05763376",
        "coin": [
          {"coin": "USDC", "equity": "0", "usdValue": "0", "walletBalance": "0",
           "availableToWithdraw": "0", "availableToBorrow": "1500000", "borrowAmount": "0",
           "accruedInterest": "0", "totalOrderIM": "0", "totalPositionIM": "0",
           "totalPositionMM": "0", "unrealisedPnl": "0", "cumRealisedPnl": "-1100.6552094",
           "bonus": "0", "collateralSwitch": true, "marginCollateral": true, "locked": "0"},
          {"coin": "USDT", "equity": "4.93036732", "usdValue": "4.9306623",
           "walletBalance": "106.03036732", "availableToWithdraw": "0",
           "availableToBorrow": "2500000", "borrowAmount": "0", "accruedInterest": "0",
           "totalOrderIM": "7539.624", "totalPositionIM": "1179.1604584",
           "totalPositionMM": "61.4170584", "unrealisedPnl": "-101.1",
           "cumRealisedPnl": "-55295.06268939", "bonus": "0", "collateralSwitch": true,
           "marginCollateral": true, "locked": "0"}],
        "accountLTV": "0", "accountType": "UNIFIED"}]})"),
            ExecFrameKind::kWallet);
  ASSERT_EQ(parser_.wallets().size(), 1u);
  EXPECT_EQ(parser_.wallets()[0].total_initial_margin, money("8719.30610327"));
  ASSERT_EQ(parser_.coins().size(), 2u);
  EXPECT_EQ(parser_.coins()[1].coin, "USDT");
  EXPECT_EQ(parser_.coins()[1].total_order_im, money("7539.624"));
  EXPECT_EQ(parser_.coins()[1].unrealised_pnl, money("-101.1"));
}

TEST_F(BybitExecParserTest, ControlFrames) {
  // Auth success / failure, pong and subscribe (venue doc §6.1, docs/v5/ws/connect).
  EXPECT_EQ(ws(R"({"success":true,"ret_msg":"","op":"auth","conn_id":"cejreaspqfh3sjdnldmg-p"})"),
            ExecFrameKind::kAuth);
  EXPECT_TRUE(parser_.control_success());
  EXPECT_EQ(ws(R"({"success":false,"ret_msg":"Params Error","op":"auth","conn_id":"x"})"),
            ExecFrameKind::kAuth);
  EXPECT_FALSE(parser_.control_success());
  EXPECT_EQ(parser_.control_message(), "Params Error");
  EXPECT_EQ(ws(R"({"req_id":"100001","op":"pong","args":["1672916271846"],"conn_id":"x"})"),
            ExecFrameKind::kPong);
  EXPECT_EQ(ws(R"({"success":true,"ret_msg":"","op":"subscribe","conn_id":"x"})"),
            ExecFrameKind::kSubscription);
  EXPECT_EQ(ws(R"({"topic":"dcp","data":[{"dcp":1}]})"), ExecFrameKind::kOther);
}

// /v5/trade replies (venue doc §6.3): an ack and a reject.
TEST_F(BybitExecParserTest, TradeWebSocketReplies) {
  EXPECT_EQ(ws(R"({"reqId":"test-005","retCode":0,"retMsg":"OK","op":"order.create",)"
               R"("data":{"orderId":"a4c1718a-c05f-4ff4-b1b0-44f3c8ad8e4b","orderLinkId":)"
               R"("pg0123456789abcdef0011223344556677"},"retExtInfo":{},"header":)"
               R"({"X-Bapi-Limit":"10","X-Bapi-Limit-Status":"9","Traceid":"t",)"
               R"("Timenow":"1711001595207"},"connId":"c"})"),
            ExecFrameKind::kTradeResponse);
  EXPECT_TRUE(parser_.rest().ok());
  EXPECT_EQ(parser_.rest().req_id, "test-005");
  EXPECT_EQ(parser_.rest().op, "order.create");
  EXPECT_TRUE(parser_.rest().ack.has_cloid);
  EXPECT_EQ(ws(R"({"reqId":"test-006","retCode":110007,"retMsg":"ab not enough for new order",)"
               R"("op":"order.create","data":{},"header":{},"connId":"c"})"),
            ExecFrameKind::kTradeResponse);
  EXPECT_EQ(parser_.rest().reject, RejectReason::kInsufficientMargin);
  EXPECT_EQ(ws(R"({"retCode":10004,"retMsg":"Invalid sign","op":"auth","connId":"c"})"),
            ExecFrameKind::kAuth);
  EXPECT_FALSE(parser_.control_success());
  EXPECT_EQ(parser_.rest().reject, RejectReason::kBadSignature);
}

TEST_F(BybitExecParserTest, MalformedFrames) {
  const std::string_view bad[] = {
      "",
      "pong",
      R"({"topic":"orders.unknown","data":[]})",
      R"({"topic":"order"})",
      R"({"topic":"execution","data":[{"symbol":"BTCUSDT"}]})",
      R"({"topic":"order","data":[{"symbol":"BTCUSDT","orderId":"x","side":"Buy",)"
      R"("orderStatus":"New"}]})",
      R"({"topic":"position","data":[{"symbol":"BTCUSDT","side":"Long","size":"1"}]})",
      R"({"topic":"execution","data":[{"symbol":"BTCUSDT","orderId":"","side":"Buy",)"
      R"("execId":"e","execPrice":"1e400","execQty":"1","execTime":"1"}]})",
      R"({"success":true})",
      R"({"topic":"wallet","data":[{"coin":[{"equity":"1"}]}]})"};
  for (const std::string_view f : bad) {
    EXPECT_FALSE(parser_.parse_ws_unpadded(f, 0).ok()) << f;
    EXPECT_TRUE(parser_.order_updates().empty());
    EXPECT_TRUE(parser_.fills().empty());
  }
  EXPECT_EQ(parser_.counters().malformed.load(), std::size(bad));
}

TEST_F(BybitExecParserTest, HotPathDoesNotAllocate) {
  const std::string frame = order_frame("New", "EC_NoError", "UNKNOWN");
  const std::string fill =
      R"({"topic":"execution.fast","creationTime":1,"data":[{"category":"linear",)"
      R"("symbol":"BTCUSDT","execId":"3510f361-0add-5c7b-a2e7-9679810944fc","execPrice":"1",)"
      R"("execQty":"1","orderId":"443d63fa-b4c3-4297-b7b1-23bca88b04dc","isMaker":true,)"
      R"("orderLinkId":"","side":"Sell","execTime":"1716800399334","seq":1}]})";
  ASSERT_TRUE(parser_.parse_ws_unpadded(frame, 0).ok());  // warm-up
  const peregrine::testing::AllocScope scope;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(parser_.parse_ws_unpadded(frame, i).ok());
    ASSERT_TRUE(parser_.parse_ws_unpadded(fill, i).ok());
  }
  EXPECT_EQ(scope.count(), 0u);
}

}  // namespace
}  // namespace peregrine::gateways::bybit
