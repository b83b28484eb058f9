/*
 * trace.c: probes append stacks to the calling thread's innermost trace
 * (llgi_trace.h).
 */
#include "llgi_trace.h"

#include "llgi_walk.h"

static __thread llgi_trace *t_trace;

void llgi_trace_begin(llgi_trace *t) {
  t->npcs = t->nstacks = t->dropped = t->truncated = 0;
  t->prev = t_trace;
  t_trace = t;
}

void llgi_trace_end(llgi_trace *t) {
  if (t_trace == t) t_trace = t->prev;
}

__attribute__((noinline)) void llgi_rt_probe(void) {
  llgi_trace *t = t_trace;
  if (!t) return;
  uint32_t room = t->cap_pcs - t->npcs;
  if (room > t->max_depth) room = t->max_depth;
  if (t->nstacks == t->cap_stacks || room == 0) {
    t->dropped++;
    return;
  }
  /* Ask for one more pc than we keep to learn whether the stack was cut. */
  uintptr_t *out = t->pcs + t->npcs;
  int n = llgi_walk((uintptr_t)__builtin_frame_address(0), 0, out, (int)room);
  if ((uint32_t)n == room) {
    uintptr_t extra;
    if (llgi_walk((uintptr_t)__builtin_frame_address(0), (int)room, &extra, 1) == 1) t->truncated++;
  }
  t->npcs += (uint32_t)n;
  t->ends[t->nstacks++] = t->npcs;
  __asm__ __volatile__("" ::: "memory"); /* keep this frame: no tail call */
}
