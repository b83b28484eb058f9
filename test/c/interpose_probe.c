/*
 * interpose_probe: the GOT interposer (runtime/src/interpose.c) without Node
 * and without the real sampler. This program links interpose.c with a
 * recording stand-in for llgi_mprof_malloc/free/sampled (every allocation is
 * "sampled"), dlopens a test/fixtures/alloc module, patches it and checks the
 * exact events each wrapper reports: sizes, order (free before malloc on
 * realloc), the first pc (the return address into the module's allocating
 * function), slot values before/after/restore, RELRO protections, and, for the
 * Boehm GC module, frees reported by finalizers.
 *
 *   interpose_probe c|c-lazy|cxx|gc <module.so>
 *
 * Prints "slot <symbol> <JUMP_SLOT|GLOB_DAT> <relro 0|1>" per patched slot,
 * "FAIL <what>" per failed check, and "ok <checks>" when all passed (exit 0).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llgi_interpose.h"
#include "llgi_mprof.h"

/* ---- the recording sampler --------------------------------------------------- */

/* Pointers are kept hidden (complemented, as GC_HIDE_POINTER does): this
 * program's data is a root the Boehm collector scans, and a visible copy
 * would keep every recorded object alive. */
#define HIDE(p) (~(uintptr_t)(p))

typedef struct event {
  char kind; /* 'm' or 'f' */
  uintptr_t hp; /* HIDE(p) */
  size_t size;
  uintptr_t ret; /* [fp+8] for 'm' */
} event;

#define MAX_EVENTS 8192
static event g_ev[MAX_EVENTS];
static int g_nev;
static uintptr_t g_live[MAX_EVENTS];
static int g_nlive;
static int g_unknown_frees;
static int g_recording = 1;

/* The sampler state the wrappers' inline fast paths read (runtime/src/mprof_fast.h),
 * set so that every event reaches the stand-ins below: rate 1 never takes the
 * countdown path, and a live count and filter that are never zero send every
 * free on. */
#include "../../runtime/src/mprof_fast.h"
_Atomic int64_t llgi_mprof_rate_ = 1;
_Atomic uint32_t llgi_mprof_epoch_ = 1;
_Atomic int64_t llgi_mprof_live_ = 1;
_Atomic uint16_t llgi_mprof_filter_[1u << LLGI_MPROF_FILTER_BITS];
__thread llgi_mprof_thread llgi_mprof_thread_;

__attribute__((constructor)) static void fill_filter(void) {
  for (size_t i = 0; i < (1u << LLGI_MPROF_FILTER_BITS); i++) llgi_mprof_filter_[i] = 1;
  /* A sampled pointer is always live here: the free gate stays open, so
   * every free reaches its wrapper (check_gate closes it for a moment). */
  llgi_interpose_watch_frees(1);
}

void llgi_mprof_malloc(void *p, size_t size, uintptr_t fp) {
  if (!g_recording || !p || g_nev == MAX_EVENTS) return;
  g_ev[g_nev++] = (event){'m', HIDE(p), size, ((const uintptr_t *)fp)[1]};
  if (g_nlive < MAX_EVENTS) g_live[g_nlive++] = HIDE(p);
}

static int live_index(uintptr_t p) {
  for (int i = 0; i < g_nlive; i++)
    if (g_live[i] == HIDE(p)) return i;
  return -1;
}

void llgi_mprof_free(void *p) {
  if (!g_recording || !p) return;
  int i = live_index((uintptr_t)p);
  if (i < 0) {
    g_unknown_frees++;
    return;
  }
  g_live[i] = g_live[--g_nlive];
  if (g_nev < MAX_EVENTS) g_ev[g_nev++] = (event){'f', HIDE(p), 0, 0};
}

int llgi_mprof_sampled(const void *p) { return live_index((uintptr_t)p) >= 0; }

/* ---- checks -------------------------------------------------------------------------- */

static int g_checks, g_failed;

#define CHECK(cond, ...)                 \
  do {                                   \
    g_checks++;                          \
    if (!(cond)) {                       \
      g_failed++;                        \
      printf("FAIL line %d: ", __LINE__); \
      printf(__VA_ARGS__);               \
      printf("\n");                      \
    }                                    \
  } while (0)

static void *g_h;

static void *sym(const char *name) {
  void *p = dlsym(g_h, name);
  if (!p) {
    printf("FAIL no symbol %s\n", name);
    exit(1);
  }
  return p;
}

/* The function of the module a return address is in. */
static const char *fn_of(uintptr_t ret) {
  Dl_info di;
  if (!dladdr((void *)(ret - 1), &di) || !di.dli_sname) return "?";
  return di.dli_sname;
}

/* Forgets the events (not the live pointers). */
static void reset(void) {
  g_nev = 0;
  g_unknown_frees = 0;
}

/* The events since reset() are exactly `want` ("m:size:fn" or "f"), in order. */
static void expect(const char *what, const char *const *want, int n) {
  int same = g_nev == n;
  for (int i = 0; same && i < n; i++) {
    char kind = want[i][0];
    if (g_ev[i].kind != kind) {
      same = 0;
      break;
    }
    if (kind == 'm') {
      size_t size = strtoul(want[i] + 2, NULL, 10);
      const char *fn = strchr(want[i] + 2, ':') + 1;
      same = g_ev[i].size == size && strcmp(fn_of(g_ev[i].ret), fn) == 0;
    }
  }
  if (!same) {
    printf("FAIL %s: events", what);
    for (int i = 0; i < g_nev; i++)
      if (g_ev[i].kind == 'm') printf(" m:%zu:%s", g_ev[i].size, fn_of(g_ev[i].ret));
      else printf(" f");
    printf(" want");
    for (int i = 0; i < n; i++) printf(" %s", want[i]);
    printf("\n");
    g_failed++;
  }
  g_checks++;
}
#define EXPECT(what, ...)                                                   \
  do {                                                                      \
    static const char *const w_[] = {__VA_ARGS__};                          \
    expect(what, w_, (int)(sizeof w_ / sizeof *w_));                        \
  } while (0)
#define EXPECT_NONE(what) expect(what, NULL, 0)

/* Current protection of the page holding addr: "r--p" etc., "" when unmapped. */
static void perms_of(uintptr_t addr, char out[5]) {
  out[0] = 0;
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char perms[5];
    if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && addr >= lo && addr < hi) {
      memcpy(out, perms, 5);
      break;
    }
  }
  if (f) fclose(f);
}

static int sym_id(const char *name) {
  for (unsigned i = 0; llgi_interpose_symbol(i); i++)
    if (strcmp(llgi_interpose_symbol(i), name) == 0) return (int)i;
  return -1;
}

static llgi_interpose_state g_st, g_st2;

static int patch(void) {
  struct link_map *lm = NULL;
  dlinfo(g_h, RTLD_DI_LINKMAP, &lm);
  return llgi_interpose_patch(lm->l_addr, lm->l_ld, &g_st);
}

static void print_slots(void) {
  for (uint32_t i = 0; i < g_st.nslots; i++) {
    const llgi_interpose_slot *s = &g_st.slots[i];
    char perms[5];
    perms_of(s->addr, perms);
    printf("slot %s %s %d\n", llgi_interpose_symbol(s->sym), llgi_interpose_kind_name(s->kind), s->relro);
    CHECK(*(uintptr_t *)s->addr == llgi_interpose_wrapper(s->sym), "slot %s holds the wrapper", llgi_interpose_symbol(s->sym));
    /* A RELRO page is back to read-only once patched. */
    if (s->relro) CHECK(perms[1] == '-', "%s slot page is %s after patching, want read-only", llgi_interpose_symbol(s->sym), perms);
  }
}

/* The free gate: a gated slot is a free function's JUMP_SLOT on a writable
 * page; closed, it holds the original; open again, the wrapper. Returns the
 * number of gated slots. */
static int check_gate(void) {
  int gated = 0;
  llgi_interpose_watch_frees(0);
  for (uint32_t i = 0; i < g_st.nslots; i++) {
    const llgi_interpose_slot *s = &g_st.slots[i];
    const char *name = llgi_interpose_symbol(s->sym);
    uintptr_t want = s->gated ? s->orig : llgi_interpose_wrapper(s->sym);
    CHECK(*(uintptr_t *)s->addr == want, "gate closed: slot %s %s holds the %s", name, llgi_interpose_kind_name(s->kind),
          s->gated ? "original" : "wrapper");
    if (!s->gated) continue;
    gated++;
    CHECK(s->kind == LLGI_INTERPOSE_JUMP_SLOT && !s->relro && (!strcmp(name, "free") || !strncmp(name, "_ZdlPv", 6) ||
                                                               !strncmp(name, "_ZdaPv", 6) || !strcmp(name, "GC_free") || !strcmp(name, "GC_debug_free")),
          "gated slot %s is a free function's writable JUMP_SLOT", name);
  }
  llgi_interpose_watch_frees(1);
  for (uint32_t i = 0; i < g_st.nslots; i++)
    CHECK(*(uintptr_t *)g_st.slots[i].addr == llgi_interpose_wrapper(g_st.slots[i].sym), "gate open: slot %s holds the wrapper",
          llgi_interpose_symbol(g_st.slots[i].sym));
  printf("gated %d\n", gated);
  return gated;
}

/* Patch, patch again (idempotent), a second state (finds only wrappers),
 * restore twice. */
static void check_state_rules(int n) {
  struct link_map *lm = NULL;
  dlinfo(g_h, RTLD_DI_LINKMAP, &lm);
  CHECK(llgi_interpose_patch(lm->l_addr, lm->l_ld, &g_st) == n, "patching an active state again returns its slot count");
  memset(&g_st2, 0, sizeof g_st2);
  CHECK(llgi_interpose_patch(lm->l_addr, lm->l_ld, &g_st2) == 0 && g_st2.skipped == (uint32_t)n,
        "a second state patches nothing (skipped %u)", g_st2.skipped);
  CHECK(llgi_interpose_restore(&g_st2) == 0, "restoring the empty second state writes nothing");
  CHECK(llgi_interpose_patch(lm->l_addr + 4096, lm->l_ld, &g_st) == LLGI_INTERPOSE_EBUSY, "an active state refuses another module");
  llgi_interpose_state bad;
  memset(&bad, 0, sizeof bad);
  CHECK(llgi_interpose_patch(lm->l_addr + 4096, lm->l_ld, &bad) == LLGI_INTERPOSE_EINVAL, "no module at that base");
}

static void check_restore(int n) {
  uintptr_t orig[LLGI_INTERPOSE_MAX_SLOTS];
  for (uint32_t i = 0; i < g_st.nslots; i++) orig[i] = g_st.slots[i].orig;
  CHECK(llgi_interpose_restore(&g_st) == n, "restore writes back every slot");
  for (uint32_t i = 0; i < g_st.nslots; i++) {
    char perms[5];
    perms_of(g_st.slots[i].addr, perms);
    CHECK(*(uintptr_t *)g_st.slots[i].addr == orig[i], "slot %s restored", llgi_interpose_symbol(g_st.slots[i].sym));
    if (g_st.slots[i].relro) CHECK(perms[1] == '-', "slot page read-only after restore (%s)", perms);
  }
  CHECK(llgi_interpose_restore(&g_st) == 0, "restore after restore is a no-op");
}

/* ---- the C module ------------------------------------------------------------------- */

/* Every patched slot still holds its wrapper (a lazy PLT stub called by a
 * wrapper would have let _dl_fixup overwrite it). */
static void check_still_patched(const char *when) {
  for (uint32_t i = 0; i < g_st.nslots; i++)
    CHECK(*(uintptr_t *)g_st.slots[i].addr == llgi_interpose_wrapper(g_st.slots[i].sym), "%s: slot %s still holds the wrapper", when,
          llgi_interpose_symbol(g_st.slots[i].sym));
}

/* Slots whose original value was the module's own PLT stub (lazy binding). */
static int stub_slots(void) {
  struct link_map *lm = NULL;
  dlinfo(g_h, RTLD_DI_LINKMAP, &lm);
  int n = 0;
  for (uint32_t i = 0; i < g_st.nslots; i++) {
    Dl_info di;
    if (dladdr((void *)g_st.slots[i].orig, &di) && (uintptr_t)di.dli_fbase == lm->l_addr) n++;
  }
  return n;
}

static void mode_c(int lazy) {
  uintptr_t (*ia_malloc)(size_t) = sym("ia_malloc");
  uintptr_t (*ia_calloc)(size_t, size_t) = sym("ia_calloc");
  uintptr_t (*ia_realloc)(uintptr_t, size_t) = sym("ia_realloc");
  uintptr_t (*ia_reallocarray)(uintptr_t, size_t, size_t) = sym("ia_reallocarray");
  void (*ia_free)(uintptr_t) = sym("ia_free");
  uintptr_t (*ia_posix_memalign)(size_t, size_t) = sym("ia_posix_memalign");
  uintptr_t (*ia_aligned_alloc)(size_t, size_t) = sym("ia_aligned_alloc");
  uintptr_t (*ia_memalign)(size_t, size_t) = sym("ia_memalign");
  uintptr_t (*ia_valloc)(size_t) = sym("ia_valloc");
  uintptr_t (*ia_pvalloc)(size_t) = sym("ia_pvalloc");
  uintptr_t (*ia_strdup)(const char *) = sym("ia_strdup");
  uintptr_t (*ia_strndup)(const char *, size_t) = sym("ia_strndup");
  uintptr_t (*ia_malloc_addr)(void) = sym("ia_malloc_addr");
  uintptr_t (*ia_free_addr)(void) = sym("ia_free_addr");
  uintptr_t (*ia_malloc_via_ptr)(size_t) = sym("ia_malloc_via_ptr");
  int (*ia_malloc_loop)(int, size_t) = sym("ia_malloc_loop");
  int (*ia_roundtrip)(void) = sym("ia_roundtrip");

  uintptr_t malloc0 = ia_malloc_addr(), free0 = ia_free_addr();
  reset();
  int n = patch();
  CHECK(n > 0, "patched %d slots", n);
  print_slots();
  check_gate();
  CHECK(ia_malloc_addr() == llgi_interpose_wrapper((unsigned)sym_id("malloc")), "&malloc in the module is the wrapper");
  CHECK(ia_free_addr() == llgi_interpose_wrapper((unsigned)sym_id("free")), "&free in the module is the wrapper");
  EXPECT_NONE("patching");

  reset();
  uintptr_t p = ia_malloc(100);
  EXPECT("malloc", "m:100:ia_malloc");
  reset();
  uintptr_t c = ia_calloc(10, 12);
  EXPECT("calloc", "m:120:ia_calloc");
  reset();
  p = ia_realloc(p, 5000);
  EXPECT("realloc", "f", "m:5000:ia_realloc");
  reset();
  p = ia_reallocarray(p, 30, 10);
  EXPECT("reallocarray", "f", "m:300:ia_reallocarray");
  reset();
  CHECK(ia_reallocarray(p, SIZE_MAX / 2, 4) == 0, "reallocarray overflow fails");
  EXPECT_NONE("reallocarray overflow");
  reset();
  ia_free(p);
  ia_free(c);
  ia_free(0);
  EXPECT("free", "f", "f");
  reset();
  uintptr_t q = ia_malloc(10);
  CHECK(ia_realloc(q, 0) == 0, "realloc(p, 0) frees");
  EXPECT("realloc to 0", "m:10:ia_malloc", "f");
  reset();
  ia_free(ia_posix_memalign(64, 40));
  ia_free(ia_aligned_alloc(64, 128));
  ia_free(ia_memalign(128, 10));
  ia_free(ia_valloc(10));
  ia_free(ia_pvalloc(10));
  EXPECT("aligned", "m:40:ia_posix_memalign", "f", "m:128:ia_aligned_alloc", "f", "m:10:ia_memalign", "f", "m:10:ia_valloc", "f",
         "m:10:ia_pvalloc", "f");
  reset();
  ia_free(ia_strdup("hello"));
  ia_free(ia_strndup("hello", 3));
  EXPECT("strdup", "m:6:ia_strdup", "f", "m:4:ia_strndup", "f");
  reset();
  ia_free(ia_malloc_via_ptr(32));
  EXPECT("malloc through a pointer taken in code", "m:32:ia_malloc_via_ptr", "f");
  reset();
  CHECK(ia_malloc_loop(3, 16), "loop");
  EXPECT("loop", "m:16:ia_malloc_loop", "m:16:ia_malloc_loop", "m:16:ia_malloc_loop", "f", "f", "f");
  /* A free of memory the module got from elsewhere: passed to the sampler,
   * which does not know it. */
  reset();
  void *foreign = malloc(24);
  ia_free((uintptr_t)foreign);
  EXPECT_NONE("foreign free");
  CHECK(g_unknown_frees == 1, "the foreign free reached the sampler once");
  reset();
  g_nlive = 0;
  CHECK(ia_roundtrip() == 0, "the module's own checks pass while patched");
  CHECK(g_nlive == 0 && g_unknown_frees == 0, "roundtrip frees what it allocates (%d live, %d unknown)", g_nlive, g_unknown_frees);
  check_still_patched("after the roundtrip");
  int stubs = stub_slots();
  printf("info %d slots held lazy PLT stubs\n", stubs);
  if (lazy) CHECK(stubs > 0, "a lazily bound module has unresolved slots");
  else CHECK(stubs == 0, "an RTLD_NOW module has no unresolved slots");

  check_state_rules(n);
  check_restore(n);
  CHECK(ia_malloc_addr() == malloc0 && ia_free_addr() == free0, "&malloc and &free are the originals after restore");
  reset();
  ia_free(ia_malloc(8));
  EXPECT_NONE("after restore");
  CHECK(ia_roundtrip() == 0, "the module's own checks pass after restore");
  /* And once more: a restored state can be patched again. */
  CHECK(patch() == n, "patch after restore");
  reset();
  ia_free(ia_malloc(8));
  EXPECT("patched again", "m:8:ia_malloc", "f");
  CHECK(llgi_interpose_restore(&g_st) == n, "second restore");
}

/* ---- the C++ module ----------------------------------------------------------------- */

static void mode_cxx(void) {
  int (*ix_expressions)(void) = sym("ix_expressions");
  int (*ix_explicit)(void) = sym("ix_explicit");
  int (*ix_bad_alloc)(void) = sym("ix_bad_alloc");
  int (*ix_nothrow_null)(void) = sym("ix_nothrow_null");
  int n = patch();
  CHECK(n >= 20, "patched %d slots (20 operator forms)", n);
  print_slots();
  check_gate();
  reset();
  g_nlive = 0;
  CHECK(ix_expressions() == 1, "new/delete expressions work");
  int m = 0, f = 0;
  for (int i = 0; i < g_nev; i++) m += g_ev[i].kind == 'm', f += g_ev[i].kind == 'f';
  CHECK(m == 4 && f == 4 && g_nlive == 0, "expressions: 4 allocations, 4 frees (got %d, %d)", m, f);
  for (int i = 0; i < g_nev; i++)
    if (g_ev[i].kind == 'm') CHECK(strcmp(fn_of(g_ev[i].ret), "ix_expressions") == 0, "first pc in ix_expressions");
  reset();
  CHECK(ix_explicit() == 1, "every operator form works");
  m = f = 0;
  for (int i = 0; i < g_nev; i++) {
    if (g_ev[i].kind == 'm') {
      m++;
      CHECK(g_ev[i].size == 24 && strcmp(fn_of(g_ev[i].ret), "ix_explicit") == 0, "explicit: m:24:ix_explicit");
    } else {
      f++;
    }
  }
  CHECK(m == 12 && f == 12 && g_nlive == 0, "explicit: 12 allocations, 12 frees (got %d, %d)", m, f);
  reset();
  CHECK(ix_bad_alloc() == 1, "std::bad_alloc unwinds through the wrapper");
  CHECK(ix_nothrow_null() == 1, "nothrow new returns null");
  EXPECT_NONE("failed allocations");
  check_state_rules(n);
  check_restore(n);
  CHECK(ix_explicit() == 1 && ix_bad_alloc() == 1, "works after restore");
}

/* ---- the Boehm GC module ------------------------------------------------------------- */

static void mode_gc(void) {
  void (*ig_init)(void) = sym("ig_init");
  int (*ig_alloc_drop)(int, size_t) = sym("ig_alloc_drop");
  int (*ig_alloc_keep)(int, size_t) = sym("ig_alloc_keep");
  void (*ig_release)(void) = sym("ig_release");
  int (*ig_collect)(void) = sym("ig_collect");
  int (*ig_roundtrip)(void) = sym("ig_roundtrip");
  ig_init();
  int n = patch();
  CHECK(n >= 8, "patched %d slots", n);
  print_slots();
  check_gate();
  reset();
  g_nlive = 0;
  CHECK(ig_roundtrip() == 0, "the module's own checks pass while patched");
  /* GC_malloc 64, GC_realloc (free+malloc), atomic, 2 ignore_off_page, 2
   * uncollectable, debug (+ its free), 2 GC_free of uncollectable, GC_free(a). */
  EXPECT("roundtrip", "m:64:ig_roundtrip", "f", "m:4096:ig_roundtrip", "m:100:ig_roundtrip", "m:65536:ig_roundtrip",
         "m:65536:ig_roundtrip", "m:32:ig_roundtrip", "m:32:ig_roundtrip", "m:48:ig_roundtrip", "f", "f", "f", "f");
  int before = g_nlive;
  ig_collect();
  ig_collect();
  /* The three unreferenced collectable objects left (atomic, two
   * ignore_off_page) are finalized; the explicitly freed ones are not again. */
  CHECK(g_unknown_frees == 0, "no finalizer fired for an explicitly freed object (%d)", g_unknown_frees);
  CHECK(g_nlive < before, "collection reported frees (%d live of %d)", g_nlive, before);

  reset();
  int live0 = g_nlive;
  CHECK(ig_alloc_drop(200, 32), "alloc_drop");
  CHECK(g_nlive == live0 + 200, "200 sampled");
  ig_collect();
  ig_collect();
  printf("info gc: %d of 200 dropped objects still live after two collections\n", g_nlive - live0);
  CHECK(g_nlive - live0 <= 100, "finalizers reported most dropped objects freed (%d still live)", g_nlive - live0);
  reset();
  CHECK(ig_alloc_keep(20, 40), "alloc_keep");
  uintptr_t kept[20]; /* hidden values, the last 20 recorded */
  memcpy(kept, g_live + g_nlive - 20, sizeof kept);
  ig_collect();
  ig_collect();
  int still = 0;
  for (int i = 0; i < 20; i++) still += live_index(HIDE(kept[i])) >= 0; /* kept[] holds hidden values */
  CHECK(still == 20, "kept objects are not reported freed (%d of 20 live)", still);
  ig_release();
  ig_collect();
  ig_collect();
  still = 0;
  for (int i = 0; i < 20; i++) still += live_index(HIDE(kept[i])) >= 0;
  CHECK(still <= 10, "released objects are reported freed (%d of 20 still live)", still);
  CHECK(g_unknown_frees == 0, "no unknown frees (%d)", g_unknown_frees);
  check_state_rules(n);
  check_restore(n);
  reset();
  CHECK(ig_roundtrip() == 0, "works after restore");
  EXPECT_NONE("after restore");
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: interpose_probe c|c-lazy|cxx|gc module.so\n");
    return 2;
  }
  /* c-lazy: the C checks on a lazily bound module, whose unresolved
   * JUMP_SLOTs still hold its own PLT stubs. */
  int lazy = strcmp(argv[1], "c-lazy") == 0;
  g_h = dlopen(argv[2], (lazy ? RTLD_LAZY : RTLD_NOW) | RTLD_LOCAL);
  if (!g_h) {
    printf("FAIL dlopen: %s\n", dlerror());
    return 1;
  }
  if (strcmp(argv[1], "c") == 0 || lazy) mode_c(lazy);
  else if (strcmp(argv[1], "cxx") == 0) mode_cxx();
  else if (strcmp(argv[1], "gc") == 0) mode_gc();
  else return 2;
  if (g_failed) return 1;
  printf("ok %d\n", g_checks);
  return 0;
}
