// Exchange: a venue-neutral, single-threaded model of one perpetual-futures venue (books,
// matching, accounts, cross margin, triggers, dead-man switch). One thread only (the venue
// simulator's loop or the replay harness); nothing here locks.
//
// Why it is fast: orders live in one pooled array linked into per-level FIFOs; price levels are
// sorted vectors with the best price at the back (touching the top is O(1), inserting near it
// moves little); ids resolve through a flat open-addressing map. No exceptions on the order
// paths; allocation only when a pool or ring grows to a new high-water mark.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/decimal.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "gateways/sim/id_map.hpp"
#include "gateways/sim/types.hpp"

namespace peregrine::gateways::sim {

// What the venue protocol hears. Called synchronously from inside submit/cancel/modify/advance,
// on the same thread; a listener must not call back into the Exchange's mutating functions.
class Listener {
 public:
  virtual ~Listener() = default;
  // Every change of an aggregated price level (qty 0 = level gone).
  virtual void on_book_level(common::InstrumentId, common::BookSide, common::Price,
                             common::Qty /*new_total_qty*/, common::Nanos /*ts*/) {}
  virtual void on_trade(common::InstrumentId, common::Price, common::Qty,
                        common::Side /*aggressor*/, std::uint64_t /*trade_id*/, common::Nanos) {}
  // Every state change of an order (new, partial, filled, cancelled, rejected, expired,
  // triggered, amended).
  virtual void on_order(const SimOrder&) {}
  // One per side of every match (maker and taker).
  virtual void on_fill(const SimFill&) {}
  virtual void on_position(AccountId, common::InstrumentId, const SimPosition&) {}
  virtual void on_balance(AccountId, const SimBalance&) {}
};

class Exchange {
 public:
  static constexpr std::size_t kClosedOrdersKept = 10000;      // per account
  static constexpr std::size_t kFillsKept = 10000;             // per account
  static constexpr std::size_t kDefaultMaxOpenOrders = 10000;  // per account
  static constexpr int kDefaultLeverage = 20;

  explicit Exchange(std::string venue_name);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  [[nodiscard]] const std::string& venue_name() const noexcept { return venue_name_; }
  void set_listener(Listener* l) noexcept { listener_ = l; }  // may be null

  // Start-up. Throws std::invalid_argument on a bad spec (tick/lot not positive, duplicate symbol).
  common::InstrumentId add_instrument(const SimInstrumentSpec& spec);
  AccountId add_account(std::string name, common::Money initial_balance, bool hedge_mode = false);
  // Credit (or debit, negative) the wallet, e.g. a transfer; emits on_balance.
  void deposit(AccountId account, common::Money amount);
  void set_max_open_orders(AccountId account, std::size_t n) noexcept;

  // Order paths: never throw; every outcome is a SimError.
  SubmitResult submit(const OrderRequest& req, common::Nanos now);
  SimError cancel(AccountId account, common::InstrumentId instrument, OrderId id,
                  common::Nanos now);
  SimError cancel_by_client_id(AccountId account, common::InstrumentId instrument,
                               std::string_view client_id, common::Nanos now);
  // new_qty is the new total order quantity (must exceed what is already filled). A price change
  // or a qty increase loses time priority; a qty decrease keeps it; the new price may cross.
  SubmitResult modify(AccountId account, common::InstrumentId instrument, OrderId id,
                      common::Price new_price, common::Qty new_qty, common::Nanos now);
  std::size_t cancel_all(AccountId account, std::optional<common::InstrumentId> instrument,
                         common::Nanos now);
  SimError set_leverage(AccountId account, common::InstrumentId instrument, int leverage);
  int leverage(AccountId account, common::InstrumentId instrument) const noexcept;
  // 0 disarms; when now >= fire_at in advance(), cancel_all for the account, once.
  void set_dead_man(AccountId account, common::Nanos fire_at);
  void advance(common::Nanos now);  // timers; the server calls it every tick
  // For unrealized PnL and margin; default = last trade, else mid. A zero price clears it.
  void set_mark_price(common::InstrumentId instrument, common::Price price);

  // Queries.
  [[nodiscard]] std::size_t instrument_count() const noexcept { return instruments_.size(); }
  [[nodiscard]] const SimInstrumentSpec& spec(common::InstrumentId id) const;
  [[nodiscard]] std::optional<common::InstrumentId> find_instrument(
      std::string_view symbol) const noexcept;
  // Best first; returns the number written.
  std::size_t book_levels(common::InstrumentId id, common::BookSide side,
                          std::span<BookLevel> out) const noexcept;
  [[nodiscard]] std::size_t level_count(common::InstrumentId id,
                                        common::BookSide side) const noexcept;
  [[nodiscard]] std::optional<common::Price> best(common::InstrumentId id,
                                                  common::BookSide side) const noexcept;
  [[nodiscard]] common::Price last_trade_price(common::InstrumentId id) const noexcept;
  [[nodiscard]] common::Price mark_price(common::InstrumentId id) const noexcept;
  // Open orders and the last kClosedOrdersKept closed ones of the account.
  [[nodiscard]] const SimOrder* find_order(AccountId account, OrderId id) const noexcept;
  // An open order with that client id, else the most recent closed one still kept.
  [[nodiscard]] const SimOrder* find_by_client_id(AccountId account,
                                                  std::string_view client_id) const noexcept;
  // Oldest first; includes untriggered stop / take-profit orders.
  void for_each_open_order(AccountId account, std::optional<common::InstrumentId> instrument,
                           const std::function<void(const SimOrder&)>& fn) const;
  [[nodiscard]] std::size_t open_order_count(AccountId account) const noexcept;
  // The last kFillsKept fills of the account, oldest first.
  void for_each_fill(AccountId account, const std::function<void(const SimFill&)>& fn) const;
  [[nodiscard]] SimPosition position(
      AccountId account, common::InstrumentId instrument,
      common::PositionSide side = common::PositionSide::kBoth) const noexcept;
  [[nodiscard]] SimBalance balance(AccountId account) const noexcept;
  [[nodiscard]] std::size_t account_count() const noexcept { return accounts_.size(); }
  [[nodiscard]] std::optional<AccountId> find_account(std::string_view name) const noexcept;
  [[nodiscard]] bool hedge_mode(AccountId account) const noexcept;
  [[nodiscard]] std::uint64_t trade_count() const noexcept { return trade_seq_; }

 private:
  static constexpr std::uint32_t kNil = 0xffffffffu;
  static constexpr std::uint64_t kClosedBit = std::uint64_t{1} << 63;

  // One order slot in the pool; linked into a level FIFO (or the trigger list) and into its
  // account's open list.
  struct Node {
    SimOrder order;
    std::uint32_t prev = kNil, next = kNil;
    std::uint32_t acc_prev = kNil, acc_next = kNil;
    common::Qty margin_qty;  // part of the order that opens exposure (reserves margin)
    common::Money reserved;  // margin currently reserved by this order
    bool in_book = false;
    bool in_triggers = false;
  };
  struct Level {
    common::Price price;
    common::Qty qty;
    std::uint32_t count = 0;
    std::uint32_t head = kNil, tail = kNil;
  };
  struct InstrumentState {
    SimInstrumentSpec spec;
    std::vector<Level> bids;              // ascending: best (highest) at the back
    std::vector<Level> asks;              // descending: best (lowest) at the back
    std::vector<std::uint32_t> triggers;  // untriggered stop / take-profit slots
    common::Price last_trade;
    common::Price mark;  // explicit mark, zero when unset
  };
  struct Account {
    std::string name;
    bool hedge = false;
    common::Money wallet;
    common::Money order_margin;  // sum of Node::reserved of the open orders
    std::uint32_t open_head = kNil, open_tail = kNil;
    std::size_t open_count = 0;
    std::size_t max_open = kDefaultMaxOpenOrders;
    common::Nanos dead_man_at = 0;
    std::vector<SimPosition> positions;  // [instrument * 3 + position side]
    std::vector<int> leverage;           // per instrument
    std::vector<SimOrder> closed;        // ring
    std::size_t closed_next = 0;
    std::vector<SimFill> fills;  // ring
    std::size_t fills_next = 0;
  };

  // Matching and bookkeeping (exchange.cpp / exchange_matching.cpp / exchange_accounts.cpp).
  SimError validate(const OrderRequest& req, common::PositionSide* ps) const noexcept;
  std::uint32_t alloc_node();
  void free_node(std::uint32_t slot) noexcept;
  void link_account(Account& a, std::uint32_t slot) noexcept;
  void unlink_account(Account& a, std::uint32_t slot) noexcept;
  void book_insert(InstrumentState& inst, std::uint32_t slot, common::Nanos now);
  void book_remove(InstrumentState& inst, std::uint32_t slot, common::Nanos now) noexcept;
  Level* find_level(InstrumentState& inst, common::Side side, common::Price price) noexcept;
  void emit_level(common::InstrumentId id, common::Side side, const Level* lvl, common::Price price,
                  common::Nanos now);
  // Runs the aggressive part of an order against the opposite side.
  void match(std::uint32_t taker, common::Nanos now);
  [[nodiscard]] bool crosses(const InstrumentState& inst, const SimOrder& o) const noexcept;
  [[nodiscard]] common::Qty fillable(const InstrumentState& inst, const SimOrder& o) const noexcept;
  void execute(std::uint32_t maker, std::uint32_t taker, common::Qty qty, common::Nanos now);
  void apply_fill(std::uint32_t slot, common::Price price, common::Qty qty, common::Liquidity liq,
                  std::uint64_t trade_id, common::Nanos now);
  // Takes an open order out of the book / trigger list / account, archives it, frees the slot.
  void close_order(std::uint32_t slot, common::OrderStatus status, common::Nanos now, bool emit);
  void archive(Account& a, const SimOrder& o);
  void check_triggers(common::InstrumentId id, common::Nanos now);
  void fire_trigger(std::uint32_t slot, common::Nanos now);
  // Post-only / FOK checks, matching, then rest or expire the remainder of an active order.
  SubmitResult start_order(std::uint32_t slot, common::Nanos now);

  // Accounts and margin.
  SimPosition& pos_ref(Account& a, common::InstrumentId id, common::PositionSide ps);
  [[nodiscard]] const SimPosition* pos_ptr(const Account& a, common::InstrumentId id,
                                           common::PositionSide ps) const noexcept;
  [[nodiscard]] common::Qty reducible(const Account& a, common::InstrumentId id, common::Side side,
                                      common::PositionSide ps) const noexcept;
  [[nodiscard]] common::Money required_margin(common::Price price, common::Qty qty,
                                              int lev) const noexcept;
  void set_reserved(Account& a, Node& n);
  // Applies one fill to a position and returns the realized PnL (before fees).
  common::Money update_position(Account& a, common::InstrumentId id, common::PositionSide ps,
                                common::Side side, common::Price price, common::Qty qty,
                                common::Money notional);
  void emit_order(const SimOrder& o);
  void emit_account(AccountId a, common::InstrumentId id, common::PositionSide ps);

  [[nodiscard]] bool valid_account(AccountId a) const noexcept { return a < accounts_.size(); }
  [[nodiscard]] bool valid_instrument(common::InstrumentId id) const noexcept {
    return id.valid() && id.value < instruments_.size();
  }
  [[nodiscard]] std::uint32_t open_slot(OrderId id) const noexcept;
  [[nodiscard]] static std::uint64_t client_key(AccountId a, std::string_view cid) noexcept;

  std::string venue_name_;
  Listener* listener_ = nullptr;
  std::vector<InstrumentState> instruments_;
  std::vector<Account> accounts_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> free_;
  // order id -> slot (open) or kClosedBit | account << 32 | ring index (closed).
  IdMap by_id_;
  // hash(account, client id) -> order id, for open and kept-closed orders.
  IdMap by_client_;
  OrderId next_order_id_ = 1;
  std::uint64_t trade_seq_ = 0;
  std::vector<std::uint32_t> trigger_scratch_;
  bool in_trigger_pass_ = false;
};

}  // namespace peregrine::gateways::sim
