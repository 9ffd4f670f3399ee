// The simulator server's transport: HTTP keep-alive, 404s, WebSocket upgrade and ping, frames
// coalesced into few socket writes (intact, in order, over plain TCP and TLS, with Beast's own
// control frames in between), and the slow-consumer disconnect.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <string>
#include <thread>

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

// Every book changes every tick: many frames per session per io turn.
SimConfig busy_config() {
  SimConfig cfg = harness_config();
  for (auto& a : cfg.assets) {
    a.place_rate_hz = 3000;
    a.cancel_rate_hz = 3000;
    a.taker_rate_hz = 200;
  }
  return cfg;
}

void subscribe_all_books(SimWsClient& ws) {
  for (const char* coin : {"BTC", "ETH", "SOL"}) {
    for (const char* type : {"l2Book", "bbo"}) {
      ws.send(std::string(R"({"method":"subscribe","subscription":{"type":")") + type +
              R"(","coin":")" + coin + "\"}}");
    }
  }
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
  // Several feeds per tick: more than one frame is queued at once, over the limit of 1. The
  // server may drop the session while the subscriptions are still being sent (the first
  // subscription's ack and snapshot already exceed the limit): a failed send is that drop.
  bool closed = false;
  try {
    for (const char* coin : {"BTC", "ETH", "SOL"}) {
      ws.send(std::string(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":")") +
              coin + "\"}}");
      ws.send(std::string(R"({"method":"subscribe","subscription":{"type":"bbo","coin":")") + coin +
              "\"}}");
    }
  } catch (const boost::system::system_error&) {
    closed = true;
  }
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

// Frames published several per tick leave in one write per session; each must still arrive as
// its own complete JSON text frame, with WebSocket pings (answered by Beast through the same
// write path) in between.
TEST(ServerBasic, CoalescedFramesStayIntactWithPingsInBetween) {
  SimHarness h(busy_config());
  SimWsClient ws(h.hl_port(), "/ws");
  ASSERT_TRUE(ws.read());  // hello
  subscribe_all_books(ws);
  simdjson::dom::parser p;
  int books = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 3000 && std::chrono::steady_clock::now() < deadline; ++i) {
    if (i % 50 == 0) ws.ping();
    auto f = ws.read();
    ASSERT_TRUE(f) << "frame " << i << ": " << ws.last_error().message();
    simdjson::dom::element e;
    ASSERT_EQ(p.parse(*f).get(e), simdjson::SUCCESS) << "frame " << i << ": " << f->substr(0, 80);
    std::string_view channel;
    ASSERT_EQ(e["channel"].get(channel), simdjson::SUCCESS) << f->substr(0, 80);
    if (channel == "l2Book") ++books;
  }
  EXPECT_GT(books, 100);
  // Application-level ping still answered on the same connection.
  ws.send(R"({"method":"ping"})");
  EXPECT_TRUE(ws.read_until("\"pong\""));
  EXPECT_GE(h.server().stats().ws_frames_out.load(), 3000u);
}

// The same over TLS (the coalescing layer sits under Beast, above the TLS stream), ending with a
// server reset whose close frame follows the frames already written.
TEST(ServerBasic, TlsWebSocketCarriesFramesAndClosesCleanly) {
  SimConfig cfg = busy_config();
  cfg.venues[common::index(common::VenueId::kHyperliquid)].venue.tls = true;
  SimHarness h(std::move(cfg));
  namespace ssl = boost::asio::ssl;
  namespace websocket = boost::beast::websocket;
  boost::asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.add_certificate_authority(boost::asio::buffer(h.server().cert_pem()));
  ctx.set_verify_mode(ssl::verify_peer);
  websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>> ws(ioc, ctx);
  boost::beast::get_lowest_layer(ws).connect(
      {boost::asio::ip::make_address("127.0.0.1"), h.hl_port()});
  boost::beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(20));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("127.0.0.1", "/ws");
  boost::beast::flat_buffer buf;
  ws.read(buf);
  EXPECT_EQ(boost::beast::buffers_to_string(buf.cdata()), "Websocket connection established.");
  buf.consume(buf.size());
  ws.write(boost::asio::buffer(
      std::string(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}})")));
  simdjson::dom::parser p;
  int books = 0;
  for (int i = 0; i < 300; ++i) {
    if (i % 50 == 0) ws.ping({});
    ws.read(buf);
    const std::string f = boost::beast::buffers_to_string(buf.cdata());
    buf.consume(buf.size());
    simdjson::dom::element e;
    ASSERT_EQ(p.parse(f).get(e), simdjson::SUCCESS) << f.substr(0, 80);
    if (f.find("\"l2Book\"") != std::string::npos) ++books;
  }
  EXPECT_GT(books, 10);
  SimHttpClient admin(h.admin_port());
  ASSERT_EQ(
      admin.request("POST", "/admin/faults", R"({"venue":"hyperliquid","reset_ws":1})").status,
      200);
  boost::beast::error_code ec;
  for (int i = 0; i < 20000 && !ec; ++i) {
    ws.read(buf, ec);
    buf.consume(buf.size());
  }
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(fault_counter(admin, "ws_reset"), 1u);
}

// A client that stops reading: once the socket buffers are full its frames queue in the server
// beyond the limit and it is dropped, while a client that keeps reading stays connected.
TEST(ServerBasic, StalledReaderIsDroppedWhileAReaderStays) {
  SimHarness h(busy_config());
  SimHttpClient admin(h.admin_port());
  ASSERT_EQ(
      admin.request("POST", "/admin/faults", R"({"venue":"hyperliquid","slow_consumer_limit":200})")
          .status,
      200);
  namespace websocket = boost::beast::websocket;
  boost::asio::io_context ioc;
  websocket::stream<boost::beast::tcp_stream> stalled(ioc);
  auto& sock = boost::beast::get_lowest_layer(stalled).socket();
  sock.open(boost::asio::ip::tcp::v4());
  sock.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  boost::beast::get_lowest_layer(stalled).connect(
      {boost::asio::ip::make_address("127.0.0.1"), h.hl_port()});
  stalled.handshake("127.0.0.1", "/ws");
  for (const char* coin : {"BTC", "ETH", "SOL"}) {
    stalled.write(boost::asio::buffer(
        std::string(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":")") + coin +
        "\"}}"));
  }
  SimWsClient reader(h.hl_port(), "/ws");
  ASSERT_TRUE(reader.read());  // hello
  reader.send(R"({"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}})");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::uint64_t drops = 0;
  while (drops == 0 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(reader.read()) << reader.last_error().message();
    drops = fault_counter(admin, "slow_consumer_drops");
  }
  EXPECT_EQ(drops, 1u);
  EXPECT_TRUE(reader.read_until("\"l2Book\""));  // the reader was not the one dropped
  EXPECT_EQ(h.server().stats().ws_sessions.load(), 1u);
}

}  // namespace
}  // namespace peregrine::venue_sim
