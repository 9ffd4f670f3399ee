// POST /info for the simulated Hyperliquid venue (shapes as venue doc §9).
#include <vector>

#include "tools/venue_sim/hyperliquid/hl_protocol.hpp"

namespace peregrine::venue_sim::hl {

namespace {

std::int64_t ms(Nanos ns) { return ns / 1'000'000; }

}  // namespace

void HlProtocol::write_clearinghouse(cex::JsonWriter& o, const HlAccount& acc, Nanos now) const {
  o.begin_object().key("assetPositions").begin_array();
  common::Money ntl_total{}, margin_total{};
  for (const auto& inst : instruments_) {
    const auto p = ex_.position(acc.id, inst.id);
    if (p.qty.is_zero()) continue;
    const auto mark = ex_.mark_price(inst.id);
    const auto value = common::notional(mark, p.qty.abs()).value_or(common::Money{});
    const auto margin = p.margin(mark);
    const auto upnl = p.unrealized(mark);
    ntl_total += value;
    margin_total += margin;
    o.begin_object()
        .key("position")
        .begin_object()
        .kv("coin", inst.cfg->symbol)
        .kv_dec("szi", p.qty);
    o.key("leverage").begin_object().kv("type", "cross").kv_num("value", p.leverage).end_object();
    o.kv_dec("entryPx", p.entry_price).kv_dec("positionValue", value);
    o.kv_dec("unrealizedPnl", upnl);
    // returnOnEquity = uPnL / margin at entry; reported as a short decimal.
    const double roe = margin.is_zero() ? 0.0 : upnl.to_double() / margin.to_double();
    const auto roe_fixed = common::Money::from_double(roe, common::Money::from_raw(1),
                                                      common::RoundMode::kNearestEven);
    o.kv_dec("returnOnEquity", roe_fixed.value_or(common::Money{}));
    o.key("liquidationPx").null().kv_dec("marginUsed", margin);
    o.kv_num("maxLeverage", inst.cfg->max_leverage);
    o.key("cumFunding").begin_object().kv("allTime", "0.0").kv("sinceOpen", "0.0");
    o.kv("sinceChange", "0.0").end_object();
    o.end_object().kv("type", "oneWay").end_object();
  }
  o.end_array();
  const auto bal = ex_.balance(acc.id);
  const auto account_value = bal.wallet + bal.unrealized;
  auto summary = [&](std::string_view key) {
    o.key(key)
        .begin_object()
        .kv_dec("accountValue", account_value)
        .kv_dec("totalNtlPos", ntl_total);
    o.kv_dec("totalRawUsd", bal.wallet).kv_dec("totalMarginUsed", margin_total).end_object();
  };
  summary("marginSummary");
  summary("crossMarginSummary");
  o.kv("crossMaintenanceMarginUsed", "0.0");
  const auto withdrawable = bal.available.is_negative() ? common::Money{} : bal.available;
  o.kv_dec("withdrawable", withdrawable).kv_num("time", ms(now)).end_object();
}

std::string HlProtocol::info(std::string_view body, Nanos now, int* status) {
  *status = 200;
  simdjson::dom::element req;
  std::string_view type;
  if (info_parser_.parse(body.data(), body.size()).get(req) != simdjson::SUCCESS ||
      req["type"].get_string().get(type) != simdjson::SUCCESS) {
    *status = 422;
    return std::string(kDeserializeError);
  }
  std::string_view user;
  if (req["user"].get_string().get(user) != simdjson::SUCCESS) user = {};
  HlAccount* acc = user.empty() ? nullptr : by_user(user);
  cex::JsonWriter o;
  auto write_meta = [&] {
    o.begin_object().key("universe").begin_array();
    for (const auto& i : instruments_) {
      o.begin_object().kv("name", i.cfg->symbol).kv_num("szDecimals", i.cfg->size_decimals);
      o.kv_num("maxLeverage", i.cfg->max_leverage).kv_num("marginTableId", i.cfg->max_leverage);
      o.end_object();
    }
    o.end_array().key("marginTables").begin_array();
    std::vector<int> seen;
    for (const auto& i : instruments_) {
      const int lev = i.cfg->max_leverage;
      if (std::find(seen.begin(), seen.end(), lev) != seen.end()) continue;
      seen.push_back(lev);
      o.begin_array()
          .num(lev)
          .begin_object()
          .kv("description", "")
          .key("marginTiers")
          .begin_array();
      o.begin_object().kv("lowerBound", "0.0").kv_num("maxLeverage", lev).end_object();
      o.end_array().end_object().end_array();
    }
    o.end_array().kv_num("collateralToken", 0).end_object();
  };
  if (type == "meta") {
    write_meta();
  } else if (type == "metaAndAssetCtxs") {
    o.begin_array();
    write_meta();
    o.begin_array();
    for (const auto& i : instruments_) {
      const auto m = mid(i);
      const auto bid = ex_.best(i.id, common::BookSide::kBid).value_or(m);
      const auto ask = ex_.best(i.id, common::BookSide::kAsk).value_or(m);
      o.begin_object().kv("funding", "0.0000125").kv("openInterest", "0.0").kv_dec("prevDayPx", m);
      o.kv("dayNtlVlm", "0.0").kv("premium", "0.0").kv_dec("oraclePx", m);
      o.kv_dec("markPx", ex_.mark_price(i.id).is_zero() ? m : ex_.mark_price(i.id));
      o.kv_dec("midPx", m).key("impactPxs").begin_array().dec(bid).dec(ask).end_array();
      o.kv("dayBaseVlm", "0.0").end_object();
    }
    o.end_array().end_array();
  } else if (type == "allMids") {
    o.begin_object();
    for (const auto& i : instruments_) o.kv_dec(i.cfg->symbol, mid(i));
    o.end_object();
  } else if (type == "l2Book") {
    std::string_view coin;
    if (req["coin"].get_string().get(coin) != simdjson::SUCCESS) coin = {};
    HlInstrument* inst = by_coin(coin);
    if (inst == nullptr) return "null";  // the venue answers null for an unknown coin
    write_book(o, *inst, now);
  } else if (type == "clearinghouseState") {
    if (user.empty()) {
      *status = 422;
      return std::string(kDeserializeError);
    }
    if (acc == nullptr) {
      // An address the venue has never seen: an empty account.
      o.begin_object().key("assetPositions").begin_array().end_array();
      for (std::string_view k : {"marginSummary", "crossMarginSummary"}) {
        o.key(k).begin_object().kv("accountValue", "0.0").kv("totalNtlPos", "0.0");
        o.kv("totalRawUsd", "0.0").kv("totalMarginUsed", "0.0").end_object();
      }
      o.kv("crossMaintenanceMarginUsed", "0.0").kv("withdrawable", "0.0");
      o.kv_num("time", ms(now)).end_object();
    } else {
      write_clearinghouse(o, *acc, now);
    }
  } else if (type == "openOrders" || type == "frontendOpenOrders") {
    if (user.empty()) {
      *status = 422;
      return std::string(kDeserializeError);
    }
    o.begin_array();
    if (acc != nullptr) {
      // The venue lists newest first.
      std::vector<gs::SimOrder> open;
      ex_.for_each_open_order(acc->id, std::nullopt,
                              [&](const gs::SimOrder& ord) { open.push_back(ord); });
      for (auto it = open.rbegin(); it != open.rend(); ++it) {
        if (type == "openOrders") {
          write_order_basic(o, *it);
        } else {
          write_frontend_order(o, *it);
        }
      }
    }
    o.end_array();
  } else if (type == "orderStatus") {
    if (user.empty()) {
      *status = 422;
      return std::string(kDeserializeError);
    }
    const gs::SimOrder* ord = nullptr;
    std::uint64_t oid = 0;
    std::string_view cloid;
    if (acc != nullptr) {
      if (req["oid"].get_uint64().get(oid) == simdjson::SUCCESS) {
        ord = ex_.find_order(acc->id, oid);
      } else if (req["oid"].get_string().get(cloid) == simdjson::SUCCESS) {
        ord = ex_.find_by_client_id(acc->id, cloid);
      }
    }
    if (ord == nullptr) return "{\"status\":\"unknownOid\"}";
    o.begin_object().kv("status", "order").key("order").begin_object().key("order");
    write_frontend_order(o, *ord);
    o.kv("status", order_status_text(*ord)).kv_num("statusTimestamp", ms(ord->updated));
    o.end_object().end_object();
  } else if (type == "userFills" || type == "userFillsByTime") {
    if (user.empty()) {
      *status = 422;
      return std::string(kDeserializeError);
    }
    o.begin_array();
    if (acc != nullptr) {
      std::vector<gs::SimFill> fills;
      ex_.for_each_fill(acc->id, [&](const gs::SimFill& f) { fills.push_back(f); });
      // Newest first; each fill's startPosition is found by walking back from the current
      // position, one instrument at a time.
      std::vector<std::pair<common::InstrumentId, common::Qty>> pos;
      auto position_of = [&](const gs::SimFill& f) -> common::Qty& {
        for (auto& [id, q] : pos) {
          if (id == f.instrument) return q;
        }
        pos.emplace_back(f.instrument, ex_.position(acc->id, f.instrument, f.position_side).qty);
        return pos.back().second;
      };
      std::size_t n = 0;
      for (auto it = fills.rbegin(); it != fills.rend() && n < 2000; ++it, ++n) {
        common::Qty& p = position_of(*it);
        p -= it->side == common::Side::kBuy ? it->qty : -it->qty;
        write_fill(o, *it, p);
      }
    }
    o.end_array();
  } else if (type == "spotMeta" || type == "spotMetaAndAssetCtxs") {
    // The simulator lists perpetuals only; spot has just the collateral token (USDC, index 0),
    // the shape clients read to find the quote asset.
    if (type == "spotMetaAndAssetCtxs") o.begin_array();
    o.begin_object().key("universe").begin_array().end_array().key("tokens").begin_array();
    o.begin_object().kv("name", "USDC").kv_num("szDecimals", 8).kv_num("weiDecimals", 8);
    o.kv_num("index", 0).kv("tokenId", "0x6d1e7cde53ba9467b783cb7c530ce054");
    o.key("isCanonical").boolean(true).key("evmContract").null().key("fullName").null();
    o.end_object().end_array().end_object();
    if (type == "spotMetaAndAssetCtxs") o.begin_array().end_array().end_array();
  } else if (type == "twapHistory" || type == "userTwapSliceFills") {
    if (user.empty()) {
      *status = 422;
      return std::string(kDeserializeError);
    }
    // Oldest first (the venue doc does not give the order).
    o.begin_array();
    if (acc != nullptr) {
      for (const auto& e : type == "twapHistory" ? acc->twap_history_log : acc->twap_fill_log) {
        o.raw(e);
      }
    }
    o.end_array();
  } else if (type == "perpDexs") {
    o.begin_array().null().end_array();  // only the first (default) perp dex
  } else if (type == "userAbstraction") {
    if (user.empty()) {
      *status = 422;
      return std::string(kDeserializeError);
    }
    return "\"default\"";  // a JSON string: every simulated account is a standard account
  } else {
    *status = 422;
    return std::string(kDeserializeError);
  }
  return o.take();
}

}  // namespace peregrine::venue_sim::hl
