#include "gateways/binance/md_codec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "gateways/capture/capture_reader.hpp"
#include "support/test_data.hpp"

namespace peregrine::gateways::binance {
namespace {

using common::BookSide;
using common::Price;
using common::Qty;
namespace bf = common::book_flags;

Price px(std::string_view s) { return Price::parse(s).value(); }
Qty qty(std::string_view s) { return Qty::parse(s).value(); }

// The first `max` payloads of a capture (hftbacktest format).
std::vector<std::string> read_payloads(const std::filesystem::path& path, std::size_t max) {
  std::vector<std::string> out;
  std::string error;
  auto reader =
      capture::CaptureReader::open(path.string(), capture::CaptureFormat::kHftbacktest, &error);
  if (!reader) return out;
  capture::CaptureRecord rec;
  while (out.size() < max && reader->next(&rec)) out.emplace_back(rec.payload);
  return out;
}

// Real frames, copied verbatim from the captures (binance/usdm/btcusdt_20240808.gz and the spot
// and COIN-M files of the same day).
constexpr std::string_view kUsdmDepth =
    R"({"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161329846,"T":1723161329845,"s":"BTCUSDT","U":5123114269452,"u":5123114271572,"pu":5123114269274,"b":[["5000.00","2.321"],["18541.20","0.000"],["61792.00","0.011"]],"a":[["61804.10","2.579"],["61851.60","0.064"],["61853.10","0.002"],["61853.20","0.000"]]}})";
constexpr std::string_view kUsdmTicker =
    R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}})";
constexpr std::string_view kUsdmTrade =
    R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}})";
constexpr std::string_view kSpotTicker =
    R"({"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}})";
constexpr std::string_view kSpotDepth =
    R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255308,"s":"BTCUSDT","U":50093239203,"u":50093239207,"b":[["55653.87000000","0.00000000"]],"a":[["61838.04000000","0.32332000"],["61844.30000000","0.40163000"],["61862.50000000","0.05019000"],["61862.51000000","0.00000000"]]}})";
constexpr std::string_view kCoinmTicker =
    R"({"stream":"btcusd_perp@bookTicker","data":{"u":1007198632021,"e":"bookTicker","s":"BTCUSD_PERP","ps":"BTCUSD","b":"61804.7","B":"35","a":"61804.8","A":"1645","T":1723161257465,"E":1723161257476}})";
constexpr std::string_view kSpotTrade =
    R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}})";
// aggTrade as documented (binance_usdm.md §6.4), raw (unwrapped) payload.
constexpr std::string_view kAggTrade =
    R"({"e":"aggTrade","E":123456789,"s":"BTCUSDT","a":5933014,"p":"0.001","q":"100","nq":"100","f":100,"l":105,"T":123456785,"m":true})";

class MdCodecTest : public ::testing::Test {
 protected:
  MdCodecTest() {
    EXPECT_TRUE(symbols_.add("BTCUSDT", common::InstrumentId{3}));
    EXPECT_TRUE(symbols_.add("BTCUSD_PERP", common::InstrumentId{4}));
  }
  common::Result<MdFrameKind, MdError> parse(std::string_view s, common::Nanos ts = 0) {
    return parser_.parse_unpadded(s, ts);
  }
  void expect_error(std::string_view s, MdError e) {
    const auto r = parse(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error(), e) << s;
  }
  SymbolTable symbols_;
  MdParser parser_{symbols_};
};

TEST_F(MdCodecTest, FuturesDepthUpdateDeletionsFirst) {
  const auto r = parse(kUsdmDepth, 77);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(*r, MdFrameKind::kDepth);
  EXPECT_EQ(parser_.stream(), "btcusdt@depth@0ms");
  const DepthUpdate& d = parser_.depth();
  EXPECT_EQ(d.first_id, 5123114269452u);
  EXPECT_EQ(d.last_id, 5123114271572u);
  EXPECT_TRUE(d.has_prev);
  EXPECT_EQ(d.prev_last_id, 5123114269274u);
  EXPECT_EQ(d.ts_venue, 1723161329846LL * 1'000'000);
  EXPECT_EQ(d.ts_txn, 1723161329845LL * 1'000'000);
  EXPECT_EQ(d.ts_recv, 77);
  EXPECT_EQ(d.instrument.value, 3u);
  ASSERT_EQ(d.deltas.size(), 7u);
  // Deletions first (bid then ask), then updates in wire order.
  const struct {
    BookSide side;
    std::string_view price, qty;
  } want[] = {{BookSide::kBid, "18541.2", "0"},     {BookSide::kAsk, "61853.2", "0"},
              {BookSide::kBid, "5000", "2.321"},    {BookSide::kBid, "61792", "0.011"},
              {BookSide::kAsk, "61804.1", "2.579"}, {BookSide::kAsk, "61851.6", "0.064"},
              {BookSide::kAsk, "61853.1", "0.002"}};
  for (std::size_t i = 0; i < 7; ++i) {
    const common::BookDelta& bd = d.deltas[i];
    EXPECT_EQ(bd.side, want[i].side) << i;
    EXPECT_EQ(bd.price, px(want[i].price)) << i;
    EXPECT_EQ(bd.qty, qty(want[i].qty)) << i;
    EXPECT_EQ(bd.venue_seq, 5123114271572u);
    EXPECT_EQ(bd.venue, common::VenueId::kBinance);
    EXPECT_EQ(bd.instrument.value, 3u);
    EXPECT_EQ(bd.flags, i == 6 ? bf::kEndOfBatch : 0) << i;
  }
  EXPECT_EQ(parser_.counters().depth_frames.load(), 1u);
}

TEST_F(MdCodecTest, SpotDepthHasNoPu) {
  const auto r = parse(kSpotDepth);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(*r, MdFrameKind::kDepth);
  const DepthUpdate& d = parser_.depth();
  EXPECT_FALSE(d.has_prev);
  EXPECT_EQ(d.ts_txn, 0);
  EXPECT_EQ(d.first_id, 50093239203u);
  ASSERT_EQ(d.deltas.size(), 5u);
  EXPECT_TRUE(d.deltas[0].qty.is_zero());
  EXPECT_TRUE(d.deltas[1].qty.is_zero());
  EXPECT_EQ(d.deltas[4].price, px("61862.5"));
}

TEST_F(MdCodecTest, RawPayloadWithoutEnvelope) {
  const std::string_view raw = kUsdmDepth.substr(kUsdmDepth.find("\"data\":") + 7);
  const auto r = parse(raw.substr(0, raw.size() - 1));
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(*r, MdFrameKind::kDepth);
  EXPECT_TRUE(parser_.stream().empty());
  EXPECT_EQ(parser_.depth().deltas.size(), 7u);
  // "data" before "stream" is fine too.
  const auto r2 = parse(
      R"({"data":{"e":"trade","E":1,"T":2,"s":"BTCUSDT","t":9,"p":"1.5","q":"2","m":true},"stream":"btcusdt@trade"})");
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(*r2, MdFrameKind::kTrade);
  EXPECT_EQ(parser_.stream(), "btcusdt@trade");
}

TEST_F(MdCodecTest, BookTickers) {
  auto r = parse(kUsdmTicker, 5);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(*r, MdFrameKind::kBookTicker);
  BookTicker t = parser_.book_ticker();
  EXPECT_EQ(t.venue_seq, 5123107839020u);
  EXPECT_EQ(t.bid_price, px("61800.2"));
  EXPECT_EQ(t.bid_qty, qty("2.507"));
  EXPECT_EQ(t.ask_price, px("61800.3"));
  EXPECT_EQ(t.ask_qty, qty("2.51"));
  EXPECT_EQ(t.ts_venue, 1723161256313LL * 1'000'000);
  EXPECT_EQ(t.instrument.value, 3u);
  r = parse(kSpotTicker);  // spot: no e/E/T
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(*r, MdFrameKind::kBookTicker);
  t = parser_.book_ticker();
  EXPECT_EQ(t.venue_seq, 50093239212u);
  EXPECT_EQ(t.ts_venue, 0);
  EXPECT_EQ(t.ask_qty, qty("1.54698"));
  r = parse(kCoinmTicker);  // COIN-M: u before e, contracts
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(*r, MdFrameKind::kBookTicker);
  EXPECT_EQ(parser_.book_ticker().ask_qty, qty("1645"));
  EXPECT_EQ(parser_.book_ticker().instrument.value, 4u);
}

TEST_F(MdCodecTest, TradesAndAggTrades) {
  auto r = parse(kUsdmTrade, 1);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(*r, MdFrameKind::kTrade);
  common::Trade t = parser_.trade();
  EXPECT_EQ(t.trade_id, 5266583935u);
  EXPECT_EQ(t.venue_seq, 5266583935u);
  EXPECT_EQ(t.price, px("61800.3"));
  EXPECT_EQ(t.qty, qty("0.006"));
  EXPECT_EQ(t.aggressor, common::Side::kBuy);  // buyer not maker: the buyer took
  EXPECT_EQ(t.ts_venue, 1723161256322LL * 1'000'000);
  r = parse(kSpotTrade);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(parser_.trade().aggressor, common::Side::kSell);
  r = parse(kAggTrade);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(*r, MdFrameKind::kTrade);
  t = parser_.trade();
  EXPECT_EQ(t.trade_id, 5933014u);
  EXPECT_EQ(t.qty, qty("100"));
  EXPECT_EQ(t.aggressor, common::Side::kSell);
  EXPECT_EQ(t.ts_venue, 123456785LL * 1'000'000);
}

TEST_F(MdCodecTest, Snapshots) {
  auto r = parse(
      R"({"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,"bids":[["4.00000000","431.00000000"],["3.9","1"]],"asks":[["4.00000200","12.00000000"]]})",
      9);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(*r, MdFrameKind::kSnapshot);
  const DepthSnapshot& s = parser_.snapshot();
  EXPECT_EQ(s.last_update_id, 1027024u);
  EXPECT_EQ(s.ts_venue, 1589436922972LL * 1'000'000);
  ASSERT_EQ(s.deltas.size(), 3u);
  EXPECT_EQ(s.deltas[0].flags, bf::kSnapshotBegin);
  EXPECT_EQ(s.deltas[1].flags, 0);
  EXPECT_EQ(s.deltas[2].flags, bf::kSnapshotEnd | bf::kEndOfBatch);
  EXPECT_EQ(s.deltas[2].side, BookSide::kAsk);
  // Worst level first on each side (L2Book appends instead of shifting).
  EXPECT_EQ(s.deltas[0].price, px("3.9"));
  EXPECT_EQ(s.deltas[1].price, px("4"));
  EXPECT_EQ(s.deltas[2].price, px("4.000002"));
  EXPECT_EQ(s.deltas[0].venue_seq, 1027024u);
  // Spot: no E/T. Empty book: one marker carrying every flag.
  r = parse(R"({"lastUpdateId":5,"bids":[],"asks":[]})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(parser_.snapshot().deltas.size(), 1u);
  EXPECT_EQ(parser_.snapshot().deltas[0].flags,
            bf::kSnapshotBegin | bf::kSnapshotEnd | bf::kEndOfBatch);
  EXPECT_TRUE(parser_.snapshot().deltas[0].price.is_zero());
  // REST body for a known instrument; anything else is refused.
  r = parser_.parse_snapshot_unpadded(R"({"lastUpdateId":5,"bids":[["1","1"]],"asks":[]})",
                                      common::InstrumentId{42}, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(parser_.snapshot().instrument.value, 42u);
  EXPECT_EQ(parser_.snapshot().deltas[0].instrument.value, 42u);
  r = parser_.parse_snapshot_unpadded(kUsdmTicker, common::InstrumentId{42}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), MdError::kUnknownFrame);
}

TEST_F(MdCodecTest, CapturedFramesOfEveryMarket) {
  const char* files[] = {"binance/usdm/btcusdt_20240808.gz", "binance/spot/btcusdt_20240808.gz",
                         "binance/coinm/btcusd_perp_20240808.gz"};
  for (const char* f : files) {
    PEREGRINE_REQUIRE_DATA(path, f);
    std::size_t kinds[8] = {};
    for (const std::string& p : read_payloads(path, 3000)) {
      const auto r = parse(p);
      ASSERT_TRUE(r.ok()) << f << ": " << to_string(r.error()) << "\n" << p.substr(0, 300);
      ++kinds[static_cast<std::size_t>(*r)];
      if (*r == MdFrameKind::kDepth) {
        const auto& d = parser_.depth();
        EXPECT_LE(d.first_id, d.last_id);
        EXPECT_EQ(d.has_prev, std::string_view(f).find("spot") == std::string_view::npos);
        if (!d.deltas.empty()) {
          EXPECT_EQ(d.deltas.back().flags, bf::kEndOfBatch);
        }
      }
    }
    EXPECT_GT(kinds[static_cast<std::size_t>(MdFrameKind::kDepth)], 0u) << f;
    EXPECT_GT(kinds[static_cast<std::size_t>(MdFrameKind::kBookTicker)], 0u) << f;
    EXPECT_GT(kinds[static_cast<std::size_t>(MdFrameKind::kTrade)], 0u) << f;
    EXPECT_EQ(kinds[static_cast<std::size_t>(MdFrameKind::kSnapshot)], 1u) << f;
  }
}

TEST_F(MdCodecTest, ControlAndOtherFrames) {
  auto r = parse(R"({"result":null,"id":1})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, MdFrameKind::kSubscriptionResponse);
  r = parse(R"({"error":{"code":2,"msg":"Invalid request: unknown variant"},"id":3})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, MdFrameKind::kVenueError);
  EXPECT_EQ(parser_.text(), "Invalid request: unknown variant");
  r = parse(
      R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1680652800000,"s":"BTCUSDT","p":"28170.80000000","i":"28181.91021277","P":"28212.33680851","r":"0.00010000","T":1680681600000}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, MdFrameKind::kOther);
  EXPECT_EQ(parser_.text(), "markPriceUpdate");
  EXPECT_EQ(parser_.counters().other_frames.load(), 1u);
}

TEST_F(MdCodecTest, UnknownSymbolsAreCountedNotDropped) {
  const auto r =
      parse(R"({"e":"trade","E":1,"T":2,"s":"DOGEUSDT","t":9,"p":"1.5","q":"2","m":true})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(parser_.trade().instrument.valid());
  EXPECT_EQ(parser_.counters().unknown_symbol.load(), 1u);
}

TEST_F(MdCodecTest, MalformedFrames) {
  expect_error("", MdError::kEmpty);
  expect_error("   ", MdError::kEmpty);
  expect_error("[1,2]", MdError::kBadJson);
  expect_error("hello", MdError::kBadJson);
  expect_error(kUsdmDepth.substr(0, 120), MdError::kBadJson);
  expect_error(R"({"foo":1})", MdError::kUnknownFrame);
  expect_error(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[]})",
               MdError::kMissingField);
  expect_error(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":3,"u":2,"b":[],"a":[]})",
               MdError::kBadValue);
  expect_error(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1","2","3"]],"a":[]})",
               MdError::kBadValue);
  expect_error(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[[1,2]],"a":[]})",
               MdError::kWrongType);
  expect_error(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.2.3","1"]],"a":[]})",
               MdError::kBadDecimal);
  expect_error(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1","-1"]],"a":[]})",
               MdError::kBadValue);
  expect_error(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["0","1"]],"a":[]})",
               MdError::kBadValue);
  expect_error(R"({"e":"depthUpdate","E":"1","s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]})",
               MdError::kWrongType);
  expect_error(R"({"e":"bookTicker","u":1,"s":"BTCUSDT","b":"1","B":"1","a":"x","A":"1"})",
               MdError::kBadDecimal);
  expect_error(
      R"({"e":"trade","E":1,"T":99999999999999999,"s":"BTCUSDT","t":9,"p":"1","q":"2","m":true})",
      MdError::kBadValue);
  expect_error(R"({"lastUpdateId":1,"bids":[],"asks":{}})", MdError::kWrongType);
  // Too many levels for the fixed buffers.
  std::string big = R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[)";
  for (std::size_t i = 0; i <= MdParser::kMaxDeltas; ++i) {
    big += (i ? ",[\"" : "[\"") + std::to_string(i + 1) + "\",\"1\"]";
  }
  big += R"(],"a":[]})";
  expect_error(big, MdError::kCapacity);
  // No padding: the zero-copy entry point refuses rather than reading past the buffer.
  const std::string f(kUsdmTrade);
  const auto r = parser_.parse(f.data(), f.size(), f.size(), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), MdError::kNoPadding);
  EXPECT_TRUE(parser_.depth().deltas.empty());
  EXPECT_GT(parser_.counters().malformed.load(), 15u);
}

TEST_F(MdCodecTest, ZeroCopyEntryPoint) {
  std::string buf(kUsdmDepth);
  const std::size_t len = buf.size();
  buf.resize(len + simdjson::SIMDJSON_PADDING, '\0');
  const auto r = parser_.parse(buf.data(), len, buf.size(), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(parser_.depth().deltas.size(), 7u);
}

TEST_F(MdCodecTest, ParsingAllocatesNothing) {
  ASSERT_TRUE(parse(kUsdmDepth).ok());  // warm up
  testing::binance::AllocScope scope;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(parse(kUsdmDepth, i).ok());
    ASSERT_TRUE(parse(kUsdmTicker, i).ok());
    ASSERT_TRUE(parse(kSpotTicker, i).ok());
    ASSERT_TRUE(parse(kUsdmTrade, i).ok());
    ASSERT_FALSE(parse(kUsdmDepth.substr(0, 100), i).ok());
  }
  EXPECT_EQ(scope.count(), 0u);
}

// Seeded mutations of real frames (truncate / flip bytes / delete spans / JSON-ish noise): the
// parser never crashes (ASan/UBSan in CI), reports a value or an error, and counts every frame.
TEST_F(MdCodecTest, MutationFuzzNeverCrashes) {
  std::vector<std::string> seeds = {std::string(kUsdmDepth), std::string(kUsdmTicker),
                                    std::string(kUsdmTrade), std::string(kSpotTicker),
                                    std::string(kSpotDepth), std::string(kCoinmTicker),
                                    std::string(kAggTrade),  R"({"result":null,"id":1})"};
  for (const char* f : {"binance/usdm/btcusdt_20240808.gz", "binance/spot/btcusdt_20240808.gz",
                        "binance/coinm/btcusd_perp_20240808.gz"}) {
    for (auto& p : read_payloads(::peregrine::testing::data_root() / f, 200)) {
      if (p.size() < 20000) seeds.push_back(std::move(p));
    }
  }
  std::mt19937_64 rng(0xb1a7ce5eedull);
  auto pick = [&](std::size_t n) {
    return static_cast<std::size_t>(rng() % std::max<std::size_t>(n, 1));
  };
  constexpr std::string_view kAlphabet = "{}[]\":,0123456789.-eE nulltrfabBUuAp\\";
  constexpr int kIterations = 20'000;
  std::size_t ok = 0, failed = 0;
  for (int i = 0; i < kIterations; ++i) {
    std::string s = seeds[pick(seeds.size())];
    const int mutations = 1 + static_cast<int>(pick(4));
    for (int m = 0; m < mutations && !s.empty(); ++m) {
      switch (pick(4)) {
        case 0:
          s.resize(pick(s.size()));
          break;
        case 1:
          for (std::size_t k = 0, n = 1 + pick(8); k < n && !s.empty(); ++k) {
            s[pick(s.size())] = static_cast<char>(rng() & 0xff);
          }
          break;
        case 2: {
          const std::size_t at = pick(s.size());
          s.erase(at, pick(s.size() - at + 1));
          break;
        }
        default:
          if (!s.empty()) s[pick(s.size())] = kAlphabet[pick(kAlphabet.size())];
          break;
      }
    }
    const auto r = parse(s, i);
    if (r.ok()) {
      ++ok;
      EXPECT_LE(static_cast<int>(*r), static_cast<int>(MdFrameKind::kOther));
      if (*r == MdFrameKind::kDepth) {
        EXPECT_LE(parser_.depth().first_id, parser_.depth().last_id);
        for (const auto& d : parser_.depth().deltas) {
          EXPECT_TRUE(d.price.is_positive());
          EXPECT_FALSE(d.qty.is_negative());
        }
      }
    } else {
      ++failed;
      EXPECT_LT(static_cast<std::size_t>(r.error()), kMdErrorCount);
      EXPECT_TRUE(parser_.depth().deltas.empty());
    }
  }
  EXPECT_EQ(ok + failed, static_cast<std::size_t>(kIterations));
  EXPECT_EQ(parser_.counters().frames.load(), static_cast<std::uint64_t>(kIterations));
  EXPECT_EQ(parser_.counters().malformed.load(), failed);
  EXPECT_GT(failed, 0u);
  EXPECT_GT(ok, 0u);
}

}  // namespace
}  // namespace peregrine::gateways::binance
