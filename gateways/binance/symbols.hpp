// Binance markets (USD-M, COIN-M, spot), endpoints, stream names and the symbol -> InstrumentId
// table. Any thread: constants, and a SymbolTable is read-only after start-up.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ids.hpp"
#include "common/instrument.hpp"

namespace peregrine::gateways::binance {

// The three Binance order-book families share one wire format with two sequencing rules:
// futures (USD-M and COIN-M) chain every diff by `pu` == previous `u`; spot has no `pu` and
// chains by `U` == previous `u` + 1. COIN-M quantities are contracts, not coins.
enum class Market : std::uint8_t { kUsdm, kCoinm, kSpot };

[[nodiscard]] constexpr std::string_view to_string(Market m) noexcept {
  switch (m) {
    case Market::kUsdm:
      return "usdm";
    case Market::kCoinm:
      return "coinm";
    case Market::kSpot:
      return "spot";
  }
  return "unknown";
}

// Accepts "usdm", "coinm", "spot".
[[nodiscard]] constexpr bool parse_market(std::string_view s, Market* out) noexcept {
  for (Market m : {Market::kUsdm, Market::kCoinm, Market::kSpot}) {
    if (to_string(m) == s) {
      *out = m;
      return true;
    }
  }
  return false;
}

[[nodiscard]] constexpr bool is_futures(Market m) noexcept { return m != Market::kSpot; }

// Hosts (README.md says where each comes from). Testnet hosts are config values in practice:
// the venue documents two USD-M testnet REST hosts.
namespace endpoints {
inline constexpr std::string_view kUsdmRest = "https://fapi.binance.com";
inline constexpr std::string_view kUsdmRestTestnet = "https://demo-fapi.binance.com";
inline constexpr std::string_view kUsdmRestTestnetSdk = "https://testnet.binancefuture.com";
// Routed WS paths: depth/bookTicker on /public, trades on /market, user data on /private.
inline constexpr std::string_view kUsdmWs = "wss://fstream.binance.com";
inline constexpr std::string_view kUsdmWsTestnet = "wss://fstream.binancefuture.com";
inline constexpr std::string_view kUsdmWsApi = "wss://ws-fapi.binance.com/ws-fapi/v1";
inline constexpr std::string_view kCoinmRest = "https://dapi.binance.com";
inline constexpr std::string_view kCoinmWs = "wss://dstream.binance.com";
inline constexpr std::string_view kSpotRest = "https://api.binance.com";
inline constexpr std::string_view kSpotWs = "wss://stream.binance.com:9443";
}  // namespace endpoints

// REST order-book snapshot path of each market (GET, public, `symbol` + `limit`).
[[nodiscard]] constexpr std::string_view depth_snapshot_path(Market m) noexcept {
  switch (m) {
    case Market::kUsdm:
      return "/fapi/v1/depth";
    case Market::kCoinm:
      return "/dapi/v1/depth";
    case Market::kSpot:
      return "/api/v3/depth";
  }
  return "";
}

// Writes lower-case(symbol) + suffix (e.g. "@depth@100ms") into out[0, cap); stream names are
// lower case on the wire. Returns the length, or 0 when it does not fit.
[[nodiscard]] constexpr std::size_t write_stream_name(std::string_view symbol,
                                                      std::string_view suffix, char* out,
                                                      std::size_t cap) noexcept {
  if (symbol.size() + suffix.size() > cap) return 0;
  std::size_t n = 0;
  for (char c : symbol) out[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  for (char c : suffix) out[n++] = c;
  return n;
}

// Venue symbol -> InstrumentId. A linear scan: a gateway carries tens of symbols, and comparing
// a few short strings beats hashing them (same reasoning as InstrumentRegistry::find).
class SymbolTable {
 public:
  static constexpr std::size_t kCapacity = 256;

  // False when full, the symbol is empty/too long, or it is already present.
  [[nodiscard]] bool add(std::string_view symbol, common::InstrumentId id) noexcept {
    if (size_ >= kCapacity || symbol.empty() || find(symbol).valid()) return false;
    Entry& e = entries_[size_];
    if (!e.symbol.assign(symbol)) return false;
    e.id = id;
    ++size_;
    return true;
  }
  // Every instrument of `venue` in the registry (start-up).
  [[nodiscard]] bool add_all(const common::InstrumentRegistry& registry,
                             common::VenueId venue) noexcept {
    bool ok = true;
    for (std::size_t i = 0; i < registry.size(); ++i) {
      const common::Instrument& inst =
          registry.get(common::InstrumentId{static_cast<std::uint32_t>(i)});
      if (inst.venue == venue) ok = add(inst.symbol.view(), inst.id) && ok;
    }
    return ok;
  }
  // Invalid id when absent.
  [[nodiscard]] common::InstrumentId find(std::string_view symbol) const noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
      if (entries_[i].symbol.view() == symbol) return entries_[i].id;
    }
    return common::InstrumentId{};
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct Entry {
    common::Symbol symbol;
    common::InstrumentId id;
  };
  std::array<Entry, kCapacity> entries_{};
  std::size_t size_ = 0;
};

}  // namespace peregrine::gateways::binance
