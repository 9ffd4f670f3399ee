#include "gateways/hyperliquid/md_codec.hpp"

#include <cstring>
#include <new>

namespace peregrine::gateways::hyperliquid {

using common::Nanos;
using namespace detail;  // NOLINT: this venue's JSON helpers

// Early return on the first problem. A range-for (not if-init) so nested uses inside lambdas
// passed to each_field do not shadow each other.
#define PEREGRINE_HL_TRY(expr)                                 \
  for (const CodecError peregrine_hl_e : {CodecError{expr}}) { \
    if (peregrine_hl_e != kOk) return peregrine_hl_e;          \
  }

namespace detail {

CodecError map_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS:
      return CodecError::kOk;
    case simdjson::INCORRECT_TYPE:
      return CodecError::kWrongType;
    case simdjson::NO_SUCH_FIELD:
      return CodecError::kMissingField;
    case simdjson::INSUFFICIENT_PADDING:
      return CodecError::kNoPadding;
    case simdjson::EMPTY:
      return CodecError::kEmpty;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return CodecError::kBadValue;
    default:
      return CodecError::kBadJson;
  }
}

CodecError classify(std::string_view text, bool* hello) noexcept {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return CodecError::kEmpty;
  if (text[first] == '{' || text[first] == '[') return kOk;
  if (hello != nullptr) *hello = text.substr(first).starts_with(kHelloFrame);
  return CodecError::kNotJson;
}

bool PaddedCopy::assign(std::string_view in, std::size_t max_bytes) noexcept {
  const std::size_t need = in.size() + simdjson::SIMDJSON_PADDING;
  if (in.size() > max_bytes) return false;
  if (need > cap_) {
    char* grown = new (std::nothrow) char[need];
    if (grown == nullptr) return false;
    buf_.reset(grown);
    cap_ = need;
  }
  if (!in.empty()) std::memcpy(buf_.get(), in.data(), in.size());
  std::memset(buf_.get() + in.size(), 0, simdjson::SIMDJSON_PADDING);
  len_ = in.size();
  return true;
}

}  // namespace detail

std::string_view to_string(CodecError e) noexcept {
  constexpr std::array<std::string_view, kCodecErrorCount> kNames = {
      "ok",
      "empty input",
      "not JSON",
      "input buffer lacks SIMDJSON_PADDING",
      "input too large",
      "malformed JSON",
      "field has the wrong JSON type",
      "required field missing",
      "bad decimal string",
      "unexpected value",
      "unknown channel",
      "input exceeds output capacity"};
  const auto i = static_cast<std::size_t>(e);
  return i < kNames.size() ? kNames[i] : "unknown codec error";
}

namespace {

struct Level {
  common::Price px;
  common::Qty sz;
  std::uint32_t n = 0;
};

// {"px","sz","n"} in any key order; unknown keys are skipped.
CodecError parse_level(od::value& v, Level& out) noexcept {
  unsigned seen = 0;
  std::uint64_t n = 0;
  PEREGRINE_HL_TRY(each_field(v, [&](Key k, od::value& val) {
    if (k == "px") return mark(seen, 1u, get_fixed(val, out.px));
    if (k == "sz") return mark(seen, 2u, get_fixed(val, out.sz));
    if (k == "n") return get_u64(val, n);
    return kOk;
  }));
  if (seen != 3u) return CodecError::kMissingField;
  if (!out.px.is_positive() || out.sz.is_negative()) return CodecError::kBadValue;
  constexpr std::uint64_t kMaxN = std::numeric_limits<std::uint32_t>::max();
  out.n = static_cast<std::uint32_t>(n < kMaxN ? n : kMaxN);
  return kOk;
}

}  // namespace

MdParser::MdParser(const common::InstrumentRegistry& registry)
    : registry_(registry), events_(new common::MdEvent[kMaxEvents]), mids_(new Mid[kMaxMids]) {
  // Start-up allocation so that ordinary frames never grow the parser.
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

MdParser::~MdParser() = default;

void MdParser::clear_outputs() noexcept {
  event_count_ = 0;
  mid_count_ = 0;
  bbo_ = Bbo{};
  subscription_ = SubscriptionAck{};
  venue_error_ = {};
}

common::Result<MdFrameKind, CodecError> MdParser::fail(CodecError e) noexcept {
  clear_outputs();
  bump(counters_.malformed);
  bump(counters_.by_error[static_cast<std::size_t>(e)]);
  return common::Unexpected{e};
}

common::Result<MdFrameKind, CodecError> MdParser::parse(simdjson::padded_string_view frame,
                                                        Nanos ts_recv) noexcept {
  bump(counters_.frames);
  clear_outputs();
  MdFrameKind kind = MdFrameKind::kPong;
  if (const CodecError e = dispatch(frame, ts_recv, kind); e != kOk) return fail(e);
  switch (kind) {
    case MdFrameKind::kBook:
      bump(counters_.book_frames);
      break;
    case MdFrameKind::kTrades:
      bump(counters_.trade_frames);
      break;
    case MdFrameKind::kBbo:
      bump(counters_.bbo_frames);
      break;
    case MdFrameKind::kAllMids:
      bump(counters_.mid_frames);
      break;
    case MdFrameKind::kVenueError:
      bump(counters_.venue_errors);
      break;
    case MdFrameKind::kSubscriptionResponse:
    case MdFrameKind::kPong:
    case MdFrameKind::kHello:
      bump(counters_.control_frames);
      break;
  }
  return kind;
}

common::Result<MdFrameKind, CodecError> MdParser::parse_unpadded(std::string_view frame,
                                                                 Nanos ts_recv) noexcept {
  if (!copy_.assign(frame, kMaxFrameBytes)) {
    bump(counters_.frames);
    return fail(CodecError::kTooLarge);
  }
  return parse(copy_.view(), ts_recv);
}

CodecError MdParser::dispatch(simdjson::padded_string_view frame, Nanos ts_recv,
                              MdFrameKind& kind) noexcept {
  bool hello = false;
  if (const CodecError e = classify({frame.data(), frame.size()}, &hello); e != kOk) {
    kind = MdFrameKind::kHello;  // HL greets every connection with one plain-text frame
    return hello ? kOk : e;
  }
  od::document doc;
  PEREGRINE_HL_TRY(sj(parser_.iterate(frame).get(doc)));
  od::object root;
  PEREGRINE_HL_TRY(sj(doc.get_object().get(root)));
  std::string_view channel;
  PEREGRINE_HL_TRY(sj(root.find_field_unordered("channel").get_string().get(channel)));
  if (channel == "pong") {
    kind = MdFrameKind::kPong;
    return kOk;
  }
  od::value data;
  PEREGRINE_HL_TRY(sj(root.find_field_unordered("data").get(data)));
  if (channel == "l2Book") {
    kind = MdFrameKind::kBook;
    return parse_book(data, ts_recv);
  }
  if (channel == "trades") {
    kind = MdFrameKind::kTrades;
    return parse_trades(data, ts_recv);
  }
  if (channel == "bbo") {
    kind = MdFrameKind::kBbo;
    return parse_bbo(data, ts_recv);
  }
  if (channel == "allMids") {
    kind = MdFrameKind::kAllMids;
    return parse_mids(data);
  }
  if (channel == "subscriptionResponse") {
    kind = MdFrameKind::kSubscriptionResponse;
    return parse_subscription(data);
  }
  if (channel == "error") {
    kind = MdFrameKind::kVenueError;
    return get_str(data, venue_error_);
  }
  return CodecError::kUnknownChannel;
}

// levels = [[bid...], [ask...]]; stages BookDeltas with price/qty/side only.
CodecError MdParser::stage_levels(od::value& levels) noexcept {
  event_count_ = 0;  // a repeated "levels" key replaces, never appends
  std::size_t side_index = 0;
  PEREGRINE_HL_TRY(each_element(levels, [&](od::value& side_levels) {
    if (side_index >= 2) return CodecError::kMissingField;
    const auto side = side_index++ == 0 ? common::BookSide::kBid : common::BookSide::kAsk;
    return each_element(side_levels, [&](od::value& level_value) {
      Level level;
      PEREGRINE_HL_TRY(parse_level(level_value, level));
      if (event_count_ >= kMaxEvents) return CodecError::kCapacity;
      common::BookDelta d;
      d.price = level.px;
      d.qty = level.sz;
      d.side = side;
      events_[event_count_++] = common::MdEvent(d);
      return kOk;
    });
  }));
  return side_index == 2 ? kOk : CodecError::kMissingField;
}

// {"coin","time","levels":[[bids],[asks]]} in any key order; a full snapshot every push.
CodecError MdParser::parse_book(od::value& data, Nanos ts_recv) noexcept {
  std::string_view coin;
  std::uint64_t ms = 0;
  Nanos ts_venue = 0;
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(data, [&](Key k, od::value& val) {
    if (k == "coin") return mark(seen, 1u, get_str(val, coin));
    if (k == "time") return mark(seen, 2u, get_millis(val, ms, ts_venue));
    if (k == "levels") return mark(seen, 4u, stage_levels(val));
    return kOk;
  }));
  if (seen != 7u) return CodecError::kMissingField;

  const common::InstrumentId id = registry_.find(common::VenueId::kHyperliquid, coin);
  if (!id.valid()) {
    bump(counters_.unknown_coin);
    event_count_ = 0;
    return kOk;
  }
  if (event_count_ == 0) {
    // An empty book still has to clear the consumer's copy: one no-op delete carrying all flags.
    events_[event_count_++] = common::MdEvent(common::BookDelta{});
  }
  for (std::size_t i = 0; i < event_count_; ++i) {
    common::BookDelta& d = events_[i].delta;
    d.ts_venue = ts_venue;
    d.ts_recv = ts_recv;
    d.venue_seq = ms;
    d.instrument = id;
    d.venue = common::VenueId::kHyperliquid;
    d.flags = 0;
  }
  events_[0].delta.flags |= common::book_flags::kSnapshotBegin;
  events_[event_count_ - 1].delta.flags |=
      common::book_flags::kSnapshotEnd | common::book_flags::kEndOfBatch;
  return kOk;
}

// [{"coin","side","px","sz","time","tid","hash","users"}, ...]
CodecError MdParser::parse_trades(od::value& data, Nanos ts_recv) noexcept {
  CoinCache coins{registry_};
  return each_element(data, [&](od::value& trade) {
    common::Trade t;
    std::string_view coin;
    std::uint64_t ms = 0;
    unsigned seen = 0;
    PEREGRINE_HL_TRY(each_field(trade, [&](Key k, od::value& val) {
      if (k == "coin") return mark(seen, 1u, get_str(val, coin));
      if (k == "side") return mark(seen, 2u, get_side(val, t.aggressor));
      if (k == "px") return mark(seen, 4u, get_fixed(val, t.price));
      if (k == "sz") return mark(seen, 8u, get_fixed(val, t.qty));
      if (k == "time") return mark(seen, 16u, get_millis(val, ms, t.ts_venue));
      if (k == "tid") return mark(seen, 32u, get_u64(val, t.trade_id));
      return kOk;
    }));
    if (seen != 63u) return CodecError::kMissingField;
    if (!t.price.is_positive() || !t.qty.is_positive()) return CodecError::kBadValue;
    t.instrument = coins.find(coin);
    if (!t.instrument.valid()) {
      bump(counters_.unknown_coin);
      return kOk;
    }
    if (event_count_ >= kMaxEvents) return CodecError::kCapacity;
    t.ts_recv = ts_recv;
    t.venue_seq = ms;
    t.venue = common::VenueId::kHyperliquid;
    events_[event_count_++] = common::MdEvent(t);
    return kOk;
  });
}

// {"coin","time","bbo":[bid|null, ask|null]}
CodecError MdParser::parse_bbo(od::value& data, Nanos ts_recv) noexcept {
  std::string_view coin;
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(data, [&](Key k, od::value& val) {
    if (k == "coin") return mark(seen, 1u, get_str(val, coin));
    if (k == "time") return mark(seen, 2u, get_millis(val, bbo_.venue_seq, bbo_.ts_venue));
    if (k != "bbo") return kOk;
    std::size_t side_index = 0;
    bbo_.has_bid = bbo_.has_ask = false;
    PEREGRINE_HL_TRY(each_element(val, [&](od::value& v) {
      if (side_index >= 2) return CodecError::kMissingField;
      const bool bid = side_index++ == 0;
      bool is_null = false;
      PEREGRINE_HL_TRY(sj(v.is_null().get(is_null)));
      if (is_null) return kOk;
      Level level;
      PEREGRINE_HL_TRY(parse_level(v, level));
      (bid ? bbo_.bid_price : bbo_.ask_price) = level.px;
      (bid ? bbo_.bid_qty : bbo_.ask_qty) = level.sz;
      (bid ? bbo_.bid_orders : bbo_.ask_orders) = level.n;
      (bid ? bbo_.has_bid : bbo_.has_ask) = true;
      return kOk;
    }));
    return mark(seen, 4u, side_index == 2 ? kOk : CodecError::kMissingField);
  }));
  if (seen != 7u) return CodecError::kMissingField;
  bbo_.ts_recv = ts_recv;
  bbo_.instrument = registry_.find(common::VenueId::kHyperliquid, coin);
  if (!bbo_.instrument.valid()) bump(counters_.unknown_coin);
  return kOk;
}

// {"mids":{"BTC":"105055.5",...}}
CodecError MdParser::parse_mids(od::value& data) noexcept {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(data, [&](Key k, od::value& val) {
    if (k != "mids") return kOk;
    mid_count_ = 0;
    od::object mids;
    PEREGRINE_HL_TRY(sj(val.get_object().get(mids)));
    for (auto item : mids) {
      od::field m;
      PEREGRINE_HL_TRY(sj(std::move(item).get(m)));
      if (mid_count_ >= kMaxMids) return CodecError::kCapacity;
      Mid& out = mids_[mid_count_];
      PEREGRINE_HL_TRY(sj(m.unescaped_key().get(out.coin)));  // coin names may be escaped
      PEREGRINE_HL_TRY(get_fixed(m.value(), out.price));
      out.instrument = registry_.find(common::VenueId::kHyperliquid, out.coin);
      ++mid_count_;
    }
    seen = 1u;
    return kOk;
  }));
  return seen == 1u ? kOk : CodecError::kMissingField;
}

// {"method":"subscribe","subscription":{"type":..,"coin"?:..}}
CodecError MdParser::parse_subscription(od::value& data) noexcept {
  unsigned seen = 0;
  PEREGRINE_HL_TRY(each_field(data, [&](Key k, od::value& val) {
    if (k == "method") return mark(seen, 1u, get_str(val, subscription_.method));
    if (k != "subscription") return kOk;
    return each_field(val, [&](Key sk, od::value& sv) {
      if (sk == "type") return get_str(sv, subscription_.type);
      if (sk == "coin") return get_str(sv, subscription_.coin);
      return kOk;
    });
  }));
  return seen == 1u ? kOk : CodecError::kMissingField;
}

#undef PEREGRINE_HL_TRY

}  // namespace peregrine::gateways::hyperliquid
