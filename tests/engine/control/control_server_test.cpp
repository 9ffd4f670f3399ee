// Control plane over loopback: auth, errors with reasons, snapshot serving, commands and replies
// through the queues, reply timeout, Prometheus format.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "common/agent_runner.hpp"
#include "common/clock.hpp"
#include "engine/control/control_server.hpp"

namespace peregrine::engine::control {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr const char* kKey = "test-key-0123456789";

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string allow;
};

Reply request(std::uint16_t port, http::verb method, const std::string& target,
              const std::string& body = {}, const char* key = kKey) {
  asio::io_context io;
  tcp::socket sock(io);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (key != nullptr) req.set("X-API-Key", key);
  if (!body.empty() || method == http::verb::post) {
    req.body() = body;
    req.set(http::field::content_type, "application/json");
    req.prepare_payload();
  }
  http::write(sock, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  Reply r;
  r.status = res.result_int();
  r.body = res.body();
  r.content_type = std::string(res[http::field::content_type]);
  r.allow = std::string(res[http::field::allow]);
  beast::error_code ignored;
  sock.shutdown(tcp::socket::shutdown_both, ignored);
  return r;
}

// Exposition-format checks by hand (GCC 12's std::regex trips -Wmaybe-uninitialized under ASan).
bool is_name_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return alpha || (!first && c >= '0' && c <= '9');
}

std::size_t scan_name(const std::string& s, std::size_t i) {
  const std::size_t start = i;
  while (i < s.size() && is_name_char(s[i], i == start)) ++i;
  return i;
}

// `name{label="value",...} value`; *name set on success.
bool parse_sample(const std::string& line, std::string* name) {
  std::size_t i = scan_name(line, 0);
  if (i == 0) return false;
  *name = line.substr(0, i);
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const std::size_t end = scan_name(line, i);
      if (end == i || end + 1 >= line.size() || line[end] != '=' || line[end + 1] != '"') {
        return false;
      }
      i = end + 2;
      while (i < line.size() && line[i] != '"')
        i += line[i] == '\\' ? std::size_t{2} : std::size_t{1};
      if (i >= line.size()) return false;
      ++i;  // closing quote
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return false;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return false;
  const std::string value = line.substr(i + 1);
  if (value == "+Inf" || value == "-Inf" || value == "NaN") return true;
  if (value.empty()) return false;
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  return end == value.c_str() + value.size();
}

ControlSnapshot sample_snapshot(const common::Clock& clock) {
  ControlSnapshot s;
  s.seq = 7;
  s.ts = clock.now_ns();
  s.started_ns = s.ts - 5'000'000'000;
  s.mode.assign("paper");
  s.venue_state.fill(common::VenueState::kConnected);
  s.balance_count = 1;
  s.balances[0].venue = common::VenueId::kHyperliquid;
  s.balances[0].asset.assign("USDC");
  s.balances[0].starting = common::Money::parse("10000").value();
  s.balances[0].realized_pnl = common::Money::parse("2").value();
  s.balances[0].fees = common::Money::parse("0.5").value();
  s.balances[0].unrealized_pnl = common::Money::parse("-1").value();
  s.balances[0].available = common::Money::parse("10001.5").value();
  s.balances[0].total = common::Money::parse("10000.5").value();
  s.position_count = 1;
  auto& p = s.positions[0];
  p.venue = common::VenueId::kBinance;
  p.symbol.assign("BTCUSDT");
  p.asset.assign("BTC");
  p.qty = common::Qty::parse("-0.25").value();
  p.avg_entry = common::Price::parse("61800.1").value();
  s.order_count = 1;
  auto& o = s.orders[0];
  o.venue = common::VenueId::kBybit;
  o.symbol.assign("ETHUSDT");
  o.cloid = {1, 2};
  o.side = common::Side::kSell;
  o.status = common::OrderStatus::kNew;
  o.price = common::Price::parse("3000.5").value();
  o.qty = common::Qty::parse("1").value();
  s.allocation[0].venue = common::VenueId::kHyperliquid;
  s.allocation[0].target_bp = 8000;
  s.allocation[0].actual_bp = 7600;
  s.allocation[0].drift_bp = -400;
  s.allocation[0].healthy = true;
  s.allocation[0].ack_latency_ns = 250'000;
  s.allocation[0].routed = 3;
  s.allocation[3].venue = common::VenueId::kCoinbase;
  s.allocation[3].target_bp = 2000;
  s.allocation[3].actual_bp = 2400;
  s.allocation[3].drift_bp = 400;
  s.router.enabled = true;
  s.router.threshold_bp = 300;
  s.router.max_drift_bp = 400;
  s.router.rebalance = true;
  s.allocation[0].rebalance = true;
  s.allocation[3].rebalance = true;
  s.risk.state = RiskState::kReducingOnly;
  s.risk.denied[static_cast<std::size_t>(common::DenyReason::kMaxPosition)] = 3;
  s.risk.accepted = 10;
  common::LatencyHistogram h;
  for (std::uint64_t v : {80u, 300u, 700u, 1'500u, 40'000u}) h.record(v);
  s.stage_count = 1;
  fill_stage_latency("tick_to_trade", h, &s.latency[0]);
  s.counter_count = 1;
  s.counters[0].name.assign("md_events");
  s.counters[0].value = 12345;
  return s;
}

class ControlServerTest : public ::testing::Test {
 protected:
  void start(ControlServerConfig cfg = {}) {
    cfg.port = 0;
    if (cfg.api_key.empty()) cfg.api_key = kKey;
    server_.emplace(cfg, channel_, clock_);
    std::string err;
    ASSERT_TRUE(server_->open(&err)) << err;
    port_ = server_->port();
    ASSERT_NE(port_, 0);
    runner_.emplace(*server_, common::BackoffIdle{1, 1, std::chrono::microseconds(50),
                                                  std::chrono::microseconds(500)});
    ASSERT_TRUE(runner_->start());
  }
  void TearDown() override {
    if (runner_) runner_->stop();
  }
  void publish() { ASSERT_TRUE(channel_.snapshots.try_push(sample_snapshot(clock_))); }
  // Waits (bounded by count) until the server has taken `n` snapshots.
  void wait_snapshots(std::uint64_t n) {
    for (int i = 0; i < 5000 && server_->stats().snapshots_received < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_GE(server_->stats().snapshots_received, n);
  }
  // The test plays the core: wait (bounded) for one command.
  std::optional<ControlCommand> next_command() {
    ControlCommand c;
    for (int i = 0; i < 5000; ++i) {
      if (channel_.commands.try_pop(c)) return c;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::nullopt;
  }

  common::SteadyClock clock_;
  ControlChannel channel_;
  std::optional<ControlServer> server_;
  std::optional<common::AgentRunner<ControlServer>> runner_;
  std::uint16_t port_ = 0;
};

TEST_F(ControlServerTest, RejectsMissingAndWrongKey) {
  start();
  Reply r = request(port_, http::verb::get, "/api/health", {}, nullptr);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.body, "{\"error\":\"unauthorized\"}");
  r = request(port_, http::verb::get, "/api/health", {}, "test-key-012345678X");
  EXPECT_EQ(r.status, 401u);
  r = request(port_, http::verb::get, "/api/health", {}, "short");
  EXPECT_EQ(r.status, 401u);
  r = request(port_, http::verb::get, "/metrics", {}, nullptr);
  EXPECT_EQ(r.status, 401u);
  r = request(port_, http::verb::post, "/api/kill", "", nullptr);
  EXPECT_EQ(r.status, 401u);
  ControlCommand c;
  EXPECT_FALSE(channel_.commands.try_pop(c));  // nothing reached the core
  EXPECT_EQ(server_->stats().unauthorized, 5u);
}

TEST_F(ControlServerTest, ServesTheLatestSnapshot) {
  start();
  Reply r = request(port_, http::verb::get, "/api/health");
  EXPECT_EQ(r.status, 503u);
  EXPECT_NE(r.body.find("no snapshot"), std::string::npos);
  publish();
  wait_snapshots(1);
  r = request(port_, http::verb::get, "/api/health");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_NE(r.body.find("\"status\":\"degraded\""), std::string::npos) << r.body;  // reducing
  EXPECT_NE(r.body.find("\"mode\":\"paper\""), std::string::npos);
  EXPECT_NE(r.body.find("\"binance\":\"connected\""), std::string::npos);
  r = request(port_, http::verb::get, "/api/positions");
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("\"symbol\":\"BTCUSDT\",\"asset\":\"BTC\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"qty\":\"-0.25\",\"avg_entry\":\"61800.1\""), std::string::npos);
  r = request(port_, http::verb::get, "/api/balances");
  EXPECT_NE(r.body.find("\"source\":\"engine\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"asset\":\"USDC\",\"starting\":\"10000\",\"realized_pnl\":\"2\","
                        "\"fees\":\"0.5\",\"unrealized_pnl\":\"-1\",\"available\":\"10001.5\","
                        "\"equity\":\"10000.5\",\"total\":\"10000.5\""),
            std::string::npos)
      << r.body;
  r = request(port_, http::verb::get, "/api/orders");
  EXPECT_NE(r.body.find("\"cloid\":\"0x00000000000000010000000000000002\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"side\":\"sell\""), std::string::npos);
  r = request(port_, http::verb::get, "/api/allocation");
  EXPECT_NE(r.body.find("\"target_bp\":8000,\"actual_bp\":7600,\"drift_bp\":-400,"
                        "\"rebalance\":true"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"router\":true,\"rebalance\":true,\"threshold_bp\":300,"
                        "\"max_drift_bp\":400"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"healthy\":true,\"ack_latency_ns\":250000,"), std::string::npos);
  EXPECT_NE(r.body.find("\"venue\":\"coinbase\",\"target_bp\":2000"), std::string::npos);
  EXPECT_EQ(r.body.find("\"venue\":\"binance\""), std::string::npos);  // nothing there
  r = request(port_, http::verb::get, "/api/risk");
  EXPECT_NE(r.body.find("\"state\":\"reducing_only\""), std::string::npos) << r.body;
  EXPECT_NE(
      r.body.find("\"" + std::string(common::to_string(common::DenyReason::kMaxPosition)) + "\":3"),
      std::string::npos);
  r = request(port_, http::verb::get, "/api/latency?window=all");  // query string ignored
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("\"stage\":\"tick_to_trade\",\"count\":5"), std::string::npos) << r.body;
}

TEST_F(ControlServerTest, UnknownPathAndWrongMethod) {
  start();
  Reply r = request(port_, http::verb::get, "/api/nope");
  EXPECT_EQ(r.status, 404u);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
  r = request(port_, http::verb::delete_, "/api/orders");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.allow, "GET, POST");
  r = request(port_, http::verb::get, "/api/kill");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.allow, "POST");
  r = request(port_, http::verb::post, "/api/health", "{}");
  EXPECT_EQ(r.status, 405u);
  r = request(port_, http::verb::post, "/api/positions/BTC/explode", "{}");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(server_->stats().not_found, 2u);
  EXPECT_EQ(server_->stats().method_not_allowed, 3u);
}

TEST_F(ControlServerTest, BadBodiesNameTheProblem) {
  start();
  const auto bad = [&](const std::string& target, const std::string& body) {
    const Reply r = request(port_, http::verb::post, target, body);
    EXPECT_EQ(r.status, 400u) << body;
    return r.body;
  };
  EXPECT_NE(bad("/api/orders", "{not json").find("malformed JSON"), std::string::npos);
  EXPECT_NE(bad("/api/orders", "[1,2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(bad("/api/orders", "").find("empty body"), std::string::npos);
  const std::string base = R"("symbol":"BTC","side":"buy","qty":"0.01","price":"60000")";
  EXPECT_NE(bad("/api/orders", "{\"venue\":\"kraken\"," + base + "}").find("venue: unknown venue"),
            std::string::npos);
  EXPECT_NE(
      bad("/api/orders", R"({"venue":"hyperliquid","symbol":"BTC","side":"buy","qty":"0.01"})")
          .find("price: required for a limit order"),
      std::string::npos);
  EXPECT_NE(bad("/api/orders", "{\"venue\":\"hyperliquid\"," + base + ",\"qyt\":1}")
                .find("unknown field 'qyt'"),
            std::string::npos);
  EXPECT_NE(bad("/api/orders",
                R"({"venue":"hyperliquid","symbol":"BTC","side":"buy","qty":"-1","price":"1"})")
                .find("qty: must be greater than zero"),
            std::string::npos);
  EXPECT_NE(bad("/api/orders",
                R"({"venue":"hyperliquid","symbol":"BTC","side":"up","qty":"1","price":"1"})")
                .find("side: must be"),
            std::string::npos);
  EXPECT_NE(
      bad("/api/orders",
          R"({"venue":"hyperliquid","symbol":"BTC","side":"buy","qty":"1.123456789","price":"1"})")
          .find("qty: not a valid decimal"),
      std::string::npos);
  EXPECT_NE(
      bad("/api/orders",
          R"({"venue":"hyperliquid","symbol":"BTC","side":"buy","qty":"1","type":"market","price":"1"})")
          .find("price: not allowed for a market order"),
      std::string::npos);
  EXPECT_NE(bad("/api/positions/BTC/reduce", R"({"fraction":0.5,"qty":"1"})").find("exactly one"),
            std::string::npos);
  EXPECT_NE(bad("/api/positions/BTC/reduce", R"({"fraction":1.5})").find("fraction: must be in"),
            std::string::npos);
  EXPECT_NE(bad("/api/positions/B%20TC/close", "").find("asset:"), std::string::npos);
  EXPECT_NE(bad("/api/signals", R"({"asset":"BTC","score":101,"source":"tv"})")
                .find("score: must be between 0 and 100"),
            std::string::npos);
  EXPECT_NE(bad("/api/signals", R"({"asset":"BTC","score":50})").find("source: required"),
            std::string::npos);
  ControlCommand c;
  EXPECT_FALSE(channel_.commands.try_pop(c));
  EXPECT_EQ(server_->stats().bad_requests, 15u);
}

TEST_F(ControlServerTest, ManualOrderBecomesACommandAndTheReplyIsReturned) {
  start();
  auto fut = std::async(std::launch::async, [&] {
    return request(port_, http::verb::post, "/api/orders",
                   R"({"venue":"binance","symbol":"BTCUSDT","side":"sell","qty":0.015,)"
                   R"("price":"61000.5","type":"limit","tif":"post_only","reduce_only":true})");
  });
  const auto cmd = next_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->kind, CommandKind::kNewOrder);
  EXPECT_TRUE(cmd->has_venue);
  EXPECT_EQ(cmd->venue, common::VenueId::kBinance);
  EXPECT_EQ(cmd->symbol.view(), "BTCUSDT");
  EXPECT_EQ(cmd->side, common::Side::kSell);
  EXPECT_EQ(cmd->qty.to_string(), "0.015");
  EXPECT_EQ(cmd->price.to_string(), "61000.5");
  EXPECT_EQ(cmd->tif, common::TimeInForce::kPostOnly);
  EXPECT_TRUE(cmd->reduce_only);
  ControlReply rep;
  rep.request_id = cmd->request_id;
  rep.status = ReplyStatus::kAccepted;
  rep.cloid = {0xab, 0xcd};
  rep.message.assign("sent");
  ASSERT_TRUE(channel_.replies.try_push(rep));
  const Reply r = fut.get();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "{\"request_id\":" + std::to_string(cmd->request_id) +
                        ",\"status\":\"accepted\",\"cloid\":"
                        "\"0x00000000000000ab00000000000000cd\",\"message\":\"sent\"}");

  // A denial comes back as 422 with the reason.
  auto fut2 = std::async(std::launch::async, [&] {
    return request(
        port_, http::verb::post, "/api/orders",
        R"({"venue":"hyperliquid","asset":"ETH","side":"buy","qty":"1","type":"market"})");
  });
  const auto cmd2 = next_command();
  ASSERT_TRUE(cmd2);
  EXPECT_EQ(cmd2->asset.view(), "ETH");
  EXPECT_EQ(cmd2->type, common::OrderType::kMarket);
  EXPECT_EQ(cmd2->tif, common::TimeInForce::kIoc);
  EXPECT_GT(cmd2->request_id, cmd->request_id);
  rep = ControlReply{};
  rep.request_id = cmd2->request_id;
  rep.status = ReplyStatus::kDenied;
  rep.deny_reason = common::DenyReason::kMaxOrderNotional;
  ASSERT_TRUE(channel_.replies.try_push(rep));
  const Reply r2 = fut2.get();
  EXPECT_EQ(r2.status, 422u);
  EXPECT_NE(
      r2.body.find("\"reason\":\"" +
                   std::string(common::to_string(common::DenyReason::kMaxOrderNotional)) + "\""),
      std::string::npos)
      << r2.body;
}

TEST_F(ControlServerTest, ReduceCloseKillAndSignalReachTheCore) {
  start();
  auto fut = std::async(std::launch::async, [&] {
    return request(port_, http::verb::post, "/api/positions/BTC/reduce", R"({"fraction":"0.5"})");
  });
  auto cmd = next_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->kind, CommandKind::kReducePosition);
  EXPECT_EQ(cmd->asset.view(), "BTC");
  EXPECT_TRUE(cmd->by_fraction);
  EXPECT_EQ(cmd->fraction_raw, 50'000'000);
  ControlReply rep;
  rep.request_id = cmd->request_id;
  rep.status = ReplyStatus::kRejected;
  rep.message.assign("no BTC position");
  ASSERT_TRUE(channel_.replies.try_push(rep));
  Reply r = fut.get();
  EXPECT_EQ(r.status, 409u);
  EXPECT_NE(r.body.find("no BTC position"), std::string::npos);

  r = request(port_, http::verb::post, "/api/kill", "");
  EXPECT_EQ(r.status, 202u);
  cmd = next_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->kind, CommandKind::kKill);

  r = request(port_, http::verb::post, "/api/signals",
              R"({"asset":"SOL","score":72.5,"ts":1700000000000000000,"source":"tradingview"})");
  EXPECT_EQ(r.status, 202u) << r.body;
  cmd = next_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->kind, CommandKind::kSignal);
  EXPECT_EQ(cmd->asset.view(), "SOL");
  EXPECT_EQ(cmd->score_raw, 7'250'000'000);
  EXPECT_EQ(cmd->signal_ts, 1700000000000000000);
  EXPECT_EQ(cmd->source.view(), "tradingview");

  auto fut3 = std::async(std::launch::async, [&] {
    return request(port_, http::verb::post, "/api/positions/ETH/close", "");
  });
  cmd = next_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->kind, CommandKind::kClosePosition);
  EXPECT_EQ(cmd->asset.view(), "ETH");
  EXPECT_FALSE(cmd->has_venue);
  rep = ControlReply{};
  rep.request_id = cmd->request_id;
  ASSERT_TRUE(channel_.replies.try_push(rep));
  EXPECT_EQ(fut3.get().status, 200u);
}

TEST_F(ControlServerTest, CoreSilenceGives504AndLateRepliesAreCounted) {
  ControlServerConfig cfg;
  cfg.reply_timeout_ns = 150'000'000;
  start(cfg);
  const Reply r =
      request(port_, http::verb::post, "/api/orders",
              R"({"venue":"bybit","symbol":"BTCUSDT","side":"buy","qty":"1","price":"2"})");
  EXPECT_EQ(r.status, 504u);
  EXPECT_NE(r.body.find("core did not answer within 150 ms"), std::string::npos) << r.body;
  EXPECT_EQ(server_->stats().timeouts, 1u);
  const auto cmd = next_command();
  ASSERT_TRUE(cmd);
  ControlReply rep;
  rep.request_id = cmd->request_id;
  ASSERT_TRUE(channel_.replies.try_push(rep));
  for (int i = 0; i < 5000 && server_->stats().late_replies == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(server_->stats().late_replies, 1u);
}

TEST_F(ControlServerTest, FullCommandQueueGives503) {
  start();
  ControlCommand filler;
  while (channel_.commands.try_push(filler)) {
  }
  const Reply r = request(port_, http::verb::post, "/api/kill", "");
  EXPECT_EQ(r.status, 503u);
  EXPECT_NE(r.body.find("queue full"), std::string::npos);
}

// Every line is a comment (# HELP / # TYPE) or `name{labels} value`; every sample belongs to a
// family declared by a preceding # TYPE; histogram buckets are cumulative and end at +Inf.
TEST_F(ControlServerTest, MetricsAreValidPrometheusText) {
  start();
  publish();
  wait_snapshots(1);
  const Reply r = request(port_, http::verb::get, "/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  std::map<std::string, std::string> types;
  std::istringstream in(r.body);
  std::string line;
  int samples = 0;
  std::vector<double> buckets;
  double inf_count = -1;
  double count = -1;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string tname, ttype, extra;
      t >> tname >> ttype;
      ASSERT_EQ(scan_name(tname, 0), tname.size()) << line;
      ASSERT_TRUE(ttype == "counter" || ttype == "gauge" || ttype == "histogram") << line;
      ASSERT_FALSE(t >> extra) << line;
      EXPECT_EQ(types.count(tname), 0u) << "duplicate TYPE " << tname;
      types[tname] = ttype;
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string rest = line.substr(7);
      const std::size_t end = scan_name(rest, 0);
      ASSERT_TRUE(end > 0 && end < rest.size() && rest[end] == ' ') << line;
      continue;
    }
    std::string name;
    ASSERT_TRUE(parse_sample(line, &name)) << "bad line: " << line;
    ++samples;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (types.count(name) == 0 && name.size() > s.size() &&
          name.compare(name.size() - s.size(), s.size(), s) == 0) {
        name = name.substr(0, name.size() - s.size());
      }
    }
    ASSERT_EQ(types.count(name), 1u) << "sample without TYPE: " << line;
    if (line.rfind("peregrine_stage_latency_seconds_bucket", 0) == 0) {
      const double v = std::stod(line.substr(line.rfind(' ') + 1));
      if (line.find("le=\"+Inf\"") != std::string::npos) {
        inf_count = v;
      } else {
        buckets.push_back(v);
      }
    }
    if (line.rfind("peregrine_stage_latency_seconds_count", 0) == 0) {
      count = std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  EXPECT_GT(samples, 30);
  EXPECT_EQ(types["peregrine_stage_latency_seconds"], "histogram");
  EXPECT_EQ(types["peregrine_md_events_total"], "counter");
  EXPECT_EQ(types["peregrine_risk_state"], "gauge");
  ASSERT_EQ(buckets.size(), kLatencyBucketBoundsNs.size());
  for (std::size_t i = 1; i < buckets.size(); ++i) EXPECT_LE(buckets[i - 1], buckets[i]);
  EXPECT_EQ(buckets[0], 1);  // 80 ns <= 100 ns
  EXPECT_EQ(inf_count, 5);
  EXPECT_EQ(count, 5);
  EXPECT_NE(r.body.find("peregrine_md_events_total 12345\n"), std::string::npos);
  EXPECT_NE(r.body.find("peregrine_risk_state 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("peregrine_position_qty{venue=\"binance\",symbol=\"BTCUSDT\"} -0.25\n"),
            std::string::npos);
  EXPECT_EQ(types["peregrine_allocation_drift_ratio"], "gauge");
  EXPECT_NE(r.body.find("peregrine_allocation_drift_ratio{venue=\"hyperliquid\"} -0.0400\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("peregrine_allocation_target_ratio{venue=\"coinbase\"} 0.2000\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("peregrine_allocation_rebalance 1\n"), std::string::npos);
}

TEST_F(ControlServerTest, MetricsCanBePublic) {
  ControlServerConfig cfg;
  cfg.metrics_public = true;
  start(cfg);
  EXPECT_EQ(request(port_, http::verb::get, "/metrics", {}, nullptr).status, 200u);
  EXPECT_EQ(request(port_, http::verb::get, "/api/health", {}, nullptr).status, 401u);
}

TEST_F(ControlServerTest, OversizedBodyIsRefused) {
  ControlServerConfig cfg;
  cfg.max_body_bytes = 64;
  start(cfg);
  const Reply r = request(port_, http::verb::post, "/api/signals", std::string(1000, ' '));
  EXPECT_EQ(r.status, 413u);
  EXPECT_NE(r.body.find("larger than 64 bytes"), std::string::npos);
}

TEST(ControlServerOpen, BadBindAddressIsAClearError) {
  common::SteadyClock clock;
  ControlChannel ch;
  ControlServerConfig cfg;
  cfg.bind_address = "not-an-ip";
  cfg.api_key = "secret-value";
  ControlServer s(cfg, ch, clock);
  std::string err;
  EXPECT_FALSE(s.open(&err));
  EXPECT_NE(err.find("bad bind address"), std::string::npos);
  EXPECT_EQ(err.find("secret-value"), std::string::npos);
}

}  // namespace
}  // namespace peregrine::engine::control
