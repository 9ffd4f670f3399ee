// Session statistics: totals, the status line, the summary table and report.json.
#include "engine/session/session_stats.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <sstream>

#include "engine/engine_config.hpp"

namespace peregrine::engine {

namespace {

void add(PnlCell& a, const PnlCell& b) noexcept {
  a.orders += b.orders;
  a.fills += b.fills;
  a.denials += b.denials;
  a.rejects += b.rejects;
  a.realized += b.realized;
  a.fees += b.fees;
  a.unrealized += b.unrealized;
  a.volume += b.volume;
}

std::string money(common::Money m) {
  // Two decimals for people; report.json keeps the exact value.
  const auto r = m.round_to(common::Money::from_raw(1'000'000), common::RoundMode::kNearestEven);
  std::string s = (r.ok() ? r.value() : m).to_string();
  const auto dot = s.find('.');
  if (dot == std::string::npos) return s + ".00";
  if (s.size() - dot == 2) s += '0';
  return s;
}

std::string micros(std::uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(ns) / 1000.0);
  return buf;
}

void json_string(std::ostream& o, std::string_view s) {
  o << '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      o << '\\' << c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      o << buf;
    } else {
      o << c;
    }
  }
  o << '"';
}

void json_cell(std::ostream& o, const PnlCell& c) {
  o << "{\"orders\":" << c.orders << ",\"fills\":" << c.fills << ",\"denials\":" << c.denials
    << ",\"rejects\":" << c.rejects << ",\"volume\":\"" << c.volume.to_string()
    << "\",\"realized_pnl\":\"" << c.realized.to_string() << "\",\"fees\":\"" << c.fees.to_string()
    << "\",\"unrealized_pnl\":\"" << c.unrealized.to_string() << "\",\"net_pnl\":\""
    << c.net().to_string() << "\"}";
}

}  // namespace

common::Money PnlCell::net() const noexcept { return realized + unrealized - fees; }

std::string_view to_string(StatsStage s) noexcept {
  switch (s) {
    case StatsStage::kMdToStrategy:
      return "md_to_strategy";
    case StatsStage::kSubmitToQueued:
      return "submit_to_queued";
    case StatsStage::kExecToStrategy:
      return "exec_to_strategy";
    case StatsStage::kIntentToWire:
      return "intent_to_wire";
    case StatsStage::kWireToAck:
      return "wire_to_ack";
    case StatsStage::kCount:
      break;
  }
  return "?";
}

std::string_view to_string(RiskMode m) noexcept {
  switch (m) {
    case RiskMode::kNormal:
      return "normal";
    case RiskMode::kReducingOnly:
      return "reducing-only";
    case RiskMode::kHalted:
      return "halted";
  }
  return "?";
}

PnlCell SessionStats::venue_total(common::VenueId v) const noexcept {
  PnlCell t;
  for (std::size_t s = 0; s < strategy_count && s < kMaxSessionStrategies; ++s) {
    add(t, cells[s][static_cast<std::size_t>(v)]);
  }
  return t;
}

PnlCell SessionStats::strategy_total(std::size_t strategy) const noexcept {
  PnlCell t;
  if (strategy >= kMaxSessionStrategies) return t;
  for (const PnlCell& c : cells[strategy]) add(t, c);
  return t;
}

PnlCell SessionStats::total() const noexcept {
  PnlCell t;
  for (std::size_t s = 0; s < strategy_count && s < kMaxSessionStrategies; ++s) {
    add(t, strategy_total(s));
  }
  return t;
}

void SessionStats::set_strategy_name(std::size_t i, std::string_view name) noexcept {
  if (i >= kMaxSessionStrategies) return;
  auto& dst = strategy_names[i];
  const std::size_t n = std::min(name.size(), dst.size() - 1);
  std::memcpy(dst.data(), name.data(), n);
  dst[n] = '\0';
}

std::string_view SessionStats::strategy_name(std::size_t i) const noexcept {
  if (i >= kMaxSessionStrategies) return {};
  return {strategy_names[i].data(), ::strnlen(strategy_names[i].data(), strategy_names[i].size())};
}

std::string status_line(const SessionStats& now, const SessionStats& before) {
  const double dt = static_cast<double>(now.elapsed - before.elapsed) / 1e9;
  const double rate = dt > 0 ? static_cast<double>(now.md_events - before.md_events) / dt : 0.0;
  const PnlCell t = now.total();
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "[%6.1fs] events/s %9.0f | orders %6llu | fills %6llu | denied %5llu | "
                "PnL %s | risk %s",
                static_cast<double>(now.elapsed) / 1e9, rate,
                static_cast<unsigned long long>(t.orders), static_cast<unsigned long long>(t.fills),
                static_cast<unsigned long long>(t.denials), money(t.net()).c_str(),
                std::string(to_string(now.risk)).c_str());
  return buf;
}

void write_summary(std::ostream& out, const SessionStats& s) {
  char line[256];
  std::snprintf(line, sizeof line, "%.1f", static_cast<double>(s.elapsed) / 1e9);
  out << "\n== session summary (" << line << " s, " << s.md_events << " market-data events, risk "
      << to_string(s.risk) << ")\n\n";
  std::snprintf(line, sizeof line, "%-22s %-12s %7s %7s %7s %7s %12s %10s %12s\n", "strategy",
                "venue", "orders", "fills", "denied", "rejects", "realized", "fees", "net PnL");
  out << line;
  for (std::size_t st = 0; st < s.strategy_count && st < kMaxSessionStrategies; ++st) {
    for (std::size_t v = 0; v < common::kVenueCount; ++v) {
      const PnlCell& c = s.cells[st][v];
      if (c.orders == 0 && c.fills == 0 && c.denials == 0) continue;
      std::snprintf(
          line, sizeof line, "%-22.22s %-12s %7llu %7llu %7llu %7llu %12s %10s %12s\n",
          std::string(s.strategy_name(st)).c_str(),
          std::string(venue_key(static_cast<common::VenueId>(v))).c_str(),
          static_cast<unsigned long long>(c.orders), static_cast<unsigned long long>(c.fills),
          static_cast<unsigned long long>(c.denials), static_cast<unsigned long long>(c.rejects),
          money(c.realized).c_str(), money(c.fees).c_str(), money(c.net()).c_str());
      out << line;
    }
  }
  out << "\nby venue:\n";
  for (std::size_t v = 0; v < common::kVenueCount; ++v) {
    if (!s.venue_enabled[v]) continue;
    const PnlCell c = s.venue_total(static_cast<common::VenueId>(v));
    std::snprintf(line, sizeof line,
                  "  %-12s orders %7llu  fills %7llu  denied %5llu  rejects %5llu  net PnL %s\n",
                  std::string(venue_key(static_cast<common::VenueId>(v))).c_str(),
                  static_cast<unsigned long long>(c.orders),
                  static_cast<unsigned long long>(c.fills),
                  static_cast<unsigned long long>(c.denials),
                  static_cast<unsigned long long>(c.rejects), money(c.net()).c_str());
    out << line;
  }
  out << "\ndenials by reason:";
  bool any = false;
  for (std::size_t r = 0; r < common::kDenyReasonCount; ++r) {
    if (s.denials_by_reason[r] == 0) continue;
    any = true;
    out << "\n  " << common::to_string(static_cast<common::DenyReason>(r)) << ": "
        << s.denials_by_reason[r];
  }
  out << (any ? "\n" : " none\n");
  out << "\nlatency (us)          count      p50      p99    p99.9\n";
  for (std::size_t i = 0; i < kStatsStageCount; ++i) {
    const StagePercentiles& p = s.latency[i];
    std::snprintf(line, sizeof line, "  %-18s %8llu %8s %8s %8s\n",
                  std::string(to_string(static_cast<StatsStage>(i))).c_str(),
                  static_cast<unsigned long long>(p.count), micros(p.p50).c_str(),
                  micros(p.p99).c_str(), micros(p.p999).c_str());
    out << line;
  }
}

void write_report_json(std::ostream& o, const SessionStats& s) {
  o << "{\"version\":1,\"elapsed_ns\":" << s.elapsed << ",\"md_events\":" << s.md_events
    << ",\"exec_events\":" << s.exec_events << ",\"risk_state\":";
  json_string(o, to_string(s.risk));
  o << ",\"total\":";
  json_cell(o, s.total());
  o << ",\"venues\":{";
  bool first = true;
  for (std::size_t v = 0; v < common::kVenueCount; ++v) {
    if (!s.venue_enabled[v]) continue;
    if (!first) o << ',';
    first = false;
    json_string(o, venue_key(static_cast<common::VenueId>(v)));
    o << ':';
    json_cell(o, s.venue_total(static_cast<common::VenueId>(v)));
  }
  o << "},\"strategies\":{";
  first = true;
  for (std::size_t st = 0; st < s.strategy_count && st < kMaxSessionStrategies; ++st) {
    if (!first) o << ',';
    first = false;
    json_string(o, s.strategy_name(st));
    o << ":{\"total\":";
    json_cell(o, s.strategy_total(st));
    o << ",\"venues\":{";
    bool vfirst = true;
    for (std::size_t v = 0; v < common::kVenueCount; ++v) {
      if (!s.venue_enabled[v]) continue;
      if (!vfirst) o << ',';
      vfirst = false;
      json_string(o, venue_key(static_cast<common::VenueId>(v)));
      o << ':';
      json_cell(o, s.cells[st][v]);
    }
    o << "}}";
  }
  o << "},\"denials_by_reason\":{";
  first = true;
  for (std::size_t r = 0; r < common::kDenyReasonCount; ++r) {
    if (s.denials_by_reason[r] == 0) continue;
    if (!first) o << ',';
    first = false;
    json_string(o, common::to_string(static_cast<common::DenyReason>(r)));
    o << ':' << s.denials_by_reason[r];
  }
  o << "},\"latency_ns\":{";
  for (std::size_t i = 0; i < kStatsStageCount; ++i) {
    if (i > 0) o << ',';
    const StagePercentiles& p = s.latency[i];
    json_string(o, to_string(static_cast<StatsStage>(i)));
    o << ":{\"count\":" << p.count << ",\"p50\":" << p.p50 << ",\"p99\":" << p.p99
      << ",\"p99_9\":" << p.p999 << '}';
  }
  o << "}}\n";
}

}  // namespace peregrine::engine
