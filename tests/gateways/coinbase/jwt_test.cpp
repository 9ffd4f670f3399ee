#include "gateways/coinbase/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gateways/coinbase/test_keys.hpp"

namespace peregrine::gateways::coinbase {
namespace {

using testing::generate_ec;
using testing::PemKind;
using testing::to_pem;

constexpr std::int64_t kNow = 1'786'309'548;  // 2026-08-09, the capture's time
constexpr const char* kKeyName = "organizations/0f0e0d0c/apiKeys/5a5b5c5d";
constexpr const char* kOrdersUri = "POST api.coinbase.com/api/v3/brokerage/orders";

// --- An independent JOSE/ES256 reader: base64url, JSON and EVP verification written here. ---

std::string b64url_decode(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-') v = 62;
    if (c == '_') v = 63;
    if (v < 0) throw std::runtime_error("not base64url");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string b64url_encode(std::string_view in) {
  static constexpr char kA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto v = (std::uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                   (std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) |
                   static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kA[(v >> s) & 63]);
  }
  const std::size_t rest = in.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{static_cast<unsigned char>(in[i])} << 16;
    if (rest == 2) v |= std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8;
    out.push_back(kA[(v >> 18) & 63]);
    out.push_back(kA[(v >> 12) & 63]);
    if (rest == 2) out.push_back(kA[(v >> 6) & 63]);
  }
  return out;
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Verifies the JOSE r||s signature over "header.claims" with EVP after rebuilding the DER form.
bool openssl_verify(const std::string& token, const std::string& public_pem) {
  const auto parts = split(token);
  if (parts.size() != 3) return false;
  const std::string sig = b64url_decode(parts[2]);
  if (sig.size() != 64) return false;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size())), &BIO_free);
  testing::PkeyPtr pub(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pub) return false;
  ECDSA_SIG* es = ECDSA_SIG_new();
  const auto* raw = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es);
  const std::string input = parts[0] + "." + parts[1];
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pub.get()) == 1 &&
      EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

struct Keys {
  testing::PkeyPtr pkey = generate_ec();
  std::string sec1 = to_pem(pkey.get(), PemKind::kSec1);
  std::string pkcs8 = to_pem(pkey.get(), PemKind::kPkcs8);
  std::string pub = to_pem(pkey.get(), PemKind::kPublic);
};

std::shared_ptr<const EcKey> load(const std::string& pem) {
  auto k = EcKey::from_pem(pem);
  EXPECT_TRUE(k.ok()) << (k.ok() ? "" : to_string(k.error()));
  return k.ok() ? *k : nullptr;
}

class JwtTest : public ::testing::Test {
 protected:
  Keys keys_;
  std::shared_ptr<const EcKey> key_ = load(keys_.sec1);
  JwtMinter minter_{key_, kKeyName};

  [[nodiscard]] JwtVerifyOptions opts(std::int64_t now, std::string_view uri = kOrdersUri) const {
    JwtVerifyOptions o;
    o.now_s = now;
    o.key_name = kKeyName;
    o.uri = uri;
    return o;
  }
};

TEST_F(JwtTest, MintedTokenVerifiesIndependently) {
  const std::string token = minter_.mint_rest("POST", "/api/v3/brokerage/orders", kNow);
  const auto parts = split(token);
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& p : parts) EXPECT_EQ(p.find('='), std::string::npos) << "unpadded";

  // Header: exactly {alg, kid, nonce, typ} in that (sorted, PyJWT) order.
  const std::string header = b64url_decode(parts[0]);
  simdjson::dom::parser parser;
  simdjson::dom::object h = parser.parse(header).get_object().value();
  std::vector<std::string> keys;
  for (const auto f : h) keys.emplace_back(f.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"alg", "kid", "nonce", "typ"}));
  EXPECT_EQ(std::string_view(h["alg"].get_string().value()), "ES256");
  EXPECT_EQ(std::string_view(h["kid"].get_string().value()), kKeyName);
  EXPECT_EQ(std::string_view(h["typ"].get_string().value()), "JWT");
  const std::string_view nonce = h["nonce"].get_string().value();
  EXPECT_EQ(nonce.size(), 2 * kJwtNonceBytes);
  EXPECT_EQ(nonce.find_first_not_of("0123456789abcdef"), std::string_view::npos);

  // Claims in the official SDK's order: sub, iss, nbf, exp, uri.
  const std::string claims = b64url_decode(parts[1]);
  EXPECT_EQ(claims, std::string(R"({"sub":")") + kKeyName +
                        R"(","iss":"cdp","nbf":1786309548,"exp":1786309668,"uri":")" + kOrdersUri +
                        R"("})");

  EXPECT_TRUE(openssl_verify(token, keys_.pub));
  std::string tampered = token;
  tampered[parts[0].size() + 5] ^= 0x01;  // one claims byte
  EXPECT_FALSE(openssl_verify(tampered, keys_.pub));

  const auto v = verify_jwt(token, *load(keys_.pub), opts(kNow));
  ASSERT_TRUE(v.ok()) << to_string(v.error());
  EXPECT_EQ(v->uri, kOrdersUri);
  EXPECT_EQ(v->exp - v->nbf, 120);
}

TEST_F(JwtTest, NoncesAreFreshAndSignaturesRandomized) {
  const std::string a = minter_.mint_rest("POST", "/api/v3/brokerage/orders", kNow);
  const std::string b = minter_.mint_rest("POST", "/api/v3/brokerage/orders", kNow);
  EXPECT_NE(split(a)[0], split(b)[0]);
  char buf1[kMaxJwtBytes], buf2[kMaxJwtBytes];
  const auto r1 = minter_.mint_with_nonce(kOrdersUri, kNow, "00ff", buf1, sizeof(buf1));
  const auto r2 = minter_.mint_with_nonce(kOrdersUri, kNow, "00ff", buf2, sizeof(buf2));
  ASSERT_TRUE(r1.ok() && r2.ok());
  const std::string t1(buf1, *r1), t2(buf2, *r2);
  EXPECT_EQ(split(t1)[0], split(t2)[0]);
  EXPECT_EQ(split(t1)[1], split(t2)[1]);
  EXPECT_NE(split(t1)[2], split(t2)[2]) << "ECDSA k is random";
  EXPECT_TRUE(openssl_verify(t1, keys_.pub));
  EXPECT_TRUE(openssl_verify(t2, keys_.pub));
}

TEST_F(JwtTest, LoadsSec1Pkcs8EscapedAndPublicPems) {
  const auto pkcs8 = load(keys_.pkcs8);
  ASSERT_NE(pkcs8, nullptr);
  EXPECT_TRUE(pkcs8->has_private());
  EXPECT_EQ(pkcs8->public_pem(), keys_.pub);
  const auto pub = load(keys_.pub);
  ASSERT_NE(pub, nullptr);
  EXPECT_FALSE(pub->has_private());
  EXPECT_THROW(JwtMinter(pub, kKeyName), std::invalid_argument);
  EXPECT_THROW(JwtMinter(key_, ""), std::invalid_argument);
  EXPECT_THROW(JwtMinter(key_, "bad\"name"), std::invalid_argument);

  // The SDK's published test key, with literal "\n" escapes as pasted from a JSON key file.
  const auto sdk = load(testing::kSdkTestKeyEscaped);
  ASSERT_NE(sdk, nullptr);
  const JwtMinter m(sdk, testing::kSdkTestKeyName);
  const std::string ws = m.mint_ws(kNow);
  EXPECT_TRUE(openssl_verify(ws, sdk->public_pem()));
  JwtVerifyOptions o;
  o.now_s = kNow + 60;
  o.websocket = true;
  const auto v = verify_jwt(ws, *sdk, o);
  ASSERT_TRUE(v.ok()) << to_string(v.error());
  EXPECT_FALSE(v->has_uri);
  EXPECT_EQ(v->claims_json.find("uri"), std::string::npos);
}

TEST_F(JwtTest, RejectsNonP256AndGarbage) {
  const auto p384 = generate_ec("P-384");
  const auto r = EcKey::from_pem(to_pem(p384.get(), PemKind::kSec1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), JwtError::kNotP256);
  EXPECT_EQ(EcKey::from_pem("hello").error(), JwtError::kBadPem);
  std::string broken = keys_.sec1;
  broken[broken.size() / 2] = '!';
  EXPECT_EQ(EcKey::from_pem(broken).error(), JwtError::kBadPem);
}

TEST_F(JwtTest, ClaimChecksReportTheRightReason) {
  const std::string token = minter_.mint_rest("POST", "/api/v3/brokerage/orders", kNow);
  const auto reason = [&](const std::string& t, const JwtVerifyOptions& o) {
    const auto r = verify_jwt(t, *key_, o);
    return r.ok() ? JwtError::kOk : r.error();
  };
  EXPECT_EQ(reason(token, opts(kNow)), JwtError::kOk);
  EXPECT_EQ(reason(token, opts(kNow + 119)), JwtError::kOk);
  EXPECT_EQ(reason(token, opts(kNow + 120)), JwtError::kExpired);
  EXPECT_EQ(reason(token, opts(kNow - 1)), JwtError::kNotYetValid);
  auto lenient = opts(kNow - 1);
  lenient.leeway_s = 1;
  EXPECT_EQ(reason(token, lenient), JwtError::kOk);
  EXPECT_EQ(reason(token, opts(kNow, "GET api.coinbase.com/api/v3/brokerage/orders")),
            JwtError::kUriMismatch);
  auto other_kid = opts(kNow);
  other_kid.key_name = "organizations/x/apiKeys/y";
  EXPECT_EQ(reason(token, other_kid), JwtError::kKidMismatch);
  auto ws = opts(kNow, "");
  ws.websocket = true;
  EXPECT_EQ(reason(token, ws), JwtError::kUnexpectedUri);
  EXPECT_EQ(reason(minter_.mint_ws(kNow), opts(kNow)), JwtError::kMissingUri);

  // Tampering with a signed segment breaks the signature, whatever was changed.
  const auto parts = split(token);
  const std::string claims = b64url_decode(parts[1]);
  std::string forged = claims;
  forged.replace(forged.find("POST"), 4, "GET ");
  EXPECT_EQ(reason(parts[0] + "." + b64url_encode(forged) + "." + parts[2], opts(kNow)),
            JwtError::kBadSignature);
  std::string later = claims;
  later.replace(later.find("1786309668"), 10, "1786399668");
  EXPECT_EQ(reason(parts[0] + "." + b64url_encode(later) + "." + parts[2], opts(kNow + 200)),
            JwtError::kBadSignature);
  // Another key's signature.
  Keys other;
  EXPECT_EQ(reason(token, opts(kNow)), JwtError::kOk);
  EXPECT_EQ(verify_jwt(token, *load(other.pub), opts(kNow)).error(), JwtError::kBadSignature);
}

TEST_F(JwtTest, StructuralAndHeaderChecks) {
  const auto reason = [&](const std::string& t, std::int64_t now = kNow) {
    const auto r = verify_jwt(t, *key_, [&] {
      JwtVerifyOptions o;
      o.now_s = now;
      return o;
    }());
    return r.ok() ? JwtError::kOk : r.error();
  };
  const std::string good_claims =
      std::string(R"({"sub":")") + kKeyName + R"(","iss":"cdp","nbf":1786309548,"exp":1786309668})";
  const std::string good_header =
      std::string(R"({"alg":"ES256","kid":")") + kKeyName + R"(","nonce":"ab","typ":"JWT"})";
  EXPECT_EQ(reason(minter_.sign_raw(good_header, good_claims)), JwtError::kOk);

  EXPECT_EQ(reason("a.b"), JwtError::kMalformed);
  EXPECT_EQ(reason("a.b.c.d"), JwtError::kMalformed);
  const std::string token = minter_.sign_raw(good_header, good_claims);
  EXPECT_EQ(reason(token + "="), JwtError::kBadBase64);
  EXPECT_EQ(reason(b64url_encode("[1]") + "." + split(token)[1] + "." + split(token)[2]),
            JwtError::kBadHeaderJson);
  const std::string short_sig =
      split(token)[0] + "." + split(token)[1] + "." + b64url_encode(std::string(63, 'x'));
  EXPECT_EQ(reason(short_sig), JwtError::kBadSignatureLength);

  const auto with_header = [&](const std::string& h) { return minter_.sign_raw(h, good_claims); };
  EXPECT_EQ(reason(with_header(R"({"alg":"none","kid":"k","nonce":"n"})")), JwtError::kBadAlg);
  EXPECT_EQ(reason(with_header(R"({"alg":"ES256","kid":"k","nonce":"n","typ":"JWS"})")),
            JwtError::kBadTyp);
  EXPECT_EQ(reason(with_header(R"({"alg":"ES256","nonce":"n"})")), JwtError::kMissingKid);
  EXPECT_EQ(reason(with_header(std::string(R"({"alg":"ES256","kid":")") + kKeyName + "\"}")),
            JwtError::kMissingNonce);

  const auto with_claims = [&](const std::string& c) { return minter_.sign_raw(good_header, c); };
  const std::string sub = std::string(R"({"sub":")") + kKeyName + "\"";
  EXPECT_EQ(reason(with_claims(sub + R"(,"iss":"coinbase","nbf":1786309548,"exp":1786309668})")),
            JwtError::kBadIssuer);
  // The legacy Cloud-key issuer is still accepted by the venue (ccxt signs with it); a token
  // that differs only in `iss` then fails later, on the missing uri, not on the issuer.
  EXPECT_EQ(
      reason(with_claims(sub + R"(,"iss":"coinbase-cloud","nbf":1786309548,"exp":1786309668})")),
      reason(with_claims(sub + R"(,"iss":"cdp","nbf":1786309548,"exp":1786309668})")));
  EXPECT_EQ(
      reason(with_claims(R"({"sub":"someone","iss":"cdp","nbf":1786309548,"exp":1786309668})")),
      JwtError::kSubjectMismatch);
  EXPECT_EQ(reason(with_claims(sub + R"(,"iss":"cdp","exp":1786309668})")),
            JwtError::kMissingTimes);
  EXPECT_EQ(reason(with_claims(sub + R"(,"iss":"cdp","nbf":"1786309548","exp":1786309668})")),
            JwtError::kBadClaimsJson);
  EXPECT_EQ(reason(with_claims(sub + R"(,"iss":"cdp","nbf":1786309548,"exp":1786309969})")),
            JwtError::kBadLifetime);
}

TEST(JwtUri, FormatsMethodHostPath) {
  char buf[128];
  const std::size_t n = format_jwt_uri("get", "/api/v3/brokerage/accounts", buf, sizeof(buf));
  EXPECT_EQ(std::string_view(buf, n), "GET api.coinbase.com/api/v3/brokerage/accounts");
  EXPECT_EQ(format_jwt_uri("GET", "/api/v3/brokerage/orders?limit=1", buf, sizeof(buf)), 0u);
  EXPECT_EQ(format_jwt_uri("GET", "api/v3", buf, sizeof(buf)), 0u);
  EXPECT_EQ(format_jwt_uri("GET", "/api/v3/brokerage/accounts", buf, 10), 0u);
}

// ---- JwtCache --------------------------------------------------------------------------------

constexpr common::Nanos kSec = 1'000'000'000;

std::int64_t exp_of(std::string_view token) {
  const auto parts = split(std::string(token));
  simdjson::dom::parser parser;
  return parser.parse(b64url_decode(parts[1]))["exp"].get_int64().value();
}

TEST_F(JwtTest, CacheNeverHandsOutLessThanThirtySeconds) {
  JwtCache cache(minter_, "POST", "/api/v3/brokerage/orders");
  EXPECT_EQ(cache.uri(), kOrdersUri);
  const common::Nanos t0 = kNow * kSec + 123'456'789;
  EXPECT_TRUE(cache.current(t0).empty()) << "nothing minted yet";
  EXPECT_EQ(cache.misses(), 1u);

  // The side thread runs every 7 s; the consumer asks every 250 ms for 10 minutes.
  std::uint64_t handed = 0;
  for (common::Nanos t = t0; t < t0 + 600 * kSec; t += kSec / 4) {
    if ((t - t0) % (7 * kSec) == 0) {
      ASSERT_NE(cache.refresh(t), JwtCache::Refresh::kFailed);
    }
    const std::string_view tok = cache.current(t);
    if (tok.empty()) continue;
    ++handed;
    EXPECT_GE(exp_of(tok) * kSec - t, JwtCache::kMinRemaining);
  }
  EXPECT_GT(handed, 2000u);
  EXPECT_GE(cache.mints(), 9u);
  EXPECT_LE(cache.mints(), 12u) << "refreshes only when < 60 s remain";
  const std::string_view last = cache.current(t0 + 600 * kSec);
  ASSERT_FALSE(last.empty());
  const auto v = verify_jwt(last, *key_, opts(kNow + 600));
  EXPECT_TRUE(v.ok()) << to_string(v.error());

  // Without refreshes the token ages out: nothing below 30 s is ever handed out.
  const common::Nanos stale = (exp_of(last) - 29) * kSec;
  const std::uint64_t misses = cache.misses();
  EXPECT_TRUE(cache.current(stale).empty());
  EXPECT_EQ(cache.misses(), misses + 1);
  EXPECT_FALSE(cache.current((exp_of(last) - 30) * kSec).empty());
}

TEST_F(JwtTest, CacheRejectsBadConfiguration) {
  EXPECT_THROW(JwtCache(minter_, "POST", "/orders?x=1"), std::invalid_argument);
  EXPECT_THROW(JwtCache(minter_, "POST", "/api/v3/brokerage/orders", 30 * kSec),
               std::invalid_argument);
  EXPECT_THROW(JwtCache(minter_, "POST", "/api/v3/brokerage/orders", 120 * kSec),
               std::invalid_argument);
  auto ws = JwtCache::websocket(minter_);
  ASSERT_EQ(ws->refresh(kNow * kSec), JwtCache::Refresh::kMinted);
  EXPECT_EQ(ws->refresh(kNow * kSec + kSec), JwtCache::Refresh::kFresh);
  const std::string_view t = ws->current(kNow * kSec + kSec);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(decode_jwt(t)->has_uri, false);
}

// A side thread republishing as fast as it can sign while the consumer reads: every token handed
// out must be whole (it verifies) and inside its validity window. Run under TSan in CI.
TEST_F(JwtTest, CacheHandoutIsRaceFree) {
  // Bounded by work, not by time, so a loaded machine cannot make it flaky: the side thread
  // publishes up to kPublishes tokens; the consumer reads until it has verified kWanted distinct
  // tokens or the side thread is done.
  constexpr int kPublishes = 3000;
  constexpr std::uint64_t kWanted = 20;
  JwtCache cache(minter_, "POST", "/api/v3/brokerage/orders");
  std::atomic<common::Nanos> side_now{kNow * kSec};
  std::atomic<int> published{0};
  std::atomic<bool> stop{false};
  ASSERT_EQ(cache.refresh(side_now.load()), JwtCache::Refresh::kMinted);
  std::thread side([&] {
    while (!stop.load(std::memory_order_relaxed) && published.load() < kPublishes) {
      // 61 s per step: every refresh mints and publishes.
      const common::Nanos t = side_now.load(std::memory_order_relaxed) + 61 * kSec;
      if (cache.refresh(t) != JwtCache::Refresh::kMinted) ADD_FAILURE() << "refresh failed";
      side_now.store(t, std::memory_order_release);
      published.fetch_add(1, std::memory_order_release);
    }
  });
  std::uint64_t checked = 0;
  std::string previous;
  while (checked < kWanted && published.load(std::memory_order_acquire) < kPublishes) {
    const common::Nanos t = side_now.load(std::memory_order_acquire);
    const std::string_view tok = cache.current(t);
    if (tok.empty() || tok == previous) {
      std::this_thread::yield();
      continue;
    }
    previous.assign(tok);
    const auto v = verify_jwt(tok, *key_, opts(t / kSec));
    if (!v.ok()) {
      ADD_FAILURE() << "torn or invalid token: " << to_string(v.error());
      break;
    }
    EXPECT_GE(v->exp * kSec - t, JwtCache::kMinRemaining);
    ++checked;
  }
  stop.store(true);
  side.join();
  EXPECT_GE(checked, kWanted);
  EXPECT_EQ(cache.failures(), 0u);
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
