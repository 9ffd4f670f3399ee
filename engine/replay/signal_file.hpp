// Confluence signals for a replay: a JSON-lines file, one signal per line in the body shape of
// POST /api/signals ({"asset","score" 0..100,"ts" epoch ns,"source"}), where "ts" is required
// (the replay clock delivers each signal when the recording reaches it). Blank lines are
// skipped. Start-up only (reads and allocates); the replay driver delivers from the result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"

namespace peregrine::engine::replay {

struct ReplaySignal {
  common::Nanos ts = 0;
  common::AssetId asset;
  double score = 0;
  std::uint32_t line = 0;  // 1-based line in the file, for messages
};

// Reads `path` into `out` sorted by ts (stable: equal times keep file order). False with
// *error "<path>:<line>: <problem>" on the first bad line (malformed JSON, a field out of
// range, no ts, an asset the config does not list), or when the file cannot be read.
[[nodiscard]] bool load_signal_file(const std::string& path,
                                    const common::InstrumentRegistry& instruments,
                                    std::vector<ReplaySignal>* out, std::string* error);

}  // namespace peregrine::engine::replay
