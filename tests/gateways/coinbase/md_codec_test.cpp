#include "gateways/coinbase/md_codec.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "gateways/capture/capture_reader.hpp"
#include "gateways/coinbase/capture_frames.hpp"
#include "support/test_data.hpp"

// Counts heap allocations while g_count_allocs is set, to prove the hot path allocates nothing.
namespace {
std::atomic<bool> g_count_allocs{false};
std::atomic<std::size_t> g_allocs{0};
void* counted_alloc(std::size_t n) {
  if (g_count_allocs.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
}  // namespace
void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_count_allocs.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace peregrine::gateways::coinbase {
namespace {

using common::BookSide;
using common::MdKind;
using common::Price;
using common::Qty;
namespace bf = common::book_flags;

common::InstrumentRegistry make_registry() {
  common::InstrumentRegistry reg;
  for (const char* p : {"BTC-USD", "ETH-USD"}) {
    common::Instrument i;
    i.venue = common::VenueId::kCoinbase;
    i.kind = common::InstrumentKind::kSpot;
    EXPECT_TRUE(i.symbol.assign(p));
    EXPECT_TRUE(i.asset.assign(std::string_view(p).substr(0, 3)));
    i.tick = *Price::parse("0.01");
    i.lot = *Qty::parse("0.00000001");
    EXPECT_TRUE(reg.add(i).ok());
  }
  return reg;
}

std::string envelope(std::string_view channel, std::uint64_t seq, std::string_view events) {
  return std::string(R"({"channel":")") + std::string(channel) +
         R"(","client_id":"","timestamp":"2026-08-09T21:05:48.505350477Z","sequence_num":)" +
         std::to_string(seq) + R"(,"events":)" + std::string(events) + "}";
}

std::string level(std::string_view side, std::string_view px, std::string_view qty) {
  return std::string(R"({"side":")") + std::string(side) +
         R"(","event_time":"2026-08-09T21:05:48.210883Z","price_level":")" + std::string(px) +
         R"(","new_quantity":")" + std::string(qty) + R"("})";
}

std::string l2(std::uint64_t seq, std::string_view type, std::string_view product,
               const std::vector<std::string>& levels) {
  std::string updates;
  for (const auto& l : levels) updates += (updates.empty() ? "" : ",") + l;
  return envelope("l2_data", seq,
                  std::string(R"([{"type":")") + std::string(type) + R"(","product_id":")" +
                      std::string(product) + R"(","updates":[)" + updates + "]}]");
}

class MdParserTest : public ::testing::Test {
 protected:
  common::InstrumentRegistry reg_ = make_registry();
  MdParser parser_{reg_};
  const common::InstrumentId btc_ = reg_.find(common::VenueId::kCoinbase, "BTC-USD");
  const common::InstrumentId eth_ = reg_.find(common::VenueId::kCoinbase, "ETH-USD");

  MdFrameKind parse_ok(const std::string& frame, common::Nanos ts_recv = 7) {
    const auto r = parser_.parse_unpadded(frame, ts_recv);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.error())) << "\n" << frame;
    return r.ok() ? *r : MdFrameKind::kIgnored;
  }
};

TEST_F(MdParserTest, SnapshotThenUpdates) {
  EXPECT_EQ(
      parse_ok(l2(0, "snapshot", "BTC-USD",
                  {level("bid", "65083.66", "0.5"), level("bid", "65083.27", "0.02244516"),
                   level("offer", "65083.67", "0.29040961"), level("ask", "65083.7", "0.12")})),
      MdFrameKind::kL2Data);
  const auto ev = parser_.events();
  ASSERT_EQ(ev.size(), 4u);
  for (const auto& e : ev) {
    ASSERT_EQ(e.kind, MdKind::kBookDelta);
    EXPECT_EQ(e.delta.instrument, btc_);
    EXPECT_EQ(e.delta.venue, common::VenueId::kCoinbase);
    EXPECT_EQ(e.delta.venue_seq, 0u);
    EXPECT_EQ(e.delta.ts_venue, 1'786'309'548'505'350'477);
    EXPECT_EQ(e.delta.ts_recv, 7);
  }
  EXPECT_EQ(ev[0].delta.flags, bf::kSnapshotBegin);
  EXPECT_EQ(ev[1].delta.flags, 0);
  EXPECT_EQ(ev[3].delta.flags, bf::kSnapshotEnd | bf::kEndOfBatch);
  EXPECT_EQ(ev[0].delta.side, BookSide::kBid);
  EXPECT_EQ(ev[2].delta.side, BookSide::kAsk);
  EXPECT_EQ(ev[3].delta.side, BookSide::kAsk) << "'ask' accepted as well as 'offer'";
  EXPECT_EQ(ev[1].delta.qty, *Qty::parse("0.02244516"));

  common::L2Book book(64);
  for (const auto& e : ev) static_cast<void>(book.apply(e.delta));
  EXPECT_TRUE(book.is_valid());

  parse_ok(l2(1, "update", "BTC-USD",
              {level("bid", "65083.66", "0"), level("offer", "65083.68", "1.5")}));
  ASSERT_EQ(parser_.events().size(), 2u);
  EXPECT_TRUE(parser_.events()[0].delta.qty.is_zero()) << "\"0\" deletes";
  EXPECT_EQ(parser_.events()[0].delta.flags, 0);
  EXPECT_EQ(parser_.events()[1].delta.flags, bf::kEndOfBatch);
  for (const auto& e : parser_.events()) static_cast<void>(book.apply(e.delta));
  EXPECT_EQ(book.best_bid().price, *Price::parse("65083.27"));
  EXPECT_TRUE(book.is_valid());
  EXPECT_FALSE(parser_.gap_detected());
  EXPECT_EQ(parser_.counters().snapshots.load(), 1u);
}

TEST_F(MdParserTest, UpdatesBeforeTheSnapshotAreDropped) {
  parse_ok(l2(0, "update", "ETH-USD", {level("bid", "1919.28", "1")}));
  EXPECT_TRUE(parser_.events().empty());
  EXPECT_EQ(parser_.counters().updates_dropped.load(), 1u);
  parse_ok(l2(1, "snapshot", "ETH-USD", {}));
  ASSERT_EQ(parser_.events().size(), 1u) << "an empty snapshot is one marker delta";
  EXPECT_EQ(parser_.events()[0].delta.flags,
            bf::kSnapshotBegin | bf::kSnapshotEnd | bf::kEndOfBatch);
  EXPECT_TRUE(parser_.events()[0].delta.price.is_zero());
  parse_ok(l2(2, "update", "ETH-USD", {level("bid", "1919.28", "1")}));
  EXPECT_EQ(parser_.events().size(), 1u);
  parse_ok(l2(3, "update", "DOGE-USD", {level("bid", "0.1", "1")}));
  EXPECT_TRUE(parser_.events().empty());
  EXPECT_EQ(parser_.counters().unknown_product.load(), 1u);
}

TEST_F(MdParserTest, SequenceGapResetsEveryBookOfTheConnection) {
  parse_ok(l2(10, "snapshot", "BTC-USD", {level("bid", "1", "1"), level("offer", "2", "1")}));
  parse_ok(l2(11, "snapshot", "ETH-USD", {level("bid", "1", "1"), level("offer", "2", "1")}));
  // The sequence is one counter per connection across channels: a ticker fills seq 12.
  EXPECT_EQ(parse_ok(envelope("ticker", 12, R"([{"type":"update","tickers":[]}])")),
            MdFrameKind::kIgnored);
  EXPECT_FALSE(parser_.gap_detected());
  parse_ok(l2(14, "update", "BTC-USD", {level("bid", "1.5", "1")}));  // 13 is missing
  EXPECT_TRUE(parser_.gap_detected());
  const auto ev = parser_.events();
  ASSERT_EQ(ev.size(), 2u) << "two resets; the update itself is dropped";
  EXPECT_EQ(ev[0].kind, MdKind::kBookReset);
  EXPECT_EQ(ev[0].reset.instrument, btc_);
  EXPECT_EQ(ev[1].reset.instrument, eth_);
  EXPECT_EQ(ev[0].reset.reason, common::ResetReason::kSequenceGap);
  EXPECT_EQ(ev[0].reset.venue_seq, 14u);
  EXPECT_TRUE(parser_.take_resync_request());
  EXPECT_FALSE(parser_.take_resync_request()) << "raised once per gap";
  EXPECT_TRUE(parser_.books()[0].awaiting_snapshot);

  parse_ok(l2(15, "update", "BTC-USD", {level("bid", "1.5", "1")}));
  EXPECT_TRUE(parser_.events().empty());
  parse_ok(l2(16, "snapshot", "BTC-USD", {level("bid", "1", "2")}));  // after resubscribe
  EXPECT_EQ(parser_.events().size(), 1u);
  EXPECT_FALSE(parser_.books()[0].awaiting_snapshot);
  EXPECT_TRUE(parser_.books()[1].awaiting_snapshot);
  EXPECT_EQ(parser_.counters().sequence_gaps.load(), 1u);
  EXPECT_EQ(parser_.counters().book_resets.load(), 2u);

  // A new connection starts its own sequence without a gap.
  parser_.reset_connection();
  parse_ok(l2(0, "snapshot", "BTC-USD", {level("bid", "1", "2")}));
  EXPECT_FALSE(parser_.gap_detected());
}

TEST_F(MdParserTest, MalformedFrameDoesNotAdvanceTheSequence) {
  parse_ok(l2(0, "snapshot", "BTC-USD", {level("bid", "1", "1")}));
  const auto bad =
      parser_.parse_unpadded(l2(1, "update", "BTC-USD", {level("middle", "1", "1")}), 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), CodecError::kBadValue);
  EXPECT_TRUE(parser_.events().empty());
  parse_ok(l2(2, "update", "BTC-USD", {level("bid", "1", "3")}));
  EXPECT_TRUE(parser_.gap_detected()) << "the unreadable frame counts as lost";
  ASSERT_EQ(parser_.events().size(), 1u);
  EXPECT_EQ(parser_.events()[0].kind, MdKind::kBookReset);
}

TEST_F(MdParserTest, MalformedInputIsAnErrorValue) {
  const auto err = [&](const std::string& f) {
    const auto r = parser_.parse_unpadded(f, 0);
    EXPECT_FALSE(r.ok()) << f;
    EXPECT_TRUE(parser_.events().empty());
    return r.ok() ? CodecError::kOk : r.error();
  };
  EXPECT_EQ(err(""), CodecError::kEmpty);
  EXPECT_EQ(err("   \n"), CodecError::kEmpty);
  EXPECT_EQ(err("[1,2]"), CodecError::kNotJson);
  EXPECT_EQ(err("{\"channel\":"), CodecError::kBadJson);
  EXPECT_EQ(err(R"({"channel":"l2_data","timestamp":"2026-08-09T21:05:48Z","events":[]})"),
            CodecError::kMissingField);
  EXPECT_EQ(err(R"({"channel":"l2_data","timestamp":"yesterday","sequence_num":1,"events":[]})"),
            CodecError::kBadValue);
  EXPECT_EQ(
      err(R"({"channel":"l2_data","timestamp":"2026-08-09T21:05:48Z","sequence_num":-1,"events":[]})"),
      CodecError::kWrongType);
  EXPECT_EQ(err(envelope("l3_data", 1, "[]")), CodecError::kUnknownChannel);
  EXPECT_EQ(err(l2(1, "update", "BTC-USD", {level("bid", "1e", "1")})), CodecError::kBadDecimal);
  EXPECT_EQ(err(l2(1, "update", "BTC-USD", {level("bid", "1.000000001", "1")})),
            CodecError::kBadDecimal);
  EXPECT_EQ(err(l2(1, "update", "BTC-USD", {level("bid", "1", "-1")})), CodecError::kBadValue);
  EXPECT_EQ(err(l2(1, "update", "BTC-USD", {level("bid", "0", "1")})), CodecError::kBadValue);
  EXPECT_EQ(err(l2(1, "delta", "BTC-USD", {level("bid", "1", "1")})), CodecError::kBadValue);
  EXPECT_EQ(err(envelope("l2_data", 1, R"([{"type":"update","product_id":"BTC-USD"}])")),
            CodecError::kMissingField);
  EXPECT_EQ(err(envelope("l2_data", 1, R"([{"type":"update","product_id":7,"updates":[]}])")),
            CodecError::kWrongType);
  EXPECT_EQ(err(R"({"type":"subscribe"})"), CodecError::kUnknownChannel);
  EXPECT_EQ(parser_.counters().malformed.load(), 16u);
  EXPECT_EQ(parser_.counters().errors(CodecError::kBadDecimal), 2u);
}

TEST_F(MdParserTest, CapacityIsAnErrorNotAnOverflow) {
  MdParser small(reg_, 3);
  const auto r = small.parse_unpadded(l2(0, "snapshot", "BTC-USD",
                                         {level("bid", "1", "1"), level("bid", "2", "1"),
                                          level("bid", "3", "1"), level("bid", "4", "1")}),
                                      0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), CodecError::kCapacity);
  EXPECT_TRUE(small.events().empty());
}

TEST_F(MdParserTest, TradesUseTheMakerSide) {
  const std::string trade =
      R"({"product_id":"BTC-USD","trade_id":"1068572091","price":"65083.67","size":"0.01034361",)"
      R"("time":"2026-08-09T21:05:48.167634Z","side":"SELL"})";
  EXPECT_EQ(parse_ok(envelope("market_trades", 0,
                              std::string(R"([{"type":"snapshot","trades":[)") + trade + "]}]")),
            MdFrameKind::kMarketTrades);
  EXPECT_TRUE(parser_.events().empty()) << "subscription history is skipped";
  EXPECT_EQ(parser_.counters().snapshot_trades_skipped.load(), 1u);
  parse_ok(
      envelope("market_trades", 1, std::string(R"([{"type":"update","trades":[)") + trade + "]}]"));
  ASSERT_EQ(parser_.events().size(), 1u);
  const common::Trade& t = parser_.events()[0].trade;
  EXPECT_EQ(parser_.events()[0].kind, MdKind::kTrade);
  EXPECT_EQ(t.aggressor, common::Side::kBuy) << "a resting SELL was lifted";
  EXPECT_EQ(t.trade_id, 1068572091u);
  EXPECT_EQ(t.price, *Price::parse("65083.67"));
  EXPECT_EQ(t.qty, *Qty::parse("0.01034361"));
  EXPECT_EQ(t.ts_venue, 1'786'309'548'167'634'000);
  EXPECT_EQ(t.venue_seq, 1u);
  EXPECT_EQ(t.instrument, btc_);
}

TEST_F(MdParserTest, HeartbeatsSubscriptionsAndErrors) {
  EXPECT_EQ(
      parse_ok(envelope(
          "heartbeats", 0,
          R"([{"current_time":"2026-08-09 21:05:48.854840045 +0000 UTC m=+41691.260485341","heartbeat_counter":41691}])")),
      MdFrameKind::kHeartbeats);
  EXPECT_EQ(parser_.heartbeat().counter, 41691u);
  EXPECT_EQ(parser_.heartbeat().current_time, 1'786'309'548'854'840'045);
  parse_ok(envelope("heartbeats", 1, R"([{"current_time":"","heartbeat_counter":"41693"}])"));
  EXPECT_EQ(parser_.heartbeat().counter, 41693u);
  EXPECT_EQ(parser_.counters().heartbeat_gaps.load(), 1u);

  EXPECT_EQ(
      parse_ok(envelope(
          "subscriptions", 2,
          R"([{"subscriptions":{"level2":["BTC-USD","ETH-USD"],"heartbeats":["heartbeats"]}}])")),
      MdFrameKind::kSubscriptions);
  ASSERT_EQ(parser_.subscriptions().size(), 3u);
  EXPECT_EQ(parser_.subscriptions()[0].channel, "level2");
  EXPECT_EQ(parser_.subscriptions()[1].product, "ETH-USD");

  EXPECT_EQ(parse_ok(R"({"type":"error","message":"failure to subscribe"})"),
            MdFrameKind::kVenueError);
  EXPECT_EQ(parser_.venue_error(), "failure to subscribe");
  EXPECT_EQ(parse_ok(envelope("candles", 3, "[]")), MdFrameKind::kIgnored);
  EXPECT_FALSE(parser_.gap_detected());
}

TEST(BuildSubscribe, OneChannelPerMessage) {
  char buf[512];
  const std::array<std::string_view, 2> products = {"BTC-USD", "ETH-USD"};
  std::size_t n = build_subscribe(true, "level2", products, {}, buf, sizeof(buf));
  EXPECT_EQ(std::string_view(buf, n),
            R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"})");
  n = build_subscribe(false, "user", {}, "aaa.bbb.ccc", buf, sizeof(buf));
  EXPECT_EQ(std::string_view(buf, n),
            R"({"type":"unsubscribe","product_ids":[],"channel":"user","jwt":"aaa.bbb.ccc"})");
  EXPECT_EQ(build_subscribe(true, "level2", products, {}, buf, 20), 0u);
  EXPECT_EQ(build_subscribe(true, "le\"vel2", products, {}, buf, sizeof(buf)), 0u);
}

// ---- The recorded capture ---------------------------------------------------------------------

RebuildOptions defaults() { return RebuildOptions{}; }

BookRebuildSummary rebuild(const std::filesystem::path& path, const RebuildOptions& o) {
  std::string error;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kCryptofeed, &error);
  EXPECT_NE(reader, nullptr) << error;
  return rebuild_books(*reader, o);
}

TEST(CoinbaseCapture, RebuildsBothBooksWithoutGapsOrCrossing) {
  PEREGRINE_REQUIRE_DATA(path, testing::kCapturePath);
  const BookRebuildSummary s = rebuild(path, defaults());
  EXPECT_TRUE(s.error.empty()) << s.error;
  EXPECT_EQ(s.messages, 1030u);
  EXPECT_EQ(s.l2_messages, 775u);
  EXPECT_EQ(s.first_sequence, 0u);
  EXPECT_EQ(s.last_sequence, 1029u);
  EXPECT_EQ(s.gaps, 0u);
  EXPECT_EQ(s.resyncs, 0u);
  EXPECT_EQ(s.book_resets, 0u);
  EXPECT_EQ(s.crossed, 0u);
  EXPECT_EQ(s.malformed, 0u);
  EXPECT_EQ(s.snapshots, 2u);
  EXPECT_EQ(s.depth_events, 46000u + 23334u + 4859u);
  EXPECT_EQ(s.heartbeats, 25u);
  EXPECT_GT(s.trades, 0u);
  ASSERT_EQ(s.books.size(), 2u);

  const BookTop& btc = s.books[0];
  EXPECT_EQ(btc.product, "BTC-USD");
  EXPECT_TRUE(btc.valid);
  EXPECT_EQ(btc.bid_depth, 18769u);
  EXPECT_EQ(btc.ask_depth, 27238u);
  ASSERT_EQ(btc.bids.size(), 5u);
  ASSERT_EQ(btc.asks.size(), 5u);
  const std::pair<const char*, const char*> btc_bids[] = {{"65083.66", "0.23929087"},
                                                          {"65083.27", "0.02244516"},
                                                          {"65082.75", "0.001546"},
                                                          {"65082.35", "0.0307303"},
                                                          {"65081.65", "0.07376231"}};
  const std::pair<const char*, const char*> btc_asks[] = {{"65083.67", "0.29040961"},
                                                          {"65083.7", "0.12"},
                                                          {"65083.71", "0.00115236"},
                                                          {"65083.72", "0.61446665"},
                                                          {"65083.75", "0.18543071"}};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(btc.bids[i].price, *Price::parse(btc_bids[i].first)) << i;
    EXPECT_EQ(btc.bids[i].qty, *Qty::parse(btc_bids[i].second)) << i;
    EXPECT_EQ(btc.asks[i].price, *Price::parse(btc_asks[i].first)) << i;
    EXPECT_EQ(btc.asks[i].qty, *Qty::parse(btc_asks[i].second)) << i;
  }
  const BookTop& eth = s.books[1];
  EXPECT_EQ(eth.product, "ETH-USD");
  EXPECT_TRUE(eth.valid);
  EXPECT_EQ(eth.bid_depth, 6925u);
  EXPECT_EQ(eth.ask_depth, 16403u);
  EXPECT_EQ(eth.bids[0].price, *Price::parse("1919.28"));
  EXPECT_EQ(eth.asks[0].price, *Price::parse("1919.38"));
  EXPECT_EQ(eth.asks[4].qty, *Qty::parse("3.51537216"));
}

TEST(CoinbaseCapture, DeletingOneMessageIsAGapWithBookResets) {
  PEREGRINE_REQUIRE_DATA(path, testing::kCapturePath);
  RebuildOptions o;
  o.drop_messages = {137};  // an l2_data update, after both snapshots
  const BookRebuildSummary s = rebuild(path, o);
  EXPECT_EQ(s.dropped, 1u);
  EXPECT_EQ(s.gaps, 1u);
  EXPECT_EQ(s.resyncs, 1u);
  EXPECT_EQ(s.book_resets, 2u);
  EXPECT_EQ(s.crossed, 0u);
  ASSERT_EQ(s.books.size(), 2u);
  // A capture cannot resubscribe: both books stay invalid until a snapshot that never comes.
  EXPECT_FALSE(s.books[0].valid);
  EXPECT_FALSE(s.books[1].valid);

  // Any channel's message counts: dropping a heartbeat is a gap too.
  o.drop_messages = {35};
  const BookRebuildSummary h = rebuild(path, o);
  EXPECT_EQ(h.gaps, 1u);
  EXPECT_EQ(h.book_resets, 2u);
}

TEST(CoinbaseCapture, HotPathAllocatesNothingAfterWarmUp) {
  PEREGRINE_REQUIRE_DATA(path, testing::kCapturePath);
  const auto frames = testing::load_frames(path);
  ASSERT_EQ(frames.size(), 1030u);
  const common::InstrumentRegistry reg = make_registry();
  MdParser parser(reg);
  // Pad every frame once so that the zero-copy entry point is measured.
  std::vector<std::string> padded;
  for (const auto& f : frames) {
    std::string p = f.json;
    p.append(simdjson::SIMDJSON_PADDING, '\0');
    padded.push_back(std::move(p));
  }
  const auto run = [&] {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto r =
          parser.parse(padded[i].data(), frames[i].json.size(), padded[i].size(), frames[i].ts_ns);
      ASSERT_TRUE(r.ok()) << i << " " << to_string(r.error());
    }
  };
  run();  // warm-up: the snapshots grow the simdjson document once
  parser.reset_connection();
  g_allocs = 0;
  g_count_allocs = true;
  run();
  g_count_allocs = false;
  EXPECT_EQ(g_allocs.load(), 0u);
  EXPECT_EQ(parser.counters().sequence_gaps.load(), 0u);
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
