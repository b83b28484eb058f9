/*
 * table_write.c: LLGI table layout (llgi_table_write.h): sections in header
 * order, each 8-byte aligned, gc's findfunctab with u16 deltas, the lane
 * checksum. Strings are interned by pointer identity of their parts.
 */
#include "llgi_table_write.h"

#include <stdlib.h>
#include <string.h>

#include "llgi_table.h"

enum { S_FTAB, S_BUCKETS, S_FUNCS, S_ROWS, S_PAINTS, S_NODES, S_STRINGS, S_COUNT };

/* Interned strings: a pair of parts (a, b) -> offset of "a.b" (names) or "ab" (files). */
typedef struct intern {
  const char *a, *b;
  uint32_t off;
  char sep;
} intern;

typedef struct strtab {
  char *buf;
  size_t len, cap;
  intern *slots;
  size_t mask, used;
  int oom;
} strtab;

static size_t hash2(const char *a, const char *b, char sep) {
  uint64_t h = (uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)b * 0xc2b2ae3d27d4eb4full ^ (uint64_t)sep;
  return (size_t)(h ^ (h >> 29));
}

static int put(strtab *s, const char *p, size_t n) {
  if (s->len + n > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->len + n) cap *= 2;
    char *nb = realloc(s->buf, cap);
    if (!nb) return s->oom = 1, -1;
    s->buf = nb;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, p, n);
  s->len += n;
  return 0;
}

/* Offset of a ‖ sep ‖ b (sep only when both are non-empty; sep 0: plain concatenation). */
static const char EMPTY[1] = "";

/* Doubles the slots: kept at most half full, they start small (most rows share a few files). */
static int grow_slots(strtab *s) {
  size_t n = 2 * (s->mask + 1);
  intern *ns = calloc(n, sizeof *ns);
  if (!ns) return s->oom = 1, -1;
  for (size_t i = 0; i <= s->mask; i++) {
    if (!s->slots[i].a) continue;
    size_t j = hash2(s->slots[i].a, s->slots[i].b, s->slots[i].sep) & (n - 1);
    while (ns[j].a) j = (j + 1) & (n - 1);
    ns[j] = s->slots[i];
  }
  free(s->slots);
  s->slots = ns;
  s->mask = n - 1;
  return 0;
}

static uint32_t add(strtab *s, const char *a, const char *b, char sep) {
  if (!a) a = EMPTY;
  if (!b) b = EMPTY;
  if (2 * (s->used + 1) > s->mask + 1 && grow_slots(s)) return 0;
  size_t i = hash2(a, b, sep) & s->mask;
  for (; s->slots[i].a; i = (i + 1) & s->mask)
    if (s->slots[i].a == a && s->slots[i].b == b && s->slots[i].sep == sep) return s->slots[i].off;
  uint32_t off = (uint32_t)s->len;
  size_t na = strlen(a), nb = strlen(b);
  put(s, a, na);
  if (sep && na && nb) put(s, &sep, 1);
  put(s, b, nb);
  put(s, "", 1);
  s->slots[i] = (intern){a, b, off, sep};
  s->used++;
  return off;
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Runs [start, start+count) of items at `addr` stride `stride` lie inside [lo, hi), strictly increasing. */
static int run_ok(const void *items, size_t stride, uint32_t n, uint32_t start, uint32_t count, uint64_t lo, uint64_t hi) {
  if ((uint64_t)start + count > n) return 0;
  uint64_t prev = 0;
  for (uint32_t r = start; r < start + count; r++) {
    uint64_t a;
    memcpy(&a, (const uint8_t *)items + (size_t)r * stride, 8);
    if (a < lo || a >= hi || (r > start && a <= prev)) return 0;
    prev = a;
  }
  return 1;
}

/* ftab (entry offsets and the sentinel) and the findfunctab: per 256-byte
 * sub-bucket, the last function starting at or before it. */
static void write_buckets(uint8_t *ftab, uint8_t *bbuf, const llgi_wfunc *funcs, uint32_t nfunc, uint64_t text_start, uint32_t text_len,
                          uint32_t nbuckets) {
  for (uint32_t i = 0; i < nfunc; i++) wr32(ftab + 4 * (size_t)i, (uint32_t)(funcs[i].entry - text_start));
  wr32(ftab + 4 * (size_t)nfunc, text_len);
  uint32_t k = 0;
  for (uint32_t b = 0; b < nbuckets; b++) {
    uint32_t base = 0;
    for (uint32_t j = 0; j < LLGI_SUBBUCKETS; j++) {
      uint64_t sub = (uint64_t)b * LLGI_BUCKET_SIZE + (uint64_t)j * LLGI_SUBBUCKET_SIZE;
      while (k + 1 < nfunc && funcs[k + 1].entry - text_start <= sub) k++;
      if (j == 0) {
        base = k;
        wr32(bbuf + 36 * (size_t)b, base);
      }
      uint16_t d = (uint16_t)(k - base);
      memcpy(bbuf + 36 * (size_t)b + 4 + 2 * j, &d, 2);
    }
  }
}

/* A file name, keyed as a row's (root NULL, name) so both share one string. */
static uint32_t opt(strtab *s, const char *p) { return p ? add(s, NULL, p, 0) : LLGI_NONE; }

int llgi_table_write(uint64_t text_start, uint64_t text_end, const llgi_wfunc *funcs, uint32_t nfunc,
                     const llgi_wrow *rows, uint32_t nrows, uint8_t **out, size_t *size) {
  llgi_wtable t = {text_start, text_end, funcs, nfunc, rows, nrows, NULL, 0, NULL, 0};
  return llgi_table_write_full(&t, out, size);
}

int llgi_table_write_full(const llgi_wtable *t, uint8_t **out, size_t *size) {
  uint64_t text_start = t->text_start, text_end = t->text_end;
  const llgi_wfunc *funcs = t->funcs;
  const llgi_wrow *rows = t->rows;
  uint32_t nfunc = t->nfunc, nrows = t->nrows, npaints = t->npaints, nnodes = t->nnodes;
  if (!nfunc || text_end <= text_start || text_end - text_start >= LLGI_NONE || funcs[0].entry != text_start) return -1;
  uint32_t text_len = (uint32_t)(text_end - text_start);
  for (uint32_t i = 0; i < nfunc; i++) {
    uint64_t hi = i + 1 < nfunc ? funcs[i + 1].entry : text_end;
    if (funcs[i].entry >= hi) return -1;
    if (!run_ok(rows, sizeof *rows, nrows, funcs[i].row_start, funcs[i].row_count, funcs[i].entry, hi)) return -1;
    if (!run_ok(t->paints, sizeof *t->paints, npaints, funcs[i].paint_start, funcs[i].paint_count, funcs[i].entry, hi)) return -1;
  }
  for (uint32_t i = 0; i < npaints; i++)
    if (t->paints[i].node != LLGI_NONE && t->paints[i].node >= nnodes) return -1;
  for (uint32_t i = 0; i < nnodes; i++)
    if (t->nodes[i].parent != LLGI_NONE && t->nodes[i].parent >= i) return -1;

  strtab st = {0};
  st.slots = calloc(1024, sizeof *st.slots);
  st.mask = 1023;
  uint32_t nbuckets = (text_len + LLGI_BUCKET_SIZE - 1) / LLGI_BUCKET_SIZE;
  uint8_t *table = NULL;
  int rc = -2;
  if (!st.slots) goto done;
  put(&st, "", 1); /* offset 0: "" */
  /* The strings first (the last section), so every other section is then
   * written in place: interning again below only finds them. */
  for (int pass = 0; pass < 2; pass++) {
    uint8_t *fbuf = NULL, *rbuf = NULL, *pbuf = NULL, *nbuf = NULL;
    if (pass) {
      if (st.oom) goto done;
      size_t bytes[S_COUNT] = {4 * ((size_t)nfunc + 1), 36 * (size_t)nbuckets, 44 * (size_t)nfunc, 12 * (size_t)nrows,
                               8 * (size_t)npaints, 16 * (size_t)nnodes, st.len};
      uint32_t counts[S_COUNT] = {nfunc + 1, nbuckets, nfunc, nrows, npaints, nnodes, (uint32_t)st.len};
      size_t offs[S_COUNT], total = LLGI_TABLE_HEADER_SIZE;
      for (int k = 0; k < S_COUNT; k++) {
        total = align8(total);
        offs[k] = total;
        total += bytes[k];
      }
      total = align8(total);
      if (st.len >= LLGI_NONE || total >= LLGI_NONE) {
        rc = -1;
        goto done;
      }
      table = calloc(1, total);
      if (!table) goto done;
      memcpy(table, LLGI_TABLE_MAGIC, 8);
      uint16_t version = LLGI_TABLE_VERSION, hsize = LLGI_TABLE_HEADER_SIZE;
      memcpy(table + 8, &version, 2);
      memcpy(table + 10, &hsize, 2);
      wr32(table + 12, (uint32_t)total);
      memcpy(table + 24, &text_start, 8);
      wr32(table + 32, text_len);
      wr32(table + 36, nfunc);
      for (int k = 0; k < S_COUNT; k++) {
        wr32(table + 40 + 8 * k, (uint32_t)offs[k]);
        wr32(table + 44 + 8 * k, counts[k]);
      }
      memcpy(table + offs[S_STRINGS], st.buf, st.len);
      write_buckets(table + offs[S_FTAB], table + offs[S_BUCKETS], funcs, nfunc, text_start, text_len, nbuckets);
      fbuf = table + offs[S_FUNCS];
      rbuf = table + offs[S_ROWS];
      pbuf = table + offs[S_PAINTS];
      nbuf = table + offs[S_NODES];
      *size = total;
    }
    for (uint32_t i = 0; i < nfunc; i++) {
      const llgi_wfunc *f = &funcs[i];
      uint32_t rec[11] = {add(&st, f->pkg, f->local, '.'), opt(&st, f->decl_file), f->decl_line, f->size, f->row_start, f->row_count,
                          f->paint_start, f->paint_count, f->flags, opt(&st, f->sym_file), 0};
      if (pass) memcpy(fbuf + 44 * (size_t)i, rec, sizeof rec);
    }
    for (uint32_t r = 0; r < nrows; r++) {
      uint32_t file = rows[r].root || rows[r].name ? add(&st, rows[r].root, rows[r].name, 0) : LLGI_NONE;
      uint32_t v[3] = {(uint32_t)(rows[r].addr - text_start), file, file == LLGI_NONE ? 0 : rows[r].line};
      if (pass) memcpy(rbuf + 12 * (size_t)r, v, sizeof v);
    }
    for (uint32_t p = 0; pass && p < npaints; p++) {
      uint32_t v[2] = {(uint32_t)(t->paints[p].addr - text_start), t->paints[p].node};
      memcpy(pbuf + 8 * (size_t)p, v, sizeof v);
    }
    for (uint32_t n = 0; n < nnodes; n++) {
      const llgi_wnode *d = &t->nodes[n];
      uint32_t v[4] = {d->parent, add(&st, NULL, d->name, '.'), opt(&st, d->call_file), d->call_line};
      if (pass) memcpy(nbuf + 16 * (size_t)n, v, sizeof v);
    }
  }
  wr32(table + 20, llgi_table_checksum(table + LLGI_TABLE_CHECKSUM_START, *size - LLGI_TABLE_CHECKSUM_START));
  *out = table;
  table = NULL;
  rc = 0;
done:
  free(table);
  free(st.slots);
  free(st.buf);
  return rc;
}
