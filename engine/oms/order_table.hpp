// OrderTable: every order the engine has sent, keyed by ClientOrderId, driven through the one
// transition table (order_state.hpp). Strategy-core thread only; no allocation after
// construction, no locks, no exceptions; every operation O(1) (self-trade queries amortized).
//
// Why it is fast: records live in one preallocated array; cloid, venue order id and fill id
// lookups are open-addressing maps over that array; open orders are threaded on intrusive
// index lists (all open, and per instrument) so cancel-all and snapshots touch open orders only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/instrument.hpp"
#include "engine/oms/open_hash_map.hpp"
#include "engine/oms/order_state.hpp"

namespace peregrine::engine::oms {

using common::ClientOrderId;
using common::InstrumentId;
using common::Money;
using common::Nanos;
using common::Price;
using common::Qty;
using common::VenueId;

struct OmsConfig {
  std::size_t max_orders = 4096;            // live + recently closed records kept for late fills
  std::size_t max_instruments = 256;        // instrument ids must be below this
  std::size_t max_strategies = 64;          // strategy ids must be below this (0 = manual)
  std::size_t fill_dedup_capacity = 65536;  // most recent (venue, fill id) pairs remembered
};

inline constexpr std::uint32_t kNoSlot = 0xffffffffu;

struct OrderRecord {
  common::OrderIntent intent;  // price and qty are the live values (after any replace)
  common::VenueOrderId venue_order_id;
  Price pending_price;  // replace in flight
  Qty pending_qty;
  Qty filled_qty;                  // sum of distinct Fill events: the source of avg price and fees
  Qty venue_cum_qty;               // highest cumulative quantity an OrderUpdate reported
  __int128 fill_notional_raw = 0;  // sum of price x qty of the fills, 1e-16 units
  Money fees;
  Nanos ts_submit = 0;
  Nanos ts_ack = 0;
  Nanos ts_first_fill = 0;
  Nanos ts_last = 0;
  std::uint32_t fill_count = 0;
  std::uint32_t prev_open = kNoSlot;
  std::uint32_t next_open = kNoSlot;
  std::uint32_t prev_inst = kNoSlot;
  std::uint32_t next_inst = kNoSlot;
  OrderStatus status = OrderStatus::kPendingNew;
  common::RejectReason reject = common::RejectReason::kNone;
  std::uint8_t edge_flags_seen = 0;  // union of every edge flag this order went through
  bool in_use = false;
  bool retire_queued = false;

  // Executed quantity by either source; reports may lead fills or the reverse.
  [[nodiscard]] Qty executed() const noexcept {
    return filled_qty > venue_cum_qty ? filled_qty : venue_cum_qty;
  }
  [[nodiscard]] Qty leaves() const noexcept {
    const Qty e = executed();
    return e >= intent.qty ? Qty{} : intent.qty - e;
  }
  // Volume-weighted fill price rounded to nearest 1e-8; zero before the first fill.
  [[nodiscard]] Price avg_price() const noexcept;
};

enum class OmsResult : std::uint8_t {
  kApplied,         // transition applied (status may be unchanged, e.g. a fill while pending)
  kIgnored,         // benign no-op (see edge flags)
  kIllegal,         // impossible (state,input) pair: counted, state unchanged
  kUnknownOrder,    // no record for the cloid / venue order id
  kDuplicateFill,   // (venue, fill id) already booked
  kDuplicateOrder,  // submit with a cloid already in the table
  kTableFull,       // no free record and no closed one to recycle
  kBadInput,        // null cloid, zero/negative fill qty, instrument or strategy out of range
};
inline constexpr std::size_t kOmsResultCount = 8;

// What one operation did; returned to the core, which forwards it to journal/metrics/strategy.
struct OmsEvent {
  OmsResult result = OmsResult::kUnknownOrder;
  OrderInput input = OrderInput::kSubmit;
  OrderStatus before = OrderStatus::kPendingNew;
  OrderStatus after = OrderStatus::kPendingNew;
  std::uint8_t flags = edge_flags::kNone;
  bool overfill = false;   // fills now exceed the order quantity
  Nanos ack_latency = -1;  // set on the first ack: ts_ack - ts_submit
  std::uint32_t slot = kNoSlot;
};

class OrderTable {
 public:
  // Start-up only: allocates every table. `registry` supplies instrument -> venue/asset for the
  // per-venue and per-asset aggregates.
  OrderTable(const OmsConfig& config, const common::InstrumentRegistry& registry);

  // --- Driven by the core ---------------------------------------------------------------------
  // A new-order intent that passed the risk gate.
  OmsEvent submit(const common::OrderIntent& intent, Nanos now) noexcept;
  OmsEvent request_cancel(ClientOrderId cloid, Nanos now) noexcept;
  OmsEvent request_replace(ClientOrderId cloid, Price price, Qty qty, Nanos now) noexcept;
  // Venue order reports. Convention for gateways (docs/oms.md): status kRejected = the order
  // was refused; status kPendingCancel / kPendingReplace with reject != kNone = the cancel /
  // modify was refused; kNew while a replace is in flight = the modify was applied.
  OmsEvent on_update(const common::OrderUpdate& u) noexcept;
  OmsEvent on_fill(const common::Fill& f) noexcept;
  // Direct input, for gateways that report cancel/replace outcomes out of band and for tests.
  OmsEvent apply(ClientOrderId cloid, OrderInput input, Nanos now) noexcept;

  // --- Queries ----------------------------------------------------------------------------------
  [[nodiscard]] const OrderRecord* find(ClientOrderId cloid) const noexcept;
  [[nodiscard]] const OrderRecord* find_venue(VenueId venue,
                                              const common::VenueOrderId& id) const noexcept;
  [[nodiscard]] const OrderRecord& at(std::uint32_t slot) const noexcept { return recs_[slot]; }

  [[nodiscard]] std::size_t open_count() const noexcept { return open_total_; }
  [[nodiscard]] std::uint32_t open_count(VenueId v) const noexcept {
    return open_by_venue_[common::index(v)];
  }
  [[nodiscard]] std::uint32_t open_count(InstrumentId id) const noexcept {
    return id.value < inst_.size() ? inst_[id.value].open : 0;
  }
  [[nodiscard]] std::uint32_t open_count(common::StrategyId s) const noexcept {
    return s.value < open_by_strategy_.size() ? open_by_strategy_[s.value] : 0;
  }
  // Unfilled quantity of open orders on one side of an instrument (worst-case exposure).
  [[nodiscard]] Qty open_qty(InstrumentId id, common::Side side) const noexcept {
    return id.value < inst_.size() ? inst_[id.value].leaves[side_index(side)] : Qty{};
  }
  [[nodiscard]] Qty open_qty(common::AssetId a, common::Side side) const noexcept {
    return a.value < asset_leaves_.size() ? asset_leaves_[a.value][side_index(side)] : Qty{};
  }
  // Sum of leaves x limit price of open orders, 1e-16 units (market orders count zero: they
  // fill or expire at once and the gate prices them at check time).
  [[nodiscard]] __int128 open_notional_raw(VenueId v) const noexcept {
    return venue_notional_[common::index(v)];
  }
  [[nodiscard]] __int128 open_notional_raw(common::AssetId a) const noexcept {
    return a.value < asset_notional_.size() ? asset_notional_[a.value] : 0;
  }
  // Our best resting limit price on one side of an instrument; false when none rests.
  // Amortized O(1): cached, recomputed over the instrument's open orders after the best leaves.
  [[nodiscard]] bool best_own_price(InstrumentId id, common::Side side, Price* out) noexcept;

  // Open orders, oldest first. fn(const OrderRecord&); must not mutate the table.
  template <typename Fn>
  void for_each_open(Fn&& fn) const {
    for (std::uint32_t i = open_head_; i != kNoSlot; i = recs_[i].next_open) fn(recs_[i]);
  }

  // --- Counters
  // -----------------------------------------------------------------------------------
  [[nodiscard]] std::uint64_t illegal(OrderStatus s, OrderInput in) const noexcept {
    return illegal_[index(s)][index(in)];
  }
  [[nodiscard]] std::uint64_t illegal_total() const noexcept { return illegal_total_; }
  [[nodiscard]] std::uint64_t results(OmsResult r) const noexcept {
    return results_[static_cast<std::size_t>(r)];
  }
  [[nodiscard]] std::uint64_t stale_updates() const noexcept { return stale_updates_; }
  [[nodiscard]] std::uint64_t overfills() const noexcept { return overfills_; }
  [[nodiscard]] std::uint64_t late_fills() const noexcept { return late_fills_; }
  [[nodiscard]] std::uint64_t fills_without_id() const noexcept { return fills_without_id_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return recs_.size(); }

 private:
  struct CloidHash {
    std::uint64_t operator()(const ClientOrderId& c) const noexcept {
      return mix64(c.hi ^ mix64(c.lo));
    }
  };
  struct VenueKey {
    common::VenueOrderId id;
    VenueId venue = VenueId::kHyperliquid;
    bool operator==(const VenueKey& o) const noexcept { return venue == o.venue && id == o.id; }
  };
  struct VenueKeyHash {
    std::uint64_t operator()(const VenueKey& k) const noexcept {
      return mix64(k.id.hi ^
                   mix64(k.id.lo ^ (std::uint64_t{static_cast<std::uint8_t>(k.venue)} << 56)));
    }
  };
  struct FillKey {
    std::uint64_t fill_id = 0;
    VenueId venue = VenueId::kHyperliquid;
    bool operator==(const FillKey& o) const noexcept {
      return fill_id == o.fill_id && venue == o.venue;
    }
  };
  struct FillKeyHash {
    std::uint64_t operator()(const FillKey& k) const noexcept {
      return mix64(k.fill_id ^ (std::uint64_t{static_cast<std::uint8_t>(k.venue)} << 56));
    }
  };
  struct InstState {
    std::uint32_t head = kNoSlot;
    std::uint32_t open = 0;
    std::array<Qty, 2> leaves{};
    std::array<Price, 2> best{};
    std::array<bool, 2> best_dirty{};
    common::AssetId asset;
  };

  [[nodiscard]] static constexpr std::size_t side_index(common::Side s) noexcept {
    return static_cast<std::size_t>(s);
  }
  [[nodiscard]] std::uint32_t slot_of(ClientOrderId cloid) const noexcept;
  [[nodiscard]] std::uint32_t locate(ClientOrderId cloid, VenueId venue,
                                     const common::VenueOrderId& voi) const noexcept;
  [[nodiscard]] std::uint32_t acquire_slot() noexcept;
  void release_slot(std::uint32_t slot) noexcept;
  // Removes / adds an order's contribution to every open aggregate. Called around each change
  // so the aggregates can never drift from the records.
  void unaccount(std::uint32_t slot) noexcept;
  void account(std::uint32_t slot) noexcept;
  OmsEvent run(std::uint32_t slot, OrderInput input, Nanos now) noexcept;
  OmsEvent finish(OmsEvent ev) noexcept;
  void remember_fill(FillKey key) noexcept;

  std::vector<OrderRecord> recs_;
  std::vector<std::uint32_t> free_;     // stack of never-used / recycled slots
  std::vector<std::uint32_t> retired_;  // ring of closed slots, oldest first
  std::size_t retired_head_ = 0;
  std::size_t retired_size_ = 0;
  OpenHashMap<ClientOrderId, std::uint32_t, CloidHash> by_cloid_;
  OpenHashMap<VenueKey, std::uint32_t, VenueKeyHash> by_venue_id_;
  OpenHashMap<FillKey, std::uint8_t, FillKeyHash> fills_seen_;
  std::vector<FillKey> fill_ring_;
  std::size_t fill_ring_next_ = 0;
  std::vector<InstState> inst_;
  std::vector<std::array<Qty, 2>> asset_leaves_;
  std::vector<__int128> asset_notional_;
  std::array<__int128, common::kVenueCount> venue_notional_{};
  std::array<std::uint32_t, common::kVenueCount> open_by_venue_{};
  std::vector<std::uint32_t> open_by_strategy_;
  std::size_t open_total_ = 0;
  std::uint32_t open_head_ = kNoSlot;
  std::uint32_t open_tail_ = kNoSlot;

  std::array<std::array<std::uint64_t, kOrderInputCount>, kOrderStatusCount> illegal_{};
  std::uint64_t illegal_total_ = 0;
  std::array<std::uint64_t, kOmsResultCount> results_{};
  std::uint64_t stale_updates_ = 0;
  std::uint64_t overfills_ = 0;
  std::uint64_t late_fills_ = 0;
  std::uint64_t fills_without_id_ = 0;
};

}  // namespace peregrine::engine::oms
