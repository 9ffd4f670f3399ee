// The `peregrine` binary: loads and validates a config, then runs a session (paper against the
// venue simulator, or live) until --duration passes or SIGINT/SIGTERM, and prints the summary.
// Exit codes: 0 ok, 1 the session failed at start-up or at run time, 2 bad usage or config.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "engine/engine_config.hpp"
#include "engine/session/session.hpp"

ABSL_FLAG(std::string, config, "",
          "Path to the YAML config (required), e.g. configs/paper.yaml. "
          "The format is described in docs/configuration.md.");
ABSL_FLAG(bool, check, false, "Only validate the config, print a summary and exit.");
ABSL_FLAG(std::string, duration, "",
          "Stop after this long (e.g. 60s, 10m); overrides engine.duration. Default: until "
          "SIGINT/SIGTERM.");
ABSL_FLAG(std::string, report, "",
          "Where to write report.json (default: <engine.journal_dir>/report.json).");
ABSL_FLAG(bool, quiet, false, "No live status line.");

namespace {

namespace engine = peregrine::engine;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// SIGINT/SIGTERM only set a flag; the session thread polls it.
engine::Session* g_session = nullptr;
extern "C" void on_signal(int) {
  if (g_session != nullptr) g_session->stop();
}

constexpr const char* kUsage =
    "low-latency execution engine for crypto perpetuals (Hyperliquid, Binance USD-M,\n"
    "Bybit linear, Coinbase Advanced Trade).\n\n"
    "Usage:\n"
    "  peregrine --config configs/paper.yaml            run against the local simulator\n"
    "  peregrine --config configs/testnet.yaml --check  validate a config and exit\n\n"
    "Secrets come from ${ENV} references or file: paths in the config and are never printed.\n"
    "Exit status: 0 ok; 2 bad usage or invalid config (every error printed, one per line).";

// A summary without secrets: only names, modes, URLs and counts.
void print_summary(const std::string& path, const engine::EngineConfig& cfg) {
  std::cout << "peregrine: " << path << ": config OK\n";
  std::cout << "  mode:        " << engine::to_string(cfg.engine.mode) << " (name "
            << cfg.engine.name << ")\n";
  std::cout << "  venues:     ";
  int enabled = 0;
  for (const engine::VenueConfig& v : cfg.venues) {
    if (!v.enabled) continue;
    ++enabled;
    std::cout << ' ' << engine::venue_key(v.venue) << (v.testnet ? " [testnet]" : "") << " ("
              << v.rest_url << ")";
  }
  std::cout << (enabled == 0 ? " none enabled\n" : "\n");
  std::cout << "  instruments:";
  for (const engine::InstrumentConfig& ins : cfg.instruments) {
    std::cout << ' ' << ins.asset << '[';
    for (std::size_t i = 0; i < ins.listings.size(); ++i) {
      std::cout << (i > 0 ? "," : "") << engine::venue_key(ins.listings[i].venue);
    }
    std::cout << ']';
  }
  std::cout << '\n';
  std::cout << "  strategies: ";
  if (cfg.strategies.empty()) std::cout << " none";
  for (const engine::StrategyConfig& s : cfg.strategies) {
    std::cout << ' ' << s.name << " (" << engine::to_string(s.type) << " on "
              << engine::venue_key(s.venue) << ' ' << s.asset << (s.enabled ? "" : ", disabled")
              << ')';
  }
  std::cout << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  // --help lists the flags of the file named like the binary; ours live in engine/main.cpp.
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    constexpr absl::string_view kMain = "engine/main.cpp";
    return file.size() >= kMain.size() && file.substr(file.size() - kMain.size()) == kMain;
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "peregrine: unexpected argument '" << positional[1]
              << "' (options start with --; see --help)\n";
    return kExitUsage;
  }
  const std::string path = absl::GetFlag(FLAGS_config);
  if (path.empty()) {
    std::cerr << "peregrine: --config PATH is required (see --help)\n";
    return kExitUsage;
  }

  const auto result = engine::load_engine_config_file(path);
  if (!result.ok()) {
    for (const peregrine::common::ConfigError& e : result.errors) {
      std::cerr << path << ':';
      if (e.line > 0) std::cerr << e.line << ':';
      std::cerr << ' ' << e.to_string() << '\n';
    }
    std::cerr << "peregrine: " << result.errors.size() << " config error"
              << (result.errors.size() == 1 ? "" : "s") << " in " << path << '\n';
    return kExitUsage;
  }

  print_summary(path, result.value);
  if (absl::GetFlag(FLAGS_check)) return kExitOk;

  engine::SessionOptions options;
  options.live_status = !absl::GetFlag(FLAGS_quiet);
  options.report_path = absl::GetFlag(FLAGS_report);
  if (const std::string d = absl::GetFlag(FLAGS_duration); !d.empty()) {
    auto parsed = peregrine::common::parse_duration(d);
    if (!parsed.ok() || parsed.value().count() <= 0) {
      std::cerr << "peregrine: --duration '" << d
                << "': " << (parsed.ok() ? "must be positive" : parsed.error()) << '\n';
      return kExitUsage;
    }
    options.duration = parsed.value().count();
  }
  try {
    engine::Session session(result.value, options);
    session.build();
    for (const std::string& note : session.notes()) std::cout << "  note: " << note << '\n';
    g_session = &session;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const engine::SessionStats stats = session.run(std::cout);
    g_session = nullptr;
    engine::write_summary(std::cout, stats);
    const std::filesystem::path report = session.report_path();
    if (report.has_parent_path()) std::filesystem::create_directories(report.parent_path());
    std::ofstream out(report);
    engine::write_report_json(out, stats);
    if (!out) throw std::runtime_error("could not write " + report.string());
    std::cout << "\nreport: " << report.string() << '\n';
    for (const std::string& note : session.notes()) std::cout << "note: " << note << '\n';
  } catch (const std::exception& e) {
    g_session = nullptr;
    std::cerr << "peregrine: " << e.what() << '\n';
    return kExitFailed;
  }
  return kExitOk;
}
