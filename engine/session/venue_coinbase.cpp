// make_coinbase_runtime: the Coinbase Advanced Trade gateways, their transports and their threads
// (md, order, and a side thread that keeps the ES256 JWTs minted). Start-up on the session
// thread; afterwards each gateway lives on its own agent thread.
#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/agent_runner.hpp"
#include "common/rng.hpp"
#include "engine/session/runtime_support.hpp"
#include "engine/session/wiring.hpp"
#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/md_codec.hpp"
#include "gateways/coinbase/md_gateway.hpp"
#include "gateways/coinbase/order_codec.hpp"
#include "gateways/coinbase/order_gateway.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/json/cex_gateway_common.hpp"
#include "gateways/net/net_loop.hpp"

namespace peregrine::engine {

namespace {

namespace cb = gateways::coinbase;
namespace hl = gateways::hyperliquid;

// The venue serves the user channel on its own host; the simulator (and any other host) on
// <ws_url>/ws/user beside the market-data path.
std::string user_ws_url(const common::Url& ws) {
  if (ws.host == "advanced-trade-ws.coinbase.com") return std::string(cb::kUserWsUrl);
  const bool v6 = ws.host.find(':') != std::string::npos;
  std::string url = ws.scheme + "://";
  url += v6 ? "[" + ws.host + "]" : ws.host;
  return url + ":" + std::to_string(ws.port) + "/ws/user";
}

std::unique_ptr<cb::JwtMinter> make_minter(const VenueConfig& v) {
  if (v.key_name.empty()) throw std::runtime_error("coinbase: key_name is required");
  if (v.private_key.reveal().empty()) throw std::runtime_error("coinbase: private_key is required");
  auto key = cb::EcKey::from_pem(v.private_key.reveal());
  if (!key) {
    // The error names the kind of problem only, never any of the key's text.
    throw std::runtime_error(std::string("coinbase: private_key is not a usable P-256 key (") +
                             std::string(cb::to_string(key.error())) + ")");
  }
  if (!(*key)->has_private()) throw std::runtime_error("coinbase: private_key is a public key");
  try {
    return std::make_unique<cb::JwtMinter>(*key, v.key_name);
  } catch (const std::invalid_argument&) {
    throw std::runtime_error(
        "coinbase: key_name must be organizations/{org}/apiKeys/{id} (<= 256 plain characters)");
  }
}

// Side agent: mints each JWT before it has less than a minute left (~45 us of P-256 each, once a
// minute per endpoint), so the gateways only ever copy a ready token.
class JwtRefresher {
 public:
  JwtRefresher(const common::Clock& wall, std::array<cb::JwtCache*, 5> caches) noexcept
      : wall_(wall), caches_(caches) {}
  int do_work() noexcept {
    int work = 0;
    const common::Nanos now = wall_.now_ns();
    for (cb::JwtCache* c : caches_) {
      if (c != nullptr && c->refresh(now) == cb::JwtCache::Refresh::kMinted) ++work;
    }
    return work;
  }
  [[nodiscard]] std::string_view name() const noexcept { return "cb-jwt"; }
  // Start-up: every cache holds a token before the gateways run.
  [[nodiscard]] bool prime() noexcept {
    bool ok = true;
    const common::Nanos now = wall_.now_ns();
    for (cb::JwtCache* c : caches_) {
      ok = ok && (c == nullptr || c->refresh(now) != cb::JwtCache::Refresh::kFailed);
    }
    return ok;
  }

 private:
  const common::Clock& wall_;
  std::array<cb::JwtCache*, 5> caches_;
};

// Coinbase Advanced Trade: one md thread (public WS), one order thread (REST + the user WS), one
// JWT side thread.
class CoinbaseRuntime final : public VenueRuntime {
 public:
  CoinbaseRuntime(const VenueConfig& v, const common::InstrumentRegistry& reg, VenueQueues& q)
      : md_rng_(common::os_entropy_u64()), order_rng_(common::os_entropy_u64()) {
    minter_ = make_minter(v);
    create_jwt_ =
        std::make_unique<cb::JwtCache>(*minter_, cb::kCreateOrder.method, cb::kCreateOrder.path);
    cancel_jwt_ =
        std::make_unique<cb::JwtCache>(*minter_, cb::kBatchCancel.method, cb::kBatchCancel.path);
    list_jwt_ =
        std::make_unique<cb::JwtCache>(*minter_, cb::kListOrders.method, cb::kListOrders.path);
    md_ws_jwt_ = cb::JwtCache::websocket(*minter_);
    user_ws_jwt_ = cb::JwtCache::websocket(*minter_);  // one consumer thread per cache
    refresher_ = std::make_unique<JwtRefresher>(
        wall_, std::array<cb::JwtCache*, 5>{create_jwt_.get(), cancel_jwt_.get(), list_jwt_.get(),
                                            md_ws_jwt_.get(), user_ws_jwt_.get()});
    if (!refresher_->prime()) throw std::runtime_error("coinbase: cannot mint a JWT with the key");

    gateways::net::WsOptions ws_opts;
    ws_opts.tls = gateway_tls_for(v.ws_url);
    gateways::net::HttpOptions http_opts;
    http_opts.tls = gateway_tls_for(v.rest_url);
    http_opts.pool_size = 8;  // overlapping orders, cancels and queries (default 2 refuses a 3rd)
    md_ws_ = std::make_unique<hl::NetWsTransport>(md_loop_, wall_, md_rng_, ws_opts);
    user_ws_ = std::make_unique<hl::NetWsTransport>(order_loop_, wall_, order_rng_, ws_opts);
    rest_ = std::make_unique<gateways::cex::NetRestTransport>(order_loop_, wall_, http_opts);

    cb::MdGatewayConfig md_cfg;
    for (std::size_t i = 0; i < reg.size(); ++i) {
      const common::Instrument& ins = reg.get(common::InstrumentId{static_cast<std::uint32_t>(i)});
      if (ins.venue == common::VenueId::kCoinbase) md_cfg.products.emplace_back(ins.symbol.view());
    }
    if (md_cfg.products.empty()) throw std::runtime_error("coinbase: no instrument lists coinbase");
    // JWT validity is epoch time: both gateways run on the wall clock.
    md_ = std::make_unique<cb::CoinbaseMdGateway>(reg, *md_ws_, q.md, wall_, md_cfg,
                                                  md_ws_jwt_.get());
    const cb::OrderGatewayJwts jwts{create_jwt_.get(), cancel_jwt_.get(), list_jwt_.get(),
                                    user_ws_jwt_.get()};
    order_ = std::make_unique<cb::CoinbaseOrderGateway>(
        reg, *rest_, user_ws_.get(), q.orders, q.exec, jwts, wall_, cb::OrderGatewayConfig{});

    std::string error;
    if (!rest_->start(v.rest_url.text, &error)) {
      throw std::runtime_error("coinbase: rest_url " + v.rest_url.text + ": " + error);
    }
    if (md_ws_->connect(v.ws_url.text) != gateways::net::WsConnectResult::kStarted) {
      throw std::runtime_error("coinbase: cannot connect to ws_url " + v.ws_url.text +
                               " (bad URL, DNS or TLS set-up)");
    }
    const std::string user_url = user_ws_url(v.ws_url);
    if (user_ws_->connect(user_url) != gateways::net::WsConnectResult::kStarted) {
      throw std::runtime_error("coinbase: cannot connect to the user channel " + user_url);
    }
    md_cpu_ = v.md_cpu;
    order_cpu_ = v.order_cpu;
  }
  ~CoinbaseRuntime() override { stop(); }

  void start() override {
    jwt_runner_ = std::make_unique<GatewayRunner<JwtRefresher>>(
        *refresher_, common::BackoffIdle{}, gateway_runner_options("cb-jwt", -1));
    md_runner_ = std::make_unique<GatewayRunner<cb::CoinbaseMdGateway>>(
        *md_, common::BackoffIdle{}, gateway_runner_options("cb-md", md_cpu_));
    order_runner_ = std::make_unique<GatewayRunner<cb::CoinbaseOrderGateway>>(
        *order_, common::BackoffIdle{}, gateway_runner_options("cb-order", order_cpu_));
    if (!jwt_runner_->start() || !md_runner_->start() || !order_runner_->start()) {
      throw std::runtime_error("coinbase: could not start the gateway threads");
    }
  }
  void stop() noexcept override {
    if (order_runner_) order_runner_->stop();
    if (md_runner_) md_runner_->stop();
    if (jwt_runner_) jwt_runner_->stop();
  }
  void fill_stats(SessionStats& s) const noexcept override {
    s.venue_enabled[static_cast<std::size_t>(common::VenueId::kCoinbase)] = true;
  }

 private:
  common::WallClock wall_;
  common::Rng md_rng_;
  common::Rng order_rng_;
  gateways::net::NetLoop md_loop_;
  gateways::net::NetLoop order_loop_;
  std::unique_ptr<cb::JwtMinter> minter_;
  std::unique_ptr<cb::JwtCache> create_jwt_;
  std::unique_ptr<cb::JwtCache> cancel_jwt_;
  std::unique_ptr<cb::JwtCache> list_jwt_;
  std::unique_ptr<cb::JwtCache> md_ws_jwt_;
  std::unique_ptr<cb::JwtCache> user_ws_jwt_;
  std::unique_ptr<JwtRefresher> refresher_;
  std::unique_ptr<hl::NetWsTransport> md_ws_;
  std::unique_ptr<hl::NetWsTransport> user_ws_;
  std::unique_ptr<gateways::cex::NetRestTransport> rest_;
  std::unique_ptr<cb::CoinbaseMdGateway> md_;
  std::unique_ptr<cb::CoinbaseOrderGateway> order_;
  std::unique_ptr<GatewayRunner<JwtRefresher>> jwt_runner_;
  std::unique_ptr<GatewayRunner<cb::CoinbaseMdGateway>> md_runner_;
  std::unique_ptr<GatewayRunner<cb::CoinbaseOrderGateway>> order_runner_;
  int md_cpu_ = -1;
  int order_cpu_ = -1;
};

}  // namespace

std::unique_ptr<VenueRuntime> make_coinbase_runtime(const VenueConfig& venue,
                                                    const EngineConfig& config,
                                                    const common::InstrumentRegistry& instruments,
                                                    const common::Clock& clock,
                                                    VenueQueues& queues) {
  static_cast<void>(config);
  static_cast<void>(clock);  // JWTs need epoch time: the runtime uses its own WallClock
  return std::make_unique<CoinbaseRuntime>(venue, instruments, queues);
}

}  // namespace peregrine::engine
