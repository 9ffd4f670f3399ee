// ExecParser, WebSocket side: private streams (order, execution, execution.fast, position,
// wallet), auth/subscribe/pong control frames and /v5/trade replies. REST: order_rest.cpp.
#include <cstring>
#include <new>
#include <utility>

#include "gateways/bybit/exec_json.hpp"
#include "gateways/bybit/order_codec.hpp"
#include "gateways/bybit/wire.hpp"

namespace peregrine::gateways::bybit {

using namespace exec_json;  // NOLINT(build/namespaces): this codec's own helpers
using common::Nanos;
using detail::bump;

namespace {

struct StatusMapping {
  common::OrderStatus status = common::OrderStatus::kCancelled;
  bool known = false;
};

StatusMapping map_status(std::string_view s) noexcept {
  using common::OrderStatus;
  if (s == "New" || s == "Untriggered" || s == "Triggered") return {OrderStatus::kNew, true};
  if (s == "PartiallyFilled") return {OrderStatus::kPartiallyFilled, true};
  if (s == "Filled") return {OrderStatus::kFilled, true};
  if (s == "Cancelled" || s == "PartiallyFilledCanceled" || s == "Deactivated") {
    return {OrderStatus::kCancelled, true};
  }
  if (s == "Rejected") return {OrderStatus::kRejected, true};
  return {};
}

ExecType map_exec_type(std::string_view s) noexcept {
  if (s == "Trade") return ExecType::kTrade;
  if (s == "AdlTrade") return ExecType::kAdlTrade;
  if (s == "BustTrade") return ExecType::kBustTrade;
  if (s == "BlockTrade") return ExecType::kBlockTrade;
  if (s == "MovePosition") return ExecType::kMovePosition;
  if (s == "Delivery") return ExecType::kDelivery;
  if (s == "Settle") return ExecType::kSettle;
  return ExecType::kOther;
}

bool has_prefix_topic(std::string_view topic, std::string_view base) noexcept {
  return topic == base ||
         (topic.size() > base.size() && topic.starts_with(base) && topic[base.size()] == '.');
}

}  // namespace

std::string_view to_string(ExecError e) noexcept {
  switch (e) {
    case ExecError::kOk:
      return "ok";
    case ExecError::kEmpty:
      return "empty input";
    case ExecError::kNotJson:
      return "not a JSON object";
    case ExecError::kNoPadding:
      return "input buffer lacks SIMDJSON_PADDING";
    case ExecError::kTooLarge:
      return "input too large";
    case ExecError::kBadJson:
      return "malformed JSON";
    case ExecError::kWrongType:
      return "field has the wrong JSON type";
    case ExecError::kMissingField:
      return "required field missing";
    case ExecError::kBadDecimal:
      return "bad decimal string";
    case ExecError::kBadValue:
      return "value out of range";
    case ExecError::kUnknownTopic:
      return "unknown topic";
    case ExecError::kCapacity:
      return "input exceeds output capacity";
  }
  return "unknown exec error";
}

ExecParser::ExecParser(const SymbolTable& symbols)
    : symbols_(symbols),
      updates_(new common::OrderUpdate[kMaxOrders]),
      order_details_(new OrderDetail[kMaxOrders]),
      fills_(new common::Fill[kMaxFills]),
      fill_details_(new FillDetail[kMaxFills]),
      positions_(new PositionInfo[kMaxPositions]),
      wallets_(new WalletAccount[kMaxWallets]),
      coins_(new WalletCoin[kMaxCoins]),
      acks_(new OrderAck[kMaxOrders]),
      copy_buf_(new char[kInitialCapacity + simdjson::SIMDJSON_PADDING]),
      copy_cap_(kInitialCapacity + simdjson::SIMDJSON_PADDING) {
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

ExecParser::~ExecParser() = default;

void ExecParser::clear_outputs() noexcept {
  order_count_ = fill_count_ = position_count_ = wallet_count_ = coin_count_ = ack_count_ = 0;
  rest_ = RestResponse{};
  control_success_ = false;
  control_message_ = {};
}

void ExecParser::count_error(ExecError e) noexcept {
  clear_outputs();
  bump(counters_.malformed);
  bump(counters_.by_error[static_cast<std::size_t>(e)]);
}

common::InstrumentId ExecParser::lookup(std::string_view symbol) const noexcept {
  const int i = symbols_.find(symbol);
  return i == SymbolTable::kNotFound ? common::InstrumentId{}
                                     : symbols_.id(static_cast<std::size_t>(i));
}

const char* ExecParser::pad(std::string_view in, std::size_t& cap, ExecError& err) noexcept {
  if (in.size() > kMaxFrameBytes) {
    err = ExecError::kTooLarge;
    return nullptr;
  }
  const std::size_t need = in.size() + simdjson::SIMDJSON_PADDING;
  if (need > copy_cap_) {
    char* grown = new (std::nothrow) char[need];
    if (grown == nullptr) {
      err = ExecError::kTooLarge;
      return nullptr;
    }
    copy_buf_.reset(grown);
    copy_cap_ = need;
  }
  if (!in.empty()) std::memcpy(copy_buf_.get(), in.data(), in.size());
  std::memset(copy_buf_.get() + in.size(), 0, simdjson::SIMDJSON_PADDING);
  cap = copy_cap_;
  return copy_buf_.get();
}

common::Result<RestResponse, ExecError> ExecParser::parse_rest(RestEndpoint endpoint,
                                                               simdjson::padded_string_view body,
                                                               Nanos ts_recv) noexcept {
  bump(counters_.frames);
  clear_outputs();
  if (const ExecError e = dispatch_rest(endpoint, body, ts_recv); e != ExecError::kOk) {
    count_error(e);
    return common::Unexpected{e};
  }
  if (!rest_.ok()) bump(counters_.rejects);
  return rest_;
}

common::Result<RestResponse, ExecError> ExecParser::parse_rest_unpadded(RestEndpoint endpoint,
                                                                        std::string_view body,
                                                                        Nanos ts_recv) noexcept {
  std::size_t cap = 0;
  ExecError err = ExecError::kOk;
  const char* p = pad(body, cap, err);
  if (p == nullptr) {
    bump(counters_.frames);
    count_error(err);
    return common::Unexpected{err};
  }
  return parse_rest(endpoint, simdjson::padded_string_view(p, body.size(), cap), ts_recv);
}

common::Result<ExecFrameKind, ExecError> ExecParser::parse_ws(simdjson::padded_string_view frame,
                                                              Nanos ts_recv) noexcept {
  bump(counters_.frames);
  clear_outputs();
  ExecFrameKind kind = ExecFrameKind::kOther;
  if (const ExecError e = dispatch_ws(frame, ts_recv, kind); e != ExecError::kOk) {
    count_error(e);
    return common::Unexpected{e};
  }
  if (kind == ExecFrameKind::kTradeResponse && !rest_.ok()) bump(counters_.rejects);
  return kind;
}

common::Result<ExecFrameKind, ExecError> ExecParser::parse_ws_unpadded(std::string_view frame,
                                                                       Nanos ts_recv) noexcept {
  std::size_t cap = 0;
  ExecError err = ExecError::kOk;
  const char* p = pad(frame, cap, err);
  if (p == nullptr) {
    bump(counters_.frames);
    count_error(err);
    return common::Unexpected{err};
  }
  return parse_ws(simdjson::padded_string_view(p, frame.size(), cap), ts_recv);
}

ExecError ExecParser::parse_orders(od::value& list, Nanos ts_recv, bool drop_unknown) noexcept {
  order_count_ = 0;
  return each_element(list, [&](od::value& e) {
    if (order_count_ >= kMaxOrders) return ExecError::kCapacity;
    common::OrderUpdate u;
    OrderDetail d;
    std::string_view order_type;
    std::string_view stop_type;
    std::uint64_t ms = 0;
    unsigned seen = 0;
    PEREGRINE_BYBIT_EXEC_TRY(each_field(e, [&](od::raw_json_string k, od::value& v) {
      if (k == "orderId") return mark(seen, 1u, get_order_id(v, u.venue_order_id));
      if (k == "symbol") return mark(seen, 2u, get_str(v, d.symbol));
      if (k == "side") return mark(seen, 4u, get_side(v, u.side));
      if (k == "orderStatus") return mark(seen, 8u, get_str(v, d.order_status));
      if (k == "orderLinkId") return get_link_id(v, d.order_link_id, u.cloid, d.has_cloid);
      if (k == "price") return get_fixed(v, u.price);
      if (k == "qty") return get_fixed(v, u.qty);
      if (k == "cumExecQty") return get_fixed(v, u.filled_qty);
      if (k == "avgPrice") return get_fixed(v, u.avg_price);
      if (k == "leavesQty") return get_fixed(v, d.leaves_qty);
      if (k == "triggerPrice") return get_fixed(v, d.trigger_price);
      if (k == "rejectReason") return get_str(v, d.reject_reason);
      if (k == "cancelType") return get_str(v, d.cancel_type);
      if (k == "orderType") return get_str(v, order_type);
      if (k == "stopOrderType") return get_str(v, stop_type);
      if (k == "positionIdx") return get_small_uint(v, d.position_idx);
      if (k == "reduceOnly") return get_bool(v, d.reduce_only);
      if (k == "closeOnTrigger") return get_bool(v, d.close_on_trigger);
      if (k == "updatedTime") return get_ms(v, ms, u.ts_venue);
      if (k == "timeInForce") {
        std::string_view t;
        PEREGRINE_BYBIT_EXEC_TRY(get_str(v, t));
        d.tif = t == "IOC"        ? common::TimeInForce::kIoc
                : t == "FOK"      ? common::TimeInForce::kFok
                : t == "PostOnly" ? common::TimeInForce::kPostOnly
                                  : common::TimeInForce::kGtc;
      }
      return ExecError::kOk;
    }));
    if (seen != 15u) return ExecError::kMissingField;
    const bool market = order_type == "Market";
    if (d.trigger_price.is_positive()) {
      const bool tp = stop_type == "TakeProfit" || stop_type == "PartialTakeProfit";
      d.type = stop_type == "TrailingStop" ? common::OrderType::kTrailingStopMarket
               : tp                        ? (market ? common::OrderType::kTakeProfitMarket
                                                     : common::OrderType::kTakeProfitLimit)
                    : (market ? common::OrderType::kStopMarket : common::OrderType::kStopLimit);
    } else {
      d.type = market ? common::OrderType::kMarket : common::OrderType::kLimit;
    }
    const StatusMapping st = map_status(d.order_status);
    u.status = st.status;
    if (st.known) {
      u.reject = reject_reason_from_ec(d.reject_reason);
      if (u.reject == common::RejectReason::kNone && u.status == common::OrderStatus::kCancelled &&
          d.cancel_type == "CancelByReduceOnly") {
        u.reject = common::RejectReason::kReduceOnlyWouldIncrease;
      }
    } else {
      bump(counters_.unknown_status);
      u.reject = common::RejectReason::kUnknownOutcome;  // terminal: query the order
    }
    u.ts_recv = ts_recv;
    u.venue_seq = ms;
    u.venue = common::VenueId::kBybit;
    u.instrument = lookup(d.symbol);
    if (!u.instrument.valid()) {
      bump(counters_.unknown_symbol);
      if (drop_unknown) return ExecError::kOk;
    }
    updates_[order_count_] = u;
    order_details_[order_count_] = d;
    ++order_count_;
    bump(counters_.order_updates);
    return ExecError::kOk;
  });
}

ExecError ExecParser::parse_fills(od::value& list, Nanos ts_recv, bool fast) noexcept {
  fill_count_ = 0;
  return each_element(list, [&](od::value& e) {
    if (fill_count_ >= kMaxFills) return ExecError::kCapacity;
    common::Fill fill;
    FillDetail d;
    d.fast = fast;
    std::string_view exec_type = "Trade";
    std::uint64_t ms = 0;
    bool is_maker = false;
    unsigned seen = 0;
    PEREGRINE_BYBIT_EXEC_TRY(each_field(e, [&](od::raw_json_string k, od::value& v) {
      if (k == "symbol") return mark(seen, 1u, get_str(v, d.symbol));
      if (k == "orderId") return mark(seen, 2u, get_order_id(v, fill.venue_order_id));
      if (k == "side") return mark(seen, 4u, get_side(v, fill.side));
      if (k == "execId") return mark(seen, 8u, get_str(v, d.exec_id));
      if (k == "execPrice") return mark(seen, 16u, get_fixed(v, fill.price));
      if (k == "execQty") return mark(seen, 32u, get_fixed(v, fill.qty));
      if (k == "execTime") return mark(seen, 64u, get_ms(v, ms, fill.ts_venue));
      if (k == "orderLinkId") return get_link_id(v, d.order_link_id, fill.cloid, d.has_cloid);
      if (k == "execFee") return get_fixed_trunc(v, fill.fee);
      if (k == "execType") return get_str(v, exec_type);
      if (k == "isMaker") return get_bool(v, is_maker);
      if (k == "seq") {
        std::int64_t seq = 0;
        PEREGRINE_BYBIT_EXEC_SJ(detail::get_i64_any(v, seq));
        fill.venue_seq = seq < 0 ? 0 : static_cast<std::uint64_t>(seq);
      }
      return ExecError::kOk;
    }));
    if (seen != 127u) return ExecError::kMissingField;
    if (exec_type == "Funding") {  // a funding payment, not a fill
      bump(counters_.non_trade_execs);
      return ExecError::kOk;
    }
    if (!fill.price.is_positive() || !fill.qty.is_positive()) return ExecError::kBadValue;
    d.exec_type = map_exec_type(exec_type);
    fill.fill_id = detail::id_to_u64(d.exec_id);
    fill.liquidity = is_maker ? common::Liquidity::kMaker : common::Liquidity::kTaker;
    fill.ts_recv = ts_recv;
    fill.venue = common::VenueId::kBybit;
    fill.instrument = lookup(d.symbol);
    if (!fill.instrument.valid()) {
      bump(counters_.unknown_symbol);
      return ExecError::kOk;
    }
    fills_[fill_count_] = fill;
    fill_details_[fill_count_] = d;
    ++fill_count_;
    bump(counters_.fills);
    return ExecError::kOk;
  });
}

ExecError ExecParser::dispatch_ws(simdjson::padded_string_view frame, Nanos ts_recv,
                                  ExecFrameKind& kind) noexcept {
  od::document doc;
  od::object root;
  PEREGRINE_BYBIT_EXEC_TRY(open_root(parser_, frame, doc, root));
  std::string_view topic;
  const simdjson::error_code topic_err = root.find_field_unordered("topic").get_string().get(topic);
  // Any other error (a syntax error met while scanning) leaves the iterator unusable: stop
  // before rewinding it (found by the mutation fuzzer).
  if (topic_err != simdjson::SUCCESS && topic_err != simdjson::NO_SUCH_FIELD) {
    return from_simdjson(topic_err);
  }
  if (!doc.is_alive()) return ExecError::kBadJson;
  bool rewound = false;
  PEREGRINE_BYBIT_EXEC_SJ(root.reset().get(rewound));

  if (topic_err == simdjson::NO_SUCH_FIELD) {
    // Control frames: auth/subscribe/pong (ret_msg, success) or /v5/trade replies (retCode).
    bool has_ret_code = false;
    for (auto item : root) {
      od::field f;
      PEREGRINE_BYBIT_EXEC_SJ(std::move(item).get(f));
      const od::raw_json_string key = f.key();
      if (key == "op") {
        PEREGRINE_BYBIT_EXEC_SJ(f.value().get_string().get(rest_.op));
      } else if (key == "success") {
        PEREGRINE_BYBIT_EXEC_SJ(f.value().get_bool().get(control_success_));
      } else if (key == "ret_msg") {
        PEREGRINE_BYBIT_EXEC_SJ(f.value().get_string().get(control_message_));
      } else if (key == "retCode") {
        PEREGRINE_BYBIT_EXEC_SJ(f.value().get_int64().get(rest_.ret_code));
        has_ret_code = true;
      } else if (key == "retMsg") {
        PEREGRINE_BYBIT_EXEC_SJ(f.value().get_string().get(rest_.ret_msg));
      } else if (key == "reqId" || key == "req_id") {
        PEREGRINE_BYBIT_EXEC_SJ(f.value().get_string().get(rest_.req_id));
      } else if (key == "data") {
        od::json_type t;
        PEREGRINE_BYBIT_EXEC_SJ(f.value().type().get(t));
        if (t == od::json_type::object) PEREGRINE_BYBIT_EXEC_TRY(parse_ack(f.value(), rest_.ack));
      }
    }
    if (!detail::at_end(doc)) return ExecError::kBadJson;
    if (rest_.op.empty()) return ExecError::kMissingField;
    if (has_ret_code) {
      rest_.reject = reject_reason_from_code(rest_.ret_code, rest_.ret_msg);
      control_success_ = rest_.ret_code == 0;
      if (control_message_.empty()) control_message_ = rest_.ret_msg;
    }
    if (rest_.op == "auth") {
      kind = ExecFrameKind::kAuth;
    } else if (rest_.op == "ping" || rest_.op == "pong") {
      kind = ExecFrameKind::kPong;
    } else if (rest_.op == "subscribe" || rest_.op == "unsubscribe") {
      kind = ExecFrameKind::kSubscription;
    } else if (has_ret_code) {
      kind = ExecFrameKind::kTradeResponse;
    } else {
      kind = ExecFrameKind::kOther;
    }
    return ExecError::kOk;
  }
  PEREGRINE_BYBIT_EXEC_SJ(topic_err);

  enum class Topic : std::uint8_t { kOrder, kExecution, kFast, kPosition, kWallet, kOther };
  Topic t = Topic::kOther;
  if (has_prefix_topic(topic, "order")) {
    t = Topic::kOrder;
    kind = ExecFrameKind::kOrders;
  } else if (has_prefix_topic(topic, "execution.fast")) {
    t = Topic::kFast;
    kind = ExecFrameKind::kFills;
  } else if (has_prefix_topic(topic, "execution")) {
    t = Topic::kExecution;
    kind = ExecFrameKind::kFills;
  } else if (has_prefix_topic(topic, "position")) {
    t = Topic::kPosition;
    kind = ExecFrameKind::kPositions;
  } else if (has_prefix_topic(topic, "wallet")) {
    t = Topic::kWallet;
    kind = ExecFrameKind::kWallet;
  } else if (has_prefix_topic(topic, "dcp") || has_prefix_topic(topic, "greeks")) {
    kind = ExecFrameKind::kOther;
    return ExecError::kOk;
  } else {
    return ExecError::kUnknownTopic;
  }
  bool has_data = false;
  for (auto item : root) {
    od::field f;
    PEREGRINE_BYBIT_EXEC_SJ(std::move(item).get(f));
    if (f.key() != "data") continue;
    has_data = true;
    switch (t) {
      case Topic::kOrder:
        PEREGRINE_BYBIT_EXEC_TRY(parse_orders(f.value(), ts_recv, true));
        break;
      case Topic::kExecution:
      case Topic::kFast:
        PEREGRINE_BYBIT_EXEC_TRY(parse_fills(f.value(), ts_recv, t == Topic::kFast));
        break;
      case Topic::kPosition:
        PEREGRINE_BYBIT_EXEC_TRY(parse_positions(f.value(), true));
        break;
      case Topic::kWallet:
        PEREGRINE_BYBIT_EXEC_TRY(parse_wallets(f.value()));
        break;
      case Topic::kOther:
        break;
    }
  }
  if (!detail::at_end(doc)) return ExecError::kBadJson;
  return has_data ? ExecError::kOk : ExecError::kMissingField;
}

}  // namespace peregrine::gateways::bybit
