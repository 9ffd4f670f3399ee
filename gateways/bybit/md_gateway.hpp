// Bybit v5 market-data gateway agent: orderbook.{depth}.{symbol} + publicTrade over one public WS
// -> MdEvents in the core's SPSC queue. Owned and driven by ONE thread (its agent runner);
// counters readable anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/bybit/md_codec.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/json/cex_gateway_common.hpp"

namespace peregrine::gateways::bybit {

struct MdGatewayConfig {
  std::vector<std::string> symbols;  // venue symbols ("BTCUSDT"), each in the registry (kBybit)
  std::uint32_t depth = 50;          // orderbook depth: 1, 50, 200, 1000
  bool trades = true;
  // No frame at all for this long: stale -> reset every book, reconnect.
  common::Nanos stale_after_ns = 15'000'000'000;
  // No orderbook frame for one synced symbol for this long: reset it, resubscribe.
  common::Nanos book_stale_after_ns = 30'000'000'000;
  // {"op":"ping"} cadence the venue recommends.
  common::Nanos ping_interval_ns = 20'000'000'000;
};

// Per-symbol state (exposed for tests and the control plane).
struct TopicFeedState {
  common::InstrumentId instrument;
  std::string symbol;
  std::string book_topic;            // "orderbook.50.BTCUSDT"
  bool book_valid = false;           // a snapshot run reached the queue since the last reset
  bool awaiting_snapshot = true;     // deltas are dropped until a snapshot is pushed
  bool reset_pending = false;        // a BookReset must reach the queue before anything else
  bool resubscribe_pending = false;  // resubscribe once the reset is out
  common::ResetReason pending_reason = common::ResetReason::kReconnect;
  std::uint64_t last_u = 0;
  common::Nanos last_book_ns = 0;
};

// Behaviour:
// * Every orderbook message is pushed all-or-nothing (snapshot runs replace the book). A `u` gap
//   (the codec's BookSync) -> BookReset kSequenceGap and the topic is resubscribed (Bybit's only
//   way to get a fresh snapshot); deltas are dropped until that snapshot is in the queue.
// * Queue full: counted, BookReset kQueueOverflow once space returns, then resubscribe.
// * Stale connection -> VenueStatus kStale, BookReset kStaleFeed, reconnect. Close -> kDown +
//   BookReset kReconnect; open -> subscribe, kResyncing, kConnected once every book is valid.
// * {"op":"ping"} every ping_interval_ns.
// Hot path (do_work, frame handling): no allocation, lock or exception.
class BybitMdGateway final : public WsListener {
 public:
  // `registry`, `ws`, `out` and `clock` must outlive the gateway. Symbols not in the registry
  // throw std::invalid_argument (start-up).
  BybitMdGateway(const common::InstrumentRegistry& registry, WsTransport& ws,
                 common::SpscQueue<common::MdEvent>& out, const common::Clock& clock,
                 MdGatewayConfig config);
  BybitMdGateway(const BybitMdGateway&) = delete;
  BybitMdGateway& operator=(const BybitMdGateway&) = delete;
  ~BybitMdGateway() override;

  int do_work() noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return "bybit-md"; }

  void on_ws_open() noexcept override;
  void on_ws_text(const WsFrame& frame) noexcept override;
  void on_ws_close() noexcept override;

  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const MdCounters& codec_counters() const noexcept { return parser_->counters(); }
  [[nodiscard]] std::span<const TopicFeedState> books() const noexcept { return books_; }
  [[nodiscard]] common::VenueState state() const noexcept { return output_.state(); }

 private:
  void handle_book(common::Nanos now) noexcept;
  void handle_trades() noexcept;
  [[nodiscard]] TopicFeedState* book_of(common::InstrumentId id) noexcept;
  int flush_pending(common::Nanos now) noexcept;
  bool flush_reset(TopicFeedState& b, common::Nanos now) noexcept;
  int check_timers(common::Nanos now) noexcept;
  void mark_reset(TopicFeedState& b, common::ResetReason reason, bool resubscribe) noexcept;
  void reset_all(common::ResetReason reason) noexcept;
  void subscribe_all() noexcept;
  bool send_topics(std::string_view op, std::span<const std::string_view> topics) noexcept;
  bool send(std::string_view frame) noexcept;

  const common::InstrumentRegistry& registry_;
  WsTransport& ws_;
  const common::Clock& clock_;
  MdGatewayConfig config_;
  std::unique_ptr<MdParser> parser_;
  std::vector<TopicFeedState> books_;
  std::vector<std::string> trade_topics_;
  GatewayCounters counters_;
  cex::MdOutput output_;
  bool open_ = false;
  bool opened_once_ = false;
  common::Nanos last_rx_ns_ = 0;
  common::Nanos last_tx_ns_ = 0;
};

}  // namespace peregrine::gateways::bybit
