#include "strategies/fib_hedger.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "common/l2_book.hpp"
#include "strategies/intent_ext.hpp"
#include "strategies/note.hpp"
#include "strategies/params.hpp"

namespace peregrine::strategies {

using common::ClientOrderId;
using common::InstrumentId;
using common::PositionSide;
using common::Qty;
using common::Side;

void load(common::ConfigNode& n, FibHedgerConfig& out) {
  n.optional("side", &out.side, Side::kBuy, parse_side);
  n.optional("order_qty", &out.order_qty, Qty{},
             common::decimal_parser<Qty>(common::Sign::kNonNegative));
  static constexpr std::array<common::EnumName<AnchorMode>, 2> kAnchors = {
      {{"lookback", AnchorMode::kLookback}, {"entry", AnchorMode::kEntry}}};
  n.optional("anchor", &out.anchor, AnchorMode::kLookback, common::enum_parser(kAnchors));
  n.optional("swing_lookback", &out.swing_lookback, common::Duration(std::chrono::hours(4)));
  n.optional("min_range_pct", &out.min_range_pct, 0.5, ratio_parser(0.0, 50.0));
  n.optional("hedge_level", &out.hedge_level, 0.236, ratio_parser(0.001, 0.999));
  n.optional("hedge_ratio", &out.hedge_ratio, 0.5, ratio_parser(0.0, 1.0));
  n.optional("levels", &out.levels, std::vector<double>{0.382, 0.5},
             double_list_parser(0.001, 0.999));
  n.optional("reduce_fractions", &out.reduce_fractions, std::vector<double>{},
             double_list_parser(0.0, 1.0));
  n.optional("trailing_stop_pct", &out.trailing_stop_pct, 3.0, ratio_parser(0.0, 50.0));
  n.optional("rearm_pct", &out.rearm_pct, 0.1, ratio_parser(0.0, 10.0));
  n.optional("slippage_pct", &out.slippage_pct, 0.5, ratio_parser(0.0, 20.0));
  static constexpr std::array<common::EnumName<HedgeMode>, 4> kModes = {
      {{"other_venue", HedgeMode::kOtherVenue},
       {"hedge_mode", HedgeMode::kHedgeMode},
       {"sub_account", HedgeMode::kSubAccount},
       {"one_way", HedgeMode::kOneWay}}};
  const bool mode_given = n.optional("hedge_mode", &out.hedge_mode, HedgeMode::kOtherVenue,
                                     common::enum_parser(kModes));
  n.optional("hedge_venue", &out.hedge_venue, parse_venue_name);

  if (out.swing_lookback.count() <= 0 && out.anchor == AnchorMode::kLookback) {
    n.error("swing_lookback", "must be positive when anchor is lookback");
  }
  if (out.levels.size() > FibHedger::kMaxLevels) {
    n.error("levels", "at most " + std::to_string(FibHedger::kMaxLevels) + " levels");
  }
  if (!std::is_sorted(out.levels.begin(), out.levels.end())) {
    n.error("levels", "must be ascending");
  }
  if (!out.levels.empty() && out.levels.front() <= out.hedge_level) {
    n.error("levels", "reduce levels must be above hedge_level");
  }
  if (out.reduce_fractions.empty()) {
    out.reduce_fractions.assign(out.levels.size(), 0.25);
  } else if (out.reduce_fractions.size() != out.levels.size()) {
    n.error("reduce_fractions",
            "needs one fraction per level (" + std::to_string(out.levels.size()) + ")");
  }
  double sum = 0;
  for (double f : out.reduce_fractions) sum += f;
  if (sum > 1.0 + 1e-9) n.error("reduce_fractions", "must sum to at most 1");
  if (!mode_given && !out.hedge_venue) out.hedge_mode = HedgeMode::kOneWay;
  if (out.hedge_mode == HedgeMode::kOtherVenue && !out.hedge_venue) {
    n.error("hedge_venue", "required when hedge_mode is other_venue");
  }
}

FibHedger::FibHedger(common::StrategyId id, FibHedgerConfig cfg, InstrumentId main,
                     InstrumentId hedge)
    : id_(id),
      cfg_(std::move(cfg)),
      main_(main),
      hedge_(hedge.valid() ? hedge : main),
      long_(cfg_.side == Side::kBuy) {
  if (cfg_.reduce_fractions.size() < cfg_.levels.size()) {
    cfg_.reduce_fractions.resize(cfg_.levels.size(), 0.25);
  }
  if (cfg_.levels.size() > kMaxLevels) cfg_.levels.resize(kMaxLevels);
  const auto total = std::chrono::duration_cast<common::Duration>(cfg_.swing_lookback).count();
  bucket_ns_ = std::max<common::Nanos>(1, total / static_cast<common::Nanos>(kBuckets));
}

void FibHedger::on_start(StrategyContext& ctx) noexcept {
  NoteBuf nb;
  nb << "fib_hedger start side=" << (long_ ? "long" : "short") << " order_qty=" << cfg_.order_qty
     << " hedge_mode=" << static_cast<int>(cfg_.hedge_mode);
  ctx.note(nb.view());
  if (cfg_.hedge_mode == HedgeMode::kOneWay) {
    ctx.note("fib_hedger: one-way account, hedges degrade to net reductions");
  }
}

void FibHedger::record_sample(common::Nanos now, double mid) noexcept {
  const common::Nanos epoch = now / bucket_ns_;
  Bucket& b = ring_[static_cast<std::size_t>(epoch % static_cast<common::Nanos>(kBuckets))];
  if (b.epoch != epoch) {
    b = Bucket{epoch, mid, mid};
  } else {
    b.lo = std::min(b.lo, mid);
    b.hi = std::max(b.hi, mid);
  }
}

double FibHedger::lookback_anchor(common::Nanos now, double fallback) const noexcept {
  const common::Nanos cur = now / bucket_ns_;
  double a = fallback;
  for (const Bucket& b : ring_) {
    if (b.epoch < 0 || cur - b.epoch >= static_cast<common::Nanos>(kBuckets)) continue;
    a = long_ ? std::min(a, b.lo) : std::max(a, b.hi);
  }
  return a;
}

bool FibHedger::real_swing(double base, double extreme) const noexcept {
  const double range = long_ ? extreme - base : base - extreme;
  if (range <= 0 || base <= 0) return false;
  return range * 100.0 >= cfg_.min_range_pct * base;
}

Qty FibHedger::lots_of(StrategyContext& ctx, double qty) const noexcept {
  const auto& ins = ctx.instruments().get(main_);
  auto q = Qty::from_double(qty, ins.lot, common::RoundMode::kDown);
  return q ? *q : Qty{};
}

FibHedger::Inflight* FibHedger::find(ClientOrderId c) noexcept {
  for (Inflight& f : inflight_) {
    if (f.role != Role::kNone && f.cloid == c) return &f;
  }
  return nullptr;
}

bool FibHedger::busy(Role r) const noexcept {
  for (const Inflight& f : inflight_) {
    if (f.role == r) return true;
  }
  return false;
}

bool FibHedger::send(StrategyContext& ctx, Role role, InstrumentId ins_id, Side side, Qty qty,
                     bool reduce_only, PositionSide ps, std::uint8_t extra_flags) noexcept {
  Inflight* slot = nullptr;
  for (Inflight& f : inflight_) {
    if (f.role == Role::kNone) {
      slot = &f;
      break;
    }
  }
  if (slot == nullptr || qty.is_zero()) return false;
  const common::Instrument& ins = ctx.instruments().get(ins_id);
  algos::MarketIocConfig mc;
  mc.slippage_cap = cfg_.slippage_pct / 100.0;
  mc.size_to_book = false;  // the venue fills what it can; the remainder is re-evaluated
  const auto q = algos::price_market_ioc(ctx.book(ins_id), ins, side, qty, mc);
  if (q.error != algos::MarketIocError::kOk) return false;
  common::OrderIntent in;
  algos::make_ioc_intent(ins, side, q, &in);
  in.cloid = ctx.next_order_id();
  in.strategy = id_;
  in.ts_recv = ctx.clock().now_ns();
  in.position_side = ps;
  in.flags = static_cast<std::uint8_t>((reduce_only ? common::intent_flags::kReduceOnly : 0) |
                                       extra_flags);
  if (ctx.submit(in) != SubmitResult::kAccepted) return false;
  *slot = Inflight{in.cloid, role, Qty{}};
  return true;
}

bool FibHedger::send_hedge(StrategyContext& ctx, bool open, Qty qty, Role role) noexcept {
  const Side main_side = cfg_.side;
  // Opening a hedge trades against the position; closing it trades with it.
  const Side s = open ? common::opposite(main_side) : main_side;
  switch (cfg_.hedge_mode) {
    case HedgeMode::kOneWay:
      // Net reduction (reduce-only) and, on removal, buying the size back.
      return send(ctx, role, main_, s, qty, open, PositionSide::kBoth, 0);
    case HedgeMode::kHedgeMode: {
      const PositionSide ps = long_ ? PositionSide::kShort : PositionSide::kLong;
      return send(ctx, role, main_, s, qty, !open, ps, 0);
    }
    case HedgeMode::kSubAccount:
      return send(ctx, role, hedge_, s, qty, !open, PositionSide::kBoth, intent_ext::kHedgeAccount);
    case HedgeMode::kOtherVenue:
      return send(ctx, role, hedge_, s, qty, !open, PositionSide::kBoth, 0);
  }
  return false;
}

void FibHedger::on_book(StrategyContext& ctx, InstrumentId id) noexcept {
  if (id != main_ || state_ == State::kDone) return;
  const common::L2Book& book = ctx.book(main_);
  if (!book.is_valid() || !book.has_bid() || !book.has_ask()) return;
  const double mid = book.mid().to_double();
  const common::Nanos now = ctx.clock().now_ns();
  if (state_ == State::kWaitBook) {
    record_sample(now, mid);
    if (cfg_.order_qty.is_positive()) {
      const PositionSide ps = cfg_.hedge_mode == HedgeMode::kHedgeMode
                                  ? (long_ ? PositionSide::kLong : PositionSide::kShort)
                                  : PositionSide::kBoth;
      if (send(ctx, Role::kEntry, main_, cfg_.side, cfg_.order_qty, false, ps, 0)) {
        state_ = State::kEntering;
        ctx.note("fib_hedger: entry sent");
      }
      return;
    }
    const Qty pos = ctx.position(main_);
    if (pos.is_zero() || (pos.is_positive() != long_)) return;  // nothing to manage yet
    main_qty_ = pos.abs();
    entry_px_ = mid;
    activate(ctx, mid);
    return;
  }
  if (state_ != State::kActive) return;
  run_ladder(ctx, mid);
}

void FibHedger::activate(StrategyContext& ctx, double mid) noexcept {
  const common::Nanos now = ctx.clock().now_ns();
  anchor_ = cfg_.anchor == AnchorMode::kEntry ? entry_px_ : lookback_anchor(now, entry_px_);
  extreme_ = better(mid, entry_px_) ? mid : entry_px_;
  pullback_ = extreme_;
  armed_qty_ = main_qty_;
  state_ = State::kActive;
  NoteBuf nb;
  nb << "fib_hedger active qty=" << main_qty_ << " entry=" << entry_px_ << " anchor=" << anchor_;
  ctx.note(nb.view());
}

void FibHedger::rearm(StrategyContext& ctx, double mid) noexcept {
  // The pullback extreme becomes the new swing anchor (a higher low for a long).
  if (better(pullback_, anchor_)) anchor_ = pullback_;
  hedge_fired_ = false;
  fired_.fill(false);
  // One-way: the buy-back of the degraded hedge may still be in flight; it is part of the size.
  armed_qty_ = cfg_.hedge_mode == HedgeMode::kOneWay ? main_qty_ + hedge_qty_ : main_qty_;
  ++rearms_;
  NoteBuf nb;
  nb << "fib_hedger re-arm at new extreme " << mid << " anchor=" << anchor_;
  ctx.note(nb.view());
}

void FibHedger::stop_out(StrategyContext& ctx, double mid) noexcept {
  if (busy(Role::kStopMain) || busy(Role::kStopHedge)) return;
  NoteBuf nb;
  nb << "fib_hedger trailing stop at " << mid << " extreme=" << extreme_ << " closing "
     << main_qty_;
  ctx.note(nb.view());
  stopped_ = true;
  if (main_qty_.is_positive()) {
    const PositionSide ps = cfg_.hedge_mode == HedgeMode::kHedgeMode
                                ? (long_ ? PositionSide::kLong : PositionSide::kShort)
                                : PositionSide::kBoth;
    static_cast<void>(
        send(ctx, Role::kStopMain, main_, common::opposite(cfg_.side), main_qty_, true, ps, 0));
  }
  // A one-way "hedge" is already a reduction of main_qty_; a real hedge is closed too.
  if (hedge_qty_.is_positive() && cfg_.hedge_mode != HedgeMode::kOneWay) {
    static_cast<void>(send_hedge(ctx, false, hedge_qty_, Role::kStopHedge));
  } else if (cfg_.hedge_mode == HedgeMode::kOneWay) {
    hedge_qty_ = Qty{};
  }
}

void FibHedger::run_ladder(StrategyContext& ctx, double mid) noexcept {
  if (stopped_) {
    // Retry a stop whose IOC did not fully close the position.
    if (main_qty_.is_positive() ||
        (hedge_qty_.is_positive() && cfg_.hedge_mode != HedgeMode::kOneWay)) {
      stopped_ = false;
      stop_out(ctx, mid);
    } else {
      state_ = State::kDone;
    }
    return;
  }
  const bool any_fired =
      hedge_fired_ || std::any_of(fired_.begin(), fired_.end(), [](bool b) { return b; });
  if (better(mid, extreme_)) {
    const double need =
        extreme_ * (long_ ? 1.0 + cfg_.rearm_pct / 100.0 : 1.0 - cfg_.rearm_pct / 100.0);
    if (any_fired) {
      // Hysteresis: a marginal new extreme neither removes the hedge nor re-arms, and neither
      // does one that is not a swing of min_range_pct from the pullback (in one-way mode that
      // would buy the degraded hedge back on noise). The old extreme stays until then.
      if (!better(mid, need) && mid != need) return;
      if (!real_swing(pullback_, mid)) return;
      if (hedge_qty_.is_positive()) {
        if (busy(Role::kHedgeClose) || busy(Role::kHedgeOpen)) return;
        if (!send_hedge(ctx, false, hedge_qty_, Role::kHedgeClose)) return;
        ++hedges_removed_;
        NoteBuf nb;
        nb << "fib_hedger new extreme " << mid << ": removing hedge " << hedge_qty_;
        ctx.note(nb.view());
      }
      extreme_ = mid;
      rearm(ctx, mid);
    }
    extreme_ = mid;
    pullback_ = mid;
    return;
  }
  if (better(pullback_, mid)) pullback_ = mid;
  // The stop guards the position whatever the swing: a trade that goes straight against the
  // entry has no range yet and must still be stopped.
  if (cfg_.trailing_stop_pct > 0) {
    const double t = cfg_.trailing_stop_pct / 100.0;
    const bool hit = long_ ? mid <= extreme_ * (1.0 - t) : mid >= extreme_ * (1.0 + t);
    if (hit) {
      stop_out(ctx, mid);
      return;
    }
  }
  if (!real_swing(anchor_, extreme_)) return;  // r is undefined on a swing below min_range_pct
  const double r = (extreme_ - mid) / (extreme_ - anchor_);
  const bool one_way = cfg_.hedge_mode == HedgeMode::kOneWay;
  if (!hedge_fired_ && r >= cfg_.hedge_level && cfg_.hedge_ratio > 0 && !busy(Role::kHedgeOpen) &&
      !busy(Role::kHedgeClose)) {
    Qty q = lots_of(ctx, main_qty_.to_double() * cfg_.hedge_ratio);
    if (one_way && q > main_qty_) q = main_qty_;
    if (q.is_positive() && send_hedge(ctx, true, q, Role::kHedgeOpen)) {
      hedge_fired_ = true;
      ++hedges_opened_;
      NoteBuf nb;
      nb << "fib_hedger r=" << r << " >= " << cfg_.hedge_level << ": hedge " << q;
      if (one_way) nb << " (one-way: degraded to net reduction)";
      ctx.note(nb.view());
    }
  }
  // One-way: the degraded hedge already sold hedge_ratio of the armed size, so the fractions
  // apply to the rest; with fractions summing to at most 1 the ladder cannot over-close.
  const double base =
      armed_qty_.to_double() * (one_way ? 1.0 - std::min(cfg_.hedge_ratio, 1.0) : 1.0);
  for (std::size_t i = 0; i < cfg_.levels.size(); ++i) {
    if (fired_[i] || r < cfg_.levels[i] || busy(Role::kReduce)) continue;
    Qty q = lots_of(ctx, base * cfg_.reduce_fractions[i]);
    if (q > main_qty_) q = main_qty_;
    if (!q.is_positive()) {
      fired_[i] = true;
      continue;
    }
    const PositionSide ps = cfg_.hedge_mode == HedgeMode::kHedgeMode
                                ? (long_ ? PositionSide::kLong : PositionSide::kShort)
                                : PositionSide::kBoth;
    if (send(ctx, Role::kReduce, main_, common::opposite(cfg_.side), q, true, ps, 0)) {
      fired_[i] = true;
      ++reductions_;
      NoteBuf nb;
      nb << "fib_hedger r=" << r << " >= " << cfg_.levels[i] << ": reduce " << q;
      ctx.note(nb.view());
    }
    break;  // one reduction in flight at a time
  }
}

void FibHedger::on_fill(StrategyContext& ctx, const common::Fill& f) noexcept {
  static_cast<void>(ctx);
  Inflight* fl = find(f.cloid);
  if (fl == nullptr) return;  // unknown, or already settled by its terminal update
  apply_fill(fl->role, f.qty, f.price);
  fl->applied += f.qty;
}

// Venues report a fill twice: as an execution (Fill) and inside the order's cumulative filled
// quantity (OrderUpdate), in either order. Whatever arrives first is applied; the rest of the
// quantity is applied from the terminal update, so nothing is counted twice or missed.
void FibHedger::apply_fill(Role role, Qty qty, common::Price price) noexcept {
  switch (role) {
    case Role::kEntry:
      main_qty_ += qty;
      entry_notional_ += price.to_double() * qty.to_double();
      entry_filled_ += qty.to_double();
      break;
    case Role::kReduce:
    case Role::kStopMain:
      main_qty_ = qty > main_qty_ ? Qty{} : main_qty_ - qty;
      break;
    case Role::kHedgeOpen:
      if (cfg_.hedge_mode == HedgeMode::kOneWay) {
        // A reduce-only sell cannot take more than the position: only what it took is owed back.
        const Qty took = qty > main_qty_ ? main_qty_ : qty;
        hedge_qty_ += took;
        main_qty_ -= took;
      } else {
        hedge_qty_ += qty;
      }
      break;
    case Role::kHedgeClose:
    case Role::kStopHedge:
      hedge_qty_ = qty > hedge_qty_ ? Qty{} : hedge_qty_ - qty;
      if (cfg_.hedge_mode == HedgeMode::kOneWay && role == Role::kHedgeClose) {
        main_qty_ += qty;  // the degraded hedge is bought back
      }
      break;
    case Role::kNone:
      break;
  }
}

void FibHedger::on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept {
  using common::OrderStatus;
  Inflight* fl = find(u.cloid);
  if (fl == nullptr) return;
  const bool terminal = u.status == OrderStatus::kFilled || u.status == OrderStatus::kCancelled ||
                        u.status == OrderStatus::kRejected || u.status == OrderStatus::kExpired;
  if (!terminal) return;
  const Role role = fl->role;
  if (u.filled_qty > fl->applied) {
    apply_fill(role, u.filled_qty - fl->applied, u.avg_price);
    fl->applied = u.filled_qty;
  }
  fl->role = Role::kNone;
  if (role == Role::kEntry) {
    if (main_qty_.is_zero()) {
      state_ = State::kWaitBook;  // nothing filled: try again on the next book
      ctx.note("fib_hedger: entry did not fill");
      return;
    }
    entry_px_ = entry_filled_ > 0 ? entry_notional_ / entry_filled_ : 0;
    const common::L2Book& b = ctx.book(main_);
    activate(ctx, b.is_valid() ? b.mid().to_double() : entry_px_);
  }
  if (state_ == State::kActive && stopped_ && main_qty_.is_zero() &&
      (hedge_qty_.is_zero() || cfg_.hedge_mode == HedgeMode::kOneWay) && !busy(Role::kStopMain) &&
      !busy(Role::kStopHedge)) {
    state_ = State::kDone;
    ctx.note("fib_hedger: flat after trailing stop");
  }
}

void FibHedger::on_denied(StrategyContext& ctx, const common::OrderDenied& d) noexcept {
  Inflight* fl = find(d.cloid);
  if (fl == nullptr) return;
  const Role role = fl->role;
  fl->role = Role::kNone;
  NoteBuf nb;
  nb << "fib_hedger: order denied: " << common::to_string(d.reason);
  ctx.note(nb.view());
  if (role == Role::kEntry) state_ = State::kWaitBook;
  if (role == Role::kHedgeOpen) hedge_fired_ = false;  // let the ladder try again
}

}  // namespace peregrine::strategies
