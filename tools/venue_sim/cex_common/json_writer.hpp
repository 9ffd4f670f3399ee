// The simulator's one JSON text builder: venue responses, WS frames and admin answers (commas and
// escaping handled here so callers only state fields). Simulator thread only; one per document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/decimal.hpp"

namespace peregrine::venue_sim::cex {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(256); }

  JsonWriter& begin_object() {
    sep();
    out_.push_back('{');
    first_ = true;
    return *this;
  }
  JsonWriter& end_object() {
    out_.push_back('}');
    first_ = false;
    return *this;
  }
  JsonWriter& begin_array() {
    sep();
    out_.push_back('[');
    first_ = true;
    return *this;
  }
  JsonWriter& end_array() {
    out_.push_back(']');
    first_ = false;
    return *this;
  }
  JsonWriter& key(std::string_view k) {
    sep();
    quote(k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonWriter& str(std::string_view v) {
    sep();
    quote(v);
    return *this;
  }
  JsonWriter& num(std::int64_t v) {
    sep();
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& unum(std::uint64_t v) {
    sep();
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& boolean(bool v) {
    sep();
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonWriter& null() {
    sep();
    out_ += "null";
    return *this;
  }
  // A decimal as a JSON string ("61800.5"), the way every CEX sends prices and sizes.
  template <typename Tag>
  JsonWriter& dec(common::Fixed<Tag> v) {
    char buf[common::kDecimalMaxChars];
    return str(std::string_view(buf, v.format(buf)));
  }
  // Pre-rendered JSON (a nested document built elsewhere).
  JsonWriter& raw(std::string_view json) {
    sep();
    out_ += json;
    return *this;
  }

  // key + value shorthands.
  JsonWriter& kv(std::string_view k, std::string_view v) { return key(k).str(v); }
  JsonWriter& kv(std::string_view k, const char* v) { return key(k).str(v); }
  JsonWriter& kv_num(std::string_view k, std::int64_t v) { return key(k).num(v); }
  JsonWriter& kv_unum(std::string_view k, std::uint64_t v) { return key(k).unum(v); }
  JsonWriter& kv_bool(std::string_view k, bool v) { return key(k).boolean(v); }
  template <typename Tag>
  JsonWriter& kv_dec(std::string_view k, common::Fixed<Tag> v) {
    return key(k).dec(v);
  }

  [[nodiscard]] const std::string& view() const noexcept { return out_; }
  [[nodiscard]] std::string take() { return std::move(out_); }

 private:
  void sep() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  void quote(std::string_view s) {
    out_.push_back('"');
    // Runs of characters that need no escape are appended whole (most strings are one run).
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out_ += "\\u00";
            out_.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
            out_.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
          }
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_.push_back('"');
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace peregrine::venue_sim::cex
