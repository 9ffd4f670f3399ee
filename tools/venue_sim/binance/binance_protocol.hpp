// The Binance USD-M Futures wire protocol of the venue simulator: fapi REST (market data, signed
// trading and account endpoints, listenKey), WS market streams (/ws, /stream, routed /public,
// /market, /private) and the user data stream. Simulator thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gateways/sim/exchange.hpp"
#include "tools/venue_sim/binance/binance_auth.hpp"
#include "tools/venue_sim/binance/binance_frames.hpp"
#include "tools/venue_sim/venue_context.hpp"
#include "tools/venue_sim/venue_protocol.hpp"

namespace peregrine::venue_sim::binance {

// Update ids: every level change the Exchange reports takes the next id of its instrument, so the
// REST snapshot's lastUpdateId is simply the current id and always sits inside the U..u range of
// the next diff. Pending changes are published as one diff per instrument per tick (pu = the
// previous diff's u); a stale feed holds them back and releases them in one diff afterwards.
class BinanceProtocol final : public VenueProtocol, public gateways::sim::Listener {
 public:
  static constexpr std::int64_t kListenKeyTtlMs = 60 * 60 * 1000;
  static constexpr std::string_view kQuoteAsset = "USDT";

  explicit BinanceProtocol(VenueContext& ctx);
  ~BinanceProtocol() override;
  BinanceProtocol(const BinanceProtocol&) = delete;
  BinanceProtocol& operator=(const BinanceProtocol&) = delete;

  [[nodiscard]] common::VenueId venue() const noexcept override {
    return common::VenueId::kBinance;
  }
  [[nodiscard]] HttpResponse on_http(const HttpRequest& req, Nanos now) override;
  [[nodiscard]] bool accepts_ws(std::string_view target) const noexcept override;
  void on_ws_open(WsSession& s, Nanos now) override;
  void on_ws_message(WsSession& s, std::string_view text, Nanos now) override;
  void on_ws_close(WsSession& s) noexcept override;
  void on_tick(Nanos now) override;

  // gateways::sim::Listener
  void on_book_level(common::InstrumentId id, common::BookSide side, common::Price price,
                     common::Qty qty, common::Nanos ts) override;
  void on_trade(common::InstrumentId id, common::Price price, common::Qty qty,
                common::Side aggressor, std::uint64_t trade_id, common::Nanos ts) override;
  void on_order(const gateways::sim::SimOrder& o) override;
  void on_fill(const gateways::sim::SimFill& f) override;
  void on_position(gateways::sim::AccountId a, common::InstrumentId id,
                   const gateways::sim::SimPosition& p) override;
  void on_balance(gateways::sim::AccountId a, const gateways::sim::SimBalance& b) override;

  [[nodiscard]] WeightLimiter& weights() noexcept { return weights_; }
  [[nodiscard]] std::uint64_t current_update_id(common::InstrumentId id) const noexcept;

 private:
  struct BookFeed {
    std::string symbol;             // BTCUSDT
    std::string lower;              // btcusdt
    std::uint64_t update_id = 0;    // id of the last level change
    std::uint64_t published_u = 0;  // u of the last diff sent (pu of the next)
    std::uint64_t first_pending = 0;
    std::map<common::Price, common::Qty> pending_bids;
    std::map<common::Price, common::Qty> pending_asks;
    Level last_bid;
    Level last_ask;
    std::uint64_t agg_id = 0;
  };
  struct Session {
    WsSession* ws = nullptr;
    bool combined = false;
    std::vector<std::string> streams;
    bool user = false;
    gateways::sim::AccountId account = 0;
  };
  struct ListenKey {
    gateways::sim::AccountId account = 0;
    std::int64_t expires_ms = 0;
  };
  struct UserEvent {
    bool is_fill = false;
    gateways::sim::SimOrder order;
    gateways::sim::SimFill fill;
  };

  // REST (binance_protocol.cpp / binance_trade.cpp).
  HttpResponse route(const HttpRequest& req, std::int64_t now_ms, Nanos now);
  HttpResponse exchange_info(std::int64_t now_ms);
  HttpResponse depth(const cex::Params& p, std::int64_t now_ms);
  HttpResponse new_order(const AuthedRequest& r, Nanos now);
  HttpResponse algo_order(const AuthedRequest& r, Nanos now);
  HttpResponse query_order(const AuthedRequest& r, bool cancel, Nanos now);
  HttpResponse cancel_all(const AuthedRequest& r, Nanos now);
  HttpResponse open_orders(const AuthedRequest& r);
  HttpResponse position_risk(const AuthedRequest& r, bool v3, std::int64_t now_ms);
  HttpResponse account(const AuthedRequest& r, std::int64_t now_ms);
  HttpResponse balance(const AuthedRequest& r, std::int64_t now_ms);
  HttpResponse coin_config();
  HttpResponse leverage_brackets(const AuthedRequest& r);
  HttpResponse leverage(const AuthedRequest& r);
  HttpResponse countdown(const AuthedRequest& r, Nanos now);
  HttpResponse listen_key(const HttpRequest& req, const AuthedRequest& r, std::int64_t now_ms);
  [[nodiscard]] OrderView view(const gateways::sim::SimOrder& o) const;
  [[nodiscard]] PositionView position_view(gateways::sim::AccountId a, common::InstrumentId id,
                                           common::PositionSide ps, std::int64_t now_ms) const;
  [[nodiscard]] BalanceView balance_view(gateways::sim::AccountId a, std::int64_t now_ms) const;

  // Streams (binance_stream.cpp).
  void publish(const std::string& stream, const std::string& payload);
  void send_to(Session& s, std::string_view stream, const std::string& payload);
  [[nodiscard]] bool subscribed(const Session& s, std::string_view stream) const noexcept;
  void publish_book(BookFeed& feed, std::int64_t now_ms);
  void flush_user(std::int64_t now_ms);
  void send_user(gateways::sim::AccountId a, const std::string& frame);
  [[nodiscard]] bool has_user(gateways::sim::AccountId a) const noexcept;
  void add_stream(Session& s, std::string_view name);

  VenueContext& ctx_;
  gateways::sim::Exchange& exchange_;
  WeightLimiter weights_;
  std::vector<BookFeed> feeds_;  // by InstrumentId value
  std::unordered_map<std::uint64_t, Session> sessions_;
  std::unordered_map<std::string, ListenKey> listen_keys_;
  std::vector<UserEvent> user_events_;
  std::map<gateways::sim::AccountId,
           std::vector<std::pair<common::InstrumentId, common::PositionSide>>>
      touched_positions_;
  std::uint64_t client_id_seq_ = 0;
  std::uint64_t listen_key_seq_ = 0;
  Nanos last_now_ = 0;
};

}  // namespace peregrine::venue_sim::binance
