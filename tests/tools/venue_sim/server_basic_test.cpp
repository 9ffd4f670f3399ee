// The simulator server's transport: HTTP keep-alive, 404s, WebSocket upgrade and ping, and the
// slow-consumer disconnect.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include <string>

#include "tools/venue_sim/sim_client.hpp"
#include "tools/venue_sim/sim_harness.hpp"

namespace peregrine::venue_sim {
namespace {

std::uint64_t fault_counter(SimHttpClient& admin, std::string_view name) {
  const auto r = admin.request("GET", "/admin/truth?venue=hyperliquid");
  simdjson::dom::parser p;
  std::uint64_t v = 0;
  EXPECT_EQ(p.parse(r.body)["venues"]["hyperliquid"]["faults"][name].get_uint64().get(v),
            simdjson::SUCCESS)
      << r.body.substr(0, 200);
  return v;
}

TEST(ServerBasic, HttpKeepAliveServesSeveralRequestsOnOneConnection) {
  SimHarness h;
  SimHttpClient c(h.hl_port());
  for (int i = 0; i < 3; ++i) {
    const auto r = c.request("POST", "/info", R"({"type":"meta"})");
    ASSERT_EQ(r.status, 200) << "request " << i;
    EXPECT_TRUE(r.keep_alive);
    EXPECT_NE(r.body.find("\"universe\""), std::string::npos);
  }
  EXPECT_GE(h.server().stats().http_requests.load(), 3u);
}

TEST(ServerBasic, UnknownPathsAre404OnVenueAndAdminPorts) {
  SimHarness h;
  SimHttpClient venue(h.hl_port());
  EXPECT_EQ(venue.request("POST", "/nope", "{}").status, 404);
  EXPECT_EQ(venue.request("GET", "/info").status, 404);  // HL's /info is POST only
  SimHttpClient admin(h.admin_port());
  EXPECT_EQ(admin.request("GET", "/admin/nope").status, 404);
  EXPECT_EQ(admin.request("GET", "/admin/health").status, 200);
}

TEST(ServerBasic, WebSocketUpgradeHelloAndPing) {
  SimHarness h;
  SimWsClient ws(h.hl_port(), "/ws");
  auto hello = ws.read();
  ASSERT_TRUE(hello);
  EXPECT_EQ(*hello, "Websocket connection established.");
  ws.ping();  // protocol-level ping: answered by Beast, invisible to the reader
  ws.send(R"({"method":"ping"})");
  auto pong = ws.read();
  ASSERT_TRUE(pong);
  EXPECT_EQ(*pong, R"({"channel":"pong"})");
  EXPECT_EQ(h.server().stats().ws_sessions.load(), 1u);
}

TEST(ServerBasic, UpgradeOnANonWebSocketPathIsRefused) {
  SimHarness h;
  EXPECT_THROW(SimWsClient(h.hl_port(), "/not-ws"), boost::system::system_error);
}

TEST(ServerBasic, SlowConsumerIsDisconnectedAndCounted) {
  SimHarness h;
  SimHttpClient admin(h.admin_port());
  ASSERT_EQ(
      admin.request("POST", "/admin/faults", R"({"venue":"hyperliquid","slow_consumer_limit":1})")
          .status,
      200);
  SimWsClient ws(h.hl_port(), "/ws");
  ASSERT_TRUE(ws.read());  // hello
  // Several feeds per tick: more than one frame is queued at once, over the limit of 1.
  for (const char* coin : {"BTC", "ETH", "SOL"}) {
    ws.send(std::string(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":")") +
            coin + "\"}}");
    ws.send(std::string(R"({"method":"subscribe","subscription":{"type":"bbo","coin":")") + coin +
            "\"}}");
  }
  bool closed = false;
  for (int i = 0; i < 20000 && !closed; ++i) closed = !ws.read();
  EXPECT_TRUE(closed);
  EXPECT_GE(fault_counter(admin, "slow_consumer_drops"), 1u);
}

TEST(ServerBasic, TlsVenueServesHttpsWithTheGeneratedCertificate) {
  SimConfig cfg = harness_config();
  cfg.venues[common::index(common::VenueId::kHyperliquid)].venue.tls = true;
  SimHarness h(std::move(cfg));
  const std::string& pem = h.server().cert_pem();
  ASSERT_NE(pem.find("BEGIN CERTIFICATE"), std::string::npos);

  namespace ssl = boost::asio::ssl;
  namespace http = boost::beast::http;
  boost::asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.add_certificate_authority(boost::asio::buffer(pem));
  ctx.set_verify_mode(ssl::verify_peer);
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  boost::beast::get_lowest_layer(stream).connect(
      {boost::asio::ip::make_address("127.0.0.1"), h.hl_port()});
  stream.handshake(ssl::stream_base::client);  // throws if the certificate does not verify
  http::request<http::string_body> req(http::verb::post, "/info", 11);
  req.set(http::field::host, "127.0.0.1");
  req.body() = R"({"type":"meta"})";
  req.prepare_payload();
  http::write(stream, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_NE(res.body().find("\"universe\""), std::string::npos);
}

}  // namespace
}  // namespace peregrine::venue_sim
