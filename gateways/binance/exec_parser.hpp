// Binance USD-M execution codec: REST responses and errors (incl. the 503 unknown outcome) and the
// user data stream. Owned and called by ONE thread (the Binance order gateway agent).
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
#include "common/result.hpp"
#include "gateways/binance/symbols.hpp"

namespace peregrine::gateways::binance {

enum class ExecError : std::uint8_t {
  kOk = 0,
  kEmpty,         // zero-length or whitespace-only 2xx body / frame
  kNoPadding,     // buffer lacks simdjson::SIMDJSON_PADDING bytes after the input
  kTooLarge,      // input above kMaxFrameBytes
  kBadJson,       // syntax error, truncated document, unexpected JSON root
  kWrongType,     // a field has the wrong JSON type
  kMissingField,  // a required field is absent
  kBadDecimal,    // a decimal string common::Price/Qty::parse rejects
  kBadValue,      // unknown side, negative quantity, time out of range...
  kCapacity,      // more entries than the fixed output buffers hold
};
inline constexpr std::size_t kExecErrorCount = static_cast<std::size_t>(ExecError::kCapacity) + 1;
[[nodiscard]] std::string_view to_string(ExecError e) noexcept;

// A failed call, whatever shape the failure came in.
struct ApiError {
  int http_status = 0;
  std::int32_t code = 0;  // Binance error code (negative); 0 when the body carried none
  common::RejectReason reason = common::RejectReason::kNone;
  // A definite failure (nothing happened at the venue) that may be resent after backing off:
  // rate limits, -1021 timestamp, 503 "Service Unavailable". Never true for kUnknownOutcome.
  bool retryable = false;
  std::string_view msg;  // venue text; valid until the next parse call
};

// Binance error code -> reason (README.md has the table). `msg` refines -2010 and -1013.
[[nodiscard]] common::RejectReason reject_reason_from_code(std::int32_t code,
                                                           std::string_view msg = {}) noexcept;
// HTTP status + optional {code,msg} -> ApiError. HTTP 503 "Unknown error, please check your request
// or try again later." (and 408, other 5xx, -1000/-1001/-1006/-1007) => kUnknownOutcome: the
// order may exist; query it (or wait for the user stream) before any resend.
[[nodiscard]] ApiError classify_error(int http_status, bool has_code, std::int32_t code,
                                      std::string_view msg) noexcept;

// Order status word -> OrderStatus (+ a reject reason for expiries that are really rejects:
// EXPIRED GTX with nothing filled = post-only would cross, EXPIRED FOK = no liquidity).
struct StatusMapping {
  common::OrderStatus status = common::OrderStatus::kCancelled;
  common::RejectReason reject = common::RejectReason::kUnknownOutcome;
  bool known = false;  // false: unknown word, terminal + kUnknownOutcome (query the order)
};
[[nodiscard]] StatusMapping map_order_status(std::string_view status, std::string_view tif,
                                             common::Qty filled) noexcept;

// ---- REST results ------------------------------------------------------------------------------

// Outcome of one REST call: ok, or error() tells why. Data of an ok call is in the accessor of
// the parse function used (order(), orders(), ...).
struct RestResult {
  bool ok = false;
  ApiError error;
};

enum class AlgoStatus : std::uint8_t {
  kNew,
  kCanceled,
  kTriggering,
  kTriggered,
  kFinished,
  kRejected,
  kExpired,
  kUnknown,
};
[[nodiscard]] AlgoStatus parse_algo_status(std::string_view s) noexcept;

// A conditional order, from the POST/GET algoOrder response or the ALGO_UPDATE event.
struct AlgoOrderInfo {
  common::Nanos ts_venue = 0;            // updateTime / event T
  common::ClientOrderId client_algo_id;  // null when the id is not ours
  std::string_view client_algo_id_text;
  std::uint64_t algo_id = 0;
  std::uint64_t order_id = 0;  // ai: matching-engine order id once triggered (0 before)
  std::string_view symbol;
  common::InstrumentId instrument;
  common::OrderType type = common::OrderType::kStopMarket;
  common::Side side = common::Side::kBuy;
  common::PositionSide position_side = common::PositionSide::kBoth;
  common::Qty qty;
  common::Price price;
  common::Price trigger_price;
  common::Price avg_price;   // ap, after trigger
  common::Qty executed_qty;  // aq, after trigger
  AlgoStatus status = AlgoStatus::kUnknown;
  bool reduce_only = false;
  bool close_position = false;
  std::string_view reason;  // rm: failure text, e.g. "Reduce Only reject"
};

enum class MarginType : std::uint8_t { kCross, kIsolated };

struct PositionInfo {  // GET /fapi/v2/positionRisk item, ACCOUNT_UPDATE a.P item
  std::string_view symbol;
  common::InstrumentId instrument;
  common::Qty amount;  // signed: negative = short
  common::Price entry_price;
  common::Price breakeven_price;
  common::Price mark_price;         // REST only
  common::Price liquidation_price;  // REST only
  common::Money unrealized_pnl;
  common::Money realized_pnl;     // ACCOUNT_UPDATE cr (accumulated, pre-fee)
  common::Money isolated_wallet;  // REST isolatedWallet / event iw
  common::Money notional;         // REST only
  std::uint32_t leverage = 0;     // REST only
  MarginType margin_type = MarginType::kCross;
  common::PositionSide position_side = common::PositionSide::kBoth;
  common::Nanos ts_venue = 0;  // updateTime (REST)
};

struct BalanceInfo {  // GET /fapi/v2/balance item, v3 account assets[], ACCOUNT_UPDATE a.B item
  std::string_view asset;
  common::Money wallet;        // balance / walletBalance / wb
  common::Money cross_wallet;  // crossWalletBalance / cw
  common::Money available;     // availableBalance (REST)
  common::Money unrealized;    // crossUnPnl / unrealizedProfit (REST)
  common::Money change;        // bc: balance change except PnL and commission (event)
  common::Nanos ts_venue = 0;  // updateTime (REST)
};

struct AccountTotals {  // GET /fapi/v3/account
  common::Money total_wallet;
  common::Money total_unrealized;
  common::Money total_margin_balance;
  common::Money available;
  common::Money max_withdraw;
};

struct LeverageInfo {  // POST /fapi/v1/leverage
  std::string_view symbol;
  std::uint32_t leverage = 0;
  common::Money max_notional;
};

// ---- user data stream -------------------------------------------------------------------------

enum class UserEventKind : std::uint8_t {
  kOrderTradeUpdate,  // order_event()
  kAccountUpdate,     // account_event(), balances(), positions()
  kAlgoUpdate,        // algo()
  kListenKeyExpired,  // reconnect with a new listenKey
  kOther,             // TRADE_LITE, MARGIN_CALL, ACCOUNT_CONFIG_UPDATE, ...: counted
};

enum class ExecType : std::uint8_t {
  kNew,
  kCanceled,
  kCalculated,  // liquidation
  kExpired,
  kTrade,
  kAmendment,
  kOther,
};

struct OrderEvent {  // ORDER_TRADE_UPDATE
  common::OrderUpdate update;
  bool has_fill = false;  // x = TRADE (or CALCULATED, a liquidation fill) with l > 0
  common::Fill fill;
  ExecType exec_type = ExecType::kOther;
  std::string_view client_id;  // `c` as sent (autoclose-..., adl_autoclose, or ours)
  std::string_view fee_asset;  // N (the fee is in this asset, not always the quote)
  common::Money realized_pnl;  // rp
  common::Nanos ts_event = 0;  // E
};

struct AccountEvent {          // ACCOUNT_UPDATE
  common::Nanos ts_venue = 0;  // T
  common::Nanos ts_event = 0;  // E
  std::string_view reason;     // a.m: ORDER, FUNDING_FEE, DEPOSIT, ...
};

struct alignas(64) ExecCounters {
  std::atomic<std::uint64_t> frames{0};  // every parse call
  std::atomic<std::uint64_t> api_errors{0};
  std::atomic<std::uint64_t> unknown_outcomes{0};
  std::atomic<std::uint64_t> order_updates{0};
  std::atomic<std::uint64_t> fills{0};
  std::atomic<std::uint64_t> account_updates{0};
  std::atomic<std::uint64_t> algo_updates{0};
  std::atomic<std::uint64_t> other_events{0};
  std::atomic<std::uint64_t> foreign_client_ids{0};  // ids not ours (liquidation, manual, ...)
  std::atomic<std::uint64_t> unknown_status{0};
  std::atomic<std::uint64_t> malformed{0};
  std::array<std::atomic<std::uint64_t>, kExecErrorCount> by_error{};

  [[nodiscard]] std::uint64_t errors(ExecError e) const noexcept {
    return by_error[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
};

// Why it is fast: one On-Demand pass with key dispatch, exact decimals from the input bytes, and
// outputs in buffers sized at construction (no allocation per message).
// Normalization: OrderUpdate.cloid = clientOrderId when it is ours ("pg" + 32 hex), else null
// (counted; the raw text is in OrderEvent.client_id); price = price, qty = origQty,
// filled_qty = executedQty / z, avg_price = avgPrice / ap, ts_venue = updateTime / T,
// venue_seq = the same ms. Decimals of orders and fills are exact; valuation fields (PnL,
// breakeven, balances) keep 8 decimals and truncate the rest (they can carry more).
// Views are valid until the next parse call; a failed parse leaves all outputs empty.
class ExecParser {
 public:
  static constexpr std::size_t kMaxOrders = 1024;
  static constexpr std::size_t kMaxPositions = 1024;
  static constexpr std::size_t kMaxBalances = 256;
  static constexpr std::size_t kInitialCapacity = 1u << 18;
  static constexpr std::size_t kMaxFrameBytes = 16u << 20;

  // `symbols` must outlive the parser and not change while it is in use.
  explicit ExecParser(const SymbolTable& symbols);
  ExecParser(const ExecParser&) = delete;
  ExecParser& operator=(const ExecParser&) = delete;
  ~ExecParser();

  using Parsed = common::Result<RestResult, ExecError>;

  // REST bodies with their HTTP status. A non-2xx status always yields ok = false with error()
  // filled in (from the body when it is a {code,msg} object, else from the status) and is never
  // an ExecError. `request_cloid` is echoed into the rejected OrderUpdate of a failed order.
  // POST/DELETE/GET /fapi/v1/order -> order(): a rejected/unknown-outcome update on error.
  [[nodiscard]] Parsed parse_order(int http_status, std::string_view body,
                                   common::ClientOrderId request_cloid = {}) noexcept;
  // GET /fapi/v1/openOrders -> orders().
  [[nodiscard]] Parsed parse_open_orders(int http_status, std::string_view body) noexcept;
  // POST/GET/DELETE /fapi/v1/algoOrder -> algo() (DELETE fills only ids).
  [[nodiscard]] Parsed parse_algo_order(int http_status, std::string_view body) noexcept;
  // GET /fapi/v1/openAlgoOrders -> algos().
  [[nodiscard]] Parsed parse_open_algo_orders(int http_status, std::string_view body) noexcept;
  // DELETE allOpenOrders / algoOpenOrders {"code":200,"msg":..}, countdownCancelAll,
  // listenKey PUT/DELETE {}: anything 2xx without an error code is ok.
  [[nodiscard]] Parsed parse_ack(int http_status, std::string_view body) noexcept;
  // POST /fapi/v1/listenKey -> listen_key().
  [[nodiscard]] Parsed parse_listen_key(int http_status, std::string_view body) noexcept;
  // GET /fapi/v2/positionRisk -> positions().
  [[nodiscard]] Parsed parse_position_risk(int http_status, std::string_view body) noexcept;
  // GET /fapi/v2/balance -> balances().
  [[nodiscard]] Parsed parse_balance(int http_status, std::string_view body) noexcept;
  // GET /fapi/v3/account -> account_totals(), balances() (assets[]).
  [[nodiscard]] Parsed parse_account(int http_status, std::string_view body) noexcept;
  // POST /fapi/v1/leverage -> leverage().
  [[nodiscard]] Parsed parse_leverage(int http_status, std::string_view body) noexcept;

  // One user-data-stream frame (raw or {"stream":..,"data":..}).
  [[nodiscard]] common::Result<UserEventKind, ExecError> parse_user(std::string_view frame,
                                                                    common::Nanos ts_recv) noexcept;

  [[nodiscard]] const common::OrderUpdate& order() const noexcept { return order_; }
  [[nodiscard]] std::span<const common::OrderUpdate> orders() const noexcept {
    return {orders_.get(), order_count_};
  }
  [[nodiscard]] const AlgoOrderInfo& algo() const noexcept { return algo_; }
  [[nodiscard]] std::span<const AlgoOrderInfo> algos() const noexcept {
    return {algos_.get(), algo_count_};
  }
  [[nodiscard]] std::span<const PositionInfo> positions() const noexcept {
    return {positions_.get(), position_count_};
  }
  [[nodiscard]] std::span<const BalanceInfo> balances() const noexcept {
    return {balances_.get(), balance_count_};
  }
  [[nodiscard]] const AccountTotals& account_totals() const noexcept { return totals_; }
  [[nodiscard]] const LeverageInfo& leverage() const noexcept { return leverage_; }
  [[nodiscard]] std::string_view listen_key() const noexcept { return listen_key_; }
  [[nodiscard]] const OrderEvent& order_event() const noexcept { return order_event_; }
  [[nodiscard]] const AccountEvent& account_event() const noexcept { return account_event_; }
  [[nodiscard]] const ExecCounters& counters() const noexcept { return counters_; }

 private:
  enum class Shape : std::uint8_t { kObject, kArray };
  using ObjectFn = ExecError (ExecParser::*)(simdjson::ondemand::object&);
  Parsed run(int http_status, std::string_view body, Shape shape, ObjectFn fn,
             common::ClientOrderId request_cloid, bool is_order) noexcept;
  ExecError walk(simdjson::ondemand::document& doc, Shape shape, ObjectFn fn, bool& have_error,
                 std::int64_t& code, std::string_view& msg) noexcept;
  // Takes "code"/"msg" (an error body) into have_code_/code_/msg_; taken = it was one of them.
  ExecError status_field(simdjson::ondemand::field& f, bool& taken) noexcept;
  ExecError on_order_object(simdjson::ondemand::object& o) noexcept;
  ExecError on_order_item(simdjson::ondemand::object& o) noexcept;
  ExecError on_algo_object(simdjson::ondemand::object& o) noexcept;
  ExecError on_algo_item(simdjson::ondemand::object& o) noexcept;
  ExecError on_ack_object(simdjson::ondemand::object& o) noexcept;
  ExecError on_listen_key_object(simdjson::ondemand::object& o) noexcept;
  ExecError on_position_item(simdjson::ondemand::object& o) noexcept;
  ExecError on_balance_item(simdjson::ondemand::object& o) noexcept;
  ExecError on_account_object(simdjson::ondemand::object& o) noexcept;
  ExecError on_leverage_object(simdjson::ondemand::object& o) noexcept;
  ExecError parse_order_fields(simdjson::ondemand::object& o, common::OrderUpdate& out) noexcept;
  ExecError parse_algo_fields(simdjson::ondemand::object& o, AlgoOrderInfo& out) noexcept;
  struct UserOrder;  // the "o" object of ORDER_TRADE_UPDATE / ALGO_UPDATE (user_stream.cpp)
  static ExecError read_user_order(simdjson::ondemand::object& o, UserOrder& out) noexcept;
  ExecError finish_order_event(const UserOrder& o, common::Nanos txn_time, common::Nanos event_time,
                               common::Nanos ts_recv) noexcept;
  ExecError finish_algo_event(const UserOrder& o, common::Nanos txn_time) noexcept;
  ExecError user_account(simdjson::ondemand::object& a) noexcept;
  const char* pad(std::string_view in, ExecError& err) noexcept;
  common::InstrumentId resolve(std::string_view symbol) noexcept;
  common::ClientOrderId our_id(std::string_view text) noexcept;
  void clear_outputs() noexcept;
  void count_error(ExecError e) noexcept;

  const SymbolTable& symbols_;
  simdjson::ondemand::parser parser_;
  common::OrderUpdate order_;
  std::unique_ptr<common::OrderUpdate[]> orders_;
  std::size_t order_count_ = 0;
  AlgoOrderInfo algo_;
  std::unique_ptr<AlgoOrderInfo[]> algos_;
  std::size_t algo_count_ = 0;
  std::unique_ptr<PositionInfo[]> positions_;
  std::size_t position_count_ = 0;
  std::unique_ptr<BalanceInfo[]> balances_;
  std::size_t balance_count_ = 0;
  AccountTotals totals_;
  LeverageInfo leverage_;
  std::string_view listen_key_;
  OrderEvent order_event_;
  AccountEvent account_event_;
  // Fields shared by the object walkers of one parse (the {code,msg} of an error body).
  bool have_code_ = false;
  std::int64_t code_ = 0;
  std::string_view msg_;
  std::unique_ptr<char[]> copy_buf_;
  std::size_t copy_cap_ = 0;
  ExecCounters counters_;
};

}  // namespace peregrine::gateways::binance
