#include "common/clock.hpp"

#include <chrono>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace peregrine::common {
namespace {

Nanos steady_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool has_invariant_tsc() noexcept {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000007u) return false;
  if (__get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (edx & (1u << 8)) != 0;
#else
  return false;
#endif
}

}  // namespace

Nanos SteadyClock::now_ns() const noexcept { return steady_ns(); }

Nanos WallClock::now_ns() const noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t TscClock::read_ticks() noexcept {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(steady_ns());
#endif
}

TscClock::TscClock(Nanos calibration_ns, TscTimeline timeline) {
  if (timeline == TscTimeline::kEpoch) offset_ns_ = WallClock{}.now_ns() - steady_ns();
  if (!has_invariant_tsc() || calibration_ns <= 0) return;
  const Nanos t0 = steady_ns();
  const std::uint64_t c0 = read_ticks();
  Nanos t1 = t0;
  while (t1 - t0 < calibration_ns) t1 = steady_ns();
  const std::uint64_t c1 = read_ticks();
  if (c1 <= c0) return;
  const auto ticks = static_cast<double>(c1 - c0);
  const auto ns = static_cast<double>(t1 - t0);
  ticks_per_ns_ = ticks / ns;
  mult_ = static_cast<std::uint64_t>(ns / ticks * static_cast<double>(std::uint64_t{1} << kShift));
  base_ticks_ = c1;
  base_ns_ = t1 + offset_ns_;
  uses_tsc_ = mult_ != 0;
}

Nanos TscClock::now_ns() const noexcept {
  if (!uses_tsc_) return steady_ns() + offset_ns_;
  const std::uint64_t dt = read_ticks() - base_ticks_;
  const auto scaled = (static_cast<unsigned __int128>(dt) * mult_) >> kShift;
  return base_ns_ + static_cast<Nanos>(scaled);
}

}  // namespace peregrine::common
