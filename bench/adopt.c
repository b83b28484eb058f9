/*
 * C-level adoption of a module's LLGI table (bench/adopt.ts): the table
 * embedded in the loaded image (found from its program headers, adopted in
 * place) against a sidecar table file read and adopted.
 *
 * Usage: adopt SO SIDECAR [SO SIDECAR ...]
 *   SO: a shared object whose .note.llgi holds a table (postlinked);
 *   SIDECAR: the same table as a file.
 *
 * For each pair, best and median of ROUNDS runs, in ns:
 *   adopt <nfunc> <table bytes> locate <best> <median> validate <best> <median>
 *         sidecar <best> <median> checksum <best> <median>
 * locate: dl_iterate_phdr to the image, its PT_NOTE walk and the table
 * header (llgi_embed_locate); validate: llgi_table_adopt on the mapped table
 * (full validation, every byte, checksum included); sidecar: open, read into
 * a buffer, llgi_table_adopt; checksum: llgi_table_checksum over the embedded
 * table's body alone (the part of validation that is the format's checksum).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llgi_embed.h"
#include "llgi_table.h"
#include "slurp.h"

#define ROUNDS 31

volatile uint32_t sink; /* keeps the lone checksum from being optimised away */

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void stats(double *v, double *best, double *median) {
  qsort(v, ROUNDS, sizeof v[0], cmp);
  *best = v[0];
  *median = v[ROUNDS / 2];
}

int main(int argc, char **argv) {
  for (int a = 1; a + 1 < argc; a += 2) {
    void *h = dlopen(argv[a], RTLD_NOW | RTLD_LOCAL);
    struct link_map *lm = NULL;
    if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0) {
      fprintf(stderr, "cannot load %s: %s\n", argv[a], dlerror());
      return 1;
    }
    double loc[ROUNDS], val[ROUNDS], side[ROUNDS], sum[ROUNDS];
    uint32_t nfunc = 0;
    size_t bytes = 0;
    for (int r = 0; r < ROUNDS; r++) {
      const void *table = NULL;
      size_t size = 0;
      llgi_table_error err;
      llgi_table t;
      double t0 = now_ns();
      int found = llgi_embed_locate(lm->l_addr, lm->l_name, &table, &size, &err);
      double t1 = now_ns();
      if (found != 1) {
        fprintf(stderr, "%s: no embedded table (%d)\n", argv[a], found);
        return 1;
      }
      if (llgi_table_adopt(&t, table, size, &err) != 0) {
        fprintf(stderr, "%s: embedded table refused: %s at %llu\n", argv[a], err.what, (unsigned long long)err.offset);
        return 1;
      }
      double t2 = now_ns();
      loc[r] = t1 - t0;
      val[r] = t2 - t1;
      nfunc = t.nfunc;
      bytes = size;

      double t3 = now_ns();
      size_t ssize = 0;
      void *buf = slurp(argv[a + 1], &ssize);
      llgi_table st;
      if (!buf || llgi_table_adopt(&st, buf, ssize, &err) != 0) {
        fprintf(stderr, "%s: sidecar unreadable or refused\n", argv[a + 1]);
        return 1;
      }
      side[r] = now_ns() - t3;
      free(buf);

      double t4 = now_ns();
      sink = llgi_table_checksum((const uint8_t *)table + LLGI_TABLE_HEADER_SIZE, size - LLGI_TABLE_HEADER_SIZE);
      sum[r] = now_ns() - t4;
    }
    double lb, lm_, vb, vm, sb, sm, cb, cm;
    stats(loc, &lb, &lm_);
    stats(val, &vb, &vm);
    stats(side, &sb, &sm);
    stats(sum, &cb, &cm);
    printf("adopt %u %zu locate %.0f %.0f validate %.0f %.0f sidecar %.0f %.0f checksum %.0f %.0f\n", nfunc, bytes, lb, lm_, vb, vm, sb, sm,
           cb, cm);
    dlclose(h);
  }
  return 0;
}
