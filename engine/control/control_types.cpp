#include "engine/control/control_types.hpp"

namespace peregrine::engine::control {

std::string_view to_string(RiskState s) noexcept {
  switch (s) {
    case RiskState::kNormal:
      return "normal";
    case RiskState::kReducingOnly:
      return "reducing_only";
    case RiskState::kHalted:
      return "halted";
  }
  return "unknown";
}

std::string_view to_string(CommandKind k) noexcept {
  switch (k) {
    case CommandKind::kNewOrder:
      return "new_order";
    case CommandKind::kClosePosition:
      return "close_position";
    case CommandKind::kReducePosition:
      return "reduce_position";
    case CommandKind::kKill:
      return "kill";
    case CommandKind::kSignal:
      return "signal";
  }
  return "unknown";
}

void fill_stage_latency(std::string_view stage, const common::LatencyHistogram& h,
                        StageLatency* out) noexcept {
  out->stage.assign(stage);
  out->count = h.count();
  out->sum_ns = static_cast<std::uint64_t>(h.mean() * static_cast<double>(h.count()));
  out->p50_ns = h.p50();
  out->p90_ns = h.p90();
  out->p99_ns = h.p99();
  out->p999_ns = h.p999();
  out->max_ns = h.max();
  out->cumulative.fill(0);
  std::size_t bound = 0;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < common::LatencyHistogram::kBucketCount; ++i) {
    const std::uint64_t c = h.bucket_count_at(i);
    if (c == 0) continue;
    const std::uint64_t hi = common::LatencyHistogram::bucket_highest(i);
    while (bound < kLatencyBucketBoundsNs.size() && hi > kLatencyBucketBoundsNs[bound]) {
      out->cumulative[bound] = running;
      ++bound;
    }
    running += c;
  }
  for (; bound < kLatencyBucketBoundsNs.size(); ++bound) out->cumulative[bound] = running;
}

}  // namespace peregrine::engine::control
