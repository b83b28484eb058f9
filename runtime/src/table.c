/*
 * table.c: adoption (validation) and lookups of the LLGI table.
 *
 * The layout is documented in docs/table-format.md and written by
 * table_write.c. The lookup scheme is gc's findfunc (a findfunctab
 * bucket per 4 KiB, a base index plus 16 per-256-byte deltas, then a short
 * forward scan of the ftab), with llgo's 16-bit deltas so that functions
 * smaller than gc's 16-byte minimum still fit.
 *
 * Validation is total: after llgi_table_adopt() accepts a table, every index a
 * lookup can follow has been checked, so lookups do no bounds checks of their
 * own beyond the address range. A table adopted at first use
 * (llgi_table_adopt_lazy) runs the same checks per 4 KiB bucket of text, in
 * the first lookup that lands in the bucket and before it reads anything else.
 */
#include "llgi_table.h"

#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the LLGI table is little-endian; a big-endian reader is not implemented"
#endif

_Static_assert(sizeof(llgi_bucket) == 36, "bucket layout");
_Static_assert(sizeof(llgi_func) == 44, "func layout");
_Static_assert(sizeof(llgi_row) == 12, "row layout");
_Static_assert(sizeof(llgi_paint) == 8, "paint layout");
_Static_assert(sizeof(llgi_node) == 16, "node layout");
/* findfunc reads one cache line of the struct, first-use gate included. */
_Static_assert(__builtin_offsetof(llgi_table, lazy) + sizeof(void *) <= 64, "findfunc fields in the first 64 bytes");

/* Header field offsets (docs/table-format.md, "Header"). */
enum {
  H_MAGIC = 0,
  H_VERSION = 8,
  H_HEADER_SIZE = 10,
  H_TOTAL_SIZE = 12,
  H_FLAGS = 16,
  H_CHECKSUM = 20,
  H_TEXT_START = 24,
  H_TEXT_LEN = 32,
  H_NFUNC = 36,
  H_SECTIONS = 40,
};

/* Section descriptors in header order: {u32 offset, u32 count}. */
enum { S_FTAB, S_BUCKETS, S_FUNCS, S_ROWS, S_PAINTS, S_NODES, S_STRINGS, S_COUNT };
static const uint32_t k_elem_size[S_COUNT] = {4, 36, 44, 12, 8, 16, 1};

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static inline uint32_t lane_step(uint32_t l, uint32_t w) {
  l = (l ^ w) * 16777619u;
  return l ^ (l >> 15);
}

uint32_t llgi_table_checksum(const uint8_t *p, size_t n) {
  uint32_t l[4] = {0x811c9dc5u, 0x811c9dc4u, 0x811c9dc7u, 0x811c9dc6u};
  const uint8_t *w = p, *rounds = p + (n & ~(size_t)15), *words = p + (n & ~(size_t)3), *end = p + n;
  /* Four independent chains: the multiplies overlap. */
  for (; w < rounds; w += 16) {
    l[0] = lane_step(l[0], rd32(w));
    l[1] = lane_step(l[1], rd32(w + 4));
    l[2] = lane_step(l[2], rd32(w + 8));
    l[3] = lane_step(l[3], rd32(w + 12));
  }
  /* At most three words left: word i goes to lane i mod 4. */
  for (int k = 0; w < words; w += 4, k++) l[k] = lane_step(l[k], rd32(w));
  for (; w < end; w++) l[0] = lane_step(l[0], *w);
  uint32_t h = 0x811c9dc5u;
  for (int k = 0; k < 4; k++) h = lane_step(h, l[k]);
  return h;
}

static int reject(llgi_table *t, llgi_table_error *err, const char *what, uint64_t offset) {
  memset(t, 0, sizeof *t);
  if (err) {
    err->what = what;
    err->offset = offset;
  }
  return -1;
}

#define REJECT(what, off) return reject(t, err, (what), (uint64_t)(off))

/* The checks below are shared by both ways of adopting: they report the first
 * problem in *e and return -1. */
static int fail(llgi_table_error *e, const char *what, uint64_t offset) {
  e->what = what;
  e->offset = offset;
  return -1;
}

#define BAD(what, off) return fail(e, (what), (uint64_t)(off))
#define RLX __ATOMIC_RELAXED

/* Offset (in the buffer) of element i of an array starting at `arr`. */
static uint64_t at(const llgi_table *t, const void *arr, uint64_t i, uint64_t elem) {
  return (uint64_t)((const uint8_t *)arr - t->base) + i * elem;
}

/* A lazily adopted table's chunk k against its sum, after the page of sums
 * that holds it against its page sum. */
static int check_chunk(const llgi_table *t, uint32_t k, llgi_table_error *e) {
  uint32_t p = k / LLGI_SUMS_PAGE;
  if (__atomic_load_n(&t->pages[p], RLX) != 1) {
    uint32_t first = p * LLGI_SUMS_PAGE, n = t->nchunks - first < LLGI_SUMS_PAGE ? t->nchunks - first : LLGI_SUMS_PAGE;
    if (llgi_table_checksum((const uint8_t *)(t->sums + first), 4 * (size_t)n) != t->tops[p])
      BAD("checksum index page fails its page sum", t->size + LLGI_SUMS_HEADER_SIZE + 4 * ((uint64_t)t->npages + first));
    __atomic_store_n(&t->pages[p], 1, RLX);
  }
  size_t lo = (size_t)k * LLGI_SUMS_CHUNK, n = t->size - lo < LLGI_SUMS_CHUNK ? t->size - lo : LLGI_SUMS_CHUNK;
  if (llgi_table_checksum(t->base + lo, n) != t->sums[k]) BAD("table bytes fail their chunk checksum", lo);
  __atomic_store_n(&t->chunks[k], 1, RLX);
  return 0;
}

/* At first use: bytes [p, p+n) pass once their chunks have. */
__attribute__((noinline)) static int need_chunks(const llgi_table *t, const void *p, size_t n, llgi_table_error *e) {
  uint64_t off = (uint64_t)((const uint8_t *)p - t->base);
  for (uint64_t k = off / LLGI_SUMS_CHUNK; k <= (off + n - 1) / LLGI_SUMS_CHUNK; k++)
    if (__atomic_load_n(&t->chunks[k], RLX) != 1 && check_chunk(t, (uint32_t)k, e)) return -1;
  return 0;
}

/* Bytes [p, p+n) have passed a checksum: always after whole adoption (the
 * header checksum covered them), so whole validation pays one test here. */
__attribute__((always_inline)) static inline int need(const llgi_table *t, const void *p, size_t n, llgi_table_error *e) {
  return t->chunks && n ? need_chunks(t, p, n, e) : 0;
}

/* A string reference must be LLGI_NONE (when allowed) or inside the string
 * table. Whole adoption checked that the table's last byte is NUL, so every
 * in-range offset starts a C string; at first use the string's own bytes,
 * up to its NUL, are checked instead. */
__attribute__((noinline)) static int string_chunks(const llgi_table *t, uint32_t off, uint64_t where, llgi_table_error *e) {
  const char *s = t->strings + off;
  const char *z = memchr(s, 0, t->strings_size - off);
  if (!z) BAD("string runs past the string table", where);
  return need_chunks(t, s, (size_t)(z - s) + 1, e);
}

__attribute__((always_inline)) static inline int check_string(const llgi_table *t, uint32_t off, int none_ok, const char *what,
                                                              uint64_t where, llgi_table_error *e) {
  if (off == LLGI_NONE) {
    if (none_ok) return 0;
    BAD(what, where);
  }
  if (off >= t->strings_size) BAD(what, where);
  return t->chunks ? string_chunks(t, off, where, e) : 0;
}

/* Checks one function's rows or paints: a run inside its array. */
static const char *check_run(uint32_t start, uint32_t count, uint32_t total) {
  if (start > total || count > total - start) return "run outside its array";
  return 0;
}

/* Inline node i: its parent precedes it (so chains are acyclic and bounded)
 * and its strings are in range. */
static int check_node(const llgi_table *t, uint32_t i, llgi_table_error *e) {
  const llgi_node *n = &t->nodes[i];
  uint64_t no = at(t, n, 0, 1);
  if (need(t, n, sizeof *n, e)) return -1;
  if (n->parent != LLGI_NONE && n->parent >= i) BAD("inline node parent does not precede it", no);
  if (check_string(t, n->name, 0, "inline node string out of range", no, e) ||
      check_string(t, n->call_file, 1, "inline node string out of range", no, e))
    return -1;
  return 0;
}

/* Function i (its ftab[i] and ftab[i+1] already checked) with its rows,
 * paints and the inline chains they start. *max_depth grows to the deepest
 * chain + 1; at first use it must stay within the index's max_depth. */
static int check_func(const llgi_table *t, uint32_t i, uint32_t *max_depth, llgi_table_error *e) {
  const llgi_func *f = &t->funcs[i];
  uint32_t lo = t->ftab[i], hi = t->ftab[i + 1];
  uint64_t fo = at(t, f, 0, 1);
  if (need(t, f, sizeof *f, e)) return -1;
  if (check_string(t, f->name, 0, "function string out of range", fo, e) ||
      check_string(t, f->decl_file, 1, "function string out of range", fo, e) ||
      check_string(t, f->sym_file, 1, "function string out of range", fo, e))
    return -1;
  if (f->flags & ~(uint32_t)LLGI_FUNC_FLAGS || f->reserved) BAD("function has unknown flags", fo);
  if ((f->flags & LLGI_FUNC_SIZED) && f->size > hi - lo) BAD("function size runs into the next function", fo);
  const char *why = check_run(f->row_start, f->row_count, t->nrows);
  if (!why) why = check_run(f->paint_start, f->paint_count, t->npaints);
  if (why) BAD(why, fo);
  if (need(t, t->rows + f->row_start, (size_t)f->row_count * sizeof(llgi_row), e) ||
      need(t, t->paints + f->paint_start, (size_t)f->paint_count * sizeof(llgi_paint), e))
    return -1;
  for (uint32_t r = 0; r < f->row_count; r++) {
    const llgi_row *row = &t->rows[f->row_start + r];
    if (row->pcoff < lo || row->pcoff >= hi || (r && row->pcoff <= row[-1].pcoff))
      BAD("line row outside its function or out of order", at(t, row, 0, 1));
    if (check_string(t, row->file, 1, "line row file out of range", at(t, row, 0, 1), e)) return -1;
  }
  for (uint32_t p = 0; p < f->paint_count; p++) {
    const llgi_paint *pt = &t->paints[f->paint_start + p];
    if (pt->pcoff < lo || pt->pcoff >= hi || (p && pt->pcoff <= pt[-1].pcoff))
      BAD("inline paint outside its function or out of order", at(t, pt, 0, 1));
    if (pt->node == LLGI_NONE) continue;
    if (pt->node >= t->nnodes) BAD("inline paint names a missing node", at(t, pt, 0, 1));
    /* Whole adoption checked every node before any function; at first use
     * each node of the chain is checked before its parent is followed. */
    uint32_t depth = 1;
    for (uint32_t n = pt->node; n != LLGI_NONE; n = t->nodes[n].parent, depth++)
      if (t->chunks && check_node(t, n, e)) return -1;
    if (t->chunks && depth > t->max_depth) BAD("inline chain deeper than the checksum index says", at(t, pt, 0, 1));
    if (depth > *max_depth) *max_depth = depth;
  }
  return 0;
}

/* Bucket bi's sub-buckets must each name exactly the last function starting
 * at or before them (gc's linker invariant), found by a merge pass: *k is
 * that function for the previous sub-bucket (or any function before it). */
static int check_bucket(const llgi_table *t, uint32_t bi, uint32_t *k, llgi_table_error *e) {
  const llgi_bucket *bk = &t->buckets[bi];
  for (uint32_t j = 0; j < LLGI_SUBBUCKETS; j++) {
    uint64_t sub = (uint64_t)bi * LLGI_BUCKET_SIZE + (uint64_t)j * LLGI_SUBBUCKET_SIZE;
    while (*k + 1 < t->nfunc && t->ftab[*k + 1] <= sub) (*k)++;
    if ((uint64_t)bk->base + bk->delta[j] != *k) BAD("findfunctab bucket names the wrong function", at(t, bk, 0, 1));
  }
  return 0;
}

/* The header and the section layout: everything adoption can check without
 * reading the sections. Fills t's fields. */
static int check_layout(llgi_table *t, const uint8_t *b, size_t size, llgi_table_error *e) {
  memset(t, 0, sizeof *t);
  t->base = b;
  t->size = size;
  if (!b || ((uintptr_t)b & 3)) BAD("table buffer is not 4-byte aligned", 0);
  if (size < LLGI_TABLE_HEADER_SIZE) BAD("table shorter than its header", size);
  if (memcmp(b + H_MAGIC, LLGI_TABLE_MAGIC, 8) != 0) BAD("bad magic (not an LLGI table)", H_MAGIC);
  if (rd16(b + H_VERSION) != LLGI_TABLE_VERSION) BAD("unsupported table version", H_VERSION);
  if (rd16(b + H_HEADER_SIZE) != LLGI_TABLE_HEADER_SIZE) BAD("bad header size", H_HEADER_SIZE);
  if (rd32(b + H_TOTAL_SIZE) != size) BAD("total size does not match the buffer", H_TOTAL_SIZE);
  if (rd32(b + H_FLAGS) != 0) BAD("unknown flags", H_FLAGS);
  t->text_start = rd64(b + H_TEXT_START);
  t->text_len = rd32(b + H_TEXT_LEN);
  t->nfunc = rd32(b + H_NFUNC);
  if (t->nfunc == 0 || t->text_len == 0) BAD("empty table", H_NFUNC);
  if (t->text_start > UINT64_MAX - t->text_len) BAD("text range wraps", H_TEXT_START);

  /* Section descriptors: in bounds, aligned, not overlapping the header. */
  uint32_t off[S_COUNT], count[S_COUNT];
  for (int s = 0; s < S_COUNT; s++) {
    off[s] = rd32(b + H_SECTIONS + 8 * s);
    count[s] = rd32(b + H_SECTIONS + 8 * s + 4);
    uint64_t bytes = (uint64_t)count[s] * k_elem_size[s];
    if (off[s] < LLGI_TABLE_HEADER_SIZE || (off[s] & 3) || off[s] > size || bytes > size - off[s])
      BAD("section outside the table", H_SECTIONS + 8 * s);
  }
  /* Sections must not overlap one another (each byte has one meaning). */
  for (int s = 0; s < S_COUNT; s++)
    for (int r = s + 1; r < S_COUNT; r++) {
      uint64_t s0 = off[s], s1 = s0 + (uint64_t)count[s] * k_elem_size[s];
      uint64_t r0 = off[r], r1 = r0 + (uint64_t)count[r] * k_elem_size[r];
      if (s0 < r1 && r0 < s1) BAD("sections overlap", H_SECTIONS + 8 * r);
    }
  if (count[S_FTAB] != t->nfunc + 1) BAD("ftab count is not nfunc + 1", H_SECTIONS + 8 * S_FTAB);
  if (count[S_FUNCS] != t->nfunc) BAD("function count is not nfunc", H_SECTIONS + 8 * S_FUNCS);
  uint64_t nbuckets = ((uint64_t)t->text_len + LLGI_BUCKET_SIZE - 1) / LLGI_BUCKET_SIZE;
  if (count[S_BUCKETS] != nbuckets) BAD("bucket count does not cover the text", H_SECTIONS + 8 * S_BUCKETS);
  if (count[S_STRINGS] == 0) BAD("string table is not NUL-terminated", off[S_STRINGS]);

  t->ftab = (const uint32_t *)(b + off[S_FTAB]);
  t->buckets = (const llgi_bucket *)(b + off[S_BUCKETS]);
  t->nbuckets = (uint32_t)nbuckets;
  t->funcs = (const llgi_func *)(b + off[S_FUNCS]);
  t->rows = (const llgi_row *)(b + off[S_ROWS]);
  t->nrows = count[S_ROWS];
  t->paints = (const llgi_paint *)(b + off[S_PAINTS]);
  t->npaints = count[S_PAINTS];
  t->nodes = (const llgi_node *)(b + off[S_NODES]);
  t->nnodes = count[S_NODES];
  t->strings = (const char *)(b + off[S_STRINGS]);
  t->strings_size = count[S_STRINGS];
  return 0;
}

int llgi_table_adopt(llgi_table *t, const void *data, size_t size, llgi_table_error *err) {
  llgi_table_error scratch, *e = err ? err : &scratch;
  const uint8_t *b = (const uint8_t *)data;
  if (check_layout(t, b, size, e)) REJECT(e->what, e->offset);
  if (llgi_table_checksum(b + LLGI_TABLE_CHECKSUM_START, size - LLGI_TABLE_CHECKSUM_START) != rd32(b + H_CHECKSUM))
    REJECT("checksum mismatch", H_CHECKSUM);
  if (t->strings[t->strings_size - 1] != 0) REJECT("string table is not NUL-terminated", at(t, t->strings, 0, 1));

  /* ftab: starts at 0, strictly increasing, sentinel == text_len. */
  if (t->ftab[0] != 0) REJECT("first function does not start the text", at(t, t->ftab, 0, 4));
  for (uint32_t i = 0; i < t->nfunc; i++)
    if (t->ftab[i + 1] <= t->ftab[i]) REJECT("ftab not strictly increasing", at(t, t->ftab, i + 1, 4));
  if (t->ftab[t->nfunc] != t->text_len) REJECT("ftab sentinel is not the text length", at(t, t->ftab, t->nfunc, 4));

  uint32_t k = 0, max_depth = 1;
  for (uint32_t bi = 0; bi < t->nbuckets; bi++)
    if (check_bucket(t, bi, &k, e)) REJECT(e->what, e->offset);
  /* Every node, also those no paint names (every byte has a meaning). */
  for (uint32_t i = 0; i < t->nnodes; i++)
    if (check_node(t, i, e)) REJECT(e->what, e->offset);
  for (uint32_t i = 0; i < t->nfunc; i++)
    if (check_func(t, i, &max_depth, e)) REJECT(e->what, e->offset);
  t->max_depth = max_depth;
  return 0;
}

/* Checksum index header fields (docs/embedding.md, "Checksum index"). */
enum { X_MAGIC = 0, X_CHECKSUM = 8, X_CHUNK = 12, X_NCHUNKS = 16, X_MAX_DEPTH = 20, X_TABLE_SIZE = 24, X_HEADER_SUM = 28 };

int64_t llgi_table_adopt_lazy(llgi_table *t, const void *data, size_t size, const void *sums, size_t sums_size,
                              void *state, size_t state_size, llgi_table_error *err) {
  llgi_table_error scratch, *e = err ? err : &scratch;
  const uint8_t *b = (const uint8_t *)data, *x = (const uint8_t *)sums;
  if (check_layout(t, b, size, e)) REJECT(e->what, e->offset);
  /* Offsets in the index are reported as table size + offset in the index. */
  uint64_t xo = size;
  if (!x || ((uintptr_t)x & 3)) REJECT("checksum index is not 4-byte aligned", xo);
  if (sums_size < LLGI_SUMS_HEADER_SIZE) REJECT("checksum index shorter than its header", xo + sums_size);
  if (memcmp(x + X_MAGIC, LLGI_SUMS_MAGIC, 8) != 0) REJECT("bad checksum index magic", xo + X_MAGIC);
  uint64_t nchunks, npages, need_bytes = llgi_sums_size(size, &nchunks, &npages);
  if (rd32(x + X_CHUNK) != LLGI_SUMS_CHUNK) REJECT("checksum index chunk size is not 4096", xo + X_CHUNK);
  if (rd32(x + X_NCHUNKS) != nchunks) REJECT("checksum index chunk count does not cover the table", xo + X_NCHUNKS);
  if (rd32(x + X_TABLE_SIZE) != size) REJECT("checksum index is for a table of another size", xo + X_TABLE_SIZE);
  if (sums_size != need_bytes) REJECT("checksum index size does not match its chunk count", xo);
  /* The index's header fields and page sums (a few KiB at most, below 4 GiB). */
  if (llgi_table_checksum(x + X_CHUNK, LLGI_SUMS_HEADER_SIZE - X_CHUNK + 4 * npages) != rd32(x + X_CHECKSUM))
    REJECT("checksum index checksum mismatch", xo + X_CHECKSUM);
  /* The header just read; the rest of its chunk waits for first use. */
  if (llgi_table_checksum(b, LLGI_TABLE_HEADER_SIZE) != rd32(x + X_HEADER_SUM))
    REJECT("table header fails its checksum in the index", 0);
  uint32_t max_depth = rd32(x + X_MAX_DEPTH);
  if (max_depth == 0 || max_depth > (uint64_t)t->nnodes + 1) REJECT("checksum index max depth is impossible", xo + X_MAX_DEPTH);

  uint64_t need_state = sizeof(llgi_table_lazy) + t->nbuckets + nchunks + npages;
  if (!state || ((uintptr_t)state & 7) || state_size < need_state) {
    memset(t, 0, sizeof *t);
    return (int64_t)need_state;
  }
  memset(state, 0, need_state);
  t->lazy = (llgi_table_lazy *)state;
  t->units = (uint8_t *)state + sizeof(llgi_table_lazy);
  t->chunks = t->units + t->nbuckets;
  t->pages = t->chunks + nchunks;
  t->tops = (const uint32_t *)(x + LLGI_SUMS_HEADER_SIZE);
  t->sums = t->tops + npages;
  t->nchunks = (uint32_t)nchunks;
  t->npages = (uint32_t)npages;
  t->max_depth = max_depth;
  return 0;
}

/* First use of bucket bi of a lazily adopted table: the same checks whole
 * adoption makes, for the bytes a lookup in this bucket can read (its bucket
 * record, the ftab entries and functions that overlap its 4 KiB of text,
 * their rows, paints, inline chains and strings), each byte against its
 * chunk's checksum first. */
static int check_unit(const llgi_table *t, uint32_t bi, llgi_table_error *e) {
  const llgi_bucket *bk = &t->buckets[bi];
  if (need(t, bk, sizeof *bk, e)) return -1;
  uint64_t start = (uint64_t)bi * LLGI_BUCKET_SIZE;
  uint64_t end = start + LLGI_BUCKET_SIZE < t->text_len ? start + LLGI_BUCKET_SIZE : t->text_len;
  uint64_t k0 = (uint64_t)bk->base + bk->delta[0];
  if (k0 >= t->nfunc) BAD("findfunctab bucket names the wrong function", at(t, bk, 0, 1));
  if (need(t, &t->ftab[k0], 8, e)) return -1;
  if (t->ftab[k0] > start || t->ftab[k0 + 1] <= start) BAD("findfunctab bucket names the wrong function", at(t, bk, 0, 1));
  if (k0 == 0 && t->ftab[0] != 0) BAD("first function does not start the text", at(t, t->ftab, 0, 4));
  /* The functions overlapping [start, end): the last one reaches end. */
  uint32_t max_depth = 1;
  for (uint32_t i = (uint32_t)k0;; i++) {
    if (need(t, &t->ftab[i + 1], 4, e)) return -1;
    if (t->ftab[i + 1] <= t->ftab[i]) BAD("ftab not strictly increasing", at(t, t->ftab, i + 1, 4));
    if (i + 1 == t->nfunc && t->ftab[i + 1] != t->text_len) BAD("ftab sentinel is not the text length", at(t, t->ftab, i + 1, 4));
    if (check_func(t, i, &max_depth, e)) return -1;
    if (t->ftab[i + 1] >= end) break; /* always by i + 1 == nfunc: ftab[nfunc] == text_len >= end */
  }
  uint32_t k = (uint32_t)k0;
  return check_bucket(t, bi, &k, e);
}

/* Records the first failure; `failed` becoming non-zero refuses every
 * bucket, since every lookup tests it. */
static int refuse(const llgi_table *t, const llgi_table_error *e) {
  uint32_t expect = 0;
  if (__atomic_compare_exchange_n(&t->lazy->failed, &expect, 1, 0, __ATOMIC_ACQ_REL, RLX)) {
    t->lazy->failure = *e;
    __atomic_store_n(&t->lazy->failed, 2, __ATOMIC_RELEASE);
  }
  return -1;
}

/* Out of line: taken once per bucket, and on every lookup once refused. */
__attribute__((noinline, cold)) static int prepare(const llgi_table *t, uint32_t bi) {
  if (__atomic_load_n(&t->lazy->failed, RLX)) return -1;
  llgi_table_error e;
  if (check_unit(t, bi, &e)) return refuse(t, &e);
  __atomic_store_n(&t->units[bi], 1, RLX);
  return 0;
}

/* A bucket may be read once validated, unless the table has been refused
 * meanwhile. A thread that has seen `failed` set never sees it clear again
 * (coherence of one location), so once refused, refused for good. */
static inline int ready(const llgi_table *t, uint32_t bi) {
  return !t->units || (__atomic_load_n(&t->units[bi], RLX) == 1 && !__atomic_load_n(&t->lazy->failed, RLX)) ||
         prepare(t, bi) == 0;
}

int llgi_table_validate_all(const llgi_table *t) {
  for (uint32_t b = 0; t->units && b < t->nbuckets; b++)
    if (!ready(t, b)) return -1;
  return 0;
}

int llgi_table_failure(const llgi_table *t, llgi_table_error *err) {
  if (!t->lazy) return 0;
  uint32_t f = __atomic_load_n(&t->lazy->failed, __ATOMIC_ACQUIRE);
  if (!f) return 0;
  if (err) {
    if (f == 2) *err = t->lazy->failure;
    else err->what = "table refused at first use", err->offset = 0;
  }
  return 1;
}

int64_t llgi_table_findfunc(const llgi_table *t, uint64_t addr) {
  if (addr < t->text_start) return -1;
  uint64_t off = addr - t->text_start;
  if (off >= t->text_len) return -1;
  if (!ready(t, (uint32_t)(off / LLGI_BUCKET_SIZE))) return LLGI_TABLE_REFUSED;
  const llgi_bucket *bk = &t->buckets[off / LLGI_BUCKET_SIZE];
  uint32_t idx = bk->base + bk->delta[(off % LLGI_BUCKET_SIZE) / LLGI_SUBBUCKET_SIZE];
  /* The sentinel ftab[nfunc] == text_len > off ends the scan. */
  while (t->ftab[idx + 1] <= off) idx++;
  return idx;
}

static inline uint32_t pcoff_at(const uint8_t *run, size_t elem, uint32_t i) {
  uint32_t pc;
  memcpy(&pc, run + (size_t)i * elem, 4);
  return pc;
}

/* Index of the last element of a pcoff-sorted run starting at or before off,
 * or -1. Both llgi_row and llgi_paint start with their pcoff. The run covers
 * one function, [lo_off, hi_off) of text; its elements are spread roughly
 * evenly over it, so the search starts where off falls proportionally, then
 * gallops outward to bracket the answer and bisects the bracket. That reads
 * a few neighbouring cache lines instead of the log2(count) scattered ones
 * of a plain bisection (a cold lookup's main cost). Any guess is correct,
 * only slower: it reads nothing outside [0, count). */
static int64_t last_at_or_before(const uint8_t *run, uint32_t count, size_t elem, uint32_t off, uint32_t lo_off,
                                 uint32_t hi_off) {
  if (count == 0) return -1;
  uint32_t g = 0;
  if (hi_off > lo_off && off > lo_off) {
    uint64_t x = (uint64_t)(off - lo_off) * count / (hi_off - lo_off);
    g = x >= count ? count - 1 : (uint32_t)x;
  }
  /* The answer's successor (the first element > off) is in [lo, hi]; hi == count: none. */
  uint32_t lo, hi;
  if (pcoff_at(run, elem, g) <= off) {
    lo = g + 1;
    hi = count;
    for (uint32_t step = 1; lo < count; step *= 2) {
      uint32_t p = count - lo > step ? lo + step - 1 : count - 1;
      if (pcoff_at(run, elem, p) > off) {
        hi = p;
        break;
      }
      lo = p + 1;
    }
  } else {
    lo = 0;
    hi = g;
    for (uint32_t step = 1; hi > 0; step *= 2) {
      uint32_t p = hi > step ? hi - step : 0;
      if (pcoff_at(run, elem, p) <= off) {
        lo = p + 1;
        break;
      }
      hi = p;
    }
  }
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (pcoff_at(run, elem, mid) <= off) lo = mid + 1;
    else hi = mid;
  }
  return (int64_t)lo - 1;
}

/* Function fi's row at off (fi's text is [ftab[fi], ftab[fi + 1]), the sentinel ending the last). */
static const llgi_row *row_at(const llgi_table *t, uint32_t fi, uint32_t off) {
  const llgi_func *f = &t->funcs[fi];
  int64_t r = last_at_or_before((const uint8_t *)(t->rows + f->row_start), f->row_count, sizeof(llgi_row), off,
                                t->ftab[fi], t->ftab[fi + 1]);
  if (r < 0) return 0;
  const llgi_row *row = &t->rows[f->row_start + r];
  return row->file == LLGI_NONE ? 0 : row;
}

int llgi_table_line(const llgi_table *t, uint32_t fi, uint64_t addr, const char **file, uint32_t *line) {
  int64_t at_fi = llgi_table_findfunc(t, addr);
  if (at_fi == LLGI_TABLE_REFUSED) return -1;
  if (at_fi != (int64_t)fi) return 0;
  const llgi_row *row = row_at(t, fi, (uint32_t)(addr - t->text_start));
  if (!row) return 0;
  *file = t->strings + row->file;
  *line = row->line;
  return 1;
}

int llgi_table_frames(const llgi_table *t, uint64_t addr, llgi_frame *out, int max) {
  int64_t fi = llgi_table_findfunc(t, addr);
  if (fi < 0) return fi == LLGI_TABLE_REFUSED ? -1 : 0;
  const llgi_func *f = &t->funcs[fi];
  uint32_t off = (uint32_t)(addr - t->text_start);
  uint64_t entry = llgi_table_entry(t, (uint32_t)fi);

  uint32_t node = LLGI_NONE;
  int64_t p = last_at_or_before((const uint8_t *)(t->paints + f->paint_start), f->paint_count, sizeof(llgi_paint), off,
                                t->ftab[fi], t->ftab[fi + 1]);
  if (p >= 0) node = t->paints[f->paint_start + p].node;

  /* The innermost frame takes addr's line; each enclosing frame takes the
   * call site recorded on the node it encloses. */
  const llgi_row *row = row_at(t, (uint32_t)fi, off);
  const char *file = row ? t->strings + row->file : 0;
  uint32_t line = row ? row->line : 0;
  int n = 0;
  for (;;) {
    int outer = node == LLGI_NONE;
    if (n < max) {
      out[n].function = t->strings + (outer ? f->name : t->nodes[node].name);
      out[n].file = file;
      out[n].line = line;
      out[n].func = (uint32_t)fi;
      out[n].entry = entry;
      out[n].inlined = !outer;
      /* Like llvm-symbolizer, a physical frame without a file falls back to
       * the STT_FILE name of its local symbol, where that symbol covers addr. */
      if (outer && !file && f->sym_file != LLGI_NONE && (!(f->flags & LLGI_FUNC_SIZED) || off - t->ftab[fi] < f->size))
        out[n].file = t->strings + f->sym_file;
    }
    n++;
    if (outer) break;
    file = llgi_table_string(t, t->nodes[node].call_file);
    line = t->nodes[node].call_line;
    node = t->nodes[node].parent;
  }
  return n;
}
