#include "gateways/binance/order_gateway.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace peregrine::gateways::binance {

namespace {

using common::ExecEvent;
using common::Nanos;
using common::OrderStatus;
using common::RejectReason;

constexpr Nanos kMs = 1'000'000;
constexpr Nanos kRetryNs = 200 * kMs;         // a query that could not be sent is tried again
constexpr Nanos kKeyRetryNs = 1'000 * kMs;    // listenKey creation after a failure
constexpr std::int64_t kServerSkewMs = 1000;  // the venue accepts timestamps up to 1 s ahead

bool is_conditional(common::OrderType t) noexcept {
  return t != common::OrderType::kLimit && t != common::OrderType::kMarket;
}

gateways::HttpMethod to_rest(HttpMethod m) noexcept {
  switch (m) {
    case HttpMethod::kGet:
      return gateways::HttpMethod::kGet;
    case HttpMethod::kPost:
      return gateways::HttpMethod::kPost;
    case HttpMethod::kPut:
      return gateways::HttpMethod::kPut;
    case HttpMethod::kDelete:
      return gateways::HttpMethod::kDelete;
  }
  return gateways::HttpMethod::kGet;
}

}  // namespace

BinanceOrderGateway::BinanceOrderGateway(const common::InstrumentRegistry& registry,
                                         RestTransport& rest, WsTransport* user_ws,
                                         common::SpscQueue<common::OrderIntent>& intents,
                                         common::SpscQueue<common::ExecEvent>& out, Signer& signer,
                                         const common::Clock& clock, OrderGatewayConfig config,
                                         RateGate* rate, Breaker* breaker)
    : registry_(registry),
      rest_(rest),
      ws_(user_ws),
      intents_(intents),
      out_(out),
      signer_(signer),
      clock_(clock),
      config_(std::move(config)),
      rate_(rate != nullptr ? rate : &no_rate_),
      breaker_(breaker != nullptr ? breaker : &no_breaker_),
      codec_(signer_, config_.recv_window_ms),
      parser_(symbols_),
      table_(config_.max_orders),
      seen_fills_(config_.fill_memory),
      outbox_(out, config_.backlog),
      reconciler_(std::max(config_.max_orders, ExecParser::kMaxOrders)) {
  if (config_.backlog == 0 || config_.max_orders == 0 || config_.fill_memory == 0 ||
      config_.max_intents_per_cycle <= 0 || config_.max_status_queries <= 0 ||
      config_.max_resends < 0 || config_.recv_window_ms <= 0) {
    throw std::invalid_argument("binance order gateway: bad config");
  }
  if (!symbols_.add_all(registry_, common::VenueId::kBinance)) {
    throw std::invalid_argument("binance order gateway: bad or duplicate symbols");
  }
  listen_key_.reserve(128);
  rest_.set_listener(this);
  if (ws_ != nullptr) ws_->set_listener(this);
}

BinanceOrderGateway::~BinanceOrderGateway() {
  rest_.set_listener(nullptr);
  if (ws_ != nullptr) ws_->set_listener(nullptr);
}

int BinanceOrderGateway::do_work() noexcept {
  int work = outbox_.flush();
  if (!started_) {
    started_ = true;
    if (ws_ != nullptr) request_listen_key(ReqKind::kListenKey);
  }
  work += rest_.poll();
  if (ws_ != nullptr) work += ws_->poll();
  work += run_timers(clock_.now_ns());
  work += drain_intents();
  work += outbox_.flush();
  return work;
}

std::size_t BinanceOrderGateway::in_flight() const noexcept {
  std::size_t n = 0;
  for (const auto& r : requests_) n += r.kind != ReqKind::kFree ? 1 : 0;
  return n;
}

// ---- intents ---------------------------------------------------------------------------------

int BinanceOrderGateway::drain_intents() noexcept {
  int n = 0;
  common::OrderIntent in;
  while (n < config_.max_intents_per_cycle && intents_.try_pop(in)) {
    handle_intent(in);
    ++n;
  }
  if (n > 0) (void)table_.prune_terminal(table_.max_size() / 2, static_cast<std::size_t>(n));
  return n;
}

std::string_view BinanceOrderGateway::symbol_of(common::InstrumentId id) const noexcept {
  if (!id.valid() || id.value >= registry_.size()) return {};
  const common::Instrument& inst = registry_.get(id);
  return inst.venue == common::VenueId::kBinance ? inst.symbol.view() : std::string_view{};
}

bool BinanceOrderGateway::gate(Nanos now, std::uint32_t weight) noexcept {
  if (now >= paused_until_ns_ && breaker_->allow(now) && rate_->try_acquire(weight, now)) {
    return true;
  }
  counters_.throttled.add();
  return false;
}

void BinanceOrderGateway::on_limits(const HttpResponse& resp, Nanos now) noexcept {
  if (resp.outcome != HttpOutcome::kOk) return;
  for (const ResponseHeader& h : resp.rate_headers.view()) {
    rate_->on_usage_header(h.name, h.value, now);
  }
  // 429: over a limit; 418: the IP is banned for ignoring 429s. Either way nothing but the
  // listenKey upkeep goes out until Retry-After has passed.
  if ((resp.status == 429 || resp.status == 418) && resp.retry_after_ms > 0) {
    const Nanos until = now + static_cast<Nanos>(resp.retry_after_ms) * kMs;
    if (until > paused_until_ns_) paused_until_ns_ = until;
    counters_.rate_limit_pauses.add();
  }
}

void BinanceOrderGateway::stamp(common::OrderUpdate& u, const Request& r,
                                const HttpResponse& resp) noexcept {
  if (resp.ts_sent <= 0 || r.stamped) return;  // cannot tell (fakes), or the stream had it
  u.ts_intent = r.intent.ts_recv;
  u.ts_sent = resp.ts_sent;
  u.ts_recv = resp.ts_recv > 0 ? resp.ts_recv : u.ts_recv;
}

void BinanceOrderGateway::on_http_sent(std::uint64_t request_id, Nanos ts_sent) noexcept {
  if (Request* r = find_request(request_id); r != nullptr && r->kind == ReqKind::kOrder) {
    r->ts_sent = ts_sent;
  }
}

void BinanceOrderGateway::stamp_from_stream(common::OrderUpdate& m) noexcept {
  for (Request& r : requests_) {
    if (r.kind != ReqKind::kOrder || r.intent.cloid != m.cloid) continue;
    if (r.ts_sent <= 0 || r.stamped) return;
    m.ts_intent = r.intent.ts_recv;
    m.ts_sent = r.ts_sent;
    r.stamped = true;
    return;
  }
}

void BinanceOrderGateway::handle_intent(const common::OrderIntent& in) noexcept {
  counters_.intents.add();
  const Nanos now = clock_.now_ns();
  switch (in.action) {
    case common::IntentAction::kNew: {
      if (in.cloid.is_null() || symbol_of(in.instrument).empty()) {
        reject_new(in, RejectReason::kOther);
        return;
      }
      hyperliquid::TrackedOrder* o = table_.find(in.cloid);
      if (o != nullptr) {  // the same cloid twice would be a second order: refuse
        counters_.duplicates.add();
        return;
      }
      o = table_.add(in.cloid);
      if (o == nullptr) {
        reject_new(in, RejectReason::kOther);
        return;
      }
      o->last = common::OrderUpdate{};
      o->last.cloid = in.cloid;
      o->last.price = in.price;
      o->last.qty = in.qty;
      o->last.instrument = in.instrument;
      o->last.strategy = in.strategy;
      o->last.venue = common::VenueId::kBinance;
      o->last.side = in.side;
      o->last.status = OrderStatus::kPendingNew;
      o->is_trigger = is_conditional(in.type);
      if (!gate(now, 1)) {
        reject_new(in, RejectReason::kRateLimited);
        return;
      }
      Request* r = alloc_request(ReqKind::kOrder);
      if (r == nullptr) {
        reject_new(in, RejectReason::kRateLimited);
        return;
      }
      r->intent = in;
      r->subject = in.cloid;
      if (!send(*r)) {
        free_request(*r);
        reject_new(in, RejectReason::kOther);
        return;
      }
      o->in_flight = true;
      return;
    }
    case common::IntentAction::kCancel: {
      common::OrderIntent c = in;
      const hyperliquid::TrackedOrder* o = table_.find(in.target);
      if (!c.instrument.valid() && o != nullptr) c.instrument = o->last.instrument;
      if (in.target.is_null() || symbol_of(c.instrument).empty()) {
        refuse(in.target, RejectReason::kOther);
        return;
      }
      if (o != nullptr && o->is_trigger) {  // algo cancels are not wired yet
        refuse(in.target, RejectReason::kOther);
        return;
      }
      if (!gate(now, 1)) {
        refuse(in.target, RejectReason::kRateLimited);
        return;
      }
      Request* r = alloc_request(ReqKind::kCancel);
      if (r == nullptr) {
        refuse(in.target, RejectReason::kRateLimited);
        return;
      }
      r->intent = c;
      r->subject = in.target;
      if (!send(*r)) {
        free_request(*r);
        refuse(in.target, RejectReason::kOther);
      }
      return;
    }
    case common::IntentAction::kModify:
      // PUT /fapi/v1/order is not in the codec: the order stays as it is.
      refuse(in.target, RejectReason::kOther);
      return;
    case common::IntentAction::kCancelAll: {
      // Every instrument with an open order when the intent names none.
      std::array<common::InstrumentId, 32> ids{};
      std::size_t n = 0;
      if (in.instrument.valid()) {
        ids[n++] = in.instrument;
      } else {
        table_.for_each([&](const common::ClientOrderId&, const hyperliquid::TrackedOrder& o) {
          if (o.terminal || n == ids.size()) return;
          for (std::size_t i = 0; i < n; ++i) {
            if (ids[i] == o.last.instrument) return;
          }
          ids[n++] = o.last.instrument;
        });
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (symbol_of(ids[i]).empty() || !gate(now, 1)) continue;
        Request* r = alloc_request(ReqKind::kCancelAll);
        if (r == nullptr) return;
        r->intent = in;
        r->intent.instrument = ids[i];
        if (!send(*r)) free_request(*r);
      }
      return;
    }
  }
}

BinanceOrderGateway::Request* BinanceOrderGateway::alloc_request(ReqKind kind) noexcept {
  for (auto& r : requests_) {
    if (r.kind == ReqKind::kFree) {
      r = Request{};
      r.kind = kind;
      return &r;
    }
  }
  return nullptr;
}

BinanceOrderGateway::Request* BinanceOrderGateway::find_request(std::uint64_t id) noexcept {
  if (id == 0) return nullptr;
  for (auto& r : requests_) {
    if (r.kind != ReqKind::kFree && r.request_id == id && !r.waiting) return &r;
  }
  return nullptr;
}

// ---- requests --------------------------------------------------------------------------------

bool BinanceOrderGateway::send(Request& r) noexcept {
  const std::int64_t ts_ms = clock_.now_ns() / kMs;
  const std::string_view sym = symbol_of(r.intent.instrument);
  std::span<char> buf(req_buf_);
  OrderCodec::Built built = common::Unexpected{BuildError::kInvalid};
  switch (r.kind) {
    case ReqKind::kOrder:
      built = codec_.from_intent(r.intent, sym, ts_ms, buf);
      r.sent_ms = ts_ms;
      break;
    case ReqKind::kCancel:
      built = codec_.cancel_order(sym, r.subject, ts_ms, buf);
      break;
    case ReqKind::kCancelAll:
      built = codec_.cancel_all(sym, ts_ms, buf);
      break;
    case ReqKind::kStatusQuery:
      built = codec_.query_order(sym, r.subject, ts_ms, buf);
      break;
    case ReqKind::kListenKey:
      built = OrderCodec::start_listen_key();
      break;
    case ReqKind::kKeepAlive:
      built = OrderCodec::keepalive_listen_key();
      break;
    case ReqKind::kOpenOrders:
      built = codec_.open_orders({}, ts_ms, buf);
      break;
    case ReqKind::kFree:
      return false;
  }
  if (!built) return false;
  if (!submit(*built)) return false;
  r.request_id = last_request_id_;
  return true;
}

bool BinanceOrderGateway::submit(const RestRequest& req) noexcept {
  std::size_t n = 0;
  auto put = [&](std::string_view s) {
    for (char c : s) {
      if (n < target_buf_.size()) target_buf_[n++] = c;
    }
  };
  put(req.path);
  if (!req.query.empty()) {
    put("?");
    put(req.query);
  }
  if (n == target_buf_.size()) return false;
  last_target_ = std::string_view(target_buf_.data(), n);
  std::array<RestHeader, 2> headers{};
  std::size_t h = 0;
  if (req.security != Security::kNone) headers[h++] = {"X-MBX-APIKEY", signer_.api_key()};
  if (!req.body.empty()) headers[h++] = {"Content-Type", "application/x-www-form-urlencoded"};
  const std::uint64_t id = rest_.request(to_rest(req.method), last_target_,
                                         std::span<const RestHeader>(headers.data(), h), req.body);
  if (id == 0) return false;
  last_request_id_ = id;
  counters_.sends.add();
  return true;
}

// ---- answers ---------------------------------------------------------------------------------

void BinanceOrderGateway::on_http_response(const HttpResponse& resp) noexcept {
  Request* r = find_request(resp.request_id);
  if (r == nullptr) return;
  counters_.frames.add();
  const Nanos now = clock_.now_ns();
  if (resp.outcome == HttpOutcome::kOk && resp.status < 500) {
    breaker_->on_success(now);
  } else if (resp.outcome != HttpOutcome::kNotSent) {
    breaker_->on_failure(now);
  }
  on_limits(resp, now);
  switch (r->kind) {
    case ReqKind::kOrder:
      on_order_answer(*r, resp);
      break;
    case ReqKind::kCancel:
      on_cancel_answer(*r, resp);
      break;
    case ReqKind::kCancelAll: {
      if (resp.outcome == HttpOutcome::kOk) {
        const auto p = parser_.parse_ack(resp.status, resp.body);
        if (!p) counters_.parse_errors.add();
      }
      // The user stream reports each cancelled order; nothing else to do.
      free_request(*r);
      break;
    }
    case ReqKind::kStatusQuery:
      on_query_answer(*r, resp);
      break;
    case ReqKind::kListenKey:
    case ReqKind::kKeepAlive:
      on_listen_key_answer(*r, resp);
      break;
    case ReqKind::kOpenOrders:
      on_open_orders_answer(*r, resp);
      break;
    case ReqKind::kFree:
      break;
  }
}

void BinanceOrderGateway::on_order_answer(Request& r, const HttpResponse& resp) noexcept {
  if (resp.outcome == HttpOutcome::kNotSent) {
    // Nothing left this process: the same order may go again (fresh timestamp and signature).
    if (r.attempts < 1) {
      ++r.attempts;
      counters_.retries.add();
      if (send(r)) return;
    }
    reject_new(r.intent, RejectReason::kOther);
    free_request(r);
    return;
  }
  if (resp.outcome != HttpOutcome::kOk) {
    start_query(r, ReqKind::kOrder);
    return;
  }
  if (is_conditional(r.intent.type)) {
    const auto p = parser_.parse_algo_order(resp.status, resp.body);
    if (p && p->ok) {
      counters_.acks.add();
      hyperliquid::TrackedOrder* o = table_.find(r.subject);
      if (o != nullptr) {
        common::OrderUpdate u = o->last;
        u.status = OrderStatus::kNew;
        u.venue_order_id.lo = parser_.algo().algo_id;
        stamp(u, r, resp);
        apply_update(u);
      }
    } else if (p && p->error.reason != RejectReason::kUnknownOutcome) {
      reject_new(r.intent, p->error.reason);
    } else {
      if (!p) counters_.parse_errors.add();
      give_up_unknown(r);  // algo status queries are not wired: the stream settles it
      return;
    }
    free_request(r);
    return;
  }
  const auto p = parser_.parse_order(resp.status, resp.body, r.subject);
  if (!p) {
    counters_.parse_errors.add();
    start_query(r, ReqKind::kOrder);
    return;
  }
  common::OrderUpdate u = parser_.order();
  if (p->ok) {
    counters_.acks.add();
    stamp(u, r, resp);
    apply_update(u);
  } else if (p->error.reason == RejectReason::kUnknownOutcome) {
    start_query(r, ReqKind::kOrder);
    return;
  } else {
    stamp(u, r, resp);
    apply_update(u);  // kRejected + reason, the request's cloid
  }
  free_request(r);
}

void BinanceOrderGateway::on_cancel_answer(Request& r, const HttpResponse& resp) noexcept {
  if (resp.outcome == HttpOutcome::kNotSent) {
    if (r.attempts < 1) {
      ++r.attempts;
      counters_.retries.add();
      if (send(r)) return;
    }
    refuse(r.subject, RejectReason::kOther);
    free_request(r);
    return;
  }
  if (resp.outcome != HttpOutcome::kOk) {
    start_query(r, ReqKind::kCancel);
    return;
  }
  const auto p = parser_.parse_order(resp.status, resp.body, r.subject);
  if (!p) {
    counters_.parse_errors.add();
    start_query(r, ReqKind::kCancel);
    return;
  }
  if (p->ok) {
    common::OrderUpdate u = parser_.order();
    stamp(u, r, resp);
    apply_update(u);
  } else if (p->error.reason == RejectReason::kUnknownOutcome ||
             p->error.reason == RejectReason::kUnknownOrder) {
    // Filled, already cancelled or never placed: ask the venue which.
    start_query(r, ReqKind::kCancel);
    return;
  } else {
    refuse(r.subject, p->error.reason, &r, &resp);
  }
  free_request(r);
}

void BinanceOrderGateway::start_query(Request& r, ReqKind query_for) noexcept {
  if (r.queries >= config_.max_status_queries) {
    give_up_unknown(r);
    return;
  }
  r.kind = ReqKind::kStatusQuery;
  r.query_for = query_for;
  ++r.queries;
  counters_.status_queries.add();
  const Nanos now = clock_.now_ns();
  if (!gate(now, 1) || !send(r)) {
    r.waiting = true;
    r.not_before = now + kRetryNs;
  }
}

void BinanceOrderGateway::on_query_answer(Request& r, const HttpResponse& resp) noexcept {
  if (r.query_for == ReqKind::kFree) {
    on_reconcile_query(r, resp);
    return;
  }
  if (resp.outcome != HttpOutcome::kOk) {
    start_query(r, r.query_for);
    return;
  }
  const auto p = parser_.parse_order(resp.status, resp.body, r.subject);
  if (!p) {
    counters_.parse_errors.add();
    start_query(r, r.query_for);
    return;
  }
  if (p->ok) {
    apply_update(parser_.order());
    free_request(r);
    return;
  }
  if (p->error.reason != RejectReason::kUnknownOrder) {
    if (p->error.reason == RejectReason::kUnknownOutcome ||
        p->error.reason == RejectReason::kRateLimited) {
      start_query(r, r.query_for);
    } else {
      give_up_unknown(r);
    }
    return;
  }
  if (r.query_for == ReqKind::kCancel) {
    refuse(r.subject, RejectReason::kUnknownOrder);
    free_request(r);
    return;
  }
  // "Does not exist" is only final once the venue would refuse the original request as too old.
  const Nanos now = clock_.now_ns();
  const Nanos final_at = (r.sent_ms + config_.recv_window_ms + kServerSkewMs) * kMs;
  if (now < final_at) {
    r.waiting = true;
    r.not_before = final_at;
    return;
  }
  if (r.attempts < config_.max_resends) {
    ++r.attempts;
    counters_.retries.add();
    r.kind = ReqKind::kOrder;
    r.queries = 0;
    if (gate(now, 1) && send(r)) return;
  }
  reject_new(r.intent, RejectReason::kUnknownOrder);
  free_request(r);
}

void BinanceOrderGateway::give_up_unknown(Request& r) noexcept {
  hyperliquid::TrackedOrder* o = table_.find(r.subject);
  if (o != nullptr && !o->terminal) {
    // The core learns the outcome is open; the user stream (or a reconcile) settles it.
    common::OrderUpdate u = o->last;
    u.ts_recv = clock_.now_ns();
    u.reject = RejectReason::kUnknownOutcome;
    emit(ExecEvent(u));
  }
  free_request(r);
}

// ---- listenKey -------------------------------------------------------------------------------

void BinanceOrderGateway::request_listen_key(ReqKind kind) noexcept {
  Request* r = alloc_request(kind);
  const Nanos now = clock_.now_ns();
  if (r == nullptr || !send(*r)) {
    if (r != nullptr) free_request(*r);
    next_keepalive_ns_ = now + kKeyRetryNs;
    key_pending_ = kind == ReqKind::kListenKey;
    return;
  }
  key_pending_ = false;
  next_keepalive_ns_ = now + config_.listen_key_keepalive_ns;
}

void BinanceOrderGateway::on_listen_key_answer(Request& r, const HttpResponse& resp) noexcept {
  const ReqKind kind = r.kind;
  free_request(r);
  const Nanos now = clock_.now_ns();
  if (resp.outcome != HttpOutcome::kOk) {
    if (kind == ReqKind::kListenKey) key_pending_ = true;
    next_keepalive_ns_ = now + kKeyRetryNs;
    return;
  }
  if (kind == ReqKind::kListenKey) {
    const auto p = parser_.parse_listen_key(resp.status, resp.body);
    if (!p || !p->ok || parser_.listen_key().empty()) {
      if (!p) counters_.parse_errors.add();
      key_pending_ = true;
      next_keepalive_ns_ = now + kKeyRetryNs;
      return;
    }
    const bool changed = parser_.listen_key() != listen_key_;
    listen_key_.assign(parser_.listen_key());
    next_keepalive_ns_ = now + config_.listen_key_keepalive_ns;
    if (changed && config_.on_listen_key) config_.on_listen_key(listen_key_);
    return;
  }
  const auto p = parser_.parse_ack(resp.status, resp.body);
  if (p && !p->ok && p->error.code == -1125) {  // the key is gone: make a new one
    request_listen_key(ReqKind::kListenKey);
  }
}

int BinanceOrderGateway::run_timers(Nanos now) noexcept {
  int work = 0;
  for (auto& r : requests_) {
    if (r.kind == ReqKind::kFree || !r.waiting || now < r.not_before) continue;
    r.waiting = false;
    if (r.kind == ReqKind::kStatusQuery) {
      r.queries = static_cast<std::uint8_t>(r.queries > 0 ? r.queries - 1 : 0);
      start_query(r, r.query_for);
    }
    ++work;
  }
  if (ws_ != nullptr && next_keepalive_ns_ != 0 && now >= next_keepalive_ns_) {
    request_listen_key(key_pending_ || listen_key_.empty() ? ReqKind::kListenKey
                                                           : ReqKind::kKeepAlive);
    ++work;
  }
  work += run_reconcile(now);
  return work;
}

// ---- user stream -----------------------------------------------------------------------------

void BinanceOrderGateway::on_ws_open() noexcept {
  common::VenueStatus st;
  st.ts_recv = clock_.now_ns();
  st.venue = common::VenueId::kBinance;
  st.state = common::VenueState::kConnected;
  emit(ExecEvent(st));
  counters_.reconnects.add();
  request_reconcile();  // whatever happened while the stream was down
}

void BinanceOrderGateway::on_ws_close() noexcept {
  common::VenueStatus st;
  st.ts_recv = clock_.now_ns();
  st.venue = common::VenueId::kBinance;
  st.state = common::VenueState::kDown;
  emit(ExecEvent(st));
}

void BinanceOrderGateway::on_ws_text(const WsFrame& frame) noexcept {
  counters_.frames.add();
  const Nanos ts = frame.ts_recv != 0 ? frame.ts_recv : clock_.now_ns();
  const auto k = parser_.parse_user(frame.text(), ts);
  if (!k) {
    counters_.parse_errors.add();
    return;
  }
  switch (*k) {
    case UserEventKind::kOrderTradeUpdate: {
      const OrderEvent& ev = parser_.order_event();
      if (ev.has_fill) apply_fill(ev.fill);
      apply_update(ev.update);
      break;
    }
    case UserEventKind::kListenKeyExpired:
      request_listen_key(ReqKind::kListenKey);
      break;
    default:  // ACCOUNT_UPDATE, ALGO_UPDATE, others: counted by the codec
      break;
  }
}

// ---- reports ---------------------------------------------------------------------------------

void BinanceOrderGateway::apply_update(const common::OrderUpdate& u) noexcept {
  hyperliquid::TrackedOrder* o = u.cloid.is_null() ? nullptr : table_.find(u.cloid);
  if (o == nullptr && !u.venue_order_id.is_null()) o = table_.find_oid(u.venue_order_id.lo);
  if (o == nullptr) return;  // not ours (manual, liquidation) or long forgotten
  // The REST answer and the stream both report each state: the core hears it once.
  if (o->terminal ||
      (o->acked && u.status == o->last.status && u.filled_qty == o->last.filled_qty)) {
    counters_.duplicates.add();
    return;
  }
  if (u.filled_qty < o->last.filled_qty) {
    counters_.out_of_order.add();
    return;
  }
  common::OrderUpdate m = u;
  m.cloid = o->last.cloid;
  m.strategy = o->last.strategy;
  m.instrument = o->last.instrument;
  m.side = o->last.side;
  m.venue = common::VenueId::kBinance;
  if (m.qty == common::Qty{}) m.qty = o->last.qty;
  if (m.price == common::Price{}) m.price = o->last.price;
  if (m.venue_order_id.is_null()) m.venue_order_id = o->last.venue_order_id;
  // A stamped REST answer keeps the transport's receive time (the clock its ts_sent is on).
  if (m.ts_sent <= 0 || m.ts_recv <= 0) {
    m.ts_sent = 0;
    m.ts_recv = clock_.now_ns();
    if (!o->acked) stamp_from_stream(m);  // the stream's first word beat the REST answer
  }
  if (!m.venue_order_id.is_null()) table_.index_oid(m.venue_order_id.lo, m.cloid);
  o->last = m;
  o->last.ts_intent = 0;  // timings belong to this answer only, not to later restatements
  o->last.ts_sent = 0;
  o->in_flight = false;
  if (m.status == OrderStatus::kRejected) counters_.rejects.add();
  if (m.status != OrderStatus::kPendingNew && m.status != OrderStatus::kRejected) o->acked = true;
  if (hyperliquid::is_terminal(m.status)) {
    o->terminal = true;
    table_.note_terminal(m.cloid);
  }
  emit(ExecEvent(m));
}

void BinanceOrderGateway::apply_fill(const common::Fill& f) noexcept {
  // Trade ids are unique per symbol: the instrument goes into the key.
  const std::uint64_t key = f.fill_id * 0x9e3779b97f4a7c15ull ^ f.instrument.value;
  if (!seen_fills_.insert(key)) {
    counters_.duplicates.add();
    return;
  }
  hyperliquid::TrackedOrder* o = f.cloid.is_null() ? nullptr : table_.find(f.cloid);
  if (o == nullptr && !f.venue_order_id.is_null()) o = table_.find_oid(f.venue_order_id.lo);
  if (o == nullptr) return;
  common::Fill g = f;
  g.cloid = o->last.cloid;
  g.strategy = o->last.strategy;
  g.instrument = o->last.instrument;
  g.venue = common::VenueId::kBinance;
  counters_.fills.add();
  emit(ExecEvent(g));
}

void BinanceOrderGateway::reject_new(const common::OrderIntent& in, RejectReason reason) noexcept {
  hyperliquid::TrackedOrder* o = in.cloid.is_null() ? nullptr : table_.find(in.cloid);
  if (o != nullptr) {
    common::OrderUpdate u = o->last;
    u.status = OrderStatus::kRejected;
    u.reject = reason;
    apply_update(u);
    return;
  }
  common::OrderUpdate u;
  u.ts_recv = clock_.now_ns();
  u.cloid = in.cloid;
  u.price = in.price;
  u.qty = in.qty;
  u.instrument = in.instrument;
  u.strategy = in.strategy;
  u.venue = common::VenueId::kBinance;
  u.side = in.side;
  u.status = OrderStatus::kRejected;
  u.reject = reason;
  counters_.rejects.add();
  emit(ExecEvent(u));
}

void BinanceOrderGateway::refuse(const common::ClientOrderId& cloid, RejectReason reason,
                                 const Request* r, const HttpResponse* resp) noexcept {
  // A refused cancel leaves the order as it was: its last status again, with the reason.
  hyperliquid::TrackedOrder* o = cloid.is_null() ? nullptr : table_.find(cloid);
  counters_.rejects.add();
  if (o == nullptr) return;
  common::OrderUpdate u = o->last;
  u.ts_recv = clock_.now_ns();
  u.reject = reason;
  if (r != nullptr && resp != nullptr) stamp(u, *r, *resp);
  emit(ExecEvent(u));
}

void BinanceOrderGateway::emit(const ExecEvent& e) noexcept {
  // Execution reports are never dropped: what the core's queue refuses waits, in order.
  outbox_.push(e, counters_.queue_full);
}

}  // namespace peregrine::gateways::binance
