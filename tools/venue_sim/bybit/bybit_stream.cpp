// Bybit WS side: public orderbook/publicTrade topics with the fault hooks, and the private
// stream (auth, order/execution/position topics, disconnect-cancel-all on a dropped session).
#include <simdjson.h>

#include <algorithm>

#include "tools/venue_sim/bybit/bybit_protocol.hpp"

namespace peregrine::venue_sim::bybit {

namespace sim = gateways::sim;
using common::InstrumentId;

namespace {

std::int64_t ms_of(Nanos now) noexcept { return now / 1'000'000; }

// "orderbook.50.BTCUSDT" -> "BTCUSDT" (empty when not an orderbook topic).
std::string_view book_symbol(std::string_view topic) noexcept {
  if (!topic.starts_with("orderbook.")) return {};
  const auto dot = topic.find('.', 10);
  return dot == std::string_view::npos ? std::string_view{} : topic.substr(dot + 1);
}

}  // namespace

bool BybitProtocol::accepts_ws(std::string_view target) const noexcept {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/v5/public/linear" || path == "/v5/private";
}

void BybitProtocol::on_ws_open(WsSession& ws, Nanos now) {
  last_now_ = now;
  Session s;
  s.ws = &ws;
  s.is_private = ws.target().starts_with("/v5/private");
  sessions_[ws.id()] = std::move(s);
}

void BybitProtocol::on_ws_close(WsSession& ws) noexcept {
  const auto it = sessions_.find(ws.id());
  if (it == sessions_.end()) return;
  // Disconnect-cancel-all: a dropped private stream arms the account's dead-man switch.
  if (it->second.is_private && it->second.authed) {
    const auto w = dcp_window_s_.find(it->second.account);
    if (w != dcp_window_s_.end()) {
      exchange_.set_dead_man(it->second.account, last_now_ + w->second * 1'000'000'000);
    }
  }
  sessions_.erase(it);
}

void BybitProtocol::refresh(const Feed& feed, std::uint32_t depth,
                            std::vector<sim::BookLevel>& bids,
                            std::vector<sim::BookLevel>& asks) const {
  const InstrumentId id{static_cast<std::uint32_t>(&feed - feeds_.data())};
  bids.resize(depth);
  asks.resize(depth);
  bids.resize(exchange_.book_levels(id, common::BookSide::kBid, bids));
  asks.resize(exchange_.book_levels(id, common::BookSide::kAsk, asks));
}

BybitProtocol::DepthView& BybitProtocol::view_of(Feed& feed, std::uint32_t depth) {
  for (auto& v : feed.depths) {
    if (v.depth == depth) return v;
  }
  DepthView v;
  v.depth = depth;
  refresh(feed, depth, v.bids, v.asks);
  feed.depths.push_back(std::move(v));
  return feed.depths.back();
}

std::string BybitProtocol::book_message(const Feed& feed, const DepthView& view, bool snapshot,
                                        const std::vector<sim::BookLevel>* diff_bids,
                                        const std::vector<sim::BookLevel>* diff_asks,
                                        std::int64_t now_ms) {
  cex::JsonWriter w;
  w.begin_object()
      .kv("topic", "orderbook." + std::to_string(view.depth) + "." + feed.symbol)
      .kv("type", snapshot ? "snapshot" : "delta")
      .kv_num("ts", now_ms);
  w.key("data").begin_object().kv("s", feed.symbol);
  w.key("b").begin_array();
  for (const auto& l : snapshot ? view.bids : *diff_bids) {
    w.begin_array().dec(l.price).dec(l.qty).end_array();
  }
  w.end_array().key("a").begin_array();
  for (const auto& l : snapshot ? view.asks : *diff_asks) {
    w.begin_array().dec(l.price).dec(l.qty).end_array();
  }
  w.end_array();
  w.kv_unum("u", view.u).kv_unum("seq", ++seq_).end_object().kv_num("cts", now_ms).end_object();
  return w.take();
}

namespace {
// Levels of `now` that differ from `before` (new or changed size), then the removed ones at 0.
std::vector<sim::BookLevel> level_diff(const std::vector<sim::BookLevel>& before,
                                       const std::vector<sim::BookLevel>& now) {
  std::vector<sim::BookLevel> out;
  for (const auto& l : now) {
    bool same = false;
    for (const auto& b : before) same = same || (b.price == l.price && b.qty == l.qty);
    if (!same) out.push_back(l);
  }
  for (const auto& b : before) {
    bool kept = false;
    for (const auto& l : now) kept = kept || l.price == b.price;
    if (!kept) out.push_back(sim::BookLevel{b.price, common::Qty{}, 0});
  }
  return out;
}
}  // namespace

void BybitProtocol::publish_book(Feed& feed, std::int64_t now_ms) {
  if (!feed.dirty) return;
  feed.dirty = false;
  const bool skip = ctx_.faults.consume_skip_seq();
  const bool dup = ctx_.faults.consume_duplicate_seq();
  std::vector<sim::BookLevel> bids;
  std::vector<sim::BookLevel> asks;
  for (auto& view : feed.depths) {
    refresh(feed, view.depth, bids, asks);
    const auto db = level_diff(view.bids, bids);
    const auto da = level_diff(view.asks, asks);
    if (db.empty() && da.empty()) continue;
    view.u += skip ? 2u : 1u;
    view.bids.swap(bids);
    view.asks.swap(asks);
    const std::string topic = "orderbook." + std::to_string(view.depth) + "." + feed.symbol;
    std::string msg;
    for (auto& [id, s] : sessions_) {
      if (std::find(s.topics.begin(), s.topics.end(), topic) == s.topics.end()) continue;
      if (msg.empty()) msg = book_message(feed, view, view.depth == 1, &db, &da, now_ms);
      s.ws->send(msg);
      if (dup) s.ws->send(msg);
    }
  }
}

void BybitProtocol::on_tick(Nanos now) {
  last_now_ = now;
  exchange_.advance(now);
  if (now < ctx_.faults.stale_until_ns) return;
  for (auto& f : feeds_) publish_book(f, ms_of(now));
}

void BybitProtocol::on_ws_message(WsSession& ws, std::string_view text, Nanos now) {
  last_now_ = now;
  const auto it = sessions_.find(ws.id());
  if (it == sessions_.end()) return;
  Session& s = it->second;
  const std::int64_t now_ms = ms_of(now);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view op;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS ||
      doc["op"].get(op) != simdjson::SUCCESS) {
    ws.send(
        R"({"success":false,"ret_msg":"error:request not supported","conn_id":"sim","req_id":"","op":""})");
    return;
  }
  std::string_view req_id;
  if (doc["req_id"].get(req_id) != simdjson::SUCCESS) req_id = {};
  std::vector<std::string> args;
  simdjson::dom::array arr;
  if (doc["args"].get(arr) == simdjson::SUCCESS) {
    for (const auto a : arr) {
      std::string_view sv;
      std::int64_t iv = 0;
      if (a.get(sv) == simdjson::SUCCESS) {
        args.emplace_back(sv);
      } else if (a.get(iv) == simdjson::SUCCESS) {
        args.push_back(std::to_string(iv));
      }
    }
  }
  const std::string conn = "sim-" + std::to_string(ws.id());
  auto ack = [&](bool ok, std::string_view msg, std::string_view o) {
    cex::JsonWriter w;
    w.begin_object()
        .kv_bool("success", ok)
        .kv("ret_msg", msg)
        .kv("conn_id", conn)
        .kv("req_id", req_id)
        .kv("op", o)
        .end_object();
    ws.send(w.take());
  };
  if (op == "ping") {
    if (s.is_private) {
      cex::JsonWriter w;
      w.begin_object()
          .kv("req_id", req_id)
          .kv("op", "pong")
          .key("args")
          .begin_array()
          .str(std::to_string(now_ms))
          .end_array()
          .kv("conn_id", conn)
          .end_object();
      ws.send(w.take());
    } else {
      ack(true, "pong", "ping");
    }
    return;
  }
  if (s.is_private && (op == "auth" || !s.authed)) {
    handle_private_op(s, op, req_id, args, now_ms);
    if (op == "auth" || !s.authed) return;
  }
  if (op != "subscribe" && op != "unsubscribe") {
    ack(false, "error:request not supported", op);
    return;
  }
  for (const auto& t : args) {
    const auto sym = book_symbol(t);
    if (sym.empty() || op != "subscribe") continue;
    const std::string_view depth = std::string_view(t).substr(10, t.size() - 11 - sym.size());
    if (depth != "1" && depth != "50" && depth != "200" && depth != "1000") {
      ack(false, "error:handler not found,topic:" + t, op);
      return;
    }
  }
  for (const auto& t : args) {
    if (op == "unsubscribe") {
      std::erase(s.topics, t);
      continue;
    }
    bool have = false;
    for (const auto& x : s.topics) have = have || x == t;
    if (!have) s.topics.push_back(t);
  }
  ack(true, "", op);
  if (op != "subscribe" || s.is_private) return;
  // Each new orderbook topic starts with a snapshot of its own view at that view's u.
  for (const auto& t : args) {
    const auto sym = book_symbol(t);
    if (sym.empty()) continue;
    const auto id = exchange_.find_instrument(sym);
    if (!id || now < ctx_.faults.stale_until_ns) continue;
    Feed& feed = feeds_[id->value];
    publish_book(feed, now_ms);  // what is pending goes to the existing subscribers first
    const auto depth = cex::parse_int(t.substr(10, t.size() - 11 - sym.size())).value_or(0);
    DepthView& view = view_of(feed, static_cast<std::uint32_t>(depth));
    if (view.u == 0) view.u = 1;
    ws.send(book_message(feed, view, true, nullptr, nullptr, now_ms));
  }
}

void BybitProtocol::handle_private_op(Session& s, std::string_view op, std::string_view req_id,
                                      const std::vector<std::string>& args, std::int64_t now_ms) {
  auto reply = [&](bool ok, std::string_view msg) {
    cex::JsonWriter w;
    w.begin_object()
        .kv("req_id", req_id)
        .kv_bool("success", ok)
        .kv("ret_msg", msg)
        .kv("op", op)
        .kv("conn_id", "sim-" + std::to_string(s.ws->id()))
        .end_object();
    s.ws->send(w.take());
  };
  if (op != "auth") {
    reply(false, "Request not authorized");
    return;
  }
  if (s.authed) {
    reply(false, "Repeat auth");
    return;
  }
  if (args.size() != 3) {
    reply(false, "Params Error");
    return;
  }
  const SimAccountConfig* account = nullptr;
  for (const auto& a : ctx_.config.accounts) {
    if (!a.api_key.empty() && a.api_key == args[0]) account = &a;
  }
  const auto expires = cex::parse_int(args[1]);
  if (account == nullptr) {
    reply(false, "Invalid apikey");
    return;
  }
  if (!expires || *expires <= now_ms) {
    reply(false, "Params Error: expires is in the past");
    return;
  }
  const std::string expected = cex::hmac_hex(account->api_secret, {"GET/realtime", args[1]});
  if (!cex::hex_equal_ci(expected, args[2])) {
    reply(false, "Invalid sign");
    return;
  }
  s.authed = true;
  s.account = account->account_id;
  exchange_.set_dead_man(s.account, 0);  // a live private stream disarms DCP
  cex::JsonWriter w;
  w.begin_object()
      .kv_bool("success", true)
      .kv("ret_msg", "")
      .kv("op", "auth")
      .kv("conn_id", "sim-" + std::to_string(s.ws->id()))
      .end_object();
  s.ws->send(w.take());
}

// Whether any authenticated private session of `a` is open: the synthetic market's own
// accounts have none, and rendering their order/fill/position frames for nobody was most of a
// busy tick.
bool BybitProtocol::has_private(sim::AccountId a) const noexcept {
  for (const auto& [id, s] : sessions_) {
    if (s.is_private && s.authed && s.account == a) return true;
  }
  return false;
}

void BybitProtocol::send_private(sim::AccountId a, std::string_view topic, const std::string& data,
                                 std::int64_t now_ms) {
  std::string frame;
  for (auto& [id, s] : sessions_) {
    if (!s.is_private || !s.authed || s.account != a) continue;
    bool want = false;
    for (const auto& t : s.topics) {
      want = want || t == topic || (t.starts_with(topic) && t.substr(topic.size()) == ".linear");
    }
    if (!want) continue;
    if (frame.empty()) {
      frame = "{\"id\":\"" + std::to_string(++exec_seq_) + "\",\"topic\":\"" + std::string(topic) +
              "\",\"creationTime\":" + std::to_string(now_ms) + ",\"data\":[" + data + "]}";
    }
    s.ws->send(frame);
  }
}

// Levels are diffed per topic view at publish time; a change only marks the instrument.
void BybitProtocol::on_book_level(InstrumentId id, common::BookSide, common::Price, common::Qty,
                                  common::Nanos) {
  if (id.value >= feeds_.size()) return;
  feeds_[id.value].dirty = true;
}

void BybitProtocol::on_trade(InstrumentId id, common::Price price, common::Qty qty,
                             common::Side aggressor, std::uint64_t trade_id, common::Nanos ts) {
  if (id.value >= feeds_.size() || ts < ctx_.faults.stale_until_ns) return;
  const std::string topic = "publicTrade." + feeds_[id.value].symbol;
  cex::JsonWriter w;
  w.begin_object().kv("topic", topic).kv("type", "snapshot").kv_num("ts", ms_of(ts));
  w.key("data").begin_array().begin_object();
  w.kv_num("T", ms_of(ts))
      .kv("s", feeds_[id.value].symbol)
      .kv("S", aggressor == common::Side::kBuy ? "Buy" : "Sell")
      .kv_dec("v", qty)
      .kv_dec("p", price)
      .kv("L", aggressor == common::Side::kBuy ? "PlusTick" : "MinusTick")
      .kv("i", std::to_string(trade_id))
      .kv_bool("BT", false)
      .kv_bool("RPI", false)
      .kv_unum("seq", ++seq_)
      .end_object()
      .end_array()
      .end_object();
  const std::string frame = w.take();
  for (auto& [sid, s] : sessions_) {
    for (const auto& t : s.topics) {
      if (t == topic) s.ws->send(frame);
    }
  }
}

void BybitProtocol::on_order(const sim::SimOrder& o) {
  if (!has_private(o.account)) return;
  cex::JsonWriter w;
  write_order(w, o);
  std::string data = w.take();
  data.insert(1, "\"category\":\"linear\",");
  send_private(o.account, "order", data, ms_of(last_now_));
}

void BybitProtocol::on_fill(const sim::SimFill& f) {
  if (!has_private(f.account)) {
    ++exec_seq_;  // the execution seq counts every fill, listened to or not
    return;
  }
  const sim::SimOrder* o = exchange_.find_order(f.account, f.order_id);
  const auto value = common::notional(f.price, f.qty);
  cex::JsonWriter w;
  w.begin_object()
      .kv("category", "linear")
      .kv("symbol", feeds_[f.instrument.value].symbol)
      .kv("orderId", std::to_string(f.order_id))
      .kv("orderLinkId", f.client_id.view())
      .kv("side", f.side == common::Side::kBuy ? "Buy" : "Sell")
      .kv_dec("orderPrice", o != nullptr ? o->price : f.price)
      .kv_dec("orderQty", o != nullptr ? o->qty : f.qty)
      .kv_dec("leavesQty", o != nullptr && o->is_open() ? o->remaining() : common::Qty{})
      .kv("orderType", o != nullptr && o->type == common::OrderType::kMarket ? "Market" : "Limit")
      .kv("stopOrderType", "")
      .kv_dec("execFee", f.fee)
      .kv("execId",
          std::to_string(f.trade_id) + (f.liquidity == common::Liquidity::kMaker ? "-m" : "-t"))
      .kv_dec("execPrice", f.price)
      .kv_dec("execQty", f.qty)
      .kv_dec("execPnl", f.realized_pnl)
      .kv("execType", "Trade")
      .kv_dec("execValue", value ? *value : common::Money{})
      .kv("execTime", std::to_string(ms_of(f.ts)))
      .kv_bool("isMaker", f.liquidity == common::Liquidity::kMaker)
      .kv("feeRate", "0")
      .kv("markPrice", "")
      .kv_dec("closedSize", common::Qty{})
      .kv_unum("seq", ++exec_seq_)
      .kv("feeCurrency", "USDT")
      .end_object();
  send_private(f.account, "execution", w.take(), ms_of(f.ts));
}

void BybitProtocol::on_position(sim::AccountId a, InstrumentId id, const sim::SimPosition& p) {
  if (!has_private(a)) return;
  cex::JsonWriter w;
  write_position(w, a, id, p.side);
  std::string data = w.take();
  data.insert(1, "\"category\":\"linear\",");
  send_private(a, "position", data, ms_of(last_now_));
}

}  // namespace peregrine::venue_sim::bybit

namespace peregrine::venue_sim {
std::unique_ptr<VenueProtocol> make_bybit_protocol(VenueContext& ctx) {
  return std::make_unique<bybit::BybitProtocol>(ctx);
}
}  // namespace peregrine::venue_sim
