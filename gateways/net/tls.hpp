// TLS client settings shared by WsClient and HttpClient: verification on by default against the
// system trust store, SNI and host-name (or IP) checks per connection, an optional extra trusted
// CA/certificate (the simulator's self-signed one). Start-up/connect paths of the owning thread.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

namespace peregrine::gateways::net {

struct TlsOptions {
  bool verify_peer = true;       // certificate chain and host name; off only with insecure
  bool use_system_trust = true;  // the OS trust store (set_default_verify_paths)
  std::string extra_ca_file;     // PEM file of an extra trusted CA or self-signed certificate
  std::string extra_ca_pem;      // the same, in memory
  // Tests only: accept any certificate and any name. Never set from a config file for a real
  // venue; the flag is named so that a reviewer sees it.
  bool insecure_skip_verify_for_tests = false;
};

// Builds a client context. On failure (unreadable CA file, bad PEM) returns a context and sets
// `ec`; the caller must not connect with it.
[[nodiscard]] boost::asio::ssl::context make_client_tls_context(const TlsOptions& options,
                                                                boost::system::error_code& ec);

// Sets SNI (host names only: RFC 6066 forbids IP literals there) and, when verifying, the
// expected host name or IP address on one connection's SSL object before its handshake.
void prepare_tls_stream(SSL* ssl, std::string_view host, bool verify,
                        boost::system::error_code& ec) noexcept;

// True for a literal IPv4/IPv6 address (numeric host: no DNS, no SNI, IP SAN check).
[[nodiscard]] bool is_ip_literal(std::string_view host) noexcept;

// Resolves host:port once, at connect time (getaddrinfo blocks: never call on a send path).
[[nodiscard]] boost::asio::ip::tcp::resolver::results_type resolve_endpoints(
    boost::asio::io_context& ioc, const std::string& host, std::uint16_t port,
    boost::system::error_code& ec);

}  // namespace peregrine::gateways::net
