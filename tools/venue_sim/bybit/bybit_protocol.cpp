#include "tools/venue_sim/bybit/bybit_protocol.hpp"

#include <simdjson.h>

namespace peregrine::venue_sim::bybit {

namespace sim = gateways::sim;
using common::InstrumentId;

namespace {

std::int64_t ms_of(Nanos now) noexcept { return now / 1'000'000; }

// A parsed JSON request body; fields read leniently (Bybit accepts numbers as strings).
class Body {
 public:
  bool parse(const std::string& text) {
    return parser_.parse(text).get(doc_) == simdjson::SUCCESS && doc_.is_object();
  }
  [[nodiscard]] std::optional<std::string> str(std::string_view k) const {
    simdjson::dom::element e;
    if (doc_[k].get(e) != simdjson::SUCCESS) return std::nullopt;
    std::string_view s;
    if (e.get(s) == simdjson::SUCCESS) return std::string(s);
    std::int64_t i = 0;
    if (e.get(i) == simdjson::SUCCESS) return std::to_string(i);
    return std::nullopt;
  }
  [[nodiscard]] bool flag(std::string_view k) const {
    simdjson::dom::element e;
    if (doc_[k].get(e) != simdjson::SUCCESS) return false;
    bool b = false;
    if (e.get(b) == simdjson::SUCCESS) return b;
    std::string_view s;
    return e.get(s) == simdjson::SUCCESS && s == "true";
  }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element doc_;
};

using Reply = BybitProtocol::Reply;

Reply err(int code, std::string msg) { return Reply{code, std::move(msg), "{}"}; }

Reply from_sim(sim::SimError e, const sim::SimInstrumentSpec& spec) {
  switch (e) {
    case sim::SimError::kUnknownInstrument:
      return err(10001, "params error: symbol invalid");
    case sim::SimError::kPriceOffTick:
    case sim::SimError::kPriceNotPositive:
      return err(10001, "params error: price invalid");
    case sim::SimError::kQtyOffLot:
    case sim::SimError::kQtyNotPositive:
      return err(10001, "params error: qty invalid");
    case sim::SimError::kBelowMinNotional:
      return err(110094, "Order does not meet minimum order value " +
                             spec.min_notional.to_string() + "USDT");
    case sim::SimError::kInsufficientMargin:
      return err(110007, "ab not enough for new order");
    case sim::SimError::kReduceOnlyNoPosition:
    case sim::SimError::kReduceOnlyWouldIncrease:
      return err(110017, "current position is zero, cannot fix reduce-only order qty");
    case sim::SimError::kUnknownOrder:
      return err(110001, "order not exists or too late to cancel");
    case sim::SimError::kOrderNotOpen:
      return err(110008, "The order has been finished or cancelled");
    case sim::SimError::kDuplicateClientId:
      return err(110072, "OrderLinkedID is duplicate");
    case sim::SimError::kMaxOpenOrders:
      return err(110020, "Not allowed to have more than 500 active orders");
    case sim::SimError::kInvalidPositionSide:
      return err(10001, "position idx not match position mode");
    case sim::SimError::kInvalidLeverage:
      return err(10001, "leverage invalid");
    case sim::SimError::kInvalidTrigger:
      return err(110092, "expect Rising, but trigger_price[0] <= current[0]");
    case sim::SimError::kClientIdTooLong:
      return err(10001, "params error: orderLinkId too long");
    default:
      break;
  }
  return err(10016, "Internal system error.");
}

std::string_view status_text(const sim::SimOrder& o) noexcept {
  switch (o.status) {
    case common::OrderStatus::kPartiallyFilled:
      return "PartiallyFilled";
    case common::OrderStatus::kFilled:
      return "Filled";
    case common::OrderStatus::kCancelled:
    case common::OrderStatus::kExpired:
    case common::OrderStatus::kRejected:
      return "Cancelled";  // linear: post-only/IOC/FOK leftovers end Cancelled with a reason
    default:
      break;
  }
  const bool conditional =
      o.type != common::OrderType::kLimit && o.type != common::OrderType::kMarket;
  return conditional && !o.triggered ? "Untriggered" : "New";
}

std::string_view reject_reason(const sim::SimOrder& o) noexcept {
  if (o.status == common::OrderStatus::kRejected && o.tif == common::TimeInForce::kPostOnly) {
    return "EC_PostOnlyWillTakeLiquidity";
  }
  if (o.status == common::OrderStatus::kExpired && o.tif == common::TimeInForce::kFok) {
    return "EC_NoImmediateQtyToFill";
  }
  if (o.status == common::OrderStatus::kExpired) return "EC_NoImmediateQtyToFill";
  return "EC_NoError";
}

}  // namespace

BybitProtocol::BybitProtocol(VenueContext& ctx) : ctx_(ctx), exchange_(ctx.exchange) {
  feeds_.resize(exchange_.instrument_count());
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    feeds_[i].symbol = exchange_.spec(InstrumentId{i}).symbol;
    static_cast<void>(view_of(feeds_[i], 1000));
  }
  exchange_.set_listener(this);
}

BybitProtocol::~BybitProtocol() { exchange_.set_listener(nullptr); }

HttpResponse BybitProtocol::on_http(const HttpRequest& req, Nanos now) {
  last_now_ = now;
  const std::int64_t now_ms = ms_of(now);
  const Reply r = route(req, now_ms, now);
  cex::JsonWriter w;
  w.begin_object()
      .kv_num("retCode", r.ret_code)
      .kv("retMsg", r.ret_msg)
      .key("result")
      .raw(r.result)
      .key("retExtInfo")
      .raw("{}")
      .kv_num("time", now_ms)
      .end_object();
  HttpResponse resp;
  resp.body = w.take();
  if (r.ret_code == -404) {
    resp.status = 404;
    resp.body = "{}";
  }
  return resp;
}

std::optional<Reply> BybitProtocol::authenticate(const HttpRequest& req, std::int64_t now_ms,
                                                 const SimAccountConfig*& account) const {
  const std::string_view key = req.header("x-bapi-api-key");
  const std::string_view ts_text = req.header("x-bapi-timestamp");
  const std::string_view sign = req.header("x-bapi-sign");
  if (key.empty() || ts_text.empty() || sign.empty()) {
    return err(10003, "API key is invalid.");
  }
  account = nullptr;
  for (const auto& a : ctx_.config.accounts) {
    if (!a.api_key.empty() && a.api_key == key) account = &a;
  }
  if (account == nullptr) return err(10003, "API key is invalid.");
  const auto ts = cex::parse_int(ts_text);
  std::int64_t window = kDefaultRecvWindowMs;
  const std::string_view rw = req.header("x-bapi-recv-window");
  if (!rw.empty()) {
    const auto v = cex::parse_int(rw);
    if (!v || *v <= 0) return err(10001, "params error: recv_window invalid");
    window = *v;
  }
  // Accepted iff server_time - recv_window <= timestamp < server_time + 1000.
  if (!ts || *ts < now_ms - window || *ts >= now_ms + 1000) {
    return err(10002,
               "invalid request, please check your server timestamp or recv_window param. "
               "req_timestamp[" +
                   std::string(ts_text) + "],server_timestamp[" + std::to_string(now_ms) +
                   "],recv_window[" + std::to_string(window) + "]");
  }
  const std::string_view payload = req.method == "GET" ? req.query() : std::string_view(req.body);
  const std::string origin =
      std::string(ts_text) + std::string(key) + std::string(rw) + std::string(payload);
  const std::string expected = cex::hmac_hex(account->api_secret, {origin});
  if (!cex::hex_equal_ci(expected, sign)) {
    // The venue echoes the string it signed (the request's own bytes, never the secret).
    return err(10004, "error sign! origin_string[" + origin + "]");
  }
  return std::nullopt;
}

Reply BybitProtocol::route(const HttpRequest& req, std::int64_t now_ms, Nanos now) {
  const std::string_view path = req.path();
  cex::Params q;
  if (!q.add_form(req.query())) return err(10001, "params error");
  if (req.method == "GET" && path == "/v5/market/time") {
    const std::int64_t s = now_ms / 1000;
    return Reply{0, "OK",
                 "{\"timeSecond\":\"" + std::to_string(s) + "\",\"timeNano\":\"" +
                     std::to_string(now) + "\"}"};
  }
  if (req.method == "GET" && path == "/v5/market/instruments-info") return instruments(q);
  if (req.method == "GET" && path == "/v5/market/orderbook") return orderbook(q, now_ms);

  static constexpr std::string_view kPrivate[] = {"/v5/order/create",
                                                  "/v5/order/amend",
                                                  "/v5/order/cancel",
                                                  "/v5/order/cancel-all",
                                                  "/v5/order/realtime",
                                                  "/v5/position/list",
                                                  "/v5/account/wallet-balance",
                                                  "/v5/position/set-leverage",
                                                  "/v5/order/disconnected-cancel-all",
                                                  "/v5/asset/coin/query-info",
                                                  "/v5/user/query-api",
                                                  "/v5/account/info"};
  bool known = false;
  for (const auto p : kPrivate) known = known || p == path;
  if (!known) return Reply{-404, "", "{}"};
  const SimAccountConfig* account = nullptr;
  if (auto e = authenticate(req, now_ms, account)) return *e;
  const auto a = account->account_id;
  if (path == "/v5/order/realtime") return realtime(q, a);
  if (path == "/v5/position/list") return positions(q, a);
  if (path == "/v5/account/wallet-balance") return wallet(a);
  if (path == "/v5/asset/coin/query-info") {
    // The settlement coin only; deposits and withdrawals do not exist in the simulator.
    return Reply{0, "success",
                 "{\"rows\":[{\"name\":\"USDT\",\"coin\":\"USDT\",\"remainAmount\":\"0\","
                 "\"chains\":[]}]}"};
  }
  if (path == "/v5/user/query-api") return api_key_info(*account);
  if (path == "/v5/account/info") {
    // A unified trading account (UTA 2.0), regular cross margin, as new accounts are.
    return Reply{0, "OK",
                 "{\"unifiedMarginStatus\":6,\"marginMode\":\"REGULAR_MARGIN\","
                 "\"isMasterTrader\":false,\"spotHedgingStatus\":\"OFF\","
                 "\"updatedTime\":\"1700000000000\",\"dcpStatus\":\"OFF\","
                 "\"timeWindow\":10,\"smpGroup\":0}"};
  }
  if (req.method != "POST") return Reply{-404, "", "{}"};
  if (path == "/v5/order/create") return create(req.body, a, now);
  if (path == "/v5/order/amend") return amend(req.body, a, now);
  if (path == "/v5/order/cancel") return cancel(req.body, a, now);
  if (path == "/v5/order/cancel-all") return cancel_all(req.body, a, now);
  if (path == "/v5/position/set-leverage") return set_leverage(req.body, a);
  return dcp(req.body, a);
}

Reply BybitProtocol::instruments(const cex::Params& p) const {
  const std::string_view category = p.get_or("category", "");
  if (category == "spot" || category == "inverse" || category == "option") {
    // Real categories the simulator does not list instruments in.
    return Reply{
        0, "OK",
        "{\"category\":\"" + std::string(category) + "\",\"list\":[],\"nextPageCursor\":\"\"}"};
  }
  if (category != "linear") return err(10001, "params error: category invalid");
  const std::string_view status = p.get_or("status", "Trading");
  if (status != "Trading") {
    // Every simulated instrument trades: none is pre-launch, settling or delisted.
    return Reply{0, "OK", "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"\"}"};
  }
  const auto only = p.get("symbol");
  cex::JsonWriter w;
  w.begin_object().kv("category", "linear").key("list").begin_array();
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    const auto& spec = exchange_.spec(InstrumentId{i});
    if (only && *only != spec.symbol) continue;
    w.begin_object()
        .kv("symbol", spec.symbol)
        .kv("contractType", "LinearPerpetual")
        .kv("status", "Trading")
        .kv("baseCoin", spec.asset)
        .kv("quoteCoin", "USDT")
        .kv("launchTime", "1585526400000")
        .kv("deliveryTime", "0")
        .kv("deliveryFeeRate", "")
        .kv("priceScale", "8");
    w.key("leverageFilter")
        .begin_object()
        .kv("minLeverage", "1")
        .kv("maxLeverage", std::to_string(spec.max_leverage))
        .kv("leverageStep", "0.01")
        .end_object();
    w.key("priceFilter")
        .begin_object()
        .kv_dec("minPrice", spec.tick)
        .kv("maxPrice", "1999999.80")
        .kv_dec("tickSize", spec.tick)
        .end_object();
    w.key("lotSizeFilter")
        .begin_object()
        .kv("maxOrderQty", "1190.000")
        .kv_dec("minOrderQty", spec.lot)
        .kv_dec("qtyStep", spec.lot)
        .kv("postOnlyMaxOrderQty", "1190.000")
        .kv("maxMktOrderQty", "500.000")
        .kv_dec("minNotionalValue", spec.min_notional)
        .end_object();
    w.kv_bool("unifiedMarginTrade", true)
        .kv_num("fundingInterval", 480)
        .kv("settleCoin", "USDT")
        .kv("copyTrading", "both")
        .kv("upperFundingRate", "0.005")
        .kv("lowerFundingRate", "-0.005")
        .end_object();
  }
  w.end_array().kv("nextPageCursor", "").end_object();
  return Reply{0, "OK", w.take()};
}

Reply BybitProtocol::orderbook(const cex::Params& p, std::int64_t now_ms) {
  const auto sym = p.get("symbol");
  if (!sym) return err(10001, "params error: symbol invalid");
  const auto id = exchange_.find_instrument(*sym);
  if (!id) return err(10001, "params error: symbol invalid");
  const std::int64_t limit = cex::parse_int(p.get_or("limit", "25")).value_or(0);
  if (limit < 1 || limit > 1000) return err(10001, "params error: limit invalid");
  // Publish what is pending first so the snapshot's u is the one the stream has reached.
  Feed& feed = feeds_[id->value];
  if (last_now_ >= ctx_.faults.stale_until_ns) publish_book(feed, now_ms);
  std::vector<sim::BookLevel> lv(static_cast<std::size_t>(limit));
  cex::JsonWriter w;
  w.begin_object().kv("s", feed.symbol);
  for (const auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
    w.key(side == common::BookSide::kBid ? "b" : "a").begin_array();
    const std::size_t n = exchange_.book_levels(*id, side, lv);
    for (std::size_t i = 0; i < n; ++i) w.begin_array().dec(lv[i].price).dec(lv[i].qty).end_array();
    w.end_array();
  }
  w.kv_num("ts", now_ms)
      .kv_unum("u", feed.depths[0].u)
      .kv_unum("seq", seq_)
      .kv_num("cts", now_ms)
      .end_object();
  return Reply{0, "OK", w.take()};
}

Reply BybitProtocol::create(const std::string& text, sim::AccountId a, Nanos now) {
  Body b;
  if (!b.parse(text)) return err(10001, "params error: body is not JSON");
  if (b.str("category").value_or("") != "linear")
    return err(10001, "params error: category invalid");
  const auto sym = b.str("symbol");
  const auto id = sym ? exchange_.find_instrument(*sym) : std::nullopt;
  if (!id) return err(10001, "params error: symbol invalid");
  sim::OrderRequest req;
  req.account = a;
  req.instrument = *id;
  const auto side = b.str("side").value_or("");
  if (side != "Buy" && side != "Sell") return err(10001, "params error: side invalid");
  req.side = side == "Buy" ? common::Side::kBuy : common::Side::kSell;
  const auto type = b.str("orderType").value_or("");
  if (type != "Limit" && type != "Market") return err(10001, "params error: orderType invalid");
  const auto qty = common::Qty::parse(b.str("qty").value_or(""));
  if (!qty) return err(10001, "params error: qty invalid");
  req.qty = *qty;
  const auto tif = b.str("timeInForce").value_or("GTC");
  if (tif == "GTC") {
    req.tif = common::TimeInForce::kGtc;
  } else if (tif == "IOC") {
    req.tif = common::TimeInForce::kIoc;
  } else if (tif == "FOK") {
    req.tif = common::TimeInForce::kFok;
  } else if (tif == "PostOnly") {
    req.tif = common::TimeInForce::kPostOnly;
  } else {
    return err(10001, "params error: timeInForce invalid");
  }
  if (type == "Limit") {
    const auto price = common::Price::parse(b.str("price").value_or(""));
    if (!price) return err(10001, "params error: price invalid");
    req.price = *price;
    req.type = common::OrderType::kLimit;
  } else {
    req.type = common::OrderType::kMarket;
    req.tif = common::TimeInForce::kIoc;
  }
  if (const auto trig = b.str("triggerPrice"); trig && !trig->empty() && *trig != "0") {
    const auto tp = common::Price::parse(*trig);
    if (!tp) return err(10001, "params error: triggerPrice invalid");
    req.trigger_price = *tp;
    req.type = type == "Limit" ? common::OrderType::kStopLimit : common::OrderType::kStopMarket;
  }
  req.reduce_only = b.flag("reduceOnly");
  const auto idx = b.str("positionIdx").value_or("0");
  req.position_side = idx == "1"   ? common::PositionSide::kLong
                      : idx == "2" ? common::PositionSide::kShort
                                   : common::PositionSide::kBoth;
  const std::string link = b.str("orderLinkId").value_or("");
  if (link.size() > 36) return err(10001, "params error: orderLinkId too long");
  static_cast<void>(req.client_id.from(link));
  const sim::SubmitResult res = exchange_.submit(req, now);
  // Post-only, FOK and IOC leftovers are accepted and then cancelled (the order topic says why).
  if (res.order_id == 0) return from_sim(res.error, exchange_.spec(*id));
  cex::JsonWriter w;
  w.begin_object().kv("orderId", std::to_string(res.order_id)).kv("orderLinkId", link).end_object();
  return Reply{0, "OK", w.take()};
}

namespace {
// orderId wins over orderLinkId, as on the venue.
const sim::SimOrder* find(const sim::Exchange& ex, sim::AccountId a, const Body& b) {
  if (const auto oid = b.str("orderId"); oid && !oid->empty()) {
    const auto n = cex::parse_int(*oid);
    return n && *n > 0 ? ex.find_order(a, static_cast<sim::OrderId>(*n)) : nullptr;
  }
  if (const auto link = b.str("orderLinkId"); link && !link->empty()) {
    return ex.find_by_client_id(a, *link);
  }
  return nullptr;
}
}  // namespace

Reply BybitProtocol::amend(const std::string& text, sim::AccountId a, Nanos now) {
  Body b;
  if (!b.parse(text)) return err(10001, "params error: body is not JSON");
  const sim::SimOrder* o = find(exchange_, a, b);
  if (o == nullptr || !o->is_open()) return err(110001, "order not exists or too late to cancel");
  common::Price price = o->price;
  common::Qty qty = o->qty;
  if (const auto p = b.str("price")) {
    const auto v = common::Price::parse(*p);
    if (!v) return err(10001, "params error: price invalid");
    price = *v;
  }
  if (const auto q = b.str("qty")) {
    const auto v = common::Qty::parse(*q);
    if (!v) return err(10001, "params error: qty invalid");
    qty = *v;
  }
  const sim::OrderId oid = o->id;
  const std::string link(o->client_id.view());
  const auto res = exchange_.modify(a, o->instrument, oid, price, qty, now);
  if (res.error != sim::SimError::kNone) return from_sim(res.error, exchange_.spec(o->instrument));
  return Reply{0, "OK",
               "{\"orderId\":\"" + std::to_string(oid) + "\",\"orderLinkId\":\"" + link + "\"}"};
}

Reply BybitProtocol::cancel(const std::string& text, sim::AccountId a, Nanos now) {
  Body b;
  if (!b.parse(text)) return err(10001, "params error: body is not JSON");
  const sim::SimOrder* o = find(exchange_, a, b);
  if (o == nullptr || !o->is_open()) return err(110001, "order not exists or too late to cancel");
  const sim::OrderId oid = o->id;
  const std::string link(o->client_id.view());
  const auto e = exchange_.cancel(a, o->instrument, oid, now);
  if (e != sim::SimError::kNone) return err(110001, "order not exists or too late to cancel");
  return Reply{0, "OK",
               "{\"orderId\":\"" + std::to_string(oid) + "\",\"orderLinkId\":\"" + link + "\"}"};
}

Reply BybitProtocol::cancel_all(const std::string& text, sim::AccountId a, Nanos now) {
  Body b;
  if (!b.parse(text)) return err(10001, "params error: body is not JSON");
  std::optional<InstrumentId> only;
  if (const auto sym = b.str("symbol")) {
    only = exchange_.find_instrument(*sym);
    if (!only) return err(10001, "params error: symbol invalid");
  } else if (!b.str("settleCoin") && !b.str("baseCoin")) {
    return err(10001, "params error: symbol or settleCoin is required");
  }
  cex::JsonWriter w;
  w.begin_object().key("list").begin_array();
  exchange_.for_each_open_order(a, only, [&](const sim::SimOrder& o) {
    w.begin_object()
        .kv("orderId", std::to_string(o.id))
        .kv("orderLinkId", o.client_id.view())
        .end_object();
  });
  w.end_array().kv("success", "1").end_object();
  static_cast<void>(exchange_.cancel_all(a, only, now));
  return Reply{0, "OK", w.take()};
}

void BybitProtocol::write_order(cex::JsonWriter& w, const sim::SimOrder& o) const {
  const auto& spec = exchange_.spec(o.instrument);
  std::string_view tif = "GTC";
  if (o.tif == common::TimeInForce::kIoc) tif = "IOC";
  if (o.tif == common::TimeInForce::kFok) tif = "FOK";
  if (o.tif == common::TimeInForce::kPostOnly) tif = "PostOnly";
  const bool market = o.type == common::OrderType::kMarket ||
                      o.type == common::OrderType::kStopMarket ||
                      o.type == common::OrderType::kTakeProfitMarket;
  const bool conditional =
      o.type != common::OrderType::kLimit && o.type != common::OrderType::kMarket;
  const common::Qty leaves = o.is_open() ? o.remaining() : common::Qty{};
  const auto leaves_value = common::notional(o.price, leaves);
  w.begin_object()
      .kv("orderId", std::to_string(o.id))
      .kv("orderLinkId", o.client_id.view())
      .kv("blockTradeId", "")
      .kv("symbol", spec.symbol)
      .kv_dec("price", o.price)
      .kv_dec("qty", o.qty)
      .kv("side", o.side == common::Side::kBuy ? "Buy" : "Sell")
      .kv("isLeverage", "")
      .kv_num("positionIdx", o.position_side == common::PositionSide::kLong    ? 1
                             : o.position_side == common::PositionSide::kShort ? 2
                                                                               : 0)
      .kv("orderStatus", status_text(o))
      .kv("cancelType", o.status == common::OrderStatus::kCancelled ? "CancelByUser" : "UNKNOWN")
      .kv("rejectReason", reject_reason(o))
      .kv_dec("avgPrice", o.avg_price())
      .kv_dec("leavesQty", leaves)
      .kv_dec("leavesValue", leaves_value ? *leaves_value : common::Money{})
      .kv_dec("cumExecQty", o.filled)
      .kv_dec("cumExecValue", o.filled_notional)
      .kv("cumExecFee", "0")
      .kv("timeInForce", market ? "IOC" : tif)
      .kv("orderType", market ? "Market" : "Limit")
      .kv("stopOrderType", conditional ? "Stop" : "")
      .kv("orderIv", "")
      .kv_dec("triggerPrice", o.trigger_price)
      .kv("takeProfit", "")
      .kv("stopLoss", "")
      .kv("tpTriggerBy", "")
      .kv("slTriggerBy", "")
      .kv_num("triggerDirection", 0)
      .kv("triggerBy", conditional ? "LastPrice" : "")
      .kv("lastPriceOnCreated", "")
      .kv_bool("reduceOnly", o.reduce_only)
      .kv_bool("closeOnTrigger", false)
      .kv("smpType", "None")
      .kv_num("smpGroup", 0)
      .kv("smpOrderId", "")
      .kv("tpslMode", "")
      .kv("createdTime", std::to_string(ms_of(o.created)))
      .kv("updatedTime", std::to_string(ms_of(o.updated)))
      .end_object();
}

Reply BybitProtocol::realtime(const cex::Params& p, sim::AccountId a) const {
  const std::string_view category = p.get_or("category", "");
  if (category == "spot" || category == "inverse" || category == "option") {
    // Real categories the simulator does not list instruments in.
    return Reply{
        0, "OK",
        "{\"category\":\"" + std::string(category) + "\",\"list\":[],\"nextPageCursor\":\"\"}"};
  }
  if (category != "linear") return err(10001, "params error: category invalid");
  const std::string_view status = p.get_or("status", "Trading");
  if (status != "Trading") {
    // Every simulated instrument trades: none is pre-launch, settling or delisted.
    return Reply{0, "OK", "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"\"}"};
  }
  std::optional<InstrumentId> only;
  if (const auto sym = p.get("symbol")) {
    only = exchange_.find_instrument(*sym);
    if (!only) return err(10001, "params error: symbol invalid");
  } else if (!p.has("settleCoin") && !p.has("baseCoin") && !p.has("orderId") &&
             !p.has("orderLinkId")) {
    return err(10001, "params error: symbol or settleCoin is required");
  }
  cex::JsonWriter w;
  w.begin_object().kv("category", "linear").key("list").begin_array();
  const sim::SimOrder* one = nullptr;
  if (const auto oid = p.get("orderId")) {
    const auto n = cex::parse_int(*oid);
    one = n && *n > 0 ? exchange_.find_order(a, static_cast<sim::OrderId>(*n)) : nullptr;
    if (one != nullptr) write_order(w, *one);
  } else if (const auto link = p.get("orderLinkId")) {
    one = exchange_.find_by_client_id(a, *link);
    if (one != nullptr) write_order(w, *one);
  } else {
    // Newest first, as on the venue.
    std::vector<sim::SimOrder> open;
    exchange_.for_each_open_order(a, only, [&](const sim::SimOrder& o) { open.push_back(o); });
    for (auto it = open.rbegin(); it != open.rend(); ++it) write_order(w, *it);
  }
  w.end_array().kv("nextPageCursor", "").end_object();
  return Reply{0, "OK", w.take()};
}

void BybitProtocol::write_position(cex::JsonWriter& w, sim::AccountId a, InstrumentId id,
                                   common::PositionSide ps) const {
  const sim::SimPosition pos = exchange_.position(a, id, ps);
  const common::Price mark = exchange_.mark_price(id);
  const common::Qty size = pos.qty.abs();
  const auto value = common::notional(pos.entry_price, size);
  w.begin_object()
      .kv_num("positionIdx", ps == common::PositionSide::kLong    ? 1
                             : ps == common::PositionSide::kShort ? 2
                                                                  : 0)
      .kv_num("riskId", 1)
      .kv("riskLimitValue", "2000000")
      .kv("symbol", feeds_[id.value].symbol)
      .kv("side", pos.qty.is_zero() ? "" : (pos.qty.is_positive() ? "Buy" : "Sell"))
      .kv_dec("size", size)
      .kv_dec("avgPrice", pos.entry_price)
      .kv_dec("positionValue", value ? *value : common::Money{})
      .kv_num("tradeMode", 0)
      .kv("positionStatus", "Normal")
      .kv_num("autoAddMargin", 0)
      .kv_num("adlRankIndicator", pos.qty.is_zero() ? 0 : 2)
      .kv("leverage", std::to_string(exchange_.leverage(a, id)))
      .kv_dec("positionBalance", pos.margin(mark))
      .kv_dec("markPrice", mark)
      .kv("liqPrice", "")
      .kv("bustPrice", "")
      .kv_dec("positionMM", common::Money{})
      .kv_dec("positionIM", pos.margin(mark))
      .kv("tpslMode", "Full")
      .kv("takeProfit", "0")
      .kv("stopLoss", "0")
      .kv("trailingStop", "0")
      .kv_dec("unrealisedPnl", mark.is_zero() ? common::Money{} : pos.unrealized(mark))
      .kv_dec("curRealisedPnl", pos.realized_pnl - pos.fees_paid)
      .kv_dec("cumRealisedPnl", pos.realized_pnl - pos.fees_paid)
      .kv_num("seq", static_cast<std::int64_t>(exec_seq_))
      .kv_bool("isReduceOnly", false)
      .kv("createdTime", std::to_string(ms_of(last_now_)))
      .kv("updatedTime", std::to_string(ms_of(last_now_)))
      .end_object();
}

Reply BybitProtocol::positions(const cex::Params& p, sim::AccountId a) const {
  const std::string_view category = p.get_or("category", "");
  if (category == "spot" || category == "inverse" || category == "option") {
    // Real categories the simulator does not list instruments in.
    return Reply{
        0, "OK",
        "{\"category\":\"" + std::string(category) + "\",\"list\":[],\"nextPageCursor\":\"\"}"};
  }
  if (category != "linear") return err(10001, "params error: category invalid");
  const std::string_view status = p.get_or("status", "Trading");
  if (status != "Trading") {
    // Every simulated instrument trades: none is pre-launch, settling or delisted.
    return Reply{0, "OK", "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"\"}"};
  }
  std::optional<InstrumentId> only;
  if (const auto sym = p.get("symbol")) {
    only = exchange_.find_instrument(*sym);
    if (!only) return err(10001, "params error: symbol invalid");
  } else if (!p.has("settleCoin") && !p.has("baseCoin")) {
    return err(10001, "params error: symbol or settleCoin is required");
  }
  cex::JsonWriter w;
  w.begin_object().kv("category", "linear").key("list").begin_array();
  const bool hedge = exchange_.hedge_mode(a);
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    const InstrumentId id{i};
    if (only && *only != id) continue;
    for (const auto ps :
         {common::PositionSide::kBoth, common::PositionSide::kLong, common::PositionSide::kShort}) {
      if (hedge == (ps == common::PositionSide::kBoth)) continue;
      // With settleCoin the venue lists only open positions; with a symbol, always.
      if (!only && exchange_.position(a, id, ps).qty.is_zero()) continue;
      write_position(w, a, id, ps);
    }
  }
  w.end_array().kv("nextPageCursor", "").end_object();
  return Reply{0, "OK", w.take()};
}

// What the venue says about the calling key: a read-write, unified-account master key.
Reply BybitProtocol::api_key_info(const SimAccountConfig& account) const {
  cex::JsonWriter w;
  w.begin_object().kv("id", std::to_string(account.account_id)).kv("note", account.name);
  w.kv("apiKey", account.api_key).kv_num("readOnly", 0).kv("secret", "");
  w.key("permissions").begin_object();
  w.key("ContractTrade").begin_array().str("Order").str("Position").end_array();
  w.key("Spot").begin_array().end_array().key("Wallet").begin_array().end_array();
  w.key("Options").begin_array().end_array().key("Derivatives").begin_array().end_array();
  w.key("Exchange").begin_array().end_array().key("NFT").begin_array().end_array();
  w.end_object();
  w.key("ips").begin_array().str("*").end_array().kv_num("type", 1).kv_num("deadlineDay", -1);
  w.kv("expiredAt", "").kv("createdAt", "2024-01-01T00:00:00Z").kv_num("unified", 0);
  w.kv_num("uta", 1).kv_num("userID", static_cast<std::int64_t>(account.account_id) + 1000);
  w.kv_num("inviterID", 0).kv("vipLevel", "No VIP").kv("mktMakerLevel", "0");
  w.kv_num("affiliateID", 0).kv("rsaPublicKey", "").kv_bool("isMaster", true);
  w.kv("parentUid", "0").kv("kycLevel", "LEVEL_DEFAULT").kv("kycRegion", "").end_object();
  return Reply{0, "", w.take()};
}

Reply BybitProtocol::wallet(sim::AccountId a) const {
  const sim::SimBalance b = exchange_.balance(a);
  const common::Money equity = b.wallet + b.unrealized;
  cex::JsonWriter w;
  w.begin_object().key("list").begin_array().begin_object();
  w.kv("accountType", "UNIFIED")
      .kv_dec("totalEquity", equity)
      .kv_dec("totalWalletBalance", b.wallet)
      .kv_dec("totalMarginBalance", equity)
      .kv_dec("totalAvailableBalance", b.available)
      .kv_dec("totalPerpUPL", b.unrealized)
      .kv_dec("totalInitialMargin", b.margin_used)
      .kv_dec("totalMaintenanceMargin", common::Money{})
      .kv("accountIMRate", "0")
      .kv("accountMMRate", "0")
      .kv("accountLTV", "0");
  w.key("coin").begin_array().begin_object();
  w.kv("coin", "USDT")
      .kv_dec("equity", equity)
      .kv_dec("usdValue", equity)
      .kv_dec("walletBalance", b.wallet)
      .kv_dec("unrealisedPnl", b.unrealized)
      .kv_dec("cumRealisedPnl", common::Money{})
      .kv_dec("totalOrderIM", common::Money{})
      .kv_dec("totalPositionIM", b.margin_used)
      .kv_dec("totalPositionMM", common::Money{})
      .kv_dec("locked", common::Money{})
      .kv("availableToWithdraw", "")
      .kv("borrowAmount", "0")
      .kv("accruedInterest", "0")
      .kv_bool("marginCollateral", true)
      .kv_bool("collateralSwitch", true)
      .end_object()
      .end_array();
  w.end_object().end_array().end_object();
  return Reply{0, "OK", w.take()};
}

Reply BybitProtocol::set_leverage(const std::string& text, sim::AccountId a) {
  Body b;
  if (!b.parse(text)) return err(10001, "params error: body is not JSON");
  const auto sym = b.str("symbol");
  const auto id = sym ? exchange_.find_instrument(*sym) : std::nullopt;
  if (!id) return err(10001, "params error: symbol invalid");
  const auto buy = b.str("buyLeverage").value_or("");
  const auto sell = b.str("sellLeverage").value_or("");
  if (buy != sell) return err(10001, "buy leverage must equal sell leverage in one-way mode");
  const auto lev = cex::parse_int(buy);
  if (!lev) return err(10001, "params error: leverage invalid");
  if (exchange_.leverage(a, *id) == *lev) return err(110043, "Set leverage not modified");
  if (exchange_.set_leverage(a, *id, static_cast<int>(*lev)) != sim::SimError::kNone) {
    return err(10001, "leverage invalid");
  }
  return Reply{0, "OK", "{}"};
}

Reply BybitProtocol::dcp(const std::string& text, sim::AccountId a) {
  Body b;
  if (!b.parse(text)) return err(10001, "params error: body is not JSON");
  const auto window = cex::parse_int(b.str("timeWindow").value_or("10"));
  if (!window || *window < 3 || *window > 300)
    return err(10001, "params error: timeWindow invalid");
  dcp_window_s_[a] = *window;
  return Reply{0, "success", "{}"};
}

}  // namespace peregrine::venue_sim::bybit
