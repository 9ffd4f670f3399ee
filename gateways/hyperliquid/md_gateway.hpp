// Hyperliquid market-data gateway agent: WS subscriptions (l2Book, trades, bbo) -> MdEvents in the
// core's SPSC queue. Owned and driven by ONE thread (its agent runner); counters readable anywhere.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/hyperliquid/md_codec.hpp"

namespace peregrine::gateways::hyperliquid {

struct MdGatewayConfig {
  std::vector<std::string> coins;  // venue symbols, each in the registry under kHyperliquid
  bool trades = true;
  bool bbo = true;
  bool fast_book = false;  // l2Book "fast": 5 levels every ~0.5 s instead of 20 every ~5 s
  // No frame at all for this long: the connection is stale -> reset every book, reconnect.
  common::Nanos stale_after_ns = 15'000'000'000;
  // No l2Book for one coin for this long (while other frames arrive): reset it, resubscribe.
  common::Nanos book_stale_after_ns = 20'000'000'000;
  // Send {"method":"ping"} when nothing was sent for this long (venue closes after 60 s).
  common::Nanos ping_interval_ns = 30'000'000'000;
};

// Per-coin state the gateway tracks (exposed for tests and the control plane).
struct CoinFeedState {
  common::InstrumentId instrument;
  std::string coin;
  std::uint64_t last_book_ms = 0;   // venue time of the last applied snapshot
  std::uint64_t last_trade_ms = 0;  // venue time of the newest trade forwarded
  common::Nanos last_book_ns = 0;   // our clock at the last applied snapshot
  bool book_valid = false;          // a snapshot reached the queue since the last reset
  bool reset_pending = false;       // a BookReset must reach the queue before anything else
  common::ResetReason pending_reason = common::ResetReason::kReconnect;
  bool resubscribe_pending = false;  // resync by re-subscribing once the reset is out
  Bbo last_bbo;
};

// Behaviour:
// * l2Book frames are full snapshots: each becomes one BookDelta run (kSnapshotBegin ...
//   kSnapshotEnd | kEndOfBatch) that replaces the book. A snapshot older than the last one
//   applied (venue time) is dropped and counted.
// * A run is pushed only when the queue has room for all of it, so the core never sees half a
//   snapshot. No room: counted, the coin is marked reset; when space returns a BookReset
//   kQueueOverflow goes out first and the coin is resubscribed (the venue answers with a fresh
//   snapshot). Trades that do not fit are counted in queue_full (they cannot be recovered).
// * Stale connection -> VenueStatus kStale, BookReset kStaleFeed per book, reconnect.
//   Close -> VenueStatus kDown + BookReset kReconnect; open -> subscribe, VenueStatus
//   kResyncing, then kConnected once every coin has a snapshot again.
// Hot path (do_work, frame handling): no allocation, lock or exception.
class HlMdGateway final : public WsListener {
 public:
  // `registry`, `ws`, `out` and `clock` must outlive the gateway. Coins not in the registry
  // throw std::invalid_argument (start-up).
  HlMdGateway(const common::InstrumentRegistry& registry, WsTransport& ws,
              common::SpscQueue<common::MdEvent>& out, const common::Clock& clock,
              MdGatewayConfig config);
  HlMdGateway(const HlMdGateway&) = delete;
  HlMdGateway& operator=(const HlMdGateway&) = delete;
  ~HlMdGateway() override;

  int do_work() noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return "hl-md"; }

  void on_ws_open() noexcept override;
  void on_ws_text(const WsFrame& frame) noexcept override;
  void on_ws_close() noexcept override;

  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const MdCounters& codec_counters() const noexcept { return parser_.counters(); }
  [[nodiscard]] std::span<const CoinFeedState> coins() const noexcept { return coins_; }
  [[nodiscard]] common::VenueState state() const noexcept { return state_; }

 private:
  void handle_book(common::Nanos now) noexcept;
  void handle_trades() noexcept;
  void handle_bbo() noexcept;
  [[nodiscard]] CoinFeedState* coin_of(common::InstrumentId id) noexcept;
  [[nodiscard]] std::size_t free_slots() const noexcept;
  bool push(const common::MdEvent& e) noexcept;
  int flush_pending(common::Nanos now) noexcept;
  bool flush_status(common::Nanos now) noexcept;
  bool flush_reset(CoinFeedState& c, common::Nanos now, bool resubscribe) noexcept;
  int check_timers(common::Nanos now) noexcept;
  void reset_all(common::ResetReason reason) noexcept;
  void mark_reset(CoinFeedState& c, common::ResetReason reason, bool force) noexcept;
  void set_state(common::VenueState s) noexcept;
  void subscribe_all() noexcept;
  bool send_subscription(std::string_view method, std::string_view type,
                         std::string_view coin) noexcept;
  bool send(std::string_view frame) noexcept;

  const common::InstrumentRegistry& registry_;
  WsTransport& ws_;
  common::SpscQueue<common::MdEvent>& out_;
  const common::Clock& clock_;
  MdGatewayConfig config_;
  MdParser parser_;
  std::vector<CoinFeedState> coins_;
  common::VenueState state_ = common::VenueState::kDown;
  bool status_pending_ = false;
  bool open_ = false;
  bool opened_once_ = false;
  common::Nanos last_rx_ns_ = 0;
  common::Nanos last_tx_ns_ = 0;
  GatewayCounters counters_;
};

}  // namespace peregrine::gateways::hyperliquid
