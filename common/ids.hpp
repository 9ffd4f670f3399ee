// Identifier types: venues, instruments, strategies, client and venue order ids.
// Any thread; plain values, trivially copyable, no allocation except the std::string helpers.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace peregrine::common {

enum class VenueId : std::uint8_t { kHyperliquid = 0, kBinance = 1, kBybit = 2, kCoinbase = 3 };
inline constexpr std::size_t kVenueCount = 4;
inline constexpr std::array<VenueId, kVenueCount> kAllVenues = {
    VenueId::kHyperliquid, VenueId::kBinance, VenueId::kBybit, VenueId::kCoinbase};

[[nodiscard]] std::string_view to_string(VenueId v) noexcept;
// Accepts the config names: "hyperliquid", "binance", "bybit", "coinbase".
[[nodiscard]] bool parse_venue(std::string_view s, VenueId* out) noexcept;
[[nodiscard]] constexpr std::size_t index(VenueId v) noexcept {
  return static_cast<std::size_t>(v);
}

// Dense index into the InstrumentRegistry.
struct InstrumentId {
  std::uint32_t value = kInvalid;
  static constexpr std::uint32_t kInvalid = 0xffffffffu;
  [[nodiscard]] constexpr bool valid() const noexcept { return value != kInvalid; }
  constexpr auto operator<=>(const InstrumentId&) const noexcept = default;
};

struct StrategyId {
  std::uint16_t value = 0;  // 0 = manual (control API)
  constexpr auto operator<=>(const StrategyId&) const noexcept = default;
};

enum class IdError : std::uint8_t { kOk = 0, kBadLength, kBadChar, kBadPrefix };

// The engine's 128-bit client order id. One value renders into each venue's field:
//   Hyperliquid cloid        "0x" + 32 lowercase hex           (venue: exactly that form)
//   Binance newClientOrderId "pg" + 32 lowercase hex = 34 chars (venue: [.A-Z:/a-z0-9_-]{1,36})
//   Bybit orderLinkId        same as Binance                   (venue: <= 36 chars)
//   Coinbase client_order_id UUID form 8-4-4-4-12 lowercase    (venue: any string, UUID usual)
// Every rendering parses back to the same value.
struct ClientOrderId {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  [[nodiscard]] constexpr bool is_null() const noexcept { return hi == 0 && lo == 0; }
  constexpr auto operator<=>(const ClientOrderId&) const noexcept = default;

  static constexpr std::size_t kCloidLen = 34;
  static constexpr std::size_t kBinanceLen = 34;
  static constexpr std::size_t kUuidLen = 36;

  // Each writer returns the length written; `out` must hold the stated length.
  std::size_t write_cloid(char* out) const noexcept;
  std::size_t write_binance(char* out) const noexcept;
  std::size_t write_uuid(char* out) const noexcept;
  [[nodiscard]] std::string to_cloid() const;
  [[nodiscard]] std::string to_binance() const;
  [[nodiscard]] std::string to_uuid() const;

  [[nodiscard]] static Result<ClientOrderId, IdError> parse_cloid(std::string_view s) noexcept;
  [[nodiscard]] static Result<ClientOrderId, IdError> parse_binance(std::string_view s) noexcept;
  [[nodiscard]] static Result<ClientOrderId, IdError> parse_uuid(std::string_view s) noexcept;
};

// Hands out unique client order ids: hi = a per-session random salt (from the injected Rng at
// start-up, so ids never repeat across restarts), lo = strategy id << 48 | sequence.
// Strategy thread only.
class ClientOrderIdGenerator {
 public:
  explicit ClientOrderIdGenerator(std::uint64_t session_salt) noexcept : salt_(session_salt) {}
  [[nodiscard]] ClientOrderId next(StrategyId strategy) noexcept {
    ++seq_;
    return ClientOrderId{salt_, (std::uint64_t{strategy.value} << 48) | (seq_ & kSeqMask)};
  }
  [[nodiscard]] static constexpr StrategyId strategy_of(ClientOrderId id) noexcept {
    return StrategyId{static_cast<std::uint16_t>(id.lo >> 48)};
  }

 private:
  static constexpr std::uint64_t kSeqMask = (std::uint64_t{1} << 48) - 1;
  std::uint64_t salt_;
  std::uint64_t seq_ = 0;
};

// A venue's own order id. Hyperliquid oids and Binance orderIds are integers; Bybit and
// Coinbase use UUIDs. 128 bits hold either without allocation.
struct VenueOrderId {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  bool is_uuid = false;

  [[nodiscard]] static constexpr VenueOrderId from_int(std::uint64_t v) noexcept {
    return VenueOrderId{0, v, false};
  }
  // Accepts a decimal integer or a UUID (8-4-4-4-12 hex).
  [[nodiscard]] static Result<VenueOrderId, IdError> parse(std::string_view s) noexcept;
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] constexpr bool is_null() const noexcept { return hi == 0 && lo == 0; }
  constexpr bool operator==(const VenueOrderId&) const noexcept = default;
};

}  // namespace peregrine::common
