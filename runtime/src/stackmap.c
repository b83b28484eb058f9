/*
 * stackmap.c: bounds of the memory a walk may read when it starts outside the
 * thread's own stack.
 *
 * Some callers run native code on a stack of their own: koffi (the FFI used
 * by Module.func) switches to a 2 MiB mmap'd stack for every synchronous
 * call. A walk that starts there may read from its start frame up to the end
 * of the read-write mapping holding it, found among the mappings
 * (procmaps.h: async-signal-safe). Not cached: a cached range could outlive
 * its mapping.
 */
#include "stackmap.h"

#include "procmaps.h"

typedef struct want {
  uintptr_t addr, lo, hi;
} want;

static int holds(const llgi_maps_line *l, void *ctx) {
  want *w = ctx;
  if (l->perms[0] != 'r' || l->perms[1] != 'w' || w->addr < l->lo || w->addr >= l->hi) return 0;
  w->lo = l->lo;
  w->hi = l->hi;
  return 1;
}

int llgi_stackmap_find(uintptr_t addr, uintptr_t *lo, uintptr_t *hi) {
  want w = {addr, 0, 0};
  if (llgi_maps_scan(holds, &w) != 1) return 0;
  *lo = w.lo;
  *hi = w.hi;
  return 1;
}
