/*
 * saferead.c: reads that cannot fault (saferead.h): the platform's
 * llgi_vm_read, or where it is missing or refused, a copy checked against
 * the mappings (procmaps.h).
 */
/* The platform's inline read may use its C library's extensions. */
#define _GNU_SOURCE
#include "saferead.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "procmaps.h"
#include "vmread.h"

/* llgi_vm_read: 1 works, 0 missing or refused, -1 not tried yet. */
static _Atomic int g_vm = -1;
/*
 * The last readable mapping a checked copy used. Faulting threads may read
 * and replace it at once: a sequence word guards the pair (odd while one
 * writer stores it; a writer that finds it odd does not cache), so a reader
 * never uses a torn range.
 */
static _Atomic uint32_t g_seq;
static _Atomic uintptr_t g_lo, g_hi;

static int cached(uintptr_t lo, uintptr_t hi) {
  uint32_t s = atomic_load_explicit(&g_seq, memory_order_acquire);
  if (s & 1) return 0;
  uintptr_t clo = atomic_load_explicit(&g_lo, memory_order_relaxed), chi = atomic_load_explicit(&g_hi, memory_order_relaxed);
  atomic_thread_fence(memory_order_acquire);
  return atomic_load_explicit(&g_seq, memory_order_relaxed) == s && lo >= clo && hi <= chi;
}

static void cache(uintptr_t lo, uintptr_t hi) {
  uint32_t s = atomic_load_explicit(&g_seq, memory_order_relaxed);
  if ((s & 1) || !atomic_compare_exchange_strong_explicit(&g_seq, &s, s + 1, memory_order_acquire, memory_order_relaxed)) return;
  atomic_store_explicit(&g_lo, lo, memory_order_relaxed);
  atomic_store_explicit(&g_hi, hi, memory_order_relaxed);
  atomic_store_explicit(&g_seq, s + 2, memory_order_release);
}

typedef struct want {
  uintptr_t lo, hi;
  int found;
} want;

static int readable(const llgi_maps_line *l, void *ctx) {
  want *w = ctx;
  if (w->lo < l->lo || w->lo >= l->hi) return 0;
  if (l->perms[0] == 'r' && w->hi <= l->hi) {
    w->found = 1;
    w->lo = l->lo;
    w->hi = l->hi;
  }
  return 1;
}

static int checked_copy(uintptr_t addr, void *dst, size_t n) {
  if (addr + n < addr) return 0;
  if (!cached(addr, addr + n)) {
    want w = {addr, addr + n, 0};
    if (llgi_maps_scan(readable, &w) != 1 || !w.found) return 0;
    cache(w.lo, w.hi);
  }
  memcpy(dst, (const void *)addr, n);
  return 1;
}

int llgi_safe_read(uintptr_t addr, void *dst, size_t n) {
  int saved = errno;
  int vm = atomic_load_explicit(&g_vm, memory_order_relaxed);
  int ok = 0;
  if (vm != 0) {
    int r = llgi_vm_read(addr, dst, n);
    if (r == 1) {
      ok = 1;
      vm = 1;
    } else if (r < 0) {
      vm = 0;
    }
    atomic_store_explicit(&g_vm, vm, memory_order_relaxed);
  }
  if (vm == 0) ok = checked_copy(addr, dst, n);
  errno = saved;
  return ok;
}
