// ExecParser: the REST response bodies (one object walker per endpoint shape).
#include <utility>

#include "gateways/binance/exec_json.hpp"
#include "gateways/binance/exec_parser.hpp"

namespace peregrine::gateways::binance {

using detail::bump;
using detail::get_bool_any;
using detail::get_exact;
using detail::get_int_any;
using detail::get_millis;
using detail::get_value;
namespace od = simdjson::ondemand;

ExecError ExecParser::status_field(od::field& f, bool& taken) noexcept {
  const od::raw_json_string key = f.key();
  taken = false;
  if (key == "code") {
    taken = true;
    PEREGRINE_BN_TRY(get_int_any(f.value(), code_));
    have_code_ = true;
  } else if (key == "msg") {
    taken = true;
    PEREGRINE_BN_SJ(f.value().get_string().get(msg_));
  }
  return ExecError::kOk;
}

ExecError ExecParser::parse_order_fields(od::object& o, common::OrderUpdate& out) noexcept {
  std::string_view status, tif, side, cid, symbol;
  bool has_id = false;
  std::uint64_t order_id = 0;
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    bool taken = false;
    PEREGRINE_BN_TRY(status_field(f, taken));
    if (taken) continue;
    const od::raw_json_string key = f.key();
    od::value& v = f.value();
    if (key == "orderId") {
      PEREGRINE_BN_SJ(v.get_uint64().get(order_id));
      has_id = true;
    } else if (key == "symbol") {
      PEREGRINE_BN_SJ(v.get_string().get(symbol));
    } else if (key == "status") {
      PEREGRINE_BN_SJ(v.get_string().get(status));
    } else if (key == "clientOrderId") {
      PEREGRINE_BN_SJ(v.get_string().get(cid));
    } else if (key == "price") {
      PEREGRINE_BN_TRY(get_exact(v, out.price));
    } else if (key == "avgPrice") {
      PEREGRINE_BN_TRY(get_value(v, out.avg_price));
    } else if (key == "origQty") {
      PEREGRINE_BN_TRY(get_exact(v, out.qty));
    } else if (key == "executedQty") {
      PEREGRINE_BN_TRY(get_exact(v, out.filled_qty));
    } else if (key == "timeInForce") {
      PEREGRINE_BN_SJ(v.get_string().get(tif));
    } else if (key == "side") {
      PEREGRINE_BN_SJ(v.get_string().get(side));
    } else if (key == "updateTime") {
      PEREGRINE_BN_TRY(get_millis(v, out.ts_venue));
    }
  }
  if (have_code_) return ExecError::kOk;  // an error body; run() reports it
  if (!has_id || status.empty() || side.empty()) return ExecError::kMissingField;
  PEREGRINE_BN_TRY(detail::parse_side(side, out.side));
  if (out.qty.is_negative() || out.filled_qty.is_negative()) return ExecError::kBadValue;
  const StatusMapping m = map_order_status(status, tif, out.filled_qty);
  if (!m.known) bump(counters_.unknown_status);
  out.status = m.status;
  out.reject = m.reject;
  out.venue_order_id = common::VenueOrderId::from_int(order_id);
  out.cloid = our_id(cid);
  out.instrument = resolve(symbol);
  out.venue = common::VenueId::kBinance;
  out.venue_seq = static_cast<std::uint64_t>(out.ts_venue / 1'000'000);
  return ExecError::kOk;
}

ExecError ExecParser::on_order_object(od::object& o) noexcept {
  return parse_order_fields(o, order_);
}

ExecError ExecParser::on_order_item(od::object& o) noexcept {
  if (order_count_ >= kMaxOrders) return ExecError::kCapacity;
  common::OrderUpdate u;
  PEREGRINE_BN_TRY(parse_order_fields(o, u));
  if (!have_code_) orders_[order_count_++] = u;
  return ExecError::kOk;
}

ExecError ExecParser::parse_algo_fields(od::object& o, AlgoOrderInfo& out) noexcept {
  std::string_view type, side, pos_side, status;
  bool has_id = false;
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    bool taken = false;
    PEREGRINE_BN_TRY(status_field(f, taken));
    if (taken) continue;
    const od::raw_json_string key = f.key();
    od::value& v = f.value();
    if (key == "algoId") {
      PEREGRINE_BN_SJ(v.get_uint64().get(out.algo_id));
      has_id = true;
    } else if (key == "clientAlgoId") {
      PEREGRINE_BN_SJ(v.get_string().get(out.client_algo_id_text));
      has_id = true;
    } else if (key == "orderType" || key == "type") {
      PEREGRINE_BN_SJ(v.get_string().get(type));
    } else if (key == "symbol") {
      PEREGRINE_BN_SJ(v.get_string().get(out.symbol));
    } else if (key == "side") {
      PEREGRINE_BN_SJ(v.get_string().get(side));
    } else if (key == "positionSide") {
      PEREGRINE_BN_SJ(v.get_string().get(pos_side));
    } else if (key == "quantity") {
      PEREGRINE_BN_TRY(get_exact(v, out.qty));
    } else if (key == "price") {
      PEREGRINE_BN_TRY(get_exact(v, out.price));
    } else if (key == "triggerPrice") {
      PEREGRINE_BN_TRY(get_exact(v, out.trigger_price));
    } else if (key == "algoStatus") {
      PEREGRINE_BN_SJ(v.get_string().get(status));
    } else if (key == "reduceOnly") {
      PEREGRINE_BN_TRY(get_bool_any(v, out.reduce_only));
    } else if (key == "closePosition") {
      PEREGRINE_BN_TRY(get_bool_any(v, out.close_position));
    } else if (key == "updateTime") {
      PEREGRINE_BN_TRY(get_millis(v, out.ts_venue));
    }
  }
  if (have_code_) return ExecError::kOk;
  if (!has_id) return ExecError::kMissingField;
  if (!side.empty()) PEREGRINE_BN_TRY(detail::parse_side(side, out.side));
  if (!pos_side.empty()) PEREGRINE_BN_TRY(detail::parse_position_side(pos_side, out.position_side));
  if (!type.empty() && !detail::parse_conditional_type(type, out.type)) {
    return ExecError::kBadValue;
  }
  if (!status.empty()) {
    out.status = parse_algo_status(status);
    if (out.status == AlgoStatus::kUnknown) bump(counters_.unknown_status);
  }
  out.client_algo_id = our_id(out.client_algo_id_text);
  if (!out.symbol.empty()) out.instrument = resolve(out.symbol);
  return ExecError::kOk;
}

ExecError ExecParser::on_algo_object(od::object& o) noexcept { return parse_algo_fields(o, algo_); }

ExecError ExecParser::on_algo_item(od::object& o) noexcept {
  if (algo_count_ >= kMaxOrders) return ExecError::kCapacity;
  AlgoOrderInfo a;
  PEREGRINE_BN_TRY(parse_algo_fields(o, a));
  if (!have_code_) algos_[algo_count_++] = a;
  return ExecError::kOk;
}

ExecError ExecParser::on_ack_object(od::object& o) noexcept {
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    bool taken = false;
    PEREGRINE_BN_TRY(status_field(f, taken));
  }
  return ExecError::kOk;
}

ExecError ExecParser::on_listen_key_object(od::object& o) noexcept {
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    bool taken = false;
    PEREGRINE_BN_TRY(status_field(f, taken));
    if (!taken && f.key() == "listenKey") PEREGRINE_BN_SJ(f.value().get_string().get(listen_key_));
  }
  if (!have_code_ && listen_key_.empty()) return ExecError::kMissingField;
  return ExecError::kOk;
}

ExecError ExecParser::on_position_item(od::object& o) noexcept {
  if (position_count_ >= kMaxPositions) return ExecError::kCapacity;
  PositionInfo p;
  bool has_amount = false;
  std::string_view margin, pos_side;
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    bool taken = false;
    PEREGRINE_BN_TRY(status_field(f, taken));
    if (taken) continue;
    const od::raw_json_string key = f.key();
    od::value& v = f.value();
    if (key == "symbol") {
      PEREGRINE_BN_SJ(v.get_string().get(p.symbol));
    } else if (key == "positionAmt") {
      PEREGRINE_BN_TRY(get_exact(v, p.amount));
      has_amount = true;
    } else if (key == "entryPrice") {
      PEREGRINE_BN_TRY(get_value(v, p.entry_price));
    } else if (key == "breakEvenPrice") {
      PEREGRINE_BN_TRY(get_value(v, p.breakeven_price));
    } else if (key == "markPrice") {
      PEREGRINE_BN_TRY(get_value(v, p.mark_price));
    } else if (key == "liquidationPrice") {
      PEREGRINE_BN_TRY(get_value(v, p.liquidation_price));
    } else if (key == "unRealizedProfit") {
      PEREGRINE_BN_TRY(get_value(v, p.unrealized_pnl));
    } else if (key == "isolatedWallet") {
      PEREGRINE_BN_TRY(get_value(v, p.isolated_wallet));
    } else if (key == "notional") {
      PEREGRINE_BN_TRY(get_value(v, p.notional));
    } else if (key == "leverage") {
      std::int64_t lev = 0;
      PEREGRINE_BN_TRY(get_int_any(v, lev));
      if (lev < 0 || lev > 100'000) return ExecError::kBadValue;
      p.leverage = static_cast<std::uint32_t>(lev);
    } else if (key == "marginType") {
      PEREGRINE_BN_SJ(v.get_string().get(margin));
    } else if (key == "positionSide") {
      PEREGRINE_BN_SJ(v.get_string().get(pos_side));
    } else if (key == "updateTime") {
      PEREGRINE_BN_TRY(get_millis(v, p.ts_venue));
    }
  }
  if (have_code_) return ExecError::kOk;
  if (p.symbol.empty() || !has_amount) return ExecError::kMissingField;
  p.margin_type = margin == "isolated" ? MarginType::kIsolated : MarginType::kCross;
  if (!pos_side.empty()) PEREGRINE_BN_TRY(detail::parse_position_side(pos_side, p.position_side));
  p.instrument = resolve(p.symbol);
  positions_[position_count_++] = p;
  return ExecError::kOk;
}

ExecError ExecParser::on_balance_item(od::object& o) noexcept {
  if (balance_count_ >= kMaxBalances) return ExecError::kCapacity;
  BalanceInfo b;
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    bool taken = false;
    PEREGRINE_BN_TRY(status_field(f, taken));
    if (taken) continue;
    const od::raw_json_string key = f.key();
    od::value& v = f.value();
    if (key == "asset") {
      PEREGRINE_BN_SJ(v.get_string().get(b.asset));
    } else if (key == "balance" || key == "walletBalance") {
      PEREGRINE_BN_TRY(get_value(v, b.wallet));
    } else if (key == "crossWalletBalance") {
      PEREGRINE_BN_TRY(get_value(v, b.cross_wallet));
    } else if (key == "availableBalance") {
      PEREGRINE_BN_TRY(get_value(v, b.available));
    } else if (key == "crossUnPnl" || key == "unrealizedProfit") {
      PEREGRINE_BN_TRY(get_value(v, b.unrealized));
    } else if (key == "updateTime") {
      PEREGRINE_BN_TRY(get_millis(v, b.ts_venue));
    }
  }
  if (have_code_) return ExecError::kOk;
  if (b.asset.empty()) return ExecError::kMissingField;
  balances_[balance_count_++] = b;
  return ExecError::kOk;
}

ExecError ExecParser::on_account_object(od::object& o) noexcept {
  bool has_total = false;
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    bool taken = false;
    PEREGRINE_BN_TRY(status_field(f, taken));
    if (taken) continue;
    const od::raw_json_string key = f.key();
    od::value& v = f.value();
    if (key == "totalWalletBalance") {
      PEREGRINE_BN_TRY(get_value(v, totals_.total_wallet));
      has_total = true;
    } else if (key == "totalUnrealizedProfit") {
      PEREGRINE_BN_TRY(get_value(v, totals_.total_unrealized));
    } else if (key == "totalMarginBalance") {
      PEREGRINE_BN_TRY(get_value(v, totals_.total_margin_balance));
    } else if (key == "availableBalance") {
      PEREGRINE_BN_TRY(get_value(v, totals_.available));
    } else if (key == "maxWithdrawAmount") {
      PEREGRINE_BN_TRY(get_value(v, totals_.max_withdraw));
    } else if (key == "assets") {
      od::array assets;
      PEREGRINE_BN_SJ(v.get_array().get(assets));
      for (auto a : assets) {
        od::object ao;
        PEREGRINE_BN_SJ(a.get_object().get(ao));
        PEREGRINE_BN_TRY(on_balance_item(ao));
      }
    }
  }
  if (have_code_) return ExecError::kOk;
  return has_total ? ExecError::kOk : ExecError::kMissingField;
}

ExecError ExecParser::on_leverage_object(od::object& o) noexcept {
  bool has_leverage = false;
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    bool taken = false;
    PEREGRINE_BN_TRY(status_field(f, taken));
    if (taken) continue;
    const od::raw_json_string key = f.key();
    od::value& v = f.value();
    if (key == "leverage") {
      std::int64_t lev = 0;
      PEREGRINE_BN_TRY(get_int_any(v, lev));
      if (lev < 0 || lev > 100'000) return ExecError::kBadValue;
      leverage_.leverage = static_cast<std::uint32_t>(lev);
      has_leverage = true;
    } else if (key == "maxNotionalValue") {
      PEREGRINE_BN_TRY(get_value(v, leverage_.max_notional));
    } else if (key == "symbol") {
      PEREGRINE_BN_SJ(v.get_string().get(leverage_.symbol));
    }
  }
  if (have_code_) return ExecError::kOk;
  return has_leverage ? ExecError::kOk : ExecError::kMissingField;
}

// ---- public REST entry points -----------------------------------------------------------------

ExecParser::Parsed ExecParser::parse_order(int http_status, std::string_view body,
                                           common::ClientOrderId request_cloid) noexcept {
  return run(http_status, body, Shape::kObject, &ExecParser::on_order_object, request_cloid, true);
}

ExecParser::Parsed ExecParser::parse_open_orders(int http_status, std::string_view body) noexcept {
  return run(http_status, body, Shape::kArray, &ExecParser::on_order_item, {}, false);
}

ExecParser::Parsed ExecParser::parse_algo_order(int http_status, std::string_view body) noexcept {
  return run(http_status, body, Shape::kObject, &ExecParser::on_algo_object, {}, false);
}

ExecParser::Parsed ExecParser::parse_open_algo_orders(int http_status,
                                                      std::string_view body) noexcept {
  return run(http_status, body, Shape::kArray, &ExecParser::on_algo_item, {}, false);
}

ExecParser::Parsed ExecParser::parse_ack(int http_status, std::string_view body) noexcept {
  if (http_status >= 200 && http_status < 300 &&
      body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    bump(counters_.frames);
    clear_outputs();
    RestResult ok;
    ok.ok = true;
    return ok;
  }
  return run(http_status, body, Shape::kObject, &ExecParser::on_ack_object, {}, false);
}

ExecParser::Parsed ExecParser::parse_listen_key(int http_status, std::string_view body) noexcept {
  return run(http_status, body, Shape::kObject, &ExecParser::on_listen_key_object, {}, false);
}

ExecParser::Parsed ExecParser::parse_position_risk(int http_status,
                                                   std::string_view body) noexcept {
  return run(http_status, body, Shape::kArray, &ExecParser::on_position_item, {}, false);
}

ExecParser::Parsed ExecParser::parse_balance(int http_status, std::string_view body) noexcept {
  return run(http_status, body, Shape::kArray, &ExecParser::on_balance_item, {}, false);
}

ExecParser::Parsed ExecParser::parse_account(int http_status, std::string_view body) noexcept {
  return run(http_status, body, Shape::kObject, &ExecParser::on_account_object, {}, false);
}

ExecParser::Parsed ExecParser::parse_leverage(int http_status, std::string_view body) noexcept {
  return run(http_status, body, Shape::kObject, &ExecParser::on_leverage_object, {}, false);
}

}  // namespace peregrine::gateways::binance
