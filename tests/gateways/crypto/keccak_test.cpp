#include "gateways/crypto/keccak.hpp"

#include <gtest/gtest.h>

#include <string>

namespace peregrine::gateways::crypto {
namespace {

TEST(Keccak256, KnownDigests) {
  // Ethereum Keccak-256 (not NIST SHA3-256, whose empty digest is a7ffc6f8...).
  const Hash32 empty = keccak256("");
  EXPECT_EQ(to_hex0x(empty.data(), 32),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  const Hash32 abc = keccak256("abc");
  EXPECT_EQ(to_hex0x(abc.data(), 32),
            "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(Keccak256, IncrementalEqualsOneShotAndResets) {
  const std::string msg(1000, 'x');
  Keccak256 k;
  k.update(msg.data(), 1);
  k.update(msg.data() + 1, 135);  // crosses the 136-byte rate boundary
  k.update(msg.data() + 136, msg.size() - 136);
  EXPECT_EQ(k.finish(), keccak256(msg));
  k.update("abc", 3);  // reusable after finish()
  EXPECT_EQ(k.finish(), keccak256("abc"));
}

TEST(Hex, ParsesWithAndWithoutPrefixAndRejectsBadInput) {
  std::uint8_t out[2];
  ASSERT_TRUE(parse_hex("0xABcd", out, 2));
  EXPECT_EQ(out[0], 0xab);
  EXPECT_EQ(out[1], 0xcd);
  EXPECT_TRUE(parse_hex("abcd", out, 2));
  EXPECT_FALSE(parse_hex("abc", out, 2));
  EXPECT_FALSE(parse_hex("abcdef", out, 2));
  EXPECT_FALSE(parse_hex("0xzz00", out, 2));
  EXPECT_FALSE(parse_hex("", out, 2));
  EXPECT_EQ(to_hex0x(out, 0), "0x");
}

}  // namespace
}  // namespace peregrine::gateways::crypto
