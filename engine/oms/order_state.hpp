// The order state machine: ONE exhaustive (state, input) transition table, constexpr data.
// Pure functions, any thread. Every pair has a defined outcome; nothing here can fail.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/events.hpp"

namespace peregrine::engine::oms {

using common::OrderStatus;

inline constexpr std::size_t kOrderStatusCount = 9;

enum class OrderInput : std::uint8_t {
  kSubmit,          // the risk gate passed the intent; the order is registered
  kAck,             // venue accepted the new order (resting)
  kPartialFill,     // a fill that leaves quantity open
  kFill,            // a fill that completes the order
  kCancelRequest,   // we asked to cancel
  kCancelAck,       // venue confirms the cancel
  kCancelReject,    // venue refused the cancel (usually: already filled or unknown)
  kReplaceRequest,  // we asked to modify price/qty
  kReplaceAck,      // venue applied the modify
  kReplaceReject,   // venue refused the modify; the old order stands
  kReject,          // venue refused the new order
  kExpire,          // IOC/FOK remainder or GTD expiry; the venue closed it without a fill
};
inline constexpr std::size_t kOrderInputCount = 12;

[[nodiscard]] std::string_view to_string(OrderInput i) noexcept;

// What the caller does with a pair.
enum class Disposition : std::uint8_t {
  kApply,    // normal transition (also used for the real-world edges that must count fills)
  kIgnore,   // benign and expected (late ack after a fill, cancel of a filled order): no change
  kIllegal,  // impossible from this state: counted per (state,input), reported, no change
};

// Where a transition goes. kRestoreOpen: back to kNew, or kPartiallyFilled when some quantity
// has already filled (a refused cancel/replace restores whichever open state applies).
enum class Target : std::uint8_t {
  kPendingNew,
  kNew,
  kPartiallyFilled,
  kFilled,
  kPendingCancel,
  kCancelled,
  kRejected,
  kExpired,
  kPendingReplace,
  kStay,
  kRestoreOpen,
};

// Edge annotations surfaced to the caller (journal, metrics, strategy).
namespace edge_flags {
inline constexpr std::uint8_t kNone = 0;
inline constexpr std::uint8_t kFillAfterCancelRequest = 1u << 0;
inline constexpr std::uint8_t kLateFill = 1u << 1;    // fill after the cancel/expiry/reject ack
inline constexpr std::uint8_t kOutOfOrder = 1u << 2;  // an older report after a newer one
inline constexpr std::uint8_t kCancelOfClosed = 1u << 3;
}  // namespace edge_flags

struct Transition {
  Target target = Target::kStay;
  Disposition disposition = Disposition::kIllegal;
  std::uint8_t flags = edge_flags::kNone;
};

[[nodiscard]] constexpr std::size_t index(OrderStatus s) noexcept {
  return static_cast<std::size_t>(s);
}
[[nodiscard]] constexpr std::size_t index(OrderInput i) noexcept {
  return static_cast<std::size_t>(i);
}

[[nodiscard]] constexpr bool is_terminal(OrderStatus s) noexcept {
  return s == OrderStatus::kFilled || s == OrderStatus::kCancelled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}
[[nodiscard]] constexpr bool is_open(OrderStatus s) noexcept { return !is_terminal(s); }

namespace detail {
using D = Disposition;
using T = Target;
namespace f = edge_flags;
inline constexpr Transition A(T t, std::uint8_t fl = f::kNone) { return {t, D::kApply, fl}; }
inline constexpr Transition I(std::uint8_t fl = f::kNone) { return {T::kStay, D::kIgnore, fl}; }
inline constexpr Transition X() { return {T::kStay, D::kIllegal, f::kNone}; }

// Rows: OrderStatus order. Columns: OrderInput order:
//   submit, ack, partial, fill, cxl_req, cxl_ack, cxl_rej, rpl_req, rpl_ack, rpl_rej, reject,
//   expire
// Reasoning for the non-obvious cells is in docs/oms.md.
inline constexpr std::array<std::array<Transition, kOrderInputCount>, kOrderStatusCount> kTable{{
    // kPendingNew: a fill may beat the ack on venues that send fills on another stream.
    {{X(), A(T::kNew), A(T::kPartiallyFilled, f::kOutOfOrder), A(T::kFilled, f::kOutOfOrder),
      A(T::kPendingCancel), A(T::kCancelled), I(), X(), X(), X(), A(T::kRejected), A(T::kExpired)}},
    // kNew
    {{X(), I(), A(T::kPartiallyFilled), A(T::kFilled), A(T::kPendingCancel), A(T::kCancelled), I(),
      A(T::kPendingReplace), I(f::kOutOfOrder), I(f::kOutOfOrder), X(), A(T::kExpired)}},
    // kPartiallyFilled: an ack arriving after a fill is an out-of-order report.
    {{X(), I(f::kOutOfOrder), A(T::kPartiallyFilled), A(T::kFilled), A(T::kPendingCancel),
      A(T::kCancelled), I(), A(T::kPendingReplace), I(f::kOutOfOrder), I(f::kOutOfOrder), X(),
      A(T::kExpired)}},
    // kFilled: terminal. Cancel/replace requests on it are benign races; fills beyond the
    // order quantity are caught as overfills before the table is consulted.
    {{X(), I(f::kOutOfOrder), I(f::kOutOfOrder), I(f::kOutOfOrder), I(f::kCancelOfClosed), X(),
      I(f::kCancelOfClosed), I(f::kCancelOfClosed), X(), I(), X(), X()}},
    // kPendingCancel: fills still count (fill after cancel request); a refused cancel restores.
    // A reject of the new order can arrive after we already asked to cancel it.
    {{X(), I(), A(T::kStay, f::kFillAfterCancelRequest), A(T::kFilled, f::kFillAfterCancelRequest),
      I(), A(T::kCancelled), A(T::kRestoreOpen), X(), I(f::kOutOfOrder), I(f::kOutOfOrder),
      A(T::kRejected), A(T::kExpired)}},
    // kCancelled: late fills executed before the cancel landed and must still be booked.
    {{X(), I(f::kOutOfOrder), A(T::kStay, f::kLateFill), A(T::kFilled, f::kLateFill),
      I(f::kCancelOfClosed), I(), I(f::kCancelOfClosed), I(f::kCancelOfClosed), X(), I(), X(),
      I()}},
    // kRejected: terminal; a fill here is a venue inconsistency worth flagging.
    {{X(), X(), X(), X(), I(f::kCancelOfClosed), X(), I(f::kCancelOfClosed), I(f::kCancelOfClosed),
      X(), I(), I(), X()}},
    // kExpired: an IOC remainder expiry can race the fill report of its executed part.
    {{X(), I(f::kOutOfOrder), A(T::kStay, f::kLateFill), A(T::kFilled, f::kLateFill),
      I(f::kCancelOfClosed), I(), I(f::kCancelOfClosed), I(f::kCancelOfClosed), X(), I(), X(),
      I()}},
    // kPendingReplace: fills apply to the old order; cancel always allowed.
    {{X(), I(f::kOutOfOrder), A(T::kStay), A(T::kFilled), A(T::kPendingCancel), A(T::kCancelled),
      I(), X(), A(T::kRestoreOpen), A(T::kRestoreOpen), X(), A(T::kExpired)}},
}};
}  // namespace detail

static_assert(static_cast<int>(Target::kPendingReplace) ==
              static_cast<int>(OrderStatus::kPendingReplace));

[[nodiscard]] constexpr Transition transition(OrderStatus s, OrderInput in) noexcept {
  return detail::kTable[index(s)][index(in)];
}

// Resolves a Target to a status given the current one and whether anything has filled.
[[nodiscard]] constexpr OrderStatus resolve(Target t, OrderStatus current,
                                            bool any_filled) noexcept {
  switch (t) {
    case Target::kStay:
      return current;
    case Target::kRestoreOpen:
      return any_filled ? OrderStatus::kPartiallyFilled : OrderStatus::kNew;
    default:
      return static_cast<OrderStatus>(t);
  }
}

}  // namespace peregrine::engine::oms
