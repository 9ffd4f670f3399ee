#include "strategies/confluence/analyzer.hpp"

#include <algorithm>
#include <cmath>

#include "strategies/params.hpp"

namespace peregrine::strategies::confluence {

void load(common::ConfigNode& n, AnalyzerConfig& out) {
  n.optional("depth_levels", &out.depth_levels, 5, common::int_parser<int>(1, 100));
  n.optional("flow_window", &out.flow_window, common::Duration(std::chrono::seconds(30)));
  n.optional("sample_interval", &out.sample_interval, common::Duration(std::chrono::seconds(1)));
  n.optional("momentum_samples", &out.momentum_samples, 20,
             common::int_parser<int>(3, static_cast<int>(Analyzer::kMaxSamples)));
  n.optional("z_full", &out.z_full, 2.0, ratio_parser(0.1, 100));
  n.optional("w_imbalance", &out.w_imbalance, 0.4, ratio_parser(0, 1));
  n.optional("w_flow", &out.w_flow, 0.3, ratio_parser(0, 1));
  n.optional("w_momentum", &out.w_momentum, 0.3, ratio_parser(0, 1));
  n.optional("spread_weight", &out.spread_weight, 0.5, ratio_parser(0, 1));
  n.optional("tight_spread_bps", &out.tight_spread_bps, 1.0, ratio_parser(0, 10'000));
  n.optional("wide_spread_bps", &out.wide_spread_bps, 10.0, ratio_parser(0, 10'000));
  if (out.w_imbalance + out.w_flow + out.w_momentum <= 0) {
    n.error("w_imbalance", "at least one directional weight must be positive");
  }
  if (out.wide_spread_bps <= out.tight_spread_bps) {
    n.error("wide_spread_bps", "must be above tight_spread_bps");
  }
  if (out.flow_window.count() <= 0) n.error("flow_window", "must be positive");
  if (out.sample_interval.count() <= 0) n.error("sample_interval", "must be positive");
}

Analyzer::Analyzer(const AnalyzerConfig& cfg) noexcept : cfg_(cfg) {
  cfg_.momentum_samples = std::clamp(cfg_.momentum_samples, 3, static_cast<int>(kMaxSamples));
  flow_bucket_ns_ = std::max<common::Nanos>(
      1, cfg_.flow_window.count() / static_cast<common::Nanos>(kFlowBuckets));
}

double Analyzer::imbalance_score(double bid_qty, double ask_qty) noexcept {
  const double tot = bid_qty + ask_qty;
  if (!(tot > 0)) return 50;
  return 50.0 * (1.0 + (bid_qty - ask_qty) / tot);
}

double Analyzer::flow_score(double buy_qty, double sell_qty) noexcept {
  return imbalance_score(buy_qty, sell_qty);
}

double Analyzer::momentum_score(double z, double z_full) noexcept {
  if (!std::isfinite(z) || !(z_full > 0)) return 50;
  return 50.0 + 50.0 * std::clamp(z / z_full, -1.0, 1.0);
}

double Analyzer::spread_score(double spread_bps, double tight, double wide) noexcept {
  if (!std::isfinite(spread_bps) || spread_bps >= wide) return 0;
  if (spread_bps <= tight) return 100;
  return 100.0 * (wide - spread_bps) / (wide - tight);
}

void Analyzer::on_trade(const common::Trade& t, common::Nanos now) noexcept {
  const common::Nanos epoch = now / flow_bucket_ns_;
  FlowBucket& b = flow_[static_cast<std::size_t>(epoch % static_cast<common::Nanos>(kFlowBuckets))];
  if (b.epoch != epoch) b = FlowBucket{epoch, 0, 0};
  (t.aggressor == common::Side::kBuy ? b.buy : b.sell) += t.qty.to_double();
}

double Analyzer::momentum_z() const noexcept {
  const std::size_t n = n_samples_;
  if (n < 2) return 0;
  const std::size_t cap = static_cast<std::size_t>(cfg_.momentum_samples);
  auto at = [&](std::size_t i) {  // i = 0 oldest
    return mids_[(head_ + cap - n + i) % cap];
  };
  double sum = 0, sum2 = 0;
  for (std::size_t i = 1; i < n; ++i) {
    const double r = std::log(at(i) / at(i - 1));
    sum += r;
    sum2 += r * r;
  }
  const double k = static_cast<double>(n - 1);
  const double mean = sum / k;
  const double var = std::max(0.0, sum2 / k - mean * mean);
  const double total = sum;  // log return over the window
  const double vol = std::sqrt(var * k);
  if (vol <= 1e-12) return total > 0 ? 1e9 : (total < 0 ? -1e9 : 0);
  return total / vol;
}

const Components& Analyzer::on_book(const common::L2Book& book, common::Nanos now) noexcept {
  if (!book.is_valid() || !book.has_bid() || !book.has_ask()) return last_;
  const auto depth = static_cast<std::size_t>(cfg_.depth_levels);
  last_.imbalance = imbalance_score(book.qty_within(common::BookSide::kBid, depth).to_double(),
                                    book.qty_within(common::BookSide::kAsk, depth).to_double());
  double buy = 0, sell = 0;
  const common::Nanos cur = now / flow_bucket_ns_;
  for (const FlowBucket& b : flow_) {
    if (b.epoch < 0 || cur - b.epoch >= static_cast<common::Nanos>(kFlowBuckets)) continue;
    buy += b.buy;
    sell += b.sell;
  }
  last_.flow = flow_score(buy, sell);
  const double mid = book.mid().to_double();
  if (now >= next_sample_) {
    const std::size_t cap = static_cast<std::size_t>(cfg_.momentum_samples);
    mids_[head_] = mid;
    head_ = (head_ + 1) % cap;
    n_samples_ = std::min(n_samples_ + 1, cap);
    next_sample_ = now + cfg_.sample_interval.count();
  }
  last_.momentum = momentum_score(momentum_z(), cfg_.z_full);
  const double spread_bps = book.spread().to_double() / mid * 1e4;
  last_.spread = spread_score(spread_bps, cfg_.tight_spread_bps, cfg_.wide_spread_bps);
  const double wsum = cfg_.w_imbalance + cfg_.w_flow + cfg_.w_momentum;
  const double dir = (cfg_.w_imbalance * last_.imbalance + cfg_.w_flow * last_.flow +
                      cfg_.w_momentum * last_.momentum) /
                     wsum;
  const double factor = 1.0 - cfg_.spread_weight * (1.0 - last_.spread / 100.0);
  last_.score = std::clamp(50.0 + (dir - 50.0) * factor, 0.0, 100.0);
  return last_;
}

}  // namespace peregrine::strategies::confluence
