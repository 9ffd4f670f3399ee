#include "gateways/coinbase/md_gateway.hpp"

#include <stdexcept>
#include <utility>

namespace peregrine::gateways::coinbase {

namespace {

using common::MdEvent;
using common::Nanos;

constexpr std::size_t kMaxProducts = MdParser::kMaxProducts;

}  // namespace

CoinbaseMdGateway::CoinbaseMdGateway(const common::InstrumentRegistry& registry, WsTransport& ws,
                                     common::SpscQueue<common::MdEvent>& out,
                                     const common::Clock& clock, MdGatewayConfig config,
                                     JwtCache* ws_jwt)
    : registry_(registry),
      ws_(ws),
      clock_(clock),
      config_(std::move(config)),
      ws_jwt_(ws_jwt),
      output_(out, common::VenueId::kCoinbase, counters_) {
  if (config_.products.empty() || config_.products.size() > kMaxProducts) {
    throw std::invalid_argument("coinbase md gateway: 1 to 64 products");
  }
  if (config_.stale_after_ns <= 0 || config_.resync_retry_ns <= 0 || config_.max_events == 0) {
    throw std::invalid_argument("coinbase md gateway: bad timers or max_events");
  }
  books_.reserve(config_.products.size());
  for (const auto& p : config_.products) {
    if (!cex::plain_symbol(p)) throw std::invalid_argument("coinbase md gateway: bad product id");
    const auto id = registry_.find(common::VenueId::kCoinbase, p);
    if (!id.valid()) {
      throw std::invalid_argument("coinbase md gateway: product " + p + " is not in the registry");
    }
    for (const auto& b : books_) {
      if (b.instrument == id) throw std::invalid_argument("coinbase md gateway: duplicate " + p);
    }
    ProductFeedState b;
    b.instrument = id;
    b.product = p;
    books_.push_back(std::move(b));
  }
  for (const auto& b : books_) product_views_.emplace_back(b.product);
  // One subscribe message: the product list, a JWT and the envelope.
  send_cap_ = kMaxJwtBytes + 256 + books_.size() * 72;
  send_buf_ = std::make_unique<char[]>(send_cap_);
  parser_ = std::make_unique<MdParser>(registry_, config_.max_events);
  ws_.set_listener(this);
}

CoinbaseMdGateway::~CoinbaseMdGateway() { ws_.set_listener(nullptr); }

int CoinbaseMdGateway::do_work() noexcept {
  int work = flush_pending(clock_.now_ns());
  work += ws_.poll();
  work += check_timers(clock_.now_ns());
  work += flush_pending(clock_.now_ns());
  return work;
}

// ---- connection events -----------------------------------------------------------------------

void CoinbaseMdGateway::on_ws_open() noexcept {
  const Nanos now = clock_.now_ns();
  if (opened_once_) counters_.reconnects.add();
  opened_once_ = true;
  open_ = true;
  last_heartbeat_ns_ = now;  // the first heartbeat is a second away: a full period of grace
  parser_->reset_connection();
  for (auto& b : books_) {
    b.awaiting_snapshot = true;
    b.last_book_ns = now;
  }
  resync_wanted_ = false;  // the fresh level2 subscription brings every snapshot
  subscribe_all();
  resync_sent_ns_ = now;
  output_.set_state(common::VenueState::kResyncing, now);
}

void CoinbaseMdGateway::on_ws_close() noexcept {
  open_ = false;
  output_.set_state(common::VenueState::kDown, clock_.now_ns());
  reset_all(common::ResetReason::kReconnect);
}

void CoinbaseMdGateway::on_ws_text(const WsFrame& frame) noexcept {
  const Nanos now = clock_.now_ns();
  const Nanos ts = frame.ts_recv != 0 ? frame.ts_recv : now;
  counters_.frames.add();
  const bool padded = frame.capacity >= frame.size + simdjson::SIMDJSON_PADDING;
  const auto r = padded ? parser_->parse(frame.data, frame.size, frame.capacity, ts)
                        : parser_->parse_unpadded(frame.text(), ts);
  if (!r) {
    counters_.parse_errors.add();  // the sequence did not advance: the next frame shows a gap
    return;
  }
  if (parser_->gap_detected()) cb_counters_.sequence_gaps.add();
  switch (*r) {
    case MdFrameKind::kHeartbeats:
      last_heartbeat_ns_ = now;
      heartbeat_ = parser_->heartbeat().counter;
      break;
    case MdFrameKind::kVenueError:
      cb_counters_.venue_errors.add();
      break;
    default:
      break;
  }
  // Any frame kind can carry the BookResets of a gap; l2_data and market_trades carry data.
  handle_events(now);
  if (parser_->take_resync_request()) resync_wanted_ = true;
}

// ---- frames ----------------------------------------------------------------------------------

void CoinbaseMdGateway::handle_events(Nanos now) noexcept {
  const auto events = parser_->events();
  std::size_t i = 0;
  while (i < events.size()) {
    const MdEvent& e = events[i];
    switch (e.kind) {
      case common::MdKind::kBookReset: {
        ProductFeedState* b = book_of(e.reset.instrument);
        if (b != nullptr) mark_reset(*b, e.reset.reason, e.reset.venue_seq);
        ++i;
        break;
      }
      case common::MdKind::kBookDelta: {
        // One product's run ends with kEndOfBatch (MdParser marks the last delta of each run).
        std::size_t end = i;
        while (end < events.size() && events[end].kind == common::MdKind::kBookDelta &&
               events[end].delta.instrument == e.delta.instrument) {
          const bool last = (events[end].delta.flags & common::book_flags::kEndOfBatch) != 0;
          ++end;
          if (last) break;
        }
        ProductFeedState* b = book_of(e.delta.instrument);
        if (b != nullptr) handle_run(*b, events.subspan(i, end - i), now);
        i = end;
        break;
      }
      case common::MdKind::kTrade:
        if (book_of(e.trade.instrument) != nullptr) (void)output_.push(e);  // full: counted
        ++i;
        break;
      case common::MdKind::kVenueStatus:
        ++i;
        break;
    }
  }
}

void CoinbaseMdGateway::handle_run(ProductFeedState& b, std::span<const MdEvent> run,
                                   Nanos now) noexcept {
  const bool snapshot = (run.front().delta.flags & common::book_flags::kSnapshotBegin) != 0;
  b.last_book_ns = now;
  if (!snapshot && (b.awaiting_snapshot || b.reset_pending)) {
    cb_counters_.dropped_runs.add();
    return;
  }
  // The reset of the old book must reach the core before the new snapshot.
  if (b.reset_pending && !flush_reset(b, now)) {
    resync_wanted_ = true;  // this snapshot cannot be used: ask for another
    return;
  }
  if (!output_.push_run(run)) {
    mark_reset(b, common::ResetReason::kQueueOverflow, run.front().delta.venue_seq);
    resync_wanted_ = true;
    return;
  }
  if (snapshot) {
    b.book_valid = true;
    b.awaiting_snapshot = false;
  }
}

// ---- queue and state -------------------------------------------------------------------------

ProductFeedState* CoinbaseMdGateway::book_of(common::InstrumentId id) noexcept {
  for (auto& b : books_) {
    if (b.instrument == id) return &b;
  }
  return nullptr;
}

void CoinbaseMdGateway::mark_reset(ProductFeedState& b, common::ResetReason reason,
                                   std::uint64_t seq) noexcept {
  b.awaiting_snapshot = true;
  if (output_.state() == common::VenueState::kConnected) {
    output_.set_state(common::VenueState::kResyncing, clock_.now_ns());
  }
  if (b.reset_pending || !b.book_valid) return;  // first reason stands; no book to invalidate
  b.reset_pending = true;
  b.pending_reason = reason;
  b.pending_seq = seq;
  b.book_valid = false;
}

void CoinbaseMdGateway::reset_all(common::ResetReason reason) noexcept {
  for (auto& b : books_) mark_reset(b, reason, parser_->last_sequence());
  resync_wanted_ = false;  // the reconnect subscribes afresh
}

bool CoinbaseMdGateway::flush_reset(ProductFeedState& b, Nanos now) noexcept {
  if (!b.reset_pending) return true;
  common::BookReset r;
  r.ts_recv = now;
  r.venue_seq = b.pending_seq;
  r.instrument = b.instrument;
  r.venue = common::VenueId::kCoinbase;
  r.reason = b.pending_reason;
  if (!output_.push_reset(r)) return false;
  b.reset_pending = false;
  return true;
}

int CoinbaseMdGateway::flush_pending(Nanos now) noexcept {
  // Queue order: the pending status, every pending reset, and only then the resync request.
  const bool had_status = output_.status_pending();
  if (!output_.flush_status(now)) return 0;
  int work = had_status ? 1 : 0;
  for (auto& b : books_) {
    const bool pending = b.reset_pending;
    if (!flush_reset(b, now)) return work;
    work += pending ? 1 : 0;
  }
  if (resync_wanted_ && open_) {
    resubscribe_books(now);
    ++work;
  }
  if (open_ && output_.state() != common::VenueState::kConnected) {
    bool all = true;
    for (const auto& b : books_) all = all && b.book_valid && !b.awaiting_snapshot;
    if (all) {
      output_.set_state(common::VenueState::kConnected, now);
      resync_sent_ns_ = 0;
    }
  }
  return work;
}

int CoinbaseMdGateway::check_timers(Nanos now) noexcept {
  if (!open_) return 0;
  if (now - last_heartbeat_ns_ > config_.stale_after_ns) {
    counters_.stale.add();
    output_.set_state(common::VenueState::kStale, now);
    reset_all(common::ResetReason::kStaleFeed);
    open_ = false;
    ws_.reconnect();
    return 1;
  }
  int work = 0;
  if (config_.book_stale_after_ns > 0) {
    for (auto& b : books_) {
      if (!b.book_valid || now - b.last_book_ns <= config_.book_stale_after_ns) continue;
      counters_.stale.add();
      mark_reset(b, common::ResetReason::kStaleFeed, parser_->last_sequence());
      b.last_book_ns = now;
      resync_wanted_ = true;
      ++work;
    }
  }
  if (resync_sent_ns_ != 0 && !resync_wanted_ && now - resync_sent_ns_ > config_.resync_retry_ns) {
    bool waiting = false;
    for (const auto& b : books_) waiting = waiting || b.awaiting_snapshot;
    if (waiting) {
      resync_wanted_ = true;
      ++work;
    } else {
      resync_sent_ns_ = 0;
    }
  }
  return work;
}

// ---- outgoing --------------------------------------------------------------------------------

void CoinbaseMdGateway::subscribe_all() noexcept {
  // Heartbeats first: they keep every channel of the connection open when the book is quiet.
  (void)send_channel(true, "heartbeats");
  (void)send_channel(true, "level2");
  if (config_.trades) (void)send_channel(true, "market_trades");
}

void CoinbaseMdGateway::resubscribe_books(Nanos now) noexcept {
  for (const auto& b : books_) {
    if (b.reset_pending) return;  // the core must see the reset before the new snapshot
  }
  resync_wanted_ = false;
  cb_counters_.resubscribes.add();
  // Coinbase has no REST patch for a gap: a fresh level2 subscription starts with a snapshot.
  (void)send_channel(false, "level2");
  (void)send_channel(true, "level2");
  resync_sent_ns_ = now;
}

bool CoinbaseMdGateway::send_channel(bool subscribe, std::string_view channel) noexcept {
  std::string_view jwt;
  if (ws_jwt_ != nullptr) {
    jwt = ws_jwt_->current(clock_.now_ns());
    if (jwt.empty()) cb_counters_.jwt_misses.add();
  }
  const std::size_t n =
      build_subscribe(subscribe, channel, product_views_, jwt, send_buf_.get(), send_cap_);
  if (n == 0) return false;
  if (!ws_.send_text(std::string_view(send_buf_.get(), n))) return false;
  counters_.sends.add();
  return true;
}

}  // namespace peregrine::gateways::coinbase
