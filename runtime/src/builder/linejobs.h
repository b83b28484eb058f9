/*
 * linejobs.h: every unit's line table read, and turned into address
 * intervals, on a second thread while the build's own thread reads
 * .debug_info and paints the inlined calls: the two are independent until
 * the lines are placed, and together they are most of a build.
 *
 * The job touches nothing of the build but its own results; the build takes
 * them after blines_join, in unit order, on its own thread.
 */
#ifndef LLGI_LINEJOBS_H
#define LLGI_LINEJOBS_H

#include <pthread.h>
#include <stdint.h>

#include "llgi_dwarf.h"

/* One unit's line table: rc 0 (read: lines and iv hold it), 1 (the unit has
 * none), -1 (refused: err says why), -2 (out of memory). */
typedef struct bline {
  llgi_dline_table lines;
  llgi_dline_iv *iv;
  uint32_t niv;
  int rc;
  llgi_derr err;
} bline;

typedef struct blines {
  const llgi_dsections *s;
  llgi_dinfo units; /* llgi_dinfo_read_units: where each unit's table is */
  bline *out;       /* one per unit */
  uint32_t n;
  pthread_t thread;
  int running;
} blines;

/* Reads one unit's table (the job's step, also for the build's own use). */
void bline_read(const llgi_dsections *s, const llgi_dunit *u, bline *out);
void bline_free(bline *b);

/* Starts the job (on this thread when no thread can be made; nothing when
 * there is no DWARF to read or its units cannot be read). */
void blines_start(blines *j, const llgi_dsections *s);
void blines_join(blines *j);
/* The job's result for unit `index` at .debug_info offset `offset`, NULL
 * when the job has none for it. The caller owns it from then on. */
bline *blines_take(blines *j, uint32_t index, uint64_t offset);
/* Joins, and frees whatever was not taken. */
void blines_free(blines *j);

#endif /* LLGI_LINEJOBS_H */
