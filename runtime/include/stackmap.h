/*
 * stackmap.h: the read-write mapping that holds an address (procmaps.h).
 * Async-signal-safe (no allocation, no lock); costs a few tens of
 * microseconds, so the walk uses it only off the thread's own stack.
 */
#ifndef LLGI_STACKMAP_H
#define LLGI_STACKMAP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets [*lo, *hi) to the read-write mapping holding addr; 0 when there is none. */
int llgi_stackmap_find(uintptr_t addr, uintptr_t *lo, uintptr_t *hi);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_STACKMAP_H */
