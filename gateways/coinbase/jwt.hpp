// Coinbase CDP auth: ES256 JWT minting and verification, and JwtCache (pre-minted tokens).
// EcKey/JwtMinter/verify_jwt: any thread. JwtCache: refresh() ONE side thread, current() ONE other.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/events.hpp"
#include "common/result.hpp"

struct evp_pkey_st;  // OpenSSL EVP_PKEY, kept out of this header

namespace peregrine::gateways::coinbase {

inline constexpr std::string_view kRestHost = "api.coinbase.com";
inline constexpr std::string_view kJwtIssuer = "cdp";
inline constexpr std::string_view kLegacyJwtIssuer = "coinbase-cloud";  // accepted, never minted
inline constexpr std::int64_t kJwtLifetimeS = 120;  // exp = nbf + 120 (venue doc §2.2)
inline constexpr std::size_t kMaxJwtBytes = 2048;   // key name <= 256, uri <= 512 fit easily
inline constexpr std::size_t kMaxKeyNameBytes = 256;
inline constexpr std::size_t kMaxJwtUriBytes = 512;
inline constexpr std::size_t kJwtNonceBytes = 16;  // rendered as 32 hex chars

enum class JwtError : std::uint8_t {
  kOk = 0,
  // Keys and minting.
  kBadPem,          // not a PEM private/public key OpenSSL can read
  kNotP256,         // a key, but not an EC key on P-256 (prime256v1)
  kNoPrivateKey,    // minting needs the private key; a public PEM was given
  kBadKeyName,      // empty, too long, or has characters that would need JSON escaping
  kBadUri,          // too long or has characters that would need JSON escaping
  kBufferTooSmall,  // the caller's output buffer cannot hold the token
  kRandFailed,      // RAND_bytes failed (no nonce, no token)
  kSignFailed,      // EVP_DigestSign or the DER -> r||s conversion failed
  // Verification, in the order the checks run.
  kMalformed,           // not three base64url segments
  kBadBase64,           // a segment is not unpadded base64url
  kBadHeaderJson,       // header is not a JSON object of strings
  kBadAlg,              // alg is not "ES256"
  kBadTyp,              // typ present and not "JWT"
  kMissingKid,          // no kid
  kKidMismatch,         // kid differs from the expected key name
  kMissingNonce,        // no (or empty) nonce
  kBadSignatureLength,  // signature is not 64 bytes (JOSE r||s)
  kBadSignature,        // ECDSA verification failed
  kBadClaimsJson,       // claims are not a JSON object with the expected types
  kBadIssuer,           // iss is neither "cdp" nor the legacy "coinbase-cloud"
  kSubjectMismatch,     // sub differs from kid
  kMissingTimes,        // nbf or exp missing / not integers
  kNotYetValid,         // nbf > now + leeway
  kExpired,             // exp <= now - leeway
  kBadLifetime,         // exp <= nbf, or exp - nbf > max lifetime
  kMissingUri,          // REST token without uri
  kUriMismatch,         // uri differs from the expected "METHOD host/path"
  kUnexpectedUri,       // a WebSocket token must not carry uri
};
[[nodiscard]] std::string_view to_string(JwtError e) noexcept;

// A P-256 key loaded from PEM: SEC1 "BEGIN EC PRIVATE KEY" (what the CDP portal issues), PKCS#8
// "BEGIN PRIVATE KEY", or a public "BEGIN PUBLIC KEY". Literal "\n" escapes (as in the portal's
// JSON download) are accepted. Immutable; shared by any number of threads.
class EcKey {
 public:
  [[nodiscard]] static common::Result<std::shared_ptr<const EcKey>, JwtError> from_pem(
      std::string_view pem);
  ~EcKey();
  EcKey(const EcKey&) = delete;
  EcKey& operator=(const EcKey&) = delete;

  [[nodiscard]] bool has_private() const noexcept { return has_private_; }
  // "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo) of this key.
  [[nodiscard]] std::string public_pem() const;
  [[nodiscard]] evp_pkey_st* pkey() const noexcept { return pkey_; }

 private:
  EcKey(evp_pkey_st* pkey, bool has_private) noexcept : pkey_(pkey), has_private_(has_private) {}
  evp_pkey_st* pkey_;
  bool has_private_;
};

// "METHOD host/path" (method upper case, host without scheme, path without query) into out;
// returns the length, 0 when it does not fit `cap` or the path has a '?' or whitespace.
[[nodiscard]] std::size_t format_jwt_uri(std::string_view method, std::string_view path, char* out,
                                         std::size_t cap,
                                         std::string_view host = kRestHost) noexcept;

// Mints header {alg:ES256, kid, nonce, typ:JWT} and claims {sub, iss:cdp, nbf, exp = nbf + 120,
// uri} (uri omitted for WebSocket tokens), signed ES256 with the raw 64-byte r||s signature.
// Cost: one P-256 signature (~25 us) plus OpenSSL context set-up: off the hot path only.
class JwtMinter {
 public:
  // Throws std::invalid_argument (start-up) for a public-only key or a bad key name.
  JwtMinter(std::shared_ptr<const EcKey> key, std::string key_name);

  // REST token for `uri` ("POST api.coinbase.com/api/v3/brokerage/orders"); an empty uri mints a
  // WebSocket token. nbf = now_s. Returns the token length written to out[0, cap).
  [[nodiscard]] common::Result<std::size_t, JwtError> mint(std::string_view uri, std::int64_t now_s,
                                                           char* out,
                                                           std::size_t cap) const noexcept;
  // Same with a caller-chosen nonce (hex or any JSON-safe text): tests and benchmarks.
  [[nodiscard]] common::Result<std::size_t, JwtError> mint_with_nonce(
      std::string_view uri, std::int64_t now_s, std::string_view nonce, char* out,
      std::size_t cap) const noexcept;
  // Convenience for tools: builds the uri from method + path. Throws std::runtime_error.
  [[nodiscard]] std::string mint_rest(std::string_view method, std::string_view path,
                                      std::int64_t now_s) const;
  [[nodiscard]] std::string mint_ws(std::int64_t now_s) const;

  // Signs arbitrary header/claims JSON (compact) as ES256: tests and the simulator craft
  // malformed or tampered tokens with it. Throws std::runtime_error.
  [[nodiscard]] std::string sign_raw(std::string_view header_json,
                                     std::string_view claims_json) const;

  [[nodiscard]] const std::string& key_name() const noexcept { return key_name_; }
  [[nodiscard]] const EcKey& key() const noexcept { return *key_; }

 private:
  std::shared_ptr<const EcKey> key_;
  std::string key_name_;
};

struct JwtClaims {
  std::string alg;
  std::string typ;
  std::string kid;
  std::string nonce;
  std::string iss;
  std::string sub;
  std::string uri;
  bool has_typ = false;
  bool has_uri = false;
  bool has_nbf = false;
  bool has_exp = false;
  std::int64_t nbf = 0;
  std::int64_t exp = 0;
  std::string header_json;  // decoded segments, for display
  std::string claims_json;
};

struct JwtVerifyOptions {
  std::int64_t now_s = 0;
  std::string_view key_name;  // expected kid; empty accepts any kid (sub must still equal it)
  std::string_view uri;       // expected "METHOD host/path"; empty: not checked
  bool websocket = false;     // true: the token must carry no uri
  std::int64_t leeway_s = 0;  // clock skew allowed on nbf and exp
  std::int64_t max_lifetime_s = kJwtLifetimeS;
};

// Decodes without checking the signature or claims (e.g. to pick the key by kid).
[[nodiscard]] common::Result<JwtClaims, JwtError> decode_jwt(std::string_view token);
// Full check: format, header, ES256 signature with `key` (public or private), then claims.
[[nodiscard]] common::Result<JwtClaims, JwtError> verify_jwt(std::string_view token,
                                                             const EcKey& key,
                                                             const JwtVerifyOptions& options);

// Pre-minted JWTs for one (method, path), or the WebSocket token. Because a Coinbase JWT binds
// method and path but not the body, a token can be made ahead of time and reused for two minutes.
//
// Why it is fast and safe: refresh() mints into whichever of two slots is not published (seqlock
// per slot; the words are release/acquire atomics, so it is race-free under TSan and plain moves
// on x86) and then bumps a generation counter. current() compares that counter with the
// generation of its own private copy: in the steady state that is one acquire load, and the
// returned view points into consumer-owned memory the side thread never writes. Only after a
// refresh (every ~60 s) does it copy the new token (~1 KB) out of the slot. No locks, no
// allocation, no syscalls.
class JwtCache {
 public:
  static constexpr common::Nanos kMinRemaining = 30'000'000'000;  // hand out >= 30 s of life
  static constexpr common::Nanos kDefaultRefreshBefore = 60'000'000'000;

  // REST token for method + path. Throws std::invalid_argument (start-up) for a bad uri or a
  // refresh_before not above kMinRemaining and below the token lifetime.
  JwtCache(const JwtMinter& minter, std::string_view method, std::string_view path,
           common::Nanos refresh_before = kDefaultRefreshBefore);
  // WebSocket token (no uri claim).
  static std::unique_ptr<JwtCache> websocket(const JwtMinter& minter,
                                             common::Nanos refresh_before = kDefaultRefreshBefore);

  enum class Refresh : std::uint8_t { kFresh, kMinted, kFailed };
  // Side thread: mints and publishes when no token is published or the published one has less
  // than refresh_before left. `now` is epoch ns (WallClock).
  [[nodiscard]] Refresh refresh(common::Nanos now) noexcept;

  // Consumer thread: a token valid at `now` with >= kMinRemaining left, or an empty view (counted
  // in misses()). The view stays valid until the next current() call.
  [[nodiscard]] std::string_view current(common::Nanos now) noexcept;

  [[nodiscard]] std::string_view uri() const noexcept { return {uri_.data(), uri_len_}; }

  // Counters: consumer-thread writers (handouts, misses, copies), side-thread writers (mints,
  // failures, last_error); any thread may read.
  [[nodiscard]] std::uint64_t handouts() const noexcept { return load(handouts_); }
  [[nodiscard]] std::uint64_t misses() const noexcept { return load(misses_); }
  [[nodiscard]] std::uint64_t copies() const noexcept { return load(copies_); }
  [[nodiscard]] std::uint64_t mints() const noexcept { return load(mints_); }
  [[nodiscard]] std::uint64_t failures() const noexcept { return load(failures_); }
  [[nodiscard]] JwtError last_error() const noexcept {
    return static_cast<JwtError>(last_error_.load(std::memory_order_relaxed));
  }

 private:
  static constexpr std::size_t kWords = kMaxJwtBytes / 8;
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> seq{0};  // odd while being written
    std::atomic<std::uint64_t> size{0};
    std::atomic<std::int64_t> nbf_ns{0};
    std::atomic<std::int64_t> exp_ns{0};
    std::array<std::atomic<std::uint64_t>, kWords> words{};
  };
  static std::uint64_t load(const std::atomic<std::uint64_t>& c) noexcept {
    return c.load(std::memory_order_relaxed);
  }
  static void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  JwtCache(const JwtMinter& minter, common::Nanos refresh_before);  // WebSocket
  bool copy_published(std::uint64_t generation) noexcept;

  const JwtMinter& minter_;
  std::array<char, kMaxJwtUriBytes> uri_{};
  std::size_t uri_len_ = 0;
  common::Nanos refresh_before_;

  // Shared between the threads.
  Slot slots_[2];
  alignas(64) std::atomic<std::uint32_t> published_{0};
  std::atomic<std::uint64_t> generation_{0};  // 0 = nothing published yet

  // Side thread only.
  alignas(64) std::array<char, kMaxJwtBytes> mint_buf_{};
  common::Nanos writer_exp_ns_ = 0;
  std::atomic<std::uint64_t> mints_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint8_t> last_error_{0};

  // Consumer thread only.
  alignas(64) std::array<char, kMaxJwtBytes> local_{};
  std::size_t local_size_ = 0;
  common::Nanos local_nbf_ns_ = 0;
  common::Nanos local_exp_ns_ = 0;
  std::uint64_t local_generation_ = 0;
  std::atomic<std::uint64_t> handouts_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> copies_{0};
};

}  // namespace peregrine::gateways::coinbase
