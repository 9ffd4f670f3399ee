#include "gateways/coinbase/signer.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace peregrine::gateways::coinbase {
namespace {

constexpr std::string_view kSecret = "test-legacy-secret";
constexpr std::string_view kBody = R"({"order_ids":["a0b1c2d3-0000-4000-8000-000000000001"]})";

std::string openssl_hex(std::string_view key, std::string_view msg) {
  unsigned char md[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

// The venue publishes no secret+body vector; this one was computed with Python's hmac module
// (hmac.new(b"test-legacy-secret", b"1667500462POST/api/v3/brokerage/orders/batch_cancel" + body,
// sha256).hexdigest()) and is cross-checked against OpenSSL below.
TEST(LegacySigner, KnownAnswer) {
  const LegacySigner signer("Sd55555555555tP3", kSecret);
  LegacyAuthHeaders h;
  signer.sign(1667500462, "POST", "/api/v3/brokerage/orders/batch_cancel", kBody, h);
  EXPECT_EQ(h.key, "Sd55555555555tP3");
  EXPECT_EQ(h.timestamp(), "1667500462");
  EXPECT_EQ(h.sign(), "8c1dd8032f92ecf9d88c54b5db056b8abb2e933fa83cf7d08f4dc6f3e1412be4");
  EXPECT_EQ(h.sign(), openssl_hex(kSecret, std::string("1667500462POST/api/v3/brokerage/orders/"
                                                       "batch_cancel") +
                                               std::string(kBody)));
}

TEST(LegacySigner, QueryStringIsNotSignedAndHexIsLowercase) {
  const LegacySigner signer("key", kSecret);
  LegacyAuthHeaders with_query, without;
  signer.sign(1700000000, "GET", "/api/v3/brokerage/orders/historical/fills?limit=10&cursor=x", "",
              with_query);
  signer.sign(1700000000, "GET", "/api/v3/brokerage/orders/historical/fills", "", without);
  EXPECT_EQ(with_query.sign(), without.sign());
  EXPECT_EQ(without.sign(),
            openssl_hex(kSecret, "1700000000GET/api/v3/brokerage/orders/historical/fills"));
  EXPECT_EQ(without.sign().find_first_not_of("0123456789abcdef"), std::string_view::npos);
}

TEST(LegacySigner, MatchesOpenSslOnManyInputs) {
  const std::string long_secret(200, 's');  // longer than a SHA-256 block: hashed first
  const LegacySigner signer("key", long_secret);
  std::string body;
  for (int i = 0; i < 300; i += 7) {
    body.assign(static_cast<std::size_t>(i), static_cast<char>('a' + i % 26));
    LegacyAuthHeaders h;
    signer.sign(1700000000 + i, "POST", "/api/v3/brokerage/orders", body, h);
    EXPECT_EQ(h.sign(), openssl_hex(long_secret, std::to_string(1700000000 + i) +
                                                     "POST/api/v3/brokerage/orders" + body))
        << i;
  }
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
