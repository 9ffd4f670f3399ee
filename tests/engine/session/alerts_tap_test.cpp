// Kill halts the real risk gate, and the AlertsTap turns fills, venue rejects, denials (a storm
// aggregated into a bounded number of alerts with a count), kills and disconnects into JSON at a
// loopback webhook while still feeding the journal's observer.
#include "engine/session/alerts_tap.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "engine/session/control_bridge.hpp"
#include "engine/session/wiring.hpp"

namespace peregrine::engine {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using common::VenueId;

constexpr Nanos kSecond = 1'000'000'000;

// Accepts `expected` POSTs on 127.0.0.1:0 and records their bodies; answers 200.
class Receiver {
 public:
  explicit Receiver(int expected)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, expected] {
      for (int i = 0; i < expected; ++i) {
        tcp::socket sock(io_);
        beast::error_code ec;
        acceptor_.accept(sock, ec);
        if (ec) return;
        beast::flat_buffer buf;
        http::request<http::string_body> req;
        http::read(sock, buf, req, ec);
        if (ec) continue;
        {
          std::lock_guard<std::mutex> lock(mu_);
          bodies_.push_back(req.body());
        }
        http::response<http::string_body> res(http::status::ok, 11);
        res.prepare_payload();
        http::write(sock, res, ec);
      }
    });
  }
  ~Receiver() {
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

// Counts what the journal's observer would have received.
class CountingObserver final : public CoreObserver {
 public:
  void on_md(const common::MdEvent&) noexcept override { ++md; }
  void on_intent(const common::OrderIntent&) noexcept override { ++intents; }
  void on_denied(const common::OrderDenied&) noexcept override { ++denied; }
  void on_exec(const common::ExecEvent&) noexcept override { ++exec; }
  void on_note(common::StrategyId, std::string_view) noexcept override { ++notes; }
  int md = 0, intents = 0, denied = 0, exec = 0, notes = 0;
};

// Drives the alerter on this thread until `n` alerts were handled (bounded by count).
void drive(alerts::WebhookAlerter& a, std::uint64_t n) {
  for (int i = 0; i < 20'000 && a.sent() + a.failed() < n; ++i) {
    if (a.do_work() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

common::Instrument btc() {
  common::Instrument i;
  i.venue = VenueId::kHyperliquid;
  EXPECT_TRUE(i.symbol.assign("BTC"));
  EXPECT_TRUE(i.asset.assign("BTC"));
  i.tick = common::Price::parse("0.1").value();
  i.lot = common::Qty::parse("0.001").value();
  return i;
}

common::OrderIntent new_order(common::InstrumentId id, std::uint64_t n) {
  common::OrderIntent i;
  i.action = common::IntentAction::kNew;
  i.instrument = id;
  i.venue = VenueId::kHyperliquid;
  i.side = common::Side::kBuy;
  i.price = common::Price::parse("100").value();
  i.qty = common::Qty::parse("0.01").value();
  i.cloid = {0, n};
  return i;
}

TEST(SessionKill, HaltsTheRealRiskGateWhichThenDeniesAndReportsHalted) {
  common::InstrumentRegistry reg;
  const common::InstrumentId id = reg.add(btc()).value();
  EngineConfig config;
  auto flow = make_order_flow(config, reg);
  ControlFlowTap tap(*flow, reg);
  common::OrderIntent before = new_order(id, 1);
  const auto r0 = flow->admit(before, 10);
  // Not yet halted: whatever the gate says (no venue status yet), it is not a halt.
  EXPECT_NE(r0, std::optional<common::DenyReason>(common::DenyReason::kHalted));
  EXPECT_EQ(flow->risk_mode(), RiskMode::kNormal);

  tap.halt(20);
  EXPECT_TRUE(tap.halted());
  // The gate itself (not only the tap's flag) is halted.
  EXPECT_EQ(flow->risk_mode(), RiskMode::kHalted);
  common::OrderIntent after = new_order(id, 2);
  EXPECT_EQ(flow->admit(after, 30), std::optional<common::DenyReason>(common::DenyReason::kHalted));
  SessionStats s;
  flow->fill_stats(s, 30);
  EXPECT_EQ(s.risk, RiskMode::kHalted);
  // The real flow lists its order table (empty here), so the tap does not fall back.
  int seen = 0;
  EXPECT_TRUE(flow->for_each_open([&](const OpenOrderView&) noexcept { ++seen; }));
  EXPECT_EQ(seen, 0);
}

TEST(AlertsTap, FillRejectKillAndDisconnectReachTheWebhookAsJson) {
  Receiver rx(5);
  common::SteadyClock clock;
  alerts::WebhookConfig cfg;
  cfg.url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/alerts";
  std::vector<std::string> lines;
  alerts::WebhookAlerter alerter(cfg, clock, [&](std::string_view l) { lines.emplace_back(l); });
  std::string err;
  ASSERT_TRUE(alerter.configure(&err)) << err;
  CountingObserver journal;
  AlertsTap tap(&journal, alerter, nullptr);

  common::Fill f;
  f.ts_recv = 100;
  f.venue = VenueId::kBinance;
  f.side = common::Side::kBuy;
  f.price = common::Price::parse("101.5").value();
  f.qty = common::Qty::parse("0.25").value();
  f.cloid = {0, 3};
  f.instrument = {2};
  tap.on_exec(common::ExecEvent(f));

  common::OrderUpdate u;
  u.ts_recv = 200;
  u.venue = VenueId::kHyperliquid;
  u.status = common::OrderStatus::kNew;
  tap.on_exec(common::ExecEvent(u));  // an ack is not an alert
  u.status = common::OrderStatus::kRejected;
  u.reject = common::RejectReason::kOther;
  tap.on_exec(common::ExecEvent(u));

  tap.on_kill(300, 2);

  common::VenueStatus st;
  st.ts_recv = 400;
  st.venue = VenueId::kBybit;
  st.state = common::VenueState::kConnected;
  tap.on_exec(common::ExecEvent(st));  // the first connect is not news
  st.state = common::VenueState::kDown;
  tap.on_exec(common::ExecEvent(st));
  tap.on_exec(common::ExecEvent(st));  // a repeat is not news either
  st.ts_recv = 500;
  st.state = common::VenueState::kConnected;
  tap.on_exec(common::ExecEvent(st));

  EXPECT_EQ(journal.exec, 7);  // the journal still sees everything
  EXPECT_EQ(tap.counters().published, 5u);
  drive(alerter, 5);
  EXPECT_EQ(alerter.sent(), 5u);
  const auto b = rx.bodies();
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0],
            "{\"kind\":\"fill\",\"ts\":100,\"venue\":\"binance\",\"instrument\":2,"
            "\"cloid\":\"0x00000000000000000000000000000003\",\"side\":\"buy\","
            "\"price\":\"101.5\",\"qty\":\"0.25\",\"text\":\"\"}");
  EXPECT_NE(b[1].find("\"kind\":\"reject\""), std::string::npos) << b[1];
  EXPECT_NE(b[1].find("\"venue\":\"hyperliquid\""), std::string::npos) << b[1];
  EXPECT_EQ(b[2],
            "{\"kind\":\"kill\",\"ts\":300,\"text\":\"kill switch: risk gate halted, 2 cancels "
            "sent\"}");
  EXPECT_EQ(b[3], "{\"kind\":\"disconnect\",\"ts\":400,\"venue\":\"bybit\",\"text\":\"down\"}");
  EXPECT_EQ(b[4], "{\"kind\":\"other\",\"ts\":500,\"venue\":\"bybit\",\"text\":\"reconnected\"}");
  EXPECT_EQ(lines.size(), 5u);  // and each one reached the log
}

// The gate's own state changes (loss limits) are noticed by poll(); a kill is not repeated.
class ModeFlow final : public SessionOrderFlow {
 public:
  std::optional<common::DenyReason> admit(common::OrderIntent&, Nanos) noexcept override {
    return std::nullopt;
  }
  void unsend(const common::OrderIntent&, Nanos) noexcept override {}
  OrderAnswer on_update(const common::OrderUpdate&, Nanos) noexcept override { return {}; }
  bool on_fill(const common::Fill&, Nanos) noexcept override { return true; }
  void on_venue_status(const common::VenueStatus&, Nanos) noexcept override {}
  void on_book(common::InstrumentId, const common::L2Book&, Nanos) noexcept override {}
  common::Qty position(common::InstrumentId) const noexcept override { return {}; }
  bool venue_healthy(VenueId) const noexcept override { return true; }
  void fill_stats(SessionStats&, Nanos) const noexcept override {}
  RiskMode risk_mode() const noexcept override { return mode; }
  RiskMode mode = RiskMode::kNormal;
};

TEST(AlertsTap, GateHaltIsAlertedOnceByPoll) {
  common::SteadyClock clock;
  std::vector<std::string> lines;
  alerts::WebhookAlerter alerter({}, clock, [&](std::string_view l) { lines.emplace_back(l); });
  std::string err;
  ASSERT_TRUE(alerter.configure(&err)) << err;
  ModeFlow flow;
  AlertsTap tap(nullptr, alerter, &flow);
  EXPECT_EQ(tap.poll(1), 0);
  flow.mode = RiskMode::kHalted;
  EXPECT_EQ(tap.poll(2), 1);
  EXPECT_EQ(tap.poll(3), 0);
  for (int i = 0; i < 10; ++i) static_cast<void>(alerter.do_work());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "alert {\"kind\":\"halt\",\"ts\":2,\"text\":\"risk state halted\"}");
}

TEST(AlertsTap, RebalanceEdgesBecomeOneAlertEach) {
  common::SteadyClock clock;
  std::vector<std::string> lines;
  alerts::WebhookAlerter alerter({}, clock, [&](std::string_view l) { lines.emplace_back(l); });
  std::string err;
  ASSERT_TRUE(alerter.configure(&err)) << err;
  CountingObserver journal;
  AlertsTap tap(&journal, alerter, nullptr);
  router::RebalanceSignal on;
  on.ts = 5;
  on.on = true;
  on.worst = VenueId::kCoinbase;
  on.worst_drift = 0.1234;
  on.threshold = 0.05;
  tap.on_rebalance(on);
  router::RebalanceSignal off = on;
  off.ts = 6;
  off.on = false;
  tap.on_rebalance(off);
  for (int i = 0; i < 10; ++i) static_cast<void>(alerter.do_work());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"text\":\"allocation drift: coinbase +1234 bp beyond 500 bp: "
                          "rebalance\""),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("\"venue\":\"coinbase\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("allocation back within 500 bp of target"), std::string::npos)
      << lines[1];
  EXPECT_EQ(tap.counters().published, 2u);
}

TEST(AlertsTap, ADenialStormIsAggregatedIntoABoundedNumberOfAlertsWithACount) {
  common::SteadyClock clock;
  std::vector<std::string> lines;
  alerts::WebhookAlerter alerter({}, clock, [&](std::string_view l) { lines.emplace_back(l); });
  std::string err;
  ASSERT_TRUE(alerter.configure(&err)) << err;
  CountingObserver journal;
  AlertsTap tap(&journal, alerter, nullptr);

  common::OrderDenied d;
  d.venue = VenueId::kHyperliquid;
  d.instrument = {1};
  d.reason = common::DenyReason::kRateBudget;
  for (int i = 0; i < 1000; ++i) {
    d.ts_recv = 5 * kSecond + i;  // all inside one window
    d.cloid = {0, static_cast<std::uint64_t>(i + 1)};
    tap.on_denied(d);
  }
  EXPECT_EQ(journal.denied, 1000);
  EXPECT_EQ(tap.counters().published, 1u);   // the first, at once
  EXPECT_EQ(tap.poll(5 * kSecond + 10), 0);  // window still open
  EXPECT_EQ(tap.poll(6 * kSecond), 1);       // closes: one summary with the count
  EXPECT_EQ(tap.counters().published, 2u);
  EXPECT_EQ(tap.counters().denials_aggregated, 999u);
  static_cast<void>(tap.poll(8 * kSecond));
  EXPECT_EQ(tap.counters().published, 2u);  // a quiet window closes silently
  // After the quiet period the next denial is alerted at once again.
  d.ts_recv = 9 * kSecond;
  d.reason = common::DenyReason::kHalted;
  tap.on_denied(d);
  EXPECT_EQ(tap.counters().published, 3u);

  for (int i = 0; i < 20; ++i) static_cast<void>(alerter.do_work());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("\"text\":\"risk denied: rate_budget\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"text\":\"risk denied 999 more (mostly rate_budget)\""),
            std::string::npos)
      << lines[1];
  EXPECT_NE(lines[2].find("risk denied: halted"), std::string::npos) << lines[2];
}

}  // namespace
}  // namespace peregrine::engine
