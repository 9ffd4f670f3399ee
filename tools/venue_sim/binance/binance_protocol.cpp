#include "tools/venue_sim/binance/binance_protocol.hpp"

#include <array>

namespace peregrine::venue_sim::binance {

namespace sim = gateways::sim;
using common::InstrumentId;

namespace {

std::int64_t ms_of(Nanos now) noexcept { return now / 1'000'000; }

HttpResponse json(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

struct Route {
  std::string_view method;
  std::string_view path;
  Security security;
  std::int64_t weight;
};

// IP weights from the venue doc; order endpoints count on the order limiter (0 IP weight).
constexpr std::array kRoutes = {
    Route{"GET", "/fapi/v1/ping", Security::kNone, 1},
    Route{"GET", "/fapi/v1/time", Security::kNone, 1},
    Route{"GET", "/fapi/v1/exchangeInfo", Security::kNone, 1},
    Route{"GET", "/fapi/v1/depth", Security::kNone, 0},  // by limit, below
    Route{"POST", "/fapi/v1/order", Security::kSigned, 0},
    Route{"GET", "/fapi/v1/order", Security::kSigned, 1},
    Route{"DELETE", "/fapi/v1/order", Security::kSigned, 1},
    Route{"DELETE", "/fapi/v1/allOpenOrders", Security::kSigned, 1},
    Route{"GET", "/fapi/v1/openOrders", Security::kSigned, 1},
    Route{"POST", "/fapi/v1/algoOrder", Security::kSigned, 0},
    Route{"GET", "/fapi/v2/positionRisk", Security::kSigned, 5},
    Route{"GET", "/fapi/v3/positionRisk", Security::kSigned, 5},
    Route{"GET", "/fapi/v2/account", Security::kSigned, 5},
    Route{"GET", "/fapi/v3/account", Security::kSigned, 5},
    Route{"GET", "/fapi/v2/balance", Security::kSigned, 5},
    Route{"GET", "/fapi/v3/balance", Security::kSigned, 5},
    Route{"POST", "/fapi/v1/leverage", Security::kSigned, 1},
    Route{"GET", "/fapi/v1/leverageBracket", Security::kSigned, 1},
    Route{"POST", "/fapi/v1/countdownCancelAll", Security::kSigned, 10},
    Route{"POST", "/fapi/v1/listenKey", Security::kUserStream, 1},
    Route{"PUT", "/fapi/v1/listenKey", Security::kUserStream, 1},
    Route{"DELETE", "/fapi/v1/listenKey", Security::kUserStream, 1},
    // The wallet's coin list (served by the spot host on the venue): clients load it with the
    // markets. Only the futures margin asset is listed.
    Route{"GET", "/sapi/v1/capital/config/getall", Security::kSigned, 10},
    Route{"GET", "/sapi/v1/margin/allPairs", Security::kUserStream, 1},  // none: no spot
};

std::int64_t depth_weight(std::int64_t limit) noexcept {
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}

}  // namespace

BinanceProtocol::BinanceProtocol(VenueContext& ctx) : ctx_(ctx), exchange_(ctx.exchange) {
  feeds_.resize(exchange_.instrument_count());
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    feeds_[i].symbol = exchange_.spec(InstrumentId{i}).symbol;
    feeds_[i].lower = cex::to_lower(feeds_[i].symbol);
  }
  exchange_.set_listener(this);
}

BinanceProtocol::~BinanceProtocol() { exchange_.set_listener(nullptr); }

std::uint64_t BinanceProtocol::current_update_id(InstrumentId id) const noexcept {
  return id.value < feeds_.size() ? feeds_[id.value].update_id : 0;
}

HttpResponse BinanceProtocol::on_http(const HttpRequest& req, Nanos now) {
  last_now_ = now;
  HttpResponse r = route(req, ms_of(now), now);
  flush_user(ms_of(now));
  r.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(weights_.used(ms_of(now))));
  return r;
}

HttpResponse BinanceProtocol::route(const HttpRequest& req, std::int64_t now_ms, Nanos now) {
  const std::string_view path = req.path();
  const Route* route = nullptr;
  bool path_known = false;
  for (const auto& r : kRoutes) {
    if (r.path != path) continue;
    path_known = true;
    if (r.method == req.method) route = &r;
  }
  if (route == nullptr) {
    const ApiError e{path_known ? 405 : 404, -5000,
                     "Path " + std::string(path) + ", Method " + req.method + " is invalid"};
    return error_response(e);
  }

  AuthedRequest authed;
  if (auto e = authenticate(req, route->security, ctx_.config, now_ms, authed)) {
    // Rejected requests still cost their weight, as on the venue.
    static_cast<void>(weights_.charge(route->weight, now_ms));
    return error_response(*e);
  }
  std::int64_t weight = route->weight;
  if (path == "/fapi/v1/depth") {
    weight = depth_weight(cex::parse_int(authed.params.get_or("limit", "500")).value_or(500));
  } else if (path == "/fapi/v1/openOrders" && !authed.params.has("symbol")) {
    weight = 40;
  }
  if (auto e = weights_.charge(weight, now_ms)) {
    HttpResponse r = error_response(*e);
    r.headers.emplace_back("Retry-After", "60");
    return r;
  }

  if (path == "/fapi/v1/ping") return json("{}");
  if (path == "/fapi/v1/time") return json("{\"serverTime\":" + std::to_string(now_ms) + "}");
  if (path == "/fapi/v1/exchangeInfo") return exchange_info(now_ms);
  if (path == "/fapi/v1/depth") return depth(authed.params, now_ms);
  if (path == "/fapi/v1/order") {
    if (req.method == "POST") return new_order(authed, now);
    return query_order(authed, req.method == "DELETE", now);
  }
  if (path == "/fapi/v1/allOpenOrders") return cancel_all(authed, now);
  if (path == "/fapi/v1/openOrders") return open_orders(authed);
  if (path == "/fapi/v1/algoOrder") return algo_order(authed, now);
  if (path == "/fapi/v2/positionRisk") return position_risk(authed, false, now_ms);
  if (path == "/fapi/v3/positionRisk") return position_risk(authed, true, now_ms);
  if (path == "/fapi/v2/account" || path == "/fapi/v3/account") return account(authed, now_ms);
  if (path == "/fapi/v2/balance" || path == "/fapi/v3/balance") return balance(authed, now_ms);
  if (path == "/fapi/v1/leverage") return leverage(authed);
  if (path == "/fapi/v1/leverageBracket") return leverage_brackets(authed);
  if (path == "/fapi/v1/countdownCancelAll") return countdown(authed, now);
  if (path == "/sapi/v1/capital/config/getall") return coin_config();
  if (path == "/sapi/v1/margin/allPairs") return json("[]");
  return listen_key(req, authed, now_ms);
}

HttpResponse BinanceProtocol::exchange_info(std::int64_t now_ms) {
  cex::JsonWriter w;
  w.begin_object()
      .kv("timezone", "UTC")
      .kv_num("serverTime", now_ms)
      .kv("futuresType", "U_MARGINED");
  w.key("rateLimits").begin_array();
  w.begin_object()
      .kv("rateLimitType", "REQUEST_WEIGHT")
      .kv("interval", "MINUTE")
      .kv_num("intervalNum", 1)
      .kv_num("limit", weights_.limit())
      .end_object();
  w.begin_object()
      .kv("rateLimitType", "ORDERS")
      .kv("interval", "MINUTE")
      .kv_num("intervalNum", 1)
      .kv_num("limit", 1200)
      .end_object();
  w.end_array();
  w.key("exchangeFilters").begin_array().end_array();
  w.key("assets").begin_array();
  w.begin_object()
      .kv("asset", kQuoteAsset)
      .kv_bool("marginAvailable", true)
      .kv("autoAssetExchange", "-10000")
      .end_object();
  w.end_array();
  w.key("symbols").begin_array();
  for (const auto& ic : ctx_.config.instruments) {
    const auto id = exchange_.find_instrument(ic.symbol);
    if (!id) continue;
    const auto& spec = exchange_.spec(*id);
    w.begin_object()
        .kv("symbol", spec.symbol)
        .kv("pair", spec.symbol)
        .kv("contractType", "PERPETUAL")
        .kv_num("deliveryDate", 4133404800000)
        .kv_num("onboardDate", 1569398400000)
        .kv("status", "TRADING")
        .kv("maintMarginPercent", "2.5000")
        .kv("requiredMarginPercent", "5.0000")
        .kv("baseAsset", spec.asset)
        .kv("quoteAsset", kQuoteAsset)
        .kv("marginAsset", kQuoteAsset)
        .kv_num("pricePrecision", 8)
        .kv_num("quantityPrecision", 8)
        .kv_num("baseAssetPrecision", 8)
        .kv_num("quotePrecision", 8)
        .kv("underlyingType", "COIN")
        .key("underlyingSubType")
        .begin_array()
        .end_array()
        .kv("triggerProtect", "0.0500")
        .kv("liquidationFee", "0.012500")
        .kv("marketTakeBound", "0.05");
    w.key("filters").begin_array();
    w.begin_object()
        .kv("filterType", "PRICE_FILTER")
        .kv_dec("minPrice", spec.tick)
        .kv("maxPrice", "10000000")
        .kv_dec("tickSize", spec.tick)
        .end_object();
    w.begin_object()
        .kv("filterType", "LOT_SIZE")
        .kv_dec("minQty", spec.lot)
        .kv("maxQty", "100000")
        .kv_dec("stepSize", spec.lot)
        .end_object();
    w.begin_object()
        .kv("filterType", "MARKET_LOT_SIZE")
        .kv_dec("minQty", spec.lot)
        .kv("maxQty", "10000")
        .kv_dec("stepSize", spec.lot)
        .end_object();
    w.begin_object().kv("filterType", "MAX_NUM_ORDERS").kv_num("limit", 200).end_object();
    w.begin_object()
        .kv("filterType", "MIN_NOTIONAL")
        .kv_dec("notional", spec.min_notional)
        .end_object();
    w.begin_object()
        .kv("filterType", "PERCENT_PRICE")
        .kv("multiplierUp", "1.0500")
        .kv("multiplierDown", "0.9500")
        .kv("multiplierDecimal", "4")
        .end_object();
    w.end_array();
    w.key("orderTypes")
        .begin_array()
        .str("LIMIT")
        .str("MARKET")
        .str("STOP")
        .str("STOP_MARKET")
        .str("TAKE_PROFIT")
        .str("TAKE_PROFIT_MARKET")
        .str("TRAILING_STOP_MARKET")
        .end_array();
    w.key("timeInForce")
        .begin_array()
        .str("GTC")
        .str("IOC")
        .str("FOK")
        .str("GTX")
        .str("GTD")
        .end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return json(w.take());
}

HttpResponse BinanceProtocol::depth(const cex::Params& p, std::int64_t now_ms) {
  const auto sym = p.get("symbol");
  if (!sym) {
    return error_response(
        {400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."});
  }
  const auto id = exchange_.find_instrument(cex::to_upper(*sym));
  if (!id) return error_response({400, -1121, "Invalid symbol."});
  std::int64_t limit = 500;
  if (const auto l = p.get("limit")) {
    const auto v = cex::parse_int(*l);
    static constexpr std::array<std::int64_t, 7> kLimits = {5, 10, 20, 50, 100, 500, 1000};
    bool ok = false;
    for (const auto k : kLimits) ok = ok || (v && *v == k);
    if (!ok) return error_response({400, -1130, "Data sent for parameter 'limit' is not valid."});
    limit = *v;
  }
  std::vector<sim::BookLevel> raw(static_cast<std::size_t>(limit));
  std::vector<Level> bids;
  std::vector<Level> asks;
  std::size_t n = exchange_.book_levels(*id, common::BookSide::kBid, raw);
  for (std::size_t i = 0; i < n; ++i) bids.push_back({raw[i].price, raw[i].qty});
  n = exchange_.book_levels(*id, common::BookSide::kAsk, raw);
  for (std::size_t i = 0; i < n; ++i) asks.push_back({raw[i].price, raw[i].qty});
  return json(depth_body(feeds_[id->value].update_id, now_ms, now_ms, bids, asks));
}

PositionView BinanceProtocol::position_view(sim::AccountId a, InstrumentId id,
                                            common::PositionSide ps, std::int64_t now_ms) const {
  const sim::SimPosition pos = exchange_.position(a, id, ps);
  const common::Price mark = exchange_.mark_price(id);
  PositionView v;
  v.symbol = feeds_[id.value].symbol;
  v.amount = pos.qty;
  v.entry_price = pos.entry_price;
  v.mark_price = mark;
  v.unrealized_pnl = mark.is_zero() ? common::Money{} : pos.unrealized(mark);
  v.realized_pnl = pos.realized_pnl;
  v.position_side = ps;
  v.leverage = exchange_.leverage(a, id);
  v.update_ms = now_ms;
  return v;
}

BalanceView BinanceProtocol::balance_view(sim::AccountId a, std::int64_t now_ms) const {
  const sim::SimBalance b = exchange_.balance(a);
  return BalanceView{kQuoteAsset, b.wallet, b.unrealized, b.available, now_ms};
}

HttpResponse BinanceProtocol::position_risk(const AuthedRequest& r, bool v3, std::int64_t now_ms) {
  const auto a = r.account->account_id;
  std::optional<InstrumentId> only;
  if (const auto s = r.params.get("symbol")) {
    only = exchange_.find_instrument(*s);
    if (!only) return error_response({400, -1121, "Invalid symbol."});
  }
  cex::JsonWriter w;
  w.begin_array();
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    const InstrumentId id{i};
    if (only && *only != id) continue;
    const bool hedge = exchange_.hedge_mode(a);
    for (const auto ps :
         {common::PositionSide::kBoth, common::PositionSide::kLong, common::PositionSide::kShort}) {
      if (hedge == (ps == common::PositionSide::kBoth)) continue;
      const PositionView v = position_view(a, id, ps, now_ms);
      if (v3 && v.amount.is_zero()) continue;
      write_position_v2(w, v);
    }
  }
  w.end_array();
  return json(w.take());
}

HttpResponse BinanceProtocol::balance(const AuthedRequest& r, std::int64_t now_ms) {
  cex::JsonWriter w;
  w.begin_array();
  write_balance(w, balance_view(r.account->account_id, now_ms));
  w.end_array();
  return json(w.take());
}

// One bracket per symbol: the simulator's margin model has a single maintenance rate (the
// exchangeInfo maintMarginPercent) up to any notional.
HttpResponse BinanceProtocol::leverage_brackets(const AuthedRequest& r) {
  const std::string_view only = r.params.get_or("symbol", "");
  cex::JsonWriter w;
  w.begin_array();
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    const auto& spec = exchange_.spec(InstrumentId{i});
    if (!only.empty() && only != spec.symbol) continue;
    w.begin_object().kv("symbol", spec.symbol).key("brackets").begin_array().begin_object();
    w.kv_num("bracket", 1).kv_num("initialLeverage", spec.max_leverage);
    w.kv_num("notionalCap", 1'000'000'000).kv_num("notionalFloor", 0);
    w.key("maintMarginRatio")
        .raw("0.025")
        .key("cum")
        .raw("0.0")
        .end_object()
        .end_array()
        .end_object();
  }
  w.end_array();
  if (!only.empty() && w.view() == "[]") {
    return error_response(ApiError{400, -1121, "Invalid symbol."});
  }
  return json(w.take());
}

HttpResponse BinanceProtocol::coin_config() {
  cex::JsonWriter w;
  w.begin_array().begin_object().kv("coin", kQuoteAsset).kv("name", "TetherUS");
  w.kv_bool("depositAllEnable", false).kv_bool("withdrawAllEnable", false);
  w.kv("free", "0").kv("locked", "0").kv("freeze", "0").kv("withdrawing", "0");
  w.kv("ipoing", "0").kv("ipoable", "0").kv("storage", "0").kv_bool("isLegalMoney", false);
  w.kv_bool("trading", true).key("networkList").begin_array().end_array();
  w.end_object().end_array();
  return json(w.take());
}

HttpResponse BinanceProtocol::account(const AuthedRequest& r, std::int64_t now_ms) {
  const auto a = r.account->account_id;
  const sim::SimBalance b = exchange_.balance(a);
  cex::JsonWriter w;
  w.begin_object()
      .kv_dec("totalInitialMargin", b.margin_used)
      .kv_dec("totalMaintMargin", common::Money{})
      .kv_dec("totalWalletBalance", b.wallet)
      .kv_dec("totalUnrealizedProfit", b.unrealized)
      .kv_dec("totalMarginBalance", b.wallet + b.unrealized)
      .kv_dec("totalCrossWalletBalance", b.wallet)
      .kv_dec("totalCrossUnPnl", b.unrealized)
      .kv_dec("availableBalance", b.available)
      .kv_dec("maxWithdrawAmount", b.available);
  w.key("assets").begin_array();
  w.begin_object()
      .kv("asset", kQuoteAsset)
      .kv_dec("walletBalance", b.wallet)
      .kv_dec("unrealizedProfit", b.unrealized)
      .kv_dec("marginBalance", b.wallet + b.unrealized)
      .kv_dec("crossWalletBalance", b.wallet)
      .kv_dec("availableBalance", b.available)
      .kv_dec("maxWithdrawAmount", b.available)
      .kv_num("updateTime", now_ms)
      .end_object();
  w.end_array();
  w.key("positions").begin_array();
  const bool hedge = exchange_.hedge_mode(a);
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    for (const auto ps :
         {common::PositionSide::kBoth, common::PositionSide::kLong, common::PositionSide::kShort}) {
      if (hedge == (ps == common::PositionSide::kBoth)) continue;
      const PositionView v = position_view(a, InstrumentId{i}, ps, now_ms);
      w.begin_object()
          .kv("symbol", v.symbol)
          .kv("positionSide", position_side_text(ps))
          .kv_dec("positionAmt", v.amount)
          .kv_dec("entryPrice", v.entry_price)
          .kv_dec("unrealizedProfit", v.unrealized_pnl)
          .kv("leverage", std::to_string(v.leverage))
          .kv_bool("isolated", false)
          .kv_num("updateTime", now_ms)
          .end_object();
    }
  }
  w.end_array();
  w.end_object();
  return json(w.take());
}

HttpResponse BinanceProtocol::leverage(const AuthedRequest& r) {
  const auto sym = r.params.get("symbol");
  const auto lev_text = r.params.get("leverage");
  if (!sym || !lev_text) {
    return error_response({400, -1102,
                           std::string("Mandatory parameter '") + (sym ? "leverage" : "symbol") +
                               "' was not sent, was empty/null, or malformed."});
  }
  const auto id = exchange_.find_instrument(*sym);
  if (!id) return error_response({400, -1121, "Invalid symbol."});
  const auto lev = cex::parse_int(*lev_text);
  if (!lev || *lev < 1 || *lev > 125 ||
      exchange_.set_leverage(r.account->account_id, *id, static_cast<int>(*lev)) !=
          sim::SimError::kNone) {
    return error_response({400, -4028, "Leverage " + std::string(*lev_text) + " is not valid"});
  }
  cex::JsonWriter w;
  w.begin_object()
      .kv_num("leverage", *lev)
      .kv("maxNotionalValue", "1000000")
      .kv("symbol", exchange_.spec(*id).symbol)
      .end_object();
  return json(w.take());
}

HttpResponse BinanceProtocol::countdown(const AuthedRequest& r, Nanos now) {
  const auto sym = r.params.get("symbol");
  const auto t = r.params.get("countdownTime");
  if (!sym || !t) {
    return error_response({400, -1102,
                           std::string("Mandatory parameter '") +
                               (sym ? "countdownTime" : "symbol") +
                               "' was not sent, was empty/null, or malformed."});
  }
  const auto id = exchange_.find_instrument(*sym);
  if (!id) return error_response({400, -1121, "Invalid symbol."});
  const auto ms = cex::parse_int(*t);
  if (!ms || *ms < 0) {
    return error_response(
        {400, -1102,
         "Mandatory parameter 'countdownTime' was not sent, was empty/null, or malformed."});
  }
  // The Exchange's switch is per account (it cancels every symbol's orders when it fires).
  exchange_.set_dead_man(r.account->account_id, *ms == 0 ? 0 : now + *ms * 1'000'000);
  cex::JsonWriter w;
  w.begin_object()
      .kv("symbol", exchange_.spec(*id).symbol)
      .kv("countdownTime", std::string(*t))
      .end_object();
  return json(w.take());
}

HttpResponse BinanceProtocol::listen_key(const HttpRequest& req, const AuthedRequest& r,
                                         std::int64_t now_ms) {
  const auto a = r.account->account_id;
  if (req.method == "POST") {
    // An active key of the account is returned and extended.
    for (auto& [k, v] : listen_keys_) {
      if (v.account == a && v.expires_ms > now_ms) {
        v.expires_ms = now_ms + kListenKeyTtlMs;
        return json("{\"listenKey\":\"" + k + "\"}");
      }
    }
    // 64 characters like the venue's; unique per simulator run.
    const std::string seq = std::to_string(++listen_key_seq_);
    std::string key = cex::hmac_hex(r.account->api_key, {"listenKey", seq});
    key.replace(0, seq.size(), seq);
    listen_keys_[key] = ListenKey{a, now_ms + kListenKeyTtlMs};
    return json("{\"listenKey\":\"" + key + "\"}");
  }
  // PUT and DELETE act on the account's key (the venue takes no parameter either).
  for (auto it = listen_keys_.begin(); it != listen_keys_.end(); ++it) {
    if (it->second.account != a || it->second.expires_ms <= now_ms) continue;
    if (req.method == "PUT") {
      it->second.expires_ms = now_ms + kListenKeyTtlMs;
      return json("{\"listenKey\":\"" + it->first + "\"}");
    }
    listen_keys_.erase(it);
    return json("{}");
  }
  return error_response({400, -1125, "This listenKey does not exist."});
}

OrderView BinanceProtocol::view(const sim::SimOrder& o) const {
  OrderView v;
  v.order_id = o.id;
  v.client_id = o.client_id.view();
  v.symbol = feeds_[o.instrument.value].symbol;
  v.side = o.side;
  v.position_side = o.position_side;
  switch (o.type) {
    case common::OrderType::kMarket:
      v.type = "MARKET";
      break;
    case common::OrderType::kStopMarket:
      v.type = "STOP_MARKET";
      break;
    case common::OrderType::kStopLimit:
      v.type = "STOP";
      break;
    case common::OrderType::kTakeProfitMarket:
      v.type = "TAKE_PROFIT_MARKET";
      break;
    case common::OrderType::kTakeProfitLimit:
      v.type = "TAKE_PROFIT";
      break;
    case common::OrderType::kTrailingStopMarket:
      v.type = "TRAILING_STOP_MARKET";
      break;
    case common::OrderType::kLimit:
      v.type = "LIMIT";
      break;
  }
  switch (o.tif) {
    case common::TimeInForce::kIoc:
      v.tif = "IOC";
      break;
    case common::TimeInForce::kFok:
      v.tif = "FOK";
      break;
    case common::TimeInForce::kPostOnly:
      v.tif = "GTX";
      break;
    case common::TimeInForce::kGtc:
      v.tif = "GTC";
      break;
  }
  switch (o.status) {
    case common::OrderStatus::kPartiallyFilled:
      v.status = "PARTIALLY_FILLED";
      break;
    case common::OrderStatus::kFilled:
      v.status = "FILLED";
      break;
    case common::OrderStatus::kCancelled:
      v.status = "CANCELED";
      break;
    case common::OrderStatus::kRejected:
      v.status = "REJECTED";
      break;
    case common::OrderStatus::kExpired:
      v.status = "EXPIRED";
      break;
    default:
      v.status = "NEW";
      break;
  }
  v.price = o.price;
  v.avg_price = o.avg_price();
  v.stop_price = o.trigger_price;
  v.orig_qty = o.qty;
  v.executed_qty = o.filled;
  v.cum_quote = o.filled_notional;
  v.reduce_only = o.reduce_only;
  v.time_ms = ms_of(o.created);
  v.update_ms = ms_of(o.updated);
  return v;
}

}  // namespace peregrine::venue_sim::binance

namespace peregrine::venue_sim {
std::unique_ptr<VenueProtocol> make_binance_protocol(VenueContext& ctx) {
  return std::make_unique<binance::BinanceProtocol>(ctx);
}
}  // namespace peregrine::venue_sim
