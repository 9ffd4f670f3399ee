#include "gateways/binance/md_gateway.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_transports.hpp"

namespace peregrine::gateways::binance {
namespace {

using common::MdEvent;
using common::MdKind;
using common::Price;
using common::Qty;
using common::ResetReason;
using common::VenueState;
using test::FakeClock;
using test::FakeRest;
using test::FakeWs;
using test::resets_of;
using test::states_of;
namespace bf = common::book_flags;

constexpr common::Nanos kSec = 1'000'000'000;

common::Instrument make_instrument(std::string_view symbol) {
  common::Instrument i;
  i.venue = common::VenueId::kBinance;
  EXPECT_TRUE(i.symbol.assign(symbol));
  EXPECT_TRUE(i.asset.assign(symbol.substr(0, 3)));
  i.tick = *Price::parse("0.1");
  i.lot = *Qty::parse("0.001");
  return i;
}

// The venue doc's diffDepth shape (binance_usdm.md §6.2).
std::string depth(std::uint64_t first, std::uint64_t last, std::uint64_t prev,
                  std::string_view bid = "60000.1", std::string_view bid_qty = "1.5") {
  return R"({"e":"depthUpdate","E":1723100000000,"T":1723099999999,"s":"BTCUSDT","U":)" +
         std::to_string(first) + R"(,"u":)" + std::to_string(last) + R"(,"pu":)" +
         std::to_string(prev) + R"(,"b":[[")" + std::string(bid) + R"(",")" + std::string(bid_qty) +
         R"("]],"a":[["60000.5","0.000"]]})";
}

// REST /fapi/v1/depth body (§ Order Book).
std::string snapshot_body(std::uint64_t last_update_id) {
  return R"({"lastUpdateId":)" + std::to_string(last_update_id) +
         R"(,"E":1723100000000,"T":1723099999990,"bids":[["60000.0","2.000"],["59999.9","1.000"]],)"
         R"("asks":[["60000.2","0.500"]]})";
}

std::string agg_trade(std::uint64_t id) {
  return R"({"e":"aggTrade","E":1723100000001,"s":"BTCUSDT","a":)" + std::to_string(id) +
         R"(,"p":"60000.1","q":"0.010","f":100,"l":105,"T":1723100000000,"m":true})";
}

struct Fixture {
  explicit Fixture(std::size_t queue = 256, bool trade_link = false) : out(queue) {
    btc = *registry.add(make_instrument("BTCUSDT"));
    MdGatewayConfig cfg;
    cfg.symbols = {"BTCUSDT"};
    gw = std::make_unique<BinanceMdGateway>(registry, ws, trade_link ? &tws : nullptr, rest, out,
                                            clock, cfg);
  }
  std::vector<MdEvent> drain() { return test::drain(out); }
  // Open, one buffered diff, snapshot 105 answered, bridged: book synced; queue drained.
  void sync_book() {
    ws.open();
    ws.text(depth(100, 110, 99));
    gw->do_work();
    ASSERT_EQ(rest.reqs.size(), 1u);
    rest.answer(rest.reqs.back().id, 200, snapshot_body(105));
    gw->do_work();
    gw->do_work();
    ASSERT_TRUE(gw->books()[0].sync->synced());
    drain();
  }

  common::InstrumentRegistry registry;
  common::InstrumentId btc;
  FakeClock clock;
  FakeWs ws;
  FakeWs tws;
  FakeRest rest;
  common::SpscQueue<MdEvent> out;
  std::unique_ptr<BinanceMdGateway> gw;
};

TEST(BinanceMdGateway, SubscribesBuffersFetchesSnapshotAndBridges) {
  Fixture f;
  f.ws.open();
  f.gw->do_work();
  ASSERT_EQ(f.ws.sent.size(), 1u);
  EXPECT_EQ(f.ws.sent[0],
            R"({"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@aggTrade"],"id":1})");
  // No snapshot before a diff is buffered (the documented order).
  EXPECT_TRUE(f.rest.reqs.empty());
  f.ws.text(depth(100, 110, 99));
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 1u);
  EXPECT_EQ(f.rest.reqs[0].method, HttpMethod::kGet);
  EXPECT_EQ(f.rest.reqs[0].target, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  f.gw->do_work();
  EXPECT_EQ(f.rest.reqs.size(), 1u);  // one in flight only
  f.rest.answer(1, 200, snapshot_body(105));
  f.ws.text(depth(111, 115, 110, "60000.0", "0"));
  f.gw->do_work();
  auto ev = f.drain();
  ASSERT_GE(ev.size(), 6u);
  EXPECT_EQ(states_of(ev),
            (std::vector<VenueState>{VenueState::kResyncing, VenueState::kConnected}));
  // Snapshot run: 2 bids + 1 ask, begin..end.
  EXPECT_EQ(ev[1].kind, MdKind::kBookDelta);
  EXPECT_TRUE(ev[1].delta.flags & bf::kSnapshotBegin);
  EXPECT_EQ(ev[1].delta.venue_seq, 105u);
  EXPECT_TRUE(ev[3].delta.flags & bf::kSnapshotEnd);
  EXPECT_TRUE(ev[3].delta.flags & bf::kEndOfBatch);
  // Bridged diff 100..110 (2 deltas), then 111..115.
  EXPECT_EQ(ev[4].delta.venue_seq, 110u);
  EXPECT_EQ(ev[5].delta.venue_seq, 110u);
  EXPECT_TRUE(ev[5].delta.flags & bf::kEndOfBatch);
  EXPECT_EQ(ev[6].delta.venue_seq, 115u);
  EXPECT_EQ(ev[6].delta.qty, Qty{});  // deletions first
  EXPECT_EQ(ev[6].delta.instrument, f.btc);
  EXPECT_EQ(f.gw->state(), VenueState::kConnected);
  EXPECT_EQ(f.gw->counters().resets.get(), 0u);
}

TEST(BinanceMdGateway, GapResetsThenRefetchesSnapshot) {
  Fixture f;
  f.sync_book();
  f.ws.text(depth(111, 115, 110));
  f.ws.text(depth(120, 125, 118));  // pu 118 != 115: gap
  f.gw->do_work();
  auto ev = f.drain();
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kSequenceGap}));
  EXPECT_EQ(states_of(ev), (std::vector<VenueState>{VenueState::kResyncing}));
  // The reset went out first in the queue after the last good diff, and a new snapshot is asked.
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  f.rest.answer(2, 200, snapshot_body(122));
  f.ws.text(depth(126, 130, 125));
  f.gw->do_work();
  ev = f.drain();
  ASSERT_FALSE(ev.empty());
  EXPECT_TRUE(ev[0].delta.flags & bf::kSnapshotBegin);
  EXPECT_EQ(ev[0].delta.venue_seq, 122u);
  EXPECT_EQ(ev.back().kind, MdKind::kVenueStatus);
  EXPECT_EQ(ev.back().status.state, VenueState::kConnected);
  EXPECT_EQ(f.gw->books()[0].sync->last_update_id(), 130u);
  EXPECT_EQ(f.gw->counters().resets.get(), 1u);
}

TEST(BinanceMdGateway, FailedOrTooOldSnapshotIsRetriedAfterDelay) {
  Fixture f;
  f.ws.open();
  f.ws.text(depth(100, 110, 99));
  f.gw->do_work();
  f.rest.answer(1, 503, R"({"code":-1001,"msg":"Internal error"})");
  f.gw->do_work();
  EXPECT_EQ(f.rest.reqs.size(), 1u);  // waits snapshot_retry_ns
  f.clock.now += 2 * kSec;
  f.ws.text(depth(111, 115, 110));
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 2u);
  f.rest.answer(2, 200, snapshot_body(90));  // older than every buffered diff: too old
  f.gw->do_work();
  EXPECT_EQ(f.rest.reqs.size(), 2u);
  EXPECT_FALSE(f.gw->books()[0].book_valid);
  f.clock.now += 2 * kSec;
  f.ws.text(depth(116, 120, 115));
  f.gw->do_work();
  ASSERT_EQ(f.rest.reqs.size(), 3u);
  f.rest.answer(3, 200, "{not json");
  f.gw->do_work();
  EXPECT_EQ(f.gw->counters().parse_errors.get(), 1u);
  EXPECT_EQ(f.gw->state(), VenueState::kResyncing);
  EXPECT_TRUE(resets_of(f.drain()).empty());  // the core never had a book
}

TEST(BinanceMdGateway, QueueFullCountsResetsWhenRoomReturnsAndResyncs) {
  Fixture f(8);
  f.sync_book();
  // Fill the queue to the brim (the ring may hold more than the nominal 8).
  int filler = 0;
  while (f.out.try_push(MdEvent(common::Trade{}))) ++filler;
  ASSERT_GT(filler, 0);
  f.ws.text(depth(111, 115, 110));
  f.gw->do_work();
  EXPECT_EQ(f.gw->counters().queue_full.get(), 1u);
  EXPECT_FALSE(f.gw->books()[0].book_valid);
  EXPECT_TRUE(f.gw->books()[0].reset_pending);
  f.ws.text(depth(116, 120, 115));
  f.gw->do_work();
  EXPECT_EQ(f.rest.reqs.size(), 1u);  // no snapshot before the reset is out
  auto ev = f.drain();
  EXPECT_EQ(ev.size(), static_cast<std::size_t>(filler));  // nothing of the dropped diff
  f.gw->do_work();
  ev = f.drain();
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kQueueOverflow}));
  EXPECT_EQ(states_of(ev), (std::vector<VenueState>{VenueState::kResyncing}));
  EXPECT_EQ(ev.front().kind, MdKind::kVenueStatus);  // status first, then the reset
  EXPECT_EQ(f.gw->counters().resets.get(), 1u);
  EXPECT_EQ(f.rest.reqs.size(), 2u);  // resync started (a diff is buffered)
  f.rest.answer(2, 200, snapshot_body(118));
  f.gw->do_work();
  EXPECT_TRUE(f.gw->books()[0].sync->synced());
  EXPECT_TRUE(f.gw->books()[0].book_valid);
}

TEST(BinanceMdGateway, RunIsAllOrNothing) {
  Fixture f(8);
  f.sync_book();
  // Leave exactly one nominal slot: a 2-delta diff does not fit and nothing of it is pushed.
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(f.out.try_push(MdEvent(common::Trade{})));
  f.ws.text(depth(111, 115, 110));
  f.gw->do_work();
  EXPECT_EQ(f.gw->counters().queue_full.get(), 1u);
  auto ev = f.drain();
  for (const auto& e : ev) EXPECT_NE(e.kind, MdKind::kBookDelta);
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kQueueOverflow}));
}

TEST(BinanceMdGateway, StaleFeedResetsAndReconnects) {
  Fixture f;
  f.sync_book();
  f.clock.now += 11 * kSec;
  f.gw->do_work();
  auto ev = f.drain();
  EXPECT_EQ(states_of(ev), (std::vector<VenueState>{VenueState::kStale}));
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kStaleFeed}));
  EXPECT_EQ(f.ws.reconnect_calls, 1);
  EXPECT_EQ(f.gw->counters().stale.get(), 1u);
  // The reconnect resubscribes and resyncs.
  f.ws.open();
  f.ws.text(depth(200, 210, 199));
  f.gw->do_work();
  EXPECT_EQ(f.ws.sent.size(), 2u);
  EXPECT_EQ(f.rest.reqs.size(), 2u);
  EXPECT_EQ(f.gw->counters().reconnects.get(), 1u);
}

TEST(BinanceMdGateway, CloseGivesDownAndOneResetPerValidBook) {
  Fixture f;
  f.sync_book();
  f.ws.close();
  f.gw->do_work();
  auto ev = f.drain();
  EXPECT_EQ(states_of(ev), (std::vector<VenueState>{VenueState::kDown}));
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kReconnect}));
  // No second reset for a book the core already dropped.
  f.ws.open();
  f.ws.close();
  f.gw->do_work();
  EXPECT_TRUE(resets_of(f.drain()).empty());
}

TEST(BinanceMdGateway, TradesOnSecondLinkAreDeduplicated) {
  Fixture f(256, true);
  f.ws.open();
  f.tws.open();
  f.gw->do_work();
  ASSERT_EQ(f.ws.sent.size(), 1u);
  EXPECT_EQ(f.ws.sent[0], R"({"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1})");
  ASSERT_EQ(f.tws.sent.size(), 1u);
  EXPECT_EQ(f.tws.sent[0], R"({"method":"SUBSCRIBE","params":["btcusdt@aggTrade"],"id":2})");
  f.tws.text(agg_trade(5));
  f.tws.text(agg_trade(5));
  f.tws.text(agg_trade(6));
  f.tws.text(R"({"result":null,"id":2})");
  f.gw->do_work();
  std::vector<std::uint64_t> ids;
  for (const auto& e : f.drain()) {
    if (e.kind != MdKind::kTrade) continue;
    ids.push_back(e.trade.venue_seq);
    EXPECT_EQ(e.trade.aggressor, common::Side::kSell);  // m = true: buyer is maker
    EXPECT_EQ(e.trade.price, *Price::parse("60000.1"));
  }
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{5, 6}));
  EXPECT_EQ(f.gw->counters().out_of_order.get(), 1u);
}

TEST(BinanceMdGateway, MalformedFramesAreCountedNotFatal) {
  Fixture f;
  f.sync_book();
  f.ws.text("{");
  f.ws.text(R"({"e":"depthUpdate","s":"BTCUSDT","U":"x"})");
  f.ws.text(depth(111, 115, 110));
  f.gw->do_work();
  EXPECT_EQ(f.gw->counters().parse_errors.get(), 2u);
  EXPECT_EQ(f.gw->books()[0].sync->last_update_id(), 115u);
  EXPECT_EQ(f.gw->state(), VenueState::kConnected);
}

TEST(BinanceMdGateway, UnknownSymbolThrowsAtStartup) {
  common::InstrumentRegistry reg;
  FakeWs ws;
  FakeRest rest;
  FakeClock clock;
  common::SpscQueue<MdEvent> out(16);
  MdGatewayConfig cfg;
  cfg.symbols = {"ETHUSDT"};
  EXPECT_THROW(BinanceMdGateway(reg, ws, nullptr, rest, out, clock, cfg), std::invalid_argument);
}

}  // namespace
}  // namespace peregrine::gateways::binance
