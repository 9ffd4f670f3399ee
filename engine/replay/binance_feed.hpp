// Raw Binance frames (WS depth/trade/bookTicker and REST depth snapshots) through the real
// parser (gateways/binance MdParser) and sequencer (BookSync) into normalized MdEvents, the way
// the Binance md gateway does it live. Replay thread only.
//
// Why it is fast: one parse per frame (simdjson On-Demand into preallocated buffers), a synced
// diff goes to the sink as the parser's span, and each delta is handed on by one virtual call.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "gateways/binance/book_sync.hpp"
#include "gateways/binance/md_codec.hpp"
#include "gateways/binance/symbols.hpp"

namespace peregrine::engine::replay {

// Where normalized events go (the replay driver: simulated venue first, then the core's queue).
class MdOut {
 public:
  virtual ~MdOut() = default;
  virtual void emit(const common::MdEvent& e) noexcept = 0;
};

struct FeedStats {
  std::uint64_t frames = 0;
  std::uint64_t malformed = 0;       // parse errors: counted and skipped
  std::uint64_t unknown_symbol = 0;  // events of instruments not in the config
  std::uint64_t depth = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t trades = 0;
  std::uint64_t book_tickers = 0;  // not forwarded (the book carries the same information)
  std::uint64_t other = 0;
  std::uint64_t gaps = 0;
  std::uint64_t events = 0;  // MdEvents emitted
};

class BinanceFeed final : private gateways::binance::BookSink {
 public:
  BinanceFeed(const common::InstrumentRegistry& instruments, MdOut& out);
  BinanceFeed(const BinanceFeed&) = delete;
  BinanceFeed& operator=(const BinanceFeed&) = delete;
  ~BinanceFeed() override;

  // One raw frame. `symbol_hint` names the instrument of a REST snapshot body (which carries no
  // symbol); `market` ("usdm", "coinm", "spot") picks the sequencing rules of a new book.
  void on_frame(std::string_view payload, common::Nanos ts_recv, std::string_view symbol_hint,
                std::string_view market) noexcept;
  [[nodiscard]] FeedStats stats() const noexcept;
  [[nodiscard]] const gateways::binance::MdParser& parser() const noexcept { return parser_; }

 private:
  void on_deltas(std::span<const common::BookDelta> deltas) noexcept override;
  void on_reset(const common::BookReset& reset) noexcept override;
  gateways::binance::BookSync* sync_for(common::InstrumentId id, std::string_view market) noexcept;

  const common::InstrumentRegistry& instruments_;
  MdOut& out_;
  gateways::binance::SymbolTable symbols_;
  gateways::binance::MdParser parser_;
  std::vector<std::unique_ptr<gateways::binance::BookSync>> syncs_;  // per engine instrument
  common::InstrumentId last_instrument_;
  FeedStats stats_;
};

}  // namespace peregrine::engine::replay
