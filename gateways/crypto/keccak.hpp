// Ethereum Keccak-256 (the original Keccak padding, not NIST SHA3-256), via Crypto++.
// Any thread; stateless functions, no allocation (Crypto++ keeps Keccak state inline).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace peregrine::gateways::crypto {

using Hash32 = std::array<std::uint8_t, 32>;

[[nodiscard]] Hash32 keccak256(const void* data, std::size_t len) noexcept;
[[nodiscard]] inline Hash32 keccak256(std::string_view s) noexcept {
  return keccak256(s.data(), s.size());
}

// Incremental form for preimages assembled from parts (no concatenation buffer needed).
class Keccak256 {
 public:
  Keccak256() noexcept;
  ~Keccak256();
  Keccak256(const Keccak256&) = delete;
  Keccak256& operator=(const Keccak256&) = delete;
  void update(const void* data, std::size_t len) noexcept;
  [[nodiscard]] Hash32 finish() noexcept;  // also resets for reuse

 private:
  alignas(8) unsigned char storage_[320];  // CryptoPP::Keccak_256, constructed in place
};

// Lowercase hex with "0x" prefix.
[[nodiscard]] std::string to_hex0x(const std::uint8_t* data, std::size_t len);
// Parses hex with optional 0x prefix into exactly `len` bytes; false on bad length or digit.
[[nodiscard]] bool parse_hex(std::string_view hex, std::uint8_t* out, std::size_t len) noexcept;

}  // namespace peregrine::gateways::crypto
