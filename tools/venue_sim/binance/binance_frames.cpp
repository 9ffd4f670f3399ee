#include "tools/venue_sim/binance/binance_frames.hpp"

namespace peregrine::venue_sim::binance {

namespace {

void write_levels(cex::JsonWriter& w, std::span<const Level> levels) {
  w.begin_array();
  for (const auto& l : levels) w.begin_array().dec(l.price).dec(l.qty).end_array();
  w.end_array();
}

}  // namespace

std::string_view side_text(common::Side s) noexcept {
  return s == common::Side::kBuy ? "BUY" : "SELL";
}

std::string_view position_side_text(common::PositionSide s) noexcept {
  switch (s) {
    case common::PositionSide::kLong:
      return "LONG";
    case common::PositionSide::kShort:
      return "SHORT";
    case common::PositionSide::kBoth:
      break;
  }
  return "BOTH";
}

void write_order(cex::JsonWriter& w, const OrderView& o) {
  w.begin_object()
      .kv_unum("orderId", o.order_id)
      .kv("symbol", o.symbol)
      .kv("status", o.status)
      .kv("clientOrderId", o.client_id)
      .kv_dec("price", o.price)
      .kv_dec("avgPrice", o.avg_price)
      .kv_dec("origQty", o.orig_qty)
      .kv_dec("executedQty", o.executed_qty)
      .kv_dec("cumQty", o.executed_qty)
      .kv_dec("cumQuote", o.cum_quote)
      .kv("timeInForce", o.tif)
      .kv("type", o.type)
      .kv_bool("reduceOnly", o.reduce_only)
      .kv_bool("closePosition", o.close_position)
      .kv("side", side_text(o.side))
      .kv("positionSide", position_side_text(o.position_side))
      .kv_dec("stopPrice", o.stop_price)
      .kv("workingType", "CONTRACT_PRICE")
      .kv_bool("priceProtect", false)
      .kv("origType", o.type)
      .kv("priceMatch", "NONE")
      .kv("selfTradePreventionMode", "EXPIRE_MAKER")
      .kv_num("goodTillDate", 0)
      .kv_num("time", o.time_ms)
      .kv_num("updateTime", o.update_ms)
      .end_object();
}

std::string depth_body(std::uint64_t last_update_id, std::int64_t event_ms, std::int64_t txn_ms,
                       std::span<const Level> bids, std::span<const Level> asks) {
  cex::JsonWriter w;
  w.begin_object()
      .kv_unum("lastUpdateId", last_update_id)
      .kv_num("E", event_ms)
      .kv_num("T", txn_ms);
  w.key("bids");
  write_levels(w, bids);
  w.key("asks");
  write_levels(w, asks);
  w.end_object();
  return w.take();
}

std::string depth_update(std::string_view symbol, std::int64_t event_ms, std::int64_t txn_ms,
                         std::uint64_t first_id, std::uint64_t last_id, std::uint64_t prev_last_id,
                         std::span<const Level> bids, std::span<const Level> asks) {
  cex::JsonWriter w;
  w.begin_object()
      .kv("e", "depthUpdate")
      .kv_num("E", event_ms)
      .kv_num("T", txn_ms)
      .kv("s", symbol)
      .kv_unum("U", first_id)
      .kv_unum("u", last_id)
      .kv_unum("pu", prev_last_id);
  w.key("b");
  write_levels(w, bids);
  w.key("a");
  write_levels(w, asks);
  w.end_object();
  return w.take();
}

std::string trade_event(std::string_view symbol, std::int64_t event_ms, std::int64_t trade_ms,
                        std::uint64_t trade_id, common::Price price, common::Qty qty,
                        bool buyer_is_maker) {
  cex::JsonWriter w;
  w.begin_object()
      .kv("e", "trade")
      .kv_num("E", event_ms)
      .kv_num("T", trade_ms)
      .kv("s", symbol)
      .kv_unum("t", trade_id)
      .kv_dec("p", price)
      .kv_dec("q", qty)
      .kv("X", "MARKET")
      .kv_bool("m", buyer_is_maker)
      .end_object();
  return w.take();
}

std::string agg_trade_event(std::string_view symbol, std::int64_t event_ms, std::int64_t trade_ms,
                            std::uint64_t agg_id, std::uint64_t trade_id, common::Price price,
                            common::Qty qty, bool buyer_is_maker) {
  cex::JsonWriter w;
  w.begin_object()
      .kv("e", "aggTrade")
      .kv_num("E", event_ms)
      .kv("s", symbol)
      .kv_unum("a", agg_id)
      .kv_dec("p", price)
      .kv_dec("q", qty)
      .kv_dec("nq", qty)
      .kv_unum("f", trade_id)
      .kv_unum("l", trade_id)
      .kv_num("T", trade_ms)
      .kv_bool("m", buyer_is_maker)
      .end_object();
  return w.take();
}

std::string book_ticker_event(std::string_view symbol, std::uint64_t update_id,
                              std::int64_t event_ms, std::int64_t txn_ms, Level bid, Level ask) {
  cex::JsonWriter w;
  w.begin_object()
      .kv("e", "bookTicker")
      .kv_unum("u", update_id)
      .kv_num("E", event_ms)
      .kv_num("T", txn_ms)
      .kv("s", symbol)
      .kv_dec("b", bid.price)
      .kv_dec("B", bid.qty)
      .kv_dec("a", ask.price)
      .kv_dec("A", ask.qty)
      .end_object();
  return w.take();
}

std::string order_trade_update(const OrderView& o, std::string_view exec_type, const FillView* fill,
                               std::string_view fee_asset, std::int64_t event_ms) {
  cex::JsonWriter w;
  w.begin_object().kv("e", "ORDER_TRADE_UPDATE").kv_num("E", event_ms).kv_num("T", o.update_ms);
  w.key("o").begin_object();
  w.kv("s", o.symbol)
      .kv("c", o.client_id)
      .kv("S", side_text(o.side))
      .kv("o", o.type)
      .kv("f", o.tif)
      .kv_dec("q", o.orig_qty)
      .kv_dec("p", o.price)
      .kv_dec("ap", o.avg_price)
      .kv_dec("sp", o.stop_price)
      .kv("x", exec_type)
      .kv("X", o.status)
      .kv_unum("i", o.order_id)
      .kv_dec("l", fill != nullptr ? fill->qty : common::Qty{})
      .kv_dec("z", o.executed_qty)
      .kv_dec("L", fill != nullptr ? fill->price : common::Price{})
      .kv("N", fee_asset)
      .kv_dec("n", fill != nullptr ? fill->commission : common::Money{})
      .kv_num("T", o.update_ms)
      .kv_unum("t", fill != nullptr ? fill->trade_id : 0)
      .kv_dec("b", common::Money{})
      .kv_dec("a", common::Money{})
      .kv_bool("m", fill != nullptr && fill->maker)
      .kv_bool("R", o.reduce_only)
      .kv("wt", "CONTRACT_PRICE")
      .kv("ot", o.type)
      .kv("ps", position_side_text(o.position_side))
      .kv_bool("cp", o.close_position)
      .kv_dec("rp", fill != nullptr ? fill->realized_pnl : common::Money{})
      .kv_bool("pP", false)
      .kv_num("si", 0)
      .kv_num("ss", 0)
      .kv("V", "EXPIRE_MAKER")
      .kv("pm", "NONE")
      .kv_num("gtd", 0)
      .end_object();
  w.end_object();
  return w.take();
}

void write_position_v2(cex::JsonWriter& w, const PositionView& p) {
  const auto notional = common::notional(p.mark_price, p.amount);
  w.begin_object()
      .kv("symbol", p.symbol)
      .kv_dec("positionAmt", p.amount)
      .kv_dec("entryPrice", p.entry_price)
      .kv_dec("breakEvenPrice", p.entry_price)
      .kv_dec("markPrice", p.mark_price)
      .kv_dec("unRealizedProfit", p.unrealized_pnl)
      .kv_dec("liquidationPrice", common::Price{})
      .kv("leverage", std::to_string(p.leverage))
      .kv("maxNotionalValue", "1000000")
      .kv("marginType", "cross")
      .kv_dec("isolatedMargin", common::Money{})
      .kv("isAutoAddMargin", "false")
      .kv("positionSide", position_side_text(p.position_side))
      .kv_dec("notional", notional ? *notional : common::Money{})
      .kv_dec("isolatedWallet", common::Money{})
      .kv_num("updateTime", p.update_ms)
      .end_object();
}

void write_balance(cex::JsonWriter& w, const BalanceView& b) {
  w.begin_object()
      .kv("accountAlias", "SgsR")
      .kv("asset", b.asset)
      .kv_dec("balance", b.wallet)
      .kv_dec("crossWalletBalance", b.wallet)
      .kv_dec("crossUnPnl", b.unrealized)
      .kv_dec("availableBalance", b.available)
      .kv_dec("maxWithdrawAmount", b.available)
      .kv_bool("marginAvailable", true)
      .kv_num("updateTime", b.update_ms)
      .end_object();
}

std::string account_update(std::string_view reason, std::span<const BalanceView> b,
                           std::span<const PositionView> p, std::int64_t event_ms) {
  cex::JsonWriter w;
  w.begin_object().kv("e", "ACCOUNT_UPDATE").kv_num("E", event_ms).kv_num("T", event_ms);
  w.key("a").begin_object().kv("m", reason);
  w.key("B").begin_array();
  for (const auto& x : b) {
    w.begin_object()
        .kv("a", x.asset)
        .kv_dec("wb", x.wallet)
        .kv_dec("cw", x.wallet)
        .kv_dec("bc", common::Money{})
        .end_object();
  }
  w.end_array();
  w.key("P").begin_array();
  for (const auto& x : p) {
    w.begin_object()
        .kv("s", x.symbol)
        .kv_dec("pa", x.amount)
        .kv_dec("ep", x.entry_price)
        .kv_dec("bep", x.entry_price)
        .kv_dec("cr", x.realized_pnl)
        .kv_dec("up", x.unrealized_pnl)
        .kv("mt", "cross")
        .kv_dec("iw", common::Money{})
        .kv("ps", position_side_text(x.position_side))
        .end_object();
  }
  w.end_array();
  w.end_object();
  w.end_object();
  return w.take();
}

}  // namespace peregrine::venue_sim::binance
