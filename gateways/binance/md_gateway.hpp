// Binance market-data gateway agent: diff depth + trades (+ bookTicker) over WS, REST depth
// snapshots, BookSync -> MdEvents in the core's SPSC queue. Owned and driven by ONE thread (its
// agent runner); counters readable anywhere.
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
#include "gateways/binance/book_sync.hpp"
#include "gateways/binance/md_codec.hpp"
#include "gateways/binance/symbols.hpp"
#include "gateways/cex_transport.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/json/cex_gateway_common.hpp"

namespace peregrine::gateways::binance {

struct MdGatewayConfig {
  std::vector<std::string> symbols;  // venue symbols ("BTCUSDT"), each in the registry (kBinance)
  Market market = Market::kUsdm;
  std::string depth_suffix = "@depth@100ms";  // "@depth@0ms" for the raw stream
  std::string trade_suffix = "@aggTrade";     // "" = no trades; "@trade" for every print
  bool book_ticker = false;                   // kept for checks only (not forwarded)
  int snapshot_limit = 1000;                  // /depth limit (weight 20 at 1000)
  std::uint32_t snapshot_weight = 20;
  // No frame at all on the depth connection for this long: stale -> reset books, reconnect.
  common::Nanos stale_after_ns = 10'000'000'000;
  // No diff for one synced book for this long (while others flow): reset it, fetch a snapshot.
  common::Nanos book_stale_after_ns = 30'000'000'000;
  // Wait before asking again after a failed or too-old snapshot (or a rate-gate refusal).
  common::Nanos snapshot_retry_ns = 1'000'000'000;
};

// Per-symbol state (exposed for tests and the control plane).
struct BookFeedState {
  common::InstrumentId instrument;
  std::string symbol;
  std::unique_ptr<BookSync> sync;
  bool book_valid = false;     // a snapshot run reached the queue since the last reset
  bool reset_pending = false;  // a BookReset must reach the queue before the next snapshot
  common::BookReset pending;
  bool overflow = false;               // a run did not fit: reset the sync after the call
  std::uint64_t snapshot_request = 0;  // in-flight REST id, 0 = none
  common::Nanos snapshot_not_before = 0;
  common::Nanos last_depth_ns = 0;
  std::uint64_t last_trade_id = 0;
  BookTicker last_ticker;
};

// Behaviour:
// * depth (+ bookTicker) are subscribed on `ws` (the /public path); trades on `trade_ws` (the
//   /market path) or, when it is null, on `ws` as well (simulator, older hosts).
// * Diffs go through BookSync: buffered until a REST snapshot (GET /fapi/v1/depth) is bridged,
//   then continuity-checked (pu == previous u). A gap -> BookReset kSequenceGap and a new
//   snapshot. A snapshot is only requested once the pending BookReset is in the queue, so the
//   core always sees reset -> snapshot -> diffs in that order.
// * Every venue message is pushed all-or-nothing. No room: counted, the sync is reset
//   (kQueueOverflow) and a new snapshot fetched once the reset went out. Trades that do not fit
//   are counted (not recoverable).
// * Stale connection -> VenueStatus kStale, BookReset kStaleFeed, reconnect. Close -> kDown +
//   BookReset kReconnect; open -> subscribe, kResyncing, kConnected once every book is synced.
// Hot path (do_work, frame handling): no allocation, lock or exception.
class BinanceMdGateway final : public WsListener, public HttpListener, private BookSink {
 public:
  // `registry`, `ws`, `trade_ws` (may be null), `rest`, `out` and `clock` must outlive the
  // gateway. Symbols not in the registry throw std::invalid_argument (start-up). `rate` may be
  // null (no limit).
  BinanceMdGateway(const common::InstrumentRegistry& registry, WsTransport& ws,
                   WsTransport* trade_ws, RestTransport& rest,
                   common::SpscQueue<common::MdEvent>& out, const common::Clock& clock,
                   MdGatewayConfig config, RateGate* rate = nullptr);
  BinanceMdGateway(const BinanceMdGateway&) = delete;
  BinanceMdGateway& operator=(const BinanceMdGateway&) = delete;
  ~BinanceMdGateway() override;

  int do_work() noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return "binance-md"; }

  void on_ws_open() noexcept override;
  void on_ws_text(const WsFrame& frame) noexcept override;
  void on_ws_close() noexcept override;
  void on_http_response(const HttpResponse& response) noexcept override;

  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const MdCounters& codec_counters() const noexcept { return parser_.counters(); }
  [[nodiscard]] std::span<const BookFeedState> books() const noexcept { return books_; }
  [[nodiscard]] common::VenueState state() const noexcept { return output_.state(); }

 private:
  // The trade connection's callbacks (it shares the parser and the queue).
  class TradeLink final : public WsListener {
   public:
    explicit TradeLink(BinanceMdGateway& gw) noexcept : gw_(gw) {}
    void on_ws_open() noexcept override;
    void on_ws_text(const WsFrame& frame) noexcept override { gw_.handle_frame(frame, false); }
    void on_ws_close() noexcept override {}

   private:
    BinanceMdGateway& gw_;
  };

  void on_deltas(std::span<const common::BookDelta> deltas) noexcept override;
  void on_reset(const common::BookReset& reset) noexcept override;

  void handle_frame(const WsFrame& frame, bool depth_link) noexcept;
  void handle_depth(common::Nanos now) noexcept;
  void handle_trade() noexcept;
  void after_sync(BookFeedState& b, common::Nanos now) noexcept;
  [[nodiscard]] BookFeedState* book_of(common::InstrumentId id) noexcept;
  int flush_pending(common::Nanos now) noexcept;
  int request_snapshots(common::Nanos now) noexcept;
  int check_timers(common::Nanos now) noexcept;
  void reset_all(common::ResetReason reason, common::Nanos now) noexcept;
  bool subscribe(WsTransport& ws, bool depth, bool trades) noexcept;

  const common::InstrumentRegistry& registry_;
  WsTransport& ws_;
  WsTransport* trade_ws_;
  RestTransport& rest_;
  const common::Clock& clock_;
  MdGatewayConfig config_;
  RateGate* rate_;
  SymbolTable symbols_;
  MdParser parser_;
  std::vector<BookFeedState> books_;
  BookFeedState* current_ = nullptr;  // the book whose sync is running (sink callbacks)
  TradeLink trade_link_;
  GatewayCounters counters_;
  cex::MdOutput output_;
  bool open_ = false;
  bool opened_once_ = false;
  common::Nanos last_rx_ns_ = 0;
  std::uint64_t next_sub_id_ = 1;
};

}  // namespace peregrine::gateways::binance
