// The Bybit v5 (linear) wire protocol of the venue simulator: /v5 REST with HMAC header auth and
// the retCode envelope, public WS /v5/public/linear (orderbook snapshot + delta, publicTrade) and
// private WS /v5/private (auth, order/execution/position/wallet). Simulator thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateways/sim/exchange.hpp"
#include "tools/venue_sim/cex_common/json_writer.hpp"
#include "tools/venue_sim/cex_common/params.hpp"
#include "tools/venue_sim/venue_context.hpp"
#include "tools/venue_sim/venue_protocol.hpp"

namespace peregrine::venue_sim::bybit {

// Sequencing: each orderbook.{depth}.{symbol} topic keeps the top `depth` levels it last
// published and its own `u` (+1 per message, as the venue's "per-topic update id"); a tick diffs
// the Exchange's current top levels against that view, so a level that enters the top N is an
// insert and one pushed out is a delete. The 1000-level view always exists: its u is the REST
// orderbook's u. `seq` is a venue-wide cross sequence. Depth 1 is snapshot-only.
class BybitProtocol final : public VenueProtocol, public gateways::sim::Listener {
 public:
  static constexpr std::int64_t kDefaultRecvWindowMs = 5000;
  // retCode/retMsg/result of one REST answer (HTTP 200 even for errors; -404 = unknown path).
  struct Reply {
    int ret_code = 0;
    std::string ret_msg = "OK";
    std::string result = "{}";  // JSON
  };

  explicit BybitProtocol(VenueContext& ctx);
  ~BybitProtocol() override;
  BybitProtocol(const BybitProtocol&) = delete;
  BybitProtocol& operator=(const BybitProtocol&) = delete;

  [[nodiscard]] common::VenueId venue() const noexcept override { return common::VenueId::kBybit; }
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
  void on_fill(const gateways::sim::SimFill& f) override;
  void on_position(gateways::sim::AccountId a, common::InstrumentId id,
                   const gateways::sim::SimPosition& p) override;

 private:
  struct DepthView {
    std::uint32_t depth = 0;
    std::uint64_t u = 0;
    std::vector<gateways::sim::BookLevel> bids;
    std::vector<gateways::sim::BookLevel> asks;
  };
  struct Feed {
    std::string symbol;
    bool dirty = false;
    std::vector<DepthView> depths;  // [0] is the 1000-level view
  };
  struct Session {
    WsSession* ws = nullptr;
    bool is_private = false;
    bool authed = false;
    gateways::sim::AccountId account = 0;
    std::vector<std::string> topics;
  };

  // REST (bybit_protocol.cpp).
  Reply route(const HttpRequest& req, std::int64_t now_ms, Nanos now);
  std::optional<Reply> authenticate(const HttpRequest& req, std::int64_t now_ms,
                                    const SimAccountConfig*& account) const;
  Reply instruments(const cex::Params& p) const;
  Reply orderbook(const cex::Params& p, std::int64_t now_ms);
  Reply create(const std::string& body, gateways::sim::AccountId a, Nanos now);
  Reply amend(const std::string& body, gateways::sim::AccountId a, Nanos now);
  Reply cancel(const std::string& body, gateways::sim::AccountId a, Nanos now);
  Reply cancel_all(const std::string& body, gateways::sim::AccountId a, Nanos now);
  Reply realtime(const cex::Params& p, gateways::sim::AccountId a) const;
  Reply positions(const cex::Params& p, gateways::sim::AccountId a) const;
  Reply wallet(gateways::sim::AccountId a) const;
  Reply api_key_info(const SimAccountConfig& account) const;
  Reply set_leverage(const std::string& body, gateways::sim::AccountId a);
  Reply dcp(const std::string& body, gateways::sim::AccountId a);
  void write_order(cex::JsonWriter& w, const gateways::sim::SimOrder& o) const;
  void write_position(cex::JsonWriter& w, gateways::sim::AccountId a, common::InstrumentId id,
                      common::PositionSide ps) const;

  // WS (bybit_stream.cpp).
  void publish_book(Feed& feed, std::int64_t now_ms);
  [[nodiscard]] std::string book_message(const Feed& feed, const DepthView& view, bool snapshot,
                                         const std::vector<gateways::sim::BookLevel>* diff_bids,
                                         const std::vector<gateways::sim::BookLevel>* diff_asks,
                                         std::int64_t now_ms);
  void refresh(const Feed& feed, std::uint32_t depth, std::vector<gateways::sim::BookLevel>& bids,
               std::vector<gateways::sim::BookLevel>& asks) const;
  DepthView& view_of(Feed& feed, std::uint32_t depth);
  [[nodiscard]] bool has_private(gateways::sim::AccountId a) const noexcept;
  void send_private(gateways::sim::AccountId a, std::string_view topic, const std::string& data,
                    std::int64_t now_ms);
  void handle_private_op(Session& s, std::string_view op, std::string_view req_id,
                         const std::vector<std::string>& args, std::int64_t now_ms);

  VenueContext& ctx_;
  gateways::sim::Exchange& exchange_;
  std::vector<Feed> feeds_;
  std::unordered_map<std::uint64_t, Session> sessions_;
  std::map<gateways::sim::AccountId, std::int64_t> dcp_window_s_;
  std::uint64_t seq_ = 0;
  std::uint64_t exec_seq_ = 0;
  Nanos last_now_ = 0;
};

}  // namespace peregrine::venue_sim::bybit
