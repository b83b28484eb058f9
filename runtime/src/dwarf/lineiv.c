/*
 * lineiv.c: a line table (line.c) as the address intervals LLVM's lookup
 * answers with (llgi_dline_intervals, llgi_dwarf.h), what the table builder
 * places into its rows.
 */
#include <stdlib.h>
#include <string.h>

#include "llgi_dwarf.h"


typedef struct ivlist {
  llgi_dline_iv *v;
  size_t n, cap;
} ivlist;

/* Appends [lo, hi) answered by `row`, merged into an equal neighbour; 0, or -2 out of memory. */
static int iv_push(ivlist *l, const llgi_dline_table *t, uint64_t lo, uint64_t hi, const llgi_dline_row *row) {
  uint32_t file = row->file < t->nfiles && t->files[row->file] ? row->file : LLGI_DNONE;
  uint32_t line = file == LLGI_DNONE ? 0 : row->line;
  if (l->n > 0) {
    llgi_dline_iv *last = &l->v[l->n - 1];
    if (last->hi == lo && last->file == file && last->line == line) {
      last->hi = hi;
      return 0;
    }
  }
  if (l->n == l->cap) {
    if (l->n >= UINT32_MAX) return -2;
    size_t cap = l->cap ? l->cap * 2 : 64;
    if (cap > UINT32_MAX) cap = UINT32_MAX;
    llgi_dline_iv *v = realloc(l->v, cap * sizeof *v);
    if (!v) return -2;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = (llgi_dline_iv){lo, hi, file, line};
  return 0;
}

/* std::upper_bound(rows + 1, rows + n, a) - 1, step for step: on rows out of
 * address order LLVM answers what this bisection finds. */
static uint32_t row_for(const llgi_dline_row *rows, uint32_t n, uint64_t a) {
  uint32_t first = 1, len = n - 1;
  while (len > 0) {
    uint32_t half = len >> 1, mid = first + half;
    if (a < rows[mid].address) {
      len = half;
    } else {
      first = mid + 1;
      len -= half + 1;
    }
  }
  return first - 1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The intervals of one sequence inside [from, to). */
static int seq_intervals(ivlist *l, const llgi_dline_table *t, const llgi_dline_seq *q, uint64_t from, uint64_t to) {
  const llgi_dline_row *rows = t->rows + q->row_start;
  uint32_t n = q->row_count, sorted = 1;
  for (uint32_t i = 2; i < n && sorted; i++) sorted = rows[i - 1].address <= rows[i].address;
  if (sorted) {
    /* Row i answers from its address (row 0: from the start) up to the next
     * row's; of rows at one address only the last keeps a non-empty range. */
    for (uint32_t i = 0; i < n; i++) {
      uint64_t lo = i == 0 || rows[i].address < from ? from : rows[i].address;
      uint64_t hi = i + 1 == n || rows[i + 1].address > to ? to : rows[i + 1].address;
      if (lo < hi && iv_push(l, t, lo, hi, &rows[i]) != 0) return -2;
    }
    return 0;
  }
  /* Out of order: the bisection's answer changes only where the address
   * passes a row's, so evaluate it at each such point in [from, to). */
  uint64_t *at = malloc((size_t)n * sizeof *at);
  if (!at) return -2;
  size_t k = 0;
  at[k++] = from;
  for (uint32_t i = 1; i < n; i++)
    if (rows[i].address > from && rows[i].address < to) at[k++] = rows[i].address;
  qsort(at, k, sizeof *at, cmp_u64);
  int rc = 0;
  for (size_t i = 0; i < k && rc == 0; i++) {
    if (i > 0 && at[i] == at[i - 1]) continue;
    size_t j = i + 1;
    while (j < k && at[j] == at[i]) j++;
    rc = iv_push(l, t, at[i], j < k ? at[j] : to, &rows[row_for(rows, n, at[i])]);
  }
  free(at);
  return rc;
}

typedef struct seqkey {
  uint64_t high;
  uint32_t index;
} seqkey;

static int cmp_seqkey(const void *a, const void *b) {
  const seqkey *x = a, *y = b;
  if (x->high != y->high) return x->high < y->high ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

int llgi_dline_intervals(const llgi_dline_table *t, llgi_dline_iv **out, uint32_t *n) {
  *out = NULL;
  *n = 0;
  if (t->nseqs == 0) return 0;
  /* LLVM's stable sort by high_pc: the first sequence ending above an address is the one asked. */
  seqkey *order = malloc((size_t)t->nseqs * sizeof *order);
  if (!order) return -2;
  for (uint32_t i = 0; i < t->nseqs; i++) order[i] = (seqkey){t->seqs[i].high_pc, i};
  qsort(order, t->nseqs, sizeof *order, cmp_seqkey);
  ivlist l = {NULL, 0, 0};
  int rc = 0;
  uint64_t prev_high = 0;
  for (uint32_t i = 0; i < t->nseqs && rc == 0; i++) {
    const llgi_dline_seq *q = &t->seqs[order[i].index];
    /* Addresses below an earlier-ending sequence's end resolve there (or
     * nowhere), so windows come out disjoint and in address order. */
    uint64_t from = i > 0 && prev_high > q->low_pc ? prev_high : q->low_pc;
    prev_high = q->high_pc;
    if (from < q->high_pc) rc = seq_intervals(&l, t, q, from, q->high_pc);
  }
  free(order);
  if (rc != 0) {
    free(l.v);
    return rc;
  }
  *out = l.v;
  *n = (uint32_t)l.n;
  return 0;
}
