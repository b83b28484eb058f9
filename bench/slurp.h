/* slurp.h: reads a whole file into an 8-aligned malloc'd buffer (the LLGI
 * table reader wants 4) of exactly its size (so ASan sees a read past it),
 * for the C benchmark and test harnesses. NULL on failure. */
#ifndef LLGI_BENCH_SLURP_H
#define LLGI_BENCH_SLURP_H

#include <stdio.h>
#include <stdlib.h>

static void *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  rewind(f);
  void *p = NULL;
  if (posix_memalign(&p, 8, *size ? *size : 8) != 0 || fread(p, 1, *size, f) != *size) {
    fclose(f);
    free(p);
    return NULL;
  }
  fclose(f);
  return p;
}

#endif
