#include "gateways/binance/exec_parser.hpp"

#include <cstring>
#include <new>
#include <utility>

#include "gateways/binance/exec_json.hpp"

namespace peregrine::gateways::binance {

using detail::bump;
using detail::get_bool_any;
using detail::get_exact;
using detail::get_int_any;
using detail::get_millis;
using detail::get_value;
namespace od = simdjson::ondemand;
using common::RejectReason;

namespace {

bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string_view to_string(ExecError e) noexcept {
  switch (e) {
    case ExecError::kOk:
      return "ok";
    case ExecError::kEmpty:
      return "empty input";
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
    case ExecError::kCapacity:
      return "input exceeds output capacity";
  }
  return "unknown exec error";
}

RejectReason reject_reason_from_code(std::int32_t code, std::string_view msg) noexcept {
  switch (code) {
    case -1000:  // UNKNOWN
    case -1001:  // DISCONNECTED / internal error
    case -1006:  // UNEXPECTED_RESP: execution status unknown
    case -1007:  // TIMEOUT: execution status unknown
      return RejectReason::kUnknownOutcome;
    case -1003:  // TOO_MANY_REQUESTS / IP banned
    case -1008:  // throttled by system protection
    case -1015:  // TOO_MANY_ORDERS
      return RejectReason::kRateLimited;
    case -1021:  // timestamp outside recvWindow / ahead of server
    case -5028:  // outside the matching-engine recvWindow
      return RejectReason::kBadNonce;
    case -1002:  // UNAUTHORIZED
    case -1022:  // INVALID_SIGNATURE
    case -2014:  // bad API key format
    case -2015:  // invalid API key, IP or permissions
      return RejectReason::kBadSignature;
    case -1111:  // precision over the maximum for this asset
    case -4013:  // price less than min price
    case -4014:  // price not increased by tick size
    case -4016:  // price above mark * multiplierUp
    case -4024:  // price below mark * multiplierDown
      return RejectReason::kInvalidPrice;
    case -4003:  // quantity <= 0
    case -4004:  // quantity below min qty
    case -4005:  // quantity above max qty
    case -4023:  // quantity not increased by step size
      return RejectReason::kInvalidQty;
    case -4164:  // notional below MIN_NOTIONAL
      return RejectReason::kMinNotional;
    case -2018:  // balance insufficient
    case -2019:  // margin insufficient
      return RejectReason::kInsufficientMargin;
    case -2022:  // ReduceOnly order rejected
      return RejectReason::kReduceOnlyWouldIncrease;
    case -2011:  // CANCEL_REJECTED / unknown order sent
    case -2013:  // NO_SUCH_ORDER
      return RejectReason::kUnknownOrder;
    case -4116:  // clientOrderId is duplicated
      return RejectReason::kDuplicateClientId;
    case -5022:  // GTX (post-only) would not be maker
      return RejectReason::kPostOnlyWouldCross;
    case -5021:  // FOK could not be filled completely
    case -4131:  // counterparty best price outside PERCENT_PRICE (MARKET)
      return RejectReason::kNoLiquidity;
    case -2010:  // NEW_ORDER_REJECTED: the text says why
      if (contains(msg, "uplicate")) return RejectReason::kDuplicateClientId;
      if (contains(msg, "immediately match")) return RejectReason::kPostOnlyWouldCross;
      return RejectReason::kInsufficientMargin;
    case -1013:  // filter failure (text names the filter)
      if (contains(msg, "NOTIONAL")) return RejectReason::kMinNotional;
      if (contains(msg, "LOT_SIZE")) return RejectReason::kInvalidQty;
      if (contains(msg, "PRICE")) return RejectReason::kInvalidPrice;
      return RejectReason::kOther;
    default:
      // -4015 is CLIENT_ORDER_ID_INVALID (format/length), NOT a duplicate; -4120 wants the algo
      // endpoint; -2021 would trigger immediately; -4061 position side; -1121 bad symbol.
      return RejectReason::kOther;
  }
}

ApiError classify_error(int http_status, bool has_code, std::int32_t code,
                        std::string_view msg) noexcept {
  ApiError e;
  e.http_status = http_status;
  e.code = has_code ? code : 0;
  e.msg = msg;
  if (has_code && code < 0) {
    e.reason = reject_reason_from_code(code, msg);
  } else if (http_status == 429 || http_status == 418) {
    e.reason = RejectReason::kRateLimited;
  } else if (http_status == 401) {
    e.reason = RejectReason::kBadSignature;
  } else if (http_status == 408 || http_status >= 500) {
    // The request may have reached the matching engine.
    e.reason = RejectReason::kUnknownOutcome;
  } else {
    e.reason = RejectReason::kOther;
  }
  if (http_status == 503) {
    // Three documented 503 variants. Only "Service Unavailable." is a definite failure.
    if (contains(msg, "Unknown error")) {
      e.reason = RejectReason::kUnknownOutcome;
    } else if (contains(msg, "Service Unavailable")) {
      e.reason = RejectReason::kOther;
      e.retryable = true;
    }
  }
  if (e.reason == RejectReason::kRateLimited || e.reason == RejectReason::kBadNonce) {
    e.retryable = true;
  }
  return e;
}

StatusMapping map_order_status(std::string_view status, std::string_view tif,
                               common::Qty filled) noexcept {
  StatusMapping m;
  m.known = true;
  m.reject = RejectReason::kNone;
  if (status == "NEW") {
    m.status = common::OrderStatus::kNew;
  } else if (status == "PARTIALLY_FILLED") {
    m.status = common::OrderStatus::kPartiallyFilled;
  } else if (status == "FILLED") {
    m.status = common::OrderStatus::kFilled;
  } else if (status == "CANCELED") {
    m.status = common::OrderStatus::kCancelled;
  } else if (status == "REJECTED") {
    m.status = common::OrderStatus::kRejected;
    m.reject = RejectReason::kOther;
  } else if (status == "EXPIRED" || status == "EXPIRED_IN_MATCH") {
    m.status = common::OrderStatus::kExpired;
    if (filled.is_zero() && tif == "GTX") m.reject = RejectReason::kPostOnlyWouldCross;
    if (filled.is_zero() && tif == "FOK") m.reject = RejectReason::kNoLiquidity;
  } else if (status == "NEW_INSURANCE" || status == "NEW_ADL") {
    m.status = common::OrderStatus::kNew;  // liquidation orders of the venue
  } else {
    m = StatusMapping{};
  }
  return m;
}

AlgoStatus parse_algo_status(std::string_view s) noexcept {
  if (s == "NEW") return AlgoStatus::kNew;
  if (s == "CANCELED") return AlgoStatus::kCanceled;
  if (s == "TRIGGERING") return AlgoStatus::kTriggering;
  if (s == "TRIGGERED") return AlgoStatus::kTriggered;
  if (s == "FINISHED") return AlgoStatus::kFinished;
  if (s == "REJECTED") return AlgoStatus::kRejected;
  if (s == "EXPIRED") return AlgoStatus::kExpired;
  return AlgoStatus::kUnknown;
}

// ---- ExecParser: plumbing ---------------------------------------------------------------------

ExecParser::ExecParser(const SymbolTable& symbols)
    : symbols_(symbols),
      orders_(new common::OrderUpdate[kMaxOrders]),
      algos_(new AlgoOrderInfo[kMaxOrders]),
      positions_(new PositionInfo[kMaxPositions]),
      balances_(new BalanceInfo[kMaxBalances]),
      copy_buf_(new char[kInitialCapacity + simdjson::SIMDJSON_PADDING]),
      copy_cap_(kInitialCapacity + simdjson::SIMDJSON_PADDING) {
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

ExecParser::~ExecParser() = default;

void ExecParser::clear_outputs() noexcept {
  order_ = common::OrderUpdate{};
  order_count_ = 0;
  algo_ = AlgoOrderInfo{};
  algo_count_ = 0;
  position_count_ = 0;
  balance_count_ = 0;
  totals_ = AccountTotals{};
  leverage_ = LeverageInfo{};
  listen_key_ = {};
  order_event_ = OrderEvent{};
  account_event_ = AccountEvent{};
  have_code_ = false;
  code_ = 0;
  msg_ = {};
}

void ExecParser::count_error(ExecError e) noexcept {
  clear_outputs();
  bump(counters_.malformed);
  bump(counters_.by_error[static_cast<std::size_t>(e)]);
}

const char* ExecParser::pad(std::string_view in, ExecError& err) noexcept {
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
  err = ExecError::kOk;
  return copy_buf_.get();
}

common::InstrumentId ExecParser::resolve(std::string_view symbol) noexcept {
  return symbols_.find(symbol);
}

common::ClientOrderId ExecParser::our_id(std::string_view text) noexcept {
  const auto id = common::ClientOrderId::parse_binance(text);
  if (id) return *id;
  if (!text.empty()) bump(counters_.foreign_client_ids);
  return common::ClientOrderId{};
}

// Walks the root: an object goes to `fn` once; an array calls `fn` per element object. The
// {code,msg} fields of an error body are collected by every object walker (take_code below).
ExecError ExecParser::walk(od::document& doc, Shape shape, ObjectFn fn, bool& have_error,
                           std::int64_t& code, std::string_view& msg) noexcept {
  od::json_type t;
  PEREGRINE_BN_SJ(doc.type().get(t));
  if (t == od::json_type::object) {
    od::object o;
    PEREGRINE_BN_SJ(doc.get_object().get(o));
    PEREGRINE_BN_TRY((this->*fn)(o));
  } else if (t == od::json_type::array && shape == Shape::kArray) {
    od::array a;
    PEREGRINE_BN_SJ(doc.get_array().get(a));
    for (auto item : a) {
      od::object o;
      PEREGRINE_BN_SJ(item.get_object().get(o));
      PEREGRINE_BN_TRY((this->*fn)(o));
    }
  } else {
    return ExecError::kWrongType;
  }
  // A 2xx body may still be {"code":<negative>,"msg":..}; code 200 (number or string) is success.
  have_error = have_code_ && code_ != 200 && code_ != 0;
  code = code_;
  msg = msg_;
  return ExecError::kOk;
}

ExecParser::Parsed ExecParser::run(int http_status, std::string_view body, Shape shape, ObjectFn fn,
                                   common::ClientOrderId request_cloid, bool is_order) noexcept {
  bump(counters_.frames);
  clear_outputs();
  const bool success = http_status >= 200 && http_status < 300;
  ExecError err = ExecError::kOk;
  const char* p = pad(body, err);
  RestResult res;
  bool have_error = false;
  std::int64_t code = 0;
  std::string_view msg;
  std::size_t first = 0;
  while (p != nullptr && first < body.size() && is_space(p[first])) ++first;
  const bool json_object = p != nullptr && first < body.size() && p[first] == '{';

  if (success) {
    if (p == nullptr) {
      count_error(err);
      return common::Unexpected{err};
    }
    if (first == body.size()) {
      count_error(ExecError::kEmpty);
      return common::Unexpected{ExecError::kEmpty};
    }
    od::document doc;
    if (const auto sj = parser_.iterate(p, body.size(), copy_cap_).get(doc); sj) {
      count_error(detail::from_simdjson(sj));
      return common::Unexpected{detail::from_simdjson(sj)};
    }
    if (const ExecError e = walk(doc, shape, fn, have_error, code, msg); e != ExecError::kOk) {
      count_error(e);
      return common::Unexpected{e};
    }
    if (!have_error) {
      res.ok = true;
      return res;
    }
  } else if (json_object) {
    // Best effort: an error body that is not valid JSON still yields an error from the status.
    od::document doc;
    od::object o;
    if (parser_.iterate(p, body.size(), copy_cap_).get(doc) == simdjson::SUCCESS &&
        doc.get_object().get(o) == simdjson::SUCCESS) {
      for (auto item : o) {
        od::field f;
        if (std::move(item).get(f) != simdjson::SUCCESS) break;
        const od::raw_json_string key = f.key();
        if (key == "code") {
          if (get_int_any(f.value(), code) == ExecError::kOk) have_error = true;
        } else if (key == "msg") {
          if (f.value().get_string().get(msg) != simdjson::SUCCESS) msg = {};
        }
      }
    }
  } else if (p != nullptr) {
    // Plain-text bodies (e.g. a 503 page) still carry the text that tells the variants apart.
    msg = std::string_view(p + first, body.size() - first);
  }
  const bool code_fits = code >= INT32_MIN && code <= INT32_MAX;
  res.error = classify_error(http_status, have_error && code_fits,
                             code_fits ? static_cast<std::int32_t>(code) : 0, msg);
  res.ok = false;
  bump(counters_.api_errors);
  if (res.error.reason == RejectReason::kUnknownOutcome) bump(counters_.unknown_outcomes);
  if (is_order) {
    common::OrderUpdate u;
    u.cloid = request_cloid;
    u.venue = common::VenueId::kBinance;
    u.reject = res.error.reason;
    // Unknown outcome: the order may be live; it stays pending until a query or the stream says.
    u.status = res.error.reason == RejectReason::kUnknownOutcome ? common::OrderStatus::kPendingNew
                                                                 : common::OrderStatus::kRejected;
    order_ = u;
  }
  return res;
}

}  // namespace peregrine::gateways::binance
