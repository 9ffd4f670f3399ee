// Bybit symbol -> InstrumentId lookup for one WebSocket connection (one category: linear or spot).
// Filled at start-up; then owned by the one thread that parses that connection's frames.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ids.hpp"
#include "common/instrument.hpp"

namespace peregrine::gateways::bybit {

// Why a table of its own rather than InstrumentRegistry::find: Bybit uses the same name
// ("BTCUSDT") for the linear perp and the spot pair, and the registry holds one instrument per
// venue + symbol. Each connection (linear, spot) gets its own table, so the two books of
// "BTCUSDT" can never be mixed. A linear scan over a few dozen inline Symbols beats hashing, and
// the last hit is cached because frames of one topic come in runs.
class SymbolTable {
 public:
  static constexpr std::size_t kCapacity = 256;
  static constexpr int kNotFound = -1;

  SymbolTable() = default;

  // Every instrument of `kind` that the registry lists for Bybit. Start-up.
  [[nodiscard]] static SymbolTable from_registry(const common::InstrumentRegistry& registry,
                                                 common::InstrumentKind kind) noexcept {
    SymbolTable t;
    for (std::uint32_t i = 0; i < registry.size(); ++i) {
      const common::Instrument& in = registry.get(common::InstrumentId{i});
      if (in.venue == common::VenueId::kBybit && in.kind == kind) {
        static_cast<void>(t.bind(in.symbol.view(), in.id));
      }
    }
    return t;
  }

  // False (nothing bound) when the table is full, the symbol is empty, too long or already bound.
  [[nodiscard]] bool bind(std::string_view symbol, common::InstrumentId id) noexcept {
    if (count_ >= kCapacity || symbol.empty() || find(symbol) != kNotFound) return false;
    if (!entries_[count_].symbol.assign(symbol)) return false;
    entries_[count_].id = id;
    ++count_;
    return true;
  }

  // Index of `symbol`, or kNotFound.
  [[nodiscard]] int find(std::string_view symbol) const noexcept {
    if (last_ < count_ && entries_[last_].symbol.view() == symbol) return static_cast<int>(last_);
    for (std::size_t i = 0; i < count_; ++i) {
      if (entries_[i].symbol.view() == symbol) {
        last_ = i;
        return static_cast<int>(i);
      }
    }
    return kNotFound;
  }
  [[nodiscard]] common::InstrumentId id(std::size_t index) const noexcept {
    return entries_[index].id;
  }
  [[nodiscard]] std::string_view symbol(std::size_t index) const noexcept {
    return entries_[index].symbol.view();
  }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  struct Entry {
    common::Symbol symbol;
    common::InstrumentId id;
  };
  std::array<Entry, kCapacity> entries_{};
  std::size_t count_ = 0;
  mutable std::size_t last_ = 0;
};

}  // namespace peregrine::gateways::bybit
