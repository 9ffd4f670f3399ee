// Issue #6: the order gateways stamp the answer to their own request with ts_intent (the
// intent's ts_recv) and ts_sent (HTTP write completion), next to ts_recv (the response), so the
// core can record intent_to_wire and wire_to_ack. For each venue one resting order goes through
// the real order gateway and net transports to the in-process simulator; its ack must carry
// 0 < ts_intent <= ts_sent <= ts_recv on one clock.
//
// The CEX gateways run without their user streams here, so the REST answer is the first word.
// With a stream the venue's "NEW" event usually wins; the gateway then stamps it with the
// create's write completion (HttpListener::on_http_sent). Each venue's gwsim test proves that
// path ("FirstAnswerCarriesTheCreateTimings..."). Hyperliquid keeps its user stream on here.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "gateways/binance/order_gateway.hpp"
#include "gateways/binance/signer.hpp"
#include "gateways/bybit/order_gateway.hpp"
#include "gateways/bybit/signer.hpp"
#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/order_codec.hpp"
#include "gateways/coinbase/order_gateway.hpp"
#include "gateways/coinbase/test_keys.hpp"
#include "gateways/crypto/presign_pool.hpp"
#include "gateways/crypto/secp256k1_signer.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/hyperliquid/nonce.hpp"
#include "gateways/hyperliquid/order_gateway.hpp"
#include "gateways/json/cex_gateway_common.hpp"
#include "tools/gateway_sim/gateway_sim_support.hpp"

namespace peregrine::gwsim {
namespace {

namespace net = gateways::net;
using common::ClientOrderId;
using common::OrderStatus;
using common::Price;
using common::Qty;

constexpr common::Nanos kMs = 1'000'000;

net::HttpOptions http_options() {
  net::HttpOptions ho;
  ho.request_timeout_ns = 2'000 * kMs;
  ho.connect_timeout_ns = 1'000 * kMs;
  ho.pool_size = 4;
  return ho;
}

// One resting buy well below the bid; returns the order's updates as the core saw them.
std::vector<common::OrderUpdate> place_one(const std::function<int()>& gateway_step,
                                           common::SpscQueue<common::OrderIntent>& intents,
                                           common::SpscQueue<common::ExecEvent>& exec,
                                           const common::Clock& clock, common::OrderIntent in,
                                           common::Nanos& intent_ts) {
  std::vector<common::OrderUpdate> seen;
  auto step = [&] {
    int w = gateway_step();
    common::ExecEvent e;
    while (exec.try_pop(e)) {
      ++w;
      if (e.kind == common::ExecKind::kOrderUpdate && e.update.cloid == in.cloid) {
        seen.push_back(e.update);
      }
    }
    return w;
  };
  pump_for(step, 200);          // connections up, start-up requests answered
  in.ts_recv = clock.now_ns();  // as the core stamps an intent it hands to a gateway
  intent_ts = in.ts_recv;
  EXPECT_TRUE(intents.try_push(in));
  const bool done = pump_until(step, [&] { return !seen.empty(); });
  EXPECT_TRUE(done) << "no update for the order";
  return seen;
}

void expect_stamped_ack(const std::vector<common::OrderUpdate>& seen, common::Nanos intent_ts) {
  ASSERT_FALSE(seen.empty());
  const common::OrderUpdate& u = seen.front();
  EXPECT_EQ(u.status, OrderStatus::kNew) << "reject reason " << static_cast<int>(u.reject);
  EXPECT_EQ(u.ts_intent, intent_ts);
  EXPECT_GT(u.ts_intent, 0);
  EXPECT_LE(u.ts_intent, u.ts_sent);
  EXPECT_LE(u.ts_sent, u.ts_recv);
  EXPECT_LT(u.ts_recv - u.ts_intent, 5'000 * kMs);  // one loopback round trip, not garbage
}

common::OrderIntent buy(common::VenueId venue, common::InstrumentId inst, ClientOrderId id,
                        Price px, std::string_view qty) {
  common::OrderIntent i;
  i.action = common::IntentAction::kNew;
  i.venue = venue;
  i.cloid = id;
  i.instrument = inst;
  i.strategy = common::StrategyId{1};
  i.side = common::Side::kBuy;
  i.type = common::OrderType::kLimit;
  i.tif = common::TimeInForce::kGtc;
  i.price = px;
  i.qty = *Qty::parse(qty);
  return i;
}

Price below_bid(Admin& admin, std::string_view symbol, std::int64_t offset) {
  const TruthBook t = admin.book(symbol);
  EXPECT_FALSE(t.bids.empty());
  return t.bids.empty() ? Price{} : t.bids.front().price - usd(offset);
}

TEST(TimingGatewaySim, HyperliquidAckCarriesIntentSentAndReceiveTimes) {
  namespace hl = gateways::hyperliquid;
  venue_sim::SimHarness sim(quiet_config(common::VenueId::kHyperliquid));
  Admin admin(sim.admin_port(), "hyperliquid");
  const common::InstrumentRegistry reg =
      registry_of(sim.server().config(), common::VenueId::kHyperliquid);
  const common::InstrumentId btc = reg.find(common::VenueId::kHyperliquid, "BTC");
  common::WallClock clock;  // nonces are epoch ms
  common::Rng rng(31);
  net::NetLoop loop;
  common::SpscQueue<common::OrderIntent> intents(64);
  common::SpscQueue<common::ExecEvent> exec(4096);
  auto key = *gateways::crypto::EcdsaKey::from_hex(
      "0x0123456789012345678901234567890123456789012345678901234567890123");
  gateways::crypto::PresignPool pool(key, 64);
  while (pool.refill(64) > 0) {
  }
  hl::NonceManager nonces(clock, "");
  hl::NetWsTransport ws(loop, clock, rng, net::WsOptions{});
  hl::NetHttpTransport http(loop, clock, http_options());
  hl::OrderGatewayConfig cfg;
  cfg.account = key->address_hex();
  hl::HlOrderGateway order(reg, http, &ws, intents, exec, pool, nonces, clock, cfg);
  std::string err;
  ASSERT_TRUE(http.start("http://127.0.0.1:" + std::to_string(sim.hl_port()), &err)) << err;
  ASSERT_EQ(ws.connect("ws://127.0.0.1:" + std::to_string(sim.hl_port()) + "/ws"),
            net::WsConnectResult::kStarted);
  ASSERT_TRUE(pump_until([&] { return order.do_work(); },
                         [&] { return order.hl_counters().reconciles.get() >= 1; }));
  const auto in = buy(common::VenueId::kHyperliquid, btc, ClientOrderId{0x71a1, 1},
                      below_bid(admin, "BTC", 300), "0.001");
  common::Nanos intent_ts = 0;
  const auto seen = place_one([&] { return order.do_work(); }, intents, exec, clock, in, intent_ts);
  expect_stamped_ack(seen, intent_ts);
}

TEST(TimingGatewaySim, BinanceAckCarriesIntentSentAndReceiveTimes) {
  namespace bn = gateways::binance;
  venue_sim::SimHarness sim(quiet_config(common::VenueId::kBinance));
  Admin admin(sim.admin_port(), "binance");
  const common::InstrumentRegistry reg =
      registry_of(sim.server().config(), common::VenueId::kBinance);
  const common::InstrumentId btc = reg.find(common::VenueId::kBinance, "BTCUSDT");
  common::WallClock clock;  // signed requests carry epoch-ms timestamps
  net::NetLoop loop;
  common::SpscQueue<common::OrderIntent> intents(64);
  common::SpscQueue<common::ExecEvent> exec(4096);
  bn::Signer signer(
      std::make_unique<bn::HmacSigner>("sim-binance-api-key", "sim-binance-api-secret"));
  gateways::cex::NetRestTransport rest(loop, clock, http_options());
  bn::BinanceOrderGateway order(reg, rest, nullptr, intents, exec, signer, clock, {});
  std::string err;
  ASSERT_TRUE(rest.start(
      "http://127.0.0.1:" + std::to_string(sim.server().venue_port(common::VenueId::kBinance)),
      &err))
      << err;
  const auto in = buy(common::VenueId::kBinance, btc, ClientOrderId{0xb1a4, 1},
                      below_bid(admin, "BTCUSDT", 300), "0.002");
  common::Nanos intent_ts = 0;
  const auto seen = place_one([&] { return order.do_work(); }, intents, exec, clock, in, intent_ts);
  expect_stamped_ack(seen, intent_ts);
}

TEST(TimingGatewaySim, BybitAckCarriesIntentSentAndReceiveTimes) {
  namespace bb = gateways::bybit;
  venue_sim::SimHarness sim(quiet_config(common::VenueId::kBybit));
  Admin admin(sim.admin_port(), "bybit");
  const common::InstrumentRegistry reg =
      registry_of(sim.server().config(), common::VenueId::kBybit);
  const common::InstrumentId btc = reg.find(common::VenueId::kBybit, "BTCUSDT");
  common::WallClock clock;  // signatures carry epoch ms
  net::NetLoop loop;
  common::SpscQueue<common::OrderIntent> intents(64);
  common::SpscQueue<common::ExecEvent> exec(4096);
  bb::Signer signer("SimBybitApiKey01", "SimBybitApiSecret01");
  gateways::cex::NetRestTransport rest(loop, clock, http_options());
  bb::BybitOrderGateway order(reg, rest, nullptr, intents, exec, signer, clock, {});
  std::string err;
  ASSERT_TRUE(rest.start(
      "http://127.0.0.1:" + std::to_string(sim.server().venue_port(common::VenueId::kBybit)), &err))
      << err;
  const auto in = buy(common::VenueId::kBybit, btc, ClientOrderId{0xb7b1, 1},
                      below_bid(admin, "BTCUSDT", 300), "0.002");
  common::Nanos intent_ts = 0;
  const auto seen = place_one([&] { return order.do_work(); }, intents, exec, clock, in, intent_ts);
  expect_stamped_ack(seen, intent_ts);
}

TEST(TimingGatewaySim, CoinbaseAckCarriesIntentSentAndReceiveTimes) {
  namespace cb = gateways::coinbase;
  constexpr const char* kKeyName = "organizations/gwsim/apiKeys/timing";
  auto key = cb::EcKey::from_pem(
      cb::testing::to_pem(cb::testing::generate_ec().get(), cb::testing::PemKind::kSec1));
  ASSERT_TRUE(key.ok());
  venue_sim::SimConfig cfg = quiet_config(common::VenueId::kCoinbase);
  auto& acct = cfg.venues[common::index(common::VenueId::kCoinbase)].venue.accounts.at(0);
  acct.cb_key_name = kKeyName;
  acct.cb_public_key_pem = (*key)->public_pem();
  venue_sim::SimHarness sim(cfg);
  Admin admin(sim.admin_port(), "coinbase");
  const common::InstrumentRegistry reg = registry_of(cfg, common::VenueId::kCoinbase);
  const common::InstrumentId btc = reg.find(common::VenueId::kCoinbase, "BTC-PERP-INTX");
  common::WallClock clock;  // JWT validity is epoch time
  net::NetLoop loop;
  common::SpscQueue<common::OrderIntent> intents(64);
  common::SpscQueue<common::ExecEvent> exec(4096);
  cb::JwtMinter minter(*key, kKeyName);
  cb::JwtCache create_jwt(minter, cb::kCreateOrder.method, cb::kCreateOrder.path);
  cb::JwtCache cancel_jwt(minter, cb::kBatchCancel.method, cb::kBatchCancel.path);
  cb::JwtCache list_jwt(minter, cb::kListOrders.method, cb::kListOrders.path);
  for (cb::JwtCache* c : {&create_jwt, &cancel_jwt, &list_jwt}) {
    ASSERT_NE(c->refresh(clock.now_ns()), cb::JwtCache::Refresh::kFailed);
  }
  gateways::cex::NetRestTransport rest(loop, clock, http_options());
  cb::CoinbaseOrderGateway order(reg, rest, nullptr, intents, exec,
                                 cb::OrderGatewayJwts{&create_jwt, &cancel_jwt, &list_jwt}, clock,
                                 cb::OrderGatewayConfig{});
  std::string err;
  ASSERT_TRUE(rest.start(
      "http://127.0.0.1:" + std::to_string(sim.server().venue_port(common::VenueId::kCoinbase)),
      &err))
      << err;
  const auto in = buy(common::VenueId::kCoinbase, btc, ClientOrderId{0xc0b1, 1},
                      below_bid(admin, "BTC-PERP-INTX", 300), "0.001");
  common::Nanos intent_ts = 0;
  const auto seen = place_one([&] { return order.do_work(); }, intents, exec, clock, in, intent_ts);
  expect_stamped_ack(seen, intent_ts);
}

}  // namespace
}  // namespace peregrine::gwsim
