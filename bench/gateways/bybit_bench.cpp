// Bybit codecs beside their floors, in one binary:
//   market data: raw simdjson On-Demand walk of the real BTCUSDT orderbook.200 frames (floor)
//                vs MdParser (parse + u check) vs parse + apply into common::L2Book;
//   signing:     one-shot OpenSSL HMAC (floor), OpenSSL SHA-256 with copied keyed states (the
//                floor for any prekeyed HMAC: it uses the SHA-NI instructions) vs the prekeyed
//                signer (crypto::HmacSha256Key) on an order-create body;
//   orders:      body only, and the complete signed create (body + HMAC + header block).
// Frames come from ../shared/data/bybit/BYBIT.jsonl.zst ($PEREGRINE_DATA overrides the data
// root); without it the market-data benchmarks report an error and the others still run.
// OpenSSL's low-level SHA256_* calls are deprecated in 3.x but are the only allocation-free way to
// copy a keyed state; used here for a floor only.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <benchmark/benchmark.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/l2_book.hpp"
#include "gateways/bybit/md_codec.hpp"
#include "gateways/bybit/order_codec.hpp"
#include "gateways/bybit/signer.hpp"
#include "gateways/capture/capture_reader.hpp"
#include "gateways/crypto/hmac_sha256.hpp"

namespace {

namespace bybit = peregrine::gateways::bybit;
namespace capture = peregrine::gateways::capture;
namespace crypto = peregrine::gateways::crypto;
namespace common = peregrine::common;
namespace od = simdjson::ondemand;

std::filesystem::path data_root() {
  if (const char* env = std::getenv("PEREGRINE_DATA"); env != nullptr && *env != '\0') return env;
#ifdef PEREGRINE_SOURCE_DIR
  return std::filesystem::path(PEREGRINE_SOURCE_DIR) / ".." / "shared" / "data";
#else
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / ".." / "shared" / "data";
#endif
}

// The linear BTCUSDT book in wire order: 1 snapshot, then 413 contiguous deltas. Cycling through
// it keeps u contiguous (the snapshot at each wrap resets the book).
struct Corpus {
  std::vector<simdjson::padded_string> frames;
  std::size_t bytes = 0;
  std::size_t levels = 0;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus out;
    std::string err;
    const auto path = data_root() / "bybit" / "BYBIT.jsonl.zst";
    auto reader =
        capture::CaptureReader::open(path.string(), capture::CaptureFormat::kCryptofeed, &err);
    if (!reader) return out;
    capture::CaptureRecord rec;
    while (reader->next(&rec)) {
      if (rec.kind != capture::RecordKind::kRecv || rec.conn != "BYBIT.ws.2") continue;
      if (rec.payload.find("\"topic\":\"orderbook.200.BTCUSDT\"") == std::string_view::npos) {
        continue;
      }
      out.frames.emplace_back(rec.payload);
      out.bytes += rec.payload.size();
    }
    return out;
  }();
  return c;
}

bool have_corpus(benchmark::State& state) {
  if (corpus().frames.size() > 1) return true;
  state.SkipWithError("capture not found: set PEREGRINE_DATA");
  return false;
}

// Floor: the same On-Demand walk MdParser does (every key, every level's two strings, u), with
// no decimal conversion, no sequence logic and no output.
void BM_BybitMd_OndemandWalkFloor(benchmark::State& state) {
  if (!have_corpus(state)) return;
  const auto& frames = corpus().frames;
  od::parser parser;
  std::size_t i = 0;
  std::uint64_t sink = 0;
  for (auto _ : state) {
    const simdjson::padded_string& f = frames[i];
    i = i + 1 == frames.size() ? 0 : i + 1;
    od::document doc;
    if (parser.iterate(f).get(doc)) state.SkipWithError("parse");
    od::object root;
    if (doc.get_object().get(root)) state.SkipWithError("root");
    for (auto field : root) {
      od::field fld;
      if (std::move(field).get(fld)) break;
      if (fld.key() != "data") continue;
      od::object data;
      if (fld.value().get_object().get(data)) break;
      for (auto dfield : data) {
        od::field d;
        if (std::move(dfield).get(d)) break;
        const od::raw_json_string k = d.key();
        if (k == "b" || k == "a") {
          for (auto level : d.value().get_array()) {
            for (auto s : level.get_array()) {
              std::string_view v;
              if (!s.get_string().get(v)) sink += v.size();
            }
          }
        } else if (k == "u") {
          std::uint64_t u = 0;
          if (!d.value().get_uint64().get(u)) sink += u;
        }
      }
    }
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(corpus().bytes / frames.size()));
}
BENCHMARK(BM_BybitMd_OndemandWalkFloor);

void BM_BybitMd_Parse(benchmark::State& state) {
  if (!have_corpus(state)) return;
  const auto& frames = corpus().frames;
  bybit::SymbolTable table;
  static_cast<void>(table.bind("BTCUSDT", common::InstrumentId{0}));
  bybit::MdParser parser(table);
  std::size_t i = 0;
  for (auto _ : state) {
    const simdjson::padded_string& f = frames[i];
    i = i + 1 == frames.size() ? 0 : i + 1;
    const auto r = parser.parse(f.data(), f.size(), f.size() + simdjson::SIMDJSON_PADDING, 0);
    benchmark::DoNotOptimize(r);
  }
  if (parser.counters().gaps.load() != 0) state.SkipWithError("unexpected gap");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_BybitMd_Parse);

void BM_BybitMd_ParseApplyL2Book(benchmark::State& state) {
  if (!have_corpus(state)) return;
  const auto& frames = corpus().frames;
  bybit::SymbolTable table;
  static_cast<void>(table.bind("BTCUSDT", common::InstrumentId{0}));
  bybit::MdParser parser(table);
  common::L2Book book(1024);
  std::size_t i = 0;
  std::uint64_t levels = 0;
  for (auto _ : state) {
    const simdjson::padded_string& f = frames[i];
    i = i + 1 == frames.size() ? 0 : i + 1;
    if (!parser.parse(f.data(), f.size(), f.size() + simdjson::SIMDJSON_PADDING, 0)) continue;
    for (const common::MdEvent& e : parser.events()) {
      benchmark::DoNotOptimize(book.apply(e.delta));
    }
    levels += parser.events().size();
  }
  if (!book.is_valid() || book.crossed_events() != 0) state.SkipWithError("book invalid");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["levels/frame"] =
      benchmark::Counter(static_cast<double>(levels) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_BybitMd_ParseApplyL2Book);

// ---- signing and order entry ----

constexpr std::string_view kApiKey = "XXXXXXXXXXXXXXXXXX";
constexpr std::string_view kSecret = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";

bybit::NewOrder sample_order() {
  bybit::NewOrder o;
  o.symbol = "BTCUSDT";
  o.cloid = common::ClientOrderId{0x0123456789abcdefull, 0x0011223344556677ull};
  o.side = common::Side::kBuy;
  o.type = common::OrderType::kLimit;
  o.tif = common::TimeInForce::kPostOnly;
  o.qty = *common::Qty::parse("0.001");
  o.price = *common::Price::parse("65114.2");
  return o;
}

std::string sample_body() {
  char buf[512];
  const auto n = bybit::write_create_order(sample_order(), buf, sizeof(buf));
  return std::string(buf, *n);
}

// Floor: OpenSSL's one-shot HMAC over the concatenated string, hex encoded.
void BM_BybitSign_OpenSslOneShot(benchmark::State& state) {
  const std::string prehash =
      bybit::rest_string_to_sign(1786310819228, kApiKey, 5000, sample_body());
  char hex[64];
  for (auto _ : state) {
    const crypto::Digest32 d = crypto::hmac_sha256_openssl(kSecret, prehash);
    crypto::to_hex(d, hex);
    benchmark::DoNotOptimize(hex);
  }
  state.SetLabel(std::to_string(prehash.size()) + " bytes signed");
}
BENCHMARK(BM_BybitSign_OpenSslOneShot);

// Floor for a prekeyed HMAC: the ipad/opad states absorbed once, copied per request, hashed by
// OpenSSL's SHA-256 (SHA-NI where the CPU has it).
void BM_BybitSign_OpenSslPrekeyedFloor(benchmark::State& state) {
  unsigned char pad[64] = {};
  std::memcpy(pad, kSecret.data(), kSecret.size());
  SHA256_CTX inner;
  SHA256_CTX outer;
  unsigned char ipad[64];
  unsigned char opad[64];
  for (int i = 0; i < 64; ++i) {
    ipad[i] = static_cast<unsigned char>(pad[i] ^ 0x36);
    opad[i] = static_cast<unsigned char>(pad[i] ^ 0x5c);
  }
  SHA256_Init(&inner);
  SHA256_Update(&inner, ipad, 64);
  SHA256_Init(&outer);
  SHA256_Update(&outer, opad, 64);
  const std::string body = sample_body();
  char ts[20];
  char hex[64];
  std::uint64_t t = 1786310819228;
  for (auto _ : state) {
    const std::size_t n = bybit::write_decimal(t++, ts);
    SHA256_CTX c = inner;
    SHA256_Update(&c, ts, n);
    SHA256_Update(&c, kApiKey.data(), kApiKey.size());
    SHA256_Update(&c, "5000", 4);
    SHA256_Update(&c, body.data(), body.size());
    crypto::Digest32 d;
    SHA256_Final(d.data(), &c);
    SHA256_CTX o = outer;
    SHA256_Update(&o, d.data(), d.size());
    SHA256_Final(d.data(), &o);
    crypto::to_hex(d, hex);
    benchmark::DoNotOptimize(hex);
  }
}
BENCHMARK(BM_BybitSign_OpenSslPrekeyedFloor);

void BM_BybitSign_Prekeyed(benchmark::State& state) {
  const bybit::Signer signer(kApiKey, kSecret);
  const std::string body = sample_body();
  bybit::RestAuth auth;
  std::uint64_t ts = 1786310819228;
  for (auto _ : state) {
    signer.sign_rest(ts++, 5000, body, auth);
    benchmark::DoNotOptimize(auth);
  }
}
BENCHMARK(BM_BybitSign_Prekeyed);

void BM_BybitOrder_CreateBody(benchmark::State& state) {
  const bybit::NewOrder order = sample_order();
  char buf[512];
  for (auto _ : state) {
    benchmark::DoNotOptimize(bybit::write_create_order(order, buf, sizeof(buf)));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BybitOrder_CreateBody);

// Target <= 0.5 us: body + signature + the five auth header lines, ready to send.
void BM_BybitOrder_SignedCreate(benchmark::State& state) {
  const bybit::Signer signer(kApiKey, kSecret);
  bybit::NewOrder order = sample_order();
  char body[512];
  char headers[512];
  bybit::RestAuth auth;
  std::uint64_t ts = 1786310819228;
  for (auto _ : state) {
    ++order.cloid.lo;
    const auto n = bybit::write_create_order(order, body, sizeof(body));
    signer.sign_rest(ts++, 5000, std::string_view(body, *n), auth);
    benchmark::DoNotOptimize(auth.write_http_headers(headers, sizeof(headers)));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BybitOrder_SignedCreate);

void BM_BybitExec_ParseOrderUpdate(benchmark::State& state) {
  bybit::SymbolTable table;
  static_cast<void>(table.bind("BTCUSDT", common::InstrumentId{0}));
  bybit::ExecParser parser(table);
  const simdjson::padded_string frame(std::string_view(
      R"({"id":"5923240c6880ab-c59f-420b-9adb-3639adc9dd90","topic":"order",)"
      R"("creationTime":1672364262474,"data":[{"symbol":"BTCUSDT",)"
      R"("orderId":"5cf98598-39a7-459e-97bf-76ca765ee020","side":"Buy","orderType":"Limit",)"
      R"("cancelType":"UNKNOWN","price":"65114.2","qty":"0.001","orderIv":"",)"
      R"("timeInForce":"PostOnly","orderStatus":"New",)"
      R"("orderLinkId":"pg0123456789abcdef0011223344556677","lastPriceOnCreated":"65114.3",)"
      R"("reduceOnly":false,"leavesQty":"0.001","leavesValue":"65.1142","cumExecQty":"0",)"
      R"("cumExecValue":"0","avgPrice":"","blockTradeId":"","positionIdx":0,)"
      R"("cumExecFee":"0","closedPnl":"0","createdTime":"1672364262444",)"
      R"("updatedTime":"1672364262457","rejectReason":"EC_NoError","stopOrderType":"",)"
      R"("tpslMode":"","triggerPrice":"","takeProfit":"","stopLoss":"","tpTriggerBy":"",)"
      R"("slTriggerBy":"","tpLimitPrice":"","slLimitPrice":"","triggerDirection":0,)"
      R"("triggerBy":"","closeOnTrigger":false,"category":"linear","placeType":"",)"
      R"("smpType":"None","smpGroup":0,"smpOrderId":"","feeCurrency":"",)"
      R"("cumFeeDetail":{"USDT":"0"}}]})"));
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser.parse_ws(frame, 0));
  }
}
BENCHMARK(BM_BybitExec_ParseOrderUpdate);

}  // namespace
