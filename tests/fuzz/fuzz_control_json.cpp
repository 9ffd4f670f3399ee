// The control API's request-body parsers (engine/control/control_json.hpp): /order, /reduce,
// /signal and /close bodies. Any bytes give a filled command or false with an error naming the
// problem; a filled command is within the documented ranges. The first byte picks the parser:
// o = order, r = reduce, s = signal, c = close (any other byte: byte % 4).
#include <string>

#include "engine/control/control_json.hpp"
#include "fuzz_target.hpp"

namespace peregrine::fuzz {

PEREGRINE_FUZZ_TARGET(control_json) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::size_t entry = pick_entry(body, "orsc");
  engine::control::ControlCommand cmd;
  std::string error;
  bool ok = false;
  try {
    switch (entry) {
      case 0:
        ok = engine::control::parse_order_body(body, &cmd, &error);
        break;
      case 1:
        ok = engine::control::parse_reduce_body(body, &cmd, &error);
        break;
      case 2:
        ok = engine::control::parse_signal_body(body, &cmd, &error);
        break;
      default:
        ok = engine::control::parse_close_body(body, &cmd, &error);
        break;
    }
  } catch (...) {
    ::peregrine::fuzz::check_failed("a control body parser threw", __FILE__, __LINE__);
  }
  if (!ok) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  using engine::control::CommandKind;
  switch (entry) {
    case 0:
      FUZZ_CHECK(cmd.kind == CommandKind::kNewOrder);
      FUZZ_CHECK(cmd.qty.is_positive());
      FUZZ_CHECK(cmd.has_venue);
      FUZZ_CHECK(!cmd.symbol.view().empty() || !cmd.asset.view().empty());
      FUZZ_CHECK(cmd.side == common::Side::kBuy || cmd.side == common::Side::kSell);
      if (cmd.has_price) FUZZ_CHECK(cmd.price.is_positive());
      if (cmd.type == common::OrderType::kLimit) FUZZ_CHECK(cmd.has_price);
      break;
    case 1:
      FUZZ_CHECK(cmd.kind == CommandKind::kReducePosition);
      if (cmd.by_fraction) {
        FUZZ_CHECK(cmd.fraction_raw > 0 && cmd.fraction_raw <= 100'000'000);
      } else {
        FUZZ_CHECK(cmd.qty.is_positive());
      }
      break;
    case 2:
      FUZZ_CHECK(cmd.kind == CommandKind::kSignal);
      FUZZ_CHECK(cmd.score_raw >= 0 && cmd.score_raw <= 100LL * 100'000'000);
      break;
    default:
      FUZZ_CHECK(cmd.kind == CommandKind::kClosePosition);
      break;
  }
}

PEREGRINE_FUZZ_SEEDS(control_json) { return {}; }

}  // namespace peregrine::fuzz
