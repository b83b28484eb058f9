/*
 * table_probe: adopts each LLGI table file named on the command line and, when
 * the reader accepts it, looks up every address of its text range (and a band
 * around it). Built with AddressSanitizer and UBSan by test/fuzz.test.ts:
 * any out-of-bounds read on a mutated table aborts the process.
 *
 * An argument TABLE+SUMS adopts TABLE at first use with the checksum index
 * in SUMS (llgi_table_adopt_lazy); a plain TABLE adopts it whole.
 *
 * Prints one line per file: "accepted <nfunc> <sum>", "rejected <what>" (at
 * adoption) or "refused <what>" (by a lookup, at first use; every lookup
 * after it must be refused too).
 */
#define _POSIX_C_SOURCE 200809L /* posix_memalign (slurp.h) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llgi_table.h"
#include "slurp.h" /* bench/slurp.h */

/* Looks up every address; 0, or -1 at the first refusal (then checks that
 * the next lookups are refused as well). */
static int lookups(const llgi_table *t, uint64_t *sum) {
  llgi_frame frames[8];
  uint64_t lo = t->text_start > 64 ? t->text_start - 64 : 0;
  uint64_t hi = t->text_start + t->text_len + 64;
  for (uint64_t a = lo; a < hi; a++) {
    int n = llgi_table_frames(t, a, frames, 8);
    int64_t fi = llgi_table_findfunc(t, a);
    const char *file;
    uint32_t line;
    int l = fi >= 0 ? llgi_table_line(t, (uint32_t)fi, a, &file, &line) : 0;
    if (n < 0 || fi == LLGI_TABLE_REFUSED || l < 0) {
      if (llgi_table_frames(t, t->text_start, frames, 8) != -1 || llgi_table_findfunc(t, t->text_start) != LLGI_TABLE_REFUSED) {
        printf("BUG: a lookup after a refusal was answered\n");
        exit(3);
      }
      return -1;
    }
    for (int k = 0; k < n && k < 8; k++) {
      *sum += strlen(frames[k].function) + frames[k].line;
      if (frames[k].file) *sum += strlen(frames[k].file);
    }
    if (l) *sum += strlen(file) + line;
  }
  return 0;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    char *sums_path = strchr(argv[i], '+');
    if (sums_path) *sums_path++ = 0;
    size_t size = 0, sums_size = 0;
    void *buf = slurp(argv[i], &size);
    void *sums = sums_path ? slurp(sums_path, &sums_size) : NULL;
    if (!buf || (sums_path && !sums)) {
      printf("unreadable\n");
      free(buf);
      free(sums);
      continue;
    }
    llgi_table t;
    llgi_table_error err;
    void *state = NULL;
    int64_t rc;
    if (sums) {
      rc = llgi_table_adopt_lazy(&t, buf, size, sums, sums_size, NULL, 0, &err);
      if (rc > 0) {
        state = aligned_alloc(8, ((size_t)rc + 7) & ~(size_t)7);
        rc = llgi_table_adopt_lazy(&t, buf, size, sums, sums_size, state, (size_t)rc, &err);
      }
    } else {
      rc = llgi_table_adopt(&t, buf, size, &err);
    }
    uint64_t sum = 0;
    if (rc != 0) printf("rejected %s\n", err.what);
    else if (lookups(&t, &sum) != 0) {
      llgi_table_failure(&t, &err);
      printf("refused %s\n", err.what);
    } else {
      printf("accepted %u %llu\n", t.nfunc, (unsigned long long)sum);
    }
    free(buf);
    free(sums);
    free(state);
  }
  return 0;
}
