#include "gateways/bybit/md_gateway.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/fake_transports.hpp"

namespace peregrine::gateways::bybit {
namespace {

using common::MdEvent;
using common::MdKind;
using common::Price;
using common::Qty;
using common::ResetReason;
using common::VenueState;
using test::FakeClock;
using test::FakeWs;
using test::resets_of;
using test::states_of;
namespace bf = common::book_flags;

constexpr common::Nanos kSec = 1'000'000'000;

// Venue doc shapes (bybit_v5.md §5.2, §5.3).
std::string book(std::string_view type, std::uint64_t u, std::string_view bid_qty = "0.006") {
  return R"({"topic":"orderbook.50.BTCUSDT","type":")" + std::string(type) +
         R"(","ts":1672304484978,"data":{"s":"BTCUSDT","b":[["16493.50",")" + std::string(bid_qty) +
         R"("]],"a":[["16611.00","0.029"]],"u":)" + std::to_string(u) +
         R"(,"seq":7961638724},"cts":1672304484976})";
}

std::string trades() {
  return R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[)"
         R"({"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick",)"
         R"("i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false,"seq":1783284617}]})";
}

struct Fixture {
  explicit Fixture(std::size_t queue = 256) : out(queue) {
    common::Instrument i;
    i.venue = common::VenueId::kBybit;
    EXPECT_TRUE(i.symbol.assign("BTCUSDT"));
    EXPECT_TRUE(i.asset.assign("BTC"));
    i.tick = *Price::parse("0.1");
    i.lot = *Qty::parse("0.001");
    btc = *registry.add(i);
    MdGatewayConfig cfg;
    cfg.symbols = {"BTCUSDT"};
    gw = std::make_unique<BybitMdGateway>(registry, ws, out, clock, cfg);
  }
  std::vector<MdEvent> drain() { return test::drain(out); }
  void connect() {
    ws.open();
    ws.text(book("snapshot", 100));
    gw->do_work();
    drain();
  }

  common::InstrumentRegistry registry;
  common::InstrumentId btc;
  FakeClock clock;
  FakeWs ws;
  common::SpscQueue<MdEvent> out;
  std::unique_ptr<BybitMdGateway> gw;
};

TEST(BybitMdGateway, SubscribesThenSnapshotAndDeltasFlow) {
  Fixture f;
  f.ws.open();
  f.gw->do_work();
  ASSERT_EQ(f.ws.sent.size(), 1u);
  EXPECT_EQ(f.ws.sent[0],
            R"({"op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT"]})");
  f.ws.text(book("delta", 99));  // before any snapshot: dropped
  f.ws.text(book("snapshot", 100));
  f.ws.text(book("delta", 101, "0"));
  f.ws.text(trades());
  f.gw->do_work();
  const auto ev = f.drain();
  EXPECT_EQ(states_of(ev),
            (std::vector<VenueState>{VenueState::kResyncing, VenueState::kConnected}));
  std::vector<std::uint64_t> seqs;
  int trades_seen = 0;
  for (const auto& e : ev) {
    if (e.kind == MdKind::kBookDelta) seqs.push_back(e.delta.venue_seq);
    if (e.kind == MdKind::kTrade) {
      ++trades_seen;
      EXPECT_EQ(e.trade.aggressor, common::Side::kBuy);
      EXPECT_EQ(e.trade.instrument, f.btc);
    }
  }
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{100, 100, 101, 101}));
  EXPECT_EQ(trades_seen, 1);
  EXPECT_TRUE(ev[1].delta.flags & bf::kSnapshotBegin);
  EXPECT_TRUE(ev[2].delta.flags & bf::kSnapshotEnd);
  EXPECT_EQ(f.gw->state(), VenueState::kConnected);
}

TEST(BybitMdGateway, GapResetsAndResubscribesUntilNewSnapshot) {
  Fixture f;
  f.connect();
  f.ws.sent.clear();
  f.ws.text(book("delta", 103));  // 101 expected
  f.ws.text(book("delta", 104));  // dropped while waiting
  f.gw->do_work();
  auto ev = f.drain();
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kSequenceGap}));
  EXPECT_EQ(states_of(ev), (std::vector<VenueState>{VenueState::kResyncing}));
  for (const auto& e : ev) EXPECT_NE(e.kind, MdKind::kBookDelta);
  ASSERT_EQ(f.ws.sent.size(), 2u);
  EXPECT_EQ(f.ws.sent[0], R"({"op":"unsubscribe","args":["orderbook.50.BTCUSDT"]})");
  EXPECT_EQ(f.ws.sent[1], R"({"op":"subscribe","args":["orderbook.50.BTCUSDT"]})");
  f.ws.text(book("snapshot", 200));
  f.ws.text(book("delta", 201));
  f.gw->do_work();
  ev = f.drain();
  ASSERT_FALSE(ev.empty());
  EXPECT_TRUE(ev[0].delta.flags & bf::kSnapshotBegin);
  EXPECT_EQ(states_of(ev), (std::vector<VenueState>{VenueState::kConnected}));
  EXPECT_EQ(f.gw->counters().resets.get(), 1u);
}

TEST(BybitMdGateway, QueueFullResetsWhenRoomReturnsThenResubscribes) {
  Fixture f(8);
  f.connect();
  f.ws.sent.clear();
  int filler = 0;
  while (f.out.try_push(MdEvent(common::Trade{}))) ++filler;
  f.ws.text(book("delta", 101));
  f.ws.text(book("delta", 102));  // dropped: awaiting a snapshot
  f.gw->do_work();
  EXPECT_GE(f.gw->counters().queue_full.get(), 1u);
  EXPECT_TRUE(f.ws.sent.empty());  // no resubscribe before the reset is out
  EXPECT_EQ(f.drain().size(), static_cast<std::size_t>(filler));
  f.gw->do_work();
  const auto ev = f.drain();
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kQueueOverflow}));
  ASSERT_EQ(f.ws.sent.size(), 2u);
  EXPECT_EQ(f.ws.sent[1], R"({"op":"subscribe","args":["orderbook.50.BTCUSDT"]})");
}

TEST(BybitMdGateway, PingsAndDetectsStaleFeed) {
  Fixture f;
  f.connect();
  f.ws.sent.clear();
  f.clock.now += 10 * kSec;
  f.ws.text(R"({"success":true,"ret_msg":"pong","conn_id":"x","req_id":"","op":"ping"})");
  f.gw->do_work();
  f.clock.now += 11 * kSec;  // 21 s since the last send
  f.ws.text(book("delta", 101));
  f.gw->do_work();
  ASSERT_EQ(f.ws.sent.size(), 1u);
  EXPECT_EQ(f.ws.sent[0], R"({"op":"ping"})");
  f.drain();
  f.clock.now += 16 * kSec;
  f.gw->do_work();
  const auto ev = f.drain();
  EXPECT_EQ(states_of(ev), (std::vector<VenueState>{VenueState::kStale}));
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kStaleFeed}));
  EXPECT_EQ(f.ws.reconnect_calls, 1);
}

TEST(BybitMdGateway, CloseThenReopenResyncs) {
  Fixture f;
  f.connect();
  f.ws.close();
  f.gw->do_work();
  auto ev = f.drain();
  EXPECT_EQ(states_of(ev), (std::vector<VenueState>{VenueState::kDown}));
  EXPECT_EQ(resets_of(ev), (std::vector<ResetReason>{ResetReason::kReconnect}));
  f.ws.open();
  f.ws.text(book("delta", 101));  // stale delta from before: dropped
  f.ws.text(book("snapshot", 500));
  f.gw->do_work();
  ev = f.drain();
  EXPECT_EQ(states_of(ev),
            (std::vector<VenueState>{VenueState::kResyncing, VenueState::kConnected}));
  EXPECT_EQ(f.gw->counters().reconnects.get(), 1u);
  EXPECT_EQ(f.gw->books()[0].last_u, 500u);
}

TEST(BybitMdGateway, MalformedFrameCounted) {
  Fixture f;
  f.connect();
  f.ws.text("not json");
  f.ws.text(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","u":"x"}})");
  f.ws.text(book("delta", 101));
  f.gw->do_work();
  EXPECT_EQ(f.gw->counters().parse_errors.get(), 2u);
  EXPECT_EQ(f.gw->books()[0].last_u, 101u);
}

}  // namespace
}  // namespace peregrine::gateways::bybit
