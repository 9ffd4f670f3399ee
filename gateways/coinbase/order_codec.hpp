// Coinbase order codec: request bodies into caller buffers; ExecParser for responses and user WS.
// Builders: any thread, no allocation. ExecParser: ONE thread (Coinbase order gateway, hot path).
#pragma once

#include <simdjson.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/result.hpp"
#include "gateways/coinbase/codec_error.hpp"

namespace peregrine::gateways::coinbase {

// ---- Endpoints (paths are what the JWT uri and the legacy signature cover) ------------------

struct Endpoint {
  std::string_view method;
  std::string_view path;
};
inline constexpr Endpoint kCreateOrder{"POST", "/api/v3/brokerage/orders"};
inline constexpr Endpoint kBatchCancel{"POST", "/api/v3/brokerage/orders/batch_cancel"};
inline constexpr Endpoint kListOrders{"GET", "/api/v3/brokerage/orders/historical/batch"};
inline constexpr Endpoint kListFills{"GET", "/api/v3/brokerage/orders/historical/fills"};
inline constexpr Endpoint kAccounts{"GET", "/api/v3/brokerage/accounts"};
inline constexpr Endpoint kProducts{"GET", "/api/v3/brokerage/products"};
inline constexpr std::string_view kGetOrderPrefix = "/api/v3/brokerage/orders/historical/";
// The endpoints the order gateway signs continuously, one JwtCache each.
inline constexpr std::array<Endpoint, 4> kHotEndpoints = {kCreateOrder, kBatchCancel, kListOrders,
                                                          kListFills};
inline constexpr std::size_t kMaxBatchCancel = 100;  // per request (third-party report; unverified)

// ---- Request builders --------------------------------------------------------------------

enum class BuildError : std::uint8_t {
  kOk = 0,
  kOverflow,     // the output buffer is too small
  kBadProduct,   // product id empty or not [A-Za-z0-9-_.:]
  kNullCloid,    // client order id not set
  kBadSize,      // size <= 0, or market order without exactly one of base/quote size
  kBadPrice,     // limit price <= 0
  kBadStop,      // stop price <= 0
  kUnsupported,  // intent the venue cannot express (stop-market, trailing, reduce-only, ...)
  kBadId,        // an order id / cursor / filter value that is empty or not a plain token
  kTooMany,      // more ids than kMaxBatchCancel, or none
};
[[nodiscard]] std::string_view to_string(BuildError e) noexcept;

enum class OrderConfig : std::uint8_t {
  kMarketIoc,     // market_market_ioc {base_size | quote_size}
  kLimitGtc,      // limit_limit_gtc {base_size, limit_price, post_only}
  kSorLimitIoc,   // sor_limit_ioc {base_size, limit_price}: the limit-IOC of the official SDKs
  kLimitFok,      // limit_limit_fok {base_size, limit_price}
  kStopLimitGtc,  // stop_limit_stop_limit_gtc {base_size, limit_price, stop_price, stop_direction}
};
enum class StopDirection : std::uint8_t { kStopUp, kStopDown };

struct CreateOrderRequest {
  common::ClientOrderId cloid;
  std::string_view product_id;  // "BTC-USD"
  common::Side side = common::Side::kBuy;
  OrderConfig config = OrderConfig::kLimitGtc;
  common::Qty base_size;
  common::Money quote_size;  // kMarketIoc only, instead of base_size
  common::Price limit_price;
  common::Price stop_price;
  StopDirection stop_direction = StopDirection::kStopUp;
  bool post_only = false;  // kLimitGtc only
};

// POST /orders body, keys in the official SDK's order:
// {"client_order_id":"<uuid>","product_id":"BTC-USD","side":"BUY","order_configuration":
//  {"limit_limit_gtc":{"base_size":"0.001","limit_price":"65000.01","post_only":true}}}
// Decimals are the shortest exact rendering. Returns the body length.
[[nodiscard]] common::Result<std::size_t, BuildError> build_create_order(
    const CreateOrderRequest& req, char* out, std::size_t cap) noexcept;

// Maps an engine intent: limit GTC -> limit_limit_gtc, post-only -> limit_limit_gtc post_only,
// IOC -> sor_limit_ioc, FOK -> limit_limit_fok, market -> market_market_ioc (base size),
// stop-limit / take-profit-limit -> stop_limit_stop_limit_gtc with the direction implied by side
// (buy stop: UP, sell stop: DOWN; take-profit the reverse). Reduce-only, close-position,
// stop-market and trailing orders have no Coinbase spot equivalent: kUnsupported.
[[nodiscard]] common::Result<CreateOrderRequest, BuildError> create_order_from_intent(
    const common::OrderIntent& intent, std::string_view product_id) noexcept;

// POST /orders/batch_cancel body {"order_ids":["...",...]}: venue order ids (Coinbase cancels by
// its own id only). 1..kMaxBatchCancel ids.
[[nodiscard]] common::Result<std::size_t, BuildError> build_batch_cancel(
    std::span<const std::string_view> order_ids, char* out, std::size_t cap) noexcept;
// Same for parsed ids, rendered as lowercase UUIDs.
[[nodiscard]] common::Result<std::size_t, BuildError> build_batch_cancel(
    std::span<const common::VenueOrderId> order_ids, char* out, std::size_t cap) noexcept;

// GET targets: path + query ("/api/v3/brokerage/orders/historical/batch?order_status=OPEN&..."),
// repeated keys for lists as the SDK sends them. Sign only the path (kListOrders.path etc.).
struct ListOrdersQuery {
  std::span<const std::string_view> product_ids;
  std::span<const std::string_view> order_ids;
  std::string_view order_status;  // "OPEN", "FILLED", ... empty: any
  std::uint32_t limit = 0;        // 0: venue default
  std::string_view cursor;
};
[[nodiscard]] common::Result<std::size_t, BuildError> build_list_orders_target(
    const ListOrdersQuery& q, char* out, std::size_t cap) noexcept;

struct ListFillsQuery {
  std::span<const std::string_view> order_ids;
  std::span<const std::string_view> product_ids;
  std::string_view start_sequence_timestamp;  // RFC 3339, empty: none
  std::uint32_t limit = 0;
  std::string_view cursor;
};
[[nodiscard]] common::Result<std::size_t, BuildError> build_list_fills_target(
    const ListFillsQuery& q, char* out, std::size_t cap) noexcept;

[[nodiscard]] common::Result<std::size_t, BuildError> build_accounts_target(
    std::uint32_t limit, std::string_view cursor, char* out, std::size_t cap) noexcept;
// product_type "SPOT"/"FUTURE" or empty; product_ids optional.
[[nodiscard]] common::Result<std::size_t, BuildError> build_products_target(
    std::string_view product_type, std::span<const std::string_view> product_ids, char* out,
    std::size_t cap) noexcept;
[[nodiscard]] common::Result<std::size_t, BuildError> build_get_order_target(
    std::string_view order_id, char* out, std::size_t cap) noexcept;

// ---- Reject reasons -------------------------------------------------------------------------

// A Coinbase failure code -> reason. "PREVIEW_" prefixes are ignored. INSUFFICIENT_FUND(S) ->
// kInsufficientMargin, INVALID_LIMIT_PRICE_POST_ONLY -> kPostOnlyWouldCross, *DUPLICATE*CLIENT*
// -> kDuplicateClientId, UNKNOWN_CANCEL_ORDER / NOT_FOUND -> kUnknownOrder, UNKNOWN_FAILURE_REASON
// and anything unrecognized -> kOther. Case-insensitive.
[[nodiscard]] common::RejectReason reject_reason_from_code(std::string_view code) noexcept;
// True for the venue's "no information" values (UNKNOWN_FAILURE_REASON, ..._UNSPECIFIED, "").
[[nodiscard]] bool is_uninformative_code(std::string_view code) noexcept;

// ---- Responses and the user channel ----------------------------------------------------------

struct CreateOrderResult {
  bool success = false;
  bool has_cloid = false;
  common::VenueOrderId order_id;  // success_response.order_id (or top-level order_id)
  common::ClientOrderId cloid;    // success_response.client_order_id when it is our UUID form
  common::RejectReason reject = common::RejectReason::kNone;
  std::string_view reason;   // the most specific failure code; views valid until the next parse
  std::string_view message;  // error_response.message or the HTTP error body's message
};

struct CancelResult {
  bool success = false;
  common::VenueOrderId order_id;
  common::RejectReason reject = common::RejectReason::kNone;
  std::string_view reason;
};

enum class UserFrameKind : std::uint8_t {
  kOrders,  // order_updates() (+ fills()); user_snapshot() tells a snapshot batch
  kHeartbeats,
  kSubscriptions,
  kIgnored,     // other channels on the user connection (futures_balance_summary, ...)
  kVenueError,  // {"type":"error","message":...}: venue_error()
};

// Written only by the owning thread (single writer, relaxed stores), readable from any thread.
struct alignas(64) ExecCounters {
  std::atomic<std::uint64_t> parses{0};
  std::atomic<std::uint64_t> create_ok{0};
  std::atomic<std::uint64_t> create_rejected{0};
  std::atomic<std::uint64_t> cancel_results{0};
  std::atomic<std::uint64_t> order_updates{0};
  std::atomic<std::uint64_t> fills{0};             // synthesized from cumulative updates
  std::atomic<std::uint64_t> unknown_product{0};   // user updates dropped
  std::atomic<std::uint64_t> unknown_status{0};    // status strings not mapped
  std::atomic<std::uint64_t> untracked_orders{0};  // fill tracker full: no Fill synthesized
  std::atomic<std::uint64_t> inexact_decimals{0};  // values truncated to 1e-8
  std::atomic<std::uint64_t> sequence_gaps{0};     // user connection sequence_num jumps
  std::atomic<std::uint64_t> venue_errors{0};
  std::atomic<std::uint64_t> malformed{0};
  std::array<std::atomic<std::uint64_t>, kCodecErrorCount> by_error{};

  [[nodiscard]] std::uint64_t errors(CodecError e) const noexcept {
    return by_error[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
};

// Status of a user-channel (or REST) order -> OrderStatus. OPEN gives kNew, or kPartiallyFilled
// once something filled; CANCEL_QUEUED -> kPendingCancel; FAILED -> kRejected. Unknown strings:
// known = false (counted by the parser).
struct StatusMapping {
  common::OrderStatus status = common::OrderStatus::kNew;
  bool known = false;
};
[[nodiscard]] StatusMapping map_order_status(std::string_view status, bool any_filled) noexcept;

// Hot-path parser. Normalization of the `user` channel (one connection per user):
// * OrderUpdate: cloid from client_order_id (our UUID form; other strings leave it null), price =
//   limit_price ("" for market: 0), qty = cumulative_quantity + leaves_quantity, filled_qty =
//   cumulative_quantity, avg_price = avg_price (truncated to 1e-8), ts_venue = envelope
//   timestamp, venue_seq = sequence_num. On CANCELLED/EXPIRED/FAILED the venue zeroes leaves, so
//   qty then equals filled_qty; the OMS keeps the original quantity.
// * Fill: the channel reports cumulative state, not executions. A fixed-size tracker keyed by
//   order_id remembers cumulative quantity, filled_value and total_fees; an update that raises
//   them becomes one Fill with qty = delta, price = delta value / delta qty (rounded to nearest
//   1e-8), fee = delta fees, fill_id = hash(order_id, number_of_fills), liquidity maker for
//   post-only orders and taker otherwise (the channel has no maker/taker flag; REST fills do).
//   Snapshot batches seed the tracker and emit no Fill. Terminal orders leave the tracker.
// * sequence_num is checked per connection: a jump sets gap_detected() (reconcile over REST).
class ExecParser {
 public:
  static constexpr std::size_t kMaxUpdates = 512;  // orders in one user message (snapshot: 50)
  static constexpr std::size_t kMaxCancelResults = kMaxBatchCancel;
  static constexpr std::size_t kTrackerSlots = 4096;  // open orders tracked for fills
  static constexpr std::size_t kInitialCapacity = 1u << 16;
  static constexpr std::size_t kMaxFrameBytes = 16u << 20;

  explicit ExecParser(const common::InstrumentRegistry& registry);
  ExecParser(const ExecParser&) = delete;
  ExecParser& operator=(const ExecParser&) = delete;
  ~ExecParser();

  // POST /orders response body (HTTP 200 with success true/false, or an HTTP error body
  // {"error","message",...}). Needs SIMDJSON_PADDING readable bytes after the body.
  [[nodiscard]] common::Result<CreateOrderResult, CodecError> parse_create_order(
      simdjson::padded_string_view body) noexcept;
  [[nodiscard]] common::Result<CreateOrderResult, CodecError> parse_create_order_unpadded(
      std::string_view body) noexcept;

  // POST /orders/batch_cancel response {"results":[{success, failure_reason, order_id}]}.
  [[nodiscard]] common::Result<std::span<const CancelResult>, CodecError> parse_batch_cancel(
      simdjson::padded_string_view body) noexcept;
  [[nodiscard]] common::Result<std::span<const CancelResult>, CodecError>
  parse_batch_cancel_unpadded(std::string_view body) noexcept;

  // One frame of wss://advanced-trade-ws-user.coinbase.com.
  [[nodiscard]] common::Result<UserFrameKind, CodecError> parse_user(
      simdjson::padded_string_view frame, common::Nanos ts_recv) noexcept;
  [[nodiscard]] common::Result<UserFrameKind, CodecError> parse_user_unpadded(
      std::string_view frame, common::Nanos ts_recv) noexcept;
  // New user connection: forget the sequence (the tracker is kept).
  void reset_connection() noexcept { has_seq_ = false; }

  [[nodiscard]] std::span<const common::OrderUpdate> order_updates() const noexcept {
    return {updates_.get(), update_count_};
  }
  [[nodiscard]] std::span<const common::Fill> fills() const noexcept {
    return {fills_.get(), fill_count_};
  }
  [[nodiscard]] bool user_snapshot() const noexcept { return user_snapshot_; }
  [[nodiscard]] bool gap_detected() const noexcept { return gap_; }
  [[nodiscard]] std::string_view venue_error() const noexcept { return venue_error_; }
  [[nodiscard]] std::size_t tracked_orders() const noexcept { return tracked_; }
  [[nodiscard]] const ExecCounters& counters() const noexcept { return counters_; }

 private:
  struct Tracked {
    std::uint64_t key = 0;  // hash of the order id; 0 = empty slot
    common::Qty cum_qty;
    common::Money cum_value;
    common::Money cum_fees;
  };
  struct UserOrder;
  CodecError dispatch_user(simdjson::padded_string_view frame, common::Nanos ts_recv,
                           UserFrameKind& kind) noexcept;
  CodecError parse_user_events(simdjson::ondemand::array& events, common::Nanos ts_venue,
                               common::Nanos ts_recv, std::uint64_t seq) noexcept;
  CodecError parse_user_order(simdjson::ondemand::object& obj, UserOrder& o) noexcept;
  void emit(const UserOrder& o, bool snapshot, common::Nanos ts_venue, common::Nanos ts_recv,
            std::uint64_t seq) noexcept;
  Tracked* track(std::uint64_t key, bool create) noexcept;
  void untrack(Tracked* t) noexcept;
  const char* pad(std::string_view in, std::size_t& cap, CodecError& err) noexcept;
  void fail(CodecError e) noexcept;
  void clear_outputs() noexcept;

  const common::InstrumentRegistry& registry_;
  simdjson::ondemand::parser parser_;
  std::unique_ptr<common::OrderUpdate[]> updates_;
  std::size_t update_count_ = 0;
  std::unique_ptr<common::Fill[]> fills_;
  std::size_t fill_count_ = 0;
  std::array<CancelResult, kMaxCancelResults> cancels_{};
  std::size_t cancel_count_ = 0;
  std::unique_ptr<Tracked[]> tracker_;
  std::size_t tracked_ = 0;
  bool user_snapshot_ = false;
  bool gap_ = false;
  bool has_seq_ = false;
  std::uint64_t next_seq_ = 0;
  std::string_view venue_error_;
  std::unique_ptr<char[]> copy_buf_;
  std::size_t copy_cap_ = 0;
  std::unique_ptr<UserOrder[]> staged_;  // orders of one user frame, parsed before emitting
  ExecCounters counters_;
};

}  // namespace peregrine::gateways::coinbase
