#include "gateways/hyperliquid/actions.hpp"

namespace peregrine::gateways::hyperliquid {

std::string_view to_string(Tif t) noexcept {
  switch (t) {
    case Tif::kGtc:
      return "Gtc";
    case Tif::kIoc:
      return "Ioc";
    case Tif::kAlo:
      return "Alo";
  }
  return "Gtc";
}

std::string_view to_string(Tpsl t) noexcept { return t == Tpsl::kTp ? "tp" : "sl"; }

std::string_view to_string(Grouping g) noexcept {
  switch (g) {
    case Grouping::kNa:
      return "na";
    case Grouping::kNormalTpsl:
      return "normalTpsl";
    case Grouping::kPositionTpsl:
      return "positionTpsl";
  }
  return "na";
}

WireError validate(const OrderWire& o, const AssetSpec& spec) noexcept {
  if (WireError e = check_price(o.price, spec.sz_decimals, spec.market); e != WireError::kOk) {
    return e;
  }
  if (WireError e = check_size(o.size, spec.sz_decimals); e != WireError::kOk) return e;
  if (o.is_trigger) {
    return check_price(o.trigger_price, spec.sz_decimals, spec.market);
  }
  return WireError::kOk;
}

}  // namespace peregrine::gateways::hyperliquid
