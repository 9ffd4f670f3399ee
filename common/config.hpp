// YAML config reader: typed fields, ${ENV} substitution, secrets, every error reported at once.
// Start-up only, one thread: load the config before any agent starts; results are plain values.
//
// A struct's load function declares the keys it reads; anything else is an error:
//
//   void load(ConfigNode& n, VenueConfig& out) {
//     n.required("rest_url", &out.rest_url, url_parser({"http", "https"}));
//     n.optional("port", &out.port, std::uint16_t{8080});
//     n.optional_map("limits", &out.limits, load_limits);
//   }
//   auto result = load_config_file<EngineConfig>("configs/paper.yaml", load);
//   for (const ConfigError& e : result.errors) std::cerr << e << '\n';
//
// Errors carry the full dotted path ("venues.binance.rest_url: expected URL, got \"htp:/x\"").
// Nothing escapes the loader: YAML syntax errors and exceptions become ConfigErrors.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/decimal.hpp"

namespace YAML {
class Node;
}  // namespace YAML

namespace peregrine::common {

// ---------------------------------------------------------------------------------------------
// Values

// A private key or API secret. Printing or formatting it in any way shows "***"; only the code
// that signs calls reveal(). The buffer is wiped on destruction (best effort: copies made by
// the signer are its own business).
class Secret {
 public:
  static constexpr std::string_view kMask = "***";

  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  [[nodiscard]] const std::string& reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  [[nodiscard]] std::string to_string() const { return std::string(kMask); }

  friend std::ostream& operator<<(std::ostream& os, const Secret&) { return os << kMask; }
  // absl::StrCat / absl::StrFormat("%v") support without depending on Abseil here.
  template <typename Sink>
  friend void AbslStringify(Sink& sink, const Secret&) {
    sink.Append(kMask);
  }

 private:
  void wipe() noexcept;
  std::string value_;
};

[[nodiscard]] inline std::string to_string(const Secret& s) { return s.to_string(); }

// ws://, wss://, http:// or https:// with a host; no user info (credentials never go in URLs).
struct Url {
  std::string text;        // as written (after ${ENV} substitution)
  std::string scheme;      // lower case
  std::string host;        // IPv6 without brackets
  std::uint16_t port = 0;  // explicit or the scheme's default (80/443)
  std::string target;      // path and query, "/" when empty

  [[nodiscard]] bool tls() const noexcept { return scheme == "https" || scheme == "wss"; }
  [[nodiscard]] bool is_loopback() const noexcept;
  friend bool operator==(const Url& a, const Url& b) { return a.text == b.text; }
  friend std::ostream& operator<<(std::ostream& os, const Url& u) { return os << u.text; }
};

using Duration = std::chrono::nanoseconds;

// ---------------------------------------------------------------------------------------------
// Scalar parsers: callables (std::string_view text) -> Parsed<T>. On failure the message says
// what was expected ("expected URL"); the reader appends the offending text unless it is a secret.

template <typename T>
class Parsed {
 public:
  Parsed(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  [[nodiscard]] static Parsed failure(std::string message) { return Parsed(std::move(message), 0); }

  [[nodiscard]] bool ok() const noexcept { return value_.has_value(); }
  [[nodiscard]] T& value() & { return *value_; }
  [[nodiscard]] T&& value() && { return std::move(*value_); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  Parsed(std::string message, int) : error_(std::move(message)) {}
  std::optional<T> value_;
  std::string error_;
};

// Non-empty text.
[[nodiscard]] Parsed<std::string> parse_string(std::string_view text);
// "true" or "false".
[[nodiscard]] Parsed<bool> parse_bool(std::string_view text);
[[nodiscard]] Parsed<double> parse_double(std::string_view text);
// Whole number and unit: ns, us, ms, s, m, h ("500ms", "2s", "0s").
[[nodiscard]] Parsed<Duration> parse_duration(std::string_view text);
// Any of ws, wss, http, https.
[[nodiscard]] Parsed<Url> parse_url(std::string_view text);
// Non-empty secret ("file:" references are resolved by the reader before any Secret parser runs).
[[nodiscard]] Parsed<Secret> parse_secret(std::string_view text);
// Integer in [min, max], decimal digits with an optional sign.
[[nodiscard]] Parsed<std::int64_t> parse_int(std::string_view text, std::int64_t min,
                                             std::int64_t max);

// URL restricted to the given schemes, e.g. url_parser({"ws", "wss"}).
[[nodiscard]] std::function<Parsed<Url>(std::string_view)> url_parser(
    std::initializer_list<std::string_view> schemes);

template <typename I>
[[nodiscard]] auto int_parser(I min = std::numeric_limits<I>::min(),
                              I max = std::numeric_limits<I>::max()) {
  static_assert(std::is_integral_v<I> && !std::is_same_v<I, bool>);
  static_assert(sizeof(I) < 8 || std::is_signed_v<I>, "range must fit in int64");
  return [min, max](std::string_view text) -> Parsed<I> {
    auto r = parse_int(text, static_cast<std::int64_t>(min), static_cast<std::int64_t>(max));
    if (!r.ok()) return Parsed<I>::failure(r.error());
    return static_cast<I>(r.value());
  };
}

enum class Sign : std::uint8_t { kAny, kNonNegative, kPositive };

// Exact decimal (Price, Qty, Money or any Fixed<Tag>) via Fixed::parse: never through double.
template <typename F>
[[nodiscard]] auto decimal_parser(Sign sign = Sign::kAny) {
  return [sign](std::string_view text) -> Parsed<F> {
    auto r = F::parse(text);
    if (!r) {
      return Parsed<F>::failure("expected a decimal (" + std::string(to_string(r.error())) + ")");
    }
    if (sign == Sign::kPositive && !r->is_positive()) {
      return Parsed<F>::failure("expected a positive decimal");
    }
    if (sign == Sign::kNonNegative && r->is_negative()) {
      return Parsed<F>::failure("expected a decimal >= 0");
    }
    return *r;
  };
}

template <typename E>
struct EnumName {
  std::string_view name;
  E value;
};

// One of a fixed list of names; the error lists them all.
template <typename E, std::size_t N>
[[nodiscard]] auto enum_parser(const std::array<EnumName<E>, N>& names) {
  return [names](std::string_view text) -> Parsed<E> {
    std::string expected = "expected one of";
    for (const auto& n : names) {
      if (n.name == text) return n.value;
      expected += (&n == names.data() ? " " : ", ");
      expected += n.name;
    }
    return Parsed<E>::failure(std::move(expected));
  };
}

// The parser used when a field is read without one.
template <typename T>
[[nodiscard]] auto default_parser() {
  if constexpr (std::is_same_v<T, std::string>) {
    return &parse_string;
  } else if constexpr (std::is_same_v<T, bool>) {
    return &parse_bool;
  } else if constexpr (std::is_integral_v<T>) {
    return int_parser<T>();
  } else if constexpr (std::is_same_v<T, double>) {
    return &parse_double;
  } else if constexpr (std::is_same_v<T, Duration>) {
    return &parse_duration;
  } else if constexpr (std::is_same_v<T, Url>) {
    return &parse_url;
  } else if constexpr (std::is_same_v<T, Secret>) {
    return &parse_secret;
  } else {
    return decimal_parser<T>();  // Price, Qty, Money, other Fixed<Tag>
  }
}

// ---------------------------------------------------------------------------------------------
// Environment

// Returns the variable's value, or nullopt if it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the process environment (getenv). Start-up only: getenv races with setenv.
[[nodiscard]] EnvLookup process_env();
// A fixed environment, for tests and tools.
[[nodiscard]] EnvLookup env_from_map(std::map<std::string, std::string, std::less<>> vars);

// Replaces ${NAME} and ${NAME:default} in one scalar; "$${" is a literal "${". Values are not
// rescanned. Errors name the variable, never the surrounding text (it may be a secret).
[[nodiscard]] Parsed<std::string> substitute_env(std::string_view text, const EnvLookup& env);

// ---------------------------------------------------------------------------------------------
// Errors and results

struct ConfigError {
  std::string path;     // dotted, with [i] for list items; empty for whole-file errors
  std::string message;  // never contains a secret
  int line = 0;         // 1-based line in the file, 0 when unknown

  [[nodiscard]] std::string to_string() const;  // "path: message"
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};
std::ostream& operator<<(std::ostream& os, const ConfigError& e);

struct LoadOptions {
  EnvLookup env;                   // empty: the process environment
  std::filesystem::path base_dir;  // relative "file:" paths; empty: the config file's directory
};

template <typename T>
struct LoadResult {
  T value{};
  std::vector<ConfigError> errors;
  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

namespace detail {
struct LoadState;
}  // namespace detail

class ConfigNode;

// Parses `text` and runs `load` on the root map. Never throws.
[[nodiscard]] std::vector<ConfigError> load_yaml(std::string_view text, const LoadOptions& options,
                                                 const std::function<void(ConfigNode&)>& load);

// ---------------------------------------------------------------------------------------------
// The reader

// One YAML map being read. Each key a load function asks for is marked as known; when the load
// function returns, every other key is reported as unknown. A missing or null value counts as
// absent. Errors never stop the load: the field keeps its previous (default) value and reading
// goes on, so one pass finds every problem.
class ConfigNode {
 public:
  ConfigNode(ConfigNode&&) noexcept;
  ConfigNode& operator=(ConfigNode&&) noexcept;
  ConfigNode(const ConfigNode&) = delete;
  ConfigNode& operator=(const ConfigNode&) = delete;
  ~ConfigNode();

  // "venues.binance"; "" at the root.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // Last path component: the key for map entries ("binance"), "[i]" for list items.
  [[nodiscard]] std::string_view name() const noexcept { return name_; }
  // True if the key is present with a non-null value. Does not mark the key as known.
  [[nodiscard]] bool has(std::string_view key) const;
  // Errors recorded so far for the whole document (lets validation skip cascades).
  [[nodiscard]] std::size_t error_count() const noexcept;

  // Scalars. `parse` is a callable (std::string_view) -> Parsed<T>; without it, default_parser.
  // For Secret fields, "file:PATH" is read (and trimmed) before `parse` sees the text.
  // Each returns true if the key was present and valid (and *out was set from it).
  template <typename T, typename Parser>
  bool required(std::string_view key, T* out, Parser&& parse) {
    return read_scalar(key, out, std::forward<Parser>(parse), true);
  }
  template <typename T>
  bool required(std::string_view key, T* out) {
    return required(key, out, default_parser<T>());
  }
  // Absent (or "${VAR:}" with VAR unset) leaves `fallback`.
  template <typename T, typename Parser>
  bool optional(std::string_view key, T* out, std::type_identity_t<T> fallback, Parser&& parse) {
    *out = std::move(fallback);
    return read_scalar(key, out, std::forward<Parser>(parse), false);
  }
  template <typename T>
  bool optional(std::string_view key, T* out, std::type_identity_t<T> fallback) {
    return optional(key, out, std::move(fallback), default_parser<T>());
  }
  // Absent stays nullopt.
  template <typename T, typename Parser>
  bool optional(std::string_view key, std::optional<T>* out, Parser&& parse) {
    out->reset();
    T value{};
    if (!read_scalar(key, &value, std::forward<Parser>(parse), false)) return false;
    *out = std::move(value);
    return true;
  }
  template <typename T>
  bool optional(std::string_view key, std::optional<T>* out) {
    return optional(key, out, default_parser<T>());
  }

  // Nested map read by load(ConfigNode&, T&). An absent optional map reads as {} so the
  // loader's defaults (and its "missing key" errors) apply.
  template <typename T, typename Load>
  void required_map(std::string_view key, T* out, Load&& load) {
    read_map(key, out, std::forward<Load>(load), true);
  }
  template <typename T, typename Load>
  void optional_map(std::string_view key, T* out, Load&& load) {
    read_map(key, out, std::forward<Load>(load), false);
  }
  // Reads the map only if the key is there (null counts as {}); returns whether it was.
  template <typename T, typename Load>
  bool map_if_present(std::string_view key, T* out, Load&& load) {
    if (!present(key)) {
      mark_known(key);
      return false;
    }
    read_map(key, out, std::forward<Load>(load), false);
    return true;
  }

  // List of maps, each read by load(ConfigNode&, T&). Absent optional list: empty.
  template <typename T, typename Load>
  void list(std::string_view key, std::vector<T>* out, Load&& load, bool required = false) {
    out->clear();
    for (ConfigNode& item : open_children(key, Shape::kListOfMaps, required)) {
      T value{};
      load(item, value);
      item.finish();
      out->push_back(std::move(value));
    }
  }

  // List of scalars.
  template <typename T, typename Parser>
  void scalar_list(std::string_view key, std::vector<T>* out, Parser&& parse,
                   bool required = false) {
    out->clear();
    for (const auto& [path, text, line] : open_scalars(key, required)) {
      auto r = parse(std::string_view(text));
      if (r.ok()) {
        out->push_back(std::move(r).value());
      } else {
        bad_value(path, line, text, r.error(), std::is_same_v<T, Secret>);
      }
    }
  }

  // Map keyed by name ("desks: {alpha: {...}, beta: {...}}"); load(ConfigNode&, T&) sees the
  // key as node.name().
  template <typename T, typename Load>
  void map_of(std::string_view key, std::map<std::string, T, std::less<>>* out, Load&& load,
              bool required = false) {
    out->clear();
    for (ConfigNode& item : open_children(key, Shape::kMapOfMaps, required)) {
      T value{};
      load(item, value);
      item.finish();
      out->emplace(std::string(item.name()), std::move(value));
    }
  }

  // Free map of scalars kept as text (after substitution), e.g. strategy params.
  void scalar_map(std::string_view key, std::map<std::string, std::string, std::less<>>* out,
                  bool required = false);

  // Validation errors found by the load function itself.
  void error(std::string_view key, std::string message);  // at path.key (the key's line)
  void error(std::string message);                        // at this node

 private:
  friend std::vector<ConfigError> load_yaml(std::string_view text, const LoadOptions& options,
                                            const std::function<void(ConfigNode&)>& load);
  enum class Shape : std::uint8_t { kListOfMaps, kMapOfMaps };
  struct Scalar {
    std::string path;
    std::string text;
    int line = 0;
  };

  ConfigNode(detail::LoadState* state, const YAML::Node* node, std::string path, std::string name);

  [[nodiscard]] bool present(std::string_view key) const;  // key exists, even with a null value
  void mark_known(std::string_view key);

  // Finds a scalar, marks the key known and substitutes ${ENV}; nullopt when absent (error if
  // required) or broken (error recorded).
  std::optional<Scalar> take_scalar(std::string_view key, bool required);
  // Reads "file:PATH" references for secrets; nullopt after recording an error.
  std::optional<std::string> resolve_secret(const Scalar& s);
  std::optional<ConfigNode> open_map(std::string_view key, bool required);
  // The value under `key` if it is a list (or a map); nullopt after any error.
  std::optional<YAML::Node> find_shaped(std::string_view key, bool required, bool want_list);
  std::vector<ConfigNode> open_children(std::string_view key, Shape shape, bool required);
  std::vector<Scalar> open_scalars(std::string_view key, bool required);
  void bad_value(const std::string& path, int line, std::string_view text, std::string_view why,
                 bool sensitive);
  void finish();  // reports unknown and duplicate keys

  template <typename T, typename Parser>
  bool read_scalar(std::string_view key, T* out, Parser&& parse, bool required) {
    constexpr bool kSensitive = std::is_same_v<T, Secret>;
    auto s = take_scalar(key, required);
    if (!s) return false;
    if constexpr (kSensitive) {
      auto resolved = resolve_secret(*s);
      if (!resolved) return false;
      s->text = std::move(*resolved);
    }
    auto r = parse(std::string_view(s->text));
    if (!r.ok()) {
      bad_value(s->path, s->line, s->text, r.error(), kSensitive);
      return false;
    }
    *out = std::move(r).value();
    return true;
  }

  template <typename T, typename Load>
  void read_map(std::string_view key, T* out, Load&& load, bool required) {
    if (auto child = open_map(key, required)) {
      load(*child, *out);
      child->finish();
    }
  }

  detail::LoadState* state_ = nullptr;
  std::unique_ptr<YAML::Node> node_;  // null: an absent optional map, read as {}
  std::string path_;
  std::string name_;
  std::vector<std::string> known_;
};

// Reads the file first; an unreadable file is one error.
[[nodiscard]] std::vector<ConfigError> load_yaml_file(const std::filesystem::path& path,
                                                      const LoadOptions& options,
                                                      const std::function<void(ConfigNode&)>& load);

template <typename T, typename Load>
[[nodiscard]] LoadResult<T> load_config_string(std::string_view text, Load&& load,
                                               const LoadOptions& options = {}) {
  LoadResult<T> result;
  result.errors = load_yaml(text, options, [&](ConfigNode& n) { load(n, result.value); });
  return result;
}

template <typename T, typename Load>
[[nodiscard]] LoadResult<T> load_config_file(const std::filesystem::path& path, Load&& load,
                                             const LoadOptions& options = {}) {
  LoadResult<T> result;
  result.errors = load_yaml_file(path, options, [&](ConfigNode& n) { load(n, result.value); });
  return result;
}

}  // namespace peregrine::common
