/*
 * regions.c: which compile unit answers for which address, as LLVM's
 * DWARFDebugAranges decides: a unit's .debug_aranges set when it has one,
 * else its DIE's own ranges; where units overlap, the lowest unit offset
 * wins. Each unit gets the sorted, disjoint regions it owns.
 */
#include <string.h>

#include "bctx.h"

typedef struct raw {
  uint64_t lo, hi;
  uint32_t unit;
} raw;

static int by_lo(const void *a, const void *b) {
  uint64_t x = ((const raw *)a)->lo, y = ((const raw *)b)->lo;
  return x < y ? -1 : x > y;
}

static int by_value(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The index of the unit at .debug_info offset `off`, LLGI_DNONE when none. */
static uint32_t unit_at(const llgi_dinfo *d, uint64_t off) {
  uint32_t lo = 0, hi = d->nunits;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (d->units[mid].offset < off) lo = mid + 1;
    else hi = mid;
  }
  return lo < d->nunits && d->units[lo].offset == off ? lo : LLGI_DNONE;
}

static void push_raw(bctx *c, bvec *v, uint64_t lo, uint64_t hi, uint32_t unit) {
  if (lo >= hi) return;
  raw *r = bvec_push(c, v);
  *r = (raw){lo, hi, unit};
}

void bregions(bctx *c) {
  const llgi_dinfo *d = &c->info;
  bvec *rawv = &c->scratch, *cuts = &c->scratch2;
  bvec_scratch(rawv, sizeof(raw));
  bvec_scratch(cuts, sizeof(uint64_t));
  bvec *listedv = &c->scratch3;
  bvec_scratch(listedv, 1);
  bvec_reserve(c, listedv, d->nunits);
  uint8_t *listed = listedv->p;
  memset(listed, 0, d->nunits);
  for (uint32_t s = 0; s < c->aranges.nsets; s++) {
    uint32_t u = unit_at(d, c->aranges.set_cu[s]);
    if (u != LLGI_DNONE) listed[u] = 1;
  }
  for (uint32_t i = 0; i < c->aranges.count; i++) {
    const llgi_darange *a = &c->aranges.ranges[i];
    uint32_t u = unit_at(d, a->cu_offset);
    if (u != LLGI_DNONE) push_raw(c, rawv, a->lo, a->hi, u);
  }
  for (uint32_t u = 0; u < d->nunits; u++) {
    if (listed[u]) continue;
    const llgi_dunit *unit = &d->units[u];
    for (uint32_t k = 0; k < unit->range_count; k++) push_raw(c, rawv, d->ranges[unit->range_start + k].lo, d->ranges[unit->range_start + k].hi, u);
  }
  bvec_free(listedv);
  raw *rs = rawv->p;
  size_t nraw = rawv->n;
  bvec_reserve(c, cuts, 2 * nraw);
  for (size_t i = 0; i < nraw; i++) {
    BVEC_AT(cuts, uint64_t, cuts->n++) = rs[i].lo;
    BVEC_AT(cuts, uint64_t, cuts->n++) = rs[i].hi;
  }
  qsort(cuts->p, cuts->n, sizeof(uint64_t), by_value);
  qsort(rs, nraw, sizeof(raw), by_lo);
  /* Elementary segments between all boundaries; the lowest unit offset (index) wins. */
  const uint64_t *cut = cuts->p;
  size_t ncut = cuts->n, next = 0, nactive = 0;
  raw *active = rs; /* active entries are compacted into the front of the already-consumed part */
  for (size_t i = 0; i + 1 < ncut; i++) {
    uint64_t lo = cut[i], hi = cut[i + 1];
    if (lo == hi) continue;
    while (next < nraw && rs[next].lo <= lo) active[nactive++] = rs[next++];
    size_t keep = 0;
    for (size_t k = 0; k < nactive; k++)
      if (active[k].hi > lo) active[keep++] = active[k];
    nactive = keep;
    if (!nactive) continue;
    uint32_t best = active[0].unit;
    for (size_t k = 1; k < nactive; k++)
      if (active[k].unit < best) best = active[k].unit;
    bvec *list = &c->units[best].regions;
    bregion *last = list->n ? &BVEC_AT(list, bregion, list->n - 1) : NULL;
    if (last && last->hi == lo) {
      last->hi = hi;
    } else {
      bregion *r = bvec_push(c, list);
      *r = (bregion){lo, hi};
    }
  }
  bvec_free(rawv);
  bvec_free(cuts);
}
