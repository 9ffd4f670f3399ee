// HttpClient: HTTP/1.1 keep-alive client for one host over plain TCP or TLS, a small fixed pool of
// connections, one request in flight per connection, connect and request timeouts, driven by its
// owner polling the io_context. Owning (gateway) thread only, listener callbacks included.
//
// Failures say whether the request may have reached the venue: kNotSent (no request byte was
// written: refused, connect timeout, TLS failure) versus kMaybeSent (a write was started: timeout
// after write, connection closed before the response). Order gateways must query by client order
// id before retrying a kMaybeSent order; a kNotSent one can be retried as is.
//
// Why it is fast: connections stay open and warm (TCP_NODELAY, TLS session up); each connection
// reuses its request object, body string and read buffer. Beast's header containers still
// allocate one node per header field, so a request costs a few small allocations.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include "common/clock.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/net/counters.hpp"
#include "gateways/net/tls.hpp"
#include "gateways/net/url.hpp"

namespace peregrine::gateways::net {

enum class HttpError : std::uint8_t {
  kNone,
  kConnectFailed,  // refused, unreachable, TLS handshake or certificate failure
  kConnectTimeout,
  kWriteFailed,  // the write started and failed
  kTimeout,      // no complete response within request_timeout_ns after the write started
  kClosed,       // the peer closed before a complete response
  kBadResponse,  // unparsable response or body above max_body_bytes
};
[[nodiscard]] std::string_view to_string(HttpError error) noexcept;

enum class SendState : std::uint8_t {
  kNotSent,    // no byte of the request left us: safe to retry as is
  kMaybeSent,  // the venue may have received and acted on it: reconcile before retrying
  kCompleted,  // a full response arrived
};
[[nodiscard]] std::string_view to_string(SendState state) noexcept;

enum class HttpSubmit : std::uint8_t { kQueued, kBusy, kNotStarted };

struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

struct HttpRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string_view target = "/";
  std::span<const HttpHeader> headers{};
  std::string_view body{};
};

// Retry-After value in milliseconds: delta-seconds ("120", surrounding blanks allowed), capped
// at 7 days; 0 for an empty, HTTP-date or otherwise unparsable value.
[[nodiscard]] std::uint32_t parse_retry_after_ms(std::string_view value) noexcept;

// What a listener sees; valid only during on_response.
class HttpResponseView {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  // `ts_sent`: when the request write completed; `ts_recv`: when the response was complete (or
  // the failure was seen). Both from the client's clock; 0 when it did not happen.
  HttpResponseView(HttpError error, SendState sent, const Response* response,
                   common::Nanos ts_sent = 0, common::Nanos ts_recv = 0) noexcept
      : error_(error), sent_(sent), response_(response), ts_sent_(ts_sent), ts_recv_(ts_recv) {}

  [[nodiscard]] bool ok() const noexcept { return error_ == HttpError::kNone; }
  [[nodiscard]] HttpError error() const noexcept { return error_; }
  [[nodiscard]] SendState sent() const noexcept { return sent_; }
  // 0 when there is no response.
  [[nodiscard]] unsigned status() const noexcept;
  [[nodiscard]] std::string_view body() const noexcept;
  // Case-insensitive lookup; empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
  [[nodiscard]] common::Nanos ts_sent() const noexcept { return ts_sent_; }
  [[nodiscard]] common::Nanos ts_recv() const noexcept { return ts_recv_; }
  // Retry-After in ms on a 429, 418 or 503 answer; 0 otherwise or when absent.
  [[nodiscard]] std::uint32_t retry_after_ms() const noexcept;
  // Calls f(name, value) for every header (Binance X-MBX-* rate-limit headers).
  template <typename F>
  void for_each_header(F&& f) const {
    if (response_ == nullptr) return;
    for (const auto& field : *response_) {
      f(std::string_view(field.name_string().data(), field.name_string().size()),
        std::string_view(field.value().data(), field.value().size()));
    }
  }

 private:
  HttpError error_;
  SendState sent_;
  const Response* response_;
  common::Nanos ts_sent_;
  common::Nanos ts_recv_;
};

// Copies the timings, Retry-After and the rate-limit usage headers (views into the response,
// no allocation) into the gateway seam's response; outcome/status/body are the caller's.
void copy_response_meta(const HttpResponseView& view, gateways::HttpResponse& out) noexcept;

class HttpListener {
 public:
  virtual ~HttpListener() = default;
  // Exactly once per submitted request. May call submit() again.
  virtual void on_response(std::uint64_t tag, const HttpResponseView& response) = 0;
  // When a request's write completed (before its response; not for a request that never
  // left). Lets a gateway time a venue's stream acknowledgement that beats the REST answer.
  virtual void on_sent(std::uint64_t /*tag*/, common::Nanos /*ts_sent*/) {}
};

struct HttpOptions {
  TlsOptions tls;
  std::size_t pool_size = 2;
  common::Nanos connect_timeout_ns = 5'000'000'000;
  common::Nanos request_timeout_ns = 10'000'000'000;
  std::size_t max_body_bytes = 8u << 20;
  std::string user_agent = "peregrine";
};

struct HttpCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> responses{0};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> connect_failures{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> not_sent{0};
  std::atomic<std::uint64_t> maybe_sent{0};
  std::atomic<std::uint64_t> busy{0};
  std::atomic<std::uint64_t> stale_reconnects{0};  // idle connection found closed by the peer
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> bytes_in{0};
};

class HttpClient {
 public:
  HttpClient(boost::asio::io_context& ioc, const common::Clock& clock, HttpListener& listener,
             HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // http(s)://host[:port] — resolves once (blocking getaddrinfo: start-up only) and builds the
  // TLS context. Connections open lazily on first use or eagerly with warm_up().
  [[nodiscard]] bool start(std::string_view base_url, std::string* error = nullptr);
  // Opens every idle pool connection now so the first order does not pay TCP + TLS set-up.
  void warm_up() noexcept;

  // Sends on an open idle connection, else on one that must connect first; kBusy when every
  // connection has a request in flight (the caller keeps the request and retries next cycle).
  [[nodiscard]] HttpSubmit submit(const HttpRequest& request, std::uint64_t tag) noexcept;

  // Timeouts. Call every cycle next to ioc.poll(); reads the clock once.
  int poll() noexcept;

  [[nodiscard]] std::size_t pool_size() const noexcept { return conns_.size(); }
  [[nodiscard]] std::size_t in_flight() const noexcept;
  [[nodiscard]] std::size_t open_connections() const noexcept;
  [[nodiscard]] const HttpCounters& counters() const noexcept { return counters_; }

 private:
  using Tcp = boost::asio::ip::tcp;
  enum class Phase : std::uint8_t { kDisconnected, kConnecting, kIdle, kWriting, kReading };

  struct Conn {
    Phase phase = Phase::kDisconnected;
    std::optional<Tcp::socket> plain;
    std::optional<boost::asio::ssl::stream<Tcp::socket>> tls;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> req;
    std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser;
    bool has_request = false;  // a request waits for the connection to open, or is in flight
    std::uint64_t tag = 0;
    std::uint64_t gen = 0;
    int pending_ops = 0;
    common::Nanos deadline_ns = 0;
    common::Nanos ts_sent = 0;  // write completion of the request in flight
  };

  [[nodiscard]] Tcp::socket& socket(Conn& c) noexcept;
  [[nodiscard]] bool peer_closed_idle(Conn& c) noexcept;
  void start_connect(Conn& c) noexcept;
  void on_connected(Conn& c, std::uint64_t gen, const boost::system::error_code& ec) noexcept;
  void on_ready(Conn& c) noexcept;
  void start_write(Conn& c) noexcept;
  void start_read(Conn& c) noexcept;
  void build_request(Conn& c, const HttpRequest& request) noexcept;
  // Closes the connection; if a request was attached, reports it with `error`/`sent`.
  void fail(Conn& c, HttpError error, SendState sent) noexcept;
  void close_socket(Conn& c) noexcept;

  boost::asio::io_context& ioc_;
  const common::Clock& clock_;
  HttpListener& listener_;
  HttpOptions options_;
  boost::asio::ssl::context tls_ctx_;
  Url url_;
  std::string host_header_;
  Tcp::resolver::results_type endpoints_;
  bool started_ = false;
  std::vector<std::unique_ptr<Conn>> conns_;  // stable addresses: handlers hold Conn*
  HttpCounters counters_;
};

}  // namespace peregrine::gateways::net
