#include "gateways/coinbase/order_gateway.hpp"

#include <stdexcept>
#include <utility>

namespace peregrine::gateways::coinbase {

namespace {

using common::ExecEvent;
using common::Nanos;
using common::OrderStatus;
using common::RejectReason;

constexpr std::size_t kCancelPerRequest = 8;

// The answer of a request whose fate the venue did not tell: it may or may not have acted.
bool outcome_unknown(const HttpResponse& resp) noexcept {
  return resp.outcome == HttpOutcome::kMaybeSent || resp.outcome == HttpOutcome::kTimeout ||
         (resp.outcome == HttpOutcome::kOk && resp.status >= 500);
}

}  // namespace

CoinbaseOrderGateway::CoinbaseOrderGateway(const common::InstrumentRegistry& registry,
                                           RestTransport& rest, WsTransport* user_ws,
                                           common::SpscQueue<common::OrderIntent>& intents,
                                           common::SpscQueue<common::ExecEvent>& out,
                                           OrderGatewayJwts jwts, const common::Clock& clock,
                                           OrderGatewayConfig config, RateGate* rate,
                                           Breaker* breaker)
    : registry_(registry),
      rest_(rest),
      ws_(user_ws),
      intents_(intents),
      out_(out),
      jwts_(jwts),
      clock_(clock),
      config_(std::move(config)),
      rate_(rate != nullptr ? rate : &no_rate_),
      breaker_(breaker != nullptr ? breaker : &no_breaker_),
      parser_(registry),
      rest_parser_(&registry),
      table_(config_.max_orders),
      seen_fills_(config_.fill_memory),
      outbox_(out, config_.backlog),
      tally_(config_.max_orders),
      positions_(registry.size()),
      reconciler_(config_.max_orders) {
  if (config_.backlog == 0 || config_.max_orders == 0 || config_.fill_memory == 0 ||
      config_.max_intents_per_cycle <= 0 || config_.max_status_queries <= 0 ||
      config_.max_status_queries > 100 || config_.max_resends < 0 || config_.max_resends > 100 ||
      config_.retry_ns <= 0 || config_.rate_limit_pause_ns <= 0 || config_.reconcile_batch == 0 ||
      config_.reconcile_batch > 100) {
    throw std::invalid_argument("coinbase order gateway: bad config");
  }
  if (jwts_.create == nullptr || jwts_.cancel == nullptr || jwts_.list_orders == nullptr ||
      (ws_ != nullptr && jwts_.ws == nullptr)) {
    throw std::invalid_argument("coinbase order gateway: a JWT cache is missing");
  }
  for (std::size_t i = 0; i < registry_.size(); ++i) {
    const common::Instrument& ins =
        registry_.get(common::InstrumentId{static_cast<std::uint32_t>(i)});
    if (ins.venue == common::VenueId::kCoinbase) user_products_.push_back(ins.symbol.view());
  }
  sub_cap_ = kMaxJwtBytes + 256 + user_products_.size() * 72;
  sub_buf_ = std::make_unique<char[]>(sub_cap_);
  rest_.set_listener(this);
  if (ws_ != nullptr) ws_->set_listener(this);
}

CoinbaseOrderGateway::~CoinbaseOrderGateway() {
  rest_.set_listener(nullptr);
  if (ws_ != nullptr) ws_->set_listener(nullptr);
}

int CoinbaseOrderGateway::do_work() noexcept {
  int work = outbox_.flush();
  work += rest_.poll();  // REST first: its answer carries the reject reason the channel lacks
  if (ws_ != nullptr) work += ws_->poll();
  work += run_timers(clock_.now_ns());
  work += run_reconcile(clock_.now_ns());
  work += drain_intents();
  work += outbox_.flush();
  return work;
}

std::size_t CoinbaseOrderGateway::in_flight() const noexcept {
  std::size_t n = 0;
  for (const auto& r : requests_) n += r.kind != ReqKind::kFree ? 1 : 0;
  return n;
}

// ---- intents ---------------------------------------------------------------------------------

int CoinbaseOrderGateway::drain_intents() noexcept {
  int n = 0;
  common::OrderIntent in;
  while (n < config_.max_intents_per_cycle && intents_.try_pop(in)) {
    counters_.intents.add();
    const Nanos now = clock_.now_ns();
    switch (in.action) {
      case common::IntentAction::kNew:
        on_new(in, now);
        break;
      case common::IntentAction::kCancel:
        on_cancel(in, now);
        break;
      case common::IntentAction::kCancelAll:
        on_cancel_all(in, now);
        break;
      case common::IntentAction::kModify:
        // POST /orders/edit exists on the venue but not in the simulator or the codec yet: the
        // order stays as it is and the strategy hears so (cancel + new is its alternative).
        cb_counters_.modify_refused.add();
        refuse(in.target, RejectReason::kOther);
        break;
    }
    ++n;
  }
  if (n > 0) (void)table_.prune_terminal(table_.max_size() / 2, static_cast<std::size_t>(n));
  return n;
}

std::string_view CoinbaseOrderGateway::product_of(common::InstrumentId id) const noexcept {
  if (!id.valid() || id.value >= registry_.size()) return {};
  const common::Instrument& inst = registry_.get(id);
  return inst.venue == common::VenueId::kCoinbase ? inst.symbol.view() : std::string_view{};
}

bool CoinbaseOrderGateway::gate(Nanos now) noexcept {
  if (now < pause_until_) {  // the venue said 429: nothing goes out until the pause ends
    cb_counters_.paused_refusals.add();
    counters_.throttled.add();
    return false;
  }
  if (breaker_->allow(now) && rate_->try_acquire(1, now)) return true;
  counters_.throttled.add();
  return false;
}

void CoinbaseOrderGateway::on_new(const common::OrderIntent& in, Nanos now) noexcept {
  if (in.cloid.is_null() || product_of(in.instrument).empty()) {
    reject_new(in, RejectReason::kOther);
    return;
  }
  if (table_.find(in.cloid) != nullptr) {  // the same cloid twice would be the same order
    counters_.duplicates.add();
    return;
  }
  hyperliquid::TrackedOrder* o = table_.add(in.cloid);
  if (o == nullptr) {
    reject_new(in, RejectReason::kOther);
    return;
  }
  o->last = pending_update(in);
  o->is_trigger = in.type != common::OrderType::kLimit && in.type != common::OrderType::kMarket;
  // Over the rate budget or out of request slots: refused now, never queued.
  Request* r = gate(now) ? alloc_request(ReqKind::kOrder) : nullptr;
  if (r == nullptr) {
    reject_new(in, RejectReason::kRateLimited);
    return;
  }
  r->intent = in;
  r->subject = in.cloid;
  if (!send(*r, now)) {
    free_request(*r);
    reject_new(in, RejectReason::kOther);
    return;
  }
  o->in_flight = true;
}

void CoinbaseOrderGateway::on_cancel(const common::OrderIntent& in, Nanos now) noexcept {
  const hyperliquid::TrackedOrder* o = in.target.is_null() ? nullptr : table_.find(in.target);
  if (o == nullptr || o->terminal) {
    refuse(in.target, RejectReason::kUnknownOrder);
    return;
  }
  if (o->last.venue_order_id.is_null()) {
    // Coinbase cancels by its own id only: hold the cancel until the create answer names it.
    if (deferred_count_ == deferred_.size()) {
      refuse(in.target, RejectReason::kRateLimited);
      return;
    }
    for (std::size_t i = 0; i < deferred_count_; ++i) {
      if (deferred_[i] == in.target) return;  // already waiting
    }
    deferred_[deferred_count_++] = in.target;
    cb_counters_.deferred_cancels.add();
    return;
  }
  if (!gate(now) || !send_cancel_for(*o, now)) refuse(in.target, RejectReason::kRateLimited);
}

bool CoinbaseOrderGateway::send_cancel_for(const hyperliquid::TrackedOrder& o, Nanos now) noexcept {
  Request* r = alloc_request(ReqKind::kCancel);
  if (r == nullptr) return false;
  r->subject = o.last.cloid;
  r->cancel_ids[0] = o.last.venue_order_id;
  r->cancel_count = 1;
  if (send(*r, now)) return true;
  free_request(*r);
  return false;
}

void CoinbaseOrderGateway::on_cancel_all(const common::OrderIntent& in, Nanos now) noexcept {
  // Every open order we know (of the intent's instrument when it names one), batched.
  Request* r = nullptr;
  bool stop = false;
  table_.for_each([&](const common::ClientOrderId&, const hyperliquid::TrackedOrder& o) {
    if (stop || o.terminal || o.last.venue_order_id.is_null()) return;
    if (in.instrument.valid() && o.last.instrument != in.instrument) return;
    if (r == nullptr) {
      if (!gate(now) || (r = alloc_request(ReqKind::kCancel)) == nullptr) {
        stop = true;
        return;
      }
    }
    r->cancel_ids[r->cancel_count++] = o.last.venue_order_id;
    if (r->cancel_count == kCancelPerRequest) {
      if (!send(*r, now)) free_request(*r);
      r = nullptr;
    }
  });
  if (r != nullptr && !send(*r, now)) free_request(*r);
}

CoinbaseOrderGateway::Request* CoinbaseOrderGateway::alloc_request(ReqKind kind) noexcept {
  for (auto& r : requests_) {
    if (r.kind != ReqKind::kFree) continue;
    r = Request{};
    r.kind = kind;
    return &r;
  }
  return nullptr;
}

void CoinbaseOrderGateway::on_http_sent(std::uint64_t request_id, Nanos ts_sent) noexcept {
  if (Request* r = find_request(request_id); r != nullptr && r->kind == ReqKind::kOrder) {
    r->ts_sent = ts_sent;
  }
}

CoinbaseOrderGateway::Request* CoinbaseOrderGateway::find_request(std::uint64_t id) noexcept {
  if (id == 0) return nullptr;
  for (auto& r : requests_) {
    if (r.kind != ReqKind::kFree && !r.waiting && r.request_id == id) return &r;
  }
  return nullptr;
}

common::OrderUpdate CoinbaseOrderGateway::pending_update(const common::OrderIntent& in) noexcept {
  common::OrderUpdate u;
  u.venue = common::VenueId::kCoinbase;
  u.status = OrderStatus::kPendingNew;
  u.cloid = in.cloid;
  u.strategy = in.strategy;
  u.instrument = in.instrument;
  u.side = in.side;
  u.price = in.price;
  u.qty = in.qty;
  return u;
}

// ---- requests --------------------------------------------------------------------------------

bool CoinbaseOrderGateway::send(Request& r, Nanos now) noexcept {
  if (!build_and_submit(r, now)) return false;
  r.request_id = last_request_id_;
  return true;
}

bool CoinbaseOrderGateway::build_and_submit(const Request& r, Nanos now) noexcept {
  switch (r.kind) {
    case ReqKind::kOrder: {
      const auto req = create_order_from_intent(r.intent, product_of(r.intent.instrument));
      if (!req) return false;
      const auto n = build_create_order(*req, body_buf_.data(), body_buf_.size());
      if (!n) return false;
      return submit(HttpMethod::kPost, kCreateOrder.path, jwts_.create,
                    std::string_view(body_buf_.data(), *n), now);
    }
    case ReqKind::kCancel: {
      const auto n = build_batch_cancel(
          std::span<const common::VenueOrderId>(r.cancel_ids.data(), r.cancel_count),
          body_buf_.data(), body_buf_.size());
      if (!n) return false;
      return submit(HttpMethod::kPost, kBatchCancel.path, jwts_.cancel,
                    std::string_view(body_buf_.data(), *n), now);
    }
    case ReqKind::kQuery: {
      // Newest orders of the product first; the venue has no filter by client_order_id.
      const std::array<std::string_view, 1> products{product_of(r.intent.instrument)};
      ListOrdersQuery q;
      q.product_ids = products;
      q.limit = 100;
      const auto n = build_list_orders_target(q, target_buf_.data(), target_buf_.size());
      if (!n) return false;
      return submit(HttpMethod::kGet, std::string_view(target_buf_.data(), *n), jwts_.list_orders,
                    {}, now);
    }
    case ReqKind::kRecOpen:
    case ReqKind::kRecQuery:
    case ReqKind::kRecPositions:
      return submit_reconcile(r, now);
    case ReqKind::kFree:
      break;
  }
  return false;
}

bool CoinbaseOrderGateway::submit(HttpMethod method, std::string_view target, JwtCache* jwt,
                                  std::string_view body, Nanos now) noexcept {
  const std::string_view token = jwt->current(now);
  if (token.empty()) {
    cb_counters_.jwt_misses.add();
    return false;
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (kBearer.size() + token.size() > auth_buf_.size()) return false;
  kBearer.copy(auth_buf_.data(), kBearer.size());
  token.copy(auth_buf_.data() + kBearer.size(), token.size());
  std::array<RestHeader, 2> headers{};
  std::size_t h = 0;
  headers[h++] = {"Authorization",
                  std::string_view(auth_buf_.data(), kBearer.size() + token.size())};
  if (!body.empty()) headers[h++] = {"Content-Type", "application/json"};
  const std::uint64_t id =
      rest_.request(method, target, std::span<const RestHeader>(headers.data(), h), body);
  if (id == 0) return false;
  last_request_id_ = id;
  counters_.sends.add();
  return true;
}

// ---- answers ---------------------------------------------------------------------------------

void CoinbaseOrderGateway::on_http_response(const HttpResponse& resp) noexcept {
  Request* r = find_request(resp.request_id);
  if (r == nullptr) return;
  counters_.frames.add();
  // The breaker hears about the venue's health: a 4xx is a healthy venue saying no.
  const bool answered = resp.outcome == HttpOutcome::kOk;
  if (answered && resp.status < 500) {
    breaker_->on_success(clock_.now_ns());
    if (resp.status == 401) cb_counters_.auth_failures.add();
  } else if (!answered && resp.outcome == HttpOutcome::kNotSent) {
    // Nothing reached the venue: no verdict on its health.
  } else {
    breaker_->on_failure(clock_.now_ns());
  }
  if (answered && resp.status == 429) note_rate_limited(resp, clock_.now_ns());
  switch (r->kind) {
    case ReqKind::kOrder:
      on_order_answer(*r, resp);
      break;
    case ReqKind::kCancel:
      on_cancel_answer(*r, resp);
      break;
    case ReqKind::kQuery:
      on_query_answer(*r, resp);
      break;
    case ReqKind::kRecOpen:
    case ReqKind::kRecQuery:
    case ReqKind::kRecPositions:
      on_reconcile_answer(*r, resp);
      break;
    case ReqKind::kFree:
      break;
  }
}

void CoinbaseOrderGateway::on_order_answer(Request& r, const HttpResponse& resp) noexcept {
  if (resp.outcome == HttpOutcome::kNotSent) {
    // No byte left this process: the same request may go again (the JWT is reusable).
    if (r.attempts == 0) {
      ++r.attempts;
      counters_.retries.add();
      if (send(r, clock_.now_ns())) return;
    }
    reject_new(r.intent, RejectReason::kOther);
    free_request(r);
    return;
  }
  if (outcome_unknown(resp)) {
    start_query(r);
    return;
  }
  if (resp.status == 401) {  // the venue refused the token: nothing was placed
    reject_new(r.intent, RejectReason::kBadSignature);
    free_request(r);
    return;
  }
  if (resp.status == 429) {
    reject_new(r.intent, RejectReason::kRateLimited);
    free_request(r);
    return;
  }
  const auto p = parser_.parse_create_order_unpadded(resp.body);
  if (!p) {
    counters_.parse_errors.add();
    start_query(r);
    return;
  }
  if (p->success) {
    counters_.acks.add();
    hyperliquid::TrackedOrder* o = table_.find(r.subject);
    if (o != nullptr) {
      common::OrderUpdate u = o->last;
      u.status = OrderStatus::kNew;
      u.reject = RejectReason::kNone;
      u.venue_order_id = p->order_id;
      if (resp.ts_sent > 0 && !r.stamped) {  // this answer's timings (issue #6)
        u.ts_intent = r.intent.ts_recv;
        u.ts_sent = resp.ts_sent;
        u.ts_recv = resp.ts_recv;
      }
      apply_update(u);
      // A user-channel report may have come first: the venue id still has to be known.
      o->last.venue_order_id = p->order_id;
      table_.index_oid(p->order_id.lo, r.subject);
      o->in_flight = false;
    }
    const common::ClientOrderId cloid = r.subject;
    free_request(r);
    after_ack(cloid);
    return;
  }
  if (r.attempts > 0 && p->reject == RejectReason::kDuplicateClientId) {
    // A same-cloid re-send after a lost answer: the first one exists. The channel settles it.
    give_up_unknown(r);
    return;
  }
  reject_new(r.intent, p->reject == RejectReason::kNone ? RejectReason::kOther : p->reject);
  free_request(r);
}

void CoinbaseOrderGateway::after_ack(const common::ClientOrderId& cloid) noexcept {
  for (std::size_t i = 0; i < deferred_count_; ++i) {
    if (deferred_[i] != cloid) continue;
    deferred_[i] = deferred_[--deferred_count_];
    const hyperliquid::TrackedOrder* o = table_.find(cloid);
    const Nanos now = clock_.now_ns();
    if (o != nullptr && !o->terminal && (!gate(now) || !send_cancel_for(*o, now))) {
      refuse(cloid, RejectReason::kRateLimited);
    }
    return;
  }
}

void CoinbaseOrderGateway::on_cancel_answer(Request& r, const HttpResponse& resp) noexcept {
  if (resp.outcome != HttpOutcome::kOk || resp.status >= 500) {
    // Cancelling twice is harmless (the second answers a failure): one re-send, then the
    // user channel tells what happened.
    if (r.attempts == 0) {
      ++r.attempts;
      counters_.retries.add();
      if (send(r, clock_.now_ns())) return;
    }
    if (!r.subject.is_null()) refuse(r.subject, RejectReason::kUnknownOutcome);
    free_request(r);
    return;
  }
  const auto p = parser_.parse_batch_cancel_unpadded(resp.body);
  if (!p) {
    counters_.parse_errors.add();
    const RejectReason why = resp.status == 401   ? RejectReason::kBadSignature
                             : resp.status == 429 ? RejectReason::kRateLimited
                                                  : RejectReason::kOther;
    if (!r.subject.is_null()) refuse(r.subject, why);
    free_request(r);
    return;
  }
  for (const CancelResult& c : *p) {
    hyperliquid::TrackedOrder* o = table_.find_oid(c.order_id.lo);
    if (o == nullptr) continue;
    if (c.success) {
      common::OrderUpdate u = o->last;
      u.status = OrderStatus::kCancelled;
      u.reject = RejectReason::kNone;
      apply_update(u);
    } else {
      refuse(o->last.cloid, c.reject == RejectReason::kNone ? RejectReason::kOther : c.reject);
    }
  }
  free_request(r);
}

void CoinbaseOrderGateway::start_query(Request& r) noexcept {
  const hyperliquid::TrackedOrder* o = table_.find(r.subject);
  if (o != nullptr && (o->acked || o->terminal)) {  // the user channel already settled it
    free_request(r);
    return;
  }
  if (r.queries >= config_.max_status_queries) {
    give_up_unknown(r);
    return;
  }
  r.kind = ReqKind::kQuery;
  ++r.queries;
  counters_.status_queries.add();
  const Nanos now = clock_.now_ns();
  if (!gate(now) || !send(r, now)) {
    r.waiting = true;
    r.not_before = now + config_.retry_ns;
  }
}

void CoinbaseOrderGateway::on_query_answer(Request& r, const HttpResponse& resp) noexcept {
  if (resp.outcome != HttpOutcome::kOk || resp.status != 200) {
    start_query(r);
    return;
  }
  const auto page = rest_parser_.parse_orders(resp.body);
  if (!page) {
    counters_.parse_errors.add();
    start_query(r);
    return;
  }
  for (const OrderInfo& info : page->items) {
    if (!info.has_cloid || info.cloid != r.subject) continue;
    hyperliquid::TrackedOrder* o = table_.find(r.subject);
    if (o != nullptr) {
      common::OrderUpdate u = o->last;
      u.venue_order_id = info.venue_order_id;
      u.status = info.status.known ? info.status.status : OrderStatus::kNew;
      u.filled_qty = info.filled_size;
      u.avg_price = info.average_filled_price;
      if (!info.base_size.is_zero()) u.qty = info.base_size;
      u.reject = RejectReason::kNone;
      counters_.acks.add();
      apply_update(u);
      table_.index_oid(info.venue_order_id.lo, r.subject);
      o->last.venue_order_id = info.venue_order_id;
    }
    const common::ClientOrderId cloid = r.subject;
    free_request(r);
    after_ack(cloid);
    return;
  }
  const hyperliquid::TrackedOrder* o = table_.find(r.subject);
  if (o != nullptr && (o->acked || o->terminal)) {
    free_request(r);
    return;
  }
  // Not among the product's orders: it either never arrived or is already done. The venue keys
  // orders by client_order_id, so the same id again cannot make a second order.
  if (r.attempts < config_.max_resends) {
    ++r.attempts;
    counters_.retries.add();
    r.kind = ReqKind::kOrder;
    const Nanos now = clock_.now_ns();
    if (gate(now) && send(r, now)) return;
    r.kind = ReqKind::kQuery;
  }
  give_up_unknown(r);
}

void CoinbaseOrderGateway::give_up_unknown(Request& r) noexcept {
  if (hyperliquid::TrackedOrder* o = table_.find(r.subject); o != nullptr && !o->terminal) {
    // Its last state again, flagged: the outcome is open until the user channel settles it.
    o->in_flight = false;  // whatever the channel says next is final
    restate(*o, RejectReason::kUnknownOutcome);
  }
  free_request(r);
}

int CoinbaseOrderGateway::run_timers(Nanos now) noexcept {
  int work = 0;
  for (auto& r : requests_) {
    if (r.kind == ReqKind::kFree || !r.waiting || now < r.not_before) continue;
    r.waiting = false;
    --r.queries;  // the parked query is tried again, not a new one
    start_query(r);
    ++work;
  }
  if (user_sub_pending_ && now >= user_sub_not_before_) {
    if (subscribe_user(true)) {
      user_sub_pending_ = false;
    } else {
      user_sub_not_before_ = now + config_.retry_ns;
    }
    ++work;
  }
  return work;
}

}  // namespace peregrine::gateways::coinbase
