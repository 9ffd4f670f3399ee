// The `peregrine` binary: loads and validates a config, then runs a session (paper against the
// venue simulator, or live) until --duration passes or SIGINT/SIGTERM, and prints the summary.
// `peregrine replay ...` runs recorded frames through the same core instead (engine/replay/).
// Exit codes: 0 ok, 1 the session failed at start-up or at run time, 2 bad usage or config
// (and, for replay, a missing, unreadable or garbled input).

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "common/clock.hpp"
#include "engine/engine_config.hpp"
#include "engine/replay/replay_runner.hpp"
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
    "  peregrine --config configs/testnet.yaml --check  validate a config and exit\n"
    "  peregrine replay --config C --input FILES ...    replay recorded frames (see\n"
    "                                                   `peregrine replay --help`)\n\n"
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

// Reports a config's errors the way the main path does; true when it loaded.
bool report_config_errors(const std::string& path,
                          const peregrine::common::LoadResult<engine::EngineConfig>& result) {
  if (result.ok()) return true;
  for (const peregrine::common::ConfigError& e : result.errors) {
    std::cerr << path << ':';
    if (e.line > 0) std::cerr << e.line << ':';
    std::cerr << ' ' << e.to_string() << '\n';
  }
  std::cerr << "peregrine: " << result.errors.size() << " config error"
            << (result.errors.size() == 1 ? "" : "s") << " in " << path << '\n';
  return false;
}

constexpr const char* kReplayUsage =
    "Usage: peregrine replay --config C --input FILE[,FILE...] [FILE...] [options]\n\n"
    "Feeds recorded raw venue frames (hftbacktest/cryptofeed captures, gz/zst/plain, or\n"
    "PGRECORD recordings) through the real parsers into the same core and strategies as a\n"
    "live session, single-threaded on a replay clock; orders are matched in-process by the\n"
    "simulator with a latency and a conservative queue-position model (docs/replay.md).\n\n"
    "Options:\n"
    "  --config PATH        engine config (required)\n"
    "  --input FILES        one or more inputs (comma-separated or repeated); merged by\n"
    "                       receive time\n"
    "  --journal OUT        journal path (default <journal_dir>/replay-<input stem>.pgj)\n"
    "  --latency SPEC       fixed:<dur> | lognormal:<median>,<sigma> (default fixed:0ns)\n"
    "  --seed N             latency draws and client-order-id salt (default 1)\n"
    "  --md-journal MODE    none | nodeltas | all (default nodeltas)\n"
    "  --report PATH        report.json (default <journal path without .pgj>.report.json)\n"
    "  --signals FILE       confluence signals, JSON lines {\"asset\",\"score\",\"ts\" epoch ns,\n"
    "                       \"source\"}, delivered when the recording reaches each ts\n"
    "  --quiet              no summary table\n"
    "Exit status: 0 ok; 1 the replay failed while running; 2 bad usage, config or input.";

std::uint64_t fnv1a_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  char c = 0;
  while (in.get(c)) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string input_stem(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  const auto dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

int replay_main(int argc, char** argv) {
  namespace replay = engine::replay;
  std::string config_path;
  std::string journal_path;
  std::string report_path;
  std::string latency = "fixed:0ns";
  std::string md_journal = "nodeltas";
  std::string seed_text = "1";
  std::string signals_path;
  bool quiet = false;
  std::vector<std::string> inputs;
  auto add_inputs = [&inputs](const std::string& list) {
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (!item.empty()) inputs.push_back(item);
    }
  };
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      std::cout << kReplayUsage << '\n';
      return kExitOk;
    }
    if (!arg.starts_with("--")) {
      add_inputs(arg);
      continue;
    }
    std::string value;
    bool has_value = false;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_value = true;
    }
    if (arg == "--quiet") {
      quiet = true;
      continue;
    }
    std::string* target = arg == "--config"       ? &config_path
                          : arg == "--journal"    ? &journal_path
                          : arg == "--report"     ? &report_path
                          : arg == "--latency"    ? &latency
                          : arg == "--md-journal" ? &md_journal
                          : arg == "--seed"       ? &seed_text
                          : arg == "--signals"    ? &signals_path
                                                  : nullptr;
    const bool input = arg == "--input";
    if (target == nullptr && !input) {
      std::cerr << "peregrine replay: unknown option '" << arg << "' (see --help)\n";
      return kExitUsage;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        std::cerr << "peregrine replay: " << arg << " needs a value\n";
        return kExitUsage;
      }
      value = argv[++i];
    }
    if (input) {
      add_inputs(value);
    } else {
      *target = value;
    }
  }
  if (config_path.empty()) {
    std::cerr << "peregrine replay: --config PATH is required (see --help)\n";
    return kExitUsage;
  }
  if (inputs.empty()) {
    std::cerr << "peregrine replay: --input FILE is required (see --help)\n";
    return kExitUsage;
  }
  replay::ReplayOptions options;
  options.inputs = inputs;
  options.signals_path = signals_path;
  std::string error;
  if (!replay::parse_latency(latency, &options.latency, &error)) {
    std::cerr << "peregrine replay: --latency " << error << '\n';
    return kExitUsage;
  }
  if (!replay::parse_md_journaling(md_journal, &options.md_journal)) {
    std::cerr << "peregrine replay: --md-journal '" << md_journal
              << "': expected none, nodeltas or all\n";
    return kExitUsage;
  }
  {
    std::size_t used = 0;
    bool ok = !seed_text.empty() && seed_text[0] != '-';
    try {
      if (ok) options.seed = std::stoull(seed_text, &used);
    } catch (const std::exception&) {
      ok = false;
    }
    if (!ok || used != seed_text.size()) {
      std::cerr << "peregrine replay: --seed '" << seed_text
                << "': expected a non-negative integer\n";
      return kExitUsage;
    }
  }
  const auto config = engine::load_engine_config_file(config_path);
  if (!report_config_errors(config_path, config)) return kExitUsage;
  if (journal_path.empty()) {
    journal_path = (std::filesystem::path(config.value.engine.journal_dir) /
                    ("replay-" + input_stem(inputs.front()) + ".pgj"))
                       .string();
  }
  if (report_path.empty()) {
    std::filesystem::path p(journal_path);
    report_path = (p.parent_path() / (p.stem().string() + ".report.json")).string();
  }
  try {
    const std::filesystem::path parent = std::filesystem::path(journal_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
  } catch (const std::exception& e) {
    std::cerr << "peregrine replay: cannot create the journal directory: " << e.what() << '\n';
    return kExitUsage;
  }
  options.journal_path = journal_path;
  options.config_hash = fnv1a_file(config_path);
  peregrine::common::SteadyClock wall;
  options.wall = &wall;

  const replay::ReplayResult r = replay::run_replay(config.value, options);
  if (r.status != replay::ReplayResult::Status::kOk) {
    std::cerr << "peregrine replay: " << r.error << '\n';
    return r.status == replay::ReplayResult::Status::kInputError ? kExitUsage : kExitFailed;
  }
  const engine::PnlCell total = r.stats.total();
  std::cout << "replay: " << inputs.size() << " input" << (inputs.size() == 1 ? "" : "s")
            << ", latency " << replay::to_string(options.latency) << ", seed " << options.seed
            << '\n';
  std::cout << "  messages:   " << r.frames << " frames (" << r.feed.malformed << " malformed, "
            << r.feed.unknown_symbol << " unknown symbol, " << r.skipped_frames << " skipped), "
            << r.core.md_events << " md events\n";
  std::cout << "  throughput: " << std::fixed << std::setprecision(0) << r.msgs_per_second()
            << " msgs/s (" << std::setprecision(3) << r.wall_seconds << " s wall for "
            << static_cast<double>(r.last_ts - r.first_ts) / 1e9 << " s recorded)\n";
  std::cout << "  orders:     " << total.orders << " admitted, " << r.core.denied
            << " denied; fills " << total.fills << " (maker/taker per venue below)\n";
  for (std::size_t v = 0; v < r.venues.size(); ++v) {
    if (!r.venue_active[v]) continue;
    const replay::SimVenueStats& s = r.venues[v];
    std::cout << "  venue " << engine::venue_key(static_cast<peregrine::common::VenueId>(v)) << ": "
              << s.new_orders << " new, " << s.cancels << " cancels, " << s.rejects << " rejected, "
              << s.fills << " fills (" << s.maker_fills << " maker, " << s.taker_fills
              << " taker)\n";
  }
  if (r.signals_loaded > 0) {
    std::cout << "  signals:    " << r.signals_loaded << " read, " << r.signals_delivered
              << " delivered, " << r.signals_unused << " unused\n";
  }
  if (r.router_routes + r.router_no_route > 0) {
    std::cout << "  router:     " << r.router_routes << " routed, " << r.router_no_route
              << " without a venue\n";
  }
  std::cout << "  journal:    " << journal_path << " (" << r.journal_records << " records, "
            << r.journal_bytes << " bytes, " << r.journal_dropped << " dropped)\n";
  if (!quiet) engine::write_summary(std::cout, r.stats);
  std::ofstream out(report_path);
  engine::write_report_json(out, r.stats);
  if (!out) {
    std::cerr << "peregrine replay: could not write " << report_path << '\n';
    return kExitFailed;
  }
  std::cout << "report: " << report_path << '\n';
  return r.journal_dropped == 0 && r.journal_errors == 0 ? kExitOk : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "replay") return replay_main(argc, argv);
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
  if (!report_config_errors(path, result)) return kExitUsage;

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
