/*
 * llgo_lines.c: the lines of the functions llgo names (docs/llgo.md): the
 * record's line from the entry, refined by the statement sites recorded for
 * the same function, whatever DWARF says (that is what llgo's own runtime
 * answers), and no inlined frames (its tracked functions are noinline).
 * Runs after bpoints; rewrites the rows with llgo's lines in place of DWARF's.
 */
#include <string.h>

#include "bctx.h"

typedef struct site {
  uint32_t func; /* index into funcs */
  uint32_t order;
  uint64_t pc;
  const char *file;
  uint32_t line;
} site;

static int by_func_pc(const void *a, const void *b) {
  const site *x = a, *y = b;
  if (x->func != y->func) return x->func < y->func ? -1 : 1;
  if (x->pc != y->pc) return x->pc < y->pc ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

void bllgo_lines(bctx *c) {
  const llgi_bllgo *t = c->in->llgo;
  bvec *sites = &c->scratch, *rows = &c->scratch2;
  bvec_scratch(sites, sizeof(site));
  for (uint32_t k = 0; k < t->nlines; k++) {
    const llgi_bllgo_site *s = &t->lines[k];
    const bfunc *f = bowner(c, c->funcs.n, s->pc);
    /* A site counts only inside the function it was recorded for. */
    if (!f || f->llgo_func != s->func) continue;
    size_t i = (size_t)(f - (const bfunc *)c->funcs.p);
    const llgi_bllgo_func *rec = &t->funcs[s->func];
    const char *file = s->file && *s->file ? s->file : rec->file && *rec->file ? rec->file : NULL;
    *(site *)bvec_push(c, sites) = (site){(uint32_t)i, k, s->pc, bintern(c, file), s->line ? s->line : rec->line};
  }
  qsort(sites->p, sites->n, sizeof(site), by_func_pc);

  bvec_scratch(rows, sizeof(llgi_wrow));
  bvec_reserve(c, rows, c->rows.n);
  size_t next = 0;
  for (size_t i = 0; i < c->funcs.n; i++) {
    bfunc *f = &BVEC_AT(&c->funcs, bfunc, i);
    uint32_t start = (uint32_t)rows->n;
    if (f->llgo_func == LLGI_NONE) {
      bvec_reserve(c, rows, rows->n + f->row_count);
      memcpy((llgi_wrow *)rows->p + rows->n, (llgi_wrow *)c->rows.p + f->row_start, f->row_count * sizeof(llgi_wrow));
      rows->n += f->row_count;
    } else {
      const llgi_bllgo_func *rec = &t->funcs[f->llgo_func];
      const char *rfile = rec->file && *rec->file ? bintern(c, rec->file) : NULL;
      *(llgi_wrow *)bvec_push(c, rows) = (llgi_wrow){f->entry, NULL, rfile, rfile ? rec->line : 0};
      while (next < sites->n && BVEC_AT(sites, site, next).func < i) next++;
      for (; next < sites->n && BVEC_AT(sites, site, next).func == i; next++) {
        const site *s = &BVEC_AT(sites, site, next);
        llgi_wrow *last = &BVEC_AT(rows, llgi_wrow, rows->n - 1);
        llgi_wrow r = {s->pc, NULL, s->file, s->line};
        /* Equal pcs: the later site wins. */
        if (last->addr == s->pc) *last = r;
        else *(llgi_wrow *)bvec_push(c, rows) = r;
      }
      /* Equal neighbours merge, as the writer requires. */
      size_t w = start + 1;
      for (size_t k = start + 1; k < rows->n; k++) {
        llgi_wrow *prev = &BVEC_AT(rows, llgi_wrow, w - 1), *cur = &BVEC_AT(rows, llgi_wrow, k);
        if (prev->name == cur->name && prev->line == cur->line) continue;
        BVEC_AT(rows, llgi_wrow, w++) = *cur;
      }
      rows->n = w;
      f->paint_count = 0;
      f->flags |= LLGI_FUNC_LLGO_LINES;
    }
    f->row_start = start;
    f->row_count = (uint32_t)(rows->n - start);
  }
  bvec swap = c->rows;
  c->rows = *rows;
  *rows = swap;
  bvec_free(rows);
  bvec_free(sites);
}
