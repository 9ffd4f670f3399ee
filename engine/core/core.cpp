// The strategy core loop; see core.hpp.
#include "engine/core/core.hpp"

#include <algorithm>
#include <utility>

#include "strategies/note.hpp"

namespace peregrine::engine {

using common::BookDelta;
using common::ExecEvent;
using common::ExecKind;
using common::InstrumentId;
using common::MdEvent;
using common::MdKind;
using common::OrderIntent;

namespace {

// Heap order: earliest deadline first, then FIFO by scheduling sequence (determinism).
struct TimerLater {
  template <typename T>
  bool operator()(const T& a, const T& b) const noexcept {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
};

Nanos ts_recv_of(const MdEvent& e) noexcept {
  switch (e.kind) {
    case MdKind::kBookDelta:
      return e.delta.ts_recv;
    case MdKind::kTrade:
      return e.trade.ts_recv;
    case MdKind::kBookReset:
      return e.reset.ts_recv;
    case MdKind::kVenueStatus:
      return e.status.ts_recv;
  }
  return 0;
}

Nanos ts_recv_of(const ExecEvent& e) noexcept {
  switch (e.kind) {
    case ExecKind::kOrderUpdate:
      return e.update.ts_recv;
    case ExecKind::kFill:
      return e.fill.ts_recv;
    case ExecKind::kVenueStatus:
      return e.status.ts_recv;
  }
  return 0;
}

std::uint64_t elapsed(Nanos from, Nanos to) noexcept {
  return to > from ? static_cast<std::uint64_t>(to - from) : 0;
}

}  // namespace

class Core::Port final : public strategies::StrategyContext {
 public:
  Port(Core& core, strategies::Strategy* s, common::StrategyId id) noexcept
      : core_(core), strategy_(s), id_(id) {}

  const common::L2Book& book(InstrumentId id) const noexcept override { return core_.book(id); }
  const common::InstrumentRegistry& instruments() const noexcept override {
    return core_.instruments_;
  }
  const common::Clock& clock() const noexcept override { return core_.clock_; }
  common::Qty position(InstrumentId id) const noexcept override { return core_.flow_.position(id); }
  common::ClientOrderId next_order_id() noexcept override { return core_.ids_.next(id_); }
  strategies::SubmitResult submit(const OrderIntent& intent) noexcept override {
    OrderIntent own = intent;
    own.strategy = id_;  // a strategy can only trade as itself
    return core_.submit(own);
  }
  void schedule_timer(Nanos at, std::uint64_t token) noexcept override {
    core_.schedule(id_.value, at, token);
  }
  void note(std::string_view text) noexcept override {
    if (core_.observer_ != nullptr) core_.observer_->on_note(id_, text);
  }
  bool venue_healthy(common::VenueId v) const noexcept override {
    return core_.flow_.venue_healthy(v);
  }
  InstrumentId route(common::AssetId asset, common::Side side,
                     common::Qty qty) const noexcept override {
    return core_.route(asset, side, qty);
  }

  strategies::Strategy& strategy() noexcept { return *strategy_; }

 private:
  Core& core_;
  strategies::Strategy* strategy_;
  common::StrategyId id_;
};

Core::Core(const common::InstrumentRegistry& instruments, const common::Clock& clock,
           OrderFlow& flow, CoreOptions options)
    : instruments_(instruments),
      clock_(clock),
      flow_(flow),
      options_(options),
      ids_(options.id_salt) {
  const std::size_t n = instruments.size();
  books_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) books_.emplace_back(options_.book_capacity);
  dirty_.assign(n, 0);
  dirty_list_.reserve(n);
  timers_.reserve(options_.max_timers);
}

Core::~Core() = default;

void Core::connect_md(common::VenueId v, common::SpscQueue<MdEvent>* q) noexcept {
  md_[static_cast<std::size_t>(v)] = q;
}
void Core::connect_exec(common::VenueId v, common::SpscQueue<ExecEvent>* q) noexcept {
  exec_[static_cast<std::size_t>(v)] = q;
}
void Core::connect_orders(common::VenueId v, common::SpscQueue<OrderIntent>* q) noexcept {
  orders_[static_cast<std::size_t>(v)] = q;
}

common::StrategyId Core::add_strategy(strategies::Strategy* s) {
  const common::StrategyId id{static_cast<std::uint16_t>(ports_.size() + 1)};
  ports_.push_back(std::make_unique<Port>(*this, s, id));
  return id;
}

void Core::start() {
  started_ = true;
  for (auto& p : ports_) p->strategy().on_start(*p);
}

template <typename Fn>
void Core::for_strategy(common::StrategyId id, Fn&& fn) noexcept {
  if (id.value == 0 || id.value > ports_.size()) return;  // manual orders: no strategy to tell
  Port& p = *ports_[id.value - 1u];
  fn(p.strategy(), p);
}

template <typename Fn>
void Core::for_all(Fn&& fn) noexcept {
  for (auto& p : ports_) fn(p->strategy(), *p);
}

int Core::do_work() noexcept {
  int work = 0;
  for (std::size_t v = 0; v < common::kVenueCount; ++v) {
    if (md_[v] != nullptr) drain_md(static_cast<common::VenueId>(v), *md_[v], work);
  }
  for (auto* q : exec_) {
    if (q != nullptr) drain_exec(*q, work);
  }
  const Nanos now = clock_.now_ns();
  fire_timers(now, work);
  if (router_ != nullptr && now >= next_allocation_) refresh_allocation(now);
  return work;
}

void Core::drain_md(common::VenueId, common::SpscQueue<MdEvent>& q, int& work) noexcept {
  MdEvent e;
  std::size_t n = 0;
  batch_recv_ = 0;
  while (n < options_.md_batch && q.try_pop(e)) {
    ++n;
    const Nanos now = clock_.now_ns();
    if (batch_recv_ == 0) batch_recv_ = ts_recv_of(e);
    apply_md(e, now);
    // End of one venue message: strategies see each changed book once per message.
    if (e.kind == MdKind::kBookDelta && (e.delta.flags & common::book_flags::kEndOfBatch) != 0) {
      notify_books(now);
    }
  }
  // A batch cut by md_batch mid-message is finished on the next cycle; books stay dirty.
  work += static_cast<int>(n);
}

void Core::apply_md(const MdEvent& e, Nanos now) noexcept {
  ++counters_.md_events;
  if (observer_ != nullptr) observer_->on_md(e);
  switch (e.kind) {
    case MdKind::kBookDelta: {
      const BookDelta& d = e.delta;
      if (d.instrument.value >= books_.size()) {
        ++counters_.unknown_instrument;
        return;
      }
      common::L2Book& b = books_[d.instrument.value];
      const common::BookApplyResult r = b.apply(d);
      ++counters_.book_updates;
      if (r == common::BookApplyResult::kCrossed ||
          r == common::BookApplyResult::kSnapshotCrossed ||
          r == common::BookApplyResult::kSnapshotRejected) {
        ++counters_.book_errors;
      }
      if (dirty_[d.instrument.value] == 0) {
        dirty_[d.instrument.value] = 1;
        dirty_list_.push_back(d.instrument);  // capacity = instrument count: never allocates
      }
      break;
    }
    case MdKind::kTrade: {
      ++counters_.trades;
      const common::Trade& t = e.trade;
      for_all([&](strategies::Strategy& s, Port& p) { s.on_trade(p, t); });
      break;
    }
    case MdKind::kBookReset: {
      ++counters_.book_resets;
      const common::BookReset& r = e.reset;
      if (r.instrument.value < books_.size()) {
        books_[r.instrument.value].invalidate(r.reason);
        flow_.on_book(r.instrument, books_[r.instrument.value], now);
        for_all([&](strategies::Strategy& s, Port& p) { s.on_book(p, r.instrument); });
      } else {
        ++counters_.unknown_instrument;
      }
      break;
    }
    case MdKind::kVenueStatus: {
      flow_.on_venue_status(e.status, now);
      if (router_ != nullptr) router_->on_venue_status(e.status);
      for_all([&](strategies::Strategy& s, Port& p) { s.on_venue_status(p, e.status); });
      break;
    }
  }
}

void Core::notify_books(Nanos now) noexcept {
  if (dirty_list_.empty()) return;
  if (batch_recv_ > 0) {
    latency_[static_cast<std::size_t>(CoreStage::kMdToStrategy)].record(elapsed(batch_recv_, now));
  }
  for (const InstrumentId id : dirty_list_) {
    dirty_[id.value] = 0;
    flow_.on_book(id, books_[id.value], now);
    for_all([&](strategies::Strategy& s, Port& p) { s.on_book(p, id); });
  }
  dirty_list_.clear();
  batch_recv_ = 0;
}

void Core::drain_exec(common::SpscQueue<ExecEvent>& q, int& work) noexcept {
  ExecEvent e;
  std::size_t n = 0;
  while (n < options_.exec_batch && q.try_pop(e)) {
    ++n;
    ++counters_.exec_events;
    const Nanos now = clock_.now_ns();
    switch (e.kind) {
      case ExecKind::kOrderUpdate: {
        const OrderAnswer answer = flow_.on_update(e.update, now);
        if (router_ != nullptr && answer.first_answer) {
          router_->on_answer(e.update.venue, answer.ack_latency, answer.error);
        }
        if (observer_ != nullptr) observer_->on_exec(e);
        const common::OrderUpdate& u = e.update;
        if (u.ts_sent > 0) {
          if (u.ts_intent > 0) {
            latency_[static_cast<std::size_t>(CoreStage::kIntentToWire)].record(
                elapsed(u.ts_intent, u.ts_sent));
          }
          latency_[static_cast<std::size_t>(CoreStage::kWireToAck)].record(
              elapsed(u.ts_sent, u.ts_recv));
        }
        for_strategy(u.strategy,
                     [&](strategies::Strategy& s, Port& p) { s.on_order_update(p, u); });
        break;
      }
      case ExecKind::kFill: {
        if (!flow_.on_fill(e.fill, now)) {
          ++counters_.duplicate_fills;
          break;
        }
        if (observer_ != nullptr) observer_->on_exec(e);
        if (router_ != nullptr) refresh_allocation(now);  // a fill moves the venue's gross
        const common::Fill& f = e.fill;
        for_strategy(f.strategy, [&](strategies::Strategy& s, Port& p) { s.on_fill(p, f); });
        break;
      }
      case ExecKind::kVenueStatus: {
        flow_.on_venue_status(e.status, now);
        if (router_ != nullptr) router_->on_venue_status(e.status);
        if (observer_ != nullptr) observer_->on_exec(e);
        for_all([&](strategies::Strategy& s, Port& p) { s.on_venue_status(p, e.status); });
        break;
      }
    }
    if (const Nanos recv = ts_recv_of(e); recv > 0) {
      latency_[static_cast<std::size_t>(CoreStage::kExecToStrategy)].record(
          elapsed(recv, clock_.now_ns()));
    }
  }
  work += static_cast<int>(n);
}

void Core::schedule(std::uint16_t strategy, Nanos at, std::uint64_t token) noexcept {
  if (timers_.size() >= options_.max_timers) {
    ++counters_.timer_overflow;  // the heap never grows past its reserved capacity
    return;
  }
  timers_.push_back(Timer{at, ++timer_seq_, token, strategy});
  std::push_heap(timers_.begin(), timers_.end(), TimerLater{});
}

void Core::fire_timers(Nanos now, int& work) noexcept {
  while (!timers_.empty() && timers_.front().at <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), TimerLater{});
    const Timer t = timers_.back();
    timers_.pop_back();
    ++counters_.timers_fired;
    ++work;
    for_strategy(common::StrategyId{t.strategy},
                 [&](strategies::Strategy& s, Port& p) { s.on_timer(p, t.token); });
  }
}

strategies::SubmitResult Core::submit(const OrderIntent& intent_in) noexcept {
  OrderIntent intent = intent_in;
  const Nanos now = clock_.now_ns();
  intent.ts_recv = now;
  ++counters_.intents;
  if (observer_ != nullptr) observer_->on_intent(intent);
  const auto v = static_cast<std::size_t>(intent.venue);
  if (v >= common::kVenueCount || orders_[v] == nullptr) {
    deny(intent, common::DenyReason::kVenueUnhealthy, now);
    return strategies::SubmitResult::kDenied;
  }
  if (const auto reason = flow_.admit(intent, now)) {
    deny(intent, *reason, now);
    return strategies::SubmitResult::kDenied;
  }
  if (!orders_[v]->try_push(intent)) {
    // Nothing was sent: the OMS forgets the order and the strategy hears why.
    ++counters_.order_queue_full;
    flow_.unsend(intent, now);
    deny(intent, common::DenyReason::kQueueFull, now);
    return strategies::SubmitResult::kQueueFull;
  }
  ++counters_.intents_sent;
  latency_[static_cast<std::size_t>(CoreStage::kSubmitToQueued)].record(
      elapsed(now, clock_.now_ns()));
  return strategies::SubmitResult::kAccepted;
}

void Core::deny(const OrderIntent& intent, common::DenyReason reason, Nanos now) noexcept {
  ++counters_.denied;
  ++counters_.denied_by_reason[static_cast<std::size_t>(reason)];
  common::OrderDenied d;
  d.ts_venue = now;
  d.ts_recv = now;
  d.cloid = intent.cloid;
  d.instrument = intent.instrument;
  d.strategy = intent.strategy;
  d.venue = intent.venue;
  d.reason = reason;
  if (observer_ != nullptr) observer_->on_denied(d);
  for_strategy(intent.strategy, [&](strategies::Strategy& s, Port& p) { s.on_denied(p, d); });
}

strategies::SubmitResult Core::submit_manual(OrderIntent intent) noexcept {
  intent.strategy = common::StrategyId{0};
  return submit(intent);
}

common::ClientOrderId Core::next_manual_id() noexcept { return ids_.next(common::StrategyId{0}); }

InstrumentId Core::route(common::AssetId asset, common::Side side, common::Qty qty) noexcept {
  if (router_ == nullptr || !asset.valid()) return InstrumentId{};
  std::array<router::VenueInput, common::kVenueCount> in{};
  for (std::size_t v = 0; v < common::kVenueCount; ++v) {
    const common::VenueId venue = common::kAllVenues[v];
    const InstrumentId id = instruments_.on_venue(asset, venue);
    if (!id.valid() || id.value >= books_.size()) continue;
    in[v].instrument = id;
    in[v].book = &books_[id.value];
    // A venue without an order queue would deny the intent; the flow adds the gate's view.
    in[v].healthy = orders_[v] != nullptr && flow_.venue_healthy(venue);
  }
  const router::RouteDecision d = router_->select(in, side, qty, common::Price{}, false);
  return d.found ? d.instrument : InstrumentId{};
}

void Core::refresh_allocation(Nanos now) noexcept {
  next_allocation_ = now + options_.allocation_every;
  std::array<double, common::kVenueCount> gross{};
  for (std::size_t v = 0; v < common::kVenueCount; ++v) {
    // 1e-16 units to quote currency; a double is plenty for a share.
    gross[v] = static_cast<double>(flow_.venue_gross_raw(common::kAllVenues[v])) * 1e-16;
  }
  router::RebalanceSignal edge;
  if (!router_->update_allocation(gross, now, &edge)) return;
  if (observer_ == nullptr) return;
  strategies::NoteBuf nb;
  if (edge.on) {
    nb << "router: rebalance: " << common::to_string(edge.worst) << " drift "
       << edge.worst_drift * 100.0 << "% beyond " << edge.threshold * 100.0 << "%";
  } else {
    nb << "router: allocation back within " << edge.threshold * 100.0 << "% of target";
  }
  observer_->on_note(common::StrategyId{0}, nb.view());
  observer_->on_rebalance(edge);
}

}  // namespace peregrine::engine
