// Loopback Beast servers for the net client tests: websocket (echo and scripted behaviours) and
// HTTP/1.1 keep-alive, plain or TLS with a self-signed certificate generated in process.
// Each server owns its threads (one acceptor, one per session); the clients under test stay
// single-threaded and poll-driven on the test thread. Any thread may read the counters.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "common/clock.hpp"

namespace peregrine::gateways::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using Tcp = boost::asio::ip::tcp;

// Time moves only when the test says so: timeouts and back-off are exact.
class ManualClock final : public common::Clock {
 public:
  [[nodiscard]] common::Nanos now_ns() const noexcept override { return now_; }
  void advance(common::Nanos by) noexcept { now_ += by; }
  void set(common::Nanos t) noexcept { now_ = t; }

 private:
  common::Nanos now_ = 1'000'000'000;
};

// Runs the io_context and `poll_client` until `done()` or the iteration bound; each idle round
// sleeps 200 µs so the server threads get the CPU. Returns done().
template <typename Poll, typename Done>
bool pump(asio::io_context& ioc, Poll&& poll_client, Done&& done, int max_rounds = 20000) {
  for (int i = 0; i < max_rounds; ++i) {
    if (done()) return true;
    // poll() stops a context that ran out of work; later completions would then never run.
    if (ioc.stopped()) ioc.restart();
    const auto work = ioc.poll() + static_cast<std::size_t>(poll_client());
    if (work == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return done();
}

struct SelfSignedCert {
  std::string cert_pem;
  std::string key_pem;
};

// A P-256 self-signed certificate valid for one day with the given subjectAltName entries,
// e.g. "DNS:localhost,IP:127.0.0.1".
inline SelfSignedCert make_self_signed(const std::string& san) {
  struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  };
  std::unique_ptr<EVP_PKEY, Free> key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  std::unique_ptr<X509, Free> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn = "peregrine-test";
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, std::string> exts[] = {{NID_basic_constraints, "critical,CA:TRUE"},
                                              {NID_subject_alt_name, san}};
  for (const auto& [nid, value] : exts) {
    std::unique_ptr<X509_EXTENSION, Free> ext(
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) {
      throw std::runtime_error("x509 extension failed");
    }
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("sign");
  auto to_pem = [](auto write) {
    std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
    write(bio.get());
    std::string out(BIO_ctrl_pending(bio.get()), '\0');
    BIO_read(bio.get(), out.data(), static_cast<int>(out.size()));
    return out;
  };
  SelfSignedCert result;
  result.cert_pem = to_pem([&](BIO* b) { PEM_write_bio_X509(b, cert.get()); });
  result.key_pem = to_pem([&](BIO* b) {
    PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return result;
}

// Accept loop on 127.0.0.1:0 with one thread per session. Subclasses implement serve().
class LoopbackServer {
 public:
  explicit LoopbackServer(const SelfSignedCert* cert = nullptr)
      : acceptor_(ioc_, Tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        tls_ctx_(asio::ssl::context::tls_server),
        tls_(cert != nullptr) {
    if (tls_) {
      tls_ctx_.use_certificate_chain(asio::buffer(cert->cert_pem));
      tls_ctx_.use_private_key(asio::buffer(cert->key_pem), asio::ssl::context::pem);
    }
    port_ = acceptor_.local_endpoint().port();
  }
  virtual ~LoopbackServer() = default;
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] int accepts() const { return accepts_.load(); }
  [[nodiscard]] int sessions_ended() const { return ended_.load(); }

 protected:
  // Derived constructors call start() last, derived destructors call stop() first, so serve()
  // never runs on a half-built or half-destroyed object.
  void start() {
    acceptor_thread_ = std::thread([this] { accept_loop(); });
  }
  void stop() {
    if (stopped_.exchange(true)) return;
    {
      // Wakes the blocking accept(); the loop sees stopped_ and exits.
      asio::io_context io;
      Tcp::socket wake(io);
      boost::system::error_code ec;
      wake.connect(Tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    }
    if (acceptor_thread_.joinable()) acceptor_thread_.join();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);  // wakes sessions blocked in read()
    }
    std::vector<std::thread> sessions;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sessions.swap(sessions_);
    }
    for (auto& t : sessions) t.join();
  }

  virtual void serve_plain(Tcp::socket& socket) = 0;
  virtual void serve_tls(asio::ssl::stream<Tcp::socket>& stream) = 0;

 private:
  void accept_loop() {
    while (!stopped_.load()) {
      Tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopped_.load()) return;
      accepts_.fetch_add(1);
      std::lock_guard<std::mutex> lock(mutex_);
      fds_.push_back(socket.native_handle());
      sessions_.emplace_back([this, s = std::move(socket)]() mutable {
        if (tls_) {
          asio::ssl::stream<Tcp::socket> stream(std::move(s), tls_ctx_);
          boost::system::error_code hs;
          stream.handshake(asio::ssl::stream_base::server, hs);
          if (!hs) serve_tls(stream);
        } else {
          serve_plain(s);
        }
        ended_.fetch_add(1);
      });
    }
  }

  asio::io_context ioc_;
  Tcp::acceptor acceptor_;
  asio::ssl::context tls_ctx_;
  bool tls_;
  std::uint16_t port_ = 0;
  std::thread acceptor_thread_;
  std::mutex mutex_;
  std::vector<std::thread> sessions_;
  std::vector<int> fds_;
  std::atomic<bool> stopped_{false};
  std::atomic<int> accepts_{0};
  std::atomic<int> ended_{0};
};

// Websocket server. Echoes every message, except these commands from the client:
//   "close"  → sends a close frame (normal closure)
//   "drop"   → closes the TCP connection without a close frame
//   "ping"   → sends a ping control frame (the client must answer with a pong)
//   "silent" → stops answering (reads continue), for idle detection
class WsTestServer : public LoopbackServer {
 public:
  explicit WsTestServer(const SelfSignedCert* cert = nullptr) : LoopbackServer(cert) { start(); }
  ~WsTestServer() override { stop(); }

  [[nodiscard]] int pongs() const { return pongs_.load(); }
  [[nodiscard]] int pings() const { return pings_.load(); }
  [[nodiscard]] int messages() const { return messages_.load(); }

 protected:
  void serve_plain(Tcp::socket& socket) override {
    websocket::stream<Tcp::socket&> ws(socket);
    session(ws);
  }
  void serve_tls(asio::ssl::stream<Tcp::socket>& stream) override {
    websocket::stream<asio::ssl::stream<Tcp::socket>&> ws(stream);
    session(ws);
  }

 private:
  template <typename Ws>
  void session(Ws& ws) {
    boost::system::error_code ec;
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) pongs_.fetch_add(1);
      if (kind == websocket::frame_type::ping) pings_.fetch_add(1);
    });
    ws.accept(ec);
    if (ec) return;
    bool silent = false;
    beast::flat_buffer buffer;
    for (;;) {
      ws.read(buffer, ec);
      if (ec) return;
      messages_.fetch_add(1);
      const std::string msg = beast::buffers_to_string(buffer.data());
      if (msg == "close") {
        ws.close(websocket::close_code::normal, ec);
      } else if (msg == "drop") {
        beast::get_lowest_layer(ws).shutdown(Tcp::socket::shutdown_both, ec);
        return;
      } else if (msg == "ping") {
        ws.ping({}, ec);
      } else if (msg == "silent") {
        silent = true;
      } else if (!silent) {
        ws.text(ws.got_text());
        ws.write(buffer.data(), ec);
      }
      buffer.consume(buffer.size());
      if (ec) return;
    }
  }

  std::atomic<int> pongs_{0};
  std::atomic<int> pings_{0};
  std::atomic<int> messages_{0};
};

// HTTP/1.1 keep-alive server. Targets:
//   /slow         → reads the request and never answers (client timeout after write)
//   /close        → closes the connection without answering
//   /close-after  → answers (keep-alive) and then closes the idle connection
//   anything else → 200, body "<method> <target> <body>", X-Accepts: <n>,
//                   X-MBX-USED-WEIGHT-1M: 7
class HttpTestServer : public LoopbackServer {
 public:
  explicit HttpTestServer(const SelfSignedCert* cert = nullptr) : LoopbackServer(cert) { start(); }
  ~HttpTestServer() override { stop(); }

  [[nodiscard]] int requests() const { return requests_.load(); }

 protected:
  void serve_plain(Tcp::socket& socket) override { session(socket); }
  void serve_tls(asio::ssl::stream<Tcp::socket>& stream) override { session(stream); }

 private:
  template <typename Stream>
  void session(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(stream, buffer, req, ec);
      if (ec) return;
      requests_.fetch_add(1);
      const std::string target(req.target());
      if (target == "/slow") continue;
      if (target == "/close") {
        beast::get_lowest_layer(stream).shutdown(Tcp::socket::shutdown_both, ec);
        return;
      }
      http::response<http::string_body> res(http::status::ok, 11);
      res.set(http::field::content_type, "text/plain");
      res.set("X-Accepts", std::to_string(accepts()));
      res.set("X-MBX-USED-WEIGHT-1M", "7");
      if (target == "/limited") {  // a venue's rate-limit answer (Binance and Bybit headers)
        res.result(http::status::too_many_requests);
        res.set("Retry-After", " 3 ");
        res.set("x-mbx-order-count-10s", "12");
        res.set("X-Bapi-Limit-Status", "0");
        res.set("X-Bapi-Limit-Reset-Timestamp", "1700000000123");
      } else if (target == "/unavailable") {  // HTTP-date form: not parsed
        res.result(http::status::service_unavailable);
        res.set("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
      }
      res.body() = std::string(req.method_string()) + " " + target + " " + req.body();
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive()) return;
      if (target == "/close-after") {
        beast::get_lowest_layer(stream).shutdown(Tcp::socket::shutdown_both, ec);
        return;
      }
    }
  }

  std::atomic<int> requests_{0};
};

// A port nothing listens on (bound, then closed): connecting is refused.
inline std::uint16_t closed_port() {
  asio::io_context ioc;
  Tcp::acceptor acceptor(ioc, Tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

}  // namespace peregrine::gateways::net::testing
