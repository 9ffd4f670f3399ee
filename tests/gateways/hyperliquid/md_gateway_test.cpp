#include "gateways/hyperliquid/md_gateway.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/l2_book.hpp"
#include "support/fake_transports.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

using common::BookSide;
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

common::Instrument make_instrument(std::string_view symbol, std::int32_t asset) {
  common::Instrument i;
  i.venue = common::VenueId::kHyperliquid;
  EXPECT_TRUE(i.symbol.assign(symbol));
  EXPECT_TRUE(i.asset.assign(symbol));
  i.tick = *Price::parse("0.1");
  i.lot = *Qty::parse("0.00001");
  i.asset_index = asset;
  i.size_decimals = 5;
  return i;
}

// The venue doc's l2Book shape (section 10.2), keys in both orders as in the real captures.
std::string book_frame(std::uint64_t time_ms, std::string_view bid_px = "42727.0") {
  return R"({"channel":"l2Book","data":{"coin":"BTC","time":)" + std::to_string(time_ms) +
         R"(,"levels":[[{"px":")" + std::string(bid_px) +
         R"(","sz":"0.02265","n":1},{"n":3,"px":"42726.0","sz":"1.5"}],)"
         R"([{"px":"42728.0","sz":"0.5","n":2},{"px":"42729.5","sz":"2","n":1}]]}})";
}

std::string one_trade(std::uint64_t time_ms) {
  return R"({"channel":"trades","data":[{"coin":"BTC","side":"B","px":"42727.0","sz":"0.1","time":)" +
         std::to_string(time_ms) + R"(,"hash":"0x1","tid":7,"users":["0x1","0x2"]}]})";
}

struct Fixture {
  explicit Fixture(std::size_t queue = 256, MdGatewayConfig cfg = {}) : out(queue) {
    btc = *registry.add(make_instrument("BTC", 0));
    eth = *registry.add(make_instrument("ETH", 1));
    if (cfg.coins.empty()) cfg.coins = {"BTC"};
    gw = std::make_unique<HlMdGateway>(registry, ws, out, clock, cfg);
  }
  std::vector<MdEvent> drain() { return test::drain(out); }
  // Opens the link and delivers one snapshot, then drains everything.
  void connect_with_snapshot(std::uint64_t ms) {
    ws.open();
    ws.text(book_frame(ms));
    gw->do_work();
    drain();
  }

  common::InstrumentRegistry registry;
  common::InstrumentId btc, eth;
  FakeClock clock;
  FakeWs ws;
  common::SpscQueue<MdEvent> out;
  std::unique_ptr<HlMdGateway> gw;
};

TEST(HlMdGateway, SubscribesEveryFeedOnOpen) {
  MdGatewayConfig cfg;
  cfg.coins = {"BTC", "ETH"};
  Fixture f(256, cfg);
  f.ws.open();
  f.gw->do_work();
  const std::vector<std::string> want = {
      R"({"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}})",
      R"({"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}})",
      R"({"method":"subscribe","subscription":{"type":"bbo","coin":"BTC"}})",
      R"({"method":"subscribe","subscription":{"type":"l2Book","coin":"ETH"}})",
      R"({"method":"subscribe","subscription":{"type":"trades","coin":"ETH"}})",
      R"({"method":"subscribe","subscription":{"type":"bbo","coin":"ETH"}})",
  };
  EXPECT_EQ(f.ws.sent, want);
  EXPECT_EQ(states_of(f.drain()), std::vector<VenueState>{VenueState::kResyncing});
}

TEST(HlMdGateway, UnknownCoinInConfigIsAStartUpError) {
  common::InstrumentRegistry reg;
  FakeClock clock;
  FakeWs ws;
  common::SpscQueue<MdEvent> out(16);
  MdGatewayConfig cfg;
  cfg.coins = {"DOGE"};
  EXPECT_THROW(HlMdGateway(reg, ws, out, clock, cfg), std::invalid_argument);
}

TEST(HlMdGateway, SnapshotBecomesOneExactRunAndTheBookEqualsTheFrame) {
  Fixture f;
  f.ws.open();
  f.ws.text(book_frame(1704110399915));
  f.gw->do_work();
  const auto ev = f.drain();
  // status resyncing, 4 deltas, status connected
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0].kind, MdKind::kVenueStatus);
  EXPECT_EQ(ev[0].status.state, VenueState::kResyncing);
  struct Want {
    BookSide side;
    const char* px;
    const char* sz;
    std::uint8_t flags;
  };
  const Want want[] = {{BookSide::kBid, "42727.0", "0.02265", bf::kSnapshotBegin},
                       {BookSide::kBid, "42726.0", "1.5", 0},
                       {BookSide::kAsk, "42728.0", "0.5", 0},
                       {BookSide::kAsk, "42729.5", "2", bf::kSnapshotEnd | bf::kEndOfBatch}};
  common::L2Book book;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& e = ev[1 + i];
    ASSERT_EQ(e.kind, MdKind::kBookDelta);
    EXPECT_EQ(e.delta.side, want[i].side) << i;
    EXPECT_EQ(e.delta.price, *Price::parse(want[i].px)) << i;
    EXPECT_EQ(e.delta.qty, *Qty::parse(want[i].sz)) << i;
    EXPECT_EQ(e.delta.flags, want[i].flags) << i;
    EXPECT_EQ(e.delta.instrument, f.btc);
    EXPECT_EQ(e.delta.venue_seq, 1704110399915u);
    EXPECT_EQ(e.delta.ts_venue, 1704110399915LL * 1'000'000);
    (void)book.apply(e.delta);
  }
  EXPECT_EQ(ev[5].kind, MdKind::kVenueStatus);
  EXPECT_EQ(ev[5].status.state, VenueState::kConnected);
  ASSERT_TRUE(book.is_valid());
  const std::vector<common::Level> bids = {{*Price::parse("42727"), *Qty::parse("0.02265")},
                                           {*Price::parse("42726"), *Qty::parse("1.5")}};
  const std::vector<common::Level> asks = {{*Price::parse("42728"), *Qty::parse("0.5")},
                                           {*Price::parse("42729.5"), *Qty::parse("2")}};
  ASSERT_EQ(book.depth(BookSide::kBid), bids.size());
  ASSERT_EQ(book.depth(BookSide::kAsk), asks.size());
  for (std::size_t i = 0; i < bids.size(); ++i) EXPECT_EQ(book.level(BookSide::kBid, i), bids[i]);
  for (std::size_t i = 0; i < asks.size(); ++i) EXPECT_EQ(book.level(BookSide::kAsk, i), asks[i]);
  EXPECT_EQ(f.gw->state(), VenueState::kConnected);
  EXPECT_EQ(f.gw->counters().frames.get(), 1u);
}

TEST(HlMdGateway, SecondSnapshotReplacesTheBook) {
  Fixture f;
  f.connect_with_snapshot(1000);
  f.ws.text(
      R"({"channel":"l2Book","data":{"coin":"BTC","time":2000,"levels":[[{"px":"100.5","sz":"1","n":1}],[]]}})");
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].delta.flags, bf::kSnapshotBegin | bf::kSnapshotEnd | bf::kEndOfBatch);
  EXPECT_EQ(ev[0].delta.price, *Price::parse("100.5"));
}

TEST(HlMdGateway, OlderSnapshotIsDroppedAndCounted) {
  Fixture f;
  f.connect_with_snapshot(5000);
  f.ws.text(book_frame(4999));
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.gw->counters().out_of_order.get(), 1u);
  f.ws.text(book_frame(5000));  // same block time: accepted
  f.gw->do_work();
  EXPECT_EQ(f.drain().size(), 4u);
}

TEST(HlMdGateway, TradesAreForwardedAndReplayedOnesDropped) {
  Fixture f;
  f.connect_with_snapshot(1000);
  const std::string trades =
      R"({"channel":"trades","data":[{"coin":"BTC","side":"B","px":"105056.0","sz":"0.00219",)"
      R"("time":1737918794873,"hash":"0xabc","tid":121451470284048,"users":["0x1","0x2"]},)"
      R"({"coin":"BTC","side":"A","px":"105055.0","sz":"0.1","time":1737918794900,"hash":"0xabd",)"
      R"("tid":5,"users":["0x1","0x2"]}]})";
  f.ws.text(trades);
  f.gw->do_work();
  auto ev = f.drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, MdKind::kTrade);
  EXPECT_EQ(ev[0].trade.trade_id, 121451470284048u);
  EXPECT_EQ(ev[0].trade.aggressor, common::Side::kBuy);
  EXPECT_EQ(ev[1].trade.aggressor, common::Side::kSell);
  // A resubscribe replays recent trades: the older one is a repeat.
  f.ws.text(R"({"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1.0","sz":"1",)"
            R"("time":1737918794873,"hash":"0x1","tid":1,"users":["0x1","0x2"]}]})");
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.gw->counters().out_of_order.get(), 1u);
}

TEST(HlMdGateway, BboIsKeptPerCoin) {
  Fixture f;
  f.connect_with_snapshot(1000);
  f.ws.text(
      R"({"channel":"bbo","data":{"coin":"BTC","time":1001,"bbo":[{"px":"42727.0","sz":"1","n":1},null]}})");
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  const Bbo& b = f.gw->coins()[0].last_bbo;
  EXPECT_TRUE(b.has_bid);
  EXPECT_FALSE(b.has_ask);
  EXPECT_EQ(b.bid_price, *Price::parse("42727"));
}

TEST(HlMdGateway, MalformedFrameIsCountedAndChangesNothing) {
  Fixture f;
  f.connect_with_snapshot(1000);
  f.ws.text(
      R"({"channel":"l2Book","data":{"coin":"BTC","time":2000,"levels":[[{"px":"abc","sz":"1","n":1}],[]]}})");
  f.ws.text("{not json");
  f.gw->do_work();
  EXPECT_TRUE(f.drain().empty());
  EXPECT_EQ(f.gw->counters().parse_errors.get(), 2u);
  EXPECT_TRUE(f.gw->coins()[0].book_valid);
}

TEST(HlMdGateway, SilentConnectionGoesStaleResetsAndReconnects) {
  Fixture f;
  f.connect_with_snapshot(1000);
  f.clock.now += 15 * kSec;  // exactly the limit: not yet stale
  f.gw->do_work();
  EXPECT_TRUE(resets_of(f.drain()).empty());
  f.clock.now += 1;
  f.gw->do_work();
  const auto ev = f.drain();
  EXPECT_EQ(states_of(ev), std::vector<VenueState>{VenueState::kStale});
  EXPECT_EQ(resets_of(ev), std::vector<ResetReason>{ResetReason::kStaleFeed});
  EXPECT_EQ(ev[1].reset.instrument, f.btc);
  EXPECT_EQ(f.ws.reconnect_calls, 1);
  EXPECT_EQ(f.gw->counters().stale.get(), 1u);
  // The transport reconnects: resubscribe, resync, connected again, and no second reset.
  f.ws.sent.clear();
  f.ws.close();
  f.ws.open();
  f.ws.text(book_frame(20000));
  f.gw->do_work();
  const auto ev2 = f.drain();
  EXPECT_EQ(states_of(ev2), (std::vector<VenueState>{VenueState::kDown, VenueState::kResyncing,
                                                     VenueState::kConnected}));
  EXPECT_TRUE(resets_of(ev2).empty());
  EXPECT_EQ(f.ws.sent.size(), 3u);
  EXPECT_EQ(f.gw->counters().reconnects.get(), 1u);
}

TEST(HlMdGateway, OneCoinWithoutBooksIsResetAndResubscribed) {
  MdGatewayConfig cfg;
  cfg.coins = {"BTC"};
  cfg.stale_after_ns = 100 * kSec;
  Fixture f(256, cfg);
  f.connect_with_snapshot(1000);
  f.ws.sent.clear();
  f.clock.now += 21 * kSec;
  f.ws.text(R"({"channel":"pong"})");  // the link is alive, the book feed is not
  f.gw->do_work();
  const auto ev = f.drain();
  EXPECT_EQ(resets_of(ev), std::vector<ResetReason>{ResetReason::kStaleFeed});
  EXPECT_EQ(states_of(ev), std::vector<VenueState>{VenueState::kResyncing});
  ASSERT_GE(f.ws.sent.size(), 2u);
  EXPECT_EQ(f.ws.sent[0],
            R"({"method":"unsubscribe","subscription":{"type":"l2Book","coin":"BTC"}})");
  EXPECT_EQ(f.ws.sent[1],
            R"({"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}})");
  f.ws.text(book_frame(30000));
  f.gw->do_work();
  EXPECT_EQ(states_of(f.drain()), std::vector<VenueState>{VenueState::kConnected});
}

TEST(HlMdGateway, DisconnectResetsEveryValidBook) {
  MdGatewayConfig cfg;
  cfg.coins = {"BTC", "ETH"};
  Fixture f(256, cfg);
  f.connect_with_snapshot(1000);  // BTC valid, ETH never had a snapshot
  f.ws.close();
  f.gw->do_work();
  const auto ev = f.drain();
  EXPECT_EQ(states_of(ev), std::vector<VenueState>{VenueState::kDown});
  ASSERT_EQ(resets_of(ev), std::vector<ResetReason>{ResetReason::kReconnect});
  EXPECT_EQ(f.gw->counters().resets.get(), 1u);
}

TEST(HlMdGateway, PingsWhenIdleFor30Seconds) {
  MdGatewayConfig cfg;
  cfg.coins = {"BTC"};
  cfg.stale_after_ns = 100 * kSec;
  cfg.book_stale_after_ns = 100 * kSec;
  Fixture f(256, cfg);
  f.connect_with_snapshot(1000);
  f.ws.sent.clear();
  f.clock.now += 29 * kSec;
  f.gw->do_work();
  EXPECT_TRUE(f.ws.sent.empty());
  f.clock.now += 1 * kSec;
  f.gw->do_work();
  ASSERT_EQ(f.ws.sent.size(), 1u);
  EXPECT_EQ(f.ws.sent[0], R"({"method":"ping"})");
  f.gw->do_work();  // not again until another 30 s pass
  EXPECT_EQ(f.ws.sent.size(), 1u);
}

TEST(HlMdGateway, FullQueueCountsThenResetsAndResyncsWhenSpaceReturns) {
  Fixture f(7);  // 2^k - 1: the queue holds exactly 7
  f.ws.open();
  f.ws.text(book_frame(1000));
  f.ws.text(one_trade(1000));
  f.gw->do_work();  // resyncing + 4 deltas + connected + trade = 7: full
  f.ws.sent.clear();
  f.ws.text(book_frame(2000));
  f.gw->do_work();  // does not fit: nothing partial is pushed
  EXPECT_EQ(f.gw->counters().queue_full.get(), 1u);
  EXPECT_FALSE(f.gw->coins()[0].book_valid);
  auto ev = f.drain();
  ASSERT_EQ(ev.size(), 7u);  // only the first run and the trade
  for (const auto& e : ev) EXPECT_NE(e.kind, MdKind::kBookReset);
  // Space is back: the reset goes out first, then the coin is resubscribed.
  f.gw->do_work();
  ev = f.drain();
  ASSERT_EQ(resets_of(ev), std::vector<ResetReason>{ResetReason::kQueueOverflow});
  EXPECT_EQ(ev[0].kind, MdKind::kBookReset);
  ASSERT_EQ(f.ws.sent.size(), 2u);
  EXPECT_NE(f.ws.sent[1].find(R"("subscribe","subscription":{"type":"l2Book")"), std::string::npos);
  f.ws.text(book_frame(3000));
  f.gw->do_work();
  ev = f.drain();
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].delta.flags, bf::kSnapshotBegin);
  EXPECT_TRUE(f.gw->coins()[0].book_valid);
  EXPECT_EQ(f.gw->counters().resets.get(), 1u);
}

TEST(HlMdGateway, ResetStillPendingBlocksSnapshotsUntilItIsDelivered) {
  Fixture f(7);
  f.ws.open();
  f.ws.text(book_frame(1000));
  f.ws.text(one_trade(1000));
  f.gw->do_work();
  f.ws.text(book_frame(2000));  // overflow: reset pending
  f.gw->do_work();
  f.ws.text(book_frame(2500));  // queue still full: the reset cannot go, so neither can this
  f.gw->do_work();
  EXPECT_EQ(f.out.size_approx(), 7u);
  EXPECT_EQ(f.gw->counters().queue_full.get(), 1u);
  f.drain();
  f.ws.text(book_frame(2600));  // space: the reset goes first, then this snapshot resyncs
  f.gw->do_work();
  const auto ev = f.drain();
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0].kind, MdKind::kBookReset);
  EXPECT_EQ(ev[1].delta.flags, bf::kSnapshotBegin);
  EXPECT_EQ(ev[1].delta.venue_seq, 2600u);
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
