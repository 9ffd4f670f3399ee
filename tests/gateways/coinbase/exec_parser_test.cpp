// ExecParser on the documented response shapes (venue doc §3.1, §3.2, §4.5; fields from the
// official SDKs' types) and on user-channel sequences.
#include <gtest/gtest.h>

#include <string>

#include "gateways/coinbase/order_codec.hpp"

namespace peregrine::gateways::coinbase {
namespace {

using common::Money;
using common::OrderStatus;
using common::Price;
using common::Qty;
using common::RejectReason;

constexpr std::string_view kOrderId = "11111111-1111-4111-8111-111111111111";
constexpr std::string_view kUuid = "01234567-89ab-cdef-fedc-ba9876543210";

common::InstrumentRegistry make_registry() {
  common::InstrumentRegistry reg;
  for (const char* p : {"BTC-USD", "ETH-USD"}) {
    common::Instrument i;
    i.venue = common::VenueId::kCoinbase;
    i.kind = common::InstrumentKind::kSpot;
    EXPECT_TRUE(i.symbol.assign(p));
    EXPECT_TRUE(i.asset.assign(std::string_view(p).substr(0, 3)));
    i.tick = *Price::parse("0.01");
    i.lot = *Qty::parse("0.00000001");
    EXPECT_TRUE(reg.add(i).ok());
  }
  return reg;
}

class ExecParserTest : public ::testing::Test {
 protected:
  common::InstrumentRegistry reg_ = make_registry();
  ExecParser parser_{reg_};
};

TEST_F(ExecParserTest, CreateOrderSuccess) {
  const std::string body =
      std::string(R"({"success":true,"success_response":{"order_id":")") + std::string(kOrderId) +
      R"(","product_id":"BTC-USD","side":"BUY","client_order_id":")" + std::string(kUuid) +
      R"("},"order_configuration":{"limit_limit_gtc":{"base_size":"0.001","limit_price":)"
      R"("65083.67","post_only":true}}})";
  const auto r = parser_.parse_create_order_unpadded(body);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_TRUE(r->success);
  EXPECT_EQ(r->order_id.to_string(), kOrderId);
  ASSERT_TRUE(r->has_cloid);
  EXPECT_EQ(r->cloid.to_uuid(), kUuid);
  EXPECT_EQ(r->reject, RejectReason::kNone);
  EXPECT_EQ(parser_.counters().create_ok.load(), 1u);
}

TEST_F(ExecParserTest, CreateOrderFailuresPickTheSpecificReason) {
  const auto parse = [&](const std::string& body) {
    const auto r = parser_.parse_create_order_unpadded(body);
    EXPECT_TRUE(r.ok()) << body;
    return r.ok() ? *r : CreateOrderResult{};
  };
  const auto with_error = [](std::string_view error, std::string_view preview,
                             std::string_view new_order) {
    return std::string(
               R"({"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"",)"
               R"("error_response":{"error":")") +
           std::string(error) +
           R"(","message":"Insufficient balance in source account",)"
           R"("error_details":"","preview_failure_reason":")" +
           std::string(preview) + R"(","new_order_failure_reason":")" + std::string(new_order) +
           R"("},"order_configuration":{"market_market_ioc":{"quote_size":"10"}}})";
  };
  auto r =
      parse(with_error("INSUFFICIENT_FUND", "PREVIEW_INSUFFICIENT_FUND", "UNKNOWN_FAILURE_REASON"));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reject, RejectReason::kInsufficientMargin);
  EXPECT_EQ(r.reason, "INSUFFICIENT_FUND");
  EXPECT_EQ(r.message, "Insufficient balance in source account");

  r = parse(with_error("UNKNOWN_FAILURE_REASON", "PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY",
                       "UNKNOWN_FAILURE_REASON"));
  EXPECT_EQ(r.reject, RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(r.reason, "PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY");

  r = parse(with_error("INVALID_LIMIT_PRICE_POST_ONLY", "", ""));
  EXPECT_EQ(r.reject, RejectReason::kPostOnlyWouldCross);

  r = parse(with_error("UNKNOWN_FAILURE_REASON", "UNKNOWN_PREVIEW_FAILURE_REASON",
                       "UNKNOWN_FAILURE_REASON"));
  EXPECT_EQ(r.reject, RejectReason::kOther);
  EXPECT_EQ(r.reason, "UNKNOWN_FAILURE_REASON");

  r = parse(with_error("DUPLICATE_CLIENT_ORDER_ID", "", ""));
  EXPECT_EQ(r.reject, RejectReason::kDuplicateClientId);

  // Older responses carry only the top-level failure_reason.
  r = parse(R"({"success":false,"failure_reason":"INSUFFICIENT_FUND","order_id":""})");
  EXPECT_EQ(r.reject, RejectReason::kInsufficientMargin);

  // Non-200 bodies (gRPC gateway style) have no "success" at all.
  r = parse(
      R"({"error":"INVALID_ARGUMENT","error_details":"bad product","message":"bad product"})");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, "INVALID_ARGUMENT");
  EXPECT_EQ(r.reject, RejectReason::kOther);
  EXPECT_EQ(parser_.counters().create_rejected.load(), 7u);
}

TEST_F(ExecParserTest, CreateOrderMalformed) {
  EXPECT_EQ(parser_.parse_create_order_unpadded("").error(), CodecError::kEmpty);
  EXPECT_EQ(parser_.parse_create_order_unpadded("<html>").error(), CodecError::kNotJson);
  EXPECT_EQ(parser_.parse_create_order_unpadded(R"({"order_id":"x"})").error(),
            CodecError::kMissingField);
  EXPECT_EQ(parser_.parse_create_order_unpadded(R"({"success":"yes"})").error(),
            CodecError::kWrongType);
  EXPECT_EQ(parser_.parse_create_order_unpadded(R"({"success":true})").error(),
            CodecError::kMissingField);
  EXPECT_EQ(parser_
                .parse_create_order_unpadded(
                    R"({"success":true,"success_response":{"order_id":"not-an-id"}})")
                .error(),
            CodecError::kBadValue);
  EXPECT_EQ(parser_.counters().malformed.load(), 6u);
}

TEST_F(ExecParserTest, BatchCancelResults) {
  const std::string body =
      R"({"results":[{"success":true,"failure_reason":"UNKNOWN_CANCEL_FAILURE_REASON","order_id":")" +
      std::string(kOrderId) +
      R"("},{"success":false,"failure_reason":"UNKNOWN_CANCEL_ORDER","order_id":"22222222-2222-4222-8222-222222222222"}]})";
  const auto r = parser_.parse_batch_cancel_unpadded(body);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE((*r)[0].success);
  EXPECT_EQ((*r)[0].reject, RejectReason::kNone);
  EXPECT_EQ((*r)[0].order_id.to_string(), kOrderId);
  EXPECT_FALSE((*r)[1].success);
  EXPECT_EQ((*r)[1].reject, RejectReason::kUnknownOrder);
  EXPECT_EQ((*r)[1].reason, "UNKNOWN_CANCEL_ORDER");
  EXPECT_EQ(parser_.parse_batch_cancel_unpadded(R"({"results":{}})").error(),
            CodecError::kWrongType);
  EXPECT_EQ(parser_.parse_batch_cancel_unpadded(R"({"results":[{"order_id":"x"}]})").error(),
            CodecError::kMissingField);
}

// A user-channel frame with one order; numbers are strings as the venue sends them.
std::string user_frame(std::uint64_t seq, std::string_view type, std::string_view status,
                       std::string_view cum, std::string_view leaves, std::string_view value,
                       std::string_view fees, std::string_view fills,
                       std::string_view product = "BTC-USD") {
  return std::string(R"({"channel":"user","client_id":"","timestamp":"2026-08-09T21:05:50.5Z",)") +
         R"("sequence_num":)" + std::to_string(seq) + R"(,"events":[{"type":")" +
         std::string(type) + R"(","orders":[{"order_id":")" + std::string(kOrderId) +
         R"(","client_order_id":")" + std::string(kUuid) + R"(","cumulative_quantity":")" +
         std::string(cum) + R"(","leaves_quantity":")" + std::string(leaves) +
         R"(","avg_price":"65000","total_fees":")" + std::string(fees) + R"(","status":")" +
         std::string(status) + R"(","product_id":")" + std::string(product) +
         R"(","creation_time":"2026-08-09T21:05:49.1Z","order_side":"BUY","order_type":"Limit",)"
         R"("time_in_force":"GOOD_UNTIL_CANCELLED","limit_price":"65000","stop_price":"",)"
         R"("filled_value":")" +
         std::string(value) + R"(","number_of_fills":")" + std::string(fills) +
         R"(","post_only":true,"cancel_reason":"","reject_reason":"","outstanding_hold_amount":"0"}],)"
         R"("positions":{"perpetual_futures_positions":[],"expiring_futures_positions":[]}}]})";
}

TEST_F(ExecParserTest, UserChannelUpdatesAndSynthesizedFills) {
  auto r = parser_.parse_user_unpadded(
      user_frame(0, "snapshot", "OPEN", "0", "0.001", "0", "0", "0"), 1);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(*r, UserFrameKind::kOrders);
  EXPECT_TRUE(parser_.user_snapshot());
  ASSERT_EQ(parser_.order_updates().size(), 1u);
  const common::OrderUpdate& u0 = parser_.order_updates()[0];
  EXPECT_EQ(u0.status, OrderStatus::kNew);
  EXPECT_EQ(u0.cloid.to_uuid(), kUuid);
  EXPECT_EQ(u0.venue_order_id.to_string(), kOrderId);
  EXPECT_EQ(u0.qty, *Qty::parse("0.001"));
  EXPECT_EQ(u0.price, *Price::parse("65000"));
  EXPECT_EQ(u0.venue, common::VenueId::kCoinbase);
  EXPECT_EQ(u0.venue_seq, 0u);
  EXPECT_EQ(u0.ts_venue, 1'786'309'550'500'000'000);
  EXPECT_TRUE(parser_.fills().empty());
  EXPECT_EQ(parser_.tracked_orders(), 1u);

  r = parser_.parse_user_unpadded(
      user_frame(1, "update", "OPEN", "0.0004", "0.0006", "26", "0.1", "1"), 2);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_FALSE(parser_.user_snapshot());
  EXPECT_EQ(parser_.order_updates()[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(parser_.order_updates()[0].filled_qty, *Qty::parse("0.0004"));
  ASSERT_EQ(parser_.fills().size(), 1u);
  const common::Fill f1 = parser_.fills()[0];
  EXPECT_EQ(f1.qty, *Qty::parse("0.0004"));
  EXPECT_EQ(f1.price, *Price::parse("65000"));
  EXPECT_EQ(f1.fee, *Money::parse("0.1"));
  EXPECT_EQ(f1.liquidity, common::Liquidity::kMaker);
  EXPECT_EQ(f1.side, common::Side::kBuy);

  // A repeated state produces no second fill.
  r = parser_.parse_user_unpadded(
      user_frame(2, "update", "OPEN", "0.0004", "0.0006", "26", "0.1", "1"), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(parser_.fills().empty());

  r = parser_.parse_user_unpadded(
      user_frame(3, "update", "FILLED", "0.001", "0", "65.006", "0.25", "2"), 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(parser_.order_updates()[0].status, OrderStatus::kFilled);
  ASSERT_EQ(parser_.fills().size(), 1u);
  const common::Fill f2 = parser_.fills()[0];
  EXPECT_EQ(f2.qty, *Qty::parse("0.0006"));
  EXPECT_EQ(f2.price, *Price::parse("65010"));  // (65.006 - 26) / 0.0006
  EXPECT_EQ(f2.fee, *Money::parse("0.15"));
  EXPECT_NE(f2.fill_id, f1.fill_id);
  EXPECT_EQ(parser_.tracked_orders(), 0u) << "terminal orders leave the tracker";
  EXPECT_FALSE(parser_.gap_detected());
  EXPECT_EQ(parser_.counters().fills.load(), 2u);
}

TEST_F(ExecParserTest, UserChannelEdgeCases) {
  // A quote-sized market order reports 16-decimal cumulative sizes: truncated and counted.
  auto r = parser_.parse_user_unpadded(user_frame(5, "update", "FILLED", "0.0000144833961948", "0",
                                                  "1.488833746898263", "0.011166253101737", "2"),
                                       1);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(parser_.order_updates()[0].filled_qty, *Qty::parse("0.00001448"));
  EXPECT_EQ(parser_.counters().inexact_decimals.load(), 1u);
  ASSERT_EQ(parser_.fills().size(), 1u) << "first sighting already filled still reports the fill";

  // Sequence gap on the user connection.
  r = parser_.parse_user_unpadded(user_frame(9, "update", "CANCELLED", "0", "0", "0", "0", "0"), 2);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(parser_.gap_detected());
  EXPECT_EQ(parser_.order_updates()[0].status, OrderStatus::kCancelled);

  // Unknown product: dropped and counted. Unknown status: terminal, unknown outcome.
  r = parser_.parse_user_unpadded(
      user_frame(10, "update", "OPEN", "0", "1", "0", "0", "0", "XRP-USD"), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(parser_.order_updates().empty());
  EXPECT_EQ(parser_.counters().unknown_product.load(), 1u);
  r = parser_.parse_user_unpadded(user_frame(11, "update", "MYSTERY", "0", "1", "0", "0", "0"), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(parser_.order_updates()[0].reject, RejectReason::kUnknownOutcome);
  EXPECT_EQ(parser_.counters().unknown_status.load(), 1u);

  // Malformed: nothing emitted, the sequence does not advance.
  std::string bad = user_frame(12, "update", "OPEN", "x", "1", "0", "0", "0");
  EXPECT_EQ(parser_.parse_user_unpadded(bad, 4).error(), CodecError::kBadDecimal);
  EXPECT_TRUE(parser_.order_updates().empty());
  r = parser_.parse_user_unpadded(user_frame(12, "update", "OPEN", "0", "1", "0", "0", "0"), 5);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(parser_.gap_detected());

  EXPECT_EQ(*parser_.parse_user_unpadded(
                R"({"channel":"heartbeats","client_id":"","timestamp":"2026-08-09T21:05:51Z",)"
                R"("sequence_num":13,"events":[{"current_time":"x","heartbeat_counter":1}]})",
                6),
            UserFrameKind::kHeartbeats);
  const auto err =
      parser_.parse_user_unpadded(R"({"type":"error","message":"authentication failure"})", 7);
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(*err, UserFrameKind::kVenueError);
  EXPECT_EQ(parser_.venue_error(), "authentication failure");
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
