// Layering control probe: must compile (strategies may include common/).
#include "common/decimal.hpp"
#include "strategies/strategy.hpp"
