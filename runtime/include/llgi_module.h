/*
 * llgi_module.h: the only header module code needs.
 *
 * Include it in any translation unit of a shared object and call
 * llgi_callers() or llgi_probe(). The header itself defines the module's hook
 * table (a weak, protected symbol, so every including translation unit shares
 * one copy and dlsym can find it). llgo-introspect's load() fills the table
 * after dlopen; in a module dlopened some other way the table stays empty and
 * both calls are harmless no-ops (llgi_callers returns 0).
 *
 * Frame pointers: build with -fno-omit-frame-pointer
 * -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls. A tail call erases
 * its caller's frame, so that function disappears from the stack.
 *
 * Threads and signals: both calls may be made from any thread, including
 * threads the module creates; they take no lock and do not allocate.
 * llgi_callers is async-signal-safe. llgi_probe records only while a trace()
 * started from JavaScript is active on the calling thread.
 */
#ifndef LLGI_MODULE_H
#define LLGI_MODULE_H

#include <stdint.h>

#include "llgi_hooks.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One definition per module: weak so every including TU may define it, and
 * protected so the module's own references bind to its own copy even when
 * another loaded object exports the same name. */
__attribute__((weak, visibility("protected"))) struct llgi_hooks llgi_hooks = {
    LLGI_HOOKS_MAGIC, LLGI_HOOKS_VERSION, (uint32_t)sizeof(struct llgi_hooks), 0, 0, 0, 0};

/*
 * Return addresses of the calling thread's stack, innermost first, into pcs
 * (at most max). skip=0: pcs[0] is the return address into the function that
 * called llgi_callers; skip=1 starts one frame further out. The walk stops at
 * the first return address outside the modules load() registered, at the end
 * of the thread's stack, or at a frame that looks corrupted. Returns the
 * number of pcs written (0 when the module was not loaded by load()).
 * Symbolize them with callersFrames() (return addresses: pc-1 rule).
 */
static inline __attribute__((always_inline)) int llgi_callers(int skip, uintptr_t *pcs, int max) {
  int (*fn)(int, uintptr_t *, int) = llgi_hooks.callers;
  int n = fn ? fn(skip, pcs, max) : 0;
  __asm__ __volatile__("" ::: "memory"); /* no tail call: keep the caller's frame */
  return n;
}

/*
 * Records the current stack (starting at the caller of llgi_probe) into the
 * trace() active on this thread; does nothing when none is active.
 */
static inline __attribute__((always_inline)) void llgi_probe(void) {
  void (*fn)(void) = llgi_hooks.probe;
  if (fn) fn();
  __asm__ __volatile__("" ::: "memory"); /* no tail call: keep the caller's frame */
}

/*
 * Reports an allocation the module makes from an arena of its own (not
 * through malloc and friends, which load() interposes): the heap profile
 * samples it like any other, with the stack starting at the caller of
 * llgi_alloc. Pair it with llgi_free when the memory is released.
 */
static inline __attribute__((always_inline)) void llgi_alloc(void *p, size_t size) {
  void (*fn)(void *, size_t) = llgi_hooks.alloc;
  if (fn) fn(p, size);
  __asm__ __volatile__("" ::: "memory"); /* no tail call: keep the caller's frame */
}

static inline __attribute__((always_inline)) void llgi_free(void *p) {
  void (*fn)(void *) = llgi_hooks.free;
  if (fn) fn(p);
}

#ifdef __cplusplus
}
#endif

#endif /* LLGI_MODULE_H */
