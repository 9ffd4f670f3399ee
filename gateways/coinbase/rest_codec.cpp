#include "gateways/coinbase/rest_codec.hpp"

#include "gateways/coinbase/json_util.hpp"

namespace peregrine::gateways::coinbase {
namespace {

namespace dom = simdjson::dom;
using common::Unexpected;

std::string_view str(dom::object o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

bool flag(dom::object o, std::string_view key) {
  bool b = false;
  if (o[key].get_bool().get(b) != simdjson::SUCCESS) return false;
  return b;
}

enum class Dec : std::uint8_t { kOk, kAbsent, kInexact, kBad };

// Absent, null or "" -> kAbsent (out = 0); more than 8 decimals -> truncated, kInexact.
template <typename Tag>
Dec dec(dom::object o, std::string_view key, common::Fixed<Tag>& out) {
  out = common::Fixed<Tag>{};
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS || s.empty()) return Dec::kAbsent;
  auto r = common::Fixed<Tag>::parse(s);
  if (r) {
    out = *r;
    return Dec::kOk;
  }
  if (r.error() != common::DecimalError::kTooManyDecimals) return Dec::kBad;
  r = common::Fixed<Tag>::parse(s, common::ParseMode::kTruncate);
  if (!r) return Dec::kBad;
  out = *r;
  return Dec::kInexact;
}

// Top-level "key":[...] of a body, or kMissingField / kWrongType.
CodecError array_of(dom::element root, std::string_view key, dom::array& out) {
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return CodecError::kWrongType;
  dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return CodecError::kMissingField;
  if (e.get_array().get(out) != simdjson::SUCCESS) return CodecError::kWrongType;
  return CodecError::kOk;
}

template <typename T>
void read_paging(dom::element root, Page<T>& page) {
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return;
  page.has_next = flag(obj, "has_next");
  page.cursor = std::string(str(obj, "cursor"));
}

CodecError parse_root(dom::parser& parser, std::string_view json, dom::element& root) {
  if (const CodecError e = detail::precheck(json); e != CodecError::kOk) return e;
  if (const auto err = parser.parse(json.data(), json.size()).get(root); err) {
    return detail::from_simdjson(err);
  }
  return CodecError::kOk;
}

}  // namespace

common::Instrument to_instrument(const ProductInfo& p, std::string_view asset_override) {
  common::Instrument i;
  i.venue = common::VenueId::kCoinbase;
  i.kind = p.contract_expiry_type == "PERPETUAL" ? common::InstrumentKind::kPerpetual
                                                 : common::InstrumentKind::kSpot;
  static_cast<void>(i.symbol.assign(p.product_id));
  static_cast<void>(i.asset.assign(asset_override.empty() ? p.base_currency : asset_override));
  i.tick = p.price_increment;
  i.lot = p.base_increment;
  i.min_qty = p.base_min_size;
  i.min_notional = p.quote_min_size;
  return i;
}

common::InstrumentId RestParser::find(std::string_view product) const noexcept {
  if (registry_ == nullptr) return {};
  return registry_->find(common::VenueId::kCoinbase, product);
}

common::Result<std::vector<ProductInfo>, CodecError> RestParser::parse_products(
    std::string_view json) {
  dom::element root;
  if (const CodecError e = parse_root(parser_, json, root); e != CodecError::kOk) {
    return Unexpected{e};
  }
  dom::array products;
  if (const CodecError e = array_of(root, "products", products); e != CodecError::kOk) {
    return Unexpected{e};
  }
  std::vector<ProductInfo> out;
  out.reserve(products.size());
  for (const dom::element item : products) {
    dom::object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) return Unexpected{CodecError::kWrongType};
    ProductInfo p;
    p.product_id = std::string(str(o, "product_id"));
    p.base_currency = std::string(str(o, "base_currency_id"));
    if (p.base_currency.empty()) p.base_currency = std::string(str(o, "base_display_symbol"));
    p.quote_currency = std::string(str(o, "quote_currency_id"));
    p.product_type = std::string(str(o, "product_type"));
    p.status = std::string(str(o, "status"));
    dom::object fut;
    if (o["future_product_details"].get_object().get(fut) == simdjson::SUCCESS) {
      p.contract_expiry_type = std::string(str(fut, "contract_expiry_type"));
    }
    // The tick and lot must be exact: a product finer than 1e-8 cannot be traded here.
    const Dec price_inc = dec(o, "price_increment", p.price_increment);
    const Dec quote_inc = dec(o, "quote_increment", p.quote_increment);
    const Dec base_inc = dec(o, "base_increment", p.base_increment);
    if (price_inc == Dec::kAbsent && quote_inc == Dec::kOk) p.price_increment = p.quote_increment;
    if (p.product_id.empty() || base_inc != Dec::kOk || !p.base_increment.is_positive() ||
        !p.price_increment.is_positive() ||
        (price_inc != Dec::kOk && !(price_inc == Dec::kAbsent && quote_inc == Dec::kOk))) {
      ++skipped_;
      continue;
    }
    // Limits are informational: unparsable or huge ones (above 9.2e10) become zero.
    if (dec(o, "base_min_size", p.base_min_size) == Dec::kBad) p.base_min_size = {};
    if (dec(o, "base_max_size", p.base_max_size) == Dec::kBad) p.base_max_size = {};
    if (dec(o, "quote_min_size", p.quote_min_size) == Dec::kBad) p.quote_min_size = {};
    if (dec(o, "quote_max_size", p.quote_max_size) == Dec::kBad) p.quote_max_size = {};
    p.trading_disabled = flag(o, "trading_disabled");
    p.is_disabled = flag(o, "is_disabled");
    p.cancel_only = flag(o, "cancel_only");
    p.limit_only = flag(o, "limit_only");
    p.post_only = flag(o, "post_only");
    out.push_back(std::move(p));
  }
  return out;
}

common::Result<Page<AccountInfo>, CodecError> RestParser::parse_accounts(std::string_view json) {
  dom::element root;
  if (const CodecError e = parse_root(parser_, json, root); e != CodecError::kOk) {
    return Unexpected{e};
  }
  dom::array accounts;
  if (const CodecError e = array_of(root, "accounts", accounts); e != CodecError::kOk) {
    return Unexpected{e};
  }
  Page<AccountInfo> page;
  read_paging(root, page);
  for (const dom::element item : accounts) {
    dom::object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) return Unexpected{CodecError::kWrongType};
    AccountInfo a;
    a.uuid = std::string(str(o, "uuid"));
    a.currency = std::string(str(o, "currency"));
    a.type = std::string(str(o, "type"));
    a.active = flag(o, "active");
    a.ready = flag(o, "ready");
    dom::object bal;
    bool ok = !a.currency.empty();
    for (const auto& [key, dst] :
         {std::pair<std::string_view, common::Money*>{"available_balance", &a.available},
          std::pair<std::string_view, common::Money*>{"hold", &a.hold}}) {
      if (o[key].get_object().get(bal) != simdjson::SUCCESS) continue;
      const Dec d = dec(bal, "value", *dst);
      if (d == Dec::kBad) ok = false;
      if (d == Dec::kInexact) ++inexact_;
    }
    if (!ok) {
      ++skipped_;
      continue;
    }
    page.items.push_back(std::move(a));
  }
  return page;
}

bool RestParser::read_order(dom::object o, OrderInfo& r) {
  r.order_id = std::string(str(o, "order_id"));
  const auto vid = common::VenueOrderId::parse(r.order_id);
  if (!vid) return false;
  r.venue_order_id = *vid;
  r.client_order_id = std::string(str(o, "client_order_id"));
  if (const auto c = common::ClientOrderId::parse_uuid(r.client_order_id); c) {
    r.cloid = *c;
    r.has_cloid = true;
  }
  r.product_id = std::string(str(o, "product_id"));
  r.instrument = find(r.product_id);
  const std::string_view side = str(o, "side");
  if (side == "BUY") {
    r.side = common::Side::kBuy;
  } else if (side == "SELL") {
    r.side = common::Side::kSell;
  } else {
    return false;
  }
  r.order_type = std::string(str(o, "order_type"));
  r.time_in_force = std::string(str(o, "time_in_force"));
  r.reject_reason = std::string(str(o, "reject_reason"));
  bool inexact = false;
  const auto note = [&](Dec d) {
    if (d == Dec::kInexact) inexact = true;
    return d != Dec::kBad;
  };
  bool ok = note(dec(o, "filled_size", r.filled_size)) &&
            note(dec(o, "average_filled_price", r.average_filled_price)) &&
            note(dec(o, "filled_value", r.filled_value)) &&
            note(dec(o, "total_fees", r.total_fees));
  std::string_view fills_text = str(o, "number_of_fills");
  if (!fills_text.empty() && !detail::parse_u64(fills_text, &r.number_of_fills)) ok = false;
  const std::string_view created = str(o, "created_time");
  if (!created.empty() && !detail::parse_time(created, &r.created_time, false)) ok = false;
  dom::object config;
  if (o["order_configuration"].get_object().get(config) == simdjson::SUCCESS) {
    for (const auto field : config) {
      dom::object inner;
      if (field.value.get_object().get(inner) != simdjson::SUCCESS) continue;
      r.config_kind = std::string(field.key);
      ok = ok && note(dec(inner, "base_size", r.base_size)) &&
           note(dec(inner, "quote_size", r.quote_size)) &&
           note(dec(inner, "limit_price", r.limit_price)) &&
           note(dec(inner, "stop_price", r.stop_price));
      r.post_only = flag(inner, "post_only");
      break;
    }
  }
  r.status_text = std::string(str(o, "status"));
  r.status = map_order_status(r.status_text, r.filled_size.is_positive());
  if (inexact) ++inexact_;
  return ok;
}

common::Result<Page<OrderInfo>, CodecError> RestParser::parse_orders(std::string_view json) {
  dom::element root;
  if (const CodecError e = parse_root(parser_, json, root); e != CodecError::kOk) {
    return Unexpected{e};
  }
  dom::array orders;
  if (const CodecError e = array_of(root, "orders", orders); e != CodecError::kOk) {
    return Unexpected{e};
  }
  Page<OrderInfo> page;
  read_paging(root, page);
  for (const dom::element item : orders) {
    dom::object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) return Unexpected{CodecError::kWrongType};
    OrderInfo info;
    if (!read_order(o, info)) {
      ++skipped_;
      continue;
    }
    page.items.push_back(std::move(info));
  }
  return page;
}

common::Result<OrderInfo, CodecError> RestParser::parse_order(std::string_view json) {
  dom::element root;
  if (const CodecError e = parse_root(parser_, json, root); e != CodecError::kOk) {
    return Unexpected{e};
  }
  dom::object order;
  if (root["order"].get_object().get(order) != simdjson::SUCCESS) {
    return Unexpected{CodecError::kMissingField};
  }
  OrderInfo info;
  if (!read_order(order, info)) return Unexpected{CodecError::kBadValue};
  return info;
}

common::Result<Page<FillInfo>, CodecError> RestParser::parse_fills(std::string_view json) {
  dom::element root;
  if (const CodecError e = parse_root(parser_, json, root); e != CodecError::kOk) {
    return Unexpected{e};
  }
  dom::array fills;
  if (const CodecError e = array_of(root, "fills", fills); e != CodecError::kOk) {
    return Unexpected{e};
  }
  Page<FillInfo> page;
  read_paging(root, page);
  for (const dom::element item : fills) {
    dom::object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) return Unexpected{CodecError::kWrongType};
    FillInfo fi;
    common::Fill& f = fi.fill;
    fi.entry_id = std::string(str(o, "entry_id"));
    fi.trade_id = std::string(str(o, "trade_id"));
    fi.order_id = std::string(str(o, "order_id"));
    fi.product_id = std::string(str(o, "product_id"));
    fi.trade_type = std::string(str(o, "trade_type"));
    fi.size_in_quote = flag(o, "size_in_quote");
    if (!detail::parse_u64(fi.trade_id, &f.fill_id)) f.fill_id = detail::fnv1a64(fi.trade_id);
    if (const auto v = common::VenueOrderId::parse(fi.order_id); v) f.venue_order_id = *v;
    f.instrument = find(fi.product_id);
    f.venue = common::VenueId::kCoinbase;
    const std::string_view side = str(o, "side");
    f.side = side == "SELL" ? common::Side::kSell : common::Side::kBuy;
    f.liquidity = str(o, "liquidity_indicator") == "MAKER" ? common::Liquidity::kMaker
                                                           : common::Liquidity::kTaker;
    const Dec p = dec(o, "price", f.price);
    const Dec q = dec(o, "size", f.qty);
    const Dec c = dec(o, "commission", f.fee);
    std::string_view when = str(o, "trade_time");
    if (when.empty()) when = str(o, "sequence_timestamp");
    const bool time_ok = !when.empty() && detail::parse_time(when, &f.ts_venue, false);
    if (fi.trade_id.empty() || (side != "BUY" && side != "SELL") || p == Dec::kBad ||
        p == Dec::kAbsent || q == Dec::kBad || q == Dec::kAbsent || c == Dec::kBad || !time_ok) {
      ++skipped_;
      continue;
    }
    if (p == Dec::kInexact || q == Dec::kInexact || c == Dec::kInexact) ++inexact_;
    page.items.push_back(std::move(fi));
  }
  return page;
}

}  // namespace peregrine::gateways::coinbase
