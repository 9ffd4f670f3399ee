#include "gateways/crypto/secp256k1_signer.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstring>
#include <stdexcept>

namespace peregrine::gateways::crypto {
namespace {

secp256k1_context* make_context() {
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  unsigned char seed[32];
  if (RAND_bytes(seed, sizeof(seed)) == 1) {
    // Blinding against side channels; failure leaves an unblinded (still correct) context.
    if (secp256k1_context_randomize(ctx, seed) != 1) {
      // Unreachable with a valid context; signing stays correct without blinding.
    }
  }
  OPENSSL_cleanse(seed, sizeof(seed));
  return ctx;
}

// n/2 for the low-s check, big-endian.
constexpr std::uint8_t kHalfOrder[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

Address address_of(const secp256k1_pubkey& pub) noexcept {
  unsigned char ser[65];
  size_t len = sizeof(ser);
  secp256k1_ec_pubkey_serialize(secp_context(), ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  const Hash32 h = keccak256(ser + 1, 64);
  Address a;
  std::memcpy(a.data(), h.data() + 12, 20);
  return a;
}

}  // namespace

std::string_view to_string(KeyError e) noexcept {
  switch (e) {
    case KeyError::kOk:
      return "ok";
    case KeyError::kBadHex:
      return "private key must be 32 bytes of hex (64 digits, optional 0x)";
    case KeyError::kInvalidKey:
      return "private key is not a valid secp256k1 scalar";
  }
  return "unknown key error";
}

const secp256k1_context_struct* secp_context() noexcept {
  static secp256k1_context* const ctx = make_context();
  return ctx;
}

common::Result<std::shared_ptr<const EcdsaKey>, KeyError> EcdsaKey::from_hex(std::string_view hex) {
  std::uint8_t secret[32];
  if (!parse_hex(hex, secret, sizeof(secret))) {
    OPENSSL_cleanse(secret, sizeof(secret));
    return common::Unexpected{KeyError::kBadHex};
  }
  auto r = from_bytes(secret);
  OPENSSL_cleanse(secret, sizeof(secret));
  return r;
}

common::Result<std::shared_ptr<const EcdsaKey>, KeyError> EcdsaKey::from_bytes(
    const std::uint8_t secret[32]) {
  if (secp256k1_ec_seckey_verify(secp_context(), secret) != 1) {
    return common::Unexpected{KeyError::kInvalidKey};
  }
  secp256k1_pubkey pub;
  if (secp256k1_ec_pubkey_create(secp_context(), &pub, secret) != 1) {
    return common::Unexpected{KeyError::kInvalidKey};
  }
  std::shared_ptr<EcdsaKey> key(new EcdsaKey());
  std::memcpy(key->secret_.data(), secret, 32);
  key->address_ = address_of(pub);
  return std::shared_ptr<const EcdsaKey>(std::move(key));
}

EcdsaKey::~EcdsaKey() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

std::string EcdsaKey::address_hex() const { return to_hex0x(address_.data(), address_.size()); }

RecoverableSignature EcdsaKey::sign(const Hash32& digest) const noexcept {
  secp256k1_ecdsa_recoverable_signature sig;
  // Cannot fail for a verified key and the default (RFC 6979) nonce function.
  const int ok = secp256k1_ecdsa_sign_recoverable(secp_context(), &sig, digest.data(),
                                                  secret_.data(), nullptr, nullptr);
  RecoverableSignature out;
  if (ok != 1) return out;
  unsigned char compact[64];
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(secp_context(), compact, &recid, &sig);
  std::memcpy(out.r.data(), compact, 32);
  std::memcpy(out.s.data(), compact + 32, 32);
  out.recid = static_cast<std::uint8_t>(recid);
  return out;
}

bool recover_address(const Hash32& digest, const RecoverableSignature& sig, Address* out) noexcept {
  if (sig.recid > 3) return false;
  unsigned char compact[64];
  std::memcpy(compact, sig.r.data(), 32);
  std::memcpy(compact + 32, sig.s.data(), 32);
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(secp_context(), &rsig, compact,
                                                          sig.recid) != 1) {
    return false;
  }
  secp256k1_pubkey pub;
  if (secp256k1_ecdsa_recover(secp_context(), &pub, &rsig, digest.data()) != 1) return false;
  *out = address_of(pub);
  return true;
}

bool is_low_s(const RecoverableSignature& sig) noexcept {
  return std::memcmp(sig.s.data(), kHalfOrder, 32) <= 0;
}

}  // namespace peregrine::gateways::crypto
