// Coinbase WS side: subscribe/unsubscribe per channel (JWT checked when given, required for
// `user`), l2_data snapshot then updates, market_trades, heartbeats and the user channel, all
// numbered by one sequence_num per connection; sequence and stale faults applied here.
#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "tools/venue_sim/coinbase/coinbase_protocol.hpp"

namespace peregrine::venue_sim::coinbase {

namespace sim = gateways::sim;
using common::InstrumentId;

bool CoinbaseProtocol::accepts_ws(std::string_view target) const noexcept {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/" || path == "/ws" || path == "/ws/user";
}

void CoinbaseProtocol::on_ws_open(WsSession& ws, Nanos now) {
  last_now_ = now;
  Session s;
  s.ws = &ws;
  s.next_heartbeat = now + kHeartbeatEvery;
  sessions_[ws.id()] = std::move(s);
}

void CoinbaseProtocol::on_ws_close(WsSession& ws) noexcept { sessions_.erase(ws.id()); }

void CoinbaseProtocol::send(Session& s, std::string_view channel, const std::string& events,
                            Nanos now, bool skip, bool duplicate) {
  if (skip) ++s.next_seq;
  const std::uint64_t seq = s.next_seq++;
  if (now != stamp_ns_) {
    stamp_ns_ = now;
    stamp_ = cex::rfc3339(now);
  }
  char seq_text[24];
  const auto seq_end = std::to_chars(seq_text, seq_text + sizeof seq_text, seq).ptr;
  std::string frame;
  frame.reserve(events.size() + channel.size() + stamp_.size() + 96);
  frame += "{\"channel\":\"";
  frame += channel;
  frame += "\",\"client_id\":\"\",\"timestamp\":\"";
  frame += stamp_;
  frame += "\",\"sequence_num\":";
  frame.append(seq_text, seq_end);
  frame += ",\"events\":";
  frame += events;
  frame += '}';
  if (duplicate) s.ws->send(frame);
  s.ws->send(std::move(frame));
}

bool CoinbaseProtocol::wants(const Session& s, std::string_view channel,
                             std::string_view product) const {
  const auto it = s.channels.find(std::string(channel));
  if (it == s.channels.end()) return false;
  return it->second.empty() ||
         std::find(it->second.begin(), it->second.end(), product) != it->second.end();
}

std::string CoinbaseProtocol::l2_snapshot_events(const Feed& feed, Nanos now) const {
  const InstrumentId id{static_cast<std::uint32_t>(&feed - feeds_.data())};
  const std::string t = cex::rfc3339(now);
  cex::JsonWriter w;
  w.begin_array().begin_object().kv("type", "snapshot").kv("product_id", feed.product);
  w.key("updates").begin_array();
  for (const auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
    std::vector<sim::BookLevel> lv(exchange_.level_count(id, side));
    const std::size_t n = exchange_.book_levels(id, side, lv);
    for (std::size_t i = 0; i < n; ++i) {
      w.begin_object()
          .kv("side", side == common::BookSide::kBid ? "bid" : "offer")
          .kv("event_time", t)
          .kv_dec("price_level", lv[i].price)
          .kv_dec("new_quantity", lv[i].qty)
          .end_object();
    }
  }
  w.end_array().end_object().end_array();
  return w.take();
}

void CoinbaseProtocol::on_ws_message(WsSession& ws, std::string_view text, Nanos now) {
  last_now_ = now;
  const auto it = sessions_.find(ws.id());
  if (it == sessions_.end()) return;
  Session& s = it->second;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view type;
  std::string_view channel;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS ||
      doc["type"].get(type) != simdjson::SUCCESS ||
      doc["channel"].get(channel) != simdjson::SUCCESS ||
      (type != "subscribe" && type != "unsubscribe")) {
    ws.send(R"({"type":"error","message":"Failed to parse subscription request"})");
    return;
  }
  static constexpr std::string_view kChannels[] = {"level2", "market_trades", "heartbeats",
                                                   "user",   "ticker",        "ticker_batch",
                                                   "status", "candles"};
  if (std::find(std::begin(kChannels), std::end(kChannels), channel) == std::end(kChannels)) {
    ws.send(R"({"type":"error","message":"Failed to subscribe: unknown channel"})");
    return;
  }
  std::string_view jwt;
  if (doc["jwt"].get(jwt) == simdjson::SUCCESS) {
    std::string why;
    const SimAccountConfig* a = verify(jwt, now, {}, true, why);
    if (a == nullptr) {
      ws.send(R"({"type":"error","message":"authentication failure"})");
      return;
    }
    s.authed = true;
    s.account = a->account_id;
  } else if (channel == "user") {
    ws.send(R"({"type":"error","message":"authentication failure"})");
    return;
  }
  std::vector<std::string> products;
  simdjson::dom::array arr;
  if (doc["product_ids"].get(arr) == simdjson::SUCCESS) {
    for (const auto p : arr) {
      std::string_view v;
      if (p.get(v) == simdjson::SUCCESS) products.emplace_back(v);
    }
  }
  const std::string ch(channel);
  if (type == "unsubscribe") {
    s.channels.erase(ch);
  } else {
    auto& list = s.channels[ch];
    for (auto& p : products) {
      if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(std::move(p));
    }
    if (ch == "level2" && now >= ctx_.faults.stale_until_ns) {
      for (auto& feed : feeds_) {
        if (wants(s, "l2_data", feed.product) || wants(s, "level2", feed.product)) {
          send(s, "l2_data", l2_snapshot_events(feed, now), now);
        }
      }
    }
    if (ch == "user") {
      cex::JsonWriter w;
      w.begin_array().begin_object().kv("type", "snapshot").key("orders").begin_array();
      exchange_.for_each_open_order(s.account, std::nullopt,
                                    [&](const sim::SimOrder& o) { write_user_order(w, o); });
      w.end_array().end_object().end_array();
      send(s, "user", w.take(), now);
    }
  }
  cex::JsonWriter w;
  w.begin_array().begin_object().key("subscriptions").begin_object();
  for (const auto& [name, list] : s.channels) {
    w.key(name).begin_array();
    for (const auto& p : list) w.str(p);
    w.end_array();
  }
  w.end_object().end_object().end_array();
  send(s, "subscriptions", w.take(), now);
}

void CoinbaseProtocol::on_tick(Nanos now) {
  last_now_ = now;
  exchange_.advance(now);
  for (auto& [id, s] : sessions_) {
    if (now < s.next_heartbeat || s.channels.count("heartbeats") == 0) continue;
    s.next_heartbeat = now + kHeartbeatEvery;
    const std::string ct = cex::rfc3339(now);
    send(s, "heartbeats",
         "[{\"current_time\":\"" + ct +
             "\",\"heartbeat_counter\":" + std::to_string(++s.heartbeat_counter) + "}]",
         now);
  }
  if (now < ctx_.faults.stale_until_ns) return;
  const std::string t = cex::rfc3339(now);
  for (auto& feed : feeds_) {
    if (feed.pending_bids.empty() && feed.pending_asks.empty()) continue;
    cex::JsonWriter w;
    w.begin_array().begin_object().kv("type", "update").kv("product_id", feed.product);
    w.key("updates").begin_array();
    for (const auto& [pending, side] :
         {std::pair{&feed.pending_bids, "bid"}, std::pair{&feed.pending_asks, "offer"}}) {
      for (const auto& [px, q] : *pending) {
        w.begin_object()
            .kv("side", side)
            .kv("event_time", t)
            .kv_dec("price_level", px)
            .kv_dec("new_quantity", q)
            .end_object();
      }
    }
    w.end_array().end_object().end_array();
    feed.pending_bids.clear();
    feed.pending_asks.clear();
    const std::string events = w.take();
    const bool skip = ctx_.faults.consume_skip_seq();
    const bool dup = ctx_.faults.consume_duplicate_seq();
    for (auto& [id, s] : sessions_) {
      if (wants(s, "level2", feed.product)) send(s, "l2_data", events, now, skip, dup);
    }
  }
}

void CoinbaseProtocol::on_book_level(InstrumentId id, common::BookSide side, common::Price price,
                                     common::Qty qty, common::Nanos) {
  if (id.value >= feeds_.size()) return;
  Feed& f = feeds_[id.value];
  (side == common::BookSide::kBid ? f.pending_bids : f.pending_asks)[price] = qty;
}

void CoinbaseProtocol::on_trade(InstrumentId id, common::Price price, common::Qty qty,
                                common::Side aggressor, std::uint64_t trade_id, common::Nanos ts) {
  if (id.value >= feeds_.size() || ts < ctx_.faults.stale_until_ns) return;
  const std::string& product = feeds_[id.value].product;
  cex::JsonWriter w;
  w.begin_array().begin_object().kv("type", "update").key("trades").begin_array();
  // `side` is the maker's side on this channel.
  w.begin_object()
      .kv("trade_id", std::to_string(trade_id))
      .kv("product_id", product)
      .kv_dec("price", price)
      .kv_dec("size", qty)
      .kv("side", aggressor == common::Side::kBuy ? "SELL" : "BUY")
      .kv("time", cex::rfc3339(ts))
      .end_object();
  w.end_array().end_object().end_array();
  const std::string events = w.take();
  for (auto& [sid, s] : sessions_) {
    if (wants(s, "market_trades", product)) send(s, "market_trades", events, ts);
  }
}

void CoinbaseProtocol::write_user_order(cex::JsonWriter& w, const sim::SimOrder& o) const {
  common::Money fees;
  exchange_.for_each_fill(o.account, [&](const sim::SimFill& f) {
    if (f.order_id == o.id) fees += f.fee;
  });
  std::string_view status = "OPEN";
  if (o.status == common::OrderStatus::kFilled) status = "FILLED";
  if (o.status == common::OrderStatus::kCancelled) status = "CANCELLED";
  if (o.status == common::OrderStatus::kExpired) status = "EXPIRED";
  if (o.status == common::OrderStatus::kRejected) status = "FAILED";
  const bool market = o.type == common::OrderType::kMarket;
  w.begin_object()
      .kv("order_id", order_uuid(o.id))
      .kv("client_order_id", o.client_id.view())
      .kv("product_id", feeds_[o.instrument.value].product)
      .kv("order_side", o.side == common::Side::kBuy ? "BUY" : "SELL")
      .kv("order_type", market ? "MARKET" : "LIMIT")
      .kv("status", status)
      .kv("time_in_force", o.tif == common::TimeInForce::kIoc   ? "IMMEDIATE_OR_CANCEL"
                           : o.tif == common::TimeInForce::kFok ? "FILL_OR_KILL"
                                                                : "GOOD_UNTIL_CANCELLED")
      .kv_dec("avg_price", o.avg_price())
      .kv("limit_price", market ? std::string() : o.price.to_string())
      .kv("stop_price", o.trigger_price.is_zero() ? std::string() : o.trigger_price.to_string())
      .kv_dec("cumulative_quantity", o.filled)
      .kv_dec("leaves_quantity", o.is_open() ? o.remaining() : common::Qty{})
      .kv_dec("filled_value", o.filled_notional)
      .kv("number_of_fills", o.filled.is_zero() ? "0" : "1")
      .kv_dec("total_fees", fees)
      .kv_dec("total_value_after_fees", o.filled_notional + fees)
      .kv("completion_percentage", "0")
      .kv("outstanding_hold_amount", "0")
      .kv_bool("post_only", o.tif == common::TimeInForce::kPostOnly)
      .kv("cancel_reason",
          o.status == common::OrderStatus::kCancelled ? "User requested cancel" : "")
      .kv("reject_reason", "")
      .kv("trigger_status", "INVALID_ORDER_TYPE")
      .kv("product_type", "FUTURE")
      .kv("contract_expiry_type", "PERPETUAL")
      .kv("risk_managed_by", "MANAGED_BY_VENUE")
      .kv("retail_portfolio_id", "")
      .kv("creation_time", cex::rfc3339(o.created))
      .kv("start_time", "")
      .kv("end_time", "")
      .end_object();
}

void CoinbaseProtocol::on_order(const sim::SimOrder& o) {
  for (auto& [sid, s] : sessions_) {
    if (!s.authed || s.account != o.account ||
        !wants(s, "user", feeds_[o.instrument.value].product)) {
      continue;
    }
    cex::JsonWriter w;
    w.begin_array().begin_object().kv("type", "update").key("orders").begin_array();
    write_user_order(w, o);
    w.end_array().end_object().end_array();
    send(s, "user", w.take(), last_now_);
  }
}

}  // namespace peregrine::venue_sim::coinbase

namespace peregrine::venue_sim {
std::unique_ptr<VenueProtocol> make_coinbase_protocol(VenueContext& ctx) {
  return std::make_unique<coinbase::CoinbaseProtocol>(ctx);
}
}  // namespace peregrine::venue_sim
