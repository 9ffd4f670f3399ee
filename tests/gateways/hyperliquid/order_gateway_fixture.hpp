// Shared by the Hyperliquid order gateway tests (order_gateway_test.cpp,
// order_gateway_twap_test.cpp): a gateway over fake transports, the posted body reader, and the
// digests the signatures must recover from.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "gateways/crypto/keccak.hpp"
#include "gateways/hyperliquid/json_action.hpp"
#include "gateways/hyperliquid/order_gateway.hpp"
#include "support/fake_transports.hpp"

namespace peregrine::gateways::hyperliquid::gw_test {

using common::ClientOrderId;
using common::ExecEvent;
using common::ExecKind;
using common::OrderIntent;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;
using test::FakeClock;
using test::FakeHttp;
using test::FakeWs;

constexpr common::Nanos kMs = 1'000'000;
constexpr std::string_view kAccount = "0x00000000000000000000000000000000000000aa";

inline common::Instrument make_instrument(std::string_view symbol, std::int32_t asset, int szd) {
  common::Instrument i;
  i.venue = common::VenueId::kHyperliquid;
  EXPECT_TRUE(i.symbol.assign(symbol));
  EXPECT_TRUE(i.asset.assign(symbol));
  i.tick = *Price::parse("0.1");
  i.lot = *Qty::parse("0.00001");
  i.asset_index = asset;
  i.size_decimals = static_cast<std::int8_t>(szd);
  return i;
}

constexpr ClientOrderId kCloid{0x1234567890abcdefull, 0x1234567890abcdefull};
constexpr ClientOrderId kCloid2{0x1111, 0x2222};

struct Fixture {
  explicit Fixture(bool presigned = true, bool with_ws = false, std::size_t out_cap = 255)
      : intents(64), out(out_cap) {
    btc = *registry.add(make_instrument("BTC", 0, 5));
    eth = *registry.add(make_instrument("ETH", 1, 4));
    key = *crypto::EcdsaKey::from_hex(
        "0x0123456789012345678901234567890123456789012345678901234567890123");
    pool = std::make_unique<crypto::PresignPool>(key, 16);
    if (presigned) {
      while (pool->refill(16) > 0) {
      }
    }
    nonces = std::make_unique<NonceManager>(clock, "");
    OrderGatewayConfig cfg;
    cfg.account = std::string(kAccount);
    gw = std::make_unique<HlOrderGateway>(registry, http, with_ws ? &ws : nullptr, intents, out,
                                          *pool, *nonces, clock, cfg);
  }

  OrderIntent new_order(ClientOrderId cloid, std::string_view px, std::string_view sz,
                        common::TimeInForce tif = common::TimeInForce::kGtc) const {
    OrderIntent i;
    i.action = common::IntentAction::kNew;
    i.cloid = cloid;
    i.instrument = btc;
    i.strategy = common::StrategyId{7};
    i.side = common::Side::kBuy;
    i.price = *Price::parse(px);
    i.qty = *Qty::parse(sz);
    i.tif = tif;
    return i;
  }
  void submit(const OrderIntent& i) {
    EXPECT_TRUE(intents.try_push(i));
    gw->do_work();
  }
  std::vector<ExecEvent> drain() { return test::drain(out); }
  // Places kCloid and acks it as resting with oid 77738308.
  void place_resting() {
    submit(new_order(kCloid, "42000", "0.001"));
    http.answer(
        http.posts.back().id,
        R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":77738308}}]}}})");
    gw->do_work();
    drain();
  }

  common::InstrumentRegistry registry;
  common::InstrumentId btc, eth;
  FakeClock clock{1'700'000'000'000 * kMs};  // epoch ns: the nonce manager reads ms
  FakeHttp http;
  FakeWs ws{/*always_open=*/true};
  common::SpscQueue<OrderIntent> intents;
  common::SpscQueue<ExecEvent> out;
  std::shared_ptr<const crypto::EcdsaKey> key;
  std::unique_ptr<crypto::PresignPool> pool;
  std::unique_ptr<NonceManager> nonces;
  std::unique_ptr<HlOrderGateway> gw;
};

// The pieces of a posted /exchange body, read back with simdjson.
struct Body {
  std::string action;  // minified action JSON
  std::uint64_t nonce = 0;
  crypto::RecoverableSignature sig;
  bool ok = false;
};
inline Body read_body(const std::string& text) {
  Body b;
  simdjson::dom::parser p;
  simdjson::dom::element root;
  if (p.parse(text).get(root)) return b;
  simdjson::dom::element action;
  std::string_view r, s;
  std::uint64_t v = 0;
  if (root["action"].get(action) || root["nonce"].get(b.nonce) || root["signature"]["r"].get(r) ||
      root["signature"]["s"].get(s) || root["signature"]["v"].get(v)) {
    return b;
  }
  b.action = simdjson::minify(action);
  if (!crypto::parse_hex(r, b.sig.r.data(), 32) || !crypto::parse_hex(s, b.sig.s.data(), 32)) {
    return b;
  }
  b.sig.recid = static_cast<std::uint8_t>(v - 27);
  b.ok = true;
  return b;
}

// What `pgtool hl sign` computes from an action JSON and a nonce (mainnet, no vault).
inline crypto::Hash32 digest_of(const std::string& action_json, std::uint64_t nonce) {
  static char buf[1 << 14];
  ByteSink sink(buf, sizeof(buf));
  const auto r = json_to_msgpack(action_json, sink);
  EXPECT_TRUE(r.ok) << r.error;
  L1Options opts;
  opts.nonce = nonce;
  return l1_digest(action_hash(sink.view(), opts), true);
}

inline std::string hex0x(const std::array<std::uint8_t, 32>& a) {
  return crypto::to_hex0x(a.data(), 32);
}

constexpr std::string_view kBtcOrderAction =
    R"({"type":"order","orders":[{"a":0,"b":true,"p":"42000","s":"0.001","r":false,)"
    R"("t":{"limit":{"tif":"Gtc"}},"c":"0x1234567890abcdef1234567890abcdef"}],"grouping":"na"})";

}  // namespace peregrine::gateways::hyperliquid::gw_test
