#include "gateways/hyperliquid/order_codec.hpp"

#include <cstring>
#include <new>
#include <utility>

#include "gateways/hyperliquid/order_codec_internal.hpp"

namespace peregrine::gateways::hyperliquid {

using common::Nanos;
using common::RejectReason;
using namespace detail;  // NOLINT: this venue's JSON helpers (md_codec.hpp)

using namespace codec_internal;  // NOLINT: shared with order_codec_info.cpp

namespace {

CodecError get_opt_u64(od::value& v, std::uint64_t& out) noexcept {
  bool is_null = false;
  PEREGRINE_HL_SJ(v.is_null().get(is_null));
  out = 0;
  return is_null ? kOk : get_u64(v, out);
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

TwapStatus twap_status_from(std::string_view s) noexcept {
  // [TS] also lists "waitingForTrigger" (accepted, not running yet) and "stopped" (ended).
  if (s == "activated" || s == "waitingForTrigger") return TwapStatus::kActivated;
  if (s == "finished") return TwapStatus::kFinished;
  if (s == "terminated" || s == "stopped") return TwapStatus::kTerminated;
  if (s == "error") return TwapStatus::kError;
  return TwapStatus::kUnknown;
}

// One userTwapHistory / twapHistory element (see TwapHistoryEntry); `coin` is the state's coin.
CodecError parse_twap_history_entry(od::value& v, std::string_view& coin,
                                    TwapHistoryEntry& e) noexcept {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "twapId") return get_opt_u64(val, e.twap_id);
    if (k == "time") {
      std::uint64_t sec = 0;
      PEREGRINE_HL_TRY(get_u64(val, sec));
      e.ts_venue = static_cast<Nanos>(sec) * 1'000'000'000;
      return kOk;
    }
    if (k == "status") {
      return mark(seen, 1u, each_field(val, [&](Key sk, od::value& sv) {
                    if (sk != "status") return kOk;
                    std::string_view st;
                    PEREGRINE_HL_TRY(get_str(sv, st));
                    e.status = twap_status_from(st);
                    return kOk;
                  }));
    }
    if (k == "state") {
      unsigned inner = 0;
      PEREGRINE_HL_TRY(each_field(val, [&](Key sk, od::value& sv) {
        if (sk == "coin") return mark(inner, 1u, get_str(sv, coin));
        if (sk == "side") return mark(inner, 2u, get_side(sv, e.side));
        if (sk == "sz") return mark(inner, 4u, get_fixed(sv, e.size));
        if (sk == "executedSz") return mark(inner, 8u, get_fixed(sv, e.executed));
        if (sk == "executedNtl") return get_fixed(sv, e.executed_ntl);
        if (sk == "reduceOnly") return get_bool(sv, e.reduce_only);
        return kOk;
      }));
      return inner == 15u ? mark(seen, 2u, kOk) : CodecError::kMissingField;
    }
    return kOk;
  }));
  if (seen != 3u) return CodecError::kMissingField;
  if (e.size.is_negative() || e.executed.is_negative()) return CodecError::kBadValue;
  return kOk;
}

}  // namespace

namespace codec_internal {

// WsFill and the /info userFills element; `twap_id` = its "twapId", 0 when null or absent.
CodecError parse_wire_fill(od::value& v, std::string_view& coin, common::Fill& fill,
                           std::uint64_t& twap_id) noexcept {
  twap_id = 0;
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
    if (k == "twapId") return get_opt_u64(val, twap_id);
    return kOk;
  }));
  if (seen != 511u) return CodecError::kMissingField;
  if (!fill.price.is_positive() || !fill.qty.is_positive()) return CodecError::kBadValue;
  fill.liquidity = crossed ? common::Liquidity::kTaker : common::Liquidity::kMaker;
  fill.venue_seq = ms;
  fill.venue = common::VenueId::kHyperliquid;
  return kOk;
}

}  // namespace codec_internal

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
      fills_(new common::Fill[kMaxFills]),
      fill_twap_ids_(new std::uint64_t[kMaxFills]),
      twap_history_(new TwapHistoryEntry[kMaxTwapHistory]) {
  // Start-up allocation so that ordinary frames never grow the parser.
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

ExecParser::~ExecParser() = default;

void ExecParser::clear_outputs() noexcept {
  status_count_ = update_count_ = fill_count_ = twap_history_count_ = 0;
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
  if (channel == "userTwapSliceFills" || channel == "userTwapHistory") {
    // {"isSnapshot"?,"user":U,"twapSliceFills":[{"fill","twapId"}]} / {...,"history":[...]}
    const bool fills = channel == "userTwapSliceFills";
    kind = fills ? ExecFrameKind::kTwapSliceFills : ExecFrameKind::kTwapHistory;
    unsigned seen = 0;
    PEREGRINE_HL_TRY(each_field(data, [&](Key k, od::value& val) {
      if (k == "isSnapshot") return get_bool(val, fills_snapshot_);
      if (fills && k == "twapSliceFills") {
        return mark(seen, 1u, parse_twap_slice_fills(val, ts_recv));
      }
      if (!fills && k == "history") return mark(seen, 1u, parse_twap_history(val));
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
    std::uint64_t twap_id = 0;
    PEREGRINE_HL_TRY(parse_wire_fill(item, coin, fill, twap_id));
    keep_fill(coins.find(coin), ts_recv, twap_id);
    return kOk;
  });
}

void ExecParser::keep_fill(common::InstrumentId instrument, Nanos ts_recv,
                           std::uint64_t twap_id) noexcept {
  if (!instrument.valid()) {
    bump(counters_.unknown_coin);
    return;
  }
  common::Fill& fill = fills_[fill_count_];
  fill.instrument = instrument;
  fill.ts_recv = ts_recv;
  fill_twap_ids_[fill_count_] = twap_id;
  ++fill_count_;
  bump(counters_.fills);
}

// [{"fill":{WsFill},"twapId":N}]
CodecError ExecParser::parse_twap_slice_fills(od::value& v, Nanos ts_recv) noexcept {
  fill_count_ = 0;
  CoinCache coins{registry_};
  return each_element(v, [&](od::value& item) {
    if (fill_count_ >= kMaxFills) return CodecError::kCapacity;
    common::Fill& fill = fills_[fill_count_];
    fill = common::Fill{};
    std::string_view coin;
    std::uint64_t inner_id = 0, outer_id = 0;
    unsigned seen = 0;
    PEREGRINE_HL_TRY(each_field(item, [&](Key k, od::value& val) {
      if (k == "fill") return mark(seen, 1u, parse_wire_fill(val, coin, fill, inner_id));
      if (k == "twapId") return mark(seen, 2u, get_u64(val, outer_id));
      return kOk;
    }));
    if (seen != 3u) return CodecError::kMissingField;
    if (outer_id == 0 || (inner_id != 0 && inner_id != outer_id)) return CodecError::kBadValue;
    keep_fill(coins.find(coin), ts_recv, outer_id);
    return kOk;
  });
}

CodecError ExecParser::parse_twap_history(od::value& v) noexcept {
  twap_history_count_ = 0;
  CoinCache coins{registry_};
  return each_element(v, [&](od::value& item) {
    if (twap_history_count_ >= kMaxTwapHistory) return CodecError::kCapacity;
    TwapHistoryEntry& e = twap_history_[twap_history_count_];
    e = TwapHistoryEntry{};
    std::string_view coin;
    PEREGRINE_HL_TRY(parse_twap_history_entry(item, coin, e));
    e.instrument = coins.find(coin);
    if (!e.instrument.valid()) {
      bump(counters_.unknown_coin);
      return kOk;
    }
    if (e.status == TwapStatus::kUnknown) bump(counters_.unknown_status);
    ++twap_history_count_;
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

}  // namespace peregrine::gateways::hyperliquid
