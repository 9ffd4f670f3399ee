// Typed action builders: byte-exact msgpack (venue doc §3.5 dump and the vectors' actions), and
// the JSON body carries exactly the values that were hashed (JSON → msgpack round trip).
#include "gateways/hyperliquid/actions.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "gateways/crypto/keccak.hpp"
#include "gateways/hyperliquid/json_action.hpp"
#include "gateways/hyperliquid/signer.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

using common::ClientOrderId;
using common::Price;
using common::Qty;

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

template <typename A>
std::string msgpack_of(const A& a) {
  static char buf[8192];
  ByteSink sink(buf, sizeof(buf));
  EXPECT_TRUE(encode_msgpack(a, sink));
  return std::string(sink.view());
}

template <typename A>
std::string json_of(const A& a) {
  static char buf[8192];
  ByteSink sink(buf, sizeof(buf));
  JsonWriter w(sink);
  write_action(w, a);
  EXPECT_FALSE(sink.overflow());
  return std::string(sink.view());
}

// What the venue would hash after parsing our JSON must equal what we hashed.
template <typename A>
void expect_json_matches_msgpack(const A& a) {
  const std::string json = json_of(a);
  char buf[8192];
  ByteSink sink(buf, sizeof(buf));
  const auto r = json_to_msgpack(json, sink);
  ASSERT_TRUE(r.ok) << r.error << " in " << json;
  EXPECT_EQ(hex(sink.view()), hex(msgpack_of(a))) << json;
}

OrderWire eth_ioc() {
  OrderWire o;
  o.asset = 4;
  o.is_buy = true;
  o.price = Price::parse("1670.1").value();
  o.size = Qty::parse("0.0147").value();
  o.tif = Tif::kIoc;
  return o;
}

TEST(HyperliquidActions, OrderMatchesTheVenueDocByteDump) {
  const OrderWire o = eth_ioc();
  const OrderAction a{std::span(&o, 1), Grouping::kNa, std::nullopt};
  // §3.5: msgpack of the Python test action, byte for byte.
  EXPECT_EQ(hex(msgpack_of(a)),
            "83a474797065a56f72646572a66f72646572739186a16104a162c3a170a6313637302e31a173a6302e30"
            "313437a172c2a17481a56c696d697481a3746966a3496f63a867726f7570696e67a26e61");
  L1Options opts;
  opts.nonce = 1677777606040;
  const auto h = action_hash(msgpack_of(a), opts);
  EXPECT_EQ(crypto::to_hex0x(h.data(), 32),
            "0x0fcbeda5ae3c4950a548021552a4fea2226858c4453571bf3f24ba017eac2908");
  EXPECT_EQ(json_of(a),
            R"({"type":"order","orders":[{"a":4,"b":true,"p":"1670.1","s":"0.0147","r":false,)"
            R"("t":{"limit":{"tif":"Ioc"}}}],"grouping":"na"})");
}

TEST(HyperliquidActions, CloidIsStr8AndLast) {
  OrderWire o = eth_ioc();
  o.cloid = ClientOrderId{0, 1};
  const OrderAction a{std::span(&o, 1), Grouping::kNa, std::nullopt};
  const std::string bytes = hex(msgpack_of(a));
  // 7-key order map, and "c" followed by str8 (0xd9) of length 34 (0x22).
  EXPECT_NE(bytes.find("87a16104"), std::string::npos);
  EXPECT_NE(bytes.find("a163d922" + hex("0x00000000000000000000000000000001")), std::string::npos)
      << bytes;
  expect_json_matches_msgpack(a);
}

TEST(HyperliquidActions, TriggerKeyOrderIsIsMarketTriggerPxTpsl) {
  OrderWire o;
  o.asset = 1;
  o.price = Price::parse("100").value();
  o.size = Qty::parse("100").value();
  o.is_trigger = true;
  o.trigger_is_market = true;
  o.trigger_price = Price::parse("103").value();
  o.tpsl = Tpsl::kSl;
  const OrderAction a{std::span(&o, 1), Grouping::kNa, std::nullopt};
  // §3.5: 81 a7 "trigger" 83 a8 "isMarket" c3 a9 "triggerPx" a3 "103" a4 "tpsl" a2 "sl"
  EXPECT_NE(hex(msgpack_of(a))
                .find("81a7747269676765728"
                      "3a869734d61726b6574c3a974726967676572"
                      "5078a3313033a47470736ca2736c"),
            std::string::npos);
  expect_json_matches_msgpack(a);
}

TEST(HyperliquidActions, EveryActionKindRoundTripsThroughJson) {
  OrderWire o = eth_ioc();
  o.cloid = ClientOrderId{0xdeadbeef, 42};
  OrderWire o2 = o;
  o2.is_buy = false;
  o2.tif = Tif::kAlo;
  o2.reduce_only = true;
  const OrderWire two[] = {o, o2};
  Builder b;
  b.address.fill(0xab);
  b.fee_tenths_bp = 10;
  expect_json_matches_msgpack(OrderAction{two, Grouping::kNormalTpsl, b});
  const CancelEntry cancels[] = {{0, 77738308}, {4, 1}};
  expect_json_matches_msgpack(CancelAction{cancels});
  const CancelByCloidEntry by_cloid[] = {{0, ClientOrderId{1, 2}}};
  expect_json_matches_msgpack(CancelByCloidAction{by_cloid});
  expect_json_matches_msgpack(ModifyAction{ModifyEntry{123456789, std::nullopt, o}});
  expect_json_matches_msgpack(ModifyAction{ModifyEntry{std::nullopt, ClientOrderId{3, 4}, o}});
  const ModifyEntry mods[] = {{1, std::nullopt, o}, {std::nullopt, ClientOrderId{5, 6}, o2}};
  expect_json_matches_msgpack(BatchModifyAction{mods});
  expect_json_matches_msgpack(UpdateLeverageAction{0, false, 20});
  expect_json_matches_msgpack(UpdateIsolatedMarginAction{0, true, -1'500'000});
  expect_json_matches_msgpack(UpdateIsolatedMarginAction{0, true, 2'000'000});
  expect_json_matches_msgpack(ScheduleCancelAction{});
  expect_json_matches_msgpack(ScheduleCancelAction{1'700'000'000'000});
  expect_json_matches_msgpack(TwapOrderAction{0, true, Qty::parse("0.5").value(), false, 30, true});
  expect_json_matches_msgpack(TwapCancelAction{0, 1234});
  expect_json_matches_msgpack(NoopAction{});
  EXPECT_EQ(json_of(ScheduleCancelAction{}), R"({"type":"scheduleCancel"})");
  EXPECT_EQ(json_of(ModifyAction{ModifyEntry{7, std::nullopt, eth_ioc()}}).substr(0, 30),
            R"({"type":"modify","oid":7,"orde)");
}

TEST(HyperliquidActions, IntegersUseTheSmallestUnsignedForms) {
  // Asset ids at each msgpack boundary: fixint, u8, u16, u32.
  for (std::uint32_t asset : {127u, 128u, 255u, 256u, 65535u, 65536u, 110000u}) {
    const TwapCancelAction a{asset, 1};
    const std::string bytes = hex(msgpack_of(a));
    std::string expected_a;
    if (asset < 128) {
      expected_a = "a161" + hex(std::string(1, static_cast<char>(asset)));
    } else if (asset < 256) {
      expected_a = "a161cc";
    } else if (asset < 65536) {
      expected_a = "a161cd";
    } else {
      expected_a = "a161ce";
    }
    EXPECT_NE(bytes.find(expected_a), std::string::npos) << asset << " " << bytes;
  }
  // A negative ntli uses the signed family.
  EXPECT_NE(hex(msgpack_of(UpdateIsolatedMarginAction{0, true, -1})).find("a46e746c69ff"),
            std::string::npos);
}

TEST(HyperliquidActions, ValidateUsesTheAssetRules) {
  OrderWire o = eth_ioc();
  EXPECT_EQ(validate(o, AssetSpec{4, 4, Market::kPerp}), WireError::kOk);
  o.size = Qty::parse("0.01475").value();
  EXPECT_EQ(validate(o, AssetSpec{4, 4, Market::kPerp}), WireError::kTooManyDecimals);
  o = eth_ioc();
  o.price = Price::parse("1670.15").value();
  EXPECT_EQ(validate(o, AssetSpec{4, 4, Market::kPerp}), WireError::kTooManySigFigs);
  o.price = Price::parse("167.15").value();
  EXPECT_EQ(validate(o, AssetSpec{4, 5, Market::kPerp}), WireError::kTooManyDecimals);
  o = eth_ioc();
  o.is_trigger = true;
  o.size = Qty::parse("0.01").value();
  o.trigger_price = Price::parse("1670.123").value();
  EXPECT_EQ(validate(o, AssetSpec{4, 2, Market::kPerp}), WireError::kTooManySigFigs);
}

TEST(HyperliquidActions, BufferOverflowIsAnErrorNotACrash) {
  const OrderWire o = eth_ioc();
  const OrderAction a{std::span(&o, 1), Grouping::kNa, std::nullopt};
  char small[16];
  ByteSink sink(small, sizeof(small));
  EXPECT_FALSE(encode_msgpack(a, sink));
  EXPECT_TRUE(sink.overflow());
}

TEST(HyperliquidActions, ExchangeBodyCarriesNonceSignatureVaultAndExpiry) {
  const OrderWire o = eth_ioc();
  const OrderAction a{std::span(&o, 1), Grouping::kNa, std::nullopt};
  crypto::RecoverableSignature sig;
  sig.r[31] = 1;
  sig.s[0] = 0xab;
  sig.recid = 1;
  L1Options opts;
  opts.nonce = 1713825891591;
  crypto::Address vault;
  vault.fill(0x12);
  opts.vault = vault;
  opts.expires_after = 1713825900000;
  char buf[2048];
  ByteSink sink(buf, sizeof(buf));
  ASSERT_TRUE(write_exchange_body(sink, a, sig, opts));
  const std::string body(sink.view());
  EXPECT_EQ(body.substr(0, 26), R"({"action":{"type":"order",)");
  EXPECT_NE(
      body.find(
          R"("nonce":1713825891591,"signature":{"r":"0x0000000000000000000000000000000000000000000000000000000000000001","s":"0xab00000000000000000000000000000000000000000000000000000000000000","v":28})"),
      std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("vaultAddress":"0x1212121212121212121212121212121212121212")"),
            std::string::npos);
  EXPECT_EQ(body.substr(body.size() - 29), R"("expiresAfter":1713825900000})");
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
