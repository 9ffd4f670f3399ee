// Self-signed TLS certificate for the simulator's `tls: true` venues, generated in memory at
// start-up (EC P-256, CN 127.0.0.1, SAN IP:127.0.0.1 and DNS:localhost). Start-up only.
#pragma once

#include <string>

namespace peregrine::venue_sim {

struct SelfSignedCert {
  std::string cert_pem;
  std::string key_pem;  // never logged or written to disk
};

// Returns false and sets *error (no key material in it) when OpenSSL fails.
[[nodiscard]] bool make_self_signed_cert(SelfSignedCert* out, std::string* error);

}  // namespace peregrine::venue_sim
