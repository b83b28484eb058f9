/*
 * Cost per allocation of a malloc-heavy module (bench/alloc_fixture.c) under
 * the heap sampler, one process per round of bench/alloc.ts.
 *
 *   alloc <fixture.so> <iters> <rate-1 iters> <round>
 *
 * The fixture is dlopened RTLD_NOW (as load() does), its executable PT_LOADs
 * are registered (as native/live.cc's register does), and alloc_run is timed
 * in four configurations:
 *   unhooked   its GOT slots as ld.so left them (also what the lib does at
 *              rate 0: setMemProfileRate(0) restores every module's slots)
 *   hooked-0   slots patched by llgi_interpose_patch, rate 0 (wrappers only)
 *   hooked-def slots patched, gc's default rate (512 KiB)
 *   hooked-1   slots patched, rate 1 (every allocation sampled, every free
 *              of a sampled pointer counted)
 * for two workloads: "mix" (16..2063 bytes) and "16" (16 bytes). A warm-up
 * pass of every configuration at a tenth of the iterations comes first and
 * is not printed; then one measured pass, configurations in an order rotated
 * by <round>, so that across rounds each one runs in every position.
 *
 * Before timing, a check at rate 1 confirms that every allocation is sampled
 * with the fixture's depth of stack, and every sampled block's free counted.
 *
 * Output:
 *   slots <patched> <skipped>
 *   check <allocs> <frees> <min pcs> <max pcs> <expected allocs> <fixture depth>
 *   check-default <samples> <iters>
 *   alloc <workload> <config> <ns per malloc+free pair> <iters>
 *   maxrss <KiB>
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "llgi_interpose.h"
#include "llgi_mprof.h"
#include "llgi_registry.h"
#include "llgi_walk.h"

typedef long (*run_fn)(long iters, uint64_t seed, unsigned fixed);

enum { UNHOOKED, HOOKED0, HOOKED_DEF, HOOKED1, NCONFIGS };
static const char *const config_names[] = {"unhooked", "hooked-0", "hooked-def", "hooked-1"};
static const int64_t config_rates[] = {0, 0, LLGI_MPROF_DEFAULT_RATE, 1};

static const struct {
  const char *name;
  unsigned fixed;
} workloads[] = {{"mix", 0}, {"16", 16}};
#define NWORKLOADS 2
#define SEED 0x9e3779b97f4a7c15ull

static llgi_interpose_state g_st;
static uintptr_t g_base;
static const void *g_dynamic;
static run_fn g_run;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "alloc: %s\n", what);
  exit(1);
}

/* The module's executable PT_LOADs, registered as load() registers them. */
static int register_text(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  int *n = data;
  if (info->dlpi_addr != g_base) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
      if (llgi_registry_add(info->dlpi_addr + ph->p_vaddr, info->dlpi_addr + ph->p_vaddr + ph->p_memsz, info->dlpi_addr, NULL, 1) < 0)
        die("registry_add failed");
      (*n)++;
    }
  }
  return 1;
}

static void configure(int c) {
  if (c == UNHOOKED) {
    if (llgi_interpose_restore(&g_st) < 0) die("restore failed");
  } else if (llgi_interpose_patch(g_base, g_dynamic, &g_st) <= 0) {
    die("patch failed (no slot patched)");
  }
  llgi_mprof_set_rate(config_rates[c]);
}

/* ns per malloc+free pair of one run. */
static double timed(int c, long iters, unsigned fixed) {
  configure(c);
  double t0 = now_ns();
  g_run(iters, SEED, fixed);
  double t = (now_ns() - t0) / (double)iters;
  configure(UNHOOKED);
  return t;
}

static void check(int depth) {
  enum { N = 1000 };
  static llgi_mprof_record recs[4096];
  llgi_mprof_reset();
  llgi_mprof_seed(1);
  configure(HOOKED1);
  g_run(N, SEED, 0);
  configure(UNHOOKED);
  llgi_mprof_gc();
  size_t n = llgi_mprof_read(recs, 4096, 1);
  if (n > 4096) die("check: too many records");
  int64_t allocs = 0, frees = 0;
  unsigned lo = ~0u, hi = 0;
  for (size_t i = 0; i < n; i++) {
    allocs += recs[i].allocs;
    frees += recs[i].frees;
    if (recs[i].nstk < lo) lo = recs[i].nstk;
    if (recs[i].nstk > hi) hi = recs[i].nstk;
  }
  printf("check %lld %lld %u %u %d %d\n", (long long)allocs, (long long)frees, lo, hi, N, depth);

  /* At the default rate: how many samples the mix gives (expected about
   * iters * mean size / 512 KiB). */
  enum { M = 2000000 };
  llgi_mprof_reset();
  configure(HOOKED_DEF);
  g_run(M, SEED, 0);
  configure(UNHOOKED);
  llgi_mprof_gc();
  n = llgi_mprof_read(recs, 4096, 1);
  allocs = 0;
  for (size_t i = 0; i < n && n <= 4096; i++) allocs += recs[i].allocs;
  printf("check-default %lld %d\n", (long long)allocs, M);
  llgi_mprof_reset();
}

int main(int argc, char **argv) {
  if (argc < 5) die("usage: alloc <fixture.so> <iters> <rate-1 iters> <round>");
  long iters = atol(argv[2]), iters1 = atol(argv[3]);
  int round = atoi(argv[4]);
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) die(dlerror());
  struct link_map *lm = NULL;
  if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm) die("dlinfo failed");
  g_base = lm->l_addr;
  g_dynamic = lm->l_ld;
  int nranges = 0;
  dl_iterate_phdr(register_text, &nranges);
  if (!nranges) die("no executable segment");
  g_run = (run_fn)dlsym(h, "alloc_run");
  int (*depth_fn)(void) = (int (*)(void))dlsym(h, "alloc_depth");
  if (!g_run || !depth_fn) die("fixture symbols missing");
  llgi_walk_prepare_thread();

  configure(HOOKED0);
  printf("slots %u %u\n", g_st.nslots, g_st.skipped);
  configure(UNHOOKED);
  check(depth_fn());
  llgi_mprof_seed(1);

  for (int w = 0; w < NWORKLOADS; w++)
    for (int c = 0; c < NCONFIGS; c++) timed(c, (c == HOOKED1 ? iters1 : iters) / 10, workloads[w].fixed);

  double best[NWORKLOADS][NCONFIGS];
  for (int k = 0; k < NWORKLOADS * NCONFIGS; k++) {
    int i = (k + round) % (NWORKLOADS * NCONFIGS);
    int w = i / NCONFIGS, c = i % NCONFIGS;
    best[w][c] = timed(c, c == HOOKED1 ? iters1 : iters, workloads[w].fixed);
  }
  for (int w = 0; w < NWORKLOADS; w++)
    for (int c = 0; c < NCONFIGS; c++)
      printf("alloc %s %s %.2f %ld\n", workloads[w].name, config_names[c], best[w][c], c == HOOKED1 ? iters1 : iters);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("maxrss %ld\n", ru.ru_maxrss);
  return 0;
}
