// Order endpoints of the Binance protocol: parameter validation with the venue's codes, the
// SimError -> Binance error mapping, and the order/algo response shapes.
#include <optional>

#include "tools/venue_sim/binance/binance_protocol.hpp"

namespace peregrine::venue_sim::binance {

namespace sim = gateways::sim;
using common::InstrumentId;

namespace {

HttpResponse json(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

ApiError missing(std::string_view name) {
  return {400, -1102,
          "Mandatory parameter '" + std::string(name) +
              "' was not sent, was empty/null, or malformed."};
}

ApiError from_sim(sim::SimError e, const sim::SimInstrumentSpec& spec) {
  switch (e) {
    case sim::SimError::kUnknownInstrument:
      return {400, -1121, "Invalid symbol."};
    case sim::SimError::kPriceOffTick:
      return {400, -4014, "Price not increased by tick size."};
    case sim::SimError::kQtyOffLot:
      return {400, -1111, "Precision is over the maximum defined for this asset."};
    case sim::SimError::kQtyNotPositive:
      return {400, -4003, "Quantity less than or equal to zero."};
    case sim::SimError::kPriceNotPositive:
      return {400, -4001, "Price less than 0."};
    case sim::SimError::kBelowMinNotional:
      return {400, -4164,
              "Order's notional must be no smaller than " + spec.min_notional.to_string() +
                  " (unless you choose reduce only)."};
    case sim::SimError::kPostOnlyWouldCross:
      return {400, -5022,
              "Due to the order could not be executed as maker, the Post Only order will be "
              "rejected. The order will not be recorded in the order history"};
    case sim::SimError::kReduceOnlyWouldIncrease:
    case sim::SimError::kReduceOnlyNoPosition:
      return {400, -2022, "ReduceOnly Order is rejected."};
    case sim::SimError::kInsufficientMargin:
      return {400, -2019, "Margin is insufficient."};
    case sim::SimError::kFokNotFilled:
      return {400, -5021,
              "Due to the order could not be filled immediately, the FOK order has been "
              "rejected. The order will not be recorded in the order history"};
    case sim::SimError::kUnknownOrder:
    case sim::SimError::kOrderNotOpen:
      return {400, -2011, "Unknown order sent."};
    case sim::SimError::kDuplicateClientId:
      return {400, -4116, "ClientOrderId is duplicated."};
    case sim::SimError::kInvalidTrigger:
      return {400, -2021, "Order would immediately trigger."};
    case sim::SimError::kMaxOpenOrders:
      return {400, -2025, "Reach max open order limit."};
    case sim::SimError::kInvalidPositionSide:
      return {400, -4061, "Order's position side does not match user's setting."};
    case sim::SimError::kClientIdTooLong:
      return {400, -4015, "Client order id is not valid."};
    case sim::SimError::kInvalidLeverage:
      return {400, -4028, "Leverage is not valid"};
    default:
      break;
  }
  return {400, -1000, "An unknown error occured while processing the request."};
}

// newClientOrderId: ^[\.A-Z\:/a-z0-9_-]{1,36}$
bool valid_client_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 36) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == ':' || c == '/' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct Common {
  InstrumentId id;
  sim::OrderRequest req;
};

// The fields /order and /algoOrder share; the error when one is missing or malformed.
std::optional<ApiError> parse_common(const cex::Params& p, const sim::Exchange& ex,
                                     std::string_view qty_name, Common& out) {
  const auto sym = p.get("symbol");
  if (!sym) return missing("symbol");
  const auto id = ex.find_instrument(*sym);
  if (!id) return ApiError{400, -1121, "Invalid symbol."};
  out.id = *id;
  out.req.instrument = *id;
  const auto side = p.get("side");
  if (!side) return missing("side");
  if (*side == "BUY") {
    out.req.side = common::Side::kBuy;
  } else if (*side == "SELL") {
    out.req.side = common::Side::kSell;
  } else {
    return ApiError{400, -1117, "Invalid side."};
  }
  const std::string_view ps = p.get_or("positionSide", "BOTH");
  if (ps == "BOTH") {
    out.req.position_side = common::PositionSide::kBoth;
  } else if (ps == "LONG") {
    out.req.position_side = common::PositionSide::kLong;
  } else if (ps == "SHORT") {
    out.req.position_side = common::PositionSide::kShort;
  } else {
    return ApiError{400, -4006, "Invalid position side."};
  }
  if (const auto q = p.get(qty_name)) {
    const auto qty = common::Qty::parse(*q);
    if (!qty) {
      if (qty.error() == common::DecimalError::kTooManyDecimals) {
        return ApiError{400, -1111, "Precision is over the maximum defined for this asset."};
      }
      return missing(qty_name);
    }
    out.req.qty = *qty;
  }
  if (const auto pr = p.get("price")) {
    const auto price = common::Price::parse(*pr);
    if (!price) {
      if (price.error() == common::DecimalError::kTooManyDecimals) {
        return ApiError{400, -1111, "Precision is over the maximum defined for this asset."};
      }
      return missing("price");
    }
    out.req.price = *price;
  }
  const std::string_view ro = p.get_or("reduceOnly", "false");
  if (ro != "true" && ro != "false") {
    return ApiError{400, -1102, "Invalid reduceOnly parameter"};
  }
  out.req.reduce_only = ro == "true";
  if (out.req.reduce_only && out.req.position_side != common::PositionSide::kBoth) {
    return ApiError{400, -1106, "Parameter 'reduceonly' sent when not required."};
  }
  const std::string_view tif = p.get_or("timeInForce", "GTC");
  if (tif == "GTC" || tif == "GTD") {
    out.req.tif = common::TimeInForce::kGtc;
  } else if (tif == "IOC") {
    out.req.tif = common::TimeInForce::kIoc;
  } else if (tif == "FOK") {
    out.req.tif = common::TimeInForce::kFok;
  } else if (tif == "GTX") {
    out.req.tif = common::TimeInForce::kPostOnly;
  } else {
    return ApiError{400, -1115, "Invalid timeInForce."};
  }
  return std::nullopt;
}

}  // namespace

HttpResponse BinanceProtocol::new_order(const AuthedRequest& r, Nanos now) {
  const cex::Params& p = r.params;
  Common c;
  if (auto e = parse_common(p, exchange_, "quantity", c)) return error_response(*e);
  const auto type = p.get("type");
  if (!type) return error_response(missing("type"));
  if (*type == "LIMIT") {
    c.req.type = common::OrderType::kLimit;
    if (!p.has("timeInForce")) return error_response(missing("timeInForce"));
    if (!p.has("price")) return error_response(missing("price"));
  } else if (*type == "MARKET") {
    c.req.type = common::OrderType::kMarket;
    c.req.tif = common::TimeInForce::kIoc;
    if (p.has("price")) {
      return error_response({400, -1106, "Parameter 'price' sent when not required."});
    }
  } else if (*type == "STOP" || *type == "STOP_MARKET" || *type == "TAKE_PROFIT" ||
             *type == "TAKE_PROFIT_MARKET" || *type == "TRAILING_STOP_MARKET") {
    return error_response({400, -4120,
                           "Order type not supported for this endpoint. Please use the Algo Order "
                           "API endpoints instead."});
  } else {
    return error_response({400, -1116, "Invalid orderType."});
  }
  if (!p.has("quantity")) return error_response(missing("quantity"));
  std::string cid;
  if (const auto given = p.get("newClientOrderId")) {
    if (!valid_client_id(*given)) {
      return error_response({400, -1100,
                             "Illegal characters found in parameter 'newClientOrderId'; legal "
                             "range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'."});
    }
    cid = std::string(*given);
  } else {
    cid = "sim" + std::to_string(++client_id_seq_);
  }
  static_cast<void>(c.req.client_id.from(cid));
  c.req.account = r.account->account_id;
  const sim::SubmitResult res = exchange_.submit(c.req, now);
  if (res.order_id == 0) return error_response(from_sim(res.error, exchange_.spec(c.id)));
  const sim::SimOrder* o = exchange_.find_order(c.req.account, res.order_id);
  if (o == nullptr) return error_response(from_sim(res.error, exchange_.spec(c.id)));
  // FOK that could not fill and GTX that would cross are rejected without a record on the venue.
  if (res.error == sim::SimError::kFokNotFilled ||
      res.error == sim::SimError::kPostOnlyWouldCross) {
    return error_response(from_sim(res.error, exchange_.spec(c.id)));
  }
  OrderView v = view(*o);
  if (p.get_or("newOrderRespType", "ACK") == "ACK" && v.status != std::string_view("EXPIRED")) {
    // ACK answers when the order is accepted, before matching reports back.
    v.status = "NEW";
    v.executed_qty = common::Qty{};
    v.cum_quote = common::Money{};
    v.avg_price = common::Price{};
  }
  cex::JsonWriter w;
  write_order(w, v);
  HttpResponse resp = json(w.take());
  resp.headers.emplace_back("X-MBX-ORDER-COUNT-1M", "1");
  return resp;
}

HttpResponse BinanceProtocol::algo_order(const AuthedRequest& r, Nanos now) {
  const cex::Params& p = r.params;
  const std::string_view algo_type = p.get_or("algoType", "");
  if (algo_type.empty()) return error_response(missing("algoType"));
  if (algo_type != "CONDITIONAL") return error_response({400, -1116, "Invalid algoType."});
  Common c;
  if (auto e = parse_common(p, exchange_, "quantity", c)) return error_response(*e);
  const auto type = p.get("type");
  if (!type) return error_response(missing("type"));
  bool limit = false;
  if (*type == "STOP_MARKET") {
    c.req.type = common::OrderType::kStopMarket;
  } else if (*type == "STOP") {
    c.req.type = common::OrderType::kStopLimit;
    limit = true;
  } else if (*type == "TAKE_PROFIT_MARKET") {
    c.req.type = common::OrderType::kTakeProfitMarket;
  } else if (*type == "TAKE_PROFIT") {
    c.req.type = common::OrderType::kTakeProfitLimit;
    limit = true;
  } else {
    return error_response({400, -1116, "Invalid orderType."});
  }
  if (limit && !p.has("price")) return error_response(missing("price"));
  if (!p.has("quantity")) return error_response(missing("quantity"));
  const auto trig = p.get("triggerPrice");
  if (!trig) return error_response(missing("triggerPrice"));
  const auto tp = common::Price::parse(*trig);
  if (!tp) return error_response(missing("triggerPrice"));
  c.req.trigger_price = *tp;
  std::string cid;
  if (const auto given = p.get("clientAlgoId")) {
    if (!valid_client_id(*given)) {
      return error_response({400, -1100,
                             "Illegal characters found in parameter 'clientAlgoId'; legal range is "
                             "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'."});
    }
    cid = std::string(*given);
  } else {
    cid = "simalgo" + std::to_string(++client_id_seq_);
  }
  static_cast<void>(c.req.client_id.from(cid));
  c.req.account = r.account->account_id;
  const sim::SubmitResult res = exchange_.submit(c.req, now);
  const sim::SimOrder* o =
      res.order_id == 0 ? nullptr : exchange_.find_order(c.req.account, res.order_id);
  if (o == nullptr || res.error != sim::SimError::kNone) {
    return error_response(from_sim(res.error, exchange_.spec(c.id)));
  }
  const OrderView v = view(*o);
  cex::JsonWriter w;
  w.begin_object()
      .kv_unum("algoId", o->id)
      .kv("clientAlgoId", v.client_id)
      .kv("algoType", "CONDITIONAL")
      .kv("orderType", v.type)
      .kv("symbol", v.symbol)
      .kv("side", side_text(v.side))
      .kv("positionSide", position_side_text(v.position_side))
      .kv("timeInForce", v.tif)
      .kv_dec("quantity", v.orig_qty)
      .kv("algoStatus", o->triggered ? "TRIGGERED" : "NEW")
      .kv_dec("triggerPrice", o->trigger_price)
      .kv_dec("price", o->price)
      .kv_dec("icebergQuantity", common::Qty{})
      .kv("selfTradePreventionMode", "EXPIRE_MAKER")
      .kv("workingType", "CONTRACT_PRICE")
      .kv("priceMatch", "NONE")
      .kv_bool("closePosition", false)
      .kv_bool("priceProtect", false)
      .kv_bool("reduceOnly", v.reduce_only)
      .kv_num("createTime", v.time_ms)
      .kv_num("updateTime", v.update_ms)
      .kv_num("triggerTime", 0)
      .kv_num("goodTillDate", 0)
      .end_object();
  return json(w.take());
}

HttpResponse BinanceProtocol::query_order(const AuthedRequest& r, bool cancel, Nanos now) {
  const cex::Params& p = r.params;
  const auto sym = p.get("symbol");
  if (!sym) return error_response(missing("symbol"));
  const auto id = exchange_.find_instrument(*sym);
  if (!id) return error_response({400, -1121, "Invalid symbol."});
  const auto a = r.account->account_id;
  const sim::SimOrder* o = nullptr;
  if (const auto oid = p.get("orderId")) {
    const auto n = cex::parse_int(*oid);
    if (!n || *n <= 0) return error_response(missing("orderId"));
    o = exchange_.find_order(a, static_cast<sim::OrderId>(*n));
  } else if (const auto cid = p.get("origClientOrderId")) {
    o = exchange_.find_by_client_id(a, *cid);
  } else {
    return error_response(
        {400, -1102,
         "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"});
  }
  if (o != nullptr && o->instrument != *id) o = nullptr;
  if (!cancel) {
    if (o == nullptr) return error_response({400, -2013, "Order does not exist."});
  } else {
    if (o == nullptr) return error_response({400, -2011, "Unknown order sent."});
    const sim::SimError e = exchange_.cancel(a, *id, o->id, now);
    if (e != sim::SimError::kNone) return error_response({400, -2011, "Unknown order sent."});
    o = exchange_.find_order(a, o->id);
    if (o == nullptr) return error_response({400, -2011, "Unknown order sent."});
  }
  cex::JsonWriter w;
  write_order(w, view(*o));
  return json(w.take());
}

HttpResponse BinanceProtocol::cancel_all(const AuthedRequest& r, Nanos now) {
  const auto sym = r.params.get("symbol");
  if (!sym) return error_response(missing("symbol"));
  const auto id = exchange_.find_instrument(*sym);
  if (!id) return error_response({400, -1121, "Invalid symbol."});
  static_cast<void>(exchange_.cancel_all(r.account->account_id, *id, now));
  return json("{\"code\":200,\"msg\":\"The operation of cancel all open order is done.\"}");
}

HttpResponse BinanceProtocol::open_orders(const AuthedRequest& r) {
  std::optional<InstrumentId> only;
  if (const auto sym = r.params.get("symbol")) {
    only = exchange_.find_instrument(*sym);
    if (!only) return error_response({400, -1121, "Invalid symbol."});
  }
  cex::JsonWriter w;
  w.begin_array();
  exchange_.for_each_open_order(r.account->account_id, only, [&](const sim::SimOrder& o) {
    // Untriggered conditional orders live in the algo service, not in openOrders.
    if (o.type != common::OrderType::kLimit && o.type != common::OrderType::kMarket &&
        !o.triggered) {
      return;
    }
    write_order(w, view(o));
  });
  w.end_array();
  return json(w.take());
}

}  // namespace peregrine::venue_sim::binance
