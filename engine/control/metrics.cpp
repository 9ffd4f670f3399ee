#include "engine/control/metrics.hpp"

#include <cstdio>
#include <string_view>

#include "engine/journal/journal_names.hpp"

namespace peregrine::engine::control {
namespace {

using journal::enum_name;

// Label values escape backslash, quote and newline (exposition format rules).
std::string label(std::string_view s) {
  std::string o;
  for (const char c : s) {
    if (c == '\\' || c == '"') {
      o += '\\';
      o += c;
    } else if (c == '\n') {
      o += "\\n";
    } else {
      o += c;
    }
  }
  return o;
}

// Metric names allow [a-zA-Z0-9_:]; anything else in a core-provided name becomes '_'.
std::string metric_name(std::string_view s) {
  std::string o;
  for (const char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    o += ok ? c : '_';
  }
  return o;
}

void family(std::string& o, std::string_view name, std::string_view type, std::string_view help) {
  o += "# HELP ";
  o += name;
  o += ' ';
  o += help;
  o += "\n# TYPE ";
  o += name;
  o += ' ';
  o += type;
  o += '\n';
}

void sample(std::string& o, std::string_view name, std::string_view labels, std::string_view v) {
  o += name;
  if (!labels.empty()) {
    o += '{';
    o += labels;
    o += '}';
  }
  o += ' ';
  o += v;
  o += '\n';
}

std::string seconds(std::uint64_t ns) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.9f", static_cast<double>(ns) / 1e9);
  return buf;
}

// Basis points as a ratio (1234 -> 0.1234), exact in text.
std::string bp_ratio(std::int32_t bp) {
  char buf[24];
  const std::int32_t a = bp < 0 ? -bp : bp;
  std::snprintf(buf, sizeof(buf), "%s%d.%04d", bp < 0 ? "-" : "", a / 10'000, a % 10'000);
  return buf;
}

template <typename F>
std::string decimal(const F& f) {
  return f.to_string();
}

void counter(std::string& o, std::string_view name, std::string_view help, std::uint64_t v) {
  family(o, name, "counter", help);
  sample(o, name, {}, std::to_string(v));
}

}  // namespace

std::string prometheus_text(const ControlSnapshot* s, const ControlServerStats& st, Nanos now) {
  std::string o;
  o.reserve(8192);
  counter(o, "peregrine_control_requests_total", "HTTP requests served by the control plane.",
          st.requests);
  family(o, "peregrine_control_errors_total", "counter", "Control API responses by error kind.");
  sample(o, "peregrine_control_errors_total", "kind=\"unauthorized\"",
         std::to_string(st.unauthorized));
  sample(o, "peregrine_control_errors_total", "kind=\"bad_request\"",
         std::to_string(st.bad_requests));
  sample(o, "peregrine_control_errors_total", "kind=\"not_found\"", std::to_string(st.not_found));
  sample(o, "peregrine_control_errors_total", "kind=\"method_not_allowed\"",
         std::to_string(st.method_not_allowed));
  sample(o, "peregrine_control_errors_total", "kind=\"timeout\"", std::to_string(st.timeouts));
  sample(o, "peregrine_control_errors_total", "kind=\"queue_full\"", std::to_string(st.queue_full));
  sample(o, "peregrine_control_errors_total", "kind=\"internal\"", std::to_string(st.errors));
  counter(o, "peregrine_control_commands_total", "Commands sent to the core.", st.commands_sent);
  counter(o, "peregrine_control_late_replies_total", "Core replies after their request timed out.",
          st.late_replies);
  counter(o, "peregrine_control_snapshots_total", "Snapshots received from the core.",
          st.snapshots_received);
  if (s == nullptr) return o;

  family(o, "peregrine_snapshot_age_seconds", "gauge", "Age of the latest core snapshot.");
  sample(o, "peregrine_snapshot_age_seconds", {},
         seconds(now > s->ts ? static_cast<std::uint64_t>(now - s->ts) : 0));
  family(o, "peregrine_venue_up", "gauge", "1 when the venue is connected.");
  for (std::size_t i = 0; i < s->venue_state.size(); ++i) {
    const std::string l =
        "venue=\"" + std::string(enum_name(static_cast<common::VenueId>(i))) + "\"";
    sample(o, "peregrine_venue_up", l,
           s->venue_state[i] == common::VenueState::kConnected ? "1" : "0");
  }

  family(o, "peregrine_risk_state", "gauge", "0 normal, 1 reducing-only, 2 halted.");
  sample(o, "peregrine_risk_state", {}, std::to_string(static_cast<int>(s->risk.state)));
  family(o, "peregrine_kill_switch", "gauge", "1 when the kill switch is engaged.");
  sample(o, "peregrine_kill_switch", {}, s->risk.kill_switch ? "1" : "0");
  family(o, "peregrine_open_orders", "gauge", "Open orders across all venues.");
  sample(o, "peregrine_open_orders", {}, std::to_string(s->risk.open_orders));
  family(o, "peregrine_daily_pnl", "gauge", "Daily PnL in quote currency.");
  sample(o, "peregrine_daily_pnl", {}, decimal(s->risk.daily_pnl));
  family(o, "peregrine_gross_exposure", "gauge", "Gross exposure in quote currency.");
  sample(o, "peregrine_gross_exposure", {}, decimal(s->risk.gross_exposure));
  counter(o, "peregrine_risk_accepted_total", "Intents accepted by the risk gate.",
          s->risk.accepted);
  family(o, "peregrine_risk_denied_total", "counter",
         "Intents denied by the risk gate, by reason.");
  for (std::size_t i = 0; i < s->risk.denied.size(); ++i) {
    sample(o, "peregrine_risk_denied_total",
           "reason=\"" + std::string(common::to_string(static_cast<common::DenyReason>(i))) + "\"",
           std::to_string(s->risk.denied[i]));
  }

  family(o, "peregrine_position_qty", "gauge", "Signed position per venue and symbol.");
  for (std::uint32_t i = 0; i < s->position_count && i < s->positions.size(); ++i) {
    const auto& p = s->positions[i];
    sample(o, "peregrine_position_qty",
           "venue=\"" + std::string(enum_name(p.venue)) + "\",symbol=\"" + label(p.symbol.view()) +
               "\"",
           decimal(p.qty));
  }
  family(o, "peregrine_balance_total", "gauge", "Balance per venue and asset.");
  for (std::uint32_t i = 0; i < s->balance_count && i < s->balances.size(); ++i) {
    const auto& b = s->balances[i];
    sample(
        o, "peregrine_balance_total",
        "venue=\"" + std::string(enum_name(b.venue)) + "\",asset=\"" + label(b.asset.view()) + "\"",
        decimal(b.total));
  }

  if (s->router.enabled) {
    family(o, "peregrine_allocation_target_ratio", "gauge", "Router target share per venue.");
    for (const auto& a : s->allocation) {
      sample(o, "peregrine_allocation_target_ratio",
             "venue=\"" + std::string(enum_name(a.venue)) + "\"", bp_ratio(a.target_bp));
    }
    family(o, "peregrine_allocation_actual_ratio", "gauge", "Share of gross notional per venue.");
    for (const auto& a : s->allocation) {
      sample(o, "peregrine_allocation_actual_ratio",
             "venue=\"" + std::string(enum_name(a.venue)) + "\"", bp_ratio(a.actual_bp));
    }
    family(o, "peregrine_allocation_drift_ratio", "gauge", "Actual minus target share per venue.");
    for (const auto& a : s->allocation) {
      sample(o, "peregrine_allocation_drift_ratio",
             "venue=\"" + std::string(enum_name(a.venue)) + "\"", bp_ratio(a.drift_bp));
    }
    family(o, "peregrine_allocation_rebalance", "gauge",
           "1 when some venue drifted beyond the rebalance threshold.");
    sample(o, "peregrine_allocation_rebalance", {}, s->router.rebalance ? "1" : "0");
  }

  for (std::uint32_t i = 0; i < s->counter_count && i < s->counters.size(); ++i) {
    const std::string name = "peregrine_" + metric_name(s->counters[i].name.view()) + "_total";
    counter(o, name, "Core counter.", s->counters[i].value);
  }
  for (std::uint32_t i = 0; i < s->gauge_count && i < s->gauges.size(); ++i) {
    const std::string name = "peregrine_" + metric_name(s->gauges[i].name.view());
    family(o, name, "gauge", "Core gauge.");
    sample(o, name, {}, std::to_string(s->gauges[i].value));
  }

  if (s->stage_count > 0) {
    family(o, "peregrine_stage_latency_seconds", "histogram", "Per-stage latency.");
    for (std::uint32_t i = 0; i < s->stage_count && i < s->latency.size(); ++i) {
      const auto& l = s->latency[i];
      const std::string st_label = "stage=\"" + label(l.stage.view()) + "\"";
      for (std::size_t b = 0; b < kLatencyBucketBoundsNs.size(); ++b) {
        char le[48];
        std::snprintf(le, sizeof(le), ",le=\"%g\"",
                      static_cast<double>(kLatencyBucketBoundsNs[b]) / 1e9);
        sample(o, "peregrine_stage_latency_seconds_bucket", st_label + le,
               std::to_string(l.cumulative[b]));
      }
      sample(o, "peregrine_stage_latency_seconds_bucket", st_label + ",le=\"+Inf\"",
             std::to_string(l.count));
      sample(o, "peregrine_stage_latency_seconds_sum", st_label, seconds(l.sum_ns));
      sample(o, "peregrine_stage_latency_seconds_count", st_label, std::to_string(l.count));
    }
  }
  return o;
}

}  // namespace peregrine::engine::control
