// Hyperliquid /exchange authentication for the simulator: recover the signer of an L1 action
// from its JSON, and the per-signer nonce rules (100 highest kept, time window). Simulator
// thread only (NonceBook); recover_l1_signer is a pure function, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateways/crypto/secp256k1_signer.hpp"

namespace peregrine::venue_sim::hl {

using gateways::crypto::Address;

struct SignatureText {
  std::string_view r;  // "0x" + up to 64 hex digits (minimal or zero-padded)
  std::string_view s;
  std::uint64_t v = 0;  // 27/28 (0/1 accepted as recovery ids)
};

// Re-encodes `action_json` as msgpack (key order as received), hashes it with the nonce, vault
// and expiresAfter, wraps it in the phantom agent and recovers the address that signed it.
// False with a one-line reason when the action cannot be encoded or the signature is malformed.
[[nodiscard]] bool recover_l1_signer(std::string_view action_json, std::uint64_t nonce,
                                     const std::optional<Address>& vault,
                                     const std::optional<std::uint64_t>& expires_after,
                                     bool mainnet, const SignatureText& sig, Address* signer,
                                     std::string* error);

// For user-signed actions (approveAgent, ...): the digest comes from the action's own fields.
[[nodiscard]] bool recover_user_signer(std::string_view action_json, const SignatureText& sig,
                                       Address* signer, std::string* error);

enum class NonceVerdict : std::uint8_t { kOk, kDuplicate, kTooLow, kOutOfWindow };

// The venue's rule: per signer the 100 highest nonces are kept; a new nonce must be unused,
// above the smallest kept one once 100 are held, and within (now - 2 days, now + 1 day).
class NonceBook {
 public:
  static constexpr std::size_t kKept = 100;
  static constexpr std::uint64_t kPastMs = 2ull * 24 * 3600 * 1000;
  static constexpr std::uint64_t kFutureMs = 1ull * 24 * 3600 * 1000;

  // Checks and, when kOk, records the nonce.
  [[nodiscard]] NonceVerdict use(const Address& signer, std::uint64_t nonce, std::uint64_t now_ms);

 private:
  struct AddressHash {
    std::size_t operator()(const Address& a) const noexcept;
  };
  std::unordered_map<Address, std::vector<std::uint64_t>, AddressHash> kept_;  // sorted asc
};

// The venue's text for a rejected nonce ("Invalid nonce: duplicate nonce 123", ...).
[[nodiscard]] std::string nonce_error_text(NonceVerdict v, std::uint64_t nonce);

[[nodiscard]] std::string address_hex(const Address& a);
// "0x" + 40 hex digits, any case.
[[nodiscard]] bool parse_address(std::string_view text, Address* out) noexcept;

}  // namespace peregrine::venue_sim::hl
