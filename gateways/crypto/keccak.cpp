#include "gateways/crypto/keccak.hpp"

#include <crypto++/keccak.h>

#include <new>

namespace peregrine::gateways::crypto {

static_assert(sizeof(CryptoPP::Keccak_256) <= 320, "grow Keccak256::storage_");
static_assert(alignof(CryptoPP::Keccak_256) <= 8);

Hash32 keccak256(const void* data, std::size_t len) noexcept {
  CryptoPP::Keccak_256 h;
  Hash32 out;
  h.Update(static_cast<const CryptoPP::byte*>(data), len);
  h.Final(out.data());
  return out;
}

Keccak256::Keccak256() noexcept { new (storage_) CryptoPP::Keccak_256(); }

Keccak256::~Keccak256() {
  using Impl = CryptoPP::Keccak_256;
  std::launder(reinterpret_cast<Impl*>(storage_))->~Impl();
}

void Keccak256::update(const void* data, std::size_t len) noexcept {
  std::launder(reinterpret_cast<CryptoPP::Keccak_256*>(storage_))
      ->Update(static_cast<const CryptoPP::byte*>(data), len);
}

Hash32 Keccak256::finish() noexcept {
  Hash32 out;
  std::launder(reinterpret_cast<CryptoPP::Keccak_256*>(storage_))->Final(out.data());
  return out;
}

std::string to_hex0x(const std::uint8_t* data, std::size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 + 2 * len);
  s += "0x";
  for (std::size_t i = 0; i < len; ++i) {
    s += kHex[data[i] >> 4];
    s += kHex[data[i] & 0xf];
  }
  return s;
}

bool parse_hex(std::string_view hex, std::uint8_t* out, std::size_t len) noexcept {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() != 2 * len) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < len; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return true;
}

}  // namespace peregrine::gateways::crypto
