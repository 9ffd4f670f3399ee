#include "gateways/hyperliquid/order_gateway.hpp"

#include <stdexcept>
#include <utility>

#include "gateways/hyperliquid/text_buffer.hpp"

namespace peregrine::gateways::hyperliquid {

namespace {

using common::ExecEvent;
using common::Nanos;
using common::OrderIntent;
using common::OrderStatus;
using common::OrderUpdate;
using common::RejectReason;
using detail::Text;

constexpr std::string_view kExchange = "/exchange";
constexpr std::string_view kInfo = "/info";

bool plain_hex_address(std::string_view a) noexcept {
  if (a.size() != 42 || a[0] != '0' || a[1] != 'x') return false;
  for (std::size_t i = 2; i < a.size(); ++i) {
    const char c = a[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

HlOrderGateway::HlOrderGateway(const common::InstrumentRegistry& registry, HttpTransport& http,
                               WsTransport* user_ws,
                               common::SpscQueue<common::OrderIntent>& intents,
                               common::SpscQueue<common::ExecEvent>& out, crypto::PresignPool& pool,
                               NonceManager& nonces, const common::Clock& clock,
                               OrderGatewayConfig config, RateGate* rate, Breaker* breaker)
    : registry_(registry),
      http_(http),
      ws_(user_ws),
      intents_(intents),
      out_(out),
      pool_(pool),
      nonces_(nonces),
      clock_(clock),
      config_(std::move(config)),
      rate_(rate != nullptr ? rate : &no_rate_),
      breaker_(breaker != nullptr ? breaker : &no_breaker_),
      exec_parser_(registry),
      info_parser_(registry),
      table_(config_.max_orders),
      seen_fills_(config_.fill_memory) {
  if (!plain_hex_address(config_.account)) {
    throw std::invalid_argument("hl order gateway: account must be 0x + 40 lowercase hex digits");
  }
  if (config_.backlog == 0) throw std::invalid_argument("hl order gateway: backlog must be > 0");
  backlog_.resize(config_.backlog);
  http_.set_listener(this);
  if (ws_ != nullptr) ws_->set_listener(this);
}

HlOrderGateway::~HlOrderGateway() {
  http_.set_listener(nullptr);
  if (ws_ != nullptr) ws_->set_listener(nullptr);
}

int HlOrderGateway::do_work() noexcept {
  int work = flush_backlog();
  work += http_.poll();
  work += poll_user_stream();
  if (rec_unsent_ != 0) work += post_reconcile_parts(clock_.now_ns());
  work += drain_intents();
  // Terminal orders stay tracked (late WS updates, reconciliation) until the table is half
  // full; then the oldest go, a few per cycle.
  if (table_.size() > table_.max_size() / 2) (void)table_.prune_terminal(table_.max_size() / 2, 8);
  return work;
}

std::size_t HlOrderGateway::in_flight() const noexcept {
  std::size_t n = 0;
  for (const auto& r : requests_) n += r.kind != ReqKind::kFree ? 1 : 0;
  return n;
}

// ---- intents ---------------------------------------------------------------------------------

int HlOrderGateway::drain_intents() noexcept {
  int n = 0;
  OrderIntent intent;
  // Bounded per cycle so responses and the user stream keep flowing under an intent burst.
  while (n < config_.max_intents_per_cycle && backlog_count_ == 0 && intents_.try_pop(intent)) {
    counters_.intents.add();
    handle_intent(intent);
    ++n;
  }
  return n;
}

RejectReason HlOrderGateway::map_intent(const OrderIntent& in, OrderWire& out,
                                        const common::ClientOrderId& cloid) const noexcept {
  if (!in.instrument.valid() || in.instrument.value >= registry_.size()) {
    return RejectReason::kOther;
  }
  const common::Instrument& inst = registry_.get(in.instrument);
  if (inst.venue != common::VenueId::kHyperliquid || inst.asset_index < 0 ||
      inst.size_decimals < 0) {
    return RejectReason::kOther;
  }
  const Market market = inst.kind == common::InstrumentKind::kSpot ? Market::kSpot : Market::kPerp;
  out = OrderWire{};
  out.asset = static_cast<std::uint32_t>(inst.asset_index);
  out.is_buy = in.side == common::Side::kBuy;
  out.price = in.price;
  out.size = in.qty;
  out.reduce_only = (in.flags & common::intent_flags::kReduceOnly) != 0;
  out.cloid = cloid;
  switch (in.tif) {
    case common::TimeInForce::kGtc:
      out.tif = Tif::kGtc;
      break;
    case common::TimeInForce::kIoc:
      out.tif = Tif::kIoc;
      break;
    case common::TimeInForce::kPostOnly:
      out.tif = Tif::kAlo;
      break;
    case common::TimeInForce::kFok:
      return RejectReason::kOther;  // the venue has no fill-or-kill
  }
  switch (in.type) {
    case common::OrderType::kLimit:
      break;
    case common::OrderType::kMarket:
      out.tif = Tif::kIoc;  // venue market order = aggressive IOC limit at the intent's price
      break;
    case common::OrderType::kStopMarket:
    case common::OrderType::kStopLimit:
    case common::OrderType::kTakeProfitMarket:
    case common::OrderType::kTakeProfitLimit:
      out.is_trigger = true;
      out.trigger_is_market = in.type == common::OrderType::kStopMarket ||
                              in.type == common::OrderType::kTakeProfitMarket;
      out.tpsl =
          in.type == common::OrderType::kStopMarket || in.type == common::OrderType::kStopLimit
              ? Tpsl::kSl
              : Tpsl::kTp;
      out.trigger_price = in.trigger_price;
      if (check_price(in.trigger_price, inst.size_decimals, market) != WireError::kOk) {
        return RejectReason::kInvalidPrice;
      }
      break;
    case common::OrderType::kTrailingStopMarket:
      return RejectReason::kOther;  // not a venue order type
  }
  if (check_price(in.price, inst.size_decimals, market) != WireError::kOk) {
    return RejectReason::kInvalidPrice;
  }
  if (check_size(in.qty, inst.size_decimals) != WireError::kOk) return RejectReason::kInvalidQty;
  return RejectReason::kNone;
}

void HlOrderGateway::handle_intent(const OrderIntent& intent) noexcept {
  const Nanos now = clock_.now_ns();
  auto reject_now = [&](const common::ClientOrderId& cloid, RejectReason reason) {
    OrderUpdate u;
    u.ts_recv = now;
    u.cloid = cloid;
    u.price = intent.price;
    u.qty = intent.qty;
    u.instrument = intent.instrument;
    u.strategy = intent.strategy;
    u.side = intent.side;
    u.status = OrderStatus::kRejected;
    u.reject = reason;
    counters_.rejects.add();
    emit(ExecEvent(u));
  };

  ReqKind kind = ReqKind::kOrder;
  switch (intent.action) {
    case common::IntentAction::kNew:
      kind = ReqKind::kOrder;
      break;
    case common::IntentAction::kCancel:
      kind = ReqKind::kCancel;
      break;
    case common::IntentAction::kModify:
      kind = ReqKind::kModify;
      break;
    case common::IntentAction::kCancelAll:
      kind = ReqKind::kCancelAll;
      break;
  }
  if (kind == ReqKind::kOrder && (intent.flags & kIntentNativeTwap) != 0) {
    kind = ReqKind::kTwapOrder;
  }
  const bool is_new = kind == ReqKind::kOrder || kind == ReqKind::kTwapOrder;
  const common::ClientOrderId subject = is_new ? intent.cloid : intent.target;

  if (is_new) {
    OrderWire wire;
    TwapOrderAction twap;
    const RejectReason why = kind == ReqKind::kTwapOrder ? map_twap(intent, twap)
                                                         : map_intent(intent, wire, intent.cloid);
    if (why != RejectReason::kNone) {
      if (kind == ReqKind::kTwapOrder) hl_counters_.twap_refused.add();
      reject_now(intent.cloid, why);
      return;
    }
    TrackedOrder* o = table_.find(intent.cloid);
    if (o != nullptr) {
      reject_now(intent.cloid, RejectReason::kDuplicateClientId);
      return;
    }
    o = table_.add(intent.cloid);
    if (o == nullptr) {
      reject_now(intent.cloid, RejectReason::kOther);  // table full: never lose track
      return;
    }
    OrderUpdate& u = o->last;
    u.ts_recv = now;
    u.cloid = intent.cloid;
    u.price = intent.price;
    u.qty = intent.qty;
    u.instrument = intent.instrument;
    u.strategy = intent.strategy;
    u.side = intent.side;
    u.status = OrderStatus::kPendingNew;
    o->is_trigger = wire.is_trigger;
    o->is_twap = kind == ReqKind::kTwapOrder;
    if (o->is_twap && pending_twap_count_ < kMaxPendingTwaps) {
      pending_twaps_[pending_twap_count_++] = intent.cloid;
    }
  } else if (kind == ReqKind::kCancel || kind == ReqKind::kModify) {
    TrackedOrder* o = table_.find(intent.target);
    if (o == nullptr || o->terminal) {
      // Nothing to cancel or modify: say so with the order's last known state.
      OrderUpdate u;
      if (o != nullptr) {
        u = o->last;
      } else {
        u.cloid = intent.target;
        u.instrument = intent.instrument;
        u.strategy = intent.strategy;
        u.status = OrderStatus::kRejected;
      }
      u.ts_recv = now;
      u.reject = RejectReason::kUnknownOrder;
      emit(ExecEvent(u));
      return;
    }
    if (o->is_twap) {
      if (kind == ReqKind::kModify) {  // the venue has no TWAP modify
        hl_counters_.twap_refused.add();
        report(*o, o->last.status, RejectReason::kOther);
        return;
      }
      if (o->twap_id == 0) {
        o->twap_cancel_wanted = true;  // sent as soon as the venue names the TWAP
        return;
      }
      kind = ReqKind::kTwapCancel;
    }
    if (kind == ReqKind::kModify) {
      OrderWire wire;
      if (const RejectReason why = map_intent(intent, wire, intent.target);
          why != RejectReason::kNone) {
        report(*o, o->last.status, why);
        return;
      }
    }
  }

  Request* r = alloc_request(kind);
  if (r == nullptr) {
    // Every slot awaits an answer: refuse rather than queue without bound.
    counters_.throttled.add();
    if (is_new) {
      TrackedOrder* o = table_.find(intent.cloid);
      if (o != nullptr) {
        forget_pending_twap(intent.cloid);
        counters_.rejects.add();
        report(*o, OrderStatus::kRejected, RejectReason::kRateLimited);
      }
    } else if (TrackedOrder* o = table_.find(intent.target)) {
      report(*o, o->last.status, RejectReason::kRateLimited);
    }
    return;
  }
  r->intent = intent;
  r->subject = subject;
  if (kind == ReqKind::kCancelAll) {
    const bool any_instrument = !intent.instrument.valid();
    std::array<common::ClientOrderId, kMaxPendingTwaps> twaps{};
    std::size_t twap_count = 0;
    table_.for_each([&](const common::ClientOrderId& cloid, TrackedOrder& o) {
      if (o.terminal || r->cancel_count >= kMaxBatch) return;
      if (!any_instrument && o.last.instrument != intent.instrument) return;
      if (o.is_twap) {  // not an order at the venue: its own twapCancel
        if (twap_count < twaps.size()) twaps[twap_count++] = cloid;
        return;
      }
      const common::Instrument& inst = registry_.get(o.last.instrument);
      r->cancels[r->cancel_count++] =
          CancelByCloidEntry{static_cast<std::uint32_t>(inst.asset_index), cloid};
    });
    for (std::size_t i = 0; i < twap_count; ++i) (void)send_twap_cancel(twaps[i]);
    if (r->cancel_count == 0) {
      free_request(*r);
      return;
    }
  }
  if (!send_action(*r)) on_action_failed(*r, RejectReason::kRateLimited);
}

// ---- requests --------------------------------------------------------------------------------

HlOrderGateway::Request* HlOrderGateway::alloc_request(ReqKind kind) noexcept {
  for (auto& r : requests_) {
    if (r.kind == ReqKind::kFree) {
      r = Request{};
      r.kind = kind;
      return &r;
    }
  }
  return nullptr;
}

HlOrderGateway::Request* HlOrderGateway::find_request(std::uint64_t id) noexcept {
  if (id == 0) return nullptr;
  for (auto& r : requests_) {
    if (r.kind != ReqKind::kFree && r.request_id == id) return &r;
  }
  return nullptr;
}

void HlOrderGateway::free_request(Request& r) noexcept {
  if (TrackedOrder* o = table_.find(r.subject)) o->in_flight = false;
  r.kind = ReqKind::kFree;
  r.request_id = 0;
}

template <typename Action>
bool HlOrderGateway::sign_and_post(const Action& action, std::uint32_t batch, Request& r) noexcept {
  const Nanos now = clock_.now_ns();
  if (now < paused_until_ns_ || !breaker_->allow(now) || !rate_->try_acquire(1 + batch / 40, now)) {
    counters_.throttled.add();
    return false;
  }
  const std::uint64_t nonce = nonces_.next();
  ByteSink mp(msgpack_buf_.data(), msgpack_buf_.size());
  if (nonce == 0 || !encode_msgpack(action, mp)) {
    hl_counters_.sign_failures.add();
    return false;
  }
  L1Options opts;
  opts.nonce = nonce;
  opts.vault = config_.vault;
  opts.mainnet = config_.mainnet;
  const Hash32 digest = l1_digest(action_hash(mp.view(), opts), opts.mainnet);
  const std::uint64_t fallbacks = pool_.fallbacks();
  const RecoverableSignature sig = pool_.sign(digest);
  if (pool_.fallbacks() != fallbacks) counters_.presign_fallbacks.add();
  ByteSink body(body_buf_.data(), body_buf_.size());
  if (!write_exchange_body(body, action, sig, opts)) {
    hl_counters_.sign_failures.add();
    return false;
  }
  body_len_ = body.size();
  const std::uint64_t id = http_.post(kExchange, body.view());
  if (id == 0) return false;
  r.request_id = id;
  r.nonce = nonce;
  counters_.sends.add();
  if (TrackedOrder* o = table_.find(r.subject)) o->in_flight = true;
  return true;
}

bool HlOrderGateway::send_action(Request& r) noexcept {
  switch (r.kind) {
    case ReqKind::kOrder: {
      OrderWire wire;
      if (map_intent(r.intent, wire, r.intent.cloid) != RejectReason::kNone) return false;
      const OrderAction a{std::span<const OrderWire>(&wire, 1), Grouping::kNa, std::nullopt};
      return sign_and_post(a, 1, r);
    }
    case ReqKind::kModify: {
      ModifyAction a;
      if (map_intent(r.intent, a.modify.order, r.intent.target) != RejectReason::kNone) {
        return false;
      }
      a.modify.cloid = r.intent.target;
      return sign_and_post(a, 1, r);
    }
    case ReqKind::kCancel: {
      const TrackedOrder* o = table_.find(r.subject);
      if (o == nullptr) return false;
      const CancelByCloidEntry e{
          static_cast<std::uint32_t>(registry_.get(o->last.instrument).asset_index), r.subject};
      const CancelByCloidAction a{std::span<const CancelByCloidEntry>(&e, 1)};
      return sign_and_post(a, 1, r);
    }
    case ReqKind::kCancelAll: {
      const CancelByCloidAction a{
          std::span<const CancelByCloidEntry>(r.cancels.data(), r.cancel_count)};
      return sign_and_post(a, r.cancel_count, r);
    }
    case ReqKind::kTwapOrder: {
      TwapOrderAction a;
      if (map_twap(r.intent, a) != RejectReason::kNone) return false;
      return sign_and_post(a, 1, r);
    }
    case ReqKind::kTwapCancel: {
      const TrackedOrder* o = table_.find(r.subject);
      if (o == nullptr || o->twap_id == 0) return false;
      const TwapCancelAction a{
          static_cast<std::uint32_t>(registry_.get(o->last.instrument).asset_index), o->twap_id};
      return sign_and_post(a, 1, r);
    }
    default:
      return false;
  }
}

bool HlOrderGateway::post_info(Request& r, std::string_view body) noexcept {
  const Nanos now = clock_.now_ns();
  if (now < paused_until_ns_ || !rate_->try_acquire(2, now)) {
    counters_.throttled.add();
    return false;
  }
  const std::uint64_t id = http_.post(kInfo, body);
  if (id == 0) return false;
  r.request_id = id;
  counters_.sends.add();
  return true;
}

bool HlOrderGateway::send_status_query(Request& r, ReqKind query_for) noexcept {
  char buf[256];
  Text t(buf, sizeof(buf));
  t.add(R"({"type":"orderStatus","user":")");
  t.add(config_.account);
  t.add(R"(","oid":")");
  t.add_cloid(r.subject);
  t.add("\"}");
  if (r.kind != ReqKind::kStatusQuery) r.query_for = query_for;
  r.kind = ReqKind::kStatusQuery;
  ++r.queries;
  counters_.status_queries.add();
  if (TrackedOrder* o = table_.find(r.subject)) o->in_flight = true;
  return t.ok() && post_info(r, t.view());
}

// ---- responses -------------------------------------------------------------------------------

void HlOrderGateway::on_http_sent(std::uint64_t request_id, Nanos ts_sent) noexcept {
  if (Request* r = find_request(request_id); r != nullptr && r->kind == ReqKind::kOrder) {
    r->ts_sent = ts_sent;
  }
}

void HlOrderGateway::on_http_response(const HttpResponse& resp) noexcept {
  counters_.frames.add();
  if (resp.outcome == HttpOutcome::kOk && (resp.status == 429 || resp.status == 418) &&
      resp.retry_after_ms > 0) {
    const Nanos until = clock_.now_ns() + static_cast<Nanos>(resp.retry_after_ms) * 1'000'000;
    if (until > paused_until_ns_) paused_until_ns_ = until;
    counters_.rate_limit_pauses.add();
  }
  Request* r = find_request(resp.request_id);
  if (r == nullptr) return;  // a late answer to something already settled
  switch (r->kind) {
    case ReqKind::kOrder:
    case ReqKind::kCancel:
    case ReqKind::kModify:
    case ReqKind::kCancelAll:
    case ReqKind::kTwapOrder:
    case ReqKind::kTwapCancel:
      on_exchange_response(*r, resp);
      break;
    case ReqKind::kStatusQuery:
      on_order_status(*r, resp);
      break;
    case ReqKind::kOpenOrders:
    case ReqKind::kUserFills:
    case ReqKind::kAccountState:
      on_reconcile_part(*r, resp);
      break;
    case ReqKind::kFree:
      break;
  }
}

void HlOrderGateway::on_exchange_response(Request& r, const HttpResponse& resp) noexcept {
  const Nanos now = clock_.now_ns();
  if (resp.outcome == HttpOutcome::kNotSent) {
    breaker_->on_failure(now);
    if (r.attempts == 0) {
      ++r.attempts;
      counters_.retries.add();
      hl_counters_.not_sent_retries.add();
      if (send_action(r)) return;
    }
    on_action_failed(r, RejectReason::kOther);
    return;
  }
  if (resp.outcome != HttpOutcome::kOk || resp.status >= 500) {
    breaker_->on_failure(now);
    on_unknown_outcome(r);
    return;
  }
  if (resp.status == 429 || resp.status == 418) {
    on_action_failed(r, RejectReason::kRateLimited, &resp);
    return;
  }
  if (resp.status != 200) {  // 4xx: the venue refused the request as a whole
    on_action_failed(r, RejectReason::kOther, &resp);
    return;
  }
  breaker_->on_success(now);
  const auto parsed = exec_parser_.parse_exchange_unpadded(resp.body);
  if (!parsed) {
    counters_.parse_errors.add();
    on_unknown_outcome(r);
    return;
  }
  const ExchangeResponse& er = *parsed;
  if (er.kind == ResponseKind::kError) {
    if (er.reject == RejectReason::kBadNonce && r.attempts == 0) {
      // Skip past the refused nonce and sign again: the action itself was not applied.
      nonces_.skip_to(r.nonce + 1);
      ++r.attempts;
      counters_.retries.add();
      hl_counters_.nonce_retries.add();
      if (send_action(r)) return;
    }
    on_action_failed(r, er.reject, &resp);
    return;
  }
  switch (r.kind) {
    case ReqKind::kOrder:
    case ReqKind::kTwapOrder:
    case ReqKind::kTwapCancel: {
      const ActionStatus* st = er.status_for(0, 1);
      if (st == nullptr) {
        counters_.parse_errors.add();
        on_unknown_outcome(r);
        return;
      }
      if (st->kind == ActionStatusKind::kError && st->reject == RejectReason::kBadNonce &&
          r.attempts == 0) {
        nonces_.skip_to(r.nonce + 1);
        ++r.attempts;
        counters_.retries.add();
        hl_counters_.nonce_retries.add();
        if (send_action(r)) return;
      }
      if (r.kind == ReqKind::kOrder) {
        apply_order_status(r, *st, resp);
      } else if (r.kind == ReqKind::kTwapOrder) {
        apply_twap_status(r, *st, resp);
      } else {
        apply_twap_cancel_status(r, *st, resp);
      }
      break;
    }
    case ReqKind::kModify: {
      TrackedOrder* o = table_.find(r.subject);
      if (o != nullptr) {
        o->last.price = r.intent.price;
        o->last.qty = r.intent.qty;
        counters_.acks.add();
        report(*o, o->last.status, RejectReason::kNone, &r, &resp);
      }
      break;
    }
    case ReqKind::kCancel:
    case ReqKind::kCancelAll: {
      const std::size_t n = r.kind == ReqKind::kCancel ? 1 : r.cancel_count;
      for (std::size_t i = 0; i < n; ++i) {
        const common::ClientOrderId cloid =
            r.kind == ReqKind::kCancel ? r.subject : r.cancels[i].cloid;
        const ActionStatus* st = er.status_for(i, n);
        if (st != nullptr) apply_cancel_status(cloid, *st, &r, &resp);
      }
      break;
    }
    default:
      break;
  }
  free_request(r);
}

void HlOrderGateway::apply_order_status(Request& r, const ActionStatus& st,
                                        const HttpResponse& resp) noexcept {
  TrackedOrder* o = table_.find(r.subject);
  if (o == nullptr) return;
  switch (st.kind) {
    case ActionStatusKind::kResting:
      o->last.venue_order_id = st.oid;
      counters_.acks.add();
      report(*o, OrderStatus::kNew, RejectReason::kNone, &r, &resp);
      break;
    case ActionStatusKind::kFilled: {
      o->last.venue_order_id = st.oid;
      o->last.filled_qty = st.filled_qty;
      o->last.avg_price = st.avg_price;
      counters_.acks.add();
      OrderStatus s = OrderStatus::kFilled;
      if (st.filled_qty < o->last.qty) {
        // IOC: the rest was cancelled; GTC: the rest rests.
        s = r.intent.tif == common::TimeInForce::kGtc && r.intent.type == common::OrderType::kLimit
                ? OrderStatus::kPartiallyFilled
                : OrderStatus::kCancelled;
      }
      report(*o, s, RejectReason::kNone, &r, &resp);
      break;
    }
    case ActionStatusKind::kWaitingForFill:
    case ActionStatusKind::kWaitingForTrigger:
      counters_.acks.add();
      report(*o, OrderStatus::kNew, RejectReason::kNone, &r, &resp);
      break;
    case ActionStatusKind::kError:
      counters_.rejects.add();
      report(*o, OrderStatus::kRejected, st.reject, &r, &resp);
      break;
    default:  // success/twap on an order: not an answer we understand
      counters_.parse_errors.add();
      on_unknown_outcome(r);
      return;
  }
}

void HlOrderGateway::apply_cancel_status(const common::ClientOrderId& cloid, const ActionStatus& st,
                                         const Request* r, const HttpResponse* resp) noexcept {
  TrackedOrder* o = table_.find(cloid);
  if (o == nullptr) return;
  if (st.kind == ActionStatusKind::kSuccess) {
    if (!o->terminal) report(*o, OrderStatus::kCancelled, RejectReason::kNone, r, resp);
    return;
  }
  // "Never placed, already canceled, or filled": ask the venue which.
  Request* q = alloc_request(ReqKind::kStatusQuery);
  if (q == nullptr) {
    request_reconcile();
    return;
  }
  q->subject = cloid;
  q->query_for = ReqKind::kFree;  // only report what the venue says
  if (!send_status_query(*q, ReqKind::kFree)) {
    free_request(*q);
    request_reconcile();
  }
}

void HlOrderGateway::on_unknown_outcome(Request& r) noexcept {
  if (r.kind == ReqKind::kTwapOrder || r.kind == ReqKind::kTwapCancel) {
    // No orderStatus for TWAPs: the user stream settles it. A TWAP that runs shows up in
    // userTwapHistory (adopted by instrument, side and size); a cancel that landed ends it.
    free_request(r);
    return;
  }
  if (r.kind == ReqKind::kCancelAll) {
    // Many orders in one action: reconciliation settles all of them.
    free_request(r);
    request_reconcile();
    return;
  }
  const ReqKind what = r.kind == ReqKind::kStatusQuery ? r.query_for : r.kind;
  if (r.queries >= config_.max_status_queries) {
    free_request(r);
    request_reconcile();
    return;
  }
  if (!send_status_query(r, what)) {
    free_request(r);
    request_reconcile();
  }
}

void HlOrderGateway::on_action_failed(Request& r, RejectReason reason,
                                      const HttpResponse* resp) noexcept {
  const std::size_t n = r.kind == ReqKind::kCancelAll ? r.cancel_count : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const common::ClientOrderId cloid =
        r.kind == ReqKind::kCancelAll ? r.cancels[i].cloid : r.subject;
    TrackedOrder* o = table_.find(cloid);
    if (o == nullptr) continue;
    if (r.kind == ReqKind::kOrder || r.kind == ReqKind::kTwapOrder) {
      forget_pending_twap(cloid);
      counters_.rejects.add();
      report(*o, OrderStatus::kRejected, reason, &r, resp);
    } else {
      report(*o, o->last.status, reason, &r, resp);  // the order itself is unchanged
    }
  }
  free_request(r);
}

void HlOrderGateway::on_order_status(Request& r, const HttpResponse& resp) noexcept {
  if (resp.outcome != HttpOutcome::kOk || resp.status != 200) {
    on_unknown_outcome(r);  // ask again (bounded), then reconcile
    return;
  }
  const auto parsed = info_parser_.parse_order_status(resp.body);
  if (!parsed) {
    counters_.parse_errors.add();
    on_unknown_outcome(r);
    return;
  }
  const OrderStatusInfo& info = *parsed;
  if (!info.found && (r.query_for == ReqKind::kOrder || r.query_for == ReqKind::kModify)) {
    if (r.query_for == ReqKind::kOrder) {
      // The venue never saw it: sending it now cannot create a second order.
      r.kind = ReqKind::kOrder;
      ++r.attempts;
      counters_.retries.add();
      if (send_action(r)) return;
      on_action_failed(r, RejectReason::kOther);
      return;
    }
  }
  if (info.found && r.query_for == ReqKind::kCancel && info.status.known &&
      !is_terminal(info.status.status) && r.attempts == 0) {
    r.kind = ReqKind::kCancel;  // still open: the cancel did not land, send it again
    ++r.attempts;
    counters_.retries.add();
    if (send_action(r)) return;
  }
  const auto result = reconciler_.apply_status(table_, r.subject, info, clock_.now_ns());
  for (const auto& e : result.events) emit(e);
  if (r.query_for == ReqKind::kFree) counters_.reconcile_corrections.add(result.corrections);
  free_request(r);
}

}  // namespace peregrine::gateways::hyperliquid
