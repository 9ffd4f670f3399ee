#include "common/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace peregrine::common {
namespace {

TEST(TscClock, TracksSteadyClock) {
  TscClock tsc(5'000'000);
  SteadyClock steady;
  const Nanos a_tsc = tsc.now_ns();
  const Nanos a_steady = steady.now_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const Nanos b_tsc = tsc.now_ns();
  const Nanos b_steady = steady.now_ns();
  const double ratio =
      static_cast<double>(b_tsc - a_tsc) / static_cast<double>(b_steady - a_steady);
  // Calibration error over a short window; a broken multiplier would be off by orders.
  EXPECT_NEAR(ratio, 1.0, 0.05) << "uses_tsc=" << tsc.uses_tsc();
  EXPECT_NEAR(static_cast<double>(a_tsc), static_cast<double>(a_steady), 5e6);
}

TEST(TscClock, IsMonotonic) {
  TscClock tsc(1'000'000);
  Nanos prev = tsc.now_ns();
  for (int i = 0; i < 100'000; ++i) {
    const Nanos now = tsc.now_ns();
    ASSERT_GE(now, prev);
    prev = now;
  }
}

// The session's clock: TSC speed on the wall-clock timeline, so gateway stamps taken with a
// WallClock (venue signing needs epoch time) compare with the core's.
TEST(TscClock, EpochTimelineAgreesWithTheWallClock) {
  TscClock tsc(5'000'000, TscTimeline::kEpoch);
  WallClock wall;
  for (int i = 0; i < 5; ++i) {
    const Nanos a = tsc.now_ns();
    const Nanos w = wall.now_ns();
    // A steady-timeline clock would be decades off; a few ms covers scheduling on a busy box.
    EXPECT_NEAR(static_cast<double>(a), static_cast<double>(w), 5e6);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Nanos prev = tsc.now_ns();
  for (int i = 0; i < 10'000; ++i) {
    const Nanos now = tsc.now_ns();
    ASSERT_GE(now, prev);
    prev = now;
  }
}

TEST(WallClock, IsEpochBased) {
  WallClock wall;
  // After 2024-01-01 and before 2100-01-01.
  EXPECT_GT(wall.now_ns(), 1'704'067'200'000'000'000LL);
  EXPECT_LT(wall.now_ns(), 4'102'444'800'000'000'000LL);
}

TEST(ReplayClock, FollowsEventsForwardOnly) {
  ReplayClock c(100);
  EXPECT_EQ(c.now_ns(), 100);
  c.advance_to(250);
  EXPECT_EQ(c.now_ns(), 250);
  c.advance_to(200);  // late event: time does not go back
  EXPECT_EQ(c.now_ns(), 250);
  EXPECT_EQ(c.backwards_steps(), 1u);
  const Clock& as_interface = c;
  EXPECT_EQ(as_interface.now_ns(), 250);
}

}  // namespace
}  // namespace peregrine::common
