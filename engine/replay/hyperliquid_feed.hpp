// Raw Hyperliquid WS frames (l2Book snapshots, trades) through the real parser
// (gateways/hyperliquid MdParser) into MdEvents, with the md gateway's rule that an l2Book older
// than the last one applied is dropped. Replay thread only.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/events.hpp"
#include "common/instrument.hpp"
#include "engine/replay/binance_feed.hpp"
#include "gateways/hyperliquid/md_codec.hpp"

namespace peregrine::engine::replay {

class HyperliquidFeed {
 public:
  HyperliquidFeed(const common::InstrumentRegistry& instruments, MdOut& out);
  HyperliquidFeed(const HyperliquidFeed&) = delete;
  HyperliquidFeed& operator=(const HyperliquidFeed&) = delete;

  void on_frame(std::string_view payload, common::Nanos ts_recv) noexcept;
  [[nodiscard]] const FeedStats& stats() const noexcept { return stats_; }

 private:
  MdOut& out_;
  gateways::hyperliquid::MdParser parser_;
  std::vector<std::uint64_t> last_book_ms_;  // per engine instrument
  FeedStats stats_;
};

}  // namespace peregrine::engine::replay
