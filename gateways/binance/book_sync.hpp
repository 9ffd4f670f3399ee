// Binance diff-depth sequencing: buffer until a snapshot, bridge it, check continuity, BookReset
// and ask for a new snapshot on a gap. One instrument each; owned by ONE thread (the md gateway
// agent).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/events.hpp"
#include "common/l2_book.hpp"
#include "gateways/binance/md_codec.hpp"
#include "gateways/binance/symbols.hpp"

namespace peregrine::gateways::binance {

// Where the synchronized book stream goes: one call per venue message (a diff, or a snapshot run),
// never one per level. Implementations must not throw.
class BookSink {
 public:
  virtual ~BookSink() = default;
  // A run of deltas of one message (kEndOfBatch on the last; snapshot runs carry kSnapshotBegin
  // .. kSnapshotEnd). The span is valid only during the call.
  virtual void on_deltas(std::span<const common::BookDelta> deltas) noexcept = 0;
  // The book is invalid from here until the next snapshot run.
  virtual void on_reset(const common::BookReset& reset) noexcept = 0;
};

// Applies the stream to an L2Book on the caller's thread (replay, tools, benchmarks) and counts
// what the book reported.
class L2BookSink final : public BookSink {
 public:
  explicit L2BookSink(common::L2Book& book) noexcept : book_(book) {}
  void on_deltas(std::span<const common::BookDelta> deltas) noexcept override;
  void on_reset(const common::BookReset& reset) noexcept override;

  [[nodiscard]] std::uint64_t crossed() const noexcept {
    return crossed_;
  }  // kCrossed and
     // kSnapshotCrossed
  [[nodiscard]] std::uint64_t rejected() const noexcept { return rejected_; }
  [[nodiscard]] std::uint64_t resets() const noexcept { return resets_; }

 private:
  common::L2Book& book_;
  std::uint64_t crossed_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t resets_ = 0;
};

enum class SyncState : std::uint8_t {
  kAwaitingSnapshot,  // book invalid; diffs are buffered until on_snapshot()
  kBridging,          // snapshot applied; waiting for the diff that spans lastUpdateId
  kSynced,            // every diff is checked for continuity and forwarded
};
[[nodiscard]] std::string_view to_string(SyncState s) noexcept;

enum class DepthOutcome : std::uint8_t {
  kApplied,   // forwarded to the sink
  kBuffered,  // kept until the snapshot arrives
  kStale,     // u older than the book (or a duplicate): dropped, counted
  kGap,       // continuity broken: BookReset emitted, state kAwaitingSnapshot, event buffered
  kOverflow,  // buffer full while awaiting a snapshot: buffer dropped, BookReset, counted
  kRejected,  // a futures event without pu: dropped, counted (the next pu check catches it)
};

enum class SnapshotOutcome : std::uint8_t {
  kApplied,   // emitted; buffered diffs replayed (state kSynced, or kBridging if none bridged)
  kTooOld,    // the buffered diffs start after lastUpdateId(+1): snapshot dropped, ask again
  kRejected,  // snapshot while already synced or bridging: ignored (call reset() first)
};

// Why it is fast: once synced, a diff costs two integer compares and the parser's span goes to the
// sink as is (one virtual call per message); only diffs that arrive before a snapshot are copied,
// into buffers allocated at construction.
// Sequencing rules (README.md quotes the venue):
//  futures (USD-M, COIN-M): bridge = first diff with U <= lastUpdateId <= u, diffs with
//    u < lastUpdateId are dropped; afterwards every diff's pu must equal the previous u.
//  spot: bridge = first diff with U <= lastUpdateId+1 <= u, diffs with u <= lastUpdateId are
//    dropped; afterwards a diff must start at or before previous u + 1 (U == previous u + 1 in
//    practice; an overlapping diff is applied and counted, quantities being absolute).
// A diff already covered by the book (u <= the last applied u) is stale in both modes.
// The buffer is bounded (events and levels); overflow drops the buffer, emits BookReset
// (kQueueOverflow) and is counted; the snapshot that then arrives is judged against the diffs
// buffered after the overflow (kTooOld if it cannot be bridged).
class BookSync {
 public:
  static constexpr std::size_t kDefaultMaxEvents = 4096;
  static constexpr std::size_t kDefaultMaxDeltas = 1u << 16;  // 3 MB; minutes of @0ms diffs

  // Allocates the buffer (start-up only).
  BookSync(Market market, common::InstrumentId instrument,
           std::size_t max_events = kDefaultMaxEvents, std::size_t max_deltas = kDefaultMaxDeltas);
  BookSync(const BookSync&) = delete;
  BookSync& operator=(const BookSync&) = delete;
  ~BookSync();

  [[nodiscard]] DepthOutcome on_depth(const DepthUpdate& update, BookSink& sink) noexcept;
  [[nodiscard]] SnapshotOutcome on_snapshot(const DepthSnapshot& snapshot, BookSink& sink) noexcept;
  // Reconnect, stale feed, a crossed book the caller detected...: emits BookReset, drops the
  // buffer and waits for a new snapshot.
  void reset(common::ResetReason reason, common::Nanos ts_recv, BookSink& sink) noexcept;

  // True while a snapshot is needed and none was marked requested since the last reset/kTooOld.
  [[nodiscard]] bool wants_snapshot() const noexcept {
    return state_ == SyncState::kAwaitingSnapshot && !snapshot_requested_;
  }
  // The caller started fetching a snapshot (so wants_snapshot() turns false until it is needed
  // again).
  void mark_snapshot_requested() noexcept { snapshot_requested_ = true; }

  [[nodiscard]] SyncState state() const noexcept { return state_; }
  [[nodiscard]] bool synced() const noexcept { return state_ == SyncState::kSynced; }
  // u of the last diff forwarded (or lastUpdateId right after a snapshot); 0 before any.
  [[nodiscard]] std::uint64_t last_update_id() const noexcept { return last_id_; }
  [[nodiscard]] Market market() const noexcept { return market_; }
  [[nodiscard]] std::size_t buffered_events() const noexcept { return event_count_; }

  // Counters (lifetime).
  [[nodiscard]] std::uint64_t applied() const noexcept { return applied_; }
  [[nodiscard]] std::uint64_t gaps() const noexcept { return gaps_; }
  [[nodiscard]] std::uint64_t snapshots() const noexcept { return snapshots_; }
  [[nodiscard]] std::uint64_t resyncs() const noexcept {  // snapshots after the first
    return snapshots_ == 0 ? 0 : snapshots_ - 1;
  }
  [[nodiscard]] std::uint64_t stale_events() const noexcept { return stale_; }
  [[nodiscard]] std::uint64_t stale_snapshots() const noexcept { return stale_snapshots_; }
  [[nodiscard]] std::uint64_t overflows() const noexcept { return overflows_; }
  [[nodiscard]] std::uint64_t overlaps() const noexcept { return overlaps_; }  // spot only
  [[nodiscard]] std::uint64_t rejected_events() const noexcept { return rejected_; }
  [[nodiscard]] std::uint64_t resets() const noexcept { return resets_; }
  [[nodiscard]] std::size_t max_buffered_events() const noexcept { return max_seen_; }

 private:
  struct Buffered {
    std::uint64_t first_id;
    std::uint64_t last_id;
    std::uint64_t prev_last_id;
    common::Nanos ts_venue;
    common::Nanos ts_recv;
    std::size_t offset;
    std::size_t count;
    bool has_prev;
  };
  enum class Order : std::uint8_t { kApply, kStale, kGap, kReject };
  [[nodiscard]] Order classify(std::uint64_t first_id, std::uint64_t last_id,
                               std::uint64_t prev_last_id, bool has_prev) noexcept;
  [[nodiscard]] bool buffer(const DepthUpdate& u) noexcept;
  void compact_from(std::size_t first) noexcept;
  void emit_reset(common::ResetReason reason, common::Nanos ts_venue, common::Nanos ts_recv,
                  BookSink& sink) noexcept;
  void drop_buffer() noexcept {
    event_count_ = 0;
    delta_count_ = 0;
  }

  Market market_;
  bool futures_;
  common::InstrumentId instrument_;
  SyncState state_ = SyncState::kAwaitingSnapshot;
  bool snapshot_requested_ = false;
  std::uint64_t last_id_ = 0;
  std::size_t max_events_;
  std::size_t max_deltas_;
  std::unique_ptr<Buffered[]> events_;
  std::unique_ptr<common::BookDelta[]> deltas_;
  std::size_t event_count_ = 0;
  std::size_t delta_count_ = 0;
  std::size_t max_seen_ = 0;
  std::uint64_t applied_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t snapshots_ = 0;
  std::uint64_t stale_ = 0;
  std::uint64_t stale_snapshots_ = 0;
  std::uint64_t overflows_ = 0;
  std::uint64_t overlaps_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t resets_ = 0;
};

}  // namespace peregrine::gateways::binance
