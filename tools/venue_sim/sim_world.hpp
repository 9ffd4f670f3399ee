// The simulated venues behind the server: one gateways::sim::Exchange per enabled venue and the
// shared SyntheticMarket driving their books, plus the admin views of them (truth, market
// moves). Simulator thread only.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/events.hpp"
#include "common/ids.hpp"
#include "tools/venue_sim/cex_common/json_writer.hpp"
#include "tools/venue_sim/faults.hpp"
#include "tools/venue_sim/sim_config.hpp"

namespace peregrine::gateways::sim {
class Exchange;
}

namespace peregrine::venue_sim {

class SimWorld {
 public:
  // Creates the exchanges, registers instruments and accounts (filling instrument_id and
  // account_id in `cfg`) and seeds the market. `cfg` must outlive the world.
  explicit SimWorld(SimConfig& cfg);
  ~SimWorld();
  SimWorld(const SimWorld&) = delete;
  SimWorld& operator=(const SimWorld&) = delete;

  // nullptr for a disabled venue.
  [[nodiscard]] gateways::sim::Exchange* exchange(common::VenueId v) noexcept;

  // One timer tick: market agents act, then every exchange advances its timers and triggers.
  void step(common::Nanos now);

  // Admin truth for one venue: {"books":{sym:{"bids":[[px,sz,n]..],"asks":..}},"accounts":[..]}
  void write_truth(cex::JsonWriter& out, common::VenueId v, const VenueFaults& faults) const;

  // POST /admin/market. False with a message on a bad asset/venue.
  [[nodiscard]] bool move_fair_value(std::string_view asset, double pct, std::string* error);
  [[nodiscard]] bool dislocate(std::string_view asset, common::VenueId v, double bps,
                               std::int64_t duration_ms, common::Nanos now, std::string* error);

  [[nodiscard]] std::uint64_t orders_accepted() const noexcept;
  [[nodiscard]] std::uint64_t fills() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace peregrine::venue_sim
