// rebuild_books(): capture replay through MdParser into L2Books (pgtool book, tests).
#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "gateways/capture/capture_reader.hpp"
#include "gateways/coinbase/md_codec.hpp"
#include "gateways/coinbase/rest_codec.hpp"

namespace peregrine::gateways::coinbase {
namespace {

// The capture's own products response gives real ticks and lots. Each product is its own asset
// here: the registry allows one instrument per (venue, asset), and BTC-USD / BTC-USDC share BTC.
void register_products(std::string_view body, common::InstrumentRegistry& registry) {
  RestParser rest;
  const auto products = rest.parse_products(body);
  if (!products) return;
  for (const ProductInfo& p : *products) {
    if (registry.find(common::VenueId::kCoinbase, p.product_id).valid()) continue;
    static_cast<void>(registry.add(to_instrument(p, p.product_id)));
  }
}

}  // namespace

BookRebuildSummary rebuild_books(capture::CaptureReader& reader, const RebuildOptions& options) {
  BookRebuildSummary s;
  common::InstrumentRegistry own;
  const common::InstrumentRegistry& registry = options.registry ? *options.registry : own;
  if (options.registry == nullptr) {
    for (const std::string& product : options.products) {
      common::Instrument i;
      i.venue = common::VenueId::kCoinbase;
      i.kind = common::InstrumentKind::kSpot;
      if (!i.symbol.assign(product) || !i.asset.assign(product)) continue;
      i.tick = common::Price::from_raw(1);
      i.lot = common::Qty::from_raw(1);
      static_cast<void>(own.add(i));
    }
  }

  MdParser parser(registry);
  std::map<std::uint32_t, std::unique_ptr<common::L2Book>> books;
  const auto book_of = [&](common::InstrumentId id) -> common::L2Book& {
    auto& slot = books[id.value];
    if (!slot) slot = std::make_unique<common::L2Book>(options.book_capacity);
    return *slot;
  };
  const std::set<std::uint64_t> drops(options.drop_messages.begin(), options.drop_messages.end());

  capture::CaptureRecord rec;
  std::uint64_t index = 0;
  bool first = true;
  while (reader.next(&rec)) {
    ++s.records;
    if (rec.kind == capture::RecordKind::kHttp) {
      if (options.registry == nullptr &&
          rec.payload.find("\"products\"") != std::string_view::npos) {
        register_products(rec.payload, own);
      }
      continue;
    }
    if (rec.kind != capture::RecordKind::kRecv) continue;
    if (drops.count(index++) != 0) {
      ++s.dropped;
      continue;
    }
    ++s.messages;
    const auto kind = parser.parse_unpadded(rec.payload, rec.ts_ns);
    if (!kind) {
      ++s.malformed;
      continue;
    }
    if (parser.has_sequence()) {
      if (first) s.first_sequence = parser.last_sequence();
      first = false;
      s.last_sequence = parser.last_sequence();
    }
    if (parser.gap_detected()) ++s.gaps;
    if (parser.take_resync_request()) ++s.resyncs;
    if (*kind == MdFrameKind::kL2Data) ++s.l2_messages;
    if (*kind == MdFrameKind::kHeartbeats) ++s.heartbeats;
    for (const common::MdEvent& ev : parser.events()) {
      switch (ev.kind) {
        case common::MdKind::kBookReset:
          book_of(ev.reset.instrument).invalidate(ev.reset.reason);
          ++s.book_resets;
          break;
        case common::MdKind::kBookDelta: {
          const auto r = book_of(ev.delta.instrument).apply(ev.delta);
          ++s.depth_events;
          if (r == common::BookApplyResult::kCrossed ||
              r == common::BookApplyResult::kSnapshotCrossed) {
            ++s.crossed;
          }
          if (r == common::BookApplyResult::kSnapshotValid) ++s.snapshots;
          break;
        }
        case common::MdKind::kTrade:
          ++s.trades;
          break;
        case common::MdKind::kVenueStatus:
          break;
      }
    }
  }
  s.error = reader.error();

  for (const auto& [id, book] : books) {
    BookTop top;
    top.instrument = common::InstrumentId{id};
    top.product = std::string(registry.get(top.instrument).symbol.view());
    top.valid = book->is_valid();
    top.bid_depth = book->depth(common::BookSide::kBid);
    top.ask_depth = book->depth(common::BookSide::kAsk);
    book->for_each_level(
        common::BookSide::kBid, [&](const common::Level& l) { top.bids.push_back(l); },
        options.top_levels);
    book->for_each_level(
        common::BookSide::kAsk, [&](const common::Level& l) { top.asks.push_back(l); },
        options.top_levels);
    s.books.push_back(std::move(top));
  }
  std::sort(s.books.begin(), s.books.end(),
            [](const BookTop& a, const BookTop& b) { return a.product < b.product; });
  return s;
}

}  // namespace peregrine::gateways::coinbase
