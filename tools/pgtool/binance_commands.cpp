// pgtool binance …: Binance request signing (HMAC-SHA256 hex, or Ed25519 base64) and signed
// request strings. The secret is read as a literal, env:VAR or file:PATH and never printed.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gateways/binance/order_codec.hpp"
#include "gateways/binance/signer.hpp"
#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace peregrine::tools {
namespace {

namespace bn = gateways::binance;

// --key-type hmac (default): --secret is the API secret. ed25519: --secret is the PKCS#8 PEM
// private key (usually file:PATH).
std::unique_ptr<bn::Signer> load_signer(const Args& a, const std::string& api_key) {
  const std::string type = a.get("--key-type").value_or("hmac");
  const std::string secret = read_secret("--secret", a.require("--secret"));
  if (type == "hmac") {
    if (secret.empty()) throw UsageError{"--secret: empty"};
    return std::make_unique<bn::Signer>(std::make_unique<bn::HmacSigner>(api_key, secret));
  }
  if (type == "ed25519") {
    auto key = bn::Ed25519Signer::from_pem(api_key, secret);
    if (!key) {
      throw UsageError{"--secret: not an Ed25519 PKCS#8 PEM private key (" +
                       std::string(bn::to_string(key.error())) + ")"};
    }
    return std::make_unique<bn::Signer>(std::move(key).value());
  }
  throw UsageError{"--key-type: expected hmac or ed25519, got '" + type + "'"};
}

int binance_sign(const std::vector<std::string>& argv) {
  const Args a(argv, {"--secret", "--payload", "--body", "--key-type"}, {"--raw"});
  const auto signer = load_signer(a, "");
  const std::string payload = a.require("--payload");
  const std::string body = a.get("--body").value_or("");
  if (signer->type() == bn::KeyType::kHmac) {
    // HMAC over totalParams = query + body; lowercase hex.
    std::vector<char> buf(payload.size() + body.size() + 128);
    bn::QueryWriter w(buf.data(), buf.size());
    w.append(body.empty() ? payload : body);
    if (signer->append_signature(body.empty() ? "" : payload, w) != bn::SignError::kOk) {
      throw UsageError{"signing failed"};
    }
    const std::string_view out = w.view();
    const std::string_view sig = out.substr(out.rfind('=') + 1);
    std::printf("%.*s\n", static_cast<int>(sig.size()), sig.data());
    return 0;
  }
  // Ed25519: base64, URL-encoded as it goes on a REST request unless --raw.
  std::vector<char> buf(payload.size() + body.size() + 512);
  bn::QueryWriter w(buf.data(), buf.size());
  w.append(body.empty() ? payload : body);
  if (signer->append_signature(body.empty() ? "" : payload, w) != bn::SignError::kOk) {
    throw UsageError{"signing failed"};
  }
  const std::string_view out = w.view();
  std::string sig(out.substr(out.rfind("signature=") + 10));
  if (a.has("--raw")) {
    std::string raw;
    for (std::size_t i = 0; i < sig.size(); ++i) {
      if (sig[i] == '%' && i + 2 < sig.size()) {
        raw += static_cast<char>(std::stoi(sig.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        raw += sig[i];
      }
    }
    sig = raw;
  }
  std::printf("%s\n", sig.c_str());
  return 0;
}

common::Side parse_side(const std::string& s) {
  if (s == "BUY" || s == "buy") return common::Side::kBuy;
  if (s == "SELL" || s == "sell") return common::Side::kSell;
  throw UsageError{"--side: expected BUY or SELL, got '" + s + "'"};
}

common::TimeInForce parse_tif(const std::string& s) {
  if (s == "GTC") return common::TimeInForce::kGtc;
  if (s == "IOC") return common::TimeInForce::kIoc;
  if (s == "FOK") return common::TimeInForce::kFok;
  if (s == "GTX") return common::TimeInForce::kPostOnly;
  throw UsageError{"--tif: expected GTC, IOC, FOK or GTX, got '" + s + "'"};
}

// Prints the complete signed POST /fapi/v1/order request the engine would send.
int binance_order(const std::vector<std::string>& argv) {
  const Args a(argv,
               {"--secret", "--api-key", "--key-type", "--symbol", "--side", "--type", "--qty",
                "--price", "--tif", "--cloid", "--timestamp", "--recv-window"},
               {"--reduce-only"});
  const auto signer = load_signer(a, a.get("--api-key").value_or(""));
  bn::NewOrder o;
  const std::string symbol = a.require("--symbol");
  o.symbol = symbol;
  o.side = parse_side(a.require("--side"));
  const std::string type = a.get("--type").value_or("LIMIT");
  if (type == "LIMIT") {
    o.type = common::OrderType::kLimit;
    const std::string price = a.require("--price");
    const auto p = common::Price::parse(price);
    if (!p) throw UsageError{"--price: " + std::string(common::to_string(p.error()))};
    o.price = *p;
    o.tif = parse_tif(a.get("--tif").value_or("GTC"));
  } else if (type == "MARKET") {
    o.type = common::OrderType::kMarket;
  } else {
    throw UsageError{"--type: expected LIMIT or MARKET (conditional orders use algoOrder)"};
  }
  const auto q = common::Qty::parse(a.require("--qty"));
  if (!q) throw UsageError{"--qty: " + std::string(common::to_string(q.error()))};
  o.qty = *q;
  o.reduce_only = a.has("--reduce-only");
  if (const auto cloid = a.get("--cloid")) {
    const auto id = common::ClientOrderId::parse_binance(*cloid);
    if (!id) throw UsageError{"--cloid: expected pg + 32 lowercase hex digits"};
    o.cloid = *id;
  }
  const auto ts = a.get_u64("--timestamp");
  if (!ts) throw UsageError{"missing required --timestamp"};
  const int recv = a.get_int("--recv-window", 0, 60000).value_or(5000);
  bn::OrderCodec codec(*signer, recv);
  char buf[bn::OrderCodec::kMaxRequestBytes];
  const auto r = codec.new_order(o, static_cast<std::int64_t>(*ts), buf);
  if (!r) throw UsageError{"order: " + std::string(bn::to_string(r.error()))};
  std::printf("%.*s %.*s?%.*s\n", static_cast<int>(to_string(r->method).size()),
              to_string(r->method).data(), static_cast<int>(r->path.size()), r->path.data(),
              static_cast<int>(r->query.size()), r->query.data());
  return 0;
}

PGTOOL_COMMAND(
    "binance", "sign",
    "  pgtool binance sign --secret S|env:VAR|file:PATH --payload QUERY [--body BODY]\n"
    "                      [--key-type hmac|ed25519] [--raw]\n"
    "      HMAC: lowercase hex over QUERY+BODY. ed25519 (--secret = PKCS#8 PEM): base64,\n"
    "      URL-encoded unless --raw.",
    &binance_sign);
PGTOOL_COMMAND(
    "binance", "order",
    "  pgtool binance order --secret S|env:VAR|file:PATH --symbol BTCUSDT --side BUY|SELL\n"
    "                       --qty Q [--type LIMIT|MARKET] [--price P] [--tif GTC|IOC|FOK|GTX]\n"
    "                       [--cloid pg...] [--reduce-only] --timestamp MS [--recv-window MS]\n"
    "      prints the signed request line: POST /fapi/v1/order?...&signature=...",
    &binance_order);

}  // namespace
}  // namespace peregrine::tools
