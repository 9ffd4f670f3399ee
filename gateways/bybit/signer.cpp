#include "gateways/bybit/signer.hpp"

#include <cstring>
#include <stdexcept>

#include "gateways/bybit/wire.hpp"

namespace peregrine::gateways::bybit {
namespace {

constexpr std::string_view kWsAuthPrefix = "GET/realtime";

bool is_key_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_plain_text(std::string_view s) noexcept {
  for (const char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

std::size_t write_decimal(std::uint64_t v, char* out) noexcept {
  char buf[20];
  std::size_t n = 0;
  do {
    buf[sizeof(buf) - 1 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  std::memcpy(out, buf + sizeof(buf) - n, n);
  return n;
}

std::size_t RestAuth::write_http_headers(char* out, std::size_t cap) const noexcept {
  detail::TextSink sink(out, cap);
  const auto header = [&sink](std::string_view name, std::string_view value) {
    sink.put(name);
    sink.put(": ");
    sink.put(value);
    sink.put("\r\n");
  };
  header(kHeaderApiKey, api_key);
  header(kHeaderTimestamp, timestamp());
  header(kHeaderRecvWindow, recv_window());
  header(kHeaderSign, sign());
  header(kHeaderSignType, sign_type());
  return sink.overflow() ? 0 : sink.size();
}

Signer::Signer(std::string_view api_key, std::string_view secret) : key_(secret) {
  if (api_key.empty() || api_key.size() > kMaxApiKeyLen) {
    throw std::invalid_argument("bybit api key: expected 1.." + std::to_string(kMaxApiKeyLen) +
                                " characters");
  }
  for (const char c : api_key) {
    if (!is_key_char(c)) throw std::invalid_argument("bybit api key: only [A-Za-z0-9] allowed");
  }
  if (secret.empty()) throw std::invalid_argument("bybit api secret: empty");
  std::memcpy(api_key_.data(), api_key.data(), api_key.size());
  key_len_ = api_key.size();
}

void Signer::sign_rest(std::uint64_t timestamp_ms, std::uint32_t recv_window_ms,
                       std::string_view payload, RestAuth& out) const noexcept {
  out.api_key = api_key();
  out.timestamp_len =
      static_cast<std::uint8_t>(write_decimal(timestamp_ms, out.timestamp_buf.data()));
  out.recv_window_len =
      static_cast<std::uint8_t>(write_decimal(recv_window_ms, out.recv_window_buf.data()));
  key_.sign_hex({out.timestamp(), out.api_key, out.recv_window(), payload}, out.sign_buf.data());
}

void Signer::sign_ws_auth(std::uint64_t expires_ms, char* out) const noexcept {
  char digits[20];
  const std::size_t n = write_decimal(expires_ms, digits);
  key_.sign_hex({kWsAuthPrefix, std::string_view(digits, n)}, out);
}

std::size_t Signer::write_ws_auth(std::uint64_t expires_ms, std::string_view req_id, char* out,
                                  std::size_t cap) const noexcept {
  if (!is_plain_text(req_id)) return 0;
  char sig[kSignatureHexLen];
  sign_ws_auth(expires_ms, sig);
  detail::TextSink sink(out, cap);
  sink.put('{');
  if (!req_id.empty()) {
    sink.put("\"req_id\":\"");
    sink.put(req_id);
    sink.put("\",");
  }
  sink.put("\"op\":\"auth\",\"args\":[\"");
  sink.put(api_key());
  sink.put("\",");
  sink.put_u64(expires_ms);
  sink.put(",\"");
  sink.put(std::string_view(sig, sizeof(sig)));
  sink.put("\"]}");
  return sink.overflow() ? 0 : sink.size();
}

std::string rest_string_to_sign(std::uint64_t timestamp_ms, std::string_view api_key,
                                std::uint32_t recv_window_ms, std::string_view payload) {
  std::string s = std::to_string(timestamp_ms);
  s += api_key;
  s += std::to_string(recv_window_ms);
  s += payload;
  return s;
}

}  // namespace peregrine::gateways::bybit
