// SimVenue: one venue of a replay, in-process. Intents reach the simulator's matching code
// (gateways/sim Exchange) after a sampled latency; its order updates and fills come back as
// ExecEvents after another. Replay thread only (the same thread as the core).
//
// Queue model (conservative): a resting order joins behind the whole visible quantity at its
// price when it arrives. That queue drains only by trades at the price and shrinks to the
// visible level when the level gets smaller (cancels are assumed to come from behind us). We
// fill only from trade volume left after the queue ahead is gone, or fully when the market
// trades through our price or the opposite side crosses it. Marketable orders take the visible
// liquidity: the levels they cross are mirrored into the Exchange as a "tape" account's orders
// just for that match, so price-time matching, fees and positions are the Exchange's own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/l2_book.hpp"
#include "common/spsc_queue.hpp"
#include "engine/replay/latency_model.hpp"
#include "gateways/sim/exchange.hpp"

namespace peregrine::engine::replay {

struct SimVenueStats {
  std::uint64_t intents = 0;  // arrived at the venue
  std::uint64_t new_orders = 0;
  std::uint64_t cancels = 0;
  std::uint64_t modifies = 0;
  std::uint64_t rejects = 0;          // new orders the venue refused
  std::uint64_t failed_requests = 0;  // cancel/modify of an unknown or closed order
  std::uint64_t fills = 0;
  std::uint64_t maker_fills = 0;
  std::uint64_t taker_fills = 0;
  std::uint64_t queue_trades = 0;  // trades at a price where we rested (queue model input)
  std::uint64_t reports = 0;       // exec events delivered to the core
  std::uint64_t report_queue_full = 0;
};

class SimVenue final : private gateways::sim::Listener {
 public:
  // The visible (recorded) book of an engine instrument; nullptr when unknown.
  using BookLookup = std::function<const common::L2Book*(common::InstrumentId)>;
  static constexpr common::Nanos kNever = INT64_MAX;

  SimVenue(common::VenueId venue, const common::InstrumentRegistry& instruments, BookLookup books,
           LatencySpec latency, std::uint64_t seed);
  SimVenue(const SimVenue&) = delete;
  SimVenue& operator=(const SimVenue&) = delete;
  ~SimVenue() override;

  [[nodiscard]] common::VenueId venue() const noexcept { return venue_; }
  // Core -> venue: the intent left the engine at `now`.
  void send(const common::OrderIntent& intent, common::Nanos now);
  // A market-data event of this venue, seen by the venue BEFORE the core applies it (the core's
  // books, read through BookLookup, still hold the previous state).
  void on_md(const common::MdEvent& e, common::Nanos now);
  // Earliest time at which an intent arrives or a report is due; kNever when idle.
  [[nodiscard]] common::Nanos next_due() const noexcept;
  // Handles arrivals due at or before `now` and pushes due reports into `out` (stops when it is
  // full; the rest stay pending). Returns the number of items handled.
  int run_due(common::Nanos now, common::SpscQueue<common::ExecEvent>& out);

  [[nodiscard]] const SimVenueStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const gateways::sim::Exchange& exchange() const noexcept { return exchange_; }
  [[nodiscard]] gateways::sim::AccountId account() const noexcept { return ours_; }
  [[nodiscard]] std::size_t resting_orders() const noexcept { return resting_.size(); }

 private:
  struct Meta {
    common::ClientOrderId cloid;
    common::StrategyId strategy;
    common::InstrumentId instrument;  // engine id
  };
  struct Resting {
    gateways::sim::OrderId id;
    common::InstrumentId instrument;  // engine id
    common::Side side;
    common::Price price;
    common::Qty ahead;  // visible quantity still in front of us
    common::Qty remaining;
  };
  struct Arrival {
    common::Nanos due;
    common::OrderIntent intent;
  };
  struct Report {
    common::Nanos due;
    common::ExecEvent event;
  };

  // gateways::sim::Listener (called synchronously from inside the Exchange).
  void on_order(const gateways::sim::SimOrder& o) override;
  void on_fill(const gateways::sim::SimFill& f) override;

  void arrive(const common::OrderIntent& intent, common::Nanos now);
  void submit_new(const common::OrderIntent& intent, common::Nanos now);
  void cancel(const common::OrderIntent& intent, common::Nanos now);
  void modify(const common::OrderIntent& intent, common::Nanos now);
  // A refused cancel/modify: the venue answers with the order's current state.
  void refresh(const gateways::sim::SimOrder* o);
  // Mirrors the visible levels `intent` would take into the Exchange; returns how many.
  std::size_t mirror_liquidity(const common::OrderIntent& intent, common::InstrumentId sim_id,
                               common::Nanos now);
  void on_trade(const common::Trade& t, common::Nanos now);
  void on_delta(const common::BookDelta& d, common::Nanos now);
  // Fills `qty` of our resting order through a tape IOC at its price.
  void fill_resting(const Resting& r, common::Qty qty, common::Nanos now);
  void flush_staged(common::Nanos now, gateways::sim::SimError error);
  [[nodiscard]] std::optional<common::InstrumentId> sim_id(common::InstrumentId id) const noexcept;
  [[nodiscard]] Resting* find_resting(gateways::sim::OrderId id) noexcept;
  [[nodiscard]] common::Nanos next_report_due(common::Nanos now) noexcept;
  void reject_locally(const common::OrderIntent& intent, common::RejectReason why,
                      common::Nanos now);

  common::VenueId venue_;
  const common::InstrumentRegistry& instruments_;
  BookLookup books_;
  LatencyModel latency_;
  gateways::sim::Exchange exchange_;
  gateways::sim::AccountId ours_ = 0;
  gateways::sim::AccountId tape_ = 0;
  std::vector<std::int64_t> to_sim_;  // engine instrument index -> sim id (-1: not on venue)
  std::vector<common::InstrumentId> to_engine_;
  std::unordered_map<gateways::sim::OrderId, Meta> meta_;
  std::optional<Meta> binding_;  // the order being submitted (its id is not known yet)
  std::vector<Resting> resting_;
  std::vector<common::ExecEvent> staged_;  // reports of the current Exchange call
  std::vector<Resting*> scratch_mine_;
  std::vector<std::pair<Resting, common::Qty>> scratch_fills_;
  std::deque<Arrival> arrivals_;
  std::deque<Report> reports_;
  common::Nanos last_arrival_ = 0;  // one connection per direction: FIFO, never reordered
  common::Nanos last_report_ = 0;
  common::Nanos now_ = 0;
  std::uint64_t report_seq_ = 0;
  bool filling_ = false;  // inside fill_resting: fills are maker fills of a resting order
  SimVenueStats stats_;
};

}  // namespace peregrine::engine::replay
