// OpenHashMap: fixed-capacity open-addressing hash map (linear probing, backward-shift delete).
// Owned by one thread (the strategy core); no allocation after construction, no tombstones.
//
// Why it is fast: keys and values live in one flat array sized to a power of two at least twice
// the maximum element count, so a probe touches one or two cache lines and never follows a
// pointer; erase shifts the run back instead of leaving tombstones, so probes stay short
// forever on a long-running session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/assert.hpp"

namespace peregrine::engine::oms {

// 64-bit finalizer (splitmix64): good avalanche for ids that differ only in low bits.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// Key requirements: trivially copyable, operator==, and Hash()(key) -> uint64_t.
template <typename Key, typename Value, typename Hash>
class OpenHashMap {
 public:
  // Start-up only: allocates room for `max_elements` at a load factor of at most 1/2.
  explicit OpenHashMap(std::size_t max_elements) : max_elements_(max_elements) {
    std::size_t cap = 16;
    while (cap < max_elements * 2) cap <<= 1;
    slots_.resize(cap);
    mask_ = cap - 1;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t max_elements() const noexcept { return max_elements_; }
  [[nodiscard]] bool full() const noexcept { return size_ >= max_elements_; }

  [[nodiscard]] const Value* find(const Key& k) const noexcept {
    for (std::size_t i = home(k);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == k) return &s.value;
    }
  }
  [[nodiscard]] Value* find(const Key& k) noexcept {
    return const_cast<Value*>(static_cast<const OpenHashMap*>(this)->find(k));
  }

  // False if the key is already present (value unchanged) or the map is at max_elements.
  [[nodiscard]] bool insert(const Key& k, const Value& v) noexcept {
    if (full()) return false;
    std::size_t i = home(k);
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) break;
      if (s.key == k) return false;
    }
    slots_[i] = Slot{k, v, true};
    ++size_;
    return true;
  }

  bool erase(const Key& k) noexcept {
    std::size_t i = home(k);
    for (;; i = (i + 1) & mask_) {
      if (!slots_[i].used) return false;
      if (slots_[i].key == k) break;
    }
    // Backward shift: pull later members of the run into the hole when their home position
    // allows it, so no lookup ever has to skip a deleted marker.
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j].key);
      const bool movable = ((j - h) & mask_) >= ((j - hole) & mask_);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }

  void clear() noexcept {
    for (Slot& s : slots_) s.used = false;
    size_ = 0;
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
    bool used = false;
  };
  [[nodiscard]] std::size_t home(const Key& k) const noexcept {
    return static_cast<std::size_t>(Hash{}(k)) & mask_;
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t max_elements_ = 0;
};

}  // namespace peregrine::engine::oms
