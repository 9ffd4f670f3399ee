// The replay's in-process venue; see sim_venue.hpp.
#include "engine/replay/sim_venue.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "engine/engine_config.hpp"

namespace peregrine::engine::replay {

namespace sim = gateways::sim;
using common::BookSide;
using common::ExecEvent;
using common::IntentAction;
using common::Nanos;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;
using common::Side;

namespace {

// Large enough that margin never binds: the engine's own risk gate is what limits a replay.
constexpr std::int64_t kOurDeposit = 1'000'000'000;
constexpr std::int64_t kTapeDeposit = 50'000'000'000;

RejectReason reject_reason(sim::SimError e) noexcept {
  switch (e) {
    case sim::SimError::kNone:
      return RejectReason::kNone;
    case sim::SimError::kPriceOffTick:
    case sim::SimError::kPriceNotPositive:
    case sim::SimError::kInvalidTrigger:
      return RejectReason::kInvalidPrice;
    case sim::SimError::kQtyOffLot:
    case sim::SimError::kQtyNotPositive:
      return RejectReason::kInvalidQty;
    case sim::SimError::kBelowMinNotional:
      return RejectReason::kMinNotional;
    case sim::SimError::kPostOnlyWouldCross:
      return RejectReason::kPostOnlyWouldCross;
    case sim::SimError::kReduceOnlyWouldIncrease:
    case sim::SimError::kReduceOnlyNoPosition:
      return RejectReason::kReduceOnlyWouldIncrease;
    case sim::SimError::kInsufficientMargin:
      return RejectReason::kInsufficientMargin;
    case sim::SimError::kFokNotFilled:
    case sim::SimError::kIocNoLiquidity:
      return RejectReason::kNoLiquidity;
    case sim::SimError::kUnknownOrder:
    case sim::SimError::kOrderNotOpen:
      return RejectReason::kUnknownOrder;
    case sim::SimError::kDuplicateClientId:
      return RejectReason::kDuplicateClientId;
    default:
      return RejectReason::kOther;
  }
}

sim::ClientId client_text(const common::ClientOrderId& id) noexcept {
  char buf[64];
  const std::size_t n = id.write_cloid(buf);
  sim::ClientId out;
  static_cast<void>(out.from(std::string_view(buf, n)));
  return out;
}

// Better price first on our side: bids high to low, asks low to high.
bool better(Side side, Price a, Price b) noexcept { return side == Side::kBuy ? a > b : a < b; }

}  // namespace

SimVenue::SimVenue(common::VenueId venue, const common::InstrumentRegistry& instruments,
                   BookLookup books, LatencySpec latency, std::uint64_t seed)
    : venue_(venue),
      instruments_(instruments),
      books_(std::move(books)),
      latency_(latency, seed),
      exchange_(std::string(venue_key(venue))) {
  to_sim_.assign(instruments.size(), -1);
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const common::Instrument& ins =
        instruments.get(common::InstrumentId{static_cast<std::uint32_t>(i)});
    if (ins.venue != venue) continue;
    sim::SimInstrumentSpec spec;
    spec.symbol = std::string(ins.symbol.view());
    spec.asset = std::string(ins.asset.view());
    // The engine's risk gate checks tick, lot and min notional; the venue's grid is the finest
    // so the tape can mirror any recorded level and fill any remainder.
    spec.tick = Price::from_raw(1);
    spec.lot = Qty::from_raw(1);
    spec.min_notional = common::Money{};
    spec.maker_fee_ppm = ins.maker_fee.raw() / 100;  // 1e-8 units -> parts per million
    spec.taker_fee_ppm = ins.taker_fee.raw() / 100;
    spec.max_leverage = 100;
    const common::InstrumentId sid = exchange_.add_instrument(spec);
    to_sim_[i] = sid.value;
    to_engine_.push_back(ins.id);
  }
  ours_ = exchange_.add_account("engine", common::Money::from_raw(kOurDeposit * 100'000'000));
  tape_ = exchange_.add_account("tape", common::Money::from_raw(kTapeDeposit * 100'000'000));
  exchange_.set_max_open_orders(tape_, 1u << 20);
  exchange_.set_listener(this);
  // Scratch for the queue model: sized once so a trade or delta never allocates.
  resting_.reserve(1024);
  staged_.reserve(256);
  scratch_mine_.reserve(1024);
  scratch_fills_.reserve(1024);
}

SimVenue::~SimVenue() { exchange_.set_listener(nullptr); }

std::optional<common::InstrumentId> SimVenue::sim_id(common::InstrumentId id) const noexcept {
  if (!id.valid() || id.value >= to_sim_.size() || to_sim_[id.value] < 0) return std::nullopt;
  return common::InstrumentId{static_cast<std::uint32_t>(to_sim_[id.value])};
}

SimVenue::Resting* SimVenue::find_resting(sim::OrderId id) noexcept {
  for (Resting& r : resting_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

void SimVenue::send(const common::OrderIntent& intent, Nanos now) {
  const Nanos due = std::max(now + latency_.sample(), last_arrival_);
  last_arrival_ = due;
  arrivals_.push_back(Arrival{due, intent});
}

Nanos SimVenue::next_due() const noexcept {
  Nanos t = kNever;
  if (!arrivals_.empty()) t = arrivals_.front().due;
  if (!reports_.empty()) t = std::min(t, reports_.front().due);
  return t;
}

int SimVenue::run_due(Nanos now, common::SpscQueue<ExecEvent>& out) {
  int n = 0;
  while (!arrivals_.empty() && arrivals_.front().due <= now) {
    const Arrival a = arrivals_.front();
    arrivals_.pop_front();
    arrive(a.intent, a.due);
    ++n;
  }
  while (!reports_.empty() && reports_.front().due <= now) {
    if (!out.try_push(reports_.front().event)) {
      ++stats_.report_queue_full;  // the core drains it on its next cycle; retried then
      break;
    }
    reports_.pop_front();
    ++stats_.reports;
    ++n;
  }
  return n;
}

Nanos SimVenue::next_report_due(Nanos now) noexcept {
  const Nanos due = std::max(now + latency_.sample(), last_report_);
  last_report_ = due;
  return due;
}

void SimVenue::flush_staged(Nanos now, sim::SimError error) {
  for (ExecEvent& e : staged_) {
    const Nanos due = next_report_due(now);
    if (e.kind == common::ExecKind::kOrderUpdate) {
      e.update.ts_recv = due;
      e.update.venue_seq = ++report_seq_;
      if (e.update.status == OrderStatus::kRejected || e.update.status == OrderStatus::kExpired) {
        e.update.reject = reject_reason(error);
      }
    } else if (e.kind == common::ExecKind::kFill) {
      e.fill.ts_recv = due;
      e.fill.venue_seq = ++report_seq_;
    }
    reports_.push_back(Report{due, e});
  }
  staged_.clear();
}

void SimVenue::reject_locally(const common::OrderIntent& intent, RejectReason why, Nanos now) {
  common::OrderUpdate u;
  u.ts_venue = now;
  u.cloid = intent.cloid;
  u.price = intent.price;
  u.qty = intent.qty;
  u.instrument = intent.instrument;
  u.strategy = intent.strategy;
  u.venue = venue_;
  u.side = intent.side;
  u.status = OrderStatus::kRejected;
  u.reject = why;
  staged_.emplace_back(u);
  flush_staged(now, sim::SimError::kNone);
}

void SimVenue::arrive(const common::OrderIntent& intent, Nanos now) {
  now_ = now;
  ++stats_.intents;
  exchange_.advance(now);
  switch (intent.action) {
    case IntentAction::kNew:
      submit_new(intent, now);
      break;
    case IntentAction::kCancel:
      cancel(intent, now);
      break;
    case IntentAction::kModify:
      modify(intent, now);
      break;
    case IntentAction::kCancelAll: {
      ++stats_.cancels;
      std::optional<common::InstrumentId> sid = sim_id(intent.instrument);
      static_cast<void>(exchange_.cancel_all(ours_, sid, now));
      flush_staged(now, sim::SimError::kNone);
      break;
    }
  }
}

std::size_t SimVenue::mirror_liquidity(const common::OrderIntent& intent, common::InstrumentId sid,
                                       Nanos now) {
  const common::L2Book* book = books_(intent.instrument);
  if (book == nullptr || !book->is_valid()) return 0;
  const BookSide opposite = intent.side == Side::kBuy ? BookSide::kAsk : BookSide::kBid;
  const bool market = intent.type == common::OrderType::kMarket;
  Qty need = intent.qty;
  std::size_t placed = 0;
  for (std::size_t i = 0; i < book->depth(opposite) && need.is_positive(); ++i) {
    const common::Level lvl = book->level(opposite, i);
    if (!market &&
        (intent.side == Side::kBuy ? lvl.price > intent.price : lvl.price < intent.price)) {
      break;
    }
    sim::OrderRequest req;
    req.account = tape_;
    req.instrument = sid;
    req.side = common::opposite(intent.side);
    req.type = common::OrderType::kLimit;
    req.tif = common::TimeInForce::kGtc;
    req.price = lvl.price;
    req.qty = lvl.qty;
    if (exchange_.submit(req, now).error == sim::SimError::kNone) ++placed;
    need = need > lvl.qty ? need - lvl.qty : Qty{};
  }
  return placed;
}

void SimVenue::submit_new(const common::OrderIntent& intent, Nanos now) {
  ++stats_.new_orders;
  const std::optional<common::InstrumentId> sid = sim_id(intent.instrument);
  const bool supported =
      intent.type == common::OrderType::kLimit || intent.type == common::OrderType::kMarket;
  if (!sid || !supported) {
    ++stats_.rejects;
    reject_locally(intent, sid ? RejectReason::kOther : RejectReason::kInvalidPrice, now);
    return;
  }
  const std::size_t mirrored = mirror_liquidity(intent, *sid, now);
  sim::OrderRequest req;
  req.account = ours_;
  req.instrument = *sid;
  req.side = intent.side;
  req.type = intent.type;
  req.tif = intent.tif;
  req.price = intent.price;
  req.qty = intent.qty;
  req.reduce_only = (intent.flags & common::intent_flags::kReduceOnly) != 0;
  req.position_side = intent.position_side;
  req.client_id = client_text(intent.cloid);
  binding_ = Meta{intent.cloid, intent.strategy, intent.instrument};
  const sim::SubmitResult r = exchange_.submit(req, now);
  binding_.reset();
  if (mirrored > 0) static_cast<void>(exchange_.cancel_all(tape_, *sid, now));
  if (r.order_id == 0) {
    ++stats_.rejects;
    staged_.clear();
    reject_locally(intent, reject_reason(r.error), now);
    return;
  }
  if (r.status == OrderStatus::kRejected) ++stats_.rejects;
  if (r.status == OrderStatus::kNew || r.status == OrderStatus::kPartiallyFilled) {
    // Behind everything visible at our price when we arrive.
    const common::L2Book* book = books_(intent.instrument);
    const BookSide own = intent.side == Side::kBuy ? BookSide::kBid : BookSide::kAsk;
    const Qty visible = book != nullptr ? book->qty_at(own, intent.price) : Qty{};
    resting_.push_back(Resting{r.order_id, intent.instrument, intent.side, intent.price, visible,
                               intent.qty - r.filled});
  }
  flush_staged(now, r.error);
}

void SimVenue::refresh(const sim::SimOrder* o) {
  // A request the venue refused: it answers with the order's current state, which the OMS
  // treats as a refresh (or ignores when the order is unknown to it).
  ++stats_.failed_requests;
  if (o == nullptr) return;
  on_order(*o);
  flush_staged(now_, sim::SimError::kNone);
}

void SimVenue::cancel(const common::OrderIntent& intent, Nanos now) {
  ++stats_.cancels;
  const std::optional<common::InstrumentId> sid = sim_id(intent.instrument);
  const sim::ClientId text = client_text(intent.target);
  if (!sid) {
    refresh(nullptr);
    return;
  }
  const sim::SimError e = exchange_.cancel_by_client_id(ours_, *sid, text.view(), now);
  if (e != sim::SimError::kNone) {
    staged_.clear();
    refresh(exchange_.find_by_client_id(ours_, text.view()));
    return;
  }
  flush_staged(now, e);
}

void SimVenue::modify(const common::OrderIntent& intent, Nanos now) {
  ++stats_.modifies;
  const std::optional<common::InstrumentId> sid = sim_id(intent.instrument);
  const sim::ClientId text = client_text(intent.target);
  const sim::SimOrder* o = sid ? exchange_.find_by_client_id(ours_, text.view()) : nullptr;
  if (o == nullptr || !o->is_open()) {
    refresh(o);
    return;
  }
  const sim::OrderId id = o->id;
  const Price old_price = o->price;
  const Qty old_qty = o->qty;
  const sim::SubmitResult r = exchange_.modify(ours_, *sid, id, intent.price, intent.qty, now);
  if (r.error != sim::SimError::kNone && r.status == OrderStatus::kRejected) {
    staged_.clear();
    refresh(exchange_.find_order(ours_, id));
    return;
  }
  if (Resting* rest = find_resting(id); rest != nullptr) {
    if (intent.price != old_price || intent.qty > old_qty) {
      // Lost time priority: back of the visible queue at the (new) price.
      const common::L2Book* book = books_(rest->instrument);
      const BookSide own = rest->side == Side::kBuy ? BookSide::kBid : BookSide::kAsk;
      rest->ahead = book != nullptr ? book->qty_at(own, intent.price) : Qty{};
    }
    rest->price = intent.price;
  }
  flush_staged(now, r.error);
}

void SimVenue::on_order(const sim::SimOrder& o) {
  if (o.account != ours_) return;
  auto it = meta_.find(o.id);
  if (it == meta_.end()) {
    if (!binding_) return;  // not ours to report (cannot happen: every order is bound)
    it = meta_.emplace(o.id, *binding_).first;
  }
  const Meta& m = it->second;
  common::OrderUpdate u;
  u.ts_venue = now_;
  u.cloid = m.cloid;
  u.venue_order_id = common::VenueOrderId::from_int(o.id);
  u.price = o.price;
  u.qty = o.qty;
  u.filled_qty = o.filled;
  u.avg_price = o.avg_price();
  u.instrument = m.instrument;
  u.strategy = m.strategy;
  u.venue = venue_;
  u.status = o.status;
  u.side = o.side;
  staged_.emplace_back(u);
  if (Resting* r = find_resting(o.id); r != nullptr) {
    if (o.is_open()) {
      r->remaining = o.remaining();
    } else {
      resting_.erase(resting_.begin() + (r - resting_.data()));
    }
  }
  if (!o.is_open()) meta_.erase(it);
}

void SimVenue::on_fill(const sim::SimFill& f) {
  if (f.account != ours_) return;
  const auto it = meta_.find(f.order_id);
  if (it == meta_.end() && !binding_) return;
  const Meta& m = it != meta_.end() ? it->second : *binding_;
  common::Fill out;
  out.ts_venue = now_;
  out.cloid = m.cloid;
  out.venue_order_id = common::VenueOrderId::from_int(f.order_id);
  out.fill_id = f.trade_id;
  out.price = f.price;
  out.qty = f.qty;
  out.fee = f.fee;
  out.instrument = m.instrument;
  out.strategy = m.strategy;
  out.venue = venue_;
  out.side = f.side;
  out.liquidity = f.liquidity;
  staged_.emplace_back(out);
  ++stats_.fills;
  if (f.liquidity == common::Liquidity::kMaker) {
    ++stats_.maker_fills;
  } else {
    ++stats_.taker_fills;
  }
}

void SimVenue::on_md(const common::MdEvent& e, Nanos now) {
  if (resting_.empty()) return;
  now_ = now;
  if (e.kind == common::MdKind::kTrade) {
    on_trade(e.trade, now);
  } else if (e.kind == common::MdKind::kBookDelta) {
    on_delta(e.delta, now);
  }
}

void SimVenue::on_trade(const common::Trade& t, Nanos now) {
  // Our orders hit by this trade: the side the aggressor trades against, best price first.
  const Side hit = common::opposite(t.aggressor);
  std::vector<Resting*>& mine = scratch_mine_;
  std::vector<std::pair<Resting, Qty>>& fills = scratch_fills_;
  mine.clear();
  fills.clear();
  for (Resting& r : resting_) {
    if (r.instrument == t.instrument && r.side == hit) mine.push_back(&r);
  }
  if (mine.empty()) return;
  std::sort(mine.begin(), mine.end(), [](const Resting* a, const Resting* b) {
    return a->price != b->price ? better(a->side, a->price, b->price) : a->id < b->id;
  });
  Qty left = t.qty;
  for (Resting* r : mine) {
    if (better(hit, t.price, r->price)) continue;  // the trade happened above our bid/below ask
    if (t.price == r->price) {
      ++stats_.queue_trades;
      const Qty used = std::min(left, r->ahead);
      r->ahead -= used;
      left -= used;
      const Qty take = std::min(left, r->remaining);
      if (take.is_positive()) {
        left -= take;
        fills.emplace_back(*r, take);
      }
    } else {
      fills.emplace_back(*r, r->remaining);  // traded through our price: all of it
    }
  }
  for (const auto& [r, qty] : fills) fill_resting(r, qty, now);
}

void SimVenue::on_delta(const common::BookDelta& d, Nanos now) {
  std::vector<std::pair<Resting, Qty>>& fills = scratch_fills_;
  fills.clear();
  for (Resting& r : resting_) {
    if (r.instrument != d.instrument) continue;
    const BookSide own = r.side == Side::kBuy ? BookSide::kBid : BookSide::kAsk;
    if (d.side == own) {
      if (d.price == r.price && d.qty < r.ahead) r.ahead = d.qty;
    } else if (d.qty.is_positive() && !better(r.side, d.price, r.price) &&
               (d.flags & common::book_flags::kSnapshotBegin) == 0) {
      // The other side now quotes at or through our price: it would have traded with us.
      fills.emplace_back(r, r.remaining);
    }
  }
  for (const auto& [r, qty] : fills) fill_resting(r, qty, now);
}

void SimVenue::fill_resting(const Resting& r, Qty qty, Nanos now) {
  const std::optional<common::InstrumentId> sid = sim_id(r.instrument);
  if (!sid || !qty.is_positive() || find_resting(r.id) == nullptr) return;
  sim::OrderRequest req;
  req.account = tape_;
  req.instrument = *sid;
  req.side = common::opposite(r.side);
  req.type = common::OrderType::kLimit;
  req.tif = common::TimeInForce::kIoc;
  req.price = r.price;
  req.qty = std::min(qty, r.remaining);
  exchange_.advance(now);
  const sim::SubmitResult res = exchange_.submit(req, now);
  flush_staged(now, res.error);
}

}  // namespace peregrine::engine::replay
