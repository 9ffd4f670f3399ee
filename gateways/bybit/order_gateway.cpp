#include "gateways/bybit/order_gateway.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace peregrine::gateways::bybit {

namespace {

using common::ExecEvent;
using common::Nanos;
using common::OrderStatus;
using common::RejectReason;

constexpr Nanos kNsPerMs = 1'000'000;
constexpr Nanos kQueryRetryNs = 250 * kNsPerMs;  // a query the gate or transport refused
constexpr std::int64_t kVenueSkewMs = 1000;      // the venue takes timestamps up to 1 s ahead

std::int64_t epoch_ms(Nanos ns) noexcept { return ns / kNsPerMs; }

// Codes that say "the venue could not tell what happened" (10000 timeout, 10016 server error):
// the request may have taken effect.
bool unknown_code(const RestResponse& r) noexcept {
  return r.reject == RejectReason::kUnknownOutcome;
}

}  // namespace

// ---- outbox ----------------------------------------------------------------------------------

// ---- construction ----------------------------------------------------------------------------

BybitOrderGateway::BybitOrderGateway(const common::InstrumentRegistry& registry,
                                     RestTransport& rest, WsTransport* private_ws,
                                     common::SpscQueue<common::OrderIntent>& intents,
                                     common::SpscQueue<common::ExecEvent>& out,
                                     const Signer& signer, const common::Clock& clock,
                                     OrderGatewayConfig config, RateGate* rate, Breaker* breaker)
    : registry_(registry),
      rest_(rest),
      ws_(private_ws),
      intents_(intents),
      signer_(signer),
      clock_(clock),
      config_(std::move(config)),
      rate_(rate != nullptr ? rate : &no_rate_),
      breaker_(breaker != nullptr ? breaker : &no_breaker_),
      symbols_(SymbolTable::from_registry(registry, common::InstrumentKind::kPerpetual)),
      parser_(symbols_),
      table_(config_.max_orders == 0 ? 1 : config_.max_orders),
      seen_fills_(config_.fill_memory == 0 ? 1 : config_.fill_memory),
      outbox_(out, config_.backlog),
      reconciler_(std::max(config_.max_orders, ExecParser::kMaxOrders)),
      rec_open_(std::max(config_.max_orders, ExecParser::kMaxOrders)) {
  if (config_.reconcile_page == 0 || config_.reconcile_page > 50 ||
      config_.reconcile_max_pages == 0 || config_.rate_limit_backoff_ns <= 0 ||
      config_.ip_ban_backoff_ns <= 0) {
    throw std::invalid_argument("bybit order gateway: bad reconcile/back-off config");
  }
  if (config_.backlog == 0 || config_.max_orders == 0 || config_.fill_memory == 0 ||
      config_.max_intents_per_cycle <= 0 || config_.max_status_queries <= 0 ||
      config_.max_status_queries > 100 || config_.max_resends < 0 || config_.max_resends > 100 ||
      config_.recv_window_ms == 0 || config_.auth_expiry_ms <= 0 || config_.ping_interval_ns <= 0) {
    throw std::invalid_argument("bybit order gateway: bad config");
  }
  rest_.set_listener(this);
  if (ws_ != nullptr) ws_->set_listener(this);
}

BybitOrderGateway::~BybitOrderGateway() {
  rest_.set_listener(nullptr);
  if (ws_ != nullptr) ws_->set_listener(nullptr);
}

int BybitOrderGateway::do_work() noexcept {
  int work = outbox_.flush();
  work += rest_.poll();
  const Nanos now = clock_.now_ns();
  if (ws_ != nullptr) {
    work += ws_->poll();
    work += keep_alive(now);
  }
  work += retry_parked(now);
  work += run_reconcile(now);
  work += take_intents();
  work += outbox_.flush();
  return work;
}

std::size_t BybitOrderGateway::in_flight() const noexcept {
  std::size_t n = 0;
  for (const Pending& p : pending_) n += p.op == Op::kIdle ? 0 : 1;
  return n;
}

// ---- intents ---------------------------------------------------------------------------------

int BybitOrderGateway::take_intents() noexcept {
  int taken = 0;
  common::OrderIntent in;
  for (; taken < config_.max_intents_per_cycle; ++taken) {
    if (!intents_.try_pop(in)) break;
    on_intent(in);
  }
  if (taken > 0)
    (void)table_.prune_terminal(table_.max_size() / 2, static_cast<std::size_t>(taken));
  return taken;
}

std::string_view BybitOrderGateway::symbol_of(common::InstrumentId id) const noexcept {
  if (!id.valid() || id.value >= registry_.size()) return {};
  const common::Instrument& inst = registry_.get(id);
  if (inst.venue != common::VenueId::kBybit || symbols_.find(inst.symbol.view()) < 0) return {};
  return inst.symbol.view();
}

bool BybitOrderGateway::admit(Nanos now) noexcept {
  // The venue said "too many": sending before its reset time only extends the ban.
  if (now < backoff_until_ns_ || !breaker_->allow(now) || !rate_->try_acquire(1, now)) {
    counters_.throttled.add();
    return false;
  }
  return true;
}

void BybitOrderGateway::on_intent(const common::OrderIntent& in) noexcept {
  counters_.intents.add();
  const Nanos now = clock_.now_ns();
  switch (in.action) {
    case common::IntentAction::kNew:
      on_new(in, now);
      return;
    case common::IntentAction::kCancel:
    case common::IntentAction::kModify:
      on_cancel_or_amend(in, now);
      return;
    case common::IntentAction::kCancelAll:
      on_cancel_all(in, now);
      return;
  }
}

void BybitOrderGateway::on_new(const common::OrderIntent& in, Nanos now) noexcept {
  if (in.cloid.is_null() || symbol_of(in.instrument).empty()) {
    fail_new(in, RejectReason::kOther);
    return;
  }
  if (table_.find(in.cloid) != nullptr) {  // the same orderLinkId twice: never a second order
    counters_.duplicates.add();
    return;
  }
  hyperliquid::TrackedOrder* o = table_.add(in.cloid);
  if (o == nullptr) {
    fail_new(in, RejectReason::kOther);
    return;
  }
  common::OrderUpdate& u = o->last;
  u = common::OrderUpdate{};
  u.cloid = in.cloid;
  u.instrument = in.instrument;
  u.strategy = in.strategy;
  u.venue = common::VenueId::kBybit;
  u.side = in.side;
  u.price = in.price;
  u.qty = in.qty;
  u.status = OrderStatus::kPendingNew;
  o->is_trigger = in.type != common::OrderType::kLimit && in.type != common::OrderType::kMarket;
  Pending* p = admit(now) ? claim(Op::kCreate) : nullptr;
  if (p == nullptr) {
    fail_new(in, RejectReason::kRateLimited);
    return;
  }
  p->intent = in;
  p->cloid = in.cloid;
  if (!transmit(*p)) {
    release(*p);
    fail_new(in, RejectReason::kOther);
    return;
  }
  o->in_flight = true;
}

void BybitOrderGateway::on_cancel_or_amend(const common::OrderIntent& in, Nanos now) noexcept {
  const bool amend = in.action == common::IntentAction::kModify;
  Pending probe;
  probe.op = amend ? Op::kAmend : Op::kCancel;
  probe.intent = in;
  probe.cloid = in.target;
  const hyperliquid::TrackedOrder* o = in.target.is_null() ? nullptr : table_.find(in.target);
  if (o == nullptr || o->terminal) {
    counters_.rejects.add();
    if (o != nullptr) refuse(probe, RejectReason::kUnknownOrder);
    return;
  }
  if (!probe.intent.instrument.valid()) probe.intent.instrument = o->last.instrument;
  if (symbol_of(probe.intent.instrument).empty()) {
    refuse(probe, RejectReason::kOther);
    return;
  }
  Pending* p = admit(now) ? claim(probe.op) : nullptr;
  if (p == nullptr) {
    refuse(probe, RejectReason::kRateLimited);
    return;
  }
  p->intent = probe.intent;
  p->cloid = probe.cloid;
  if (!transmit(*p)) {
    refuse(*p, RejectReason::kOther);
    release(*p);
  }
}

void BybitOrderGateway::on_cancel_all(const common::OrderIntent& in, Nanos now) noexcept {
  // A bad instrument would widen the cancel to every symbol: only "no instrument" means "all".
  if (in.instrument.valid() && symbol_of(in.instrument).empty()) {
    counters_.rejects.add();
    return;
  }
  Pending* p = admit(now) ? claim(Op::kCancelAll) : nullptr;
  if (p == nullptr) {
    counters_.rejects.add();
    return;
  }
  p->intent = in;
  if (!transmit(*p)) {
    counters_.rejects.add();
    release(*p);
  }
}

// ---- requests --------------------------------------------------------------------------------

BybitOrderGateway::Pending* BybitOrderGateway::claim(Op op) noexcept {
  for (Pending& p : pending_) {
    if (p.op != Op::kIdle) continue;
    p = Pending{};
    p.op = op;
    return &p;
  }
  return nullptr;
}

BybitOrderGateway::Pending* BybitOrderGateway::by_http_id(std::uint64_t id) noexcept {
  if (id == 0) return nullptr;
  for (Pending& p : pending_) {
    if (p.op != Op::kIdle && !p.parked && p.http_id == id) return &p;
  }
  return nullptr;
}

void BybitOrderGateway::on_http_sent(std::uint64_t request_id, Nanos ts_sent) noexcept {
  if (Pending* p = by_http_id(request_id); p != nullptr && p->op == Op::kCreate) {
    p->ts_sent = ts_sent;
  }
}

bool BybitOrderGateway::transmit(Pending& p) noexcept {
  const std::string_view symbol = symbol_of(p.intent.instrument);
  char* const out = body_.data();
  const std::size_t cap = body_.size();
  BuildResult built = common::Unexpected{BuildError::kMissingId};
  std::string_view path;
  bool is_get = false;
  switch (p.op) {
    case Op::kCreate:
      built = write_create_order(new_order_from_intent(p.intent, symbol), out, cap);
      path = path::kCreateOrder;
      break;
    case Op::kAmend: {
      AmendOrder a;
      a.ref.symbol = symbol;
      a.ref.cloid = p.cloid;
      a.price = p.intent.price;
      a.qty = p.intent.qty;
      a.trigger_price = p.intent.trigger_price;
      built = write_amend_order(a, out, cap);
      path = path::kAmendOrder;
      break;
    }
    case Op::kCancel: {
      OrderRef r;
      r.symbol = symbol;
      r.cloid = p.cloid;
      built = write_cancel_order(r, out, cap);
      path = path::kCancelOrder;
      break;
    }
    case Op::kCancelAll: {
      CancelAll c;
      c.symbol = symbol;
      if (symbol.empty()) c.settle_coin = config_.settle_coin;
      built = write_cancel_all(c, out, cap);
      path = path::kCancelAll;
      break;
    }
    case Op::kQuery:
    case Op::kRecQuery: {
      OpenOrdersQuery q;
      q.symbol = symbol;
      q.cloid = p.cloid;
      q.closed_too = true;  // a filled or cancelled order must be found too
      built = write_open_orders_query(q, out, cap);
      path = path::kOpenOrders;
      is_get = true;
      break;
    }
    case Op::kOpenOrders: {
      OpenOrdersQuery q;  // every open linear order settled in settle_coin, page by page
      q.settle_coin = config_.settle_coin;
      q.limit = config_.reconcile_page;
      q.cursor = std::string_view(rec_cursor_.data(), rec_cursor_len_);
      built = write_open_orders_query(q, out, cap);
      path = path::kOpenOrders;
      is_get = true;
      break;
    }
    case Op::kIdle:
      return false;
  }
  if (!built) return false;
  const std::string_view payload(out, *built);
  const bool sent = is_get ? get_signed(path, payload) : post_signed(path, payload);
  if (!sent) return false;
  p.http_id = last_http_id_;
  if (p.op == Op::kCreate) p.signed_ms = epoch_ms(clock_.now_ns());
  return true;
}

bool BybitOrderGateway::post_signed(std::string_view path, std::string_view body) noexcept {
  return send_signed(HttpMethod::kPost, path, body);
}

bool BybitOrderGateway::get_signed(std::string_view path, std::string_view query) noexcept {
  return send_signed(HttpMethod::kGet, path, query);
}

bool BybitOrderGateway::send_signed(HttpMethod method, std::string_view path,
                                    std::string_view payload) noexcept {
  // The signature covers exactly the bytes sent: the query string of a GET, the body of a POST.
  RestAuth auth;
  const std::int64_t ms = epoch_ms(clock_.now_ns());
  signer_.sign_rest(static_cast<std::uint64_t>(ms < 0 ? 0 : ms), config_.recv_window_ms, payload,
                    auth);
  std::string_view target = path;
  std::string_view body = payload;
  if (method == HttpMethod::kGet) {
    const std::size_t need = path.size() + 1 + payload.size();
    if (need > target_.size()) return false;
    char* t = target_.data();
    std::size_t n = 0;
    for (char c : path) t[n++] = c;
    t[n++] = '?';
    for (char c : payload) t[n++] = c;
    target = std::string_view(t, n);
    body = {};
  }
  const std::array<RestHeader, 6> headers{{
      {kHeaderApiKey, auth.api_key},
      {kHeaderTimestamp, auth.timestamp()},
      {kHeaderRecvWindow, auth.recv_window()},
      {kHeaderSign, auth.sign()},
      {kHeaderSignType, RestAuth::sign_type()},
      {"Content-Type", "application/json"},
  }};
  const std::size_t header_count = method == HttpMethod::kGet ? 5 : 6;
  const std::uint64_t id = rest_.request(
      method, target, std::span<const RestHeader>(headers.data(), header_count), body);
  if (id == 0) return false;
  last_http_id_ = id;
  counters_.sends.add();
  return true;
}

int BybitOrderGateway::retry_parked(Nanos now) noexcept {
  int work = 0;
  for (Pending& p : pending_) {
    if (p.op != Op::kQuery || !p.parked || now < p.retry_at) continue;
    p.parked = false;
    ++work;
    if (p.awaiting_window) {
      p.awaiting_window = false;  // recv_window is over: one more query decides
      p.queries = 0;
    } else if (p.queries > 0) {
      p.queries = static_cast<std::uint8_t>(p.queries - 1);  // the parked attempt is re-made
    }
    ask_venue(p, p.asked_for);
  }
  return work;
}

// ---- answers ---------------------------------------------------------------------------------

void BybitOrderGateway::on_http_response(const HttpResponse& resp) noexcept {
  Pending* p = by_http_id(resp.request_id);
  if (p == nullptr) return;
  counters_.frames.add();
  // The breaker hears about the venue's health: a 4xx is a healthy venue saying no, and a
  // request that never left says nothing about it.
  const bool healthy = resp.outcome == HttpOutcome::kOk && resp.status < 500;
  if (healthy) {
    breaker_->on_success(clock_.now_ns());
  } else if (resp.outcome != HttpOutcome::kNotSent) {
    breaker_->on_failure(clock_.now_ns());
  }
  // 403 = the IP limit (the venue says wait >= 10 min), 429 = its frequency protection.
  if (resp.outcome == HttpOutcome::kOk && (resp.status == 403 || resp.status == 429)) {
    note_rate_limit(resp, resp.status == 403);
  }
  switch (p->op) {
    case Op::kOpenOrders:
      answer_open_orders(*p, resp);
      return;
    case Op::kRecQuery:
      answer_rec_query(*p, resp);
      return;
    case Op::kCreate:
      answer_create(*p, resp);
      return;
    case Op::kAmend:
    case Op::kCancel:
      answer_amend_or_cancel(*p, resp);
      return;
    case Op::kCancelAll:
      answer_cancel_all(resp);
      release(*p);
      return;
    case Op::kQuery:
      answer_query(*p, resp);
      return;
    case Op::kIdle:
      return;
  }
}

const RestResponse* BybitOrderGateway::parse_answer(RestEndpoint ep,
                                                    const HttpResponse& resp) noexcept {
  // Bybit answers errors with HTTP 200 + retCode; other statuses may carry no envelope at all.
  const auto parsed = parser_.parse_rest_unpadded(ep, resp.body, clock_.now_ns());
  if (!parsed) {
    counters_.parse_errors.add();
    return nullptr;
  }
  // retCode 10006 "Too many visits" (HTTP 200) and its kin: back off until the reset time.
  if (parser_.rest().reject == RejectReason::kRateLimited && resp.status != 403 &&
      resp.status != 429) {
    note_rate_limit(resp, false);
  }
  return &parser_.rest();
}

void BybitOrderGateway::answer_create(Pending& p, const HttpResponse& resp) noexcept {
  if (resp.outcome == HttpOutcome::kNotSent) {
    // No byte left this process: the same create may go again (fresh timestamp and signature).
    if (p.resends == 0) {
      ++p.resends;
      counters_.retries.add();
      if (transmit(p)) return;
    }
    fail_new(p.intent, RejectReason::kOther);
    release(p);
    return;
  }
  const RestResponse* r =
      resp.outcome == HttpOutcome::kOk ? parse_answer(RestEndpoint::kCreateOrder, resp) : nullptr;
  if (r == nullptr) {
    const RejectReason http = reject_reason_from_http(resp.status);
    if (resp.outcome == HttpOutcome::kOk && http != RejectReason::kUnknownOutcome &&
        http != RejectReason::kNone) {
      fail_new(p.intent, http);  // 401/403/429 without an envelope: nothing was placed
      release(p);
      return;
    }
    ask_venue(p, Op::kCreate);
    return;
  }
  if (unknown_code(*r)) {
    ask_venue(p, Op::kCreate);
    return;
  }
  if (!r->ok()) {
    fail_new(p.intent, r->reject);
    release(p);
    return;
  }
  counters_.acks.add();
  hyperliquid::TrackedOrder* o = table_.find(p.cloid);
  if (o != nullptr) {
    common::OrderUpdate u = o->last;
    u.status = OrderStatus::kNew;
    u.reject = RejectReason::kNone;
    u.ts_venue = r->ts_venue;
    if (resp.ts_sent > 0) {  // this answer's timings, the transport's clock (issue #6)
      u.ts_intent = p.intent.ts_recv;
      u.ts_sent = resp.ts_sent;
      u.ts_recv = resp.ts_recv;
    }
    if (!r->ack.order_id.is_null()) u.venue_order_id = r->ack.order_id;
    // The stream may already have said more (partially filled, filled): never go back.
    if (o->last.status == OrderStatus::kPendingNew) report(u);
  }
  release(p);
}

void BybitOrderGateway::answer_amend_or_cancel(Pending& p, const HttpResponse& resp) noexcept {
  const RestEndpoint ep =
      p.op == Op::kAmend ? RestEndpoint::kAmendOrder : RestEndpoint::kCancelOrder;
  if (resp.outcome == HttpOutcome::kNotSent) {
    if (p.resends == 0) {
      ++p.resends;
      counters_.retries.add();
      if (transmit(p)) return;
    }
    refuse(p, RejectReason::kOther);
    release(p);
    return;
  }
  const RestResponse* r = resp.outcome == HttpOutcome::kOk ? parse_answer(ep, resp) : nullptr;
  if (r == nullptr || unknown_code(*r) || r->reject == RejectReason::kUnknownOrder) {
    // Lost, or "order not exists or too late": filled, cancelled or never placed; ask which.
    if (r == nullptr && resp.outcome == HttpOutcome::kOk) {
      const RejectReason http = reject_reason_from_http(resp.status);
      if (http != RejectReason::kUnknownOutcome && http != RejectReason::kNone) {
        refuse(p, http);
        release(p);
        return;
      }
    }
    ask_venue(p, p.op);
    return;
  }
  if (!r->ok()) {
    refuse(p, r->reject);
    release(p);
    return;
  }
  hyperliquid::TrackedOrder* o = table_.find(p.cloid);
  if (o != nullptr && !o->terminal) {
    common::OrderUpdate u = o->last;
    u.reject = RejectReason::kNone;
    u.ts_venue = r->ts_venue;
    if (p.op == Op::kCancel) {
      u.status = OrderStatus::kCancelled;
    } else {
      // An amend keeps the order open under its new price/qty (zero = unchanged).
      if (u.status == OrderStatus::kPendingNew) u.status = OrderStatus::kNew;
      if (p.intent.price.is_positive()) u.price = p.intent.price;
      if (p.intent.qty.is_positive()) u.qty = p.intent.qty;
    }
    report(u);
  }
  release(p);
}

void BybitOrderGateway::answer_cancel_all(const HttpResponse& resp) noexcept {
  if (resp.outcome != HttpOutcome::kOk) return;  // the stream reports what was cancelled
  const RestResponse* r = parse_answer(RestEndpoint::kCancelAll, resp);
  if (r == nullptr || !r->ok()) {
    counters_.rejects.add();
    return;
  }
  for (const OrderAck& a : parser_.acks()) {
    const hyperliquid::TrackedOrder* o =
        owner_of(a.has_cloid ? a.cloid : common::ClientOrderId{}, a.order_id);
    if (o == nullptr || o->terminal) continue;
    common::OrderUpdate u = o->last;
    u.status = OrderStatus::kCancelled;
    u.reject = RejectReason::kNone;
    if (!a.order_id.is_null()) u.venue_order_id = a.order_id;
    report(u);
  }
}

void BybitOrderGateway::ask_venue(Pending& p, Op asked_for) noexcept {
  if (p.queries >= config_.max_status_queries) {
    outcome_unknown(p);
    return;
  }
  p.op = Op::kQuery;
  p.asked_for = asked_for;
  ++p.queries;
  counters_.status_queries.add();
  const Nanos now = clock_.now_ns();
  if (!admit(now) || !transmit(p)) {
    p.parked = true;
    p.retry_at = now + kQueryRetryNs;
  }
}

void BybitOrderGateway::answer_query(Pending& p, const HttpResponse& resp) noexcept {
  const RestResponse* r =
      resp.outcome == HttpOutcome::kOk ? parse_answer(RestEndpoint::kOpenOrders, resp) : nullptr;
  if (r == nullptr || !r->ok()) {
    ask_venue(p, p.asked_for);
    return;
  }
  const common::OrderUpdate* found = nullptr;
  for (const common::OrderUpdate& u : parser_.order_updates()) {
    if (u.cloid == p.cloid) found = &u;
  }
  if (found == nullptr) {
    settle_absent(p);
    return;
  }
  common::OrderUpdate u = *found;
  const bool open = !hyperliquid::is_terminal(u.status);
  if (p.asked_for == Op::kAmend && open &&
      ((p.intent.price.is_positive() && u.price != p.intent.price) ||
       (p.intent.qty.is_positive() && u.qty != p.intent.qty))) {
    refuse(p, RejectReason::kUnknownOutcome);  // the amend did not take: the old order stands
  } else if (p.asked_for == Op::kCancel && open) {
    refuse(p, RejectReason::kOther);  // the cancel did not take
  }
  report(u);
  release(p);
}

void BybitOrderGateway::settle_absent(Pending& p) noexcept {
  if (p.asked_for != Op::kCreate) {
    refuse(p, RejectReason::kUnknownOrder);
    release(p);
    return;
  }
  // Absent is final only once the venue would refuse the original create as too old; until
  // then it may still be on its way. Park, then ask once more.
  const Nanos now = clock_.now_ns();
  const Nanos final_at =
      (p.signed_ms + static_cast<std::int64_t>(config_.recv_window_ms) + kVenueSkewMs) * kNsPerMs;
  if (now < final_at) {
    p.op = Op::kQuery;
    p.parked = true;
    p.awaiting_window = true;
    p.retry_at = final_at;
    return;
  }
  if (static_cast<int>(p.resends) < config_.max_resends && admit(now)) {
    // Same orderLinkId: should the first one land after all, the venue refuses the duplicate.
    counters_.retries.add();
    p.op = Op::kCreate;
    p.queries = 0;
    ++p.resends;
    if (transmit(p)) return;
  }
  fail_new(p.intent, RejectReason::kUnknownOrder);
  release(p);
}

void BybitOrderGateway::outcome_unknown(Pending& p) noexcept {
  // The core learns the outcome is open; the stream (or a reconcile) settles it later.
  const hyperliquid::TrackedOrder* o = table_.find(p.cloid);
  if (o == nullptr || o->terminal) {
    release(p);
    return;
  }
  common::OrderUpdate open = o->last;
  open.reject = RejectReason::kUnknownOutcome;
  open.ts_recv = clock_.now_ns();
  release(p);
  emit(ExecEvent(open));
}

// ---- reports ---------------------------------------------------------------------------------

hyperliquid::TrackedOrder* BybitOrderGateway::owner_of(const common::ClientOrderId& cloid,
                                                       const common::VenueOrderId& oid) noexcept {
  // orderLinkId first (ours by construction); orderId for frames that omit it (execution.fast).
  if (!cloid.is_null()) {
    if (hyperliquid::TrackedOrder* o = table_.find(cloid)) return o;
  }
  return oid.is_null() ? nullptr : table_.find_oid(oid.lo);
}

void BybitOrderGateway::report(const common::OrderUpdate& in) noexcept {
  hyperliquid::TrackedOrder* o = owner_of(in.cloid, in.venue_order_id);
  if (o == nullptr) return;  // not ours (manual, liquidation) or long forgotten
  common::OrderUpdate u = in;
  // Bybit accepts a crossing post-only order and then cancels it: for the core it never lived.
  if (u.status == OrderStatus::kCancelled && u.reject == RejectReason::kPostOnlyWouldCross &&
      u.filled_qty.is_zero()) {
    u.status = OrderStatus::kRejected;
  }
  if (u.qty.is_zero()) u.qty = o->last.qty;
  if (u.price.is_zero()) u.price = o->last.price;
  const common::OrderUpdate& was = o->last;
  if (o->terminal || (o->acked && u.status == was.status && u.filled_qty == was.filled_qty &&
                      u.price == was.price && u.qty == was.qty)) {
    counters_.duplicates.add();
    return;
  }
  if (u.filled_qty < was.filled_qty) {
    counters_.out_of_order.add();
    return;
  }
  u.cloid = was.cloid;
  u.strategy = was.strategy;
  u.instrument = was.instrument;
  u.side = was.side;
  u.venue = common::VenueId::kBybit;
  if (u.venue_order_id.is_null()) u.venue_order_id = was.venue_order_id;
  if (u.ts_sent <= 0 || u.ts_recv <= 0) {  // stamped: keep its clock
    u.ts_sent = 0;
    u.ts_recv = clock_.now_ns();
    // The private stream's first word on an order usually beats the create's REST answer
    // (which then reports nothing): it takes the create's timings (issue #6).
    if (was.status == OrderStatus::kPendingNew) {
      for (const Pending& p : pending_) {
        if (p.op != Op::kCreate || p.cloid != u.cloid || p.ts_sent <= 0) continue;
        u.ts_intent = p.intent.ts_recv;
        u.ts_sent = p.ts_sent;
        break;
      }
    }
  }
  if (!u.venue_order_id.is_null()) table_.index_oid(u.venue_order_id.lo, u.cloid);
  o->last = u;
  o->last.ts_intent = 0;  // timings belong to this answer, not to later restatements
  o->last.ts_sent = 0;
  o->in_flight = false;
  if (u.status == OrderStatus::kRejected) counters_.rejects.add();
  if (u.status != OrderStatus::kPendingNew && u.status != OrderStatus::kRejected) o->acked = true;
  if (hyperliquid::is_terminal(u.status)) {
    o->terminal = true;
    table_.note_terminal(u.cloid);
  }
  emit(ExecEvent(u));
}

void BybitOrderGateway::report_fill(const common::Fill& f) noexcept {
  // execIds are venue-wide unique; the instrument is mixed in against hash collisions anyway.
  if (!seen_fills_.insert(f.fill_id ^ (std::uint64_t{f.instrument.value} << 48))) {
    counters_.duplicates.add();
    return;
  }
  const hyperliquid::TrackedOrder* o = owner_of(f.cloid, f.venue_order_id);
  if (o == nullptr) return;  // someone else's execution (manual order, liquidation)
  common::Fill fill = f;
  const common::OrderUpdate& order = o->last;
  fill.venue = common::VenueId::kBybit;
  fill.instrument = order.instrument;
  fill.strategy = order.strategy;
  fill.cloid = order.cloid;
  counters_.fills.add();
  emit(ExecEvent(fill));
}

void BybitOrderGateway::fail_new(const common::OrderIntent& in, RejectReason reason) noexcept {
  if (hyperliquid::TrackedOrder* o = in.cloid.is_null() ? nullptr : table_.find(in.cloid)) {
    common::OrderUpdate u = o->last;
    u.status = OrderStatus::kRejected;
    u.reject = reason;
    report(u);
    return;
  }
  common::OrderUpdate u;
  u.ts_recv = clock_.now_ns();
  u.cloid = in.cloid;
  u.instrument = in.instrument;
  u.strategy = in.strategy;
  u.venue = common::VenueId::kBybit;
  u.side = in.side;
  u.price = in.price;
  u.qty = in.qty;
  u.status = OrderStatus::kRejected;
  u.reject = reason;
  counters_.rejects.add();
  emit(ExecEvent(u));
}

void BybitOrderGateway::refuse(const Pending& p, RejectReason reason) noexcept {
  // The OMS reads a pending-cancel/replace status with a reason as "the venue said no".
  counters_.rejects.add();
  const hyperliquid::TrackedOrder* o = p.cloid.is_null() ? nullptr : table_.find(p.cloid);
  if (o == nullptr) return;
  common::OrderUpdate u = o->last;
  u.ts_recv = clock_.now_ns();
  u.status = p.op == Op::kAmend || (p.op == Op::kQuery && p.asked_for == Op::kAmend)
                 ? OrderStatus::kPendingReplace
                 : OrderStatus::kPendingCancel;
  u.reject = reason;
  emit(ExecEvent(u));
}

void BybitOrderGateway::link_status(common::VenueState state) noexcept {
  common::VenueStatus st;
  st.ts_recv = clock_.now_ns();
  st.venue = common::VenueId::kBybit;
  st.state = state;
  emit(ExecEvent(st));
}

}  // namespace peregrine::gateways::bybit
