#include "tools/venue_sim/sim_world.hpp"

#include <array>
#include <utility>
#include <vector>

#include "gateways/sim/exchange.hpp"
#include "gateways/sim/synthetic_market.hpp"

namespace peregrine::venue_sim {

namespace gs = gateways::sim;
using common::VenueId;

struct SimWorld::Impl {
  SimConfig& cfg;
  std::array<std::unique_ptr<gs::Exchange>, common::kVenueCount> exchanges;
  gs::SyntheticMarket market;
  // Per asset (config order): when the next scheduled dislocation starts and how many ran.
  std::vector<common::Nanos> next_dislocation;
  std::vector<std::uint64_t> dislocations_done;

  explicit Impl(SimConfig& c) : cfg(c), market(c.seed) {}
};

namespace {

std::string_view status_name(common::OrderStatus s) {
  switch (s) {
    case common::OrderStatus::kNew:
      return "new";
    case common::OrderStatus::kPartiallyFilled:
      return "partially_filled";
    default:
      return "closed";
  }
}

}  // namespace

SimWorld::SimWorld(SimConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {
  for (VenueId v : common::kAllVenues) {
    auto& s = cfg.venues[common::index(v)];
    if (!s.enabled) continue;
    auto ex = std::make_unique<gs::Exchange>(std::string(venue_config_name(v)));
    for (auto& inst : s.venue.instruments) {
      gs::SimInstrumentSpec spec;
      spec.symbol = inst.symbol;
      spec.asset = inst.asset;
      spec.tick = inst.tick;
      spec.lot = inst.lot;
      spec.min_notional = inst.min_notional;
      spec.maker_fee_ppm = inst.maker_fee_ppm;
      spec.taker_fee_ppm = inst.taker_fee_ppm;
      spec.max_leverage = inst.max_leverage;
      inst.instrument_id = ex->add_instrument(spec).value;
    }
    for (auto& acc : s.venue.accounts) {
      acc.account_id = ex->add_account(acc.name, acc.initial_balance, acc.hedge_mode);
    }
    impl_->exchanges[common::index(v)] = std::move(ex);
  }
  // Background liquidity: one maker account per venue, funded so margin never binds it.
  std::array<gs::AccountId, common::kVenueCount> makers{};
  for (VenueId v : common::kAllVenues) {
    if (auto* ex = exchange(v)) {
      makers[common::index(v)] =
          ex->add_account("synthetic-maker", common::Money::from_raw(INT64_C(1) << 62));
    }
  }
  for (const auto& a : cfg.assets) {
    std::vector<gs::VenueLeg> legs;
    for (VenueId v : common::kAllVenues) {
      auto* ex = exchange(v);
      if (ex == nullptr) continue;
      for (const auto& inst : cfg.venues[common::index(v)].venue.instruments) {
        if (inst.asset != a.asset) continue;
        gs::VenueLeg leg;
        leg.exchange = ex;
        leg.instrument = common::InstrumentId{inst.instrument_id};
        leg.liquidity_account = makers[common::index(v)];
        const auto name = venue_config_name(v);
        if (auto it = a.basis_bps.find(name); it != a.basis_bps.end()) leg.basis_bps = it->second;
        if (auto it = a.lag_ms.find(name); it != a.lag_ms.end()) leg.lag = it->second * 1'000'000;
        legs.push_back(leg);
      }
    }
    if (legs.empty()) continue;
    gs::AssetMarketConfig m;
    m.asset = a.asset;
    m.start_price = a.start_price.to_double();
    m.vol_per_sqrt_s = a.vol_bps_per_sqrt_s / 10'000.0;
    m.levels = a.levels;
    m.level_qty = a.level_size.to_double();
    m.spread_ticks = a.spread_ticks;
    m.taker_rate_hz = a.taker_rate_hz;
    m.cancel_rate_hz = a.cancel_rate_hz;
    m.place_rate_hz = a.place_rate_hz;
    impl_->market.add_asset(m, std::move(legs));
  }
}

SimWorld::~SimWorld() = default;

gs::Exchange* SimWorld::exchange(VenueId v) noexcept {
  return impl_->exchanges[common::index(v)].get();
}

void SimWorld::step(common::Nanos now) {
  Impl& m = *impl_;
  if (m.next_dislocation.size() != m.cfg.assets.size()) {
    m.next_dislocation.assign(m.cfg.assets.size(), 0);
    m.dislocations_done.assign(m.cfg.assets.size(), 0);
  }
  for (std::size_t i = 0; i < m.cfg.assets.size(); ++i) {
    const auto& d = m.cfg.assets[i].dislocations;
    if (d.every_s <= 0 || d.venues.empty()) continue;
    const auto period = static_cast<common::Nanos>(d.every_s * 1e9);
    if (m.next_dislocation[i] == 0) m.next_dislocation[i] = now + period;  // first after a period
    if (now < m.next_dislocation[i]) continue;
    m.next_dislocation[i] += period;
    const std::uint64_t k = m.dislocations_done[i]++;
    VenueId v{};
    if (!common::parse_venue(d.venues[k % d.venues.size()], &v)) continue;
    const double bps = (k / d.venues.size()) % 2 == 0 ? d.bps : -d.bps;
    std::string ignored;
    static_cast<void>(dislocate(m.cfg.assets[i].asset, v, bps, d.duration_ms, now, &ignored));
  }
  m.market.step(now);
  for (auto& ex : impl_->exchanges) {
    if (ex) ex->advance(now);
  }
}

void SimWorld::write_truth(cex::JsonWriter& out, VenueId v, const VenueFaults& faults) const {
  const auto* ex = impl_->exchanges[common::index(v)].get();
  const auto& s = impl_->cfg.venues[common::index(v)];
  out.begin_object();
  out.kv_bool("enabled", ex != nullptr);
  if (ex != nullptr) {
    out.key("books").begin_object();
    std::array<gs::BookLevel, 20> levels;
    for (const auto& inst : s.venue.instruments) {
      const common::InstrumentId id{inst.instrument_id};
      out.key(inst.symbol).begin_object();
      for (auto side : {common::BookSide::kBid, common::BookSide::kAsk}) {
        out.key(side == common::BookSide::kBid ? "bids" : "asks").begin_array();
        const std::size_t n = ex->book_levels(id, side, levels);
        for (std::size_t i = 0; i < n; ++i) {
          out.begin_array()
              .dec(levels[i].price)
              .dec(levels[i].qty)
              .unum(levels[i].orders)
              .end_array();
        }
        out.end_array();
      }
      out.kv_dec("last", ex->last_trade_price(id));
      out.kv_dec("mark", ex->mark_price(id));
      out.end_object();
    }
    out.end_object();
    out.key("accounts").begin_array();
    for (const auto& acc : s.venue.accounts) {
      const auto a = acc.account_id;
      out.begin_object().kv("name", acc.name).kv_unum("id", a);
      const auto bal = ex->balance(a);
      out.key("balance")
          .begin_object()
          .kv_dec("wallet", bal.wallet)
          .kv_dec("unrealized", bal.unrealized)
          .kv_dec("margin_used", bal.margin_used)
          .kv_dec("available", bal.available)
          .end_object();
      out.key("positions").begin_array();
      for (const auto& inst : s.venue.instruments) {
        for (auto ps : {common::PositionSide::kBoth, common::PositionSide::kLong,
                        common::PositionSide::kShort}) {
          if ((ps == common::PositionSide::kBoth) == acc.hedge_mode) continue;
          const auto p = ex->position(a, common::InstrumentId{inst.instrument_id}, ps);
          if (p.qty.is_zero() && p.realized_pnl.is_zero()) continue;
          out.begin_object().kv("symbol", inst.symbol).kv_dec("qty", p.qty);
          out.kv_dec("entry_price", p.entry_price).kv_dec("realized_pnl", p.realized_pnl);
          out.kv_dec("fees_paid", p.fees_paid).kv_num("leverage", p.leverage).end_object();
        }
      }
      out.end_array();
      out.key("open_orders").begin_array();
      ex->for_each_open_order(a, std::nullopt, [&](const gs::SimOrder& o) {
        out.begin_object().kv_unum("id", o.id).kv("client_id", o.client_id.view());
        out.kv("symbol", ex->spec(o.instrument).symbol);
        out.kv("side", o.side == common::Side::kBuy ? "buy" : "sell");
        out.kv_dec("price", o.price).kv_dec("qty", o.qty).kv_dec("filled", o.filled);
        out.kv_dec("trigger_price", o.trigger_price).kv_bool("reduce_only", o.reduce_only);
        out.kv("status", status_name(o.status)).end_object();
      });
      out.end_array();
      out.end_object();
    }
    out.end_array();
  }
  const auto& c = faults.counters;
  out.key("faults").begin_object();
  out.kv_unum("ws_dropped", c.ws_dropped).kv_unum("ws_reset", c.ws_reset);
  out.kv_unum("stale_ms", c.stale_ms).kv_unum("seq_skipped", c.seq_skipped);
  out.kv_unum("seq_duplicated", c.seq_duplicated).kv_unum("malformed_frames", c.malformed_frames);
  out.kv_unum("truncated_frames", c.truncated_frames);
  out.kv_unum("delayed_responses", c.delayed_responses).kv_unum("http_errors", c.http_errors);
  out.kv_unum("responses_lost", c.responses_lost);
  out.kv_unum("slow_consumer_drops", c.slow_consumer_drops);
  out.end_object();
  out.key("armed").begin_object();
  out.kv_unum("skip_seq", faults.skip_seq).kv_unum("duplicate_seq", faults.duplicate_seq);
  out.kv_unum("malformed", faults.malformed).kv_unum("truncated", faults.truncated);
  out.kv_unum("drop_ws", faults.drop_ws).kv_unum("reset_ws", faults.reset_ws);
  out.kv_unum("http_error", faults.http_error)
      .kv_num("http_error_status", faults.http_error_status);
  out.kv_unum("lose_response", faults.lose_response).kv_unum("delay_ms", faults.delay_ms);
  out.kv_num("stale_until_ns", faults.stale_until_ns);
  out.kv_unum("slow_consumer_limit", faults.slow_consumer_limit);
  out.end_object();
  out.end_object();
}

namespace {
bool known_asset(const SimConfig& cfg, std::string_view asset) {
  for (const auto& a : cfg.assets) {
    if (a.asset == asset) return true;
  }
  return false;
}
}  // namespace

bool SimWorld::move_fair_value(std::string_view asset, double pct, std::string* error) {
  if (!known_asset(impl_->cfg, asset)) {
    *error = "unknown asset \"" + std::string(asset) + "\"";
    return false;
  }
  if (!(pct > -90.0 && pct < 1000.0)) {
    *error = "move_pct must be in (-90, 1000)";
    return false;
  }
  impl_->market.move_fair_value(asset, pct);
  return true;
}

bool SimWorld::dislocate(std::string_view asset, VenueId v, double bps, std::int64_t duration_ms,
                         common::Nanos now, std::string* error) {
  if (!known_asset(impl_->cfg, asset)) {
    *error = "unknown asset \"" + std::string(asset) + "\"";
    return false;
  }
  auto* ex = exchange(v);
  if (ex == nullptr) {
    *error = "venue is disabled";
    return false;
  }
  if (duration_ms <= 0 || !(bps > -5000.0 && bps < 5000.0)) {
    *error = "dislocate_bps must be in (-5000, 5000) and duration_ms > 0";
    return false;
  }
  impl_->market.dislocate(asset, ex, bps, duration_ms * 1'000'000, now);
  return true;
}

std::uint64_t SimWorld::orders_accepted() const noexcept { return impl_->market.orders_sent(); }

std::uint64_t SimWorld::fills() const noexcept {
  std::uint64_t n = 0;
  for (const auto& ex : impl_->exchanges) {
    if (ex) n += ex->trade_count();
  }
  return n;
}

}  // namespace peregrine::venue_sim
