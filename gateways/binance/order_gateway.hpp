// Binance USD-M order gateway agent: OrderIntents from the core -> signed REST requests; REST
// answers and the user data stream (listenKey) -> OrderUpdate/Fill for the core. Owned and driven
// by ONE thread (its agent runner); counters readable from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/binance/exec_parser.hpp"
#include "gateways/binance/order_codec.hpp"
#include "gateways/binance/signer.hpp"
#include "gateways/binance/symbols.hpp"
#include "gateways/cex_transport.hpp"
#include "gateways/exec_outbox.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/hyperliquid/order_table.hpp"
#include "gateways/order_reconciler.hpp"

namespace peregrine::gateways::binance {

struct OrderGatewayConfig {
  std::int64_t recv_window_ms = 5000;
  std::size_t max_orders = 4096;    // tracked orders (terminal ones are pruned)
  std::size_t fill_memory = 16384;  // trade ids remembered for dedup
  std::size_t backlog = 4096;       // exec events held while the core's queue is full
  int max_intents_per_cycle = 16;
  int max_status_queries = 3;  // per unknown outcome; then kUnknownOutcome is reported
  int max_resends = 1;         // re-sends of a new order the venue says does not exist
  // Keep-alive of the listenKey (it expires 60 min after creation or the last keep-alive).
  common::Nanos listen_key_keepalive_ns = 30LL * 60 * 1'000'000'000;
  // Start-up wiring: called with each new listenKey; connect the user WS transport to
  // wss://fstream.binance.com/private/ws/<key>. Not called on the hot path.
  std::function<void(std::string_view listen_key)> on_listen_key;
};

// Behaviour:
// * new -> POST /fapi/v1/order (LIMIT/MARKET) or /fapi/v1/algoOrder (conditional), cancel ->
//   DELETE /fapi/v1/order by origClientOrderId, cancel-all -> DELETE /fapi/v1/allOpenOrders
//   for the intent's instrument. Modify is not supported here: refused with kOther.
//   newClientOrderId = ClientOrderId::write_binance ("pg" + 32 hex). Signed with the prekeyed
//   HMAC: ...&timestamp=T&recvWindow=W&signature=S, header X-MBX-APIKEY.
// * Unknown outcome (timeout, maybe-sent, 503 "unknown", 5xx, unparsable body) -> GET
//   /fapi/v1/order by origClientOrderId before anything else. Found -> reported as the venue says.
//   "Does not exist" (-2013) is trusted only once recvWindow has passed since the request's
//   timestamp (the venue drops it after that); then the order is re-sent (same cloid, fresh
//   signature) at most max_resends times. "Not sent" -> re-sent once.
// * User stream ORDER_TRADE_UPDATE -> Fill (dedup by trade id) + OrderUpdate (dedup by status and
//   filled qty, so the REST ack and the stream's NEW reach the core once).
// * Reconciliation after every user-stream (re)connect and on request_reconcile(): GET
//   /fapi/v1/openOrders (all symbols), then GET /fapi/v1/order for each order believed open that
//   is not listed; differences become OrderUpdates (OrderReconciler), counted per kind.
// * The rate gate and breaker are asked before every request; a refused order is rejected with
//   kRateLimited (never queued: the strategy decides). Every answer's X-MBX-USED-WEIGHT-* /
//   X-MBX-ORDER-COUNT-* headers go to the gate (RateGate::on_usage_header). A 429 or 418 (IP
//   ban) with Retry-After pauses every gated request for that long (counted in
//   rate_limit_pauses); what arrives meanwhile is refused with kRateLimited like the gate does.
// * The REST answer to a new order or a cancel carries ts_intent (the intent's ts_recv),
//   ts_sent and ts_recv (request write completion and response, the transport's clock).
// Hot path (intent -> signed request; answer -> update): no allocation, lock or exception.
class BinanceOrderGateway final : public HttpListener, public WsListener {
 public:
  static constexpr std::size_t kMaxInFlight = 64;

  // Every reference must outlive the gateway. `user_ws` may be null (no user stream). `rate` and
  // `breaker` may be null (no limits). `clock` must be epoch-based (WallClock): it timestamps the
  // signed requests. Throws std::invalid_argument on a bad config (start-up).
  BinanceOrderGateway(const common::InstrumentRegistry& registry, RestTransport& rest,
                      WsTransport* user_ws, common::SpscQueue<common::OrderIntent>& intents,
                      common::SpscQueue<common::ExecEvent>& out, Signer& signer,
                      const common::Clock& clock, OrderGatewayConfig config,
                      RateGate* rate = nullptr, Breaker* breaker = nullptr);
  BinanceOrderGateway(const BinanceOrderGateway&) = delete;
  BinanceOrderGateway& operator=(const BinanceOrderGateway&) = delete;
  ~BinanceOrderGateway() override;

  int do_work() noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return "binance-order"; }

  void on_http_response(const HttpResponse& response) noexcept override;
  void on_http_sent(std::uint64_t request_id, common::Nanos ts_sent) noexcept override;
  void on_ws_open() noexcept override;
  void on_ws_text(const WsFrame& frame) noexcept override;
  void on_ws_close() noexcept override;

  // Starts a reconciliation round (no-op while one is running). Off the intent path.
  void request_reconcile() noexcept;
  [[nodiscard]] bool reconciling() const noexcept { return rec_wanted_ || rec_pending_; }

  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const ReconcileCounters& reconcile_counters() const noexcept {
    return rec_counters_;
  }
  [[nodiscard]] const ExecCounters& codec_counters() const noexcept { return parser_.counters(); }
  [[nodiscard]] hyperliquid::OrderTable& orders() noexcept { return table_; }
  [[nodiscard]] std::string_view listen_key() const noexcept { return listen_key_; }
  [[nodiscard]] std::size_t in_flight() const noexcept;
  // Exec events lost because the backlog was full too (reconciliation must restate orders).
  [[nodiscard]] std::uint64_t backlog_overflow() const noexcept { return outbox_.overflow(); }
  // The last request target and body sent (tests); valid until the next request.
  [[nodiscard]] std::string_view last_target() const noexcept { return last_target_; }
  // Until when a 429/418 Retry-After pauses sending (gateway clock); 0 = never paused.
  [[nodiscard]] common::Nanos paused_until_ns() const noexcept { return paused_until_ns_; }

 private:
  enum class ReqKind : std::uint8_t {
    kFree,
    kOrder,
    kCancel,
    kCancelAll,
    kStatusQuery,
    kListenKey,
    kKeepAlive,
    kOpenOrders,
  };
  struct Request {
    ReqKind kind = ReqKind::kFree;
    // kStatusQuery: kOrder (may resend), kCancel, or kFree (a reconciliation query)
    ReqKind query_for = ReqKind::kFree;
    std::uint8_t attempts = 0;  // re-sends
    std::uint8_t queries = 0;   // status queries made
    bool waiting = false;       // a deferred status query (not_before)
    std::uint64_t request_id = 0;
    std::int64_t sent_ms = 0;  // timestamp of the last signed new-order request
    common::Nanos not_before = 0;
    common::Nanos ts_sent = 0;  // write completion of the last send (kOrder), 0 before it
    bool stamped = false;       // the stream's ack already carried this order's timings
    common::OrderIntent intent;
    common::ClientOrderId subject;
  };

  int drain_intents() noexcept;
  int run_timers(common::Nanos now) noexcept;
  void handle_intent(const common::OrderIntent& intent) noexcept;
  Request* alloc_request(ReqKind kind) noexcept;
  [[nodiscard]] Request* find_request(std::uint64_t id) noexcept;
  void free_request(Request& r) noexcept { r = Request{}; }
  [[nodiscard]] bool gate(common::Nanos now, std::uint32_t weight) noexcept;
  // Usage headers to the gate; 429/418 + Retry-After -> pause.
  void on_limits(const HttpResponse& resp, common::Nanos now) noexcept;
  // The REST answer's timings on an update produced for request `r`.
  static void stamp(common::OrderUpdate& u, const Request& r, const HttpResponse& resp) noexcept;
  // A user-stream ack that beats the REST answer takes the create request's timings.
  void stamp_from_stream(common::OrderUpdate& m) noexcept;
  // Builds, signs and sends the request `r` stands for; false when it could not be sent.
  bool send(Request& r) noexcept;
  bool submit(const RestRequest& req) noexcept;
  [[nodiscard]] std::string_view symbol_of(common::InstrumentId id) const noexcept;

  void on_order_answer(Request& r, const HttpResponse& resp) noexcept;
  void on_cancel_answer(Request& r, const HttpResponse& resp) noexcept;
  void on_query_answer(Request& r, const HttpResponse& resp) noexcept;
  void on_listen_key_answer(Request& r, const HttpResponse& resp) noexcept;
  void start_query(Request& r, ReqKind query_for) noexcept;
  void give_up_unknown(Request& r) noexcept;
  void reject_new(const common::OrderIntent& in, common::RejectReason reason) noexcept;
  void refuse(const common::ClientOrderId& cloid, common::RejectReason reason,
              const Request* r = nullptr, const HttpResponse* resp = nullptr) noexcept;
  void apply_update(const common::OrderUpdate& u) noexcept;
  void apply_fill(const common::Fill& f) noexcept;
  void emit(const common::ExecEvent& e) noexcept;
  void request_listen_key(ReqKind kind) noexcept;
  // Reconciliation glue (reconcile.cpp).
  int run_reconcile(common::Nanos now) noexcept;
  void on_open_orders_answer(Request& r, const HttpResponse& resp) noexcept;
  void on_reconcile_query(Request& r, const HttpResponse& resp) noexcept;

  const common::InstrumentRegistry& registry_;
  RestTransport& rest_;
  WsTransport* ws_;
  common::SpscQueue<common::OrderIntent>& intents_;
  common::SpscQueue<common::ExecEvent>& out_;
  Signer& signer_;
  const common::Clock& clock_;
  OrderGatewayConfig config_;
  RateGate* rate_;
  Breaker* breaker_;
  UnlimitedRate no_rate_;
  NeverOpenBreaker no_breaker_;

  SymbolTable symbols_;
  OrderCodec codec_;
  ExecParser parser_;
  hyperliquid::OrderTable table_;
  hyperliquid::SeenFills seen_fills_;
  std::array<Request, kMaxInFlight> requests_{};

  ExecOutbox outbox_;  // what the core's queue refused, in order

  std::array<char, OrderCodec::kMaxRequestBytes> req_buf_{};
  std::array<char, OrderCodec::kMaxRequestBytes + 64> target_buf_{};
  std::string_view last_target_;
  std::uint64_t last_request_id_ = 0;
  std::string listen_key_;  // reserved at construction; replaced only off the hot path
  common::Nanos next_keepalive_ns_ = 0;
  common::Nanos paused_until_ns_ = 0;  // 429/418 Retry-After: nothing gated goes out before
  bool started_ = false;
  bool key_pending_ = false;

  OrderReconciler reconciler_;
  bool rec_wanted_ = false;   // a round is due: the snapshot request is not out yet
  bool rec_pending_ = false;  // the snapshot request awaits its answer
  common::Nanos rec_retry_ns_ = 0;

  GatewayCounters counters_;
  ReconcileCounters rec_counters_;
};

}  // namespace peregrine::gateways::binance
