// Coinbase Advanced Trade execution inputs: user-channel WS frames (order updates with the
// cumulative-fill tracker, heartbeats, subscriptions, errors), POST /orders and batch_cancel
// bodies, and the REST list bodies (products, accounts, orders, order, fills). Each
// '\n'-separated frame starts with a tag picking the entry point:
//   u = user frame, c = create order, b = batch cancel, P = products, a = accounts,
//   O = orders list, o = one order, f = fills (any other byte: byte % 8); "!" = reconnect.
#include <string>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "gateways/coinbase/order_codec.hpp"
#include "gateways/coinbase/rest_codec.hpp"

namespace peregrine::fuzz {
namespace {

namespace cb = gateways::coinbase;
constexpr auto kVenue = common::VenueId::kCoinbase;

const common::InstrumentRegistry& registry() {
  static const common::InstrumentRegistry reg = [] {
    common::InstrumentRegistry r;
    for (const char* p : {"BTC-USD", "ETH-USD"}) {
      common::Instrument i;
      i.venue = kVenue;
      static_cast<void>(i.symbol.assign(p));
      static_cast<void>(i.asset.assign(std::string_view(p).substr(0, 3)));
      i.tick = common::Price::from_raw(1);
      i.lot = common::Qty::from_raw(1);
      static_cast<void>(r.add(i));
    }
    return r;
  }();
  return reg;
}

}  // namespace

PEREGRINE_FUZZ_TARGET(coinbase_exec) {
  cb::ExecParser exec(registry());
  cb::RestParser rest(&registry());
  Monotonic mono;
  for (std::string_view frame : split_frames(data, size, 32)) {
    if (frame == "!") {
      exec.reset_connection();
      continue;
    }
    const std::uint64_t malformed = exec.counters().malformed.load();
    const std::uint64_t parses = exec.counters().parses.load();
    bool exec_call = true, ok = false;
    const std::size_t entry = pick_entry(frame, "ucbPaOof");
    switch (entry) {
      case 0: {
        const auto r = exec.parse_user_unpadded(frame, static_cast<common::Nanos>(parses));
        ok = r.ok();
        if (!r) {
          FUZZ_CHECK(exec.order_updates().empty() && exec.fills().empty());
        } else {
          FUZZ_CHECK(exec.order_updates().size() <= cb::ExecParser::kMaxUpdates);
          for (const common::OrderUpdate& u : exec.order_updates()) {
            check_order_update(u, kVenue);
            FUZZ_CHECK(u.instrument.valid());
            FUZZ_CHECK(u.filled_qty <= u.qty);
          }
          for (const common::Fill& f : exec.fills()) {
            check_fill(f, kVenue);
            FUZZ_CHECK(f.qty.is_positive());
          }
          if (exec.user_snapshot()) FUZZ_CHECK(exec.fills().empty());  // snapshots only seed
        }
        break;
      }
      case 1: {
        const auto r = exec.parse_create_order_unpadded(frame);
        ok = r.ok();
        if (r) FUZZ_CHECK(r->success == (r->reject == common::RejectReason::kNone));
        break;
      }
      case 2: {
        const auto r = exec.parse_batch_cancel_unpadded(frame);
        ok = r.ok();
        if (r) {
          FUZZ_CHECK(r->size() <= cb::ExecParser::kMaxCancelResults);
          for (const cb::CancelResult& c : *r) {
            FUZZ_CHECK(c.success == (c.reject == common::RejectReason::kNone));
          }
        }
        break;
      }
      default:
        exec_call = false;
        break;
    }
    FUZZ_CHECK(exec.tracked_orders() <= cb::ExecParser::kTrackerSlots);
    if (exec_call) {
      FUZZ_CHECK(exec.counters().parses.load() == parses + 1);
      FUZZ_CHECK(exec.counters().malformed.load() == malformed + (ok ? 0 : 1));
    } else {
      // REST bodies: any bytes give a value or an error; values must be well-formed.
      switch (entry) {
        case 3:
          if (auto r = rest.parse_products(frame)) {
            for (const cb::ProductInfo& p : *r) FUZZ_CHECK(!p.base_increment.is_negative());
          }
          break;
        case 4:
          static_cast<void>(rest.parse_accounts(frame));
          break;
        case 5:
          static_cast<void>(rest.parse_orders(frame));
          break;
        case 6:
          static_cast<void>(rest.parse_order(frame));
          break;
        default:
          static_cast<void>(rest.parse_fills(frame));
          break;
      }
    }
    const cb::ExecCounters& c = exec.counters();
    std::size_t i = 0;
    for (const auto* v :
         {&c.parses, &c.create_ok, &c.create_rejected, &c.cancel_results, &c.order_updates,
          &c.fills, &c.unknown_product, &c.unknown_status, &c.untracked_orders, &c.inexact_decimals,
          &c.sequence_gaps, &c.venue_errors, &c.malformed}) {
      mono.check(i++, v->load());
    }
  }
}

PEREGRINE_FUZZ_SEEDS(coinbase_exec) { return {}; }  // no recorded private traffic

}  // namespace peregrine::fuzz
