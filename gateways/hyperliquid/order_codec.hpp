// Hyperliquid execution codec: /exchange and WS post responses, orderUpdates and fills (ExecParser,
// hot path, owned by the HL order gateway thread) and /info responses (InfoParser, start-up).
#pragma once

#include <simdjson.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/result.hpp"
#include "gateways/hyperliquid/md_codec.hpp"  // CodecError, shared JSON helpers

namespace peregrine::gateways::hyperliquid {

// Venue error text -> reason, by substring (HL has no error codes). Unmatched text -> kOther.
// A bad signature shows up as "User or API Wallet 0x... does not exist" or "Must deposit before
// performing actions" (the server recovered some other address): both map to kBadSignature.
[[nodiscard]] common::RejectReason reject_reason_from_text(std::string_view text) noexcept;

// An order status string (orderStatus, orderUpdates) -> OrderStatus. "open"/"triggered" give kNew,
// or kPartiallyFilled when remaining < original. Unknown strings: known = false, status
// kCancelled with reject kUnknownOutcome (terminal: the caller should query orderStatus).
struct StatusMapping {
  common::OrderStatus status = common::OrderStatus::kCancelled;
  common::RejectReason reject = common::RejectReason::kUnknownOutcome;
  bool known = false;
};
[[nodiscard]] StatusMapping map_order_status(std::string_view status, common::Qty remaining,
                                             common::Qty original) noexcept;

// ---- /exchange (and WS post "action") responses --------------------------------------------

enum class ActionStatusKind : std::uint8_t {
  kResting,            // {"resting":{"oid","cloid"?}}
  kFilled,             // {"filled":{"totalSz","avgPx","oid","cloid"?}}
  kError,              // {"error":"..."}: reject + text
  kWaitingForFill,     // "waitingForFill"
  kWaitingForTrigger,  // "waitingForTrigger"
  kSuccess,            // "success" (cancel, twapCancel)
  kTwapRunning,        // {"running":{"twapId"}}
  kUnknown,            // anything else (counted); text holds a string status when there is one
};

struct ActionStatus {
  ActionStatusKind kind = ActionStatusKind::kUnknown;
  common::RejectReason reject = common::RejectReason::kNone;
  bool has_cloid = false;
  common::VenueOrderId oid;
  common::ClientOrderId cloid;
  common::Qty filled_qty;   // filled.totalSz
  common::Price avg_price;  // filled.avgPx
  std::uint64_t twap_id = 0;
  std::string_view text;  // error text; valid until the next parse call
};

enum class ResponseKind : std::uint8_t {
  kOrder,       // order, batchModify: one status per order (or ONE pre-validation error)
  kCancel,      // cancel, cancelByCloid
  kDefault,     // modify, updateLeverage, scheduleCancel, noop, ...: no data
  kTwapOrder,   // one status: kTwapRunning or kError
  kTwapCancel,  // one status: kSuccess or kError
  kOther,       // an ok response of another type; statuses parsed when present
  kError,       // {"status":"err","response":"<text>"}: the whole action failed
};

struct ExchangeResponse {
  ResponseKind kind = ResponseKind::kError;
  common::RejectReason reject = common::RejectReason::kNone;  // kError only
  std::string_view error;  // kError: the top-level text; valid until the next parse call
  std::span<const ActionStatus> statuses;

  // The status of item `i` of an `n`-item batch: the i-th entry when there are n, the single
  // pre-validation error when the venue answered an n-item batch with one error, else nullptr
  // (kError response, or a count that fits neither shape).
  [[nodiscard]] const ActionStatus* status_for(std::size_t i, std::size_t n) const noexcept {
    if (i >= n) return nullptr;
    if (statuses.size() == n) return &statuses[i];
    if (statuses.size() == 1 && statuses[0].kind == ActionStatusKind::kError) return &statuses[0];
    return nullptr;
  }
};

// ---- WebSocket (order connection) -----------------------------------------------------------

enum class PostKind : std::uint8_t {
  kAction,  // action: the /exchange envelope, parsed
  kInfo,    // info: not parsed here (use the /info InfoParser over HTTP)
  kError,   // error: `error` holds the text
};

struct PostResponse {
  std::uint64_t id = 0;
  PostKind kind = PostKind::kError;
  common::RejectReason reject = common::RejectReason::kNone;  // kError: mapped from the text
  std::string_view error;
  ExchangeResponse action;
};

enum class ExecFrameKind : std::uint8_t {
  kPost,          // post()
  kOrderUpdates,  // order_updates()
  kUserFills,     // fills(), fills_snapshot()
  kUserEvents,    // `user` channel: user_event() says which; fills() or order_updates()
  kPong,
  kSubscriptionResponse,
  kVenueError,      // venue_error()
  kHello,           // the plain-text "Websocket connection established." frame
  kTwapSliceFills,  // userTwapSliceFills: fills() + fill_twap_ids(), fills_snapshot()
  kTwapHistory,     // userTwapHistory: twap_history(), fills_snapshot() = isSnapshot
};

// A native TWAP's state change (userTwapHistory / info twapHistory "status.status").
enum class TwapStatus : std::uint8_t { kActivated, kFinished, kTerminated, kError, kUnknown };

// One userTwapHistory entry: {"time","state":{coin,side,sz,executedSz,executedNtl,minutes,
// reduceOnly,...},"status":{"status","description"?},"twapId"?}. twap_id 0 when absent (the
// venue docs' sketch has no twapId; [TS] has it optional).
struct TwapHistoryEntry {
  std::uint64_t twap_id = 0;
  common::InstrumentId instrument;
  common::Side side = common::Side::kBuy;
  common::Qty size;
  common::Qty executed;
  common::Money executed_ntl;
  common::Nanos ts_venue = 0;  // "time" (seconds on the wire)
  TwapStatus status = TwapStatus::kUnknown;
  bool reduce_only = false;
};

enum class UserEventKind : std::uint8_t {
  kNone,
  kFills,          // fills()
  kNonUserCancel,  // order_updates(): kCancelled, oid only
  kFunding,
  kLiquidation,
  kOther,
};

// Written only by the owning thread (single writer, relaxed stores), readable from any thread.
struct alignas(64) ExecCounters {
  std::atomic<std::uint64_t> frames{0};  // every parse_* call
  std::atomic<std::uint64_t> order_updates{0};
  std::atomic<std::uint64_t> fills{0};
  std::atomic<std::uint64_t> unknown_coin{0};    // updates/fills dropped
  std::atomic<std::uint64_t> unknown_status{0};  // status strings / action statuses not mapped
  std::atomic<std::uint64_t> venue_errors{0};    // `error` channel and post errors
  std::atomic<std::uint64_t> malformed{0};       // every parse that returned an error
  std::array<std::atomic<std::uint64_t>, kCodecErrorCount> by_error{};

  [[nodiscard]] std::uint64_t errors(CodecError e) const noexcept {
    return by_error[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
  }
};

// Hot-path parser. Outputs live in buffers sized at construction and are valid until the next
// parse call; a failed parse leaves them empty. Normalization:
// * OrderUpdate: price = limitPx, qty = origSz, filled_qty = origSz - sz, avg_price 0 (HL does
//   not report it here), ts_venue = statusTimestamp ms * 1e6, venue_seq = statusTimestamp ms.
// * Fill: fill_id = tid, liquidity = crossed ? taker : maker, fee = "fee" (includes builderFee;
//   in feeToken, which is the quote for perps), ts_venue = time, venue_seq = time ms.
// * Updates and fills for coins not in the registry are dropped and counted.
// * A fill's "twapId" (a number, or null / absent on ordinary fills) goes to fill_twap_ids(),
//   parallel to fills(); userTwapSliceFills' {"fill","twapId"} pairs fill the same two arrays.
// Why it is fast: simdjson On-Demand with key dispatch in one pass, exact decimal parsing from
// the input bytes, no allocation per frame.
class ExecParser {
 public:
  static constexpr std::size_t kMaxStatuses = 1024;
  static constexpr std::size_t kMaxUpdates = 1024;
  static constexpr std::size_t kMaxFills = 4096;  // userFills snapshots carry recent history
  static constexpr std::size_t kMaxTwapHistory = 1024;
  static constexpr std::size_t kInitialCapacity = 1u << 18;
  static constexpr std::size_t kMaxFrameBytes = 64u << 20;

  // `registry` must outlive the parser and not change while it is in use.
  explicit ExecParser(const common::InstrumentRegistry& registry);
  ExecParser(const ExecParser&) = delete;
  ExecParser& operator=(const ExecParser&) = delete;
  ~ExecParser();

  // HTTP /exchange response body. The buffer needs SIMDJSON_PADDING readable bytes after it.
  [[nodiscard]] common::Result<ExchangeResponse, CodecError> parse_exchange(
      simdjson::padded_string_view body) noexcept;
  [[nodiscard]] common::Result<ExchangeResponse, CodecError> parse_exchange_unpadded(
      std::string_view body) noexcept;

  // One WS text frame of the order connection (post, orderUpdates, user, userFills, control).
  [[nodiscard]] common::Result<ExecFrameKind, CodecError> parse_ws(
      simdjson::padded_string_view frame, common::Nanos ts_recv) noexcept;
  [[nodiscard]] common::Result<ExecFrameKind, CodecError> parse_ws_unpadded(
      std::string_view frame, common::Nanos ts_recv) noexcept;

  [[nodiscard]] const PostResponse& post() const noexcept { return post_; }
  [[nodiscard]] std::span<const common::OrderUpdate> order_updates() const noexcept {
    return {updates_.get(), update_count_};
  }
  [[nodiscard]] std::span<const common::Fill> fills() const noexcept {
    return {fills_.get(), fill_count_};
  }
  // The twapId of each fill (0 = not a TWAP slice), same index as fills().
  [[nodiscard]] std::span<const std::uint64_t> fill_twap_ids() const noexcept {
    return {fill_twap_ids_.get(), fill_count_};
  }
  [[nodiscard]] std::span<const TwapHistoryEntry> twap_history() const noexcept {
    return {twap_history_.get(), twap_history_count_};
  }
  [[nodiscard]] bool fills_snapshot() const noexcept { return fills_snapshot_; }
  [[nodiscard]] UserEventKind user_event() const noexcept { return user_event_; }
  [[nodiscard]] std::string_view venue_error() const noexcept { return venue_error_; }
  [[nodiscard]] const ExecCounters& counters() const noexcept { return counters_; }

 private:
  CodecError dispatch_ws(simdjson::padded_string_view frame, common::Nanos ts_recv,
                         ExecFrameKind& kind) noexcept;
  CodecError parse_envelope(simdjson::ondemand::object& root, ExchangeResponse& out) noexcept;
  CodecError parse_statuses(simdjson::ondemand::value& v, bool is_array) noexcept;
  CodecError parse_post(simdjson::ondemand::value& data) noexcept;
  CodecError parse_order_updates(simdjson::ondemand::value& data, common::Nanos ts_recv) noexcept;
  CodecError parse_fills(simdjson::ondemand::value& v, common::Nanos ts_recv) noexcept;
  CodecError parse_twap_slice_fills(simdjson::ondemand::value& v, common::Nanos ts_recv) noexcept;
  // Keeps fills_[fill_count_] (already parsed) as the next fill, or counts its unknown coin.
  void keep_fill(common::InstrumentId instrument, common::Nanos ts_recv,
                 std::uint64_t twap_id) noexcept;
  CodecError parse_twap_history(simdjson::ondemand::value& v) noexcept;
  CodecError parse_non_user_cancels(simdjson::ondemand::value& v, common::Nanos ts_recv) noexcept;
  void clear_outputs() noexcept;
  void fail(CodecError e) noexcept;

  const common::InstrumentRegistry& registry_;
  simdjson::ondemand::parser parser_;
  std::unique_ptr<ActionStatus[]> statuses_;
  std::size_t status_count_ = 0;
  std::unique_ptr<common::OrderUpdate[]> updates_;
  std::size_t update_count_ = 0;
  std::unique_ptr<common::Fill[]> fills_;
  std::size_t fill_count_ = 0;
  std::unique_ptr<std::uint64_t[]> fill_twap_ids_;
  std::unique_ptr<TwapHistoryEntry[]> twap_history_;
  std::size_t twap_history_count_ = 0;
  bool fills_snapshot_ = false;
  UserEventKind user_event_ = UserEventKind::kNone;
  PostResponse post_;
  std::string_view venue_error_;
  detail::PaddedCopy copy_{kInitialCapacity};  // *_unpadded() staging
  ExecCounters counters_;
};

// ---- /info responses (start-up and reconciliation; these allocate) --------------------------

struct AssetMeta {
  std::string name;
  std::int32_t asset = -1;  // perp asset id = position in meta.universe (delisted stay in place)
  std::int32_t size_decimals = 0;
  std::uint32_t max_leverage = 0;
  bool is_delisted = false;
  bool only_isolated = false;
};

struct AssetCtx {
  common::Price mark_price;
  common::Price mid_price;  // valid only when has_mid (null on the wire for empty books)
  common::Price oracle_price;
  common::Rate funding;  // hourly rate; digits below 1e-8 are truncated
  bool has_mid = false;
};

struct MetaAndAssetCtxs {
  std::vector<AssetMeta> universe;
  std::vector<AssetCtx> ctxs;  // ctxs[i] belongs to universe[i]
};

enum class LeverageType : std::uint8_t { kCross, kIsolated };

struct PositionInfo {
  std::string coin;
  common::InstrumentId instrument;  // invalid when not in the registry (kept, counted)
  common::Qty size;                 // szi: signed, negative = short
  common::Price entry_price;        // valid only when has_entry_price
  common::Price liquidation_price;  // valid only when has_liquidation_price
  common::Money unrealized_pnl;
  common::Money margin_used;
  common::Money position_value;
  LeverageType leverage_type = LeverageType::kCross;
  std::uint32_t leverage = 0;
  bool has_entry_price = false;
  bool has_liquidation_price = false;
};

struct ClearinghouseState {
  std::vector<PositionInfo> positions;
  common::Money account_value;  // marginSummary
  common::Money total_margin_used;
  common::Money total_ntl_pos;
  common::Money withdrawable;
  common::Nanos ts_venue = 0;  // "time", 0 when absent
};

struct OpenOrderInfo {
  std::string coin;
  common::InstrumentId instrument;  // invalid when not in the registry (kept, counted)
  common::Side side = common::Side::kBuy;
  common::Price limit_price;
  common::Qty size;  // remaining
  common::Qty orig_size;
  common::Price trigger_price;
  common::VenueOrderId oid;
  common::ClientOrderId cloid;
  common::Nanos ts_venue = 0;  // "timestamp"
  std::string order_type;      // frontendOpenOrders / orderStatus only, e.g. "Limit"
  std::string tif;             // "Gtc", "Alo", "Ioc", "FrontendMarket"; empty when null/absent
  std::string trigger_condition;
  bool has_cloid = false;
  bool reduce_only = false;
  bool is_trigger = false;
  bool is_position_tpsl = false;
};

struct OrderStatusInfo {
  bool found = false;  // false for {"status":"unknownOid"}
  OpenOrderInfo order;
  StatusMapping status;
  std::string status_text;
  common::Nanos status_ts = 0;
};

// Owned by one thread at a time; each call copies its input into a padded buffer.
class InfoParser {
 public:
  explicit InfoParser(const common::InstrumentRegistry& registry) : registry_(registry) {}

  [[nodiscard]] common::Result<std::vector<AssetMeta>, CodecError> parse_meta(
      std::string_view json);
  [[nodiscard]] common::Result<MetaAndAssetCtxs, CodecError> parse_meta_and_asset_ctxs(
      std::string_view json);
  [[nodiscard]] common::Result<ClearinghouseState, CodecError> parse_clearinghouse_state(
      std::string_view json);
  // openOrders and frontendOpenOrders (the latter adds trigger/tif/orderType fields).
  [[nodiscard]] common::Result<std::vector<OpenOrderInfo>, CodecError> parse_open_orders(
      std::string_view json);
  [[nodiscard]] common::Result<OrderStatusInfo, CodecError> parse_order_status(
      std::string_view json);
  // userFills / userFillsByTime; fills of coins not in the registry are skipped and counted.
  // `twap_ids`, when given, receives each kept fill's twapId (0 = none), same index.
  [[nodiscard]] common::Result<std::vector<common::Fill>, CodecError> parse_user_fills(
      std::string_view json, std::vector<std::uint64_t>* twap_ids = nullptr);

  [[nodiscard]] std::uint64_t unknown_coins() const noexcept { return unknown_coins_; }

 private:
  const common::InstrumentRegistry& registry_;
  simdjson::ondemand::parser parser_;
  simdjson::padded_string input_;
  std::uint64_t unknown_coins_ = 0;
};

}  // namespace peregrine::gateways::hyperliquid
