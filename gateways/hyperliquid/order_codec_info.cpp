// /info parsers of the Hyperliquid order codec (meta, asset contexts, clearinghouse state, open
// orders, order status, user fills). Start-up and reconciliation paths: these may allocate.
#include <utility>
#include <vector>

#include "gateways/hyperliquid/order_codec.hpp"
#include "gateways/hyperliquid/order_codec_internal.hpp"

namespace peregrine::gateways::hyperliquid {

using common::Nanos;
using namespace detail;          // NOLINT: this venue's JSON helpers (md_codec.hpp)
using namespace codec_internal;  // NOLINT: shared with order_codec.cpp

// ---- InfoParser -------------------------------------------------------------------------------

namespace {

template <typename T, typename Fn>
common::Result<T, CodecError> run_info(od::parser& parser, simdjson::padded_string& input,
                                       std::string_view json, Fn&& fn) {
  T out{};
  const auto body = [&]() -> CodecError {
    PEREGRINE_HL_TRY(classify(json, nullptr));
    input = simdjson::padded_string(json);
    od::document doc;
    PEREGRINE_HL_SJ(parser.iterate(input).get(doc));
    return fn(doc, out);
  };
  if (const CodecError e = body(); e != kOk) return common::Unexpected{e};
  return out;
}

CodecError parse_universe(od::object& meta, std::vector<AssetMeta>& out) {
  bool has_universe = false;
  PEREGRINE_HL_TRY(each_field(meta, [&](Key k, od::value& val) {
    if (k != "universe") return kOk;
    has_universe = true;
    out.clear();
    return each_element(val, [&](od::value& asset) {
      AssetMeta m;
      m.asset = static_cast<std::int32_t>(out.size());
      std::uint32_t decimals = 0;
      unsigned seen = 0;
      PEREGRINE_HL_TRY(each_field(asset, [&](Key ak, od::value& av) {
        if (ak == "name") return mark(seen, 1u, get_str(av, m.name));
        if (ak == "szDecimals") return mark(seen, 2u, get_u32(av, decimals));
        if (ak == "maxLeverage") return mark(seen, 4u, get_u32(av, m.max_leverage));
        if (ak == "isDelisted") return get_bool(av, m.is_delisted);
        if (ak == "onlyIsolated") return get_bool(av, m.only_isolated);
        return kOk;
      }));
      if (seen != 7u) return CodecError::kMissingField;
      if (decimals > 8) return CodecError::kBadValue;
      m.size_decimals = static_cast<std::int32_t>(decimals);
      out.push_back(std::move(m));
      return kOk;
    });
  }));
  return has_universe ? kOk : CodecError::kMissingField;
}

CodecError parse_ctx(od::value& v, AssetCtx& c) {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "markPx") return mark(seen, 1u, get_fixed(val, c.mark_price));
    if (k == "oraclePx") return mark(seen, 2u, get_fixed(val, c.oracle_price));
    if (k == "funding") {
      return mark(seen, 4u, get_fixed(val, c.funding, common::ParseMode::kTruncate));
    }
    if (k == "midPx") return get_opt_fixed(val, c.mid_price, c.has_mid);
    return kOk;
  }));
  return seen == 7u ? kOk : CodecError::kMissingField;
}

CodecError parse_position(od::value& v, PositionInfo& p) {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "coin") return mark(seen, 1u, get_str(val, p.coin));
    if (k == "szi") return mark(seen, 2u, get_fixed(val, p.size));
    if (k == "entryPx") return get_opt_fixed(val, p.entry_price, p.has_entry_price);
    if (k == "liquidationPx") {
      return get_opt_fixed(val, p.liquidation_price, p.has_liquidation_price);
    }
    if (k == "unrealizedPnl") return get_fixed(val, p.unrealized_pnl);
    if (k == "marginUsed") return get_fixed(val, p.margin_used);
    if (k == "positionValue") return get_fixed(val, p.position_value);
    if (k != "leverage") return kOk;
    std::string_view type;
    PEREGRINE_HL_TRY(each_field(val, [&](Key lk, od::value& lv) {
      if (lk == "type") return get_str(lv, type);
      if (lk == "value") return get_u32(lv, p.leverage);
      return kOk;
    }));
    if (type != "cross" && type != "isolated") return CodecError::kBadValue;
    p.leverage_type = type == "cross" ? LeverageType::kCross : LeverageType::kIsolated;
    return kOk;
  }));
  return seen == 3u ? kOk : CodecError::kMissingField;
}

}  // namespace

common::Result<std::vector<AssetMeta>, CodecError> InfoParser::parse_meta(std::string_view json) {
  return run_info<std::vector<AssetMeta>>(parser_, input_, json,
                                          [](od::document& doc, std::vector<AssetMeta>& out) {
                                            od::object root;
                                            PEREGRINE_HL_SJ(doc.get_object().get(root));
                                            return parse_universe(root, out);
                                          });
}

// [meta, [ctx...]] with ctxs[i] belonging to universe[i].
common::Result<MetaAndAssetCtxs, CodecError> InfoParser::parse_meta_and_asset_ctxs(
    std::string_view json) {
  return run_info<MetaAndAssetCtxs>(
      parser_, input_, json, [](od::document& doc, MetaAndAssetCtxs& out) {
        od::array pair;
        PEREGRINE_HL_SJ(doc.get_array().get(pair));
        std::size_t index = 0;
        PEREGRINE_HL_TRY(each_element(pair, [&](od::value& v) {
          const std::size_t i = index++;
          if (i == 0) {
            od::object meta;
            PEREGRINE_HL_SJ(v.get_object().get(meta));
            return parse_universe(meta, out.universe);
          }
          if (i > 1) return CodecError::kBadValue;
          return each_element(v, [&](od::value& ctx) {
            AssetCtx c;
            PEREGRINE_HL_TRY(parse_ctx(ctx, c));
            out.ctxs.push_back(c);
            return kOk;
          });
        }));
        if (index != 2) return CodecError::kMissingField;
        return out.ctxs.size() == out.universe.size() ? kOk : CodecError::kBadValue;
      });
}

common::Result<ClearinghouseState, CodecError> InfoParser::parse_clearinghouse_state(
    std::string_view json) {
  return run_info<ClearinghouseState>(
      parser_, input_, json, [this](od::document& doc, ClearinghouseState& out) {
        od::object root;
        PEREGRINE_HL_SJ(doc.get_object().get(root));
        unsigned seen = 0;
        PEREGRINE_HL_TRY(each_field(root, [&](Key k, od::value& val) {
          if (k == "withdrawable") return mark(seen, 4u, get_fixed(val, out.withdrawable));
          if (k == "time") return get_ms(val, out.ts_venue);
          if (k == "marginSummary") {
            return each_field(val, [&](Key sk, od::value& sv) {
              if (sk == "accountValue") return mark(seen, 2u, get_fixed(sv, out.account_value));
              if (sk == "totalMarginUsed") return get_fixed(sv, out.total_margin_used);
              if (sk == "totalNtlPos") return get_fixed(sv, out.total_ntl_pos);
              return kOk;
            });
          }
          if (k != "assetPositions") return kOk;
          seen |= 1u;
          return each_element(val, [&](od::value& entry) {
            PositionInfo p;
            unsigned has_position = 0;
            PEREGRINE_HL_TRY(each_field(entry, [&](Key ek, od::value& ev) {
              return ek == "position" ? mark(has_position, 1u, parse_position(ev, p)) : kOk;
            }));
            if (has_position == 0) return CodecError::kMissingField;
            p.instrument = registry_.find(common::VenueId::kHyperliquid, p.coin);
            if (!p.instrument.valid()) ++unknown_coins_;
            out.positions.push_back(std::move(p));
            return kOk;
          });
        }));
        return seen == 7u ? kOk : CodecError::kMissingField;
      });
}

common::Result<std::vector<OpenOrderInfo>, CodecError> InfoParser::parse_open_orders(
    std::string_view json) {
  return run_info<std::vector<OpenOrderInfo>>(
      parser_, input_, json, [this](od::document& doc, std::vector<OpenOrderInfo>& out) {
        od::array orders;
        PEREGRINE_HL_SJ(doc.get_array().get(orders));
        return each_element(orders, [&](od::value& v) {
          OpenOrderInfo o;
          PEREGRINE_HL_TRY(parse_wire_order(v, o));
          o.instrument = registry_.find(common::VenueId::kHyperliquid, o.coin);
          if (!o.instrument.valid()) ++unknown_coins_;
          out.push_back(std::move(o));
          return kOk;
        });
      });
}

// {"status":"order","order":{"order":{...},"status":S,"statusTimestamp":ms}} or
// {"status":"unknownOid"}.
common::Result<OrderStatusInfo, CodecError> InfoParser::parse_order_status(std::string_view json) {
  return run_info<OrderStatusInfo>(
      parser_, input_, json, [this](od::document& doc, OrderStatusInfo& out) {
        od::object root;
        PEREGRINE_HL_SJ(doc.get_object().get(root));
        std::string_view status, text;
        unsigned seen = 0;
        PEREGRINE_HL_TRY(each_field(root, [&](Key k, od::value& val) {
          if (k == "status") return get_str(val, status);
          if (k != "order") return kOk;
          return each_field(val, [&](Key ik, od::value& iv) {
            if (ik == "order") return mark(seen, 1u, parse_wire_order(iv, out.order));
            if (ik == "status") return mark(seen, 2u, get_str(iv, text));
            if (ik == "statusTimestamp") return get_ms(iv, out.status_ts);
            return kOk;
          });
        }));
        if (status == "unknownOid") return kOk;
        if (status != "order")
          return status.empty() ? CodecError::kMissingField : CodecError::kBadValue;
        if (seen != 3u) return CodecError::kMissingField;
        out.order.instrument = registry_.find(common::VenueId::kHyperliquid, out.order.coin);
        if (!out.order.instrument.valid()) ++unknown_coins_;
        out.found = true;
        out.status = map_order_status(text, out.order.size, out.order.orig_size);
        out.status_text = text;
        return kOk;
      });
}

common::Result<std::vector<common::Fill>, CodecError> InfoParser::parse_user_fills(
    std::string_view json, std::vector<std::uint64_t>* twap_ids) {
  if (twap_ids != nullptr) twap_ids->clear();
  return run_info<std::vector<common::Fill>>(
      parser_, input_, json, [this, twap_ids](od::document& doc, std::vector<common::Fill>& out) {
        od::array fills;
        PEREGRINE_HL_SJ(doc.get_array().get(fills));
        CoinCache coins{registry_};
        return each_element(fills, [&](od::value& v) {
          common::Fill fill;
          std::string_view coin;
          std::uint64_t twap_id = 0;
          PEREGRINE_HL_TRY(parse_wire_fill(v, coin, fill, twap_id));
          fill.instrument = coins.find(coin);
          if (!fill.instrument.valid()) {
            ++unknown_coins_;
            return kOk;
          }
          out.push_back(fill);
          if (twap_ids != nullptr) twap_ids->push_back(twap_id);
          return kOk;
        });
      });
}

#undef PEREGRINE_HL_TRY
#undef PEREGRINE_HL_SJ

}  // namespace peregrine::gateways::hyperliquid
