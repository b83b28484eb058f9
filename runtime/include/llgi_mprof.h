/*
 * llgi_mprof.h: heap profiling with gc's sampling and publication semantics
 * (docs/gc-semantics.md §1-§2; docs/memprofile.md).
 *
 * Allocation events come from the GOT interposer's wrappers and from module
 * code through the hook table (llgi_alloc/llgi_free in llgi_module.h). A
 * per-thread byte countdown with gc's exponential thresholds (fastexprand)
 * decides which allocations are sampled; a sample walks the stack from the
 * caller's frame and counts (1 object, size bytes) into the bucket keyed by
 * (stack, size), gc's memRecord with its 3-slot future ring. Sampled pointers
 * are remembered so that their frees are counted too.
 *
 * The sampler drives the interposer's free gate (llgi_interpose.h, a weak
 * reference): on at the first live sample, before its pointer is returned,
 * off when the last live sample is freed and on reset.
 *
 * Threads and signals: every function is thread-safe. The allocation fast
 * path (no sample) and the free fast path (pointer never sampled) take no lock
 * and touch only this thread's state and a few atomics; a sample, a free of a
 * sampled pointer, gc, read and reset take one mutex. None is
 * async-signal-safe. The sampler never calls malloc (its memory comes from
 * mmap), so it cannot recurse into itself.
 */
#ifndef LLGI_MPROF_H
#define LLGI_MPROF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* gc's maxStack: pcs kept per sample (the innermost ones). */
#define LLGI_MPROF_MAX_STACK 32
/* gc's default MemProfileRate. */
#define LLGI_MPROF_DEFAULT_RATE (512 * 1024)

/* Sets the rate: 0 (or negative) off, 1 every allocation, R one sample per R
 * bytes on average. Existing countdowns are not redrawn (as in gc). */
void llgi_mprof_set_rate(int64_t rate);
int64_t llgi_mprof_rate(void);

/* Makes every thread's PRNG restart from `seed` (each thread mixes in the
 * order in which it first samples after this call). 0: seeds from the clock. */
void llgi_mprof_seed(uint64_t seed);

/*
 * An allocation of `size` bytes at `p`. `fp` is the frame record whose return
 * address is the allocation site: a wrapper passes its own
 * __builtin_frame_address(0), so the wrapper never appears in the stack.
 * NULL p is ignored.
 */
void llgi_mprof_malloc(void *p, size_t size, uintptr_t fp);

/* A free of `p`; counted when p was sampled, ignored (cheaply) otherwise. */
void llgi_mprof_free(void *p);

/* 1 when p was sampled and not yet freed (the Boehm GC wrappers register a
 * finalizer only for such objects, so their collection counts as a free). */
int llgi_mprof_sampled(const void *p);

/* Completes a profiling cycle as runtime.GC() does: everything before the
 * call becomes visible to llgi_mprof_read. */
void llgi_mprof_gc(void);

typedef struct llgi_mprof_record {
  int64_t allocs, frees, alloc_bytes, free_bytes; /* raw sampled counts (gc's MemProfileRecord) */
  uint64_t size;                                  /* the bucket's object size */
  uint32_t nstk;
  uintptr_t stk[LLGI_MPROF_MAX_STACK];            /* return addresses, innermost first */
} llgi_mprof_record;

/*
 * gc's runtime.MemProfile: publishes the current cycle's flush, folds every
 * pending event in when nothing has been published yet, then returns n = the
 * number of buckets with inuse_zero || alloc_bytes != free_bytes, writing
 * them (newest bucket first) only when n <= max.
 */
size_t llgi_mprof_read(llgi_mprof_record *out, size_t max, int inuse_zero);

/* Forgets every bucket and every remembered pointer. */
void llgi_mprof_reset(void);

/* Hook-table entry points (llgi_module.h llgi_alloc / llgi_free). */
void llgi_rt_alloc(void *p, size_t size);
void llgi_rt_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_MPROF_H */
