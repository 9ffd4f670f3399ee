// Adapters from gateways/net (Beast WsClient, keep-alive HttpClient) to the transport seams the
// HL gateways drive (gateway_types.hpp). Owned and polled by ONE gateway agent thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/net/http_client.hpp"
#include "gateways/net/net_loop.hpp"
#include "gateways/net/ws_client.hpp"

namespace peregrine::gateways::hyperliquid {

// WsTransport over net::WsClient. Frames are handed on without padding (the client's read
// buffer has no spare bytes), so the HL parsers copy each frame once into their padded buffer.
class NetWsTransport final : public WsTransport, private net::WsListener {
 public:
  // `loop`, `clock` and `rng` must outlive the transport.
  NetWsTransport(net::NetLoop& loop, const common::Clock& clock, common::Rng& rng,
                 net::WsOptions options = {});
  // Start-up: resolves and starts connecting (reconnects by itself afterwards).
  [[nodiscard]] net::WsConnectResult connect(std::string_view url) { return client_.connect(url); }

  void set_listener(gateways::WsListener* listener) noexcept override { listener_ = listener; }
  [[nodiscard]] bool send_text(std::string_view frame) noexcept override;
  void reconnect() noexcept override { client_.reconnect(); }
  [[nodiscard]] LinkState state() const noexcept override;
  int poll() noexcept override;

  [[nodiscard]] const net::WsClient& client() const noexcept { return client_; }

 private:
  void on_open() override;
  void on_message(std::string_view payload, bool is_text) override;
  void on_close(net::WsCloseReason reason, std::string_view error) override;

  net::NetLoop& loop_;
  const common::Clock& clock_;
  gateways::WsListener* listener_ = nullptr;
  net::WsClient client_;
};

// HttpTransport over net::HttpClient: JSON POSTs, outcomes mapped to HttpOutcome (a failed write
// or a closed connection is kMaybeSent, a response timeout kTimeout, anything before the first
// byte left kNotSent). post() returns 0 when every pooled connection is busy.
class NetHttpTransport final : public HttpTransport, private net::HttpListener {
 public:
  NetHttpTransport(net::NetLoop& loop, const common::Clock& clock, net::HttpOptions options = {});
  // Start-up: base URL such as https://api.hyperliquid.xyz.
  [[nodiscard]] bool start(std::string_view base_url, std::string* error = nullptr) {
    return client_.start(base_url, error);
  }
  void warm_up() noexcept { client_.warm_up(); }

  void set_listener(gateways::HttpListener* listener) noexcept override { listener_ = listener; }
  [[nodiscard]] std::uint64_t post(std::string_view target,
                                   std::string_view body) noexcept override;
  int poll() noexcept override;

  [[nodiscard]] const net::HttpClient& client() const noexcept { return client_; }

 private:
  void on_response(std::uint64_t tag, const net::HttpResponseView& response) override;
  void on_sent(std::uint64_t tag, common::Nanos ts_sent) override {
    if (listener_ != nullptr) listener_->on_http_sent(tag, ts_sent);
  }

  net::NetLoop& loop_;
  gateways::HttpListener* listener_ = nullptr;
  net::HttpClient client_;
  std::uint64_t next_tag_ = 0;
};

}  // namespace peregrine::gateways::hyperliquid
