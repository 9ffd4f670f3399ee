// Hyperliquid execution inputs: /exchange response bodies, order-connection WS frames (post
// responses, orderUpdates, userFills, user events, pong, subscriptionResponse, error, hello)
// and the /info bodies (meta, metaAndAssetCtxs, clearinghouseState, openOrders, orderStatus,
// userFills). Each '\n'-separated frame starts with a tag picking the entry point:
//   w = WS frame, x = /exchange body, m = meta, c = metaAndAssetCtxs, h = clearinghouseState,
//   o = openOrders, s = orderStatus, f = userFills (any other byte: byte % 8).
#include <string>

#include "fuzz_support.hpp"
#include "fuzz_target.hpp"
#include "gateways/hyperliquid/order_codec.hpp"

namespace peregrine::fuzz {
namespace {

namespace hl = gateways::hyperliquid;
constexpr auto kVenue = common::VenueId::kHyperliquid;

const common::InstrumentRegistry& registry() {
  static const common::InstrumentRegistry reg = [] {
    common::InstrumentRegistry r;
    for (const char* coin : {"BTC", "ETH"}) {
      common::Instrument i;
      i.venue = kVenue;
      static_cast<void>(i.symbol.assign(coin));
      static_cast<void>(i.asset.assign(coin));
      i.tick = common::Price::from_raw(1);
      i.lot = common::Qty::from_raw(1);
      static_cast<void>(r.add(i));
    }
    return r;
  }();
  return reg;
}

void check_response(const hl::ExchangeResponse& r) {
  FUZZ_CHECK(r.statuses.size() <= hl::ExecParser::kMaxStatuses);
  for (std::size_t n = 0; n <= r.statuses.size() + 1; ++n) {
    for (std::size_t i = 0; i < n; ++i) {
      const hl::ActionStatus* s = r.status_for(i, n);
      if (s != nullptr)
        FUZZ_CHECK(s >= r.statuses.data() && s < r.statuses.data() + r.statuses.size());
    }
  }
  for (const hl::ActionStatus& s : r.statuses) {
    if (s.kind == hl::ActionStatusKind::kError) FUZZ_CHECK(s.reject != common::RejectReason::kNone);
  }
}

void check_counters(const hl::ExecParser& p, Monotonic& mono) {
  const hl::ExecCounters& c = p.counters();
  std::size_t i = 0;
  for (const auto* v : {&c.frames, &c.order_updates, &c.fills, &c.unknown_coin, &c.unknown_status,
                        &c.venue_errors, &c.malformed}) {
    mono.check(i++, v->load());
  }
}

void fuzz_ws(hl::ExecParser& p, std::string_view frame, common::Nanos ts) {
  const std::uint64_t malformed = p.counters().malformed.load();
  const auto r = p.parse_ws_unpadded(frame, ts);
  if (!r) {
    FUZZ_CHECK(p.order_updates().empty() && p.fills().empty());
    FUZZ_CHECK(p.counters().malformed.load() == malformed + 1);
    return;
  }
  FUZZ_CHECK(p.counters().malformed.load() == malformed);
  FUZZ_CHECK(p.order_updates().size() <= hl::ExecParser::kMaxUpdates);
  FUZZ_CHECK(p.fills().size() <= hl::ExecParser::kMaxFills);
  for (const common::OrderUpdate& u : p.order_updates()) {
    check_order_update(u, kVenue);
    FUZZ_CHECK(u.instrument.valid());
  }
  for (const common::Fill& f : p.fills()) check_fill(f, kVenue);
  if (*r == hl::ExecFrameKind::kPost && p.post().kind == hl::PostKind::kAction) {
    check_response(p.post().action);
  }
}

}  // namespace

PEREGRINE_FUZZ_TARGET(hl_exec) {
  hl::ExecParser exec(registry());
  hl::InfoParser info(registry());
  Monotonic mono;
  std::uint64_t ws_calls = 0, calls = 0;
  for (std::string_view frame : split_frames(data, size, 32)) {
    const auto ts = static_cast<common::Nanos>(++calls);
    switch (pick_entry(frame, "wxmchosf")) {
      case 0:
        fuzz_ws(exec, frame, ts);
        ++ws_calls;
        break;
      case 1: {
        const std::uint64_t malformed = exec.counters().malformed.load();
        const auto r = exec.parse_exchange_unpadded(frame);
        ++ws_calls;  // parse_exchange counts as a frame too
        if (r) {
          check_response(*r);
        } else {
          FUZZ_CHECK(exec.counters().malformed.load() == malformed + 1);
        }
        break;
      }
      case 2:
        if (auto r = info.parse_meta(frame)) {
          for (const hl::AssetMeta& m : *r) FUZZ_CHECK(m.asset >= 0);
        }
        break;
      case 3:
        if (auto r = info.parse_meta_and_asset_ctxs(frame)) {
          FUZZ_CHECK(r->ctxs.size() == r->universe.size());
        }
        break;
      case 4:
        if (auto r = info.parse_clearinghouse_state(frame)) {
          for (const hl::PositionInfo& pos : r->positions)
            FUZZ_CHECK(pos.leverage_type <= hl::LeverageType::kIsolated);
        }
        break;
      case 5:
        if (auto r = info.parse_open_orders(frame)) {
          for (const hl::OpenOrderInfo& o : *r) {
            FUZZ_CHECK(o.side == common::Side::kBuy || o.side == common::Side::kSell);
          }
        }
        break;
      case 6:
        static_cast<void>(info.parse_order_status(frame));
        break;
      default:
        if (auto r = info.parse_user_fills(frame)) {
          for (const common::Fill& f : *r) check_fill(f, kVenue);
        }
        break;
    }
    FUZZ_CHECK(exec.counters().frames.load() == ws_calls);
    check_counters(exec, mono);
  }
}

PEREGRINE_FUZZ_SEEDS(hl_exec) { return {}; }  // no recorded private traffic: committed seeds only

}  // namespace peregrine::fuzz
