// Confluence-signal executor (the seed's Virtuoso executor): turns scores 0-100 (from the
// built-in Analyzer, POST /api/signals or a JSON-lines replay file) into at most one position
// per asset with a bracket, a cooldown, score-scaled size and exit on an opposite signal.
// Strategy thread only; on_book/on_trade/on_signal never allocate or throw.
#pragma once

#include <cstdint>

#include "common/config.hpp"
#include "strategies/algos/bracket.hpp"
#include "strategies/confluence/analyzer.hpp"
#include "strategies/strategy.hpp"

namespace peregrine::strategies::confluence {

enum class EntryStyle : std::uint8_t { kIoc, kPostOnly };

struct ExecutorConfig {
  double long_threshold = 70;   // score >= enters long
  double short_threshold = 30;  // score <= enters short
  common::Money base_notional = common::Money::from_raw(1'000LL * 100'000'000LL);
  double scale = 1.0;  // at score 100 (or 0) size is base * (1 + scale)
  common::Money max_notional = common::Money::from_raw(5'000LL * 100'000'000LL);  // risk cap
  common::Duration cooldown = std::chrono::seconds(60);
  EntryStyle entry = EntryStyle::kIoc;
  double slippage_pct = 0.2;                                  // IOC entry/exit cap
  common::Duration entry_timeout = std::chrono::seconds(10);  // post-only entry left unfilled
  double stop_loss_pct = 1.0;
  double take_profit_pct = 2.0;
  bool native_bracket = false;
  bool use_analyzer = true;  // false: only external signals
  // Set by the engine for `venue: auto` (not a params key): each entry goes to the venue the
  // router picks (StrategyContext::route); exits and the bracket stay where the position is.
  bool auto_venue = false;
  AnalyzerConfig analyzer;
};

// Keys as above; the analyzer's keys nest under "analyzer" when given as a YAML map, or are
// read flat with an "analyzer." prefix from a strategy's params map.
void load(common::ConfigNode& n, ExecutorConfig& out);

struct Signal {
  common::AssetId asset;
  double score = 50;
  common::Nanos ts = 0;
  std::uint8_t source = 0;  // 0 analyzer, 1 control API, 2 replay file
};

class ConfluenceExecutor final : public Strategy {
 public:
  enum class State : std::uint8_t { kFlat, kEntering, kInPosition, kExiting };

  ConfluenceExecutor(common::StrategyId id, ExecutorConfig cfg, common::InstrumentId ins);

  [[nodiscard]] std::string_view name() const noexcept override { return "confluence"; }
  void on_book(StrategyContext& ctx, common::InstrumentId id) noexcept override;
  void on_trade(StrategyContext& ctx, const common::Trade& t) noexcept override;
  void on_order_update(StrategyContext& ctx, const common::OrderUpdate& u) noexcept override;
  void on_fill(StrategyContext& ctx, const common::Fill& f) noexcept override;
  void on_denied(StrategyContext& ctx, const common::OrderDenied& d) noexcept override;
  void on_timer(StrategyContext& ctx, std::uint64_t token) noexcept override;
  // External signals (control API, replay file). Signals for another asset are ignored.
  void on_signal(StrategyContext& ctx, const Signal& s) noexcept;

  // Size for a score (0 when the score is inside the thresholds), before lot rounding.
  [[nodiscard]] double notional_for(double score) const noexcept;
  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] common::Side side() const noexcept { return side_; }
  [[nodiscard]] common::Qty qty() const noexcept { return qty_; }
  [[nodiscard]] const Analyzer& analyzer() const noexcept { return analyzer_; }
  [[nodiscard]] const algos::Bracket& bracket() const noexcept { return bracket_; }
  [[nodiscard]] std::uint64_t entries() const noexcept { return entries_; }
  [[nodiscard]] std::uint64_t exits() const noexcept { return exits_; }
  [[nodiscard]] std::uint64_t rejections() const noexcept { return rejections_; }

 private:
  void decide(StrategyContext& ctx, double score) noexcept;
  void enter(StrategyContext& ctx, common::Side side, double score) noexcept;
  void exit_position(StrategyContext& ctx, const char* why) noexcept;
  void rejected(StrategyContext& ctx, const char* what) noexcept;

  common::StrategyId id_;
  ExecutorConfig cfg_;
  common::InstrumentId home_;  // configured instrument; the router may pick another venue
  common::InstrumentId ins_;   // where the current position lives
  common::AssetId asset_;
  Analyzer analyzer_;
  algos::Bracket bracket_;
  State state_ = State::kFlat;
  common::Side side_ = common::Side::kBuy;
  common::Qty qty_;
  double entry_notional_ = 0;
  common::ClientOrderId entry_cloid_;
  common::ClientOrderId exit_cloid_;
  common::Nanos cooldown_until_ = 0;
  std::uint64_t timer_seq_ = 0;
  std::uint64_t entries_ = 0;
  std::uint64_t exits_ = 0;
  std::uint64_t rejections_ = 0;
};

}  // namespace peregrine::strategies::confluence
