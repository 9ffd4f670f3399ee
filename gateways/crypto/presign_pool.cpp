#include "gateways/crypto/presign_pool.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>

#include <bit>
#include <cstring>
#include <type_traits>

namespace peregrine::gateways::crypto {

void Presignature::wipe() noexcept {
  static_assert(std::is_trivially_copyable_v<Presignature>);
  OPENSSL_cleanse(this, sizeof(*this));  // padding included
}

bool make_presignature(const EcdsaKey& key, Presignature* out) noexcept {
  std::array<std::uint8_t, 32> k_bytes{};
  if (RAND_bytes(k_bytes.data(), static_cast<int>(k_bytes.size())) != 1) return false;
  bool ok = false;
  Scalar k;
  Scalar d;
  Scalar kinv;
  secp256k1_pubkey big_r;
  // k must be in [1, n-1]: the same check as a secret key.
  if (secp256k1_ec_seckey_verify(secp_context(), k_bytes.data()) == 1 &&
      secp256k1_ec_pubkey_create(secp_context(), &big_r, k_bytes.data()) == 1 &&
      Scalar::from_bytes_be(k_bytes, k) &&
      Scalar::from_bytes_be(std::span<const std::uint8_t, 32>(key.secret_bytes()), d)) {
    unsigned char ser[33];
    size_t len = sizeof(ser);
    secp256k1_ec_pubkey_serialize(secp_context(), ser, &len, &big_r, SECP256K1_EC_COMPRESSED);
    std::array<std::uint8_t, 32> x{};
    std::memcpy(x.data(), ser + 1, 32);
    Scalar r;
    const bool x_below_n = Scalar::from_bytes_be(x, r);
    if (!x_below_n) r = Scalar::from_bytes_be_reduced(x);  // probability ~2^-128
    if (!r.is_zero()) {
      kinv = k.inverse();
      out->kinv_mont = kinv.to_montgomery();
      out->kinv_rd = Scalar::mul(Scalar::mul(kinv, r), d);
      r.to_bytes_be(out->r);
      out->recid = static_cast<std::uint8_t>((ser[0] == 0x03 ? 1 : 0) | (x_below_n ? 0 : 2));
      ok = true;
    }
  }
  k.wipe();
  d.wipe();
  kinv.wipe();
  OPENSSL_cleanse(k_bytes.data(), k_bytes.size());
  return ok;
}

bool finish_presigned(const Presignature& p, const Hash32& digest,
                      RecoverableSignature* out) noexcept {
  const Scalar z = Scalar::from_bytes_be_reduced(digest);
  Scalar s = Scalar::mont_mul_add(p.kinv_mont, z, p.kinv_rd);
  if (s.is_zero()) return false;
  std::uint8_t recid = p.recid;
  if (s.is_high()) {  // low-s: s -> n - s mirrors R, so the y parity flips
    s = s.negate();
    recid ^= 1;
  }
  out->r = p.r;
  s.to_bytes_be(out->s);
  out->recid = recid;
  return true;
}

PresignPool::PresignPool(std::shared_ptr<const EcdsaKey> key, std::size_t capacity)
    : key_(std::move(key)),
      slots_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity)),
      mask_(slots_.size() - 1) {}

PresignPool::~PresignPool() {
  for (auto& s : slots_) s.wipe();
}

std::size_t PresignPool::available() const noexcept {
  return static_cast<std::size_t>(head_.load(std::memory_order_acquire) -
                                  tail_.load(std::memory_order_acquire));
}

int PresignPool::refill(int max_batch) noexcept {
  int added = 0;
  std::uint64_t head = head_.load(std::memory_order_relaxed);
  while (added < max_batch) {
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    if (head - tail >= slots_.size()) break;  // full
    if (!make_presignature(*key_, &slots_[head & mask_])) {
      slots_[head & mask_].wipe();
      break;  // CSPRNG failure or an invalid k: try again on the next call
    }
    ++head;
    head_.store(head, std::memory_order_release);
    produced_.fetch_add(1, std::memory_order_relaxed);
    ++added;
  }
  return added;
}

RecoverableSignature PresignPool::sign(const Hash32& digest) noexcept {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (head_.load(std::memory_order_acquire) != tail) {
    Presignature& slot = slots_[tail & mask_];
    RecoverableSignature sig;
    const bool ok = finish_presigned(slot, digest, &sig);
    slot.wipe();  // used at most once, then gone
    tail_.store(tail + 1, std::memory_order_release);
    if (ok) {
      used_.fetch_add(1, std::memory_order_relaxed);
      return sig;
    }
  }
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  return key_->sign(digest);
}

bool PresignPool::empty_slots_are_wiped() const noexcept {
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  const std::uint64_t tail = tail_.load(std::memory_order_acquire);
  std::vector<bool> filled(slots_.size(), false);  // test helper: allocation is fine
  for (std::uint64_t seq = tail; seq < head; ++seq) filled[seq & mask_] = true;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (filled[i]) continue;
    const auto* bytes = reinterpret_cast<const unsigned char*>(&slots_[i]);
    for (std::size_t b = 0; b < sizeof(Presignature); ++b) {
      if (bytes[b] != 0) return false;
    }
  }
  return true;
}

}  // namespace peregrine::gateways::crypto
