// Request builders, reject-reason and status mapping. ExecParser lives in exec_parser.cpp.
#include "gateways/coinbase/order_codec.hpp"

#include "gateways/coinbase/json_util.hpp"

namespace peregrine::gateways::coinbase {
namespace {

using common::Result;
using common::Unexpected;
using detail::FixedWriter;

template <typename Tag>
void put_decimal_field(FixedWriter& w, std::string_view key, common::Fixed<Tag> v) noexcept {
  w.put('"');
  w.put(key);
  w.put(R"(":")");
  w.put_fixed(v);
  w.put('"');
}

Result<std::size_t, BuildError> finish(const FixedWriter& w) noexcept {
  if (w.overflow()) return Unexpected{BuildError::kOverflow};
  return w.size();
}

// Query string helper: "?k=v" for the first parameter, "&k=v" after.
class Query {
 public:
  explicit Query(FixedWriter& w) noexcept : w_(w) {}
  bool list(std::string_view key, std::span<const std::string_view> values) noexcept {
    for (const std::string_view v : values) {
      if (!detail::is_plain_token(v)) return false;
      raw(key, v);
    }
    return true;
  }
  bool token(std::string_view key, std::string_view v) noexcept {
    if (v.empty()) return true;
    if (!detail::is_plain_token(v)) return false;
    raw(key, v);
    return true;
  }
  void encoded(std::string_view key, std::string_view v) noexcept {
    if (v.empty()) return;
    sep(key);
    detail::put_query_value(w_, v);
  }
  void number(std::string_view key, std::uint64_t v) noexcept {
    if (v == 0) return;
    sep(key);
    w_.put_u64(v);
  }

 private:
  void sep(std::string_view key) noexcept {
    w_.put(first_ ? '?' : '&');
    first_ = false;
    w_.put(key);
    w_.put('=');
  }
  void raw(std::string_view key, std::string_view v) noexcept {
    sep(key);
    w_.put(v);
  }
  FixedWriter& w_;
  bool first_ = true;
};

// Upper-case copy (at most 95 chars) with any "PREVIEW_" prefix removed.
std::string_view normalize(std::string_view code, char (&buf)[96]) noexcept {
  std::size_t n = 0;
  for (const char c : code) {
    if (n == sizeof(buf)) break;
    buf[n++] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  }
  std::string_view s(buf, n);
  if (s.starts_with("PREVIEW_")) s.remove_prefix(8);
  return s;
}

bool has(std::string_view s, std::string_view part) noexcept {
  return s.find(part) != std::string_view::npos;
}

}  // namespace

std::string_view to_string(BuildError e) noexcept {
  switch (e) {
    case BuildError::kOk:
      return "ok";
    case BuildError::kOverflow:
      return "output buffer too small";
    case BuildError::kBadProduct:
      return "bad product id";
    case BuildError::kNullCloid:
      return "client order id not set";
    case BuildError::kBadSize:
      return "bad size";
    case BuildError::kBadPrice:
      return "bad limit price";
    case BuildError::kBadStop:
      return "bad stop price";
    case BuildError::kUnsupported:
      return "order type not supported by Coinbase";
    case BuildError::kBadId:
      return "bad id or query value";
    case BuildError::kTooMany:
      return "wrong number of ids";
  }
  return "unknown build error";
}

Result<std::size_t, BuildError> build_create_order(const CreateOrderRequest& req, char* out,
                                                   std::size_t cap) noexcept {
  if (req.cloid.is_null()) return Unexpected{BuildError::kNullCloid};
  if (!detail::is_plain_token(req.product_id)) return Unexpected{BuildError::kBadProduct};
  const bool market = req.config == OrderConfig::kMarketIoc;
  if (market) {
    if (req.base_size.is_positive() == req.quote_size.is_positive() ||
        req.base_size.is_negative() || req.quote_size.is_negative()) {
      return Unexpected{BuildError::kBadSize};
    }
  } else {
    if (!req.base_size.is_positive()) return Unexpected{BuildError::kBadSize};
    if (!req.limit_price.is_positive()) return Unexpected{BuildError::kBadPrice};
  }
  if (req.config == OrderConfig::kStopLimitGtc && !req.stop_price.is_positive()) {
    return Unexpected{BuildError::kBadStop};
  }

  FixedWriter w(out, cap);
  char uuid[common::ClientOrderId::kUuidLen];
  w.put(R"({"client_order_id":")");
  w.put(std::string_view(uuid, req.cloid.write_uuid(uuid)));
  w.put(R"(","product_id":")");
  w.put(req.product_id);
  w.put(req.side == common::Side::kBuy ? R"(","side":"BUY")" : R"(","side":"SELL")");
  w.put(R"(,"order_configuration":{)");
  switch (req.config) {
    case OrderConfig::kMarketIoc:
      w.put(R"("market_market_ioc":{)");
      if (req.base_size.is_positive()) {
        put_decimal_field(w, "base_size", req.base_size);
      } else {
        put_decimal_field(w, "quote_size", req.quote_size);
      }
      break;
    case OrderConfig::kLimitGtc:
      w.put(R"("limit_limit_gtc":{)");
      put_decimal_field(w, "base_size", req.base_size);
      w.put(',');
      put_decimal_field(w, "limit_price", req.limit_price);
      w.put(req.post_only ? R"(,"post_only":true)" : R"(,"post_only":false)");
      break;
    case OrderConfig::kSorLimitIoc:
    case OrderConfig::kLimitFok:
      w.put(req.config == OrderConfig::kSorLimitIoc ? R"("sor_limit_ioc":{)"
                                                    : R"("limit_limit_fok":{)");
      put_decimal_field(w, "base_size", req.base_size);
      w.put(',');
      put_decimal_field(w, "limit_price", req.limit_price);
      break;
    case OrderConfig::kStopLimitGtc:
      w.put(R"("stop_limit_stop_limit_gtc":{)");
      put_decimal_field(w, "base_size", req.base_size);
      w.put(',');
      put_decimal_field(w, "limit_price", req.limit_price);
      w.put(',');
      put_decimal_field(w, "stop_price", req.stop_price);
      w.put(req.stop_direction == StopDirection::kStopUp
                ? R"(,"stop_direction":"STOP_DIRECTION_STOP_UP")"
                : R"(,"stop_direction":"STOP_DIRECTION_STOP_DOWN")");
      break;
  }
  w.put("}}}");
  return finish(w);
}

Result<CreateOrderRequest, BuildError> create_order_from_intent(
    const common::OrderIntent& intent, std::string_view product_id) noexcept {
  if (intent.action != common::IntentAction::kNew) return Unexpected{BuildError::kUnsupported};
  if ((intent.flags & (common::intent_flags::kReduceOnly | common::intent_flags::kClosePosition)) !=
      0) {
    return Unexpected{BuildError::kUnsupported};
  }
  CreateOrderRequest req;
  req.cloid = intent.cloid;
  req.product_id = product_id;
  req.side = intent.side;
  req.base_size = intent.qty;
  req.limit_price = intent.price;
  const bool buy = intent.side == common::Side::kBuy;
  switch (intent.type) {
    case common::OrderType::kLimit:
      switch (intent.tif) {
        case common::TimeInForce::kGtc:
          req.config = OrderConfig::kLimitGtc;
          break;
        case common::TimeInForce::kPostOnly:
          req.config = OrderConfig::kLimitGtc;
          req.post_only = true;
          break;
        case common::TimeInForce::kIoc:
          req.config = OrderConfig::kSorLimitIoc;
          break;
        case common::TimeInForce::kFok:
          req.config = OrderConfig::kLimitFok;
          break;
      }
      break;
    case common::OrderType::kMarket:
      req.config = OrderConfig::kMarketIoc;
      req.limit_price = common::Price{};
      break;
    case common::OrderType::kStopLimit:
    case common::OrderType::kTakeProfitLimit:
      if (intent.tif != common::TimeInForce::kGtc) return Unexpected{BuildError::kUnsupported};
      req.config = OrderConfig::kStopLimitGtc;
      req.stop_price = intent.trigger_price;
      // A stop buys on the way up and sells on the way down; a take-profit the reverse.
      req.stop_direction = (intent.type == common::OrderType::kStopLimit) == buy
                               ? StopDirection::kStopUp
                               : StopDirection::kStopDown;
      break;
    default:
      return Unexpected{BuildError::kUnsupported};
  }
  return req;
}

Result<std::size_t, BuildError> build_batch_cancel(std::span<const std::string_view> order_ids,
                                                   char* out, std::size_t cap) noexcept {
  if (order_ids.empty() || order_ids.size() > kMaxBatchCancel) {
    return Unexpected{BuildError::kTooMany};
  }
  FixedWriter w(out, cap);
  w.put(R"({"order_ids":[)");
  for (std::size_t i = 0; i < order_ids.size(); ++i) {
    if (!detail::is_plain_token(order_ids[i])) return Unexpected{BuildError::kBadId};
    if (i != 0) w.put(',');
    w.put_quoted(order_ids[i]);
  }
  w.put("]}");
  return finish(w);
}

Result<std::size_t, BuildError> build_batch_cancel(std::span<const common::VenueOrderId> order_ids,
                                                   char* out, std::size_t cap) noexcept {
  if (order_ids.empty() || order_ids.size() > kMaxBatchCancel) {
    return Unexpected{BuildError::kTooMany};
  }
  FixedWriter w(out, cap);
  w.put(R"({"order_ids":[)");
  for (std::size_t i = 0; i < order_ids.size(); ++i) {
    if (!order_ids[i].is_uuid || order_ids[i].is_null()) return Unexpected{BuildError::kBadId};
    if (i != 0) w.put(',');
    char uuid[common::ClientOrderId::kUuidLen];
    const std::size_t n = common::ClientOrderId{order_ids[i].hi, order_ids[i].lo}.write_uuid(uuid);
    w.put_quoted(std::string_view(uuid, n));
  }
  w.put("]}");
  return finish(w);
}

Result<std::size_t, BuildError> build_list_orders_target(const ListOrdersQuery& q, char* out,
                                                         std::size_t cap) noexcept {
  FixedWriter w(out, cap);
  w.put(kListOrders.path);
  Query query(w);
  if (!query.list("order_ids", q.order_ids) || !query.list("product_ids", q.product_ids) ||
      !query.token("order_status", q.order_status)) {
    return Unexpected{BuildError::kBadId};
  }
  query.number("limit", q.limit);
  query.encoded("cursor", q.cursor);
  return finish(w);
}

Result<std::size_t, BuildError> build_list_fills_target(const ListFillsQuery& q, char* out,
                                                        std::size_t cap) noexcept {
  FixedWriter w(out, cap);
  w.put(kListFills.path);
  Query query(w);
  if (!query.list("order_ids", q.order_ids) || !query.list("product_ids", q.product_ids)) {
    return Unexpected{BuildError::kBadId};
  }
  query.encoded("start_sequence_timestamp", q.start_sequence_timestamp);
  query.number("limit", q.limit);
  query.encoded("cursor", q.cursor);
  return finish(w);
}

Result<std::size_t, BuildError> build_accounts_target(std::uint32_t limit, std::string_view cursor,
                                                      char* out, std::size_t cap) noexcept {
  FixedWriter w(out, cap);
  w.put(kAccounts.path);
  Query query(w);
  query.number("limit", limit);
  query.encoded("cursor", cursor);
  return finish(w);
}

Result<std::size_t, BuildError> build_products_target(std::string_view product_type,
                                                      std::span<const std::string_view> product_ids,
                                                      char* out, std::size_t cap) noexcept {
  FixedWriter w(out, cap);
  w.put(kProducts.path);
  Query query(w);
  if (!query.token("product_type", product_type) || !query.list("product_ids", product_ids)) {
    return Unexpected{BuildError::kBadId};
  }
  return finish(w);
}

Result<std::size_t, BuildError> build_get_order_target(std::string_view order_id, char* out,
                                                       std::size_t cap) noexcept {
  if (!detail::is_plain_token(order_id)) return Unexpected{BuildError::kBadId};
  FixedWriter w(out, cap);
  w.put(kGetOrderPrefix);
  w.put(order_id);
  return finish(w);
}

bool is_uninformative_code(std::string_view code) noexcept {
  char buf[96];
  const std::string_view s = normalize(code, buf);
  return s.empty() || (s.starts_with("UNKNOWN_") && s.ends_with("REASON")) ||
         s.ends_with("_UNSPECIFIED");
}

common::RejectReason reject_reason_from_code(std::string_view code) noexcept {
  using common::RejectReason;
  char buf[96];
  const std::string_view s = normalize(code, buf);
  if (s.empty() || is_uninformative_code(s)) return RejectReason::kOther;
  if (has(s, "INSUFFICIENT")) return RejectReason::kInsufficientMargin;
  if (has(s, "POST_ONLY")) return RejectReason::kPostOnlyWouldCross;
  if (has(s, "DUPLICATE") && has(s, "CLIENT")) return RejectReason::kDuplicateClientId;
  if (s == "UNKNOWN_CANCEL_ORDER" || s == "ORDER_NOT_FOUND" || s == "NOT_FOUND") {
    return RejectReason::kUnknownOrder;
  }
  if (has(s, "RATE_LIMIT") || s == "TOO_MANY_REQUESTS") return RejectReason::kRateLimited;
  if (s == "UNAUTHENTICATED" || s == "UNAUTHORIZED" || s == "INVALID_SIGNATURE" ||
      s == "PERMISSION_DENIED") {
    return RejectReason::kBadSignature;
  }
  if (has(s, "NO_LIQUIDITY")) return RejectReason::kNoLiquidity;
  if (has(s, "TOO_SMALL")) return RejectReason::kMinNotional;
  if (has(s, "SIZE")) return RejectReason::kInvalidQty;
  if (has(s, "PRICE")) return RejectReason::kInvalidPrice;
  return RejectReason::kOther;
}

StatusMapping map_order_status(std::string_view status, bool any_filled) noexcept {
  using common::OrderStatus;
  if (status == "OPEN") {
    return {any_filled ? OrderStatus::kPartiallyFilled : OrderStatus::kNew, true};
  }
  if (status == "FILLED") return {OrderStatus::kFilled, true};
  if (status == "CANCELLED" || status == "CANCELED") return {OrderStatus::kCancelled, true};
  if (status == "PENDING" || status == "QUEUED") return {OrderStatus::kPendingNew, true};
  if (status == "CANCEL_QUEUED") return {OrderStatus::kPendingCancel, true};
  if (status == "EDIT_QUEUED") return {OrderStatus::kPendingReplace, true};
  if (status == "EXPIRED") return {OrderStatus::kExpired, true};
  if (status == "FAILED") return {OrderStatus::kRejected, true};
  return {OrderStatus::kNew, false};
}

}  // namespace peregrine::gateways::coinbase
