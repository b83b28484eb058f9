/*
 * table_probe: adopts each LLGI table file named on the command line and, when
 * the reader accepts it, looks up every address of its text range (and a band
 * around it). Built with AddressSanitizer and UBSan by test/table-fuzz.test.ts:
 * any out-of-bounds read on a mutated table aborts the process.
 *
 * Prints one line per file: "accepted <nfunc>" or "rejected <what>".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llgi_table.h"

static void *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  /* Exactly n bytes (rounded up to the alignment aligned_alloc needs), so
   * ASan sees any read past the table's end. */
  void *buf = aligned_alloc(8, n ? (((size_t)n + 7) & ~(size_t)7) : 8);
  if (buf && n && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return buf;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    size_t size = 0;
    void *buf = read_file(argv[i], &size);
    if (!buf) {
      printf("unreadable\n");
      continue;
    }
    llgi_table t;
    llgi_table_error err;
    if (llgi_table_adopt(&t, buf, size, &err) != 0) {
      printf("rejected %s\n", err.what);
      free(buf);
      continue;
    }
    uint64_t sum = 0;
    llgi_frame frames[8];
    uint64_t lo = t.text_start > 64 ? t.text_start - 64 : 0;
    uint64_t hi = t.text_start + t.text_len + 64;
    for (uint64_t a = lo; a < hi; a++) {
      int n = llgi_table_frames(&t, a, frames, 8);
      for (int k = 0; k < n && k < 8; k++) {
        sum += strlen(frames[k].function) + frames[k].line;
        if (frames[k].file) sum += strlen(frames[k].file);
      }
      int64_t fi = llgi_table_findfunc(&t, a);
      const char *file;
      uint32_t line;
      if (fi >= 0 && llgi_table_line(&t, (uint32_t)fi, a, &file, &line)) sum += strlen(file) + line;
    }
    printf("accepted %u %llu\n", t.nfunc, (unsigned long long)sum);
    free(buf);
  }
  return 0;
}
