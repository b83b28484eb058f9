/*
 * mprof_stress: the sampler under threads, without Node. Links
 * runtime/src/{mprof,walk,registry,stackmap,table}.c; test/memprofile-
 * stress.test.ts builds it with -fsanitize=address,undefined and with
 * -fsanitize=thread and checks what it prints against the workload's rules.
 *
 *   mprof_stress THREADS ITERS
 *
 * The workload of test/fixtures/mprof/stress.c, calling llgi_mprof_malloc and
 * llgi_mprof_free directly: worker k (0-based) owns SLOTS addresses 512 bytes
 * apart and reports objects of 64 + 16k bytes; iteration i uses slot
 * i % SLOTS, first freeing the object still held there; even i allocate at
 * site_pair and free at once, odd i allocate at site_kept and hold the
 * object. The arena is reserved PROT_NONE, so nothing may touch an object.
 * The executable's text is registered, so samples have stacks:
 * site_* <- worker_loop <- worker_main.
 *
 * Meanwhile a gc thread loops over llgi_mprof_gc and llgi_mprof_read and
 * counts violations of gc's publication rules: in every read, each record has
 * frees <= allocs and bytes = objects * size, no record's counts ever go
 * down, and a read into a buffer too small returns the count and leaves the
 * buffer untouched.
 *
 * Prints, after joining and a last gc:
 *   record <size> <pair|kept|other> <allocs> <frees> <alloc_bytes> <free_bytes> <nstk>
 *   totals <allocs> <frees> <alloc_bytes> <free_bytes> <records>
 *   gc <cycles> reads <reads> violations <violations>
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "llgi_mprof.h"
#include "llgi_registry.h"

#define NOINLINE __attribute__((noinline))
#define SLOTS 1024
#define STRIDE 512
#define MAX_THREADS 64
#define MAX_RECORDS 256

extern char __executable_start[], etext[];

static char *arena;
static int iters;
static int workers_done; /* atomic */

/* The hook's convention (llgi_rt_alloc): pass our own frame, so the stack starts at our caller. */
static NOINLINE void report_alloc(void *p, size_t size) {
  llgi_mprof_malloc(p, size, (uintptr_t)__builtin_frame_address(0));
  __asm__ __volatile__("" ::: "memory");
}

static NOINLINE void site_pair(void *p, size_t size) {
  report_alloc(p, size);
  __asm__ __volatile__("" ::: "memory");
}

static NOINLINE void site_kept(void *p, size_t size) {
  report_alloc(p, size);
  __asm__ __volatile__("" ::: "memory");
}

static NOINLINE void worker_loop(long k) {
  char *base = arena + (size_t)k * SLOTS * STRIDE;
  size_t size = 64 + 16 * (size_t)k;
  unsigned char held[SLOTS] = {0};
  for (int i = 0; i < iters; i++) {
    int s = i % SLOTS;
    char *p = base + (size_t)s * STRIDE;
    if (held[s]) {
      llgi_mprof_free(p);
      held[s] = 0;
    }
    if (i & 1) {
      site_kept(p, size);
      held[s] = 1;
    } else {
      site_pair(p, size);
      llgi_mprof_free(p);
    }
  }
}

static void *worker_main(void *arg) {
  worker_loop((long)arg);
  __atomic_fetch_add(&workers_done, 1, __ATOMIC_RELEASE);
  __asm__ __volatile__("" ::: "memory");
  return 0;
}

/* Which site a record's innermost pc returns into: the nearest function start below it. */
static const char *site_of(const llgi_mprof_record *r) {
  if (!r->nstk) return "other";
  uintptr_t pc = r->stk[0], a = (uintptr_t)site_pair, b = (uintptr_t)site_kept, best = 0;
  const char *name = "other";
  uintptr_t starts[] = {a, b, (uintptr_t)report_alloc, (uintptr_t)worker_loop, (uintptr_t)worker_main};
  const char *names[] = {"pair", "kept", "other", "other", "other"};
  for (int i = 0; i < 5; i++)
    if (starts[i] <= pc && starts[i] > best) {
      best = starts[i];
      name = names[i];
    }
  return name;
}

/* ---- the gc thread ------------------------------------------------------------- */

static llgi_mprof_record g_buf[MAX_RECORDS], g_small[4];
/* The last counts seen per (size, site), to check they never go down. */
static struct seen {
  uint64_t size;
  const char *site;
  int64_t allocs, frees;
} g_seen[MAX_RECORDS];
static int g_nseen;
static long g_cycles, g_reads, g_violations;
static int g_stop; /* atomic */

static void violation(const char *what, const llgi_mprof_record *r) {
  if (g_violations++ < 10)
    fprintf(stderr, "violation: %s (size %llu allocs %lld frees %lld alloc_bytes %lld free_bytes %lld)\n", what,
            (unsigned long long)r->size, (long long)r->allocs, (long long)r->frees, (long long)r->alloc_bytes,
            (long long)r->free_bytes);
}

static void check_read(int inuse_zero) {
  /* A buffer too small: the count comes back and the buffer stays as it was. */
  memset(g_small, 0xa5, sizeof g_small);
  size_t n = llgi_mprof_read(g_small, 0, inuse_zero);
  for (size_t i = 0; i < sizeof g_small; i++)
    if (((unsigned char *)g_small)[i] != 0xa5) {
      violation("a read with max 0 wrote to the buffer", &g_small[0]);
      break;
    }
  n = llgi_mprof_read(g_buf, MAX_RECORDS, inuse_zero);
  g_reads++;
  if (n > MAX_RECORDS) {
    violation("more records than (size, site) pairs", &g_buf[0]);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const llgi_mprof_record *r = &g_buf[i];
    if (r->frees > r->allocs) violation("frees > allocs", r);
    if (r->alloc_bytes != r->allocs * (int64_t)r->size || r->free_bytes != r->frees * (int64_t)r->size) violation("bytes != objects * size", r);
    if (!inuse_zero && r->alloc_bytes == r->free_bytes) violation("a record with alloc_bytes == free_bytes without inuse_zero", r);
    const char *site = site_of(r);
    struct seen *s = 0;
    for (int j = 0; j < g_nseen; j++)
      if (g_seen[j].size == r->size && g_seen[j].site == site) s = &g_seen[j];
    if (!s && g_nseen < MAX_RECORDS) {
      s = &g_seen[g_nseen++];
      *s = (struct seen){r->size, site, 0, 0};
    }
    if (!s) continue;
    if (r->allocs < s->allocs || r->frees < s->frees) violation("counts went down", r);
    s->allocs = r->allocs;
    s->frees = r->frees;
  }
}

static void *gc_main(void *arg) {
  while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
    llgi_mprof_gc();
    g_cycles++;
    if (g_cycles % 4 == 0) check_read(g_cycles % 8 == 0);
  }
  return arg;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: mprof_stress THREADS ITERS\n");
    return 2;
  }
  int nthreads = atoi(argv[1]);
  iters = atoi(argv[2]);
  if (nthreads < 1 || nthreads > MAX_THREADS || iters < 0) return 2;
  if (llgi_registry_add((uint64_t)(uintptr_t)__executable_start, (uint64_t)(uintptr_t)etext, 0, 0, 1) < 0) return 3;
  void *m = mmap(0, (size_t)nthreads * SLOTS * STRIDE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return 4;
  arena = m;
  llgi_mprof_set_rate(1);

  pthread_t gc_thread, workers[MAX_THREADS];
  if (pthread_create(&gc_thread, 0, gc_main, 0)) return 5;
  for (long k = 0; k < nthreads; k++)
    if (pthread_create(&workers[k], 0, worker_main, (void *)k)) return 6;
  for (int k = 0; k < nthreads; k++) pthread_join(workers[k], 0);
  __atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
  pthread_join(gc_thread, 0);

  llgi_mprof_gc();
  check_read(1);
  size_t n = llgi_mprof_read(g_buf, MAX_RECORDS, 1);
  if (n > MAX_RECORDS) return 7;
  int64_t allocs = 0, frees = 0, alloc_bytes = 0, free_bytes = 0;
  for (size_t i = 0; i < n; i++) {
    const llgi_mprof_record *r = &g_buf[i];
    printf("record %llu %s %lld %lld %lld %lld %u\n", (unsigned long long)r->size, site_of(r), (long long)r->allocs,
           (long long)r->frees, (long long)r->alloc_bytes, (long long)r->free_bytes, r->nstk);
    allocs += r->allocs;
    frees += r->frees;
    alloc_bytes += r->alloc_bytes;
    free_bytes += r->free_bytes;
  }
  printf("totals %lld %lld %lld %lld %zu\n", (long long)allocs, (long long)frees, (long long)alloc_bytes, (long long)free_bytes, n);
  printf("gc %ld reads %ld violations %ld\n", g_cycles, g_reads, g_violations);
  llgi_mprof_reset();
  munmap(m, (size_t)nthreads * SLOTS * STRIDE);
  return g_violations ? 1 : 0;
}
