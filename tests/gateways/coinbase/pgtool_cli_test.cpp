// pgtool coinbase jwt / verify-jwt / legacy-sign / order-body, run as a subprocess with a
// throwaway P-256 key generated here with OpenSSL.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gateways/coinbase/test_keys.hpp"

namespace peregrine::gateways::coinbase {
namespace {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

CliRun pgtool(const std::string& args) {
  const std::string dir = ::testing::TempDir();
  const std::string out = dir + "cb_cli_out.txt";
  const std::string err = dir + "cb_cli_err.txt";
  const std::string cmd =
      quote(PEREGRINE_PGTOOL) + " " + args + " >" + quote(out) + " 2>" + quote(err);
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string write_file(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

constexpr const char* kName = "organizations/org-1/apiKeys/key-1";

class PgtoolCoinbase : public ::testing::Test {
 protected:
  testing::PkeyPtr key_ = testing::generate_ec();
  std::string sec1_ = testing::to_pem(key_.get(), testing::PemKind::kSec1);
  std::string private_path_ = write_file("cb_key.pem", sec1_);
  std::string public_path_ =
      write_file("cb_pub.pem", testing::to_pem(key_.get(), testing::PemKind::kPublic));

  std::string mint(const std::string& extra = "--method POST --path /api/v3/brokerage/orders") {
    const CliRun r = pgtool("coinbase jwt --key-name " + quote(kName) + " --key-file " +
                            quote(private_path_) + " " + extra);
    EXPECT_EQ(r.code, 0) << r.err;
    return trim(r.out);
  }
};

TEST_F(PgtoolCoinbase, JwtThenVerifyJwt) {
  const std::string token = mint();
  ASSERT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  CliRun v = pgtool("coinbase verify-jwt --key-file " + quote(private_path_) + " --jwt " +
                    quote(token) + " --method POST --path /api/v3/brokerage/orders");
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(v.out.substr(0, 3), "ok\n");
  EXPECT_NE(v.out.find(R"("kid":"organizations/org-1/apiKeys/key-1")"), std::string::npos);
  EXPECT_NE(v.out.find(R"("uri":"POST api.coinbase.com/api/v3/brokerage/orders")"),
            std::string::npos);

  // The public PEM verifies as well; the kid must match when the name is given.
  v = pgtool("coinbase verify-jwt --key-file " + quote(public_path_) + " --jwt " + quote(token) +
             " --key-name " + quote(kName));
  EXPECT_EQ(v.code, 0) << v.err;
  v = pgtool("coinbase verify-jwt --key-file " + quote(public_path_) + " --jwt " + quote(token) +
             " --key-name organizations/other/apiKeys/x");
  EXPECT_EQ(v.code, 1);
  EXPECT_EQ(trim(v.err), "pgtool: invalid jwt: kid does not match the key name");
}

TEST_F(PgtoolCoinbase, VerifyJwtReportsOneReasonAndExitsOne) {
  const std::string token = mint("--method POST --path /api/v3/brokerage/orders --now 1786309548");
  const std::string base =
      "coinbase verify-jwt --key-file " + quote(private_path_) + " --jwt " + quote(token);
  CliRun v = pgtool(base + " --method GET --path /api/v3/brokerage/orders --now 1786309550");
  EXPECT_EQ(v.code, 1);
  EXPECT_EQ(trim(v.err), "pgtool: invalid jwt: uri does not match the request");
  v = pgtool(base + " --now 1786309668");
  EXPECT_EQ(v.code, 1);
  EXPECT_EQ(trim(v.err), "pgtool: invalid jwt: token expired");
  v = pgtool(base + " --now 1786309547");
  EXPECT_EQ(trim(v.err), "pgtool: invalid jwt: token not yet valid (nbf in the future)");
  v = pgtool(base + " --now 1786309600");
  EXPECT_EQ(v.code, 0) << v.err;

  // Another key's public PEM: the signature fails.
  auto other = testing::generate_ec();
  const std::string other_pub =
      write_file("cb_other.pem", testing::to_pem(other.get(), testing::PemKind::kPublic));
  v = pgtool("coinbase verify-jwt --key-file " + quote(other_pub) + " --jwt " + quote(token) +
             " --now 1786309600");
  EXPECT_EQ(v.code, 1);
  EXPECT_EQ(trim(v.err), "pgtool: invalid jwt: signature does not verify");
  v = pgtool("coinbase verify-jwt --key-file " + quote(public_path_) + " --jwt abc.def");
  EXPECT_EQ(trim(v.err), "pgtool: invalid jwt: malformed token (expected header.claims.signature)");
}

TEST_F(PgtoolCoinbase, WebSocketTokenAndCdpJsonKeyFile) {
  // The portal's JSON download keeps "\n" escaped inside the privateKey string.
  std::string escaped;
  for (const char c : sec1_) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  const std::string json_path = write_file(
      "cb_key.json", std::string(R"({"name":")") + kName + R"(","privateKey":")" + escaped + "\"}");
  CliRun r = pgtool("coinbase jwt --key-file " + quote(json_path) + " --ws");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string token = trim(r.out);
  CliRun v = pgtool("coinbase verify-jwt --key-file " + quote(json_path) + " --jwt " +
                    quote(token) + " --ws");
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(v.out.find("\"uri\""), std::string::npos);
  v = pgtool("coinbase verify-jwt --key-file " + quote(json_path) + " --jwt " + quote(token) +
             " --method GET --path /api/v3/brokerage/accounts");
  EXPECT_EQ(trim(v.err), "pgtool: invalid jwt: uri claim missing");
}

TEST_F(PgtoolCoinbase, UsageErrorsNeverEchoTheKey) {
  const std::string garbage = write_file(
      "cb_bad.pem", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
  CliRun r = pgtool("coinbase jwt --key-name n --key-file " + quote(garbage) + " --ws");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(trim(r.err), "pgtool: --key-file: not a readable PEM key");
  r = pgtool("coinbase jwt --key-file " + quote(private_path_) + " --ws");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(trim(r.err), "pgtool: missing required --key-name");
  r = pgtool("coinbase jwt --key-name n --key-file " + quote(private_path_) +
             " --method GET --path '/api/v3/brokerage/orders?limit=1'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("without query string"), std::string::npos);
  r = pgtool("coinbase jwt --key-name n --key-file " + quote(public_path_) + " --ws");
  EXPECT_EQ(trim(r.err), "pgtool: --key-file: a private key is required");
  // Whatever went wrong, no line of the private key reaches stderr.
  const std::string body_line = sec1_.substr(sec1_.find('\n') + 1, 40);
  for (const std::string& args :
       {"coinbase jwt --key-file " + quote(private_path_) + " --bogus",
        "coinbase verify-jwt --key-file " + quote(private_path_) + " --jwt x",
        "coinbase jwt --key-name '\"' --key-file " + quote(private_path_) + " --ws"}) {
    r = pgtool(args);
    EXPECT_NE(r.code, 0) << args;
    EXPECT_EQ(r.err.find(body_line), std::string::npos) << args;
  }
}

TEST(PgtoolCoinbaseTools, LegacySignAndOrderBody) {
  CliRun r = pgtool(
      "coinbase legacy-sign --key Sd55555555555tP3 --secret test-legacy-secret --timestamp "
      "1667500462 --method POST --path /api/v3/brokerage/orders/batch_cancel --body "
      "'{\"order_ids\":[\"a0b1c2d3-0000-4000-8000-000000000001\"]}'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "CB-ACCESS-KEY: Sd55555555555tP3\n"
            "CB-ACCESS-SIGN: 8c1dd8032f92ecf9d88c54b5db056b8abb2e933fa83cf7d08f4dc6f3e1412be4\n"
            "CB-ACCESS-TIMESTAMP: 1667500462\n");
  r = pgtool(
      "coinbase order-body --cloid 01234567-89ab-cdef-fedc-ba9876543210 --product BTC-USD "
      "--side buy --type limit-gtc --size 0.001 --price 65083.67 --post-only");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(trim(r.out),
            R"({"client_order_id":"01234567-89ab-cdef-fedc-ba9876543210","product_id":"BTC-USD",)"
            R"("side":"BUY","order_configuration":{"limit_limit_gtc":{"base_size":"0.001",)"
            R"("limit_price":"65083.67","post_only":true}}})");
  r = pgtool(
      "coinbase order-body --cloid 01234567-89ab-cdef-fedc-ba9876543210 --product BTC-USD "
      "--side buy --type limit-gtc --size 0.001");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(trim(r.err), "pgtool: invalid: bad limit price");
}

}  // namespace
}  // namespace peregrine::gateways::coinbase
