#include "gateways/binance/book_replay.hpp"

namespace peregrine::gateways::binance {

BookReplay::BookReplay(Market market)
    : parser_(symbols_),
      sync_(market, common::InstrumentId{0}),
      book_(kBookCapacity),
      sink_(book_) {}

void BookReplay::on_message(std::string_view payload, common::Nanos ts_recv) {
  ++stats_.messages;
  const auto r = parser_.parse_unpadded(payload, ts_recv);
  if (!r) {
    ++stats_.malformed;
    return;
  }
  switch (*r) {
    case MdFrameKind::kDepth:
      ++stats_.depth_events;
      if (sync_.on_depth(parser_.depth(), sink_) == DepthOutcome::kApplied) check_late();
      break;
    case MdFrameKind::kSnapshot:
      ++stats_.snapshots;
      if (sync_.state() != SyncState::kAwaitingSnapshot) {
        // A recorded snapshot while synced carries no new information for the rebuild.
        break;
      }
      static_cast<void>(sync_.on_snapshot(parser_.snapshot(), sink_));
      break;
    case MdFrameKind::kTrade:
      ++stats_.trades;
      break;
    case MdFrameKind::kBookTicker:
      ++stats_.book_tickers;
      check(parser_.book_ticker());
      break;
    default:
      ++stats_.other;
      break;
  }
  stats_.applied = sync_.applied();
  stats_.gaps = sync_.gaps();
  stats_.resyncs = sync_.resyncs();
  stats_.stale_events = sync_.stale_events();
  stats_.stale_snapshots = sync_.stale_snapshots();
  stats_.crossed = sink_.crossed();
}

void BookReplay::check(const BookTicker& t) {
  if (!sync_.synced() || !book_.is_valid()) return;
  const std::uint64_t book_u = sync_.last_update_id();
  if (t.venue_seq > book_u) {
    if (pending_count_ == kMaxPending) {
      pending_head_ = (pending_head_ + 1) % kMaxPending;
      --pending_count_;
    }
    pending_[(pending_head_ + pending_count_) % kMaxPending] = t;
    ++pending_count_;
    return;
  }
  if (t.venue_seq != book_u) return;
  ++stats_.checkpoints;
  if (!compare(t, false)) ++stats_.mismatches;
}

// After a depth event: tickers with u == the new book u are checked; older ones are dropped
// (they describe a state inside that event).
void BookReplay::check_late() {
  const std::uint64_t book_u = sync_.last_update_id();
  while (pending_count_ != 0) {
    const BookTicker& t = pending_[pending_head_];
    if (t.venue_seq > book_u) break;
    if (t.venue_seq == book_u && book_.is_valid()) {
      ++stats_.late_checkpoints;
      if (!compare(t, true)) ++stats_.late_mismatches;
    }
    pending_head_ = (pending_head_ + 1) % kMaxPending;
    --pending_count_;
  }
}

bool BookReplay::compare(const BookTicker& t, bool late) {
  const common::Level bid = book_.best_bid();
  const common::Level ask = book_.best_ask();
  if (bid.price == t.bid_price && bid.qty == t.bid_qty && ask.price == t.ask_price &&
      ask.qty == t.ask_qty) {
    return true;
  }
  if (stats_.first_mismatch.empty()) {
    stats_.first_mismatch = std::string(late ? "late " : "") + "u=" + std::to_string(t.venue_seq) +
                            " book=" + bid.qty.to_string() + "@" + bid.price.to_string() + "/" +
                            ask.qty.to_string() + "@" + ask.price.to_string() +
                            " ticker=" + t.bid_qty.to_string() + "@" + t.bid_price.to_string() +
                            "/" + t.ask_qty.to_string() + "@" + t.ask_price.to_string();
  }
  return false;
}

bool BookReplay::replay_file(const std::string& path, capture::CaptureFormat format,
                             std::string* error) {
  auto reader = capture::CaptureReader::open(path, format, error);
  if (!reader) return false;
  capture::CaptureRecord rec;
  while (reader->next(&rec)) {
    if (rec.kind != capture::RecordKind::kRecv && rec.kind != capture::RecordKind::kHttp) continue;
    on_message(rec.payload, rec.ts_ns);
  }
  if (!reader->error().empty()) {
    if (error != nullptr) *error = reader->error();
    return false;
  }
  return true;
}

}  // namespace peregrine::gateways::binance
