#include "engine/engine_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

namespace peregrine::engine {

namespace {

using common::ConfigNode;
using common::Money;
using common::Parsed;
using common::Price;
using common::Qty;
using common::Secret;
using common::Sign;
using common::VenueId;

constexpr int kMaxCpu = 1023;
// A fee rate outside +-1% is almost certainly a unit mistake (2 for 2 bp, 0.02 for 2%).
constexpr std::int64_t kMaxFeeRaw = common::kDecimalScale / 100;
constexpr int kMaxSizeDecimals = 8;

std::string_view name_of(VenueId v) {
  for (const auto& e : kVenueNames) {
    if (e.value == v) return e.name;
  }
  return "?";
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// ------------------------------------------------------------------------------------------
// Field parsers

auto cpu_parser() { return common::int_parser<int>(kNoPin, kMaxCpu); }

// Names of things (engine, strategies): letters, digits, '_', '-', '.'.
Parsed<std::string> parse_name(std::string_view text) {
  const bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
  });
  if (!ok) return Parsed<std::string>::failure("expected a name of letters, digits, _ - .");
  return std::string(text);
}

// Canonical asset: upper-case letters and digits (BTC, ETH, 1000PEPE).
Parsed<std::string> parse_asset(std::string_view text) {
  const bool ok = !text.empty() && text.size() <= common::Symbol::kCapacity &&
                  std::all_of(text.begin(), text.end(), [](char c) {
                    return std::isupper(static_cast<unsigned char>(c)) != 0 ||
                           std::isdigit(static_cast<unsigned char>(c)) != 0;
                  });
  if (!ok) return Parsed<std::string>::failure("expected an asset in upper case, e.g. BTC");
  return std::string(text);
}

// Venue symbol: no whitespace, short enough for common::Symbol.
Parsed<std::string> parse_symbol(std::string_view text) {
  const bool ok = !text.empty() && text.size() <= common::Symbol::kCapacity &&
                  std::none_of(text.begin(), text.end(), [](char c) {
                    return std::isspace(static_cast<unsigned char>(c)) != 0;
                  });
  if (!ok) {
    return Parsed<std::string>::failure("expected a venue symbol: no spaces, at most " +
                                        std::to_string(common::Symbol::kCapacity) + " characters");
  }
  return std::string(text);
}

Parsed<std::string> parse_address(std::string_view text) {
  if (text.size() != 42 || !text.starts_with("0x") || !is_hex(text.substr(2))) {
    return Parsed<std::string>::failure("expected an address: 0x followed by 40 hex digits");
  }
  return std::string(text);
}

// Hyperliquid signing key: 32 bytes as hex, 0x optional.
Parsed<Secret> parse_eth_key(std::string_view text) {
  const std::string_view hex = text.starts_with("0x") ? text.substr(2) : text;
  if (hex.size() != 64 || !is_hex(hex)) {
    return Parsed<Secret>::failure("expected a private key: 0x followed by 64 hex digits");
  }
  return Secret(std::string(text));
}

// Coinbase CDP key: PEM. Environment variables often carry it with literal "\n"s.
Parsed<Secret> parse_pem_key(std::string_view text) {
  std::string pem(text);
  if (pem.find('\n') == std::string::npos) {
    for (std::size_t p = pem.find("\\n"); p != std::string::npos; p = pem.find("\\n", p + 1)) {
      pem.replace(p, 2, "\n");
    }
  }
  if (!pem.starts_with("-----BEGIN ") || pem.find("PRIVATE KEY-----") == std::string::npos ||
      pem.find("-----END ") == std::string::npos) {
    return Parsed<Secret>::failure(
        "expected a PEM private key (-----BEGIN EC PRIVATE KEY----- ... -----END ...)");
  }
  return Secret(std::move(pem));
}

Parsed<Rate> parse_fee(std::string_view text) {
  auto r = common::decimal_parser<Rate>()(text);
  if (r.ok() && (r.value().raw() > kMaxFeeRaw || r.value().raw() < -kMaxFeeRaw)) {
    return Parsed<Rate>::failure("expected a fee rate between -0.01 and 0.01 (0.0002 = 2 bp)");
  }
  return r;
}

Parsed<Rate> parse_collar_pct(std::string_view text) {
  auto r = common::decimal_parser<Rate>(Sign::kPositive)(text);
  if (r.ok() && r.value().raw() > 100 * common::kDecimalScale) {
    return Parsed<Rate>::failure("expected a percentage in (0, 100]");
  }
  return r;
}

Parsed<common::Duration> parse_positive_duration(std::string_view text) {
  auto r = common::parse_duration(text);
  if (r.ok() && r.value().count() <= 0) {
    return Parsed<common::Duration>::failure("expected a duration > 0");
  }
  return r;
}

// Control-plane listen address: an IP literal or "localhost".
Parsed<std::string> parse_bind(std::string_view text) {
  const std::string s(text);
  unsigned char buf[sizeof(in6_addr)];
  if (s == "localhost" || inet_pton(AF_INET, s.c_str(), buf) == 1 ||
      inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return s;
  }
  return Parsed<std::string>::failure("expected an IP address or localhost");
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// 10^-decimals as a Qty (lot implied by Hyperliquid's szDecimals).
Qty lot_for_decimals(int decimals) {
  std::int64_t raw = common::kDecimalScale;
  for (int i = 0; i < decimals; ++i) raw /= 10;
  return Qty::from_raw(raw);
}

// ------------------------------------------------------------------------------------------
// Section loaders

// Sets *mode_known when `mode` parsed, so mode-dependent checks do not cascade from a typo.
void load_engine_section(ConfigNode& n, EngineSection& out, bool* mode_known) {
  *mode_known = n.required("mode", &out.mode, common::enum_parser(kModeNames));
  n.optional("name", &out.name, "peregrine", parse_name);
  n.optional("core_cpu", &out.core_cpu, kNoPin, cpu_parser());
  n.optional("journal_dir", &out.journal_dir, "journal");
  n.optional("duration", &out.duration, parse_positive_duration);
  n.optional("replay_input", &out.replay_input, "");
  if (!*mode_known) return;
  if (out.mode == Mode::kReplay && out.replay_input.empty()) {
    n.error("replay_input", "required in replay mode");
  } else if (out.mode != Mode::kReplay && !out.replay_input.empty()) {
    n.error("replay_input", "only used in replay mode");
  }
}

// A secret that is required when the venue will trade for real, optional otherwise.
template <typename Parser>
void read_credential(ConfigNode& n, std::string_view key, Secret* out, bool required,
                     Parser parse) {
  if (required) {
    n.required(key, out, parse);
  } else {
    n.optional(key, out, Secret{}, parse);
  }
}

// Rejects a CPU already given to another busy-spinning thread.
void check_cpu(ConfigNode& n, std::string_view key, int cpu,
               const std::vector<std::pair<int, std::string>>& taken) {
  if (cpu == kNoPin) return;
  for (const auto& [other, owner] : taken) {
    if (other == cpu) {
      n.error(key, "CPU " + std::to_string(cpu) + " is already used by " + owner);
      return;
    }
  }
}

void check_url_for_mode(ConfigNode& n, std::string_view key, const common::Url& url, Mode mode) {
  if (url.host.empty()) return;  // already reported
  if (mode == Mode::kPaper && !url.is_loopback()) {
    n.error(key, "paper mode trades against the local simulator: expected a loopback host, got " +
                     url.host);
  } else if (mode == Mode::kLive && !url.tls() && !url.is_loopback()) {
    n.error(key, "live mode needs TLS (https:// or wss://) to a non-loopback host");
  }
}

// `mode` is nullopt when engine.mode did not parse: mode-dependent checks are skipped.
void load_venue(ConfigNode& n, VenueConfig& out, VenueId id, const EngineConfig& cfg,
                std::optional<Mode> mode) {
  out.venue = id;
  n.optional("enabled", &out.enabled, false);
  n.optional("testnet", &out.testnet, false);
  n.required("rest_url", &out.rest_url, common::url_parser({"http", "https"}));
  n.required("ws_url", &out.ws_url, common::url_parser({"ws", "wss"}));
  n.optional("md_cpu", &out.md_cpu, kNoPin, cpu_parser());
  n.optional("order_cpu", &out.order_cpu, kNoPin, cpu_parser());

  const bool need_keys = out.enabled && mode == Mode::kLive;
  switch (id) {
    case VenueId::kHyperliquid:
      read_credential(n, "private_key", &out.private_key, need_keys, parse_eth_key);
      n.optional("account_address", &out.account_address, parse_address);
      n.optional("vault_address", &out.vault_address, parse_address);
      break;
    case VenueId::kBinance:
    case VenueId::kBybit:
      read_credential(n, "api_key", &out.api_key, need_keys, common::parse_secret);
      read_credential(n, "api_secret", &out.api_secret, need_keys, common::parse_secret);
      break;
    case VenueId::kCoinbase:
      if (need_keys) {
        n.required("key_name", &out.key_name);
      } else {
        n.optional("key_name", &out.key_name, "");
      }
      read_credential(n, "private_key", &out.private_key, need_keys, parse_pem_key);
      break;
  }

  n.optional("starting_balance", &out.starting_balance, Money{},
             common::decimal_parser<Money>(Sign::kNonNegative));

  if (!out.enabled) return;
  if (mode) {
    check_url_for_mode(n, "rest_url", out.rest_url, *mode);
    check_url_for_mode(n, "ws_url", out.ws_url, *mode);
  }

  std::vector<std::pair<int, std::string>> taken;
  taken.emplace_back(cfg.engine.core_cpu, "engine.core_cpu");
  for (const VenueConfig& v : cfg.venues) {
    if (!v.enabled) continue;
    const std::string prefix = "venues." + std::string(name_of(v.venue));
    taken.emplace_back(v.md_cpu, prefix + ".md_cpu");
    taken.emplace_back(v.order_cpu, prefix + ".order_cpu");
  }
  check_cpu(n, "md_cpu", out.md_cpu, taken);
  taken.emplace_back(out.md_cpu, n.path() + ".md_cpu");
  check_cpu(n, "order_cpu", out.order_cpu, taken);
}

void load_venues(ConfigNode& n, EngineConfig& cfg, std::optional<Mode> mode) {
  for (const auto& entry : kVenueNames) {
    VenueConfig v;
    const VenueId id = entry.value;
    if (n.map_if_present(entry.name, &v, [&](ConfigNode& vn, VenueConfig& out) {
          load_venue(vn, out, id, cfg, mode);
        })) {
      cfg.venues.push_back(std::move(v));
    }
  }
  const bool any_enabled = std::any_of(cfg.venues.begin(), cfg.venues.end(),
                                       [](const VenueConfig& v) { return v.enabled; });
  if (!any_enabled && mode && *mode != Mode::kReplay) {
    n.error("at least one venue must be enabled in " + std::string(to_string(*mode)) + " mode");
  }
}

void load_listing(ConfigNode& n, VenueListing& out, VenueId id, const EngineConfig& cfg) {
  out.venue = id;
  n.required("symbol", &out.symbol, parse_symbol);
  n.required("tick", &out.tick, common::decimal_parser<Price>(Sign::kPositive));
  n.required("lot", &out.lot, common::decimal_parser<Qty>(Sign::kPositive));
  n.optional("min_notional", &out.min_notional, Money{},
             common::decimal_parser<Money>(Sign::kNonNegative));
  n.required("maker_fee", &out.maker_fee, parse_fee);
  n.required("taker_fee", &out.taker_fee, parse_fee);
  const auto size_decimals = common::int_parser<int>(0, kMaxSizeDecimals);
  if (id == VenueId::kHyperliquid) {
    int sd = 0;
    int asset = 0;
    if (n.required("size_decimals", &sd, size_decimals)) out.size_decimals = sd;
    if (n.required("asset_index", &asset, common::int_parser<int>(0, 1'000'000))) {
      out.asset_index = asset;
    }
  } else {
    n.optional("size_decimals", &out.size_decimals, size_decimals);
  }
  if (out.size_decimals && out.lot.is_positive() &&
      out.lot != lot_for_decimals(*out.size_decimals)) {
    n.error("lot", "does not match size_decimals " + std::to_string(*out.size_decimals) +
                       " (expected " + lot_for_decimals(*out.size_decimals).to_string() + ")");
  }
  if (cfg.venue(id) == nullptr) {
    n.error("venue " + std::string(name_of(id)) + " is not configured under venues:");
  }
  for (const InstrumentConfig& other : cfg.instruments) {
    const VenueListing* l = other.on(id);
    if (l != nullptr && l->symbol == out.symbol) {
      n.error("symbol", "already used by instrument " + other.asset);
    }
  }
}

void load_instrument(ConfigNode& n, InstrumentConfig& out, const EngineConfig& cfg) {
  n.required("asset", &out.asset, parse_asset);
  if (!out.asset.empty() && cfg.instrument(out.asset) != nullptr) {
    n.error("asset", "duplicate instrument " + out.asset);
  }
  n.required_map("venues", &out, [&](ConfigNode& vn, InstrumentConfig& ins) {
    for (const auto& entry : kVenueNames) {
      VenueListing l;
      const VenueId id = entry.value;
      if (vn.map_if_present(entry.name, &l, [&](ConfigNode& ln, VenueListing& o) {
            load_listing(ln, o, id, cfg);
          })) {
        ins.listings.push_back(std::move(l));
      }
    }
    if (ins.listings.empty()) vn.error("expected at least one venue listing");
  });
}

void load_risk(ConfigNode& n, RiskConfig& out) {
  const auto money = common::decimal_parser<Money>(Sign::kPositive);
  n.required("max_order_qty", &out.max_order_qty, common::decimal_parser<Qty>(Sign::kPositive));
  n.required("max_order_notional", &out.max_order_notional, money);
  n.required("max_position_notional", &out.max_position_notional, money);
  n.required("max_gross_exposure", &out.max_gross_exposure, money);
  n.required("max_open_orders", &out.max_open_orders, common::int_parser<int>(1, 100'000));
  n.required("max_orders_per_sec", &out.max_orders_per_sec, common::int_parser<int>(1, 10'000));
  n.required("price_collar_pct", &out.price_collar_pct, parse_collar_pct);
  n.required("max_daily_loss", &out.max_daily_loss, money);
  n.required("max_drawdown", &out.max_drawdown, money);

  const auto check_le = [&n](std::string_view key, Money small, std::string_view other_key,
                             Money big) {
    if (small.is_positive() && big.is_positive() && small > big) {
      n.error(key, "must not exceed " + std::string(other_key) + " (" + big.to_string() + ")");
    }
  };
  check_le("max_order_notional", out.max_order_notional, "max_position_notional",
           out.max_position_notional);
  check_le("max_position_notional", out.max_position_notional, "max_gross_exposure",
           out.max_gross_exposure);
}

void load_strategy(ConfigNode& n, StrategyConfig& out, const EngineConfig& cfg) {
  n.required("name", &out.name, parse_name);
  const bool type_ok = n.required("type", &out.type, common::enum_parser(kStrategyTypeNames));
  n.optional("enabled", &out.enabled, true);
  std::string venue_text = "auto";
  bool have_venue = true;  // absent means auto
  n.optional("venue", &venue_text, std::string("auto"));
  out.venue_auto = venue_text == "auto";
  if (!out.venue_auto) {
    auto parsed = common::enum_parser(kVenueNames)(venue_text);
    if (parsed.ok()) {
      out.venue = parsed.value();
    } else {
      n.error("venue", parsed.error() + " or auto");
      have_venue = false;
    }
  }
  const bool have_asset = n.required("asset", &out.asset, parse_asset);
  n.scalar_map("params", &out.params);

  for (const StrategyConfig& other : cfg.strategies) {
    if (!out.name.empty() && other.name == out.name) {
      n.error("name", "duplicate strategy name " + out.name);
    }
  }
  if (!have_venue || !have_asset) return;
  if (out.venue_auto) {
    // The router picks the venue per order: only the confluence executor asks it.
    if (type_ok && out.type != StrategyType::kConfluence) {
      n.error("venue",
              "auto (or no venue) is only supported by confluence strategies; name a venue");
      return;
    }
    const InstrumentConfig* ins = cfg.instrument(out.asset);
    if (ins == nullptr) {
      n.error("asset", "no instrument " + out.asset + " under instruments:");
      return;
    }
    bool found = false;
    for (const VenueListing& l : ins->listings) {
      const VenueConfig* v = cfg.venue(l.venue);
      if (v != nullptr && v->enabled) {
        out.venue = l.venue;  // home: its book drives the analyzer
        found = true;
        break;
      }
    }
    if (!found && out.enabled) {
      n.error("asset", "venue auto: no enabled venue lists " + out.asset);
    }
    return;
  }
  const std::string venue(name_of(out.venue));
  const VenueConfig* v = cfg.venue(out.venue);
  if (v == nullptr) {
    n.error("venue", "venue " + venue + " is not configured under venues:");
  } else if (out.enabled && !v->enabled) {
    n.error("venue", "strategy is enabled but venue " + venue + " is disabled");
  }
  const InstrumentConfig* ins = cfg.instrument(out.asset);
  if (ins == nullptr) {
    n.error("asset", "no instrument " + out.asset + " under instruments:");
  } else if (ins->on(out.venue) == nullptr) {
    n.error("asset", "instrument " + out.asset + " is not listed on " + venue);
  }
}

void load_control(ConfigNode& n, ControlConfig& out) {
  n.optional("bind", &out.bind, "127.0.0.1", parse_bind);
  n.optional("port", &out.port, 8470, common::int_parser<std::uint16_t>(1, 65535));
  const bool exposed = !is_loopback_host(out.bind);
  read_credential(n, "api_key", &out.api_key, exposed, common::parse_secret);
}

void load_alerts(ConfigNode& n, AlertsConfig& out) {
  n.optional("webhook_url", &out.webhook_url, std::string{});
  if (!out.webhook_url.empty() && !out.webhook_url.starts_with("http://") &&
      !out.webhook_url.starts_with("https://")) {
    n.error("webhook_url", "expected an http:// or https:// URL");
  }
  n.optional("deny_window_ms", &out.deny_window_ms, std::int64_t{1000},
             common::int_parser<std::int64_t>(1, 3'600'000));
}

Parsed<double> parse_share(std::string_view text) {
  auto r = common::parse_double(text);
  if (r.ok() && !(r.value() >= 0 && r.value() <= 1)) {
    return Parsed<double>::failure("expected a number in [0, 1]");
  }
  return r;
}

// `router:` — allocation targets, rebalance signal and venue-selection weights.
void load_router(ConfigNode& n, router::RouterConfig& out, const EngineConfig& cfg) {
  const router::RouterConfig defaults;
  if (n.has("targets")) {
    out.target_share.fill(0);
    n.optional_map("targets", &out, [&cfg](ConfigNode& t, router::RouterConfig& r) {
      for (const auto& entry : kVenueNames) {
        const std::size_t v = common::index(entry.value);
        t.optional(entry.name, &r.target_share[v], 0.0, parse_share);
        if (r.target_share[v] > 0 && cfg.venue(entry.value) == nullptr) {
          t.error(entry.name, "venue " + std::string(entry.name) +
                                  " has a target but is not configured under venues:");
        }
      }
      double sum = 0;
      for (double x : r.target_share) sum += x;
      if (sum < 0.999 || sum > 1.001) {
        t.error("targets must add up to 1 (they add up to " + std::to_string(sum) + ")");
      }
    });
  }
  n.optional("rebalance_threshold", &out.rebalance_threshold, defaults.rebalance_threshold,
             [](std::string_view text) {
               auto r = common::parse_double(text);
               if (r.ok() && !(r.value() > 0 && r.value() < 1)) {
                 return Parsed<double>::failure("expected a share in (0, 1), e.g. 0.05 for 5%");
               }
               return r;
             });
  n.optional_map("weights", &out, [](ConfigNode& w, router::RouterConfig& r) {
    const router::RouterConfig d;
    w.optional("fees", &r.w_fees, d.w_fees, parse_share);
    w.optional("liquidity", &r.w_liquidity, d.w_liquidity, parse_share);
    w.optional("latency", &r.w_latency, d.w_latency, parse_share);
    w.optional("reliability", &r.w_reliability, d.w_reliability, parse_share);
    if (r.w_fees + r.w_liquidity + r.w_latency + r.w_reliability <= 0) {
      w.error("at least one weight must be above 0");
    }
  });
  static constexpr std::array<common::EnumName<router::OverTargetPolicy>, 2> kPolicies{{
      {"penalize", router::OverTargetPolicy::kPenalize},
      {"exclude", router::OverTargetPolicy::kExclude},
  }};
  n.optional("over_target", &out.over_target, defaults.over_target, common::enum_parser(kPolicies));
  n.optional("over_target_penalty", &out.over_target_penalty, defaults.over_target_penalty,
             parse_share);
  n.optional("ewma_alpha", &out.ewma_alpha, defaults.ewma_alpha, [](std::string_view text) {
    auto r = common::parse_double(text);
    if (r.ok() && !(r.value() > 0 && r.value() <= 1)) {
      return Parsed<double>::failure("expected a weight in (0, 1]");
    }
    return r;
  });
  int levels = static_cast<int>(defaults.depth_levels);
  n.optional("depth_levels", &levels, levels, common::int_parser<int>(1, 1000));
  out.depth_levels = static_cast<std::size_t>(levels);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string_view to_string(Mode m) noexcept {
  for (const auto& e : kModeNames) {
    if (e.value == m) return e.name;
  }
  return "?";
}

std::string_view to_string(StrategyType t) noexcept {
  for (const auto& e : kStrategyTypeNames) {
    if (e.value == t) return e.name;
  }
  return "?";
}

std::string_view venue_key(VenueId v) noexcept { return name_of(v); }

const VenueListing* InstrumentConfig::on(VenueId v) const noexcept {
  for (const VenueListing& l : listings) {
    if (l.venue == v) return &l;
  }
  return nullptr;
}

const VenueConfig* EngineConfig::venue(VenueId v) const noexcept {
  for (const VenueConfig& c : venues) {
    if (c.venue == v) return &c;
  }
  return nullptr;
}

const InstrumentConfig* EngineConfig::instrument(std::string_view asset) const noexcept {
  for (const InstrumentConfig& i : instruments) {
    if (i.asset == asset) return &i;
  }
  return nullptr;
}

void load_engine_config(ConfigNode& root, EngineConfig& out) {
  // Order matters: later sections are checked against earlier ones.
  bool mode_known = false;
  root.required_map("engine", &out.engine, [&mode_known](ConfigNode& n, EngineSection& e) {
    load_engine_section(n, e, &mode_known);
  });
  const std::optional<Mode> mode = mode_known ? std::optional<Mode>(out.engine.mode) : std::nullopt;
  root.required_map("venues", &out,
                    [mode](ConfigNode& n, EngineConfig& cfg) { load_venues(n, cfg, mode); });
  root.list(
      "instruments", &out.instruments,
      [&out](ConfigNode& n, InstrumentConfig& ins) { load_instrument(n, ins, out); }, true);
  if (out.instruments.empty() && root.has("instruments")) {
    root.error("instruments", "expected at least one instrument");
  }
  root.required_map("risk", &out.risk, load_risk);
  root.list("strategies", &out.strategies,
            [&out](ConfigNode& n, StrategyConfig& s) { load_strategy(n, s, out); });
  root.optional_map("control", &out.control, load_control);
  root.optional_map("alerts", &out.alerts, load_alerts);
  root.optional_map("router", &out.router,
                    [&out](ConfigNode& n, router::RouterConfig& r) { load_router(n, r, out); });
}

common::LoadResult<EngineConfig> load_engine_config_file(const std::filesystem::path& path,
                                                         const common::LoadOptions& options) {
  return common::load_config_file<EngineConfig>(
      path, [](ConfigNode& n, EngineConfig& out) { load_engine_config(n, out); }, options);
}

common::LoadResult<EngineConfig> load_engine_config_string(std::string_view yaml,
                                                           const common::LoadOptions& options) {
  return common::load_config_string<EngineConfig>(
      yaml, [](ConfigNode& n, EngineConfig& out) { load_engine_config(n, out); }, options);
}

}  // namespace peregrine::engine
