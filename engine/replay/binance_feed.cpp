// Binance frames -> MdEvents for the replay; see binance_feed.hpp.
#include "engine/replay/binance_feed.hpp"

namespace peregrine::engine::replay {

namespace binance = gateways::binance;

BinanceFeed::BinanceFeed(const common::InstrumentRegistry& instruments, MdOut& out)
    : instruments_(instruments), out_(out), parser_(symbols_) {
  static_cast<void>(symbols_.add_all(instruments, common::VenueId::kBinance));
  syncs_.resize(instruments.size());
}

BinanceFeed::~BinanceFeed() = default;

binance::BookSync* BinanceFeed::sync_for(common::InstrumentId id,
                                         std::string_view market) noexcept {
  if (!id.valid() || id.value >= syncs_.size()) return nullptr;
  auto& s = syncs_[id.value];
  if (!s) {
    binance::Market m = binance::Market::kUsdm;
    static_cast<void>(binance::parse_market(market, &m));
    try {
      s = std::make_unique<binance::BookSync>(m, id);  // first frame of the instrument only
    } catch (...) {
      return nullptr;
    }
  }
  return s.get();
}

void BinanceFeed::on_frame(std::string_view payload, common::Nanos ts_recv,
                           std::string_view symbol_hint, std::string_view market) noexcept {
  ++stats_.frames;
  auto r = parser_.parse_unpadded(payload, ts_recv);
  if (!r) {
    ++stats_.malformed;
    return;
  }
  switch (*r) {
    case binance::MdFrameKind::kDepth: {
      ++stats_.depth;
      const binance::DepthUpdate& d = parser_.depth();
      binance::BookSync* s = sync_for(d.instrument, market);
      if (s == nullptr) {
        ++stats_.unknown_symbol;
        return;
      }
      last_instrument_ = d.instrument;
      if (s->on_depth(d, *this) == binance::DepthOutcome::kGap) ++stats_.gaps;
      return;
    }
    case binance::MdFrameKind::kSnapshot: {
      ++stats_.snapshots;
      common::InstrumentId id = parser_.snapshot().instrument;
      if (!id.valid()) {
        // REST bodies name no symbol: the file's symbol, else the last instrument seen.
        id = symbols_.find(symbol_hint);
        if (!id.valid()) id = last_instrument_;
        if (!id.valid()) {
          ++stats_.unknown_symbol;
          return;
        }
        r = parser_.parse_snapshot_unpadded(payload, id, ts_recv);
        if (!r) {
          ++stats_.malformed;
          return;
        }
      }
      binance::BookSync* s = sync_for(id, market);
      if (s == nullptr) {
        ++stats_.unknown_symbol;
        return;
      }
      // A recorded snapshot while synced carries nothing new (the live gateway never asks).
      if (s->state() != binance::SyncState::kAwaitingSnapshot) return;
      static_cast<void>(s->on_snapshot(parser_.snapshot(), *this));
      return;
    }
    case binance::MdFrameKind::kTrade: {
      ++stats_.trades;
      const common::Trade& t = parser_.trade();
      if (!t.instrument.valid()) {
        ++stats_.unknown_symbol;
        return;
      }
      ++stats_.events;
      out_.emit(common::MdEvent(t));
      return;
    }
    case binance::MdFrameKind::kBookTicker:
      ++stats_.book_tickers;
      return;
    default:
      ++stats_.other;
      return;
  }
}

void BinanceFeed::on_deltas(std::span<const common::BookDelta> deltas) noexcept {
  for (const common::BookDelta& d : deltas) out_.emit(common::MdEvent(d));
  stats_.events += deltas.size();
}

void BinanceFeed::on_reset(const common::BookReset& reset) noexcept {
  ++stats_.events;
  out_.emit(common::MdEvent(reset));
}

FeedStats BinanceFeed::stats() const noexcept { return stats_; }

}  // namespace peregrine::engine::replay
