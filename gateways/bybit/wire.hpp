// Internal helpers shared by the Bybit codecs: a bounded text sink for request bodies and query
// strings, and simdjson On-Demand accessors with error codes. Any thread; no allocation.
#pragma once

#include <simdjson.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "common/decimal.hpp"
#include "common/events.hpp"

namespace peregrine::gateways::bybit::detail {

// Appends into a caller-provided buffer; once full it stops writing and remembers the overflow,
// so a builder writes straight through and checks once at the end.
class TextSink {
 public:
  TextSink(char* out, std::size_t cap) noexcept : begin_(out), p_(out), end_(out + cap) {}

  void put(char c) noexcept {
    if (p_ < end_) {
      *p_++ = c;
    } else {
      overflow_ = true;
    }
  }
  void put(std::string_view s) noexcept {
    if (s.size() <= static_cast<std::size_t>(end_ - p_)) {
      if (!s.empty()) std::memcpy(p_, s.data(), s.size());
      p_ += s.size();
    } else {
      overflow_ = true;
    }
  }
  void put_u64(std::uint64_t v) noexcept {
    char buf[20];
    std::size_t n = 0;
    do {
      buf[sizeof(buf) - 1 - n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    put(std::string_view(buf + sizeof(buf) - n, n));
  }
  template <typename Tag>
  void put_fixed(common::Fixed<Tag> v) noexcept {
    char buf[common::kDecimalMaxChars];
    put(std::string_view(buf, v.format(buf)));
  }

  [[nodiscard]] bool overflow() const noexcept { return overflow_; }
  [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(p_ - begin_); }

 private:
  char* begin_;
  char* p_;
  char* end_;
  bool overflow_ = false;
};

// {"k":"v","k2":n,...} in call order. Values are written verbatim: callers validate strings so
// they never need JSON escaping.
class JsonObject {
 public:
  explicit JsonObject(TextSink& s) noexcept : s_(s) { s_.put('{'); }
  void str(std::string_view key, std::string_view value) noexcept {
    name(key);
    s_.put('"');
    s_.put(value);
    s_.put('"');
  }
  template <typename Tag>
  void dec(std::string_view key, common::Fixed<Tag> value) noexcept {
    name(key);
    s_.put('"');
    s_.put_fixed(value);
    s_.put('"');
  }
  void integer(std::string_view key, std::uint64_t value) noexcept {
    name(key);
    s_.put_u64(value);
  }
  void boolean(std::string_view key, bool value) noexcept {
    name(key);
    s_.put(value ? std::string_view("true") : std::string_view("false"));
  }
  void close() noexcept { s_.put('}'); }

 private:
  void name(std::string_view key) noexcept {
    if (!first_) s_.put(',');
    first_ = false;
    s_.put('"');
    s_.put(key);
    s_.put("\":");
  }
  TextSink& s_;
  bool first_ = true;
};

// k=v&k2=v2 in call order (values validated by the caller: URL-safe, never re-encoded).
class QueryString {
 public:
  explicit QueryString(TextSink& s) noexcept : s_(s) {}
  void str(std::string_view key, std::string_view value) noexcept {
    name(key);
    s_.put(value);
  }
  void integer(std::string_view key, std::uint64_t value) noexcept {
    name(key);
    s_.put_u64(value);
  }

 private:
  void name(std::string_view key) noexcept {
    if (!first_) s_.put('&');
    first_ = false;
    s_.put(key);
    s_.put('=');
  }
  TextSink& s_;
  bool first_ = true;
};

// ---- parsing ----

namespace od = simdjson::ondemand;

inline constexpr std::uint64_t kMaxMillis =
    static_cast<std::uint64_t>(std::numeric_limits<common::Nanos>::max() / 1'000'000);

[[nodiscard]] inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// True when the whole document was consumed (no trailing content after the root value).
[[nodiscard]] inline bool at_end(od::document& doc) noexcept {
  const char* p = nullptr;
  return doc.current_location().get(p) == simdjson::OUT_OF_BOUNDS;
}

// Single writer: a relaxed load + store avoids a locked RMW on the hot path.
template <typename Atomic>
inline void bump(Atomic& c) noexcept {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// 64-bit FNV-1a: venue ids that are not plain integers (UUID trade and execution ids).
[[nodiscard]] inline std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// A decimal id ("2280000001739247417") as itself; anything else hashed (never 0 for non-empty).
[[nodiscard]] inline std::uint64_t id_to_u64(std::string_view s) noexcept {
  if (!s.empty() && s.size() <= 19) {
    std::uint64_t v = 0;
    bool digits = true;
    for (const char c : s) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits) return v;
  }
  const std::uint64_t h = fnv1a64(s);
  return h == 0 ? 1 : h;
}

// Bybit sends integers both as JSON numbers and as strings ("createdTime":"1672364262444").
[[nodiscard]] inline simdjson::error_code get_u64_any(od::value& v, std::uint64_t& out) noexcept {
  od::json_type t;
  if (auto e = v.type().get(t); e != simdjson::SUCCESS) return e;
  if (t == od::json_type::number) return v.get_uint64().get(out);
  if (t != od::json_type::string) return simdjson::INCORRECT_TYPE;
  std::string_view s;
  if (auto e = v.get_string().get(s); e != simdjson::SUCCESS) return e;
  if (s.empty() || s.size() > 19) return simdjson::NUMBER_ERROR;
  std::uint64_t r = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return simdjson::NUMBER_ERROR;
    r = r * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = r;
  return simdjson::SUCCESS;
}

// Same for signed values ("seq": -1 for a never-traded symbol).
[[nodiscard]] inline simdjson::error_code get_i64_any(od::value& v, std::int64_t& out) noexcept {
  od::json_type t;
  if (auto e = v.type().get(t); e != simdjson::SUCCESS) return e;
  if (t == od::json_type::number) return v.get_int64().get(out);
  if (t != od::json_type::string) return simdjson::INCORRECT_TYPE;
  std::string_view s;
  if (auto e = v.get_string().get(s); e != simdjson::SUCCESS) return e;
  const bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty() || s.size() > 18) return simdjson::NUMBER_ERROR;
  std::int64_t r = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return simdjson::NUMBER_ERROR;
    r = r * 10 + (c - '0');
  }
  out = neg ? -r : r;
  return simdjson::SUCCESS;
}

}  // namespace peregrine::gateways::bybit::detail
