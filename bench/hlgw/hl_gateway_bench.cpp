// Hyperliquid gateways on their hot paths, each beside its floor in the same binary:
//   floor:  bare libsecp256k1 recoverable sign of a 32-byte digest
//   ours:   intent popped -> signed /exchange body handed to the transport (presigned and
//           RFC 6979 fallback); l2Book frame -> MdEvents in the core's queue.
// Transports are in-memory stubs, so the numbers exclude the socket write.
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "gateways/hyperliquid/md_gateway.hpp"
#include "gateways/hyperliquid/order_gateway.hpp"

namespace {

using namespace peregrine;            // NOLINT(build/namespaces): benchmark file
using namespace peregrine::gateways;  // NOLINT(build/namespaces)
namespace hl = peregrine::gateways::hyperliquid;

std::shared_ptr<const crypto::EcdsaKey> bench_key() {
  return crypto::EcdsaKey::from_hex(
             "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
      .value();
}

class StubHttp final : public HttpTransport {
 public:
  void set_listener(HttpListener* l) noexcept override { listener_ = l; }
  std::uint64_t post(std::string_view, std::string_view body) noexcept override {
    bytes_ += body.size();
    pending_.push_back(++id_);
    return id_;
  }
  int poll() noexcept override { return 0; }
  // Answers everything outstanding as filled (terminal: the order table prunes it).
  void answer_all() {
    static const std::string kFilled =
        R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"filled":{"totalSz":"0.001","avgPx":"42000","oid":1}}]}}})";
    for (auto id : pending_) {
      HttpResponse r;
      r.request_id = id;
      r.outcome = HttpOutcome::kOk;
      r.status = 200;
      r.body = kFilled;
      listener_->on_http_response(r);
    }
    pending_.clear();
  }
  std::size_t bytes_ = 0;

 private:
  HttpListener* listener_ = nullptr;
  std::vector<std::uint64_t> pending_;
  std::uint64_t id_ = 0;
};

common::Instrument btc_instrument() {
  common::Instrument i;
  i.venue = common::VenueId::kHyperliquid;
  (void)i.symbol.assign("BTC");
  (void)i.asset.assign("BTC");
  i.tick = *common::Price::parse("1");
  i.lot = *common::Qty::parse("0.00001");
  i.asset_index = 0;
  i.size_decimals = 5;
  return i;
}

void BM_HlOrderGateway_FloorSecp256k1Sign(benchmark::State& state) {
  auto key = bench_key();
  secp256k1_ecdsa_recoverable_signature sig;
  crypto::Hash32 d{};
  std::uint64_t i = 0;
  for (auto _ : state) {
    d[0] = static_cast<std::uint8_t>(i);
    d[1] = static_cast<std::uint8_t>(i++ >> 8);
    benchmark::DoNotOptimize(secp256k1_ecdsa_sign_recoverable(
        crypto::secp_context(), &sig, d.data(), key->secret_bytes().data(), nullptr, nullptr));
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_HlOrderGateway_FloorSecp256k1Sign);

// One iteration: push an intent, do_work() pops it, maps it, takes a nonce, msgpacks, hashes,
// signs, writes the body and posts it. Every kBatch iterations the clock is paused to answer
// the posts (frees the request slots) and to refill the presign pool.
void intent_to_body(benchmark::State& state, bool presigned) {
  constexpr std::size_t kBatch = 48;
  common::InstrumentRegistry registry;
  const auto btc = *registry.add(btc_instrument());
  common::WallClock clock;
  StubHttp http;
  common::SpscQueue<common::OrderIntent> intents(1024);
  common::SpscQueue<common::ExecEvent> out(1 << 16);
  crypto::PresignPool pool(bench_key(), 64);
  hl::NonceManager nonces(clock, "");
  hl::OrderGatewayConfig cfg;
  cfg.account = "0x00000000000000000000000000000000000000aa";
  hl::HlOrderGateway gw(registry, http, nullptr, intents, out, pool, nonces, clock, cfg);

  common::OrderIntent in;
  in.action = common::IntentAction::kNew;
  in.instrument = btc;
  in.price = *common::Price::parse("42000");
  in.qty = *common::Qty::parse("0.001");
  in.cloid = {0xabcdef, 0};
  std::size_t n = 0;
  auto settle = [&] {
    http.answer_all();
    common::ExecEvent e;
    while (out.try_pop(e)) {
    }
    if (presigned) {
      while (pool.refill(64) > 0) {
      }
    }
  };
  settle();
  for (auto _ : state) {
    ++in.cloid.lo;
    (void)intents.try_push(in);
    benchmark::DoNotOptimize(gw.do_work());
    if (++n == kBatch) {
      state.PauseTiming();
      settle();
      n = 0;
      state.ResumeTiming();
    }
  }
  state.counters["fallbacks"] = static_cast<double>(gw.counters().presign_fallbacks.get());
  state.counters["sends"] = static_cast<double>(gw.counters().sends.get());
}
void BM_HlOrderGateway_IntentToBodyPresigned(benchmark::State& state) {
  intent_to_body(state, true);
}
void BM_HlOrderGateway_IntentToBodyRfc6979(benchmark::State& state) {
  intent_to_body(state, false);
}
BENCHMARK(BM_HlOrderGateway_IntentToBodyPresigned);
BENCHMARK(BM_HlOrderGateway_IntentToBodyRfc6979);

// Delivers the same padded frame on every poll.
class StubWs final : public WsTransport {
 public:
  explicit StubWs(std::string frame) : frame_(std::move(frame)) {
    size_ = frame_.size();
    frame_.resize(size_ + 64, ' ');  // simdjson padding: parsed in place
  }
  void set_listener(WsListener* l) noexcept override { listener_ = l; }
  bool send_text(std::string_view) noexcept override { return true; }
  void reconnect() noexcept override {}
  LinkState state() const noexcept override { return LinkState::kOpen; }
  int poll() noexcept override {
    if (!opened_) {
      opened_ = true;
      listener_->on_ws_open();
    }
    listener_->on_ws_text(WsFrame{frame_.data(), size_, frame_.size(), 0});
    return 1;
  }

 private:
  std::string frame_;
  std::size_t size_ = 0;
  WsListener* listener_ = nullptr;
  bool opened_ = false;
};

std::string book_frame_20x20() {
  std::string f = R"({"channel":"l2Book","data":{"coin":"BTC","time":1737918794873,"levels":[[)";
  for (int i = 0; i < 20; ++i) {
    f += (i ? "," : "");
    f += R"({"px":")" + std::to_string(105000 - i) + R"(.0","sz":"0.)" + std::to_string(1000 + i) +
         R"(","n":)" + std::to_string(1 + i % 7) + "}";
  }
  f += "],[";
  for (int i = 0; i < 20; ++i) {
    f += (i ? "," : "");
    f += R"({"px":")" + std::to_string(105001 + i) + R"(.0","sz":"1.)" + std::to_string(200 + i) +
         R"(","n":)" + std::to_string(1 + i % 5) + "}";
  }
  return f + "]]}}";
}

// Floor for the next one: the codec alone on the same padded frame (no gateway, no queue).
void BM_HlMdGateway_FloorParseOnly(benchmark::State& state) {
  common::InstrumentRegistry registry;
  (void)registry.add(btc_instrument());
  hl::MdParser parser(registry);
  std::string frame = book_frame_20x20();
  const std::size_t size = frame.size();
  frame.resize(size + 64, ' ');
  for (auto _ : state) {
    auto r = parser.parse(frame.data(), size, frame.size(), 1);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_HlMdGateway_FloorParseOnly);

// One iteration: poll -> parse the 20x20 snapshot -> 40 BookDeltas pushed to the core's queue.
void BM_HlMdGateway_BookFrameToQueue(benchmark::State& state) {
  common::InstrumentRegistry registry;
  (void)registry.add(btc_instrument());
  common::TscClock clock;
  StubWs ws(book_frame_20x20());
  common::SpscQueue<common::MdEvent> out(1 << 16);
  hl::MdGatewayConfig cfg;
  cfg.coins = {"BTC"};
  hl::HlMdGateway gw(registry, ws, out, clock, cfg);
  std::size_t n = 0;
  common::MdEvent e;
  for (auto _ : state) {
    benchmark::DoNotOptimize(gw.do_work());
    if (++n == 1000) {
      state.PauseTiming();
      while (out.try_pop(e)) {
      }
      n = 0;
      state.ResumeTiming();
    }
  }
  state.counters["queue_full"] = static_cast<double>(gw.counters().queue_full.get());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 40);
}
BENCHMARK(BM_HlMdGateway_BookFrameToQueue);

}  // namespace
