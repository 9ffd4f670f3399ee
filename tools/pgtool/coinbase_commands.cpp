// pgtool coinbase …: CDP JWT minting and verification, legacy HMAC headers, order bodies.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/order_codec.hpp"
#include "gateways/coinbase/signer.hpp"
#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace peregrine::tools {
namespace {

namespace cb = gateways::coinbase;

struct KeyMaterial {
  std::shared_ptr<const cb::EcKey> key;
  std::string name;  // from the CDP JSON key file, empty for a PEM
};

// --key-file: a PEM (SEC1, PKCS#8 or public), the CDP portal's JSON download
// {"name":"organizations/.../apiKeys/...","privateKey":"-----BEGIN EC PRIVATE KEY-----\n..."},
// or env:VAR. The key text never appears in an error.
KeyMaterial load_key(const Args& a) {
  const std::string spec = a.require("--key-file");
  std::string text = read_secret("--key-file", spec.rfind("env:", 0) == 0 ? spec : "file:" + spec);
  KeyMaterial km;
  std::string pem = text;
  if (!text.empty() && text.front() == '{') {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    std::string_view name, private_key;
    if (parser.parse(text).get_object().get(obj) != simdjson::SUCCESS ||
        obj["privateKey"].get_string().get(private_key) != simdjson::SUCCESS) {
      throw UsageError{"--key-file: JSON key file without a string \"privateKey\""};
    }
    if (obj["name"].get_string().get(name) == simdjson::SUCCESS) km.name = std::string(name);
    pem = std::string(private_key);
  }
  auto key = cb::EcKey::from_pem(pem);
  if (!key) throw UsageError{"--key-file: " + std::string(cb::to_string(key.error()))};
  km.key = *key;
  return km;
}

std::int64_t now_seconds(const Args& a) {
  if (const auto n = a.get_u64("--now")) return static_cast<std::int64_t>(*n);
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string uri_of(const Args& a) {
  const auto method = a.get("--method");
  const auto path = a.get("--path");
  if (!method && !path) return {};
  if (!method || !path) throw UsageError{"--method and --path go together"};
  char buf[cb::kMaxJwtUriBytes];
  const std::size_t n = cb::format_jwt_uri(*method, *path, buf, sizeof(buf));
  if (n == 0) throw UsageError{"--path: expected /api/... without query string or spaces"};
  return std::string(buf, n);
}

int coinbase_jwt(const std::vector<std::string>& argv) {
  const Args a(argv, {"--key-name", "--key-file", "--method", "--path", "--now"}, {"--ws"});
  const KeyMaterial km = load_key(a);
  std::string name = a.get("--key-name").value_or(km.name);
  if (name.empty()) throw UsageError{"missing required --key-name"};
  if (!km.key->has_private()) throw UsageError{"--key-file: a private key is required"};
  const std::string uri = uri_of(a);
  if (uri.empty() && !a.has("--ws")) throw UsageError{"give --method and --path, or --ws"};
  if (!uri.empty() && a.has("--ws")) throw UsageError{"--ws tokens carry no uri"};
  try {
    const cb::JwtMinter minter(km.key, name);
    char out[cb::kMaxJwtBytes];
    const auto r = minter.mint(uri, now_seconds(a), out, sizeof(out));
    if (!r) throw UsageError{std::string(cb::to_string(r.error()))};
    std::printf("%.*s\n", static_cast<int>(*r), out);
  } catch (const std::invalid_argument&) {
    throw UsageError{"--key-name: must be 1..256 printable characters without quotes"};
  }
  return 0;
}

int coinbase_verify_jwt(const std::vector<std::string>& argv) {
  const Args a(argv,
               {"--key-file", "--jwt", "--method", "--path", "--key-name", "--now", "--leeway"},
               {"--ws"});
  const KeyMaterial km = load_key(a);
  const std::string token = a.require("--jwt");
  const std::string uri = uri_of(a);
  cb::JwtVerifyOptions o;
  o.now_s = now_seconds(a);
  const std::string name = a.get("--key-name").value_or(km.name);
  o.key_name = name;
  o.uri = uri;
  o.websocket = a.has("--ws");
  o.leeway_s = a.get_int("--leeway", 0, 300).value_or(0);
  const auto r = cb::verify_jwt(token, *km.key, o);
  if (!r) {
    std::fprintf(stderr, "pgtool: invalid jwt: %.*s\n",
                 static_cast<int>(cb::to_string(r.error()).size()),
                 cb::to_string(r.error()).data());
    return 1;
  }
  std::printf("ok\nheader %s\nclaims %s\n", r->header_json.c_str(), r->claims_json.c_str());
  return 0;
}

int coinbase_public_key(const std::vector<std::string>& argv) {
  const Args a(argv, {"--key-file"}, {});
  std::fputs(load_key(a).key->public_pem().c_str(), stdout);
  return 0;
}

int coinbase_legacy_sign(const std::vector<std::string>& argv) {
  const Args a(argv, {"--key", "--secret", "--timestamp", "--method", "--path", "--body"}, {});
  const std::string secret = read_secret("--secret", a.require("--secret"));
  const cb::LegacySigner signer(a.require("--key"), secret);
  const auto ts = a.get_u64("--timestamp");
  if (!ts) throw UsageError{"missing required --timestamp"};
  cb::LegacyAuthHeaders h;
  signer.sign(static_cast<std::int64_t>(*ts), a.require("--method"), a.require("--path"),
              a.get("--body").value_or(""), h);
  std::printf("CB-ACCESS-KEY: %s\nCB-ACCESS-SIGN: %.*s\nCB-ACCESS-TIMESTAMP: %.*s\n",
              signer.api_key().c_str(), 64, h.sign().data(), static_cast<int>(h.timestamp().size()),
              h.timestamp().data());
  return 0;
}

common::Price parse_price(const std::string& flag, const std::optional<std::string>& v) {
  if (!v) return {};
  const auto p = common::Price::parse(*v);
  if (!p) throw UsageError{flag + ": " + std::string(common::to_string(p.error()))};
  return *p;
}

int coinbase_order_body(const std::vector<std::string>& argv) {
  const Args a(argv,
               {"--cloid", "--product", "--side", "--type", "--size", "--quote-size", "--price",
                "--stop", "--stop-direction"},
               {"--post-only"});
  cb::CreateOrderRequest req;
  const auto cloid = common::ClientOrderId::parse_uuid(a.require("--cloid"));
  if (!cloid) throw UsageError{"--cloid: expected a UUID (8-4-4-4-12 hex)"};
  req.cloid = *cloid;
  const std::string product = a.require("--product");
  req.product_id = product;
  const std::string side = a.require("--side");
  if (side != "buy" && side != "sell") throw UsageError{"--side: buy or sell"};
  req.side = side == "buy" ? common::Side::kBuy : common::Side::kSell;
  const std::string type = a.require("--type");
  if (type == "market") {
    req.config = cb::OrderConfig::kMarketIoc;
  } else if (type == "limit-gtc") {
    req.config = cb::OrderConfig::kLimitGtc;
  } else if (type == "limit-ioc") {
    req.config = cb::OrderConfig::kSorLimitIoc;
  } else if (type == "limit-fok") {
    req.config = cb::OrderConfig::kLimitFok;
  } else if (type == "stop-limit") {
    req.config = cb::OrderConfig::kStopLimitGtc;
  } else {
    throw UsageError{"--type: market, limit-gtc, limit-ioc, limit-fok or stop-limit"};
  }
  if (const auto s = a.get("--size")) {
    const auto q = common::Qty::parse(*s);
    if (!q) throw UsageError{"--size: " + std::string(common::to_string(q.error()))};
    req.base_size = *q;
  }
  if (const auto s = a.get("--quote-size")) {
    const auto q = common::Money::parse(*s);
    if (!q) throw UsageError{"--quote-size: " + std::string(common::to_string(q.error()))};
    req.quote_size = *q;
  }
  req.limit_price = parse_price("--price", a.get("--price"));
  req.stop_price = parse_price("--stop", a.get("--stop"));
  const std::string dir = a.get("--stop-direction").value_or("up");
  if (dir != "up" && dir != "down") throw UsageError{"--stop-direction: up or down"};
  req.stop_direction = dir == "up" ? cb::StopDirection::kStopUp : cb::StopDirection::kStopDown;
  req.post_only = a.has("--post-only");
  char out[1024];
  const auto r = cb::build_create_order(req, out, sizeof(out));
  if (!r) {
    std::fprintf(stderr, "pgtool: invalid: %.*s\n",
                 static_cast<int>(cb::to_string(r.error()).size()),
                 cb::to_string(r.error()).data());
    return 1;
  }
  std::printf("%.*s\n", static_cast<int>(*r), out);
  return 0;
}

PGTOOL_COMMAND(
    "coinbase", "jwt",
    "  pgtool coinbase jwt --key-file PEM|JSON|env:VAR [--key-name organizations/.../apiKeys/...]\n"
    "                      (--method POST --path /api/v3/brokerage/orders | --ws) [--now UNIX_S]\n"
    "      prints an ES256 CDP JWT (exp = nbf + 120 s); the CDP JSON key file supplies the name",
    &coinbase_jwt);
PGTOOL_COMMAND(
    "coinbase", "verify-jwt",
    "  pgtool coinbase verify-jwt --key-file PEM|JSON --jwt TOKEN [--method M --path P | --ws]\n"
    "                             [--key-name N] [--now UNIX_S] [--leeway S]\n"
    "      private or public PEM; prints ok + header and claims, or the reason and exits 1",
    &coinbase_verify_jwt);
PGTOOL_COMMAND("coinbase", "public-key",
               "  pgtool coinbase public-key --key-file PEM|JSON   prints the public PEM",
               &coinbase_public_key);
PGTOOL_COMMAND(
    "coinbase", "legacy-sign",
    "  pgtool coinbase legacy-sign --key K --secret S|env:VAR|file:PATH --timestamp UNIX_S\n"
    "                              --method M --path P [--body JSON]\n"
    "      legacy CB-ACCESS-* headers: hex HMAC-SHA256(timestamp + method + path + body)",
    &coinbase_legacy_sign);
PGTOOL_COMMAND(
    "coinbase", "order-body",
    "  pgtool coinbase order-body --cloid UUID --product BTC-USD --side buy|sell\n"
    "         --type market|limit-gtc|limit-ioc|limit-fok|stop-limit [--size X | --quote-size Q]\n"
    "         [--price P] [--stop S --stop-direction up|down] [--post-only]",
    &coinbase_order_body);

}  // namespace

}  // namespace peregrine::tools
