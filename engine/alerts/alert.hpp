// Alert: one operator-facing event (fill, reject, halt, disconnect) handed by queue from the core
// to the alerts side thread. Any thread; trivially copyable, built without allocation.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "common/events.hpp"

namespace peregrine::engine::alerts {

enum class AlertKind : std::uint8_t { kFill, kReject, kHalt, kDisconnect, kKill, kOther };
[[nodiscard]] std::string_view to_string(AlertKind k) noexcept;

struct Alert {
  static constexpr std::size_t kTextCapacity = 95;
  common::Nanos ts = 0;
  AlertKind kind = AlertKind::kOther;
  bool has_venue = false;
  common::VenueId venue = common::VenueId::kHyperliquid;
  common::Side side = common::Side::kBuy;
  std::uint8_t text_len = 0;
  common::InstrumentId instrument;
  common::ClientOrderId cloid;
  common::Price price;
  common::Qty qty;
  std::array<char, kTextCapacity> text{};

  void set_text(std::string_view s) noexcept {
    const std::size_t n = s.size() < kTextCapacity ? s.size() : kTextCapacity;
    std::memcpy(text.data(), s.data(), n);
    text_len = static_cast<std::uint8_t>(n);
  }
  [[nodiscard]] std::string_view text_view() const noexcept { return {text.data(), text_len}; }

  [[nodiscard]] static Alert fill(const common::Fill& f) noexcept;
  [[nodiscard]] static Alert reject(const common::OrderUpdate& u) noexcept;
  // kDisconnect for kDown/kStale, kOther otherwise (reconnects are worth a line too).
  [[nodiscard]] static Alert venue_status(const common::VenueStatus& s) noexcept;
  [[nodiscard]] static Alert halt(common::Nanos ts, std::string_view why) noexcept;
};
static_assert(std::is_trivially_copyable_v<Alert>);

}  // namespace peregrine::engine::alerts
