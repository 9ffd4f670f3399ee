// Shared by the Hyperliquid order codec tests (order_codec_test.cpp for the exchange and WS
// parsers, order_codec_info_test.cpp for /info): recorded venue answers and the parser fixture.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "gateways/hyperliquid/order_codec.hpp"

namespace peregrine::gateways::hyperliquid::codec_test {

using common::ClientOrderId;
using common::Money;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

inline constexpr std::string_view kCloid = "0x1234567890abcdef1234567890abcdef";

// Fixtures: the venue doc's real examples (hyperliquid.md sections 8-10), wrapped where needed.
inline constexpr std::string_view kResting =
    R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":77738308}}]}}})";
inline constexpr std::string_view kFilled =
    R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"filled":{"totalSz":"0.02","avgPx":"1891.4","oid":77747314}}]}}})";
inline constexpr std::string_view kMixedBatch =
    R"({"status":"ok","response":{"type":"order","data":{"statuses":[)"
    R"({"resting":{"oid":77738308,"cloid":"0x1234567890abcdef1234567890abcdef"}},)"
    R"({"filled":{"totalSz":"0.02","avgPx":"1891.4","oid":77747314,"cloid":"0x1234567890abcdef1234567890abcdef"}},)"
    R"({"error":"Order must have minimum value of $10."},"waitingForFill","waitingForTrigger"]}}})";
inline constexpr std::string_view kCancel =
    R"({"status":"ok","response":{"type":"cancel","data":{"statuses":["success",)"
    R"({"error":"Order was never placed, already canceled, or filled."}]}}})";
inline constexpr std::string_view kDefault = R"({"status":"ok","response":{"type":"default"}})";
inline constexpr std::string_view kTwapRunning =
    R"({"status":"ok","response":{"type":"twapOrder","data":{"status":{"running":{"twapId":77738308}}}}})";
inline constexpr std::string_view kTwapError =
    R"x({"status":"ok","response":{"type":"twapOrder","data":{"status":{"error":"Invalid TWAP duration: 1 min(s)"}}}})x";
inline constexpr std::string_view kTwapCancel =
    R"({"status":"ok","response":{"type":"twapCancel","data":{"status":"success"}}})";
inline constexpr std::string_view kTopLevelErr =
    R"({"status":"err","response":"L1 error: User or API Wallet 0x0123456789abcdef0123456789abcdef01234567 does not exist."})";
inline constexpr std::string_view kPostAction =
    R"({"channel":"post","data":{"id":256,"response":{"type":"action","payload":{"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":88383}}]}}}}}})";
inline constexpr std::string_view kPostInfo =
    R"({"channel":"post","data":{"id":123,"response":{"type":"info","payload":{"type":"l2Book","data":{"coin":"ETH","time":1,"levels":[[],[]]}}}}})";
inline constexpr std::string_view kPostError =
    R"({"channel":"post","data":{"id":9,"response":{"type":"error","payload":"Post only order would have immediately matched, bbo was 1.0@2.0"}}})";
inline constexpr std::string_view kOrderUpdates =
    R"({"channel":"orderUpdates","data":[{"order":{"coin":"BTC","side":"B","limitPx":"29792.0","sz":"0.01",)"
    R"("oid":91490942,"timestamp":1681247412573,"origSz":"0.03","cloid":"0x1234567890abcdef1234567890abcdef"},)"
    R"("status":"open","statusTimestamp":1681247412600},)"
    R"({"statusTimestamp":1681247412700,"status":"badAloPxRejected","order":{"sz":"1.5","coin":"ETH","side":"A",)"
    R"("limitPx":"2412.7","oid":1,"timestamp":1681247412000,"origSz":"1.5"}}]})";
inline constexpr std::string_view kWsFill =
    R"({"coin":"AVAX","px":"18.435","sz":"93.53","side":"B","time":1681222254710,"startPosition":"26.86",)"
    R"("dir":"Open Long","closedPnl":"0.0","hash":"0xa166","oid":90542681,"crossed":false,"fee":"0.01",)"
    R"("feeToken":"USDC","builderFee":"0.01","tid":118906512037719,"cloid":"0x1234567890abcdef1234567890abcdef"})";
inline constexpr std::string_view kMeta =
    R"({"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50},{"name":"HPOS","szDecimals":0,"maxLeverage":3,)"
    R"("onlyIsolated":true},{"name":"OLD","szDecimals":1,"maxLeverage":3,"isDelisted":true,"marginMode":"strictIsolated"}],)"
    R"("marginTables":[[50,{"description":"","marginTiers":[{"lowerBound":"0.0","maxLeverage":50}]}]],"collateralToken":0})";
inline constexpr std::string_view kCtx =
    R"({"dayNtlVlm":"1169046.29406","funding":"0.0000125","impactPxs":["14.3047","14.3444"],"markPx":"14.3161",)"
    R"("midPx":"14.314","openInterest":"688.11","oraclePx":"14.32","premium":"0.00031774","prevDayPx":"15.322"})";
inline constexpr std::string_view kCtxNullMid =
    R"({"funding":"-0.000000123456","impactPxs":null,"markPx":"1.5","midPx":null,"oraclePx":"1.4","premium":null})";
inline constexpr std::string_view kClearinghouse =
    R"({"assetPositions":[{"position":{"coin":"ETH","szi":"0.0335","entryPx":"2986.3","leverage":{"type":"isolated",)"
    R"("value":20,"rawUsd":"-95.059824"},"liquidationPx":"2866.26936529","marginUsed":"4.967826","maxLeverage":50,)"
    R"("positionValue":"100.02765","returnOnEquity":"-0.0026789","unrealizedPnl":"-0.0134","cumFunding":{"allTime":)"
    R"("514.085417","sinceChange":"0.0","sinceOpen":"0.0"}},"type":"oneWay"},{"position":{"coin":"DOGE","szi":"-100",)"
    R"("entryPx":null,"leverage":{"type":"cross","value":5},"liquidationPx":null,"marginUsed":"1","positionValue":"30",)"
    R"("unrealizedPnl":"0.5"},"type":"oneWay"}],"crossMaintenanceMarginUsed":"0.0","crossMarginSummary":{"accountValue":)"
    R"("13104.514502","totalMarginUsed":"0.0","totalNtlPos":"0.0","totalRawUsd":"13104.514502"},"marginSummary":)"
    R"({"accountValue":"13109.482328","totalMarginUsed":"4.967826","totalNtlPos":"100.02765","totalRawUsd":"13009.454678"},)"
    R"("time":1708622398623,"withdrawable":"13104.514502"})";
inline constexpr std::string_view kOpenOrders =
    R"([{"coin":"BTC","limitPx":"29792.0","oid":91490942,"side":"A","sz":"0.0","timestamp":1681247412573,)"
    R"("origSz":"0.5","cloid":"0x1234567890abcdef1234567890abcdef","reduceOnly":true},)"
    R"({"coin":"ETH","limitPx":"2000","oid":7,"side":"B","sz":"1","timestamp":1,"origSz":"1"}])";
inline constexpr std::string_view kFrontendOpenOrders =
    R"([{"coin":"BTC","isPositionTpsl":false,"isTrigger":true,"limitPx":"29000.0","oid":5,"orderType":"Stop Market",)"
    R"("origSz":"0.1","reduceOnly":true,"side":"A","sz":"0.1","timestamp":1681247412573,"triggerCondition":)"
    R"("Price below 29500","triggerPx":"29500.0","tif":null,"children":[{"coin":"BTC"}],"cloid":null},)"
    R"({"coin":"ETH","isPositionTpsl":false,"isTrigger":false,"limitPx":"2000","oid":6,"orderType":"Limit","origSz":"2",)"
    R"("reduceOnly":false,"side":"B","sz":"2","timestamp":2,"triggerCondition":"N/A","triggerPx":"0.0","tif":"Alo"}])";
inline constexpr std::string_view kOrderStatus =
    R"({"status":"order","order":{"order":{"coin":"ETH","side":"A","limitPx":"2412.7","sz":"0.0","oid":1,)"
    R"("timestamp":1724361546000,"triggerCondition":"N/A","isTrigger":false,"triggerPx":"0.0","children":[],)"
    R"("isPositionTpsl":false,"reduceOnly":true,"orderType":"Market","origSz":"0.0076","tif":"FrontendMarket",)"
    R"("cloid":null},"status":"filled","statusTimestamp":1724361546645}})";

inline common::Instrument make_instrument(std::string_view symbol) {
  common::Instrument i;
  i.venue = common::VenueId::kHyperliquid;
  EXPECT_TRUE(i.symbol.assign(symbol));
  EXPECT_TRUE(i.asset.assign(symbol));
  i.tick = *Price::parse("0.001");
  i.lot = *Qty::parse("0.00001");
  return i;
}

class OrderCodecTest : public ::testing::Test {
 protected:
  OrderCodecTest() {
    btc_ = *registry_.add(make_instrument("BTC"));
    eth_ = *registry_.add(make_instrument("ETH"));
    avax_ = *registry_.add(make_instrument("AVAX"));
  }
  ExchangeResponse exchange(std::string_view body) {
    const auto r = parser_.parse_exchange_unpadded(body);
    EXPECT_TRUE(r.ok()) << body << " -> " << to_string(r.error());
    return r.ok() ? *r : ExchangeResponse{};
  }
  ExecFrameKind ws(std::string_view frame, common::Nanos ts = 11) {
    const auto r = parser_.parse_ws_unpadded(frame, ts);
    EXPECT_TRUE(r.ok()) << frame << " -> " << to_string(r.error());
    return r.ok() ? *r : ExecFrameKind::kHello;
  }
  static ClientOrderId cloid() { return *ClientOrderId::parse_cloid(kCloid); }

  common::InstrumentRegistry registry_;
  common::InstrumentId btc_, eth_, avax_;
  ExecParser parser_{registry_};
  InfoParser info_{registry_};
};

inline void expect_ws_fill(const common::Fill& f, common::InstrumentId avax) {
  EXPECT_EQ(f.instrument, avax);
  EXPECT_EQ(f.price, *Price::parse("18.435"));
  EXPECT_EQ(f.qty, *Qty::parse("93.53"));
  EXPECT_EQ(f.side, common::Side::kBuy);
  EXPECT_EQ(f.ts_venue, 1681222254710'000'000);
  EXPECT_EQ(f.venue_seq, 1681222254710u);
  EXPECT_EQ(f.venue_order_id, common::VenueOrderId::from_int(90542681));
  EXPECT_EQ(f.fill_id, 118906512037719u);
  EXPECT_EQ(f.fee, *Money::parse("0.01"));
  EXPECT_EQ(f.liquidity, common::Liquidity::kMaker);
  EXPECT_EQ(f.cloid, *ClientOrderId::parse_cloid(kCloid));
}

}  // namespace peregrine::gateways::hyperliquid::codec_test
