#include "tools/venue_sim/cex_common/params.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "gateways/crypto/hmac_sha256.hpp"

namespace peregrine::venue_sim::cex {

namespace {
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> url_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool Params::add_form(std::string_view text) {
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = url_decode(pair.substr(0, eq), true);
    auto value =
        url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!name || !value) return false;
    set(std::move(*name), std::move(*value));
  }
  return true;
}

void Params::set(std::string name, std::string value) {
  if (has(name)) return;
  items_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Params::get(std::string_view name) const noexcept {
  for (const auto& [k, v] : items_) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view s) noexcept {
  if (s.empty() || s.size() > 19) return std::nullopt;
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '-') {
    neg = true;
    i = 1;
    if (s.size() == 1) return std::nullopt;
  }
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v)) {
      return std::nullopt;
    }
  }
  return neg ? -v : v;
}

bool hex_equal_ci(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned>(std::tolower(static_cast<unsigned char>(a[i])));
    const auto y = static_cast<unsigned>(std::tolower(static_cast<unsigned char>(b[i])));
    diff |= x ^ y;
  }
  return diff == 0;
}

std::string hmac_hex(std::string_view secret, std::initializer_list<std::string_view> parts) {
  const gateways::crypto::HmacSha256Key key(secret);
  std::string out(64, '0');
  // An empty part from a default string_view has a null data(); the hasher would memcpy from it.
  std::string joined;
  for (const auto p : parts) joined.append(p.data() == nullptr ? "" : p);
  static_cast<void>(key.sign_hex(std::string_view(joined.data(), joined.size()), out.data()));
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string rfc3339(std::int64_t epoch_ns) {
  const std::time_t secs = static_cast<std::time_t>(epoch_ns / 1'000'000'000);
  const auto micros = static_cast<long>((epoch_ns % 1'000'000'000) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const int n =
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  return std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0));
}

}  // namespace peregrine::venue_sim::cex
