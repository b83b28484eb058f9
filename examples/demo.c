/* The bundled example for `llgo-introspect demo`: a small program with the
 * shapes symbolization has to get right: a call chain, recursion, a static
 * function, a function pointer and a helper inlined at two call sites.
 * llgi_probe() records the live stack into the demo's trace(). */
#include <stddef.h>

#include "llgi_module.h"

volatile int sink;

static inline __attribute__((always_inline)) int clamp(int v, int lo, int hi) {
  sink += v; /* visible work, so the inlined body keeps lines of its own */
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;
}

static __attribute__((noinline)) int scale(int v) {
  llgi_probe();
  return clamp(v * 3, 0, 1000);
}

__attribute__((noinline)) int fib(int n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

typedef int (*op_fn)(int);

__attribute__((noinline)) int apply(op_fn op, int v) {
  return op(v) + 1;
}

__attribute__((noinline)) int demo_main(int n) {
  int total = apply(scale, n);
  total += clamp(fib(n), 0, 100);
  sink = total;
  return total;
}

/* Heap profile part of the demo (lib/demo.ts): n 64-byte allocations from a
 * static arena, reported through llgi_alloc at one line. */
static char demo_arena[32][64];
__attribute__((noinline)) int demo_heap(int n) {
  for (int i = 0; i < n; i++) llgi_alloc(demo_arena[i % 32], sizeof demo_arena[0]); /* @demo:alloc */
  return n;
}
