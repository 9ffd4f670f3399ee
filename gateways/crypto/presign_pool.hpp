// Presigned ECDSA (venue-neutral; Hyperliquid's hot path): a background producer fills a
// bounded ring of presignatures; the signing thread takes one per signature and finishes it
// in well under a microsecond. Exactly one producer thread and one consumer thread.
//
// Why it is fast: everything that costs — a random k, the point R = kG, k^-1 — happens off
// the hot path. Online: s = k^-1*z + k^-1*r*d mod n is one Montgomery multiplication and one
// modular addition (Scalar::mont_mul_add), then low-s normalization (flipping the recovery id).
// Why it is safe: k comes from OpenSSL's CSPRNG, each entry is handed out once and wiped in
// the ring as it is taken, and an empty ring falls back to RFC 6979 (counted), never to reuse.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "gateways/crypto/scalar256.hpp"
#include "gateways/crypto/secp256k1_signer.hpp"

namespace peregrine::gateways::crypto {

struct Presignature {
  Scalar kinv_mont;  // k^-1 * R mod n (Montgomery form)
  Scalar kinv_rd;    // k^-1 * r * d mod n
  std::array<std::uint8_t, 32> r{};
  std::uint8_t recid = 0;  // parity of R.y, | 2 if R.x >= n
  void wipe() noexcept;
};

// Builds one presignature for `key` with a fresh k from the CSPRNG. False on the (negligible)
// invalid k / r = 0 cases and on CSPRNG failure. Off the hot path.
[[nodiscard]] bool make_presignature(const EcdsaKey& key, Presignature* out) noexcept;

// Finishes a signature over `digest`; false if s came out zero (then use RFC 6979).
// Does not wipe `p`: the caller owns it (the pool wipes its slot).
[[nodiscard]] bool finish_presigned(const Presignature& p, const Hash32& digest,
                                    RecoverableSignature* out) noexcept;

class PresignPool {
 public:
  // `capacity` is rounded up to a power of two.
  PresignPool(std::shared_ptr<const EcdsaKey> key, std::size_t capacity);
  ~PresignPool();
  PresignPool(const PresignPool&) = delete;
  PresignPool& operator=(const PresignPool&) = delete;

  // Producer thread: add up to `max_batch` presignatures while there is room; returns how
  // many were added (an agent's do_work()).
  int refill(int max_batch = 16) noexcept;

  // Consumer thread: a presigned signature, or the RFC 6979 one when the ring is empty.
  [[nodiscard]] RecoverableSignature sign(const Hash32& digest) noexcept;

  [[nodiscard]] const EcdsaKey& key() const noexcept { return *key_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  [[nodiscard]] std::size_t available() const noexcept;
  [[nodiscard]] std::uint64_t produced() const noexcept {
    return produced_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t presigned_used() const noexcept {
    return used_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t fallbacks() const noexcept {
    return fallbacks_.load(std::memory_order_relaxed);
  }
  // Tests: every slot not currently filled holds only zeros.
  [[nodiscard]] bool empty_slots_are_wiped() const noexcept;

 private:
  std::shared_ptr<const EcdsaKey> key_;
  std::vector<Presignature> slots_;
  std::size_t mask_;
  alignas(64) std::atomic<std::uint64_t> head_{0};  // next slot the producer fills
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // next slot the consumer takes
  alignas(64) std::atomic<std::uint64_t> produced_{0};
  std::atomic<std::uint64_t> used_{0};
  std::atomic<std::uint64_t> fallbacks_{0};
};

// Runs PresignPool::refill as an agent (common/agent_runner.hpp) on a side thread.
class PresignAgent {
 public:
  explicit PresignAgent(PresignPool& pool) noexcept : pool_(pool) {}
  int do_work() noexcept { return pool_.refill(); }
  [[nodiscard]] std::string_view name() const noexcept { return "presign"; }

 private:
  PresignPool& pool_;
};

}  // namespace peregrine::gateways::crypto
