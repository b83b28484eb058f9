/*
 * gotslots.h: the slots through which a loaded module calls, or takes the
 * address of, functions that other objects define: what the interposer
 * (interpose.c) rewrites. Linux: the GOT slots of the module's
 * R_*_JUMP_SLOT and R_*_GLOB_DAT relocations in DT_JMPREL and DT_RELA
 * (runtime/src/linux/gotslots.c).
 *
 * Threads and signals: thread-safe, not async-signal-safe (llgi_defines
 * asks the dynamic loader, which takes its lock); allocation-free, except
 * inside the C library's dladdr.
 */
#ifndef LLGI_GOTSLOTS_H
#define LLGI_GOTSLOTS_H

#include <stdint.h>

#include "llgi_image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llgi_import {
  uintptr_t addr;   /* the slot, at run time (not checked: the caller checks it against the image) */
  const char *name; /* the name it binds */
  uint8_t kind;     /* LLGI_INTERPOSE_JUMP_SLOT or LLGI_INTERPOSE_GLOB_DAT (llgi_interpose.h) */
} llgi_import;

/*
 * Calls fn for each import slot of the module, in its tables' order (Linux:
 * DT_JMPREL's relocations, then DT_RELA's), reading only inside the image's
 * segments. Returns 0, or -1 without calling fn when the module's tables
 * cannot be used (Linux: no symbol or string table inside the image). With
 * fn NULL it only checks the tables.
 */
int llgi_imports(const llgi_image *im, void (*fn)(void *ctx, const llgi_import *imp), void *ctx);

/* 1 when `v` is the address of a definition of exactly `name` (not an
 * undefined symbol's canonical PLT entry); then *fbase, unless NULL, gets
 * the defining object's base. */
int llgi_defines(uintptr_t v, const char *name, void **fbase);

/* Gives the whole pages [page, page + size) the protection `prot` (PROT_*
 * of <sys/mman.h>), so slots on read-only pages can be written and the
 * pages put back. 0 on success. Linux: mprotect. */
int llgi_protect(uintptr_t page, size_t size, int prot);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_GOTSLOTS_H */
