#include "gateways/net/url.hpp"

#include <gtest/gtest.h>

namespace peregrine::gateways::net {
namespace {

TEST(Url, ParsesWssWithDefaultPortAndPath) {
  auto url = parse_url("wss://api.hyperliquid.xyz/ws");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_TRUE(url->websocket);
  EXPECT_EQ(url->host, "api.hyperliquid.xyz");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/ws");
}

TEST(Url, ParsesPortAndQuery) {
  auto url = parse_url("ws://127.0.0.1:9001/stream?streams=btcusdt@depth@100ms");
  ASSERT_TRUE(url.ok());
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 9001);
  EXPECT_EQ(url->target, "/stream?streams=btcusdt@depth@100ms");
}

TEST(Url, QueryWithoutPathAndNoPath) {
  auto a = parse_url("https://fapi.binance.com?x=1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->target, "/?x=1");
  EXPECT_FALSE(a->websocket);
  auto b = parse_url("http://localhost");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 80);
  EXPECT_EQ(b->target, "/");
}

TEST(Url, Ipv6Literal) {
  auto url = parse_url("ws://[::1]:8080/x");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
}

TEST(Url, RejectsBadInput) {
  EXPECT_EQ(parse_url("ftp://x/").error(), UrlError::kBadScheme);
  EXPECT_EQ(parse_url("localhost:80").error(), UrlError::kBadScheme);
  EXPECT_EQ(parse_url("ws:///path").error(), UrlError::kEmptyHost);
  EXPECT_EQ(parse_url("ws://host:0/").error(), UrlError::kBadPort);
  EXPECT_EQ(parse_url("ws://host:65536/").error(), UrlError::kBadPort);
  EXPECT_EQ(parse_url("ws://host:8a/").error(), UrlError::kBadPort);
  EXPECT_EQ(parse_url("ws://host:/").error(), UrlError::kBadPort);
  EXPECT_EQ(parse_url("ws://[::1/").error(), UrlError::kBadBracket);
  EXPECT_FALSE(to_string(UrlError::kBadPort).empty());
}

}  // namespace
}  // namespace peregrine::gateways::net
