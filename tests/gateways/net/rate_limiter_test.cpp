#include "gateways/net/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace peregrine::gateways::net {
namespace {

constexpr common::Nanos kMs = 1'000'000;
constexpr common::Nanos kSec = 1000 * kMs;

TEST(RateLimiter, BinanceOrderWindowsAreExact) {
  RateLimiter rl(binance::usdm_limits(), 0);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(rl.try_acquire(binance::kClassOrder, 1, 0).allowed) << i;
  }
  const Acquire denied = rl.try_acquire(binance::kClassOrder, 1, 0);
  EXPECT_FALSE(denied.allowed);
  // One order refills in 10 s / 300 = 33,333,333.3 ns: the first whole nanosecond after.
  EXPECT_EQ(denied.wait_ns, 33'333'334);
  EXPECT_FALSE(rl.try_acquire(binance::kClassOrder, 1, 33'333'333).allowed);
  EXPECT_TRUE(rl.try_acquire(binance::kClassOrder, 1, 33'333'334).allowed);
  EXPECT_EQ(rl.denied(), 2u);
  // The minute counter saw all 301 orders; the IP weight bucket none (order weight 0 on IP).
  EXPECT_EQ(rl.available(2, 33'333'334), 1200u - 301u);
  EXPECT_EQ(rl.available(0, 33'333'334), 2400u);
}

TEST(RateLimiter, MinuteOrderLimitBindsInTheLongRun) {
  RateLimiter rl(binance::usdm_limits(), 0);
  // Greedy sender, one try every 10 ms for 300 s. The 10 s counter alone would allow
  // 300 + 30/s·300 s = 9300; the minute counter allows 1200 + 20/s·300 s = 7200 and binds.
  int allowed = 0;
  Acquire last_denial;
  for (int i = 0; i < 30'000; ++i) {
    const Acquire a = rl.try_acquire(binance::kClassOrder, 1, i * 10 * kMs);
    if (a.allowed) {
      ++allowed;
    } else {
      last_denial = a;
    }
  }
  EXPECT_NEAR(allowed, 7200, 1);
  EXPECT_GT(last_denial.wait_ns, 0);
  EXPECT_LE(last_denial.wait_ns, 50 * kMs);  // the minute bucket's one-order refill time
}

TEST(RateLimiter, WeightAndWaitOnIpBucket) {
  RateLimiter rl(binance::usdm_limits(), 0);
  EXPECT_TRUE(rl.try_acquire(binance::kClassRest, 2400, 0).allowed);
  const Acquire a = rl.try_acquire(binance::kClassRest, 20, 0);
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.wait_ns, 20 * 25 * kMs);  // 2400/min = one weight per 25 ms
  EXPECT_TRUE(rl.peek(binance::kClassRest, 20, 500 * kMs).allowed);
  EXPECT_EQ(rl.available(0, 500 * kMs), 20u);                           // peek charged nothing
  EXPECT_EQ(rl.try_acquire(binance::kClassRest, 2401, 0).wait_ns, -1);  // never fits
  EXPECT_EQ(rl.try_acquire(99, 1, 0).wait_ns, -1);                      // unknown class
}

TEST(RateLimiter, BinanceHeadersCorrectOurCount) {
  RateLimiter rl(binance::usdm_limits(), 0);
  ASSERT_TRUE(rl.try_acquire(binance::kClassRest, 100, 0).allowed);
  EXPECT_EQ(rl.available(0, 0), 2300u);
  // The venue saw more (another process on our IP): trust it.
  EXPECT_TRUE(rl.update_from_binance_header("X-MBX-USED-WEIGHT-1M", "500", 0));
  EXPECT_EQ(rl.available(0, 0), 1900u);
  EXPECT_EQ(rl.header_corrections(), 1u);
  // The venue saw less (our in-flight requests not counted yet): keep ours.
  EXPECT_TRUE(rl.update_from_binance_header("x-mbx-used-weight-1m", "50", 0));
  EXPECT_EQ(rl.available(0, 0), 1900u);
  EXPECT_EQ(rl.header_corrections(), 1u);
  // Order counters by window.
  EXPECT_TRUE(rl.update_from_binance_header("X-MBX-ORDER-COUNT-10S", "299", 0));
  EXPECT_EQ(rl.available(1, 0), 1u);
  EXPECT_TRUE(rl.update_from_binance_header("X-MBX-ORDER-COUNT-1M", "1200", 0));
  const Acquire a = rl.try_acquire(binance::kClassOrder, 1, 0);
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.wait_ns, 50 * kMs);  // 1200/min = one order per 50 ms
  // Junk is rejected, never applied.
  EXPECT_FALSE(rl.update_from_binance_header("X-MBX-USED-WEIGHT-1M", "12x", 0));
  EXPECT_FALSE(rl.update_from_binance_header("X-MBX-USED-WEIGHT-1Q", "1", 0));
  EXPECT_FALSE(rl.update_from_binance_header("X-MBX-USED-WEIGHT-", "1", 0));
  EXPECT_FALSE(rl.update_from_binance_header("X-MBX-USED-WEIGHT-5M", "1", 0));  // no 5 min bucket
  EXPECT_FALSE(rl.update_from_binance_header("Content-Length", "1", 0));
  EXPECT_EQ(rl.available(0, 0), 1900u);
}

TEST(RateLimiter, BybitPerEndpointBucketsAreIndependentButShareTheIpLimit) {
  RateLimiter rl(bybit::linear_limits(), 0);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rl.try_acquire(bybit::kClassCreate, 1, 0).allowed);
  const Acquire a = rl.try_acquire(bybit::kClassCreate, 1, 0);
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.wait_ns, 100 * kMs);
  EXPECT_TRUE(rl.try_acquire(bybit::kClassCancel, 1, 0).allowed);
  EXPECT_EQ(rl.available(0, 0), 600u - 11u);  // bucket 0: the 600 / 5 s IP limit
  for (int i = 0; i < 589; ++i) ASSERT_TRUE(rl.try_acquire(bybit::kClassPublic, 1, 0).allowed);
  EXPECT_FALSE(rl.try_acquire(bybit::kClassWallet, 1, 0).allowed);  // IP limit exhausted
}

TEST(RateLimiter, HyperliquidAndCoinbasePresets) {
  EXPECT_EQ(hyperliquid::exchange_weight(1), 1u);
  EXPECT_EQ(hyperliquid::exchange_weight(39), 1u);
  EXPECT_EQ(hyperliquid::exchange_weight(40), 2u);
  EXPECT_EQ(hyperliquid::exchange_weight(79), 2u);
  EXPECT_EQ(hyperliquid::info_weight("l2Book"), 2u);
  EXPECT_EQ(hyperliquid::info_weight("clearinghouseState"), 2u);
  EXPECT_EQ(hyperliquid::info_weight("userRole"), 60u);
  EXPECT_EQ(hyperliquid::info_weight("userFills"), 20u);
  RateLimiter hl(hyperliquid::limits(), 0);
  int sent = 0;
  while (hl.try_acquire(hyperliquid::kClassRest, hyperliquid::info_weight("userFills"), 0).allowed)
    ++sent;
  EXPECT_EQ(sent, 1200 / 20);
  EXPECT_TRUE(hl.try_acquire(hyperliquid::kClassWsMessage, 1, 0).allowed);

  RateLimiter cb(coinbase::advanced_limits(), 0);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(cb.try_acquire(coinbase::kClassPrivate, 1, 0).allowed);
  EXPECT_FALSE(cb.try_acquire(coinbase::kClassPrivate, 1, 0).allowed);
  EXPECT_TRUE(cb.try_acquire(coinbase::kClassPublic, 1, 0).allowed);
  EXPECT_FALSE(coinbase::advanced_limits().source.empty());
}

TEST(RateLimiter, RefillCapsAtTheLimitAndIgnoresTimeGoingBack) {
  RateLimiter rl(coinbase::advanced_limits(), 0);
  EXPECT_EQ(rl.available(0, 100 * kSec), 30u);  // a long pause never banks more than the limit
  ASSERT_TRUE(rl.try_acquire(coinbase::kClassPrivate, 30, 100 * kSec).allowed);
  EXPECT_EQ(rl.available(0, 99 * kSec), 0u);  // an older timestamp refills nothing
  EXPECT_EQ(rl.available(0, 100 * kSec + 100 * kMs), 3u);
}

}  // namespace
}  // namespace peregrine::gateways::net
