#include "gateways/binance/signer.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "support/test_data.hpp"

namespace peregrine::gateways::binance {
namespace {

std::string hex(const std::uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 15];
  }
  return s;
}

std::vector<std::uint8_t> unhex(std::string_view h) {
  std::vector<std::uint8_t> out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nib(h[i]) * 16 + nib(h[i + 1])));
  }
  return out;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::uint8_t> base64_decode(std::string_view b64) {
  std::vector<std::uint8_t> out(b64.size());
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  out.resize(static_cast<std::size_t>(n < 0 ? 0 : n));
  std::size_t pad = 0;
  while (pad < b64.size() && b64[b64.size() - 1 - pad] == '=') ++pad;
  out.resize(out.size() - pad);
  return out;
}

bool ed25519_verify(const std::array<std::uint8_t, 32>& pub, std::string_view msg,
                    const std::vector<std::uint8_t>& sig) {
  EVP_PKEY* pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pk) == 1 &&
      EVP_DigestVerify(ctx, sig.data(), sig.size(),
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pk);
  return ok;
}

// ---- HMAC: the venue's own documented examples ------------------------------------------------

TEST(BinanceSigner, HmacDocumentationVectorFile) {
  PEREGRINE_REQUIRE_DATA(path, "../vectors/binance_hmac.json");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(path.string()).get(doc), simdjson::SUCCESS);
  simdjson::dom::array vectors;
  ASSERT_EQ(doc["vectors"].get(vectors), simdjson::SUCCESS);
  std::size_t n = 0;
  for (auto v : vectors) {
    std::string_view api_key, secret, payload, signature;
    ASSERT_EQ(v["api_key"].get(api_key), simdjson::SUCCESS);
    ASSERT_EQ(v["secret"].get(secret), simdjson::SUCCESS);
    ASSERT_EQ(v["payload"].get(payload), simdjson::SUCCESS);
    ASSERT_EQ(v["signature"].get(signature), simdjson::SUCCESS);
    const HmacSigner s(api_key, secret);
    EXPECT_EQ(s.api_key(), api_key);
    char out[64];
    ASSERT_EQ(s.sign(payload, {}, out), 64u);
    EXPECT_EQ(std::string_view(out, 64), signature);
    // As a body (the doc's Example 2): same bytes, same signature.
    ASSERT_EQ(s.sign({}, payload, out), 64u);
    EXPECT_EQ(std::string_view(out, 64), signature);
    ++n;
  }
  EXPECT_GE(n, 1u);
}

// binance_usdm.md §2.4 (futures General Info, Examples 1 and 2).
constexpr std::string_view kFutKey =
    "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83";
constexpr std::string_view kFutSecret =
    "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
constexpr std::string_view kFutPayload =
    "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&"
    "timestamp=1591702613943";
constexpr std::string_view kFutSignature =
    "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";

TEST(BinanceSigner, HmacFuturesDocExample) {
  const HmacSigner s(kFutKey, kFutSecret);
  char out[64];
  s.sign(kFutPayload, {}, out);
  EXPECT_EQ(std::string_view(out, 64), kFutSignature);
  // totalParams = query + body with no separator: any split signs the same bytes.
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{40}, kFutPayload.size()}) {
    s.sign(kFutPayload.substr(0, cut), kFutPayload.substr(cut), out);
    EXPECT_EQ(std::string_view(out, 64), kFutSignature) << cut;
  }
}

TEST(BinanceSigner, SignerAppendsSignatureLast) {
  Signer signer(std::make_unique<HmacSigner>(kFutKey, kFutSecret));
  EXPECT_EQ(signer.type(), KeyType::kHmac);
  EXPECT_EQ(signer.api_key(), kFutKey);
  char buf[512];
  QueryWriter w(buf, sizeof(buf));
  w.add("symbol", "BTCUSDT")
      .add_raw("side", "BUY")
      .add_raw("type", "LIMIT")
      .add_int("quantity", 1)
      .add_int("price", 9000)
      .add_raw("timeInForce", "GTC")
      .add_int("recvWindow", 5000)
      .add_int("timestamp", 1591702613943);
  ASSERT_EQ(w.view(), kFutPayload);
  ASSERT_EQ(signer.append_signature({}, w), SignError::kOk);
  EXPECT_EQ(w.view(), std::string(kFutPayload) + "&signature=" + std::string(kFutSignature));
}

TEST(BinanceSigner, FinishWritesTimestampRecvWindowSignature) {
  Signer signer(std::make_unique<HmacSigner>(kFutKey, kFutSecret));
  char buf[512];
  QueryWriter w(buf, sizeof(buf));
  w.add("symbol", "BTCUSDT");
  ASSERT_EQ(signer.finish(w, 1591702613943, 5000), SignError::kOk);
  const std::string prefix = "symbol=BTCUSDT&timestamp=1591702613943&recvWindow=5000";
  const auto d = crypto::hmac_sha256_openssl(kFutSecret, prefix);
  EXPECT_EQ(w.view(), prefix + "&signature=" + hex(d.data(), d.size()));
  // recvWindow <= 0: left out (venue default).
  w.clear();
  w.add("symbol", "BTCUSDT");
  ASSERT_EQ(signer.finish(w, 1, 0), SignError::kOk);
  EXPECT_TRUE(w.view().starts_with("symbol=BTCUSDT&timestamp=1&signature="));
  // Query part + body part: the signature covers both, and lands in the body.
  w.clear();
  w.add_int("quantity", 1);
  ASSERT_EQ(signer.finish(w, 5, 0, "symbol=BTCUSDT&side=BUY"), SignError::kOk);
  const auto d2 =
      crypto::hmac_sha256_openssl(kFutSecret, "symbol=BTCUSDT&side=BUYquantity=1&timestamp=5");
  EXPECT_EQ(w.view(), "quantity=1&timestamp=5&signature=" + hex(d2.data(), d2.size()));
}

// Spot docs [SPOT-REST]: the non-ASCII symbol is percent-encoded before signing.
TEST(BinanceSigner, NonAsciiIsPercentEncodedBeforeSigning) {
  const HmacSigner s("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
                     "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
  char buf[512];
  QueryWriter w(buf, sizeof(buf));
  w.add("symbol", "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96")
      .add_raw("side", "BUY")
      .add_raw("type", "LIMIT")
      .add_raw("timeInForce", "GTC")
      .add_decimal("quantity", common::Qty::parse("1").value())
      .add_decimal("price", common::Price::parse("0.1").value())
      .add_int("recvWindow", 5000)
      .add_int("timestamp", 1499827319559);
  EXPECT_EQ(w.view(),
            "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&"
            "timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559");
  char out[64];
  s.sign(w.view(), {}, out);
  EXPECT_EQ(std::string_view(out, 64),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

TEST(BinanceSigner, SigningAllocatesNothing) {
  Signer signer(std::make_unique<HmacSigner>(kFutKey, kFutSecret));
  char buf[512];
  testing::binance::AllocScope scope;
  for (int i = 0; i < 100; ++i) {
    QueryWriter w(buf, sizeof(buf));
    w.add("symbol", "BTCUSDT").add_decimal("price", common::Price::from_raw(6180050000000));
    ASSERT_EQ(signer.finish(w, 1591702613943 + i, 5000), SignError::kOk);
  }
  EXPECT_EQ(scope.count(), 0u);
}

// ---- QueryWriter, encodings -----------------------------------------------------------------

TEST(BinanceSigner, QueryWriterNeverOverruns) {
  std::array<char, 64> buf;
  buf.fill('#');
  for (std::size_t cap = 0; cap < 40; ++cap) {
    QueryWriter w(buf.data(), cap);
    w.add("symbol", "BTCUSDT").add_int("timestamp", -1591702613943).add_bool("reduceOnly", true);
    const std::string_view full = "symbol=BTCUSDT&timestamp=-1591702613943&reduceOnly=true";
    EXPECT_EQ(w.ok(), cap >= full.size()) << cap;
    EXPECT_LE(w.size(), cap);
    EXPECT_TRUE(full.starts_with(w.view()));
    for (std::size_t i = cap; i < buf.size(); ++i) ASSERT_EQ(buf[i], '#') << cap;
  }
  char small[80];
  QueryWriter w(small, sizeof(small));
  w.add("k", "x");
  Signer signer(std::make_unique<HmacSigner>("k", "s"));
  EXPECT_EQ(signer.finish(w, 1, 5000), SignError::kBufferFull);  // needs 64 hex + keys
}

TEST(BinanceSigner, UrlEncodeAndBase64) {
  char out[64];
  std::size_t n = url_encode("aZ09-_.~ +/=&", out, sizeof(out));
  EXPECT_EQ(std::string_view(out, n), "aZ09-_.~%20%2B%2F%3D%26");
  EXPECT_EQ(url_encode("abc", out, 2), 0u);
  const std::uint8_t data[] = {0xfb, 0xff, 0x00, 0x61, 0x62};
  for (std::size_t len = 0; len <= 5; ++len) {
    char mine[16];
    unsigned char ref[16];
    const std::size_t m = base64_encode({data, len}, mine);
    const int r = EVP_EncodeBlock(ref, data, static_cast<int>(len));
    EXPECT_EQ(std::string_view(mine, m),
              std::string_view(reinterpret_cast<char*>(ref), static_cast<std::size_t>(r)));
  }
}

// ---- Ed25519 ------------------------------------------------------------------------------------

// RFC 8032 §7.1 TEST 1 and TEST 2 (the venue docs publish no usable Ed25519 vector).
TEST(BinanceSigner, Ed25519Rfc8032KnownAnswers) {
  struct Case {
    std::string_view sk, pk, msg, sig;
  };
  const Case cases[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
       "1cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "r",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613"
       "d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
  };
  for (const Case& c : cases) {
    const auto seed = unhex(c.sk);
    auto r = Ed25519Signer::from_seed("key", std::span<const std::uint8_t, 32>(seed.data(), 32));
    ASSERT_TRUE(r.ok());
    auto s = std::move(r).value();
    EXPECT_EQ(hex(s->public_key().data(), 32), c.pk);
    std::array<std::uint8_t, 64> sig{};
    ASSERT_EQ(s->sign_raw(c.msg, {}, sig), SignError::kOk);
    EXPECT_EQ(hex(sig.data(), 64), c.sig);
    // Twice on the same context (the signer reuses one EVP context).
    ASSERT_EQ(s->sign_raw({}, c.msg, sig), SignError::kOk);
    EXPECT_EQ(hex(sig.data(), 64), c.sig);
  }
}

std::string fresh_ed25519_pem() {
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  EVP_PKEY* key = nullptr;
  EXPECT_EQ(EVP_PKEY_keygen_init(kctx), 1);
  EXPECT_EQ(EVP_PKEY_keygen(kctx, &key), 1);
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(kctx);
  return pem;
}

TEST(BinanceSigner, Ed25519PemSignThenVerifyWithOpenSsl) {
  const std::string pem = fresh_ed25519_pem();
  ASSERT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  auto r = Ed25519Signer::from_pem("edkey", pem);
  ASSERT_TRUE(r.ok());
  const std::array<std::uint8_t, 32> pub = r.value()->public_key();
  Signer signer(std::move(r).value());
  EXPECT_EQ(signer.type(), KeyType::kEd25519);
  EXPECT_EQ(signer.api_key(), "edkey");
  for (int i = 0; i < 50; ++i) {
    char buf[1024];
    QueryWriter w(buf, sizeof(buf));
    w.add("symbol", "BTCUSDT")
        .add_raw("side", "SELL")
        .add_raw("type", "MARKET")
        .add_int("quantity", i + 1);
    ASSERT_EQ(signer.finish(w, 1671090801999 + i, 9999999), SignError::kOk);
    const std::string_view q = w.view();
    const std::size_t at = q.find("&signature=");
    ASSERT_NE(at, std::string_view::npos);
    const std::string_view signed_part = q.substr(0, at);
    const std::string_view sig_enc = q.substr(at + 11);
    // URL-safe on the wire: no raw '+', '/', '=' in the query.
    EXPECT_EQ(sig_enc.find_first_of("+/="), std::string_view::npos);
    const std::string b64 = url_decode(sig_enc);
    EXPECT_EQ(b64.size(), Ed25519Signer::kBase64Chars);
    EXPECT_TRUE(ed25519_verify(pub, signed_part, base64_decode(b64))) << q;
    // A different message does not verify.
    EXPECT_FALSE(ed25519_verify(pub, std::string(signed_part) + "x", base64_decode(b64)));
  }
}

TEST(BinanceSigner, Ed25519RejectsOtherKeys) {
  EXPECT_EQ(Ed25519Signer::from_pem("k", "not a pem").error(), SignError::kBadKey);
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr);
  EVP_PKEY* key = nullptr;
  ASSERT_EQ(EVP_PKEY_keygen_init(kctx), 1);
  ASSERT_EQ(EVP_PKEY_keygen(kctx, &key), 1);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  EXPECT_EQ(
      Ed25519Signer::from_pem("k", std::string_view(data, static_cast<std::size_t>(len))).error(),
      SignError::kBadKey);
  BIO_free(bio);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(kctx);
}

}  // namespace
}  // namespace peregrine::gateways::binance
