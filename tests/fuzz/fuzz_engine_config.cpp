// The engine's YAML config loader (engine/engine_config.hpp) on arbitrary text: it must return
// a config or a list of errors (each naming where and what), never throw or crash. The
// environment is a fixed map and "file:" secrets resolve under a directory that does not exist,
// so a run never depends on the machine.
#include <string>

#include "engine/engine_config.hpp"
#include "fuzz_target.hpp"

namespace peregrine::fuzz {

PEREGRINE_FUZZ_TARGET(engine_config) {
  if (size > (256u << 10)) return;  // a config is a few KB; deeper inputs only slow the run
  common::LoadOptions options;
  options.env = common::env_from_map({{"PEREGRINE_FUZZ_SECRET", "0123456789abcdef"}});
  options.base_dir = "/nonexistent/peregrine-fuzz";
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  common::LoadResult<engine::EngineConfig> r;
  try {
    r = engine::load_engine_config_string(yaml, options);
  } catch (...) {
    ::peregrine::fuzz::check_failed("load_engine_config_string threw", __FILE__, __LINE__);
  }
  for (const common::ConfigError& e : r.errors) {
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(e.line >= 0);
    if (yaml.find("0123456789abcdef") == std::string_view::npos) {
      FUZZ_CHECK(e.message.find("0123456789abcdef") == std::string::npos);  // secrets not echoed
    }
    static_cast<void>(e.to_string());
  }
}

PEREGRINE_FUZZ_SEEDS(engine_config) { return {}; }  // configs/*.yaml are committed seeds' source

}  // namespace peregrine::fuzz
