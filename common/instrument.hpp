// Instruments and the registry mapping a canonical asset (BTC) to each venue's instrument.
// Built at start-up (any thread); read-only afterwards, so any thread may read it.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/decimal.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"

namespace peregrine::common {

// Short fixed-capacity string so Instrument stays trivially copyable and cache-friendly.
class Symbol {
 public:
  static constexpr std::size_t kCapacity = 23;
  constexpr Symbol() noexcept = default;
  // Truncation is refused: returns false and leaves the symbol empty.
  [[nodiscard]] bool assign(std::string_view s) noexcept {
    if (s.size() > kCapacity) return false;
    std::memcpy(data_.data(), s.data(), s.size());
    len_ = static_cast<std::uint8_t>(s.size());
    return true;
  }
  [[nodiscard]] std::string_view view() const noexcept { return {data_.data(), len_}; }
  bool operator==(const Symbol& o) const noexcept { return view() == o.view(); }

 private:
  std::array<char, kCapacity> data_{};
  std::uint8_t len_ = 0;
};

// Fee rates and other dimensionless ratios at 1e-8 (0.00045 = 4.5 bp).
struct RateTag {};
using Rate = Fixed<RateTag>;

enum class InstrumentKind : std::uint8_t { kPerpetual, kSpot };

struct Instrument {
  InstrumentId id;
  VenueId venue = VenueId::kHyperliquid;
  InstrumentKind kind = InstrumentKind::kPerpetual;
  Symbol symbol;  // venue's name: "BTC", "BTCUSDT", "BTC-PERP-INTX"
  Symbol asset;   // canonical asset: "BTC"
  Price tick;
  Qty lot;
  Qty min_qty;
  Money min_notional;
  Rate maker_fee;
  Rate taker_fee;
  std::int32_t asset_index = -1;   // Hyperliquid asset id; -1 elsewhere
  std::int8_t size_decimals = -1;  // Hyperliquid szDecimals; -1 elsewhere

  [[nodiscard]] bool price_on_tick(Price p) const noexcept { return p.on_grid(tick); }
  [[nodiscard]] bool qty_on_lot(Qty q) const noexcept { return q.on_grid(lot); }
  [[nodiscard]] Result<Price, DecimalError> round_price(Price p, RoundMode m) const noexcept {
    return p.round_to(tick, m);
  }
  [[nodiscard]] Result<Qty, DecimalError> round_qty(Qty q, RoundMode m) const noexcept {
    return q.round_to(lot, m);
  }
};
static_assert(std::is_trivially_copyable_v<Instrument>);

enum class RegistryError : std::uint8_t {
  kOk = 0,
  kDuplicate,  // same venue + symbol twice, or a second instrument for venue + asset
  kBadSymbol,  // empty or longer than Symbol::kCapacity
  kBadTick,    // tick must be > 0
  kBadLot,     // lot must be > 0
  kFull,
};
[[nodiscard]] std::string_view to_string(RegistryError e) noexcept;

// Canonical asset index, dense from 0 in order of first registration.
struct AssetId {
  std::uint16_t value = 0xffff;
  [[nodiscard]] constexpr bool valid() const noexcept { return value != 0xffff; }
  constexpr auto operator<=>(const AssetId&) const noexcept = default;
};

class InstrumentRegistry {
 public:
  static constexpr std::size_t kMaxInstruments = 4096;

  // Start-up: validates and assigns the id (the `id` field of `spec` is ignored).
  [[nodiscard]] Result<InstrumentId, RegistryError> add(const Instrument& spec);

  [[nodiscard]] const Instrument& get(InstrumentId id) const noexcept {
    PEREGRINE_ASSERT(id.value < instruments_.size());
    return instruments_[id.value];
  }
  [[nodiscard]] std::size_t size() const noexcept { return instruments_.size(); }
  // Linear scan of one venue's instruments: with tens of instruments per venue this beats a
  // hash map (no hashing, one cache line per few entries). Invalid id when absent.
  [[nodiscard]] InstrumentId find(VenueId venue, std::string_view symbol) const noexcept;
  [[nodiscard]] AssetId find_asset(std::string_view asset) const noexcept;
  [[nodiscard]] AssetId asset_of(InstrumentId id) const noexcept { return asset_ids_[id.value]; }
  [[nodiscard]] std::string_view asset_name(AssetId a) const noexcept;
  [[nodiscard]] std::size_t asset_count() const noexcept { return assets_.size(); }
  // The instrument for `asset` on `venue`, invalid id when that venue does not list it.
  [[nodiscard]] InstrumentId on_venue(AssetId asset, VenueId venue) const noexcept;
  // Every instrument of one canonical asset, one per venue at most.
  [[nodiscard]] std::vector<InstrumentId> instruments_of(AssetId asset) const;

 private:
  struct AssetEntry {
    Symbol name;
    std::array<InstrumentId, kVenueCount> by_venue{};
  };
  std::vector<Instrument> instruments_;
  std::vector<AssetId> asset_ids_;
  std::vector<AssetEntry> assets_;
  std::array<std::vector<InstrumentId>, kVenueCount> by_venue_;
};

}  // namespace peregrine::common
