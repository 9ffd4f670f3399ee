// Order-path latency of the replay's in-process venues: a fixed delay, or a lognormal one drawn
// from a seeded common::Rng so a replay stays deterministic. Replay thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/events.hpp"
#include "common/rng.hpp"

namespace peregrine::engine::replay {

struct LatencySpec {
  enum class Kind : std::uint8_t { kFixed, kLognormal };
  Kind kind = Kind::kFixed;
  common::Nanos fixed = 0;   // kFixed
  common::Nanos median = 0;  // kLognormal: exp(mu)
  double sigma = 0.0;        // kLognormal: stddev of the log
};

// "fixed:<dur>" or "lognormal:<median>,<sigma>" with durations as in the config ("250us",
// "2ms"). False with *error naming what is wrong.
[[nodiscard]] bool parse_latency(std::string_view text, LatencySpec* out, std::string* error);
[[nodiscard]] std::string to_string(const LatencySpec& spec);

// One delay per message and direction. Samples are clamped to [0, kMaxLatency] so a far tail
// draw cannot park an order for minutes of replay time.
class LatencyModel {
 public:
  static constexpr common::Nanos kMaxLatency = 10'000'000'000;  // 10 s
  LatencyModel(LatencySpec spec, std::uint64_t seed) noexcept : spec_(spec), rng_(seed) {}
  [[nodiscard]] common::Nanos sample() noexcept;
  [[nodiscard]] const LatencySpec& spec() const noexcept { return spec_; }

 private:
  LatencySpec spec_;
  common::Rng rng_;
};

}  // namespace peregrine::engine::replay
