// CoinbaseOrderGateway: the reconciliation round (open orders, orders not listed, positions) and
// the fills it recovers. Order-state comparison is OrderReconciler's (venue-neutral over
// hyperliquid::OrderTable); what is Coinbase's here is the REST shape and the fill accounting:
// the `user` channel reports cumulative state, so an execution missed while the channel was down
// shows as a venue filled_size above what the core was told, and becomes one Fill.
// Off the intent path: these answers are parsed with RestParser (allocates).
#include <simdjson.h>

#include <algorithm>
#include <string>

#include "gateways/coinbase/order_gateway.hpp"

namespace peregrine::gateways::coinbase {

namespace {

using common::Nanos;
using common::OrderStatus;

constexpr Nanos kRoundRetryNs = 200'000'000;  // a round that could not be sent or failed
constexpr std::uint32_t kOpenPageLimit = 250;

std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

// The venue's view of one order as an OrderUpdate (identity fields as the venue reports them).
bool to_update(const OrderInfo& info, common::OrderUpdate& u) noexcept {
  if (!info.status.known) return false;
  u = common::OrderUpdate{};
  u.venue = common::VenueId::kCoinbase;
  if (info.has_cloid) u.cloid = info.cloid;
  u.venue_order_id = info.venue_order_id;
  u.instrument = info.instrument;
  u.side = info.side;
  u.status = info.status.status;
  u.price = info.limit_price;
  u.qty = info.base_size;
  u.filled_qty = info.filled_size;
  u.avg_price = info.average_filled_price;
  if (u.status == OrderStatus::kRejected) u.reject = common::RejectReason::kOther;
  return true;
}

}  // namespace

common::Qty CoinbaseOrderGateway::fill_position(common::InstrumentId id) const noexcept {
  if (!id.valid() || id.value >= positions_.size()) return {};
  return common::Qty::from_raw(positions_[id.value].fills_raw);
}

common::Qty CoinbaseOrderGateway::venue_position(common::InstrumentId id) const noexcept {
  if (!id.valid() || id.value >= positions_.size()) return {};
  return common::Qty::from_raw(positions_[id.value].venue_raw);
}

void CoinbaseOrderGateway::request_reconcile() noexcept {
  rec_wanted_ = true;  // a round already running is followed by a fresh one
  rec_retry_ns_ = 0;
  if (rec_stage_ == RecStage::kIdle) (void)run_reconcile(clock_.now_ns());
}

int CoinbaseOrderGateway::run_reconcile(Nanos now) noexcept {
  if (!rec_wanted_ || rec_stage_ != RecStage::kIdle || now < rec_retry_ns_) return 0;
  rec_cursor_.clear();
  rec_open_.clear();
  rec_fees_.clear();
  rec_ids_.clear();
  rec_ids_next_ = 0;
  if (!send_reconcile(ReqKind::kRecOpen, now)) {
    rec_retry_ns_ = now + kRoundRetryNs;
    return 0;
  }
  rec_open_sent_ns_ = now;
  rec_wanted_ = false;
  rec_stage_ = RecStage::kOpen;
  return 1;
}

bool CoinbaseOrderGateway::send_reconcile(ReqKind kind, Nanos now) noexcept {
  if (!gate(now)) return false;
  Request* r = alloc_request(kind);
  if (r == nullptr) return false;
  if (send(*r, now)) return true;
  free_request(*r);
  return false;
}

bool CoinbaseOrderGateway::submit_reconcile(const Request& r, Nanos now) noexcept {
  rec_target_.resize(512 + rec_cursor_.size() + config_.reconcile_batch * 64);
  JwtCache* jwt = jwts_.list_orders;
  std::size_t n = 0;
  if (r.kind == ReqKind::kRecOpen) {
    ListOrdersQuery q;
    q.order_status = "OPEN";
    q.limit = kOpenPageLimit;
    q.cursor = rec_cursor_;
    const auto b = build_list_orders_target(q, rec_target_.data(), rec_target_.size());
    if (!b) return false;
    n = *b;
  } else if (r.kind == ReqKind::kRecQuery) {
    std::vector<std::string_view> ids;
    const std::size_t end = std::min(rec_ids_.size(), rec_ids_next_ + config_.reconcile_batch);
    for (std::size_t i = rec_ids_next_; i < end; ++i) ids.push_back(rec_ids_[i]);
    ListOrdersQuery q;
    q.order_ids = ids;
    q.limit = static_cast<std::uint32_t>(ids.size());
    const auto b = build_list_orders_target(q, rec_target_.data(), rec_target_.size());
    if (!b) return false;
    n = *b;
    rec_ids_batch_ = ids.size();
  } else {
    jwt = jwts_.positions;
    const std::string path = "/api/v3/brokerage/intx/positions/" + config_.portfolio_uuid;
    if (jwt == nullptr || path.size() > rec_target_.size()) return false;
    n = path.copy(rec_target_.data(), rec_target_.size());
  }
  return submit(HttpMethod::kGet, std::string_view(rec_target_.data(), n), jwt, {}, now);
}

void CoinbaseOrderGateway::rec_fail(Nanos now) noexcept {
  rec_counters_.failed_rounds.add();
  rec_stage_ = RecStage::kIdle;
  rec_wanted_ = true;  // a partial view would produce false corrections: start over
  rec_retry_ns_ = now + kRoundRetryNs;
}

void CoinbaseOrderGateway::on_reconcile_answer(Request& r, const HttpResponse& resp) noexcept {
  const ReqKind kind = r.kind;
  free_request(r);
  const Nanos now = clock_.now_ns();
  if (resp.outcome != HttpOutcome::kOk || resp.status != 200) {
    rec_fail(now);
    return;
  }
  switch (kind) {
    case ReqKind::kRecOpen:
      on_rec_open(resp, now);
      break;
    case ReqKind::kRecQuery:
      on_rec_query(resp, now);
      break;
    case ReqKind::kRecPositions:
      on_rec_positions(resp);
      rec_stage_ = RecStage::kIdle;
      break;
    default:
      break;
  }
}

void CoinbaseOrderGateway::on_rec_open(const HttpResponse& resp, Nanos now) noexcept {
  const auto page = rest_parser_.parse_orders(resp.body);
  if (!page) {
    counters_.parse_errors.add();
    rec_fail(now);
    return;
  }
  for (const OrderInfo& info : page->items) {
    common::OrderUpdate u;
    if (!to_update(info, u)) continue;
    rec_open_.push_back(u);
    rec_fees_.push_back(info.total_fees);
  }
  if (page->has_next && !page->cursor.empty() && rec_open_.size() < config_.max_orders) {
    rec_cursor_ = page->cursor;
    if (!send_reconcile(ReqKind::kRecOpen, now)) rec_fail(now);
    return;
  }
  // Executions first (the core sees the fill, then the state that includes it).
  for (std::size_t i = 0; i < rec_open_.size(); ++i) recover_fills(rec_open_[i], rec_fees_[i]);
  // An order reported to the core after the listing was asked for is fresher than the listing
  // (e.g. cancelled on the channel meanwhile): it must not be "revived" from the older view.
  // Left out, it is asked about by id when still believed open.
  std::erase_if(rec_open_, [&](const common::OrderUpdate& v) {
    const hyperliquid::TrackedOrder* o = v.cloid.is_null() ? nullptr : table_.find(v.cloid);
    return o != nullptr && o->last.ts_recv >= rec_open_sent_ns_;
  });
  reconciler_.compare_open(table_, rec_open_, now, rec_counters_);
  for (const auto& u : reconciler_.events()) emit(common::ExecEvent(u));
  counters_.reconcile_corrections.add(reconciler_.events().size());
  for (const auto& cloid : reconciler_.to_query()) {
    const hyperliquid::TrackedOrder* o = table_.find(cloid);
    if (o == nullptr) continue;
    if (o->last.venue_order_id.is_null()) {
      // Never acknowledged (an unknown outcome given up on): there is no id to ask by; the
      // channel or a later listing settles it.
      cb_counters_.unresolved.add();
      continue;
    }
    rec_ids_.push_back(o->last.venue_order_id.to_string());
  }
  rec_ids_next_ = 0;
  rec_next_stage(now);
}

void CoinbaseOrderGateway::rec_next_stage(Nanos now) noexcept {
  if (rec_ids_next_ < rec_ids_.size()) {
    rec_stage_ = RecStage::kQuery;
    rec_query_sent_ns_ = now;
    if (!send_reconcile(ReqKind::kRecQuery, now)) rec_fail(now);
    return;
  }
  if (jwts_.positions != nullptr && !config_.portfolio_uuid.empty()) {
    rec_stage_ = RecStage::kPositions;
    if (!send_reconcile(ReqKind::kRecPositions, now)) rec_fail(now);
    return;
  }
  rec_stage_ = RecStage::kIdle;
}

void CoinbaseOrderGateway::on_rec_query(const HttpResponse& resp, Nanos now) noexcept {
  const auto page = rest_parser_.parse_orders(resp.body);
  if (!page) {
    counters_.parse_errors.add();
    rec_fail(now);
    return;
  }
  const std::size_t end = std::min(rec_ids_.size(), rec_ids_next_ + rec_ids_batch_);
  for (std::size_t i = rec_ids_next_; i < end; ++i) {
    const auto oid = common::VenueOrderId::parse(rec_ids_[i]);
    if (!oid) continue;
    const hyperliquid::TrackedOrder* o = table_.find_oid(oid->lo);
    if (o == nullptr || o->last.ts_recv >= rec_query_sent_ns_) continue;  // fresher than this
    const common::ClientOrderId cloid = o->last.cloid;
    const OrderInfo* found = nullptr;
    for (const OrderInfo& info : page->items) {
      if (info.venue_order_id == *oid) found = &info;
    }
    common::OrderUpdate venue;
    const bool known = found != nullptr && to_update(*found, venue);
    if (found != nullptr && !known) continue;  // a status we cannot map: ask again next round
    if (known) recover_fills(venue, found->total_fees);
    common::OrderUpdate u;
    if (reconciler_.apply_status(table_, cloid, known ? &venue : nullptr, now, rec_counters_, u)) {
      counters_.reconcile_corrections.add();
      emit(common::ExecEvent(u));
    }
  }
  rec_ids_next_ = end;
  rec_next_stage(now);
}

void CoinbaseOrderGateway::recover_fills(const common::OrderUpdate& venue,
                                         common::Money fees) noexcept {
  const hyperliquid::TrackedOrder* o = order_of(venue.cloid, venue.venue_order_id);
  if (o == nullptr || venue.filled_qty.raw() <= 0) return;  // not ours, or nothing executed
  const FillTally* t = tally_.find(o->last.cloid);
  const FillTally none{};
  if (t == nullptr) t = &none;
  const std::int64_t missing = venue.filled_qty.raw() - t->qty_raw;
  if (missing <= 0) return;
  // The missing part's average price: the venue's total value less what was reported.
  const __int128 total = static_cast<__int128>(venue.avg_price.raw()) * venue.filled_qty.raw();
  __int128 px = (total - t->value_raw + missing / 2) / missing;
  if (px <= 0) px = venue.avg_price.raw();  // inconsistent history: the average is the best bet
  common::Fill f;
  f.ts_recv = clock_.now_ns();
  f.cloid = o->last.cloid;
  f.venue_order_id = venue.venue_order_id.is_null() ? o->last.venue_order_id : venue.venue_order_id;
  f.fill_id = mix(f.venue_order_id.lo ^ mix(static_cast<std::uint64_t>(venue.filled_qty.raw())));
  f.price = common::Price::from_raw(static_cast<std::int64_t>(px));
  f.qty = common::Qty::from_raw(missing);
  f.fee = common::Money::from_raw(std::max<std::int64_t>(0, fees.raw() - t->fee_raw));
  f.instrument = o->last.instrument;
  f.strategy = o->last.strategy;
  f.side = o->last.side;
  f.venue = common::VenueId::kCoinbase;
  f.liquidity = common::Liquidity::kTaker;  // the order object does not tell
  cb_counters_.fills_recovered.add();
  counters_.reconcile_corrections.add();
  emit_fill(f);
}

// GET /intx/positions/{portfolio}: {"positions":[{"product_id"|"symbol","net_size",
// "position_side"}...]}. A product not listed is flat.
void CoinbaseOrderGateway::on_rec_positions(const HttpResponse& resp) noexcept {
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(resp.body.data(), resp.body.size())["positions"].get_array().get(list) !=
      simdjson::SUCCESS) {
    counters_.parse_errors.add();
    rec_counters_.failed_rounds.add();
    return;
  }
  std::vector<std::int64_t> venue(positions_.size(), 0);
  for (auto item : list) {
    std::string_view product, size, side;
    if (item["product_id"].get_string().get(product) != simdjson::SUCCESS &&
        item["symbol"].get_string().get(product) != simdjson::SUCCESS) {
      continue;
    }
    const common::InstrumentId id = registry_.find(common::VenueId::kCoinbase, product);
    if (!id.valid() || id.value >= venue.size() ||
        item["net_size"].get_string().get(size) != simdjson::SUCCESS) {
      continue;
    }
    const auto net = common::Qty::parse(size);
    if (!net) continue;
    std::int64_t raw = net->raw();
    if (item["position_side"].get_string().get(side) == simdjson::SUCCESS && raw > 0 &&
        side.find("SHORT") != std::string_view::npos) {
      raw = -raw;
    }
    venue[id.value] = raw;
  }
  cb_counters_.position_rounds.add();
  // Compared only when nothing could still be on its way (an order or fill being reported).
  const bool quiet = in_flight() == 0;
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    PositionSlot& p = positions_[i];
    p.venue_raw = venue[i];
    if (!p.known) {
      p.base_raw = venue[i] - p.fills_raw;
      p.known = true;
    } else if (quiet && p.base_raw + p.fills_raw != venue[i]) {
      cb_counters_.position_mismatches.add();
    }
  }
}

}  // namespace peregrine::gateways::coinbase
