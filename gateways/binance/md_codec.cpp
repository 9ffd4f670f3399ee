#include "gateways/binance/md_codec.hpp"

#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "gateways/json/simdjson_util.hpp"

namespace peregrine::gateways::binance {
namespace {

namespace od = simdjson::ondemand;
using common::Nanos;

constexpr std::uint64_t kMaxMillis =
    static_cast<std::uint64_t>(std::numeric_limits<Nanos>::max() / 1'000'000);

// Single writer: a relaxed load + store is enough and avoids a locked RMW on the hot path.
void bump(std::atomic<std::uint64_t>& c) noexcept {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

template <typename Tag>
MdError to_fixed(std::string_view s, common::Fixed<Tag>& out) noexcept {
  const auto r = common::Fixed<Tag>::parse(s);
  if (!r) return MdError::kBadDecimal;
  out = *r;
  return MdError::kOk;
}

// For a token inside the padded input frame: the padded parser may read kDecimalReadAhead bytes
// from its start, and the frame is followed by SIMDJSON_PADDING (64) readable bytes.
static_assert(common::kDecimalReadAhead <= simdjson::SIMDJSON_PADDING);
template <typename Tag>
MdError to_fixed_in_frame(std::string_view s, common::Fixed<Tag>& out) noexcept {
  const auto r = common::Fixed<Tag>::parse_padded(s);
  if (!r) return MdError::kBadDecimal;
  out = *r;
  return MdError::kOk;
}

MdError to_nanos(std::uint64_t ms, Nanos& ns) noexcept {
  if (ms > kMaxMillis) return MdError::kBadValue;
  ns = static_cast<Nanos>(ms) * 1'000'000;
  return MdError::kOk;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A decimal string's bytes straight from the input (no copy into simdjson's string buffer): the
// raw token is '"' digits '"' plus trailing spaces. An escape would be kept verbatim and then
// refused by Price::parse, which is right for a decimal.
MdError decimal_token(simdjson::simdjson_result<od::value> v, std::string_view& out) noexcept {
  std::string_view tok;
  PEREGRINE_JSON_SJ(MdError, v.raw_json_token().get(tok));
  while (!tok.empty() && is_space(tok.back())) tok.remove_suffix(1);
  if (tok.size() < 2 || tok.front() != '"' || tok.back() != '"') return MdError::kWrongType;
  out = tok.substr(1, tok.size() - 2);
  return MdError::kOk;
}

// One bit per field seen; the event type is decided from these after the walk.
enum FieldBit : std::uint32_t {
  kHasE = 1u << 0,           // "e"
  kHasEventTime = 1u << 1,   // "E"
  kHasTxnTime = 1u << 2,     // "T"
  kHasFirstId = 1u << 3,     // "U"
  kHasLastId = 1u << 4,      // "u"
  kHasPrevId = 1u << 5,      // "pu"
  kHasTradeId = 1u << 6,     // "t"
  kHasAggId = 1u << 7,       // "a" as a number (aggTrade)
  kHasMaker = 1u << 8,       // "m"
  kHasPrice = 1u << 9,       // "p"
  kHasQty = 1u << 10,        // "q"
  kHasBidStr = 1u << 11,     // "b" as a string (bookTicker)
  kHasBidQty = 1u << 12,     // "B"
  kHasAskStr = 1u << 13,     // "a" as a string (bookTicker)
  kHasAskQty = 1u << 14,     // "A"
  kHasBidLevels = 1u << 15,  // "b" / "bids" as an array
  kHasAskLevels = 1u << 16,  // "a" / "asks" as an array
  kHasLastUpdateId = 1u << 17,
  kHasSymbol = 1u << 18,          // "s" or "symbol"
  kHasResult = 1u << 19,          // "result" (control)
  kHasId = 1u << 20,              // "id" (control)
  kHasError = 1u << 21,           // "error" (control)
  kHasSnapshotLevels = 1u << 22,  // "bids"/"asks" (as opposed to "b"/"a")
};

constexpr std::uint32_t kDepthRequired =
    kHasEventTime | kHasFirstId | kHasLastId | kHasBidLevels | kHasAskLevels | kHasSymbol;
constexpr std::uint32_t kTradeRequired =
    kHasTradeId | kHasPrice | kHasQty | kHasTxnTime | kHasMaker | kHasSymbol;
constexpr std::uint32_t kAggTradeRequired =
    kHasAggId | kHasPrice | kHasQty | kHasTxnTime | kHasMaker | kHasSymbol;
constexpr std::uint32_t kTickerRequired =
    kHasLastId | kHasBidStr | kHasBidQty | kHasAskStr | kHasAskQty | kHasSymbol;
constexpr std::uint32_t kSnapshotRequired = kHasLastUpdateId | kHasBidLevels | kHasAskLevels;

}  // namespace

// Everything one walk collects; strings are views into the parser (valid for this parse only).
struct MdParser::Fields {
  std::uint32_t seen = 0;
  std::string_view e;
  std::string_view symbol;
  std::string_view price, qty;
  std::string_view bid, bid_qty, ask, ask_qty;
  std::uint64_t event_ms = 0, txn_ms = 0;
  std::uint64_t first_id = 0, last_id = 0, prev_id = 0;
  std::uint64_t trade_id = 0, agg_id = 0, last_update_id = 0;
  bool maker = false;
};

std::string_view to_string(MdError e) noexcept {
  switch (e) {
    case MdError::kOk:
      return "ok";
    case MdError::kEmpty:
      return "empty frame";
    case MdError::kNoPadding:
      return "input buffer lacks SIMDJSON_PADDING";
    case MdError::kTooLarge:
      return "frame too large";
    case MdError::kBadJson:
      return "malformed JSON";
    case MdError::kWrongType:
      return "field has the wrong JSON type";
    case MdError::kMissingField:
      return "required field missing";
    case MdError::kBadDecimal:
      return "bad decimal string";
    case MdError::kBadValue:
      return "value out of range";
    case MdError::kUnknownFrame:
      return "unrecognized frame";
    case MdError::kCapacity:
      return "frame exceeds output capacity";
  }
  return "unknown md error";
}

MdParser::MdParser(const SymbolTable& symbols)
    : symbols_(symbols),
      deltas_(new common::BookDelta[kMaxDeltas]),
      adds_(new common::BookDelta[kMaxDeltas]),
      copy_buf_(new char[kInitialCapacity + simdjson::SIMDJSON_PADDING]),
      copy_cap_(kInitialCapacity + simdjson::SIMDJSON_PADDING) {
  // Start-up allocation so that ordinary frames never grow the parser.
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

MdParser::~MdParser() = default;

void MdParser::clear_outputs() noexcept {
  zero_count_ = 0;
  add_count_ = 0;
  depth_ = DepthUpdate{};
  snapshot_ = DepthSnapshot{};
  stream_ = {};
  text_ = {};
}

common::Result<MdFrameKind, MdError> MdParser::fail(MdError e) noexcept {
  clear_outputs();
  bump(counters_.malformed);
  bump(counters_.by_error[static_cast<std::size_t>(e)]);
  return common::Unexpected{e};
}

common::Result<MdFrameKind, MdError> MdParser::run(simdjson::padded_string_view frame,
                                                   Nanos ts_recv, bool snapshot_only) noexcept {
  bump(counters_.frames);
  clear_outputs();
  MdFrameKind kind = MdFrameKind::kOther;
  if (const MdError e = dispatch(frame, ts_recv, kind); e != MdError::kOk) return fail(e);
  if (snapshot_only && kind != MdFrameKind::kSnapshot) return fail(MdError::kUnknownFrame);
  switch (kind) {
    case MdFrameKind::kDepth:
      bump(counters_.depth_frames);
      break;
    case MdFrameKind::kSnapshot:
      bump(counters_.snapshot_frames);
      break;
    case MdFrameKind::kTrade:
      bump(counters_.trade_frames);
      break;
    case MdFrameKind::kBookTicker:
      bump(counters_.book_ticker_frames);
      break;
    case MdFrameKind::kSubscriptionResponse:
      bump(counters_.control_frames);
      break;
    case MdFrameKind::kVenueError:
      bump(counters_.venue_errors);
      break;
    case MdFrameKind::kOther:
      bump(counters_.other_frames);
      break;
  }
  return kind;
}

common::Result<MdFrameKind, MdError> MdParser::parse(simdjson::padded_string_view frame,
                                                     Nanos ts_recv) noexcept {
  return run(frame, ts_recv, false);
}

const char* MdParser::pad(std::string_view in, MdError& err) noexcept {
  if (in.size() > kMaxFrameBytes) {
    err = MdError::kTooLarge;
    return nullptr;
  }
  const std::size_t need = in.size() + simdjson::SIMDJSON_PADDING;
  if (need > copy_cap_) {
    char* grown = new (std::nothrow) char[need];
    if (grown == nullptr) {
      err = MdError::kTooLarge;
      return nullptr;
    }
    copy_buf_.reset(grown);
    copy_cap_ = need;
  }
  if (!in.empty()) std::memcpy(copy_buf_.get(), in.data(), in.size());
  std::memset(copy_buf_.get() + in.size(), 0, simdjson::SIMDJSON_PADDING);
  err = MdError::kOk;
  return copy_buf_.get();
}

common::Result<MdFrameKind, MdError> MdParser::parse_unpadded(std::string_view frame,
                                                              Nanos ts_recv) noexcept {
  MdError err = MdError::kOk;
  const char* p = pad(frame, err);
  if (p == nullptr) {
    bump(counters_.frames);
    return fail(err);
  }
  return run(simdjson::padded_string_view(p, frame.size(), copy_cap_), ts_recv, false);
}

common::Result<MdFrameKind, MdError> MdParser::parse_snapshot_unpadded(
    std::string_view body, common::InstrumentId instrument, Nanos ts_recv) noexcept {
  MdError err = MdError::kOk;
  const char* p = pad(body, err);
  if (p == nullptr) {
    bump(counters_.frames);
    return fail(err);
  }
  auto r = run(simdjson::padded_string_view(p, body.size(), copy_cap_), ts_recv, true);
  if (!r) return r;
  snapshot_.instrument = instrument;
  for (std::size_t i = 0; i < zero_count_; ++i) deltas_[i].instrument = instrument;
  return r;
}

common::InstrumentId MdParser::resolve(std::string_view symbol) noexcept {
  if (!last_known_ || last_symbol_.view() != symbol) {
    last_known_ = last_symbol_.assign(symbol);
    last_id_ = symbols_.find(symbol);
  }
  if (!last_id_.valid()) bump(counters_.unknown_symbol);
  return last_id_;
}

MdError MdParser::dispatch(simdjson::padded_string_view frame, Nanos ts_recv,
                           MdFrameKind& kind) noexcept {
  std::size_t first = 0;
  while (first < frame.size() && is_space(frame.data()[first])) ++first;
  if (first == frame.size()) return MdError::kEmpty;
  if (frame.data()[first] != '{') return MdError::kBadJson;

  od::document doc;
  PEREGRINE_JSON_SJ(MdError, parser_.iterate(frame).get(doc));
  od::object root;
  PEREGRINE_JSON_SJ(MdError, doc.get_object().get(root));
  Fields fs;
  // Envelope {"stream":..,"data":{..}} and raw payloads share one walk: payload keys are never
  // "stream" or "data", so the root's other fields are handled as a raw payload.
  for (auto item : root) {
    od::field f;
    PEREGRINE_JSON_SJ(MdError, std::move(item).get(f));
    const od::raw_json_string key = f.key();
    if (key == "stream") {
      PEREGRINE_JSON_SJ(MdError, f.value().get_string().get(stream_));
    } else if (key == "data") {
      od::object data;
      PEREGRINE_JSON_SJ(MdError, f.value().get_object().get(data));
      for (auto data_item : data) {
        od::field df;
        PEREGRINE_JSON_SJ(MdError, std::move(data_item).get(df));
        PEREGRINE_JSON_TRY(on_field(df, fs));
      }
    } else {
      PEREGRINE_JSON_TRY(on_field(f, fs));
    }
  }
  return finish(fs, ts_recv, kind);
}

MdError MdParser::on_field(od::field& f, Fields& fs) noexcept {
  const od::raw_json_string key = f.key();
  od::value& v = f.value();
  // Most frequent keys first (depth, bookTicker and trade frames).
  if (key == "b" || key == "a" || key == "bids" || key == "asks") {
    const bool bid = key == "b" || key == "bids";
    od::json_type type;
    PEREGRINE_JSON_SJ(MdError, v.type().get(type));
    if (type == od::json_type::array) {
      if (key == "bids" || key == "asks") fs.seen |= kHasSnapshotLevels;
      fs.seen |= bid ? kHasBidLevels : kHasAskLevels;
      return stage_levels(v, bid ? common::BookSide::kBid : common::BookSide::kAsk);
    }
    if (key == "bids" || key == "asks") return MdError::kWrongType;
    if (type == od::json_type::string) {
      PEREGRINE_JSON_SJ(MdError, v.get_string().get(bid ? fs.bid : fs.ask));
      fs.seen |= bid ? kHasBidStr : kHasAskStr;
      return MdError::kOk;
    }
    if (!bid && type == od::json_type::number) {
      PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(fs.agg_id));
      fs.seen |= kHasAggId;
      return MdError::kOk;
    }
    return MdError::kWrongType;
  }
  if (key == "u") {
    PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(fs.last_id));
    fs.seen |= kHasLastId;
  } else if (key == "U") {
    PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(fs.first_id));
    fs.seen |= kHasFirstId;
  } else if (key == "pu") {
    PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(fs.prev_id));
    fs.seen |= kHasPrevId;
  } else if (key == "E") {
    PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(fs.event_ms));
    fs.seen |= kHasEventTime;
  } else if (key == "T") {
    PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(fs.txn_ms));
    fs.seen |= kHasTxnTime;
  } else if (key == "e") {
    PEREGRINE_JSON_SJ(MdError, v.get_string().get(fs.e));
    fs.seen |= kHasE;
  } else if (key == "s" || key == "symbol") {
    PEREGRINE_JSON_SJ(MdError, v.get_string().get(fs.symbol));
    fs.seen |= kHasSymbol;
  } else if (key == "B") {
    PEREGRINE_JSON_SJ(MdError, v.get_string().get(fs.bid_qty));
    fs.seen |= kHasBidQty;
  } else if (key == "A") {
    PEREGRINE_JSON_SJ(MdError, v.get_string().get(fs.ask_qty));
    fs.seen |= kHasAskQty;
  } else if (key == "p") {
    PEREGRINE_JSON_SJ(MdError, v.get_string().get(fs.price));
    fs.seen |= kHasPrice;
  } else if (key == "q") {
    PEREGRINE_JSON_SJ(MdError, v.get_string().get(fs.qty));
    fs.seen |= kHasQty;
  } else if (key == "t") {
    PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(fs.trade_id));
    fs.seen |= kHasTradeId;
  } else if (key == "m") {
    PEREGRINE_JSON_SJ(MdError, v.get_bool().get(fs.maker));
    fs.seen |= kHasMaker;
  } else if (key == "lastUpdateId") {
    PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(fs.last_update_id));
    fs.seen |= kHasLastUpdateId;
  } else if (key == "result") {
    fs.seen |= kHasResult;
  } else if (key == "id") {
    fs.seen |= kHasId;
  } else if (key == "error") {
    fs.seen |= kHasError;
    od::object err;
    PEREGRINE_JSON_SJ(MdError, v.get_object().get(err));
    for (auto item : err) {
      od::field ef;
      PEREGRINE_JSON_SJ(MdError, std::move(item).get(ef));
      if (ef.key() == "msg") PEREGRINE_JSON_SJ(MdError, ef.value().get_string().get(text_));
    }
  }
  return MdError::kOk;
}

// [[price, qty], ...]: deletions into deltas_, everything else into adds_.
MdError MdParser::stage_levels(od::value& v, common::BookSide side) noexcept {
  od::array levels;
  PEREGRINE_JSON_SJ(MdError, v.get_array().get(levels));
  for (auto level_item : levels) {
    od::array pair;
    PEREGRINE_JSON_SJ(MdError, level_item.get_array().get(pair));
    std::string_view px;
    std::string_view qty;
    std::size_t n = 0;
    for (auto x : pair) {
      std::string_view s;
      PEREGRINE_JSON_TRY(decimal_token(x, s));
      if (n == 0) {
        px = s;
      } else if (n == 1) {
        qty = s;
      }
      ++n;
    }
    if (n != 2) return MdError::kBadValue;
    if (zero_count_ + add_count_ >= kMaxDeltas) return MdError::kCapacity;
    common::Price price;
    common::Qty q;
    // Views into the input (decimal_token): both plain decimals in one SIMD pass, else one by
    // one (same results; every error path).
    std::int64_t raw_px = 0;
    std::int64_t raw_qty = 0;
    if (common::detail::parse_plain_pair_padded(px, qty, raw_px, raw_qty)) [[likely]] {
      price = common::Price::from_raw(raw_px);
      q = common::Qty::from_raw(raw_qty);
    } else {
      PEREGRINE_JSON_TRY(to_fixed_in_frame(px, price));
      PEREGRINE_JSON_TRY(to_fixed_in_frame(qty, q));
    }
    if (!price.is_positive() || q.is_negative()) return MdError::kBadValue;
    // Written in place (no temporary BookDelta): finish_*() stamps the remaining fields.
    common::BookDelta& d = q.is_zero() ? deltas_[zero_count_++] : adds_[add_count_++];
    d.price = price;
    d.qty = q;
    d.side = side;
  }
  return MdError::kOk;
}

MdError MdParser::finish(Fields& fs, Nanos ts_recv, MdFrameKind& kind) noexcept {
  const std::uint32_t seen = fs.seen;
  const bool has_levels = (seen & (kHasBidLevels | kHasAskLevels)) != 0;
  if ((seen & kHasE) != 0) {
    if (fs.e == "depthUpdate") {
      if ((seen & kDepthRequired) != kDepthRequired) return MdError::kMissingField;
      kind = MdFrameKind::kDepth;
      return finish_depth(fs, ts_recv);
    }
    if (has_levels) return MdError::kWrongType;  // levels on a non-depth event
    if (fs.e == "trade" || fs.e == "aggTrade") {
      const bool agg = fs.e == "aggTrade";
      const std::uint32_t need = agg ? kAggTradeRequired : kTradeRequired;
      if ((seen & need) != need) return MdError::kMissingField;
      common::Trade t;
      PEREGRINE_JSON_TRY(to_fixed(fs.price, t.price));
      PEREGRINE_JSON_TRY(to_fixed(fs.qty, t.qty));
      if (!t.price.is_positive() || t.qty.is_negative()) return MdError::kBadValue;
      PEREGRINE_JSON_TRY(to_nanos(fs.txn_ms, t.ts_venue));
      t.ts_recv = ts_recv;
      t.trade_id = agg ? fs.agg_id : fs.trade_id;
      t.venue_seq = t.trade_id;
      t.venue = common::VenueId::kBinance;
      t.aggressor = fs.maker ? common::Side::kSell : common::Side::kBuy;
      t.instrument = resolve(fs.symbol);
      trade_ = t;
      kind = MdFrameKind::kTrade;
      return MdError::kOk;
    }
    if (fs.e == "bookTicker") {
      if ((seen & kTickerRequired) != kTickerRequired) return MdError::kMissingField;
    } else {
      text_ = fs.e;
      kind = MdFrameKind::kOther;
      return MdError::kOk;
    }
  } else if ((seen & kHasLastUpdateId) != 0) {
    if ((seen & kSnapshotRequired) != kSnapshotRequired) return MdError::kMissingField;
    kind = MdFrameKind::kSnapshot;
    return finish_snapshot(fs, ts_recv);
  } else if ((seen & kTickerRequired) == kTickerRequired) {
    // Spot bookTicker: no "e".
  } else if ((seen & kHasError) != 0) {
    kind = MdFrameKind::kVenueError;
    return MdError::kOk;
  } else if ((seen & (kHasResult | kHasId)) == (kHasResult | kHasId)) {
    kind = MdFrameKind::kSubscriptionResponse;
    return MdError::kOk;
  } else {
    return MdError::kUnknownFrame;
  }
  // bookTicker
  if (has_levels) return MdError::kWrongType;
  BookTicker bt;
  PEREGRINE_JSON_TRY(to_fixed(fs.bid, bt.bid_price));
  PEREGRINE_JSON_TRY(to_fixed(fs.bid_qty, bt.bid_qty));
  PEREGRINE_JSON_TRY(to_fixed(fs.ask, bt.ask_price));
  PEREGRINE_JSON_TRY(to_fixed(fs.ask_qty, bt.ask_qty));
  if (bt.bid_price.is_negative() || bt.ask_price.is_negative() || bt.bid_qty.is_negative() ||
      bt.ask_qty.is_negative()) {
    return MdError::kBadValue;
  }
  if ((seen & kHasEventTime) != 0) PEREGRINE_JSON_TRY(to_nanos(fs.event_ms, bt.ts_venue));
  bt.ts_recv = ts_recv;
  bt.venue_seq = fs.last_id;
  bt.instrument = resolve(fs.symbol);
  ticker_ = bt;
  kind = MdFrameKind::kBookTicker;
  return MdError::kOk;
}

MdError MdParser::finish_depth(Fields& fs, Nanos ts_recv) noexcept {
  if ((fs.seen & kHasSnapshotLevels) != 0) return MdError::kWrongType;
  if (fs.first_id > fs.last_id) return MdError::kBadValue;
  DepthUpdate d;
  PEREGRINE_JSON_TRY(to_nanos(fs.event_ms, d.ts_venue));
  if ((fs.seen & kHasTxnTime) != 0) PEREGRINE_JSON_TRY(to_nanos(fs.txn_ms, d.ts_txn));
  d.first_id = fs.first_id;
  d.last_id = fs.last_id;
  d.prev_last_id = fs.prev_id;
  d.has_prev = (fs.seen & kHasPrevId) != 0;
  d.ts_recv = ts_recv;
  d.instrument = resolve(fs.symbol);
  if (add_count_ != 0) {
    std::memcpy(static_cast<void*>(deltas_.get() + zero_count_), adds_.get(),
                add_count_ * sizeof(common::BookDelta));
  }
  const std::size_t n = zero_count_ + add_count_;
  for (std::size_t i = 0; i < n; ++i) {
    common::BookDelta& bd = deltas_[i];
    bd.ts_venue = d.ts_venue;
    bd.ts_recv = ts_recv;
    bd.venue_seq = d.last_id;
    bd.instrument = d.instrument;
    bd.venue = common::VenueId::kBinance;
    bd.flags = 0;
  }
  if (n != 0) deltas_[n - 1].flags = common::book_flags::kEndOfBatch;
  zero_count_ = n;
  add_count_ = 0;
  d.deltas = {deltas_.get(), n};
  depth_ = d;
  return MdError::kOk;
}

MdError MdParser::finish_snapshot(Fields& fs, Nanos ts_recv) noexcept {
  if ((fs.seen & kHasSnapshotLevels) == 0) return MdError::kMissingField;
  DepthSnapshot s;
  if ((fs.seen & kHasEventTime) != 0) PEREGRINE_JSON_TRY(to_nanos(fs.event_ms, s.ts_venue));
  if ((fs.seen & kHasTxnTime) != 0) PEREGRINE_JSON_TRY(to_nanos(fs.txn_ms, s.ts_txn));
  s.last_update_id = fs.last_update_id;
  s.ts_recv = ts_recv;
  s.instrument = (fs.seen & kHasSymbol) != 0 ? resolve(fs.symbol) : common::InstrumentId{};
  // A snapshot has no deletions; a zero level (never sent) stays a harmless missing delete.
  // Levels go out WORST first on each side (bids, then asks): the venue sends best first, and
  // L2Book keeps the best level at the end of its vector, so worst-first builds the book by
  // appending (O(n)) where best-first would shift every level on every insert (O(n^2)).
  std::size_t n = zero_count_;
  for (const common::BookSide side : {common::BookSide::kBid, common::BookSide::kAsk}) {
    for (std::size_t i = add_count_; i-- > 0;) {
      if (adds_[i].side == side) deltas_[n++] = adds_[i];
    }
  }
  if (n == 0) {
    deltas_[0] = common::BookDelta{};
    n = 1;
  }
  for (std::size_t i = 0; i < n; ++i) {
    common::BookDelta& bd = deltas_[i];
    bd.ts_venue = s.ts_venue;
    bd.ts_recv = ts_recv;
    bd.venue_seq = s.last_update_id;
    bd.instrument = s.instrument;
    bd.venue = common::VenueId::kBinance;
    bd.flags = 0;
  }
  deltas_[0].flags |= common::book_flags::kSnapshotBegin;
  deltas_[n - 1].flags |= common::book_flags::kSnapshotEnd | common::book_flags::kEndOfBatch;
  zero_count_ = n;
  add_count_ = 0;
  s.deltas = {deltas_.get(), n};
  snapshot_ = s;
  return MdError::kOk;
}

}  // namespace peregrine::gateways::binance
