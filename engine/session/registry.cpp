// build_registry: the config's instrument listings into the InstrumentRegistry.
#include <stdexcept>
#include <string>

#include "engine/session/wiring.hpp"

namespace peregrine::engine {

void build_registry(const EngineConfig& config, common::InstrumentRegistry& out) {
  for (const InstrumentConfig& ins : config.instruments) {
    for (const VenueListing& l : ins.listings) {
      const VenueConfig* venue = config.venue(l.venue);
      if (venue == nullptr || !venue->enabled) continue;
      common::Instrument i;
      i.venue = l.venue;
      const std::string where = ins.asset + " on " + std::string(venue_key(l.venue));
      if (!i.symbol.assign(l.symbol) || !i.asset.assign(ins.asset)) {
        throw std::runtime_error("instrument " + where + ": symbol or asset name too long");
      }
      i.tick = l.tick;
      i.lot = l.lot;
      i.min_qty = l.lot;
      i.min_notional = l.min_notional;
      i.maker_fee = l.maker_fee;
      i.taker_fee = l.taker_fee;
      if (l.asset_index) i.asset_index = *l.asset_index;
      if (l.size_decimals) i.size_decimals = static_cast<std::int8_t>(*l.size_decimals);
      const auto r = out.add(i);
      if (!r.ok()) {
        throw std::runtime_error("instrument " + where + ": " +
                                 std::string(common::to_string(r.error())));
      }
    }
  }
}

}  // namespace peregrine::engine
