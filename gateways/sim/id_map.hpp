// Open-addressing multimap from 64-bit keys to 64-bit values, for the simulator's order lookups.
// Single-threaded (owned by one Exchange). Fast because it is one flat array probed linearly,
// never allocates after reaching its working size, and erases by backward shift (no tombstones).
#pragma once

#include <cstdint>
#include <vector>

namespace peregrine::gateways::sim {

class IdMap {
 public:
  IdMap() { slots_.resize(kInitial); }

  // Duplicate keys are allowed; callers disambiguate in `visit`.
  void insert(std::uint64_t key, std::uint64_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    place(key, value);
    ++size_;
  }
  // Calls fn(value) for each entry with `key` until fn returns true; returns that value's
  // presence as a bool and the value through `out`.
  template <typename Fn>
  bool find_if(std::uint64_t key, Fn&& fn, std::uint64_t* out) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(key);; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (!s.used) return false;
      if (s.key == key && fn(s.value)) {
        *out = s.value;
        return true;
      }
    }
  }
  bool find(std::uint64_t key, std::uint64_t* out) const noexcept {
    return find_if(
        key, [](std::uint64_t) { return true; }, out);
  }
  // Rewrites the value of the entry (key, old_value).
  bool update(std::uint64_t key, std::uint64_t old_value, std::uint64_t new_value) noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(key);; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (!s.used) return false;
      if (s.key == key && s.value == old_value) {
        s.value = new_value;
        return true;
      }
    }
  }
  // Erases the entry (key, value).
  bool erase(std::uint64_t key, std::uint64_t value) noexcept {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = home(key);
    for (;; i = (i + 1) & mask) {
      if (!slots_[i].used) return false;
      if (slots_[i].key == key && slots_[i].value == value) break;
    }
    // Backward-shift: pull later entries of the probe run into the hole when allowed.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask; slots_[j].used; j = (j + 1) & mask) {
      const std::size_t h = home(slots_[j].key);
      const bool movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint64_t value = 0;
    bool used = false;
  };
  static constexpr std::size_t kInitial = 1024;

  [[nodiscard]] std::size_t home(std::uint64_t key) const noexcept {
    // Fibonacci hashing spreads sequential order ids across the table.
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> shift_);
  }
  void place(std::uint64_t key, std::uint64_t value) noexcept {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = home(key);
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = Slot{key, value, true};
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.size() * 2);
    --shift_;
    for (const Slot& s : old)
      if (s.used) place(s.key, s.value);
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  int shift_ = 64 - 10;  // log2(kInitial) = 10
};

}  // namespace peregrine::gateways::sim
