// Layering probe: must NOT compile (strategies see only common/). See CMakeLists.txt.
#include "engine/engine_config.hpp"
#include "strategies/strategy.hpp"
