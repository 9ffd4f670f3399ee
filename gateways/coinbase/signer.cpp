#include "gateways/coinbase/signer.hpp"

namespace peregrine::gateways::coinbase {

void LegacySigner::sign(std::int64_t unix_s, std::string_view method, std::string_view request_path,
                        std::string_view body, LegacyAuthHeaders& out) const noexcept {
  out.key = key_;
  // Decimal seconds, as the venue's examples show ("1667500462").
  char tmp[20];
  std::size_t n = 0;
  const bool negative = unix_s < 0;
  auto v = negative ? ~static_cast<std::uint64_t>(unix_s) + 1 : static_cast<std::uint64_t>(unix_s);
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < sizeof(tmp));
  std::size_t o = 0;
  if (negative) out.timestamp_buf[o++] = '-';
  while (n > 0 && o < out.timestamp_buf.size()) out.timestamp_buf[o++] = tmp[--n];
  out.timestamp_len = o;

  const auto q = request_path.find('?');
  if (q != std::string_view::npos) request_path = request_path.substr(0, q);
  hmac_.sign_hex({out.timestamp(), method, request_path, body}, out.sign_buf.data());
}

}  // namespace peregrine::gateways::coinbase
