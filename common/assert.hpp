// PEREGRINE_ASSERT: invariant checks inside our own code; compiled out in release (NDEBUG).
// Any thread. Edges validate and return errors; asserts are for "cannot happen".
#pragma once

#include <cstdio>
#include <cstdlib>

#ifdef NDEBUG
#define PEREGRINE_ASSERT(cond) static_cast<void>(sizeof(cond))
#else
#define PEREGRINE_ASSERT(cond)                                                          \
  do {                                                                                  \
    if (!(cond)) [[unlikely]] {                                                         \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)
#endif
