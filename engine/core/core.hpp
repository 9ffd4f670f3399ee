// The strategy core: ONE thread owns the books, the order flow (OMS, positions, risk) and the
// strategies. do_work() and everything a strategy calls run on that thread only; wiring
// (add_strategy, connect queues) happens at start-up before the runner starts.
//
// Why it is fast: every queue is a bounded SPSC ring drained in bounded batches; books are a
// flat vector indexed by InstrumentId; timers are a preallocated binary heap; nothing here
// allocates, locks, logs or throws after start().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/instrument.hpp"
#include "common/l2_book.hpp"
#include "common/latency_histogram.hpp"
#include "common/spsc_queue.hpp"
#include "engine/router/venue_router.hpp"
#include "strategies/strategy.hpp"

namespace peregrine::engine {

using common::Nanos;

// What one order update meant for venue selection, as the OMS saw it: the first answer to a new
// order (its ack latency when it was an ack) and whether the venue refused it.
struct OrderAnswer {
  bool first_answer = false;  // the update answered a new order (ack, fill or reject)
  bool error = false;         // the venue rejected it (any reject: margin, timeout, ...)
  Nanos ack_latency = -1;     // the OMS record's ack latency, set on the first ack only
};

// What the core calls for order flow: the engine wires the risk gate, the OMS and the portfolio
// behind it (engine/core/order_flow.*). Strategy-core thread only; every method is O(1) and
// allocation-free.
class OrderFlow {
 public:
  virtual ~OrderFlow() = default;
  // Pre-trade risk check and OMS registration of a new/cancel/modify intent. nullopt: admitted.
  // The gate may round the intent's price/qty onto the instrument grid (configurable), so the
  // intent is in/out.
  [[nodiscard]] virtual std::optional<common::DenyReason> admit(common::OrderIntent& intent,
                                                                Nanos now) noexcept = 0;
  // The venue's order queue was full after admit(): undo the registration.
  virtual void unsend(const common::OrderIntent& intent, Nanos now) noexcept = 0;
  virtual OrderAnswer on_update(const common::OrderUpdate& u, Nanos now) noexcept = 0;
  // Returns false for a duplicate fill (already applied); the core then does not forward it.
  [[nodiscard]] virtual bool on_fill(const common::Fill& f, Nanos now) noexcept = 0;
  virtual void on_venue_status(const common::VenueStatus& s, Nanos now) noexcept = 0;
  virtual void on_book(common::InstrumentId id, const common::L2Book& book, Nanos now) noexcept = 0;
  [[nodiscard]] virtual common::Qty position(common::InstrumentId id) const noexcept = 0;
  [[nodiscard]] virtual bool venue_healthy(common::VenueId v) const noexcept = 0;
  // The portfolio's gross notional on one venue (sum of |qty| x mark, 1e-16 units), for the
  // router's allocation. Default: nothing held (no allocation steering).
  [[nodiscard]] virtual __int128 venue_gross_raw(common::VenueId v) const noexcept {
    static_cast<void>(v);
    return 0;
  }
};

// Copies of what the core saw and decided, for the journal and metrics (side threads). Called
// on the core thread; implementations only try_push into bounded queues.
class CoreObserver {
 public:
  virtual ~CoreObserver() = default;
  virtual void on_md(const common::MdEvent& e) noexcept = 0;
  virtual void on_intent(const common::OrderIntent& i) noexcept = 0;
  virtual void on_denied(const common::OrderDenied& d) noexcept = 0;
  virtual void on_exec(const common::ExecEvent& e) noexcept = 0;
  // A strategy's decision note (StrategyContext::note); the text is valid during the call.
  virtual void on_note(common::StrategyId strategy, std::string_view text) noexcept = 0;
  // The router's rebalance signal changed (the core also journals it as a strategy-0 note).
  virtual void on_rebalance(const router::RebalanceSignal& s) noexcept { static_cast<void>(s); }
};

struct CoreOptions {
  std::size_t md_batch = 512;            // events drained per venue per do_work
  std::size_t exec_batch = 256;          // execution reports drained per venue per do_work
  std::size_t max_timers = 4096;         // pending timers across strategies
  std::size_t book_capacity = 2048;      // levels per side per book
  std::uint64_t id_salt = 1;             // ClientOrderId salt: random per session (injected Rng)
  Nanos allocation_every = 100'000'000;  // router: allocation re-evaluated at least this often
};

// Latency stages measured on the core (ns): market-data event received → strategy called,
// strategy submit → intent queued, and the whole cycle per md batch.
enum class CoreStage : std::uint8_t {
  kMdToStrategy,
  kSubmitToQueued,
  kExecToStrategy,
  kIntentToWire,  // intent produced -> request bytes handed to the socket (order gateway)
  kWireToAck,     // request bytes handed to the socket -> venue answer received
  kCount
};

struct alignas(64) CoreCounters {
  std::uint64_t md_events = 0;
  std::uint64_t book_updates = 0;
  std::uint64_t book_resets = 0;
  std::uint64_t book_errors = 0;  // crossed/rejected applies that invalidated a book
  std::uint64_t unknown_instrument = 0;
  std::uint64_t trades = 0;
  std::uint64_t exec_events = 0;
  std::uint64_t duplicate_fills = 0;
  std::uint64_t intents = 0;
  std::uint64_t intents_sent = 0;
  std::uint64_t denied = 0;
  std::uint64_t order_queue_full = 0;
  std::uint64_t timers_fired = 0;
  std::uint64_t timer_overflow = 0;
  std::array<std::uint64_t, common::kDenyReasonCount> denied_by_reason{};
};

class Core {
 public:
  Core(const common::InstrumentRegistry& instruments, const common::Clock& clock, OrderFlow& flow,
       CoreOptions options = {});
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Start-up wiring. Queues are owned by the caller and outlive the core.
  void connect_md(common::VenueId v, common::SpscQueue<common::MdEvent>* q) noexcept;
  void connect_exec(common::VenueId v, common::SpscQueue<common::ExecEvent>* q) noexcept;
  void connect_orders(common::VenueId v, common::SpscQueue<common::OrderIntent>* q) noexcept;
  void set_observer(CoreObserver* o) noexcept { observer_ = o; }
  // The router behind StrategyContext::route (null: strategies use their own instrument).
  void set_router(router::VenueRouter* r) noexcept { router_ = r; }
  // Strategy ids start at 1 (0 is the control API). Returns the id.
  common::StrategyId add_strategy(strategies::Strategy* s);

  // Calls on_start on every strategy; then the core is ready to run.
  void start();
  // One cycle: drain market data, execution reports, fire due timers. Returns work done.
  int do_work() noexcept;

  // Manual or control-plane intent (strategy id 0): the same risk gate and queues.
  [[nodiscard]] strategies::SubmitResult submit_manual(common::OrderIntent intent) noexcept;
  [[nodiscard]] common::ClientOrderId next_manual_id() noexcept;
  // The router's pick for `qty` of `asset` on `side` among the venues that list it, are
  // connected, healthy in the flow and have an order queue. Invalid id: no router or no venue.
  [[nodiscard]] common::InstrumentId route(common::AssetId asset, common::Side side,
                                           common::Qty qty) noexcept;
  [[nodiscard]] const router::VenueRouter* venue_router() const noexcept { return router_; }

  [[nodiscard]] const common::L2Book& book(common::InstrumentId id) const noexcept {
    return books_[id.value];
  }
  [[nodiscard]] const CoreCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const common::LatencyHistogram& latency(CoreStage s) const noexcept {
    return latency_[static_cast<std::size_t>(s)];
  }
  [[nodiscard]] std::size_t strategy_count() const noexcept { return ports_.size(); }
  [[nodiscard]] const common::InstrumentRegistry& instruments() const noexcept {
    return instruments_;
  }
  [[nodiscard]] const common::Clock& clock() const noexcept { return clock_; }

 private:
  class Port;  // StrategyContext for one strategy
  struct Timer {
    Nanos at;
    std::uint64_t seq;  // FIFO among equal deadlines (determinism)
    std::uint64_t token;
    std::uint16_t strategy;
  };

  void drain_md(common::VenueId v, common::SpscQueue<common::MdEvent>& q, int& work) noexcept;
  void drain_exec(common::SpscQueue<common::ExecEvent>& q, int& work) noexcept;
  void apply_md(const common::MdEvent& e, Nanos now) noexcept;
  void notify_books(Nanos now) noexcept;
  void fire_timers(Nanos now, int& work) noexcept;
  void schedule(std::uint16_t strategy, Nanos at, std::uint64_t token) noexcept;
  strategies::SubmitResult submit(const common::OrderIntent& intent) noexcept;
  // Re-evaluates the router's allocation from the flow's per-venue gross; journals and reports
  // an edge of the rebalance signal.
  void refresh_allocation(Nanos now) noexcept;
  void deny(const common::OrderIntent& intent, common::DenyReason reason, Nanos now) noexcept;
  template <typename Fn>
  void for_strategy(common::StrategyId id, Fn&& fn) noexcept;
  template <typename Fn>
  void for_all(Fn&& fn) noexcept;

  const common::InstrumentRegistry& instruments_;
  const common::Clock& clock_;
  OrderFlow& flow_;
  CoreOptions options_;
  CoreObserver* observer_ = nullptr;
  router::VenueRouter* router_ = nullptr;
  Nanos next_allocation_ = 0;

  std::vector<common::L2Book> books_;
  std::vector<std::uint8_t> dirty_;               // per instrument: book changed in this batch
  std::vector<common::InstrumentId> dirty_list_;  // preallocated to instrument count
  std::array<common::SpscQueue<common::MdEvent>*, common::kVenueCount> md_{};
  std::array<common::SpscQueue<common::ExecEvent>*, common::kVenueCount> exec_{};
  std::array<common::SpscQueue<common::OrderIntent>*, common::kVenueCount> orders_{};

  std::vector<std::unique_ptr<Port>> ports_;  // index = strategy id - 1
  std::vector<Timer> timers_;                 // binary min-heap, capacity reserved
  std::uint64_t timer_seq_ = 0;
  common::ClientOrderIdGenerator ids_;
  Nanos batch_recv_ = 0;  // ts_recv of the oldest event of the current md batch
  CoreCounters counters_;
  std::array<common::LatencyHistogram, static_cast<std::size_t>(CoreStage::kCount)> latency_{};
  bool started_ = false;
};

}  // namespace peregrine::engine
