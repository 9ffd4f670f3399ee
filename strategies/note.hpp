// NoteBuf: formats one journal line on the stack for StrategyContext::note(), no allocation.
// Strategy thread only (a plain local value). Text past the capacity is cut, never overflows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "common/decimal.hpp"

namespace peregrine::strategies {

class NoteBuf {
 public:
  static constexpr std::size_t kCapacity = 240;

  NoteBuf& operator<<(std::string_view s) noexcept {
    const std::size_t n = s.size() < room() ? s.size() : room();
    std::memcpy(buf_ + len_, s.data(), n);
    len_ += n;
    return *this;
  }
  NoteBuf& operator<<(const char* s) noexcept { return *this << std::string_view(s); }
  NoteBuf& operator<<(std::int64_t v) noexcept {
    char tmp[24];
    const int n = std::snprintf(tmp, sizeof tmp, "%lld", static_cast<long long>(v));
    return *this << std::string_view(tmp, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  NoteBuf& operator<<(int v) noexcept { return *this << static_cast<std::int64_t>(v); }
  NoteBuf& operator<<(std::uint64_t v) noexcept { return *this << static_cast<std::int64_t>(v); }
  // Ratios and scores: 4 decimals is plenty for a journal line.
  NoteBuf& operator<<(double v) noexcept {
    char tmp[32];
    const int n = std::snprintf(tmp, sizeof tmp, "%.4f", v);
    return *this << std::string_view(tmp, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  template <typename Tag>
  NoteBuf& operator<<(common::Fixed<Tag> v) noexcept {
    char tmp[common::kDecimalMaxChars];
    return *this << std::string_view(tmp, v.format(tmp));
  }

  [[nodiscard]] std::string_view view() const noexcept { return {buf_, len_}; }

 private:
  [[nodiscard]] std::size_t room() const noexcept { return kCapacity - len_; }
  char buf_[kCapacity];
  std::size_t len_ = 0;
};

}  // namespace peregrine::strategies
