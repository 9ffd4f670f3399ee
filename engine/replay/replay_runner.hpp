// `peregrine replay`: recorded raw frames drive the SAME core and strategies as a live session,
// single-threaded on a ReplayClock, with orders matched in-process by SimVenue and the journal
// written inline (nothing is ever dropped). Same inputs and options, same journal, byte for byte.
// One thread: the caller's.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "engine/core/core.hpp"
#include "engine/engine_config.hpp"
#include "engine/journal/journal_observer.hpp"
#include "engine/replay/binance_feed.hpp"
#include "engine/replay/latency_model.hpp"
#include "engine/replay/sim_venue.hpp"
#include "engine/session/session_stats.hpp"

namespace peregrine::engine::replay {

struct ReplayOptions {
  std::vector<std::string> inputs;
  std::string journal_path;  // empty: no journal
  LatencySpec latency;       // both directions, per message
  std::uint64_t seed = 1;    // latency draws and the client-order-id salt
  journal::MdJournaling md_journal = journal::MdJournaling::kNoDeltas;
  std::uint64_t config_hash = 0;  // goes into the journal header
  // Wall time for the msgs/s figure only (never into the journal); may be null.
  const common::Clock* wall = nullptr;
  std::size_t max_pump_cycles = 100000;  // per frame: a strategy feedback loop cannot spin
  // JSON-lines confluence signals (engine/replay/signal_file.hpp), delivered in time order
  // with the frames; empty: none.
  std::string signals_path;
};

struct ReplayResult {
  enum class Status : std::uint8_t { kOk, kInputError, kRunError };
  Status status = Status::kOk;
  std::string error;  // set unless kOk; names the file or problem, never a secret

  std::uint64_t frames = 0;          // raw frames read from the inputs
  FeedStats feed;                    // every venue decoder, summed
  std::uint64_t skipped_frames = 0;  // frames of venues without a replay decoder
  common::Nanos first_ts = 0;
  common::Nanos last_ts = 0;
  std::uint64_t clock_backwards = 0;  // frames older than the clock (kept, clock held)
  double wall_seconds = 0;
  std::uint64_t pump_capped = 0;  // frames whose core pumping hit max_pump_cycles
  CoreCounters core;
  SessionStats stats;  // the live session's figures (orders, fills, PnL per strategy/venue)
  std::array<SimVenueStats, common::kVenueCount> venues{};
  std::array<bool, common::kVenueCount> venue_active{};
  std::uint64_t journal_records = 0;
  std::uint64_t journal_bytes = 0;
  std::uint64_t journal_dropped = 0;  // must stay 0 (the writer is drained inline)
  std::uint64_t journal_errors = 0;
  std::uint64_t signals_loaded = 0;     // lines of the signal file
  std::uint64_t signals_delivered = 0;  // signal x confluence executor of its asset
  std::uint64_t signals_unused = 0;     // no executor for the asset, or after the last frame
  std::uint64_t router_routes = 0;      // venue: auto decisions the router made
  std::uint64_t router_no_route = 0;

  [[nodiscard]] double msgs_per_second() const noexcept {
    return wall_seconds > 0 ? static_cast<double>(frames) / wall_seconds : 0.0;
  }
};

// Runs a whole replay. Never throws for bad inputs: they come back as kInputError.
[[nodiscard]] ReplayResult run_replay(const EngineConfig& config, const ReplayOptions& options);

// "none" | "nodeltas" | "all"; false when unknown.
[[nodiscard]] bool parse_md_journaling(std::string_view s, journal::MdJournaling* out) noexcept;

}  // namespace peregrine::engine::replay
