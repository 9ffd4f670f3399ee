// Confluence analyzer (the seed's Virtuoso scoring, rebuilt on our own book and trades): four
// components each mapped to 0-100 and combined with configurable weights into one score where
// > 50 leans long and < 50 leans short. Strategy thread only; fixed-size rings, no allocation
// after construction.
#pragma once

#include <array>
#include <cstdint>

#include "common/config.hpp"
#include "common/events.hpp"
#include "common/l2_book.hpp"

namespace peregrine::strategies::confluence {

struct AnalyzerConfig {
  int depth_levels = 5;  // book imbalance over the top N levels a side
  common::Duration flow_window = std::chrono::seconds(30);
  common::Duration sample_interval = std::chrono::seconds(1);  // momentum mid sampling
  int momentum_samples = 20;                                   // window of the momentum z-score
  double z_full = 2.0;                                         // |z| mapped to 0 or 100
  double w_imbalance = 0.4;
  double w_flow = 0.3;
  double w_momentum = 0.3;
  double spread_weight = 0.5;   // how far a wide spread pulls the score back to 50
  double tight_spread_bps = 1;  // spread score 100 at or below
  double wide_spread_bps = 10;  // spread score 0 at or above
};

void load(common::ConfigNode& n, AnalyzerConfig& out);

struct Components {
  double imbalance = 50;
  double flow = 50;
  double momentum = 50;
  double spread = 100;
  double score = 50;
};

class Analyzer {
 public:
  static constexpr std::size_t kFlowBuckets = 32;
  static constexpr std::size_t kMaxSamples = 256;

  explicit Analyzer(const AnalyzerConfig& cfg) noexcept;

  // Pure mappings, public so their known-input behaviour is tested directly.
  [[nodiscard]] static double imbalance_score(double bid_qty, double ask_qty) noexcept;
  [[nodiscard]] static double flow_score(double buy_qty, double sell_qty) noexcept;
  [[nodiscard]] static double momentum_score(double z, double z_full) noexcept;
  [[nodiscard]] static double spread_score(double spread_bps, double tight, double wide) noexcept;

  void on_trade(const common::Trade& t, common::Nanos now) noexcept;
  // Recomputes every component from the book and the rings; returns the combined score.
  const Components& on_book(const common::L2Book& book, common::Nanos now) noexcept;
  [[nodiscard]] const Components& last() const noexcept { return last_; }
  // Momentum z-score over the sample ring (0 until two samples exist).
  [[nodiscard]] double momentum_z() const noexcept;

 private:
  struct FlowBucket {
    common::Nanos epoch = -1;
    double buy = 0;
    double sell = 0;
  };
  AnalyzerConfig cfg_;
  common::Nanos flow_bucket_ns_ = 1;
  std::array<FlowBucket, kFlowBuckets> flow_{};
  std::array<double, kMaxSamples> mids_{};
  std::size_t n_samples_ = 0;
  std::size_t head_ = 0;  // next write position
  common::Nanos next_sample_ = 0;
  Components last_;
};

}  // namespace peregrine::strategies::confluence
