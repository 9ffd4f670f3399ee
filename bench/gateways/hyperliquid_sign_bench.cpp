// Hyperliquid signing beside its floor, bare libsecp256k1 signing, in one binary:
//   floor:  secp256k1_ecdsa_sign_recoverable on a 32-byte digest
//   ours:   RFC 6979 path; presigned online step; intent -> complete /exchange body (both paths)
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <vector>

#include "gateways/crypto/presign_pool.hpp"
#include "gateways/hyperliquid/actions.hpp"
#include "gateways/hyperliquid/signer.hpp"

namespace {

using namespace peregrine::gateways;  // NOLINT(build/namespaces): benchmark file
using peregrine::common::ClientOrderId;
using peregrine::common::Price;
using peregrine::common::Qty;

std::shared_ptr<const crypto::EcdsaKey> bench_key() {
  // A throwaway key: the presigned benchmark cycles presignatures, which real code never does.
  return crypto::EcdsaKey::from_hex(
             "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
      .value();
}

std::vector<crypto::Presignature> make_presignatures(const crypto::EcdsaKey& key, std::size_t n) {
  std::vector<crypto::Presignature> v(n);
  for (auto& p : v) {
    while (!crypto::make_presignature(key, &p)) {
    }
  }
  return v;
}

crypto::Hash32 digest_n(std::uint64_t i) {
  crypto::Hash32 d{};
  for (int b = 0; b < 8; ++b)
    d[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(i >> (8 * b));
  d[31] = 0x5a;
  return d;
}

void BM_Secp256k1_SignRecoverableBare(benchmark::State& state) {
  auto key = bench_key();
  secp256k1_ecdsa_recoverable_signature sig;
  std::uint64_t i = 0;
  for (auto _ : state) {
    const auto d = digest_n(i++);
    benchmark::DoNotOptimize(secp256k1_ecdsa_sign_recoverable(
        crypto::secp_context(), &sig, d.data(), key->secret_bytes().data(), nullptr, nullptr));
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_Secp256k1_SignRecoverableBare);

void BM_HlSigner_Rfc6979(benchmark::State& state) {
  auto key = bench_key();
  std::uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(key->sign(digest_n(i++)));
}
BENCHMARK(BM_HlSigner_Rfc6979);

void BM_HlSigner_PresignedFinish(benchmark::State& state) {
  auto key = bench_key();
  const auto pre = make_presignatures(*key, 1024);
  std::uint64_t i = 0;
  crypto::RecoverableSignature sig;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::finish_presigned(pre[i & 1023], digest_n(i), &sig));
    ++i;
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_HlSigner_PresignedFinish);

void BM_HlSigner_PresignMake(benchmark::State& state) {
  auto key = bench_key();
  crypto::Presignature p;
  for (auto _ : state) benchmark::DoNotOptimize(crypto::make_presignature(*key, &p));
  p.wipe();
}
BENCHMARK(BM_HlSigner_PresignMake);

hyperliquid::OrderWire sample_order(std::uint64_t i) {
  hyperliquid::OrderWire o;
  o.asset = 0;
  o.is_buy = (i & 1) != 0;
  o.price = Price::from_raw(6'180'000'000'000 + static_cast<std::int64_t>(i % 100) * 100'000'000);
  o.size = Qty::parse("0.001").value();
  o.tif = hyperliquid::Tif::kAlo;
  o.cloid = ClientOrderId{0xfeed, i};
  return o;
}

// Intent popped -> msgpack -> connectionId -> EIP-712 digest -> signature -> /exchange JSON.
template <bool kPresigned>
void intent_to_body(benchmark::State& state) {
  auto key = bench_key();
  const auto pre =
      kPresigned ? make_presignatures(*key, 1024) : std::vector<crypto::Presignature>{};
  char mp_buf[1024];
  char body_buf[2048];
  std::uint64_t i = 0;
  for (auto _ : state) {
    const hyperliquid::OrderWire o = sample_order(i);
    const hyperliquid::OrderAction action{std::span(&o, 1), hyperliquid::Grouping::kNa,
                                          std::nullopt};
    hyperliquid::ByteSink mp(mp_buf, sizeof(mp_buf));
    benchmark::DoNotOptimize(hyperliquid::encode_msgpack(action, mp));
    hyperliquid::L1Options opts;
    opts.nonce = 1'763'700'000'000 + i;
    const auto digest = hyperliquid::l1_digest(hyperliquid::action_hash(mp.view(), opts), true);
    crypto::RecoverableSignature sig;
    if constexpr (kPresigned) {
      benchmark::DoNotOptimize(crypto::finish_presigned(pre[i & 1023], digest, &sig));
    } else {
      sig = key->sign(digest);
    }
    hyperliquid::ByteSink body(body_buf, sizeof(body_buf));
    benchmark::DoNotOptimize(hyperliquid::write_exchange_body(body, action, sig, opts));
    benchmark::DoNotOptimize(body_buf);
    ++i;
  }
}
void BM_HlSigner_IntentToBodyPresigned(benchmark::State& s) { intent_to_body<true>(s); }
void BM_HlSigner_IntentToBodyRfc6979(benchmark::State& s) { intent_to_body<false>(s); }
BENCHMARK(BM_HlSigner_IntentToBodyPresigned);
BENCHMARK(BM_HlSigner_IntentToBodyRfc6979);

void BM_HlSigner_EncodeAndHashOnly(benchmark::State& state) {
  char mp_buf[1024];
  std::uint64_t i = 0;
  for (auto _ : state) {
    const hyperliquid::OrderWire o = sample_order(i);
    const hyperliquid::OrderAction action{std::span(&o, 1), hyperliquid::Grouping::kNa,
                                          std::nullopt};
    hyperliquid::ByteSink mp(mp_buf, sizeof(mp_buf));
    benchmark::DoNotOptimize(hyperliquid::encode_msgpack(action, mp));
    hyperliquid::L1Options opts;
    opts.nonce = 1'763'700'000'000 + i++;
    benchmark::DoNotOptimize(
        hyperliquid::l1_digest(hyperliquid::action_hash(mp.view(), opts), true));
  }
}
BENCHMARK(BM_HlSigner_EncodeAndHashOnly);

}  // namespace
