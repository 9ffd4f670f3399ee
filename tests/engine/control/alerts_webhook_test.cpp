// Alerts: webhook POSTs to a loopback server, bounded retries, failures and drops counted, and
// every alert reaches the log.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "engine/alerts/webhook_alerter.hpp"

namespace peregrine::engine::alerts {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Accepts `expected` connections on 127.0.0.1:0, records each POST body, answers `status`.
class WebhookSink {
 public:
  WebhookSink(unsigned status, int expected)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, status, expected] {
      for (int i = 0; i < expected; ++i) {
        tcp::socket sock(io_);
        beast::error_code ec;
        acceptor_.accept(sock, ec);
        if (ec) return;
        beast::flat_buffer buf;
        http::request<http::string_body> req;
        http::read(sock, buf, req, ec);
        if (ec) continue;
        {
          std::lock_guard<std::mutex> lock(mu_);
          bodies_.push_back(req.body());
          targets_.push_back(std::string(req.target()));
        }
        http::response<http::string_body> res(static_cast<http::status>(status), 11);
        res.body() = "{}";
        res.prepare_payload();
        http::write(sock, res, ec);
      }
    });
  }
  ~WebhookSink() {
    if (thread_.joinable()) thread_.join();
  }
  void join() { thread_.join(); }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }
  std::vector<std::string> targets() {
    std::lock_guard<std::mutex> lock(mu_);
    return targets_;
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::vector<std::string> targets_;
};

common::Fill sample_fill() {
  common::Fill f;
  f.ts_recv = 1234;
  f.venue = common::VenueId::kCoinbase;
  f.side = common::Side::kSell;
  f.price = common::Price::parse("100.5").value();
  f.qty = common::Qty::parse("0.2").value();
  f.cloid = {0, 7};
  f.instrument = {9};
  return f;
}

// Drives the agent on this thread until `done` or `max_cycles`.
template <typename Done>
void drive(WebhookAlerter& a, Done done, int max_cycles = 20'000) {
  for (int i = 0; i < max_cycles && !done(); ++i) {
    if (a.do_work() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

TEST(WebhookAlerter, PostsJsonToTheWebhookAndLogs) {
  WebhookSink sink(200, 2);
  common::SteadyClock clock;
  std::vector<std::string> lines;
  WebhookConfig cfg;
  cfg.url = "http://127.0.0.1:" + std::to_string(sink.port()) + "/hooks/peregrine";
  WebhookAlerter a(cfg, clock, [&](std::string_view l) { lines.emplace_back(l); });
  std::string err;
  ASSERT_TRUE(a.configure(&err)) << err;
  ASSERT_TRUE(a.try_publish(Alert::fill(sample_fill())));
  common::VenueStatus st;
  st.ts_recv = 99;
  st.venue = common::VenueId::kBybit;
  st.state = common::VenueState::kDown;
  ASSERT_TRUE(a.try_publish(Alert::venue_status(st)));
  drive(a, [&] { return a.sent() == 2; });
  sink.join();
  EXPECT_EQ(a.sent(), 2u);
  EXPECT_EQ(a.failed(), 0u);
  const auto bodies = sink.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0],
            "{\"kind\":\"fill\",\"ts\":1234,\"venue\":\"coinbase\",\"instrument\":9,"
            "\"cloid\":\"0x00000000000000000000000000000007\",\"side\":\"sell\","
            "\"price\":\"100.5\",\"qty\":\"0.2\",\"text\":\"\"}");
  EXPECT_EQ(bodies[1], "{\"kind\":\"disconnect\",\"ts\":99,\"venue\":\"bybit\",\"text\":\"down\"}");
  EXPECT_EQ(sink.targets()[0], "/hooks/peregrine");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "alert " + bodies[0]);
  EXPECT_EQ(a.logged(), 2u);
}

TEST(WebhookAlerter, ServerErrorsAreRetriedThenCounted) {
  WebhookSink sink(500, 3);
  common::SteadyClock clock;
  std::vector<std::string> lines;
  WebhookConfig cfg;
  cfg.url = "http://127.0.0.1:" + std::to_string(sink.port());
  cfg.max_attempts = 3;
  cfg.retry_backoff_ns = 1'000'000;
  WebhookAlerter a(cfg, clock, [&](std::string_view l) { lines.emplace_back(l); });
  std::string err;
  ASSERT_TRUE(a.configure(&err)) << err;
  ASSERT_TRUE(a.try_publish(Alert::halt(5, "max daily loss")));
  drive(a, [&] { return a.failed() == 1; });
  sink.join();
  EXPECT_EQ(a.failed(), 1u);
  EXPECT_EQ(a.failed_attempts(), 3u);
  EXPECT_EQ(a.sent(), 0u);
  EXPECT_EQ(sink.bodies().size(), 3u);  // exactly max_attempts tries, no more
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("gave up after 3 attempts: HTTP 500"), std::string::npos) << lines[1];
}

TEST(WebhookAlerter, UnreachableWebhookIsCounted) {
  std::uint16_t dead_port = 0;
  {
    asio::io_context io;
    tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = acc.local_endpoint().port();
  }  // closed: connecting is refused
  common::SteadyClock clock;
  WebhookConfig cfg;
  cfg.url = "http://127.0.0.1:" + std::to_string(dead_port) + "/x";
  cfg.max_attempts = 2;
  cfg.retry_backoff_ns = 1'000'000;
  WebhookAlerter a(cfg, clock, [](std::string_view) {});
  std::string err;
  ASSERT_TRUE(a.configure(&err));
  ASSERT_TRUE(a.try_publish(Alert::halt(1, "x")));
  drive(a, [&] { return a.failed() == 1; });
  EXPECT_EQ(a.failed(), 1u);
  EXPECT_EQ(a.failed_attempts(), 2u);
}

TEST(WebhookAlerter, FullQueueDropsAndCounts) {
  common::SteadyClock clock;
  WebhookConfig cfg;
  cfg.queue_capacity = 4;
  WebhookAlerter a(cfg, clock, [](std::string_view) {});
  int refused = 0;
  for (int i = 0; i < 100; ++i) {
    if (!a.try_publish(Alert::halt(i, "h"))) ++refused;
  }
  EXPECT_GT(refused, 0);
  EXPECT_EQ(a.dropped(), static_cast<std::uint64_t>(refused));
  // Log-only mode (no url): every queued alert is logged, none sent.
  std::string err;
  ASSERT_TRUE(a.configure(&err));
  drive(a, [&] { return a.logged() == static_cast<std::uint64_t>(100 - refused); });
  EXPECT_EQ(a.logged(), static_cast<std::uint64_t>(100 - refused));
  EXPECT_EQ(a.sent(), 0u);
}

TEST(WebhookAlerter, BadUrlsAreRejected) {
  common::SteadyClock clock;
  for (const char* url :
       {"https://example.com/x", "ftp://x", "http://", "http://host:abc/", "http://:80/"}) {
    WebhookConfig cfg;
    cfg.url = url;
    WebhookAlerter a(cfg, clock, [](std::string_view) {});
    std::string err;
    EXPECT_FALSE(a.configure(&err)) << url;
    EXPECT_FALSE(err.empty());
  }
}

TEST(WebhookAlerter, RejectAlertCarriesTheReason) {
  common::OrderUpdate u;
  u.status = common::OrderStatus::kRejected;
  u.reject = common::RejectReason::kInsufficientMargin;
  const Alert a = Alert::reject(u);
  EXPECT_EQ(a.kind, AlertKind::kReject);
  EXPECT_NE(WebhookAlerter::to_json(a).find("\"text\":\"insufficient_margin\""), std::string::npos);
}

}  // namespace
}  // namespace peregrine::engine::alerts
