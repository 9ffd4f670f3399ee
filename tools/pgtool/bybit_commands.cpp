// pgtool bybit …: Bybit v5 HMAC signatures for REST requests and the private WebSocket auth.
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateways/bybit/signer.hpp"
#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace peregrine::tools {
namespace {

namespace bybit = gateways::bybit;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// The secret is read from a literal, env:VAR or file:PATH and never printed; key errors name the
// flag only.
std::unique_ptr<bybit::Signer> load_signer(const Args& a) {
  const std::string secret = read_secret("--secret", a.require("--secret"));
  if (secret.empty()) throw UsageError{"--secret: empty"};
  try {
    return std::make_unique<bybit::Signer>(a.require("--api-key"), secret);
  } catch (const std::invalid_argument& e) {
    throw UsageError{std::string("--api-key: ") + e.what()};
  }
}

int bybit_sign(const std::vector<std::string>& argv) {
  const Args a(argv, {"--secret", "--api-key", "--timestamp", "--recv-window", "--payload"}, {});
  const auto signer = load_signer(a);
  const std::uint64_t ts = a.get_u64("--timestamp").value_or(now_ms());
  const std::uint64_t window = a.get_u64("--recv-window").value_or(bybit::kDefaultRecvWindowMs);
  if (window > 0xffffffffu) throw UsageError{"--recv-window: too large"};
  bybit::RestAuth auth;
  signer->sign_rest(ts, static_cast<std::uint32_t>(window), a.get("--payload").value_or(""), auth);
  std::printf("%.*s\n", static_cast<int>(auth.sign().size()), auth.sign().data());
  return 0;
}

int bybit_ws_auth(const std::vector<std::string>& argv) {
  const Args a(argv, {"--secret", "--api-key", "--expires", "--req-id"}, {});
  const auto signer = load_signer(a);
  const std::uint64_t expires = a.get_u64("--expires").value_or(now_ms() + 10'000);
  char buf[512];
  const std::size_t n =
      signer->write_ws_auth(expires, a.get("--req-id").value_or(""), buf, sizeof(buf));
  if (n == 0) throw UsageError{"--req-id: must be printable ASCII without '\"' or '\\'"};
  std::printf("%.*s\n", static_cast<int>(n), buf);
  return 0;
}

PGTOOL_COMMAND(
    "bybit", "sign",
    "  pgtool bybit sign --secret S|env:VAR|file:PATH --api-key K [--timestamp MS]\n"
    "                    [--recv-window MS] [--payload QUERY_OR_BODY]\n"
    "      hex HMAC-SHA256 of timestamp + api_key + recv_window + payload (the X-BAPI-SIGN\n"
    "      header); payload is the GET query string or the exact POST body",
    &bybit_sign);
PGTOOL_COMMAND("bybit", "ws-auth",
               "  pgtool bybit ws-auth --secret S|env:VAR|file:PATH --api-key K [--expires MS]\n"
               "                       [--req-id ID]\n"
               "      the private WebSocket {\"op\":\"auth\",...} message (\"GET/realtime\" + "
               "expires)",
               &bybit_ws_auth);

}  // namespace
}  // namespace peregrine::tools
