// Binance gateway benchmarks, each beside its floor in the same binary:
//   market data: a raw simdjson On-Demand walk of a real depthUpdate frame (floor) vs our parse,
//     and parse + sequence + apply into common::L2Book (one typical frame; and the real USD-M
//     capture replayed in order, reporting p50/p99 per frame as counters);
//   signing: OpenSSL one-shot HMAC (floor) vs the prekeyed signer; a complete signed order
//     request; Ed25519 for comparison; a user-stream fill parsed.
// The capture benchmark needs ../shared/data (or $PEREGRINE_DATA) and is skipped without it.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/l2_book.hpp"
#include "gateways/binance/book_replay.hpp"
#include "gateways/binance/book_sync.hpp"
#include "gateways/binance/exec_parser.hpp"
#include "gateways/binance/md_codec.hpp"
#include "gateways/binance/order_codec.hpp"
#include "gateways/binance/signer.hpp"
#include "gateways/capture/capture_reader.hpp"
#include "gateways/crypto/hmac_sha256.hpp"

namespace {

namespace bn = peregrine::gateways::binance;
namespace common = peregrine::common;
namespace od = simdjson::ondemand;

// A p50-sized real frame (911 bytes, 35 levels) from binance/usdm/btcusdt_20240808.gz.
constexpr std::string_view kDepthFrame =
    R"({"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161356754,"T":1723161356750,"s":"BTCUSDT","U":5123115907968,"u":5123115909357,"pu":5123115907964,"b":[["1000.00","606.675"],["5000.00","2.321"],["61451.40","0.014"],["61607.90","0.008"],["61734.00","0.029"],["61745.90","0.084"],["61757.10","0.156"],["61762.60","0.002"],["61764.90","6.254"]],"a":[["61700.00","0.000"],["61765.00","2.198"],["61766.40","0.027"],["61767.90","0.156"],["61770.30","0.000"],["61770.50","0.240"],["61771.10","0.438"],["61772.30","0.000"],["61773.60","0.070"],["61774.00","0.082"],["61774.30","1.148"],["61775.40","0.030"],["61777.00","0.023"],["61778.40","0.002"],["61779.30","0.120"],["61779.50","0.331"],["61780.20","0.011"],["61782.00","1.131"],["61786.40","0.000"],["61793.20","0.223"],["61810.40","0.040"],["61813.10","17.262"],["61815.80","0.000"],["62310.20","0.006"],["62796.70","0.709"],["64482.60","0.058"]]}})";

constexpr std::string_view kSecret =
    "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
// What a signed LIMIT order signs (210 bytes).
constexpr std::string_view kOrderPayload =
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.002&price=61800.1&"
    "newClientOrderId=pg0123456789abcdeffedcba9876543210&timestamp=1591702613943&recvWindow=5000";

// Floor: what any On-Demand consumer must do at least: walk every field and read every level's
// two strings, without converting or storing anything.
void BM_BinanceMd_SimdjsonWalkFloor(benchmark::State& state) {
  const simdjson::padded_string frame(kDepthFrame);
  od::parser parser;
  for (auto _ : state) {
    od::document doc = parser.iterate(frame);
    std::size_t n = 0;
    for (auto field : doc.get_object()) {
      if (field.key() != "data") continue;
      for (auto df : field.value().get_object()) {
        const od::raw_json_string key = df.key();
        if (key == "b" || key == "a") {
          for (auto level : df.value().get_array()) {
            for (auto x : level.get_array()) {
              std::string_view s = x.get_string();
              n += s.size();
            }
          }
        } else if (key == "U" || key == "u" || key == "pu" || key == "E" || key == "T") {
          n += static_cast<std::size_t>(df.value().get_uint64().value() & 1);
        }
      }
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kDepthFrame.size()));
}
BENCHMARK(BM_BinanceMd_SimdjsonWalkFloor);

void BM_BinanceMd_ParseDepth(benchmark::State& state) {
  const simdjson::padded_string frame(kDepthFrame);
  bn::SymbolTable symbols;
  static_cast<void>(symbols.add("BTCUSDT", common::InstrumentId{0}));
  bn::MdParser parser(symbols);
  for (auto _ : state) {
    auto r = parser.parse(frame, 1);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kDepthFrame.size()));
}
BENCHMARK(BM_BinanceMd_ParseDepth);

// Parse + apply every level to an L2Book (absolute quantities: re-applying is idempotent, so the
// same frame can repeat; BookSync is bypassed because a repeated u is stale by design).
void BM_BinanceMd_ParseApplyTypicalFrame(benchmark::State& state) {
  const simdjson::padded_string frame(kDepthFrame);
  bn::SymbolTable symbols;
  bn::MdParser parser(symbols);
  common::L2Book book;
  bn::L2BookSink sink(book);
  for (auto _ : state) {
    if (parser.parse(frame, 1).ok()) sink.on_deltas(parser.depth().deltas);
    benchmark::DoNotOptimize(book.best_bid());
  }
}
BENCHMARK(BM_BinanceMd_ParseApplyTypicalFrame);

std::filesystem::path data_root() {
  if (const char* env = std::getenv("PEREGRINE_DATA"); env != nullptr && *env != '\0') return env;
#ifdef PEREGRINE_SOURCE_DIR
  return std::filesystem::path(PEREGRINE_SOURCE_DIR) / ".." / "shared" / "data";
#else
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / ".." / "shared" / "data";
#endif
}

// The USD-M BTCUSDT capture: its REST snapshot and every depth frame from the one that bridges it.
struct Capture {
  std::string snapshot;
  std::vector<simdjson::padded_string> frames;
  std::string error;
};

const Capture& capture() {
  static const Capture c = [] {
    Capture out;
    const auto path = data_root() / "binance/usdm/btcusdt_20240808.gz";
    auto reader = peregrine::gateways::capture::CaptureReader::open(
        path.string(), peregrine::gateways::capture::CaptureFormat::kHftbacktest, &out.error);
    if (!reader) {
      out.error = "capture not found: " + path.string();
      return out;
    }
    bn::SymbolTable symbols;
    bn::MdParser scan(symbols);
    // The snapshot line is logged when the REST response arrived, after a few depth frames: keep
    // every depth frame and start at the one that bridges the snapshot.
    std::vector<simdjson::padded_string> all;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ids;  // U, u
    std::uint64_t snapshot_id = 0;
    peregrine::gateways::capture::CaptureRecord rec;
    while (reader->next(&rec)) {
      const auto k = scan.parse_unpadded(rec.payload, 0);
      if (!k) continue;
      if (*k == bn::MdFrameKind::kSnapshot && out.snapshot.empty()) {
        out.snapshot.assign(rec.payload);
        snapshot_id = scan.snapshot().last_update_id;
      } else if (*k == bn::MdFrameKind::kDepth) {
        all.emplace_back(rec.payload);
        ids.emplace_back(scan.depth().first_id, scan.depth().last_id);
      }
    }
    for (std::size_t i = 0; i < all.size() && !out.snapshot.empty(); ++i) {
      if (!out.frames.empty() || (ids[i].first <= snapshot_id && snapshot_id <= ids[i].second)) {
        out.frames.push_back(std::move(all[i]));
      }
    }
    if (out.frames.empty()) out.error = "no bridging depth frame in the capture";
    return out;
  }();
  return c;
}

void report_percentiles(benchmark::State& state, std::vector<std::int64_t>& ns) {
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = static_cast<double>(ns[ns.size() / 2]);
  state.counters["p90_ns"] = static_cast<double>(ns[ns.size() * 9 / 10]);
  state.counters["p99_ns"] = static_cast<double>(ns[ns.size() * 99 / 100]);
}

// Parse only, over the capture's depth frames in order (the codec's share of the next one).
void BM_BinanceMd_ParseCapture(benchmark::State& state) {
  const Capture& c = capture();
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  bn::SymbolTable symbols;
  bn::MdParser parser(symbols);
  std::vector<std::int64_t> ns;
  ns.reserve(1u << 20);
  std::size_t i = 0;
  for (auto _ : state) {
    if (i == c.frames.size()) i = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = parser.parse(c.frames[i++], 1);
    benchmark::DoNotOptimize(r);
    const auto t1 = std::chrono::steady_clock::now();
    if (ns.size() < ns.capacity()) ns.push_back((t1 - t0).count());
  }
  report_percentiles(state, ns);
}
BENCHMARK(BM_BinanceMd_ParseCapture);

// The real capture in order: parse + BookSync + L2Book per depth frame, from the bridging frame
// to the end of the file, then again from a re-applied snapshot (outside the timing).
void BM_BinanceMd_ParseSyncApplyCapture(benchmark::State& state) {
  const Capture& c = capture();
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  bn::SymbolTable symbols;
  bn::MdParser parser(symbols);
  bn::MdParser snap_parser(symbols);
  common::L2Book book(bn::BookReplay::kBookCapacity);
  bn::L2BookSink sink(book);
  bn::BookSync sync(bn::Market::kUsdm, common::InstrumentId{0});
  auto restart = [&] {
    sync.reset(common::ResetReason::kReconnect, 0, sink);
    if (snap_parser.parse_unpadded(c.snapshot, 0).ok()) {
      static_cast<void>(sync.on_snapshot(snap_parser.snapshot(), sink));
    }
  };
  restart();
  std::vector<std::int64_t> ns;
  ns.reserve(1u << 20);
  std::size_t i = 0;
  std::uint64_t applied = 0;
  for (auto _ : state) {
    if (i == c.frames.size()) {
      state.PauseTiming();
      restart();
      i = 0;
      state.ResumeTiming();
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (parser.parse(c.frames[i], 1).ok() &&
        sync.on_depth(parser.depth(), sink) == bn::DepthOutcome::kApplied) {
      ++applied;
    }
    const auto t1 = std::chrono::steady_clock::now();
    if (ns.size() < ns.capacity()) ns.push_back((t1 - t0).count());
    ++i;
  }
  report_percentiles(state, ns);
  state.counters["applied_pct"] =
      100.0 * static_cast<double>(applied) / static_cast<double>(state.iterations());
  state.counters["frames"] = static_cast<double>(c.frames.size());
}
BENCHMARK(BM_BinanceMd_ParseSyncApplyCapture);

// A resync: the capture's 1000+1000-level REST snapshot parsed and applied to an L2Book.
void BM_BinanceMd_SnapshotResync(benchmark::State& state) {
  const Capture& c = capture();
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  const simdjson::padded_string body(c.snapshot);
  bn::SymbolTable symbols;
  bn::MdParser parser(symbols);
  common::L2Book book;
  bn::L2BookSink sink(book);
  bn::BookSync sync(bn::Market::kUsdm, common::InstrumentId{0});
  for (auto _ : state) {
    sync.reset(common::ResetReason::kReconnect, 0, sink);
    if (parser.parse(body, 1).ok())
      benchmark::DoNotOptimize(sync.on_snapshot(parser.snapshot(), sink));
  }
}
BENCHMARK(BM_BinanceMd_SnapshotResync);

// ---- signing ----------------------------------------------------------------------------------

void BM_BinanceSign_OpensslHmacFloor(benchmark::State& state) {
  char hex[64];
  for (auto _ : state) {
    const auto d = peregrine::gateways::crypto::hmac_sha256_openssl(kSecret, kOrderPayload);
    peregrine::gateways::crypto::to_hex(d, hex);
    benchmark::DoNotOptimize(hex);
  }
}
BENCHMARK(BM_BinanceSign_OpensslHmacFloor);

void BM_BinanceSign_PrekeyedHmac(benchmark::State& state) {
  const bn::HmacSigner signer("key", kSecret);
  char hex[64];
  for (auto _ : state) {
    signer.sign(kOrderPayload, {}, hex);
    benchmark::DoNotOptimize(hex);
  }
}
BENCHMARK(BM_BinanceSign_PrekeyedHmac);

void BM_BinanceSign_Ed25519(benchmark::State& state) {
  std::array<std::uint8_t, 32> seed{};
  seed[0] = 7;
  auto key = bn::Ed25519Signer::from_seed("key", seed);
  if (!key) {
    state.SkipWithError("Ed25519 key");
    return;
  }
  auto signer = std::move(key).value();
  char out[bn::Ed25519Signer::kMaxEncodedChars];
  std::size_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer->sign_url(kOrderPayload, {}, out, sizeof(out), &n));
  }
}
BENCHMARK(BM_BinanceSign_Ed25519);

// A complete signed POST /fapi/v1/order: parameters rendered, timestamp/recvWindow, HMAC, hex.
void BM_BinanceOrder_SignedLimitRequest(benchmark::State& state) {
  bn::Signer signer(std::make_unique<bn::HmacSigner>("key", kSecret));
  bn::OrderCodec codec(signer);
  bn::NewOrder o;
  o.symbol = "BTCUSDT";
  o.cloid = common::ClientOrderId{0x0123456789abcdefull, 0xfedcba9876543210ull};
  o.side = common::Side::kBuy;
  o.tif = common::TimeInForce::kPostOnly;
  o.price = common::Price::from_raw(6180010000000);
  o.qty = common::Qty::from_raw(200000);
  char buf[bn::OrderCodec::kMaxRequestBytes];
  std::int64_t ts = 1591702613943;
  for (auto _ : state) {
    auto r = codec.new_order(o, ts++, buf);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_BinanceOrder_SignedLimitRequest);

void BM_BinanceOrder_ParseFillEvent(benchmark::State& state) {
  constexpr std::string_view kFill =
      R"({"e":"ORDER_TRADE_UPDATE","T":1723161256322,"E":1723161256330,"o":{"s":"BTCUSDT","c":"pg0123456789abcdeffedcba9876543210","S":"BUY","o":"LIMIT","f":"GTC","q":"0.010","p":"61800.10","ap":"61800.10000","sp":"0","x":"TRADE","X":"PARTIALLY_FILLED","i":4036152387,"l":"0.004","z":"0.004","L":"61800.10","N":"USDT","n":"0.04944008","T":1723161256322,"t":5266583935,"b":"370.8006","a":"0","m":true,"R":false,"wt":"CONTRACT_PRICE","ot":"LIMIT","ps":"BOTH","cp":false,"rp":"0","pP":false,"si":0,"ss":0,"V":"EXPIRE_MAKER","pm":"NONE","gtd":0,"er":"0"}})";
  bn::SymbolTable symbols;
  static_cast<void>(symbols.add("BTCUSDT", common::InstrumentId{0}));
  bn::ExecParser parser(symbols);
  for (auto _ : state) {
    auto r = parser.parse_user(kFill, 1);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_BinanceOrder_ParseFillEvent);

}  // namespace
