// ExecParser: create-order and batch-cancel responses, and the `user` WebSocket channel.
#include <cstring>
#include <new>
#include <utility>

#include "gateways/coinbase/json_util.hpp"
#include "gateways/coinbase/order_codec.hpp"

namespace peregrine::gateways::coinbase {
namespace {

namespace od = simdjson::ondemand;
using common::Nanos;
using detail::get_fixed;

void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Venue-computed quantities (cumulative sizes of quote-sized orders, averages, fees) can carry
// more than 8 decimals: those are truncated toward zero and flagged.
template <typename Tag>
CodecError get_lenient(od::value& v, common::Fixed<Tag>& out, bool& inexact) noexcept {
  std::string_view s;
  PEREGRINE_CB_SJ(v.get_string().get(s));
  if (s.empty()) {
    out = common::Fixed<Tag>{};
    return CodecError::kOk;
  }
  auto r = common::Fixed<Tag>::parse(s);
  if (!r && r.error() == common::DecimalError::kTooManyDecimals) {
    r = common::Fixed<Tag>::parse(s, common::ParseMode::kTruncate);
    inexact = true;
  }
  if (!r) return CodecError::kBadDecimal;
  out = *r;
  return CodecError::kOk;
}

// "2" or 2.
CodecError get_count(od::value& v, std::uint64_t& out) noexcept {
  od::json_type t;
  PEREGRINE_CB_SJ(v.type().get(t));
  if (t == od::json_type::string) {
    std::string_view s;
    PEREGRINE_CB_SJ(v.get_string().get(s));
    if (s.empty()) {
      out = 0;
      return CodecError::kOk;
    }
    return detail::parse_u64(s, &out) ? CodecError::kOk : CodecError::kBadValue;
  }
  PEREGRINE_CB_SJ(v.get_uint64().get(out));
  return CodecError::kOk;
}

bool is_terminal(common::OrderStatus s) noexcept {
  return s == common::OrderStatus::kFilled || s == common::OrderStatus::kCancelled ||
         s == common::OrderStatus::kExpired || s == common::OrderStatus::kRejected;
}

// The most specific of several failure codes: the first informative one, else the first
// non-empty one (e.g. "UNKNOWN_FAILURE_REASON").
std::string_view pick_reason(std::initializer_list<std::string_view> codes) noexcept {
  for (const std::string_view c : codes) {
    if (!is_uninformative_code(c)) return c;
  }
  for (const std::string_view c : codes) {
    if (!c.empty()) return c;
  }
  return {};
}

}  // namespace

struct ExecParser::UserOrder {
  std::string_view order_id;
  std::string_view client_order_id;
  std::string_view product_id;
  std::string_view status;
  std::string_view reject_reason;
  common::Side side = common::Side::kBuy;
  common::Qty cum_qty;
  common::Qty leaves_qty;
  common::Price avg_price;
  common::Price limit_price;
  common::Money filled_value;
  common::Money total_fees;
  std::uint64_t number_of_fills = 0;
  bool post_only = false;
  bool inexact = false;
};

ExecParser::ExecParser(const common::InstrumentRegistry& registry)
    : registry_(registry),
      updates_(new common::OrderUpdate[kMaxUpdates]),
      fills_(new common::Fill[kMaxUpdates]),
      tracker_(new Tracked[kTrackerSlots]),
      copy_buf_(new char[kInitialCapacity + simdjson::SIMDJSON_PADDING]),
      copy_cap_(kInitialCapacity + simdjson::SIMDJSON_PADDING),
      staged_(new UserOrder[kMaxUpdates]) {
  static_assert((kTrackerSlots & (kTrackerSlots - 1)) == 0, "power of two");
  if (parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) throw std::bad_alloc();
}

ExecParser::~ExecParser() = default;

void ExecParser::clear_outputs() noexcept {
  update_count_ = 0;
  fill_count_ = 0;
  cancel_count_ = 0;
  user_snapshot_ = false;
  gap_ = false;
  venue_error_ = {};
}

void ExecParser::fail(CodecError e) noexcept {
  clear_outputs();
  bump(counters_.malformed);
  bump(counters_.by_error[static_cast<std::size_t>(e)]);
}

const char* ExecParser::pad(std::string_view in, std::size_t& cap, CodecError& err) noexcept {
  if (in.size() > kMaxFrameBytes) {
    err = CodecError::kTooLarge;
    return nullptr;
  }
  const std::size_t need = in.size() + simdjson::SIMDJSON_PADDING;
  if (need > copy_cap_) {
    char* grown = new (std::nothrow) char[need];
    if (grown == nullptr) {
      err = CodecError::kTooLarge;
      return nullptr;
    }
    copy_buf_.reset(grown);
    copy_cap_ = need;
  }
  if (!in.empty()) std::memcpy(copy_buf_.get(), in.data(), in.size());
  std::memset(copy_buf_.get() + in.size(), 0, simdjson::SIMDJSON_PADDING);
  cap = copy_cap_;
  return copy_buf_.get();
}

// ---- POST /orders ---------------------------------------------------------------------------

common::Result<CreateOrderResult, CodecError> ExecParser::parse_create_order(
    simdjson::padded_string_view body) noexcept {
  bump(counters_.parses);
  clear_outputs();
  CreateOrderResult out;
  const auto run = [&]() noexcept -> CodecError {
    PEREGRINE_CB_TRY(detail::precheck(std::string_view(body.data(), body.size())));
    od::document doc;
    PEREGRINE_CB_SJ(parser_.iterate(body).get(doc));
    od::object root;
    PEREGRINE_CB_SJ(doc.get_object().get(root));
    bool has_success = false;
    std::string_view top_reason, top_order_id, order_id, cloid, http_error, http_message;
    std::string_view err, preview, new_order;
    for (auto item : root) {
      od::field f;
      PEREGRINE_CB_SJ(std::move(item).get(f));
      const od::raw_json_string key = f.key();
      if (key == "success") {
        PEREGRINE_CB_SJ(f.value().get_bool().get(out.success));
        has_success = true;
      } else if (key == "failure_reason") {
        PEREGRINE_CB_SJ(f.value().get_string().get(top_reason));
      } else if (key == "order_id") {
        PEREGRINE_CB_SJ(f.value().get_string().get(top_order_id));
      } else if (key == "error") {
        PEREGRINE_CB_SJ(f.value().get_string().get(http_error));
      } else if (key == "message") {
        PEREGRINE_CB_SJ(f.value().get_string().get(http_message));
      } else if (key == "success_response" || key == "error_response") {
        const bool success_obj = key == "success_response";
        od::object obj;
        PEREGRINE_CB_SJ(f.value().get_object().get(obj));
        for (auto sub_item : obj) {
          od::field s;
          PEREGRINE_CB_SJ(std::move(sub_item).get(s));
          const od::raw_json_string sk = s.key();
          std::string_view* dst = nullptr;
          if (success_obj) {
            if (sk == "order_id") dst = &order_id;
            if (sk == "client_order_id") dst = &cloid;
          } else {
            if (sk == "error") dst = &err;
            if (sk == "message") dst = &out.message;
            if (sk == "preview_failure_reason") dst = &preview;
            if (sk == "new_order_failure_reason") dst = &new_order;
          }
          if (dst != nullptr) PEREGRINE_CB_SJ(s.value().get_string().get(*dst));
        }
      }
    }
    if (!has_success) {
      // An HTTP error body: {"error":"INVALID_ARGUMENT","error_details":"...","message":"..."}.
      if (http_error.empty()) return CodecError::kMissingField;
      out.success = false;
      out.reason = http_error;
      out.message = http_message;
      out.reject = reject_reason_from_code(http_error);
      return CodecError::kOk;
    }
    if (out.success) {
      const std::string_view id = order_id.empty() ? top_order_id : order_id;
      const auto parsed = common::VenueOrderId::parse(id);
      if (!parsed) return id.empty() ? CodecError::kMissingField : CodecError::kBadValue;
      out.order_id = *parsed;
      if (const auto c = common::ClientOrderId::parse_uuid(cloid); c) {
        out.cloid = *c;
        out.has_cloid = true;
      }
      return CodecError::kOk;
    }
    out.reason = pick_reason({err, new_order, preview, top_reason});
    out.reject = reject_reason_from_code(out.reason);
    return CodecError::kOk;
  };
  if (const CodecError e = run(); e != CodecError::kOk) {
    fail(e);
    return common::Unexpected{e};
  }
  bump(out.success ? counters_.create_ok : counters_.create_rejected);
  return out;
}

common::Result<CreateOrderResult, CodecError> ExecParser::parse_create_order_unpadded(
    std::string_view body) noexcept {
  std::size_t cap = 0;
  CodecError err = CodecError::kOk;
  const char* p = pad(body, cap, err);
  if (p == nullptr) {
    bump(counters_.parses);
    fail(err);
    return common::Unexpected{err};
  }
  return parse_create_order(simdjson::padded_string_view(p, body.size(), cap));
}

// ---- POST /orders/batch_cancel --------------------------------------------------------------

common::Result<std::span<const CancelResult>, CodecError> ExecParser::parse_batch_cancel(
    simdjson::padded_string_view body) noexcept {
  bump(counters_.parses);
  clear_outputs();
  const auto run = [&]() noexcept -> CodecError {
    PEREGRINE_CB_TRY(detail::precheck(std::string_view(body.data(), body.size())));
    od::document doc;
    PEREGRINE_CB_SJ(parser_.iterate(body).get(doc));
    od::object root;
    PEREGRINE_CB_SJ(doc.get_object().get(root));
    od::array results;
    PEREGRINE_CB_SJ(root.find_field_unordered("results").get_array().get(results));
    for (auto item : results) {
      od::object obj;
      PEREGRINE_CB_SJ(item.get_object().get(obj));
      if (cancel_count_ >= kMaxCancelResults) return CodecError::kCapacity;
      CancelResult r;
      bool has_success = false;
      std::string_view id;
      for (auto field_item : obj) {
        od::field f;
        PEREGRINE_CB_SJ(std::move(field_item).get(f));
        const od::raw_json_string key = f.key();
        if (key == "success") {
          PEREGRINE_CB_SJ(f.value().get_bool().get(r.success));
          has_success = true;
        } else if (key == "failure_reason") {
          PEREGRINE_CB_SJ(f.value().get_string().get(r.reason));
        } else if (key == "order_id") {
          PEREGRINE_CB_SJ(f.value().get_string().get(id));
        }
      }
      if (!has_success) return CodecError::kMissingField;
      if (!id.empty()) {
        const auto parsed = common::VenueOrderId::parse(id);
        if (!parsed) return CodecError::kBadValue;
        r.order_id = *parsed;
      }
      r.reject = r.success ? common::RejectReason::kNone : reject_reason_from_code(r.reason);
      cancels_[cancel_count_++] = r;
    }
    return CodecError::kOk;
  };
  if (const CodecError e = run(); e != CodecError::kOk) {
    fail(e);
    return common::Unexpected{e};
  }
  bump(counters_.cancel_results, cancel_count_);
  return std::span<const CancelResult>(cancels_.data(), cancel_count_);
}

common::Result<std::span<const CancelResult>, CodecError> ExecParser::parse_batch_cancel_unpadded(
    std::string_view body) noexcept {
  std::size_t cap = 0;
  CodecError err = CodecError::kOk;
  const char* p = pad(body, cap, err);
  if (p == nullptr) {
    bump(counters_.parses);
    fail(err);
    return common::Unexpected{err};
  }
  return parse_batch_cancel(simdjson::padded_string_view(p, body.size(), cap));
}

// ---- user channel ---------------------------------------------------------------------------

common::Result<UserFrameKind, CodecError> ExecParser::parse_user(simdjson::padded_string_view frame,
                                                                 Nanos ts_recv) noexcept {
  bump(counters_.parses);
  clear_outputs();
  UserFrameKind kind = UserFrameKind::kIgnored;
  if (const CodecError e = dispatch_user(frame, ts_recv, kind); e != CodecError::kOk) {
    fail(e);
    return common::Unexpected{e};
  }
  if (kind == UserFrameKind::kVenueError) bump(counters_.venue_errors);
  return kind;
}

common::Result<UserFrameKind, CodecError> ExecParser::parse_user_unpadded(std::string_view frame,
                                                                          Nanos ts_recv) noexcept {
  std::size_t cap = 0;
  CodecError err = CodecError::kOk;
  const char* p = pad(frame, cap, err);
  if (p == nullptr) {
    bump(counters_.parses);
    fail(err);
    return common::Unexpected{err};
  }
  return parse_user(simdjson::padded_string_view(p, frame.size(), cap), ts_recv);
}

CodecError ExecParser::dispatch_user(simdjson::padded_string_view frame, Nanos ts_recv,
                                     UserFrameKind& kind) noexcept {
  PEREGRINE_CB_TRY(detail::precheck(std::string_view(frame.data(), frame.size())));
  od::document doc;
  PEREGRINE_CB_SJ(parser_.iterate(frame).get(doc));
  od::object root;
  PEREGRINE_CB_SJ(doc.get_object().get(root));
  auto channel_field = root.find_field_unordered("channel");
  if (channel_field.error() == simdjson::NO_SUCH_FIELD) {
    std::string_view type;
    PEREGRINE_CB_SJ(root.find_field_unordered("type").get_string().get(type));
    if (type != "error") return CodecError::kUnknownChannel;
    auto message = root.find_field_unordered("message");
    if (message.error() != simdjson::NO_SUCH_FIELD) {
      PEREGRINE_CB_SJ(message.get_string().get(venue_error_));
    }
    kind = UserFrameKind::kVenueError;
    return CodecError::kOk;
  }
  std::string_view channel;
  PEREGRINE_CB_SJ(channel_field.get_string().get(channel));
  std::string_view ts_text;
  PEREGRINE_CB_SJ(root.find_field_unordered("timestamp").get_string().get(ts_text));
  Nanos ts_venue = 0;
  if (!detail::parse_time(ts_text, &ts_venue, false)) return CodecError::kBadValue;
  std::uint64_t seq = 0;
  PEREGRINE_CB_SJ(root.find_field_unordered("sequence_num").get_uint64().get(seq));
  if (channel == "user") {
    kind = UserFrameKind::kOrders;
    od::array events;
    PEREGRINE_CB_SJ(root.find_field_unordered("events").get_array().get(events));
    PEREGRINE_CB_TRY(parse_user_events(events, ts_venue, ts_recv, seq));
  } else if (channel == "heartbeats") {
    kind = UserFrameKind::kHeartbeats;
  } else if (channel == "subscriptions") {
    kind = UserFrameKind::kSubscriptions;
  } else {
    kind = UserFrameKind::kIgnored;
  }
  if (has_seq_ && seq != next_seq_) {
    gap_ = true;
    bump(counters_.sequence_gaps);
  }
  next_seq_ = seq + 1;
  has_seq_ = true;
  return CodecError::kOk;
}

CodecError ExecParser::parse_user_events(od::array& events, Nanos ts_venue, Nanos ts_recv,
                                         std::uint64_t seq) noexcept {
  // Stage every order first so that a malformed frame leaves the fill tracker untouched.
  std::size_t staged = 0;
  bool snapshot = false;
  for (auto event_item : events) {
    od::object event;
    PEREGRINE_CB_SJ(event_item.get_object().get(event));
    for (auto item : event) {
      od::field f;
      PEREGRINE_CB_SJ(std::move(item).get(f));
      const od::raw_json_string key = f.key();
      if (key == "type") {
        std::string_view type;
        PEREGRINE_CB_SJ(f.value().get_string().get(type));
        if (type == "snapshot") {
          snapshot = true;
        } else if (type != "update") {
          return CodecError::kBadValue;
        }
      } else if (key == "orders") {
        od::array orders;
        PEREGRINE_CB_SJ(f.value().get_array().get(orders));
        for (auto order_item : orders) {
          od::object obj;
          PEREGRINE_CB_SJ(order_item.get_object().get(obj));
          if (staged >= kMaxUpdates) return CodecError::kCapacity;
          staged_[staged] = UserOrder{};
          PEREGRINE_CB_TRY(parse_user_order(obj, staged_[staged]));
          ++staged;
        }
      }
    }
  }
  user_snapshot_ = snapshot;
  for (std::size_t i = 0; i < staged; ++i) emit(staged_[i], snapshot, ts_venue, ts_recv, seq);
  return CodecError::kOk;
}

CodecError ExecParser::parse_user_order(od::object& obj, UserOrder& o) noexcept {
  unsigned seen = 0;
  for (auto item : obj) {
    od::field f;
    PEREGRINE_CB_SJ(std::move(item).get(f));
    const od::raw_json_string key = f.key();
    if (key == "order_id") {
      PEREGRINE_CB_SJ(f.value().get_string().get(o.order_id));
      seen |= 1u;
    } else if (key == "client_order_id") {
      PEREGRINE_CB_SJ(f.value().get_string().get(o.client_order_id));
    } else if (key == "product_id") {
      PEREGRINE_CB_SJ(f.value().get_string().get(o.product_id));
      seen |= 2u;
    } else if (key == "order_side") {
      std::string_view side;
      PEREGRINE_CB_SJ(f.value().get_string().get(side));
      if (side == "BUY") {
        o.side = common::Side::kBuy;
      } else if (side == "SELL") {
        o.side = common::Side::kSell;
      } else {
        return CodecError::kBadValue;
      }
      seen |= 4u;
    } else if (key == "status") {
      PEREGRINE_CB_SJ(f.value().get_string().get(o.status));
      seen |= 8u;
    } else if (key == "cumulative_quantity") {
      PEREGRINE_CB_TRY(get_lenient(f.value(), o.cum_qty, o.inexact));
      seen |= 16u;
    } else if (key == "leaves_quantity") {
      PEREGRINE_CB_TRY(get_lenient(f.value(), o.leaves_qty, o.inexact));
    } else if (key == "avg_price") {
      PEREGRINE_CB_TRY(get_lenient(f.value(), o.avg_price, o.inexact));
    } else if (key == "limit_price") {
      PEREGRINE_CB_TRY(get_lenient(f.value(), o.limit_price, o.inexact));
    } else if (key == "filled_value") {
      PEREGRINE_CB_TRY(get_lenient(f.value(), o.filled_value, o.inexact));
    } else if (key == "total_fees") {
      PEREGRINE_CB_TRY(get_lenient(f.value(), o.total_fees, o.inexact));
    } else if (key == "number_of_fills") {
      PEREGRINE_CB_TRY(get_count(f.value(), o.number_of_fills));
    } else if (key == "post_only") {
      PEREGRINE_CB_SJ(f.value().get_bool().get(o.post_only));
    } else if (key == "reject_reason") {
      PEREGRINE_CB_SJ(f.value().get_string().get(o.reject_reason));
    }
  }
  if (seen != 31u) return CodecError::kMissingField;
  if (o.cum_qty.is_negative() || o.leaves_qty.is_negative()) return CodecError::kBadValue;
  return CodecError::kOk;
}

ExecParser::Tracked* ExecParser::track(std::uint64_t key, bool create) noexcept {
  constexpr std::size_t kMask = kTrackerSlots - 1;
  std::size_t i = static_cast<std::size_t>(key) & kMask;
  for (std::size_t probe = 0; probe < kTrackerSlots; ++probe, i = (i + 1) & kMask) {
    Tracked& t = tracker_[i];
    if (t.key == key) return &t;
    if (t.key == 0) {
      // Keep probe chains short: refuse above 3/4 load.
      if (!create || tracked_ >= kTrackerSlots / 4 * 3) return nullptr;
      t = Tracked{key, {}, {}, {}};
      ++tracked_;
      return &t;
    }
  }
  return nullptr;
}

// Linear-probing deletion by backward shift (no tombstones).
void ExecParser::untrack(Tracked* t) noexcept {
  constexpr std::size_t kMask = kTrackerSlots - 1;
  std::size_t i = static_cast<std::size_t>(t - tracker_.get());
  tracker_[i].key = 0;
  --tracked_;
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & kMask;
    if (tracker_[j].key == 0) return;
    const std::size_t home = static_cast<std::size_t>(tracker_[j].key) & kMask;
    const bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      tracker_[i] = tracker_[j];
      tracker_[j].key = 0;
      i = j;
    }
  }
}

void ExecParser::emit(const UserOrder& o, bool snapshot, Nanos ts_venue, Nanos ts_recv,
                      std::uint64_t seq) noexcept {
  if (o.inexact) bump(counters_.inexact_decimals);
  const common::InstrumentId id = registry_.find(common::VenueId::kCoinbase, o.product_id);
  if (!id.valid()) {
    bump(counters_.unknown_product);
    return;
  }
  common::OrderUpdate u;
  u.ts_venue = ts_venue;
  u.ts_recv = ts_recv;
  u.venue_seq = seq;
  if (const auto c = common::ClientOrderId::parse_uuid(o.client_order_id); c) {
    u.cloid = *c;
    u.strategy = common::ClientOrderIdGenerator::strategy_of(*c);
  }
  if (const auto v = common::VenueOrderId::parse(o.order_id); v) u.venue_order_id = *v;
  u.price = o.limit_price;
  u.qty = o.cum_qty + o.leaves_qty;
  u.filled_qty = o.cum_qty;
  u.avg_price = o.avg_price;
  u.instrument = id;
  u.venue = common::VenueId::kCoinbase;
  u.side = o.side;
  const StatusMapping m = map_order_status(o.status, o.cum_qty.is_positive());
  if (m.known) {
    u.status = m.status;
    if (u.status == common::OrderStatus::kRejected) {
      u.reject = reject_reason_from_code(o.reject_reason);
    }
  } else {
    // As the Hyperliquid codec: terminal with "unknown outcome", the OMS must query the order.
    bump(counters_.unknown_status);
    u.status = common::OrderStatus::kCancelled;
    u.reject = common::RejectReason::kUnknownOutcome;
  }
  updates_[update_count_++] = u;
  bump(counters_.order_updates);

  const std::uint64_t key = detail::fnv1a64(o.order_id) | 1u;
  const bool terminal = is_terminal(u.status);
  Tracked* t = track(key, !terminal || o.cum_qty.is_positive());
  if (t == nullptr) {
    if (!terminal && !snapshot) bump(counters_.untracked_orders);
    // Nothing known about earlier fills: a terminal first sighting still reports its fills.
    if (snapshot || !o.cum_qty.is_positive()) return;
  }
  const common::Qty prev_qty = t != nullptr ? t->cum_qty : common::Qty{};
  const common::Money prev_value = t != nullptr ? t->cum_value : common::Money{};
  const common::Money prev_fees = t != nullptr ? t->cum_fees : common::Money{};
  if (t != nullptr) {
    t->cum_qty = o.cum_qty;
    t->cum_value = o.filled_value;
    t->cum_fees = o.total_fees;
  }
  if (!snapshot && o.cum_qty > prev_qty) {
    common::Fill f;
    f.ts_venue = ts_venue;
    f.ts_recv = ts_recv;
    f.venue_seq = seq;
    f.cloid = u.cloid;
    f.venue_order_id = u.venue_order_id;
    f.fill_id = (key & ~std::uint64_t{1}) ^ (o.number_of_fills * 0x9e3779b97f4a7c15ull);
    f.qty = o.cum_qty - prev_qty;
    const std::int64_t dv = o.filled_value.raw() - prev_value.raw();
    if (dv > 0) {
      // price = dv / dq at 1e-8, rounded half up (both raws are 1e-8 units).
      const __int128 num = static_cast<__int128>(dv) * common::kDecimalScale;
      const __int128 den = f.qty.raw();
      f.price = common::Price::from_raw(static_cast<std::int64_t>((num + den / 2) / den));
    } else {
      f.price = o.avg_price;
    }
    f.fee = o.total_fees - prev_fees;
    f.instrument = id;
    f.strategy = u.strategy;
    f.venue = common::VenueId::kCoinbase;
    f.side = o.side;
    f.liquidity = o.post_only ? common::Liquidity::kMaker : common::Liquidity::kTaker;
    fills_[fill_count_++] = f;
    bump(counters_.fills);
  }
  if (t != nullptr && terminal) untrack(t);
}

}  // namespace peregrine::gateways::coinbase
