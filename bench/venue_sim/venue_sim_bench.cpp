// peregrine-venue-sim end to end over loopback: Hyperliquid order round trip (signed order or
// cancel -> response, signature recovery included) and l2Book frames published per second.
// The floor of the round trip is two loopback hops plus one secp256k1 public-key recovery
// (~25-40 us on this class of machine), which the venue itself also pays.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tools/venue_sim/sim_client.hpp"
#include "tools/venue_sim/sim_harness.hpp"

namespace peregrine::venue_sim {
namespace {

constexpr std::string_view kPaperKey =
    "0x0123456789012345678901234567890123456789012345678901234567890123";

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

void BM_VenueSim_OrderRoundTrip(benchmark::State& state) {
  SimHarness h;
  SimHttpClient http(h.hl_port());
  auto key = gateways::crypto::EcdsaKey::from_hex(kPaperKey).value();
  std::uint64_t nonce = wall_ms();
  std::vector<double> us;
  us.reserve(100000);
  bool place = true;
  std::string oid = "0";
  for (auto _ : state) {
    // Signing is the client's cost, not the venue's: done outside the measured time.
    const std::string action =
        place ? R"({"type":"order","orders":[{"a":0,"b":true,"p":"50000","s":"0.001","r":false,)"
                R"("t":{"limit":{"tif":"Alo"}}}],"grouping":"na"})"
              : R"({"type":"cancel","cancels":[{"a":0,"o":)" + oid + "}]}";
    const std::string body = hl_signed_body(action, ++nonce, *key);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = http.request("POST", "/exchange", body);
    const auto dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(dt);
    us.push_back(dt * 1e6);
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
  if (!us.empty()) {
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[us.size() * 99 / 100];
  }
}
BENCHMARK(BM_VenueSim_OrderRoundTrip)->UseManualTime()->Iterations(4000);

// Readers for many WS sessions on one thread: async reads that just count frames.
class FrameCounter {
 public:
  FrameCounter(std::uint16_t port, int sessions) {
    for (int i = 0; i < sessions; ++i) {
      auto ws = std::make_unique<boost::beast::websocket::stream<boost::beast::tcp_stream>>(ioc_);
      boost::beast::get_lowest_layer(*ws).connect(
          {boost::asio::ip::make_address("127.0.0.1"), port});
      ws->handshake("127.0.0.1", "/ws");
      for (const char* coin : {"BTC", "ETH", "SOL"}) {
        ws->write(boost::asio::buffer(
            std::string(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":")") +
            coin + "\"}}"));
      }
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

 private:
  void read(std::size_t i) {
    sockets_[i]->async_read(buffers_[i], [this, i](boost::beast::error_code ec, std::size_t n) {
      if (ec) return;
      const auto d = buffers_[i].cdata();
      const std::string_view text(static_cast<const char*>(d.data()), std::min<std::size_t>(n, 24));
      if (text.find("\"l2Book\"") != std::string_view::npos) frames_.fetch_add(1);
      buffers_[i].consume(buffers_[i].size());
      read(i);
    });
  }

  boost::asio::io_context ioc_;
  std::vector<std::unique_ptr<boost::beast::websocket::stream<boost::beast::tcp_stream>>> sockets_;
  std::vector<boost::beast::flat_buffer> buffers_;
  std::atomic<std::uint64_t> frames_{0};
  std::thread thread_;
};

// A busy synthetic market (every book changes every tick) and `sessions` subscribers to all
// three coins: frames/s is what the venue publishes, counted where the clients receive them.
void BM_VenueSim_BookFramesPerSecond(benchmark::State& state) {
  SimConfig cfg = harness_config();
  for (auto& a : cfg.assets) {
    a.place_rate_hz = 3000;
    a.cancel_rate_hz = 3000;
    a.taker_rate_hz = 200;
  }
  SimHarness h(std::move(cfg));
  FrameCounter counter(h.hl_port(), static_cast<int>(state.range(0)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscriptions settle
  double frames_per_s = 0;
  for (auto _ : state) {
    const auto f0 = counter.book_frames();
    const auto out0 = h.server().stats().ws_frames_out.load();
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    frames_per_s = static_cast<double>(counter.book_frames() - f0) / s;
    state.counters["ws_frames_out_per_s"] =
        static_cast<double>(h.server().stats().ws_frames_out.load() - out0) / s;
  }
  state.counters["book_frames_per_s"] = frames_per_s;
}
BENCHMARK(BM_VenueSim_BookFramesPerSecond)
    ->Arg(8)
    ->Arg(32)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace peregrine::venue_sim
