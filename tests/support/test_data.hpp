// Locating the recorded market data in ../shared/data (or $PEREGRINE_DATA) for tests.
// Absent data skips the test with a clear message, except under CI=true where it fails.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace peregrine::testing {

inline std::filesystem::path data_root() {
  if (const char* env = std::getenv("PEREGRINE_DATA"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::filesystem::path(PEREGRINE_SOURCE_DIR) / ".." / "shared" / "data";
}

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace peregrine::testing

// Sets `path_var` to the data file, or skips (fails under CI=true) when it is missing.
#define PEREGRINE_REQUIRE_DATA(path_var, relative)                                       \
  const std::filesystem::path path_var = ::peregrine::testing::data_root() / (relative); \
  if (!std::filesystem::exists(path_var)) {                                              \
    if (::peregrine::testing::in_ci()) {                                                 \
      FAIL() << "recorded data missing under CI: " << path_var;                          \
    }                                                                                    \
    GTEST_SKIP() << "recorded data not found: " << path_var                              \
                 << " (set PEREGRINE_DATA or place ../shared/data beside the repo)";     \
  }
