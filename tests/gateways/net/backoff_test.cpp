#include "gateways/net/backoff.hpp"

#include <gtest/gtest.h>

namespace peregrine::gateways::net {
namespace {

constexpr common::Nanos kMs = 1'000'000;

TEST(Backoff, CeilingDoublesUpToCap) {
  Backoff b(BackoffPolicy{100 * kMs, 1000 * kMs, 0, 0});
  EXPECT_EQ(b.ceiling(0), 100 * kMs);
  EXPECT_EQ(b.ceiling(1), 200 * kMs);
  EXPECT_EQ(b.ceiling(3), 800 * kMs);
  EXPECT_EQ(b.ceiling(4), 1000 * kMs);
  EXPECT_EQ(b.ceiling(1000), 1000 * kMs);  // no overflow however many attempts
}

TEST(Backoff, NoJitterIsExactSequence) {
  Backoff b(BackoffPolicy{10 * kMs, 50 * kMs, 0, 0});
  common::Rng rng(1);
  EXPECT_EQ(b.next_delay(rng), 10 * kMs);
  EXPECT_EQ(b.next_delay(rng), 20 * kMs);
  EXPECT_EQ(b.next_delay(rng), 40 * kMs);
  EXPECT_EQ(b.next_delay(rng), 50 * kMs);
  EXPECT_EQ(b.attempt(), 4u);
}

TEST(Backoff, JitterStaysInRangeAndFollowsTheRng) {
  const BackoffPolicy policy{100 * kMs, 10'000 * kMs, 500, 0};
  Backoff b(policy);
  common::Rng rng(7);
  common::Rng replay(7);
  bool saw_jitter = false;
  for (std::uint32_t i = 0; i < 12; ++i) {
    const common::Nanos ceil = b.ceiling(i);
    const common::Nanos d = b.next_delay(rng);
    EXPECT_LE(d, ceil);
    EXPECT_GE(d, ceil / 2);
    // Same seed, same draw: d = ceil - uniform(ceil/2 + 1).
    const auto span = static_cast<std::uint64_t>(ceil / 2);
    EXPECT_EQ(d, ceil - static_cast<common::Nanos>(replay.uniform(span + 1)));
    saw_jitter |= d != ceil;
  }
  EXPECT_TRUE(saw_jitter);
}

TEST(Backoff, ResetsOnlyAfterConnectionStayedUp) {
  Backoff b(BackoffPolicy{10 * kMs, 1000 * kMs, 0, 5000 * kMs});
  common::Rng rng(1);
  (void)b.next_delay(rng);
  (void)b.next_delay(rng);
  EXPECT_EQ(b.attempt(), 2u);
  b.on_connected(0);
  b.on_disconnected(4999 * kMs);  // flapping: keeps growing
  EXPECT_EQ(b.attempt(), 2u);
  b.on_connected(10'000 * kMs);
  b.on_disconnected(15'000 * kMs);  // stayed up 5 s: start over
  EXPECT_EQ(b.attempt(), 0u);
  EXPECT_EQ(b.next_delay(rng), 10 * kMs);
}

}  // namespace
}  // namespace peregrine::gateways::net
