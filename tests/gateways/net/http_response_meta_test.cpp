// Response metadata the order gateways use (issue #6): write-completion and receive stamps on the
// client's clock, Retry-After, and the venues' rate-limit usage headers, through
// copy_response_meta into gateways::HttpResponse. HttpClient against the loopback server in
// test_server.hpp, poll-driven on this thread.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "gateways/gateway_types.hpp"
#include "gateways/net/http_client.hpp"
#include "test_server.hpp"

namespace peregrine::gateways::net {
namespace {

// Every reading is 1 µs after the previous one: stamps taken at different moments differ.
class TickingClock final : public common::Clock {
 public:
  [[nodiscard]] common::Nanos now_ns() const noexcept override {
    now_ += 1'000;
    return now_;
  }
  [[nodiscard]] common::Nanos peek() const noexcept { return now_; }

 private:
  mutable common::Nanos now_ = 5'000'000'000;
};

struct Meta {
  HttpError error = HttpError::kNone;
  unsigned status = 0;
  common::Nanos ts_sent = 0;
  common::Nanos ts_recv = 0;
  std::uint32_t retry_after_ms = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // copied out of the callback
  int dropped = 0;
  std::string bapi_status;  // looked up with find(), another case
};

struct MetaRecorder final : HttpListener {
  std::vector<Meta> seen;
  void on_response(std::uint64_t, const HttpResponseView& r) override {
    gateways::HttpResponse out;
    copy_response_meta(r, out);
    Meta m;
    m.error = r.error();
    m.status = r.status();
    m.ts_sent = out.ts_sent;
    m.ts_recv = out.ts_recv;
    m.retry_after_ms = out.retry_after_ms;
    for (const auto& h : out.rate_headers.view()) m.headers.emplace_back(h.name, h.value);
    m.dropped = out.rate_headers.dropped;
    m.bapi_status = std::string(out.rate_headers.find("x-bapi-limit-status"));
    seen.push_back(std::move(m));
  }
};

class HttpResponseMetaTest : public ::testing::Test {
 protected:
  bool get(HttpClient& client, std::string_view target, std::uint64_t tag) {
    if (client.submit({boost::beast::http::verb::get, target, {}, {}}, tag) !=
        HttpSubmit::kQueued) {
      return false;
    }
    const std::size_t want = rec_.seen.size() + 1;
    return testing::pump(
        ioc_, [&] { return client.poll(); }, [&] { return rec_.seen.size() >= want; });
  }
  static std::string base(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

  boost::asio::io_context ioc_;
  TickingClock clock_;
  MetaRecorder rec_;
};

TEST(ParseRetryAfter, DeltaSecondsOnly) {
  EXPECT_EQ(parse_retry_after_ms("120"), 120'000u);
  EXPECT_EQ(parse_retry_after_ms(" 3\t"), 3'000u);
  EXPECT_EQ(parse_retry_after_ms("0"), 0u);
  EXPECT_EQ(parse_retry_after_ms(""), 0u);
  EXPECT_EQ(parse_retry_after_ms("   "), 0u);
  EXPECT_EQ(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), 0u);
  EXPECT_EQ(parse_retry_after_ms("1.5"), 0u);
  EXPECT_EQ(parse_retry_after_ms("-1"), 0u);
  // Capped at 7 days (a Binance IP ban lasts at most 3), however many digits.
  EXPECT_EQ(parse_retry_after_ms("99999999999999999999999"), 7u * 24 * 3600 * 1000);
}

TEST(RateHeaders, KeepsOnlyUsageHeadersAndCountsOverflow) {
  EXPECT_TRUE(RateHeaders::wanted("X-MBX-USED-WEIGHT-1M"));
  EXPECT_TRUE(RateHeaders::wanted("x-mbx-order-count-10s"));
  EXPECT_TRUE(RateHeaders::wanted("X-Bapi-Limit-Status"));
  EXPECT_TRUE(RateHeaders::wanted("x-bapi-limit-reset-timestamp"));
  EXPECT_FALSE(RateHeaders::wanted("X-MBX-USED-WEIGHT"));  // no window suffix
  EXPECT_FALSE(RateHeaders::wanted("X-Bapi-Limit-Status-Extra"));
  EXPECT_FALSE(RateHeaders::wanted("Retry-After"));
  RateHeaders h;
  for (std::size_t i = 0; i < RateHeaders::kMax + 3; ++i) h.add("X-MBX-USED-WEIGHT-1M", "1");
  EXPECT_EQ(h.count, RateHeaders::kMax);
  EXPECT_EQ(h.dropped, 3);
  EXPECT_EQ(h.find("x-mbx-used-weight-1m"), "1");
  EXPECT_EQ(h.find("x-mbx-used-weight-1h"), "");
}

TEST_F(HttpResponseMetaTest, StampsWriteCompletionAndReceiveOnTheClientClock) {
  testing::HttpTestServer server;
  HttpClient client(ioc_, clock_, rec_);
  ASSERT_TRUE(client.start(base(server.port())));
  const common::Nanos before = clock_.now_ns();
  ASSERT_TRUE(get(client, "/x", 1));
  const common::Nanos after = clock_.peek();
  ASSERT_EQ(rec_.seen.size(), 1u);
  const Meta& m = rec_.seen[0];
  EXPECT_EQ(m.error, HttpError::kNone);
  EXPECT_EQ(m.status, 200u);
  EXPECT_GT(m.ts_sent, before);
  EXPECT_GT(m.ts_recv, m.ts_sent);  // read after the write completed, on the same clock
  EXPECT_LE(m.ts_recv, after);
  EXPECT_EQ(m.retry_after_ms, 0u);  // a 200 has no Retry-After to honour
  ASSERT_EQ(m.headers.size(), 1u);  // X-MBX-USED-WEIGHT-1M; X-Accepts is not a usage header
  EXPECT_EQ(m.headers[0].second, "7");

  // A second request on the kept-alive connection gets its own, later stamps. Copy the
  // first stamp: the next push_back may reallocate `seen` and leave `m` dangling.
  const common::Nanos first_recv = m.ts_recv;
  ASSERT_TRUE(get(client, "/y", 2));
  EXPECT_GT(rec_.seen[1].ts_sent, first_recv);
  EXPECT_GT(rec_.seen[1].ts_recv, rec_.seen[1].ts_sent);
}

TEST_F(HttpResponseMetaTest, RateLimitAnswerCarriesRetryAfterAndUsageHeaders) {
  testing::HttpTestServer server;
  HttpClient client(ioc_, clock_, rec_);
  ASSERT_TRUE(client.start(base(server.port())));
  ASSERT_TRUE(get(client, "/limited", 1));
  const Meta& m = rec_.seen[0];
  EXPECT_EQ(m.status, 429u);
  EXPECT_EQ(m.retry_after_ms, 3'000u);
  EXPECT_EQ(m.bapi_status, "0");
  std::vector<std::pair<std::string, std::string>> lower;
  for (const auto& [n, v] : m.headers) {
    std::string l = n;
    for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lower.emplace_back(l, v);
  }
  const std::vector<std::pair<std::string, std::string>> want = {
      {"x-mbx-used-weight-1m", "7"},
      {"x-mbx-order-count-10s", "12"},
      {"x-bapi-limit-status", "0"},
      {"x-bapi-limit-reset-timestamp", "1700000000123"}};
  EXPECT_EQ(lower, want);
  EXPECT_EQ(m.dropped, 0);

  ASSERT_TRUE(get(client, "/unavailable", 2));
  EXPECT_EQ(rec_.seen[1].status, 503u);
  EXPECT_EQ(rec_.seen[1].retry_after_ms, 0u);  // HTTP-date form is not parsed
}

TEST_F(HttpResponseMetaTest, RequestThatNeverLeftHasNoSendStamp) {
  HttpClient client(ioc_, clock_, rec_);
  ASSERT_TRUE(client.start(base(testing::closed_port())));
  ASSERT_TRUE(get(client, "/x", 1));
  const Meta& m = rec_.seen[0];
  EXPECT_EQ(m.error, HttpError::kConnectFailed);
  EXPECT_EQ(m.ts_sent, 0);  // no byte was written: intent_to_wire must not be recorded
  EXPECT_GT(m.ts_recv, 0);
  EXPECT_TRUE(m.headers.empty());
}

}  // namespace
}  // namespace peregrine::gateways::net
