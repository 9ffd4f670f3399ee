#include "tools/venue_sim/binance/binance_auth.hpp"

#include "tools/venue_sim/cex_common/json_writer.hpp"

namespace peregrine::venue_sim::binance {

namespace {

constexpr std::int64_t kDefaultRecvWindowMs = 5000;
constexpr std::int64_t kMaxRecvWindowMs = 60000;
constexpr std::int64_t kAheadToleranceMs = 1000;

// Where "signature=" starts as a parameter name in a form string; npos when absent.
std::size_t find_signature(std::string_view form) noexcept {
  std::size_t pos = 0;
  while (pos < form.size()) {
    if (form.substr(pos).starts_with("signature=")) return pos;
    const auto amp = form.find('&', pos);
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return std::string_view::npos;
}

// totalParams minus the trailing signature parameter, and the signature given; false when the
// signature is missing or is not the last parameter.
bool split_signed(std::string_view query, std::string_view body, std::string& message,
                  std::string& signature) {
  const auto in_query = find_signature(query);
  if (in_query != std::string_view::npos) {
    const std::string_view rest = query.substr(in_query + 10);
    if (rest.find('&') != std::string_view::npos) return false;
    signature.assign(rest);
    message.assign(query.substr(0, in_query == 0 ? 0 : in_query - 1));
    message.append(body);
    return true;
  }
  const auto in_body = find_signature(body);
  if (in_body == std::string_view::npos) return false;
  const std::string_view rest = body.substr(in_body + 10);
  if (rest.find('&') != std::string_view::npos) return false;
  signature.assign(rest);
  message.assign(query);
  message.append(body.substr(0, in_body == 0 ? 0 : in_body - 1));
  return true;
}

ApiError mandatory(std::string_view name) {
  return {400, -1102,
          "Mandatory parameter '" + std::string(name) +
              "' was not sent, was empty/null, or malformed."};
}

}  // namespace

HttpResponse error_response(const ApiError& e) {
  cex::JsonWriter w;
  w.begin_object().kv_num("code", e.code).kv("msg", e.msg).end_object();
  HttpResponse r;
  r.status = e.http_status;
  r.body = w.take();
  return r;
}

const SimAccountConfig* find_account(const SimVenueConfig& config,
                                     std::string_view api_key) noexcept {
  if (api_key.empty()) return nullptr;
  for (const auto& a : config.accounts) {
    if (!a.api_key.empty() && a.api_key == api_key) return &a;
  }
  return nullptr;
}

std::optional<ApiError> authenticate(const HttpRequest& req, Security security,
                                     const SimVenueConfig& config, std::int64_t now_ms,
                                     AuthedRequest& out) {
  // Body parameters count only for form bodies; the query string wins on duplicates.
  if (!out.params.add_form(req.query()))
    return ApiError{400, -1100, "Illegal characters found in a parameter."};
  if (!req.body.empty() && !out.params.add_form(req.body)) {
    return ApiError{400, -1100, "Illegal characters found in a parameter."};
  }
  if (security == Security::kNone) return std::nullopt;

  const std::string_view key = req.header("x-mbx-apikey");
  if (key.empty()) return ApiError{401, -2014, "API-key format invalid."};
  out.account = find_account(config, key);
  if (out.account == nullptr) {
    return ApiError{401, -2015, "Invalid API-key, IP, or permissions for action."};
  }
  if (security == Security::kUserStream) return std::nullopt;

  const auto ts_text = out.params.get("timestamp");
  if (!ts_text) return mandatory("timestamp");
  const auto ts = cex::parse_int(*ts_text);
  if (!ts)
    return ApiError{
        400, -1102,
        "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'."};
  std::int64_t window = kDefaultRecvWindowMs;
  if (const auto w = out.params.get("recvWindow")) {
    const auto parsed = cex::parse_int(*w);
    if (!parsed || *parsed <= 0 || *parsed > kMaxRecvWindowMs) {
      return ApiError{400, -1131, "recvWindow must be less than 60000"};
    }
    window = *parsed;
  }
  if (*ts >= now_ms + kAheadToleranceMs) {
    return ApiError{400, -1021,
                    "Timestamp for this request was 1000ms ahead of the server's time."};
  }
  if (now_ms - *ts > window) {
    return ApiError{400, -1021, "Timestamp for this request is outside of the recvWindow."};
  }

  std::string message;
  std::string signature;
  if (!split_signed(req.query(), req.body, message, signature)) {
    if (!out.params.has("signature")) return mandatory("signature");
    return ApiError{400, -1022, "Signature for this request is not valid."};
  }
  const std::string expected = cex::hmac_hex(out.account->api_secret, {message});
  if (!cex::hex_equal_ci(expected, signature)) {
    return ApiError{400, -1022, "Signature for this request is not valid."};
  }
  return std::nullopt;
}

void WeightLimiter::roll(std::int64_t now_ms) noexcept {
  const std::int64_t start = now_ms - now_ms % 60'000;
  if (start != window_start_ms_) {
    window_start_ms_ = start;
    used_ = 0;
    over_in_window_ = 0;
  }
}

std::int64_t WeightLimiter::used(std::int64_t now_ms) noexcept {
  roll(now_ms);
  return used_;
}

std::optional<ApiError> WeightLimiter::charge(std::int64_t weight, std::int64_t now_ms) {
  roll(now_ms);
  if (now_ms < banned_until_ms_) {
    ++rejected_418_;
    return ApiError{418, -1003,
                    "Way too many requests; IP(127.0.0.1) banned until " +
                        std::to_string(banned_until_ms_) +
                        ". Please use the websocket for live updates to avoid bans."};
  }
  if (used_ + weight > limit_) {
    if (++over_in_window_ > kBanAfter429) {
      banned_until_ms_ = now_ms + ban_ms_;
      ban_ms_ *= 2;
      ++rejected_418_;
      return ApiError{418, -1003,
                      "Way too many requests; IP(127.0.0.1) banned until " +
                          std::to_string(banned_until_ms_) +
                          ". Please use the websocket for live updates to avoid bans."};
    }
    ++rejected_429_;
    return ApiError{429, -1003,
                    "Too many requests; current limit of IP(127.0.0.1) request weight is " +
                        std::to_string(limit_) +
                        " per minute. Please use WebSocket Streams for live updates to avoid "
                        "polling the API."};
  }
  used_ += weight;
  return std::nullopt;
}

}  // namespace peregrine::venue_sim::binance
