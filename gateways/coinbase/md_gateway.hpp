// Coinbase market-data gateway agent: level2 + market_trades + heartbeats over one WS -> MdEvents.
// Owned and driven by ONE thread (its agent runner); counters readable from any thread.
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
#include "gateways/coinbase/jwt.hpp"
#include "gateways/coinbase/md_codec.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/json/cex_gateway_common.hpp"

namespace peregrine::gateways::coinbase {

struct MdGatewayConfig {
  std::vector<std::string> products;  // product ids ("BTC-PERP-INTX"), each in the registry
  bool trades = true;                 // subscribe market_trades
  // The venue sends a heartbeat every second on the `heartbeats` channel: none for this long
  // means the feed is stale (reset every book, reconnect).
  common::Nanos stale_after_ns = 5'000'000'000;
  // No l2_data for one valid book for this long while heartbeats flow: reset it, resubscribe.
  // 0 disables the check (quiet products legitimately go minutes without a change).
  common::Nanos book_stale_after_ns = 0;
  // A resubscribe that brought no snapshot within this time is sent again.
  common::Nanos resync_retry_ns = 3'000'000'000;
  std::size_t max_events = MdParser::kDefaultMaxEvents;  // levels in one snapshot message
};

// Per-product state (exposed for tests and the control plane).
struct ProductFeedState {
  common::InstrumentId instrument;
  std::string product;
  bool book_valid = false;        // a snapshot run reached the queue since the last reset
  bool awaiting_snapshot = true;  // update runs are dropped until a snapshot is pushed
  bool reset_pending = false;     // a BookReset must reach the queue before anything else
  common::ResetReason pending_reason = common::ResetReason::kReconnect;
  std::uint64_t pending_seq = 0;
  common::Nanos last_book_ns = 0;
};

// Counters of this gateway beyond the shared GatewayCounters.
struct alignas(64) CbMdCounters {
  PaddedCounter sequence_gaps;  // gaps the parser reported (each -> one resubscribe)
  PaddedCounter resubscribes;   // level2 unsubscribe + subscribe pairs sent
  PaddedCounter jwt_misses;     // subscribes sent without a JWT (cache empty)
  PaddedCounter venue_errors;   // {"type":"error"} frames
  PaddedCounter dropped_runs;   // update runs dropped while the book awaited a snapshot
};

// Behaviour:
// * On open: the parser forgets the connection, then one subscribe per channel (heartbeats,
//   level2, market_trades) for every product, each with a fresh WS JWT when a cache is given
//   (the venue needs it only for `user`; it raises the market-data rate limits).
// * sequence_num is one counter per CONNECTION across channels and is checked on every frame
//   (MdParser). A gap -> BookReset kSequenceGap for every book the core holds, VenueStatus
//   kResyncing, and the venue's resync procedure: unsubscribe + subscribe level2, whose answer
//   starts with a snapshot per product. Update runs are dropped until that snapshot is pushed.
// * Every product run of an l2_data message is pushed all-or-nothing. Queue full: counted,
//   BookReset kQueueOverflow once space returns, then the same resubscribe. Trades that do not
//   fit are counted (not recoverable).
// * No heartbeat for stale_after_ns -> kStale, BookReset kStaleFeed, reconnect. Close -> kDown +
//   BookReset kReconnect; open -> subscribe, kResyncing, kConnected once every book is valid.
// Hot path (do_work, frame handling): no allocation, lock or exception.
class CoinbaseMdGateway final : public WsListener {
 public:
  // `registry`, `ws`, `out`, `clock` and `ws_jwt` (may be null) must outlive the gateway. `clock`
  // must be epoch-based when `ws_jwt` is set. Products not in the registry (kCoinbase) throw
  // std::invalid_argument (start-up).
  CoinbaseMdGateway(const common::InstrumentRegistry& registry, WsTransport& ws,
                    common::SpscQueue<common::MdEvent>& out, const common::Clock& clock,
                    MdGatewayConfig config, JwtCache* ws_jwt = nullptr);
  CoinbaseMdGateway(const CoinbaseMdGateway&) = delete;
  CoinbaseMdGateway& operator=(const CoinbaseMdGateway&) = delete;
  ~CoinbaseMdGateway() override;

  int do_work() noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return "coinbase-md"; }

  void on_ws_open() noexcept override;
  void on_ws_text(const WsFrame& frame) noexcept override;
  void on_ws_close() noexcept override;

  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const CbMdCounters& cb_counters() const noexcept { return cb_counters_; }
  [[nodiscard]] const MdCounters& codec_counters() const noexcept { return parser_->counters(); }
  [[nodiscard]] std::span<const ProductFeedState> books() const noexcept { return books_; }
  [[nodiscard]] common::VenueState state() const noexcept { return output_.state(); }
  [[nodiscard]] std::uint64_t last_heartbeat_counter() const noexcept { return heartbeat_; }

 private:
  void handle_events(common::Nanos now) noexcept;
  void handle_run(ProductFeedState& b, std::span<const common::MdEvent> run,
                  common::Nanos now) noexcept;
  [[nodiscard]] ProductFeedState* book_of(common::InstrumentId id) noexcept;
  void mark_reset(ProductFeedState& b, common::ResetReason reason, std::uint64_t seq) noexcept;
  bool flush_reset(ProductFeedState& b, common::Nanos now) noexcept;
  int flush_pending(common::Nanos now) noexcept;
  int check_timers(common::Nanos now) noexcept;
  void reset_all(common::ResetReason reason) noexcept;
  void subscribe_all() noexcept;
  void resubscribe_books(common::Nanos now) noexcept;
  bool send_channel(bool subscribe, std::string_view channel) noexcept;

  const common::InstrumentRegistry& registry_;
  WsTransport& ws_;
  const common::Clock& clock_;
  MdGatewayConfig config_;
  JwtCache* ws_jwt_;
  std::unique_ptr<MdParser> parser_;
  std::vector<ProductFeedState> books_;
  std::vector<std::string_view> product_views_;  // into books_[i].product, for build_subscribe
  std::unique_ptr<char[]> send_buf_;
  std::size_t send_cap_ = 0;
  GatewayCounters counters_;
  CbMdCounters cb_counters_;
  cex::MdOutput output_;
  bool open_ = false;
  bool opened_once_ = false;
  bool resync_wanted_ = false;        // resubscribe level2 once the pending resets are out
  common::Nanos resync_sent_ns_ = 0;  // last resubscribe; 0 = none outstanding
  common::Nanos last_heartbeat_ns_ = 0;
  std::uint64_t heartbeat_ = 0;
};

}  // namespace peregrine::gateways::coinbase
