/*
 * The malloc-heavy module of bench/alloc.ts, built as a shared object with the
 * fixture flags and dlopened by bench/alloc.c (RTLD_NOW, as load() does).
 *
 * alloc_run(iters, seed, fixed): `iters` times, free a random one of 4096
 * slots and put a fresh malloc in it, of `fixed` bytes, or, when fixed is 0,
 * of 16..2063 bytes (uniform). The sizes and slots come from one xorshift64
 * stream (the Go peer, bench/goalloc, draws the same ones). The slots start
 * empty (the first frees are free(NULL)) and are freed at the end, so one run
 * leaves nothing allocated.
 *
 * Every malloc is made DEPTH frames deep: churn (the allocating function),
 * DEPTH-2 frames of descend, alloc_run. So a sample's stack, which stops at
 * the first return address outside the registered module (the harness), has
 * exactly DEPTH pcs.
 */
#include <stdint.h>
#include <stdlib.h>

#define DEPTH 9
#define SLOTS 4096

static void *slots[SLOTS];
static volatile uintptr_t sink;

static __attribute__((noinline)) void churn(long iters, uint64_t x, unsigned fixed) {
  for (long i = 0; i < iters; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    size_t size = fixed ? fixed : 16 + (size_t)((x >> 32) % 2048);
    unsigned k = (unsigned)x & (SLOTS - 1);
    free(slots[k]);
    char *p = malloc(size);
    if (p) p[0] = (char)i; /* touch it, as a user of the block would */
    slots[k] = p;
  }
  for (unsigned k = 0; k < SLOTS; k++) {
    free(slots[k]);
    slots[k] = 0;
  }
}

static __attribute__((noinline)) long descend(int d, long iters, uint64_t seed, unsigned fixed) {
  if (d == 0) churn(iters, seed, fixed);
  else descend(d - 1, iters, seed, fixed);
  sink++; /* work after the call: the frame stays */
  return (long)sink;
}

long alloc_run(long iters, uint64_t seed, unsigned fixed) {
  long r = descend(DEPTH - 3, iters, seed ? seed : 1, fixed); /* descend(k) is k + 1 frames */
  sink++;
  return r;
}

int alloc_depth(void) { return DEPTH; }
