#include "common/instrument.hpp"

namespace peregrine::common {

std::string_view to_string(RegistryError e) noexcept {
  switch (e) {
    case RegistryError::kOk:
      return "ok";
    case RegistryError::kDuplicate:
      return "duplicate instrument";
    case RegistryError::kBadSymbol:
      return "symbol empty or too long";
    case RegistryError::kBadTick:
      return "tick size must be positive";
    case RegistryError::kBadLot:
      return "lot size must be positive";
    case RegistryError::kFull:
      return "too many instruments";
  }
  return "unknown registry error";
}

Result<InstrumentId, RegistryError> InstrumentRegistry::add(const Instrument& spec) {
  if (spec.symbol.view().empty() || spec.asset.view().empty()) {
    return Unexpected{RegistryError::kBadSymbol};
  }
  if (!spec.tick.is_positive()) return Unexpected{RegistryError::kBadTick};
  if (!spec.lot.is_positive()) return Unexpected{RegistryError::kBadLot};
  if (instruments_.size() >= kMaxInstruments) return Unexpected{RegistryError::kFull};
  if (find(spec.venue, spec.symbol.view()).valid()) return Unexpected{RegistryError::kDuplicate};

  AssetId asset = find_asset(spec.asset.view());
  if (!asset.valid()) {
    asset = AssetId{static_cast<std::uint16_t>(assets_.size())};
    AssetEntry entry;
    entry.name = spec.asset;
    assets_.push_back(entry);
  }
  auto& slot = assets_[asset.value].by_venue[index(spec.venue)];
  if (slot.valid()) return Unexpected{RegistryError::kDuplicate};

  const InstrumentId id{static_cast<std::uint32_t>(instruments_.size())};
  Instrument inst = spec;
  inst.id = id;
  instruments_.push_back(inst);
  asset_ids_.push_back(asset);
  by_venue_[index(spec.venue)].push_back(id);
  slot = id;
  return id;
}

InstrumentId InstrumentRegistry::find(VenueId venue, std::string_view symbol) const noexcept {
  for (InstrumentId id : by_venue_[index(venue)]) {
    if (instruments_[id.value].symbol.view() == symbol) return id;
  }
  return InstrumentId{};
}

AssetId InstrumentRegistry::find_asset(std::string_view asset) const noexcept {
  for (std::size_t i = 0; i < assets_.size(); ++i) {
    if (assets_[i].name.view() == asset) return AssetId{static_cast<std::uint16_t>(i)};
  }
  return AssetId{};
}

std::string_view InstrumentRegistry::asset_name(AssetId a) const noexcept {
  return a.value < assets_.size() ? assets_[a.value].name.view() : std::string_view{};
}

InstrumentId InstrumentRegistry::on_venue(AssetId asset, VenueId venue) const noexcept {
  if (asset.value >= assets_.size()) return InstrumentId{};
  return assets_[asset.value].by_venue[index(venue)];
}

std::vector<InstrumentId> InstrumentRegistry::instruments_of(AssetId asset) const {
  std::vector<InstrumentId> out;
  if (asset.value >= assets_.size()) return out;
  for (InstrumentId id : assets_[asset.value].by_venue) {
    if (id.valid()) out.push_back(id);
  }
  return out;
}

}  // namespace peregrine::common
