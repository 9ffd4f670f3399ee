// peregrine-venue-sim end to end over loopback, beside the floors it cannot beat, in the same run:
//  - order round trip (request -> response) for Hyperliquid (signed L1 action: the venue pays one
//    secp256k1 public-key recovery per order) and Binance (HMAC-SHA256 query signature);
//  - the floors: a trivial Beast HTTP keep-alive server answering a fixed body to the same
//    client (two loopback hops plus HTTP framing), and a bare secp256k1 recovery;
//  - book-update frames per second per venue (HL l2Book, Binance depth, Bybit orderbook.50,
//    Coinbase level2), counted where a loopback client reads them, with the synthetic market
//    turned up so every book changes every tick and the publisher, not the market, is the limit.
// Round trips report p50_us/p99_us counters; signing is the client's cost and stays outside the
// measured time.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateways/crypto/keccak.hpp"
#include "tools/venue_sim/cex_common/params.hpp"
#include "tools/venue_sim/sim_client.hpp"
#include "tools/venue_sim/sim_harness.hpp"

namespace peregrine::venue_sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::string_view kPaperKey =
    "0x0123456789012345678901234567890123456789012345678901234567890123";

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Collects per-iteration round trips and reports p50/p99 in microseconds.
class RoundTrips {
 public:
  RoundTrips() { us_.reserve(100000); }
  template <typename F>
  bool time(benchmark::State& state, F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = f();
    const auto dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(dt);
    us_.push_back(dt * 1e6);
    return ok;
  }
  void report(benchmark::State& state) {
    if (us_.empty()) return;
    std::sort(us_.begin(), us_.end());
    state.counters["p50_us"] = us_[us_.size() / 2];
    state.counters["p99_us"] = us_[us_.size() * 99 / 100];
  }

 private:
  std::vector<double> us_;
};

SimConfig only_venue(common::VenueId venue) {
  SimConfig cfg = harness_config(false);
  for (auto v : common::kAllVenues) cfg.venues[common::index(v)].enabled = v == venue;
  return cfg;
}

// ---- order round trips ------------------------------------------------------------------------

// Alternates a resting post-only buy far from the market and its cancel.
void BM_VenueSim_OrderRoundTrip(benchmark::State& state) {
  SimHarness h;
  SimHttpClient http(h.hl_port());
  auto key = gateways::crypto::EcdsaKey::from_hex(kPaperKey).value();
  std::uint64_t nonce = wall_ms();
  RoundTrips rt;
  bool place = true;
  std::string oid = "0";
  for (auto _ : state) {
    const std::string action =
        place ? R"({"type":"order","orders":[{"a":0,"b":true,"p":"50000","s":"0.001","r":false,)"
                R"("t":{"limit":{"tif":"Alo"}}}],"grouping":"na"})"
              : R"({"type":"cancel","cancels":[{"a":0,"o":)" + oid + "}]}";
    const std::string body = hl_signed_body(action, ++nonce, *key);
    ClientResponse r;
    rt.time(state, [&] {
      r = http.request("POST", "/exchange", body);
      return r.status == 200;
    });
    if (r.status != 200) {
      state.SkipWithError("request failed");
      break;
    }
    if (place) {
      const auto p = r.body.find("\"oid\":");
      if (p == std::string::npos) {
        state.SkipWithError("order not resting");
        break;
      }
      oid = r.body.substr(p + 6, r.body.find_first_of("}", p) - p - 6);
    }
    place = !place;
  }
  rt.report(state);
}
BENCHMARK(BM_VenueSim_OrderRoundTrip)->UseManualTime()->Iterations(4000);

// Binance: POST /fapi/v1/order (GTX buy far below the market) then DELETE it, HMAC-signed.
void BM_VenueSim_BinanceOrderRoundTrip(benchmark::State& state) {
  SimHarness h(only_venue(common::VenueId::kBinance));
  const auto& acc = h.server().config().venues[common::index(common::VenueId::kBinance)].venue;
  const std::string api_key = acc.accounts.front().api_key;
  const std::string secret = acc.accounts.front().api_secret;
  SimHttpClient http(h.server().venue_port(common::VenueId::kBinance));
  RoundTrips rt;
  bool place = true;
  std::uint64_t n = 0;
  for (auto _ : state) {
    const std::string cid = "bench-" + std::to_string(n / 2);
    std::string query = place ? "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.01"
                                "&price=50000&newClientOrderId=" +
                                    cid
                              : "symbol=BTCUSDT&origClientOrderId=" + cid;
    query += "&timestamp=" + std::to_string(wall_ms()) + "&recvWindow=5000";
    query += "&signature=" + cex::hmac_hex(secret, {query});
    const std::string target = "/fapi/v1/order?" + query;
    ClientResponse r;
    rt.time(state, [&] {
      r = http.request(place ? "POST" : "DELETE", target, {}, std::chrono::seconds(5),
                       {{"X-MBX-APIKEY", api_key}});
      return r.status == 200;
    });
    if (r.status != 200) {
      state.SkipWithError(("request failed: " + r.body).c_str());
      break;
    }
    place = !place;
    ++n;
  }
  rt.report(state);
}
BENCHMARK(BM_VenueSim_BinanceOrderRoundTrip)->UseManualTime()->Iterations(4000);

// The HTTP floor: a trivial single-threaded Beast keep-alive server that answers every request
// with a fixed ~order-ack-sized JSON body, driven by the same client as the venue benchmarks.
class TrivialHttpServer {
 public:
  TrivialHttpServer() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      s.set_option(tcp::no_delay(true));
      stream_.emplace(std::move(s));
      read();
    });
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TrivialHttpServer() {
    ioc_.stop();
    thread_.join();
  }
  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void read() {
    req_ = {};
    http::async_read(*stream_, buf_, req_, [this](beast::error_code ec, std::size_t) {
      if (ec) return;
      res_ = {};
      res_.version(11);
      res_.result(http::status::ok);
      res_.set(http::field::content_type, "application/json");
      res_.keep_alive(true);
      res_.body() =
          R"({"orderId":1234567,"symbol":"BTCUSDT","status":"NEW","clientOrderId":"bench-1",)"
          R"("price":"50000","origQty":"0.01","executedQty":"0","timeInForce":"GTX"})";
      res_.prepare_payload();
      http::async_write(*stream_, res_, [this](beast::error_code e, std::size_t) {
        if (!e) read();
      });
    });
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  std::thread thread_;
};

void BM_VenueSim_FloorHttpPingPong(benchmark::State& state) {
  TrivialHttpServer server;
  SimHttpClient http(server.port());
  const std::string body(180, 'x');  // about a signed order's size
  RoundTrips rt;
  for (auto _ : state) {
    if (!rt.time(state, [&] { return http.request("POST", "/exchange", body).status == 200; })) {
      state.SkipWithError("request failed");
      break;
    }
  }
  rt.report(state);
}
BENCHMARK(BM_VenueSim_FloorHttpPingPong)->UseManualTime()->Iterations(4000);

// The Hyperliquid floor the venue pays too: one public-key recovery from a signature.
void BM_VenueSim_FloorSecpRecover(benchmark::State& state) {
  namespace crypto = gateways::crypto;
  auto key = crypto::EcdsaKey::from_hex(kPaperKey).value();
  crypto::Hash32 digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<std::uint8_t>(i * 7 + 1);
  const auto sig = key->sign(digest);
  crypto::Address addr{};
  for (auto _ : state) {
    if (!crypto::recover_address(digest, sig, &addr)) {
      state.SkipWithError("recover failed");
      break;
    }
    benchmark::DoNotOptimize(addr);
  }
}
BENCHMARK(BM_VenueSim_FloorSecpRecover)->Unit(benchmark::kMicrosecond);

// ---- book frames per second ------------------------------------------------------------------

struct FeedSpec {
  common::VenueId venue;
  const char* target;                  // WS upgrade path
  std::vector<std::string> subscribe;  // messages sent after the upgrade
  const char* needle;                  // a book frame has this within its first 48 bytes
};

FeedSpec feed_spec(common::VenueId v) {
  switch (v) {
    case common::VenueId::kHyperliquid: {
      FeedSpec f{v, "/ws", {}, "\"channel\":\"l2Book\""};
      for (const char* coin : {"BTC", "ETH", "SOL"}) {
        f.subscribe.push_back(
            std::string(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":")") +
            coin + "\"}}");
      }
      return f;
    }
    case common::VenueId::kBinance:
      return {v,
              "/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms/solusdt@depth@100ms",
              {},
              "@depth"};
    case common::VenueId::kBybit:
      return {v,
              "/v5/public/linear",
              {R"({"op":"subscribe","req_id":"1","args":["orderbook.50.BTCUSDT",)"
               R"("orderbook.50.ETHUSDT","orderbook.50.SOLUSDT"]})"},
              "\"topic\":\"orderbook."};
    case common::VenueId::kCoinbase:
      return {v,
              "/",
              {R"({"type":"subscribe","channel":"level2","product_ids":["BTC-PERP-INTX",)"
               R"("ETH-PERP-INTX","SOL-PERP-INTX"]})"},
              "\"channel\":\"l2_data\""};
  }
  return {};
}

// Readers for many WS sessions on one thread: async reads that just count book frames.
class FrameCounter {
 public:
  FrameCounter(std::uint16_t port, const FeedSpec& spec, int sessions) : needle_(spec.needle) {
    for (int i = 0; i < sessions; ++i) {
      auto ws = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_);
      beast::get_lowest_layer(*ws).connect({asio::ip::make_address("127.0.0.1"), port});
      beast::get_lowest_layer(*ws).socket().set_option(tcp::no_delay(true));
      ws->handshake("127.0.0.1", spec.target);
      for (const auto& m : spec.subscribe) ws->write(asio::buffer(m));
      sockets_.push_back(std::move(ws));
      buffers_.emplace_back();
    }
    for (std::size_t i = 0; i < sockets_.size(); ++i) read(i);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FrameCounter() {
    ioc_.stop();
    thread_.join();
  }
  [[nodiscard]] std::uint64_t book_frames() const noexcept { return frames_.load(); }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_.load(); }

 private:
  void read(std::size_t i) {
    sockets_[i]->async_read(buffers_[i], [this, i](beast::error_code ec, std::size_t n) {
      if (ec) return;
      const auto d = buffers_[i].cdata();
      const std::string_view text(static_cast<const char*>(d.data()), std::min<std::size_t>(n, 48));
      if (text.find(needle_) != std::string_view::npos) {
        frames_.fetch_add(1, std::memory_order_relaxed);
      }
      bytes_.fetch_add(n, std::memory_order_relaxed);
      buffers_[i].consume(buffers_[i].size());
      read(i);
    });
  }

  std::string needle_;
  asio::io_context ioc_;
  std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>> sockets_;
  std::vector<beast::flat_buffer> buffers_;
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::thread thread_;
};

SimConfig busy_market(SimConfig cfg) {
  for (auto& a : cfg.assets) {
    a.place_rate_hz = 3000;
    a.cancel_rate_hz = 3000;
    a.taker_rate_hz = 200;
  }
  return cfg;
}

// One venue alone, `sessions` subscribers to its three books, a market busy enough that every
// book changes every 1 ms tick (so at most 3 000 book frames/s per session). frames/s is
// counted where the clients receive them.
void BM_VenueSim_BookFrames(benchmark::State& state) {
  const auto venue = static_cast<common::VenueId>(state.range(0));
  SimHarness h(busy_market(only_venue(venue)));
  const FeedSpec spec = feed_spec(venue);
  FrameCounter counter(h.server().venue_port(venue), spec, static_cast<int>(state.range(1)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscriptions settle
  double frames_per_s = 0;
  for (auto _ : state) {
    const auto f0 = counter.book_frames();
    const auto b0 = counter.bytes();
    const auto out0 = h.server().stats().ws_frames_out.load();
    const auto ticks0 = h.server().stats().ticks.load();
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    frames_per_s = static_cast<double>(counter.book_frames() - f0) / s;
    state.counters["rx_MB_per_s"] = static_cast<double>(counter.bytes() - b0) / s / 1e6;
    state.counters["ws_frames_out_per_s"] =
        static_cast<double>(h.server().stats().ws_frames_out.load() - out0) / s;
    state.counters["ticks_per_s"] =
        static_cast<double>(h.server().stats().ticks.load() - ticks0) / s;
  }
  state.counters["book_frames_per_s"] = frames_per_s;
  state.SetLabel(std::string(venue_config_name(venue)));
}
BENCHMARK(BM_VenueSim_BookFrames)
    ->ArgsProduct({{static_cast<int>(common::VenueId::kHyperliquid),
                    static_cast<int>(common::VenueId::kBinance),
                    static_cast<int>(common::VenueId::kBybit),
                    static_cast<int>(common::VenueId::kCoinbase)},
                   {8, 32, 64}})
    ->ArgNames({"venue", "sessions"})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// All four venues on the one simulator thread at once (how a paper session runs it),
// `sessions` subscribers per venue: book frames/s per venue and in total.
void BM_VenueSim_BookFramesAllVenues(benchmark::State& state) {
  SimHarness h(busy_market(harness_config(false)));
  const int sessions = static_cast<int>(state.range(0));
  std::vector<std::unique_ptr<FrameCounter>> counters;
  for (auto v : common::kAllVenues) {
    counters.push_back(
        std::make_unique<FrameCounter>(h.server().venue_port(v), feed_spec(v), sessions));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (auto _ : state) {
    std::array<std::uint64_t, common::kVenueCount> f0{};
    for (std::size_t i = 0; i < counters.size(); ++i) f0[i] = counters[i]->book_frames();
    const auto ticks0 = h.server().stats().ticks.load();
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double total = 0;
    for (std::size_t i = 0; i < counters.size(); ++i) {
      const double r = static_cast<double>(counters[i]->book_frames() - f0[i]) / s;
      state.counters[std::string(venue_config_name(common::kAllVenues[i])) + "_frames_per_s"] = r;
      total += r;
    }
    state.counters["book_frames_per_s"] = total;
    state.counters["ticks_per_s"] =
        static_cast<double>(h.server().stats().ticks.load() - ticks0) / s;
  }
}
BENCHMARK(BM_VenueSim_BookFramesAllVenues)
    ->Arg(16)
    ->ArgName("sessions_per_venue")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace peregrine::venue_sim
