// Internal to the Hyperliquid order codec (order_codec.cpp, order_codec_info.cpp): the shared
// JSON field helpers and the wire order/fill readers used by both the exec and /info parsers.
// Not part of the gateway's interface; include only from those two files.
#pragma once

#include <string_view>

#include "gateways/hyperliquid/order_codec.hpp"

// Early return on the first problem. A range-for (not if-init) so nested uses inside lambdas
// passed to each_field do not shadow each other.
#define PEREGRINE_HL_TRY(expr)                                 \
  for (const CodecError peregrine_hl_e : {CodecError{expr}}) { \
    if (peregrine_hl_e != kOk) return peregrine_hl_e;          \
  }
#define PEREGRINE_HL_SJ(expr) PEREGRINE_HL_TRY(sj(expr))

namespace peregrine::gateways::hyperliquid::codec_internal {

using common::Nanos;
using namespace detail;  // NOLINT: this venue's JSON helpers (md_codec.hpp)

inline CodecError get_ms(od::value& v, Nanos& ns) noexcept {
  std::uint64_t ms = 0;
  return get_millis(v, ms, ns);
}
inline CodecError get_oid(od::value& v, common::VenueOrderId& out) noexcept {
  std::uint64_t oid = 0;
  PEREGRINE_HL_TRY(get_u64(v, oid));
  out = common::VenueOrderId::from_int(oid);
  return kOk;
}
// "0x" + 32 hex, or null.
inline CodecError get_cloid(od::value& v, common::ClientOrderId& out, bool& has) noexcept {
  std::string_view s;
  PEREGRINE_HL_TRY(get_opt_str(v, s));
  has = !s.empty();
  if (!has) return kOk;
  const auto r = common::ClientOrderId::parse_cloid(s);
  if (!r) return CodecError::kBadValue;
  out = *r;
  return kOk;
}

// The hot path's order view; OpenOrderInfo has the same field names with owned strings.
struct WireOrder {
  std::string_view coin, order_type, tif, trigger_condition;
  common::Side side = common::Side::kBuy;
  common::Price limit_price, trigger_price;
  common::Qty size, orig_size;
  common::VenueOrderId oid;
  common::ClientOrderId cloid;
  Nanos ts_venue = 0;
  bool has_cloid = false, reduce_only = false, is_trigger = false, is_position_tpsl = false;
};

// orderUpdates, openOrders, frontendOpenOrders and orderStatus orders; Order is WireOrder or
// OpenOrderInfo.
template <typename Order>
CodecError parse_wire_order(od::value& v, Order& o) {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "coin") return mark(seen, 1u, get_str(val, o.coin));
    if (k == "side") return mark(seen, 2u, get_side(val, o.side));
    if (k == "limitPx") return mark(seen, 4u, get_fixed(val, o.limit_price));
    if (k == "sz") return mark(seen, 8u, get_fixed(val, o.size));
    if (k == "oid") return mark(seen, 16u, get_oid(val, o.oid));
    if (k == "timestamp") return mark(seen, 32u, get_ms(val, o.ts_venue));
    if (k == "origSz") return mark(seen, 64u, get_fixed(val, o.orig_size));
    if (k == "cloid") return get_cloid(val, o.cloid, o.has_cloid);
    if (k == "reduceOnly") return get_bool(val, o.reduce_only);
    if (k == "isTrigger") return get_bool(val, o.is_trigger);
    if (k == "isPositionTpsl") return get_bool(val, o.is_position_tpsl);
    if (k == "triggerPx") return get_fixed(val, o.trigger_price);
    if (k == "orderType") return get_opt_str(val, o.order_type);
    if (k == "tif") return get_opt_str(val, o.tif);
    if (k == "triggerCondition") return get_opt_str(val, o.trigger_condition);
    return kOk;
  }));
  if ((seen & 63u) != 63u) return CodecError::kMissingField;
  if ((seen & 64u) == 0) o.orig_size = o.size;
  if (o.size.is_negative() || o.orig_size.is_negative()) return CodecError::kBadValue;
  return kOk;
}

// A number, or null (ordinary fills say "twapId":null) -> 0.

// WsFill and the /info userFills element; `twap_id` = its "twapId", 0 when null or absent.
CodecError parse_wire_fill(od::value& v, std::string_view& coin, common::Fill& fill,
                           std::uint64_t& twap_id) noexcept;

}  // namespace peregrine::gateways::hyperliquid::codec_internal
