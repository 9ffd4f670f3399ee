// Scalar (arithmetic mod the secp256k1 order) proven against OpenSSL BIGNUM on edge values and
// seeded random inputs biased towards carry/borrow corner cases.
#include "gateways/crypto/scalar256.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace peregrine::gateways::crypto {
namespace {

using Bytes = std::array<std::uint8_t, Scalar::kBytes>;

constexpr int kIterations = 100'000;
// An inverse is ~330 Montgomery multiplications: cheap when optimized (-O1 and up), but an
// unoptimized build would blow the test time budget at the full count.
#ifdef __OPTIMIZE__
constexpr int kInverseIterations = kIterations;
#else
constexpr int kInverseIterations = kIterations / 10;
#endif
constexpr const char* kOrderHex =
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141";

std::string hex(const Bytes& b) {
  std::string s;
  char buf[3];
  for (const auto byte : b) {
    std::snprintf(buf, sizeof(buf), "%02X", byte);
    s += buf;
  }
  return s;
}

Bytes bytes_of(const Scalar& s) {
  Bytes b{};
  s.to_bytes_be(b);
  return b;
}

// Owns the BIGNUM context, n, and scratch registers for one test.
class Bn {
 public:
  Bn() : ctx_(BN_CTX_new()) {
    for (auto& r : reg_) r = BN_new();
    n_ = BN_new();
    BN_hex2bn(&n_, kOrderHex);
  }
  ~Bn() {
    for (auto* r : reg_) BN_free(r);
    BN_free(n_);
    BN_CTX_free(ctx_);
  }
  Bn(const Bn&) = delete;
  Bn& operator=(const Bn&) = delete;

  BN_CTX* ctx() { return ctx_; }
  const BIGNUM* n() const { return n_; }
  BIGNUM* reg(std::size_t i) { return reg_.at(i); }

  BIGNUM* load(std::size_t i, const Bytes& b) {
    BN_bin2bn(b.data(), static_cast<int>(b.size()), reg_.at(i));
    return reg_.at(i);
  }
  BIGNUM* load(std::size_t i, const Scalar& s) { return load(i, bytes_of(s)); }
  static Bytes store(const BIGNUM* v) {
    Bytes b{};
    EXPECT_EQ(BN_bn2binpad(v, b.data(), static_cast<int>(b.size())), 32);
    return b;
  }

 private:
  BN_CTX* ctx_;
  BIGNUM* n_;
  std::array<BIGNUM*, 8> reg_{};
};

// Parses a value that must be below n; any failure here is a bug in the test itself.
Scalar scalar_of(const Bytes& b) {
  Scalar s;
  EXPECT_TRUE(Scalar::from_bytes_be(b, s)) << hex(b);
  return s;
}

// Edge values computed with BIGNUM, independent of the code under test.
std::vector<Scalar> edge_values() {
  Bn bn;
  BIGNUM* v = bn.reg(0);
  std::vector<Scalar> out;
  auto add_from = [&](const char* hex_value, long delta, bool halve) {
    BN_hex2bn(&v, hex_value);
    if (delta >= 0) BN_add_word(v, static_cast<BN_ULONG>(delta));
    if (delta < 0) BN_sub_word(v, static_cast<BN_ULONG>(-delta));
    if (halve) BN_rshift1(v, v);
    BN_nnmod(v, v, bn.n(), bn.ctx());
    out.push_back(scalar_of(Bn::store(v)));
  };
  add_from("0", 0, false);
  add_from("0", 1, false);
  add_from("0", 2, false);
  add_from(kOrderHex, -1, false);                           // n-1
  add_from(kOrderHex, -2, false);                           // n-2
  add_from(kOrderHex, -1, true);                            // (n-1)/2
  add_from(kOrderHex, 1, true);                             // (n+1)/2
  add_from(kOrderHex, -3, true);                            // (n-3)/2
  add_from(std::string(64, 'F').c_str(), 0, false);         // 2^256-1 mod n
  add_from("FFFFFFFFFFFFFFFF", 0, false);                   // 2^64-1
  add_from("10000000000000000", 0, false);                  // 2^64
  add_from("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 0, false);   // 2^128-1
  add_from("100000000000000000000000000000000", 0, false);  // 2^128
  add_from("14551231950B75FC4402DA1732FC9BEBF", 0, false);  // 2^256 mod n = R
  add_from("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE00000000000000000000000000000000", 0, false);
  add_from("BAAEDCE6AF48A03BBFD25E8CD0364141", 0, false);  // n's low half
  return out;
}

// Seeded inputs: half of them limb-structured (0, 1, all ones, n's limbs and neighbours), which
// exercise carries and the final subtraction far more often than uniform bytes would.
class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed), edges_(edge_values()) {}

  // Any 256-bit pattern, including values >= n.
  Bytes raw_bytes() {
    std::uint64_t limbs[4];
    const bool structured = (rng_() & 1) != 0;
    for (std::size_t i = 0; i < 4; ++i) limbs[i] = structured ? special_limb(i) : rng_();
    Bytes b{};
    for (std::size_t i = 0; i < 4; ++i) {
      for (std::size_t j = 0; j < 8; ++j) {
        b[8 * i + j] = static_cast<std::uint8_t>(limbs[3 - i] >> (56 - 8 * j));
      }
    }
    return b;
  }

  Scalar scalar() {
    if (rng_() % 16 == 0) return edges_[rng_() % edges_.size()];
    return Scalar::from_bytes_be_reduced(raw_bytes());
  }

  Scalar nonzero_scalar() {
    for (;;) {
      const Scalar s = scalar();
      if (!s.is_zero()) return s;
    }
  }

 private:
  std::uint64_t special_limb(std::size_t i) {
    const std::uint64_t n = Scalar::kOrder[i];
    switch (rng_() % 8) {
      case 0:
        return 0;
      case 1:
        return 1;
      case 2:
        return ~std::uint64_t{0};
      case 3:
        return n;
      case 4:
        return n - 1;
      case 5:
        return n + 1;
      default:
        return rng_();
    }
  }

  std::mt19937_64 rng_;
  std::vector<Scalar> edges_;
};

TEST(Scalar256, ConstantsMatchBignum) {
  Bn bn;
  // n0inv = -n^-1 mod 2^64.
  BIGNUM* two64 = bn.reg(0);
  BN_one(two64);
  BN_lshift(two64, two64, 64);
  BIGNUM* inv = BN_mod_inverse(bn.reg(1), bn.n(), two64, bn.ctx());
  ASSERT_NE(inv, nullptr);
  BN_sub(inv, two64, inv);
  EXPECT_EQ(BN_get_word(inv), Scalar::kN0Inv);
  EXPECT_EQ(Scalar::kN0Inv, 0x4B0DFF665588B13FULL);

  Bytes n_bytes = Bn::store(bn.n());
  Scalar rejected = Scalar::one();
  EXPECT_FALSE(Scalar::from_bytes_be(n_bytes, rejected));
  EXPECT_TRUE(rejected.is_zero());
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t limb = 0;
    for (std::size_t j = 0; j < 8; ++j) limb = (limb << 8) | n_bytes[8 * (3 - i) + j];
    EXPECT_EQ(limb, Scalar::kOrder[i]);
  }

  // to_montgomery(1) = R mod n; to_montgomery(R) = R^2 mod n.
  BIGNUM* r = bn.reg(3);
  BN_one(r);
  BN_lshift(r, r, 256);
  BN_nnmod(r, r, bn.n(), bn.ctx());
  const Scalar one_mont = Scalar::one().to_montgomery();
  EXPECT_EQ(hex(bytes_of(one_mont)), hex(Bn::store(r)));
  BIGNUM* r2 = bn.reg(4);
  BN_mod_mul(r2, r, r, bn.n(), bn.ctx());
  EXPECT_EQ(hex(bytes_of(one_mont.to_montgomery())), hex(Bn::store(r2)));
  EXPECT_EQ(one_mont.from_montgomery(), Scalar::one());
}

TEST(Scalar256, BytesRoundTrip) {
  Gen gen(1);
  for (int i = 0; i < kIterations; ++i) {
    const Scalar s = gen.scalar();
    const Bytes b = bytes_of(s);
    Scalar back;
    ASSERT_TRUE(Scalar::from_bytes_be(b, back)) << hex(b);
    ASSERT_EQ(back, s) << hex(b);
    ASSERT_EQ(Scalar::from_bytes_be_reduced(b), s) << hex(b);
  }
}

TEST(Scalar256, FromBytesStrictRejectsAtOrAboveNAndReducedMatchesBignum) {
  Bn bn;
  std::vector<Bytes> inputs;
  Bytes all_ones{};
  all_ones.fill(0xFF);
  inputs.push_back(all_ones);
  inputs.push_back(Bn::store(bn.n()));
  for (BN_ULONG delta : {1U, 2U, 0xFFFFU}) {
    BN_copy(bn.reg(0), bn.n());
    BN_add_word(bn.reg(0), delta);
    inputs.push_back(Bn::store(bn.reg(0)));
    BN_copy(bn.reg(0), bn.n());
    BN_sub_word(bn.reg(0), delta);
    inputs.push_back(Bn::store(bn.reg(0)));
  }
  Gen gen(2);
  for (int i = 0; i < kIterations; ++i) inputs.push_back(gen.raw_bytes());
  // Just above n: n + uniform offset below 2^256 - n (about 2^129).
  for (int i = 0; i < 1000; ++i) {
    BN_rand(bn.reg(0), 129, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    BN_add(bn.reg(0), bn.reg(0), bn.n());
    if (BN_num_bits(bn.reg(0)) <= 256) inputs.push_back(Bn::store(bn.reg(0)));
  }

  int rejected = 0;
  for (const Bytes& b : inputs) {
    const BIGNUM* v = bn.load(0, b);
    const bool below_n = BN_cmp(v, bn.n()) < 0;
    Scalar strict = Scalar::one();
    ASSERT_EQ(Scalar::from_bytes_be(b, strict), below_n) << hex(b);
    if (!below_n) {
      ++rejected;
      ASSERT_TRUE(strict.is_zero()) << hex(b);
    }
    BN_nnmod(bn.reg(1), v, bn.n(), bn.ctx());
    const Scalar reduced = Scalar::from_bytes_be_reduced(b);
    ASSERT_EQ(bytes_of(reduced), Bn::store(bn.reg(1))) << hex(b);
    if (below_n) {
      ASSERT_EQ(reduced, strict) << hex(b);
    }
  }
  EXPECT_GT(rejected, 1000);  // the generator really does produce values >= n
}

using BnBinary = int (*)(BIGNUM*, const BIGNUM*, const BIGNUM*, const BIGNUM*, BN_CTX*);

// Checks op(a, b) against the BIGNUM reference on every edge pair and on kIterations randoms.
template <typename Op>
void check_binary(std::uint64_t seed, Op op, BnBinary ref) {
  Bn bn;
  Gen gen(seed);
  const std::vector<Scalar> edges = edge_values();
  auto check = [&](const Scalar& a, const Scalar& b) {
    const Scalar ours = op(a, b);
    ASSERT_EQ(ref(bn.reg(2), bn.load(0, a), bn.load(1, b), bn.n(), bn.ctx()), 1);
    ASSERT_EQ(bytes_of(ours), Bn::store(bn.reg(2)))
        << "a=" << hex(bytes_of(a)) << " b=" << hex(bytes_of(b));
  };
  for (const Scalar& a : edges) {
    for (const Scalar& b : edges) {
      check(a, b);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  for (int i = 0; i < kIterations; ++i) {
    check(gen.scalar(), gen.scalar());
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(Scalar256, AddMatchesBignum) { check_binary(3, &Scalar::add, &BN_mod_add); }

TEST(Scalar256, SubMatchesBignum) { check_binary(4, &Scalar::sub, &BN_mod_sub); }

TEST(Scalar256, MulMatchesBignum) { check_binary(5, &Scalar::mul, &BN_mod_mul); }

TEST(Scalar256, NegateMatchesBignum) {
  check_binary(
      6, [](const Scalar& a, const Scalar&) { return a.negate(); },
      [](BIGNUM* r, const BIGNUM* a, const BIGNUM*, const BIGNUM* n, BN_CTX* ctx) {
        BN_zero(r);
        return BN_mod_sub(r, r, a, n, ctx);
      });
}

TEST(Scalar256, MontMulMatchesBignum) {
  Bn bn;
  BIGNUM* r_inv = bn.reg(5);  // 2^-256 mod n
  BN_one(r_inv);
  BN_lshift(r_inv, r_inv, 256);
  BN_nnmod(r_inv, r_inv, bn.n(), bn.ctx());
  BIGNUM* r = bn.reg(6);
  BN_copy(r, r_inv);
  ASSERT_NE(BN_mod_inverse(r_inv, r_inv, bn.n(), bn.ctx()), nullptr);

  Gen gen(7);
  for (int i = 0; i < kIterations; ++i) {
    const Scalar a = gen.scalar();
    const Scalar b = gen.scalar();
    BIGNUM* a_bn = bn.load(0, a);
    BIGNUM* b_bn = bn.load(1, b);
    BN_mod_mul(bn.reg(2), a_bn, b_bn, bn.n(), bn.ctx());
    BN_mod_mul(bn.reg(2), bn.reg(2), r_inv, bn.n(), bn.ctx());
    ASSERT_EQ(bytes_of(Scalar::mont_mul(a, b)), Bn::store(bn.reg(2)))
        << "a=" << hex(bytes_of(a)) << " b=" << hex(bytes_of(b));

    const Scalar a_mont = a.to_montgomery();
    BN_mod_mul(bn.reg(3), a_bn, r, bn.n(), bn.ctx());
    ASSERT_EQ(bytes_of(a_mont), Bn::store(bn.reg(3))) << hex(bytes_of(a));
    ASSERT_EQ(a_mont.from_montgomery(), a);
    // One operand in Montgomery form gives the plain product.
    ASSERT_EQ(Scalar::mont_mul(a_mont, b), Scalar::mul(a, b));
  }
}

TEST(Scalar256, MulAddMatchesBignum) {
  Bn bn;
  Gen gen(8);
  for (int i = 0; i < kIterations; ++i) {
    const Scalar a = gen.scalar();
    const Scalar b = gen.scalar();
    const Scalar c = gen.scalar();
    BN_mod_mul(bn.reg(3), bn.load(0, a), bn.load(1, b), bn.n(), bn.ctx());
    BN_mod_add(bn.reg(3), bn.reg(3), bn.load(2, c), bn.n(), bn.ctx());
    const Bytes want = Bn::store(bn.reg(3));
    ASSERT_EQ(bytes_of(Scalar::mul_add(a, b, c)), want)
        << "a=" << hex(bytes_of(a)) << " b=" << hex(bytes_of(b)) << " c=" << hex(bytes_of(c));
    ASSERT_EQ(bytes_of(Scalar::mont_mul_add(a.to_montgomery(), b, c)), want)
        << "a=" << hex(bytes_of(a)) << " b=" << hex(bytes_of(b)) << " c=" << hex(bytes_of(c));
  }
}

// The presigned ECDSA online step: s = k^-1*z + k^-1*r*d with k^-1 kept in Montgomery form and
// z the digest reduced mod n. Inversion is a bijection on nonzero scalars, so drawing k^-1
// directly covers the same inputs and keeps this test about the online trick alone.
TEST(Scalar256, PresignHotPathMatchesBignum) {
  Bn bn;
  Gen gen(9);
  for (int i = 0; i < kIterations; ++i) {
    const Scalar kinv_in = gen.nonzero_scalar();
    const Scalar r = gen.scalar();
    const Scalar d = gen.scalar();
    const Bytes digest = gen.raw_bytes();

    BIGNUM* kinv = bn.load(3, kinv_in);
    BIGNUM* kinv_rd = bn.reg(4);
    BN_mod_mul(kinv_rd, kinv, bn.load(1, r), bn.n(), bn.ctx());
    BN_mod_mul(kinv_rd, kinv_rd, bn.load(2, d), bn.n(), bn.ctx());
    BIGNUM* s = bn.reg(5);
    BN_nnmod(s, bn.load(6, digest), bn.n(), bn.ctx());
    BN_mod_mul(s, s, kinv, bn.n(), bn.ctx());
    BN_mod_add(s, s, kinv_rd, bn.n(), bn.ctx());

    const Scalar kinv_mont = kinv_in.to_montgomery();
    const Scalar x = scalar_of(Bn::store(kinv_rd));
    const Scalar z = Scalar::from_bytes_be_reduced(digest);
    const Scalar ours = Scalar::mont_mul_add(kinv_mont, z, x);
    ASSERT_EQ(bytes_of(ours), Bn::store(s))
        << "kinv=" << hex(bytes_of(kinv_in)) << " z=" << hex(digest);

    // is_high agrees with BIGNUM's compare against n >> 1 = (n-1)/2.
    BN_rshift1(bn.reg(7), bn.n());
    ASSERT_EQ(ours.is_high(), BN_cmp(s, bn.reg(7)) > 0) << hex(bytes_of(ours));
    if (ours.is_high()) {
      ASSERT_FALSE(ours.negate().is_high()) << hex(bytes_of(ours));
    }
  }
}

TEST(Scalar256, InverseMatchesBignum) {
  Bn bn;
  Gen gen(10);
  std::vector<Scalar> inputs = edge_values();
  for (int i = 0; i < kInverseIterations; ++i) inputs.push_back(gen.scalar());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Scalar& a = inputs[i];
    const Scalar inv = a.inverse();
    if (a.is_zero()) {
      ASSERT_TRUE(inv.is_zero());
      continue;
    }
    // inv*a == 1 pins the inverse down (it is unique); BN_mod_inverse (~25 us) on a prefix.
    BIGNUM* a_bn = bn.load(0, a);
    ASSERT_EQ(BN_mod_mul(bn.reg(2), bn.load(1, inv), a_bn, bn.n(), bn.ctx()), 1);
    ASSERT_TRUE(BN_is_one(bn.reg(2))) << hex(bytes_of(a));
    ASSERT_EQ(Scalar::mul(inv, a), Scalar::one()) << hex(bytes_of(a));
    if (i < 5'000) {
      ASSERT_NE(BN_mod_inverse(bn.reg(3), a_bn, bn.n(), bn.ctx()), nullptr);
      ASSERT_EQ(bytes_of(inv), Bn::store(bn.reg(3))) << hex(bytes_of(a));
    }
  }
}

// The whole presignature pipeline through our own code, including inverse.
TEST(Scalar256, PresignPipelineMatchesBignum) {
  Bn bn;
  Gen gen(11);
  for (int i = 0; i < 2'000; ++i) {
    const Scalar k = gen.nonzero_scalar();
    const Scalar r = gen.scalar();
    const Scalar d = gen.scalar();
    const Bytes digest = gen.raw_bytes();
    const Scalar kinv = k.inverse();
    const Scalar kinv_mont = kinv.to_montgomery();
    const Scalar kinv_rd = Scalar::mul(Scalar::mul(kinv, r), d);
    const Scalar s =
        Scalar::mont_mul_add(kinv_mont, Scalar::from_bytes_be_reduced(digest), kinv_rd);

    // s*k = z + r*d mod n.
    BIGNUM* lhs = bn.reg(4);
    BN_mod_mul(lhs, bn.load(0, s), bn.load(1, k), bn.n(), bn.ctx());
    BIGNUM* rhs = bn.reg(5);
    BN_mod_mul(rhs, bn.load(2, r), bn.load(3, d), bn.n(), bn.ctx());
    BN_nnmod(bn.reg(6), bn.load(6, digest), bn.n(), bn.ctx());
    BN_mod_add(rhs, rhs, bn.reg(6), bn.n(), bn.ctx());
    ASSERT_EQ(BN_cmp(lhs, rhs), 0) << "k=" << hex(bytes_of(k)) << " z=" << hex(digest);
  }
}

TEST(Scalar256, IsHighMatchesBignum) {
  Bn bn;
  BIGNUM* half = bn.reg(1);
  BN_rshift1(half, bn.n());
  Gen gen(12);
  std::vector<Scalar> inputs = edge_values();
  for (int i = 0; i < kIterations; ++i) inputs.push_back(gen.scalar());
  for (const Scalar& a : inputs) {
    ASSERT_EQ(a.is_high(), BN_cmp(bn.load(0, a), half) > 0) << hex(bytes_of(a));
  }
  // The boundary itself: (n-1)/2 is low, (n+1)/2 is high.
  Scalar at_half;
  ASSERT_TRUE(Scalar::from_bytes_be(Bn::store(half), at_half));
  EXPECT_FALSE(at_half.is_high());
  EXPECT_TRUE(Scalar::add(at_half, Scalar::one()).is_high());
  EXPECT_FALSE(Scalar::zero().is_high());
  EXPECT_TRUE(Scalar::one().negate().is_high());
}

TEST(Scalar256, WipeAndEquality) {
  Gen gen(13);
  Scalar a = gen.nonzero_scalar();
  const Scalar copy = a;
  EXPECT_EQ(a, copy);
  EXPECT_FALSE(a == Scalar::add(copy, Scalar::one()));
  a.wipe();
  EXPECT_TRUE(a.is_zero());
  EXPECT_EQ(a, Scalar::zero());
  EXPECT_FALSE(copy.is_zero());
  EXPECT_EQ(Scalar::from_u64(7).limbs()[0], 7U);
  EXPECT_TRUE(Scalar::zero().negate().is_zero());
  EXPECT_EQ(Scalar::sub(Scalar::zero(), Scalar::one()), Scalar::one().negate());
}

}  // namespace
}  // namespace peregrine::gateways::crypto
