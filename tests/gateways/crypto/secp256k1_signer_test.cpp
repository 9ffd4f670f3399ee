#include "gateways/crypto/secp256k1_signer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace peregrine::gateways::crypto {
namespace {

TEST(EcdsaKey, DerivesEthereumAddresses) {
  // Well-known: private keys 1 and 2.
  auto one =
      EcdsaKey::from_hex("0x0000000000000000000000000000000000000000000000000000000000000001");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)->address_hex(), "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
  auto two = EcdsaKey::from_hex("0000000000000000000000000000000000000000000000000000000000000002");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ((*two)->address_hex(), "0x2b5ad5c4795c026514f8317c7a215e218dccd6cf");
}

TEST(EcdsaKey, RejectsBadKeysWithoutEchoingThem) {
  EXPECT_EQ(EcdsaKey::from_hex("0x1234").error(), KeyError::kBadHex);
  EXPECT_EQ(EcdsaKey::from_hex("zz" + std::string(62, '0')).error(), KeyError::kBadHex);
  EXPECT_EQ(EcdsaKey::from_hex(std::string(64, '0')).error(), KeyError::kInvalidKey);  // zero
  // n itself is not a valid key.
  EXPECT_EQ(EcdsaKey::from_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141")
                .error(),
            KeyError::kInvalidKey);
  const std::string text(to_string(KeyError::kBadHex));
  EXPECT_EQ(text.find("1234"), std::string::npos);
}

TEST(EcdsaKey, SignaturesAreDeterministicLowSAndRecover) {
  auto key =
      EcdsaKey::from_hex("0x0123456789012345678901234567890123456789012345678901234567890123");
  ASSERT_TRUE(key.ok());
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    Hash32 digest;
    for (auto& b : digest) b = static_cast<std::uint8_t>(rng());
    const auto sig = (*key)->sign(digest);
    EXPECT_EQ(sig, (*key)->sign(digest));  // RFC 6979
    EXPECT_TRUE(is_low_s(sig));
    EXPECT_TRUE(sig.v() == 27 || sig.v() == 28);
    Address recovered;
    ASSERT_TRUE(recover_address(digest, sig, &recovered));
    EXPECT_EQ(recovered, (*key)->address());
  }
}

TEST(EcdsaKey, TamperedSignatureRecoversSomeoneElse) {
  auto key =
      EcdsaKey::from_hex("0x0123456789012345678901234567890123456789012345678901234567890123");
  ASSERT_TRUE(key.ok());
  const Hash32 digest = keccak256("order");
  auto sig = (*key)->sign(digest);
  sig.s[31] ^= 1;
  Address recovered;
  if (recover_address(digest, sig, &recovered)) {
    EXPECT_NE(recovered, (*key)->address());
  }
  sig.recid = 7;
  EXPECT_FALSE(recover_address(digest, sig, &recovered));
}

}  // namespace
}  // namespace peregrine::gateways::crypto
