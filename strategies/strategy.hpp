// The strategy API: what a strategy sees (StrategyContext) and what it implements (Strategy).
// Strategy thread only. Live, paper and replay all implement StrategyContext, so a strategy
// cannot tell them apart. Strategies link only peregrine::common (enforced by the build).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/instrument.hpp"

namespace peregrine::common {
class L2Book;
}

namespace peregrine::strategies {

enum class SubmitResult : std::uint8_t {
  kAccepted,   // passed the risk gate and queued for the venue
  kDenied,     // the risk gate said no; an OrderDenied follows via on_denied
  kQueueFull,  // the venue's order queue is full; nothing was sent
};

class StrategyContext {
 public:
  virtual ~StrategyContext() = default;

  // The current book of an instrument; check is_valid() before trading on it.
  [[nodiscard]] virtual const common::L2Book& book(common::InstrumentId id) const noexcept = 0;
  [[nodiscard]] virtual const common::InstrumentRegistry& instruments() const noexcept = 0;
  [[nodiscard]] virtual const common::Clock& clock() const noexcept = 0;
  // Signed net position (positive = long) on one venue instrument.
  [[nodiscard]] virtual common::Qty position(common::InstrumentId id) const noexcept = 0;
  // A fresh client order id owned by this strategy.
  [[nodiscard]] virtual common::ClientOrderId next_order_id() noexcept = 0;
  // Through the pre-trade risk gate to the venue's order queue.
  [[nodiscard]] virtual SubmitResult submit(const common::OrderIntent& intent) noexcept = 0;
  // One-shot timer: on_timer(token) is called at or after `at` (clock time).
  virtual void schedule_timer(common::Nanos at, std::uint64_t token) noexcept = 0;

  // --- Extensions with defaults (the engine core overrides them) ---
  // Journal hook: one decision, as short text the strategy formatted into its own stack buffer.
  // The engine copies it into the journal queue; it must not block or allocate on the caller's
  // side. Default: dropped.
  virtual void note(std::string_view text) noexcept { static_cast<void>(text); }
  // The engine's view of a venue (gateway status, circuit breaker, kill switch). Strategies also
  // see VenueStatus events; this adds what only the core knows. Default: healthy.
  [[nodiscard]] virtual bool venue_healthy(common::VenueId venue) const noexcept {
    static_cast<void>(venue);
    return true;
  }
  // The router's pick (fees, liquidity, latency, reliability, allocation targets) of the
  // instrument to trade `qty` of `asset` on `side`. Default: an invalid id, meaning "no router:
  // use the instrument from your own configuration".
  [[nodiscard]] virtual common::InstrumentId route(common::AssetId asset, common::Side side,
                                                   common::Qty qty) const noexcept {
    static_cast<void>(asset);
    static_cast<void>(side);
    static_cast<void>(qty);
    return common::InstrumentId{};
  }
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;

  virtual void on_start(StrategyContext& ctx) noexcept { static_cast<void>(ctx); }
  // Called once per venue message (end of batch) for each instrument whose book changed.
  virtual void on_book(StrategyContext& ctx, common::InstrumentId id) noexcept = 0;
  virtual void on_trade(StrategyContext& ctx, const common::Trade& t) noexcept {
    static_cast<void>(ctx);
    static_cast<void>(t);
  }
  virtual void on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept {
    static_cast<void>(ctx);
    static_cast<void>(u);
  }
  virtual void on_fill(StrategyContext& ctx, const common::Fill& f) noexcept {
    static_cast<void>(ctx);
    static_cast<void>(f);
  }
  virtual void on_denied(StrategyContext& ctx, const common::OrderDenied& d) noexcept {
    static_cast<void>(ctx);
    static_cast<void>(d);
  }
  virtual void on_venue_status(StrategyContext& ctx, const common::VenueStatus& s) noexcept {
    static_cast<void>(ctx);
    static_cast<void>(s);
  }
  virtual void on_timer(StrategyContext& ctx, std::uint64_t token) noexcept {
    static_cast<void>(ctx);
    static_cast<void>(token);
  }
};

}  // namespace peregrine::strategies
