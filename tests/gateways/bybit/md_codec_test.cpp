// Market-data codec: unit frames, the recorded capture (../shared/data/bybit/BYBIT.jsonl.zst,
// SOURCES.md §4), gap detection and recovery, u == 1 restarts, malformed input, no allocation.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "common/l2_book.hpp"
#include "gateways/bybit/book_rebuild.hpp"
#include "gateways/bybit/md_codec.hpp"
#include "support/test_data.hpp"

namespace peregrine::gateways::bybit {
namespace {

using common::BookSide;
using common::MdKind;
using common::Price;
using common::Qty;
namespace bf = common::book_flags;

constexpr const char* kCapture = "bybit/BYBIT.jsonl.zst";

Price px(std::string_view s) { return *Price::parse(s); }
Qty qty(std::string_view s) { return *Qty::parse(s); }

SymbolTable linear_table() {
  SymbolTable t;
  EXPECT_TRUE(t.bind("BTCUSDT", common::InstrumentId{10}));
  EXPECT_TRUE(t.bind("ETHUSDT", common::InstrumentId{11}));
  return t;
}

struct Frame {
  std::string conn;
  std::int64_t ts = 0;
  std::string payload;
};

std::vector<Frame> load_capture(const std::filesystem::path& path) {
  std::string err;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kCryptofeed, &err);
  EXPECT_NE(reader, nullptr) << err;
  std::vector<Frame> out;
  if (!reader) return out;
  capture::CaptureRecord rec;
  while (reader->next(&rec)) {
    if (rec.kind != capture::RecordKind::kRecv) continue;
    out.push_back({std::string(rec.conn), rec.ts_ns, std::string(rec.payload)});
  }
  EXPECT_TRUE(reader->error().empty()) << reader->error();
  return out;
}

// ---- unit frames ----

TEST(BybitSymbolTable, FromRegistryKeepsOnlyBybitInstrumentsOfOneKind) {
  common::InstrumentRegistry reg;
  const auto add = [&](common::VenueId venue, std::string_view symbol, std::string_view asset) {
    common::Instrument in;
    in.venue = venue;
    in.kind = common::InstrumentKind::kPerpetual;
    EXPECT_TRUE(in.symbol.assign(symbol));
    EXPECT_TRUE(in.asset.assign(asset));
    in.tick = px("0.1");
    in.lot = qty("0.001");
    return *reg.add(in);
  };
  const common::InstrumentId hl = add(common::VenueId::kHyperliquid, "BTC", "BTC");
  const common::InstrumentId btc = add(common::VenueId::kBybit, "BTCUSDT", "BTC");
  const common::InstrumentId eth = add(common::VenueId::kBybit, "ETHUSDT", "ETH");
  const SymbolTable perps = SymbolTable::from_registry(reg, common::InstrumentKind::kPerpetual);
  ASSERT_EQ(perps.size(), 2u);
  EXPECT_EQ(perps.id(static_cast<std::size_t>(perps.find("BTCUSDT"))), btc);
  EXPECT_EQ(perps.id(static_cast<std::size_t>(perps.find("ETHUSDT"))), eth);
  EXPECT_EQ(perps.find("BTC"), SymbolTable::kNotFound);
  EXPECT_NE(hl, btc);
  EXPECT_EQ(SymbolTable::from_registry(reg, common::InstrumentKind::kSpot).size(), 0u);
  SymbolTable t;
  EXPECT_TRUE(t.bind("BTCUSDT", btc));
  EXPECT_FALSE(t.bind("BTCUSDT", eth));                        // duplicate
  EXPECT_FALSE(t.bind("", eth));                               // empty
  EXPECT_FALSE(t.bind("A_SYMBOL_LONGER_THAN_23_CHARS", eth));  // does not fit a Symbol
}

TEST(BybitTopic, Parse) {
  const Topic b = parse_topic("orderbook.200.BTCUSDT");
  EXPECT_EQ(b.kind, TopicKind::kOrderbook);
  EXPECT_EQ(b.depth, 200u);
  EXPECT_EQ(b.symbol, "BTCUSDT");
  EXPECT_EQ(parse_topic("publicTrade.ETHUSDT").symbol, "ETHUSDT");
  EXPECT_EQ(parse_topic("tickers.BTCUSDT").kind, TopicKind::kOther);
  for (const std::string_view bad :
       {"", "orderbook.", "orderbook.x.BTCUSDT", "orderbook.200", "orderbook.200.",
        "orderbook.0.BTCUSDT", "orderbook.1234567.BTCUSDT", "publicTrade."}) {
    EXPECT_EQ(parse_topic(bad).kind, TopicKind::kMalformed) << bad;
  }
}

TEST(BybitMdParser, SnapshotThenDelta) {
  MdParser p(linear_table());
  auto r = p.parse_unpadded(
      R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1786310818129,"data":{)"
      R"("s":"BTCUSDT","b":[["65114.20","6.054"],["65114.10","0.002"]],)"
      R"("a":[["65114.30","10.486"]],"u":15076952,"seq":753843911359},"cts":1786310818129})",
      42);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, MdFrameKind::kBook);
  EXPECT_EQ(p.book().outcome, BookOutcome::kSnapshot);
  EXPECT_EQ(p.book().u, 15076952u);
  EXPECT_EQ(p.book().seq, 753843911359u);
  EXPECT_EQ(p.book().depth, 50u);
  ASSERT_EQ(p.events().size(), 3u);
  const common::BookDelta& d0 = p.events()[0].delta;
  EXPECT_EQ(d0.flags, bf::kSnapshotBegin);
  EXPECT_EQ(d0.side, BookSide::kBid);
  EXPECT_EQ(d0.price, px("65114.2"));
  EXPECT_EQ(d0.qty, qty("6.054"));
  EXPECT_EQ(d0.instrument, common::InstrumentId{10});
  EXPECT_EQ(d0.venue, common::VenueId::kBybit);
  EXPECT_EQ(d0.venue_seq, 15076952u);
  EXPECT_EQ(d0.ts_venue, 1786310818129LL * 1'000'000);
  EXPECT_EQ(d0.ts_recv, 42);
  EXPECT_EQ(p.events()[2].delta.side, BookSide::kAsk);
  EXPECT_EQ(p.events()[2].delta.flags, bf::kSnapshotEnd | bf::kEndOfBatch);

  // Keys in another order (spot puts ts before type): parsed by key, never by position.
  r = p.parse_unpadded(
      R"({"topic":"orderbook.50.BTCUSDT","ts":1786310818130,"type":"delta","data":{)"
      R"("s":"BTCUSDT","b":[["65114.10","0"],["65114.20","5"]],"a":[],"u":15076953,)"
      R"("seq":753843913870},"cts":1786310818129})",
      43);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(p.book().outcome, BookOutcome::kDelta);
  ASSERT_EQ(p.events().size(), 2u);
  EXPECT_TRUE(p.events()[0].delta.qty.is_zero());
  EXPECT_EQ(p.events()[0].delta.flags, 0);
  EXPECT_EQ(p.events()[1].delta.flags, bf::kEndOfBatch);
  EXPECT_EQ(p.counters().snapshots.load(), 1u);
  EXPECT_EQ(p.counters().deltas.load(), 1u);
}

TEST(BybitMdParser, DeletionsComeFirstWithinADelta) {
  MdParser p(linear_table());
  ASSERT_TRUE(p.parse_unpadded(R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,)"
                               R"("data":{"s":"BTCUSDT","b":[["100","1"]],"a":[["101","1"]],)"
                               R"("u":5,"seq":1}})",
                               0)
                  .ok());
  // Wire order would insert bid 101 before deleting ask 101: a transient cross.
  ASSERT_TRUE(p.parse_unpadded(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":2,)"
                               R"("data":{"s":"BTCUSDT","b":[["101","2"],["100","0"]],)"
                               R"("a":[["102","3"],["101","0"]],"u":6,"seq":2}})",
                               0)
                  .ok());
  ASSERT_EQ(p.events().size(), 4u);
  EXPECT_EQ(p.events()[0].delta.price, px("100"));  // deletions, in wire order
  EXPECT_EQ(p.events()[1].delta.price, px("101"));
  EXPECT_EQ(p.events()[1].delta.side, BookSide::kAsk);
  EXPECT_EQ(p.events()[2].delta.price, px("101"));  // then the rest, in wire order
  EXPECT_EQ(p.events()[2].delta.side, BookSide::kBid);
  EXPECT_EQ(p.events()[3].delta.price, px("102"));
  EXPECT_EQ(p.events()[3].delta.flags, bf::kEndOfBatch);
}

TEST(BybitMdParser, EmptySnapshotStillClearsTheBook) {
  MdParser p(linear_table());
  ASSERT_TRUE(p.parse_unpadded(R"({"topic":"orderbook.1.ETHUSDT","type":"snapshot","ts":1,)"
                               R"("data":{"s":"ETHUSDT","b":[],"a":[],"u":9,"seq":1}})",
                               0)
                  .ok());
  ASSERT_EQ(p.events().size(), 1u);
  EXPECT_EQ(p.events()[0].delta.flags, bf::kSnapshotBegin | bf::kSnapshotEnd | bf::kEndOfBatch);
  common::L2Book book(64);
  EXPECT_EQ(book.apply(p.events()[0].delta), common::BookApplyResult::kSnapshotValid);
}

TEST(BybitMdParser, Trades) {
  MdParser p(linear_table());
  auto r = p.parse_unpadded(
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310819681,"data":[)"
      R"({"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick",)"
      R"("i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7","BT":false,"RPI":false,"seq":753843954913},)"
      R"({"i":"2280000001739247417","T":1786310821917,"p":"1923.28","v":"0.04537","S":"Buy",)"
      R"("seq":178477362706,"s":"BTCUSDT","BT":false,"RPI":false}]})",
      5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, MdFrameKind::kTrades);
  ASSERT_EQ(p.events().size(), 2u);
  ASSERT_EQ(p.events()[0].kind, MdKind::kTrade);
  const common::Trade& t = p.events()[0].trade;
  EXPECT_EQ(t.aggressor, common::Side::kSell);
  EXPECT_EQ(t.price, px("65114.2"));
  EXPECT_EQ(t.qty, qty("0.004"));
  EXPECT_EQ(t.venue_seq, 753843954913u);
  EXPECT_EQ(t.ts_venue, 1786310819680LL * 1'000'000);
  EXPECT_EQ(t.instrument, common::InstrumentId{10});
  EXPECT_NE(t.trade_id, 0u);                                      // UUID: hashed
  EXPECT_EQ(p.events()[1].trade.trade_id, 2280000001739247417u);  // decimal: itself
  EXPECT_EQ(p.events()[1].trade.aggressor, common::Side::kBuy);

  // Unknown symbols are dropped and counted, not an error.
  r = p.parse_unpadded(R"({"topic":"publicTrade.SOLUSDT","type":"snapshot","ts":1,"data":[)"
                       R"({"T":1,"s":"SOLUSDT","S":"Buy","v":"1","p":"77.26","i":"x"}]})",
                       0);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(p.events().empty());
  EXPECT_EQ(p.counters().unknown_symbol.load(), 1u);
}

TEST(BybitMdParser, ControlAndOtherFrames) {
  MdParser p(linear_table());
  auto r =
      p.parse_unpadded(R"({"success":true,"ret_msg":"","conn_id":"d8bu1olkndm7crnfs1e0-j6akw",)"
                       R"("req_id":"","op":"subscribe"})",
                       0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, MdFrameKind::kSubscription);
  EXPECT_EQ(p.control().conn_id, "d8bu1olkndm7crnfs1e0-j6akw");
  r = p.parse_unpadded(R"({"success":true,"ret_msg":"pong","conn_id":"x","req_id":"","op":"ping"})",
                       0);
  EXPECT_EQ(*r, MdFrameKind::kPong);
  r = p.parse_unpadded(R"({"success":false,"ret_msg":"error:handler not found","op":"subscribe"})",
                       0);
  EXPECT_EQ(*r, MdFrameKind::kSubscription);
  EXPECT_FALSE(p.control().success);
  EXPECT_EQ(p.counters().venue_errors.load(), 1u);
  r = p.parse_unpadded(R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT"},)"
                       R"("cs":753843907770,"ts":1786310817883})",
                       0);
  EXPECT_EQ(*r, MdFrameKind::kOther);
}

TEST(BybitMdParser, WriteSubscription) {
  char buf[128];
  const std::string_view topics[] = {"orderbook.200.BTCUSDT", "publicTrade.BTCUSDT"};
  EXPECT_EQ(std::string_view(buf, write_subscription("subscribe", topics, "", buf, sizeof(buf))),
            R"({"op":"subscribe","args":["orderbook.200.BTCUSDT","publicTrade.BTCUSDT"]})");
  EXPECT_EQ(std::string_view(buf, write_subscription("unsubscribe", std::span(topics, 1), "r1", buf,
                                                     sizeof(buf))),
            R"({"req_id":"r1","op":"unsubscribe","args":["orderbook.200.BTCUSDT"]})");
  EXPECT_EQ(write_subscription("subscribe", topics, "", buf, 20), 0u);
}

std::string book_frame(std::string_view type, std::uint64_t u, std::string_view bids,
                       std::string_view asks) {
  return std::string(R"({"topic":"orderbook.50.BTCUSDT","type":")") + std::string(type) +
         R"(","ts":1786310818129,"data":{"s":"BTCUSDT","b":[)" + std::string(bids) + R"(],"a":[)" +
         std::string(asks) + R"(],"u":)" + std::to_string(u) + R"(,"seq":1}})";
}

// Venue doc §5.2 rule 4: u == 1 means the service restarted; the message replaces the book.
TEST(BybitMdParser, URestartResetsTheBook) {
  MdParser p(linear_table());
  common::L2Book book(256);
  const auto feed = [&](const std::string& f) {
    const auto r = p.parse_unpadded(f, 0);
    EXPECT_TRUE(r.ok()) << f;
    for (const common::MdEvent& e : p.events()) {
      if (e.kind == MdKind::kBookDelta) static_cast<void>(book.apply(e.delta));
      if (e.kind == MdKind::kBookReset) book.invalidate(e.reset.reason);
    }
    return p.book().outcome;
  };
  EXPECT_EQ(feed(book_frame("snapshot", 500, R"(["100","1"],["99","2"])", R"(["101","1"])")),
            BookOutcome::kSnapshot);
  EXPECT_EQ(feed(book_frame("delta", 501, R"(["98","3"])", "")), BookOutcome::kDelta);
  EXPECT_EQ(book.depth(BookSide::kBid), 3u);
  // The restart arrives typed as a delta: still a full replacement.
  EXPECT_EQ(feed(book_frame("delta", 1, R"(["200","1"])", R"(["201","1"])")),
            BookOutcome::kSnapshot);
  EXPECT_TRUE(p.book().restart);
  EXPECT_EQ(p.events().front().delta.flags & bf::kSnapshotBegin, bf::kSnapshotBegin);
  EXPECT_TRUE(book.is_valid());
  EXPECT_EQ(book.depth(BookSide::kBid), 1u);
  EXPECT_EQ(book.best_bid().price, px("200"));
  EXPECT_EQ(feed(book_frame("delta", 2, R"(["199","1"])", "")), BookOutcome::kDelta);
  EXPECT_EQ(feed(book_frame("delta", 4, R"(["198","1"])", "")), BookOutcome::kGap);
  EXPECT_EQ(p.book().prev_u, 2u);
  EXPECT_FALSE(book.is_valid());
  EXPECT_EQ(p.counters().restarts.load(), 1u);
  EXPECT_EQ(p.counters().gaps.load(), 1u);
}

TEST(BybitMdParser, RepeatedOrBackwardsUIsAGap) {
  for (const std::uint64_t bad_u : {std::uint64_t{10}, std::uint64_t{9}, std::uint64_t{12}}) {
    MdParser p(linear_table());
    ASSERT_TRUE(p.parse_unpadded(book_frame("snapshot", 10, R"(["1","1"])", ""), 0).ok());
    ASSERT_TRUE(p.parse_unpadded(book_frame("delta", bad_u, R"(["1","2"])", ""), 0).ok());
    EXPECT_EQ(p.book().outcome, BookOutcome::kGap) << bad_u;
    ASSERT_EQ(p.events().size(), 1u);
    EXPECT_EQ(p.events()[0].kind, MdKind::kBookReset);
    EXPECT_EQ(p.events()[0].reset.reason, common::ResetReason::kSequenceGap);
    EXPECT_EQ(p.events()[0].reset.instrument, common::InstrumentId{10});
    // Until the next snapshot every delta is dropped, even a "contiguous" one.
    ASSERT_TRUE(p.parse_unpadded(book_frame("delta", bad_u + 1, R"(["1","3"])", ""), 0).ok());
    EXPECT_EQ(p.book().outcome, BookOutcome::kDropped);
    ASSERT_TRUE(p.parse_unpadded(book_frame("snapshot", 20, R"(["1","1"])", ""), 0).ok());
    EXPECT_EQ(p.book().outcome, BookOutcome::kSnapshot);
    ASSERT_TRUE(p.parse_unpadded(book_frame("delta", 21, R"(["1","2"])", ""), 0).ok());
    EXPECT_EQ(p.book().outcome, BookOutcome::kDelta);
  }
}

TEST(BybitMdParser, DepthMismatchAndAutoBind) {
  MdParser p(linear_table());
  ASSERT_TRUE(p.parse_unpadded(book_frame("snapshot", 10, R"(["1","1"])", ""), 0).ok());
  std::string other = book_frame("snapshot", 10, R"(["1","1"])", "");
  other.replace(other.find("orderbook.50"), 12, "orderbook.200");
  ASSERT_TRUE(p.parse_unpadded(other, 0).ok());
  EXPECT_EQ(p.book().outcome, BookOutcome::kDepthMismatch);

  MdParser a{SymbolTable{}};
  a.enable_auto_bind(100);
  ASSERT_TRUE(a.parse_unpadded(book_frame("snapshot", 10, R"(["1","1"])", ""), 0).ok());
  EXPECT_EQ(a.book().instrument, common::InstrumentId{100});
  EXPECT_EQ(a.symbols().size(), 1u);
}

TEST(BybitMdParser, MalformedFramesAreErrorsNotCrashes) {
  MdParser p(linear_table());
  ASSERT_TRUE(p.parse_unpadded(book_frame("snapshot", 10, R"(["1","1"])", ""), 0).ok());
  const std::string bad[] = {
      "",
      "   \n",
      "pong",
      "[1,2]",
      "{",
      R"({"topic":5})",
      R"({"ret_msg":"x"})",
      R"({"topic":"orderbook.x.BTCUSDT","data":{}})",
      book_frame("snapshotx", 11, R"(["1","1"])", ""),
      book_frame("delta", 11, R"(["1","1","2"])", ""),
      book_frame("delta", 11, R"(["1"])", ""),
      book_frame("delta", 11, R"(["-1","1"])", ""),
      book_frame("delta", 11, R"(["1","-1"])", ""),
      book_frame("delta", 11, R"(["1.000000001","1"])", ""),
      book_frame("delta", 11, R"([1,"1"])", ""),
      book_frame("delta", 11, R"(["abc","1"])", ""),
      R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[]}})",
      R"({"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","u":11}})",
      R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"ETHUSDT","u":11}})",
      R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":-1,"data":{"s":"BTCUSDT","u":11}})",
      book_frame("delta", 11, "", "") + "garbage",
      R"({"topic":"publicTrade.BTCUSDT","data":[{"T":1,"S":"Hold","v":"1","p":"1","i":"x"}]})",
      R"({"topic":"publicTrade.BTCUSDT","data":[{"T":1,"S":"Buy","v":"0","p":"1","i":"x"}]})",
      R"({"topic":"publicTrade.BTCUSDT","data":[{"T":1,"S":"Buy","v":"1","p":"1"}]})",
      R"({"topic":"publicTrade.BTCUSDT","data":{}})",
      // Found by the fuzzer: a syntax error met while looking for "topic" killed the iterator.
      R"({"topie":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT9,"bid1Price":)"
      R"("65114.20","bid1Sizc":"7.583"},"cs":7538443652]79,"ts":17863108"6083})",
  };
  for (const std::string& f : bad) {
    const auto r = p.parse_unpadded(f, 0);
    EXPECT_FALSE(r.ok()) << f;
    EXPECT_TRUE(p.events().empty()) << f;
  }
  EXPECT_EQ(p.counters().malformed.load(), std::size(bad));
  // A failed frame leaves the sequence state alone: u 11 is still the next one.
  ASSERT_TRUE(p.parse_unpadded(book_frame("delta", 11, R"(["1","2"])", ""), 0).ok());
  EXPECT_EQ(p.book().outcome, BookOutcome::kDelta);
  // A buffer without padding is refused, not over-read.
  const std::string f = book_frame("delta", 12, "", "");
  EXPECT_FALSE(p.parse(f.data(), f.size(), f.size(), 0).ok());
  EXPECT_EQ(p.counters().errors(MdError::kNoPadding), 1u);
}

// ---- the recorded capture ----

// An independent reference: simdjson DOM + std::map, wire order, no sequence logic.
using RefSide = std::map<std::int64_t, std::int64_t>;
struct RefBook {
  RefSide bids, asks;
};

std::map<std::string, RefBook> reference_books(const std::vector<Frame>& frames) {
  std::map<std::string, RefBook> books;
  simdjson::dom::parser parser;
  for (const Frame& f : frames) {
    simdjson::dom::element doc;
    if (parser.parse(f.payload).get(doc)) continue;
    std::string_view topic;
    if (doc["topic"].get(topic) || !topic.starts_with("orderbook.")) continue;
    RefBook& b = books[f.conn + " " + std::string(topic)];
    std::string_view type;
    EXPECT_FALSE(doc["type"].get(type));
    if (type == "snapshot") b = RefBook{};
    for (const auto& [key, side] : {std::pair{"b", &b.bids}, std::pair{"a", &b.asks}}) {
      for (simdjson::dom::element level : doc["data"][key].get_array()) {
        const Price p = *Price::parse(std::string_view(level.at(0)));
        const Qty q = *Qty::parse(std::string_view(level.at(1)));
        if (q.is_zero()) {
          side->erase(p.raw());
        } else {
          (*side)[p.raw()] = q.raw();
        }
      }
    }
  }
  return books;
}

TEST(BybitCapture, RebuildsEveryOrderbookTopicOnBothConnections) {
  PEREGRINE_REQUIRE_DATA(path, kCapture);
  std::string err;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kCryptofeed, &err);
  ASSERT_NE(reader, nullptr) << err;
  BookRebuildOptions opts;
  opts.top_levels = 100000;
  const BookRebuildSummary s = rebuild_books(*reader, opts);
  EXPECT_TRUE(s.error.empty()) << s.error;
  EXPECT_EQ(s.malformed, 0u);
  EXPECT_EQ(s.gaps, 0u);
  EXPECT_EQ(s.crossed, 0u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.book_messages, 2148u);
  EXPECT_EQ(s.trade_messages, 120u);
  EXPECT_EQ(s.trades, 347u);

  struct Want {
    const char* conn;
    const char* topic;
    std::uint64_t deltas;
    const char* bid;
    const char* ask;
  };
  const Want want[] = {
      {"BYBIT.ws.2", "orderbook.200.BTCUSDT", 413, "65114.2", "65114.3"},
      {"BYBIT.ws.2", "orderbook.200.ETHUSDT", 420, "1922.54", "1922.55"},
      {"BYBIT.ws.2", "orderbook.200.SOLUSDT", 382, "77.26", "77.27"},
      {"BYBIT.ws.2", "orderbook.200.DOGEUSDT", 379, "0.07055", "0.07056"},
      {"BYBIT.ws.3", "orderbook.200.BTCUSDT", 299, "65140.4", "65140.5"},
      {"BYBIT.ws.3", "orderbook.200.ETHUSDT", 249, "1923.28", "1923.29"},
  };
  ASSERT_EQ(s.books.size(), std::size(want));
  const auto reference = reference_books(load_capture(path));
  for (const Want& w : want) {
    const RebuiltBook* b = nullptr;
    for (const RebuiltBook& x : s.books) {
      if (x.conn == w.conn && x.topic == w.topic) b = &x;
    }
    ASSERT_NE(b, nullptr) << w.conn << " " << w.topic;
    SCOPED_TRACE(std::string(w.conn) + " " + w.topic);
    EXPECT_EQ(b->snapshots, 1u);
    EXPECT_EQ(b->deltas, w.deltas);
    EXPECT_EQ(b->last_u - b->first_u, w.deltas);  // contiguous u
    EXPECT_EQ(b->gaps, 0u);
    EXPECT_EQ(b->crossed, 0u);
    EXPECT_TRUE(b->valid);
    EXPECT_EQ(b->bid_depth, 200u);
    EXPECT_EQ(b->ask_depth, 200u);
    ASSERT_FALSE(b->bids.empty());
    EXPECT_EQ(b->bids[0].price, px(w.bid));
    EXPECT_EQ(b->asks[0].price, px(w.ask));
    // Every level equals the independent reference rebuild.
    const RefBook& ref = reference.at(std::string(w.conn) + " " + w.topic);
    ASSERT_EQ(b->bids.size(), ref.bids.size());
    ASSERT_EQ(b->asks.size(), ref.asks.size());
    auto rb = ref.bids.rbegin();
    for (const common::Level& l : b->bids) {
      EXPECT_EQ(l.price.raw(), rb->first);
      EXPECT_EQ(l.qty.raw(), rb->second);
      ++rb;
    }
    auto ra = ref.asks.begin();
    for (const common::Level& l : b->asks) {
      EXPECT_EQ(l.price.raw(), ra->first);
      EXPECT_EQ(l.qty.raw(), ra->second);
      ++ra;
    }
  }
  EXPECT_NE(format_summary(s).find("orderbook.200.BTCUSDT: 1 snapshot + 413 deltas"),
            std::string::npos);
}

// rebuild_books on a small synthetic cryptofeed file: checkpoints, mismatches, gaps, resyncs,
// and the two connections kept apart.
TEST(BybitRebuild, SyntheticCaptureCountsCheckpointsGapsAndResyncs) {
  const auto record = [](std::string_view conn, const std::string& frame) {
    std::string escaped;
    for (const char c : frame) {
      if (c == '"') escaped += '\\';
      escaped += c;
    }
    return R"({"t":"recv","conn":")" + std::string(conn) + R"(","ts":1786310818.5,"data":")" +
           escaped + "\"}\n";
  };
  const auto frame = [](std::string_view type, std::uint64_t u, std::string_view bids) {
    return std::string(R"({"topic":"orderbook.50.BTCUSDT","type":")") + std::string(type) +
           R"(","ts":1786310818129,"data":{"s":"BTCUSDT","b":[)" + std::string(bids) +
           R"(],"a":[["101","1"]],"u":)" + std::to_string(u) + R"(,"seq":1}})";
  };
  std::string text = R"({"t":"header","format":2,"exchange":"BYBIT"})"
                     "\n";
  text += record("A", frame("snapshot", 10, R"(["100","1"])"));
  text += record("B", frame("snapshot", 70, R"(["90","5"])"));  // same symbol, other connection
  text += record("A", frame("delta", 11, R"(["99","2"])"));
  text += record("A", frame("snapshot", 12, R"(["100","1"],["99","2"])"));  // checkpoint: match
  text += record("A", frame("snapshot", 13, R"(["100","1"])"));             // checkpoint: mismatch
  text += record("A", frame("delta", 15, R"(["98","1"])"));                 // gap
  text += record("A", frame("delta", 16, R"(["97","1"])"));                 // dropped
  text += record("A", frame("snapshot", 20, R"(["100","3"])"));             // resync
  text += record("A", frame("delta", 21, R"(["99","4"])"));
  text += record("A", "not json");
  const auto path = std::filesystem::temp_directory_path() / "bybit_rebuild_test.jsonl";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
    std::fclose(f);
  }
  std::string err;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kCryptofeed, &err);
  ASSERT_NE(reader, nullptr) << err;
  const BookRebuildSummary s = rebuild_books(*reader);
  std::filesystem::remove(path);
  EXPECT_TRUE(s.error.empty()) << s.error;
  EXPECT_EQ(s.messages, 10u);
  EXPECT_EQ(s.malformed, 1u);
  ASSERT_EQ(s.books.size(), 2u);
  const RebuiltBook& a = s.books[0];
  EXPECT_EQ(a.conn, "A");
  EXPECT_EQ(a.snapshots, 4u);
  EXPECT_EQ(a.deltas, 2u);
  EXPECT_EQ(a.checkpoints, 2u);
  EXPECT_EQ(a.mismatches, 1u);
  EXPECT_EQ(a.gaps, 1u);
  EXPECT_EQ(a.dropped, 1u);
  EXPECT_EQ(a.resyncs, 1u);
  EXPECT_TRUE(a.valid);
  ASSERT_EQ(a.bids.size(), 2u);
  EXPECT_EQ(a.bids[0], (common::Level{px("100"), qty("3")}));
  EXPECT_EQ(a.bids[1], (common::Level{px("99"), qty("4")}));
  const RebuiltBook& b = s.books[1];
  EXPECT_EQ(b.conn, "B");
  EXPECT_EQ(b.bids[0].price, px("90"));
  EXPECT_EQ(s.gaps, 1u);
  EXPECT_EQ(s.checkpoints, 2u);
  EXPECT_NE(format_summary(s).find("checkpoints 2 (1 mismatched)"), std::string::npos);
}

// The frames of one topic of one connection, in order.
std::vector<std::string> topic_frames(const std::vector<Frame>& frames, std::string_view conn,
                                      std::string_view topic) {
  std::vector<std::string> out;
  for (const Frame& f : frames) {
    if (f.conn == conn && f.payload.find(std::string("\"topic\":\"") + std::string(topic) + "\"") !=
                              std::string::npos) {
      out.push_back(f.payload);
    }
  }
  return out;
}

struct Fed {
  std::unique_ptr<MdParser> parser = std::make_unique<MdParser>(linear_table());
  std::unique_ptr<common::L2Book> book = std::make_unique<common::L2Book>();
  BookOutcome feed(const std::string& frame) {
    const auto r = parser->parse_unpadded(frame, 0);
    EXPECT_TRUE(r.ok());
    for (const common::MdEvent& e : parser->events()) {
      if (e.kind == MdKind::kBookDelta) {
        const auto a = book->apply(e.delta);
        EXPECT_NE(a, common::BookApplyResult::kCrossed);
      } else if (e.kind == MdKind::kBookReset) {
        book->invalidate(e.reset.reason);
      }
    }
    return parser->book().outcome;
  }
};

// A snapshot frame holding exactly `book`'s levels, with update id u.
std::string snapshot_of(const common::L2Book& book, std::uint64_t u) {
  std::string f = R"({"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1786310830000,)"
                  R"("data":{"s":"BTCUSDT","b":[)";
  const auto side = [&](BookSide s) {
    bool first = true;
    book.for_each_level(s, [&](const common::Level& l) {
      if (!first) f += ',';
      first = false;
      f += "[\"" + l.price.to_string() + "\",\"" + l.qty.to_string() + "\"]";
    });
  };
  side(BookSide::kBid);
  f += R"(],"a":[)";
  side(BookSide::kAsk);
  f += R"(],"u":)" + std::to_string(u) + R"(,"seq":1},"cts":1786310830000})";
  return f;
}

bool same_levels(const common::L2Book& a, const common::L2Book& b) {
  for (const BookSide s : {BookSide::kBid, BookSide::kAsk}) {
    if (a.depth(s) != b.depth(s)) return false;
    for (std::size_t i = 0; i < a.depth(s); ++i) {
      if (!(a.level(s, i) == b.level(s, i))) return false;
    }
  }
  return true;
}

TEST(BybitCapture, DeletedDeltaIsAGapAndASnapshotRecovers) {
  PEREGRINE_REQUIRE_DATA(path, kCapture);
  const auto frames = topic_frames(load_capture(path), "BYBIT.ws.2", "orderbook.200.BTCUSDT");
  ASSERT_EQ(frames.size(), 414u);
  constexpr std::size_t kDeleted = 100;  // a delta lost in transit
  constexpr std::size_t kResync = 250;   // the fresh snapshot arrives instead of this delta

  Fed reference;
  Fed live;
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const BookOutcome ref = reference.feed(frames[i]);
    EXPECT_EQ(ref, i == 0 ? BookOutcome::kSnapshot : BookOutcome::kDelta);
    if (i == kDeleted) continue;
    if (i == kResync) {
      // Resubscribing yields a snapshot of the current state: built from the reference book.
      const std::string snap = snapshot_of(*reference.book, reference.parser->book().u);
      EXPECT_EQ(live.feed(snap), BookOutcome::kSnapshot);
      EXPECT_TRUE(live.book->is_valid());
      EXPECT_TRUE(same_levels(*live.book, *reference.book));
      continue;
    }
    const BookOutcome got = live.feed(frames[i]);
    if (i == kDeleted + 1) {
      EXPECT_EQ(got, BookOutcome::kGap);
      ASSERT_EQ(live.parser->events().size(), 1u);
      const common::MdEvent& e = live.parser->events()[0];
      ASSERT_EQ(e.kind, MdKind::kBookReset);
      EXPECT_EQ(e.reset.reason, common::ResetReason::kSequenceGap);
      EXPECT_EQ(e.reset.venue, common::VenueId::kBybit);
      EXPECT_EQ(e.reset.venue_seq, live.parser->book().u);
      EXPECT_EQ(live.parser->book().u, live.parser->book().prev_u + 2);
      EXPECT_FALSE(live.book->is_valid());
    } else if (i > kDeleted + 1 && i < kResync) {
      EXPECT_EQ(got, BookOutcome::kDropped);
      EXPECT_FALSE(live.book->is_valid());
      ++dropped;
    } else {
      EXPECT_EQ(got, i == 0 ? BookOutcome::kSnapshot : BookOutcome::kDelta) << i;
    }
  }
  EXPECT_EQ(live.parser->counters().gaps.load(), 1u);
  EXPECT_EQ(live.parser->counters().dropped_unsynced.load(), dropped);
  EXPECT_TRUE(live.book->is_valid());
  EXPECT_TRUE(same_levels(*live.book, *reference.book));
  EXPECT_GT(reference.book->depth(BookSide::kBid), 100u);
}

TEST(BybitCapture, EveryFrameParsesAndTheHotPathDoesNotAllocate) {
  PEREGRINE_REQUIRE_DATA(path, kCapture);
  const auto frames = load_capture(path);
  ASSERT_EQ(frames.size(), 3227u);
  std::map<std::string, std::unique_ptr<MdParser>> parsers;
  for (const Frame& f : frames) {
    auto& p = parsers[f.conn];
    if (!p) {
      p = std::make_unique<MdParser>(SymbolTable{});
      p->enable_auto_bind(0);
    }
  }
  // Warm-up pass: binds symbols and sizes the copy buffer; then a counted pass.
  for (const Frame& f : frames) ASSERT_TRUE(parsers[f.conn]->parse_unpadded(f.payload, 0).ok());
  for (auto& [conn, p] : parsers) p->reset_all();
  std::vector<MdParser*> order;
  for (const Frame& f : frames) order.push_back(parsers[f.conn].get());
  const peregrine::testing::AllocScope scope;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (!order[i]->parse_unpadded(frames[i].payload, 0).ok()) ADD_FAILURE() << i;
  }
  EXPECT_EQ(scope.count(), 0u);
}

}  // namespace
}  // namespace peregrine::gateways::bybit
