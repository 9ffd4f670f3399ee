// ExecParser, REST side: the {retCode, retMsg, result, time} envelope and each endpoint's
// result (acks, cancel-all list, open orders, positions, wallet balance).
#include <utility>

#include "gateways/bybit/exec_json.hpp"
#include "gateways/bybit/order_codec.hpp"
#include "gateways/bybit/wire.hpp"

namespace peregrine::gateways::bybit {

using namespace exec_json;  // NOLINT(build/namespaces): this codec's own helpers
using common::Nanos;
using detail::bump;

ExecError ExecParser::dispatch_rest(RestEndpoint endpoint, simdjson::padded_string_view body,
                                    Nanos ts_recv) noexcept {
  od::document doc;
  od::object root;
  PEREGRINE_BYBIT_EXEC_TRY(open_root(parser_, body, doc, root));
  bool has_code = false;
  for (auto item : root) {
    od::field f;
    PEREGRINE_BYBIT_EXEC_SJ(std::move(item).get(f));
    const od::raw_json_string key = f.key();
    if (key == "retCode") {
      PEREGRINE_BYBIT_EXEC_SJ(f.value().get_int64().get(rest_.ret_code));
      has_code = true;
    } else if (key == "retMsg") {
      PEREGRINE_BYBIT_EXEC_SJ(f.value().get_string().get(rest_.ret_msg));
    } else if (key == "time") {
      std::uint64_t ms = 0;
      PEREGRINE_BYBIT_EXEC_TRY(get_ms(f.value(), ms, rest_.ts_venue));
    } else if (key == "result") {
      PEREGRINE_BYBIT_EXEC_TRY(parse_result(endpoint, f.value(), ts_recv));
    }
  }
  if (!detail::at_end(doc)) return ExecError::kBadJson;
  if (!has_code) return ExecError::kMissingField;
  rest_.reject = reject_reason_from_code(rest_.ret_code, rest_.ret_msg);
  return ExecError::kOk;
}

ExecError ExecParser::parse_result(RestEndpoint endpoint, od::value& result,
                                   Nanos ts_recv) noexcept {
  bool is_null = false;
  PEREGRINE_BYBIT_EXEC_SJ(result.is_null().get(is_null));
  if (is_null) return ExecError::kOk;
  switch (endpoint) {
    case RestEndpoint::kCreateOrder:
    case RestEndpoint::kAmendOrder:
    case RestEndpoint::kCancelOrder:
      return parse_ack(result, rest_.ack);
    case RestEndpoint::kCancelAll:
      return each_field(result, [&](od::raw_json_string k, od::value& v) {
        if (k == "list") return parse_ack_list(v);
        if (k == "success") {
          std::string_view s;
          PEREGRINE_BYBIT_EXEC_TRY(get_str(v, s));
          rest_.cancel_all_success = s == "1";
        }
        return ExecError::kOk;
      });
    case RestEndpoint::kOpenOrders:
    case RestEndpoint::kPositions:
      return each_field(result, [&](od::raw_json_string k, od::value& v) {
        if (k == "list") {
          return endpoint == RestEndpoint::kOpenOrders ? parse_orders(v, ts_recv, false)
                                                       : parse_positions(v, false);
        }
        if (k == "nextPageCursor") return get_str(v, rest_.next_cursor);
        return ExecError::kOk;
      });
    case RestEndpoint::kWalletBalance:
      return each_field(result, [&](od::raw_json_string k, od::value& v) {
        return k == "list" ? parse_wallets(v) : ExecError::kOk;
      });
    case RestEndpoint::kSetLeverage:
    case RestEndpoint::kDisconnectCancelAll:
      return ExecError::kOk;  // {} or absent; skipped by the caller's iteration
  }
  return ExecError::kOk;
}

ExecError ExecParser::parse_ack_list(od::value& list) noexcept {
  ack_count_ = 0;
  return each_element(list, [&](od::value& e) {
    if (ack_count_ >= kMaxOrders) return ExecError::kCapacity;
    OrderAck& ack = acks_[ack_count_];
    ack = OrderAck{};
    PEREGRINE_BYBIT_EXEC_TRY(parse_ack(e, ack));
    ++ack_count_;
    return ExecError::kOk;
  });
}

ExecError ExecParser::parse_positions(od::value& list, bool drop_unknown) noexcept {
  position_count_ = 0;
  return each_element(list, [&](od::value& e) {
    if (position_count_ >= kMaxPositions) return ExecError::kCapacity;
    PositionInfo p;
    std::string_view side;
    std::string_view status;
    std::uint64_t ms = 0;
    unsigned seen = 0;
    PEREGRINE_BYBIT_EXEC_TRY(each_field(e, [&](od::raw_json_string k, od::value& v) {
      if (k == "symbol") return mark(seen, 1u, get_str(v, p.symbol));
      if (k == "side") return mark(seen, 2u, get_str(v, side));
      if (k == "size") return mark(seen, 4u, get_fixed(v, p.size));
      if (k == "avgPrice" || k == "entryPrice") return get_fixed(v, p.entry_price);
      if (k == "markPrice") return get_fixed(v, p.mark_price);
      if (k == "liqPrice") return get_fixed(v, p.liq_price);
      if (k == "positionValue") return get_fixed_trunc(v, p.position_value);
      if (k == "unrealisedPnl") return get_fixed_trunc(v, p.unrealised_pnl);
      if (k == "curRealisedPnl") return get_fixed_trunc(v, p.cur_realised_pnl);
      if (k == "cumRealisedPnl") return get_fixed_trunc(v, p.cum_realised_pnl);
      if (k == "positionIM") return get_fixed_trunc(v, p.position_im);
      if (k == "positionMM") return get_fixed_trunc(v, p.position_mm);
      if (k == "leverage") return get_fixed_trunc(v, p.leverage);
      if (k == "positionIdx") return get_small_uint(v, p.position_idx);
      if (k == "positionStatus") return get_str(v, status);
      if (k == "updatedTime") return get_ms(v, ms, p.ts_venue);
      if (k == "seq") {
        PEREGRINE_BYBIT_EXEC_SJ(detail::get_i64_any(v, p.seq));
      }
      return ExecError::kOk;
    }));
    if (seen != 7u) return ExecError::kMissingField;
    if (p.size.is_negative()) return ExecError::kBadValue;
    if (side == "Sell") {
      p.size = -p.size;
    } else if (side != "Buy" && side != "" && side != "None") {
      return ExecError::kBadValue;
    }
    p.status = status == "Normal" || status.empty() ? PositionStatus::kNormal
               : status == "Liq"                    ? PositionStatus::kLiq
               : status == "Adl"                    ? PositionStatus::kAdl
                                                    : PositionStatus::kOther;
    p.instrument = lookup(p.symbol);
    if (!p.instrument.valid()) {
      bump(counters_.unknown_symbol);
      if (drop_unknown) return ExecError::kOk;
    }
    positions_[position_count_++] = p;
    return ExecError::kOk;
  });
}

ExecError ExecParser::parse_wallets(od::value& list) noexcept {
  wallet_count_ = 0;
  coin_count_ = 0;
  return each_element(list, [&](od::value& e) {
    if (wallet_count_ >= kMaxWallets) return ExecError::kCapacity;
    WalletAccount w;
    w.first_coin = coin_count_;
    PEREGRINE_BYBIT_EXEC_TRY(each_field(e, [&](od::raw_json_string k, od::value& v) {
      if (k == "accountType") return get_str(v, w.account_type);
      if (k == "totalEquity") return get_fixed_trunc(v, w.total_equity);
      if (k == "totalWalletBalance") return get_fixed_trunc(v, w.total_wallet_balance);
      if (k == "totalMarginBalance") return get_fixed_trunc(v, w.total_margin_balance);
      if (k == "totalAvailableBalance") return get_fixed_trunc(v, w.total_available_balance);
      if (k == "totalPerpUPL") return get_fixed_trunc(v, w.total_perp_upl);
      if (k == "totalInitialMargin") return get_fixed_trunc(v, w.total_initial_margin);
      if (k == "totalMaintenanceMargin") return get_fixed_trunc(v, w.total_maintenance_margin);
      if (k == "accountIMRate") return get_fixed_trunc(v, w.account_im_rate);
      if (k == "accountMMRate") return get_fixed_trunc(v, w.account_mm_rate);
      if (k == "coin") {
        coin_count_ = w.first_coin;  // a repeated key replaces, never appends
        return each_element(v, [&](od::value& c) {
          if (coin_count_ >= kMaxCoins) return ExecError::kCapacity;
          WalletCoin coin;
          bool has_name = false;
          PEREGRINE_BYBIT_EXEC_TRY(each_field(c, [&](od::raw_json_string ck, od::value& cv) {
            if (ck == "coin") {
              has_name = true;
              return get_str(cv, coin.coin);
            }
            if (ck == "equity") return get_fixed_trunc(cv, coin.equity);
            if (ck == "walletBalance") return get_fixed_trunc(cv, coin.wallet_balance);
            if (ck == "usdValue") return get_fixed_trunc(cv, coin.usd_value);
            if (ck == "unrealisedPnl") return get_fixed_trunc(cv, coin.unrealised_pnl);
            if (ck == "cumRealisedPnl") return get_fixed_trunc(cv, coin.cum_realised_pnl);
            if (ck == "totalOrderIM") return get_fixed_trunc(cv, coin.total_order_im);
            if (ck == "totalPositionIM") return get_fixed_trunc(cv, coin.total_position_im);
            if (ck == "totalPositionMM") return get_fixed_trunc(cv, coin.total_position_mm);
            if (ck == "locked") return get_fixed_trunc(cv, coin.locked);
            if (ck == "borrowAmount") return get_fixed_trunc(cv, coin.borrow_amount);
            return ExecError::kOk;
          }));
          if (!has_name) return ExecError::kMissingField;
          coins_[coin_count_++] = coin;
          return ExecError::kOk;
        });
      }
      return ExecError::kOk;
    }));
    w.coin_count = coin_count_ - w.first_coin;
    wallets_[wallet_count_++] = w;
    return ExecError::kOk;
  });
}

}  // namespace peregrine::gateways::bybit
