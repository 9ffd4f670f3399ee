// WsClient: Boost.Beast websocket client over plain TCP or TLS, driven by its owner polling the
// io_context (no threads, no strands), with a bounded send queue, idle detection and jittered
// reconnects. Owning (gateway) thread only: every call and every listener callback runs there.
//
// Why it is fast: frames are read into one reused beast::flat_buffer and handed out as a
// string_view (no copy); sends copy into preallocated slots of a fixed ring and go straight to
// async_write when the socket is idle, so a send costs one memcpy plus the write syscall that
// poll() performs. TCP_NODELAY is on. DNS runs only in connect()/reconnect, never on send.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "gateways/net/backoff.hpp"
#include "gateways/net/counters.hpp"
#include "gateways/net/tls.hpp"
#include "gateways/net/url.hpp"

namespace peregrine::gateways::net {

enum class WsState : std::uint8_t {
  kIdle,        // never connected, or closed by us
  kConnecting,  // resolve, TCP connect, TLS and websocket handshakes
  kOpen,
  kClosing,           // close() sent a close frame; waiting for the peer's
  kWaitingReconnect,  // lost or failed; next attempt at next_attempt_ns()
};
[[nodiscard]] std::string_view to_string(WsState state) noexcept;

enum class WsSendResult : std::uint8_t { kQueued, kNotOpen, kQueueFull, kTooLarge };

enum class WsConnectResult : std::uint8_t { kStarted, kBadUrl, kResolveFailed, kTlsSetupFailed };

// Why a connection ended or an attempt failed.
enum class WsCloseReason : std::uint8_t {
  kClosedByUs,
  kClosedByPeer,   // close frame or EOF from the server
  kError,          // read/write error
  kConnectFailed,  // resolve/TCP/TLS/handshake failed
  kConnectTimeout,
  kDropped,  // the owner called reconnect() (stale feed, protocol error)
};
[[nodiscard]] std::string_view to_string(WsCloseReason reason) noexcept;

struct WsOptions {
  TlsOptions tls;
  std::size_t send_queue_slots = 64;
  std::size_t send_slot_bytes = 4096;         // larger messages are rejected (kTooLarge)
  std::size_t max_message_bytes = 16u << 20;  // inbound; larger messages end the connection
  common::Nanos connect_timeout_ns = 10'000'000'000;
  common::Nanos close_timeout_ns = 2'000'000'000;
  common::Nanos idle_timeout_ns = 0;  // no frame (data or control) for this long → on_stale; 0 off
  common::Nanos ping_interval_ns = 0;  // send a ping control frame after this much silence; 0 off
  bool auto_reconnect = true;
  BackoffPolicy backoff;
  std::string user_agent = "peregrine";
};

class WsListener {
 public:
  virtual ~WsListener() = default;
  virtual void on_open() {}
  // Text or binary message; `payload` is valid only during the call.
  virtual void on_message(std::string_view payload, bool is_text) = 0;
  // No frame for idle_timeout_ns; reported once per silence. The owner decides (reconnect()).
  virtual void on_stale(common::Nanos silent_for_ns) { (void)silent_for_ns; }
  // The connection ended or an attempt failed; `error` is the transport's message (no secrets).
  virtual void on_close(WsCloseReason reason, std::string_view error) {
    (void)reason;
    (void)error;
  }
};

class WsClient {
 public:
  // All references are borrowed and must outlive the client. The listener is called from
  // inside ioc.poll() and from poll(); it may call send_text(), close() and reconnect().
  WsClient(boost::asio::io_context& ioc, const common::Clock& clock, common::Rng& rng,
           WsListener& listener, WsOptions options = {});
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Parses ws://host[:port]/path?query or wss://…, resolves the host (blocking getaddrinfo, here
  // and on reconnect only) and starts connecting. Re-entrant: drops a current connection first.
  [[nodiscard]] WsConnectResult connect(std::string_view url);

  // Copies `text` into the send queue and starts the write if the socket is idle.
  [[nodiscard]] WsSendResult send_text(std::string_view text) noexcept;

  // Graceful close (close frame), no reconnect afterwards.
  void close() noexcept;
  // Drops the connection now and reconnects after the back-off delay (stale feed, bad frames).
  void reconnect() noexcept;

  // Timers: connect/close timeouts, idle detection, pings, reconnect attempts. Call every cycle
  // next to ioc.poll(); reads the injected clock once. Returns the number of actions taken.
  int poll() noexcept;

  [[nodiscard]] WsState state() const noexcept { return state_; }
  [[nodiscard]] bool is_open() const noexcept { return state_ == WsState::kOpen; }
  [[nodiscard]] common::Nanos next_attempt_ns() const noexcept { return next_attempt_ns_; }
  [[nodiscard]] std::size_t queued() const noexcept { return q_tail_ - q_head_; }
  [[nodiscard]] const ConnectionCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const Url& url() const noexcept { return url_; }
  [[nodiscard]] const Backoff& backoff() const noexcept { return backoff_; }

 private:
  using Tcp = boost::asio::ip::tcp;
  using PlainWs = boost::beast::websocket::stream<Tcp::socket>;
  using TlsWs = boost::beast::websocket::stream<boost::asio::ssl::stream<Tcp::socket>>;

  template <typename F>
  void with_stream(F&& f);
  Tcp::socket& lowest_socket() noexcept;

  void start_attempt() noexcept;
  void on_tcp_connected(std::uint64_t gen, const boost::system::error_code& ec) noexcept;
  template <typename Ws>
  void start_ws_handshake(Ws& ws, std::uint64_t gen) noexcept;
  void on_handshake(std::uint64_t gen, const boost::system::error_code& ec) noexcept;
  void start_read() noexcept;
  void on_read(std::uint64_t gen, const boost::system::error_code& ec, std::size_t n) noexcept;
  void start_write() noexcept;
  void on_write(std::uint64_t gen, const boost::system::error_code& ec, std::size_t n) noexcept;
  void start_ping(common::Nanos now) noexcept;
  // Ends the current connection or attempt: closes the socket, bumps the generation so late
  // handlers are ignored, tells the listener, schedules the next attempt if reconnecting.
  void fail(WsCloseReason reason, const boost::system::error_code& ec) noexcept;
  void install_control_callback() noexcept;

  boost::asio::io_context& ioc_;
  const common::Clock& clock_;
  common::Rng& rng_;
  WsListener& listener_;
  WsOptions options_;
  Backoff backoff_;
  boost::asio::ssl::context tls_ctx_;
  bool tls_ctx_ok_ = false;
  Url url_;
  Tcp::resolver::results_type endpoints_;

  std::optional<PlainWs> plain_;
  std::optional<TlsWs> tls_;
  boost::beast::flat_buffer read_buffer_;

  WsState state_ = WsState::kIdle;
  std::uint64_t generation_ = 0;  // bumped on every teardown; handlers of older ones return
  int pending_ops_ = 0;           // async operations not yet completed (any generation)
  bool want_connection_ = false;  // connect() called and close() not since
  bool write_in_flight_ = false;
  bool ping_in_flight_ = false;
  bool stale_reported_ = false;
  bool first_attempt_ = true;
  common::Nanos deadline_ns_ = 0;  // connect or close deadline
  common::Nanos last_rx_ns_ = 0;
  common::Nanos last_ping_ns_ = 0;
  common::Nanos next_attempt_ns_ = 0;

  std::vector<std::string> slots_;  // ring of preallocated send buffers
  std::size_t q_head_ = 0;          // monotonically increasing; slot = index % size
  std::size_t q_tail_ = 0;

  ConnectionCounters counters_;
};

}  // namespace peregrine::gateways::net
