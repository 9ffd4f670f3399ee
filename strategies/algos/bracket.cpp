#include "strategies/algos/bracket.hpp"

#include "common/l2_book.hpp"
#include "strategies/algos/market_ioc.hpp"
#include "strategies/note.hpp"

namespace peregrine::strategies::algos {

using common::OrderType;
using common::Price;
using common::Qty;
using common::RoundMode;
using common::Side;

namespace {
Price on_tick(double v, Price tick, RoundMode m) noexcept {
  auto p = Price::from_double(v, tick, m);
  return p ? *p : Price{};
}
// Reduce-only IOC closing `qty` of a `position`-side position at market within `slip`.
bool close_ioc(StrategyContext& ctx, common::StrategyId sid, common::InstrumentId ins,
               Side position, Qty qty, double slip, common::ClientOrderId* out) noexcept {
  const auto& in = ctx.instruments().get(ins);
  MarketIocConfig mc;
  mc.slippage_cap = slip / 100.0;
  mc.size_to_book = false;
  const Side side = common::opposite(position);
  const auto q = price_market_ioc(ctx.book(ins), in, side, qty, mc);
  if (q.error != MarketIocError::kOk) return false;
  common::OrderIntent o;
  make_ioc_intent(in, side, q, &o);
  o.cloid = ctx.next_order_id();
  o.strategy = sid;
  o.flags = common::intent_flags::kReduceOnly;
  o.ts_recv = ctx.clock().now_ns();
  if (ctx.submit(o) != SubmitResult::kAccepted) return false;
  *out = o.cloid;
  return true;
}
}  // namespace

common::OrderIntent Bracket::base(StrategyContext& ctx) const noexcept {
  common::OrderIntent o;
  o.action = common::IntentAction::kNew;
  o.instrument = ins_;
  o.venue = ctx.instruments().get(ins_).venue;
  o.strategy = sid_;
  o.side = common::opposite(position_);
  o.qty = remaining_;
  o.flags = common::intent_flags::kReduceOnly;
  o.target = parent_;
  o.ts_recv = ctx.clock().now_ns();
  return o;
}

void Bracket::arm(StrategyContext& ctx, common::StrategyId sid, common::InstrumentId ins,
                  Side position, Qty qty, Price entry, common::ClientOrderId parent,
                  const BracketConfig& cfg) noexcept {
  cfg_ = cfg;
  sid_ = sid;
  ins_ = ins;
  position_ = position;
  remaining_ = qty;
  parent_ = parent;
  tp_cloid_ = sl_cloid_ = {};
  stop_sent_ = false;
  exit_ = Exit::kNone;
  active_ = qty.is_positive();
  const bool is_long = position == Side::kBuy;
  const Price tick = ctx.instruments().get(ins).tick;
  const double e = entry.to_double();
  // Rounded so the protection is never looser than configured.
  stop_ = cfg.stop_loss_pct > 0
              ? on_tick(e * (is_long ? 1 - cfg.stop_loss_pct / 100 : 1 + cfg.stop_loss_pct / 100),
                        tick, is_long ? RoundMode::kUp : RoundMode::kDown)
              : Price{};
  tp_ = cfg.take_profit_pct > 0
            ? on_tick(e * (is_long ? 1 + cfg.take_profit_pct / 100 : 1 - cfg.take_profit_pct / 100),
                      tick, is_long ? RoundMode::kDown : RoundMode::kUp)
            : Price{};
  if (!active_) return;
  if (tp_.is_positive()) {
    common::OrderIntent o = base(ctx);
    o.cloid = ctx.next_order_id();
    if (cfg.native) {
      o.type = OrderType::kTakeProfitMarket;
      o.trigger_price = tp_;
    } else {
      o.type = OrderType::kLimit;
      o.tif = common::TimeInForce::kGtc;
      o.price = tp_;
    }
    if (ctx.submit(o) == SubmitResult::kAccepted) tp_cloid_ = o.cloid;
  }
  if (cfg.native && stop_.is_positive()) {
    common::OrderIntent o = base(ctx);
    o.cloid = ctx.next_order_id();
    o.type = OrderType::kStopMarket;
    o.trigger_price = stop_;
    if (ctx.submit(o) == SubmitResult::kAccepted) sl_cloid_ = o.cloid;
  }
  NoteBuf nb;
  nb << "bracket armed qty=" << qty << " stop=" << stop_ << " tp=" << tp_
     << (cfg.native ? " native" : " emulated");
  ctx.note(nb.view());
}

void Bracket::cancel(StrategyContext& ctx, common::ClientOrderId& c) noexcept {
  if (c.is_null()) return;
  common::OrderIntent o;
  o.action = common::IntentAction::kCancel;
  o.cloid = ctx.next_order_id();
  o.target = c;
  o.instrument = ins_;
  o.venue = ctx.instruments().get(ins_).venue;
  o.strategy = sid_;
  o.ts_recv = ctx.clock().now_ns();
  static_cast<void>(ctx.submit(o));
  c = {};
}

void Bracket::disarm(StrategyContext& ctx) noexcept {
  if (!active_) return;
  cancel(ctx, tp_cloid_);
  if (cfg_.native) cancel(ctx, sl_cloid_);
  active_ = false;
  exit_ = Exit::kCancelled;
}

void Bracket::on_book(StrategyContext& ctx, common::InstrumentId id) noexcept {
  if (!active_ || id != ins_ || cfg_.native || stop_sent_ || !stop_.is_positive()) return;
  const common::L2Book& b = ctx.book(ins_);
  if (!b.is_valid()) return;
  const bool is_long = position_ == Side::kBuy;
  // The price we could exit at: the bid for a long, the ask for a short.
  const common::Level l = is_long ? b.best_bid() : b.best_ask();
  if (l.qty.is_zero()) return;
  const bool hit = is_long ? l.price <= stop_ : l.price >= stop_;
  if (!hit) return;
  cancel(ctx, tp_cloid_);  // one-cancels-other before the stop goes out
  if (close_ioc(ctx, sid_, ins_, position_, remaining_, cfg_.slippage_pct, &sl_cloid_)) {
    stop_sent_ = true;
    exit_ = Exit::kStopLoss;
    NoteBuf nb;
    nb << "bracket stop-loss hit at " << l.price << " closing " << remaining_;
    ctx.note(nb.view());
  }
}

void Bracket::on_fill(StrategyContext& ctx, const common::Fill& f) noexcept {
  if (!active_ || !owns(f.cloid)) return;
  remaining_ = f.qty >= remaining_ ? Qty{} : remaining_ - f.qty;
  const bool from_tp = f.cloid == tp_cloid_;
  if (from_tp) {
    exit_ = Exit::kTakeProfit;
    if (cfg_.native && remaining_.is_zero()) cancel(ctx, sl_cloid_);
  } else {
    exit_ = Exit::kStopLoss;
    if (cfg_.native) cancel(ctx, tp_cloid_);
  }
  if (remaining_.is_zero()) {
    active_ = false;
    NoteBuf nb;
    nb << "bracket done by " << (from_tp ? "take-profit" : "stop-loss");
    ctx.note(nb.view());
  }
}

void Bracket::on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept {
  using common::OrderStatus;
  if (!active_ || !owns(u.cloid)) return;
  // An emulated stop IOC that did not close everything is re-sent on the next book.
  if (u.cloid == sl_cloid_ && !cfg_.native &&
      (u.status == OrderStatus::kCancelled || u.status == OrderStatus::kRejected ||
       u.status == OrderStatus::kExpired)) {
    sl_cloid_ = {};
    stop_sent_ = false;
  }
  static_cast<void>(ctx);
}

void TrailingStop::arm(StrategyContext& ctx, common::StrategyId sid, common::InstrumentId ins,
                       Side position, Qty qty, const TrailingStopConfig& cfg) noexcept {
  cfg_ = cfg;
  sid_ = sid;
  ins_ = ins;
  position_ = position;
  qty_ = qty;
  fired_ = false;
  cloid_ = {};
  const common::L2Book& b = ctx.book(ins);
  extreme_ = b.is_valid() ? b.mid().to_double() : 0;
  active_ = qty.is_positive();
  if (!active_ || !cfg.native) return;
  common::OrderIntent o;
  o.action = common::IntentAction::kNew;
  o.cloid = ctx.next_order_id();
  o.instrument = ins;
  o.venue = ctx.instruments().get(ins).venue;
  o.strategy = sid;
  o.side = common::opposite(position);
  o.qty = qty;
  o.type = OrderType::kTrailingStopMarket;
  o.flags = common::intent_flags::kReduceOnly;
  o.price = b.is_valid() ? b.mid() : Price{};  // activation price
  auto cb =
      Price::from_double(cfg.callback_pct * 100.0, Price::from_raw(1), RoundMode::kNearestEven);
  o.trigger_price = cb ? *cb : Price{};
  o.ts_recv = ctx.clock().now_ns();
  if (ctx.submit(o) == SubmitResult::kAccepted) cloid_ = o.cloid;
}

double TrailingStop::stop_level() const noexcept {
  const double c = cfg_.callback_pct / 100.0;
  return position_ == Side::kBuy ? extreme_ * (1 - c) : extreme_ * (1 + c);
}

void TrailingStop::on_book(StrategyContext& ctx, common::InstrumentId id) noexcept {
  if (!active_ || id != ins_ || cfg_.native || fired_) return;
  const common::L2Book& b = ctx.book(ins_);
  if (!b.is_valid() || !b.has_bid() || !b.has_ask()) return;
  const double mid = b.mid().to_double();
  const bool is_long = position_ == Side::kBuy;
  if (extreme_ == 0 || (is_long ? mid > extreme_ : mid < extreme_)) {
    extreme_ = mid;
    return;
  }
  const bool hit = is_long ? mid <= stop_level() : mid >= stop_level();
  if (!hit) return;
  if (close_ioc(ctx, sid_, ins_, position_, qty_, cfg_.slippage_pct, &cloid_)) {
    fired_ = true;
    NoteBuf nb;
    nb << "trailing stop fired at mid " << mid << " extreme " << extreme_;
    ctx.note(nb.view());
  }
}

void TrailingStop::on_fill(const common::Fill& f) noexcept {
  if (!active_ || f.cloid != cloid_ || cloid_.is_null()) return;
  qty_ = f.qty >= qty_ ? Qty{} : qty_ - f.qty;
  if (qty_.is_zero()) active_ = false;
}

}  // namespace peregrine::strategies::algos
