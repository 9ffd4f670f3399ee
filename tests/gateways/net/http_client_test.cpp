// HttpClient against the loopback HTTP server in test_server.hpp, poll-driven on this thread with
// a ManualClock for the timeouts.
#include "gateways/net/http_client.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateways/net/rate_limiter.hpp"
#include "test_server.hpp"

namespace peregrine::gateways::net {
namespace {

using testing::HttpTestServer;
using testing::ManualClock;
using testing::SelfSignedCert;

constexpr common::Nanos kSec = 1'000'000'000;

struct Seen {
  std::uint64_t tag;
  HttpError error;
  SendState sent;
  unsigned status;
  std::string body;
  std::string accepts;      // X-Accepts, looked up in another case
  std::string used_weight;  // X-MBX-USED-WEIGHT-1M
};

struct Recorder final : HttpListener {
  std::vector<Seen> seen;
  void on_response(std::uint64_t tag, const HttpResponseView& r) override {
    seen.push_back({tag, r.error(), r.sent(), r.status(), std::string(r.body()),
                    std::string(r.header("x-accepts")),
                    std::string(r.header("X-MBX-USED-WEIGHT-1M"))});
  }
};

class HttpClientTest : public ::testing::Test {
 protected:
  bool pump_until(HttpClient& client, std::size_t responses, int rounds = 20000) {
    return testing::pump(
        ioc_, [&] { return client.poll(); }, [&] { return rec_.seen.size() >= responses; }, rounds);
  }
  static std::string base(std::uint16_t port, std::string_view scheme = "http",
                          std::string_view host = "127.0.0.1") {
    return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(port);
  }

  boost::asio::io_context ioc_;
  ManualClock clock_;
  Recorder rec_;
};

TEST_F(HttpClientTest, KeepAliveReusesOneConnection) {
  HttpTestServer server;
  HttpClient client(ioc_, clock_, rec_);
  ASSERT_TRUE(client.start(base(server.port())));
  const HttpHeader headers[] = {{"X-MBX-APIKEY", "k"}, {"Content-Type", "application/json"}};
  for (std::uint64_t i = 0; i < 5; ++i) {
    const std::string body = "n=" + std::to_string(i);
    HttpRequest req{boost::beast::http::verb::post, "/fapi/v1/order", headers, body};
    ASSERT_EQ(client.submit(req, 100 + i), HttpSubmit::kQueued);
    ASSERT_TRUE(pump_until(client, i + 1));
  }
  ASSERT_EQ(rec_.seen.size(), 5u);
  for (std::uint64_t i = 0; i < 5; ++i) {
    const Seen& s = rec_.seen[i];
    EXPECT_EQ(s.tag, 100 + i);
    EXPECT_EQ(s.error, HttpError::kNone);
    EXPECT_EQ(s.sent, SendState::kCompleted);
    EXPECT_EQ(s.status, 200u);
    EXPECT_EQ(s.body, "POST /fapi/v1/order n=" + std::to_string(i));
    EXPECT_EQ(s.accepts, "1");  // case-insensitive lookup of X-Accepts
    EXPECT_EQ(s.used_weight, "7");
  }
  EXPECT_EQ(server.accepts(), 1);
  EXPECT_EQ(client.counters().connects.load(), 1u);
  EXPECT_EQ(client.counters().responses.load(), 5u);
}

TEST_F(HttpClientTest, PoolOfNRunsNInParallelThenReportsBusy) {
  HttpTestServer server;
  HttpOptions options;
  options.pool_size = 3;
  HttpClient client(ioc_, clock_, rec_, options);
  ASSERT_TRUE(client.start(base(server.port())));
  const HttpRequest req{boost::beast::http::verb::get, "/fapi/v1/depth?symbol=BTCUSDT", {}, {}};
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_EQ(client.submit(req, i), HttpSubmit::kQueued);
  EXPECT_EQ(client.submit(req, 3), HttpSubmit::kBusy);
  EXPECT_EQ(client.in_flight(), 3u);
  ASSERT_TRUE(pump_until(client, 3));
  EXPECT_EQ(server.accepts(), 3);
  EXPECT_EQ(client.open_connections(), 3u);
  // All three stay open and are reused.
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_EQ(client.submit(req, 10 + i), HttpSubmit::kQueued);
  ASSERT_TRUE(pump_until(client, 6));
  EXPECT_EQ(server.accepts(), 3);
  EXPECT_EQ(client.counters().busy.load(), 1u);
}

TEST_F(HttpClientTest, WarmUpOpensThePoolBeforeTheFirstRequest) {
  HttpTestServer server;
  HttpOptions options;
  options.pool_size = 2;
  HttpClient client(ioc_, clock_, rec_, options);
  ASSERT_TRUE(client.start(base(server.port())));
  client.warm_up();
  // Both sides: the client's connect can complete before the server thread counts the accept.
  ASSERT_TRUE(testing::pump(
      ioc_, [&] { return client.poll(); },
      [&] { return client.open_connections() == 2 && server.accepts() == 2; }));
  ASSERT_EQ(client.submit({boost::beast::http::verb::get, "/x", {}, {}}, 1), HttpSubmit::kQueued);
  ASSERT_TRUE(pump_until(client, 1));
  EXPECT_EQ(rec_.seen[0].error, HttpError::kNone);
  EXPECT_EQ(server.accepts(), 2);
}

TEST_F(HttpClientTest, TimeoutAfterWriteIsMaybeSent) {
  HttpTestServer server;
  HttpOptions options;
  options.request_timeout_ns = 3 * kSec;
  HttpClient client(ioc_, clock_, rec_, options);
  ASSERT_TRUE(client.start(base(server.port())));
  ASSERT_EQ(client.submit({boost::beast::http::verb::post, "/slow", {}, "order"}, 7),
            HttpSubmit::kQueued);
  ASSERT_TRUE(testing::pump(
      ioc_, [&] { return client.poll(); }, [&] { return server.requests() == 1; }));
  clock_.advance(3 * kSec - 1);
  EXPECT_EQ(client.poll(), 0);
  EXPECT_TRUE(rec_.seen.empty());
  clock_.advance(1);
  EXPECT_EQ(client.poll(), 1);
  ASSERT_EQ(rec_.seen.size(), 1u);
  EXPECT_EQ(rec_.seen[0].tag, 7u);
  EXPECT_EQ(rec_.seen[0].error, HttpError::kTimeout);
  EXPECT_EQ(rec_.seen[0].sent, SendState::kMaybeSent);
  EXPECT_EQ(client.counters().maybe_sent.load(), 1u);
  EXPECT_EQ(client.counters().timeouts.load(), 1u);
  // The timed-out connection is not reused: the next request opens a fresh one.
  ASSERT_EQ(client.submit({boost::beast::http::verb::get, "/next", {}, {}}, 8),
            HttpSubmit::kQueued);
  ASSERT_TRUE(pump_until(client, 2));
  EXPECT_EQ(rec_.seen[1].error, HttpError::kNone);
  EXPECT_EQ(server.accepts(), 2);
}

TEST_F(HttpClientTest, RefusedPortIsNotSent) {
  HttpClient client(ioc_, clock_, rec_);
  ASSERT_TRUE(client.start(base(testing::closed_port())));
  ASSERT_EQ(client.submit({boost::beast::http::verb::post, "/order", {}, "x"}, 1),
            HttpSubmit::kQueued);
  ASSERT_TRUE(pump_until(client, 1));
  EXPECT_EQ(rec_.seen[0].error, HttpError::kConnectFailed);
  EXPECT_EQ(rec_.seen[0].sent, SendState::kNotSent);
  EXPECT_EQ(rec_.seen[0].status, 0u);
  EXPECT_EQ(client.counters().not_sent.load(), 1u);
}

TEST_F(HttpClientTest, PeerCloseBeforeResponseIsMaybeSent) {
  HttpTestServer server;
  HttpClient client(ioc_, clock_, rec_);
  ASSERT_TRUE(client.start(base(server.port())));
  ASSERT_EQ(client.submit({boost::beast::http::verb::post, "/close", {}, "x"}, 1),
            HttpSubmit::kQueued);
  ASSERT_TRUE(pump_until(client, 1));
  EXPECT_EQ(rec_.seen[0].error, HttpError::kClosed);
  EXPECT_EQ(rec_.seen[0].sent, SendState::kMaybeSent);
}

TEST_F(HttpClientTest, IdleConnectionClosedByPeerIsReplacedNotFailed) {
  HttpTestServer server;
  HttpClient client(ioc_, clock_, rec_);
  ASSERT_TRUE(client.start(base(server.port())));
  ASSERT_EQ(client.submit({boost::beast::http::verb::get, "/close-after", {}, {}}, 1),
            HttpSubmit::kQueued);
  ASSERT_TRUE(pump_until(client, 1));
  ASSERT_TRUE(testing::pump(
      ioc_, [&] { return client.poll(); }, [&] { return server.sessions_ended() == 1; }));
  // The FIN is in our receive queue: submit() notices and reconnects instead of writing into a
  // dead connection (which would have been reported as "maybe sent").
  ASSERT_EQ(client.submit({boost::beast::http::verb::post, "/order", {}, "x"}, 2),
            HttpSubmit::kQueued);
  ASSERT_TRUE(pump_until(client, 2));
  EXPECT_EQ(rec_.seen[1].error, HttpError::kNone);
  EXPECT_EQ(client.counters().stale_reconnects.load(), 1u);
  EXPECT_EQ(server.accepts(), 2);
}

TEST_F(HttpClientTest, ConnectTimeoutIsNotSent) {
  HttpTestServer server;
  HttpOptions options;
  options.connect_timeout_ns = 1 * kSec;
  HttpClient client(ioc_, clock_, rec_, options);
  ASSERT_TRUE(client.start(base(server.port())));
  ASSERT_EQ(client.submit({boost::beast::http::verb::get, "/x", {}, {}}, 1), HttpSubmit::kQueued);
  // Time out before the loop ever ran the connect completion.
  clock_.advance(1 * kSec);
  EXPECT_EQ(client.poll(), 1);
  ASSERT_EQ(rec_.seen.size(), 1u);
  EXPECT_EQ(rec_.seen[0].error, HttpError::kConnectTimeout);
  EXPECT_EQ(rec_.seen[0].sent, SendState::kNotSent);
}

TEST_F(HttpClientTest, BinanceWeightHeaderFeedsTheRateLimiter) {
  HttpTestServer server;
  struct Limited final : HttpListener {
    RateLimiter limiter{binance::usdm_limits(), 0};
    int responses = 0;
    void on_response(std::uint64_t, const HttpResponseView& r) override {
      ++responses;
      r.for_each_header([&](std::string_view name, std::string_view value) {
        (void)limiter.update_from_binance_header(name, value, 0);
      });
    }
  } limited;
  HttpClient client(ioc_, clock_, limited);
  ASSERT_TRUE(client.start(base(server.port())));
  ASSERT_EQ(client.submit({boost::beast::http::verb::get, "/fapi/v1/time", {}, {}}, 1),
            HttpSubmit::kQueued);
  ASSERT_TRUE(testing::pump(
      ioc_, [&] { return client.poll(); }, [&] { return limited.responses == 1; }));
  EXPECT_EQ(limited.limiter.available(0, 0), 2400u - 7u);
}

TEST_F(HttpClientTest, StartRejectsBadUrls) {
  HttpClient client(ioc_, clock_, rec_);
  std::string error;
  EXPECT_FALSE(client.start("ws://127.0.0.1:1", &error));
  EXPECT_FALSE(client.start("http://:80", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(client.submit({}, 1), HttpSubmit::kNotStarted);
}

TEST_F(HttpClientTest, HttpsWithTrustedAndUntrustedCertificate) {
  const SelfSignedCert cert = testing::make_self_signed("DNS:localhost,IP:127.0.0.1");
  HttpTestServer server(&cert);
  {
    HttpOptions options;
    options.tls.extra_ca_pem = cert.cert_pem;
    HttpClient client(ioc_, clock_, rec_, options);
    ASSERT_TRUE(client.start(base(server.port(), "https", "localhost")));
    ASSERT_EQ(client.submit({boost::beast::http::verb::get, "/info", {}, {}}, 1),
              HttpSubmit::kQueued);
    ASSERT_TRUE(pump_until(client, 1));
    EXPECT_EQ(rec_.seen[0].error, HttpError::kNone);
    EXPECT_EQ(rec_.seen[0].body, "GET /info ");
  }
  HttpClient untrusted(ioc_, clock_, rec_);
  ASSERT_TRUE(untrusted.start(base(server.port(), "https", "localhost")));
  ASSERT_EQ(untrusted.submit({boost::beast::http::verb::get, "/info", {}, {}}, 2),
            HttpSubmit::kQueued);
  ASSERT_TRUE(pump_until(untrusted, 2));
  EXPECT_EQ(rec_.seen[1].error, HttpError::kConnectFailed);
  EXPECT_EQ(rec_.seen[1].sent, SendState::kNotSent);
}

}  // namespace
}  // namespace peregrine::gateways::net
