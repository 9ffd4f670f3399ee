// What a session reports: per venue and per strategy orders, fills, denials and PnL, and
// per-stage latency percentiles. Filled on the core thread, copied by queue to the session
// thread (trivially copyable, fixed size), printed as the live status line, the summary table
// and report.json.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"

namespace peregrine::engine {

inline constexpr std::size_t kMaxSessionStrategies = 16;  // index 0 = manual (control API)

struct PnlCell {
  std::uint64_t orders = 0;  // intents admitted and queued to the venue
  std::uint64_t fills = 0;
  std::uint64_t denials = 0;
  std::uint64_t rejects = 0;  // rejected by the venue
  common::Money realized;     // realized PnL net of nothing (fees separate)
  common::Money fees;         // paid (negative = rebates received)
  common::Money unrealized;   // at the valid book's mid when the snapshot was taken
  common::Qty volume;         // filled base quantity
  [[nodiscard]] common::Money net() const noexcept;  // realized + unrealized - fees
};

enum class StatsStage : std::uint8_t {
  kMdToStrategy,    // market-data event received (gateway) -> strategy called (core)
  kSubmitToQueued,  // strategy submit -> intent in the venue's order queue (risk + OMS)
  kExecToStrategy,  // execution report received (gateway) -> strategy called (core)
  kIntentToWire,    // intent popped (order gateway) -> request bytes written
  kWireToAck,       // request written -> venue answer parsed
  kCount
};
inline constexpr std::size_t kStatsStageCount = static_cast<std::size_t>(StatsStage::kCount);
[[nodiscard]] std::string_view to_string(StatsStage s) noexcept;

struct StagePercentiles {
  std::uint64_t count = 0;
  std::uint64_t p50 = 0;
  std::uint64_t p99 = 0;
  std::uint64_t p999 = 0;
};

enum class RiskMode : std::uint8_t { kNormal, kReducingOnly, kHalted };
[[nodiscard]] std::string_view to_string(RiskMode m) noexcept;

struct SessionStats {
  common::Nanos elapsed = 0;
  std::uint64_t md_events = 0;
  std::uint64_t exec_events = 0;
  RiskMode risk = RiskMode::kNormal;
  std::uint16_t strategy_count = 0;  // including slot 0 (manual)
  std::array<std::array<char, 24>, kMaxSessionStrategies> strategy_names{};
  // [strategy][venue]
  std::array<std::array<PnlCell, common::kVenueCount>, kMaxSessionStrategies> cells{};
  std::array<std::uint64_t, common::kDenyReasonCount> denials_by_reason{};
  std::array<StagePercentiles, kStatsStageCount> latency{};
  std::array<bool, common::kVenueCount> venue_enabled{};
  std::array<common::VenueState, common::kVenueCount> venue_state{};

  [[nodiscard]] PnlCell venue_total(common::VenueId v) const noexcept;
  [[nodiscard]] PnlCell strategy_total(std::size_t strategy) const noexcept;
  [[nodiscard]] PnlCell total() const noexcept;
  void set_strategy_name(std::size_t i, std::string_view name) noexcept;
  [[nodiscard]] std::string_view strategy_name(std::size_t i) const noexcept;
};
static_assert(std::is_trivially_copyable_v<SessionStats>);

// One line, rewritten in place on a terminal: elapsed, events/s, orders, fills, PnL, risk.
[[nodiscard]] std::string status_line(const SessionStats& now, const SessionStats& before);
// The end-of-session table: orders, fills, denials by reason, PnL by strategy and venue,
// latency p50/p99/p99.9 per stage.
void write_summary(std::ostream& out, const SessionStats& s);
// The same figures, machine-readable (documented in docs/paper_trading.md).
void write_report_json(std::ostream& out, const SessionStats& s);

}  // namespace peregrine::engine
