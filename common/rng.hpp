// Injected randomness. Deterministic generators for simulation and replay (seeded), and one
// OS-entropy source for what must be unpredictable (session salts). Not for cryptographic keys
// or ECDSA nonces: those use OpenSSL/libsecp256k1 facilities in gateways/.
// A generator instance belongs to one thread.
#pragma once

#include <cstdint>

namespace peregrine::common {

// xoshiro256** (Blackman & Vigna): small state, fast, good statistical quality.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept;
  [[nodiscard]] std::uint64_t next() noexcept;
  // Uniform in [0, bound) without modulo bias; bound must be > 0.
  [[nodiscard]] std::uint64_t uniform(std::uint64_t bound) noexcept;
  // Uniform double in [0, 1).
  [[nodiscard]] double uniform01() noexcept;
  // Exponential with the given mean (Poisson inter-arrival times).
  [[nodiscard]] double exponential(double mean) noexcept;
  // Standard normal (Box-Muller, one value per call).
  [[nodiscard]] double normal() noexcept;

 private:
  std::uint64_t s_[4];
};

// 64 bits from the operating system's entropy pool (getrandom). Start-up only.
[[nodiscard]] std::uint64_t os_entropy_u64();

}  // namespace peregrine::common
