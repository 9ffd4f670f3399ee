// Scalar (mod the secp256k1 order) beside OpenSSL BIGNUM Montgomery multiplication.
// Each timed loop feeds its result back into the next call, so the numbers are latencies.
#include <benchmark/benchmark.h>
#include <openssl/bn.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>

#include "gateways/crypto/scalar256.hpp"

namespace {

using peregrine::gateways::crypto::Scalar;
using Bytes = std::array<std::uint8_t, Scalar::kBytes>;

Bytes random_bytes(std::mt19937_64& rng) {
  Bytes b{};
  for (std::size_t i = 0; i < b.size(); i += 8) {
    const std::uint64_t v = rng();
    for (std::size_t j = 0; j < 8; ++j) b[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  return b;
}

Scalar random_scalar(std::mt19937_64& rng) {
  return Scalar::from_bytes_be_reduced(random_bytes(rng));
}

void BM_Scalar256_MontMul(benchmark::State& state) {
  std::mt19937_64 rng(1);
  Scalar a = random_scalar(rng);
  const Scalar b = random_scalar(rng);
  for (auto _ : state) {
    a = Scalar::mont_mul(a, b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Scalar256_MontMul);

// Normal-form product: two REDCs (the second by R^2).
void BM_Scalar256_Mul(benchmark::State& state) {
  std::mt19937_64 rng(2);
  Scalar a = random_scalar(rng);
  const Scalar b = random_scalar(rng);
  for (auto _ : state) {
    a = Scalar::mul(a, b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Scalar256_Mul);

// The hot-path s computation: s = REDC(kinv_mont * z) + kinv_rd.
void BM_Scalar256_MulAdd(benchmark::State& state) {
  std::mt19937_64 rng(3);
  const Scalar kinv_mont = random_scalar(rng).inverse().to_montgomery();
  const Scalar kinv_rd = random_scalar(rng);
  Scalar z = random_scalar(rng);
  for (auto _ : state) {
    z = Scalar::mont_mul_add(kinv_mont, z, kinv_rd);
    benchmark::DoNotOptimize(z);
  }
}
BENCHMARK(BM_Scalar256_MulAdd);

// The whole online step from digest bytes to low-s signature bytes.
void BM_Scalar256_SignOnline(benchmark::State& state) {
  std::mt19937_64 rng(4);
  const Scalar kinv_mont = random_scalar(rng).inverse().to_montgomery();
  const Scalar kinv_rd = random_scalar(rng);
  std::array<Bytes, 8> digests{};
  for (auto& d : digests) d = random_bytes(rng);
  Bytes out{};
  std::size_t i = 0;
  for (auto _ : state) {
    const Scalar z = Scalar::from_bytes_be_reduced(digests[i++ & 7]);
    Scalar s = Scalar::mont_mul_add(kinv_mont, z, kinv_rd);
    if (s.is_high()) s = s.negate();
    s.to_bytes_be(out);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Scalar256_SignOnline);

void BM_Scalar256_Inverse(benchmark::State& state) {
  std::mt19937_64 rng(5);
  Scalar a = random_scalar(rng);
  for (auto _ : state) {
    a = a.inverse();
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Scalar256_Inverse);

// Reference: OpenSSL's generic Montgomery multiplication on the same modulus.
void BM_Scalar256_BignumMontMulReference(benchmark::State& state) {
  BN_CTX* ctx = BN_CTX_new();
  BN_MONT_CTX* mont = BN_MONT_CTX_new();
  BIGNUM* n = BN_new();
  BIGNUM* a = BN_new();
  BIGNUM* b = BN_new();
  BN_hex2bn(&n, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
  BN_MONT_CTX_set(mont, n, ctx);
  std::mt19937_64 rng(1);
  const Bytes a_bytes = random_bytes(rng);
  const Bytes b_bytes = random_bytes(rng);
  BN_bin2bn(a_bytes.data(), static_cast<int>(a_bytes.size()), a);
  BN_bin2bn(b_bytes.data(), static_cast<int>(b_bytes.size()), b);
  BN_nnmod(a, a, n, ctx);
  BN_nnmod(b, b, n, ctx);
  BN_to_montgomery(a, a, mont, ctx);
  BN_to_montgomery(b, b, mont, ctx);
  for (auto _ : state) {
    BN_mod_mul_montgomery(a, a, b, mont, ctx);
    benchmark::DoNotOptimize(a);
  }
  BN_free(b);
  BN_free(a);
  BN_free(n);
  BN_MONT_CTX_free(mont);
  BN_CTX_free(ctx);
}
BENCHMARK(BM_Scalar256_BignumMontMulReference);

}  // namespace
