#include "engine/engine_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace peregrine::engine {
namespace {

using common::ConfigError;
using common::LoadOptions;
using common::VenueId;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

const std::filesystem::path kSourceDir = PEREGRINE_SOURCE_DIR;

constexpr const char* kHlKey = "0x7a3b9c1d5e2f4a6b8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b";

std::vector<std::string> texts(const std::vector<ConfigError>& errors) {
  std::vector<std::string> out;
  for (const ConfigError& e : errors) out.push_back(e.to_string());
  return out;
}

std::string all_text(const std::vector<ConfigError>& errors) {
  std::ostringstream os;
  for (const ConfigError& e : errors) os << e << '\n';
  return os.str();
}

// Every variable the shipped configs reference, with fake values.
LoadOptions fake_env() {
  return LoadOptions{common::env_from_map({
                         {"HL_TESTNET_PRIVATE_KEY", kHlKey},
                         {"BINANCE_TESTNET_API_KEY", "bn-test-key"},
                         {"BINANCE_TESTNET_API_SECRET", "bn-test-secret"},
                         {"BYBIT_TESTNET_API_KEY", "bb-test-key"},
                         {"BYBIT_TESTNET_API_SECRET", "bb-test-secret"},
                         {"HL_PRIVATE_KEY", kHlKey},
                         {"HL_ACCOUNT_ADDRESS", "0x1111111111111111111111111111111111111111"},
                         {"PEREGRINE_CONTROL_API_KEY", "control-key"},
                     }),
                     {}};
}

// A small valid live config; tests break it in one place at a time.
const std::string kBase = R"(
engine:
  mode: live
  core_cpu: 2
venues:
  hyperliquid:
    enabled: true
    testnet: true
    rest_url: https://api.hyperliquid-testnet.xyz
    ws_url: wss://api.hyperliquid-testnet.xyz/ws
    private_key: ${HL_PRIVATE_KEY}
    md_cpu: 3
    order_cpu: 4
  binance:
    enabled: false
    rest_url: https://fapi.binance.com
    ws_url: wss://fstream.binance.com
instruments:
  - asset: BTC
    venues:
      hyperliquid: {symbol: BTC, tick: "1", lot: "0.00001", maker_fee: "0.00015",
                    taker_fee: "0.00045", size_decimals: 5, asset_index: 0}
      binance: {symbol: BTCUSDT, tick: "0.10", lot: "0.001", min_notional: "100",
                maker_fee: "0.0002", taker_fee: "0.0005"}
risk:
  max_order_qty: "1"
  max_order_notional: "1000"
  max_position_notional: "5000"
  max_gross_exposure: "10000"
  max_open_orders: 10
  max_orders_per_sec: 5
  price_collar_pct: "2.5"
  max_daily_loss: "100"
  max_drawdown: "200"
strategies:
  - name: fib
    type: fib_hedger
    venue: hyperliquid
    asset: BTC
    params: {levels: "0.382,0.618", qty: "0.001"}
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const std::size_t p = text.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) text.replace(p, from.size(), to);
  return text;
}

std::vector<std::string> errors_of(const std::string& yaml) {
  return texts(load_engine_config_string(yaml, fake_env()).errors);
}

// ---------------------------------------------------------------------------------------------
// Shipped configs

TEST(ShippedConfigs, EveryConfigLoadsWithoutError) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSourceDir / "configs")) {
    if (entry.path().extension() != ".yaml") continue;
    // The simulator's own config has its own format and test (venue_sim_server_config_test).
    if (entry.path().filename() == "venue_sim.yaml") continue;
    ++count;
    const auto r = load_engine_config_file(entry.path(), fake_env());
    EXPECT_THAT(texts(r.errors), IsEmpty()) << entry.path();
    EXPECT_FALSE(r.value.venues.empty()) << entry.path();
    EXPECT_FALSE(r.value.instruments.empty()) << entry.path();
  }
  EXPECT_GE(count, 3);
}

TEST(ShippedConfigs, PaperTalksToTheLocalSimulator) {
  const auto r = load_engine_config_file(kSourceDir / "configs/paper.yaml", fake_env());
  ASSERT_THAT(texts(r.errors), IsEmpty());
  const EngineConfig& c = r.value;
  EXPECT_EQ(c.engine.mode, Mode::kPaper);
  ASSERT_THAT(c.venues, SizeIs(4));
  const std::map<VenueId, int> ports = {{VenueId::kHyperliquid, 8101},
                                        {VenueId::kBinance, 8102},
                                        {VenueId::kBybit, 8103},
                                        {VenueId::kCoinbase, 8104}};
  for (const VenueConfig& v : c.venues) {
    EXPECT_TRUE(v.enabled);
    EXPECT_EQ(v.rest_url.host, "127.0.0.1");
    EXPECT_EQ(v.rest_url.port, ports.at(v.venue));
    EXPECT_EQ(v.ws_url.port, ports.at(v.venue));
  }
  EXPECT_EQ(c.venue(VenueId::kHyperliquid)->ws_url.text, "ws://127.0.0.1:8101/ws");

  ASSERT_THAT(c.instruments, SizeIs(2));
  for (const InstrumentConfig& ins : c.instruments) EXPECT_THAT(ins.listings, SizeIs(4));
  const VenueListing* hl_btc = c.instrument("BTC")->on(VenueId::kHyperliquid);
  ASSERT_NE(hl_btc, nullptr);
  EXPECT_EQ(hl_btc->size_decimals, 5);
  EXPECT_EQ(hl_btc->asset_index, 0);
  const VenueListing* hl_eth = c.instrument("ETH")->on(VenueId::kHyperliquid);
  EXPECT_EQ(hl_eth->size_decimals, 4);
  EXPECT_EQ(hl_eth->asset_index, 1);
  const VenueListing* bn_btc = c.instrument("BTC")->on(VenueId::kBinance);
  EXPECT_EQ(bn_btc->symbol, "BTCUSDT");
  EXPECT_EQ(bn_btc->tick, common::Price::parse("0.1").value());
  EXPECT_EQ(bn_btc->lot, common::Qty::parse("0.001").value());
  EXPECT_EQ(c.instrument("BTC")->on(VenueId::kCoinbase)->symbol, "BTC-PERP-INTX");

  ASSERT_FALSE(c.strategies.empty());
  EXPECT_EQ(c.strategies[0].type, StrategyType::kFibHedger);
  EXPECT_EQ(c.strategies[0].params.at("hedge_venue"), "binance");
  EXPECT_EQ(c.control.bind, "127.0.0.1");
  // The main job shows the router: a confluence strategy on BTC with venue auto, the 80/20
  // allocation, and the simulator's default accounts as starting balances.
  const auto conf = std::find_if(c.strategies.begin(), c.strategies.end(),
                                 [](const StrategyConfig& s) { return s.venue_auto; });
  ASSERT_NE(conf, c.strategies.end());
  EXPECT_EQ(conf->type, StrategyType::kConfluence);
  EXPECT_EQ(conf->asset, "BTC");
  EXPECT_DOUBLE_EQ(c.router.target_share[common::index(VenueId::kHyperliquid)], 0.8);
  EXPECT_DOUBLE_EQ(c.router.target_share[common::index(VenueId::kCoinbase)], 0.2);
  for (const VenueConfig& v : c.venues) {
    EXPECT_EQ(v.starting_balance, common::Money::parse("100000").value());
  }
}

TEST(ShippedConfigs, TestnetNeedsItsKeysFromTheEnvironment) {
  const auto r = load_engine_config_file(kSourceDir / "configs/testnet.yaml",
                                         LoadOptions{common::env_from_map({}), {}});
  EXPECT_THAT(texts(r.errors),
              ElementsAre("venues.hyperliquid.private_key: environment variable "
                          "HL_TESTNET_PRIVATE_KEY is not set",
                          "venues.binance.api_key: environment variable BINANCE_TESTNET_API_KEY "
                          "is not set",
                          "venues.binance.api_secret: environment variable "
                          "BINANCE_TESTNET_API_SECRET is not set",
                          "venues.bybit.api_key: environment variable BYBIT_TESTNET_API_KEY is "
                          "not set",
                          "venues.bybit.api_secret: environment variable BYBIT_TESTNET_API_SECRET "
                          "is not set"));
  const auto ok = load_engine_config_file(kSourceDir / "configs/testnet.yaml", fake_env());
  ASSERT_THAT(texts(ok.errors), IsEmpty());
  const VenueConfig* hl = ok.value.venue(VenueId::kHyperliquid);
  EXPECT_TRUE(hl->testnet);
  EXPECT_EQ(hl->private_key.reveal(), kHlKey);
  EXPECT_FALSE(hl->account_address.has_value());  // "${VAR:}" unset: absent
  EXPECT_EQ(ok.value.venue(VenueId::kBybit)->api_secret.reveal(), "bb-test-secret");
}

// ---------------------------------------------------------------------------------------------
// The base config and targeted breakage

TEST(EngineConfig, BaseLoads) {
  const auto r = load_engine_config_string(kBase, fake_env());
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_EQ(r.value.engine.mode, Mode::kLive);
  EXPECT_EQ(r.value.engine.name, "peregrine");
  EXPECT_EQ(r.value.engine.journal_dir, "journal");
  EXPECT_FALSE(r.value.engine.duration.has_value());
  EXPECT_EQ(r.value.risk.price_collar_pct, common::Rate::parse("2.5").value());
  EXPECT_EQ(r.value.risk.max_open_orders, 10);
  EXPECT_EQ(r.value.control.port, 8470);
  EXPECT_EQ(r.value.strategies[0].params.at("qty"), "0.001");
  EXPECT_TRUE(r.value.strategies[0].enabled);
  EXPECT_EQ(r.value.venue(VenueId::kBinance)->enabled, false);
  EXPECT_EQ(r.value.venue(VenueId::kBybit), nullptr);
}

TEST(EngineConfig, BrokenConfigReportsEveryError) {
  const std::string broken = R"(
engine:
  mode: turbo
  core_cpu: 2
  duration: forever
venues:
  hyperliquid:
    enabled: true
    rest_url: htp:/x
    ws_url: https://api.hyperliquid.xyz/ws
    private_key: ${HL_PRIVATE_KEY}
    vault_address: 0x123
  kraken:
    enabled: true
instruments:
  - asset: btc
    venues:
      hyperliquid: {symbol: BTC, tick: "0", lot: "0.0001", maker_fee: "2",
                    taker_fee: "0.00045", size_decimals: 5, asset_index: 0}
      bybit: {symbol: BTCUSDT, tick: "0.1", lot: "0.001", maker_fee: "0", taker_fee: "0"}
risk:
  max_order_qty: "1"
  max_order_notional: "1000"
  max_position_notinal: "5000"
  max_gross_exposure: "10000"
  max_open_orders: 0
  max_orders_per_sec: 5
  price_collar_pct: "150"
  max_daily_loss: "100"
  max_drawdown: "200"
strategies:
  - name: fib
    type: momentum
    venue: hyperliquid
    asset: ETH
control:
  bind: 0.0.0.0
)";
  EXPECT_THAT(
      errors_of(broken),
      ElementsAre(
          "engine.mode: expected one of paper, live, replay, got \"turbo\"",
          "engine.duration: expected a duration: whole number and unit ns, us, ms, s, m or h "
          "(e.g. 500ms, 2s), got \"forever\"",
          "venues.hyperliquid.rest_url: expected http:// or https:// URL, got \"htp:/x\"",
          "venues.hyperliquid.ws_url: expected ws:// or wss:// URL, got "
          "\"https://api.hyperliquid.xyz/ws\"",
          "venues.hyperliquid.vault_address: expected an address: 0x followed by 40 hex digits, "
          "got \"0x123\"",
          "venues.kraken: unknown key",
          "instruments[0].asset: expected an asset in upper case, e.g. BTC, got \"btc\"",
          "instruments[0].venues.hyperliquid.tick: expected a positive decimal, got \"0\"",
          "instruments[0].venues.hyperliquid.maker_fee: expected a fee rate between -0.01 and "
          "0.01 (0.0002 = 2 bp), got \"2\"",
          "instruments[0].venues.hyperliquid.lot: does not match size_decimals 5 (expected "
          "0.00001)",
          "instruments[0].venues.bybit: venue bybit is not configured under venues:",
          "risk.max_position_notional: missing required key",
          "risk.max_open_orders: expected an integer in [1, 100000], got \"0\"",
          "risk.price_collar_pct: expected a percentage in (0, 100], got \"150\"",
          "risk.max_position_notinal: unknown key (did you mean \"max_position_notional\"?)",
          "strategies[0].type: expected one of fib_hedger, confluence, xvenue_arb, twap, got "
          "\"momentum\"",
          "strategies[0].asset: no instrument ETH under instruments:",
          "control.api_key: missing required key"));
}

TEST(EngineConfig, ErrorsCarryLineNumbers) {
  const auto r = load_engine_config_string(replace(kBase, "mode: live", "mode: fast"), fake_env());
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].line, 3);
}

TEST(EngineConfig, MissingSections) {
  EXPECT_THAT(errors_of("engine: {mode: replay, replay_input: rec/2024.bin}\n"),
              ElementsAre("venues: missing required section", "instruments: missing required key",
                          "risk: missing required section"));
  EXPECT_THAT(errors_of("{}"),
              ElementsAre("engine: missing required section", "venues: missing required section",
                          "instruments: missing required key", "risk: missing required section"));
}

TEST(EngineConfig, LiveModeNeedsCredentialsOfEnabledVenuesOnly) {
  const std::string no_key = replace(kBase, "    private_key: ${HL_PRIVATE_KEY}\n", "");
  EXPECT_THAT(errors_of(no_key),
              ElementsAre("venues.hyperliquid.private_key: missing required key"));
  // Enabling binance in live mode makes its keys required.
  const std::string bn = replace(kBase, "    enabled: false\n", "    enabled: true\n");
  EXPECT_THAT(errors_of(bn), ElementsAre("venues.binance.api_key: missing required key",
                                         "venues.binance.api_secret: missing required key"));
  // Paper mode needs no keys (but the simulator's loopback URLs).
  std::string paper = replace(no_key, "mode: live", "mode: paper");
  paper = replace(paper, "https://api.hyperliquid-testnet.xyz", "http://127.0.0.1:8101");
  paper = replace(paper, "wss://api.hyperliquid-testnet.xyz/ws", "ws://127.0.0.1:8101/ws");
  EXPECT_THAT(errors_of(paper), IsEmpty());
}

TEST(EngineConfig, CoinbaseKeyIsPem) {
  const std::string yaml = replace(kBase, "  binance:\n", R"(  coinbase:
    enabled: true
    rest_url: https://api.coinbase.com
    ws_url: wss://advanced-trade-ws.coinbase.com
    key_name: organizations/o/apiKeys/k
    private_key: ${CB_KEY}
  binance:
)");
  // Environment variables often carry a PEM with literal "\n"s.
  const std::string pem_escaped =
      "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIDW8\\n-----END EC PRIVATE KEY-----\\n";
  auto env = common::env_from_map({{"HL_PRIVATE_KEY", kHlKey}, {"CB_KEY", pem_escaped}});
  const auto r = load_engine_config_string(yaml, LoadOptions{env, {}});
  ASSERT_THAT(texts(r.errors), IsEmpty());
  const std::string& pem = r.value.venue(VenueId::kCoinbase)->private_key.reveal();
  EXPECT_EQ(pem, "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIDW8\n-----END EC PRIVATE KEY-----\n");

  const auto bad = load_engine_config_string(
      yaml, LoadOptions{common::env_from_map(
                            {{"HL_PRIVATE_KEY", kHlKey}, {"CB_KEY", "not-a-pem-secret-value"}}),
                        {}});
  EXPECT_THAT(texts(bad.errors),
              ElementsAre("venues.coinbase.private_key: expected a PEM private key (-----BEGIN EC "
                          "PRIVATE KEY----- ... -----END ...)"));
}

TEST(EngineConfig, SecretsNeverAppearInErrors) {
  const std::string short_key = std::string(kHlKey).substr(0, 60);
  const auto r = load_engine_config_string(
      replace(kBase, "private_key: ${HL_PRIVATE_KEY}", "private_key: " + short_key), fake_env());
  EXPECT_THAT(texts(r.errors),
              ElementsAre("venues.hyperliquid.private_key: expected a private key: 0x followed by "
                          "64 hex digits"));
  EXPECT_THAT(all_text(r.errors), Not(HasSubstr(short_key.substr(2, 16))));

  // Same key from the environment.
  const auto from_env = load_engine_config_string(
      kBase, LoadOptions{common::env_from_map({{"HL_PRIVATE_KEY", short_key}}), {}});
  ASSERT_THAT(from_env.errors, SizeIs(1));
  EXPECT_THAT(all_text(from_env.errors), Not(HasSubstr(short_key.substr(2, 16))));

  // And a loaded config prints no secret either.
  const auto ok = load_engine_config_string(kBase, fake_env());
  std::ostringstream os;
  os << ok.value.venue(VenueId::kHyperliquid)->private_key;
  EXPECT_EQ(os.str(), "***");
}

TEST(EngineConfig, PaperModeOnlyTalksToLoopback) {
  const std::string paper = replace(replace(kBase, "mode: live", "mode: paper"),
                                    "    private_key: ${HL_PRIVATE_KEY}\n", "");
  EXPECT_THAT(errors_of(paper),
              ElementsAre("venues.hyperliquid.rest_url: paper mode trades against the local "
                          "simulator: expected a loopback host, got api.hyperliquid-testnet.xyz",
                          "venues.hyperliquid.ws_url: paper mode trades against the local "
                          "simulator: expected a loopback host, got api.hyperliquid-testnet.xyz"));
}

TEST(EngineConfig, LiveModeNeedsTls) {
  const std::string plain = replace(kBase, "rest_url: https://api.hyperliquid-testnet.xyz",
                                    "rest_url: http://api.hyperliquid-testnet.xyz");
  EXPECT_THAT(errors_of(plain), ElementsAre("venues.hyperliquid.rest_url: live mode needs TLS "
                                            "(https:// or wss://) to a non-loopback host"));
}

TEST(EngineConfig, AtLeastOneVenueEnabled) {
  const std::string none = replace(kBase, "    enabled: true\n", "    enabled: false\n");
  EXPECT_THAT(errors_of(none),
              ElementsAre("venues: at least one venue must be enabled in live mode",
                          "strategies[0].venue: strategy is enabled but venue "
                          "hyperliquid is disabled"));
}

TEST(EngineConfig, CpuPinsMustNotCollide) {
  EXPECT_THAT(errors_of(replace(kBase, "md_cpu: 3", "md_cpu: 2")),
              ElementsAre("venues.hyperliquid.md_cpu: CPU 2 is already used by engine.core_cpu"));
  EXPECT_THAT(errors_of(replace(kBase, "order_cpu: 4", "order_cpu: 3")),
              ElementsAre("venues.hyperliquid.order_cpu: CPU 3 is already used by "
                          "venues.hyperliquid.md_cpu"));
  EXPECT_THAT(errors_of(replace(kBase, "order_cpu: 4", "order_cpu: 4096")),
              ElementsAre("venues.hyperliquid.order_cpu: expected an integer in [-1, 1023], got "
                          "\"4096\""));
}

TEST(EngineConfig, HyperliquidListingNeedsSizeDecimalsAndAssetIndex) {
  const std::string yaml = replace(kBase, ", size_decimals: 5, asset_index: 0}", "}");
  EXPECT_THAT(errors_of(yaml),
              ElementsAre("instruments[0].venues.hyperliquid.size_decimals: missing required key",
                          "instruments[0].venues.hyperliquid.asset_index: missing required key"));
  // asset_index means nothing on other venues.
  EXPECT_THAT(
      errors_of(replace(kBase, "min_notional: \"100\",", "min_notional: \"100\", asset_index: 3,")),
      ElementsAre("instruments[0].venues.binance.asset_index: unknown key"));
}

TEST(EngineConfig, SymbolsFitTheInstrumentRegistry) {
  EXPECT_THAT(errors_of(replace(kBase, "symbol: BTCUSDT", "symbol: BTCUSDT-THIS-IS-FAR-TOO-LONG")),
              ElementsAre("instruments[0].venues.binance.symbol: expected a venue symbol: no "
                          "spaces, at most 23 characters, got \"BTCUSDT-THIS-IS-FAR-TOO-LONG\""));
}

TEST(EngineConfig, DuplicatesAreRejected) {
  const std::string two_btc = replace(kBase, "risk:\n", R"(  - asset: BTC
    venues:
      binance: {symbol: BTCUSDT, tick: "0.10", lot: "0.001", maker_fee: "0", taker_fee: "0"}
risk:
)");
  EXPECT_THAT(errors_of(two_btc),
              ElementsAre("instruments[1].asset: duplicate instrument BTC",
                          "instruments[1].venues.binance.symbol: already used by instrument BTC"));
  const std::string two_fib = kBase + R"(  - name: fib
    type: twap
    venue: hyperliquid
    asset: BTC
)";
  EXPECT_THAT(errors_of(two_fib), ElementsAre("strategies[1].name: duplicate strategy name fib"));
}

TEST(EngineConfig, StrategyReferencesAreChecked) {
  const std::string yaml = kBase + R"(  - name: arb
    type: xvenue_arb
    venue: binance
    asset: BTC
  - name: twap
    type: twap
    enabled: false
    venue: binance
    asset: BTC
  - name: cb
    type: confluence
    venue: coinbase
    asset: BTC
)";
  EXPECT_THAT(errors_of(yaml),
              ElementsAre("strategies[1].venue: strategy is enabled but venue binance is disabled",
                          "strategies[3].venue: venue coinbase is not configured under venues:",
                          "strategies[3].asset: instrument BTC is not listed on coinbase"));
}

TEST(EngineConfig, RiskLimitsAreConsistent) {
  EXPECT_THAT(
      errors_of(replace(kBase, "max_order_notional: \"1000\"", "max_order_notional: \"6000\"")),
      ElementsAre("risk.max_order_notional: must not exceed max_position_notional (5000)"));
  EXPECT_THAT(errors_of(replace(kBase, "max_daily_loss: \"100\"", "max_daily_loss: \"-5\"")),
              ElementsAre("risk.max_daily_loss: expected a positive decimal, got \"-5\""));
}

TEST(EngineConfig, ReplayModeNeedsInput) {
  EXPECT_THAT(errors_of(replace(kBase, "mode: live", "mode: replay")),
              ElementsAre("engine.replay_input: required in replay mode"));
  const auto r = load_engine_config_string(
      replace(kBase, "mode: live", "mode: replay\n  replay_input: rec/x.bin\n  duration: 90s"),
      fake_env());
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_EQ(r.value.engine.replay_input, "rec/x.bin");
  EXPECT_EQ(r.value.engine.duration, common::Duration(std::chrono::seconds(90)));
  EXPECT_THAT(errors_of(replace(kBase, "mode: live", "mode: live\n  replay_input: rec/x.bin")),
              ElementsAre("engine.replay_input: only used in replay mode"));
}

TEST(EngineConfig, ControlPlane) {
  const auto r = load_engine_config_string(
      kBase + "control:\n  bind: 10.0.0.5\n  port: 9000\n  api_key: ${PEREGRINE_CONTROL_API_KEY}\n",
      fake_env());
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_EQ(r.value.control.bind, "10.0.0.5");
  EXPECT_EQ(r.value.control.port, 9000);
  EXPECT_EQ(r.value.control.api_key.reveal(), "control-key");
  EXPECT_THAT(errors_of(kBase + "control:\n  port: 0\n  bind: my-host\n"),
              ElementsAre("control.bind: expected an IP address or localhost, got \"my-host\"",
                          "control.port: expected an integer in [1, 65535], got \"0\""));
  EXPECT_THAT(errors_of(kBase + "control:\n  bind: \"::1\"\n"), IsEmpty());
}

TEST(EngineConfig, Alerts) {
  const auto r = load_engine_config_string(
      kBase + "alerts:\n  webhook_url: http://127.0.0.1:9000/hook\n  deny_window_ms: 250\n",
      fake_env());
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_EQ(r.value.alerts.webhook_url, "http://127.0.0.1:9000/hook");
  EXPECT_EQ(r.value.alerts.deny_window_ms, 250);
  const auto d = load_engine_config_string(kBase, fake_env());
  EXPECT_TRUE(d.value.alerts.webhook_url.empty());
  EXPECT_EQ(d.value.alerts.deny_window_ms, 1000);
  const auto errors = errors_of(kBase + "alerts:\n  webhook_url: ftp://x\n  deny_window_ms: 0\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0], testing::HasSubstr("alerts.webhook_url"));
  EXPECT_THAT(errors[1], testing::HasSubstr("alerts.deny_window_ms"));
}

TEST(EngineConfig, RouterDefaultsAndOverrides) {
  const auto d = load_engine_config_string(kBase, fake_env());
  ASSERT_THAT(texts(d.errors), IsEmpty());
  EXPECT_DOUBLE_EQ(d.value.router.target_share[0], 0.8);  // hyperliquid
  EXPECT_DOUBLE_EQ(d.value.router.target_share[3], 0.2);  // coinbase
  EXPECT_DOUBLE_EQ(d.value.router.rebalance_threshold, 0.05);
  EXPECT_DOUBLE_EQ(d.value.router.w_liquidity, 0.4);
  EXPECT_EQ(d.value.router.over_target, router::OverTargetPolicy::kPenalize);

  const auto r = load_engine_config_string(kBase + R"(router:
  targets: {hyperliquid: "0.6", binance: "0.4"}
  rebalance_threshold: "0.1"
  weights: {fees: "0.5", liquidity: "0.5", latency: "0", reliability: "0"}
  over_target: exclude
  over_target_penalty: "0.25"
  ewma_alpha: "0.2"
  depth_levels: 5
)",
                                           fake_env());
  ASSERT_THAT(texts(r.errors), IsEmpty());
  const router::RouterConfig& c = r.value.router;
  EXPECT_DOUBLE_EQ(c.target_share[0], 0.6);
  EXPECT_DOUBLE_EQ(c.target_share[1], 0.4);
  EXPECT_DOUBLE_EQ(c.target_share[3], 0);  // named targets replace the default split
  EXPECT_DOUBLE_EQ(c.rebalance_threshold, 0.1);
  EXPECT_DOUBLE_EQ(c.w_fees, 0.5);
  EXPECT_DOUBLE_EQ(c.w_latency, 0);
  EXPECT_EQ(c.over_target, router::OverTargetPolicy::kExclude);
  EXPECT_DOUBLE_EQ(c.over_target_penalty, 0.25);
  EXPECT_DOUBLE_EQ(c.ewma_alpha, 0.2);
  EXPECT_EQ(c.depth_levels, 5u);
}

TEST(EngineConfig, BadRouterValuesAreClearErrors) {
  EXPECT_THAT(errors_of(kBase + R"(router:
  targets: {hyperliquid: "0.7", binance: "0.2", coinbase: "0.1", kraken: "0.1"}
  rebalance_threshold: "5"
  weights: {fees: "0", liquidity: "0", latency: "0", reliability: "0"}
  over_target: drop
  over_target_penalty: "1.5"
  depth_levels: 0
  typo: 1
)"),
              ElementsAre("router.targets.coinbase: venue coinbase has a target but is not "
                          "configured under venues:",
                          "router.targets.kraken: unknown key",
                          "router.rebalance_threshold: expected a share in (0, 1), e.g. 0.05 for "
                          "5%, got \"5\"",
                          "router.weights: at least one weight must be above 0",
                          "router.over_target: expected one of penalize, exclude, got \"drop\"",
                          "router.over_target_penalty: expected a number in [0, 1], got \"1.5\"",
                          "router.depth_levels: expected an integer in [1, 1000], got \"0\"",
                          "router.typo: unknown key"));
  EXPECT_THAT(errors_of(kBase + "router:\n  targets: {hyperliquid: \"0.5\", binance: \"0.2\"}\n"),
              ElementsAre(testing::HasSubstr("router.targets: targets must add up to 1")));
  EXPECT_THAT(errors_of(kBase + "router:\n  targets: {hyperliquid: \"-0.5\"}\n"),
              testing::Contains(testing::HasSubstr("router.targets.hyperliquid: expected a "
                                                   "number in [0, 1]")));
}

TEST(EngineConfig, VenueAutoAndStartingBalance) {
  std::string yaml = replace(kBase, "    enabled: false\n", "    enabled: true\n");
  yaml = replace(yaml, "    ws_url: wss://fstream.binance.com\n",
                 "    ws_url: wss://fstream.binance.com\n    api_key: k\n    api_secret: s\n"
                 "    starting_balance: \"25000\"\n");
  const auto r = load_engine_config_string(yaml + R"(  - name: conf
    type: confluence
    venue: auto
    asset: BTC
  - name: conf2
    type: confluence
    asset: BTC
)",
                                           fake_env());
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_FALSE(r.value.strategies[0].venue_auto);
  EXPECT_TRUE(r.value.strategies[1].venue_auto);
  EXPECT_TRUE(r.value.strategies[2].venue_auto);  // no venue means auto
  // The home venue (whose book drives the signals) is the first enabled listing.
  EXPECT_EQ(r.value.strategies[1].venue, VenueId::kHyperliquid);
  EXPECT_EQ(r.value.venue(VenueId::kBinance)->starting_balance,
            common::Money::parse("25000").value());
  EXPECT_TRUE(r.value.venue(VenueId::kHyperliquid)->starting_balance.is_zero());

  EXPECT_THAT(errors_of(kBase + R"(  - name: arb
    type: xvenue_arb
    venue: auto
    asset: BTC
  - name: c
    type: confluence
    venue: kraken
    asset: BTC
)"),
              ElementsAre("strategies[1].venue: auto (or no venue) is only supported by "
                          "confluence strategies; name a venue",
                          testing::HasSubstr("strategies[2].venue: expected")));
  EXPECT_THAT(errors_of(replace(kBase, "    order_cpu: 4\n",
                                "    order_cpu: 4\n    starting_balance: \"-1\"\n")),
              ElementsAre("venues.hyperliquid.starting_balance: expected a decimal >= 0, got "
                          "\"-1\""));
}

TEST(EngineConfig, Names) {
  EXPECT_EQ(to_string(Mode::kReplay), "replay");
  EXPECT_EQ(to_string(StrategyType::kXvenueArb), "xvenue_arb");
  EXPECT_EQ(venue_key(VenueId::kCoinbase), "coinbase");
}

}  // namespace
}  // namespace peregrine::engine
