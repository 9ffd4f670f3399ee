// secp256k1 ECDSA with public-key recovery (Ethereum style), via libsecp256k1.
// An EcdsaKey is immutable after construction: any thread may sign with it concurrently.
// Deterministic signing is RFC 6979 with low-s, exactly what the venues' SDKs produce; the
// presigned fast path lives in presign_pool.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "gateways/crypto/keccak.hpp"

struct secp256k1_context_struct;

namespace peregrine::gateways::crypto {

using Address = std::array<std::uint8_t, 20>;

struct RecoverableSignature {
  std::array<std::uint8_t, 32> r{};
  std::array<std::uint8_t, 32> s{};
  std::uint8_t recid = 0;  // 0..3; Ethereum v = 27 + recid (recid is 0/1 in practice)
  [[nodiscard]] int v() const noexcept { return 27 + recid; }
  bool operator==(const RecoverableSignature&) const noexcept = default;
};

enum class KeyError : std::uint8_t { kOk = 0, kBadHex, kInvalidKey };
[[nodiscard]] std::string_view to_string(KeyError e) noexcept;

// The process-wide libsecp256k1 context (created and randomized once; read-only afterwards).
[[nodiscard]] const secp256k1_context_struct* secp_context() noexcept;

class EcdsaKey {
 public:
  // Hex private key (with or without 0x). The secret never appears in an error or a log.
  [[nodiscard]] static common::Result<std::shared_ptr<const EcdsaKey>, KeyError> from_hex(
      std::string_view hex);
  [[nodiscard]] static common::Result<std::shared_ptr<const EcdsaKey>, KeyError> from_bytes(
      const std::uint8_t secret[32]);
  ~EcdsaKey();
  EcdsaKey(const EcdsaKey&) = delete;
  EcdsaKey& operator=(const EcdsaKey&) = delete;

  [[nodiscard]] const Address& address() const noexcept { return address_; }
  [[nodiscard]] std::string address_hex() const;  // "0x" + 40 lowercase hex
  // RFC 6979 deterministic, low-s (libsecp256k1's default nonce function and normalization).
  [[nodiscard]] RecoverableSignature sign(const Hash32& digest) const noexcept;
  // For the presign pool: the raw secret scalar. Never log or copy beyond the pool.
  [[nodiscard]] const std::array<std::uint8_t, 32>& secret_bytes() const noexcept {
    return secret_;
  }

 private:
  EcdsaKey() = default;
  std::array<std::uint8_t, 32> secret_{};
  Address address_{};
};

// Recovers the signer's address; false if the signature is malformed or does not recover.
[[nodiscard]] bool recover_address(const Hash32& digest, const RecoverableSignature& sig,
                                   Address* out) noexcept;
[[nodiscard]] bool is_low_s(const RecoverableSignature& sig) noexcept;

}  // namespace peregrine::gateways::crypto
