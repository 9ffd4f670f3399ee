// The table of venue protocol factories linked into the simulator.
#include <memory>

#include "tools/venue_sim/hyperliquid/hl_protocol.hpp"
#include "tools/venue_sim/server_impl.hpp"

namespace peregrine::venue_sim {

std::unique_ptr<VenueProtocol> make_protocol(VenueContext& ctx, const SimConfig& cfg);

std::unique_ptr<VenueProtocol> make_protocol(VenueContext& ctx, const SimConfig& cfg) {
  switch (ctx.config.venue) {
    case common::VenueId::kHyperliquid:
      return make_hyperliquid_protocol(ctx, cfg.hl_mainnet, cfg.hl_twap_slice_ms);
    case common::VenueId::kBinance:
      return make_binance_protocol(ctx);
    case common::VenueId::kBybit:
      return make_bybit_protocol(ctx);
    case common::VenueId::kCoinbase:
      return make_coinbase_protocol(ctx);
  }
  return nullptr;
}

}  // namespace peregrine::venue_sim
