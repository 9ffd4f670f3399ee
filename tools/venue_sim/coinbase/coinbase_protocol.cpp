#include "tools/venue_sim/coinbase/coinbase_protocol.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace peregrine::venue_sim::coinbase {

namespace sim = gateways::sim;
namespace cb = gateways::coinbase;
using common::InstrumentId;

namespace {

constexpr std::string_view kPrefix = "/api/v3/brokerage";

HttpResponse json(std::string body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool is_perp(std::string_view product) noexcept {
  return product.ends_with("-INTX") || product.find("-PERP") != std::string_view::npos;
}

}  // namespace

std::string order_uuid(sim::OrderId id) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(id));
  return buf;
}

std::optional<sim::OrderId> parse_order_uuid(std::string_view s) noexcept {
  if (s.size() != 36 || !s.starts_with("00000000-0000-4000-8000-")) return std::nullopt;
  sim::OrderId v = 0;
  for (const char c : s.substr(24)) {
    int d = 0;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = v * 16 + static_cast<sim::OrderId>(d);
  }
  return v == 0 ? std::nullopt : std::optional<sim::OrderId>(v);
}

CoinbaseProtocol::CoinbaseProtocol(VenueContext& ctx) : ctx_(ctx), exchange_(ctx.exchange) {
  feeds_.resize(exchange_.instrument_count());
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    feeds_[i].product = exchange_.spec(InstrumentId{i}).symbol;
  }
  exchange_.set_listener(this);
}

CoinbaseProtocol::~CoinbaseProtocol() { exchange_.set_listener(nullptr); }

const SimAccountConfig* CoinbaseProtocol::verify(std::string_view token, Nanos now,
                                                 std::string_view uri, bool websocket,
                                                 std::string& why) const {
  const auto claims = cb::decode_jwt(token);
  if (!claims) {
    why = std::string(cb::to_string(claims.error()));
    return nullptr;
  }
  const SimAccountConfig* acct = nullptr;
  for (const auto& a : ctx_.config.accounts) {
    if (!a.cb_key_name.empty() && a.cb_key_name == claims->kid) acct = &a;
  }
  if (acct == nullptr) {
    why = "unknown key";
    return nullptr;
  }
  auto it = keys_.find(acct->cb_key_name);
  if (it == keys_.end()) {
    auto key = cb::EcKey::from_pem(acct->cb_public_key_pem);
    if (!key) {
      why = "key not loadable";
      return nullptr;
    }
    it = keys_.emplace(acct->cb_key_name, *key).first;
  }
  cb::JwtVerifyOptions opt;
  opt.now_s = now / 1'000'000'000;
  opt.key_name = acct->cb_key_name;
  opt.uri = uri;
  opt.websocket = websocket;
  opt.leeway_s = 5;
  const auto ok = cb::verify_jwt(token, *it->second, opt);
  if (!ok) {
    why = std::string(cb::to_string(ok.error()));
    return nullptr;
  }
  return acct;
}

const SimAccountConfig* CoinbaseProtocol::authenticate(const HttpRequest& req, Nanos now,
                                                       std::string& why) const {
  const std::string_view auth = req.header("authorization");
  if (!auth.starts_with("Bearer ")) {
    why = "missing bearer token";
    return nullptr;
  }
  const std::string_view token = auth.substr(7);
  // The uri claim names the venue's host; a client pointed at the simulator may sign its own
  // host instead, so both are accepted.
  char uri[cb::kMaxJwtUriBytes];
  std::size_t n = cb::format_jwt_uri(req.method, req.path(), uri, sizeof uri);
  const SimAccountConfig* a = verify(token, now, std::string_view(uri, n), false, why);
  const std::string_view host = req.header("host");
  if (a == nullptr && why == cb::to_string(cb::JwtError::kUriMismatch) && !host.empty()) {
    n = cb::format_jwt_uri(req.method, req.path(), uri, sizeof uri, host);
    a = verify(token, now, std::string_view(uri, n), false, why);
    if (a == nullptr && why == cb::to_string(cb::JwtError::kUriMismatch)) {
      // A client that strips only "https://" from its base URL keeps "http://" in the claim
      // when it is pointed at the simulator's plain-TCP port.
      const std::string with_scheme = "http://" + std::string(host);
      n = cb::format_jwt_uri(req.method, req.path(), uri, sizeof uri, with_scheme);
      a = verify(token, now, std::string_view(uri, n), false, why);
    }
  }
  return a;
}

HttpResponse CoinbaseProtocol::on_http(const HttpRequest& req, Nanos now) {
  last_now_ = now;
  if (req.method == "GET" && req.path().starts_with("/v2/")) return public_v2(req.path());
  if (!req.path().starts_with(kPrefix))
    return json("{\"error\":\"NOT_FOUND\",\"message\":\"Not Found\"}", 404);
  // The public market endpoints: the same data as the private ones, no JWT.
  const std::string_view rel = req.path().substr(kPrefix.size());
  if (req.method == "GET" && rel.starts_with("/market/")) {
    const std::string_view sub = rel.substr(7);
    cex::Params q;
    if (!q.add_form(req.query())) {
      return json("{\"error\":\"INVALID_ARGUMENT\",\"message\":\"bad query\"}", 400);
    }
    if (sub == "/products" || sub.starts_with("/products/")) return products(sub, q);
    if (sub == "/product_book") return product_book(q, now);
    return json("{\"error\":\"NOT_FOUND\",\"message\":\"Not Found\"}", 404);
  }
  std::string why;
  const SimAccountConfig* a = authenticate(req, now, why);
  if (a == nullptr) {
    // The venue answers a bad or missing JWT with a bare 401 and no reason.
    HttpResponse r;
    r.status = 401;
    r.content_type = "text/plain";
    r.body = "Unauthorized\n";
    return r;
  }
  return route(req, *a, now);
}

// The public v2 API clients load currencies from: USD and the base asset of every product,
// and USD exchange rates from the last traded prices.
HttpResponse CoinbaseProtocol::public_v2(std::string_view path) const {
  std::vector<std::string> assets;
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    const std::string& a = exchange_.spec(InstrumentId{i}).asset;
    if (std::find(assets.begin(), assets.end(), a) == assets.end()) assets.push_back(a);
  }
  cex::JsonWriter w;
  if (path == "/v2/currencies") {
    w.begin_object().key("data").begin_array().begin_object().kv("id", "USD");
    w.kv("name", "US Dollar").kv("min_size", "0.01").end_object().end_array().end_object();
  } else if (path == "/v2/currencies/crypto") {
    w.begin_object().key("data").begin_array();
    int sort = 100;
    for (const auto& a : assets) {
      w.begin_object().kv("asset_id", a).kv("code", a).kv("name", a).kv("color", "#000000");
      w.kv_num("sort_index", sort++).kv_num("exponent", 8).kv("type", "crypto");
      w.kv("address_regex", "").end_object();
    }
    w.end_array().end_object();
  } else if (path == "/v2/exchange-rates") {
    w.begin_object().key("data").begin_object().kv("currency", "USD");
    w.key("rates").begin_object().kv("USD", "1");
    for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
      const auto& spec = exchange_.spec(InstrumentId{i});
      const double px = exchange_.last_trade_price(InstrumentId{i}).to_double();
      if (px <= 0.0 || spec.asset.empty()) continue;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.12g", 1.0 / px);
      w.kv(spec.asset, buf);
    }
    w.end_object().end_object().end_object();
  } else {
    return json("{\"errors\":[{\"id\":\"not_found\",\"message\":\"Not found\"}]}", 404);
  }
  return json(w.take());
}

// The account's fee tier: the simulator charges every product the configured rates; the first
// product's stand for the tier (volume tiers do not exist here).
HttpResponse CoinbaseProtocol::transaction_summary() const {
  const auto rate = [](std::int64_t ppm) {
    return common::Money::from_raw(ppm * (common::kDecimalScale / 1'000'000));
  };
  const auto& spec = exchange_.spec(InstrumentId{0});
  cex::JsonWriter w;
  w.begin_object().key("total_volume").raw("0").key("total_fees").raw("0");
  w.key("fee_tier").begin_object().kv("pricing_tier", "Simulator").kv("usd_from", "0");
  w.kv("usd_to", "").kv_dec("taker_fee_rate", rate(spec.taker_fee_ppm));
  w.kv_dec("maker_fee_rate", rate(spec.maker_fee_ppm)).end_object();
  w.key("margin_rate").null().key("goods_and_services_tax").null();
  w.kv("advanced_trade_only_volume", "0").kv("advanced_trade_only_fees", "0");
  w.kv("coinbase_pro_volume", "0").kv("coinbase_pro_fees", "0").end_object();
  return json(w.take());
}

HttpResponse CoinbaseProtocol::route(const HttpRequest& req, const SimAccountConfig& acct,
                                     Nanos now) {
  const std::string_view path = req.path().substr(kPrefix.size());
  cex::Params q;
  if (!q.add_form(req.query()))
    return json("{\"error\":\"INVALID_ARGUMENT\",\"message\":\"bad query\"}", 400);
  const auto a = acct.account_id;
  if (req.method == "GET") {
    if (path == "/products" || path.starts_with("/products/")) return products(path, q);
    if (path == "/product_book") return product_book(q, now);
    if (path == "/best_bid_ask") return best_bid_ask(q, now);
    if (path == "/orders/historical/batch") return orders_batch(q, a);
    if (path == "/orders/historical/fills") return fills(q, a);
    if (path.starts_with("/orders/historical/")) {
      const auto id = parse_order_uuid(path.substr(19));
      const sim::SimOrder* o = id ? exchange_.find_order(a, *id) : nullptr;
      if (o == nullptr) {
        return json(
            "{\"error\":\"NOT_FOUND\",\"error_details\":\"order with this orderID was not "
            "found\",\"message\":\"order with this orderID was not found\"}",
            404);
      }
      cex::JsonWriter w;
      w.begin_object().key("order");
      write_order(w, *o);
      w.end_object();
      return json(w.take());
    }
    if (path == "/accounts") return accounts(a, now);
    if (path == "/transaction_summary") return transaction_summary();
    if (path == "/portfolios") {
      // One default portfolio per account; its uuid is derived from the account id.
      char uuid[40];
      std::snprintf(uuid, sizeof uuid, "00000000-0000-4000-a000-%012x", a);
      return json(std::string("{\"portfolios\":[{\"name\":\"Default\",\"uuid\":\"") + uuid +
                  "\",\"type\":\"DEFAULT\",\"deleted\":false}]}");
    }
    if (path == "/cfm/positions" || path.starts_with("/intx/positions/")) return positions(a);
  } else if (req.method == "POST") {
    if (path == "/orders") return create_order(req.body, a, now);
    if (path == "/orders/batch_cancel") return batch_cancel(req.body, a, now);
  }
  return json("{\"error\":\"NOT_FOUND\",\"message\":\"Not Found\"}", 404);
}

void CoinbaseProtocol::write_product(cex::JsonWriter& w, InstrumentId id) const {
  const auto& spec = exchange_.spec(id);
  const bool perp = is_perp(spec.symbol);
  const common::Price last = exchange_.last_trade_price(id);
  w.begin_object()
      .kv("product_id", spec.symbol)
      .kv("price", last.is_zero() ? std::string() : last.to_string())
      .kv("price_percentage_change_24h", "0")
      .kv("volume_24h", "0")
      .kv("volume_percentage_change_24h", "0")
      .kv_dec("base_increment", spec.lot)
      .kv_dec("quote_increment", spec.tick)
      .kv_dec("quote_min_size", spec.min_notional)
      .kv("quote_max_size", "50000000")
      .kv_dec("base_min_size", spec.lot)
      .kv("base_max_size", "100000")
      .kv("base_name", spec.asset)
      .kv("quote_name", "USDC")
      .kv_bool("watched", false)
      .kv_bool("is_disabled", false)
      .kv_bool("new", false)
      .kv("status", "online")
      .kv_bool("cancel_only", false)
      .kv_bool("limit_only", false)
      .kv_bool("post_only", false)
      .kv_bool("trading_disabled", false)
      .kv_bool("auction_mode", false)
      .kv("product_type", perp ? "FUTURE" : "SPOT")
      .kv("quote_currency_id", kQuote)
      .kv("base_currency_id", spec.asset)
      .key("fcm_trading_session_details")
      .null()
      .kv("mid_market_price", "")
      .kv("alias", "")
      .key("alias_to")
      .begin_array()
      .end_array()
      .kv("base_display_symbol", spec.asset)
      .kv("quote_display_symbol", kQuote)
      .kv_bool("view_only", false)
      .kv_dec("price_increment", spec.tick)
      .kv("display_name", spec.symbol)
      .kv("product_venue", perp ? "INTX" : "CBE");
  if (perp) {
    w.key("future_product_details")
        .begin_object()
        .kv("venue", "intx")
        .kv("contract_code", spec.asset)
        .kv("contract_expiry", "")
        .kv("contract_size", "1")
        .kv("contract_root_unit", spec.asset)
        .kv("group_description", spec.asset + " Perpetual")
        .kv("contract_expiry_timezone", "")
        .kv("group_short_description", spec.asset + " PERP")
        .kv("risk_managed_by", "MANAGED_BY_VENUE")
        .kv("contract_expiry_type", "PERPETUAL")
        .key("perpetual_details")
        .begin_object()
        .kv("open_interest", "0")
        .kv("funding_rate", "0.000001")
        .kv("funding_time", "")
        .kv("max_leverage", std::to_string(spec.max_leverage))
        .end_object()
        .kv("contract_display_name", spec.asset + " PERPETUAL")
        .end_object();
  }
  w.end_object();
}

HttpResponse CoinbaseProtocol::products(std::string_view path, const cex::Params& q) const {
  cex::JsonWriter w;
  if (path.starts_with("/products/")) {
    const auto id = exchange_.find_instrument(path.substr(10));
    if (!id) {
      return json(
          "{\"error\":\"NOT_FOUND\",\"error_details\":\"ProductID is "
          "invalid\",\"message\":\"ProductID is invalid\"}",
          404);
    }
    write_product(w, *id);
    return json(w.take());
  }
  // As on the venue: no product_type lists spot products; FUTURE lists the dated futures
  // unless contract_expiry_type is PERPETUAL (every simulated future is a perpetual).
  const std::string_view type = q.get_or("product_type", "SPOT");
  const std::string_view expiry = q.get_or("contract_expiry_type", "EXPIRING");
  const bool want_perp = type == "FUTURE" && expiry == "PERPETUAL";
  const bool want_spot = type == "SPOT" || type == "UNKNOWN_PRODUCT_TYPE";
  w.begin_object().key("products").begin_array();
  std::int64_t n = 0;
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    const bool perp = is_perp(exchange_.spec(InstrumentId{i}).symbol);
    if (perp ? !want_perp : !want_spot) continue;
    write_product(w, InstrumentId{i});
    ++n;
  }
  w.end_array().kv_num("num_products", n).end_object();
  return json(w.take());
}

HttpResponse CoinbaseProtocol::product_book(const cex::Params& p, Nanos now) const {
  const auto id = exchange_.find_instrument(p.get_or("product_id", ""));
  if (!id) {
    return json(
        "{\"error\":\"INVALID_ARGUMENT\",\"error_details\":\"valid product_id is "
        "required\",\"message\":\"valid product_id is required\"}",
        400);
  }
  std::int64_t limit = cex::parse_int(p.get_or("limit", "0")).value_or(0);
  std::vector<sim::BookLevel> lv(std::max(exchange_.level_count(*id, common::BookSide::kBid),
                                          exchange_.level_count(*id, common::BookSide::kAsk)));
  cex::JsonWriter w;
  w.begin_object().key("pricebook").begin_object().kv("product_id", feeds_[id->value].product);
  for (const auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
    w.key(side == common::BookSide::kBid ? "bids" : "asks").begin_array();
    std::size_t n = exchange_.book_levels(*id, side, lv);
    if (limit > 0) n = std::min(n, static_cast<std::size_t>(limit));
    for (std::size_t i = 0; i < n; ++i) {
      w.begin_object().kv_dec("price", lv[i].price).kv_dec("size", lv[i].qty).end_object();
    }
    w.end_array();
  }
  w.kv("time", cex::rfc3339(now)).end_object();
  w.kv("last", exchange_.last_trade_price(*id).to_string())
      .kv("mid_market", "")
      .kv("spread_bps", "")
      .kv("spread_absolute", "")
      .end_object();
  return json(w.take());
}

HttpResponse CoinbaseProtocol::best_bid_ask(const cex::Params& p, Nanos now) const {
  cex::JsonWriter w;
  w.begin_object().key("pricebooks").begin_array();
  for (const auto& [k, v] : p.items()) {
    if (k != "product_ids") continue;
    const auto id = exchange_.find_instrument(v);
    if (!id) continue;
    w.begin_object().kv("product_id", v);
    for (const auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
      std::array<sim::BookLevel, 1> top{};
      w.key(side == common::BookSide::kBid ? "bids" : "asks").begin_array();
      if (exchange_.book_levels(*id, side, top) == 1) {
        w.begin_object().kv_dec("price", top[0].price).kv_dec("size", top[0].qty).end_object();
      }
      w.end_array();
    }
    w.kv("time", cex::rfc3339(now)).end_object();
  }
  w.end_array().end_object();
  return json(w.take());
}

HttpResponse CoinbaseProtocol::accounts(sim::AccountId a, Nanos now) const {
  const sim::SimBalance b = exchange_.balance(a);
  const common::Money hold = b.margin_used;
  cex::JsonWriter w;
  w.begin_object().key("accounts").begin_array().begin_object();
  w.kv("uuid", "8bfc20d7-f7c6-4422-bf07-8243ca4169" + std::to_string(10 + a % 90))
      .kv("name", "USDC Wallet")
      .kv("currency", kQuote)
      .key("available_balance")
      .begin_object()
      .kv_dec("value", b.available)
      .kv("currency", kQuote)
      .end_object()
      .kv_bool("default", true)
      .kv_bool("active", true)
      .kv("created_at", cex::rfc3339(now))
      .kv("updated_at", cex::rfc3339(now))
      .key("deleted_at")
      .null()
      .kv("type", "ACCOUNT_TYPE_CRYPTO")
      .kv_bool("ready", true)
      .key("hold")
      .begin_object()
      .kv_dec("value", hold)
      .kv("currency", kQuote)
      .end_object()
      .kv("retail_portfolio_id", "")
      .end_object();
  w.end_array().kv_bool("has_next", false).kv("cursor", "").kv_num("size", 1).end_object();
  return json(w.take());
}

// Perpetuals are INTX products; the position list follows GET /intx/positions/{portfolio} (the
// same body answers the CFM path, which the simulator treats as an alias).
HttpResponse CoinbaseProtocol::positions(sim::AccountId a) const {
  cex::JsonWriter w;
  w.begin_object().key("positions").begin_array();
  for (std::uint32_t i = 0; i < feeds_.size(); ++i) {
    const InstrumentId id{i};
    const sim::SimPosition p = exchange_.position(a, id);
    if (p.qty.is_zero()) continue;
    const common::Price mark = exchange_.mark_price(id);
    auto money = [&](std::string_view k, common::Money m) {
      w.key(k).begin_object().kv_dec("value", m).kv("currency", kQuote).end_object();
    };
    w.begin_object()
        .kv("product_id", feeds_[i].product)
        .kv("product_uuid", order_uuid(i + 1))
        .kv("symbol", feeds_[i].product);
    w.key("vwap").begin_object().kv_dec("value", p.entry_price).kv("currency", kQuote).end_object();
    w.kv("position_side", p.qty.is_positive() ? "POSITION_SIDE_LONG" : "POSITION_SIDE_SHORT")
        .kv_dec("net_size", p.qty)
        .kv("buy_order_size", "0")
        .kv("sell_order_size", "0")
        .kv("im_contribution", "0.1")
        .kv("leverage", std::to_string(exchange_.leverage(a, id)));
    money("unrealized_pnl", mark.is_zero() ? common::Money{} : p.unrealized(mark));
    w.key("mark_price").begin_object().kv_dec("value", mark).kv("currency", kQuote).end_object();
    money("aggregated_pnl", p.realized_pnl - p.fees_paid);
    w.end_object();
  }
  w.end_array().end_object();
  return json(w.take());
}

}  // namespace peregrine::venue_sim::coinbase
