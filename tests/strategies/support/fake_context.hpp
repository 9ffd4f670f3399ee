// FakeContext: a scripted StrategyContext for strategy unit tests. Test thread only.
// Books are scripted snapshots, the clock is a ReplayClock moved by the test, submitted intents
// are recorded, and a tiny venue simulator fills IOC/market orders against the scripted book,
// rests GTC/post-only limits until the book trades through them, and triggers stop/take-profit
// types on the mid, so a scripted price path produces real fills, positions and PnL.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/l2_book.hpp"
#include "strategies/strategy.hpp"

namespace peregrine::strategies::testing {

using common::BookSide;
using common::ClientOrderId;
using common::InstrumentId;
using common::Nanos;
using common::OrderIntent;
using common::Price;
using common::Qty;
using common::Side;
using common::VenueId;

inline Price px(double v) { return Price::from_raw(std::llround(v * 1e8)); }
inline Qty qt(double v) { return Qty::from_raw(std::llround(v * 1e8)); }
inline common::Rate rate(double v) { return common::Rate::from_raw(std::llround(v * 1e8)); }
inline constexpr Nanos kSec = 1'000'000'000;

class FakeContext final : public StrategyContext {
 public:
  struct Resting {
    OrderIntent intent;
    Qty filled;
  };

  FakeContext() = default;

  InstrumentId add_instrument(VenueId venue, std::string_view asset, double tick, double lot,
                              double taker_fee = 0.0005, double maker_fee = 0.0002,
                              double min_qty = 0) {
    common::Instrument ins;
    ins.venue = venue;
    static_cast<void>(
        ins.symbol.assign(std::string(asset) + "-" + std::string(common::to_string(venue))));
    static_cast<void>(ins.asset.assign(asset));
    ins.tick = px(tick);
    ins.lot = qt(lot);
    ins.min_qty = qt(min_qty);
    ins.taker_fee = rate(taker_fee);
    ins.maker_fee = rate(maker_fee);
    auto id = reg_.add(ins);
    books_.push_back(std::make_unique<common::L2Book>(256));
    positions_.push_back(Qty{});
    last_mid_.push_back(0);
    return *id;
  }

  // --- Scripting the market ---
  // Replaces the book with `levels` levels a side, `qty` each, best bid/ask as given, spaced by
  // one tick. Returns after matching resting orders and triggers against the new book.
  void set_book(InstrumentId id, double bid, double ask, double qty = 10, int levels = 5) {
    set_book_sizes(id, bid, qty, ask, qty, levels);
  }
  void set_book_sizes(InstrumentId id, double bid, double bid_qty, double ask, double ask_qty,
                      int levels = 5) {
    const double tick = reg_.get(id).tick.to_double();
    std::vector<std::pair<double, double>> bids, asks;
    for (int i = 0; i < levels; ++i) {
      bids.emplace_back(bid - tick * i, bid_qty);
      asks.emplace_back(ask + tick * i, ask_qty);
    }
    set_levels(id, bids, asks);
  }
  void set_levels(InstrumentId id, const std::vector<std::pair<double, double>>& bids,
                  const std::vector<std::pair<double, double>>& asks) {
    common::L2Book& b = *books_[id.value];
    common::BookDelta d;
    d.instrument = id;
    d.venue = reg_.get(id).venue;
    d.ts_venue = clock_.now_ns();
    d.flags = common::book_flags::kSnapshotBegin;
    static_cast<void>(b.apply(d));
    for (const auto& [p, q] : bids) {
      static_cast<void>(b.set_level(BookSide::kBid, px(p), qt(q)));
    }
    for (const auto& [p, q] : asks) {
      static_cast<void>(b.set_level(BookSide::kAsk, px(p), qt(q)));
    }
    d.flags = common::book_flags::kSnapshotEnd;
    static_cast<void>(b.apply(d));
    last_mid_[id.value] = b.mid().to_double();
    match_resting(id);
  }
  // A book around `mid` with a one-tick spread on each side.
  void set_mid(InstrumentId id, double mid, double qty = 10, int levels = 5) {
    const double tick = reg_.get(id).tick.to_double();
    set_book(id, mid - tick, mid + tick, qty, levels);
  }
  void invalidate(InstrumentId id) {
    books_[id.value]->invalidate(common::ResetReason::kSequenceGap);
  }
  void advance(Nanos t) { clock_.advance_to(t); }
  void advance_by(Nanos dt) { clock_.advance_to(clock_.now_ns() + dt); }

  // Book changed: the strategy decides, then every resulting report is delivered.
  void step(Strategy& s, InstrumentId id) {
    s.on_book(*this, id);
    pump(s);
  }
  // Delivers queued reports (which may cause more intents and reports) and due timers.
  void pump(Strategy& s) {
    for (int round = 0; round < 1000; ++round) {
      bool any = false;
      while (next_event_ < events_.size()) {
        const Event e = events_[next_event_++];
        any = true;
        switch (e.kind) {
          case Event::kUpdate:
            s.on_order_update(*this, e.update);
            break;
          case Event::kFill:
            apply_fill(e.fill);
            s.on_fill(*this, e.fill);
            break;
          case Event::kDenied:
            s.on_denied(*this, e.denied);
            break;
        }
      }
      for (std::size_t i = 0; i < timers_.size();) {
        if (timers_[i].first <= clock_.now_ns()) {
          const std::uint64_t token = timers_[i].second;
          timers_.erase(timers_.begin() + static_cast<std::ptrdiff_t>(i));
          any = true;
          s.on_timer(*this, token);
        } else {
          ++i;
        }
      }
      if (!any) return;
    }
  }

  // --- Simulator knobs ---
  void deny_next(int n) { deny_next_ = n; }
  // IOC/market results: report the terminal OrderUpdate before the Fill events.
  void set_update_before_fills(bool b) { update_before_fills_ = b; }
  // Fraction of an IOC's matchable quantity that fills on this instrument (leg failure tests).
  void set_ioc_fill_ratio(InstrumentId id, double r) {
    if (fill_ratio_.size() <= id.value) fill_ratio_.resize(id.value + 1, 1.0);
    fill_ratio_[id.value] = r;
  }
  // Like set_ioc_fill_ratio but only for the next IOC/market order on this instrument.
  void set_next_ioc_fill_ratio(InstrumentId id, double r) {
    if (once_ratio_.size() <= id.value) once_ratio_.resize(id.value + 1, -1.0);
    once_ratio_[id.value] = r;
  }
  void set_position(InstrumentId id, Qty q) { positions_[id.value] = q; }
  void set_venue_healthy(VenueId v, bool h) { healthy_[common::index(v)] = h; }
  void set_route(InstrumentId id) { route_ = id; }

  // --- Records ---
  std::vector<OrderIntent> intents;
  std::vector<std::string> notes;
  [[nodiscard]] std::vector<OrderIntent> new_orders() const {
    std::vector<OrderIntent> out;
    for (const auto& i : intents) {
      if (i.action == common::IntentAction::kNew) out.push_back(i);
    }
    return out;
  }
  [[nodiscard]] bool noted(std::string_view needle) const {
    return std::any_of(notes.begin(), notes.end(),
                       [&](const std::string& n) { return n.find(needle) != std::string::npos; });
  }
  [[nodiscard]] const std::vector<Resting>& resting() const { return resting_; }
  [[nodiscard]] std::size_t fills() const { return fill_count_; }
  // Quote cash (fees included) plus every position marked at its book's mid.
  [[nodiscard]] double equity() const {
    double e = cash_;
    for (std::size_t i = 0; i < positions_.size(); ++i) {
      e += positions_[i].to_double() * last_mid_[i];
    }
    return e;
  }
  [[nodiscard]] double fees_paid() const { return fees_; }
  common::InstrumentRegistry& registry() { return reg_; }
  common::L2Book& mutable_book(InstrumentId id) { return *books_[id.value]; }

  // --- StrategyContext ---
  [[nodiscard]] const common::L2Book& book(InstrumentId id) const noexcept override {
    return *books_[id.value];
  }
  [[nodiscard]] const common::InstrumentRegistry& instruments() const noexcept override {
    return reg_;
  }
  [[nodiscard]] const common::Clock& clock() const noexcept override { return clock_; }
  [[nodiscard]] Qty position(InstrumentId id) const noexcept override {
    return positions_[id.value];
  }
  [[nodiscard]] ClientOrderId next_order_id() noexcept override { return ids_.next({7}); }
  [[nodiscard]] SubmitResult submit(const OrderIntent& in) noexcept override {
    intents.push_back(in);
    if (deny_next_ > 0) {
      --deny_next_;
      Event e{Event::kDenied};
      e.denied.cloid = in.cloid;
      e.denied.instrument = in.instrument;
      e.denied.reason = common::DenyReason::kMaxPosition;
      events_.push_back(e);
      return SubmitResult::kDenied;
    }
    if (in.action == common::IntentAction::kCancel) {
      cancel(in.target);
    } else if (in.action == common::IntentAction::kNew) {
      accept_new(in);
    }
    return SubmitResult::kAccepted;
  }
  void schedule_timer(Nanos at, std::uint64_t token) noexcept override {
    timers_.emplace_back(at, token);
  }
  void note(std::string_view text) noexcept override { notes.emplace_back(text); }
  [[nodiscard]] bool venue_healthy(VenueId v) const noexcept override {
    return healthy_[common::index(v)];
  }
  [[nodiscard]] InstrumentId route(common::AssetId, Side, Qty) const noexcept override {
    return route_;
  }

 private:
  struct Event {
    enum Kind : std::uint8_t { kUpdate, kFill, kDenied } kind;
    common::OrderUpdate update{};
    common::Fill fill{};
    common::OrderDenied denied{};
  };

  void push_update(const OrderIntent& in, common::OrderStatus st, Qty filled,
                   common::RejectReason why = common::RejectReason::kNone) {
    Event e{Event::kUpdate};
    e.update.cloid = in.cloid;
    e.update.instrument = in.instrument;
    e.update.venue = in.venue;
    e.update.side = in.side;
    e.update.price = in.price;
    e.update.qty = in.qty;
    e.update.filled_qty = filled;
    e.update.status = st;
    e.update.reject = why;
    e.update.ts_recv = clock_.now_ns();
    events_.push_back(e);
  }
  void push_fill(const OrderIntent& in, Price p, Qty q, common::Liquidity liq) {
    Event e{Event::kFill};
    e.fill.cloid = in.cloid;
    e.fill.instrument = in.instrument;
    e.fill.venue = in.venue;
    e.fill.side = in.side;
    e.fill.price = p;
    e.fill.qty = q;
    e.fill.liquidity = liq;
    e.fill.fill_id = ++fill_seq_;
    e.fill.ts_recv = clock_.now_ns();
    const auto& ins = reg_.get(in.instrument);
    const double fee_rate =
        (liq == common::Liquidity::kTaker ? ins.taker_fee : ins.maker_fee).to_double();
    e.fill.fee = common::Money::from_raw(
        static_cast<std::int64_t>(p.to_double() * q.to_double() * fee_rate * 1e8));
    events_.push_back(e);
  }
  void apply_fill(const common::Fill& f) {
    const double signed_qty = f.side == Side::kBuy ? f.qty.to_double() : -f.qty.to_double();
    positions_[f.instrument.value] += f.side == Side::kBuy ? f.qty : -f.qty;
    cash_ -= signed_qty * f.price.to_double() + f.fee.to_double();
    fees_ += f.fee.to_double();
    ++fill_count_;
  }
  double ratio(InstrumentId id) {
    if (id.value < once_ratio_.size() && once_ratio_[id.value] >= 0) {
      const double r = once_ratio_[id.value];
      once_ratio_[id.value] = -1.0;
      return r;
    }
    return id.value < fill_ratio_.size() ? fill_ratio_[id.value] : 1.0;
  }
  // Takes liquidity up to `limit` without consuming the scripted book (it is redrawn anyway).
  Qty take(const OrderIntent& in, Price limit, Qty want) {
    const common::L2Book& b = *books_[in.instrument.value];
    if (!b.is_valid()) return Qty{};
    const BookSide side = in.side == Side::kBuy ? BookSide::kAsk : BookSide::kBid;
    const Qty cap = Qty::from_raw(
        static_cast<std::int64_t>(static_cast<double>(want.raw()) * ratio(in.instrument)));
    Qty done;
    b.for_each_level(side, [&](const common::Level& l) {
      const bool ok = in.side == Side::kBuy ? l.price <= limit : l.price >= limit;
      if (!ok || done >= cap) return false;
      const Qty q = std::min(l.qty, cap - done);
      push_fill(in, l.price, q, common::Liquidity::kTaker);
      done += q;
      return true;
    });
    return done;
  }
  bool crosses(const OrderIntent& in) const {
    const common::L2Book& b = *books_[in.instrument.value];
    if (in.side == Side::kBuy) return b.has_ask() && b.best_ask().price <= in.price;
    return b.has_bid() && b.best_bid().price >= in.price;
  }
  void accept_new(const OrderIntent& in) {
    using common::OrderStatus;
    using common::OrderType;
    using common::TimeInForce;
    const bool stop_like = in.type != OrderType::kLimit && in.type != OrderType::kMarket;
    if (stop_like || (in.flags & 0xE0u) != 0) {  // triggers and strategy-local kinds rest
      push_update(in, OrderStatus::kNew, Qty{});
      resting_.push_back({in, Qty{}});
      return;
    }
    if (in.type == OrderType::kMarket || in.tif == TimeInForce::kIoc ||
        in.tif == TimeInForce::kFok) {
      const Price limit = in.type == OrderType::kMarket ? Price::max() : in.price;
      const Price lim = in.side == Side::kSell && in.type == OrderType::kMarket ? Price{} : limit;
      const std::size_t first = events_.size();
      const Qty got = take(in, lim, in.qty);
      push_update(in, got == in.qty ? OrderStatus::kFilled : OrderStatus::kCancelled, got);
      if (update_before_fills_) {
        // Like a REST ack ("filled") that beats the user stream's fill events.
        std::rotate(events_.begin() + static_cast<std::ptrdiff_t>(first), events_.end() - 1,
                    events_.end());
      }
      return;
    }
    if (in.tif == TimeInForce::kPostOnly && crosses(in)) {
      push_update(in, OrderStatus::kRejected, Qty{}, common::RejectReason::kPostOnlyWouldCross);
      return;
    }
    if (crosses(in)) {
      const Qty got = take(in, in.price, in.qty);
      if (got == in.qty) {
        push_update(in, OrderStatus::kFilled, got);
        return;
      }
      push_update(in, OrderStatus::kPartiallyFilled, got);
      resting_.push_back({in, got});
      return;
    }
    push_update(in, OrderStatus::kNew, Qty{});
    resting_.push_back({in, Qty{}});
  }
  void cancel(ClientOrderId target) {
    for (std::size_t i = 0; i < resting_.size(); ++i) {
      if (resting_[i].intent.cloid == target) {
        push_update(resting_[i].intent, common::OrderStatus::kCancelled, resting_[i].filled);
        resting_.erase(resting_.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
    }
    OrderIntent ghost;
    ghost.cloid = target;
    push_update(ghost, common::OrderStatus::kRejected, Qty{}, common::RejectReason::kUnknownOrder);
  }
  void match_resting(InstrumentId id) {
    using common::OrderType;
    const common::L2Book& b = *books_[id.value];
    if (!b.is_valid()) return;
    const Price mid = b.mid();
    for (std::size_t i = 0; i < resting_.size();) {
      Resting& r = resting_[i];
      const OrderIntent& in = r.intent;
      bool done = false;
      if (in.instrument == id) {
        if (in.type == OrderType::kLimit && (in.flags & 0xE0u) == 0) {
          // Trades through: the opposite best reached our price; we fill at our price (maker).
          if (crosses(in)) {
            push_fill(in, in.price, in.qty - r.filled, common::Liquidity::kMaker);
            push_update(in, common::OrderStatus::kFilled, in.qty);
            done = true;
          }
        } else if (in.type == OrderType::kStopMarket || in.type == OrderType::kTakeProfitMarket) {
          const bool is_stop = in.type == OrderType::kStopMarket;
          // A sell stop triggers at or below the trigger, a sell take-profit at or above it.
          const bool below = mid <= in.trigger_price, above = mid >= in.trigger_price;
          const bool hit = (in.side == Side::kSell) == is_stop ? below : above;
          if (hit) {
            const Qty got = take(in, in.side == Side::kBuy ? Price::max() : Price{}, in.qty);
            push_update(in, common::OrderStatus::kFilled, got);
            done = true;
          }
        }
      }
      if (done) {
        resting_.erase(resting_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }

  common::InstrumentRegistry reg_;
  common::ReplayClock clock_{1'700'000'000LL * kSec};
  std::vector<std::unique_ptr<common::L2Book>> books_;
  std::vector<Qty> positions_;
  std::vector<double> last_mid_;
  std::vector<double> fill_ratio_;
  std::vector<double> once_ratio_;
  std::vector<Event> events_;
  std::size_t next_event_ = 0;
  std::vector<std::pair<Nanos, std::uint64_t>> timers_;
  std::vector<Resting> resting_;
  common::ClientOrderIdGenerator ids_{0x5eed};
  bool healthy_[common::kVenueCount] = {true, true, true, true};
  InstrumentId route_{};
  int deny_next_ = 0;
  bool update_before_fills_ = false;
  std::uint64_t fill_seq_ = 0;
  std::size_t fill_count_ = 0;
  double cash_ = 0;
  double fees_ = 0;
};

}  // namespace peregrine::strategies::testing
