// Hyperliquid signing (venue doc §3, §4): the L1 action hash (connectionId), the phantom-agent
// EIP-712 digest, user-signed EIP-712 digests, and the /exchange request body.
// Any thread; no allocation, no exceptions. Constants (type hashes, domain separators) are
// computed once at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "gateways/crypto/keccak.hpp"
#include "gateways/crypto/secp256k1_signer.hpp"
#include "gateways/hyperliquid/actions.hpp"
#include "gateways/hyperliquid/encoding.hpp"

namespace peregrine::gateways::hyperliquid {

using crypto::Address;
using crypto::Hash32;
using crypto::RecoverableSignature;

struct L1Options {
  std::uint64_t nonce = 0;
  std::optional<Address> vault;                // sub-account or vault acted for
  std::optional<std::uint64_t> expires_after;  // ms
  bool mainnet = true;                         // phantom agent source "a" (mainnet) / "b"
};

// keccak256(msgpack ‖ nonce u64be ‖ 00 | 01 ‖ vault ‖ [00 ‖ expiresAfter u64be]).
[[nodiscard]] Hash32 action_hash(std::string_view msgpack, const L1Options& opts) noexcept;

// EIP-712 digest of Agent{source, connectionId} in domain Exchange/1/1337/0x0.
[[nodiscard]] Hash32 l1_digest(const Hash32& connection_id, bool mainnet) noexcept;

// The precomputed constants, exposed for tests against the venue doc's derived values.
[[nodiscard]] const Hash32& exchange_domain_separator() noexcept;
[[nodiscard]] const Hash32& agent_type_hash() noexcept;

// ---- user-signed actions (domain HyperliquidSignTransaction/1/chainId/0x0) ----

enum class Eip712Type : std::uint8_t { kString, kAddress, kUint64, kBool, kBytes32 };

struct Eip712FieldSpec {
  std::string_view name;
  Eip712Type type;
};

// One user-signed action kind: its JSON `type`, its EIP-712 primary type and field list.
struct UserSignedSpec {
  std::string_view action_type;   // "usdSend"
  std::string_view primary_type;  // "HyperliquidTransaction:UsdSend"
  std::span<const Eip712FieldSpec> fields;
};

// The catalogue (venue doc §4 table); nullptr for an unknown action type.
[[nodiscard]] const UserSignedSpec* find_user_signed(std::string_view action_type) noexcept;

// A field value; which member is read depends on the spec's type.
struct Eip712Value {
  std::string_view str;  // kString
  Address address{};     // kAddress
  std::uint64_t number = 0;
  bool flag = false;
  Hash32 bytes{};  // kBytes32
};

// keccak256(0x19 0x01 ‖ domainSeparator(chain_id) ‖ hashStruct(message)).
// `values` are in the spec's field order.
[[nodiscard]] Hash32 user_signed_digest(const UserSignedSpec& spec,
                                        std::span<const Eip712Value> values,
                                        std::uint64_t chain_id);

// ---- the /exchange body ----

// Writes {"action":…,"nonce":N,"signature":{"r":"0x…","s":"0x…","v":27|28}
//         [,"vaultAddress":"0x…"][,"expiresAfter":N]} with 64-digit r/s.
// Returns false if the sink overflowed.
template <typename Action>
[[nodiscard]] bool write_exchange_body(ByteSink& sink, const Action& action,
                                       const RecoverableSignature& sig,
                                       const L1Options& opts) noexcept;

// Signature as JSON object text into `w` (used by the body writer and pgtool).
void write_signature(JsonWriter& w, const RecoverableSignature& sig) noexcept;
void write_address(JsonWriter& w, const Address& a) noexcept;

template <typename Action>
bool write_exchange_body(ByteSink& sink, const Action& action, const RecoverableSignature& sig,
                         const L1Options& opts) noexcept {
  JsonWriter w(sink);
  w.map(0);
  w.key("action");
  write_action(w, action);
  w.key("nonce");
  w.uint(opts.nonce);
  w.key("signature");
  write_signature(w, sig);
  if (opts.vault) {
    w.key("vaultAddress");
    write_address(w, *opts.vault);
  }
  if (opts.expires_after) {
    w.key("expiresAfter");
    w.uint(*opts.expires_after);
  }
  w.end();
  return !sink.overflow();
}

}  // namespace peregrine::gateways::hyperliquid
