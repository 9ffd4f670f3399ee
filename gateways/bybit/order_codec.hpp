// Bybit v5 order codec: REST request bodies/query strings (builders, any thread), REST responses
// and private-WebSocket frames (ExecParser, owned by ONE thread: the Bybit order gateway agent).
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
#include "gateways/bybit/symbols.hpp"

namespace peregrine::gateways::bybit {

// ================================ requests ====================================================
// Each builder writes the exact bytes to send (and sign) into a caller buffer, keys in the order
// of the official parameter table, and returns the length. Numbers that Bybit types as string
// (qty, price, ...) are quoted; integers (positionIdx, triggerDirection, timeWindow) and booleans
// are bare. Optional fields are omitted unless set. Strings are validated instead of escaped.

namespace path {
inline constexpr std::string_view kCreateOrder = "/v5/order/create";              // POST
inline constexpr std::string_view kAmendOrder = "/v5/order/amend";                // POST
inline constexpr std::string_view kCancelOrder = "/v5/order/cancel";              // POST
inline constexpr std::string_view kCancelAll = "/v5/order/cancel-all";            // POST
inline constexpr std::string_view kOpenOrders = "/v5/order/realtime";             // GET
inline constexpr std::string_view kPositions = "/v5/position/list";               // GET
inline constexpr std::string_view kWalletBalance = "/v5/account/wallet-balance";  // GET
inline constexpr std::string_view kSetLeverage = "/v5/position/set-leverage";     // POST
inline constexpr std::string_view kDisconnectCancelAll = "/v5/order/disconnected-cancel-all";
}  // namespace path

enum class Category : std::uint8_t { kLinear, kSpot, kInverse };
[[nodiscard]] std::string_view to_string(Category c) noexcept;

enum class BuildError : std::uint8_t {
  kOk = 0,
  kOverflow,        // the output buffer is too small
  kBadSymbol,       // empty, > 32 chars, or not [A-Z0-9_-]
  kBadCoin,         // baseCoin/settleCoin/coin list not [A-Z0-9] (',' between coins)
  kBadPrice,        // price/trigger/TP/SL not positive where required
  kBadQty,          // qty not positive
  kMissingPrice,    // Limit / StopLimit / TakeProfitLimit without a price
  kMissingTrigger,  // a conditional order type without a trigger price
  kBadCombination,  // Market + PostOnly, reduceOnly + TP/SL, an amend that changes nothing ...
  kMissingId,       // cancel/amend without orderId and orderLinkId; cancel-all without a filter
  kBadCursor,       // not URL-safe ([A-Za-z0-9%._~-]) or longer than 256
  kBadValue,        // positionIdx > 2, limit out of range, timeWindow outside 3..300, leverage
  kUnsupported,     // trailing stop (Bybit sets it on the position, not on an order)
};
[[nodiscard]] std::string_view to_string(BuildError e) noexcept;

enum class TriggerBy : std::uint8_t { kDefault, kLastPrice, kIndexPrice, kMarkPrice };
// kAuto: stops trigger in the adverse direction (buy stop on a rise, sell stop on a fall),
// take-profits in the favourable one.
enum class TriggerDirection : std::uint8_t { kAuto = 0, kRise = 1, kFall = 2 };

// POST /v5/order/create. orderLinkId = cloid.write_binance() ("pg" + 32 hex = 34 chars <= 36).
struct NewOrder {
  std::string_view symbol;
  Category category = Category::kLinear;
  common::ClientOrderId cloid;  // null: no orderLinkId
  common::Side side = common::Side::kBuy;
  // kLimit/kMarket; kStopMarket/kStopLimit/kTakeProfitMarket/kTakeProfitLimit are conditional
  // orders (triggerPrice set). kTrailingStopMarket -> kUnsupported.
  common::OrderType type = common::OrderType::kLimit;
  common::TimeInForce tif = common::TimeInForce::kGtc;  // ignored for market types (always IOC)
  common::Qty qty;
  common::Price price;          // limit types
  common::Price trigger_price;  // conditional types
  TriggerDirection trigger_direction = TriggerDirection::kAuto;
  TriggerBy trigger_by = TriggerBy::kDefault;
  common::Price take_profit;  // zero: none
  common::Price stop_loss;    // zero: none
  TriggerBy tp_trigger_by = TriggerBy::kDefault;
  TriggerBy sl_trigger_by = TriggerBy::kDefault;
  std::uint8_t position_idx = 0;  // 0 one-way, 1 hedge buy side, 2 hedge sell side (not spot)
  bool reduce_only = false;
  bool close_on_trigger = false;
};

// 0 one-way (kBoth), 1 hedge long, 2 hedge short.
[[nodiscard]] constexpr std::uint8_t position_idx_for(common::PositionSide ps) noexcept {
  return ps == common::PositionSide::kLong ? 1 : ps == common::PositionSide::kShort ? 2 : 0;
}

// An engine intent (action kNew) as a linear NewOrder on `symbol`; intent.trigger_price is used
// for the conditional types, kReduceOnly maps to reduceOnly, kClosePosition to closeOnTrigger.
[[nodiscard]] NewOrder new_order_from_intent(const common::OrderIntent& intent,
                                             std::string_view symbol) noexcept;

// Identifies an existing order: orderId wins on the venue when both are given.
struct OrderRef {
  std::string_view symbol;
  Category category = Category::kLinear;
  common::VenueOrderId order_id;  // null: omitted
  common::ClientOrderId cloid;    // null: omitted
};

// POST /v5/order/amend. Zero qty/price/trigger = unchanged. TP/SL are sent when has_tp/has_sl,
// and "0" cancels an attached TP/SL.
struct AmendOrder {
  OrderRef ref;
  common::Price trigger_price;
  common::Qty qty;
  common::Price price;
  common::Price take_profit;
  common::Price stop_loss;
  bool has_take_profit = false;
  bool has_stop_loss = false;
};

enum class OrderFilter : std::uint8_t { kAll, kOrder, kStopOrder };

// POST /v5/order/cancel-all. Linear needs one of symbol / base_coin / settle_coin (the venue
// takes them in that priority; only the first non-empty one is sent).
struct CancelAll {
  Category category = Category::kLinear;
  std::string_view symbol;
  std::string_view base_coin;
  std::string_view settle_coin;
  OrderFilter filter = OrderFilter::kAll;  // kAll: omitted (every kind is cancelled)
};

// GET /v5/order/realtime. Linear needs symbol, base_coin or settle_coin (or an order id).
struct OpenOrdersQuery {
  Category category = Category::kLinear;
  std::string_view symbol;
  std::string_view base_coin;
  std::string_view settle_coin;
  common::VenueOrderId order_id;
  common::ClientOrderId cloid;
  bool closed_too = false;  // openOnly=1: also the last 500 closed orders
  OrderFilter filter = OrderFilter::kAll;
  std::uint32_t limit = 0;  // 1..50; 0 = venue default (20)
  std::string_view cursor;  // nextPageCursor as received (already URL-encoded)
};

// GET /v5/position/list. Linear needs symbol or settle_coin.
struct PositionsQuery {
  Category category = Category::kLinear;
  std::string_view symbol;
  std::string_view settle_coin;
  std::uint32_t limit = 0;  // 1..200; 0 = venue default (20)
  std::string_view cursor;
};

enum class DcpProduct : std::uint8_t { kOptions, kDerivatives, kSpot };

using BuildResult = common::Result<std::size_t, BuildError>;

[[nodiscard]] BuildResult write_create_order(const NewOrder& o, char* out,
                                             std::size_t cap) noexcept;
[[nodiscard]] BuildResult write_amend_order(const AmendOrder& a, char* out,
                                            std::size_t cap) noexcept;
[[nodiscard]] BuildResult write_cancel_order(const OrderRef& r, char* out,
                                             std::size_t cap) noexcept;
[[nodiscard]] BuildResult write_cancel_all(const CancelAll& c, char* out, std::size_t cap) noexcept;
// Query strings (no leading '?'): sign exactly these bytes and append them after '?'.
[[nodiscard]] BuildResult write_open_orders_query(const OpenOrdersQuery& q, char* out,
                                                  std::size_t cap) noexcept;
[[nodiscard]] BuildResult write_positions_query(const PositionsQuery& q, char* out,
                                                std::size_t cap) noexcept;
// accountType=UNIFIED[&coin=USDT,USDC].
[[nodiscard]] BuildResult write_wallet_balance_query(std::string_view coins, char* out,
                                                     std::size_t cap) noexcept;
// {"category":"linear","symbol":..,"buyLeverage":"10","sellLeverage":"10"}; leverage in (0, 200].
[[nodiscard]] BuildResult write_set_leverage(std::string_view symbol, common::Rate buy_leverage,
                                             common::Rate sell_leverage, char* out,
                                             std::size_t cap) noexcept;
// {"product":"DERIVATIVES","timeWindow":10}; window 3..300 s. Institutional accounts only, and
// the private WS must subscribe the "dcp" topic for it to fire.
[[nodiscard]] BuildResult write_disconnect_cancel_all(DcpProduct product,
                                                      std::uint32_t time_window_s, char* out,
                                                      std::size_t cap) noexcept;

// Renders a venue order id the way Bybit sent it: lowercase UUID or decimal. out >= 36 bytes.
std::size_t write_venue_order_id(const common::VenueOrderId& id, char* out) noexcept;

// ================================ reject reasons ==============================================

// retCode (+ retMsg for codes that cover several causes) -> reason; 0 -> kNone. Unlisted codes
// -> kOther. The caller keeps retMsg for the text.
[[nodiscard]] common::RejectReason reject_reason_from_code(std::int64_t ret_code,
                                                           std::string_view ret_msg) noexcept;
// HTTP status when the body is not a Bybit envelope: 403 (IP limit) and 429 -> kRateLimited,
// 401 -> kBadSignature, 5xx -> kUnknownOutcome, 2xx -> kNone, else kOther.
[[nodiscard]] common::RejectReason reject_reason_from_http(int status) noexcept;
// Order-stream rejectReason ("EC_PostOnlyWillTakeLiquidity", ...) -> reason.
[[nodiscard]] common::RejectReason reject_reason_from_ec(std::string_view reject_reason) noexcept;

// ================================ responses and private WS ====================================

enum class ExecError : std::uint8_t {
  kOk = 0,
  kEmpty,
  kNotJson,
  kNoPadding,
  kTooLarge,
  kBadJson,
  kWrongType,
  kMissingField,
  kBadDecimal,
  kBadValue,
  kUnknownTopic,
  kCapacity,
};
inline constexpr std::size_t kExecErrorCount = static_cast<std::size_t>(ExecError::kCapacity) + 1;
[[nodiscard]] std::string_view to_string(ExecError e) noexcept;

// Which endpoint a REST body answers: decides how `result` is read.
enum class RestEndpoint : std::uint8_t {
  kCreateOrder,
  kAmendOrder,
  kCancelOrder,
  kCancelAll,
  kOpenOrders,
  kPositions,
  kWalletBalance,
  kSetLeverage,
  kDisconnectCancelAll,
};

// {orderId, orderLinkId}: create/amend/cancel acks and cancel-all entries.
struct OrderAck {
  common::VenueOrderId order_id;
  common::ClientOrderId cloid;  // valid when has_cloid (orderLinkId in our "pg" + hex form)
  std::string_view order_link_id;
  bool has_cloid = false;
};

// Extra order fields beside each OrderUpdate (same index).
struct OrderDetail {
  std::string_view symbol;
  std::string_view order_link_id;
  std::string_view order_status;   // as sent ("New", "PartiallyFilledCanceled", ...)
  std::string_view reject_reason;  // "EC_NoError", ...
  std::string_view cancel_type;    // "UNKNOWN", "CancelByUser", ...
  common::Price trigger_price;
  common::Qty leaves_qty;
  common::OrderType type = common::OrderType::kLimit;  // conditional types when triggerPrice set
  common::TimeInForce tif = common::TimeInForce::kGtc;
  std::uint8_t position_idx = 0;
  bool reduce_only = false;
  bool close_on_trigger = false;
  bool has_cloid = false;
};

enum class ExecType : std::uint8_t {
  kTrade,
  kAdlTrade,
  kBustTrade,
  kBlockTrade,
  kMovePosition,
  kDelivery,
  kSettle,
  kOther,
};

struct FillDetail {
  std::string_view symbol;
  std::string_view exec_id;
  std::string_view order_link_id;
  ExecType exec_type = ExecType::kTrade;
  bool fast = false;  // execution.fast: no fee, maker fills have no orderLinkId
  bool has_cloid = false;
};

enum class PositionStatus : std::uint8_t { kNormal, kLiq, kAdl, kOther };

// position topic and /v5/position/list entries. Empty strings on the wire read as zero.
struct PositionInfo {
  common::InstrumentId instrument;  // invalid when the symbol is not in the table
  std::string_view symbol;
  common::Qty size;           // signed: > 0 long (side Buy), < 0 short (side Sell)
  common::Price entry_price;  // entryPrice (WS) / avgPrice (REST)
  common::Price mark_price;
  common::Price liq_price;
  common::Money position_value;
  common::Money unrealised_pnl;
  common::Money cur_realised_pnl;
  common::Money cum_realised_pnl;
  common::Money position_im;
  common::Money position_mm;
  common::Rate leverage;
  std::int64_t seq = 0;        // cross sequence shared with executions; -1 if never traded
  common::Nanos ts_venue = 0;  // updatedTime
  std::uint8_t position_idx = 0;
  PositionStatus status = PositionStatus::kNormal;
};

// wallet topic and /v5/account/wallet-balance: one account, coins [first_coin, +coin_count).
struct WalletAccount {
  std::string_view account_type;
  common::Money total_equity;
  common::Money total_wallet_balance;
  common::Money total_margin_balance;
  common::Money total_available_balance;
  common::Money total_perp_upl;
  common::Money total_initial_margin;
  common::Money total_maintenance_margin;
  common::Rate account_im_rate;
  common::Rate account_mm_rate;
  std::size_t first_coin = 0;
  std::size_t coin_count = 0;
};

struct WalletCoin {
  std::string_view coin;
  common::Money equity;
  common::Money wallet_balance;
  common::Money usd_value;
  common::Money unrealised_pnl;
  common::Money cum_realised_pnl;
  common::Money total_order_im;
  common::Money total_position_im;
  common::Money total_position_mm;
  common::Money locked;
  common::Money borrow_amount;
};

// The envelope {"retCode","retMsg","result","retExtInfo","time"} (REST) or, on the /v5/trade WS,
// {"reqId","retCode","retMsg","op","data",...}. HTTP 200 with retCode != 0 is a reject.
struct RestResponse {
  std::int64_t ret_code = 0;
  std::string_view ret_msg;  // valid until the next parse call
  common::RejectReason reject = common::RejectReason::kNone;
  common::Nanos ts_venue = 0;       // "time", 0 when absent
  OrderAck ack;                     // create / amend / cancel
  bool cancel_all_success = false;  // cancel-all "success":"1"
  std::string_view next_cursor;     // open orders / positions paging ("" at the end)
  std::string_view req_id;          // /v5/trade WS
  std::string_view op;              // /v5/trade WS
  [[nodiscard]] bool ok() const noexcept { return ret_code == 0; }
};

enum class ExecFrameKind : std::uint8_t {
  kOrders,     // order topics: order_updates() + order_details()
  kFills,      // execution / execution.fast: fills() + fill_details()
  kPositions,  // positions()
  kWallet,     // wallets() + coins()
  kAuth,       // {"op":"auth",...}: control_success(), control_message()
  kSubscription,
  kPong,
  kTradeResponse,  // /v5/trade WS reply: rest() (ack or reject)
  kOther,          // dcp, greeks, ...: recognised, not normalized
};

// Written only by the owning thread (single writer, relaxed stores), readable from any thread.
struct alignas(64) ExecCounters {
  std::atomic<std::uint64_t> frames{0};  // every parse_* call
  std::atomic<std::uint64_t> order_updates{0};
  std::atomic<std::uint64_t> fills{0};
  std::atomic<std::uint64_t> non_trade_execs{0};  // Funding executions skipped
  std::atomic<std::uint64_t> unknown_symbol{0};   // updates/fills dropped
  std::atomic<std::uint64_t> unknown_status{0};   // orderStatus strings not mapped
  std::atomic<std::uint64_t> rejects{0};          // responses with retCode != 0
  std::atomic<std::uint64_t> malformed{0};
  std::array<std::atomic<std::uint64_t>, kExecErrorCount> by_error{};

  [[nodiscard]] std::uint64_t errors(ExecError e) const noexcept {
    return by_error[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
};

// Normalization:
// * OrderUpdate: price, qty, filled_qty = cumExecQty, avg_price (0 when ""), status from
//   orderStatus (New/Untriggered/Triggered -> kNew, PartiallyFilled, Filled, Cancelled/
//   PartiallyFilledCanceled/Deactivated -> kCancelled, Rejected), reject from rejectReason
//   (cancelType CancelByReduceOnly -> kReduceOnlyWouldIncrease). A reject on a non-rejected
//   status reports a failed cancel (e.g. the second "Filled" when a cancel raced a fill).
//   ts_venue = venue_seq source = updatedTime ms.
// * Fill: fill_id = execId (hashed), fee = execFee (settle coin; negative = rebate; 0 on
//   execution.fast), venue_seq = seq, ts_venue = execTime. Funding executions are skipped.
// * WS updates/fills for symbols not in the table are dropped and counted; REST lists keep them
//   with an invalid instrument (reconciliation wants to see every order).
// Why it is fast: one simdjson On-Demand pass with key dispatch, exact decimals from the input
// bytes, outputs in buffers sized at construction; nothing allocates per frame.
class ExecParser {
 public:
  static constexpr std::size_t kMaxOrders = 512;
  static constexpr std::size_t kMaxFills = 1024;
  static constexpr std::size_t kMaxPositions = 512;
  static constexpr std::size_t kMaxWallets = 8;
  static constexpr std::size_t kMaxCoins = 256;
  static constexpr std::size_t kInitialCapacity = 1u << 18;
  static constexpr std::size_t kMaxFrameBytes = 16u << 20;

  explicit ExecParser(const SymbolTable& symbols);
  ExecParser(const ExecParser&) = delete;
  ExecParser& operator=(const ExecParser&) = delete;
  ~ExecParser();

  // REST body of `endpoint`. Needs SIMDJSON_PADDING readable bytes after the body.
  [[nodiscard]] common::Result<RestResponse, ExecError> parse_rest(
      RestEndpoint endpoint, simdjson::padded_string_view body, common::Nanos ts_recv) noexcept;
  [[nodiscard]] common::Result<RestResponse, ExecError> parse_rest_unpadded(
      RestEndpoint endpoint, std::string_view body, common::Nanos ts_recv) noexcept;

  // One frame of the private (or /v5/trade) WebSocket.
  [[nodiscard]] common::Result<ExecFrameKind, ExecError> parse_ws(
      simdjson::padded_string_view frame, common::Nanos ts_recv) noexcept;
  [[nodiscard]] common::Result<ExecFrameKind, ExecError> parse_ws_unpadded(
      std::string_view frame, common::Nanos ts_recv) noexcept;

  // Outputs of the last successful parse; valid until the next parse call.
  [[nodiscard]] std::span<const common::OrderUpdate> order_updates() const noexcept {
    return {updates_.get(), order_count_};
  }
  [[nodiscard]] std::span<const OrderDetail> order_details() const noexcept {
    return {order_details_.get(), order_count_};
  }
  [[nodiscard]] std::span<const common::Fill> fills() const noexcept {
    return {fills_.get(), fill_count_};
  }
  [[nodiscard]] std::span<const FillDetail> fill_details() const noexcept {
    return {fill_details_.get(), fill_count_};
  }
  [[nodiscard]] std::span<const PositionInfo> positions() const noexcept {
    return {positions_.get(), position_count_};
  }
  [[nodiscard]] std::span<const WalletAccount> wallets() const noexcept {
    return {wallets_.get(), wallet_count_};
  }
  [[nodiscard]] std::span<const WalletCoin> coins() const noexcept {
    return {coins_.get(), coin_count_};
  }
  [[nodiscard]] std::span<const OrderAck> acks() const noexcept {
    return {acks_.get(), ack_count_};
  }
  [[nodiscard]] const RestResponse& rest() const noexcept { return rest_; }
  [[nodiscard]] bool control_success() const noexcept { return control_success_; }
  [[nodiscard]] std::string_view control_message() const noexcept { return control_message_; }
  [[nodiscard]] const ExecCounters& counters() const noexcept { return counters_; }

 private:
  // order_parser.cpp
  ExecError dispatch_rest(RestEndpoint endpoint, simdjson::padded_string_view body,
                          common::Nanos ts_recv) noexcept;
  ExecError dispatch_ws(simdjson::padded_string_view frame, common::Nanos ts_recv,
                        ExecFrameKind& kind) noexcept;
  ExecError parse_result(RestEndpoint endpoint, simdjson::ondemand::value& result,
                         common::Nanos ts_recv) noexcept;
  ExecError parse_orders(simdjson::ondemand::value& list, common::Nanos ts_recv,
                         bool drop_unknown) noexcept;
  ExecError parse_fills(simdjson::ondemand::value& list, common::Nanos ts_recv, bool fast) noexcept;
  ExecError parse_positions(simdjson::ondemand::value& list, bool drop_unknown) noexcept;
  ExecError parse_wallets(simdjson::ondemand::value& list) noexcept;
  ExecError parse_ack_list(simdjson::ondemand::value& list) noexcept;
  const char* pad(std::string_view in, std::size_t& cap, ExecError& err) noexcept;
  void clear_outputs() noexcept;
  void count_error(ExecError e) noexcept;
  common::InstrumentId lookup(std::string_view symbol) const noexcept;

  SymbolTable symbols_;
  simdjson::ondemand::parser parser_;
  std::unique_ptr<common::OrderUpdate[]> updates_;
  std::unique_ptr<OrderDetail[]> order_details_;
  std::size_t order_count_ = 0;
  std::unique_ptr<common::Fill[]> fills_;
  std::unique_ptr<FillDetail[]> fill_details_;
  std::size_t fill_count_ = 0;
  std::unique_ptr<PositionInfo[]> positions_;
  std::size_t position_count_ = 0;
  std::unique_ptr<WalletAccount[]> wallets_;
  std::size_t wallet_count_ = 0;
  std::unique_ptr<WalletCoin[]> coins_;
  std::size_t coin_count_ = 0;
  std::unique_ptr<OrderAck[]> acks_;
  std::size_t ack_count_ = 0;
  RestResponse rest_;
  bool control_success_ = false;
  std::string_view control_message_;
  std::unique_ptr<char[]> copy_buf_;
  std::size_t copy_cap_ = 0;
  ExecCounters counters_;
};

}  // namespace peregrine::gateways::bybit
