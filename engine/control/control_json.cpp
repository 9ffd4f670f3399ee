#include "engine/control/control_json.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <system_error>

#include "engine/journal/journal_names.hpp"

namespace peregrine::engine::control {
namespace {

using journal::enum_name;

template <typename F>
std::string dec(const F& f) {
  return "\"" + f.to_string() + "\"";
}

std::string str(std::string_view s) {
  std::string o;
  append_json_string(o, s);
  return o;
}

std::string cloid_json(const common::ClientOrderId& id) {
  return id.is_null() ? std::string("null") : "\"" + id.to_cloid() + "\"";
}

// ---- body parsing helpers -------------------------------------------------------------------

using simdjson::dom::element;
using simdjson::dom::element_type;

struct Body {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
};

bool parse_object(std::string_view body, Body* b, std::string* error) {
  if (body.empty()) {
    *error = "body: expected a JSON object, got an empty body";
    return false;
  }
  element root;
  if (b->parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    *error = "body: malformed JSON";
    return false;
  }
  if (root.get_object().get(b->object) != simdjson::SUCCESS) {
    *error = "body: expected a JSON object";
    return false;
  }
  return true;
}

bool get_string(element e, std::string_view key, std::string_view* out, std::string* error) {
  if (e.get_string().get(*out) != simdjson::SUCCESS) {
    *error = std::string(key) + ": must be a string";
    return false;
  }
  return true;
}

// Decimal from a string ("0.01", exact) or a JSON number. A non-integer number is taken at its
// shortest round-trip spelling, which is what the sender wrote for any <= 15-digit decimal.
bool get_decimal(element e, std::string_view key, std::int64_t* raw, std::string* error) {
  std::string text;
  std::string_view s;
  std::int64_t i = 0;
  double d = 0;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    text = std::string(s);
  } else if (e.get_int64().get(i) == simdjson::SUCCESS) {
    text = std::to_string(i);
  } else if (e.get_double().get(d) == simdjson::SUCCESS) {
    char buf[64];
    const auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), d);
    if (ec != std::errc()) {
      *error = std::string(key) + ": unusable number";
      return false;
    }
    text.assign(buf, p);
  } else {
    *error = std::string(key) + ": must be a decimal string or number";
    return false;
  }
  const auto r = common::Qty::parse(text);
  if (!r) {
    *error = std::string(key) + ": not a valid decimal (" + std::string(to_string(r.error())) + ")";
    return false;
  }
  *raw = r->raw();
  return true;
}

bool get_venue(element e, ControlCommand* out, std::string* error) {
  std::string_view s;
  if (!get_string(e, "venue", &s, error)) return false;
  if (!common::parse_venue(s, &out->venue)) {
    *error = "venue: unknown venue '" + std::string(s.substr(0, 32)) +
             "' (hyperliquid, binance, bybit, coinbase)";
    return false;
  }
  out->has_venue = true;
  return true;
}

template <std::size_t N>
bool get_text(element e, std::string_view key, FixedText<N>* out, std::string* error) {
  std::string_view s;
  if (!get_string(e, key, &s, error)) return false;
  if (s.empty() || !out->fits(s)) {
    *error = std::string(key) + ": must be 1.." + std::to_string(N) + " characters";
    return false;
  }
  out->assign(s);
  return true;
}

bool unknown_field(std::string_view key, std::string* error) {
  *error = "unknown field '" + std::string(key.substr(0, 32)) + "'";
  return false;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", static_cast<unsigned>(u));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string error_json(std::string_view message, std::string_view extra) {
  std::string out = "{\"error\":";
  append_json_string(out, message);
  out += extra;
  out += '}';
  return out;
}

std::string balances_json(const ControlSnapshot& s) {
  // The engine's own accounting, not venue-reported balances: "source" says so on every answer.
  std::string o = "{\"seq\":" + std::to_string(s.seq) + ",\"source\":\"engine\",\"balances\":[";
  for (std::uint32_t i = 0; i < s.balance_count && i < s.balances.size(); ++i) {
    const auto& b = s.balances[i];
    if (i > 0) o += ',';
    o += "{\"venue\":" + str(enum_name(b.venue)) + ",\"asset\":" + str(b.asset.view()) +
         ",\"starting\":" + dec(b.starting) + ",\"realized_pnl\":" + dec(b.realized_pnl) +
         ",\"fees\":" + dec(b.fees) + ",\"unrealized_pnl\":" + dec(b.unrealized_pnl) +
         ",\"available\":" + dec(b.available) + ",\"equity\":" + dec(b.total) +
         ",\"total\":" + dec(b.total) + "}";
  }
  return o + "]}";
}

std::string positions_json(const ControlSnapshot& s) {
  std::string o = "{\"seq\":" + std::to_string(s.seq) + ",\"positions\":[";
  for (std::uint32_t i = 0; i < s.position_count && i < s.positions.size(); ++i) {
    const auto& p = s.positions[i];
    if (i > 0) o += ',';
    o += "{\"venue\":" + str(enum_name(p.venue)) + ",\"symbol\":" + str(p.symbol.view()) +
         ",\"asset\":" + str(p.asset.view()) +
         ",\"instrument\":" + std::to_string(p.instrument.value) +
         ",\"strategy\":" + std::to_string(p.strategy.value) + ",\"qty\":" + dec(p.qty) +
         ",\"avg_entry\":" + dec(p.avg_entry) + ",\"mark\":" + dec(p.mark) +
         ",\"unrealized_pnl\":" + dec(p.unrealized_pnl) +
         ",\"realized_pnl\":" + dec(p.realized_pnl) + ",\"fees\":" + dec(p.fees) + "}";
  }
  return o + "]}";
}

std::string orders_json(const ControlSnapshot& s) {
  std::string o = "{\"seq\":" + std::to_string(s.seq) +
                  ",\"truncated\":" + (s.orders_truncated ? "true" : "false") + ",\"orders\":[";
  for (std::uint32_t i = 0; i < s.order_count && i < s.orders.size(); ++i) {
    const auto& r = s.orders[i];
    if (i > 0) o += ',';
    o += "{\"venue\":" + str(enum_name(r.venue)) + ",\"symbol\":" + str(r.symbol.view()) +
         ",\"cloid\":" + cloid_json(r.cloid) + ",\"venue_order_id\":" +
         (r.venue_order_id.is_null() ? std::string("null") : str(r.venue_order_id.to_string())) +
         ",\"strategy\":" + std::to_string(r.strategy.value) +
         ",\"side\":" + str(enum_name(r.side)) + ",\"type\":" + str(enum_name(r.type)) +
         ",\"tif\":" + str(enum_name(r.tif)) + ",\"status\":" + str(enum_name(r.status)) +
         ",\"reduce_only\":" + (r.reduce_only ? "true" : "false") + ",\"price\":" + dec(r.price) +
         ",\"qty\":" + dec(r.qty) + ",\"filled_qty\":" + dec(r.filled_qty) +
         ",\"created_ns\":" + std::to_string(r.created_ns) + "}";
  }
  return o + "]}";
}

std::string allocation_json(const ControlSnapshot& s) {
  const RouterView& rv = s.router;
  std::string o =
      "{\"seq\":" + std::to_string(s.seq) + ",\"router\":" + (rv.enabled ? "true" : "false") +
      ",\"rebalance\":" + (rv.rebalance ? "true" : "false") +
      ",\"threshold_bp\":" + std::to_string(rv.threshold_bp) +
      ",\"max_drift_bp\":" + std::to_string(rv.max_drift_bp) +
      ",\"routes\":" + std::to_string(rv.routes) + ",\"no_route\":" + std::to_string(rv.no_route) +
      ",\"rebalance_signals\":" + std::to_string(rv.rebalance_signals) + ",\"allocation\":[";
  bool first = true;
  for (const auto& a : s.allocation) {
    if (a.target_bp == 0 && a.actual_bp == 0 && a.target_notional.is_zero() &&
        a.actual_notional.is_zero() && a.routed == 0) {
      continue;
    }
    if (!first) o += ',';
    first = false;
    o += "{\"venue\":" + str(enum_name(a.venue)) + ",\"target_bp\":" + std::to_string(a.target_bp) +
         ",\"actual_bp\":" + std::to_string(a.actual_bp) +
         ",\"drift_bp\":" + std::to_string(a.actual_bp - a.target_bp) +
         ",\"rebalance\":" + (a.rebalance ? "true" : "false") +
         ",\"target_notional\":" + dec(a.target_notional) +
         ",\"actual_notional\":" + dec(a.actual_notional) +
         ",\"healthy\":" + (a.healthy ? "true" : "false") + ",\"ack_latency_ns\":" +
         (a.ack_latency_ns < 0 ? std::string("null") : std::to_string(a.ack_latency_ns)) +
         ",\"error_rate\":" + std::to_string(static_cast<double>(a.error_ppm) / 1e6) +
         ",\"routed\":" + std::to_string(a.routed) + "}";
  }
  return o + "]}";
}

std::string risk_json(const ControlSnapshot& s) {
  const RiskView& r = s.risk;
  std::string o = "{\"seq\":" + std::to_string(s.seq) + ",\"state\":" + str(to_string(r.state)) +
                  ",\"kill_switch\":" + (r.kill_switch ? "true" : "false") +
                  ",\"daily_pnl\":" + dec(r.daily_pnl) +
                  ",\"max_daily_loss\":" + dec(r.max_daily_loss) +
                  ",\"drawdown\":" + dec(r.drawdown) + ",\"max_drawdown\":" + dec(r.max_drawdown) +
                  ",\"gross_exposure\":" + dec(r.gross_exposure) +
                  ",\"max_gross_exposure\":" + dec(r.max_gross_exposure) +
                  ",\"open_orders\":" + std::to_string(r.open_orders) +
                  ",\"max_open_orders\":" + std::to_string(r.max_open_orders) +
                  ",\"accepted\":" + std::to_string(r.accepted) + ",\"denied\":{";
  for (std::size_t i = 0; i < r.denied.size(); ++i) {
    if (i > 0) o += ',';
    o += str(common::to_string(static_cast<common::DenyReason>(i))) + ":" +
         std::to_string(r.denied[i]);
  }
  return o + "}}";
}

std::string latency_json(const ControlSnapshot& s) {
  std::string o = "{\"seq\":" + std::to_string(s.seq) + ",\"stages\":[";
  for (std::uint32_t i = 0; i < s.stage_count && i < s.latency.size(); ++i) {
    const auto& l = s.latency[i];
    if (i > 0) o += ',';
    o += "{\"stage\":" + str(l.stage.view()) + ",\"count\":" + std::to_string(l.count) +
         ",\"p50_ns\":" + std::to_string(l.p50_ns) + ",\"p90_ns\":" + std::to_string(l.p90_ns) +
         ",\"p99_ns\":" + std::to_string(l.p99_ns) + ",\"p999_ns\":" + std::to_string(l.p999_ns) +
         ",\"max_ns\":" + std::to_string(l.max_ns) + "}";
  }
  return o + "]}";
}

std::string health_json(const ControlSnapshot& s, Nanos now) {
  bool all_up = true;
  std::string venues = "{";
  for (std::size_t i = 0; i < s.venue_state.size(); ++i) {
    if (i > 0) venues += ',';
    venues +=
        str(enum_name(static_cast<common::VenueId>(i))) + ":" + str(enum_name(s.venue_state[i]));
    all_up = all_up && s.venue_state[i] == common::VenueState::kConnected;
  }
  venues += '}';
  const bool ok = all_up && s.risk.state == RiskState::kNormal;
  return "{\"status\":" + str(ok ? "ok" : "degraded") + ",\"mode\":" + str(s.mode.view()) +
         ",\"snapshot_seq\":" + std::to_string(s.seq) +
         ",\"snapshot_age_ms\":" + std::to_string((now - s.ts) / 1'000'000) +
         ",\"uptime_s\":" + std::to_string((s.ts - s.started_ns) / 1'000'000'000) +
         ",\"risk_state\":" + str(to_string(s.risk.state)) + ",\"venues\":" + venues + "}";
}

bool parse_order_body(std::string_view body, ControlCommand* out, std::string* error) {
  Body b;
  if (!parse_object(body, &b, error)) return false;
  out->kind = CommandKind::kNewOrder;
  bool have_side = false;
  bool have_qty = false;
  bool have_type = false;
  bool have_tif = false;
  for (const auto field : b.object) {
    const std::string_view key = field.key;
    const element v = field.value;
    std::string_view s;
    if (key == "venue") {
      if (!get_venue(v, out, error)) return false;
    } else if (key == "symbol") {
      if (!get_text(v, key, &out->symbol, error)) return false;
    } else if (key == "asset") {
      if (!get_text(v, key, &out->asset, error)) return false;
    } else if (key == "side") {
      if (!get_string(v, key, &s, error)) return false;
      if (s == "buy") {
        out->side = common::Side::kBuy;
      } else if (s == "sell") {
        out->side = common::Side::kSell;
      } else {
        *error = "side: must be \"buy\" or \"sell\"";
        return false;
      }
      have_side = true;
    } else if (key == "qty") {
      std::int64_t raw = 0;
      if (!get_decimal(v, key, &raw, error)) return false;
      out->qty = common::Qty::from_raw(raw);
      have_qty = true;
    } else if (key == "price") {
      if (v.is_null()) continue;
      std::int64_t raw = 0;
      if (!get_decimal(v, key, &raw, error)) return false;
      out->price = common::Price::from_raw(raw);
      out->has_price = true;
    } else if (key == "type") {
      if (!get_string(v, key, &s, error)) return false;
      if (s == "limit") {
        out->type = common::OrderType::kLimit;
      } else if (s == "market") {
        out->type = common::OrderType::kMarket;
      } else {
        *error = "type: must be \"limit\" or \"market\"";
        return false;
      }
      have_type = true;
    } else if (key == "tif") {
      if (!get_string(v, key, &s, error)) return false;
      if (s == "gtc" || s == "GTC") {
        out->tif = common::TimeInForce::kGtc;
      } else if (s == "ioc" || s == "IOC") {
        out->tif = common::TimeInForce::kIoc;
      } else if (s == "fok" || s == "FOK") {
        out->tif = common::TimeInForce::kFok;
      } else if (s == "post_only" || s == "alo" || s == "ALO") {
        out->tif = common::TimeInForce::kPostOnly;
      } else {
        *error = "tif: must be one of gtc, ioc, fok, post_only";
        return false;
      }
      have_tif = true;
    } else if (key == "reduce_only") {
      bool flag = false;
      if (v.get_bool().get(flag) != simdjson::SUCCESS) {
        *error = "reduce_only: must be true or false";
        return false;
      }
      out->reduce_only = flag;
    } else {
      return unknown_field(key, error);
    }
  }
  if (!out->has_venue) {
    *error = "venue: required";
    return false;
  }
  if (out->symbol.len == 0 && out->asset.len == 0) {
    *error = "symbol or asset: one is required";
    return false;
  }
  if (!have_side) {
    *error = "side: required";
    return false;
  }
  if (!have_qty) {
    *error = "qty: required";
    return false;
  }
  if (!out->qty.is_positive()) {
    *error = "qty: must be greater than zero";
    return false;
  }
  if (!have_type) out->type = common::OrderType::kLimit;
  if (out->type == common::OrderType::kLimit) {
    if (!out->has_price) {
      *error = "price: required for a limit order";
      return false;
    }
    if (!out->price.is_positive()) {
      *error = "price: must be greater than zero";
      return false;
    }
  } else {
    if (out->has_price) {
      *error = "price: not allowed for a market order";
      return false;
    }
    if (!have_tif) out->tif = common::TimeInForce::kIoc;
    if (out->tif == common::TimeInForce::kGtc || out->tif == common::TimeInForce::kPostOnly) {
      *error = "tif: a market order must be ioc or fok";
      return false;
    }
  }
  return true;
}

bool parse_reduce_body(std::string_view body, ControlCommand* out, std::string* error) {
  Body b;
  if (!parse_object(body, &b, error)) return false;
  out->kind = CommandKind::kReducePosition;
  bool have_fraction = false;
  bool have_qty = false;
  for (const auto field : b.object) {
    const std::string_view key = field.key;
    if (key == "fraction") {
      if (!get_decimal(field.value, key, &out->fraction_raw, error)) return false;
      have_fraction = true;
    } else if (key == "qty") {
      std::int64_t raw = 0;
      if (!get_decimal(field.value, key, &raw, error)) return false;
      out->qty = common::Qty::from_raw(raw);
      have_qty = true;
    } else if (key == "venue") {
      if (!get_venue(field.value, out, error)) return false;
    } else {
      return unknown_field(key, error);
    }
  }
  if (have_fraction == have_qty) {
    *error = "fraction or qty: exactly one is required";
    return false;
  }
  out->by_fraction = have_fraction;
  if (have_fraction && (out->fraction_raw <= 0 || out->fraction_raw > common::kDecimalScale)) {
    *error = "fraction: must be in (0, 1]";
    return false;
  }
  if (have_qty && !out->qty.is_positive()) {
    *error = "qty: must be greater than zero";
    return false;
  }
  return true;
}

bool parse_close_body(std::string_view body, ControlCommand* out, std::string* error) {
  out->kind = CommandKind::kClosePosition;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
  Body b;
  if (!parse_object(body, &b, error)) return false;
  for (const auto field : b.object) {
    if (field.key == "venue") {
      if (!get_venue(field.value, out, error)) return false;
    } else {
      return unknown_field(field.key, error);
    }
  }
  return true;
}

bool parse_signal_body(std::string_view body, ControlCommand* out, std::string* error) {
  Body b;
  if (!parse_object(body, &b, error)) return false;
  out->kind = CommandKind::kSignal;
  bool have_score = false;
  for (const auto field : b.object) {
    const std::string_view key = field.key;
    if (key == "asset") {
      if (!get_text(field.value, key, &out->asset, error)) return false;
    } else if (key == "score") {
      if (!get_decimal(field.value, key, &out->score_raw, error)) return false;
      have_score = true;
    } else if (key == "source") {
      if (!get_text(field.value, key, &out->source, error)) return false;
    } else if (key == "ts") {
      std::int64_t ts = 0;
      if (field.value.get_int64().get(ts) != simdjson::SUCCESS || ts < 0) {
        *error = "ts: must be a non-negative integer (epoch ns)";
        return false;
      }
      out->signal_ts = ts;
    } else {
      return unknown_field(key, error);
    }
  }
  if (out->asset.len == 0) {
    *error = "asset: required";
    return false;
  }
  if (!have_score) {
    *error = "score: required";
    return false;
  }
  if (out->score_raw < 0 || out->score_raw > 100 * common::kDecimalScale) {
    *error = "score: must be between 0 and 100";
    return false;
  }
  if (out->source.len == 0) {
    *error = "source: required";
    return false;
  }
  return true;
}

}  // namespace peregrine::engine::control
