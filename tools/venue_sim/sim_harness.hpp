// Runs a simulator Server on its own thread for tests and benchmarks (ephemeral ports), and
// signs Hyperliquid /exchange bodies the way a client does. The owning thread constructs and
// destroys it; the server thread is internal.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "gateways/crypto/secp256k1_signer.hpp"
#include "gateways/hyperliquid/json_action.hpp"
#include "gateways/hyperliquid/signer.hpp"
#include "tools/venue_sim/server.hpp"
#include "tools/venue_sim/sim_config.hpp"

namespace peregrine::venue_sim {

// Defaults with every port ephemeral and only the venues whose protocol is linked enabled.
inline SimConfig harness_config(bool only_hyperliquid = true) {
  SimConfig cfg = default_sim_config();
  apply_port_base(cfg, 0);
  cfg.seed = 7;
  if (only_hyperliquid) {
    for (auto v : common::kAllVenues) {
      if (v != common::VenueId::kHyperliquid) cfg.venues[common::index(v)].enabled = false;
    }
  }
  return cfg;
}

class SimHarness {
 public:
  explicit SimHarness(SimConfig cfg = harness_config())
      : server_(std::make_unique<Server>(std::move(cfg))) {
    std::string error;
    if (!server_->start(&error)) throw std::runtime_error(error);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~SimHarness() {
    server_->stop();
    thread_.join();
  }
  SimHarness(const SimHarness&) = delete;
  SimHarness& operator=(const SimHarness&) = delete;

  [[nodiscard]] Server& server() noexcept { return *server_; }
  [[nodiscard]] std::uint16_t admin_port() const noexcept { return server_->admin_port(); }
  [[nodiscard]] std::uint16_t hl_port() const noexcept {
    return server_->venue_port(common::VenueId::kHyperliquid);
  }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

// The /exchange body for an L1 action given as JSON (key order as written), signed with `key`.
inline std::string hl_signed_body(std::string_view action_json, std::uint64_t nonce,
                                  const gateways::crypto::EcdsaKey& key, bool mainnet = true) {
  namespace hlg = gateways::hyperliquid;
  std::string buf(action_json.size() * 2 + 64, '\0');
  hlg::ByteSink sink(buf.data(), buf.size());
  const auto r = hlg::json_to_msgpack(action_json, sink);
  if (!r.ok) throw std::invalid_argument(r.error);
  hlg::L1Options opts;
  opts.nonce = nonce;
  opts.mainnet = mainnet;
  const auto sig = key.sign(hlg::l1_digest(hlg::action_hash(sink.view(), opts), mainnet));
  std::string body = "{\"action\":";
  body += action_json;
  body += ",\"nonce\":" + std::to_string(nonce) + ",\"signature\":{\"r\":\"" +
          gateways::crypto::to_hex0x(sig.r.data(), sig.r.size()) + "\",\"s\":\"" +
          gateways::crypto::to_hex0x(sig.s.data(), sig.s.size()) +
          "\",\"v\":" + std::to_string(sig.v()) + "}}";
  return body;
}

}  // namespace peregrine::venue_sim
