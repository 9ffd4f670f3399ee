#include "gateways/binance/exec_parser.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "alloc_counter.hpp"

namespace peregrine::gateways::binance {
namespace {

using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

Price px(std::string_view s) { return Price::parse(s).value(); }
Qty qty(std::string_view s) { return Qty::parse(s).value(); }

constexpr common::ClientOrderId kCloid{0x0123456789abcdefull, 0xfedcba9876543210ull};

// Shapes restated from the venue docs (binance_usdm.md §3, §7 and the pages it cites).
constexpr std::string_view kNewOrderAck =
    R"({"orderId":22542179,"symbol":"BTCUSDT","status":"NEW",)"
    R"("clientOrderId":"pg0123456789abcdeffedcba9876543210","price":"61800.10","avgPrice":"0.00",)"
    R"("origQty":"0.002","executedQty":"0","cumQty":"0","cumQuote":"0","timeInForce":"GTC",)"
    R"("type":"LIMIT","reduceOnly":false,"closePosition":false,"side":"BUY",)"
    R"("positionSide":"BOTH","stopPrice":"0","workingType":"CONTRACT_PRICE","priceProtect":false,)"
    R"("origType":"LIMIT","priceMatch":"NONE","selfTradePreventionMode":"EXPIRE_MAKER",)"
    R"("goodTillDate":0,"updateTime":1566818724722})";

constexpr std::string_view kOrderTradeNew =
    R"({"e":"ORDER_TRADE_UPDATE","E":1568879465651,"T":1568879465650,"o":{"s":"BTCUSDT",)"
    R"("c":"TEST","S":"SELL","o":"TRAILING_STOP_MARKET","f":"GTC","q":"0.001","p":"0",)"
    R"("ap":"0","sp":"7103.04","x":"NEW","X":"NEW","i":8886774,"l":"0","z":"0","L":"0",)"
    R"("N":"USDT","n":"0","T":1568879465650,"t":0,"b":"0","a":"9.91","m":false,"R":false,)"
    R"("wt":"CONTRACT_PRICE","ot":"TRAILING_STOP_MARKET","ps":"LONG","cp":false,"AP":"7476.89",)"
    R"("cr":"5.0","pP":false,"si":0,"ss":0,"rp":"0","V":"EXPIRE_TAKER","pm":"OPPONENT",)"
    R"("gtd":0}})";

constexpr std::string_view kOrderTradeFill =
    R"({"e":"ORDER_TRADE_UPDATE","T":1723161256322,"E":1723161256330,"o":{"s":"BTCUSDT",)"
    R"("c":"pg0123456789abcdeffedcba9876543210","S":"BUY","o":"LIMIT","f":"GTC","q":"0.010",)"
    R"("p":"61800.10","ap":"61800.10000","sp":"0","x":"TRADE","X":"PARTIALLY_FILLED",)"
    R"("i":4036152387,"l":"0.004","z":"0.004","L":"61800.10","N":"USDT","n":"0.04944008",)"
    R"("T":1723161256322,"t":5266583935,"b":"370.8006","a":"0","m":true,"R":false,)"
    R"("wt":"CONTRACT_PRICE","ot":"LIMIT","ps":"BOTH","cp":false,"rp":"0","pP":false,"si":0,)"
    R"("ss":0,"V":"EXPIRE_MAKER","pm":"NONE","gtd":0,"er":"0"}})";

constexpr std::string_view kAccountUpdate =
    R"({"e":"ACCOUNT_UPDATE","E":1564745798939,"T":1564745798938,"a":{"m":"ORDER",)"
    R"("B":[{"a":"USDT","wb":"122624.12345678","cw":"100.12345678","bc":"50.12345678"},)"
    R"({"a":"BUSD","wb":"1.00000000","cw":"0.00000000","bc":"-49.12345678"}],)"
    R"("P":[{"s":"BTCUSDT","pa":"0","ep":"0.00000","bep":"0","cr":"200","up":"0",)"
    R"("mt":"isolated","iw":"0.00000000","ps":"BOTH"},{"s":"BTCUSDT","pa":"20","ep":"6563.66500",)"
    R"("bep":"6563.6","cr":"0","up":"2850.21200","mt":"isolated","iw":"13200.70726908",)"
    R"("ps":"LONG"},{"s":"BTCUSDT","pa":"-10","ep":"6563.86000","bep":"6563.6",)"
    R"("cr":"-45.04000000","up":"-1423.15600","mt":"isolated","iw":"6570.42511771","ps":"SHORT"}]}})";

constexpr std::string_view kAlgoUpdate =
    R"({"e":"ALGO_UPDATE","T":1750515742297,"E":1750515742303,"o":{)"
    R"("caid":"pg0123456789abcdeffedcba9876543210","aid":2148719,"at":"CONDITIONAL",)"
    R"("o":"TAKE_PROFIT","s":"BNBUSDT","S":"SELL","ps":"BOTH","f":"GTC","q":"0.01","X":"CANCELED",)"
    R"("ai":"","ap":"0.00000","aq":"0.00000","act":"0","tp":"750","p":"750","V":"EXPIRE_MAKER",)"
    R"("wt":"CONTRACT_PRICE","pm":"NONE","cp":false,"pP":false,"R":false,"tt":0,"gtd":0,)"
    R"("rm":"Reduce Only reject"}})";

class ExecParserTest : public ::testing::Test {
 protected:
  ExecParserTest() {
    EXPECT_TRUE(symbols_.add("BTCUSDT", common::InstrumentId{7}));
    EXPECT_TRUE(symbols_.add("ETHUSDT", common::InstrumentId{8}));
  }
  SymbolTable symbols_;
  ExecParser parser_{symbols_};
};

TEST_F(ExecParserTest, NewOrderAck) {
  const auto r = parser_.parse_order(200, kNewOrderAck);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->ok);
  const common::OrderUpdate& u = parser_.order();
  EXPECT_EQ(u.cloid, kCloid);
  EXPECT_EQ(u.venue_order_id, common::VenueOrderId::from_int(22542179));
  EXPECT_EQ(u.status, OrderStatus::kNew);
  EXPECT_EQ(u.reject, RejectReason::kNone);
  EXPECT_EQ(u.side, common::Side::kBuy);
  EXPECT_EQ(u.price, px("61800.1"));
  EXPECT_EQ(u.qty, qty("0.002"));
  EXPECT_TRUE(u.filled_qty.is_zero());
  EXPECT_EQ(u.instrument.value, 7u);
  EXPECT_EQ(u.venue, common::VenueId::kBinance);
  EXPECT_EQ(u.ts_venue, 1566818724722LL * 1'000'000);
  EXPECT_EQ(u.venue_seq, 1566818724722u);
}

TEST_F(ExecParserTest, OrderStatusesAndExpiries) {
  auto with = [](std::string_view status, std::string_view tif, std::string_view executed) {
    std::string s(kNewOrderAck);
    s.replace(s.find("\"NEW\""), 5, "\"" + std::string(status) + "\"");
    s.replace(s.find("\"GTC\""), 5, "\"" + std::string(tif) + "\"");
    s.replace(s.find("\"executedQty\":\"0\""), 17,
              "\"executedQty\":\"" + std::string(executed) + "\"");
    return s;
  };
  struct Case {
    std::string_view status, tif, executed;
    OrderStatus want;
    RejectReason reject;
  };
  const Case cases[] = {
      {"PARTIALLY_FILLED", "GTC", "0.001", OrderStatus::kPartiallyFilled, RejectReason::kNone},
      {"FILLED", "IOC", "0.002", OrderStatus::kFilled, RejectReason::kNone},
      {"CANCELED", "GTC", "0", OrderStatus::kCancelled, RejectReason::kNone},
      {"EXPIRED", "GTX", "0", OrderStatus::kExpired, RejectReason::kPostOnlyWouldCross},
      {"EXPIRED", "FOK", "0", OrderStatus::kExpired, RejectReason::kNoLiquidity},
      {"EXPIRED", "IOC", "0.001", OrderStatus::kExpired, RejectReason::kNone},
      {"EXPIRED_IN_MATCH", "GTC", "0", OrderStatus::kExpired, RejectReason::kNone},
      {"REJECTED", "GTC", "0", OrderStatus::kRejected, RejectReason::kOther},
      {"SOMETHING_NEW", "GTC", "0", OrderStatus::kCancelled, RejectReason::kUnknownOutcome},
  };
  for (const Case& c : cases) {
    const auto r = parser_.parse_order(200, with(c.status, c.tif, c.executed));
    ASSERT_TRUE(r.ok() && r->ok) << c.status;
    EXPECT_EQ(parser_.order().status, c.want) << c.status << "/" << c.tif;
    EXPECT_EQ(parser_.order().reject, c.reject) << c.status << "/" << c.tif;
  }
  EXPECT_EQ(parser_.counters().unknown_status.load(), 1u);
}

TEST_F(ExecParserTest, ErrorCodesMapToRejectReasons) {
  struct Case {
    int status;
    std::string_view body;
    RejectReason reason;
    bool retryable;
  };
  const Case cases[] = {
      {400, R"({"code":-2019,"msg":"Margin is insufficient."})", RejectReason::kInsufficientMargin,
       false},
      {400, R"({"code":-2010,"msg":"Account has insufficient balance for requested action."})",
       RejectReason::kInsufficientMargin, false},
      {400,
       R"({"code":-5022,"msg":"Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history"})",
       RejectReason::kPostOnlyWouldCross, false},
      {400, R"({"code":-2022,"msg":"ReduceOnly Order is rejected."})",
       RejectReason::kReduceOnlyWouldIncrease, false},
      {400, R"({"code":-1111,"msg":"Precision is over the maximum defined for this asset."})",
       RejectReason::kInvalidPrice, false},
      {400, R"({"code":-4014,"msg":"Price not increased by tick size."})",
       RejectReason::kInvalidPrice, false},
      {400, R"({"code":-4023,"msg":"Quantity not increased by step size."})",
       RejectReason::kInvalidQty, false},
      {400,
       R"({"code":-4164,"msg":"Order's notional must be no smaller than 5 (unless you choose reduce only)."})",
       RejectReason::kMinNotional, false},
      {429,
       R"({"code":-1003,"msg":"Too many requests; current limit is 2400 requests per minute."})",
       RejectReason::kRateLimited, true},
      {400,
       R"({"code":-1015,"msg":"Too many new orders; current limit is 300 orders per TEN_SECONDS."})",
       RejectReason::kRateLimited, true},
      {400, R"({"code":-2011,"msg":"Unknown order sent."})", RejectReason::kUnknownOrder, false},
      {400, R"({"code":-2013,"msg":"Order does not exist."})", RejectReason::kUnknownOrder, false},
      {400, R"({"code":-4116,"msg":"ClientOrderId is duplicated."})",
       RejectReason::kDuplicateClientId, false},
      // -4015 is CLIENT_ORDER_ID_INVALID (format), not a duplicate.
      {400, R"({"code":-4015,"msg":"Client order id is not valid."})", RejectReason::kOther, false},
      {400, R"({"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."})",
       RejectReason::kBadNonce, true},
      {400, R"({"code":-1022,"msg":"Signature for this request is not valid."})",
       RejectReason::kBadSignature, false},
      {400,
       R"({"code":-4120,"msg":"Order type not supported for this endpoint. Please use the Algo Order API endpoints instead."})",
       RejectReason::kOther, false},
      {408,
       R"({"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."})",
       RejectReason::kUnknownOutcome, false},
      {503,
       R"({"code":-1000,"msg":"Unknown error, please check your request or try again later."})",
       RejectReason::kUnknownOutcome, false},
      {503, "Unknown error, please check your request or try again later.",
       RejectReason::kUnknownOutcome, false},
      {503, R"({"code":-1001,"msg":"Service Unavailable."})", RejectReason::kOther, true},
      {503,
       R"({"code":-1008,"msg":"Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again."})",
       RejectReason::kRateLimited, true},
      {429, "", RejectReason::kRateLimited, true},
      {418, "", RejectReason::kRateLimited, true},
      {500, "<html>Internal Server Error</html>", RejectReason::kUnknownOutcome, false},
      {502, "", RejectReason::kUnknownOutcome, false},
      {403, "<html>WAF</html>", RejectReason::kOther, false},
      {400, R"({"code":-2010,"msg":"Duplicate order sent."})", RejectReason::kDuplicateClientId,
       false},
  };
  for (const Case& c : cases) {
    const auto r = parser_.parse_order(c.status, c.body, kCloid);
    ASSERT_TRUE(r.ok()) << c.body;
    EXPECT_FALSE(r->ok);
    EXPECT_EQ(r->error.http_status, c.status);
    EXPECT_EQ(r->error.reason, c.reason) << c.status << " " << c.body;
    EXPECT_EQ(r->error.retryable, c.retryable) << c.status << " " << c.body;
    const common::OrderUpdate& u = parser_.order();
    EXPECT_EQ(u.cloid, kCloid);
    EXPECT_EQ(u.reject, c.reason);
    EXPECT_EQ(u.status, c.reason == RejectReason::kUnknownOutcome ? OrderStatus::kPendingNew
                                                                  : OrderStatus::kRejected);
  }
  const auto r = parser_.parse_order(400, R"({"code":-2019,"msg":"Margin is insufficient."})");
  EXPECT_EQ(r->error.code, -2019);
  EXPECT_EQ(r->error.msg, "Margin is insufficient.");
  EXPECT_GE(parser_.counters().unknown_outcomes.load(), 5u);
}

TEST_F(ExecParserTest, ErrorInsideSuccessStatus) {
  const auto r = parser_.parse_order(200, R"({"code":-2011,"msg":"Unknown order sent."})", kCloid);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error.reason, RejectReason::kUnknownOrder);
}

TEST_F(ExecParserTest, OpenOrdersAndAcks) {
  const std::string arr = "[" + std::string(kNewOrderAck) + "," + std::string(kNewOrderAck) + "]";
  auto r = parser_.parse_open_orders(200, arr);
  ASSERT_TRUE(r.ok() && r->ok);
  EXPECT_EQ(parser_.orders().size(), 2u);
  r = parser_.parse_open_orders(200, "[]");
  ASSERT_TRUE(r.ok() && r->ok);
  EXPECT_TRUE(parser_.orders().empty());
  r = parser_.parse_ack(200,
                        R"({"code":200,"msg":"The operation of cancel all open order is done."})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok);
  r = parser_.parse_ack(200, R"({"symbol":"BTCUSDT","countdownTime":"100000"})");
  EXPECT_TRUE(r.ok() && r->ok);
  r = parser_.parse_ack(200, "{}");
  EXPECT_TRUE(r.ok() && r->ok);
  r = parser_.parse_ack(200, "");
  EXPECT_TRUE(r.ok() && r->ok);
  r = parser_.parse_ack(400, R"({"code":-1125,"msg":"This listenKey does not exist."})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error.code, -1125);
  r = parser_.parse_listen_key(
      200, R"({"listenKey":"pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"})");
  ASSERT_TRUE(r.ok() && r->ok);
  EXPECT_EQ(parser_.listen_key(),
            "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1");
  EXPECT_EQ(parser_.parse_listen_key(200, "{}").error(), ExecError::kMissingField);
}

TEST_F(ExecParserTest, AlgoOrderResponses) {
  auto r = parser_.parse_algo_order(
      200,
      R"({"algoId":2146760,"clientAlgoId":"pg0123456789abcdeffedcba9876543210","algoType":"CONDITIONAL",)"
      R"("orderType":"TAKE_PROFIT","symbol":"BTCUSDT","side":"SELL","positionSide":"BOTH",)"
      R"("timeInForce":"GTC","quantity":"0.01","algoStatus":"NEW","triggerPrice":"750.000",)"
      R"("price":"750.000","icebergQuantity":null,"selfTradePreventionMode":"EXPIRE_MAKER",)"
      R"("workingType":"CONTRACT_PRICE","priceMatch":"NONE","closePosition":false,)"
      R"("priceProtect":false,"reduceOnly":false,"activatePrice":"","callbackRate":"",)"
      R"("createTime":1750485492076,"updateTime":1750485492076,"triggerTime":0,"goodTillDate":0})");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_TRUE(r->ok);
  const AlgoOrderInfo& a = parser_.algo();
  EXPECT_EQ(a.algo_id, 2146760u);
  EXPECT_EQ(a.client_algo_id, kCloid);
  EXPECT_EQ(a.type, common::OrderType::kTakeProfitLimit);
  EXPECT_EQ(a.side, common::Side::kSell);
  EXPECT_EQ(a.status, AlgoStatus::kNew);
  EXPECT_EQ(a.trigger_price, px("750"));
  EXPECT_EQ(a.qty, qty("0.01"));
  EXPECT_EQ(a.instrument.value, 7u);
  // DELETE /fapi/v1/algoOrder: ids plus a string code "200".
  r = parser_.parse_algo_order(
      200,
      R"({"algoId":2146760,"clientAlgoId":"6B2I9XVcJpCjqPAJ4YoFX7","code":"200","msg":"success"})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(parser_.algo().algo_id, 2146760u);
  EXPECT_TRUE(parser_.algo().client_algo_id.is_null());
  EXPECT_EQ(parser_.algo().client_algo_id_text, "6B2I9XVcJpCjqPAJ4YoFX7");
  r = parser_.parse_open_algo_orders(200, "[]");
  EXPECT_TRUE(r.ok() && r->ok);
}

TEST_F(ExecParserTest, PositionsBalancesAccountLeverage) {
  auto r = parser_.parse_position_risk(
      200,
      R"([{"entryPrice":"6563.66500","breakEvenPrice":"6563.67812333","marginType":"isolated",)"
      R"("isAutoAddMargin":"false","isolatedMargin":"15517.54150468","leverage":"10",)"
      R"("liquidationPrice":"5930.78","markPrice":"6679.50671178","maxNotionalValue":"20000000",)"
      R"("positionAmt":"-20.000","notional":"-133590.13","isolatedWallet":"13200.70726908",)"
      R"("symbol":"BTCUSDT","unRealizedProfit":"-2316.83423560","positionSide":"SHORT",)"
      R"("updateTime":1625474304765}])");
  ASSERT_TRUE(r.ok() && r->ok);
  ASSERT_EQ(parser_.positions().size(), 1u);
  const PositionInfo& p = parser_.positions()[0];
  EXPECT_EQ(p.amount, qty("-20"));
  EXPECT_EQ(p.leverage, 10u);
  EXPECT_EQ(p.margin_type, MarginType::kIsolated);
  EXPECT_EQ(p.position_side, common::PositionSide::kShort);
  EXPECT_EQ(p.breakeven_price, px("6563.67812333"));
  EXPECT_EQ(p.unrealized_pnl, common::Money::parse("-2316.8342356").value());
  EXPECT_EQ(p.instrument.value, 7u);

  r = parser_.parse_balance(200,
                            R"([{"accountAlias":"SgsR","asset":"USDT","balance":"122607.35137903",)"
                            R"("crossWalletBalance":"23.72469206","crossUnPnl":"0.00000000",)"
                            R"("availableBalance":"23.72469206","maxWithdrawAmount":"23.72469206",)"
                            R"("marginAvailable":true,"updateTime":1617939110373}])");
  ASSERT_TRUE(r.ok() && r->ok);
  ASSERT_EQ(parser_.balances().size(), 1u);
  EXPECT_EQ(parser_.balances()[0].asset, "USDT");
  EXPECT_EQ(parser_.balances()[0].wallet, common::Money::parse("122607.35137903").value());

  r = parser_.parse_account(
      200,
      R"({"totalInitialMargin":"0.00000000","totalMaintMargin":"0.00000000",)"
      R"("totalWalletBalance":"103.12345678","totalUnrealizedProfit":"0.00000000",)"
      R"("totalMarginBalance":"103.12345678","availableBalance":"103.12345678",)"
      R"("maxWithdrawAmount":"103.12345678","assets":[{"asset":"USDT",)"
      R"("walletBalance":"23.72469206","unrealizedProfit":"0.00000000",)"
      R"("crossWalletBalance":"23.72469206","availableBalance":"23.72469206",)"
      R"("updateTime":1625474304765}],"positions":[{"symbol":"BTCUSDT","positionAmt":"1.000"}]})");
  ASSERT_TRUE(r.ok() && r->ok);
  EXPECT_EQ(parser_.account_totals().total_wallet, common::Money::parse("103.12345678").value());
  ASSERT_EQ(parser_.balances().size(), 1u);
  EXPECT_EQ(parser_.balances()[0].available, common::Money::parse("23.72469206").value());

  r = parser_.parse_leverage(200,
                             R"({"leverage":21,"maxNotionalValue":"1000000","symbol":"BTCUSDT"})");
  ASSERT_TRUE(r.ok() && r->ok);
  EXPECT_EQ(parser_.leverage().leverage, 21u);
  EXPECT_EQ(parser_.leverage().symbol, "BTCUSDT");
}

TEST_F(ExecParserTest, UserStreamOrderNewForeignId) {
  const auto r = parser_.parse_user(kOrderTradeNew, 5);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(*r, UserEventKind::kOrderTradeUpdate);
  const OrderEvent& ev = parser_.order_event();
  EXPECT_EQ(ev.exec_type, ExecType::kNew);
  EXPECT_FALSE(ev.has_fill);
  EXPECT_TRUE(ev.update.cloid.is_null());
  EXPECT_EQ(ev.client_id, "TEST");
  EXPECT_EQ(ev.update.status, OrderStatus::kNew);
  EXPECT_EQ(ev.update.side, common::Side::kSell);
  EXPECT_EQ(ev.update.venue_order_id, common::VenueOrderId::from_int(8886774));
  EXPECT_EQ(ev.update.qty, qty("0.001"));
  EXPECT_EQ(ev.update.ts_recv, 5);
  EXPECT_EQ(parser_.counters().foreign_client_ids.load(), 1u);
}

TEST_F(ExecParserTest, UserStreamTradeCarriesFill) {
  const auto r = parser_.parse_user(kOrderTradeFill, 9);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  const OrderEvent& ev = parser_.order_event();
  EXPECT_EQ(ev.exec_type, ExecType::kTrade);
  ASSERT_TRUE(ev.has_fill);
  EXPECT_EQ(ev.update.cloid, kCloid);
  EXPECT_EQ(ev.update.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(ev.update.filled_qty, qty("0.004"));
  EXPECT_EQ(ev.update.avg_price, px("61800.1"));
  const common::Fill& f = ev.fill;
  EXPECT_EQ(f.cloid, kCloid);
  EXPECT_EQ(f.fill_id, 5266583935u);
  EXPECT_EQ(f.qty, qty("0.004"));
  EXPECT_EQ(f.price, px("61800.1"));
  EXPECT_EQ(f.fee, common::Money::parse("0.04944008").value());
  EXPECT_EQ(f.liquidity, common::Liquidity::kMaker);
  EXPECT_EQ(f.side, common::Side::kBuy);
  EXPECT_EQ(f.instrument.value, 7u);
  EXPECT_EQ(f.ts_venue, 1723161256322LL * 1'000'000);
  EXPECT_EQ(ev.fee_asset, "USDT");
  EXPECT_EQ(parser_.counters().fills.load(), 1u);
  // Same event wrapped in the combined-stream envelope.
  const std::string wrapped = R"({"stream":"pqia91ma19a5s61cv6a81va65sdf19v8a65a1","data":)" +
                              std::string(kOrderTradeFill) + "}";
  ASSERT_TRUE(parser_.parse_user(wrapped, 9).ok());
  EXPECT_TRUE(parser_.order_event().has_fill);
  // A taker liquidation fill (x = CALCULATED) is a fill too.
  std::string liq(kOrderTradeFill);
  liq.replace(liq.find("\"TRADE\""), 7, "\"CALCULATED\"");
  liq.replace(liq.find("\"m\":true"), 8, "\"m\":false");
  ASSERT_TRUE(parser_.parse_user(liq, 9).ok());
  EXPECT_EQ(parser_.order_event().exec_type, ExecType::kCalculated);
  EXPECT_EQ(parser_.order_event().fill.liquidity, common::Liquidity::kTaker);
}

TEST_F(ExecParserTest, UserStreamAccountUpdate) {
  const auto r = parser_.parse_user(kAccountUpdate, 1);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(*r, UserEventKind::kAccountUpdate);
  EXPECT_EQ(parser_.account_event().reason, "ORDER");
  EXPECT_EQ(parser_.account_event().ts_venue, 1564745798938LL * 1'000'000);
  ASSERT_EQ(parser_.balances().size(), 2u);
  EXPECT_EQ(parser_.balances()[1].asset, "BUSD");
  EXPECT_EQ(parser_.balances()[1].change, common::Money::parse("-49.12345678").value());
  ASSERT_EQ(parser_.positions().size(), 3u);
  EXPECT_EQ(parser_.positions()[2].amount, qty("-10"));
  EXPECT_EQ(parser_.positions()[2].position_side, common::PositionSide::kShort);
  EXPECT_EQ(parser_.positions()[2].realized_pnl, common::Money::parse("-45.04").value());
  EXPECT_EQ(parser_.positions()[1].margin_type, MarginType::kIsolated);
}

TEST_F(ExecParserTest, UserStreamAlgoUpdateAndOthers) {
  auto r = parser_.parse_user(kAlgoUpdate, 1);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(*r, UserEventKind::kAlgoUpdate);
  const AlgoOrderInfo& a = parser_.algo();
  EXPECT_EQ(a.client_algo_id, kCloid);
  EXPECT_EQ(a.algo_id, 2148719u);
  EXPECT_EQ(a.status, AlgoStatus::kCanceled);
  EXPECT_EQ(a.type, common::OrderType::kTakeProfitLimit);
  EXPECT_EQ(a.trigger_price, px("750"));
  EXPECT_EQ(a.reason, "Reduce Only reject");
  r = parser_.parse_user(R"({"e":"listenKeyExpired","E":1576653824250,"listenKey":"abc"})", 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, UserEventKind::kListenKeyExpired);
  r = parser_.parse_user(
      R"({"e":"TRADE_LITE","E":1721895408092,"T":1721895408214,"s":"BTCUSDT","q":"0.001","p":"0"})",
      1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, UserEventKind::kOther);
  EXPECT_EQ(parser_.parse_user(R"({"E":1})", 1).error(), ExecError::kMissingField);
  EXPECT_EQ(parser_.parse_user(R"({"e":"ORDER_TRADE_UPDATE"})", 1).error(),
            ExecError::kMissingField);
}

TEST_F(ExecParserTest, MalformedInputs) {
  EXPECT_EQ(parser_.parse_order(200, "").error(), ExecError::kEmpty);
  EXPECT_FALSE(parser_.parse_order(200, "{").ok());
  EXPECT_FALSE(parser_.parse_order(200, R"({"orderId":"x"})").ok());
  EXPECT_EQ(parser_.parse_order(200, R"({"orderId":1,"status":"NEW"})").error(),
            ExecError::kMissingField);
  std::string bad(kNewOrderAck);
  bad.replace(bad.find("\"0.002\""), 7, "\"0.0x2\"");
  EXPECT_EQ(parser_.parse_order(200, bad).error(), ExecError::kBadDecimal);
  EXPECT_EQ(parser_.parse_open_orders(200, "[1,2]").error(), ExecError::kWrongType);
  EXPECT_EQ(parser_.parse_user("not json", 0).error(), ExecError::kBadJson);
  EXPECT_GT(parser_.counters().malformed.load(), 5u);
  EXPECT_TRUE(parser_.orders().empty());
}

TEST_F(ExecParserTest, HotPathAllocatesNothing) {
  ASSERT_TRUE(parser_.parse_user(kOrderTradeFill, 1).ok());  // warm up
  testing::binance::AllocScope scope;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(parser_.parse_user(kOrderTradeFill, i).ok());
    ASSERT_TRUE(parser_.parse_order(200, kNewOrderAck).ok());
    ASSERT_TRUE(
        parser_.parse_order(503, "Unknown error, please check your request or try again later.")
            .ok());
  }
  EXPECT_EQ(scope.count(), 0u);
}

// Seeded mutations (truncate / flip / delete / JSON-ish noise) of every shape: never a crash
// (ASan/UBSan in CI), only a value or an error, and the counters add up.
TEST_F(ExecParserTest, MutationFuzzNeverCrashes) {
  const std::vector<std::string> seeds = {
      std::string(kNewOrderAck),
      std::string(kOrderTradeNew),
      std::string(kOrderTradeFill),
      std::string(kAccountUpdate),
      std::string(kAlgoUpdate),
      R"({"code":-2019,"msg":"Margin is insufficient."})",
      "[" + std::string(kNewOrderAck) + "]",
      R"({"leverage":21,"maxNotionalValue":"1000000","symbol":"BTCUSDT"})",
  };
  std::mt19937_64 rng(0x5eed'b1a0ull);
  auto pick = [&](std::size_t n) {
    return static_cast<std::size_t>(rng() % std::max<std::size_t>(n, 1));
  };
  constexpr std::string_view kAlphabet = "{}[]\":,0123456789.-eE nulltrfaBUYSELL\\";
#ifdef PEREGRINE_SANITIZED
  constexpr int kIterations = 20'000;
#else
  constexpr int kIterations = 20'000;
#endif
  std::uint64_t errors = 0;
  for (int i = 0; i < kIterations; ++i) {
    std::string s = seeds[pick(seeds.size())];
    const int mutations = 1 + static_cast<int>(pick(4));
    for (int m = 0; m < mutations && !s.empty(); ++m) {
      switch (pick(4)) {
        case 0:
          s.resize(pick(s.size()));
          break;
        case 1:
          for (std::size_t k = 0, n = 1 + pick(8); k < n && !s.empty(); ++k) {
            s[pick(s.size())] = static_cast<char>(rng() & 0xff);
          }
          break;
        case 2: {
          const std::size_t at = pick(s.size());
          s.erase(at, pick(s.size() - at + 1));
          break;
        }
        default:
          if (!s.empty()) s[pick(s.size())] = kAlphabet[pick(kAlphabet.size())];
          break;
      }
    }
    const int status = (i % 3 == 0) ? 400 : 200;
    const auto u = parser_.parse_user(s, i);
    if (!u.ok()) {
      ++errors;
      EXPECT_LT(static_cast<std::size_t>(u.error()), kExecErrorCount);
    }
    const auto o = parser_.parse_order(status, s, kCloid);
    if (!o.ok()) {
      ++errors;
      EXPECT_EQ(status, 200);  // a non-2xx status always yields an ApiError, never an ExecError
    }
    if (!parser_.parse_open_orders(200, s).ok()) ++errors;
    if (!parser_.parse_position_risk(200, s).ok()) ++errors;
    if (!parser_.parse_account(200, s).ok()) ++errors;
  }
  EXPECT_EQ(parser_.counters().frames.load(), static_cast<std::uint64_t>(kIterations) * 5);
  EXPECT_EQ(parser_.counters().malformed.load(), errors);
  EXPECT_GT(errors, 0u);
}

}  // namespace
}  // namespace peregrine::gateways::binance
