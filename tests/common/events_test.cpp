#include "common/events.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace peregrine::common {
namespace {

TEST(Events, TaggedUnionsCarryEachKind) {
  BookDelta d;
  d.price = Price::from_raw(123);
  d.qty = Qty::from_raw(4);
  d.flags = book_flags::kSnapshotBegin | book_flags::kEndOfBatch;
  d.venue_seq = 99;
  MdEvent e(d);
  EXPECT_EQ(e.kind, MdKind::kBookDelta);
  EXPECT_EQ(e.delta.price.raw(), 123);
  EXPECT_EQ(e.delta.venue_seq, 99u);

  BookReset r;
  r.reason = ResetReason::kQueueOverflow;
  MdEvent er(r);
  EXPECT_EQ(er.kind, MdKind::kBookReset);
  EXPECT_EQ(er.reset.reason, ResetReason::kQueueOverflow);

  Fill f;
  f.fee = Money::from_raw(-5);
  ExecEvent ef(f);
  EXPECT_EQ(ef.kind, ExecKind::kFill);
  EXPECT_EQ(ef.fill.fee.raw(), -5);

  // memcpy round trip: what a queue does.
  MdEvent copy;
  std::memcpy(&copy, &e, sizeof(e));
  EXPECT_EQ(copy.delta.flags, d.flags);
}

TEST(Events, ReasonsHaveNames) {
  for (std::size_t i = 0; i < kDenyReasonCount; ++i) {
    EXPECT_NE(to_string(static_cast<DenyReason>(i)), "unknown") << i;
  }
  EXPECT_EQ(to_string(DenyReason::kPriceCollar), "price_collar");
  EXPECT_EQ(to_string(OrderStatus::kPartiallyFilled), "partially_filled");
  EXPECT_EQ(opposite(Side::kBuy), Side::kSell);
}

}  // namespace
}  // namespace peregrine::common
