#include "engine/oms/order_state.hpp"

namespace peregrine::engine::oms {

std::string_view to_string(OrderInput i) noexcept {
  switch (i) {
    case OrderInput::kSubmit:
      return "submit";
    case OrderInput::kAck:
      return "ack";
    case OrderInput::kPartialFill:
      return "partial_fill";
    case OrderInput::kFill:
      return "fill";
    case OrderInput::kCancelRequest:
      return "cancel_request";
    case OrderInput::kCancelAck:
      return "cancel_ack";
    case OrderInput::kCancelReject:
      return "cancel_reject";
    case OrderInput::kReplaceRequest:
      return "replace_request";
    case OrderInput::kReplaceAck:
      return "replace_ack";
    case OrderInput::kReplaceReject:
      return "replace_reject";
    case OrderInput::kReject:
      return "reject";
    case OrderInput::kExpire:
      return "expire";
  }
  return "unknown";
}

}  // namespace peregrine::engine::oms
