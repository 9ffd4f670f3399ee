// The simulated Hyperliquid venue over loopback: signed orders (signed with the project's own
// signer and the paper key), nonce rules, cancels, modify, scheduleCancel, /info shapes and WS
// frames parsed by the project's own Hyperliquid codecs.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/instrument.hpp"
#include "gateways/hyperliquid/md_codec.hpp"
#include "gateways/hyperliquid/order_codec.hpp"
#include "tools/venue_sim/sim_client.hpp"
#include "tools/venue_sim/sim_harness.hpp"

namespace peregrine::venue_sim {
namespace {

namespace hlg = gateways::hyperliquid;
using namespace std::chrono_literals;

constexpr std::string_view kPaperKey =
    "0x0123456789012345678901234567890123456789012345678901234567890123";

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

class HyperliquidProtocol : public ::testing::Test {
 protected:
  HyperliquidProtocol() {
    key_ = gateways::crypto::EcdsaKey::from_hex(kPaperKey).value();
    user_ = key_->address_hex();
    common::Instrument btc;
    btc.venue = common::VenueId::kHyperliquid;
    static_cast<void>(btc.symbol.assign("BTC"));
    static_cast<void>(btc.asset.assign("BTC"));
    btc.tick = common::Price::parse("1").value();
    btc.lot = common::Qty::parse("0.00001").value();
    btc.asset_index = 0;
    btc.size_decimals = 5;
    btc_ = registry_.add(btc).value();
  }

  std::string post_exchange(std::string_view action, std::uint64_t nonce) {
    const auto r = http_.request("POST", "/exchange", hl_signed_body(action, nonce, *key_));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
  std::string info(const std::string& body) {
    const auto r = http_.request("POST", "/info", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
  std::uint64_t nonce() { return next_nonce_ = std::max(next_nonce_ + 1, now_ms()); }
  // Best bid/ask of BTC from /info l2Book (the background market keeps both sides).
  std::pair<std::int64_t, std::int64_t> bbo() {
    for (int i = 0; i < 200; ++i) {
      simdjson::dom::parser p;
      simdjson::dom::element doc;
      const std::string body = info(R"({"type":"l2Book","coin":"BTC"})");
      if (p.parse(body).get(doc) != simdjson::SUCCESS) continue;
      std::string_view bid, ask;
      if (doc["levels"].at(0).at(0)["px"].get_string().get(bid) == simdjson::SUCCESS &&
          doc["levels"].at(1).at(0)["px"].get_string().get(ask) == simdjson::SUCCESS) {
        return {std::stoll(std::string(bid)), std::stoll(std::string(ask))};
      }
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "no two-sided BTC book";
    return {0, 0};
  }
  const hlg::ExchangeResponse& parse(const std::string& body) {
    auto r = exec_.parse_exchange_unpadded(body);
    EXPECT_TRUE(r) << body;
    last_ = r ? r.value() : hlg::ExchangeResponse{};
    return last_;
  }
  static std::string order(std::int64_t px, std::string_view sz, bool buy, std::string_view tif,
                           std::string_view cloid = {}) {
    std::string o = R"({"type":"order","orders":[{"a":0,"b":)" +
                    std::string(buy ? "true" : "false") + R"(,"p":")" + std::to_string(px) +
                    R"(","s":")" + std::string(sz) + R"(","r":false,"t":{"limit":{"tif":")" +
                    std::string(tif) + R"("}})";
    if (!cloid.empty()) o += R"(,"c":")" + std::string(cloid) + "\"";
    return o + R"(}],"grouping":"na"})";
  }

  SimHarness h_;
  SimHttpClient http_{h_.hl_port()};
  SimHttpClient admin_{h_.admin_port()};
  std::shared_ptr<const gateways::crypto::EcdsaKey> key_;
  std::string user_;
  common::InstrumentRegistry registry_;
  common::InstrumentId btc_;
  hlg::ExecParser exec_{registry_};
  hlg::ExchangeResponse last_;
  std::uint64_t next_nonce_ = 0;
};

TEST_F(HyperliquidProtocol, SignedOrderRestsAndIsVisibleEverywhere) {
  const auto [bid, ask] = bbo();
  const std::int64_t px = bid - bid / 10;  // 10% below: rests
  const auto body = post_exchange(order(px, "0.001", true, "Gtc"), nonce());
  const auto& resp = parse(body);
  ASSERT_EQ(resp.kind, hlg::ResponseKind::kOrder) << body;
  ASSERT_EQ(resp.statuses.size(), 1u);
  ASSERT_EQ(resp.statuses[0].kind, hlg::ActionStatusKind::kResting) << body;
  const auto oid = std::to_string(resp.statuses[0].oid.lo);

  const auto open = info(R"({"type":"openOrders","user":")" + user_ + "\"}");
  EXPECT_NE(open.find("\"oid\":" + oid), std::string::npos) << open;
  EXPECT_NE(open.find("\"limitPx\":\"" + std::to_string(px) + "\""), std::string::npos);
  const auto st = info(R"({"type":"orderStatus","user":")" + user_ + "\",\"oid\":" + oid + "}");
  EXPECT_NE(st.find("\"status\":\"open\""), std::string::npos) << st;
  const auto truth = admin_.request("GET", "/admin/truth?venue=hyperliquid").body;
  EXPECT_NE(truth.find("\"id\":" + oid), std::string::npos);
}

TEST_F(HyperliquidProtocol, CrossingOrderFillsAndOpensAPosition) {
  const auto [bid, ask] = bbo();
  const auto body = post_exchange(order(ask + ask / 50, "0.001", true, "Ioc"), nonce());
  const auto& resp = parse(body);
  ASSERT_EQ(resp.statuses.size(), 1u);
  ASSERT_EQ(resp.statuses[0].kind, hlg::ActionStatusKind::kFilled) << body;
  EXPECT_EQ(resp.statuses[0].filled_qty, common::Qty::parse("0.001").value());
  const auto ch = info(R"({"type":"clearinghouseState","user":")" + user_ + "\"}");
  EXPECT_NE(ch.find("\"coin\":\"BTC\",\"szi\":\"0.001\""), std::string::npos) << ch;
  const auto fills = info(R"({"type":"userFills","user":")" + user_ + "\"}");
  EXPECT_NE(fills.find("\"dir\":\"Open Long\""), std::string::npos) << fills;
}

TEST_F(HyperliquidProtocol, PerOrderErrorsUseTheVenueTexts) {
  const auto [bid, ask] = bbo();
  // Off the 5-significant-figure grid at BTC prices.
  auto body = post_exchange(R"({"type":"order","orders":[{"a":0,"b":true,"p":")" +
                                std::to_string(bid - 1000) + R"(.5","s":"0.001","r":false,)" +
                                R"("t":{"limit":{"tif":"Gtc"}}}],"grouping":"na"})",
                            nonce());
  EXPECT_NE(body.find("Price must be divisible by tick size."), std::string::npos) << body;
  body = post_exchange(order(bid - 1000, "0.00001", true, "Gtc"), nonce());
  EXPECT_NE(body.find("Order must have minimum value of $10."), std::string::npos) << body;
  body = post_exchange(order(ask + 10, "0.001", true, "Alo"), nonce());
  EXPECT_NE(body.find("Post only order would have immediately matched, bbo was"), std::string::npos)
      << body;
  EXPECT_EQ(parse(body).statuses[0].reject, common::RejectReason::kPostOnlyWouldCross);
}

TEST_F(HyperliquidProtocol, WrongSignerIsAnUnknownWallet) {
  auto other = gateways::crypto::EcdsaKey::from_hex(
                   "0x1111111111111111111111111111111111111111111111111111111111111111")
                   .value();
  const auto r = http_.request("POST", "/exchange",
                               hl_signed_body(order(1000, "0.01", true, "Gtc"), nonce(), *other));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("User or API Wallet " + other->address_hex() + " does not exist."),
            std::string::npos)
      << r.body;
  EXPECT_EQ(parse(r.body).reject, common::RejectReason::kBadSignature);
  // A signature over different bytes recovers some other address: same rejection.
  std::string body = hl_signed_body(order(1000, "0.01", true, "Gtc"), nonce(), *key_);
  body.replace(body.find("\"0.01\""), 6, "\"0.02\"");
  EXPECT_NE(http_.request("POST", "/exchange", body).body.find("does not exist."),
            std::string::npos);
}

TEST_F(HyperliquidProtocol, ReplayedNonceIsRejected) {
  const auto n = nonce();
  const auto action = R"({"type":"noop"})";
  EXPECT_NE(post_exchange(action, n).find("\"status\":\"ok\""), std::string::npos);
  const auto again = post_exchange(action, n);
  EXPECT_NE(again.find("Invalid nonce: duplicate nonce " + std::to_string(n)), std::string::npos)
      << again;
  EXPECT_EQ(parse(again).reject, common::RejectReason::kBadNonce);
  const auto old = post_exchange(action, now_ms() - 3ull * 24 * 3600 * 1000);
  EXPECT_NE(old.find("Invalid nonce"), std::string::npos) << old;
}

TEST_F(HyperliquidProtocol, CancelAndCancelByCloid) {
  const auto [bid, ask] = bbo();
  const std::int64_t px = bid - bid / 10;
  const auto& r1 = parse(post_exchange(order(px, "0.001", true, "Gtc"), nonce()));
  ASSERT_EQ(r1.statuses[0].kind, hlg::ActionStatusKind::kResting);
  const auto oid = std::to_string(r1.statuses[0].oid.lo);
  const auto cancel = R"({"type":"cancel","cancels":[{"a":0,"o":)" + oid + "}]}";
  EXPECT_NE(post_exchange(cancel, nonce()).find(R"("statuses":["success"])"), std::string::npos);
  EXPECT_NE(
      post_exchange(cancel, nonce()).find("Order was never placed, already canceled, or filled."),
      std::string::npos);

  const std::string cloid = "0x00000000000000000000000000000abc";
  const auto& r2 = parse(post_exchange(order(px, "0.001", true, "Gtc", cloid), nonce()));
  ASSERT_EQ(r2.statuses[0].kind, hlg::ActionStatusKind::kResting);
  const auto by_cloid =
      R"({"type":"cancelByCloid","cancels":[{"asset":0,"cloid":")" + cloid + "\"}]}";
  EXPECT_NE(post_exchange(by_cloid, nonce()).find(R"("statuses":["success"])"), std::string::npos);
  const auto open = info(R"({"type":"openOrders","user":")" + user_ + "\"}");
  EXPECT_EQ(open, "[]");
}

TEST_F(HyperliquidProtocol, ModifyChangesPriceAndSize) {
  const auto [bid, ask] = bbo();
  const std::int64_t px = bid - bid / 10;
  const auto& r = parse(post_exchange(order(px, "0.001", true, "Gtc"), nonce()));
  ASSERT_EQ(r.statuses[0].kind, hlg::ActionStatusKind::kResting);
  const auto oid = std::to_string(r.statuses[0].oid.lo);
  const std::string modify = R"({"type":"modify","oid":)" + oid +
                             R"(,"order":{"a":0,"b":true,"p":")" + std::to_string(px - 100) +
                             R"(","s":"0.002","r":false,"t":{"limit":{"tif":"Gtc"}}}})";
  EXPECT_EQ(post_exchange(modify, nonce()), R"({"status":"ok","response":{"type":"default"}})");
  const auto open = info(R"({"type":"openOrders","user":")" + user_ + "\"}");
  EXPECT_NE(open.find("\"limitPx\":\"" + std::to_string(px - 100) + "\""), std::string::npos)
      << open;
  EXPECT_NE(open.find("\"origSz\":\"0.002\""), std::string::npos) << open;
}

TEST_F(HyperliquidProtocol, ScheduleCancelFiresAfterItsTime) {
  const auto [bid, ask] = bbo();
  ASSERT_EQ(
      parse(post_exchange(order(bid - bid / 10, "0.001", true, "Gtc"), nonce())).statuses[0].kind,
      hlg::ActionStatusKind::kResting);
  const auto too_soon =
      R"({"type":"scheduleCancel","time":)" + std::to_string(now_ms() + 1000) + "}";
  EXPECT_NE(post_exchange(too_soon, nonce()).find("too early"), std::string::npos);
  const auto ok = R"({"type":"scheduleCancel","time":)" + std::to_string(now_ms() + 5100) + "}";
  EXPECT_EQ(post_exchange(ok, nonce()), R"({"status":"ok","response":{"type":"default"}})");
  std::string open;
  for (int i = 0; i < 100; ++i) {  // up to ~10 s
    open = info(R"({"type":"openOrders","user":")" + user_ + "\"}");
    if (open == "[]") break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(open, "[]");
}

TEST_F(HyperliquidProtocol, L2BookSnapshotsParseWithTheProjectCodec) {
  SimWsClient ws(h_.hl_port(), "/ws");
  hlg::MdParser md(registry_);
  auto hello = ws.read();
  ASSERT_TRUE(hello);
  auto k = md.parse_unpadded(*hello, 0);
  ASSERT_TRUE(k);
  EXPECT_EQ(k.value(), hlg::MdFrameKind::kHello);
  ws.send(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}})");
  ws.send(R"({"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}})");
  ws.send(R"({"method":"subscribe","subscription":{"type":"bbo","coin":"BTC"}})");
  int books = 0, acks = 0, bbos = 0;
  for (int i = 0; i < 5000 && (books < 5 || bbos < 1); ++i) {
    auto f = ws.read();
    ASSERT_TRUE(f);
    auto r = md.parse_unpadded(*f, 0);
    ASSERT_TRUE(r) << hlg::to_string(r.error()) << ": " << f->substr(0, 300);
    if (r.value() == hlg::MdFrameKind::kSubscriptionResponse) ++acks;
    if (r.value() == hlg::MdFrameKind::kBbo) ++bbos;
    if (r.value() == hlg::MdFrameKind::kBook) {
      // The snapshot sent on subscribe may predate the market's first tick: an empty book is
      // one zero-qty delta. Count the populated ones.
      if (md.events().size() < 2) continue;
      ++books;
      EXPECT_LE(md.events().size(), 40u);
      EXPECT_EQ(md.events()[0].delta.instrument, btc_);
    }
  }
  EXPECT_EQ(acks, 3);
  EXPECT_GE(books, 5);
  EXPECT_GE(bbos, 1);
}

TEST_F(HyperliquidProtocol, OrderUpdatesAndPostParseWithTheExecCodec) {
  SimWsClient ws(h_.hl_port(), "/ws");
  ASSERT_TRUE(ws.read());
  ws.send(R"({"method":"subscribe","subscription":{"type":"orderUpdates","user":")" + user_ +
          "\"}}");
  ASSERT_TRUE(ws.read_until("subscriptionResponse"));
  const auto [bid, ask] = bbo();
  const auto body = hl_signed_body(order(bid - bid / 10, "0.001", true, "Gtc"), nonce(), *key_);
  ws.send(R"({"method":"post","id":7,"request":{"type":"action","payload":)" + body + "}}");
  bool post_seen = false, update_seen = false;
  for (int i = 0; i < 2000 && !(post_seen && update_seen); ++i) {
    auto f = ws.read();
    ASSERT_TRUE(f);
    auto r = exec_.parse_ws_unpadded(*f, 0);
    if (!r) continue;  // market-data frames are not this parser's
    if (r.value() == hlg::ExecFrameKind::kPost) {
      post_seen = true;
      EXPECT_EQ(exec_.post().id, 7u);
      EXPECT_EQ(exec_.post().kind, hlg::PostKind::kAction) << *f;
      ASSERT_EQ(exec_.post().action.statuses.size(), 1u);
      EXPECT_EQ(exec_.post().action.statuses[0].kind, hlg::ActionStatusKind::kResting);
    }
    if (r.value() == hlg::ExecFrameKind::kOrderUpdates) {
      update_seen = true;
      ASSERT_EQ(exec_.order_updates().size(), 1u) << *f;
      EXPECT_EQ(exec_.order_updates()[0].status, common::OrderStatus::kNew);
    }
  }
  EXPECT_TRUE(post_seen);
  EXPECT_TRUE(update_seen);
}

TEST_F(HyperliquidProtocol, InfoShapes) {
  const auto meta = info(R"({"type":"meta"})");
  EXPECT_NE(meta.find(R"({"name":"BTC","szDecimals":5,)"), std::string::npos) << meta;
  const auto mids = info(R"({"type":"allMids"})");
  EXPECT_NE(mids.find("\"ETH\":\""), std::string::npos);
  const auto ctxs = info(R"({"type":"metaAndAssetCtxs"})");
  EXPECT_EQ(ctxs.front(), '[');
  EXPECT_NE(ctxs.find("\"markPx\""), std::string::npos);
  EXPECT_EQ(http_.request("POST", "/info", R"({"type":"nonsense"})").status, 422);
  EXPECT_EQ(http_.request("POST", "/exchange", "not json").status, 422);
  EXPECT_EQ(info(R"({"type":"orderStatus","user":")" + user_ + R"(","oid":999999})"),
            R"({"status":"unknownOid"})");
}

}  // namespace
}  // namespace peregrine::venue_sim
