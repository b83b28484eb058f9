/*
 * The frame-pointer walk without Node (test/crash-arch.test.ts): the program
 * registers its own text, walks its stack from three calls deep with
 * llgi_rt_callers and prints each pc as an offset from its load base, one
 * per line. Built for x86-64 and for aarch64 (run under qemu-user).
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <stdio.h>

#include "llgi_registry.h"
#include "llgi_walk.h"

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

static int text(struct dl_phdr_info *info, size_t size, void *ctx) {
  (void)size;
  (void)ctx;
  base = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD || !(p->p_flags & PF_X)) continue;
    uint64_t lo = info->dlpi_addr + p->p_vaddr;
    llgi_registry_add(lo, lo + p->p_memsz, info->dlpi_addr, 0, 1);
  }
  return 1; /* the first object is the executable */
}

int main(void) {
  dl_iterate_phdr(text, 0);
  uintptr_t pcs[64];
  int n = walk_outer(pcs, 64); /* @walk:call-outer */
  for (int i = 0; i < n; i++) printf("0x%llx\n", (unsigned long long)(pcs[i] - base));
  return 0;
}
