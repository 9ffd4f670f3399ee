// Coinbase order gateway agent: intents -> JWT-authenticated REST; answers + `user` WS -> exec
// events. Owned and driven by ONE thread (its agent runner); counters readable from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/cex_transport.hpp"
#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/md_codec.hpp"
#include "gateways/coinbase/order_codec.hpp"
#include "gateways/coinbase/rest_codec.hpp"
#include "gateways/exec_outbox.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/hyperliquid/order_table.hpp"
#include "gateways/order_reconciler.hpp"

namespace peregrine::gateways::coinbase {

// Pre-minted tokens the gateway hands out; a side thread keeps them fresh (JwtCache::refresh).
// Coinbase JWTs bind method + path, so one cache per endpoint.
struct OrderGatewayJwts {
  JwtCache* create = nullptr;       // POST /orders
  JwtCache* cancel = nullptr;       // POST /orders/batch_cancel
  JwtCache* list_orders = nullptr;  // GET /orders/historical/batch (unknown-outcome queries)
  JwtCache* ws = nullptr;           // user channel subscribe (needed when user_ws is set)
  // GET /intx/positions/{portfolio_uuid}: reconciliation reads positions when this and
  // OrderGatewayConfig::portfolio_uuid are set (optional).
  JwtCache* positions = nullptr;
};

struct OrderGatewayConfig {
  std::size_t max_orders = 4096;    // tracked orders (terminal ones are pruned)
  std::size_t fill_memory = 16384;  // fill ids remembered for dedup
  std::size_t backlog = 4096;       // exec events held while the core's queue is full
  int max_intents_per_cycle = 16;
  int max_status_queries = 3;            // per unknown outcome; then kUnknownOutcome is reported
  int max_resends = 1;                   // same-cloid re-sends after a query did not find the order
  common::Nanos retry_ns = 200'000'000;  // a query or subscribe that could not go out
  // Sending pauses this long after an HTTP 429 without a Retry-After (the venue documents
  // x-ratelimit-* headers only, and may answer 429 with an HTML page).
  common::Nanos rate_limit_pause_ns = 1'000'000'000;
  bool reconcile_on_subscribe = true;  // a reconciliation round after every user-channel snapshot
  std::string portfolio_uuid;          // INTX portfolio whose positions are reconciled (optional)
  std::size_t reconcile_batch = 25;    // order ids per GET /orders/historical/batch status query
};

struct alignas(64) CbOrderCounters {
  PaddedCounter jwt_misses;           // requests refused because no token with >= 30 s was ready
  PaddedCounter modify_refused;       // modify intents (no edit endpoint in use)
  PaddedCounter deferred_cancels;     // cancels held until the order's venue id was known
  PaddedCounter user_gaps;            // user-channel sequence gaps (each -> resubscribe `user`)
  PaddedCounter auth_failures;        // HTTP 401 answers
  PaddedCounter rate_limited;         // HTTP 429 answers (each pauses sending)
  PaddedCounter paused_refusals;      // requests refused locally while a 429 pause lasts
  PaddedCounter fills_recovered;      // Fill events made by reconciliation (executions missed)
  PaddedCounter fills_clipped;        // channel fills cut or dropped: reconciliation reported them
  PaddedCounter unresolved;           // believed open, not listed, no venue id to ask about
  PaddedCounter position_rounds;      // position snapshots read
  PaddedCounter position_mismatches;  // venue position != first snapshot + reported fills
};

// Behaviour:
// * new -> POST /api/v3/brokerage/orders: limit GTC -> limit_limit_gtc (post_only for post-only
//   intents), IOC -> sor_limit_ioc, FOK -> limit_limit_fok, market -> market_market_ioc;
//   client_order_id = the engine's ClientOrderId in UUID form. cancel / cancel-all -> POST
//   .../orders/batch_cancel by venue order id (Coinbase has no cancel by client id; a cancel for an
//   order not yet acknowledged waits for the ack). Modify: refused with kOther (the simulator has
//   no /orders/edit; counted in modify_refused).
// * Authorization: Bearer <JWT> from the endpoint's JwtCache (>= 30 s of life); none ready -> the
//   request is refused (kOther, jwt_misses), never sent unauthenticated.
// * success_response -> OrderUpdate kNew with the venue order id; error_response -> kRejected with
//   the mapped RejectReason. 401 -> kBadSignature, 429 -> kRateLimited.
// * Unknown outcome (timeout, maybe-sent, 5xx, unparsable body) -> GET /orders/historical/batch
//   for the product, looking for our client_order_id, before anything else. Found -> reported as
//   the venue says. Not found (and the user channel has not reported it) -> re-sent with the SAME
//   client_order_id, which the venue treats as an idempotency key: at most one order exists.
// * `user` channel -> Fill (synthesized by ExecParser from cumulative state; dedup by fill id) +
//   OrderUpdate (dedup by status and filled qty, so the REST ack and the channel reach the core
//   once). A user-channel sequence gap resubscribes `user`, whose snapshot restates open orders.
// * The rate gate and breaker are asked before every request; a refused order is rejected with
//   kRateLimited (never queued: the strategy decides).
// Hot path (intent -> request; answer -> update): no allocation, lock or exception. The
// unknown-outcome query answer is parsed with RestParser (allocates; rare, off the fast path).
class CoinbaseOrderGateway final : public HttpListener, public WsListener {
 public:
  static constexpr std::size_t kMaxInFlight = 64;
  static constexpr std::size_t kMaxDeferredCancels = 32;

  // Every reference must outlive the gateway. `user_ws` may be null (no user channel). `rate` and
  // `breaker` may be null (no limits). `clock` must be epoch-based (WallClock): JWT validity is
  // checked against it. Throws std::invalid_argument on a bad config or a missing JWT cache.
  CoinbaseOrderGateway(const common::InstrumentRegistry& registry, RestTransport& rest,
                       WsTransport* user_ws, common::SpscQueue<common::OrderIntent>& intents,
                       common::SpscQueue<common::ExecEvent>& out, OrderGatewayJwts jwts,
                       const common::Clock& clock, OrderGatewayConfig config,
                       RateGate* rate = nullptr, Breaker* breaker = nullptr);
  CoinbaseOrderGateway(const CoinbaseOrderGateway&) = delete;
  CoinbaseOrderGateway& operator=(const CoinbaseOrderGateway&) = delete;
  ~CoinbaseOrderGateway() override;

  int do_work() noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return "coinbase-order"; }

  void on_http_response(const HttpResponse& response) noexcept override;
  void on_http_sent(std::uint64_t request_id, common::Nanos ts_sent) noexcept override;
  void on_ws_open() noexcept override;
  void on_ws_text(const WsFrame& frame) noexcept override;
  void on_ws_close() noexcept override;

  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const CbOrderCounters& cb_counters() const noexcept { return cb_counters_; }
  [[nodiscard]] const ExecCounters& codec_counters() const noexcept { return parser_.counters(); }
  [[nodiscard]] hyperliquid::OrderTable& orders() noexcept { return table_; }
  [[nodiscard]] std::size_t in_flight() const noexcept;
  // Exec events lost because the backlog was full too (reconciliation must restate orders).
  [[nodiscard]] std::uint64_t backlog_overflow() const noexcept { return outbox_.overflow(); }

  // Reconciliation (reconcile.cpp): open orders (GET /orders/historical/batch?order_status=OPEN,
  // every page), then the orders believed open but not listed (by order_ids, in batches), then
  // positions (when configured). Differences become OrderUpdates (OrderReconciler), and
  // executions the core never heard of become Fills (venue filled_size above what was reported).
  // Runs after every user-channel snapshot (each (re)connect or resubscribe) and on request.
  void request_reconcile() noexcept;
  [[nodiscard]] bool reconciling() const noexcept {
    return rec_wanted_ || rec_stage_ != RecStage::kIdle;
  }
  [[nodiscard]] const ReconcileCounters& reconcile_counters() const noexcept {
    return rec_counters_;
  }
  // Signed net quantity of the fills reported to the core this session, per instrument.
  [[nodiscard]] common::Qty fill_position(common::InstrumentId id) const noexcept;
  // The venue's net position at the last position snapshot (zero when not listed or never read).
  [[nodiscard]] common::Qty venue_position(common::InstrumentId id) const noexcept;
  // Sending is paused until then after a 429 (0: never paused).
  [[nodiscard]] common::Nanos paused_until() const noexcept { return pause_until_; }

 private:
  enum class ReqKind : std::uint8_t {
    kFree,
    kOrder,
    kCancel,
    kQuery,
    kRecOpen,
    kRecQuery,
    kRecPositions
  };
  enum class RecStage : std::uint8_t { kIdle, kOpen, kQuery, kPositions };
  struct FillTally {  // what the core was told about one order's executions
    std::int64_t qty_raw = 0;
    __int128 value_raw = 0;  // sum of price.raw * qty.raw
    std::int64_t fee_raw = 0;
  };
  struct PositionSlot {
    std::int64_t fills_raw = 0;  // signed fill quantity reported this session
    std::int64_t venue_raw = 0;  // last venue net position
    std::int64_t base_raw = 0;   // venue position minus fills at the first snapshot
    bool known = false;
  };
  struct Request {
    ReqKind kind = ReqKind::kFree;
    std::uint8_t attempts = 0;  // re-sends
    std::uint8_t queries = 0;   // status queries made
    bool waiting = false;       // parked until not_before (query or resend that could not go out)
    std::uint64_t request_id = 0;
    common::Nanos not_before = 0;
    common::Nanos ts_sent = 0;      // kOrder: write completion of the last send, 0 before it
    bool stamped = false;           // kOrder: the user channel's ack carried the timings
    common::OrderIntent intent;     // kOrder / kQuery: the new order
    common::ClientOrderId subject;  // the order a cancel or query is about (null: batch cancel)
    std::array<common::VenueOrderId, 8> cancel_ids{};  // kCancel: up to 8 per request here
    std::uint8_t cancel_count = 0;
  };

  int drain_intents() noexcept;
  int run_timers(common::Nanos now) noexcept;
  void on_new(const common::OrderIntent& in, common::Nanos now) noexcept;
  void on_cancel(const common::OrderIntent& in, common::Nanos now) noexcept;
  void on_cancel_all(const common::OrderIntent& in, common::Nanos now) noexcept;
  Request* alloc_request(ReqKind kind) noexcept;
  [[nodiscard]] Request* find_request(std::uint64_t id) noexcept;
  static void free_request(Request& r) noexcept { r = Request{}; }
  [[nodiscard]] bool gate(common::Nanos now) noexcept;
  [[nodiscard]] std::string_view product_of(common::InstrumentId id) const noexcept;
  // Builds, authenticates and sends what `r` stands for; false when nothing was sent.
  bool send(Request& r, common::Nanos now) noexcept;
  bool build_and_submit(const Request& r, common::Nanos now) noexcept;
  bool submit(HttpMethod method, std::string_view target, JwtCache* jwt, std::string_view body,
              common::Nanos now) noexcept;
  bool send_cancel_for(const hyperliquid::TrackedOrder& o, common::Nanos now) noexcept;

  void on_order_answer(Request& r, const HttpResponse& resp) noexcept;
  void on_cancel_answer(Request& r, const HttpResponse& resp) noexcept;
  void on_query_answer(Request& r, const HttpResponse& resp) noexcept;
  void start_query(Request& r) noexcept;
  void give_up_unknown(Request& r) noexcept;
  void after_ack(const common::ClientOrderId& cloid) noexcept;

  void reject_new(const common::OrderIntent& in, common::RejectReason reason) noexcept;
  void refuse(const common::ClientOrderId& cloid, common::RejectReason reason) noexcept;
  void restate(const hyperliquid::TrackedOrder& o, common::RejectReason why) noexcept;
  [[nodiscard]] hyperliquid::TrackedOrder* order_of(const common::ClientOrderId& cloid,
                                                    const common::VenueOrderId& oid) noexcept;
  [[nodiscard]] static common::OrderUpdate pending_update(const common::OrderIntent& in) noexcept;
  void apply_update(const common::OrderUpdate& u) noexcept;
  void apply_fill(const common::Fill& f, const common::Qty* cumulative) noexcept;
  void emit_fill(const common::Fill& f) noexcept;
  void note_rate_limited(const HttpResponse& resp, common::Nanos now) noexcept;

  // Reconciliation glue (reconcile.cpp).
  int run_reconcile(common::Nanos now) noexcept;
  bool send_reconcile(ReqKind kind, common::Nanos now) noexcept;
  bool submit_reconcile(const Request& r, common::Nanos now) noexcept;
  void on_reconcile_answer(Request& r, const HttpResponse& resp) noexcept;
  void on_rec_open(const HttpResponse& resp, common::Nanos now) noexcept;
  void on_rec_query(const HttpResponse& resp, common::Nanos now) noexcept;
  void on_rec_positions(const HttpResponse& resp) noexcept;
  void rec_next_stage(common::Nanos now) noexcept;
  void rec_fail(common::Nanos now) noexcept;
  void recover_fills(const common::OrderUpdate& venue, common::Money fees) noexcept;
  void emit(const common::ExecEvent& e) noexcept;
  void emit_link(common::VenueState state) noexcept;
  bool subscribe_user(bool subscribe) noexcept;

  const common::InstrumentRegistry& registry_;
  RestTransport& rest_;
  WsTransport* ws_;
  common::SpscQueue<common::OrderIntent>& intents_;
  common::SpscQueue<common::ExecEvent>& out_;
  OrderGatewayJwts jwts_;
  const common::Clock& clock_;
  OrderGatewayConfig config_;
  UnlimitedRate no_rate_;
  NeverOpenBreaker no_breaker_;
  RateGate* rate_;
  Breaker* breaker_;

  ExecParser parser_;
  RestParser rest_parser_;
  hyperliquid::OrderTable table_;
  hyperliquid::SeenFills seen_fills_;
  std::array<Request, kMaxInFlight> requests_{};
  std::array<common::ClientOrderId, kMaxDeferredCancels> deferred_{};
  std::size_t deferred_count_ = 0;

  ExecOutbox outbox_;  // what the core's queue refused, in order

  std::array<char, 2048> body_buf_{};
  std::array<char, 1024> target_buf_{};
  std::array<char, kMaxJwtBytes + 16> auth_buf_{};
  std::vector<std::string_view> user_products_;  // every kCoinbase product of the registry
  std::unique_ptr<char[]> sub_buf_;              // user-channel subscribe frames
  std::size_t sub_cap_ = 0;
  std::uint64_t last_request_id_ = 0;
  bool user_sub_pending_ = false;
  common::Nanos user_sub_not_before_ = 0;

  GatewayCounters counters_;
  CbOrderCounters cb_counters_;

  // 429 pause, fill accounting, reconciliation state.
  common::Nanos pause_until_ = 0;
  hyperliquid::FixedMap<common::ClientOrderId, FillTally, hyperliquid::CloidHash> tally_;
  std::vector<PositionSlot> positions_;  // by InstrumentId
  OrderReconciler reconciler_;
  ReconcileCounters rec_counters_;
  RecStage rec_stage_ = RecStage::kIdle;
  bool rec_wanted_ = false;
  bool rec_on_snapshot_ = false;
  common::Nanos rec_retry_ns_ = 0;
  std::string rec_cursor_;
  std::vector<common::OrderUpdate> rec_open_;  // the listing being gathered (pages)
  std::vector<common::Money> rec_fees_;        // total_fees of rec_open_[i]
  std::vector<std::string> rec_ids_;           // venue ids still to ask about
  std::size_t rec_ids_next_ = 0;
  std::size_t rec_ids_batch_ = 0;  // ids in the query in flight
  std::string rec_target_;
  common::Nanos rec_open_sent_ns_ = 0;   // the listing's first page was asked for then
  common::Nanos rec_query_sent_ns_ = 0;  // the status query in flight was asked for then
};

}  // namespace peregrine::gateways::coinbase
