// make_order_flow: the risk gate, the OMS order table and the portfolio behind the core's
// OrderFlow seam, plus the session's per-strategy/venue figures. Strategy-core thread only.
#include <array>
#include <vector>

#include "engine/oms/order_table.hpp"
#include "engine/portfolio/portfolio.hpp"
#include "engine/risk/risk_config.hpp"
#include "engine/risk/risk_gate.hpp"
#include "engine/session/wiring.hpp"

namespace peregrine::engine {

namespace {

using common::IntentAction;

class EngineOrderFlow final : public SessionOrderFlow {
 public:
  EngineOrderFlow(const EngineConfig& config, const common::InstrumentRegistry& reg)
      : reg_(reg),
        orders_(oms_config(reg), reg),
        portfolio_(portfolio::PortfolioConfig{reg.size() + 1, kMaxSessionStrategies}, reg),
        risk_(risk::from_engine_risk(config.risk), reg, orders_, portfolio_, reg.size() + 1),
        books_(reg.size(), &empty_book_) {
    venue_state_.fill(common::VenueState::kDown);  // healthy only once a gateway says so
  }

  std::optional<common::DenyReason> admit(common::OrderIntent& intent,
                                          Nanos now) noexcept override {
    const common::L2Book& book =
        intent.instrument.value < books_.size() ? *books_[intent.instrument.value] : empty_book_;
    const risk::RiskDecision d = risk_.check(intent, book, now);
    if (!d.allowed) {
      ++cell(intent).denials;
      return d.denied.reason;
    }
    oms::OmsEvent ev;
    switch (intent.action) {
      case IntentAction::kNew:
        ev = orders_.submit(intent, now);
        break;
      case IntentAction::kCancel:
        ev = orders_.request_cancel(intent.target, now);
        break;
      case IntentAction::kModify:
        ev = orders_.request_replace(intent.target, intent.price, intent.qty, now);
        break;
      case IntentAction::kCancelAll:
        return std::nullopt;  // the gateway cancels by venue; each order's ack updates the OMS
    }
    switch (ev.result) {
      case oms::OmsResult::kApplied:
      case oms::OmsResult::kIgnored:
        break;
      case oms::OmsResult::kDuplicateOrder:
        ++cell(intent).denials;
        return common::DenyReason::kDuplicateIntent;
      case oms::OmsResult::kTableFull:
        ++cell(intent).denials;
        return common::DenyReason::kOpenOrderCap;
      default:
        ++cell(intent).denials;
        return common::DenyReason::kUnknownOrder;
    }
    if (intent.action == IntentAction::kNew) ++cell(intent).orders;
    if (intent.action != IntentAction::kNew) risk_.on_cancel_sent(intent.venue, now);
    return std::nullopt;
  }

  void unsend(const common::OrderIntent& intent, Nanos now) noexcept override {
    // Nothing left the process: the order is rejected locally so the table stays truthful.
    if (intent.action == IntentAction::kNew) {
      common::OrderUpdate u;
      u.ts_recv = now;
      u.cloid = intent.cloid;
      u.instrument = intent.instrument;
      u.strategy = intent.strategy;
      u.venue = intent.venue;
      u.side = intent.side;
      u.status = common::OrderStatus::kRejected;
      u.reject = common::RejectReason::kOther;
      static_cast<void>(orders_.on_update(u));
      PnlCell& c = cell(intent);
      if (c.orders > 0) --c.orders;
      ++c.denials;
    }
  }

  OrderAnswer on_update(const common::OrderUpdate& u, Nanos) noexcept override {
    const oms::OmsEvent ev = orders_.on_update(u);
    const bool applied = ev.result == oms::OmsResult::kApplied;
    if (u.status == common::OrderStatus::kRejected && applied) {
      ++cell(u.strategy, u.venue).rejects;
    }
    // The router learns from the venue's first answer to each new order.
    OrderAnswer a;
    a.first_answer = applied && ev.before == common::OrderStatus::kPendingNew;
    a.error = a.first_answer && ev.after == common::OrderStatus::kRejected;
    a.ack_latency = ev.ack_latency;
    return a;
  }

  bool on_fill(const common::Fill& f, Nanos) noexcept override {
    const oms::OmsEvent ev = orders_.on_fill(f);
    if (ev.result == oms::OmsResult::kDuplicateFill) return false;
    common::PositionSide side = common::PositionSide::kBoth;
    if (const oms::OrderRecord* r = orders_.find(f.cloid)) side = r->intent.position_side;
    static_cast<void>(portfolio_.on_fill(f, side));
    PnlCell& c = cell(f.strategy, f.venue);
    ++c.fills;
    c.volume += f.qty;
    c.fees += f.fee;
    return true;
  }

  void on_venue_status(const common::VenueStatus& s, Nanos) noexcept override {
    risk_.on_venue_status(s);
    const auto v = static_cast<std::size_t>(s.venue);
    if (v < venue_state_.size()) venue_state_[v] = s.state;
  }

  void on_book(common::InstrumentId id, const common::L2Book& book, Nanos) noexcept override {
    if (id.value >= books_.size()) return;
    books_[id.value] = &book;
    if (book.is_valid()) {
      const common::Price mid = book.mid();
      if (mid.is_positive()) portfolio_.mark(id, mid);
    }
  }

  common::Qty position(common::InstrumentId id) const noexcept override {
    return portfolio_.position(id);
  }

  __int128 venue_gross_raw(common::VenueId v) const noexcept override {
    return portfolio_.gross_notional_raw(v);
  }

  bool venue_healthy(common::VenueId v) const noexcept override {
    const auto i = static_cast<std::size_t>(v);
    return i < venue_state_.size() && venue_state_[i] == common::VenueState::kConnected &&
           risk_.state() != risk::RiskState::kHalted;
  }

  void halt(Nanos now) noexcept override {
    // The gate's own cancel list is not used: the bridge sends the cancels through the core so
    // they are journaled and queued like any other intent.
    static_cast<void>(risk_.kill(now));
  }

  RiskMode risk_mode() const noexcept override {
    switch (risk_.state()) {
      case risk::RiskState::kNormal:
        return RiskMode::kNormal;
      case risk::RiskState::kReducingOnly:
        return RiskMode::kReducingOnly;
      case risk::RiskState::kHalted:
        return RiskMode::kHalted;
    }
    return RiskMode::kHalted;
  }

  bool visit_open(OpenOrderVisitor fn, void* ctx) const noexcept override {
    orders_.for_each_open([fn, ctx](const oms::OrderRecord& r) noexcept {
      fn(ctx, OpenOrderView{r.intent, r.venue_order_id, r.status, r.executed(), r.ts_submit});
    });
    return true;
  }

  void fill_stats(SessionStats& s, Nanos) const noexcept override {
    for (std::size_t st = 0; st < kMaxSessionStrategies; ++st) {
      for (std::size_t v = 0; v < common::kVenueCount; ++v) {
        PnlCell out = cells_[st][v];
        __int128 realized = 0;
        __int128 unrealized = 0;
        for (std::size_t i = 0; i < reg_.size(); ++i) {
          const common::InstrumentId id{static_cast<std::uint32_t>(i)};
          if (static_cast<std::size_t>(reg_.get(id).venue) != v) continue;
          const portfolio::Legs& legs =
              portfolio_.strategy_legs(common::StrategyId{static_cast<std::uint16_t>(st)}, id);
          realized += legs.realized_raw();
          const common::Price mark = portfolio_.mark_price(id);
          if (mark.is_positive()) unrealized += legs.unrealized_raw(mark);
        }
        out.realized = portfolio::money_from_raw16(realized);
        out.unrealized = portfolio::money_from_raw16(unrealized);
        s.cells[st][v] = out;
      }
    }
    s.risk = risk_mode();
    s.venue_state = venue_state_;
  }

 private:
  static oms::OmsConfig oms_config(const common::InstrumentRegistry& reg) {
    oms::OmsConfig c;
    c.max_instruments = reg.size() + 1;
    c.max_strategies = kMaxSessionStrategies;
    return c;
  }
  PnlCell& cell(common::StrategyId s, common::VenueId v) noexcept {
    const std::size_t st = s.value < kMaxSessionStrategies ? s.value : 0;
    return cells_[st][static_cast<std::size_t>(v) % common::kVenueCount];
  }
  PnlCell& cell(const common::OrderIntent& i) noexcept { return cell(i.strategy, i.venue); }

  const common::InstrumentRegistry& reg_;
  common::L2Book empty_book_{1};
  oms::OrderTable orders_;
  portfolio::Portfolio portfolio_;
  risk::RiskGate risk_;
  std::vector<const common::L2Book*> books_;
  std::array<common::VenueState, common::kVenueCount> venue_state_{};
  std::array<std::array<PnlCell, common::kVenueCount>, kMaxSessionStrategies> cells_{};
};

}  // namespace

std::unique_ptr<SessionOrderFlow> make_order_flow(const EngineConfig& config,
                                                  const common::InstrumentRegistry& instruments) {
  return std::make_unique<EngineOrderFlow>(config, instruments);
}

}  // namespace peregrine::engine
