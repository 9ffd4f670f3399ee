#include "common/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace peregrine::common {
namespace {

TEST(Rng, DeterministicForASeed) {
  Rng a(123), b(123), c(124);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, UniformIsUnbiasedAndInRange) {
  Rng r(1);
  std::vector<int> counts(10, 0);
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) {
    const auto v = r.uniform(10);
    ASSERT_LT(v, 10u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, kN / 10, kN / 100);  // within 10% of expectation
}

TEST(Rng, DistributionsHaveTheRightMoments) {
  Rng r(9);
  constexpr int kN = 200'000;
  double sum_exp = 0, sum_n = 0, sum_n2 = 0, sum_u = 0;
  for (int i = 0; i < kN; ++i) {
    const double u = r.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum_u += u;
    sum_exp += r.exponential(2.0);
    const double n = r.normal();
    sum_n += n;
    sum_n2 += n * n;
  }
  EXPECT_NEAR(sum_u / kN, 0.5, 0.01);
  EXPECT_NEAR(sum_exp / kN, 2.0, 0.05);
  EXPECT_NEAR(sum_n / kN, 0.0, 0.02);
  EXPECT_NEAR(sum_n2 / kN, 1.0, 0.02);
}

TEST(Rng, OsEntropyVaries) { EXPECT_NE(os_entropy_u64(), os_entropy_u64()); }

}  // namespace
}  // namespace peregrine::common
