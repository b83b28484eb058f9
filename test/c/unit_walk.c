/*
 * A C unit test of the frame-pointer walk on synthetic stacks (ctest:
 * docs/building.md). Frame records are laid out in a buffer off the thread's
 * stack, so the walk reads them the careful way (process_vm_readv, or the
 * bounds of their mapping), with a fake text range registered as a module.
 * Each chain ends where docs/in-process.md says a walk stops: a return
 * address outside the modules, a frame pointer that is misaligned, not
 * strictly above the last one or more than 1 MiB above it, an unreadable
 * one, or a full output. Prints "ok <checks>" and exits 0, or names the
 * first failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "llgi_registry.h"
#include "llgi_walk.h"

#define TEXT_LO 0x10000000u
#define TEXT_HI 0x10001000u
#define WORDS (1u << 19) /* 4 MiB of fake stack */

static uintptr_t *stack;

/* A frame record at word index i: [saved fp][return address]. */
static uintptr_t rec(size_t i, uintptr_t next, uintptr_t ret) {
  stack[i] = next;
  stack[i + 1] = ret;
  return (uintptr_t)&stack[i];
}

int main(void) {
  stack = calloc(WORDS, sizeof *stack);
  CHECK(stack != 0);
  CHECK(llgi_registry_add(TEXT_LO, TEXT_HI, 0, 0, 1) >= 0);
  uintptr_t pcs[16];

  /* Five records, each 64 words above the last; the fifth returns outside the text. */
  uintptr_t fp[5];
  for (int k = 4; k >= 0; k--) fp[k] = rec(64u * (size_t)(k + 1), k < 4 ? fp[k + 1] : 0, k < 4 ? TEXT_LO + 0x10u * (unsigned)(k + 1) : 0x1234);
  CHECK(llgi_walk(fp[0], 0, pcs, 16) == 4);
  for (int k = 0; k < 4; k++) CHECK(pcs[k] == TEXT_LO + 0x10u * (unsigned)(k + 1));
  CHECK(llgi_walk(fp[0], 2, pcs, 16) == 2 && pcs[0] == TEXT_LO + 0x30); /* skip */
  CHECK(llgi_walk(fp[0], 0, pcs, 3) == 3);                              /* a full output */

  /* A saved fp below the current one, equal to it, misaligned, or 1 MiB + 16 above: the return address is the last. */
  uintptr_t down = rec(4096, (uintptr_t)&stack[2048], TEXT_LO + 0x100);
  rec(2048, 0, TEXT_LO + 0x200);
  CHECK(llgi_walk(down, 0, pcs, 16) == 1 && pcs[0] == TEXT_LO + 0x100);
  uintptr_t self = rec(4200, (uintptr_t)&stack[4200], TEXT_LO + 0x110);
  CHECK(llgi_walk(self, 0, pcs, 16) == 1);
  uintptr_t odd = rec(4300, (uintptr_t)&stack[4400] + 4, TEXT_LO + 0x120);
  rec(4400, 0, TEXT_LO + 0x220);
  CHECK(llgi_walk(odd, 0, pcs, 16) == 1);
  uintptr_t far = rec(8, (uintptr_t)&stack[8] + (1u << 20) + 16, TEXT_LO + 0x130);
  CHECK(llgi_walk(far, 0, pcs, 16) == 1);
  /* Exactly 1 MiB above is still a step. */
  uintptr_t near = rec(16, (uintptr_t)&stack[16] + (1u << 20), TEXT_LO + 0x140);
  rec(16 + (1u << 17), 0, TEXT_LO + 0x240);
  CHECK(llgi_walk(near, 0, pcs, 16) == 2 && pcs[1] == TEXT_LO + 0x240);

  /* A misaligned start, and a frame pointer into unmapped memory: nothing read, nothing walked. */
  CHECK(llgi_walk((uintptr_t)&stack[100] + 3, 0, pcs, 16) == 0);
  CHECK(llgi_walk((uintptr_t)16, 0, pcs, 16) == 0);
  /* The first return address outside the modules: an empty stack. */
  uintptr_t outside = rec(5000, 0, 0x42);
  CHECK(llgi_walk(outside, 0, pcs, 16) == 0);

  free(stack);
  printf("ok %d checks\n", checks);
  return 0;
}
