// Entry-point macro of the fuzz harnesses in tests/fuzz (docs/fuzzing.md). A harness is written
// once against PEREGRINE_FUZZ_TARGET(name) { ...data, size... } and becomes:
//  * with -DPEREGRINE_LIBFUZZER: the LLVMFuzzerTestOneInput of its own libFuzzer executable;
//  * otherwise: a target registered by name in the single gtest binary `fuzz_corpus_test`, which
//    runs it over its seed corpus (tests/fuzz/corpus/<name>/, plus frames of the recorded
//    captures) and a bounded number of deterministic mutations.
// FUZZ_CHECK(cond) states an invariant that must hold for ANY input; a violation prints the
// condition and aborts, so libFuzzer saves the input and the gtest binary fails.
// Fuzz harnesses only: allocation, files and aborts are all fine here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace peregrine::fuzz {

using FuzzFn = void (*)(const std::uint8_t* data, std::size_t size);
// Extra seeds taken at test time (the recorded captures); gtest mode only.
using SeedFn = std::vector<std::string> (*)();

[[noreturn]] inline void check_failed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", cond, file, line);
  std::fflush(stderr);
  std::abort();
}

// Splits an input into frames at '\n' (the harnesses feed multi-frame inputs through one
// parser, so sequence and book state are fuzzed too). Empty frames are kept: a zero-length
// frame is an input like any other.
inline std::vector<std::string_view> split_frames(const std::uint8_t* data, std::size_t size,
                                                  std::size_t max_frames = 64) {
  std::vector<std::string_view> out;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  while (out.size() + 1 < max_frames) {
    const std::size_t nl = all.find('\n', start);
    if (nl == std::string_view::npos) break;
    out.push_back(all.substr(start, nl - start));
    start = nl + 1;
  }
  out.push_back(all.substr(start));
  return out;
}

// First byte of a frame picks an entry point: its position in `tags` when it is one of them
// (seeds use readable letters), otherwise the byte modulo the count. The rest is the body.
inline std::size_t pick_entry(std::string_view& frame, std::string_view tags) {
  if (frame.empty() || tags.empty()) return 0;
  const auto c = static_cast<unsigned char>(frame.front());
  frame.remove_prefix(1);
  const std::size_t at = tags.find(static_cast<char>(c));
  return at != std::string_view::npos ? at : c % tags.size();
}

#ifndef PEREGRINE_LIBFUZZER
// Defined in fuzz_corpus_test.cpp.
bool register_target(const char* name, FuzzFn fn);
bool register_seeds(const char* name, SeedFn fn);
#endif

}  // namespace peregrine::fuzz

#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) ::peregrine::fuzz::check_failed(#cond, __FILE__, __LINE__); \
  } while (false)

#ifdef PEREGRINE_LIBFUZZER
#define PEREGRINE_FUZZ_TARGET(name)                                                   \
  static void peregrine_fuzz_##name(const std::uint8_t* data, std::size_t size);      \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    peregrine_fuzz_##name(data, size);                                                \
    return 0;                                                                         \
  }                                                                                   \
  static void peregrine_fuzz_##name(const std::uint8_t* data, std::size_t size)
// Capture seeds are a test-time corpus; tools/fuzz seeds libFuzzer from the committed corpus.
#define PEREGRINE_FUZZ_SEEDS(name) \
  [[maybe_unused]] static std::vector<std::string> peregrine_fuzz_seeds_##name()
#else
#define PEREGRINE_FUZZ_TARGET(name)                                              \
  static void peregrine_fuzz_##name(const std::uint8_t* data, std::size_t size); \
  [[maybe_unused]] static const bool peregrine_fuzz_registered_##name =          \
      ::peregrine::fuzz::register_target(#name, &peregrine_fuzz_##name);         \
  static void peregrine_fuzz_##name(const std::uint8_t* data, std::size_t size)
#define PEREGRINE_FUZZ_SEEDS(name)                                            \
  static std::vector<std::string> peregrine_fuzz_seeds_##name();              \
  [[maybe_unused]] static const bool peregrine_fuzz_seeds_registered_##name = \
      ::peregrine::fuzz::register_seeds(#name, &peregrine_fuzz_seeds_##name); \
  static std::vector<std::string> peregrine_fuzz_seeds_##name()
#endif
