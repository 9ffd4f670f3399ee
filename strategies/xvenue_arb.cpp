#include "strategies/xvenue_arb.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/l2_book.hpp"
#include "strategies/algos/market_ioc.hpp"
#include "strategies/note.hpp"
#include "strategies/params.hpp"

namespace peregrine::strategies {

using common::InstrumentId;
using common::Nanos;
using common::Price;
using common::Qty;
using common::Side;

namespace {

constexpr double kTol = 1e-9;
// The success rate a required edge is divided by never goes below this (keeps it finite).
constexpr double kMinSuccess = 0.05;

constexpr const char* kOutcomeNames[] = {"both_filled", "missed", "unwound", "completed", "stuck"};

}  // namespace

void load(common::ConfigNode& n, XvenueArbConfig& out) {
  using common::Duration;
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  n.optional("min_edge_bps", &out.min_edge_bps, 10.0, ratio_parser(-100.0, 10'000.0));
  n.optional("slippage_buffer_bps", &out.slippage_buffer_bps, 2.0, ratio_parser(0.0, 1'000.0));
  n.optional("max_qty", &out.max_qty, Qty{},
             common::decimal_parser<Qty>(common::Sign::kNonNegative));
  n.optional("max_notional", &out.max_notional, common::Money::from_raw(10'000LL * 100'000'000LL),
             common::decimal_parser<common::Money>(common::Sign::kPositive));
  n.optional("max_position", &out.max_position, Qty{},
             common::decimal_parser<Qty>(common::Sign::kNonNegative));
  n.optional("max_book_age", &out.max_book_age, Duration(milliseconds(500)));
  static constexpr std::array<common::EnumName<LegPolicy>, 2> kPolicies = {
      {{"unwind", LegPolicy::kUnwind}, {"complete", LegPolicy::kComplete}}};
  n.optional("leg_policy", &out.leg_policy, LegPolicy::kUnwind, common::enum_parser(kPolicies));
  n.optional("unwind_slippage_pct", &out.unwind_slippage_pct, 0.5, ratio_parser(0.0, 20.0));
  n.optional("max_unwind_attempts", &out.max_unwind_attempts, 3, common::int_parser<int>(1, 100));
  n.optional("halt_on_stuck", &out.halt_on_stuck, true);
  n.optional("unwind_retry", &out.unwind_retry, Duration(milliseconds(100)));
  if (out.unwind_retry.count() <= 0) n.error("unwind_retry", "must be positive");
  n.optional("other_venue", &out.other_venue, parse_venue_name);
  if (out.max_book_age.count() <= 0) n.error("max_book_age", "must be positive");
  if (out.min_edge_bps < 0) n.error("min_edge_bps", "a negative edge would pay to trade");

  n.optional("safety_edge_bps", &out.safety_edge_bps, 1.0, ratio_parser(0.0, 1'000.0));
  n.optional("learn_alpha", &out.learn_alpha, 0.2, ratio_parser(0.001, 1.0));
  n.optional("prior_fail_rate", &out.prior_fail_rate, 0.1, ratio_parser(0.0, 0.95));
  n.optional("prior_fail_cost_bps", &out.prior_fail_cost_bps, 0.0, ratio_parser(0.0, 10'000.0));
  n.optional("max_required_edge_bps", &out.max_required_edge_bps, 200.0,
             ratio_parser(0.0, 10'000.0));
  if (out.max_required_edge_bps < out.min_edge_bps + out.safety_edge_bps) {
    n.error("max_required_edge_bps", "must be at least min_edge_bps + safety_edge_bps");
  }
  n.optional("stats_half_life", &out.stats_half_life, Duration(seconds(60)));
  if (out.stats_half_life.count() < 0) n.error("stats_half_life", "must not be negative");
  n.optional("backoff_after", &out.backoff_after, 2, common::int_parser<int>(1, 1000));
  n.optional("backoff_base", &out.backoff_base, Duration(milliseconds(500)));
  n.optional("backoff_max", &out.backoff_max, Duration(seconds(30)));
  if (out.backoff_base.count() <= 0) n.error("backoff_base", "must be positive");
  if (out.backoff_max < out.backoff_base) n.error("backoff_max", "must be at least backoff_base");
  n.optional("persist_updates", &out.persist_updates, 2, common::int_parser<int>(1, 1000));
  n.optional("persist_min", &out.persist_min, Duration(0));
  if (out.persist_min.count() < 0) n.error("persist_min", "must not be negative");
  n.optional("limit_slack_share", &out.limit_slack_share, 0.5, ratio_parser(0.0, 1.0));
  n.optional("repeat_guard", &out.repeat_guard, Duration(milliseconds(100)));
  if (out.repeat_guard.count() < 0) n.error("repeat_guard", "must not be negative");
  n.optional("fill_wait", &out.fill_wait, Duration(seconds(1)));
  if (out.fill_wait.count() <= 0) n.error("fill_wait", "must be positive");
  n.optional("inventory_pref_bps", &out.inventory_pref_bps, 2.0, ratio_parser(0.0, 1'000.0));
}

XvenueArb::XvenueArb(common::StrategyId id, XvenueArbConfig cfg,
                     const std::vector<InstrumentId>& instruments)
    : id_(id), cfg_(cfg) {
  for (InstrumentId i : instruments) {
    if (n_ < kMaxLegs) ins_[n_++] = i;
  }
}

int XvenueArb::slot_of(InstrumentId id) const noexcept {
  for (std::size_t i = 0; i < n_; ++i) {
    if (ins_[i] == id) return static_cast<int>(i);
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Estimates

double XvenueArb::relax(double value, double prior, Nanos updated, Nanos now) const noexcept {
  if (updated == 0) return prior;
  const Nanos hl = cfg_.stats_half_life.count();
  if (hl <= 0 || now <= updated) return value;
  const double w = std::exp2(-static_cast<double>(now - updated) / static_cast<double>(hl));
  return prior + (value - prior) * w;
}

double XvenueArb::prior_cost_bps(int a, int b) const noexcept {
  if (cfg_.prior_fail_cost_bps > 0) return cfg_.prior_fail_cost_bps;
  // An unwind pays the entry and the exit taker fee on one venue: about both venues' fees.
  return taker_bps_[static_cast<std::size_t>(a)] + taker_bps_[static_cast<std::size_t>(b)];
}

double XvenueArb::failure_rate(int a, int b, Nanos now) const noexcept {
  const Stats& s = stats_[pair_index(a, b)];
  return relax(s.p_fail, cfg_.prior_fail_rate, s.updated, now);
}

double XvenueArb::miss_rate(int a, int b, Nanos now) const noexcept {
  const Stats& s = stats_[pair_index(a, b)];
  return relax(s.p_miss, 0.0, s.updated, now);
}

double XvenueArb::failure_cost_bps(int a, int b, Nanos now) const noexcept {
  const Stats& s = stats_[pair_index(a, b)];
  return std::max(0.0, relax(s.cost_bps, prior_cost_bps(a, b), s.updated, now));
}

// Break-even with the floor: a pair is worth sending when the edge it captures above min_edge
// on success pays for the expected failure cost, p_ok * (edge - floor) >= p_fail * cost, i.e.
// edge >= floor + p_fail * cost / p_ok. With rare failures and no misses (p_ok ~ 1) this is the
// plain floor + p_fail * cost.
double XvenueArb::required_edge_bps(int a, int b, Nanos now) const noexcept {
  const double floor = cfg_.min_edge_bps + cfg_.safety_edge_bps;
  const double pf = failure_rate(a, b, now);
  const double pm = miss_rate(a, b, now);
  const double ok = std::max(kMinSuccess, 1.0 - pf - pm);
  const double req = floor + pf * failure_cost_bps(a, b, now) / ok;
  return std::min(req, std::max(floor, cfg_.max_required_edge_bps));
}

double XvenueArb::net_inventory() const noexcept {
  double s = 0;
  for (std::size_t i = 0; i < n_; ++i) s += own_pos_[i];
  return s;
}

// ---------------------------------------------------------------------------------------------
// Deciding

void XvenueArb::on_venue_status(StrategyContext& ctx, const common::VenueStatus& s) noexcept {
  const bool ok = s.state == common::VenueState::kConnected;
  if (venue_ok_[common::index(s.venue)] != ok) {
    NoteBuf nb;
    nb << "xvenue_arb: venue " << common::to_string(s.venue) << (ok ? " healthy" : " unhealthy");
    ctx.note(nb.view());
  }
  venue_ok_[common::index(s.venue)] = ok;
}

bool XvenueArb::tradable(StrategyContext& ctx, int slot, Nanos now) const noexcept {
  const InstrumentId id = ins_[static_cast<std::size_t>(slot)];
  const common::L2Book& b = ctx.book(id);
  if (!b.is_valid() || !b.has_bid() || !b.has_ask()) return false;
  const Nanos age = now - last_update_[static_cast<std::size_t>(slot)];
  if (last_update_[static_cast<std::size_t>(slot)] == 0 || age > cfg_.max_book_age.count()) {
    return false;
  }
  const common::VenueId v = ctx.instruments().get(id).venue;
  return venue_ok_[common::index(v)] && ctx.venue_healthy(v);
}

Qty XvenueArb::size_pair(StrategyContext& ctx, int buy, int sell) const noexcept {
  const auto& ia = ctx.instruments().get(ins_[static_cast<std::size_t>(buy)]);
  const auto& ib = ctx.instruments().get(ins_[static_cast<std::size_t>(sell)]);
  const common::Level ask = ctx.book(ia.id).best_ask();
  const common::Level bid = ctx.book(ib.id).best_bid();
  std::int64_t q = std::min(ask.qty.raw(), bid.qty.raw());
  if (cfg_.max_qty.is_positive()) q = std::min(q, cfg_.max_qty.raw());
  // max_notional / ask in raw qty units: notional_raw is 1e-16, so scale by 1e8 once.
  const __int128 by_notional =
      static_cast<__int128>(cfg_.max_notional.raw()) * common::kDecimalScale / ask.price.raw();
  if (by_notional < q) q = static_cast<std::int64_t>(by_notional);
  if (cfg_.max_position.is_positive()) {
    const std::int64_t room_a = cfg_.max_position.raw() - ctx.position(ia.id).raw();  // buying
    const std::int64_t room_b = cfg_.max_position.raw() + ctx.position(ib.id).raw();  // selling
    q = std::min({q, room_a, room_b});
  }
  if (q <= 0) return Qty{};
  // On both lot grids: a multiple of lcm(lot A, lot B).
  const std::int64_t step = std::lcm(ia.lot.raw(), ib.lot.raw());
  if (step <= 0) return Qty{};
  q -= q % step;
  const Qty out = Qty::from_raw(q);
  if (out.is_zero() || out < ia.min_qty || out < ib.min_qty) return Qty{};
  const __int128 min_a = static_cast<__int128>(ia.min_notional.raw()) * common::kDecimalScale;
  const __int128 min_b = static_cast<__int128>(ib.min_notional.raw()) * common::kDecimalScale;
  if (common::notional_raw(ask.price, out) < min_a ||
      common::notional_raw(bid.price, out) < min_b) {
    return Qty{};
  }
  return out;
}

// Extra quantity on the leg that moves this strategy's own net inventory toward flat (the sell
// leg when long, the buy leg when short): at most the drift and the pair size, within the top
// of book beyond the pair, the venue's position room, on that venue's lot.
Qty XvenueArb::flatten_extra(StrategyContext& ctx, int buy, int sell, Qty q) const noexcept {
  const double net = net_inventory();
  if (net > -kTol && net < kTol) return Qty{};
  const bool long_drift = net > 0;
  const InstrumentId id = ins_[static_cast<std::size_t>(long_drift ? sell : buy)];
  const auto& in = ctx.instruments().get(id);
  const common::L2Book& book = ctx.book(id);
  const std::int64_t top = long_drift ? book.best_bid().qty.raw() : book.best_ask().qty.raw();
  std::int64_t x = std::min(Qty::from_raw(std::llround(std::fabs(net) * 1e8)).raw(), q.raw());
  x = std::min(x, top - q.raw());
  if (cfg_.max_position.is_positive()) {
    const std::int64_t pos = ctx.position(id).raw();
    const std::int64_t room = long_drift ? cfg_.max_position.raw() + pos - q.raw()
                                         : cfg_.max_position.raw() - pos - q.raw();
    x = std::min(x, room);
  }
  if (x <= 0 || in.lot.raw() <= 0) return Qty{};
  x -= x % in.lot.raw();
  return Qty::from_raw(x);
}

// +1 per leg that reduces that venue's absolute position, -1 per leg that grows it.
double XvenueArb::inventory_score(StrategyContext& ctx, int buy, int sell) const noexcept {
  const Qty pb = ctx.position(ins_[static_cast<std::size_t>(buy)]);
  const Qty ps = ctx.position(ins_[static_cast<std::size_t>(sell)]);
  const double tb = pb.raw() < 0 ? 1.0 : -1.0;
  const double ts = ps.raw() > 0 ? 1.0 : -1.0;
  return (tb + ts) / 2.0;
}

bool XvenueArb::repeats(InstrumentId ins, Side side, Price p, Qty q, Nanos now) const noexcept {
  for (const LastLeg& l : sent_) {
    if (l.at != 0 && now - l.at < cfg_.repeat_guard.count() && l.ins == ins && l.side == side &&
        l.price == p && l.qty == q) {
      return true;
    }
  }
  return false;
}

void XvenueArb::record_sent(InstrumentId ins, Side side, Price p, Qty q, Nanos now) noexcept {
  sent_[sent_next_] = LastLeg{ins, side, p, q, now};
  sent_next_ = (sent_next_ + 1) % kSent;
}

void XvenueArb::on_book(StrategyContext& ctx, InstrumentId id) noexcept {
  const int slot = slot_of(id);
  if (slot < 0) return;
  const Nanos now = ctx.clock().now_ns();
  const auto& me = ctx.instruments().get(id);
  last_update_[static_cast<std::size_t>(slot)] = now;
  taker_bps_[static_cast<std::size_t>(slot)] = me.taker_fee.to_double() * 1e4;
  if (halted_) return;
  std::array<bool, kMaxLegs> ok{};
  for (std::size_t i = 0; i < n_; ++i) ok[i] = tradable(ctx, static_cast<int>(i), now);
  // The requirement is never below the floor: below it, skip the estimates (the common case).
  const double floor = cfg_.min_edge_bps + cfg_.safety_edge_bps;
  double best = -1e9;
  int best_a = -1, best_b = -1;
  double pick_score = -1e18, pick_edge = 0, pick_req = 0;
  int buy = -1, sell = -1;
  for (std::size_t a = 0; a < n_; ++a) {
    for (std::size_t b = 0; b < n_; ++b) {
      if (a == b) continue;
      Persist& p = persist_[a * kMaxLegs + b];
      if (!ok[a] || !ok[b]) {
        p.count = 0;
        continue;
      }
      const auto& ia = ctx.instruments().get(ins_[a]);
      const auto& ib = ctx.instruments().get(ins_[b]);
      const double ask = ctx.book(ins_[a]).best_ask().price.to_double();
      const double bid = ctx.book(ins_[b]).best_bid().price.to_double();
      const double edge_bps =
          ((bid - ask) / ask - ia.taker_fee.to_double() - ib.taker_fee.to_double()) * 1e4 -
          cfg_.slippage_buffer_bps;
      const int sa = static_cast<int>(a), sb = static_cast<int>(b);
      if (edge_bps > best) {
        best = edge_bps;
        best_a = sa;
        best_b = sb;
      }
      // Compared with a hair of tolerance so an edge exactly at the requirement qualifies.
      const double req = edge_bps < floor - 1e-9 ? floor : required_edge_bps(sa, sb, now);
      if (edge_bps < req - 1e-9) {
        p.count = 0;
        continue;
      }
      if (p.count == 0) p.since = now;
      if (p.count < cfg_.persist_updates) ++p.count;
      if (p.count < cfg_.persist_updates || now - p.since < cfg_.persist_min.count()) continue;
      if (now < stats_[pair_index(sa, sb)].cooldown_until) continue;
      const double score = edge_bps + cfg_.inventory_pref_bps * inventory_score(ctx, sa, sb);
      if (score > pick_score) {
        pick_score = score;
        pick_edge = edge_bps;
        pick_req = req;
        buy = sa;
        sell = sb;
      }
    }
  }
  if (best_a >= 0) {
    last_edge_bps_ = best;
    last_best_a_ = best_a;
    last_best_b_ = best_b;
    last_eval_ = now;
  }
  if (pair_.active || buy < 0) return;
  send_pair(ctx, buy, sell, pick_edge, pick_req, now);
}

void XvenueArb::send_pair(StrategyContext& ctx, int buy, int sell, double edge, double required,
                          Nanos now) noexcept {
  const Qty q = size_pair(ctx, buy, sell);
  if (q.is_zero()) return;
  const Qty extra = flatten_extra(ctx, buy, sell, q);
  const bool long_drift = net_inventory() > 0;
  const Qty qa = extra.is_positive() && !long_drift ? q + extra : q;
  const Qty qb = extra.is_positive() && long_drift ? q + extra : q;
  const InstrumentId ia = ins_[static_cast<std::size_t>(buy)];
  const InstrumentId ib = ins_[static_cast<std::size_t>(sell)];
  const Price ask = ctx.book(ia).best_ask().price;
  const Price bid = ctx.book(ib).best_bid().price;
  // Through the touch by a share of (buffer + surplus) / 2 per leg, whole ticks, never past it.
  const double through =
      cfg_.limit_slack_share * (cfg_.slippage_buffer_bps + std::max(0.0, edge - required)) / 2e4;
  const std::int64_t tick_a = ctx.instruments().get(ia).tick.raw();
  const std::int64_t tick_b = ctx.instruments().get(ib).tick.raw();
  const auto steps = [&](Price p, std::int64_t tick) -> std::int64_t {
    if (tick <= 0) return 0;
    return static_cast<std::int64_t>(static_cast<double>(p.raw()) * through) / tick * tick;
  };
  const Price buy_limit = Price::from_raw(ask.raw() + steps(ask, tick_a));
  const Price sell_limit = Price::from_raw(bid.raw() - steps(bid, tick_b));
  if (repeats(ia, Side::kBuy, buy_limit, qa, now) ||
      repeats(ib, Side::kSell, sell_limit, qb, now)) {
    return;  // the risk gate would refuse it as a duplicate: wait for the book to move
  }
  pair_ = Pair{};
  pair_.active = true;
  pair_.id = ++pairs_sent_;
  pair_.buy_slot = buy;
  pair_.sell_slot = sell;
  if (extra.is_positive()) {
    if (long_drift) {
      pair_.lo = -extra.to_double();
    } else {
      pair_.hi = extra.to_double();
    }
  }
  pair_.notional = q.to_double() * ask.to_double();
  pair_.edge_bps = edge;
  pair_.required_bps = required;
  record_sent(ia, Side::kBuy, buy_limit, qa, now);
  record_sent(ib, Side::kSell, sell_limit, qb, now);
  const bool a_ok = send_ioc(ctx, ia, Side::kBuy, buy_limit, qa, &pair_.legs[0]);
  if (!a_ok) {
    // First leg refused: send nothing else.
    pair_.legs[1].done = pair_.legs[1].terminal = true;
    NoteBuf nb;
    nb << "xvenue_arb pair " << pair_.id << ": first leg refused, abandoned";
    ctx.note(nb.view());
    finish(ctx, Outcome::kMissed);
    return;
  }
  const bool b_ok = send_ioc(ctx, ib, Side::kSell, sell_limit, qb, &pair_.legs[1]);
  NoteBuf nb;
  nb << "xvenue_arb pair " << pair_.id << ": buy " << qa << " "
     << common::to_string(ctx.instruments().get(ia).venue) << " @" << buy_limit << " sell " << qb
     << " " << common::to_string(ctx.instruments().get(ib).venue) << " @" << sell_limit << " edge "
     << edge << " req " << required << (b_ok ? "" : " 2nd refused");
  ctx.note(nb.view());
}

bool XvenueArb::send_ioc(StrategyContext& ctx, InstrumentId ins, Side side, Price limit, Qty qty,
                         Leg* leg) noexcept {
  const auto& in = ctx.instruments().get(ins);
  common::OrderIntent o;
  o.action = common::IntentAction::kNew;
  o.cloid = ctx.next_order_id();
  o.instrument = ins;
  o.venue = in.venue;
  o.strategy = id_;
  o.side = side;
  o.type = common::OrderType::kLimit;
  o.tif = common::TimeInForce::kIoc;
  o.price = limit;
  o.qty = qty;
  o.ts_recv = ctx.clock().now_ns();
  *leg = Leg{};
  leg->cloid = o.cloid;
  leg->ins = ins;
  leg->side = side;
  leg->slot = slot_of(ins);
  leg->limit = limit.to_double();
  if (ctx.submit(o) != SubmitResult::kAccepted) {
    leg->done = leg->terminal = true;  // nothing will arrive for it
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Reports

XvenueArb::Leg* XvenueArb::leg_of(common::ClientOrderId c) noexcept {
  if (!pair_.active) return nullptr;
  for (Leg& l : pair_.legs) {
    if (l.cloid == c) return &l;
  }
  if (pair_.unwinding && pair_.fix.cloid == c) return &pair_.fix;
  return nullptr;
}

void XvenueArb::book_fill(Leg& l, double qty, double price, double fee) noexcept {
  l.filled += qty;
  l.notional += price * qty;
  l.fees += fee;
  if (l.slot >= 0) own_pos_[static_cast<std::size_t>(l.slot)] += l.side == Side::kBuy ? qty : -qty;
  if (l.side == Side::kBuy) {
    pair_.bought += qty;
    pair_.bought_notional += price * qty;
  } else {
    pair_.sold += qty;
    pair_.sold_notional += price * qty;
  }
  pair_.fees += fee;
}

void XvenueArb::on_fill(StrategyContext& ctx, const common::Fill& f) noexcept {
  if (!f.qty.is_positive()) return;  // nothing executed (a venue's zero-size report)
  Leg* l = leg_of(f.cloid);
  if (l == nullptr) {
    late_fill(ctx, f);
    return;
  }
  double q = f.qty.to_double();
  const double px = f.price.to_double();
  double fee = f.fee.to_double();
  if (l->synth > kTol) {
    // Already booked from the report at its average price and an estimated fee: correct them.
    const double absorb = std::min(q, l->synth);
    const double est_px = l->report_avg > 0 ? l->report_avg : l->limit;
    const double est_fee = absorb * est_px * taker_bps_[static_cast<std::size_t>(l->slot)] * 1e-4;
    const double dn = (px - est_px) * absorb;
    l->notional += dn;
    (l->side == Side::kBuy ? pair_.bought_notional : pair_.sold_notional) += dn;
    const double share = absorb / q;
    l->fees += fee * share - est_fee;
    pair_.fees += fee * share - est_fee;
    l->synth -= absorb;
    q -= absorb;
    fee -= fee * share;
    if (q <= kTol) return;
  }
  book_fill(*l, q, px, fee);
  if (l->terminal && !l->done && l->filled >= l->reported - kTol) {
    l->done = true;
    try_resolve(ctx);
  }
}

// A fill for a leg of a pair already finished: its quantity is this strategy's inventory.
void XvenueArb::late_fill(StrategyContext& ctx, const common::Fill& f) noexcept {
  Recent* r = nullptr;
  for (Recent& x : recent_) {
    if (x.slot >= 0 && x.cloid == f.cloid) r = &x;
  }
  if (r == nullptr) return;
  double q = f.qty.to_double();
  const double px = f.price.to_double();
  const double sgn = f.side == Side::kBuy ? 1.0 : -1.0;
  if (r->synth > kTol) {
    const double absorb = std::min(q, r->synth);
    // Booked at synth_price; the real price moves realized PnL by the difference.
    realized_pnl_ -= sgn * (px - r->synth_price) * absorb;
    r->synth -= absorb;
    q -= absorb;
    if (q <= kTol) return;  // the fee was estimated already; the difference is noise
  }
  const double fee = f.fee.to_double() * q / f.qty.to_double();
  own_pos_[static_cast<std::size_t>(r->slot)] += sgn * q;
  fees_paid_ += fee;
  realized_pnl_ -= fee;
  realized_pnl_ += add_inventory(sgn * q, px);
  NoteBuf nb;
  nb << "xvenue_arb late fill " << q << " on " << common::to_string(f.venue) << ": net "
     << net_inventory();
  ctx.note(nb.view());
}

void XvenueArb::mark_terminal(StrategyContext& ctx, Leg& l) noexcept {
  l.terminal = true;
  if (l.filled >= l.reported - kTol) {
    l.done = true;
    try_resolve(ctx);
    return;
  }
  // The report says more executed than the fills seen: wait for them, bounded.
  if (!pair_.wait_pending) {
    pair_.wait_pending = true;
    pair_.wait_deadline = ctx.clock().now_ns() + cfg_.fill_wait.count();
    ctx.schedule_timer(pair_.wait_deadline, kFillWaitToken);
  }
}

void XvenueArb::on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept {
  using common::OrderStatus;
  Leg* l = leg_of(u.cloid);
  if (l == nullptr || l->terminal) return;
  l->reported = std::max(l->reported, u.filled_qty.to_double());
  if (u.avg_price.is_positive()) l->report_avg = u.avg_price.to_double();
  if (u.status == OrderStatus::kFilled || u.status == OrderStatus::kCancelled ||
      u.status == OrderStatus::kRejected || u.status == OrderStatus::kExpired) {
    mark_terminal(ctx, *l);
  }
}

void XvenueArb::on_denied(StrategyContext& ctx, const common::OrderDenied& d) noexcept {
  Leg* l = leg_of(d.cloid);
  if (l == nullptr) return;
  l->done = l->terminal = true;
  // A refused fix order is retried by its sender after a pause (try_resolve); resolving here
  // would resend the same intent at once, inside the submit that refused it.
  if (pair_.unwinding && l == &pair_.fix) return;
  try_resolve(ctx);
}

void XvenueArb::on_timer(StrategyContext& ctx, std::uint64_t token) noexcept {
  if (!pair_.active) return;
  if (token == kRetryToken && pair_.retry_pending) {
    pair_.retry_pending = false;
    pair_.fix.done = true;  // the refused order: nothing filled
    try_resolve(ctx);
    return;
  }
  if (token == kFillWaitToken && pair_.wait_pending &&
      ctx.clock().now_ns() >= pair_.wait_deadline) {
    pair_.wait_pending = false;
    Leg* legs[3] = {&pair_.legs[0], &pair_.legs[1], pair_.unwinding ? &pair_.fix : nullptr};
    for (Leg* l : legs) {
      if (l == nullptr || !l->terminal || l->done) continue;
      // The fills never came: book the report's quantity at its average price.
      const double missing = l->reported - l->filled;
      const double px = l->report_avg > 0 ? l->report_avg : l->limit;
      book_fill(*l, missing, px,
                missing * px * taker_bps_[static_cast<std::size_t>(l->slot)] * 1e-4);
      l->synth = missing;
      l->done = true;
      NoteBuf nb;
      nb << "xvenue_arb pair " << pair_.id << ": fills missing, booked " << missing << " @" << px;
      ctx.note(nb.view());
    }
    try_resolve(ctx);
  }
}

void XvenueArb::remember(const Leg& l) noexcept {
  if (l.slot < 0 || l.cloid.is_null()) return;
  recent_[recent_next_] =
      Recent{l.cloid, l.slot, l.synth, l.report_avg > 0 ? l.report_avg : l.limit};
  recent_next_ = (recent_next_ + 1) % kRecent;
}

void XvenueArb::try_resolve(StrategyContext& ctx) noexcept {
  if (!pair_.active) return;
  const Leg& a = pair_.legs[0];  // the buy
  const Leg& b = pair_.legs[1];  // the sell
  if (!a.done || !b.done || (pair_.unwinding && !pair_.fix.done)) return;
  if (pair_.unwinding) {
    remember(pair_.fix);  // its fills are already in the pair's totals
    pair_.fix = Leg{};
  }
  const double d = pair_.bought - pair_.sold;  // > 0: long excess
  const double residual = d - std::clamp(d, pair_.lo, pair_.hi);
  // Unwind trades the excess back where it filled; complete trades the gap on the other venue.
  const bool long_excess = residual > 0;
  const InstrumentId where = cfg_.leg_policy == LegPolicy::kUnwind ? (long_excess ? a.ins : b.ins)
                                                                   : (long_excess ? b.ins : a.ins);
  const auto& in = ctx.instruments().get(where);
  const double lot = in.lot.to_double();
  if (std::fabs(residual) < std::max(lot, kTol) - kTol) {
    // Balanced (or less than one lot off, which no order can fix: it stays inventory).
    if (pair_.bought < kTol && pair_.sold < kTol) {
      finish(ctx, Outcome::kMissed);
    } else if (!pair_.needed_fix) {
      finish(ctx, Outcome::kBothFilled);
    } else {
      finish(ctx, cfg_.leg_policy == LegPolicy::kUnwind ? Outcome::kUnwound : Outcome::kCompleted);
    }
    return;
  }
  if (pair_.attempts >= cfg_.max_unwind_attempts) {
    finish(ctx, Outcome::kStuck);
    return;
  }
  ++pair_.attempts;
  pair_.unwinding = true;
  pair_.needed_fix = true;
  const Side side = long_excess ? Side::kSell : Side::kBuy;
  algos::MarketIocConfig mc;
  mc.slippage_cap = cfg_.unwind_slippage_pct / 100.0;
  mc.size_to_book = false;
  auto qty = Qty::from_double(long_excess ? residual : -residual, in.lot, common::RoundMode::kDown);
  const auto quote = algos::price_market_ioc(ctx.book(where), in, side, qty ? *qty : Qty{}, mc);
  NoteBuf nb;
  nb << "xvenue_arb pair " << pair_.id << " leg mismatch " << residual << ": "
     << (cfg_.leg_policy == LegPolicy::kUnwind ? "unwind" : "complete") << " on "
     << common::to_string(in.venue) << " attempt " << pair_.attempts;
  ctx.note(nb.view());
  if (quote.error != algos::MarketIocError::kOk) {
    // Cannot even price it (book invalid or empty within the cap): stuck.
    finish(ctx, Outcome::kStuck);
    return;
  }
  record_sent(where, side, quote.limit, quote.qty, ctx.clock().now_ns());
  if (!send_ioc(ctx, where, side, quote.limit, quote.qty, &pair_.fix) && pair_.active) {
    // Refused by the risk gate: this attempt counts; re-price and resend after a pause.
    pair_.retry_pending = true;
    ctx.schedule_timer(ctx.clock().now_ns() + cfg_.unwind_retry.count(), kRetryToken);
  }
}

// ---------------------------------------------------------------------------------------------
// Outcomes, PnL and learning

double XvenueArb::add_inventory(double qty, double price) noexcept {
  double realized = 0;
  if (inv_qty_ != 0 && (inv_qty_ > 0) != (qty > 0)) {
    const double closed = std::min(std::fabs(qty), std::fabs(inv_qty_));
    realized = closed * (price - inv_price_) * (inv_qty_ > 0 ? 1.0 : -1.0);
    const double left = std::fabs(inv_qty_) - closed;
    const double rest = std::fabs(qty) - closed;
    if (left > kTol) {
      inv_qty_ = inv_qty_ > 0 ? left : -left;
    } else if (rest > kTol) {
      inv_qty_ = qty > 0 ? rest : -rest;
      inv_price_ = price;
    } else {
      inv_qty_ = 0;
      inv_price_ = 0;
    }
    return realized;
  }
  const double total = std::fabs(inv_qty_) + std::fabs(qty);
  if (total > kTol)
    inv_price_ = (std::fabs(inv_qty_) * inv_price_ + std::fabs(qty) * price) / total;
  inv_qty_ += qty;
  return 0;
}

void XvenueArb::finish(StrategyContext& ctx, Outcome o) noexcept {
  if (!pair_.active) return;  // already resolved (a nested callback got there first)
  const Pair& p = pair_;
  const double avg_buy = p.bought > 0 ? p.bought_notional / p.bought : 0.0;
  const double avg_sell = p.sold > 0 ? p.sold_notional / p.sold : 0.0;
  // Matched quantity's price difference minus every fee of the pair (legs and fix orders). Any
  // net quantity left is carried at its own average cost into the strategy's inventory; what
  // closes earlier inventory (a flattening leg) is realized against that inventory's cost.
  const double net = p.bought - p.sold;
  const double carry = net > 0 ? avg_buy : avg_sell;
  const double pnl = p.sold_notional - p.bought_notional - p.fees + net * carry;
  const double inv_pnl = std::fabs(net) > kTol ? add_inventory(net, carry) : 0.0;
  realized_pnl_ += pnl + inv_pnl;
  fees_paid_ += p.fees;
  ++outcomes_[static_cast<std::size_t>(o)];
  const Nanos now = ctx.clock().now_ns();
  {
    NoteBuf nb;
    nb << "xvenue_arb outcome " << kOutcomeNames[static_cast<std::size_t>(o)] << " #" << p.id
       << " pnl " << pnl << " gross " << pnl + p.fees << " fees " << p.fees;
    if (p.notional > 0) nb << " bp " << pnl / p.notional * 1e4;
    ctx.note(nb.view());
  }
  remember(p.legs[0]);
  remember(p.legs[1]);
  learn(ctx, o, pnl, now);
  {
    const int a = p.buy_slot, b = p.sell_slot;
    NoteBuf nb;
    nb << "xvenue_arb #" << p.id << " bought " << p.bought << " sold " << p.sold << " p_fail "
       << failure_rate(a, b, now) << " cost_bp " << failure_cost_bps(a, b, now) << " req_bp "
       << required_edge_bps(a, b, now);
    if (std::fabs(inv_pnl) > kTol || std::fabs(net) > kTol) nb << " inv " << inv_qty_;
    ctx.note(nb.view());
  }
  if (o == Outcome::kStuck && cfg_.halt_on_stuck) {
    halted_ = true;
    ctx.note("xvenue_arb: halted with an open residual; manual attention needed");
  }
  pair_ = Pair{};
}

void XvenueArb::learn(StrategyContext& ctx, Outcome o, double pnl, Nanos now) noexcept {
  const int a = pair_.buy_slot, b = pair_.sell_slot;
  if (a < 0 || b < 0) return;
  Stats& s = stats_[pair_index(a, b)];
  // Fold the relaxation so far, then one EWMA step.
  s.p_fail = failure_rate(a, b, now);
  s.p_miss = miss_rate(a, b, now);
  s.cost_bps = failure_cost_bps(a, b, now);
  s.updated = now;
  const double al = cfg_.learn_alpha;
  const bool fail = o == Outcome::kUnwound || o == Outcome::kCompleted || o == Outcome::kStuck;
  const bool miss = o == Outcome::kMissed;
  s.p_fail += al * ((fail ? 1.0 : 0.0) - s.p_fail);
  s.p_miss += al * ((miss ? 1.0 : 0.0) - s.p_miss);
  if (fail && pair_.notional > 0) {
    // What the failed pair cost, net of everything, as bp of the pair's notional (>= 0).
    const double cost = std::max(0.0, -pnl / pair_.notional * 1e4);
    s.cost_bps += al * (cost - s.cost_bps);
  }
  if (o == Outcome::kBothFilled) {
    s.consecutive = 0;
    return;
  }
  ++s.consecutive;
  if (s.consecutive < cfg_.backoff_after) return;
  const int k = std::min(s.consecutive - cfg_.backoff_after, 30);
  const double base = static_cast<double>(cfg_.backoff_base.count());
  const double pause =
      std::min(base * std::ldexp(1.0, k), static_cast<double>(cfg_.backoff_max.count()));
  s.cooldown_until = now + static_cast<Nanos>(pause);
  ++backoffs_;
  NoteBuf nb;
  nb << "xvenue_arb backoff " << s.consecutive << " failures in a row: pause "
     << static_cast<std::int64_t>(pause / 1e6) << " ms";
  ctx.note(nb.view());
}

}  // namespace peregrine::strategies
