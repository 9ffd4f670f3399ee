#include "gateways/crypto/hmac_sha256.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace peregrine::gateways::crypto {
namespace {

std::string hex_of(std::string_view secret, std::string_view msg) {
  char out[64];
  HmacSha256Key(secret).sign_hex(msg, out);
  return std::string(out, 64);
}

TEST(HmacSha256, BinanceDocumentationExample) {
  // ../shared/vectors/binance_hmac.json (Binance's own documented example).
  EXPECT_EQ(hex_of("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
                   "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&"
                   "recvWindow=5000&timestamp=1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST(HmacSha256, Rfc4231TestCase2) {
  EXPECT_EQ(hex_of("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, MatchesOpenSslOnRandomKeysAndMessages) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 3000; ++i) {
    std::string key(rng() % 150, '\0');  // includes keys longer than a block (hashed first)
    for (auto& c : key) c = static_cast<char>(rng());
    std::string msg(rng() % 700, '\0');  // every padding boundary around 55/56/64 bytes
    for (auto& c : msg) c = static_cast<char>(rng());
    const HmacSha256Key k(key);
    ASSERT_EQ(k.sign(msg), hmac_sha256_openssl(key, msg)) << key.size() << "/" << msg.size();
    // Parts hash exactly like their concatenation.
    const std::size_t cut = msg.empty() ? 0 : rng() % msg.size();
    ASSERT_EQ(k.sign({std::string_view(msg).substr(0, cut), std::string_view(msg).substr(cut)}),
              hmac_sha256_openssl(key, msg));
  }
}

TEST(HmacSha256, EmptyPartsAreSkipped) {
  const HmacSha256Key k("secret");
  EXPECT_EQ(k.sign({std::string_view(), "abc", std::string_view()}),
            hmac_sha256_openssl("secret", "abc"));
}

}  // namespace
}  // namespace peregrine::gateways::crypto
