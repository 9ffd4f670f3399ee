// Latency models of the replay venues; see latency_model.hpp.
#include "engine/replay/latency_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/config.hpp"

namespace peregrine::engine::replay {

namespace {

bool parse_positive_duration(std::string_view text, bool allow_zero, common::Nanos* out,
                             std::string* error) {
  auto d = common::parse_duration(text);
  if (!d.ok()) {
    *error = "'" + std::string(text) + "': " + d.error();
    return false;
  }
  const common::Nanos ns = d.value().count();
  if (ns < 0 || (!allow_zero && ns == 0)) {
    *error = "'" + std::string(text) + "': must be " + (allow_zero ? "non-negative" : "positive");
    return false;
  }
  *out = ns;
  return true;
}

}  // namespace

bool parse_latency(std::string_view text, LatencySpec* out, std::string* error) {
  constexpr std::string_view kFixed = "fixed:";
  constexpr std::string_view kLognormal = "lognormal:";
  LatencySpec spec;
  if (text.starts_with(kFixed)) {
    spec.kind = LatencySpec::Kind::kFixed;
    if (!parse_positive_duration(text.substr(kFixed.size()), true, &spec.fixed, error)) {
      return false;
    }
  } else if (text.starts_with(kLognormal)) {
    spec.kind = LatencySpec::Kind::kLognormal;
    const std::string_view rest = text.substr(kLognormal.size());
    const auto comma = rest.find(',');
    if (comma == std::string_view::npos) {
      *error = "lognormal needs <median>,<sigma> (e.g. lognormal:2ms,0.5)";
      return false;
    }
    if (!parse_positive_duration(rest.substr(0, comma), false, &spec.median, error)) return false;
    auto sigma = common::parse_double(rest.substr(comma + 1));
    if (!sigma.ok() || !(sigma.value() >= 0.0) || sigma.value() > 5.0) {
      *error = "sigma '" + std::string(rest.substr(comma + 1)) + "' must be a number in [0, 5]";
      return false;
    }
    spec.sigma = sigma.value();
  } else {
    *error = "'" + std::string(text) + "': expected fixed:<dur> or lognormal:<median>,<sigma>";
    return false;
  }
  *out = spec;
  return true;
}

std::string to_string(const LatencySpec& spec) {
  if (spec.kind == LatencySpec::Kind::kFixed) {
    return "fixed:" + std::to_string(spec.fixed) + "ns";
  }
  char sigma[32];
  const auto r = std::to_chars(sigma, sigma + sizeof(sigma), spec.sigma);
  return "lognormal:" + std::to_string(spec.median) + "ns," + std::string(sigma, r.ptr);
}

common::Nanos LatencyModel::sample() noexcept {
  if (spec_.kind == LatencySpec::Kind::kFixed) return spec_.fixed;
  const double draw = static_cast<double>(spec_.median) * std::exp(spec_.sigma * rng_.normal());
  const double clamped = std::clamp(draw, 0.0, static_cast<double>(kMaxLatency));
  return static_cast<common::Nanos>(std::llround(clamped));
}

}  // namespace peregrine::engine::replay
