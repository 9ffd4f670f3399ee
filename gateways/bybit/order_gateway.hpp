// Bybit v5 linear order gateway agent: OrderIntents from the core -> signed /v5/order/* REST
// requests; REST answers and the private WebSocket (order, execution) -> OrderUpdate/Fill for
// the core. Owned and driven by ONE thread (its agent runner); counters readable from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/bybit/order_codec.hpp"
#include "gateways/bybit/signer.hpp"
#include "gateways/bybit/symbols.hpp"
#include "gateways/cex_transport.hpp"
#include "gateways/exec_outbox.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/hyperliquid/order_table.hpp"
#include "gateways/order_reconciler.hpp"

namespace peregrine::gateways::bybit {

struct OrderGatewayConfig {
  std::uint32_t recv_window_ms = kDefaultRecvWindowMs;
  std::size_t max_orders = 4096;    // tracked orders (terminal ones are pruned)
  std::size_t fill_memory = 16384;  // execIds remembered for dedup
  std::size_t backlog = 4096;       // exec events held while the core's queue is full
  int max_intents_per_cycle = 16;
  int max_status_queries = 3;  // per unknown outcome; then kUnknownOutcome is reported
  int max_resends = 1;         // re-sends of a create the venue provably never saw
  // Private WS: {"op":"ping"} cadence (the venue drops silent connections after ~10 min, and
  // recommends 20 s) and how far ahead the auth "expires" is set.
  common::Nanos ping_interval_ns = 20'000'000'000;
  std::int64_t auth_expiry_ms = 10'000;
  // Cancel-all without an instrument cancels every linear order settled in this coin.
  std::string_view settle_coin = "USDT";
  // Rate limits (venue doc section 7): retCode 10006 ("Too many visits", per-UID 1 s window)
  // and HTTP 403 (IP limit: "stop all sessions and wait >= 10 minutes"). Nothing is sent until
  // X-Bapi-Limit-Reset-Timestamp (or the HTTP Retry-After); without either header, for these.
  common::Nanos rate_limit_backoff_ns = 1'000'000'000;
  common::Nanos ip_ban_backoff_ns = 600'000'000'000;
  // Reconciliation: orders per /v5/order/realtime page (1..50) and pages per round.
  std::uint32_t reconcile_page = 50;
  std::uint32_t reconcile_max_pages = 100;
};

// Behaviour:
// * new -> POST /v5/order/create (orderLinkId = the engine's cloid, "pg" + 32 hex), modify ->
//   /v5/order/amend, cancel -> /v5/order/cancel (by orderLinkId), cancel-all ->
//   /v5/order/cancel-all (the intent's symbol, else settle_coin). JSON bodies signed with the
//   prekeyed HMAC into X-BAPI-* headers. retCode != 0 on HTTP 200 is a reject with its reason.
// * A post-only order that would take is accepted by the venue and then cancelled with
//   EC_PostOnlyWillTakeLiquidity: the core hears kRejected / kPostOnlyWouldCross.
// * Unknown outcome (timeout, maybe-sent, 5xx, retCode 10000/10016, unparsable body) -> GET
//   /v5/order/realtime by orderLinkId before anything else. Found -> reported as the venue says.
//   Absent is trusted only once recv_window has passed since the request's timestamp (the
//   venue refuses it after that); then the same orderLinkId is re-sent at most max_resends
//   times. "Not sent" (no byte left) -> re-sent once.
// * Refused cancel -> kPendingCancel + reason; refused amend -> kPendingReplace + reason (the
//   OMS's cancel-reject / replace-reject inputs).
// * Private WS: auth (expires + signature) on open, then subscribe order + execution; op:ping
//   every ping_interval_ns. Fills dedup by execId; OrderUpdates dedup by (status, filled, price,
//   qty), so the REST answer and the stream reach the core once.
// * The rate gate and breaker are asked before every request; a refused order is rejected with
//   kRateLimited (never queued: the strategy decides).
// * retCode 10006 / HTTP 403 / HTTP 429 from the venue: nothing is sent (orders rejected with
//   kRateLimited, queries parked) until the venue's reset time (X-Bapi-Limit-Reset-Timestamp,
//   else Retry-After, else the configured back-off); then requests flow again.
// * Reconciliation after every private-stream (re)connect and on request_reconcile(): GET
//   /v5/order/realtime (settle_coin, all pages) compared with the order table by the shared
//   OrderReconciler; orders believed open but not listed are asked by orderLinkId
//   (closed ones too). Differences become OrderUpdates, counted per kind. Fills are not
//   listed separately: a fill the stream lost shows as the order's cumExecQty.
// Hot path (intent -> signed request; answer/frame -> update): no allocation, lock or exception.
class BybitOrderGateway final : public HttpListener, public WsListener {
 public:
  static constexpr std::size_t kMaxInFlight = 64;
  static constexpr std::size_t kMaxBodyBytes = 1024;

  // Every reference must outlive the gateway. `private_ws` may be null (no stream). `rate` and
  // `breaker` may be null (no limits). `clock` must be epoch-based (WallClock): it timestamps
  // the signed requests. Throws std::invalid_argument on a bad config (start-up).
  BybitOrderGateway(const common::InstrumentRegistry& registry, RestTransport& rest,
                    WsTransport* private_ws, common::SpscQueue<common::OrderIntent>& intents,
                    common::SpscQueue<common::ExecEvent>& out, const Signer& signer,
                    const common::Clock& clock, OrderGatewayConfig config, RateGate* rate = nullptr,
                    Breaker* breaker = nullptr);
  BybitOrderGateway(const BybitOrderGateway&) = delete;
  BybitOrderGateway& operator=(const BybitOrderGateway&) = delete;
  ~BybitOrderGateway() override;

  int do_work() noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return "bybit-order"; }

  void on_http_response(const HttpResponse& response) noexcept override;
  void on_http_sent(std::uint64_t request_id, common::Nanos ts_sent) noexcept override;
  void on_ws_open() noexcept override;
  void on_ws_text(const WsFrame& frame) noexcept override;
  void on_ws_close() noexcept override;

  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const ExecCounters& codec_counters() const noexcept { return parser_.counters(); }
  [[nodiscard]] hyperliquid::OrderTable& orders() noexcept { return table_; }
  [[nodiscard]] std::size_t in_flight() const noexcept;
  [[nodiscard]] bool stream_ready() const noexcept { return stream_ready_; }
  [[nodiscard]] std::uint64_t auth_failures() const noexcept { return auth_failures_; }
  // Exec events lost because the backlog was full too (reconciliation must restate orders).
  [[nodiscard]] std::uint64_t backlog_overflow() const noexcept { return outbox_.overflow(); }

  // Starts a reconciliation round (no-op while one runs). Gateway thread, off the intent path.
  void request_reconcile() noexcept;
  [[nodiscard]] bool reconciling() const noexcept { return rec_wanted_ || rec_pending_; }
  [[nodiscard]] const ReconcileCounters& reconcile_counters() const noexcept {
    return rec_counters_;
  }
  // Venue rate-limit signals seen (10006 / 403 / 429) and the time sending resumes.
  [[nodiscard]] std::uint64_t rate_limit_hits() const noexcept {
    return counters_.rate_limit_pauses.get();
  }
  [[nodiscard]] common::Nanos backoff_until_ns() const noexcept { return backoff_until_ns_; }

 private:
  // kOpenOrders / kRecQuery: a reconciliation page / status question (reconcile.cpp).
  enum class Op : std::uint8_t {
    kIdle,
    kCreate,
    kAmend,
    kCancel,
    kCancelAll,
    kQuery,
    kOpenOrders,
    kRecQuery
  };
  struct Pending {
    Op op = Op::kIdle;
    Op asked_for = Op::kIdle;  // kQuery: the request whose outcome is unknown
    std::uint8_t resends = 0;
    std::uint8_t queries = 0;
    bool parked = false;           // a query waits for retry_at
    bool awaiting_window = false;  // an absent create waits out recv_window before re-asking
    std::uint64_t http_id = 0;
    std::int64_t signed_ms = 0;  // timestamp of the last signed create
    common::Nanos retry_at = 0;
    common::Nanos ts_sent = 0;    // write completion of the last create sent, 0 before it
    common::OrderIntent intent;   // the create/amend/cancel as the core sent it
    common::ClientOrderId cloid;  // the order it is about
  };

  // order_gateway.cpp: intents, requests, REST answers, reports.
  int take_intents() noexcept;
  void on_intent(const common::OrderIntent& in) noexcept;
  void on_new(const common::OrderIntent& in, common::Nanos now) noexcept;
  void on_cancel_or_amend(const common::OrderIntent& in, common::Nanos now) noexcept;
  void on_cancel_all(const common::OrderIntent& in, common::Nanos now) noexcept;
  Pending* claim(Op op) noexcept;
  [[nodiscard]] Pending* by_http_id(std::uint64_t id) noexcept;
  static void release(Pending& p) noexcept { p = Pending{}; }
  [[nodiscard]] bool admit(common::Nanos now) noexcept;
  bool transmit(Pending& p) noexcept;
  bool post_signed(std::string_view path, std::string_view body) noexcept;
  bool get_signed(std::string_view path, std::string_view query) noexcept;
  bool send_signed(HttpMethod method, std::string_view path, std::string_view payload) noexcept;
  [[nodiscard]] std::string_view symbol_of(common::InstrumentId id) const noexcept;
  int retry_parked(common::Nanos now) noexcept;

  void answer_create(Pending& p, const HttpResponse& resp) noexcept;
  void answer_amend_or_cancel(Pending& p, const HttpResponse& resp) noexcept;
  void answer_cancel_all(const HttpResponse& resp) noexcept;
  void answer_query(Pending& p, const HttpResponse& resp) noexcept;
  void ask_venue(Pending& p, Op asked_for) noexcept;
  void settle_absent(Pending& p) noexcept;
  void outcome_unknown(Pending& p) noexcept;
  [[nodiscard]] const RestResponse* parse_answer(RestEndpoint ep,
                                                 const HttpResponse& resp) noexcept;

  void fail_new(const common::OrderIntent& in, common::RejectReason reason) noexcept;
  void refuse(const Pending& p, common::RejectReason reason) noexcept;
  [[nodiscard]] hyperliquid::TrackedOrder* owner_of(const common::ClientOrderId& cloid,
                                                    const common::VenueOrderId& oid) noexcept;
  void report(const common::OrderUpdate& u) noexcept;
  void report_fill(const common::Fill& f) noexcept;
  void emit(const common::ExecEvent& e) noexcept { outbox_.push(e, counters_.queue_full); }
  void link_status(common::VenueState state) noexcept;

  // reconcile.cpp: reconciliation rounds and the venue's rate-limit back-off.
  int run_reconcile(common::Nanos now) noexcept;
  void answer_open_orders(Pending& p, const HttpResponse& resp) noexcept;
  void answer_rec_query(Pending& p, const HttpResponse& resp) noexcept;
  void finish_round(common::Nanos now) noexcept;
  void retry_round(common::Nanos now) noexcept;
  std::size_t mark_in_flight() noexcept;
  void unmark_in_flight(std::size_t n) noexcept;
  void note_rate_limit(const HttpResponse& resp, bool ip_ban) noexcept;

  // user_stream.cpp: the private WebSocket.
  int keep_alive(common::Nanos now) noexcept;
  void on_control(ExecFrameKind kind) noexcept;

  const common::InstrumentRegistry& registry_;
  RestTransport& rest_;
  WsTransport* ws_;
  common::SpscQueue<common::OrderIntent>& intents_;
  const Signer& signer_;
  const common::Clock& clock_;
  OrderGatewayConfig config_;
  RateGate* rate_;
  Breaker* breaker_;
  UnlimitedRate no_rate_;
  NeverOpenBreaker no_breaker_;

  SymbolTable symbols_;
  ExecParser parser_;
  hyperliquid::OrderTable table_;
  hyperliquid::SeenFills seen_fills_;
  std::array<Pending, kMaxInFlight> pending_{};
  ExecOutbox outbox_;

  std::array<char, kMaxBodyBytes> body_{};
  std::array<char, kMaxBodyBytes + 64> target_{};
  std::uint64_t last_http_id_ = 0;
  bool stream_ready_ = false;
  bool authed_ = false;
  common::Nanos next_ping_ns_ = 0;
  std::uint64_t auth_failures_ = 0;

  GatewayCounters counters_;

  OrderReconciler reconciler_;
  ReconcileCounters rec_counters_;
  std::vector<common::OrderUpdate> rec_open_;  // the round's pages, sized at construction
  std::size_t rec_count_ = 0;
  std::uint32_t rec_pages_ = 0;
  std::array<char, 256> rec_cursor_{};
  std::size_t rec_cursor_len_ = 0;
  bool rec_wanted_ = false;
  bool rec_pending_ = false;
  common::Nanos rec_retry_ns_ = 0;
  std::array<hyperliquid::TrackedOrder*, kMaxInFlight> marked_{};
  common::Nanos backoff_until_ns_ = 0;
};

}  // namespace peregrine::gateways::bybit
