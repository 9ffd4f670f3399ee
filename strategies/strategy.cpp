// Out-of-line anchor for the strategy interfaces (keeps their vtables in one object file).
#include "strategies/strategy.hpp"
