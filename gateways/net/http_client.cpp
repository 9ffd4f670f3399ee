#include "gateways/net/http_client.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace peregrine::gateways::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;

std::string_view to_string(HttpError error) noexcept {
  switch (error) {
    case HttpError::kNone:
      return "ok";
    case HttpError::kConnectFailed:
      return "connect_failed";
    case HttpError::kConnectTimeout:
      return "connect_timeout";
    case HttpError::kWriteFailed:
      return "write_failed";
    case HttpError::kTimeout:
      return "timeout";
    case HttpError::kClosed:
      return "closed";
    case HttpError::kBadResponse:
      return "bad_response";
  }
  return "unknown";
}

std::string_view to_string(SendState state) noexcept {
  switch (state) {
    case SendState::kNotSent:
      return "not_sent";
    case SendState::kMaybeSent:
      return "maybe_sent";
    case SendState::kCompleted:
      return "completed";
  }
  return "unknown";
}

unsigned HttpResponseView::status() const noexcept {
  return response_ == nullptr ? 0U : response_->result_int();
}

std::string_view HttpResponseView::body() const noexcept {
  if (response_ == nullptr) return {};
  return response_->body();
}

std::string_view HttpResponseView::header(std::string_view name) const noexcept {
  if (response_ == nullptr) return {};
  const auto it = response_->find(beast::string_view(name.data(), name.size()));
  if (it == response_->end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

std::uint32_t parse_retry_after_ms(std::string_view value) noexcept {
  constexpr std::uint64_t kCapSeconds = 7ULL * 24 * 3600;
  std::size_t i = 0;
  while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
  std::size_t end = value.size();
  while (end > i && (value[end - 1] == ' ' || value[end - 1] == '\t')) --end;
  if (i == end) return 0;
  std::uint64_t seconds = 0;
  for (; i < end; ++i) {
    const char c = value[i];
    if (c < '0' || c > '9') return 0;  // HTTP-date or garbage
    seconds = seconds * 10 + static_cast<std::uint64_t>(c - '0');
    if (seconds > kCapSeconds) seconds = kCapSeconds;
  }
  return static_cast<std::uint32_t>(seconds * 1000);
}

std::uint32_t HttpResponseView::retry_after_ms() const noexcept {
  const unsigned s = status();
  if (s != 429 && s != 418 && s != 503) return 0;
  return parse_retry_after_ms(header("retry-after"));
}

void copy_response_meta(const HttpResponseView& view, gateways::HttpResponse& out) noexcept {
  out.ts_sent = view.ts_sent();
  out.ts_recv = view.ts_recv();
  out.retry_after_ms = view.retry_after_ms();
  out.rate_headers = gateways::RateHeaders{};
  view.for_each_header([&](std::string_view name, std::string_view value) {
    if (gateways::RateHeaders::wanted(name)) out.rate_headers.add(name, value);
  });
}

HttpClient::HttpClient(asio::io_context& ioc, const common::Clock& clock, HttpListener& listener,
                       HttpOptions options)
    : ioc_(ioc),
      clock_(clock),
      listener_(listener),
      options_(std::move(options)),
      tls_ctx_(asio::ssl::context::tls_client) {
  const std::size_t n = options_.pool_size == 0 ? 1 : options_.pool_size;
  conns_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto conn = std::make_unique<Conn>();
    conn->buffer.reserve(16 * 1024);
    conn->req.body().reserve(4096);
    conns_.push_back(std::move(conn));
  }
}

HttpClient::~HttpClient() {
  int pending = 0;
  for (auto& c : conns_) {
    ++c->gen;
    c->has_request = false;
    close_socket(*c);
    pending += c->pending_ops;
  }
  // Handlers hold Conn*: run the cancelled ones before the connections go away.
  for (int i = 0; i < 1000 && pending > 0; ++i) {
    if (ioc_.stopped()) ioc_.restart();
    ioc_.poll();
    pending = 0;
    for (auto& c : conns_) pending += c->pending_ops;
  }
}

bool HttpClient::start(std::string_view base_url, std::string* error) {
  auto parsed = parse_url(base_url);
  if (!parsed || parsed->websocket) {
    if (error != nullptr) {
      *error = parsed ? "not an http(s) url" : std::string(to_string(parsed.error()));
    }
    return false;
  }
  url_ = std::move(parsed).value();
  host_header_ = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
  if (url_.port != (url_.tls ? 443 : 80)) host_header_ += ":" + std::to_string(url_.port);
  error_code ec;
  if (url_.tls) {
    tls_ctx_ = make_client_tls_context(options_.tls, ec);
    if (ec) {
      if (error != nullptr) *error = "tls set-up: " + ec.message();
      return false;
    }
  }
  endpoints_ = resolve_endpoints(ioc_, url_.host, url_.port, ec);
  if (ec || endpoints_.empty()) {
    if (error != nullptr) *error = "resolve " + url_.host + ": " + ec.message();
    return false;
  }
  started_ = true;
  return true;
}

HttpClient::Tcp::socket& HttpClient::socket(Conn& c) noexcept {
  if (c.tls) return c.tls->next_layer();
  return *c.plain;
}

void HttpClient::close_socket(Conn& c) noexcept {
  if (!c.plain && !c.tls) return;
  error_code ignored;
  socket(c).shutdown(Tcp::socket::shutdown_both, ignored);
  socket(c).close(ignored);
}

std::size_t HttpClient::in_flight() const noexcept {
  std::size_t n = 0;
  for (const auto& c : conns_)
    if (c->has_request) ++n;
  return n;
}

std::size_t HttpClient::open_connections() const noexcept {
  std::size_t n = 0;
  for (const auto& c : conns_) {
    if (c->phase == Phase::kIdle || c->phase == Phase::kWriting || c->phase == Phase::kReading) ++n;
  }
  return n;
}

void HttpClient::warm_up() noexcept {
  if (!started_) return;
  for (auto& c : conns_) {
    if (c->phase == Phase::kDisconnected && c->pending_ops == 0) start_connect(*c);
  }
}

bool HttpClient::peer_closed_idle(Conn& c) noexcept {
  // No request is outstanding, so any readable byte or EOF means the server is closing this
  // keep-alive connection (idle timeout, TLS close_notify). One non-blocking peek, no wait.
  char byte = 0;
  const ssize_t n = ::recv(socket(c).native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0 || n == 0) return true;
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

HttpSubmit HttpClient::submit(const HttpRequest& request, std::uint64_t tag) noexcept {
  if (!started_) return HttpSubmit::kNotStarted;
  Conn* chosen = nullptr;
  for (auto& c : conns_) {
    if (c->phase != Phase::kIdle || c->has_request) continue;
    if (peer_closed_idle(*c)) {
      bump(counters_.stale_reconnects);
      ++c->gen;
      close_socket(*c);
      c->phase = Phase::kDisconnected;
      continue;
    }
    chosen = c.get();
    break;
  }
  if (chosen == nullptr) {
    for (auto& c : conns_) {
      const bool free_conn =
          !c->has_request && (c->phase == Phase::kConnecting ||
                              (c->phase == Phase::kDisconnected && c->pending_ops == 0));
      if (free_conn) {
        chosen = c.get();
        break;
      }
    }
  }
  if (chosen == nullptr) {
    bump(counters_.busy);
    return HttpSubmit::kBusy;
  }
  Conn& c = *chosen;
  build_request(c, request);
  c.tag = tag;
  c.ts_sent = 0;
  c.has_request = true;
  bump(counters_.requests);
  if (c.phase == Phase::kIdle) {
    start_write(c);
  } else if (c.phase == Phase::kDisconnected) {
    start_connect(c);
  }  // kConnecting: on_ready() writes it
  return HttpSubmit::kQueued;
}

void HttpClient::build_request(Conn& c, const HttpRequest& request) noexcept {
  http::request<http::string_body>& req = c.req;
  req.clear();  // header fields only; the body string keeps its capacity
  req.method(request.method);
  req.target(beast::string_view(request.target.data(), request.target.size()));
  req.version(11);
  req.set(http::field::host, host_header_);
  req.set(http::field::user_agent, options_.user_agent);
  req.keep_alive(true);
  for (const HttpHeader& h : request.headers) {
    req.set(beast::string_view(h.name.data(), h.name.size()),
            beast::string_view(h.value.data(), h.value.size()));
  }
  req.body().assign(request.body.data(), request.body.size());
  req.prepare_payload();
}

void HttpClient::start_connect(Conn& c) noexcept {
  c.plain.reset();
  c.tls.reset();
  c.buffer.clear();
  if (url_.tls) {
    c.tls.emplace(ioc_, tls_ctx_);
  } else {
    c.plain.emplace(ioc_);
  }
  c.phase = Phase::kConnecting;
  c.deadline_ns = clock_.now_ns() + options_.connect_timeout_ns;
  const std::uint64_t gen = c.gen;
  Conn* conn = &c;
  ++c.pending_ops;
  asio::async_connect(socket(c), endpoints_,
                      [this, conn, gen](const error_code& ec, const Tcp::endpoint&) {
                        --conn->pending_ops;
                        on_connected(*conn, gen, ec);
                      });
}

void HttpClient::on_connected(Conn& c, std::uint64_t gen, const error_code& ec) noexcept {
  if (gen != c.gen) return;
  if (ec) {
    bump(counters_.connect_failures);
    fail(c, HttpError::kConnectFailed, SendState::kNotSent);
    return;
  }
  error_code opt_ec;
  socket(c).set_option(Tcp::no_delay(true), opt_ec);
  if (!c.tls) {
    on_ready(c);
    return;
  }
  error_code tls_ec;
  const bool verify = options_.tls.verify_peer && !options_.tls.insecure_skip_verify_for_tests;
  prepare_tls_stream(c.tls->native_handle(), url_.host, verify, tls_ec);
  if (tls_ec) {
    bump(counters_.connect_failures);
    fail(c, HttpError::kConnectFailed, SendState::kNotSent);
    return;
  }
  Conn* conn = &c;
  ++c.pending_ops;
  c.tls->async_handshake(asio::ssl::stream_base::client, [this, conn, gen](const error_code& e) {
    --conn->pending_ops;
    if (gen != conn->gen) return;
    if (e) {
      bump(counters_.connect_failures);
      fail(*conn, HttpError::kConnectFailed, SendState::kNotSent);
      return;
    }
    on_ready(*conn);
  });
}

void HttpClient::on_ready(Conn& c) noexcept {
  bump(counters_.connects);
  c.phase = Phase::kIdle;
  if (c.has_request) start_write(c);
}

void HttpClient::start_write(Conn& c) noexcept {
  c.phase = Phase::kWriting;
  c.deadline_ns = clock_.now_ns() + options_.request_timeout_ns;
  const std::uint64_t gen = c.gen;
  Conn* conn = &c;
  auto handler = [this, conn, gen](const error_code& ec, std::size_t n) {
    --conn->pending_ops;
    if (gen != conn->gen) return;
    bump(counters_.bytes_out, n);
    if (ec) {
      fail(*conn, HttpError::kWriteFailed, SendState::kMaybeSent);
      return;
    }
    // The whole request is in the kernel's send buffer: the moment it went on the wire, as far
    // as this process can tell.
    conn->ts_sent = clock_.now_ns();
    listener_.on_sent(conn->tag, conn->ts_sent);
    start_read(*conn);
  };
  ++c.pending_ops;
  if (c.tls) {
    http::async_write(*c.tls, c.req, std::move(handler));
  } else {
    http::async_write(*c.plain, c.req, std::move(handler));
  }
}

void HttpClient::start_read(Conn& c) noexcept {
  c.phase = Phase::kReading;
  c.parser.emplace();
  c.parser->body_limit(options_.max_body_bytes);
  const std::uint64_t gen = c.gen;
  Conn* conn = &c;
  auto handler = [this, conn, gen](const error_code& ec, std::size_t n) {
    --conn->pending_ops;
    if (gen != conn->gen) return;
    bump(counters_.bytes_in, n);
    if (ec) {
      const bool closed = ec == http::error::end_of_stream || ec == asio::error::eof ||
                          ec == asio::error::connection_reset ||
                          ec == asio::ssl::error::stream_truncated;
      fail(*conn, closed ? HttpError::kClosed : HttpError::kBadResponse, SendState::kMaybeSent);
      return;
    }
    const auto& response = conn->parser->get();
    const bool keep = response.keep_alive();
    conn->has_request = false;
    conn->phase = Phase::kIdle;
    bump(counters_.responses);
    if (!keep) {
      ++conn->gen;
      close_socket(*conn);
      conn->phase = Phase::kDisconnected;
    }
    // The parser (and the response in it) lives until the next request on this connection.
    listener_.on_response(conn->tag, HttpResponseView(HttpError::kNone, SendState::kCompleted,
                                                      &response, conn->ts_sent, clock_.now_ns()));
  };
  ++c.pending_ops;
  if (c.tls) {
    http::async_read(*c.tls, c.buffer, *c.parser, std::move(handler));
  } else {
    http::async_read(*c.plain, c.buffer, *c.parser, std::move(handler));
  }
}

void HttpClient::fail(Conn& c, HttpError error, SendState sent) noexcept {
  ++c.gen;
  close_socket(c);
  c.phase = Phase::kDisconnected;
  if (!c.has_request) return;
  c.has_request = false;
  bump(sent == SendState::kNotSent ? counters_.not_sent : counters_.maybe_sent);
  if (error == HttpError::kTimeout || error == HttpError::kConnectTimeout) {
    bump(counters_.timeouts);
  }
  listener_.on_response(c.tag, HttpResponseView(error, sent, nullptr, c.ts_sent, clock_.now_ns()));
}

int HttpClient::poll() noexcept {
  if (!started_) return 0;
  const common::Nanos now = clock_.now_ns();
  int work = 0;
  for (auto& conn : conns_) {
    Conn& c = *conn;
    if (now < c.deadline_ns) continue;
    switch (c.phase) {
      case Phase::kConnecting:
        bump(counters_.connect_failures);
        fail(c, HttpError::kConnectTimeout, SendState::kNotSent);
        ++work;
        break;
      case Phase::kWriting:
      case Phase::kReading:
        fail(c, HttpError::kTimeout, SendState::kMaybeSent);
        ++work;
        break;
      case Phase::kDisconnected:
      case Phase::kIdle:
        break;
    }
  }
  return work;
}

}  // namespace peregrine::gateways::net
