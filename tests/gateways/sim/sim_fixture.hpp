// Shared fixture of the simulated-exchange tests: one BTC perp, funded accounts, an event log.
// Test thread only.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateways/sim/exchange.hpp"

namespace peregrine::gateways::sim::testing {

inline common::Price P(std::string_view s) { return common::Price::parse(s).value(); }
inline common::Qty Q(std::string_view s) { return common::Qty::parse(s).value(); }
inline common::Money M(std::string_view s) { return common::Money::parse(s).value(); }

// Records every listener call as one line of text, so sequences can be compared exactly.
class RecordingListener : public Listener {
 public:
  void on_book_level(common::InstrumentId, common::BookSide side, common::Price price,
                     common::Qty qty, common::Nanos) override {
    log.push_back(std::string("level ") + (side == common::BookSide::kBid ? "bid " : "ask ") +
                  price.to_string() + " " + qty.to_string());
  }
  void on_trade(common::InstrumentId, common::Price price, common::Qty qty, common::Side aggressor,
                std::uint64_t, common::Nanos) override {
    log.push_back(std::string("trade ") + price.to_string() + " " + qty.to_string() +
                  (aggressor == common::Side::kBuy ? " buy" : " sell"));
  }
  void on_order(const SimOrder& o) override {
    orders.push_back(o);
    log.push_back("order " + std::to_string(o.id) + " " + std::string(common::to_string(o.status)) +
                  " " + o.filled.to_string());
  }
  void on_fill(const SimFill& f) override {
    fills.push_back(f);
    log.push_back("fill " + std::to_string(f.order_id) + " " + f.qty.to_string() +
                  (f.liquidity == common::Liquidity::kMaker ? " maker" : " taker"));
  }
  void on_position(AccountId a, common::InstrumentId, const SimPosition& p) override {
    log.push_back("position " + std::to_string(a) + " " + p.qty.to_string());
  }
  void on_balance(AccountId a, const SimBalance&) override {
    log.push_back("balance " + std::to_string(a));
  }
  void clear() {
    log.clear();
    orders.clear();
    fills.clear();
  }
  std::vector<std::string> log;
  std::vector<SimOrder> orders;
  std::vector<SimFill> fills;
};

class SimTest : public ::testing::Test {
 protected:
  SimTest() : ex_("test") {
    SimInstrumentSpec s;
    s.symbol = "BTCUSDT";
    s.asset = "BTC";
    s.tick = P("0.1");
    s.lot = Q("0.001");
    s.min_notional = M("5");
    s.maker_fee_ppm = 200;  // 2 bp
    s.taker_fee_ppm = 500;  // 5 bp
    s.max_leverage = 50;
    btc_ = ex_.add_instrument(s);
    a_ = ex_.add_account("alice", M("100000"));
    b_ = ex_.add_account("bob", M("100000"));
    c_ = ex_.add_account("carol", M("100000"));
    ex_.set_listener(&rec_);
  }

  OrderRequest limit(AccountId acc, common::Side side, std::string_view px, std::string_view qty,
                     common::TimeInForce tif = common::TimeInForce::kGtc) const {
    OrderRequest r;
    r.account = acc;
    r.instrument = btc_;
    r.side = side;
    r.type = common::OrderType::kLimit;
    r.tif = tif;
    r.price = P(px);
    r.qty = Q(qty);
    return r;
  }
  OrderRequest market(AccountId acc, common::Side side, std::string_view qty) const {
    OrderRequest r;
    r.account = acc;
    r.instrument = btc_;
    r.side = side;
    r.type = common::OrderType::kMarket;
    r.tif = common::TimeInForce::kIoc;
    r.qty = Q(qty);
    return r;
  }
  SubmitResult go(const OrderRequest& r) { return ex_.submit(r, ++now_); }

  std::vector<BookLevel> levels(common::BookSide side) const {
    std::vector<BookLevel> out(64);
    out.resize(ex_.book_levels(btc_, side, out));
    return out;
  }

  static constexpr common::Side kBuy = common::Side::kBuy;
  static constexpr common::Side kSell = common::Side::kSell;

  Exchange ex_;
  RecordingListener rec_;
  common::InstrumentId btc_;
  AccountId a_ = 0, b_ = 0, c_ = 0;
  common::Nanos now_ = 1'000;
};

}  // namespace peregrine::gateways::sim::testing
