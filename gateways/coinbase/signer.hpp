// Coinbase legacy key auth: CB-ACCESS-SIGN = hex HMAC-SHA256(timestamp + METHOD + path + body).
// Immutable after construction: any thread may sign concurrently; no allocation when signing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateways/crypto/hmac_sha256.hpp"

namespace peregrine::gateways::coinbase {

inline constexpr std::string_view kHeaderAccessKey = "CB-ACCESS-KEY";
inline constexpr std::string_view kHeaderAccessSign = "CB-ACCESS-SIGN";
inline constexpr std::string_view kHeaderAccessTimestamp = "CB-ACCESS-TIMESTAMP";

// The three header values of one request. Views point into this struct or the signer.
struct LegacyAuthHeaders {
  std::string_view key;
  std::array<char, 20> timestamp_buf{};
  std::size_t timestamp_len = 0;
  std::array<char, 64> sign_buf{};

  [[nodiscard]] std::string_view timestamp() const noexcept {
    return {timestamp_buf.data(), timestamp_len};
  }
  [[nodiscard]] std::string_view sign() const noexcept { return {sign_buf.data(), 64}; }
};

// Why it is fast: the HMAC key's padded states are computed once (crypto::HmacSha256Key), so a
// request costs the SHA-256 blocks of its own bytes (~1 us for an order body), and the message is
// hashed from its four parts without being concatenated first.
class LegacySigner {
 public:
  // `secret` is used as raw bytes (the legacy Advanced Trade secret is NOT base64-decoded, unlike
  // Coinbase Exchange); only derived HMAC states are kept.
  LegacySigner(std::string api_key, std::string_view secret)
      : key_(std::move(api_key)), hmac_(secret) {}

  // unix_s: the request time in Unix seconds (the venue accepts +-30 s). request_path: the path
  // without host; anything from '?' on is not signed (venue doc §2.4). body: exactly the bytes
  // sent ("" for GET). `method` must be upper case ("POST").
  void sign(std::int64_t unix_s, std::string_view method, std::string_view request_path,
            std::string_view body, LegacyAuthHeaders& out) const noexcept;

  [[nodiscard]] const std::string& api_key() const noexcept { return key_; }

 private:
  std::string key_;
  crypto::HmacSha256Key hmac_;
};

}  // namespace peregrine::gateways::coinbase
