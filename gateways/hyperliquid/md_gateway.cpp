#include "gateways/hyperliquid/md_gateway.hpp"

#include <stdexcept>
#include <utility>

namespace peregrine::gateways::hyperliquid {

namespace {

using common::MdEvent;
using common::Nanos;

constexpr std::string_view kPing = R"({"method":"ping"})";

// Fixed-size text builder for subscription frames: coin names are short and checked at start-up.
class Line {
 public:
  void add(std::string_view s) noexcept {
    for (char c : s) {
      if (len_ < sizeof(buf_)) buf_[len_++] = c;
    }
  }
  [[nodiscard]] bool ok() const noexcept { return len_ < sizeof(buf_); }
  [[nodiscard]] std::string_view view() const noexcept { return {buf_, len_}; }

 private:
  char buf_[256];
  std::size_t len_ = 0;
};

bool plain_coin(std::string_view coin) noexcept {
  if (coin.empty() || coin.size() > 64) return false;
  for (char c : coin) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

}  // namespace

HlMdGateway::HlMdGateway(const common::InstrumentRegistry& registry, WsTransport& ws,
                         common::SpscQueue<common::MdEvent>& out, const common::Clock& clock,
                         MdGatewayConfig config)
    : registry_(registry),
      ws_(ws),
      out_(out),
      clock_(clock),
      config_(std::move(config)),
      parser_(registry) {
  coins_.reserve(config_.coins.size());
  for (const auto& coin : config_.coins) {
    if (!plain_coin(coin)) throw std::invalid_argument("hl md gateway: bad coin name");
    const auto id = registry_.find(common::VenueId::kHyperliquid, coin);
    if (!id.valid()) {
      throw std::invalid_argument("hl md gateway: coin " + coin + " is not in the registry");
    }
    CoinFeedState c;
    c.instrument = id;
    c.coin = coin;
    coins_.push_back(std::move(c));
  }
  ws_.set_listener(this);
}

HlMdGateway::~HlMdGateway() { ws_.set_listener(nullptr); }

int HlMdGateway::do_work() noexcept {
  const Nanos now = clock_.now_ns();
  int work = flush_pending(now);
  work += ws_.poll();
  work += check_timers(clock_.now_ns());
  work += flush_pending(clock_.now_ns());
  return work;
}

// ---- connection events -----------------------------------------------------------------------

void HlMdGateway::on_ws_open() noexcept {
  const Nanos now = clock_.now_ns();
  if (opened_once_) counters_.reconnects.add();
  opened_once_ = true;
  open_ = true;
  last_rx_ns_ = now;
  last_tx_ns_ = now;
  for (auto& c : coins_) {
    c.last_book_ns = now;
    c.resubscribe_pending = false;  // the fresh subscription brings a snapshot
  }
  subscribe_all();
  set_state(common::VenueState::kResyncing);
}

void HlMdGateway::on_ws_close() noexcept {
  open_ = false;
  set_state(common::VenueState::kDown);
  reset_all(common::ResetReason::kReconnect);
}

void HlMdGateway::on_ws_text(const WsFrame& frame) noexcept {
  const Nanos now = frame.ts_recv != 0 ? frame.ts_recv : clock_.now_ns();
  last_rx_ns_ = clock_.now_ns();
  counters_.frames.add();
  const bool padded = frame.capacity >= frame.size + simdjson::SIMDJSON_PADDING;
  const auto r = padded ? parser_.parse(frame.data, frame.size, frame.capacity, now)
                        : parser_.parse_unpadded(frame.text(), now);
  if (!r) {
    counters_.parse_errors.add();
    return;
  }
  switch (*r) {
    case MdFrameKind::kBook:
      handle_book(last_rx_ns_);
      break;
    case MdFrameKind::kTrades:
      handle_trades();
      break;
    case MdFrameKind::kBbo:
      handle_bbo();
      break;
    default:  // pong, acks, hello, venue errors, allMids: liveness only (codec counts them)
      break;
  }
}

// ---- frames ----------------------------------------------------------------------------------

void HlMdGateway::handle_book(Nanos now) noexcept {
  const auto events = parser_.events();
  if (events.empty()) return;  // unknown coin, counted by the codec
  CoinFeedState* c = coin_of(events.front().delta.instrument);
  if (c == nullptr) return;  // in the registry but not configured here
  // A pending reset must reach the queue before this snapshot; the snapshot in hand is the
  // resync, so no resubscribe is needed when the reset goes out now.
  if (c->reset_pending) {
    if (!flush_reset(*c, now, false)) return;
  }
  c->resubscribe_pending = false;
  const std::uint64_t seq = events.front().delta.venue_seq;
  if (seq < c->last_book_ms) {
    counters_.out_of_order.add();
    return;
  }
  if (free_slots() < events.size()) {
    counters_.queue_full.add();
    mark_reset(*c, common::ResetReason::kQueueOverflow, true);
    c->resubscribe_pending = true;
    return;
  }
  for (const auto& e : events) {
    if (!push(e)) {  // cannot happen after the room check; handled anyway
      mark_reset(*c, common::ResetReason::kQueueOverflow, true);
      c->resubscribe_pending = true;
      return;
    }
  }
  c->book_valid = true;
  c->last_book_ms = seq;
  c->last_book_ns = now;
}

void HlMdGateway::handle_trades() noexcept {
  const auto events = parser_.events();
  if (free_slots() < events.size()) {
    counters_.queue_full.add(events.size());
    return;
  }
  for (const auto& e : events) {
    CoinFeedState* c = coin_of(e.trade.instrument);
    if (c == nullptr) continue;
    // The venue replays recent trades on (re)subscribe: anything older than what was forwarded
    // is a repeat.
    if (e.trade.venue_seq < c->last_trade_ms) {
      counters_.out_of_order.add();
      continue;
    }
    if (!push(e)) return;
    c->last_trade_ms = e.trade.venue_seq;
  }
}

void HlMdGateway::handle_bbo() noexcept {
  const Bbo& b = parser_.bbo();
  CoinFeedState* c = coin_of(b.instrument);
  if (c == nullptr) return;
  if (b.venue_seq < c->last_bbo.venue_seq) {
    counters_.out_of_order.add();
    return;
  }
  c->last_bbo = b;
}

// ---- queue and state -------------------------------------------------------------------------

CoinFeedState* HlMdGateway::coin_of(common::InstrumentId id) noexcept {
  for (auto& c : coins_) {
    if (c.instrument == id) return &c;
  }
  return nullptr;
}

std::size_t HlMdGateway::free_slots() const noexcept {
  // Read by the producer, size_approx can only over-state the fill level: conservative.
  const std::size_t used = out_.size_approx();
  return used >= out_.capacity() ? 0 : out_.capacity() - used;
}

bool HlMdGateway::push(const MdEvent& e) noexcept {
  if (out_.try_push(e)) return true;
  counters_.queue_full.add();
  return false;
}

void HlMdGateway::set_state(common::VenueState s) noexcept {
  if (s == state_) return;
  state_ = s;
  status_pending_ = true;
  (void)flush_status(clock_.now_ns());  // status travels in order with the data when it fits
}

bool HlMdGateway::flush_status(Nanos now) noexcept {
  if (!status_pending_) return true;
  common::VenueStatus st;
  st.ts_recv = now;
  st.venue = common::VenueId::kHyperliquid;
  st.state = state_;
  if (!out_.try_push(MdEvent(st))) return false;  // retried every cycle
  status_pending_ = false;
  return true;
}

bool HlMdGateway::flush_reset(CoinFeedState& c, Nanos now, bool resubscribe) noexcept {
  if (!c.reset_pending) return true;
  common::BookReset r;
  r.ts_recv = now;
  r.venue_seq = c.last_book_ms;
  r.instrument = c.instrument;
  r.venue = common::VenueId::kHyperliquid;
  r.reason = c.pending_reason;
  if (!out_.try_push(MdEvent(r))) return false;
  c.reset_pending = false;
  counters_.resets.add();
  if (resubscribe && c.resubscribe_pending && open_) {
    // A fresh subscription makes the venue send the current snapshot at once.
    (void)send_subscription("unsubscribe", "l2Book", c.coin);
    (void)send_subscription("subscribe", "l2Book", c.coin);
    c.resubscribe_pending = false;
    c.last_book_ns = now;
  }
  return true;
}

void HlMdGateway::mark_reset(CoinFeedState& c, common::ResetReason reason, bool force) noexcept {
  if (c.reset_pending) return;  // the first reason stands
  if (!c.book_valid && !force) return;
  c.reset_pending = true;
  c.pending_reason = reason;
  c.book_valid = false;
}

void HlMdGateway::reset_all(common::ResetReason reason) noexcept {
  for (auto& c : coins_) mark_reset(c, reason, false);
}

int HlMdGateway::flush_pending(Nanos now) noexcept {
  int work = 0;
  if (status_pending_) {
    if (!flush_status(now)) return work;
    ++work;
  }
  for (auto& c : coins_) {
    if (!c.reset_pending) continue;
    if (!flush_reset(c, now, true)) return work;
    ++work;
  }
  if (open_ && state_ != common::VenueState::kConnected) {
    bool all = true;
    for (const auto& c : coins_) all = all && c.book_valid;
    if (all) set_state(common::VenueState::kConnected);
  }
  return work;
}

int HlMdGateway::check_timers(Nanos now) noexcept {
  if (!open_) return 0;
  int work = 0;
  if (now - last_rx_ns_ > config_.stale_after_ns) {
    counters_.stale.add();
    set_state(common::VenueState::kStale);
    reset_all(common::ResetReason::kStaleFeed);
    open_ = false;
    ws_.reconnect();
    return 1;
  }
  for (auto& c : coins_) {
    if (c.reset_pending || now - c.last_book_ns <= config_.book_stale_after_ns) continue;
    if (c.book_valid) {
      counters_.stale.add();
      mark_reset(c, common::ResetReason::kStaleFeed, false);
      c.resubscribe_pending = true;
      if (state_ == common::VenueState::kConnected) set_state(common::VenueState::kResyncing);
    } else {
      // Subscribed but never got a snapshot: ask again.
      (void)send_subscription("unsubscribe", "l2Book", c.coin);
      (void)send_subscription("subscribe", "l2Book", c.coin);
      c.last_book_ns = now;
    }
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

void HlMdGateway::subscribe_all() noexcept {
  for (const auto& c : coins_) {
    (void)send_subscription("subscribe", "l2Book", c.coin);
    if (config_.trades) (void)send_subscription("subscribe", "trades", c.coin);
    if (config_.bbo) (void)send_subscription("subscribe", "bbo", c.coin);
  }
}

bool HlMdGateway::send_subscription(std::string_view method, std::string_view type,
                                    std::string_view coin) noexcept {
  Line l;
  l.add(R"({"method":")");
  l.add(method);
  l.add(R"(","subscription":{"type":")");
  l.add(type);
  l.add(R"(","coin":")");
  l.add(coin);
  l.add("\"");
  if (type == "l2Book" && config_.fast_book) l.add(R"(,"fast":true)");
  l.add("}}");
  return l.ok() && send(l.view());
}

bool HlMdGateway::send(std::string_view frame) noexcept {
  if (!ws_.send_text(frame)) return false;
  last_tx_ns_ = clock_.now_ns();
  return true;
}

}  // namespace peregrine::gateways::hyperliquid
