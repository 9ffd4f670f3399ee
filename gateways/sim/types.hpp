// Value types of the simulated perpetual-futures exchange: requests, orders, fills, positions.
// Plain data, any thread; the Exchange that produces them is single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"

namespace peregrine::gateways::sim {

using AccountId = std::uint32_t;
using OrderId = std::uint64_t;

enum class SimError : std::uint8_t {
  kNone,
  kUnknownInstrument,
  kUnknownAccount,
  kPriceOffTick,
  kQtyOffLot,
  kQtyNotPositive,
  kPriceNotPositive,
  kBelowMinNotional,
  kPostOnlyWouldCross,
  kReduceOnlyWouldIncrease,
  kReduceOnlyNoPosition,
  kInsufficientMargin,
  kFokNotFilled,
  kIocNoLiquidity,
  kUnknownOrder,
  kDuplicateClientId,
  kOrderNotOpen,
  kInvalidTrigger,
  kInvalidLeverage,
  kMaxOpenOrders,
  // Added after the first contract:
  kInvalidPositionSide,   // hedge-mode account without kLong/kShort, or one-way with them
  kUnsupportedOrderType,  // trailing stops
  kClientIdTooLong,       // longer than kMaxClientIdLen (venue layers usually check first)
};
inline constexpr std::size_t kSimErrorCount =
    static_cast<std::size_t>(SimError::kClientIdTooLong) + 1;

[[nodiscard]] std::string_view to_string(SimError e) noexcept;

inline constexpr std::size_t kMaxClientIdLen = 48;

// The venue's client order id text exactly as sent (Hyperliquid cloid hex, Binance
// newClientOrderId, Bybit orderLinkId, Coinbase client_order_id). Fixed capacity so orders stay
// trivially copyable and never allocate.
struct ClientId {
  char data[kMaxClientIdLen] = {};
  std::uint8_t len = 0;

  // Assigns `s`; returns false (and leaves the id empty) when it is too long.
  [[nodiscard]] bool from(std::string_view s) noexcept {
    if (s.size() > kMaxClientIdLen) {
      len = 0;
      return false;
    }
    if (!s.empty()) std::memcpy(data, s.data(), s.size());
    len = static_cast<std::uint8_t>(s.size());
    return true;
  }
  [[nodiscard]] std::string_view view() const noexcept { return {data, len}; }
  [[nodiscard]] bool empty() const noexcept { return len == 0; }
  bool operator==(const ClientId& o) const noexcept { return view() == o.view(); }
  bool operator==(std::string_view s) const noexcept { return view() == s; }
};

struct OrderRequest {
  AccountId account = 0;
  common::InstrumentId instrument;
  common::Side side = common::Side::kBuy;
  common::OrderType type = common::OrderType::kLimit;
  common::TimeInForce tif = common::TimeInForce::kGtc;
  common::Price price;          // limit price (ignored for market / stop-market)
  common::Qty qty;              // base units
  common::Price trigger_price;  // stop / take-profit types only
  bool reduce_only = false;
  common::PositionSide position_side = common::PositionSide::kBoth;
  ClientId client_id;
  // A slice of a venue-run algo (Hyperliquid native TWAP): the venue checked the minimum
  // notional on the parent order, so a small slice is not refused for it.
  bool exempt_min_notional = false;
};

struct SimOrder {
  OrderId id = 0;
  ClientId client_id;
  AccountId account = 0;
  common::InstrumentId instrument;
  common::Side side = common::Side::kBuy;
  common::OrderType type = common::OrderType::kLimit;
  common::TimeInForce tif = common::TimeInForce::kGtc;
  common::PositionSide position_side = common::PositionSide::kBoth;
  common::Price price;
  common::Price trigger_price;
  common::Qty qty;  // original (after a modify: the new total)
  common::Qty filled;
  common::Money filled_notional;  // sum of price x qty of the fills, exact
  common::OrderStatus status = common::OrderStatus::kNew;
  bool reduce_only = false;
  bool triggered = false;  // stop / take-profit has fired (always false for plain orders)
  common::Nanos created = 0;
  common::Nanos updated = 0;

  // Volume-weighted fill price rounded to 1e-8 (zero before the first fill).
  [[nodiscard]] common::Price avg_price() const noexcept;
  [[nodiscard]] common::Qty remaining() const noexcept { return qty - filled; }
  [[nodiscard]] bool is_open() const noexcept {
    return status == common::OrderStatus::kNew || status == common::OrderStatus::kPartiallyFilled;
  }
};
static_assert(std::is_trivially_copyable_v<SimOrder>);

struct SimFill {
  std::uint64_t trade_id = 0;  // shared by the maker and the taker side of one match
  OrderId order_id = 0;
  ClientId client_id;
  AccountId account = 0;
  common::InstrumentId instrument;
  common::Side side = common::Side::kBuy;
  common::Price price;
  common::Qty qty;
  common::Money fee;  // negative = rebate
  common::Liquidity liquidity = common::Liquidity::kTaker;
  common::Money realized_pnl;  // of this fill, before fees
  common::PositionSide position_side = common::PositionSide::kBoth;
  common::Nanos ts = 0;
};
static_assert(std::is_trivially_copyable_v<SimFill>);

struct SimPosition {
  common::Qty qty;             // signed, + long (in hedge mode kShort positions are negative)
  common::Price entry_price;   // |cost_basis| / |qty| rounded to 1e-8; zero when flat
  common::Money realized_pnl;  // cumulative, before fees
  common::Money fees_paid;     // cumulative fees of this position's fills
  int leverage = 20;
  common::PositionSide side = common::PositionSide::kBoth;
  // Signed notional still held in the position (+ for long): exact, so that realized PnL,
  // entry price and cash conservation never drift by rounding.
  common::Money cost_basis;

  // qty x mark - cost_basis.
  [[nodiscard]] common::Money unrealized(common::Price mark) const noexcept;
  // |qty x mark| / leverage, rounded up.
  [[nodiscard]] common::Money margin(common::Price mark) const noexcept;
};

struct SimBalance {
  common::Money wallet;       // deposits + realized - fees
  common::Money unrealized;   // at mark prices
  common::Money margin_used;  // initial margin of positions + open orders
  common::Money available;    // wallet + unrealized - margin_used (may be negative)
};

struct SubmitResult {
  SimError error = SimError::kNone;
  OrderId order_id = 0;  // 0 when rejected by validation (no order was created)
  common::OrderStatus status = common::OrderStatus::kRejected;
  common::Qty filled;
};

struct SimInstrumentSpec {
  std::string symbol;
  std::string asset;
  common::Price tick;
  common::Qty lot;
  common::Money min_notional;
  std::int64_t maker_fee_ppm = 0;  // parts per million of notional; negative = rebate
  std::int64_t taker_fee_ppm = 0;
  int max_leverage = 20;
};

struct BookLevel {
  common::Price price;
  common::Qty qty;
  std::uint32_t orders = 0;
};

}  // namespace peregrine::gateways::sim
