#include "strategies/algos/market_ioc.hpp"

namespace peregrine::strategies::algos {

using common::BookSide;
using common::Price;
using common::Qty;
using common::RoundMode;
using common::Side;

MarketIocQuote price_market_ioc(const common::L2Book& book, const common::Instrument& ins,
                                Side side, Qty qty, const MarketIocConfig& cfg) noexcept {
  MarketIocQuote q;
  if (!book.is_valid()) {
    q.error = MarketIocError::kBookInvalid;
    return q;
  }
  const BookSide take = side == Side::kBuy ? BookSide::kAsk : BookSide::kBid;
  const common::Level best = book.best(take);
  if (best.qty.is_zero()) {
    q.error = MarketIocError::kNoLiquidity;
    return q;
  }
  const double factor = side == Side::kBuy ? 1.0 + cfg.slippage_cap : 1.0 - cfg.slippage_cap;
  auto lim = Price::from_double(best.price.to_double() * factor, ins.tick,
                                side == Side::kBuy ? RoundMode::kDown : RoundMode::kUp);
  // A cap below one tick still allows the best price itself.
  Price limit = lim ? *lim : best.price;
  if (side == Side::kBuy ? limit < best.price : limit > best.price) limit = best.price;
  if (!limit.is_positive()) limit = best.price;
  Qty want = qty;
  if (cfg.size_to_book) {
    const Qty avail = book.cumulative_qty_to_price(take, limit);
    if (avail < want) want = avail;
  }
  auto lots = want.round_to(ins.lot, RoundMode::kDown);
  q.limit = limit;
  q.qty = lots ? *lots : Qty{};
  if (q.qty.is_zero() || q.qty < ins.min_qty) {
    q.error = MarketIocError::kBelowMinQty;
    q.qty = Qty{};
  }
  return q;
}

void make_ioc_intent(const common::Instrument& ins, Side side, const MarketIocQuote& q,
                     common::OrderIntent* out) noexcept {
  out->action = common::IntentAction::kNew;
  out->instrument = ins.id;
  out->venue = ins.venue;
  out->side = side;
  out->type = common::OrderType::kLimit;
  out->tif = common::TimeInForce::kIoc;
  out->price = q.limit;
  out->qty = q.qty;
}

}  // namespace peregrine::strategies::algos
