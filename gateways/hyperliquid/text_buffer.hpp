// A fixed-capacity text builder for small request bodies and WS subscription frames (the HL
// gateways' internal helper). Owned by one thread; no allocation, overflow reported by ok().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ids.hpp"
#include "gateways/hyperliquid/encoding.hpp"

namespace peregrine::gateways::hyperliquid::detail {

class Text {
 public:
  Text(char* buf, std::size_t cap) noexcept : buf_(buf), cap_(cap) {}
  void add(std::string_view s) noexcept {
    if (s.size() > cap_ - len_) {
      bad_ = true;
      return;
    }
    for (char c : s) buf_[len_++] = c;
  }
  void add_u64(std::uint64_t v) noexcept {
    char tmp[24];
    add({tmp, JsonWriter::format_u64(v, tmp)});
  }
  void add_cloid(const common::ClientOrderId& c) noexcept {
    char tmp[common::ClientOrderId::kCloidLen];
    add({tmp, c.write_cloid(tmp)});
  }
  [[nodiscard]] bool ok() const noexcept { return !bad_; }
  [[nodiscard]] std::string_view view() const noexcept { return {buf_, len_}; }

 private:
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool bad_ = false;
};

}  // namespace peregrine::gateways::hyperliquid::detail
