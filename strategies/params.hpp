// Strategy parameter parsing on the project's config reader (common/config.hpp): each strategy
// has a plain config struct, a load(ConfigNode&, Cfg&) that rejects unknown keys and reports
// every bad value at once, and load_params() to run it on an engine StrategyConfig's flat
// `params:` map. Start-up only, one thread (allocates and may build error strings).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/events.hpp"

namespace peregrine::strategies {

using ParamMap = std::map<std::string, std::string, std::less<>>;

// Renders a flat map of scalars as a YAML map with every value single-quoted, so the text
// reaches the parsers exactly as written.
[[nodiscard]] std::string params_to_yaml(const ParamMap& params);

// Runs `load` over `params`; error paths are prefixed with `prefix` ("strategies[0].params").
template <typename T, typename Load>
[[nodiscard]] common::LoadResult<T> load_params(const ParamMap& params, Load&& load,
                                                std::string_view prefix = "params") {
  auto r = common::load_config_string<T>(params_to_yaml(params), std::forward<Load>(load));
  for (common::ConfigError& e : r.errors) {
    e.path = e.path.empty() ? std::string(prefix) : std::string(prefix) + "." + e.path;
    e.line = 0;  // lines of the synthetic document mean nothing to the user
  }
  return r;
}

// A double in [min, max] (finite).
[[nodiscard]] std::function<common::Parsed<double>(std::string_view)> ratio_parser(double min,
                                                                                   double max);
// Comma-separated doubles, each in [min, max], at least one: "0.382,0.5".
[[nodiscard]] std::function<common::Parsed<std::vector<double>>(std::string_view)>
double_list_parser(double min, double max);
// "buy" / "sell" (also "long" / "short").
[[nodiscard]] common::Parsed<common::Side> parse_side(std::string_view text);
// "hyperliquid", "binance", "bybit", "coinbase".
[[nodiscard]] common::Parsed<common::VenueId> parse_venue_name(std::string_view text);

}  // namespace peregrine::strategies
