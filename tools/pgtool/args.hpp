// Minimal "--flag value" / "--switch" parser for pgtool subcommands. Main thread only.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace peregrine::tools {

// Thrown for usage errors; main() prints the message on one line and exits 2.
struct UsageError {
  std::string message;
};

class Args {
 public:
  // `valued` flags take a value, `switches` do not; anything else is a usage error.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
       const std::set<std::string>& switches);
  [[nodiscard]] std::optional<std::string> get(const std::string& flag) const;
  [[nodiscard]] std::string require(const std::string& flag) const;
  [[nodiscard]] bool has(const std::string& flag) const { return switches_.count(flag) != 0; }
  [[nodiscard]] std::optional<std::uint64_t> get_u64(const std::string& flag) const;
  [[nodiscard]] std::optional<int> get_int(const std::string& flag, int min, int max) const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
};

// Reads a secret given as a literal, "env:VAR" or "file:PATH"; the value is never echoed.
[[nodiscard]] std::string read_secret(const std::string& flag, const std::string& spec);

}  // namespace peregrine::tools
