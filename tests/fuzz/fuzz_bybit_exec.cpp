// Bybit v5 execution inputs: private WS frames (order, execution, execution.fast, position,
// wallet, auth/subscribe acks, /v5/trade responses) and the retCode REST bodies of every
// endpoint. Each '\n'-separated frame starts with a tag picking the entry point:
//   w = WS frame; REST: c = create, a = amend, x = cancel, X = cancel-all, o = open orders,
//   p = positions, b = wallet balance, l = set leverage, d = disconnect-cancel-all
//   (any other byte: byte % 10).
#include <string>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "gateways/bybit/order_codec.hpp"

namespace peregrine::fuzz {
namespace {

namespace bb = gateways::bybit;
constexpr auto kVenue = common::VenueId::kBybit;

constexpr bb::RestEndpoint kEndpoints[] = {
    bb::RestEndpoint::kCreateOrder,        bb::RestEndpoint::kAmendOrder,
    bb::RestEndpoint::kCancelOrder,        bb::RestEndpoint::kCancelAll,
    bb::RestEndpoint::kOpenOrders,         bb::RestEndpoint::kPositions,
    bb::RestEndpoint::kWalletBalance,      bb::RestEndpoint::kSetLeverage,
    bb::RestEndpoint::kDisconnectCancelAll};

void check_outputs(const bb::ExecParser& p, bool ws) {
  FUZZ_CHECK(p.order_updates().size() <= bb::ExecParser::kMaxOrders);
  FUZZ_CHECK(p.order_details().size() == p.order_updates().size());
  FUZZ_CHECK(p.fills().size() <= bb::ExecParser::kMaxFills);
  FUZZ_CHECK(p.fill_details().size() == p.fills().size());
  FUZZ_CHECK(p.positions().size() <= bb::ExecParser::kMaxPositions);
  FUZZ_CHECK(p.wallets().size() <= bb::ExecParser::kMaxWallets);
  FUZZ_CHECK(p.coins().size() <= bb::ExecParser::kMaxCoins);
  for (const common::OrderUpdate& u : p.order_updates()) {
    check_order_update(u, kVenue);
    if (ws) FUZZ_CHECK(u.instrument.valid());  // WS drops unknown symbols; REST keeps them
  }
  for (const common::Fill& f : p.fills()) check_fill(f, kVenue);
}

}  // namespace

PEREGRINE_FUZZ_TARGET(bybit_exec) {
  bb::SymbolTable symbols;
  static_cast<void>(symbols.bind("BTCUSDT", common::InstrumentId{0}));
  static_cast<void>(symbols.bind("ETHUSDT", common::InstrumentId{1}));
  bb::ExecParser p(symbols);
  Monotonic mono;
  std::string padded;
  std::uint64_t calls = 0;
  for (std::string_view frame : split_frames(data, size, 32)) {
    const auto ts = static_cast<common::Nanos>(calls);
    const std::size_t entry = pick_entry(frame, "wcaxXopbld");
    const std::uint64_t malformed = p.counters().malformed.load();
    const bool use_padded = calls % 2 == 1;
    if (use_padded) {
      padded.assign(frame);
      padded.append(simdjson::SIMDJSON_PADDING, '\0');
    }
    const simdjson::padded_string_view view(padded.data(), frame.size(), padded.size());
    bool ok = false;
    if (entry == 0) {
      const auto r = use_padded ? p.parse_ws(view, ts) : p.parse_ws_unpadded(frame, ts);
      ok = r.ok();
      if (!r) FUZZ_CHECK(!bb::to_string(r.error()).empty());
    } else {
      const bb::RestEndpoint ep = kEndpoints[entry - 1];
      const auto r = use_padded ? p.parse_rest(ep, view, ts) : p.parse_rest_unpadded(ep, frame, ts);
      ok = r.ok();
      if (r) {
        FUZZ_CHECK(r->ok() == (r->ret_code == 0));
        if (r->ok()) FUZZ_CHECK(r->reject == common::RejectReason::kNone);
      }
    }
    ++calls;
    FUZZ_CHECK(p.counters().frames.load() == calls);
    if (ok) {
      FUZZ_CHECK(p.counters().malformed.load() == malformed);
      check_outputs(p, entry == 0);
    } else {
      FUZZ_CHECK(p.counters().malformed.load() == malformed + 1);
      FUZZ_CHECK(p.order_updates().empty() && p.fills().empty());
    }
    const bb::ExecCounters& c = p.counters();
    std::size_t i = 0;
    for (const auto* v : {&c.frames, &c.order_updates, &c.fills, &c.non_trade_execs,
                          &c.unknown_symbol, &c.unknown_status, &c.rejects, &c.malformed}) {
      mono.check(i++, v->load());
    }
  }
}

PEREGRINE_FUZZ_SEEDS(bybit_exec) { return {}; }  // no recorded private traffic

}  // namespace peregrine::fuzz
