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
