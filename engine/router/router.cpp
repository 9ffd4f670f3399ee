#include "engine/router/router.hpp"

namespace peregrine::engine::router {

namespace {
// Min-max onto [0, 1] with 1 = best; all-equal candidates all score 1.
[[nodiscard]] double normalize(double x, double lo, double hi, bool higher_is_better) noexcept {
  if (hi - lo <= 1e-15) return 1.0;
  const double t = (x - lo) / (hi - lo);
  return higher_is_better ? t : 1.0 - t;
}
}  // namespace

AllocationManager::AllocationManager(const RouterConfig& config) noexcept
    : threshold_(config.rebalance_threshold) {
  double sum = 0;
  for (double t : config.target_share) sum += t > 0 ? t : 0;
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    const double t = config.target_share[v] > 0 ? config.target_share[v] : 0;
    target_[v] = sum > 0 ? t / sum : 0;
  }
}

AllocationView AllocationManager::evaluate(
    const std::array<double, kVenueCount>& gross) const noexcept {
  AllocationView out;
  out.target = target_;
  double total = 0;
  for (double g : gross) total += g > 0 ? g : 0;
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    // Nothing deployed yet: by definition on target (no signal from an empty book).
    out.actual[v] = total > 0 ? (gross[v] > 0 ? gross[v] : 0) / total : target_[v];
    out.drift[v] = out.actual[v] - target_[v];
    const double a = out.drift[v] < 0 ? -out.drift[v] : out.drift[v];
    if (a > out.max_abs_drift) out.max_abs_drift = a;
  }
  out.rebalance = out.max_abs_drift > threshold_;
  return out;
}

void VenueStats::on_ack_latency(VenueId v, common::Nanos latency) noexcept {
  const std::size_t i = common::index(v);
  const double x = static_cast<double>(latency < 0 ? 0 : latency);
  lat_[i] = lat_seen_[i] ? lat_[i] + alpha_ * (x - lat_[i]) : x;
  lat_seen_[i] = true;
}

void VenueStats::on_outcome(VenueId v, bool error) noexcept {
  const std::size_t i = common::index(v);
  err_[i] += alpha_ * ((error ? 1.0 : 0.0) - err_[i]);
}

RouteDecision VenueSelector::select(const std::array<VenueInput, kVenueCount>& inputs,
                                    common::Side side, common::Qty qty, common::Price limit,
                                    bool maker, const VenueStats& stats,
                                    const AllocationView* alloc) const noexcept {
  RouteDecision d;
  std::array<double, kVenueCount> fee{}, liq{}, lat{}, err{};
  double fee_lo = 1e300, fee_hi = -1e300, liq_lo = 1e300, liq_hi = -1e300;
  double lat_lo = 1e300, lat_hi = -1e300, err_lo = 1e300, err_hi = -1e300;
  const common::BookSide take_side =
      side == common::Side::kBuy ? common::BookSide::kAsk : common::BookSide::kBid;
  const double need = qty.to_double();
  std::size_t candidates = 0;
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    const VenueInput& in = inputs[v];
    if (!in.instrument.valid() || in.instrument.value >= registry_.size() || in.book == nullptr ||
        !in.healthy || !in.book->is_valid()) {
      continue;
    }
    const common::Instrument& inst = registry_.get(in.instrument);
    if (common::index(inst.venue) != v) continue;
    d.scores[v].candidate = true;
    ++candidates;
    fee[v] = (maker ? inst.maker_fee : inst.taker_fee).to_double();
    const common::Qty avail = limit.is_positive()
                                  ? in.book->cumulative_qty_to_price(take_side, limit)
                                  : in.book->qty_within(take_side, config_.depth_levels);
    // Fraction of the needed size the visible book can absorb.
    liq[v] = need > 0 ? avail.to_double() / need : 0;
    if (liq[v] > 1) liq[v] = 1;
    const VenueId vid = common::kAllVenues[v];
    lat[v] = stats.has_latency(vid) ? stats.latency_ewma(vid) : -1;  // -1: no sample yet
    err[v] = stats.error_rate(vid);
    fee_lo = fee[v] < fee_lo ? fee[v] : fee_lo;
    fee_hi = fee[v] > fee_hi ? fee[v] : fee_hi;
    liq_lo = liq[v] < liq_lo ? liq[v] : liq_lo;
    liq_hi = liq[v] > liq_hi ? liq[v] : liq_hi;
    if (lat[v] >= 0) {
      lat_lo = lat[v] < lat_lo ? lat[v] : lat_lo;
      lat_hi = lat[v] > lat_hi ? lat[v] : lat_hi;
    }
    err_lo = err[v] < err_lo ? err[v] : err_lo;
    err_hi = err[v] > err_hi ? err[v] : err_hi;
  }
  if (candidates == 0) return d;

  double best = -1e300, best_over = -1e300;
  std::size_t best_v = kVenueCount, best_over_v = kVenueCount;
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    VenueScore& s = d.scores[v];
    if (!s.candidate) continue;
    s.fees = normalize(fee[v], fee_lo, fee_hi, false);
    s.liquidity = normalize(liq[v], liq_lo, liq_hi, true);
    // Unmeasured latency sits in the middle so a new venue is neither favoured nor starved.
    s.latency = lat[v] < 0 ? 0.5 : normalize(lat[v], lat_lo, lat_hi, false);
    s.reliability = normalize(err[v], err_lo, err_hi, false);
    s.total = config_.w_fees * s.fees + config_.w_liquidity * s.liquidity +
              config_.w_latency * s.latency + config_.w_reliability * s.reliability;
    const bool over = alloc != nullptr && alloc->drift[v] > config_.rebalance_threshold;
    if (over && config_.over_target == OverTargetPolicy::kExclude) {
      s.excluded_over_target = true;
      if (s.total > best_over) {
        best_over = s.total;
        best_over_v = v;
      }
      continue;
    }
    if (over) {
      s.penalized_over_target = true;
      s.total *= config_.over_target_penalty;
    }
    if (s.total > best) {
      best = s.total;
      best_v = v;
    }
  }
  // Exclusion never leaves an intent with nowhere to go when the only venues are over target.
  if (best_v == kVenueCount) best_v = best_over_v;
  if (best_v == kVenueCount) return d;
  d.found = true;
  d.venue = common::kAllVenues[best_v];
  d.instrument = inputs[best_v].instrument;
  return d;
}

}  // namespace peregrine::engine::router
