/*
 * llgi_trace.h: per-thread traces filled by llgi_probe() (llgi_module.h).
 *
 * trace() in JavaScript begins a trace on its thread, runs the user's
 * function, and ends it; every probe on that thread meanwhile appends one
 * stack. Traces nest: the innermost active trace receives the probes.
 *
 * Threads and signals: a trace belongs to the thread that began it; probes on
 * other threads do not see it. llgi_rt_probe takes no lock and allocates
 * nothing (the buffers are the caller's).
 */
#ifndef LLGI_TRACE_H
#define LLGI_TRACE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llgi_trace {
  uintptr_t *pcs;       /* all stacks' pcs, back to back */
  uint32_t cap_pcs;
  uint32_t npcs;
  uint32_t *ends;       /* stack i is pcs[ends[i-1] .. ends[i]) (ends[-1] = 0) */
  uint32_t cap_stacks;
  uint32_t nstacks;
  uint32_t max_depth;   /* a stack keeps at most this many pcs (innermost ones) */
  uint32_t dropped;     /* probes not recorded: no room left */
  uint32_t truncated;   /* stacks cut at max_depth or at the end of the buffer */
  struct llgi_trace *prev; /* the trace this one interrupted */
} llgi_trace;

/* Makes t (zeroed counters, caller-owned buffers) the calling thread's trace. */
void llgi_trace_begin(llgi_trace *t);

/* Ends t, which must be the calling thread's innermost trace; restores the previous one. */
void llgi_trace_end(llgi_trace *t);

/* The hook behind llgi_probe(): records the stack starting at the probe's caller. */
void llgi_rt_probe(void);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_TRACE_H */
