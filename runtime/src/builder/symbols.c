/*
 * symbols.c: function starts and names from the ELF symbol table, chosen
 * the way llvm-symbolizer chooses them (SymbolizableObjectFile): FUNC, IFUNC
 * and NOTYPE symbols defined in an executable section; at one address the
 * largest size wins, then the last in table order. A local symbol keeps the
 * STT_FILE name before it (llvm-symbolizer's file when DWARF has none).
 */
#include <string.h>

#include "bctx.h"

enum { STT_NOTYPE = 0, STT_FUNC = 2, STT_FILE = 4, STT_GNU_IFUNC = 10, STB_LOCAL = 0 };
enum { SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_XINDEX = 0xffff };

typedef struct cand {
  llgi_bsym s;
  uint32_t index;
} cand;

static const char *name_at(bctx *c, uint32_t sym, uint32_t off) {
  const llgi_bsymtab *t = &c->in->symtab;
  if (off >= t->strs.n) {
    c->code = LLGI_BUILD_ELF_CORRUPT;
    dfail_raise(&c->fail, "name of symbol %u in %s: offset 0x%x is outside its string table (0x%zx bytes)", sym, t->where, off, t->strs.n);
  }
  const char *p = (const char *)t->strs.p + off;
  if (!memchr(p, 0, t->strs.n - off)) {
    c->code = LLGI_BUILD_ELF_CORRUPT;
    dfail_raise(&c->fail, "name of symbol %u in %s: string at offset 0x%x is not NUL-terminated", sym, t->where, off);
  }
  return p;
}

/* aarch64/arm mapping symbols ($x, $d, $x.N) are format-specific, not functions. */
static int mapping_symbol(const char *n) { return n[0] == '$' && (n[1] == 'x' || n[1] == 'd' || n[1] == 'a' || n[1] == 't'); }

static int by_addr_size_index(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->s.addr != y->s.addr) return x->s.addr < y->s.addr ? -1 : 1;
  if (x->s.size != y->s.size) return x->s.size < y->s.size ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

void bsymbols(bctx *c) {
  const llgi_bsymtab *t = &c->in->symtab;
  uint32_t count = (uint32_t)(t->syms.n / 24);
  bvec *found = &c->scratch;
  bvec_scratch(found, sizeof(cand));
  const char *file = NULL;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = t->syms.p + 24 * (size_t)i;
    uint32_t name_off, shndx;
    uint16_t sh16;
    uint64_t value, size;
    memcpy(&name_off, e, 4);
    memcpy(&sh16, e + 6, 2);
    memcpy(&value, e + 8, 8);
    memcpy(&size, e + 16, 8);
    uint8_t type = e[4] & 0xf, bind = e[4] >> 4;
    shndx = sh16;
    if (sh16 == SHN_XINDEX) {
      if (t->xindex.n < 4 * ((size_t)i + 1)) {
        c->code = LLGI_BUILD_ELF_CORRUPT;
        dfail_raise(&c->fail, "symbol %u in %s uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it", i, t->where);
      }
      memcpy(&shndx, t->xindex.p + 4 * (size_t)i, 4);
    }
    if (type == STT_FILE) {
      file = name_at(c, i, name_off);
      continue;
    }
    if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE) continue;
    if (shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || shndx >= t->nsections || !t->exec[shndx]) continue;
    const char *name = name_at(c, i, name_off);
    /* llgo's statement-anchor labels are local NOTYPE symbols inside functions (docs/llgo-format.md §3.2). */
    if (!name[0] || mapping_symbol(name) || strstr(name, "__llgo_pcsite_")) continue;
    cand *k = bvec_push(c, found);
    *k = (cand){{value, size, name, bind == STB_LOCAL ? file : NULL}, i};
  }
  qsort(found->p, found->n, sizeof(cand), by_addr_size_index);
  bvec_scratch(&c->syms, sizeof(llgi_bsym));
  bvec_reserve(c, &c->syms, found->n);
  const cand *k = found->p;
  for (size_t i = 0; i < found->n; i++)
    if (i + 1 == found->n || k[i + 1].s.addr != k[i].s.addr) BVEC_AT(&c->syms, llgi_bsym, c->syms.n++) = k[i].s;
  bvec_free(found);
}
