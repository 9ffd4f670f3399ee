// Fault switches for one simulated venue, set from config or POST /admin/faults, each counted.
// Simulator thread only (the server and the venue's protocol run on the same io_context).
//
// Venue-neutral faults (connection drops/resets, stale feed, malformed/truncated frames,
// delays, HTTP errors, lost responses, slow consumers) are applied by the server; the
// sequence faults need the venue's own sequence fields and are applied by the protocol when it
// publishes a book update (consume_* returns true once per armed fault and counts it).
#pragma once

#include <cstdint>

namespace peregrine::venue_sim {

struct FaultCounters {
  std::uint64_t ws_dropped = 0;        // connections closed without a close frame
  std::uint64_t ws_reset = 0;          // connections closed with a close frame
  std::uint64_t stale_ms = 0;          // milliseconds of suppressed publishing
  std::uint64_t seq_skipped = 0;       // book updates published with a sequence gap
  std::uint64_t seq_duplicated = 0;    // book updates published twice
  std::uint64_t malformed_frames = 0;  // frames replaced by invalid JSON
  std::uint64_t truncated_frames = 0;  // frames cut short
  std::uint64_t delayed_responses = 0;
  std::uint64_t http_errors = 0;          // injected 429/418/5xx/venue error responses
  std::uint64_t responses_lost = 0;       // order accepted, reply never sent
  std::uint64_t slow_consumer_drops = 0;  // sessions closed for an over-full send queue
};

struct VenueFaults {
  // One-shot faults: armed by admin/config, consumed by the next eligible event.
  std::uint32_t skip_seq = 0;       // next N book updates skip one sequence number
  std::uint32_t duplicate_seq = 0;  // next N book updates are sent twice
  std::uint32_t malformed = 0;      // next N WS frames are replaced by invalid JSON
  std::uint32_t truncated = 0;      // next N WS frames are cut in half
  std::uint32_t drop_ws = 0;        // drop N open WS connections now (no close frame)
  std::uint32_t reset_ws = 0;       // close N open WS connections now (close frame)
  std::uint32_t http_error = 0;     // next N HTTP requests answer `http_error_status`
  int http_error_status = 429;      // 429, 418, 500, 502, 503
  std::uint32_t lose_response = 0;  // next N order requests: apply, then never answer
  // Persistent faults.
  std::int64_t stale_until_ns = 0;        // no market-data publishing before this time (epoch ns)
  std::uint32_t delay_ms = 0;             // every HTTP response delayed by this much
  std::uint32_t slow_consumer_limit = 0;  // >0: close sessions with more queued frames
  FaultCounters counters;

  [[nodiscard]] bool consume_skip_seq() noexcept { return take(skip_seq, counters.seq_skipped); }
  [[nodiscard]] bool consume_duplicate_seq() noexcept {
    return take(duplicate_seq, counters.seq_duplicated);
  }

 private:
  static bool take(std::uint32_t& armed, std::uint64_t& counter) noexcept {
    if (armed == 0) return false;
    --armed;
    ++counter;
    return true;
  }
};

}  // namespace peregrine::venue_sim
