/*
 * gotslots.c (Linux): a module's GOT slots (gotslots.h), from the
 * JUMP_SLOT and GLOB_DAT relocations of its dynamic section, already
 * relocated by ld.so.
 */
#define _GNU_SOURCE
#include "gotslots.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>

#include "dynamic.h"
#include "llgi_interpose.h"

#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT R_AARCH64_GLOB_DAT
#else
#error "gotslots.c supports x86-64 and aarch64"
#endif

/* [a, a+n) inside one of the module's loaded segments. */
static int in_module(const llgi_image *m, uintptr_t a, size_t n) { return llgi_image_segment(m, a, n, 0) >= 0; }

int llgi_imports(const llgi_image *m, void (*fn)(void *ctx, const llgi_import *imp), void *ctx) {
  llgi_dynamic d;
  llgi_dynamic_read(m, &d);
  if (!d.symtab || !d.strtab || !in_module(m, d.symtab, 1) || !in_module(m, d.strtab, d.strsz ? d.strsz : 1)) return -1;
  if (!fn) return 0;
  struct {
    uintptr_t at, size;
  } tables[2] = {{d.pltrel == DT_RELA ? d.jmprel : 0, d.pltrelsz}, {d.rela, d.relasz}};
  for (int t = 0; t < 2; t++) {
    if (!tables[t].at || !tables[t].size || !in_module(m, tables[t].at, tables[t].size)) continue;
    for (uintptr_t off = 0; off + sizeof(ElfW(Rela)) <= tables[t].size; off += d.relaent) {
      const ElfW(Rela) *r = (const ElfW(Rela) *)(tables[t].at + off);
      unsigned type = (unsigned)ELF64_R_TYPE(r->r_info);
      size_t symi = ELF64_R_SYM(r->r_info);
      if ((type != R_JUMP_SLOT && type != R_GLOB_DAT) || symi == 0) continue;
      const ElfW(Sym) *s = (const ElfW(Sym) *)d.symtab + symi;
      if (!in_module(m, (uintptr_t)s, sizeof *s) || (d.strsz && s->st_name >= d.strsz)) continue;
      llgi_import imp = {m->base + r->r_offset, (const char *)d.strtab + s->st_name,
                         (uint8_t)(type == R_JUMP_SLOT ? LLGI_INTERPOSE_JUMP_SLOT : LLGI_INTERPOSE_GLOB_DAT)};
      fn(ctx, &imp);
    }
  }
  return 0;
}

int llgi_defines(uintptr_t v, const char *name, void **fbase) {
  Dl_info di;
  const ElfW(Sym) *sym = NULL;
  if (!dladdr1((void *)v, &di, (void **)&sym, RTLD_DL_SYMENT) || !sym || !di.dli_sname) return 0;
  if ((uintptr_t)di.dli_saddr != v || sym->st_shndx == SHN_UNDEF || strcmp(di.dli_sname, name) != 0) return 0;
  if (fbase) *fbase = di.dli_fbase;
  return 1;
}

int llgi_protect(uintptr_t page, size_t size, int prot) { return mprotect((void *)page, size, prot); }
