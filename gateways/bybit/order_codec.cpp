// Request builders and reject-reason mapping. The ExecParser lives in order_parser.cpp.
#include "gateways/bybit/order_codec.hpp"

#include <cstring>

#include "gateways/bybit/wire.hpp"

namespace peregrine::gateways::bybit {
namespace {

using common::OrderType;
using common::RejectReason;
using common::Side;
using common::TimeInForce;
using detail::JsonObject;
using detail::QueryString;
using detail::TextSink;

constexpr std::size_t kMaxSymbolLen = 32;
constexpr std::size_t kMaxCoinsLen = 64;
constexpr std::size_t kMaxCursorLen = 256;

bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() > kMaxSymbolLen) return false;
  for (const char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// One coin, or (when `list`) several separated by single commas.
bool valid_coins(std::string_view s, bool list) noexcept {
  if (s.empty() || s.size() > kMaxCoinsLen || s.front() == ',' || s.back() == ',') return false;
  char prev = 0;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (list && c == ',');
    if (!ok || (c == ',' && prev == ',')) return false;
    prev = c;
  }
  return true;
}

bool valid_cursor(std::string_view s) noexcept {
  if (s.size() > kMaxCursorLen) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '%' || c == '.' || c == '_' || c == '~' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view side_text(Side s) noexcept { return s == Side::kBuy ? "Buy" : "Sell"; }

std::string_view tif_text(TimeInForce t) noexcept {
  switch (t) {
    case TimeInForce::kGtc:
      return "GTC";
    case TimeInForce::kIoc:
      return "IOC";
    case TimeInForce::kFok:
      return "FOK";
    case TimeInForce::kPostOnly:
      return "PostOnly";
  }
  return "GTC";
}

std::string_view trigger_by_text(TriggerBy t) noexcept {
  switch (t) {
    case TriggerBy::kLastPrice:
      return "LastPrice";
    case TriggerBy::kIndexPrice:
      return "IndexPrice";
    case TriggerBy::kMarkPrice:
      return "MarkPrice";
    case TriggerBy::kDefault:
      break;
  }
  return {};
}

std::string_view filter_text(OrderFilter f) noexcept {
  return f == OrderFilter::kOrder ? "Order" : f == OrderFilter::kStopOrder ? "StopOrder" : "";
}

BuildResult finish(const TextSink& sink) noexcept {
  if (sink.overflow()) return common::Unexpected{BuildError::kOverflow};
  return sink.size();
}

// orderId then orderLinkId, as in the cancel and amend tables.
void put_ref_ids(JsonObject& json, const OrderRef& r) noexcept {
  if (!r.order_id.is_null()) {
    char id[common::ClientOrderId::kUuidLen];
    json.str("orderId", std::string_view(id, write_venue_order_id(r.order_id, id)));
  }
  if (!r.cloid.is_null()) {
    char link[common::ClientOrderId::kBinanceLen];
    json.str("orderLinkId", std::string_view(link, r.cloid.write_binance(link)));
  }
}

bool contains_ci(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    for (; j < needle.size(); ++j) {
      char c = hay[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != needle[j]) break;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

// 10001 / 170130 are "parameter error" for anything; the text says which.
RejectReason from_param_text(std::string_view msg) noexcept {
  if (contains_ci(msg, "price")) return RejectReason::kInvalidPrice;
  if (contains_ci(msg, "qty") || contains_ci(msg, "quantity")) return RejectReason::kInvalidQty;
  return RejectReason::kOther;
}

}  // namespace

std::string_view to_string(Category c) noexcept {
  switch (c) {
    case Category::kLinear:
      return "linear";
    case Category::kSpot:
      return "spot";
    case Category::kInverse:
      return "inverse";
  }
  return "linear";
}

std::string_view to_string(BuildError e) noexcept {
  switch (e) {
    case BuildError::kOk:
      return "ok";
    case BuildError::kOverflow:
      return "output buffer too small";
    case BuildError::kBadSymbol:
      return "bad symbol";
    case BuildError::kBadCoin:
      return "bad coin";
    case BuildError::kBadPrice:
      return "bad price";
    case BuildError::kBadQty:
      return "bad quantity";
    case BuildError::kMissingPrice:
      return "limit order without a price";
    case BuildError::kMissingTrigger:
      return "conditional order without a trigger price";
    case BuildError::kBadCombination:
      return "invalid combination of order fields";
    case BuildError::kMissingId:
      return "no order id, client id or filter";
    case BuildError::kBadCursor:
      return "bad cursor";
    case BuildError::kBadValue:
      return "value out of range";
    case BuildError::kUnsupported:
      return "unsupported order type";
  }
  return "unknown build error";
}

std::size_t write_venue_order_id(const common::VenueOrderId& id, char* out) noexcept {
  if (id.is_uuid) return common::ClientOrderId{id.hi, id.lo}.write_uuid(out);
  char buf[20];
  std::size_t n = 0;
  std::uint64_t v = id.lo;
  do {
    buf[sizeof(buf) - 1 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  std::memcpy(out, buf + sizeof(buf) - n, n);
  return n;
}

NewOrder new_order_from_intent(const common::OrderIntent& intent,
                               std::string_view symbol) noexcept {
  NewOrder o;
  o.symbol = symbol;
  o.category = Category::kLinear;
  o.cloid = intent.cloid;
  o.side = intent.side;
  o.type = intent.type;
  o.tif = intent.tif;
  o.qty = intent.qty;
  o.price = intent.price;
  o.trigger_price = intent.trigger_price;
  o.position_idx = position_idx_for(intent.position_side);
  o.reduce_only = (intent.flags & common::intent_flags::kReduceOnly) != 0;
  o.close_on_trigger = (intent.flags & common::intent_flags::kClosePosition) != 0;
  return o;
}

BuildResult write_create_order(const NewOrder& o, char* out, std::size_t cap) noexcept {
  if (!valid_symbol(o.symbol)) return common::Unexpected{BuildError::kBadSymbol};
  if (!o.qty.is_positive()) return common::Unexpected{BuildError::kBadQty};
  bool is_limit = false;
  bool conditional = false;
  bool take_profit_kind = false;
  switch (o.type) {
    case OrderType::kLimit:
      is_limit = true;
      break;
    case OrderType::kMarket:
      break;
    case OrderType::kStopMarket:
      conditional = true;
      break;
    case OrderType::kStopLimit:
      conditional = is_limit = true;
      break;
    case OrderType::kTakeProfitMarket:
      conditional = take_profit_kind = true;
      break;
    case OrderType::kTakeProfitLimit:
      conditional = take_profit_kind = is_limit = true;
      break;
    case OrderType::kTrailingStopMarket:
      return common::Unexpected{BuildError::kUnsupported};
  }
  if (is_limit && o.price.is_negative()) return common::Unexpected{BuildError::kBadPrice};
  if (is_limit && o.price.is_zero()) return common::Unexpected{BuildError::kMissingPrice};
  if (conditional && o.trigger_price.is_negative()) {
    return common::Unexpected{BuildError::kBadPrice};
  }
  if (conditional && o.trigger_price.is_zero()) {
    return common::Unexpected{BuildError::kMissingTrigger};
  }
  if (o.take_profit.is_negative() || o.stop_loss.is_negative()) {
    return common::Unexpected{BuildError::kBadPrice};
  }
  const bool has_tpsl = o.take_profit.is_positive() || o.stop_loss.is_positive();
  if (!is_limit && o.tif == TimeInForce::kPostOnly) {
    return common::Unexpected{BuildError::kBadCombination};
  }
  if (o.reduce_only && has_tpsl) return common::Unexpected{BuildError::kBadCombination};
  if (o.position_idx > 2) return common::Unexpected{BuildError::kBadValue};
  const bool spot = o.category == Category::kSpot;
  if (spot && (conditional || o.reduce_only || o.close_on_trigger || o.position_idx != 0)) {
    return common::Unexpected{BuildError::kUnsupported};
  }

  TextSink sink(out, cap);
  JsonObject json(sink);
  json.str("category", to_string(o.category));
  json.str("symbol", o.symbol);
  json.str("side", side_text(o.side));
  json.str("orderType", is_limit ? "Limit" : "Market");
  json.dec("qty", o.qty);
  if (is_limit) json.dec("price", o.price);
  if (conditional) {
    TriggerDirection dir = o.trigger_direction;
    if (dir == TriggerDirection::kAuto) {
      // A stop fires when the price moves against the order's side, a take-profit with it.
      const bool rise = (o.side == Side::kBuy) != take_profit_kind;
      dir = rise ? TriggerDirection::kRise : TriggerDirection::kFall;
    }
    json.integer("triggerDirection", static_cast<std::uint64_t>(dir));
    json.dec("triggerPrice", o.trigger_price);
    if (o.trigger_by != TriggerBy::kDefault) json.str("triggerBy", trigger_by_text(o.trigger_by));
  }
  if (is_limit) json.str("timeInForce", tif_text(o.tif));
  if (!spot) json.integer("positionIdx", o.position_idx);
  if (!o.cloid.is_null()) {
    char link[common::ClientOrderId::kBinanceLen];
    json.str("orderLinkId", std::string_view(link, o.cloid.write_binance(link)));
  }
  if (o.take_profit.is_positive()) json.dec("takeProfit", o.take_profit);
  if (o.stop_loss.is_positive()) json.dec("stopLoss", o.stop_loss);
  if (o.take_profit.is_positive() && o.tp_trigger_by != TriggerBy::kDefault) {
    json.str("tpTriggerBy", trigger_by_text(o.tp_trigger_by));
  }
  if (o.stop_loss.is_positive() && o.sl_trigger_by != TriggerBy::kDefault) {
    json.str("slTriggerBy", trigger_by_text(o.sl_trigger_by));
  }
  if (o.reduce_only) json.boolean("reduceOnly", true);
  if (o.close_on_trigger) json.boolean("closeOnTrigger", true);
  json.close();
  return finish(sink);
}

BuildResult write_amend_order(const AmendOrder& a, char* out, std::size_t cap) noexcept {
  if (!valid_symbol(a.ref.symbol)) return common::Unexpected{BuildError::kBadSymbol};
  if (a.ref.order_id.is_null() && a.ref.cloid.is_null()) {
    return common::Unexpected{BuildError::kMissingId};
  }
  if (a.qty.is_negative()) return common::Unexpected{BuildError::kBadQty};
  if (a.price.is_negative() || a.trigger_price.is_negative() || a.take_profit.is_negative() ||
      a.stop_loss.is_negative()) {
    return common::Unexpected{BuildError::kBadPrice};
  }
  if (a.qty.is_zero() && a.price.is_zero() && a.trigger_price.is_zero() && !a.has_take_profit &&
      !a.has_stop_loss) {
    return common::Unexpected{BuildError::kBadCombination};
  }
  TextSink sink(out, cap);
  JsonObject json(sink);
  json.str("category", to_string(a.ref.category));
  json.str("symbol", a.ref.symbol);
  put_ref_ids(json, a.ref);
  if (a.trigger_price.is_positive()) json.dec("triggerPrice", a.trigger_price);
  if (a.qty.is_positive()) json.dec("qty", a.qty);
  if (a.price.is_positive()) json.dec("price", a.price);
  if (a.has_take_profit) json.dec("takeProfit", a.take_profit);
  if (a.has_stop_loss) json.dec("stopLoss", a.stop_loss);
  json.close();
  return finish(sink);
}

BuildResult write_cancel_order(const OrderRef& r, char* out, std::size_t cap) noexcept {
  if (!valid_symbol(r.symbol)) return common::Unexpected{BuildError::kBadSymbol};
  if (r.order_id.is_null() && r.cloid.is_null()) return common::Unexpected{BuildError::kMissingId};
  TextSink sink(out, cap);
  JsonObject json(sink);
  json.str("category", to_string(r.category));
  json.str("symbol", r.symbol);
  put_ref_ids(json, r);
  json.close();
  return finish(sink);
}

BuildResult write_cancel_all(const CancelAll& c, char* out, std::size_t cap) noexcept {
  if (!c.symbol.empty() && !valid_symbol(c.symbol)) {
    return common::Unexpected{BuildError::kBadSymbol};
  }
  if ((!c.base_coin.empty() && !valid_coins(c.base_coin, false)) ||
      (!c.settle_coin.empty() && !valid_coins(c.settle_coin, false))) {
    return common::Unexpected{BuildError::kBadCoin};
  }
  const bool scoped = !c.symbol.empty() || !c.base_coin.empty() || !c.settle_coin.empty();
  if (!scoped && c.category != Category::kSpot) return common::Unexpected{BuildError::kMissingId};
  TextSink sink(out, cap);
  JsonObject json(sink);
  json.str("category", to_string(c.category));
  if (!c.symbol.empty()) {
    json.str("symbol", c.symbol);
  } else if (!c.base_coin.empty()) {
    json.str("baseCoin", c.base_coin);
  } else if (!c.settle_coin.empty()) {
    json.str("settleCoin", c.settle_coin);
  }
  if (c.filter != OrderFilter::kAll) json.str("orderFilter", filter_text(c.filter));
  json.close();
  return finish(sink);
}

BuildResult write_open_orders_query(const OpenOrdersQuery& q, char* out, std::size_t cap) noexcept {
  if (!q.symbol.empty() && !valid_symbol(q.symbol)) {
    return common::Unexpected{BuildError::kBadSymbol};
  }
  if ((!q.base_coin.empty() && !valid_coins(q.base_coin, false)) ||
      (!q.settle_coin.empty() && !valid_coins(q.settle_coin, false))) {
    return common::Unexpected{BuildError::kBadCoin};
  }
  if (!valid_cursor(q.cursor)) return common::Unexpected{BuildError::kBadCursor};
  if (q.limit > 50) return common::Unexpected{BuildError::kBadValue};
  const bool scoped = !q.symbol.empty() || !q.base_coin.empty() || !q.settle_coin.empty() ||
                      !q.order_id.is_null() || !q.cloid.is_null();
  if (!scoped && q.category == Category::kLinear) {
    return common::Unexpected{BuildError::kMissingId};
  }
  TextSink sink(out, cap);
  QueryString query(sink);
  query.str("category", to_string(q.category));
  if (!q.symbol.empty()) query.str("symbol", q.symbol);
  if (!q.base_coin.empty()) query.str("baseCoin", q.base_coin);
  if (!q.settle_coin.empty()) query.str("settleCoin", q.settle_coin);
  if (!q.order_id.is_null()) {
    char id[common::ClientOrderId::kUuidLen];
    query.str("orderId", std::string_view(id, write_venue_order_id(q.order_id, id)));
  }
  if (!q.cloid.is_null()) {
    char link[common::ClientOrderId::kBinanceLen];
    query.str("orderLinkId", std::string_view(link, q.cloid.write_binance(link)));
  }
  if (q.closed_too) query.integer("openOnly", 1);
  if (q.filter != OrderFilter::kAll) query.str("orderFilter", filter_text(q.filter));
  if (q.limit != 0) query.integer("limit", q.limit);
  if (!q.cursor.empty()) query.str("cursor", q.cursor);
  return finish(sink);
}

BuildResult write_positions_query(const PositionsQuery& q, char* out, std::size_t cap) noexcept {
  if (!q.symbol.empty() && !valid_symbol(q.symbol)) {
    return common::Unexpected{BuildError::kBadSymbol};
  }
  if (!q.settle_coin.empty() && !valid_coins(q.settle_coin, false)) {
    return common::Unexpected{BuildError::kBadCoin};
  }
  if (!valid_cursor(q.cursor)) return common::Unexpected{BuildError::kBadCursor};
  if (q.limit > 200) return common::Unexpected{BuildError::kBadValue};
  if (q.symbol.empty() && q.settle_coin.empty() && q.category == Category::kLinear) {
    return common::Unexpected{BuildError::kMissingId};
  }
  if (q.category == Category::kSpot) return common::Unexpected{BuildError::kUnsupported};
  TextSink sink(out, cap);
  QueryString query(sink);
  query.str("category", to_string(q.category));
  if (!q.symbol.empty()) query.str("symbol", q.symbol);
  if (!q.settle_coin.empty()) query.str("settleCoin", q.settle_coin);
  if (q.limit != 0) query.integer("limit", q.limit);
  if (!q.cursor.empty()) query.str("cursor", q.cursor);
  return finish(sink);
}

BuildResult write_wallet_balance_query(std::string_view coins, char* out,
                                       std::size_t cap) noexcept {
  if (!coins.empty() && !valid_coins(coins, true)) return common::Unexpected{BuildError::kBadCoin};
  TextSink sink(out, cap);
  QueryString query(sink);
  query.str("accountType", "UNIFIED");
  if (!coins.empty()) query.str("coin", coins);
  return finish(sink);
}

BuildResult write_set_leverage(std::string_view symbol, common::Rate buy_leverage,
                               common::Rate sell_leverage, char* out, std::size_t cap) noexcept {
  if (!valid_symbol(symbol)) return common::Unexpected{BuildError::kBadSymbol};
  const auto max = common::Rate::from_units(200);
  if (!buy_leverage.is_positive() || !sell_leverage.is_positive() || buy_leverage > *max ||
      sell_leverage > *max) {
    return common::Unexpected{BuildError::kBadValue};
  }
  TextSink sink(out, cap);
  JsonObject json(sink);
  json.str("category", "linear");
  json.str("symbol", symbol);
  json.dec("buyLeverage", buy_leverage);
  json.dec("sellLeverage", sell_leverage);
  json.close();
  return finish(sink);
}

BuildResult write_disconnect_cancel_all(DcpProduct product, std::uint32_t time_window_s, char* out,
                                        std::size_t cap) noexcept {
  if (time_window_s < 3 || time_window_s > 300) return common::Unexpected{BuildError::kBadValue};
  TextSink sink(out, cap);
  JsonObject json(sink);
  json.str("product", product == DcpProduct::kDerivatives ? "DERIVATIVES"
                      : product == DcpProduct::kSpot      ? "SPOT"
                                                          : "OPTIONS");
  json.integer("timeWindow", time_window_s);
  json.close();
  return finish(sink);
}

RejectReason reject_reason_from_code(std::int64_t ret_code, std::string_view ret_msg) noexcept {
  switch (ret_code) {
    case 0:
      return RejectReason::kNone;
    // Rate limits: per-UID API limit, IP limit, WS order-entry frequency protection.
    case 10006:
    case 10018:
    case 10403:
    case 10429:
    case 20003:
    case 170005:
    case 170222:
      return RejectReason::kRateLimited;
    // Authentication: bad signature, bad/unknown key (both mean "not authenticated").
    case 10003:
    case 10004:
      return RejectReason::kBadSignature;
    // Server timeout / internal error: the order may or may not exist; query before a retry.
    case 10000:
    case 10016:
    case 170007:
    case 170146:
      return RejectReason::kUnknownOutcome;
    case 10001:
    case 170130:
      return from_param_text(ret_msg);
    // Not open on the venue: unknown, already filled or already cancelled.
    case 110001:
    case 110008:
    case 110010:
    case 170142:
    case 170143:
    case 170213:
      return RejectReason::kUnknownOrder;
    case 110003:  // price outside the allowed band
    case 110092:  // trigger price on the wrong side (rise)
    case 110093:  // trigger price on the wrong side (fall)
    case 170132:
    case 170133:
    case 170134:
    case 170192:
    case 170193:
    case 170194:
      return RejectReason::kInvalidPrice;
    case 110004:
    case 110006:
    case 110007:
    case 110012:
    case 110044:
    case 110045:
    case 110051:
    case 110052:
    case 110053:
    case 170033:
    case 170131:
      return RejectReason::kInsufficientMargin;
    case 110017:
      // The official table says "reduce-only rule not satisfied"; the venue reference also lists
      // it as "qty truncated to zero" ("orderQty will be truncated to zero").
      return contains_ci(ret_msg, "truncated") ? RejectReason::kInvalidQty
                                               : RejectReason::kReduceOnlyWouldIncrease;
    case 110023:  // contract only allows position reduction
    case 110042:  // pre-delivery: reduce only
      return RejectReason::kReduceOnlyWouldIncrease;
    case 110022:
    case 110064:
    case 170135:
    case 170136:
    case 170137:
    case 170148:
      return RejectReason::kInvalidQty;
    case 110094:
    case 170140:
      return RejectReason::kMinNotional;
    case 110030:
    case 110072:
    case 170141:
      return RejectReason::kDuplicateClientId;
    case 170218:  // LIMIT-MAKER (post-only) rejected: it would take
      return RejectReason::kPostOnlyWouldCross;
    default:
      return RejectReason::kOther;
  }
}

RejectReason reject_reason_from_http(int status) noexcept {
  if (status >= 200 && status < 300) return RejectReason::kNone;
  if (status == 403 || status == 429) return RejectReason::kRateLimited;
  if (status == 401) return RejectReason::kBadSignature;
  if (status >= 500) return RejectReason::kUnknownOutcome;
  return RejectReason::kOther;
}

RejectReason reject_reason_from_ec(std::string_view r) noexcept {
  // Not rejections: user cancels and amends (cancel-replace) carry these.
  if (r.empty() || r == "EC_NoError" || r == "EC_PerCancelRequest" ||
      r == "EC_CancelReplaceOrder") {
    return RejectReason::kNone;
  }
  if (r == "EC_PostOnlyWillTakeLiquidity") return RejectReason::kPostOnlyWouldCross;
  if (r == "EC_NoImmediateQtyToFill" || r == "EC_NoEnoughQtyToFill" ||
      r == "EC_CancelForNoFullFill" || r == "EC_MarketNoLiquidity") {
    return RejectReason::kNoLiquidity;
  }
  if (r == "EC_DuplicatedClOrdID") return RejectReason::kDuplicateClientId;
  if (r == "EC_OrigClOrdIDDoesNotExist" || r == "EC_OrderNotExist" || r == "EC_TooLateToCancel") {
    return RejectReason::kUnknownOrder;
  }
  if (r == "EC_LimitOrderInvalidPrice" || r == "EC_InvalidPriceScale" ||
      r == "EC_ReachRiskPriceLimit" || r == "EC_ReachMarketPriceLimit" ||
      r == "EC_MarketOrderPriceIsNotZero") {
    return RejectReason::kInvalidPrice;
  }
  if (r == "EC_QtyCannotBeZero" || r == "EC_EcInvalidQty" || r == "EC_InvalidAmount") {
    return RejectReason::kInvalidQty;
  }
  if (r == "EC_InvalidBaseValue" || r == "EC_CancelByOrderValueZero") {
    return RejectReason::kMinNotional;
  }
  return RejectReason::kOther;
}

}  // namespace peregrine::gateways::bybit
