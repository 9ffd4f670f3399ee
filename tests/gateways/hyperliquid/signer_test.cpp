#include "gateways/hyperliquid/signer.hpp"

#include <gtest/gtest.h>

namespace peregrine::gateways::hyperliquid {
namespace {

TEST(HyperliquidSigner, NetworkIsInsideTheSignedData) {
  const crypto::Hash32 conn = crypto::keccak256("some action");
  EXPECT_NE(l1_digest(conn, true), l1_digest(conn, false));
  auto key = crypto::EcdsaKey::from_hex(
      "0x0123456789012345678901234567890123456789012345678901234567890123");
  ASSERT_TRUE(key.ok());
  // A mainnet signature checked as testnet recovers some other address (venue doc §1).
  const auto sig = (*key)->sign(l1_digest(conn, true));
  crypto::Address as_testnet;
  ASSERT_TRUE(crypto::recover_address(l1_digest(conn, false), sig, &as_testnet));
  EXPECT_NE(as_testnet, (*key)->address());
}

TEST(HyperliquidSigner, VaultAndExpiryChangeTheHash) {
  const std::string_view msgpack = "\x81\xa4type\xa4noop";
  L1Options base;
  base.nonce = 1;
  L1Options vault = base;
  vault.vault = crypto::Address{};
  L1Options expiry = base;
  expiry.expires_after = 5;
  const auto h0 = action_hash(msgpack, base);
  EXPECT_NE(h0, action_hash(msgpack, vault));
  EXPECT_NE(h0, action_hash(msgpack, expiry));
  L1Options other_nonce = base;
  other_nonce.nonce = 2;
  EXPECT_NE(h0, action_hash(msgpack, other_nonce));
}

TEST(HyperliquidSigner, UserSignedCatalogueCoversTheEngineActions) {
  for (std::string_view t :
       {"usdSend", "spotSend", "withdraw3", "usdClassTransfer", "sendAsset", "approveAgent",
        "approveBuilderFee", "tokenDelegate", "cDeposit", "cWithdraw", "convertToMultiSigUser"}) {
    const UserSignedSpec* spec = find_user_signed(t);
    ASSERT_NE(spec, nullptr) << t;
    EXPECT_EQ(spec->fields.front().name, "hyperliquidChain") << t;
    EXPECT_EQ(spec->primary_type.rfind("HyperliquidTransaction:", 0), 0u) << t;
  }
  EXPECT_EQ(find_user_signed("withdraw3")->primary_type, "HyperliquidTransaction:Withdraw");
  EXPECT_EQ(find_user_signed("order"), nullptr);
}

TEST(HyperliquidSigner, ChainIdEntersTheUserSignedDomain) {
  const UserSignedSpec* spec = find_user_signed("usdSend");
  ASSERT_NE(spec, nullptr);
  Eip712Value values[4];
  values[0].str = "Mainnet";
  values[1].str = "0x0000000000000000000000000000000000000001";
  values[2].str = "1";
  values[3].number = 1;
  EXPECT_NE(user_signed_digest(*spec, values, 0x66eee), user_signed_digest(*spec, values, 0xa4b1));
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
