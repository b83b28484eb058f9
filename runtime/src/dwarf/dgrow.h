/*
 * dgrow.h: geometric growth of the DWARF readers' result arrays. A failed
 * realloc leaves the old block in place (still reachable from the caller's
 * structure, so freed by its cleanup) and raises "out of memory" through the
 * reader's dfail (dreader.h).
 *
 * Threads and signals: allocates; not async-signal-safe.
 */
#ifndef LLGI_DGROW_H
#define LLGI_DGROW_H

#include <stdint.h>
#include <stdlib.h>

#include "dreader.h"

/* Makes room for `need` elements of `elem` bytes in *p (capacity *cap). */
static inline void dgrow_to(void **p, uint32_t *cap, size_t elem, uint64_t need, dfail *f) {
  if (need <= *cap) return;
  uint64_t n = *cap ? (uint64_t)*cap * 2 : 16;
  if (n < need) n = need;
  if (n > UINT32_MAX) n = UINT32_MAX;
  if (need > n || n > SIZE_MAX / elem) dfail_oom(f);
  void *q = realloc(*p, (size_t)n * elem);
  if (!q) dfail_oom(f);
  *p = q;
  *cap = (uint32_t)n;
}

/* Room for one more element after the `n` in use: DGROW(f, vec, n, cap). */
#define DGROW(f, vec, n, cap) \
  do { \
    if ((n) >= (cap)) { \
      void *p_ = (vec); \
      dgrow_to(&p_, &(cap), sizeof *(vec), (uint64_t)(n) + 1, (f)); \
      (vec) = p_; \
    } \
  } while (0)

#endif /* LLGI_DGROW_H */
