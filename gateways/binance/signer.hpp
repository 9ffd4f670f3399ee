// Binance request signing (HMAC-SHA256 hex; Ed25519 base64) and the fixed-buffer QueryWriter.
// HmacSigner: any thread (immutable); Ed25519Signer, Signer, QueryWriter: one thread each.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/assert.hpp"
#include "common/decimal.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "gateways/crypto/hmac_sha256.hpp"

namespace peregrine::gateways::binance {

enum class SignError : std::uint8_t {
  kOk = 0,
  kBufferFull,  // the output buffer cannot hold the request or signature
  kBadKey,      // key material rejected (start-up)
  kCrypto,      // the crypto library failed to sign
};
[[nodiscard]] std::string_view to_string(SignError e) noexcept;

// Appends "key=value" pairs joined by '&' into a caller buffer. Never allocates and never writes
// past the buffer: once something does not fit, ok() turns false and later appends do nothing,
// so a builder checks once at the end. Values given as text are percent-encoded except for the
// RFC 3986 unreserved characters (Binance signs the bytes exactly as sent, and the spot docs
// percent-encode non-ASCII before signing); decimals, integers and ids are URL-safe as written.
class QueryWriter {
 public:
  QueryWriter(char* buf, std::size_t cap) noexcept : buf_(buf), cap_(cap) {}
  explicit QueryWriter(std::span<char> buf) noexcept : buf_(buf.data()), cap_(buf.size()) {}

  QueryWriter& add(std::string_view key, std::string_view value) noexcept;
  QueryWriter& add_int(std::string_view key, std::int64_t value) noexcept;
  template <typename Tag>
  QueryWriter& add_decimal(std::string_view key, common::Fixed<Tag> value) noexcept {
    char tmp[common::kDecimalMaxChars];
    return add_raw(key, std::string_view(tmp, value.format(tmp)));
  }
  QueryWriter& add_bool(std::string_view key, bool value) noexcept {
    return add_raw(key, value ? "true" : "false");
  }
  // "pg" + 32 lowercase hex (common::ClientOrderId::write_binance).
  QueryWriter& add_cloid(std::string_view key, common::ClientOrderId id) noexcept;
  // A value known to need no encoding (enum words, symbols, decimals).
  QueryWriter& add_raw(std::string_view key, std::string_view value) noexcept;
  // Bytes appended as they are (no '&').
  QueryWriter& append(std::string_view bytes) noexcept;

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] bool empty() const noexcept { return len_ == 0; }
  [[nodiscard]] std::string_view view() const noexcept { return {buf_, len_}; }
  [[nodiscard]] std::size_t size() const noexcept { return len_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return cap_; }
  // Room for a direct write of up to `n` bytes at `tail()`, committed with `commit(n)`.
  [[nodiscard]] char* reserve(std::size_t n) noexcept;
  void commit(std::size_t n) noexcept { len_ += n; }
  void clear() noexcept {
    len_ = 0;
    ok_ = true;
  }

 private:
  bool begin_pair(std::string_view key) noexcept;
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool ok_ = true;
};

// Percent-encodes `in` (unreserved characters kept) into out[0, cap); returns the length, or 0
// when it does not fit (and `in` was not empty).
[[nodiscard]] std::size_t url_encode(std::string_view in, char* out, std::size_t cap) noexcept;

// Standard base64 with padding of `in` into out (4 * ceil(n / 3) chars); returns the length.
std::size_t base64_encode(std::span<const std::uint8_t> in, char* out) noexcept;

// HMAC-SHA256 over totalParams = query + body (no separator), lowercase hex. Prekeyed: the key's
// padded states are computed once, so a signature hashes only the request's bytes.
class HmacSigner {
 public:
  static constexpr std::size_t kSignatureChars = 64;
  HmacSigner(std::string_view api_key, std::string_view secret);
  [[nodiscard]] std::string_view api_key() const noexcept { return api_key_; }  // X-MBX-APIKEY
  // Writes 64 hex chars into out.
  std::size_t sign(std::string_view query, std::string_view body, char* out) const noexcept {
    // Empty parts are left out: a default string_view has a null data(), and the SHA-256 stream
    // would memcpy from it (UB even for zero bytes; UBSan flags it).
    if (body.empty()) return key_.sign_hex(query.empty() ? std::string_view("", 0) : query, out);
    if (query.empty()) return key_.sign_hex(body, out);
    return key_.sign_hex({query, body}, out);
  }

 private:
  std::string api_key_;
  crypto::HmacSha256Key key_;
};

// Ed25519 (OpenSSL EVP) over totalParams = query + body; the signature is base64 (88 chars) and
// URL-encoded when placed in a REST query or body ('+', '/', '=' become %2B, %2F, %3D). The WS API
// takes the plain base64. Note: EVP Ed25519 signing allocates inside OpenSSL per signature and
// costs tens of microseconds (README.md); HMAC remains the hot-path key type.
class Ed25519Signer {
 public:
  static constexpr std::size_t kBase64Chars = 88;
  static constexpr std::size_t kMaxEncodedChars = 3 * kBase64Chars;
  static constexpr std::size_t kMaxMessage = 8192;

  // PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----"), as Binance has users generate it.
  [[nodiscard]] static common::Result<std::unique_ptr<Ed25519Signer>, SignError> from_pem(
      std::string_view api_key, std::string_view pem);
  // The raw 32-byte RFC 8032 private key (seed).
  [[nodiscard]] static common::Result<std::unique_ptr<Ed25519Signer>, SignError> from_seed(
      std::string_view api_key, std::span<const std::uint8_t, 32> seed);
  ~Ed25519Signer();
  Ed25519Signer(const Ed25519Signer&) = delete;
  Ed25519Signer& operator=(const Ed25519Signer&) = delete;

  [[nodiscard]] std::string_view api_key() const noexcept { return api_key_; }
  [[nodiscard]] const std::array<std::uint8_t, 32>& public_key() const noexcept { return pub_; }

  // Raw 64-byte signature of query + body.
  [[nodiscard]] SignError sign_raw(std::string_view query, std::string_view body,
                                   std::array<std::uint8_t, 64>& sig) noexcept;
  // Base64 into out[kBase64Chars].
  [[nodiscard]] SignError sign_base64(std::string_view query, std::string_view body,
                                      char* out) noexcept;
  // URL-encoded base64 into out[0, cap); the length in *len.
  [[nodiscard]] SignError sign_url(std::string_view query, std::string_view body, char* out,
                                   std::size_t cap, std::size_t* len) noexcept;

 private:
  struct Impl;
  // Takes ownership of an OpenSSL EVP_PKEY* (void* keeps OpenSSL out of this header).
  static common::Result<std::unique_ptr<Ed25519Signer>, SignError> adopt(std::string_view api_key,
                                                                         void* key);
  Ed25519Signer(std::string_view api_key, std::unique_ptr<Impl> impl);
  std::string api_key_;
  std::unique_ptr<Impl> impl_;
  std::array<std::uint8_t, 32> pub_{};
  std::array<char, kMaxMessage> scratch_{};  // query + body when both are non-empty
};

enum class KeyType : std::uint8_t { kHmac, kEd25519 };

// The key a gateway signs with, whichever type it is, and the last step of every signed request:
// `timestamp`, `recvWindow` and `signature` appended in that order (signature last, as required).
class Signer {
 public:
  // Non-null key (start-up).
  explicit Signer(std::unique_ptr<HmacSigner> hmac) noexcept : hmac_(std::move(hmac)) {
    PEREGRINE_ASSERT(hmac_ != nullptr);
  }
  explicit Signer(std::unique_ptr<Ed25519Signer> ed) noexcept : ed_(std::move(ed)) {
    PEREGRINE_ASSERT(ed_ != nullptr);
  }

  [[nodiscard]] KeyType type() const noexcept { return hmac_ ? KeyType::kHmac : KeyType::kEd25519; }
  [[nodiscard]] std::string_view api_key() const noexcept {
    return hmac_ ? hmac_->api_key() : ed_->api_key();
  }

  // Appends "&signature=<sig>" (no '&' when `params` is empty) to `params`; the signed bytes are
  // `query_prefix` + params (query_prefix: the query-string part when the parameters themselves
  // go in the body, else empty).
  [[nodiscard]] SignError append_signature(std::string_view query_prefix,
                                           QueryWriter& params) noexcept;
  // "...&timestamp=T[&recvWindow=W]&signature=S"; recv_window_ms <= 0 leaves recvWindow out
  // (venue default 5000).
  [[nodiscard]] SignError finish(QueryWriter& params, std::int64_t timestamp_ms,
                                 std::int64_t recv_window_ms,
                                 std::string_view query_prefix = {}) noexcept;

 private:
  std::unique_ptr<HmacSigner> hmac_;
  std::unique_ptr<Ed25519Signer> ed_;
};

}  // namespace peregrine::gateways::binance
