// SimVenue: latency ordering, the conservative queue-position model, marketable orders against
// the visible book, and the latency parser.
#include "engine/replay/sim_venue.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "common/l2_book.hpp"
#include "engine/replay/latency_model.hpp"

namespace peregrine::engine::replay {
namespace {

using common::BookSide;
using common::ExecEvent;
using common::ExecKind;
using common::InstrumentId;
using common::Nanos;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::Side;
using common::VenueId;

Price px(const char* s) { return Price::parse(s).value(); }
Qty qty(const char* s) { return Qty::parse(s).value(); }

class SimVenueTest : public ::testing::Test {
 protected:
  SimVenueTest() : book(64), out(1024) {
    common::Instrument i;
    i.venue = VenueId::kBinance;
    EXPECT_TRUE(i.symbol.assign("BTCUSDT"));
    EXPECT_TRUE(i.asset.assign("BTC"));
    i.tick = px("0.1");
    i.lot = qty("0.001");
    i.maker_fee = common::Rate::parse("0.0002").value();
    i.taker_fee = common::Rate::parse("0.0005").value();
    btc = reg.add(i).value();
    // Visible book, as a snapshot run (worst level first per side): bids 100.0 x 5, 99.9 x 2;
    // asks 100.1 x 3, 100.2 x 4.
    namespace f = common::book_flags;
    snap(BookSide::kBid, "99.9", "2", f::kSnapshotBegin);
    snap(BookSide::kBid, "100.0", "5", 0);
    snap(BookSide::kAsk, "100.2", "4", 0);
    snap(BookSide::kAsk, "100.1", "3", f::kSnapshotEnd | f::kEndOfBatch);
    EXPECT_TRUE(book.is_valid());
  }

  void snap(BookSide side, const char* p, const char* q, std::uint8_t flags) {
    common::BookDelta d;
    d.instrument = btc;
    d.side = side;
    d.price = px(p);
    d.qty = qty(q);
    d.flags = flags;
    static_cast<void>(book.apply(d));
  }

  std::unique_ptr<SimVenue> make(LatencySpec lat = {}, std::uint64_t seed = 1) {
    return std::make_unique<SimVenue>(
        VenueId::kBinance, reg,
        [this](InstrumentId id) -> const common::L2Book* { return id == btc ? &book : nullptr; },
        lat, seed);
  }

  common::OrderIntent limit(Side side, const char* p, const char* q, std::uint64_t n,
                            common::TimeInForce tif = common::TimeInForce::kGtc) {
    common::OrderIntent o;
    o.action = common::IntentAction::kNew;
    o.cloid = common::ClientOrderId{7, n};
    o.instrument = btc;
    o.venue = VenueId::kBinance;
    o.strategy = common::StrategyId{1};
    o.side = side;
    o.type = common::OrderType::kLimit;
    o.tif = tif;
    o.price = px(p);
    o.qty = qty(q);
    return o;
  }

  void trade(SimVenue& v, const char* p, const char* q, Side aggressor, Nanos t) {
    common::Trade tr;
    tr.instrument = btc;
    tr.venue = VenueId::kBinance;
    tr.price = px(p);
    tr.qty = qty(q);
    tr.aggressor = aggressor;
    v.on_md(common::MdEvent(tr), t);
  }

  void delta(SimVenue& v, BookSide side, const char* p, const char* q, Nanos t) {
    common::BookDelta d;
    d.instrument = btc;
    d.venue = VenueId::kBinance;
    d.side = side;
    d.price = px(p);
    d.qty = qty(q);
    d.flags = common::book_flags::kEndOfBatch;
    v.on_md(common::MdEvent(d), t);
    static_cast<void>(book.apply(d));
  }

  std::vector<ExecEvent> drain(SimVenue& v, Nanos now) {
    static_cast<void>(v.run_due(now, out));
    std::vector<ExecEvent> got;
    ExecEvent e;
    while (out.try_pop(e)) got.push_back(e);
    return got;
  }

  static Qty filled(const std::vector<ExecEvent>& ev) {
    Qty q;
    for (const ExecEvent& e : ev) {
      if (e.kind == ExecKind::kFill) q += e.fill.qty;
    }
    return q;
  }

  common::InstrumentRegistry reg;
  InstrumentId btc;
  common::L2Book book;
  common::SpscQueue<ExecEvent> out;
};

TEST_F(SimVenueTest, FixedLatencyDelaysArrivalAndReport) {
  LatencySpec lat;
  lat.fixed = 1'000'000;  // 1 ms each way
  auto v = make(lat);
  v->send(limit(Side::kBuy, "99.0", "1", 1), 10'000'000);
  EXPECT_EQ(v->next_due(), 11'000'000);
  EXPECT_TRUE(drain(*v, 10'999'999).empty());
  EXPECT_TRUE(drain(*v, 11'000'000).empty());  // arrived; the ack is on its way back
  EXPECT_EQ(v->next_due(), 12'000'000);
  const auto ev = drain(*v, 12'000'000);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kNew);
  EXPECT_EQ(ev[0].update.ts_venue, 11'000'000);
  EXPECT_EQ(ev[0].update.ts_recv, 12'000'000);
  EXPECT_EQ(ev[0].update.cloid, (common::ClientOrderId{7, 1}));
}

TEST_F(SimVenueTest, RestingOrderFillsOnlyAfterTheVisibleQueueDrainsByTrades) {
  auto v = make();
  v->send(limit(Side::kBuy, "100.0", "1", 1), 1);
  ASSERT_EQ(drain(*v, 1).size(), 1u);  // ack; 5 ahead of us
  ASSERT_EQ(v->resting_orders(), 1u);
  trade(*v, "100.0", "3", Side::kSell, 2);  // 2 left ahead
  EXPECT_EQ(filled(drain(*v, 2)), Qty{});
  trade(*v, "100.1", "9", Side::kBuy, 3);  // the other side: no effect on our queue
  EXPECT_EQ(filled(drain(*v, 3)), Qty{});
  trade(*v, "100.0", "2.4", Side::kSell, 4);  // 2 drains the queue, 0.4 reaches us
  const auto ev = drain(*v, 4);
  EXPECT_EQ(filled(ev), qty("0.4"));
  for (const ExecEvent& e : ev) {
    if (e.kind == ExecKind::kFill) {
      EXPECT_EQ(e.fill.liquidity, common::Liquidity::kMaker);
      EXPECT_EQ(e.fill.price, px("100.0"));
    }
  }
  trade(*v, "100.0", "5", Side::kSell, 5);
  EXPECT_EQ(filled(drain(*v, 5)), qty("0.6"));
  EXPECT_EQ(v->resting_orders(), 0u);
}

TEST_F(SimVenueTest, ShrinkingLevelCapsTheQueueButIsNotAFill) {
  auto v = make();
  v->send(limit(Side::kBuy, "100.0", "1", 1), 1);
  static_cast<void>(drain(*v, 1));
  delta(*v, BookSide::kBid, "100.0", "0.5", 2);  // cancels: at most 0.5 can be ahead now
  EXPECT_EQ(filled(drain(*v, 2)), Qty{});
  delta(*v, BookSide::kBid, "100.0", "7", 3);  // new orders join behind us
  EXPECT_EQ(filled(drain(*v, 3)), Qty{});
  trade(*v, "100.0", "1", Side::kSell, 4);  // 0.5 ahead, then 0.5 for us
  EXPECT_EQ(filled(drain(*v, 4)), qty("0.5"));
}

TEST_F(SimVenueTest, TradeThroughOrCrossingQuoteFillsEverything) {
  auto v = make();
  v->send(limit(Side::kBuy, "99.9", "1", 1), 1);
  v->send(limit(Side::kSell, "100.2", "1", 2), 1);
  static_cast<void>(drain(*v, 1));
  trade(*v, "99.8", "0.1", Side::kSell, 2);  // traded below our bid: we were hit first
  EXPECT_EQ(filled(drain(*v, 2)), qty("1"));
  delta(*v, BookSide::kBid, "100.2", "1", 3);  // a bid at our ask would have traded with us
  EXPECT_EQ(filled(drain(*v, 3)), qty("1"));
  EXPECT_EQ(v->resting_orders(), 0u);
}

TEST_F(SimVenueTest, MarketableOrderTakesVisibleLevelsAsTaker) {
  auto v = make();
  v->send(limit(Side::kBuy, "100.2", "5", 1, common::TimeInForce::kIoc), 1);
  const auto ev = drain(*v, 1);
  EXPECT_EQ(filled(ev), qty("5"));
  Qty at_best;
  for (const ExecEvent& e : ev) {
    if (e.kind != ExecKind::kFill) continue;
    EXPECT_EQ(e.fill.liquidity, common::Liquidity::kTaker);
    if (e.fill.price == px("100.1")) at_best += e.fill.qty;
  }
  EXPECT_EQ(at_best, qty("3"));  // best level first, then 2 at 100.2
  EXPECT_EQ(v->exchange().open_order_count(v->account()), 0u);
}

TEST_F(SimVenueTest, PostOnlyThatWouldCrossIsRejectedAndCancelOfUnknownIsAnswered) {
  auto v = make();
  v->send(limit(Side::kBuy, "100.1", "1", 1, common::TimeInForce::kPostOnly), 1);
  const auto ev = drain(*v, 1);
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().kind, ExecKind::kOrderUpdate);
  EXPECT_EQ(ev.back().update.status, OrderStatus::kRejected);
  EXPECT_EQ(ev.back().update.reject, common::RejectReason::kPostOnlyWouldCross);
  common::OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.target = common::ClientOrderId{7, 99};
  c.instrument = btc;
  c.venue = VenueId::kBinance;
  v->send(c, 2);
  EXPECT_TRUE(drain(*v, 2).empty());
  EXPECT_EQ(v->stats().failed_requests, 1u);
}

TEST_F(SimVenueTest, CancelLeavesTheBookAndIsReported) {
  auto v = make();
  v->send(limit(Side::kSell, "100.5", "1", 1), 1);
  static_cast<void>(drain(*v, 1));
  common::OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.target = common::ClientOrderId{7, 1};
  c.instrument = btc;
  c.venue = VenueId::kBinance;
  v->send(c, 2);
  const auto ev = drain(*v, 2);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].update.status, OrderStatus::kCancelled);
  EXPECT_EQ(v->resting_orders(), 0u);
}

TEST(LatencyModelTest, ParsesAndSamplesDeterministically) {
  LatencySpec s;
  std::string err;
  ASSERT_TRUE(parse_latency("fixed:250us", &s, &err)) << err;
  EXPECT_EQ(s.kind, LatencySpec::Kind::kFixed);
  EXPECT_EQ(s.fixed, 250'000);
  ASSERT_TRUE(parse_latency("lognormal:2ms,0.5", &s, &err)) << err;
  EXPECT_EQ(s.median, 2'000'000);
  EXPECT_DOUBLE_EQ(s.sigma, 0.5);
  for (const char* bad :
       {"", "fixed", "fixed:-1ms", "fixed:abc", "lognormal:2ms", "lognormal:0ms,0.5",
        "lognormal:2ms,x", "lognormal:2ms,-1", "uniform:1ms"}) {
    EXPECT_FALSE(parse_latency(bad, &s, &err)) << bad;
    EXPECT_FALSE(err.empty());
  }
  ASSERT_TRUE(parse_latency("lognormal:2ms,0.5", &s, &err));
  LatencyModel a(s, 42), b(s, 42), c(s, 43);
  bool differs = false;
  std::vector<Nanos> draws;
  for (int i = 0; i < 1000; ++i) {
    const Nanos x = a.sample();
    EXPECT_EQ(x, b.sample());
    differs |= x != c.sample();
    EXPECT_GE(x, 0);
    EXPECT_LE(x, LatencyModel::kMaxLatency);
    draws.push_back(x);
  }
  EXPECT_TRUE(differs);
  std::sort(draws.begin(), draws.end());
  EXPECT_GT(draws[500], 1'700'000);  // the median is about 2 ms
  EXPECT_LT(draws[500], 2'300'000);
}

}  // namespace
}  // namespace peregrine::engine::replay
