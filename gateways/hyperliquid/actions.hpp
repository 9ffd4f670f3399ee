// Typed Hyperliquid L1 actions (venue doc §7) and one visitor per action that writes its
// fields in the canonical key order to any writer (msgpack for hashing, JSON for the body), so
// what is signed and what is sent cannot differ. Any thread; no allocation, no exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/decimal.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "gateways/crypto/secp256k1_signer.hpp"
#include "gateways/hyperliquid/encoding.hpp"
#include "gateways/hyperliquid/wire.hpp"

namespace peregrine::gateways::hyperliquid {

enum class Tif : std::uint8_t { kGtc, kIoc, kAlo };
enum class Tpsl : std::uint8_t { kTp, kSl };
enum class Grouping : std::uint8_t { kNa, kNormalTpsl, kPositionTpsl };

[[nodiscard]] std::string_view to_string(Tif t) noexcept;
[[nodiscard]] std::string_view to_string(Tpsl t) noexcept;
[[nodiscard]] std::string_view to_string(Grouping g) noexcept;

// One order as in `orders[]` of the order action. Prices/sizes are validated against the
// asset's szDecimals by make_limit/make_trigger (or validate()) before encoding.
struct OrderWire {
  std::uint32_t asset = 0;
  bool is_buy = true;
  common::Price price;  // "p": limit price (also required on triggers)
  common::Qty size;     // "s"
  bool reduce_only = false;
  bool is_trigger = false;
  Tif tif = Tif::kGtc;                         // limit orders
  bool trigger_is_market = false;              // trigger orders
  common::Price trigger_price;                 // trigger orders
  Tpsl tpsl = Tpsl::kSl;                       // trigger orders
  std::optional<common::ClientOrderId> cloid;  // "c"
};

struct AssetSpec {
  std::uint32_t asset = 0;
  int sz_decimals = 0;
  Market market = Market::kPerp;
};

[[nodiscard]] WireError validate(const OrderWire& o, const AssetSpec& spec) noexcept;

struct Builder {
  crypto::Address address{};  // lowercased on the wire
  std::uint32_t fee_tenths_bp = 0;
};

struct OrderAction {
  std::span<const OrderWire> orders;
  Grouping grouping = Grouping::kNa;
  std::optional<Builder> builder;
};

struct CancelEntry {
  std::uint32_t asset = 0;
  std::uint64_t oid = 0;
};
struct CancelAction {
  std::span<const CancelEntry> cancels;
};

struct CancelByCloidEntry {
  std::uint32_t asset = 0;
  common::ClientOrderId cloid;
};
struct CancelByCloidAction {
  std::span<const CancelByCloidEntry> cancels;
};

// Target of a modify: the venue oid or our cloid.
struct ModifyEntry {
  std::optional<std::uint64_t> oid;
  std::optional<common::ClientOrderId> cloid;
  OrderWire order;
};
struct ModifyAction {
  ModifyEntry modify;
};
struct BatchModifyAction {
  std::span<const ModifyEntry> modifies;
};

struct UpdateLeverageAction {
  std::uint32_t asset = 0;
  bool is_cross = true;
  std::uint32_t leverage = 1;
};

struct UpdateIsolatedMarginAction {
  std::uint32_t asset = 0;
  bool is_buy = true;
  std::int64_t ntli = 0;  // USD x 1e6, signed
};

// Dead man's switch: cancel all open orders at `time` (ms, >= now + 5 s); no time = clear.
struct ScheduleCancelAction {
  std::optional<std::uint64_t> time;
};

struct TwapOrderAction {
  std::uint32_t asset = 0;
  bool is_buy = true;
  common::Qty size;
  bool reduce_only = false;
  std::uint32_t minutes = 5;
  bool randomize = false;
};

struct TwapCancelAction {
  std::uint32_t asset = 0;
  std::uint64_t twap_id = 0;
};

struct NoopAction {};

namespace detail {
inline void write_decimal(auto& w, common::Price p) {
  char buf[common::kDecimalMaxChars];
  w.str(std::string_view(buf, p.format(buf)));
}
inline void write_decimal(auto& w, common::Qty q) {
  char buf[common::kDecimalMaxChars];
  w.str(std::string_view(buf, q.format(buf)));
}
inline void write_cloid(auto& w, const common::ClientOrderId& id) {
  char buf[common::ClientOrderId::kCloidLen];
  w.str(std::string_view(buf, id.write_cloid(buf)));
}
}  // namespace detail

// Key order: a, b, p, s, r, t, c?  with t = {"limit":{"tif"}} |
// {"trigger":{isMarket,triggerPx,tpsl}}
template <typename W>
void write_order_wire(W& w, const OrderWire& o) {
  w.map(o.cloid ? 7 : 6);
  w.key("a");
  w.uint(o.asset);
  w.key("b");
  w.boolean(o.is_buy);
  w.key("p");
  detail::write_decimal(w, o.price);
  w.key("s");
  detail::write_decimal(w, o.size);
  w.key("r");
  w.boolean(o.reduce_only);
  w.key("t");
  w.map(1);
  if (o.is_trigger) {
    w.key("trigger");
    w.map(3);
    w.key("isMarket");
    w.boolean(o.trigger_is_market);
    w.key("triggerPx");
    detail::write_decimal(w, o.trigger_price);
    w.key("tpsl");
    w.str(to_string(o.tpsl));
    w.end();
  } else {
    w.key("limit");
    w.map(1);
    w.key("tif");
    w.str(to_string(o.tif));
    w.end();
  }
  w.end();
  if (o.cloid) {
    w.key("c");
    detail::write_cloid(w, *o.cloid);
  }
  w.end();
}

template <typename W>
void write_action(W& w, const OrderAction& a) {
  w.map(a.builder ? 4 : 3);
  w.key("type");
  w.str("order");
  w.key("orders");
  w.array(static_cast<std::uint32_t>(a.orders.size()));
  for (const auto& o : a.orders) write_order_wire(w, o);
  w.end();
  w.key("grouping");
  w.str(to_string(a.grouping));
  if (a.builder) {
    w.key("builder");
    w.map(2);
    w.key("b");
    char hex[42];
    static constexpr char kHex[] = "0123456789abcdef";
    hex[0] = '0';
    hex[1] = 'x';
    for (std::size_t i = 0; i < 20; ++i) {
      hex[2 + 2 * i] = kHex[a.builder->address[i] >> 4];
      hex[3 + 2 * i] = kHex[a.builder->address[i] & 0xf];
    }
    w.str(std::string_view(hex, sizeof(hex)));
    w.key("f");
    w.uint(a.builder->fee_tenths_bp);
    w.end();
  }
  w.end();
}

template <typename W>
void write_action(W& w, const CancelAction& a) {
  w.map(2);
  w.key("type");
  w.str("cancel");
  w.key("cancels");
  w.array(static_cast<std::uint32_t>(a.cancels.size()));
  for (const auto& c : a.cancels) {
    w.map(2);
    w.key("a");
    w.uint(c.asset);
    w.key("o");
    w.uint(c.oid);
    w.end();
  }
  w.end();
  w.end();
}

template <typename W>
void write_action(W& w, const CancelByCloidAction& a) {
  w.map(2);
  w.key("type");
  w.str("cancelByCloid");
  w.key("cancels");
  w.array(static_cast<std::uint32_t>(a.cancels.size()));
  for (const auto& c : a.cancels) {
    w.map(2);
    w.key("asset");
    w.uint(c.asset);
    w.key("cloid");
    detail::write_cloid(w, c.cloid);
    w.end();
  }
  w.end();
  w.end();
}

template <typename W>
void write_modify_entry(W& w, const ModifyEntry& m) {
  w.key("oid");
  if (m.cloid) {
    detail::write_cloid(w, *m.cloid);
  } else {
    w.uint(m.oid.value_or(0));
  }
  w.key("order");
  write_order_wire(w, m.order);
}

template <typename W>
void write_action(W& w, const ModifyAction& a) {
  w.map(3);
  w.key("type");
  w.str("modify");
  write_modify_entry(w, a.modify);
  w.end();
}

template <typename W>
void write_action(W& w, const BatchModifyAction& a) {
  w.map(2);
  w.key("type");
  w.str("batchModify");
  w.key("modifies");
  w.array(static_cast<std::uint32_t>(a.modifies.size()));
  for (const auto& m : a.modifies) {
    w.map(2);
    write_modify_entry(w, m);
    w.end();
  }
  w.end();
  w.end();
}

template <typename W>
void write_action(W& w, const UpdateLeverageAction& a) {
  w.map(4);
  w.key("type");
  w.str("updateLeverage");
  w.key("asset");
  w.uint(a.asset);
  w.key("isCross");
  w.boolean(a.is_cross);
  w.key("leverage");
  w.uint(a.leverage);
  w.end();
}

template <typename W>
void write_action(W& w, const UpdateIsolatedMarginAction& a) {
  w.map(4);
  w.key("type");
  w.str("updateIsolatedMargin");
  w.key("asset");
  w.uint(a.asset);
  w.key("isBuy");
  w.boolean(a.is_buy);
  w.key("ntli");
  w.sint(a.ntli);
  w.end();
}

template <typename W>
void write_action(W& w, const ScheduleCancelAction& a) {
  w.map(a.time ? 2 : 1);
  w.key("type");
  w.str("scheduleCancel");
  if (a.time) {
    w.key("time");
    w.uint(*a.time);
  }
  w.end();
}

template <typename W>
void write_action(W& w, const TwapOrderAction& a) {
  w.map(2);
  w.key("type");
  w.str("twapOrder");
  w.key("twap");
  w.map(6);
  w.key("a");
  w.uint(a.asset);
  w.key("b");
  w.boolean(a.is_buy);
  w.key("s");
  detail::write_decimal(w, a.size);
  w.key("r");
  w.boolean(a.reduce_only);
  w.key("m");
  w.uint(a.minutes);
  w.key("t");
  w.boolean(a.randomize);
  w.end();
  w.end();
}

template <typename W>
void write_action(W& w, const TwapCancelAction& a) {
  w.map(3);
  w.key("type");
  w.str("twapCancel");
  w.key("a");
  w.uint(a.asset);
  w.key("t");
  w.uint(a.twap_id);
  w.end();
}

template <typename W>
void write_action(W& w, const NoopAction&) {
  w.map(1);
  w.key("type");
  w.str("noop");
  w.end();
}

// msgpack bytes of an action (what is hashed). False if `sink` overflowed.
template <typename Action>
[[nodiscard]] bool encode_msgpack(const Action& a, ByteSink& sink) noexcept {
  MsgpackWriter w(sink);
  write_action(w, a);
  return !sink.overflow();
}

}  // namespace peregrine::gateways::hyperliquid
