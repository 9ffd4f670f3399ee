// Binance USD-M request authentication and IP weight accounting for the simulator: API key,
// HMAC-SHA256 signature over totalParams, timestamp/recvWindow, the 1-minute weight budget with
// 429 then 418 bans. Simulator thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tools/venue_sim/cex_common/params.hpp"
#include "tools/venue_sim/venue_context.hpp"
#include "tools/venue_sim/venue_protocol.hpp"

namespace peregrine::venue_sim::binance {

// A venue error as Binance sends it: HTTP status + {"code":-XXXX,"msg":"..."}.
struct ApiError {
  int http_status = 400;
  int code = 0;
  std::string msg;
};

[[nodiscard]] HttpResponse error_response(const ApiError& e);

enum class Security : std::uint8_t {
  kNone,        // public market data
  kUserStream,  // API key only (listenKey)
  kSigned,      // API key + signature + timestamp (TRADE, USER_DATA)
};

// The parsed, authenticated request: query first, then body (query wins on duplicates).
struct AuthedRequest {
  cex::Params params;
  const SimAccountConfig* account = nullptr;  // null for kNone
};

// Decodes the parameters and applies the endpoint's security rules. The error names the
// failure the way Binance does (-2014/-2015 key, -1102 timestamp missing, -1021 window, -1022
// signature) and never echoes the secret or the expected signature.
[[nodiscard]] std::optional<ApiError> authenticate(const HttpRequest& req, Security security,
                                                   const SimVenueConfig& config,
                                                   std::int64_t now_ms, AuthedRequest& out);

// Finds the account owning `api_key`; null when none.
[[nodiscard]] const SimAccountConfig* find_account(const SimVenueConfig& config,
                                                   std::string_view api_key) noexcept;

// The IP request-weight budget of one venue (all simulator clients share the loopback IP).
// Minute windows are aligned to the wall clock like the venue's; going over answers 429 -1003,
// and a client that keeps sending through kBanAfter429 rejections is banned (418) for two
// minutes, doubling per ban.
class WeightLimiter {
 public:
  static constexpr std::int64_t kDefaultLimit = 2400;  // exchangeInfo REQUEST_WEIGHT 1 MINUTE
  static constexpr int kBanAfter429 = 5;

  void set_limit(std::int64_t limit) noexcept { limit_ = limit; }
  [[nodiscard]] std::int64_t limit() const noexcept { return limit_; }

  // Charges `weight` at now_ms; an error when the request must be refused (not charged then).
  [[nodiscard]] std::optional<ApiError> charge(std::int64_t weight, std::int64_t now_ms);
  [[nodiscard]] std::int64_t used(std::int64_t now_ms) noexcept;
  [[nodiscard]] std::uint64_t rejected_429() const noexcept { return rejected_429_; }
  [[nodiscard]] std::uint64_t rejected_418() const noexcept { return rejected_418_; }

 private:
  void roll(std::int64_t now_ms) noexcept;
  std::int64_t limit_ = kDefaultLimit;
  std::int64_t window_start_ms_ = 0;
  std::int64_t used_ = 0;
  int over_in_window_ = 0;
  std::int64_t banned_until_ms_ = 0;
  std::int64_t ban_ms_ = 120'000;
  std::uint64_t rejected_429_ = 0;
  std::uint64_t rejected_418_ = 0;
};

}  // namespace peregrine::venue_sim::binance
