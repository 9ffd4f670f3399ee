// Binance USD-M order-entry requests as (method, path, query/body) in a caller buffer, signed.
// Owned and called by ONE thread (the Binance order gateway agent); responses: exec_parser.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/result.hpp"
#include "gateways/binance/signer.hpp"
#include "gateways/binance/symbols.hpp"

namespace peregrine::gateways::binance {

// Why it is fast: every request is a handful of memcpys into the caller's buffer (no allocation,
// no formatting library), decimals render from the int64 mantissa, and the HMAC is prekeyed.

enum class HttpMethod : std::uint8_t { kGet, kPost, kPut, kDelete };
[[nodiscard]] std::string_view to_string(HttpMethod m) noexcept;

// Security type of the endpoint: what the HTTP layer must add.
enum class Security : std::uint8_t {
  kNone,    // public
  kApiKey,  // X-MBX-APIKEY header only (USER_STREAM)
  kSigned,  // X-MBX-APIKEY header + timestamp/recvWindow/signature (TRADE, USER_DATA)
};

// One REST call. Views point into the caller's buffer. With a non-empty body the HTTP layer sends
// Content-Type: application/x-www-form-urlencoded.
struct RestRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string_view path;   // "/fapi/v1/order"
  std::string_view query;  // without '?'; may be empty
  std::string_view body;   // may be empty
  Security security = Security::kNone;
};

enum class BuildError : std::uint8_t {
  kOk = 0,
  kBufferFull,  // the caller's buffer is too small
  kInvalid,     // parameters the venue would reject (LIMIT without price, reduceOnly in hedge...)
  kSign,        // the signer failed
};
[[nodiscard]] std::string_view to_string(BuildError e) noexcept;

// Where POST/PUT/DELETE parameters go; GET always uses the query string. Binance signs
// query + body either way.
enum class ParamPlacement : std::uint8_t { kQuery, kBody };
enum class ResponseType : std::uint8_t { kAck, kResult };  // newOrderRespType
enum class WorkingType : std::uint8_t { kContractPrice, kMarkPrice };

// POST /fapi/v1/order: LIMIT or MARKET only (conditional types moved to the algo service
// 2025-12-09 and are rejected there with -4120).
struct NewOrder {
  std::string_view symbol;
  common::ClientOrderId cloid;  // newClientOrderId; omitted when null (venue generates one)
  common::Side side = common::Side::kBuy;
  common::OrderType type = common::OrderType::kLimit;                // kLimit or kMarket
  common::TimeInForce tif = common::TimeInForce::kGtc;               // kPostOnly -> GTX; LIMIT only
  common::PositionSide position_side = common::PositionSide::kBoth;  // LONG/SHORT: hedge mode
  common::Price price;                                               // LIMIT
  common::Qty qty;
  bool reduce_only = false;  // not allowed in hedge mode
  ResponseType response = ResponseType::kAck;
};

// POST /fapi/v1/algoOrder, algoType=CONDITIONAL.
struct AlgoOrder {
  std::string_view symbol;
  common::ClientOrderId client_algo_id;  // clientAlgoId; omitted when null
  common::Side side = common::Side::kBuy;
  // kStopMarket (STOP_MARKET), kStopLimit (STOP), kTakeProfitMarket (TAKE_PROFIT_MARKET),
  // kTakeProfitLimit (TAKE_PROFIT), kTrailingStopMarket (TRAILING_STOP_MARKET).
  common::OrderType type = common::OrderType::kStopMarket;
  common::TimeInForce tif = common::TimeInForce::kGtc;  // STOP / TAKE_PROFIT only
  common::PositionSide position_side = common::PositionSide::kBoth;
  common::Price price;           // STOP / TAKE_PROFIT limit price
  common::Qty qty;               // omitted with close_position
  common::Price trigger_price;   // triggerPrice; not for trailing
  common::Price activate_price;  // trailing: activatePrice, omitted when zero
  common::Rate callback_rate;    // trailing: callbackRate in percent (1 = 1%, venue: 0.1..10)
  WorkingType working_type = WorkingType::kContractPrice;
  bool close_position = false;  // STOP_MARKET / TAKE_PROFIT_MARKET only; no qty, no reduceOnly
  bool price_protect = false;
  bool reduce_only = false;
};

// Builds USD-M requests. Every builder writes into `buf` and returns views into it; a signed
// request ends "...&timestamp=T&recvWindow=W&signature=S". `timestamp_ms` comes from the
// injected clock (venue-synchronized ms).
class OrderCodec {
 public:
  static constexpr std::size_t kMaxRequestBytes = 1024;  // a buffer this size always suffices

  // `signer` must outlive the codec. recv_window_ms <= 0 omits recvWindow (venue default 5000).
  explicit OrderCodec(Signer& signer, std::int64_t recv_window_ms = 5000,
                      ParamPlacement placement = ParamPlacement::kQuery) noexcept
      : signer_(signer), recv_window_ms_(recv_window_ms), placement_(placement) {}

  using Built = common::Result<RestRequest, BuildError>;

  // POST /fapi/v1/order
  [[nodiscard]] Built new_order(const NewOrder& o, std::int64_t timestamp_ms,
                                std::span<char> buf) noexcept;
  // POST /fapi/v1/algoOrder
  [[nodiscard]] Built new_algo_order(const AlgoOrder& o, std::int64_t timestamp_ms,
                                     std::span<char> buf) noexcept;
  // A strategy intent (kNew): LIMIT/MARKET -> new_order, stop/take-profit/trailing ->
  // new_algo_order (trailing: intent.trigger_price holds the callback in basis points).
  [[nodiscard]] Built from_intent(const common::OrderIntent& intent, std::string_view symbol,
                                  std::int64_t timestamp_ms, std::span<char> buf) noexcept;
  // DELETE /fapi/v1/order by origClientOrderId, or by orderId.
  [[nodiscard]] Built cancel_order(std::string_view symbol, common::ClientOrderId cloid,
                                   std::int64_t timestamp_ms, std::span<char> buf) noexcept;
  [[nodiscard]] Built cancel_order_by_id(std::string_view symbol, std::uint64_t order_id,
                                         std::int64_t timestamp_ms, std::span<char> buf) noexcept;
  // DELETE /fapi/v1/algoOrder by clientAlgoId.
  [[nodiscard]] Built cancel_algo_order(common::ClientOrderId client_algo_id,
                                        std::int64_t timestamp_ms, std::span<char> buf) noexcept;
  // DELETE /fapi/v1/allOpenOrders, DELETE /fapi/v1/algoOpenOrders (symbol required).
  [[nodiscard]] Built cancel_all(std::string_view symbol, std::int64_t timestamp_ms,
                                 std::span<char> buf) noexcept;
  [[nodiscard]] Built cancel_all_algo(std::string_view symbol, std::int64_t timestamp_ms,
                                      std::span<char> buf) noexcept;
  // GET /fapi/v1/openOrders, GET /fapi/v1/openAlgoOrders; empty symbol = all symbols (weight 40
  // instead of 1 for openOrders).
  [[nodiscard]] Built open_orders(std::string_view symbol, std::int64_t timestamp_ms,
                                  std::span<char> buf) noexcept;
  [[nodiscard]] Built open_algo_orders(std::string_view symbol, std::int64_t timestamp_ms,
                                       std::span<char> buf) noexcept;
  // GET /fapi/v1/order by origClientOrderId.
  [[nodiscard]] Built query_order(std::string_view symbol, common::ClientOrderId cloid,
                                  std::int64_t timestamp_ms, std::span<char> buf) noexcept;
  // GET /fapi/v2/positionRisk (empty symbol = all), GET /fapi/v2/balance, GET /fapi/v3/account.
  [[nodiscard]] Built position_risk(std::string_view symbol, std::int64_t timestamp_ms,
                                    std::span<char> buf) noexcept;
  [[nodiscard]] Built balance(std::int64_t timestamp_ms, std::span<char> buf) noexcept;
  [[nodiscard]] Built account(std::int64_t timestamp_ms, std::span<char> buf) noexcept;
  // POST /fapi/v1/leverage (1..125).
  [[nodiscard]] Built set_leverage(std::string_view symbol, int leverage, std::int64_t timestamp_ms,
                                   std::span<char> buf) noexcept;
  // POST /fapi/v1/countdownCancelAll: the dead-man switch; 0 disables. Re-send as a heartbeat.
  [[nodiscard]] Built countdown_cancel_all(std::string_view symbol, std::int64_t countdown_ms,
                                           std::int64_t timestamp_ms, std::span<char> buf) noexcept;
  // POST / PUT / DELETE /fapi/v1/listenKey (API key only, no parameters).
  [[nodiscard]] static RestRequest start_listen_key() noexcept;
  [[nodiscard]] static RestRequest keepalive_listen_key() noexcept;
  [[nodiscard]] static RestRequest close_listen_key() noexcept;

  [[nodiscard]] std::string_view api_key() const noexcept { return signer_.api_key(); }

 private:
  Built sign(HttpMethod method, std::string_view path, QueryWriter& w,
             std::int64_t timestamp_ms) noexcept;
  Built symbol_only(HttpMethod method, std::string_view path, std::string_view symbol,
                    bool required, std::int64_t timestamp_ms, std::span<char> buf) noexcept;

  Signer& signer_;
  std::int64_t recv_window_ms_;
  ParamPlacement placement_;
};

// GET <market depth path>?symbol=S&limit=N (public; the REST snapshot BookSync needs).
[[nodiscard]] common::Result<RestRequest, BuildError> depth_snapshot_request(
    Market market, std::string_view symbol, int limit, std::span<char> buf) noexcept;

// Wire words.
[[nodiscard]] std::string_view side_word(common::Side s) noexcept;                   // BUY / SELL
[[nodiscard]] std::string_view position_side_word(common::PositionSide s) noexcept;  // BOTH...
[[nodiscard]] std::string_view tif_word(common::TimeInForce t) noexcept;  // GTC IOC FOK GTX
// LIMIT, MARKET, STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET, TRAILING_STOP_MARKET.
[[nodiscard]] std::string_view order_type_word(common::OrderType t) noexcept;

}  // namespace peregrine::gateways::binance
