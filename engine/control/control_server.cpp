#include "engine/control/control_server.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "engine/control/control_json.hpp"

namespace peregrine::engine::control {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view s) noexcept {
  Digest d{};
  unsigned int n = 0;
  if (EVP_Digest(s.data(), s.size(), d.data(), &n, EVP_sha256(), nullptr) != 1) d.fill(0);
  return d;
}

enum class Endpoint : std::uint8_t {
  kNone,
  kMetrics,
  kHealth,
  kBalances,
  kPositions,
  kOrders,
  kAllocation,
  kRisk,
  kLatency,
  kKill,
  kSignals,
  kClose,
  kReduce,
};

struct Route {
  Endpoint endpoint = Endpoint::kNone;
  bool get = false;
  bool post = false;
  std::string_view asset;  // for /api/positions/{asset}/...
};

Route route(std::string_view path) {
  if (path == "/metrics") return {Endpoint::kMetrics, true, false, {}};
  if (path == "/api/health") return {Endpoint::kHealth, true, false, {}};
  if (path == "/api/balances") return {Endpoint::kBalances, true, false, {}};
  if (path == "/api/positions") return {Endpoint::kPositions, true, false, {}};
  if (path == "/api/orders") return {Endpoint::kOrders, true, true, {}};
  if (path == "/api/allocation") return {Endpoint::kAllocation, true, false, {}};
  if (path == "/api/risk") return {Endpoint::kRisk, true, false, {}};
  if (path == "/api/latency") return {Endpoint::kLatency, true, false, {}};
  if (path == "/api/kill") return {Endpoint::kKill, false, true, {}};
  if (path == "/api/signals") return {Endpoint::kSignals, false, true, {}};
  constexpr std::string_view kPositions = "/api/positions/";
  if (path.substr(0, kPositions.size()) == kPositions) {
    const std::string_view rest = path.substr(kPositions.size());
    const std::size_t slash = rest.find('/');
    if (slash != std::string_view::npos && slash > 0) {
      const std::string_view action = rest.substr(slash + 1);
      if (action == "close") return {Endpoint::kClose, false, true, rest.substr(0, slash)};
      if (action == "reduce") return {Endpoint::kReduce, false, true, rest.substr(0, slash)};
    }
  }
  return {};
}

bool valid_asset(std::string_view a) {
  if (a.empty() || a.size() > 15) return false;
  for (const char c : a) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

struct Response {
  http::status status = http::status::ok;
  std::string body;
  std::string_view content_type = "application/json";
  std::string_view allow;  // for 405
};

// Counters: the control thread writes, stats() reads from anywhere.
struct AtomicStats {
  std::atomic<std::uint64_t> requests{0}, unauthorized{0}, bad_requests{0}, not_found{0},
      method_not_allowed{0}, timeouts{0}, queue_full{0}, late_replies{0}, commands_sent{0},
      snapshots_received{0}, errors{0};
  static void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  ControlServerStats copy() const noexcept {
    ControlServerStats s;
    s.requests = requests.load(std::memory_order_relaxed);
    s.unauthorized = unauthorized.load(std::memory_order_relaxed);
    s.bad_requests = bad_requests.load(std::memory_order_relaxed);
    s.not_found = not_found.load(std::memory_order_relaxed);
    s.method_not_allowed = method_not_allowed.load(std::memory_order_relaxed);
    s.timeouts = timeouts.load(std::memory_order_relaxed);
    s.queue_full = queue_full.load(std::memory_order_relaxed);
    s.late_replies = late_replies.load(std::memory_order_relaxed);
    s.commands_sent = commands_sent.load(std::memory_order_relaxed);
    s.snapshots_received = snapshots_received.load(std::memory_order_relaxed);
    s.errors = errors.load(std::memory_order_relaxed);
    return s;
  }
};

}  // namespace

class Session;

struct ControlServer::Impl {
  Impl(ControlServerConfig c, ControlChannel& ch, const common::Clock& cl)
      : config(std::move(c)),
        channel(ch),
        clock(cl),
        key_digest(sha256(config.api_key)),
        acceptor(io),
        latest(std::make_unique<ControlSnapshot>()),
        incoming(std::make_unique<ControlSnapshot>()) {}

  bool open(std::string* error);
  void accept();
  void handle(const std::shared_ptr<Session>& s, const http::request<http::string_body>& req);
  Response dispatch(const std::shared_ptr<Session>& s, const http::request<http::string_body>& req,
                    bool* deferred);
  Response send_command(const std::shared_ptr<Session>& s, ControlCommand cmd, bool await,
                        bool* deferred);
  [[nodiscard]] bool authorized(const http::request<http::string_body>& req) const noexcept;
  int drain_core() noexcept;
  int expire_pending() noexcept;
  void finish(const std::shared_ptr<Session>& s, Response r);
  void count(const Response& r) noexcept;

  struct Pending {
    // Owning: while waiting for the core no async operation keeps the session alive. Bounded
    // by max_pending and the reply timeout.
    std::shared_ptr<Session> session;
    Nanos deadline = 0;
  };

  ControlServerConfig config;
  ControlChannel& channel;
  const common::Clock& clock;
  Digest key_digest;
  // Declared before io: sessions destroyed with io's pending handlers still decrement it.
  std::size_t connections = 0;
  AtomicStats stats;
  asio::io_context io;
  tcp::acceptor acceptor;
  bool opened = false;
  std::uint16_t bound_port = 0;
  std::unique_ptr<ControlSnapshot> latest;    // served from
  std::unique_ptr<ControlSnapshot> incoming;  // popped into, then swapped
  bool have_snapshot = false;
  std::uint64_t next_request_id = 1;
  std::map<std::uint64_t, Pending> pending;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ControlServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    ++server_.connections;
  }
  ~Session() { --server_.connections; }

  void read() {
    parser_.emplace();
    parser_->body_limit(server_.config.max_body_bytes);
    stream_.expires_after(std::chrono::nanoseconds(server_.config.idle_timeout_ns));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void respond(Response r) {
    if (responding_) return;
    responding_ = true;
    res_ = {};
    res_.version(11);
    res_.result(r.status);
    res_.set(http::field::server, "peregrine");
    res_.set(http::field::content_type,
             beast::string_view(r.content_type.data(), r.content_type.size()));
    if (!r.allow.empty()) {
      res_.set(http::field::allow, beast::string_view(r.allow.data(), r.allow.size()));
    }
    res_.keep_alive(keep_alive_);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    stream_.expires_after(std::chrono::nanoseconds(server_.config.idle_timeout_ns));
    http::async_write(
        stream_, res_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      close();
      return;
    }
    keep_alive_ = false;
    if (ec == http::error::body_limit) {
      AtomicStats::bump(server_.stats.bad_requests);
      respond({http::status::payload_too_large,
               error_json("body: larger than " + std::to_string(server_.config.max_body_bytes) +
                          " bytes"),
               "application/json",
               {}});
      return;
    }
    if (ec) {
      AtomicStats::bump(server_.stats.bad_requests);
      respond({http::status::bad_request,
               error_json("malformed HTTP request"),
               "application/json",
               {}});
      return;
    }
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    responding_ = false;
    server_.handle(shared_from_this(), req);
  }

  void on_write(beast::error_code ec) {
    if (ec || !keep_alive_) {
      close();
      return;
    }
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  ControlServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool keep_alive_ = false;
  bool responding_ = false;
};

bool ControlServer::Impl::open(std::string* error) {
  if (opened) return true;
  beast::error_code ec;
  const auto addr = asio::ip::make_address(config.bind_address, ec);
  if (ec) {
    *error = "control: bad bind address '" + config.bind_address + "'";
    return false;
  }
  const tcp::endpoint ep(addr, config.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "control: cannot listen on " + config.bind_address + ":" +
             std::to_string(config.port) + ": " + ec.message();
    return false;
  }
  bound_port = acceptor.local_endpoint(ec).port();
  opened = true;
  accept();
  return true;
}

void ControlServer::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      if (connections >= config.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // refuse rather than queue without bound
        AtomicStats::bump(stats.errors);
      } else {
        std::make_shared<Session>(std::move(socket), *this)->read();
      }
    } else if (ec != asio::error::operation_aborted) {
      AtomicStats::bump(stats.errors);
    }
    if (acceptor.is_open()) accept();
  });
}

bool ControlServer::Impl::authorized(const http::request<http::string_body>& req) const noexcept {
  const auto it = req.find("X-API-Key");
  if (it == req.end() || config.api_key.empty()) return false;
  // Hashing first makes the comparison independent of the presented key's length too.
  const Digest d = sha256(std::string_view(it->value().data(), it->value().size()));
  return CRYPTO_memcmp(d.data(), key_digest.data(), d.size()) == 0;
}

void ControlServer::Impl::count(const Response& r) noexcept {
  switch (r.status) {
    case http::status::unauthorized:
      AtomicStats::bump(stats.unauthorized);
      break;
    case http::status::bad_request:
      AtomicStats::bump(stats.bad_requests);
      break;
    case http::status::not_found:
      AtomicStats::bump(stats.not_found);
      break;
    case http::status::method_not_allowed:
      AtomicStats::bump(stats.method_not_allowed);
      break;
    default:
      break;
  }
}

void ControlServer::Impl::finish(const std::shared_ptr<Session>& s, Response r) {
  count(r);
  s->respond(std::move(r));
}

void ControlServer::Impl::handle(const std::shared_ptr<Session>& s,
                                 const http::request<http::string_body>& req) {
  AtomicStats::bump(stats.requests);
  bool deferred = false;
  Response r;
  try {
    r = dispatch(s, req, &deferred);
  } catch (const std::exception&) {
    AtomicStats::bump(stats.errors);
    r = {http::status::internal_server_error, error_json("internal error"), "application/json", {}};
    deferred = false;
  }
  if (!deferred) finish(s, std::move(r));
}

Response ControlServer::Impl::dispatch(const std::shared_ptr<Session>& s,
                                       const http::request<http::string_body>& req,
                                       bool* deferred) {
  std::string_view target(req.target().data(), req.target().size());
  if (const std::size_t q = target.find('?'); q != std::string_view::npos) {
    target = target.substr(0, q);
  }
  const Route rt = route(target);
  const bool is_public = rt.endpoint == Endpoint::kMetrics && config.metrics_public;
  if (!is_public && !authorized(req)) {
    return {http::status::unauthorized, error_json("unauthorized"), "application/json", {}};
  }
  if (rt.endpoint == Endpoint::kNone) {
    return {http::status::not_found, error_json("no such endpoint"), "application/json", {}};
  }
  const bool is_get = req.method() == http::verb::get;
  const bool is_post = req.method() == http::verb::post;
  if ((is_get && !rt.get) || (is_post && !rt.post) || (!is_get && !is_post)) {
    const std::string_view allow = rt.get && rt.post ? "GET, POST" : rt.get ? "GET" : "POST";
    return {http::status::method_not_allowed,
            error_json("method not allowed", ",\"allow\":\"" + std::string(allow) + "\""),
            "application/json", allow};
  }
  const Nanos now = clock.now_ns();
  if (rt.endpoint == Endpoint::kMetrics) {
    return {http::status::ok,
            prometheus_text(have_snapshot ? latest.get() : nullptr, stats.copy(), now),
            "text/plain; version=0.0.4; charset=utf-8",
            {}};
  }
  if (is_get) {
    if (!have_snapshot) {
      return {http::status::service_unavailable,
              error_json("no snapshot from the core yet"),
              "application/json",
              {}};
    }
    const ControlSnapshot& snap = *latest;
    switch (rt.endpoint) {
      case Endpoint::kHealth:
        return {http::status::ok, health_json(snap, now), "application/json", {}};
      case Endpoint::kBalances:
        return {http::status::ok, balances_json(snap), "application/json", {}};
      case Endpoint::kPositions:
        return {http::status::ok, positions_json(snap), "application/json", {}};
      case Endpoint::kOrders:
        return {http::status::ok, orders_json(snap), "application/json", {}};
      case Endpoint::kAllocation:
        return {http::status::ok, allocation_json(snap), "application/json", {}};
      case Endpoint::kRisk:
        return {http::status::ok, risk_json(snap), "application/json", {}};
      case Endpoint::kLatency:
        return {http::status::ok, latency_json(snap), "application/json", {}};
      default:
        break;
    }
    return {http::status::not_found, error_json("no such endpoint"), "application/json", {}};
  }

  ControlCommand cmd;
  std::string error;
  bool ok = false;
  bool await = true;
  const std::string_view body = req.body();
  switch (rt.endpoint) {
    case Endpoint::kOrders:
      ok = parse_order_body(body, &cmd, &error);
      break;
    case Endpoint::kClose:
    case Endpoint::kReduce:
      if (!valid_asset(rt.asset)) {
        error = "asset: must be 1..15 characters of A-Z a-z 0-9 . _ -";
        break;
      }
      cmd.asset.assign(rt.asset);
      ok = rt.endpoint == Endpoint::kClose ? parse_close_body(body, &cmd, &error)
                                           : parse_reduce_body(body, &cmd, &error);
      break;
    case Endpoint::kKill:
      cmd.kind = CommandKind::kKill;
      ok = true;
      await = false;
      break;
    case Endpoint::kSignals:
      ok = parse_signal_body(body, &cmd, &error);
      await = false;
      break;
    default:
      error = "no such endpoint";
      break;
  }
  if (!ok) return {http::status::bad_request, error_json(error), "application/json", {}};
  cmd.ts = now;
  return send_command(s, cmd, await, deferred);
}

Response ControlServer::Impl::send_command(const std::shared_ptr<Session>& s, ControlCommand cmd,
                                           bool await, bool* deferred) {
  if (await && pending.size() >= config.max_pending) {
    AtomicStats::bump(stats.queue_full);
    return {http::status::service_unavailable,
            error_json("too many requests waiting for the core"),
            "application/json",
            {}};
  }
  cmd.request_id = next_request_id++;
  if (!channel.commands.try_push(cmd)) {
    AtomicStats::bump(stats.queue_full);
    return {http::status::service_unavailable,
            error_json("core command queue full"),
            "application/json",
            {}};
  }
  AtomicStats::bump(stats.commands_sent);
  const std::string id = std::to_string(cmd.request_id);
  if (!await) {
    return {http::status::accepted,
            "{\"request_id\":" + id + ",\"status\":\"queued\",\"command\":\"" +
                std::string(to_string(cmd.kind)) + "\"}",
            "application/json",
            {}};
  }
  pending[cmd.request_id] = Pending{s, cmd.ts + config.reply_timeout_ns};
  *deferred = true;
  return {};
}

int ControlServer::Impl::drain_core() noexcept {
  int work = 0;
  // Keep only the newest snapshot; older ones are simply superseded.
  while (channel.snapshots.try_pop(*incoming)) {
    std::swap(latest, incoming);
    have_snapshot = true;
    AtomicStats::bump(stats.snapshots_received);
    ++work;
  }
  ControlReply reply;
  while (channel.replies.try_pop(reply)) {
    ++work;
    const auto it = pending.find(reply.request_id);
    if (it == pending.end()) {
      AtomicStats::bump(stats.late_replies);
      continue;
    }
    const std::shared_ptr<Session> s = std::move(it->second.session);
    pending.erase(it);
    if (!s) continue;  // the client went away
    const std::string id = std::to_string(reply.request_id);
    try {
      std::string msg;
      append_json_string(msg, reply.message.view());
      switch (reply.status) {
        case ReplyStatus::kAccepted: {
          const std::string cloid =
              reply.cloid.is_null() ? std::string("null") : "\"" + reply.cloid.to_cloid() + "\"";
          finish(s, {http::status::ok,
                     "{\"request_id\":" + id + ",\"status\":\"accepted\",\"cloid\":" + cloid +
                         ",\"message\":" + msg + "}",
                     "application/json",
                     {}});
          break;
        }
        case ReplyStatus::kDenied:
          finish(s,
                 {http::status::unprocessable_entity,
                  error_json("denied by the risk gate",
                             ",\"reason\":\"" + std::string(common::to_string(reply.deny_reason)) +
                                 "\",\"request_id\":" + id),
                  "application/json",
                  {}});
          break;
        case ReplyStatus::kRejected:
          finish(s, {http::status::conflict,
                     error_json(reply.message.view().empty() ? std::string_view("rejected")
                                                             : reply.message.view(),
                                ",\"request_id\":" + id),
                     "application/json",
                     {}});
          break;
      }
    } catch (...) {
      AtomicStats::bump(stats.errors);
    }
  }
  return work;
}

int ControlServer::Impl::expire_pending() noexcept {
  if (pending.empty()) return 0;
  const Nanos now = clock.now_ns();
  int work = 0;
  for (auto it = pending.begin(); it != pending.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    const std::shared_ptr<Session> s = std::move(it->second.session);
    const std::uint64_t id = it->first;
    it = pending.erase(it);
    AtomicStats::bump(stats.timeouts);
    ++work;
    if (!s) continue;
    try {
      finish(s, {http::status::gateway_timeout,
                 error_json("core did not answer within " +
                                std::to_string(config.reply_timeout_ns / 1'000'000) + " ms",
                            ",\"request_id\":" + std::to_string(id)),
                 "application/json",
                 {}});
    } catch (...) {
      AtomicStats::bump(stats.errors);
    }
  }
  return work;
}

ControlServer::ControlServer(ControlServerConfig config, ControlChannel& channel,
                             const common::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), channel, clock)) {}

ControlServer::~ControlServer() = default;

bool ControlServer::open(std::string* error) { return impl_->open(error); }

std::uint16_t ControlServer::port() const noexcept { return impl_->bound_port; }

void ControlServer::on_start() {
  std::string error;
  if (!impl_->open(&error)) throw std::runtime_error(error);
}

int ControlServer::do_work() noexcept {
  int work = impl_->drain_core();
  work += impl_->expire_pending();
  try {
    if (impl_->io.stopped()) impl_->io.restart();
    work += static_cast<int>(impl_->io.poll());
  } catch (...) {
    AtomicStats::bump(impl_->stats.errors);
  }
  return work;
}

void ControlServer::on_close() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->pending.clear();
  impl_->io.stop();
}

ControlServerStats ControlServer::stats() const noexcept { return impl_->stats.copy(); }

}  // namespace peregrine::engine::control
