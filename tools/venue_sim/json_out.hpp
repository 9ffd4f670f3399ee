// Minimal JSON text builder for the simulator's own answers (admin, Hyperliquid frames): commas
// and escaping live here so callers only state fields. Simulator thread only; one per document.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/decimal.hpp"

namespace peregrine::venue_sim {

class JsonOut {
 public:
  JsonOut() { out_.reserve(256); }

  JsonOut& obj() { return open('{'); }
  JsonOut& end_obj() { return close('}'); }
  JsonOut& arr() { return open('['); }
  JsonOut& end_arr() { return close(']'); }
  JsonOut& key(std::string_view k) {
    sep();
    quote(k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonOut& str(std::string_view v) {
    sep();
    quote(v);
    return *this;
  }
  JsonOut& num(std::int64_t v) {
    sep();
    out_ += std::to_string(v);
    return *this;
  }
  JsonOut& unum(std::uint64_t v) {
    sep();
    out_ += std::to_string(v);
    return *this;
  }
  JsonOut& boolean(bool v) {
    sep();
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonOut& null() {
    sep();
    out_ += "null";
    return *this;
  }
  // Pre-serialized JSON (an echoed subscription, a nested document).
  JsonOut& raw(std::string_view json) {
    sep();
    out_ += json;
    return *this;
  }
  // A decimal as a JSON string, in the shortest exact form ("42727", "0.02265").
  template <typename Tag>
  JsonOut& dec(common::Fixed<Tag> v) {
    sep();
    out_.push_back('"');
    out_ += v.to_string();
    out_.push_back('"');
    return *this;
  }
  // Key-value shorthands.
  JsonOut& kv(std::string_view k, std::string_view v) { return key(k).str(v); }
  JsonOut& kv_num(std::string_view k, std::int64_t v) { return key(k).num(v); }
  JsonOut& kv_unum(std::string_view k, std::uint64_t v) { return key(k).unum(v); }
  JsonOut& kv_bool(std::string_view k, bool v) { return key(k).boolean(v); }
  template <typename Tag>
  JsonOut& kv_dec(std::string_view k, common::Fixed<Tag> v) {
    return key(k).dec(v);
  }

  [[nodiscard]] const std::string& text() const noexcept { return out_; }
  [[nodiscard]] std::string take() noexcept { return std::move(out_); }

 private:
  JsonOut& open(char c) {
    sep();
    out_.push_back(c);
    first_ = true;
    return *this;
  }
  JsonOut& close(char c) {
    out_.push_back(c);
    first_ = false;
    return *this;
  }
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
    for (const char c : s) {
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
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out_ += buf;
          } else {
            out_.push_back(c);
          }
      }
    }
    out_.push_back('"');
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace peregrine::venue_sim
