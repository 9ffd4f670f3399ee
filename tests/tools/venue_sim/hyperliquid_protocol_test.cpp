// The simulated Hyperliquid venue over loopback: signed orders (signed with the project's own
// signer and the paper key), nonce rules, cancels, modify, scheduleCancel, /info shapes and WS
// frames parsed by the project's own Hyperliquid codecs.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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

  static SimConfig config() {
    SimConfig cfg = harness_config();
    cfg.hl_twap_slice_ms = 50;  // native TWAPs: 10 slices of a 5-minute TWAP in half a second
    return cfg;
  }

  SimHarness h_{config()};
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

// ---- native TWAP ----------------------------------------------------------------------------

std::string twap_order(std::string_view sz, bool buy, bool reduce_only, std::int64_t minutes) {
  return R"({"type":"twapOrder","twap":{"a":0,"b":)" + std::string(buy ? "true" : "false") +
         R"(,"s":")" + std::string(sz) + R"(","r":)" + (reduce_only ? "true" : "false") +
         R"(,"m":)" + std::to_string(minutes) + R"(,"t":false}})";
}
std::string twap_cancel(std::uint64_t id) {
  return R"({"type":"twapCancel","a":0,"t":)" + std::to_string(id) + "}";
}

// The user's TWAP feeds over one WS connection, parsed with the project's exec codec.
struct TwapWatch {
  TwapWatch(std::uint16_t port, const std::string& user, hlg::ExecParser& p)
      : ws(port, "/ws"), exec(p) {
    EXPECT_TRUE(ws.read());
    for (std::string_view t : {"userFills", "userTwapSliceFills", "userTwapHistory"}) {
      ws.send(R"({"method":"subscribe","subscription":{"type":")" + std::string(t) +
              R"(","user":")" + user + "\"}}");
      EXPECT_TRUE(ws.read_until("subscriptionResponse"));
    }
  }
  // Reads until the history reports `status` for `id` (or the time runs out).
  bool until_status(std::uint64_t id, hlg::TwapStatus status,
                    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      auto f = ws.read(std::chrono::milliseconds(500));
      if (!f) continue;
      auto r = exec.parse_ws_unpadded(*f, 0);
      if (!r) continue;
      if (*r == hlg::ExecFrameKind::kUserFills || *r == hlg::ExecFrameKind::kTwapSliceFills) {
        auto& into = *r == hlg::ExecFrameKind::kUserFills ? user_fills : slice_fills;
        for (std::size_t i = 0; i < exec.fills().size(); ++i) {
          into.push_back({exec.fills()[i], exec.fill_twap_ids()[i]});
        }
      }
      if (*r == hlg::ExecFrameKind::kTwapHistory) {
        for (const auto& e : exec.twap_history()) {
          history.push_back(e);
          if (e.twap_id == id && e.status == status) return true;
        }
      }
    }
    return false;
  }
  common::Qty slices_of(std::uint64_t id) const {
    common::Qty q;
    for (const auto& [f, t] : slice_fills) q += t == id ? f.qty : common::Qty{};
    return q;
  }

  SimWsClient ws;
  hlg::ExecParser& exec;
  std::vector<std::pair<common::Fill, std::uint64_t>> user_fills, slice_fills;
  std::vector<hlg::TwapHistoryEntry> history;
};

std::string szi_of(const std::string& clearinghouse) {
  const auto at = clearinghouse.find(R"("coin":"BTC","szi":")");
  if (at == std::string::npos) return "0";
  const auto from = at + 20;
  return clearinghouse.substr(from, clearinghouse.find('"', from) - from);
}

TEST_F(HyperliquidProtocol, TwapOrderIsValidatedLikeTheVenue) {
  auto status_error = [&](const std::string& action) {
    const auto& r = parse(post_exchange(action, nonce()));
    EXPECT_EQ(r.statuses.size(), 1u);
    return r.statuses.empty() ? std::string() : std::string(r.statuses[0].text);
  };
  EXPECT_EQ(status_error(twap_order("0.005", true, false, 1)), "Invalid TWAP duration: 1 min(s)");
  EXPECT_EQ(last_.kind, hlg::ResponseKind::kTwapOrder);
  EXPECT_EQ(status_error(twap_order("0.005", true, false, 1441)),
            "Invalid TWAP duration: 1441 min(s)");
  EXPECT_EQ(status_error(twap_order("0.000001", true, false, 5)), "Order has invalid size.");
  EXPECT_EQ(status_error(twap_order("0.00001", true, false, 5)),
            "Order must have minimum value of $10.");
  EXPECT_EQ(status_error(twap_order("0.005", false, true, 5)),
            "Reduce only order would increase position.");
  EXPECT_EQ(status_error(twap_cancel(424242)),
            "TWAP was never placed, already canceled, or filled.");
  EXPECT_EQ(last_.kind, hlg::ResponseKind::kTwapCancel);
  // Signature and nonce rules as for every action: a replayed nonce is refused.
  const std::uint64_t n = nonce();
  static_cast<void>(post_exchange(twap_order("0.005", true, false, 1), n));
  const auto& dup = parse(post_exchange(twap_order("0.005", true, false, 5), n));
  EXPECT_EQ(dup.kind, hlg::ResponseKind::kError);
  EXPECT_EQ(dup.reject, common::RejectReason::kBadNonce);
  EXPECT_EQ(info(R"({"type":"twapHistory","user":")" + user_ + "\"}"), "[]");
}

TEST_F(HyperliquidProtocol, TwapSlicesFillOverTimeWithTheTwapIdAndFinish) {
  TwapWatch watch(h_.hl_port(), user_, exec_);
  static_cast<void>(bbo());
  const auto& r = parse(post_exchange(twap_order("0.005", true, false, 5), nonce()));
  ASSERT_EQ(r.kind, hlg::ResponseKind::kTwapOrder);
  ASSERT_EQ(r.statuses.size(), 1u);
  ASSERT_EQ(r.statuses[0].kind, hlg::ActionStatusKind::kTwapRunning);
  const std::uint64_t id = r.statuses[0].twap_id;
  ASSERT_NE(id, 0u);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(watch.until_status(id, hlg::TwapStatus::kFinished));
  // 10 slices, 50 ms apart: not all at once.
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(400));
  const auto& end = watch.history.back();
  EXPECT_EQ(end.executed, *common::Qty::parse("0.005"));
  EXPECT_EQ(watch.slices_of(id), end.executed);
  EXPECT_GE(watch.slice_fills.size(), 10u);  // at least one fill per slice
  common::Qty on_user_fills;
  for (const auto& [f, t] : watch.user_fills) {
    if (t == id) on_user_fills += f.qty;
  }
  EXPECT_EQ(on_user_fills, end.executed);  // the same fills on userFills, tagged
  bool activated = false;
  for (const auto& e : watch.history)
    activated |= e.twap_id == id && e.status == hlg::TwapStatus::kActivated;
  EXPECT_TRUE(activated);

  const auto hist = info(R"({"type":"twapHistory","user":")" + user_ + "\"}");
  EXPECT_NE(hist.find(R"("status":"activated")"), std::string::npos) << hist;
  EXPECT_NE(hist.find(R"("status":"finished")"), std::string::npos) << hist;
  const auto fills = info(R"({"type":"userFills","user":")" + user_ + "\"}");
  EXPECT_NE(fills.find("\"twapId\":" + std::to_string(id)), std::string::npos);
  const auto slices = info(R"({"type":"userTwapSliceFills","user":")" + user_ + "\"}");
  EXPECT_NE(slices.find("\"twapId\":" + std::to_string(id)), std::string::npos);
  // Booked like any fill: the position and the fees.
  const auto ch = info(R"({"type":"clearinghouseState","user":")" + user_ + "\"}");
  EXPECT_EQ(szi_of(ch), "0.005") << ch;
  for (const auto& [f, t] : watch.slice_fills) EXPECT_TRUE(f.fee.is_positive());
  // A finished TWAP cannot be cancelled.
  const auto& c = parse(post_exchange(twap_cancel(id), nonce()));
  ASSERT_EQ(c.statuses.size(), 1u);
  EXPECT_EQ(c.statuses[0].kind, hlg::ActionStatusKind::kError);
}

TEST_F(HyperliquidProtocol, TwapCancelStopsTheSlices) {
  TwapWatch watch(h_.hl_port(), user_, exec_);
  static_cast<void>(bbo());
  // 1440 minutes = 2880 slices: one lot every 50 ms, far from done when cancelled.
  const auto& r = parse(post_exchange(twap_order("0.05", true, false, 1440), nonce()));
  ASSERT_EQ(r.statuses.size(), 1u);
  ASSERT_EQ(r.statuses[0].kind, hlg::ActionStatusKind::kTwapRunning);
  const std::uint64_t id = r.statuses[0].twap_id;
  std::this_thread::sleep_for(300ms);
  const auto& c = parse(post_exchange(twap_cancel(id), nonce()));
  ASSERT_EQ(c.kind, hlg::ResponseKind::kTwapCancel);
  ASSERT_EQ(c.statuses.size(), 1u);
  EXPECT_EQ(c.statuses[0].kind, hlg::ActionStatusKind::kSuccess);
  ASSERT_TRUE(watch.until_status(id, hlg::TwapStatus::kTerminated));
  const common::Qty executed = watch.history.back().executed;
  EXPECT_TRUE(executed.is_positive());
  EXPECT_LT(executed, *common::Qty::parse("0.05"));
  const auto ch1 = info(R"({"type":"clearinghouseState","user":")" + user_ + "\"}");
  std::this_thread::sleep_for(200ms);  // four more slice times: nothing may trade
  const auto ch2 = info(R"({"type":"clearinghouseState","user":")" + user_ + "\"}");
  EXPECT_EQ(szi_of(ch1), executed.to_string());
  EXPECT_EQ(szi_of(ch2), szi_of(ch1));
  const auto& again = parse(post_exchange(twap_cancel(id), nonce()));
  ASSERT_EQ(again.statuses.size(), 1u);
  EXPECT_EQ(again.statuses[0].text, "TWAP was never placed, already canceled, or filled.");
}

TEST_F(HyperliquidProtocol, ReduceOnlyTwapNeverFlipsThePosition) {
  TwapWatch watch(h_.hl_port(), user_, exec_);
  const auto [bid, ask] = bbo();
  const auto& o = parse(post_exchange(order(ask + ask / 50, "0.002", true, "Ioc"), nonce()));
  ASSERT_EQ(o.statuses.size(), 1u);
  ASSERT_EQ(o.statuses[0].kind, hlg::ActionStatusKind::kFilled);
  // Sell more than the position, reduce-only: the slices stop at flat.
  const auto& r = parse(post_exchange(twap_order("0.005", false, true, 5), nonce()));
  ASSERT_EQ(r.statuses.size(), 1u);
  ASSERT_EQ(r.statuses[0].kind, hlg::ActionStatusKind::kTwapRunning);
  const std::uint64_t id = r.statuses[0].twap_id;
  ASSERT_TRUE(watch.until_status(id, hlg::TwapStatus::kFinished));
  EXPECT_EQ(watch.history.back().executed, *common::Qty::parse("0.002"));
  EXPECT_EQ(watch.slices_of(id), *common::Qty::parse("0.002"));
  const auto ch = info(R"({"type":"clearinghouseState","user":")" + user_ + "\"}");
  EXPECT_EQ(szi_of(ch), "0") << ch;
}

}  // namespace
}  // namespace peregrine::venue_sim
