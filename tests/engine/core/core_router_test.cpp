// The router inside the core: scripted books on three venues, venue health from VenueStatus and
// the flow, allocation from the flow's per-venue gross (over-target policy, rebalance signal
// journaled and reported on each edge), and the OMS answers (ack latency, rejects) moving the
// choice. A strategy reaches it only through StrategyContext::route.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/core.hpp"
#include "engine/router/venue_router.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
[[gnu::noinline]] void* allocate(std::size_t n) noexcept { return std::malloc(n == 0 ? 1 : n); }
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }

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
namespace flags = common::book_flags;

constexpr std::size_t kHl = 0, kBn = 1, kCb = 3;

// Admits everything; health, gross notional and the OMS's answer to each update are scripted.
class ScriptedFlow final : public OrderFlow {
 public:
  std::optional<common::DenyReason> admit(OrderIntent&, Nanos) noexcept override {
    return std::nullopt;
  }
  void unsend(const OrderIntent&, Nanos) noexcept override {}
  OrderAnswer on_update(const common::OrderUpdate& u, Nanos) noexcept override {
    // As the OMS reports it: the first answer to a new order, with the ack's latency.
    OrderAnswer a;
    a.first_answer = true;
    a.error = u.status == common::OrderStatus::kRejected;
    a.ack_latency = a.error ? -1 : u.ts_recv - u.ts_intent;
    return a;
  }
  bool on_fill(const common::Fill&, Nanos) noexcept override { return true; }
  void on_venue_status(const common::VenueStatus&, Nanos) noexcept override {}
  void on_book(InstrumentId, const common::L2Book&, Nanos) noexcept override {}
  Qty position(InstrumentId) const noexcept override { return Qty{}; }
  bool venue_healthy(VenueId v) const noexcept override { return healthy[common::index(v)]; }
  __int128 venue_gross_raw(VenueId v) const noexcept override {
    // Quote units -> 1e-16 units, the portfolio's scale.
    return static_cast<__int128>(gross[common::index(v)]) * 10'000'000'000'000'000LL;
  }

  std::array<bool, common::kVenueCount> healthy{true, true, true, true};
  std::array<std::int64_t, common::kVenueCount> gross{};
};

class Probe final : public strategies::Strategy {
 public:
  std::string_view name() const noexcept override { return "probe"; }
  void on_start(strategies::StrategyContext& ctx) noexcept override { ctx_ = &ctx; }
  void on_book(strategies::StrategyContext&, InstrumentId) noexcept override {}
  strategies::StrategyContext* ctx_ = nullptr;
};

class Notes final : public CoreObserver {
 public:
  void on_md(const MdEvent&) noexcept override {}
  void on_intent(const OrderIntent&) noexcept override {}
  void on_denied(const common::OrderDenied&) noexcept override {}
  void on_exec(const ExecEvent&) noexcept override {}
  void on_note(common::StrategyId s, std::string_view text) noexcept override {
    notes.emplace_back(std::to_string(s.value) + ":" + std::string(text));
  }
  void on_rebalance(const router::RebalanceSignal& s) noexcept override { edges.push_back(s); }
  std::vector<std::string> notes;
  std::vector<router::RebalanceSignal> edges;
};

common::Instrument make(VenueId v, std::string_view sym, const char* taker_fee) {
  common::Instrument i;
  i.venue = v;
  EXPECT_TRUE(i.symbol.assign(sym));
  EXPECT_TRUE(i.asset.assign("BTC"));
  i.tick = Price::parse("0.1").value();
  i.lot = Qty::parse("0.001").value();
  i.taker_fee = common::Rate::parse(taker_fee).value();
  i.maker_fee = common::Rate::parse("0.0001").value();
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

MdEvent status(VenueId v, common::VenueState s) {
  common::VenueStatus st;
  st.venue = v;
  st.state = s;
  st.ts_recv = 1;
  return MdEvent(st);
}

class CoreRouterTest : public ::testing::Test {
 protected:
  CoreRouterTest() {
    // Binance is the dearest venue; Hyperliquid and Coinbase charge the same.
    ids[kHl] = reg.add(make(VenueId::kHyperliquid, "BTC", "0.0003")).value();
    ids[kBn] = reg.add(make(VenueId::kBinance, "BTCUSDT", "0.0005")).value();
    ids[kCb] = reg.add(make(VenueId::kCoinbase, "BTC-PERP-INTX", "0.0003")).value();
    asset = reg.find_asset("BTC");
    // No allocation steering unless a test sets targets: equal shares, nothing held.
    cfg.target_share = {0.25, 0.25, 0.25, 0.25};
  }

  void build(bool wire_coinbase_orders = true) {
    router.emplace(cfg, reg);
    core.emplace(reg, clock, flow, CoreOptions{.allocation_every = 1'000'000});
    for (std::size_t v : {kHl, kBn, kCb}) {
      const VenueId venue = common::kAllVenues[v];
      core->connect_md(venue, &md[v]);
      core->connect_exec(venue, &exec[v]);
      if (v != kCb || wire_coinbase_orders) core->connect_orders(venue, &orders[v]);
    }
    core->set_router(&*router);
    core->set_observer(&notes);
    static_cast<void>(core->add_strategy(&probe));
    core->start();
    for (std::size_t v : {kHl, kBn, kCb}) {
      connect(v, common::VenueState::kConnected);
    }
  }

  void connect(std::size_t v, common::VenueState s) {
    ASSERT_TRUE(md[v].try_push(status(common::kAllVenues[v], s)));
    static_cast<void>(core->do_work());
  }

  // A book with 10 bid at 99.9 and `ask_qty` at 100.0, nothing behind.
  void book(std::size_t v, const char* ask_qty) {
    ASSERT_TRUE(md[v].try_push(level(ids[v], BookSide::kBid, "99.9", "10", flags::kSnapshotBegin)));
    ASSERT_TRUE(md[v].try_push(
        level(ids[v], BookSide::kAsk, "100", ask_qty, flags::kSnapshotEnd | flags::kEndOfBatch)));
    static_cast<void>(core->do_work());
    ASSERT_TRUE(core->book(ids[v]).is_valid());
  }

  InstrumentId route(const char* qty, Side side = Side::kBuy) {
    return probe.ctx_->route(asset, side, Qty::parse(qty).value());
  }

  // The venue's answer to one new order, `latency_ns` after it was sent.
  void answer(std::size_t v, common::OrderStatus st, Nanos latency_ns) {
    common::OrderUpdate u;
    u.venue = common::kAllVenues[v];
    u.instrument = ids[v];
    u.status = st;
    u.ts_intent = 1'000;
    u.ts_recv = 1'000 + latency_ns;
    ASSERT_TRUE(exec[v].try_push(ExecEvent(u)));
    static_cast<void>(core->do_work());
  }

  void advance(Nanos by) { clock.advance_to(clock.now_ns() + by); }

  common::InstrumentRegistry reg;
  std::array<InstrumentId, common::kVenueCount> ids{};
  common::AssetId asset;
  router::RouterConfig cfg;
  common::ReplayClock clock{1'000};
  ScriptedFlow flow;
  Probe probe;
  Notes notes;
  // Queues per venue (index = VenueId); SpscQueue neither copies nor moves.
  template <typename T>
  struct Queues {
    explicit Queues(std::size_t n) : a(n), b(n), c(n), d(n) {}
    common::SpscQueue<T>& operator[](std::size_t v) {
      return v == 0 ? a : v == 1 ? b : v == 2 ? c : d;
    }
    common::SpscQueue<T> a, b, c, d;
  };
  Queues<MdEvent> md{64};
  Queues<ExecEvent> exec{64};
  Queues<OrderIntent> orders{8};
  std::optional<router::VenueRouter> router;
  std::optional<Core> core;
};

TEST_F(CoreRouterTest, WithoutARouterStrategiesKeepTheirOwnInstrument) {
  core.emplace(reg, clock, flow);
  static_cast<void>(core->add_strategy(&probe));
  core->start();
  EXPECT_FALSE(route("0.3").valid());
}

TEST_F(CoreRouterTest, TheDeeperAndCheaperVenueWins) {
  build();
  book(kHl, "0.1");  // cheap but thin: 1/3 of the need at the touch
  book(kBn, "0.3");  // deep but dear
  book(kCb, "0.3");  // deep and cheap
  EXPECT_EQ(route("0.3"), ids[kCb]);
  // Coinbase thins out: Binance's depth now outweighs its higher fee.
  book(kCb, "0.05");
  EXPECT_EQ(route("0.3"), ids[kBn]);
  // A sell reads the bids, where all three are deep: the cheap venues tie, the first wins.
  EXPECT_EQ(route("0.3", Side::kSell), ids[kHl]);
  EXPECT_EQ(router->counters().routes, 3u);
  EXPECT_EQ(router->counters().routed_to[kBn], 1u);
}

TEST_F(CoreRouterTest, AnUnhealthyVenueIsNeverChosen) {
  build(/*wire_coinbase_orders=*/false);
  book(kHl, "0.3");
  book(kBn, "0.3");
  book(kCb, "1");  // the best book, but this session has no Coinbase order queue
  EXPECT_EQ(route("0.3"), ids[kHl]);
  // Hyperliquid's gateway reports the link down: never a candidate while it is.
  connect(kHl, common::VenueState::kDown);
  EXPECT_EQ(route("0.3"), ids[kBn]);
  // The flow (risk gate, circuit breaker) says Binance is unhealthy: nothing is left.
  flow.healthy[kBn] = false;
  EXPECT_FALSE(route("0.3").valid());
  EXPECT_EQ(router->counters().no_route, 1u);
  connect(kHl, common::VenueState::kConnected);
  EXPECT_EQ(route("0.3"), ids[kHl]);
  // A stale feed is not healthy either, and an invalid book is never routed to.
  connect(kHl, common::VenueState::kStale);
  flow.healthy[kBn] = true;
  common::BookReset r;
  r.instrument = ids[kBn];
  ASSERT_TRUE(md[kBn].try_push(MdEvent(r)));
  static_cast<void>(core->do_work());
  EXPECT_FALSE(route("0.3").valid());
}

TEST_F(CoreRouterTest, AnOverTargetVenueIsExcludedOrPenalizedPerPolicy) {
  cfg.target_share = {0.5, 0.5, 0, 0};  // Coinbase: no allocation at all
  cfg.over_target = router::OverTargetPolicy::kExclude;
  build();
  book(kHl, "0.1");
  book(kBn, "0.3");
  book(kCb, "0.3");
  EXPECT_EQ(route("0.3"), ids[kCb]);  // nothing held yet: on target everywhere
  flow.gross = {500, 300, 0, 200};    // Coinbase holds 20% against a 0% target
  advance(2'000'000);
  static_cast<void>(core->do_work());  // the periodic allocation refresh
  EXPECT_EQ(route("0.3"), ids[kBn]);
  // Every candidate over target: exclusion never leaves the intent without a venue.
  flow.healthy[kHl] = false;
  flow.healthy[kBn] = false;
  EXPECT_EQ(route("0.3"), ids[kCb]);
}

TEST_F(CoreRouterTest, PenaltyMultipliesTheOverTargetScore) {
  cfg.target_share = {0.5, 0.5, 0, 0};
  cfg.over_target = router::OverTargetPolicy::kPenalize;
  cfg.over_target_penalty = 0.5;
  build();
  book(kHl, "0.1");
  book(kBn, "0.3");
  book(kCb, "0.3");
  flow.gross = {500, 300, 0, 200};
  advance(2'000'000);
  static_cast<void>(core->do_work());
  // Coinbase scores 0.3+0.4+0.2*0.5+0.1 = 0.9 -> 0.45; Binance 0+0.4+0.1+0.1 = 0.6.
  EXPECT_EQ(route("0.3"), ids[kBn]);
  // A mild penalty keeps the clearly better venue.
  cfg.over_target_penalty = 0.9;
  router.emplace(cfg, reg);
  core->set_router(&*router);
  for (std::size_t v : {kHl, kBn, kCb}) connect(v, common::VenueState::kConnected);
  advance(2'000'000);
  static_cast<void>(core->do_work());
  ASSERT_TRUE(router->allocation().rebalance);
  EXPECT_EQ(route("0.3"), ids[kCb]);  // 0.9 x 0.9 = 0.81 still beats 0.6
}

TEST_F(CoreRouterTest, MeasuredAckLatencyMovesTheChoice) {
  build();
  for (std::size_t v : {kHl, kBn, kCb}) book(v, "0.3");
  flow.healthy[kBn] = false;          // Hyperliquid and Coinbase: same books, same fees
  EXPECT_EQ(route("0.3"), ids[kHl]);  // a tie goes to the first venue
  answer(kHl, common::OrderStatus::kNew, 9'000'000);
  answer(kCb, common::OrderStatus::kNew, 1'000'000);
  EXPECT_DOUBLE_EQ(router->stats().latency_ewma(VenueId::kHyperliquid), 9e6);
  EXPECT_EQ(route("0.3"), ids[kCb]);  // 1.0 against 0.8
  EXPECT_EQ(router->counters().acks, 2u);
}

TEST_F(CoreRouterTest, RejectsMoveTheChoice) {
  build();
  for (std::size_t v : {kHl, kBn, kCb}) book(v, "0.3");
  flow.healthy[kBn] = false;
  EXPECT_EQ(route("0.3"), ids[kHl]);
  answer(kHl, common::OrderStatus::kRejected, 0);
  EXPECT_EQ(route("0.3"), ids[kCb]);
  for (int i = 0; i < 3; ++i) answer(kCb, common::OrderStatus::kRejected, 0);
  EXPECT_GT(router->stats().error_rate(VenueId::kCoinbase),
            router->stats().error_rate(VenueId::kHyperliquid));
  EXPECT_EQ(route("0.3"), ids[kHl]);
  EXPECT_EQ(router->counters().errors, 4u);
  EXPECT_FALSE(router->stats().has_latency(VenueId::kCoinbase));  // a reject is no latency sample
}

TEST_F(CoreRouterTest, RebalanceSignalIsJournaledAndReportedOnEachEdge) {
  cfg.target_share = {0.8, 0, 0, 0.2};
  cfg.rebalance_threshold = 0.05;
  build();
  advance(2'000'000);
  static_cast<void>(core->do_work());
  EXPECT_TRUE(notes.edges.empty());  // nothing held: on target by definition
  flow.gross = {600, 0, 100, 300};   // Hyperliquid 60% against 80%
  advance(2'000'000);
  static_cast<void>(core->do_work());
  ASSERT_EQ(notes.edges.size(), 1u);
  EXPECT_TRUE(notes.edges[0].on);
  EXPECT_EQ(notes.edges[0].worst, VenueId::kHyperliquid);
  EXPECT_NEAR(notes.edges[0].worst_drift, -0.2, 1e-9);
  ASSERT_EQ(notes.notes.size(), 1u);
  EXPECT_NE(notes.notes[0].find("0:router: rebalance"), std::string::npos) << notes.notes[0];
  EXPECT_TRUE(router->allocation().rebalance);
  // Still drifted: no repeat.
  advance(2'000'000);
  static_cast<void>(core->do_work());
  EXPECT_EQ(notes.edges.size(), 1u);
  // Back within 5%: one "off" edge, journaled too.
  flow.gross = {780, 0, 0, 220};
  advance(2'000'000);
  static_cast<void>(core->do_work());
  ASSERT_EQ(notes.edges.size(), 2u);
  EXPECT_FALSE(notes.edges[1].on);
  EXPECT_NE(notes.notes.back().find("back within"), std::string::npos);
  EXPECT_EQ(router->counters().rebalance_on, 1u);
}

TEST_F(CoreRouterTest, AFillRefreshesTheAllocationAtOnce) {
  cfg.target_share = {1, 0, 0, 0};
  build();
  flow.gross = {0, 100, 0, 0};
  common::Fill f;
  f.venue = VenueId::kBinance;
  f.instrument = ids[kBn];
  f.qty = Qty::parse("1").value();
  f.price = Price::parse("100").value();
  f.fill_id = 1;
  ASSERT_TRUE(exec[kBn].try_push(ExecEvent(f)));
  static_cast<void>(core->do_work());  // no clock advance: the fill itself re-evaluated
  ASSERT_EQ(notes.edges.size(), 1u);
  EXPECT_EQ(notes.edges[0].worst, VenueId::kHyperliquid);
}

TEST_F(CoreRouterTest, RoutingAndFeedingDoNotAllocate) {
  build();
  core->set_observer(nullptr);  // the test's note recorder allocates; the core must not
  for (std::size_t v : {kHl, kBn, kCb}) book(v, "0.3");
  const std::uint64_t before = g_allocations.load();
  for (int i = 0; i < 100; ++i) {
    static_cast<void>(route("0.3"));
    answer(kBn, common::OrderStatus::kNew, 1'000'000 + i);
    flow.gross = {i, 100 - i, 0, 50};
    advance(2'000'000);
    static_cast<void>(core->do_work());
  }
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_GE(router->counters().rebalance_on, 1u);  // the signal fired inside the loop
}

}  // namespace
}  // namespace peregrine::engine
