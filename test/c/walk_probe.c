/*
 * The frame-pointer walk without Node (test/crash-arch.test.ts): the program
 * registers its own text, walks its stack from three calls deep with
 * llgi_rt_callers and prints each pc as an offset from its load base, one
 * per line. Built for x86-64 and for aarch64 (run under qemu-user).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>

#include "llgi_walk.h"
#include "self_text.h"

#define NOINLINE __attribute__((noinline))
#define BARRIER() __asm__ __volatile__("" ::: "memory")

static uint64_t base;

NOINLINE int walk_leaf(uintptr_t *pcs, int max) {
  int n = llgi_rt_callers(0, pcs, max); /* @walk:callers */
  BARRIER();
  return n;
}

NOINLINE int walk_middle(uintptr_t *pcs, int max) {
  int n = walk_leaf(pcs, max); /* @walk:call-leaf */
  BARRIER();
  return n;
}

NOINLINE int walk_outer(uintptr_t *pcs, int max) {
  int n = walk_middle(pcs, max); /* @walk:call-middle */
  BARRIER();
  return n;
}

int main(void) {
  uint64_t base1 = self_text_register();
  if (!base1) return 3;
  base = base1 - 1;
  uintptr_t pcs[64];
  int n = walk_outer(pcs, 64); /* @walk:call-outer */
  for (int i = 0; i < n; i++) printf("0x%llx\n", (unsigned long long)(pcs[i] - base));
  return 0;
}
