/*
 * llgi_walk.h: the frame-pointer walk (x86-64 and aarch64: [fp] is the saved
 * frame pointer, [fp+8] the return address).
 *
 * A walk reads memory only upward from the frame it starts at, and only
 * inside the current thread's stack (bounds from the platform, threadstack.h,
 * cached per thread). When it starts on another stack (koffi runs calls on
 * its own mmap'd stack), it reads each frame record with the platform's read
 * that fails instead of faulting (Linux: process_vm_readv); where that read
 * is refused, it stays inside the read-write mapping holding its start
 * frame. Either way no read can fault, even when frames are corrupted. It
 * stops at: a frame pointer outside the stack, misaligned, not strictly
 * increasing, or more than LLGI_WALK_MAX_STEP above the previous one; a
 * return address outside the registered modules (llgi_registry.h); or when
 * `max` pcs are written.
 *
 * Threads and signals: lock-free and allocation-free; async-signal-safe once
 * llgi_walk_prepare_thread() has run on the thread (the first walk on a thread
 * calls it itself, and that first call is not signal-safe: on Linux it reads
 * /proc on the main thread).
 */
#ifndef LLGI_WALK_H
#define LLGI_WALK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Frames further apart than this are treated as corruption (1 MiB). */
#define LLGI_WALK_MAX_STEP (1u << 20)

/* Caches the calling thread's stack bounds. Not async-signal-safe. */
void llgi_walk_prepare_thread(void);

/*
 * Walks from the frame record at `fp`: the first candidate pc is the return
 * address stored at fp+8. Skips `skip` pcs, then writes up to `max` return
 * addresses (runtime addresses) to pcs and returns how many it wrote.
 */
int llgi_walk(uintptr_t fp, int skip, uintptr_t *pcs, int max);

/*
 * The hook behind llgi_callers() (llgi_module.h): walks from its own frame,
 * so with skip=0 pcs[0] is the return address into the function that called
 * llgi_callers.
 */
int llgi_rt_callers(int skip, uintptr_t *pcs, int max);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_WALK_H */
