#include "gateways/hyperliquid/json_action.hpp"

#include <gtest/gtest.h>

#include <string>

#include "gateways/hyperliquid/signer.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

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

std::string pack(std::string_view json, std::string* error = nullptr) {
  char buf[1024];
  ByteSink sink(buf, sizeof(buf));
  const auto r = json_to_msgpack(json, sink);
  if (error != nullptr) *error = r.error;
  return r.ok ? hex(sink.view()) : "";
}

TEST(JsonAction, KeepsKeyOrderAndEncodesIntegers) {
  EXPECT_EQ(pack(R"({"b":1,"a":2})"), "82a16201a16102");
  EXPECT_EQ(pack(R"({"a":2,"b":1})"), "82a16102a16201");
  EXPECT_EQ(pack(R"({"type":"dummy","num":100000000000})"),
            "82a474797065a564756d6d79a36e756dcf000000174876e800");  // §3.5: u64 0xcf
  EXPECT_EQ(pack(R"({"n":-1,"m":-33,"z":null,"t":true,"f":false})"),
            "85a16eff"
            "a16dd0df"
            "a17ac0"
            "a174c3"
            "a166c2");
  EXPECT_EQ(pack(R"({"x":[1,[2],{}]})"),
            "81a1789301"
            "9102"
            "80");
}

TEST(JsonAction, RefusesFloatsAndBadJsonWithAPath) {
  std::string error;
  EXPECT_EQ(pack(R"({"orders":[{"p":1670.1}]})", &error), "");
  EXPECT_EQ(error, "orders[0].p: floats are not allowed in actions (send decimals as strings)");
  EXPECT_EQ(pack(R"({"a":)", &error), "");
  EXPECT_EQ(error.rfind("bad JSON", 0), 0u) << error;
  EXPECT_EQ(pack("[1,2]", &error), "");
  EXPECT_EQ(error, "the action must be a JSON object");
}

TEST(JsonAction, OverflowIsReported) {
  char buf[4];
  ByteSink sink(buf, sizeof(buf));
  const auto r = json_to_msgpack(R"({"type":"order"})", sink);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "action too large for the encode buffer");
}

TEST(JsonAction, UserSignedFieldsAreCheckedByType) {
  crypto::Hash32 d{};
  auto r = user_signed_digest_from_json(R"({"type":"order"})", &d);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "not a user-signed action type: order");
  r = user_signed_digest_from_json(
      R"({"type":"usdSend","hyperliquidChain":"Mainnet","destination":"0x1","amount":"1","time":1})",
      &d);
  EXPECT_EQ(r.error, "usdSend: missing \"signatureChainId\" (hex chain id)");
  r = user_signed_digest_from_json(
      R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","amount":"1","time":1})",
      &d);
  EXPECT_EQ(r.error, "usdSend.destination: expected a string");
  r = user_signed_digest_from_json(
      R"({"type":"approveAgent","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","agentAddress":"0x12","nonce":1})",
      &d);
  EXPECT_EQ(r.error, "approveAgent.agentAddress: expected a 0x address");
  // agentName may be omitted: signed as "" (Python SDK behaviour).
  r = user_signed_digest_from_json(
      R"({"type":"approveAgent","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","agentAddress":"0x1234567890123456789012345678901234567890","nonce":1})",
      &d);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(action_type_of(R"({"type":"cancel"})"), "cancel");
  EXPECT_EQ(action_type_of("nope"), "");
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
