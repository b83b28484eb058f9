/*
 * table.c: adoption (validation) and lookups of the LLGI table.
 *
 * The layout is documented in docs/table-format.md and produced by
 * compiler/table/build.ts. The lookup scheme is gc's findfunc (a findfunctab
 * bucket per 4 KiB, a base index plus 16 per-256-byte deltas, then a short
 * forward scan of the ftab), with llgo's 16-bit deltas so that functions
 * smaller than gc's 16-byte minimum still fit.
 *
 * Validation is total: after llgi_table_adopt() accepts a table, every index a
 * lookup can follow has been checked, so lookups do no bounds checks of their
 * own beyond the address range.
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
  size_t words = n / 4, i = 0;
  /* Four independent chains: the multiplies overlap. */
  for (; i + 4 <= words; i += 4) {
    l[0] = lane_step(l[0], rd32(p + 4 * i));
    l[1] = lane_step(l[1], rd32(p + 4 * i + 4));
    l[2] = lane_step(l[2], rd32(p + 4 * i + 8));
    l[3] = lane_step(l[3], rd32(p + 4 * i + 12));
  }
  for (; i < words; i++) l[i & 3] = lane_step(l[i & 3], rd32(p + 4 * i));
  for (size_t j = 4 * words; j < n; j++) l[0] = lane_step(l[0], p[j]);
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

/* A string reference must be LLGI_NONE (when allowed) or inside the table;
 * the table's last byte is NUL, so every in-range offset starts a C string. */
static int bad_string(const llgi_table *t, uint32_t off, int none_ok) {
  if (off == LLGI_NONE) return !none_ok;
  return off >= t->strings_size;
}

/* Offset (in the buffer) of element i of an array starting at `arr`. */
static uint64_t at(const llgi_table *t, const void *arr, uint64_t i, uint64_t elem) {
  return (uint64_t)((const uint8_t *)arr - t->base) + i * elem;
}

/* Checks one function's rows or paints: a sorted run inside [lo, hi). */
static const char *check_run(uint32_t start, uint32_t count, uint32_t total) {
  if (start > total || count > total - start) return "run outside its array";
  return 0;
}

int llgi_table_adopt(llgi_table *t, const void *data, size_t size, llgi_table_error *err) {
  const uint8_t *b = (const uint8_t *)data;
  memset(t, 0, sizeof *t);
  t->base = b;
  t->size = size;
  if (!b || ((uintptr_t)b & 3)) REJECT("table buffer is not 4-byte aligned", 0);
  if (size < LLGI_TABLE_HEADER_SIZE) REJECT("table shorter than its header", size);
  if (memcmp(b + H_MAGIC, LLGI_TABLE_MAGIC, 8) != 0) REJECT("bad magic (not an LLGI table)", H_MAGIC);
  if (rd16(b + H_VERSION) != LLGI_TABLE_VERSION) REJECT("unsupported table version", H_VERSION);
  if (rd16(b + H_HEADER_SIZE) != LLGI_TABLE_HEADER_SIZE) REJECT("bad header size", H_HEADER_SIZE);
  uint32_t total = rd32(b + H_TOTAL_SIZE);
  if (total != size) REJECT("total size does not match the buffer", H_TOTAL_SIZE);
  if (rd32(b + H_FLAGS) != 0) REJECT("unknown flags", H_FLAGS);
  if (llgi_table_checksum(b + LLGI_TABLE_HEADER_SIZE, size - LLGI_TABLE_HEADER_SIZE) != rd32(b + H_CHECKSUM))
    REJECT("checksum mismatch", H_CHECKSUM);
  t->text_start = rd64(b + H_TEXT_START);
  t->text_len = rd32(b + H_TEXT_LEN);
  t->nfunc = rd32(b + H_NFUNC);
  if (t->nfunc == 0 || t->text_len == 0) REJECT("empty table", H_NFUNC);
  if (t->text_start > UINT64_MAX - t->text_len) REJECT("text range wraps", H_TEXT_START);

  /* Section descriptors: in bounds, aligned, not overlapping the header. */
  uint32_t off[S_COUNT], count[S_COUNT];
  for (int s = 0; s < S_COUNT; s++) {
    off[s] = rd32(b + H_SECTIONS + 8 * s);
    count[s] = rd32(b + H_SECTIONS + 8 * s + 4);
    uint64_t bytes = (uint64_t)count[s] * k_elem_size[s];
    if (off[s] < LLGI_TABLE_HEADER_SIZE || (off[s] & 3) || off[s] > size || bytes > size - off[s])
      REJECT("section outside the table", H_SECTIONS + 8 * s);
  }
  /* Sections must not overlap one another (each byte has one meaning). */
  for (int s = 0; s < S_COUNT; s++)
    for (int r = s + 1; r < S_COUNT; r++) {
      uint64_t s0 = off[s], s1 = s0 + (uint64_t)count[s] * k_elem_size[s];
      uint64_t r0 = off[r], r1 = r0 + (uint64_t)count[r] * k_elem_size[r];
      if (s0 < r1 && r0 < s1) REJECT("sections overlap", H_SECTIONS + 8 * r);
    }
  if (count[S_FTAB] != t->nfunc + 1) REJECT("ftab count is not nfunc + 1", H_SECTIONS + 8 * S_FTAB);
  if (count[S_FUNCS] != t->nfunc) REJECT("function count is not nfunc", H_SECTIONS + 8 * S_FUNCS);
  uint64_t nbuckets = ((uint64_t)t->text_len + LLGI_BUCKET_SIZE - 1) / LLGI_BUCKET_SIZE;
  if (count[S_BUCKETS] != nbuckets) REJECT("bucket count does not cover the text", H_SECTIONS + 8 * S_BUCKETS);

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
  if (t->strings_size == 0 || t->strings[t->strings_size - 1] != 0)
    REJECT("string table is not NUL-terminated", off[S_STRINGS]);

  /* ftab: starts at 0, strictly increasing, sentinel == text_len. */
  if (t->ftab[0] != 0) REJECT("first function does not start the text", off[S_FTAB]);
  for (uint32_t i = 0; i < t->nfunc; i++)
    if (t->ftab[i + 1] <= t->ftab[i]) REJECT("ftab not strictly increasing", at(t, t->ftab, i + 1, 4));
  if (t->ftab[t->nfunc] != t->text_len) REJECT("ftab sentinel is not the text length", at(t, t->ftab, t->nfunc, 4));

  /* Buckets: every sub-bucket must name exactly the last function starting at
   * or before it (gc's linker invariant), found by one merge pass. */
  uint32_t k = 0;
  for (uint32_t bi = 0; bi < t->nbuckets; bi++) {
    const llgi_bucket *bk = &t->buckets[bi];
    for (uint32_t j = 0; j < LLGI_SUBBUCKETS; j++) {
      uint64_t sub = (uint64_t)bi * LLGI_BUCKET_SIZE + (uint64_t)j * LLGI_SUBBUCKET_SIZE;
      while (k + 1 < t->nfunc && t->ftab[k + 1] <= sub) k++;
      if ((uint64_t)bk->base + bk->delta[j] != k) REJECT("findfunctab bucket names the wrong function", at(t, bk, 0, 1));
    }
  }

  /* Nodes: parents precede children, so chains are acyclic and bounded. */
  uint32_t max_depth = 1;
  for (uint32_t i = 0; i < t->nnodes; i++) {
    const llgi_node *n = &t->nodes[i];
    if (n->parent != LLGI_NONE && n->parent >= i) REJECT("inline node parent does not precede it", at(t, n, 0, 1));
    if (bad_string(t, n->name, 0) || bad_string(t, n->call_file, 1)) REJECT("inline node string out of range", at(t, n, 0, 1));
  }

  /* Functions and their rows/paints. */
  for (uint32_t i = 0; i < t->nfunc; i++) {
    const llgi_func *f = &t->funcs[i];
    uint32_t lo = t->ftab[i], hi = t->ftab[i + 1];
    uint64_t fo = at(t, f, 0, 1);
    if (bad_string(t, f->name, 0) || bad_string(t, f->decl_file, 1) || bad_string(t, f->sym_file, 1))
      REJECT("function string out of range", fo);
    if (f->flags & ~(uint32_t)LLGI_FUNC_FLAGS || f->reserved)
      REJECT("function has unknown flags", fo);
    if ((f->flags & LLGI_FUNC_SIZED) && f->size > hi - lo) REJECT("function size runs into the next function", fo);
    const char *why = check_run(f->row_start, f->row_count, t->nrows);
    if (why) REJECT(why, fo);
    why = check_run(f->paint_start, f->paint_count, t->npaints);
    if (why) REJECT(why, fo);
    for (uint32_t r = 0; r < f->row_count; r++) {
      const llgi_row *row = &t->rows[f->row_start + r];
      if (row->pcoff < lo || row->pcoff >= hi || (r && row->pcoff <= row[-1].pcoff))
        REJECT("line row outside its function or out of order", at(t, row, 0, 1));
      if (bad_string(t, row->file, 1)) REJECT("line row file out of range", at(t, row, 0, 1));
    }
    for (uint32_t p = 0; p < f->paint_count; p++) {
      const llgi_paint *pt = &t->paints[f->paint_start + p];
      if (pt->pcoff < lo || pt->pcoff >= hi || (p && pt->pcoff <= pt[-1].pcoff))
        REJECT("inline paint outside its function or out of order", at(t, pt, 0, 1));
      if (pt->node != LLGI_NONE && pt->node >= t->nnodes) REJECT("inline paint names a missing node", at(t, pt, 0, 1));
      if (pt->node != LLGI_NONE) {
        uint32_t depth = 2;
        for (uint32_t n = t->nodes[pt->node].parent; n != LLGI_NONE; n = t->nodes[n].parent) depth++;
        if (depth > max_depth) max_depth = depth;
      }
    }
  }
  t->max_depth = max_depth;
  return 0;
}

int64_t llgi_table_findfunc(const llgi_table *t, uint64_t addr) {
  if (addr < t->text_start) return -1;
  uint64_t off = addr - t->text_start;
  if (off >= t->text_len) return -1;
  const llgi_bucket *bk = &t->buckets[off / LLGI_BUCKET_SIZE];
  uint32_t idx = bk->base + bk->delta[(off % LLGI_BUCKET_SIZE) / LLGI_SUBBUCKET_SIZE];
  /* The sentinel ftab[nfunc] == text_len > off ends the scan. */
  while (t->ftab[idx + 1] <= off) idx++;
  return idx;
}

/* Index of the last element of a pcoff-sorted run starting at or before off,
 * or -1. Both llgi_row and llgi_paint start with their pcoff. */
static int64_t last_at_or_before(const uint8_t *run, uint32_t count, size_t elem, uint32_t off) {
  uint32_t lo = 0, hi = count; /* answer in [lo, hi) is the first element > off */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    uint32_t pc;
    memcpy(&pc, run + (size_t)mid * elem, 4);
    if (pc <= off) lo = mid + 1;
    else hi = mid;
  }
  return (int64_t)lo - 1;
}

static const llgi_row *row_at(const llgi_table *t, const llgi_func *f, uint32_t off) {
  int64_t r = last_at_or_before((const uint8_t *)(t->rows + f->row_start), f->row_count, sizeof(llgi_row), off);
  if (r < 0) return 0;
  const llgi_row *row = &t->rows[f->row_start + r];
  return row->file == LLGI_NONE ? 0 : row;
}

int llgi_table_line(const llgi_table *t, uint32_t fi, uint64_t addr, const char **file, uint32_t *line) {
  if (fi >= t->nfunc || addr < t->text_start || addr - t->text_start >= t->text_len) return 0;
  const llgi_row *row = row_at(t, &t->funcs[fi], (uint32_t)(addr - t->text_start));
  if (!row) return 0;
  *file = t->strings + row->file;
  *line = row->line;
  return 1;
}

int llgi_table_frames(const llgi_table *t, uint64_t addr, llgi_frame *out, int max) {
  int64_t fi = llgi_table_findfunc(t, addr);
  if (fi < 0) return 0;
  const llgi_func *f = &t->funcs[fi];
  uint32_t off = (uint32_t)(addr - t->text_start);
  uint64_t entry = llgi_table_entry(t, (uint32_t)fi);

  uint32_t node = LLGI_NONE;
  int64_t p = last_at_or_before((const uint8_t *)(t->paints + f->paint_start), f->paint_count, sizeof(llgi_paint), off);
  if (p >= 0) node = t->paints[f->paint_start + p].node;

  /* The innermost frame takes addr's line; each enclosing frame takes the
   * call site recorded on the node it encloses. */
  const llgi_row *row = row_at(t, f, off);
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
