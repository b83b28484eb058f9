/*
 * paint.c: address -> innermost subroutine DIE of one compile unit, painted
 * exactly as LLVM's DWARFUnit::updateAddressDieMap paints its AddrDieMap
 * (what llvm-symbolizer's inlined-chain lookup reads): DIEs in depth-first
 * order, each range written over what is below it, splitting at most the one
 * range it starts inside.
 *
 * Painting is local to each top-level subprogram's tree (its children lie
 * inside it), which keeps every map small; only when two trees overlap does
 * the order between trees matter, and then the whole unit is painted as one
 * map, exactly as LLVM does.
 */
#include <string.h>

#include "bctx.h"

typedef struct entry {
  uint64_t lo, hi;
  uint32_t sub;
} entry;

/* A sorted-by-lo array with std::map's upper_bound / operator[] semantics. */
typedef struct diemap {
  bvec *v; /* entry */
} diemap;

static entry *E(diemap *m) { return m->v->p; }

/* Index of the first entry with lo > key. */
static size_t upper_bound(diemap *m, uint64_t key) {
  size_t lo = 0, hi = m->v->n;
  entry *e = E(m);
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (e[mid].lo <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static void set(bctx *c, diemap *m, uint64_t lo, uint64_t hi, uint32_t sub) {
  size_t i = upper_bound(m, lo);
  if (i > 0 && E(m)[i - 1].lo == lo) {
    E(m)[i - 1] = (entry){lo, hi, sub};
    return;
  }
  bvec_reserve(c, m->v, m->v->n + 1);
  entry *e = E(m);
  memmove(e + i + 1, e + i, (m->v->n - i) * sizeof *e);
  e[i] = (entry){lo, hi, sub};
  m->v->n++;
}

static void paint(bctx *c, diemap *m, uint64_t lo, uint64_t hi, uint32_t sub) {
  if (lo == hi) return;
  size_t b = upper_bound(m, lo);
  if (b > 0 && lo < E(m)[b - 1].hi) {
    entry prev = E(m)[b - 1];
    if (hi < prev.hi) set(c, m, hi, prev.hi, prev.sub);
    if (lo > prev.lo) E(m)[b - 1] = (entry){prev.lo, lo, prev.sub};
  }
  set(c, m, lo, hi, sub);
}

/* Paints subroutines [from, to) (whole subtrees, in DIE order). */
static void paint_subs(bctx *c, diemap *m, uint32_t from, uint32_t to) {
  const llgi_dinfo *d = &c->info;
  for (uint32_t i = from; i < to; i++)
    for (uint32_t k = 0; k < d->subs[i].range_count; k++) {
      const llgi_drange *r = &d->ranges[d->subs[i].range_start + k];
      paint(c, m, r->lo, r->hi, i);
    }
}

/* Non-overlapping intervals of a painted map (each entry up to the next one), appended to out. */
static void intervals(bctx *c, diemap *m, bvec *out) {
  entry *e = E(m);
  size_t n = m->v->n;
  for (size_t i = 0; i < n; i++) {
    uint64_t hi = i + 1 < n && e[i + 1].lo < e[i].hi ? e[i + 1].lo : e[i].hi;
    if (e[i].lo < hi) {
      biv *iv = bvec_push(c, out);
      *iv = (biv){e[i].lo, hi, e[i].sub, 0};
    }
  }
}

static int by_lo(const void *a, const void *b) {
  uint64_t x = ((const biv *)a)->lo, y = ((const biv *)b)->lo;
  return x < y ? -1 : x > y;
}

static int sorted_disjoint(const bvec *v) {
  const biv *iv = v->p;
  for (size_t i = 1; i < v->n; i++)
    if (iv[i - 1].hi > iv[i].lo) return 0;
  return 1;
}

/* The unit's painted intervals, sorted and disjoint, into out (emptied first); subroutine indexes as values. */
void bpaint_unit(bctx *c, uint32_t unit, bvec *out) {
  const llgi_dunit *u = &c->info.units[unit];
  const llgi_dsub *subs = c->info.subs;
  uint32_t from = u->sub_start, to = u->sub_start + u->sub_count;
  diemap m = {&c->scratch};
  bvec_scratch(&c->scratch, sizeof(entry));
  out->n = 0;
  for (uint32_t t = from; t < to; t = subs[t].end > t ? subs[t].end : t + 1) {
    c->scratch.n = 0;
    paint_subs(c, &m, t, subs[t].end > t ? subs[t].end : t + 1);
    intervals(c, &m, out);
  }
  if (sorted_disjoint(out)) return;
  qsort(out->p, out->n, sizeof(biv), by_lo);
  if (sorted_disjoint(out)) return;
  out->n = 0;
  c->scratch.n = 0;
  paint_subs(c, &m, from, to);
  intervals(c, &m, out);
}
