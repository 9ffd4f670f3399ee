// Result<T, E>: a value or an error code, for hot-path functions that must not throw.
// Any thread. A small stand-in for C++23 std::expected (GCC 12 has none).
#pragma once

#include <type_traits>
#include <utility>

#include "common/assert.hpp"

namespace peregrine::common {

template <typename E>
struct Unexpected {
  E error;
};

template <typename E>
Unexpected(E) -> Unexpected<E>;

template <typename T, typename E>
class [[nodiscard]] Result {
  static_assert(std::is_trivially_copyable_v<E>, "error codes are plain enums or structs");

 public:
  constexpr Result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT
      : value_(std::move(value)), ok_(true) {}
  constexpr Result(Unexpected<E> err) noexcept
      : value_(), error_(err.error), ok_(false) {}  // NOLINT

  [[nodiscard]] constexpr bool ok() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }

  [[nodiscard]] constexpr const T& value() const& noexcept {
    PEREGRINE_ASSERT(ok_);
    return value_;
  }
  [[nodiscard]] constexpr T&& value() && noexcept {
    PEREGRINE_ASSERT(ok_);
    return std::move(value_);
  }
  [[nodiscard]] constexpr const T& operator*() const& noexcept { return value(); }
  [[nodiscard]] constexpr const T* operator->() const noexcept { return &value(); }
  [[nodiscard]] constexpr E error() const noexcept {
    PEREGRINE_ASSERT(!ok_);
    return error_;
  }
  [[nodiscard]] constexpr T value_or(T fallback) const noexcept { return ok_ ? value_ : fallback; }

 private:
  T value_;
  E error_{};
  bool ok_;
};

}  // namespace peregrine::common
