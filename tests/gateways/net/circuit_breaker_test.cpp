#include "gateways/net/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace peregrine::gateways::net {
namespace {

constexpr common::Nanos kMs = 1'000'000;

struct Transition {
  BreakerState from;
  BreakerState to;
  common::Nanos at;
};

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreakerTest() : breaker_(BreakerConfig{3, 1000 * kMs, 500 * kMs, 2}) {
    breaker_.set_listener([this](BreakerState from, BreakerState to, common::Nanos now) {
      transitions_.push_back({from, to, now});
    });
  }
  CircuitBreaker breaker_;
  std::vector<Transition> transitions_;
};

TEST_F(CircuitBreakerTest, OpensOnThresholdWithinWindow) {
  breaker_.on_failure(FailureKind::kError, 0);
  breaker_.on_timeout(100 * kMs);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_TRUE(breaker_.allow(150 * kMs));
  breaker_.on_failure(FailureKind::kError, 200 * kMs);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0].to, BreakerState::kOpen);
  EXPECT_EQ(transitions_[0].at, 200 * kMs);
  EXPECT_FALSE(breaker_.allow(300 * kMs));
  EXPECT_EQ(breaker_.rejected_while_open(), 1u);
  EXPECT_EQ(breaker_.opens(), 1u);
}

TEST_F(CircuitBreakerTest, FailuresSpreadOutsideTheWindowDoNotOpen) {
  breaker_.on_failure(FailureKind::kError, 0);
  breaker_.on_failure(FailureKind::kError, 600 * kMs);
  breaker_.on_failure(FailureKind::kError, 1000 * kMs);  // oldest of 3 is exactly 1 s old
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  breaker_.on_failure(FailureKind::kError, 1100 * kMs);  // 600, 1000, 1100: within 1 s
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, RejectsDoNotCountButRateLimitsDo) {
  for (int i = 0; i < 10; ++i) breaker_.on_failure(FailureKind::kRejected, i * kMs);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker_.failures(), 0u);
  for (int i = 0; i < 3; ++i) breaker_.on_failure(FailureKind::kRateLimited, 20 * kMs + i);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, HalfOpenAdmitsProbesThenClosesOnSuccess) {
  for (int i = 0; i < 3; ++i) breaker_.on_failure(FailureKind::kError, i * kMs);
  ASSERT_EQ(breaker_.state(), BreakerState::kOpen);  // opened at 2 ms, until 502 ms
  EXPECT_FALSE(breaker_.allow(501 * kMs));
  EXPECT_TRUE(breaker_.allow(502 * kMs));
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  EXPECT_TRUE(breaker_.allow(503 * kMs));
  EXPECT_FALSE(breaker_.allow(504 * kMs));  // only two probes in flight
  breaker_.on_success(510 * kMs);
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  breaker_.on_success(520 * kMs);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  ASSERT_EQ(transitions_.size(), 3u);
  EXPECT_EQ(transitions_[1].from, BreakerState::kOpen);
  EXPECT_EQ(transitions_[1].to, BreakerState::kHalfOpen);
  EXPECT_EQ(transitions_[2].to, BreakerState::kClosed);
  // Fresh window after closing: two failures are not enough.
  breaker_.on_failure(FailureKind::kError, 530 * kMs);
  breaker_.on_failure(FailureKind::kError, 531 * kMs);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
}

TEST_F(CircuitBreakerTest, HalfOpenFailureReopens) {
  for (int i = 0; i < 3; ++i) breaker_.on_failure(FailureKind::kError, i * kMs);
  EXPECT_TRUE(breaker_.allow(600 * kMs));
  breaker_.on_timeout(700 * kMs);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker_.opens(), 2u);
  EXPECT_FALSE(breaker_.allow(1199 * kMs));  // reopened at 700 ms for another 500 ms
  EXPECT_TRUE(breaker_.allow(1200 * kMs));
}

TEST(CircuitBreaker, ThresholdOneOpensImmediately) {
  CircuitBreaker b(BreakerConfig{1, 1000, 1000, 1});
  b.on_failure(FailureKind::kTimeout, 5);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(to_string(b.state()), "open");
}

}  // namespace
}  // namespace peregrine::gateways::net
