/*
 * interpose.c: allocation interposition on a loaded module's GOT
 * (llgi_interpose.h; the method and its pitfalls are in
 * docs/interposition.md).
 *
 * A patch lists the module's import slots (gotslots.h; Linux: the JUMP_SLOT
 * and GLOB_DAT relocations of DT_JMPREL and DT_RELA), keeps those of the
 * listed names, and swaps each slot to the name's wrapper with one atomic
 * compare-and-swap, making a read-only (RELRO) page writable for it
 * (llgi_protect; Linux: mprotect). The wrappers live here, in the addon, for
 * the life of the process: a call that entered one before a restore
 * finishes normally.
 */
#define _GNU_SOURCE /* dladdr, RTLD_DEFAULT */
#include "llgi_interpose.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gotslots.h"
#include "llgi_image.h"
#include "llgi_mprof.h"
#include "mprof_fast.h"
#include "procmaps.h"
#include "wrapsection.h"

/* The sampler's "is p a remembered sample" (needed only for the Boehm GC
 * finalizers; without it GC collections are simply not counted as frees). */
extern int llgi_mprof_sampled(const void *p) __attribute__((weak));

/* ---- the interposed names ------------------------------------------------------ */

/* Every name, once. The C++ ones are the operator new/delete forms
 * libstdc++ exports (size_t = unsigned long, 'm', on both architectures). */
#define LLGI_INTERPOSED(X)                                                                        \
  X(malloc) X(calloc) X(realloc) X(reallocarray) X(free) X(posix_memalign) X(aligned_alloc)       \
  X(memalign) X(valloc) X(pvalloc) X(strdup) X(strndup)                                           \
  X(_Znwm) X(_Znam) X(_ZnwmRKSt9nothrow_t) X(_ZnamRKSt9nothrow_t)                                 \
  X(_ZnwmSt11align_val_t) X(_ZnamSt11align_val_t)                                                 \
  X(_ZnwmSt11align_val_tRKSt9nothrow_t) X(_ZnamSt11align_val_tRKSt9nothrow_t)                     \
  X(_ZdlPv) X(_ZdaPv) X(_ZdlPvm) X(_ZdaPvm) X(_ZdlPvRKSt9nothrow_t) X(_ZdaPvRKSt9nothrow_t)       \
  X(_ZdlPvSt11align_val_t) X(_ZdaPvSt11align_val_t) X(_ZdlPvmSt11align_val_t)                     \
  X(_ZdaPvmSt11align_val_t) X(_ZdlPvSt11align_val_tRKSt9nothrow_t)                                \
  X(_ZdaPvSt11align_val_tRKSt9nothrow_t)                                                          \
  X(GC_malloc) X(GC_malloc_atomic) X(GC_malloc_ignore_off_page)                                   \
  X(GC_malloc_atomic_ignore_off_page) X(GC_malloc_uncollectable) X(GC_malloc_atomic_uncollectable) \
  X(GC_realloc) X(GC_free)                                                                        \
  X(GC_debug_malloc) X(GC_debug_malloc_atomic) X(GC_debug_malloc_ignore_off_page)                 \
  X(GC_debug_malloc_atomic_ignore_off_page) X(GC_debug_malloc_uncollectable)                      \
  X(GC_debug_malloc_atomic_uncollectable) X(GC_debug_realloc) X(GC_debug_free)

enum {
#define X(n) S_##n,
  LLGI_INTERPOSED(X)
#undef X
  NSYM
};

static const char *const g_names[NSYM] = {
#define X(n) #n,
    LLGI_INTERPOSED(X)
#undef X
};

/*
 * The real function of each name, shared by every module: 0 until the first
 * patch that meets the name resolves it, then never changed again (the
 * defining object is pinned, so the address stays valid). Written under
 * g_mu before any slot points at the wrapper that reads it.
 */
static _Atomic uintptr_t g_real[NSYM];

/* libgc's finalizer registration ([0] GC_register_finalizer_no_order,
 * [1] GC_debug_register_finalizer_no_order), from the object that defines
 * the GC allocators; 0 when absent. Written once, under g_mu. */
static _Atomic uintptr_t g_gc_register[2];

/* Serialises patch and restore, and the first resolution of g_real and
 * g_gc_register. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- wrappers --------------------------------------------------------------------- */

#define REAL(n, type) ((type)atomic_load_explicit(&g_real[S_##n], memory_order_relaxed))
/* The wrapper's own frame record: [fp+8] is the return address into the
 * module's allocating function, the first pc of the sample's stack. */
#define FP() ((uintptr_t)__builtin_frame_address(0))
/* Keeps the real call out of tail position (and the wrapper's frame alive). */
#define NO_TAIL() __asm__ __volatile__("" ::: "memory")
/* Every wrapper lives in one section (the platform's wrapsection.h), so a
 * report can tell a wrapper's frame from the module's (MODULE_FP). */
#define WRAPPER static __attribute__((noinline, used)) LLGI_WRAP_SECTION
/* The frame record whose return address is the module's call site: this
 * function's own, unless a wrapper called it rather than jumped to it (the
 * compiler decides; -fno-optimize-sibling-calls builds always call), then the
 * first record above the wrappers. A macro: the frame must be the caller's. */
#define MODULE_FP()                                                                        \
  ({                                                                                       \
    uintptr_t fp_ = FP();                                                                  \
    while (((uintptr_t *)fp_)[1] - (uintptr_t)LLGI_WRAP_START <                            \
           (uintptr_t)(LLGI_WRAP_END - LLGI_WRAP_START))                                   \
      fp_ = ((uintptr_t *)fp_)[0];                                                         \
    fp_;                                                                                   \
  })

/* The sampler's fast paths are inline (mprof_fast.h): an allocation that is
 * not sampled costs a few loads here, and leaves errno alone. */
static inline void report_alloc(void *p, size_t size, uintptr_t fp) { llgi_mprof_malloc_fast(p, size, fp); }

static inline void report_free(void *p) { llgi_mprof_free_fast(p); }

/* Boehm GC: a sampled collectable object gets a no-order finalizer whose run
 * counts as its free (llgi_interpose.h). */
typedef void (*gc_finalizer_fn)(void *obj, void *cd);
typedef void (*gc_register_fn)(void *obj, gc_finalizer_fn fn, void *cd, gc_finalizer_fn *ofn, void **ocd);

static void gc_finalizer(void *obj, void *cd) {
  (void)cd;
  llgi_mprof_free(obj);
}

static inline int gc_sampled(void *p) { return p && llgi_mprof_sampled && llgi_mprof_sampled(p); }

static inline gc_register_fn gc_register(int debug) {
  return (gc_register_fn)atomic_load_explicit(&g_gc_register[debug], memory_order_relaxed);
}

/* After reporting a GC allocation: watch it when it was sampled. */
static void gc_watch(void *p, int debug) {
  gc_register_fn reg = gc_register(debug);
  if (!reg || !gc_sampled(p)) return;
  int e = errno;
  reg(p, gc_finalizer, NULL, NULL, NULL);
  errno = e;
}

/* Before GC_free/GC_realloc of a sampled object: take our finalizer off (the
 * freed memory would otherwise keep it). A finalizer the module registered
 * meanwhile is not ours and is put back. */
static void gc_unwatch(void *p, int debug) {
  gc_register_fn reg = gc_register(debug);
  if (!reg || !gc_sampled(p)) return;
  gc_finalizer_fn ofn = NULL;
  void *ocd = NULL;
  reg(p, NULL, NULL, &ofn, &ocd);
  if (ofn && ofn != gc_finalizer) reg(p, ofn, ocd, NULL, NULL);
}

/* size -> pointer */
/* The hottest wrappers (malloc, operator new, free, delete) decide first and
 * end in a call to either the real function or their slow half, both in tail
 * position: with sibling calls (the addon's -O3) the wrapper is two jumps and
 * sets up no frame at all. The slow half reports from MODULE_FP, so the
 * sample's stack starts at the module's call site whatever the compiler did. */
#define ALLOC1(n)                                                               \
  WRAPPER void *w_##n##_slow(size_t size) {                                     \
    void *p = REAL(n, void *(*)(size_t))(size);                                 \
    report_alloc(p, size, MODULE_FP());                                         \
    NO_TAIL();                                                                  \
    return p;                                                                   \
  }                                                                             \
  WRAPPER void *w_##n(size_t size) {                                            \
    if (llgi_mprof_alloc_skips(size)) return REAL(n, void *(*)(size_t))(size);  \
    return w_##n##_slow(size);                                                  \
  }
/* (size, const std::nothrow_t&) */
#define ALLOC_NT(n)                                                 \
  WRAPPER void *w_##n(size_t size, const void *nt) {                \
    void *p = REAL(n, void *(*)(size_t, const void *))(size, nt);   \
    report_alloc(p, size, FP());                                    \
    NO_TAIL();                                                      \
    return p;                                                       \
  }
/* (size, std::align_val_t) */
#define ALLOC_AL(n)                                             \
  WRAPPER void *w_##n(size_t size, size_t al) {                 \
    void *p = REAL(n, void *(*)(size_t, size_t))(size, al);     \
    report_alloc(p, size, FP());                                \
    NO_TAIL();                                                  \
    return p;                                                   \
  }
/* (size, std::align_val_t, const std::nothrow_t&) */
#define ALLOC_AL_NT(n)                                                          \
  WRAPPER void *w_##n(size_t size, size_t al, const void *nt) {                 \
    void *p = REAL(n, void *(*)(size_t, size_t, const void *))(size, al, nt);   \
    report_alloc(p, size, FP());                                                \
    NO_TAIL();                                                                  \
    return p;                                                                   \
  }
/* (alignment, size): aligned_alloc, memalign */
#define ALLOC_ALIGN_FIRST(n)                                    \
  WRAPPER void *w_##n(size_t al, size_t size) {                 \
    void *p = REAL(n, void *(*)(size_t, size_t))(al, size);     \
    report_alloc(p, size, FP());                                \
    NO_TAIL();                                                  \
    return p;                                                   \
  }
/* Frees report before the real call. The hot ones (free, delete) go straight
 * to it when p cannot have been sampled. `params` and `args` are the
 * parenthesised parameter and argument lists, `type` the real function's. */
#define FREE_HOT(n, params, args, type)   \
  WRAPPER void w_##n params {             \
    if (llgi_mprof_free_skips(p)) {       \
      REAL(n, type) args;                 \
      return;                             \
    }                                     \
    report_free(p);                       \
    REAL(n, type) args;                   \
    NO_TAIL();                            \
  }
/* (p) */
#define FREE1(n) FREE_HOT(n, (void *p), (p), void (*)(void *))
/* (p, size_t): sized delete, aligned delete */
#define FREE_Z(n) FREE_HOT(n, (void *p, size_t a), (p, a), void (*)(void *, size_t))
/* (p, const std::nothrow_t&) */
#define FREE_NT(n)                                    \
  WRAPPER void w_##n(void *p, const void *nt) {       \
    report_free(p);                                   \
    REAL(n, void (*)(void *, const void *))(p, nt);   \
    NO_TAIL();                                        \
  }
/* (p, size, std::align_val_t) */
#define FREE_Z_AL(n)                                          \
  WRAPPER void w_##n(void *p, size_t size, size_t al) {       \
    report_free(p);                                           \
    REAL(n, void (*)(void *, size_t, size_t))(p, size, al);   \
    NO_TAIL();                                                \
  }
/* (p, std::align_val_t, const std::nothrow_t&) */
#define FREE_AL_NT(n)                                                 \
  WRAPPER void w_##n(void *p, size_t al, const void *nt) {            \
    report_free(p);                                                   \
    REAL(n, void (*)(void *, size_t, const void *))(p, al, nt);       \
    NO_TAIL();                                                        \
  }

ALLOC1(malloc)
ALLOC1(valloc)
ALLOC1(pvalloc)
ALLOC_ALIGN_FIRST(aligned_alloc)
ALLOC_ALIGN_FIRST(memalign)
FREE1(free)

WRAPPER void *w_calloc(size_t n, size_t m) {
  void *p = REAL(calloc, void *(*)(size_t, size_t))(n, m);
  size_t size;
  if (__builtin_mul_overflow(n, m, &size)) size = 0; /* p is NULL then */
  report_alloc(p, size, FP());
  NO_TAIL();
  return p;
}

/* realloc(old, 0) frees old and returns NULL (glibc): the free event alone. */
WRAPPER void *w_realloc(void *old, size_t size) {
  report_free(old);
  void *p = REAL(realloc, void *(*)(void *, size_t))(old, size);
  report_alloc(p, size, FP());
  NO_TAIL();
  return p;
}

WRAPPER void *w_reallocarray(void *old, size_t n, size_t m) {
  size_t size;
  int overflow = __builtin_mul_overflow(n, m, &size);
  if (!overflow) report_free(old); /* on overflow the call fails and old stays */
  void *p = REAL(reallocarray, void *(*)(void *, size_t, size_t))(old, n, m);
  if (!overflow) report_alloc(p, size, FP());
  NO_TAIL();
  return p;
}

WRAPPER int w_posix_memalign(void **out, size_t al, size_t size) {
  int r = REAL(posix_memalign, int (*)(void **, size_t, size_t))(out, al, size);
  if (r == 0) report_alloc(*out, size, FP());
  NO_TAIL();
  return r;
}

WRAPPER char *w_strdup(const char *s) {
  char *p = REAL(strdup, char *(*)(const char *))(s);
  if (p) report_alloc(p, strlen(p) + 1, FP());
  NO_TAIL();
  return p;
}

WRAPPER char *w_strndup(const char *s, size_t n) {
  char *p = REAL(strndup, char *(*)(const char *, size_t))(s, n);
  if (p) report_alloc(p, strlen(p) + 1, FP());
  NO_TAIL();
  return p;
}

ALLOC1(_Znwm)
ALLOC1(_Znam)
ALLOC_NT(_ZnwmRKSt9nothrow_t)
ALLOC_NT(_ZnamRKSt9nothrow_t)
ALLOC_AL(_ZnwmSt11align_val_t)
ALLOC_AL(_ZnamSt11align_val_t)
ALLOC_AL_NT(_ZnwmSt11align_val_tRKSt9nothrow_t)
ALLOC_AL_NT(_ZnamSt11align_val_tRKSt9nothrow_t)
FREE1(_ZdlPv)
FREE1(_ZdaPv)
FREE_Z(_ZdlPvm)
FREE_Z(_ZdaPvm)
FREE_NT(_ZdlPvRKSt9nothrow_t)
FREE_NT(_ZdaPvRKSt9nothrow_t)
FREE_Z(_ZdlPvSt11align_val_t)
FREE_Z(_ZdaPvSt11align_val_t)
FREE_Z_AL(_ZdlPvmSt11align_val_t)
FREE_Z_AL(_ZdaPvmSt11align_val_t)
FREE_AL_NT(_ZdlPvSt11align_val_tRKSt9nothrow_t)
FREE_AL_NT(_ZdaPvSt11align_val_tRKSt9nothrow_t)

/* Boehm GC. `collectable`: gets a finalizer when sampled (uncollectable
 * objects are only ever freed by GC_free). */
#define GC_ALLOC(n, collectable)                      \
  WRAPPER void *w_##n(size_t size) {                  \
    void *p = REAL(n, void *(*)(size_t))(size);       \
    report_alloc(p, size, FP());                      \
    if (collectable) gc_watch(p, 0);                  \
    NO_TAIL();                                        \
    return p;                                         \
  }
/* GC_debug_*(size, GC_EXTRA_PARAMS = const char *file, int line) */
#define GC_DEBUG_ALLOC(n, collectable)                                        \
  WRAPPER void *w_##n(size_t size, const char *s, int i) {                    \
    void *p = REAL(n, void *(*)(size_t, const char *, int))(size, s, i);      \
    report_alloc(p, size, FP());                                              \
    if (collectable) gc_watch(p, 1);                                          \
    NO_TAIL();                                                                \
    return p;                                                                 \
  }

GC_ALLOC(GC_malloc, 1)
GC_ALLOC(GC_malloc_atomic, 1)
GC_ALLOC(GC_malloc_ignore_off_page, 1)
GC_ALLOC(GC_malloc_atomic_ignore_off_page, 1)
GC_ALLOC(GC_malloc_uncollectable, 0)
GC_ALLOC(GC_malloc_atomic_uncollectable, 0)
GC_DEBUG_ALLOC(GC_debug_malloc, 1)
GC_DEBUG_ALLOC(GC_debug_malloc_atomic, 1)
GC_DEBUG_ALLOC(GC_debug_malloc_ignore_off_page, 1)
GC_DEBUG_ALLOC(GC_debug_malloc_atomic_ignore_off_page, 1)
GC_DEBUG_ALLOC(GC_debug_malloc_uncollectable, 0)
GC_DEBUG_ALLOC(GC_debug_malloc_atomic_uncollectable, 0)

/* GC_realloc(old, 0) frees old (libgc); a moved block's old copy is freed
 * inside libgc, out of our sight, hence the unwatch before the call. */
WRAPPER void *w_GC_realloc(void *old, size_t size) {
  gc_unwatch(old, 0);
  report_free(old);
  void *p = REAL(GC_realloc, void *(*)(void *, size_t))(old, size);
  report_alloc(p, size, FP());
  gc_watch(p, 0);
  NO_TAIL();
  return p;
}

WRAPPER void *w_GC_debug_realloc(void *old, size_t size, const char *s, int i) {
  gc_unwatch(old, 1);
  report_free(old);
  void *p = REAL(GC_debug_realloc, void *(*)(void *, size_t, const char *, int))(old, size, s, i);
  report_alloc(p, size, FP());
  gc_watch(p, 1);
  NO_TAIL();
  return p;
}

WRAPPER void w_GC_free(void *p) {
  gc_unwatch(p, 0);
  report_free(p);
  REAL(GC_free, void (*)(void *))(p);
  NO_TAIL();
}

WRAPPER void w_GC_debug_free(void *p) {
  gc_unwatch(p, 1);
  report_free(p);
  REAL(GC_debug_free, void (*)(void *))(p);
  NO_TAIL();
}

static const uintptr_t g_wrappers[NSYM] = {
#define X(n) (uintptr_t)&w_##n,
    LLGI_INTERPOSED(X)
#undef X
};

static int is_gc_name(int id) { return id >= S_GC_malloc; }
static int is_gc_debug_name(int id) { return id >= S_GC_debug_malloc; }

/* ---- the module -------------------------------------------------------------------- */

/* [a, a+n) inside one of the module's loaded segments. */
static int in_module(const llgi_image *m, uintptr_t a, size_t n) { return llgi_image_segment(m, a, n, 0) >= 0; }

static int lookup_name(const char *name) {
  /* Cheap reject: every listed name starts with one of these. */
  switch (name[0]) {
    case 'm': case 'c': case 'r': case 'f': case 'p': case 'a': case 'v': case 's': case '_': case 'G':
      break;
    default:
      return -1;
  }
  for (int i = 0; i < NSYM; i++)
    if (strcmp(name, g_names[i]) == 0) return i;
  return -1;
}

static int is_wrapper(uintptr_t v) {
  for (int i = 0; i < NSYM; i++)
    if (g_wrappers[i] == v) return 1;
  return 0;
}

/* Keeps the object holding `v` loaded for good; returns a dlopen handle of it
 * (RTLD_DEFAULT when it has none: the main program, never unloaded). */
static void *pin(uintptr_t v) {
  Dl_info di;
  if (!dladdr((void *)v, &di) || !di.dli_fname || !di.dli_fname[0]) return RTLD_DEFAULT;
  void *h = dlopen(di.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  return h ? h : RTLD_DEFAULT;
}

/*
 * The function a wrapper must call for a slot of `id` holding `v`, or 0 to
 * leave the slot alone. Called under g_mu.
 */
static uintptr_t resolve(int id, uintptr_t v, const llgi_image *m) {
  const char *name = g_names[id];
  uintptr_t target = v;
  if (!v) return 0;
  if (in_module(m, v, 1) && !llgi_defines(v, name, NULL)) {
    /* Still the module's lazy PLT stub: calling it would let _dl_fixup
     * overwrite the patched slot. */
    target = (uintptr_t)dlsym(RTLD_DEFAULT, name);
    if (!target) return 0;
  }
  uintptr_t cur = atomic_load_explicit(&g_real[id], memory_order_relaxed);
  if (!cur) {
    void *h = pin(target);
    if (is_gc_name(id)) {
      int debug = is_gc_debug_name(id);
      if (!atomic_load_explicit(&g_gc_register[debug], memory_order_relaxed)) {
        void *reg = dlsym(h, debug ? "GC_debug_register_finalizer_no_order" : "GC_register_finalizer_no_order");
        atomic_store_explicit(&g_gc_register[debug], (uintptr_t)reg, memory_order_relaxed);
      }
    }
    atomic_store_explicit(&g_real[id], target, memory_order_release);
    return target;
  }
  if (target == cur) return cur;
  /* Two definitions of the name in different objects: the wrapper would
   * hand this module's pointers to the other allocator. (A canonical PLT
   * address, such as node's own `malloc`, is not a definition and passes.) */
  void *a = NULL, *b = NULL;
  if (llgi_defines(target, name, &a) && llgi_defines(cur, name, &b) && a != b) return 0;
  return cur;
}

/* ---- the free gate ------------------------------------------------------------------ */

/*
 * A free can only report something while a sampled pointer is live. Until
 * then, a module's PLT slots of the free functions (JUMP_SLOT, on a page
 * that is writable anyway) hold the real function, and the sampler puts the
 * wrappers back before its first sample escapes to the caller
 * (llgi_interpose_watch_frees): a pointer that was sampled is always freed
 * through a wrapper. GLOB_DAT slots stay wrapped: their value may have been
 * copied (&free). docs/interposition.md, "The free gate".
 */
typedef struct gate_slot {
  uintptr_t addr, wrapper, real;
  const llgi_interpose_state *owner;
} gate_slot;

#define GATE_MAX 1024
static gate_slot g_gate[GATE_MAX];
static uint32_t g_ngate;
static int g_watching; /* the gated slots hold their wrappers */
/* Guards the three above. Taken under the sampler's lock (watch) and under
 * g_mu (patch, restore); nothing is called while it is held. */
static pthread_mutex_t g_gate_mu = PTHREAD_MUTEX_INITIALIZER;

static int is_free_name(int id) {
  switch (id) {
    case S_free: case S__ZdlPv: case S__ZdaPv: case S__ZdlPvm: case S__ZdaPvm:
    case S__ZdlPvRKSt9nothrow_t: case S__ZdaPvRKSt9nothrow_t:
    case S__ZdlPvSt11align_val_t: case S__ZdaPvSt11align_val_t:
    case S__ZdlPvmSt11align_val_t: case S__ZdaPvmSt11align_val_t:
    case S__ZdlPvSt11align_val_tRKSt9nothrow_t: case S__ZdaPvSt11align_val_tRKSt9nothrow_t:
    case S_GC_free: case S_GC_debug_free:
      return 1;
    default:
      return 0;
  }
}

/* Swaps one gated slot from `from` to `to` (a slot holding anything else is
 * left alone). The slot's page is mapped: its state is restored, and so
 * taken off the gate, before its module is closed (llgi_interpose.h). No
 * system call here: one per toggle cost more than the toggle saves. */
static void gate_swap(uintptr_t addr, uintptr_t from, uintptr_t to) {
  __atomic_compare_exchange_n((uintptr_t *)addr, &from, to, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

void llgi_interpose_watch_frees(int on) {
  pthread_mutex_lock(&g_gate_mu);
  if (g_watching != !!on) {
    g_watching = !!on;
    for (uint32_t i = 0; i < g_ngate; i++) {
      const gate_slot *g = &g_gate[i];
      if (on) gate_swap(g->addr, g->real, g->wrapper);
      else gate_swap(g->addr, g->wrapper, g->real);
    }
  }
  pthread_mutex_unlock(&g_gate_mu);
}

/* Gates st's eligible slots of module m, just patched (they hold their
 * wrappers), and closes them at once unless a sampled pointer is live.
 * Called under g_mu. */
static void gate_add(llgi_interpose_state *st, const llgi_image *m) {
  pthread_mutex_lock(&g_gate_mu);
  for (uint32_t i = 0; i < st->nslots && g_ngate < GATE_MAX; i++) {
    llgi_interpose_slot *s = &st->slots[i];
    /* The slot's own value is the function (resolve() accepted it), unless it
     * is the module's lazy PLT stub: written back, that would let _dl_fixup
     * replace it, and the gate could not open again. */
    if (s->kind != LLGI_INTERPOSE_JUMP_SLOT || s->relro || !is_free_name(s->sym) || in_module(m, s->orig, 1)) continue;
    g_gate[g_ngate++] = (gate_slot){s->addr, g_wrappers[s->sym], s->orig, st};
    s->gated = 1;
    if (!g_watching) gate_swap(s->addr, g_wrappers[s->sym], s->orig);
  }
  pthread_mutex_unlock(&g_gate_mu);
}

/* Takes st's slots off the gate: from now on only patch and restore write
 * them. Called under g_mu. */
static void gate_remove(const llgi_interpose_state *st) {
  pthread_mutex_lock(&g_gate_mu);
  uint32_t k = 0;
  for (uint32_t i = 0; i < g_ngate; i++)
    if (g_gate[i].owner != st) g_gate[k++] = g_gate[i];
  g_ngate = k;
  pthread_mutex_unlock(&g_gate_mu);
}

/* The value a patched slot holds while its state is in force. */
static int slot_held(const llgi_interpose_slot *s, uintptr_t v) {
  return v == g_wrappers[s->sym] || (s->gated && v == s->orig);
}

/* ---- page protection ------------------------------------------------------------- */

/* The pages whose protections one scan of the mappings looks up. */
typedef struct page_prots {
  const uintptr_t *page;
  int *prot;
  int n;
} page_prots;

static int page_prot(const llgi_maps_line *l, void *ctx) {
  page_prots *pp = ctx;
  int p = (l->perms[0] == 'r' ? PROT_READ : 0) | (l->perms[1] == 'w' ? PROT_WRITE : 0) | (l->perms[2] == 'x' ? PROT_EXEC : 0);
  for (int i = 0; i < pp->n; i++)
    if (pp->page[i] >= l->lo && pp->page[i] < l->hi) pp->prot[i] = p;
  return 0;
}

/* Fills prot[i] with the protection of the mapping holding page[i] (PROT_*),
 * or -1 when no mapping holds it. Returns 0 when the mappings cannot be
 * read (procmaps.h: no allocation). */
static int maps_prot(const uintptr_t *page, int *prot, int n) {
  for (int i = 0; i < n; i++) prot[i] = -1;
  page_prots pp = {page, prot, n};
  return llgi_maps_scan(page_prot, &pp) >= 0;
}

/*
 * Swaps every listed slot from `from(slot)` to `to(slot)` by compare-and-swap,
 * page by page, making read-only pages writable only for their stores.
 * `done[i]` is set for the slots that were swapped (restoring: also for a
 * gated slot that already holds its original). Returns 0, or
 * LLGI_INTERPOSE_EPROT when a page could not be made writable (its slots are
 * left unswapped; later pages are still processed).
 */
static int swap_slots(llgi_interpose_slot *slots, uint32_t n, int restoring, const llgi_image *m, uint8_t *done) {
  static uintptr_t pages[LLGI_INTERPOSE_MAX_SLOTS]; /* under g_mu */
  static int prots[LLGI_INTERPOSE_MAX_SLOTS];
  long ps = sysconf(_SC_PAGESIZE);
  uintptr_t pmask = ~(uintptr_t)((ps > 0 ? ps : 4096) - 1);
  int np = 0;
  for (uint32_t i = 0; i < n; i++) {
    uintptr_t pg = slots[i].addr & pmask;
    int seen = 0;
    for (int k = 0; k < np && !seen; k++) seen = pages[k] == pg;
    if (!seen) pages[np++] = pg;
  }
  if (!maps_prot(pages, prots, np)) {
    /* No mappings: the module's RELRO segment is what the loader made read-only
     * (when restoring: what the patch found). */
    for (int k = 0; k < np; k++) {
      int ro = 0;
      if (m) ro = pages[k] >= (m->relro_lo & pmask) && pages[k] < m->relro_hi;
      else
        for (uint32_t i = 0; i < n; i++)
          if ((slots[i].addr & pmask) == pages[k]) ro |= slots[i].relro;
      prots[k] = ro ? PROT_READ : PROT_READ | PROT_WRITE;
    }
  }
  int rc = 0;
  for (int k = 0; k < np; k++) {
    int prot = prots[k];
    if (prot < 0) continue; /* unmapped: the module is gone, nothing to write */
    int ro = !(prot & PROT_WRITE);
    if (ro && llgi_protect(pages[k], (size_t)~pmask + 1, prot | PROT_WRITE) != 0) {
      rc = LLGI_INTERPOSE_EPROT;
      continue;
    }
    for (uint32_t i = 0; i < n; i++) {
      if ((slots[i].addr & pmask) != pages[k]) continue;
      uintptr_t expect = restoring ? g_wrappers[slots[i].sym] : slots[i].orig;
      uintptr_t want = restoring ? slots[i].orig : g_wrappers[slots[i].sym];
      if (__atomic_compare_exchange_n((uintptr_t *)slots[i].addr, &expect, want, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        done[i] = 1;
      else if (restoring && slots[i].gated && expect == slots[i].orig)
        done[i] = 1; /* a closed free gate already put the original back */
      if (!restoring) slots[i].relro = (uint8_t)ro;
    }
    if (ro) llgi_protect(pages[k], (size_t)~pmask + 1, prot);
  }
  return rc;
}

/* ---- patch / restore ------------------------------------------------------------- */

/* One import slot seen by a patch: kept when it binds a listed name to a
 * real function, counted as skipped when it cannot be patched. */
typedef struct taking {
  const llgi_image *m;
  llgi_interpose_state *st;
} taking;

static void take(void *ctx, const llgi_import *imp) {
  taking *c = ctx;
  llgi_interpose_state *st = c->st;
  int id = lookup_name(imp->name);
  if (id < 0) return;
  uintptr_t addr = imp->addr;
  if (!in_module(c->m, addr, sizeof(uintptr_t)) || (addr & (sizeof(uintptr_t) - 1))) {
    st->skipped++;
    return;
  }
  for (uint32_t i = 0; i < st->nslots; i++)
    if (st->slots[i].addr == addr) return;
  uintptr_t v = __atomic_load_n((uintptr_t *)addr, __ATOMIC_SEQ_CST);
  if (is_wrapper(v) || st->nslots == LLGI_INTERPOSE_MAX_SLOTS || !resolve(id, v, c->m)) {
    st->skipped++;
    return;
  }
  st->slots[st->nslots++] = (llgi_interpose_slot){addr, v, (uint16_t)id, imp->kind, 0, 0};
}

int llgi_interpose_patch(uintptr_t base, const void *dynamic, llgi_interpose_state *st) {
  if (!st || !dynamic) return LLGI_INTERPOSE_EINVAL;
  pthread_mutex_lock(&g_mu);
  int rc = LLGI_INTERPOSE_EINVAL;
  if (st->active && (st->base != base || st->dynamic != dynamic)) {
    rc = LLGI_INTERPOSE_EBUSY;
    goto out;
  }
  llgi_image m;
  if (!llgi_image_find(base, dynamic, &m)) goto out;
  if (st->active) {
    /* Patched already: nothing to do while every slot holds its wrapper. A
     * slot that does not belongs to a new image of the module (closed
     * without a restore and loaded again at the same address): the state
     * is stale, and the module is patched afresh. */
    uint32_t held = 0;
    for (uint32_t i = 0; i < st->nslots; i++)
      held += in_module(&m, st->slots[i].addr, sizeof(uintptr_t)) &&
              slot_held(&st->slots[i], __atomic_load_n((uintptr_t *)st->slots[i].addr, __ATOMIC_SEQ_CST));
    if (held == st->nslots) {
      rc = (int)st->nslots;
      goto out;
    }
    gate_remove(st);
    st->active = 0;
  }

  if (llgi_imports(&m, NULL, NULL) < 0) goto out;
  memset(st, 0, sizeof *st);
  st->base = base;
  st->dynamic = dynamic;
  taking c = {&m, st};
  llgi_imports(&m, take, &c);

  uint8_t done[LLGI_INTERPOSE_MAX_SLOTS];
  memset(done, 0, sizeof done);
  rc = swap_slots(st->slots, st->nslots, 0, &m, done);
  if (rc != 0) {
    /* Put back what this call changed; nothing stays patched. */
    uint8_t undone[LLGI_INTERPOSE_MAX_SLOTS];
    memset(undone, 0, sizeof undone);
    swap_slots(st->slots, st->nslots, 1, &m, undone);
    st->nslots = 0;
    goto out;
  }
  /* A slot whose value changed between the read and the swap (nothing
   * should write GOT slots of an RTLD_NOW module) is dropped. */
  uint32_t k = 0;
  for (uint32_t i = 0; i < st->nslots; i++) {
    if (done[i]) st->slots[k++] = st->slots[i];
    else st->skipped++;
  }
  st->nslots = k;
  st->active = 1;
  gate_add(st, &m);
  rc = (int)k;
out:
  pthread_mutex_unlock(&g_mu);
  return rc;
}

int llgi_interpose_restore(llgi_interpose_state *st) {
  if (!st) return 0;
  pthread_mutex_lock(&g_mu);
  int rc = 0;
  if (st->active) {
    uint8_t done[LLGI_INTERPOSE_MAX_SLOTS];
    memset(done, 0, sizeof done);
    gate_remove(st);
    /* No image: the module may be gone; the mappings decide. */
    int r = swap_slots(st->slots, st->nslots, 1, NULL, done);
    for (uint32_t i = 0; i < st->nslots; i++) st->slots[i].gated = 0;
    for (uint32_t i = 0; i < st->nslots; i++) rc += done[i];
    if (r != 0) rc = r; /* stays active: a later restore retries */
    else st->active = 0;
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

const char *llgi_interpose_symbol(unsigned sym) { return sym < NSYM ? g_names[sym] : NULL; }

const char *llgi_interpose_kind_name(unsigned kind) {
  return kind == LLGI_INTERPOSE_JUMP_SLOT ? "JUMP_SLOT" : kind == LLGI_INTERPOSE_GLOB_DAT ? "GLOB_DAT" : "?";
}

uintptr_t llgi_interpose_wrapper(unsigned sym) { return sym < NSYM ? g_wrappers[sym] : 0; }
