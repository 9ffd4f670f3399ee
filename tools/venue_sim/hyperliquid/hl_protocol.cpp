#include "tools/venue_sim/hyperliquid/hl_protocol.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "gateways/crypto/secp256k1_signer.hpp"

namespace peregrine::venue_sim {

std::unique_ptr<VenueProtocol> make_hyperliquid_protocol(VenueContext& ctx) {
  return std::make_unique<hl::HlProtocol>(ctx, true);
}

std::unique_ptr<VenueProtocol> make_hyperliquid_protocol(VenueContext& ctx, bool mainnet) {
  // The network a signature is valid for is part of the signed data; the simulator's config
  // decides which one it is (hyperliquid_network in docs/venue_sim.md).
  return std::make_unique<hl::HlProtocol>(ctx, mainnet);
}

std::unique_ptr<VenueProtocol> make_hyperliquid_protocol(VenueContext& ctx, bool mainnet,
                                                         std::uint32_t twap_slice_ms) {
  return std::make_unique<hl::HlProtocol>(ctx, mainnet, twap_slice_ms);
}

namespace hl {

namespace {

constexpr std::string_view kHello = "Websocket connection established.";
constexpr std::size_t kBookDepth = 20;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::int64_t ms(Nanos ns) { return ns / 1'000'000; }

}  // namespace

HlProtocol::HlProtocol(VenueContext& ctx, bool mainnet, std::uint32_t twap_slice_ms)
    : ctx_(ctx),
      ex_(ctx.exchange),
      mainnet_(mainnet),
      twap_slice_ns_(static_cast<Nanos>(twap_slice_ms == 0 ? 1 : twap_slice_ms) * 1'000'000) {
  for (const auto& i : ctx.config.instruments) {
    HlInstrument h;
    h.cfg = &i;
    h.id = common::InstrumentId{i.instrument_id};
    instruments_.push_back(std::move(h));
  }
  std::sort(instruments_.begin(), instruments_.end(),
            [](const HlInstrument& a, const HlInstrument& b) {
              return a.cfg->asset_index < b.cfg->asset_index;
            });
  for (const auto& a : ctx.config.accounts) {
    if (a.hl_private_key.empty()) continue;
    auto key = gateways::crypto::EcdsaKey::from_hex(a.hl_private_key);
    if (!key) throw std::invalid_argument("account " + a.name + ": bad hl_private_key");
    HlAccount h;
    h.cfg = &a;
    h.id = a.account_id;
    h.address = key.value()->address();
    h.address_hex = address_hex(h.address);
    accounts_.push_back(std::move(h));
  }
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    for (const auto& agent : accounts_[i].cfg->hl_agents) {
      Address a{};
      if (!parse_address(agent, &a)) {
        throw std::invalid_argument("account " + accounts_[i].cfg->name + ": bad agent address");
      }
      agents_[address_hex(a)] = i;
    }
  }
  ex_.set_listener(this);
}

HlProtocol::~HlProtocol() { ex_.set_listener(nullptr); }

HlInstrument* HlProtocol::by_coin(std::string_view coin) noexcept {
  for (auto& i : instruments_) {
    if (i.cfg->symbol == coin) return &i;
  }
  return nullptr;
}
HlInstrument* HlProtocol::by_asset(std::int64_t asset) noexcept {
  for (auto& i : instruments_) {
    if (i.cfg->asset_index == asset) return &i;
  }
  return nullptr;
}
HlInstrument* HlProtocol::by_id(common::InstrumentId id) noexcept {
  for (auto& i : instruments_) {
    if (i.id == id) return &i;
  }
  return nullptr;
}
HlAccount* HlProtocol::by_user(std::string_view address) noexcept {
  const std::string l = lower(address);
  for (auto& a : accounts_) {
    if (a.address_hex == l) return &a;
  }
  return nullptr;
}
HlAccount* HlProtocol::by_account_id(gs::AccountId id) noexcept {
  for (auto& a : accounts_) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

// ---- HTTP ------------------------------------------------------------------------------------

HttpResponse HlProtocol::on_http(const HttpRequest& req, Nanos now) {
  HttpResponse r;
  const auto path = req.path();
  if (req.method != "POST" || (path != "/info" && path != "/exchange")) {
    r.status = 404;
    r.content_type = "text/plain";
    r.body = "Not Found";
    return r;
  }
  int status = 200;
  r.body = path == "/info" ? info(req.body, now, &status) : exchange_action(req.body, now, &status);
  r.status = status;
  if (status == 422) r.content_type = "text/plain";
  return r;
}

// ---- WebSocket -------------------------------------------------------------------------------

bool HlProtocol::accepts_ws(std::string_view target) const noexcept {
  return target.substr(0, target.find('?')) == "/ws";
}

void HlProtocol::on_ws_open(WsSession& s, Nanos) {
  sessions_[s.id()].ws = &s;
  s.send(std::string(kHello));
}

void HlProtocol::on_ws_close(WsSession& s) noexcept { sessions_.erase(s.id()); }

void HlProtocol::on_ws_message(WsSession& s, std::string_view text, Nanos now) {
  auto it = sessions_.find(s.id());
  if (it == sessions_.end()) return;
  HlSession& sess = it->second;
  simdjson::dom::element msg;
  std::string_view method;
  if (ws_parser_.parse(text.data(), text.size()).get(msg) != simdjson::SUCCESS ||
      msg["method"].get_string().get(method) != simdjson::SUCCESS) {
    cex::JsonWriter o;
    o.begin_object()
        .kv("channel", "error")
        .kv("data",
            "Error parsing JSON into valid websocket request: " + std::string(text.substr(0, 200)));
    o.end_object();
    s.send(o.take());
    return;
  }
  if (method == "ping") {
    s.send("{\"channel\":\"pong\"}");
  } else if (method == "subscribe" || method == "unsubscribe") {
    simdjson::dom::element sub;
    if (msg["subscription"].get(sub) != simdjson::SUCCESS) {
      s.send("{\"channel\":\"error\",\"data\":\"Invalid subscription: missing subscription\"}");
      return;
    }
    handle_subscribe(sess, sub, method == "subscribe", now);
  } else if (method == "post") {
    handle_post(sess, msg, now);
  } else {
    cex::JsonWriter o;
    o.begin_object()
        .kv("channel", "error")
        .kv("data", "Unknown method: " + std::string(method))
        .end_object();
    s.send(o.take());
  }
}

void HlProtocol::handle_subscribe(HlSession& s, simdjson::dom::element sub, bool subscribe,
                                  Nanos now) {
  std::string_view type, coin, user;
  if (sub["type"].get_string().get(type) != simdjson::SUCCESS) type = {};
  if (sub["coin"].get_string().get(coin) != simdjson::SUCCESS) coin = {};
  if (sub["user"].get_string().get(user) != simdjson::SUCCESS) user = {};
  const std::string echo = simdjson::minify(sub);
  auto invalid = [&] {
    s.ws->send("{\"channel\":\"error\",\"data\":\"Invalid subscription " + echo + "\"}");
  };
  Subscription want;
  want.type = std::string(type);
  if (type == "l2Book" || type == "trades" || type == "bbo") {
    if (by_coin(coin) == nullptr) return invalid();
    want.key = std::string(coin);
  } else if (type == "orderUpdates" || type == "userFills" || type == "userEvents" ||
             type == "userTwapSliceFills" || type == "userTwapHistory") {
    Address a{};
    if (!parse_address(user, &a)) return invalid();
    want.key = lower(user);
  } else if (type != "allMids") {
    return invalid();
  }
  want.echo = echo;
  auto it = std::find_if(s.subs.begin(), s.subs.end(), [&](const Subscription& x) {
    return x.type == want.type && x.key == want.key;
  });
  if (subscribe && it != s.subs.end()) {
    s.ws->send("{\"channel\":\"error\",\"data\":\"Already subscribed: " + echo + "\"}");
    return;
  }
  if (!subscribe && it == s.subs.end()) {
    s.ws->send("{\"channel\":\"error\",\"data\":\"Already unsubscribed: " + echo + "\"}");
    return;
  }
  cex::JsonWriter ack;
  ack.begin_object().kv("channel", "subscriptionResponse").key("data").begin_object();
  ack.kv("method", subscribe ? "subscribe" : "unsubscribe").key("subscription").raw(echo);
  ack.end_object().end_object();
  s.ws->send(ack.take());
  if (!subscribe) {
    s.subs.erase(it);
    return;
  }
  s.subs.push_back(want);
  // Initial data, as the venue sends on subscribe.
  cex::JsonWriter o;
  if (type == "l2Book") {
    o.begin_object().kv("channel", "l2Book").key("data");
    write_book(o, *by_coin(coin), now);
    o.end_object();
    s.ws->send(o.take());
  } else if (type == "userFills") {
    o.begin_object()
        .kv("channel", "userFills")
        .key("data")
        .begin_object()
        .kv_bool("isSnapshot", true);
    o.kv("user", want.key).key("fills").begin_array();
    if (HlAccount* acc = by_user(want.key)) {
      ex_.for_each_fill(acc->id, [&](const gs::SimFill& f) { write_fill(o, f); });
    }
    o.end_array().end_object().end_object();
    s.ws->send(o.take());
  } else if (type == "userTwapSliceFills" || type == "userTwapHistory") {
    const bool fills = type == "userTwapSliceFills";
    o.begin_object().kv("channel", type).key("data").begin_object().kv_bool("isSnapshot", true);
    o.kv("user", want.key).key(fills ? "twapSliceFills" : "history").begin_array();
    if (HlAccount* acc = by_user(want.key)) {
      for (const auto& e : fills ? acc->twap_fill_log : acc->twap_history_log) o.raw(e);
    }
    o.end_array().end_object().end_object();
    s.ws->send(o.take());
  } else if (type == "allMids") {
    o.begin_object().kv("channel", "allMids").key("data").begin_object().key("mids").begin_object();
    for (const auto& i : instruments_) o.kv_dec(i.cfg->symbol, mid(i));
    o.end_object().end_object().end_object();
    s.ws->send(o.take());
  }
}

void HlProtocol::handle_post(HlSession& s, simdjson::dom::element msg, Nanos now) {
  std::uint64_t id = 0;
  simdjson::dom::element request, payload;
  std::string_view type;
  const bool ok = msg["id"].get_uint64().get(id) == simdjson::SUCCESS &&
                  msg["request"].get(request) == simdjson::SUCCESS &&
                  request["type"].get_string().get(type) == simdjson::SUCCESS &&
                  request["payload"].get(payload) == simdjson::SUCCESS &&
                  (type == "info" || type == "action");
  cex::JsonWriter o;
  o.begin_object()
      .kv("channel", "post")
      .key("data")
      .begin_object()
      .kv_unum("id", id)
      .key("response")
      .begin_object();
  if (!ok) {
    o.kv("type", "error").kv("payload", "Invalid post request");
  } else {
    const std::string body = simdjson::minify(payload);
    int status = 200;
    if (type == "info") {
      std::string_view info_type;
      if (payload["type"].get_string().get(info_type) != simdjson::SUCCESS) info_type = {};
      std::string data = info(body, now, &status);
      if (status != 200) {
        o.kv("type", "error").kv("payload", data);
      } else {
        o.kv("type", "info")
            .key("payload")
            .begin_object()
            .kv("type", info_type)
            .key("data")
            .raw(data);
        o.end_object();
      }
    } else {
      std::string data = exchange_action(body, now, &status);
      if (status != 200) {
        o.kv("type", "error").kv("payload", data);
      } else {
        o.kv("type", "action").key("payload").raw(data);
      }
    }
  }
  o.end_object().end_object().end_object();
  s.ws->send(o.take());
}

bool HlProtocol::has_subscriber(std::string_view type, std::string_view key) const {
  for (const auto& [id, s] : sessions_) {
    for (const auto& sub : s.subs) {
      if (sub.type == type && sub.key == key) return true;
    }
  }
  return false;
}

void HlProtocol::broadcast(std::string_view type, std::string_view key, const std::string& frame) {
  for (auto& [id, s] : sessions_) {
    for (const auto& sub : s.subs) {
      if (sub.type == type && sub.key == key) {
        s.ws->send(frame);
        break;
      }
    }
  }
}

// ---- publishing ------------------------------------------------------------------------------

void HlProtocol::on_tick(Nanos now) {
  run_twaps(now);  // the venue runs them whether anyone listens or not
  for (auto& acc : accounts_) {
    if (acc.dead_man_at != 0 && now >= acc.dead_man_at) acc.dead_man_at = 0;
  }
  if (sessions_.empty()) {
    for (auto& i : instruments_) i.trades.clear();
    for (auto& a : accounts_) {
      a.order_updates.clear();
      a.fills.clear();
      a.non_user_cancels.clear();
      a.twap_slice_fills.clear();
      a.twap_history.clear();
    }
    return;
  }
  for (auto& inst : instruments_) {
    const std::string& coin = inst.cfg->symbol;
    if (inst.book_dirty) {
      inst.book_dirty = false;
      // Hyperliquid has no book sequence numbers: a "skip" loses one snapshot, a "duplicate"
      // sends one twice.
      if (has_subscriber("l2Book", coin) && !ctx_.faults.consume_skip_seq()) {
        cex::JsonWriter o;
        o.begin_object().kv("channel", "l2Book").key("data");
        write_book(o, inst, now);
        o.end_object();
        const std::string frame = o.take();
        broadcast("l2Book", coin, frame);
        if (ctx_.faults.consume_duplicate_seq()) broadcast("l2Book", coin, frame);
      }
    }
    if (inst.bbo_dirty && has_subscriber("bbo", coin)) {
      inst.bbo_dirty = false;
      std::array<gs::BookLevel, 1> lv;
      cex::JsonWriter o;
      o.begin_object()
          .kv("channel", "bbo")
          .key("data")
          .begin_object()
          .kv("coin", coin)
          .kv_num("time", ms(now));
      o.key("bbo").begin_array();
      for (auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
        if (ex_.book_levels(inst.id, side, lv) == 0) {
          o.null();
        } else {
          o.begin_object().kv_dec("px", lv[0].price).kv_dec("sz", lv[0].qty);
          o.kv_unum("n", lv[0].orders).end_object();
        }
      }
      o.end_array().end_object().end_object();
      broadcast("bbo", coin, o.take());
    }
    if (!inst.trades.empty()) {
      broadcast("trades", coin, "{\"channel\":\"trades\",\"data\":[" + inst.trades + "]}");
      inst.trades.clear();
    }
  }
  if (mids_dirty_ && has_subscriber("allMids", "")) {
    mids_dirty_ = false;
    cex::JsonWriter o;
    o.begin_object().kv("channel", "allMids").key("data").begin_object().key("mids").begin_object();
    for (const auto& i : instruments_) o.kv_dec(i.cfg->symbol, mid(i));
    o.end_object().end_object().end_object();
    broadcast("allMids", "", o.take());
  }
  for (auto& acc : accounts_) {
    if (!acc.order_updates.empty()) {
      broadcast("orderUpdates", acc.address_hex,
                "{\"channel\":\"orderUpdates\",\"data\":[" + acc.order_updates + "]}");
      acc.order_updates.clear();
    }
    if (!acc.fills.empty()) {
      cex::JsonWriter o;
      o.begin_object()
          .kv("channel", "userFills")
          .key("data")
          .begin_object()
          .kv("user", acc.address_hex);
      o.key("fills").raw("[" + acc.fills + "]").end_object().end_object();
      broadcast("userFills", acc.address_hex, o.take());
      broadcast("userEvents", acc.address_hex,
                "{\"channel\":\"user\",\"data\":{\"fills\":[" + acc.fills + "]}}");
      acc.fills.clear();
    }
    if (!acc.non_user_cancels.empty()) {
      broadcast(
          "userEvents", acc.address_hex,
          "{\"channel\":\"user\",\"data\":{\"nonUserCancel\":[" + acc.non_user_cancels + "]}}");
      acc.non_user_cancels.clear();
    }
    // After the fills: a client that sees the TWAP finish has seen its last slice fill.
    for (auto* pending : {&acc.twap_slice_fills, &acc.twap_history}) {
      if (pending->empty()) continue;
      const bool fills = pending == &acc.twap_slice_fills;
      const std::string_view channel = fills ? "userTwapSliceFills" : "userTwapHistory";
      cex::JsonWriter o;
      o.begin_object().kv("channel", channel).key("data").begin_object();
      o.kv("user", acc.address_hex).key(fills ? "twapSliceFills" : "history");
      o.raw("[" + *pending + "]").end_object().end_object();
      broadcast(channel, acc.address_hex, o.take());
      pending->clear();
    }
  }
}

void HlProtocol::on_book_level(common::InstrumentId id, common::BookSide, common::Price,
                               common::Qty, common::Nanos) {
  if (HlInstrument* i = by_id(id)) {
    i->book_dirty = true;
    i->bbo_dirty = true;  // cheap to over-report; the frame is rebuilt from the book
    mids_dirty_ = true;
  }
}

void HlProtocol::on_trade(common::InstrumentId id, common::Price px, common::Qty sz,
                          common::Side aggressor, std::uint64_t trade_id, common::Nanos ts) {
  HlInstrument* i = by_id(id);
  if (i == nullptr) return;
  cex::JsonWriter o;
  o.begin_object()
      .kv("coin", i->cfg->symbol)
      .kv("side", aggressor == common::Side::kBuy ? "B" : "A");
  o.kv_dec("px", px).kv_dec("sz", sz).kv_num("time", ms(ts));
  char hash[67];
  std::snprintf(hash, sizeof hash, "0x%064llx", static_cast<unsigned long long>(trade_id));
  o.kv("hash", hash).kv_unum("tid", trade_id & ((1ull << 50) - 1));
  o.key("users").begin_array().str("0x0000000000000000000000000000000000000000");
  o.str("0x0000000000000000000000000000000000000000").end_array().end_object();
  if (!i->trades.empty()) i->trades.push_back(',');
  i->trades += o.view();
}

void HlProtocol::on_order(const gs::SimOrder& ord) {
  HlAccount* acc = by_account_id(ord.account);
  if (acc == nullptr) return;
  // A TWAP slice (the only IOC of the account while a slice is submitted; an IOC never rests,
  // so it is not a maker here) is the venue's order, not the user's: reported through the
  // TWAP feeds and fills, not orderUpdates (the venue doc is silent on this).
  if (slicing_twap_ != 0 && ord.account == slicing_account_ &&
      ord.tif == common::TimeInForce::kIoc) {
    return;
  }
  cex::JsonWriter o;
  o.begin_object().key("order");
  write_order_basic(o, ord);
  o.kv("status", order_status_text(ord)).kv_num("statusTimestamp", ms(ord.updated)).end_object();
  if (!acc->order_updates.empty()) acc->order_updates.push_back(',');
  acc->order_updates += o.view();
}

void HlProtocol::on_fill(const gs::SimFill& f) {
  HlAccount* acc = by_account_id(f.account);
  if (acc == nullptr) return;
  // The taker side of a match made while a TWAP slice is submitted is that slice's fill.
  const bool slice = slicing_twap_ != 0 && f.account == slicing_account_ &&
                     f.liquidity == common::Liquidity::kTaker;
  if (slice) twap_orders_[f.order_id] = slicing_twap_;
  cex::JsonWriter o;
  write_fill(o, f);
  if (!acc->fills.empty()) acc->fills.push_back(',');
  acc->fills += o.view();
  if (slice) {
    cex::JsonWriter e;
    e.begin_object().key("fill").raw(o.view()).kv_unum("twapId", slicing_twap_).end_object();
    if (!acc->twap_slice_fills.empty()) acc->twap_slice_fills.push_back(',');
    acc->twap_slice_fills += e.view();
    acc->twap_fill_log.emplace_back(e.view());
    if (acc->twap_fill_log.size() > 2000) {  // the venue answers the 2000 most recent
      acc->twap_fill_log.erase(acc->twap_fill_log.begin());
    }
  }
}

// ---- shared writers --------------------------------------------------------------------------

common::Price HlProtocol::mid(const HlInstrument& inst) const {
  const auto bid = ex_.best(inst.id, common::BookSide::kBid);
  const auto ask = ex_.best(inst.id, common::BookSide::kAsk);
  if (bid && ask) {
    // Half of the sum, rounded down to 1e-8: exact enough for a mid and never a float.
    return common::Price::from_raw((bid->raw() + ask->raw()) / 2);
  }
  const auto last = ex_.last_trade_price(inst.id);
  if (!last.is_zero()) return last;
  return bid ? *bid : ask ? *ask : inst.cfg->initial_price;
}

void HlProtocol::write_book(cex::JsonWriter& o, const HlInstrument& inst, Nanos now) const {
  std::array<gs::BookLevel, kBookDepth> lv;
  o.begin_object().kv("coin", inst.cfg->symbol).kv_num("time", ms(now)).key("levels").begin_array();
  for (auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
    o.begin_array();
    const std::size_t n = ex_.book_levels(inst.id, side, lv);
    for (std::size_t k = 0; k < n; ++k) {
      o.begin_object().kv_dec("px", lv[k].price).kv_dec("sz", lv[k].qty).kv_unum("n", lv[k].orders);
      o.end_object();
    }
    o.end_array();
  }
  o.end_array().end_object();
}

std::string_view HlProtocol::order_status_text(const gs::SimOrder& o) const {
  using common::OrderStatus;
  switch (o.status) {
    case OrderStatus::kNew:
    case OrderStatus::kPartiallyFilled:
    case OrderStatus::kPendingNew:
    case OrderStatus::kPendingCancel:
    case OrderStatus::kPendingReplace:
      return o.triggered ? "triggered" : "open";
    case OrderStatus::kFilled:
      return "filled";
    case OrderStatus::kCancelled: {
      for (const auto& a : accounts_) {
        if (a.id == o.account && a.dead_man_at != 0 && o.updated >= a.dead_man_at) {
          return "scheduledCancel";
        }
      }
      return "canceled";
    }
    case OrderStatus::kExpired:
      return o.tif == common::TimeInForce::kIoc ? "iocCancelRejected" : "canceled";
    case OrderStatus::kRejected:
      // The venue names the reason in the status (orderUpdates / orderStatus).
      if (o.tif == common::TimeInForce::kPostOnly) return "badAloPxRejected";
      if (o.reduce_only) return "reduceOnlyRejected";
      return "rejected";
  }
  return "canceled";
}

void HlProtocol::write_order_basic(cex::JsonWriter& o, const gs::SimOrder& ord) const {
  o.begin_object().kv("coin", ex_.spec(ord.instrument).symbol);
  o.kv("side", ord.side == common::Side::kBuy ? "B" : "A");
  o.kv_dec("limitPx", ord.price).kv_dec("sz", ord.remaining()).kv_unum("oid", ord.id);
  o.kv_num("timestamp", ms(ord.created)).kv_dec("origSz", ord.qty);
  if (!ord.client_id.empty()) o.kv("cloid", ord.client_id.view());
  if (ord.reduce_only) o.kv_bool("reduceOnly", true);
  o.end_object();
}

void HlProtocol::write_frontend_order(cex::JsonWriter& o, const gs::SimOrder& ord) const {
  using common::OrderType;
  const bool trigger = ord.type != OrderType::kLimit && ord.type != OrderType::kMarket;
  std::string_view order_type = "Limit";
  std::string_view condition = "N/A";
  switch (ord.type) {
    case OrderType::kStopMarket:
      order_type = "Stop Market";
      break;
    case OrderType::kStopLimit:
      order_type = "Stop Limit";
      break;
    case OrderType::kTakeProfitMarket:
      order_type = "Take Profit Market";
      break;
    case OrderType::kTakeProfitLimit:
      order_type = "Take Profit Limit";
      break;
    default:
      break;
  }
  std::string cond;
  if (trigger) {
    const bool above = (ord.type == OrderType::kStopMarket || ord.type == OrderType::kStopLimit) ==
                       (ord.side == common::Side::kBuy);
    cond = std::string(above ? "Price above " : "Price below ") + ord.trigger_price.to_string();
    condition = cond;
  }
  o.begin_object().kv("coin", ex_.spec(ord.instrument).symbol);
  o.kv("side", ord.side == common::Side::kBuy ? "B" : "A");
  o.kv_dec("limitPx", ord.price).kv_dec("sz", ord.remaining()).kv_unum("oid", ord.id);
  o.kv_num("timestamp", ms(ord.created)).kv("triggerCondition", condition);
  o.kv_bool("isTrigger", trigger).kv_dec("triggerPx", ord.trigger_price);
  o.key("children").begin_array().end_array().kv_bool("isPositionTpsl", false);
  o.kv_bool("reduceOnly", ord.reduce_only).kv("orderType", order_type);
  o.kv_dec("origSz", ord.qty);
  const std::string_view tif = ord.tif == common::TimeInForce::kIoc        ? "Ioc"
                               : ord.tif == common::TimeInForce::kPostOnly ? "Alo"
                                                                           : "Gtc";
  if (trigger) {
    o.key("tif").null();
  } else {
    o.kv("tif", tif);
  }
  if (ord.client_id.empty()) {
    o.key("cloid").null();
  } else {
    o.kv("cloid", ord.client_id.view());
  }
  o.end_object();
}

void HlProtocol::write_fill(cex::JsonWriter& o, const gs::SimFill& f,
                            std::optional<common::Qty> start_pos) const {
  const common::Qty signed_qty = f.side == common::Side::kBuy ? f.qty : -f.qty;
  const common::Qty start =
      start_pos ? *start_pos
                : ex_.position(f.account, f.instrument, f.position_side).qty - signed_qty;
  const common::Qty pos = start + signed_qty;
  std::string_view dir;
  if (f.side == common::Side::kBuy) {
    dir = start.is_negative() ? (pos.is_positive() ? "Short > Long" : "Close Short") : "Open Long";
  } else {
    dir = start.is_positive() ? (pos.is_negative() ? "Long > Short" : "Close Long") : "Open Short";
  }
  // TWAP slice fills carry a zero hash at the venue (info userTwapSliceFills example).
  const std::uint64_t twap_id = twap_of_order(f.order_id);
  char hash[67];
  std::snprintf(hash, sizeof hash, "0x%064llx",
                static_cast<unsigned long long>(twap_id != 0 ? 0 : f.trade_id));
  o.begin_object()
      .kv("coin", ex_.spec(f.instrument).symbol)
      .kv_dec("px", f.price)
      .kv_dec("sz", f.qty);
  o.kv("side", f.side == common::Side::kBuy ? "B" : "A").kv_num("time", ms(f.ts));
  o.kv_dec("startPosition", start).kv("dir", dir).kv_dec("closedPnl", f.realized_pnl);
  o.kv("hash", hash).kv_unum("oid", f.order_id);
  o.kv_bool("crossed", f.liquidity == common::Liquidity::kTaker).kv_dec("fee", f.fee);
  o.kv_unum("tid", f.trade_id & ((1ull << 50) - 1)).kv("feeToken", "USDC");
  if (!f.client_id.empty()) o.kv("cloid", f.client_id.view());
  if (twap_id != 0) {
    o.kv_unum("twapId", twap_id);
  } else {
    o.key("twapId").null();
  }
  o.end_object();
}

}  // namespace hl
}  // namespace peregrine::venue_sim
