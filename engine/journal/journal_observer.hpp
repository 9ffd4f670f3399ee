// JournalObserver: the core's CoreObserver that journals what the core sees and decides
// (market data per the chosen depth, intents, denials, order updates, fills, strategy notes).
// Core thread only; every call is a non-blocking JournalWriter::try_append (drops are counted
// by the writer and journaled as a Gap).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "engine/core/core.hpp"
#include "engine/journal/journal_format.hpp"
#include "engine/journal/journal_writer.hpp"

namespace peregrine::engine::journal {

// How much market data goes in. Book deltas are the bulk (tens of thousands per second per
// venue) and are already kept by the recorder as raw frames, so a live session defaults to
// kNoDeltas; replay tests that compare journals byte for byte may ask for kAll.
enum class MdJournaling : std::uint8_t { kNone, kNoDeltas, kAll };

class JournalObserver final : public CoreObserver {
 public:
  JournalObserver(JournalWriter& writer, const common::Clock& clock,
                  MdJournaling md = MdJournaling::kNoDeltas) noexcept
      : writer_(writer), clock_(clock), md_(md) {}

  void on_md(const common::MdEvent& e) noexcept override {
    switch (e.kind) {
      case common::MdKind::kBookDelta:
        if (md_ == MdJournaling::kAll) append(e.delta);
        return;
      case common::MdKind::kTrade:
        if (md_ != MdJournaling::kNone) append(e.trade);
        return;
      case common::MdKind::kBookReset:
        if (md_ != MdJournaling::kNone) append(e.reset);
        return;
      case common::MdKind::kVenueStatus:
        append(e.status);  // link state matters to every reader of the journal
        return;
    }
  }
  void on_intent(const common::OrderIntent& i) noexcept override { append(i); }
  void on_denied(const common::OrderDenied& d) noexcept override { append(d); }
  void on_exec(const common::ExecEvent& e) noexcept override {
    switch (e.kind) {
      case common::ExecKind::kOrderUpdate:
        append(e.update);
        return;
      case common::ExecKind::kFill:
        append(e.fill);
        return;
      case common::ExecKind::kVenueStatus:
        append(e.status);
        return;
    }
  }
  void on_note(common::StrategyId strategy, std::string_view text) noexcept override {
    StrategyNote n;
    n.ts_recv = clock_.now_ns();
    n.strategy = strategy;
    n.set_text(text);
    append(n);
  }

  // Records the writer refused (its ring was full); the writer journals a Gap for them.
  [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }

 private:
  template <typename E>
  void append(const E& e) noexcept {
    if (!writer_.try_append(e)) ++refused_;
  }

  JournalWriter& writer_;
  const common::Clock& clock_;
  MdJournaling md_;
  std::uint64_t refused_ = 0;
};

}  // namespace peregrine::engine::journal
