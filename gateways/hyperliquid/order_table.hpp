// What the HL order gateway believes about its orders (by cloid, with an oid index) and which
// fills it has already reported. Owned by the order gateway thread; the reconciler borrows it on
// that thread. Sized at construction: no allocation afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/events.hpp"
#include "common/ids.hpp"

namespace peregrine::gateways::hyperliquid {

// Open addressing with linear probing and backward-shift deletion: no tombstones, so lookups
// stay short however many orders come and go. Capacity is a power of two, at least 2x the
// number of live entries the caller allows (insert fails beyond half full).
template <typename Key, typename Value, typename Hash>
class FixedMap {
 public:
  explicit FixedMap(std::size_t max_entries) {
    std::size_t cap = 16;
    while (cap < 2 * max_entries) cap <<= 1;
    slots_.resize(cap);
    mask_ = cap - 1;
    max_ = cap / 2;
  }
  [[nodiscard]] Value* find(const Key& k) noexcept {
    for (std::size_t i = Hash{}(k)&mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == k) return &s.value;
    }
  }
  [[nodiscard]] const Value* find(const Key& k) const noexcept {
    return const_cast<FixedMap*>(this)->find(k);  // NOLINT: same lookup, const view
  }
  // Inserts or returns the existing entry; nullptr when full.
  Value* upsert(const Key& k) noexcept {
    for (std::size_t i = Hash{}(k)&mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.used && s.key == k) return &s.value;
      if (!s.used) {
        if (size_ >= max_) return nullptr;
        s.used = true;
        s.key = k;
        s.value = Value{};
        ++size_;
        return &s.value;
      }
    }
  }
  bool erase(const Key& k) noexcept {
    std::size_t i = Hash{}(k)&mask_;
    for (;; i = (i + 1) & mask_) {
      if (!slots_[i].used) return false;
      if (slots_[i].key == k) break;
    }
    // Backward shift: move later entries of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
      const std::size_t home = Hash{}(slots_[j].key) & mask_;
      const bool between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!between) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }
  template <typename Fn>
  void for_each(Fn&& fn) {
    for (auto& s : slots_)
      if (s.used) fn(s.key, s.value);
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t max_size() const noexcept { return max_; }

 private:
  struct Slot {
    Key key{};
    Value value{};
    bool used = false;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t max_ = 0;
  std::size_t size_ = 0;
};

struct CloidHash {
  std::size_t operator()(const common::ClientOrderId& c) const noexcept {
    std::uint64_t x = c.hi ^ (c.lo * 0x9e3779b97f4a7c15ull);
    x ^= x >> 29;
    return static_cast<std::size_t>(x * 0xbf58476d1ce4e5b9ull);
  }
};
struct U64Hash {
  std::size_t operator()(std::uint64_t v) const noexcept {
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdull;
    v ^= v >> 33;
    return static_cast<std::size_t>(v);
  }
};

// One order as the gateway last reported it to the core.
struct TrackedOrder {
  common::OrderUpdate last;  // the last OrderUpdate sent to the core (status, oid, filled...)
  bool is_trigger = false;
  bool terminal = false;
  bool acked = false;      // the venue confirmed it (resting, filled, or a WS update)
  bool in_flight = false;  // a request about it awaits an answer: reconciliation leaves it be
  // Native TWAP (twapOrder). The venue names it by twapId (its own id space: never in the oid
  // index), lists it in no openOrders, and reports it through slice fills and TWAP history.
  bool is_twap = false;
  bool twap_cancel_wanted = false;  // cancel asked before the twapId was known
  bool twap_end_pending = false;    // the venue said it ended; its last fills are still due
  common::OrderStatus twap_end_status = common::OrderStatus::kCancelled;
  std::uint64_t twap_id = 0;  // 0 until the venue answered (or a slice/history named it)
  common::Qty twap_end_executed;
  __int128 twap_notional_raw = 0;  // sum of price.raw() x qty.raw() over the slice fills
};

[[nodiscard]] constexpr bool is_terminal(common::OrderStatus s) noexcept {
  return s == common::OrderStatus::kFilled || s == common::OrderStatus::kCancelled ||
         s == common::OrderStatus::kRejected || s == common::OrderStatus::kExpired;
}

class OrderTable {
 public:
  explicit OrderTable(std::size_t max_orders)
      : by_cloid_(max_orders),
        oid_to_cloid_(max_orders),
        twap_to_cloid_(max_orders),
        terminal_(by_cloid_.max_size()) {}

  [[nodiscard]] TrackedOrder* find(const common::ClientOrderId& c) noexcept {
    return by_cloid_.find(c);
  }
  [[nodiscard]] TrackedOrder* find_oid(std::uint64_t oid) noexcept {
    const common::ClientOrderId* c = oid_to_cloid_.find(oid);
    return c == nullptr ? nullptr : by_cloid_.find(*c);
  }
  [[nodiscard]] TrackedOrder* find_twap(std::uint64_t twap_id) noexcept {
    const common::ClientOrderId* c = twap_id == 0 ? nullptr : twap_to_cloid_.find(twap_id);
    return c == nullptr ? nullptr : by_cloid_.find(*c);
  }
  void index_twap(std::uint64_t twap_id, const common::ClientOrderId& c) noexcept {
    if (twap_id == 0) return;
    if (common::ClientOrderId* slot = twap_to_cloid_.upsert(twap_id)) *slot = c;
  }
  void unindex_twap(std::uint64_t twap_id) noexcept { (void)twap_to_cloid_.erase(twap_id); }
  // New order registered before it is sent; nullptr when the table is full.
  TrackedOrder* add(const common::ClientOrderId& c) noexcept { return by_cloid_.upsert(c); }
  void index_oid(std::uint64_t oid, const common::ClientOrderId& c) noexcept {
    if (oid == 0) return;
    if (common::ClientOrderId* slot = oid_to_cloid_.upsert(oid)) *slot = c;
  }
  // Called when an order becomes terminal: it joins the queue of prune candidates.
  void note_terminal(const common::ClientOrderId& c) noexcept {
    if (terminal_count_ == terminal_.size()) return;  // every slot is a candidate already
    terminal_[(terminal_head_ + terminal_count_) % terminal_.size()] = c;
    ++terminal_count_;
  }
  // Forgets the oldest terminal orders while more than `keep` are tracked, at most `max_n` per
  // call (O(1) each: no table scan on the hot path). Returns how many were dropped. An order
  // revived since (reconciliation) is skipped.
  std::size_t prune_terminal(std::size_t keep, std::size_t max_n) noexcept {
    std::size_t n = 0;
    while (n < max_n && size() > keep && terminal_count_ > 0) {
      const common::ClientOrderId c = terminal_[terminal_head_];
      terminal_head_ = (terminal_head_ + 1) % terminal_.size();
      --terminal_count_;
      const TrackedOrder* o = by_cloid_.find(c);
      if (o == nullptr || !o->terminal) continue;
      if (!o->last.venue_order_id.is_null()) (void)oid_to_cloid_.erase(o->last.venue_order_id.lo);
      if (o->twap_id != 0) (void)twap_to_cloid_.erase(o->twap_id);
      if (by_cloid_.erase(c)) ++n;
    }
    return n;
  }
  template <typename Fn>
  void for_each(Fn&& fn) {
    by_cloid_.for_each(fn);
  }
  [[nodiscard]] std::size_t size() const noexcept { return by_cloid_.size(); }
  [[nodiscard]] std::size_t max_size() const noexcept { return by_cloid_.max_size(); }

 private:
  FixedMap<common::ClientOrderId, TrackedOrder, CloidHash> by_cloid_;
  FixedMap<std::uint64_t, common::ClientOrderId, U64Hash> oid_to_cloid_;
  FixedMap<std::uint64_t, common::ClientOrderId, U64Hash> twap_to_cloid_;
  std::vector<common::ClientOrderId> terminal_;  // ring of prune candidates, oldest first
  std::size_t terminal_head_ = 0;
  std::size_t terminal_count_ = 0;
};

// Fill ids already reported, bounded: the oldest is forgotten when `capacity` is exceeded
// (the venue's own snapshot replays reach back far less than that).
class SeenFills {
 public:
  explicit SeenFills(std::size_t capacity) : set_(capacity), ring_(capacity) {}
  // True when `id` is new (and remembers it).
  bool insert(std::uint64_t id) noexcept {
    if (set_.find(id) != nullptr) return false;
    if (count_ == ring_.size()) {
      (void)set_.erase(ring_[next_]);  // ring_[next_] is the oldest once full
    } else {
      ++count_;
    }
    (void)set_.upsert(id);
    ring_[next_] = id;
    next_ = (next_ + 1) % ring_.size();
    return true;
  }
  [[nodiscard]] bool contains(std::uint64_t id) const noexcept { return set_.find(id) != nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  FixedMap<std::uint64_t, bool, U64Hash> set_;
  std::vector<std::uint64_t> ring_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

}  // namespace peregrine::gateways::hyperliquid
