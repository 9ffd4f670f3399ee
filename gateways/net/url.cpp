#include "gateways/net/url.hpp"

#include <charconv>

namespace peregrine::gateways::net {

std::string_view to_string(UrlError error) noexcept {
  switch (error) {
    case UrlError::kNone:
      return "ok";
    case UrlError::kBadScheme:
      return "url scheme must be ws, wss, http or https";
    case UrlError::kEmptyHost:
      return "url has no host";
    case UrlError::kBadPort:
      return "url port is not a number in 1..65535";
    case UrlError::kBadBracket:
      return "url IPv6 literal is missing ']'";
  }
  return "unknown url error";
}

common::Result<Url, UrlError> parse_url(std::string_view text) {
  Url url;
  std::uint16_t default_port = 0;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return common::Unexpected{UrlError::kBadScheme};
  const std::string_view scheme = text.substr(0, sep);
  if (scheme == "ws") {
    url.websocket = true;
    default_port = 80;
  } else if (scheme == "wss") {
    url.websocket = true;
    url.tls = true;
    default_port = 443;
  } else if (scheme == "http") {
    default_port = 80;
  } else if (scheme == "https") {
    url.tls = true;
    default_port = 443;
  } else {
    return common::Unexpected{UrlError::kBadScheme};
  }
  std::string_view rest = text.substr(sep + 3);
  const auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (slash == std::string_view::npos) {
    url.target = "/";
  } else if (rest[slash] == '?') {
    url.target = "/";
    url.target.append(rest.substr(slash));
  } else {
    url.target = std::string(rest.substr(slash));
  }

  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return common::Unexpected{UrlError::kBadBracket};
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return common::Unexpected{UrlError::kBadPort};
      port_text = after.substr(1);
      if (port_text.empty()) return common::Unexpected{UrlError::kBadPort};
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
      host = authority;
    } else {
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return common::Unexpected{UrlError::kBadPort};
    }
  }
  if (host.empty()) return common::Unexpected{UrlError::kEmptyHost};
  url.host = std::string(host);
  url.port = default_port;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
      return common::Unexpected{UrlError::kBadPort};
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

}  // namespace peregrine::gateways::net
