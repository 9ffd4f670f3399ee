// Coinbase Advanced Trade codecs beside their floors, in one binary:
//   auth:  ES256 JWT mint (side thread, ~every 60 s) vs the cached token hand-out (order thread);
//          legacy HMAC headers for an order body
//   md:    raw simdjson On-Demand walk of a real l2_data update (floor) vs MdParser parse, and
//          parse + apply into common::L2Book
//   order: create-order body built from an OrderIntent
// Deps: peregrine::gateways (OpenSSL::Crypto, simdjson), benchmark::benchmark(_main).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstring>
#include <string>

#include "common/l2_book.hpp"
#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/md_codec.hpp"
#include "gateways/coinbase/order_codec.hpp"
#include "gateways/coinbase/signer.hpp"

namespace {

namespace cb = peregrine::gateways::coinbase;
namespace common = peregrine::common;
namespace od = simdjson::ondemand;

constexpr std::int64_t kNow = 1'786'309'548;
constexpr common::Nanos kNowNs = kNow * 1'000'000'000;

std::shared_ptr<const cb::EcKey> bench_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey_traditional(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  auto key = cb::EcKey::from_pem(std::string_view(data, static_cast<std::size_t>(n))).value();
  BIO_free(bio);
  EVP_PKEY_free(k);
  return key;
}

void BM_CoinbaseJwt_Mint(benchmark::State& state) {
  const cb::JwtMinter minter(bench_key(), "organizations/0f0e0d0c/apiKeys/5a5b5c5d");
  char out[cb::kMaxJwtBytes];
  for (auto _ : state) {
    auto r = minter.mint("POST api.coinbase.com/api/v3/brokerage/orders", kNow, out, sizeof(out));
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_CoinbaseJwt_Mint);

void BM_CoinbaseJwt_CachedHandout(benchmark::State& state) {
  const cb::JwtMinter minter(bench_key(), "organizations/0f0e0d0c/apiKeys/5a5b5c5d");
  cb::JwtCache cache(minter, "POST", "/api/v3/brokerage/orders");
  if (cache.refresh(kNowNs) != cb::JwtCache::Refresh::kMinted) state.SkipWithError("mint failed");
  common::Nanos now = kNowNs;
  for (auto _ : state) {
    std::string_view t = cache.current(now);
    benchmark::DoNotOptimize(t);
    now += 1;
  }
}
BENCHMARK(BM_CoinbaseJwt_CachedHandout);

constexpr std::string_view kOrderBody =
    R"({"client_order_id":"01234567-89ab-cdef-fedc-ba9876543210","product_id":"BTC-USD",)"
    R"("side":"BUY","order_configuration":{"limit_limit_gtc":{"base_size":"0.001",)"
    R"("limit_price":"65083.67","post_only":true}}})";

void BM_CoinbaseLegacy_SignOrder(benchmark::State& state) {
  const cb::LegacySigner signer("Sd55555555555tP3", "a-legacy-api-secret-of-typical-length");
  cb::LegacyAuthHeaders h;
  for (auto _ : state) {
    signer.sign(kNow, "POST", "/api/v3/brokerage/orders", kOrderBody, h);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_CoinbaseLegacy_SignOrder);

// A real 5-level BTC-USD update from the capture (sequence_num 103), with the sequence number
// right-aligned in a whitespace-padded field so each iteration can carry the next one.
constexpr std::string_view kUpdateHead =
    R"({"channel":"l2_data","timestamp":"2026-08-09T21:05:50.74116818Z","sequence_num":)";
constexpr std::size_t kSeqWidth = 20;
constexpr std::string_view kUpdateTail =
    R"(,"events":[{"type":"update","product_id":"BTC-USD","updates":[)"
    R"({"side":"bid","event_time":"2026-08-09T21:05:50.695739Z","price_level":"65075.83","new_quantity":"0.13682937"},)"
    R"({"side":"offer","event_time":"2026-08-09T21:05:50.695739Z","price_level":"65084.86","new_quantity":"0"},)"
    R"({"side":"offer","event_time":"2026-08-09T21:05:50.695739Z","price_level":"65085.58","new_quantity":"0.07682937"},)"
    R"({"side":"offer","event_time":"2026-08-09T21:05:50.695739Z","price_level":"65088.39","new_quantity":"0"},)"
    R"({"side":"offer","event_time":"2026-08-09T21:05:50.695739Z","price_level":"65090.99","new_quantity":"0.05514227"}]}]})";

class Frame {
 public:
  Frame() {
    buf_.assign(kUpdateHead);
    buf_.append(kSeqWidth, ' ');
    buf_.append(kUpdateTail);
    size_ = buf_.size();
    buf_.append(simdjson::SIMDJSON_PADDING, '\0');
  }
  void set_seq(std::uint64_t seq) noexcept {
    char* p = buf_.data() + kUpdateHead.size() + kSeqWidth;
    std::memset(p - kSeqWidth, ' ', kSeqWidth);
    do {
      *--p = static_cast<char>('0' + seq % 10);
      seq /= 10;
    } while (seq != 0);
  }
  [[nodiscard]] simdjson::padded_string_view view() const noexcept {
    return simdjson::padded_string_view(buf_.data(), size_, buf_.size());
  }

 private:
  std::string buf_;
  std::size_t size_ = 0;
};

common::InstrumentRegistry make_registry() {
  common::InstrumentRegistry reg;
  common::Instrument i;
  i.venue = common::VenueId::kCoinbase;
  i.kind = common::InstrumentKind::kSpot;
  static_cast<void>(i.symbol.assign("BTC-USD"));
  static_cast<void>(i.asset.assign("BTC"));
  i.tick = common::Price::parse("0.01").value();
  i.lot = common::Qty::parse("0.00000001").value();
  static_cast<void>(reg.add(i));
  return reg;
}

// 1000 levels a side around the update's prices, as a snapshot message with sequence_num 0.
std::string snapshot_frame() {
  std::string s =
      R"({"channel":"l2_data","timestamp":"2026-08-09T21:05:48.483587501Z",)"
      R"("sequence_num":0,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[)";
  for (int i = 0; i < 1000; ++i) {
    for (const bool bid : {true, false}) {
      const std::int64_t cents = bid ? 6508366 - i : 6508367 + i;
      s += std::string(R"({"side":")") + (bid ? "bid" : "offer") +
           R"(","event_time":"2026-08-09T21:05:48.170326Z","price_level":")" +
           std::to_string(cents / 100) + "." + std::to_string(cents % 100 / 10) +
           std::to_string(cents % 10) + R"(","new_quantity":"0.5"},)";
    }
  }
  s.back() = ']';
  return s + "}]}";
}

// Floor: the same walk MdParser does (envelope lookups, every level's strings), with no decimal
// parsing, no normalization and no output.
void BM_CoinbaseMd_RawWalk(benchmark::State& state) {
  Frame frame;
  od::parser parser;
  std::uint64_t seq = 1;
  std::size_t bytes = 0;
  for (auto _ : state) {
    frame.set_seq(seq++);
    od::document doc;
    if (parser.iterate(frame.view()).get(doc)) state.SkipWithError("iterate");
    od::object root = doc.get_object();
    std::string_view channel = root.find_field_unordered("channel").get_string();
    std::string_view ts = root.find_field_unordered("timestamp").get_string();
    std::uint64_t s = root.find_field_unordered("sequence_num").get_uint64();
    for (auto event : root.find_field_unordered("events").get_array()) {
      for (auto field : event.get_object()) {
        const od::raw_json_string key = field.key();
        if (key == "updates") {
          for (auto level : field.value().get_array()) {
            for (auto lf : level.get_object()) {
              std::string_view v = lf.value().get_string();
              bytes += v.size();
            }
          }
        } else {
          std::string_view v = field.value().get_string();
          bytes += v.size();
        }
      }
    }
    benchmark::DoNotOptimize(channel);
    benchmark::DoNotOptimize(ts);
    benchmark::DoNotOptimize(s);
  }
  benchmark::DoNotOptimize(bytes);
}
BENCHMARK(BM_CoinbaseMd_RawWalk);

void BM_CoinbaseMd_Parse(benchmark::State& state) {
  const common::InstrumentRegistry reg = make_registry();
  cb::MdParser parser(reg);
  if (!parser.parse_unpadded(snapshot_frame(), 0)) state.SkipWithError("snapshot");
  Frame frame;
  std::uint64_t seq = 1;
  for (auto _ : state) {
    frame.set_seq(seq++);
    auto r = parser.parse(frame.view(), 1);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(parser.events().data());
  }
  if (parser.counters().sequence_gaps.load() != 0) state.SkipWithError("unexpected gap");
}
BENCHMARK(BM_CoinbaseMd_Parse);

void BM_CoinbaseMd_ParseApply(benchmark::State& state) {
  const common::InstrumentRegistry reg = make_registry();
  cb::MdParser parser(reg);
  common::L2Book book(4096);
  if (!parser.parse_unpadded(snapshot_frame(), 0)) state.SkipWithError("snapshot");
  for (const auto& e : parser.events()) static_cast<void>(book.apply(e.delta));
  if (!book.is_valid()) state.SkipWithError("book invalid");
  Frame frame;
  std::uint64_t seq = 1;
  for (auto _ : state) {
    frame.set_seq(seq++);
    if (parser.parse(frame.view(), 1)) {
      for (const auto& e : parser.events()) {
        auto r = book.apply(e.delta);
        benchmark::DoNotOptimize(r);
      }
    }
  }
  if (!book.is_valid()) state.SkipWithError("book became invalid");
}
BENCHMARK(BM_CoinbaseMd_ParseApply);

void BM_CoinbaseOrder_BuildCreateFromIntent(benchmark::State& state) {
  common::OrderIntent in;
  in.cloid = common::ClientOrderId{0x0123456789abcdefull, 0xfedcba9876543210ull};
  in.side = common::Side::kBuy;
  in.qty = common::Qty::parse("0.001").value();
  in.price = common::Price::parse("65083.67").value();
  in.type = common::OrderType::kLimit;
  in.tif = common::TimeInForce::kPostOnly;
  char out[512];
  for (auto _ : state) {
    in.cloid.lo += 1;
    const auto req = cb::create_order_from_intent(in, "BTC-USD");
    auto n = cb::build_create_order(req.value(), out, sizeof(out));
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_CoinbaseOrder_BuildCreateFromIntent);

}  // namespace
