/*
 * funcsyms.c: function symbols from an ELF symbol table (funcsyms.h), as
 * llvm-symbolizer chooses them (SymbolizableObjectFile): FUNC, IFUNC and
 * NOTYPE symbols defined in an executable section; at one address the
 * largest size wins, then the last in table order. A local symbol keeps
 * the STT_FILE name before it (llvm-symbolizer's file when DWARF has none).
 */
#include "funcsyms.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cand {
  llgi_funcsym s;
  uint32_t index;
} cand;

static int corrupt(llgi_derr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int corrupt(llgi_derr *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return -1;
}

/* The name at `off` of the string table, or NULL when it is not a string inside it. */
static const char *name_at(const llgi_bsymtab *t, uint32_t off) {
  if (off >= t->strs.n) return NULL;
  const char *p = (const char *)t->strs.p + off;
  return memchr(p, 0, t->strs.n - off) ? p : NULL;
}

/* aarch64/arm mapping symbols ($x, $d, $x.N) are format-specific, not functions. */
static int mapping_symbol(const char *n) { return n[0] == '$' && (n[1] == 'x' || n[1] == 'd' || n[1] == 'a' || n[1] == 't'); }

static int by_addr_size_index(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->s.addr != y->s.addr) return x->s.addr < y->s.addr ? -1 : 1;
  if (x->s.size != y->s.size) return x->s.size < y->s.size ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

int llgi_function_symbols(const llgi_bsymtab *t, llgi_funcsym **out, size_t *n, llgi_derr *err) {
  size_t count = t->syms.n / sizeof(Elf64_Sym), nfound = 0;
  cand *found = malloc((count ? count : 1) * sizeof *found);
  *out = NULL;
  *n = 0;
  if (!found) return -2;
  const char *file = NULL;
  for (size_t i = 0; i < count; i++) {
    Elf64_Sym e;
    memcpy(&e, t->syms.p + i * sizeof e, sizeof e);
    uint32_t shndx = e.st_shndx;
    if (e.st_shndx == SHN_XINDEX) {
      if (t->xindex.n < 4 * (i + 1)) {
        free(found);
        return corrupt(err, "symbol %zu in %s uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it", i, t->where);
      }
      memcpy(&shndx, t->xindex.p + 4 * i, 4);
    }
    unsigned type = ELF64_ST_TYPE(e.st_info);
    int fn = type == STT_FUNC || type == STT_GNU_IFUNC || type == STT_NOTYPE;
    if (type != STT_FILE && !(fn && shndx != SHN_UNDEF && shndx < SHN_LORESERVE && shndx < t->nsections && t->exec[shndx])) continue;
    const char *name = name_at(t, e.st_name);
    if (!name) {
      free(found);
      return corrupt(err, "name of symbol %zu in %s: offset 0x%x is not a string of its string table (0x%zx bytes)", i, t->where, e.st_name, t->strs.n);
    }
    if (type == STT_FILE) {
      file = name;
      continue;
    }
    /* llgo's statement-anchor labels are local NOTYPE symbols inside functions (docs/llgo-format.md §3.2). */
    if (!name[0] || mapping_symbol(name) || strstr(name, "__llgo_pcsite_")) continue;
    found[nfound++] = (cand){{e.st_value, e.st_size, name, ELF64_ST_BIND(e.st_info) == STB_LOCAL ? file : NULL}, (uint32_t)i};
  }
  qsort(found, nfound, sizeof *found, by_addr_size_index);
  llgi_funcsym *syms = malloc((nfound ? nfound : 1) * sizeof *syms);
  if (!syms) {
    free(found);
    return -2;
  }
  size_t k = 0;
  for (size_t i = 0; i < nfound; i++)
    if (i + 1 == nfound || found[i + 1].s.addr != found[i].s.addr) syms[k++] = found[i].s;
  free(found);
  *out = syms;
  *n = k;
  return 0;
}
