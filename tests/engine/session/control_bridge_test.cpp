// ControlBridge and ControlFlowTap on a real Core with a fake order flow: control commands
// become intents through the same gate and queues as a strategy's, kill cancels everything and
// halts, snapshots carry what the API serves, bad commands get error replies.
#include "engine/session/control_bridge.hpp"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "engine/control/control_json.hpp"
#include "engine/router/venue_router.hpp"

namespace peregrine::engine {
namespace {

using common::BookSide;
using common::ExecEvent;
using common::InstrumentId;
using common::MdEvent;
using common::OrderIntent;
using common::Price;
using common::Qty;
using common::Side;
using common::VenueId;
using control::CommandKind;
using control::ControlCommand;
using control::ControlReply;
using control::ReplyStatus;
namespace flags = common::book_flags;

constexpr Nanos kMs = 1'000'000;

// Admits unless told to deny; positions follow the fills it is given.
class FakeFlow final : public SessionOrderFlow {
 public:
  std::optional<common::DenyReason> admit(OrderIntent& i, Nanos) noexcept override {
    admitted.push_back(i);
    return deny_with;
  }
  void unsend(const OrderIntent&, Nanos) noexcept override { ++unsent; }
  OrderAnswer on_update(const common::OrderUpdate&, Nanos) noexcept override {
    ++updates;
    return {};
  }
  bool on_fill(const common::Fill& f, Nanos) noexcept override {
    const std::int64_t q = f.side == Side::kBuy ? f.qty.raw() : -f.qty.raw();
    pos[f.instrument.value] = Qty::from_raw(pos[f.instrument.value].raw() + q);
    return true;
  }
  void on_venue_status(const common::VenueStatus&, Nanos) noexcept override {}
  void on_book(InstrumentId, const common::L2Book&, Nanos) noexcept override {}
  Qty position(InstrumentId id) const noexcept override { return pos[id.value]; }
  bool venue_healthy(VenueId) const noexcept override { return true; }
  void fill_stats(SessionStats& s, Nanos) const noexcept override {
    s.risk = RiskMode::kNormal;
    s.venue_state.fill(common::VenueState::kConnected);
  }

  std::optional<common::DenyReason> deny_with;
  std::vector<OrderIntent> admitted;
  int unsent = 0, updates = 0;
  std::array<Qty, 8> pos{};
};

common::Instrument make(VenueId v, std::string_view sym, std::string_view asset) {
  common::Instrument i;
  i.venue = v;
  EXPECT_TRUE(i.symbol.assign(sym));
  EXPECT_TRUE(i.asset.assign(asset));
  i.tick = Price::parse("0.1").value();
  i.lot = Qty::parse("0.001").value();
  return i;
}

MdEvent level(InstrumentId id, BookSide side, const char* px, const char* qty, std::uint8_t f) {
  common::BookDelta d;
  d.instrument = id;
  d.side = side;
  d.price = Price::parse(px).value();
  d.qty = Qty::parse(qty).value();
  d.flags = f;
  d.ts_recv = 1;
  return MdEvent(d);
}

Qty q(const char* s) { return Qty::parse(s).value(); }
Price p(const char* s) { return Price::parse(s).value(); }

class ControlBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    btc_hl = reg.add(make(VenueId::kHyperliquid, "BTC", "BTC")).value();
    btc_bn = reg.add(make(VenueId::kBinance, "BTCUSDT", "BTC")).value();
    eth_hl = reg.add(make(VenueId::kHyperliquid, "ETH", "ETH")).value();
    tap = std::make_unique<ControlFlowTap>(flow, reg);
    core = std::make_unique<Core>(reg, clock, *tap);
    core->connect_md(VenueId::kHyperliquid, &md_hl);
    core->connect_md(VenueId::kBinance, &md_bn);
    core->connect_exec(VenueId::kHyperliquid, &exec_hl);
    core->connect_exec(VenueId::kBinance, &exec_bn);
    core->connect_orders(VenueId::kHyperliquid, &orders_hl);
    core->connect_orders(VenueId::kBinance, &orders_bn);
  }

  void start(ControlBridgeOptions o = {}) {
    o.mode = "paper";
    o.max_open_orders = 200;
    bridge = std::make_unique<ControlBridge>(*core, *tap, channel, o);
    bridge->set_venue_enabled(VenueId::kHyperliquid, true);
    bridge->set_venue_enabled(VenueId::kBinance, true);
    for (SignalRelay* r : relays) bridge->add_signal_relay(r);
    core->start();
  }

  // A two-sided book 100 / 101 on one instrument.
  void book(InstrumentId id, common::SpscQueue<MdEvent>& md) {
    ASSERT_TRUE(md.try_push(level(id, BookSide::kBid, "100", "5", flags::kSnapshotBegin)));
    ASSERT_TRUE(md.try_push(
        level(id, BookSide::kAsk, "101", "5", flags::kSnapshotEnd | flags::kEndOfBatch)));
    static_cast<void>(core->do_work());
    ASSERT_TRUE(core->book(id).is_valid());
  }

  void fill(InstrumentId id, Side side, const char* qty, const char* px,
            common::ClientOrderId cloid = {}) {
    common::Fill f;
    f.instrument = id;
    f.venue = reg.get(id).venue;
    f.side = side;
    f.qty = q(qty);
    f.price = p(px);
    f.cloid = cloid;
    f.fill_id = ++fill_ids;
    auto& ex = f.venue == VenueId::kHyperliquid ? exec_hl : exec_bn;
    ASSERT_TRUE(ex.try_push(ExecEvent(f)));
    static_cast<void>(core->do_work());
  }

  // Sends one command, runs one bridge cycle and returns the reply, if any.
  std::optional<ControlReply> send(ControlCommand cmd) {
    cmd.request_id = ++request_ids;
    EXPECT_TRUE(channel.commands.try_push(cmd));
    cycle();
    ControlReply r;
    if (!channel.replies.try_pop(r)) return std::nullopt;
    EXPECT_EQ(r.request_id, cmd.request_id);
    return r;
  }

  static ControlCommand order(VenueId v, const char* symbol, Side side, const char* qty,
                              const char* price) {
    ControlCommand c;
    c.kind = CommandKind::kNewOrder;
    c.has_venue = true;
    c.venue = v;
    c.symbol.assign(symbol);
    c.side = side;
    c.qty = q(qty);
    if (price != nullptr) {
      c.has_price = true;
      c.price = p(price);
    } else {
      c.type = common::OrderType::kMarket;
      c.tif = common::TimeInForce::kIoc;
    }
    return c;
  }

  static std::vector<OrderIntent> drain(common::SpscQueue<OrderIntent>& qu) {
    std::vector<OrderIntent> out;
    OrderIntent i;
    while (qu.try_pop(i)) out.push_back(i);
    return out;
  }

  // One bridge call once the command poll is due again (every 1 ms by default).
  void cycle() {
    clock.advance_to(clock.now_ns() + kMs);
    static_cast<void>(bridge->do_work());
  }

  // The newest snapshot the bridge published (forces one by moving the clock on).
  control::ControlSnapshot& snapshot() {
    clock.advance_to(clock.now_ns() + 300 * kMs);
    static_cast<void>(bridge->do_work());
    bool any = false;
    while (channel.snapshots.try_pop(*snap)) any = true;
    EXPECT_TRUE(any);
    return *snap;
  }

  common::InstrumentRegistry reg;
  InstrumentId btc_hl, btc_bn, eth_hl;
  common::ReplayClock clock{1'000'000'000};
  FakeFlow flow;
  std::unique_ptr<ControlFlowTap> tap;
  std::unique_ptr<Core> core;
  common::SpscQueue<MdEvent> md_hl{256}, md_bn{256};
  common::SpscQueue<ExecEvent> exec_hl{256}, exec_bn{256};
  common::SpscQueue<OrderIntent> orders_hl{256}, orders_bn{256};
  control::ControlChannel channel{16, 4};
  std::unique_ptr<ControlBridge> bridge;
  std::vector<SignalRelay*> relays;
  std::unique_ptr<control::ControlSnapshot> snap = std::make_unique<control::ControlSnapshot>();
  std::uint64_t request_ids = 0;
  std::uint64_t fill_ids = 0;
};

TEST_F(ControlBridgeTest, ManualLimitOrderPassesTheGateAsStrategyZero) {
  start();
  const auto r = send(order(VenueId::kBinance, "BTCUSDT", Side::kBuy, "0.01", "100.5"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kAccepted);
  EXPECT_FALSE(r->cloid.is_null());
  ASSERT_EQ(flow.admitted.size(), 1u);  // the same gate a strategy's intent goes through
  const auto sent = drain(orders_bn);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].cloid, r->cloid);
  EXPECT_EQ(sent[0].strategy.value, 0);
  EXPECT_EQ(sent[0].instrument, btc_bn);
  EXPECT_EQ(sent[0].side, Side::kBuy);
  EXPECT_EQ(sent[0].type, common::OrderType::kLimit);
  EXPECT_EQ(sent[0].price, p("100.5"));
  EXPECT_EQ(sent[0].qty, q("0.01"));
  EXPECT_TRUE(drain(orders_hl).empty());
  EXPECT_EQ(tap->open_count(), 1u);
  EXPECT_EQ(bridge->counters().orders_accepted, 1u);
}

TEST_F(ControlBridgeTest, DeniedOrderRepliesWithTheGatesReason) {
  start();
  flow.deny_with = common::DenyReason::kMaxPosition;
  const auto r = send(order(VenueId::kHyperliquid, "BTC", Side::kSell, "1", "100"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kDenied);
  EXPECT_EQ(r->deny_reason, common::DenyReason::kMaxPosition);
  EXPECT_TRUE(drain(orders_hl).empty());
  EXPECT_EQ(tap->open_count(), 0u);
  EXPECT_EQ(
      core->counters().denied_by_reason[static_cast<std::size_t>(common::DenyReason::kMaxPosition)],
      1u);
}

TEST_F(ControlBridgeTest, OrderByAssetResolvesTheVenueListing) {
  start();
  ControlCommand c = order(VenueId::kHyperliquid, "", Side::kBuy, "0.002", "100");
  c.symbol.assign("");
  c.asset.assign("ETH");
  const auto r = send(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kAccepted);
  const auto sent = drain(orders_hl);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].instrument, eth_hl);
}

TEST_F(ControlBridgeTest, MarketOrderIsPricedFromTheBookOrRejected) {
  start();
  auto r = send(order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", nullptr));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kRejected);  // no book yet: nothing to bound the price
  EXPECT_NE(r->message.view().find("book"), std::string_view::npos) << r->message.view();
  EXPECT_TRUE(flow.admitted.empty());

  book(btc_hl, md_hl);
  r = send(order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", nullptr));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kAccepted);
  const auto sent = drain(orders_hl);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type, common::OrderType::kMarket);
  EXPECT_EQ(sent[0].tif, common::TimeInForce::kIoc);
  EXPECT_EQ(sent[0].price, p("102"));  // best ask 101 + 1%, rounded down to the tick
  EXPECT_EQ(sent[0].qty, q("0.01"));
}

TEST_F(ControlBridgeTest, CloseSendsReduceOnlyIocOnEveryVenueHoldingTheAsset) {
  start();
  book(btc_hl, md_hl);
  book(btc_bn, md_bn);
  fill(btc_hl, Side::kBuy, "0.02", "100");
  fill(btc_bn, Side::kSell, "0.01", "101");
  ControlCommand c;
  c.kind = CommandKind::kClosePosition;
  c.asset.assign("BTC");
  const auto r = send(c);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, ReplyStatus::kAccepted) << r->message.view();
  EXPECT_NE(r->message.view().find("hyperliquid BTC sell 0.02"), std::string_view::npos)
      << r->message.view();
  const auto hl = drain(orders_hl);
  const auto bn = drain(orders_bn);
  ASSERT_EQ(hl.size(), 1u);
  ASSERT_EQ(bn.size(), 1u);
  EXPECT_EQ(hl[0].side, Side::kSell);
  EXPECT_EQ(hl[0].qty, q("0.02"));
  EXPECT_EQ(hl[0].type, common::OrderType::kMarket);
  EXPECT_EQ(hl[0].tif, common::TimeInForce::kIoc);
  EXPECT_NE(hl[0].flags & common::intent_flags::kReduceOnly, 0);
  EXPECT_EQ(hl[0].strategy.value, 0);
  EXPECT_EQ(bn[0].side, Side::kBuy);
  EXPECT_EQ(bn[0].qty, q("0.01"));
  EXPECT_NE(bn[0].flags & common::intent_flags::kReduceOnly, 0);

  // Only the named venue.
  c.has_venue = true;
  c.venue = VenueId::kBinance;
  ASSERT_TRUE(send(c));
  EXPECT_TRUE(drain(orders_hl).empty());
  EXPECT_EQ(drain(orders_bn).size(), 1u);
}

TEST_F(ControlBridgeTest, ReduceByFractionAndByQty) {
  start();
  book(btc_hl, md_hl);
  fill(btc_hl, Side::kBuy, "0.021", "100");
  ControlCommand c;
  c.kind = CommandKind::kReducePosition;
  c.asset.assign("BTC");
  c.by_fraction = true;
  c.fraction_raw = 50'000'000;  // 0.5
  auto r = send(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kAccepted);
  auto sent = drain(orders_hl);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].qty, q("0.01"));  // 0.0105 rounded down to the lot
  EXPECT_EQ(sent[0].side, Side::kSell);

  c.by_fraction = false;
  c.qty = q("0.5");  // more than held: capped at the position
  r = send(c);
  ASSERT_TRUE(r);
  sent = drain(orders_hl);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].qty, q("0.021"));
}

TEST_F(ControlBridgeTest, CloseWithoutAPositionOrWithAnUnknownAssetIsRejected) {
  start();
  ControlCommand c;
  c.kind = CommandKind::kClosePosition;
  c.asset.assign("BTC");
  auto r = send(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kRejected);
  EXPECT_EQ(r->message.view(), "no BTC position");
  c.asset.assign("DOGE");
  r = send(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kRejected);
  EXPECT_EQ(r->message.view(), "unknown asset DOGE");
  EXPECT_TRUE(flow.admitted.empty());
  EXPECT_EQ(bridge->counters().rejected, 2u);
}

TEST_F(ControlBridgeTest, BadOrdersGetErrorRepliesAndSendNothing) {
  start();
  auto r = send(order(VenueId::kBinance, "DOGEUSDT", Side::kBuy, "1", "1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kRejected);
  EXPECT_NE(r->message.view().find("DOGEUSDT"), std::string_view::npos);
  // Listed, but the venue is not traded in this session.
  r = send(order(VenueId::kBybit, "BTCUSDT", Side::kBuy, "1", "1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kRejected);
  ControlCommand bad;
  bad.kind = static_cast<CommandKind>(77);
  r = send(bad);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kRejected);
  EXPECT_EQ(r->message.view(), "unknown command");
  EXPECT_TRUE(flow.admitted.empty());
  EXPECT_TRUE(drain(orders_hl).empty());
  EXPECT_TRUE(drain(orders_bn).empty());
}

TEST_F(ControlBridgeTest, KillCancelsEveryOpenOrderOnEveryVenueAndDeniesLaterOrders) {
  ControlBridgeOptions o;
  o.reply_to_kill = true;
  start(o);
  auto a = send(order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", "99"));
  auto b = send(order(VenueId::kBinance, "BTCUSDT", Side::kSell, "0.01", "102"));
  auto c = send(order(VenueId::kBinance, "BTCUSDT", Side::kBuy, "0.01", "98"));
  ASSERT_TRUE(a && b && c);
  fill(btc_bn, Side::kBuy, "0.01", "98", c->cloid);  // c is done: nothing left to cancel
  EXPECT_EQ(tap->open_count(), 2u);
  drain(orders_hl);
  drain(orders_bn);

  ControlCommand k;
  k.kind = CommandKind::kKill;
  const auto r = send(k);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ReplyStatus::kAccepted);
  EXPECT_EQ(r->message.view(), "halted; 2 cancels sent");
  const auto hl = drain(orders_hl);
  const auto bn = drain(orders_bn);
  ASSERT_EQ(hl.size(), 1u);
  ASSERT_EQ(bn.size(), 1u);
  EXPECT_EQ(hl[0].action, common::IntentAction::kCancel);
  EXPECT_EQ(hl[0].target, a->cloid);
  EXPECT_EQ(bn[0].action, common::IntentAction::kCancel);
  EXPECT_EQ(bn[0].target, b->cloid);
  EXPECT_EQ(bridge->counters().last_kill_cancels, 2u);
  EXPECT_TRUE(tap->halted());

  // Nothing new is admitted afterwards, from the API or from a strategy.
  const std::size_t gate_calls = flow.admitted.size();
  const auto later = send(order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", "99"));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, ReplyStatus::kDenied);
  EXPECT_EQ(later->deny_reason, common::DenyReason::kHalted);
  EXPECT_EQ(flow.admitted.size(), gate_calls);
  EXPECT_TRUE(drain(orders_hl).empty());
  EXPECT_FALSE(tap->venue_healthy(VenueId::kHyperliquid));

  const control::ControlSnapshot& s = snapshot();
  EXPECT_TRUE(s.risk.kill_switch);
  EXPECT_EQ(s.risk.state, control::RiskState::kHalted);
}

TEST_F(ControlBridgeTest, KillIsFireAndForgetByDefault) {
  start();
  ASSERT_TRUE(send(order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", "99")));
  drain(orders_hl);
  ControlCommand k;
  k.kind = CommandKind::kKill;
  EXPECT_FALSE(send(k));  // the server answered 202 already; a reply would be a "late reply"
  EXPECT_EQ(drain(orders_hl).size(), 1u);
  EXPECT_EQ(bridge->counters().kill_cancels_sent, 1u);
}

TEST_F(ControlBridgeTest, VenueUpdatesRemoveFinishedOrdersFromTheList) {
  start();
  const auto a = send(order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", "99"));
  ASSERT_TRUE(a);
  common::OrderUpdate u;
  u.cloid = a->cloid;
  u.instrument = btc_hl;
  u.venue = VenueId::kHyperliquid;
  u.status = common::OrderStatus::kNew;
  ASSERT_TRUE(exec_hl.try_push(ExecEvent(u)));
  static_cast<void>(core->do_work());
  ASSERT_EQ(tap->open_count(), 1u);
  EXPECT_EQ(tap->open_order(0).status, common::OrderStatus::kNew);
  u.status = common::OrderStatus::kCancelled;
  ASSERT_TRUE(exec_hl.try_push(ExecEvent(u)));
  static_cast<void>(core->do_work());
  EXPECT_EQ(tap->open_count(), 0u);
  EXPECT_EQ(flow.updates, 2);  // forwarded to the real flow too
}

TEST_F(ControlBridgeTest, AdmittedReplaceUpdatesTheListedOrder) {
  start();
  const auto a = send(order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", "99"));
  ASSERT_TRUE(a);
  OrderIntent m;
  m.action = common::IntentAction::kModify;
  m.target = a->cloid;
  m.cloid = core->next_manual_id();
  m.instrument = btc_hl;
  m.venue = VenueId::kHyperliquid;
  m.price = p("98.5");
  m.qty = q("0.02");
  ASSERT_EQ(core->submit_manual(m), strategies::SubmitResult::kAccepted);
  ASSERT_EQ(tap->open_count(), 1u);
  EXPECT_EQ(tap->open_order(0).intent.cloid, a->cloid);
  EXPECT_EQ(tap->open_order(0).intent.price, p("98.5"));
  EXPECT_EQ(tap->open_order(0).intent.qty, q("0.02"));
}

TEST_F(ControlBridgeTest, SnapshotCarriesPositionsOrdersRiskLatencyAndCounters) {
  start();
  book(btc_hl, md_hl);
  fill(btc_hl, Side::kBuy, "0.02", "100");
  fill(btc_hl, Side::kBuy, "0.02", "100.2");
  fill(btc_hl, Side::kSell, "0.01", "101");  // realizes (101 - 100.1) * 0.01
  const auto a = send(order(VenueId::kBinance, "BTCUSDT", Side::kBuy, "0.01", "100"));
  ASSERT_TRUE(a);
  const control::ControlSnapshot& s = snapshot();
  EXPECT_GE(s.seq, 1u);
  EXPECT_EQ(s.mode.view(), "paper");
  EXPECT_EQ(s.venue_state[0], common::VenueState::kConnected);

  ASSERT_EQ(s.position_count, 1u);
  const control::PositionRow& pr = s.positions[0];
  EXPECT_EQ(pr.symbol.view(), "BTC");
  EXPECT_EQ(pr.asset.view(), "BTC");
  EXPECT_EQ(pr.qty, q("0.03"));
  EXPECT_EQ(pr.avg_entry, p("100.1"));
  EXPECT_EQ(pr.mark, p("100.5"));
  EXPECT_EQ(pr.realized_pnl, common::Money::parse("0.009").value());
  EXPECT_EQ(pr.unrealized_pnl, common::Money::parse("0.012").value());

  ASSERT_EQ(s.order_count, 1u);
  EXPECT_EQ(s.orders[0].cloid, a->cloid);
  EXPECT_EQ(s.orders[0].symbol.view(), "BTCUSDT");
  EXPECT_EQ(s.orders[0].price, p("100"));
  EXPECT_EQ(s.risk.open_orders, 1u);
  EXPECT_EQ(s.risk.max_open_orders, 200u);
  EXPECT_EQ(s.risk.accepted, 1u);
  EXPECT_FALSE(s.risk.kill_switch);
  EXPECT_EQ(s.allocation[0].actual_bp, 10'000);  // every notional is on Hyperliquid

  bool submit_stage = false;
  for (std::size_t i = 0; i < s.stage_count; ++i) {
    if (s.latency[i].stage.view() == "submit_to_queued") {
      submit_stage = true;
      EXPECT_EQ(s.latency[i].count, 1u);
    }
  }
  EXPECT_TRUE(submit_stage);
  std::uint64_t md = 0, accepted = 0;
  for (std::size_t i = 0; i < s.counter_count; ++i) {
    if (s.counters[i].name.view() == "md_events") md = s.counters[i].value;
    if (s.counters[i].name.view() == "control_orders_accepted") accepted = s.counters[i].value;
  }
  EXPECT_EQ(md, 2u);
  EXPECT_EQ(accepted, 1u);
}

TEST_F(ControlBridgeTest, BalancesAreTheEnginesViewPerEnabledVenue) {
  ControlBridgeOptions o;
  o.starting_balance[common::index(VenueId::kHyperliquid)] = common::Money::parse("1000").value();
  o.starting_balance[common::index(VenueId::kBinance)] = common::Money::parse("500").value();
  start(o);
  book(btc_hl, md_hl);  // mid 100.5
  const auto fill_with_fee = [&](Side side, const char* qty, const char* px, const char* fee) {
    common::Fill f;
    f.instrument = btc_hl;
    f.venue = VenueId::kHyperliquid;
    f.side = side;
    f.qty = q(qty);
    f.price = p(px);
    f.fee = common::Money::parse(fee).value();
    f.fill_id = ++fill_ids;
    ASSERT_TRUE(exec_hl.try_push(ExecEvent(f)));
    static_cast<void>(core->do_work());
  };
  fill_with_fee(Side::kBuy, "1", "100", "0.1");
  fill_with_fee(Side::kSell, "0.5", "102", "0.05");  // realizes 0.5 x 2 = 1
  const control::ControlSnapshot& s = snapshot();
  ASSERT_EQ(s.balance_count, 2u);  // the two enabled venues, in venue order
  const control::BalanceRow& hl = s.balances[0];
  EXPECT_EQ(hl.venue, VenueId::kHyperliquid);
  EXPECT_EQ(hl.asset.view(), "USDC");
  EXPECT_EQ(hl.starting, common::Money::parse("1000").value());
  EXPECT_EQ(hl.realized_pnl, common::Money::parse("1").value());
  EXPECT_EQ(hl.fees, common::Money::parse("0.15").value());
  EXPECT_EQ(hl.unrealized_pnl, common::Money::parse("0.25").value());  // 0.5 x (100.5 - 100)
  EXPECT_EQ(hl.available, common::Money::parse("1000.85").value());
  EXPECT_EQ(hl.total, common::Money::parse("1001.1").value());
  const control::BalanceRow& bn = s.balances[1];
  EXPECT_EQ(bn.venue, VenueId::kBinance);
  EXPECT_EQ(bn.asset.view(), "USDT");
  EXPECT_EQ(bn.total, common::Money::parse("500").value());
  EXPECT_TRUE(bn.realized_pnl.is_zero());
}

TEST_F(ControlBridgeTest, AllocationShowsTheRoutersTargetsDriftAndSignal) {
  router::RouterConfig rc;
  rc.target_share = {0.5, 0.5, 0, 0};
  rc.rebalance_threshold = 0.1;
  router::VenueRouter router(rc, reg);
  core->set_router(&router);
  start();
  {
    common::VenueStatus st;
    st.venue = VenueId::kHyperliquid;
    st.state = common::VenueState::kConnected;
    ASSERT_TRUE(md_hl.try_push(MdEvent(st)));
  }
  book(btc_hl, md_hl);  // mid 100.5
  book(btc_bn, md_bn);
  {
    const control::ControlSnapshot& s = snapshot();
    EXPECT_TRUE(s.router.enabled);
    EXPECT_FALSE(s.router.rebalance);  // nothing held: on target
    EXPECT_EQ(s.router.threshold_bp, 1000);
    EXPECT_EQ(s.allocation[0].target_bp, 5000);
    EXPECT_EQ(s.allocation[0].drift_bp, 0);
    EXPECT_TRUE(s.allocation[0].healthy);   // connected
    EXPECT_FALSE(s.allocation[1].healthy);  // no VenueStatus from Binance yet
    EXPECT_EQ(s.allocation[0].ack_latency_ns, -1);
  }
  fill(btc_hl, Side::kBuy, "3", "100");
  fill(btc_bn, Side::kBuy, "1", "100");
  const control::ControlSnapshot& s = snapshot();
  // Marked at 100.5: 301.5 on Hyperliquid, 100.5 on Binance -> 75% / 25%.
  EXPECT_EQ(s.allocation[0].actual_bp, 7500);
  EXPECT_EQ(s.allocation[0].drift_bp, 2500);
  EXPECT_TRUE(s.allocation[0].rebalance);
  EXPECT_EQ(s.allocation[1].drift_bp, -2500);
  EXPECT_EQ(s.allocation[0].actual_notional, common::Money::parse("301.5").value());
  EXPECT_EQ(s.allocation[0].target_notional, common::Money::parse("201").value());
  EXPECT_EQ(s.allocation[2].target_bp, 0);
  EXPECT_TRUE(s.router.rebalance);
  EXPECT_EQ(s.router.max_drift_bp, 2500);
  bool routes_counter = false;
  for (std::size_t i = 0; i < s.counter_count; ++i) {
    if (s.counters[i].name.view() == "router_routes") routes_counter = true;
  }
  EXPECT_TRUE(routes_counter);
  // /api/allocation renders it.
  const std::string json = control::allocation_json(s);
  EXPECT_NE(json.find("\"rebalance\":true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"venue\":\"hyperliquid\",\"target_bp\":5000,\"actual_bp\":7500,"
                      "\"drift_bp\":2500,\"rebalance\":true"),
            std::string::npos)
      << json;
  core->set_router(nullptr);
}

TEST_F(ControlBridgeTest, SnapshotsArePacedByTheClock) {
  start();
  static_cast<void>(bridge->do_work());
  control::ControlSnapshot& s = *snap;
  ASSERT_TRUE(channel.snapshots.try_pop(s));
  const std::uint64_t first = s.seq;
  clock.advance_to(clock.now_ns() + 100 * kMs);
  static_cast<void>(bridge->do_work());
  EXPECT_FALSE(channel.snapshots.try_pop(s));  // not due yet
  clock.advance_to(clock.now_ns() + 200 * kMs);
  static_cast<void>(bridge->do_work());
  ASSERT_TRUE(channel.snapshots.try_pop(s));
  EXPECT_EQ(s.seq, first + 1);
}

TEST_F(ControlBridgeTest, RepliesTheQueueRefusesAreRetriedNextCycle) {
  start();
  std::size_t fillers = 0;
  while (channel.replies.try_push(ControlReply{}) && fillers < 10'000) ++fillers;
  ControlCommand c = order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", "99");
  c.request_id = 4242;
  ASSERT_TRUE(channel.commands.try_push(c));
  cycle();
  ControlReply r;
  ASSERT_TRUE(channel.replies.try_pop(r));  // room for exactly one
  EXPECT_EQ(r.request_id, 0u);
  cycle();
  bool found = false;
  while (channel.replies.try_pop(r)) found = found || r.request_id == 4242;
  EXPECT_TRUE(found);
  EXPECT_EQ(bridge->counters().replies_dropped, 0u);
}

TEST_F(ControlBridgeTest, CommandsPerCycleAreBounded) {
  ControlBridgeOptions o;
  o.max_commands_per_cycle = 2;
  start(o);
  for (int i = 0; i < 5; ++i) {
    ControlCommand c = order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", "99");
    c.request_id = static_cast<std::uint64_t>(i + 1);
    ASSERT_TRUE(channel.commands.try_push(c));
  }
  cycle();
  EXPECT_EQ(flow.admitted.size(), 2u);
  cycle();
  cycle();
  EXPECT_EQ(flow.admitted.size(), 5u);
}

TEST_F(ControlBridgeTest, CommandsArePolledOncePerMillisecond) {
  start();
  cycle();  // a poll just happened
  ASSERT_TRUE(
      channel.commands.try_push(order(VenueId::kHyperliquid, "BTC", Side::kBuy, "0.01", "99")));
  clock.advance_to(clock.now_ns() + kMs / 2);
  EXPECT_EQ(bridge->do_work(), 0);  // idle cost: one clock read
  EXPECT_TRUE(flow.admitted.empty());
  clock.advance_to(clock.now_ns() + kMs / 2);
  EXPECT_GT(bridge->do_work(), 0);
  EXPECT_EQ(flow.admitted.size(), 1u);
}

TEST_F(ControlBridgeTest, SignalsReachTheConfluenceExecutorsOfThatAsset) {
  strategies::confluence::ExecutorConfig cfg;
  cfg.use_analyzer = false;
  cfg.base_notional = common::Money::parse("1").value();
  cfg.max_notional = common::Money::parse("10").value();
  auto exec = std::make_unique<strategies::confluence::ConfluenceExecutor>(common::StrategyId{1},
                                                                           cfg, btc_hl);
  auto& executor = *exec;
  auto relay = std::make_unique<SignalRelay>(std::move(exec), executor, reg.asset_of(btc_hl));
  relays.push_back(relay.get());
  ASSERT_EQ(core->add_strategy(relay.get()).value, 1);
  start();
  book(btc_hl, md_hl);

  ControlCommand sig;
  sig.kind = CommandKind::kSignal;
  sig.asset.assign("ETH");  // another asset: not this executor's business
  sig.score_raw = 90LL * 100'000'000;
  EXPECT_FALSE(send(sig));  // fire and forget
  EXPECT_TRUE(drain(orders_hl).empty());
  EXPECT_EQ(bridge->counters().signals_delivered, 0u);

  sig.asset.assign("NOPE");
  EXPECT_FALSE(send(sig));
  EXPECT_EQ(bridge->counters().rejected, 1u);

  sig.asset.assign("BTC");
  EXPECT_FALSE(send(sig));
  EXPECT_EQ(bridge->counters().signals_delivered, 1u);
  const auto sent = drain(orders_hl);
  ASSERT_EQ(sent.size(), 1u);  // the executor entered long on its own strategy id
  EXPECT_EQ(sent[0].strategy.value, 1);
  EXPECT_EQ(sent[0].side, Side::kBuy);
  EXPECT_EQ(executor.state(), strategies::confluence::ConfluenceExecutor::State::kEntering);
}

}  // namespace
}  // namespace peregrine::engine
