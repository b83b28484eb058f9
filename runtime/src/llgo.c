/*
 * llgo.c: the LLGI table of a loaded llgo module from its own memory
 * (llgi_llgo.h). Every pointer read from the image is first checked to lie in
 * one of the module's readable segments (llgi_image.h), every string to end
 * in one, every count against llgo's limits (docs/llgo-format.md §2.7) and
 * every ID and ordering before it is trusted (§12.5; every § in this file
 * cites that doc): a module whose tables fail a check gets no table from
 * them.
 */
#include "llgi_llgo.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "llgi_image.h"
#include "llgi_table.h"
#include "llgi_table_write.h"

#define LIMIT (1u << 20)
#define FTB_MAGIC 0x314254464f474c4cull /* "LLGOFTB1" */
#define MET_MAGIC 0x3154454d4f474c4cull /* "LLGOMET1" */

/* Index of the readable segment holding [p, p+n), or -1. */
static int seg_of(const llgi_image *im, uintptr_t p, size_t n) { return llgi_image_segment(im, p, n, LLGI_SEG_R); }

static int readable(const llgi_image *im, uintptr_t p, size_t n) { return p && seg_of(im, p, n) >= 0; }

static int in_exec(const llgi_image *im, uintptr_t p) { return llgi_image_segment(im, p, 1, LLGI_SEG_X); }

/* A NUL-terminated string ending inside the segment it starts in. */
static int cstring_ok(const llgi_image *im, uintptr_t p) {
  int s = seg_of(im, p, 1);
  return s >= 0 && memchr((const void *)p, 0, im->hi[s] - p) != NULL;
}

static uint32_t rd32(uintptr_t p) { uint32_t v; memcpy(&v, (const void *)p, 4); return v; }
static uint64_t rd64(uintptr_t p) { uint64_t v; memcpy(&v, (const void *)p, 8); return v; }

/* The 8-byte value of one of this image's globals (0 and *ok = 0 when absent or not in the image). */
static uint64_t global(void *handle, const llgi_image *im, const char *name, int *ok) {
  uintptr_t p = (uintptr_t)dlsym(handle, name);
  if (!readable(im, p, 8)) {
    *ok = 0;
    return 0;
  }
  *ok = 1;
  return rd64(p);
}

static uint64_t fnv64_join(const char *pkg, const char *local) {
  uint64_t h = 0xcbf29ce484222325ull;
  const char *parts[3] = {pkg, *pkg && *local ? "." : "", local};
  for (int k = 0; k < 3; k++)
    for (const unsigned char *c = (const unsigned char *)parts[k]; *c; c++) h = (h ^ *c) * 0x100000001b3ull;
  return h ? h : 1;
}

/* name == pkg "." local (llgo's join, §2.3). */
static int is_join(const char *name, const char *pkg, const char *local) {
  size_t np = strlen(pkg);
  if (!np) return strcmp(name, local) == 0;
  if (!*local) return strcmp(name, pkg) == 0;
  return strncmp(name, pkg, np) == 0 && name[np] == '.' && strcmp(name + np + 1, local) == 0;
}

typedef struct fn {
  uint64_t entry, size; /* runtime address; size 0 = unknown */
  const char *pkg, *local;
  int64_t rec; /* llgo record index (0-based) or -1 */
  int sym;     /* 1 = from the dynamic symbol table */
} fn;

typedef struct site {
  uint64_t pc;
  uint32_t owner, seq;
  const char *root, *name;
  uint32_t line;
} site;

static int by_entry(const void *a, const void *b) {
  const fn *x = a, *y = b;
  if (x->entry != y->entry) return x->entry < y->entry ? -1 : 1;
  /* At one address an llgo-named function first, then a sized symbol. */
  if ((x->rec >= 0) != (y->rec >= 0)) return x->rec >= 0 ? -1 : 1;
  return x->size > y->size ? -1 : x->size < y->size;
}

static int by_owner_pc(const void *a, const void *b) {
  const site *x = a, *y = b;
  if (x->owner != y->owner) return x->owner < y->owner ? -1 : 1;
  if (x->pc != y->pc) return x->pc < y->pc ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Index of the row whose leading u64 ID is `id` in n rows of `stride` bytes
 * sorted by ID (checked before), or n. */
static size_t find_id(uintptr_t rows, size_t stride, size_t n, uint64_t id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (rd64(rows + stride * m) < id) lo = m + 1;
    else hi = m;
  }
  return lo < n && rd64(rows + stride * lo) == id ? lo : n;
}

/* Last function with entry <= pc, or -1. */
static int64_t owner_of(const fn *f, size_t n, uint64_t pc) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (f[m].entry <= pc) lo = m + 1;
    else hi = m;
  }
  return (int64_t)lo - 1;
}

/* The exported function symbols in the module's text, collected into funcs. */
typedef struct collect {
  const llgi_image *im;
  fn *funcs;
  size_t n, cap;
} collect;

static void add_symbol(void *ctx, uintptr_t addr, uint64_t size, const char *name) {
  collect *c = ctx;
  if (c->n == c->cap || in_exec(c->im, addr) < 0) return;
  c->funcs[c->n++] = (fn){addr, size, NULL, name, -1, 1};
}

#define FAIL(msg) do { *why = (msg); rc = LLGI_LLGO_INVALID; goto out; } while (0)

int llgi_llgo_build(void *handle, uint8_t **table, size_t *size, const char **why) {
  static const char *k_main = "main";
  *why = NULL;
  llgi_image im;
  if (!llgi_image_of_handle(handle, &im)) return LLGI_LLGO_NOT_LLGO;

  int ok = 0;
  uintptr_t recs = (uintptr_t)global(handle, &im, "__llgo_funcinfo_table", &ok);
  if (!ok) return LLGI_LLGO_NOT_LLGO;
  uint64_t count = global(handle, &im, "__llgo_funcinfo_count", &ok);
  if (!ok || count == 0 || !recs) return LLGI_LLGO_NOT_LLGO;

  int rc = LLGI_LLGO_NOMEM;
  fn *funcs = NULL;
  site *sites = NULL;
  llgi_wfunc *wf = NULL;
  llgi_wrow *rows = NULL;
  const char **str = NULL;

  if (count > LIMIT) FAIL("more funcinfo records than llgo's limit (2^20)");
  if (!readable(&im, recs, count * 28)) FAIL("funcinfo records outside the image");
  int ok2 = 0, ok3 = 0;
  uintptr_t pool = (uintptr_t)global(handle, &im, "__llgo_funcinfo_strings", &ok);
  uintptr_t offsets = (uintptr_t)global(handle, &im, "__llgo_funcinfo_string_offsets", &ok2);
  uint64_t nstr = global(handle, &im, "__llgo_funcinfo_string_count", &ok3);
  if (!ok || !ok2 || !ok3) FAIL("funcinfo string globals missing");
  if (nstr < 1 || nstr > 6 * count + 2 * (uint64_t)LIMIT || !readable(&im, offsets, nstr * 4)) FAIL("string offsets outside the image");
  if (rd32(offsets) != 0) FAIL("string 0 is not at pool offset 0");
  str = malloc(nstr * sizeof *str);
  if (!str) goto out;
  for (uint64_t i = 0; i < nstr; i++) {
    uintptr_t p = pool + rd32(offsets + 4 * i);
    if (p < pool || !cstring_ok(&im, p)) FAIL("a funcinfo string does not end inside the image");
    str[i] = (const char *)p;
  }
  if (*str[0]) FAIL("string 0 is not empty");
  for (uint64_t i = 0; i < count * 7; i++)
    if (i % 7 != 6 && rd32(recs + 4 * i) >= nstr) FAIL("a funcinfo record names a string past the string count");
#define RSTR(r, k) str[rd32(recs + 28 * (uintptr_t)(r) + 4 * (k))]

  /* Entry sites: the section bounds, its meta record and the symbol index. */
  int ok4 = 0;
  uintptr_t es = (uintptr_t)global(handle, &im, "__llgo_funcinfo_entry_start", &ok);
  uintptr_t ee = (uintptr_t)global(handle, &im, "__llgo_funcinfo_entry_end", &ok4);
  if (!ok || !ok4 || !es || ee < es || (ee - es) % 16 || !readable(&im, es, ee - es)) FAIL("entry-site section bounds are wrong");
  size_t nrows_e = (ee - es) / 16;
  /* Only llgo's post-link step writes LLGOFTB1, and only into executables, which cannot be loaded (§4.1). */
  if (nrows_e >= 2 && rd64(es) == FTB_MAGIC) FAIL("LLGOFTB1 in a loadable module (llgo writes it only into executables)");
  if (nrows_e > 16 * count + 8 || nrows_e > LIMIT + 8) FAIL("more entry sites than llgo's limits");
  uintptr_t idx = 0;
  uint64_t nidx = 0;
  for (size_t i = 0; i + 2 < nrows_e; i++) {
    uintptr_t r = es + 16 * i;
    if (rd64(r) || rd64(r + 8) != MET_MAGIC) continue;
    uintptr_t pi = (uintptr_t)rd64(r + 16), pc = (uintptr_t)rd64(r + 32);
    if (!readable(&im, pi, 8) || !readable(&im, pc, 8)) FAIL("meta record points outside the image");
    idx = (uintptr_t)rd64(pi);
    nidx = rd64(pc);
    break;
  }
  if (!nidx) FAIL("no symbol index (meta record missing or empty)");
  if (nidx > count || !readable(&im, idx, nidx * 16)) FAIL("symbol index outside the image or larger than the record count");
  for (uint64_t i = 0; i < nidx; i++) {
    uint64_t id = rd64(idx + 16 * i);
    uint32_t fi = rd32(idx + 16 * i + 8);
    if (i && id <= rd64(idx + 16 * (i - 1))) FAIL("symbol index is not sorted");
    if (fi < 1 || fi > count) FAIL("symbol index names a record past the count");
    if (fnv64_join(RSTR(fi - 1, 0), RSTR(fi - 1, 1)) != id) FAIL("symbol index row does not hash to its record's symbol");
  }

  /* Exported function symbols. */
  size_t nsym = llgi_image_functions(&im, NULL, NULL);
  size_t cap = nsym + nrows_e;
  funcs = malloc((cap ? cap : 1) * sizeof *funcs);
  if (!funcs) goto out;
  collect syms = {&im, funcs, 0, nsym};
  if (nsym) llgi_image_functions(&im, add_symbol, &syms);
  size_t n = syms.n;
  qsort(funcs, n, sizeof *funcs, by_entry);
  size_t nsymf = 0;
  for (size_t i = 0; i < n; i++)
    if (!nsymf || funcs[nsymf - 1].entry != funcs[i].entry) funcs[nsymf++] = funcs[i];
  n = nsymf;

  /* llgo's entries: each names the symbol that owns it, or starts a function at its anchor. */
  for (size_t i = 0; i < nrows_e; i++) {
    uintptr_t r = es + 16 * i;
    uint64_t pc = rd64(r), id = rd64(r + 8);
    if (!pc || !id) continue;
    size_t row = find_id(idx, 16, nidx, id);
    if (row == nidx) continue;
    uint32_t fi = rd32(idx + 16 * row + 8);
    if (in_exec(&im, pc) < 0) FAIL("an entry site lies outside the module's text");
    const char *sp = RSTR(fi - 1, 0), *sl = RSTR(fi - 1, 1);
    int64_t o = owner_of(funcs, nsymf, pc);
    if (o >= 0 && (funcs[o].size == 0 || pc < funcs[o].entry + funcs[o].size)) {
      if (!is_join(funcs[o].local, sp, sl) || funcs[o].rec >= 0) continue; /* inline copy, or seen */
      funcs[o].rec = fi - 1;
    } else {
      funcs[n++] = (fn){pc, 0, NULL, NULL, fi - 1, 0};
    }
  }
  qsort(funcs, n, sizeof *funcs, by_entry);
  size_t nf = 0;
  for (size_t i = 0; i < n; i++)
    if (!nf || funcs[nf - 1].entry != funcs[i].entry) funcs[nf++] = funcs[i];
  if (!nf) FAIL("no functions");

  /* Statement sites joined with the pcline records, kept inside their own function. */
  uintptr_t pl = 0, ps = 0, pe = 0;
  uint64_t npl = 0;
  size_t ns = 0;
  pl = (uintptr_t)global(handle, &im, "__llgo_pcline_table", &ok);
  npl = ok ? global(handle, &im, "__llgo_pcline_count", &ok2) : 0;
  if (ok && ok2 && npl && pl) {
    if (npl > LIMIT || npl > 1024 * count || !readable(&im, pl, npl * 24)) FAIL("pcline records outside the image or past llgo's limits");
    for (uint64_t i = 0; i < npl; i++) {
      uintptr_t r = pl + 24 * i;
      uint32_t fi = rd32(r + 8);
      if (!rd64(r) || (i && rd64(r) <= rd64(r - 24))) FAIL("pcline records are not sorted by unique non-zero IDs");
      if (fi < 1 || fi > count || rd32(r + 12) >= nstr || rd32(r + 16) >= nstr) FAIL("a pcline record names a record or string past its count");
    }
    ps = (uintptr_t)global(handle, &im, "__llgo_pcsite_start", &ok);
    pe = (uintptr_t)global(handle, &im, "__llgo_pcsite_end", &ok2);
    if (!ok || !ok2 || !ps || pe < ps || (pe - ps) % 16 || !readable(&im, ps, pe - ps)) FAIL("pcline-site section bounds are wrong");
    if ((pe - ps) / 16 > (1u << 22) + 1) FAIL("more pcline sites than llgo's limit");
    sites = malloc(((pe - ps) / 16 + 1) * sizeof *sites);
    if (!sites) goto out;
    for (uintptr_t r = ps; r < pe; r += 16) {
      uint64_t pc = rd64(r), id = rd64(r + 8);
      if (!pc || !id) continue;
      size_t row = find_id(pl, 24, npl, id);
      if (row == npl) continue;
      uintptr_t rec = pl + 24 * row;
      int64_t o = owner_of(funcs, nf, pc);
      if (o < 0 || funcs[o].rec != (int64_t)rd32(rec + 8) - 1) continue;
      sites[ns] = (site){pc, (uint32_t)o, (uint32_t)ns, str[rd32(rec + 12)], str[rd32(rec + 16)], rd32(rec + 20)};
      ns++;
    }
    qsort(sites, ns, sizeof *sites, by_owner_pc);
  }

  /* Lay out: names, sizes, rows. */
  wf = calloc(nf, sizeof *wf);
  rows = malloc((nf + ns + 1) * sizeof *rows);
  if (!wf || !rows) goto out;
  uint64_t text_start = funcs[0].entry;
  const fn *last = &funcs[nf - 1];
  uint64_t text_end = last->size ? last->entry + last->size : im.hi[in_exec(&im, last->entry)];
  uint32_t nr = 0;
  size_t si = 0;
  for (size_t i = 0; i < nf; i++) {
    const fn *f = &funcs[i];
    uint64_t next = i + 1 < nf ? funcs[i + 1].entry : text_end;
    llgi_wfunc *w = &wf[i];
    w->entry = f->entry - im.base;
    w->flags = f->sym ? LLGI_FUNC_SYMTAB : 0;
    if (f->size) {
      w->flags |= LLGI_FUNC_SIZED;
      w->size = (uint32_t)(f->size < next - f->entry ? f->size : next - f->entry);
    }
    w->row_start = nr;
    if (f->rec < 0) {
      w->local = f->local;
      continue;
    }
    const char *np = RSTR(f->rec, 2), *nl = RSTR(f->rec, 3);
    if (!*np && !*nl) np = RSTR(f->rec, 0), nl = RSTR(f->rec, 1);
    /* §8.3's public name: command-line-arguments. -> main.; one leading '_' dropped. */
    if (strcmp(np, "command-line-arguments") == 0) np = k_main;
    if (*np == '_') np++;
    else if (!*np && *nl == '_') nl++;
    w->pkg = np;
    w->local = nl;
    w->flags |= LLGI_FUNC_LLGO_NAME | LLGI_FUNC_LLGO_LINES;
    const char *froot = RSTR(f->rec, 4), *fname = RSTR(f->rec, 5);
    uint32_t fline = rd32(recs + 28 * (uintptr_t)f->rec + 24);
    int nofile = !*froot && !*fname;
    rows[nr++] = (llgi_wrow){w->entry, nofile ? NULL : froot, nofile ? NULL : fname, fline};
    while (si < ns && sites[si].owner < i) si++;
    for (; si < ns && sites[si].owner == i; si++) {
      const site *s = &sites[si];
      if (s->pc >= next) continue;
      int own = *s->root || *s->name;
      llgi_wrow r = {s->pc - im.base, own ? s->root : froot, own ? s->name : fname, s->line ? s->line : fline};
      if (!own && nofile) r.root = r.name = NULL;
      llgi_wrow *prev = &rows[nr - 1];
      if (prev->addr == r.addr) *prev = r; /* equal pcs: the later site wins (§5.2) */
      else rows[nr++] = r;
      if (nr >= w->row_start + 2 && rows[nr - 1].root == rows[nr - 2].root && rows[nr - 1].name == rows[nr - 2].name && rows[nr - 1].line == rows[nr - 2].line) nr--;
    }
    w->row_count = nr - w->row_start;
  }
  int w = llgi_table_write(text_start - im.base, text_end - im.base, wf, (uint32_t)nf, rows, nr, table, size);
  if (w == -1) FAIL("the module's functions do not fit an LLGI table");
  rc = w == 0 ? LLGI_LLGO_BUILT : LLGI_LLGO_NOMEM;
out:
  free(str);
  free(funcs);
  free(sites);
  free(wf);
  free(rows);
  return rc;
}
