#include "gateways/net/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>

namespace peregrine::gateways::net {

namespace ssl = boost::asio::ssl;

boost::asio::ssl::context make_client_tls_context(const TlsOptions& options,
                                                  boost::system::error_code& ec) {
  ec.clear();
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                  ec);
  if (ec) return ctx;
  const bool verify = options.verify_peer && !options.insecure_skip_verify_for_tests;
  ctx.set_verify_mode(verify ? ssl::verify_peer : ssl::verify_none, ec);
  if (ec) return ctx;
  if (options.use_system_trust) {
    ctx.set_default_verify_paths(ec);
    if (ec) return ctx;
  }
  if (!options.extra_ca_file.empty()) {
    ctx.load_verify_file(options.extra_ca_file, ec);
    if (ec) return ctx;
  }
  if (!options.extra_ca_pem.empty()) {
    ctx.add_certificate_authority(
        boost::asio::buffer(options.extra_ca_pem.data(), options.extra_ca_pem.size()), ec);
    if (ec) return ctx;
  }
  return ctx;
}

bool is_ip_literal(std::string_view host) noexcept {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(std::string(host), ec);
  return !ec;
}

void prepare_tls_stream(SSL* ssl, std::string_view host, bool verify,
                        boost::system::error_code& ec) noexcept {
  ec.clear();
  const std::string name(host);
  const bool ip = is_ip_literal(host);
  if (!ip) {
    // SSL_set_tlsext_host_name is a macro with a C cast; call what it expands to.
    if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(name.c_str())) != 1) {
      ec = boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                     boost::asio::error::get_ssl_category());
      return;
    }
  }
  if (!verify) return;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                    : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  if (ok != 1) {
    ec = boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                   boost::asio::error::get_ssl_category());
  }
}

boost::asio::ip::tcp::resolver::results_type resolve_endpoints(boost::asio::io_context& ioc,
                                                               const std::string& host,
                                                               std::uint16_t port,
                                                               boost::system::error_code& ec) {
  boost::asio::ip::tcp::resolver resolver(ioc);
  const auto flags = is_ip_literal(host) ? boost::asio::ip::resolver_base::numeric_host
                                         : boost::asio::ip::resolver_base::flags{};
  return resolver.resolve(host, std::to_string(port),
                          flags | boost::asio::ip::resolver_base::numeric_service, ec);
}

}  // namespace peregrine::gateways::net
