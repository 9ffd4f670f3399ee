// simdjson error handling shared by the venue codecs: the mapping of simdjson::error_code onto a
// codec's error enum and the early-return macros. Pure and noexcept: any thread.
#pragma once

#include <simdjson.h>

#include <type_traits>

namespace peregrine::gateways::json {

// `Error` is a codec error enum naming kWrongType, kMissingField, kNoPadding, kEmpty, kBadValue
// and kBadJson; every other simdjson failure is a syntax problem (kBadJson).
template <typename Error>
[[nodiscard]] constexpr Error from_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::INCORRECT_TYPE:
      return Error::kWrongType;
    case simdjson::NO_SUCH_FIELD:
      return Error::kMissingField;
    case simdjson::INSUFFICIENT_PADDING:
      return Error::kNoPadding;
    case simdjson::EMPTY:
      return Error::kEmpty;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return Error::kBadValue;
    default:
      return Error::kBadJson;
  }
}

}  // namespace peregrine::gateways::json

// Early-return helpers: a codec reports the first problem of a frame and stops.
// Returns the codec error `expr` yields unless it is kOk.
#define PEREGRINE_JSON_TRY(expr)                                                         \
  do {                                                                                   \
    if (const auto e_ = (expr); e_ != std::remove_cvref_t<decltype(e_)>::kOk) return e_; \
  } while (0)
// Returns the simdjson failure of `expr`, mapped onto the codec error enum `Error`.
#define PEREGRINE_JSON_SJ(Error, expr)                                     \
  do {                                                                     \
    if (const simdjson::error_code sj_ = (expr); sj_ != simdjson::SUCCESS) \
      return ::peregrine::gateways::json::from_simdjson<Error>(sj_);       \
  } while (0)
