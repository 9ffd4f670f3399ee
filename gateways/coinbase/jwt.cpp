#include "gateways/coinbase/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <simdjson.h>

#include <stdexcept>

#include "gateways/coinbase/json_util.hpp"

namespace peregrine::gateways::coinbase {
namespace {

using common::Result;
using common::Unexpected;

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kSigB64Len = 86;  // 64 bytes, unpadded base64url

constexpr std::size_t b64url_len(std::size_t n) noexcept { return (n * 4 + 2) / 3; }

std::size_t b64url_encode(const unsigned char* in, std::size_t n, char* out) noexcept {
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | std::uint32_t{in[i + 2]};
    out[o++] = kB64Url[(v >> 18) & 63];
    out[o++] = kB64Url[(v >> 12) & 63];
    out[o++] = kB64Url[(v >> 6) & 63];
    out[o++] = kB64Url[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    out[o++] = kB64Url[(v >> 18) & 63];
    out[o++] = kB64Url[(v >> 12) & 63];
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    out[o++] = kB64Url[(v >> 18) & 63];
    out[o++] = kB64Url[(v >> 12) & 63];
    out[o++] = kB64Url[(v >> 6) & 63];
  }
  return o;
}

int b64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: unpadded base64url, no stray bits in the last character.
bool b64url_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 == 1) return false;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = b64url_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return (acc & ((1u << bits) - 1)) == 0;
}

// JSON-safe without escaping: printable ASCII except '"' and '\'.
bool json_safe(std::string_view s) noexcept {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

void put_i64(detail::FixedWriter& w, std::int64_t v) noexcept {
  if (v < 0) {
    w.put('-');
    w.put_u64(~static_cast<std::uint64_t>(v) + 1);
  } else {
    w.put_u64(static_cast<std::uint64_t>(v));
  }
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct SigDeleter {
  void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};
struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};

// ES256 over `input`; writes the JOSE r||s (64 bytes). DER from OpenSSL is converted with the
// non-deprecated d2i_ECDSA_SIG / ECDSA_SIG_get0.
bool es256_sign(EVP_PKEY* pkey, std::string_view input, unsigned char raw[64]) noexcept {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) {
    ERR_clear_error();
    return false;
  }
  unsigned char der[80];
  std::size_t der_len = sizeof(der);
  if (EVP_DigestSign(ctx.get(), der, &der_len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    ERR_clear_error();
    return false;
  }
  const unsigned char* p = der;
  std::unique_ptr<ECDSA_SIG, SigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) {
    ERR_clear_error();
    return false;
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
}

bool es256_verify(EVP_PKEY* pkey, std::string_view input, const unsigned char raw[64]) noexcept {
  std::unique_ptr<ECDSA_SIG, SigDeleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw + 32, 32, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ERR_clear_error();
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) {
    ERR_clear_error();
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  OPENSSL_free(der);
  ERR_clear_error();
  return ok;
}

// Writes b64url(header) '.' b64url(claims) '.' b64url(sig) into out.
Result<std::size_t, JwtError> assemble(EVP_PKEY* pkey, std::string_view header,
                                       std::string_view claims, char* out,
                                       std::size_t cap) noexcept {
  const std::size_t need =
      b64url_len(header.size()) + 1 + b64url_len(claims.size()) + 1 + kSigB64Len;
  if (need > cap) return Unexpected{JwtError::kBufferTooSmall};
  std::size_t n =
      b64url_encode(reinterpret_cast<const unsigned char*>(header.data()), header.size(), out);
  out[n++] = '.';
  n += b64url_encode(reinterpret_cast<const unsigned char*>(claims.data()), claims.size(), out + n);
  unsigned char raw[64];
  if (!es256_sign(pkey, std::string_view(out, n), raw)) return Unexpected{JwtError::kSignFailed};
  out[n++] = '.';
  n += b64url_encode(raw, sizeof(raw), out + n);
  return n;
}

int no_password(char*, int, int, void*) { return 0; }  // never prompt on a terminal

// Header/claims members: strings, integers; anything else in a known member is an error.
JwtError read_segment(const std::string& json, bool header, JwtClaims& c) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  const JwtError bad = header ? JwtError::kBadHeaderJson : JwtError::kBadClaimsJson;
  if (parser.parse(json).get_object().get(obj) != simdjson::SUCCESS) return bad;
  for (const auto field : obj) {
    const std::string_view k = field.key;
    std::string_view sv;
    const auto str = [&](std::string& dst) {
      if (field.value.get_string().get(sv) != simdjson::SUCCESS) return false;
      dst.assign(sv);
      return true;
    };
    bool ok = true;
    if (header) {
      if (k == "alg") {
        ok = str(c.alg);
      } else if (k == "typ") {
        ok = str(c.typ);
        c.has_typ = true;
      } else if (k == "kid") {
        ok = str(c.kid);
      } else if (k == "nonce") {
        ok = str(c.nonce);
      }
    } else {
      if (k == "iss") {
        ok = str(c.iss);
      } else if (k == "sub") {
        ok = str(c.sub);
      } else if (k == "uri") {
        ok = str(c.uri);
        c.has_uri = true;
      } else if (k == "nbf") {
        ok = field.value.get_int64().get(c.nbf) == simdjson::SUCCESS;
        c.has_nbf = ok;
      } else if (k == "exp") {
        ok = field.value.get_int64().get(c.exp) == simdjson::SUCCESS;
        c.has_exp = ok;
      }
    }
    if (!ok) return bad;
  }
  return JwtError::kOk;
}

struct Segments {
  std::string_view header, claims, signature, signing_input;
};

bool split(std::string_view token, Segments& s) noexcept {
  const auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return false;
  const auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return false;
  }
  s.header = token.substr(0, d1);
  s.claims = token.substr(d1 + 1, d2 - d1 - 1);
  s.signature = token.substr(d2 + 1);
  s.signing_input = token.substr(0, d2);
  return !s.header.empty() && !s.claims.empty() && !s.signature.empty();
}

}  // namespace

std::string_view to_string(JwtError e) noexcept {
  switch (e) {
    case JwtError::kOk:
      return "ok";
    case JwtError::kBadPem:
      return "not a readable PEM key";
    case JwtError::kNotP256:
      return "key is not an EC P-256 key";
    case JwtError::kNoPrivateKey:
      return "a private key is required";
    case JwtError::kBadKeyName:
      return "bad key name";
    case JwtError::kBadUri:
      return "bad uri";
    case JwtError::kBufferTooSmall:
      return "output buffer too small";
    case JwtError::kRandFailed:
      return "RAND_bytes failed";
    case JwtError::kSignFailed:
      return "ES256 signing failed";
    case JwtError::kMalformed:
      return "malformed token (expected header.claims.signature)";
    case JwtError::kBadBase64:
      return "segment is not unpadded base64url";
    case JwtError::kBadHeaderJson:
      return "header is not a valid JSON object";
    case JwtError::kBadAlg:
      return "alg is not ES256";
    case JwtError::kBadTyp:
      return "typ is not JWT";
    case JwtError::kMissingKid:
      return "kid missing";
    case JwtError::kKidMismatch:
      return "kid does not match the key name";
    case JwtError::kMissingNonce:
      return "nonce missing";
    case JwtError::kBadSignatureLength:
      return "signature is not 64 bytes (r||s)";
    case JwtError::kBadSignature:
      return "signature does not verify";
    case JwtError::kBadClaimsJson:
      return "claims are not a valid JSON object";
    case JwtError::kBadIssuer:
      return "iss is not cdp";
    case JwtError::kSubjectMismatch:
      return "sub does not match kid";
    case JwtError::kMissingTimes:
      return "nbf or exp missing";
    case JwtError::kNotYetValid:
      return "token not yet valid (nbf in the future)";
    case JwtError::kExpired:
      return "token expired";
    case JwtError::kBadLifetime:
      return "exp - nbf outside (0, max lifetime]";
    case JwtError::kMissingUri:
      return "uri claim missing";
    case JwtError::kUriMismatch:
      return "uri does not match the request";
    case JwtError::kUnexpectedUri:
      return "WebSocket token carries a uri";
  }
  return "unknown jwt error";
}

// ---- EcKey --------------------------------------------------------------------------------

Result<std::shared_ptr<const EcKey>, JwtError> EcKey::from_pem(std::string_view pem) {
  std::string text;
  text.reserve(pem.size());
  for (std::size_t i = 0; i < pem.size(); ++i) {
    if (pem[i] == '\\' && i + 1 < pem.size() && pem[i + 1] == 'n') {
      text.push_back('\n');
      ++i;
    } else {
      text.push_back(pem[i]);
    }
  }
  const bool is_private = text.find("PRIVATE KEY-----") != std::string::npos;
  const bool is_public = text.find("BEGIN PUBLIC KEY-----") != std::string::npos;
  if (!is_private && !is_public) return Unexpected{JwtError::kBadPem};
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return Unexpected{JwtError::kBadPem};
  EVP_PKEY* pkey = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_password, nullptr)
                              : PEM_read_bio_PUBKEY(bio.get(), nullptr, &no_password, nullptr);
  ERR_clear_error();
  // The key text is not needed any more; do not leave it in freed memory.
  OPENSSL_cleanse(text.data(), text.size());
  if (pkey == nullptr) return Unexpected{JwtError::kBadPem};
  char group[64] = {};
  std::size_t group_len = 0;
  const bool p256 = EVP_PKEY_is_a(pkey, "EC") == 1 &&
                    EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) == 1 &&
                    (std::string_view(group, group_len) == "prime256v1" ||
                     std::string_view(group, group_len) == "P-256");
  if (!p256) {
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return Unexpected{JwtError::kNotP256};
  }
  return std::shared_ptr<const EcKey>(new EcKey(pkey, is_private));
}

EcKey::~EcKey() { EVP_PKEY_free(pkey_); }

std::string EcKey::public_pem() const {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_) != 1) {
    ERR_clear_error();
    throw std::runtime_error("cannot encode the public key");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// ---- Minting ------------------------------------------------------------------------------

std::size_t format_jwt_uri(std::string_view method, std::string_view path, char* out,
                           std::size_t cap, std::string_view host) noexcept {
  if (method.empty() || path.empty() || path[0] != '/' || host.empty()) return 0;
  for (const char c : path) {
    if (c == '?' || c == '#' || c == ' ' || c == '"' || c == '\\' ||
        static_cast<unsigned char>(c) < 0x20) {
      return 0;
    }
  }
  detail::FixedWriter w(out, cap);
  for (const char c : method) w.put(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
  w.put(' ');
  w.put(host);
  w.put(path);
  return w.overflow() ? 0 : w.size();
}

JwtMinter::JwtMinter(std::shared_ptr<const EcKey> key, std::string key_name)
    : key_(std::move(key)), key_name_(std::move(key_name)) {
  if (!key_ || !key_->has_private()) throw std::invalid_argument("JwtMinter: needs a private key");
  if (key_name_.empty() || key_name_.size() > kMaxKeyNameBytes || !json_safe(key_name_)) {
    throw std::invalid_argument("JwtMinter: bad key name");
  }
}

Result<std::size_t, JwtError> JwtMinter::mint(std::string_view uri, std::int64_t now_s, char* out,
                                              std::size_t cap) const noexcept {
  unsigned char rnd[kJwtNonceBytes];
  if (RAND_bytes(rnd, static_cast<int>(sizeof(rnd))) != 1) {
    ERR_clear_error();
    return Unexpected{JwtError::kRandFailed};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  char nonce[2 * kJwtNonceBytes];
  for (std::size_t i = 0; i < kJwtNonceBytes; ++i) {
    nonce[2 * i] = kHex[rnd[i] >> 4];
    nonce[2 * i + 1] = kHex[rnd[i] & 0xf];
  }
  return mint_with_nonce(uri, now_s, std::string_view(nonce, sizeof(nonce)), out, cap);
}

Result<std::size_t, JwtError> JwtMinter::mint_with_nonce(std::string_view uri, std::int64_t now_s,
                                                         std::string_view nonce, char* out,
                                                         std::size_t cap) const noexcept {
  if (uri.size() > kMaxJwtUriBytes || !json_safe(uri)) return Unexpected{JwtError::kBadUri};
  if (nonce.empty() || nonce.size() > 128 || !json_safe(nonce)) {
    return Unexpected{JwtError::kMissingNonce};
  }
  char header[kMaxJwtBytes];
  detail::FixedWriter h(header, sizeof(header));
  h.put(R"({"alg":"ES256","kid":")");
  h.put(key_name_);
  h.put(R"(","nonce":")");
  h.put(nonce);
  h.put(R"(","typ":"JWT"})");
  char claims[kMaxJwtBytes];
  detail::FixedWriter c(claims, sizeof(claims));
  c.put(R"({"sub":")");
  c.put(key_name_);
  c.put(R"(","iss":"cdp","nbf":)");
  put_i64(c, now_s);
  c.put(R"(,"exp":)");
  put_i64(c, now_s + kJwtLifetimeS);
  if (!uri.empty()) {
    c.put(R"(,"uri":")");
    c.put(uri);
    c.put('"');
  }
  c.put('}');
  if (h.overflow() || c.overflow()) return Unexpected{JwtError::kBufferTooSmall};
  return assemble(key_->pkey(), std::string_view(header, h.size()),
                  std::string_view(claims, c.size()), out, cap);
}

std::string JwtMinter::mint_rest(std::string_view method, std::string_view path,
                                 std::int64_t now_s) const {
  char uri[kMaxJwtUriBytes];
  const std::size_t n = format_jwt_uri(method, path, uri, sizeof(uri));
  if (n == 0) throw std::runtime_error("bad method or path for a JWT uri");
  char out[kMaxJwtBytes];
  const auto r = mint(std::string_view(uri, n), now_s, out, sizeof(out));
  if (!r) throw std::runtime_error(std::string(to_string(r.error())));
  return std::string(out, *r);
}

std::string JwtMinter::mint_ws(std::int64_t now_s) const {
  char out[kMaxJwtBytes];
  const auto r = mint({}, now_s, out, sizeof(out));
  if (!r) throw std::runtime_error(std::string(to_string(r.error())));
  return std::string(out, *r);
}

std::string JwtMinter::sign_raw(std::string_view header_json, std::string_view claims_json) const {
  std::string out(b64url_len(header_json.size()) + b64url_len(claims_json.size()) + 2 + kSigB64Len,
                  '\0');
  const auto r = assemble(key_->pkey(), header_json, claims_json, out.data(), out.size());
  if (!r) throw std::runtime_error(std::string(to_string(r.error())));
  out.resize(*r);
  return out;
}

// ---- Verification -------------------------------------------------------------------------

Result<JwtClaims, JwtError> decode_jwt(std::string_view token) {
  Segments seg;
  if (!split(token, seg)) return Unexpected{JwtError::kMalformed};
  JwtClaims c;
  if (!b64url_decode(seg.header, c.header_json) || !b64url_decode(seg.claims, c.claims_json)) {
    return Unexpected{JwtError::kBadBase64};
  }
  if (const JwtError e = read_segment(c.header_json, true, c); e != JwtError::kOk) {
    return Unexpected{e};
  }
  if (const JwtError e = read_segment(c.claims_json, false, c); e != JwtError::kOk) {
    return Unexpected{e};
  }
  return c;
}

Result<JwtClaims, JwtError> verify_jwt(std::string_view token, const EcKey& key,
                                       const JwtVerifyOptions& o) {
  auto decoded = decode_jwt(token);
  if (!decoded) return decoded;
  const JwtClaims& c = *decoded;
  if (c.alg != "ES256") return Unexpected{JwtError::kBadAlg};
  if (c.has_typ && c.typ != "JWT") return Unexpected{JwtError::kBadTyp};
  if (c.kid.empty()) return Unexpected{JwtError::kMissingKid};
  if (!o.key_name.empty() && c.kid != o.key_name) return Unexpected{JwtError::kKidMismatch};
  if (c.nonce.empty()) return Unexpected{JwtError::kMissingNonce};

  Segments seg;
  static_cast<void>(split(token, seg));
  std::string sig;
  if (!b64url_decode(seg.signature, sig)) return Unexpected{JwtError::kBadBase64};
  if (sig.size() != 64) return Unexpected{JwtError::kBadSignatureLength};
  if (!es256_verify(key.pkey(), seg.signing_input,
                    reinterpret_cast<const unsigned char*>(sig.data()))) {
    return Unexpected{JwtError::kBadSignature};
  }

  // "cdp" is what the venue's SDKs sign with now; "coinbase-cloud" is the issuer of the older
  // Cloud API key tokens, which the venue still accepts (ccxt 4.5 signs with it).
  if (c.iss != kJwtIssuer && c.iss != kLegacyJwtIssuer) return Unexpected{JwtError::kBadIssuer};
  if (c.sub != c.kid) return Unexpected{JwtError::kSubjectMismatch};
  if (!c.has_nbf || !c.has_exp) return Unexpected{JwtError::kMissingTimes};
  if (c.nbf > o.now_s + o.leeway_s) return Unexpected{JwtError::kNotYetValid};
  if (c.exp <= o.now_s - o.leeway_s) return Unexpected{JwtError::kExpired};
  if (c.exp <= c.nbf || c.exp - c.nbf > o.max_lifetime_s) {
    return Unexpected{JwtError::kBadLifetime};
  }
  if (o.websocket) {
    if (c.has_uri) return Unexpected{JwtError::kUnexpectedUri};
  } else if (!o.uri.empty()) {
    if (!c.has_uri) return Unexpected{JwtError::kMissingUri};
    if (c.uri != o.uri) return Unexpected{JwtError::kUriMismatch};
  }
  return decoded;
}

}  // namespace peregrine::gateways::coinbase
