#include "gateways/binance/book_sync.hpp"

#include <algorithm>
#include <cstring>

namespace peregrine::gateways::binance {

void L2BookSink::on_deltas(std::span<const common::BookDelta> deltas) noexcept {
  for (const common::BookDelta& d : deltas) {
    switch (book_.apply(d)) {
      case common::BookApplyResult::kCrossed:
      case common::BookApplyResult::kSnapshotCrossed:
        ++crossed_;
        break;
      case common::BookApplyResult::kRejected:
      case common::BookApplyResult::kSnapshotRejected:
        ++rejected_;
        break;
      default:
        break;
    }
  }
}

void L2BookSink::on_reset(const common::BookReset& reset) noexcept {
  book_.invalidate(reset.reason);
  ++resets_;
}

std::string_view to_string(SyncState s) noexcept {
  switch (s) {
    case SyncState::kAwaitingSnapshot:
      return "awaiting_snapshot";
    case SyncState::kBridging:
      return "bridging";
    case SyncState::kSynced:
      return "synced";
  }
  return "unknown";
}

BookSync::BookSync(Market market, common::InstrumentId instrument, std::size_t max_events,
                   std::size_t max_deltas)
    : market_(market),
      futures_(is_futures(market)),
      instrument_(instrument),
      max_events_(std::max<std::size_t>(max_events, 1)),
      max_deltas_(max_deltas),
      events_(new Buffered[max_events_]),
      deltas_(new common::BookDelta[std::max<std::size_t>(max_deltas, 1)]) {}

BookSync::~BookSync() = default;

void BookSync::emit_reset(common::ResetReason reason, common::Nanos ts_venue, common::Nanos ts_recv,
                          BookSink& sink) noexcept {
  common::BookReset r;
  r.ts_venue = ts_venue;
  r.ts_recv = ts_recv;
  r.venue_seq = last_id_;
  r.instrument = instrument_;
  r.venue = common::VenueId::kBinance;
  r.reason = reason;
  ++resets_;
  sink.on_reset(r);
}

bool BookSync::buffer(const DepthUpdate& u) noexcept {
  const std::size_t n = u.deltas.size();
  if (event_count_ >= max_events_ || n > max_deltas_ - delta_count_) return false;
  if (n != 0) {
    std::memcpy(static_cast<void*>(deltas_.get() + delta_count_), u.deltas.data(),
                n * sizeof(common::BookDelta));
  }
  events_[event_count_++] = Buffered{u.first_id,   u.last_id, u.prev_last_id, u.ts_venue, u.ts_recv,
                                     delta_count_, n,         u.has_prev};
  delta_count_ += n;
  max_seen_ = std::max(max_seen_, event_count_);
  return true;
}

// Keeps events [first, event_count_) and moves them (and their levels) to the front.
void BookSync::compact_from(std::size_t first) noexcept {
  if (first == 0) return;
  if (first >= event_count_) {
    drop_buffer();
    return;
  }
  const std::size_t base = events_[first].offset;
  const std::size_t levels = delta_count_ - base;
  if (levels != 0) {
    std::memmove(static_cast<void*>(deltas_.get()), deltas_.get() + base,
                 levels * sizeof(common::BookDelta));
  }
  const std::size_t kept = event_count_ - first;
  std::memmove(static_cast<void*>(events_.get()), events_.get() + first, kept * sizeof(Buffered));
  for (std::size_t i = 0; i < kept; ++i) events_[i].offset -= base;
  event_count_ = kept;
  delta_count_ = levels;
}

// The venue's rules, in one place. last_id_ is the snapshot's lastUpdateId while bridging and
// the last forwarded u once synced.
BookSync::Order BookSync::classify(std::uint64_t first_id, std::uint64_t last_id,
                                   std::uint64_t prev_last_id, bool has_prev) noexcept {
  const std::uint64_t book = last_id_;
  if (state_ == SyncState::kBridging) {
    if (futures_) {
      if (last_id < book) return Order::kStale;
      return first_id <= book ? Order::kApply : Order::kGap;
    }
    if (last_id <= book) return Order::kStale;
    return first_id <= book + 1 ? Order::kApply : Order::kGap;
  }
  if (last_id <= book) return Order::kStale;
  if (futures_) {
    if (!has_prev) return Order::kReject;
    return prev_last_id == book ? Order::kApply : Order::kGap;
  }
  if (first_id > book + 1) return Order::kGap;
  if (first_id < book + 1) ++overlaps_;
  return Order::kApply;
}

DepthOutcome BookSync::on_depth(const DepthUpdate& u, BookSink& sink) noexcept {
  if (state_ == SyncState::kAwaitingSnapshot) {
    if (buffer(u)) return DepthOutcome::kBuffered;
    // Too far behind: the buffered diffs are useless now. Start over from this event.
    ++overflows_;
    drop_buffer();
    emit_reset(common::ResetReason::kQueueOverflow, u.ts_venue, u.ts_recv, sink);
    static_cast<void>(buffer(u));
    return DepthOutcome::kOverflow;
  }
  switch (classify(u.first_id, u.last_id, u.prev_last_id, u.has_prev)) {
    case Order::kApply:
      if (!u.deltas.empty()) sink.on_deltas(u.deltas);
      last_id_ = u.last_id;
      state_ = SyncState::kSynced;
      ++applied_;
      return DepthOutcome::kApplied;
    case Order::kStale:
      ++stale_;
      return DepthOutcome::kStale;
    case Order::kReject:
      ++rejected_;
      return DepthOutcome::kRejected;
    case Order::kGap:
      break;
  }
  ++gaps_;
  emit_reset(common::ResetReason::kSequenceGap, u.ts_venue, u.ts_recv, sink);
  state_ = SyncState::kAwaitingSnapshot;
  snapshot_requested_ = false;
  drop_buffer();
  if (!buffer(u)) ++overflows_;
  return DepthOutcome::kGap;
}

SnapshotOutcome BookSync::on_snapshot(const DepthSnapshot& snapshot, BookSink& sink) noexcept {
  if (state_ != SyncState::kAwaitingSnapshot) return SnapshotOutcome::kRejected;
  const std::uint64_t id = snapshot.last_update_id;
  // Diffs the snapshot already contains are dropped; the first one left must span it.
  std::size_t first = 0;
  while (first < event_count_ &&
         (futures_ ? events_[first].last_id < id : events_[first].last_id <= id)) {
    ++first;
  }
  if (first < event_count_) {
    const std::uint64_t begin = events_[first].first_id;
    if (futures_ ? begin > id : begin > id + 1) {
      // The stream moved on past this snapshot: it cannot be bridged. Keep the diffs that a
      // newer snapshot may still need and ask again.
      ++stale_snapshots_;
      stale_ += first;
      compact_from(first);
      snapshot_requested_ = false;
      return SnapshotOutcome::kTooOld;
    }
  }
  stale_ += first;
  sink.on_deltas(snapshot.deltas);
  ++snapshots_;
  last_id_ = id;
  state_ = SyncState::kBridging;
  snapshot_requested_ = false;

  // Replay the buffer through the live rules. A gap inside it resets again and keeps the rest
  // of the buffer (from the offending diff on) for the next snapshot.
  for (std::size_t i = first; i < event_count_; ++i) {
    const Buffered& b = events_[i];
    switch (classify(b.first_id, b.last_id, b.prev_last_id, b.has_prev)) {
      case Order::kApply:
        if (b.count != 0) sink.on_deltas({deltas_.get() + b.offset, b.count});
        last_id_ = b.last_id;
        state_ = SyncState::kSynced;
        ++applied_;
        break;
      case Order::kStale:
        ++stale_;
        break;
      case Order::kReject:
        ++rejected_;
        break;
      case Order::kGap:
        ++gaps_;
        emit_reset(common::ResetReason::kSequenceGap, b.ts_venue, b.ts_recv, sink);
        state_ = SyncState::kAwaitingSnapshot;
        compact_from(i);
        return SnapshotOutcome::kApplied;
    }
  }
  drop_buffer();
  return SnapshotOutcome::kApplied;
}

void BookSync::reset(common::ResetReason reason, common::Nanos ts_recv, BookSink& sink) noexcept {
  emit_reset(reason, 0, ts_recv, sink);
  state_ = SyncState::kAwaitingSnapshot;
  snapshot_requested_ = false;
  drop_buffer();
}

}  // namespace peregrine::gateways::binance
