// Actions given as JSON (pgtool, tests, the simulator's verifier): re-encode an L1 action as
// msgpack keeping the JSON key order as the map order, and compute user-signed EIP-712 digests
// from the action JSON. Off the hot path (parses with simdjson DOM, may allocate); any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateways/crypto/keccak.hpp"
#include "gateways/hyperliquid/encoding.hpp"

namespace peregrine::gateways::hyperliquid {

struct JsonActionResult {
  bool ok = false;
  std::string error;  // one line, says what and where (e.g. "orders[0].p: floats are not allowed")
};

// JSON object → msgpack bytes appended to `out`: key order preserved, integers as the
// smallest msgpack integer (unsigned family for non-negative), strings as str, true/false,
// null as nil. Floats are refused: Hyperliquid actions carry decimals as strings.
[[nodiscard]] JsonActionResult json_to_msgpack(std::string_view json, ByteSink& out);

// The action's "type" field, or empty if absent / not an object / bad JSON.
[[nodiscard]] std::string action_type_of(std::string_view json);

// For a user-signed action (recognised by its type, see find_user_signed): the EIP-712 digest
// over the action's own fields, in domain HyperliquidSignTransaction with chainId taken from
// its "signatureChainId" (hex). A missing agentName is signed as "" (as the Python SDK does).
[[nodiscard]] JsonActionResult user_signed_digest_from_json(std::string_view json,
                                                            crypto::Hash32* digest);

}  // namespace peregrine::gateways::hyperliquid
