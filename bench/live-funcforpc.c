/*
 * C-level pc lookups in an adopted LLGI table: findfunc plus the function's
 * name (gc's FuncForPC(pc).Name()), and all logical frames with file:line
 * (gc's FuncForPC(pc) with Name() and FileLine(pc)).
 *
 * Usage: live-funcforpc TABLE PCS
 *   TABLE: an LLGI table file; PCS: little-endian u64 link-time addresses.
 * "one" repeats the first pc, "cached" cycles the first 64 (hot caches),
 * "fresh" cycles all of them.
 *
 * Output: lookup <findfunc|frames> <one|cached|fresh> <best ns per pc>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llgi_table.h"
#include "slurp.h"

#define LOOKUPS 300000
#define ROUNDS 5
#define CACHED 64

static volatile uint64_t sink;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* strlen on every returned string: gc's Name() and FileLine() return Go
 * strings, whose length gc computes from the C string, so ours pays it too. */
static double bench(const llgi_table *t, const uint64_t *pcs, size_t npcs, int full) {
  llgi_frame fr[16];
  uint64_t acc = 0;
  size_t j = 0;
  double t0 = now_ns();
  for (int i = 0; i < LOOKUPS; i++) {
    uint64_t pc = pcs[j];
    if (++j == npcs) j = 0;
    if (full) {
      int n = llgi_table_frames(t, pc, fr, 16);
      if (n > 0) acc += strlen(fr[0].function) + (fr[0].file ? strlen(fr[0].file) : 0) + fr[0].line;
    } else {
      int64_t fi = llgi_table_findfunc(t, pc);
      if (fi >= 0) acc += strlen(llgi_table_string(t, t->funcs[fi].name));
    }
  }
  double ns = (now_ns() - t0) / LOOKUPS;
  sink += acc;
  return ns;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s TABLE PCS\n", argv[0]);
    return 2;
  }
  size_t tsize, psize;
  void *tbuf = slurp(argv[1], &tsize);
  uint64_t *pcs = slurp(argv[2], &psize);
  if (!tbuf || !pcs || psize < CACHED * 8) {
    fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]);
    return 1;
  }
  llgi_table t;
  llgi_table_error err;
  if (llgi_table_adopt(&t, tbuf, tsize, &err) != 0) {
    fprintf(stderr, "table rejected: %s at %llu\n", err.what, (unsigned long long)err.offset);
    return 1;
  }
  const size_t sets[3] = {1, CACHED, psize / 8};
  const char *const set_names[3] = {"one", "cached", "fresh"};
  const char *const kind_names[2] = {"findfunc", "frames"};
  double best[2][3];
  /* Round 0 warms up and is not counted; rounds interleave the six cases. */
  for (int r = 0; r <= ROUNDS; r++)
    for (int full = 0; full < 2; full++)
      for (int s = 0; s < 3; s++) {
        double ns = bench(&t, pcs, sets[s], full);
        if (r == 1 || (r > 1 && ns < best[full][s])) best[full][s] = ns;
      }
  for (int full = 0; full < 2; full++)
    for (int s = 0; s < 3; s++) printf("lookup %s %s %.2f\n", kind_names[full], set_names[s], best[full][s]);
  return 0;
}
