#include <simdjson.h>

#include <string>
#include <string_view>

#include "tools/venue_sim/cex_common/json_writer.hpp"
#include "tools/venue_sim/server_impl.hpp"

namespace peregrine::venue_sim {
namespace {

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse error_response(int status, std::string_view message) {
  cex::JsonWriter o;
  o.begin_object().kv("error", message).end_object();
  return json_response(status, o.take());
}

// "venue=hyperliquid" from a query string; empty when absent.
std::string_view query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

HttpResponse truth(Server::Impl& impl, const HttpRequest& req, common::Nanos now) {
  const std::string_view venue_name = query_param(req.query(), "venue");
  common::VenueId only{};
  const bool filtered = !venue_name.empty();
  if (filtered && !common::parse_venue(venue_name, &only)) {
    return error_response(400, "unknown venue \"" + std::string(venue_name) + "\"");
  }
  cex::JsonWriter o;
  o.begin_object().kv_num("time_ms", now / 1'000'000).key("venues").begin_object();
  for (common::VenueId v : common::kAllVenues) {
    if (filtered && v != only) continue;
    VenueRuntime* rt = impl.venue(v);
    if (rt == nullptr) continue;
    o.key(venue_config_name(v));
    impl.world->write_truth(o, v, rt->faults);
  }
  o.end_object().end_object();
  return json_response(200, o.take());
}

// Reads a non-negative integer field; false with a message naming the key otherwise.
bool read_count(simdjson::dom::element value, std::string_view key, std::uint64_t max,
                std::uint64_t* out, std::string* error) {
  std::uint64_t n = 0;
  if (value.get_uint64().get(n) != simdjson::SUCCESS || n > max) {
    *error = std::string(key) + ": expected an integer 0.." + std::to_string(max);
    return false;
  }
  *out = n;
  return true;
}

HttpResponse faults(Server::Impl& impl, const HttpRequest& req, common::Nanos now) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(req.body).get_object().get(obj) != simdjson::SUCCESS) {
    return error_response(400, "body must be a JSON object");
  }
  // Validate everything before touching any venue, so a bad request changes nothing.
  VenueFaults patch;
  common::VenueId only{};
  bool filtered = false;
  bool clear = false;
  struct Seen {
    bool skip_seq = false, duplicate_seq = false, malformed = false, truncated = false,
         drop_ws = false, reset_ws = false, http_error = false, http_error_status = false,
         lose_response = false, delay_ms = false, stale_ms = false, slow_consumer_limit = false;
  } seen;
  std::uint64_t stale_ms = 0;
  std::string err;
  for (auto field : obj) {
    const std::string_view k = field.key;
    std::uint64_t n = 0;
    auto count = [&](std::uint32_t* dst, bool* flag) {
      if (!read_count(field.value, k, 1'000'000, &n, &err)) return false;
      *dst = static_cast<std::uint32_t>(n);
      *flag = true;
      return true;
    };
    bool ok = true;
    if (k == "venue") {
      std::string_view name;
      ok = field.value.get_string().get(name) == simdjson::SUCCESS &&
           common::parse_venue(name, &only);
      if (!ok) err = "venue: expected one of hyperliquid, binance, bybit, coinbase";
      filtered = true;
    } else if (k == "clear") {
      ok = field.value.get_bool().get(clear) == simdjson::SUCCESS;
      if (!ok) err = "clear: expected true or false";
    } else if (k == "skip_seq") {
      ok = count(&patch.skip_seq, &seen.skip_seq);
    } else if (k == "duplicate_seq") {
      ok = count(&patch.duplicate_seq, &seen.duplicate_seq);
    } else if (k == "malformed") {
      ok = count(&patch.malformed, &seen.malformed);
    } else if (k == "truncated") {
      ok = count(&patch.truncated, &seen.truncated);
    } else if (k == "drop_ws") {
      ok = count(&patch.drop_ws, &seen.drop_ws);
    } else if (k == "reset_ws") {
      ok = count(&patch.reset_ws, &seen.reset_ws);
    } else if (k == "http_error") {
      ok = count(&patch.http_error, &seen.http_error);
    } else if (k == "lose_response") {
      ok = count(&patch.lose_response, &seen.lose_response);
    } else if (k == "slow_consumer_limit") {
      ok = count(&patch.slow_consumer_limit, &seen.slow_consumer_limit);
    } else if (k == "http_error_status") {
      ok = read_count(field.value, k, 599, &n, &err) && n >= 400;
      if (!ok) err = "http_error_status: expected an HTTP status 400..599";
      patch.http_error_status = static_cast<int>(n);
      seen.http_error_status = true;
    } else if (k == "delay_ms") {
      ok = read_count(field.value, k, 60'000, &n, &err);
      patch.delay_ms = static_cast<std::uint32_t>(n);
      seen.delay_ms = true;
    } else if (k == "stale_ms") {
      ok = read_count(field.value, k, 3'600'000, &stale_ms, &err);
      seen.stale_ms = true;
    } else {
      return error_response(400, "unknown key \"" + std::string(k) + "\"");
    }
    if (!ok) return error_response(400, err);
  }
  cex::JsonWriter o;
  o.begin_object().key("applied").begin_array();
  for (common::VenueId v : common::kAllVenues) {
    if (filtered && v != only) continue;
    VenueRuntime* rt = impl.venue(v);
    if (rt == nullptr) continue;
    auto& f = rt->faults;
    if (clear) {
      const FaultCounters keep = f.counters;
      f = VenueFaults{};
      f.counters = keep;
      f.slow_consumer_limit = impl.cfg.slow_consumer_limit;
    }
    if (seen.skip_seq) f.skip_seq = patch.skip_seq;
    if (seen.duplicate_seq) f.duplicate_seq = patch.duplicate_seq;
    if (seen.malformed) f.malformed = patch.malformed;
    if (seen.truncated) f.truncated = patch.truncated;
    if (seen.drop_ws) f.drop_ws = patch.drop_ws;
    if (seen.reset_ws) f.reset_ws = patch.reset_ws;
    if (seen.http_error) f.http_error = patch.http_error;
    if (seen.http_error_status) f.http_error_status = patch.http_error_status;
    if (seen.lose_response) f.lose_response = patch.lose_response;
    if (seen.delay_ms) f.delay_ms = patch.delay_ms;
    if (seen.slow_consumer_limit) f.slow_consumer_limit = patch.slow_consumer_limit;
    if (seen.stale_ms) f.stale_until_ns = now + static_cast<common::Nanos>(stale_ms) * 1'000'000;
    impl.apply_connection_faults(*rt);  // drop/reset act now
    o.str(venue_config_name(v));
  }
  o.end_array().end_object();
  return json_response(200, o.take());
}

HttpResponse market(Server::Impl& impl, const HttpRequest& req, common::Nanos now) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(req.body).get_object().get(obj) != simdjson::SUCCESS) {
    return error_response(400, "body must be a JSON object");
  }
  std::string_view asset;
  std::string_view venue_name;
  double move_pct = 0, bps = 0;
  std::int64_t duration_ms = 0;
  bool has_move = false, has_bps = false, has_duration = false;
  for (auto field : obj) {
    const std::string_view k = field.key;
    bool ok = true;
    if (k == "asset") {
      ok = field.value.get_string().get(asset) == simdjson::SUCCESS;
    } else if (k == "venue") {
      ok = field.value.get_string().get(venue_name) == simdjson::SUCCESS;
    } else if (k == "move_pct") {
      ok = field.value.get_double().get(move_pct) == simdjson::SUCCESS;
      has_move = true;
    } else if (k == "dislocate_bps") {
      ok = field.value.get_double().get(bps) == simdjson::SUCCESS;
      has_bps = true;
    } else if (k == "duration_ms") {
      ok = field.value.get_int64().get(duration_ms) == simdjson::SUCCESS;
      has_duration = true;
    } else {
      return error_response(400, "unknown key \"" + std::string(k) + "\"");
    }
    if (!ok) return error_response(400, std::string(k) + ": wrong type");
  }
  if (asset.empty()) return error_response(400, "asset: required");
  std::string err;
  if (has_move && !has_bps) {
    if (!venue_name.empty() || has_duration) {
      return error_response(400, "move_pct moves every venue; venue/duration_ms not allowed");
    }
    if (!impl.world->move_fair_value(asset, move_pct, &err)) return error_response(400, err);
  } else if (has_bps && !has_move) {
    common::VenueId v{};
    if (!common::parse_venue(venue_name, &v)) {
      return error_response(400, "venue: required for dislocate_bps (hyperliquid, binance, ...)");
    }
    if (!has_duration) return error_response(400, "duration_ms: required for dislocate_bps");
    if (!impl.world->dislocate(asset, v, bps, duration_ms, now, &err)) {
      return error_response(400, err);
    }
  } else {
    return error_response(400, "expected exactly one of move_pct or dislocate_bps");
  }
  return json_response(200, "{\"ok\":true}");
}

}  // namespace

HttpResponse handle_admin(Server::Impl& impl, const HttpRequest& req, common::Nanos now) {
  const std::string_view path = req.path();
  if (path == "/admin/health" && req.method == "GET") {
    cex::JsonWriter o;
    o.begin_object()
        .kv("status", "ok")
        .kv_num("time_ms", now / 1'000'000)
        .key("venues")
        .begin_object();
    for (common::VenueId v : common::kAllVenues) {
      if (VenueRuntime* rt = impl.venue(v)) o.kv_num(venue_config_name(v), rt->port);
    }
    o.end_object().end_object();
    return json_response(200, o.take());
  }
  if (path == "/admin/truth" && req.method == "GET") return truth(impl, req, now);
  if (path == "/admin/faults" && req.method == "POST") return faults(impl, req, now);
  if (path == "/admin/market" && req.method == "POST") return market(impl, req, now);
  return error_response(404, "no admin endpoint " + req.method + " " + std::string(path));
}

HttpResponse injected_http_error(common::VenueId v, int status, common::Nanos now) {
  HttpResponse r;
  r.status = status;
  if (status == 429 || status == 418) r.headers.emplace_back("Retry-After", "1");
  cex::JsonWriter o;
  switch (v) {
    case common::VenueId::kBinance:
      if (status == 429 || status == 418) {
        // binance_usdm.md section 5: every response carries the IP's used weight; a 429/418
        // for weight means the window is spent.
        r.headers.emplace_back("X-MBX-USED-WEIGHT-1M", "2400");
        o.begin_object().kv_num("code", -1003);
        o.kv("msg", status == 418 ? "Way too many requests; IP banned until " +
                                        std::to_string(now / 1'000'000 + 60'000) + "."
                                  : "Too many requests; current limit of IP is 2400 requests "
                                    "per minute.");
        o.end_object();
      } else {
        o.begin_object()
            .kv_num("code", -1001)
            .kv("msg",
                "Internal error; unable to process your request. "
                "Please try again.");
        o.end_object();
      }
      break;
    case common::VenueId::kBybit:
      // The venue's rate-limit shapes (bybit_v5.md section 7): the per-UID limit is HTTP 200 +
      // retCode 10006 with the X-Bapi-Limit-* headers (reset 1 s ahead here); the IP limit is
      // HTTP 403 with no JSON envelope.
      r.headers.clear();
      if (status == 403) {
        r.content_type = "text/plain";
        r.body = "access too frequent";
        return r;
      }
      if (status == 429) {
        r.status = 200;
        r.headers.emplace_back("X-Bapi-Limit", "10");
        r.headers.emplace_back("X-Bapi-Limit-Status", "0");
        r.headers.emplace_back("X-Bapi-Limit-Reset-Timestamp",
                               std::to_string(now / 1'000'000 + 1'000));
      }
      o.begin_object().kv_num("retCode", status == 429 ? 10006 : 10016);
      o.kv("retMsg", status == 429 ? "Too many visits!" : "Server error.");
      o.key("result").begin_object().end_object().key("retExtInfo").begin_object().end_object();
      o.kv_num("time", now / 1'000'000).end_object();
      break;
    case common::VenueId::kCoinbase:
      if (status == 429) {
        // Advanced Trade has been seen answering 429 with its HTML fallback page, not JSON
        // (coinbase-samples/advanced-trade-sdk-go#18); x-ratelimit-* per the SDKs.
        r.headers.emplace_back("x-ratelimit-limit", "30");
        r.headers.emplace_back("x-ratelimit-remaining", "0");
        r.headers.emplace_back("x-ratelimit-reset", std::to_string(now / 1'000'000'000 + 1));
        r.content_type = "text/html";
        r.body = "<html><head><title>Coinbase</title></head><body>Too Many Requests</body></html>";
        return r;
      }
      o.begin_object().kv("error", "INTERNAL").kv("error_details", "Simulated HTTP error");
      o.kv("message", "Simulated HTTP error").end_object();
      break;
    default:
      o.begin_object().kv("error", status == 429 ? "Too Many Requests" : "Simulated HTTP error");
      o.kv_num("status", status).end_object();
      break;
  }
  r.body = o.take();
  return r;
}

}  // namespace peregrine::venue_sim
