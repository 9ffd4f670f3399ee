// Coinbase REST bodies for start-up and reconciliation: products, accounts, orders and fills.
// RestParser: one thread at a time (start-up, reconciliation, tools); allocates, not hot path.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "common/result.hpp"
#include "gateways/coinbase/codec_error.hpp"
#include "gateways/coinbase/order_codec.hpp"

namespace peregrine::gateways::coinbase {

struct ProductInfo {
  std::string product_id;  // "BTC-USD"
  std::string base_currency;
  std::string quote_currency;
  std::string product_type;          // "SPOT", "FUTURE"
  std::string contract_expiry_type;  // futures: "PERPETUAL" / "EXPIRING"; empty for spot
  std::string status;                // "online"
  common::Price price_increment;     // the price tick (quote_increment when absent)
  common::Price quote_increment;
  common::Qty base_increment;  // the size step
  common::Qty base_min_size;
  common::Qty base_max_size;  // zero when absent or beyond 9.2e10
  common::Money quote_min_size;
  common::Money quote_max_size;  // zero when absent or beyond 9.2e10
  bool trading_disabled = false;
  bool is_disabled = false;
  bool cancel_only = false;
  bool limit_only = false;
  bool post_only = false;
};

// Instrument for the registry: symbol = product_id, asset = base currency (or `asset_override`),
// tick = price_increment, lot = base_increment, min_qty = base_min_size, min_notional =
// quote_min_size, kind = perpetual for PERPETUAL futures, else spot.
[[nodiscard]] common::Instrument to_instrument(const ProductInfo& p,
                                               std::string_view asset_override = {});

struct AccountInfo {
  std::string uuid;
  std::string currency;
  common::Money available;
  common::Money hold;
  std::string type;
  bool active = false;
  bool ready = false;
};

struct OrderInfo {
  std::string order_id;
  common::VenueOrderId venue_order_id;
  std::string client_order_id;
  common::ClientOrderId cloid;  // when client_order_id is our UUID form
  bool has_cloid = false;
  std::string product_id;
  common::InstrumentId instrument;  // invalid when not in the registry
  common::Side side = common::Side::kBuy;
  std::string status_text;
  StatusMapping status;
  std::string order_type;     // "LIMIT", "MARKET", "STOP_LIMIT", ...
  std::string time_in_force;  // "GOOD_UNTIL_CANCELLED", "IMMEDIATE_OR_CANCEL", ...
  std::string config_kind;    // the order_configuration key, e.g. "limit_limit_gtc"
  common::Qty base_size;      // from order_configuration (zero for quote-sized orders)
  common::Money quote_size;
  common::Price limit_price;
  common::Price stop_price;
  bool post_only = false;
  common::Qty filled_size;
  common::Price average_filled_price;
  common::Money filled_value;
  common::Money total_fees;
  std::uint64_t number_of_fills = 0;
  common::Nanos created_time = 0;
  std::string reject_reason;
};

struct FillInfo {
  common::Fill fill;  // fill_id = numeric trade_id (or its hash); cloid unknown (not in the body)
  std::string entry_id;
  std::string trade_id;
  std::string order_id;
  std::string product_id;
  std::string trade_type;  // "FILL", "REVERSAL", "CORRECTION", "SYNTHETIC"
  bool size_in_quote = false;
};

template <typename T>
struct Page {
  std::vector<T> items;
  bool has_next = false;
  std::string cursor;
};

// Decimal policy: venue-computed values with more than 8 decimals are truncated and counted in
// inexact(); an unusable item (missing id, bad required decimal, price tick finer than 1e-8) is
// skipped and counted in skipped(); a body that is not the expected shape is an error.
class RestParser {
 public:
  explicit RestParser(const common::InstrumentRegistry* registry = nullptr) : registry_(registry) {}

  // GET /products and the public GET /market/products: {"products":[...],"num_products":N}.
  [[nodiscard]] common::Result<std::vector<ProductInfo>, CodecError> parse_products(
      std::string_view json);
  // GET /accounts: {"accounts":[...],"has_next","cursor","size"}.
  [[nodiscard]] common::Result<Page<AccountInfo>, CodecError> parse_accounts(std::string_view json);
  // GET /orders/historical/batch: {"orders":[...],"has_next","cursor"}.
  [[nodiscard]] common::Result<Page<OrderInfo>, CodecError> parse_orders(std::string_view json);
  // GET /orders/historical/{id}: {"order":{...}}.
  [[nodiscard]] common::Result<OrderInfo, CodecError> parse_order(std::string_view json);
  // GET /orders/historical/fills: {"fills":[...],"cursor"}.
  [[nodiscard]] common::Result<Page<FillInfo>, CodecError> parse_fills(std::string_view json);

  [[nodiscard]] std::uint64_t skipped() const noexcept { return skipped_; }
  [[nodiscard]] std::uint64_t inexact() const noexcept { return inexact_; }

 private:
  [[nodiscard]] common::InstrumentId find(std::string_view product) const noexcept;
  bool read_order(simdjson::dom::object obj, OrderInfo& o);

  const common::InstrumentRegistry* registry_;
  simdjson::dom::parser parser_;
  std::uint64_t skipped_ = 0;
  std::uint64_t inexact_ = 0;
};

}  // namespace peregrine::gateways::coinbase
