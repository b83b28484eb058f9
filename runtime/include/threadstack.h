/*
 * threadstack.h: the bounds of the calling thread's stack, which the walk
 * caches per thread (walk.c). Linux: pthread_getattr_np
 * (runtime/src/linux/threadstack.c).
 *
 * Thread-safe; NOT async-signal-safe (glibc reads /proc/self/maps for the
 * main thread's stack); no allocation that outlives the call.
 */
#ifndef LLGI_THREADSTACK_H
#define LLGI_THREADSTACK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets [*lo, *hi) to the calling thread's stack and returns 1; 0 when unknown. */
int llgi_thread_stack(uintptr_t *lo, uintptr_t *hi);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_THREADSTACK_H */
