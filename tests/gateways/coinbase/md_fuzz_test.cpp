// Seeded mutation fuzzing of real Coinbase frames through every codec: nothing may crash, an
// error must leave no output, and a success must only produce well-formed events. Runs under
// ASan/UBSan in CI.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gateways/capture/capture_reader.hpp"
#include "gateways/coinbase/capture_frames.hpp"
#include "gateways/coinbase/md_codec.hpp"
#include "gateways/coinbase/order_codec.hpp"
#include "gateways/coinbase/rest_codec.hpp"
#include "support/test_data.hpp"

namespace peregrine::gateways::coinbase {
namespace {

constexpr std::uint64_t kSeed = 20260809;
constexpr int kMdMutations = 20'000;
constexpr int kExecMutations = 5'000;

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}

  std::string mutate(const std::string& in) {
    std::string s = in;
    const int ops = 1 + static_cast<int>(pick(4));
    for (int i = 0; i < ops; ++i) apply(s);
    return s;
  }
  std::size_t pick(std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

 private:
  void apply(std::string& s) {
    static constexpr char kSpecial[] = "{}[]\":,.-+eE0123456789 \\tnufl\x01\xff";
    const std::size_t pos = pick(s.size() + 1);
    switch (pick(9)) {
      case 0:  // flip one bit
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
        break;
      case 1:  // JSON-significant byte
        if (!s.empty()) s[pick(s.size())] = kSpecial[pick(sizeof(kSpecial) - 1)];
        break;
      case 2:  // delete a range
        if (pos < s.size()) s.erase(pos, 1 + pick(std::min<std::size_t>(64, s.size() - pos)));
        break;
      case 3:  // insert bytes
        s.insert(pos, std::string(1 + pick(8), kSpecial[pick(sizeof(kSpecial) - 1)]));
        break;
      case 4:  // duplicate a range
        if (pos < s.size()) s.insert(pos, s.substr(pos, 1 + pick(128)));
        break;
      case 5:  // truncate
        s.resize(pick(s.size() + 1));
        break;
      case 6: {  // an oversized or odd number where a digit was
        const auto d = s.find_first_of("0123456789", pos);
        if (d != std::string::npos) {
          static const char* kNums[] = {"99999999999999999999999", "-1", "1e400", "0.000000001",
                                        "92233720368.54775808",    "",   "null",  "\"7\""};
          s.replace(d, 1, kNums[pick(8)]);
        }
        break;
      }
      case 7: {  // swap two bytes
        if (s.size() > 1) std::swap(s[pick(s.size())], s[pick(s.size())]);
        break;
      }
      default: {  // rename a key or a value to another known token
        static const char* kTokens[] = {"bid",     "offer",      "ask",     "snapshot",
                                        "update",  "l2_data",    "SELL",    "BUY",
                                        "updates", "product_id", "ETH-USD", "sequence_num"};
        const auto q = s.find('"', pos);
        const auto e = q == std::string::npos ? q : s.find('"', q + 1);
        if (e != std::string::npos) s.replace(q + 1, e - q - 1, kTokens[pick(12)]);
        break;
      }
    }
  }
  std::mt19937_64 rng_;
};

common::InstrumentRegistry make_registry() {
  common::InstrumentRegistry reg;
  for (const char* p : {"BTC-USD", "ETH-USD"}) {
    common::Instrument i;
    i.venue = common::VenueId::kCoinbase;
    EXPECT_TRUE(i.symbol.assign(p));
    EXPECT_TRUE(i.asset.assign(std::string_view(p).substr(0, 3)));
    i.tick = common::Price::from_raw(1);
    i.lot = common::Qty::from_raw(1);
    EXPECT_TRUE(reg.add(i).ok());
  }
  return reg;
}

void check_events(const MdParser& p, MdFrameKind kind) {
  for (const common::MdEvent& e : p.events()) {
    switch (e.kind) {
      case common::MdKind::kBookDelta: {
        ASSERT_EQ(kind, MdFrameKind::kL2Data);
        const auto& d = e.delta;
        ASSERT_TRUE(d.instrument.valid());
        ASSERT_FALSE(d.qty.is_negative());
        const bool marker =
            (d.flags & (common::book_flags::kSnapshotBegin | common::book_flags::kSnapshotEnd)) !=
                0 &&
            d.price.is_zero() && d.qty.is_zero();
        ASSERT_TRUE(marker || d.price.is_positive());
        break;
      }
      case common::MdKind::kTrade:
        ASSERT_EQ(kind, MdFrameKind::kMarketTrades);
        ASSERT_TRUE(e.trade.price.is_positive());
        ASSERT_TRUE(e.trade.qty.is_positive());
        break;
      case common::MdKind::kBookReset:
        ASSERT_TRUE(p.gap_detected());
        break;
      case common::MdKind::kVenueStatus:
        FAIL() << "the codec never emits VenueStatus";
    }
  }
}

TEST(CoinbaseFuzz, MarketDataMutationsNeverCrash) {
  PEREGRINE_REQUIRE_DATA(path, testing::kCapturePath);
  std::vector<std::string> corpus;
  for (auto& f : testing::load_frames(path)) {
    if (f.json.size() < 8192) corpus.push_back(std::move(f.json));  // snapshots are 2-5 MB
  }
  ASSERT_GT(corpus.size(), 1000u);
  const common::InstrumentRegistry reg = make_registry();
  MdParser parser(reg, 4096);
  common::L2Book books[2] = {common::L2Book(1024), common::L2Book(1024)};
  Mutator m(kSeed);
  int ok = 0, failed = 0;
  for (int i = 0; i < kMdMutations; ++i) {
    const std::string& original = corpus[m.pick(corpus.size())];
    // One frame in eight goes through unmutated so the sequence and book state keep moving.
    const std::string frame = (i % 8 == 0) ? original : m.mutate(original);
    const auto r = (i % 2 == 0) ? parser.parse_unpadded(frame, i) : [&] {
      std::string padded = frame;
      padded.append(simdjson::SIMDJSON_PADDING, ' ');
      return parser.parse(padded.data(), frame.size(), padded.size(), i);
    }();
    if (!r) {
      ++failed;
      ASSERT_TRUE(parser.events().empty()) << frame;
      continue;
    }
    ++ok;
    ASSERT_NO_FATAL_FAILURE(check_events(parser, *r)) << frame;
    for (const common::MdEvent& e : parser.events()) {
      if (e.kind == common::MdKind::kBookDelta) {
        static_cast<void>(books[e.delta.instrument.value].apply(e.delta));
      } else if (e.kind == common::MdKind::kBookReset) {
        books[e.reset.instrument.value].invalidate(e.reset.reason);
      }
    }
    static_cast<void>(parser.take_resync_request());
  }
  EXPECT_GT(ok, 1000);
  EXPECT_GT(failed, 1000);
  EXPECT_EQ(parser.counters().frames.load(), static_cast<std::uint64_t>(kMdMutations));
  EXPECT_EQ(parser.counters().malformed.load(), static_cast<std::uint64_t>(failed));
}

TEST(CoinbaseFuzz, OrderAndRestBodiesNeverCrash) {
  const std::vector<std::string> corpus = {
      R"({"success":true,"success_response":{"order_id":"11111111-1111-4111-8111-111111111111","product_id":"BTC-USD","side":"BUY","client_order_id":"01234567-89ab-cdef-fedc-ba9876543210"},"order_configuration":{"limit_limit_gtc":{"base_size":"0.001","limit_price":"65083.67","post_only":true}}})",
      R"({"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"","error_response":{"error":"INSUFFICIENT_FUND","message":"Insufficient balance","error_details":"","preview_failure_reason":"PREVIEW_INSUFFICIENT_FUND","new_order_failure_reason":"UNKNOWN_FAILURE_REASON"}})",
      R"({"results":[{"success":true,"failure_reason":"UNKNOWN_CANCEL_FAILURE_REASON","order_id":"11111111-1111-4111-8111-111111111111"},{"success":false,"failure_reason":"UNKNOWN_CANCEL_ORDER","order_id":"22222222-2222-4222-8222-222222222222"}]})",
      R"({"channel":"user","client_id":"","timestamp":"2026-08-09T21:05:50.5Z","sequence_num":3,"events":[{"type":"update","orders":[{"order_id":"11111111-1111-4111-8111-111111111111","client_order_id":"01234567-89ab-cdef-fedc-ba9876543210","cumulative_quantity":"0.0004","leaves_quantity":"0.0006","avg_price":"65000","total_fees":"0.1","status":"OPEN","product_id":"BTC-USD","order_side":"BUY","limit_price":"65000","filled_value":"26","number_of_fills":"1","post_only":true,"reject_reason":""}]}]})",
      R"({"orders":[{"order_id":"11111111-1111-4111-8111-111111111111","product_id":"BTC-USD","order_configuration":{"limit_limit_gtc":{"base_size":"0.001","limit_price":"65000.01","post_only":true}},"side":"BUY","status":"OPEN","created_time":"2024-12-05T14:01:07.278515Z","filled_size":"0.0004","average_filled_price":"102795.8999998081720639","number_of_fills":"2"}],"has_next":false,"cursor":""})",
      R"({"fills":[{"trade_id":"1068572091","order_id":"11111111-1111-4111-8111-111111111111","trade_time":"2023-01-18T01:37:38.092466Z","price":"21220.64","size":"0.0046830664333996","commission":"0.0000280983986004","product_id":"BTC-USD","liquidity_indicator":"MAKER","side":"BUY"}],"cursor":"next"})",
      R"({"accounts":[{"uuid":"u","currency":"BTC","available_balance":{"value":"1.23","currency":"BTC"},"hold":{"value":"0.5","currency":"BTC"},"active":true}],"has_next":true,"cursor":"c"})",
      R"({"products":[{"product_id":"BTC-USD","price_increment":"0.01","base_increment":"0.00000001","base_min_size":"0.00000001","quote_min_size":"1"}],"num_products":1})",
  };
  const common::InstrumentRegistry reg = make_registry();
  ExecParser exec(reg);
  RestParser rest(&reg);
  Mutator m(kSeed + 1);
  for (int i = 0; i < kExecMutations; ++i) {
    const std::string body = m.mutate(corpus[m.pick(corpus.size())]);
    if (auto c = exec.parse_create_order_unpadded(body); c) {
      ASSERT_TRUE(c->success || c->reject != common::RejectReason::kNone);
    }
    if (auto b = exec.parse_batch_cancel_unpadded(body); b) {
      ASSERT_LE(b->size(), ExecParser::kMaxCancelResults);
    }
    if (auto u = exec.parse_user_unpadded(body, i); !u) {
      ASSERT_TRUE(exec.order_updates().empty());
      ASSERT_TRUE(exec.fills().empty());
    } else {
      for (const common::Fill& f : exec.fills()) ASSERT_TRUE(f.qty.is_positive());
    }
    ASSERT_LE(exec.tracked_orders(), ExecParser::kTrackerSlots);
    static_cast<void>(rest.parse_orders(body));
    static_cast<void>(rest.parse_fills(body));
    static_cast<void>(rest.parse_accounts(body));
    static_cast<void>(rest.parse_products(body));
  }
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
