// Hyperliquid frames -> MdEvents for the replay; see hyperliquid_feed.hpp.
#include "engine/replay/hyperliquid_feed.hpp"

namespace peregrine::engine::replay {

namespace hl = gateways::hyperliquid;

HyperliquidFeed::HyperliquidFeed(const common::InstrumentRegistry& instruments, MdOut& out)
    : out_(out), parser_(instruments), last_book_ms_(instruments.size(), 0) {}

void HyperliquidFeed::on_frame(std::string_view payload, common::Nanos ts_recv) noexcept {
  ++stats_.frames;
  const auto r = parser_.parse_unpadded(payload, ts_recv);
  if (!r) {
    ++stats_.malformed;
    return;
  }
  const auto events = parser_.events();
  switch (*r) {
    case hl::MdFrameKind::kBook: {
      ++stats_.snapshots;
      if (events.empty()) {
        ++stats_.unknown_symbol;
        return;
      }
      const common::InstrumentId id = events.front().delta.instrument;
      const std::uint64_t seq = events.front().delta.venue_seq;
      if (id.value >= last_book_ms_.size() || seq < last_book_ms_[id.value]) {
        ++stats_.other;  // out of order: the gateway drops it too
        return;
      }
      last_book_ms_[id.value] = seq;
      break;
    }
    case hl::MdFrameKind::kTrades:
      stats_.trades += events.size();
      break;
    default:
      ++stats_.other;
      return;
  }
  for (const common::MdEvent& e : events) out_.emit(e);
  stats_.events += events.size();
}

}  // namespace peregrine::engine::replay
