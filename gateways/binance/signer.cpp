#include "gateways/binance/signer.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstring>
#include <utility>

namespace peregrine::gateways::binance {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string_view to_string(SignError e) noexcept {
  switch (e) {
    case SignError::kOk:
      return "ok";
    case SignError::kBufferFull:
      return "request buffer full";
    case SignError::kBadKey:
      return "key rejected";
    case SignError::kCrypto:
      return "signing failed";
  }
  return "unknown sign error";
}

// ---- QueryWriter ------------------------------------------------------------------------------

char* QueryWriter::reserve(std::size_t n) noexcept {
  if (!ok_ || n > cap_ - len_) {
    ok_ = false;
    return nullptr;
  }
  return buf_ + len_;
}

QueryWriter& QueryWriter::append(std::string_view bytes) noexcept {
  char* p = reserve(bytes.size());
  if (p != nullptr) {
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    commit(bytes.size());
  }
  return *this;
}

bool QueryWriter::begin_pair(std::string_view key) noexcept {
  const std::size_t sep = len_ == 0 ? 0 : 1;
  char* p = reserve(sep + key.size() + 1);
  if (p == nullptr) return false;
  if (sep != 0) *p++ = '&';
  std::memcpy(p, key.data(), key.size());
  p[key.size()] = '=';
  commit(sep + key.size() + 1);
  return true;
}

QueryWriter& QueryWriter::add_raw(std::string_view key, std::string_view value) noexcept {
  if (begin_pair(key)) append(value);
  return *this;
}

QueryWriter& QueryWriter::add(std::string_view key, std::string_view value) noexcept {
  if (!begin_pair(key)) return *this;
  const std::size_t n = url_encode(value, buf_ + len_, cap_ - len_);
  if (n == 0 && !value.empty()) {
    ok_ = false;
  } else {
    commit(n);
  }
  return *this;
}

QueryWriter& QueryWriter::add_int(std::string_view key, std::int64_t value) noexcept {
  char tmp[24];
  char* end = tmp + sizeof(tmp);
  char* p = end;
  // Negate in unsigned space so INT64_MIN is fine.
  std::uint64_t mag =
      value < 0 ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  do {
    *--p = static_cast<char>('0' + mag % 10);
    mag /= 10;
  } while (mag != 0);
  if (value < 0) *--p = '-';
  return add_raw(key, std::string_view(p, static_cast<std::size_t>(end - p)));
}

QueryWriter& QueryWriter::add_cloid(std::string_view key, common::ClientOrderId id) noexcept {
  char tmp[common::ClientOrderId::kBinanceLen];
  return add_raw(key, std::string_view(tmp, id.write_binance(tmp)));
}

std::size_t url_encode(std::string_view in, char* out, std::size_t cap) noexcept {
  std::size_t n = 0;
  for (char c : in) {
    if (is_unreserved(c)) {
      if (n + 1 > cap) return 0;
      out[n++] = c;
    } else {
      if (n + 3 > cap) return 0;
      const auto b = static_cast<unsigned char>(c);
      out[n++] = '%';
      out[n++] = kHexUpper[b >> 4];
      out[n++] = kHexUpper[b & 0xf];
    }
  }
  return n;
}

std::size_t base64_encode(std::span<const std::uint8_t> in, char* out) noexcept {
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | std::uint32_t{in[i + 2]};
    out[o++] = kBase64[(v >> 18) & 63];
    out[o++] = kBase64[(v >> 12) & 63];
    out[o++] = kBase64[(v >> 6) & 63];
    out[o++] = kBase64[v & 63];
  }
  const std::size_t rest = in.size() - i;
  if (rest != 0) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    out[o++] = kBase64[(v >> 18) & 63];
    out[o++] = kBase64[(v >> 12) & 63];
    out[o++] = rest == 2 ? kBase64[(v >> 6) & 63] : '=';
    out[o++] = '=';
  }
  return o;
}

// ---- HMAC -------------------------------------------------------------------------------------

HmacSigner::HmacSigner(std::string_view api_key, std::string_view secret)
    : api_key_(api_key), key_(secret) {}

// ---- Ed25519 ----------------------------------------------------------------------------------

struct Ed25519Signer::Impl {
  EVP_PKEY* pkey = nullptr;
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() {
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
  }
};

Ed25519Signer::Ed25519Signer(std::string_view api_key, std::unique_ptr<Impl> impl)
    : api_key_(api_key), impl_(std::move(impl)) {
  std::size_t n = pub_.size();
  if (EVP_PKEY_get_raw_public_key(impl_->pkey, pub_.data(), &n) != 1) pub_.fill(0);
}

Ed25519Signer::~Ed25519Signer() = default;

common::Result<std::unique_ptr<Ed25519Signer>, SignError> Ed25519Signer::adopt(
    std::string_view api_key, void* key) {
  auto* pkey = static_cast<EVP_PKEY*>(key);
  if (pkey == nullptr) return common::Unexpected{SignError::kBadKey};
  auto impl = std::make_unique<Impl>();
  impl->pkey = pkey;  // owned from here on
  if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) return common::Unexpected{SignError::kBadKey};
  impl->ctx = EVP_MD_CTX_new();
  if (impl->ctx == nullptr ||
      EVP_DigestSignInit(impl->ctx, nullptr, nullptr, nullptr, impl->pkey) != 1) {
    return common::Unexpected{SignError::kCrypto};
  }
  return std::unique_ptr<Ed25519Signer>(new Ed25519Signer(api_key, std::move(impl)));
}

common::Result<std::unique_ptr<Ed25519Signer>, SignError> Ed25519Signer::from_pem(
    std::string_view api_key, std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return common::Unexpected{SignError::kCrypto};
  // An encrypted PEM is refused rather than prompting on the terminal for a passphrase.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) ERR_clear_error();
  return adopt(api_key, pkey);
}

common::Result<std::unique_ptr<Ed25519Signer>, SignError> Ed25519Signer::from_seed(
    std::string_view api_key, std::span<const std::uint8_t, 32> seed) {
  return adopt(api_key,
               EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
}

SignError Ed25519Signer::sign_raw(std::string_view query, std::string_view body,
                                  std::array<std::uint8_t, 64>& sig) noexcept {
  // Ed25519 is one-shot (PureEdDSA hashes the message twice), so query + body must be one buffer.
  std::string_view msg = query;
  if (!body.empty()) {
    if (query.empty()) {
      msg = body;
    } else {
      if (query.size() + body.size() > scratch_.size()) return SignError::kBufferFull;
      std::memcpy(scratch_.data(), query.data(), query.size());
      std::memcpy(scratch_.data() + query.size(), body.data(), body.size());
      msg = std::string_view(scratch_.data(), query.size() + body.size());
    }
  }
  if (msg.empty()) msg = std::string_view("", 0);  // never hand a null pointer to OpenSSL
  const auto* data = reinterpret_cast<const unsigned char*>(msg.data());
  std::size_t n = sig.size();
  // OpenSSL 3.0 signs again on an initialised context; should a later version refuse a second
  // one-shot on it, initialise again (this path allocates inside OpenSSL).
  if (EVP_DigestSign(impl_->ctx, sig.data(), &n, data, msg.size()) != 1) {
    n = sig.size();
    if (EVP_DigestSignInit(impl_->ctx, nullptr, nullptr, nullptr, impl_->pkey) != 1 ||
        EVP_DigestSign(impl_->ctx, sig.data(), &n, data, msg.size()) != 1) {
      return SignError::kCrypto;
    }
  }
  return n == sig.size() ? SignError::kOk : SignError::kCrypto;
}

SignError Ed25519Signer::sign_base64(std::string_view query, std::string_view body,
                                     char* out) noexcept {
  std::array<std::uint8_t, 64> sig{};
  if (const SignError e = sign_raw(query, body, sig); e != SignError::kOk) return e;
  base64_encode(sig, out);
  return SignError::kOk;
}

SignError Ed25519Signer::sign_url(std::string_view query, std::string_view body, char* out,
                                  std::size_t cap, std::size_t* len) noexcept {
  char b64[kBase64Chars];
  if (const SignError e = sign_base64(query, body, b64); e != SignError::kOk) return e;
  const std::size_t n = url_encode(std::string_view(b64, kBase64Chars), out, cap);
  if (n == 0) return SignError::kBufferFull;
  *len = n;
  return SignError::kOk;
}

// ---- Signer -----------------------------------------------------------------------------------

SignError Signer::append_signature(std::string_view query_prefix, QueryWriter& params) noexcept {
  if (!params.ok()) return SignError::kBufferFull;
  const std::string_view signed_part = params.view();
  const std::string_view key = params.empty() ? "signature=" : "&signature=";
  if (hmac_) {
    char* p = params.reserve(key.size() + HmacSigner::kSignatureChars);
    if (p == nullptr) return SignError::kBufferFull;
    // Sign first (the bytes up to here), then place key + hex after them.
    hmac_->sign(query_prefix, signed_part, p + key.size());
    std::memcpy(p, key.data(), key.size());
    params.commit(key.size() + HmacSigner::kSignatureChars);
    return SignError::kOk;
  }
  char* p = params.reserve(key.size());
  if (p == nullptr) return SignError::kBufferFull;
  std::memcpy(p, key.data(), key.size());
  params.commit(key.size());
  std::size_t n = 0;
  const std::size_t room = params.capacity() - params.size();
  char* out = params.reserve(0);
  const SignError e = ed_->sign_url(query_prefix, signed_part, out, room, &n);
  if (e != SignError::kOk) return e;
  params.commit(n);
  return SignError::kOk;
}

SignError Signer::finish(QueryWriter& params, std::int64_t timestamp_ms,
                         std::int64_t recv_window_ms, std::string_view query_prefix) noexcept {
  params.add_int("timestamp", timestamp_ms);
  if (recv_window_ms > 0) params.add_int("recvWindow", recv_window_ms);
  return append_signature(query_prefix, params);
}

}  // namespace peregrine::gateways::binance
