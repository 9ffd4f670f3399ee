// Binance WS side: stream routing and subscriptions, diff-depth publishing with the fault hooks,
// trades and bookTicker, and the user data stream fed by the Exchange's listener callbacks.
#include <simdjson.h>

#include "tools/venue_sim/binance/binance_protocol.hpp"

namespace peregrine::venue_sim::binance {

namespace sim = gateways::sim;
using common::InstrumentId;

namespace {

std::int64_t ms_of(Nanos now) noexcept { return now / 1'000'000; }

// "/public/ws/..." -> "/ws/...": the routed prefixes serve the same streams here.
std::string_view strip_route(std::string_view t) noexcept {
  for (const std::string_view p : {"/public", "/market", "/private"}) {
    if (t.starts_with(p) && (t.size() == p.size() || t[p.size()] == '/' || t[p.size()] == '?')) {
      return t.substr(p.size());
    }
  }
  return t;
}

bool is_depth_stream(std::string_view suffix) noexcept {
  return suffix == "depth" || suffix == "depth@100ms" || suffix == "depth@250ms" ||
         suffix == "depth@500ms" || suffix == "depth@0ms";
}

}  // namespace

bool BinanceProtocol::accepts_ws(std::string_view target) const noexcept {
  const std::string_view t = strip_route(target);
  return t == "/ws" || t.starts_with("/ws/") || t.starts_with("/ws?") || t.starts_with("/stream");
}

void BinanceProtocol::add_stream(Session& s, std::string_view name) {
  // A listenKey as a stream name attaches the user data stream.
  const auto lk = listen_keys_.find(std::string(name));
  if (lk != listen_keys_.end()) {
    s.user = true;
    s.account = lk->second.account;
    return;
  }
  const std::string lower = cex::to_lower(name);
  for (const auto& existing : s.streams) {
    if (existing == lower) return;
  }
  s.streams.push_back(lower);
}

void BinanceProtocol::on_ws_open(WsSession& ws, Nanos) {
  Session s;
  s.ws = &ws;
  const std::string_view t = strip_route(ws.target());
  std::string_view list;
  if (t.starts_with("/stream")) {
    s.combined = true;
    const auto q = t.find("streams=");
    if (q != std::string_view::npos) list = t.substr(q + 8);
  } else if (t.starts_with("/ws/")) {
    list = t.substr(4);
  } else if (const auto q = t.find("listenKey="); q != std::string_view::npos) {
    list = t.substr(q + 10);
  }
  list = list.substr(0, list.find('&'));
  while (!list.empty()) {
    const auto slash = list.find('/');
    const std::string_view name = list.substr(0, slash);
    if (!name.empty()) add_stream(s, name);
    list = slash == std::string_view::npos ? std::string_view{} : list.substr(slash + 1);
  }
  sessions_[ws.id()] = std::move(s);
}

void BinanceProtocol::on_ws_close(WsSession& ws) noexcept { sessions_.erase(ws.id()); }

void BinanceProtocol::on_ws_message(WsSession& ws, std::string_view text, Nanos) {
  auto it = sessions_.find(ws.id());
  if (it == sessions_.end()) return;
  Session& s = it->second;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    ws.send("{\"code\":3,\"msg\":\"Invalid JSON: expected value at line 1 column 1\"}");
    return;
  }
  std::string_view method;
  std::int64_t req_id = 0;
  const bool has_id = doc["id"].get(req_id) == simdjson::SUCCESS;
  if (doc["method"].get(method) != simdjson::SUCCESS || !has_id) {
    ws.send("{\"code\":2,\"msg\":\"Invalid request: request ID must be an unsigned integer\"}");
    return;
  }
  const std::string id_text = std::to_string(req_id);
  if (method == "LIST_SUBSCRIPTIONS") {
    cex::JsonWriter w;
    w.begin_object().key("result").begin_array();
    for (const auto& name : s.streams) w.str(name);
    w.end_array().kv_num("id", req_id).end_object();
    ws.send(w.take());
    return;
  }
  if (method != "SUBSCRIBE" && method != "UNSUBSCRIBE") {
    ws.send("{\"code\":2,\"msg\":\"Invalid request: unknown variant `" + std::string(method) +
            "`\",\"id\":" + id_text + "}");
    return;
  }
  simdjson::dom::array params;
  if (doc["params"].get(params) != simdjson::SUCCESS) {
    ws.send("{\"code\":2,\"msg\":\"Invalid request: missing field `params`\",\"id\":" + id_text +
            "}");
    return;
  }
  for (const auto p : params) {
    std::string_view name;
    if (p.get(name) != simdjson::SUCCESS) continue;
    if (method == "SUBSCRIBE") {
      add_stream(s, name);
    } else {
      const std::string lower = cex::to_lower(name);
      std::erase(s.streams, lower);
    }
  }
  ws.send("{\"result\":null,\"id\":" + id_text + "}");
}

bool BinanceProtocol::subscribed(const Session& s, std::string_view stream) const noexcept {
  for (const auto& name : s.streams) {
    if (name == stream) return true;
  }
  return false;
}

void BinanceProtocol::send_to(Session& s, std::string_view stream, const std::string& payload) {
  if (!s.combined) {
    s.ws->send(payload);
    return;
  }
  std::string frame;
  frame.reserve(payload.size() + stream.size() + 24);
  frame += "{\"stream\":\"";
  frame += stream;
  frame += "\",\"data\":";
  frame += payload;
  frame += '}';
  s.ws->send(std::move(frame));
}

void BinanceProtocol::publish(const std::string& stream, const std::string& payload) {
  for (auto& [id, s] : sessions_) {
    if (subscribed(s, stream)) send_to(s, stream, payload);
  }
}

void BinanceProtocol::on_tick(Nanos now) {
  last_now_ = now;
  exchange_.advance(now);
  const std::int64_t now_ms = ms_of(now);
  // Listen keys that were not kept alive expire; their sessions get listenKeyExpired.
  for (auto it = listen_keys_.begin(); it != listen_keys_.end();) {
    if (it->second.expires_ms > now_ms) {
      ++it;
      continue;
    }
    const std::string frame = "{\"e\":\"listenKeyExpired\",\"E\":" + std::to_string(now_ms) +
                              ",\"listenKey\":\"" + it->first + "\"}";
    for (auto& [id, s] : sessions_) {
      if (s.user && s.account == it->second.account) {
        s.ws->send(frame);
        s.user = false;
      }
    }
    it = listen_keys_.erase(it);
  }
  if (now >= ctx_.faults.stale_until_ns) {
    for (auto& feed : feeds_) publish_book(feed, now_ms);
  }
  flush_user(now_ms);
}

void BinanceProtocol::publish_book(BookFeed& feed, std::int64_t now_ms) {
  if (feed.pending_bids.empty() && feed.pending_asks.empty()) return;
  std::uint64_t first = feed.first_pending;
  std::uint64_t last = feed.update_id;
  std::uint64_t prev = feed.published_u;
  if (ctx_.faults.consume_skip_seq()) {
    // One update id is never published: pu names a diff nobody received.
    ++first;
    ++last;
    prev = feed.published_u + 1;
    feed.update_id = last;
  }
  std::vector<Level> bids;
  std::vector<Level> asks;
  for (auto it = feed.pending_bids.rbegin(); it != feed.pending_bids.rend(); ++it) {
    bids.push_back({it->first, it->second});
  }
  for (const auto& [px, q] : feed.pending_asks) asks.push_back({px, q});
  feed.pending_bids.clear();
  feed.pending_asks.clear();
  feed.published_u = last;
  const std::string payload =
      depth_update(feed.symbol, now_ms, now_ms, first, last, prev, bids, asks);
  const bool dup = ctx_.faults.consume_duplicate_seq();
  for (auto& [id, s] : sessions_) {
    for (const auto& name : s.streams) {
      const std::string_view n = name;
      if (!n.starts_with(feed.lower) || n.size() <= feed.lower.size() ||
          n[feed.lower.size()] != '@' || !is_depth_stream(n.substr(feed.lower.size() + 1))) {
        continue;
      }
      send_to(s, name, payload);
      if (dup) send_to(s, name, payload);
    }
  }
  // bookTicker: when the top of book changed, with the same u as the diff.
  const InstrumentId id{static_cast<std::uint32_t>(&feed - feeds_.data())};
  std::array<sim::BookLevel, 1> top{};
  Level bid{};
  Level ask{};
  if (exchange_.book_levels(id, common::BookSide::kBid, top) == 1) bid = {top[0].price, top[0].qty};
  if (exchange_.book_levels(id, common::BookSide::kAsk, top) == 1) ask = {top[0].price, top[0].qty};
  if (bid.price != feed.last_bid.price || bid.qty != feed.last_bid.qty ||
      ask.price != feed.last_ask.price || ask.qty != feed.last_ask.qty) {
    feed.last_bid = bid;
    feed.last_ask = ask;
    publish(feed.lower + "@bookticker",
            book_ticker_event(feed.symbol, last, now_ms, now_ms, bid, ask));
  }
}

void BinanceProtocol::on_book_level(InstrumentId id, common::BookSide side, common::Price price,
                                    common::Qty qty, common::Nanos) {
  if (id.value >= feeds_.size()) return;
  BookFeed& f = feeds_[id.value];
  ++f.update_id;
  if (f.pending_bids.empty() && f.pending_asks.empty()) f.first_pending = f.update_id;
  (side == common::BookSide::kBid ? f.pending_bids : f.pending_asks)[price] = qty;
}

void BinanceProtocol::on_trade(InstrumentId id, common::Price price, common::Qty qty,
                               common::Side aggressor, std::uint64_t trade_id, common::Nanos ts) {
  if (id.value >= feeds_.size() || ts < ctx_.faults.stale_until_ns) return;
  BookFeed& f = feeds_[id.value];
  const std::int64_t ms = ms_of(ts);
  const bool buyer_maker = aggressor == common::Side::kSell;
  publish(f.lower + "@trade", trade_event(f.symbol, ms, ms, trade_id, price, qty, buyer_maker));
  publish(f.lower + "@aggtrade",
          agg_trade_event(f.symbol, ms, ms, ++f.agg_id, trade_id, price, qty, buyer_maker));
}

void BinanceProtocol::on_order(const sim::SimOrder& o) {
  UserEvent e;
  e.order = o;
  user_events_.push_back(e);
}

void BinanceProtocol::on_fill(const sim::SimFill& f) {
  UserEvent e;
  e.is_fill = true;
  e.fill = f;
  user_events_.push_back(e);
}

void BinanceProtocol::on_position(sim::AccountId a, InstrumentId id, const sim::SimPosition& p) {
  auto& list = touched_positions_[a];
  for (const auto& [i, ps] : list) {
    if (i == id && ps == p.side) return;
  }
  list.emplace_back(id, p.side);
}

// Balance changes travel with the position change that caused them (the venue sends no
// ACCOUNT_UPDATE for orders that only reserve margin).
void BinanceProtocol::on_balance(sim::AccountId, const sim::SimBalance&) {}

void BinanceProtocol::send_user(sim::AccountId a, const std::string& frame) {
  for (auto& [id, s] : sessions_) {
    if (s.user && s.account == a) s.ws->send(frame);
  }
}

bool BinanceProtocol::has_user(sim::AccountId a) const noexcept {
  for (const auto& [id, s] : sessions_) {
    if (s.user && s.account == a) return true;
  }
  return false;
}

void BinanceProtocol::flush_user(std::int64_t now_ms) {
  // Most events belong to the synthetic market's accounts, which no user stream watches:
  // skip rendering them (send_user would send them to nobody).
  if (user_events_.empty() && touched_positions_.empty()) return;
  std::erase_if(user_events_, [this](const UserEvent& e) {
    return !has_user(e.is_fill ? e.fill.account : e.order.account);
  });
  std::erase_if(touched_positions_, [this](const auto& kv) { return !has_user(kv.first); });
  // A fill is reported with the order state that follows it: pair each fill with the next order
  // event of the same order (the Exchange reports both for every match), else the kept order.
  std::vector<bool> used(user_events_.size(), false);
  for (std::size_t i = 0; i < user_events_.size(); ++i) {
    if (used[i]) continue;
    const UserEvent& e = user_events_[i];
    if (e.is_fill) {
      const sim::SimOrder* after = nullptr;
      for (std::size_t j = i + 1; j < user_events_.size(); ++j) {
        if (!used[j] && !user_events_[j].is_fill && user_events_[j].order.id == e.fill.order_id) {
          after = &user_events_[j].order;
          used[j] = true;
          break;
        }
      }
      if (after == nullptr) after = exchange_.find_order(e.fill.account, e.fill.order_id);
      if (after == nullptr) continue;
      const FillView fv{e.fill.trade_id,     e.fill.price,
                        e.fill.qty,          e.fill.fee,
                        e.fill.realized_pnl, e.fill.liquidity == common::Liquidity::kMaker};
      send_user(after->account,
                order_trade_update(view(*after), "TRADE", &fv, kQuoteAsset, now_ms));
      continue;
    }
    // An order event followed by a fill of the same order belongs to that fill.
    bool fill_follows = false;
    for (std::size_t j = i + 1; j < user_events_.size(); ++j) {
      if (user_events_[j].is_fill && !used[j] && user_events_[j].fill.order_id == e.order.id) {
        fill_follows = true;
        break;
      }
      if (!user_events_[j].is_fill && user_events_[j].order.id == e.order.id) break;
    }
    if (fill_follows && (e.order.status == common::OrderStatus::kPartiallyFilled ||
                         e.order.status == common::OrderStatus::kFilled)) {
      continue;
    }
    // A request the venue refuses (GTX that would take: -5022, reduce-only: -2022) is answered
    // on REST only; no order exists, so the user stream says nothing.
    if (e.order.status == common::OrderStatus::kRejected && e.order.filled.is_zero()) continue;
    std::string_view x = "NEW";
    switch (e.order.status) {
      case common::OrderStatus::kCancelled:
        x = "CANCELED";
        break;
      case common::OrderStatus::kExpired:
      case common::OrderStatus::kRejected:
        x = "EXPIRED";
        break;
      case common::OrderStatus::kPartiallyFilled:
      case common::OrderStatus::kFilled:
        x = "TRADE";
        break;
      default:
        break;
    }
    if (x == "TRADE") continue;  // reported with its fill
    send_user(e.order.account, order_trade_update(view(e.order), x, nullptr, kQuoteAsset, now_ms));
  }
  user_events_.clear();

  for (auto& [a, list] : touched_positions_) {
    const BalanceView b = balance_view(a, now_ms);
    std::vector<PositionView> ps;
    for (const auto& [id, side] : list) ps.push_back(position_view(a, id, side, now_ms));
    send_user(a, account_update("ORDER", std::span<const BalanceView>(&b, 1), ps, now_ms));
  }
  touched_positions_.clear();
}

}  // namespace peregrine::venue_sim::binance
