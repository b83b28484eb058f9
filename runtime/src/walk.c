/*
 * walk.c: the frame-pointer walk (llgi_walk.h).
 *
 * Safety argument: the walk starts at a live frame of the calling thread and
 * only moves to strictly higher frame pointers that stay inside the stack it
 * started on (the thread's own, or the read-write mapping holding the start
 * frame, see stackmap.c), so every load is from mapped memory between the
 * current frame and that stack's top, whatever garbage the frames hold.
 */
#define _GNU_SOURCE
#include "llgi_walk.h"

#include <pthread.h>

#include "llgi_registry.h"
#include "stackmap.h"

/* This thread's stack [lo, hi); hi == 0 until prepared. */
static __thread uintptr_t t_stack_lo, t_stack_hi;
/* The range of this thread's last registry hit, valid while the registry's
 * generation is unchanged: most walks start in the module the last one did. */
static __thread uint32_t t_hit_gen;
static __thread uint64_t t_hit_lo, t_hit_hi;

void llgi_walk_prepare_thread(void) {
  pthread_attr_t attr;
  void *addr;
  size_t size;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    t_stack_lo = (uintptr_t)addr;
    t_stack_hi = (uintptr_t)addr + size;
  }
  pthread_attr_destroy(&attr);
}

/* The walk itself, inlined into both entry points so llgi_callers pays for
 * one call, not two. */
static inline __attribute__((always_inline)) int walk(uintptr_t fp, int skip, uintptr_t *pcs, int max) {
  if (!t_stack_hi) llgi_walk_prepare_thread();
  uintptr_t lo = t_stack_lo, hi = t_stack_hi;
  /* Started on another stack (an FFI's own stack, a coroutine): the walk may
   * read up to the end of the mapping that holds the start frame. */
  if ((fp < lo || fp >= hi) && !llgi_stackmap_find(fp, &lo, &hi)) return 0;
  if (!hi) return 0; /* bounds unknown: reading anything would be a guess */
  int n = 0;
  /* The range of the last registry hit: consecutive frames are mostly in one
   * module, and two compares are much cheaper than a registry scan. */
  llgi_range cur = {0, 0, 0, 0, 0};
  uint32_t gen = llgi_registry_generation();
  if (t_hit_gen == gen) {
    cur.lo = t_hit_lo;
    cur.hi = t_hit_hi;
  }
  while (n < max) {
    if (fp < lo || fp >= hi - 2 * sizeof(uintptr_t) || (fp & (sizeof(uintptr_t) - 1))) break;
    const uintptr_t *rec = (const uintptr_t *)fp;
    uintptr_t next = rec[0], ret = rec[1];
    if ((ret < cur.lo || ret >= cur.hi) && !llgi_registry_find(ret, &cur)) break;
    if (skip > 0) skip--;
    else pcs[n++] = ret;
    if (next <= fp || next - fp > LLGI_WALK_MAX_STEP) break;
    fp = next;
  }
  /* Generation read before the walk: a change during it invalidates the copy. */
  t_hit_gen = gen;
  t_hit_lo = cur.lo;
  t_hit_hi = cur.hi;
  return n;
}

int llgi_walk(uintptr_t fp, int skip, uintptr_t *pcs, int max) { return walk(fp, skip, pcs, max); }

__attribute__((noinline)) int llgi_rt_callers(int skip, uintptr_t *pcs, int max) {
  /* Our own record's return address is the one into llgi_callers' caller. */
  int n = walk((uintptr_t)__builtin_frame_address(0), skip, pcs, max);
  __asm__ __volatile__("" ::: "memory"); /* keep this frame: no tail call */
  return n;
}
