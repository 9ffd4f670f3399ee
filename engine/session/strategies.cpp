// make_strategies: the config's strategies section into strategy objects.
#include <sstream>
#include <stdexcept>
#include <string>

#include "engine/session/control_bridge.hpp"
#include "engine/session/wiring.hpp"
#include "strategies/algos/twap.hpp"
#include "strategies/confluence/executor.hpp"
#include "strategies/fib_hedger.hpp"
#include "strategies/params.hpp"
#include "strategies/xvenue_arb.hpp"

namespace peregrine::engine {

namespace {

template <typename Cfg>
Cfg load_or_throw(const StrategyConfig& sc, std::size_t index) {
  const std::string prefix = "strategies[" + std::to_string(index) + "].params";
  auto r = strategies::load_params<Cfg>(
      sc.params,
      [](common::ConfigNode& n, Cfg& out) {
        using strategies::load;
        load(n, out);  // found by ADL in the config type's namespace
      },
      prefix);
  if (!r.ok()) {
    std::ostringstream msg;
    msg << "strategy '" << sc.name << "': " << r.errors.size() << " bad parameter"
        << (r.errors.size() == 1 ? "" : "s");
    for (const common::ConfigError& e : r.errors) msg << "\n  " << e.to_string();
    throw std::runtime_error(msg.str());
  }
  return std::move(r.value);
}

common::InstrumentId listing(const common::InstrumentRegistry& reg, const StrategyConfig& sc,
                             common::VenueId venue) {
  const common::AssetId asset = reg.find_asset(sc.asset);
  const common::InstrumentId id =
      asset.valid() ? reg.on_venue(asset, venue) : common::InstrumentId{};
  if (!id.valid()) {
    throw std::runtime_error("strategy '" + sc.name + "': " + sc.asset + " is not listed on " +
                             std::string(venue_key(venue)) + " (or that venue is disabled)");
  }
  return id;
}

}  // namespace

std::vector<BuiltStrategy> make_strategies(const EngineConfig& config,
                                           const common::InstrumentRegistry& reg) {
  std::vector<BuiltStrategy> out;
  for (std::size_t i = 0; i < config.strategies.size(); ++i) {
    const StrategyConfig& sc = config.strategies[i];
    if (!sc.enabled) continue;
    const common::StrategyId id{static_cast<std::uint16_t>(out.size() + 1)};
    const common::InstrumentId main = listing(reg, sc, sc.venue);
    std::unique_ptr<strategies::Strategy> s;
    switch (sc.type) {
      case StrategyType::kFibHedger: {
        auto cfg = load_or_throw<strategies::FibHedgerConfig>(sc, i);
        common::InstrumentId hedge;
        if (cfg.hedge_venue && *cfg.hedge_venue != sc.venue) {
          hedge = listing(reg, sc, *cfg.hedge_venue);
        }
        s = std::make_unique<strategies::FibHedger>(id, std::move(cfg), main, hedge);
        break;
      }
      case StrategyType::kXvenueArb: {
        auto cfg = load_or_throw<strategies::XvenueArbConfig>(sc, i);
        std::vector<common::InstrumentId> legs{main};
        if (cfg.other_venue) {
          legs.push_back(listing(reg, sc, *cfg.other_venue));
        } else {
          // Every enabled venue that lists the asset.
          for (const common::InstrumentId other : reg.instruments_of(reg.asset_of(main))) {
            if (other != main) legs.push_back(other);
          }
        }
        if (legs.size() < 2) {
          throw std::runtime_error("strategy '" + sc.name + "': " + sc.asset +
                                   " needs a second enabled venue for cross-venue arbitrage");
        }
        s = std::make_unique<strategies::XvenueArb>(id, std::move(cfg), legs);
        break;
      }
      case StrategyType::kConfluence: {
        auto cfg = load_or_throw<strategies::confluence::ExecutorConfig>(sc, i);
        cfg.auto_venue = sc.venue_auto;
        s = std::make_unique<strategies::confluence::ConfluenceExecutor>(id, std::move(cfg), main);
        break;
      }
      case StrategyType::kTwap: {
        auto cfg = load_or_throw<strategies::algos::TwapConfig>(sc, i);
        s = std::make_unique<strategies::algos::Twap>(id, std::move(cfg), main);
        break;
      }
    }
    out.push_back(BuiltStrategy{sc.name, std::move(s)});
  }
  return out;
}

std::vector<SignalRelay*> wrap_signal_relays(const EngineConfig& config,
                                             const common::InstrumentRegistry& instruments,
                                             std::vector<BuiltStrategy>& built) {
  std::vector<SignalRelay*> relays;
  // make_strategies returns the enabled strategies in config order: pair them back up.
  std::size_t k = 0;
  for (const StrategyConfig& sc : config.strategies) {
    if (!sc.enabled) continue;
    if (k >= built.size()) break;
    BuiltStrategy& b = built[k++];
    if (sc.type != StrategyType::kConfluence) continue;
    auto& exec = static_cast<strategies::confluence::ConfluenceExecutor&>(*b.strategy);
    auto relay = std::make_unique<SignalRelay>(std::move(b.strategy), exec,
                                               instruments.find_asset(sc.asset));
    relays.push_back(relay.get());
    b.strategy = std::move(relay);
  }
  return relays;
}

}  // namespace peregrine::engine
