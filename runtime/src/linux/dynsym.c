/*
 * dynsym.c (Linux): a loaded object's exported function symbols
 * (llgi_image.h): the dynamic symbol table, sized by DT_GNU_HASH or
 * DT_HASH's nchain, every read checked against the image's readable
 * segments first.
 */
#define _GNU_SOURCE
#include "llgi_image.h"

#include <link.h>
#include <string.h>

#include "dynamic.h"

/* A bound on the GNU hash chain walked: 2^20, llgo.c's limit on records. */
#define LIMIT (1u << 20)

static int readable(const llgi_image *im, uintptr_t p, size_t n) { return p && llgi_image_segment(im, p, n, LLGI_SEG_R) >= 0; }

static uint32_t rd32(uintptr_t p) { uint32_t v; memcpy(&v, (const void *)p, 4); return v; }

/* Number of dynamic symbols, from DT_GNU_HASH (or DT_HASH's nchain); 0 when unknown. */
static size_t dynsym_count(const llgi_image *im, uintptr_t gnu, uintptr_t sysv) {
  if (sysv && readable(im, sysv, 8)) return rd32(sysv + 4);
  if (!gnu || !readable(im, gnu, 16)) return 0;
  uint32_t nb = rd32(gnu), symoff = rd32(gnu + 4), bloom = rd32(gnu + 8);
  uintptr_t buckets = gnu + 16 + (uintptr_t)bloom * sizeof(ElfW(Addr));
  if (!readable(im, buckets, (size_t)nb * 4)) return 0;
  uint32_t last = 0;
  for (uint32_t i = 0; i < nb; i++) if (rd32(buckets + 4 * i) > last) last = rd32(buckets + 4 * i);
  if (last < symoff) return symoff;
  uintptr_t chain = buckets + (uintptr_t)nb * 4;
  for (uint32_t i = last;; i++) {
    uintptr_t c = chain + 4 * (uintptr_t)(i - symoff);
    if (!readable(im, c, 4) || i - last > LIMIT) return 0;
    if (rd32(c) & 1) return (size_t)i + 1;
  }
}

size_t llgi_image_functions(const llgi_image *im, void (*fn)(void *ctx, uintptr_t addr, uint64_t size, const char *name),
                            void *ctx) {
  llgi_dynamic d;
  llgi_dynamic_read(im, &d);
  size_t nsym = d.symtab && d.strtab && readable(im, d.strtab, d.strsz) ? dynsym_count(im, d.gnu_hash, d.hash) : 0;
  if (nsym && !readable(im, d.symtab, nsym * sizeof(ElfW(Sym)))) nsym = 0;
  for (size_t i = 0; fn && i < nsym; i++) {
    const ElfW(Sym) *s = (const ElfW(Sym) *)d.symtab + i;
    int type = ELF64_ST_TYPE(s->st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s->st_shndx == SHN_UNDEF || !s->st_value || s->st_name >= d.strsz) continue;
    const char *name = (const char *)d.strtab + s->st_name;
    if (!memchr(name, 0, d.strsz - s->st_name)) continue;
    fn(ctx, im->base + s->st_value, s->st_size, name);
  }
  return nsym;
}
