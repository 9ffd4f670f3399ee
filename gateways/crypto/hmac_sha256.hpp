// HMAC-SHA256 with the key's inner and outer padded states computed once per key, so signing
// a request hashes only its own bytes (Binance, Bybit, Coinbase legacy). Immutable after
// construction: any thread may sign with one HmacSha256Key concurrently. No allocation.
// Why it is fast: no per-request key schedule, and SHA-256 blocks go through the CPU's SHA
// extensions (SHA-NI) when present, chosen once at start-up; portable code otherwise.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace peregrine::gateways::crypto {

using Digest32 = std::array<std::uint8_t, 32>;

class HmacSha256Key {
 public:
  // The secret is copied into padded key blocks and then only the derived states are kept.
  explicit HmacSha256Key(std::string_view secret) noexcept;
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  // HMAC over the concatenation of the parts (e.g. timestamp, key, window, payload).
  [[nodiscard]] Digest32 sign(std::string_view message) const noexcept;
  [[nodiscard]] Digest32 sign(std::initializer_list<std::string_view> parts) const noexcept;
  // Lowercase hex of sign(...) into out[64]; returns 64.
  std::size_t sign_hex(std::string_view message, char* out) const noexcept;
  std::size_t sign_hex(std::initializer_list<std::string_view> parts, char* out) const noexcept;

 private:
  // SHA-256 chaining states after absorbing (key ^ ipad) and (key ^ opad).
  std::array<std::uint32_t, 8> inner_{};
  std::array<std::uint32_t, 8> outer_{};
};

// One-shot reference (OpenSSL HMAC), for tests and benchmarks beside the prekeyed signer.
[[nodiscard]] Digest32 hmac_sha256_openssl(std::string_view key, std::string_view message);

// Lowercase hex of 32 bytes into out[64].
void to_hex(const Digest32& d, char* out) noexcept;

}  // namespace peregrine::gateways::crypto
