// Native TWAP for the simulated Hyperliquid venue: twapOrder / twapCancel (venue doc §7, §8),
// the slices the venue runs for it, and its userTwapHistory entries. Simulator thread only.
//
// Where the venue doc is silent this follows the venue's public docs/SDK shapes:
// * a history entry is {"time":s,"state":{coin,user,side,sz,executedSz,executedNtl,minutes,
//   reduceOnly,randomize,timestamp,stopPx,trigger},"status":{"status":"activated"|"finished"|
//   "terminated"} or {"status":"error","description":str},"twapId":N} ([TS] TwapHistory: "time"
//   in seconds, twapId optional there, always present here);
// * slices: one per 30 s (configurable), remaining / remaining slices, at most 3x the even
//   slice, IOC no worse than 3% from the mid; a slice that cannot fill (no liquidity within the
//   cap, reduce-only with nothing left to reduce, margin) fills partly or not at all and the
//   remainder is carried; after the last slice the TWAP is "finished" whatever was executed;
// * minimum notional is checked on the whole TWAP (not per slice); "randomize" is accepted and
//   echoed but the simulator keeps its slice clock regular (deterministic tests).
#include <algorithm>
#include <string>

#include "gateways/hyperliquid/wire.hpp"
#include "tools/venue_sim/hyperliquid/hl_protocol.hpp"

namespace peregrine::venue_sim::hl {

namespace {

namespace hlg = gateways::hyperliquid;
using simdjson::dom::element;

constexpr std::string_view kTwapNeverPlaced = "TWAP was never placed, already canceled, or filled.";
constexpr std::int64_t kMinMinutes = 5;
constexpr std::int64_t kMaxMinutes = 1440;
constexpr std::int64_t kSlippagePct = 3;
constexpr std::int64_t kMaxSliceMultiple = 3;
constexpr std::size_t kMaxKept = 2000;  // info answers carry at most the 2000 most recent

std::string twap_status(std::string_view type, std::string_view key, std::string_view inner) {
  std::string s = R"({"status":"ok","response":{"type":")";
  s += type;
  s += R"(","data":{"status":)";
  if (key.empty()) {
    s += inner;
  } else {
    s += "{\"";
    s += key;
    s += "\":";
    s += inner;
    s += '}';
  }
  s += "}}}";
  return s;
}

std::string error_status(std::string_view type, std::string_view text) {
  cex::JsonWriter o;
  o.str(text);
  return twap_status(type, "error", o.view());
}

}  // namespace

std::uint64_t HlProtocol::twap_of_order(gs::OrderId id) const noexcept {
  const auto it = twap_orders_.find(id);
  return it == twap_orders_.end() ? 0 : it->second;
}

std::string HlProtocol::twap_order(HlAccount& acc, element action, Nanos now, int* status) {
  element twap;
  std::int64_t a = 0, m = 0;
  bool b = false, r = false, t = false;
  std::string_view s;
  if (action["twap"].get(twap) != simdjson::SUCCESS ||
      twap["a"].get_int64().get(a) != simdjson::SUCCESS ||
      twap["b"].get_bool().get(b) != simdjson::SUCCESS ||
      twap["s"].get_string().get(s) != simdjson::SUCCESS ||
      twap["r"].get_bool().get(r) != simdjson::SUCCESS ||
      twap["m"].get_int64().get(m) != simdjson::SUCCESS ||
      twap["t"].get_bool().get(t) != simdjson::SUCCESS) {
    *status = 422;
    return std::string(kDeserializeError);
  }
  const HlInstrument* inst = by_asset(a);
  if (inst == nullptr) return error_status("twapOrder", "Invalid asset " + std::to_string(a) + ".");
  if (m < kMinMinutes || m > kMaxMinutes) {
    return error_status("twapOrder", "Invalid TWAP duration: " + std::to_string(m) + " min(s)");
  }
  const auto sz = common::Qty::parse(s);
  if (!sz || !sz->is_positive() ||
      hlg::check_size(*sz, inst->cfg->size_decimals) != hlg::WireError::kOk ||
      !sz->on_grid(inst->cfg->lot)) {
    return error_status("twapOrder", "Order has invalid size.");
  }
  const common::Side side = b ? common::Side::kBuy : common::Side::kSell;
  const common::Qty pos = ex_.position(acc.id, inst->id).qty;
  if (r) {
    const bool reduces = b ? pos.is_negative() : pos.is_positive();
    if (!reduces) return error_status("twapOrder", "Reduce only order would increase position.");
  } else {
    const auto ntl = common::notional(mid(*inst), *sz);
    if (!ntl || *ntl < inst->cfg->min_notional) {
      return error_status("twapOrder", "Order must have minimum value of $10.");
    }
  }
  HlTwap tw;
  tw.id = next_twap_id_++;
  tw.account = acc.id;
  tw.inst = inst;
  tw.side = side;
  tw.total = *sz;
  tw.minutes = static_cast<std::uint32_t>(m);
  tw.slices = static_cast<std::uint32_t>(m) * 2;
  tw.created = now;
  tw.next_at = now;  // the first slice goes on the next tick
  tw.reduce_only = r;
  tw.randomize = t;
  twaps_.push_back(tw);
  twap_event(twaps_.back(), "activated", "", now);
  return twap_status("twapOrder", "running", "{\"twapId\":" + std::to_string(tw.id) + "}");
}

std::string HlProtocol::twap_cancel(HlAccount& acc, element action, Nanos now, int* status) {
  std::int64_t a = 0;
  std::uint64_t id = 0;
  if (action["a"].get_int64().get(a) != simdjson::SUCCESS ||
      action["t"].get_uint64().get(id) != simdjson::SUCCESS) {
    *status = 422;
    return std::string(kDeserializeError);
  }
  for (auto& tw : twaps_) {
    if (tw.id != id || tw.account != acc.id || tw.inst->cfg->asset_index != a || !tw.running) {
      continue;
    }
    tw.running = false;
    twap_event(tw, "terminated", "", now);
    return twap_status("twapCancel", "", "\"success\"");
  }
  return error_status("twapCancel", kTwapNeverPlaced);
}

void HlProtocol::run_twaps(Nanos now) {
  bool ended = false;
  for (auto& tw : twaps_) {
    if (!tw.running || now < tw.next_at) continue;
    twap_slice(tw, now);
    ++tw.slices_done;
    tw.next_at = now + twap_slice_ns_;
    if (tw.slices_done >= tw.slices || tw.executed >= tw.total) {
      tw.running = false;
      twap_event(tw, "finished", "", now);
      ended = true;
    }
  }
  if (ended && twaps_.size() > 1000) {  // keep the ended ones only as long as they are few
    std::erase_if(twaps_, [](const HlTwap& t) { return !t.running; });
  }
}

void HlProtocol::twap_slice(HlTwap& tw, Nanos now) {
  const common::Qty lot = tw.inst->cfg->lot;
  const common::Qty remaining = tw.total - tw.executed;
  if (!remaining.is_positive()) return;
  const auto left = static_cast<std::int64_t>(tw.slices - tw.slices_done);
  const auto on_lot = [&](std::int64_t raw) { return raw / lot.raw() * lot.raw(); };
  const std::int64_t even = on_lot(tw.total.raw() / static_cast<std::int64_t>(tw.slices));
  std::int64_t q = on_lot(remaining.raw() / std::max<std::int64_t>(left, 1));
  if (q <= 0) q = lot.raw();  // more slices than lots: one lot per slice until done
  if (even > 0) q = std::min(q, even * kMaxSliceMultiple);
  q = std::min(q, remaining.raw());

  // Market slice = IOC limit at the mid +/- 3%, rounded inward to the tick.
  const std::int64_t m = mid(*tw.inst).raw();
  const std::int64_t tick = tw.inst->cfg->tick.raw();
  std::int64_t px = tw.side == common::Side::kBuy ? m * (100 + kSlippagePct) / 100
                                                  : m * (100 - kSlippagePct) / 100;
  px = tw.side == common::Side::kBuy ? px / tick * tick : (px + tick - 1) / tick * tick;
  if (px <= 0) return;

  gs::OrderRequest req;
  req.account = tw.account;
  req.instrument = tw.inst->id;
  req.side = tw.side;
  req.type = common::OrderType::kLimit;
  req.tif = common::TimeInForce::kIoc;
  req.price = common::Price::from_raw(px);
  req.qty = common::Qty::from_raw(q);
  req.reduce_only = tw.reduce_only;
  req.exempt_min_notional = true;
  slicing_twap_ = tw.id;
  slicing_account_ = tw.account;
  const gs::SubmitResult res = ex_.submit(req, now);
  slicing_twap_ = 0;
  if (res.error != gs::SimError::kNone || res.order_id == 0) return;  // nothing filled: carried
  if (const gs::SimOrder* o = ex_.find_order(tw.account, res.order_id)) {
    tw.executed += o->filled;
    tw.executed_ntl += o->filled_notional;
  }
}

void HlProtocol::twap_event(const HlTwap& tw, std::string_view status, std::string_view description,
                            Nanos now) {
  HlAccount* acc = by_account_id(tw.account);
  if (acc == nullptr) return;
  cex::JsonWriter o;
  o.begin_object().kv_num("time", now / 1'000'000'000).key("state").begin_object();
  o.kv("coin", tw.inst->cfg->symbol).kv("user", acc->address_hex);
  o.kv("side", tw.side == common::Side::kBuy ? "B" : "A").kv_dec("sz", tw.total);
  o.kv_dec("executedSz", tw.executed).kv_dec("executedNtl", tw.executed_ntl);
  o.kv_num("minutes", tw.minutes).kv_bool("reduceOnly", tw.reduce_only);
  o.kv_bool("randomize", tw.randomize).kv_num("timestamp", tw.created / 1'000'000);
  o.key("stopPx").null().key("trigger").null();
  o.end_object().key("status").begin_object().kv("status", status);
  if (status == "error") o.kv("description", description);  // [TS]: only on errors
  o.end_object().kv_unum("twapId", tw.id).end_object();
  if (!acc->twap_history.empty()) acc->twap_history.push_back(',');
  acc->twap_history += o.view();
  acc->twap_history_log.emplace_back(o.view());
  if (acc->twap_history_log.size() > kMaxKept)
    acc->twap_history_log.erase(acc->twap_history_log.begin());
}

}  // namespace peregrine::venue_sim::hl
