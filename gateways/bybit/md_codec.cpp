#include "gateways/bybit/md_codec.hpp"

#include <cstring>
#include <new>
#include <utility>

#include "gateways/bybit/wire.hpp"
#include "gateways/json/simdjson_util.hpp"

namespace peregrine::gateways::bybit {
namespace {

namespace od = simdjson::ondemand;
using common::Nanos;
using detail::bump;

template <typename Tag>
MdError get_fixed(od::value& v, common::Fixed<Tag>& out) noexcept {
  std::string_view s;
  PEREGRINE_JSON_SJ(MdError, v.get_string().get(s));
  const auto r = common::Fixed<Tag>::parse(s);
  if (!r) return MdError::kBadDecimal;
  out = *r;
  return MdError::kOk;
}

MdError get_millis(od::value& v, std::uint64_t& ms, Nanos& ns) noexcept {
  PEREGRINE_JSON_SJ(MdError, v.get_uint64().get(ms));
  if (ms > detail::kMaxMillis) return MdError::kBadValue;
  ns = static_cast<Nanos>(ms) * 1'000'000;
  return MdError::kOk;
}

}  // namespace

std::string_view to_string(MdError e) noexcept {
  switch (e) {
    case MdError::kOk:
      return "ok";
    case MdError::kEmpty:
      return "empty frame";
    case MdError::kNotJson:
      return "not a JSON object";
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
    case MdError::kBadTopic:
      return "malformed or missing topic";
    case MdError::kCapacity:
      return "frame exceeds output capacity";
  }
  return "unknown md error";
}

Topic parse_topic(std::string_view topic) noexcept {
  Topic t;
  constexpr std::string_view kBook = "orderbook.";
  constexpr std::string_view kTrade = "publicTrade.";
  if (topic.starts_with(kBook)) {
    std::string_view rest = topic.substr(kBook.size());
    std::uint32_t depth = 0;
    std::size_t i = 0;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9' && i < 6) {
      depth = depth * 10 + static_cast<std::uint32_t>(rest[i] - '0');
      ++i;
    }
    if (i == 0 || depth == 0 || i >= rest.size() || rest[i] != '.' || i + 1 == rest.size()) {
      return t;
    }
    t.kind = TopicKind::kOrderbook;
    t.depth = depth;
    t.symbol = rest.substr(i + 1);
    return t;
  }
  if (topic.starts_with(kTrade)) {
    if (topic.size() == kTrade.size()) return t;
    t.kind = TopicKind::kPublicTrade;
    t.symbol = topic.substr(kTrade.size());
    return t;
  }
  if (!topic.empty()) t.kind = TopicKind::kOther;
  return t;
}

std::size_t write_subscription(std::string_view op, std::span<const std::string_view> topics,
                               std::string_view req_id, char* out, std::size_t cap) noexcept {
  const auto json_safe = [](std::string_view s) {
    for (const char c : s) {
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    }
    return true;
  };
  if (!json_safe(op) || !json_safe(req_id)) return 0;
  detail::TextSink sink(out, cap);
  sink.put('{');
  if (!req_id.empty()) {
    sink.put("\"req_id\":\"");
    sink.put(req_id);
    sink.put("\",");
  }
  sink.put("\"op\":\"");
  sink.put(op);
  sink.put("\",\"args\":[");
  for (std::size_t i = 0; i < topics.size(); ++i) {
    if (!json_safe(topics[i])) return 0;
    if (i != 0) sink.put(',');
    sink.put('"');
    sink.put(topics[i]);
    sink.put('"');
  }
  sink.put("]}");
  return sink.overflow() ? 0 : sink.size();
}

MdParser::MdParser(const SymbolTable& symbols)
    : symbols_(symbols),
      sync_(new BookSync[SymbolTable::kCapacity]),
      depth_(new std::uint32_t[SymbolTable::kCapacity]()),
      events_(new common::MdEvent[kMaxEvents]),
      scratch_(new common::MdEvent[kMaxEvents]),
      copy_buf_(new char[kInitialCapacity + simdjson::SIMDJSON_PADDING]),
      copy_cap_(kInitialCapacity + simdjson::SIMDJSON_PADDING) {
  // Start-up allocation so that ordinary frames never grow the parser.
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

MdParser::~MdParser() = default;

void MdParser::reset_all() noexcept {
  for (std::size_t i = 0; i < SymbolTable::kCapacity; ++i) sync_[i].reset();
}

void MdParser::clear_outputs() noexcept {
  event_count_ = 0;
  book_ = BookFrame{};
  control_ = ControlFrame{};
}

common::Result<MdFrameKind, MdError> MdParser::fail(MdError e) noexcept {
  clear_outputs();
  bump(counters_.malformed);
  bump(counters_.by_error[static_cast<std::size_t>(e)]);
  return common::Unexpected{e};
}

common::Result<MdFrameKind, MdError> MdParser::parse(simdjson::padded_string_view frame,
                                                     Nanos ts_recv) noexcept {
  bump(counters_.frames);
  clear_outputs();
  MdFrameKind kind = MdFrameKind::kOther;
  if (const MdError e = dispatch(frame, ts_recv, kind); e != MdError::kOk) return fail(e);
  switch (kind) {
    case MdFrameKind::kBook:
      bump(counters_.book_frames);
      break;
    case MdFrameKind::kTrades:
      bump(counters_.trade_frames);
      break;
    case MdFrameKind::kSubscription:
    case MdFrameKind::kPong:
      bump(counters_.control_frames);
      if (!control_.success) bump(counters_.venue_errors);
      break;
    case MdFrameKind::kOther:
      bump(counters_.other_frames);
      break;
  }
  return kind;
}

common::Result<MdFrameKind, MdError> MdParser::parse_unpadded(std::string_view frame,
                                                              Nanos ts_recv) noexcept {
  if (frame.size() > kMaxFrameBytes) {
    bump(counters_.frames);
    return fail(MdError::kTooLarge);
  }
  const std::size_t need = frame.size() + simdjson::SIMDJSON_PADDING;
  if (need > copy_cap_) {
    char* grown = new (std::nothrow) char[need];
    if (grown == nullptr) {
      bump(counters_.frames);
      return fail(MdError::kTooLarge);
    }
    copy_buf_.reset(grown);
    copy_cap_ = need;
  }
  if (!frame.empty()) std::memcpy(copy_buf_.get(), frame.data(), frame.size());
  std::memset(copy_buf_.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
  return parse(simdjson::padded_string_view(copy_buf_.get(), frame.size(), copy_cap_), ts_recv);
}

int MdParser::lookup(std::string_view symbol) noexcept {
  int index = symbols_.find(symbol);
  if (index == SymbolTable::kNotFound && auto_bind_ &&
      symbols_.bind(symbol, common::InstrumentId{next_auto_id_})) {
    ++next_auto_id_;
    index = static_cast<int>(symbols_.size() - 1);
  }
  return index;
}

MdError MdParser::dispatch(simdjson::padded_string_view frame, Nanos ts_recv,
                           MdFrameKind& kind) noexcept {
  const std::string_view text(frame.data(), frame.size());
  std::size_t first = 0;
  while (first < text.size() && detail::is_space(text[first])) ++first;
  if (first == text.size()) return MdError::kEmpty;
  if (text[first] != '{') return MdError::kNotJson;

  od::document doc;
  PEREGRINE_JSON_SJ(MdError, parser_.iterate(frame).get(doc));
  od::object root;
  PEREGRINE_JSON_SJ(MdError, doc.get_object().get(root));

  // The topic decides how `data` is read, and Bybit does not promise key order, so look it up
  // first (it is the first key in every frame seen) and then walk the object once from the top.
  std::string_view topic_text;
  const simdjson::error_code topic_err =
      root.find_field_unordered("topic").get_string().get(topic_text);
  // Any other error (a syntax error met while scanning) leaves the iterator unusable: stop
  // before rewinding it (found by the mutation fuzzer).
  if (topic_err != simdjson::SUCCESS && topic_err != simdjson::NO_SUCH_FIELD) {
    return json::from_simdjson<MdError>(topic_err);
  }
  if (!doc.is_alive()) return MdError::kBadJson;
  bool rewound = false;
  PEREGRINE_JSON_SJ(MdError, root.reset().get(rewound));

  if (topic_err == simdjson::NO_SUCH_FIELD) {
    bool has_op = false;
    for (auto item : root) {
      od::field f;
      PEREGRINE_JSON_SJ(MdError, std::move(item).get(f));
      const od::raw_json_string key = f.key();
      if (key == "op") {
        PEREGRINE_JSON_SJ(MdError, f.value().get_string().get(control_.op));
        has_op = true;
      } else if (key == "success") {
        PEREGRINE_JSON_SJ(MdError, f.value().get_bool().get(control_.success));
      } else if (key == "ret_msg") {
        PEREGRINE_JSON_SJ(MdError, f.value().get_string().get(control_.ret_msg));
      } else if (key == "conn_id") {
        PEREGRINE_JSON_SJ(MdError, f.value().get_string().get(control_.conn_id));
      } else if (key == "req_id") {
        PEREGRINE_JSON_SJ(MdError, f.value().get_string().get(control_.req_id));
      }
    }
    if (!detail::at_end(doc)) return MdError::kBadJson;
    if (!has_op) return MdError::kBadTopic;
    kind = (control_.op == "ping" || control_.op == "pong") ? MdFrameKind::kPong
                                                            : MdFrameKind::kSubscription;
    return MdError::kOk;
  }
  PEREGRINE_JSON_SJ(MdError, topic_err);

  const Topic topic = parse_topic(topic_text);
  switch (topic.kind) {
    case TopicKind::kMalformed:
      return MdError::kBadTopic;
    case TopicKind::kOther:
      kind = MdFrameKind::kOther;
      return MdError::kOk;
    case TopicKind::kPublicTrade: {
      kind = MdFrameKind::kTrades;
      const int index = lookup(topic.symbol);
      common::InstrumentId id;
      if (index != SymbolTable::kNotFound) id = symbols_.id(static_cast<std::size_t>(index));
      bool has_data = false;
      for (auto item : root) {
        od::field f;
        PEREGRINE_JSON_SJ(MdError, std::move(item).get(f));
        if (f.key() == "data") {
          event_count_ = 0;  // a repeated key replaces, never appends
          PEREGRINE_JSON_TRY(parse_trades(f.value(), ts_recv, id));
          has_data = true;
        }
      }
      if (!detail::at_end(doc)) return MdError::kBadJson;
      if (!has_data) return MdError::kMissingField;
      if (!id.valid()) {
        bump(counters_.unknown_symbol);
        event_count_ = 0;
      }
      counters_.trades.store(counters_.trades.load(std::memory_order_relaxed) + event_count_,
                             std::memory_order_relaxed);
      return MdError::kOk;
    }
    case TopicKind::kOrderbook:
      break;
  }

  kind = MdFrameKind::kBook;
  book_.topic = topic_text;
  book_.symbol = topic.symbol;
  book_.depth = topic.depth;
  bool has_type = false;
  bool is_snapshot = false;
  bool has_ts = false;
  bool has_data = false;
  bool has_u = false;
  std::uint64_t ms = 0;
  for (auto item : root) {
    od::field f;
    PEREGRINE_JSON_SJ(MdError, std::move(item).get(f));
    const od::raw_json_string key = f.key();
    if (key == "type") {
      std::string_view type;
      PEREGRINE_JSON_SJ(MdError, f.value().get_string().get(type));
      if (type == "snapshot") {
        is_snapshot = true;
      } else if (type == "delta") {
        is_snapshot = false;
      } else {
        return MdError::kBadValue;
      }
      has_type = true;
    } else if (key == "ts") {
      Nanos ignored = 0;
      PEREGRINE_JSON_TRY(get_millis(f.value(), ms, ignored));
      has_ts = true;
    } else if (key == "data") {
      od::object data;
      PEREGRINE_JSON_SJ(MdError, f.value().get_object().get(data));
      event_count_ = 0;
      has_u = false;
      for (auto ditem : data) {
        od::field d;
        PEREGRINE_JSON_SJ(MdError, std::move(ditem).get(d));
        const od::raw_json_string dkey = d.key();
        if (dkey == "b") {
          PEREGRINE_JSON_TRY(stage_levels(d.value(), common::BookSide::kBid));
        } else if (dkey == "a") {
          PEREGRINE_JSON_TRY(stage_levels(d.value(), common::BookSide::kAsk));
        } else if (dkey == "u") {
          PEREGRINE_JSON_SJ(MdError, d.value().get_uint64().get(book_.u));
          has_u = true;
        } else if (dkey == "seq") {
          PEREGRINE_JSON_SJ(MdError, d.value().get_uint64().get(book_.seq));
        } else if (dkey == "s") {
          std::string_view s;
          PEREGRINE_JSON_SJ(MdError, d.value().get_string().get(s));
          if (s != topic.symbol) return MdError::kBadValue;
        }
      }
      has_data = true;
    }
  }
  if (!detail::at_end(doc)) return MdError::kBadJson;
  if (!has_type || !has_ts || !has_data || !has_u) return MdError::kMissingField;
  return finish_book(topic.symbol, is_snapshot, ms, ts_recv);
}

// [["price","size"], ...] appended to the staged events with price/qty/side only.
MdError MdParser::stage_levels(od::value& v, common::BookSide side) noexcept {
  od::array levels;
  PEREGRINE_JSON_SJ(MdError, v.get_array().get(levels));
  for (auto level_item : levels) {
    od::array pair;
    PEREGRINE_JSON_SJ(MdError, level_item.get_array().get(pair));
    common::BookDelta d;
    d.side = side;
    std::size_t n = 0;
    for (auto elem : pair) {
      od::value ev;
      PEREGRINE_JSON_SJ(MdError, std::move(elem).get(ev));
      if (n == 0) {
        PEREGRINE_JSON_TRY(get_fixed(ev, d.price));
      } else if (n == 1) {
        PEREGRINE_JSON_TRY(get_fixed(ev, d.qty));
      } else {
        return MdError::kBadValue;  // a level is exactly [price, size]
      }
      ++n;
    }
    if (n != 2) return MdError::kMissingField;
    if (!d.price.is_positive() || d.qty.is_negative()) return MdError::kBadValue;
    if (event_count_ >= kMaxEvents) return MdError::kCapacity;
    events_[event_count_++] = common::MdEvent(d);
  }
  return MdError::kOk;
}

MdError MdParser::finish_book(std::string_view symbol, bool is_snapshot, std::uint64_t ms,
                              Nanos ts_recv) noexcept {
  const Nanos ts_venue = static_cast<Nanos>(ms) * 1'000'000;
  const int found = lookup(symbol);
  if (found == SymbolTable::kNotFound) {
    bump(counters_.unknown_symbol);
    book_.outcome = BookOutcome::kUnknownSymbol;
    event_count_ = 0;
    return MdError::kOk;
  }
  const auto index = static_cast<std::size_t>(found);
  const common::InstrumentId id = symbols_.id(index);
  book_.instrument = id;
  if (depth_[index] == 0) depth_[index] = book_.depth;
  if (depth_[index] != book_.depth) {
    bump(counters_.depth_mismatch);
    book_.outcome = BookOutcome::kDepthMismatch;
    event_count_ = 0;
    return MdError::kOk;
  }

  BookSync& sync = sync_[index];
  book_.prev_u = sync.last_u();
  switch (sync.on_message(is_snapshot, book_.u)) {
    case BookSync::Action::kApplySnapshot: {
      book_.outcome = BookOutcome::kSnapshot;
      book_.restart = book_.u == 1;
      if (book_.restart) bump(counters_.restarts);
      bump(counters_.snapshots);
      if (event_count_ == 0) {
        // An empty book still has to clear the consumer's copy: one no-op marker.
        events_[event_count_++] = common::MdEvent(common::BookDelta{});
      }
      break;
    }
    case BookSync::Action::kApplyDelta:
      book_.outcome = BookOutcome::kDelta;
      bump(counters_.deltas);
      deletions_first();
      break;
    case BookSync::Action::kGap: {
      book_.outcome = BookOutcome::kGap;
      bump(counters_.gaps);
      common::BookReset r;
      r.ts_venue = ts_venue;
      r.ts_recv = ts_recv;
      r.venue_seq = book_.u;
      r.instrument = id;
      r.venue = common::VenueId::kBybit;
      r.reason = common::ResetReason::kSequenceGap;
      events_[0] = common::MdEvent(r);
      event_count_ = 1;
      return MdError::kOk;
    }
    case BookSync::Action::kDropUnsynced:
      book_.outcome = BookOutcome::kDropped;
      bump(counters_.dropped_unsynced);
      event_count_ = 0;
      return MdError::kOk;
  }

  for (std::size_t i = 0; i < event_count_; ++i) {
    common::BookDelta& d = events_[i].delta;
    d.ts_venue = ts_venue;
    d.ts_recv = ts_recv;
    d.venue_seq = book_.u;
    d.instrument = id;
    d.venue = common::VenueId::kBybit;
    d.flags = 0;
  }
  if (event_count_ == 0) return MdError::kOk;  // a delta with no levels
  if (book_.outcome == BookOutcome::kSnapshot) {
    events_[0].delta.flags |= common::book_flags::kSnapshotBegin;
    events_[event_count_ - 1].delta.flags |= common::book_flags::kSnapshotEnd;
  }
  events_[event_count_ - 1].delta.flags |= common::book_flags::kEndOfBatch;
  return MdError::kOk;
}

// Bybit lists a delta's bids, then its asks. Applied in that order, a book can pass through a
// crossed state that the message as a whole does not have (a new best bid arrives before the
// ask it replaces is deleted; 5 of the 2142 deltas in the capture do this), and L2Book judges
// crossing level by level. Moving the deletions first (stable, both sides) makes every
// intermediate book a subset of the final one, so it is crossed only if the final one is.
void MdParser::deletions_first() noexcept {
  std::size_t deletes = 0;
  bool ordered = true;
  for (std::size_t i = 0; i < event_count_; ++i) {
    if (events_[i].delta.qty.is_zero()) {
      ordered = ordered && i == deletes;
      ++deletes;
    }
  }
  if (ordered) return;
  std::size_t d = 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < event_count_; ++i) {
    if (events_[i].delta.qty.is_zero()) {
      events_[d++] = events_[i];
    } else {
      scratch_[k++] = events_[i];
    }
  }
  for (std::size_t i = 0; i < k; ++i) events_[d + i] = scratch_[i];
}

// [{"T","s","S","v","p","L","i","BT","RPI","seq"}, ...]
MdError MdParser::parse_trades(od::value& data, Nanos ts_recv, common::InstrumentId id) noexcept {
  od::array trades;
  PEREGRINE_JSON_SJ(MdError, data.get_array().get(trades));
  for (auto trade_item : trades) {
    od::object obj;
    PEREGRINE_JSON_SJ(MdError, trade_item.get_object().get(obj));
    common::Trade t;
    unsigned seen = 0;  // bit per required field
    for (auto item : obj) {
      od::field f;
      PEREGRINE_JSON_SJ(MdError, std::move(item).get(f));
      const od::raw_json_string key = f.key();
      if (key == "T") {
        std::uint64_t ms = 0;
        PEREGRINE_JSON_TRY(get_millis(f.value(), ms, t.ts_venue));
        seen |= 1u;
      } else if (key == "S") {
        std::string_view side;
        PEREGRINE_JSON_SJ(MdError, f.value().get_string().get(side));
        if (side == "Buy") {
          t.aggressor = common::Side::kBuy;
        } else if (side == "Sell") {
          t.aggressor = common::Side::kSell;
        } else {
          return MdError::kBadValue;
        }
        seen |= 2u;
      } else if (key == "p") {
        PEREGRINE_JSON_TRY(get_fixed(f.value(), t.price));
        seen |= 4u;
      } else if (key == "v") {
        PEREGRINE_JSON_TRY(get_fixed(f.value(), t.qty));
        seen |= 8u;
      } else if (key == "i") {
        std::string_view trade_id;
        PEREGRINE_JSON_SJ(MdError, f.value().get_string().get(trade_id));
        t.trade_id = detail::id_to_u64(trade_id);
        seen |= 16u;
      } else if (key == "seq") {
        PEREGRINE_JSON_SJ(MdError, f.value().get_uint64().get(t.venue_seq));
      }
    }
    if (seen != 31u) return MdError::kMissingField;
    if (!t.price.is_positive() || !t.qty.is_positive()) return MdError::kBadValue;
    if (event_count_ >= kMaxEvents) return MdError::kCapacity;
    t.ts_recv = ts_recv;
    t.instrument = id;
    t.venue = common::VenueId::kBybit;
    events_[event_count_++] = common::MdEvent(t);
  }
  return MdError::kOk;
}

}  // namespace peregrine::gateways::bybit
