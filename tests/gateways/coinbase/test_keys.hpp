// Throwaway EC keys generated with OpenSSL for the Coinbase JWT tests, independently of the code
// under test. Test thread only.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace peregrine::gateways::coinbase::testing {

// Published, test-only key of coinbase/coinbase-advanced-py tests/constants.py (not a secret),
// exactly as that SDK stores it: SEC1 PEM with literal "\n" escapes.
inline constexpr const char* kSdkTestKeyName =
    "organizations/test-organization/apiKeys/test-api-key";
inline constexpr const char* kSdkTestKeyEscaped =
    "-----BEGIN EC PRIVATE "
    "KEY-----\\nMHcCAQEEIKwf3Uox30cRWzRBOPoPOH5p0Gpb0Dt8zUKXUEM5fMkGoAoGCCqGSM49"
    "\\nAwEHoUQDQgAEbAtpLlSZYVOwYICz+uEyxcS29vRIujiES/gQ1DC7FV4zK4JuYE9v\\nqDyGZQYjdXHLM7I6f/QnnOIT"
    "L+dXYWBHRA==\\n-----END EC PRIVATE KEY-----\\n";

struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline PkeyPtr generate_ec(const char* curve = "P-256") {
  PkeyPtr k(EVP_EC_gen(curve));
  if (!k) throw std::runtime_error("EVP_EC_gen failed");
  return k;
}

enum class PemKind { kSec1, kPkcs8, kPublic };

inline std::string to_pem(EVP_PKEY* k, PemKind kind) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  int ok = 0;
  switch (kind) {
    case PemKind::kSec1:  // "-----BEGIN EC PRIVATE KEY-----", what the CDP portal issues
      ok =
          PEM_write_bio_PrivateKey_traditional(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemKind::kPkcs8:  // "-----BEGIN PRIVATE KEY-----"
      ok = PEM_write_bio_PrivateKey(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemKind::kPublic:
      ok = PEM_write_bio_PUBKEY(bio.get(), k);
      break;
  }
  if (ok != 1) throw std::runtime_error("PEM write failed");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace peregrine::gateways::coinbase::testing
