// Seeded mutation fuzzing of the Bybit codecs with real frames: the recorded capture for the
// market-data parser, the docs' private-stream examples for the exec parser. Whatever the input,
// a parse must return a value or an error, never crash, hang or emit an inconsistent event
// (run under ASan/UBSan in CI).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/l2_book.hpp"
#include "gateways/bybit/md_codec.hpp"
#include "gateways/bybit/order_codec.hpp"
#include "gateways/capture/capture_reader.hpp"
#include "support/test_data.hpp"

namespace peregrine::gateways::bybit {
namespace {

constexpr int kMutations = 20000;

// Deterministic by default; PEREGRINE_FUZZ_SEED / PEREGRINE_FUZZ_ITERS explore further by hand.
std::uint64_t fuzz_seed(std::uint64_t fallback) {
  const char* v = std::getenv("PEREGRINE_FUZZ_SEED");
  return v != nullptr ? std::strtoull(v, nullptr, 0) : fallback;
}
int fuzz_iters() {
  const char* v = std::getenv("PEREGRINE_FUZZ_ITERS");
  return v != nullptr ? std::atoi(v) : kMutations;
}

std::string mutate(std::string s, std::mt19937_64& rng) {
  static const char kInteresting[] = {'"', '{', '}', '[',  ']', ',',  ':',    '0',    '1', '9',
                                      '-', '.', 'e', '\\', ' ', '\0', '\x7f', '\xff', 'u', 'n'};
  const int ops = 1 + static_cast<int>(rng() % 4);
  for (int op = 0; op < ops; ++op) {
    const std::size_t n = s.size();
    const std::size_t pos = n == 0 ? 0 : rng() % n;
    switch (rng() % 9) {
      case 0:  // flip a bit
        if (n != 0) s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
        break;
      case 1:  // overwrite with a structural or numeric character
        if (n != 0) s[pos] = kInteresting[rng() % sizeof(kInteresting)];
        break;
      case 2:  // insert one
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos),
                 kInteresting[rng() % sizeof(kInteresting)]);
        break;
      case 3:  // delete a range
        if (n != 0) s.erase(pos, 1 + rng() % 16);
        break;
      case 4:  // truncate
        s.resize(pos);
        break;
      case 5:  // duplicate a range
        if (n != 0) s.insert(pos, s.substr(pos, 1 + rng() % 64));
        break;
      case 6: {  // change a digit (moves u, prices, sizes)
        const std::size_t d = s.find_first_of("0123456789", pos);
        if (d != std::string::npos) s[d] = static_cast<char>('0' + rng() % 10);
        break;
      }
      case 7: {  // swap two bytes far apart
        if (n > 1) std::swap(s[pos], s[rng() % n]);
        break;
      }
      default:  // replace a quoted token with another key's name
        if (const std::size_t q = s.find('"', pos); q != std::string::npos) {
          static const char* kKeys[] = {"u",     "b",    "a", "type", "snapshot", "delta",
                                        "topic", "data", "s", "ts",   "seq",      "T",
                                        "S",     "p",    "v", "i"};
          const std::size_t e = s.find('"', q + 1);
          if (e != std::string::npos) s.replace(q + 1, e - q - 1, kKeys[rng() % 16]);
        }
        break;
    }
  }
  return s;
}

void check_events(const MdParser& p) {
  ASSERT_LE(p.events().size(), MdParser::kMaxEvents);
  for (const common::MdEvent& e : p.events()) {
    if (e.kind == common::MdKind::kBookDelta) {
      ASSERT_EQ(e.delta.venue, common::VenueId::kBybit);
      ASSERT_FALSE(e.delta.qty.is_negative());
    } else if (e.kind == common::MdKind::kTrade) {
      ASSERT_TRUE(e.trade.price.is_positive());
      ASSERT_TRUE(e.trade.qty.is_positive());
    } else {
      ASSERT_EQ(e.kind, common::MdKind::kBookReset);
    }
  }
}

TEST(BybitFuzz, MarketDataParserSurvivesMutatedCaptureFrames) {
  PEREGRINE_REQUIRE_DATA(path, "bybit/BYBIT.jsonl.zst");
  std::string err;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kCryptofeed, &err);
  ASSERT_NE(reader, nullptr) << err;
  std::vector<std::string> corpus;
  capture::CaptureRecord rec;
  while (reader->next(&rec)) {
    if (rec.kind == capture::RecordKind::kRecv) corpus.emplace_back(rec.payload);
  }
  ASSERT_GT(corpus.size(), 3000u);

  std::mt19937_64 rng(fuzz_seed(0xB7B17));
  const int iters = fuzz_iters();
  MdParser parser{SymbolTable{}};
  parser.enable_auto_bind(0);
  // Books fed with whatever the parser accepts: the codec's output must never break them.
  std::map<std::uint32_t, std::unique_ptr<common::L2Book>> books;
  std::size_t ok = 0;
  for (int i = 0; i < iters; ++i) {
    const std::string& seed = corpus[rng() % corpus.size()];
    const std::string input = (i % 5 == 0) ? seed : mutate(seed, rng);
    const auto r = parser.parse_unpadded(input, i);
    if (!r) {
      ASSERT_TRUE(parser.events().empty());
      continue;
    }
    ++ok;
    check_events(parser);
    for (const common::MdEvent& e : parser.events()) {
      if (e.kind != common::MdKind::kBookDelta) continue;
      auto& b = books[e.delta.instrument.value];
      if (!b) b = std::make_unique<common::L2Book>(1024);
      static_cast<void>(b->apply(e.delta));
    }
  }
  const MdCounters& c = parser.counters();
  EXPECT_EQ(c.frames.load(), static_cast<std::uint64_t>(iters));
  EXPECT_EQ(c.malformed.load() + ok, static_cast<std::uint64_t>(iters));
  EXPECT_GT(ok, static_cast<std::size_t>(iters / 5));  // the unmutated fifth at least
  EXPECT_GT(c.malformed.load(), 0u);
  EXPECT_GT(c.gaps.load(), 0u);  // mutated u values are caught
}

// Always runs, data or not: real frames copied verbatim from the capture (linear and spot
// deltas, trades, a subscribe ack, a ticker), the first delta also retyped as a snapshot.
TEST(BybitFuzz, MarketDataParserSurvivesMutatedEmbeddedFrames) {
  const std::string delta =
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1786310818328,"data":{"s":"BTCUSDT",)"
      R"("b":[["65103.90","0.094"],["65103.80","0.039"],["65092.40","0"],["65092.10","0.015"]],)"
      R"("a":[["65116.80","0"],["65117.00","0.002"],["65119.40","0.028"],["65133.50","2.301"],)"
      R"(["65133.60","0.001"],["65146.70","0"]],"u":15076955,"seq":753843918854},)"
      R"("cts":1786310818327})";
  std::string snapshot = delta;
  snapshot.replace(snapshot.find("delta"), 5, "snapshot");
  const std::string corpus[] = {
      snapshot,
      delta,
      R"({"topic":"orderbook.200.BTCUSDT","ts":1786310816618,"type":"delta","data":{)"
      R"("s":"BTCUSDT","b":[["65140.4","0.875077"]],"a":[["65154.6","0.09948"],)"
      R"(["65154.7","0.123013"],["65239","0.155135"],["65239.1","0"]],"u":62505425,)"
      R"("seq":112488545865},"cts":1786310816585})",
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310819681,"data":[)"
      R"({"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick",)"
      R"("i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7","BT":false,"RPI":false,"seq":753843954913}]})",
      R"({"topic":"publicTrade.ETHUSDT","ts":1786310821917,"type":"snapshot","data":[)"
      R"({"i":"2280000001739247417","T":1786310821917,"p":"1923.28","v":"0.04537","S":"Sell",)"
      R"("seq":178477362706,"s":"ETHUSDT","BT":false,"RPI":false}]})",
      R"({"success":true,"ret_msg":"","conn_id":"d8bu1olkndm7crnfs1e0-j6akw","req_id":"",)"
      R"("op":"subscribe"})",
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT",)"
      R"("bid1Price":"65114.20","bid1Size":"6.054","ask1Price":"65114.30","ask1Size":"10.486"},)"
      R"("cs":753843907770,"ts":1786310817883})",
  };
  std::mt19937_64 rng(fuzz_seed(0x5EED));
  MdParser parser{SymbolTable{}};
  parser.enable_auto_bind(0);
  common::L2Book book(1024);
  const int iters = fuzz_iters();
  for (int i = 0; i < iters; ++i) {
    const std::string& seed = corpus[rng() % std::size(corpus)];
    const std::string input = (i % 5 == 0) ? seed : mutate(seed, rng);
    if (!parser.parse_unpadded(input, i)) {
      ASSERT_TRUE(parser.events().empty());
      continue;
    }
    check_events(parser);
    for (const common::MdEvent& e : parser.events()) {
      if (e.kind == common::MdKind::kBookDelta) static_cast<void>(book.apply(e.delta));
    }
  }
  EXPECT_EQ(parser.counters().frames.load(), static_cast<std::uint64_t>(iters));
  EXPECT_GT(parser.counters().malformed.load(), 0u);
}

TEST(BybitFuzz, ExecParserSurvivesMutatedDocFrames) {
  const std::string corpus[] = {
      R"({"id":"5923240c6880ab","topic":"order","creationTime":1672364262474,"data":[{)"
      R"("symbol":"BTCUSDT","orderId":"5cf98598-39a7-459e-97bf-76ca765ee020","side":"Sell",)"
      R"("orderType":"Market","cancelType":"UNKNOWN","price":"72.5","qty":"1","orderIv":"",)"
      R"("timeInForce":"IOC","orderStatus":"Filled","orderLinkId":"","reduceOnly":false,)"
      R"("leavesQty":"","cumExecQty":"1","avgPrice":"75","positionIdx":0,)"
      R"("createdTime":"1672364262444","updatedTime":"1672364262457",)"
      R"("rejectReason":"EC_NoError","triggerPrice":"","cumFeeDetail":{"MNT":"0.00242968"}}]})",
      R"({"id":"592324803b2785","topic":"execution","creationTime":1672364174455,"data":[{)"
      R"("category":"linear","symbol":"BTCUSDT","execFee":"0.005061","execId":)"
      R"("7e2ae69c-4edf-5800-a352-893d52b446aa","execPrice":"0.3374","execQty":"25",)"
      R"("execType":"Trade","isMaker":false,"orderId":"f6e324ff-99c2-4e89-9739-3086e47f9381",)"
      R"("orderLinkId":"","side":"Sell","execTime":"1672364174443","seq":1}]})",
      R"({"topic":"position","creationTime":1697682317044,"data":[{"positionIdx":2,)"
      R"("symbol":"BTCUSDT","side":"","size":"0","entryPrice":"0","leverage":"10",)"
      R"("markPrice":"28184.5","curRealisedPnl":"1.26","cumRealisedPnl":"-25.06579337",)"
      R"("updatedTime":"1697682317038","positionStatus":"Normal","seq":8327597863}]})",
      R"({"topic":"wallet","creationTime":1690873065683,"data":[{"accountType":"UNIFIED",)"
      R"("totalEquity":"19620.93864593","coin":[{"coin":"USDT","equity":"4.93036732"}]}]})",
      R"({"success":true,"ret_msg":"","op":"auth","conn_id":"cejreaspqfh3sjdnldmg-p"})",
      R"({"reqId":"t","retCode":0,"retMsg":"OK","op":"order.create","data":{"orderId":)"
      R"("a4c1718a-c05f-4ff4-b1b0-44f3c8ad8e4b","orderLinkId":""},"header":{},"connId":"c"})",
  };
  SymbolTable t;
  ASSERT_TRUE(t.bind("BTCUSDT", common::InstrumentId{0}));
  ExecParser parser(t);
  std::mt19937_64 rng(fuzz_seed(0xE8EC));
  const int iters = fuzz_iters() / 2;
  for (int i = 0; i < iters; ++i) {
    const std::string input = mutate(corpus[rng() % std::size(corpus)], rng);
    if (!parser.parse_ws_unpadded(input, i).ok()) {
      ASSERT_TRUE(parser.order_updates().empty());
      ASSERT_TRUE(parser.fills().empty());
    }
    const std::string body = R"({"retCode":0,"retMsg":"OK","result":{"list":[)" +
                             mutate(R"({"orderId":"1","orderLinkId":"x"}])", rng) +
                             R"(,"success":"1"},"time":1})";
    static_cast<void>(parser.parse_rest_unpadded(RestEndpoint::kCancelAll, body, i));
  }
  EXPECT_GT(parser.counters().malformed.load(), 0u);
}

}  // namespace
}  // namespace peregrine::gateways::bybit
