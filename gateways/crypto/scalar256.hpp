// Scalar: an integer modulo n, the secp256k1 group order, for the presigned ECDSA hot path.
// Plain value type with no shared state; any thread may use it. The signing thread calls
// mont_mul_add, to_bytes_be and is_high per order; inverse and to_montgomery run off the hot path.
//
// Why it is fast: four 64-bit limbs in registers, CIOS Montgomery multiplication (32 64x64
// multiplies whose halves are summed in adc chains, no division), and branch-free conditional
// subtraction. No allocation, no exceptions, no data-dependent branches. Online signing is one
// Montgomery multiplication plus one modular addition, see mont_mul_add.
//
// Montgomery form, R = 2^256: the Montgomery form of a is a*R mod n. It is stored in the same
// type because it is just another number below n; only the functions named mont_* or
// *_montgomery treat it specially, and each says which argument is in which form.
//
// The hot-path trick: s = k^-1*z + k^-1*r*d mod n. Off the hot path, per presignature, keep
//   kinv_mont = k.inverse().to_montgomery()          // k^-1 * R mod n
//   kinv_rd   = Scalar::mul(Scalar::mul(k.inverse(), r), d)
// Online, with z = Scalar::from_bytes_be_reduced(digest):
//   s = Scalar::mont_mul_add(kinv_mont, z, kinv_rd)  // REDC(k^-1*R * z) = k^-1*z, normal form
// so one REDC both multiplies and leaves Montgomery form; no R^2 conversion online.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace peregrine::gateways::crypto {

class Scalar {
 public:
  static constexpr std::size_t kBytes = 32;
  static constexpr std::size_t kLimbs = 4;
  using Limbs = std::array<std::uint64_t, kLimbs>;

  // n, little-endian limbs. Not representable as a Scalar (values are always < n).
  static constexpr Limbs kOrder = {0xBFD25E8CD0364141ULL, 0xBAAEDCE6AF48A03BULL,
                                   0xFFFFFFFFFFFFFFFEULL, 0xFFFFFFFFFFFFFFFFULL};
  // -n^-1 mod 2^64, the CIOS reduction factor.
  static constexpr std::uint64_t kN0Inv = [] {
    std::uint64_t inv = 1;  // Newton: each step doubles the number of correct low bits.
    for (int i = 0; i < 6; ++i) inv *= 2 - kOrder[0] * inv;
    return 0 - inv;
  }();
  static_assert(kOrder[0] * kN0Inv == ~std::uint64_t{0}, "n0 * n0inv must be -1 mod 2^64");

  constexpr Scalar() noexcept = default;  // zero

  [[nodiscard]] static constexpr Scalar zero() noexcept { return Scalar{}; }
  [[nodiscard]] static constexpr Scalar one() noexcept { return from_u64(1); }
  // Any uint64 is below n, so this cannot fail.
  [[nodiscard]] static constexpr Scalar from_u64(std::uint64_t v) noexcept {
    Scalar s;
    s.limbs_[0] = v;
    return s;
  }

  // Strict parse of a 32-byte big-endian integer (r, s, secret keys).
  // Returns false and sets out to zero when the value is >= n.
  [[nodiscard]] static bool from_bytes_be(std::span<const std::uint8_t, kBytes> in,
                                          Scalar& out) noexcept;
  // Parse and reduce mod n; for z = digest mod n. One conditional subtraction suffices
  // because 2^256 < 2n.
  [[nodiscard]] static Scalar from_bytes_be_reduced(
      std::span<const std::uint8_t, kBytes> in) noexcept;
  void to_bytes_be(std::span<std::uint8_t, kBytes> out) const noexcept;

  [[nodiscard]] bool is_zero() const noexcept;
  // True when the value is > (n-1)/2, i.e. s must be replaced by n - s for low-s form.
  [[nodiscard]] bool is_high() const noexcept;
  [[nodiscard]] const Limbs& limbs() const noexcept { return limbs_; }

  // Normal form in, normal form out.
  [[nodiscard]] static Scalar add(const Scalar& a, const Scalar& b) noexcept;
  [[nodiscard]] static Scalar sub(const Scalar& a, const Scalar& b) noexcept;
  [[nodiscard]] Scalar negate() const noexcept;  // n - a, and 0 for 0
  // a*b mod n: two Montgomery multiplications (the second by R^2 undoes the R^-1).
  [[nodiscard]] static Scalar mul(const Scalar& a, const Scalar& b) noexcept;
  // a*b + c mod n, all normal form. Two REDCs; on the hot path prefer mont_mul_add.
  [[nodiscard]] static Scalar mul_add(const Scalar& a, const Scalar& b, const Scalar& c) noexcept;
  // a^-1 mod n by Fermat (a^(n-2)), a fixed sequence of Montgomery operations whose timing
  // does not depend on a. inverse of zero is zero; callers reject zero first. Off the hot path.
  [[nodiscard]] Scalar inverse() const noexcept;

  // Montgomery product REDC(a*b) = a*b*R^-1 mod n, for any a, b < n. If exactly one of a, b
  // is in Montgomery form the result is the plain product in normal form; if both are, the
  // result is in Montgomery form.
  [[nodiscard]] static Scalar mont_mul(const Scalar& a, const Scalar& b) noexcept;
  // REDC(a_mont*b) + c mod n, i.e. a*b + c with a_mont = a*R, b and c normal, result normal.
  // This is the whole online part of signing: s = mont_mul_add(kinv_mont, z, kinv_rd).
  [[nodiscard]] static Scalar mont_mul_add(const Scalar& a_mont, const Scalar& b,
                                           const Scalar& c) noexcept;
  [[nodiscard]] Scalar to_montgomery() const noexcept;    // a -> a*R mod n
  [[nodiscard]] Scalar from_montgomery() const noexcept;  // a*R -> a

  // Zeroes the limbs with a store the compiler may not drop. Call on secrets (k^-1, d, k^-1*r*d)
  // when a presignature is consumed or discarded; copies are the caller's to wipe.
  void wipe() noexcept;

  // Branch-free, so comparing secrets does not leak where they differ.
  friend bool operator==(const Scalar& a, const Scalar& b) noexcept;

 private:
  Limbs limbs_{};
};

static_assert(sizeof(Scalar) == Scalar::kBytes);
// Presignatures live in preallocated pools and are copied with memcpy.
static_assert(std::is_trivially_copyable_v<Scalar>);

}  // namespace peregrine::gateways::crypto
