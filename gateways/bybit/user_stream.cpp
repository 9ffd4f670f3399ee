// BybitOrderGateway, private WebSocket side: auth on open, order + execution subscriptions,
// op:ping heartbeat, and the frames that become Fill / OrderUpdate. REST side: order_gateway.cpp.
#include <array>
#include <cstdint>
#include <string_view>

#include "gateways/bybit/order_gateway.hpp"

namespace peregrine::gateways::bybit {

namespace {

constexpr std::string_view kSubscribe =
    R"({"req_id":"pg-sub","op":"subscribe","args":["order","execution"]})";
constexpr std::string_view kPing = R"({"req_id":"pg-ping","op":"ping"})";
constexpr std::int64_t kNsPerMs = 1'000'000;

}  // namespace

int BybitOrderGateway::keep_alive(common::Nanos now) noexcept {
  if (!authed_ || now < next_ping_ns_) return 0;
  next_ping_ns_ = now + config_.ping_interval_ns;
  // A refused ping is harmless: the transport reports the close and reconnects by itself.
  if (ws_->send_text(kPing)) counters_.sends.add();
  return 1;
}

void BybitOrderGateway::on_ws_open() noexcept {
  counters_.reconnects.add();
  authed_ = false;
  stream_ready_ = false;
  // "expires" must lie in the future when the venue checks it; the signature covers it.
  const common::Nanos now = clock_.now_ns();
  const std::int64_t expires = now / kNsPerMs + config_.auth_expiry_ms;
  std::array<char, 256> frame{};
  const std::size_t n = signer_.write_ws_auth(static_cast<std::uint64_t>(expires), "pg-auth",
                                              frame.data(), frame.size());
  if (n == 0 || !ws_->send_text(std::string_view(frame.data(), n))) {
    ++auth_failures_;
    ws_->reconnect();
    return;
  }
  counters_.sends.add();
}

void BybitOrderGateway::on_ws_close() noexcept {
  const bool was_ready = stream_ready_;
  authed_ = false;
  stream_ready_ = false;
  if (was_ready) link_status(common::VenueState::kDown);
}

void BybitOrderGateway::on_control(ExecFrameKind kind) noexcept {
  if (kind == ExecFrameKind::kAuth) {
    if (!parser_.control_success()) {
      // Wrong key or secret, or a clock far off: the transport's back-off paces the retries.
      ++auth_failures_;
      ws_->reconnect();
      return;
    }
    authed_ = true;
    next_ping_ns_ = clock_.now_ns() + config_.ping_interval_ns;
    if (!ws_->send_text(kSubscribe)) return;
    counters_.sends.add();
    return;
  }
  if (kind == ExecFrameKind::kSubscription) {
    if (!parser_.control_success()) {
      counters_.parse_errors.add();
      return;
    }
    if (!stream_ready_) {
      stream_ready_ = true;
      link_status(common::VenueState::kConnected);
      request_reconcile();  // whatever happened while the stream was down
    }
  }
}

void BybitOrderGateway::on_ws_text(const WsFrame& frame) noexcept {
  counters_.frames.add();
  const common::Nanos ts = frame.ts_recv != 0 ? frame.ts_recv : clock_.now_ns();
  const bool padded = frame.capacity >= frame.size + simdjson::SIMDJSON_PADDING;
  const auto kind =
      padded ? parser_.parse_ws(
                   simdjson::padded_string_view(frame.data, frame.size, frame.capacity), ts)
             : parser_.parse_ws_unpadded(frame.text(), ts);
  if (!kind) {
    counters_.parse_errors.add();
    return;
  }
  switch (*kind) {
    case ExecFrameKind::kOrders:
      for (const common::OrderUpdate& u : parser_.order_updates()) report(u);
      return;
    case ExecFrameKind::kFills:
      for (const common::Fill& f : parser_.fills()) report_fill(f);
      return;
    case ExecFrameKind::kAuth:
    case ExecFrameKind::kSubscription:
      on_control(*kind);
      return;
    default:  // pong, position, wallet: nothing for the core here
      return;
  }
}

}  // namespace peregrine::gateways::bybit
