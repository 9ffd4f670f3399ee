// POST /exchange for the simulated Hyperliquid venue: authentication (signature recovery,
// agents, nonces) and the trading actions, answered with the venue's shapes and texts (§8).
#include <string>
#include <vector>

#include "gateways/hyperliquid/signer.hpp"
#include "gateways/hyperliquid/wire.hpp"
#include "tools/venue_sim/hyperliquid/hl_protocol.hpp"

namespace peregrine::venue_sim::hl {

namespace {

namespace hlg = gateways::hyperliquid;
using simdjson::dom::element;

constexpr std::string_view kNeverPlaced = "Order was never placed, already canceled, or filled.";
constexpr std::int64_t kMinScheduleDelayMs = 5000;

std::string err(std::string_view text) {
  cex::JsonWriter o;
  o.begin_object().kv("status", "err").kv("response", text).end_object();
  return o.take();
}

std::string ok_default() { return "{\"status\":\"ok\",\"response\":{\"type\":\"default\"}}"; }

// One order wire decoded; `error` set when it is invalid per order.
struct ParsedOrder {
  HlInstrument* inst = nullptr;
  gs::OrderRequest req;
  std::int64_t asset = 0;
  std::string error;
};

std::string_view sim_error_text(gs::SimError e) {
  switch (e) {
    case gs::SimError::kPriceOffTick:
    case gs::SimError::kPriceNotPositive:
      return "Price must be divisible by tick size.";
    case gs::SimError::kQtyOffLot:
    case gs::SimError::kQtyNotPositive:
      return "Order has invalid size.";
    case gs::SimError::kBelowMinNotional:
      return "Order must have minimum value of $10.";
    case gs::SimError::kReduceOnlyWouldIncrease:
    case gs::SimError::kReduceOnlyNoPosition:
      return "Reduce only order would increase position.";
    case gs::SimError::kInsufficientMargin:
      return "Insufficient margin to place order.";
    case gs::SimError::kInvalidTrigger:
      return "Invalid TP/SL price.";
    case gs::SimError::kUnknownOrder:
    case gs::SimError::kOrderNotOpen:
      return kNeverPlaced;
    case gs::SimError::kMaxOpenOrders:
      return "Too many open orders.";
    case gs::SimError::kDuplicateClientId:
      return "Duplicate cloid.";
    case gs::SimError::kInvalidLeverage:
      return "Invalid leverage value.";
    default:
      return "Order rejected.";
  }
}

}  // namespace

namespace {

// Decodes {"a","b","p","s","r","t","c"?}. Returns false for a shape error (whole request 422).
bool parse_order(element o, ParsedOrder* out, HlProtocol& protocol) {
  std::int64_t a = 0;
  bool b = false, r = false;
  std::string_view p, s;
  element t;
  if (o["a"].get_int64().get(a) != simdjson::SUCCESS ||
      o["b"].get_bool().get(b) != simdjson::SUCCESS ||
      o["p"].get_string().get(p) != simdjson::SUCCESS ||
      o["s"].get_string().get(s) != simdjson::SUCCESS ||
      o["r"].get_bool().get(r) != simdjson::SUCCESS || o["t"].get(t) != simdjson::SUCCESS) {
    return false;
  }
  out->asset = a;
  out->inst = protocol.find_asset(a);
  auto& q = out->req;
  q.side = b ? common::Side::kBuy : common::Side::kSell;
  q.reduce_only = r;
  std::string_view cloid;
  if (o["c"].get_string().get(cloid) == simdjson::SUCCESS) {
    gateways::crypto::Hash32 tmp{};
    if (cloid.size() != 34 || !gateways::crypto::parse_hex(cloid, tmp.data(), 16)) return false;
    static_cast<void>(q.client_id.from(cloid));
  }
  element limit, trigger;
  if (t["limit"].get(limit) == simdjson::SUCCESS) {
    std::string_view tif;
    if (limit["tif"].get_string().get(tif) != simdjson::SUCCESS) return false;
    q.type = common::OrderType::kLimit;
    if (tif == "Gtc") {
      q.tif = common::TimeInForce::kGtc;
    } else if (tif == "Ioc" || tif == "FrontendMarket") {
      q.tif = common::TimeInForce::kIoc;
    } else if (tif == "Alo") {
      q.tif = common::TimeInForce::kPostOnly;
    } else {
      return false;
    }
  } else if (t["trigger"].get(trigger) == simdjson::SUCCESS) {
    bool is_market = false;
    std::string_view trigger_px, tpsl;
    if (trigger["isMarket"].get_bool().get(is_market) != simdjson::SUCCESS ||
        trigger["triggerPx"].get_string().get(trigger_px) != simdjson::SUCCESS ||
        trigger["tpsl"].get_string().get(tpsl) != simdjson::SUCCESS ||
        (tpsl != "tp" && tpsl != "sl")) {
      return false;
    }
    const bool sl = tpsl == "sl";
    q.type = sl ? (is_market ? common::OrderType::kStopMarket : common::OrderType::kStopLimit)
                : (is_market ? common::OrderType::kTakeProfitMarket
                             : common::OrderType::kTakeProfitLimit);
    auto tp = common::Price::parse(trigger_px);
    if (!tp) {
      out->error = "Invalid TP/SL price.";
    } else {
      q.trigger_price = *tp;
    }
  } else {
    return false;
  }
  auto px = common::Price::parse(p);
  auto sz = common::Qty::parse(s);
  if (out->inst == nullptr) {
    if (out->error.empty()) out->error = "Invalid asset " + std::to_string(a) + ".";
    return true;
  }
  const int szd = out->inst->cfg->size_decimals;
  if (!px || px->raw() <= 0 ||
      hlg::check_price(*px, szd, hlg::Market::kPerp) != hlg::WireError::kOk) {
    if (out->error.empty()) out->error = "Price must be divisible by tick size.";
  } else {
    q.price = *px;
  }
  if (!sz || sz->raw() <= 0 || hlg::check_size(*sz, szd) != hlg::WireError::kOk) {
    if (out->error.empty()) out->error = "Order has invalid size.";
  } else {
    q.qty = *sz;
  }
  q.instrument = out->inst->id;
  return true;
}

}  // namespace

std::string HlProtocol::exchange_action(std::string_view body, Nanos now, int* status) {
  *status = 200;
  const auto now_ms = static_cast<std::uint64_t>(now / 1'000'000);
  element root, action, sig;
  std::uint64_t nonce = 0;
  std::string_view type;
  SignatureText st;
  if (ex_parser_.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root["action"].get(action) != simdjson::SUCCESS ||
      action["type"].get_string().get(type) != simdjson::SUCCESS ||
      root["nonce"].get_uint64().get(nonce) != simdjson::SUCCESS ||
      root["signature"].get(sig) != simdjson::SUCCESS ||
      sig["r"].get_string().get(st.r) != simdjson::SUCCESS ||
      sig["s"].get_string().get(st.s) != simdjson::SUCCESS ||
      sig["v"].get_uint64().get(st.v) != simdjson::SUCCESS) {
    *status = 422;
    return std::string(kDeserializeError);
  }
  std::optional<Address> vault;
  std::optional<std::uint64_t> expires;
  std::string_view vault_text;
  if (root["vaultAddress"].get_string().get(vault_text) == simdjson::SUCCESS) {
    Address a{};
    if (!parse_address(vault_text, &a)) {
      *status = 422;
      return std::string(kDeserializeError);
    }
    vault = a;
  }
  std::uint64_t exp = 0;
  if (root["expiresAfter"].get_uint64().get(exp) == simdjson::SUCCESS) expires = exp;

  const std::string action_json = simdjson::minify(action);
  std::string error;
  Address signer{};
  const bool user_signed = hlg::find_user_signed(type) != nullptr;
  const bool recovered = user_signed ? recover_user_signer(action_json, st, &signer, &error)
                                     : recover_l1_signer(action_json, nonce, vault, expires,
                                                         mainnet_, st, &signer, &error);
  if (!recovered) {
    *status = 422;
    return error;
  }
  const std::string signer_hex = address_hex(signer);
  HlAccount* acc = by_user(signer_hex);
  if (acc == nullptr && !user_signed) {
    if (auto it = agents_.find(signer_hex); it != agents_.end()) acc = &accounts_[it->second];
  }
  if (acc == nullptr) {
    return err("L1 error: User or API Wallet " + signer_hex + " does not exist.");
  }
  if (vault) {
    HlAccount* v = by_user(address_hex(*vault));
    if (v == nullptr) return err("Vault not registered: " + address_hex(*vault));
    acc = v;
  }
  if (expires && *expires < now_ms) {
    return err("Action expired: expiresAfter " + std::to_string(*expires) + " < " +
               std::to_string(now_ms));
  }
  if (const auto verdict = nonces_.use(signer, nonce, now_ms); verdict != NonceVerdict::kOk) {
    return err(nonce_error_text(verdict, nonce));
  }

  if (user_signed) {
    if (type != "approveAgent") return err("Action " + std::string(type) + " is not supported.");
    std::string_view agent;
    Address a{};
    if (action["agentAddress"].get_string().get(agent) != simdjson::SUCCESS ||
        !parse_address(agent, &a)) {
      *status = 422;
      return std::string(kDeserializeError);
    }
    agents_[address_hex(a)] = static_cast<std::size_t>(acc - accounts_.data());
    return ok_default();
  }

  // Statuses of placing `orders` for `acc`, appended to `o` (an open array).
  auto place = [&](std::vector<ParsedOrder>& orders, cex::JsonWriter& o) {
    for (auto& po : orders) {
      if (!po.error.empty()) {
        o.begin_object().kv("error", po.error).end_object();
        continue;
      }
      po.req.account = acc->id;
      const auto res = ex_.submit(po.req, now);
      if (res.error != gs::SimError::kNone) {
        std::string text(sim_error_text(res.error));
        if (res.error == gs::SimError::kPostOnlyWouldCross) {
          const auto bid = ex_.best(po.inst->id, common::BookSide::kBid);
          const auto ask = ex_.best(po.inst->id, common::BookSide::kAsk);
          text = "Post only order would have immediately matched, bbo was " +
                 (bid ? bid->to_string() : std::string("None")) + "@" +
                 (ask ? ask->to_string() : std::string("None"));
        } else if (res.error == gs::SimError::kIocNoLiquidity ||
                   res.error == gs::SimError::kFokNotFilled) {
          text = "Order could not immediately match against any resting orders. asset=" +
                 std::to_string(po.asset);
        }
        o.begin_object().kv("error", text).end_object();
        continue;
      }
      const gs::SimOrder* ord = ex_.find_order(acc->id, res.order_id);
      const auto cloid = po.req.client_id.view();
      if (ord != nullptr && ord->status == common::OrderStatus::kFilled) {
        o.begin_object()
            .key("filled")
            .begin_object()
            .kv_dec("totalSz", ord->filled)
            .kv_dec("avgPx", ord->avg_price());
        o.kv_unum("oid", ord->id);
        if (!cloid.empty()) o.kv("cloid", cloid);
        o.end_object().end_object();
      } else if (ord != nullptr && !ord->is_open() && ord->filled.is_zero()) {
        o.begin_object()
            .kv("error",
                "Order could not immediately match against any resting orders. "
                "asset=" +
                    std::to_string(po.asset))
            .end_object();
      } else if (ord != nullptr && !ord->is_open()) {
        o.begin_object()
            .key("filled")
            .begin_object()
            .kv_dec("totalSz", ord->filled)
            .kv_dec("avgPx", ord->avg_price());
        o.kv_unum("oid", ord->id);
        if (!cloid.empty()) o.kv("cloid", cloid);
        o.end_object().end_object();
      } else {
        o.begin_object().key("resting").begin_object().kv_unum("oid", res.order_id);
        if (!cloid.empty()) o.kv("cloid", cloid);
        o.end_object().end_object();
      }
    }
  };
  auto parse_orders = [&](element arr, std::vector<ParsedOrder>* out) {
    simdjson::dom::array a;
    if (arr.get_array().get(a) != simdjson::SUCCESS) return false;
    for (element e : a) {
      ParsedOrder po;
      if (!parse_order(e, &po, *this)) return false;
      out->push_back(std::move(po));
    }
    return true;
  };
  auto shape_error = [&] {
    *status = 422;
    return std::string(kDeserializeError);
  };

  if (type == "order") {
    std::vector<ParsedOrder> orders;
    element arr;
    if (action["orders"].get(arr) != simdjson::SUCCESS || !parse_orders(arr, &orders)) {
      return shape_error();
    }
    if (orders.empty()) return err("Order list is empty.");
    cex::JsonWriter o;
    o.begin_object()
        .kv("status", "ok")
        .key("response")
        .begin_object()
        .kv("type", "order")
        .key("data")
        .begin_object();
    o.key("statuses").begin_array();
    place(orders, o);
    o.end_array().end_object().end_object().end_object();
    return o.take();
  }
  if (type == "cancel" || type == "cancelByCloid") {
    const bool by_cloid = type == "cancelByCloid";
    simdjson::dom::array arr;
    if (action["cancels"].get_array().get(arr) != simdjson::SUCCESS) return shape_error();
    cex::JsonWriter o;
    o.begin_object()
        .kv("status", "ok")
        .key("response")
        .begin_object()
        .kv("type", "cancel")
        .key("data")
        .begin_object();
    o.key("statuses").begin_array();
    for (element c : arr) {
      std::int64_t asset = 0;
      std::uint64_t oid = 0;
      std::string_view cloid;
      const bool ok = by_cloid ? (c["asset"].get_int64().get(asset) == simdjson::SUCCESS &&
                                  c["cloid"].get_string().get(cloid) == simdjson::SUCCESS)
                               : (c["a"].get_int64().get(asset) == simdjson::SUCCESS &&
                                  c["o"].get_uint64().get(oid) == simdjson::SUCCESS);
      if (!ok) return shape_error();
      HlInstrument* inst = by_asset(asset);
      gs::SimError e = gs::SimError::kUnknownOrder;
      if (inst != nullptr) {
        e = by_cloid ? ex_.cancel_by_client_id(acc->id, inst->id, cloid, now)
                     : ex_.cancel(acc->id, inst->id, oid, now);
      }
      if (e == gs::SimError::kNone) {
        o.str("success");
      } else {
        o.begin_object().kv("error", kNeverPlaced).end_object();
      }
    }
    o.end_array().end_object().end_object().end_object();
    return o.take();
  }
  if (type == "modify" || type == "batchModify") {
    const bool batch = type == "batchModify";
    std::vector<element> mods;
    if (batch) {
      simdjson::dom::array arr;
      if (action["modifies"].get_array().get(arr) != simdjson::SUCCESS) return shape_error();
      for (element m : arr) mods.push_back(m);
    } else {
      mods.push_back(action);
    }
    cex::JsonWriter o;
    o.begin_object()
        .kv("status", "ok")
        .key("response")
        .begin_object()
        .kv("type", "order")
        .key("data")
        .begin_object();
    o.key("statuses").begin_array();
    std::string single_error;
    for (element m : mods) {
      element order_el;
      if (m["order"].get(order_el) != simdjson::SUCCESS) return shape_error();
      ParsedOrder po;
      if (!parse_order(order_el, &po, *this)) return shape_error();
      const gs::SimOrder* existing = nullptr;
      std::uint64_t oid = 0;
      std::string_view cloid;
      if (m["oid"].get_uint64().get(oid) == simdjson::SUCCESS) {
        existing = ex_.find_order(acc->id, oid);
      } else if (m["oid"].get_string().get(cloid) == simdjson::SUCCESS) {
        existing = ex_.find_by_client_id(acc->id, cloid);
      } else {
        return shape_error();
      }
      std::string text;
      if (existing == nullptr || !existing->is_open()) {
        text = "Cannot modify canceled or filled order";
      } else if (!po.error.empty()) {
        text = po.error;
      }
      if (!text.empty()) {
        o.begin_object().kv("error", text).end_object();
        if (single_error.empty()) single_error = text;
        continue;
      }
      const gs::SimOrder prev = *existing;
      if (prev.instrument == po.req.instrument && prev.side == po.req.side &&
          prev.type == po.req.type && prev.reduce_only == po.req.reduce_only) {
        const auto res =
            ex_.modify(acc->id, prev.instrument, prev.id, po.req.price, po.req.qty, now);
        if (res.error != gs::SimError::kNone) {
          text = std::string(sim_error_text(res.error));
          o.begin_object().kv("error", text).end_object();
          if (single_error.empty()) single_error = text;
          continue;
        }
        o.begin_object()
            .key("resting")
            .begin_object()
            .kv_unum("oid", prev.id)
            .end_object()
            .end_object();
      } else {
        // A change of side/kind is a cancel and a new order, as the venue does.
        static_cast<void>(ex_.cancel(acc->id, prev.instrument, prev.id, now));
        std::vector<ParsedOrder> one{po};
        if (one[0].req.client_id.empty()) one[0].req.client_id = prev.client_id;
        place(one, o);
      }
    }
    o.end_array().end_object().end_object().end_object();
    if (!batch) return single_error.empty() ? ok_default() : err(single_error);
    return o.take();
  }
  if (type == "updateLeverage") {
    std::int64_t asset = 0, lev = 0;
    bool is_cross = true;
    if (action["asset"].get_int64().get(asset) != simdjson::SUCCESS ||
        action["isCross"].get_bool().get(is_cross) != simdjson::SUCCESS ||
        action["leverage"].get_int64().get(lev) != simdjson::SUCCESS) {
      return shape_error();
    }
    HlInstrument* inst = by_asset(asset);
    if (inst == nullptr) return err("Invalid asset " + std::to_string(asset) + ".");
    if (lev < 1 || lev > inst->cfg->max_leverage ||
        ex_.set_leverage(acc->id, inst->id, static_cast<int>(lev)) != gs::SimError::kNone) {
      return err("Invalid leverage value.");
    }
    return ok_default();
  }
  if (type == "scheduleCancel") {
    std::uint64_t when = 0;
    if (action["time"].get_uint64().get(when) == simdjson::SUCCESS) {
      if (static_cast<std::int64_t>(when) <
          static_cast<std::int64_t>(now_ms) + kMinScheduleDelayMs) {
        return err("Scheduled cancel time too early, must be at least 5 seconds from now.");
      }
      acc->dead_man_at = static_cast<Nanos>(when) * 1'000'000;
      ex_.set_dead_man(acc->id, acc->dead_man_at);
    } else {
      acc->dead_man_at = 0;
      ex_.set_dead_man(acc->id, 0);
    }
    return ok_default();
  }
  if (type == "twapOrder") return twap_order(*acc, action, now, status);
  if (type == "twapCancel") return twap_cancel(*acc, action, now, status);
  if (type == "noop") return ok_default();
  // Referral codes carry no economics in the simulator; a signed request is acknowledged as
  // the venue acknowledges a valid code.
  if (type == "setReferrer") return ok_default();
  return err("Unknown action type: " + std::string(type));
}

}  // namespace peregrine::venue_sim::hl
