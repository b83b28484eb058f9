/*
 * mprof.c: heap profiling, patterned after gc's runtime (malloc.go's
 * sampling decision, fastlog2.go, mprof.go's buckets and memRecord ring);
 * see llgi_mprof.h and docs/gc-semantics.md §1-§2.
 *
 * Memory: buckets and the live-pointer map live in mmap'd memory that the
 * sampler owns; nothing here calls malloc, so an interposed malloc can never
 * recurse into the sampler.
 */
#define _GNU_SOURCE
#include "llgi_mprof.h"
#include "mprof_fast.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "llgi_walk.h"

/* The interposer's free gate (llgi_interpose.h), when it is linked: its free
 * wrappers are needed only while a sampled pointer is live. */
extern void llgi_interpose_watch_frees(int on) __attribute__((weak));

static void watch_frees(int on) {
  if (llgi_interpose_watch_frees) llgi_interpose_watch_frees(on);
}

/* ---- sampling decision (gc: malloc.go nextSample / fastexprand) ------------ */

LLGI_HIDDEN _Atomic int64_t llgi_mprof_rate_ = LLGI_MPROF_DEFAULT_RATE;
/* llgi_mprof_seed bumps the epoch; a thread reseeds when it sees a new one. */
static _Atomic uint64_t g_seed;
LLGI_HIDDEN _Atomic uint32_t llgi_mprof_epoch_ = 1;
static _Atomic uint32_t g_thread_order;

typedef llgi_mprof_thread thread_state;
LLGI_HIDDEN __thread llgi_mprof_thread llgi_mprof_thread_;

/* gc's wyrand fastrand32 over a per-thread 64-bit state. */
static uint32_t fastrand32(thread_state *t) {
  t->rng += 0xa0761d6478bd642full;
  __uint128_t m = (__uint128_t)t->rng * (t->rng ^ 0xe7037ed1a0b428dbull);
  return (uint32_t)((uint64_t)(m >> 64) ^ (uint64_t)m);
}

/* log2(1 + i/32) for i = 0..32 (fastlog2.go's table). */
static double g_log2_table[33];
static pthread_once_t g_table_once = PTHREAD_ONCE_INIT;
static void init_log2_table(void) {
  for (int i = 0; i <= 32; i++) g_log2_table[i] = log2(1.0 + i / 32.0);
  g_log2_table[0] = 0;
  g_log2_table[32] = 1;
}

/* gc's fastlog2: exponent + table chord interpolation over the mantissa. */
static double fastlog2(double x) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  int64_t e = (int64_t)((bits >> 52) & 0x7ff) - 1023;
  uint64_t i = (bits >> 47) & 31;
  uint64_t f = (bits >> 27) & ((1u << 20) - 1);
  double lo = g_log2_table[i], hi = g_log2_table[i + 1];
  return (double)e + lo + (hi - lo) * (double)f * (1.0 / (1 << 20));
}

/* gc's fastexprand(mean): an exponential threshold with the given mean. */
static int64_t fastexprand(thread_state *t, int64_t mean) {
  if (mean > 0x7000000) mean = 0x7000000;
  if (mean == 0) return 0;
  uint32_t q = (uint32_t)(((uint64_t)fastrand32(t) * (1u << 26)) >> 32) + 1;
  double qlog = fastlog2((double)q) - 26;
  if (qlog > 0) qlog = 0;
  return (int64_t)(int32_t)(qlog * (-0.6931471805599453 * (double)mean)) + 1;
}

/* gc's nextSample: 0 at rate 1 (no randomness consumed). */
static int64_t draw(thread_state *t, int64_t rate) { return rate == 1 ? 0 : fastexprand(t, rate); }

static uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* Starts (or restarts after a reseed) this thread's stream, then draws its first threshold. */
static void start_thread(thread_state *t, uint32_t epoch, int64_t rate) {
  pthread_once(&g_table_once, init_log2_table);
  uint64_t seed = atomic_load_explicit(&g_seed, memory_order_acquire);
  if (!seed) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)t;
  }
  uint32_t order = atomic_fetch_add_explicit(&g_thread_order, 1, memory_order_relaxed);
  t->rng = splitmix(seed ^ splitmix(order));
  t->epoch = epoch;
  t->next = draw(t, rate);
}

/* ---- buckets and memRecords (gc: mprof.go) ---------------------------------- */

typedef struct memrec {
  int64_t allocs, frees, alloc_bytes, free_bytes;
} memrec;

typedef struct bucket {
  struct bucket *next;    /* hash chain */
  struct bucket *allnext; /* every bucket, newest first */
  uint64_t hash;
  uint64_t size;
  uint32_t nstk;
  uintptr_t stk[LLGI_MPROF_MAX_STACK];
  memrec active;          /* published, cumulative */
  memrec future[3];       /* per not-yet-published cycle */
} bucket;

/* gc's buckHashSize. */
#define BUCK_HASH_SIZE 179999
/* gc's mProfCycleWrap: a multiple of 3 so cycle % 3 stays consistent across the wrap. */
#define CYCLE_WRAP (3u * (1u << 25))

/* g_mu protects everything below in this section and the live map. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static bucket *g_buckhash[BUCK_HASH_SIZE];
static bucket *g_allbuckets;
static uint32_t g_cycle;      /* gc's mProfCycle (without the flushed bit) */
static int g_flushed;         /* the current cycle's slot was flushed */

/* Bump allocation of buckets from mmap'd chunks, reused after reset. */
typedef struct chunk {
  struct chunk *next;
  size_t used, cap;
} chunk;
#define CHUNK_SIZE (1u << 20)
/* Where a chunk's buckets start: its header, rounded to 16 bytes. */
#define CHUNK_HEADER ((sizeof(chunk) + 15) & ~(size_t)15)
static chunk *g_chunks, *g_chunk_cur;

static void *arena_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  for (;;) {
    chunk *c = g_chunk_cur;
    if (c && c->used + n <= c->cap) {
      void *p = (char *)c + c->used;
      c->used += n;
      return p;
    }
    if (c && c->next) { /* reuse a chunk kept from before a reset */
      g_chunk_cur = c->next;
      g_chunk_cur->used = CHUNK_HEADER;
      continue;
    }
    void *m = mmap(0, CHUNK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 0;
    chunk *nc = (chunk *)m;
    nc->next = 0;
    nc->used = CHUNK_HEADER;
    nc->cap = CHUNK_SIZE;
    if (c) c->next = nc;
    else g_chunks = nc;
    g_chunk_cur = nc;
  }
}

/* gc's word-wise Jenkins one-at-a-time over the pcs, then the size. */
static uint64_t stack_hash(const uintptr_t *stk, uint32_t n, uint64_t size) {
  uint64_t h = 0;
  for (uint32_t i = 0; i < n; i++) {
    h += stk[i];
    h += h << 10;
    h ^= h >> 6;
  }
  h += size;
  h += h << 10;
  h ^= h >> 6;
  h += h << 3;
  h ^= h >> 11;
  return h;
}

static bucket *find_bucket(const uintptr_t *stk, uint32_t n, uint64_t size) {
  uint64_t h = stack_hash(stk, n, size);
  bucket **chain = &g_buckhash[h % BUCK_HASH_SIZE];
  for (bucket *b = *chain; b; b = b->next)
    if (b->hash == h && b->size == size && b->nstk == n && memcmp(b->stk, stk, n * sizeof *stk) == 0) return b;
  bucket *b = (bucket *)arena_alloc(sizeof *b);
  if (!b) return 0;
  memset(b, 0, sizeof *b);
  b->hash = h;
  b->size = size;
  b->nstk = n;
  memcpy(b->stk, stk, n * sizeof *stk);
  b->next = *chain;
  *chain = b;
  b->allnext = g_allbuckets;
  g_allbuckets = b;
  return b;
}

/* ---- the live-pointer map: sampled pointer -> bucket --------------------------- */

/* The counting filter in front of the map (mprof_fast.h) and the number of
 * live sampled pointers. */
#define FILTER_BITS LLGI_MPROF_FILTER_BITS
LLGI_HIDDEN _Atomic uint16_t llgi_mprof_filter_[1u << FILTER_BITS];
LLGI_HIDDEN _Atomic int64_t llgi_mprof_live_;
#define g_filter llgi_mprof_filter_
#define g_live_count llgi_mprof_live_
#define filter_index llgi_mprof_filter_index

typedef struct live_entry {
  uintptr_t key; /* 0 empty, 1 deleted */
  bucket *b;
  uint64_t size;
} live_entry;
static live_entry *g_live;
static size_t g_live_cap, g_live_used; /* used counts deleted slots too */

static size_t live_slot(uintptr_t key, size_t cap) { return (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1); }

/* Rehashes, dropping deleted slots: doubles only when live pointers fill a
 * quarter of the table, so the map follows the live set, not the number of
 * samples ever taken. */
static int live_grow(void) {
  size_t live = (size_t)atomic_load_explicit(&g_live_count, memory_order_relaxed);
  size_t cap = !g_live_cap ? 4096 : (live + 1) * 4 > g_live_cap ? g_live_cap * 2 : g_live_cap;
  live_entry *n = mmap(0, cap * sizeof *n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (n == MAP_FAILED) return 0;
  size_t used = 0;
  for (size_t i = 0; i < g_live_cap; i++) {
    if (g_live[i].key <= 1) continue;
    size_t j = live_slot(g_live[i].key, cap);
    while (n[j].key) j = (j + 1) & (cap - 1);
    n[j] = g_live[i];
    used++;
  }
  if (g_live) munmap(g_live, g_live_cap * sizeof *g_live);
  g_live = n;
  g_live_cap = cap;
  g_live_used = used;
  return 1;
}

static live_entry *live_find(uintptr_t key);

static void live_put(uintptr_t key, bucket *b, uint64_t size) {
  live_entry *e = live_find(key);
  if (e) { /* the allocator reused an address whose free we did not see */
    e->b = b;
    e->size = size;
    return;
  }
  if ((g_live_used + 1) * 2 > g_live_cap && !live_grow()) return;
  size_t j = live_slot(key, g_live_cap);
  while (g_live[j].key > 1) j = (j + 1) & (g_live_cap - 1); /* first empty or deleted slot */
  if (g_live[j].key == 0) g_live_used++;
  g_live[j] = (live_entry){key, b, size};
  /* Writers hold g_mu. A full counter sticks at its maximum (always "maybe"):
   * wrapping to 0 would hide live samples from their frees. */
  _Atomic uint16_t *c = &g_filter[filter_index(key)];
  if (atomic_load_explicit(c, memory_order_relaxed) != UINT16_MAX) atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
  /* The first live sample: its free must find the wrappers, and the
   * pointer has not reached its caller yet. */
  if (atomic_load_explicit(&g_live_count, memory_order_relaxed) == 0) watch_frees(1);
  atomic_fetch_add_explicit(&g_live_count, 1, memory_order_release);
}

static live_entry *live_find(uintptr_t key) {
  if (!g_live_cap) return 0;
  for (size_t j = live_slot(key, g_live_cap);; j = (j + 1) & (g_live_cap - 1)) {
    if (g_live[j].key == key) return &g_live[j];
    if (g_live[j].key == 0) return 0;
  }
}

/* ---- events ------------------------------------------------------------------- */

/* Mallocs and frees both land in the slot gc gives events of the current
 * cycle: an explicit free is what gc's sweep would discover after the next
 * mark termination, published together with the mallocs before it. */
static memrec *pending(bucket *b) { return &b->future[(g_cycle + 2) % 3]; }

static void record_sample(thread_state *t, void *p, size_t size, uintptr_t fp) {
  uintptr_t stk[LLGI_MPROF_MAX_STACK];
  int saved_errno = errno; /* an allocation's caller may read errno after it */
  /* While busy, next is 0: the inline fast paths never count down, and
   * llgi_mprof_malloc sees busy and ignores the sampler's own allocations. */
  int64_t next = t->next;
  t->next = 0;
  t->busy = 1;
  int n = llgi_walk(fp, 0, stk, LLGI_MPROF_MAX_STACK);
  pthread_mutex_lock(&g_mu);
  bucket *b = find_bucket(stk, (uint32_t)n, size);
  if (b) {
    memrec *m = pending(b);
    m->allocs++;
    m->alloc_bytes += (int64_t)size;
    live_put((uintptr_t)p, b, size);
  }
  pthread_mutex_unlock(&g_mu);
  t->busy = 0;
  t->next = next;
  errno = saved_errno;
}

void llgi_mprof_malloc(void *p, size_t size, uintptr_t fp) {
  int64_t rate = atomic_load_explicit(&llgi_mprof_rate_, memory_order_relaxed);
  /* gc never samples (nor counts down for) a zero-size allocation. */
  if (rate <= 0 || !p || size == 0) return;
  thread_state *t = &llgi_mprof_thread_;
  if (t->busy) return;
  uint32_t epoch = atomic_load_explicit(&llgi_mprof_epoch_, memory_order_relaxed);
  if (t->epoch != epoch) start_thread(t, epoch, rate);
  if (rate != 1 && (int64_t)size < t->next) {
    t->next -= (int64_t)size;
    return;
  }
  /* One sample per crossing, full size; the overshoot is not carried over. */
  t->next = draw(t, rate);
  record_sample(t, p, size, fp);
}

void llgi_mprof_free(void *p) {
  if (!p || atomic_load_explicit(&g_live_count, memory_order_acquire) == 0) return;
  uint32_t fi = filter_index((uintptr_t)p);
  if (atomic_load_explicit(&g_filter[fi], memory_order_relaxed) == 0) return;
  pthread_mutex_lock(&g_mu);
  live_entry *e = live_find((uintptr_t)p);
  if (e) {
    memrec *m = pending(e->b);
    m->frees++;
    m->free_bytes += (int64_t)e->size;
    e->key = 1;
    if (atomic_load_explicit(&g_filter[fi], memory_order_relaxed) != UINT16_MAX) atomic_fetch_sub_explicit(&g_filter[fi], 1, memory_order_relaxed);
    if (atomic_fetch_sub_explicit(&g_live_count, 1, memory_order_release) == 1) watch_frees(0);
  }
  pthread_mutex_unlock(&g_mu);
}

int llgi_mprof_sampled(const void *p) {
  if (!p || atomic_load_explicit(&g_live_count, memory_order_acquire) == 0) return 0;
  if (atomic_load_explicit(&g_filter[filter_index((uintptr_t)p)], memory_order_relaxed) == 0) return 0;
  pthread_mutex_lock(&g_mu);
  int found = live_find((uintptr_t)p) != 0;
  pthread_mutex_unlock(&g_mu);
  return found;
}

void llgi_mprof_set_rate(int64_t rate) { atomic_store_explicit(&llgi_mprof_rate_, rate, memory_order_relaxed); }
int64_t llgi_mprof_rate(void) { return atomic_load_explicit(&llgi_mprof_rate_, memory_order_relaxed); }

void llgi_mprof_seed(uint64_t seed) {
  atomic_store_explicit(&g_seed, seed, memory_order_release);
  atomic_store_explicit(&g_thread_order, 0, memory_order_relaxed);
  atomic_fetch_add_explicit(&llgi_mprof_epoch_, 1, memory_order_release);
}

/* ---- publication (gc: mProf_NextCycle, mProf_Flush, mProf_PostSweep) ------------ */

static void add(memrec *to, memrec *from) {
  to->allocs += from->allocs;
  to->frees += from->frees;
  to->alloc_bytes += from->alloc_bytes;
  to->free_bytes += from->free_bytes;
  memset(from, 0, sizeof *from);
}

static void flush_slot(uint32_t slot) {
  for (bucket *b = g_allbuckets; b; b = b->allnext) add(&b->active, &b->future[slot]);
}

static void flush(void) {
  if (g_flushed) return;
  g_flushed = 1;
  flush_slot(g_cycle % 3);
}

void llgi_mprof_gc(void) {
  pthread_mutex_lock(&g_mu);
  g_cycle = (g_cycle + 1) % CYCLE_WRAP; /* mark termination */
  g_flushed = 0;
  flush();
  flush_slot((g_cycle + 1) % 3); /* runtime.GC's PostSweep */
  pthread_mutex_unlock(&g_mu);
}

size_t llgi_mprof_read(llgi_mprof_record *out, size_t max, int inuse_zero) {
  pthread_mutex_lock(&g_mu);
  flush();
  /* gc: before any cycle published anything, fold every pending event in. */
  int published = 0;
  for (bucket *b = g_allbuckets; b && !published; b = b->allnext) published = b->active.allocs || b->active.frees;
  if (!published)
    for (bucket *b = g_allbuckets; b; b = b->allnext)
      for (int k = 0; k < 3; k++) add(&b->active, &b->future[k]);
  size_t n = 0;
  for (bucket *b = g_allbuckets; b; b = b->allnext)
    if (inuse_zero || b->active.alloc_bytes != b->active.free_bytes) n++;
  if (n <= max) {
    size_t i = 0;
    for (bucket *b = g_allbuckets; b; b = b->allnext) {
      if (!(inuse_zero || b->active.alloc_bytes != b->active.free_bytes)) continue;
      llgi_mprof_record *r = &out[i++];
      r->allocs = b->active.allocs;
      r->frees = b->active.frees;
      r->alloc_bytes = b->active.alloc_bytes;
      r->free_bytes = b->active.free_bytes;
      r->size = b->size;
      r->nstk = b->nstk;
      memcpy(r->stk, b->stk, b->nstk * sizeof *b->stk);
    }
  }
  pthread_mutex_unlock(&g_mu);
  return n;
}

void llgi_mprof_reset(void) {
  pthread_mutex_lock(&g_mu);
  memset(g_buckhash, 0, sizeof g_buckhash);
  g_allbuckets = 0;
  if (g_chunks) {
    g_chunk_cur = g_chunks;
    g_chunks->used = CHUNK_HEADER;
  }
  if (g_live) memset(g_live, 0, g_live_cap * sizeof *g_live);
  g_live_used = 0;
  for (size_t i = 0; i < (1u << FILTER_BITS); i++) atomic_store_explicit(&g_filter[i], 0, memory_order_relaxed);
  atomic_store_explicit(&g_live_count, 0, memory_order_release);
  watch_frees(0);
  g_cycle = 0;
  g_flushed = 0;
  pthread_mutex_unlock(&g_mu);
}

/* Hook-table entry points: walk from our own frame, whose return address is
 * the module's call site of llgi_alloc. */
__attribute__((noinline)) void llgi_rt_alloc(void *p, size_t size) {
  llgi_mprof_malloc(p, size, (uintptr_t)__builtin_frame_address(0));
  __asm__ __volatile__("" ::: "memory"); /* keep this frame: no tail call */
}

void llgi_rt_free(void *p) { llgi_mprof_free(p); }
