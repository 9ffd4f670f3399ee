// make_bybit_runtime: the Bybit v5 linear gateways, their transports and their two threads.
// Start-up on the session thread; afterwards each gateway lives on its own agent thread.
#include <memory>
#include <stdexcept>
#include <string>

#include "common/agent_runner.hpp"
#include "common/rng.hpp"
#include "engine/session/runtime_support.hpp"
#include "engine/session/wiring.hpp"
#include "gateways/bybit/md_gateway.hpp"
#include "gateways/bybit/order_gateway.hpp"
#include "gateways/bybit/signer.hpp"
#include "gateways/hyperliquid/net_adapters.hpp"
#include "gateways/json/cex_gateway_common.hpp"
#include "gateways/net/net_loop.hpp"

namespace peregrine::engine {

namespace {

namespace bb = gateways::bybit;
namespace hl = gateways::hyperliquid;

// The private stream sits beside the public one: <scheme>://<host:port>/v5/private, whatever
// path ws_url names (/v5/public/linear on the venue and the simulator).
std::string private_ws_url(const common::Url& ws) {
  const bool v6 = ws.host.find(':') != std::string::npos;
  std::string url = ws.scheme + "://";
  url += v6 ? "[" + ws.host + "]" : ws.host;
  url += ":" + std::to_string(ws.port) + "/v5/private";
  return url;
}

std::unique_ptr<bb::Signer> make_signer(const VenueConfig& v) {
  if (v.api_key.reveal().empty() || v.api_secret.reveal().empty()) {
    throw std::runtime_error("bybit: api_key and api_secret are required");
  }
  try {
    return std::make_unique<bb::Signer>(v.api_key.reveal(), v.api_secret.reveal());
  } catch (const std::invalid_argument&) {
    // The signer's own message names no secret, but say only what the user must fix.
    throw std::runtime_error("bybit: api_key must be 1-64 characters of [A-Za-z0-9]");
  }
}

// Bybit v5 linear: one md thread (public WS), one order thread (REST + the private WS).
class BybitRuntime final : public VenueRuntime {
 public:
  BybitRuntime(const VenueConfig& v, const common::InstrumentRegistry& reg,
               const common::Clock& clock, VenueQueues& q)
      : md_rng_(common::os_entropy_u64()), order_rng_(common::os_entropy_u64()) {
    signer_ = make_signer(v);
    gateways::net::WsOptions ws_opts;
    ws_opts.tls = gateway_tls_for(v.ws_url);
    gateways::net::HttpOptions http_opts;
    http_opts.tls = gateway_tls_for(v.rest_url);
    http_opts.pool_size = 8;  // overlapping orders, cancels and queries (default 2 refuses a 3rd)
    md_ws_ = std::make_unique<hl::NetWsTransport>(md_loop_, clock, md_rng_, ws_opts);
    private_ws_ = std::make_unique<hl::NetWsTransport>(order_loop_, clock, order_rng_, ws_opts);
    rest_ = std::make_unique<gateways::cex::NetRestTransport>(order_loop_, clock, http_opts);

    bb::MdGatewayConfig md_cfg;
    for (std::size_t i = 0; i < reg.size(); ++i) {
      const common::Instrument& ins = reg.get(common::InstrumentId{static_cast<std::uint32_t>(i)});
      if (ins.venue == common::VenueId::kBybit) md_cfg.symbols.emplace_back(ins.symbol.view());
    }
    md_ = std::make_unique<bb::BybitMdGateway>(reg, *md_ws_, q.md, clock, md_cfg);
    // Signed requests and the WS auth "expires" carry epoch milliseconds: the wall clock.
    order_ =
        std::make_unique<bb::BybitOrderGateway>(reg, *rest_, private_ws_.get(), q.orders, q.exec,
                                                *signer_, wall_, bb::OrderGatewayConfig{});

    std::string error;
    if (!rest_->start(v.rest_url.text, &error)) {
      throw std::runtime_error("bybit: rest_url " + v.rest_url.text + ": " + error);
    }
    if (md_ws_->connect(v.ws_url.text) != gateways::net::WsConnectResult::kStarted) {
      throw std::runtime_error("bybit: cannot connect to ws_url " + v.ws_url.text +
                               " (bad URL, DNS or TLS set-up)");
    }
    const std::string private_url = private_ws_url(v.ws_url);
    if (private_ws_->connect(private_url) != gateways::net::WsConnectResult::kStarted) {
      throw std::runtime_error("bybit: cannot connect to the private stream " + private_url);
    }
    md_cpu_ = v.md_cpu;
    order_cpu_ = v.order_cpu;
  }
  ~BybitRuntime() override { stop(); }

  void start() override {
    md_runner_ = std::make_unique<GatewayRunner<bb::BybitMdGateway>>(
        *md_, common::BackoffIdle{}, gateway_runner_options("bb-md", md_cpu_));
    order_runner_ = std::make_unique<GatewayRunner<bb::BybitOrderGateway>>(
        *order_, common::BackoffIdle{}, gateway_runner_options("bb-order", order_cpu_));
    if (!md_runner_->start() || !order_runner_->start()) {
      throw std::runtime_error("bybit: could not start the gateway threads");
    }
  }
  void stop() noexcept override {
    // Orders first: the order thread may still be reporting what the core wants to hear.
    if (order_runner_ != nullptr) order_runner_->stop();
    if (md_runner_ != nullptr) md_runner_->stop();
  }
  void fill_stats(SessionStats& s) const noexcept override {
    s.venue_enabled[static_cast<std::size_t>(common::VenueId::kBybit)] = true;
  }

 private:
  gateways::net::NetLoop md_loop_;
  gateways::net::NetLoop order_loop_;
  common::Rng md_rng_;
  common::Rng order_rng_;
  common::WallClock wall_;  // epoch ms for signatures and the auth "expires"
  std::unique_ptr<bb::Signer> signer_;
  std::unique_ptr<hl::NetWsTransport> md_ws_;
  std::unique_ptr<hl::NetWsTransport> private_ws_;
  std::unique_ptr<gateways::cex::NetRestTransport> rest_;
  std::unique_ptr<bb::BybitMdGateway> md_;
  std::unique_ptr<bb::BybitOrderGateway> order_;
  std::unique_ptr<GatewayRunner<bb::BybitMdGateway>> md_runner_;
  std::unique_ptr<GatewayRunner<bb::BybitOrderGateway>> order_runner_;
  int md_cpu_ = -1;
  int order_cpu_ = -1;
};

}  // namespace

std::unique_ptr<VenueRuntime> make_bybit_runtime(const VenueConfig& venue,
                                                 const EngineConfig& config,
                                                 const common::InstrumentRegistry& instruments,
                                                 const common::Clock& clock, VenueQueues& queues) {
  static_cast<void>(config);
  return std::make_unique<BybitRuntime>(venue, instruments, clock, queues);
}

}  // namespace peregrine::engine
