// Proof tests: a Hyperliquid native TWAP end to end, the real order gateway (gateways/net
// transports, signed twapOrder / twapCancel) against the in-process venue simulator running the
// TWAP's slices 50 ms apart; the fills the core would see are checked against /admin/truth.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "gateways/crypto/presign_pool.hpp"
#include "gateways/crypto/secp256k1_signer.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/hyperliquid/nonce.hpp"
#include "gateways/hyperliquid/order_gateway.hpp"
#include "strategies/intent_ext.hpp"
#include "tools/gateway_sim/gateway_sim_support.hpp"

namespace peregrine::gwsim {
namespace {

namespace hl = gateways::hyperliquid;
namespace net = gateways::net;
using common::ClientOrderId;
using common::OrderStatus;
using common::Price;
using common::Qty;

constexpr common::Nanos kMs = 1'000'000;
constexpr std::string_view kKeyHex =
    "0x0123456789012345678901234567890123456789012345678901234567890123";

// The gateway reads the strategies' intent bits without seeing strategies/: they must agree.
static_assert(hl::kIntentNativeTwap == strategies::intent_ext::kNativeTwap);
static_assert(hl::kIntentTwapRandomize == strategies::intent_ext::kTwapRandomize);

// What the core would see of each order: its updates, and the fills with their quantities.
struct TwapView {
  struct Entry {
    std::vector<OrderStatus> history;
    common::OrderUpdate last;
    Qty filled;  // sum of the Fill events
    std::size_t fills = 0;
    std::size_t terminal_updates = 0;
  };
  int drain(common::SpscQueue<common::ExecEvent>& q) {
    common::ExecEvent e;
    int n = 0;
    while (q.try_pop(e)) {
      ++n;
      if (e.kind == common::ExecKind::kOrderUpdate) {
        auto& en = orders[e.update.cloid.lo];
        en.history.push_back(e.update.status);
        en.last = e.update;
        if (hl::is_terminal(e.update.status)) ++en.terminal_updates;
      } else if (e.kind == common::ExecKind::kFill) {
        auto& en = orders[e.fill.cloid.lo];
        en.filled += e.fill.qty;
        ++en.fills;
      }
    }
    return n;
  }
  const Entry* find(std::uint64_t id) const {
    const auto it = orders.find(id);
    return it == orders.end() ? nullptr : &it->second;
  }
  bool ended(std::uint64_t id) const {
    const Entry* e = find(id);
    return e != nullptr && e->terminal_updates > 0;
  }
  std::string trail(std::uint64_t id) const {
    const Entry* e = find(id);
    if (e == nullptr) return "(nothing)";
    std::string s;
    for (auto st : e->history) s += std::string(common::to_string(st)) + " ";
    return s + "filled " + e->filled.to_string();
  }
  std::map<std::uint64_t, Entry> orders;
};

ClientOrderId cid(std::uint64_t n) { return ClientOrderId{0x7a7a0000cafe0000ull, n}; }

struct TwapStack {
  TwapStack() : sim(config()), admin(sim.admin_port(), "hyperliquid") {
    reg = registry_of(sim.server().config(), common::VenueId::kHyperliquid);
    btc = reg.find(common::VenueId::kHyperliquid, "BTC");
    key = *gateways::crypto::EcdsaKey::from_hex(kKeyHex);
    pool = std::make_unique<gateways::crypto::PresignPool>(key, 64);
    while (pool->refill(64) > 0) {
    }
    nonces = std::make_unique<hl::NonceManager>(clock, "");
    net::WsOptions wo;
    wo.backoff.base_ns = 20 * kMs;
    wo.backoff.cap_ns = 200 * kMs;
    user_ws = std::make_unique<hl::NetWsTransport>(loop, clock, rng, wo);
    net::HttpOptions ho;
    ho.request_timeout_ns = 2'000 * kMs;
    ho.connect_timeout_ns = 1'000 * kMs;
    ho.pool_size = 4;
    http = std::make_unique<hl::NetHttpTransport>(loop, clock, ho);
    hl::OrderGatewayConfig cfg;
    cfg.account = key->address_hex();
    gw = std::make_unique<hl::HlOrderGateway>(reg, *http, user_ws.get(), intents, exec, *pool,
                                              *nonces, clock, cfg);
    std::string err;
    EXPECT_TRUE(http->start("http://127.0.0.1:" + std::to_string(sim.hl_port()), &err)) << err;
    EXPECT_EQ(user_ws->connect("ws://127.0.0.1:" + std::to_string(sim.hl_port()) + "/ws"),
              net::WsConnectResult::kStarted);
  }
  static venue_sim::SimConfig config() {
    venue_sim::SimConfig cfg = quiet_config(common::VenueId::kHyperliquid);
    cfg.hl_twap_slice_ms = 50;
    return cfg;
  }

  int step() { return gw->do_work() + view.drain(exec); }
  bool until(const std::function<bool()>& done, int iters = 60'000) {
    return pump_until([this] { return step(); }, done, iters);
  }
  bool ready() {
    return until([&] { return gw->hl_counters().reconciles.get() >= 1 && !gw->reconciling(); });
  }
  common::OrderIntent twap(ClientOrderId id, common::Side side, std::string_view qty,
                           std::int64_t minutes, std::uint8_t flags = 0) const {
    common::OrderIntent i;
    i.action = common::IntentAction::kNew;
    i.venue = common::VenueId::kHyperliquid;
    i.cloid = id;
    i.instrument = btc;
    i.strategy = common::StrategyId{3};
    i.side = side;
    i.type = common::OrderType::kMarket;
    i.qty = *Qty::parse(qty);
    i.trigger_price = Price::from_raw(minutes);
    i.flags = static_cast<std::uint8_t>(strategies::intent_ext::kNativeTwap | flags);
    i.ts_recv = clock.now_ns();
    return i;
  }
  void submit(const common::OrderIntent& i) { ASSERT_TRUE(intents.try_push(i)); }
  void cancel(ClientOrderId id) {
    common::OrderIntent i;
    i.action = common::IntentAction::kCancel;
    i.venue = common::VenueId::kHyperliquid;
    i.instrument = btc;
    i.cloid = ClientOrderId{id.hi, id.lo + 1000};
    i.target = id;
    submit(i);
  }
  // BTC position of the default account in /admin/truth ("0" when flat).
  std::string truth_position() {
    const std::string body = admin.truth_body();
    simdjson::dom::parser p;
    simdjson::dom::array positions;
    if (p.parse(body)["venues"]["hyperliquid"]["accounts"].at(0)["positions"].get(positions) !=
        simdjson::SUCCESS) {
      return "?";
    }
    for (auto pos : positions) {
      std::string_view sym, qty;
      if (pos["symbol"].get(sym) == simdjson::SUCCESS && sym == "BTC" &&
          pos["qty"].get(qty) == simdjson::SUCCESS) {
        return std::string(qty);
      }
    }
    return "0";
  }

  venue_sim::SimHarness sim;
  Admin admin;
  common::InstrumentRegistry reg;
  common::InstrumentId btc;
  common::WallClock clock;
  common::Rng rng{21};
  net::NetLoop loop;
  common::SpscQueue<common::OrderIntent> intents{256};
  common::SpscQueue<common::ExecEvent> exec{16384};
  std::shared_ptr<const gateways::crypto::EcdsaKey> key;
  std::unique_ptr<gateways::crypto::PresignPool> pool;
  std::unique_ptr<hl::NonceManager> nonces;
  std::unique_ptr<hl::NetWsTransport> user_ws;
  std::unique_ptr<hl::NetHttpTransport> http;
  std::unique_ptr<hl::HlOrderGateway> gw;
  TwapView view;
};

TEST(HlTwapGatewaySim, NativeTwapFillsCompletelyAndTheTruthAgrees) {
  TwapStack s;
  ASSERT_TRUE(s.ready());
  // 5 minutes = 10 slices, 50 ms apart in this simulator.
  s.submit(s.twap(cid(1), common::Side::kBuy, "0.005", 5));
  ASSERT_TRUE(s.until([&] { return s.view.ended(cid(1).lo); })) << s.view.trail(cid(1).lo);
  pump_for([&] { return s.step(); }, 300);  // nothing more may come
  const auto* e = s.view.find(cid(1).lo);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->last.status, OrderStatus::kFilled) << s.view.trail(cid(1).lo);
  EXPECT_EQ(e->filled, *Qty::parse("0.005"));
  EXPECT_EQ(e->last.filled_qty, *Qty::parse("0.005"));
  EXPECT_GE(e->fills, 10u);  // one or more per slice
  EXPECT_EQ(e->terminal_updates, 1u);
  EXPECT_EQ(e->history.front(), OrderStatus::kNew);
  EXPECT_TRUE(e->last.avg_price.is_positive());
  EXPECT_EQ(s.truth_position(), "0.005");
  EXPECT_GT(s.gw->counters().duplicates.get(), 0u);  // each slice came on two feeds
  EXPECT_EQ(s.gw->hl_counters().unknown_orders.get(), 0u);
  EXPECT_EQ(s.gw->hl_counters().twap_unknown.get(), 0u);
  EXPECT_EQ(s.gw->counters().parse_errors.get(), 0u);
}

TEST(HlTwapGatewaySim, CancelledTwapStopsWithThePartialFillReportedOnce) {
  TwapStack s;
  ASSERT_TRUE(s.ready());
  // 1440 minutes: 2880 slices of one lot; cancelled after a few.
  s.submit(s.twap(cid(2), common::Side::kBuy, "0.05", 1440));
  ASSERT_TRUE(s.until([&] {
    const auto* e = s.view.find(cid(2).lo);
    return e != nullptr && e->fills >= 3;
  })) << s.view.trail(cid(2).lo);
  s.cancel(cid(2));
  ASSERT_TRUE(s.until([&] { return s.view.ended(cid(2).lo); })) << s.view.trail(cid(2).lo);
  // A few more slice times: nothing else may arrive.
  pump_for([&] { return s.step(); }, 1500);
  const auto* e = s.view.find(cid(2).lo);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->last.status, OrderStatus::kCancelled) << s.view.trail(cid(2).lo);
  EXPECT_EQ(e->terminal_updates, 1u);
  EXPECT_TRUE(e->filled.is_positive());
  EXPECT_LT(e->filled, *Qty::parse("0.05"));
  EXPECT_EQ(e->last.filled_qty, e->filled);  // the terminal update states what was filled
  EXPECT_EQ(e->last.qty, *Qty::parse("0.05"));
  EXPECT_EQ(s.truth_position(), e->filled.to_string());
  EXPECT_EQ(s.gw->counters().out_of_order.get(), 0u);  // no slice after the end
}

TEST(HlTwapGatewaySim, DurationOutOfRangeIsRefusedBeforeTheVenue) {
  TwapStack s;
  ASSERT_TRUE(s.ready());
  const auto sends = s.gw->counters().sends.get();
  s.submit(s.twap(cid(3), common::Side::kBuy, "0.005", 4));
  s.submit(s.twap(cid(4), common::Side::kBuy, "0.005", 1441));
  ASSERT_TRUE(s.until([&] { return s.view.ended(cid(3).lo) && s.view.ended(cid(4).lo); }));
  for (auto id : {cid(3), cid(4)}) {
    const auto* e = s.view.find(id.lo);
    EXPECT_EQ(e->last.status, OrderStatus::kRejected);
    EXPECT_EQ(e->last.reject, common::RejectReason::kOther);
  }
  EXPECT_EQ(s.gw->counters().sends.get(), sends);
  EXPECT_EQ(s.gw->hl_counters().twap_refused.get(), 2u);
  EXPECT_EQ(s.truth_position(), "0");
}

}  // namespace
}  // namespace peregrine::gwsim
