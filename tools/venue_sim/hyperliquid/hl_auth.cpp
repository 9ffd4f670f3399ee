#include "tools/venue_sim/hyperliquid/hl_auth.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "gateways/crypto/keccak.hpp"
#include "gateways/hyperliquid/json_action.hpp"
#include "gateways/hyperliquid/signer.hpp"

namespace peregrine::venue_sim::hl {

namespace hlg = gateways::hyperliquid;
namespace crypto = gateways::crypto;

namespace {

// r/s may arrive minimal (leading zeros dropped, as the Python SDK sends) or padded.
bool parse_scalar(std::string_view hex, std::array<std::uint8_t, 32>* out) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.empty() || hex.size() > 64) return false;
  std::string padded(64 - hex.size(), '0');
  padded.append(hex);
  return crypto::parse_hex(padded, out->data(), out->size());
}

bool to_signature(const SignatureText& t, crypto::RecoverableSignature* sig, std::string* error) {
  if (!parse_scalar(t.r, &sig->r) || !parse_scalar(t.s, &sig->s)) {
    *error = "Failed to deserialize the JSON body into the target type: bad signature hex";
    return false;
  }
  std::uint64_t recid = t.v >= 27 ? t.v - 27 : t.v;
  if (recid > 1) {
    *error = "Failed to deserialize the JSON body into the target type: bad signature v";
    return false;
  }
  sig->recid = static_cast<std::uint8_t>(recid);
  return true;
}

}  // namespace

bool recover_l1_signer(std::string_view action_json, std::uint64_t nonce,
                       const std::optional<Address>& vault,
                       const std::optional<std::uint64_t>& expires_after, bool mainnet,
                       const SignatureText& sig, Address* signer, std::string* error) {
  crypto::RecoverableSignature rs;
  if (!to_signature(sig, &rs, error)) return false;
  std::string buf(action_json.size() * 2 + 64, '\0');
  hlg::ByteSink sink(buf.data(), buf.size());
  const auto enc = hlg::json_to_msgpack(action_json, sink);
  if (!enc.ok || sink.overflow()) {
    *error = "Failed to deserialize the JSON body into the target type: " +
             (enc.ok ? std::string("action too large") : enc.error);
    return false;
  }
  hlg::L1Options opts;
  opts.nonce = nonce;
  opts.vault = vault;
  opts.expires_after = expires_after;
  opts.mainnet = mainnet;
  const auto digest = hlg::l1_digest(hlg::action_hash(sink.view(), opts), mainnet);
  if (!crypto::recover_address(digest, rs, signer)) {
    // A signature that does not recover at all: the venue still names *some* address; a
    // deterministic stand-in keeps the error shape.
    const auto h = crypto::keccak256(sig.r);
    std::memcpy(signer->data(), h.data() + 12, signer->size());
  }
  return true;
}

bool recover_user_signer(std::string_view action_json, const SignatureText& sig, Address* signer,
                         std::string* error) {
  crypto::RecoverableSignature rs;
  if (!to_signature(sig, &rs, error)) return false;
  crypto::Hash32 digest{};
  const auto r = hlg::user_signed_digest_from_json(action_json, &digest);
  if (!r.ok) {
    *error = "Failed to deserialize the JSON body into the target type: " + r.error;
    return false;
  }
  if (!crypto::recover_address(digest, rs, signer)) {
    const auto h = crypto::keccak256(sig.r);
    std::memcpy(signer->data(), h.data() + 12, signer->size());
  }
  return true;
}

std::size_t NonceBook::AddressHash::operator()(const Address& a) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, a.data(), sizeof h);
  return h;
}

NonceVerdict NonceBook::use(const Address& signer, std::uint64_t nonce, std::uint64_t now_ms) {
  if (nonce <= now_ms - std::min(now_ms, kPastMs) || nonce >= now_ms + kFutureMs) {
    return NonceVerdict::kOutOfWindow;
  }
  auto& kept = kept_[signer];
  const auto it = std::lower_bound(kept.begin(), kept.end(), nonce);
  if (it != kept.end() && *it == nonce) return NonceVerdict::kDuplicate;
  if (kept.size() >= kKept && nonce < kept.front()) return NonceVerdict::kTooLow;
  kept.insert(it, nonce);
  if (kept.size() > kKept) kept.erase(kept.begin());
  return NonceVerdict::kOk;
}

std::string nonce_error_text(NonceVerdict v, std::uint64_t nonce) {
  const std::string n = std::to_string(nonce);
  switch (v) {
    case NonceVerdict::kDuplicate:
      return "Invalid nonce: duplicate nonce " + n;
    case NonceVerdict::kTooLow:
      return "Invalid nonce: nonce " + n + " is lower than the lowest of the 100 highest nonces";
    case NonceVerdict::kOutOfWindow:
      return "Invalid nonce: nonce " + n + " is outside the allowed time window";
    case NonceVerdict::kOk:
      break;
  }
  return {};
}

std::string address_hex(const Address& a) { return crypto::to_hex0x(a.data(), a.size()); }

bool parse_address(std::string_view text, Address* out) noexcept {
  if (text.size() != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return false;
  return crypto::parse_hex(text, out->data(), out->size());
}

}  // namespace peregrine::venue_sim::hl
