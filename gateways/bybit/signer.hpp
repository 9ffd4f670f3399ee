// Bybit v5 request signing: REST HMAC-SHA256 headers and the private WebSocket auth message.
// A Signer is immutable after construction: any thread may sign with it concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateways/crypto/hmac_sha256.hpp"

namespace peregrine::gateways::bybit {

// Why it is fast: the secret's HMAC pads are absorbed once (crypto::HmacSha256Key), the four
// parts of the string to sign are hashed in place without being concatenated, and every header
// value is written into a fixed buffer: signing allocates nothing.

inline constexpr std::size_t kSignatureHexLen = 64;
inline constexpr std::size_t kMaxApiKeyLen = 64;
inline constexpr std::uint32_t kDefaultRecvWindowMs = 5000;

inline constexpr std::string_view kHeaderApiKey = "X-BAPI-API-KEY";
inline constexpr std::string_view kHeaderTimestamp = "X-BAPI-TIMESTAMP";
inline constexpr std::string_view kHeaderRecvWindow = "X-BAPI-RECV-WINDOW";
inline constexpr std::string_view kHeaderSign = "X-BAPI-SIGN";
inline constexpr std::string_view kHeaderSignType = "X-BAPI-SIGN-TYPE";
inline constexpr std::string_view kSignTypeHmac = "2";  // sent by pybit and the official samples

// The five auth header values of one signed REST request, in fixed buffers. api_key points into
// the Signer, which must outlive it.
struct RestAuth {
  std::string_view api_key;
  std::array<char, 20> timestamp_buf{};
  std::array<char, 10> recv_window_buf{};
  std::array<char, kSignatureHexLen> sign_buf{};
  std::uint8_t timestamp_len = 0;
  std::uint8_t recv_window_len = 0;

  [[nodiscard]] std::string_view timestamp() const noexcept {
    return {timestamp_buf.data(), timestamp_len};
  }
  [[nodiscard]] std::string_view recv_window() const noexcept {
    return {recv_window_buf.data(), recv_window_len};
  }
  [[nodiscard]] std::string_view sign() const noexcept {
    return {sign_buf.data(), sign_buf.size()};
  }
  [[nodiscard]] static constexpr std::string_view sign_type() noexcept { return kSignTypeHmac; }

  // "X-BAPI-API-KEY: k\r\nX-BAPI-TIMESTAMP: t\r\nX-BAPI-RECV-WINDOW: w\r\nX-BAPI-SIGN: s\r\n
  //  X-BAPI-SIGN-TYPE: 2\r\n" for a raw HTTP/1.1 writer. Returns the length, 0 if `cap` is short.
  [[nodiscard]] std::size_t write_http_headers(char* out, std::size_t cap) const noexcept;
};

class Signer {
 public:
  // Start-up. Throws std::invalid_argument when the API key is empty, longer than kMaxApiKeyLen
  // or holds anything but [A-Za-z0-9] (it is sent in a header and inside the WS auth JSON), or
  // when the secret is empty. The message never contains the secret.
  Signer(std::string_view api_key, std::string_view secret);
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  [[nodiscard]] std::string_view api_key() const noexcept { return {api_key_.data(), key_len_}; }

  // HMAC-SHA256(secret, timestamp + api_key + recv_window + payload) as lowercase hex, where
  // payload is the query string (GET, without '?') or the JSON body (POST), byte-identical to
  // what is sent. Fills every header value of `out`.
  void sign_rest(std::uint64_t timestamp_ms, std::uint32_t recv_window_ms, std::string_view payload,
                 RestAuth& out) const noexcept;

  // Lowercase hex HMAC-SHA256(secret, "GET/realtime" + expires_ms) into out[64].
  void sign_ws_auth(std::uint64_t expires_ms, char* out) const noexcept;

  // {"req_id":"..","op":"auth","args":["<api_key>",<expires_ms>,"<signature>"]} (req_id omitted
  // when empty; it must not need JSON escaping). Returns the length, 0 if `cap` is too small or
  // req_id is not plain text. expires_ms is a FUTURE time (e.g. now + 10 s).
  [[nodiscard]] std::size_t write_ws_auth(std::uint64_t expires_ms, std::string_view req_id,
                                          char* out, std::size_t cap) const noexcept;

 private:
  crypto::HmacSha256Key key_;
  std::array<char, kMaxApiKeyLen> api_key_{};
  std::size_t key_len_ = 0;
};

// Decimal digits of v into out (>= 20 bytes); returns the length.
std::size_t write_decimal(std::uint64_t v, char* out) noexcept;

// The exact REST string to sign (tests and pgtool; allocates).
[[nodiscard]] std::string rest_string_to_sign(std::uint64_t timestamp_ms, std::string_view api_key,
                                              std::uint32_t recv_window_ms,
                                              std::string_view payload);

}  // namespace peregrine::gateways::bybit
