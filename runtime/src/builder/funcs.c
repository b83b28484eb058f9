/*
 * funcs.c: the functions of the table and their names (docs/symbolization.md):
 * symbols chosen as llvm-symbolizer chooses them, DWARF subprograms that no
 * symbol names, llgo's display names (docs/llgo.md), gc's spelling of names,
 * then sizes that never run into the next function.
 */
#include <string.h>

#include "bctx.h"
#include "goname.h"

static size_t slot_of(uint64_t entry, size_t mask) {
  uint64_t h = entry * 0x9e3779b97f4a7c15ull;
  return (size_t)(h ^ (h >> 31)) & mask;
}

static void rehash(bctx *c) {
  size_t cap = 1024;
  while (cap < 2 * (c->funcs.n + 1)) cap *= 2;
  bvec_reserve(c, &c->fslots, cap);
  memset(c->fslots.p, 0, cap * sizeof(uint32_t));
  c->fslots.n = cap;
  for (size_t i = 0; i < c->funcs.n; i++) {
    size_t s = slot_of(BVEC_AT(&c->funcs, bfunc, i).entry, cap - 1);
    while (BVEC_AT(&c->fslots, uint32_t, s)) s = (s + 1) & (cap - 1);
    BVEC_AT(&c->fslots, uint32_t, s) = (uint32_t)i + 1;
  }
}

/* The function at `entry`, or NULL. */
static bfunc *func_at(bctx *c, uint64_t entry) {
  if (!c->fslots.n) return NULL;
  size_t mask = c->fslots.n - 1;
  for (size_t s = slot_of(entry, mask);; s = (s + 1) & mask) {
    uint32_t i = BVEC_AT(&c->fslots, uint32_t, s);
    if (!i) return NULL;
    if (BVEC_AT(&c->funcs, bfunc, i - 1).entry == entry) return &BVEC_AT(&c->funcs, bfunc, i - 1);
  }
}

/* A new function at `entry` (not yet present). */
static bfunc *add_func(bctx *c, uint64_t entry, const char *name) {
  bfunc *f = bvec_push(c, &c->funcs);
  memset(f, 0, sizeof *f);
  f->entry = entry;
  f->name = name;
  f->llgo_func = LLGI_NONE;
  if (2 * (c->funcs.n + 1) > c->fslots.n) {
    rehash(c);
  } else {
    size_t mask = c->fslots.n - 1, s = slot_of(entry, mask);
    while (BVEC_AT(&c->fslots, uint32_t, s)) s = (s + 1) & mask;
    BVEC_AT(&c->fslots, uint32_t, s) = (uint32_t)c->funcs.n;
  }
  return f;
}

static int exec_at(const bctx *c, uint64_t addr) {
  for (uint32_t i = 0; i < c->in->nexec; i++)
    if (addr >= c->in->exec[i].lo && addr < c->in->exec[i].hi) return 1;
  return 0;
}

/* The symbol table's chosen function symbols (funcsyms.h). */
void bsymbols(bctx *c) {
  llgi_funcsym *syms;
  size_t n;
  int rc = llgi_function_symbols(&c->in->symtab, &syms, &n, &c->err);
  if (rc == -2) dfail_oom(&c->fail);
  if (rc) {
    c->code = LLGI_BUILD_ELF_CORRUPT;
    longjmp(c->jb, 1);
  }
  bvec_free(&c->syms);
  c->syms.p = syms;
  c->syms.n = c->syms.cap = n;
}

void bfuncs_from_symbols(bctx *c) {
  for (size_t i = 0; i < c->syms.n; i++) {
    const llgi_funcsym *s = &BVEC_AT(&c->syms, llgi_funcsym, i);
    if (!exec_at(c, s->addr) || func_at(c, s->addr)) continue;
    bfunc *f = add_func(c, s->addr, bintern(c, s->name));
    f->flags = LLGI_FUNC_SYMTAB | (s->size ? LLGI_FUNC_SIZED : 0);
    f->size = s->size;
    f->sym_file = bintern(c, s->file);
  }
}

/* Declaration lines, and functions no symbol names, from every subprogram with code in any nesting. */
void bfuncs_from_dwarf(bctx *c) {
  const llgi_dinfo *d = &c->info;
  for (uint32_t u = 0; u < d->nunits; u++) {
    const llgi_dunit *unit = &d->units[u];
    for (uint32_t i = unit->sub_start; i < unit->sub_start + unit->sub_count; i++) {
      const llgi_dsub *s = &d->subs[i];
      if (s->tag != LLGI_DSUB_SUBPROGRAM || !s->range_count) continue;
      const llgi_drange *r = &d->ranges[s->range_start];
      uint64_t entry = r[0].lo, size = r[0].hi - r[0].lo;
      for (uint32_t k = 1; k < s->range_count; k++)
        if (r[k].lo < entry) entry = r[k].lo, size = r[k].hi - r[k].lo;
      if (!exec_at(c, entry)) continue;
      bfunc *f = func_at(c, entry);
      if (!f) {
        f = add_func(c, entry, bintern(c, s->name ? s->name : ""));
        f->size = size;
        f->flags = LLGI_FUNC_SIZED;
      }
      f->flags |= LLGI_FUNC_DWARF | (s->trampoline ? LLGI_FUNC_WRAPPER : 0);
      if (s->name && !f->dwarf_name) f->dwarf_name = bintern(c, s->name);
      if (!f->decl_file && (s->has & LLGI_DHAS_DECL_FILE)) f->decl_file = bfile(c, s->decl_file_unit, s->decl_file, 0);
      if (!f->has_decl_line && (s->has & LLGI_DHAS_DECL_LINE)) f->decl_line = s->decl_line, f->has_decl_line = 1;
    }
  }
}

static int by_entry(const void *a, const void *b) {
  uint64_t x = ((const bfunc *)a)->entry, y = ((const bfunc *)b)->entry;
  return x < y ? -1 : x > y;
}

static void sort_funcs(bctx *c) {
  qsort(c->funcs.p, c->funcs.n, sizeof(bfunc), by_entry);
  rehash(c);
}

bfunc *bowner(bctx *c, size_t n, uint64_t pc) {
  bfunc *fs = c->funcs.p;
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (fs[mid].entry <= pc) lo = mid + 1;
    else hi = mid;
  }
  if (!lo) return NULL;
  bfunc *f = &fs[lo - 1];
  return !(f->flags & LLGI_FUNC_SIZED) || pc < f->entry + f->size ? f : NULL;
}

/*
 * llgo's names (docs/llgo.md): an entry site names the function owning its
 * pc when that function's symbol is the record's (other sites are inline
 * copies); a site no function owns (a stripped binary) starts a function.
 */
void bfuncs_llgo_names(bctx *c) {
  const llgi_bllgo *t = c->in->llgo;
  sort_funcs(c);
  size_t known = c->funcs.n; /* functions added below are not owners here */
  for (uint32_t e = 0; e < t->nentries; e++) {
    const llgi_bllgo_site *site = &t->entries[e];
    if (site->func >= t->nfuncs) continue;
    const llgi_bllgo_func *rec = &t->funcs[site->func];
    bfunc *f = bowner(c, known, site->pc);
    if (f) {
      if ((f->flags & LLGI_FUNC_SYMTAB) && strcmp(f->name, rec->symbol) != 0) continue;
      if (f->flags & LLGI_FUNC_LLGO_NAME) continue;
      f->name = bintern(c, rec->name);
      f->flags |= LLGI_FUNC_LLGO_NAME;
      f->llgo_func = site->func;
      continue;
    }
    bfunc *g = func_at(c, site->pc);
    if (g && (size_t)(g - (bfunc *)c->funcs.p) < known) continue;
    if (!g) g = add_func(c, site->pc, NULL);
    /* Of several unowned sites at one pc, the last names it. */
    g->name = bintern(c, rec->name);
    g->flags = LLGI_FUNC_LLGO_NAME;
    g->llgo_func = site->func;
  }
}

/* gc's runtime names for a gc-built binary's functions; wrapper elision is gc's rule only. */
void bfuncs_gc_names(bctx *c) {
  int gc = (c->in->flags & LLGI_BUILD_GC) != 0;
  for (size_t i = 0; i < c->funcs.n; i++) {
    bfunc *f = &BVEC_AT(&c->funcs, bfunc, i);
    if (!gc) {
      f->flags &= ~LLGI_FUNC_WRAPPER;
      continue;
    }
    f->name = bgc_name(c, f->name, (f->flags & LLGI_FUNC_SYMTAB) != 0, f->dwarf_name);
  }
}

/* Sorted by entry; sizes clipped at the next entry; the text's bounds. */
void bfuncs_finish(bctx *c) {
  sort_funcs(c);
  bfunc *fs = c->funcs.p;
  size_t n = c->funcs.n;
  for (size_t i = 0; i + 1 < n; i++)
    if ((fs[i].flags & LLGI_FUNC_SIZED) && fs[i].size > fs[i + 1].entry - fs[i].entry) fs[i].size = fs[i + 1].entry - fs[i].entry;
  c->text_start = fs[0].entry;
  /* An unsized last symbol runs to the end of the executable sections, as
   * llvm-symbolizer lets size-0 symbols run to the next symbol. */
  uint64_t exec_end = 0;
  for (uint32_t i = 0; i < c->in->nexec; i++)
    if (c->in->exec[i].hi > exec_end) exec_end = c->in->exec[i].hi;
  const bfunc *last = &fs[n - 1];
  c->text_end = (last->flags & LLGI_FUNC_SIZED) && last->size ? last->entry + last->size : exec_end;
}
