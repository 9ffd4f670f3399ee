#include "gateways/bybit/md_gateway.hpp"

#include <array>
#include <memory>
#include <stdexcept>
#include <utility>

#include "gateways/bybit/symbols.hpp"

namespace peregrine::gateways::bybit {

namespace {

using common::MdEvent;
using common::Nanos;

constexpr std::string_view kPing = R"({"op":"ping"})";
constexpr std::size_t kTopicsPerFrame = 10;  // well under the 21,000-character args limit

}  // namespace

BybitMdGateway::BybitMdGateway(const common::InstrumentRegistry& registry, WsTransport& ws,
                               common::SpscQueue<common::MdEvent>& out, const common::Clock& clock,
                               MdGatewayConfig config)
    : registry_(registry),
      ws_(ws),
      clock_(clock),
      config_(std::move(config)),
      output_(out, common::VenueId::kBybit, counters_) {
  if (config_.symbols.empty()) throw std::invalid_argument("bybit md gateway: no symbols");
  if (config_.depth != 1 && config_.depth != 50 && config_.depth != 200 && config_.depth != 1000) {
    throw std::invalid_argument("bybit md gateway: depth must be 1, 50, 200 or 1000");
  }
  SymbolTable table;
  books_.reserve(config_.symbols.size());
  for (const auto& s : config_.symbols) {
    if (!cex::plain_symbol(s)) throw std::invalid_argument("bybit md gateway: bad symbol");
    const auto id = registry_.find(common::VenueId::kBybit, s);
    if (!id.valid()) {
      throw std::invalid_argument("bybit md gateway: symbol " + s + " is not in the registry");
    }
    if (!table.bind(s, id)) throw std::invalid_argument("bybit md gateway: duplicate " + s);
    TopicFeedState b;
    b.instrument = id;
    b.symbol = s;
    b.book_topic = "orderbook." + std::to_string(config_.depth) + "." + s;
    books_.push_back(std::move(b));
    trade_topics_.push_back("publicTrade." + s);
  }
  parser_ = std::make_unique<MdParser>(table);
  ws_.set_listener(this);
}

BybitMdGateway::~BybitMdGateway() { ws_.set_listener(nullptr); }

int BybitMdGateway::do_work() noexcept {
  int work = flush_pending(clock_.now_ns());
  work += ws_.poll();
  work += check_timers(clock_.now_ns());
  work += flush_pending(clock_.now_ns());
  return work;
}

// ---- connection events -----------------------------------------------------------------------

void BybitMdGateway::on_ws_open() noexcept {
  const Nanos now = clock_.now_ns();
  if (opened_once_) counters_.reconnects.add();
  opened_once_ = true;
  open_ = true;
  last_rx_ns_ = now;
  last_tx_ns_ = now;
  parser_->reset_all();
  for (auto& b : books_) {
    b.last_book_ns = now;
    b.awaiting_snapshot = true;
    b.resubscribe_pending = false;  // the fresh subscription brings a snapshot
  }
  subscribe_all();
  output_.set_state(common::VenueState::kResyncing, now);
}

void BybitMdGateway::on_ws_close() noexcept {
  open_ = false;
  output_.set_state(common::VenueState::kDown, clock_.now_ns());
  parser_->reset_all();
  reset_all(common::ResetReason::kReconnect);
}

void BybitMdGateway::on_ws_text(const WsFrame& frame) noexcept {
  const Nanos now = clock_.now_ns();
  const Nanos ts = frame.ts_recv != 0 ? frame.ts_recv : now;
  last_rx_ns_ = now;
  counters_.frames.add();
  const bool padded = frame.capacity >= frame.size + simdjson::SIMDJSON_PADDING;
  const auto r = padded ? parser_->parse(frame.data, frame.size, frame.capacity, ts)
                        : parser_->parse_unpadded(frame.text(), ts);
  if (!r) {
    counters_.parse_errors.add();
    return;
  }
  switch (*r) {
    case MdFrameKind::kBook:
      handle_book(now);
      break;
    case MdFrameKind::kTrades:
      handle_trades();
      break;
    default:  // pong, subscription acks (failures counted by the codec), other topics
      break;
  }
}

// ---- frames ----------------------------------------------------------------------------------

void BybitMdGateway::handle_book(Nanos now) noexcept {
  const BookFrame& bf = parser_->book();
  TopicFeedState* b = book_of(bf.instrument);
  if (b == nullptr) return;
  switch (bf.outcome) {
    case BookOutcome::kSnapshot: {
      b->last_book_ns = now;
      // A pending reset must reach the queue before this snapshot; the snapshot in hand is the
      // resync, so no resubscribe is needed when the reset goes out now.
      if (b->reset_pending && !flush_reset(*b, now)) {
        b->resubscribe_pending = true;  // this snapshot cannot be used: ask for another
        return;
      }
      b->resubscribe_pending = false;
      if (!output_.push_run(parser_->events())) {
        mark_reset(*b, common::ResetReason::kQueueOverflow, true);
        return;
      }
      b->book_valid = true;
      b->awaiting_snapshot = false;
      b->last_u = bf.u;
      return;
    }
    case BookOutcome::kDelta:
      b->last_book_ns = now;
      if (b->awaiting_snapshot || b->reset_pending) {
        counters_.out_of_order.add();
        return;
      }
      if (!output_.push_run(parser_->events())) {
        mark_reset(*b, common::ResetReason::kQueueOverflow, true);
        return;
      }
      b->last_u = bf.u;
      return;
    case BookOutcome::kGap:
      mark_reset(*b, common::ResetReason::kSequenceGap, true);
      return;
    default:  // dropped while unsynced, depth mismatch: counted by the codec
      return;
  }
}

void BybitMdGateway::handle_trades() noexcept {
  const auto events = parser_->events();
  if (output_.free_slots() < events.size()) {
    counters_.queue_full.add(events.size());  // trades cannot be recovered
    return;
  }
  for (const auto& e : events) {
    if (book_of(e.trade.instrument) == nullptr) continue;
    if (!output_.push(e)) return;
  }
}

// ---- queue and state -------------------------------------------------------------------------

TopicFeedState* BybitMdGateway::book_of(common::InstrumentId id) noexcept {
  for (auto& b : books_) {
    if (b.instrument == id) return &b;
  }
  return nullptr;
}

void BybitMdGateway::mark_reset(TopicFeedState& b, common::ResetReason reason,
                                bool resubscribe) noexcept {
  b.awaiting_snapshot = true;
  if (resubscribe) b.resubscribe_pending = true;
  if (output_.state() == common::VenueState::kConnected) {
    output_.set_state(common::VenueState::kResyncing, clock_.now_ns());
  }
  if (b.reset_pending) return;  // the first reason stands
  if (!b.book_valid) return;    // the core has no book to invalidate
  b.reset_pending = true;
  b.pending_reason = reason;
  b.book_valid = false;
}

void BybitMdGateway::reset_all(common::ResetReason reason) noexcept {
  for (auto& b : books_) {
    mark_reset(b, reason, false);
    b.resubscribe_pending = false;  // the reconnect subscribes afresh
  }
}

bool BybitMdGateway::flush_reset(TopicFeedState& b, Nanos now) noexcept {
  if (!b.reset_pending) return true;
  common::BookReset r;
  r.ts_recv = now;
  r.venue_seq = b.last_u;
  r.instrument = b.instrument;
  r.venue = common::VenueId::kBybit;
  r.reason = b.pending_reason;
  if (!output_.push_reset(r)) return false;
  b.reset_pending = false;
  return true;
}

int BybitMdGateway::flush_pending(Nanos now) noexcept {
  int work = 0;
  if (output_.status_pending()) {
    if (!output_.flush_status(now)) return work;
    ++work;
  }
  for (auto& b : books_) {
    if (b.reset_pending) {
      if (!flush_reset(b, now)) return work;
      ++work;
    }
    if (b.resubscribe_pending && open_) {
      // A fresh subscription makes the venue send the current snapshot at once.
      const std::array<std::string_view, 1> t{b.book_topic};
      (void)send_topics("unsubscribe", t);
      (void)send_topics("subscribe", t);
      b.resubscribe_pending = false;
      b.last_book_ns = now;
      ++work;
    }
  }
  if (open_ && output_.state() != common::VenueState::kConnected) {
    bool all = true;
    for (const auto& b : books_) all = all && b.book_valid && !b.awaiting_snapshot;
    if (all) output_.set_state(common::VenueState::kConnected, now);
  }
  return work;
}

int BybitMdGateway::check_timers(Nanos now) noexcept {
  if (!open_) return 0;
  if (now - last_rx_ns_ > config_.stale_after_ns) {
    counters_.stale.add();
    output_.set_state(common::VenueState::kStale, now);
    parser_->reset_all();
    reset_all(common::ResetReason::kStaleFeed);
    open_ = false;
    ws_.reconnect();
    return 1;
  }
  int work = 0;
  for (auto& b : books_) {
    if (b.reset_pending || b.resubscribe_pending ||
        now - b.last_book_ns <= config_.book_stale_after_ns) {
      continue;
    }
    counters_.stale.add();
    mark_reset(b, common::ResetReason::kStaleFeed, true);
    ++work;
  }
  if (now - last_tx_ns_ >= config_.ping_interval_ns) {
    (void)send(kPing);
    last_tx_ns_ = now;  // also on failure: the transport is reconnecting anyway
    ++work;
  }
  return work;
}

// ---- outgoing --------------------------------------------------------------------------------

void BybitMdGateway::subscribe_all() noexcept {
  std::array<std::string_view, kTopicsPerFrame> batch{};
  std::size_t n = 0;
  auto add = [&](std::string_view t) {
    batch[n++] = t;
    if (n == batch.size()) {
      (void)send_topics("subscribe", std::span<const std::string_view>(batch.data(), n));
      n = 0;
    }
  };
  for (std::size_t i = 0; i < books_.size(); ++i) {
    add(books_[i].book_topic);
    if (config_.trades) add(trade_topics_[i]);
  }
  if (n > 0) (void)send_topics("subscribe", std::span<const std::string_view>(batch.data(), n));
}

bool BybitMdGateway::send_topics(std::string_view op,
                                 std::span<const std::string_view> topics) noexcept {
  char buf[1024];
  const std::size_t n = write_subscription(op, topics, {}, buf, sizeof(buf));
  return n != 0 && send(std::string_view(buf, n));
}

bool BybitMdGateway::send(std::string_view frame) noexcept {
  if (!ws_.send_text(frame)) return false;
  last_tx_ns_ = clock_.now_ns();
  return true;
}

}  // namespace peregrine::gateways::bybit
