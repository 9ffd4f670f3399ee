// Loopback round trips through the net clients beside their physical floor, a raw blocking TCP
// ping-pong with the same payload, in the same run. Each reports p50/p99 from a
// LatencyHistogram as counters (ns); the per-iteration time Google Benchmark prints includes
// the polling loop and is the same quantity.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>

#include "common/clock.hpp"
#include "common/latency_histogram.hpp"
#include "common/rng.hpp"
#include "gateways/net/http_client.hpp"
#include "gateways/net/rate_limiter.hpp"
#include "gateways/net/ws_client.hpp"
#include "tests/gateways/net/test_server.hpp"

namespace peregrine::gateways::net {
namespace {

constexpr std::size_t kPayload = 128;  // a typical order/subscription message

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

void report(benchmark::State& state, const common::LatencyHistogram& h) {
  state.counters["p50_ns"] = static_cast<double>(h.p50());
  state.counters["p99_ns"] = static_cast<double>(h.p99());
  state.counters["p999_ns"] = static_cast<double>(h.p999());
}

// Blocking echo server on one accepted connection: the floor for any loopback round trip.
void BM_Net_RawTcpPingPong(benchmark::State& state) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    state.SkipWithError("bind/listen failed");
    return;
  }
  std::thread server([listener] {
    const int fd = ::accept(listener, nullptr, nullptr);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char buf[kPayload];
    for (;;) {
      std::size_t got = 0;
      while (got < kPayload) {
        const ssize_t n = ::recv(fd, buf + got, kPayload - got, 0);
        if (n <= 0) {
          ::close(fd);
          return;
        }
        got += static_cast<std::size_t>(n);
      }
      if (::send(fd, buf, kPayload, 0) != static_cast<ssize_t>(kPayload)) break;
    }
    ::close(fd);
  });
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    state.SkipWithError("connect failed");
  }
  char msg[kPayload] = {};
  char back[kPayload];
  common::LatencyHistogram hist;
  for (auto _ : state) {
    const std::uint64_t t0 = now_ns();
    if (::send(fd, msg, kPayload, 0) != static_cast<ssize_t>(kPayload)) break;
    std::size_t got = 0;
    while (got < kPayload) {
      const ssize_t n = ::recv(fd, back + got, kPayload - got, 0);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    hist.record(now_ns() - t0);
  }
  ::close(fd);
  server.join();
  ::close(listener);
  report(state, hist);
}
BENCHMARK(BM_Net_RawTcpPingPong)->UseRealTime();

struct EchoCounter final : WsListener {
  std::uint64_t received = 0;
  void on_message(std::string_view, bool) override { ++received; }
};

// Send a message through WsClient to the loopback websocket echo server and poll until the
// echo arrives: framing, masking and the Beast/Asio path on both ends.
void BM_Net_WsClientRoundTrip(benchmark::State& state) {
  testing::WsTestServer server;
  boost::asio::io_context ioc;
  // Keeps poll() from stopping the context between round trips.
  auto guard = boost::asio::make_work_guard(ioc);
  common::SteadyClock clock;
  common::Rng rng(1);
  EchoCounter listener;
  common::LatencyHistogram hist;
  {
    WsClient client(ioc, clock, rng, listener);
    (void)client.connect("ws://127.0.0.1:" + std::to_string(server.port()) + "/");
    for (int i = 0; i < 1'000'000 && !client.is_open(); ++i) {
      ioc.poll();
      (void)client.poll();
    }
    if (!client.is_open()) {
      state.SkipWithError("websocket did not open");
      return;
    }
    const std::string msg(kPayload, 'x');
    for (auto _ : state) {
      const std::uint64_t t0 = now_ns();
      const std::uint64_t want = listener.received + 1;
      if (client.send_text(msg) != WsSendResult::kQueued) break;
      while (listener.received < want) {
        ioc.poll();
        (void)client.poll();
      }
      hist.record(now_ns() - t0);
    }
  }
  report(state, hist);
}
BENCHMARK(BM_Net_WsClientRoundTrip)->UseRealTime();

struct ResponseCounter final : HttpListener {
  std::uint64_t received = 0;
  void on_response(std::uint64_t, const HttpResponseView&) override { ++received; }
};

void BM_Net_HttpKeepAliveRoundTrip(benchmark::State& state) {
  testing::HttpTestServer server;
  boost::asio::io_context ioc;
  // Keeps poll() from stopping the context between round trips.
  auto guard = boost::asio::make_work_guard(ioc);
  common::SteadyClock clock;
  ResponseCounter listener;
  common::LatencyHistogram hist;
  {
    HttpOptions options;
    options.pool_size = 1;
    HttpClient client(ioc, clock, listener, options);
    if (!client.start("http://127.0.0.1:" + std::to_string(server.port()))) {
      state.SkipWithError("start failed");
      return;
    }
    const std::string body(kPayload, 'x');
    const HttpRequest req{boost::beast::http::verb::post, "/fapi/v1/order", {}, body};
    for (auto _ : state) {
      const std::uint64_t t0 = now_ns();
      const std::uint64_t want = listener.received + 1;
      if (client.submit(req, want) != HttpSubmit::kQueued) break;
      while (listener.received < want) {
        ioc.poll();
        (void)client.poll();
      }
      hist.record(now_ns() - t0);
    }
  }
  report(state, hist);
}
BENCHMARK(BM_Net_HttpKeepAliveRoundTrip)->UseRealTime();

void BM_Net_RateLimiterAcquire(benchmark::State& state) {
  RateLimiter limiter(binance::usdm_limits(), 0);
  common::Nanos now = 0;
  std::uint64_t allowed = 0;
  for (auto _ : state) {
    now += 60'000'000;  // every 60 ms: mostly allowed, both order windows refilled and checked
    const Acquire a = limiter.try_acquire(binance::kClassOrder, 1, now);
    allowed += a.allowed ? 1 : 0;
    benchmark::DoNotOptimize(a);
  }
  state.counters["allowed"] = static_cast<double>(allowed);
}
BENCHMARK(BM_Net_RateLimiterAcquire);

}  // namespace
}  // namespace peregrine::gateways::net
