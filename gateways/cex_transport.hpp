// REST seam for the CEX gateways (Binance, Bybit, Coinbase): method + target + headers + body,
// answered later through gateways::HttpListener. Owned and polled by ONE gateway agent thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "gateways/gateway_types.hpp"

namespace peregrine::gateways {

enum class HttpMethod : std::uint8_t { kGet, kPost, kPut, kDelete };

struct RestHeader {
  std::string_view name;
  std::string_view value;
};

// The HL seam (HttpTransport) only POSTs JSON; signed CEX requests also need GET/DELETE and
// per-request auth headers (X-MBX-APIKEY, X-BAPI-*, Authorization: Bearer).
class RestTransport {
 public:
  virtual ~RestTransport() = default;
  virtual void set_listener(HttpListener* listener) noexcept = 0;
  // Starts a request; returns its id (> 0), or 0 when it could not start (nothing was sent).
  // Every view is copied before the call returns.
  [[nodiscard]] virtual std::uint64_t request(HttpMethod method, std::string_view target,
                                              std::span<const RestHeader> headers,
                                              std::string_view body) noexcept = 0;
  virtual int poll() noexcept = 0;
};

}  // namespace peregrine::gateways
