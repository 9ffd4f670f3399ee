#include "gateways/coinbase/md_codec.hpp"

#include <cstring>
#include <new>
#include <utility>

#include "gateways/coinbase/json_util.hpp"

namespace peregrine::gateways::coinbase {
namespace {

namespace od = simdjson::ondemand;
using common::Nanos;
using detail::get_fixed;

// Single writer: a relaxed load + store is enough and avoids a locked RMW on the hot path.
void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// {"side","event_time","price_level","new_quantity"}: keyed lookups in wire order (each one a
// forward step; another order still works, it rescans), event_time is never touched. Cheaper
// than a loop over fields, whose per-field copies of simdjson's iterators stall store forwarding.
CodecError parse_level(od::value& v, common::BookDelta& d) noexcept {
  od::object obj;
  PEREGRINE_CB_SJ(v.get_object().get(obj));
  std::string_view side;
  PEREGRINE_CB_SJ(obj.find_field_unordered("side").get_string().get(side));
  if (side == "bid") {
    d.side = common::BookSide::kBid;
  } else if (side == "offer" || side == "ask") {
    d.side = common::BookSide::kAsk;
  } else {
    return CodecError::kBadValue;
  }
  od::value px;
  PEREGRINE_CB_SJ(obj.find_field_unordered("price_level").get(px));
  PEREGRINE_CB_TRY(get_fixed(px, d.price));
  od::value qty;
  PEREGRINE_CB_SJ(obj.find_field_unordered("new_quantity").get(qty));
  PEREGRINE_CB_TRY(get_fixed(qty, d.qty));
  if (!d.price.is_positive() || d.qty.is_negative()) return CodecError::kBadValue;
  return CodecError::kOk;
}

// heartbeat_counter is an integer in production; older feeds sent it as a string.
CodecError get_counter(od::value& v, std::uint64_t& out) noexcept {
  od::json_type t;
  PEREGRINE_CB_SJ(v.type().get(t));
  if (t == od::json_type::string) {
    std::string_view s;
    PEREGRINE_CB_SJ(v.get_string().get(s));
    return detail::parse_u64(s, &out) ? CodecError::kOk : CodecError::kBadValue;
  }
  PEREGRINE_CB_SJ(v.get_uint64().get(out));
  return CodecError::kOk;
}

}  // namespace

MdParser::MdParser(const common::InstrumentRegistry& registry, std::size_t max_events)
    : registry_(registry),
      max_events_(max_events),
      events_(new common::MdEvent[kMaxProducts + max_events]),
      copy_buf_(new char[kInitialCapacity + simdjson::SIMDJSON_PADDING]),
      copy_cap_(kInitialCapacity + simdjson::SIMDJSON_PADDING) {
  // Start-up allocation; a larger snapshot grows the parser once, then never again.
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

MdParser::~MdParser() = default;

void MdParser::reset_connection() noexcept {
  has_seq_ = false;
  next_seq_ = 0;
  gap_ = false;
  resync_request_ = false;
  has_heartbeat_ = false;
  for (std::size_t i = 0; i < book_count_; ++i) books_[i].awaiting_snapshot = true;
}

common::Result<MdFrameKind, CodecError> MdParser::fail(CodecError e) noexcept {
  out_begin_ = out_end_ = kMaxProducts;
  subscription_count_ = 0;
  venue_error_ = {};
  gap_ = false;
  bump(counters_.malformed);
  bump(counters_.by_error[static_cast<std::size_t>(e)]);
  return common::Unexpected{e};
}

common::Result<MdFrameKind, CodecError> MdParser::parse(simdjson::padded_string_view frame,
                                                        Nanos ts_recv) noexcept {
  bump(counters_.frames);
  out_begin_ = out_end_ = kMaxProducts;
  staged_ = 0;
  run_count_ = 0;
  subscription_count_ = 0;
  venue_error_ = {};
  gap_ = false;
  MdFrameKind kind = MdFrameKind::kIgnored;
  if (const CodecError e = dispatch(frame, ts_recv, kind); e != CodecError::kOk) return fail(e);
  switch (kind) {
    case MdFrameKind::kL2Data:
      bump(counters_.l2_frames);
      break;
    case MdFrameKind::kMarketTrades:
      bump(counters_.trade_frames);
      break;
    case MdFrameKind::kHeartbeats:
      bump(counters_.heartbeat_frames);
      break;
    case MdFrameKind::kSubscriptions:
      bump(counters_.subscription_frames);
      break;
    case MdFrameKind::kIgnored:
      bump(counters_.ignored_frames);
      break;
    case MdFrameKind::kVenueError:
      bump(counters_.venue_errors);
      break;
  }
  return kind;
}

common::Result<MdFrameKind, CodecError> MdParser::parse_unpadded(std::string_view frame,
                                                                 Nanos ts_recv) noexcept {
  if (frame.size() > kMaxFrameBytes) {
    bump(counters_.frames);
    return fail(CodecError::kTooLarge);
  }
  const std::size_t need = frame.size() + simdjson::SIMDJSON_PADDING;
  if (need > copy_cap_) {
    char* grown = new (std::nothrow) char[need];
    if (grown == nullptr) {
      bump(counters_.frames);
      return fail(CodecError::kTooLarge);
    }
    copy_buf_.reset(grown);
    copy_cap_ = need;
  }
  if (!frame.empty()) std::memcpy(copy_buf_.get(), frame.data(), frame.size());
  std::memset(copy_buf_.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
  return parse(simdjson::padded_string_view(copy_buf_.get(), frame.size(), copy_cap_), ts_recv);
}

CodecError MdParser::dispatch(simdjson::padded_string_view frame, Nanos ts_recv,
                              MdFrameKind& kind) noexcept {
  PEREGRINE_CB_TRY(detail::precheck(std::string_view(frame.data(), frame.size())));
  od::document doc;
  PEREGRINE_CB_SJ(parser_.iterate(frame).get(doc));
  od::object root;
  PEREGRINE_CB_SJ(doc.get_object().get(root));

  auto channel_field = root.find_field_unordered("channel");
  if (channel_field.error() == simdjson::NO_SUCH_FIELD) {
    // Subscription failures arrive as {"type":"error","message":"..."} with no channel/sequence.
    std::string_view type;
    PEREGRINE_CB_SJ(root.find_field_unordered("type").get_string().get(type));
    if (type != "error") return CodecError::kUnknownChannel;
    auto message = root.find_field_unordered("message");
    if (message.error() != simdjson::NO_SUCH_FIELD) {
      PEREGRINE_CB_SJ(message.get_string().get(venue_error_));
    }
    kind = MdFrameKind::kVenueError;
    return CodecError::kOk;
  }
  std::string_view channel;
  PEREGRINE_CB_SJ(channel_field.get_string().get(channel));
  // Envelope fields are looked up in wire order (channel, client_id, timestamp, sequence_num,
  // events), so each lookup is a forward step; another order still works, it just rescans.
  std::string_view ts_text;
  PEREGRINE_CB_SJ(root.find_field_unordered("timestamp").get_string().get(ts_text));
  Nanos ts_venue = 0;
  if (!detail::parse_time(ts_text, &ts_venue, false)) return CodecError::kBadValue;
  std::uint64_t seq = 0;
  PEREGRINE_CB_SJ(root.find_field_unordered("sequence_num").get_uint64().get(seq));
  frame_seq_ = seq;

  if (channel == "l2_data") {
    kind = MdFrameKind::kL2Data;
    od::array events;
    PEREGRINE_CB_SJ(root.find_field_unordered("events").get_array().get(events));
    PEREGRINE_CB_TRY(parse_l2(events));
    on_sequence(seq, ts_venue, ts_recv);
    commit_l2(ts_venue, ts_recv);
    return CodecError::kOk;
  }
  if (channel == "market_trades") {
    kind = MdFrameKind::kMarketTrades;
    od::array events;
    PEREGRINE_CB_SJ(root.find_field_unordered("events").get_array().get(events));
    PEREGRINE_CB_TRY(parse_trades(events, ts_recv));
    on_sequence(seq, ts_venue, ts_recv);
    for (std::size_t i = 0; i < staged_; ++i) events_[kMaxProducts + i].trade.venue_seq = seq;
    out_end_ = kMaxProducts + staged_;
    bump(counters_.trades, staged_);
    return CodecError::kOk;
  }
  if (channel == "heartbeats") {
    kind = MdFrameKind::kHeartbeats;
    od::array events;
    PEREGRINE_CB_SJ(root.find_field_unordered("events").get_array().get(events));
    const std::uint64_t previous = heartbeat_.counter;
    const Heartbeat saved = heartbeat_;
    if (const CodecError e = parse_heartbeats(events); e != CodecError::kOk) {
      heartbeat_ = saved;
      return e;
    }
    if (has_heartbeat_ && heartbeat_.counter != previous + 1) bump(counters_.heartbeat_gaps);
    has_heartbeat_ = true;
    heartbeat_.ts_venue = ts_venue;
    heartbeat_.ts_recv = ts_recv;
    on_sequence(seq, ts_venue, ts_recv);
    return CodecError::kOk;
  }
  if (channel == "subscriptions") {
    kind = MdFrameKind::kSubscriptions;
    od::array events;
    PEREGRINE_CB_SJ(root.find_field_unordered("events").get_array().get(events));
    PEREGRINE_CB_TRY(parse_subscriptions(events));
    on_sequence(seq, ts_venue, ts_recv);
    return CodecError::kOk;
  }
  if (channel == "ticker" || channel == "ticker_batch" || channel == "candles" ||
      channel == "status") {
    kind = MdFrameKind::kIgnored;
    on_sequence(seq, ts_venue, ts_recv);
    return CodecError::kOk;
  }
  return CodecError::kUnknownChannel;
}

void MdParser::on_sequence(std::uint64_t seq, Nanos ts_venue, Nanos ts_recv) noexcept {
  if (has_seq_ && seq != next_seq_) [[unlikely]] {
    gap_ = true;
    resync_request_ = true;
    bump(counters_.sequence_gaps);
    out_begin_ = kMaxProducts - book_count_;
    for (std::size_t i = 0; i < book_count_; ++i) {
      common::BookReset r;
      r.ts_venue = ts_venue;
      r.ts_recv = ts_recv;
      r.venue_seq = seq;
      r.instrument = books_[i].instrument;
      r.venue = common::VenueId::kCoinbase;
      r.reason = common::ResetReason::kSequenceGap;
      events_[out_begin_ + i] = common::MdEvent(r);
      books_[i].awaiting_snapshot = true;
    }
    bump(counters_.book_resets, book_count_);
  }
  next_seq_ = seq + 1;
  has_seq_ = true;
}

CodecError MdParser::parse_l2(od::array& events) noexcept {
  for (auto item : events) {
    od::object event;
    PEREGRINE_CB_SJ(item.get_object().get(event));
    PEREGRINE_CB_TRY(parse_l2_event(event));
  }
  return CodecError::kOk;
}

CodecError MdParser::parse_l2_event(od::object& event) noexcept {
  std::string_view type;
  std::string_view product;
  bool has_type = false;
  bool has_product = false;
  bool has_updates = false;
  const std::size_t begin = staged_;
  for (auto item : event) {
    od::field f;
    PEREGRINE_CB_SJ(std::move(item).get(f));
    const od::raw_json_string key = f.key();
    if (key == "type") {
      PEREGRINE_CB_SJ(f.value().get_string().get(type));
      has_type = true;
    } else if (key == "product_id") {
      PEREGRINE_CB_SJ(f.value().get_string().get(product));
      has_product = true;
    } else if (key == "updates") {
      staged_ = begin;  // a repeated key replaces, never appends
      od::array updates;
      PEREGRINE_CB_SJ(f.value().get_array().get(updates));
      for (auto level_item : updates) {
        od::value level;
        PEREGRINE_CB_SJ(std::move(level_item).get(level));
        if (staged_ >= max_events_) return CodecError::kCapacity;
        // Parsed in place: a BookDelta temporary copied into the 64-byte union costs more than
        // the level's own parsing (store-forwarding stalls on the copy).
        common::MdEvent& slot = events_[kMaxProducts + staged_];
        slot.kind = common::MdKind::kBookDelta;
        slot.delta = common::BookDelta{};
        PEREGRINE_CB_TRY(parse_level(level, slot.delta));
        ++staged_;
      }
      has_updates = true;
    }
  }
  if (!has_type || !has_product || !has_updates) return CodecError::kMissingField;
  bool snapshot = false;
  if (type == "snapshot") {
    snapshot = true;
  } else if (type != "update") {
    return CodecError::kBadValue;
  }
  const std::size_t book = book_index(product);
  if (book >= kMaxProducts) {
    staged_ = begin;
    bump(counters_.unknown_product);
    return CodecError::kOk;
  }
  if (snapshot && staged_ == begin) {
    // An empty snapshot still has to clear the consumer's book: one marker delta.
    if (staged_ >= max_events_) return CodecError::kCapacity;
    events_[kMaxProducts + staged_++] = common::MdEvent(common::BookDelta{});
  }
  if (staged_ == begin) return CodecError::kOk;
  if (run_count_ >= kMaxRuns) return CodecError::kCapacity;
  runs_[run_count_++] = Run{kMaxProducts + begin, staged_ - begin, book, snapshot};
  return CodecError::kOk;
}

void MdParser::commit_l2(Nanos ts_venue, Nanos ts_recv) noexcept {
  std::size_t w = kMaxProducts;
  for (std::size_t r = 0; r < run_count_; ++r) {
    const Run& run = runs_[r];
    BookState& book = books_[run.book];
    if (!run.snapshot && book.awaiting_snapshot) {
      bump(counters_.updates_dropped);
      continue;
    }
    if (run.snapshot) {
      book.awaiting_snapshot = false;
      bump(counters_.snapshots);
    }
    if (run.begin != w) {
      std::memmove(static_cast<void*>(events_.get() + w), events_.get() + run.begin,
                   run.count * sizeof(common::MdEvent));
    }
    for (std::size_t i = w; i < w + run.count; ++i) {
      common::BookDelta& d = events_[i].delta;
      d.ts_venue = ts_venue;
      d.ts_recv = ts_recv;
      d.venue_seq = frame_seq_;
      d.instrument = book.instrument;
      d.venue = common::VenueId::kCoinbase;
      d.flags = 0;
    }
    if (run.snapshot) {
      events_[w].delta.flags |= common::book_flags::kSnapshotBegin;
      events_[w + run.count - 1].delta.flags |= common::book_flags::kSnapshotEnd;
    }
    events_[w + run.count - 1].delta.flags |= common::book_flags::kEndOfBatch;
    w += run.count;
  }
  out_end_ = w;
  bump(counters_.deltas, w - kMaxProducts);
}

CodecError MdParser::parse_trades(od::array& events, Nanos ts_recv) noexcept {
  for (auto event_item : events) {
    od::object event;
    PEREGRINE_CB_SJ(event_item.get_object().get(event));
    const std::size_t begin = staged_;
    std::string_view type;
    bool has_type = false;
    bool has_trades = false;
    for (auto item : event) {
      od::field f;
      PEREGRINE_CB_SJ(std::move(item).get(f));
      const od::raw_json_string key = f.key();
      if (key == "type") {
        PEREGRINE_CB_SJ(f.value().get_string().get(type));
        has_type = true;
        continue;
      }
      if (key != "trades") continue;
      staged_ = begin;
      has_trades = true;
      od::array trades;
      PEREGRINE_CB_SJ(f.value().get_array().get(trades));
      for (auto trade_item : trades) {
        od::object obj;
        PEREGRINE_CB_SJ(trade_item.get_object().get(obj));
        common::Trade t;
        std::string_view product;
        unsigned seen = 0;
        for (auto field_item : obj) {
          od::field tf;
          PEREGRINE_CB_SJ(std::move(field_item).get(tf));
          const od::raw_json_string tkey = tf.key();
          if (tkey == "product_id") {
            PEREGRINE_CB_SJ(tf.value().get_string().get(product));
            seen |= 1u;
          } else if (tkey == "trade_id") {
            std::string_view id;
            PEREGRINE_CB_SJ(tf.value().get_string().get(id));
            if (!detail::parse_u64(id, &t.trade_id)) t.trade_id = detail::fnv1a64(id);
            seen |= 2u;
          } else if (tkey == "price") {
            PEREGRINE_CB_TRY(get_fixed(tf.value(), t.price));
            seen |= 4u;
          } else if (tkey == "size") {
            PEREGRINE_CB_TRY(get_fixed(tf.value(), t.qty));
            seen |= 8u;
          } else if (tkey == "time") {
            std::string_view time;
            PEREGRINE_CB_SJ(tf.value().get_string().get(time));
            if (!detail::parse_time(time, &t.ts_venue, false)) return CodecError::kBadValue;
            seen |= 16u;
          } else if (tkey == "side") {
            std::string_view side;
            PEREGRINE_CB_SJ(tf.value().get_string().get(side));
            // The maker's side: a resting SELL was lifted by a buyer.
            if (side == "SELL") {
              t.aggressor = common::Side::kBuy;
            } else if (side == "BUY") {
              t.aggressor = common::Side::kSell;
            } else {
              return CodecError::kBadValue;
            }
            seen |= 32u;
          }
        }
        if (seen != 63u) return CodecError::kMissingField;
        if (!t.price.is_positive() || !t.qty.is_positive()) return CodecError::kBadValue;
        t.instrument = instrument_of(product);
        if (!t.instrument.valid()) {
          bump(counters_.unknown_product);
          continue;
        }
        if (staged_ >= max_events_) return CodecError::kCapacity;
        t.ts_recv = ts_recv;
        t.venue = common::VenueId::kCoinbase;
        events_[kMaxProducts + staged_++] = common::MdEvent(t);
      }
    }
    if (!has_type || !has_trades) return CodecError::kMissingField;
    if (type == "snapshot") {
      bump(counters_.snapshot_trades_skipped, staged_ - begin);
      staged_ = begin;
    } else if (type != "update") {
      return CodecError::kBadValue;
    }
  }
  return CodecError::kOk;
}

CodecError MdParser::parse_heartbeats(od::array& events) noexcept {
  bool any = false;
  for (auto event_item : events) {
    od::object event;
    PEREGRINE_CB_SJ(event_item.get_object().get(event));
    bool has_counter = false;
    for (auto item : event) {
      od::field f;
      PEREGRINE_CB_SJ(std::move(item).get(f));
      const od::raw_json_string key = f.key();
      if (key == "heartbeat_counter") {
        PEREGRINE_CB_TRY(get_counter(f.value(), heartbeat_.counter));
        has_counter = true;
      } else if (key == "current_time") {
        std::string_view text;
        PEREGRINE_CB_SJ(f.value().get_string().get(text));
        if (!detail::parse_time(text, &heartbeat_.current_time, true)) heartbeat_.current_time = 0;
      }
    }
    if (!has_counter) return CodecError::kMissingField;
    any = true;
  }
  return any ? CodecError::kOk : CodecError::kMissingField;
}

CodecError MdParser::parse_subscriptions(od::array& events) noexcept {
  for (auto event_item : events) {
    od::object event;
    PEREGRINE_CB_SJ(event_item.get_object().get(event));
    for (auto item : event) {
      od::field f;
      PEREGRINE_CB_SJ(std::move(item).get(f));
      if (f.key() != "subscriptions") continue;
      od::object subs;
      PEREGRINE_CB_SJ(f.value().get_object().get(subs));
      for (auto sub_item : subs) {
        od::field s;
        PEREGRINE_CB_SJ(std::move(sub_item).get(s));
        std::string_view channel;
        PEREGRINE_CB_SJ(s.unescaped_key().get(channel));
        od::array products;
        PEREGRINE_CB_SJ(s.value().get_array().get(products));
        for (auto product_item : products) {
          std::string_view product;
          PEREGRINE_CB_SJ(product_item.get_string().get(product));
          if (subscription_count_ >= kMaxSubscriptions) return CodecError::kCapacity;
          subscriptions_[subscription_count_++] = SubscriptionEntry{channel, product};
        }
      }
    }
  }
  return CodecError::kOk;
}

std::size_t MdParser::book_index(std::string_view product) noexcept {
  if (last_book_ < book_count_ && books_[last_book_].product.view() == product) return last_book_;
  for (std::size_t i = 0; i < book_count_; ++i) {
    if (books_[i].product.view() == product) {
      last_book_ = i;
      return i;
    }
  }
  if (book_count_ >= kMaxProducts) return kMaxProducts;
  const common::InstrumentId id = registry_.find(common::VenueId::kCoinbase, product);
  if (!id.valid()) return kMaxProducts;
  BookState& b = books_[book_count_];
  if (!b.product.assign(product)) return kMaxProducts;
  b.instrument = id;
  b.awaiting_snapshot = true;
  last_book_ = book_count_;
  return book_count_++;
}

common::InstrumentId MdParser::instrument_of(std::string_view product) noexcept {
  for (std::size_t i = 0; i < book_count_; ++i) {
    if (books_[i].product.view() == product) return books_[i].instrument;
  }
  return registry_.find(common::VenueId::kCoinbase, product);
}

std::size_t build_subscribe(bool subscribe, std::string_view channel,
                            std::span<const std::string_view> product_ids, std::string_view jwt,
                            char* out, std::size_t cap) noexcept {
  if (!detail::is_plain_token(channel)) return 0;
  detail::FixedWriter w(out, cap);
  w.put(subscribe ? R"({"type":"subscribe","product_ids":[)"
                  : R"({"type":"unsubscribe","product_ids":[)");
  for (std::size_t i = 0; i < product_ids.size(); ++i) {
    if (!detail::is_plain_token(product_ids[i])) return 0;
    if (i != 0) w.put(',');
    w.put_quoted(product_ids[i]);
  }
  w.put(R"(],"channel":)");
  w.put_quoted(channel);
  if (!jwt.empty()) {
    if (!detail::is_plain_token(jwt)) return 0;
    w.put(R"(,"jwt":)");
    w.put_quoted(jwt);
  }
  w.put('}');
  return w.overflow() ? 0 : w.size();
}

}  // namespace peregrine::gateways::coinbase
