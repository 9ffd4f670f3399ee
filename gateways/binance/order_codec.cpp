#include "gateways/binance/order_codec.hpp"

#include <limits>

namespace peregrine::gateways::binance {
namespace {

using Built = OrderCodec::Built;

constexpr std::string_view kOrderPath = "/fapi/v1/order";
constexpr std::string_view kAlgoOrderPath = "/fapi/v1/algoOrder";
constexpr std::string_view kListenKeyPath = "/fapi/v1/listenKey";

bool is_conditional(common::OrderType t) noexcept {
  return t != common::OrderType::kLimit && t != common::OrderType::kMarket;
}

bool has_limit_price(common::OrderType t) noexcept {
  return t == common::OrderType::kStopLimit || t == common::OrderType::kTakeProfitLimit;
}

}  // namespace

std::string_view to_string(HttpMethod m) noexcept {
  switch (m) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "GET";
}

std::string_view to_string(BuildError e) noexcept {
  switch (e) {
    case BuildError::kOk:
      return "ok";
    case BuildError::kBufferFull:
      return "request buffer full";
    case BuildError::kInvalid:
      return "invalid order parameters";
    case BuildError::kSign:
      return "signing failed";
  }
  return "unknown build error";
}

std::string_view side_word(common::Side s) noexcept {
  return s == common::Side::kBuy ? "BUY" : "SELL";
}

std::string_view position_side_word(common::PositionSide s) noexcept {
  switch (s) {
    case common::PositionSide::kBoth:
      return "BOTH";
    case common::PositionSide::kLong:
      return "LONG";
    case common::PositionSide::kShort:
      return "SHORT";
  }
  return "BOTH";
}

std::string_view tif_word(common::TimeInForce t) noexcept {
  switch (t) {
    case common::TimeInForce::kGtc:
      return "GTC";
    case common::TimeInForce::kIoc:
      return "IOC";
    case common::TimeInForce::kFok:
      return "FOK";
    case common::TimeInForce::kPostOnly:
      return "GTX";
  }
  return "GTC";
}

std::string_view order_type_word(common::OrderType t) noexcept {
  switch (t) {
    case common::OrderType::kLimit:
      return "LIMIT";
    case common::OrderType::kMarket:
      return "MARKET";
    case common::OrderType::kStopMarket:
      return "STOP_MARKET";
    case common::OrderType::kStopLimit:
      return "STOP";
    case common::OrderType::kTakeProfitMarket:
      return "TAKE_PROFIT_MARKET";
    case common::OrderType::kTakeProfitLimit:
      return "TAKE_PROFIT";
    case common::OrderType::kTrailingStopMarket:
      return "TRAILING_STOP_MARKET";
  }
  return "LIMIT";
}

Built OrderCodec::sign(HttpMethod method, std::string_view path, QueryWriter& w,
                       std::int64_t timestamp_ms) noexcept {
  if (!w.ok()) return common::Unexpected{BuildError::kBufferFull};
  switch (signer_.finish(w, timestamp_ms, recv_window_ms_)) {
    case SignError::kOk:
      break;
    case SignError::kBufferFull:
      return common::Unexpected{BuildError::kBufferFull};
    default:
      return common::Unexpected{BuildError::kSign};
  }
  RestRequest r;
  r.method = method;
  r.path = path;
  r.security = Security::kSigned;
  if (method == HttpMethod::kGet || placement_ == ParamPlacement::kQuery) {
    r.query = w.view();
  } else {
    r.body = w.view();
  }
  return r;
}

Built OrderCodec::new_order(const NewOrder& o, std::int64_t timestamp_ms,
                            std::span<char> buf) noexcept {
  const bool limit = o.type == common::OrderType::kLimit;
  if (o.symbol.empty() || is_conditional(o.type) || !o.qty.is_positive() ||
      (limit && !o.price.is_positive()) ||
      (o.reduce_only && o.position_side != common::PositionSide::kBoth)) {
    return common::Unexpected{BuildError::kInvalid};
  }
  QueryWriter w(buf);
  w.add("symbol", o.symbol).add_raw("side", side_word(o.side));
  if (o.position_side != common::PositionSide::kBoth) {
    w.add_raw("positionSide", position_side_word(o.position_side));
  }
  w.add_raw("type", order_type_word(o.type));
  if (limit) w.add_raw("timeInForce", tif_word(o.tif));
  w.add_decimal("quantity", o.qty);
  if (limit) w.add_decimal("price", o.price);
  if (o.reduce_only) w.add_bool("reduceOnly", true);
  if (!o.cloid.is_null()) w.add_cloid("newClientOrderId", o.cloid);
  if (o.response == ResponseType::kResult) w.add_raw("newOrderRespType", "RESULT");
  return sign(HttpMethod::kPost, kOrderPath, w, timestamp_ms);
}

Built OrderCodec::new_algo_order(const AlgoOrder& o, std::int64_t timestamp_ms,
                                 std::span<char> buf) noexcept {
  const bool trailing = o.type == common::OrderType::kTrailingStopMarket;
  const bool with_price = has_limit_price(o.type);
  const bool can_close =
      o.type == common::OrderType::kStopMarket || o.type == common::OrderType::kTakeProfitMarket;
  const bool bad = o.symbol.empty() || !is_conditional(o.type) ||
                   (o.close_position ? (!can_close || o.reduce_only || !o.qty.is_zero())
                                     : !o.qty.is_positive()) ||
                   (with_price && !o.price.is_positive()) ||
                   (trailing ? (!o.callback_rate.is_positive() || o.activate_price.is_negative())
                             : !o.trigger_price.is_positive()) ||
                   (o.reduce_only && o.position_side != common::PositionSide::kBoth);
  if (bad) return common::Unexpected{BuildError::kInvalid};
  QueryWriter w(buf);
  w.add_raw("algoType", "CONDITIONAL").add("symbol", o.symbol).add_raw("side", side_word(o.side));
  if (o.position_side != common::PositionSide::kBoth) {
    w.add_raw("positionSide", position_side_word(o.position_side));
  }
  w.add_raw("type", order_type_word(o.type));
  if (with_price) w.add_raw("timeInForce", tif_word(o.tif));
  if (!o.close_position) w.add_decimal("quantity", o.qty);
  if (with_price) w.add_decimal("price", o.price);
  if (trailing) {
    if (o.activate_price.is_positive()) w.add_decimal("activatePrice", o.activate_price);
    w.add_decimal("callbackRate", o.callback_rate);
  } else {
    w.add_decimal("triggerPrice", o.trigger_price);
  }
  w.add_raw("workingType",
            o.working_type == WorkingType::kMarkPrice ? "MARK_PRICE" : "CONTRACT_PRICE");
  if (o.price_protect) w.add_bool("priceProtect", true);
  if (o.reduce_only) w.add_bool("reduceOnly", true);
  if (o.close_position) w.add_bool("closePosition", true);
  if (!o.client_algo_id.is_null()) w.add_cloid("clientAlgoId", o.client_algo_id);
  return sign(HttpMethod::kPost, kAlgoOrderPath, w, timestamp_ms);
}

Built OrderCodec::from_intent(const common::OrderIntent& in, std::string_view symbol,
                              std::int64_t timestamp_ms, std::span<char> buf) noexcept {
  if (in.action != common::IntentAction::kNew) return common::Unexpected{BuildError::kInvalid};
  const bool reduce = (in.flags & common::intent_flags::kReduceOnly) != 0;
  const bool close = (in.flags & common::intent_flags::kClosePosition) != 0;
  if (!is_conditional(in.type)) {
    if (close) return common::Unexpected{BuildError::kInvalid};
    NewOrder o;
    o.symbol = symbol;
    o.cloid = in.cloid;
    o.side = in.side;
    o.type = in.type;
    o.tif = in.tif;
    o.position_side = in.position_side;
    o.price = in.price;
    o.qty = in.qty;
    o.reduce_only = reduce;
    return new_order(o, timestamp_ms, buf);
  }
  AlgoOrder o;
  o.symbol = symbol;
  o.client_algo_id = in.cloid;
  o.side = in.side;
  o.type = in.type;
  o.tif = in.tif;
  o.position_side = in.position_side;
  o.price = in.price;
  o.qty = close ? common::Qty{} : in.qty;
  o.close_position = close;
  o.reduce_only = reduce && !close;
  if (in.type == common::OrderType::kTrailingStopMarket) {
    // Basis points -> percent: 100 bp = 1 (%). Same 1e-8 scale, so divide the mantissa by 100.
    if (in.trigger_price.raw() % 100 != 0) return common::Unexpected{BuildError::kInvalid};
    o.callback_rate = common::Rate::from_raw(in.trigger_price.raw() / 100);
  } else {
    o.trigger_price = in.trigger_price;
  }
  return new_algo_order(o, timestamp_ms, buf);
}

Built OrderCodec::cancel_order(std::string_view symbol, common::ClientOrderId cloid,
                               std::int64_t timestamp_ms, std::span<char> buf) noexcept {
  if (symbol.empty() || cloid.is_null()) return common::Unexpected{BuildError::kInvalid};
  QueryWriter w(buf);
  w.add("symbol", symbol).add_cloid("origClientOrderId", cloid);
  return sign(HttpMethod::kDelete, kOrderPath, w, timestamp_ms);
}

Built OrderCodec::cancel_order_by_id(std::string_view symbol, std::uint64_t order_id,
                                     std::int64_t timestamp_ms, std::span<char> buf) noexcept {
  if (symbol.empty() || order_id == 0 ||
      order_id > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return common::Unexpected{BuildError::kInvalid};
  }
  QueryWriter w(buf);
  w.add("symbol", symbol).add_int("orderId", static_cast<std::int64_t>(order_id));
  return sign(HttpMethod::kDelete, kOrderPath, w, timestamp_ms);
}

Built OrderCodec::cancel_algo_order(common::ClientOrderId client_algo_id, std::int64_t timestamp_ms,
                                    std::span<char> buf) noexcept {
  if (client_algo_id.is_null()) return common::Unexpected{BuildError::kInvalid};
  QueryWriter w(buf);
  w.add_cloid("clientAlgoId", client_algo_id);
  return sign(HttpMethod::kDelete, kAlgoOrderPath, w, timestamp_ms);
}

Built OrderCodec::symbol_only(HttpMethod method, std::string_view path, std::string_view symbol,
                              bool required, std::int64_t timestamp_ms,
                              std::span<char> buf) noexcept {
  if (required && symbol.empty()) return common::Unexpected{BuildError::kInvalid};
  QueryWriter w(buf);
  if (!symbol.empty()) w.add("symbol", symbol);
  return sign(method, path, w, timestamp_ms);
}

Built OrderCodec::cancel_all(std::string_view symbol, std::int64_t timestamp_ms,
                             std::span<char> buf) noexcept {
  return symbol_only(HttpMethod::kDelete, "/fapi/v1/allOpenOrders", symbol, true, timestamp_ms,
                     buf);
}

Built OrderCodec::cancel_all_algo(std::string_view symbol, std::int64_t timestamp_ms,
                                  std::span<char> buf) noexcept {
  return symbol_only(HttpMethod::kDelete, "/fapi/v1/algoOpenOrders", symbol, true, timestamp_ms,
                     buf);
}

Built OrderCodec::open_orders(std::string_view symbol, std::int64_t timestamp_ms,
                              std::span<char> buf) noexcept {
  return symbol_only(HttpMethod::kGet, "/fapi/v1/openOrders", symbol, false, timestamp_ms, buf);
}

Built OrderCodec::open_algo_orders(std::string_view symbol, std::int64_t timestamp_ms,
                                   std::span<char> buf) noexcept {
  return symbol_only(HttpMethod::kGet, "/fapi/v1/openAlgoOrders", symbol, false, timestamp_ms, buf);
}

Built OrderCodec::query_order(std::string_view symbol, common::ClientOrderId cloid,
                              std::int64_t timestamp_ms, std::span<char> buf) noexcept {
  if (symbol.empty() || cloid.is_null()) return common::Unexpected{BuildError::kInvalid};
  QueryWriter w(buf);
  w.add("symbol", symbol).add_cloid("origClientOrderId", cloid);
  return sign(HttpMethod::kGet, kOrderPath, w, timestamp_ms);
}

Built OrderCodec::position_risk(std::string_view symbol, std::int64_t timestamp_ms,
                                std::span<char> buf) noexcept {
  return symbol_only(HttpMethod::kGet, "/fapi/v2/positionRisk", symbol, false, timestamp_ms, buf);
}

Built OrderCodec::balance(std::int64_t timestamp_ms, std::span<char> buf) noexcept {
  return symbol_only(HttpMethod::kGet, "/fapi/v2/balance", {}, false, timestamp_ms, buf);
}

Built OrderCodec::account(std::int64_t timestamp_ms, std::span<char> buf) noexcept {
  return symbol_only(HttpMethod::kGet, "/fapi/v3/account", {}, false, timestamp_ms, buf);
}

Built OrderCodec::set_leverage(std::string_view symbol, int leverage, std::int64_t timestamp_ms,
                               std::span<char> buf) noexcept {
  if (symbol.empty() || leverage < 1 || leverage > 125) {
    return common::Unexpected{BuildError::kInvalid};
  }
  QueryWriter w(buf);
  w.add("symbol", symbol).add_int("leverage", leverage);
  return sign(HttpMethod::kPost, "/fapi/v1/leverage", w, timestamp_ms);
}

Built OrderCodec::countdown_cancel_all(std::string_view symbol, std::int64_t countdown_ms,
                                       std::int64_t timestamp_ms, std::span<char> buf) noexcept {
  if (symbol.empty() || countdown_ms < 0) return common::Unexpected{BuildError::kInvalid};
  QueryWriter w(buf);
  w.add("symbol", symbol).add_int("countdownTime", countdown_ms);
  return sign(HttpMethod::kPost, "/fapi/v1/countdownCancelAll", w, timestamp_ms);
}

RestRequest OrderCodec::start_listen_key() noexcept {
  return RestRequest{HttpMethod::kPost, kListenKeyPath, {}, {}, Security::kApiKey};
}

RestRequest OrderCodec::keepalive_listen_key() noexcept {
  return RestRequest{HttpMethod::kPut, kListenKeyPath, {}, {}, Security::kApiKey};
}

RestRequest OrderCodec::close_listen_key() noexcept {
  return RestRequest{HttpMethod::kDelete, kListenKeyPath, {}, {}, Security::kApiKey};
}

common::Result<RestRequest, BuildError> depth_snapshot_request(Market market,
                                                               std::string_view symbol, int limit,
                                                               std::span<char> buf) noexcept {
  if (symbol.empty() || limit <= 0) return common::Unexpected{BuildError::kInvalid};
  QueryWriter w(buf);
  w.add("symbol", symbol).add_int("limit", limit);
  if (!w.ok()) return common::Unexpected{BuildError::kBufferFull};
  return RestRequest{HttpMethod::kGet, depth_snapshot_path(market), w.view(), {}, Security::kNone};
}

}  // namespace peregrine::gateways::binance
