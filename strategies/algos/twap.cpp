#include "strategies/algos/twap.hpp"

#include <algorithm>

#include "common/l2_book.hpp"
#include "strategies/intent_ext.hpp"
#include "strategies/note.hpp"
#include "strategies/params.hpp"

namespace peregrine::strategies::algos {

using common::Nanos;
using common::Qty;
using common::Side;

void load(common::ConfigNode& n, TwapConfig& out) {
  n.optional("side", &out.side, Side::kBuy, parse_side);
  n.required("total_qty", &out.total_qty, common::decimal_parser<Qty>(common::Sign::kPositive));
  n.optional("duration", &out.duration, common::Duration(std::chrono::minutes(30)));
  n.optional("slices", &out.slices, 30, common::int_parser<int>(1, 10'000));
  n.optional("randomize", &out.randomize, 0.0, ratio_parser(0.0, 0.9));
  static constexpr std::array<common::EnumName<SliceType>, 2> kTypes = {
      {{"ioc", SliceType::kIoc}, {"limit", SliceType::kLimit}}};
  n.optional("slice_type", &out.slice_type, SliceType::kIoc, common::enum_parser(kTypes));
  n.optional("slippage_pct", &out.slippage_pct, 0.5, ratio_parser(0.0, 20.0));
  n.optional("reduce_only", &out.reduce_only, false);
  n.optional("native", &out.native, false);
  std::int64_t seed = 1;
  n.optional("seed", &seed, std::int64_t{1}, common::int_parser<std::int64_t>(0));
  out.seed = static_cast<std::uint64_t>(seed);
  if (out.duration.count() <= 0) n.error("duration", "must be positive");
  if (out.native) {
    const auto mins = std::chrono::duration_cast<std::chrono::minutes>(out.duration);
    if (mins != out.duration || mins.count() < 5 || mins.count() > 1440) {
      n.error("duration", "native twapOrder takes whole minutes in [5, 1440]");
    }
  }
}

Twap::Twap(common::StrategyId id, TwapConfig cfg, common::InstrumentId ins)
    : id_(id), cfg_(cfg), ins_(ins) {
  const int n = std::max(1, cfg_.slices);
  offsets_.reserve(static_cast<std::size_t>(n));
  const Nanos interval = cfg_.duration.count() / n;
  common::Rng rng(cfg_.seed);
  for (int i = 0; i < n; ++i) {
    const double jitter = cfg_.randomize * rng.uniform01();
    offsets_.push_back(interval * i + static_cast<Nanos>(jitter * static_cast<double>(interval)));
  }
}

void Twap::on_start(StrategyContext& ctx) noexcept {
  start_ = ctx.clock().now_ns();
  started_ = true;
  const auto& ins = ctx.instruments().get(ins_);
  if (cfg_.native) {
    common::OrderIntent o;
    o.action = common::IntentAction::kNew;
    o.cloid = ctx.next_order_id();
    o.instrument = ins_;
    o.venue = ins.venue;
    o.strategy = id_;
    o.side = cfg_.side;
    o.qty = cfg_.total_qty;
    o.type = common::OrderType::kMarket;
    o.trigger_price = common::Price::from_raw(cfg_.duration.count() / 60'000'000'000LL);
    o.flags = static_cast<std::uint8_t>(intent_ext::kNativeTwap |
                                        (cfg_.randomize > 0 ? intent_ext::kTwapRandomize : 0) |
                                        (cfg_.reduce_only ? common::intent_flags::kReduceOnly : 0));
    o.ts_recv = start_;
    const bool ok = ctx.submit(o) == SubmitResult::kAccepted;
    ctx.note(ok ? "twap: native twapOrder sent" : "twap: native twapOrder refused");
    sent_ = ok ? 1 : 0;
    if (ok) native_ = o.cloid;
    done_ = !ok;  // otherwise done when the venue reports the TWAP's end (on_order_update)
    return;
  }
  for (std::size_t i = 0; i < offsets_.size(); ++i) {
    ctx.schedule_timer(start_ + offsets_[i], i);
  }
}

Qty Twap::target_through(StrategyContext& ctx, int i) const noexcept {
  const int n = static_cast<int>(offsets_.size());
  if (i + 1 >= n) return cfg_.total_qty;
  const auto& ins = ctx.instruments().get(ins_);
  const double t = cfg_.total_qty.to_double() * (i + 1) / n;
  auto q = Qty::from_double(t, ins.lot, common::RoundMode::kDown);
  return q ? *q : Qty{};
}

void Twap::fire_slice(StrategyContext& ctx, int i) noexcept {
  const auto& ins = ctx.instruments().get(ins_);
  const common::L2Book& book = ctx.book(ins_);
  if (!book.is_valid()) {
    if (pending_slice_ < 0) ctx.note("twap: slice waits for a valid book");
    pending_slice_ = i;  // catch up on the next valid book
    return;
  }
  pending_slice_ = -1;
  if (!working_.is_null()) {
    // The previous limit slice's remainder rolls into this one.
    common::OrderIntent c;
    c.action = common::IntentAction::kCancel;
    c.cloid = ctx.next_order_id();
    c.target = working_;
    c.instrument = ins_;
    c.venue = ins.venue;
    c.strategy = id_;
    static_cast<void>(ctx.submit(c));
    working_ = {};
  }
  const Qty target = target_through(ctx, i);
  if (target <= filled_) return;
  const Qty want = target - filled_;
  const bool last = i + 1 >= static_cast<int>(offsets_.size());
  common::OrderIntent o;
  if (cfg_.slice_type == SliceType::kIoc || last) {
    MarketIocConfig mc;
    mc.slippage_cap = cfg_.slippage_pct / 100.0;
    mc.size_to_book = false;
    const auto q = price_market_ioc(book, ins, cfg_.side, want, mc);
    if (q.error != MarketIocError::kOk) {
      NoteBuf nb;
      nb << "twap: slice " << i << " not priced (error " << static_cast<int>(q.error) << ")";
      ctx.note(nb.view());
      return;
    }
    make_ioc_intent(ins, cfg_.side, q, &o);
  } else {
    const common::Level l = cfg_.side == Side::kBuy ? book.best_bid() : book.best_ask();
    if (l.qty.is_zero()) return;
    o.action = common::IntentAction::kNew;
    o.instrument = ins_;
    o.venue = ins.venue;
    o.side = cfg_.side;
    o.type = common::OrderType::kLimit;
    o.tif = common::TimeInForce::kPostOnly;
    o.price = l.price;
    o.qty = want;
  }
  o.cloid = ctx.next_order_id();
  o.strategy = id_;
  o.ts_recv = ctx.clock().now_ns();
  if (cfg_.reduce_only) o.flags |= common::intent_flags::kReduceOnly;
  if (ctx.submit(o) != SubmitResult::kAccepted) return;  // the denial is journaled by the core
  ++sent_;
  if (o.tif == common::TimeInForce::kPostOnly) working_ = o.cloid;
}

void Twap::on_timer(StrategyContext& ctx, std::uint64_t token) noexcept {
  if (!started_ || done_ || token >= offsets_.size()) return;
  fire_slice(ctx, static_cast<int>(token));
}

void Twap::on_book(StrategyContext& ctx, common::InstrumentId id) noexcept {
  if (id == ins_ && pending_slice_ >= 0 && !done_) fire_slice(ctx, pending_slice_);
}

void Twap::on_fill(StrategyContext& ctx, const common::Fill& f) noexcept {
  if (f.instrument != ins_) return;  // the engine routes only this strategy's fills here
  filled_ += f.qty;
  if (filled_ >= cfg_.total_qty && !done_) {
    done_ = true;
    NoteBuf nb;
    nb << "twap done: filled " << filled_;
    ctx.note(nb.view());
  }
}

bool Twap::cancel(StrategyContext& ctx) noexcept {
  if (!started_ || done_) return false;
  const auto& ins = ctx.instruments().get(ins_);
  const common::ClientOrderId target = cfg_.native ? native_ : working_;
  if (!cfg_.native) {
    done_ = true;  // no further slices; fills of the one in flight still count
    working_ = {};
  }
  if (target.is_null()) return !cfg_.native;
  common::OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.cloid = ctx.next_order_id();
  c.target = target;
  c.instrument = ins_;
  c.venue = ins.venue;
  c.strategy = id_;
  c.ts_recv = ctx.clock().now_ns();
  const bool ok = ctx.submit(c) == SubmitResult::kAccepted;
  ctx.note(ok ? "twap: cancel sent" : "twap: cancel refused");
  return ok;
}

void Twap::on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept {
  using common::OrderStatus;
  if (cfg_.native && !native_.is_null() && u.cloid == native_) {
    native_status_ = u.status;
    const bool terminal = u.status == OrderStatus::kFilled || u.status == OrderStatus::kCancelled ||
                          u.status == OrderStatus::kRejected || u.status == OrderStatus::kExpired;
    if (terminal && !done_) {
      done_ = true;
      NoteBuf nb;
      nb << "twap: native TWAP ended, filled " << u.filled_qty << " of " << cfg_.total_qty;
      ctx.note(nb.view());
    }
    return;
  }
  if (u.cloid == working_ &&
      (u.status == OrderStatus::kRejected || u.status == OrderStatus::kFilled ||
       u.status == OrderStatus::kCancelled)) {
    working_ = {};
  }
  static_cast<void>(ctx);
}

}  // namespace peregrine::strategies::algos
