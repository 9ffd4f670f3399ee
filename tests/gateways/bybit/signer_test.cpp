#include "gateways/bybit/signer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>

namespace peregrine::gateways::bybit {
namespace {

// pybit's own test secret (tests/test_pybit.py computes its expected value at run time; the hex
// below was computed the same way, with CPython's hmac module, over the string layouts of the
// venue doc's §2.1 examples).
constexpr std::string_view kSecret = "VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ";
constexpr std::string_view kKey = "XXXXXXXXXX";

std::string hex(const crypto::Digest32& d) {
  char out[64];
  crypto::to_hex(d, out);
  return std::string(out, 64);
}

TEST(BybitSigner, StringToSignMatchesTheVenueDocExamples) {
  // Venue doc §2.1 (GET and POST): plain concatenation, no separators.
  EXPECT_EQ(
      rest_string_to_sign(1658384314791, kKey, 5000, "category=option&symbol=BTC-29JUL22-25000-C"),
      "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C");
  EXPECT_EQ(rest_string_to_sign(1658385579423, kKey, 5000, R"({"category": "option"})"),
            R"(1658385579423XXXXXXXXXX5000{"category": "option"})");
}

TEST(BybitSigner, RestKnownAnswers) {
  const Signer signer(kKey, kSecret);
  RestAuth auth;
  signer.sign_rest(1658384314791, 5000, "category=option&symbol=BTC-29JUL22-25000-C", auth);
  EXPECT_EQ(auth.sign(), "efa02766068b9b28c70b29d2738c5e9fea0cd47e2419f63f9e0246eaeb1f3897");
  EXPECT_EQ(auth.timestamp(), "1658384314791");
  EXPECT_EQ(auth.recv_window(), "5000");
  EXPECT_EQ(auth.api_key, kKey);
  EXPECT_EQ(RestAuth::sign_type(), "2");

  signer.sign_rest(1658385579423, 5000, R"({"category": "option"})", auth);
  EXPECT_EQ(auth.sign(), "0823d1c0375493de2390d9aaba3a4562ae50892a4f227f736885dbfd2132d2e2");
}

TEST(BybitSigner, WsAuthKnownAnswerAndMessage) {
  const Signer signer(kKey, kSecret);
  char sig[64];
  signer.sign_ws_auth(1711010121452, sig);
  EXPECT_EQ(std::string_view(sig, 64),
            "38213dc5257e4eb6bc65d7daeeaba97010ece3570d85308fae2e9a993954c5f7");
  char buf[256];
  const std::size_t n = signer.write_ws_auth(1711010121452, "", buf, sizeof(buf));
  EXPECT_EQ(std::string_view(buf, n),
            R"({"op":"auth","args":["XXXXXXXXXX",1711010121452,)"
            R"("38213dc5257e4eb6bc65d7daeeaba97010ece3570d85308fae2e9a993954c5f7"]})");
  const std::size_t m = signer.write_ws_auth(1711010121452, "auth-1", buf, sizeof(buf));
  EXPECT_TRUE(std::string_view(buf, m).starts_with(R"({"req_id":"auth-1","op":"auth","args":[)"));
  EXPECT_EQ(signer.write_ws_auth(1711010121452, "", buf, 100), 0u);  // too small
  EXPECT_EQ(signer.write_ws_auth(1711010121452, "a\"b", buf, sizeof(buf)), 0u);
}

// The primitive under the signer, fed in four parts exactly as sign_rest() does, against the
// Binance documentation vectors (same HMAC-SHA256; venue doc §2.1 recommends them).
TEST(BybitSigner, MultiPartHmacMatchesBinanceDocVectors) {
  const crypto::HmacSha256Key futures(
      "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9");
  EXPECT_EQ(hex(futures.sign({"symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1", "&price=9000",
                              "&timeInForce=GTC&recvWindow=5000", "&timestamp=1591702613943"})),
            "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
  const crypto::HmacSha256Key spot(
      "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
  EXPECT_EQ(hex(spot.sign({"", "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                           "&quantity=1&price=0.1&recvWindow=5000", "&timestamp=1499827319559"})),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

// Sign, then verify with an independent one-shot OpenSSL HMAC over the concatenated string.
TEST(BybitSigner, SignThenVerifyAgainstOpenSsl) {
  std::mt19937_64 rng(20240809);
  const std::string alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int iter = 0; iter < 300; ++iter) {
    std::string key(1 + rng() % 40, 'k');
    for (char& c : key) c = alnum[rng() % alnum.size()];
    std::string secret(1 + rng() % 130, 's');  // > 64 bytes exercises the hashed-key path
    for (char& c : secret) c = static_cast<char>(33 + rng() % 94);
    std::string payload(rng() % 700, 'p');
    for (char& c : payload) c = static_cast<char>(32 + rng() % 95);
    const std::uint64_t ts = 1'600'000'000'000 + rng() % 100'000'000'000;
    const auto window = static_cast<std::uint32_t>(rng() % 120'000);

    const Signer signer(key, secret);
    RestAuth auth;
    signer.sign_rest(ts, window, payload, auth);
    const std::string expected =
        hex(crypto::hmac_sha256_openssl(secret, rest_string_to_sign(ts, key, window, payload)));
    ASSERT_EQ(auth.sign(), expected) << "iteration " << iter;

    char ws[64];
    signer.sign_ws_auth(ts, ws);
    ASSERT_EQ(std::string_view(ws, 64),
              hex(crypto::hmac_sha256_openssl(secret, "GET/realtime" + std::to_string(ts))));
  }
}

TEST(BybitSigner, HttpHeaderBlock) {
  const Signer signer("AbC123", "secret");
  RestAuth auth;
  signer.sign_rest(1700000000000, 5000, "accountType=UNIFIED", auth);
  char buf[512];
  const std::size_t n = auth.write_http_headers(buf, sizeof(buf));
  const std::string want =
      "X-BAPI-API-KEY: AbC123\r\nX-BAPI-TIMESTAMP: 1700000000000\r\n"
      "X-BAPI-RECV-WINDOW: 5000\r\nX-BAPI-SIGN: " +
      std::string(auth.sign()) + "\r\nX-BAPI-SIGN-TYPE: 2\r\n";
  EXPECT_EQ(std::string_view(buf, n), want);
  EXPECT_EQ(auth.write_http_headers(buf, want.size() - 1), 0u);
  EXPECT_EQ(auth.write_http_headers(buf, want.size()), want.size());
}

TEST(BybitSigner, RejectsBadKeysWithoutEchoingTheSecret) {
  const std::string secret = "TOPSECRETVALUE";
  for (const std::string& key :
       {std::string(), std::string("has space"), std::string("quote\"key"), std::string(65, 'a')}) {
    try {
      const Signer s(key, secret);
      ADD_FAILURE() << "accepted key '" << key << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos);
    }
  }
  EXPECT_THROW(Signer("key", ""), std::invalid_argument);
}

TEST(BybitSigner, WriteDecimal) {
  char buf[20];
  EXPECT_EQ(std::string_view(buf, write_decimal(0, buf)), "0");
  EXPECT_EQ(std::string_view(buf, write_decimal(18446744073709551615ull, buf)),
            "18446744073709551615");
}

}  // namespace
}  // namespace peregrine::gateways::bybit
