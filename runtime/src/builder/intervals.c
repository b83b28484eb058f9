/*
 * intervals.c: the address intervals of lines and inlined calls, from every
 * unit into one sorted list, and from there into each function's rows and
 * paints (docs/table-format.md): one change point per interval start, a gap
 * where an interval ends before the next one starts, equal neighbours
 * merged.
 */
#include <string.h>

#include "bctx.h"

/* The parts of sorted, disjoint `items` inside the unit's sorted, disjoint regions, one run per region. */
void bclip(bctx *c, const biv *items, size_t n, const bvec *regions, bvec *out, bvec *runs) {
  size_t i = 0;
  for (size_t k = 0; k < regions->n; k++) {
    const bregion *r = &BVEC_AT(regions, bregion, k);
    while (i < n && items[i].hi <= r->lo) i++;
    size_t start = out->n;
    for (size_t j = i; j < n && items[j].lo < r->hi; j++) {
      uint64_t lo = items[j].lo > r->lo ? items[j].lo : r->lo;
      uint64_t hi = items[j].hi < r->hi ? items[j].hi : r->hi;
      if (lo >= hi) continue;
      biv *iv = bvec_push(c, out);
      *iv = (biv){lo, hi, items[j].a, items[j].b};
    }
    if (out->n > start) {
      brun *run = bvec_push(c, runs);
      *run = (brun){r->lo, start, out->n - start};
    }
  }
}

static int run_by_lo(const void *a, const void *b) {
  uint64_t x = ((const brun *)a)->lo, y = ((const brun *)b)->lo;
  return x < y ? -1 : x > y;
}

/* Puts the runs of `iv` in address order: regions of different units are disjoint, so this sorts it. */
void bgather(bctx *c, bvec *iv, bvec *runs) {
  qsort(runs->p, runs->n, sizeof(brun), run_by_lo);
  /* Runs already back to back in address order (one unit, or units in address order): nothing to move. */
  size_t at = 0, k = 0;
  for (; k < runs->n && BVEC_AT(runs, brun, k).start == at; k++) at += BVEC_AT(runs, brun, k).count;
  if (k == runs->n) {
    bvec_free(runs);
    return;
  }
  bvec *tmp = &c->scratch;
  bvec_scratch(tmp, sizeof(biv));
  bvec_reserve(c, tmp, iv->n);
  for (size_t k = 0; k < runs->n; k++) {
    const brun *r = &BVEC_AT(runs, brun, k);
    memcpy((biv *)tmp->p + tmp->n, (biv *)iv->p + r->start, r->count * sizeof(biv));
    tmp->n += r->count;
  }
  bvec swap = *iv;
  *iv = *tmp;
  *tmp = swap;
  bvec_free(tmp);
  bvec_free(runs);
}

/* A change point: from pc on, value (a, b). */
typedef struct point {
  uint64_t pc;
  uintptr_t a;
  uint32_t b;
} point;

/*
 * Change points of sorted, disjoint `items` inside [lo, hi) into `out`
 * (emptied first): one per interval start, `gap` where an interval ends
 * before the next starts (or before hi), equal neighbours merged, nothing
 * before the first point. Starts scanning at *at and leaves there the index
 * to resume from for the next, higher window.
 */
static void points_in(bctx *c, const bvec *items, size_t *at, uint64_t lo, uint64_t hi, point gap, bvec *out) {
  const biv *it = items->p;
  size_t n = items->n, i = *at;
  while (i < n && it[i].hi <= lo) i++;
  out->n = 0;
  uint64_t end = lo; /* where the last emitted interval ends */
  size_t j = i;
  for (; j < n && it[j].lo < hi; j++) {
    uint64_t a = it[j].lo > lo ? it[j].lo : lo;
    uint64_t b = it[j].hi < hi ? it[j].hi : hi;
    if (a >= b) continue;
    point p[2] = {{end, gap.a, gap.b}, {a, it[j].a, it[j].b}};
    for (int k = a > end && out->n ? 0 : 1; k < 2; k++) {
      point *last = out->n ? &BVEC_AT(out, point, out->n - 1) : NULL;
      if (last ? last->a == p[k].a && last->b == p[k].b : p[k].a == gap.a && p[k].b == gap.b) continue;
      *(point *)bvec_push(c, out) = p[k];
    }
    end = b;
  }
  if (out->n && end < hi) {
    point *last = &BVEC_AT(out, point, out->n - 1);
    if (!(last->a == gap.a && last->b == gap.b)) *(point *)bvec_push(c, out) = (point){end, gap.a, gap.b};
  }
  /* The last interval may continue into the next window. */
  *at = j > i ? j - 1 : i;
}

/* Each function's rows and paints (llgo's functions get llgo's lines: bllgo_lines). */
void bpoints(bctx *c) {
  bvec *pts = &c->scratch;
  bvec_scratch(pts, sizeof(point));
  bfunc *fs = c->funcs.p;
  size_t nf = c->funcs.n, li = 0, pi = 0;
  const point no_line = {0, 0, 0}, no_node = {0, LLGI_NONE, 0};
  for (size_t i = 0; i < nf; i++) {
    bfunc *f = &fs[i];
    uint64_t hi = i + 1 < nf ? fs[i + 1].entry : c->text_end;
    points_in(c, &c->lineiv, &li, f->entry, hi, no_line, pts);
    f->row_start = (uint32_t)c->rows.n;
    for (size_t k = 0; k < pts->n; k++) {
      const point *p = &BVEC_AT(pts, point, k);
      const char *file = (const char *)p->a;
      *(llgi_wrow *)bvec_push(c, &c->rows) = (llgi_wrow){p->pc, NULL, file, file ? p->b : 0};
    }
    f->row_count = (uint32_t)(c->rows.n - f->row_start);
    points_in(c, &c->paintiv, &pi, f->entry, hi, no_node, pts);
    f->paint_start = (uint32_t)c->paints.n;
    for (size_t k = 0; k < pts->n; k++) {
      const point *p = &BVEC_AT(pts, point, k);
      *(llgi_wpaint *)bvec_push(c, &c->paints) = (llgi_wpaint){p->pc, (uint32_t)p->a};
    }
    f->paint_count = (uint32_t)(c->paints.n - f->paint_start);
  }
  bvec_free(pts);
}
