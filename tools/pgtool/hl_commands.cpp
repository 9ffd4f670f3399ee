// pgtool hl …: Hyperliquid signing and wire strings, deterministic (RFC 6979).
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "gateways/crypto/keccak.hpp"
#include "gateways/crypto/secp256k1_signer.hpp"
#include "gateways/hyperliquid/json_action.hpp"
#include "gateways/hyperliquid/signer.hpp"
#include "gateways/hyperliquid/wire.hpp"
#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace peregrine::tools {
namespace {

namespace crypto = gateways::crypto;
namespace hl = gateways::hyperliquid;

std::shared_ptr<const crypto::EcdsaKey> load_key(const Args& a) {
  const std::string secret = read_secret("--key", a.require("--key"));
  auto key = crypto::EcdsaKey::from_hex(secret);
  if (!key) throw UsageError{"--key: " + std::string(crypto::to_string(key.error()))};
  return *key;
}

std::string signature_fields(const crypto::RecoverableSignature& sig) {
  return "\"r\":\"" + crypto::to_hex0x(sig.r.data(), 32) + "\",\"s\":\"" +
         crypto::to_hex0x(sig.s.data(), 32) + "\",\"v\":" + std::to_string(sig.v());
}

struct L1Request {
  std::string action;
  std::uint64_t nonce = 0;
  std::optional<std::string> vault;
  std::optional<std::uint64_t> expires_after;
  bool testnet = false;
};

// Signs one action (L1 or user-signed) and returns the output JSON line.
std::string sign_one(const crypto::EcdsaKey& key, const L1Request& req) {
  const std::string type = hl::action_type_of(req.action);
  if (type.empty()) {
    static char scratch[1 << 16];
    hl::ByteSink probe(scratch, sizeof(scratch));
    const auto parsed = hl::json_to_msgpack(req.action, probe);
    throw UsageError{"action: " +
                     (parsed.ok ? std::string("expected a string \"type\"") : parsed.error)};
  }
  if (hl::find_user_signed(type) != nullptr) {
    if (req.vault || req.expires_after) {
      throw UsageError{type + " is user-signed: --vault and --expires-after do not apply"};
    }
    crypto::Hash32 digest{};
    const auto r = hl::user_signed_digest_from_json(req.action, &digest);
    if (!r.ok) throw UsageError{"action: " + r.error};
    return "{" + signature_fields(key.sign(digest)) + "}";
  }
  static char buf[1 << 16];
  hl::ByteSink sink(buf, sizeof(buf));
  const auto enc = hl::json_to_msgpack(req.action, sink);
  if (!enc.ok) throw UsageError{"action: " + enc.error};
  hl::L1Options opts;
  opts.mainnet = !req.testnet;
  opts.nonce = req.nonce;
  if (req.vault) {
    crypto::Address addr;
    if (!crypto::parse_hex(*req.vault, addr.data(), addr.size())) {
      throw UsageError{"vault: expected a 0x address (40 hex digits)"};
    }
    opts.vault = addr;
  }
  opts.expires_after = req.expires_after;
  const crypto::Hash32 conn = hl::action_hash(sink.view(), opts);
  const auto sig = key.sign(hl::l1_digest(conn, opts.mainnet));
  return "{\"connectionId\":\"" + crypto::to_hex0x(conn.data(), 32) + "\"," +
         signature_fields(sig) + "}";
}

int hl_sign_batch(const std::vector<std::string>& argv) {
  const Args a(argv, {"--key"}, {});
  const auto key = load_key(a);
  simdjson::dom::parser parser;
  std::string line;
  std::size_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (line.empty()) continue;
    simdjson::dom::element req;
    if (parser.parse(line).get(req)) throw UsageError{"line " + std::to_string(n) + ": bad JSON"};
    L1Request r;
    simdjson::dom::element action;
    if (req["action"].get(action)) throw UsageError{"line " + std::to_string(n) + ": no action"};
    r.action = simdjson::minify(action);
    if (req["nonce"].get(r.nonce)) throw UsageError{"line " + std::to_string(n) + ": no nonce"};
    std::string_view vault;
    if (!req["vaultAddress"].get(vault)) r.vault = std::string(vault);
    std::uint64_t expires = 0;
    if (!req["expiresAfter"].get(expires)) r.expires_after = expires;
    bool testnet = false;
    if (!req["testnet"].get(testnet)) r.testnet = testnet;
    std::printf("%s\n", sign_one(*key, r).c_str());
  }
  return 0;
}

int hl_sign(const std::vector<std::string>& argv) {
  const Args a(argv, {"--key", "--action", "--nonce", "--vault", "--expires-after"}, {"--testnet"});
  const auto key = load_key(a);
  L1Request r;
  r.action = a.require("--action");
  r.nonce = a.get_u64("--nonce").value_or(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()));
  r.vault = a.get("--vault");
  r.expires_after = a.get_u64("--expires-after");
  r.testnet = a.has("--testnet");
  std::printf("%s\n", sign_one(*key, r).c_str());
  return 0;
}

int hl_sign_agent(const std::vector<std::string>& argv) {
  const Args a(argv, {"--key", "--connection-id"}, {"--testnet"});
  const auto key = load_key(a);
  crypto::Hash32 conn{};
  if (!crypto::parse_hex(a.require("--connection-id"), conn.data(), conn.size())) {
    throw UsageError{"--connection-id: expected 0x + 64 hex digits"};
  }
  const auto sig = key->sign(hl::l1_digest(conn, !a.has("--testnet")));
  std::printf("{%s}\n", signature_fields(sig).c_str());
  return 0;
}

int hl_wire(const std::vector<std::string>& argv) {
  const Args a(argv, {"--px", "--sz", "--sz-decimals"}, {"--spot"});
  const std::string px_text = a.require("--px");
  const std::string sz_text = a.require("--sz");
  const auto szd_opt = a.get_int("--sz-decimals", 0, 8);
  if (!szd_opt) throw UsageError{"missing required --sz-decimals"};
  const int szd = *szd_opt;
  const auto market = a.has("--spot") ? hl::Market::kSpot : hl::Market::kPerp;
  const auto px = common::Price::parse(px_text);
  if (!px) throw UsageError{"--px: " + std::string(common::to_string(px.error()))};
  const auto sz = common::Qty::parse(sz_text);
  if (!sz) throw UsageError{"--sz: " + std::string(common::to_string(sz.error()))};
  char pbuf[common::kDecimalMaxChars];
  char sbuf[common::kDecimalMaxChars];
  const auto pw = hl::price_to_wire(*px, szd, market, pbuf);
  const auto sw = hl::size_to_wire(*sz, szd, sbuf);
  if (!pw || !sw) {
    std::string reason;
    if (!pw) reason += "price " + px_text + ": " + std::string(hl::to_string(pw.error()));
    if (!sw) {
      if (!reason.empty()) reason += "; ";
      reason += "size " + sz_text + ": " + std::string(hl::to_string(sw.error()));
    }
    std::fprintf(stderr, "pgtool: invalid: %s\n", reason.c_str());
    return 1;
  }
  std::printf("{\"px\":\"%.*s\",\"sz\":\"%.*s\"}\n", static_cast<int>(*pw), pbuf,
              static_cast<int>(*sw), sbuf);
  return 0;
}

PGTOOL_COMMAND(
    "hl", "sign",
    "  pgtool hl sign --key HEX|env:VAR|file:PATH --action JSON [--nonce N] [--vault 0xADDR]\n"
    "                 [--expires-after MS] [--testnet]\n"
    "      L1 action: prints {\"connectionId\",\"r\",\"s\",\"v\"}; user-signed action (by its\n"
    "      \"type\", e.g. usdSend): prints {\"r\",\"s\",\"v\"}. RFC 6979: deterministic.",
    &hl_sign);
PGTOOL_COMMAND(
    "hl", "sign-batch",
    "  pgtool hl sign-batch --key HEX < requests.jsonl\n"
    "      one request per line: {\"action\":{...},\"nonce\":N[,\"vaultAddress\":\"0x...\"]\n"
    "      [,\"expiresAfter\":MS][,\"testnet\":true]}; one output line each, as hl sign",
    &hl_sign_batch);
PGTOOL_COMMAND("hl", "sign-agent",
               "  pgtool hl sign-agent --key HEX --connection-id 0x... [--testnet]",
               &hl_sign_agent);
PGTOOL_COMMAND("hl", "wire", "  pgtool hl wire --px X --sz Y --sz-decimals N [--spot]", &hl_wire);

}  // namespace

}  // namespace peregrine::tools
