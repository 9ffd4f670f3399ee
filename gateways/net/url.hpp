// Url: ws://, wss://, http:// and https:// URLs split into scheme, host, port and target.
// Start-up and reconnect paths; any thread (pure function, no state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace peregrine::gateways::net {

enum class UrlError : std::uint8_t {
  kNone,
  kBadScheme,  // not ws, wss, http or https
  kEmptyHost,
  kBadPort,     // not 1..65535 or not all digits
  kBadBracket,  // "[::1" without the closing bracket
};

[[nodiscard]] std::string_view to_string(UrlError error) noexcept;

struct Url {
  bool tls = false;        // wss or https
  bool websocket = false;  // ws or wss
  std::string host;        // without brackets for an IPv6 literal
  std::uint16_t port = 0;  // the scheme's default when absent
  std::string target;      // path + query, "/" when absent
};

// Parses an absolute URL. Userinfo and fragments are not supported by any venue we talk to and
// are rejected as part of the host/port (a '@' or '#' makes the port invalid or lands in target).
[[nodiscard]] common::Result<Url, UrlError> parse_url(std::string_view text);

}  // namespace peregrine::gateways::net
