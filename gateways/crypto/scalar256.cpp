#include "gateways/crypto/scalar256.hpp"

#include <string.h>  // explicit_bzero (glibc), kept as a call the optimizer may not remove

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <x86intrin.h>  // _addcarry_u64: GCC turns the __int128 form into poor adc chains
#endif

namespace peregrine::gateways::crypto {
namespace {

// The limb helpers are a few instructions each; forcing them inline keeps the hot path one call
// deep and keeps unoptimized (Debug) test builds fast enough to run 10^5 random cases.
#define PEREGRINE_SCALAR_INLINE [[gnu::always_inline]] inline
// GCC 12 at -O2 leaves four-limb loops rolled, which keeps the limbs in memory; unrolled, the
// limbs live in registers and the carries become single adc chains.
#define PEREGRINE_SCALAR_UNROLL _Pragma("GCC unroll 4")

using u64 = std::uint64_t;
using u128 = unsigned __int128;
using Limbs = Scalar::Limbs;

constexpr Limbs kN = Scalar::kOrder;
constexpr u64 kN0Inv = Scalar::kN0Inv;
constexpr u64 kN0 = kN[0], kN1 = kN[1], kN2 = kN[2], kN3 = kN[3];

PEREGRINE_SCALAR_INLINE constexpr u64 lo(u128 v) noexcept { return static_cast<u64>(v); }
PEREGRINE_SCALAR_INLINE constexpr u64 hi(u128 v) noexcept { return static_cast<u64>(v >> 64); }

// a + b + carry; carry in and out is 0 or 1.
PEREGRINE_SCALAR_INLINE constexpr u64 add_carry(u64 a, u64 b, u64& carry) noexcept {
#if defined(__x86_64__)
  if (!__builtin_is_constant_evaluated()) {  // the std:: wrapper is a call at -O0
    unsigned long long r;
    carry = _addcarry_u64(static_cast<unsigned char>(carry), a, b, &r);
    return r;
  }
#endif
  const u128 t = static_cast<u128>(a) + b + carry;
  carry = hi(t);
  return lo(t);
}

// a - b - borrow; borrow in and out is 0 or 1 (the wrapped high word is all ones on borrow).
PEREGRINE_SCALAR_INLINE constexpr u64 sub_borrow(u64 a, u64 b, u64& borrow) noexcept {
#if defined(__x86_64__)
  if (!__builtin_is_constant_evaluated()) {  // the std:: wrapper is a call at -O0
    unsigned long long r;
    borrow = _subborrow_u64(static_cast<unsigned char>(borrow), a, b, &r);
    return r;
  }
#endif
  const u128 t = static_cast<u128>(a) - b - borrow;
  borrow = hi(t) & 1;
  return lo(t);
}

// Reduces t = top*2^256 + low, known to be < 2n, into [0, n) without branching.
PEREGRINE_SCALAR_INLINE constexpr Limbs reduce_once(const Limbs& low, u64 top) noexcept {
  Limbs d{};
  u64 borrow = 0;
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) d[i] = sub_borrow(low[i], kN[i], borrow);
  // Subtract when t >= 2^256 (top) or when low >= n (no borrow).
  const u64 take_d = 0 - (top | (borrow ^ 1));
  Limbs r{};
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) r[i] = (d[i] & take_d) | (low[i] & ~take_d);
  return r;
}

// CIOS Montgomery multiplication: a*b*2^-256 mod n for a, b < n. Each round adds a*b[i] and
// m*n (m chosen so the low word cancels) as two adc chains each, low halves then high halves,
// and shifts down one word; t5 catches the top carries. Between rounds the sum is below 2n, so
// one conditional subtraction finishes.
PEREGRINE_SCALAR_INLINE constexpr Limbs mont_mul_limbs(const Limbs& a, const Limbs& b) noexcept {
  // Plain locals rather than std::array accesses: the same code when optimized, and cheaper in
  // Debug builds, where operator[] is a call.
  const u64 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  const u64 bs[4] = {b[0], b[1], b[2], b[3]};
  u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
  PEREGRINE_SCALAR_UNROLL
  for (const u64 bi : bs) {
    const u128 p0 = static_cast<u128>(a0) * bi;
    const u128 p1 = static_cast<u128>(a1) * bi;
    const u128 p2 = static_cast<u128>(a2) * bi;
    const u128 p3 = static_cast<u128>(a3) * bi;
    u64 c = 0;
    t0 = add_carry(t0, lo(p0), c);
    t1 = add_carry(t1, lo(p1), c);
    t2 = add_carry(t2, lo(p2), c);
    t3 = add_carry(t3, lo(p3), c);
    t4 = add_carry(t4, 0, c);
    u64 t5 = c;
    c = 0;
    t1 = add_carry(t1, hi(p0), c);
    t2 = add_carry(t2, hi(p1), c);
    t3 = add_carry(t3, hi(p2), c);
    t4 = add_carry(t4, hi(p3), c);
    t5 += c;

    // Add m*n so the low word becomes zero, then shift down one word.
    const u64 m = t0 * kN0Inv;
    const u128 q0 = static_cast<u128>(m) * kN0;
    const u128 q1 = static_cast<u128>(m) * kN1;
    const u128 q2 = static_cast<u128>(m) * kN2;
    const u128 q3 = static_cast<u128>(m) * kN3;
    c = 0;
    static_cast<void>(add_carry(t0, lo(q0), c));
    t1 = add_carry(t1, lo(q1), c);
    t2 = add_carry(t2, lo(q2), c);
    t3 = add_carry(t3, lo(q3), c);
    t4 = add_carry(t4, 0, c);
    t5 += c;
    c = 0;
    t0 = add_carry(t1, hi(q0), c);
    t1 = add_carry(t2, hi(q1), c);
    t2 = add_carry(t3, hi(q2), c);
    t3 = add_carry(t4, hi(q3), c);
    t4 = t5 + c;
  }
  return reduce_once(Limbs{t0, t1, t2, t3}, t4);
}

PEREGRINE_SCALAR_INLINE constexpr Limbs add_limbs(const Limbs& a, const Limbs& b) noexcept {
  Limbs s{};
  u64 carry = 0;
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) s[i] = add_carry(a[i], b[i], carry);
  return reduce_once(s, carry);
}

// 2^256 mod n = 2^256 - n: the Montgomery form of 1.
constexpr Limbs kRModN = [] {
  Limbs r{};
  u64 borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) r[i] = sub_borrow(0, kN[i], borrow);
  return r;
}();

// 2^512 mod n, by doubling 2^256 mod n 256 times; converts into Montgomery form with one REDC.
constexpr Limbs kR2ModN = [] {
  Limbs r = kRModN;
  for (int i = 0; i < 256; ++i) r = add_limbs(r, r);
  return r;
}();

// (n - 1) / 2: the largest low-s value.
constexpr Limbs kHalfN = {(kN[0] >> 1) | (kN[1] << 63), (kN[1] >> 1) | (kN[2] << 63),
                          (kN[2] >> 1) | (kN[3] << 63), kN[3] >> 1};

// Fermat exponent n - 2 (n's low limb is far above 2, so no borrow).
constexpr Limbs kNMinus2 = {kN[0] - 2, kN[1], kN[2], kN[3]};

constexpr Limbs kOneLimbs = {1, 0, 0, 0};

static_assert(mont_mul_limbs(kRModN, kR2ModN) == kR2ModN, "R^2 must be fixed by REDC(R*R^2)");
static_assert(mont_mul_limbs(kR2ModN, kOneLimbs) == kRModN, "REDC(R^2) must be R");

// Big-endian word <-> host word. memcpy + bswap compiles to a load (store) and a bswap, where
// a byte loop stays a loop.
PEREGRINE_SCALAR_INLINE u64 to_from_be(u64 v) noexcept {
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(v);
  return v;
}

Limbs load_be(std::span<const std::uint8_t, Scalar::kBytes> in) noexcept {
  Limbs l{};
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) {
    u64 v;
    std::memcpy(&v, in.data() + 8 * i, sizeof(v));
    l[3 - i] = to_from_be(v);
  }
  return l;
}

void secure_zero(void* p, std::size_t len) noexcept { explicit_bzero(p, len); }

}  // namespace

bool Scalar::from_bytes_be(std::span<const std::uint8_t, kBytes> in, Scalar& out) noexcept {
  const Limbs v = load_be(in);
  u64 borrow = 0;
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) static_cast<void>(sub_borrow(v[i], kN[i], borrow));
  const u64 keep = 0 - borrow;  // borrow means v < n
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) out.limbs_[i] = v[i] & keep;
  return borrow != 0;
}

Scalar Scalar::from_bytes_be_reduced(std::span<const std::uint8_t, kBytes> in) noexcept {
  Scalar s;
  s.limbs_ = reduce_once(load_be(in), 0);
  return s;
}

void Scalar::to_bytes_be(std::span<std::uint8_t, kBytes> out) const noexcept {
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) {
    const u64 v = to_from_be(limbs_[3 - i]);
    std::memcpy(out.data() + 8 * i, &v, sizeof(v));
  }
}

bool Scalar::is_zero() const noexcept {
  return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0;
}

bool Scalar::is_high() const noexcept {
  u64 borrow = 0;
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) static_cast<void>(sub_borrow(kHalfN[i], limbs_[i], borrow));
  return borrow != 0;  // (n-1)/2 - a < 0
}

Scalar Scalar::add(const Scalar& a, const Scalar& b) noexcept {
  Scalar r;
  r.limbs_ = add_limbs(a.limbs_, b.limbs_);
  return r;
}

Scalar Scalar::sub(const Scalar& a, const Scalar& b) noexcept {
  Scalar r;
  u64 borrow = 0;
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) r.limbs_[i] = sub_borrow(a.limbs_[i], b.limbs_[i], borrow);
  // On borrow the wrapped difference is a - b + 2^256; adding n wraps it back to a - b + n.
  const u64 mask = 0 - borrow;
  u64 carry = 0;
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) r.limbs_[i] = add_carry(r.limbs_[i], kN[i] & mask, carry);
  return r;
}

Scalar Scalar::negate() const noexcept {
  Scalar r;
  u64 borrow = 0;
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) r.limbs_[i] = sub_borrow(kN[i], limbs_[i], borrow);
  const u64 any = limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3];
  const u64 nonzero_mask = 0 - ((any | (0 - any)) >> 63);  // n - 0 = n is not reduced
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) r.limbs_[i] &= nonzero_mask;
  return r;
}

Scalar Scalar::mul(const Scalar& a, const Scalar& b) noexcept {
  Scalar r;
  r.limbs_ = mont_mul_limbs(mont_mul_limbs(a.limbs_, b.limbs_), kR2ModN);
  return r;
}

Scalar Scalar::mul_add(const Scalar& a, const Scalar& b, const Scalar& c) noexcept {
  Scalar r;
  r.limbs_ = add_limbs(mont_mul_limbs(mont_mul_limbs(a.limbs_, b.limbs_), kR2ModN), c.limbs_);
  return r;
}

Scalar Scalar::mont_mul(const Scalar& a, const Scalar& b) noexcept {
  Scalar r;
  r.limbs_ = mont_mul_limbs(a.limbs_, b.limbs_);
  return r;
}

Scalar Scalar::mont_mul_add(const Scalar& a_mont, const Scalar& b, const Scalar& c) noexcept {
  Scalar r;
  r.limbs_ = add_limbs(mont_mul_limbs(a_mont.limbs_, b.limbs_), c.limbs_);
  return r;
}

Scalar Scalar::to_montgomery() const noexcept {
  Scalar r;
  r.limbs_ = mont_mul_limbs(limbs_, kR2ModN);
  return r;
}

Scalar Scalar::from_montgomery() const noexcept {
  Scalar r;
  r.limbs_ = mont_mul_limbs(limbs_, kOneLimbs);
  return r;
}

Scalar Scalar::inverse() const noexcept {
  // Fixed 4-bit window over the public exponent n - 2: 252 squarings and 64 multiplications
  // whatever the input, and the table index comes from the exponent, never from a.
  Limbs table[16];
  table[0] = kRModN;
  table[1] = mont_mul_limbs(limbs_, kR2ModN);
  for (std::size_t i = 2; i < 16; ++i) table[i] = mont_mul_limbs(table[i - 1], table[1]);

  Limbs acc = table[kNMinus2[3] >> 60];
  for (int nibble = 62; nibble >= 0; --nibble) {
    for (int sq = 0; sq < 4; ++sq) acc = mont_mul_limbs(acc, acc);
    const auto bit = static_cast<unsigned>(nibble) * 4;
    const auto w = static_cast<std::size_t>((kNMinus2[bit / 64] >> (bit % 64)) & 0xF);
    acc = mont_mul_limbs(acc, table[w]);
  }
  Scalar r;
  r.limbs_ = mont_mul_limbs(acc, kOneLimbs);
  // The table and accumulator are powers of a secret (usually the nonce k).
  secure_zero(table, sizeof(table));
  secure_zero(acc.data(), sizeof(acc));
  return r;
}

void Scalar::wipe() noexcept { secure_zero(limbs_.data(), sizeof(limbs_)); }

bool operator==(const Scalar& a, const Scalar& b) noexcept {
  u64 diff = 0;
  PEREGRINE_SCALAR_UNROLL
  for (std::size_t i = 0; i < 4; ++i) diff |= a.limbs_[i] ^ b.limbs_[i];
  return diff == 0;
}

}  // namespace peregrine::gateways::crypto

#undef PEREGRINE_SCALAR_UNROLL
#undef PEREGRINE_SCALAR_INLINE
