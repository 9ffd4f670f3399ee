// fuzz_corpus_test: runs every fuzz harness of tests/fuzz (registered through fuzz_target.hpp)
// over its committed seeds (tests/fuzz/corpus/<target>/), the frames of the recorded captures
// in ../shared/data (skipped when the data is absent, unless CI=true), and a bounded number of
// deterministic mutations of them. A violated invariant aborts the binary after printing the
// target and the input (also written to fuzz-crash-<target>.bin in the working directory), so
// CI fails and the input can be replayed by the libFuzzer executable.
// PEREGRINE_FUZZ_ITERS (mutations per target) and PEREGRINE_FUZZ_SEED explore further by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "support/test_data.hpp"

namespace peregrine::fuzz {
namespace {

struct Registered {
  FuzzFn fn = nullptr;
  SeedFn seeds = nullptr;
};

std::map<std::string, Registered>& targets() {
  static std::map<std::string, Registered> t;
  return t;
}

}  // namespace

bool register_target(const char* name, FuzzFn fn) {
  targets()[name].fn = fn;
  return true;
}
bool register_seeds(const char* name, SeedFn fn) {
  targets()[name].seeds = fn;
  return true;
}

namespace {

#ifdef PEREGRINE_SANITIZED
constexpr int kDefaultMutations = 1500;
#else
constexpr int kDefaultMutations = 4000;
#endif

int mutation_count() {
  const char* v = std::getenv("PEREGRINE_FUZZ_ITERS");
  return v != nullptr ? std::atoi(v) : kDefaultMutations;
}
std::uint64_t fuzz_seed() {
  const char* v = std::getenv("PEREGRINE_FUZZ_SEED");
  return v != nullptr ? std::strtoull(v, nullptr, 0) : 0xF0221;
}

// The mutations of the older md_fuzz tests, on whole multi-frame inputs: bit flips, JSON
// structural characters, deletions, truncation, duplication, digit changes, byte swaps, key
// renames, numbers at the edges of the decimal range, and frame splicing.
class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : rng_() % n; }

  std::string mutate(std::string s, const std::vector<std::string>& corpus) {
    const int ops = 1 + static_cast<int>(pick(4));
    for (int i = 0; i < ops; ++i) apply(s, corpus);
    if (s.size() > (1u << 20)) s.resize(1u << 20);
    return s;
  }

 private:
  void apply(std::string& s, const std::vector<std::string>& corpus) {
    static constexpr char kSpecial[] = "{}[]\":,.-+eE0123456789 \\nutfl\n\x01\x7f\xff";
    static const char* kNums[] = {"99999999999999999999999", "-1", "1e400", "0.000000001",
                                  "92233720368.54775808",    "0",  "null",  "\"7\"",
                                  "18446744073709551615",    "-0", "1.",    "\"\""};
    static const char* kTokens[] = {"snapshot", "delta", "update", "bid",   "ask", "offer",
                                    "B",        "A",     "Buy",    "Sell",  "u",   "U",
                                    "pu",       "seq",   "type",   "data",  "s",   "ts",
                                    "status",   "oid",   "coin",   "levels"};
    const std::size_t n = s.size();
    const std::size_t pos = pick(n + 1);
    switch (pick(11)) {
      case 0:
        if (n != 0) s[pick(n)] = static_cast<char>(s[pick(n)] ^ (1 << pick(8)));
        break;
      case 1:
        if (n != 0) s[pick(n)] = kSpecial[pick(sizeof(kSpecial) - 1)];
        break;
      case 2:
        s.insert(pos, std::string(1 + pick(4), kSpecial[pick(sizeof(kSpecial) - 1)]));
        break;
      case 3:
        if (pos < n) s.erase(pos, 1 + pick(32));
        break;
      case 4:
        s.resize(pos);
        break;
      case 5:
        if (pos < n) s.insert(pos, s.substr(pos, 1 + pick(128)));
        break;
      case 6: {
        const std::size_t d = s.find_first_of("0123456789", pos);
        if (d != std::string::npos) {
          if (pick(2) == 0) {
            s[d] = static_cast<char>('0' + pick(10));
          } else {
            s.replace(d, 1, kNums[pick(std::size(kNums))]);
          }
        }
        break;
      }
      case 7:
        if (n > 1) std::swap(s[pick(n)], s[pick(n)]);
        break;
      case 8: {
        const std::size_t q = s.find('"', pos);
        const std::size_t e = q == std::string::npos ? q : s.find('"', q + 1);
        if (e != std::string::npos) s.replace(q + 1, e - q - 1, kTokens[pick(std::size(kTokens))]);
        break;
      }
      case 9: {  // splice a line of another input
        const std::string& other = corpus[pick(corpus.size())];
        const std::size_t a = pick(other.size() + 1);
        s.insert(pos, "\n" + other.substr(a, pick(512)));
        break;
      }
      default: {  // repeat a whole frame (replays, duplicates, sequence checks)
        const std::size_t a = s.rfind('\n', pos == 0 ? 0 : pos - 1);
        const std::size_t start = a == std::string::npos ? 0 : a + 1;
        const std::size_t end = s.find('\n', start);
        const std::string line = s.substr(start, end == std::string::npos ? end : end - start);
        s += "\n" + line;
        break;
      }
    }
  }
  std::mt19937_64 rng_;
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> committed_seeds(const std::string& target) {
  std::vector<std::string> out;
  const std::filesystem::path dir =
      std::filesystem::path(PEREGRINE_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / target;
  if (!std::filesystem::is_directory(dir)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());  // deterministic order
  for (const auto& f : files) out.push_back(read_file(f));
  return out;
}

// Runs one input; on a FUZZ_CHECK abort the input is already on disk for the reproduction.
void run_one(const std::string& target, FuzzFn fn, const std::string& input) {
  {
    std::ofstream crash("fuzz-crash-" + target + ".bin", std::ios::binary | std::ios::trunc);
    crash.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  fn(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

class FuzzCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(FuzzCorpus, SeedsAndMutationsKeepEveryInvariant) {
  const std::string& target = GetParam();
  const Registered& reg = targets().at(target);
  ASSERT_NE(reg.fn, nullptr) << target << " has seeds but no PEREGRINE_FUZZ_TARGET";

  std::vector<std::string> corpus = committed_seeds(target);
  ASSERT_GE(corpus.size(), 3u) << "tests/fuzz/corpus/" << target << "/ needs a few seeds";
  const std::size_t committed = corpus.size();
  if (reg.seeds != nullptr) {
    std::vector<std::string> captured = reg.seeds();
    if (captured.empty() && !std::filesystem::exists(data_root())) {
      if (::peregrine::testing::in_ci())
        FAIL() << "recorded data missing under CI: " << data_root();
      std::printf("[ note ] %s: recorded data not found at %s, committed seeds only\n",
                  target.c_str(), data_root().string().c_str());
    }
    corpus.insert(corpus.end(), std::make_move_iterator(captured.begin()),
                  std::make_move_iterator(captured.end()));
  }
  for (const std::string& seed : corpus) run_one(target, reg.fn, seed);

  Mutator m(fuzz_seed() ^ std::hash<std::string>{}(target));
  const int iters = mutation_count();
  for (int i = 0; i < iters; ++i) {
    run_one(target, reg.fn, m.mutate(corpus[m.pick(corpus.size())], corpus));
  }
  std::filesystem::remove("fuzz-crash-" + target + ".bin");
  RecordProperty("committed_seeds", static_cast<int>(committed));
  RecordProperty("capture_seeds", static_cast<int>(corpus.size() - committed));
  std::printf("[ info ] %s: %zu committed + %zu capture seeds, %d mutations\n", target.c_str(),
              committed, corpus.size() - committed, iters);
}

std::vector<std::string> target_names() {
  std::vector<std::string> names;
  for (const auto& [name, reg] : targets()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpus, ::testing::ValuesIn(target_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// Every harness in tests/fuzz registers itself; a file that forgot would silently not run.
TEST(FuzzCorpusRegistry, EveryHarnessIsRegistered) {
  for (const char* name :
       {"hl_md", "hl_exec", "binance_md", "binance_exec", "bybit_md", "bybit_exec", "coinbase_md",
        "coinbase_exec", "engine_config", "control_json", "journal", "recorder_import"}) {
    EXPECT_TRUE(targets().count(name) == 1 && targets().at(name).fn != nullptr) << name;
  }
}

}  // namespace
}  // namespace peregrine::fuzz
