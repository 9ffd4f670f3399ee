#include "gateways/hyperliquid/nonce.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace peregrine::gateways::hyperliquid {
namespace {

class FakeWallClock final : public common::Clock {
 public:
  explicit FakeWallClock(std::int64_t ms) : ns_(ms * 1'000'000) {}
  common::Nanos now_ns() const noexcept override { return ns_.load(); }
  void set_ms(std::int64_t ms) { ns_.store(ms * 1'000'000); }

 private:
  std::atomic<common::Nanos> ns_;
};

std::filesystem::path temp_file(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("peregrine_nonce_") + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove(p);
  return p;
}

TEST(NonceManager, FollowsTheClockAndNeverRepeats) {
  FakeWallClock clock(1'700'000'000'000);
  NonceManager n(clock, "");
  EXPECT_EQ(n.next(), 1'700'000'000'000u);
  EXPECT_EQ(n.next(), 1'700'000'000'001u);  // same ms: one ahead
  EXPECT_EQ(n.ahead_of_clock(), 1u);
  clock.set_ms(1'700'000'000'500);
  EXPECT_EQ(n.next(), 1'700'000'000'500u);
  clock.set_ms(1'699'999'999'000);  // clock stepped back: still increasing
  EXPECT_EQ(n.next(), 1'700'000'000'501u);
}

TEST(NonceManager, StrictlyIncreasingAcrossThreads) {
  FakeWallClock clock(1'700'000'000'000);
  NonceManager n(clock, "");
  constexpr int kThreads = 4;
  constexpr int kEach = 20'000;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      got[static_cast<std::size_t>(t)].reserve(kEach);
      for (int i = 0; i < kEach; ++i) got[static_cast<std::size_t>(t)].push_back(n.next());
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::uint64_t> all;
  for (auto& g : got) {
    EXPECT_TRUE(std::is_sorted(g.begin(), g.end()));
    all.insert(all.end(), g.begin(), g.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());  // no duplicates
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST(NonceManager, RestartStartsAboveEverythingUsed) {
  const auto path = temp_file("restart");
  FakeWallClock clock(1'700'000'000'000);
  std::uint64_t last = 0;
  {
    NonceManager n(clock, path.string(), 10'000);
    for (int i = 0; i < 100; ++i) last = n.next();
    EXPECT_GE(n.leased_until(), last);
  }
  clock.set_ms(1'699'999'000'000);  // restarted on a machine whose clock is behind
  NonceManager again(clock, path.string(), 10'000);
  EXPECT_GT(again.next(), last);
  std::filesystem::remove(path);
}

TEST(NonceManager, LeaseIsExtendedAheadAndSynchronouslyWhenItRunsOut) {
  const auto path = temp_file("lease");
  FakeWallClock clock(1'700'000'000'000);
  NonceManager n(clock, path.string(), 1'000);
  const auto first_lease = n.leased_until();
  clock.set_ms(1'700'000'000'700);
  n.maintain();  // less than half left: extended without any next() paying for it
  EXPECT_GT(n.leased_until(), first_lease);
  EXPECT_EQ(n.sync_persists(), 0u);
  clock.set_ms(1'700'000'100'000);  // far past the lease, no maintain(): next() persists
  const auto v = n.next();
  EXPECT_EQ(v, 1'700'000'100'000u);
  EXPECT_EQ(n.sync_persists(), 1u);
  EXPECT_GE(n.leased_until(), v);
  std::filesystem::remove(path);
}

TEST(NonceManager, CorruptFileIsAStartupError) {
  const auto path = temp_file("corrupt");
  std::ofstream(path) << "not-a-number";
  FakeWallClock clock(1'700'000'000'000);
  EXPECT_THROW(NonceManager(clock, path.string()), std::runtime_error);
  std::filesystem::remove(path);
}

TEST(NonceManager, UnwritablePathIsAStartupError) {
  FakeWallClock clock(1'700'000'000'000);
  EXPECT_THROW(NonceManager(clock, "/nonexistent-dir/peregrine/nonce"), std::runtime_error);
}

TEST(NonceManager, SkipToJumpsPastARejectedRange) {
  FakeWallClock clock(1'700'000'000'000);
  NonceManager n(clock, "");
  static_cast<void>(n.next());
  n.skip_to(1'700'000'005'000);
  EXPECT_EQ(n.next(), 1'700'000'005'001u);
  EXPECT_FALSE(n.outside_window());
  n.skip_to(1'700'000'000'000 + 2 * 86'400'000LL);
  EXPECT_TRUE(n.outside_window());
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
