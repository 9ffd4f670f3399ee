// make_venue_runtime: each venue's gateways, their transports and their threads.
// Start-up on the session thread; afterwards every gateway lives on its own agent thread.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/agent_runner.hpp"
#include "common/rng.hpp"
#include "engine/session/runtime_support.hpp"
#include "engine/session/wiring.hpp"
#include "gateways/binance/md_gateway.hpp"
#include "gateways/binance/order_gateway.hpp"
#include "gateways/binance/signer.hpp"
#include "gateways/crypto/presign_pool.hpp"
#include "gateways/crypto/secp256k1_signer.hpp"
#include "gateways/hyperliquid/md_gateway.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/hyperliquid/nonce.hpp"
#include "gateways/hyperliquid/order_gateway.hpp"
#include "gateways/json/cex_gateway_common.hpp"
#include "gateways/net/net_loop.hpp"
#include "gateways/net/rate_gate.hpp"
#include "gateways/net/rate_limiter.hpp"

namespace peregrine::engine {

namespace {

namespace hl = gateways::hyperliquid;

class HyperliquidRuntime final : public VenueRuntime {
 public:
  HyperliquidRuntime(const VenueConfig& v, const EngineConfig& config,
                     const common::InstrumentRegistry& reg, const common::Clock& clock,
                     VenueQueues& q)
      : md_rng_(common::os_entropy_u64()), order_rng_(common::os_entropy_u64()) {
    auto key = gateways::crypto::EcdsaKey::from_hex(v.private_key.reveal());
    if (!key.ok()) {
      throw std::runtime_error("hyperliquid: private_key is not a valid secp256k1 key");
    }
    key_ = key.value();
    pool_ = std::make_unique<gateways::crypto::PresignPool>(key_, 1024);
    presign_ = std::make_unique<gateways::crypto::PresignAgent>(*pool_);

    gateways::net::WsOptions ws_opts;
    ws_opts.tls = gateway_tls_for(v.ws_url);
    md_ws_ = std::make_unique<hl::NetWsTransport>(md_loop_, clock, md_rng_, ws_opts);
    user_ws_ = std::make_unique<hl::NetWsTransport>(order_loop_, clock, order_rng_, ws_opts);
    gateways::net::HttpOptions http_opts;
    http_opts.tls = gateway_tls_for(v.rest_url);
    // Orders, cancels and reconciliation queries overlap: with the client's default of 2
    // connections a third concurrent request would be refused (kBusy) back to the core.
    http_opts.pool_size = 8;
    http_ = std::make_unique<hl::NetHttpTransport>(order_loop_, clock, http_opts);

    hl::MdGatewayConfig md_cfg;
    for (std::size_t i = 0; i < reg.size(); ++i) {
      const common::Instrument& ins = reg.get(common::InstrumentId{static_cast<std::uint32_t>(i)});
      if (ins.venue == common::VenueId::kHyperliquid) {
        md_cfg.coins.emplace_back(ins.symbol.view());
      }
    }
    md_ = std::make_unique<hl::HlMdGateway>(reg, *md_ws_, q.md, clock, md_cfg);

    const std::string account = v.account_address ? *v.account_address : key_->address_hex();
    std::filesystem::create_directories(config.engine.journal_dir);
    nonces_ = std::make_unique<hl::NonceManager>(
        wall_,
        (std::filesystem::path(config.engine.journal_dir) / ("hl_nonce_" + account)).string());
    hl::OrderGatewayConfig o_cfg;
    o_cfg.account = account;
    o_cfg.mainnet = !v.testnet;
    order_ = std::make_unique<hl::HlOrderGateway>(reg, *http_, user_ws_.get(), q.orders, q.exec,
                                                  *pool_, *nonces_, clock, o_cfg);

    std::string error;
    if (!http_->start(v.rest_url.text, &error)) {
      throw std::runtime_error("hyperliquid: rest_url " + v.rest_url.text + ": " + error);
    }
    if (md_ws_->connect(v.ws_url.text) != gateways::net::WsConnectResult::kStarted) {
      throw std::runtime_error("hyperliquid: cannot connect to ws_url " + v.ws_url.text +
                               " (bad URL, DNS or TLS set-up)");
    }
    if (user_ws_->connect(v.ws_url.text) != gateways::net::WsConnectResult::kStarted) {
      throw std::runtime_error("hyperliquid: cannot connect to ws_url " + v.ws_url.text +
                               " (bad URL, DNS or TLS set-up)");
    }
    md_cpu_ = v.md_cpu;
    order_cpu_ = v.order_cpu;
  }

  ~HyperliquidRuntime() override { stop(); }

  void start() override {
    // Fill the presignature pool before the first order can need it.
    while (pool_->available() < pool_->capacity() / 4 && pool_->refill(64) > 0) {
    }
    presign_runner_ = std::make_unique<GatewayRunner<gateways::crypto::PresignAgent>>(
        *presign_, common::BackoffIdle{}, gateway_runner_options("hl-presign", -1));
    md_runner_ = std::make_unique<GatewayRunner<hl::HlMdGateway>>(
        *md_, common::BackoffIdle{}, gateway_runner_options("hl-md", md_cpu_));
    order_runner_ = std::make_unique<GatewayRunner<hl::HlOrderGateway>>(
        *order_, common::BackoffIdle{}, gateway_runner_options("hl-order", order_cpu_));
    if (!presign_runner_->start() || !md_runner_->start() || !order_runner_->start()) {
      throw std::runtime_error("hyperliquid: could not start the gateway threads");
    }
  }

  void stop() noexcept override {
    if (order_runner_) order_runner_->stop();
    if (md_runner_) md_runner_->stop();
    if (presign_runner_) presign_runner_->stop();
  }

  void fill_stats(SessionStats& s) const noexcept override {
    const auto v = static_cast<std::size_t>(common::VenueId::kHyperliquid);
    s.venue_enabled[v] = true;
  }

 private:
  common::WallClock wall_;
  common::Rng md_rng_;
  common::Rng order_rng_;
  gateways::net::NetLoop md_loop_;
  gateways::net::NetLoop order_loop_;
  std::shared_ptr<const gateways::crypto::EcdsaKey> key_;
  std::unique_ptr<gateways::crypto::PresignPool> pool_;
  std::unique_ptr<gateways::crypto::PresignAgent> presign_;
  std::unique_ptr<hl::NetWsTransport> md_ws_;
  std::unique_ptr<hl::NetWsTransport> user_ws_;
  std::unique_ptr<hl::NetHttpTransport> http_;
  std::unique_ptr<hl::HlMdGateway> md_;
  std::unique_ptr<hl::NonceManager> nonces_;
  std::unique_ptr<hl::HlOrderGateway> order_;
  std::unique_ptr<GatewayRunner<gateways::crypto::PresignAgent>> presign_runner_;
  std::unique_ptr<GatewayRunner<hl::HlMdGateway>> md_runner_;
  std::unique_ptr<GatewayRunner<hl::HlOrderGateway>> order_runner_;
  int md_cpu_ = -1;
  int order_cpu_ = -1;
};

// Binance USD-M: one md thread (public WS + REST snapshots), one order thread (REST + the user
// data stream, whose socket is connected once the gateway has its listenKey).
class BinanceRuntime final : public VenueRuntime {
 public:
  BinanceRuntime(const VenueConfig& v, const common::InstrumentRegistry& reg,
                 const common::Clock& clock, VenueQueues& q)
      : md_rng_(common::os_entropy_u64()), order_rng_(common::os_entropy_u64()) {
    if (v.api_key.reveal().empty() || v.api_secret.reveal().empty()) {
      throw std::runtime_error("binance: api_key and api_secret are required");
    }
    signer_ = std::make_unique<gateways::binance::Signer>(
        std::make_unique<gateways::binance::HmacSigner>(v.api_key.reveal(), v.api_secret.reveal()));
    gateways::net::WsOptions ws_opts;
    ws_opts.tls = gateway_tls_for(v.ws_url);
    gateways::net::HttpOptions http_opts;
    http_opts.tls = gateway_tls_for(v.rest_url);
    // Orders, cancels and reconciliation queries overlap: with the client's default of 2
    // connections a third concurrent request would be refused (kBusy) back to the core.
    http_opts.pool_size = 8;
    md_ws_ = std::make_unique<hl::NetWsTransport>(md_loop_, clock, md_rng_, ws_opts);
    md_rest_ = std::make_unique<gateways::cex::NetRestTransport>(md_loop_, clock, http_opts);
    user_ws_ = std::make_unique<hl::NetWsTransport>(order_loop_, clock, order_rng_, ws_opts);
    rest_ = std::make_unique<gateways::cex::NetRestTransport>(order_loop_, clock, http_opts);

    gateways::binance::MdGatewayConfig md_cfg;
    for (std::size_t i = 0; i < reg.size(); ++i) {
      const common::Instrument& ins = reg.get(common::InstrumentId{static_cast<std::uint32_t>(i)});
      if (ins.venue == common::VenueId::kBinance) md_cfg.symbols.emplace_back(ins.symbol.view());
    }
    md_ = std::make_unique<gateways::binance::BinanceMdGateway>(reg, *md_ws_, nullptr, *md_rest_,
                                                                q.md, clock, md_cfg);
    gateways::binance::OrderGatewayConfig o_cfg;
    // The user stream's URL is <ws base>/ws/<listenKey>; called on the order thread.
    std::string base = v.ws_url.text;
    while (!base.empty() && base.back() == '/') base.pop_back();
    o_cfg.on_listen_key = [this, base](std::string_view key) {
      static_cast<void>(user_ws_->connect(base + "/ws/" + std::string(key)));
    };
    // The venue's documented limits; every answer's X-MBX-USED-WEIGHT-* / X-MBX-ORDER-COUNT-*
    // headers correct the buckets (order thread only, like the gateway).
    limiter_ = std::make_unique<gateways::net::RateLimiter>(gateways::net::binance::usdm_limits());
    rate_gate_ = std::make_unique<gateways::net::LimiterRateGate>(
        *limiter_, gateways::net::binance::kClassOrder);
    order_ = std::make_unique<gateways::binance::BinanceOrderGateway>(
        reg, *rest_, user_ws_.get(), q.orders, q.exec, *signer_, wall_, std::move(o_cfg),
        rate_gate_.get());

    std::string error;
    if (!md_rest_->start(v.rest_url.text, &error) || !rest_->start(v.rest_url.text, &error)) {
      throw std::runtime_error("binance: rest_url " + v.rest_url.text + ": " + error);
    }
    if (md_ws_->connect(base + "/stream") != gateways::net::WsConnectResult::kStarted) {
      throw std::runtime_error("binance: cannot connect to ws_url " + v.ws_url.text);
    }
    md_cpu_ = v.md_cpu;
    order_cpu_ = v.order_cpu;
  }
  ~BinanceRuntime() override { stop(); }

  void start() override {
    md_runner_ = std::make_unique<GatewayRunner<gateways::binance::BinanceMdGateway>>(
        *md_, common::BackoffIdle{}, gateway_runner_options("bn-md", md_cpu_));
    order_runner_ = std::make_unique<GatewayRunner<gateways::binance::BinanceOrderGateway>>(
        *order_, common::BackoffIdle{}, gateway_runner_options("bn-order", order_cpu_));
    if (!md_runner_->start() || !order_runner_->start()) {
      throw std::runtime_error("binance: could not start the gateway threads");
    }
  }
  void stop() noexcept override {
    if (order_runner_) order_runner_->stop();
    if (md_runner_) md_runner_->stop();
  }
  void fill_stats(SessionStats& s) const noexcept override {
    s.venue_enabled[static_cast<std::size_t>(common::VenueId::kBinance)] = true;
  }

 private:
  common::WallClock wall_;  // signed requests carry epoch-ms timestamps
  common::Rng md_rng_;
  common::Rng order_rng_;
  gateways::net::NetLoop md_loop_;
  gateways::net::NetLoop order_loop_;
  std::unique_ptr<gateways::binance::Signer> signer_;
  std::unique_ptr<hl::NetWsTransport> md_ws_;
  std::unique_ptr<gateways::cex::NetRestTransport> md_rest_;
  std::unique_ptr<hl::NetWsTransport> user_ws_;
  std::unique_ptr<gateways::cex::NetRestTransport> rest_;
  std::unique_ptr<gateways::binance::BinanceMdGateway> md_;
  std::unique_ptr<gateways::net::RateLimiter> limiter_;
  std::unique_ptr<gateways::net::LimiterRateGate> rate_gate_;
  std::unique_ptr<gateways::binance::BinanceOrderGateway> order_;
  std::unique_ptr<GatewayRunner<gateways::binance::BinanceMdGateway>> md_runner_;
  std::unique_ptr<GatewayRunner<gateways::binance::BinanceOrderGateway>> order_runner_;
  int md_cpu_ = -1;
  int order_cpu_ = -1;
};

}  // namespace

std::unique_ptr<VenueRuntime> make_venue_runtime(const VenueConfig& venue,
                                                 const EngineConfig& config,
                                                 const common::InstrumentRegistry& instruments,
                                                 const common::Clock& clock, VenueQueues& queues,
                                                 std::string& why) {
  switch (venue.venue) {
    case common::VenueId::kHyperliquid:
      return std::make_unique<HyperliquidRuntime>(venue, config, instruments, clock, queues);
    case common::VenueId::kBinance:
      return std::make_unique<BinanceRuntime>(venue, instruments, clock, queues);
    case common::VenueId::kBybit:
      return make_bybit_runtime(venue, config, instruments, clock, queues);
    case common::VenueId::kCoinbase:
      return make_coinbase_runtime(venue, config, instruments, clock, queues);
  }
  why = "unknown venue";
  return nullptr;
}

}  // namespace peregrine::engine
