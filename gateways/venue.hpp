// Venue endpoints: the documented mainnet/testnet URLs and the simulator's loopback defaults.
// Start-up code (config defaults, tooling); any thread.
#pragma once

#include <string_view>

#include "common/ids.hpp"

namespace peregrine::gateways {

enum class Network : unsigned char { kMainnet, kTestnet, kSimulator };

struct VenueEndpoints {
  std::string_view rest_url;
  std::string_view ws_url;  // public market-data socket
};

// Sources: ../shared/venues/*.md (section "Endpoints" of each). Coinbase Advanced Trade has no
// verified public testnet: kTestnet returns empty URLs for it (callers must treat that as
// "not available" and say so).
[[nodiscard]] VenueEndpoints default_endpoints(common::VenueId venue, Network network) noexcept;

// The simulator's default loopback port for each venue (tools/venue_sim, configs/venue_sim.yaml).
[[nodiscard]] unsigned short simulator_port(common::VenueId venue) noexcept;

}  // namespace peregrine::gateways
