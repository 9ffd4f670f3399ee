// Output sinks shared by the action encoders: a fixed byte buffer, a msgpack writer that emits
// exactly what msgpack-python emits for Hyperliquid actions, and a JSON writer that emits the
// same values for the /exchange body. Owned by one thread; no allocation, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <msgpack.hpp>

namespace peregrine::gateways::hyperliquid {

// A caller-owned byte range written front to back. Overflow sets a flag instead of throwing,
// so a too-small buffer is an error value at the end of encoding.
class ByteSink {
 public:
  ByteSink(char* data, std::size_t capacity) noexcept : data_(data), capacity_(capacity) {}
  // msgpack::packer calls write(); so does everything else.
  void write(const char* p, std::size_t n) noexcept {
    if (n > capacity_ - size_) {
      overflow_ = true;
      return;
    }
    std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  void put(char c) noexcept { write(&c, 1); }
  void put(std::string_view s) noexcept { write(s.data(), s.size()); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }
  [[nodiscard]] const char* data() const noexcept { return data_; }
  [[nodiscard]] std::string_view view() const noexcept { return {data_, size_}; }
  void clear() noexcept {
    size_ = 0;
    overflow_ = false;
  }

 private:
  char* data_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  bool overflow_ = false;
};

// The value-writer interface the action visitors use (duck-typed by the templates in
// actions.hpp): map(n), array(n), key(k), str(s), uint(v), sint(v), boolean(b), nil().
// msgpack-cxx's packer already picks the smallest forms: positive fixint/uint8..64 for
// non-negative values, fixstr/str8/str16 by length (str8 for 32..255 bytes, as msgpack-python).
class MsgpackWriter {
 public:
  explicit MsgpackWriter(ByteSink& sink) noexcept : packer_(sink) {}
  void map(std::uint32_t n) { packer_.pack_map(n); }
  void array(std::uint32_t n) { packer_.pack_array(n); }
  void key(std::string_view k) { str(k); }
  void str(std::string_view s) {
    packer_.pack_str(static_cast<std::uint32_t>(s.size()));
    packer_.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
  }
  void uint(std::uint64_t v) { packer_.pack_uint64(v); }
  void sint(std::int64_t v) { packer_.pack_int64(v); }
  void boolean(bool b) { b ? packer_.pack_true() : packer_.pack_false(); }
  void nil() { packer_.pack_nil(); }
  void end() {}

 private:
  msgpack::packer<ByteSink> packer_;
};

// Compact JSON with the same structure. Strings written by actions are ASCII without quotes
// or backslashes (decimals, hex, fixed names); str() escapes anyway for arbitrary input.
class JsonWriter {
 public:
  explicit JsonWriter(ByteSink& sink) noexcept : sink_(sink) {}
  void map(std::uint32_t) { open('{'); }
  void array(std::uint32_t) { open('['); }
  void end() { pop(); }
  void key(std::string_view k) {
    comma();
    quoted(k);
    sink_.put(':');
    after_key_ = true;
  }
  void str(std::string_view s) {
    comma();
    quoted(s);
  }
  void uint(std::uint64_t v) {
    comma();
    char buf[24];
    const auto n = format_u64(v, buf);
    sink_.write(buf, n);
  }
  void sint(std::int64_t v) {
    comma();
    if (v < 0) {
      sink_.put('-');
      char buf[24];
      const auto n = format_u64(~static_cast<std::uint64_t>(v) + 1, buf);
      sink_.write(buf, n);
    } else {
      char buf[24];
      const auto n = format_u64(static_cast<std::uint64_t>(v), buf);
      sink_.write(buf, n);
    }
  }
  void boolean(bool b) {
    comma();
    sink_.put(b ? std::string_view("true") : std::string_view("false"));
  }
  void nil() {
    comma();
    sink_.put("null");
  }
  // Pre-formatted JSON value (e.g. a nested object already written elsewhere).
  void raw(std::string_view json) {
    comma();
    sink_.put(json);
  }

  static std::size_t format_u64(std::uint64_t v, char* out) noexcept {
    char tmp[24];
    std::size_t n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    for (std::size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
    return n;
  }

 private:
  static constexpr int kMaxDepth = 16;
  void open(char c) {
    comma();
    sink_.put(c);
    if (depth_ < kMaxDepth) {
      closers_[depth_] = c == '{' ? '}' : ']';
      first_[depth_] = true;
    }
    ++depth_;
  }
  void pop() {
    if (depth_ == 0) return;
    --depth_;
    sink_.put(depth_ < kMaxDepth ? closers_[depth_] : '}');
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ == 0 || depth_ > kMaxDepth) return;
    if (first_[depth_ - 1]) {
      first_[depth_ - 1] = false;
    } else {
      sink_.put(',');
    }
  }
  void quoted(std::string_view s) {
    sink_.put('"');
    for (char c : s) {
      if (c == '"' || c == '\\') {
        sink_.put('\\');
        sink_.put(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        const char esc[6] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
        sink_.write(esc, 6);
      } else {
        sink_.put(c);
      }
    }
    sink_.put('"');
  }

  ByteSink& sink_;
  char closers_[kMaxDepth] = {};
  bool first_[kMaxDepth] = {};
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace peregrine::gateways::hyperliquid
