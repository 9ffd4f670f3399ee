#include "engine/core/core.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <vector>

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

using common::BookDelta;
using common::BookSide;
using common::ExecEvent;
using common::InstrumentId;
using common::MdEvent;
using common::OrderIntent;
using common::Price;
using common::Qty;
using common::VenueId;
namespace flags = common::book_flags;

// Records every call; admits unless told to deny.
class FakeFlow final : public OrderFlow {
 public:
  std::optional<common::DenyReason> admit(OrderIntent& i, Nanos) noexcept override {
    ++admitted;
    last_admitted = i;
    return deny_with;
  }
  void unsend(const OrderIntent&, Nanos) noexcept override { ++unsent; }
  OrderAnswer on_update(const common::OrderUpdate&, Nanos) noexcept override {
    ++updates;
    return {};
  }
  bool on_fill(const common::Fill& f, Nanos) noexcept override {
    for (std::size_t k = 0; k < seen_count; ++k) {
      if (seen[k] == f.fill_id) return false;
    }
    if (seen_count < seen.size()) seen[seen_count++] = f.fill_id;
    return true;
  }
  void on_venue_status(const common::VenueStatus& s, Nanos) noexcept override {
    last_status = s.state;
  }
  void on_book(InstrumentId, const common::L2Book&, Nanos) noexcept override { ++books; }
  Qty position(InstrumentId) const noexcept override { return Qty::from_raw(42); }
  bool venue_healthy(VenueId) const noexcept override { return true; }

  std::optional<common::DenyReason> deny_with;
  OrderIntent last_admitted;
  int admitted = 0, unsent = 0, updates = 0, books = 0;
  std::array<std::uint64_t, 64> seen{};
  std::size_t seen_count = 0;
  common::VenueState last_status = common::VenueState::kDown;
};

// Logs what the core tells it; can submit from callbacks.
class Recorder final : public strategies::Strategy {
 public:
  std::string_view name() const noexcept override { return "recorder"; }
  void on_start(strategies::StrategyContext& ctx) noexcept override { ctx_ = &ctx; }
  void on_book(strategies::StrategyContext&, InstrumentId id) noexcept override {
    log.push_back("book" + std::to_string(id.value));
  }
  void on_trade(strategies::StrategyContext&, const common::Trade&) noexcept override {
    log.emplace_back("trade");
  }
  void on_order_update(strategies::StrategyContext&, const common::OrderUpdate&) noexcept override {
    log.emplace_back("update");
  }
  void on_fill(strategies::StrategyContext&, const common::Fill& f) noexcept override {
    log.push_back("fill" + std::to_string(f.fill_id));
  }
  void on_denied(strategies::StrategyContext&, const common::OrderDenied& d) noexcept override {
    log.push_back(std::string("denied:") + std::string(common::to_string(d.reason)));
  }
  void on_timer(strategies::StrategyContext&, std::uint64_t token) noexcept override {
    log.push_back("timer" + std::to_string(token));
  }
  strategies::StrategyContext* ctx_ = nullptr;
  std::vector<std::string> log;
};

common::Instrument make(VenueId v, std::string_view sym) {
  common::Instrument i;
  i.venue = v;
  EXPECT_TRUE(i.symbol.assign(sym));
  EXPECT_TRUE(i.asset.assign("BTC"));
  i.tick = Price::parse("0.1").value();
  i.lot = Qty::parse("0.001").value();
  return i;
}

MdEvent level(InstrumentId id, BookSide side, const char* px, const char* qty, std::uint8_t f,
              Nanos recv = 1) {
  BookDelta d;
  d.instrument = id;
  d.side = side;
  d.price = Price::parse(px).value();
  d.qty = Qty::parse(qty).value();
  d.flags = f;
  d.ts_recv = recv;
  return MdEvent(d);
}

class CoreTest : public ::testing::Test {
 protected:
  CoreTest() {
    btc_hl = reg.add(make(VenueId::kHyperliquid, "BTC")).value();
    btc_bn = reg.add(make(VenueId::kBinance, "BTCUSDT")).value();
  }
  void build() {
    core.emplace(reg, clock, flow, CoreOptions{.md_batch = 64, .max_timers = 4});
    core->connect_md(VenueId::kHyperliquid, &md);
    core->connect_exec(VenueId::kHyperliquid, &exec);
    core->connect_orders(VenueId::kHyperliquid, &orders);
    sid = core->add_strategy(&strat);
    core->start();
  }
  OrderIntent intent() {
    OrderIntent i;
    i.cloid = strat.ctx_->next_order_id();
    i.instrument = btc_hl;
    i.venue = VenueId::kHyperliquid;
    i.price = Price::parse("100").value();
    i.qty = Qty::parse("0.01").value();
    return i;
  }

  common::InstrumentRegistry reg;
  InstrumentId btc_hl, btc_bn;
  common::ReplayClock clock{1'000};
  FakeFlow flow;
  Recorder strat;
  common::SpscQueue<MdEvent> md{64};
  common::SpscQueue<ExecEvent> exec{64};
  common::SpscQueue<OrderIntent> orders{2};
  std::optional<Core> core;
  common::StrategyId sid;
};

TEST_F(CoreTest, StrategySeesEachChangedBookOncePerVenueMessage) {
  build();
  ASSERT_TRUE(md.try_push(level(btc_hl, BookSide::kBid, "0", "0", flags::kSnapshotBegin)));
  ASSERT_TRUE(md.try_push(level(btc_hl, BookSide::kBid, "99.9", "1", 0)));
  ASSERT_TRUE(md.try_push(level(btc_hl, BookSide::kAsk, "100.1", "2", 0)));
  ASSERT_TRUE(md.try_push(level(btc_bn, BookSide::kBid, "99.8", "3", 0)));
  ASSERT_TRUE(md.try_push(
      level(btc_hl, BookSide::kAsk, "0", "0", flags::kSnapshotEnd | flags::kEndOfBatch)));
  EXPECT_EQ(core->do_work(), 5);
  EXPECT_EQ(strat.log, (std::vector<std::string>{"book0", "book1"}));
  EXPECT_TRUE(core->book(btc_hl).is_valid());
  EXPECT_EQ(core->book(btc_hl).best_ask().price, Price::parse("100.1").value());
  EXPECT_EQ(flow.books, 2);
  EXPECT_EQ(core->counters().md_events, 5u);
  EXPECT_EQ(core->latency(CoreStage::kMdToStrategy).count(), 1u);

  // A reset invalidates the book and tells strategies at once.
  common::BookReset r;
  r.instrument = btc_hl;
  ASSERT_TRUE(md.try_push(MdEvent(r)));
  core->do_work();
  EXPECT_FALSE(core->book(btc_hl).is_valid());
  EXPECT_EQ(strat.log.back(), "book0");
}

TEST_F(CoreTest, AdmittedIntentIsQueuedDeniedOneIsAnEventToTheStrategy) {
  build();
  EXPECT_EQ(strat.ctx_->submit(intent()), strategies::SubmitResult::kAccepted);
  OrderIntent out;
  ASSERT_TRUE(orders.try_pop(out));
  EXPECT_EQ(out.strategy, sid);  // stamped by the core, whatever the strategy wrote
  EXPECT_EQ(out.ts_recv, 1'000);

  flow.deny_with = common::DenyReason::kMaxOrderQty;
  EXPECT_EQ(strat.ctx_->submit(intent()), strategies::SubmitResult::kDenied);
  EXPECT_FALSE(orders.try_pop(out));
  EXPECT_EQ(strat.log.back(),
            "denied:" + std::string(common::to_string(common::DenyReason::kMaxOrderQty)));
  EXPECT_EQ(
      core->counters().denied_by_reason[static_cast<std::size_t>(common::DenyReason::kMaxOrderQty)],
      1u);

  // A venue without an order queue is never sent to.
  flow.deny_with.reset();
  OrderIntent bn = intent();
  bn.venue = VenueId::kBinance;
  EXPECT_EQ(strat.ctx_->submit(bn), strategies::SubmitResult::kDenied);
}

TEST_F(CoreTest, FullOrderQueueUndoesTheRegistration) {
  build();
  EXPECT_EQ(strat.ctx_->submit(intent()), strategies::SubmitResult::kAccepted);
  EXPECT_EQ(strat.ctx_->submit(intent()), strategies::SubmitResult::kAccepted);
  // Capacity 2 (moodycamel may round up): push until full, then the next is refused.
  strategies::SubmitResult r = strategies::SubmitResult::kAccepted;
  int tries = 0;
  while (r == strategies::SubmitResult::kAccepted && tries < 64) {
    r = strat.ctx_->submit(intent());
    ++tries;
  }
  EXPECT_EQ(r, strategies::SubmitResult::kQueueFull);
  EXPECT_EQ(flow.unsent, 1);
  EXPECT_EQ(core->counters().order_queue_full, 1u);
  EXPECT_EQ(strat.log.back(),
            "denied:" + std::string(common::to_string(common::DenyReason::kQueueFull)));
}

TEST_F(CoreTest, ExecutionReportsGoToTheOwningStrategyAndDuplicateFillsStop) {
  build();
  common::OrderUpdate u;
  u.strategy = sid;
  ASSERT_TRUE(exec.try_push(ExecEvent(u)));
  u.strategy = common::StrategyId{0};  // manual order: no strategy hears it
  ASSERT_TRUE(exec.try_push(ExecEvent(u)));
  common::Fill f;
  f.strategy = sid;
  f.fill_id = 7;
  ASSERT_TRUE(exec.try_push(ExecEvent(f)));
  ASSERT_TRUE(exec.try_push(ExecEvent(f)));
  core->do_work();
  EXPECT_EQ(flow.updates, 2);
  EXPECT_EQ(strat.log, (std::vector<std::string>{"update", "fill7"}));
  EXPECT_EQ(core->counters().duplicate_fills, 1u);
}

TEST_F(CoreTest, TimersFireInDeadlineOrderFifoOnTiesAndOverflowIsCounted) {
  build();
  strat.ctx_->schedule_timer(3'000, 1);
  strat.ctx_->schedule_timer(2'000, 2);
  strat.ctx_->schedule_timer(2'000, 3);
  strat.ctx_->schedule_timer(5'000, 4);
  strat.ctx_->schedule_timer(9'000, 5);  // capacity 4
  EXPECT_EQ(core->counters().timer_overflow, 1u);
  clock.advance_to(3'000);
  core->do_work();
  EXPECT_EQ(strat.log, (std::vector<std::string>{"timer2", "timer3", "timer1"}));
  clock.advance_to(10'000);
  core->do_work();
  EXPECT_EQ(strat.log.back(), "timer4");
  EXPECT_EQ(core->counters().timers_fired, 4u);
}

TEST_F(CoreTest, SteadyStateCycleDoesNotAllocate) {
  build();
  // Warm up (the strategy's own log allocates; count only the core's work).
  strat.log.reserve(1024);
  for (int k = 0; k < 10; ++k) {
    ASSERT_TRUE(md.try_push(level(btc_hl, BookSide::kBid, "99", "1", flags::kEndOfBatch)));
    core->do_work();
  }
  strat.log.clear();
  const auto before = g_allocations.load();
  for (int k = 0; k < 200; ++k) {
    ASSERT_TRUE(md.try_push(level(btc_hl, BookSide::kBid, "99", k % 2 ? "1" : "2", 0)));
    ASSERT_TRUE(md.try_push(level(btc_bn, BookSide::kAsk, "101", "1", flags::kEndOfBatch)));
    core->do_work();
    strat.log.clear();
    strat.ctx_->schedule_timer(clock.now_ns(), 9);
    core->do_work();
    strat.log.clear();
  }
  // Strategy log strings are small (SSO), so any allocation here is the core's.
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

}  // namespace
}  // namespace peregrine::engine
