// The presigned path: every signature recovers to the signer, is low-s, never repeats R, each
// presignature is used once and wiped, and an empty pool falls back to RFC 6979 (counted).
#include "gateways/crypto/presign_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_set>

namespace peregrine::gateways::crypto {
namespace {

std::shared_ptr<const EcdsaKey> test_key() {
  return EcdsaKey::from_hex("0x0123456789012345678901234567890123456789012345678901234567890123")
      .value();
}

Hash32 digest_of(std::uint64_t i) {
  const std::string s = "action-" + std::to_string(i);
  return keccak256(s);
}

TEST(PresignPool, HundredThousandSignaturesRecoverAreLowSAndNeverRepeatR) {
#ifdef PEREGRINE_SANITIZED
  constexpr std::uint64_t kCount = 10'000;  // same checks; instrumentation is ~10x slower
#else
  constexpr std::uint64_t kCount = 100'000;
#endif
  auto key = test_key();
  PresignPool pool(key, 4096);
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      if (pool.refill(64) == 0) std::this_thread::yield();
    }
  });
  std::unordered_set<std::string> seen_r;
  seen_r.reserve(kCount);
  std::uint64_t done = 0;
  while (done < kCount) {
    if (pool.available() == 0) {  // only presigned ones count here; wait for the producer
      std::this_thread::yield();
      continue;
    }
    const Hash32 d = digest_of(done);
    const RecoverableSignature sig = pool.sign(d);
    ASSERT_TRUE(is_low_s(sig)) << done;
    Address who;
    ASSERT_TRUE(recover_address(d, sig, &who)) << done;
    ASSERT_EQ(who, key->address()) << done;
    ASSERT_TRUE(seen_r.insert(std::string(sig.r.begin(), sig.r.end())).second) << "R repeated";
    ++done;
  }
  stop.store(true);
  producer.join();
  EXPECT_EQ(pool.presigned_used(), kCount);
  EXPECT_EQ(pool.fallbacks(), 0u);
  EXPECT_TRUE(pool.empty_slots_are_wiped());
}

TEST(PresignPool, EmptyPoolFallsBackToRfc6979AndCountsIt) {
  auto key = test_key();
  PresignPool pool(key, 8);
  const Hash32 d = digest_of(1);
  const auto sig = pool.sign(d);
  EXPECT_EQ(sig, key->sign(d));  // deterministic fallback
  EXPECT_EQ(pool.fallbacks(), 1u);
  EXPECT_EQ(pool.presigned_used(), 0u);
}

TEST(PresignPool, EachEntryIsUsedOnceAndWiped) {
  auto key = test_key();
  PresignPool pool(key, 8);
  EXPECT_EQ(pool.refill(100), 8);  // bounded by capacity
  EXPECT_EQ(pool.refill(100), 0);
  EXPECT_EQ(pool.available(), 8u);
  const Hash32 d = digest_of(7);
  const auto a = pool.sign(d);
  const auto b = pool.sign(d);
  EXPECT_NE(a.r, b.r);  // same digest, different presignature: never the same k twice
  EXPECT_EQ(pool.available(), 6u);
  EXPECT_TRUE(pool.empty_slots_are_wiped());
  for (int i = 0; i < 6; ++i) static_cast<void>(pool.sign(d));
  EXPECT_EQ(pool.available(), 0u);
  EXPECT_TRUE(pool.empty_slots_are_wiped());
  EXPECT_EQ(pool.presigned_used(), 8u);
  EXPECT_EQ(pool.refill(3), 3);  // the ring wraps around
  Address who;
  const auto c = pool.sign(d);
  ASSERT_TRUE(recover_address(d, c, &who));
  EXPECT_EQ(who, key->address());
}

TEST(PresignPool, FinishFlipsRecoveryIdWhenNormalizingS) {
  // Over many presignatures both branches (s high and s low) occur; both must recover.
  auto key = test_key();
  int flipped = 0;
  for (int i = 0; i < 200; ++i) {
    Presignature p;
    ASSERT_TRUE(make_presignature(*key, &p));
    const Hash32 d = digest_of(static_cast<std::uint64_t>(i));
    RecoverableSignature sig;
    ASSERT_TRUE(finish_presigned(p, d, &sig));
    flipped += (sig.recid != p.recid) ? 1 : 0;
    Address who;
    ASSERT_TRUE(recover_address(d, sig, &who));
    ASSERT_EQ(who, key->address());
    p.wipe();
  }
  EXPECT_GT(flipped, 40);  // about half
  EXPECT_LT(flipped, 160);
}

}  // namespace
}  // namespace peregrine::gateways::crypto
