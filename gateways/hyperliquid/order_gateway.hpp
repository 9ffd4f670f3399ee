// Hyperliquid order gateway agent: OrderIntents from the core -> signed /exchange actions over a
// keep-alive HTTP transport; responses and the user WS stream -> OrderUpdate/Fill for the core.
// Owned and driven by ONE thread (its agent runner); counters readable from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/crypto/presign_pool.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/hyperliquid/actions.hpp"
#include "gateways/hyperliquid/nonce.hpp"
#include "gateways/hyperliquid/order_codec.hpp"
#include "gateways/hyperliquid/order_table.hpp"
#include "gateways/hyperliquid/reconcile.hpp"
#include "gateways/hyperliquid/signer.hpp"

namespace peregrine::gateways::hyperliquid {

// OrderIntent::flags bits of a Hyperliquid native twapOrder. The same values as
// strategies/intent_ext.hpp (gateways do not see strategies/; tests check they agree): qty =
// total size, trigger_price.raw() = whole minutes, kReduceOnly, randomize = the venue's "t".
inline constexpr std::uint8_t kIntentNativeTwap = 1u << 6;
inline constexpr std::uint8_t kIntentTwapRandomize = 1u << 7;
inline constexpr std::int64_t kTwapMinMinutes = 5;
inline constexpr std::int64_t kTwapMaxMinutes = 1440;

struct OrderGatewayConfig {
  std::string account;  // "0x..." lowercase: the account queried in /info and the user streams
  std::optional<crypto::Address> vault;  // acting for a sub-account or vault
  bool mainnet = true;
  std::size_t max_orders = 4096;    // tracked orders (terminal ones are pruned)
  std::size_t fill_memory = 16384;  // fill ids remembered for dedup
  std::size_t backlog = 4096;       // exec events held while the core's queue is full
  int max_intents_per_cycle = 16;
  int max_status_queries = 3;                       // per unknown outcome, then reconcile
  common::Nanos ping_interval_ns = 30'000'000'000;  // user WS heartbeat
};

// Extra counters specific to this gateway (GatewayCounters holds the shared ones).
struct HlOrderCounters {
  PaddedCounter unknown_orders;    // updates/fills for orders this session never sent
  PaddedCounter nonce_retries;     // re-signed after "duplicate/invalid nonce"
  PaddedCounter not_sent_retries;  // re-sent after a transport "not sent"
  PaddedCounter sign_failures;     // nonce 0 or encoder overflow: rejected locally
  PaddedCounter backlog_overflow;  // exec events lost because the backlog was full too
  PaddedCounter reconciles;        // reconciliation rounds completed
  PaddedCounter twap_refused;      // native TWAP intents refused locally (minutes, size, kind)
  PaddedCounter twap_adopted;      // TWAPs whose twapId came from the stream, not the answer
  PaddedCounter twap_unknown;      // slice fills / history of TWAPs this session never sent
};

// Behaviour:
// * new -> order action (asset, wire price/size, tif Gtc/Ioc/Alo, reduce-only, tp/sl triggers,
//   cloid); cancel -> cancelByCloid; modify -> modify by cloid; cancel-all -> cancelByCloid over
//   every open order (of the intent's instrument when it is valid).
// * Each action takes a fresh nonce, is signed from the presign pool (RFC 6979 when it is
//   empty, counted) and POSTed to /exchange.
// * Response -> OrderUpdate: resting -> kNew + oid; filled -> kFilled (IOC remainder:
//   kCancelled with the filled quantity); error -> kRejected + reason. Fills come from the user
//   stream (userFills / userEvents), deduplicated by (tid, oid).
// * Unknown outcome (timeout, "maybe sent", 5xx, unparsable body): never resent blindly; the
//   order is looked up by cloid (/info orderStatus) first. Exists -> reported as the venue says;
//   unknown -> sent again with a new nonce. "Not sent" -> re-sent once. Duplicate/invalid nonce
//   -> nonce skipped forward, re-signed and re-sent once.
// * Native TWAP (intent flag kIntentNativeTwap): twapOrder {a,b,s,r,m,t}, minutes outside
//   5..1440 or an off-lot size refused locally (counted in twap_refused). "running" -> kNew,
//   twapId indexed. Slice fills (userFills with twapId, userTwapSliceFills; deduplicated by
//   tid) -> Fill + OrderUpdate kPartiallyFilled/kFilled; the TWAP's end (userTwapHistory
//   finished/terminated/error) -> the terminal update once its executed size has arrived as
//   fills (kFilled, else kCancelled with the rest unfilled). Cancel -> twapCancel (sent when the
//   twapId is known); cancel-all adds a twapCancel per live TWAP. A twapId the answer did not
//   give (lost answer, or the stream was faster) is adopted from the stream by instrument,
//   side and size. Reconciliation never queries TWAPs (openOrders does not list them): their
//   state comes from the userTwapHistory / userTwapSliceFills snapshots on every (re)connect.
// * A modify the venue refuses leaves the order as it was: the OrderUpdate repeats its last
//   status with the reject reason set.
// * After every user-stream (re)connect and on request_reconcile(): openOrders + userFills +
//   clearinghouseState, compared by the Reconciler; corrections go to the core.
// * A 429/418 with Retry-After pauses every /exchange and /info post for that long (counted in
//   rate_limit_pauses); intents arriving meanwhile are refused with kRateLimited, as when the
//   rate gate refuses them.
// * The /exchange answer's updates carry ts_intent (the intent's ts_recv) and ts_sent/ts_recv
//   (HTTP write completion and response, the transport's clock). Actions only go over HTTP:
//   the user WS carries subscriptions and pings, no `post` requests, so nothing else to stamp.
// Hot path (intent -> signed body -> post; response -> update): no allocation, lock or
// exception. /info answers (status queries, reconciliation) are parsed with the allocating
// InfoParser: they only happen after something went wrong or on (re)connect.
class HlOrderGateway final : public HttpListener, public WsListener {
 public:
  static constexpr std::size_t kMaxInFlight = 64;
  static constexpr std::size_t kMaxBatch = 32;  // cancels per cancel-all action
  static constexpr std::size_t kBodyBytes = 8192;

  // Every reference must outlive the gateway. `user_ws` may be null (no user stream). `rate` and
  // `breaker` may be null (no limits). Throws std::invalid_argument on a bad config (start-up).
  HlOrderGateway(const common::InstrumentRegistry& registry, HttpTransport& http,
                 WsTransport* user_ws, common::SpscQueue<common::OrderIntent>& intents,
                 common::SpscQueue<common::ExecEvent>& out, crypto::PresignPool& pool,
                 NonceManager& nonces, const common::Clock& clock, OrderGatewayConfig config,
                 RateGate* rate = nullptr, Breaker* breaker = nullptr);
  HlOrderGateway(const HlOrderGateway&) = delete;
  HlOrderGateway& operator=(const HlOrderGateway&) = delete;
  ~HlOrderGateway() override;

  int do_work() noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return "hl-order"; }

  // Starts a reconciliation round (no-op while one is running).
  void request_reconcile() noexcept;

  void on_http_response(const HttpResponse& response) noexcept override;
  void on_http_sent(std::uint64_t request_id, common::Nanos ts_sent) noexcept override;
  void on_ws_open() noexcept override;
  void on_ws_text(const WsFrame& frame) noexcept override;
  void on_ws_close() noexcept override;

  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const HlOrderCounters& hl_counters() const noexcept { return hl_counters_; }
  [[nodiscard]] OrderTable& orders() noexcept { return table_; }
  [[nodiscard]] const std::optional<ClearinghouseState>& account_state() const noexcept {
    return account_state_;
  }
  [[nodiscard]] std::size_t in_flight() const noexcept;
  // Until when a 429/418 Retry-After pauses posting (gateway clock); 0 = never paused.
  [[nodiscard]] common::Nanos paused_until_ns() const noexcept { return paused_until_ns_; }
  [[nodiscard]] bool reconciling() const noexcept {
    return reconcile_pending_ != 0 || rec_unsent_ != 0;
  }

 private:
  enum class ReqKind : std::uint8_t {
    kFree,
    kOrder,
    kCancel,
    kModify,
    kCancelAll,
    kStatusQuery,
    kOpenOrders,
    kUserFills,
    kAccountState,
    kTwapOrder,
    kTwapCancel,
  };
  struct Request {
    ReqKind kind = ReqKind::kFree;
    ReqKind query_for = ReqKind::kFree;  // kStatusQuery: what the answer decides
    std::uint8_t attempts = 0;           // re-sends of the action
    std::uint8_t queries = 0;            // status queries made
    std::uint64_t request_id = 0;
    std::uint64_t nonce = 0;
    common::Nanos ts_sent = 0;  // kOrder: write completion of the last post, 0 before it
    bool stamped = false;       // kOrder: the user stream's first word carried the timings
    common::OrderIntent intent;
    common::ClientOrderId subject;  // the order this request is about
    std::array<CancelByCloidEntry, kMaxBatch> cancels{};
    std::uint32_t cancel_count = 0;
  };

  int drain_intents() noexcept;
  int poll_user_stream() noexcept;
  void handle_intent(const common::OrderIntent& intent) noexcept;
  Request* alloc_request(ReqKind kind) noexcept;
  [[nodiscard]] Request* find_request(std::uint64_t id) noexcept;
  void free_request(Request& r) noexcept;
  // Builds, signs and posts the request's action; false when it could not be sent (the caller
  // reports the failure).
  bool send_action(Request& r) noexcept;
  template <typename Action>
  bool sign_and_post(const Action& action, std::uint32_t batch, Request& r) noexcept;
  bool post_info(Request& r, std::string_view body) noexcept;
  bool send_status_query(Request& r, ReqKind query_for) noexcept;
  common::RejectReason map_intent(const common::OrderIntent& in, OrderWire& out,
                                  const common::ClientOrderId& cloid) const noexcept;
  common::RejectReason map_twap(const common::OrderIntent& in, TwapOrderAction& out) const noexcept;

  void on_exchange_response(Request& r, const HttpResponse& resp) noexcept;
  void on_unknown_outcome(Request& r) noexcept;
  void on_action_failed(Request& r, common::RejectReason reason,
                        const HttpResponse* resp = nullptr) noexcept;
  void on_order_status(Request& r, const HttpResponse& resp) noexcept;
  void on_reconcile_part(Request& r, const HttpResponse& resp) noexcept;
  void finish_reconcile() noexcept;
  int post_reconcile_parts(common::Nanos now) noexcept;
  void apply_order_status(Request& r, const ActionStatus& st, const HttpResponse& resp) noexcept;
  void apply_cancel_status(const common::ClientOrderId& cloid, const ActionStatus& st,
                           const Request* r = nullptr, const HttpResponse* resp = nullptr) noexcept;

  void on_ws_update(const common::OrderUpdate& u) noexcept;
  void on_ws_fill(const common::Fill& f, bool snapshot, std::uint64_t twap_id = 0) noexcept;

  // Native TWAP (order_gateway_twap.cpp).
  void apply_twap_status(Request& r, const ActionStatus& st, const HttpResponse& resp) noexcept;
  void apply_twap_cancel_status(Request& r, const ActionStatus& st,
                                const HttpResponse& resp) noexcept;
  bool send_twap_cancel(const common::ClientOrderId& cloid) noexcept;
  void on_twap_history(const TwapHistoryEntry& e, bool snapshot) noexcept;
  void on_twap_fill(TrackedOrder& o, const common::Fill& f) noexcept;
  void end_twap(TrackedOrder& o) noexcept;
  void settle_twaps() noexcept;  // after a reconciliation round: ends whose fills never came
  // The tracked TWAP with this id, or a sent one still without an id that matches (adopted).
  TrackedOrder* twap_for(std::uint64_t twap_id, common::InstrumentId ins, common::Side side,
                         common::Qty size) noexcept;
  void forget_pending_twap(const common::ClientOrderId& cloid) noexcept;
  // `r`/`resp`: the request and answer this update settles (their timings go on it), or null.
  void report(TrackedOrder& o, common::OrderStatus status, common::RejectReason reject,
              const Request* r = nullptr, const HttpResponse* resp = nullptr) noexcept;
  void emit(const common::ExecEvent& e) noexcept;
  int flush_backlog() noexcept;
  void emit_status(common::VenueState s) noexcept;
  bool ws_send(std::string_view frame) noexcept;

  const common::InstrumentRegistry& registry_;
  HttpTransport& http_;
  WsTransport* ws_;
  common::SpscQueue<common::OrderIntent>& intents_;
  common::SpscQueue<common::ExecEvent>& out_;
  crypto::PresignPool& pool_;
  NonceManager& nonces_;
  const common::Clock& clock_;
  OrderGatewayConfig config_;
  RateGate* rate_;
  Breaker* breaker_;
  UnlimitedRate no_rate_;
  NeverOpenBreaker no_breaker_;

  ExecParser exec_parser_;
  InfoParser info_parser_;
  OrderTable table_;
  SeenFills seen_fills_;
  Reconciler reconciler_;
  std::array<Request, kMaxInFlight> requests_{};

  std::vector<common::ExecEvent> backlog_;  // ring, sized at construction
  std::size_t backlog_head_ = 0;
  std::size_t backlog_count_ = 0;

  // Reconciliation round: parts still outstanding and the parsed answers.
  int reconcile_pending_ = 0;
  std::uint8_t rec_unsent_ = 0;  // parts of the round not posted yet (bit per part)
  common::Nanos rec_retry_ns_ = 0;
  std::vector<OpenOrderInfo> rec_open_;
  std::vector<common::Fill> rec_fills_;
  std::vector<std::uint64_t> rec_fill_twaps_;  // twapId per rec_fills_ entry (0 = none)
  bool rec_ok_ = true;
  std::optional<ClearinghouseState> account_state_;

  std::array<char, kBodyBytes> msgpack_buf_{};
  std::array<char, kBodyBytes> body_buf_{};
  std::size_t body_len_ = 0;
  common::Nanos last_ws_tx_ns_ = 0;
  common::Nanos paused_until_ns_ = 0;  // 429/418 Retry-After: no post before
  bool ws_open_ = false;
  // TWAPs sent whose twapId is not known yet (adoption candidates), bounded.
  static constexpr std::size_t kMaxPendingTwaps = 16;
  std::array<common::ClientOrderId, kMaxPendingTwaps> pending_twaps_{};
  std::size_t pending_twap_count_ = 0;

  GatewayCounters counters_;
  HlOrderCounters hl_counters_;

 public:
  // The last body posted (tests and the benchmark); valid until the next post.
  [[nodiscard]] std::string_view last_body() const noexcept {
    return {body_buf_.data(), body_len_};
  }
};

}  // namespace peregrine::gateways::hyperliquid
