#include "tools/venue_sim/sim_config.hpp"

#include <utility>

namespace peregrine::venue_sim {
namespace {

using common::ConfigNode;
using common::Money;
using common::Price;
using common::Qty;
using common::VenueId;

Price px(std::string_view s) { return Price::parse(s).value(); }
Qty qty(std::string_view s) { return Qty::parse(s).value(); }
Money money(std::string_view s) { return Money::parse(s).value(); }

// The Coinbase CDP test key of configs/paper.yaml, public half (derived with `openssl ec -pubout`).
constexpr std::string_view kCoinbasePublicKeyPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE51wZo329uEpMLpp3oFAQ4mX+WiR3\n"
    "c0Nuj4XLgpfRW1HXktS5BDFNnU5G8C3go+hY/p+kZwwh0kibzJ+5Bf1DEw==\n"
    "-----END PUBLIC KEY-----\n";

struct InstrumentRow {
  std::string_view asset, symbol, tick, lot, min_notional;
  std::int64_t maker_ppm, taker_ppm;
  int max_leverage, size_decimals, asset_index;
};

SimInstrumentConfig make_instrument(const InstrumentRow& r, std::string_view start) {
  SimInstrumentConfig i;
  i.asset = r.asset;
  i.symbol = r.symbol;
  i.tick = px(r.tick);
  i.lot = qty(r.lot);
  i.min_notional = money(r.min_notional);
  i.initial_price = px(start);
  i.maker_fee_ppm = r.maker_ppm;
  i.taker_fee_ppm = r.taker_ppm;
  i.max_leverage = r.max_leverage;
  i.size_decimals = r.size_decimals;
  i.asset_index = r.asset_index;
  return i;
}

std::string_view start_price_of(std::string_view asset) {
  if (asset == "BTC") return "95000";
  if (asset == "ETH") return "3500";
  return "180";
}

void add_defaults(SimVenueSettings& s, VenueId v) {
  s.venue.venue = v;
  s.venue.host = "127.0.0.1";
  SimAccountConfig a;
  a.name = "default";
  a.initial_balance = money("100000");
  std::vector<InstrumentRow> rows;
  switch (v) {
    case VenueId::kHyperliquid:
      a.hl_private_key = "0x0123456789012345678901234567890123456789012345678901234567890123";
      rows = {{"BTC", "BTC", "1", "0.00001", "10", 150, 450, 40, 5, 0},
              {"ETH", "ETH", "0.1", "0.0001", "10", 150, 450, 25, 4, 1},
              {"SOL", "SOL", "0.01", "0.01", "10", 150, 450, 20, 2, 2}};
      break;
    case VenueId::kBinance:
      a.api_key = "sim-binance-api-key";
      a.api_secret = "sim-binance-api-secret";
      rows = {{"BTC", "BTCUSDT", "0.1", "0.001", "100", 200, 500, 125, 3, 0},
              {"ETH", "ETHUSDT", "0.01", "0.001", "20", 200, 500, 100, 3, 1},
              {"SOL", "SOLUSDT", "0.01", "1", "5", 200, 500, 50, 0, 2}};
      break;
    case VenueId::kBybit:
      a.api_key = "SimBybitApiKey01";
      a.api_secret = "SimBybitApiSecret01";
      rows = {{"BTC", "BTCUSDT", "0.1", "0.001", "5", 200, 550, 100, 3, 0},
              {"ETH", "ETHUSDT", "0.01", "0.01", "5", 200, 550, 100, 2, 1},
              {"SOL", "SOLUSDT", "0.01", "0.1", "5", 200, 550, 50, 1, 2}};
      break;
    case VenueId::kCoinbase:
      a.cb_key_name = "organizations/sim-org/apiKeys/sim-key";
      a.cb_public_key_pem = std::string(kCoinbasePublicKeyPem);
      rows = {{"BTC", "BTC-PERP-INTX", "0.1", "0.0001", "10", 200, 500, 20, 4, 0},
              {"ETH", "ETH-PERP-INTX", "0.01", "0.001", "10", 200, 500, 20, 3, 1},
              {"SOL", "SOL-PERP-INTX", "0.01", "0.1", "10", 200, 500, 20, 1, 2}};
      break;
  }
  s.venue.accounts = {std::move(a)};
  s.venue.instruments.clear();
  for (const auto& r : rows) {
    s.venue.instruments.push_back(make_instrument(r, start_price_of(r.asset)));
  }
}

// ---- YAML ------------------------------------------------------------------------------------

void load_faults(ConfigNode& n, VenueFaults& f) {
  n.optional("skip_seq", &f.skip_seq, f.skip_seq);
  n.optional("duplicate_seq", &f.duplicate_seq, f.duplicate_seq);
  n.optional("malformed", &f.malformed, f.malformed);
  n.optional("truncated", &f.truncated, f.truncated);
  n.optional("drop_ws", &f.drop_ws, f.drop_ws);
  n.optional("reset_ws", &f.reset_ws, f.reset_ws);
  n.optional("http_error", &f.http_error, f.http_error);
  n.optional("http_error_status", &f.http_error_status, f.http_error_status,
             common::int_parser<int>(400, 599));
  n.optional("lose_response", &f.lose_response, f.lose_response);
  n.optional("delay_ms", &f.delay_ms, f.delay_ms, common::int_parser<std::uint32_t>(0, 60000));
  std::uint32_t stale_ms = 0;
  n.optional("stale_ms", &stale_ms, 0u, common::int_parser<std::uint32_t>(0, 3'600'000));
  // Start-up staleness is relative to the first tick; the server turns it into a deadline.
  f.stale_until_ns = static_cast<std::int64_t>(stale_ms) * -1'000'000;
  n.optional("slow_consumer_limit", &f.slow_consumer_limit, f.slow_consumer_limit);
}

void load_account(ConfigNode& n, SimAccountConfig& a) {
  a.initial_balance = money("100000");
  n.required("name", &a.name);
  n.optional("balance", &a.initial_balance, a.initial_balance,
             common::decimal_parser<Money>(common::Sign::kNonNegative));
  n.optional("hedge_mode", &a.hedge_mode, false);
  n.optional("hl_private_key", &a.hl_private_key, std::string{});
  n.scalar_list("hl_agents", &a.hl_agents, &common::parse_string);
  n.optional("api_key", &a.api_key, std::string{});
  n.optional("api_secret", &a.api_secret, std::string{});
  n.optional("cb_key_name", &a.cb_key_name, std::string{});
  n.optional("cb_public_key_pem", &a.cb_public_key_pem, std::string{});
}

void load_instrument(ConfigNode& n, SimInstrumentConfig& i) {
  using common::Sign;
  n.required("asset", &i.asset);
  n.required("symbol", &i.symbol);
  n.required("tick", &i.tick, common::decimal_parser<Price>(Sign::kPositive));
  n.required("lot", &i.lot, common::decimal_parser<Qty>(Sign::kPositive));
  n.optional("min_notional", &i.min_notional, Money{},
             common::decimal_parser<Money>(Sign::kNonNegative));
  n.optional("maker_fee_ppm", &i.maker_fee_ppm, std::int64_t{0},
             common::int_parser<std::int64_t>(-10000, 100000));
  n.optional("taker_fee_ppm", &i.taker_fee_ppm, std::int64_t{0},
             common::int_parser<std::int64_t>(0, 100000));
  n.optional("max_leverage", &i.max_leverage, 20, common::int_parser<int>(1, 200));
  n.optional("size_decimals", &i.size_decimals, 0, common::int_parser<int>(0, 8));
  n.optional("asset_index", &i.asset_index, 0, common::int_parser<int>(0, 1'000'000));
  i.initial_price = px(start_price_of(i.asset));
}

void load_venue(ConfigNode& n, SimVenueSettings& s) {
  n.optional("enabled", &s.enabled, s.enabled);
  n.optional("port", &s.venue.port, s.venue.port);
  n.optional("tls", &s.venue.tls, s.venue.tls);
  if (n.has("accounts")) {
    n.list("accounts", &s.venue.accounts, load_account);
    if (s.venue.accounts.empty()) n.error("accounts", "expected at least one account");
  }
  if (n.has("instruments")) {
    n.list("instruments", &s.venue.instruments, load_instrument);
    if (s.venue.instruments.empty()) n.error("instruments", "expected at least one instrument");
  }
  n.optional_map("faults", &s.faults, load_faults);
}

void load_number_map(ConfigNode& n, std::string_view key,
                     std::map<std::string, double, std::less<>>* out) {
  std::map<std::string, std::string, std::less<>> text;
  n.scalar_map(key, &text);
  for (const auto& [venue, v] : text) {
    VenueId id{};
    if (!common::parse_venue(venue, &id)) {
      n.error(key, "unknown venue \"" + venue + "\"");
      continue;
    }
    auto d = common::parse_double(v);
    if (!d.ok()) {
      n.error(key, venue + ": " + d.error());
      continue;
    }
    (*out)[venue] = d.value();
  }
}

void load_asset(ConfigNode& n, AssetMarketConfig& a) {
  using common::Sign;
  n.required("asset", &a.asset);
  a.start_price = px(start_price_of(a.asset));
  n.optional("start_price", &a.start_price, a.start_price,
             common::decimal_parser<Price>(Sign::kPositive));
  n.optional("vol_bps_per_sqrt_s", &a.vol_bps_per_sqrt_s, 5.0);
  n.optional("levels", &a.levels, 20, common::int_parser<int>(1, 200));
  n.optional("level_size", &a.level_size, qty("1"), common::decimal_parser<Qty>(Sign::kPositive));
  n.optional("spread_ticks", &a.spread_ticks, 2.0);
  n.optional("place_rate_hz", &a.place_rate_hz, 5.0);
  n.optional("cancel_rate_hz", &a.cancel_rate_hz, 5.0);
  n.optional("taker_rate_hz", &a.taker_rate_hz, 2.0);
  load_number_map(n, "basis_bps", &a.basis_bps);
  std::map<std::string, double, std::less<>> lag;
  load_number_map(n, "lag_ms", &lag);
  for (const auto& [k, v] : lag) {
    if (v < 0 || v > 60000) {
      n.error("lag_ms", k + ": expected 0..60000");
      continue;
    }
    a.lag_ms[k] = static_cast<std::int64_t>(v);
  }
  n.map_if_present("dislocations", &a.dislocations, [](ConfigNode& d, auto& out) {
    d.required("every_s", &out.every_s);
    d.required("bps", &out.bps);
    d.required("duration_ms", &out.duration_ms);
    d.scalar_list("venues", &out.venues, &common::parse_string, true);
    for (const auto& v : out.venues) {
      VenueId id{};
      if (!common::parse_venue(v, &id)) d.error("venues", "unknown venue \"" + v + "\"");
    }
    if (!(out.every_s > 0) || !(out.bps > -5000 && out.bps < 5000) || out.duration_ms <= 0 ||
        static_cast<double>(out.duration_ms) >= out.every_s * 1000.0) {
      d.error("expected every_s > 0, bps in (-5000, 5000), 0 < duration_ms < every_s * 1000");
    }
  });
  if (a.vol_bps_per_sqrt_s < 0 || a.place_rate_hz < 0 || a.cancel_rate_hz < 0 ||
      a.taker_rate_hz < 0 || a.spread_ticks < 1) {
    n.error("expected vol_bps_per_sqrt_s and rates >= 0, spread_ticks >= 1");
  }
}

void load_root(ConfigNode& n, SimConfig& c) {
  std::int64_t seed = static_cast<std::int64_t>(c.seed);
  n.optional("seed", &seed, seed, common::int_parser<std::int64_t>(0, INT64_MAX));
  c.seed = static_cast<std::uint64_t>(seed);
  n.optional("tick_ms", &c.tick_ms, c.tick_ms, common::int_parser<std::uint32_t>(1, 1000));
  n.optional("host", &c.host, c.host);
  n.optional("admin_port", &c.admin_port, c.admin_port);
  n.optional("slow_consumer_limit", &c.slow_consumer_limit, c.slow_consumer_limit,
             common::int_parser<std::uint32_t>(1, 10'000'000));
  n.optional("tls_cert_path", &c.cert_pem_path, std::string{});
  std::string network = c.hl_mainnet ? "mainnet" : "testnet";
  n.optional("hyperliquid_network", &network, network,
             common::enum_parser(std::array<common::EnumName<std::string>, 2>{
                 {{"mainnet", "mainnet"}, {"testnet", "testnet"}}}));
  c.hl_mainnet = network == "mainnet";
  n.optional("hyperliquid_twap_slice_ms", &c.hl_twap_slice_ms, c.hl_twap_slice_ms,
             common::int_parser<std::uint32_t>(1, 3'600'000));
  if (n.has("venues")) {
    n.optional_map("venues", &c, [](ConfigNode& vn, SimConfig& cfg) {
      for (VenueId v : common::kAllVenues) {
        vn.optional_map(venue_config_name(v), &cfg.venues[common::index(v)], load_venue);
      }
    });
  }
  if (n.has("market")) {
    n.list("market", &c.assets, load_asset);
  }
  if (c.host != "127.0.0.1" && c.host != "localhost" && c.host != "::1") {
    n.error("host", "the simulator serves loopback only (127.0.0.1, localhost or ::1)");
  }
}

}  // namespace

std::string_view venue_config_name(common::VenueId v) noexcept { return common::to_string(v); }

SimConfig default_sim_config() {
  SimConfig c;
  for (VenueId v : common::kAllVenues) {
    auto& s = c.venues[common::index(v)];
    add_defaults(s, v);
    s.venue.port = static_cast<std::uint16_t>(8101 + common::index(v));
    s.faults.slow_consumer_limit = c.slow_consumer_limit;
  }
  for (std::string_view asset : {"BTC", "ETH", "SOL"}) {
    AssetMarketConfig a;
    a.asset = asset;
    a.start_price = px(start_price_of(asset));
    a.level_size = qty(asset == "BTC" ? "0.5" : asset == "ETH" ? "5" : "50");
    c.assets.push_back(std::move(a));
  }
  return c;
}

namespace {
void finish_defaults(SimConfig& c) {
  for (auto& s : c.venues) {
    if (s.faults.slow_consumer_limit == 0) s.faults.slow_consumer_limit = c.slow_consumer_limit;
    for (auto& a : s.venue.accounts) {
      if (a.initial_balance.is_zero()) a.initial_balance = money("100000");
    }
  }
}
}  // namespace

common::LoadResult<SimConfig> load_sim_config_file(const std::filesystem::path& path) {
  common::LoadResult<SimConfig> r;
  r.value = default_sim_config();
  for (auto& s : r.value.venues) s.faults.slow_consumer_limit = 0;
  r.errors = common::load_yaml_file(path, {}, [&](ConfigNode& n) { load_root(n, r.value); });
  finish_defaults(r.value);
  return r;
}

common::LoadResult<SimConfig> load_sim_config_string(std::string_view yaml) {
  common::LoadResult<SimConfig> r;
  r.value = default_sim_config();
  for (auto& s : r.value.venues) s.faults.slow_consumer_limit = 0;
  r.errors = common::load_yaml(yaml, {}, [&](ConfigNode& n) { load_root(n, r.value); });
  finish_defaults(r.value);
  return r;
}

void apply_port_base(SimConfig& cfg, std::uint16_t base) {
  cfg.admin_port = base;
  for (VenueId v : common::kAllVenues) {
    cfg.venues[common::index(v)].venue.port =
        base == 0 ? std::uint16_t{0} : static_cast<std::uint16_t>(base + 1 + common::index(v));
  }
}

}  // namespace peregrine::venue_sim
