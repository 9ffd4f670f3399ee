#include "gateways/hyperliquid/order_codec.hpp"

#include <cstring>
#include <new>
#include <utility>

namespace peregrine::gateways::hyperliquid {

using common::Nanos;
using common::RejectReason;
using namespace detail;  // NOLINT: this venue's JSON helpers (md_codec.hpp)

// Early return on the first problem. A range-for (not if-init) so nested uses inside lambdas
// passed to each_field do not shadow each other.
#define PEREGRINE_HL_TRY(expr)                                 \
  for (const CodecError peregrine_hl_e : {CodecError{expr}}) { \
    if (peregrine_hl_e != kOk) return peregrine_hl_e;          \
  }
#define PEREGRINE_HL_SJ(expr) PEREGRINE_HL_TRY(sj(expr))

namespace {

CodecError get_ms(od::value& v, Nanos& ns) noexcept {
  std::uint64_t ms = 0;
  return get_millis(v, ms, ns);
}
CodecError get_oid(od::value& v, common::VenueOrderId& out) noexcept {
  std::uint64_t oid = 0;
  PEREGRINE_HL_TRY(get_u64(v, oid));
  out = common::VenueOrderId::from_int(oid);
  return kOk;
}
// "0x" + 32 hex, or null.
CodecError get_cloid(od::value& v, common::ClientOrderId& out, bool& has) noexcept {
  std::string_view s;
  PEREGRINE_HL_TRY(get_opt_str(v, s));
  has = !s.empty();
  if (!has) return kOk;
  const auto r = common::ClientOrderId::parse_cloid(s);
  if (!r) return CodecError::kBadValue;
  out = *r;
  return kOk;
}

// The hot path's order view; OpenOrderInfo has the same field names with owned strings.
struct WireOrder {
  std::string_view coin, order_type, tif, trigger_condition;
  common::Side side = common::Side::kBuy;
  common::Price limit_price, trigger_price;
  common::Qty size, orig_size;
  common::VenueOrderId oid;
  common::ClientOrderId cloid;
  Nanos ts_venue = 0;
  bool has_cloid = false, reduce_only = false, is_trigger = false, is_position_tpsl = false;
};

// orderUpdates, openOrders, frontendOpenOrders and orderStatus orders; Order is WireOrder or
// OpenOrderInfo.
template <typename Order>
CodecError parse_wire_order(od::value& v, Order& o) {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "coin") return mark(seen, 1u, get_str(val, o.coin));
    if (k == "side") return mark(seen, 2u, get_side(val, o.side));
    if (k == "limitPx") return mark(seen, 4u, get_fixed(val, o.limit_price));
    if (k == "sz") return mark(seen, 8u, get_fixed(val, o.size));
    if (k == "oid") return mark(seen, 16u, get_oid(val, o.oid));
    if (k == "timestamp") return mark(seen, 32u, get_ms(val, o.ts_venue));
    if (k == "origSz") return mark(seen, 64u, get_fixed(val, o.orig_size));
    if (k == "cloid") return get_cloid(val, o.cloid, o.has_cloid);
    if (k == "reduceOnly") return get_bool(val, o.reduce_only);
    if (k == "isTrigger") return get_bool(val, o.is_trigger);
    if (k == "isPositionTpsl") return get_bool(val, o.is_position_tpsl);
    if (k == "triggerPx") return get_fixed(val, o.trigger_price);
    if (k == "orderType") return get_opt_str(val, o.order_type);
    if (k == "tif") return get_opt_str(val, o.tif);
    if (k == "triggerCondition") return get_opt_str(val, o.trigger_condition);
    return kOk;
  }));
  if ((seen & 63u) != 63u) return CodecError::kMissingField;
  if ((seen & 64u) == 0) o.orig_size = o.size;
  if (o.size.is_negative() || o.orig_size.is_negative()) return CodecError::kBadValue;
  return kOk;
}

// WsFill and the /info userFills element.
CodecError parse_wire_fill(od::value& v, std::string_view& coin, common::Fill& fill) noexcept {
  unsigned seen = 0;
  std::uint64_t ms = 0;
  bool has_cloid = false;
  bool crossed = false;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "coin") return mark(seen, 1u, get_str(val, coin));
    if (k == "px") return mark(seen, 2u, get_fixed(val, fill.price));
    if (k == "sz") return mark(seen, 4u, get_fixed(val, fill.qty));
    if (k == "side") return mark(seen, 8u, get_side(val, fill.side));
    if (k == "time") return mark(seen, 16u, get_millis(val, ms, fill.ts_venue));
    if (k == "oid") return mark(seen, 32u, get_oid(val, fill.venue_order_id));
    if (k == "tid") return mark(seen, 64u, get_u64(val, fill.fill_id));
    if (k == "fee") return mark(seen, 128u, get_fixed(val, fill.fee));
    if (k == "crossed") return mark(seen, 256u, get_bool(val, crossed));
    if (k == "cloid") return get_cloid(val, fill.cloid, has_cloid);
    return kOk;
  }));
  if (seen != 511u) return CodecError::kMissingField;
  if (!fill.price.is_positive() || !fill.qty.is_positive()) return CodecError::kBadValue;
  fill.liquidity = crossed ? common::Liquidity::kTaker : common::Liquidity::kMaker;
  fill.venue_seq = ms;
  fill.venue = common::VenueId::kHyperliquid;
  return kOk;
}

CodecError parse_action_status(od::value& v, ActionStatus& s) noexcept {
  s = ActionStatus{};
  od::json_type type = od::json_type::null;
  PEREGRINE_HL_SJ(v.type().get(type));
  if (type == od::json_type::string) {
    std::string_view str;
    PEREGRINE_HL_TRY(get_str(v, str));
    if (str == "waitingForFill") s.kind = ActionStatusKind::kWaitingForFill;
    if (str == "waitingForTrigger") s.kind = ActionStatusKind::kWaitingForTrigger;
    if (str == "success") s.kind = ActionStatusKind::kSuccess;
    if (s.kind == ActionStatusKind::kUnknown) s.text = str;
    return kOk;
  }
  return each_field(v, [&s](Key k, od::value& val) {
    if (k == "error") {
      s.kind = ActionStatusKind::kError;
      PEREGRINE_HL_TRY(get_str(val, s.text));
      s.reject = reject_reason_from_text(s.text);
      return kOk;
    }
    unsigned want = 0;  // required inner fields: 1 oid, 2 totalSz, 4 avgPx, 8 twapId
    if (k == "resting") {
      s.kind = ActionStatusKind::kResting;
      want = 1u;
    } else if (k == "filled") {
      s.kind = ActionStatusKind::kFilled;
      want = 7u;
    } else if (k == "running") {
      s.kind = ActionStatusKind::kTwapRunning;
      want = 8u;
    } else {
      return kOk;
    }
    unsigned seen = 0;
    PEREGRINE_HL_TRY(each_field(val, [&](Key ik, od::value& iv) {
      if (ik == "oid") return mark(seen, 1u, get_oid(iv, s.oid));
      if (ik == "totalSz") return mark(seen, 2u, get_fixed(iv, s.filled_qty));
      if (ik == "avgPx") return mark(seen, 4u, get_fixed(iv, s.avg_price));
      if (ik == "twapId") return mark(seen, 8u, get_u64(iv, s.twap_id));
      if (ik == "cloid") return get_cloid(iv, s.cloid, s.has_cloid);
      return kOk;
    }));
    return (seen & want) == want ? kOk : CodecError::kMissingField;
  });
}

}  // namespace

RejectReason reject_reason_from_text(std::string_view t) noexcept {
  // [DOCS] error-responses.md texts; bad signatures surface as an unknown recovered address.
  constexpr std::pair<std::string_view, RejectReason> kTexts[] = {
      {"Post only order would have immediately matched", RejectReason::kPostOnlyWouldCross},
      {"Insufficient margin", RejectReason::kInsufficientMargin},
      {"insufficient spot balance", RejectReason::kInsufficientMargin},
      {"Reduce only order would increase position", RejectReason::kReduceOnlyWouldIncrease},
      {"minimum value of", RejectReason::kMinNotional},
      {"Price must be divisible by tick size", RejectReason::kInvalidPrice},
      {"Invalid nonce", RejectReason::kBadNonce},
      {"duplicate nonce", RejectReason::kBadNonce},
      {"Must deposit before performing actions", RejectReason::kBadSignature},
      {"could not immediately match", RejectReason::kNoLiquidity},
      {"No liquidity", RejectReason::kNoLiquidity},
      {"never placed, already canceled, or filled", RejectReason::kUnknownOrder},
      {"too many pending post requests", RejectReason::kRateLimited},
  };
  const auto has = [t](std::string_view s) { return t.find(s) != std::string_view::npos; };
  if (has("User or API Wallet") && has("does not exist")) return RejectReason::kBadSignature;
  for (const auto& [text, reason] : kTexts) {
    if (has(text)) return reason;
  }
  return RejectReason::kOther;
}

StatusMapping map_order_status(std::string_view s, common::Qty remaining,
                               common::Qty original) noexcept {
  using common::OrderStatus;
  if (s == "open" || s == "triggered") {
    return {remaining < original ? OrderStatus::kPartiallyFilled : OrderStatus::kNew,
            RejectReason::kNone, true};
  }
  if (s == "filled") return {OrderStatus::kFilled, RejectReason::kNone, true};
  if (s == "rejected" || s.ends_with("Rejected")) {
    RejectReason r = RejectReason::kOther;
    if (s == "tickRejected" || s == "badTriggerPxRejected") r = RejectReason::kInvalidPrice;
    if (s == "minTradeNtlRejected") r = RejectReason::kMinNotional;
    if (s == "perpMarginRejected" || s == "insufficientSpotBalanceRejected") {
      r = RejectReason::kInsufficientMargin;
    }
    if (s == "reduceOnlyRejected") r = RejectReason::kReduceOnlyWouldIncrease;
    if (s == "badAloPxRejected") r = RejectReason::kPostOnlyWouldCross;
    if (s == "iocCancelRejected" || s == "marketOrderNoLiquidityRejected") {
      r = RejectReason::kNoLiquidity;
    }
    return {OrderStatus::kRejected, r, true};
  }
  if (s == "canceled" || s.ends_with("Canceled") || s == "scheduledCancel" ||
      s == "internalCancel") {
    return {OrderStatus::kCancelled, RejectReason::kNone, true};
  }
  return {};
}

// ---- ExecParser ------------------------------------------------------------------------------

ExecParser::ExecParser(const common::InstrumentRegistry& registry)
    : registry_(registry),
      statuses_(new ActionStatus[kMaxStatuses]),
      updates_(new common::OrderUpdate[kMaxUpdates]),
      fills_(new common::Fill[kMaxFills]) {
  // Start-up allocation so that ordinary frames never grow the parser.
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

ExecParser::~ExecParser() = default;

void ExecParser::clear_outputs() noexcept {
  status_count_ = update_count_ = fill_count_ = 0;
  fills_snapshot_ = false;
  user_event_ = UserEventKind::kNone;
  post_ = PostResponse{};
  venue_error_ = {};
}

void ExecParser::fail(CodecError e) noexcept {
  clear_outputs();
  bump(counters_.malformed);
  bump(counters_.by_error[static_cast<std::size_t>(e)]);
}

common::Result<ExchangeResponse, CodecError> ExecParser::parse_exchange(
    simdjson::padded_string_view body) noexcept {
  bump(counters_.frames);
  clear_outputs();
  ExchangeResponse out;
  const auto run = [&]() -> CodecError {
    PEREGRINE_HL_TRY(classify({body.data(), body.size()}, nullptr));
    od::document doc;
    PEREGRINE_HL_SJ(parser_.iterate(body).get(doc));
    od::object root;
    PEREGRINE_HL_SJ(doc.get_object().get(root));
    return parse_envelope(root, out);
  };
  if (const CodecError e = run(); e != kOk) {
    fail(e);
    return common::Unexpected{e};
  }
  return out;
}

common::Result<ExchangeResponse, CodecError> ExecParser::parse_exchange_unpadded(
    std::string_view body) noexcept {
  if (copy_.assign(body, kMaxFrameBytes)) return parse_exchange(copy_.view());
  bump(counters_.frames);
  fail(CodecError::kTooLarge);
  return common::Unexpected{CodecError::kTooLarge};
}

common::Result<ExecFrameKind, CodecError> ExecParser::parse_ws(simdjson::padded_string_view frame,
                                                               Nanos ts_recv) noexcept {
  bump(counters_.frames);
  clear_outputs();
  ExecFrameKind kind = ExecFrameKind::kPong;
  if (const CodecError e = dispatch_ws(frame, ts_recv, kind); e != kOk) {
    fail(e);
    return common::Unexpected{e};
  }
  return kind;
}

common::Result<ExecFrameKind, CodecError> ExecParser::parse_ws_unpadded(std::string_view frame,
                                                                        Nanos ts_recv) noexcept {
  if (copy_.assign(frame, kMaxFrameBytes)) return parse_ws(copy_.view(), ts_recv);
  bump(counters_.frames);
  fail(CodecError::kTooLarge);
  return common::Unexpected{CodecError::kTooLarge};
}

CodecError ExecParser::dispatch_ws(simdjson::padded_string_view frame, Nanos ts_recv,
                                   ExecFrameKind& kind) noexcept {
  bool hello = false;
  if (const CodecError e = classify({frame.data(), frame.size()}, &hello); e != kOk) {
    kind = ExecFrameKind::kHello;  // HL greets every connection with one plain-text frame
    return hello ? kOk : e;
  }
  od::document doc;
  PEREGRINE_HL_SJ(parser_.iterate(frame).get(doc));
  od::object root;
  PEREGRINE_HL_SJ(doc.get_object().get(root));
  std::string_view channel;
  PEREGRINE_HL_SJ(root.find_field_unordered("channel").get_string().get(channel));
  if (channel == "pong" || channel == "subscriptionResponse") {
    kind = channel == "pong" ? ExecFrameKind::kPong : ExecFrameKind::kSubscriptionResponse;
    return kOk;
  }
  od::value data;
  PEREGRINE_HL_SJ(root.find_field_unordered("data").get(data));
  if (channel == "error") {
    kind = ExecFrameKind::kVenueError;
    PEREGRINE_HL_TRY(get_str(data, venue_error_));
    bump(counters_.venue_errors);
    return kOk;
  }
  if (channel == "post") {
    kind = ExecFrameKind::kPost;
    return parse_post(data);
  }
  if (channel == "orderUpdates") {
    kind = ExecFrameKind::kOrderUpdates;
    return parse_order_updates(data, ts_recv);
  }
  if (channel == "userFills") {  // {"isSnapshot"?:true,"user":U,"fills":[...]}
    kind = ExecFrameKind::kUserFills;
    unsigned seen = 0;
    PEREGRINE_HL_TRY(each_field(data, [&](Key k, od::value& val) {
      if (k == "isSnapshot") return get_bool(val, fills_snapshot_);
      if (k == "fills") return mark(seen, 1u, parse_fills(val, ts_recv));
      return kOk;
    }));
    return seen == 1u ? kOk : CodecError::kMissingField;
  }
  if (channel == "user") {  // {"fills":[...]} | {"nonUserCancel":[...]} | {"funding":{}} | ...
    kind = ExecFrameKind::kUserEvents;
    return each_field(data, [&](Key k, od::value& val) {
      user_event_ = UserEventKind::kOther;
      if (k == "fills") user_event_ = UserEventKind::kFills;
      if (k == "nonUserCancel") user_event_ = UserEventKind::kNonUserCancel;
      if (k == "funding") user_event_ = UserEventKind::kFunding;
      if (k == "liquidation") user_event_ = UserEventKind::kLiquidation;
      if (user_event_ == UserEventKind::kFills) return parse_fills(val, ts_recv);
      if (user_event_ == UserEventKind::kNonUserCancel) return parse_non_user_cancels(val, ts_recv);
      return kOk;
    });
  }
  return CodecError::kUnknownChannel;
}

CodecError ExecParser::parse_statuses(od::value& v, bool is_array) noexcept {
  const auto one = [this](od::value& item) -> CodecError {
    if (status_count_ >= kMaxStatuses) return CodecError::kCapacity;
    ActionStatus& s = statuses_[status_count_];
    PEREGRINE_HL_TRY(parse_action_status(item, s));
    if (s.kind == ActionStatusKind::kUnknown) bump(counters_.unknown_status);
    ++status_count_;
    return kOk;
  };
  status_count_ = 0;  // a repeated key replaces, never appends
  return is_array ? each_element(v, one) : one(v);
}

// {"status":"ok","response":{"type":T,"data":{"statuses":[...]|"status":X}}} or
// {"status":"err","response":"<text>"}; keys in any order.
CodecError ExecParser::parse_envelope(od::object& root, ExchangeResponse& out) noexcept {
  out = ExchangeResponse{};
  status_count_ = 0;
  std::string_view status, type, err_text;
  bool has_text = false, has_object = false, has_statuses = false;
  PEREGRINE_HL_TRY(each_field(root, [&](Key k, od::value& val) {
    if (k == "status") return get_str(val, status);
    if (k != "response") return kOk;
    od::json_type t = od::json_type::null;
    PEREGRINE_HL_SJ(val.type().get(t));
    if (t == od::json_type::string) {
      has_text = true;
      return get_str(val, err_text);
    }
    has_object = true;
    return each_field(val, [&](Key rk, od::value& rv) {
      if (rk == "type") return get_str(rv, type);
      if (rk != "data") return kOk;
      return each_field(rv, [&](Key dk, od::value& dv) {
        const bool many = dk == "statuses";
        if (!many && dk != "status") return kOk;
        has_statuses = true;
        return parse_statuses(dv, many);
      });
    });
  }));
  if (status == "err") {
    if (!has_text) return has_object ? CodecError::kWrongType : CodecError::kMissingField;
    status_count_ = 0;
    out.kind = ResponseKind::kError;
    out.error = err_text;
    out.reject = reject_reason_from_text(err_text);
    return kOk;
  }
  if (status != "ok") return status.empty() ? CodecError::kMissingField : CodecError::kBadValue;
  if (!has_object) return has_text ? CodecError::kWrongType : CodecError::kMissingField;
  if (type.empty()) return CodecError::kMissingField;
  out.kind = type == "order"        ? ResponseKind::kOrder
             : type == "cancel"     ? ResponseKind::kCancel
             : type == "default"    ? ResponseKind::kDefault
             : type == "twapOrder"  ? ResponseKind::kTwapOrder
             : type == "twapCancel" ? ResponseKind::kTwapCancel
                                    : ResponseKind::kOther;
  const bool needs_statuses =
      out.kind != ResponseKind::kDefault && out.kind != ResponseKind::kOther;
  if (needs_statuses && !has_statuses) return CodecError::kMissingField;
  out.statuses = {statuses_.get(), status_count_};
  return kOk;
}

CodecError ExecParser::parse_post(od::value& data) noexcept {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(data, [&](Key k, od::value& val) {
    if (k == "id") return mark(seen, 1u, get_u64(val, post_.id));
    if (k != "response") return kOk;
    seen |= 2u;
    od::object response;
    PEREGRINE_HL_SJ(val.get_object().get(response));
    std::string_view type;
    PEREGRINE_HL_SJ(response.find_field_unordered("type").get_string().get(type));
    if (type == "info") {
      post_.kind = PostKind::kInfo;
      return kOk;
    }
    od::value payload;
    PEREGRINE_HL_SJ(response.find_field_unordered("payload").get(payload));
    if (type == "error") {
      post_.kind = PostKind::kError;
      PEREGRINE_HL_TRY(get_str(payload, post_.error));
      post_.reject = reject_reason_from_text(post_.error);
      bump(counters_.venue_errors);
      return kOk;
    }
    if (type != "action") return CodecError::kBadValue;
    post_.kind = PostKind::kAction;
    od::object envelope;
    PEREGRINE_HL_SJ(payload.get_object().get(envelope));
    return parse_envelope(envelope, post_.action);
  }));
  return seen == 3u ? kOk : CodecError::kMissingField;
}

// [{"order":{...},"status":"open","statusTimestamp":ms}, ...]
CodecError ExecParser::parse_order_updates(od::value& data, Nanos ts_recv) noexcept {
  CoinCache coins{registry_};
  return each_element(data, [&](od::value& element) {
    WireOrder o;
    std::string_view status;
    Nanos ts = 0;
    std::uint64_t ms = 0;
    unsigned seen = 0;
    PEREGRINE_HL_TRY(each_field(element, [&](Key k, od::value& val) {
      if (k == "order") return mark(seen, 1u, parse_wire_order(val, o));
      if (k == "status") return mark(seen, 2u, get_str(val, status));
      if (k == "statusTimestamp") return mark(seen, 4u, get_millis(val, ms, ts));
      return kOk;
    }));
    if (seen != 7u) return CodecError::kMissingField;
    const common::InstrumentId id = coins.find(o.coin);
    if (!id.valid()) {
      bump(counters_.unknown_coin);
      return kOk;
    }
    const StatusMapping m = map_order_status(status, o.size, o.orig_size);
    if (!m.known) bump(counters_.unknown_status);
    if (update_count_ >= kMaxUpdates) return CodecError::kCapacity;
    updates_[update_count_++] = common::OrderUpdate{
        .ts_venue = ts,
        .ts_recv = ts_recv,
        .venue_seq = ms,
        .cloid = o.cloid,
        .venue_order_id = o.oid,
        .price = o.limit_price,
        .qty = o.orig_size,
        .filled_qty = o.orig_size > o.size ? o.orig_size - o.size : common::Qty{},
        .avg_price = {},
        .instrument = id,
        .strategy = {},
        .venue = common::VenueId::kHyperliquid,
        .status = m.status,
        .reject = m.reject,
        .side = o.side};
    bump(counters_.order_updates);
    return kOk;
  });
}

CodecError ExecParser::parse_fills(od::value& v, Nanos ts_recv) noexcept {
  fill_count_ = 0;
  CoinCache coins{registry_};
  return each_element(v, [&](od::value& item) {
    if (fill_count_ >= kMaxFills) return CodecError::kCapacity;
    common::Fill& fill = fills_[fill_count_];
    fill = common::Fill{};
    std::string_view coin;
    PEREGRINE_HL_TRY(parse_wire_fill(item, coin, fill));
    fill.instrument = coins.find(coin);
    if (!fill.instrument.valid()) {
      bump(counters_.unknown_coin);
      return kOk;
    }
    fill.ts_recv = ts_recv;
    ++fill_count_;
    bump(counters_.fills);
    return kOk;
  });
}

// [{"coin":C,"oid":N}]: orders the venue cancelled (e.g. margin); HL gives no time.
CodecError ExecParser::parse_non_user_cancels(od::value& v, Nanos ts_recv) noexcept {
  update_count_ = 0;
  CoinCache coins{registry_};
  return each_element(v, [&](od::value& item) {
    common::OrderUpdate u;
    std::string_view coin;
    unsigned seen = 0;
    PEREGRINE_HL_TRY(each_field(item, [&](Key k, od::value& val) {
      if (k == "coin") return mark(seen, 1u, get_str(val, coin));
      if (k == "oid") return mark(seen, 2u, get_oid(val, u.venue_order_id));
      return kOk;
    }));
    if (seen != 3u) return CodecError::kMissingField;
    u.instrument = coins.find(coin);
    if (!u.instrument.valid()) {
      bump(counters_.unknown_coin);
      return kOk;
    }
    if (update_count_ >= kMaxUpdates) return CodecError::kCapacity;
    u.ts_recv = ts_recv;
    u.venue = common::VenueId::kHyperliquid;
    u.status = common::OrderStatus::kCancelled;
    updates_[update_count_++] = u;
    bump(counters_.order_updates);
    return kOk;
  });
}

// ---- InfoParser -------------------------------------------------------------------------------

namespace {

template <typename T, typename Fn>
common::Result<T, CodecError> run_info(od::parser& parser, simdjson::padded_string& input,
                                       std::string_view json, Fn&& fn) {
  T out{};
  const auto body = [&]() -> CodecError {
    PEREGRINE_HL_TRY(classify(json, nullptr));
    input = simdjson::padded_string(json);
    od::document doc;
    PEREGRINE_HL_SJ(parser.iterate(input).get(doc));
    return fn(doc, out);
  };
  if (const CodecError e = body(); e != kOk) return common::Unexpected{e};
  return out;
}

CodecError parse_universe(od::object& meta, std::vector<AssetMeta>& out) {
  bool has_universe = false;
  PEREGRINE_HL_TRY(each_field(meta, [&](Key k, od::value& val) {
    if (k != "universe") return kOk;
    has_universe = true;
    out.clear();
    return each_element(val, [&](od::value& asset) {
      AssetMeta m;
      m.asset = static_cast<std::int32_t>(out.size());
      std::uint32_t decimals = 0;
      unsigned seen = 0;
      PEREGRINE_HL_TRY(each_field(asset, [&](Key ak, od::value& av) {
        if (ak == "name") return mark(seen, 1u, get_str(av, m.name));
        if (ak == "szDecimals") return mark(seen, 2u, get_u32(av, decimals));
        if (ak == "maxLeverage") return mark(seen, 4u, get_u32(av, m.max_leverage));
        if (ak == "isDelisted") return get_bool(av, m.is_delisted);
        if (ak == "onlyIsolated") return get_bool(av, m.only_isolated);
        return kOk;
      }));
      if (seen != 7u) return CodecError::kMissingField;
      if (decimals > 8) return CodecError::kBadValue;
      m.size_decimals = static_cast<std::int32_t>(decimals);
      out.push_back(std::move(m));
      return kOk;
    });
  }));
  return has_universe ? kOk : CodecError::kMissingField;
}

CodecError parse_ctx(od::value& v, AssetCtx& c) {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "markPx") return mark(seen, 1u, get_fixed(val, c.mark_price));
    if (k == "oraclePx") return mark(seen, 2u, get_fixed(val, c.oracle_price));
    if (k == "funding") {
      return mark(seen, 4u, get_fixed(val, c.funding, common::ParseMode::kTruncate));
    }
    if (k == "midPx") return get_opt_fixed(val, c.mid_price, c.has_mid);
    return kOk;
  }));
  return seen == 7u ? kOk : CodecError::kMissingField;
}

CodecError parse_position(od::value& v, PositionInfo& p) {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "coin") return mark(seen, 1u, get_str(val, p.coin));
    if (k == "szi") return mark(seen, 2u, get_fixed(val, p.size));
    if (k == "entryPx") return get_opt_fixed(val, p.entry_price, p.has_entry_price);
    if (k == "liquidationPx") {
      return get_opt_fixed(val, p.liquidation_price, p.has_liquidation_price);
    }
    if (k == "unrealizedPnl") return get_fixed(val, p.unrealized_pnl);
    if (k == "marginUsed") return get_fixed(val, p.margin_used);
    if (k == "positionValue") return get_fixed(val, p.position_value);
    if (k != "leverage") return kOk;
    std::string_view type;
    PEREGRINE_HL_TRY(each_field(val, [&](Key lk, od::value& lv) {
      if (lk == "type") return get_str(lv, type);
      if (lk == "value") return get_u32(lv, p.leverage);
      return kOk;
    }));
    if (type != "cross" && type != "isolated") return CodecError::kBadValue;
    p.leverage_type = type == "cross" ? LeverageType::kCross : LeverageType::kIsolated;
    return kOk;
  }));
  return seen == 3u ? kOk : CodecError::kMissingField;
}

}  // namespace

common::Result<std::vector<AssetMeta>, CodecError> InfoParser::parse_meta(std::string_view json) {
  return run_info<std::vector<AssetMeta>>(parser_, input_, json,
                                          [](od::document& doc, std::vector<AssetMeta>& out) {
                                            od::object root;
                                            PEREGRINE_HL_SJ(doc.get_object().get(root));
                                            return parse_universe(root, out);
                                          });
}

// [meta, [ctx...]] with ctxs[i] belonging to universe[i].
common::Result<MetaAndAssetCtxs, CodecError> InfoParser::parse_meta_and_asset_ctxs(
    std::string_view json) {
  return run_info<MetaAndAssetCtxs>(
      parser_, input_, json, [](od::document& doc, MetaAndAssetCtxs& out) {
        od::array pair;
        PEREGRINE_HL_SJ(doc.get_array().get(pair));
        std::size_t index = 0;
        PEREGRINE_HL_TRY(each_element(pair, [&](od::value& v) {
          const std::size_t i = index++;
          if (i == 0) {
            od::object meta;
            PEREGRINE_HL_SJ(v.get_object().get(meta));
            return parse_universe(meta, out.universe);
          }
          if (i > 1) return CodecError::kBadValue;
          return each_element(v, [&](od::value& ctx) {
            AssetCtx c;
            PEREGRINE_HL_TRY(parse_ctx(ctx, c));
            out.ctxs.push_back(c);
            return kOk;
          });
        }));
        if (index != 2) return CodecError::kMissingField;
        return out.ctxs.size() == out.universe.size() ? kOk : CodecError::kBadValue;
      });
}

common::Result<ClearinghouseState, CodecError> InfoParser::parse_clearinghouse_state(
    std::string_view json) {
  return run_info<ClearinghouseState>(
      parser_, input_, json, [this](od::document& doc, ClearinghouseState& out) {
        od::object root;
        PEREGRINE_HL_SJ(doc.get_object().get(root));
        unsigned seen = 0;
        PEREGRINE_HL_TRY(each_field(root, [&](Key k, od::value& val) {
          if (k == "withdrawable") return mark(seen, 4u, get_fixed(val, out.withdrawable));
          if (k == "time") return get_ms(val, out.ts_venue);
          if (k == "marginSummary") {
            return each_field(val, [&](Key sk, od::value& sv) {
              if (sk == "accountValue") return mark(seen, 2u, get_fixed(sv, out.account_value));
              if (sk == "totalMarginUsed") return get_fixed(sv, out.total_margin_used);
              if (sk == "totalNtlPos") return get_fixed(sv, out.total_ntl_pos);
              return kOk;
            });
          }
          if (k != "assetPositions") return kOk;
          seen |= 1u;
          return each_element(val, [&](od::value& entry) {
            PositionInfo p;
            unsigned has_position = 0;
            PEREGRINE_HL_TRY(each_field(entry, [&](Key ek, od::value& ev) {
              return ek == "position" ? mark(has_position, 1u, parse_position(ev, p)) : kOk;
            }));
            if (has_position == 0) return CodecError::kMissingField;
            p.instrument = registry_.find(common::VenueId::kHyperliquid, p.coin);
            if (!p.instrument.valid()) ++unknown_coins_;
            out.positions.push_back(std::move(p));
            return kOk;
          });
        }));
        return seen == 7u ? kOk : CodecError::kMissingField;
      });
}

common::Result<std::vector<OpenOrderInfo>, CodecError> InfoParser::parse_open_orders(
    std::string_view json) {
  return run_info<std::vector<OpenOrderInfo>>(
      parser_, input_, json, [this](od::document& doc, std::vector<OpenOrderInfo>& out) {
        od::array orders;
        PEREGRINE_HL_SJ(doc.get_array().get(orders));
        return each_element(orders, [&](od::value& v) {
          OpenOrderInfo o;
          PEREGRINE_HL_TRY(parse_wire_order(v, o));
          o.instrument = registry_.find(common::VenueId::kHyperliquid, o.coin);
          if (!o.instrument.valid()) ++unknown_coins_;
          out.push_back(std::move(o));
          return kOk;
        });
      });
}

// {"status":"order","order":{"order":{...},"status":S,"statusTimestamp":ms}} or
// {"status":"unknownOid"}.
common::Result<OrderStatusInfo, CodecError> InfoParser::parse_order_status(std::string_view json) {
  return run_info<OrderStatusInfo>(
      parser_, input_, json, [this](od::document& doc, OrderStatusInfo& out) {
        od::object root;
        PEREGRINE_HL_SJ(doc.get_object().get(root));
        std::string_view status, text;
        unsigned seen = 0;
        PEREGRINE_HL_TRY(each_field(root, [&](Key k, od::value& val) {
          if (k == "status") return get_str(val, status);
          if (k != "order") return kOk;
          return each_field(val, [&](Key ik, od::value& iv) {
            if (ik == "order") return mark(seen, 1u, parse_wire_order(iv, out.order));
            if (ik == "status") return mark(seen, 2u, get_str(iv, text));
            if (ik == "statusTimestamp") return get_ms(iv, out.status_ts);
            return kOk;
          });
        }));
        if (status == "unknownOid") return kOk;
        if (status != "order")
          return status.empty() ? CodecError::kMissingField : CodecError::kBadValue;
        if (seen != 3u) return CodecError::kMissingField;
        out.order.instrument = registry_.find(common::VenueId::kHyperliquid, out.order.coin);
        if (!out.order.instrument.valid()) ++unknown_coins_;
        out.found = true;
        out.status = map_order_status(text, out.order.size, out.order.orig_size);
        out.status_text = text;
        return kOk;
      });
}

common::Result<std::vector<common::Fill>, CodecError> InfoParser::parse_user_fills(
    std::string_view json) {
  return run_info<std::vector<common::Fill>>(
      parser_, input_, json, [this](od::document& doc, std::vector<common::Fill>& out) {
        od::array fills;
        PEREGRINE_HL_SJ(doc.get_array().get(fills));
        CoinCache coins{registry_};
        return each_element(fills, [&](od::value& v) {
          common::Fill fill;
          std::string_view coin;
          PEREGRINE_HL_TRY(parse_wire_fill(v, coin, fill));
          fill.instrument = coins.find(coin);
          if (!fill.instrument.valid()) {
            ++unknown_coins_;
            return kOk;
          }
          out.push_back(fill);
          return kOk;
        });
      });
}

#undef PEREGRINE_HL_TRY
#undef PEREGRINE_HL_SJ

}  // namespace peregrine::gateways::hyperliquid
