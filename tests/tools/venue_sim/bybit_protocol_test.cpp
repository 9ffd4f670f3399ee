// Bybit v5 simulator protocol, driven directly (no sockets): header signing and rejections,
// order lifecycle, post-only handling, DCP, public book stream rebuilt with the project's own
// Bybit codecs, and the private stream.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/l2_book.hpp"
#include "gateways/bybit/md_codec.hpp"
#include "gateways/bybit/order_codec.hpp"
#include "gateways/bybit/signer.hpp"
#include "gateways/sim/exchange.hpp"
#include "support/venue_sim_fakes.hpp"
#include "tools/venue_sim/venue_context.hpp"

namespace peregrine::venue_sim {
namespace {

namespace bb = gateways::bybit;
namespace sim = gateways::sim;
using test::FakeWs;
using test::http_request;
using test::px;
using test::qty;

constexpr Nanos kT0 = 1'790'000'000'000'000'000;
constexpr Nanos kMs = 1'000'000;

class BybitSim : public ::testing::Test {
 protected:
  BybitSim() : ex_("bybit") {
    sim::SimInstrumentSpec spec = test::btc_spec("BTCUSDT", "0.1", "0.001", "5");
    spec.taker_fee_ppm = 550;
    inst_ = ex_.add_instrument(spec);
    cfg_.venue = common::VenueId::kBybit;
    cfg_.instruments.push_back(test::sim_instrument(spec, inst_));
    for (const char* name : {"default", "mm"}) {
      SimAccountConfig a = test::sim_account(ex_, name);
      a.api_key = std::string("key") + name;
      a.api_secret = std::string("secret") + name;
      cfg_.accounts.push_back(a);
    }
    ctx_ = std::make_unique<VenueContext>(VenueContext{ex_, faults_, cfg_});
    proto_ = make_bybit_protocol(*ctx_);
    EXPECT_TRUE(symbols_.bind("BTCUSDT", inst_));
  }

  HttpResponse call(const std::string& method, const std::string& path, const std::string& payload,
                    const char* account = "default", Nanos sign_ts = 0, bool tamper = false) {
    const bb::Signer signer(std::string("key") + account, std::string("secret") + account);
    bb::RestAuth auth;
    signer.sign_rest(static_cast<std::uint64_t>((sign_ts == 0 ? now_ : sign_ts) / kMs), 5000,
                     payload, auth);
    HttpRequest req;
    req.method = method;
    req.target = method == "GET" ? path + "?" + payload : path;
    if (method != "GET") req.body = payload;
    std::string sign(auth.sign());
    if (tamper) sign[0] = sign[0] == 'a' ? 'b' : 'a';
    req.headers = {{"x-bapi-api-key", std::string(auth.api_key)},
                   {"x-bapi-timestamp", std::string(auth.timestamp())},
                   {"x-bapi-recv-window", std::string(auth.recv_window())},
                   {"x-bapi-sign", sign},
                   {"x-bapi-sign-type", "2"}};
    return proto_->on_http(req, now_);
  }
  HttpResponse create(const char* account, const char* side, const char* price, const char* q,
                      const char* tif = "GTC", const char* link = "") {
    return call("POST", "/v5/order/create",
                std::string(R"({"category":"linear","symbol":"BTCUSDT","side":")") + side +
                    R"(","orderType":"Limit","qty":")" + q + R"(","price":")" + price +
                    R"(","timeInForce":")" + tif + R"(","orderLinkId":")" + link + R"("})",
                account);
  }
  const bb::RestResponse& parse(bb::RestEndpoint ep, const HttpResponse& r) {
    EXPECT_EQ(r.status, 200);
    const auto res = parser_.parse_rest_unpadded(ep, r.body, now_);
    EXPECT_TRUE(res.ok()) << r.body;
    return parser_.rest();
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
  bb::SymbolTable symbols_;
  bb::ExecParser parser_{symbols_};
  common::InstrumentId inst_;
  Nanos now_ = kT0;
};

TEST_F(BybitSim, SignedOrderRestsListsAndCancels) {
  const auto r = create("default", "Buy", "60000", "0.010", "GTC", "link-1");
  const auto& ack = parse(bb::RestEndpoint::kCreateOrder, r);
  ASSERT_TRUE(ack.ok()) << r.body;
  EXPECT_NE(r.body.find("\"orderLinkId\":\"link-1\""), std::string::npos);

  const auto open = call("GET", "/v5/order/realtime", "category=linear&symbol=BTCUSDT");
  ASSERT_TRUE(parse(bb::RestEndpoint::kOpenOrders, open).ok());
  ASSERT_EQ(parser_.order_updates().size(), 1u);
  EXPECT_EQ(parser_.order_updates()[0].price, px("60000"));
  EXPECT_EQ(parser_.order_updates()[0].status, common::OrderStatus::kNew);

  const auto cancel = call("POST", "/v5/order/cancel",
                           R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"link-1"})");
  ASSERT_TRUE(parse(bb::RestEndpoint::kCancelOrder, cancel).ok()) << cancel.body;
  const auto again = call("POST", "/v5/order/cancel",
                          R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"link-1"})");
  EXPECT_EQ(parse(bb::RestEndpoint::kCancelOrder, again).ret_code, 110001);
  EXPECT_EQ(ex_.open_order_count(0), 0u);
}

TEST_F(BybitSim, BadSignatureAndStaleTimestampAreRejected) {
  const std::string body =
      R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"60000"})";
  auto r = call("POST", "/v5/order/create", body, "default", 0, true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse(bb::RestEndpoint::kCreateOrder, r).ret_code, 10004);
  EXPECT_NE(r.body.find("error sign!"), std::string::npos);
  EXPECT_EQ(r.body.find("secretdefault"), std::string::npos);
  r = call("POST", "/v5/order/create", body, "default", now_ - 6000 * kMs);
  EXPECT_EQ(parse(bb::RestEndpoint::kCreateOrder, r).ret_code, 10002);
  r = call("POST", "/v5/order/create", body, "default", now_ + 1000 * kMs);
  EXPECT_EQ(parse(bb::RestEndpoint::kCreateOrder, r).ret_code, 10002);
  const HttpRequest req = http_request(
      "GET", "/v5/position/list?category=linear&symbol=BTCUSDT",
      {{"x-bapi-api-key", "nobody"}, {"x-bapi-timestamp", "1"}, {"x-bapi-sign", "00"}});
  EXPECT_EQ(parse(bb::RestEndpoint::kPositions, proto_->on_http(req, now_)).ret_code, 10003);
  EXPECT_EQ(ex_.open_order_count(0), 0u);
}

TEST_F(BybitSim, CrossingOrderFillsPositionShowsAndErrorsUseVenueCodes) {
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Sell", "60010", "0.020")).ok());
  // Post-only that would take: accepted, then cancelled with the venue's reason.
  const auto po = create("default", "Buy", "60010", "0.010", "PostOnly", "po-1");
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, po).ok());
  const auto po_state = call("GET", "/v5/order/realtime", "category=linear&orderLinkId=po-1");
  ASSERT_TRUE(parse(bb::RestEndpoint::kOpenOrders, po_state).ok());
  ASSERT_EQ(parser_.order_details().size(), 1u);
  EXPECT_EQ(parser_.order_details()[0].reject_reason, "EC_PostOnlyWillTakeLiquidity");
  EXPECT_NE(po_state.body.find("\"orderStatus\":\"Cancelled\""), std::string::npos);

  ASSERT_TRUE(
      parse(bb::RestEndpoint::kCreateOrder, create("default", "Buy", "60010", "0.015")).ok());
  const auto pos = call("GET", "/v5/position/list", "category=linear&symbol=BTCUSDT");
  ASSERT_TRUE(parse(bb::RestEndpoint::kPositions, pos).ok()) << pos.body;
  ASSERT_EQ(parser_.positions().size(), 1u);
  EXPECT_EQ(parser_.positions()[0].size, qty("0.015"));
  EXPECT_EQ(parser_.positions()[0].entry_price, px("60010"));
  const auto wal = call("GET", "/v5/account/wallet-balance", "accountType=UNIFIED");
  ASSERT_TRUE(parse(bb::RestEndpoint::kWalletBalance, wal).ok()) << wal.body;

  EXPECT_EQ(
      parse(bb::RestEndpoint::kCreateOrder, create("default", "Buy", "60000", "100")).ret_code,
      110007);
  EXPECT_EQ(
      parse(bb::RestEndpoint::kCreateOrder, create("default", "Buy", "100", "0.001")).ret_code,
      110094);
  const auto lev =
      call("POST", "/v5/position/set-leverage",
           R"({"category":"linear","symbol":"BTCUSDT","buyLeverage":"20","sellLeverage":"20"})");
  EXPECT_EQ(parse(bb::RestEndpoint::kSetLeverage, lev).ret_code, 110043);
}

TEST_F(BybitSim, PublicBookRebuildsAndSkipIsAGap) {
  FakeWs ws(1, "/v5/public/linear");
  ASSERT_TRUE(proto_->accepts_ws(ws.target()));
  proto_->on_ws_open(ws, now_);
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Buy", "59990", "0.010")).ok());
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Sell", "60010", "0.010")).ok());
  tick();
  proto_->on_ws_message(
      ws,
      R"({"req_id":"r1","op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT"]})",
      now_);
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Buy", "59980", "0.020")).ok());
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Sell", "60020", "0.020")).ok());
  tick();
  ASSERT_TRUE(
      parse(bb::RestEndpoint::kCreateOrder, create("default", "Buy", "60020", "0.015")).ok());
  tick();
  bb::MdParser md(symbols_);
  common::L2Book book;
  std::size_t consumed = 0;
  auto drain = [&] {
    for (; consumed < ws.frames.size(); ++consumed) {
      const auto k = md.parse_unpadded(ws.frames[consumed], now_);
      ASSERT_TRUE(k.ok()) << ws.frames[consumed];
      if (*k != bb::MdFrameKind::kBook) continue;
      for (const auto& e : md.events()) {
        if (e.kind == common::MdKind::kBookDelta) static_cast<void>(book.apply(e.delta));
      }
    }
  };
  drain();
  EXPECT_EQ(md.counters().snapshots.load(), 1u);
  EXPECT_EQ(md.counters().deltas.load(), 2u);
  EXPECT_EQ(md.counters().trades.load(), 2u);
  std::vector<sim::BookLevel> lv(16);
  for (const auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
    const std::size_t n = ex_.book_levels(inst_, side, lv);
    ASSERT_EQ(book.depth(side), n);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(book.level(side, i).price, lv[i].price);
      EXPECT_EQ(book.level(side, i).qty, lv[i].qty);
    }
  }
  faults_.skip_seq = 1;
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Buy", "59000", "0.010")).ok());
  tick();
  drain();
  EXPECT_EQ(md.counters().gaps.load(), 1u);
  // The REST book carries the same u as the stream.
  const auto rest = call("GET", "/v5/market/orderbook", "category=linear&symbol=BTCUSDT&limit=50");
  EXPECT_NE(rest.body.find("\"u\":" + std::to_string(md.book().u)), std::string::npos) << rest.body;
  // A top-of-book topic carries only level 1, as snapshots; a bad depth is refused.
  FakeWs top(3, "/v5/public/linear");
  proto_->on_ws_open(top, now_);
  proto_->on_ws_message(top, R"({"op":"subscribe","args":["orderbook.7.BTCUSDT"]})", now_);
  ASSERT_EQ(top.frames.size(), 1u);
  EXPECT_NE(top.frames[0].find("\"success\":false"), std::string::npos);
  proto_->on_ws_message(top, R"({"op":"subscribe","args":["orderbook.1.BTCUSDT"]})", now_);
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Buy", "59995", "0.010")).ok());
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Buy", "57000", "0.010")).ok());
  tick();
  bb::MdParser md_top(symbols_);
  common::L2Book top_book;
  for (std::size_t i = 1; i < top.frames.size(); ++i) {
    const auto k = md_top.parse_unpadded(top.frames[i], now_);
    ASSERT_TRUE(k.ok()) << top.frames[i];
    for (const auto& e : md_top.events()) {
      if (e.kind == common::MdKind::kBookDelta) static_cast<void>(top_book.apply(e.delta));
    }
  }
  EXPECT_EQ(top.frames.size(), 4u);  // ack, snapshot, one snapshot for the new best bid
  EXPECT_EQ(top_book.depth(common::BookSide::kBid), 1u);
  EXPECT_EQ(top_book.best_bid().price, px("59995"));
  proto_->on_ws_message(ws, R"({"req_id":"p","op":"ping"})", now_);
  EXPECT_NE(ws.frames.back().find("\"ret_msg\":\"pong\""), std::string::npos);
}

TEST_F(BybitSim, PrivateStreamAuthTopicsAndDisconnectCancelAll) {
  FakeWs ws(2, "/v5/private");
  proto_->on_ws_open(ws, now_);
  const bb::Signer signer("keydefault", "secretdefault");
  char buf[512];
  const auto exp = static_cast<std::uint64_t>(now_ / kMs + 10000);
  std::string bad(buf, signer.write_ws_auth(exp, "a1", buf, sizeof buf));
  bad[bad.size() - 4] = bad[bad.size() - 4] == '0' ? '1' : '0';
  proto_->on_ws_message(ws, bad, now_);
  ASSERT_TRUE(parser_.parse_ws_unpadded(ws.frames.back(), now_).ok());
  EXPECT_FALSE(parser_.control_success());
  proto_->on_ws_message(ws, std::string(buf, signer.write_ws_auth(exp, "a1", buf, sizeof buf)),
                        now_);
  ASSERT_TRUE(parser_.parse_ws_unpadded(ws.frames.back(), now_).ok());
  EXPECT_TRUE(parser_.control_success());
  proto_->on_ws_message(ws, R"({"op":"subscribe","args":["order","execution","position"]})", now_);
  const std::size_t before = ws.frames.size();
  ASSERT_TRUE(parse(bb::RestEndpoint::kCreateOrder, create("mm", "Sell", "60010", "0.020")).ok());
  EXPECT_EQ(ws.frames.size(), before);
  ASSERT_TRUE(
      parse(bb::RestEndpoint::kCreateOrder, create("default", "Buy", "60010", "0.015")).ok());
  int fills = 0;
  int orders = 0;
  int positions = 0;
  for (std::size_t i = before; i < ws.frames.size(); ++i) {
    const auto k = parser_.parse_ws_unpadded(ws.frames[i], now_);
    ASSERT_TRUE(k.ok()) << ws.frames[i];
    fills += *k == bb::ExecFrameKind::kFills ? 1 : 0;
    orders += *k == bb::ExecFrameKind::kOrders ? 1 : 0;
    positions += *k == bb::ExecFrameKind::kPositions ? 1 : 0;
  }
  EXPECT_EQ(fills, 1);
  EXPECT_GE(orders, 1);
  EXPECT_GE(positions, 1);

  const auto d = call("POST", "/v5/order/disconnected-cancel-all", R"({"timeWindow":10})");
  ASSERT_EQ(d.status, 200);
  ASSERT_TRUE(
      parse(bb::RestEndpoint::kCreateOrder, create("default", "Buy", "59000", "0.010")).ok());
  proto_->on_ws_close(ws);
  proto_->on_tick(now_ + 9'000 * kMs);
  EXPECT_EQ(ex_.open_order_count(0), 1u);
  proto_->on_tick(now_ + 10'001 * kMs);
  EXPECT_EQ(ex_.open_order_count(0), 0u);
}

}  // namespace
}  // namespace peregrine::venue_sim
