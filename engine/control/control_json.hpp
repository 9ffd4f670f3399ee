// JSON views of a ControlSnapshot and the parsers of the control API's request bodies.
// Control-plane thread only (allocates; never called by the core).
#pragma once

#include <string>
#include <string_view>

#include "engine/control/control_types.hpp"

namespace peregrine::engine::control {

void append_json_string(std::string& out, std::string_view s);
// {"error":"<message>"} plus optional extra members (already JSON, starting with ',').
[[nodiscard]] std::string error_json(std::string_view message, std::string_view extra = {});

[[nodiscard]] std::string balances_json(const ControlSnapshot& s);
[[nodiscard]] std::string positions_json(const ControlSnapshot& s);
[[nodiscard]] std::string orders_json(const ControlSnapshot& s);
[[nodiscard]] std::string allocation_json(const ControlSnapshot& s);
[[nodiscard]] std::string risk_json(const ControlSnapshot& s);
[[nodiscard]] std::string latency_json(const ControlSnapshot& s);
[[nodiscard]] std::string health_json(const ControlSnapshot& s, Nanos now);

// Body parsers: true and *out filled, or false with *error naming the field and the problem
// ("qty: must be a positive decimal"). Unknown fields are errors, so typos never pass silently.
[[nodiscard]] bool parse_order_body(std::string_view body, ControlCommand* out, std::string* error);
[[nodiscard]] bool parse_reduce_body(std::string_view body, ControlCommand* out,
                                     std::string* error);
[[nodiscard]] bool parse_signal_body(std::string_view body, ControlCommand* out,
                                     std::string* error);
// Optional body of /close: {} or {"venue": "..."}; an empty body is fine.
[[nodiscard]] bool parse_close_body(std::string_view body, ControlCommand* out, std::string* error);

}  // namespace peregrine::engine::control
