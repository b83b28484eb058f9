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
 *   adopt <nfunc> <table bytes> then <name> <best> <median> for each of
 * locate: dl_iterate_phdr to the image, its PT_NOTE walk, the table header
 * and the checksum index's place (llgi_embed_locate); whole:
 * llgi_table_adopt on the mapped table (full validation, every byte,
 * checksum included); sidecar: open, read into a buffer, llgi_table_adopt;
 * checksum: llgi_table_checksum over what the header checksum covers (the
 * format's part of whole validation); firstuse: llgi_table_adopt_lazy with
 * its state allocated (adoption for validation at first use); first: the
 * first lookup in a cold bucket after it (that bucket's validation); all:
 * llgi_table_validate_all after that (every other bucket);
 * lookup_whole / lookup_firstuse: ns per llgi_table_findfunc, once every
 * bucket is validated, one lookup per 64 bytes of text.
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

/* ns per findfunc over the text, one lookup every 64 bytes. */
static double lookups(const llgi_table *t) {
  uint64_t n = t->text_len / 64 + 1, acc = 0;
  double t0 = now_ns();
  for (uint64_t i = 0; i < n; i++) acc += (uint64_t)llgi_table_findfunc(t, t->text_start + i * 64 % t->text_len);
  double d = now_ns() - t0;
  sink = (uint32_t)acc;
  return d / (double)n;
}

#define MEASURES 9
static const char *const k_names[MEASURES] = {"locate", "whole", "sidecar", "checksum", "firstuse", "first", "all", "lookup_whole", "lookup_firstuse"};

int main(int argc, char **argv) {
  for (int a = 1; a + 1 < argc; a += 2) {
    void *h = dlopen(argv[a], RTLD_NOW | RTLD_LOCAL);
    struct link_map *lm = NULL;
    if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0) {
      fprintf(stderr, "cannot load %s: %s\n", argv[a], dlerror());
      return 1;
    }
    double v[MEASURES][ROUNDS];
    uint32_t nfunc = 0;
    size_t bytes = 0;
    for (int r = 0; r < ROUNDS; r++) {
      const void *table = NULL, *sums = NULL;
      size_t size = 0, sums_size = 0;
      llgi_table_error err;
      llgi_table t, lt;
      double t0 = now_ns();
      int found = llgi_embed_locate(lm->l_addr, lm->l_name, &table, &size, &sums, &sums_size, &err);
      double t1 = now_ns();
      if (found != 1 || !sums) {
        fprintf(stderr, "%s: no embedded table with a checksum index (%d)\n", argv[a], found);
        return 1;
      }
      if (llgi_table_adopt(&t, table, size, &err) != 0) {
        fprintf(stderr, "%s: embedded table refused: %s at %llu\n", argv[a], err.what, (unsigned long long)err.offset);
        return 1;
      }
      double t2 = now_ns();
      v[0][r] = t1 - t0;
      v[1][r] = t2 - t1;
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
      v[2][r] = now_ns() - t3;
      free(buf);

      double t4 = now_ns();
      sink = llgi_table_checksum((const uint8_t *)table + LLGI_TABLE_CHECKSUM_START, size - LLGI_TABLE_CHECKSUM_START);
      v[3][r] = now_ns() - t4;

      /* At first use: adoption (size query, state, adoption), then the first
       * lookup in a cold bucket, then every other bucket. */
      double t5 = now_ns();
      int64_t need = llgi_table_adopt_lazy(&lt, table, size, sums, sums_size, NULL, 0, &err);
      void *state = need > 0 ? aligned_alloc(8, ((size_t)need + 7) & ~(size_t)7) : NULL;
      if (!state || llgi_table_adopt_lazy(&lt, table, size, sums, sums_size, state, (size_t)need, &err) != 0) {
        fprintf(stderr, "%s: refused at first use: %s\n", argv[a], need < 0 ? err.what : "no state");
        return 1;
      }
      double t6 = now_ns();
      int64_t fi = llgi_table_findfunc(&lt, lt.text_start + (uint64_t)(lt.nbuckets / 2) * LLGI_BUCKET_SIZE);
      double t7 = now_ns();
      if (fi < 0 || llgi_table_validate_all(&lt) != 0) {
        fprintf(stderr, "%s: a bucket was refused\n", argv[a]);
        return 1;
      }
      double t8 = now_ns();
      v[4][r] = t6 - t5;
      v[5][r] = t7 - t6;
      v[6][r] = t8 - t7;
      v[7][r] = lookups(&t);
      v[8][r] = lookups(&lt);
      free(state);
    }
    printf("adopt %u %zu", nfunc, bytes);
    for (int m = 0; m < MEASURES; m++) {
      double best, median;
      stats(v[m], &best, &median);
      printf(" %s %.1f %.1f", k_names[m], best, median);
    }
    printf("\n");
    dlclose(h);
  }
  return 0;
}
