/*
 * dynamic.h (Linux): the entries of a loaded object's dynamic section that
 * the symbol reader (dynsym.c) and the GOT slot reader (gotslots.c) use.
 * Thread-safe, async-signal-safe, allocation-free: it only reads the image.
 */
#ifndef LLGI_DYNAMIC_H
#define LLGI_DYNAMIC_H

#include <stdint.h>

#include "llgi_image.h"

typedef struct llgi_dynamic {
  /* Run-time addresses (0: absent) and sizes in bytes. */
  uintptr_t symtab, strtab, strsz;
  uintptr_t gnu_hash, hash;
  uintptr_t jmprel, pltrelsz, pltrel; /* pltrel: DT_RELA or DT_REL (DT_RELA when absent) */
  uintptr_t rela, relasz, relaent;    /* relaent: at least sizeof(ElfW(Rela)) */
} llgi_dynamic;

/* Reads im->dynamic up to DT_NULL, or up to the first entry outside the
 * image's readable segments. */
void llgi_dynamic_read(const llgi_image *im, llgi_dynamic *d);

#endif /* LLGI_DYNAMIC_H */
