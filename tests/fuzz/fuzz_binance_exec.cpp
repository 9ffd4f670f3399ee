// Binance USD-M execution inputs: user-stream frames (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE,
// ALGO_UPDATE, listenKeyExpired, others) and every REST body parser with its HTTP status.
// Each '\n'-separated frame starts with a tag picking the entry point:
//   u = user stream, o = order, O = openOrders, a = algoOrder, A = openAlgoOrders, k = ack,
//   l = listenKey, p = positionRisk, b = balance, c = account, v = leverage (else byte % 11);
// a REST body may begin with "NNN " to set the HTTP status (200 otherwise).
#include <string>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "gateways/binance/exec_parser.hpp"

namespace peregrine::fuzz {
namespace {

namespace bn = gateways::binance;
constexpr auto kVenue = common::VenueId::kBinance;

int take_status(std::string_view& body) {
  if (body.size() >= 4 && body[3] == ' ' && body[0] >= '1' && body[0] <= '5' && body[1] >= '0' &&
      body[1] <= '9' && body[2] >= '0' && body[2] <= '9') {
    const int s = (body[0] - '0') * 100 + (body[1] - '0') * 10 + (body[2] - '0');
    body.remove_prefix(4);
    return s;
  }
  return 200;
}

void check_outputs(const bn::ExecParser& p) {
  FUZZ_CHECK(p.orders().size() <= bn::ExecParser::kMaxOrders);
  FUZZ_CHECK(p.positions().size() <= bn::ExecParser::kMaxPositions);
  FUZZ_CHECK(p.balances().size() <= bn::ExecParser::kMaxBalances);
  for (const common::OrderUpdate& u : p.orders()) check_order_update(u, kVenue);
}

}  // namespace

PEREGRINE_FUZZ_TARGET(binance_exec) {
  bn::SymbolTable symbols;
  static_cast<void>(symbols.add("BTCUSDT", common::InstrumentId{0}));
  static_cast<void>(symbols.add("ETHUSDT", common::InstrumentId{1}));
  bn::ExecParser p(symbols);
  Monotonic mono;
  std::uint64_t calls = 0;
  for (std::string_view frame : split_frames(data, size, 32)) {
    const auto ts = static_cast<common::Nanos>(calls + 1);
    const std::size_t entry = pick_entry(frame, "uoOaAklpbcv");
    const std::uint64_t malformed = p.counters().malformed.load();
    ++calls;
    if (entry == 0) {
      const auto r = p.parse_user(frame, ts);
      if (!r) {
        FUZZ_CHECK(p.counters().malformed.load() == malformed + 1);
        FUZZ_CHECK(!bn::to_string(r.error()).empty());
      } else {
        FUZZ_CHECK(p.counters().malformed.load() == malformed);
        if (*r == bn::UserEventKind::kOrderTradeUpdate) {
          const bn::OrderEvent& e = p.order_event();
          check_order_update(e.update, kVenue);
          if (e.has_fill) {
            check_fill(e.fill, kVenue, /*known_instrument=*/false);
            FUZZ_CHECK(e.fill.qty.is_positive());
          }
        }
        check_outputs(p);
      }
    } else {
      const int status = take_status(frame);
      const auto r = [&]() -> bn::ExecParser::Parsed {
        switch (entry) {
          case 1:
            return p.parse_order(status, frame);
          case 2:
            return p.parse_open_orders(status, frame);
          case 3:
            return p.parse_algo_order(status, frame);
          case 4:
            return p.parse_open_algo_orders(status, frame);
          case 5:
            return p.parse_ack(status, frame);
          case 6:
            return p.parse_listen_key(status, frame);
          case 7:
            return p.parse_position_risk(status, frame);
          case 8:
            return p.parse_balance(status, frame);
          case 9:
            return p.parse_account(status, frame);
          default:
            return p.parse_leverage(status, frame);
        }
      }();
      if (r) {
        // A non-2xx status is never a success and never an ExecError.
        if (status < 200 || status > 299) FUZZ_CHECK(!r->ok);
        if (!r->ok) FUZZ_CHECK(r->error.http_status == status);
        if (r->ok) check_outputs(p);
      } else {
        FUZZ_CHECK(status >= 200 && status <= 299);
        FUZZ_CHECK(!bn::to_string(r.error()).empty());
      }
    }
    FUZZ_CHECK(p.counters().frames.load() == calls);
    const bn::ExecCounters& c = p.counters();
    std::size_t i = 0;
    for (const auto* v : {&c.frames, &c.api_errors, &c.unknown_outcomes, &c.order_updates, &c.fills,
                          &c.account_updates, &c.algo_updates, &c.other_events,
                          &c.foreign_client_ids, &c.unknown_status, &c.malformed}) {
      mono.check(i++, v->load());
    }
  }
}

PEREGRINE_FUZZ_SEEDS(binance_exec) { return {}; }  // no recorded private traffic

}  // namespace peregrine::fuzz
