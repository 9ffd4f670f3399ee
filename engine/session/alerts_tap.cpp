// AlertsTap: see alerts_tap.hpp. Core thread only.
#include "engine/session/alerts_tap.hpp"

#include <algorithm>
#include <charconv>

#include "engine/journal/journal_names.hpp"
#include "engine/session/wiring.hpp"

namespace peregrine::engine {

namespace {

// Alert text built in place (Alert::kTextCapacity bytes, truncated): no allocation.
class Text {
 public:
  Text& operator<<(std::string_view s) noexcept {
    const std::size_t n = std::min(s.size(), buf_.size() - len_);
    std::copy_n(s.data(), n, buf_.data() + len_);
    len_ += n;
    return *this;
  }
  Text& operator<<(std::uint64_t v) noexcept {
    char tmp[24];
    const auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
    return *this << std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp));
  }
  [[nodiscard]] std::string_view view() const noexcept { return {buf_.data(), len_}; }

 private:
  std::array<char, alerts::Alert::kTextCapacity> buf_{};
  std::size_t len_ = 0;
};

alerts::Alert denial_alert(const common::OrderDenied& d, Nanos ts) noexcept {
  alerts::Alert a;
  a.ts = ts;
  a.kind = alerts::AlertKind::kReject;
  a.has_venue = true;
  a.venue = d.venue;
  a.instrument = d.instrument;
  a.cloid = d.cloid;
  return a;
}

}  // namespace

void AlertsTap::publish(const alerts::Alert& a) noexcept {
  if (alerter_.try_publish(a)) {
    ++counters_.published;
  } else {
    ++counters_.queue_full;
  }
}

void AlertsTap::on_denied(const common::OrderDenied& d) noexcept {
  if (next_ != nullptr) next_->on_denied(d);
  const Nanos now = d.ts_recv;
  if (window_end_ != 0 && now >= window_end_) close_window(now);
  if (window_end_ != 0) {
    // Inside a window: counted for the summary.
    ++window_count_;
    ++counters_.denials_aggregated;
    ++window_reasons_[static_cast<std::size_t>(d.reason) % window_reasons_.size()];
    last_denied_ = d;
    return;
  }
  alerts::Alert a = denial_alert(d, now);
  Text t;
  t << "risk denied: " << journal::enum_name(d.reason);
  a.set_text(t.view());
  publish(a);
  window_end_ = now + options_.deny_window_ns;
}

void AlertsTap::close_window(Nanos now) noexcept {
  if (window_count_ == 0) {
    window_end_ = 0;  // quiet: the next denial is alerted at once
    return;
  }
  alerts::Alert a = denial_alert(last_denied_, now);
  Text t;
  t << "risk denied " << window_count_ << " more";
  // The most frequent reason names the storm.
  std::size_t top = 0;
  for (std::size_t i = 1; i < window_reasons_.size(); ++i) {
    if (window_reasons_[i] > window_reasons_[top]) top = i;
  }
  t << " (mostly " << journal::enum_name(static_cast<common::DenyReason>(top)) << ")";
  a.set_text(t.view());
  publish(a);
  // A storm that goes on yields one summary per window.
  window_count_ = 0;
  window_reasons_.fill(0);
  window_end_ = now + options_.deny_window_ns;
}

void AlertsTap::on_exec(const common::ExecEvent& e) noexcept {
  if (next_ != nullptr) next_->on_exec(e);
  switch (e.kind) {
    case common::ExecKind::kFill:
      publish(alerts::Alert::fill(e.fill));
      return;
    case common::ExecKind::kOrderUpdate:
      if (e.update.status == common::OrderStatus::kRejected) {
        publish(alerts::Alert::reject(e.update));
      }
      return;
    case common::ExecKind::kVenueStatus: {
      const common::VenueStatus& s = e.status;
      const auto v = static_cast<std::size_t>(s.venue) % common::kVenueCount;
      const bool seen = venue_seen_[v];
      const common::VenueState before = venue_state_[v];
      venue_seen_[v] = true;
      venue_state_[v] = s.state;
      if (seen && before == s.state) return;                           // repeats are not news
      if (!seen && s.state == common::VenueState::kConnected) return;  // the first connect
      alerts::Alert a = alerts::Alert::venue_status(s);
      if (s.state == common::VenueState::kConnected) a.set_text("reconnected");
      publish(a);
      return;
    }
  }
}

void AlertsTap::on_rebalance(const router::RebalanceSignal& s) noexcept {
  if (next_ != nullptr) next_->on_rebalance(s);
  alerts::Alert a;
  a.ts = s.ts;
  a.kind = alerts::AlertKind::kOther;
  a.has_venue = true;
  a.venue = s.worst;
  // Shares in basis points: integers keep the text exact and allocation-free.
  const auto bp = [](double share) noexcept {
    const double x = share * 10'000.0;
    return static_cast<std::uint64_t>(x < 0 ? -x + 0.5 : x + 0.5);
  };
  Text t;
  if (s.on) {
    t << "allocation drift: " << journal::enum_name(s.worst) << (s.worst_drift < 0 ? " -" : " +")
      << bp(s.worst_drift) << " bp beyond " << bp(s.threshold) << " bp: rebalance";
  } else {
    t << "allocation back within " << bp(s.threshold) << " bp of target";
  }
  a.set_text(t.view());
  publish(a);
}

void AlertsTap::on_kill(Nanos now, std::uint64_t cancels_sent) noexcept {
  alerts::Alert a;
  a.ts = now;
  a.kind = alerts::AlertKind::kKill;
  Text t;
  t << "kill switch: risk gate halted, " << cancels_sent << " cancel"
    << (cancels_sent == 1 ? "" : "s") << " sent";
  a.set_text(t.view());
  publish(a);
  last_mode_ = RiskMode::kHalted;  // already told: poll() must not repeat it as a halt
}

int AlertsTap::poll(Nanos now) noexcept {
  int work = 0;
  if (window_end_ != 0 && now >= window_end_) {
    close_window(now);
    ++work;
  }
  if (flow_ != nullptr) {
    const RiskMode m = flow_->risk_mode();
    if (m != last_mode_) {
      last_mode_ = m;
      Text t;
      t << "risk state " << to_string(m);
      alerts::Alert a = alerts::Alert::halt(now, t.view());
      if (m == RiskMode::kNormal) a.kind = alerts::AlertKind::kOther;  // resumed
      publish(a);
      ++work;
    }
  }
  return work;
}

}  // namespace peregrine::engine
