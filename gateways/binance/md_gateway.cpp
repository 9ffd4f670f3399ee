#include "gateways/binance/md_gateway.hpp"

#include <stdexcept>
#include <utility>

#include "gateways/binance/order_codec.hpp"

namespace peregrine::gateways::binance {

namespace {

using common::MdEvent;
using common::Nanos;

constexpr std::size_t kMaxSymbols = 64;  // one SUBSCRIBE frame carries every stream

bool plain_suffix(std::string_view s) noexcept {
  if (s.size() > 32) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '@' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

BinanceMdGateway::BinanceMdGateway(const common::InstrumentRegistry& registry, WsTransport& ws,
                                   WsTransport* trade_ws, RestTransport& rest,
                                   common::SpscQueue<common::MdEvent>& out,
                                   const common::Clock& clock, MdGatewayConfig config,
                                   RateGate* rate)
    : registry_(registry),
      ws_(ws),
      trade_ws_(trade_ws),
      rest_(rest),
      clock_(clock),
      config_(std::move(config)),
      rate_(rate),
      parser_(symbols_),
      trade_link_(*this),
      output_(out, common::VenueId::kBinance, counters_) {
  if (config_.symbols.empty() || config_.symbols.size() > kMaxSymbols) {
    throw std::invalid_argument("binance md gateway: 1 to 64 symbols");
  }
  if (!plain_suffix(config_.depth_suffix) || config_.depth_suffix.empty() ||
      !plain_suffix(config_.trade_suffix)) {
    throw std::invalid_argument("binance md gateway: bad stream suffix");
  }
  books_.reserve(config_.symbols.size());
  for (const auto& s : config_.symbols) {
    if (!cex::plain_symbol(s)) throw std::invalid_argument("binance md gateway: bad symbol");
    const auto id = registry_.find(common::VenueId::kBinance, s);
    if (!id.valid()) {
      throw std::invalid_argument("binance md gateway: symbol " + s + " is not in the registry");
    }
    if (!symbols_.add(s, id)) throw std::invalid_argument("binance md gateway: duplicate " + s);
    BookFeedState b;
    b.instrument = id;
    b.symbol = s;
    b.sync = std::make_unique<BookSync>(config_.market, id);
    books_.push_back(std::move(b));
  }
  ws_.set_listener(this);
  if (trade_ws_ != nullptr) trade_ws_->set_listener(&trade_link_);
  rest_.set_listener(this);
}

BinanceMdGateway::~BinanceMdGateway() {
  ws_.set_listener(nullptr);
  if (trade_ws_ != nullptr) trade_ws_->set_listener(nullptr);
  rest_.set_listener(nullptr);
}

int BinanceMdGateway::do_work() noexcept {
  int work = flush_pending(clock_.now_ns());
  work += ws_.poll();
  if (trade_ws_ != nullptr) work += trade_ws_->poll();
  work += rest_.poll();
  work += check_timers(clock_.now_ns());
  work += flush_pending(clock_.now_ns());
  work += request_snapshots(clock_.now_ns());
  return work;
}

// ---- connection events -----------------------------------------------------------------------

void BinanceMdGateway::on_ws_open() noexcept {
  const Nanos now = clock_.now_ns();
  if (opened_once_) counters_.reconnects.add();
  opened_once_ = true;
  open_ = true;
  last_rx_ns_ = now;
  for (auto& b : books_) b.last_depth_ns = now;
  (void)subscribe(ws_, true, trade_ws_ == nullptr);
  output_.set_state(common::VenueState::kResyncing, now);
}

void BinanceMdGateway::on_ws_close() noexcept {
  const Nanos now = clock_.now_ns();
  open_ = false;
  output_.set_state(common::VenueState::kDown, now);
  reset_all(common::ResetReason::kReconnect, now);
}

void BinanceMdGateway::TradeLink::on_ws_open() noexcept {
  (void)gw_.subscribe(*gw_.trade_ws_, false, true);
}

void BinanceMdGateway::on_ws_text(const WsFrame& frame) noexcept { handle_frame(frame, true); }

void BinanceMdGateway::handle_frame(const WsFrame& frame, bool depth_link) noexcept {
  const Nanos now = clock_.now_ns();
  const Nanos ts = frame.ts_recv != 0 ? frame.ts_recv : now;
  if (depth_link) last_rx_ns_ = now;
  counters_.frames.add();
  const bool padded = frame.capacity >= frame.size + simdjson::SIMDJSON_PADDING;
  const auto r = padded ? parser_.parse(frame.data, frame.size, frame.capacity, ts)
                        : parser_.parse_unpadded(frame.text(), ts);
  if (!r) {
    counters_.parse_errors.add();
    return;
  }
  switch (*r) {
    case MdFrameKind::kDepth:
      handle_depth(now);
      break;
    case MdFrameKind::kTrade:
      handle_trade();
      break;
    case MdFrameKind::kBookTicker: {
      BookFeedState* b = book_of(parser_.book_ticker().instrument);
      if (b != nullptr) b->last_ticker = parser_.book_ticker();
      break;
    }
    default:  // subscription acks, venue errors, other streams: counted by the codec
      break;
  }
}

void BinanceMdGateway::handle_depth(Nanos now) noexcept {
  const DepthUpdate& d = parser_.depth();
  BookFeedState* b = book_of(d.instrument);
  if (b == nullptr) return;  // unknown symbol: counted by the codec
  b->last_depth_ns = now;
  current_ = b;
  const DepthOutcome o = b->sync->on_depth(d, *this);
  if (o == DepthOutcome::kStale || o == DepthOutcome::kRejected) counters_.out_of_order.add();
  after_sync(*b, now);
}

void BinanceMdGateway::handle_trade() noexcept {
  const common::Trade& t = parser_.trade();
  BookFeedState* b = book_of(t.instrument);
  if (b == nullptr) return;
  if (b->last_trade_id != 0 && t.venue_seq <= b->last_trade_id) {
    counters_.out_of_order.add();
    return;
  }
  b->last_trade_id = t.venue_seq;
  (void)output_.push(MdEvent(t));  // full: counted, a trade cannot be recovered
}

void BinanceMdGateway::on_http_response(const HttpResponse& response) noexcept {
  counters_.frames.add();
  BookFeedState* b = nullptr;
  for (auto& x : books_) {
    if (x.snapshot_request == response.request_id) b = &x;
  }
  if (b == nullptr || response.request_id == 0) return;  // superseded by a reset
  b->snapshot_request = 0;
  const Nanos now = clock_.now_ns();
  if (response.outcome != HttpOutcome::kOk || response.status != 200) {
    b->snapshot_not_before = now + config_.snapshot_retry_ns;
    return;
  }
  const auto r = parser_.parse_snapshot_unpadded(response.body, b->instrument, now);
  if (!r) {
    counters_.parse_errors.add();
    b->snapshot_not_before = now + config_.snapshot_retry_ns;
    return;
  }
  if (b->reset_pending || b->sync->state() != SyncState::kAwaitingSnapshot) return;
  current_ = b;
  const SnapshotOutcome o = b->sync->on_snapshot(parser_.snapshot(), *this);
  if (o == SnapshotOutcome::kTooOld) {
    counters_.out_of_order.add();
    b->snapshot_not_before = now + config_.snapshot_retry_ns;
  }
  b->last_depth_ns = now;
  after_sync(*b, now);
}

// ---- BookSink --------------------------------------------------------------------------------

void BinanceMdGateway::on_deltas(std::span<const common::BookDelta> deltas) noexcept {
  BookFeedState* b = current_;
  if (b == nullptr || deltas.empty() || b->overflow) return;
  if (!output_.push_run(deltas)) {
    b->overflow = true;  // the sync is reset in after_sync, outside its own call
    return;
  }
  if ((deltas.back().flags & common::book_flags::kSnapshotEnd) != 0) b->book_valid = true;
}

void BinanceMdGateway::on_reset(const common::BookReset& reset) noexcept {
  BookFeedState* b = current_;
  if (b == nullptr) return;
  b->snapshot_request = 0;  // an answer in flight belongs to the old epoch
  const bool was_valid = b->book_valid;
  b->book_valid = false;
  // The core's book is only invalidated once; a book it never had needs no reset.
  if (!was_valid || b->reset_pending) return;
  b->pending = reset;
  b->reset_pending = !output_.push_reset(reset);
}

void BinanceMdGateway::after_sync(BookFeedState& b, Nanos now) noexcept {
  if (b.overflow) {
    b.overflow = false;
    current_ = &b;
    b.sync->reset(common::ResetReason::kQueueOverflow, now, *this);
    if (output_.state() == common::VenueState::kConnected) {
      output_.set_state(common::VenueState::kResyncing, now);
    }
  }
  if (!b.sync->synced() && output_.state() == common::VenueState::kConnected) {
    output_.set_state(common::VenueState::kResyncing, now);
  }
  current_ = nullptr;
}

// ---- queue and state -------------------------------------------------------------------------

BookFeedState* BinanceMdGateway::book_of(common::InstrumentId id) noexcept {
  for (auto& b : books_) {
    if (b.instrument == id) return &b;
  }
  return nullptr;
}

int BinanceMdGateway::flush_pending(Nanos now) noexcept {
  int work = 0;
  if (output_.status_pending()) {
    if (!output_.flush_status(now)) return work;
    ++work;
  }
  for (auto& b : books_) {
    if (!b.reset_pending) continue;
    if (!output_.push_reset(b.pending)) return work;
    b.reset_pending = false;
    ++work;
  }
  if (open_ && output_.state() != common::VenueState::kConnected) {
    bool all = true;
    for (const auto& b : books_) all = all && b.book_valid && b.sync->synced();
    if (all) output_.set_state(common::VenueState::kConnected, now);
  }
  return work;
}

int BinanceMdGateway::request_snapshots(Nanos now) noexcept {
  if (!open_) return 0;
  int work = 0;
  for (auto& b : books_) {
    // The documented procedure buffers diffs first, so the snapshot can always be bridged.
    if (b.reset_pending || b.snapshot_request != 0 || now < b.snapshot_not_before ||
        b.sync->state() != SyncState::kAwaitingSnapshot || b.sync->buffered_events() == 0) {
      continue;
    }
    if (rate_ != nullptr && !rate_->try_acquire(config_.snapshot_weight, now)) {
      counters_.throttled.add();
      b.snapshot_not_before = now + config_.snapshot_retry_ns;
      continue;
    }
    char buf[256];
    const auto req = depth_snapshot_request(config_.market, b.symbol, config_.snapshot_limit, buf);
    if (!req) continue;
    cex::TextLine<320> target;
    target.add(req->path).add("?").add(req->query);
    if (!target.ok()) continue;
    const std::uint64_t id = rest_.request(gateways::HttpMethod::kGet, target.view(), {}, {});
    if (id == 0) continue;  // pool busy: next cycle
    counters_.sends.add();
    if (b.sync->snapshots() > 0) counters_.retries.add();
    b.snapshot_request = id;
    b.sync->mark_snapshot_requested();
    ++work;
  }
  return work;
}

int BinanceMdGateway::check_timers(Nanos now) noexcept {
  if (!open_) return 0;
  if (now - last_rx_ns_ > config_.stale_after_ns) {
    counters_.stale.add();
    output_.set_state(common::VenueState::kStale, now);
    reset_all(common::ResetReason::kStaleFeed, now);
    open_ = false;
    ws_.reconnect();
    return 1;
  }
  int work = 0;
  for (auto& b : books_) {
    if (!b.sync->synced() || now - b.last_depth_ns <= config_.book_stale_after_ns) continue;
    counters_.stale.add();
    current_ = &b;
    b.sync->reset(common::ResetReason::kStaleFeed, now, *this);
    after_sync(b, now);
    ++work;
  }
  return work;
}

void BinanceMdGateway::reset_all(common::ResetReason reason, Nanos now) noexcept {
  for (auto& b : books_) {
    current_ = &b;
    b.sync->reset(reason, now, *this);
    b.snapshot_request = 0;
    b.snapshot_not_before = 0;
  }
  current_ = nullptr;
}

// ---- outgoing --------------------------------------------------------------------------------

bool BinanceMdGateway::subscribe(WsTransport& ws, bool depth, bool trades) noexcept {
  cex::TextLine<4096> l;
  l.add(R"({"method":"SUBSCRIBE","params":[)");
  bool first = true;
  auto stream = [&](std::string_view symbol, std::string_view suffix) {
    if (suffix.empty()) return;
    l.add(first ? "\"" : ",\"").add_lower(symbol).add(suffix).add("\"");
    first = false;
  };
  for (const auto& b : books_) {
    if (depth) {
      stream(b.symbol, config_.depth_suffix);
      if (config_.book_ticker) stream(b.symbol, "@bookTicker");
    }
    if (trades) stream(b.symbol, config_.trade_suffix);
  }
  if (first) return true;  // nothing to subscribe on this link
  l.add(R"(],"id":)").add_uint(next_sub_id_++).add("}");
  return l.ok() && ws.send_text(l.view());
}

}  // namespace peregrine::gateways::binance
