#include "strategies/xvenue_arb.hpp"

#include <algorithm>
#include <numeric>

#include "common/l2_book.hpp"
#include "strategies/algos/market_ioc.hpp"
#include "strategies/note.hpp"
#include "strategies/params.hpp"

namespace peregrine::strategies {

using common::InstrumentId;
using common::Price;
using common::Qty;
using common::Side;

void load(common::ConfigNode& n, XvenueArbConfig& out) {
  n.optional("min_edge_bps", &out.min_edge_bps, 10.0, ratio_parser(-100.0, 10'000.0));
  n.optional("slippage_buffer_bps", &out.slippage_buffer_bps, 2.0, ratio_parser(0.0, 1'000.0));
  n.optional("max_qty", &out.max_qty, Qty{},
             common::decimal_parser<Qty>(common::Sign::kNonNegative));
  n.optional("max_notional", &out.max_notional, common::Money::from_raw(10'000LL * 100'000'000LL),
             common::decimal_parser<common::Money>(common::Sign::kPositive));
  n.optional("max_position", &out.max_position, Qty{},
             common::decimal_parser<Qty>(common::Sign::kNonNegative));
  n.optional("max_book_age", &out.max_book_age, common::Duration(std::chrono::milliseconds(500)));
  static constexpr std::array<common::EnumName<LegPolicy>, 2> kPolicies = {
      {{"unwind", LegPolicy::kUnwind}, {"complete", LegPolicy::kComplete}}};
  n.optional("leg_policy", &out.leg_policy, LegPolicy::kUnwind, common::enum_parser(kPolicies));
  n.optional("unwind_slippage_pct", &out.unwind_slippage_pct, 0.5, ratio_parser(0.0, 20.0));
  n.optional("max_unwind_attempts", &out.max_unwind_attempts, 3, common::int_parser<int>(1, 100));
  n.optional("unwind_retry", &out.unwind_retry, common::Duration(std::chrono::milliseconds(100)));
  if (out.unwind_retry.count() <= 0) n.error("unwind_retry", "must be positive");
  n.optional("other_venue", &out.other_venue, parse_venue_name);
  if (out.max_book_age.count() <= 0) n.error("max_book_age", "must be positive");
  if (out.min_edge_bps < 0) n.error("min_edge_bps", "a negative edge would pay to trade");
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

void XvenueArb::on_venue_status(StrategyContext& ctx, const common::VenueStatus& s) noexcept {
  const bool ok = s.state == common::VenueState::kConnected;
  if (venue_ok_[common::index(s.venue)] != ok) {
    NoteBuf nb;
    nb << "xvenue_arb: venue " << common::to_string(s.venue) << (ok ? " healthy" : " unhealthy");
    ctx.note(nb.view());
  }
  venue_ok_[common::index(s.venue)] = ok;
}

bool XvenueArb::tradable(StrategyContext& ctx, int slot, common::Nanos now) const noexcept {
  const InstrumentId id = ins_[static_cast<std::size_t>(slot)];
  const common::L2Book& b = ctx.book(id);
  if (!b.is_valid() || !b.has_bid() || !b.has_ask()) return false;
  const common::Nanos age = now - last_update_[static_cast<std::size_t>(slot)];
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
  *leg = Leg{o.cloid, ins, side, 0, 0, 0, false};
  if (ctx.submit(o) != SubmitResult::kAccepted) {
    leg->done = true;  // nothing will arrive for it
    return false;
  }
  return true;
}

void XvenueArb::on_book(StrategyContext& ctx, InstrumentId id) noexcept {
  const int slot = slot_of(id);
  if (slot < 0) return;
  const common::Nanos now = ctx.clock().now_ns();
  last_update_[static_cast<std::size_t>(slot)] = now;
  if (pair_.active || halted_) return;
  double best = -1e9;
  int buy = -1, sell = -1;
  for (std::size_t a = 0; a < n_; ++a) {
    if (!tradable(ctx, static_cast<int>(a), now)) continue;
    for (std::size_t b = 0; b < n_; ++b) {
      if (a == b || !tradable(ctx, static_cast<int>(b), now)) continue;
      const auto& ia = ctx.instruments().get(ins_[a]);
      const auto& ib = ctx.instruments().get(ins_[b]);
      const double ask = ctx.book(ins_[a]).best_ask().price.to_double();
      const double bid = ctx.book(ins_[b]).best_bid().price.to_double();
      const double edge = (bid - ask) / ask - ia.taker_fee.to_double() - ib.taker_fee.to_double() -
                          cfg_.slippage_buffer_bps * 1e-4;
      if (edge > best) {
        best = edge;
        buy = static_cast<int>(a);
        sell = static_cast<int>(b);
      }
    }
  }
  if (buy < 0) return;
  last_edge_bps_ = best * 1e4;
  // Compared in bp with a hair of tolerance so an edge exactly at the minimum qualifies.
  if (best * 1e4 < cfg_.min_edge_bps - 1e-9) return;
  const Qty q = size_pair(ctx, buy, sell);
  if (q.is_zero()) return;
  const InstrumentId ia = ins_[static_cast<std::size_t>(buy)];
  const InstrumentId ib = ins_[static_cast<std::size_t>(sell)];
  const Price ask = ctx.book(ia).best_ask().price;
  const Price bid = ctx.book(ib).best_bid().price;
  pair_ = Pair{};
  pair_.active = true;
  ++pairs_sent_;
  const bool a_ok = send_ioc(ctx, ia, Side::kBuy, ask, q, &pair_.legs[0]);
  if (!a_ok) {
    // First leg refused: send nothing else.
    pair_.legs[1].done = true;
    NoteBuf nb;
    nb << "xvenue_arb: first leg refused, pair abandoned";
    ctx.note(nb.view());
    finish(ctx, Outcome::kMissed);
    return;
  }
  const bool b_ok = send_ioc(ctx, ib, Side::kSell, bid, q, &pair_.legs[1]);
  NoteBuf nb;
  nb << "xvenue_arb pair " << pairs_sent_ << ": buy " << q << " "
     << common::to_string(ctx.instruments().get(ia).venue) << " @" << ask << " sell "
     << common::to_string(ctx.instruments().get(ib).venue) << " @" << bid
     << " edge_bps=" << best * 1e4 << (b_ok ? "" : " (second leg refused)");
  ctx.note(nb.view());
}

XvenueArb::Leg* XvenueArb::leg_of(common::ClientOrderId c) noexcept {
  if (!pair_.active) return nullptr;
  for (Leg& l : pair_.legs) {
    if (l.cloid == c) return &l;
  }
  if (pair_.unwinding && pair_.fix.cloid == c) return &pair_.fix;
  return nullptr;
}

void XvenueArb::on_fill(StrategyContext& ctx, const common::Fill& f) noexcept {
  Leg* l = leg_of(f.cloid);
  if (l == nullptr) return;
  l->filled += f.qty.to_double();
  l->notional += f.price.to_double() * f.qty.to_double();
  l->fees += f.fee.to_double();
  static_cast<void>(ctx);
}

void XvenueArb::on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept {
  using common::OrderStatus;
  Leg* l = leg_of(u.cloid);
  if (l == nullptr) return;
  if (u.status == OrderStatus::kFilled || u.status == OrderStatus::kCancelled ||
      u.status == OrderStatus::kRejected || u.status == OrderStatus::kExpired) {
    l->done = true;
    try_resolve(ctx);
  }
}

void XvenueArb::on_denied(StrategyContext& ctx, const common::OrderDenied& d) noexcept {
  Leg* l = leg_of(d.cloid);
  if (l == nullptr) return;
  l->done = true;
  // A refused fix order is retried by its sender after a pause (try_resolve); resolving here
  // would resend the same intent at once, inside the submit that refused it.
  if (pair_.unwinding && l == &pair_.fix) return;
  try_resolve(ctx);
}

void XvenueArb::on_timer(StrategyContext& ctx, std::uint64_t token) noexcept {
  if (token != kRetryToken || !pair_.active || !pair_.retry_pending) return;
  pair_.retry_pending = false;
  pair_.fix.done = true;  // the refused order: nothing filled
  try_resolve(ctx);
}

void XvenueArb::try_resolve(StrategyContext& ctx) noexcept {
  Leg& a = pair_.legs[0];  // the buy
  Leg& b = pair_.legs[1];  // the sell
  if (!a.done || !b.done || (pair_.unwinding && !pair_.fix.done)) return;
  if (pair_.unwinding) {
    // Fold the finished fix order into its leg so the legs always hold the truth.
    Leg& into = pair_.fix.ins == a.ins ? a : b;
    const double sgn = pair_.fix.side == into.side ? 1.0 : -1.0;
    into.filled += sgn * pair_.fix.filled;
    into.notional += sgn * pair_.fix.notional;
    into.fees += pair_.fix.fees;
    pair_.fix = Leg{};
  }
  const double residual = a.filled - b.filled;  // > 0: long excess
  const double tol = 1e-9;
  if (residual > -tol && residual < tol) {
    if (a.filled < tol && !pair_.unwinding) {
      finish(ctx, Outcome::kMissed);
    } else {
      finish(ctx, !pair_.unwinding ? Outcome::kBothFilled
                                   : (cfg_.leg_policy == LegPolicy::kUnwind ? Outcome::kUnwound
                                                                            : Outcome::kCompleted));
    }
    return;
  }
  if (pair_.attempts >= cfg_.max_unwind_attempts) {
    finish(ctx, Outcome::kStuck);
    return;
  }
  ++pair_.attempts;
  pair_.unwinding = true;
  // Unwind trades the excess back where it filled; complete trades the gap on the other venue.
  const bool long_excess = residual > 0;
  const InstrumentId where = cfg_.leg_policy == LegPolicy::kUnwind ? (long_excess ? a.ins : b.ins)
                                                                   : (long_excess ? b.ins : a.ins);
  const Side side = long_excess ? Side::kSell : Side::kBuy;
  const auto& in = ctx.instruments().get(where);
  algos::MarketIocConfig mc;
  mc.slippage_cap = cfg_.unwind_slippage_pct / 100.0;
  mc.size_to_book = false;
  auto qty = Qty::from_double(long_excess ? residual : -residual, in.lot, common::RoundMode::kDown);
  const auto quote = algos::price_market_ioc(ctx.book(where), in, side, qty ? *qty : Qty{}, mc);
  NoteBuf nb;
  nb << "xvenue_arb leg mismatch " << residual << ": "
     << (cfg_.leg_policy == LegPolicy::kUnwind ? "unwind" : "complete") << " on "
     << common::to_string(in.venue) << " attempt " << pair_.attempts;
  ctx.note(nb.view());
  if (quote.error != algos::MarketIocError::kOk) {
    // Cannot even price it (book invalid or empty within the cap, off-lot residual): stuck.
    finish(ctx, Outcome::kStuck);
    return;
  }
  if (!send_ioc(ctx, where, side, quote.limit, quote.qty, &pair_.fix) && pair_.active) {
    // Refused by the risk gate: this attempt counts; re-price and resend after a pause.
    pair_.retry_pending = true;
    ctx.schedule_timer(ctx.clock().now_ns() + cfg_.unwind_retry.count(), kRetryToken);
  }
}

void XvenueArb::finish(StrategyContext& ctx, Outcome o) noexcept {
  if (!pair_.active) return;  // already resolved (a nested callback got there first)
  const Leg& a = pair_.legs[0];
  const Leg& b = pair_.legs[1];
  // Realized on the matched quantity only; a stuck residual stays an open position.
  const double matched = std::min(a.filled, b.filled);
  const double avg_buy = a.filled > 0 ? a.notional / a.filled : 0.0;
  const double avg_sell = b.filled > 0 ? b.notional / b.filled : 0.0;
  const double pnl = matched * (avg_sell - avg_buy) - a.fees - b.fees;
  realized_pnl_ += pnl;
  ++outcomes_[static_cast<std::size_t>(o)];
  static constexpr const char* kNames[] = {"both_filled", "missed", "unwound", "completed",
                                           "stuck"};
  NoteBuf nb;
  nb << "xvenue_arb outcome " << kNames[static_cast<std::size_t>(o)] << " bought " << a.filled
     << " sold " << b.filled << " pnl " << pnl;
  ctx.note(nb.view());
  if (o == Outcome::kStuck) {
    halted_ = true;
    ctx.note("xvenue_arb: halted with an open residual; manual attention needed");
  }
  pair_ = Pair{};
}

}  // namespace peregrine::strategies
