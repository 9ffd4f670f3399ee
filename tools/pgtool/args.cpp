#include "tools/pgtool/args.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace peregrine::tools {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
           const std::set<std::string>& switches) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (valued.count(a) != 0) {
      if (i + 1 >= argv.size()) throw UsageError{a + " needs a value"};
      values_[a] = argv[++i];
    } else if (switches.count(a) != 0) {
      switches_.insert(a);
    } else {
      throw UsageError{"unknown argument '" + a + "'"};
    }
  }
}

std::optional<std::string> Args::get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::require(const std::string& flag) const {
  auto v = get(flag);
  if (!v) throw UsageError{"missing required " + flag};
  return *v;
}

std::optional<std::uint64_t> Args::get_u64(const std::string& flag) const {
  auto v = get(flag);
  if (!v) return std::nullopt;
  std::uint64_t out = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size()) {
    throw UsageError{flag + ": expected an unsigned integer, got '" + *v + "'"};
  }
  return out;
}

std::optional<int> Args::get_int(const std::string& flag, int min, int max) const {
  auto v = get(flag);
  if (!v) return std::nullopt;
  int out = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || out < min || out > max) {
    throw UsageError{flag + ": expected an integer in " + std::to_string(min) + ".." +
                     std::to_string(max) + ", got '" + *v + "'"};
  }
  return out;
}

std::string read_secret(const std::string& flag, const std::string& spec) {
  if (spec.rfind("env:", 0) == 0) {
    const char* v = std::getenv(spec.substr(4).c_str());
    if (v == nullptr)
      throw UsageError{flag + ": environment variable " + spec.substr(4) + " is not set"};
    return v;
  }
  if (spec.rfind("file:", 0) == 0) {
    std::ifstream in(spec.substr(5));
    if (!in) throw UsageError{flag + ": cannot read " + spec.substr(5)};
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
  }
  return spec;
}

}  // namespace peregrine::tools
