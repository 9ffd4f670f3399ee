// ControlFlowTap and ControlBridge: see control_bridge.hpp. Core thread only.
#include "engine/session/control_bridge.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "engine/journal/journal_writer.hpp"
#include "engine/portfolio/position.hpp"
#include "strategies/algos/market_ioc.hpp"

namespace peregrine::engine {

namespace {

using common::IntentAction;
using common::OrderStatus;
using control::ReplyStatus;

bool is_terminal(OrderStatus s) noexcept {
  return s == OrderStatus::kFilled || s == OrderStatus::kCancelled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}

__int128 abs128(__int128 v) noexcept { return v < 0 ? -v : v; }

control::RiskState to_control(RiskMode m) noexcept {
  switch (m) {
    case RiskMode::kNormal:
      return control::RiskState::kNormal;
    case RiskMode::kReducingOnly:
      return control::RiskState::kReducingOnly;
    case RiskMode::kHalted:
      return control::RiskState::kHalted;
  }
  return control::RiskState::kHalted;
}

// A short message built without allocating (control replies are FixedText<95>).
class Msg {
 public:
  Msg& operator<<(std::string_view s) noexcept {
    const std::size_t n = std::min(s.size(), buf_.size() - len_);
    std::copy_n(s.data(), n, buf_.data() + len_);
    len_ += n;
    return *this;
  }
  Msg& operator<<(std::uint64_t v) noexcept {
    char tmp[24];
    const auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
    return *this << std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp));
  }
  Msg& operator<<(common::Qty q) noexcept {
    char tmp[common::kDecimalMaxChars];
    const std::size_t n = q.format(tmp);
    return *this << std::string_view(tmp, n);
  }
  [[nodiscard]] std::string_view view() const noexcept { return {buf_.data(), len_}; }

 private:
  std::array<char, 96> buf_{};
  std::size_t len_ = 0;
};

void add_counter(control::ControlSnapshot& s, std::string_view name, std::uint64_t v) noexcept {
  if (s.counter_count >= s.counters.size()) return;
  control::CounterRow& r = s.counters[s.counter_count++];
  r.name.assign(name);
  r.value = v;
}

// The quote currency each venue's perpetuals settle in (a label for /api/balances).
std::string_view quote_asset(common::VenueId v) noexcept {
  switch (v) {
    case common::VenueId::kBinance:
    case common::VenueId::kBybit:
      return "USDT";
    case common::VenueId::kHyperliquid:
    case common::VenueId::kCoinbase:
      return "USDC";
  }
  return "USD";
}

std::int32_t to_bp(double share) noexcept {
  return static_cast<std::int32_t>(share * 10'000.0 + (share < 0 ? -0.5 : 0.5));
}

void add_gauge(control::ControlSnapshot& s, std::string_view name, std::int64_t v) noexcept {
  if (s.gauge_count >= s.gauges.size()) return;
  control::GaugeRow& r = s.gauges[s.gauge_count++];
  r.name.assign(name);
  r.value = v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ControlFlowTap

ControlFlowTap::ControlFlowTap(SessionOrderFlow& inner,
                               const common::InstrumentRegistry& instruments)
    : inner_(inner),
      instruments_(instruments),
      open_(std::make_unique<OpenOrder[]>(kMaxTracked)),
      books_(instruments.size() + 1) {}

std::size_t ControlFlowTap::find(common::ClientOrderId cloid) const noexcept {
  for (std::size_t i = 0; i < open_count_; ++i) {
    if (open_[i].intent.cloid == cloid) return i;
  }
  return open_count_;
}

void ControlFlowTap::forget(std::size_t i) noexcept {
  // Order of the list does not matter (it is listed, not searched by age): swap with the last.
  open_[i] = open_[open_count_ - 1];
  --open_count_;
}

std::optional<common::DenyReason> ControlFlowTap::admit(common::OrderIntent& intent,
                                                        Nanos now) noexcept {
  if (halted_ && (intent.action == IntentAction::kNew || intent.action == IntentAction::kModify)) {
    ++halted_denials_;
    return common::DenyReason::kHalted;
  }
  const std::optional<common::DenyReason> r = inner_.admit(intent, now);
  if (r) return r;
  if (intent.action == IntentAction::kModify) {
    // The listed price/qty follow an admitted replace; the venue's answer may still refuse it.
    const std::size_t i = find(intent.target);
    if (i < open_count_) {
      open_[i].intent.price = intent.price;
      open_[i].intent.qty = intent.qty;
    }
    return r;
  }
  if (intent.action != IntentAction::kNew) return r;
  if (open_count_ == kMaxTracked) {
    ++untracked_;
    return r;
  }
  OpenOrder& o = open_[open_count_++];
  o = OpenOrder{};
  o.intent = intent;
  o.created_ns = now;
  return r;
}

void ControlFlowTap::unsend(const common::OrderIntent& intent, Nanos now) noexcept {
  inner_.unsend(intent, now);
  if (intent.action != IntentAction::kNew) return;
  const std::size_t i = find(intent.cloid);
  if (i < open_count_) forget(i);
}

OrderAnswer ControlFlowTap::on_update(const common::OrderUpdate& u, Nanos now) noexcept {
  const OrderAnswer answer = inner_.on_update(u, now);
  const std::size_t i = find(u.cloid);
  if (i == open_count_) return answer;
  if (is_terminal(u.status)) {
    forget(i);
    return answer;
  }
  OpenOrder& o = open_[i];
  o.status = u.status;
  if (!u.venue_order_id.is_null()) o.venue_order_id = u.venue_order_id;
  if (u.filled_qty > o.filled) o.filled = u.filled_qty;
  return answer;
}

bool ControlFlowTap::on_fill(const common::Fill& f, Nanos now) noexcept {
  if (!inner_.on_fill(f, now)) return false;  // duplicate: already counted once
  const std::size_t i = find(f.cloid);
  if (i < open_count_) {
    OpenOrder& o = open_[i];
    o.filled += f.qty;
    if (o.filled >= o.intent.qty) forget(i);
  }
  if (f.instrument.value >= books_.size()) return true;
  // Average-cost book per instrument: entry price and realized PnL for /api/positions.
  InstrumentBook& b = books_[f.instrument.value];
  b.fees += f.fee;
  const std::int64_t pos = b.qty.raw();
  const std::int64_t q = f.side == common::Side::kBuy ? f.qty.raw() : -f.qty.raw();
  std::int64_t rest = q;
  if (pos != 0 && (pos > 0) != (q > 0)) {
    const std::int64_t closed = std::min(pos > 0 ? pos : -pos, q > 0 ? q : -q);
    const __int128 cost_closed = b.cost_raw * closed / (pos > 0 ? pos : -pos);
    const __int128 proceeds = static_cast<__int128>(f.price.raw()) * closed;
    b.realized_raw += (pos > 0 ? proceeds : -proceeds) - cost_closed;
    b.cost_raw -= cost_closed;
    const std::int64_t moved = q > 0 ? closed : -closed;
    b.qty = common::Qty::from_raw(pos + moved);
    rest = q - moved;
  }
  if (rest != 0) {
    b.cost_raw += static_cast<__int128>(f.price.raw()) * rest;
    b.qty = common::Qty::from_raw(b.qty.raw() + rest);
  }
  if (b.qty.is_zero()) b.cost_raw = 0;
  return true;
}

bool ControlFlowTap::visit_open(OpenOrderVisitor fn, void* ctx) const noexcept {
  if (inner_.visit_open(fn, ctx)) return true;
  for (std::size_t i = 0; i < open_count_; ++i) {
    const OpenOrder& o = open_[i];
    fn(ctx, OpenOrderView{o.intent, o.venue_order_id, o.status, o.filled, o.created_ns});
  }
  return true;
}

void ControlFlowTap::fill_stats(SessionStats& s, Nanos now) const noexcept {
  inner_.fill_stats(s, now);
  if (halted_) s.risk = RiskMode::kHalted;
}

// ---------------------------------------------------------------------------------------------
// ControlBridge

ControlBridge::ControlBridge(Core& core, ControlFlowTap& flow, control::ControlChannel& channel,
                             ControlBridgeOptions options)
    : core_(core),
      flow_(flow),
      channel_(channel),
      options_(options),
      snapshot_(std::make_unique<control::ControlSnapshot>()),
      stats_(std::make_unique<SessionStats>()),
      kill_list_(std::make_unique<common::OrderIntent[]>(ControlFlowTap::kMaxTracked)) {
  if (options_.max_commands_per_cycle == 0) options_.max_commands_per_cycle = 1;
}

int ControlBridge::do_work() noexcept {
  const Nanos now = core_.clock().now_ns();
  if (now < next_poll_ && now < next_publish_) return 0;
  int work = 0;
  if (now >= next_poll_) {
    next_poll_ = now + options_.command_poll_every;
    work += flush_replies();
    // One reply at most per command: never take more commands than held replies can absorb.
    for (std::size_t n = 0; n < options_.max_commands_per_cycle && held_count_ < kHeldReplies;
         ++n) {
      control::ControlCommand cmd;
      if (!channel_.commands.try_pop(cmd)) break;
      ++work;
      execute(cmd);
    }
    work += flush_replies();
  }
  if (now >= next_publish_) {
    next_publish_ = now + options_.publish_every;
    fill_snapshot(*snapshot_);
    if (channel_.snapshots.try_push(*snapshot_)) {
      ++counters_.snapshots_published;
    } else {
      ++counters_.snapshots_skipped;  // the control thread keeps the previous one
    }
    ++work;
  }
  return work;
}

void ControlBridge::reply(std::uint64_t request_id, ReplyStatus status, std::string_view message,
                          common::ClientOrderId cloid, common::DenyReason reason) noexcept {
  if (held_count_ == kHeldReplies) {
    ++counters_.replies_dropped;  // the caller gets a 504 from the server's timeout
    return;
  }
  control::ControlReply& r = held_[(held_head_ + held_count_) % kHeldReplies];
  r = control::ControlReply{};
  r.request_id = request_id;
  r.status = status;
  r.cloid = cloid;
  r.deny_reason = reason;
  r.message.assign(message);
  ++held_count_;
}

int ControlBridge::flush_replies() noexcept {
  int work = 0;
  while (held_count_ > 0) {
    if (!channel_.replies.try_push(held_[held_head_])) break;  // full: retry next cycle
    held_head_ = (held_head_ + 1) % kHeldReplies;
    --held_count_;
    ++work;
  }
  return work;
}

void ControlBridge::execute(const control::ControlCommand& cmd) noexcept {
  ++counters_.commands;
  switch (cmd.kind) {
    case control::CommandKind::kNewOrder:
      new_order(cmd);
      return;
    case control::CommandKind::kClosePosition:
    case control::CommandKind::kReducePosition:
      close_or_reduce(cmd);
      return;
    case control::CommandKind::kKill:
      kill(cmd);
      return;
    case control::CommandKind::kSignal:
      signal(cmd);
      return;
  }
  ++counters_.rejected;
  reply(cmd.request_id, ReplyStatus::kRejected, "unknown command");
}

ControlBridge::Outcome ControlBridge::submit(common::OrderIntent& intent) noexcept {
  // The core reports the reason only to the journal and the strategy; the per-reason counter
  // that moved tells the bridge which one it was.
  const auto before = core_.counters().denied_by_reason;
  Outcome o;
  o.result = core_.submit_manual(intent);
  if (o.result == strategies::SubmitResult::kAccepted) return o;
  o.reason = common::DenyReason::kQueueFull;
  const auto& after = core_.counters().denied_by_reason;
  for (std::size_t i = 0; i < after.size(); ++i) {
    if (after[i] != before[i]) {
      o.reason = static_cast<common::DenyReason>(i);
      break;
    }
  }
  return o;
}

bool ControlBridge::price_market(common::OrderIntent& intent, const char** why) noexcept {
  const common::Instrument& ins = core_.instruments().get(intent.instrument);
  strategies::algos::MarketIocConfig cfg;
  cfg.slippage_cap = options_.market_slippage;
  cfg.size_to_book = false;  // the venue decides what fills; IOC cancels the rest
  const strategies::algos::MarketIocQuote q = strategies::algos::price_market_ioc(
      core_.book(intent.instrument), ins, intent.side, intent.qty, cfg);
  switch (q.error) {
    case strategies::algos::MarketIocError::kOk:
      intent.price = q.limit;
      intent.qty = q.qty;
      return true;
    case strategies::algos::MarketIocError::kBookInvalid:
      *why = "no valid book to price a market order";
      return false;
    case strategies::algos::MarketIocError::kNoLiquidity:
      *why = "no liquidity on the other side of the book";
      return false;
    case strategies::algos::MarketIocError::kBelowMinQty:
      *why = "qty rounds below the instrument's lot";
      return false;
  }
  *why = "cannot price a market order";
  return false;
}

void ControlBridge::new_order(const control::ControlCommand& cmd) noexcept {
  const common::InstrumentRegistry& reg = core_.instruments();
  common::InstrumentId id;
  if (cmd.symbol.len > 0) {
    id = reg.find(cmd.venue, cmd.symbol.view());
  } else {
    const common::AssetId asset = reg.find_asset(cmd.asset.view());
    if (asset.valid()) id = reg.on_venue(asset, cmd.venue);
  }
  if (!id.valid() || !venue_enabled_[static_cast<std::size_t>(cmd.venue) % common::kVenueCount]) {
    ++counters_.rejected;
    Msg m;
    m << (cmd.symbol.len > 0 ? cmd.symbol.view() : cmd.asset.view())
      << " is not traded on that venue in this session";
    reply(cmd.request_id, ReplyStatus::kRejected, m.view());
    return;
  }
  common::OrderIntent intent;
  intent.action = IntentAction::kNew;
  intent.instrument = id;
  intent.venue = cmd.venue;
  intent.side = cmd.side;
  intent.type = cmd.type;
  intent.tif = cmd.tif;
  intent.qty = cmd.qty;
  intent.price = cmd.price;
  if (cmd.reduce_only) intent.flags |= common::intent_flags::kReduceOnly;
  if (cmd.type == common::OrderType::kMarket) {
    if (intent.tif != common::TimeInForce::kFok) intent.tif = common::TimeInForce::kIoc;
    const common::Qty asked = intent.qty;
    const char* why = nullptr;
    if (!price_market(intent, &why)) {
      ++counters_.rejected;
      reply(cmd.request_id, ReplyStatus::kRejected, why);
      return;
    }
    intent.qty = asked;  // the gate checks the lot; a market order is never resized silently
  }
  intent.cloid = core_.next_manual_id();
  const Outcome o = submit(intent);
  if (o.result == strategies::SubmitResult::kAccepted) {
    ++counters_.orders_accepted;
    reply(cmd.request_id, ReplyStatus::kAccepted, "", intent.cloid);
  } else {
    ++counters_.orders_denied;
    reply(cmd.request_id, ReplyStatus::kDenied, "", intent.cloid, o.reason);
  }
}

void ControlBridge::close_or_reduce(const control::ControlCommand& cmd) noexcept {
  const common::InstrumentRegistry& reg = core_.instruments();
  const common::AssetId asset = reg.find_asset(cmd.asset.view());
  if (!asset.valid()) {
    ++counters_.rejected;
    Msg m;
    m << "unknown asset " << cmd.asset.view();
    reply(cmd.request_id, ReplyStatus::kRejected, m.view());
    return;
  }
  const bool reduce = cmd.kind == control::CommandKind::kReducePosition;
  common::Qty left = cmd.qty;  // reduce by qty: taken from the venues in registry order
  std::uint64_t sent = 0;
  std::uint64_t held = 0;
  common::ClientOrderId first;
  std::optional<common::DenyReason> denied;
  const char* unpriced = nullptr;
  Msg m;
  for (std::size_t i = 0; i < reg.size(); ++i) {
    const common::InstrumentId id{static_cast<std::uint32_t>(i)};
    const common::Instrument& ins = reg.get(id);
    if (reg.asset_of(id) != asset) continue;
    if (cmd.has_venue && ins.venue != cmd.venue) continue;
    const common::Qty pos = flow_.position(id);
    if (pos.is_zero()) continue;
    ++held;
    common::Qty qty = pos.abs();
    if (reduce) {
      if (cmd.by_fraction) {
        const __int128 raw = static_cast<__int128>(qty.raw()) * cmd.fraction_raw / 100'000'000;
        qty = common::Qty::from_raw(static_cast<std::int64_t>(raw));
      } else {
        qty = std::min(qty, left);
      }
      auto lots = qty.round_to(ins.lot, common::RoundMode::kDown);
      qty = lots ? *lots : common::Qty{};
      if (qty.is_zero()) continue;
    }
    common::OrderIntent intent;
    intent.action = IntentAction::kNew;
    intent.instrument = id;
    intent.venue = ins.venue;
    intent.side = pos.is_positive() ? common::Side::kSell : common::Side::kBuy;
    intent.type = common::OrderType::kMarket;
    intent.tif = common::TimeInForce::kIoc;
    intent.qty = qty;
    intent.flags = common::intent_flags::kReduceOnly;
    const char* why = nullptr;
    if (!price_market(intent, &why)) {
      unpriced = why;
      continue;
    }
    intent.qty = qty;
    intent.cloid = core_.next_manual_id();
    const Outcome o = submit(intent);
    if (o.result != strategies::SubmitResult::kAccepted) {
      if (!denied) denied = o.reason;
      continue;
    }
    if (sent == 0) first = intent.cloid;
    ++sent;
    if (!reduce || !cmd.by_fraction) left -= qty;
    m << (sent == 1 ? "" : ", ") << venue_key(ins.venue) << " " << ins.symbol.view()
      << (intent.side == common::Side::kBuy ? " buy " : " sell ") << qty;
    if (reduce && !cmd.by_fraction && !left.is_positive()) break;
  }
  if (sent > 0) {
    ++counters_.orders_accepted;
    reply(cmd.request_id, ReplyStatus::kAccepted, m.view(), first);
  } else if (denied) {
    ++counters_.orders_denied;
    reply(cmd.request_id, ReplyStatus::kDenied, "", {}, *denied);
  } else {
    ++counters_.rejected;
    Msg e;
    if (held == 0) {
      e << "no " << cmd.asset.view() << " position" << (cmd.has_venue ? " on that venue" : "");
    } else if (unpriced != nullptr) {
      e << cmd.asset.view() << ": " << unpriced;
    } else {
      e << cmd.asset.view() << ": the reduction rounds to zero lots";
    }
    reply(cmd.request_id, ReplyStatus::kRejected, e.view());
  }
}

void ControlBridge::kill(const control::ControlCommand& cmd) noexcept {
  ++counters_.kills;
  const Nanos now = core_.clock().now_ns();
  // First: the gate itself is halted, so nothing the strategies submit from here on passes.
  flow_.halt(now);
  // Collected first: cancelling goes through the flow, whose table must not be walked while
  // it changes. Orders beyond the scratch list are left to the venues' dead-man switches.
  std::size_t n = 0;
  flow_.for_each_open([&](const OpenOrderView& v) noexcept {
    if (n == ControlFlowTap::kMaxTracked) {
      ++counters_.kill_overflow;
      return;
    }
    const common::OrderIntent& o = v.intent;
    common::OrderIntent c;
    c.action = IntentAction::kCancel;
    c.target = o.cloid;
    c.instrument = o.instrument;
    c.venue = o.venue;
    c.side = o.side;
    c.price = o.price;
    c.qty = o.qty;
    kill_list_[n++] = c;
  });
  std::uint64_t sent = 0;
  for (std::size_t i = 0; i < n; ++i) {
    kill_list_[i].cloid = core_.next_manual_id();
    if (submit(kill_list_[i]).result == strategies::SubmitResult::kAccepted) ++sent;
  }
  counters_.kill_cancels_sent += sent;
  counters_.last_kill_cancels = sent;
  if (on_kill_ != nullptr) on_kill_(on_kill_ctx_, now, sent);
  if (options_.reply_to_kill) {
    Msg m;
    m << "halted; " << sent << " cancel" << (sent == 1 ? "" : "s") << " sent";
    reply(cmd.request_id, ReplyStatus::kAccepted, m.view());
  }
}

void ControlBridge::signal(const control::ControlCommand& cmd) noexcept {
  ++counters_.signals;
  const common::AssetId asset = core_.instruments().find_asset(cmd.asset.view());
  if (!asset.valid()) {
    ++counters_.rejected;  // fire and forget: the counter is the only trace
    return;
  }
  strategies::confluence::Signal s;
  s.asset = asset;
  s.score = static_cast<double>(cmd.score_raw) / 1e8;
  s.ts = cmd.signal_ts != 0 ? cmd.signal_ts : core_.clock().now_ns();
  s.source = 1;  // control API
  for (SignalRelay* r : relays_) {
    if (r->asset() == asset && r->deliver(s)) ++counters_.signals_delivered;
  }
}

void ControlBridge::fill_snapshot(control::ControlSnapshot& s) noexcept {
  const Nanos now = core_.clock().now_ns();
  const common::InstrumentRegistry& reg = core_.instruments();
  const CoreCounters& cc = core_.counters();
  *stats_ = SessionStats{};
  flow_.fill_stats(*stats_, now);

  s.seq = ++seq_;
  s.ts = now;
  s.started_ns = started_ns_;
  s.mode.assign(options_.mode);
  s.venue_state = stats_->venue_state;

  // Positions (and allocation from their notional at the mid).
  std::array<__int128, common::kVenueCount> venue_notional{};
  __int128 gross = 0;
  s.position_count = 0;
  for (std::size_t i = 0; i < reg.size() && s.position_count < s.positions.size(); ++i) {
    const common::InstrumentId id{static_cast<std::uint32_t>(i)};
    const common::Qty qty = flow_.position(id);
    const ControlFlowTap::InstrumentBook& b = flow_.instrument_book(id);
    if (qty.is_zero() && b.realized_raw == 0 && b.fees.is_zero()) continue;
    const common::Instrument& ins = reg.get(id);
    control::PositionRow& r = s.positions[s.position_count++];
    r = control::PositionRow{};
    r.venue = ins.venue;
    r.symbol.assign(ins.symbol.view());
    r.asset.assign(ins.asset.view());
    r.instrument = id;
    r.qty = qty;
    if (!b.qty.is_zero()) {
      r.avg_entry = common::Price::from_raw(static_cast<std::int64_t>(b.cost_raw / b.qty.raw()));
    }
    const common::L2Book& book = core_.book(id);
    if (book.is_valid()) r.mark = book.mid();
    if (r.mark.is_positive() && !b.qty.is_zero()) {
      r.unrealized_pnl =
          portfolio::money_from_raw16(common::notional_raw(r.mark, b.qty) - b.cost_raw);
    }
    r.realized_pnl = portfolio::money_from_raw16(b.realized_raw);
    r.fees = b.fees;
    if (r.mark.is_positive()) {
      const __int128 n = abs128(common::notional_raw(r.mark, qty));
      venue_notional[static_cast<std::size_t>(ins.venue) % common::kVenueCount] += n;
      gross += n;
    }
  }

  // Open orders.
  const std::size_t open = flow_.open_count();
  s.order_count = static_cast<std::uint32_t>(std::min(open, s.orders.size()));
  s.orders_truncated = open > s.orders.size();
  for (std::size_t i = 0; i < s.order_count; ++i) {
    const ControlFlowTap::OpenOrder& o = flow_.open_order(i);
    control::OrderRow& r = s.orders[i];
    r = control::OrderRow{};
    r.venue = o.intent.venue;
    if (o.intent.instrument.value < reg.size()) {
      r.symbol.assign(reg.get(o.intent.instrument).symbol.view());
    }
    r.cloid = o.intent.cloid;
    r.venue_order_id = o.venue_order_id;
    r.strategy = o.intent.strategy;
    r.side = o.intent.side;
    r.type = o.intent.type;
    r.tif = o.intent.tif;
    r.status = o.status;
    r.reduce_only = (o.intent.flags & common::intent_flags::kReduceOnly) != 0;
    r.price = o.intent.price;
    r.qty = o.intent.qty;
    r.filled_qty = o.filled;
    r.created_ns = o.created_ns;
  }

  fill_balances(s);
  fill_allocation(s, venue_notional, gross);

  // Risk.
  control::RiskView& rv = s.risk;
  rv = control::RiskView{};
  rv.state = to_control(stats_->risk);
  rv.kill_switch = flow_.halted();
  rv.daily_pnl = stats_->total().net();
  rv.max_daily_loss = options_.max_daily_loss;
  rv.max_drawdown = options_.max_drawdown;
  rv.gross_exposure = portfolio::money_from_raw16(gross);
  rv.max_gross_exposure = options_.max_gross_exposure;
  rv.open_orders = static_cast<std::uint32_t>(open);
  rv.max_open_orders = options_.max_open_orders;
  rv.accepted = cc.intents_sent;
  rv.denied = cc.denied_by_reason;

  // Latency stages, measured on the core from the timestamps the events carry.
  s.stage_count = 0;
  const auto stage = [&](std::string_view name, CoreStage st) noexcept {
    if (s.stage_count < s.latency.size()) {
      control::fill_stage_latency(name, core_.latency(st), &s.latency[s.stage_count++]);
    }
  };
  stage("md_to_strategy", CoreStage::kMdToStrategy);
  stage("submit_to_queued", CoreStage::kSubmitToQueued);
  stage("exec_to_strategy", CoreStage::kExecToStrategy);
  stage("intent_to_wire", CoreStage::kIntentToWire);
  stage("wire_to_ack", CoreStage::kWireToAck);

  s.counter_count = 0;
  add_counter(s, "md_events", cc.md_events);
  add_counter(s, "book_updates", cc.book_updates);
  add_counter(s, "book_resets", cc.book_resets);
  add_counter(s, "book_errors", cc.book_errors);
  add_counter(s, "unknown_instrument", cc.unknown_instrument);
  add_counter(s, "trades", cc.trades);
  add_counter(s, "exec_events", cc.exec_events);
  add_counter(s, "duplicate_fills", cc.duplicate_fills);
  add_counter(s, "intents", cc.intents);
  add_counter(s, "intents_sent", cc.intents_sent);
  add_counter(s, "denied", cc.denied);
  add_counter(s, "order_queue_full", cc.order_queue_full);
  add_counter(s, "timers_fired", cc.timers_fired);
  add_counter(s, "timer_overflow", cc.timer_overflow);
  add_counter(s, "control_commands", counters_.commands);
  add_counter(s, "control_orders_accepted", counters_.orders_accepted);
  add_counter(s, "control_orders_denied", counters_.orders_denied);
  add_counter(s, "control_rejected", counters_.rejected);
  add_counter(s, "control_kills", counters_.kills);
  add_counter(s, "kill_cancels_sent", counters_.kill_cancels_sent);
  add_counter(s, "control_signals", counters_.signals);
  add_counter(s, "signals_delivered", counters_.signals_delivered);
  add_counter(s, "control_replies_dropped", counters_.replies_dropped);
  add_counter(s, "control_snapshots_skipped", counters_.snapshots_skipped);
  add_counter(s, "halted_denials", flow_.halted_denials());
  add_counter(s, "untracked_orders", flow_.untracked());
  add_counter(s, "kill_overflow", counters_.kill_overflow);
  if (const router::VenueRouter* r = core_.venue_router()) {
    add_counter(s, "router_routes", r->counters().routes);
    add_counter(s, "router_no_route", r->counters().no_route);
    add_counter(s, "router_rebalance_signals", r->counters().rebalance_on);
    add_counter(s, "router_venue_errors", r->counters().errors);
  }
  if (journal_ != nullptr) {
    add_counter(s, "journal_appended", journal_->appended());
    add_counter(s, "journal_dropped", journal_->dropped());
    add_counter(s, "journal_written", journal_->written());
    add_counter(s, "journal_write_errors", journal_->write_errors());
  }

  s.gauge_count = 0;
  add_gauge(s, "open_orders", static_cast<std::int64_t>(open));
  add_gauge(s, "strategies", static_cast<std::int64_t>(core_.strategy_count()));
  add_gauge(s, "positions", static_cast<std::int64_t>(s.position_count));
  add_gauge(s, "last_kill_cancels", static_cast<std::int64_t>(counters_.last_kill_cancels));
}

void ControlBridge::fill_balances(control::ControlSnapshot& s) noexcept {
  // Per venue from the tap's average-cost books (the same figures as /api/positions).
  const common::InstrumentRegistry& reg = core_.instruments();
  std::array<__int128, common::kVenueCount> realized{}, unrealized{};
  std::array<common::Money, common::kVenueCount> fees{};
  for (std::size_t i = 0; i < reg.size(); ++i) {
    const common::InstrumentId id{static_cast<std::uint32_t>(i)};
    const ControlFlowTap::InstrumentBook& b = flow_.instrument_book(id);
    const std::size_t v = common::index(reg.get(id).venue) % common::kVenueCount;
    realized[v] += b.realized_raw;
    fees[v] += b.fees;
    const common::L2Book& book = core_.book(id);
    if (!b.qty.is_zero() && book.is_valid()) {
      const common::Price mark = book.mid();
      if (mark.is_positive()) unrealized[v] += common::notional_raw(mark, b.qty) - b.cost_raw;
    }
  }
  s.balance_count = 0;
  for (std::size_t v = 0; v < common::kVenueCount && s.balance_count < s.balances.size(); ++v) {
    if (!venue_enabled_[v]) continue;
    control::BalanceRow& r = s.balances[s.balance_count++];
    r = control::BalanceRow{};
    r.venue = common::kAllVenues[v];
    r.asset.assign(quote_asset(r.venue));
    r.starting = options_.starting_balance[v];
    r.realized_pnl = portfolio::money_from_raw16(realized[v]);
    r.fees = fees[v];
    r.unrealized_pnl = portfolio::money_from_raw16(unrealized[v]);
    r.available = r.starting + r.realized_pnl - r.fees;
    r.total = r.available + r.unrealized_pnl;
  }
}

void ControlBridge::fill_allocation(control::ControlSnapshot& s,
                                    const std::array<__int128, common::kVenueCount>& marked,
                                    __int128 marked_total) noexcept {
  // The portfolio's per-venue gross (what the router steers by); a flow without a portfolio
  // falls back to the positions marked at the mid here.
  std::array<__int128, common::kVenueCount> gross{};
  __int128 total = 0;
  for (std::size_t v = 0; v < common::kVenueCount; ++v) {
    gross[v] = flow_.venue_gross_raw(common::kAllVenues[v]);
    total += gross[v] > 0 ? gross[v] : 0;
  }
  if (total == 0) {
    gross = marked;
    total = marked_total;
  }
  const router::VenueRouter* router = core_.venue_router();
  router::AllocationView view;
  if (router != nullptr) {
    std::array<double, common::kVenueCount> g{};
    for (std::size_t v = 0; v < common::kVenueCount; ++v) {
      g[v] = static_cast<double>(gross[v]) * 1e-16;
    }
    view = router->allocation_manager().evaluate(g);
  }
  for (std::size_t v = 0; v < common::kVenueCount; ++v) {
    control::AllocationRow& a = s.allocation[v];
    a = control::AllocationRow{};
    a.venue = common::kAllVenues[v];
    a.actual_notional = portfolio::money_from_raw16(gross[v]);
    a.actual_bp = total > 0 ? static_cast<std::int32_t>(gross[v] * 10'000 / total) : 0;
    if (router == nullptr) continue;
    a.target_bp = to_bp(view.target[v]);
    a.actual_bp = total > 0 ? to_bp(view.actual[v]) : 0;
    a.drift_bp = total > 0 ? a.actual_bp - a.target_bp : 0;
    const double limit = router->config().rebalance_threshold;
    a.rebalance = total > 0 && (view.drift[v] > limit || view.drift[v] < -limit);
    a.target_notional = portfolio::money_from_raw16(
        static_cast<__int128>(static_cast<double>(total) * view.target[v]));
    a.healthy = router->connected(a.venue) && flow_.venue_healthy(a.venue) && venue_enabled_[v];
    const router::VenueStats& st = router->stats();
    a.ack_latency_ns =
        st.has_latency(a.venue) ? static_cast<std::int64_t>(st.latency_ewma(a.venue)) : -1;
    a.error_ppm = static_cast<std::int32_t>(st.error_rate(a.venue) * 1e6 + 0.5);
    a.routed = router->counters().routed_to[v];
  }
  control::RouterView& rv = s.router;
  rv = control::RouterView{};
  if (router == nullptr) return;
  rv.enabled = true;
  rv.rebalance = total > 0 && view.rebalance;
  rv.threshold_bp = to_bp(router->config().rebalance_threshold);
  rv.max_drift_bp = total > 0 ? to_bp(view.max_abs_drift) : 0;
  rv.routes = router->counters().routes;
  rv.no_route = router->counters().no_route;
  rv.rebalance_signals = router->counters().rebalance_on;
}

}  // namespace peregrine::engine
