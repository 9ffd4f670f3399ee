// ExecParser: the user data stream (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE, ALGO_UPDATE, ...).
#include <utility>

#include "gateways/binance/exec_json.hpp"
#include "gateways/binance/exec_parser.hpp"

namespace peregrine::gateways::binance {

using detail::bump;
using detail::get_bool_any;
using detail::get_exact;
using detail::get_millis;
using detail::get_value;
namespace od = simdjson::ondemand;

// The union of the "o" objects of ORDER_TRADE_UPDATE and ALGO_UPDATE (their shared keys mean the
// same), collected as text so the walk does not depend on "e" coming before "o".
struct ExecParser::UserOrder {
  std::string_view s, c, side, type, tif, q, p, ap, x, status, l, z, last_px, fee_asset, fee, rp;
  std::string_view ps, caid, tp, aq, rm;
  std::uint64_t i = 0, t = 0, aid = 0, ai = 0;
  common::Nanos trade_time = 0;
  bool has_i = false, has_trade_time = false, has_aid = false;
  bool maker = false, reduce_only = false, close_position = false;
};

ExecError ExecParser::read_user_order(od::object& o, UserOrder& out) noexcept {
  for (auto item : o) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    const od::raw_json_string k = f.key();
    od::value& v = f.value();
    std::string_view* text = nullptr;
    if (k == "s") {
      text = &out.s;
    } else if (k == "c") {
      text = &out.c;
    } else if (k == "S") {
      text = &out.side;
    } else if (k == "o") {
      text = &out.type;
    } else if (k == "f") {
      text = &out.tif;
    } else if (k == "q") {
      text = &out.q;
    } else if (k == "p") {
      text = &out.p;
    } else if (k == "ap") {
      text = &out.ap;
    } else if (k == "x") {
      text = &out.x;
    } else if (k == "X") {
      text = &out.status;
    } else if (k == "l") {
      text = &out.l;
    } else if (k == "z") {
      text = &out.z;
    } else if (k == "L") {
      text = &out.last_px;
    } else if (k == "N") {
      text = &out.fee_asset;
    } else if (k == "n") {
      text = &out.fee;
    } else if (k == "rp") {
      text = &out.rp;
    } else if (k == "ps") {
      text = &out.ps;
    } else if (k == "caid") {
      text = &out.caid;
    } else if (k == "tp") {
      text = &out.tp;
    } else if (k == "aq") {
      text = &out.aq;
    } else if (k == "rm") {
      text = &out.rm;
    } else if (k == "i") {
      PEREGRINE_BN_SJ(v.get_uint64().get(out.i));
      out.has_i = true;
    } else if (k == "t") {
      PEREGRINE_BN_SJ(v.get_uint64().get(out.t));
    } else if (k == "T") {
      PEREGRINE_BN_TRY(get_millis(v, out.trade_time));
      out.has_trade_time = true;
    } else if (k == "aid") {
      PEREGRINE_BN_SJ(v.get_uint64().get(out.aid));
      out.has_aid = true;
    } else if (k == "ai") {
      // A number once triggered; the docs' example shows "" before that.
      od::json_type t;
      PEREGRINE_BN_SJ(v.type().get(t));
      if (t == od::json_type::number) {
        PEREGRINE_BN_SJ(v.get_uint64().get(out.ai));
      } else {
        std::string_view digits;
        PEREGRINE_BN_SJ(v.get_string().get(digits));
        if (digits.size() > 19) return ExecError::kBadValue;
        std::uint64_t ai = 0;
        for (char ch : digits) {
          if (ch < '0' || ch > '9') return ExecError::kBadValue;
          ai = ai * 10 + static_cast<std::uint64_t>(ch - '0');
        }
        out.ai = ai;
      }
    } else if (k == "m") {
      PEREGRINE_BN_TRY(get_bool_any(v, out.maker));
    } else if (k == "R") {
      PEREGRINE_BN_TRY(get_bool_any(v, out.reduce_only));
    } else if (k == "cp") {
      PEREGRINE_BN_TRY(get_bool_any(v, out.close_position));
    }
    if (text != nullptr) PEREGRINE_BN_SJ(v.get_string().get(*text));
  }
  return ExecError::kOk;
}

namespace {

template <typename Tag>
ExecError exact_text(std::string_view s, common::Fixed<Tag>& out) noexcept {
  if (s.empty()) return ExecError::kOk;  // absent: stays zero
  const auto r = common::Fixed<Tag>::parse(s);
  if (!r) return ExecError::kBadDecimal;
  out = *r;
  return ExecError::kOk;
}

template <typename Tag>
ExecError value_text(std::string_view s, common::Fixed<Tag>& out) noexcept {
  if (s.empty()) return ExecError::kOk;
  const auto r = common::Fixed<Tag>::parse(s, common::ParseMode::kTruncate);
  if (!r) return ExecError::kBadDecimal;
  out = *r;
  return ExecError::kOk;
}

ExecType parse_exec_type(std::string_view x) noexcept {
  if (x == "NEW") return ExecType::kNew;
  if (x == "CANCELED") return ExecType::kCanceled;
  if (x == "CALCULATED") return ExecType::kCalculated;
  if (x == "EXPIRED") return ExecType::kExpired;
  if (x == "TRADE") return ExecType::kTrade;
  if (x == "AMENDMENT") return ExecType::kAmendment;
  return ExecType::kOther;
}

}  // namespace

ExecError ExecParser::user_account(od::object& a) noexcept {
  for (auto item : a) {
    od::field f;
    PEREGRINE_BN_SJ(std::move(item).get(f));
    const od::raw_json_string k = f.key();
    od::value& v = f.value();
    if (k == "m") {
      PEREGRINE_BN_SJ(v.get_string().get(account_event_.reason));
    } else if (k == "B") {
      od::array arr;
      PEREGRINE_BN_SJ(v.get_array().get(arr));
      for (auto b_item : arr) {
        od::object bo;
        PEREGRINE_BN_SJ(b_item.get_object().get(bo));
        if (balance_count_ >= kMaxBalances) return ExecError::kCapacity;
        BalanceInfo b;
        for (auto bf_item : bo) {
          od::field bf;
          PEREGRINE_BN_SJ(std::move(bf_item).get(bf));
          const od::raw_json_string bk = bf.key();
          if (bk == "a") {
            PEREGRINE_BN_SJ(bf.value().get_string().get(b.asset));
          } else if (bk == "wb") {
            PEREGRINE_BN_TRY(get_value(bf.value(), b.wallet));
          } else if (bk == "cw") {
            PEREGRINE_BN_TRY(get_value(bf.value(), b.cross_wallet));
          } else if (bk == "bc") {
            PEREGRINE_BN_TRY(get_value(bf.value(), b.change));
          }
        }
        if (b.asset.empty()) return ExecError::kMissingField;
        balances_[balance_count_++] = b;
      }
    } else if (k == "P") {
      od::array arr;
      PEREGRINE_BN_SJ(v.get_array().get(arr));
      for (auto p_item : arr) {
        od::object po;
        PEREGRINE_BN_SJ(p_item.get_object().get(po));
        if (position_count_ >= kMaxPositions) return ExecError::kCapacity;
        PositionInfo p;
        bool has_amount = false;
        std::string_view margin, pos_side;
        for (auto pf_item : po) {
          od::field pf;
          PEREGRINE_BN_SJ(std::move(pf_item).get(pf));
          const od::raw_json_string pk = pf.key();
          od::value& pv = pf.value();
          if (pk == "s") {
            PEREGRINE_BN_SJ(pv.get_string().get(p.symbol));
          } else if (pk == "pa") {
            PEREGRINE_BN_TRY(get_exact(pv, p.amount));
            has_amount = true;
          } else if (pk == "ep") {
            PEREGRINE_BN_TRY(get_value(pv, p.entry_price));
          } else if (pk == "bep") {
            PEREGRINE_BN_TRY(get_value(pv, p.breakeven_price));
          } else if (pk == "cr") {
            PEREGRINE_BN_TRY(get_value(pv, p.realized_pnl));
          } else if (pk == "up") {
            PEREGRINE_BN_TRY(get_value(pv, p.unrealized_pnl));
          } else if (pk == "iw") {
            PEREGRINE_BN_TRY(get_value(pv, p.isolated_wallet));
          } else if (pk == "mt") {
            PEREGRINE_BN_SJ(pv.get_string().get(margin));
          } else if (pk == "ps") {
            PEREGRINE_BN_SJ(pv.get_string().get(pos_side));
          }
        }
        if (p.symbol.empty() || !has_amount) return ExecError::kMissingField;
        p.margin_type = margin == "isolated" ? MarginType::kIsolated : MarginType::kCross;
        if (!pos_side.empty()) {
          PEREGRINE_BN_TRY(detail::parse_position_side(pos_side, p.position_side));
        }
        p.instrument = resolve(p.symbol);
        positions_[position_count_++] = p;
      }
    }
  }
  return ExecError::kOk;
}

ExecError ExecParser::finish_order_event(const UserOrder& o, common::Nanos txn_time,
                                         common::Nanos event_time, common::Nanos ts_recv) noexcept {
  if (o.s.empty() || o.side.empty() || o.status.empty() || !o.has_i) {
    return ExecError::kMissingField;
  }
  OrderEvent& ev = order_event_;
  common::OrderUpdate& u = ev.update;
  PEREGRINE_BN_TRY(detail::parse_side(o.side, u.side));
  PEREGRINE_BN_TRY(exact_text(o.p, u.price));
  PEREGRINE_BN_TRY(exact_text(o.q, u.qty));
  PEREGRINE_BN_TRY(exact_text(o.z, u.filled_qty));
  PEREGRINE_BN_TRY(value_text(o.ap, u.avg_price));
  if (u.qty.is_negative() || u.filled_qty.is_negative()) return ExecError::kBadValue;
  const StatusMapping m = map_order_status(o.status, o.tif, u.filled_qty);
  if (!m.known) bump(counters_.unknown_status);
  u.status = m.status;
  u.reject = m.reject;
  u.cloid = our_id(o.c);
  u.venue_order_id = common::VenueOrderId::from_int(o.i);
  u.instrument = resolve(o.s);
  u.venue = common::VenueId::kBinance;
  u.ts_venue = o.has_trade_time ? o.trade_time : txn_time;
  u.ts_recv = ts_recv;
  u.venue_seq = static_cast<std::uint64_t>(u.ts_venue / 1'000'000);
  ev.exec_type = parse_exec_type(o.x);
  ev.client_id = o.c;
  ev.fee_asset = o.fee_asset;
  ev.ts_event = event_time;
  PEREGRINE_BN_TRY(value_text(o.rp, ev.realized_pnl));
  if (ev.exec_type == ExecType::kTrade || ev.exec_type == ExecType::kCalculated) {
    common::Fill& fl = ev.fill;
    PEREGRINE_BN_TRY(exact_text(o.l, fl.qty));
    PEREGRINE_BN_TRY(exact_text(o.last_px, fl.price));
    PEREGRINE_BN_TRY(value_text(o.fee, fl.fee));
    if (fl.qty.is_negative() || fl.price.is_negative()) return ExecError::kBadValue;
    if (fl.qty.is_positive()) {
      ev.has_fill = true;
      fl.cloid = u.cloid;
      fl.venue_order_id = u.venue_order_id;
      fl.fill_id = o.t;
      fl.instrument = u.instrument;
      fl.venue = common::VenueId::kBinance;
      fl.side = u.side;
      fl.liquidity = o.maker ? common::Liquidity::kMaker : common::Liquidity::kTaker;
      fl.ts_venue = u.ts_venue;
      fl.ts_recv = ts_recv;
      fl.venue_seq = o.t;
    } else {
      fl = common::Fill{};
    }
  }
  return ExecError::kOk;
}

ExecError ExecParser::finish_algo_event(const UserOrder& o, common::Nanos txn_time) noexcept {
  if (!o.has_aid && o.caid.empty()) return ExecError::kMissingField;
  AlgoOrderInfo& a = algo_;
  a.ts_venue = txn_time;
  a.algo_id = o.aid;
  a.order_id = o.ai;
  a.client_algo_id_text = o.caid;
  a.client_algo_id = our_id(o.caid);
  a.symbol = o.s;
  if (!o.s.empty()) a.instrument = resolve(o.s);
  if (!o.side.empty()) PEREGRINE_BN_TRY(detail::parse_side(o.side, a.side));
  if (!o.ps.empty()) PEREGRINE_BN_TRY(detail::parse_position_side(o.ps, a.position_side));
  if (!o.type.empty() && !detail::parse_conditional_type(o.type, a.type)) {
    return ExecError::kBadValue;
  }
  PEREGRINE_BN_TRY(exact_text(o.q, a.qty));
  PEREGRINE_BN_TRY(exact_text(o.p, a.price));
  PEREGRINE_BN_TRY(exact_text(o.tp, a.trigger_price));
  PEREGRINE_BN_TRY(value_text(o.ap, a.avg_price));
  PEREGRINE_BN_TRY(exact_text(o.aq, a.executed_qty));
  a.status = parse_algo_status(o.status);
  if (a.status == AlgoStatus::kUnknown) bump(counters_.unknown_status);
  a.reduce_only = o.reduce_only;
  a.close_position = o.close_position;
  a.reason = o.rm;
  return ExecError::kOk;
}

common::Result<UserEventKind, ExecError> ExecParser::parse_user(std::string_view frame,
                                                                common::Nanos ts_recv) noexcept {
  bump(counters_.frames);
  clear_outputs();
  ExecError err = ExecError::kOk;
  UserEventKind kind = UserEventKind::kOther;
  const char* p = pad(frame, err);
  if (p != nullptr) {
    const std::size_t first = frame.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
      err = ExecError::kEmpty;
    } else if (frame[first] != '{') {
      err = ExecError::kBadJson;
    }
  }
  if (p != nullptr && err == ExecError::kOk) {
    od::document doc;
    od::object root;
    struct Top {
      std::string_view e;
      common::Nanos event_time = 0;
      common::Nanos txn_time = 0;
      bool has_o = false;
      bool has_a = false;
      UserOrder o;
    } top;
    // Root fields; a {"stream","data"} envelope walks "data" with the same handler.
    auto on_top = [&](od::field& f) -> ExecError {
      const od::raw_json_string k = f.key();
      od::value& v = f.value();
      if (k == "e") {
        PEREGRINE_BN_SJ(v.get_string().get(top.e));
      } else if (k == "E") {
        PEREGRINE_BN_TRY(get_millis(v, top.event_time));
      } else if (k == "T") {
        PEREGRINE_BN_TRY(get_millis(v, top.txn_time));
      } else if (k == "o") {
        od::object o;
        PEREGRINE_BN_SJ(v.get_object().get(o));
        PEREGRINE_BN_TRY(read_user_order(o, top.o));
        top.has_o = true;
      } else if (k == "a") {
        od::object a;
        PEREGRINE_BN_SJ(v.get_object().get(a));
        PEREGRINE_BN_TRY(user_account(a));
        top.has_a = true;
      }
      return ExecError::kOk;
    };
    auto walk_root = [&]() -> ExecError {
      PEREGRINE_BN_SJ(parser_.iterate(p, frame.size(), copy_cap_).get(doc));
      PEREGRINE_BN_SJ(doc.get_object().get(root));
      for (auto item : root) {
        od::field f;
        PEREGRINE_BN_SJ(std::move(item).get(f));
        if (f.key() == "data") {
          od::object data;
          PEREGRINE_BN_SJ(f.value().get_object().get(data));
          for (auto d_item : data) {
            od::field df;
            PEREGRINE_BN_SJ(std::move(d_item).get(df));
            PEREGRINE_BN_TRY(on_top(df));
          }
        } else {
          PEREGRINE_BN_TRY(on_top(f));
        }
      }
      if (top.e.empty()) return ExecError::kMissingField;
      if (top.e == "ORDER_TRADE_UPDATE") {
        if (!top.has_o) return ExecError::kMissingField;
        kind = UserEventKind::kOrderTradeUpdate;
        return ExecError::kOk;
      }
      if (top.e == "ACCOUNT_UPDATE") {
        if (!top.has_a) return ExecError::kMissingField;
        kind = UserEventKind::kAccountUpdate;
        account_event_.ts_venue = top.txn_time;
        account_event_.ts_event = top.event_time;
        return ExecError::kOk;
      }
      position_count_ = 0;  // "a" on another event type is not an account update
      balance_count_ = 0;
      if (top.e == "ALGO_UPDATE") {
        if (!top.has_o) return ExecError::kMissingField;
        kind = UserEventKind::kAlgoUpdate;
        return ExecError::kOk;
      }
      kind = top.e == "listenKeyExpired" ? UserEventKind::kListenKeyExpired : UserEventKind::kOther;
      return ExecError::kOk;
    };
    err = walk_root();
    if (err == ExecError::kOk && kind == UserEventKind::kOrderTradeUpdate) {
      err = finish_order_event(top.o, top.txn_time, top.event_time, ts_recv);
    } else if (err == ExecError::kOk && kind == UserEventKind::kAlgoUpdate) {
      err = finish_algo_event(top.o, top.txn_time);
    }
  }
  if (err != ExecError::kOk) {
    count_error(err);
    return common::Unexpected{err};
  }
  switch (kind) {
    case UserEventKind::kOrderTradeUpdate:
      bump(counters_.order_updates);
      if (order_event_.has_fill) bump(counters_.fills);
      break;
    case UserEventKind::kAccountUpdate:
      bump(counters_.account_updates);
      break;
    case UserEventKind::kAlgoUpdate:
      bump(counters_.algo_updates);
      break;
    case UserEventKind::kListenKeyExpired:
    case UserEventKind::kOther:
      bump(counters_.other_events);
      break;
  }
  return kind;
}

}  // namespace peregrine::gateways::binance
