// peregrine-venue-sim: Hyperliquid, Binance USD-M, Bybit v5 and Coinbase Advanced Trade on
// loopback, wire-faithful, with an admin port for truth and faults. See docs/venue_sim.md.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "tools/venue_sim/server.hpp"
#include "tools/venue_sim/sim_config.hpp"

namespace {

using peregrine::venue_sim::Server;
using peregrine::venue_sim::SimConfig;

constexpr std::string_view kUsage =
    "usage: peregrine-venue-sim [--config FILE] [--port-base N] [--seed S] [--duration SECONDS]\n"
    "                           [--quiet]\n"
    "  --config FILE     simulator config (configs/venue_sim.yaml); default: built-in defaults\n"
    "  --port-base N     admin N, Hyperliquid N+1, Binance N+2, Bybit N+3, Coinbase N+4\n"
    "  --seed S          market random seed (overrides the config)\n"
    "  --duration SEC    stop after SEC seconds (default: run until SIGINT/SIGTERM)\n"
    "  --quiet           no status lines\n";

struct Cli {
  std::optional<std::string> config;
  std::optional<std::uint16_t> port_base;
  std::optional<std::uint64_t> seed;
  std::optional<std::uint64_t> duration_s;
  bool quiet = false;
};

template <typename T>
bool parse_uint(std::string_view s, T max, T* out) {
  std::uint64_t v = 0;
  const auto* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, v);
  if (s.empty() || r.ec != std::errc{} || r.ptr != end || v > max) return false;
  *out = static_cast<T>(v);
  return true;
}

// Returns an error message, or empty on success.
std::string parse_cli(int argc, char** argv, Cli* cli) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> std::optional<std::string_view> {
      if (i + 1 >= argc) return std::nullopt;
      static_cast<void>(name);
      return std::string_view(argv[++i]);
    };
    if (a == "--quiet") {
      cli->quiet = true;
    } else if (a == "--help" || a == "-h") {
      return "help";
    } else if (a == "--config") {
      auto v = value(a);
      if (!v) return "--config needs a file";
      cli->config = std::string(*v);
    } else if (a == "--port-base") {
      auto v = value(a);
      std::uint16_t p = 0;
      if (!v || !parse_uint<std::uint16_t>(*v, 65530, &p)) {
        return "--port-base needs a port 0..65530 (0: ephemeral ports)";
      }
      cli->port_base = p;
    } else if (a == "--seed") {
      auto v = value(a);
      std::uint64_t s = 0;
      if (!v || !parse_uint<std::uint64_t>(*v, UINT64_MAX, &s)) return "--seed needs an integer";
      cli->seed = s;
    } else if (a == "--duration") {
      auto v = value(a);
      std::uint64_t d = 0;
      if (!v || !parse_uint<std::uint64_t>(*v, 10'000'000, &d)) {
        return "--duration needs whole seconds";
      }
      cli->duration_s = d;
    } else {
      return "unknown argument \"" + std::string(a) + "\"";
    }
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  if (const std::string err = parse_cli(argc, argv, &cli); !err.empty()) {
    if (err == "help") {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "peregrine-venue-sim: " << err << "\n" << kUsage;
    return 2;
  }
  SimConfig cfg = peregrine::venue_sim::default_sim_config();
  if (cli.config) {
    auto loaded = peregrine::venue_sim::load_sim_config_file(*cli.config);
    if (!loaded.ok()) {
      std::cerr << "peregrine-venue-sim: " << *cli.config << ": " << loaded.errors.size()
                << " error(s)\n";
      for (const auto& e : loaded.errors) std::cerr << "  " << e << "\n";
      return 2;
    }
    cfg = std::move(loaded.value);
  }
  if (cli.port_base) peregrine::venue_sim::apply_port_base(cfg, *cli.port_base);
  if (cli.seed) cfg.seed = *cli.seed;

  // Signals are taken synchronously by this thread; the simulator thread never sees them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  Server server(std::move(cfg));
  std::string error;
  if (!server.start(&error)) {
    std::cerr << "peregrine-venue-sim: " << error << "\n";
    return 1;
  }
  const SimConfig& c = server.config();
  for (auto v : peregrine::common::kAllVenues) {
    if (const auto port = server.venue_port(v); port != 0) {
      const bool tls = c.venues[peregrine::common::index(v)].venue.tls;
      std::printf("%-12s %s://%s:%u (ws%s://%s:%u)\n",
                  std::string(peregrine::venue_sim::venue_config_name(v)).c_str(),
                  tls ? "https" : "http", c.host.c_str(), port, tls ? "s" : "", c.host.c_str(),
                  port);
    }
  }
  std::printf("%-12s http://%s:%u/admin/health\n", "admin", c.host.c_str(), server.admin_port());
  std::fflush(stdout);

  std::thread sim([&server] { server.run(); });
  const auto& st = server.stats();
  std::uint64_t elapsed_s = 0;
  int signal_seen = 0;
  for (;;) {
    timespec one_second{1, 0};
    const int sig = sigtimedwait(&sigs, nullptr, &one_second);
    if (sig == SIGINT || sig == SIGTERM) {
      signal_seen = sig;
      break;
    }
    ++elapsed_s;
    if (cli.duration_s && elapsed_s >= *cli.duration_s) break;
    if (!cli.quiet && elapsed_s % 5 == 0) {
      std::printf(
          "[%llus] http %llu  ws frames out %llu in %llu  sessions %llu  "
          "book orders %llu  fills %llu\n",
          static_cast<unsigned long long>(elapsed_s),
          static_cast<unsigned long long>(st.http_requests.load()),
          static_cast<unsigned long long>(st.ws_frames_out.load()),
          static_cast<unsigned long long>(st.ws_frames_in.load()),
          static_cast<unsigned long long>(st.ws_sessions.load()),
          static_cast<unsigned long long>(st.orders.load()),
          static_cast<unsigned long long>(st.fills.load()));
      std::fflush(stdout);
    }
  }
  server.stop();
  sim.join();
  if (!cli.quiet && signal_seen != 0) std::printf("stopped (signal %d)\n", signal_seen);
  return 0;
}
