#include "tools/venue_sim/server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <cctype>
#include <chrono>
#include <fstream>
#include <utility>

#include "tools/venue_sim/server_impl.hpp"
#include "tools/venue_sim/tls_cert.hpp"

namespace peregrine::venue_sim {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

std::unique_ptr<VenueProtocol> make_protocol(VenueContext& ctx,
                                             const SimConfig& cfg);  // protocols.cpp

common::Nanos wall_now() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

constexpr auto kHttpIdle = std::chrono::seconds(60);
// Hard bound on a session's send queue when the venue's limit is 0 (unlimited would let one
// stuck client grow memory without bound).
constexpr std::size_t kMaxQueuedFrames = 1u << 20;

// Non-GET requests other than read-only query endpoints count as order requests for
// lose_response (the server does not know each venue's paths; /info is Hyperliquid's query path).
bool is_order_request(const HttpRequest& r) { return r.method != "GET" && r.path() != "/info"; }

// ---- write-coalescing stream layer -------------------------------------------------------------

// Sits under websocket::stream. The session appends whole frames with append_text_frame() and
// they leave in one socket write per io turn (a broadcast tick costs one syscall per session, not
// one per frame). Beast's own writes (the 101 response, pong, close) pass through
// async_write_some, which appends in order and completes once those bytes are on the socket, so
// its close handshake and teardown keep their ordering. At most one socket write is in flight.
class FlushListener {
 public:
  // A write finished: `frames` session frames left (0 and `ec` set on failure).
  virtual void on_flushed(std::size_t frames, const beast::error_code& ec) = 0;

 protected:
  ~FlushListener() = default;
};

template <typename Next>
class CoalescedStream {
  // Beast serializes its writes, so one pending write handler at a time; type-erased because
  // Beast's handlers are move-only.
  struct PendingHandler {
    virtual ~PendingHandler() = default;
    virtual void complete(const beast::error_code& ec, std::size_t n) = 0;
  };
  template <typename H>
  struct PendingHandlerT final : PendingHandler {
    explicit PendingHandlerT(H&& h) : handler(std::move(h)) {}
    void complete(const beast::error_code& ec, std::size_t n) override { handler(ec, n); }
    H handler;
  };

 public:
  using executor_type = typename Next::executor_type;

  explicit CoalescedStream(Next&& next) : next_(std::move(next)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  // The owner kept alive by in-flight writes and told when they finish. Before any write.
  void set_owner(std::weak_ptr<void> owner, FlushListener* listener) {
    owner_ = std::move(owner);
    listener_ = listener;
  }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return next_.async_read_some(buffers, std::forward<Token>(token));
  }

  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](auto handler, const Buffers& bufs) {
          using H = std::decay_t<decltype(handler)>;
          const std::size_t n = asio::buffer_size(bufs);
          if (error_ || n == 0) {
            // Nothing to hand to the socket: complete now (never stored, so never stranded).
            asio::post(get_executor(),
                       beast::bind_front_handler(std::move(handler), error_, std::size_t{0}));
            return;
          }
          beast_n_ = n;
          const std::size_t at = pending_.size();
          pending_.resize(at + beast_n_);
          asio::buffer_copy(asio::buffer(pending_.data() + at, beast_n_), bufs);
          beast_handler_ = std::make_unique<PendingHandlerT<H>>(std::move(handler));
          beast_in_pending_ = true;
          start_write();
        },
        token, buffers);
  }

  // One unmasked FIN text frame (server to client; permessage-deflate is never negotiated).
  void append_text_frame(std::string_view payload) {
    const std::size_t n = payload.size();
    char header[10];
    std::size_t h = 0;
    header[h++] = static_cast<char>(0x81);
    if (n < 126) {
      header[h++] = static_cast<char>(n);
    } else if (n <= 0xFFFF) {
      header[h++] = 126;
      header[h++] = static_cast<char>((n >> 8) & 0xFF);
      header[h++] = static_cast<char>(n & 0xFF);
    } else {
      header[h++] = 127;
      for (int shift = 56; shift >= 0; shift -= 8) {
        header[h++] = static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF);
      }
    }
    pending_.append(header, h);
    pending_.append(payload);
    ++pending_frames_;
  }

  // Session frames not yet written (pending plus in flight).
  [[nodiscard]] std::size_t queued_frames() const noexcept {
    return pending_frames_ + inflight_frames_;
  }

  // Drops session frames not yet handed to the socket (kept when Beast bytes are among them).
  void discard_pending_frames() noexcept {
    if (beast_in_pending_) return;
    pending_.clear();
    pending_frames_ = 0;
  }

  // Writes what is pending after the current handler returns: everything appended in this io
  // turn leaves in one write.
  void flush_soon() {
    if (writing_ || flush_posted_ || error_ || pending_.empty()) return;
    flush_posted_ = true;
    asio::post(get_executor(), [this, keep = owner_.lock()] {
      flush_posted_ = false;
      start_write();
    });
  }

 private:
  void start_write() {
    if (writing_ || error_ || pending_.empty()) return;
    writing_ = true;
    out_.swap(pending_);
    pending_.clear();
    inflight_frames_ = std::exchange(pending_frames_, 0);
    beast_in_flight_ = std::exchange(beast_in_pending_, false);
    asio::async_write(
        next_, asio::buffer(out_),
        [this, keep = owner_.lock()](beast::error_code ec, std::size_t) { on_written(ec); });
  }

  void on_written(beast::error_code ec) {
    writing_ = false;
    out_.clear();
    const std::size_t frames = std::exchange(inflight_frames_, 0);
    if (ec) {
      error_ = ec;
      pending_.clear();
      pending_frames_ = 0;
      beast_in_pending_ = false;
    }
    if (beast_in_flight_ || (ec && beast_handler_)) {
      beast_in_flight_ = false;
      auto h = std::move(beast_handler_);
      h->complete(ec, ec ? 0 : beast_n_);
    }
    if (listener_ != nullptr) listener_->on_flushed(ec ? 0 : frames, ec);
    if (!ec) start_write();
  }

  Next next_;
  std::weak_ptr<void> owner_;
  FlushListener* listener_ = nullptr;
  std::string pending_;  // appended, not yet handed to the socket
  std::string out_;      // the write in flight
  std::size_t pending_frames_ = 0;
  std::size_t inflight_frames_ = 0;
  std::unique_ptr<PendingHandler> beast_handler_;
  std::size_t beast_n_ = 0;
  bool beast_in_pending_ = false;
  bool beast_in_flight_ = false;
  bool writing_ = false;
  bool flush_posted_ = false;
  beast::error_code error_;
};

template <typename Next>
void teardown(beast::role_type role, CoalescedStream<Next>& s, beast::error_code& ec) {
  using beast::websocket::teardown;
  teardown(role, s.next_layer(), ec);
}

template <typename Next, typename Handler>
void async_teardown(beast::role_type role, CoalescedStream<Next>& s, Handler&& handler) {
  using beast::websocket::async_teardown;
  async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

// ---- WebSocket session ----------------------------------------------------------------------

template <typename Stream>
class WsSessionT final : public SessionBase,
                         public FlushListener,
                         public std::enable_shared_from_this<WsSessionT<Stream>> {
 public:
  WsSessionT(Stream&& stream, Server::Impl& impl, VenueRuntime& venue, std::uint64_t id,
             std::string target)
      : ws_(std::move(stream)), impl_(impl), venue_(venue), id_(id), target_(std::move(target)) {}

  void start(http::request<http::string_body> req) {
    ws_.next_layer().set_owner(this->weak_from_this(), this);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(1u << 20);
    ws_.text(true);
    ws_.async_accept(
        req, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  std::uint64_t id() const noexcept override { return id_; }
  std::string_view target() const noexcept override { return target_; }

  void send(std::string frame) override {
    if (closing_ || !open_ || !ws_.is_open()) return;
    auto& f = venue_.faults;
    // Stale: frames a protocol publishes from on_tick are dropped; answers to a client's own
    // messages (pong, acks, post responses) still go out.
    if (venue_.publishing_stale) return;
    if (f.malformed > 0) {
      --f.malformed;
      ++f.counters.malformed_frames;
      frame = "{\"channel\":\"l2Book\",\"data\":{\"coin\":";  // invalid JSON, venue-agnostic
    } else if (f.truncated > 0) {
      --f.truncated;
      ++f.counters.truncated_frames;
      frame.resize(frame.size() / 2);
    }
    auto& out = ws_.next_layer();
    out.append_text_frame(frame);
    const std::size_t limit = f.slow_consumer_limit > 0 ? f.slow_consumer_limit : kMaxQueuedFrames;
    if (out.queued_frames() > limit) {
      ++f.counters.slow_consumer_drops;
      drop();
      return;
    }
    out.flush_soon();
  }

  void close() override { reset(); }

  void drop() override {
    if (closing_) return;
    closing_ = true;
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
    defer_finish();
  }

  void reset() override {
    if (closing_) return;
    closing_ = true;
    // Frames not yet handed to the socket are dropped; the close frame follows the write in
    // flight (the layer keeps the order).
    ws_.next_layer().discard_pending_frames();
    start_close();
  }

  bool closing() const noexcept override { return closing_; }

 private:
  void on_accept(beast::error_code ec) {
    if (ec || impl_.stopping) return;
    open_ = true;
    venue_.sessions.emplace(id_, this->shared_from_this());
    impl_.stats.ws_sessions.fetch_add(1, std::memory_order_relaxed);
    venue_.protocol->on_ws_open(*this, wall_now());
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      finish();
      return;
    }
    impl_.stats.ws_frames_in.fetch_add(1, std::memory_order_relaxed);
    if (!closing_) {
      const auto data = buffer_.cdata();
      const std::string_view text(static_cast<const char*>(data.data()), data.size());
      venue_.protocol->on_ws_message(*this, text, wall_now());
    }
    buffer_.consume(buffer_.size());
    if (!closing_) do_read();
  }

  void on_flushed(std::size_t frames, const beast::error_code& ec) override {
    impl_.stats.ws_frames_out.fetch_add(frames, std::memory_order_relaxed);
    if (ec && !closing_) drop();
  }

  void start_close() {
    ws_.async_close(websocket::close_code::normal,
                    [self = this->shared_from_this()](beast::error_code) {
                      beast::error_code ec;
                      beast::get_lowest_layer(self->ws_).socket().close(ec);
                      self->finish();
                    });
  }

  // Protocols may be iterating their sessions when a send() trips a fault; finishing later
  // keeps on_ws_close out of their loops.
  void defer_finish() {
    asio::post(impl_.ioc, [self = this->shared_from_this()] { self->finish(); });
  }

  void finish() {
    closing_ = true;
    if (finished_) return;
    finished_ = true;
    if (!open_) return;
    venue_.sessions.erase(id_);
    impl_.stats.ws_sessions.fetch_sub(1, std::memory_order_relaxed);
    venue_.protocol->on_ws_close(*this);
  }

  websocket::stream<CoalescedStream<Stream>> ws_;
  Server::Impl& impl_;
  VenueRuntime& venue_;
  std::uint64_t id_;
  std::string target_;
  beast::flat_buffer buffer_;
  bool open_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

// ---- HTTP session -----------------------------------------------------------------------------

template <typename Stream>
class HttpSessionT final : public std::enable_shared_from_this<HttpSessionT<Stream>> {
 public:
  HttpSessionT(Stream&& stream, Server::Impl& impl, VenueRuntime* venue)
      : stream_(std::move(stream)), impl_(impl), venue_(venue), delay_timer_(impl.ioc) {}

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->do_read();
                              });
    } else {
      do_read();
    }
  }

 private:
  void do_read() {
    req_ = {};
    beast::get_lowest_layer(stream_).expires_after(kHttpIdle);
    http::async_read(stream_, buffer_, req_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      close();
      return;
    }
    impl_.stats.http_requests.fetch_add(1, std::memory_order_relaxed);
    const std::string target(req_.target());
    if (websocket::is_upgrade(req_)) {
      if (venue_ != nullptr && venue_->protocol->accepts_ws(target)) {
        std::make_shared<WsSessionT<Stream>>(std::move(stream_), impl_, *venue_,
                                             impl_.next_session_id++, target)
            ->start(std::move(req_));
        return;
      }
      HttpResponse r;
      r.status = 404;
      r.body = "{\"error\":\"no WebSocket endpoint at this path\"}";
      write(std::move(r));
      return;
    }
    HttpRequest hr;
    hr.method = std::string(req_.method_string());
    hr.target = target;
    hr.body = std::move(req_.body());
    for (const auto& field : req_) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      hr.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    const common::Nanos now = wall_now();
    if (venue_ == nullptr) {
      write(handle_admin(impl_, hr, now));
      return;
    }
    auto& f = venue_->faults;
    if (f.http_error > 0) {
      --f.http_error;
      ++f.counters.http_errors;
      write(injected_http_error(venue_->id, f.http_error_status, now));
      return;
    }
    HttpResponse resp = venue_->protocol->on_http(hr, now);
    if (f.lose_response > 0 && is_order_request(hr)) {
      --f.lose_response;
      ++f.counters.responses_lost;
      // The request took effect; the reply never comes. Keep reading so a client close (or
      // the idle timeout) ends the session.
      do_read();
      return;
    }
    if (f.delay_ms > 0) {
      ++f.counters.delayed_responses;
      delay_timer_.expires_after(std::chrono::milliseconds(f.delay_ms));
      delay_timer_.async_wait([self = this->shared_from_this(), r = std::move(resp)](
                                  beast::error_code) mutable { self->write(std::move(r)); });
      return;
    }
    write(std::move(resp));
  }

  void write(HttpResponse r) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req_.version());
    res->result(static_cast<http::status>(r.status));
    res->set(http::field::server, "peregrine-venue-sim");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(req_.keep_alive());
    res->body() = std::move(r.body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) {
                          self->close();
                          return;
                        }
                        self->do_read();
                      });
  }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  Stream stream_;
  Server::Impl& impl_;
  VenueRuntime* venue_;  // null: the admin port
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  asio::steady_timer delay_timer_;
};

// ---- accept loops --------------------------------------------------------------------------

void accept_loop(Server::Impl& impl, tcp::acceptor& acceptor, VenueRuntime* venue) {
  acceptor.async_accept([&impl, &acceptor, venue](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || impl.stopping) return;
      accept_loop(impl, acceptor, venue);
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (venue != nullptr && venue->tls) {
      std::make_shared<HttpSessionT<TlsStream>>(
          TlsStream(PlainStream(std::move(socket)), *impl.ssl), impl, venue)
          ->start();
    } else {
      std::make_shared<HttpSessionT<PlainStream>>(PlainStream(std::move(socket)), impl, venue)
          ->start();
    }
    accept_loop(impl, acceptor, venue);
  });
}

bool open_acceptor(Server::Impl& impl, std::optional<tcp::acceptor>& acc, std::uint16_t port,
                   std::uint16_t* bound, std::string* error) {
  beast::error_code ec;
  const auto addr =
      asio::ip::make_address(impl.cfg.host == "localhost" ? "127.0.0.1" : impl.cfg.host, ec);
  if (ec) {
    *error = "bad host " + impl.cfg.host;
    return false;
  }
  const tcp::endpoint ep(addr, port);
  acc.emplace(impl.ioc);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + impl.cfg.host + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  *bound = acc->local_endpoint().port();
  return true;
}

void schedule_tick(Server::Impl& impl);

void on_tick(Server::Impl& impl) {
  const common::Nanos now = wall_now();
  impl.world->step(now);
  for (auto& vp : impl.venues) {
    if (!vp) continue;
    VenueRuntime& v = *vp;
    auto& f = v.faults;
    if (f.stale_until_ns < 0) f.stale_until_ns = now - f.stale_until_ns;  // start-up stale_ms
    impl.apply_connection_faults(v);
    const bool stale = now < f.stale_until_ns;
    if (stale) f.counters.stale_ms += impl.cfg.tick_ms;
    v.publishing_stale = stale;
    v.protocol->on_tick(now);
    v.publishing_stale = false;
  }
  impl.stats.ticks.fetch_add(1, std::memory_order_relaxed);
  impl.stats.orders.store(impl.world->orders_accepted(), std::memory_order_relaxed);
  impl.stats.fills.store(impl.world->fills(), std::memory_order_relaxed);
  schedule_tick(impl);
}

void schedule_tick(Server::Impl& impl) {
  if (impl.stopping) return;
  const auto period = std::chrono::milliseconds(impl.cfg.tick_ms);
  const auto steady = asio::steady_timer::clock_type::now();
  impl.next_tick += period;
  // After a stall, skip the missed ticks instead of running them back to back.
  if (impl.next_tick < steady) impl.next_tick = steady + period;
  impl.tick_timer.expires_at(impl.next_tick);
  impl.tick_timer.async_wait([&impl](beast::error_code ec) {
    if (!ec) on_tick(impl);
  });
}

}  // namespace

void Server::Impl::apply_connection_faults(VenueRuntime& v) {
  auto& f = v.faults;
  for (auto it = v.sessions.begin(); (f.drop_ws > 0 || f.reset_ws > 0) && it != v.sessions.end();
       ++it) {
    auto& s = *it->second;
    if (s.closing()) continue;
    if (f.drop_ws > 0) {
      --f.drop_ws;
      ++f.counters.ws_dropped;
      s.drop();
    } else {
      --f.reset_ws;
      ++f.counters.ws_reset;
      s.reset();
    }
  }
}

Server::Server(SimConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}

Server::~Server() {
  stop();
  // Sessions hold references into impl_; run the io_context down so their handlers finish.
  impl_->ioc.restart();
  impl_->ioc.poll();
}

bool Server::start(std::string* error) {
  Impl& impl = *impl_;
  bool any_tls = false;
  for (const auto& s : impl.cfg.venues) any_tls = any_tls || (s.enabled && s.venue.tls);
  if (any_tls) {
    SelfSignedCert cert;
    if (!make_self_signed_cert(&cert, error)) return false;
    impl.cert_pem = cert.cert_pem;
    impl.ssl.emplace(asio::ssl::context::tls_server);
    beast::error_code ec;
    impl.ssl->use_certificate_chain(asio::buffer(cert.cert_pem), ec);
    if (!ec) impl.ssl->use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem, ec);
    if (ec) {
      *error = "TLS: loading the generated certificate failed";
      return false;
    }
    if (!impl.cfg.cert_pem_path.empty()) {
      std::ofstream out(impl.cfg.cert_pem_path, std::ios::trunc);
      out << cert.cert_pem;
      if (!out) {
        *error = "cannot write the TLS certificate to " + impl.cfg.cert_pem_path;
        return false;
      }
    }
  }
  try {
    impl.world = std::make_unique<SimWorld>(impl.cfg);
  } catch (const std::exception& e) {
    *error = std::string("building the simulated exchanges failed: ") + e.what();
    return false;
  }
  for (common::VenueId v : common::kAllVenues) {
    auto& s = impl.cfg.venues[common::index(v)];
    if (!s.enabled) continue;
    auto rt = std::make_unique<VenueRuntime>();
    rt->id = v;
    rt->config = &s.venue;
    rt->faults = s.faults;
    rt->tls = s.venue.tls;
    rt->context =
        std::make_unique<VenueContext>(VenueContext{*impl.world->exchange(v), rt->faults, s.venue});
    try {
      rt->protocol = make_protocol(*rt->context, impl.cfg);
    } catch (const std::exception& e) {
      *error = std::string(venue_config_name(v)) + ": " + e.what();
      return false;
    }
    if (!rt->protocol) {
      // No protocol linked for this venue yet: leave it off rather than serve nothing.
      continue;
    }
    if (!open_acceptor(impl, rt->acceptor, s.venue.port, &rt->port, error)) return false;
    impl.venues[common::index(v)] = std::move(rt);
  }
  if (!open_acceptor(impl, impl.admin, impl.cfg.admin_port, &impl.admin_port, error)) return false;
  for (auto& v : impl.venues) {
    if (v) accept_loop(impl, *v->acceptor, v.get());
  }
  accept_loop(impl, *impl.admin, nullptr);
  impl.next_tick = asio::steady_timer::clock_type::now();
  schedule_tick(impl);
  return true;
}

void Server::run() { impl_->ioc.run(); }

void Server::stop() {
  Impl& impl = *impl_;
  if (impl.stopping.exchange(true)) return;
  asio::post(impl.ioc, [&impl] {
    beast::error_code ec;
    impl.tick_timer.cancel();
    if (impl.admin) impl.admin->close(ec);
    for (auto& v : impl.venues) {
      if (!v) continue;
      if (v->acceptor) v->acceptor->close(ec);
      auto sessions = v->sessions;
      for (auto& [id, s] : sessions) s->drop();
    }
    impl.ioc.stop();
  });
}

std::uint16_t Server::admin_port() const noexcept { return impl_->admin_port; }
std::uint16_t Server::venue_port(common::VenueId v) const noexcept {
  const auto& rt = impl_->venues[common::index(v)];
  return rt ? rt->port : 0;
}
const ServerStats& Server::stats() const noexcept { return impl_->stats; }
const SimConfig& Server::config() const noexcept { return impl_->cfg; }
const std::string& Server::cert_pem() const noexcept { return impl_->cert_pem; }

}  // namespace peregrine::venue_sim
