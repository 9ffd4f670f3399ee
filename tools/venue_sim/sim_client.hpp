// A small blocking HTTP/1.1 + WebSocket client for the simulator's tests and benchmarks (plain
// TCP, loopback). One thread per client object; every read is bounded by a timeout.
#pragma once

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace peregrine::venue_sim {

struct ClientResponse {
  int status = 0;  // 0: no response (timeout or connection closed)
  std::string body;
  bool keep_alive = false;
};

class SimHttpClient {
  static boost::beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }

 public:
  explicit SimHttpClient(std::uint16_t port) : stream_(ioc_) {
    stream_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true));
  }

  // One request on the kept-alive connection; status 0 when nothing came back in `timeout`.
  // `headers`: extra (name, value) pairs, e.g. an API key.
  ClientResponse request(
      std::string_view method, std::string_view target, std::string body = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(5),
      std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req(http::string_to_verb(bsv(method)), bsv(target), 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(bsv(k), bsv(v));
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    ClientResponse out;
    boost::beast::error_code ec;
    http::write(stream_, req, ec);
    if (ec) return out;
    http::response<http::string_body> res;
    bool done = false;
    stream_.expires_after(timeout);
    http::async_read(stream_, buffer_, res, [&](boost::beast::error_code e, std::size_t) {
      done = true;
      ec = e;
    });
    ioc_.restart();
    ioc_.run();
    if (!done || ec) return out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    out.keep_alive = res.keep_alive();
    return out;
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

class SimWsClient {
 public:
  SimWsClient(std::uint16_t port, std::string_view target) : ws_(ioc_) {
    auto& sock = boost::beast::get_lowest_layer(ws_);
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    sock.socket().set_option(boost::asio::ip::tcp::no_delay(true));
    ws_.handshake("127.0.0.1", boost::beast::string_view(target.data(), target.size()));
    ws_.text(true);
  }

  void send(std::string_view text) { ws_.write(boost::asio::buffer(text)); }

  // The next text frame, or nullopt on timeout / close (the stream is unusable after a timeout).
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    buffer_.consume(buffer_.size());
    bool done = false;
    boost::beast::error_code ec;
    ws_.async_read(buffer_, [&](boost::beast::error_code e, std::size_t) {
      done = true;
      ec = e;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      boost::beast::get_lowest_layer(ws_).socket().close(ec);
      ioc_.restart();
      ioc_.run_for(std::chrono::milliseconds(100));
      return std::nullopt;
    }
    if (ec) {
      last_error_ = ec;
      return std::nullopt;
    }
    return boost::beast::buffers_to_string(buffer_.cdata());
  }

  // Reads frames until one contains `needle` (at most `max_frames`).
  std::optional<std::string> read_until(
      std::string_view needle, int max_frames = 2000,
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    for (int i = 0; i < max_frames; ++i) {
      auto f = read(timeout);
      if (!f) return std::nullopt;
      if (f->find(needle) != std::string::npos) return f;
    }
    return std::nullopt;
  }

  void ping() { ws_.ping({}); }
  [[nodiscard]] boost::beast::error_code last_error() const noexcept { return last_error_; }

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  boost::beast::error_code last_error_;
};

}  // namespace peregrine::venue_sim
