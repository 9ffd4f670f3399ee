#include "common/ids.hpp"

#include <charconv>

namespace peregrine::common {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void write_hex64(std::uint64_t v, char* out) noexcept {
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[v & 0xf];
    v >>= 4;
  }
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses exactly 32 hex digits, skipping '-' at the given UUID positions when `uuid` is set.
Result<ClientOrderId, IdError> parse_hex128(std::string_view s, bool uuid) noexcept {
  std::uint64_t words[2] = {0, 0};
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (uuid && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (c != '-') return Unexpected{IdError::kBadChar};
      continue;
    }
    const int v = hex_value(c);
    if (v < 0) return Unexpected{IdError::kBadChar};
    std::uint64_t& w = words[digits / 16];
    w = (w << 4) | static_cast<std::uint64_t>(v);
    ++digits;
  }
  if (digits != 32) return Unexpected{IdError::kBadLength};
  return ClientOrderId{words[0], words[1]};
}

}  // namespace

std::string_view to_string(VenueId v) noexcept {
  switch (v) {
    case VenueId::kHyperliquid:
      return "hyperliquid";
    case VenueId::kBinance:
      return "binance";
    case VenueId::kBybit:
      return "bybit";
    case VenueId::kCoinbase:
      return "coinbase";
  }
  return "unknown";
}

bool parse_venue(std::string_view s, VenueId* out) noexcept {
  for (VenueId v : kAllVenues) {
    if (to_string(v) == s) {
      *out = v;
      return true;
    }
  }
  return false;
}

std::size_t ClientOrderId::write_cloid(char* out) const noexcept {
  out[0] = '0';
  out[1] = 'x';
  write_hex64(hi, out + 2);
  write_hex64(lo, out + 18);
  return kCloidLen;
}

std::size_t ClientOrderId::write_binance(char* out) const noexcept {
  out[0] = 'p';
  out[1] = 'g';
  write_hex64(hi, out + 2);
  write_hex64(lo, out + 18);
  return kBinanceLen;
}

std::size_t ClientOrderId::write_uuid(char* out) const noexcept {
  char hex[32];
  write_hex64(hi, hex);
  write_hex64(lo, hex + 16);
  std::size_t o = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out[o++] = '-';
    out[o++] = hex[i];
  }
  return kUuidLen;
}

std::string ClientOrderId::to_cloid() const {
  std::string s(kCloidLen, '\0');
  write_cloid(s.data());
  return s;
}

std::string ClientOrderId::to_binance() const {
  std::string s(kBinanceLen, '\0');
  write_binance(s.data());
  return s;
}

std::string ClientOrderId::to_uuid() const {
  std::string s(kUuidLen, '\0');
  write_uuid(s.data());
  return s;
}

Result<ClientOrderId, IdError> ClientOrderId::parse_cloid(std::string_view s) noexcept {
  if (s.size() != kCloidLen) return Unexpected{IdError::kBadLength};
  if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return Unexpected{IdError::kBadPrefix};
  return parse_hex128(s.substr(2), false);
}

Result<ClientOrderId, IdError> ClientOrderId::parse_binance(std::string_view s) noexcept {
  if (s.size() != kBinanceLen) return Unexpected{IdError::kBadLength};
  if (s[0] != 'p' || s[1] != 'g') return Unexpected{IdError::kBadPrefix};
  return parse_hex128(s.substr(2), false);
}

Result<ClientOrderId, IdError> ClientOrderId::parse_uuid(std::string_view s) noexcept {
  if (s.size() != kUuidLen) return Unexpected{IdError::kBadLength};
  return parse_hex128(s, true);
}

Result<VenueOrderId, IdError> VenueOrderId::parse(std::string_view s) noexcept {
  if (s.size() == ClientOrderId::kUuidLen) {
    auto r = parse_hex128(s, true);
    if (!r) return Unexpected{r.error()};
    return VenueOrderId{r->hi, r->lo, true};
  }
  if (s.empty() || s.size() > 20) return Unexpected{IdError::kBadLength};
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return Unexpected{IdError::kBadChar};
  return from_int(v);
}

std::string VenueOrderId::to_string() const {
  if (is_uuid) return ClientOrderId{hi, lo}.to_uuid();
  return std::to_string(lo);
}

}  // namespace peregrine::common
