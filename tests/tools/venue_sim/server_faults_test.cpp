// Venue-neutral faults applied by the server, each observed by a client and counted.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>
#include <thread>

#include "tools/venue_sim/sim_client.hpp"
#include "tools/venue_sim/sim_harness.hpp"

namespace peregrine::venue_sim {
namespace {

using namespace std::chrono_literals;

class ServerFaults : public ::testing::Test {
 protected:
  std::uint64_t counter(std::string_view name) {
    const auto r = admin_.request("GET", "/admin/truth?venue=hyperliquid");
    simdjson::dom::parser p;
    std::uint64_t v = 0;
    EXPECT_EQ(p.parse(r.body)["venues"]["hyperliquid"]["faults"][name].get_uint64().get(v),
              simdjson::SUCCESS);
    return v;
  }
  void arm(const std::string& json) {
    const auto r = admin_.request("POST", "/admin/faults", json);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // A WS client subscribed to BTC's book, past the hello and the ack.
  std::unique_ptr<SimWsClient> subscribed() {
    auto ws = std::make_unique<SimWsClient>(h_.hl_port(), "/ws");
    EXPECT_TRUE(ws->read());
    ws->send(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}})");
    EXPECT_TRUE(ws->read_until("subscriptionResponse"));
    return ws;
  }

  SimHarness h_;
  SimHttpClient admin_{h_.admin_port()};
};

TEST_F(ServerFaults, DropClosesWithoutCloseFrame) {
  auto ws = subscribed();
  arm(R"({"venue":"hyperliquid","drop_ws":1})");
  bool closed = false;
  for (int i = 0; i < 5000 && !closed; ++i) closed = !ws->read();
  EXPECT_TRUE(closed);
  EXPECT_NE(ws->last_error(), boost::beast::websocket::error::closed);  // no close frame
  EXPECT_EQ(counter("ws_dropped"), 1u);
}

TEST_F(ServerFaults, ResetSendsACloseFrame) {
  auto ws = subscribed();
  arm(R"({"venue":"hyperliquid","reset_ws":1})");
  bool closed = false;
  for (int i = 0; i < 5000 && !closed; ++i) closed = !ws->read();
  EXPECT_TRUE(closed);
  EXPECT_EQ(ws->last_error(), boost::beast::websocket::error::closed);
  EXPECT_EQ(counter("ws_reset"), 1u);
}

TEST_F(ServerFaults, MalformedAndTruncatedFramesAreInvalidJson) {
  auto ws = subscribed();
  arm(R"({"venue":"hyperliquid","malformed":1,"truncated":1})");
  simdjson::dom::parser p;
  int bad = 0;
  for (int i = 0; i < 2000 && bad < 2; ++i) {
    auto f = ws->read();
    ASSERT_TRUE(f);
    simdjson::dom::element e;
    if (p.parse(*f).get(e) != simdjson::SUCCESS) ++bad;
  }
  EXPECT_EQ(bad, 2);
  EXPECT_EQ(counter("malformed_frames"), 1u);
  EXPECT_EQ(counter("truncated_frames"), 1u);
}

TEST_F(ServerFaults, HttpErrorAnswersTheStatusOnce) {
  arm(R"({"venue":"hyperliquid","http_error":1,"http_error_status":429})");
  SimHttpClient c(h_.hl_port());
  const auto r1 = c.request("POST", "/info", R"({"type":"allMids"})");
  EXPECT_EQ(r1.status, 429);
  const auto r2 = c.request("POST", "/info", R"({"type":"allMids"})");
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(counter("http_errors"), 1u);
}

TEST_F(ServerFaults, DelayedResponsesStillArrive) {
  arm(R"({"venue":"hyperliquid","delay_ms":30})");
  SimHttpClient c(h_.hl_port());
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = c.request("POST", "/info", R"({"type":"allMids"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 30ms);
  EXPECT_EQ(counter("delayed_responses"), 1u);
}

TEST_F(ServerFaults, LostResponseNeverAnswersButQueriesDo) {
  arm(R"({"venue":"hyperliquid","lose_response":1})");
  SimHttpClient c(h_.hl_port());
  // /info is a query: it is answered even while lose_response is armed.
  EXPECT_EQ(c.request("POST", "/info", R"({"type":"allMids"})").status, 200);
  const auto r = c.request("POST", "/exchange", "{}", 300ms);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(counter("responses_lost"), 1u);
}

TEST_F(ServerFaults, StaleSuppressesPublishingAndCountsMilliseconds) {
  auto ws = subscribed();
  ASSERT_TRUE(ws->read_until("\"l2Book\""));  // the initial snapshot
  arm(R"({"venue":"hyperliquid","stale_ms":400})");
  std::this_thread::sleep_for(100ms);
  const auto stale = counter("stale_ms");
  EXPECT_GE(stale, 5u);  // ~100 under no load; ticks are skipped when the machine is busy
  EXPECT_LE(stale, 400u);
  // While stale the connection still answers its own requests.
  ws->send(R"({"method":"ping"})");
  EXPECT_TRUE(ws->read_until("pong"));
}

TEST_F(ServerFaults, DuplicateBookSnapshotIsCounted) {
  auto ws = subscribed();
  arm(R"({"venue":"hyperliquid","duplicate_seq":1})");
  for (int i = 0; i < 200 && counter("seq_duplicated") == 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(counter("seq_duplicated"), 1u);
}

}  // namespace
}  // namespace peregrine::venue_sim
