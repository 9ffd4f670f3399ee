// The seam between the simulator's network server and one venue's wire protocol.
// Simulator thread only: the server calls every method from its single io_context thread.
//
// The server (tools/venue_sim/server.*) owns sockets, HTTP parsing, WS upgrade, TLS and the
// fault injection that is venue-neutral (drops, resets, stale feeds, delays, lost responses,
// slow consumers). A VenueProtocol owns everything about one venue's wire: paths, request and
// response shapes, signature checks, error texts, WS channels and sequence numbers. It talks to
// its venue's matching engine (gateways/sim/) directly and publishes through WsSession.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/events.hpp"

namespace peregrine::venue_sim {

using common::Nanos;

struct HttpRequest {
  std::string method;  // "GET", "POST", "DELETE", "PUT"
  std::string target;  // path plus query string, as received: "/fapi/v1/order?symbol=..."
  std::string body;
  // Header names lower-cased; values as received.
  std::vector<std::pair<std::string, std::string>> headers;

  [[nodiscard]] std::string_view header(std::string_view lower_name) const noexcept {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return v;
    }
    return {};
  }
  [[nodiscard]] std::string_view path() const noexcept {
    const std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
  [[nodiscard]] std::string_view query() const noexcept {
    const std::string_view t = target;
    const auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
  }
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (weights, ...)
};

// One accepted WebSocket connection. Frames are text; send() queues and never blocks (the
// server disconnects a session whose queue exceeds its slow-consumer limit).
class WsSession {
 public:
  virtual ~WsSession() = default;
  [[nodiscard]] virtual std::uint64_t id() const noexcept = 0;
  [[nodiscard]] virtual std::string_view target() const noexcept = 0;  // upgrade path + query
  virtual void send(std::string frame) = 0;
  virtual void close() = 0;  // orderly close; on_ws_close follows
  // Per-session protocol state (subscriptions, authenticated account, ...), owned by the
  // protocol: set in on_ws_open, read later, released in on_ws_close.
  void* user = nullptr;
};

class VenueProtocol {
 public:
  virtual ~VenueProtocol() = default;
  [[nodiscard]] virtual common::VenueId venue() const noexcept = 0;

  // Every HTTP request on this venue's port. Unknown paths: the venue's own 404 shape.
  [[nodiscard]] virtual HttpResponse on_http(const HttpRequest& req, Nanos now) = 0;

  // Whether an upgrade to `target` is a WebSocket endpoint of this venue.
  [[nodiscard]] virtual bool accepts_ws(std::string_view target) const noexcept = 0;
  virtual void on_ws_open(WsSession& s, Nanos now) = 0;
  virtual void on_ws_message(WsSession& s, std::string_view text, Nanos now) = 0;
  virtual void on_ws_close(WsSession& s) noexcept = 0;

  // Called by the server every tick (default 1 ms): publish batched book diffs, heartbeats,
  // fire timers (dead-man switches, listen-key expiry).
  virtual void on_tick(Nanos now) = 0;
};

}  // namespace peregrine::venue_sim
