// Binance USD-M wire shapes the simulator emits: REST bodies (depth, order, position, balance)
// and WS events (depthUpdate, trade, aggTrade, bookTicker, ORDER_TRADE_UPDATE, ACCOUNT_UPDATE),
// built from venue-neutral views. Simulator thread only (pure functions).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "tools/venue_sim/cex_common/json_writer.hpp"

namespace peregrine::venue_sim::binance {

struct Level {
  common::Price price;
  common::Qty qty;
};

// One order as the venue reports it.
struct OrderView {
  std::uint64_t order_id = 0;
  std::string_view client_id;
  std::string_view symbol;
  common::Side side = common::Side::kBuy;
  common::PositionSide position_side = common::PositionSide::kBoth;
  std::string_view type = "LIMIT";  // LIMIT, MARKET (orig type for triggered algo children)
  std::string_view tif = "GTC";     // GTC, IOC, FOK, GTX
  std::string_view status = "NEW";  // NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, ...
  common::Price price;
  common::Price avg_price;
  common::Price stop_price;
  common::Qty orig_qty;
  common::Qty executed_qty;
  common::Money cum_quote;
  bool reduce_only = false;
  bool close_position = false;
  std::int64_t time_ms = 0;
  std::int64_t update_ms = 0;
};

[[nodiscard]] std::string_view side_text(common::Side s) noexcept;
[[nodiscard]] std::string_view position_side_text(common::PositionSide s) noexcept;

// REST order object (new/cancel/query/openOrders).
void write_order(cex::JsonWriter& w, const OrderView& o);

// GET /fapi/v1/depth body.
[[nodiscard]] std::string depth_body(std::uint64_t last_update_id, std::int64_t event_ms,
                                     std::int64_t txn_ms, std::span<const Level> bids,
                                     std::span<const Level> asks);

// <symbol>@depth diff (payload only; the combined wrapper is added per session).
[[nodiscard]] std::string depth_update(std::string_view symbol, std::int64_t event_ms,
                                       std::int64_t txn_ms, std::uint64_t first_id,
                                       std::uint64_t last_id, std::uint64_t prev_last_id,
                                       std::span<const Level> bids, std::span<const Level> asks);

[[nodiscard]] std::string trade_event(std::string_view symbol, std::int64_t event_ms,
                                      std::int64_t trade_ms, std::uint64_t trade_id,
                                      common::Price price, common::Qty qty, bool buyer_is_maker);
[[nodiscard]] std::string agg_trade_event(std::string_view symbol, std::int64_t event_ms,
                                          std::int64_t trade_ms, std::uint64_t agg_id,
                                          std::uint64_t trade_id, common::Price price,
                                          common::Qty qty, bool buyer_is_maker);
[[nodiscard]] std::string book_ticker_event(std::string_view symbol, std::uint64_t update_id,
                                            std::int64_t event_ms, std::int64_t txn_ms, Level bid,
                                            Level ask);

// The fill part of an ORDER_TRADE_UPDATE (x = TRADE).
struct FillView {
  std::uint64_t trade_id = 0;
  common::Price price;
  common::Qty qty;
  common::Money commission;
  common::Money realized_pnl;
  bool maker = false;
};

// exec_type: NEW, CANCELED, EXPIRED, TRADE, AMENDMENT.
[[nodiscard]] std::string order_trade_update(const OrderView& o, std::string_view exec_type,
                                             const FillView* fill, std::string_view fee_asset,
                                             std::int64_t event_ms);

struct PositionView {
  std::string_view symbol;
  common::Qty amount;  // signed
  common::Price entry_price;
  common::Price mark_price;
  common::Money unrealized_pnl;
  common::Money realized_pnl;
  common::PositionSide position_side = common::PositionSide::kBoth;
  int leverage = 20;
  std::int64_t update_ms = 0;
};

struct BalanceView {
  std::string_view asset;
  common::Money wallet;
  common::Money unrealized;
  common::Money available;
  std::int64_t update_ms = 0;
};

[[nodiscard]] std::string account_update(std::string_view reason, std::span<const BalanceView> b,
                                         std::span<const PositionView> p, std::int64_t event_ms);

void write_position_v2(cex::JsonWriter& w, const PositionView& p);
void write_balance(cex::JsonWriter& w, const BalanceView& b);

}  // namespace peregrine::venue_sim::binance
