// The transition table, exhaustively: every (state, input) pair driven through a real
// OrderTable, plus structural properties of the table itself.
#include "engine/oms/order_state.hpp"

#include <gtest/gtest.h>

#include "engine/oms/engine_test_support.hpp"
#include "engine/oms/order_table.hpp"

namespace peregrine::engine::oms {
namespace {

using common::OrderStatus;
using testing::engine_core::make_registry;
using testing::engine_core::px;
using testing::engine_core::qty;

constexpr std::array<OrderStatus, kOrderStatusCount> kStates = {
    OrderStatus::kPendingNew, OrderStatus::kNew,           OrderStatus::kPartiallyFilled,
    OrderStatus::kFilled,     OrderStatus::kPendingCancel, OrderStatus::kCancelled,
    OrderStatus::kRejected,   OrderStatus::kExpired,       OrderStatus::kPendingReplace};

TEST(OrderStateTable, EveryPairHasAValidOutcome) {
  for (OrderStatus s : kStates) {
    for (std::size_t i = 0; i < kOrderInputCount; ++i) {
      const auto in = static_cast<OrderInput>(i);
      const Transition t = transition(s, in);
      SCOPED_TRACE(std::string(common::to_string(s)) + " x " + std::string(to_string(in)));
      ASSERT_LE(static_cast<int>(t.target), static_cast<int>(Target::kRestoreOpen));
      if (t.disposition != Disposition::kApply) {
        EXPECT_EQ(t.target, Target::kStay) << "only applied transitions move";
      }
      // A closed order never reopens.
      if (is_terminal(s)) {
        EXPECT_TRUE(is_terminal(resolve(t.target, s, true)));
        EXPECT_TRUE(is_terminal(resolve(t.target, s, false)));
      }
    }
  }
}

TEST(OrderStateTable, SubmitIsOnlyTheEntryPoint) {
  for (OrderStatus s : kStates) {
    EXPECT_EQ(transition(s, OrderInput::kSubmit).disposition, Disposition::kIllegal);
  }
}

TEST(OrderStateTable, RealWorldEdges) {
  // Fill after cancel request: counted, still pending cancel; a final fill completes it.
  auto t = transition(OrderStatus::kPendingCancel, OrderInput::kPartialFill);
  EXPECT_EQ(t.disposition, Disposition::kApply);
  EXPECT_EQ(resolve(t.target, OrderStatus::kPendingCancel, true), OrderStatus::kPendingCancel);
  EXPECT_TRUE(t.flags & edge_flags::kFillAfterCancelRequest);
  t = transition(OrderStatus::kPendingCancel, OrderInput::kFill);
  EXPECT_EQ(resolve(t.target, OrderStatus::kPendingCancel, true), OrderStatus::kFilled);
  // Late fill after the cancel ack.
  t = transition(OrderStatus::kCancelled, OrderInput::kPartialFill);
  EXPECT_EQ(t.disposition, Disposition::kApply);
  EXPECT_TRUE(t.flags & edge_flags::kLateFill);
  EXPECT_EQ(resolve(t.target, OrderStatus::kCancelled, true), OrderStatus::kCancelled);
  // Cancel of a filled order: benign.
  t = transition(OrderStatus::kFilled, OrderInput::kCancelRequest);
  EXPECT_EQ(t.disposition, Disposition::kIgnore);
  EXPECT_TRUE(t.flags & edge_flags::kCancelOfClosed);
  // Refused cancel restores the open state that applies.
  t = transition(OrderStatus::kPendingCancel, OrderInput::kCancelReject);
  EXPECT_EQ(resolve(t.target, OrderStatus::kPendingCancel, false), OrderStatus::kNew);
  EXPECT_EQ(resolve(t.target, OrderStatus::kPendingCancel, true), OrderStatus::kPartiallyFilled);
  // Ack after a fill: out of order, ignored.
  t = transition(OrderStatus::kPartiallyFilled, OrderInput::kAck);
  EXPECT_EQ(t.disposition, Disposition::kIgnore);
  EXPECT_TRUE(t.flags & edge_flags::kOutOfOrder);
}

// Drives a fresh order into `s` using only legal inputs.
ClientOrderId drive_to(OrderTable& table, OrderStatus s, std::uint64_t n) {
  common::OrderIntent in;
  in.cloid = ClientOrderId{7, n};
  in.instrument = InstrumentId{0};
  in.price = px("100");
  in.qty = qty("2");
  EXPECT_EQ(table.submit(in, 1).result, OmsResult::kApplied);
  const auto go = [&](OrderInput i) {
    EXPECT_EQ(table.apply(in.cloid, i, 2).result, OmsResult::kApplied) << to_string(i);
  };
  switch (s) {
    case OrderStatus::kPendingNew:
      break;
    case OrderStatus::kNew:
      go(OrderInput::kAck);
      break;
    case OrderStatus::kPartiallyFilled:
      go(OrderInput::kAck);
      go(OrderInput::kPartialFill);
      break;
    case OrderStatus::kFilled:
      go(OrderInput::kAck);
      go(OrderInput::kFill);
      break;
    case OrderStatus::kPendingCancel:
      go(OrderInput::kAck);
      go(OrderInput::kCancelRequest);
      break;
    case OrderStatus::kCancelled:
      go(OrderInput::kAck);
      go(OrderInput::kCancelRequest);
      go(OrderInput::kCancelAck);
      break;
    case OrderStatus::kRejected:
      go(OrderInput::kReject);
      break;
    case OrderStatus::kExpired:
      go(OrderInput::kAck);
      go(OrderInput::kExpire);
      break;
    case OrderStatus::kPendingReplace:
      go(OrderInput::kAck);
      go(OrderInput::kReplaceRequest);
      break;
  }
  EXPECT_EQ(table.find(in.cloid)->status, s);
  return in.cloid;
}

TEST(OrderStateTable, EveryPairThroughTheOrderTable) {
  const auto reg = make_registry();
  OmsConfig cfg;
  cfg.max_orders = 512;
  OrderTable table(cfg, reg);
  std::uint64_t n = 1;
  std::uint64_t expected_illegal = 0;
  for (OrderStatus s : kStates) {
    for (std::size_t i = 1; i < kOrderInputCount; ++i) {  // kSubmit is covered above
      const auto in = static_cast<OrderInput>(i);
      SCOPED_TRACE(std::string(common::to_string(s)) + " x " + std::string(to_string(in)));
      const ClientOrderId id = drive_to(table, s, n++);
      const Transition t = transition(s, in);
      const OmsEvent ev = table.apply(id, in, 3);
      const OrderStatus after = table.find(id)->status;
      EXPECT_EQ(ev.before, s);
      EXPECT_EQ(ev.after, after);
      switch (t.disposition) {
        case Disposition::kIllegal:
          ++expected_illegal;
          EXPECT_EQ(ev.result, OmsResult::kIllegal);
          EXPECT_EQ(after, s);
          EXPECT_EQ(table.illegal(s, in), 1u);
          break;
        case Disposition::kIgnore:
          EXPECT_EQ(ev.result, OmsResult::kIgnored);
          EXPECT_EQ(after, s);
          break;
        case Disposition::kApply:
          EXPECT_EQ(ev.result, OmsResult::kApplied);
          // apply() moves no quantity, so "any filled" is false here.
          EXPECT_EQ(after, resolve(t.target, s, false));
          break;
      }
      EXPECT_EQ(table.illegal_total(), expected_illegal);
    }
  }
  EXPECT_GT(expected_illegal, 10u);
}

TEST(OrderStateTable, UnknownOrderIsReportedNotCrashed) {
  const auto reg = make_registry();
  OrderTable table(OmsConfig{}, reg);
  const OmsEvent ev = table.apply(ClientOrderId{1, 2}, OrderInput::kAck, 1);
  EXPECT_EQ(ev.result, OmsResult::kUnknownOrder);
  EXPECT_EQ(table.results(OmsResult::kUnknownOrder), 1u);
}

}  // namespace
}  // namespace peregrine::engine::oms
