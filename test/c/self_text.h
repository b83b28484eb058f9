/*
 * self_text.h: registers the executable's own code segments as module 1
 * (llgi_registry.h, without a table) for the C probes that run the runtime
 * without Node (crash_probe.c, walk_probe.c). Returns the load base, or 0
 * when nothing was registered.
 */
#ifndef LLGI_TEST_SELF_TEXT_H
#define LLGI_TEST_SELF_TEXT_H

#include <link.h>
#include <stdint.h>

#include "llgi_registry.h"

static int self_text_phdr(struct dl_phdr_info *info, size_t size, void *ctx) {
  (void)size;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD || !(p->p_flags & PF_X)) continue;
    uint64_t lo = info->dlpi_addr + p->p_vaddr;
    if (llgi_registry_add(lo, lo + p->p_memsz, info->dlpi_addr, 0, 1) >= 0) *(uint64_t *)ctx = info->dlpi_addr + 1;
  }
  return 1; /* the first object is the executable */
}

/* The load base + 1 when registered (so that a base of 0 still counts), else 0. */
static inline uint64_t self_text_register(void) {
  uint64_t base1 = 0;
  dl_iterate_phdr(self_text_phdr, &base1);
  return base1;
}

#endif
