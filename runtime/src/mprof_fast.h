/*
 * mprof_fast.h: the sampler's no-sample fast paths, inlined into the
 * interposer's wrappers (runtime/src/interpose.c) so that an allocation that is
 * not sampled costs a few loads and no call. Internal to the runtime: the
 * state is defined in mprof.c with hidden visibility, and the thread state
 * uses initial-exec TLS (a single %fs-relative load, not __tls_get_addr).
 *
 * Same guarantees as llgi_mprof_malloc / llgi_mprof_free (llgi_mprof.h).
 */
#ifndef LLGI_MPROF_FAST_H
#define LLGI_MPROF_FAST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "llgi_mprof.h"

#define LLGI_HIDDEN __attribute__((visibility("hidden")))

/* One thread's sampling state (gc keeps nextSample per P; we have no Ps). */
typedef struct llgi_mprof_thread {
  int64_t next;   /* bytes left before the next sample */
  uint64_t rng;   /* wyrand state */
  uint32_t epoch; /* seed epoch the state was drawn under; 0 = not started */
  int busy;       /* inside the sampler: its own work is never sampled (next is 0 meanwhile, so the fast paths step aside) */
} llgi_mprof_thread;

/* A counting filter over sampled, not yet freed pointers: a free whose
 * counter is 0 was never sampled. 2^14 u16 counters: 32 KiB, cache-friendly. */
#define LLGI_MPROF_FILTER_BITS 14

extern LLGI_HIDDEN _Atomic int64_t llgi_mprof_rate_;
extern LLGI_HIDDEN _Atomic uint32_t llgi_mprof_epoch_;
extern LLGI_HIDDEN _Atomic int64_t llgi_mprof_live_;
extern LLGI_HIDDEN _Atomic uint16_t llgi_mprof_filter_[1u << LLGI_MPROF_FILTER_BITS];
extern LLGI_HIDDEN __thread llgi_mprof_thread llgi_mprof_thread_ __attribute__((tls_model("initial-exec")));

/* One counter per 1 KiB of address space, wrapping every 16 MiB: frees in a
 * heap of a few MiB touch a few KiB of counters (they stay in L1), where a
 * hash spread them over all 32 KiB. A counter shared with a live sample only
 * sends a free to the exact map. */
static inline uint32_t llgi_mprof_filter_index(uintptr_t p) {
  return (uint32_t)(p >> 10) & ((1u << LLGI_MPROF_FILTER_BITS) - 1);
}

/*
 * The decision before the call: 1 when an allocation of `size` will not be
 * sampled, and then it is already counted down, so a wrapper can jump straight
 * to the real function (no frame, no return through the wrapper). 0: the
 * wrapper takes its slow path, which calls the real function and then
 * llgi_mprof_malloc (which decides the same way and samples). gc decides on
 * the size alone, so deciding before the allocation exists is equivalent.
 */
static inline int llgi_mprof_alloc_skips(size_t size) {
  int64_t rate = atomic_load_explicit(&llgi_mprof_rate_, memory_order_relaxed);
  llgi_mprof_thread *t = &llgi_mprof_thread_;
  int64_t next = t->next;
  /* One test for "off or every allocation" (rate <= 1); size 0 passes as
   * any size below the countdown (never sampled, as in gc). */
  if (rate > 1 && (uint64_t)size < (uint64_t)next &&
      t->epoch == atomic_load_explicit(&llgi_mprof_epoch_, memory_order_relaxed)) {
    t->next = next - (int64_t)size;
    return 1;
  }
  return rate <= 0;
}

/* 1 when freeing p needs no report: p was certainly never sampled. */
static inline int llgi_mprof_free_skips(void *p) {
  return !p || atomic_load_explicit(&llgi_mprof_live_, memory_order_acquire) == 0 ||
         atomic_load_explicit(&llgi_mprof_filter_[llgi_mprof_filter_index((uintptr_t)p)], memory_order_relaxed) == 0;
}

/* llgi_mprof_malloc, with the common "count down, no sample" case inline. */
static inline void llgi_mprof_malloc_fast(void *p, size_t size, uintptr_t fp) {
  int64_t rate = atomic_load_explicit(&llgi_mprof_rate_, memory_order_relaxed);
  if (rate <= 0 || !p || size == 0) return;
  llgi_mprof_thread *t = &llgi_mprof_thread_;
  if (rate != 1 && (int64_t)size < t->next &&
      t->epoch == atomic_load_explicit(&llgi_mprof_epoch_, memory_order_relaxed)) {
    t->next -= (int64_t)size;
    return;
  }
  llgi_mprof_malloc(p, size, fp);
}

/* llgi_mprof_free, with "this pointer was never sampled" answered inline. */
static inline void llgi_mprof_free_fast(void *p) {
  if (!llgi_mprof_free_skips(p)) llgi_mprof_free(p);
}

#endif /* LLGI_MPROF_FAST_H */
