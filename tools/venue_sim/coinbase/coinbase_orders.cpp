// Coinbase order endpoints: POST /orders (order_configuration variants), batch_cancel, the
// historical order and fill queries, and the order object shared with the user channel.
#include <simdjson.h>

#include <algorithm>

#include "tools/venue_sim/coinbase/coinbase_protocol.hpp"

namespace peregrine::venue_sim::coinbase {

namespace sim = gateways::sim;
using common::InstrumentId;

namespace {

HttpResponse json(std::string body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string_view status_text(const sim::SimOrder& o) noexcept {
  switch (o.status) {
    case common::OrderStatus::kFilled:
      return "FILLED";
    case common::OrderStatus::kCancelled:
      return "CANCELLED";
    case common::OrderStatus::kExpired:
      return "EXPIRED";
    case common::OrderStatus::kRejected:
      return "FAILED";
    default:
      return "OPEN";
  }
}

std::string_view tif_text(const sim::SimOrder& o) noexcept {
  switch (o.tif) {
    case common::TimeInForce::kIoc:
      return "IMMEDIATE_OR_CANCEL";
    case common::TimeInForce::kFok:
      return "FILL_OR_KILL";
    default:
      return "GOOD_UNTIL_CANCELLED";
  }
}

bool is_stop(const sim::SimOrder& o) noexcept {
  return o.type == common::OrderType::kStopLimit || o.type == common::OrderType::kTakeProfitLimit;
}

// The venue's create-order failure: error code, preview code, message.
struct Failure {
  std::string_view error;
  std::string_view preview;
  std::string message;
};

Failure from_sim(sim::SimError e) {
  switch (e) {
    case sim::SimError::kPostOnlyWouldCross:
      return {"INVALID_LIMIT_PRICE_POST_ONLY", "PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY",
              "Invalid limit price for post-only order"};
    case sim::SimError::kInsufficientMargin:
      return {"INSUFFICIENT_FUND", "PREVIEW_INSUFFICIENT_FUND",
              "Insufficient balance in source account"};
    case sim::SimError::kPriceOffTick:
    case sim::SimError::kPriceNotPositive:
      return {"INVALID_PRICE_PRECISION", "PREVIEW_INVALID_PRICE_PRECISION",
              "Invalid price precision"};
    case sim::SimError::kQtyOffLot:
      return {"INVALID_SIZE_PRECISION", "PREVIEW_INVALID_SIZE_PRECISION", "Invalid size precision"};
    case sim::SimError::kQtyNotPositive:
    case sim::SimError::kBelowMinNotional:
      return {"INVALID_SIZE_PRECISION", "PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL",
              "Quote size is too small"};
    case sim::SimError::kFokNotFilled:
    case sim::SimError::kIocNoLiquidity:
      return {"INVALID_NO_LIQUIDITY", "PREVIEW_INVALID_NO_LIQUIDITY",
              "Insufficient liquidity to fill order"};
    case sim::SimError::kReduceOnlyNoPosition:
    case sim::SimError::kReduceOnlyWouldIncrease:
      return {"INVALID_REDUCE_ONLY", "PREVIEW_INVALID_REDUCE_ONLY",
              "Reduce only order would increase position"};
    case sim::SimError::kInvalidTrigger:
      return {"INVALID_STOP_PRICE", "PREVIEW_STOP_PRICE_BELOW_LAST_TRADE_PRICE",
              "Stop price would trigger immediately"};
    case sim::SimError::kUnknownInstrument:
      return {"INVALID_PRODUCT_ID", "PREVIEW_INVALID_PRODUCT_ID", "Invalid product id"};
    default:
      break;
  }
  return {"UNKNOWN_FAILURE_REASON", "UNKNOWN_PREVIEW_FAILURE_REASON", "Order rejected"};
}

std::string failure_body(const Failure& f, std::string_view config_json) {
  cex::JsonWriter w;
  w.begin_object()
      .kv_bool("success", false)
      .kv("failure_reason", "UNKNOWN_FAILURE_REASON")
      .kv("order_id", "");
  w.key("error_response")
      .begin_object()
      .kv("error", f.error)
      .kv("message", f.message)
      .kv("error_details", f.message)
      .kv("preview_failure_reason", f.preview)
      .kv("new_order_failure_reason", f.error)
      .end_object();
  w.key("order_configuration").raw(config_json.empty() ? std::string_view("{}") : config_json);
  w.end_object();
  return w.take();
}

std::optional<std::string> str_of(simdjson::dom::element obj, std::string_view k) {
  std::string_view s;
  if (obj[k].get(s) != simdjson::SUCCESS) return std::nullopt;
  return std::string(s);
}

}  // namespace

void CoinbaseProtocol::write_order(cex::JsonWriter& w, const sim::SimOrder& o) const {
  const auto& product = feeds_[o.instrument.value].product;
  const bool market = o.type == common::OrderType::kMarket;
  w.begin_object()
      .kv("order_id", order_uuid(o.id))
      .kv("product_id", product)
      .kv("user_id", "sim-user-" + std::to_string(o.account))
      .key("order_configuration")
      .begin_object();
  if (market) {
    w.key("market_market_ioc").begin_object().kv_dec("base_size", o.qty).end_object();
  } else if (is_stop(o)) {
    const bool up = (o.side == common::Side::kBuy) == (o.type == common::OrderType::kStopLimit);
    w.key("stop_limit_stop_limit_gtc")
        .begin_object()
        .kv_dec("base_size", o.qty)
        .kv_dec("limit_price", o.price)
        .kv_dec("stop_price", o.trigger_price)
        .kv("stop_direction", up ? "STOP_DIRECTION_STOP_UP" : "STOP_DIRECTION_STOP_DOWN")
        .end_object();
  } else if (o.tif == common::TimeInForce::kIoc) {
    w.key("sor_limit_ioc")
        .begin_object()
        .kv_dec("base_size", o.qty)
        .kv_dec("limit_price", o.price)
        .end_object();
  } else if (o.tif == common::TimeInForce::kFok) {
    w.key("limit_limit_fok")
        .begin_object()
        .kv_dec("base_size", o.qty)
        .kv_dec("limit_price", o.price)
        .end_object();
  } else {
    w.key("limit_limit_gtc")
        .begin_object()
        .kv_dec("base_size", o.qty)
        .kv_dec("limit_price", o.price)
        .kv_bool("post_only", o.tif == common::TimeInForce::kPostOnly)
        .end_object();
  }
  w.end_object();
  common::Money fees;
  exchange_.for_each_fill(o.account, [&](const sim::SimFill& f) {
    if (f.order_id == o.id) fees += f.fee;
  });
  const std::int64_t pct =
      o.qty.is_zero()
          ? 0
          : static_cast<std::int64_t>(static_cast<__int128>(o.filled.raw()) * 100 / o.qty.raw());
  w.kv("side", o.side == common::Side::kBuy ? "BUY" : "SELL")
      .kv("client_order_id", o.client_id.view())
      .kv("status", status_text(o))
      .kv("time_in_force", tif_text(o))
      .kv("created_time", cex::rfc3339(o.created))
      .kv("completion_percentage", std::to_string(pct))
      .kv_dec("filled_size", o.filled)
      .kv_dec("average_filled_price", o.avg_price())
      .kv("fee", "")
      .kv("number_of_fills", o.filled.is_zero() ? "0" : "1")
      .kv_dec("filled_value", o.filled_notional)
      .kv_bool("pending_cancel", false)
      .kv_bool("size_in_quote", false)
      .kv_dec("total_fees", fees)
      .kv_bool("size_inclusive_of_fees", false)
      .kv_dec("total_value_after_fees", o.filled_notional + fees)
      .kv("trigger_status",
          is_stop(o) ? (o.triggered ? "STOP_TRIGGERED" : "STOP_PENDING") : "INVALID_ORDER_TYPE")
      .kv("order_type", market ? "MARKET" : (is_stop(o) ? "STOP_LIMIT" : "LIMIT"))
      .kv("reject_reason",
          o.status == common::OrderStatus::kRejected ? "REJECT_REASON_UNSPECIFIED" : "")
      .kv_bool("settled", !o.is_open())
      .kv("product_type", "FUTURE")
      .kv("reject_message", "")
      .kv("cancel_message",
          o.status == common::OrderStatus::kCancelled ? "User requested cancel" : "")
      .kv("order_placement_source", "RETAIL_ADVANCED")
      .kv("outstanding_hold_amount", "0")
      .kv_bool("is_liquidation", false)
      .kv("last_fill_time", o.filled.is_zero() ? std::string() : cex::rfc3339(o.updated))
      .key("edit_history")
      .begin_array()
      .end_array()
      .kv("leverage", "")
      .kv("margin_type", "CROSS")
      .kv("retail_portfolio_id", "")
      .end_object();
}

HttpResponse CoinbaseProtocol::create_order(const std::string& body, sim::AccountId a, Nanos now) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return json(
        "{\"error\":\"INVALID_ARGUMENT\",\"error_details\":\"invalid request "
        "body\",\"message\":\"invalid request body\"}",
        400);
  }
  const std::string cid = str_of(doc, "client_order_id").value_or("");
  const std::string product = str_of(doc, "product_id").value_or("");
  const std::string side = str_of(doc, "side").value_or("");
  simdjson::dom::object config;
  std::string config_json = "{}";
  if (doc["order_configuration"].get(config) == simdjson::SUCCESS) {
    config_json = simdjson::minify(config);
  }
  if (cid.empty()) {
    return json(
        "{\"error\":\"INVALID_ARGUMENT\",\"error_details\":\"client_order_id is "
        "required\",\"message\":\"client_order_id is required\"}",
        400);
  }
  // client_order_id is an idempotency key: a repeat returns the first order.
  if (const sim::SimOrder* prev = exchange_.find_by_client_id(a, cid)) {
    cex::JsonWriter w;
    w.begin_object().kv_bool("success", true).kv("order_id", order_uuid(prev->id));
    w.key("success_response")
        .begin_object()
        .kv("order_id", order_uuid(prev->id))
        .kv("product_id", feeds_[prev->instrument.value].product)
        .kv("side", prev->side == common::Side::kBuy ? "BUY" : "SELL")
        .kv("client_order_id", cid)
        .end_object();
    w.key("order_configuration").raw(config_json).end_object();
    return json(w.take());
  }
  const auto id = exchange_.find_instrument(product);
  if (!id) return json(failure_body(from_sim(sim::SimError::kUnknownInstrument), config_json));
  if (side != "BUY" && side != "SELL") {
    return json(
        failure_body({"INVALID_SIDE", "PREVIEW_INVALID_SIDE", "Invalid side"}, config_json));
  }
  sim::OrderRequest req;
  req.account = a;
  req.instrument = *id;
  req.side = side == "BUY" ? common::Side::kBuy : common::Side::kSell;
  static_cast<void>(req.client_id.from(cid));
  const Failure unsupported{"UNSUPPORTED_ORDER_CONFIGURATION", "UNKNOWN_PREVIEW_FAILURE_REASON",
                            "Unsupported order configuration"};
  if (config.size() != 1) return json(failure_body(unsupported, config_json));
  const auto [kind, inner_el] = *config.begin();
  simdjson::dom::element inner = inner_el;
  auto dec_field = [&](std::string_view k, auto& out) {
    const auto s = str_of(inner, k);
    if (!s) return false;
    auto v = std::remove_reference_t<decltype(out)>::parse(*s);
    if (!v) return false;
    out = *v;
    return true;
  };
  bool ok = dec_field("base_size", req.qty);
  if (kind == "market_market_ioc") {
    req.type = common::OrderType::kMarket;
    req.tif = common::TimeInForce::kIoc;
    if (!ok) {
      // Quote-sized: the base size the quote buys at the touch, rounded down to the lot.
      common::Money quote;
      const auto touch = exchange_.best(
          *id, req.side == common::Side::kBuy ? common::BookSide::kAsk : common::BookSide::kBid);
      if (!dec_field("quote_size", quote) || !touch) {
        return json(failure_body(from_sim(sim::SimError::kIocNoLiquidity), config_json));
      }
      const __int128 raw =
          static_cast<__int128>(quote.raw()) * common::kDecimalScale / touch->raw();
      const auto lot = exchange_.spec(*id).lot.raw();
      req.qty = common::Qty::from_raw(static_cast<std::int64_t>(raw - raw % lot));
      ok = true;
    }
  } else if (kind == "limit_limit_gtc" || kind == "limit_limit_gtd" || kind == "sor_limit_ioc" ||
             kind == "limit_limit_fok" || kind == "stop_limit_stop_limit_gtc" ||
             kind == "stop_limit_stop_limit_gtd") {
    req.type = common::OrderType::kLimit;
    ok = ok && dec_field("limit_price", req.price);
    bool post_only = false;
    if (inner["post_only"].get(post_only) != simdjson::SUCCESS) post_only = false;
    req.tif = kind == "sor_limit_ioc"     ? common::TimeInForce::kIoc
              : kind == "limit_limit_fok" ? common::TimeInForce::kFok
              : post_only                 ? common::TimeInForce::kPostOnly
                                          : common::TimeInForce::kGtc;
    if (kind.starts_with("stop_limit")) {
      ok = ok && dec_field("stop_price", req.trigger_price);
      const std::string dir = str_of(inner, "stop_direction").value_or("");
      const bool up = dir == "STOP_DIRECTION_STOP_UP";
      if (!up && dir != "STOP_DIRECTION_STOP_DOWN") ok = false;
      // A buy that waits for the price to rise is a stop; one that waits for a fall, a TP.
      req.type = (req.side == common::Side::kBuy) == up ? common::OrderType::kStopLimit
                                                        : common::OrderType::kTakeProfitLimit;
    }
  } else {
    return json(failure_body(unsupported, config_json));
  }
  if (!ok) {
    return json(failure_body({"INVALID_ARGUMENT", "UNKNOWN_PREVIEW_FAILURE_REASON",
                              "order_configuration is missing or has a malformed field"},
                             config_json));
  }
  bool reduce_only = false;
  if (doc["reduce_only"].get(reduce_only) != simdjson::SUCCESS) reduce_only = false;
  req.reduce_only = reduce_only;
  const sim::SubmitResult res = exchange_.submit(req, now);
  // IOC leftovers simply expire; the other errors are creation failures.
  if (res.error != sim::SimError::kNone && res.error != sim::SimError::kIocNoLiquidity) {
    return json(failure_body(from_sim(res.error), config_json));
  }
  cex::JsonWriter w;
  w.begin_object().kv_bool("success", true).kv("order_id", order_uuid(res.order_id));
  w.key("success_response")
      .begin_object()
      .kv("order_id", order_uuid(res.order_id))
      .kv("product_id", product)
      .kv("side", side)
      .kv("client_order_id", cid)
      .end_object();
  w.key("order_configuration").raw(config_json).end_object();
  return json(w.take());
}

HttpResponse CoinbaseProtocol::batch_cancel(const std::string& body, sim::AccountId a, Nanos now) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array ids;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS ||
      doc["order_ids"].get(ids) != simdjson::SUCCESS) {
    return json(
        "{\"error\":\"INVALID_ARGUMENT\",\"error_details\":\"order_ids is "
        "required\",\"message\":\"order_ids is required\"}",
        400);
  }
  cex::JsonWriter w;
  w.begin_object().key("results").begin_array();
  for (const auto e : ids) {
    std::string_view text;
    if (e.get(text) != simdjson::SUCCESS) continue;
    const auto oid = parse_order_uuid(text);
    const sim::SimOrder* o = oid ? exchange_.find_order(a, *oid) : nullptr;
    bool ok = false;
    std::string_view reason = "UNKNOWN_CANCEL_ORDER";
    if (o != nullptr && !o->is_open()) reason = "INVALID_CANCEL_REQUEST";
    if (o != nullptr && o->is_open()) {
      ok = exchange_.cancel(a, o->instrument, o->id, now) == sim::SimError::kNone;
    }
    w.begin_object()
        .kv_bool("success", ok)
        .kv("failure_reason", ok ? "UNKNOWN_CANCEL_FAILURE_REASON" : reason)
        .kv("order_id", text)
        .end_object();
  }
  w.end_array().end_object();
  return json(w.take());
}

HttpResponse CoinbaseProtocol::orders_batch(const cex::Params& p, sim::AccountId a) const {
  std::vector<std::string_view> products;
  std::vector<std::string_view> statuses;
  std::vector<sim::OrderId> ids;
  for (const auto& [k, v] : p.items()) {
    if (k == "product_ids" || k == "product_id") products.push_back(v);
    if (k == "order_status") statuses.push_back(v);
    if (k == "order_ids") {
      if (const auto id = parse_order_uuid(v)) ids.push_back(*id);
    }
  }
  auto keep = [&](const sim::SimOrder& o) {
    if (!products.empty() && std::find(products.begin(), products.end(),
                                       feeds_[o.instrument.value].product) == products.end()) {
      return false;
    }
    if (!statuses.empty() &&
        std::find(statuses.begin(), statuses.end(), status_text(o)) == statuses.end()) {
      return false;
    }
    return true;
  };
  cex::JsonWriter w;
  w.begin_object().key("orders").begin_array();
  if (!ids.empty()) {
    for (const auto id : ids) {
      const sim::SimOrder* o = exchange_.find_order(a, id);
      if (o != nullptr && keep(*o)) write_order(w, *o);
    }
  } else {
    // Open orders, newest first (closed ones are reached by id).
    std::vector<sim::SimOrder> open;
    exchange_.for_each_open_order(a, std::nullopt,
                                  [&](const sim::SimOrder& o) { open.push_back(o); });
    for (auto it = open.rbegin(); it != open.rend(); ++it) {
      if (keep(*it)) write_order(w, *it);
    }
  }
  w.end_array().kv("sequence", "0").kv_bool("has_next", false).kv("cursor", "").end_object();
  return json(w.take());
}

HttpResponse CoinbaseProtocol::fills(const cex::Params& p, sim::AccountId a) const {
  std::vector<sim::OrderId> ids;
  std::vector<std::string_view> products;
  for (const auto& [k, v] : p.items()) {
    if (k == "order_ids" || k == "order_id") {
      if (const auto id = parse_order_uuid(v)) ids.push_back(*id);
    }
    if (k == "product_ids" || k == "product_id") products.push_back(v);
  }
  cex::JsonWriter w;
  w.begin_object().key("fills").begin_array();
  exchange_.for_each_fill(a, [&](const sim::SimFill& f) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), f.order_id) == ids.end()) return;
    const std::string& product = feeds_[f.instrument.value].product;
    if (!products.empty() &&
        std::find(products.begin(), products.end(), product) == products.end()) {
      return;
    }
    const std::string trade = std::to_string(f.trade_id);
    w.begin_object()
        .kv("entry_id", trade + (f.liquidity == common::Liquidity::kMaker ? "-m" : "-t"))
        .kv("trade_id", trade)
        .kv("order_id", order_uuid(f.order_id))
        .kv("trade_time", cex::rfc3339(f.ts))
        .kv("trade_type", "FILL")
        .kv_dec("price", f.price)
        .kv_dec("size", f.qty)
        .kv_dec("commission", f.fee)
        .kv("product_id", product)
        .kv("sequence_timestamp", cex::rfc3339(f.ts))
        .kv("liquidity_indicator", f.liquidity == common::Liquidity::kMaker ? "MAKER" : "TAKER")
        .kv_bool("size_in_quote", false)
        .kv("user_id", "sim-user-" + std::to_string(a))
        .kv("side", f.side == common::Side::kBuy ? "BUY" : "SELL")
        .kv("retail_portfolio_id", "")
        .end_object();
  });
  w.end_array().kv("cursor", "").end_object();
  return json(w.take());
}

}  // namespace peregrine::venue_sim::coinbase
