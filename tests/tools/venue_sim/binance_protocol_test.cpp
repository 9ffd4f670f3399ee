// Binance USD-M simulator protocol, driven directly (no sockets): signing and rejections, the
// order lifecycle, dead-man switch, weight limits, and wire-faithfulness against the project's
// own Binance codecs (ExecParser, MdParser, BookSync).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/l2_book.hpp"
#include "gateways/binance/book_sync.hpp"
#include "gateways/binance/exec_parser.hpp"
#include "gateways/binance/md_codec.hpp"
#include "gateways/binance/signer.hpp"
#include "gateways/sim/exchange.hpp"
#include "support/venue_sim_fakes.hpp"
#include "tools/venue_sim/binance/binance_protocol.hpp"
#include "tools/venue_sim/venue_context.hpp"

namespace peregrine::venue_sim {
namespace {

namespace bn = gateways::binance;
namespace sim = gateways::sim;
using test::FakeWs;
using test::http_request;
using test::px;
using test::qty;

constexpr Nanos kT0 = 1'790'000'000'000'000'000;  // epoch ns
constexpr Nanos kMs = 1'000'000;

class BinanceSim : public ::testing::Test {
 protected:
  BinanceSim() : ex_("binance") {
    sim::SimInstrumentSpec spec = test::btc_spec("BTCUSDT", "0.1", "0.001", "5");
    spec.maker_fee_ppm = 200;
    spec.taker_fee_ppm = 500;
    const auto id = ex_.add_instrument(spec);
    cfg_.venue = common::VenueId::kBinance;
    SimInstrumentConfig ic = test::sim_instrument(spec, id);
    ic.tick = spec.tick;
    ic.lot = spec.lot;
    ic.min_notional = spec.min_notional;
    cfg_.instruments.push_back(ic);
    for (const char* name : {"default", "mm"}) {
      SimAccountConfig a = test::sim_account(ex_, name);
      a.api_key = std::string("key-") + name;
      a.api_secret = std::string("secret-") + name;
      cfg_.accounts.push_back(a);
    }
    ctx_ = std::make_unique<VenueContext>(VenueContext{ex_, faults_, cfg_});
    proto_ = make_binance_protocol(*ctx_);
    EXPECT_TRUE(symbols_.add("BTCUSDT", id));
    inst_ = id;
  }

  // A signed request the way the project's gateway builds it.
  HttpResponse call(const std::string& method, const std::string& path, const std::string& params,
                    const char* account = "default", Nanos at = 0, Nanos sign_ts = 0,
                    bool tamper = false) {
    const Nanos now = at == 0 ? now_ : at;
    const std::string key = std::string("key-") + account;
    bn::Signer signer(std::make_unique<bn::HmacSigner>(key, std::string("secret-") + account));
    char buf[2048];
    bn::QueryWriter q(buf, sizeof buf);
    q.append(params);
    EXPECT_EQ(signer.finish(q, (sign_ts == 0 ? now : sign_ts) / kMs, 5000), bn::SignError::kOk);
    std::string query(q.view());
    if (tamper) query[query.size() - 1] = query.back() == '0' ? '1' : '0';
    return proto_->on_http(http_request(method, path + "?" + query, {{"x-mbx-apikey", key}}), now);
  }
  HttpResponse get(const std::string& target) {
    return proto_->on_http(http_request("GET", target), now_);
  }
  HttpResponse limit(const char* account, const char* side, const char* price, const char* q,
                     const char* tif = "GTC", const char* extra = "") {
    return call("POST", "/fapi/v1/order",
                std::string("symbol=BTCUSDT&side=") + side + "&type=LIMIT&timeInForce=" + tif +
                    "&quantity=" + q + "&price=" + price + "&newOrderRespType=RESULT" + extra,
                account);
  }
  void tick() {
    now_ += kMs;
    proto_->on_tick(now_);
  }

  sim::Exchange ex_;
  VenueFaults faults_;
  SimVenueConfig cfg_;
  std::unique_ptr<VenueContext> ctx_;
  std::unique_ptr<VenueProtocol> proto_;
  bn::SymbolTable symbols_;
  common::InstrumentId inst_;
  Nanos now_ = kT0;
};

int error_code(const HttpResponse& r, bn::ExecParser& p) {
  const auto parsed = p.parse_ack(r.status, r.body);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? parsed->error.code : 0;
}

TEST_F(BinanceSim, SignedLimitOrderRestsListsAndCancels) {
  bn::ExecParser parser(symbols_);
  const auto r = limit("default", "BUY", "60000", "0.010", "GTC", "&newClientOrderId=abc-1");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto parsed = parser.parse_order(r.status, r.body);
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(parsed->ok);
  EXPECT_EQ(parser.order().status, common::OrderStatus::kNew);
  EXPECT_NE(r.body.find("\"clientOrderId\":\"abc-1\""), std::string::npos);
  bool weight_header = false;
  for (const auto& [k, v] : r.headers) weight_header = weight_header || k == "X-MBX-USED-WEIGHT-1M";
  EXPECT_TRUE(weight_header);

  const auto open = call("GET", "/fapi/v1/openOrders", "symbol=BTCUSDT");
  ASSERT_EQ(open.status, 200);
  ASSERT_TRUE(parser.parse_open_orders(open.status, open.body).ok());
  ASSERT_EQ(parser.orders().size(), 1u);
  EXPECT_EQ(parser.orders()[0].price, px("60000"));

  const auto cancel = call("DELETE", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=abc-1");
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  ASSERT_TRUE(parser.parse_order(cancel.status, cancel.body).ok());
  EXPECT_EQ(parser.order().status, common::OrderStatus::kCancelled);
  const auto again = call("DELETE", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=abc-1");
  EXPECT_EQ(error_code(again, parser), -2011);
  const auto none = call("GET", "/fapi/v1/order", "symbol=BTCUSDT&orderId=999");
  EXPECT_EQ(error_code(none, parser), -2013);
}

TEST_F(BinanceSim, BadSignatureUnknownKeyAndStaleTimestampAreRejected) {
  bn::ExecParser parser(symbols_);
  const std::string params =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=60000";
  auto r = call("POST", "/fapi/v1/order", params, "default", 0, 0, true);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"code\":-1022,\"msg\":\"Signature for this request is not valid.\"}");
  EXPECT_EQ(error_code(r, parser), -1022);

  r = call("POST", "/fapi/v1/order", params, "default", 0, now_ - 6000 * kMs);
  EXPECT_EQ(error_code(r, parser), -1021);
  EXPECT_NE(r.body.find("outside of the recvWindow"), std::string::npos);
  r = call("POST", "/fapi/v1/order", params, "default", 0, now_ + 2000 * kMs);
  EXPECT_EQ(error_code(r, parser), -1021);

  HttpRequest req =
      http_request("GET", "/fapi/v2/balance?timestamp=1&signature=00", {{"x-mbx-apikey", "nope"}});
  r = proto_->on_http(req, now_);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r, parser), -2015);
  req.headers.clear();
  r = proto_->on_http(req, now_);
  EXPECT_EQ(error_code(r, parser), -2014);
  EXPECT_EQ(ex_.open_order_count(0), 0u);
}

TEST_F(BinanceSim, CrossingOrderFillsAndPositionShows) {
  bn::ExecParser parser(symbols_);
  ASSERT_EQ(limit("mm", "SELL", "60010", "0.020").status, 200);
  const auto r = limit("default", "BUY", "60010", "0.015");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(parser.parse_order(r.status, r.body).ok());
  EXPECT_EQ(parser.order().status, common::OrderStatus::kFilled);
  EXPECT_NE(r.body.find("\"avgPrice\":\"60010\""), std::string::npos);

  const auto pos = call("GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT");
  ASSERT_EQ(pos.status, 200) << pos.body;
  ASSERT_TRUE(parser.parse_position_risk(pos.status, pos.body).ok());
  ASSERT_EQ(parser.positions().size(), 1u);
  EXPECT_EQ(parser.positions()[0].amount, qty("0.015"));
  EXPECT_EQ(parser.positions()[0].entry_price, px("60010"));

  const auto bal = call("GET", "/fapi/v2/balance", "");
  ASSERT_TRUE(parser.parse_balance(bal.status, bal.body).ok());
  ASSERT_EQ(parser.balances().size(), 1u);
  EXPECT_LT(parser.balances()[0].wallet, *common::Money::parse("100000"));  // taker fee paid
  const auto acct = call("GET", "/fapi/v2/account", "");
  EXPECT_TRUE(parser.parse_account(acct.status, acct.body).ok());
  const auto lev = call("POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=5");
  ASSERT_TRUE(parser.parse_leverage(lev.status, lev.body).ok());
  EXPECT_EQ(parser.leverage().leverage, 5u);
}

TEST_F(BinanceSim, VenueRejectionsUseVenueCodes) {
  bn::ExecParser parser(symbols_);
  ASSERT_EQ(limit("mm", "SELL", "60010", "0.020").status, 200);
  EXPECT_EQ(error_code(limit("default", "BUY", "60010", "0.010", "GTX"), parser), -5022);
  EXPECT_EQ(error_code(limit("default", "BUY", "60000.05", "0.010"), parser), -4014);
  EXPECT_EQ(error_code(limit("default", "BUY", "60000", "0.0105"), parser), -1111);
  EXPECT_EQ(error_code(limit("default", "BUY", "100", "0.001"), parser), -4164);
  EXPECT_EQ(
      error_code(limit("default", "SELL", "61000", "0.010", "GTC", "&reduceOnly=true"), parser),
      -2022);
  EXPECT_EQ(error_code(limit("default", "BUY", "60000", "100"), parser), -2019);
  const auto stop = call("POST", "/fapi/v1/order",
                         "symbol=BTCUSDT&side=BUY&type=STOP_MARKET&quantity=0.01&stopPrice=61000");
  EXPECT_EQ(error_code(stop, parser), -4120);
  const auto algo = call("POST", "/fapi/v1/algoOrder",
                         "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP_MARKET&"
                         "quantity=0.010&triggerPrice=61000&clientAlgoId=stop1");
  ASSERT_EQ(algo.status, 200) << algo.body;
  ASSERT_TRUE(parser.parse_algo_order(algo.status, algo.body).ok());
  EXPECT_EQ(parser.algo().status, bn::AlgoStatus::kNew);
}

TEST_F(BinanceSim, CountdownCancelAllFires) {
  ASSERT_EQ(limit("default", "BUY", "59000", "0.010").status, 200);
  ASSERT_EQ(call("POST", "/fapi/v1/countdownCancelAll", "symbol=BTCUSDT&countdownTime=1000").status,
            200);
  proto_->on_tick(now_ + 999 * kMs);
  EXPECT_EQ(ex_.open_order_count(0), 1u);
  proto_->on_tick(now_ + 1001 * kMs);
  EXPECT_EQ(ex_.open_order_count(0), 0u);
}

TEST_F(BinanceSim, WeightBudgetAnswers429Then418) {
  auto* bp = dynamic_cast<binance::BinanceProtocol*>(proto_.get());
  ASSERT_NE(bp, nullptr);
  bp->weights().set_limit(10);
  int ok = 0;
  for (int i = 0; i < 10; ++i) ok += get("/fapi/v1/time").status == 200 ? 1 : 0;
  EXPECT_EQ(ok, 10);
  for (int i = 0; i < binance::WeightLimiter::kBanAfter429; ++i) {
    const auto r = get("/fapi/v1/time");
    EXPECT_EQ(r.status, 429);
    EXPECT_NE(r.body.find("-1003"), std::string::npos);
  }
  EXPECT_EQ(get("/fapi/v1/time").status, 418);
  now_ += 61'000 * kMs;  // a new minute does not lift the ban
  EXPECT_EQ(get("/fapi/v1/time").status, 418);
  now_ += 120'000 * kMs;
  EXPECT_EQ(get("/fapi/v1/time").status, 200);
}

TEST_F(BinanceSim, BookSyncFromSnapshotAndDiffsMatchesExchange) {
  FakeWs ws(1, "/stream?streams=btcusdt@depth@100ms/btcusdt@trade");
  ASSERT_TRUE(proto_->accepts_ws(ws.target()));
  proto_->on_ws_open(ws, now_);
  bn::MdParser md(symbols_);
  bn::BookSync sync(bn::Market::kUsdm, inst_);
  common::L2Book book;
  bn::L2BookSink sink(book);
  std::size_t consumed = 0;
  auto drain = [&] {
    for (; consumed < ws.frames.size(); ++consumed) {
      const auto k = md.parse_unpadded(ws.frames[consumed], now_);
      ASSERT_TRUE(k.ok()) << ws.frames[consumed];
      if (*k == bn::MdFrameKind::kDepth) static_cast<void>(sync.on_depth(md.depth(), sink));
    }
  };
  // Build some book, publish part of it before the snapshot and part after.
  const char* bids[] = {"59990", "59980", "59970"};
  const char* asks[] = {"60010", "60020", "60030"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(limit("mm", "BUY", bids[i], "0.010").status, 200);
    ASSERT_EQ(limit("mm", "SELL", asks[i], "0.010").status, 200);
    tick();
  }
  drain();
  ASSERT_EQ(limit("mm", "BUY", "59995", "0.020").status, 200);  // pending when snapshotted
  const auto snap = get("/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  ASSERT_EQ(snap.status, 200);
  ASSERT_TRUE(md.parse_snapshot_unpadded(snap.body, inst_, now_).ok());
  ASSERT_EQ(sync.on_snapshot(md.snapshot(), sink), bn::SnapshotOutcome::kApplied);
  tick();
  ASSERT_EQ(limit("default", "BUY", "60020", "0.015").status, 200);  // takes 1.5 levels
  ASSERT_EQ(call("DELETE", "/fapi/v1/allOpenOrders", "symbol=BTCUSDT", "mm").status, 200);
  ASSERT_EQ(limit("mm", "SELL", "60100", "0.030").status, 200);
  tick();
  drain();
  EXPECT_TRUE(sync.synced());
  EXPECT_EQ(sync.gaps(), 0u);
  EXPECT_EQ(book.depth(common::BookSide::kBid), ex_.level_count(inst_, common::BookSide::kBid));
  EXPECT_EQ(book.depth(common::BookSide::kAsk), ex_.level_count(inst_, common::BookSide::kAsk));
  std::vector<sim::BookLevel> lv(16);
  for (const auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
    const std::size_t n = ex_.book_levels(inst_, side, lv);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(book.level(side, i).price, lv[i].price);
      EXPECT_EQ(book.level(side, i).qty, lv[i].qty);
    }
  }
  EXPECT_EQ(md.counters().trade_frames.load(), 2u);  // the taker order matched two levels

  // A skipped sequence number is a gap the client detects; a duplicate is only stale.
  const std::uint64_t stale_before = sync.stale_events();  // pre-snapshot diffs it dropped
  faults_.duplicate_seq = 1;
  ASSERT_EQ(limit("mm", "BUY", "59000", "0.010").status, 200);
  tick();
  drain();
  EXPECT_EQ(sync.gaps(), 0u);
  EXPECT_EQ(sync.stale_events(), stale_before + 1);
  faults_.skip_seq = 1;
  ASSERT_EQ(limit("mm", "BUY", "58000", "0.010").status, 200);
  tick();
  drain();
  EXPECT_EQ(sync.gaps(), 1u);
  EXPECT_FALSE(sync.synced());
  EXPECT_EQ(faults_.counters.seq_skipped, 1u);

  // Stale: nothing is published until the window ends, then one diff carries the changes.
  const std::size_t before = ws.frames.size();
  faults_.stale_until_ns = now_ + 10 * kMs;
  ASSERT_EQ(limit("mm", "BUY", "57000", "0.010").status, 200);
  tick();
  EXPECT_EQ(ws.frames.size(), before);
  now_ += 10 * kMs;
  tick();
  EXPECT_EQ(ws.frames.size(), before + 1);
}

TEST_F(BinanceSim, UserDataStreamCarriesOrderAndAccountUpdates) {
  const auto lk = proto_->on_http(
      http_request("POST", "/fapi/v1/listenKey", {{"x-mbx-apikey", "key-default"}}), now_);
  ASSERT_EQ(lk.status, 200);
  bn::ExecParser parser(symbols_);
  ASSERT_TRUE(parser.parse_listen_key(lk.status, lk.body).ok());
  const std::string key(parser.listen_key());
  ASSERT_EQ(key.size(), 64u);
  FakeWs ws(7, "/private/ws/" + key);
  ASSERT_TRUE(proto_->accepts_ws(ws.target()));
  proto_->on_ws_open(ws, now_);

  ASSERT_EQ(limit("mm", "SELL", "60010", "0.020").status, 200);
  EXPECT_TRUE(ws.frames.empty());  // another account's order
  ASSERT_EQ(limit("default", "BUY", "60010", "0.015").status, 200);
  int trades = 0;
  int accounts = 0;
  for (const auto& f : ws.frames) {
    const auto k = parser.parse_user(f, now_);
    ASSERT_TRUE(k.ok()) << f;
    if (*k == bn::UserEventKind::kOrderTradeUpdate && parser.order_event().has_fill) {
      ++trades;
      EXPECT_EQ(parser.order_event().fill.qty, qty("0.015"));
      EXPECT_EQ(parser.order_event().update.status, common::OrderStatus::kFilled);
    }
    if (*k == bn::UserEventKind::kAccountUpdate) {
      ++accounts;
      ASSERT_EQ(parser.positions().size(), 1u);
      EXPECT_EQ(parser.positions()[0].amount, qty("0.015"));
    }
  }
  EXPECT_EQ(trades, 1);
  EXPECT_EQ(accounts, 1);
}

TEST_F(BinanceSim, SubscribeMethodAndUnknownPath) {
  FakeWs ws(3, "/ws");
  proto_->on_ws_open(ws, now_);
  proto_->on_ws_message(ws, R"({"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":5})",
                        now_);
  ASSERT_EQ(ws.frames.size(), 1u);
  EXPECT_EQ(ws.frames[0], "{\"result\":null,\"id\":5}");
  ASSERT_EQ(limit("mm", "SELL", "60010", "0.020").status, 200);
  tick();
  ASSERT_EQ(ws.frames.size(), 2u);
  bn::MdParser md(symbols_);
  const auto k = md.parse_unpadded(ws.frames[1], now_);
  ASSERT_TRUE(k.ok()) << ws.frames[1];
  EXPECT_EQ(*k, bn::MdFrameKind::kBookTicker);
  EXPECT_EQ(md.book_ticker().ask_price, px("60010"));
  proto_->on_ws_message(ws, "not json", now_);
  EXPECT_EQ(ws.frames.size(), 3u);
  EXPECT_EQ(get("/fapi/v1/nope").status, 404);
  const auto info = get("/fapi/v1/exchangeInfo");
  EXPECT_NE(info.body.find("\"tickSize\":\"0.1\""), std::string::npos);
}

}  // namespace
}  // namespace peregrine::venue_sim
