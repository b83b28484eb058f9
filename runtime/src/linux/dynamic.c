/*
 * dynamic.c (Linux): a loaded object's dynamic section (dynamic.h).
 */
#define _GNU_SOURCE
#include "dynamic.h"

#include <link.h>
#include <string.h>

/* A DT_* address at run time. ld.so relocates d_ptr entries in place on
 * x86-64 and aarch64; the guard serves objects whose dynamic section is
 * read-only (link-time values). */
static uintptr_t run_time(uintptr_t v, uintptr_t base) { return v < base ? v + base : v; }

void llgi_dynamic_read(const llgi_image *im, llgi_dynamic *d) {
  memset(d, 0, sizeof *d);
  d->pltrel = DT_RELA;
  d->relaent = sizeof(ElfW(Rela));
  for (const ElfW(Dyn) *e = im->dynamic; llgi_image_segment(im, (uintptr_t)e, sizeof *e, LLGI_SEG_R) >= 0 && e->d_tag != DT_NULL; e++) {
    switch (e->d_tag) {
      case DT_SYMTAB: d->symtab = run_time(e->d_un.d_ptr, im->base); break;
      case DT_STRTAB: d->strtab = run_time(e->d_un.d_ptr, im->base); break;
      case DT_STRSZ: d->strsz = e->d_un.d_val; break;
      case DT_GNU_HASH: d->gnu_hash = run_time(e->d_un.d_ptr, im->base); break;
      case DT_HASH: d->hash = run_time(e->d_un.d_ptr, im->base); break;
      case DT_JMPREL: d->jmprel = run_time(e->d_un.d_ptr, im->base); break;
      case DT_PLTRELSZ: d->pltrelsz = e->d_un.d_val; break;
      case DT_PLTREL: d->pltrel = e->d_un.d_val; break;
      case DT_RELA: d->rela = run_time(e->d_un.d_ptr, im->base); break;
      case DT_RELASZ: d->relasz = e->d_un.d_val; break;
      case DT_RELAENT: d->relaent = e->d_un.d_val; break;
      default: break;
    }
  }
  if (d->relaent < sizeof(ElfW(Rela))) d->relaent = sizeof(ElfW(Rela));
}
