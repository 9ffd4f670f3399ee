// Normalized events that cross thread boundaries by queue: market data, order flow, status.
// Any thread; every event is a small trivially-copyable struct with ts_venue, ts_recv, venue_seq.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "common/decimal.hpp"
#include "common/ids.hpp"

namespace peregrine::common {

// Nanoseconds. ts_venue: the venue's own event time (epoch ns); ts_recv: our receive time from
// the injected Clock (TSC-derived ns in live, event time in replay).
using Nanos = std::int64_t;

enum class BookSide : std::uint8_t { kBid = 0, kAsk = 1 };
enum class Side : std::uint8_t { kBuy = 0, kSell = 1 };

[[nodiscard]] constexpr Side opposite(Side s) noexcept {
  return s == Side::kBuy ? Side::kSell : Side::kBuy;
}

// BookDelta flags. A snapshot is a run of deltas bracketed by kSnapshotBegin ... kSnapshotEnd
// (one delta may carry both); kEndOfBatch marks the last delta of one venue message so
// consumers can act once per message instead of once per level.
namespace book_flags {
inline constexpr std::uint8_t kSnapshotBegin = 1u << 0;
inline constexpr std::uint8_t kSnapshotEnd = 1u << 1;
inline constexpr std::uint8_t kEndOfBatch = 1u << 2;
}  // namespace book_flags

struct BookDelta {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;
  Price price;
  Qty qty;  // absolute level quantity; 0 deletes the level
  InstrumentId instrument;
  VenueId venue = VenueId::kHyperliquid;
  BookSide side = BookSide::kBid;
  std::uint8_t flags = 0;
};

struct Trade {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;
  Price price;
  Qty qty;
  std::uint64_t trade_id = 0;
  InstrumentId instrument;
  VenueId venue = VenueId::kHyperliquid;
  Side aggressor = Side::kBuy;
};

enum class ResetReason : std::uint8_t {
  kSequenceGap,
  kStaleFeed,
  kQueueOverflow,
  kReconnect,
  kMalformedFrame,
  kCrossedBook,
};

// The book for `instrument` is invalid until the next snapshot arrives.
struct BookReset {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;
  InstrumentId instrument;
  VenueId venue = VenueId::kHyperliquid;
  ResetReason reason = ResetReason::kSequenceGap;
};

enum class VenueState : std::uint8_t { kConnected, kStale, kResyncing, kDown };

struct VenueStatus {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;
  VenueId venue = VenueId::kHyperliquid;
  VenueState state = VenueState::kDown;
};

enum class IntentAction : std::uint8_t { kNew, kCancel, kModify, kCancelAll };
enum class OrderType : std::uint8_t {
  kLimit,
  kMarket,
  kStopMarket,
  kStopLimit,
  kTakeProfitMarket,
  kTakeProfitLimit,
  kTrailingStopMarket,
};
enum class TimeInForce : std::uint8_t { kGtc, kIoc, kFok, kPostOnly };
enum class PositionSide : std::uint8_t { kBoth, kLong, kShort };  // kBoth = one-way mode

namespace intent_flags {
inline constexpr std::uint8_t kReduceOnly = 1u << 0;
inline constexpr std::uint8_t kClosePosition = 1u << 1;
}  // namespace intent_flags

// What a strategy (or the control API) wants. For kCancel/kModify, `target` names the order.
struct OrderIntent {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;  // when the strategy produced it
  std::uint64_t venue_seq = 0;
  ClientOrderId cloid;
  ClientOrderId target;
  Price price;
  Qty qty;
  Price trigger_price;  // stop/take-profit trigger, or trailing callback in basis points
  InstrumentId instrument;
  StrategyId strategy;
  VenueId venue = VenueId::kHyperliquid;
  IntentAction action = IntentAction::kNew;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  PositionSide position_side = PositionSide::kBoth;
  std::uint8_t flags = 0;
};

enum class DenyReason : std::uint8_t {
  kInstrumentDisabled,
  kVenueUnhealthy,
  kBookInvalid,
  kOffTick,
  kOffLot,
  kBelowMinNotional,
  kMaxOrderQty,
  kMaxOrderNotional,
  kPriceCollar,
  kFatFinger,
  kMaxPosition,
  kMaxGrossExposure,
  kOpenOrderCap,
  kRateBudget,
  kReducingOnly,
  kHalted,
  kSelfTrade,
  kDuplicateIntent,
  kUnknownOrder,
  kQueueFull,
};
inline constexpr std::size_t kDenyReasonCount =
    static_cast<std::size_t>(DenyReason::kQueueFull) + 1;
[[nodiscard]] std::string_view to_string(DenyReason r) noexcept;

struct OrderDenied {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;
  ClientOrderId cloid;
  InstrumentId instrument;
  StrategyId strategy;
  VenueId venue = VenueId::kHyperliquid;
  DenyReason reason = DenyReason::kHalted;
};

enum class OrderStatus : std::uint8_t {
  kPendingNew,
  kNew,
  kPartiallyFilled,
  kFilled,
  kPendingCancel,
  kCancelled,
  kRejected,
  kExpired,
  kPendingReplace,
};
[[nodiscard]] std::string_view to_string(OrderStatus s) noexcept;

// Venue-neutral reject reasons parsed from each venue's error codes and texts.
enum class RejectReason : std::uint8_t {
  kNone,
  kInsufficientMargin,
  kPostOnlyWouldCross,
  kReduceOnlyWouldIncrease,
  kInvalidPrice,
  kInvalidQty,
  kMinNotional,
  kRateLimited,
  kUnknownOrder,
  kDuplicateClientId,
  kBadSignature,
  kBadNonce,
  kNoLiquidity,
  kUnknownOutcome,  // e.g. Binance 503 "unknown": query before any retry
  kOther,
};

struct OrderUpdate {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;
  ClientOrderId cloid;
  VenueOrderId venue_order_id;
  Price price;
  Qty qty;         // order quantity
  Qty filled_qty;  // cumulative
  Price avg_price;
  InstrumentId instrument;
  StrategyId strategy;
  VenueId venue = VenueId::kHyperliquid;
  OrderStatus status = OrderStatus::kPendingNew;
  RejectReason reject = RejectReason::kNone;
  Side side = Side::kBuy;
  // Set by an order gateway on the answer to its own request, 0 otherwise: the intent's
  // ts_recv it sent, and when the request's bytes were handed to the socket. The core turns
  // them into the intent_to_wire and wire_to_ack stages.
  Nanos ts_intent = 0;
  Nanos ts_sent = 0;
};

enum class Liquidity : std::uint8_t { kMaker, kTaker };

struct Fill {
  Nanos ts_venue = 0;
  Nanos ts_recv = 0;
  std::uint64_t venue_seq = 0;
  ClientOrderId cloid;
  VenueOrderId venue_order_id;
  std::uint64_t fill_id = 0;  // venue trade id (hashed to 64 bits where the venue uses strings)
  Price price;
  Qty qty;
  Money fee;  // in quote currency; negative = rebate
  InstrumentId instrument;
  StrategyId strategy;
  VenueId venue = VenueId::kHyperliquid;
  Side side = Side::kBuy;
  Liquidity liquidity = Liquidity::kTaker;
};

static_assert(std::is_trivially_copyable_v<BookDelta> && sizeof(BookDelta) == 48);
static_assert(std::is_trivially_copyable_v<Trade> && sizeof(Trade) == 56);
static_assert(std::is_trivially_copyable_v<BookReset> && sizeof(BookReset) == 32);
static_assert(std::is_trivially_copyable_v<VenueStatus> && sizeof(VenueStatus) == 32);
static_assert(std::is_trivially_copyable_v<OrderIntent> && sizeof(OrderIntent) == 96);
static_assert(std::is_trivially_copyable_v<OrderDenied> && sizeof(OrderDenied) == 48);
static_assert(std::is_trivially_copyable_v<OrderUpdate> && sizeof(OrderUpdate) == 128);
static_assert(std::is_trivially_copyable_v<Fill> && sizeof(Fill) == 112);

// Market-data queue element: a tagged union of the gateway -> core events.
enum class MdKind : std::uint8_t { kBookDelta, kTrade, kBookReset, kVenueStatus };
struct MdEvent {
  MdKind kind = MdKind::kBookDelta;
  union {
    BookDelta delta;
    Trade trade;
    BookReset reset;
    VenueStatus status;
  };
  MdEvent() noexcept : delta() {}
  explicit MdEvent(const BookDelta& e) noexcept : kind(MdKind::kBookDelta), delta(e) {}
  explicit MdEvent(const Trade& e) noexcept : kind(MdKind::kTrade), trade(e) {}
  explicit MdEvent(const BookReset& e) noexcept : kind(MdKind::kBookReset), reset(e) {}
  explicit MdEvent(const VenueStatus& e) noexcept : kind(MdKind::kVenueStatus), status(e) {}
};
static_assert(std::is_trivially_copyable_v<MdEvent> && sizeof(MdEvent) == 64);

// Execution-report queue element: order gateway -> core.
enum class ExecKind : std::uint8_t { kOrderUpdate, kFill, kVenueStatus };
struct ExecEvent {
  ExecKind kind = ExecKind::kOrderUpdate;
  union {
    OrderUpdate update;
    Fill fill;
    VenueStatus status;
  };
  ExecEvent() noexcept : update() {}
  explicit ExecEvent(const OrderUpdate& e) noexcept : kind(ExecKind::kOrderUpdate), update(e) {}
  explicit ExecEvent(const Fill& e) noexcept : kind(ExecKind::kFill), fill(e) {}
  explicit ExecEvent(const VenueStatus& e) noexcept : kind(ExecKind::kVenueStatus), status(e) {}
};
static_assert(std::is_trivially_copyable_v<ExecEvent> && sizeof(ExecEvent) == 136);

}  // namespace peregrine::common
