#include "engine/risk/risk_gate.hpp"

#include <string>

#include "engine/oms/open_hash_map.hpp"

namespace peregrine::engine::risk {

namespace {
using common::IntentAction;
using common::OrderType;
using common::Price;
using common::Side;

[[nodiscard]] bool is_market(OrderType t) noexcept {
  return t == OrderType::kMarket || t == OrderType::kStopMarket ||
         t == OrderType::kTakeProfitMarket || t == OrderType::kTrailingStopMarket;
}
[[nodiscard]] __int128 abs128(__int128 v) noexcept { return v < 0 ? -v : v; }
[[nodiscard]] __int128 raw16(Money m) noexcept { return portfolio::raw16_from_money(m); }
}  // namespace

std::string_view to_string(RiskState s) noexcept {
  switch (s) {
    case RiskState::kNormal:
      return "normal";
    case RiskState::kReducingOnly:
      return "reducing_only";
    case RiskState::kHalted:
      return "halted";
  }
  return "unknown";
}

RiskGate::RiskGate(const RiskGateConfig& config, const common::InstrumentRegistry& registry,
                   oms::OrderTable& orders, const portfolio::Portfolio& portfolio,
                   std::size_t max_instruments)
    : config_(config),
      registry_(registry),
      orders_(orders),
      portfolio_(portfolio),
      limits_(max_instruments == 0 ? 1 : max_instruments),
      asset_limits_(registry.asset_count()) {
  for (std::size_t a = 0; a < asset_limits_.size(); ++a) {
    const auto name = registry.asset_name(common::AssetId{static_cast<std::uint16_t>(a)});
    if (auto it = config.assets.find(name); it != config.assets.end())
      asset_limits_[a] = it->second;
  }
  for (std::size_t i = 0; i < limits_.size() && i < registry.size(); ++i) {
    const common::InstrumentId id{static_cast<std::uint32_t>(i)};
    const common::Instrument& inst = registry.get(id);
    InstrumentLimits l = config.defaults;
    config.venues[common::index(inst.venue)].instruments.apply_to(l);
    const common::AssetId a = registry.asset_of(id);
    if (a.valid() && a.value < asset_limits_.size()) asset_limits_[a.value].instruments.apply_to(l);
    std::string key(inst.asset.view());
    key += '@';
    key += venue_key(inst.venue);
    if (auto it = config.listings.find(key); it != config.listings.end()) it->second.apply_to(l);
    limits_[i] = l;
  }
  for (std::size_t v = 0; v < buckets_.size(); ++v) {
    const VenueLimits& vl = config.venues[v];
    Bucket& b = buckets_[v];
    b.rate = vl.orders_per_sec;
    b.capacity =
        static_cast<std::int64_t>(vl.burst == 0 ? vl.orders_per_sec : vl.burst) * kNanoPerToken;
    b.floor = -b.capacity;
  }
  kill_list_.reserve(orders.capacity());
}

RiskDecision RiskGate::deny(const OrderIntent& intent, DenyReason r, common::Nanos now) noexcept {
  ++denied_[static_cast<std::size_t>(r)];
  RiskDecision d;
  d.allowed = false;
  d.denied.ts_venue = intent.ts_venue;
  d.denied.ts_recv = now;
  d.denied.venue_seq = intent.venue_seq;
  d.denied.cloid = intent.cloid;
  d.denied.instrument = intent.instrument;
  d.denied.strategy = intent.strategy;
  d.denied.venue = intent.venue;
  d.denied.reason = r;
  return d;
}

void RiskGate::refill(Bucket& b, common::Nanos now) noexcept {
  if (!b.started) {
    b.started = true;
    b.nano_tokens = b.capacity;
    b.last = now;
    return;
  }
  if (now <= b.last) return;  // time never runs backwards for the budget
  const common::Nanos elapsed = now - b.last;
  b.last = now;
  // Cap the product: after a long idle spell the bucket is simply full.
  const std::int64_t full_after = b.rate > 0 ? (b.capacity - b.floor) / b.rate + 1 : 0;
  const std::int64_t add = elapsed >= full_after ? b.capacity - b.floor : elapsed * b.rate;
  b.nano_tokens = b.nano_tokens + add > b.capacity ? b.capacity : b.nano_tokens + add;
}

std::int64_t RiskGate::tokens(common::VenueId v, common::Nanos now) noexcept {
  Bucket& b = buckets_[common::index(v)];
  refill(b, now);
  return b.nano_tokens / kNanoPerToken;
}

void RiskGate::on_cancel_sent(common::VenueId v, common::Nanos now) noexcept {
  Bucket& b = buckets_[common::index(v)];
  if (b.rate == 0) return;
  refill(b, now);
  b.nano_tokens -= kNanoPerToken;
  if (b.nano_tokens < b.floor) b.nano_tokens = b.floor;
}

void RiskGate::on_venue_status(const common::VenueStatus& s) noexcept {
  venue_state_[common::index(s.venue)] = s.state;
  venue_seen_[common::index(s.venue)] = true;
}

void RiskGate::evaluate_pnl() noexcept {
  const GlobalLimits& g = config_.global;
  const auto escalate = [this](BreachAction a) {
    if (a == BreachAction::kHalt) {
      state_ = RiskState::kHalted;
    } else if (state_ == RiskState::kNormal) {
      state_ = RiskState::kReducingOnly;
    }
  };
  if (g.max_daily_loss.is_positive() && portfolio_.daily_pnl_raw() <= -raw16(g.max_daily_loss)) {
    escalate(g.daily_loss_action);
  }
  if (g.max_drawdown.is_positive() && portfolio_.drawdown_raw() >= raw16(g.max_drawdown)) {
    escalate(g.drawdown_action);
  }
}

bool RiskGate::is_reducing(const OrderIntent& intent) const noexcept {
  const portfolio::Legs& legs = portfolio_.legs(intent.instrument);
  const Qty q = intent.qty;
  const bool buy = intent.side == Side::kBuy;
  // Other open orders on the same side reduce the same position: together they must fit.
  const Qty pending = intent.action == IntentAction::kNew
                          ? orders_.open_qty(intent.instrument, intent.side)
                          : Qty{};
  switch (intent.position_side) {
    case common::PositionSide::kLong:
      return !buy && q + pending <= legs.long_leg().qty();
    case common::PositionSide::kShort:
      return buy && q + pending <= -legs.short_leg().qty();
    case common::PositionSide::kBoth:
    default: {
      const Qty pos = legs.net_qty();
      return buy ? (pos.is_negative() && q + pending <= -pos)
                 : (pos.is_positive() && q + pending <= pos);
    }
  }
}

std::uint64_t RiskGate::intent_hash(const OrderIntent& i) noexcept {
  using oms::mix64;
  std::uint64_t h = mix64(static_cast<std::uint64_t>(i.price.raw()));
  h = mix64(h ^ static_cast<std::uint64_t>(i.qty.raw()));
  h = mix64(h ^ (std::uint64_t{i.instrument.value} << 24 | std::uint64_t{i.strategy.value} << 8 |
                 std::uint64_t{static_cast<std::uint8_t>(i.side)}));
  h = mix64(h ^ (std::uint64_t{static_cast<std::uint8_t>(i.type)} << 16 |
                 std::uint64_t{static_cast<std::uint8_t>(i.venue)} << 8 | i.flags |
                 std::uint64_t{static_cast<std::uint8_t>(i.action)} << 24 |
                 std::uint64_t{static_cast<std::uint8_t>(i.position_side)} << 32));
  return h | 1;  // zero marks an empty slot
}

RiskDecision RiskGate::check(OrderIntent& intent, const common::L2Book& book,
                             common::Nanos now) noexcept {
  // 0. Cancels are never blocked, except when they name nothing we know.
  if (intent.action == IntentAction::kCancelAll) {
    ++allowed_;
    return RiskDecision{true, false, {}};
  }
  if (intent.action == IntentAction::kCancel) {
    if (orders_.find(intent.target) == nullptr) return deny(intent, DenyReason::kUnknownOrder, now);
    ++allowed_;
    return RiskDecision{true, false, {}};
  }
  const bool modify = intent.action == IntentAction::kModify;

  // 1. Risk state.
  evaluate_pnl();
  if (state_ == RiskState::kHalted) return deny(intent, DenyReason::kHalted, now);

  // 2. Instrument enabled, venue enabled and healthy.
  const common::InstrumentId id = intent.instrument;
  if (!id.valid() || id.value >= limits_.size() || id.value >= registry_.size()) {
    return deny(intent, DenyReason::kInstrumentDisabled, now);
  }
  const InstrumentLimits& lim = limits_[id.value];
  const common::Instrument& inst = registry_.get(id);
  const std::size_t vi = common::index(intent.venue);
  const VenueLimits& vl = config_.venues[vi];
  if (!lim.enabled || !vl.enabled || inst.venue != intent.venue) {
    return deny(intent, DenyReason::kInstrumentDisabled, now);
  }
  if (!venue_seen_[vi] || venue_state_[vi] != common::VenueState::kConnected) {
    return deny(intent, DenyReason::kVenueUnhealthy, now);
  }

  // 3. Duplicates: a cloid already in the OMS, or the same intent again within the window.
  if (modify) {
    const oms::OrderRecord* target = orders_.find(intent.target);
    if (target == nullptr || !oms::is_open(target->status)) {
      return deny(intent, DenyReason::kUnknownOrder, now);
    }
  } else if (orders_.find(intent.cloid) != nullptr) {
    return deny(intent, DenyReason::kDuplicateIntent, now);
  }
  const std::uint64_t h = intent_hash(intent);
  DupEntry& dup = dup_[h & (kDupSlots - 1)];
  const common::Nanos window = config_.global.duplicate_window_ns;
  if (window > 0 && dup.hash == h && now - dup.ts < window) {
    return deny(intent, DenyReason::kDuplicateIntent, now);
  }

  // 4. Reducing-only: the reduce-only flag must really reduce; in that state, only reducers.
  const bool reducing = is_reducing(intent);
  if (!reducing && ((intent.flags & common::intent_flags::kReduceOnly) != 0 ||
                    state_ == RiskState::kReducingOnly)) {
    return deny(intent, DenyReason::kReducingOnly, now);
  }

  // 5. A valid book: collar, market prices and exposure valuation all need its mid.
  const Price mid = book.mid();
  if (!book.is_valid() || !mid.is_positive()) return deny(intent, DenyReason::kBookInvalid, now);

  // 6. Tick and lot.
  const bool market = is_market(intent.type);
  const bool buy = intent.side == Side::kBuy;
  bool rounded = false;
  if (!market) {
    if (!intent.price.is_positive()) return deny(intent, DenyReason::kOffTick, now);
    if (!inst.price_on_tick(intent.price)) {
      if (lim.grid == GridPolicy::kDeny) return deny(intent, DenyReason::kOffTick, now);
      // Passive direction: never more aggressive than asked.
      auto r =
          inst.round_price(intent.price, buy ? common::RoundMode::kDown : common::RoundMode::kUp);
      if (!r || !r->is_positive()) return deny(intent, DenyReason::kOffTick, now);
      intent.price = *r;
      rounded = true;
    }
  }
  if (!intent.qty.is_positive()) return deny(intent, DenyReason::kOffLot, now);
  if (!inst.qty_on_lot(intent.qty)) {
    if (lim.grid == GridPolicy::kDeny) return deny(intent, DenyReason::kOffLot, now);
    auto r = inst.round_qty(intent.qty, common::RoundMode::kTowardZero);
    if (!r || !r->is_positive()) return deny(intent, DenyReason::kOffLot, now);
    intent.qty = *r;
    rounded = true;
  }
  if (inst.min_qty.is_positive() && intent.qty < inst.min_qty) {
    return deny(intent, DenyReason::kOffLot, now);
  }

  // Reference price: the limit, or for market orders the touch they would take.
  const Price ref = market ? (buy ? book.best_ask().price : book.best_bid().price) : intent.price;
  if (!ref.is_positive()) return deny(intent, DenyReason::kBookInvalid, now);
  const __int128 order_notional = common::notional_raw(ref, intent.qty);

  // 7. Min notional (position-reducing orders may close dust below it).
  if (inst.min_notional.is_positive() &&
      !(reducing && config_.global.exempt_reducing_from_min_notional) &&
      order_notional < raw16(inst.min_notional)) {
    return deny(intent, DenyReason::kBelowMinNotional, now);
  }
  // 8. Order size.
  if (lim.max_order_qty.is_positive() && intent.qty > lim.max_order_qty) {
    return deny(intent, DenyReason::kMaxOrderQty, now);
  }
  if (lim.max_order_notional.is_positive() && order_notional > raw16(lim.max_order_notional)) {
    return deny(intent, DenyReason::kMaxOrderNotional, now);
  }
  // 9. Price vs the valid mid: fat-finger band first (the graver reason), then the collar.
  if (!market && (lim.fat_finger_bps > 0 || lim.collar_bps > 0)) {
    const __int128 dev = abs128(__int128{intent.price.raw()} - mid.raw()) * 10'000;
    const __int128 m = mid.raw();
    if (lim.fat_finger_bps > 0 && dev > m * lim.fat_finger_bps) {
      return deny(intent, DenyReason::kFatFinger, now);
    }
    if (lim.collar_bps > 0 && dev > m * lim.collar_bps) {
      return deny(intent, DenyReason::kPriceCollar, now);
    }
  }
  // 10. Self-trade: would it cross one of our own resting orders on this venue instrument?
  if (lim.self_trade_check) {
    Price own{};
    if (orders_.best_own_price(id, common::opposite(intent.side), &own)) {
      const bool crosses = market || (buy ? intent.price >= own : intent.price <= own);
      if (crosses) return deny(intent, DenyReason::kSelfTrade, now);
    }
  }
  // 11. Exposure at worst case (every open order on the same side fills), unless reducing.
  if (!reducing) {
    const Qty open_same = orders_.open_qty(id, intent.side);
    const Qty pos = portfolio_.position(id);
    const Qty worst = buy ? pos + open_same + intent.qty : pos - open_same - intent.qty;
    if (lim.max_position_notional.is_positive() &&
        common::notional_raw(mid, worst.abs()) > raw16(lim.max_position_notional)) {
      return deny(intent, DenyReason::kMaxPosition, now);
    }
    const common::AssetId a = registry_.asset_of(id);
    if (a.valid() && a.value < asset_limits_.size()) {
      const AssetLimits& al = asset_limits_[a.value];
      if (al.max_position_notional.is_positive()) {
        const Qty apos = portfolio_.asset_position(a);
        const Qty aopen = orders_.open_qty(a, intent.side);
        const Qty aworst = buy ? apos + aopen + intent.qty : apos - aopen - intent.qty;
        if (common::notional_raw(mid, aworst.abs()) > raw16(al.max_position_notional)) {
          return deny(intent, DenyReason::kMaxPosition, now);
        }
      }
      if (al.max_gross_exposure.is_positive() &&
          portfolio_.gross_notional_raw(a) + orders_.open_notional_raw(a) + order_notional >
              raw16(al.max_gross_exposure)) {
        return deny(intent, DenyReason::kMaxGrossExposure, now);
      }
    }
    if (vl.max_gross_exposure.is_positive() && portfolio_.gross_notional_raw(intent.venue) +
                                                       orders_.open_notional_raw(intent.venue) +
                                                       order_notional >
                                                   raw16(vl.max_gross_exposure)) {
      return deny(intent, DenyReason::kMaxGrossExposure, now);
    }
  }
  // 12. Open-order caps (a modify replaces an open order, it does not add one).
  if (!modify) {
    const GlobalLimits& g = config_.global;
    if ((g.max_open_orders > 0 && orders_.open_count() >= g.max_open_orders) ||
        (vl.max_open_orders > 0 && orders_.open_count(intent.venue) >= vl.max_open_orders) ||
        (lim.max_open_orders > 0 && orders_.open_count(id) >= lim.max_open_orders) ||
        (g.max_open_orders_per_strategy > 0 &&
         orders_.open_count(intent.strategy) >= g.max_open_orders_per_strategy)) {
      return deny(intent, DenyReason::kOpenOrderCap, now);
    }
  }
  // 13. Rate budget, last, so that a denied order never spends a token.
  Bucket& b = buckets_[vi];
  if (b.rate > 0) {
    refill(b, now);
    if (b.nano_tokens < kNanoPerToken) return deny(intent, DenyReason::kRateBudget, now);
    b.nano_tokens -= kNanoPerToken;
  }

  dup.hash = h;
  dup.ts = now;
  ++allowed_;
  if (rounded) ++rounded_;
  return RiskDecision{true, rounded, {}};
}

std::span<const OrderIntent> RiskGate::kill(common::Nanos now) noexcept {
  state_ = RiskState::kHalted;
  kill_list_.clear();
  orders_.for_each_open([this, now](const oms::OrderRecord& r) {
    if (kill_list_.size() == kill_list_.capacity()) return;  // never reallocate here
    OrderIntent c{};
    c.ts_recv = now;
    c.action = IntentAction::kCancel;
    c.cloid = r.intent.cloid;
    c.target = r.intent.cloid;
    c.instrument = r.intent.instrument;
    c.strategy = r.intent.strategy;
    c.venue = r.intent.venue;
    c.side = r.intent.side;
    kill_list_.push_back(c);
  });
  return {kill_list_.data(), kill_list_.size()};
}

}  // namespace peregrine::engine::risk
