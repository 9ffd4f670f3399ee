#include "gateways/hyperliquid/net_adapters.hpp"

#include <utility>

namespace peregrine::gateways::hyperliquid {

NetWsTransport::NetWsTransport(net::NetLoop& loop, const common::Clock& clock, common::Rng& rng,
                               net::WsOptions options)
    : loop_(loop), clock_(clock), client_(loop.io(), clock, rng, *this, std::move(options)) {}

bool NetWsTransport::send_text(std::string_view frame) noexcept {
  return client_.send_text(frame) == net::WsSendResult::kQueued;
}

LinkState NetWsTransport::state() const noexcept {
  switch (client_.state()) {
    case net::WsState::kOpen:
      return LinkState::kOpen;
    case net::WsState::kConnecting:
      return LinkState::kConnecting;
    default:
      return LinkState::kDisconnected;
  }
}

int NetWsTransport::poll() noexcept { return loop_.poll() + client_.poll(); }

void NetWsTransport::on_open() {
  if (listener_ != nullptr) listener_->on_ws_open();
}

void NetWsTransport::on_message(std::string_view payload, bool is_text) {
  if (listener_ == nullptr || !is_text) return;  // HL sends text only
  listener_->on_ws_text(WsFrame{payload.data(), payload.size(), payload.size(), clock_.now_ns()});
}

void NetWsTransport::on_close(net::WsCloseReason, std::string_view) {
  if (listener_ != nullptr) listener_->on_ws_close();
}

NetHttpTransport::NetHttpTransport(net::NetLoop& loop, const common::Clock& clock,
                                   net::HttpOptions options)
    : loop_(loop), client_(loop.io(), clock, *this, std::move(options)) {}

std::uint64_t NetHttpTransport::post(std::string_view target, std::string_view body) noexcept {
  static constexpr net::HttpHeader kJson[] = {{"Content-Type", "application/json"}};
  net::HttpRequest req;
  req.method = boost::beast::http::verb::post;
  req.target = target;
  req.headers = kJson;
  req.body = body;
  const std::uint64_t tag = ++next_tag_;
  return client_.submit(req, tag) == net::HttpSubmit::kQueued ? tag : 0;
}

int NetHttpTransport::poll() noexcept { return loop_.poll() + client_.poll(); }

void NetHttpTransport::on_response(std::uint64_t tag, const net::HttpResponseView& response) {
  if (listener_ == nullptr) return;
  HttpResponse r;
  r.request_id = tag;
  if (response.ok()) {
    r.outcome = HttpOutcome::kOk;
    r.status = static_cast<int>(response.status());
    r.body = response.body();
  } else if (response.sent() == net::SendState::kNotSent) {
    r.outcome = HttpOutcome::kNotSent;
  } else if (response.error() == net::HttpError::kTimeout) {
    r.outcome = HttpOutcome::kTimeout;
  } else {
    r.outcome = HttpOutcome::kMaybeSent;
  }
  net::copy_response_meta(response, r);  // ts_sent/ts_recv, Retry-After, usage headers
  listener_->on_http_response(r);
}

}  // namespace peregrine::gateways::hyperliquid
