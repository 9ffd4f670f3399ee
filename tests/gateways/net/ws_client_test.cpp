// WsClient against the loopback servers in test_server.hpp: every client action runs on this
// thread through ioc.poll() + client.poll(); time for timeouts and back-off is a ManualClock.
#include "gateways/net/ws_client.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "test_server.hpp"

namespace peregrine::gateways::net {
namespace {

using testing::HttpTestServer;
using testing::ManualClock;
using testing::SelfSignedCert;
using testing::WsTestServer;

constexpr common::Nanos kMs = 1'000'000;
constexpr common::Nanos kSec = 1000 * kMs;

struct Recorder final : WsListener {
  int opens = 0;
  int stale = 0;
  std::vector<std::string> messages;
  std::vector<WsCloseReason> closes;
  std::string last_error;
  WsClient* echo_back = nullptr;  // when set, answers "reply" from inside on_message

  void on_open() override { ++opens; }
  void on_message(std::string_view payload, bool is_text) override {
    EXPECT_TRUE(is_text);
    messages.emplace_back(payload);
    if (echo_back != nullptr && payload == "reply") {
      EXPECT_EQ(echo_back->send_text("replied"), WsSendResult::kQueued);
    }
  }
  void on_stale(common::Nanos) override { ++stale; }
  void on_close(WsCloseReason reason, std::string_view error) override {
    closes.push_back(reason);
    last_error = std::string(error);
  }
};

class WsClientTest : public ::testing::Test {
 protected:
  bool pump_until(WsClient& client, const std::function<bool()>& done, int rounds = 20000) {
    return testing::pump(
        ioc_, [&] { return client.poll(); }, done, rounds);
  }
  std::string ws_url(std::uint16_t port, std::string_view host = "127.0.0.1",
                     std::string_view scheme = "ws") {
    return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(port) + "/feed";
  }
  bool open_client(WsClient& client, const std::string& url) {
    if (client.connect(url) != WsConnectResult::kStarted) return false;
    return pump_until(client, [&] { return client.is_open() || !rec_.closes.empty(); }) &&
           client.is_open();
  }

  boost::asio::io_context ioc_;
  ManualClock clock_;
  common::Rng rng_{42};
  Recorder rec_;
};

TEST_F(WsClientTest, ConnectsAndEchoes) {
  WsTestServer server;
  WsClient client(ioc_, clock_, rng_, rec_);
  EXPECT_EQ(client.send_text("early"), WsSendResult::kNotOpen);
  ASSERT_TRUE(open_client(client, ws_url(server.port())));
  EXPECT_EQ(rec_.opens, 1);
  EXPECT_EQ(client.url().target, "/feed");
  ASSERT_EQ(client.send_text(R"({"method":"subscribe"})"), WsSendResult::kQueued);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.messages.size() == 1; }));
  EXPECT_EQ(rec_.messages[0], R"({"method":"subscribe"})");
  const auto& c = client.counters();
  EXPECT_EQ(c.connects.load(), 1u);
  EXPECT_EQ(c.frames_out.load(), 1u);
  EXPECT_EQ(c.frames_in.load(), 1u);
  EXPECT_EQ(c.bytes_in.load(), 22u);
  EXPECT_EQ(c.send_rejected.load(), 1u);  // the early send
  EXPECT_EQ(server.accepts(), 1);
}

TEST_F(WsClientTest, ListenerMaySendFromInsideACallback) {
  WsTestServer server;
  WsClient client(ioc_, clock_, rng_, rec_);
  rec_.echo_back = &client;
  ASSERT_TRUE(open_client(client, ws_url(server.port())));
  ASSERT_EQ(client.send_text("reply"), WsSendResult::kQueued);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.messages.size() == 2; }));
  EXPECT_EQ(rec_.messages[1], "replied");
}

TEST_F(WsClientTest, BoundedQueueRejectsWhenFullOrTooLarge) {
  WsTestServer server;
  WsOptions options;
  options.send_queue_slots = 2;
  options.send_slot_bytes = 8;
  WsClient client(ioc_, clock_, rng_, rec_, options);
  ASSERT_TRUE(open_client(client, ws_url(server.port())));
  EXPECT_EQ(client.send_text("123456789"), WsSendResult::kTooLarge);
  EXPECT_EQ(client.send_text("a"), WsSendResult::kQueued);  // write in flight, slot held
  EXPECT_EQ(client.send_text("b"), WsSendResult::kQueued);
  EXPECT_EQ(client.send_text("c"), WsSendResult::kQueueFull);
  EXPECT_EQ(client.queued(), 2u);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.messages.size() == 2; }));
  EXPECT_EQ(rec_.messages, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(client.queued(), 0u);
  EXPECT_EQ(client.counters().send_rejected.load(), 2u);
  EXPECT_EQ(client.send_text("d"), WsSendResult::kQueued);  // room again
}

TEST_F(WsClientTest, AnswersServerPingsAndSendsItsOwn) {
  WsTestServer server;
  WsOptions options;
  options.ping_interval_ns = 1 * kSec;
  WsClient client(ioc_, clock_, rng_, rec_, options);
  ASSERT_TRUE(open_client(client, ws_url(server.port())));
  ASSERT_EQ(client.send_text("ping"), WsSendResult::kQueued);
  ASSERT_TRUE(pump_until(client, [&] { return client.counters().pings_in.load() == 1; }));
  ASSERT_EQ(client.send_text("after"), WsSendResult::kQueued);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.messages.size() == 1; }));
  EXPECT_EQ(server.pongs(), 1);  // Beast answered the ping before our next message
  EXPECT_EQ(client.counters().pings_out.load(), 0u);
  clock_.advance(1 * kSec);  // a second of silence: the client pings
  ASSERT_TRUE(pump_until(client, [&] { return client.counters().pongs_in.load() == 1; }));
  EXPECT_EQ(client.counters().pings_out.load(), 1u);
  EXPECT_EQ(server.pings(), 1);
}

TEST_F(WsClientTest, SilenceReportsStaleOnceThenOwnerReconnects) {
  WsTestServer server;
  WsOptions options;
  options.idle_timeout_ns = 5 * kSec;
  options.backoff = BackoffPolicy{100 * kMs, 1 * kSec, 0, 10 * kSec};
  WsClient client(ioc_, clock_, rng_, rec_, options);
  ASSERT_TRUE(open_client(client, ws_url(server.port())));
  ASSERT_EQ(client.send_text("silent"), WsSendResult::kQueued);
  ASSERT_TRUE(pump_until(client, [&] { return server.messages() == 1; }));
  clock_.advance(5 * kSec - 1);
  (void)client.poll();
  EXPECT_EQ(rec_.stale, 0);
  clock_.advance(1);
  EXPECT_EQ(client.poll(), 1);
  EXPECT_EQ(rec_.stale, 1);
  clock_.advance(10 * kSec);
  (void)client.poll();
  EXPECT_EQ(rec_.stale, 1);  // once per silence
  EXPECT_EQ(client.counters().stale.load(), 1u);
  client.reconnect();
  ASSERT_EQ(rec_.closes.size(), 1u);
  EXPECT_EQ(rec_.closes[0], WsCloseReason::kDropped);
  EXPECT_EQ(client.state(), WsState::kWaitingReconnect);
  EXPECT_EQ(client.next_attempt_ns(), clock_.now_ns() + 100 * kMs);
  clock_.advance(100 * kMs);
  ASSERT_TRUE(pump_until(client, [&] { return client.is_open(); }));
  EXPECT_EQ(server.accepts(), 2);
}

TEST_F(WsClientTest, ServerCloseReconnectsOnTheBackoffSchedule) {
  WsTestServer server;
  WsOptions options;
  options.backoff = BackoffPolicy{100 * kMs, 1 * kSec, 500, 10 * kSec};
  WsClient client(ioc_, clock_, rng_, rec_, options);
  Backoff expected(options.backoff);  // same policy, same seed: the same delays
  common::Rng expected_rng(42);
  ASSERT_TRUE(open_client(client, ws_url(server.port())));

  ASSERT_EQ(client.send_text("close"), WsSendResult::kQueued);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.closes.size() == 1; }));
  EXPECT_EQ(rec_.closes[0], WsCloseReason::kClosedByPeer);
  ASSERT_EQ(client.state(), WsState::kWaitingReconnect);
  const common::Nanos d1 = expected.next_delay(expected_rng);
  EXPECT_EQ(client.next_attempt_ns(), clock_.now_ns() + d1);
  EXPECT_GE(d1, 50 * kMs);
  EXPECT_LE(d1, 100 * kMs);
  // Nothing happens before the delay has passed, however often we poll.
  (void)pump_until(
      client, [] { return false; }, 50);
  clock_.advance(d1 - 1);
  (void)pump_until(
      client, [] { return false; }, 50);
  EXPECT_EQ(client.counters().reconnect_attempts.load(), 0u);
  EXPECT_EQ(server.accepts(), 1);
  clock_.advance(1);
  ASSERT_TRUE(pump_until(client, [&] { return client.is_open(); }));
  EXPECT_EQ(client.counters().reconnect_attempts.load(), 1u);
  EXPECT_EQ(rec_.opens, 2);

  // Dropped again quickly: the second delay doubles.
  ASSERT_EQ(client.send_text("drop"), WsSendResult::kQueued);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.closes.size() == 2; }));
  const common::Nanos d2 = expected.next_delay(expected_rng);
  EXPECT_EQ(client.next_attempt_ns(), clock_.now_ns() + d2);
  EXPECT_GE(d2, 100 * kMs);
  EXPECT_LE(d2, 200 * kMs);
  clock_.advance(d2);
  ASSERT_TRUE(pump_until(client, [&] { return client.is_open(); }));

  // Up for reset_after_ns: the next failure starts the schedule over.
  clock_.advance(10 * kSec);
  ASSERT_EQ(client.send_text("close"), WsSendResult::kQueued);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.closes.size() == 3; }));
  expected.reset();
  const common::Nanos d3 = expected.next_delay(expected_rng);
  EXPECT_EQ(client.next_attempt_ns(), clock_.now_ns() + d3);
  EXPECT_LE(d3, 100 * kMs);
  const auto& c = client.counters();
  EXPECT_EQ(c.connects.load(), 3u);
  EXPECT_EQ(c.disconnects.load(), 3u);
  EXPECT_EQ(c.reconnect_attempts.load(), 2u);
  EXPECT_EQ(server.accepts(), 3);
}

TEST_F(WsClientTest, RefusedConnectIsRetriedWithBackoff) {
  const std::uint16_t port = testing::closed_port();
  WsOptions options;
  options.backoff = BackoffPolicy{100 * kMs, 1 * kSec, 0, 10 * kSec};
  WsClient client(ioc_, clock_, rng_, rec_, options);
  ASSERT_EQ(client.connect(ws_url(port)), WsConnectResult::kStarted);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.closes.size() == 1; }));
  EXPECT_EQ(rec_.closes[0], WsCloseReason::kConnectFailed);
  EXPECT_EQ(client.state(), WsState::kWaitingReconnect);
  EXPECT_EQ(client.next_attempt_ns(), clock_.now_ns() + 100 * kMs);
  clock_.advance(100 * kMs);
  ASSERT_TRUE(pump_until(client, [&] { return rec_.closes.size() == 2; }));
  EXPECT_EQ(client.next_attempt_ns(), clock_.now_ns() + 200 * kMs);
  EXPECT_EQ(client.counters().connect_failures.load(), 2u);
  EXPECT_EQ(client.counters().connects.load(), 0u);
  client.close();
  EXPECT_EQ(client.state(), WsState::kIdle);
}

TEST_F(WsClientTest, HandshakeThatNeverAnswersTimesOut) {
  HttpTestServer http;  // answers nothing on /slow: the websocket upgrade hangs
  WsOptions options;
  options.connect_timeout_ns = 2 * kSec;
  options.auto_reconnect = false;
  WsClient client(ioc_, clock_, rng_, rec_, options);
  ASSERT_EQ(client.connect("ws://127.0.0.1:" + std::to_string(http.port()) + "/slow"),
            WsConnectResult::kStarted);
  ASSERT_TRUE(pump_until(client, [&] { return http.requests() == 1; }));
  EXPECT_EQ(client.state(), WsState::kConnecting);
  clock_.advance(2 * kSec);
  EXPECT_EQ(client.poll(), 1);
  ASSERT_EQ(rec_.closes.size(), 1u);
  EXPECT_EQ(rec_.closes[0], WsCloseReason::kConnectTimeout);
  EXPECT_EQ(client.state(), WsState::kIdle);
}

TEST_F(WsClientTest, GracefulCloseDoesNotReconnect) {
  WsTestServer server;
  WsClient client(ioc_, clock_, rng_, rec_);
  ASSERT_TRUE(open_client(client, ws_url(server.port())));
  client.close();
  EXPECT_EQ(client.state(), WsState::kClosing);
  ASSERT_TRUE(pump_until(client, [&] { return client.state() == WsState::kIdle; }));
  ASSERT_EQ(rec_.closes.size(), 1u);
  EXPECT_EQ(rec_.closes[0], WsCloseReason::kClosedByUs);
  clock_.advance(60 * kSec);
  (void)pump_until(
      client, [] { return false; }, 20);
  EXPECT_EQ(server.accepts(), 1);
}

TEST_F(WsClientTest, RejectsBadUrls) {
  WsClient client(ioc_, clock_, rng_, rec_);
  EXPECT_EQ(client.connect("http://127.0.0.1:1/"), WsConnectResult::kBadUrl);
  EXPECT_EQ(client.connect("ws://127.0.0.1:0/"), WsConnectResult::kBadUrl);
  EXPECT_EQ(client.connect("ws://no-such-host.invalid/"), WsConnectResult::kResolveFailed);
  EXPECT_EQ(client.state(), WsState::kIdle);
}

// ---------------------------------------------------------------------------------------------
// TLS

class WsTlsTest : public WsClientTest {
 protected:
  static const SelfSignedCert& good() {
    static const SelfSignedCert cert = testing::make_self_signed("DNS:localhost,IP:127.0.0.1");
    return cert;
  }
  static const SelfSignedCert& other_name() {
    static const SelfSignedCert cert = testing::make_self_signed("DNS:other.example");
    return cert;
  }
  WsOptions tls_options(const SelfSignedCert* trusted) {
    WsOptions options;
    options.auto_reconnect = false;
    if (trusted != nullptr) options.tls.extra_ca_pem = trusted->cert_pem;
    return options;
  }
};

TEST_F(WsTlsTest, TrustedSelfSignedCertificateByNameAndByIp) {
  WsTestServer server(&good());
  {
    WsClient client(ioc_, clock_, rng_, rec_, tls_options(&good()));
    ASSERT_TRUE(open_client(client, ws_url(server.port(), "localhost", "wss"))) << rec_.last_error;
    ASSERT_EQ(client.send_text("over tls"), WsSendResult::kQueued);
    ASSERT_TRUE(pump_until(client, [&] { return rec_.messages.size() == 1; }));
    EXPECT_EQ(rec_.messages[0], "over tls");
  }
  WsClient by_ip(ioc_, clock_, rng_, rec_, tls_options(&good()));
  ASSERT_TRUE(open_client(by_ip, ws_url(server.port(), "127.0.0.1", "wss"))) << rec_.last_error;
}

TEST_F(WsTlsTest, TrustFromAPemFile) {
  WsTestServer server(&good());
  const std::string path = ::testing::TempDir() + "peregrine_net_ws_ca.pem";
  std::ofstream(path) << good().cert_pem;
  WsOptions options = tls_options(nullptr);
  options.tls.extra_ca_file = path;
  WsClient client(ioc_, clock_, rng_, rec_, options);
  EXPECT_TRUE(open_client(client, ws_url(server.port(), "localhost", "wss"))) << rec_.last_error;
  std::remove(path.c_str());
}

TEST_F(WsTlsTest, UntrustedCertificateFails) {
  WsTestServer server(&good());
  WsClient client(ioc_, clock_, rng_, rec_, tls_options(nullptr));
  EXPECT_FALSE(open_client(client, ws_url(server.port(), "localhost", "wss")));
  ASSERT_EQ(rec_.closes.size(), 1u);
  EXPECT_EQ(rec_.closes[0], WsCloseReason::kConnectFailed);
  EXPECT_NE(rec_.last_error.find("certificate verify failed"), std::string::npos)
      << rec_.last_error;
  EXPECT_EQ(client.counters().connects.load(), 0u);
}

TEST_F(WsTlsTest, HostNameMismatchFailsEvenWhenTrusted) {
  WsTestServer server(&other_name());
  WsClient client(ioc_, clock_, rng_, rec_, tls_options(&other_name()));
  EXPECT_FALSE(open_client(client, ws_url(server.port(), "localhost", "wss")));
  ASSERT_EQ(rec_.closes.size(), 1u);
  EXPECT_EQ(rec_.closes[0], WsCloseReason::kConnectFailed);
  EXPECT_NE(rec_.last_error.find("certificate verify failed"), std::string::npos)
      << rec_.last_error;
}

TEST_F(WsTlsTest, InsecureFlagAcceptsAnything) {
  WsTestServer server(&other_name());
  WsOptions options = tls_options(nullptr);
  options.tls.insecure_skip_verify_for_tests = true;
  WsClient client(ioc_, clock_, rng_, rec_, options);
  EXPECT_TRUE(open_client(client, ws_url(server.port(), "localhost", "wss"))) << rec_.last_error;
}

}  // namespace
}  // namespace peregrine::gateways::net
