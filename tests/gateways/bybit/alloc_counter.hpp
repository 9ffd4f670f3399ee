// Counts heap allocations while armed, to prove a hot path allocates nothing. Include from
// exactly ONE .cpp per test binary: it replaces the global operator new/delete.
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace peregrine::testing {
inline std::atomic<bool> g_count_allocs{false};
inline std::atomic<std::size_t> g_allocs{0};

// RAII: counts allocations made during its lifetime.
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

inline void* counted_alloc(std::size_t n) {
  if (g_count_allocs.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
}  // namespace peregrine::testing

void* operator new(std::size_t n) { return peregrine::testing::counted_alloc(n); }
void* operator new[](std::size_t n) { return peregrine::testing::counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (peregrine::testing::g_count_allocs.load(std::memory_order_relaxed)) {
    peregrine::testing::g_allocs.fetch_add(1);
  }
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
