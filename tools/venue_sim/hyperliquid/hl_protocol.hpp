// The simulator's Hyperliquid wire protocol: POST /info, POST /exchange (signature recovery,
// nonce rules, order actions), WS /ws (subscriptions, post, ping). Simulator thread only.
// Split by concern: hl_protocol.cpp (dispatch, WS, publishing), hl_info.cpp (/info queries),
// hl_exchange.cpp (/exchange actions).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateways/sim/exchange.hpp"
#include "tools/venue_sim/cex_common/json_writer.hpp"
#include "tools/venue_sim/hyperliquid/hl_auth.hpp"
#include "tools/venue_sim/venue_context.hpp"
#include "tools/venue_sim/venue_protocol.hpp"

namespace peregrine::venue_sim {
// make_hyperliquid_protocol (venue_context.hpp) serves mainnet signatures; this one chooses.
[[nodiscard]] std::unique_ptr<VenueProtocol> make_hyperliquid_protocol(VenueContext& ctx,
                                                                       bool mainnet);
// ... and the time between two slices of a native TWAP (the venue: 30 s; tests shorten it).
[[nodiscard]] std::unique_ptr<VenueProtocol> make_hyperliquid_protocol(VenueContext& ctx,
                                                                       bool mainnet,
                                                                       std::uint32_t twap_slice_ms);
}  // namespace peregrine::venue_sim

namespace peregrine::venue_sim::hl {

// The venue's answer to a body it cannot deserialize (/info and /exchange alike).
inline constexpr std::string_view kDeserializeError =
    "Failed to deserialize the JSON body into the target type";

namespace gs = gateways::sim;

struct HlInstrument {
  const SimInstrumentConfig* cfg = nullptr;
  common::InstrumentId id;
  bool book_dirty = true;
  bool bbo_dirty = true;
  std::string trades;  // pending trades frame entries (comma-separated JSON objects)
};

struct HlAccount {
  const SimAccountConfig* cfg = nullptr;
  gs::AccountId id = 0;
  Address address{};
  std::string address_hex;
  common::Nanos dead_man_at = 0;
  std::string order_updates;  // pending orderUpdates entries
  std::string fills;          // pending WsFill entries
  std::string non_user_cancels;
  std::string twap_slice_fills;  // pending userTwapSliceFills entries
  std::string twap_history;      // pending userTwapHistory entries
  // Everything so far, oldest first: WS snapshots and /info twapHistory, userTwapSliceFills.
  std::vector<std::string> twap_history_log;
  std::vector<std::string> twap_fill_log;
};

// A native TWAP the venue runs (hl_twap.cpp): market slices every slice interval, each
// remaining / remaining slices, at most 3x the even slice, no worse than 3% from the mid.
struct HlTwap {
  std::uint64_t id = 0;
  gs::AccountId account = 0;
  const HlInstrument* inst = nullptr;
  common::Side side = common::Side::kBuy;
  common::Qty total;
  common::Qty executed;
  common::Money executed_ntl;
  std::uint32_t minutes = 0;
  std::uint32_t slices = 0;  // 2 per minute (one per 30 s at the venue)
  std::uint32_t slices_done = 0;
  common::Nanos created = 0;
  common::Nanos next_at = 0;
  bool reduce_only = false;
  bool randomize = false;
  bool running = true;
};

struct Subscription {
  std::string type;  // l2Book, trades, bbo, allMids, orderUpdates, userFills, userEvents
  std::string key;   // coin or user (lowercase), empty for allMids
  std::string echo;  // the subscription object as acknowledged
};

struct HlSession {
  WsSession* ws = nullptr;
  std::vector<Subscription> subs;
};

class HlProtocol final : public VenueProtocol, public gs::Listener {
 public:
  HlProtocol(VenueContext& ctx, bool mainnet, std::uint32_t twap_slice_ms = 30000);
  ~HlProtocol() override;

  common::VenueId venue() const noexcept override { return common::VenueId::kHyperliquid; }
  HttpResponse on_http(const HttpRequest& req, Nanos now) override;
  bool accepts_ws(std::string_view target) const noexcept override;
  void on_ws_open(WsSession& s, Nanos now) override;
  void on_ws_message(WsSession& s, std::string_view text, Nanos now) override;
  void on_ws_close(WsSession& s) noexcept override;
  void on_tick(Nanos now) override;

  // Listener (called synchronously by the Exchange).
  void on_book_level(common::InstrumentId, common::BookSide, common::Price, common::Qty,
                     common::Nanos) override;
  void on_trade(common::InstrumentId, common::Price, common::Qty, common::Side, std::uint64_t,
                common::Nanos) override;
  void on_order(const gs::SimOrder&) override;
  void on_fill(const gs::SimFill&) override;

  // Answers (the JSON text) to an /info payload and an /exchange body; shared by HTTP and WS
  // post. `status` is the HTTP status to use.
  std::string info(std::string_view body, Nanos now, int* status);
  std::string exchange_action(std::string_view body, Nanos now, int* status);

  [[nodiscard]] HlInstrument* find_asset(std::int64_t asset) noexcept { return by_asset(asset); }
  [[nodiscard]] const std::vector<HlTwap>& twaps() const noexcept { return twaps_; }

 private:
  [[nodiscard]] HlInstrument* by_coin(std::string_view coin) noexcept;
  [[nodiscard]] HlInstrument* by_asset(std::int64_t asset) noexcept;
  [[nodiscard]] HlInstrument* by_id(common::InstrumentId id) noexcept;
  [[nodiscard]] HlAccount* by_user(std::string_view address) noexcept;
  [[nodiscard]] HlAccount* by_account_id(gs::AccountId id) noexcept;

  void write_book(cex::JsonWriter& o, const HlInstrument& inst, Nanos now) const;
  void write_order_basic(cex::JsonWriter& o, const gs::SimOrder& ord) const;
  void write_frontend_order(cex::JsonWriter& o, const gs::SimOrder& ord) const;
  // `start` is the position before the fill; absent: derived from the current position (right
  // for a fill just made).
  void write_fill(cex::JsonWriter& o, const gs::SimFill& f,
                  std::optional<common::Qty> start = std::nullopt) const;
  void write_clearinghouse(cex::JsonWriter& o, const HlAccount& acc, Nanos now) const;
  [[nodiscard]] std::string_view order_status_text(const gs::SimOrder& o) const;
  [[nodiscard]] common::Price mid(const HlInstrument& inst) const;

  // Native TWAP (hl_twap.cpp): the twapOrder / twapCancel answers, the slice clock, the
  // userTwapHistory / userTwapSliceFills entries.
  std::string twap_order(HlAccount& acc, simdjson::dom::element action, Nanos now, int* status);
  std::string twap_cancel(HlAccount& acc, simdjson::dom::element action, Nanos now, int* status);
  void run_twaps(Nanos now);
  void twap_slice(HlTwap& t, Nanos now);
  void twap_event(const HlTwap& t, std::string_view status, std::string_view description,
                  Nanos now);
  [[nodiscard]] std::uint64_t twap_of_order(gs::OrderId id) const noexcept;

  void handle_subscribe(HlSession& s, simdjson::dom::element sub, bool subscribe, Nanos now);
  void handle_post(HlSession& s, simdjson::dom::element msg, Nanos now);
  [[nodiscard]] bool has_subscriber(std::string_view type, std::string_view key) const;
  void broadcast(std::string_view type, std::string_view key, const std::string& frame);

  VenueContext& ctx_;
  gs::Exchange& ex_;
  bool mainnet_;
  std::vector<HlInstrument> instruments_;  // config order
  std::vector<HlAccount> accounts_;
  std::unordered_map<std::string, std::size_t> agents_;  // lowercase agent address -> account
  NonceBook nonces_;
  std::map<std::uint64_t, HlSession> sessions_;
  // One parser per entry point: a WS post re-enters info()/exchange_action() while the WS
  // message's document is still in use.
  simdjson::dom::parser ws_parser_;
  simdjson::dom::parser info_parser_;
  simdjson::dom::parser ex_parser_;
  bool mids_dirty_ = true;
  Nanos twap_slice_ns_;
  std::vector<HlTwap> twaps_;
  std::uint64_t next_twap_id_ = 1;
  std::unordered_map<gs::OrderId, std::uint64_t> twap_orders_;  // slice order id -> twapId
  std::uint64_t slicing_twap_ = 0;  // set while a slice is submitted: its fills are tagged
  gs::AccountId slicing_account_ = 0;
  std::uint64_t tid_seed_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace peregrine::venue_sim::hl
