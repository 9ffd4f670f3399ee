#include "strategies/confluence/executor.hpp"

#include <algorithm>
#include <cmath>

#include "strategies/algos/market_ioc.hpp"
#include "strategies/note.hpp"
#include "strategies/params.hpp"

namespace peregrine::strategies::confluence {

using common::Qty;
using common::Side;

namespace {
// Flat params spell analyzer keys "analyzer.depth_levels"; the loader maps them onto the
// nested struct by reading each with the prefix.
void load_analyzer_flat(common::ConfigNode& n, AnalyzerConfig& a) {
  n.optional("analyzer.depth_levels", &a.depth_levels, a.depth_levels,
             common::int_parser<int>(1, 100));
  n.optional("analyzer.flow_window", &a.flow_window, a.flow_window);
  n.optional("analyzer.sample_interval", &a.sample_interval, a.sample_interval);
  n.optional("analyzer.momentum_samples", &a.momentum_samples, a.momentum_samples,
             common::int_parser<int>(3, static_cast<int>(Analyzer::kMaxSamples)));
  n.optional("analyzer.z_full", &a.z_full, a.z_full, ratio_parser(0.1, 100));
  n.optional("analyzer.w_imbalance", &a.w_imbalance, a.w_imbalance, ratio_parser(0, 1));
  n.optional("analyzer.w_flow", &a.w_flow, a.w_flow, ratio_parser(0, 1));
  n.optional("analyzer.w_momentum", &a.w_momentum, a.w_momentum, ratio_parser(0, 1));
  n.optional("analyzer.spread_weight", &a.spread_weight, a.spread_weight, ratio_parser(0, 1));
  n.optional("analyzer.tight_spread_bps", &a.tight_spread_bps, a.tight_spread_bps,
             ratio_parser(0, 10'000));
  n.optional("analyzer.wide_spread_bps", &a.wide_spread_bps, a.wide_spread_bps,
             ratio_parser(0, 10'000));
  if (a.wide_spread_bps <= a.tight_spread_bps) {
    n.error("analyzer.wide_spread_bps", "must be above tight_spread_bps");
  }
}
}  // namespace

void load(common::ConfigNode& n, ExecutorConfig& out) {
  n.optional("long_threshold", &out.long_threshold, 70.0, ratio_parser(50, 100));
  n.optional("short_threshold", &out.short_threshold, 30.0, ratio_parser(0, 50));
  const auto money = common::decimal_parser<common::Money>(common::Sign::kPositive);
  n.optional("base_notional", &out.base_notional, out.base_notional, money);
  n.optional("scale", &out.scale, 1.0, ratio_parser(0, 10));
  n.optional("max_notional", &out.max_notional, out.max_notional, money);
  n.optional("cooldown", &out.cooldown, common::Duration(std::chrono::seconds(60)));
  static constexpr std::array<common::EnumName<EntryStyle>, 2> kStyles = {
      {{"ioc", EntryStyle::kIoc}, {"post_only", EntryStyle::kPostOnly}}};
  n.optional("entry", &out.entry, EntryStyle::kIoc, common::enum_parser(kStyles));
  n.optional("slippage_pct", &out.slippage_pct, 0.2, ratio_parser(0, 20));
  n.optional("entry_timeout", &out.entry_timeout, common::Duration(std::chrono::seconds(10)));
  n.optional("stop_loss_pct", &out.stop_loss_pct, 1.0, ratio_parser(0, 50));
  n.optional("take_profit_pct", &out.take_profit_pct, 2.0, ratio_parser(0, 500));
  n.optional("native_bracket", &out.native_bracket, false);
  n.optional("use_analyzer", &out.use_analyzer, true);
  if (n.has("analyzer")) {
    n.optional_map("analyzer", &out.analyzer,
                   [](common::ConfigNode& c, AnalyzerConfig& a) { load(c, a); });
  } else {
    load_analyzer_flat(n, out.analyzer);
  }
  if (out.max_notional < out.base_notional) {
    n.error("max_notional", "must be at least base_notional");
  }
}

ConfluenceExecutor::ConfluenceExecutor(common::StrategyId id, ExecutorConfig cfg,
                                       common::InstrumentId ins)
    : id_(id), cfg_(cfg), home_(ins), ins_(ins), analyzer_(cfg.analyzer) {}

double ConfluenceExecutor::notional_for(double score) const noexcept {
  double past = 0;
  if (score >= cfg_.long_threshold) {
    past = (score - cfg_.long_threshold) / std::max(1e-9, 100.0 - cfg_.long_threshold);
  } else if (score <= cfg_.short_threshold) {
    past = (cfg_.short_threshold - score) / std::max(1e-9, cfg_.short_threshold);
  } else {
    return 0;
  }
  const double n = cfg_.base_notional.to_double() * (1.0 + cfg_.scale * std::clamp(past, 0.0, 1.0));
  return std::min(n, cfg_.max_notional.to_double());
}

void ConfluenceExecutor::on_trade(StrategyContext& ctx, const common::Trade& t) noexcept {
  if (t.instrument == home_ && cfg_.use_analyzer) analyzer_.on_trade(t, ctx.clock().now_ns());
}

void ConfluenceExecutor::on_book(StrategyContext& ctx, common::InstrumentId id) noexcept {
  if (state_ == State::kInPosition && id == ins_) bracket_.on_book(ctx, id);
  if (id != home_ || !cfg_.use_analyzer) return;
  const Components& c = analyzer_.on_book(ctx.book(home_), ctx.clock().now_ns());
  decide(ctx, c.score);
}

void ConfluenceExecutor::on_signal(StrategyContext& ctx, const Signal& s) noexcept {
  if (!asset_.valid()) asset_ = ctx.instruments().asset_of(home_);
  if (s.asset != asset_ || !std::isfinite(s.score)) return;
  decide(ctx, std::clamp(s.score, 0.0, 100.0));
}

void ConfluenceExecutor::decide(StrategyContext& ctx, double score) noexcept {
  const bool long_sig = score >= cfg_.long_threshold;
  const bool short_sig = score <= cfg_.short_threshold;
  if (state_ == State::kInPosition) {
    if ((side_ == Side::kBuy && short_sig) || (side_ == Side::kSell && long_sig)) {
      exit_position(ctx, "opposite signal");
    }
    return;
  }
  if (state_ != State::kFlat || (!long_sig && !short_sig)) return;
  if (ctx.clock().now_ns() < cooldown_until_) return;
  enter(ctx, long_sig ? Side::kBuy : Side::kSell, score);
}

void ConfluenceExecutor::enter(StrategyContext& ctx, Side side, double score) noexcept {
  if (!asset_.valid()) asset_ = ctx.instruments().asset_of(home_);
  const common::L2Book& home_book = ctx.book(home_);
  if (!home_book.is_valid() || !home_book.has_ask() || !home_book.has_bid()) return;
  const double notional = notional_for(score);
  const double ref = home_book.mid().to_double();
  // Flat here, so no position pins the venue: with venue auto the router picks it per entry.
  const common::InstrumentId routed =
      cfg_.auto_venue
          ? ctx.route(asset_, side, Qty::from_raw(static_cast<std::int64_t>(notional / ref * 1e8)))
          : common::InstrumentId{};
  const bool usable = routed.valid() && routed.value < ctx.instruments().size() &&
                      ctx.instruments().asset_of(routed) == asset_;
  ins_ = usable ? routed : home_;
  const auto& ins = ctx.instruments().get(ins_);
  const common::L2Book& book = ctx.book(ins_);
  if (!book.is_valid() || !book.has_ask() || !book.has_bid()) return;
  auto q = Qty::from_double(notional / book.mid().to_double(), ins.lot, common::RoundMode::kDown);
  if (!q || q->is_zero() || *q < ins.min_qty) return;
  common::OrderIntent o;
  if (cfg_.entry == EntryStyle::kIoc) {
    algos::MarketIocConfig mc;
    mc.slippage_cap = cfg_.slippage_pct / 100.0;
    mc.size_to_book = false;
    const auto quote = algos::price_market_ioc(book, ins, side, *q, mc);
    if (quote.error != algos::MarketIocError::kOk) return;
    algos::make_ioc_intent(ins, side, quote, &o);
  } else {
    o.action = common::IntentAction::kNew;
    o.instrument = ins_;
    o.venue = ins.venue;
    o.side = side;
    o.type = common::OrderType::kLimit;
    o.tif = common::TimeInForce::kPostOnly;
    o.price = (side == Side::kBuy ? book.best_bid() : book.best_ask()).price;
    o.qty = *q;
  }
  o.cloid = ctx.next_order_id();
  o.strategy = id_;
  o.ts_recv = ctx.clock().now_ns();
  side_ = side;
  qty_ = Qty{};
  entry_notional_ = 0;
  if (ctx.submit(o) != SubmitResult::kAccepted) {
    rejected(ctx, "entry refused at submit");
    return;
  }
  entry_cloid_ = o.cloid;
  state_ = State::kEntering;
  if (cfg_.entry == EntryStyle::kPostOnly) {
    ctx.schedule_timer(ctx.clock().now_ns() + cfg_.entry_timeout.count(), ++timer_seq_);
  }
  NoteBuf nb;
  nb << "confluence signal " << score << ": " << (side == Side::kBuy ? "long " : "short ") << o.qty
     << " on " << common::to_string(ins.venue);
  ctx.note(nb.view());
}

void ConfluenceExecutor::exit_position(StrategyContext& ctx, const char* why) noexcept {
  bracket_.disarm(ctx);
  const auto& ins = ctx.instruments().get(ins_);
  algos::MarketIocConfig mc;
  mc.slippage_cap = cfg_.slippage_pct / 100.0;
  mc.size_to_book = false;
  const Side close = common::opposite(side_);
  const auto quote = algos::price_market_ioc(ctx.book(ins_), ins, close, qty_, mc);
  if (quote.error != algos::MarketIocError::kOk) return;
  common::OrderIntent o;
  algos::make_ioc_intent(ins, close, quote, &o);
  o.cloid = ctx.next_order_id();
  o.strategy = id_;
  o.flags = common::intent_flags::kReduceOnly;
  o.ts_recv = ctx.clock().now_ns();
  if (ctx.submit(o) != SubmitResult::kAccepted) {
    rejected(ctx, "exit refused at submit");
    return;
  }
  exit_cloid_ = o.cloid;
  state_ = State::kExiting;
  NoteBuf nb;
  nb << "ALERT exit (" << why << ") " << qty_;
  ctx.note(nb.view());
}

void ConfluenceExecutor::rejected(StrategyContext& ctx, const char* what) noexcept {
  ++rejections_;
  NoteBuf nb;
  nb << "ALERT rejected: " << what;
  ctx.note(nb.view());
}

void ConfluenceExecutor::on_fill(StrategyContext& ctx, const common::Fill& f) noexcept {
  if (f.cloid == entry_cloid_ && !entry_cloid_.is_null()) {
    qty_ += f.qty;
    entry_notional_ += f.price.to_double() * f.qty.to_double();
  } else if (f.cloid == exit_cloid_ && !exit_cloid_.is_null()) {
    qty_ = f.qty >= qty_ ? Qty{} : qty_ - f.qty;
  } else if (bracket_.owns(f.cloid)) {
    bracket_.on_fill(ctx, f);
    qty_ = f.qty >= qty_ ? Qty{} : qty_ - f.qty;
    if (!bracket_.active() && qty_.is_zero() && state_ == State::kInPosition) {
      state_ = State::kFlat;
      ++exits_;
      cooldown_until_ = ctx.clock().now_ns() + cfg_.cooldown.count();
      NoteBuf nb;
      nb << "ALERT exit (bracket "
         << (bracket_.exit() == algos::Bracket::Exit::kTakeProfit ? "take-profit" : "stop-loss")
         << ")";
      ctx.note(nb.view());
    }
  }
}

void ConfluenceExecutor::on_order_update(StrategyContext& ctx,
                                         const common::OrderUpdate& u) noexcept {
  using common::OrderStatus;
  if (bracket_.owns(u.cloid)) bracket_.on_order_update(ctx, u);
  const bool terminal = u.status == OrderStatus::kFilled || u.status == OrderStatus::kCancelled ||
                        u.status == OrderStatus::kRejected || u.status == OrderStatus::kExpired;
  if (!terminal) return;
  if (u.cloid == entry_cloid_ && state_ == State::kEntering) {
    entry_cloid_ = {};
    if (u.status == OrderStatus::kRejected) rejected(ctx, "entry rejected by venue");
    if (qty_.is_zero()) {
      state_ = State::kFlat;
      return;
    }
    state_ = State::kInPosition;
    ++entries_;
    cooldown_until_ = ctx.clock().now_ns() + cfg_.cooldown.count();
    const double avg = entry_notional_ / qty_.to_double();
    const auto& ins = ctx.instruments().get(ins_);
    auto px = common::Price::from_double(avg, ins.tick, common::RoundMode::kNearestEven);
    algos::BracketConfig bc;
    bc.stop_loss_pct = cfg_.stop_loss_pct;
    bc.take_profit_pct = cfg_.take_profit_pct;
    bc.slippage_pct = cfg_.slippage_pct;
    bc.native = cfg_.native_bracket;
    bracket_.arm(ctx, id_, ins_, side_, qty_, px ? *px : common::Price{}, u.cloid, bc);
    NoteBuf nb;
    nb << "ALERT entry " << (side_ == Side::kBuy ? "long " : "short ") << qty_ << " @" << avg;
    ctx.note(nb.view());
  } else if (u.cloid == exit_cloid_ && state_ == State::kExiting) {
    exit_cloid_ = {};
    if (qty_.is_zero()) {
      state_ = State::kFlat;
      ++exits_;
      cooldown_until_ = ctx.clock().now_ns() + cfg_.cooldown.count();
    } else {
      state_ = State::kInPosition;  // partial exit: the next opposite signal retries
    }
  }
}

void ConfluenceExecutor::on_denied(StrategyContext& ctx, const common::OrderDenied& d) noexcept {
  if (d.cloid == entry_cloid_ && state_ == State::kEntering) {
    entry_cloid_ = {};
    state_ = State::kFlat;
  } else if (d.cloid == exit_cloid_ && state_ == State::kExiting) {
    exit_cloid_ = {};
    state_ = State::kInPosition;
  }
  rejected(ctx, "order denied by risk");
}

void ConfluenceExecutor::on_timer(StrategyContext& ctx, std::uint64_t token) noexcept {
  // A post-only entry that has not filled by the timeout is pulled.
  if (token != timer_seq_ || state_ != State::kEntering || entry_cloid_.is_null()) return;
  common::OrderIntent c;
  c.action = common::IntentAction::kCancel;
  c.cloid = ctx.next_order_id();
  c.target = entry_cloid_;
  c.instrument = ins_;
  c.venue = ctx.instruments().get(ins_).venue;
  c.strategy = id_;
  static_cast<void>(ctx.submit(c));
  ctx.note("confluence: post-only entry timed out");
}

}  // namespace peregrine::strategies::confluence
