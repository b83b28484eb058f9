/*
 * mprof_inside: the sampler (runtime/src/mprof.c) examined from inside. The
 * file includes mprof.c itself, so it reaches its static functions and state
 * (this thread's countdown, the live-pointer map) without any test-only
 * export; link it with walk.c, registry.c, stackmap.c and table.c. Driven by
 * test/memprofile-sampling.test.ts and test/memprofile-stress.test.ts.
 *
 *   mprof_inside exhaustive R [S...]
 *       Every q in [1, 2^26] through gc's final step (docs/gc-semantics.md §1.3,
 *       written here from the spec) over mprof.c's fastlog2, which must equal
 *       the spec's fastlog2 (also written here) bit for bit. Prints
 *       "mean <E[draw]> max <max> min <min> mismatches <n>" and one line
 *       "le <S> <P(draw <= S)>" per S.
 *   mprof_inside equiv R N SEED
 *       N wyrand states: mprof.c's fastexprand against the spec's pipeline
 *       (wyrand fastrand32, Lemire q, fastlog2, int32(qlog * -ln2 * mean) + 1,
 *       mean capped at 0x7000000). Prints "checked <N> mismatches <n>".
 *   mprof_inside thresholds R N SEED
 *       The public path: llgi_mprof_set_rate(R), llgi_mprof_seed(SEED), then
 *       N+1 allocations each larger than any threshold, so each is sampled
 *       and redraws; after each one this thread's countdown is the fresh
 *       draw. Writes the last N draws to stdout as little-endian int32.
 *   mprof_inside churn N LIVE
 *       At rate 1, N allocations at addresses never used before, each freed
 *       once LIVE newer ones exist (so at most LIVE+1 are live at a time), as
 *       a long-running allocator hands out fresh addresses. Prints
 *       "live <live pointers at the end> cap <live-map capacity> maxcap <largest capacity seen>".
 */
#include "../../runtime/src/mprof.c"

#include <stdio.h>
#include <stdlib.h>

/* ---- gc's rules as docs/gc-semantics.md §1.3 states them ------------------- */

static uint32_t spec_wyrand(uint64_t *state) {
  *state += 0xa0761d6478bd642full;
  __uint128_t m = (__uint128_t)*state * (*state ^ 0xe7037ed1a0b428dbull);
  uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
  return (uint32_t)(hi ^ lo);
}

static double spec_table[33];

static void spec_init(void) {
  for (int i = 0; i <= 32; i++) spec_table[i] = log2(1.0 + (double)i / 32.0);
  spec_table[0] = 0;
  spec_table[32] = 1;
}

/* e + T[i] + (T[i+1]-T[i]) * f * 2^-20 over the IEEE fields of x. */
static double spec_fastlog2(double x) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  int64_t e = (int64_t)((bits >> 52) & 0x7ff) - 1023;
  unsigned i = (unsigned)((bits >> 47) & 0x1f);
  uint64_t f = (bits >> 27) & 0xfffff;
  return (double)e + spec_table[i] + (spec_table[i + 1] - spec_table[i]) * (double)f * (1.0 / 1048576.0);
}

/* Step 3-4 of fastexprand given q and the (capped) mean. */
static int64_t spec_final(double log2q, int64_t mean) {
  double qlog = log2q - 26;
  if (qlog > 0) qlog = 0;
  return (int64_t)(int32_t)(qlog * (-0.6931471805599453 * (double)mean)) + 1;
}

static int64_t spec_exprand(uint64_t *state, int64_t mean) {
  if (mean > 0x7000000) mean = 0x7000000;
  if (mean == 0) return 0;
  uint32_t r = spec_wyrand(state);
  uint32_t q = (uint32_t)(((uint64_t)r * (1ull << 26)) >> 32) + 1;
  return spec_final(spec_fastlog2((double)q), mean);
}

/* gc's nextSample: 0 at rate 1. */
static int64_t spec_next(uint64_t *state, int64_t rate) { return rate == 1 ? 0 : spec_exprand(state, rate); }

/* ---- modes --------------------------------------------------------------------- */

static int exhaustive(int64_t rate, int nsizes, char **sizes) {
  int64_t mean = rate > 0x7000000 ? 0x7000000 : rate;
  long double sum = 0;
  int64_t max = 0, min = INT64_MAX;
  uint64_t mismatches = 0;
  uint64_t le[64] = {0};
  int64_t s[64];
  if (nsizes > 64) nsizes = 64;
  for (int k = 0; k < nsizes; k++) s[k] = strtoll(sizes[k], 0, 0);
  const uint32_t n = 1u << 26;
  for (uint32_t q = 1; q <= n; q++) {
    double ours = fastlog2((double)q), spec = spec_fastlog2((double)q);
    if (memcmp(&ours, &spec, sizeof ours) != 0) mismatches++;
    int64_t d = spec_final(ours, mean);
    sum += d;
    if (d > max) max = d;
    if (d < min) min = d;
    for (int k = 0; k < nsizes; k++) le[k] += d <= s[k];
  }
  printf("mean %.6Lf max %lld min %lld mismatches %llu\n", sum / n, (long long)max, (long long)min, (unsigned long long)mismatches);
  for (int k = 0; k < nsizes; k++) printf("le %lld %.9f\n", (long long)s[k], (double)le[k] / n);
  return 0;
}

static int equiv(int64_t rate, uint64_t n, uint64_t seed) {
  uint64_t mismatches = 0, state = seed;
  thread_state t;
  memset(&t, 0, sizeof t);
  for (uint64_t i = 0; i < n; i++) {
    state = splitmix(state + i); /* spread the starting states */
    uint64_t spec_state = state;
    t.rng = state;
    int64_t ours = draw(&t, rate), want = spec_next(&spec_state, rate);
    if (ours != want || t.rng != spec_state) {
      if (mismatches < 5)
        fprintf(stderr, "state %#llx rate %lld: ours %lld spec %lld\n", (unsigned long long)state, (long long)rate, (long long)ours, (long long)want);
      mismatches++;
    }
  }
  printf("checked %llu mismatches %llu\n", (unsigned long long)n, (unsigned long long)mismatches);
  return 0;
}

static int thresholds(int64_t rate, uint64_t n, uint64_t seed) {
  static char object[16];
  llgi_mprof_set_rate(rate);
  llgi_mprof_seed(seed);
  int32_t *out = (int32_t *)mmap(0, n * sizeof *out, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (out == MAP_FAILED) return 2;
  /* Larger than any threshold (< 2^31): every allocation is sampled and redraws. */
  const size_t huge = (size_t)1 << 40;
  llgi_mprof_malloc(object, huge, (uintptr_t)__builtin_frame_address(0));
  for (uint64_t i = 0; i < n; i++) {
    llgi_mprof_malloc(object, huge, (uintptr_t)__builtin_frame_address(0));
    int64_t d = llgi_mprof_thread_.next;
    if (d < INT32_MIN || d > INT32_MAX) return 3;
    out[i] = (int32_t)d;
  }
  return fwrite(out, sizeof *out, n, stdout) == n ? 0 : 4;
}

static int churn(uint64_t n, uint64_t live) {
  llgi_mprof_set_rate(1);
  size_t maxcap = 0;
  /* Fake addresses, 16 apart, never dereferenced (nor are they by the sampler). */
  const uintptr_t base = (uintptr_t)1 << 40;
  for (uint64_t i = 0; i < n; i++) {
    llgi_mprof_malloc((void *)(base + 16 * i), 32, (uintptr_t)__builtin_frame_address(0));
    if (i >= live) llgi_mprof_free((void *)(base + 16 * (i - live)));
    if (g_live_cap > maxcap) maxcap = g_live_cap;
  }
  printf("live %lld cap %zu maxcap %zu\n", (long long)atomic_load(&g_live_count), g_live_cap, maxcap);
  return 0;
}

/* gc's bucket hash and chain of the spec's vectors (docs/gc-semantics.md §8). */
static int hashes(void) {
  static const uintptr_t a[] = {0x401000, 0x402000}, b[] = {0x482ee5, 0x482ece, 0x45d361};
  const struct {
    const uintptr_t *stk;
    uint32_t n;
    uint64_t size;
  } v[] = {{a, 2, 16}, {b, 3, 112}, {0, 0, 0}};
  for (int i = 0; i < 3; i++) {
    uint64_t h = stack_hash(v[i].stk, v[i].n, v[i].size);
    printf("hash 0x%016llx chain %llu\n", (unsigned long long)h, (unsigned long long)(h % BUCK_HASH_SIZE));
  }
  return 0;
}

int main(int argc, char **argv) {
  pthread_once(&g_table_once, init_log2_table);
  spec_init();
  if (argc >= 3 && !strcmp(argv[1], "exhaustive")) return exhaustive(strtoll(argv[2], 0, 0), argc - 3, argv + 3);
  if (argc == 5 && !strcmp(argv[1], "equiv")) return equiv(strtoll(argv[2], 0, 0), strtoull(argv[3], 0, 0), strtoull(argv[4], 0, 0));
  if (argc == 5 && !strcmp(argv[1], "thresholds")) return thresholds(strtoll(argv[2], 0, 0), strtoull(argv[3], 0, 0), strtoull(argv[4], 0, 0));
  if (argc == 2 && !strcmp(argv[1], "hash")) return hashes();
  if (argc == 4 && !strcmp(argv[1], "churn")) return churn(strtoull(argv[2], 0, 0), strtoull(argv[3], 0, 0));
  fprintf(stderr, "usage: mprof_inside exhaustive R [S...] | equiv R N SEED | thresholds R N SEED | churn N LIVE\n");
  return 2;
}
