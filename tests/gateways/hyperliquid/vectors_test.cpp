// Every published Hyperliquid signing vector (../shared/vectors/hyperliquid.json) reproduced
// byte for byte: action hashes (connectionId), L1 signatures, user-signed signatures, the
// derived EIP-712 constants, and the typed builders against the vectors' action JSON.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gateways/crypto/keccak.hpp"
#include "gateways/crypto/secp256k1_signer.hpp"
#include "gateways/hyperliquid/json_action.hpp"
#include "gateways/hyperliquid/signer.hpp"
#include "support/test_data.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

using crypto::Hash32;

std::filesystem::path vectors_path() {
  return std::filesystem::path(PEREGRINE_SOURCE_DIR) / ".." / "shared" / "vectors" /
         "hyperliquid.json";
}

// Hex of any length (minimal or padded) → 32 big-endian bytes.
std::array<std::uint8_t, 32> hex32(std::string_view h) {
  if (h.size() >= 2 && h[0] == '0' && h[1] == 'x') h.remove_prefix(2);
  std::string padded(64 - h.size(), '0');
  padded += h;
  std::array<std::uint8_t, 32> out{};
  EXPECT_TRUE(crypto::parse_hex(padded, out.data(), 32)) << h;
  return out;
}

class HyperliquidVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(vectors_path())) {
      if (peregrine::testing::in_ci()) FAIL() << "vectors missing under CI: " << vectors_path();
      GTEST_SKIP() << "signing vectors not found: " << vectors_path();
    }
    ASSERT_EQ(parser_.load(vectors_path().string()).get(root_), simdjson::SUCCESS);
  }
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

TEST_F(HyperliquidVectors, DerivedConstantsMatchTheVenueDoc) {
  EXPECT_EQ(crypto::to_hex0x(exchange_domain_separator().data(), 32),
            "0xd79297fcdf2ffcd4ae223d01edaa2ba214ff8f401d7c9300d995d17c82aa4040");
  EXPECT_EQ(crypto::to_hex0x(agent_type_hash().data(), 32),
            "0x26f05c2f7239b6983075e58321292d77b3aa173d19b27257ac96ab362570f508");
}

TEST_F(HyperliquidVectors, EveryL1ActionVectorReproduces) {
  int hashes = 0;
  int signatures = 0;
  for (simdjson::dom::element v : root_["l1_action_vectors"].get_array()) {
    const std::string name(v["name"].get_string().value());
    SCOPED_TRACE(name);
    const std::string action_json = simdjson::minify(v["action"]);
    char buf[4096];
    ByteSink sink(buf, sizeof(buf));
    const auto enc = json_to_msgpack(action_json, sink);
    ASSERT_TRUE(enc.ok) << enc.error;

    L1Options opts;
    opts.nonce = v["nonce"].get_uint64().value();
    std::string_view vault;
    if (!v["vault_address"].get(vault)) {
      crypto::Address a;
      ASSERT_TRUE(crypto::parse_hex(vault, a.data(), 20));
      opts.vault = a;
    }
    std::uint64_t expires = 0;
    if (!v["expires_after"].get(expires)) opts.expires_after = expires;
    bool mainnet = true;
    if (!v["is_mainnet"].get(mainnet)) opts.mainnet = mainnet;

    const Hash32 conn = action_hash(sink.view(), opts);
    std::string_view expected_conn;
    if (!v["expected"]["connection_id"].get(expected_conn)) {
      EXPECT_EQ(crypto::to_hex0x(conn.data(), 32), expected_conn);
      ++hashes;
    }
    std::string_view key_hex;
    if (v["private_key"].get(key_hex)) continue;  // hash-only vector
    auto key = crypto::EcdsaKey::from_hex(key_hex);
    ASSERT_TRUE(key.ok());
    const Hash32 digest = l1_digest(conn, opts.mainnet);
    const auto sig = (*key)->sign(digest);
    const auto expected = v["expected"]["signature"];
    EXPECT_EQ(sig.r, hex32(expected["r"].get_string().value()));
    EXPECT_EQ(sig.s, hex32(expected["s"].get_string().value()));
    EXPECT_EQ(sig.v(), static_cast<int>(expected["v"].get_int64().value()));
    crypto::Address recovered;
    ASSERT_TRUE(crypto::recover_address(digest, sig, &recovered));
    EXPECT_EQ(recovered, (*key)->address());
    ++signatures;
  }
  EXPECT_EQ(hashes, 5);       // 1 Python phantom-agent + 4 TS createL1ActionHash vectors
  EXPECT_EQ(signatures, 20);  // every vector with a key
}

TEST_F(HyperliquidVectors, EveryUserSignedVectorReproduces) {
  int n = 0;
  for (simdjson::dom::element v : root_["user_signed_vectors"].get_array()) {
    SCOPED_TRACE(std::string(v["name"].get_string().value()));
    std::string action_json = simdjson::minify(v["action_json"]);
    std::string_view no_type;
    if (v["action_json"]["type"].get(no_type)) {
      // The TS vector signs a bare message; name its action type from the primary type.
      const std::string_view primary = v["primary_type"].get_string().value();
      std::string type;
      for (std::string_view t : {"usdSend", "withdraw3", "spotSend"}) {
        if (find_user_signed(t)->primary_type == primary) type = t;
      }
      ASSERT_FALSE(type.empty()) << primary;
      action_json.insert(1, "\"type\":\"" + type + "\",");
    }
    Hash32 digest{};
    const auto r = user_signed_digest_from_json(action_json, &digest);
    ASSERT_TRUE(r.ok) << r.error;
    auto key = crypto::EcdsaKey::from_hex(v["private_key"].get_string().value());
    ASSERT_TRUE(key.ok());
    const auto sig = (*key)->sign(digest);
    const auto expected = v["expected"]["signature"];
    EXPECT_EQ(sig.r, hex32(expected["r"].get_string().value()));
    EXPECT_EQ(sig.s, hex32(expected["s"].get_string().value()));
    EXPECT_EQ(sig.v(), static_cast<int>(expected["v"].get_int64().value()));
    ++n;
  }
  EXPECT_EQ(n, 3);
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid

namespace peregrine::gateways::hyperliquid {
namespace {

// Minimal hex (leading zeros stripped), as hashed inside a multi-sig wrapper (venue doc §6).
std::string minimal_hex(const std::array<std::uint8_t, 32>& v) {
  std::string h = crypto::to_hex0x(v.data(), 32).substr(2);
  const auto nz = h.find_first_not_of('0');
  return "0x" + (nz == std::string::npos ? std::string("0") : h.substr(nz));
}

std::string sig_json(const crypto::RecoverableSignature& s) {
  return R"({"r":")" + minimal_hex(s.r) + R"(","s":")" + minimal_hex(s.s) + R"(","v":)" +
         std::to_string(s.v()) + "}";
}

void expect_sig(const crypto::RecoverableSignature& got, simdjson::dom::element expected) {
  EXPECT_EQ(got.r, hex32(expected["r"].get_string().value()));
  EXPECT_EQ(got.s, hex32(expected["s"].get_string().value()));
  EXPECT_EQ(got.v(), static_cast<int>(expected["v"].get_int64().value()));
}

// SendMultiSig{hyperliquidChain, multiSigActionHash, nonce} over the wrapper without "type".
crypto::RecoverableSignature sign_outer(const crypto::EcdsaKey& key, const std::string& wrapper,
                                        std::string_view chain, std::uint64_t nonce,
                                        std::uint64_t chain_id) {
  char buf[4096];
  ByteSink sink(buf, sizeof(buf));
  const auto r = json_to_msgpack(wrapper, sink);
  EXPECT_TRUE(r.ok) << r.error;
  L1Options opts;
  opts.nonce = nonce;
  const Hash32 multi_sig_hash = action_hash(sink.view(), opts);
  Eip712Value values[3];
  values[0].str = chain;
  values[1].bytes = multi_sig_hash;
  values[2].number = nonce;
  return key.sign(user_signed_digest(*find_user_signed("sendMultiSig"), values, chain_id));
}

// The user-signed type list with payloadMultiSigUser and outerSigner after hyperliquidChain.
crypto::RecoverableSignature sign_inner_user(const crypto::EcdsaKey& key,
                                             simdjson::dom::element v) {
  const std::string_view primary = v["inner_primary_type"].get_string().value();
  std::vector<Eip712FieldSpec> fields;
  std::vector<Eip712Value> values;
  std::vector<std::string> strings;  // owns lowercased addresses etc.
  strings.reserve(16);
  simdjson::dom::element action = v["inner_action"];
  for (auto t : v["inner_types_extended"].get_array()) {
    const std::string_view name = t["name"].get_string().value();
    const std::string_view type = t["type"].get_string().value();
    Eip712FieldSpec f{name, Eip712Type::kString};
    Eip712Value val;
    if (type == "address") {
      f.type = Eip712Type::kAddress;
      std::string_view addr;
      if (name == "payloadMultiSigUser") {
        addr = v["multi_sig_user"].get_string().value();
      } else if (name == "outerSigner") {
        addr = v["signer_address_in_test"].get_string().value();
      } else {
        addr = action[name].get_string().value();
      }
      EXPECT_TRUE(crypto::parse_hex(addr, val.address.data(), 20)) << addr;
    } else if (type == "uint64") {
      f.type = Eip712Type::kUint64;
      val.number = action[name].get_uint64().value();
    } else if (type == "bool") {
      f.type = Eip712Type::kBool;
      val.flag = action[name].get_bool().value();
    } else {
      strings.emplace_back(action[name].get_string().value());
      val.str = strings.back();
    }
    fields.push_back(f);
    values.push_back(val);
  }
  const UserSignedSpec spec{"", primary, fields};
  return key.sign(user_signed_digest(spec, values, 0x66eee));
}

TEST_F(HyperliquidVectors, EveryMultiSigVectorReproduces) {
  int n = 0;
  for (simdjson::dom::element v : root_["multisig_vectors"].get_array()) {
    const std::string name(v["name"].get_string().value());
    SCOPED_TRACE(name);
    auto key = crypto::EcdsaKey::from_hex(v["private_key"].get_string().value()).value();
    ASSERT_EQ(key->address_hex(), v["signer_address_in_test"].get_string().value());
    const std::string user(v["multi_sig_user"].get_string().value());
    const std::string signer = key->address_hex();
    const std::uint64_t nonce = v["nonce"].get_uint64().value();
    crypto::RecoverableSignature inner;
    std::string payload_action;
    std::string chain = "Mainnet";
    simdjson::dom::element inner_action = v["inner_action"];
    std::string_view type;
    const bool is_l1 = !inner_action["type"].get(type) && type == "order";
    if (is_l1) {
      // msgpack ARRAY [multiSigUser, outerSigner, action], then the normal phantom-agent flow.
      char buf[4096];
      ByteSink sink(buf, sizeof(buf));
      MsgpackWriter w(sink);
      w.array(3);
      w.str(user);
      w.str(signer);
      const std::string action_json = simdjson::minify(inner_action);
      ASSERT_TRUE(json_to_msgpack(action_json, sink).ok);
      L1Options opts;
      opts.nonce = nonce;
      opts.mainnet = v["is_mainnet"].get_bool().value();
      inner = key->sign(l1_digest(action_hash(sink.view(), opts), opts.mainnet));
      payload_action = action_json;
    } else {
      inner = sign_inner_user(*key, v);
      chain = std::string(inner_action["hyperliquidChain"].get_string().value());
      simdjson::dom::element pa;
      payload_action = simdjson::minify(v["payload_action"].get(pa) ? inner_action : pa);
    }
    simdjson::dom::element expected_inner;
    if (!v["expected"]["inner_signature"].get(expected_inner)) {
      expect_sig(inner, expected_inner);
    } else {
      expect_sig(inner, v["expected"]["wrapper_action"]["signatures"].at(0));
    }
    const std::string wrapper = R"({"signatureChainId":"0x66eee","signatures":[)" +
                                sig_json(inner) + R"(],"payload":{"multiSigUser":")" + user +
                                R"(","outerSigner":")" + signer + R"(","action":)" +
                                payload_action + "}}";
    expect_sig(sign_outer(*key, wrapper, chain, nonce, 0x66eee), v["expected"]["outer_signature"]);
    ++n;
  }
  EXPECT_EQ(n, 3);
}

// order_wire_cases: the typed OrderWire renders exactly the SDK's wire dict.
TEST_F(HyperliquidVectors, EveryOrderWireCaseMatchesTheTypedBuilder) {
  int n = 0;
  for (simdjson::dom::element c : root_["order_wire_cases"]["cases"].get_array()) {
    SCOPED_TRACE(std::string(c["name"].get_string().value()));
    const simdjson::dom::element w = c["wire"];
    OrderWire o;
    o.asset = static_cast<std::uint32_t>(c["asset"].get_uint64().value());
    o.is_buy = w["b"].get_bool().value();
    o.price = common::Price::parse(w["p"].get_string().value()).value();
    o.size = common::Qty::parse(w["s"].get_string().value()).value();
    o.reduce_only = w["r"].get_bool().value();
    simdjson::dom::element trigger;
    if (!w["t"]["trigger"].get(trigger)) {
      o.is_trigger = true;
      o.trigger_is_market = trigger["isMarket"].get_bool().value();
      o.trigger_price = common::Price::parse(trigger["triggerPx"].get_string().value()).value();
      o.tpsl = trigger["tpsl"].get_string().value() == "tp" ? Tpsl::kTp : Tpsl::kSl;
    } else {
      const std::string_view tif = w["t"]["limit"]["tif"].get_string().value();
      o.tif = tif == "Ioc" ? Tif::kIoc : tif == "Alo" ? Tif::kAlo : Tif::kGtc;
    }
    std::string_view cloid;
    if (!w["c"].get(cloid)) o.cloid = common::ClientOrderId::parse_cloid(cloid).value();
    char buf[1024];
    ByteSink sink(buf, sizeof(buf));
    JsonWriter jw(sink);
    write_order_wire(jw, o);
    EXPECT_EQ(sink.view(), simdjson::minify(w));
    ++n;
  }
  EXPECT_EQ(n, 4);
}

}  // namespace
}  // namespace peregrine::gateways::hyperliquid
