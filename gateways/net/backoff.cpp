#include "gateways/net/backoff.hpp"

#include <algorithm>

namespace peregrine::gateways::net {

common::Nanos Backoff::ceiling(std::uint32_t attempt) const noexcept {
  const common::Nanos base = std::max<common::Nanos>(policy_.base_ns, 1);
  const common::Nanos cap = std::max(policy_.cap_ns, base);
  common::Nanos delay = base;
  // Doubling stops at the cap, so the shift never overflows however many attempts pile up.
  for (std::uint32_t i = 0; i < attempt && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

common::Nanos Backoff::next_delay(common::Rng& rng) noexcept {
  const common::Nanos ceil = ceiling(attempt_);
  if (attempt_ < 64) ++attempt_;
  const std::uint32_t permille = std::min<std::uint32_t>(policy_.jitter_permille, 1000);
  if (permille == 0) return ceil;
  const auto span = static_cast<std::uint64_t>(static_cast<__int128>(ceil) * permille /
                                               1000);  // __int128: ceil·1000 may exceed int64
  const auto cut = rng.uniform(span + 1);
  return ceil - static_cast<common::Nanos>(cut);
}

void Backoff::on_disconnected(common::Nanos now) noexcept {
  if (connected_at_ >= 0 && now - connected_at_ >= policy_.reset_after_ns) attempt_ = 0;
  connected_at_ = -1;
}

}  // namespace peregrine::gateways::net
