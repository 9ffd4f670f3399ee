// Venue-neutral gateway seams: the WebSocket/HTTP transports a gateway agent drives, rate-limit
// and circuit-breaker hooks, and per-gateway counters. Transports and hooks are owned and called
// by ONE gateway agent thread; counters are written by it and read by any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/events.hpp"

namespace peregrine::gateways {

enum class LinkState : std::uint8_t { kDisconnected, kConnecting, kOpen };

// One received text frame. `capacity` counts the readable bytes from `data`: when it is at least
// size + 64 (simdjson padding) parsers read the frame in place, otherwise they copy it.
struct WsFrame {
  const char* data = nullptr;
  std::size_t size = 0;
  std::size_t capacity = 0;
  common::Nanos ts_recv = 0;
  [[nodiscard]] std::string_view text() const noexcept { return {data, size}; }
};

// Callbacks run inside WsTransport::poll() on the owning thread; the frame is valid only for
// the duration of on_ws_text.
class WsListener {
 public:
  virtual ~WsListener() = default;
  virtual void on_ws_open() noexcept = 0;
  virtual void on_ws_text(const WsFrame& frame) noexcept = 0;
  virtual void on_ws_close() noexcept = 0;
};

// A WebSocket connection that reconnects by itself (with back-off) after close or reconnect().
class WsTransport {
 public:
  virtual ~WsTransport() = default;
  virtual void set_listener(WsListener* listener) noexcept = 0;
  // Queues a text frame; false when it cannot be sent (not open, send buffer full).
  [[nodiscard]] virtual bool send_text(std::string_view frame) noexcept = 0;
  // Drops the connection now; the transport reconnects and reports on_ws_open again.
  virtual void reconnect() noexcept = 0;
  [[nodiscard]] virtual LinkState state() const noexcept = 0;
  // Runs ready I/O and callbacks; returns how many events were handled.
  virtual int poll() noexcept = 0;
};

// How a request ended. kNotSent: no byte left this process (safe to resend). kMaybeSent: the
// connection failed after the request was (partly) written. kTimeout: no response in time.
// The last two mean "outcome unknown": never resend an order blindly after them.
enum class HttpOutcome : std::uint8_t { kOk, kNotSent, kMaybeSent, kTimeout };

struct HttpResponse {
  std::uint64_t request_id = 0;
  HttpOutcome outcome = HttpOutcome::kOk;
  int status = 0;         // HTTP status when outcome is kOk
  std::string_view body;  // valid only during on_http_response
};

class HttpListener {
 public:
  virtual ~HttpListener() = default;
  virtual void on_http_response(const HttpResponse& response) noexcept = 0;
};

// Keep-alive HTTP client: one POST per call, answered later through the listener.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual void set_listener(HttpListener* listener) noexcept = 0;
  // Starts a JSON POST; returns its request id (> 0), or 0 when it could not start (not sent).
  [[nodiscard]] virtual std::uint64_t post(std::string_view target,
                                           std::string_view body) noexcept = 0;
  virtual int poll() noexcept = 0;
};

// Token bucket by request weight. False = the request would break the venue limit: do not send.
class RateGate {
 public:
  virtual ~RateGate() = default;
  [[nodiscard]] virtual bool try_acquire(std::uint32_t weight, common::Nanos now) noexcept = 0;
};

// Closed/open/half-open breaker fed with request outcomes. allow() false = do not send.
class Breaker {
 public:
  virtual ~Breaker() = default;
  [[nodiscard]] virtual bool allow(common::Nanos now) noexcept = 0;
  virtual void on_success(common::Nanos now) noexcept = 0;
  virtual void on_failure(common::Nanos now) noexcept = 0;
};

// Defaults for tests and for a gateway run without limits.
class UnlimitedRate final : public RateGate {
 public:
  bool try_acquire(std::uint32_t, common::Nanos) noexcept override { return true; }
};
class NeverOpenBreaker final : public Breaker {
 public:
  bool allow(common::Nanos) noexcept override { return true; }
  void on_success(common::Nanos) noexcept override {}
  void on_failure(common::Nanos) noexcept override {}
};

// A counter alone on its cache line: the control plane reading it never contends with the
// agent's writes to its neighbours. Single writer, so add() is a relaxed load + store.
struct alignas(64) PaddedCounter {
  std::atomic<std::uint64_t> value{0};
  void add(std::uint64_t n = 1) noexcept {
    value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

// What every venue's gateways report; a gateway uses the fields that apply to it.
struct GatewayCounters {
  PaddedCounter frames;                 // WS frames and HTTP responses received
  PaddedCounter parse_errors;           // frames/bodies the codec rejected
  PaddedCounter resets;                 // BookReset events produced
  PaddedCounter queue_full;             // pushes refused by a full output queue
  PaddedCounter intents;                // order intents popped
  PaddedCounter sends;                  // requests written (including retries and queries)
  PaddedCounter acks;                   // orders accepted by the venue
  PaddedCounter rejects;                // OrderUpdate kRejected produced
  PaddedCounter fills;                  // Fill events produced (after dedup)
  PaddedCounter retries;                // re-signed or re-sent requests
  PaddedCounter presign_fallbacks;      // signatures that fell back to RFC 6979
  PaddedCounter reconcile_corrections;  // corrective events from reconciliation
  PaddedCounter reconnects;             // connection (re)opened after a drop or staleness
  PaddedCounter stale;                  // feeds declared stale
  PaddedCounter status_queries;         // order-status queries after an unknown outcome
  PaddedCounter duplicates;             // fills/updates dropped as already seen
  PaddedCounter out_of_order;           // frames older than what was already applied
  PaddedCounter throttled;              // requests held back by the rate gate or breaker
};

}  // namespace peregrine::gateways
