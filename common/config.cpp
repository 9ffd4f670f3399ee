#include "common/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace peregrine::common {

namespace detail {

struct LoadState {
  EnvLookup env;
  std::filesystem::path base_dir;
  std::vector<ConfigError> errors;

  void add(std::string path, std::string message, int line) {
    errors.push_back(ConfigError{std::move(path), std::move(message), line});
  }
};

}  // namespace detail

namespace {

constexpr std::size_t kMaxEchoChars = 60;

int line_of(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? 0 : m.line + 1;
}

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out = parent;
  out += '.';
  out += key;
  return out;
}

std::string_view kind_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "nothing";
  }
}

// Quoted, escaped and shortened for an error message.
std::string echo(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxEchoChars; ++i) {
    const char c = text[i];
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (std::isprint(static_cast<unsigned char>(c)) != 0) {
      out += c;
    } else {
      out += '?';
    }
  }
  if (text.size() > kMaxEchoChars) out += "...";
  out += '"';
  return out;
}

bool is_var_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Levenshtein distance, for "did you mean" on unknown keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0U : 1U)});
      diag = up;
    }
  }
  return row[b.size()];
}

struct FoundEntry {
  YAML::Node key;
  YAML::Node value;
};

std::optional<FoundEntry> find_entry(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return FoundEntry{kv.first, kv.second};
  }
  return std::nullopt;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(buf).str();
}

bool valid_host(std::string_view host, bool ipv6) {
  if (host.empty()) return false;
  return std::all_of(host.begin(), host.end(), [ipv6](char c) {
    const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    return ipv6 ? (std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.')
                : (alnum || c == '-' || c == '.' || c == '_');
  });
}

// The scalar's text after ${ENV} substitution; nullopt after recording why not. Substitution
// errors name variables only, so this is safe for secrets too.
std::optional<std::string> scalar_text(detail::LoadState& state, const YAML::Node& n,
                                       const std::string& path) {
  if (!n.IsScalar()) {
    state.add(path, "expected a scalar, got " + std::string(kind_name(n)), line_of(n));
    return std::nullopt;
  }
  auto sub = substitute_env(n.Scalar(), state.env);
  if (!sub.ok()) {
    state.add(path, sub.error(), line_of(n));
    return std::nullopt;
  }
  return std::move(sub).value();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Secret

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() noexcept {
  // volatile so the stores are not optimised away as dead.
  volatile char* p = value_.data();
  for (std::size_t i = 0; i < value_.size(); ++i) p[i] = '\0';
  value_.clear();
}

// ---------------------------------------------------------------------------------------------
// Url

bool Url::is_loopback() const noexcept {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// ---------------------------------------------------------------------------------------------
// Scalar parsers

Parsed<std::string> parse_string(std::string_view text) {
  if (text.empty()) return Parsed<std::string>::failure("expected a non-empty string");
  return std::string(text);
}

Parsed<bool> parse_bool(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return Parsed<bool>::failure("expected true or false");
}

Parsed<double> parse_double(std::string_view text) {
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) {
    return Parsed<double>::failure("expected a number");
  }
  return v;
}

Parsed<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max) {
  const std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
  std::string_view digits = text;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  std::int64_t v = 0;
  const char* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, v);
  if (digits.empty() || ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return Parsed<std::int64_t>::failure("expected an integer in " + range);
  }
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    return Parsed<std::int64_t>::failure("expected an integer in " + range);
  }
  return v;
}

Parsed<Duration> parse_duration(std::string_view text) {
  const auto fail = [] {
    return Parsed<Duration>::failure(
        "expected a duration: whole number and unit ns, us, ms, s, m or h (e.g. 500ms, 2s)");
  };
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) {
    ++digits;
  }
  if (digits == 0) return fail();
  std::int64_t count = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, count);
  if (ec != std::errc() || ptr != text.data() + digits) return fail();
  const std::string_view unit = text.substr(digits);
  std::int64_t ns_per_unit = 0;
  if (unit == "ns") {
    ns_per_unit = 1;
  } else if (unit == "us") {
    ns_per_unit = 1'000;
  } else if (unit == "ms") {
    ns_per_unit = 1'000'000;
  } else if (unit == "s") {
    ns_per_unit = 1'000'000'000;
  } else if (unit == "m") {
    ns_per_unit = 60'000'000'000;
  } else if (unit == "h") {
    ns_per_unit = 3'600'000'000'000;
  } else {
    return fail();
  }
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(count, ns_per_unit, &ns)) {
    return Parsed<Duration>::failure("expected a duration (too long)");
  }
  return Duration(ns);
}

Parsed<Url> parse_url(std::string_view text) {
  const auto fail = [](std::string_view why = {}) {
    std::string msg = "expected URL";
    if (!why.empty()) msg.append(" (").append(why).append(")");
    return Parsed<Url>::failure(std::move(msg));
  };
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
    return fail("contains whitespace");
  }
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) return fail();
  Url url;
  url.text = std::string(text);
  for (const char c : text.substr(0, sep)) {
    url.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::uint16_t default_port = 0;
  if (url.scheme == "http" || url.scheme == "ws") {
    default_port = 80;
  } else if (url.scheme == "https" || url.scheme == "wss") {
    default_port = 443;
  } else {
    return fail();
  }
  const std::string_view rest = text.substr(sep + 3);
  const std::size_t auth_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, auth_end);
  url.target = auth_end == std::string_view::npos ? "/" : std::string(rest.substr(auth_end));
  if (url.target.front() != '/') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return fail("user info is not allowed");

  std::string_view host = authority;
  std::string_view port;
  bool ipv6 = false;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail();
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return fail();
    if (!after.empty()) port = after.substr(1);
    ipv6 = true;
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!valid_host(host, ipv6)) return fail("no valid host");
  url.host = std::string(host);
  url.port = default_port;
  if (authority.ends_with(':') || !port.empty()) {
    auto p = parse_int(port, 1, 65535);
    if (!p.ok()) return fail("port must be 1-65535");
    url.port = static_cast<std::uint16_t>(p.value());
  }
  return url;
}

std::function<Parsed<Url>(std::string_view)> url_parser(
    std::initializer_list<std::string_view> schemes) {
  std::vector<std::string> allowed(schemes.begin(), schemes.end());
  std::string expected = "expected ";
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) expected += (i + 1 == allowed.size()) ? " or " : ", ";
    expected += allowed[i] + "://";
  }
  expected += " URL";
  return [allowed = std::move(allowed), expected = std::move(expected)](std::string_view text) {
    auto r = parse_url(text);
    if (r.ok() && std::find(allowed.begin(), allowed.end(), r.value().scheme) == allowed.end()) {
      return Parsed<Url>::failure(expected);
    }
    if (!r.ok() && r.error() == "expected URL") return Parsed<Url>::failure(expected);
    return r;
  };
}

Parsed<Secret> parse_secret(std::string_view text) {
  if (text.empty()) return Parsed<Secret>::failure("expected a non-empty secret");
  return Secret(std::string(text));
}

// ---------------------------------------------------------------------------------------------
// Environment

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

EnvLookup env_from_map(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Parsed<std::string> substitute_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  std::vector<std::string> missing;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i).starts_with("$${")) {
      out += "${";
      i += 3;
      continue;
    }
    if (!text.substr(i).starts_with("${")) {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return Parsed<std::string>::failure("unterminated ${...} reference");
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    const std::size_t colon = inner.find(':');
    const std::string_view name = inner.substr(0, colon);
    if (!is_var_name(name)) {
      return Parsed<std::string>::failure("invalid environment variable name " + echo(name) +
                                          " in ${...}");
    }
    if (auto value = env ? env(name) : std::nullopt) {
      out += *value;
    } else if (colon != std::string_view::npos) {
      out += inner.substr(colon + 1);
    } else {
      missing.emplace_back(name);
    }
    i = close + 1;
  }
  if (!missing.empty()) {
    std::string msg = missing.size() == 1 ? "environment variable " : "environment variables ";
    for (std::size_t k = 0; k < missing.size(); ++k) msg += (k > 0 ? ", " : "") + missing[k];
    msg += missing.size() == 1 ? " is not set" : " are not set";
    return Parsed<std::string>::failure(std::move(msg));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors

std::string ConfigError::to_string() const {
  return path.empty() ? message : path + ": " + message;
}

std::ostream& operator<<(std::ostream& os, const ConfigError& e) { return os << e.to_string(); }

// ---------------------------------------------------------------------------------------------
// ConfigNode

ConfigNode::ConfigNode(detail::LoadState* state, const YAML::Node* node, std::string path,
                       std::string name)
    : state_(state),
      node_(node != nullptr ? std::make_unique<YAML::Node>(*node) : nullptr),
      path_(std::move(path)),
      name_(std::move(name)) {}

ConfigNode::ConfigNode(ConfigNode&&) noexcept = default;
ConfigNode& ConfigNode::operator=(ConfigNode&&) noexcept = default;
ConfigNode::~ConfigNode() = default;

bool ConfigNode::has(std::string_view key) const {
  if (!node_) return false;
  const auto e = find_entry(*node_, key);
  return e.has_value() && !e->value.IsNull();
}

bool ConfigNode::present(std::string_view key) const {
  return node_ && find_entry(*node_, key).has_value();
}

void ConfigNode::mark_known(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
}

std::size_t ConfigNode::error_count() const noexcept { return state_->errors.size(); }

void ConfigNode::error(std::string_view key, std::string message) {
  int line = node_ ? line_of(*node_) : 0;
  if (node_) {
    if (const auto e = find_entry(*node_, key)) line = line_of(e->key);
  }
  state_->add(join_path(path_, key), std::move(message), line);
}

void ConfigNode::error(std::string message) {
  state_->add(path_, std::move(message), node_ ? line_of(*node_) : 0);
}

void ConfigNode::bad_value(const std::string& path, int line, std::string_view text,
                           std::string_view why, bool sensitive) {
  std::string message(why);
  if (!sensitive) message += ", got " + echo(text);
  state_->add(path, std::move(message), line);
}

std::optional<ConfigNode::Scalar> ConfigNode::take_scalar(std::string_view key, bool required) {
  mark_known(key);
  const std::string path = join_path(path_, key);
  const auto e = node_ ? find_entry(*node_, key) : std::nullopt;
  if (!e || e->value.IsNull()) {
    if (required) {
      const int line = e ? line_of(e->key) : (node_ ? line_of(*node_) : 0);
      state_->add(path, e ? "required key has no value" : "missing required key", line);
    }
    return std::nullopt;
  }
  auto text = scalar_text(*state_, e->value, path);
  if (!text) return std::nullopt;
  // "${VAR:}" on an optional key means "only if VAR is set".
  if (!required && text->empty() && e->value.Scalar().find("${") != std::string::npos) {
    return std::nullopt;
  }
  return Scalar{path, std::move(*text), line_of(e->value)};
}

std::optional<std::string> ConfigNode::resolve_secret(const Scalar& s) {
  constexpr std::string_view kPrefix = "file:";
  if (!std::string_view(s.text).starts_with(kPrefix)) return s.text;
  std::filesystem::path file(s.text.substr(kPrefix.size()));
  if (file.empty()) {
    state_->add(s.path, "expected a path after file:", s.line);
    return std::nullopt;
  }
  if (file.is_relative() && !state_->base_dir.empty()) file = state_->base_dir / file;
  auto content = read_file(file);
  if (!content) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(file, ec);
    state_->add(s.path,
                "cannot read secret file " + file.string() + (exists ? "" : " (no such file)"),
                s.line);
    return std::nullopt;
  }
  const std::string_view trimmed = trim(*content);
  if (trimmed.empty()) {
    state_->add(s.path, "secret file " + file.string() + " is empty", s.line);
    return std::nullopt;
  }
  return std::string(trimmed);
}

std::optional<ConfigNode> ConfigNode::open_map(std::string_view key, bool required) {
  mark_known(key);
  std::string path = join_path(path_, key);
  const auto e = node_ ? find_entry(*node_, key) : std::nullopt;
  if (!e || e->value.IsNull()) {
    if (required) {
      state_->add(path, "missing required section", e ? line_of(e->key) : 0);
      return std::nullopt;
    }
    return ConfigNode(state_, nullptr, std::move(path), std::string(key));
  }
  if (!e->value.IsMap()) {
    state_->add(path, "expected a map, got " + std::string(kind_name(e->value)), line_of(e->value));
    return std::nullopt;
  }
  return ConfigNode(state_, &e->value, std::move(path), std::string(key));
}

std::optional<YAML::Node> ConfigNode::find_shaped(std::string_view key, bool required,
                                                  bool want_list) {
  mark_known(key);
  const auto e = node_ ? find_entry(*node_, key) : std::nullopt;
  if (!e || e->value.IsNull()) {
    if (required)
      state_->add(join_path(path_, key), "missing required key", e ? line_of(e->key) : 0);
    return std::nullopt;
  }
  if (want_list ? !e->value.IsSequence() : !e->value.IsMap()) {
    state_->add(join_path(path_, key),
                std::string(want_list ? "expected a list" : "expected a map") + ", got " +
                    std::string(kind_name(e->value)),
                line_of(e->value));
    return std::nullopt;
  }
  return e->value;
}

std::vector<ConfigNode> ConfigNode::open_children(std::string_view key, Shape shape,
                                                  bool required) {
  std::vector<ConfigNode> out;
  const bool want_list = shape == Shape::kListOfMaps;
  const auto found = find_shaped(key, required, want_list);
  if (!found) return out;
  const std::string path = join_path(path_, key);
  std::set<std::string, std::less<>> seen;
  std::size_t index = 0;
  for (const auto& item : *found) {
    const YAML::Node value = want_list ? YAML::Node(item) : item.second;
    std::string name;
    if (want_list) {
      name = "[" + std::to_string(index++) + "]";
    } else if (!item.first.IsScalar()) {
      state_->add(path, "expected a scalar key", line_of(item.first));
      continue;
    } else {
      name = item.first.Scalar();
      if (!seen.insert(name).second) {
        state_->add(join_path(path, name), "duplicate key", line_of(item.first));
        continue;
      }
    }
    const std::string child_path = want_list ? path + name : join_path(path, name);
    if (value.IsNull()) {
      out.push_back(ConfigNode(state_, nullptr, child_path, name));
    } else if (!value.IsMap()) {
      state_->add(child_path, "expected a map, got " + std::string(kind_name(value)),
                  line_of(value));
    } else {
      out.push_back(ConfigNode(state_, &value, child_path, name));
    }
  }
  return out;
}

std::vector<ConfigNode::Scalar> ConfigNode::open_scalars(std::string_view key, bool required) {
  std::vector<Scalar> out;
  const auto found = find_shaped(key, required, true);
  if (!found) return out;
  const std::string path = join_path(path_, key);
  std::size_t index = 0;
  for (const auto& item : *found) {
    const std::string item_path = path + "[" + std::to_string(index++) + "]";
    if (auto text = scalar_text(*state_, item, item_path)) {
      out.push_back(Scalar{item_path, std::move(*text), line_of(item)});
    }
  }
  return out;
}

void ConfigNode::scalar_map(std::string_view key,
                            std::map<std::string, std::string, std::less<>>* out, bool required) {
  out->clear();
  const auto found = find_shaped(key, required, false);
  if (!found) return;
  const std::string path = join_path(path_, key);
  for (const auto& kv : *found) {
    if (!kv.first.IsScalar()) {
      state_->add(path, "expected a scalar key", line_of(kv.first));
      continue;
    }
    const std::string item_path = join_path(path, kv.first.Scalar());
    auto text = scalar_text(*state_, kv.second, item_path);
    if (text && !out->emplace(kv.first.Scalar(), std::move(*text)).second) {
      state_->add(item_path, "duplicate key", line_of(kv.first));
    }
  }
}

void ConfigNode::finish() {
  if (!node_ || !node_->IsMap()) return;
  std::set<std::string, std::less<>> seen;
  for (const auto& kv : *node_) {
    if (!kv.first.IsScalar()) {
      state_->add(path_, "expected a scalar key", line_of(kv.first));
      continue;
    }
    const std::string& key = kv.first.Scalar();
    const std::string path = join_path(path_, key);
    if (!seen.insert(key).second) {
      state_->add(path, "duplicate key", line_of(kv.first));
      continue;
    }
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string message = "unknown key";
    const std::string* best = nullptr;
    std::size_t best_distance = 3;  // suggest only close matches
    for (const std::string& k : known_) {
      const std::size_t d = edit_distance(key, k);
      if (d < best_distance) {
        best_distance = d;
        best = &k;
      }
    }
    if (best != nullptr) message += " (did you mean \"" + *best + "\"?)";
    state_->add(path, std::move(message), line_of(kv.first));
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points

std::vector<ConfigError> load_yaml(std::string_view text, const LoadOptions& options,
                                   const std::function<void(ConfigNode&)>& load) {
  detail::LoadState state{options.env ? options.env : process_env(), options.base_dir, {}};
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsNull() && !root.IsMap()) {
      state.add("", "expected a map at the top level, got " + std::string(kind_name(root)),
                line_of(root));
      return std::move(state.errors);
    }
    ConfigNode node(&state, root.IsNull() ? nullptr : &root, "", "");
    load(node);
    node.finish();
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    std::string message = "YAML syntax error";
    if (!e.mark.is_null()) {
      message +=
          " at line " + std::to_string(line) + ", column " + std::to_string(e.mark.column + 1);
    }
    state.add("", message + ": " + e.msg, line);
  } catch (const std::exception& e) {
    state.add("", std::string("internal error while loading config: ") + e.what(), 0);
  }
  return std::move(state.errors);
}

std::vector<ConfigError> load_yaml_file(const std::filesystem::path& path,
                                        const LoadOptions& options,
                                        const std::function<void(ConfigNode&)>& load) {
  std::optional<std::string> text;
  try {
    text = read_file(path);
  } catch (const std::exception&) {
    text.reset();
  }
  if (!text) return {ConfigError{"", "cannot read config file " + path.string(), 0}};
  LoadOptions opts = options;
  if (opts.base_dir.empty()) opts.base_dir = path.parent_path();
  return load_yaml(*text, opts, load);
}

}  // namespace peregrine::common
