#include "gateways/net/ws_client.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace peregrine::gateways::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;

std::string_view to_string(WsState state) noexcept {
  switch (state) {
    case WsState::kIdle:
      return "idle";
    case WsState::kConnecting:
      return "connecting";
    case WsState::kOpen:
      return "open";
    case WsState::kClosing:
      return "closing";
    case WsState::kWaitingReconnect:
      return "waiting_reconnect";
  }
  return "unknown";
}

std::string_view to_string(WsCloseReason reason) noexcept {
  switch (reason) {
    case WsCloseReason::kClosedByUs:
      return "closed_by_us";
    case WsCloseReason::kClosedByPeer:
      return "closed_by_peer";
    case WsCloseReason::kError:
      return "error";
    case WsCloseReason::kConnectFailed:
      return "connect_failed";
    case WsCloseReason::kConnectTimeout:
      return "connect_timeout";
    case WsCloseReason::kDropped:
      return "dropped";
  }
  return "unknown";
}

WsClient::WsClient(asio::io_context& ioc, const common::Clock& clock, common::Rng& rng,
                   WsListener& listener, WsOptions options)
    : ioc_(ioc),
      clock_(clock),
      rng_(rng),
      listener_(listener),
      options_(std::move(options)),
      backoff_(options_.backoff),
      tls_ctx_(asio::ssl::context::tls_client) {
  options_.send_queue_slots = std::max<std::size_t>(options_.send_queue_slots, 1);
  slots_.resize(options_.send_queue_slots);
  for (auto& slot : slots_) slot.reserve(options_.send_slot_bytes);
  read_buffer_.reserve(64 * 1024);
}

WsClient::~WsClient() {
  want_connection_ = false;
  ++generation_;
  if (plain_ || tls_) {
    error_code ignored;
    lowest_socket().close(ignored);
  }
  // Handlers hold `this`: run the cancelled ones before the memory goes away. Bounded, and only
  // ever a handful (read, write, ping, close).
  for (int i = 0; i < 1000 && pending_ops_ > 0; ++i) {
    if (ioc_.stopped()) ioc_.restart();
    ioc_.poll();
  }
}

template <typename F>
void WsClient::with_stream(F&& f) {
  if (tls_) {
    f(*tls_);
  } else {
    f(*plain_);
  }
}

WsClient::Tcp::socket& WsClient::lowest_socket() noexcept {
  if (tls_) return beast::get_lowest_layer(*tls_);
  return beast::get_lowest_layer(*plain_);
}

WsConnectResult WsClient::connect(std::string_view url) {
  auto parsed = parse_url(url);
  if (!parsed || !parsed->websocket) return WsConnectResult::kBadUrl;
  if (state_ != WsState::kIdle) {
    const bool saved = want_connection_;
    want_connection_ = false;  // tear down quietly, without scheduling a reconnect
    fail(WsCloseReason::kClosedByUs, {});
    want_connection_ = saved;
  }
  url_ = std::move(parsed).value();
  if (url_.tls) {
    error_code ec;
    tls_ctx_ = make_client_tls_context(options_.tls, ec);
    tls_ctx_ok_ = !ec;
    if (ec) return WsConnectResult::kTlsSetupFailed;
  }
  error_code ec;
  endpoints_ = resolve_endpoints(ioc_, url_.host, url_.port, ec);
  if (ec || endpoints_.empty()) return WsConnectResult::kResolveFailed;
  want_connection_ = true;
  first_attempt_ = true;
  backoff_.reset();
  state_ = WsState::kWaitingReconnect;
  next_attempt_ns_ = clock_.now_ns();
  if (pending_ops_ == 0) start_attempt();
  return WsConnectResult::kStarted;
}

void WsClient::start_attempt() noexcept {
  bump(counters_.connect_attempts);
  if (!first_attempt_) {
    bump(counters_.reconnect_attempts);
    if (!is_ip_literal(url_.host)) {
      // Re-resolve: a venue's address can move while we were away. Connect path, not send path.
      error_code ec;
      auto fresh = resolve_endpoints(ioc_, url_.host, url_.port, ec);
      if (!ec && !fresh.empty()) endpoints_ = std::move(fresh);
    }
  }
  first_attempt_ = false;
  plain_.reset();
  tls_.reset();
  read_buffer_.clear();
  if (url_.tls) {
    tls_.emplace(ioc_, tls_ctx_);
  } else {
    plain_.emplace(ioc_);
  }
  with_stream([this](auto& ws) {
    ws.read_message_max(options_.max_message_bytes);
    ws.auto_fragment(false);
    ws.set_option(websocket::stream_base::decorator(
        [agent = options_.user_agent](websocket::request_type& req) {
          req.set(beast::http::field::user_agent, agent);
        }));
  });
  install_control_callback();
  state_ = WsState::kConnecting;
  const common::Nanos now = clock_.now_ns();
  deadline_ns_ = now + options_.connect_timeout_ns;
  const std::uint64_t gen = generation_;
  ++pending_ops_;
  asio::async_connect(lowest_socket(), endpoints_,
                      [this, gen](const error_code& ec, const Tcp::endpoint&) {
                        --pending_ops_;
                        on_tcp_connected(gen, ec);
                      });
}

void WsClient::install_control_callback() noexcept {
  with_stream([this](auto& ws) {
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
      last_rx_ns_ = clock_.now_ns();
      stale_reported_ = false;
      if (kind == websocket::frame_type::ping) bump(counters_.pings_in);
      if (kind == websocket::frame_type::pong) bump(counters_.pongs_in);
    });
  });
}

void WsClient::on_tcp_connected(std::uint64_t gen, const error_code& ec) noexcept {
  if (gen != generation_) return;
  if (ec) {
    fail(WsCloseReason::kConnectFailed, ec);
    return;
  }
  error_code opt_ec;
  lowest_socket().set_option(Tcp::no_delay(true), opt_ec);  // best effort: latency, not safety
  if (!tls_) {
    start_ws_handshake(*plain_, gen);
    return;
  }
  error_code tls_ec;
  const bool verify = options_.tls.verify_peer && !options_.tls.insecure_skip_verify_for_tests;
  prepare_tls_stream(tls_->next_layer().native_handle(), url_.host, verify, tls_ec);
  if (tls_ec) {
    fail(WsCloseReason::kConnectFailed, tls_ec);
    return;
  }
  ++pending_ops_;
  tls_->next_layer().async_handshake(asio::ssl::stream_base::client,
                                     [this, gen](const error_code& hs_ec) {
                                       --pending_ops_;
                                       if (gen != generation_) return;
                                       if (hs_ec) {
                                         fail(WsCloseReason::kConnectFailed, hs_ec);
                                         return;
                                       }
                                       start_ws_handshake(*tls_, gen);
                                     });
}

template <typename Ws>
void WsClient::start_ws_handshake(Ws& ws, std::uint64_t gen) noexcept {
  const bool default_port = url_.port == (url_.tls ? 443 : 80);
  std::string host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
  if (!default_port) host += ":" + std::to_string(url_.port);
  ++pending_ops_;
  ws.async_handshake(host, url_.target, [this, gen](const error_code& ec) {
    --pending_ops_;
    on_handshake(gen, ec);
  });
}

void WsClient::on_handshake(std::uint64_t gen, const error_code& ec) noexcept {
  if (gen != generation_) return;
  if (ec) {
    fail(WsCloseReason::kConnectFailed, ec);
    return;
  }
  const common::Nanos now = clock_.now_ns();
  state_ = WsState::kOpen;
  last_rx_ns_ = now;
  last_ping_ns_ = now;
  stale_reported_ = false;
  backoff_.on_connected(now);
  bump(counters_.connects);
  start_read();
  listener_.on_open();
}

void WsClient::start_read() noexcept {
  const std::uint64_t gen = generation_;
  ++pending_ops_;
  with_stream([this, gen](auto& ws) {
    ws.async_read(read_buffer_, [this, gen](const error_code& ec, std::size_t n) {
      --pending_ops_;
      on_read(gen, ec, n);
    });
  });
}

void WsClient::on_read(std::uint64_t gen, const error_code& ec, std::size_t n) noexcept {
  if (gen != generation_) return;
  if (ec) {
    WsCloseReason reason = WsCloseReason::kError;
    if (state_ == WsState::kClosing) {
      reason = WsCloseReason::kClosedByUs;
    } else if (ec == websocket::error::closed || ec == asio::error::eof ||
               ec == asio::ssl::error::stream_truncated) {
      reason = WsCloseReason::kClosedByPeer;
    }
    fail(reason, ec);
    return;
  }
  last_rx_ns_ = clock_.now_ns();
  stale_reported_ = false;
  bump(counters_.frames_in);
  bump(counters_.bytes_in, n);
  bool text = true;
  with_stream([&text](auto& ws) { text = ws.got_text(); });
  const auto data = read_buffer_.cdata();
  listener_.on_message(std::string_view(static_cast<const char*>(data.data()), data.size()), text);
  // The listener may have closed, dropped or reconnected us.
  if (gen != generation_ || state_ != WsState::kOpen) return;
  read_buffer_.consume(read_buffer_.size());
  start_read();
}

WsSendResult WsClient::send_text(std::string_view text) noexcept {
  if (state_ != WsState::kOpen) {
    bump(counters_.send_rejected);
    return WsSendResult::kNotOpen;
  }
  if (text.size() > options_.send_slot_bytes) {
    bump(counters_.send_rejected);
    return WsSendResult::kTooLarge;
  }
  if (q_tail_ - q_head_ >= slots_.size()) {
    bump(counters_.send_rejected);
    return WsSendResult::kQueueFull;
  }
  // Within the reserved capacity: assign copies, never allocates.
  slots_[q_tail_ % slots_.size()].assign(text.data(), text.size());
  ++q_tail_;
  start_write();
  return WsSendResult::kQueued;
}

void WsClient::start_write() noexcept {
  if (write_in_flight_ || state_ != WsState::kOpen || q_head_ == q_tail_) return;
  write_in_flight_ = true;
  const std::string& slot = slots_[q_head_ % slots_.size()];
  const std::uint64_t gen = generation_;
  ++pending_ops_;
  with_stream([&](auto& ws) {
    ws.text(true);
    ws.async_write(asio::buffer(slot.data(), slot.size()),
                   [this, gen](const error_code& ec, std::size_t n) {
                     --pending_ops_;
                     on_write(gen, ec, n);
                   });
  });
}

void WsClient::on_write(std::uint64_t gen, const error_code& ec, std::size_t n) noexcept {
  if (gen != generation_) return;
  write_in_flight_ = false;
  if (ec) {
    fail(WsCloseReason::kError, ec);
    return;
  }
  ++q_head_;
  bump(counters_.frames_out);
  bump(counters_.bytes_out, n);
  start_write();
}

void WsClient::start_ping(common::Nanos now) noexcept {
  if (ping_in_flight_ || state_ != WsState::kOpen) return;
  ping_in_flight_ = true;
  last_ping_ns_ = now;
  bump(counters_.pings_out);
  const std::uint64_t gen = generation_;
  ++pending_ops_;
  with_stream([this, gen](auto& ws) {
    ws.async_ping({}, [this, gen](const error_code& ec) {
      --pending_ops_;
      if (gen != generation_) return;
      ping_in_flight_ = false;
      if (ec) fail(WsCloseReason::kError, ec);
    });
  });
}

void WsClient::close() noexcept {
  want_connection_ = false;
  if (state_ == WsState::kIdle) return;
  if (state_ != WsState::kOpen || ping_in_flight_) {
    // Not open (or a ping occupies the control-frame slot): no close handshake to perform.
    fail(WsCloseReason::kClosedByUs, {});
    return;
  }
  state_ = WsState::kClosing;
  deadline_ns_ = clock_.now_ns() + options_.close_timeout_ns;
  const std::uint64_t gen = generation_;
  ++pending_ops_;
  with_stream([this, gen](auto& ws) {
    ws.async_close(websocket::close_code::normal, [this, gen](const error_code& ec) {
      --pending_ops_;
      if (gen != generation_) return;
      // Success: the read in flight completes with `closed` and finishes the teardown.
      if (ec) fail(WsCloseReason::kClosedByUs, ec);
    });
  });
}

void WsClient::reconnect() noexcept {
  if (state_ == WsState::kIdle) return;
  want_connection_ = true;
  fail(WsCloseReason::kDropped, {});
}

void WsClient::fail(WsCloseReason reason, const error_code& ec) noexcept {
  const WsState was = state_;
  ++generation_;
  if (plain_ || tls_) {
    error_code ignored;
    lowest_socket().shutdown(Tcp::socket::shutdown_both, ignored);
    lowest_socket().close(ignored);
  }
  write_in_flight_ = false;
  ping_in_flight_ = false;
  q_head_ = q_tail_;  // queued messages belonged to the dead session (subscriptions, requests)
  const common::Nanos now = clock_.now_ns();
  if (was == WsState::kOpen || was == WsState::kClosing) {
    bump(counters_.disconnects);
    backoff_.on_disconnected(now);
  } else if (was == WsState::kConnecting) {
    bump(counters_.connect_failures);
  }
  if (want_connection_ && options_.auto_reconnect && reason != WsCloseReason::kClosedByUs) {
    state_ = WsState::kWaitingReconnect;
    next_attempt_ns_ = now + backoff_.next_delay(rng_);
  } else {
    state_ = WsState::kIdle;
    want_connection_ = false;
  }
  if (was == WsState::kIdle || was == WsState::kWaitingReconnect) return;
  const std::string message = ec ? ec.message() : std::string();
  listener_.on_close(reason, message);
}

int WsClient::poll() noexcept {
  if (state_ == WsState::kIdle) return 0;
  const common::Nanos now = clock_.now_ns();
  switch (state_) {
    case WsState::kConnecting:
      if (now >= deadline_ns_) {
        fail(WsCloseReason::kConnectTimeout, asio::error::timed_out);
        return 1;
      }
      return 0;
    case WsState::kClosing:
      if (now >= deadline_ns_) {
        fail(WsCloseReason::kClosedByUs, asio::error::timed_out);
        return 1;
      }
      return 0;
    case WsState::kWaitingReconnect:
      if (now >= next_attempt_ns_ && pending_ops_ == 0) {
        start_attempt();
        return 1;
      }
      return 0;
    case WsState::kOpen: {
      int work = 0;
      const common::Nanos silent = now - last_rx_ns_;
      if (options_.ping_interval_ns > 0 && silent >= options_.ping_interval_ns &&
          now - last_ping_ns_ >= options_.ping_interval_ns) {
        start_ping(now);
        ++work;
      }
      if (options_.idle_timeout_ns > 0 && silent >= options_.idle_timeout_ns && !stale_reported_) {
        stale_reported_ = true;
        bump(counters_.stale);
        listener_.on_stale(silent);
        ++work;
      }
      return work;
    }
    case WsState::kIdle:
      break;
  }
  return 0;
}

}  // namespace peregrine::gateways::net
