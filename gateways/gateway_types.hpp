// Venue-neutral gateway seams: the WebSocket/HTTP transports a gateway agent drives, rate-limit
// and circuit-breaker hooks, and per-gateway counters. Transports and hooks are owned and called
// by ONE gateway agent thread; counters are written by it and read by any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
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

// A response header kept for the gateway (rate-limit usage); views into the transport's
// response, valid only during on_http_response.
struct ResponseHeader {
  std::string_view name;
  std::string_view value;
};

// The venue's rate-limit usage headers of one response, in a fixed array (no allocation):
// Binance X-MBX-USED-WEIGHT-<n><unit> / X-MBX-ORDER-COUNT-<n><unit>, Bybit X-Bapi-Limit,
// X-Bapi-Limit-Status, X-Bapi-Limit-Reset-Timestamp. Extra ones beyond kMax are dropped and
// counted in `dropped`.
struct RateHeaders {
  static constexpr std::size_t kMax = 8;
  std::array<ResponseHeader, kMax> items{};
  std::uint8_t count = 0;
  std::uint8_t dropped = 0;

  // True for a header name this struct keeps (ASCII case-insensitive).
  [[nodiscard]] static bool wanted(std::string_view name) noexcept {
    return starts_with_nocase(name, "x-mbx-used-weight-") ||
           starts_with_nocase(name, "x-mbx-order-count-") || equals_nocase(name, "x-bapi-limit") ||
           equals_nocase(name, "x-bapi-limit-status") ||
           equals_nocase(name, "x-bapi-limit-reset-timestamp");
  }
  void add(std::string_view name, std::string_view value) noexcept {
    if (count < kMax) {
      items[count++] = {name, value};
    } else if (dropped < 255) {
      ++dropped;
    }
  }
  // Value of the first header named `name` (case-insensitive); empty when absent.
  [[nodiscard]] std::string_view find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < count; ++i) {
      if (equals_nocase(items[i].name, name)) return items[i].value;
    }
    return {};
  }
  [[nodiscard]] std::span<const ResponseHeader> view() const noexcept {
    return {items.data(), count};
  }

  [[nodiscard]] static bool equals_nocase(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && starts_with_nocase(a, b);
  }
  [[nodiscard]] static bool starts_with_nocase(std::string_view s,
                                               std::string_view prefix) noexcept {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      char c = s[i];
      char p = prefix[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (p >= 'A' && p <= 'Z') p = static_cast<char>(p - 'A' + 'a');
      if (c != p) return false;
    }
    return true;
  }
};

struct HttpResponse {
  std::uint64_t request_id = 0;
  HttpOutcome outcome = HttpOutcome::kOk;
  int status = 0;         // HTTP status when outcome is kOk
  std::string_view body;  // valid only during on_http_response
  // When the request's last byte was handed to the socket (write completion) and when the
  // complete response was read, both from the transport's clock (the session clock the core
  // stamps intents with); 0 when not known (not written, or a transport that cannot tell).
  common::Nanos ts_sent = 0;
  common::Nanos ts_recv = 0;
  // Retry-After of a 429/418/503 answer in milliseconds (delta-seconds form; an HTTP-date is
  // not parsed), 0 when absent or another status.
  std::uint32_t retry_after_ms = 0;
  RateHeaders rate_headers;  // views valid only during on_http_response
};

class HttpListener {
 public:
  virtual ~HttpListener() = default;
  virtual void on_http_response(const HttpResponse& response) noexcept = 0;
  // The request's write completed at `ts_sent` (the transport's clock); its response follows.
  // Transports that cannot tell never call it.
  virtual void on_http_sent(std::uint64_t /*request_id*/, common::Nanos /*ts_sent*/) noexcept {}
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
  // A venue usage header from a response (HttpResponse::rate_headers, e.g. Binance
  // X-MBX-USED-WEIGHT-1M): gates that track the venue's own count correct themselves from it.
  virtual void on_usage_header(std::string_view name, std::string_view value,
                               common::Nanos now) noexcept {
    static_cast<void>(name);
    static_cast<void>(value);
    static_cast<void>(now);
  }
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
  PaddedCounter rate_limit_pauses;      // 429/418 answers that paused sending (Retry-After)
};

}  // namespace peregrine::gateways
