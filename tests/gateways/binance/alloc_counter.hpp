// Counts heap allocations while an AllocScope is alive, to prove a hot path allocates nothing.
// Include from exactly ONE .cpp per test binary: it replaces the global operator new/delete.
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace peregrine::testing::binance {
inline std::atomic<bool> g_count_allocs{false};
inline std::atomic<std::size_t> g_allocs{0};

class AllocScope {
 public:
  AllocScope() noexcept {
    g_allocs.store(0);
    g_count_allocs.store(true);
  }
  ~AllocScope() { g_count_allocs.store(false); }
  AllocScope(const AllocScope&) = delete;
  AllocScope& operator=(const AllocScope&) = delete;
  [[nodiscard]] std::size_t count() const noexcept { return g_allocs.load(); }
};

// Out of line so GCC's -Wmismatched-new-delete (at -O1, the sanitizer preset) does not pair the
// inlined operators with malloc/free.
[[gnu::noinline]] inline void* raw_alloc(std::size_t n) noexcept {
  if (g_count_allocs.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
[[gnu::noinline]] inline void raw_free(void* p) noexcept { std::free(p); }

inline void* counted_alloc(std::size_t n) {
  if (void* p = raw_alloc(n)) return p;
  throw std::bad_alloc();
}
}  // namespace peregrine::testing::binance

void* operator new(std::size_t n) { return peregrine::testing::binance::counted_alloc(n); }
void* operator new[](std::size_t n) { return peregrine::testing::binance::counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return peregrine::testing::binance::raw_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { peregrine::testing::binance::raw_free(p); }
void operator delete[](void* p) noexcept { peregrine::testing::binance::raw_free(p); }
void operator delete(void* p, std::size_t) noexcept { peregrine::testing::binance::raw_free(p); }
void operator delete[](void* p, std::size_t) noexcept { peregrine::testing::binance::raw_free(p); }
