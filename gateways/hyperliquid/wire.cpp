#include "gateways/hyperliquid/wire.hpp"

namespace peregrine::gateways::hyperliquid {

using common::DecimalError;
using common::Price;
using common::Qty;
using common::RoundMode;
using common::Unexpected;

namespace {

constexpr std::int64_t kPow10[] = {
    1,         10,         100,         1'000,         10'000,         100'000,
    1'000'000, 10'000'000, 100'000'000, 1'000'000'000, 10'000'000'000, 100'000'000'000};

std::uint64_t magnitude(std::int64_t raw) noexcept {
  return raw < 0 ? ~static_cast<std::uint64_t>(raw) + 1 : static_cast<std::uint64_t>(raw);
}

int digits_of(std::uint64_t v) noexcept {
  int d = 1;
  while (v >= 10) {
    v /= 10;
    ++d;
  }
  return d;
}

bool valid_sz_decimals(int sz_decimals, Market m) noexcept {
  return sz_decimals >= 0 && sz_decimals <= (m == Market::kPerp ? 6 : 8);
}

// Decimals allowed by the 5-significant-figure rule for a non-integer magnitude.
int sig_fig_decimals(std::uint64_t mag) noexcept {
  const std::uint64_t int_part = mag / static_cast<std::uint64_t>(common::kDecimalScale);
  if (int_part > 0) return kMaxSigFigs - digits_of(int_part);  // may be <= 0: integer only
  // 0.000ddd: position of the first significant digit after the point (1-based).
  const int frac_digits = digits_of(mag);  // digits of the raw fraction value
  const int first_sig = common::kDecimalPlaces - frac_digits + 1;
  return first_sig + kMaxSigFigs - 1;
}

}  // namespace

std::string_view to_string(WireError e) noexcept {
  switch (e) {
    case WireError::kOk:
      return "ok";
    case WireError::kNonPositive:
      return "must be greater than zero";
    case WireError::kTooManyDecimals:
      return "too many decimals for this asset";
    case WireError::kTooManySigFigs:
      return "more than 5 significant figures (only integer prices may have more)";
    case WireError::kBadSzDecimals:
      return "szDecimals out of range for this market";
    case WireError::kRoundsToZero:
      return "rounds to zero on this asset's grid";
    case WireError::kOverflow:
      return "number out of range";
  }
  return "unknown wire error";
}

int decimals_of(std::int64_t raw) noexcept {
  std::uint64_t frac = magnitude(raw) % static_cast<std::uint64_t>(common::kDecimalScale);
  if (frac == 0) return 0;
  int d = common::kDecimalPlaces;
  while (frac % 10 == 0) {
    frac /= 10;
    --d;
  }
  return d;
}

int sig_figs_of(std::int64_t raw) noexcept {
  std::uint64_t mag = magnitude(raw);
  if (mag == 0) return 0;
  // Drop trailing zeros of the fraction: they are not written on the wire.
  int dropped = 0;
  while (dropped < common::kDecimalPlaces && mag % 10 == 0) {
    mag /= 10;
    ++dropped;
  }
  return digits_of(mag);
}

WireError check_price(Price px, int sz_decimals, Market m) noexcept {
  if (!valid_sz_decimals(sz_decimals, m)) return WireError::kBadSzDecimals;
  if (!px.is_positive()) return WireError::kNonPositive;
  const int decimals = decimals_of(px.raw());
  if (decimals == 0) return WireError::kOk;  // integer prices are always valid
  if (decimals > max_price_decimals(sz_decimals, m)) return WireError::kTooManyDecimals;
  if (sig_figs_of(px.raw()) > kMaxSigFigs) return WireError::kTooManySigFigs;
  return WireError::kOk;
}

WireError check_size(Qty sz, int sz_decimals) noexcept {
  if (sz_decimals < 0 || sz_decimals > common::kDecimalPlaces) return WireError::kBadSzDecimals;
  if (!sz.is_positive()) return WireError::kNonPositive;
  if (decimals_of(sz.raw()) > sz_decimals) return WireError::kTooManyDecimals;
  return WireError::kOk;
}

common::Result<std::size_t, WireError> price_to_wire(Price px, int sz_decimals, Market m,
                                                     char* out) noexcept {
  const WireError e = check_price(px, sz_decimals, m);
  if (e != WireError::kOk) return Unexpected{e};
  return px.format(out);
}

common::Result<std::size_t, WireError> size_to_wire(Qty sz, int sz_decimals, char* out) noexcept {
  const WireError e = check_size(sz, sz_decimals);
  if (e != WireError::kOk) return Unexpected{e};
  return sz.format(out);
}

common::Result<Price, WireError> round_price(Price px, int sz_decimals, Market m,
                                             RoundMode mode) noexcept {
  if (!valid_sz_decimals(sz_decimals, m)) return Unexpected{WireError::kBadSzDecimals};
  if (px.is_zero()) return Unexpected{WireError::kRoundsToZero};
  int allowed = max_price_decimals(sz_decimals, m);
  const int by_sig = sig_fig_decimals(magnitude(px.raw()));
  if (by_sig < allowed) allowed = by_sig < 0 ? 0 : by_sig;
  const Price step = Price::from_raw(kPow10[common::kDecimalPlaces - allowed]);
  auto r = px.round_to(step, mode);
  if (!r)
    return Unexpected{r.error() == DecimalError::kOverflow ? WireError::kOverflow
                                                           : WireError::kRoundsToZero};
  if (r->is_zero()) return Unexpected{WireError::kRoundsToZero};
  // Rounding up can add a digit (99999.5 -> 100000: an integer, valid; 9.99995 -> 10: valid).
  return *r;
}

common::Result<Qty, WireError> round_size(Qty sz, int sz_decimals, RoundMode mode) noexcept {
  if (sz_decimals < 0 || sz_decimals > common::kDecimalPlaces) {
    return Unexpected{WireError::kBadSzDecimals};
  }
  const Qty step = Qty::from_raw(kPow10[common::kDecimalPlaces - sz_decimals]);
  auto r = sz.round_to(step, mode);
  if (!r) return Unexpected{WireError::kOverflow};
  if (r->is_zero()) return Unexpected{WireError::kRoundsToZero};
  return *r;
}

}  // namespace peregrine::gateways::hyperliquid
