// Error values shared by the Coinbase codecs (market data, orders, REST bodies).
// Any thread: plain enums and a constant-string lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace peregrine::gateways::coinbase {

enum class CodecError : std::uint8_t {
  kOk = 0,
  kEmpty,           // zero-length or whitespace-only input
  kNotJson,         // first non-space byte is not '{'
  kNoPadding,       // buffer lacks simdjson::SIMDJSON_PADDING readable bytes after the input
  kTooLarge,        // *_unpadded() input above the parser's limit
  kBadJson,         // syntax error, truncated document
  kWrongType,       // a field has the wrong JSON type
  kMissingField,    // a required field is absent
  kBadDecimal,      // a decimal string common::Price::parse rejects
  kBadValue,        // unknown side/type enum, non-positive price, bad timestamp, ...
  kUnknownChannel,  // a channel this codec does not handle
  kCapacity,        // more entries than the fixed output buffers hold
};
inline constexpr std::size_t kCodecErrorCount = static_cast<std::size_t>(CodecError::kCapacity) + 1;
[[nodiscard]] std::string_view to_string(CodecError e) noexcept;

}  // namespace peregrine::gateways::coinbase
