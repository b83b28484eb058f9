/*
 * walk.c: the frame-pointer walk (llgi_walk.h).
 *
 * Safety argument: the walk starts at a live frame of the calling thread and
 * only moves to strictly higher frame pointers. On the thread's own stack it
 * stays inside the stack's bounds (threadstack.h), so every load is from
 * mapped memory between the current frame and the stack's top, whatever
 * garbage the frames hold. Started on another stack (koffi runs calls on an
 * mmap'd stack of its own), it reads each frame record with the platform's
 * read that fails instead of faulting (llgi_vm_read, inline from the
 * platform's vmread.h; on Linux one system call per frame, about 0.3 us).
 * Where that read is refused (seccomp), the bounds come from the read-write
 * mapping holding the start frame (stackmap.c: a scan of the mappings per
 * walk).
 */
/* The platform's inline read may use its C library's extensions. */
#define _GNU_SOURCE
#include "llgi_walk.h"

#include <errno.h>
#include <stdatomic.h>

#include "llgi_registry.h"
#include "stackmap.h"
#include "threadstack.h"
#include "vmread.h"

/* This thread's stack [lo, hi); hi == 0 until prepared. */
static __thread uintptr_t t_stack_lo, t_stack_hi;
/* The range of this thread's last registry hit, valid while the registry's
 * generation is unchanged: most walks start in the module the last one did. */
static __thread uint32_t t_hit_gen;
static __thread uint64_t t_hit_lo, t_hit_hi;

void llgi_walk_prepare_thread(void) {
  uintptr_t lo, hi;
  if (!llgi_thread_stack(&lo, &hi)) return;
  t_stack_lo = lo;
  t_stack_hi = hi;
}

/* llgi_vm_read on this process: 1 works, 0 refused (then stackmap bounds), -1 untried. */
static _Atomic int g_vm_read = -1;

/* A return address outside the cached range: look it up (out of line, so the
 * hot loop keeps its values in registers). 1 and the new range, or 0. */
typedef struct span {
  uint64_t lo, hi;
} span;

static __attribute__((noinline)) int miss(uintptr_t ret, span *cur) {
  llgi_range r;
  if (!llgi_registry_find(ret, &r)) return 0;
  cur->lo = r.lo;
  cur->hi = r.hi;
  return 1;
}

/* The frame loop from fp, which the caller checked is inside [lo, hi); fp
 * only grows, so only the top bound needs checking again. `safe` is a
 * constant at each call: the loop over the thread's own stack carries no
 * system-call path. */
static inline __attribute__((always_inline)) int frames(uintptr_t fp, uintptr_t hi, int skip, uintptr_t *pcs, int max,
                                                        span *cur, const int safe) {
  int n = 0;
  const uintptr_t top = hi - 2 * sizeof(uintptr_t);
  uint64_t clo = cur->lo, chi = cur->hi;
  while (n < max) {
    if (fp >= top || (fp & (sizeof(uintptr_t) - 1))) break;
    uintptr_t next, ret;
    if (safe) {
      uintptr_t rec[2];
      int saved_errno = errno;
      int ok = llgi_vm_read(fp, rec, sizeof rec) == 1;
      errno = saved_errno;
      if (!ok) break;
      next = rec[0];
      ret = rec[1];
    } else {
      const uintptr_t *rec = (const uintptr_t *)fp;
      next = rec[0];
      ret = rec[1];
    }
    if (__builtin_expect(ret < clo || ret >= chi, 0)) {
      if (!miss(ret, cur)) break;
      clo = cur->lo;
      chi = cur->hi;
    }
    if (skip > 0) skip--;
    else pcs[n++] = ret;
    if (next <= fp || next - fp > LLGI_WALK_MAX_STEP) break;
    fp = next;
  }
  return n;
}

/* Walks that did not start on this thread's stack, out of line: the common
 * walk stays small enough to keep its values in registers. */
static __attribute__((noinline)) int frames_off_stack(uintptr_t fp, int skip, uintptr_t *pcs, int max, span *cur) {
  /* Started on another stack (an FFI's own stack, a coroutine): safe reads,
   * or else the bounds of the mapping that holds the start frame. Whether
   * the platform allows its safe read is learnt once; afterwards the loop's own
   * reads are the only system calls. */
  int vm = atomic_load_explicit(&g_vm_read, memory_order_relaxed);
  if (vm < 0) {
    int saved_errno = errno;
    uintptr_t probe[2];
    vm = llgi_vm_read(fp, probe, sizeof probe) >= 0;
    atomic_store_explicit(&g_vm_read, vm, memory_order_relaxed);
    errno = saved_errno;
  }
  if (vm) return frames(fp, UINTPTR_MAX, skip, pcs, max, cur, 1);
  uintptr_t lo, hi;
  if (llgi_stackmap_find(fp, &lo, &hi) && fp >= lo && fp < hi) return frames(fp, hi, skip, pcs, max, cur, 0);
  return -1; /* bounds unknown: reading anything would be a guess */
}

/* The walk itself, inlined into both entry points so llgi_callers pays for
 * one call, not two. */
static inline __attribute__((always_inline)) int walk(uintptr_t fp, int skip, uintptr_t *pcs, int max) {
  if (!t_stack_hi) llgi_walk_prepare_thread();
  uintptr_t lo = t_stack_lo, hi = t_stack_hi; /* hi == 0: unknown, treated as another stack */
  /* The range of the last registry hit: consecutive frames are mostly in one
   * module, and two compares are much cheaper than a registry scan. */
  span cur = {0, 0};
  uint32_t gen = llgi_registry_generation_fast();
  if (t_hit_gen == gen) {
    cur.lo = t_hit_lo;
    cur.hi = t_hit_hi;
  }
  int n;
  if (__builtin_expect(fp >= lo && fp < hi, 1)) {
    n = frames(fp, hi, skip, pcs, max, &cur, 0);
  } else {
    n = frames_off_stack(fp, skip, pcs, max, &cur);
    if (n < 0) return 0;
  }
  /* Generation read before the walk: a change during it invalidates the copy. */
  if (cur.lo != t_hit_lo || gen != t_hit_gen) {
    t_hit_gen = gen;
    t_hit_lo = cur.lo;
    t_hit_hi = cur.hi;
  }
  return n;
}

int llgi_walk(uintptr_t fp, int skip, uintptr_t *pcs, int max) { return walk(fp, skip, pcs, max); }

__attribute__((noinline)) int llgi_rt_callers(int skip, uintptr_t *pcs, int max) {
  /* Our own record's return address is the one into llgi_callers' caller. */
  int n = walk((uintptr_t)__builtin_frame_address(0), skip, pcs, max);
  __asm__ __volatile__("" ::: "memory"); /* keep this frame: no tail call */
  return n;
}
