// SyntheticMarket: fair-value random walk, ladder maintenance, arbitrage of stale quotes, and the
// Poisson place / cancel / taker flow.
#include "gateways/sim/synthetic_market.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace peregrine::gateways::sim {

using common::Money;
using common::Nanos;
using common::OrderType;
using common::Price;
using common::Qty;
using common::Side;
using common::TimeInForce;

namespace {

constexpr std::string_view kTakerAccount = "synthetic-taker";
constexpr int kMaxEventsPerStep = 64;  // per leg and kind: a long pause cannot stall a step
constexpr std::size_t kScanLevels = 64;

Nanos next_gap(common::Rng& rng, double rate_hz) noexcept {
  if (!(rate_hz > 0)) return Nanos{1} << 62;  // never
  return static_cast<Nanos>(rng.exponential(1e9 / rate_hz)) + 1;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

SyntheticMarket::SyntheticMarket(std::uint64_t seed) : rng_(seed) {}

void SyntheticMarket::add_asset(const AssetMarketConfig& cfg, std::vector<VenueLeg> legs) {
  AssetState a;
  a.cfg = cfg;
  a.fair = cfg.start_price;
  for (const VenueLeg& leg : legs) {
    if (leg.exchange == nullptr) continue;
    LegState l;
    l.leg = leg;
    const auto taker = leg.exchange->find_account(kTakerAccount);
    // Takers trade from their own account so they never self-trade with the ladder.
    l.taker_account = taker ? *taker
                            : leg.exchange->add_account(std::string(kTakerAccount),
                                                        Money::from_raw(std::int64_t{1} << 61));
    const SimInstrumentSpec& spec = leg.exchange->spec(leg.instrument);
    l.tick = spec.tick;
    l.lot = spec.lot;
    a.max_lag = std::max(a.max_lag, leg.lag);
    a.legs.push_back(std::move(l));
  }
  assets_.push_back(std::move(a));
}

double SyntheticMarket::lagged_fair(const AssetState& a, Nanos at) const noexcept {
  if (a.history.empty()) return a.fair;
  // Latest entry at or before `at` (the last of equal times, so admin jumps win).
  auto it = std::upper_bound(a.history.begin(), a.history.end(), at,
                             [](Nanos t, const auto& e) { return t < e.first; });
  if (it == a.history.begin()) return it->second;
  return std::prev(it)->second;
}

void SyntheticMarket::step(Nanos now) {
  const double dt_s = started_ ? static_cast<double>(std::max<Nanos>(0, now - last_)) * 1e-9 : 0;
  started_ = true;
  last_ = std::max(last_, now);
  for (AssetState& a : assets_) {
    if (dt_s > 0 && a.cfg.vol_per_sqrt_s > 0) {
      a.fair *= std::exp(a.cfg.vol_per_sqrt_s * std::sqrt(dt_s) * rng_.normal());
    }
    a.history.emplace_back(now, a.fair);
    // Keep just enough history for the most lagged leg (one entry older than the horizon).
    while (a.history.size() > 2 && a.history[1].first <= now - a.max_lag) a.history.pop_front();
    for (LegState& l : a.legs) {
      maintain(a, l, now);
      run_flow(a, l, now);
    }
  }
}

void SyntheticMarket::maintain(AssetState& a, LegState& l, Nanos now) {
  Exchange& ex = *l.leg.exchange;
  const AccountId liq = l.leg.liquidity_account;
  const double extra = now < l.extra_until ? l.extra_bps : 0.0;
  const double ref = lagged_fair(a, now - l.leg.lag) * (1.0 + (l.leg.basis_bps + extra) * 1e-4);
  const std::int64_t tick = l.tick.raw();
  const auto ref_raw = static_cast<std::int64_t>(std::llround(ref * 1e8));
  const auto half = static_cast<std::int64_t>(
      std::llround(std::max(0.5, a.cfg.spread_ticks / 2.0) * static_cast<double>(tick)));
  const std::int64_t bid_top = floor_div(ref_raw - half, tick) * tick;
  std::int64_t ask_top = -floor_div(-(ref_raw + half), tick) * tick;
  if (ask_top <= bid_top) ask_top = bid_top + tick;
  const int levels = std::max(1, a.cfg.levels);
  const std::int64_t bid_low = bid_top - (levels - 1) * tick;
  const std::int64_t ask_high = ask_top + (levels - 1) * tick;

  // Re-quote: drop filled ladder orders, cancel the ones the reference moved through.
  auto prune = [&](std::vector<OrderId>& ids, std::int64_t lo, std::int64_t hi) {
    std::size_t keep = 0;
    for (const OrderId id : ids) {
      const SimOrder* o = ex.find_order(liq, id);
      if (o == nullptr || !o->is_open()) continue;
      if (o->price.raw() < lo || o->price.raw() > hi) {
        static_cast<void>(ex.cancel(liq, l.leg.instrument, id, now));
        continue;
      }
      ids[keep++] = id;
    }
    ids.resize(keep);
  };
  prune(l.bids, bid_low, bid_top);
  prune(l.asks, ask_top, ask_high);

  // Anyone else still quoting through the reference gets picked off, which is how resting
  // strategy orders fill when the fair value moves through them.
  std::array<BookLevel, kScanLevels> buf{};
  const std::int64_t above = floor_div(ref_raw, tick) * tick + tick;    // first tick > ref
  const std::int64_t below = -floor_div(-ref_raw, tick) * tick - tick;  // last tick < ref
  auto sweep = [&](common::BookSide side, Side taker_side, std::int64_t limit) {
    const std::size_t n = ex.book_levels(l.leg.instrument, side, buf);
    Qty total;
    for (std::size_t i = 0; i < n; ++i) {
      const bool through = side == common::BookSide::kBid ? buf[i].price.raw() >= limit
                                                          : buf[i].price.raw() <= limit;
      if (!through) break;
      total += buf[i].qty;
    }
    if (!total.is_positive() || limit <= 0) return;
    OrderRequest r;
    r.account = l.taker_account;
    r.instrument = l.leg.instrument;
    r.side = taker_side;
    r.type = OrderType::kLimit;
    r.tif = TimeInForce::kIoc;
    r.price = Price::from_raw(limit);
    r.qty = total;
    static_cast<void>(ex.submit(r, now));
    ++orders_sent_;
  };
  sweep(common::BookSide::kBid, Side::kSell, above);
  sweep(common::BookSide::kAsk, Side::kBuy, below);

  // Refill every ladder price that has no order of ours.
  auto refill = [&](std::vector<OrderId>& ids, Side side, std::int64_t top, std::int64_t step) {
    std::array<bool, 256> have{};
    const int n = std::min(levels, static_cast<int>(have.size()));
    for (const OrderId id : ids) {
      const SimOrder* o = ex.find_order(liq, id);
      if (o == nullptr) continue;
      const std::int64_t idx = (o->price.raw() - top) / step;
      if (idx >= 0 && idx < n) have[static_cast<std::size_t>(idx)] = true;
    }
    for (int i = 0; i < n; ++i) {
      const std::int64_t px = top + step * i;
      if (!have[static_cast<std::size_t>(i)] && px > 0) place(a, l, side, Price::from_raw(px), now);
    }
  };
  refill(l.bids, Side::kBuy, bid_top, -tick);
  refill(l.asks, Side::kSell, ask_top, tick);
}

void SyntheticMarket::place(AssetState& a, LegState& l, Side side, Price price, Nanos now) {
  OrderRequest r;
  r.account = l.leg.liquidity_account;
  r.instrument = l.leg.instrument;
  r.side = side;
  r.type = OrderType::kLimit;
  r.tif = TimeInForce::kPostOnly;
  r.price = price;
  r.qty = random_qty(a, l, a.cfg.level_qty);
  const SubmitResult res = l.leg.exchange->submit(r, now);
  ++orders_sent_;
  if (res.error == SimError::kNone) (side == Side::kBuy ? l.bids : l.asks).push_back(res.order_id);
}

Qty SyntheticMarket::random_qty(const AssetState&, const LegState& l, double mean) {
  const double q = mean * (0.5 + rng_.uniform01());
  const double lots = std::floor(q * 1e8 / static_cast<double>(l.lot.raw()) + 0.5);
  const auto n = static_cast<std::int64_t>(std::clamp(lots, 1.0, 1e9));
  return Qty::from_raw(n * l.lot.raw());
}

void SyntheticMarket::run_flow(AssetState& a, LegState& l, Nanos now) {
  if (!l.scheduled) {
    l.scheduled = true;
    l.next_taker = now + next_gap(rng_, a.cfg.taker_rate_hz);
    l.next_cancel = now + next_gap(rng_, a.cfg.cancel_rate_hz);
    l.next_place = now + next_gap(rng_, a.cfg.place_rate_hz);
  }
  Exchange& ex = *l.leg.exchange;
  for (int i = 0; i < kMaxEventsPerStep && l.next_taker <= now; ++i) {
    l.next_taker += next_gap(rng_, a.cfg.taker_rate_hz);
    OrderRequest r;
    r.account = l.taker_account;
    r.instrument = l.leg.instrument;
    r.side = rng_.uniform(2) == 0 ? Side::kBuy : Side::kSell;
    r.type = OrderType::kMarket;
    r.tif = TimeInForce::kIoc;
    r.qty = random_qty(a, l, a.cfg.level_qty * std::min(3.0, rng_.exponential(1.0)));
    static_cast<void>(ex.submit(r, now));
    ++orders_sent_;
  }
  for (int i = 0; i < kMaxEventsPerStep && l.next_cancel <= now; ++i) {
    l.next_cancel += next_gap(rng_, a.cfg.cancel_rate_hz);
    const std::size_t total = l.bids.size() + l.asks.size();
    if (total == 0) continue;
    const std::size_t k = static_cast<std::size_t>(rng_.uniform(total));
    std::vector<OrderId>& ids = k < l.bids.size() ? l.bids : l.asks;
    const std::size_t j = k < l.bids.size() ? k : k - l.bids.size();
    static_cast<void>(ex.cancel(l.leg.liquidity_account, l.leg.instrument, ids[j], now));
    ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(j));  // refilled at the next step
  }
  for (int i = 0; i < kMaxEventsPerStep && l.next_place <= now; ++i) {
    l.next_place += next_gap(rng_, a.cfg.place_rate_hz);
    const Side side = rng_.uniform(2) == 0 ? Side::kBuy : Side::kSell;
    std::vector<OrderId>& ids = side == Side::kBuy ? l.bids : l.asks;
    const auto levels = static_cast<std::uint64_t>(std::max(1, a.cfg.levels));
    const auto depth = static_cast<std::int64_t>(rng_.uniform(levels));
    if (ids.size() >= 4 * levels) continue;  // bounded ladder
    // Extra size stacks behind the current ladder, never inside the spread.
    const SimOrder* anchor = nullptr;
    for (const OrderId id : ids) {
      const SimOrder* o = ex.find_order(l.leg.liquidity_account, id);
      if (o == nullptr || !o->is_open()) continue;
      if (anchor == nullptr ||
          (side == Side::kBuy ? o->price > anchor->price : o->price < anchor->price)) {
        anchor = o;
      }
    }
    if (anchor == nullptr) continue;
    const std::int64_t step = side == Side::kBuy ? -l.tick.raw() : l.tick.raw();
    const std::int64_t px = anchor->price.raw() + step * depth;
    if (px > 0) place(a, l, side, Price::from_raw(px), now);
  }
}

void SyntheticMarket::move_fair_value(std::string_view asset, double pct) {
  AssetState* a = find(asset);
  if (a == nullptr) return;
  a->fair *= 1.0 + pct / 100.0;
  a->history.emplace_back(last_, a->fair);
}

void SyntheticMarket::dislocate(std::string_view asset, Exchange* venue, double bps, Nanos duration,
                                Nanos now) {
  AssetState* a = find(asset);
  if (a == nullptr) return;
  for (LegState& l : a->legs) {
    if (l.leg.exchange != venue) continue;
    l.extra_bps = bps;
    l.extra_until = now + duration;
  }
}

double SyntheticMarket::fair_value(std::string_view asset) const noexcept {
  const AssetState* a = find(asset);
  return a != nullptr ? a->fair : 0.0;
}

SyntheticMarket::AssetState* SyntheticMarket::find(std::string_view asset) noexcept {
  for (AssetState& a : assets_) {
    if (a.cfg.asset == asset) return &a;
  }
  return nullptr;
}

const SyntheticMarket::AssetState* SyntheticMarket::find(std::string_view asset) const noexcept {
  for (const AssetState& a : assets_) {
    if (a.cfg.asset == asset) return &a;
  }
  return nullptr;
}

}  // namespace peregrine::gateways::sim
