// Market order on venues without one (Hyperliquid): an IOC limit at best +/- a slippage cap,
// sized to what the book shows within that cap. Strategy thread only; pure, no allocation.
#pragma once

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/l2_book.hpp"

namespace peregrine::strategies::algos {

struct MarketIocConfig {
  double slippage_cap = 0.05;  // fraction of the best price (default 5%)
  bool size_to_book = true;    // cut qty to what rests within the capped price
};

enum class MarketIocError : std::uint8_t { kOk, kBookInvalid, kNoLiquidity, kBelowMinQty };

struct MarketIocQuote {
  common::Price limit;  // on the tick grid, never beyond best * (1 +/- cap)
  common::Qty qty;      // on the lot grid, <= requested
  MarketIocError error = MarketIocError::kOk;
};

// Buy: limit = best ask * (1 + cap) rounded DOWN to tick; sell: best bid * (1 - cap) rounded UP,
// so the cap is never exceeded. qty = min(requested, book qty within limit) rounded down to lot.
[[nodiscard]] MarketIocQuote price_market_ioc(const common::L2Book& book,
                                              const common::Instrument& ins, common::Side side,
                                              common::Qty qty, const MarketIocConfig& cfg) noexcept;

// Fills `out` as a new IOC limit intent from a quote (caller sets cloid, strategy, flags).
void make_ioc_intent(const common::Instrument& ins, common::Side side, const MarketIocQuote& q,
                     common::OrderIntent* out) noexcept;

}  // namespace peregrine::strategies::algos
