// ThreadSanitizer annotations for moodycamel's queues under GCC. Include before moodycamel.
// moodycamel's atomicops.h synchronizes with std::atomic_thread_fence, which TSan does not
// model, and only annotates for clang (__has_feature). Under GCC's -fsanitize=thread we supply
// its AE_TSAN_ANNOTATE_* hooks as release/acquire on one global sync object: coarse (it may hide
// a race between two unrelated queues) but it never reports a false race. No-op otherwise.
#pragma once

#if defined(__SANITIZE_THREAD__) && !defined(AE_TSAN_ANNOTATE_RELEASE)
#include <sanitizer/tsan_interface.h>

namespace peregrine::common::detail {
inline char tsan_queue_sync;
}  // namespace peregrine::common::detail

#define AE_TSAN_ANNOTATE_RELEASE() __tsan_release(&::peregrine::common::detail::tsan_queue_sync)
#define AE_TSAN_ANNOTATE_ACQUIRE() __tsan_acquire(&::peregrine::common::detail::tsan_queue_sync)
#endif
