// EquityCurve: running peak, maximum drawdown and last value of a mark-to-market equity series,
// for strategy evaluation tests. Test thread only.
#pragma once

#include <algorithm>

namespace peregrine::strategies::testing {

class EquityCurve {
 public:
  void add(double equity) {
    if (!started_) {
      peak_ = equity;
      started_ = true;
    }
    peak_ = std::max(peak_, equity);
    max_drawdown_ = std::max(max_drawdown_, peak_ - equity);
    last_ = equity;
  }
  [[nodiscard]] double max_drawdown() const { return max_drawdown_; }
  [[nodiscard]] double peak() const { return peak_; }
  [[nodiscard]] double last() const { return last_; }

 private:
  bool started_ = false;
  double peak_ = 0;
  double max_drawdown_ = 0;
  double last_ = 0;
};

}  // namespace peregrine::strategies::testing
