// The table of venue protocol factories linked into the simulator.
#include <memory>

#include "tools/venue_sim/hyperliquid/hl_protocol.hpp"
#include "tools/venue_sim/server_impl.hpp"

namespace peregrine::venue_sim {

std::unique_ptr<VenueProtocol> make_protocol(VenueContext& ctx, const SimConfig& cfg);

// Only Hyperliquid is wired here for now. The Binance, Bybit and Coinbase factories
// (make_binance_protocol etc., tools/venue_sim/<venue>/) go into the switch once their .cpp
// files exist; until then those venues return nullptr and the server leaves them off.
std::unique_ptr<VenueProtocol> make_protocol(VenueContext& ctx, const SimConfig& cfg) {
  switch (ctx.config.venue) {
    case common::VenueId::kHyperliquid:
      return make_hyperliquid_protocol(ctx, cfg.hl_mainnet);
    case common::VenueId::kBinance:
    case common::VenueId::kBybit:
    case common::VenueId::kCoinbase:
      return nullptr;
  }
  return nullptr;
}

}  // namespace peregrine::venue_sim
