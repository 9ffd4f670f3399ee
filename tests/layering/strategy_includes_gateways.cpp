// Layering probe: must NOT compile (strategies see only common/). See CMakeLists.txt.
#include "gateways/venue.hpp"
#include "strategies/strategy.hpp"
