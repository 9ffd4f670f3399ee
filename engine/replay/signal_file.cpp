#include "engine/replay/signal_file.hpp"

#include <algorithm>
#include <fstream>

#include "engine/control/control_json.hpp"

namespace peregrine::engine::replay {

bool load_signal_file(const std::string& path, const common::InstrumentRegistry& instruments,
                      std::vector<ReplaySignal>* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open the signal file";
    return false;
  }
  out->clear();
  std::string line;
  std::uint32_t n = 0;
  auto fail = [&](const std::string& why) {
    *error = path + ":" + std::to_string(n) + ": " + why;
    return false;
  };
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    control::ControlCommand cmd;
    std::string why;
    if (!control::parse_signal_body(line, &cmd, &why)) return fail(why);
    if (cmd.signal_ts <= 0) return fail("ts: required in a replay signal file (epoch ns)");
    const common::AssetId asset = instruments.find_asset(cmd.asset.view());
    if (!asset.valid()) {
      return fail("asset: '" + std::string(cmd.asset.view()) + "' is not in the config");
    }
    ReplaySignal s;
    s.ts = cmd.signal_ts;
    s.asset = asset;
    s.score = static_cast<double>(cmd.score_raw) / static_cast<double>(common::kDecimalScale);
    s.line = n;
    out->push_back(s);
  }
  if (in.bad()) return fail("read error");
  std::stable_sort(out->begin(), out->end(),
                   [](const ReplaySignal& a, const ReplaySignal& b) { return a.ts < b.ts; });
  return true;
}

}  // namespace peregrine::engine::replay
