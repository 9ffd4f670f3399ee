// CoinbaseMdGateway against scripted fakes: subscriptions (with the WS JWT), book from snapshot +
// updates, the per-connection sequence check (gap -> reset + level2 resubscribe), queue overflow,
// heartbeat staleness and reconnects.
#include "gateways/coinbase/md_gateway.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/l2_book.hpp"
#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/test_keys.hpp"
#include "support/fake_transports.hpp"

namespace peregrine::gateways::coinbase {
namespace {

using common::MdEvent;
using common::MdKind;
using common::Price;
using common::Qty;
using common::ResetReason;
using common::VenueState;
using test::drain;
using test::FakeClock;
using test::FakeWs;
using test::resets_of;
using test::states_of;

constexpr common::Nanos kSec = 1'000'000'000;
constexpr common::Nanos kT0 = 1'790'000'000 * kSec;  // epoch: the JWT cache needs real time
constexpr const char* kKeyName = "organizations/test/apiKeys/md";

Price px(std::string_view s) { return *Price::parse(s); }
Qty qty(std::string_view s) { return *Qty::parse(s); }

std::string frame(std::string_view channel, std::uint64_t seq, std::string_view events) {
  return std::string(R"({"channel":")") + std::string(channel) +
         R"(","client_id":"","timestamp":"2026-09-21T10:00:00.123456Z","sequence_num":)" +
         std::to_string(seq) + R"(,"events":)" + std::string(events) + "}";
}

std::string level(std::string_view side, std::string_view price, std::string_view q) {
  return std::string(R"({"side":")") + std::string(side) +
         R"(","event_time":"2026-09-21T10:00:00.1Z","price_level":")" + std::string(price) +
         R"(","new_quantity":")" + std::string(q) + R"("})";
}

std::string l2(std::uint64_t seq, std::string_view type, std::string_view product,
               const std::vector<std::string>& levels) {
  std::string ups;
  for (const auto& l : levels) ups += (ups.empty() ? "" : ",") + l;
  return frame("l2_data", seq,
               std::string(R"([{"type":")") + std::string(type) + R"(","product_id":")" +
                   std::string(product) + R"(","updates":[)" + ups + "]}]");
}

std::string heartbeat(std::uint64_t seq, std::uint64_t counter) {
  return frame("heartbeats", seq,
               R"([{"current_time":"2026-09-21 10:00:00.1 +0000 UTC m=+1.0","heartbeat_counter":)" +
                   std::to_string(counter) + "}]");
}

std::string snapshot_btc(std::uint64_t seq) {
  return l2(seq, "snapshot", "BTC-PERP-INTX",
            {level("bid", "60000.0", "1.5"), level("bid", "59999.9", "2"),
             level("offer", "60000.1", "0.5"), level("offer", "60000.5", "3")});
}

struct Fixture {
  explicit Fixture(std::size_t queue = 1024, bool with_jwt = false) : clock(kT0), out(queue) {
    for (const char* p : {"BTC-PERP-INTX", "ETH-PERP-INTX"}) {
      common::Instrument i;
      i.venue = common::VenueId::kCoinbase;
      EXPECT_TRUE(i.symbol.assign(p));
      EXPECT_TRUE(i.asset.assign(std::string_view(p).substr(0, 3)));
      i.tick = px("0.1");
      i.lot = qty("0.0001");
      EXPECT_TRUE(reg.add(i).ok());
    }
    cfg.products = {"BTC-PERP-INTX", "ETH-PERP-INTX"};
    JwtCache* cache = nullptr;
    if (with_jwt) {
      auto key =
          EcKey::from_pem(testing::to_pem(testing::generate_ec().get(), testing::PemKind::kSec1));
      EXPECT_TRUE(key.ok());
      key_ = *key;
      minter = std::make_unique<JwtMinter>(key_, kKeyName);
      jwt = JwtCache::websocket(*minter);
      EXPECT_EQ(jwt->refresh(clock.now), JwtCache::Refresh::kMinted);
      cache = jwt.get();
    }
    gw = std::make_unique<CoinbaseMdGateway>(reg, ws, out, clock, cfg, cache);
  }
  void open() {
    ws.open();
    (void)gw->do_work();
  }
  std::vector<MdEvent> feed(const std::string& text) {
    ws.text(text);
    (void)gw->do_work();
    return drain(out);
  }
  // Applies everything pushed so far to the core-side books.
  void apply(const std::vector<MdEvent>& ev) {
    for (const auto& e : ev) {
      L2& b = e.kind == MdKind::kBookDelta   ? book(e.delta.instrument)
              : e.kind == MdKind::kBookReset ? book(e.reset.instrument)
                                             : btc;
      if (e.kind == MdKind::kBookDelta) (void)b.book.apply(e.delta);
      if (e.kind == MdKind::kBookReset) b.book.invalidate(e.reset.reason);
    }
  }
  struct L2 {
    common::L2Book book{256};
  };
  L2& book(common::InstrumentId id) { return id.value == 0 ? btc : eth; }

  FakeClock clock;
  common::InstrumentRegistry reg;
  FakeWs ws;
  common::SpscQueue<MdEvent> out;
  MdGatewayConfig cfg;
  std::shared_ptr<const EcKey> key_;
  std::unique_ptr<JwtMinter> minter;
  std::unique_ptr<JwtCache> jwt;
  std::unique_ptr<CoinbaseMdGateway> gw;
  L2 btc;
  L2 eth;
};

std::size_t count_sent(const FakeWs& ws, std::string_view needle) {
  std::size_t n = 0;
  for (const auto& s : ws.sent) n += s.find(needle) != std::string::npos ? 1u : 0u;
  return n;
}

TEST(CoinbaseMdGateway, SubscribesEveryChannelWithAVerifiableJwt) {
  Fixture f(1024, true);
  f.open();
  ASSERT_EQ(f.ws.sent.size(), 3u);
  EXPECT_NE(f.ws.sent[0].find(R"("channel":"heartbeats")"), std::string::npos);
  EXPECT_NE(f.ws.sent[1].find(R"("channel":"level2")"), std::string::npos);
  EXPECT_NE(f.ws.sent[2].find(R"("channel":"market_trades")"), std::string::npos);
  for (const auto& s : f.ws.sent) {
    EXPECT_NE(s.find(R"("type":"subscribe")"), std::string::npos) << s;
    EXPECT_NE(s.find(R"(["BTC-PERP-INTX","ETH-PERP-INTX"])"), std::string::npos) << s;
    const auto at = s.find(R"("jwt":")");
    ASSERT_NE(at, std::string::npos) << s;
    const std::string token = s.substr(at + 7, s.find('"', at + 7) - at - 7);
    JwtVerifyOptions opt;
    opt.now_s = kT0 / kSec;
    opt.key_name = kKeyName;
    opt.websocket = true;
    EXPECT_TRUE(verify_jwt(token, *f.key_, opt).ok());
  }
  EXPECT_EQ(states_of(drain(f.out)), std::vector<VenueState>{VenueState::kResyncing});
}

TEST(CoinbaseMdGateway, BookFromSnapshotAndAbsoluteUpdates) {
  Fixture f;
  f.open();
  (void)drain(f.out);
  auto ev = f.feed(snapshot_btc(0));
  f.apply(ev);
  ev = f.feed(l2(1, "snapshot", "ETH-PERP-INTX",
                 {level("bid", "3000.00", "4"), level("offer", "3000.10", "1")}));
  f.apply(ev);
  EXPECT_EQ(states_of(ev), std::vector<VenueState>{VenueState::kConnected});
  // new_quantity is the absolute size: 1.5 -> 0.7 replaces, "0" deletes.
  ev = f.feed(l2(2, "update", "BTC-PERP-INTX",
                 {level("bid", "60000.0", "0.7"), level("offer", "60000.1", "0")}));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE((ev.back().delta.flags & common::book_flags::kEndOfBatch) != 0);
  f.apply(ev);
  ASSERT_TRUE(f.btc.book.is_valid());
  EXPECT_EQ(f.btc.book.best_bid().price, px("60000.0"));
  EXPECT_EQ(f.btc.book.best_bid().qty, qty("0.7"));
  EXPECT_EQ(f.btc.book.best_ask().price, px("60000.5"));
  EXPECT_EQ(f.btc.book.depth(common::BookSide::kBid), 2u);
  EXPECT_EQ(f.eth.book.best_ask().price, px("3000.10"));
  EXPECT_EQ(f.gw->state(), VenueState::kConnected);
}

TEST(CoinbaseMdGateway, TradesTakeTheAggressorOppositeToTheMakerSide) {
  Fixture f;
  f.open();
  (void)drain(f.out);
  const auto ev = f.feed(frame(
      "market_trades", 0,
      R"([{"type":"update","trades":[{"trade_id":"77","product_id":"BTC-PERP-INTX","price":"60000.1","size":"0.01","side":"SELL","time":"2026-09-21T10:00:00.5Z"}]}])"));
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_EQ(ev[0].kind, MdKind::kTrade);
  EXPECT_EQ(ev[0].trade.aggressor, common::Side::kBuy);
  EXPECT_EQ(ev[0].trade.price, px("60000.1"));
}

TEST(CoinbaseMdGateway, SequenceGapAcrossChannelsResetsAndResubscribesLevel2) {
  Fixture f;
  f.open();
  f.apply(f.feed(snapshot_btc(0)));
  f.apply(f.feed(l2(1, "snapshot", "ETH-PERP-INTX", {level("bid", "3000.00", "4")})));
  f.apply(f.feed(heartbeat(2, 1)));
  f.ws.sent.clear();
  // sequence_num 3 is missing: the heartbeat at 4 shows the gap (one counter per connection).
  auto ev = f.feed(heartbeat(4, 2));
  EXPECT_EQ(resets_of(ev),
            (std::vector<ResetReason>{ResetReason::kSequenceGap, ResetReason::kSequenceGap}));
  EXPECT_EQ(states_of(ev), std::vector<VenueState>{VenueState::kResyncing});
  f.apply(ev);
  EXPECT_FALSE(f.btc.book.is_valid());
  ASSERT_EQ(f.ws.sent.size(), 2u);
  EXPECT_NE(f.ws.sent[0].find(R"({"type":"unsubscribe")"), std::string::npos);
  EXPECT_NE(f.ws.sent[0].find(R"("channel":"level2")"), std::string::npos);
  EXPECT_NE(f.ws.sent[1].find(R"({"type":"subscribe")"), std::string::npos);
  EXPECT_NE(f.ws.sent[1].find(R"("channel":"level2")"), std::string::npos);
  EXPECT_EQ(f.gw->cb_counters().resubscribes.get(), 1u);
  // Updates before the new snapshot are dropped, never applied to a stale book.
  ev = f.feed(l2(5, "update", "BTC-PERP-INTX", {level("bid", "60000.0", "9")}));
  EXPECT_TRUE(ev.empty());
  ev = f.feed(l2(6, "snapshot", "BTC-PERP-INTX",
                 {level("bid", "60001.0", "1"), level("offer", "60001.5", "1")}));
  f.apply(ev);
  ev = f.feed(l2(7, "snapshot", "ETH-PERP-INTX", {level("bid", "3001.00", "1")}));
  f.apply(ev);
  EXPECT_EQ(states_of(ev), std::vector<VenueState>{VenueState::kConnected});
  ASSERT_TRUE(f.btc.book.is_valid());
  EXPECT_EQ(f.btc.book.best_bid().price, px("60001.0"));
  EXPECT_EQ(f.btc.book.depth(common::BookSide::kBid), 1u);  // the snapshot replaced the book
  EXPECT_EQ(f.gw->cb_counters().sequence_gaps.get(), 1u);
}

TEST(CoinbaseMdGateway, MalformedFrameIsCountedAndTheNextFrameShowsTheGap) {
  Fixture f;
  f.open();
  f.apply(f.feed(snapshot_btc(0)));
  auto ev = f.feed(R"({"channel":"l2_data","sequence_num":1,"events":[{"type":)");
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(f.gw->counters().parse_errors.get(), 1u);
  ev = f.feed(l2(2, "update", "BTC-PERP-INTX", {level("bid", "60000.0", "1")}));
  EXPECT_EQ(resets_of(ev), std::vector<ResetReason>{ResetReason::kSequenceGap});
  EXPECT_EQ(count_sent(f.ws, R"({"type":"unsubscribe")"), 1u);
}

TEST(CoinbaseMdGateway, FullQueueResetsTheBookThenResubscribes) {
  Fixture f(8);
  f.open();
  (void)drain(f.out);
  f.apply(f.feed(snapshot_btc(0)));
  ASSERT_TRUE(f.btc.book.is_valid());
  // Fill the queue with trades the test does not drain, then an update that cannot fit.
  (void)drain(f.out);
  std::string trades;
  for (std::size_t i = 0; i < f.out.capacity(); ++i) {
    trades +=
        std::string(i == 0 ? "" : ",") + R"({"trade_id":")" + std::to_string(i) +
        R"(","product_id":"BTC-PERP-INTX","price":"60000.1","size":"0.01","side":"BUY","time":"2026-09-21T10:00:00.5Z"})";
  }
  f.ws.text(frame("market_trades", 1, R"([{"type":"update","trades":[)" + trades + "]}]"));
  f.ws.text(l2(2, "update", "BTC-PERP-INTX",
               {level("bid", "60000.0", "1"), level("bid", "59999.0", "1")}));
  (void)f.gw->do_work();
  EXPECT_GE(f.gw->counters().queue_full.get(), 1u);
  auto ev = drain(f.out);
  (void)f.gw->do_work();  // room again: any reset still pending goes out, then the resubscribe
  auto more = drain(f.out);
  ev.insert(ev.end(), more.begin(), more.end());
  EXPECT_EQ(resets_of(ev), std::vector<ResetReason>{ResetReason::kQueueOverflow});
  EXPECT_EQ(count_sent(f.ws, R"({"type":"unsubscribe")"), 1u);
  f.apply(ev);
  EXPECT_FALSE(f.btc.book.is_valid());
  ev = f.feed(l2(3, "update", "BTC-PERP-INTX", {level("bid", "60000.0", "2")}));
  EXPECT_TRUE(ev.empty());  // no update before the new snapshot
  f.apply(f.feed(snapshot_btc(4)));
  EXPECT_TRUE(f.btc.book.is_valid());
}

TEST(CoinbaseMdGateway, NoHeartbeatMeansStaleResetAndReconnect) {
  Fixture f;
  f.open();
  f.apply(f.feed(snapshot_btc(0)));
  f.clock.now += 3 * kSec;
  f.apply(f.feed(heartbeat(1, 1)));
  f.clock.now += 4 * kSec;  // 4 s since the last heartbeat: still fine
  (void)f.gw->do_work();
  EXPECT_EQ(f.ws.reconnect_calls, 0);
  f.clock.now += 2 * kSec;
  (void)f.gw->do_work();
  EXPECT_EQ(f.ws.reconnect_calls, 1);
  const auto ev = drain(f.out);
  EXPECT_EQ(states_of(ev), std::vector<VenueState>{VenueState::kStale});
  EXPECT_EQ(resets_of(ev), std::vector<ResetReason>{ResetReason::kStaleFeed});
  EXPECT_EQ(f.gw->counters().stale.get(), 1u);
}

TEST(CoinbaseMdGateway, CloseThenReopenStartsANewSequence) {
  Fixture f;
  f.open();
  f.apply(f.feed(snapshot_btc(0)));
  f.ws.close();
  (void)f.gw->do_work();
  auto ev = drain(f.out);
  EXPECT_EQ(states_of(ev), std::vector<VenueState>{VenueState::kDown});
  EXPECT_EQ(resets_of(ev), std::vector<ResetReason>{ResetReason::kReconnect});
  f.ws.sent.clear();
  f.open();
  EXPECT_EQ(count_sent(f.ws, R"("channel":"level2")"), 1u);
  // The new connection numbers from 0 again: no gap.
  ev = f.feed(snapshot_btc(0));
  EXPECT_TRUE(resets_of(ev).empty());
  EXPECT_EQ(f.gw->counters().reconnects.get(), 1u);
  EXPECT_EQ(f.gw->cb_counters().sequence_gaps.get(), 0u);
}

TEST(CoinbaseMdGateway, RejectsProductsOutsideTheRegistry) {
  FakeClock clock;
  common::InstrumentRegistry reg;
  FakeWs ws;
  common::SpscQueue<MdEvent> out(16);
  MdGatewayConfig cfg;
  cfg.products = {"DOGE-USD"};
  EXPECT_THROW(CoinbaseMdGateway(reg, ws, out, clock, cfg), std::invalid_argument);
  cfg.products = {"BAD\"ID"};
  EXPECT_THROW(CoinbaseMdGateway(reg, ws, out, clock, cfg), std::invalid_argument);
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
