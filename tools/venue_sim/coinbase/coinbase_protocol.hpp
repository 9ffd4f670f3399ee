// The Coinbase Advanced Trade wire protocol of the venue simulator: /api/v3/brokerage REST with
// ES256 JWT verification on every call, and the WS feed (level2 -> l2_data, market_trades,
// heartbeats, user) with one sequence_num counter per connection. Simulator thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateways/coinbase/jwt.hpp"
#include "gateways/sim/exchange.hpp"
#include "tools/venue_sim/cex_common/json_writer.hpp"
#include "tools/venue_sim/cex_common/params.hpp"
#include "tools/venue_sim/venue_context.hpp"
#include "tools/venue_sim/venue_protocol.hpp"

namespace peregrine::venue_sim::coinbase {

// Order ids are UUID-shaped like the venue's ("00000000-0000-4000-8000-<12 hex of the id>").
[[nodiscard]] std::string order_uuid(gateways::sim::OrderId id);
[[nodiscard]] std::optional<gateways::sim::OrderId> parse_order_uuid(std::string_view s) noexcept;

class CoinbaseProtocol final : public VenueProtocol, public gateways::sim::Listener {
 public:
  static constexpr std::string_view kQuote = "USDC";
  static constexpr Nanos kHeartbeatEvery = 1'000'000'000;

  explicit CoinbaseProtocol(VenueContext& ctx);
  ~CoinbaseProtocol() override;
  CoinbaseProtocol(const CoinbaseProtocol&) = delete;
  CoinbaseProtocol& operator=(const CoinbaseProtocol&) = delete;

  [[nodiscard]] common::VenueId venue() const noexcept override {
    return common::VenueId::kCoinbase;
  }
  [[nodiscard]] HttpResponse on_http(const HttpRequest& req, Nanos now) override;
  [[nodiscard]] bool accepts_ws(std::string_view target) const noexcept override;
  void on_ws_open(WsSession& s, Nanos now) override;
  void on_ws_message(WsSession& s, std::string_view text, Nanos now) override;
  void on_ws_close(WsSession& s) noexcept override;
  void on_tick(Nanos now) override;

  void on_book_level(common::InstrumentId id, common::BookSide side, common::Price price,
                     common::Qty qty, common::Nanos ts) override;
  void on_trade(common::InstrumentId id, common::Price price, common::Qty qty,
                common::Side aggressor, std::uint64_t trade_id, common::Nanos ts) override;
  void on_order(const gateways::sim::SimOrder& o) override;

 private:
  struct Feed {
    std::string product;
    std::map<common::Price, common::Qty> pending_bids;
    std::map<common::Price, common::Qty> pending_asks;
  };
  struct Session {
    WsSession* ws = nullptr;
    std::uint64_t next_seq = 0;
    std::map<std::string, std::vector<std::string>> channels;  // channel -> product ids
    bool authed = false;
    gateways::sim::AccountId account = 0;
    std::uint64_t heartbeat_counter = 0;
    Nanos next_heartbeat = 0;
  };

  // REST (coinbase_protocol.cpp / coinbase_orders.cpp).
  [[nodiscard]] const SimAccountConfig* authenticate(const HttpRequest& req, Nanos now,
                                                     std::string& why) const;
  [[nodiscard]] const SimAccountConfig* verify(std::string_view token, Nanos now,
                                               std::string_view uri, bool websocket,
                                               std::string& why) const;
  HttpResponse route(const HttpRequest& req, const SimAccountConfig& acct, Nanos now);
  void write_product(cex::JsonWriter& w, common::InstrumentId id) const;
  // path: after /api/v3/brokerage (or /api/v3/brokerage/market)
  HttpResponse products(std::string_view path, const cex::Params& q) const;
  HttpResponse public_v2(std::string_view path) const;
  HttpResponse transaction_summary() const;
  HttpResponse product_book(const cex::Params& p, Nanos now) const;
  HttpResponse best_bid_ask(const cex::Params& p, Nanos now) const;
  HttpResponse create_order(const std::string& body, gateways::sim::AccountId a, Nanos now);
  HttpResponse batch_cancel(const std::string& body, gateways::sim::AccountId a, Nanos now);
  HttpResponse orders_batch(const cex::Params& p, gateways::sim::AccountId a) const;
  HttpResponse fills(const cex::Params& p, gateways::sim::AccountId a) const;
  HttpResponse accounts(gateways::sim::AccountId a, Nanos now) const;
  HttpResponse positions(gateways::sim::AccountId a) const;
  void write_order(cex::JsonWriter& w, const gateways::sim::SimOrder& o) const;
  void write_user_order(cex::JsonWriter& w, const gateways::sim::SimOrder& o) const;

  // WS (coinbase_stream.cpp).
  void send(Session& s, std::string_view channel, const std::string& events, Nanos now,
            bool skip = false, bool duplicate = false);
  [[nodiscard]] std::string l2_snapshot_events(const Feed& feed, Nanos now) const;
  [[nodiscard]] bool wants(const Session& s, std::string_view channel,
                           std::string_view product) const;

  VenueContext& ctx_;
  gateways::sim::Exchange& exchange_;
  std::vector<Feed> feeds_;
  std::unordered_map<std::uint64_t, Session> sessions_;
  mutable std::map<std::string, std::shared_ptr<const gateways::coinbase::EcKey>> keys_;
  Nanos last_now_ = 0;
  // rfc3339 of the last `now` a frame was stamped with (a tick stamps every session's frame
  // with the same time: formatted once).
  Nanos stamp_ns_ = -1;
  std::string stamp_;
};

}  // namespace peregrine::venue_sim::coinbase
